/* A C program using two kernels exported by lazyfuse (export_kernels.py), with no
 * Python at run time: a shape-generic row softmax called over DLPack tensors, and the
 * gradient of a logistic loss called through its typed wrapper, in a few steps of
 * gradient descent.
 *
 *   python export_kernels.py build
 *   cc -std=c11 -O2 -Ibuild main.c -Lbuild -lrow_softmax -llogistic_grad \
 *      -Wl,-rpath,build -lm -o build/main && build/main
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "logistic_grad.h"
#include "row_softmax.h"

enum { N = 1000, D = 10 };

static double uniform(unsigned long long *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(*s >> 11) / 9007199254740992.0;
}

int main(void) {
  static double logits[N][D], probs[N][D], X[N][D], y[N];
  unsigned long long seed = 42;

  /* 1. Row softmax through the DLPack entry point: any strides, shapes checked. */
  for (int i = 0; i < N; i++)
    for (int j = 0; j < D; j++) logits[i][j] = 10.0 * uniform(&seed) - 5.0;
  int64_t shape[2] = {N, D};
  DLTensor in = {logits, {kDLCPU, 0}, 2, {kDLFloat, 64, 1}, shape, NULL, 0};
  DLTensor out = {probs, {kDLCPU, 0}, 2, {kDLFloat, 64, 1}, shape, NULL, 0};
  int rc = row_softmax(&in, 1, &out, 1);
  if (rc != LAZYFUSE_OK) {
    fprintf(stderr, "row_softmax: %s: %s\n", row_softmax_strerror(rc), row_softmax_last_error());
    return 1;
  }
  double worst = 0.0;
  for (int i = 0; i < N; i++) {
    double s = 0.0;
    for (int j = 0; j < D; j++) s += probs[i][j];
    worst = fmax(worst, fabs(s - 1.0));
  }
  printf("row_softmax: row 0 = [%.4f %.4f %.4f ...], max |row sum - 1| = %.1e\n", probs[0][0],
         probs[0][1], probs[0][2], worst);

  /* The export is shape-generic: any number of rows and columns. */
  double small[2][3] = {{1, 2, 3}, {0, 0, 0}}, small_out[2][3];
  int64_t small_shape[2] = {2, 3};
  DLTensor in2 = {small, {kDLCPU, 0}, 2, {kDLFloat, 64, 1}, small_shape, NULL, 0};
  DLTensor out2 = {small_out, {kDLCPU, 0}, 2, {kDLFloat, 64, 1}, small_shape, NULL, 0};
  rc = row_softmax(&in2, 1, &out2, 1);
  printf("row_softmax on (2, 3): status %d, rows [%.4f %.4f %.4f] [%.4f %.4f %.4f]\n", rc,
         small_out[0][0], small_out[0][1], small_out[0][2], small_out[1][0], small_out[1][1],
         small_out[1][2]);

  /* A shape that does not fit is an error code and a message, never a crash. */
  int64_t wrong[2] = {N, D + 1};
  in.shape = wrong;
  rc = row_softmax(&in, 1, &out, 1);
  printf("row_softmax from (%d, %d) into (%d, %d): status %d (%s): %s\n", N, D + 1, N, D, rc,
         row_softmax_strerror(rc), row_softmax_last_error());

  /* 2. Gradient descent on a logistic loss, with the exported gradient. */
  double w_true[D], w[D] = {0}, g[D];
  for (int j = 0; j < D; j++) w_true[j] = 2.0 * uniform(&seed) - 1.0;
  for (int i = 0; i < N; i++) {
    double z = 0.0;
    for (int j = 0; j < D; j++) z += (X[i][j] = 2.0 * uniform(&seed) - 1.0) * w_true[j];
    y[i] = z >= 0 ? 1.0 : -1.0;
  }
  for (int step = 0; step <= 200; step++) {
    rc = logistic_grad_typed(w, &X[0][0], y, g);
    if (rc != LAZYFUSE_OK) {
      fprintf(stderr, "logistic_grad: %s\n", logistic_grad_last_error());
      return 1;
    }
    double norm = 0.0;
    for (int j = 0; j < D; j++) {
      w[j] -= 2.0 * g[j];
      norm += g[j] * g[j];
    }
    if (step % 50 == 0) printf("step %3d: |gradient| = %.5f\n", step, sqrt(norm));
  }
  int correct = 0;
  for (int i = 0; i < N; i++) {
    double z = 0.0;
    for (int j = 0; j < D; j++) z += X[i][j] * w[j];
    correct += (z >= 0 ? 1.0 : -1.0) == y[i];
  }
  printf("training accuracy: %.1f%%\n", 100.0 * correct / N);
  return 0;
}
