"""grad, value_and_grad, vjp, jacrev, hessian and stop_gradient against central finite
differences (float64), JAX's semantics, and their compositions with jit."""

import numpy as onp
import pytest
from hypothesis import given, settings, strategies as st

import lazyfuse as lf
import lazyfuse.numpy as np

RNG = onp.random.default_rng(7)


def numeric_grad(f, args, argnum, h=1e-6):
    """Central differences of the float f(*args) with respect to args[argnum]."""
    x = onp.array(args[argnum], dtype=float)
    g = onp.zeros_like(x)
    for i in onp.ndindex(x.shape):
        def at(delta):
            moved = x.copy()
            moved[i] += delta
            a = list(args)
            a[argnum] = moved
            return float(onp.asarray(f(*a)))
        g[i] = (at(h) - at(-h)) / (2 * h)
    return g


def close(got, want):
    onp.testing.assert_allclose(onp.asarray(got), want, rtol=1e-5, atol=1e-7)


def softmax_xent(logits, labels):
    m = logits.max(axis=1, keepdims=True)
    lse = np.log(np.exp(logits - m).sum(axis=1, keepdims=True)) + m
    return -np.mean(np.sum(labels * (logits - lse), axis=1))


def mlp(W1, W2, X):
    return np.sum(np.tanh(np.tanh(X @ W1) @ W2) ** 2)


FUNCTIONS = [
    ("exp-sin", lambda x: np.sum(np.exp(x) * np.sin(x)), [(5,)]),
    ("log-sqrt", lambda x: np.sum(np.log(x * x + 1) / np.sqrt(x * x + 2)), [(3, 4)]),
    ("broadcast", lambda x, y: np.sum((x + y) * x / (y * y + 1)), [(3, 4), (4,)]),
    ("reductions", lambda x: np.sum(x.max(axis=0)) + np.mean(x.min(axis=1) ** 2)
     + np.prod(x[:2], axis=1).sum(), [(3, 4)]),
    ("slices", lambda x: np.sum(x[::2, 1:] * x[1::-1, :-1]) + np.sum(x.T[::-2] ** 3),
     [(4, 5)]),
    ("matmul", lambda a, b: np.sum((a @ b) ** 2), [(3, 4), (4, 2)]),
    ("matvec", lambda a, v: np.sum(np.tanh(a @ v)), [(3, 4), (4,)]),
    ("concat-where", lambda x: np.sum(np.where(x > 0, x ** 2, -x) +
                                      np.concatenate([x, 2 * x], axis=0)[1:4]), [(3, 2)]),
    ("softmax-xent", lambda z: softmax_xent(z, onp.eye(4)[[0, 2, 1]]), [(3, 4)]),
    ("maximum-clip", lambda x: np.sum(np.maximum(x, 0.1) + np.clip(x, -0.5, 0.5) ** 2), [(6,)]),
    ("pow-arctan2", lambda x, y: np.sum(np.abs(x) ** y + np.arctan2(x, y)), [(4,), (4,)]),
    ("mlp", mlp, [(3, 4), (4, 2), (5, 3)]),
]


@pytest.mark.parametrize("name,f,shapes", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_gradients_match_finite_differences(name, f, shapes):
    args = [RNG.uniform(0.2, 1.2, s) * RNG.choice([-1, 1], s) for s in shapes]
    if name == "pow-arctan2":
        args[1] = onp.abs(args[1]) + 0.5
    grads = lf.grad(f, argnums=tuple(range(len(args))))(*args)
    for k, g in enumerate(grads):
        assert onp.asarray(g).shape == args[k].shape
        close(g, numeric_grad(f, args, k))
    value, g0 = lf.value_and_grad(f)(*args)
    close(value, float(onp.asarray(f(*args))))
    close(g0, grads[0])


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=0, max_size=3),
       axis=st.integers(0, 2), keepdims=st.booleans(), seed=st.integers(0, 2**31))
