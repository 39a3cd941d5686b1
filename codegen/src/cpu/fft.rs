//! Discrete Fourier transforms along one axis (`Op::Fft` in a `Kernel::Axis`), by
//! rustfft (complex lanes) and realfft (real lanes), in the operand's precision as
//! NumPy's pocketfft computes them.
//!
//! The operand is read in place through its strided view (transposes and reversals
//! included) and the result written once: lanes are taken in tiles of neighbours, each
//! tile copied into a small buffer, transformed, scaled and copied out, tiles in
//! parallel on the kernel pool. A tile of lanes along a leading axis reads and writes
//! runs of neighbouring elements, so no whole-array transpose is made. Plans are made
//! once per (length, direction) and kept.

use std::sync::{Mutex, MutexGuard, OnceLock};

use lazyfuse_ir::kernel::AxisKernel;
use lazyfuse_ir::{DType, Element, FftKind, FftScale, Value};
use rayon::prelude::*;
use realfft::RealFftPlanner;
use rustfft::num_complex::Complex;
use rustfft::{FftDirection, FftNum, FftPlanner};

use super::library::store_result;
use super::{alloc, gemm, pool, Memory};
use crate::error::CodegenError;

/// About this many bytes of lanes per tile (its buffers stay in the core's cache).
const TILE_BYTES: usize = 1 << 18;
/// At most this many lanes per tile.
const TILE_LANES: usize = 64;
/// Elements of work below which a transform runs on the calling thread.
const PARALLEL_ELEMENTS: usize = 1 << 14;

/// Runs an FFT kernel: `kind` along `axis`, each part of each result multiplied by the
/// scale's factor in the result's precision.
pub(super) fn run(
    c: &AxisKernel,
    memory: &mut Memory,
    axis: usize,
    kind: FftKind,
    scale: FftScale,
) -> Result<(), CodegenError> {
    let view = gemm::view(memory, &c.x, &c.x_ty)?;
    let pointers = memory.pointers();
    let lanes = Lanes::new(c.x_ty.shape.dims(), axis, kind, view.offset, view.strides);
    let input = pointers.0[view.base] as *const u8;
    // SAFETY: `view` checked every element of the operand against its buffer, which
    // holds elements of the operand's dtype; nothing writes it while this runs.
    let result = unsafe {
        match c.x_ty.dtype {
            DType::F32 | DType::C64 => transform::<f32>(&lanes, kind, scale, input),
            DType::F64 | DType::C128 => transform::<f64>(&lanes, kind, scale, input),
            other => return Err(CodegenError::Internal(format!("fft of {other}"))),
        }
    }?;
    store_result(memory, c.out, result);
    Ok(())
}

/// Where each lane of the operand and the result lies.
struct Lanes {
    /// The operand's extent along the axis.
    n_in: usize,
    /// The result's extent along the axis.
    n_out: usize,
    /// The transform's length (the complex lane's, rfft's operand's, irfft's result's).
    n: usize,
    /// The result's shape.
    out_dims: Vec<usize>,
    /// The extents of the other axes, in order.
    outer: Vec<usize>,
    /// The operand's strides along them, and along the axis; its element 0's offset.
    in_outer: Vec<isize>,
    in_axis: isize,
    in_offset: isize,
    /// The result's (C order) strides along the other axes, and along the axis.
    out_outer: Vec<usize>,
    out_axis: usize,
}

impl Lanes {
    fn new(
        dims: &[usize],
        axis: usize,
        kind: FftKind,
        offset: isize,
        strides: Vec<isize>,
    ) -> Lanes {
        let n_in = dims[axis];
        let (n, n_out) = match kind {
            FftKind::Forward | FftKind::Inverse => (n_in, n_in),
            FftKind::Real => (n_in, n_in / 2 + 1),
            FftKind::InverseReal { n } => (n, n),
        };
        let mut out_dims = dims.to_vec();
        out_dims[axis] = n_out;
        let mut out_strides = vec![1usize; dims.len()];
        for k in (0..dims.len().saturating_sub(1)).rev() {
            out_strides[k] = out_strides[k + 1] * out_dims[k + 1];
        }
        let others = |v: &[usize]| -> Vec<usize> {
            v.iter()
                .enumerate()
                .filter(|&(k, _)| k != axis)
                .map(|(_, &x)| x)
                .collect()
        };
        Lanes {
            n_in,
            n_out,
            n,
            outer: others(dims),
            in_outer: (0..dims.len())
                .filter(|&k| k != axis)
                .map(|k| strides[k])
                .collect(),
            in_axis: strides[axis],
            in_offset: offset,
            out_outer: others(&out_strides),
            out_axis: out_strides[axis],
            out_dims,
        }
    }

    fn count(&self) -> usize {
        self.outer.iter().product()
    }

