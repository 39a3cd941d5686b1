"""glibc's libmvec vector functions timed from a small C loop compiled here with gcc
(shared by vector_math.py and compare.py): per-core throughput in millions of
elements per second, the AVX-512 forms where the CPU has AVX-512, else AVX2."""

import os
import subprocess
import sys
import tempfile

N = 1 << 17
REPEAT = 16
CALLS = 7

# name, NumPy ufunc (None: NumPy has none), input range, libmvec name (None: none)
FUNCTIONS = [
    ("sin", "sin", (-100.0, 100.0), "sin"),
    ("cos", "cos", (-100.0, 100.0), "cos"),
    ("tan", "tan", (-1.5, 1.5), "tan"),
    ("exp", "exp", (-50.0, 50.0), "exp"),
    ("log", "log", (1e-3, 1e3), "log"),
    ("log2", "log2", (1e-3, 1e3), "log2"),
    ("log10", "log10", (1e-3, 1e3), "log10"),
    ("expm1", "expm1", (-5.0, 5.0), "expm1"),
    ("log1p", "log1p", (-0.5, 10.0), "log1p"),
    ("tanh", "tanh", (-5.0, 5.0), "tanh"),
    ("sinh", "sinh", (-5.0, 5.0), "sinh"),
    ("cosh", "cosh", (-5.0, 5.0), "cosh"),
    ("arctan", "arctan", (-10.0, 10.0), "atan"),
    ("arcsin", "arcsin", (-1.0, 1.0), "asin"),
    ("arccos", "arccos", (-1.0, 1.0), "acos"),
    ("erf", None, (-4.0, 4.0), "erf"),
    ("power", "power", (0.1, 10.0), "pow"),
]
BINARY = {"power"}
# power's exponents
Y_RANGE = (-5.0, 5.0)

C_SOURCE = r"""
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>
#define W64 (sizeof(VD) / 8)
#define W32 (sizeof(VF) / 4)
%(decls)s
static double now(void) {
    struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}
static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y);
}
/* The median rates (millions of elements per second) of `name` in float64 and
   float32 on n inputs in [lo, hi], into out[0] and out[1]; 0 where the function is
   unknown. Called in-process through ctypes, or by main. */
double lf_mvec_rates(const char *name, long n, int repeat, int calls, double lo, double hi,
                     double *out) {
    double *x = aligned_alloc(64, n * 8), *y = aligned_alloc(64, n * 8);
    float *xf = aligned_alloc(64, n * 4), *yf = aligned_alloc(64, n * 4);
    double *e = aligned_alloc(64, n * 8); float *ef = aligned_alloc(64, n * 4);
    srand(1);
    for (long i = 0; i < n; i++) {
        x[i] = lo + (hi - lo) * (rand() / (double)RAND_MAX); xf[i] = (float)x[i];
        e[i] = %(ylo)s + (%(yhi)s - %(ylo)s) * (rand() / (double)RAND_MAX); ef[i] = (float)e[i];
    }
    double t64[64], t32[64];
    if (calls > 64) calls = 64;
    for (int c = 0; c < calls; c++) {
        double t0 = now();
        for (int r = 0; r < repeat; r++) {
%(dispatch64)s
        }
        double t1 = now();
        for (int r = 0; r < repeat; r++) {
%(dispatch32)s
        }
        double t2 = now();
        t64[c] = t1 - t0; t32[c] = t2 - t1;
    }
    qsort(t64, calls, 8, cmp); qsort(t32, calls, 8, cmp);
    double s = 0; for (long i = 0; i < n; i++) s += y[i] + yf[i];
    out[0] = n * repeat / t64[calls / 2] / 1e6; out[1] = n * repeat / t32[calls / 2] / 1e6;
    free(x); free(y); free(xf); free(yf); free(e); free(ef);
    return s;
}
int main(int argc, char **argv) {
    double out[2];
    double s = lf_mvec_rates(argv[4], atol(argv[1]), atoi(argv[2]), atoi(argv[3]),
                             atof(argv[5]), atof(argv[6]), out);
    printf("%%f %%f %%g\n", out[0], out[1], s);
    return 0;
}
"""