def test_random_reductions_and_broadcasts(shape, axis, keepdims, seed):
    rng = onp.random.default_rng(seed)
    x = rng.normal(size=shape)
    y = rng.normal(size=shape[1:])
    axes = None if not shape else axis % len(shape)

    def f(x, y):
        s = np.sum(np.sin(x) * (y + 2), axis=axes, keepdims=keepdims)
        return np.sum(s * s) + np.mean(np.exp(x - y))

    gx, gy = lf.grad(f, argnums=(0, 1))(x, y)
    close(gx, numeric_grad(f, [x, y], 0))
    close(gy, numeric_grad(f, [x, y], 1))


def test_higher_order_and_compositions():
    x = onp.array([0.5, -1.0, 2.0])
    cube = lambda x: np.sum(x ** 3)
    # grad of grad (summed), hessian against the analytic 6x on the diagonal.
    close(lf.grad(lambda x: lf.grad(cube)(x).sum())(x), 6 * x)
    close(lf.hessian(cube)(x), onp.diag(6 * x))
    # No perturbation confusion: d/dx [d/dy sum(x*y)](x) = d/dx sum(x) = 1.
    close(lf.grad(lambda x: lf.grad(lambda y: np.sum(x * y))(x).sum())(x), onp.ones(3))
    # jit of grad, and grad inside jit, compile once per signature.
    jg = lf.jit(lf.grad(cube))
    close(jg(x), 3 * x ** 2)
    close(jg(x + 1), 3 * (x + 1) ** 2)
    inside = lf.jit(lambda x: lf.grad(cube)(x) * 2)
    close(inside(x), 6 * x ** 2)
    g = lf.grad(cube)
    g(x)
    before = lf.cache_info()["compiles"]
    g(x * 2)
    assert lf.cache_info()["compiles"] == before  # a new value reuses the compiled code


def test_vjp_jacrev_pytrees_and_aux():
    x = RNG.normal(size=(3,))
    out, vjp_fn = lf.vjp(lambda a: np.sin(a) * 2, x)
    close(out, 2 * onp.sin(x))
    (gx,) = vjp_fn(onp.array([1.0, 2.0, 3.0]))
    close(gx, 2 * onp.cos(x) * [1, 2, 3])
    close(lf.jacrev(lambda a: np.sin(a) * a[0])(x),
          onp.diag(onp.cos(x) * x[0]) + onp.outer(onp.sin(x), [1, 0, 0]))
    params = {"w": RNG.normal(size=(2, 3)), "b": RNG.normal(size=3)}

    def loss(p, X):
        pred = X @ p["w"] + p["b"]
        return np.sum(pred ** 2), pred.shape

    X = RNG.normal(size=(4, 2))
    g, aux = lf.grad(loss, has_aux=True)(params, X)
    assert aux == (4, 3) and set(g) == {"w", "b"}
    close(g["w"], 2 * X.T @ (X @ params["w"] + params["b"]))
    close(g["b"], 2 * (X @ params["w"] + params["b"]).sum(axis=0))


