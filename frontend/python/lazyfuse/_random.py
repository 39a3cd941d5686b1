"""``lazyfuse.numpy.random``: NumPy's random API, drawn lazily by a counter-based
generator so that samples fuse into the kernels that use them.

Element i of a sample is a function of (key, offset + i) alone: the IR op ``philox``
(Philox4x32-10, ``ir/src/philox.rs``) turns the counter into 64 random bits, and the
distribution is an elementwise expression of those bits. ``rng.random(n) * 2 - 1``
is one kernel that writes n floats and reads nothing; the numbers are the same for
any thread count and whether they are computed lazily (large samples) or at once by
the NumPy form of the same rounds below (small ones, under the eager limit).

The streams differ from NumPy's (as JAX's and CuPy's do): ``default_rng(42)`` gives
other numbers than ``numpy.random.default_rng(42)``, with the same distributions.
Recipes:

- ``random``: ``(bits >> 11) * 2**-53`` (float32: ``(bits >> 40) * 2**-24``), NumPy's;
- ``standard_normal``: Box-Muller, ``sqrt(-2 log(1 - u1)) cos(2 pi u2)``, u1 and u2
  from two consecutive blocks of counters (NumPy uses a ziggurat, which rejects);
- ``integers``: ``low + bits % (high - low)``, a bias below (high - low) / 2**64;
- ``exponential`` and the other continuous distributions: inversion of ``random``;
- ``permutation``, ``shuffle`` and ``choice`` without replacement: an argsort of
  random keys (eager);
- ``poisson`` and ``binomial`` (rejection samplers, not elementwise): NumPy's own
  algorithms on NumPy's Philox generator keyed by this generator's key and counter,
  so they too depend on the seed alone.
"""

import builtins as _builtins
import math as _math
import operator as _operator

import numpy as _np

from . import _core, _native
from ._core import _from_numpy, asarray, ndarray
from .errors import DTypeError
from ._dispatch import _binary

__all__ = ["Generator", "Philox", "RandomState", "default_rng", "seed", "rand", "randn",
           "randint", "random", "random_sample", "sample", "ranf", "uniform", "normal",
           "standard_normal", "choice", "permutation", "shuffle", "exponential",
           "standard_exponential", "poisson", "binomial", "lognormal", "laplace", "logistic",
           "gumbel", "rayleigh", "weibull", "pareto", "power", "standard_cauchy", "get_state"]

# Philox4x32-10's constants (ir/src/philox.rs).
_MULTIPLIERS = (0xD2511F53, 0xCD9E8D57)
_KEY_STEPS = (0x9E3779B9, 0xBB67AE85)
_LOW32 = _np.uint64(0xFFFFFFFF)
_U64 = _np.dtype("uint64")


def _philox_numpy(counters, key):
    """The ``philox`` op in NumPy (uint64 arithmetic on 32-bit words): the same bits as
    the compiled kernels, for samples small enough to compute at once."""
    shift = _np.uint64(32)
    c0, c1 = counters & _LOW32, counters >> shift
    c2 = c3 = _np.zeros_like(counters)
    k0, k1 = key & 0xFFFFFFFF, key >> 32
    m0, m1 = _np.uint64(_MULTIPLIERS[0]), _np.uint64(_MULTIPLIERS[1])
    for round_ in range(10):
        if round_:
            k0, k1 = (k0 + _KEY_STEPS[0]) & 0xFFFFFFFF, (k1 + _KEY_STEPS[1]) & 0xFFFFFFFF
        p0, p1 = c0 * m0, c2 * m1
        c0, c1, c2, c3 = ((p1 >> shift) ^ c1 ^ _np.uint64(k0), p1 & _LOW32,
                          (p0 >> shift) ^ c3 ^ _np.uint64(k1), p0 & _LOW32)
    return c0 | (c1 << shift)


def _size(size):
    """A size argument as a shape tuple (None stays None: one value)."""
    if size is None:
        return None
    if isinstance(size, (int, _np.integer)):
        size = (size,)
    shape = tuple(_operator.index(s) for s in size)
    if any(s < 0 for s in shape):
        raise ValueError(f"negative dimensions are not allowed (size={shape})")
    return shape


