"""An independent NumPy evaluator of lazyfuse's textual IR, used as a second oracle.

The Rust differential test (tests/numpy_differential.rs) sends a program whose every
node is an output, together with the values lazyfuse's interpreter computed for the
inputs and for each node. For every node this module recomputes the op with NumPy from
the *interpreter's* operand values and compares. Checking op by op keeps float error
from compounding through long random programs, so elementary operations can be
required to match bit for bit and only functions whose implementations legitimately
differ (libm vs NumPy's SIMD kernels, summation order) get a tolerance.

Where lazyfuse's documented semantics depart from NumPy (NumPy raises or its result is
platform-defined), the evaluator implements lazyfuse's rule explicitly, marked DEPARTURE.

Run as a program it serves requests on stdin (see `serve`).
"""

from __future__ import annotations

import math
import pathlib
import runpy
import re
import sys

import numpy as np

DTYPES = {"bool": np.bool_, "i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
          "u8": np.uint8, "u16": np.uint16, "u32": np.uint32, "u64": np.uint64,
          "f16": np.float16, "f32": np.float32, "f64": np.float64,
          "c64": np.complex64, "c128": np.complex128}

# The ops and their NumPy functions come from the one table (generated from ir/src/op.rs).
OPS = runpy.run_path(str(pathlib.Path(__file__).resolve().parents[2]
                         / "frontend" / "python" / "lazyfuse" / "_ops.py"))
# Evaluated by functions below rather than by their ufunc (reciprocal of integers,
# sigmoid and erf are not NumPy's); pow and argmax/argmin likewise.
SPECIAL = {"reciprocal", "sigmoid", "erf", "pow", "reduce_argmax", "reduce_argmin"}
# lazyfuse's round keeps integer dtypes as np.round does (its values are rint's); real
# and imag are NumPy functions, not ufuncs.
UNARY = {op: {"round": np.round, "real": np.real, "imag": np.imag}.get(op) or getattr(np, names[0])
         for op, names in OPS["UNARY"].items() if op not in SPECIAL}
BINARY = {op: getattr(np, names[0]) for op, names in OPS["BINARY"].items()
          if op not in SPECIAL and names}
REDUCE = {op: getattr(np, name) for op, name in OPS["REDUCE"].items() if op not in SPECIAL}

# Ops whose float results may differ from NumPy's by rounding (different algorithms or
# summation order); every other op must agree exactly.
INEXACT = {
    "exp", "expm1", "log", "log1p", "log2", "log10", "sin", "cos", "tan", "arcsin", "arccos",
    "arctan", "sinh", "cosh", "tanh", "sigmoid", "erf", "pow", "arctan2", "reduce_sum",
    "reduce_prod", "reduce_mean", "matmul", "arcsinh", "arccosh", "arctanh", "cbrt",
}
# Ops NumPy computes on complex values with other roundings (fused multiply-adds in its
# SIMD products, its own complex abs): compared with a tolerance when complex.
COMPLEX_ROUNDING = {"mul", "div", "square", "reciprocal", "abs", "sign", "pow"}
# Reductions whose result over a row holding inf or NaN depends on summation order.
ORDER_DEPENDENT = {"reduce_sum", "reduce_prod", "reduce_mean", "matmul"}

LINE = re.compile(r"^(\w+):\s*(\w+)\[([\d,]*)\]\s*=\s*(\w+)(?:\[(.*)\])?((?:\s+\w+)*)\s*$")


def parse_type(text):
    m = re.fullmatch(r"(\w+)\[([\d,]*)\]", text.strip())
    dims = tuple(int(d) for d in m.group(2).split(",") if d)
    return DTYPES[m.group(1)], dims


def parse_params(text):
    """`axes=(1,2), keepdims` -> {"axes": "(1,2)", "keepdims": None}; positional -> {"": v}."""
    params, depth, start = {}, 0, 0
    items = []
    for i, c in enumerate(text or ""):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    if text:
        items.append(text[start:])
    for item in (s.strip() for s in items):
        if "=" in item:
            k, v = item.split("=", 1)
            params[k.strip()] = v.strip()
        elif item in ("keepdims",):
            params[item] = None
        else:
            params[""] = item
    return params


def tup(text):
    inner = text.strip()[1:-1]
    return tuple(int(x) for x in inner.split(",") if x.strip())


def literal(text, dtype):
    if dtype is np.bool_:
        return np.bool_(text == "true")
    if np.dtype(dtype).kind in "iu":
        return dtype(int(text))
    if np.dtype(dtype).kind == "c":
        return dtype(complex(text))
    return dtype(float(text))