def build_libmvec():
    """The libmvec benchmark's executable, or None (no gcc, not x86-64, no libmvec)."""
    if not sys.platform.startswith("linux"):
        return None
    flags = open("/proc/cpuinfo").read()
    if " avx512f" in flags:
        isa, vd, vf, arch = "e", "__m512d", "__m512", "-mavx512f"
        w64, w32 = 8, 16
    elif " avx2" in flags:
        isa, vd, vf, arch = "d", "__m256d", "__m256", "-mavx2"
        w64, w32 = 4, 8
    else:
        return None
    decls = [f"typedef {vd} VD; typedef {vf} VF;"]
    d64, d32 = [], []
    for name, _, _, m in FUNCTIONS:
        if m is None:
            continue
        binary = name in BINARY
        v = "vv" if binary else "v"
        decls.append(
            f"VD _ZGV{isa}N{w64}{v}_{m}(VD{', VD' * binary}); "
            f"VF _ZGV{isa}N{w32}{v}_{m}f(VF{', VF' * binary});"
        )
        for (width, vt, src, ex, dst, suffix, out) in (
            ("W64", "VD", "x", "e", "y", "", d64),
            ("W32", "VF", "xf", "ef", "yf", "f", d32),
        ):
            lanes = w64 if vt == "VD" else w32
            second = f", w" if binary else ""
            load_second = f"{vt} w; memcpy(&w, {ex} + i, sizeof w); " if binary else ""
            out.append(
                f'if (!strcmp(name, "{m}")) for (long i = 0; i < n; i += {width}) '
                f"{{ {vt} v; memcpy(&v, {src} + i, sizeof v); {load_second}"
                f"v = _ZGV{isa}N{lanes}{v}_{m}{suffix}(v{second}); "
                f"memcpy({dst} + i, &v, sizeof v); }}"
            )
    source = C_SOURCE % {
        "decls": "\n".join(decls),
        "dispatch64": "\n".join(d64),
        "dispatch32": "\n".join(d32),
        "ylo": repr(Y_RANGE[0]),
        "yhi": repr(Y_RANGE[1]),
    }
    folder = tempfile.mkdtemp(prefix="lazyfuse-vmath-")
    c_file = os.path.join(folder, "bench.c")
    exe = os.path.join(folder, "bench")
    with open(c_file, "w") as f:
        f.write(source)
    try:
        subprocess.run(
            ["gcc", "-O2", arch, c_file, "-o", exe, "-lmvec", "-lm"],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            ["gcc", "-O2", arch, "-shared", "-fPIC", c_file, "-o", exe + ".so"]
            + ["-lmvec", "-lm"],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"libmvec benchmark not built: {e}", file=sys.stderr)
        return None
    return exe


class InProcess:
    """libmvec's benchmark loaded into this process (the shared library
    `build_libmvec` makes next to its executable), so that its rounds can alternate
    with lazyfuse's and NumPy's at a fine grain: on a shared machine, a separate
    process runs at another moment, and neighbours moved single rates by up to 1.6x
    within seconds."""

    def __init__(self, exe):
        import ctypes

        self.lib = ctypes.CDLL(exe + ".so")
        self.fn = self.lib.lf_mvec_rates
        self.fn.restype = ctypes.c_double
        self.fn.argtypes = [ctypes.c_char_p, ctypes.c_long, ctypes.c_int, ctypes.c_int]
        self.fn.argtypes += [ctypes.c_double, ctypes.c_double, ctypes.POINTER(ctypes.c_double)]
        self.out = (ctypes.c_double * 2)()

    def rates(self, name, lo, hi, calls=CALLS):
        """libmvec's float64 and float32 rates for `name` on inputs in [lo, hi]."""
        self.fn(name.encode(), N, REPEAT, calls, lo, hi, self.out)
        return self.out[0], self.out[1]


def libmvec_rates(exe, name, lo, hi):
    """libmvec's float64 and float32 rates for `name` on inputs in [lo, hi]."""
    out = subprocess.run(
        [exe, str(N), str(REPEAT), str(CALLS), name, str(lo), str(hi)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), float(out[1])
