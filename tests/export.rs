//! `lazyfuse::export` from Rust: functions exported as C libraries, loaded back with
//! `dlopen` and called through the C ABI over DLPack tensors, against lazyfuse's own
//! evaluation; error statuses for out-of-bounds gathers and wrong tensors.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::path::{Path, PathBuf};

use lazyfuse::{export, export_traced, grad, Array, DType, ExportOptions, ExportTarget, Value};
use ndarray::{ArrayD, IxDyn};

extern "C" {
    fn dlopen(filename: *const c_char, flags: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *const c_char;
}
const RTLD_NOW: c_int = 2;

/// DLPack's tensor, as dlpack.h lays it out.
#[repr(C)]
struct DLTensor {
    data: *mut c_void,
    device_type: i32,
    device_id: i32,
    ndim: i32,
    dtype_code: u8,
    dtype_bits: u8,
    dtype_lanes: u16,
    shape: *const i64,
    strides: *const i64,
    byte_offset: u64,
}

type Entry = unsafe extern "C" fn(*const DLTensor, c_int, *mut DLTensor, c_int) -> c_int;
type LastError = unsafe extern "C" fn() -> *const c_char;

/// A loaded exported library's entry point and error text.
struct Library {
    entry: Entry,
    last_error: LastError,
}

fn out_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lazyfuse-export-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn options(name: &str, dir: &Path) -> ExportOptions {
    ExportOptions {
        name: name.into(),
        out_dir: dir.into(),
        target: ExportTarget::Host,
        arg_names: vec![],
        summary: format!("the test's {name}"),
        dynamic: false,
    }
}

fn load(path: &Path, name: &str) -> Library {
    let c_path = CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: dlopen/dlsym with valid C strings; the symbols have the header's types.
    unsafe {
        let handle = dlopen(c_path.as_ptr(), RTLD_NOW);
        assert!(
            !handle.is_null(),
            "{}",
            CStr::from_ptr(dlerror()).to_string_lossy()
        );
        let symbol = |s: String| {
            let c = CString::new(s.clone()).unwrap();
            let p = dlsym(handle, c.as_ptr());
            assert!(!p.is_null(), "no symbol {s}");
            p
        };
        Library {
            entry: std::mem::transmute::<*mut c_void, Entry>(symbol(name.to_string())),
            last_error: std::mem::transmute::<*mut c_void, LastError>(symbol(format!(
                "{name}_last_error"
            ))),
        }
    }
}

/// A C-order tensor over `data` with `shape` (kept alive by the caller).
fn tensor<T>(data: &mut [T], shape: &[i64], code: u8) -> DLTensor {
    DLTensor {
        data: data.as_mut_ptr().cast(),
        device_type: 1,
        device_id: 0,
        ndim: shape.len() as i32,
        dtype_code: code,
        dtype_bits: (8 * std::mem::size_of::<T>()) as u8,
        dtype_lanes: 1,
        shape: shape.as_ptr(),
        strides: std::ptr::null(),
        byte_offset: 0,
    }
}

fn call(lib: &Library, inputs: &[DLTensor], outputs: &mut [DLTensor]) -> (c_int, String) {
    // SAFETY: the tensors point at live buffers of the exported shapes and types (or are
    // deliberately wrong in type or shape, which the library checks).
    unsafe {
        let rc = (lib.entry)(
            inputs.as_ptr(),
            inputs.len() as c_int,
            outputs.as_mut_ptr(),
            outputs.len() as c_int,
        );
        let message = CStr::from_ptr((lib.last_error)())
            .to_string_lossy()
            .into_owned();
        (rc, message)
    }
}

fn f64s(v: &Value) -> Vec<f64> {
    v.to_scalars().iter().map(|s| s.as_f64()).collect()
}

fn data(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 8.0 - 4.0
        })
        .collect()
}

fn value(shape: &[usize], v: Vec<f64>) -> Value {
    Value::from_array(ArrayD::from_shape_vec(IxDyn(shape), v).unwrap())
}

