//! The CPU backend: loop kernels compiled to native code by LLVM's JIT, run over plan
//! buffers on a few threads; a cache so that a kernel of the same structure (any
//! sizes) compiles once.

mod alloc;
mod blas;
mod compile;
mod disk_cache;
mod fft;
mod fold_matvec;
mod frame;
mod gather;
mod gemm;
mod gemv;
mod into;
mod lanes;
mod lapack;
mod launch;
mod library;
mod memory;
mod object;
mod orc;
mod radix;
mod team;
mod vector_library;

use crate::llvm::kernel::{self as emit, LoopVersions};
use crate::runtime::keys::{canonical_buffers, structure_key};
use crate::runtime::storage::{self, storage_roots};
use alloc::{zeros, Uninit};
use compile::{compile_object, host_machine, link, prepare_module, unit_strides, Effort};
use memory::{contiguous_strides, Dims, Memory, Pointers, Scratch};

pub use blas::blas_in_use;
pub use disk_cache::DiskCache;
pub use frame::{Frame, FrameInput, FrameOutput};
pub use vector_library::vector_math_stats;

/// What ahead-of-time export (`crate::export`) uses of the CPU backend.
pub(crate) mod aot {
    pub(crate) use super::compile::CpuModel;
    pub(crate) use super::object::{write_object, ObjectKernel};

    use crate::error::CodegenError;

    /// CPUs an export may name besides the host's (LLVM names).
    pub(crate) const NAMED_CPUS: &[&str] = &[
        "x86-64",
        "x86-64-v2",
        "x86-64-v3",
        "x86-64-v4",
        "haswell",
        "broadwell",
        "skylake",
        "skylake-avx512",
        "cascadelake",
        "icelake-server",
        "sapphirerapids",
        "znver2",
        "znver3",
        "znver4",
    ];

    /// The CPU model of an export: the host's, or a named CPU with its own features.
    pub(crate) fn cpu_model(name: Option<&str>) -> Result<CpuModel, CodegenError> {
        let host = CpuModel::host();
        match name {
            None => Ok(host),
            Some(n) if n == "host" || n == "native" => Ok(host),
            Some(n) if NAMED_CPUS.contains(&n) || n == host.cpu => Ok(CpuModel {
                cpu: n.to_string(),
                features: String::new(),
                vector_width: None,
            }),
            Some(n) => Err(CodegenError::Export(format!(
                "export: unknown target CPU {n:?}; use \"host\" or one of {}",
                NAMED_CPUS.join(", ")
            ))),
        }
    }
}

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use inkwell::context::Context;
use lazyfuse_ir::kernel::{BufferKind, Kernel, KernelPlan, LoopKernel};
use lazyfuse_ir::{DType, Value};
use ndarray::{ArrayD, IxDyn};

use crate::error::CodegenError;

/// At most this many compiled kernels are kept.
const MAX_CACHED_KERNELS: usize = 2048;

type KernelFn = unsafe extern "C" fn(*const *mut u8, *const i64, i64, i64, i64, i64);

/// One version of a loop kernel's machine code, linked into this process.
struct Linked {
    /// Owns the code `entry` points into (freed when the kernel is dropped).
    _code: orc::LoadedObject,
    entry: KernelFn,
    /// The parameters (indices) that must be 1 for this code: the strides its loops
    /// assume are unit (empty for code that takes any strides).
    unit_strides: Vec<usize>,
}

/// A loop kernel and its machine code, compiled on first use in one of two versions
/// (see `LoopVersions`): where a launch's strides are 1 wherever the kernel's loops
/// over strided sites could use that (most calls), code with only those loop versions
/// (about half of LLVM's work); otherwise the general code, with both.
struct CompiledKernel {
    /// The parameters (indices) that must be 1 for the unit-stride code.
    unit_strides: Vec<usize>,
    unit: OnceLock<Result<Linked, CodegenError>>,
    general: OnceLock<Result<Linked, CodegenError>>,
    /// What compiles the code: the canonical kernel, its buffer dtypes and cache key,
    /// and the executor's compiler.
    kernel: LoopKernel,
    dtypes: Vec<DType>,
    key: String,
    compiler: Arc<Compiler>,
    /// Whether the kernel gathers (it then takes a status word: see `gather::Status`);
    /// known at compile time, so launches do not scan the kernel.
    gathers: bool,
}

