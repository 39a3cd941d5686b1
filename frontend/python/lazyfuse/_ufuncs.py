"""lazyfuse.numpy's elementwise functions, one definition per name; each builds a
lazy node (nothing is computed) and is a ufunc (`_ufunc.py`: NumPy's methods).

Generated from ir/src/op.rs by tests/op_tables.rs: do not edit; change op.rs and
run `LAZYFUSE_BLESS=1 cargo test --test op_tables`.
"""

from ._core import _binary, _ufunc_into, _unary
from ._ufunc import binary, unary

__all__ = [
    "negative", "absolute", "abs", "sign", "exp", "expm1",
    "log", "log1p", "log2", "log10", "sqrt", "square",
    "reciprocal", "sin", "cos", "tan", "arcsin", "asin",
    "arccos", "acos", "arctan", "atan", "sinh", "cosh",
    "tanh", "floor", "ceil", "rint", "trunc", "isnan",
    "isinf", "isfinite", "logical_not", "sigmoid", "erf", "arcsinh",
    "asinh", "arccosh", "acosh", "arctanh", "atanh", "cbrt",
    "signbit", "invert", "bitwise_not", "bitwise_invert", "conjugate", "conj",
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide",
    "remainder", "mod", "power", "pow", "maximum", "minimum",
    "arctan2", "atan2", "equal", "not_equal", "less", "less_equal",
    "greater", "greater_equal", "logical_and", "logical_or", "logical_xor", "bitwise_and",
    "bitwise_or", "bitwise_xor", "left_shift", "bitwise_left_shift", "right_shift", "bitwise_right_shift",
    "copysign", "fmod", "nextafter", "gcd", "lcm",
]


@unary
def negative(x, /, out=None, *, where=True, dtype=None):
    """Elementwise negative (IR op ``neg``)."""
    if out is not None or where is not True:
        return _ufunc_into("negative", (x,), out, where, dtype)
    return _unary("neg", x, dtype)


@unary
def absolute(x, /, out=None, *, where=True, dtype=None):
    """Elementwise absolute (IR op ``abs``)."""
    if out is not None or where is not True:
        return _ufunc_into("absolute", (x,), out, where, dtype)
    return _unary("abs", x, dtype)


@unary
def abs(x, /, out=None, *, where=True, dtype=None):
    """Elementwise abs (IR op ``abs``)."""
    if out is not None or where is not True:
        return _ufunc_into("abs", (x,), out, where, dtype)
    return _unary("abs", x, dtype)


@unary
def sign(x, /, out=None, *, where=True, dtype=None):
    """Elementwise sign (IR op ``sign``)."""
    if out is not None or where is not True:
        return _ufunc_into("sign", (x,), out, where, dtype)
    return _unary("sign", x, dtype)


@unary
def exp(x, /, out=None, *, where=True, dtype=None):
    """Elementwise exp (IR op ``exp``)."""
    if out is not None or where is not True:
        return _ufunc_into("exp", (x,), out, where, dtype)
    return _unary("exp", x, dtype)


@unary
def expm1(x, /, out=None, *, where=True, dtype=None):
    """Elementwise expm1 (IR op ``expm1``)."""
    if out is not None or where is not True:
        return _ufunc_into("expm1", (x,), out, where, dtype)
    return _unary("expm1", x, dtype)


@unary
def log(x, /, out=None, *, where=True, dtype=None):
    """Elementwise log (IR op ``log``)."""
    if out is not None or where is not True:
        return _ufunc_into("log", (x,), out, where, dtype)
    return _unary("log", x, dtype)


@unary
def log1p(x, /, out=None, *, where=True, dtype=None):
    """Elementwise log1p (IR op ``log1p``)."""
    if out is not None or where is not True:
        return _ufunc_into("log1p", (x,), out, where, dtype)
    return _unary("log1p", x, dtype)