def cvtt(t, bits):
    """x86's cvttsd2si to `bits` (32 or 64): truncation, the minimum when out of range
    or NaN; as int64."""
    limit = 2.0 ** (bits - 1)
    inside = ((t > -limit - 1) if bits == 32 else (t >= -limit)) & (t < limit)
    return np.where(inside, np.where(inside, t, 0).astype(np.int64), np.int64(-(2 ** (bits - 1))))


def cast(x, dtype):
    """lazyfuse's cast. DEPARTURE for floats out of an integer type's range and NaN:
    NumPy's answer there depends on the loop (its SIMD loop and its scalar loop for the
    last elements differ); lazyfuse always gives the SIMD loop's (x86-64): through
    int32 (int64 for 64-bit types), uint32/uint64 from 2^31/2^63 up via x - 2^k."""
    x = np.asarray(x)
    to = np.dtype(dtype)
    if x.dtype.kind == "c" and to.kind != "c":
        x = x.real if to.kind != "b" else x != 0  # (NumPy warns it drops the imaginary part)
    if x.dtype.kind == "f" and to.kind in "iu":
        with np.errstate(invalid="ignore"):
            t = x.astype(np.float64)
            bits = 64 if to.itemsize == 8 else 32
            out = cvtt(t, bits).view(np.uint64)
            if to.kind == "u" and to.itemsize >= 4:
                top = 2.0 ** (bits - 1)
                high = cvtt(t - top, bits).view(np.uint64) ^ np.uint64(1 << (bits - 1))
                out = np.where(t >= top, high, out)
        return out.astype(dtype)
    return x.astype(dtype)


def int_pow(a, b):
    """DEPARTURE: a negative integer exponent gives the truncated 1 / a**-b (NumPy raises)."""
    neg = b < 0
    with np.errstate(over="ignore"):
        out = np.power(a, np.where(neg, 0, b))
    with np.errstate(all="ignore"):
        zero = np.reciprocal(np.zeros((), out.dtype))  # 0 as reciprocal gives it
    special = np.where(a == 1, 1, np.where(a == -1, np.where(b % 2 == 0, 1, -1),
                                           np.where(a == 0, zero, 0))).astype(out.dtype)
    return np.where(neg, special, out)


SCANS = {"cumsum": np.add, "cumprod": np.multiply, "cummax": np.maximum, "cummin": np.minimum}


def philox(counters, keys):
    """Philox4x32-10 (ir/src/philox.rs) in uint64 NumPy arithmetic on 32-bit words."""
    low, shift = np.uint64(0xFFFFFFFF), np.uint64(32)
    c0, c1 = counters & low, counters >> shift
    c2 = c3 = np.zeros_like(counters)
    k0, k1 = keys & low, keys >> shift
    for r in range(10):
        if r:
            k0, k1 = (k0 + np.uint64(0x9E3779B9)) & low, (k1 + np.uint64(0xBB67AE85)) & low
        p0, p1 = c0 * np.uint64(0xD2511F53), c2 * np.uint64(0xCD9E8D57)
        c0, c1, c2, c3 = (p1 >> shift) ^ c1 ^ k0, p1 & low, (p0 >> shift) ^ c3 ^ k1, p0 & low
    return c0 | (c1 << shift)


def reciprocal(x):
    """NumPy's reciprocal (integers: float64 1.0 / x converted back; 1 / 0 gives the
    x86 conversion's answer for inf)."""
    return np.reciprocal(x)


def sigmoid(x):
    """1 / (1 + e^-x), as e^x / (1 + e^x) for negative x (no cancellation); float16
    computes in float32, rounded once."""
    if x.dtype == np.float16:
        return sigmoid(x.astype(np.float32)).astype(np.float16)
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


def erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x.astype(np.float64)).astype(x.dtype)


def float_of(dtype):
    """The float NumPy computes float functions of `dtype` in (int16: float32)."""
    return np.result_type(dtype, np.float16).type


def arg_reduce(op, x, axes, keepdims):
    """Index within the C-order flattening of the reduced axes."""
    kept = [k for k in range(x.ndim) if k not in axes]
    moved = np.transpose(x, kept + list(axes))
    flat = moved.reshape(moved.shape[: len(kept)] + (int(np.prod([x.shape[k] for k in axes])),))
    idx = (np.argmax if op == "reduce_argmax" else np.argmin)(flat, axis=-1).astype(np.int64)
    if keepdims:
        idx = idx.reshape(tuple(1 if k in axes else x.shape[k] for k in range(x.ndim)))
    return idx


