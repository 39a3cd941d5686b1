//! Golden tests, as Cranelift's filetests: each file in `tests/golden/` holds an input
//! program, then the optimised program and the kernel plan lazyfuse makes of it (default
//! options). A reviewer reads the diff of these files like code. `LAZYFUSE_BLESS=1
//! cargo test -p lazyfuse-optimizer --test golden` rewrites the expectations (a new
//! file needs only its input program).
//!
//! Every plan also parses back from its text to the same plan, and computes what the
//! program computes (the plan interpreter against the reference interpreter).

use std::path::{Path, PathBuf};
use std::time::Duration;

use lazyfuse_ir::kernel::{interpret_plan, KernelPlan};
use lazyfuse_ir::{interpret, DType, Program, Value};
use lazyfuse_optimizer::{optimize, plan, FusionOptions, Limits, Options, StopReason};
use ndarray::{ArrayD, IxDyn};

const OPTIMIZED: &str = "=== optimized";
const PLAN: &str = "=== plan";

fn golden_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "lf"))
        .collect();
    files.sort();
    files
}

/// The file's head (comments and the input program) and the expected rest.
fn split(text: &str) -> (&str, &str) {
    match text.find(OPTIMIZED) {
        Some(at) => (&text[..at], &text[at..]),
        None => (text, ""),
    }
}

fn input_program(head: &str) -> Program {
    let program: String = head
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    program
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{e}\n{program}"))
}

/// Deterministic inputs with a spread of values (integers small, bools mixed).
fn inputs(program: &Program) -> Vec<Value> {
    program
        .inputs()
        .iter()
        .enumerate()
        .map(|(s, ty)| {
            let n = ty.shape.numel();
            let data: Vec<f64> = (0..n)
                .map(|i| ((i * 7 + s * 13) % 23) as f64 / 7.0 - 1.5)
                .collect();
            let v =
                Value::from_array(ArrayD::from_shape_vec(IxDyn(ty.shape.dims()), data).unwrap());
            v.cast(ty.dtype)
        })
        .collect()
}

/// Equal within the rounding the default (algebraic) tier allows for the dtype.
fn close(a: &Value, b: &Value) -> bool {
    let tolerance = if a.dtype() == DType::F32 { 1e-5 } else { 1e-9 };
    a.ty() == b.ty()
        && a.to_scalars().iter().zip(b.to_scalars()).all(|(x, y)| {
            let (x, y) = (x.as_f64(), y.as_f64());
            (x.is_nan() && y.is_nan()) || (x - y).abs() <= tolerance * (1.0 + x.abs().max(y.abs()))
        })
}

/// The default options with a time limit no program here comes near, so that only the
/// iteration and node limits (the same on every machine) can stop saturation: a loaded CI
/// machine running a debug build once took over 100 ms on a tiny program.
fn machine_independent_options() -> Options {
    Options {
        limits: Limits {
            time: Duration::from_secs(120),
            ..Limits::default()
        },
        ..Options::default()
    }
}

/// What the file should hold after its head.
fn expected_tail(path: &Path, program: &Program) -> String {
    let optimized = optimize(program, &machine_independent_options()).unwrap();
    let stop = &optimized.report.saturation.stop_reason;
    assert!(
        matches!(stop, StopReason::Saturated),
        "{}: saturation stopped by {stop}; golden programs must saturate (a time limit would make the output depend on the machine)",
        path.display()
    );
    let kernel_plan = plan(&optimized.program, &FusionOptions::default()).unwrap();
    // The plan's text parses back to the same plan.
    let printed = kernel_plan.to_string();
    let parsed: KernelPlan = printed.parse().unwrap_or_else(|e| {
        panic!(
            "{}: plan does not parse back: {e}\n{printed}",
            path.display()
        )
    });
    assert_eq!(
        parsed,
        kernel_plan,
        "{}: plan text round trip",
        path.display()
    );
    assert_eq!(parsed.to_string(), printed);
    // And computes the program's values.
    let inputs = inputs(program);
    let want = interpret(program, &inputs).unwrap();
    let got = interpret_plan(&kernel_plan, &inputs).unwrap();
    for (w, g) in want.iter().zip(&got) {
        assert!(
            close(w, g) || w.dtype() == DType::Bool,
            "{}: the plan computes other values\n{w:?}\n{g:?}",
            path.display()
        );
    }
    format!(
        "{OPTIMIZED}\n{}\n{PLAN}\n{kernel_plan}\n",
        optimized.program
    )
}

#[test]
fn golden_programs_optimise_and_plan_as_recorded() {
    let bless = std::env::var_os("LAZYFUSE_BLESS").is_some();
    let mut stale = Vec::new();
    let files = golden_files();
    assert!(!files.is_empty(), "no golden files");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let (head, tail) = split(&text);
        let program = input_program(head);
        let want = expected_tail(&path, &program);
        if tail != want {
            if bless {
                std::fs::write(
                    &path,
                    format!("{}{want}", head.trim_end().to_owned() + "\n\n"),
                )
                .unwrap();
            } else {
                stale.push(format!(
                    "{}:\n--- recorded\n{tail}\n--- now\n{want}",
                    path.display()
                ));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "golden files differ (review, then LAZYFUSE_BLESS=1 cargo test -p lazyfuse-optimizer --test golden):\n{}",
        stale.join("\n")
    );
}

#[test]
fn plan_text_with_a_non_elementwise_op_in_a_body_is_rejected() {
    let text = "plan {
  %0: f64[2,2] (input 0)
  %1: f64[2,2] (temp)
  kernel 0: loop outer [2,2] inner []
    phase 0: per outer point
      r0: f64 = load %0[i0, i1]
      r1: f64 = matmul r0 r0
      store %1[i0, i1] = r1
  return %1
}";
    let err = text.parse::<KernelPlan>().unwrap_err().to_string();
    assert!(
        err.contains("line 7") && err.contains("not an elementwise op"),
        "{err}"
    );
    let bad_index = text.replace("%0[i0, i1]", "%0[i0, i2]");
    let err = bad_index.parse::<KernelPlan>().unwrap_err().to_string();
    assert!(err.contains("loop index i2"), "{err}");
}