@unary
def log2(x, /, out=None, *, where=True, dtype=None):
    """Elementwise log2 (IR op ``log2``)."""
    if out is not None or where is not True:
        return _ufunc_into("log2", (x,), out, where, dtype)
    return _unary("log2", x, dtype)


@unary
def log10(x, /, out=None, *, where=True, dtype=None):
    """Elementwise log10 (IR op ``log10``)."""
    if out is not None or where is not True:
        return _ufunc_into("log10", (x,), out, where, dtype)
    return _unary("log10", x, dtype)


@unary
def sqrt(x, /, out=None, *, where=True, dtype=None):
    """Elementwise sqrt (IR op ``sqrt``)."""
    if out is not None or where is not True:
        return _ufunc_into("sqrt", (x,), out, where, dtype)
    return _unary("sqrt", x, dtype)


@unary
def square(x, /, out=None, *, where=True, dtype=None):
    """Elementwise square (IR op ``square``)."""
    if out is not None or where is not True:
        return _ufunc_into("square", (x,), out, where, dtype)
    return _unary("square", x, dtype)


@unary
def reciprocal(x, /, out=None, *, where=True, dtype=None):
    """Elementwise reciprocal (IR op ``reciprocal``)."""
    if out is not None or where is not True:
        return _ufunc_into("reciprocal", (x,), out, where, dtype)
    return _unary("reciprocal", x, dtype)


@unary
def sin(x, /, out=None, *, where=True, dtype=None):
    """Elementwise sin (IR op ``sin``)."""
    if out is not None or where is not True:
        return _ufunc_into("sin", (x,), out, where, dtype)
    return _unary("sin", x, dtype)


@unary
def cos(x, /, out=None, *, where=True, dtype=None):
    """Elementwise cos (IR op ``cos``)."""
    if out is not None or where is not True:
        return _ufunc_into("cos", (x,), out, where, dtype)
    return _unary("cos", x, dtype)


@unary
def tan(x, /, out=None, *, where=True, dtype=None):
    """Elementwise tan (IR op ``tan``)."""
    if out is not None or where is not True:
        return _ufunc_into("tan", (x,), out, where, dtype)
    return _unary("tan", x, dtype)


@unary
def arcsin(x, /, out=None, *, where=True, dtype=None):
    """Elementwise arcsin (IR op ``arcsin``)."""
    if out is not None or where is not True:
        return _ufunc_into("arcsin", (x,), out, where, dtype)
    return _unary("arcsin", x, dtype)


@unary
def asin(x, /, out=None, *, where=True, dtype=None):
    """Elementwise asin (IR op ``arcsin``)."""
    if out is not None or where is not True:
        return _ufunc_into("asin", (x,), out, where, dtype)
    return _unary("arcsin", x, dtype)


@unary
def arccos(x, /, out=None, *, where=True, dtype=None):
    """Elementwise arccos (IR op ``arccos``)."""
    if out is not None or where is not True:
        return _ufunc_into("arccos", (x,), out, where, dtype)
    return _unary("arccos", x, dtype)


@unary
def acos(x, /, out=None, *, where=True, dtype=None):
    """Elementwise acos (IR op ``arccos``)."""
    if out is not None or where is not True:
        return _ufunc_into("acos", (x,), out, where, dtype)
    return _unary("arccos", x, dtype)


@unary
def arctan(x, /, out=None, *, where=True, dtype=None):
    """Elementwise arctan (IR op ``arctan``)."""
    if out is not None or where is not True:
        return _ufunc_into("arctan", (x,), out, where, dtype)
    return _unary("arctan", x, dtype)


@unary
def atan(x, /, out=None, *, where=True, dtype=None):
    """Elementwise atan (IR op ``arctan``)."""
    if out is not None or where is not True:
        return _ufunc_into("atan", (x,), out, where, dtype)
    return _unary("arctan", x, dtype)


@unary
def sinh(x, /, out=None, *, where=True, dtype=None):
    """Elementwise sinh (IR op ``sinh``)."""
    if out is not None or where is not True:
        return _ufunc_into("sinh", (x,), out, where, dtype)
    return _unary("sinh", x, dtype)