def python_slice(start, step, length):
    if length == 0:
        return slice(0, 0, 1)
    stop = start + step * length
    return slice(start, None if stop < 0 else stop, step)


def evaluate(op, params, args, dtype, shape):
    """NumPy's value of one node, cast to the declared dtype."""
    if op == "const":
        return np.array(literal(params[""], dtype), dtype=dtype)
    if op == "arange":
        start, step = literal(params["start"], dtype), literal(params["step"], dtype)
        with np.errstate(over="ignore"):
            if dtype is np.bool_:
                return np.array([start] + [bool(start or step)] * (shape[0] - 1))[: shape[0]].astype(np.bool_)
            return (np.arange(shape[0]).astype(dtype) * step + start).astype(dtype)
    with np.errstate(all="ignore"):
        if op in UNARY:
            x = args[0]
            if op in ("floor", "ceil", "trunc", "round") and x.dtype.kind in "iub":
                return x.astype(dtype)  # the values (round of bool is float16)
            return np.asarray(UNARY[op](x)).astype(dtype)
        if op == "reciprocal":
            return reciprocal(args[0].astype(dtype))
        if op == "sigmoid":
            return sigmoid(args[0].astype(float_of(args[0].dtype)))
        if op == "erf":
            return erf(args[0].astype(float_of(args[0].dtype)))
        if op == "pow":
            a, b = args
            common = np.result_type(a, b)
            if common.kind in "iu":
                return int_pow(a.astype(common), b.astype(common)).astype(dtype)
            # The IR's pow is C's pow; NumPy's loop takes sqrt for a stride-0 exponent
            # of 0.5 (the frontend builds sqrt then), so compare on contiguous copies.
            a, b = np.broadcast_arrays(a, b)
            flat = np.power(np.array(a).reshape(-1), np.array(b).reshape(-1))
            return flat.reshape(a.shape).astype(dtype)
        if op in BINARY:
            return np.asarray(BINARY[op](*args)).astype(dtype)
        if op == "philox":
            counters, key = np.broadcast_arrays(*args)
            return philox(counters.astype(np.uint64), key.astype(np.uint64))
        if op == "where":
            return np.where(args[0].astype(bool), args[1], args[2]).astype(dtype)
        if op == "cast":
            return cast(args[0], dtype)
        if op == "reshape":
            return np.reshape(args[0], tup(params["shape"]))
        if op == "broadcast_to":
            return np.broadcast_to(args[0], tup(params["shape"]))
        if op == "transpose":
            return np.transpose(args[0], tup(params["perm"]))
        if op == "slice":
            index = tuple(python_slice(s, st, n) for s, st, n in
                          zip(tup(params["starts"]), tup(params["steps"]), tup(params["lens"])))
            return args[0][index]
        if op in REDUCE:
            axes, x = tup(params["axes"]), args[0]
            if x.dtype == np.float16 and op in ("reduce_sum", "reduce_prod"):
                # NumPy accumulates float16 in float32 within one inner loop but rounds
                # to float16 between loops, so a reduction over several axes can overflow
                # (inf * 0 = NaN) where one rounding at the end does not. The IR rounds
                # once, as NumPy does for a single row.
                x = x.astype(np.float32)
            return np.asarray(REDUCE[op](x, axis=axes, keepdims="keepdims" in params)).astype(dtype)
        if op in ("reduce_argmax", "reduce_argmin"):
            return arg_reduce(op, args[0], tup(params["axes"]), "keepdims" in params)
        if op == "matmul":
            return np.asarray(np.matmul(*args)).astype(dtype)
        if op == "concat":
            return np.concatenate(args, axis=int(params["axis"])).astype(dtype)
        if op == "gather":
            return np.asarray(args[0]).reshape(-1)[args[1]]
        if op in SCANS:
            # ufunc.accumulate in the result dtype (NumPy's cumsum casts the same way).
            return SCANS[op].accumulate(np.asarray(args[0]).astype(dtype),
                                        axis=int(params["axis"])).astype(dtype)
    raise ValueError(f"unknown op {op}")


def tolerance(op, dtype, args=()):
    complex_op = op in COMPLEX_ROUNDING and any(a.dtype.kind == "c" for a in args)
    if not (op in INEXACT or complex_op) or np.dtype(dtype).kind not in "fc":
        return None
    dtype = {np.complex64: np.float32, np.complex128: np.float64}.get(dtype, dtype)
    if dtype is np.float16:
        return (2e-3, 1e-5)
    return (2e-5, 1e-6) if dtype is np.float32 else (1e-12, 1e-13)


