"""lazyfuse.numpy's elementwise functions, one definition per name; each builds a
lazy node (nothing is computed).

Generated from ir/src/op.rs by tests/op_tables.rs: do not edit; change op.rs and
run `LAZYFUSE_BLESS=1 cargo test --test op_tables`.
"""

from ._core import _unary, _binary

__all__ = [
    "negative", "absolute", "abs", "sign", "exp", "expm1",
    "log", "log1p", "log2", "log10", "sqrt", "square",
    "reciprocal", "sin", "cos", "tan", "arcsin", "arccos",
    "arctan", "sinh", "cosh", "tanh", "floor", "ceil",
    "rint", "trunc", "isnan", "isinf", "isfinite", "logical_not",
    "sigmoid", "erf", "add", "subtract", "multiply", "divide",
    "true_divide", "floor_divide", "remainder", "mod", "power", "maximum",
    "minimum", "arctan2", "equal", "not_equal", "less", "less_equal",
    "greater", "greater_equal", "logical_and", "logical_or", "logical_xor", "bitwise_and",
    "bitwise_or", "bitwise_xor",
]


def negative(x, /, dtype=None):
    """Elementwise negative (IR op ``neg``)."""
    return _unary("neg", x, dtype)


def absolute(x, /, dtype=None):
    """Elementwise absolute (IR op ``abs``)."""
    return _unary("abs", x, dtype)


def abs(x, /, dtype=None):
    """Elementwise abs (IR op ``abs``)."""
    return _unary("abs", x, dtype)


def sign(x, /, dtype=None):
    """Elementwise sign (IR op ``sign``)."""
    return _unary("sign", x, dtype)


def exp(x, /, dtype=None):
    """Elementwise exp (IR op ``exp``)."""
    return _unary("exp", x, dtype)


def expm1(x, /, dtype=None):
    """Elementwise expm1 (IR op ``expm1``)."""
    return _unary("expm1", x, dtype)


def log(x, /, dtype=None):
    """Elementwise log (IR op ``log``)."""
    return _unary("log", x, dtype)


def log1p(x, /, dtype=None):
    """Elementwise log1p (IR op ``log1p``)."""
    return _unary("log1p", x, dtype)


def log2(x, /, dtype=None):
    """Elementwise log2 (IR op ``log2``)."""
    return _unary("log2", x, dtype)


def log10(x, /, dtype=None):
    """Elementwise log10 (IR op ``log10``)."""
    return _unary("log10", x, dtype)


def sqrt(x, /, dtype=None):
    """Elementwise sqrt (IR op ``sqrt``)."""
    return _unary("sqrt", x, dtype)


def square(x, /, dtype=None):
    """Elementwise square (IR op ``square``)."""
    return _unary("square", x, dtype)


def reciprocal(x, /, dtype=None):
    """Elementwise reciprocal (IR op ``reciprocal``)."""
    return _unary("reciprocal", x, dtype)


def sin(x, /, dtype=None):
    """Elementwise sin (IR op ``sin``)."""
    return _unary("sin", x, dtype)


def cos(x, /, dtype=None):
    """Elementwise cos (IR op ``cos``)."""
    return _unary("cos", x, dtype)


def tan(x, /, dtype=None):
    """Elementwise tan (IR op ``tan``)."""
    return _unary("tan", x, dtype)


def arcsin(x, /, dtype=None):
    """Elementwise arcsin (IR op ``arcsin``)."""
    return _unary("arcsin", x, dtype)


def arccos(x, /, dtype=None):
    """Elementwise arccos (IR op ``arccos``)."""
    return _unary("arccos", x, dtype)


def arctan(x, /, dtype=None):
    """Elementwise arctan (IR op ``arctan``)."""
    return _unary("arctan", x, dtype)


def sinh(x, /, dtype=None):
    """Elementwise sinh (IR op ``sinh``)."""
    return _unary("sinh", x, dtype)


def cosh(x, /, dtype=None):
    """Elementwise cosh (IR op ``cosh``)."""
    return _unary("cosh", x, dtype)


def tanh(x, /, dtype=None):
    """Elementwise tanh (IR op ``tanh``)."""
    return _unary("tanh", x, dtype)


def floor(x, /, dtype=None):
    """Elementwise floor (IR op ``floor``)."""
    return _unary("floor", x, dtype)


def ceil(x, /, dtype=None):
    """Elementwise ceil (IR op ``ceil``)."""
    return _unary("ceil", x, dtype)


def rint(x, /, dtype=None):
    """Elementwise rint (IR op ``round``)."""
    return _unary("round", x, dtype)


def trunc(x, /, dtype=None):
    """Elementwise trunc (IR op ``trunc``)."""
    return _unary("trunc", x, dtype)