def _count(shape):
    return _math.prod(shape)


class Philox:
    """lazyfuse's bit generator: a 64-bit key and the next unused 64-bit counter.
    ``seed`` is what ``numpy.random.SeedSequence`` takes (None: fresh entropy)."""

    def __init__(self, seed=None, *, key=None, counter=0):
        if key is None:
            sequence = seed if isinstance(seed, _np.random.SeedSequence) else _np.random.SeedSequence(seed)
            words = sequence.generate_state(2, _np.uint32)
            key = int(words[0]) | (int(words[1]) << 32)
        self.key = int(key) & 0xFFFFFFFFFFFFFFFF
        self.counter = int(counter) & 0xFFFFFFFFFFFFFFFF

    @property
    def state(self):
        """The key and counter, as a dict (``state = ...`` restores it)."""
        return {"bit_generator": "lazyfuse.Philox4x32", "key": self.key, "counter": self.counter}

    @state.setter
    def state(self, value):
        self.key, self.counter = int(value["key"]), int(value["counter"])

    def take(self, n):
        """Reserves n counters; returns the first."""
        first = self.counter
        self.counter = (first + n) & 0xFFFFFFFFFFFFFFFF
        return first

    def bits(self, shape):
        """uint64 random bits of this shape from the next counters."""
        return self.bits_at(self.take(_count(shape)), shape)

    def bits_at(self, offset, shape, stream=0):
        """uint64 random bits of this shape from counters offset, offset + 1, ... under
        the key of `stream` (a sample that needs two numbers per element takes its
        counters once and reads them under streams 0 and 1, so its first k elements
        are the same whatever its size): lazy when large."""
        n = _count(shape)
        key = (self.key ^ (stream * 0x9E3779B97F4A7C15)) & 0xFFFFFFFFFFFFFFFF
        if n <= _core._EAGER_ELEMENTS:
            counters = _np.arange(n, dtype=_U64) + _np.uint64(offset)
            return _from_numpy(_philox_numpy(counters, key).reshape(shape))
        counters = ndarray(_native.ramp(0, 1, n, "uint64"))
        counters = _binary("add", counters, _np.uint64(offset), None)
        return _binary("philox", counters, _np.uint64(key), None).reshape(shape)

    def __repr__(self):
        return f"Philox(key={self.key:#x}, counter={self.counter})"


def _to_unit(bits, dtype):
    """uint64 bits as floats in [0, 1): NumPy's recipes, (bits >> 11) * 2**-53 for
    float64 and (bits >> 40) * 2**-24 for float32 (exact conversions)."""
    if dtype == _np.float32:
        return (bits >> 40).astype("float32") * _np.float32(2.0 ** -24)
    return (bits >> 11).astype("float64") * (2.0 ** -53)


def _float_dtype(dtype, method):
    d = _np.dtype(dtype)
    if d not in (_np.dtype("float64"), _np.dtype("float32")):
        raise TypeError(f"Unsupported dtype {d!r} for {method}")
    return d


def _shape_of(size, *params):
    """The sample's shape: size, or the parameters' broadcast shape (None for scalars)."""
    shape = _size(size)
    if shape is not None:
        return shape
    shapes = [_np.shape(p) for p in params]
    if all(s == () for s in shapes):
        return None
    return _np.broadcast_shapes(*shapes)


def _check_params(method, **params):
    """NumPy's checks of distribution parameters: ValueError naming the parameter."""
    for name, (value, low_ok) in params.items():
        v = _np.asarray(value.numpy() if isinstance(value, ndarray) else value)
        if _np.any(_np.isnan(v)) if v.dtype.kind == "f" else False:
            raise ValueError(f"{method}: {name} value is NaN")
        if _np.any(v < 0 if low_ok else v <= 0):
            raise ValueError(f"{method}: {name} {'< 0' if low_ok else '<= 0'}")


def _finish(sample, shape, out=None):
    """One value (shape None) as a Python float or NumPy scalar, else the array; with
    ``out`` given, written into it."""
    if out is not None:
        if tuple(_np.shape(out)) != tuple(sample.shape):
            raise ValueError(f"out has shape {tuple(_np.shape(out))}, the sample {tuple(sample.shape)}")
        out[...] = sample
        return out
    if shape is None:
        value = sample.numpy().reshape(())[()]
        # NumPy gives a Python float for one float of either precision.
        return float(value) if isinstance(value, _np.floating) else value
    return sample


