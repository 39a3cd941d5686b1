"""The names lazyfuse.numpy gives each op of the IR.

Generated from ir/src/op.rs by tests/op_tables.rs: do not edit; change op.rs and
run `LAZYFUSE_BLESS=1 cargo test --test op_tables`.
Plain data with no imports, so test scripts can load it by path.
"""

# IR unary op -> its names: NumPy's ufunc first, then aliases.
UNARY = {
    "neg": ("negative",),
    "abs": ("absolute", "abs"),
    "sign": ("sign",),
    "exp": ("exp",),
    "expm1": ("expm1",),
    "log": ("log",),
    "log1p": ("log1p",),
    "log2": ("log2",),
    "log10": ("log10",),
    "sqrt": ("sqrt",),
    "square": ("square",),
    "reciprocal": ("reciprocal",),
    "sin": ("sin",),
    "cos": ("cos",),
    "tan": ("tan",),
    "arcsin": ("arcsin", "asin"),
    "arccos": ("arccos", "acos"),
    "arctan": ("arctan", "atan"),
    "sinh": ("sinh",),
    "cosh": ("cosh",),
    "tanh": ("tanh",),
    "floor": ("floor",),
    "ceil": ("ceil",),
    "round": ("rint",),
    "trunc": ("trunc",),
    "isnan": ("isnan",),
    "isinf": ("isinf",),
    "isfinite": ("isfinite",),
    "logical_not": ("logical_not",),
    "sigmoid": ("sigmoid",),
    "erf": ("erf",),
    "arcsinh": ("arcsinh", "asinh"),
    "arccosh": ("arccosh", "acosh"),
    "arctanh": ("arctanh", "atanh"),
    "cbrt": ("cbrt",),
    "signbit": ("signbit",),
    "invert": ("invert", "bitwise_not", "bitwise_invert"),
    "conj": ("conjugate", "conj"),
    "real": (),
    "imag": (),
}

# Unary ops NumPy does not have (lazyfuse's own functions).
NOT_IN_NUMPY = ("sigmoid", "erf", "real", "imag",)

# IR binary op -> its names: NumPy's ufunc first, then aliases.
BINARY = {
    "add": ("add",),
    "sub": ("subtract",),
    "mul": ("multiply",),
    "div": ("divide", "true_divide"),
    "floordiv": ("floor_divide",),
    "rem": ("remainder", "mod"),
    "pow": ("power", "pow"),
    "maximum": ("maximum",),
    "minimum": ("minimum",),
    "arctan2": ("arctan2", "atan2"),
    "eq": ("equal",),
    "ne": ("not_equal",),
    "lt": ("less",),
    "le": ("less_equal",),
    "gt": ("greater",),
    "ge": ("greater_equal",),
    "logical_and": ("logical_and",),
    "logical_or": ("logical_or",),
    "logical_xor": ("logical_xor",),
    "bitwise_and": ("bitwise_and",),
    "bitwise_or": ("bitwise_or",),
    "bitwise_xor": ("bitwise_xor",),
    "left_shift": ("left_shift", "bitwise_left_shift"),
    "right_shift": ("right_shift", "bitwise_right_shift"),
    "copysign": ("copysign",),
    "fmod": ("fmod",),
    "nextafter": ("nextafter",),
    "gcd": ("gcd",),
    "lcm": ("lcm",),
    "philox": (),
}

# IR reduction -> NumPy's function.
REDUCE = {
    "reduce_sum": "sum",
    "reduce_prod": "prod",
    "reduce_max": "max",
    "reduce_min": "min",
    "reduce_mean": "mean",
    "reduce_argmax": "argmax",
    "reduce_argmin": "argmin",
    "reduce_any": "any",
    "reduce_all": "all",
}