impl CompiledKernel {
    /// The entry point for a launch with run-time parameters `params`, compiled (or
    /// loaded from the disk cache) now if it is the first launch to need it.
    fn entry(&self, params: &[i64]) -> Result<KernelFn, CodegenError> {
        let unit = self.unit_strides.iter().all(|&i| params.get(i) == Some(&1));
        let (slot, versions) = if unit {
            (&self.unit, LoopVersions::UnitOnly)
        } else {
            (&self.general, LoopVersions::Both)
        };
        // The code's own table of assumed strides is checked once, when it is linked.
        let code = slot.get_or_init(|| {
            let code =
                self.compiler
                    .load_or_compile(&self.key, &self.kernel, &self.dtypes, versions)?;
            if unit && code.unit_strides != self.unit_strides {
                return Err(CodegenError::Internal(
                    "a kernel's unit-stride code assumes other strides than emitted".into(),
                ));
            }
            Ok(code)
        });
        match code {
            Ok(code) => Ok(code.entry),
            Err(e) => Err(e.clone()),
        }
    }

    /// Whether no code is compiled yet.
    fn untouched(&self) -> bool {
        self.unit.get().is_none() && self.general.get().is_none()
    }
}

/// What compiles kernels for an executor: its on-disk cache and counters.
#[derive(Default)]
struct Compiler {
    disk: Option<DiskCache>,
    compiles: AtomicU64,
    disk_hits: AtomicU64,
}

impl Compiler {
    /// A kernel's code in `versions` from the on-disk cache, or compiled (and stored
    /// there). Each compilation has its own LLVM context: several may run at once.
    fn load_or_compile(
        &self,
        key: &str,
        kernel: &LoopKernel,
        buffer_dtypes: &[DType],
        versions: LoopVersions,
    ) -> Result<Linked, CodegenError> {
        let key = format!("{key}|{versions:?}");
        if let Some(object) = self.disk.as_ref().and_then(|d| d.load(&key)) {
            // An entry that does not link (it cannot, once its hash and key check out,
            // short of a changed system library) is compiled again below.
            if let Ok(code) = link(&object) {
                self.disk_hits.fetch_add(1, Ordering::Relaxed);
                return Ok(code);
            }
        }
        let object = compile_object(kernel, buffer_dtypes, versions)?;
        let code = link(&object)?;
        self.compiles.fetch_add(1, Ordering::Relaxed);
        if let Some(disk) = &self.disk {
            disk.store(&key, &object);
        }
        Ok(code)
    }
}

/// Compile and cache-hit counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Kernels compiled.
    pub compiles: u64,
    /// Kernels found in the cache.
    pub hits: u64,
    /// Kernels loaded from the on-disk cache instead of compiled ([`DiskCache`]).
    pub disk_hits: u64,
}

/// Runs kernel plans on this machine's CPU.
pub struct CpuExecutor {
    cache: Mutex<HashMap<String, Arc<CompiledKernel>>>,
    hits: AtomicU64,
    compiler: Arc<Compiler>,
    threads: usize,
}

static GLOBAL: OnceLock<CpuExecutor> = OnceLock::new();

/// The thread count: `LAZYFUSE_NUM_THREADS`, else the available parallelism.
fn default_threads() -> usize {
    std::env::var("LAZYFUSE_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The worker threads kernels run on (started once; a launch costs microseconds, not a
/// thread spawn). Work is split into chunks by the executor, not by the pool, so
/// results do not depend on scheduling.
fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(default_threads())
            .thread_name(|i| format!("lazyfuse-{i}"))
            .build()
            .expect("start the kernel thread pool")
    })
}