class Generator:
    """NumPy's ``Generator`` API over lazyfuse's counter-based ``Philox``: every method
    returns a lazy array (computed at once when small) with NumPy's shape, dtype and
    parameter checks."""

    def __init__(self, bit_generator=None):
        if bit_generator is None:
            bit_generator = Philox()
        if not isinstance(bit_generator, Philox):
            raise TypeError(
                "lazyfuse.numpy.random.Generator draws with lazyfuse's counter-based Philox "
                f"(got {type(bit_generator).__name__}); use default_rng(seed)")
        self.bit_generator = bit_generator

    def __repr__(self):
        return f"Generator({self.bit_generator!r})"

    def spawn(self, n_children):
        """n independent generators (keys drawn from this one)."""
        keys = self.bit_generator.bits((n_children,)).numpy()
        return [Generator(Philox(key=int(k))) for k in keys]

    # -- uniform bits and floats ----------------------------------------------------

    def _uniform(self, shape, dtype):
        """Floats in [0, 1) of this shape and dtype (NumPy's recipes)."""
        return _to_unit(self.bit_generator.bits(shape), dtype)

    def random(self, size=None, dtype=_np.float64, out=None):
        """Floats in [0, 1)."""
        d = _float_dtype(dtype, "random")
        shape = _size(size) if out is None else tuple(_np.shape(out))
        return _finish(self._uniform(shape or (), d), shape, out)

    def uniform(self, low=0.0, high=1.0, size=None):
        """Floats in [low, high)."""
        shape = _shape_of(size, low, high)
        if _np.any(_np.isinf(_np.subtract(_eager(high), _eager(low), dtype=float))):
            raise OverflowError("uniform: high - low range exceeds valid bounds")
        u = self._uniform(shape or (), _np.dtype("float64"))
        return _finish(asarray(low) + (asarray(high) - asarray(low)) * u, shape)

    def integers(self, low, high=None, size=None, dtype=_np.int64, endpoint=False):
        """Integers in [low, high) ([low, high] with endpoint=True); high=None draws
        from [0, low)."""
        d = _np.dtype(dtype)
        if d.kind not in "iub":
            raise TypeError(f"Unsupported dtype {d!r} for integers")
        if high is None:
            low, high = 0, low
        lo, hi = _np.asarray(_eager(low)), _np.asarray(_eager(high))
        if lo.dtype.kind not in "iub" or hi.dtype.kind not in "iub":
            if not (_np.all(lo == _np.floor(lo)) and _np.all(hi == _np.floor(hi))):
                raise TypeError("integers: low and high must be integers")
        lo_i, hi_i = lo.astype(object), hi.astype(object)
        top = hi_i if endpoint else hi_i - 1
        info = _np.iinfo(d) if d.kind != "b" else _np.iinfo(_np.uint8)
        if d.kind == "b":
            info_min, info_max = 0, 1
        else:
            info_min, info_max = info.min, info.max
        if _np.any(lo_i < info_min):
            raise ValueError("low is out of bounds for " + d.name)
        if _np.any(top > info_max):
            raise ValueError("high is out of bounds for " + d.name)
        if _np.any(lo_i > top):
            raise ValueError("low > high" if endpoint else "low >= high")
        shape = _shape_of(size, low, high)
        span = _np.asarray(top - lo_i + 1, dtype=object)  # 1 .. 2**64
        bits = self.bit_generator.bits(shape or ())
        if _np.all(span == 2 ** 64):
            offsets = bits
        else:
            spans = _np.asarray(_np.where(span == 2 ** 64, 0, span), dtype=_U64)
            # bits % 0 is 0 in lazyfuse's and NumPy's uint64 remainder: a full span
            # (only possible for 64-bit dtypes) keeps the bits instead.
            offsets = _binary("rem", bits, spans if spans.ndim else _np.uint64(spans), None)
            if _np.any(span == 2 ** 64):
                offsets = _core.where(asarray(spans == 0), bits, offsets)
        lows = _np.asarray(lo_i % 2 ** 64, dtype=_U64)
        values = _binary("add", offsets, lows if lows.ndim else _np.uint64(lows), None)
        return _finish(values.astype(d), shape)

    # -- continuous distributions by inversion --------------------------------------

    def standard_normal(self, size=None, dtype=_np.float64, out=None):
        """Normal(0, 1) floats (Box-Muller)."""
        d = _float_dtype(dtype, "standard_normal")
        shape = _size(size) if out is None else tuple(_np.shape(out))
        return _finish(self._normal(shape or (), d), shape, out)

    def _normal(self, shape, d):
        offset = self.bit_generator.take(_count(shape))
        u1 = _to_unit(self.bit_generator.bits_at(offset, shape, 0), d)
        u2 = _to_unit(self.bit_generator.bits_at(offset, shape, 1), d)
        radius = _core.sqrt(-2.0 * _core.log(1.0 - u1))
        return radius * _core.cos((2.0 * _math.pi) * u2)

    def normal(self, loc=0.0, scale=1.0, size=None):
        """Normal(loc, scale) floats."""
        _check_params("normal", scale=(scale, True))
        shape = _shape_of(size, loc, scale)
        z = self._normal(shape or (), _np.dtype("float64"))
        return _finish(asarray(loc) + asarray(scale) * z, shape)

    def standard_exponential(self, size=None, dtype=_np.float64, method="zig", out=None):
        """Exponential(1) floats: -log(1 - u)."""
        d = _float_dtype(dtype, "standard_exponential")
        shape = _size(size) if out is None else tuple(_np.shape(out))
        return _finish(self._exponential(shape or (), d), shape, out)

    def _exponential(self, shape, d):
        return -_core.log1p(-self._uniform(shape, d))

    def exponential(self, scale=1.0, size=None):
        """Exponential floats of mean scale."""
        _check_params("exponential", scale=(scale, True))
        shape = _shape_of(size, scale)
        return _finish(asarray(scale) * self._exponential(shape or (), _np.dtype("float64")), shape)

    def lognormal(self, mean=0.0, sigma=1.0, size=None):
        """exp(Normal(mean, sigma))."""
        _check_params("lognormal", sigma=(sigma, True))
        shape = _shape_of(size, mean, sigma)
        z = self._normal(shape or (), _np.dtype("float64"))
        return _finish(_core.exp(asarray(mean) + asarray(sigma) * z), shape)

    def laplace(self, loc=0.0, scale=1.0, size=None):
        """Laplace (double exponential) floats: a signed Exponential(1), the sign from
        the bits' top bit, the exponential from the other 63."""
        _check_params("laplace", scale=(scale, True))
        shape = _shape_of(size, loc, scale)
        bits = self.bit_generator.bits(shape or ())
        u = ((bits << 1) >> 11).astype("float64") * (2.0 ** -53)
        e = -_core.log1p(-u)
        signed = _core.where((bits >> 63) == 1, -e, e)
        return _finish(asarray(loc) + asarray(scale) * signed, shape)

    def logistic(self, loc=0.0, scale=1.0, size=None):
        """Logistic floats: loc + scale log(u / (1 - u))."""
        _check_params("logistic", scale=(scale, True))
        shape = _shape_of(size, loc, scale)
        u = self._open_uniform(shape or ())
        return _finish(asarray(loc) + asarray(scale) * _core.log(u / (1.0 - u)), shape)

    def _open_uniform(self, shape):
        """Floats in (0, 1): ((bits >> 12) + 0.5) * 2**-52."""
        bits = self.bit_generator.bits(shape)
        return ((bits >> 12).astype("float64") + 0.5) * (2.0 ** -52)

    def gumbel(self, loc=0.0, scale=1.0, size=None):
        """Gumbel floats: loc - scale log(-log u)."""
        _check_params("gumbel", scale=(scale, True))
        shape = _shape_of(size, loc, scale)
        u = self._open_uniform(shape or ())
        return _finish(asarray(loc) - asarray(scale) * _core.log(-_core.log(u)), shape)

    def rayleigh(self, scale=1.0, size=None):
        """Rayleigh floats: scale sqrt(2 Exponential(1))."""
        _check_params("rayleigh", scale=(scale, True))
        shape = _shape_of(size, scale)
        e = self._exponential(shape or (), _np.dtype("float64"))
        return _finish(asarray(scale) * _core.sqrt(2.0 * e), shape)

    def weibull(self, a, size=None):
        """Weibull floats of shape a: Exponential(1) ** (1 / a)."""
        _check_params("weibull", a=(a, True))
        shape = _shape_of(size, a)
        e = self._exponential(shape or (), _np.dtype("float64"))
        a = asarray(a)
        return _finish(_core.where(a == 0, 0.0, e ** (1.0 / a)), shape)

    def pareto(self, a, size=None):
        """Pareto II (Lomax) floats of shape a: exp(Exponential(1) / a) - 1."""
        _check_params("pareto", a=(a, False))
        shape = _shape_of(size, a)
        e = self._exponential(shape or (), _np.dtype("float64"))
        return _finish(_core.expm1(e / asarray(a)), shape)

    def power(self, a, size=None):
        """Power-law floats on [0, 1] of exponent a - 1: (1 - exp(-E)) ** (1 / a)."""
        _check_params("power", a=(a, False))
        shape = _shape_of(size, a)
        e = self._exponential(shape or (), _np.dtype("float64"))
        return _finish((-_core.expm1(-e)) ** (1.0 / asarray(a)), shape)

    def standard_cauchy(self, size=None):
        """Cauchy floats: tan(pi (u - 1/2)) on the open interval."""
        shape = _size(size)
        u = self._open_uniform(shape or ())
        return _finish(_core.tan(_math.pi * (u - 0.5)), shape)

    # -- discrete samplers that reject: NumPy's algorithms on a keyed Philox ----------

    def _numpy_generator(self, n):
        offset = self.bit_generator.take(n)
        return _np.random.Generator(_np.random.Philox(key=[self.bit_generator.key, offset]))

    def poisson(self, lam=1.0, size=None):
        """Poisson integers of mean lam (NumPy's sampler, keyed by this generator)."""
        shape = _shape_of(size, lam)
        sample = self._numpy_generator(_count(shape or ())).poisson(_eager(lam), shape)
        return sample if shape is None else asarray(sample)

    def binomial(self, n, p, size=None):
        """Binomial integers (NumPy's sampler, keyed by this generator)."""
        shape = _shape_of(size, n, p)
        sample = self._numpy_generator(_count(shape or ())).binomial(_eager(n), _eager(p), shape)
        return sample if shape is None else asarray(sample)

    # -- permutations and choice ------------------------------------------------------

    def _random_order(self, n):
        """A uniformly random permutation of range(n) (argsort of random keys)."""
        keys = self.bit_generator.bits((n,)).numpy()
        return _np.argsort(keys, kind="stable")

    def permutation(self, x, axis=0):
        """A permuted copy of x (or of range(x) for an integer) along axis."""
        if isinstance(x, (int, _np.integer)):
            return asarray(self._random_order(int(x)))
        x = asarray(x)
        if x.ndim == 0:
            raise _np.exceptions.AxisError("x must be an integer or at least 1-dimensional")
        axis = _axis(axis, x.ndim)
        order = self._random_order(x.shape[axis])
        return _take(x, order, axis)

    def shuffle(self, x, axis=0):
        """Permutes x in place along axis (lazy arrays and NumPy arrays)."""
        if _np.ndim(x) == 0:
            raise TypeError("shuffle: x must be an array")
        n = _np.shape(x)[axis]
        order = self._random_order(n)
        if isinstance(x, ndarray):
            x[...] = _take(x, order, axis).numpy()
        elif isinstance(x, _np.ndarray):
            x[...] = _np.take(x, order, axis=axis)
        else:  # a mutable sequence
            items = list(x)
            x[:] = [items[i] for i in order]

    def choice(self, a, size=None, replace=True, p=None, axis=0, shuffle=True):
        """Samples from a (or range(a) for an integer), with or without replacement,
        uniformly or with probabilities p."""
        if isinstance(a, (int, _np.integer)):
            n, population = int(a), None
            if n <= 0 and not (n == 0 and _size(size) is not None and _count(_size(size)) == 0):
                raise ValueError("a must be a positive integer unless no samples are taken")
        else:
            try:
                population = asarray(a)
            except DTypeError:  # strings, objects: NumPy's array, indexed by NumPy
                population = _np.asarray(a)
            if population.ndim == 0:
                raise ValueError("a must be a sequence or an integer, not a 0-d array")
            n = population.shape[axis]
            if n == 0 and (size is None or _count(_size(size))):
                raise ValueError("a cannot be empty unless no samples are taken")
        shape = _size(size)
        k = _count(shape or ())
        if p is not None:
            p = _np.asarray(_eager(p), dtype=float)
            if p.ndim != 1 or p.size != n:
                raise ValueError("p must be 1-dimensional and the same length as a")
            if _np.any(_np.isnan(p)) or _np.any(p < 0):
                raise ValueError("probabilities are not non-negative")
            if abs(p.sum() - 1.0) > _np.sqrt(_np.finfo(float).eps):
                raise ValueError("probabilities do not sum to 1")
        if replace:
            if p is None:
                index = self.integers(0, n, shape or ()) if n else asarray(_np.zeros(shape or (), "int64"))
            else:
                cdf = _np.cumsum(p)
                cdf /= cdf[-1]
                u = self._uniform(shape or (), _np.dtype("float64")).numpy()
                index = asarray(_np.minimum(_np.searchsorted(cdf, u, side="right"), n - 1))
        else:
            if k > n:
                raise ValueError("Cannot take a larger sample than population when replace is False")
            if p is None:
                order = self._random_order(n)
            else:
                if _np.count_nonzero(p) < k:
                    raise ValueError("Fewer non-zero entries in p than size")
                # Weighted sampling without replacement: the k smallest Exponential / p.
                e = self._exponential((n,), _np.dtype("float64")).numpy()
                with _np.errstate(divide="ignore"):
                    order = _np.argsort(e / p, kind="stable")
            order = order[:k]
            if not shuffle:
                order = _np.sort(order)
            index = asarray(order.reshape(shape or ()))
        if population is None:
            return _finish(index, shape)
        taken = _take(population, index, axis)
        if shape is None and taken.ndim == 0:
            return _eager(taken)[()]
        return taken


