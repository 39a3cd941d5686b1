/* Exported lazyfuse kernels against the same computations hand-written in C as a C
 * programmer would (OpenMP loops, compiled with gcc -O3 -march=native -fopenmp), in
 * one process: medians of REPEAT calls after a warm-up, and the largest difference
 * between the two results. Built and run by benches/export/bench.py. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logistic_grad.h"
#include "poly.h"
#include "rosenbrock_grad.h"
#include "softmax.h"

enum { N = 10000000, ROWS = 4000, COLS = 2500, LN = 1000000, LD = 32, REPEAT = 9 };

/* ---- hand-written ---------------------------------------------------------------- */

static void poly_c(const double *restrict x, double *restrict out) {
#pragma omp parallel for simd schedule(static)
  for (long i = 0; i < N; i++) {
    double v = x[i];
    out[i] = 3.0 * v * v * v - 2.0 * v * v + 0.5 * v - 1.0;
  }
}

static void softmax_c(const double *restrict x, double *restrict out) {
#pragma omp parallel for schedule(static)
  for (long r = 0; r < ROWS; r++) {
    const double *row = x + r * COLS;
    double *o = out + r * COLS;
    double m = -INFINITY;
    for (long c = 0; c < COLS; c++) m = fmax(m, row[c]);
    double s = 0.0;
    for (long c = 0; c < COLS; c++) s += (o[c] = exp(row[c] - m));
    double inv = 1.0 / s;
    for (long c = 0; c < COLS; c++) o[c] *= inv;
  }
}

/* The gradient of sum(100 (x[1:] - x[:-1]^2)^2 + (1 - x[:-1])^2). */
static void rosenbrock_grad_c(const double *restrict x, double *restrict g) {
#pragma omp parallel for simd schedule(static)
  for (long i = 0; i < N; i++) {
    double gi = 0.0;
    if (i < N - 1) gi += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
    if (i > 0) gi += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
    g[i] = gi;
  }
}

/* The gradient of mean(logaddexp(0, X w) - y * X w): X^T (sigmoid(X w) - y) / n, one
 * pass over X with per-thread sums. */
static void logistic_grad_c(const double *restrict w, const double *restrict X,
                            const double *restrict y, double *restrict g) {
  memset(g, 0, LD * sizeof(double));
#pragma omp parallel
  {
    double local[LD] = {0};
#pragma omp for schedule(static)
    for (long i = 0; i < LN; i++) {
      const double *row = X + i * LD;
      double z = 0.0;
      for (int j = 0; j < LD; j++) z += row[j] * w[j];
      double s = 1.0 / (1.0 + exp(-z)) - y[i];
      for (int j = 0; j < LD; j++) local[j] += s * row[j];
    }
#pragma omp critical
    for (int j = 0; j < LD; j++) g[j] += local[j];
  }
  for (int j = 0; j < LD; j++) g[j] /= LN;
}

/* ---- timing ---------------------------------------------------------------------- */

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

#define MEDIAN_MS(call)                                   \
  ({                                                      \
    double ts_[REPEAT];                                   \
    call;                                                 \
    for (int r_ = 0; r_ < REPEAT; r_++) {                 \
      double t0_ = now();                                 \
      call;                                               \
      ts_[r_] = now() - t0_;                              \
    }                                                     \
    qsort(ts_, REPEAT, sizeof(double), cmp);              \
    1e3 * ts_[REPEAT / 2];                                \
  })

static double max_rel_diff(const double *a, const double *b, long n) {
  double scale = 0.0, worst = 0.0;
  for (long i = 0; i < n; i++) scale = fmax(scale, fabs(b[i]));
  for (long i = 0; i < n; i++) worst = fmax(worst, fabs(a[i] - b[i]));
  return scale > 0 ? worst / scale : worst;
}

static void check(int rc, const char *what) {
  if (rc != LAZYFUSE_OK) {
    fprintf(stderr, "%s failed with status %d\n", what, rc);
    exit(1);
  }
}

static void report(const char *name, double exported, double hand, double diff) {
  printf("%s %.3f %.3f %.3g\n", name, exported, hand, diff);
  fflush(stdout);
}

int main(void) {
  unsigned long long s = 7;
  double *x = malloc(sizeof(double) * N), *a = malloc(sizeof(double) * N),
         *b = malloc(sizeof(double) * N);
  double *X = malloc(sizeof(double) * LN * LD), *y = malloc(sizeof(double) * LN);
  double w[LD], ga[LD], gb[LD];
  for (long i = 0; i < N; i++) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    x[i] = 4.0 * ((double)(s >> 11) / 9007199254740992.0) - 2.0;
  }
  for (long i = 0; i < LN * LD; i++) X[i] = x[i % N] * 0.5;
  for (long i = 0; i < LN; i++) y[i] = x[(i * 7) % N] > 0;
  for (int j = 0; j < LD; j++) w[j] = 0.1 * x[j + 100];

  /* (Timed one after the other: a call's arguments are evaluated in no fixed order.) */
  double te, th;
  te = MEDIAN_MS(check(poly_typed(x, a), "poly"));
  th = MEDIAN_MS(poly_c(x, b));
  report("polynomial", te, th, max_rel_diff(a, b, N));
  te = MEDIAN_MS(check(softmax_typed(x, a), "softmax"));
  th = MEDIAN_MS(softmax_c(x, b));
  report("row_softmax", te, th, max_rel_diff(a, b, (long)ROWS * COLS));
  te = MEDIAN_MS(check(rosenbrock_grad_typed(x, a), "rosenbrock"));
  th = MEDIAN_MS(rosenbrock_grad_c(x, b));
  report("rosenbrock_gradient", te, th, max_rel_diff(a, b, N));
  te = MEDIAN_MS(check(logistic_grad_typed(w, X, y, ga), "logistic"));
  th = MEDIAN_MS(logistic_grad_c(w, X, y, gb));
  report("logistic_gradient", te, th, max_rel_diff(ga, gb, LD));
  return 0;
}