@unary
def cosh(x, /, out=None, *, where=True, dtype=None):
    """Elementwise cosh (IR op ``cosh``)."""
    if out is not None or where is not True:
        return _ufunc_into("cosh", (x,), out, where, dtype)
    return _unary("cosh", x, dtype)


@unary
def tanh(x, /, out=None, *, where=True, dtype=None):
    """Elementwise tanh (IR op ``tanh``)."""
    if out is not None or where is not True:
        return _ufunc_into("tanh", (x,), out, where, dtype)
    return _unary("tanh", x, dtype)


@unary
def floor(x, /, out=None, *, where=True, dtype=None):
    """Elementwise floor (IR op ``floor``)."""
    if out is not None or where is not True:
        return _ufunc_into("floor", (x,), out, where, dtype)
    return _unary("floor", x, dtype)


@unary
def ceil(x, /, out=None, *, where=True, dtype=None):
    """Elementwise ceil (IR op ``ceil``)."""
    if out is not None or where is not True:
        return _ufunc_into("ceil", (x,), out, where, dtype)
    return _unary("ceil", x, dtype)


@unary
def rint(x, /, out=None, *, where=True, dtype=None):
    """Elementwise rint (IR op ``round``)."""
    if out is not None or where is not True:
        return _ufunc_into("rint", (x,), out, where, dtype)
    return _unary("round", x, dtype)


@unary
def trunc(x, /, out=None, *, where=True, dtype=None):
    """Elementwise trunc (IR op ``trunc``)."""
    if out is not None or where is not True:
        return _ufunc_into("trunc", (x,), out, where, dtype)
    return _unary("trunc", x, dtype)


@unary
def isnan(x, /, out=None, *, where=True, dtype=None):
    """Elementwise isnan (IR op ``isnan``)."""
    if out is not None or where is not True:
        return _ufunc_into("isnan", (x,), out, where, dtype)
    return _unary("isnan", x, dtype)


@unary
def isinf(x, /, out=None, *, where=True, dtype=None):
    """Elementwise isinf (IR op ``isinf``)."""
    if out is not None or where is not True:
        return _ufunc_into("isinf", (x,), out, where, dtype)
    return _unary("isinf", x, dtype)


@unary
def isfinite(x, /, out=None, *, where=True, dtype=None):
    """Elementwise isfinite (IR op ``isfinite``)."""
    if out is not None or where is not True:
        return _ufunc_into("isfinite", (x,), out, where, dtype)
    return _unary("isfinite", x, dtype)


@unary
def logical_not(x, /, out=None, *, where=True, dtype=None):
    """Elementwise logical_not (IR op ``logical_not``)."""
    if out is not None or where is not True:
        return _ufunc_into("logical_not", (x,), out, where, dtype)
    return _unary("logical_not", x, dtype)


@unary
def sigmoid(x, /, out=None, *, where=True, dtype=None):
    """Elementwise sigmoid (IR op ``sigmoid``)."""
    if out is not None or where is not True:
        return _ufunc_into("sigmoid", (x,), out, where, dtype)
    return _unary("sigmoid", x, dtype)


@unary
def erf(x, /, out=None, *, where=True, dtype=None):
    """Elementwise erf (IR op ``erf``)."""
    if out is not None or where is not True:
        return _ufunc_into("erf", (x,), out, where, dtype)
    return _unary("erf", x, dtype)


@unary
def arcsinh(x, /, out=None, *, where=True, dtype=None):
    """Elementwise arcsinh (IR op ``arcsinh``)."""
    if out is not None or where is not True:
        return _ufunc_into("arcsinh", (x,), out, where, dtype)
    return _unary("arcsinh", x, dtype)