# NumPy Generator methods lazyfuse has no lazy sampler for (rejection samplers, the
# multivariate ones, bytes, permuted): NumPy's own, on a Philox stream keyed by this
# generator and the call (its next counter), computed at once. Their values are
# reproducible from the seed, and independent of lazyfuse's own draws (another key).
_NUMPY_SAMPLERS = (
    "beta", "bytes", "chisquare", "dirichlet", "f", "gamma", "geometric", "hypergeometric",
    "logseries", "multinomial", "multivariate_hypergeometric", "multivariate_normal",
    "negative_binomial", "noncentral_chisquare", "noncentral_f", "permuted", "standard_gamma",
    "standard_t", "triangular", "vonmises", "wald", "zipf",
)


def _numpy_sampler(name):
    def method(self, *args, **kwargs):
        out = kwargs.pop("out", None)
        args = [_eager(a) for a in args]
        kwargs = {k: _eager(v) for k, v in kwargs.items()}
        sample = getattr(self._numpy_generator(1), name)(*args, **kwargs)
        if not isinstance(sample, _np.ndarray):
            if out is not None:
                raise TypeError(f"{name}: out= needs an array sample")
            return sample  # a Python or NumPy scalar, or bytes, as NumPy gives them
        if out is not None:
            if tuple(_np.shape(out)) != sample.shape:
                raise ValueError(f"{name}: out has shape {tuple(_np.shape(out))}, "
                                 f"the sample {sample.shape}")
            out[...] = sample
            return out
        return asarray(sample)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = (f"NumPy's ``Generator.{name}``, drawn by NumPy's sampler on a Philox "
                      "stream keyed by this generator (computed at once).")
    return method