impl CpuExecutor {
    /// The process-wide executor (one kernel cache per process, backed by the on-disk
    /// cache the environment asks for: [`DiskCache::from_environment`]). Thread count:
    /// `LAZYFUSE_NUM_THREADS`, else the available parallelism.
    pub fn global() -> &'static CpuExecutor {
        GLOBAL.get_or_init(|| match DiskCache::from_environment() {
            Some(disk) => CpuExecutor::with_disk_cache(default_threads(), disk),
            None => CpuExecutor::new(default_threads()),
        })
    }

    /// An executor with its own in-memory cache and no on-disk one, running on
    /// `threads` threads.
    pub fn new(threads: usize) -> CpuExecutor {
        CpuExecutor {
            cache: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            compiler: Arc::default(),
            threads: threads.max(1),
        }
    }

    /// An executor with its own in-memory cache backed by `disk`.
    pub fn with_disk_cache(threads: usize, disk: DiskCache) -> CpuExecutor {
        let mut exec = CpuExecutor::new(threads);
        exec.compiler = Arc::new(Compiler {
            disk: Some(disk),
            ..Compiler::default()
        });
        exec
    }

    /// The on-disk cache, if this executor has one.
    pub fn disk_cache(&self) -> Option<&DiskCache> {
        self.compiler.disk.as_ref()
    }

    /// Compile and hit counts so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            compiles: self.compiler.compiles.load(Ordering::Relaxed),
            hits: self.hits.load(Ordering::Relaxed),
            disk_hits: self.compiler.disk_hits.load(Ordering::Relaxed),
        }
    }

    /// The LLVM IR of a loop kernel as this backend compiles it (before optimisation
    /// when `optimized` is false), for inspection and tests.
    pub fn kernel_ir(
        &self,
        kernel: &LoopKernel,
        buffer_dtypes: &[DType],
        optimized: bool,
    ) -> Result<String, CodegenError> {
        let context = Context::create();
        let module = context.create_module("lazyfuse");
        let machine = host_machine()?;
        emit::emit_kernel(&context, &module, "kernel", kernel, buffer_dtypes)?;
        prepare_module(
            &module,
            &machine,
            optimized.then(|| Effort::for_kernel(kernel)),
        )?;
        Ok(module.print_to_string().to_string())
    }

    fn compiled(
        &self,
        kernel: &LoopKernel,
        buffer_dtypes: &[DType],
    ) -> Result<Arc<CompiledKernel>, CodegenError> {
        let key = structure_key(kernel, buffer_dtypes);
        if let Some(k) = self.cache.lock().expect("cache lock").get(&key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(k.clone());
        }
        let compiled = Arc::new(CompiledKernel {
            unit_strides: unit_strides(kernel, buffer_dtypes)?,
            unit: OnceLock::new(),
            general: OnceLock::new(),
            kernel: kernel.clone(),
            dtypes: buffer_dtypes.to_vec(),
            key: key.clone(),
            compiler: self.compiler.clone(),
            gathers: emit::gathers(kernel),
        });
        let mut cache = self.cache.lock().expect("cache lock");
        // Bounded memory: a process that keeps making new kernel structures starts over
        // (kernels in use stay alive through their Arc).
        if cache.len() >= MAX_CACHED_KERNELS {
            cache.clear();
        }
        Ok(cache.entry(key).or_insert(compiled).clone())
    }

    /// Runs `plan` on `inputs` (one value per input slot).
    pub fn run(&self, plan: &KernelPlan, inputs: &[Value]) -> Result<Vec<Value>, CodegenError> {
        self.prepare(Arc::new(plan.clone()))?.run(inputs)
    }

    /// Verifies `plan` and finds its loop kernels in the cache (or makes them: their
    /// IR, not yet compiled, says which strides their unit-stride code assumes), once;
    /// the result runs the plan on any inputs of its input types with no further cache
    /// lookups (the fast path for repeated calls). Each kernel's code compiles (or
    /// loads from the disk cache) at the first launch that needs it, the kernels of a
    /// plan's first run in parallel.
    pub fn prepare(&self, plan: Arc<KernelPlan>) -> Result<PreparedPlan, CodegenError> {
        plan.verify()?;
        let dtypes: Vec<DType> = plan.buffers.iter().map(|b| b.ty.dtype).collect();
        // The plan's loop kernels compile in parallel on the kernel pool (a first call
        // of a program with several kernels mostly waits for LLVM).
        let loops: Vec<(usize, LoopKernel, Vec<usize>, Vec<DType>)> = plan
            .kernels
            .iter()
            .enumerate()
            .filter_map(|(i, kernel)| match kernel {
                Kernel::Loop(l) => {
                    let (canonical, order) = canonical_buffers(l);
                    let canonical_dtypes = order.iter().map(|&b| dtypes[b]).collect();
                    Some((i, canonical, order, canonical_dtypes))
                }
                Kernel::MatMul(_) | Kernel::Axis(_) => None,
            })
            .collect();
        let compiled: Vec<Result<Arc<CompiledKernel>, CodegenError>> = if loops.len() > 1 {
            use rayon::prelude::*;
            pool().install(|| {
                loops
                    .par_iter()
                    .map(|(_, k, _, d)| self.compiled(k, d))
                    .collect()
            })
        } else {
            loops
                .iter()
                .map(|(_, k, _, d)| self.compiled(k, d))
                .collect()
        };
        let mut steps: Vec<Option<(Arc<CompiledKernel>, Vec<usize>)>> =
            vec![None; plan.kernels.len()];
        for ((i, _, order, _), c) in loops.into_iter().zip(compiled) {
            steps[i] = Some((c?, order));
        }
        let roots = storage_roots(&plan);
        Ok(PreparedPlan {
            uninit: storage::written_first(&plan, &roots),
            roots,
            plan,
            steps,
            threads: self.threads,
            params: Mutex::new(None),
            scratch: Mutex::new(None),
            one_pass: AtomicU64::new(0),
        })
    }
}

