//! Running plans on a CUDA device: the driver loaded at run time (cudarc), device memory
//! per storage root, compiled kernels cached per (structure, architecture; their PTX
//! also on disk, `ptx_cache.rs`), and the
//! kernels the GPU does not run yet (matrix products, routines along an axis) computed
//! on the host by the reference implementation.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use cudarc::driver::{
    CudaContext, CudaFunction, CudaSlice, CudaStream, DevicePtr, LaunchConfig, PushKernelArg,
};
use lazyfuse_ir::kernel::{AxisKernel, BufferId, BufferKind, IndexMap, Kernel, KernelPlan};
use lazyfuse_ir::kernel::{LoopKernel, MatMulKernel};
use lazyfuse_ir::{evaluate_op, DType, IrError, Op, TensorType, Value};

use super::{canonical_ptx, chunk_folds, chunk_outputs, ptx, Variant, ROW_BLOCK};
use crate::error::CodegenError;
use crate::llvm::kernel::{cooperative, gathers, is_elementwise};
use crate::runtime::folds::{chunkable_folds, combine_pairwise, scalar_from_bits};
use crate::runtime::keys::{canonical_buffers, structure_key};
use crate::runtime::params::loop_params;
use crate::runtime::storage::storage_roots;

type Res<T> = Result<T, CodegenError>;

/// Threads per block of launches with a thread per element, row or chunk.
const BLOCK: u32 = 256;

/// Elements of a whole-array fold per chunk, which a block of [`ROW_BLOCK`] threads folds
/// (32 each). Partials combine on the host in a fixed order, so results do not depend on
/// the launch.
const GPU_CHUNK: usize = 8192;

/// Rows at least this long are folded by a block of threads ([`Variant::Blocks`]).
const MIN_BLOCK_ROW: usize = 64;

/// Kernels with more rows than this run a thread per row: enough threads already, and
/// reads along a row's neighbours coalesce there (a matrix product's right operand).
const MAX_BLOCK_ROWS: usize = 1 << 16;

/// At most this many blocks in a launch (rows beyond are taken in turn).
const MAX_GRID: usize = 1 << 20;

fn driver_error(what: &str) -> impl Fn(cudarc::driver::DriverError) -> CodegenError + '_ {
    move |e| CodegenError::Device(format!("{what}: {e}"))
}

/// Whether the CUDA driver library can be loaded (never panics: cudarc's loader would).
fn driver_present() -> bool {
    // SAFETY: only tries to open the library by its usual names.
    unsafe { cudarc::driver::sys::is_culib_present() }
}

/// The CUDA devices of this machine, by name ("NVIDIA H200 (sm_90)"); empty where
/// there is no driver or no device.
pub fn devices() -> Vec<String> {
    if !driver_present() {
        return Vec::new();
    }
    let count = CudaContext::device_count().unwrap_or(0).max(0) as usize;
    (0..count)
        .filter_map(|i| {
            let ctx = CudaContext::new(i).ok()?;
            let name = ctx.name().ok()?;
            let (major, minor) = ctx.compute_capability().ok()?;
            Some(format!("{name} (sm_{major}{minor})"))
        })
        .collect()
}

/// A compiled kernel, loaded on the device.
struct CudaKernel {
    function: CudaFunction,
}

/// Runs kernel plans on one CUDA device.
pub struct CudaExecutor {
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    /// The architecture PTX is compiled for (`sm_90` on an H100).
    arch: String,
    cache: Mutex<HashMap<String, Arc<CudaKernel>>>,
    compiles: AtomicU64,
    hits: AtomicU64,
    /// Launch shape: blocks per multiprocessor times multiprocessors, at most.
    max_blocks: u32,
    /// Time spent so far (nanoseconds): copying inputs to the device, running the
    /// plans' kernels there (CUDA events around them), copying results back.
    timing: [AtomicU64; 3],
    /// Whether every kernel takes its most cooperative variant whatever its sizes (a
    /// block per row of any length, whole-array folds in chunks of two): for tests,
    /// whose arrays are small.
    eager_variants: bool,
    /// Plans run on the CPU instead ([`CudaExecutor::run`]).
    host_plans: AtomicU64,
}

/// Where a [`CudaExecutor`]'s time went, summed over its runs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CudaTiming {
    /// Copying inputs to the device and allocating its buffers (seconds).
    pub upload: f64,
    /// Running the plans' kernels on the device, as its events measure (seconds): what a
    /// program whose inputs already live there would take.
    pub kernels: f64,
    /// Copying results back to the host (seconds).
    pub download: f64,
}