for _name in _NUMPY_SAMPLERS:
    setattr(Generator, _name, _numpy_sampler(_name))
del _name


def _axis(axis, ndim):
    axis = _operator.index(axis)
    if not -ndim <= axis < ndim:
        raise _np.exceptions.AxisError(axis, ndim)
    return axis % ndim


def _take(x, index, axis):
    """x's elements at index along axis (a lazy gather; NumPy's for a NumPy array)."""
    if isinstance(x, _np.ndarray):
        return _np.take(x, _eager(index), axis=axis)
    return x[(slice(None),) * _axis(axis, x.ndim) + (asarray(index),)]


def _eager(value):
    """A parameter's value in memory (a lazy array evaluated)."""
    return value.numpy() if isinstance(value, ndarray) else value


def default_rng(seed=None):
    """A Generator seeded as NumPy's default_rng is (int, sequence, SeedSequence or
    None for fresh entropy); a Generator is returned as it is."""
    if isinstance(seed, Generator):
        return seed
    if isinstance(seed, Philox):
        return Generator(seed)
    return Generator(Philox(seed))


# -- the legacy module-level functions, on one global generator --------------------

class RandomState:
    """NumPy's legacy ``RandomState`` methods over a lazyfuse Generator."""

    def __init__(self, seed=None):
        self._generator = default_rng(seed)

    def seed(self, seed=None):
        """Reseeds (None: fresh entropy)."""
        self._generator = default_rng(seed)

    def get_state(self):
        """The bit generator's key and counter."""
        return self._generator.bit_generator.state

    def set_state(self, state):
        """Restores a state from get_state."""
        self._generator.bit_generator.state = state

    def rand(self, *shape):
        """Floats in [0, 1) of shape (d0, d1, ...)."""
        return self._generator.random(shape if shape else None)

    def randn(self, *shape):
        """Standard normal floats of shape (d0, d1, ...)."""
        return self._generator.standard_normal(shape if shape else None)

    def randint(self, low, high=None, size=None, dtype=int):
        """Integers in [low, high) ([0, low) without high)."""
        return self._generator.integers(low, high, size, dtype)

    def random_sample(self, size=None):
        """Floats in [0, 1)."""
        return self._generator.random(size)

    random = sample = ranf = random_sample

    def uniform(self, low=0.0, high=1.0, size=None):
        """Floats in [low, high)."""
        return self._generator.uniform(low, high, size)

    def normal(self, loc=0.0, scale=1.0, size=None):
        """Normal(loc, scale) floats."""
        return self._generator.normal(loc, scale, size)

    def standard_normal(self, size=None):
        """Normal(0, 1) floats."""
        return self._generator.standard_normal(size)

    def exponential(self, scale=1.0, size=None):
        """Exponential floats of mean scale."""
        return self._generator.exponential(scale, size)

    def standard_exponential(self, size=None):
        """Exponential(1) floats."""
        return self._generator.standard_exponential(size)

    def poisson(self, lam=1.0, size=None):
        """Poisson integers of mean lam."""
        return self._generator.poisson(lam, size)

    def binomial(self, n, p, size=None):
        """Binomial integers."""
        return self._generator.binomial(n, p, size)

    def choice(self, a, size=None, replace=True, p=None):
        """Samples from a (or range(a))."""
        return self._generator.choice(a, size, replace, p)

    def permutation(self, x):
        """A permuted copy of x (or of range(x))."""
        return self._generator.permutation(x)

    def shuffle(self, x):
        """Permutes x in place along its first axis."""
        self._generator.shuffle(x)

    def __getattr__(self, name):
        # lognormal, laplace, gumbel, ...: the Generator's method of the same name.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._generator, name)