/// A verified plan with its kernels compiled: runs without compiling or looking up.
pub struct PreparedPlan {
    plan: Arc<KernelPlan>,
    /// Per kernel: the compiled loop kernel and its buffer order (None for matmul).
    steps: Vec<Option<(Arc<CompiledKernel>, Vec<usize>)>>,
    /// Per buffer, the buffer whose storage it uses (`storage_roots`, computed once).
    roots: Vec<usize>,
    /// Per buffer, whether its storage starts uninitialised (`storage::written_first`).
    uninit: Vec<bool>,
    threads: usize,
    /// The loop kernels' run-time parameters for the input strides of the last run that
    /// computed them: a call with the same strides (the usual case: a loop calling a
    /// jitted function on arrays of one layout) skips computing and checking them.
    params: Mutex<Option<Arc<CachedParams>>>,
    /// The last run's bookkeeping vectors, emptied, for the next run to fill (a small
    /// plan's call then allocates only its results).
    scratch: Mutex<Option<Scratch>>,
    /// Matrix-vector products run beside a fold, in one pass over their matrix.
    one_pass: AtomicU64,
}

/// Every loop kernel's run-time parameters (`launch::kernel_params`), computed and
/// checked against buffers whose input strides were `strides`.
struct CachedParams {
    /// Each input slot's strides, in slot order, one after another.
    strides: Vec<isize>,
    /// Per kernel, its parameters (empty for matmul kernels and empty outer spaces).
    per_kernel: Vec<Vec<i64>>,
}

