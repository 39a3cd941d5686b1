//! The interpreter against NumPy on random well-typed programs.
//!
//! proptest builds random programs (every op family; bool/int/float inputs that are
//! 0-d, zero-size, broadcast, transposed, strided or reversed, holding NaN, ±inf, ±0,
//! subnormals and integer extremes). The interpreter evaluates every node; a NumPy
//! process (tests/python/numpy_reference.py, an independent evaluator of the textual
//! IR) recomputes each node from the interpreter's operand values and compares: exactly
//! for elementary ops, within a stated tolerance for transcendental functions and sums.
//!
//! NumPy is called through the venv's Python (`LAZYFUSE_PYTHON`, set by `make test`).
//! `PROPTEST_CASES` sets the number of programs (default 1500).

mod common;

use std::cell::RefCell;

use common::programs::{build, case_strategy};
use common::NumpyReference;
use lazyfuse::ir::{interpret, Program};
use proptest::test_runner::{Config, TestCaseError, TestRunner};

#[test]
fn interpreter_matches_numpy_on_random_programs() {
    let numpy = RefCell::new(NumpyReference::start());
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&case_strategy(14), |case| {
        let (_, pool) = build(&case);
        let (program, leaves) =
            Program::from_outputs(&pool).map_err(|e| TestCaseError::fail(e.to_string()))?;
        program
            .verify()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let inputs: Vec<_> = leaves
            .into_iter()
            .map(|l| l.into_value().expect("data leaves only"))
            .collect();
        let outputs =
            interpret(&program, &inputs).map_err(|e| TestCaseError::fail(e.to_string()))?;
        numpy
            .borrow_mut()
            .check(&program, &inputs, &outputs)
            .map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