_GLOBAL = RandomState()


def seed(seed=None):
    """Reseeds the global generator the legacy functions draw from."""
    _GLOBAL.seed(seed)


def get_state():
    """The global generator's state."""
    return _GLOBAL.get_state()


# One function per legacy name, each on the global generator.

def rand(*shape):
    """NumPy's legacy ``rand``, on the global generator (see ``seed``)."""
    return _GLOBAL.rand(*shape)


def randn(*shape):
    """NumPy's legacy ``randn``, on the global generator (see ``seed``)."""
    return _GLOBAL.randn(*shape)


def randint(low, high=None, size=None, dtype=int):
    """NumPy's legacy ``randint``, on the global generator (see ``seed``)."""
    return _GLOBAL.randint(low, high, size, dtype)


def random_sample(size=None):
    """NumPy's legacy ``random_sample``, on the global generator (see ``seed``)."""
    return _GLOBAL.random_sample(size)


def random(size=None):
    """NumPy's legacy ``random``, on the global generator (see ``seed``)."""
    return _GLOBAL.random(size)


def sample(size=None):
    """NumPy's legacy ``sample``, on the global generator (see ``seed``)."""
    return _GLOBAL.sample(size)


def ranf(size=None):
    """NumPy's legacy ``ranf``, on the global generator (see ``seed``)."""
    return _GLOBAL.ranf(size)


