//! Linear-algebra kernels (`Op::Linalg`: LAPACK) against the reference interpreter's
//! textbook algorithms: every routine on stacks of float64 and float32 matrices read
//! through plain, transposed and reversed views, within each precision's tolerance
//! (eigenvectors up to sign); singular and indefinite matrices raise LinAlg errors on
//! both paths; empty stacks and matrices; the plan's text round trips.

use lazyfuse::ir::kernel::KernelPlan;
use lazyfuse::ir::{interpret, IrError, Program, Value};
use lazyfuse_codegen::{CodegenError, CpuExecutor};
use lazyfuse_optimizer::{plan, FusionOptions};
use ndarray::{ArrayD, IxDyn};

/// A stack of well-conditioned matrices (b x n x cols), symmetric positive definite
/// in their leading n x n block when `spd`.
fn stack(b: usize, n: usize, cols: usize, seed: u64, spd: bool) -> ArrayD<f64> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    let mut a = ArrayD::from_shape_fn(IxDyn(&[b, n, cols]), |_| next());
    for k in 0..b {
        for i in 0..n {
            if spd {
                for j in 0..i {
                    let v = a[[k, i, j]];
                    a[[k, j, i]] = v;
                }
            }
            a[[k, i, i]] += n as f64;
        }
    }
    a
}

/// The interpreter's result, and the compiled plan's on 1 and 3 threads.
type Outcomes = (
    Result<Vec<Value>, IrError>,
    Vec<Result<Vec<Value>, CodegenError>>,
);

fn run(text: &str, input: &ArrayD<f64>) -> Outcomes {
    let program: Program = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
    let inputs = [Value::from(input.clone().into_shared())];
    let want = interpret(&program, &inputs);
    let kernel_plan = plan(&program, &FusionOptions::default()).unwrap();
    let shown = kernel_plan.to_string();
    let reparsed: KernelPlan = shown.parse().unwrap_or_else(|e| panic!("{e}\n{shown}"));
    assert_eq!(reparsed, kernel_plan, "text round trip");
    let got = [1, 3]
        .map(|threads| CpuExecutor::new(threads).run(&kernel_plan, &inputs))
        .to_vec();
    (want, got)
}

fn close(op: &str, want: &Value, got: &Value, tol: f64) {
    assert_eq!(want.ty(), got.ty(), "{op}");
    let (w, g): (Vec<f64>, Vec<f64>) = (
        want.to_scalars().iter().map(|s| s.as_f64()).collect(),
        got.to_scalars().iter().map(|s| s.as_f64()).collect(),
    );
    if op == "eigh" {
        // Values in row 0; vector columns up to sign (each column's sign fixed by its
        // dot product with the reference's).
        let n = *want.shape().last().unwrap();
        for (wm, gm) in w.chunks((n + 1) * n).zip(g.chunks((n + 1) * n)) {
            for j in 0..n {
                assert!(
                    (wm[j] - gm[j]).abs() <= tol * wm[j].abs().max(1.0),
                    "{op}: values"
                );
                let dot: f64 = (1..=n).map(|i| wm[i * n + j] * gm[i * n + j]).sum();
                let s = dot.signum();
                for i in 1..=n {
                    let (a, b) = (wm[i * n + j], s * gm[i * n + j]);
                    assert!((a - b).abs() <= tol, "{op}: {a} vs {b}");
                }
            }
        }
        return;
    }
    for (a, b) in w.iter().zip(&g) {
        let ok = (a - b).abs() <= tol * a.abs().max(1.0) || (a.is_infinite() && a == b);
        assert!(ok, "{op}: {a} vs {b}\n{w:?}\n{g:?}");
    }
}