impl CudaExecutor {
    /// The process-wide executor of device 0, started on first use.
    pub fn global() -> Res<&'static CudaExecutor> {
        static GLOBAL: OnceLock<Result<CudaExecutor, String>> = OnceLock::new();
        GLOBAL
            .get_or_init(|| CudaExecutor::new(0).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| CodegenError::Device(e.trim_start_matches("cuda: ").to_string()))
    }

    /// An executor of device `ordinal`, with its own kernel cache.
    pub fn new(ordinal: usize) -> Res<CudaExecutor> {
        if !driver_present() {
            return Err(CodegenError::Device(
                "no CUDA driver found (libcuda.so could not be loaded); \
                 lazyfuse runs on the CPU without one"
                    .into(),
            ));
        }
        let count = CudaContext::device_count().map_err(driver_error("counting devices"))?;
        if ordinal >= count.max(0) as usize {
            return Err(CodegenError::Device(format!(
                "no CUDA device {ordinal}: this machine has {count}"
            )));
        }
        let ctx = CudaContext::new(ordinal).map_err(driver_error("starting the device"))?;
        let (major, minor) = ctx
            .compute_capability()
            .map_err(driver_error("reading the compute capability"))?;
        let sms = ctx
            .attribute(
                cudarc::driver::sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
            )
            .unwrap_or(80)
            .max(1) as u32;
        let stream = ctx.default_stream();
        Ok(CudaExecutor {
            ctx,
            stream,
            // PTX from LLVM 19 goes up to sm_90; newer devices take it through the driver.
            arch: format!("sm_{}", (major * 10 + minor).min(90)),
            cache: Mutex::new(HashMap::new()),
            compiles: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            max_blocks: sms * 8,
            timing: Default::default(),
            eager_variants: false,
            host_plans: AtomicU64::new(0),
        })
    }

    /// This executor, every kernel taking its most cooperative variant whatever its
    /// sizes (a block per row of any length, whole-array folds in chunks of two
    /// elements): to test those variants on small arrays.
    pub fn with_eager_variants(mut self) -> CudaExecutor {
        self.eager_variants = true;
        self
    }

    /// The device's name.
    pub fn device_name(&self) -> String {
        self.ctx.name().unwrap_or_else(|_| "CUDA device".into())
    }

    /// The architecture kernels are compiled for (`sm_90`, ...).
    pub fn arch(&self) -> &str {
        &self.arch
    }

    /// (kernels compiled, kernels found in the cache) so far.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.compiles.load(Ordering::Relaxed),
            self.hits.load(Ordering::Relaxed),
        )
    }

    /// Time spent in runs so far, by stage.
    pub fn timing(&self) -> CudaTiming {
        let s = |k: usize| self.timing[k].load(Ordering::Relaxed) as f64 * 1e-9;
        CudaTiming {
            upload: s(0),
            kernels: s(1),
            download: s(2),
        }
    }

    fn add_time(&self, stage: usize, seconds: f64) {
        self.timing[stage].fetch_add((seconds * 1e9) as u64, Ordering::Relaxed);
    }

    /// Waits for everything queued on the device.
    pub fn synchronize(&self) -> Res<()> {
        self.stream
            .synchronize()
            .map_err(driver_error("synchronize"))
    }

    fn kernel(
        &self,
        canonical: &LoopKernel,
        dtypes: &[DType],
        variant: Variant,
    ) -> Res<Arc<CudaKernel>> {
        let key = format!(
            "{}|{}|{variant:?}",
            structure_key(canonical, dtypes),
            self.arch
        );
        if let Some(k) = self.cache.lock().expect("cache lock").get(&key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(k.clone());
        }
        let text = super::ptx_cache::cached_ptx(super::ptx_cache::process_cache(), &key, || {
            canonical_ptx(canonical, dtypes, &self.arch, variant)
        })?;
        let module = self
            .ctx
            .load_module(cudarc::nvrtc::Ptx::from_src(text))
            .map_err(driver_error("loading PTX"))?;
        let function = module
            .load_function(ptx::ENTRY)
            .map_err(driver_error("finding the kernel"))?;
        self.compiles.fetch_add(1, Ordering::Relaxed);
        let k = Arc::new(CudaKernel { function });
        Ok(self
            .cache
            .lock()
            .expect("cache lock")
            .entry(key)
            .or_insert(k)
            .clone())
    }

    /// Runs `plan` on `inputs` (one value per input slot) on the device; the outputs
    /// come back to the host. A plan with a kernel the GPU cannot run (one calling C's
    /// complex functions) runs on the CPU instead.
    pub fn run(&self, plan: &KernelPlan, inputs: &[Value]) -> Res<Vec<Value>> {
        match self.run_on_device(plan, inputs) {
            Err(CodegenError::NoGpuLowering(_)) => {
                self.host_plans.fetch_add(1, Ordering::Relaxed);
                crate::CpuExecutor::global().run(plan, inputs)
            }
            result => result,
        }
    }

    /// Plans run on the CPU because a kernel has no GPU lowering, so far.
    pub fn host_plans(&self) -> u64 {
        self.host_plans.load(Ordering::Relaxed)
    }

    fn run_on_device(&self, plan: &KernelPlan, inputs: &[Value]) -> Res<Vec<Value>> {
        plan.verify()?;
        let clock = std::time::Instant::now();
        let mut memory = DeviceMemory::new(self, plan, inputs)?;
        self.synchronize()?;
        self.add_time(0, clock.elapsed().as_secs_f64());
        let event = || {
            self.ctx
                .new_event(Some(cudarc::driver::sys::CUevent_flags::CU_EVENT_DEFAULT))
                .map_err(driver_error("creating an event"))
        };
        let (start, end) = (event()?, event()?);
        start
            .record(&self.stream)
            .map_err(driver_error("recording an event"))?;
        for kernel in &plan.kernels {
            match kernel {
                Kernel::Loop(l) => self.launch(l, &mut memory)?,
                Kernel::MatMul(m) => {
                    match super::matmul::matmul_loop(m, &plan.buffers[m.out.0 as usize].ty) {
                        Some(l) => self.launch(&l, &mut memory)?,
                        None => host_matmul(m, &mut memory)?,
                    }
                }
                Kernel::Axis(a) => host_axis(a, &mut memory)?,
            }
        }
        end.record(&self.stream)
            .map_err(driver_error("recording an event"))?;
        end.synchronize().map_err(driver_error("synchronize"))?;
        let ms = start.elapsed_ms(&end).map_err(driver_error("timing"))?;
        self.add_time(1, f64::from(ms) * 1e-3);
        let clock = std::time::Instant::now();
        let outputs = memory.outputs(plan, inputs);
        self.add_time(2, clock.elapsed().as_secs_f64());
        outputs
    }

    /// One loop kernel on the device.
    fn launch(&self, kernel: &LoopKernel, memory: &mut DeviceMemory) -> Res<()> {
        if kernel.outer.contains(&0) {
            return Ok(());
        }
        let (canonical, order) = canonical_buffers(kernel);
        let dtypes: Vec<DType> = order.iter().map(|&b| memory.dtypes[b]).collect();
        let params = loop_params(kernel, &memory.shapes, &memory.strides)?;
        if params.len() != crate::runtime::params::param_count(kernel) {
            return Err(CodegenError::Internal(format!(
                "{} kernel parameters where the kernel was compiled for {}",
                params.len(),
                crate::runtime::params::param_count(kernel)
            )));
        }
        let long = self.eager_variants || chunkable_folds(kernel).is_some();
        let chunked = long
            && kernel.outer.iter().product::<usize>() == 1
            && kernel.inner.first().is_some_and(|&n| n > 0)
            && chunk_outputs(&canonical).is_some()
            && kernel.phases.last().is_some_and(|p| {
                p.body_and_stores()
                    .1
                    .iter()
                    .all(|s| memory.size(s.buffer) == 1)
            });
        let per_row: usize = kernel.inner.iter().product();
        let rows_total: usize = kernel.outer.iter().product();
        let variant = if chunked {
            Variant::Chunked
        } else if !is_elementwise(kernel)
            && cooperative(kernel)
            && ((per_row >= MIN_BLOCK_ROW && rows_total <= MAX_BLOCK_ROWS) || self.eager_variants)
        {
            Variant::Blocks
        } else {
            Variant::Threads
        };
        let compiled = self.kernel(&canonical, &dtypes, variant)?;
        let mut table: Vec<u64> = order.iter().map(|&b| memory.address(b)).collect();
        let status = if gathers(kernel) {
            let s = self.zeros(8)?;
            table.push(self.address(&s));
            Some(s)
        } else {
            None
        };
        // (rows, cols, chunk length, threads)
        let (rows, cols, chunk, threads) = if is_elementwise(kernel) {
            let cols = *kernel
                .outer
                .last()
                .expect("elementwise kernels have an outer axis");
            let rows: usize = kernel.outer[..kernel.outer.len() - 1].iter().product();
            (rows, cols, 0, rows * cols)
        } else if chunked {
            let extent = kernel.inner[0];
            let chunk = if self.eager_variants { 2 } else { GPU_CHUNK };
            let per_chunk = (chunk / kernel.inner[1..].iter().product::<usize>().max(1)).max(1);
            let chunks = extent.div_ceil(per_chunk);
            (chunks, extent, per_chunk, chunks)
        } else {
            let rows: usize = kernel.outer.iter().product();
            (rows, kernel.inner.first().copied().unwrap_or(1), 0, rows)
        };
        let outputs = chunk_outputs(&canonical)
            .filter(|_| chunked)
            .unwrap_or_default();
        let partials = if chunked {
            let p = self.zeros(16 * rows * outputs.len())?;
            table.push(self.address(&p));
            Some(p)
        } else {
            None
        };
        if threads == 0 {
            return Ok(());
        }
        // The pointer table and the parameters: the launch's own arguments, or (a
        // kernel with very many) one copy in device memory.
        let words: Vec<u64> = table
            .iter()
            .copied()
            .chain(params.iter().map(|&p| p as u64))
            .collect();
        let inline = super::inline_words(table.len(), params.len());
        let words_d = if inline {
            None
        } else {
            Some(self.upload(&words)?)
        };
        let table_at = match &words_d {
            Some(w) => {
                let (ptr, _sync) = w.device_ptr(&self.stream);
                ptr
            }
            None => 0,
        };
        let params_at = table_at + 8 * table.len() as u64;
        let cfg = if matches!(variant, Variant::Blocks | Variant::Chunked) {
            LaunchConfig {
                grid_dim: (rows.min(MAX_GRID) as u32, 1, 1),
                block_dim: (ROW_BLOCK, 1, 1),
                shared_mem_bytes: 0,
            }
        } else {
            let blocks = (threads.div_ceil(BLOCK as usize) as u64).min(self.max_blocks as u64);
            LaunchConfig {
                grid_dim: (blocks.max(1) as u32, 1, 1),
                block_dim: (BLOCK, 1, 1),
                shared_mem_bytes: 0,
            }
        };
        let (rows, cols, chunk) = (rows as i64, cols as i64, chunk as i64);
        let mut launch = self.stream.launch_builder(&compiled.function);
        if inline {
            launch.arg(&rows).arg(&cols).arg(&chunk);
            for w in &words {
                launch.arg(w);
            }
        } else {
            launch
                .arg(&table_at)
                .arg(&params_at)
                .arg(&rows)
                .arg(&cols)
                .arg(&chunk);
        }
        // SAFETY: the kernel was compiled with exactly this signature; every access was
        // checked against its buffer by `loop_params`, and every buffer is a live device
        // allocation of its root's size (one element at least).
        unsafe { launch.launch(cfg) }.map_err(driver_error("launching a kernel"))?;
        if let Some(s) = status {
            let word: Vec<u8> = self.download(&s)?;
            if word.iter().any(|&b| b != 0) {
                return Err(IrError::index("gather: an index is out of bounds").into());
            }
        }
        if let Some(p) = partials {
            let bytes = self.download(&p)?;
            let folds = chunk_folds(kernel).expect("checked");
            let Some(lazyfuse_ir::kernel::Phase::Outer { stores, .. }) = kernel.phases.last()
            else {
                unreachable!("chunked folds end in an outer phase")
            };
            for (k, store) in stores.iter().enumerate() {
                let dtype = memory.dtypes[store.buffer.0 as usize];
                let scalars: Vec<lazyfuse_ir::Scalar> = (0..rows as usize)
                    .map(|c| {
                        let at = 16 * (c * outputs.len() + k);
                        let word = |o: usize| {
                            u64::from_le_bytes(bytes[at + o..at + o + 8].try_into().expect("8"))
                        };
                        scalar_from_bits([word(0), word(8)], dtype)
                    })
                    .collect();
                let total = combine_pairwise(&scalars, folds.combiners[folds.stored[k]])?;
                let value = Value::from_scalar(total);
                memory.write(store.buffer, &value)?;
            }
        }
        Ok(())
    }

    /// Zeroed device memory: at least 16 bytes, so that an empty buffer still has a
    /// readable element (a gather from it reads element 0 before raising).
    fn zeros(&self, bytes: usize) -> Res<CudaSlice<u8>> {
        self.stream
            .alloc_zeros::<u8>(bytes.max(16))
            .map_err(|e| CodegenError::Device(format!("allocating {bytes} bytes: {e}")))
    }

    fn upload<T: cudarc::driver::DeviceRepr>(&self, data: &[T]) -> Res<CudaSlice<T>> {
        self.stream
            .clone_htod(data)
            .map_err(driver_error("copying to the device"))
    }

    fn download(&self, data: &CudaSlice<u8>) -> Res<Vec<u8>> {
        self.stream
            .clone_dtoh(data)
            .map_err(driver_error("copying from the device"))
    }

    fn address(&self, data: &CudaSlice<u8>) -> u64 {
        let (ptr, _sync) = data.device_ptr(&self.stream);
        ptr
    }
}

