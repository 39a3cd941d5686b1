"""JAX-style transforms: ``grad``, ``value_and_grad``, ``vjp``, ``jacrev``, ``hessian``,
``stop_gradient``.

A transformed function is traced as ``jit`` traces (array arguments become parameters,
so the function is compiled once per signature), and its derivative is built by the
native reverse-mode pass (``lazyfuse_ir::autodiff``) as more graph in the same trace:
the value and the gradient are one program, optimised and fused together, so a term
both passes use (``exp(x)`` in a softmax) is computed once. Called inside another trace
(``grad(grad(f))``, ``jit(grad(f))``, a transformed function called from a jitted
one), it traces through, as JAX inlines.
"""

import functools as _functools

import numpy as _np

from . import _native
from ._core import asarray, ndarray
from ._jit import _flatten, _unflatten, jit
from .errors import BindingError


# The differentiations being traced, innermost last: each collects the custom rules
# (custom_vjp, custom_jvp) of the functions called while its function runs.
_CONTEXTS = []


class _Differentiating:
    """Collects the custom rules registered while a differentiated function runs."""

    def __enter__(self):
        self.rules = []
        _CONTEXTS.append(self.rules)
        return self.rules

    def __exit__(self, *exc):
        _CONTEXTS.pop()


class _Suspended:
    """No differentiation is active (a custom rule running: its own calls of custom
    functions compute them plainly, as JAX's)."""

    def __enter__(self):
        self.saved = _CONTEXTS[:]
        _CONTEXTS.clear()

    def __exit__(self, *exc):
        _CONTEXTS[:] = self.saved


def _register(out, args, rule):
    """`out` (an array computed from `args`) as a node of every active differentiation
    whose cotangents `rule(g)` gives (one per array leaf of args, or None)."""
    out = asarray(out)
    leaves = []
    _flatten(tuple(args), leaves)
    inputs = [asarray(leaf)._native_array for leaf in leaves]
    node = ndarray(_native.fresh(out._native_array))
    for rules in _CONTEXTS:
        rules.append((node._native_array, inputs, rule))
    return node


def _cotangent_leaves(args, cts, name):
    """The cotangents a rule returned, one per array leaf of args (None for none)."""
    if not isinstance(cts, (tuple, list)) or len(cts) != len(args):
        raise TypeError(f"{name}: the rule must return a tuple with one cotangent per "
                        f"positional argument ({len(args)})")
    flat = []
    for a, c in zip(args, cts):
        leaves = []
        spec = _flatten(a, leaves)
        if c is None:
            flat += [None] * len(leaves)
            continue
        c_leaves = []
        if _flatten(c, c_leaves) != spec:
            raise TypeError(f"{name}: a cotangent's structure differs from its argument's")
        flat += [asarray(x)._native_array for x in c_leaves]
    return flat


def _is_one_array(out):
    return isinstance(out, (ndarray, _np.ndarray, _np.generic, float, int))


def _packed(out):
    """The array leaves of `out` (a pytree) as one 1-d array of their common dtype, and
    the function splitting such an array back into out's structure and dtypes: a custom
    rule then sees one node, whose cotangent holds every output's."""
    from . import numpy as lnp
    leaves = []
    spec = _flatten(out, leaves)
    arrays = [asarray(leaf) for leaf in leaves]
    if not arrays:
        raise TypeError("a custom rule's function must return at least one array")
    dtype = _np.result_type(*[a.dtype for a in arrays])
    flat = lnp.concatenate([a.astype(dtype).reshape(-1) for a in arrays])

    def unpack(v):
        parts, start = [], 0
        for a in arrays:
            part = v[start:start + a.size].reshape(a.shape)
            parts.append(part if part.dtype == a.dtype else part.astype(a.dtype))
            start += a.size
        return _unflatten(spec, parts)

    return flat, unpack


class custom_vjp:
    """A function with a user-given reverse derivative, as JAX's: ``f.defvjp(fwd, bwd)``
    with ``fwd(*args) -> (out, residuals)`` and ``bwd(residuals, g) -> tuple`` of one
    cotangent per argument (None for none); `out` and `g` may be pytrees of arrays.
    Outside differentiation f itself runs."""

    def __init__(self, fun):
        _functools.update_wrapper(self, fun)
        self.fun, self.fwd, self.bwd = fun, None, None

    def defvjp(self, fwd, bwd):
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args):
        if not _CONTEXTS:
            return self.fun(*args)
        if self.fwd is None:
            raise TypeError(f"custom_vjp {self.__name__}: no rule (call defvjp(fwd, bwd))")
        with _Suspended():
            out, residuals = self.fwd(*args)
        one = _is_one_array(out)
        flat, unpack = (out, lambda v: v) if one else _packed(out)

        def transpose(g):
            with _Suspended():
                cts = self.bwd(residuals, unpack(ndarray(g)))
            return _cotangent_leaves(args, cts, "custom_vjp")

        return unpack(_register(flat, args, transpose))