def test_semantics_and_errors_are_jaxs():
    x = onp.array([1.0, -2.0, 0.0])
    with pytest.raises(TypeError, match=r"scalar-output.*shape \(3,\)"):
        lf.grad(lambda a: a * 2)(x)
    with pytest.raises(TypeError, match="int64"):
        lf.grad(lambda a: np.sum(a))(onp.arange(3))
    with pytest.raises(TypeError, match="floating"):
        lf.grad(lambda a: np.sum(a > 0))(x)
    # Zero derivative for piecewise-constant ops; sign(0) for abs at 0; stop_gradient.
    close(lf.grad(lambda a: np.sum(np.floor(a) + np.sign(a) + (a > 0)))(x), onp.zeros(3))
    close(lf.grad(lambda a: np.sum(np.abs(a)))(x), [1.0, -1.0, 0.0])
    close(lf.grad(lambda a: np.sum(a * lf.stop_gradient(a)))(x), x)
    # maximum's tie splits the gradient as JAX's.
    close(lf.grad(lambda a: np.sum(np.maximum(a, 0.0)))(x), [1.0, 0.0, 0.5])
    # logaddexp at a tie is smooth: e^x / (e^x + e^y) = 1/2 on each side (a logistic
    # loss at w = 0 has every margin at the tie).
    z = onp.array([0.0, -0.0, 3.0, 1.0])
    for other in (0.0, onp.array([0.0, 0.0, 3.0, 0.0])):
        share = 1 / (1 + onp.exp(other - z))
        close(lf.grad(lambda a: np.sum(np.logaddexp(other, a)))(z), share)
        close(lf.grad(lambda a: np.sum(np.logaddexp(a, other)))(z), share)
    close(lf.grad(lambda a: np.sum(np.logaddexp2(0.0, a)))(z)[:2], [0.5, 0.5])
    # Fancy and mask indexing: each element gets the cotangents of its reads.
    idx = onp.array([0, 2, 2, 1, 2])
    close(lf.grad(lambda a: np.sum(np.sin(a[idx]) * onp.arange(5.0)))(x),
          [0.0 * onp.cos(x[0]), 3 * onp.cos(x[1]), (1 + 2 + 4) * onp.cos(x[2])])
    close(lf.grad(lambda a: np.sum(a[a.shape[0] - 1:] ** 2) + np.sum(a[onp.array(
        [True, False, True])] * 3))(x), [3.0, 0.0, 3.0 + 2 * x[2]])


def test_value_and_grad_is_one_program_sharing_the_forward_terms():
    z = RNG.normal(size=(8, 4))
    labels = onp.eye(4)[onp.arange(8) % 4]
    e = lf.explain(lf.value_and_grad(softmax_xent), z, labels)
    # exp(z - max) is computed once for the value and the gradient.
    assert e.after.count("= exp ") == 1
    value, g = lf.value_and_grad(softmax_xent)(z, labels)
    p = onp.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    close(g, (p - labels) / 8)


def test_against_jax_where_installed():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    W1, W2, X = RNG.normal(size=(3, 4)), RNG.normal(size=(4, 2)), RNG.normal(size=(5, 3))
    want = jax.grad(lambda a, b, c: jnp.sum(jnp.tanh(jnp.tanh(c @ a) @ b) ** 2),
                    argnums=(0, 1))(W1, W2, X)
    got = lf.grad(mlp, argnums=(0, 1))(W1, W2, X)
    for g, w in zip(got, want):
        close(g, onp.asarray(w))
    # Complex gradients (JAX's convention), holomorphic ones, jvp and vjp.
    z = RNG.normal(size=4) + 1j * RNG.normal(size=4)
    w = RNG.normal(size=4) + 1j * RNG.normal(size=4)
    for f in (lambda m: lambda z: (m.abs(z) ** 2).sum() + m.real(z @ w),
              lambda m: lambda z: m.angle(m.exp(z) * m.conj(z)).sum()):
        close(lf.grad(f(np))(z), onp.asarray(jax.grad(f(jnp))(z)))
    holo = lambda m: lambda z: (m.exp(z) * z + 1 / z).sum()
    close(lf.grad(holo(np), holomorphic=True)(z),
          onp.asarray(jax.grad(holo(jnp), holomorphic=True)(z)))
    close(lf.vjp(lambda z: np.exp(z) * np.conj(z), z)[1](w)[0],
          onp.asarray(jax.vjp(lambda z: jnp.exp(z) * jnp.conj(z), z)[1](w)[0]))
    # Jacobians and Hessians of pytrees: the same structure and values as JAX's.
    p, q = {"u": RNG.normal(size=3), "v": RNG.normal(size=(2, 2))}, RNG.normal(size=2)
    f = lambda m: lambda p, q: {"a": m.sin(p["u"]) * q.sum(), "b": (p["v"] * p["u"][0], q)}
    g = lambda m: lambda a, b: (m.sin(a) * b[0]).sum() + (a[:2] * b).sum() ** 2
    for ours, theirs, fn, args in (
            (lf.jacfwd, jax.jacfwd, f, (p, q)), (lf.jacrev, jax.jacrev, f, (p, q)),
            (lf.hessian, jax.hessian, g, (p["u"], q))):
        got = jax.tree_util.tree_map(onp.asarray, ours(fn(np), argnums=(0, 1))(*args))
        want = theirs(fn(jnp), argnums=(0, 1))(*args)
        assert jax.tree_util.tree_structure(got) == jax.tree_util.tree_structure(want)
        for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
            close(a, onp.asarray(b))


