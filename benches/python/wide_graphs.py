"""First-call time of wide and deep lazy graphs (issue 18's blow-ups): a balanced
add/mul tree over N inputs, lazyfuse.eval of N outputs x * i, and a chain of N
operations. First calls include optimising, planning and compiling. `.venv/bin/python benches/python/wide_graphs.py`."""

import time

import numpy as onp

import lazyfuse
import lazyfuse.numpy as np


def tree(n):
    xs = [np.asarray(onp.full(4, float(i))) for i in range(n)]
    level = 0
    while len(xs) > 1:
        nxt = [xs[i] + xs[i + 1] if level % 2 == 0 else xs[i] * xs[i + 1] * 0.5
               for i in range(0, len(xs) - 1, 2)]
        if len(xs) % 2:
            nxt.append(xs[-1])
        xs, level = nxt, level + 1
    return xs[0]


def main():
    # Every operation lazy: at the default eager limit these 4-element arrays would be
    # computed by NumPy as they are built, and nothing here would be measured.
    lazyfuse.set_eager_limit(0)
    for n in (1024, 2048, 4096):
        t = tree(n)
        start = time.perf_counter()
        onp.asarray(t)
        print(f"balanced tree over {n} inputs: first call {time.perf_counter() - start:.2f} s")
    x = np.asarray(onp.ones(100))
    for n in (500, 2000):
        outs = [x * i for i in range(n)]
        start = time.perf_counter()
        lazyfuse.eval(*outs)
        print(f"eval of {n} outputs x * i: {time.perf_counter() - start:.2f} s")
    for n in (5_000, 10_000):
        start = time.perf_counter()
        onp.asarray(deep_chain(x, n))
        print(f"chain of {n} operations (sin, scale, add): first call "
              f"{time.perf_counter() - start:.2f} s")


def deep_chain(x, nodes):
    """A chain of `nodes` operations, each reading the previous result (and x)."""
    y = x
    for i in range(nodes):
        y = np.sin(y) if i % 3 == 0 else (y * 0.9 if i % 3 == 1 else y + x)
    return y


if __name__ == "__main__":
    main()
