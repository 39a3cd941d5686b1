"""`make demo`: what a NumPy user sees. The same NumPy code, with one import changed,
runs as fused kernels compiled for this CPU; results are checked against NumPy and
timed side by side (medians of several calls, after a first call that compiles).
"""

import statistics
import time

import numpy

import lazyfuse
import lazyfuse.numpy as lnp


def softmax(np, x):
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def fused(np, a, b, c):
    return np.sqrt(a * a + b * b) * np.tanh(c) + 0.5 * np.exp(-a)


def mlp_loss(np, params, X, Y):
    """A two-layer perceptron's softmax cross-entropy: the model both libraries train."""
    (W1, b1), (W2, b2) = params
    z = np.tanh(X @ W1 + b1) @ W2 + b2
    m = z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z - m).sum(axis=1, keepdims=True)) + m
    return -np.mean(np.sum(Y * (z - lse), axis=1))


def training(rng):
    """SGD steps of value_and_grad, lazyfuse and (where installed) its JAX twin."""
    X = rng.standard_normal((512, 64))
    labels = (X[:, :10] @ rng.standard_normal((10, 10))).argmax(axis=1)
    Y = numpy.eye(10)[labels]
    init = [(rng.normal(0, 0.1, (64, 128)), numpy.zeros(128)),
            (rng.normal(0, 0.1, (128, 10)), numpy.zeros(10))]
    step_fn = lazyfuse.value_and_grad(lambda p, x, y: mlp_loss(lnp, p, x, y))

    def sgd(vg, params, steps, lr=0.5):
        losses = []
        for _ in range(steps):
            loss, grads = vg(params, X, Y)
            params = [(numpy.asarray(W) - lr * numpy.asarray(gW),
                       numpy.asarray(b) - lr * numpy.asarray(gb))
                      for (W, b), (gW, gb) in zip(params, grads)]
            losses.append(float(loss))
        return params, losses

    print("\nTraining a 64-128-10 perceptron (softmax cross-entropy, 512 examples) with\n"
          "lazyfuse.value_and_grad: the loss and its gradient are one compiled program.")
    first = time.perf_counter()
    params, losses = sgd(step_fn, init, 1)
    first = (time.perf_counter() - first) * 1e3
    start = time.perf_counter()
    params, more = sgd(step_fn, params, 50)
    per_step = (time.perf_counter() - start) * 1e3 / 50
    losses += more
    print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f} in 51 steps; {per_step:.2f} ms per step "
          f"(first step {first:.0f} ms, compiling or loading included)")
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        print("(JAX is not installed: `make bench` installs it for the side-by-side run)")
        return
    jax.config.update("jax_enable_x64", True)
    twin = jax.jit(jax.value_and_grad(lambda p, x, y: mlp_loss(jnp, p, x, y)))
    _, jax_losses = sgd(twin, init, 1)
    start = time.perf_counter()
    _, jax_more = sgd(twin, init, 50)
    jax_step = (time.perf_counter() - start) * 1e3 / 50
    numpy.testing.assert_allclose(losses[0], jax_losses[0], rtol=1e-10)
    print(f"JAX twin (jax.jit(jax.value_and_grad(...))): {jax_step:.2f} ms per step; the first "
          f"losses agree ({losses[0]:.6f} vs {jax_losses[0]:.6f})")


def median_ms(f, calls=7):
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def show(name, numpy_fn, lazy_fn):
    first = time.perf_counter()
    got = lazy_fn()
    first = (time.perf_counter() - first) * 1e3
    want = numpy_fn()
    # Equal up to rounding (both libraries round transcendental functions slightly
    # differently; terms that cancel leave differences of a few ulp of the terms).
    numpy.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14 * numpy.abs(want).max())
    ours, theirs = median_ms(lazy_fn), median_ms(numpy_fn)
    print(f"{name}: lazyfuse {ours:.1f} ms (first call {first:.0f} ms, compiling or loading included), "
          f"NumPy {theirs:.1f} ms: {theirs / ours:.1f}x faster; results equal to NumPy's")


def main():
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((4000, 2500))
    a, b, c = (rng.standard_normal(4_000_000) for _ in range(3))

    print("Row softmax of a 4000x2500 float64 matrix, written as NumPy code:\n")
    print(lazyfuse.explain(softmax(lnp, lnp.asarray(x))))
    print()
    show("softmax", lambda: softmax(numpy, x),
         lambda: numpy.asarray(softmax(lnp, lnp.asarray(x))))

    print("\nsqrt(a*a + b*b) * tanh(c) + 0.5 * exp(-a) on 4M float64 each:\n")
    explanation = lazyfuse.explain(fused(lnp, lnp.asarray(a), lnp.asarray(b), lnp.asarray(c)))
    print(f"{len(explanation.kernels)} kernel after optimisation:")
    print(explanation.kernels[0])
    show("fused expression", lambda: fused(numpy, a, b, c),
         lambda: numpy.asarray(fused(lnp, lnp.asarray(a), lnp.asarray(b), lnp.asarray(c))))

    jitted = lazyfuse.jit(lambda a, b, c: fused(lnp, a, b, c))
    show("the same, jitted", lambda: fused(numpy, a, b, c), lambda: jitted(a, b, c))
    training(rng)
    print(f"\nkernel cache (disk_hits: kernels loaded from the on-disk cache a previous run "
          f"filled): {lazyfuse.cache_info()}")


if __name__ == "__main__":
    main()