    /// Lane `l`'s first element in the operand and in the result (C order over the
    /// other axes).
    fn start(&self, mut l: usize) -> (isize, usize) {
        let (mut at_in, mut at_out) = (self.in_offset, 0);
        for k in (0..self.outer.len()).rev() {
            let i = l % self.outer[k];
            l /= self.outer[k];
            at_in += i as isize * self.in_outer[k];
            at_out += i * self.out_outer[k];
        }
        (at_in, at_out)
    }
}

/// A pointer shared by the tasks of one transform, each writing its own elements.
#[derive(Clone, Copy)]
struct Shared<E>(*mut E);
// SAFETY: tasks write disjoint elements (distinct lanes) and the owner waits for them.
unsafe impl<E> Send for Shared<E> {}
unsafe impl<E> Sync for Shared<E> {}

/// The transform of every lane into a new C-ordered result.
///
/// # Safety
/// `input` must hold the operand's elements (`T` for rfft, `Complex<T>` otherwise) at
/// every position `lanes` reaches.
unsafe fn transform<T: Planned>(
    lanes: &Lanes,
    kind: FftKind,
    scale: FftScale,
    input: *const u8,
) -> Result<Value, CodegenError>
where
    Complex<T>: Element,
{
    let factor = T::factor(scale, lanes.n);
    let zero = Complex::new(T::zero(), T::zero());
    match kind {
        FftKind::Forward | FftKind::Inverse => {
            let direction = if kind == FftKind::Forward {
                FftDirection::Forward
            } else {
                FftDirection::Inverse
            };
            let plan = plans::<T>().complex.plan_fft(lanes.n, direction);
            let scratch_len = plan.get_outofplace_scratch_len();
            tiles(
                lanes,
                input as *const Complex<T>,
                zero,
                zero,
                || vec![zero; scratch_len],
                {
                    move |scratch: &mut Vec<Complex<T>>,
                          i: &mut [Complex<T>],
                          o: &mut [Complex<T>]| {
                        plan.process_outofplace_with_scratch(i, o, scratch);
                        scale_complex(o, factor);
                    }
                },
            )
        }
        FftKind::Real => {
            let plan = plans::<T>().real.plan_fft_forward(lanes.n);
            let (n_in, n_out) = (lanes.n_in, lanes.n_out);
            let worker = plan.clone();
            tiles(
                lanes,
                input as *const T,
                T::zero(),
                zero,
                move || worker.make_scratch_vec(),
                {
                    move |scratch: &mut Vec<Complex<T>>, i: &mut [T], o: &mut [Complex<T>]| {
                        for (lane, spectrum) in
                            i.chunks_exact_mut(n_in).zip(o.chunks_exact_mut(n_out))
                        {
                            // Lengths are the plan's, so the call cannot fail.
                            let _ = plan.process_with_scratch(lane, spectrum, scratch);
                        }
                        scale_complex(o, factor);
                    }
                },
            )
        }
        FftKind::InverseReal { n } => {
            let plan = plans::<T>().real.plan_fft_inverse(n);
            let m = lanes.n_in;
            let worker = plan.clone();
            tiles(
                lanes,
                input as *const Complex<T>,
                zero,
                T::zero(),
                move || worker.make_scratch_vec(),
                {
                    move |scratch: &mut Vec<Complex<T>>, i: &mut [Complex<T>], o: &mut [T]| {
                        for (spectrum, lane) in i.chunks_exact_mut(m).zip(o.chunks_exact_mut(n)) {
                            // The values that are their own conjugates' count by their real
                            // parts only (NumPy's irfft ignores those imaginary parts).
                            spectrum[0].im = T::zero();
                            if n.is_multiple_of(2) {
                                spectrum[m - 1].im = T::zero();
                            }
                            let _ = plan.process_with_scratch(spectrum, lane, scratch);
                        }
                        if let Some(s) = factor {
                            o.iter_mut().for_each(|v| *v = *v * s);
                        }
                    }
                },
            )
        }
    }
}

