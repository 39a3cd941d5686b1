"""value_and_grad side by side: lazyfuse (``lazyfuse.value_and_grad``, compiled per
signature), JAX (``jax.jit(jax.value_and_grad(f))``, 64-bit enabled) and a hand-written
NumPy gradient, on four workloads: a 784-512-512-10 MLP with softmax cross-entropy on a
batch of 256 (float32), logistic regression on 1M x 32 (float64), Rosenbrock on 10M
(float64), and a 2-D heat-equation residual written with slicing stencils on 2000 x 2000
(float64). Medians of several calls in one process; first calls (tracing and compiling
included) reported apart. Every result is checked against NumPy's.

    python benches/python/gradients.py [--markdown FILE]
"""

import argparse
import statistics
import time

import numpy

import lazyfuse
import lazyfuse.numpy as lnp

try:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
except ImportError:  # JAX is optional (make bench installs it)
    jax = jnp = None


def median_ms(fn, repeat=7):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        if jax is not None:
            jax.block_until_ready(out)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def first_ms(fn):
    t = time.perf_counter()
    out = fn()
    if jax is not None:
        jax.block_until_ready(out)
    return (time.perf_counter() - t) * 1e3, out


# --- the four losses, written once against a NumPy-like namespace ----------------------

def mlp_loss(np, W1, W2, W3, X, Y):
    h = np.tanh(X @ W1)
    h = np.tanh(h @ W2)
    z = h @ W3
    m = z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z - m).sum(axis=1, keepdims=True)) + m
    return -np.mean(np.sum(Y * (z - lse), axis=1))