class custom_jvp:
    """A function with a user-given forward derivative, as JAX's: ``@f.defjvp`` on
    ``rule(primals, tangents) -> (out, tangent_out)``, linear in the tangents. The
    reverse derivative is its transpose (built by the same reverse pass), so grad, vjp,
    jvp and their compositions all use it. The output may be a pytree of arrays."""

    def __init__(self, fun):
        _functools.update_wrapper(self, fun)
        self.fun, self.rule = fun, None

    def defjvp(self, rule):
        self.rule = rule
        return rule

    def __call__(self, *args):
        if not _CONTEXTS:
            return self.fun(*args)
        if self.rule is None:
            raise TypeError(f"custom_jvp {self.__name__}: no rule (use @f.defjvp)")
        # Tangent placeholders: zeros, each a distinct node, differentiated against.
        from . import numpy as lnp
        tangents = tuple(None if asarray(a).dtype.kind != "f" else
                         ndarray(_native.fresh(lnp.zeros_like(asarray(a))._native_array))
                         for a in args)
        with _Suspended():
            out, tangent_out = self.rule(args, tangents)
        one = _is_one_array(out)
        flat, unpack = (out, lambda v: v) if one else _packed(out)
        flat_tangent = tangent_out if one else _packed(tangent_out)[0]
        placeholders = [t for t in tangents if t is not None]

        def transpose(g):
            cts = iter(_native.vjp([asarray(flat_tangent)._native_array], [g],
                                   [t._native_array for t in placeholders]))
            return [None if t is None else next(cts) for t in tangents]

        return unpack(_register(flat, args, transpose))


def stop_gradient(x):
    """x's values, a constant for differentiation (no gradient flows through it)."""
    return ndarray(_native.stop_gradient(asarray(x)._native_array))


def _argnums(argnums, nargs, name):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in nums:
        if not -nargs <= i < nargs:
            raise ValueError(f"{name}: argnums {argnums} out of range for {nargs} positional "
                             "arguments")
    return tuple(i % nargs for i in nums)


def _check_input(leaf, name, holomorphic=False, complex_ok=True):
    """JAX's input rules: real or complex values (only real ones for jacfwd, which
    pushes real tangents), complex ones only with `holomorphic`."""
    dtype = asarray(leaf).dtype
    if holomorphic:
        if dtype.kind != "c":
            raise TypeError(f"{name} with holomorphic=True requires inputs with complex "
                            f"dtype, but got {dtype.name}.")
        return
    if dtype.kind == "f" or (dtype.kind == "c" and complex_ok):
        return
    if dtype.kind == "c":
        raise TypeError(f"{name} requires real-valued inputs (input dtype that is a "
                        f"sub-dtype of np.floating), but got {dtype.name}. For holomorphic "
                        f"differentiation, pass holomorphic=True. For differentiation of "
                        f"non-holomorphic functions involving complex inputs, use jvp "
                        f"directly.")
    raise TypeError(f"{name} requires real- or complex-valued inputs (input dtype that is "
                    f"a sub-dtype of np.inexact), but got {dtype.name}: cast integer and "
                    f"boolean arguments to a float dtype")


def _check_real_output(dtype, name, holomorphic=False):
    """JAX's output rules: real outputs, or complex ones with `holomorphic`."""
    if holomorphic:
        if dtype.kind != "c":
            raise TypeError(f"{name} with holomorphic=True requires outputs with complex "
                            f"dtype, but got {dtype.name}.")
    elif dtype.kind != "f":
        raise TypeError(f"{name} requires real-valued outputs (output dtype that is a "
                        f"sub-dtype of np.floating), but got {dtype.name}."
                        + (" For holomorphic differentiation, pass holomorphic=True. For "
                           "differentiation of non-holomorphic functions involving complex "
                           "outputs, use vjp directly." if dtype.kind == "c" else ""))


def _check_output(value, name, holomorphic=False):
    value = asarray(value)
    if value.shape != ():
        raise TypeError(f"{name}: gradient only defined for scalar-output functions; the "
                        f"output had shape {value.shape}")
    _check_real_output(value.dtype, name, holomorphic)
    return value


