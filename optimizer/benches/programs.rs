//! Benchmark programs shared by the optimizer benchmark and the `bench_report` example.

use lazyfuse_ir::Program;

/// A program of roughly `nodes` nodes: repeated blocks of typical array code.
pub fn realistic_program(nodes: usize) -> Program {
    let mut lines = vec![
        "  k2: f64[] = const[2.0]".to_string(),
        "  k3: f64[] = const[0.5]".to_string(),
    ];
    let mut x = "a".to_string();
    let mut i = 0;
    while lines.len() < nodes {
        let block = [
            format!("  p{i}: f64[64,128] = pow {x} k2"),
            format!("  e{i}: f64[64,128] = exp {x}"),
            format!("  f{i}: f64[64,128] = exp p{i}"),
            format!("  g{i}: f64[64,128] = mul e{i} f{i}"),
            format!("  h{i}: f64[64,128] = mul g{i} k3"),
            format!("  m{i}: f64[64,1] = reduce_max[axes=(1), keepdims] h{i}"),
            format!("  s{i}: f64[64,128] = sub h{i} m{i}"),
            format!("  t{i}: f64[64,128] = exp s{i}"),
            format!("  u{i}: f64[64,1] = reduce_sum[axes=(1), keepdims] t{i}"),
            format!("  v{i}: f64[64,128] = div t{i} u{i}"),
            format!("  w{i}: f64[64,128] = mul v{i} b"),
            format!("  x{i}: f64[64,128] = add w{i} {x}"),
        ];
        lines.extend(block);
        x = format!("x{i}");
        i += 1;
    }
    let text = format!(
        "program(a: f64[64,128], b: f64[128]) {{\n{}\n  return {x}\n}}",
        lines.join("\n")
    );
    text.parse().expect("valid program")
}
