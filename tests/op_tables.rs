//! The NumPy names of lazyfuse's ops live in one place, `ir/src/op.rs`
//! (`UnaryOp::numpy_names`, `BinaryOp::numpy_names`, `ReduceOp::numpy_name`). This test
//! writes them out as Python for the package (`_ops.py`: the tables; `_ufuncs.py`: one
//! explicit function per name, so IDEs and linters see them) and fails when the
//! committed files are stale. `LAZYFUSE_BLESS=1 cargo test --test op_tables` rewrites them.

use std::fmt::Write as _;
use std::path::Path;

use lazyfuse_ir::{BinaryOp, ReduceOp, UnaryOp};

const GENERATED: &str = "Generated from ir/src/op.rs by tests/op_tables.rs: do not edit; change op.rs and\nrun `LAZYFUSE_BLESS=1 cargo test --test op_tables`.";

fn names_tuple(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    if quoted.len() == 1 {
        format!("({},)", quoted[0])
    } else {
        format!("({})", quoted.join(", "))
    }
}

fn ops_py() -> String {
    let mut s = format!(
        "\"\"\"The names lazyfuse.numpy gives each op of the IR.\n\n{GENERATED}\nPlain data with no imports, so test scripts can load it by path.\n\"\"\"\n\n"
    );
    s.push_str("# IR unary op -> its names: NumPy's ufunc first, then aliases.\nUNARY = {\n");
    for op in UnaryOp::ALL {
        writeln!(
            s,
            "    \"{}\": {},",
            op.name(),
            names_tuple(op.numpy_names())
        )
        .unwrap();
    }
    s.push_str(
        "}\n\n# Unary ops NumPy does not have (lazyfuse's own functions).\nNOT_IN_NUMPY = (",
    );
    let own: Vec<String> = UnaryOp::ALL
        .iter()
        .filter(|op| !op.is_numpy_ufunc())
        .map(|op| format!("\"{}\"", op.name()))
        .collect();
    s.push_str(&own.join(", "));
    s.push_str(
        ",)\n\n# IR binary op -> its names: NumPy's ufunc first, then aliases.\nBINARY = {\n",
    );
    for op in BinaryOp::ALL {
        writeln!(
            s,
            "    \"{}\": {},",
            op.name(),
            names_tuple(op.numpy_names())
        )
        .unwrap();
    }
    s.push_str("}\n\n# IR reduction -> NumPy's function.\nREDUCE = {\n");
    for op in ReduceOp::ALL {
        writeln!(s, "    \"{}\": \"{}\",", op.name(), op.numpy_name()).unwrap();
    }
    s.push_str("}\n");
    s
}

fn ufuncs_py() -> String {
    let mut s = format!(
        "\"\"\"lazyfuse.numpy's elementwise functions, one definition per name; each builds a\nlazy node (nothing is computed) and is a ufunc (`_ufunc.py`: NumPy's methods).\n\n{GENERATED}\n\"\"\"\n\nfrom ._core import _binary, _ufunc_into, _unary\nfrom ._ufunc import binary, unary\n\n"
    );
    let mut all = Vec::new();
    let mut defs = String::new();
    for op in UnaryOp::ALL {
        for name in op.numpy_names() {
            all.push(*name);
            writeln!(
                defs,
                "\n@unary\ndef {name}(x, /, out=None, *, where=True, dtype=None):\n    \"\"\"Elementwise {name} (IR op ``{}``).\"\"\"\n    if out is not None or where is not True:\n        return _ufunc_into(\"{name}\", (x,), out, where, dtype)\n    return _unary(\"{}\", x, dtype)\n",
                op.name(),
                op.name()
            )
            .unwrap();
        }
    }
    for op in BinaryOp::ALL {
        for name in op.numpy_names() {
            all.push(*name);
            writeln!(
                defs,
                "\n@binary\ndef {name}(x1, x2, /, out=None, *, where=True, dtype=None):\n    \"\"\"Elementwise {name} (IR op ``{}``).\"\"\"\n    if out is not None or where is not True:\n        return _ufunc_into(\"{name}\", (x1, x2), out, where, dtype)\n    return _binary(\"{}\", x1, x2, dtype)\n",
                op.name(),
                op.name()
            )
            .unwrap();
        }
    }
    s.push_str("__all__ = [\n");
    for chunk in all.chunks(6) {
        let quoted: Vec<String> = chunk.iter().map(|n| format!("\"{n}\"")).collect();
        writeln!(s, "    {},", quoted.join(", ")).unwrap();
    }
    s.push_str("]\n\n");
    s.push_str(defs.trim_end());
    s.push('\n');
    s
}

fn check_or_bless(path: &str, want: &str) {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let have = std::fs::read_to_string(&full).unwrap_or_default();
    if have == want {
        return;
    }
    if std::env::var_os("LAZYFUSE_BLESS").is_some() {
        std::fs::write(&full, want).unwrap();
        return;
    }
    panic!(
        "{path} is stale: run `LAZYFUSE_BLESS=1 cargo test --test op_tables` and review the diff"
    );
}

#[test]
fn python_op_tables_are_generated_from_op_rs() {
    check_or_bless("frontend/python/lazyfuse/_ops.py", &ops_py());
    check_or_bless("frontend/python/lazyfuse/_ufuncs.py", &ufuncs_py());
}

#[test]
fn numpy_names_are_unique() {
    let mut names: Vec<&str> = UnaryOp::ALL
        .iter()
        .flat_map(|o| o.numpy_names().iter().copied())
        .chain(
            BinaryOp::ALL
                .iter()
                .flat_map(|o| o.numpy_names().iter().copied()),
        )
        .collect();
    let n = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), n, "a NumPy name maps to two ops");
}
