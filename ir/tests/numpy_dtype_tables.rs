//! lazyfuse's dtype rules against NumPy's own answers (tables produced by NumPy:
//! tests/python/gen_dtype_tables.py; their freshness is checked by pytest).

use lazyfuse_ir::{
    binary_dtype, promote, promote_weak, reduce_dtype, unary_dtype, BinaryOp, DType, ReduceOp,
    UnaryOp, WeakKind,
};

fn rows(file: &str) -> Vec<Vec<String>> {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn dtype(name: &str) -> DType {
    DType::from_name(name).unwrap_or_else(|| panic!("unknown dtype {name}"))
}

/// NumPy's answer as what lazyfuse must give: a dtype, or an error where NumPy raises
/// or answers a dtype lazyfuse does not have.
fn expected(answer: &str) -> Option<DType> {
    match answer {
        "error" | "unsupported" => None,
        d => Some(dtype(d)),
    }
}

#[test]
fn promotion_matches_numpy() {
    let table = rows("promotion.tsv");
    let n = DType::ALL.len();
    assert_eq!(table.len(), n * (n + 4)); // every pair, and each dtype with 4 weak kinds
    for row in table {
        let a = dtype(&row[0]);
        let got = match row[1].as_str() {
            "weak_bool" => promote_weak(a, WeakKind::Bool),
            "weak_int" => promote_weak(a, WeakKind::Int),
            "weak_float" => promote_weak(a, WeakKind::Float),
            "weak_complex" => promote_weak(a, WeakKind::Complex),
            b => promote(a, dtype(b)),
        };
        assert_eq!(got, dtype(&row[2]), "{} with {}", row[0], row[1]);
    }
}

#[test]
fn op_result_dtypes_match_numpy() {
    let n = DType::ALL.len();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for row in rows("op_dtypes.tsv") {
        let (op, operands, want) = (&row[0], &row[1], expected(&row[2]));
        let got = if let Some(u) = UnaryOp::from_name(op) {
            unary_dtype(u, dtype(operands)).ok()
        } else if let Some(b) = BinaryOp::from_name(op) {
            let (x, y) = operands.split_once(',').expect("two operands");
            binary_dtype(b, dtype(x), dtype(y)).ok()
        } else if let Some(r) = ReduceOp::from_name(op) {
            Some(reduce_dtype(r, dtype(operands)))
        } else {
            panic!("unknown op {op} in the table")
        };
        if got != want {
            wrong.push(format!(
                "{op}({operands}): NumPy says {}, lazyfuse {got:?}",
                row[2]
            ));
        }
        checked += 1;
    }
    assert!(
        wrong.is_empty(),
        "{} rules differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // Every unary, binary and reduction op on every dtype (combination), but the binary
    // ops NumPy does not have (philox).
    let numpy_binary = BinaryOp::ALL
        .iter()
        .filter(|o| !o.numpy_names().is_empty())
        .count();
    assert_eq!(
        checked,
        UnaryOp::ALL.len() * n + numpy_binary * n * n + ReduceOp::ALL.len() * n
    );
}