fn text(op: &str, dtype: &str, dims: [usize; 3], view: &str, out: &str) -> String {
    let [b, m, n] = dims;
    let body = match view {
        "plain" => format!("  v: {dtype}[{b},{m},{n}] = cast[{dtype}] a\n"),
        "transposed" => format!(
            "  c: {dtype}[{b},{n},{m}] = cast[{dtype}] a\n  v: {dtype}[{b},{m},{n}] = transpose[perm=(0,2,1)] c\n"
        ),
        // Rows and columns reversed (a symmetric matrix stays symmetric; an augmented
        // one keeps its columns in order).
        _ if op == "solve" => format!(
            "  c: {dtype}[{b},{m},{n}] = cast[{dtype}] a\n  v: {dtype}[{b},{m},{n}] = slice[starts=({},{},0), steps=(-1,-1,1), lens=({b},{m},{n})] c\n",
            b - 1,
            m - 1
        ),
        _ => format!(
            "  c: {dtype}[{b},{m},{n}] = cast[{dtype}] a\n  v: {dtype}[{b},{m},{n}] = slice[starts=({},{},{}), steps=(-1,-1,-1), lens=({b},{m},{n})] c\n",
            b - 1,
            m - 1,
            n - 1
        ),
    };
    let source = if view == "transposed" {
        [b, n, m]
    } else {
        dims
    };
    format!(
        "program(a: f64[{},{},{}]) {{\n{body}  w: {dtype}{out} = {op} v\n  return w\n}}",
        source[0], source[1], source[2]
    )
}

#[test]
fn routines_match_the_reference() {
    let (b, n) = (3, 5);
    for dtype in ["f64", "f32"] {
        let tol = if dtype == "f64" { 1e-10 } else { 2e-4 };
        for op in [
            "solve",
            "inv",
            "det",
            "slogdet_sign",
            "slogdet_logabs",
            "cholesky",
            "eigh_values",
            "eigh",
            "svd_values",
        ] {
            let cols = match op {
                "solve" => n + 2,
                _ => n,
            };
            let out = match op {
                "solve" => format!("[{b},{n},2]"),
                "inv" | "cholesky" => format!("[{b},{n},{n}]"),
                "eigh" => format!("[{b},{},{n}]", n + 1),
                "det" | "slogdet_sign" | "slogdet_logabs" => format!("[{b}]"),
                _ => format!("[{b},{n}]"),
            };
            let spd = matches!(op, "cholesky" | "eigh_values" | "eigh");
            for view in ["plain", "transposed", "reversed"] {
                if view == "transposed" && op == "solve" {
                    continue; // (an augmented matrix is not square: its own case below)
                }
                let dims = [b, n, cols];
                let data = if view == "transposed" {
                    stack(b, n, cols, 7, spd)
                        .permuted_axes(IxDyn(&[0, 2, 1]))
                        .as_standard_layout()
                        .into_owned()
                } else {
                    stack(b, n, cols, 7, spd)
                };
                let program = text(op, dtype, dims, view, &out);
                let (want, got) = run(&program, &data);
                let want = want.unwrap_or_else(|e| panic!("{op}: {e}"));
                for g in got {
                    let g = g.unwrap_or_else(|e| panic!("{op} {view}: {e}"));
                    close(op, &want[0], &g[0], tol);
                }
            }
        }
    }
    // A transposed augmented matrix.
    let data = stack(2, 4, 6, 3, false)
        .permuted_axes(IxDyn(&[0, 2, 1]))
        .as_standard_layout()
        .into_owned();
    let program = "program(a: f64[2,6,4]) {\n  v: f64[2,4,6] = transpose[perm=(0,2,1)] a\n  w: f64[2,4,2] = solve v\n  return w\n}";
    let (want, got) = run(program, &data);
    for g in got {
        close("solve", &want.as_ref().unwrap()[0], &g.unwrap()[0], 1e-10);
    }
    // Rectangular singular values, both ways round.
    for (m, n) in [(3, 6), (6, 3)] {
        let data = stack(2, m.min(n), n.max(m), 5, false);
        let data = if m > n {
            data.permuted_axes(IxDyn(&[0, 2, 1]))
                .as_standard_layout()
                .into_owned()
        } else {
            data
        };
        let program = format!(
            "program(a: f64[2,{m},{n}]) {{\n  w: f64[2,{}] = svd_values a\n  return w\n}}",
            m.min(n)
        );
        let (want, got) = run(&program, &data);
        for g in got {
            close(
                "svd_values",
                &want.as_ref().unwrap()[0],
                &g.unwrap()[0],
                1e-10,
            );
        }
    }
}