def uniform(low=0.0, high=1.0, size=None):
    """NumPy's legacy ``uniform``, on the global generator (see ``seed``)."""
    return _GLOBAL.uniform(low, high, size)


def normal(loc=0.0, scale=1.0, size=None):
    """NumPy's legacy ``normal``, on the global generator (see ``seed``)."""
    return _GLOBAL.normal(loc, scale, size)


def standard_normal(size=None):
    """NumPy's legacy ``standard_normal``, on the global generator (see ``seed``)."""
    return _GLOBAL.standard_normal(size)


def choice(a, size=None, replace=True, p=None):
    """NumPy's legacy ``choice``, on the global generator (see ``seed``)."""
    return _GLOBAL.choice(a, size, replace, p)


def permutation(x):
    """NumPy's legacy ``permutation``, on the global generator (see ``seed``)."""
    return _GLOBAL.permutation(x)


def shuffle(x):
    """NumPy's legacy ``shuffle``, on the global generator (see ``seed``)."""
    return _GLOBAL.shuffle(x)


def exponential(scale=1.0, size=None):
    """NumPy's legacy ``exponential``, on the global generator (see ``seed``)."""
    return _GLOBAL.exponential(scale, size)


def standard_exponential(size=None):
    """NumPy's legacy ``standard_exponential``, on the global generator (see ``seed``)."""
    return _GLOBAL.standard_exponential(size)