@unary
def asinh(x, /, out=None, *, where=True, dtype=None):
    """Elementwise asinh (IR op ``arcsinh``)."""
    if out is not None or where is not True:
        return _ufunc_into("asinh", (x,), out, where, dtype)
    return _unary("arcsinh", x, dtype)


@unary
def arccosh(x, /, out=None, *, where=True, dtype=None):
    """Elementwise arccosh (IR op ``arccosh``)."""
    if out is not None or where is not True:
        return _ufunc_into("arccosh", (x,), out, where, dtype)
    return _unary("arccosh", x, dtype)


@unary
def acosh(x, /, out=None, *, where=True, dtype=None):
    """Elementwise acosh (IR op ``arccosh``)."""
    if out is not None or where is not True:
        return _ufunc_into("acosh", (x,), out, where, dtype)
    return _unary("arccosh", x, dtype)


@unary
def arctanh(x, /, out=None, *, where=True, dtype=None):
    """Elementwise arctanh (IR op ``arctanh``)."""
    if out is not None or where is not True:
        return _ufunc_into("arctanh", (x,), out, where, dtype)
    return _unary("arctanh", x, dtype)


@unary
def atanh(x, /, out=None, *, where=True, dtype=None):
    """Elementwise atanh (IR op ``arctanh``)."""
    if out is not None or where is not True:
        return _ufunc_into("atanh", (x,), out, where, dtype)
    return _unary("arctanh", x, dtype)


@unary
def cbrt(x, /, out=None, *, where=True, dtype=None):
    """Elementwise cbrt (IR op ``cbrt``)."""
    if out is not None or where is not True:
        return _ufunc_into("cbrt", (x,), out, where, dtype)
    return _unary("cbrt", x, dtype)


@unary
def signbit(x, /, out=None, *, where=True, dtype=None):
    """Elementwise signbit (IR op ``signbit``)."""
    if out is not None or where is not True:
        return _ufunc_into("signbit", (x,), out, where, dtype)
    return _unary("signbit", x, dtype)


@unary
def invert(x, /, out=None, *, where=True, dtype=None):
    """Elementwise invert (IR op ``invert``)."""
    if out is not None or where is not True:
        return _ufunc_into("invert", (x,), out, where, dtype)
    return _unary("invert", x, dtype)


@unary
def bitwise_not(x, /, out=None, *, where=True, dtype=None):
    """Elementwise bitwise_not (IR op ``invert``)."""
    if out is not None or where is not True:
        return _ufunc_into("bitwise_not", (x,), out, where, dtype)
    return _unary("invert", x, dtype)


@unary
def bitwise_invert(x, /, out=None, *, where=True, dtype=None):
    """Elementwise bitwise_invert (IR op ``invert``)."""
    if out is not None or where is not True:
        return _ufunc_into("bitwise_invert", (x,), out, where, dtype)
    return _unary("invert", x, dtype)


@unary
def conjugate(x, /, out=None, *, where=True, dtype=None):
    """Elementwise conjugate (IR op ``conj``)."""
    if out is not None or where is not True:
        return _ufunc_into("conjugate", (x,), out, where, dtype)
    return _unary("conj", x, dtype)


@unary
def conj(x, /, out=None, *, where=True, dtype=None):
    """Elementwise conj (IR op ``conj``)."""
    if out is not None or where is not True:
        return _ufunc_into("conj", (x,), out, where, dtype)
    return _unary("conj", x, dtype)