#[test]
fn singular_and_indefinite_matrices_are_linalg_errors_and_empty_stacks_work() {
    let mut singular = stack(2, 3, 3, 1, false);
    for j in 0..3 {
        singular[[1, 2, j]] = singular[[1, 0, j]] * 2.0;
    }
    singular[[1, 2, 0]] = singular[[1, 0, 0]] * 2.0;
    // Exactly singular: a zero column.
    for i in 0..3 {
        singular[[1, i, 1]] = 0.0;
    }
    for op in ["inv"] {
        let program =
            format!("program(a: f64[2,3,3]) {{\n  w: f64[2,3,3] = {op} a\n  return w\n}}");
        let (want, got) = run(&program, &singular);
        assert!(matches!(want, Err(IrError::LinAlg { .. })), "{want:?}");
        for g in got {
            assert!(
                matches!(g, Err(CodegenError::Ir(IrError::LinAlg { .. }))),
                "{g:?}"
            );
        }
    }
    let (want, got) = run(
        "program(a: f64[2,3,3]) {\n  w: f64[2] = det a\n  return w\n}",
        &singular,
    );
    assert_eq!(want.unwrap()[0].to_scalars()[1].as_f64(), 0.0);
    for g in got {
        assert_eq!(g.unwrap()[0].to_scalars()[1].as_f64(), 0.0);
    }
    let mut indefinite = stack(1, 3, 3, 2, true);
    indefinite[[0, 2, 2]] = -10.0;
    let (want, got) = run(
        "program(a: f64[1,3,3]) {\n  w: f64[1,3,3] = cholesky a\n  return w\n}",
        &indefinite,
    );
    assert!(matches!(want, Err(IrError::LinAlg { .. })));
    for g in got {
        assert!(matches!(g, Err(CodegenError::Ir(IrError::LinAlg { .. }))));
    }
    for (program, dims) in [
        (
            "program(a: f64[0,3,3]) {\n  w: f64[0,3,3] = inv a\n  return w\n}",
            [0, 3, 3],
        ),
        (
            "program(a: f64[2,0,0]) {\n  w: f64[2] = det a\n  return w\n}",
            [2, 0, 0],
        ),
    ] {
        let (want, got) = run(program, &ArrayD::zeros(IxDyn(&dims)));
        let want = want.unwrap();
        for g in got {
            assert_eq!(g.unwrap()[0].to_scalars(), want[0].to_scalars());
        }
    }
}

/// The packed factors of `op` of an m x n matrix: (rows, cols) of each part.
fn parts(op: &str, m: usize, n: usize) -> Vec<(usize, usize)> {
    let k = m.min(n);
    match op {
        "svd" => vec![(m, k), (1, k), (k, n)],
        "svd_full" => vec![(m, m), (1, k), (n, n)],
        "qr" => vec![(m, k), (k, n)],
        _ => vec![(m, m), (m, n)],
    }
}

/// One matrix's packed factors split into row-major matrices.
fn unpack(op: &str, m: usize, n: usize, packed: &[f64]) -> Vec<ndarray::Array2<f64>> {
    let mut at = 0;
    parts(op, m, n)
        .into_iter()
        .map(|(r, c)| {
            let part = ndarray::Array2::from_shape_vec((r, c), packed[at..at + r * c].to_vec());
            at += r * c;
            part.unwrap()
        })
        .collect()
}

fn assert_close(what: &str, a: &ndarray::Array2<f64>, b: &ndarray::Array2<f64>, tol: f64) {
    assert_eq!(a.dim(), b.dim(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol, "{what}: {x} vs {y}\n{a:?}\n{b:?}");
    }
}