/// A running plan's buffers on the device: one allocation per storage root.
struct DeviceMemory<'e> {
    exec: &'e CudaExecutor,
    root: Vec<usize>,
    /// Per root buffer, its device storage (None for the others).
    storage: Vec<Option<CudaSlice<u8>>>,
    shapes: Vec<Vec<usize>>,
    /// Element strides: every buffer is C-ordered on the device.
    strides: Vec<Vec<isize>>,
    dtypes: Vec<DType>,
}

impl<'e> DeviceMemory<'e> {
    fn new(exec: &'e CudaExecutor, plan: &KernelPlan, inputs: &[Value]) -> Res<Self> {
        let root = storage_roots(plan);
        let shapes: Vec<Vec<usize>> = plan
            .buffers
            .iter()
            .map(|b| b.ty.shape.dims().to_vec())
            .collect();
        let strides = shapes.iter().map(|s| c_strides(s)).collect();
        let dtypes: Vec<DType> = plan.buffers.iter().map(|b| b.ty.dtype).collect();
        let mut storage: Vec<Option<CudaSlice<u8>>> =
            (0..plan.buffers.len()).map(|_| None).collect();
        for (i, b) in plan.buffers.iter().enumerate() {
            if root[i] != i {
                continue;
            }
            let bytes = shapes[i].iter().product::<usize>() * dtypes[i].size_bytes();
            storage[i] = Some(match b.kind {
                BufferKind::Input(slot) => {
                    let v = inputs
                        .get(slot)
                        .ok_or_else(|| CodegenError::Binding(format!("missing input {slot}")))?;
                    if v.dtype() != b.ty.dtype || v.shape() != b.ty.shape.dims() {
                        return Err(CodegenError::Binding(format!(
                            "slot {slot} expects {}, got {}{:?}",
                            b.ty,
                            v.dtype().name(),
                            v.shape()
                        )));
                    }
                    let mut data = c_bytes(v);
                    data.resize(data.len().max(16), 0);
                    exec.upload(&data)?
                }
                _ => exec.zeros(bytes)?,
            });
        }
        Ok(DeviceMemory {
            exec,
            root,
            storage,
            shapes,
            strides,
            dtypes,
        })
    }

