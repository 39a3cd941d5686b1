//! Properties of Programs across crates: text round trip and canonical hashing on random
//! programs, deep graphs without stack overflow, determinism.

mod common;

use common::programs::{build, case_strategy};
use lazyfuse::ir::{interpret, Leaf, Program, Value};
use lazyfuse::Array;
use proptest::prelude::*;

fn bound_values(leaves: Vec<Leaf>) -> Vec<Value> {
    leaves
        .into_iter()
        .map(|l| l.into_value().expect("data leaves only"))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn printing_then_parsing_gives_the_same_program(case in case_strategy(14)) {
        let (_, pool) = build(&case);
        let (program, _) = Program::from_outputs(&pool).unwrap();
        let text = program.to_string();
        let parsed: Program = text.parse().map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert!(parsed == program, "round trip changed the program:\n{}\n{}", text, parsed);
        prop_assert_eq!(parsed.canonical_hash(), program.canonical_hash());
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn evaluation_is_deterministic(case in case_strategy(10)) {
        let (_, pool) = build(&case);
        let (program, leaves) = Program::from_outputs(&pool).unwrap();
        let inputs = bound_values(leaves);
        let first = interpret(&program, &inputs).unwrap();
        let second = interpret(&program, &inputs).unwrap();
        for (a, b) in first.iter().zip(&second) {
            let bits = |v: &Value| format!("{:?}", v.to_scalars().iter().map(|s| s.to_string()).collect::<Vec<_>>());
            prop_assert_eq!(bits(a), bits(b));
        }
    }
}

fn softmax(x: &Array) -> Array {
    let e = (x - x.max_axes(&[1], true)).exp();
    &e / e.sum_axes(&[1], true)
}

#[test]
fn equal_structure_hashes_equal_whatever_the_data_or_numbering() {
    let a = Array::from(ndarray::Array2::<f64>::zeros((3, 4)));
    let b = Array::from(ndarray::Array2::<f64>::ones((3, 4)));
    assert_eq!(
        softmax(&a).program().unwrap().canonical_hash(),
        softmax(&b).program().unwrap().canonical_hash()
    );
    // The same DAG with its nodes numbered in another order.
    let one = "program(a: f64[3], b: f64[3]) {\n  c: f64[3] = add a b\n  d: f64[3] = sub a b\n  e: f64[3] = mul c d\n  return e\n}";
    let two = "program(a: f64[3], b: f64[3]) {\n  x: f64[3] = sub a b\n  y: f64[3] = add a b\n  z: f64[3] = mul y x\n  return z\n}";
    let (one, two): (Program, Program) = (one.parse().unwrap(), two.parse().unwrap());
    assert!(one != two, "the node order differs");
    assert_eq!(one.canonical_hash(), two.canonical_hash());
}

#[test]
fn different_structure_hashes_differ() {
    let texts = [
        "program(a: f64[3], b: f64[3]) {\n  c: f64[3] = sub a b\n  return c\n}",
        "program(a: f64[3], b: f64[3]) {\n  c: f64[3] = sub b a\n  return c\n}",
        "program(a: f64[3], b: f32[3]) {\n  c: f64[3] = sub a b\n  return c\n}",
        "program(a: f64[3], b: f64[3]) {\n  c: f64[3] = add a b\n  return c\n}",
        "program(a: f64[3], b: f64[3]) {\n  c: f64[] = reduce_sum[axes=(0)] a\n  return c\n}",
        "program(a: f64[3], b: f64[3]) {\n  c: f64[1] = reduce_sum[axes=(0), keepdims] a\n  return c\n}",
        "program(a: f64[3], b: f64[3]) {\n  c: f64[] = const[1.0]\n  d: f64[3] = add a c\n  return d\n}",
        "program(a: f64[3], b: f64[3]) {\n  c: f64[] = const[-1.0]\n  d: f64[3] = add a c\n  return d\n}",
        "program(a: f64[3], b: f64[3]) {\n  c: f64[3] = sub a b\n  return c, c\n}",
    ];
    let mut hashes: Vec<_> = texts
        .iter()
        .map(|t| t.parse::<Program>().unwrap().canonical_hash())
        .collect();
    hashes.sort();
    hashes.dedup();
    assert_eq!(hashes.len(), texts.len());
}

/// Runs `f` on a thread with a small stack, so recursion over the graph would overflow.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn a_chain_of_100k_nodes_builds_hashes_prints_parses_and_interprets() {
    on_small_stack(|| {
        let mut x = Array::from(ndarray::Array1::<f64>::from_elem(8, 0.5));
        for i in 0..100_000 {
            x = match i % 4 {
                0 => &x + 1.0,
                1 => &x * 0.5,
                2 => x.sin(),
                _ => -&x,
            };
        }
        let program = x.program().unwrap();
        assert!(program.len() >= 100_000);
        program.verify().unwrap();
        let hash = program.canonical_hash();
        let text = program.to_string();
        let parsed: Program = text.parse().unwrap();
        assert_eq!(parsed.canonical_hash(), hash);
        let _dot = program.to_dot();
        let value = x.to_ndarray::<f64>().unwrap();
        assert!(value.iter().all(|v| v.is_finite()));
        drop(program);
        drop(parsed);
        drop(x); // dropping the handle chain must not recurse either
    });
}