impl CachedParams {
    /// Whether the parameters were computed for inputs of these strides (the shapes
    /// are the plan's, checked by `Memory::new`).
    fn fits(&self, inputs: &[InputView<'_>]) -> bool {
        let mut rest = self.strides.as_slice();
        for v in inputs {
            match rest.split_at_checked(v.strides.len()) {
                Some((head, tail)) if head == v.strides.as_slice() => rest = tail,
                _ => return false,
            }
        }
        rest.is_empty()
    }
}

impl PreparedPlan {
    /// The plan.
    pub fn plan(&self) -> &KernelPlan {
        &self.plan
    }

    /// How many times a matrix-vector product of this plan ran beside a whole-array
    /// fold over its matrix, in one pass over the matrix (`fold_matvec.rs`).
    pub fn one_pass_products(&self) -> u64 {
        self.one_pass.load(Ordering::Relaxed)
    }

    /// On a plan's first run, compiles the code its loop kernels need for this run's
    /// strides in parallel on the kernel pool, where there is more than one to compile
    /// (a launch would compile each in turn). Errors are left for the launches to
    /// report.
    fn compile_ahead(&self, memory: &Memory) {
        let fresh: Vec<(&CompiledKernel, Vec<i64>)> = self
            .plan
            .kernels
            .iter()
            .zip(&self.steps)
            .filter_map(|(kernel, step)| match (kernel, step) {
                (Kernel::Loop(l), Some((c, _))) if c.untouched() && !c.gathers => {
                    launch::kernel_params(l, memory).ok().map(|p| (&**c, p))
                }
                _ => None,
            })
            .collect();
        if fresh.len() > 1 {
            use rayon::prelude::*;
            pool().install(|| {
                fresh.par_iter().for_each(|(c, params)| {
                    let _ = c.entry(params);
                })
            });
        }
    }

    /// Runs the plan on `inputs` (one value per input slot).
    pub fn run(&self, inputs: &[Value]) -> Result<Vec<Value>, CodegenError> {
        let views: Vec<InputView<'_>> = inputs.iter().map(InputView::of).collect();
        self.execute(&views, Some(inputs))
    }

