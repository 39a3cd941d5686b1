"""The committed vector math constants are exactly what the generator computes."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_committed_vmath_tables_match_the_generator():
    generated = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_vmath_tables.py")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    committed = (ROOT / "codegen" / "src" / "llvm" / "vmath_tables.rs").read_text()
    assert committed == generated, "run scripts/gen_vmath_tables.py and review the diff"
