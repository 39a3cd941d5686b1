//! Tests of the matrix-vector loops at every vector level the CPU has.

use super::*;

/// Runs `f` at every vector level this CPU has, scalar loops included.
fn at_every_level(mut f: impl FnMut(Simd)) {
    let best = simd();
    let levels = [Simd::None, Simd::Avx2, Simd::Avx512];
    let top = levels.iter().position(|&l| l == best).expect("a level");
    for &level in &levels[..=top] {
        FORCED.with(|c| c.set(Some(level)));
        f(level);
    }
    FORCED.with(|c| c.set(None));
}

fn reference(m: usize, n: usize, a: &[f64], lda: usize, x: &[f64], transposed: bool) -> Vec<f64> {
    if transposed {
        (0..n)
            .map(|j| (0..m).map(|i| a[i * lda + j] * x[i]).sum())
            .collect()
    } else {
        (0..m)
            .map(|i| (0..n).map(|j| a[i * lda + j] * x[j]).sum())
            .collect()
    }
}

#[test]
fn products_match_the_reference_at_awkward_sizes() {
    at_every_level(|_| products_match_the_reference());
}

fn products_match_the_reference() {
    // float32 through the same loops (other vector widths), against float64 sums.
    for &(m, n) in &[(5, 3), (9, 17), (33, 70), (300, 301)] {
        let a: Vec<f32> = (0..m * n)
            .map(|k| ((k * 37 % 101) as f32 - 50.0) / 8.0)
            .collect();
        let x: Vec<f32> = (0..m.max(n)).map(|k| (k % 13) as f32 - 6.0).collect();
        let a64: Vec<f64> = a.iter().map(|&v| v as f64).collect();
        let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
        for transposed in [false, true] {
            let len_y = if transposed { n } else { m };
            let mut y = vec![f32::NAN; len_y];
            // SAFETY: an m x n matrix, x long enough either way, y of len_y.
            unsafe {
                if transposed {
                    cols(2, m, n, a.as_ptr(), n, x.as_ptr(), 1, y.as_mut_ptr(), 1)
                } else {
                    rows(2, m, n, a.as_ptr(), n, x.as_ptr(), 1, y.as_mut_ptr(), 1)
                }
            }
            let want = reference(
                m,
                n,
                &a64,
                n,
                &x64[..if transposed { m } else { n }],
                transposed,
            );
            for (g, w) in y.iter().zip(&want) {
                // Products and sums of eighths: exact in float32 at these sizes.
                assert_eq!(*g as f64, *w, "f32 {m}x{n} t={transposed}");
            }
        }
    }
    for &(m, n) in &[
        (1, 1),
        (3, 5),
        (4, 8),
        (9, 17),
        (33, 7),
        (7, 2100),
        (300, 301),
    ] {
        let lda = n + 3;
        let a: Vec<f64> = (0..m * lda)
            .map(|k| ((k * 37 % 101) as f64 - 50.0) / 7.0)
            .collect();
        for transposed in [false, true] {
            let (len_x, len_y) = if transposed { (m, n) } else { (n, m) };
            let x: Vec<f64> = (0..len_x * 2).map(|k| (k % 13) as f64 - 6.0).collect();
            let mut y = vec![f64::NAN; len_y * 3];
            for threads in [1, 2, 3] {
                // SAFETY: sizes as documented; x stepped by 2, y by 3.
                unsafe {
                    if transposed {
                        cols(
                            threads,
                            m,
                            n,
                            a.as_ptr(),
                            lda,
                            x.as_ptr(),
                            2,
                            y.as_mut_ptr(),
                            3,
                        )
                    } else {
                        rows(
                            threads,
                            m,
                            n,
                            a.as_ptr(),
                            lda,
                            x.as_ptr(),
                            2,
                            y.as_mut_ptr(),
                            3,
                        )
                    }
                }
                let xs: Vec<f64> = x.iter().step_by(2).copied().collect();
                let want = reference(m, n, &a, lda, &xs, transposed);
                for (k, w) in want.iter().enumerate() {
                    let got = y[k * 3];
                    assert!(
                        (got - w).abs() <= 1e-9 * (1.0 + w.abs()),
                        "{m}x{n} t={transposed}: {got} vs {w}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_pair_matches_both_products() {
    at_every_level(|_| the_pair_matches());
}

fn the_pair_matches() {
    for &(m, n) in &[(1, 1), (5, 3), (9, 17), (300, 7), (1000, 301)] {
        let lda = n + 1;
        let a: Vec<f64> = (0..m * lda)
            .map(|k| ((k * 29 % 97) as f64 - 48.0) / 5.0)
            .collect();
        let p: Vec<f64> = (0..n).map(|k| (k % 11) as f64 - 5.0).collect();
        let r: Vec<f64> = (0..m * 2).map(|k| (k % 7) as f64 - 3.0).collect();
        let want_q = reference(m, n, &a, lda, &p, false);
        let rs: Vec<f64> = r.iter().step_by(2).copied().collect();
        let want_s = reference(m, n, &a, lda, &rs, true);
        for threads in [1, 2, 3] {
            let (mut q, mut s) = (vec![f64::NAN; m], vec![f64::NAN; n]);
            // SAFETY: sizes as documented; r stepped by 2.
            unsafe {
                rows_and_cols(
                    threads,
                    m,
                    n,
                    a.as_ptr(),
                    lda,
                    (p.as_ptr(), 1),
                    (r.as_ptr(), 2),
                    (q.as_mut_ptr(), 1),
                    (s.as_mut_ptr(), 1),
                )
            };
            for (got, want) in q.iter().zip(&want_q).chain(s.iter().zip(&want_s)) {
                assert!(
                    (got - want).abs() <= 1e-9 * (1.0 + want.abs()),
                    "{m}x{n}: {got} vs {want}"
                );
            }
        }
    }
}

#[test]
fn infinities_times_zero_give_nan_as_ieee_arithmetic_does() {
    at_every_level(|_| infinities_times_zero());
}

fn infinities_times_zero() {
    let a = [f64::INFINITY, 1.0, 2.0, 3.0];
    let x = [0.0, 1.0];
    let mut y = [0.0; 2];
    // SAFETY: a 2x2 matrix, vectors of 2.
    unsafe { rows(1, 2, 2, a.as_ptr(), 2, x.as_ptr(), 1, y.as_mut_ptr(), 1) };
    assert!(y[0].is_nan() && y[1] == 3.0);
    // SAFETY: as above.
    unsafe { cols(1, 2, 2, a.as_ptr(), 2, x.as_ptr(), 1, y.as_mut_ptr(), 1) };
    assert!(y[0].is_nan() && y[1] == 3.0);
}

#[cfg(test)]
mod timing {
    use super::*;

    #[test]
    #[ignore = "a timing, not a test: cargo test --release -- --ignored gemv_timing --nocapture"]
    fn gemv_timing() {
        for &n in &[2000usize, 4000] {
            let a: Vec<f64> = (0..n * n).map(|k| (k % 13) as f64).collect();
            let x: Vec<f64> = (0..n).map(|k| k as f64).collect();
            let mut y = vec![0.0; n];
            let mut s = vec![0.0; n];
            for threads in [1, 2] {
                let time = |f: &mut dyn FnMut()| {
                    let mut v: Vec<f64> = (0..30)
                        .map(|_| {
                            let t = std::time::Instant::now();
                            f();
                            t.elapsed().as_secs_f64() * 1e3
                        })
                        .collect();
                    v.sort_by(f64::total_cmp);
                    v[15]
                };
                // SAFETY: n x n matrix, vectors of n.
                let r = time(&mut || unsafe {
                    rows(
                        threads,
                        n,
                        n,
                        a.as_ptr(),
                        n,
                        x.as_ptr(),
                        1,
                        y.as_mut_ptr(),
                        1,
                    )
                });
                // SAFETY: as above.
                let c = time(&mut || unsafe {
                    cols(
                        threads,
                        n,
                        n,
                        a.as_ptr(),
                        n,
                        x.as_ptr(),
                        1,
                        y.as_mut_ptr(),
                        1,
                    )
                });
                // SAFETY: as above.
                let p = time(&mut || unsafe {
                    rows_and_cols(
                        threads,
                        n,
                        n,
                        a.as_ptr(),
                        n,
                        (x.as_ptr(), 1),
                        (x.as_ptr(), 1),
                        (y.as_mut_ptr(), 1),
                        (s.as_mut_ptr(), 1),
                    )
                });
                let sum = time(&mut || {
                    std::hint::black_box(a.iter().sum::<f64>());
                });
                println!("n={n} threads={threads}: rows {r:.3} ms, cols {c:.3} ms, pair {p:.3} ms, 1-thread sum {sum:.3} ms");
            }
        }
    }
}