/// Runs `each` on tiles of neighbouring lanes: the operand's lanes copied into a buffer
/// (`n_in` elements each), `each` turning them into the result's lanes (`n_out` each),
/// copied out to a new C-ordered result. Each task makes its own worker state (scratch).
///
/// # Safety
/// As [`transform`]: `input` holds an `I` at every position `lanes` reaches.
unsafe fn tiles<I, O, W>(
    lanes: &Lanes,
    input: *const I,
    i_zero: I,
    o_zero: O,
    worker: impl Fn() -> W + Sync,
    each: impl Fn(&mut W, &mut [I], &mut [O]) + Sync,
) -> Result<Value, CodegenError>
where
    I: Copy + Send + Sync,
    O: Element + Copy + Send + Sync,
{
    let count = lanes.count();
    if count * lanes.n_out == 0 {
        return alloc::zeros(O::DTYPE, &lanes.out_dims);
    }
    // Every element is written below: storage without clearing (OutOfMemory, not an
    // abort, where it cannot be had).
    let mut out = alloc::Uninit::new(O::DTYPE, &lanes.out_dims)?;
    let lane_bytes = lanes.n_in * size_of::<I>() + lanes.n_out * size_of::<O>();
    let tile = (TILE_BYTES / lane_bytes.max(1)).clamp(1, TILE_LANES);
    let input = Shared(input as *mut I);
    let output = Shared(out.as_mut_ptr() as *mut O);
    let run_tile = |first: usize, state: &mut (W, Vec<I>, Vec<O>)| {
        let (input, output) = (input, output);
        let lanes_here = tile.min(count - first);
        let (work, ibuf, obuf) = state;
        let (n_in, n_out) = (lanes.n_in, lanes.n_out);
        let starts: Vec<(isize, usize)> = (first..first + lanes_here)
            .map(|l| lanes.start(l))
            .collect();
        // Gather: along the lane when it is contiguous, else across lanes (neighbours).
        if lanes.in_axis == 1 || lanes_here == 1 {
            for (t, &(at, _)) in starts.iter().enumerate() {
                for j in 0..n_in {
                    // SAFETY: a position of the operand (the function's contract).
                    ibuf[t * n_in + j] =
                        unsafe { *input.0.offset(at + j as isize * lanes.in_axis) };
                }
            }
        } else {
            for j in 0..n_in {
                for (t, &(at, _)) in starts.iter().enumerate() {
                    ibuf[t * n_in + j] =
                        unsafe { *input.0.offset(at + j as isize * lanes.in_axis) };
                }
            }
        }
        each(
            work,
            &mut ibuf[..lanes_here * n_in],
            &mut obuf[..lanes_here * n_out],
        );
        // Scatter: lanes own disjoint elements of the result.
        if lanes.out_axis == 1 || lanes_here == 1 {
            for (t, &(_, at)) in starts.iter().enumerate() {
                for j in 0..n_out {
                    // SAFETY: inside `out` (C order of the result's shape).
                    unsafe { *output.0.add(at + j * lanes.out_axis) = obuf[t * n_out + j] };
                }
            }
        } else {
            for j in 0..n_out {
                for (t, &(_, at)) in starts.iter().enumerate() {
                    unsafe { *output.0.add(at + j * lanes.out_axis) = obuf[t * n_out + j] };
                }
            }
        }
    };
    let state = || {
        (
            worker(),
            vec![i_zero; tile * lanes.n_in],
            vec![o_zero; tile * lanes.n_out],
        )
    };
    let firsts: Vec<usize> = (0..count).step_by(tile).collect();
    if count * (lanes.n_in + lanes.n_out) >= PARALLEL_ELEMENTS && firsts.len() > 1 {
        pool().install(|| {
            firsts
                .par_iter()
                .for_each_init(state, |s, &first| run_tile(first, s))
        });
    } else {
        let mut s = state();
        firsts.iter().for_each(|&first| run_tile(first, &mut s));
    }
    // SAFETY: the tiles cover every lane, and each lane's every element was written.
    Ok(unsafe { out.into_value() })
}

/// Each part of each value times `s`.
fn scale_complex<T: FftNum>(values: &mut [Complex<T>], s: Option<T>) {
    if let Some(s) = s {
        for v in values {
            *v = Complex::new(v.re * s, v.im * s);
        }
    }
}

/// The planners of one precision (they keep the plans they made).
struct Plans<T: FftNum> {
    complex: FftPlanner<T>,
    real: RealFftPlanner<T>,
}

/// A precision's planners and scale factors.
trait Planned: FftNum + Element
where
    Complex<Self>: Element,
{
    fn plans() -> &'static Mutex<Plans<Self>>;
    fn factor(scale: FftScale, n: usize) -> Option<Self>;
}

macro_rules! planned {
    ($t:ty, $factor:ident) => {
        impl Planned for $t {
            fn plans() -> &'static Mutex<Plans<$t>> {
                static PLANS: OnceLock<Mutex<Plans<$t>>> = OnceLock::new();
                PLANS.get_or_init(|| {
                    Mutex::new(Plans {
                        complex: FftPlanner::new(),
                        real: RealFftPlanner::new(),
                    })
                })
            }

            fn factor(scale: FftScale, n: usize) -> Option<$t> {
                scale.$factor(n)
            }
        }
    };
}
planned!(f32, factor_f32);
planned!(f64, factor_f64);

fn plans<T: Planned>() -> MutexGuard<'static, Plans<T>>
where
    Complex<T>: Element,
{
    // A panic while planning leaves no half-made plan behind: the cache stays usable.
    T::plans().lock().unwrap_or_else(|e| e.into_inner())
}