    /// Runs the plan reading its inputs in place from borrowed memory (no copies):
    /// the path for buffers lazyfuse does not own, such as NumPy arrays.
    pub fn run_views(&self, inputs: &[InputView<'_>]) -> Result<Vec<Value>, CodegenError> {
        self.execute(inputs, None)
    }

    /// Runs the plan; `owners`, where given, are the values the views borrow (an output
    /// that is an input unchanged is then shared instead of copied).
    fn execute(
        &self,
        inputs: &[InputView<'_>],
        owners: Option<&[Value]>,
    ) -> Result<Vec<Value>, CodegenError> {
        let scratch = self
            .scratch
            .lock()
            .ok()
            .and_then(|mut s| s.take())
            .unwrap_or_default();
        let mut memory = Memory::new_in(
            scratch,
            &self.plan,
            &self.roots,
            &self.uninit,
            inputs,
            owners,
        )?;
        let cached = {
            let slot = self.params.lock().unwrap_or_else(|e| e.into_inner());
            slot.as_ref().filter(|c| c.fits(inputs)).cloned()
        };
        if cached.is_none() {
            self.compile_ahead(&memory);
        }
        // Plans that gather copy some sources first (`gather::contiguous_sources`),
        // which changes their strides: their parameters are computed every run.
        let cacheable = !self.steps.iter().flatten().any(|(c, _)| c.gathers);
        let mut computed: Vec<Vec<i64>> = Vec::new();
        if cached.is_none() && cacheable {
            computed.resize(self.plan.kernels.len(), Vec::new());
        }
        let kernels = &self.plan.kernels;
        let mut k = 0;
        while k < kernels.len() {
            match (&kernels[k], &self.steps[k]) {
                (Kernel::Loop(l), Some((compiled, order))) => {
                    let known = cached.as_ref().map(|c| c.per_kernel[k].as_slice());
                    // A whole-array fold and a matrix-vector product over the matrix it
                    // reads (the expanded square's): one pass over the matrix.
                    let beside = kernels.get(k + 1).and_then(|next| {
                        let threads = self.threads;
                        fold_matvec::run(threads, compiled, l, order, next, &mut memory, known)
                    });
                    if let Some(fresh) = beside {
                        self.one_pass.fetch_add(1, Ordering::Relaxed);
                        if let (Some(p), Some(slot)) = (fresh?, computed.get_mut(k)) {
                            *slot = p;
                        }
                        k += 2;
                        continue;
                    }
                    let fresh = CpuExecutor::launch(
                        self.threads,
                        compiled,
                        l,
                        order,
                        &mut memory,
                        known,
                        None,
                    )?;
                    if let (Some(p), Some(slot)) = (fresh, computed.get_mut(k)) {
                        *slot = p;
                    }
                }
                (Kernel::MatMul(m), None) => {
                    // Two products of one matrix in a row (BiCG's `A @ p`, `A.T @ r`):
                    // one pass over it.
                    if let Some(Kernel::MatMul(next)) = kernels.get(k + 1) {
                        if let Some(done) = gemm::matvec_pair(m, next, &mut memory, self.threads) {
                            done?;
                            k += 2;
                            continue;
                        }
                    }
                    library::matmul(m, &mut memory, self.threads)?
                }
                (Kernel::Axis(c), None) => lanes::run(c, &mut memory)?,
                _ => return Err(CodegenError::Internal("prepared plan out of step".into())),
            }
            k += 1;
        }
        if !computed.is_empty() {
            let strides = inputs
                .iter()
                .flat_map(|v| v.strides.iter().copied())
                .collect();
            let fresh = CachedParams {
                strides,
                per_kernel: computed,
            };
            *self.params.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(fresh));
        }
        let outputs = memory.outputs(&self.plan);
        if let Ok(mut slot) = self.scratch.lock() {
            *slot = Some(memory.into_scratch());
        }
        outputs
    }
}

/// An input buffer borrowed for one run: element 0's address, dtype, shape and strides
/// (in elements; negative for reversed axes, 0 for broadcast ones).
#[derive(Clone, Debug)]
pub struct InputView<'a> {
    ptr: *const u8,
    dtype: DType,
    shape: Dims<usize>,
    strides: Dims<isize>,
    _borrow: std::marker::PhantomData<&'a ()>,
}

// SAFETY: a view only reads, and its lifetime (or `from_raw`'s contract) keeps the
// memory alive and unwritten while it is used, from any thread.
unsafe impl Send for InputView<'_> {}
unsafe impl Sync for InputView<'_> {}

impl<'a> InputView<'a> {
    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Element 0.
    pub fn ptr(&self) -> *const u8 {
        self.ptr
    }

    /// Strides in elements.
    pub fn strides(&self) -> &[isize] {
        &self.strides
    }

    /// A view of a value's elements.
    pub fn of(value: &'a Value) -> InputView<'a> {
        lazyfuse_ir::with_value!(value, a => InputView {
            ptr: a.as_ptr().cast::<u8>(),
            dtype: value.dtype(),
            shape: Dims::from_slice(a.shape()),
            strides: Dims::from_slice(a.strides()),
            _borrow: std::marker::PhantomData,
        })
    }

    /// A view of memory lazyfuse does not own.
    ///
    /// # Safety
    /// `ptr` must be aligned for `dtype`, and every element `ptr + Σ i_k strides[k]`
    /// (`i_k < shape[k]`) must be a readable, initialised element of `dtype` (a bool
    /// one byte of 0 or 1) that nobody writes while a run uses the view.
    pub unsafe fn from_raw(
        ptr: *const u8,
        dtype: DType,
        shape: &[usize],
        strides: &[isize],
    ) -> InputView<'a> {
        InputView {
            ptr,
            dtype,
            shape: Dims::from_slice(shape),
            strides: Dims::from_slice(strides),
            _borrow: std::marker::PhantomData,
        }
    }
}