def _roots(args, nums, name, holomorphic=False, complex_ok=True):
    """args with the leaves of args[i] for i in nums replaced by fresh roots; and per
    differentiated argument its structure and roots."""
    args = list(args)
    roots = []
    for i in nums:
        leaves = []
        spec = _flatten(args[i], leaves)
        for leaf in leaves:
            _check_input(leaf, name, holomorphic, complex_ok)
        fresh = [ndarray(_native.fresh(asarray(leaf)._native_array)) for leaf in leaves]
        roots.append((spec, fresh))
        args[i] = _unflatten(spec, fresh)
    return args, roots


def _cotangents_of(roots, outputs, cotangents, rules=()):
    """The cotangents of every root, structured as the differentiated arguments."""
    wrt = [leaf for _, fresh in roots for leaf in fresh]
    grads = _native.vjp([asarray(o)._native_array for o in outputs],
                        [None if c is None else asarray(c)._native_array for c in cotangents],
                        [w._native_array for w in wrt], list(rules))
    grads = iter([ndarray(g) for g in grads])
    return [_unflatten(spec, [next(grads) for _ in fresh]) for spec, fresh in roots]


class _Transformed:
    """A transformed function: traced and compiled per signature (its jitted form) when
    called with concrete arrays; traced through inside an enclosing trace."""

    def __init__(self, traced, f):
        self._traced = traced
        self._jitted = jit(traced)
        self.__wrapped__ = f
        self.__name__ = getattr(f, "__name__", "transformed")
        self.__doc__ = getattr(f, "__doc__", None)

    def __call__(self, *args):
        leaves = []
        _flatten(args, leaves)
        lazy = [leaf for leaf in leaves if isinstance(leaf, ndarray)]
        if lazy:
            # Lazy arguments: their values (the function is differentiated on
            # parameters, never on a graph an evaluation inside it could cut), unless
            # they are an enclosing trace's parameters, which are traced through.
            try:
                values = {id(leaf): leaf.numpy() for leaf in lazy}
            except BindingError:
                return self._traced(*args)
            args = _unflatten(_flatten(args, []), [values.get(id(v), v) for v in leaves])
        return self._jitted(*args)


def value_and_grad(f, argnums=0, has_aux=False, holomorphic=False):
    """``(f(*args), gradient)``: the gradient of f (a float scalar) with respect to the
    arguments `argnums` (an int, or a tuple giving a tuple of gradients), each shaped as
    its argument (pytrees of arrays included). ``has_aux``: f returns ``(value, aux)``
    and the result is ``((value, aux), gradient)``. Complex inputs follow JAX: for a
    real f of z = a + ib the gradient is df/da - i df/db (step along its conjugate to
    descend); ``holomorphic=True`` (complex inputs and output) gives f'(z)."""

    def traced(*args):
        nums = _argnums(argnums, len(args), "grad")
        args, roots = _roots(args, nums, "grad", holomorphic)
        with _Differentiating() as rules:
            out = f(*args)
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise TypeError("grad with has_aux=True: the function must return a pair "
                                "(value, aux)")
            value, aux = out
        else:
            value, aux = out, None
        value = _check_output(value, "grad", holomorphic)
        grads = _cotangents_of(roots, [value], [None], rules)
        g = grads[0] if isinstance(argnums, int) else tuple(grads)
        return ((value, aux), g) if has_aux else (value, g)

    return _Transformed(traced, f)


def grad(f, argnums=0, has_aux=False, holomorphic=False):
    """The gradient of f (a float scalar) with respect to argument `argnums` (see
    ``value_and_grad``); with ``has_aux``, ``(gradient, aux)``."""
    vg = value_and_grad(f, argnums, has_aux, holomorphic)

    def gradient(*args):
        out = vg(*args)
        if has_aux:
            (_, aux), g = out
            return g, aux
        return out[1]

    gradient.__name__ = getattr(f, "__name__", "grad")
    gradient.__wrapped__ = f
    return gradient


