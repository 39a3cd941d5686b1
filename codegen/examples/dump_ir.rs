//! Prints the LLVM IR of the first loop kernel of a program given as text on stdin:
//! `cargo run -p lazyfuse-codegen --example dump_ir [--raw] < program.txt`.
use std::io::Read;

fn main() {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).unwrap();
    let raw = std::env::args().any(|a| a == "--raw");
    let program: lazyfuse_ir::Program = text.parse().unwrap();
    let plan = lazyfuse_optimizer::plan(&program, &Default::default()).unwrap();
    let dtypes: Vec<_> = plan.buffers.iter().map(|b| b.ty.dtype).collect();
    for k in &plan.kernels {
        if let lazyfuse_ir::kernel::Kernel::Loop(l) = k {
            println!(
                "{}",
                lazyfuse_codegen::CpuExecutor::global()
                    .kernel_ir(l, &dtypes, !raw)
                    .unwrap()
            );
            break;
        }
    }
}