    fn size(&self, b: BufferId) -> usize {
        self.shapes[b.0 as usize].iter().product()
    }

    fn address(&self, b: usize) -> u64 {
        let data = self.storage[self.root[b]].as_ref().expect("root storage");
        self.exec.address(data)
    }

    /// Buffer `b`'s elements as a host value of its shape.
    fn read(&self, b: usize) -> Res<Value> {
        let data = self.storage[self.root[b]].as_ref().expect("root storage");
        let bytes = self.exec.download(data)?;
        Ok(value_from_bytes(&bytes, self.dtypes[b], &self.shapes[b]))
    }

    /// Overwrites buffer `b`'s root storage with `value`'s elements (C order).
    fn write(&mut self, b: BufferId, value: &Value) -> Res<()> {
        let root = self.root[b.0 as usize];
        let data = c_bytes(value);
        let exec = self.exec;
        let slot = self.storage[root].as_mut().expect("root storage");
        if data.len() > slot.len() {
            return Err(CodegenError::Internal(format!(
                "a result of {} bytes for a buffer of {}",
                data.len(),
                slot.len()
            )));
        }
        if !data.is_empty() {
            exec.stream
                .memcpy_htod(&data[..], &mut slot.slice_mut(..data.len()))
                .map_err(driver_error("copying to the device"))?;
        }
        Ok(())
    }