def vjp(f, *primals, has_aux=False):
    """``(f(*primals), vjp_fn)``: ``vjp_fn(cotangent)`` gives the cotangents of the
    primals (a tuple, one per primal) for a cotangent of f's output (an array or a
    pytree of arrays shaped as the output). With ``has_aux``, ``(out, vjp_fn, aux)``."""
    out = f(*primals)
    aux = None
    if has_aux:
        out, aux = out

    def backward(*args):
        primal_args, cotangent = args[:-1], args[-1]
        nums = tuple(range(len(primal_args)))
        primal_args, roots = _roots(primal_args, nums, "vjp")
        with _Differentiating() as rules:
            result = f(*primal_args)
        if has_aux:
            result = result[0]
        outs, cts = [], []
        _flatten(result, outs)
        _flatten(cotangent, cts)
        if len(outs) != len(cts):
            raise ValueError(f"vjp: a cotangent of {len(cts)} arrays for an output of "
                             f"{len(outs)}")
        for o, c in zip(outs, cts):
            if asarray(o).shape != asarray(c).shape:
                raise ValueError(f"vjp: cotangent of shape {asarray(c).shape} for an output "
                                 f"of shape {asarray(o).shape}")
        return tuple(_cotangents_of(roots, outs, cts, rules))

    transformed = _Transformed(backward, f)

    def vjp_fn(cotangent):
        return transformed(*primals, cotangent)

    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def jvp(f, primals, tangents):
    """``(f(*primals), tangent_out)``: the Jacobian of f at the primals applied to the
    tangents (tuples of arrays or pytrees shaped as the primals), JAX's ``jvp``."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    n = len(primals)

    def traced(*args):
        primal_args, tangent_args = args[:n], args[n:]
        primal_args, roots = _roots(primal_args, tuple(range(n)), "jvp")
        with _Differentiating() as rules:
            out = f(*primal_args)
        outs = []
        spec = _flatten(out, outs)
        wrt = [leaf for _, fresh in roots for leaf in fresh]
        ts = []
        for (s, fresh), t in zip(roots, tangent_args):
            leaves = []
            if _flatten(t, leaves) != s:
                raise ValueError("jvp: the tangents must have the primals' structure")
            ts.extend(leaves)
        for w, t in zip(wrt, ts):
            if asarray(t).shape != w.shape:
                raise ValueError(f"jvp: a tangent of shape {asarray(t).shape} for a primal "
                                 f"of shape {w.shape}")
        tangent_out = _native.jvp([asarray(o)._native_array for o in outs],
                                  [w._native_array for w in wrt],
                                  [asarray(t)._native_array for t in ts], list(rules))
        return out, _unflatten(spec, [ndarray(t) for t in tangent_out])

    return _Transformed(traced, f)(*primals, *tangents)


def _jacobian(blocks, roots, out_spec, argnums):
    """The Jacobian as JAX structures it: the output's pytree, each leaf holding, per
    differentiated argument (a tuple over `argnums` if it is a tuple), that argument's
    pytree of blocks shaped ``out_leaf.shape + in_leaf.shape``. ``blocks[o][r]``: the
    block of output leaf o and input leaf r (input leaves numbered across arguments)."""
    per_out = []
    for row in blocks:
        row, per_arg = iter(row), []
        for spec, fresh in roots:
            per_arg.append(_unflatten(spec, [next(row) for _ in fresh]))
        per_out.append(per_arg[0] if isinstance(argnums, int) else tuple(per_arg))
    return _unflatten(out_spec, per_out)


def _stacked(columns, shape, dtype, axis):
    from . import numpy as lnp
    if not columns:
        return lnp.zeros(shape, dtype)
    return lnp.stack(columns, axis=axis).reshape(shape)


def jacfwd(f, argnums=0, holomorphic=False):
    """The Jacobian of f by forward mode: one JVP per input element, all in one
    program. Arguments and output may be pytrees of arrays (structured as JAX's: see
    ``_jacobian``); each block is shaped ``out.shape + arg.shape``."""

    def traced(*args):
        nums = _argnums(argnums, len(args), "jacfwd")
        args, roots = _roots(args, nums, "jacfwd", holomorphic, complex_ok=False)
        with _Differentiating() as rules:
            out = f(*args)
        outs = []
        out_spec = _flatten(out, outs)
        outs = [asarray(o) for o in outs]
        xs = [leaf for _, fresh in roots for leaf in fresh]
        columns = [[[] for _ in xs] for _ in outs]  # per output leaf, per input leaf
        for j, x in enumerate(xs):
            for k in range(x.size):
                tangents = [_np.zeros(y.shape, y.dtype) for y in xs]
                tangents[j].reshape(-1)[k] = 1
                tangent_out = _native.jvp([o._native_array for o in outs],
                                          [y._native_array for y in xs],
                                          [asarray(t)._native_array for t in tangents],
                                          list(rules))
                for o, t in enumerate(tangent_out):
                    columns[o][j].append(ndarray(t))
        blocks = [[_stacked(columns[o][j], o_arr.shape + x.shape, o_arr.dtype, -1)
                   for j, x in enumerate(xs)] for o, o_arr in enumerate(outs)]
        return _jacobian(blocks, roots, out_spec, argnums)

    return _Transformed(traced, f)


def jacrev(f, argnums=0, holomorphic=False):
    """The Jacobian of f by reverse mode: one VJP per output element, all in one
    program. Arguments and output may be pytrees of arrays (structured as JAX's: see
    ``_jacobian``); each block is shaped ``out.shape + arg.shape``."""

    def traced(*args):
        nums = _argnums(argnums, len(args), "jacrev")
        args, roots = _roots(args, nums, "jacrev", holomorphic)
        with _Differentiating() as rules:
            out = f(*args)
        outs = []
        out_spec = _flatten(out, outs)
        outs = [asarray(o) for o in outs]
        xs = [leaf for _, fresh in roots for leaf in fresh]
        blocks = []
        for o in outs:
            _check_real_output(o.dtype, "jacrev", holomorphic)
            rows = [[] for _ in xs]  # per input leaf, one row per element of o
            for k in range(o.size):
                basis = _np.zeros(o.size, o.dtype)
                basis[k] = 1
                g = _native.vjp([o._native_array],
                                [asarray(basis.reshape(o.shape))._native_array],
                                [x._native_array for x in xs], list(rules))
                for j, row in enumerate(g):
                    rows[j].append(ndarray(row))
            blocks.append([_stacked(rows[j], o.shape + x.shape, o.dtype, 0)
                           for j, x in enumerate(xs)])
        return _jacobian(blocks, roots, out_spec, argnums)

    return _Transformed(traced, f)


# Placeholders of vmap's examples are parameters numbered from here, apart from those
# of an enclosing trace (they leave the graph when the batch replaces them).
_PLACEHOLDER_BASE = 1 << 16


def vmap(f, in_axes=0, out_axes=0, axis_size=None):
    """f (written for one example) over a batch, JAX's ``vmap``: `in_axes` gives each
    argument's mapped axis (an int, None for an argument shared by all examples, or a
    tuple of those, one per argument; a pytree argument maps every leaf); the results
    carry the batch along `out_axes`. f is traced once on per-example placeholders and
    the graph rebuilt for the batch: no Python loop."""

    def traced(*args):
        axes = in_axes if isinstance(in_axes, (tuple, list)) else (in_axes,) * len(args)
        if len(axes) != len(args):
            raise ValueError(f"vmap: in_axes has {len(axes)} entries for {len(args)} "
                             "positional arguments")
        placeholders, values, sizes, example_args = [], [], [], []
        for i, (arg, ax) in enumerate(zip(args, axes)):
            if ax is None:
                example_args.append(arg)
                continue
            leaves = []
            spec = _flatten(arg, leaves)
            examples = []
            for leaf in leaves:
                a = asarray(leaf)
                if not -a.ndim <= ax < a.ndim:
                    raise ValueError(f"vmap: in_axes {ax} for argument {i} of shape {a.shape}")
                from . import numpy as lnp
                moved = lnp.moveaxis(a, ax, 0)
                sizes.append((i, moved.shape[0]))
                p = ndarray(_native.param(_PLACEHOLDER_BASE + len(placeholders),
                                          a.dtype.name, list(moved.shape[1:])))
                placeholders.append(p)
                values.append(moved)
                examples.append(p)
            example_args.append(_unflatten(spec, examples))
        lengths = {n for _, n in sizes}
        if axis_size is not None:
            lengths.add(axis_size)
        if len(lengths) != 1:
            detail = ", ".join(f"argument {i}: {n}" for i, n in sizes)
            raise ValueError("vmap got inconsistent sizes for the mapped axes"
                             + (f" ({detail}" + (f"; axis_size {axis_size})" if axis_size
                                                 is not None else ")") if sizes else
                                " (no mapped argument: give axis_size)"))
        size = lengths.pop()
        out = f(*example_args)
        outs = []
        out_spec = _flatten(out, outs)
        batched = _native.vmap([asarray(o)._native_array for o in outs],
                               [p._native_array for p in placeholders],
                               [v._native_array for v in values], size)
        from . import numpy as lnp
        results = [lnp.moveaxis(ndarray(b), 0, out_axes) if out_axes != 0 else ndarray(b)
                   for b in batched]
        return _unflatten(out_spec, results)

    return _Transformed(traced, f)


def hessian(f, argnums=0, holomorphic=False):
    """The Hessian of f (a float scalar) with respect to `argnums`, JAX's
    ``jacfwd(jacrev(f))`` structure: for a tuple argnums ``H[i][j]`` is the block of
    arguments i and j; pytree arguments give pytrees of blocks."""
    return jacrev(grad(f, argnums, holomorphic=holomorphic), argnums, holomorphic)
