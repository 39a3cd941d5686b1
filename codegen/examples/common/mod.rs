//! What the timing examples share: a program read as text from stdin, and inputs for it.

use std::io::Read;

/// The program given as text on stdin, and its inputs (float64 or float32, filled with
/// 0.5).
pub fn program_and_inputs() -> (lazyfuse_ir::Program, Vec<lazyfuse_ir::Value>) {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).unwrap();
    let program: lazyfuse_ir::Program = text.parse().unwrap();
    let inputs = program
        .inputs()
        .iter()
        .map(|t| {
            let dims = ndarray::IxDyn(t.shape.dims());
            match t.dtype {
                lazyfuse_ir::DType::F64 => {
                    lazyfuse_ir::Value::from_array(ndarray::ArrayD::from_elem(dims, 0.5f64))
                }
                lazyfuse_ir::DType::F32 => {
                    lazyfuse_ir::Value::from_array(ndarray::ArrayD::from_elem(dims, 0.5f32))
                }
                other => panic!("float64 or float32 inputs only, not {other:?}"),
            }
        })
        .collect();
    (program, inputs)
}