def compare(name, op, args, got, want, dtype):
    """None when `got` (lazyfuse) agrees with `want` (NumPy), else a description."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape or got.dtype != want.dtype:
        return f"{name} = {op}: lazyfuse gives {got.dtype}{got.shape}, NumPy {want.dtype}{want.shape}"
    if got.size == 0:
        return None
    tol = tolerance(op, dtype, args)
    if np.dtype(dtype).kind not in "fc":
        bad = got != want
    elif tol is None:
        bad = ~((got == want) | (np.isnan(got) & np.isnan(want)))
    else:
        rtol, atol = tol
        if op in ("reduce_sum", "reduce_mean", "matmul"):
            # Scale the absolute tolerance by the magnitudes summed.
            scale = magnitude(op, args, got.shape)
            atol = atol + rtol * scale
        with np.errstate(invalid="ignore"):
            close = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
        if op in ORDER_DEPENDENT:
            close |= ~np.isfinite(got) & ~np.isfinite(want)
        bad = ~close
    if np.any(bad):
        i = tuple(np.argwhere(bad)[0])
        return (f"{name} = {op}: at index {i} lazyfuse gives {got[i]!r}, NumPy {want[i]!r} "
                f"(operands: {[a.flatten()[:8].tolist() for a in args]})")
    return None


def magnitude(op, args, shape):
    with np.errstate(all="ignore"):
        if op == "matmul":
            # To float64 before abs: abs of the most negative integer stays negative.
            a, b = (np.nan_to_num(np.abs(x.astype(np.float64)), posinf=0, neginf=0) for x in args)
            return np.broadcast_to(np.asarray(np.matmul(a, b)), shape)
        x = np.nan_to_num(np.abs(args[0].astype(np.float64)), posinf=0, neginf=0)
        return (np.max(x) if x.size else 0.0) * max(1, x.size)


def check(text, values):
    """Checks every node of `text` whose value lazyfuse supplied. Returns None or a message."""
    lines = [l.strip() for l in text.strip().splitlines()]
    header = re.fullmatch(r"program\((.*)\) \{", lines[0])
    params = [p for p in header.group(1).split(", ") if p]
    outputs = [n.strip() for n in lines[-2].removeprefix("return ").split(",")]
    given = {}
    for p, v in zip([p.split(":")[0] for p in params] + outputs, values):
        given.setdefault(p, v)
    env = dict(given)
    # Values this evaluator computed itself (nodes lazyfuse did not supply) from an op
    # that may round differently: a node reading one is compared as inexact, and not at
    # all when its result is an integer or bool (it can land either side of a boundary).
    rounded = set()
    for line in lines[1:-2]:
        m = LINE.match(line)
        if not m:
            return f"cannot parse line: {line}"
        name, dt, dims, op, ptext, argtext = m.groups()
        dtype = DTYPES[dt]
        shape = tuple(int(d) for d in dims.split(",") if d)
        arg_names = argtext.split()
        args = [env[a] for a in arg_names]
        want = evaluate(op, parse_params(ptext), args, dtype, shape)
        upstream = any(a in rounded for a in arg_names)
        if name in given:
            if upstream and np.dtype(dtype).kind not in "fc":
                continue
            problem = compare(name, "reduce_sum" if upstream else op, args, given[name], want, dtype)
            if problem:
                return problem
        else:
            env[name] = np.asarray(want)
            if upstream or op in INEXACT or tolerance(op, dtype, args) is not None:
                rounded.add(name)
    return None


def read_array(stream):
    header = stream.readline().decode().split()
    dtype = DTYPES[header[0]]
    shape = tuple(int(d) for d in header[2: 2 + int(header[1])])
    nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    data = stream.read(nbytes)
    return np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype).reshape(shape)


def serve():
    """Request: `<n>\\n<program text of n bytes><count>\\n` then `count` arrays, each
    `<dtype> <ndim> <dims...>\\n<little-endian C-order bytes>` (inputs, then outputs).
    Reply: `OK` or `FAIL <message>` on one line."""
    stdin, stdout = sys.stdin.buffer, sys.stdout
    while True:
        line = stdin.readline()
        if not line:
            return
        text = stdin.read(int(line)).decode()
        count = int(stdin.readline())
        values = [read_array(stdin) for _ in range(count)]
        try:
            problem = check(text, values)
        except Exception as e:  # a crash is a finding too: report it with the program
            problem = f"evaluator error {type(e).__name__}: {e}"
        reply = "OK" if problem is None else "FAIL " + problem.replace("\n", " ")
        stdout.write(reply + "\n")
        stdout.flush()


if __name__ == "__main__":
    serve()