/// The compiled factors of one matrix against the reference's: the same values; vector
/// pairs up to a common sign (svd) or exactly (qr: both in LAPACK's sign convention);
/// orthonormal factors, and products that give the matrix back.
fn check_factors(
    op: &str,
    (m, n): (usize, usize),
    a: &ndarray::Array2<f64>,
    want: &[f64],
    got: &[f64],
    tol: f64,
) {
    let (w, g) = (unpack(op, m, n, want), unpack(op, m, n, got));
    let k = m.min(n);
    let eye = |d: usize| ndarray::Array2::<f64>::eye(d);
    if op.starts_with("qr") {
        assert_close(&format!("{op} q"), &w[0], &g[0], tol);
        assert_close(&format!("{op} r"), &w[1], &g[1], tol);
        let q = &g[0];
        assert_close(&format!("{op} q^T q"), &q.t().dot(q), &eye(q.ncols()), tol);
        assert_close(&format!("{op} q r"), &q.dot(&g[1]), a, tol);
        for (i, j) in (0..g[1].nrows()).flat_map(|i| (0..i.min(n)).map(move |j| (i, j))) {
            assert_eq!(g[1][[i, j]], 0.0, "{op}: r is upper triangular");
        }
        return;
    }
    assert_close(&format!("{op} s"), &w[1], &g[1], tol);
    for j in 0..k {
        let sign = w[0].column(j).dot(&g[0].column(j)).signum();
        assert_close(
            &format!("{op} u[:, {j}]"),
            &w[0].slice(ndarray::s![.., j..=j]).to_owned(),
            &(g[0].slice(ndarray::s![.., j..=j]).to_owned() * sign),
            tol,
        );
        assert_close(
            &format!("{op} vt[{j}]"),
            &w[2].slice(ndarray::s![j..=j, ..]).to_owned(),
            &(g[2].slice(ndarray::s![j..=j, ..]).to_owned() * sign),
            tol,
        );
    }
    for (name, f) in [
        ("u^T u", g[0].t().dot(&g[0])),
        ("vt vt^T", g[2].dot(&g[2].t())),
    ] {
        assert_close(&format!("{op} {name}"), &f, &eye(f.nrows()), tol);
    }
    let s = ndarray::Array2::from_diag(&g[1].row(0));
    let product = g[0]
        .slice(ndarray::s![.., ..k])
        .dot(&s)
        .dot(&g[2].slice(ndarray::s![..k, ..]));
    assert_close(&format!("{op} u s vt"), &product, a, tol * 10.0);
}