def logistic_loss(np, w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def rosenbrock(np, x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def heat_residual(np, u):
    lap = u[1:-1, :-2] + u[1:-1, 2:] + u[:-2, 1:-1] + u[2:, 1:-1] - 4.0 * u[1:-1, 1:-1]
    return np.sum(lap ** 2)


# --- hand-written NumPy gradients -------------------------------------------------------

def mlp_numpy(W1, W2, W3, X, Y):
    a1 = numpy.tanh(X @ W1)
    a2 = numpy.tanh(a1 @ W2)
    z = a2 @ W3
    z = z - z.max(axis=1, keepdims=True)
    p = numpy.exp(z)
    s = p.sum(axis=1, keepdims=True)
    loss = -numpy.mean(numpy.sum(Y * (z - numpy.log(s)), axis=1))
    dz = (p / s - Y) / X.shape[0]
    dW3 = a2.T @ dz
    d2 = (dz @ W3.T) * (1 - a2 * a2)
    dW2 = a1.T @ d2
    d1 = (d2 @ W2.T) * (1 - a1 * a1)
    return loss, (X.T @ d1, dW2, dW3)


def logistic_numpy(w, X, y):
    z = X @ w
    loss = numpy.mean(numpy.logaddexp(0.0, z) - y * z)
    return loss, X.T @ ((1 / (1 + numpy.exp(-z)) - y) / len(y))


def rosenbrock_numpy(x):
    d = x[1:] - x[:-1] ** 2
    e = 1.0 - x[:-1]
    g = numpy.zeros_like(x)
    g[:-1] = -400.0 * d * x[:-1] - 2.0 * e
    g[1:] += 200.0 * d
    return numpy.sum(100.0 * d * d + e * e), g


def heat_numpy(u):
    lap = u[1:-1, :-2] + u[1:-1, 2:] + u[:-2, 1:-1] + u[2:, 1:-1] - 4.0 * u[1:-1, 1:-1]
    g = numpy.zeros_like(u)
    r = 2.0 * lap
    g[1:-1, :-2] += r
    g[1:-1, 2:] += r
    g[:-2, 1:-1] += r
    g[2:, 1:-1] += r
    g[1:-1, 1:-1] -= 4.0 * r
    return numpy.sum(lap ** 2), g


def workloads():
    rng = numpy.random.default_rng(0)
    f32 = numpy.float32
    mlp_args = (rng.normal(0, 0.05, (784, 512)).astype(f32),
                rng.normal(0, 0.05, (512, 512)).astype(f32),
                rng.normal(0, 0.05, (512, 10)).astype(f32),
                rng.normal(size=(256, 784)).astype(f32),
                numpy.eye(10, dtype=f32)[rng.integers(0, 10, 256)])
    X = rng.normal(size=(1_000_000, 32))
    logistic_args = (rng.normal(size=32) * 0.1, X, (rng.random(1_000_000) < 0.5) * 1.0)
    return [
        ("MLP 784-512-512-10, batch 256 (float32)", mlp_loss, mlp_args, (0, 1, 2), mlp_numpy,
         3e-3),
        ("logistic regression 1M x 32", logistic_loss, logistic_args, 0, logistic_numpy, 1e-9),
        ("Rosenbrock 10M", rosenbrock, (rng.random(10_000_000) * 2,), 0, rosenbrock_numpy,
         1e-9),
        ("heat residual 2000 x 2000", heat_residual, (rng.random((2000, 2000)),), 0,
         heat_numpy, 1e-9),
    ]


def close(got, want, rtol):
    got = [numpy.asarray(g) for g in (got if isinstance(got, tuple) else (got,))]
    want = [numpy.asarray(w) for w in (want if isinstance(want, tuple) else (want,))]
    for g, w in zip(got, want):
        numpy.testing.assert_allclose(g, w, rtol=rtol, atol=rtol * numpy.abs(w).max())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--markdown", help="append the table to this file")
    args = parser.parse_args()
    rows = []
    for name, loss, inputs, argnums, numpy_vg, rtol in workloads():
        ours = lazyfuse.value_and_grad(lambda *a, loss=loss: loss(lnp, *a), argnums=argnums)
        first, (value, grads) = first_ms(lambda: ours(*inputs))
        want_value, want_grads = numpy_vg(*inputs)
        close(float(numpy.asarray(value)), float(want_value), rtol)
        close(grads, want_grads, rtol)
        t_ours = median_ms(lambda: ours(*inputs))
        t_numpy = median_ms(lambda: numpy_vg(*inputs))
        t_jax = jax_first = None
        if jax is not None:
            theirs = jax.jit(jax.value_and_grad(lambda *a, loss=loss: loss(jnp, *a),
                                                argnums=argnums))
            jax_inputs = [jnp.asarray(a) for a in inputs]
            jax_first, (jv, jg) = first_ms(lambda: theirs(*jax_inputs))
            close(jg, want_grads, max(rtol, 1e-6))
            t_jax = median_ms(lambda: theirs(*jax_inputs))
        rows.append((name, t_ours, first, t_jax, jax_first, t_numpy))
        jax_text = "" if t_jax is None else f", JAX {t_jax:.2f} ms ({t_jax / t_ours:.2f}x)"
        print(f"{name}: lazyfuse {t_ours:.2f} ms (first {first:.0f} ms){jax_text}, "
              f"NumPy by hand {t_numpy:.2f} ms ({t_numpy / t_ours:.2f}x)", flush=True)
    table = ["| value_and_grad | lazyfuse ms | first call ms | JAX ms | JAX first ms | NumPy "
             "by hand ms | JAX / lazyfuse | NumPy / lazyfuse |",
             "|---|---|---|---|---|---|---|---|"]
    for name, ours, first, theirs, jfirst, nump in rows:
        j = "-" if theirs is None else f"{theirs:.2f}"
        jf = "-" if jfirst is None else f"{jfirst:.0f}"
        jr = "-" if theirs is None else f"{theirs / ours:.2f}x"
        table.append(f"| {name} | {ours:.2f} | {first:.0f} | {j} | {jf} | {nump:.2f} | {jr} | "
                     f"{nump / ours:.2f}x |")
    print("\n".join(table))
    if args.markdown:
        with open(args.markdown, "a") as f:
            f.write("\n## Gradients (`benches/python/gradients.py`)\n\n" + "\n".join(table) + "\n")


if __name__ == "__main__":
    main()