@pytest.mark.parametrize("name,f,shapes", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_jvp_matches_directional_finite_differences(name, f, shapes):
    args = [RNG.uniform(0.2, 1.2, s) * RNG.choice([-1, 1], s) for s in shapes]
    if name == "pow-arctan2":
        args[1] = onp.abs(args[1]) + 0.5
    dirs = [RNG.normal(size=s) for s in shapes]
    out, tangent = lf.jvp(f, tuple(args), tuple(dirs))
    h = 1e-6
    moved = lambda s: float(onp.asarray(f(*[a + s * d for a, d in zip(args, dirs)])))
    close(tangent, (moved(h) - moved(-h)) / (2 * h))
    close(out, float(onp.asarray(f(*args))))


def test_jacfwd_equals_jacrev():
    x = RNG.normal(size=(4,))
    f = lambda a: np.tanh(a * a[::-1]) @ onp.arange(8.0).reshape(4, 2)
    close(lf.jacfwd(f)(x), onp.asarray(lf.jacrev(f)(x)))
    g = lambda a, b: np.sin(a)[:2] * b + a[0] * b ** 2
    y = RNG.normal(size=(2,))
    for fwd, rev in zip(lf.jacfwd(g, argnums=(0, 1))(x, y), lf.jacrev(g, argnums=(0, 1))(x, y)):
        close(fwd, onp.asarray(rev))
    with pytest.raises(ValueError, match="tangent of shape"):
        lf.jvp(lambda a: a * 2, (x,), (onp.ones(3),))



def test_jacobians_of_pytrees_are_structured_as_jaxs():
    # Output pytree -> per output leaf, per argument (a tuple over a tuple argnums), the
    # argument's pytree of blocks shaped out_leaf.shape + in_leaf.shape.
    x, y, z = RNG.normal(size=3), RNG.normal(size=(2, 2)), RNG.normal(size=2)
    f = lambda p, q: {"a": np.sin(p["u"]) * q.sum(),
                      "b": (p["v"] * p["u"][0], np.tanh(q) * p["v"][0, 0])}
    p = {"u": x, "v": y}
    flat = lambda u, v, q: onp.concatenate([onp.ravel(onp.asarray(t)) for t in (
        lambda o: (o["a"], o["b"][0], o["b"][1]))(f({"u": u, "v": v}, q))])
    for jac in (lf.jacfwd, lf.jacrev):
        J = jac(f, argnums=(0, 1))(p, z)
        assert set(J) == {"a", "b"} and len(J["b"]) == 2
        assert J["a"][0]["u"].shape == (3, 3) and J["a"][0]["v"].shape == (3, 2, 2)
        assert J["b"][0][0]["v"].shape == (2, 2, 2, 2) and J["b"][1][1].shape == (2, 2)
        rows = lambda block_of: onp.concatenate([onp.asarray(b).reshape(n, -1) for b, n in (
            (block_of(J["a"]), 3), (block_of(J["b"][0]), 4), (block_of(J["b"][1]), 2))])
        for name, argnum, shape in (("u", 0, (3,)), ("v", 1, (2, 2))):
            numeric = onp.stack([
                (flat(*[a + h * e.reshape(shape) if i == argnum else a
                        for i, a in enumerate((x, y, z))]) - flat(x, y, z)) / h
                for e in onp.eye(int(onp.prod(shape))) for h in [1e-7]], axis=-1)
            onp.testing.assert_allclose(rows(lambda leaf: leaf[0][name]), numeric,
                                        rtol=1e-4, atol=1e-5)
        numeric_q = onp.stack([(flat(x, y, z + 1e-7 * e) - flat(x, y, z)) / 1e-7
                               for e in onp.eye(2)], axis=-1)
        onp.testing.assert_allclose(rows(lambda leaf: leaf[1]), numeric_q, rtol=1e-4, atol=1e-5)


def test_hessian_over_several_arguments_gives_blocks():
    x, z = RNG.normal(size=3), RNG.normal(size=2)
    g = lambda a, b: (np.sin(a) * b[0]).sum() + (a[:2] * b).sum() ** 2
    H = lf.hessian(g, argnums=(0, 1))(x, z)
    assert [[onp.asarray(H[i][j]).shape for j in range(2)] for i in range(2)] == [
        [(3, 3), (3, 2)], [(2, 3), (2, 2)]]
    full = onp.block([[onp.asarray(H[i][j]) for j in range(2)] for i in range(2)])
    onp.testing.assert_allclose(full, full.T, rtol=1e-10, atol=1e-12)  # symmetric
    gx = lf.grad(g, argnums=(0, 1))
    h = 1e-6
    for j, (a, n) in enumerate(((x, 3), (z, 2))):
        for k in range(n):
            e = onp.zeros(n)
            e[k] = h
            args_p = [x, z]
            args_m = [x, z]
            args_p[j], args_m[j] = a + e, a - e
            column = [(onp.asarray(p) - onp.asarray(m)) / (2 * h)
                      for p, m in zip(gx(*args_p), gx(*args_m))]
            close(onp.asarray(H[0][j])[:, k], column[0])
            close(onp.asarray(H[1][j])[:, k], column[1])


def test_complex_gradients_are_jaxs():
    # A real f of z = a + ib: the gradient is df/da - i df/db (central differences on
    # each part); holomorphic=True gives f'(z); jvp is the directional derivative.
    z = RNG.normal(size=4) + 1j * RNG.normal(size=4)
    w = RNG.normal(size=4) + 1j * RNG.normal(size=4)
    cases = [
        lambda z: (np.abs(z) ** 2).sum(),
        lambda z: (np.real(z) * np.imag(z)).sum(),
        lambda z: np.abs(np.exp(z) * w).sum(),
        lambda z: np.real((np.conj(z) * z ** 2).sum() + z @ w),
        lambda z: np.angle(z).sum() + np.log(np.abs(np.sin(z))).sum(),
    ]
    h = 1e-6
    for f in cases:
        g = onp.asarray(lf.grad(f)(z))
        assert g.dtype == onp.complex128
        value = lambda v: float(onp.asarray(f(v)))
        for k in range(4):
            e = onp.zeros(4)
            e[k] = h
            d_re = (value(z + e) - value(z - e)) / (2 * h)
            d_im = (value(z + 1j * e) - value(z - 1j * e)) / (2 * h)
            onp.testing.assert_allclose(g[k], d_re - 1j * d_im, rtol=1e-5, atol=1e-7)
    holo = lambda z: (np.exp(z) * z + 1 / z).sum()
    close(lf.grad(holo, holomorphic=True)(z), onp.exp(z) * (z + 1) - 1 / z ** 2)
    close(lf.jacfwd(lambda z: np.exp(z) * z, holomorphic=True)(z),
          onp.diag(onp.exp(z) * (z + 1)))
    close(lf.jacrev(lambda z: np.exp(z) * z, holomorphic=True)(z),
          onp.diag(onp.exp(z) * (z + 1)))
    f = lambda z: np.exp(z) * np.conj(z)
    _, tangent = lf.jvp(f, (z,), (w,))
    g = lambda v: onp.exp(v) * onp.conj(v)
    close(tangent, (g(z + h * w) - g(z - h * w)) / (2 * h))
    # complex64 stays complex64; a real input through complex values gets a real gradient.
    assert onp.asarray(lf.grad(lambda z: np.abs(z).sum())(z.astype("complex64"))).dtype \
        == onp.complex64
    x = RNG.normal(size=4)
    fx = lambda x: np.abs(np.exp(1j * x) + x).sum()
    gx = onp.asarray(lf.grad(fx)(x))
    assert gx.dtype == onp.float64
    close(gx, numeric_grad(fx, [x], 0))
    with pytest.raises(TypeError, match="holomorphic=True"):
        lf.grad(lambda z: (z * z).sum())(z)  # a complex output
    with pytest.raises(TypeError, match="requires inputs with complex dtype"):
        lf.grad(lambda v: (v * v).sum(), holomorphic=True)(x)
    with pytest.raises(TypeError, match="jacfwd requires real-valued inputs"):
        lf.jacfwd(lambda z: z * 2)(z)

VMAP_CASES = [
    ("tanh-matvec", lambda x, w: np.tanh(x @ w).sum(), (0, None), [(5, 3), (3, 2)]),
    ("outer-broadcast", lambda x, y: x[:, None] * y + np.exp(x).sum(), (0, 0), [(4, 3), (4, 2)]),
    ("views", lambda x: (x.T[::-1, 1:] ** 2).reshape(-1)[:4], (0,), [(3, 2, 5)]),
    ("reductions", lambda x: x.max(axis=0) - x.mean(axis=1, keepdims=True).T, (1,), [(4, 3, 4)]),
    ("where-concat", lambda x, s: np.concatenate([np.where(x > 0, x, s), s]), (0, None),
     [(3, 4), (4,)]),
    ("matmul-batched-both", lambda a, b: a @ b, (0, 2), [(3, 2, 4), (4, 5, 3)]),
    ("softmax", lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(), (0,), [(6, 5)]),
]


@pytest.mark.parametrize("name,f,axes,shapes", VMAP_CASES, ids=[c[0] for c in VMAP_CASES])
def test_vmap_matches_a_loop(name, f, axes, shapes):
    args = [RNG.normal(size=s) for s in shapes]
    got = onp.asarray(lf.vmap(f, in_axes=axes)(*args))
    size = next(a.shape[ax] for a, ax in zip(args, axes) if ax is not None)
    want = onp.stack([onp.asarray(f(*[a if ax is None else onp.take(a, i, axis=ax)
                                      for a, ax in zip(args, axes)])) for i in range(size)])
    close(got, want)


def test_vmap_composes_with_grad_and_jit_and_checks_sizes():
    X, W = RNG.normal(size=(5, 3)), RNG.normal(size=(3, 2))
    f = lambda x, w: np.tanh(x @ w).sum()
    # Per-example gradients, and the gradient of a batched sum.
    per_example = lf.vmap(lf.grad(f), in_axes=(0, None))(X, W)
    close(per_example, onp.stack([onp.asarray(lf.grad(f)(x, W)) for x in X]))
    total = lf.grad(lambda w: lf.vmap(f, in_axes=(0, None))(X, w).sum())(W)
    close(total, sum(onp.asarray(lf.grad(f, argnums=1)(x, W)) for x in X))
    close(lf.jit(lf.vmap(lambda x: x.max()))(X), X.max(axis=1))
    # out_axes, pytrees and axis_size.
    close(lf.vmap(lambda a: a[::-1] * 2, in_axes=1, out_axes=1)(X), X[::-1] * 2)
    d = lf.vmap(lambda p: {"s": p["a"] + p["b"]})({"a": X, "b": X * 2})
    close(d["s"], 3 * X)
    close(lf.vmap(lambda: np.ones(2), axis_size=3)(), onp.ones((3, 2)))
    with pytest.raises(ValueError, match="inconsistent sizes.*argument 0: 5, argument 1: 4"):
        lf.vmap(lambda a, b: a + b)(X, onp.ones((4, 3)))


def test_custom_vjp_and_custom_jvp_rules_are_used():
    @lf.custom_vjp
    def clip_gradient(x):
        return x

    def fwd(x):
        return x, None

    def bwd(_, g):
        return (np.clip(g, -0.1, 0.1),)

    clip_gradient.defvjp(fwd, bwd)
    x = onp.array([1.0, 2.0, 3.0])
    close(lf.grad(lambda a: np.sum(clip_gradient(a) * onp.array([1.0, 0.05, -5.0])))(x),
          [0.1, 0.05, -0.1])
    close(clip_gradient(np.asarray(x)), x)  # outside differentiation: f itself

    @lf.custom_jvp
    def log1pexp(x):
        return np.log1p(np.exp(x))

    @log1pexp.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return log1pexp(x), t * (1 - 1 / (1 + np.exp(x)))

    big = onp.array([0.0, 100.0, 1000.0])
    # The plain derivative overflows to nan at 1000; the custom rule does not.
    assert onp.isnan(onp.asarray(lf.grad(lambda a: np.sum(np.log1p(np.exp(a))))(big))[2])
    close(lf.grad(lambda a: np.sum(log1pexp(a)))(big), [0.5, 1.0, 1.0])
    close(lf.jvp(log1pexp, (big,), (onp.ones(3),))[1], [0.5, 1.0, 1.0])
    # Second order through the rule: d2/dx2 log(1 + e^x) = sigmoid'(x).
    s = 1 / (1 + onp.exp(-onp.array([0.0, 1.0])))
    close(lf.grad(lambda a: lf.grad(lambda b: np.sum(log1pexp(b)))(a).sum())(
        onp.array([0.0, 1.0])), s * (1 - s))


def test_writes_inside_traced_functions_are_functional_updates():
    def f(x):
        a = np.zeros(4)
        a[1:3] = x * 2  # a slice of an array made inside
        a += x.sum()  # a whole-array in-place operator
        a[::-1][0] = 7.0  # through a reversed view
        b = np.ones((2, 3))
        b[:, 1] = x
        b[0] *= 3  # an in-place operator on a view
        c = np.zeros(5)
        c[onp.array([0, 2, 2])] = x[[0, 1, 1]] * onp.array([1.0, 5.0, 7.0])  # last wins
        return np.sum(a ** 2) + np.sum(b * b) + np.sum(c * onp.arange(5.0))

    x = onp.array([1.0, 2.0])
    want = float(onp.asarray(f(x)))  # eagerly, NumPy's semantics
    close(lf.jit(f)(x), want)
    close(lf.grad(f)(x), numeric_grad(f, [x], 0))
    close(lf.vmap(f)(onp.stack([x, x + 1])), [want, float(onp.asarray(f(x + 1)))])


def test_custom_rules_of_functions_with_several_outputs():
    @lf.custom_vjp
    def sincos(x):
        return np.sin(x), np.cos(x)

    def fwd(x):
        return (np.sin(x), np.cos(x)), x

    def bwd(x, g):
        g_sin, g_cos = g
        return (g_sin * np.cos(x) - 10 * g_cos * np.sin(x),)  # the cos part scaled

    sincos.defvjp(fwd, bwd)
    x = onp.array([0.3, 1.2])
    close(lf.grad(lambda a: np.sum(sincos(a)[0] + sincos(a)[1]))(x),
          onp.cos(x) - 10 * onp.sin(x))

    @lf.custom_jvp
    def pair(x):
        return {"double": x * 2, "exp": np.exp(x)}

    @pair.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return pair(x), {"double": 2 * t, "exp": t * np.exp(x)}

    close(lf.grad(lambda a: np.sum(pair(a)["double"] * pair(a)["exp"]))(x),
          2 * onp.exp(x) * (1 + x))