#[test]
fn orthogonal_factorisations_match_the_reference() {
    // Square, tall and wide stacks, plain and reversed, both precisions.
    let b = 2;
    for (m, n) in [(4, 4), (6, 3), (3, 6), (1, 5), (5, 1)] {
        let data = stack(b, m.min(n), m.max(n), 11, false);
        let data = if m > n {
            data.permuted_axes(IxDyn(&[0, 2, 1]))
                .as_standard_layout()
                .into_owned()
        } else {
            data
        };
        for dtype in ["f64", "f32"] {
            let tol = if dtype == "f64" { 1e-10 } else { 1e-4 };
            for op in ["svd", "svd_full", "qr", "qr_complete"] {
                let len: usize = parts(op, m, n).iter().map(|(r, c)| r * c).sum();
                for view in ["plain", "reversed"] {
                    let program = text(op, dtype, [b, m, n], view, &format!("[{b},{len}]"));
                    let (want, got) = run(&program, &data);
                    let want = want.unwrap_or_else(|e| panic!("{op}: {e}"));
                    let want: Vec<f64> = want[0].to_scalars().iter().map(|s| s.as_f64()).collect();
                    for g in got {
                        let g = g.unwrap_or_else(|e| panic!("{op} {view}: {e}"));
                        let g: Vec<f64> = g[0].to_scalars().iter().map(|s| s.as_f64()).collect();
                        for i in 0..b {
                            // The matrix the op saw (reversed: both axes).
                            let a = ndarray::Array2::from_shape_fn((m, n), |(r, c)| {
                                let (bi, r, c) = if view == "reversed" {
                                    (b - 1 - i, m - 1 - r, n - 1 - c)
                                } else {
                                    (i, r, c)
                                };
                                let x = data[[bi, r, c]];
                                if dtype == "f32" {
                                    x as f32 as f64
                                } else {
                                    x
                                }
                            });
                            let (w, gm) =
                                (&want[i * len..(i + 1) * len], &g[i * len..(i + 1) * len]);
                            check_factors(op, (m, n), &a, w, gm, tol);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn orthogonal_factorisations_of_empty_and_nan_matrices() {
    // No values: the full factors are identities, on both paths.
    for (op, dims, len) in [
        ("svd_full", [1, 2, 0], 4),
        ("svd_full", [1, 0, 3], 9),
        ("svd", [1, 2, 0], 0),
        ("qr_complete", [1, 2, 0], 4),
        ("qr", [1, 0, 3], 0),
    ] {
        let program = format!(
            "program(a: f64[{},{},{}]) {{\n  w: f64[1,{len}] = {op} a\n  return w\n}}",
            dims[0], dims[1], dims[2]
        );
        let (want, got) = run(&program, &ArrayD::zeros(IxDyn(&dims)));
        let want = want.unwrap();
        let eye: Vec<f64> = match len {
            4 => vec![1.0, 0.0, 0.0, 1.0],
            9 => vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
            _ => vec![],
        };
        let have: Vec<f64> = want[0].to_scalars().iter().map(|s| s.as_f64()).collect();
        assert_eq!(have, eye, "{op} {dims:?}");
        for g in got {
            assert_eq!(
                g.unwrap()[0].to_scalars(),
                want[0].to_scalars(),
                "{op} {dims:?}"
            );
        }
    }
    // A NaN: the SVD does not converge (LAPACK's and NumPy's error); QR propagates it.
    let mut nan = stack(1, 3, 3, 4, false);
    nan[[0, 1, 1]] = f64::NAN;
    let (want, got) = run(
        "program(a: f64[1,3,3]) {\n  w: f64[1,21] = svd a\n  return w\n}",
        &nan,
    );
    assert!(matches!(want, Err(IrError::LinAlg { .. })), "{want:?}");
    for g in got {
        assert!(
            matches!(g, Err(CodegenError::Ir(IrError::LinAlg { .. }))),
            "{g:?}"
        );
    }
    let (want, got) = run(
        "program(a: f64[1,3,3]) {\n  w: f64[1,18] = qr a\n  return w\n}",
        &nan,
    );
    assert!(want.unwrap()[0]
        .to_scalars()
        .iter()
        .any(|s| s.as_f64().is_nan()));
    for g in got {
        assert!(g.unwrap()[0]
            .to_scalars()
            .iter()
            .any(|s| s.as_f64().is_nan()));
    }
}

/// Complex numbers of packed rows: `rows` real parts then as many imaginary parts.
fn complex_rows(packed: &[f64], rows: usize, n: usize) -> Vec<(f64, f64)> {
    (0..rows * n)
        .map(|i| (packed[i], packed[rows * n + i]))
        .collect()
}

/// The compiled eigenvalues (and vectors) of one matrix against the reference's: the
/// same values as a set, each vector the reference's up to sign, and `a v = w v`.
fn check_eig(a: &ndarray::Array2<f64>, want: &[f64], got: &[f64], vectors: bool, tol: f64) {
    let n = a.nrows();
    let (wv, gv) = (complex_rows(want, 1, n), complex_rows(got, 1, n));
    for (j, &(re, im)) in gv.iter().enumerate() {
        let (k, &(wre, wim)) = wv
            .iter()
            .enumerate()
            .min_by(|(_, p), (_, q)| {
                let d = |v: &(f64, f64)| (v.0 - re).hypot(v.1 - im);
                d(p).total_cmp(&d(q))
            })
            .unwrap();
        let scale = re.hypot(im).max(1.0);
        assert!(
            (wre - re).hypot(wim - im) <= tol * scale,
            "eig value {j}: {re}+{im}i vs {wre}+{wim}i"
        );
        if !vectors {
            continue;
        }
        let column = |packed: &[f64]| -> Vec<(f64, f64)> {
            let v = complex_rows(&packed[2 * n..], n, n);
            (0..n).map(|i| v[i * n + j]).collect()
        };
        let g = column(got);
        let w: Vec<(f64, f64)> = {
            let v = complex_rows(&want[2 * n..], n, n);
            (0..n).map(|i| v[i * n + k]).collect()
        };
        let dot: f64 = w.iter().zip(&g).map(|(p, q)| p.0 * q.0 + p.1 * q.1).sum();
        let sign = dot.signum();
        for (p, q) in w.iter().zip(&g) {
            assert!(
                (p.0 - sign * q.0).abs() <= tol * 10.0 && (p.1 - sign * q.1).abs() <= tol * 10.0,
                "eig vector {j}: {w:?} vs {g:?}"
            );
        }
        // a v = w v.
        for r in 0..n {
            let (mut x, mut y) = (0.0, 0.0);
            for c in 0..n {
                x += a[[r, c]] * g[c].0;
                y += a[[r, c]] * g[c].1;
            }
            let (ex, ey) = (re * g[r].0 - im * g[r].1, re * g[r].1 + im * g[r].0);
            assert!(
                (x - ex).abs() <= tol * 10.0 * scale && (y - ey).abs() <= tol * 10.0 * scale,
                "a v = w v"
            );
        }
    }
}

#[test]
fn general_eigenproblems_match_the_reference() {
    let b = 3;
    for n in [1, 2, 5, 8] {
        // Nonsymmetric (complex pairs likely), and upper triangular (real values).
        let mut general = stack(b, n, n, 13, false).mapv(|x| x * 4.0);
        for k in 0..b {
            for i in 0..n {
                general[[k, i, i]] -= 4.0 * n as f64; // (not diagonally dominant)
            }
        }
        let mut triangular = general.clone();
        for k in 0..b {
            for i in 0..n {
                for j in 0..i {
                    triangular[[k, i, j]] = 0.0;
                }
            }
        }
        for data in [&general, &triangular] {
            for dtype in ["f64", "f32"] {
                let tol = if dtype == "f64" { 1e-9 } else { 1e-4 };
                for (op, rows) in [("eig_values", 2), ("eig", 2 + 2 * n)] {
                    for view in ["plain", "reversed"] {
                        let program =
                            text(op, dtype, [b, n, n], view, &format!("[{b},{rows},{n}]"));
                        let (want, got) = run(&program, data);
                        let want = want.unwrap_or_else(|e| panic!("{op}: {e}"));
                        let want: Vec<f64> =
                            want[0].to_scalars().iter().map(|s| s.as_f64()).collect();
                        let per = rows * n;
                        for g in got {
                            let g = g.unwrap_or_else(|e| panic!("{op} {view}: {e}"));
                            let g: Vec<f64> =
                                g[0].to_scalars().iter().map(|s| s.as_f64()).collect();
                            if n >= 5 && std::ptr::eq(data, &general) {
                                // Complex pairs among the values.
                                assert!(g.iter().skip(n).take(n).any(|&im| im != 0.0));
                            }
                            for i in 0..b {
                                let a = ndarray::Array2::from_shape_fn((n, n), |(r, c)| {
                                    let (bi, r, c) = if view == "reversed" {
                                        (b - 1 - i, n - 1 - r, n - 1 - c)
                                    } else {
                                        (i, r, c)
                                    };
                                    let x = data[[bi, r, c]];
                                    if dtype == "f32" {
                                        x as f32 as f64
                                    } else {
                                        x
                                    }
                                });
                                let (w, gm) =
                                    (&want[i * per..(i + 1) * per], &g[i * per..(i + 1) * per]);
                                check_eig(&a, w, gm, op == "eig", tol);
                            }
                        }
                    }
                }
            }
        }
    }
    // Non-finite input is NumPy's LinAlg error on both paths; no matrices, no values.
    let mut bad = stack(1, 3, 3, 4, false);
    bad[[0, 2, 1]] = f64::INFINITY;
    let (want, got) = run(
        "program(a: f64[1,3,3]) {\n  w: f64[1,2,3] = eig_values a\n  return w\n}",
        &bad,
    );
    assert!(matches!(want, Err(IrError::LinAlg { .. })), "{want:?}");
    for g in got {
        assert!(
            matches!(g, Err(CodegenError::Ir(IrError::LinAlg { .. }))),
            "{g:?}"
        );
    }
    let (want, got) = run(
        "program(a: f64[2,0,0]) {\n  w: f64[2,2,0] = eig a\n  return w\n}",
        &ArrayD::zeros(IxDyn(&[2, 0, 0])),
    );
    assert_eq!(want.unwrap()[0].shape(), &[2, 2, 0]);
    for g in got {
        assert_eq!(g.unwrap()[0].shape(), &[2, 2, 0]);
    }
}