@binary
def add(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise add (IR op ``add``)."""
    if out is not None or where is not True:
        return _ufunc_into("add", (x1, x2), out, where, dtype)
    return _binary("add", x1, x2, dtype)


@binary
def subtract(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise subtract (IR op ``sub``)."""
    if out is not None or where is not True:
        return _ufunc_into("subtract", (x1, x2), out, where, dtype)
    return _binary("sub", x1, x2, dtype)


@binary
def multiply(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise multiply (IR op ``mul``)."""
    if out is not None or where is not True:
        return _ufunc_into("multiply", (x1, x2), out, where, dtype)
    return _binary("mul", x1, x2, dtype)


@binary
def divide(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise divide (IR op ``div``)."""
    if out is not None or where is not True:
        return _ufunc_into("divide", (x1, x2), out, where, dtype)
    return _binary("div", x1, x2, dtype)


@binary
def true_divide(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise true_divide (IR op ``div``)."""
    if out is not None or where is not True:
        return _ufunc_into("true_divide", (x1, x2), out, where, dtype)
    return _binary("div", x1, x2, dtype)


@binary
def floor_divide(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise floor_divide (IR op ``floordiv``)."""
    if out is not None or where is not True:
        return _ufunc_into("floor_divide", (x1, x2), out, where, dtype)
    return _binary("floordiv", x1, x2, dtype)


@binary
def remainder(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise remainder (IR op ``rem``)."""
    if out is not None or where is not True:
        return _ufunc_into("remainder", (x1, x2), out, where, dtype)
    return _binary("rem", x1, x2, dtype)


@binary
def mod(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise mod (IR op ``rem``)."""
    if out is not None or where is not True:
        return _ufunc_into("mod", (x1, x2), out, where, dtype)
    return _binary("rem", x1, x2, dtype)


@binary
def power(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise power (IR op ``pow``)."""
    if out is not None or where is not True:
        return _ufunc_into("power", (x1, x2), out, where, dtype)
    return _binary("pow", x1, x2, dtype)


@binary
def pow(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise pow (IR op ``pow``)."""
    if out is not None or where is not True:
        return _ufunc_into("pow", (x1, x2), out, where, dtype)
    return _binary("pow", x1, x2, dtype)


@binary
def maximum(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise maximum (IR op ``maximum``)."""
    if out is not None or where is not True:
        return _ufunc_into("maximum", (x1, x2), out, where, dtype)
    return _binary("maximum", x1, x2, dtype)


@binary
def minimum(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise minimum (IR op ``minimum``)."""
    if out is not None or where is not True:
        return _ufunc_into("minimum", (x1, x2), out, where, dtype)
    return _binary("minimum", x1, x2, dtype)


@binary
def arctan2(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise arctan2 (IR op ``arctan2``)."""
    if out is not None or where is not True:
        return _ufunc_into("arctan2", (x1, x2), out, where, dtype)
    return _binary("arctan2", x1, x2, dtype)


@binary
def atan2(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise atan2 (IR op ``arctan2``)."""
    if out is not None or where is not True:
        return _ufunc_into("atan2", (x1, x2), out, where, dtype)
    return _binary("arctan2", x1, x2, dtype)


@binary
def equal(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise equal (IR op ``eq``)."""
    if out is not None or where is not True:
        return _ufunc_into("equal", (x1, x2), out, where, dtype)
    return _binary("eq", x1, x2, dtype)


@binary
def not_equal(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise not_equal (IR op ``ne``)."""
    if out is not None or where is not True:
        return _ufunc_into("not_equal", (x1, x2), out, where, dtype)
    return _binary("ne", x1, x2, dtype)


@binary
def less(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise less (IR op ``lt``)."""
    if out is not None or where is not True:
        return _ufunc_into("less", (x1, x2), out, where, dtype)
    return _binary("lt", x1, x2, dtype)


@binary
def less_equal(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise less_equal (IR op ``le``)."""
    if out is not None or where is not True:
        return _ufunc_into("less_equal", (x1, x2), out, where, dtype)
    return _binary("le", x1, x2, dtype)


@binary
def greater(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise greater (IR op ``gt``)."""
    if out is not None or where is not True:
        return _ufunc_into("greater", (x1, x2), out, where, dtype)
    return _binary("gt", x1, x2, dtype)


@binary
def greater_equal(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise greater_equal (IR op ``ge``)."""
    if out is not None or where is not True:
        return _ufunc_into("greater_equal", (x1, x2), out, where, dtype)
    return _binary("ge", x1, x2, dtype)


@binary
def logical_and(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise logical_and (IR op ``logical_and``)."""
    if out is not None or where is not True:
        return _ufunc_into("logical_and", (x1, x2), out, where, dtype)
    return _binary("logical_and", x1, x2, dtype)


@binary
def logical_or(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise logical_or (IR op ``logical_or``)."""
    if out is not None or where is not True:
        return _ufunc_into("logical_or", (x1, x2), out, where, dtype)
    return _binary("logical_or", x1, x2, dtype)


@binary
def logical_xor(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise logical_xor (IR op ``logical_xor``)."""
    if out is not None or where is not True:
        return _ufunc_into("logical_xor", (x1, x2), out, where, dtype)
    return _binary("logical_xor", x1, x2, dtype)


@binary
def bitwise_and(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise bitwise_and (IR op ``bitwise_and``)."""
    if out is not None or where is not True:
        return _ufunc_into("bitwise_and", (x1, x2), out, where, dtype)
    return _binary("bitwise_and", x1, x2, dtype)


@binary
def bitwise_or(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise bitwise_or (IR op ``bitwise_or``)."""
    if out is not None or where is not True:
        return _ufunc_into("bitwise_or", (x1, x2), out, where, dtype)
    return _binary("bitwise_or", x1, x2, dtype)


@binary
def bitwise_xor(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise bitwise_xor (IR op ``bitwise_xor``)."""
    if out is not None or where is not True:
        return _ufunc_into("bitwise_xor", (x1, x2), out, where, dtype)
    return _binary("bitwise_xor", x1, x2, dtype)


@binary
def left_shift(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise left_shift (IR op ``left_shift``)."""
    if out is not None or where is not True:
        return _ufunc_into("left_shift", (x1, x2), out, where, dtype)
    return _binary("left_shift", x1, x2, dtype)


@binary
def bitwise_left_shift(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise bitwise_left_shift (IR op ``left_shift``)."""
    if out is not None or where is not True:
        return _ufunc_into("bitwise_left_shift", (x1, x2), out, where, dtype)
    return _binary("left_shift", x1, x2, dtype)


@binary
def right_shift(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise right_shift (IR op ``right_shift``)."""
    if out is not None or where is not True:
        return _ufunc_into("right_shift", (x1, x2), out, where, dtype)
    return _binary("right_shift", x1, x2, dtype)


@binary
def bitwise_right_shift(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise bitwise_right_shift (IR op ``right_shift``)."""
    if out is not None or where is not True:
        return _ufunc_into("bitwise_right_shift", (x1, x2), out, where, dtype)
    return _binary("right_shift", x1, x2, dtype)


@binary
def copysign(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise copysign (IR op ``copysign``)."""
    if out is not None or where is not True:
        return _ufunc_into("copysign", (x1, x2), out, where, dtype)
    return _binary("copysign", x1, x2, dtype)


@binary
def fmod(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise fmod (IR op ``fmod``)."""
    if out is not None or where is not True:
        return _ufunc_into("fmod", (x1, x2), out, where, dtype)
    return _binary("fmod", x1, x2, dtype)


@binary
def nextafter(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise nextafter (IR op ``nextafter``)."""
    if out is not None or where is not True:
        return _ufunc_into("nextafter", (x1, x2), out, where, dtype)
    return _binary("nextafter", x1, x2, dtype)


@binary
def gcd(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise gcd (IR op ``gcd``)."""
    if out is not None or where is not True:
        return _ufunc_into("gcd", (x1, x2), out, where, dtype)
    return _binary("gcd", x1, x2, dtype)


@binary
def lcm(x1, x2, /, out=None, *, where=True, dtype=None):
    """Elementwise lcm (IR op ``lcm``)."""
    if out is not None or where is not True:
        return _ufunc_into("lcm", (x1, x2), out, where, dtype)
    return _binary("lcm", x1, x2, dtype)
