"""Every program of the corpus (benches/programs) runs unchanged under lazyfuse at its
small size and agrees with NumPy: results and every argument it writes (issue 10)."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "benches" / "programs"))
import runner  # noqa: E402


@pytest.mark.eager
@pytest.mark.parametrize("path", runner.discover(), ids=lambda p: p.stem)
def test_program_agrees_with_numpy(path):
    """As users run it: tiny arrays eager (the default), the rest lazy."""
    row = runner.run_program(path, "small")
    assert row["ok"], row.get("traceback", row["error"])


@pytest.mark.parametrize("path", runner.discover(), ids=lambda p: p.stem)
def test_program_agrees_with_numpy_all_lazy(path):
    """Every operation lazy (compiled), whatever the size."""
    row = runner.run_program(path, "small")
    assert row["ok"], row.get("traceback", row["error"])


def test_the_checker_catches_a_difference():
    import numpy as np
    with pytest.raises(AssertionError):
        runner.check("x", np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-6]))
    with pytest.raises(AssertionError):
        runner.check("x", np.array([1, 2], dtype=np.int32), np.array([1, 2]))
    with pytest.raises(AssertionError):
        runner.check("x", (np.zeros(2),), (np.zeros(2), 1.0))


def test_the_corpus_is_large_enough():
    assert len(runner.discover()) >= 40
