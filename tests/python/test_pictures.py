"""Pictures: explain() objects and lazy arrays render in notebooks (SVG through
Graphviz when it is installed, text otherwise); visualize() writes files."""

import numpy as onp
import pytest

import lazyfuse
import lazyfuse.numpy as np
from lazyfuse import _pictures


def _softmax():
    x = np.asarray(onp.random.default_rng(0).standard_normal((8, 5)))
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_explanation_draws_before_and_after_with_kernels_as_clusters():
    e = lazyfuse.explain(_softmax())
    dot = e.to_dot()
    assert dot.startswith("digraph explain")
    assert "cluster_before" in dot and 'label="after: 1 kernel"' in dot
    assert dot.count("subgraph cluster_a_kernel") == len(e.kernels) == 1


def test_html_is_an_svg_with_graphviz_and_text_without(monkeypatch):
    e = lazyfuse.explain(_softmax())
    if _pictures.graphviz_available():
        page = e._repr_html_()
        assert "<svg" in page and "kernel 0" in page
    monkeypatch.setattr(_pictures.shutil, "which", lambda name: None)
    page = e._repr_html_()
    assert "<svg" not in page and page.startswith("<pre>") and "reduce_max" in page


def test_a_lazy_array_shows_its_pending_program_without_computing():
    y = _softmax()
    page = y._repr_html_()
    assert "shape=(8, 5)" in page and "float64" in page and "not computed" in page
    assert ("<svg" in page) == _pictures.graphviz_available()


def test_visualize_writes_dot_and_rendered_files(tmp_path):
    y = _softmax()
    e = lazyfuse.visualize(y, filename=tmp_path / "softmax.dot")
    assert isinstance(e, lazyfuse.Explanation)
    assert (tmp_path / "softmax.dot").read_text() == e.to_dot()
    if _pictures.graphviz_available():
        lazyfuse.visualize(y, filename=tmp_path / "softmax.svg")
        assert (tmp_path / "softmax.svg").read_bytes().lstrip().startswith(b"<")
    else:
        with pytest.raises(RuntimeError, match="graphviz"):
            lazyfuse.visualize(y, filename=tmp_path / "softmax.svg")
    with pytest.raises(ValueError, match="extension"):
        lazyfuse.visualize(y, filename=tmp_path / "softmax")
    # f traced on example arguments, as explain takes it.
    f = lambda a: np.sin(a) * 2  # noqa: E731
    assert "sin" in lazyfuse.visualize(f, onp.ones(3)).to_dot()