    /// The operand a library kernel reads through `map` from buffer `b`, as a host value.
    fn operand(&self, (b, map): &(BufferId, IndexMap), ty: &TensorType) -> Res<Value> {
        let whole = self.read(b.0 as usize)?;
        let strides = &self.strides[b.0 as usize];
        let dims = ty.shape.dims();
        let offset: i64 = map
            .0
            .iter()
            .zip(strides)
            .map(|(a, &s)| a.offset * s as i64)
            .sum();
        let per_axis: Vec<isize> = (0..dims.len())
            .map(|k| {
                map.0
                    .iter()
                    .zip(strides)
                    .map(|(a, &s)| a.coefs[k] as isize * s)
                    .sum()
            })
            .collect();
        let n = whole.shape().iter().product::<usize>() as isize;
        if !dims.contains(&0) {
            let (mut lo, mut hi) = (offset as isize, offset as isize);
            for (d, s) in dims.iter().zip(&per_axis) {
                let span = s * (*d as isize - 1);
                if span < 0 {
                    lo += span;
                } else {
                    hi += span;
                }
            }
            if lo < 0 || hi >= n {
                return Err(CodegenError::Internal(format!(
                    "library operand [{lo}, {hi}] outside buffer %{} of {n}",
                    b.0
                )));
            }
        }
        let flat = c_bytes(&whole);
        let staged = aligned(&flat);
        // SAFETY: the whole strided range was checked to lie inside the buffer's
        // elements, which `staged` holds C-ordered and 16-byte aligned.
        Ok(unsafe {
            Value::gather(
                staged.as_ptr().cast::<u8>(),
                ty.dtype,
                offset as isize,
                &per_axis,
                dims,
            )
        })
    }