#[test]
fn exported_softmax_called_from_rust_matches_lazyfuse() {
    let dir = out_dir("softmax");
    let softmax = |x: &Array| {
        let e = (x - x.max_axes(&[1], true)).exp();
        &e / e.sum_axes(&[1], true)
    };
    let exported = export(
        |x| vec![softmax(&x[0])],
        &[(DType::F64, vec![64, 100])],
        &options("rs_softmax", &dir),
    )
    .unwrap();
    let lib = load(&exported.shared_library, "rs_softmax");
    let mut x = data(6400, 1);
    let want = f64s(
        &softmax(&Array::from_value(value(&[64, 100], x.clone())))
            .eval()
            .unwrap(),
    );
    let shape = [64i64, 100];
    let mut out = vec![0.0f64; 6400];
    let inputs = [tensor(&mut x, &shape, 2)];
    let mut outputs = [tensor(&mut out, &shape, 2)];
    assert_eq!(call(&lib, &inputs, &mut outputs), (0, String::new()));
    assert_eq!(out, want);
    // A wrong shape: status 3 (LAZYFUSE_ERR_SHAPE), the message names both shapes.
    let short = [32i64, 100];
    let inputs = [tensor(&mut x, &short, 2)];
    let (rc, message) = call(&lib, &inputs, &mut outputs);
    assert_eq!(rc, 3, "{message}");
    assert!(
        message.contains("(64, 100)") && message.contains("(32, 100)"),
        "{message}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// An exported library defines its own sin, cos and tan (a JIT kernel links to the
/// process's shared vector-math library instead): the exported code stands alone and
/// gives lazyfuse's bits, on the fast path, the general path (beyond 2^20) and for
/// non-finite inputs.
#[test]
fn exported_trigonometry_stands_alone_and_matches_lazyfuse() {
    let dir = out_dir("trig");
    let f = |x: &Array| &(&x.sin() + &x.cos()) * &x.tan();
    let exported = export(
        |x| vec![f(&x[0])],
        &[(DType::F64, vec![64])],
        &options("rs_trig", &dir),
    )
    .unwrap();
    let lib = load(&exported.shared_library, "rs_trig");
    let mut x: Vec<f64> = data(64, 7).iter().map(|v| v * 10.0).collect();
    x[3] = 3.0e7;
    x[10] = -1.0e300;
    x[17] = f64::NAN;
    x[18] = f64::INFINITY;
    x[40] = -0.0;
    let want = f64s(
        &f(&Array::from_value(value(&[64], x.clone())))
            .eval()
            .unwrap(),
    );
    let shape = [64i64];
    let mut out = vec![0.0f64; 64];
    let inputs = [tensor(&mut x, &shape, 2)];
    let mut outputs = [tensor(&mut out, &shape, 2)];
    assert_eq!(call(&lib, &inputs, &mut outputs), (0, String::new()));
    for (i, (g, w)) in out.iter().zip(&want).enumerate() {
        assert!(
            g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
            "{i}: {g} {w}"
        );
    }
    assert!(out[17].is_nan() && out[18].is_nan());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn exported_gather_checks_positions() {
    let dir = out_dir("gather");
    let exported = export(
        |x| vec![&x[0].gather(&x[1]) * 2.0],
        &[(DType::F64, vec![10, 3]), (DType::I64, vec![7])],
        &options("rs_gather", &dir),
    )
    .unwrap();
    let lib = load(&exported.shared_library, "rs_gather");
    let mut x = data(30, 2);
    let mut positions: Vec<i64> = vec![0, 29, 5, 5, 17, 3, 28];
    let (xs, ps) = ([10i64, 3], [7i64]);
    let mut out = vec![0.0f64; 7];
    let mut outputs = [tensor(&mut out, &ps, 2)];
    let inputs = [tensor(&mut x, &xs, 2), tensor(&mut positions, &ps, 0)];
    assert_eq!(call(&lib, &inputs, &mut outputs).0, 0);
    let want: Vec<f64> = positions.iter().map(|&p| x[p as usize] * 2.0).collect();
    assert_eq!(out, want);
    // Out of bounds: status 7 (LAZYFUSE_ERR_INDEX), never a read outside x.
    for bad in [30i64, -1] {
        positions[4] = bad;
        let inputs = [tensor(&mut x, &xs, 2), tensor(&mut positions, &ps, 0)];
        let (rc, message) = call(&lib, &inputs, &mut outputs);
        assert_eq!(rc, 7, "{message}");
        assert!(message.contains("out of bounds"), "{message}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn exported_gradient_matches_lazyfuse() {
    let dir = out_dir("grad");
    // d/dw of sum(tanh(w * w) * c) with a captured constant c.
    let c = Array::from_value(value(&[50], data(50, 3)));
    let loss = |w: &Array| (&(w * w).tanh() * &c).sum();
    let w = Array::param(0, DType::F64, &[50]);
    let g = grad(loss, &w).unwrap();
    let exported =
        export_traced(&[&g], &[(DType::F64, vec![50])], &options("rs_grad", &dir)).unwrap();
    let lib = load(&exported.shared_library, "rs_grad");
    let mut wv = data(50, 4);
    let want = f64s(
        &grad(loss, &Array::from_value(value(&[50], wv.clone())))
            .unwrap()
            .eval()
            .unwrap(),
    );
    let shape = [50i64];
    let mut out = vec![0.0f64; 50];
    let inputs = [tensor(&mut wv, &shape, 2)];
    let mut outputs = [tensor(&mut out, &shape, 2)];
    assert_eq!(call(&lib, &inputs, &mut outputs).0, 0);
    assert_eq!(out, want);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn shape_generic_export_takes_other_sizes() {
    let dir = out_dir("dynamic");
    let softmax = |x: &Array| {
        let e = (x - x.max_axes(&[1], true)).exp();
        &e / e.sum_axes(&[1], true)
    };
    let mut opts = options("rs_dyn_softmax", &dir);
    opts.dynamic = true;
    let exported = export(
        |x| vec![softmax(&x[0])],
        &[(DType::F64, vec![64, 100])],
        &opts,
    )
    .unwrap();
    let lib = load(&exported.shared_library, "rs_dyn_softmax");
    for (rows, cols) in [(64usize, 100usize), (3, 5), (1, 1), (200, 7)] {
        let mut x = data(rows * cols, (rows * cols) as u64);
        let want = f64s(
            &softmax(&Array::from_value(value(&[rows, cols], x.clone())))
                .eval()
                .unwrap(),
        );
        let shape = [rows as i64, cols as i64];
        let mut out = vec![0.0f64; rows * cols];
        let inputs = [tensor(&mut x, &shape, 2)];
        let mut outputs = [tensor(&mut out, &shape, 2)];
        assert_eq!(call(&lib, &inputs, &mut outputs), (0, String::new()));
        assert_eq!(out, want, "{rows} x {cols}");
    }
    // Exporting traced outputs cannot be shape-generic.
    let x = Array::param(0, DType::F64, &[4, 4]);
    let e = export_traced(&[&softmax(&x)], &[(DType::F64, vec![4, 4])], &opts).unwrap_err();
    assert!(e.to_string().contains("export_with"), "{e}");
    let _ = std::fs::remove_dir_all(dir);
}
