"""Exports the two kernels examples/export/main.c uses, into build/:

  row_softmax(logits)        float64 (n0, n1) -> (n0, n1), any sizes (dynamic=True;
                             traced at (1000, 10))
  logistic_grad(w, X, y)     the gradient of the mean logistic loss with respect to w:
                             float64 (10,), (1000, 10), (1000,) -> (10,)

Run by `make example-export` (which then builds and runs main.c, with no Python)."""

import pathlib
import sys

import numpy as np

import lazyfuse as lf
import lazyfuse.numpy as lnp

N, D = 1000, 10


def row_softmax(logits):
    e = lnp.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def logistic_loss(w, X, y):
    # y in {-1, +1}: the mean of log(1 + exp(-y <x, w>)).
    return lnp.mean(lnp.logaddexp(0.0, -y * (X @ w)))


def main(out_dir):
    x = np.zeros((N, D))
    for f, args, name, dynamic in [
            (row_softmax, (x,), "row_softmax", True),
            (lf.grad(logistic_loss), (np.zeros(D), x, np.zeros(N)), "logistic_grad", False)]:
        ex = lf.export(f, *args, name=name, out_dir=out_dir, dynamic=dynamic)
        print(f"exported {name}: {ex.shared_library} (for {ex.cpu}; links {' '.join(ex.link_flags())})")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent / "build"))
