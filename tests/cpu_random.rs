//! The `philox` op compiled into kernels: the same bits as the reference
//! (`lazyfuse::ir::philox`, itself checked against Random123's known answers) for every
//! counter, vectorised or not, in kernels split across threads, and fused with the
//! uniform-float recipe `lazyfuse.numpy.random` builds on it.

use lazyfuse::ir::{interpret, philox::philox, Program, Scalar, Value};
use lazyfuse_codegen::CpuExecutor;
use lazyfuse_optimizer::{plan, FusionOptions};
use ndarray::{ArrayD, IxDyn};

fn u64s(data: Vec<u64>) -> Value {
    let n = data.len();
    Value::from_array(ArrayD::from_shape_vec(IxDyn(&[n]), data).unwrap())
}

fn key(k: u64) -> Value {
    Value::from_array(ndarray::arr0(k).into_dyn())
}

fn compiled(program: &Program, inputs: &[Value], threads: usize) -> Vec<Scalar> {
    let kernel_plan = plan(program, &FusionOptions::default()).unwrap();
    let out = CpuExecutor::new(threads).run(&kernel_plan, inputs).unwrap();
    out[0].to_scalars()
}

/// Counters that exercise every word: small, carries into the upper word, extremes.
fn counters() -> Vec<u64> {
    let mut c: Vec<u64> = (0..1000).collect();
    c.extend([
        u32::MAX as u64,
        1 << 32,
        u64::MAX,
        u64::MAX - 1,
        0x243f_6a88_85a3_08d3,
    ]);
    c.extend((0..37u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    c
}

#[test]
fn compiled_philox_gives_the_reference_bits() {
    let counters = counters();
    let text = format!(
        "program(c: u64[{n}], k: u64[]) {{\n  r: u64[{n}] = philox c k\n  return r\n}}",
        n = counters.len()
    );
    let program: Program = text.parse().unwrap();
    for k in [0u64, 1, u64::MAX, 0x299f_31d0_a409_3822] {
        let inputs = [u64s(counters.clone()), key(k)];
        let reference = interpret(&program, &inputs).unwrap()[0].to_scalars();
        for threads in [1, 3] {
            let got = compiled(&program, &inputs, threads);
            for ((c, g), r) in counters.iter().zip(&got).zip(&reference) {
                assert_eq!(*g, Scalar::U64(philox(*c, k)), "counter {c:#x} key {k:#x}");
                assert_eq!(g, r);
            }
        }
    }
}

#[test]
fn fused_uniform_floats_match_the_interpreter() {
    // (philox(offset + i, k) >> 11) * 2^-53: NumPy's recipe for a double in [0, 1).
    let n = 4099;
    let text = format!(
        "program(o: u64[], k: u64[], s: u64[], scale: f64[]) {{\n  \
         i: u64[{n}] = arange[start=0, step=1, len={n}]\n  c: u64[{n}] = add i o\n  \
         r: u64[{n}] = philox c k\n  h: u64[{n}] = right_shift r s\n  \
         f: f64[{n}] = cast[f64] h\n  u: f64[{n}] = mul f scale\n  return u\n}}"
    );
    let program: Program = text.parse().unwrap();
    let inputs = [
        key(u64::MAX - 100),
        key(42),
        key(11),
        Value::from_array(ndarray::arr0(2f64.powi(-53)).into_dyn()),
    ];
    let want = interpret(&program, &inputs).unwrap()[0].to_scalars();
    let got = compiled(&program, &inputs, 2);
    assert_eq!(got, want);
    for (i, u) in got.iter().enumerate() {
        let c = (u64::MAX - 100).wrapping_add(i as u64);
        assert_eq!(
            *u,
            Scalar::F64((philox(c, 42) >> 11) as f64 * 2f64.powi(-53))
        );
    }
}

/// The rounds vectorise: 32x32 -> 64 products on vectors (one `vpmuludq` each on x86),
/// two philox calls in one fused reduction loop included.
#[test]
fn philox_loops_are_vectorised() {
    let n = 1 << 20;
    let text = format!(
        "program(o: u64[], p: u64[], k: u64[], s: u64[]) {{\n  \
         i: u64[{n}] = arange[start=0, step=1, len={n}]\n  c: u64[{n}] = add i o\n  \
         d: u64[{n}] = add i p\n  r: u64[{n}] = philox c k\n  r2: u64[{n}] = philox d k\n  \
         x: u64[{n}] = bitwise_xor r r2\n  h: u64[{n}] = right_shift x s\n  \
         f: f64[{n}] = cast[f64] h\n  t: f64[] = reduce_sum[axes=(0)] f\n  return t\n}}"
    );
    let program: Program = text.parse().unwrap();
    let kernel_plan = plan(&program, &FusionOptions::default()).unwrap();
    let lazyfuse::ir::kernel::Kernel::Loop(kernel) = &kernel_plan.kernels[0] else {
        panic!("{kernel_plan}")
    };
    let dtypes: Vec<_> = kernel_plan.buffers.iter().map(|b| b.ty.dtype).collect();
    let ir = CpuExecutor::global()
        .kernel_ir(kernel, &dtypes, true)
        .unwrap();
    let vector_products = ir
        .lines()
        .filter(|l| l.contains(" = mul nuw <") && l.contains(" x i64>"))
        .count();
    // Ten rounds of two products for each of the two calls.
    assert!(
        vector_products >= 40,
        "{vector_products} vector products in\n{ir}"
    );
}