def poisson(lam=1.0, size=None):
    """NumPy's legacy ``poisson``, on the global generator (see ``seed``)."""
    return _GLOBAL.poisson(lam, size)


def binomial(n, p, size=None):
    """NumPy's legacy ``binomial``, on the global generator (see ``seed``)."""
    return _GLOBAL.binomial(n, p, size)


def lognormal(mean=0.0, sigma=1.0, size=None):
    """NumPy's legacy ``lognormal``, on the global generator (see ``seed``)."""
    return _GLOBAL.lognormal(mean, sigma, size)


def laplace(loc=0.0, scale=1.0, size=None):
    """NumPy's legacy ``laplace``, on the global generator (see ``seed``)."""
    return _GLOBAL.laplace(loc, scale, size)


def logistic(loc=0.0, scale=1.0, size=None):
    """NumPy's legacy ``logistic``, on the global generator (see ``seed``)."""
    return _GLOBAL.logistic(loc, scale, size)


def gumbel(loc=0.0, scale=1.0, size=None):
    """NumPy's legacy ``gumbel``, on the global generator (see ``seed``)."""
    return _GLOBAL.gumbel(loc, scale, size)


def rayleigh(scale=1.0, size=None):
    """NumPy's legacy ``rayleigh``, on the global generator (see ``seed``)."""
    return _GLOBAL.rayleigh(scale, size)


def weibull(a, size=None):
    """NumPy's legacy ``weibull``, on the global generator (see ``seed``)."""
    return _GLOBAL.weibull(a, size)


def pareto(a, size=None):
    """NumPy's legacy ``pareto``, on the global generator (see ``seed``)."""
    return _GLOBAL.pareto(a, size)


def power(a, size=None):
    """NumPy's legacy ``power``, on the global generator (see ``seed``)."""
    return _GLOBAL.power(a, size)


def standard_cauchy(size=None):
    """NumPy's legacy ``standard_cauchy``, on the global generator (see ``seed``)."""
    return _GLOBAL.standard_cauchy(size)


def __getattr__(name):
    """Every other name is NumPy's random module's (its samplers draw from NumPy's own
    streams)."""
    try:
        return getattr(_np.random, name)
    except AttributeError:
        raise AttributeError(f"module 'lazyfuse.numpy.random' has no attribute {name!r}") from None