def isnan(x, /, dtype=None):
    """Elementwise isnan (IR op ``isnan``)."""
    return _unary("isnan", x, dtype)


def isinf(x, /, dtype=None):
    """Elementwise isinf (IR op ``isinf``)."""
    return _unary("isinf", x, dtype)


def isfinite(x, /, dtype=None):
    """Elementwise isfinite (IR op ``isfinite``)."""
    return _unary("isfinite", x, dtype)


def logical_not(x, /, dtype=None):
    """Elementwise logical_not (IR op ``logical_not``)."""
    return _unary("logical_not", x, dtype)


def sigmoid(x, /, dtype=None):
    """Elementwise sigmoid (IR op ``sigmoid``)."""
    return _unary("sigmoid", x, dtype)


def erf(x, /, dtype=None):
    """Elementwise erf (IR op ``erf``)."""
    return _unary("erf", x, dtype)


def add(x1, x2, /, dtype=None):
    """Elementwise add (IR op ``add``)."""
    return _binary("add", x1, x2, dtype)


def subtract(x1, x2, /, dtype=None):
    """Elementwise subtract (IR op ``sub``)."""
    return _binary("sub", x1, x2, dtype)


def multiply(x1, x2, /, dtype=None):
    """Elementwise multiply (IR op ``mul``)."""
    return _binary("mul", x1, x2, dtype)


def divide(x1, x2, /, dtype=None):
    """Elementwise divide (IR op ``div``)."""
    return _binary("div", x1, x2, dtype)


def true_divide(x1, x2, /, dtype=None):
    """Elementwise true_divide (IR op ``div``)."""
    return _binary("div", x1, x2, dtype)


def floor_divide(x1, x2, /, dtype=None):
    """Elementwise floor_divide (IR op ``floordiv``)."""
    return _binary("floordiv", x1, x2, dtype)


def remainder(x1, x2, /, dtype=None):
    """Elementwise remainder (IR op ``rem``)."""
    return _binary("rem", x1, x2, dtype)


def mod(x1, x2, /, dtype=None):
    """Elementwise mod (IR op ``rem``)."""
    return _binary("rem", x1, x2, dtype)


def power(x1, x2, /, dtype=None):
    """Elementwise power (IR op ``pow``)."""
    return _binary("pow", x1, x2, dtype)


def maximum(x1, x2, /, dtype=None):
    """Elementwise maximum (IR op ``maximum``)."""
    return _binary("maximum", x1, x2, dtype)


def minimum(x1, x2, /, dtype=None):
    """Elementwise minimum (IR op ``minimum``)."""
    return _binary("minimum", x1, x2, dtype)


def arctan2(x1, x2, /, dtype=None):
    """Elementwise arctan2 (IR op ``arctan2``)."""
    return _binary("arctan2", x1, x2, dtype)


def equal(x1, x2, /, dtype=None):
    """Elementwise equal (IR op ``eq``)."""
    return _binary("eq", x1, x2, dtype)


def not_equal(x1, x2, /, dtype=None):
    """Elementwise not_equal (IR op ``ne``)."""
    return _binary("ne", x1, x2, dtype)


def less(x1, x2, /, dtype=None):
    """Elementwise less (IR op ``lt``)."""
    return _binary("lt", x1, x2, dtype)


def less_equal(x1, x2, /, dtype=None):
    """Elementwise less_equal (IR op ``le``)."""
    return _binary("le", x1, x2, dtype)


def greater(x1, x2, /, dtype=None):
    """Elementwise greater (IR op ``gt``)."""
    return _binary("gt", x1, x2, dtype)


def greater_equal(x1, x2, /, dtype=None):
    """Elementwise greater_equal (IR op ``ge``)."""
    return _binary("ge", x1, x2, dtype)


def logical_and(x1, x2, /, dtype=None):
    """Elementwise logical_and (IR op ``logical_and``)."""
    return _binary("logical_and", x1, x2, dtype)


def logical_or(x1, x2, /, dtype=None):
    """Elementwise logical_or (IR op ``logical_or``)."""
    return _binary("logical_or", x1, x2, dtype)


def logical_xor(x1, x2, /, dtype=None):
    """Elementwise logical_xor (IR op ``logical_xor``)."""
    return _binary("logical_xor", x1, x2, dtype)


def bitwise_and(x1, x2, /, dtype=None):
    """Elementwise bitwise_and (IR op ``bitwise_and``)."""
    return _binary("bitwise_and", x1, x2, dtype)


def bitwise_or(x1, x2, /, dtype=None):
    """Elementwise bitwise_or (IR op ``bitwise_or``)."""
    return _binary("bitwise_or", x1, x2, dtype)


def bitwise_xor(x1, x2, /, dtype=None):
    """Elementwise bitwise_xor (IR op ``bitwise_xor``)."""
    return _binary("bitwise_xor", x1, x2, dtype)