    /// The plan's outputs, copied to the host (an input returned unchanged is shared).
    fn outputs(&self, plan: &KernelPlan, inputs: &[Value]) -> Res<Vec<Value>> {
        plan.outputs
            .iter()
            .map(|&out| {
                let b = out.0 as usize;
                match plan.buffers[b].kind {
                    BufferKind::Input(slot) => Ok(inputs[slot].clone()),
                    _ => self.read(b),
                }
            })
            .collect()
    }
}

/// A matrix product on the host (its operands copied from the device, the product back).
fn host_matmul(m: &MatMulKernel, memory: &mut DeviceMemory) -> Res<()> {
    let a = memory.operand(&m.a, &m.a_ty)?;
    let b = memory.operand(&m.b, &m.b_ty)?;
    let product = evaluate_op(&Op::MatMul, &[a, b])?;
    memory.write(m.out, &product)
}

/// A routine along one axis on the host.
fn host_axis(k: &AxisKernel, memory: &mut DeviceMemory) -> Res<()> {
    let mut operands = vec![memory.operand(&k.x, &k.x_ty)?];
    if let Some((access, ty)) = &k.y {
        operands.push(memory.operand(access, ty)?);
    }
    let result = evaluate_op(&k.op, &operands)?;
    memory.write(k.out, &result)
}

fn c_strides(shape: &[usize]) -> Vec<isize> {
    let mut strides = vec![1isize; shape.len()];
    for k in (0..shape.len().saturating_sub(1)).rev() {
        strides[k] = strides[k + 1] * shape[k + 1].max(1) as isize;
    }
    strides
}

/// A value's elements as bytes, C-ordered.
fn c_bytes(v: &Value) -> Vec<u8> {
    lazyfuse_ir::with_value!(v, a => {
        let c = a.as_standard_layout();
        let s = c.as_slice().expect("standard layout");
        // SAFETY: every element type is plain data (bool a byte of 0 or 1).
        unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<u8>(), std::mem::size_of_val(s)) }
            .to_vec()
    })
}

/// Bytes copied into 16-byte-aligned storage (any element type may be read from it).
fn aligned(bytes: &[u8]) -> Vec<u128> {
    let mut out = vec![0u128; bytes.len().div_ceil(16).max(1)];
    // SAFETY: `out` holds at least `bytes.len()` bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.as_mut_ptr().cast::<u8>(), bytes.len())
    };
    out
}

/// A value of `shape` from C-ordered element bytes.
fn value_from_bytes(bytes: &[u8], dtype: DType, shape: &[usize]) -> Value {
    let staged = aligned(bytes);
    let strides = c_strides(shape);
    // SAFETY: `bytes` holds the buffer's elements C-ordered (at least the shape's count:
    // every root is allocated for its own shape, aliases have the same count).
    unsafe { Value::gather(staged.as_ptr().cast::<u8>(), dtype, 0, &strides, shape) }
}
