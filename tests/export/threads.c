/* Calls an exported softmax (traced on (R, C) float64, shape-generic) from several
 * threads at once, each on its own data and shape, many times, and checks every result
 * against a plain C softmax: the header's promise that calls from several threads may
 * run at once (one of them gets the pool, the others run serially; temporaries come
 * from a shared cache). Built by the export tests:
 *
 *   cc -pthread -include lf_softmax.h threads.c -L. -llf_softmax -lm -o threads
 *
 * Exit status 0 when every result matches. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { THREADS = 4, CALLS = 30 };

typedef struct {
  int id;
  int failures;
} job;

static void *work(void *arg) {
  job *j = arg;
  unsigned long long s = 12345 + (unsigned long long)j->id;
  for (int call = 0; call < CALLS; call++) {
    int64_t rows = 1 + (j->id * 37 + call * 11) % 300, cols = 1 + (j->id * 53 + call * 7) % 700;
    double *x = malloc(sizeof(double) * rows * cols), *y = malloc(sizeof(double) * rows * cols);
    for (int64_t i = 0; i < rows * cols; i++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      x[i] = (double)(s >> 11) / 9007199254740992.0 * 20.0 - 10.0;
    }
    int64_t shape[2] = {rows, cols};
    DLTensor in = {x, {kDLCPU, 0}, 2, {kDLFloat, 64, 1}, shape, NULL, 0};
    DLTensor out = {y, {kDLCPU, 0}, 2, {kDLFloat, 64, 1}, shape, NULL, 0};
    int rc = lf_softmax(&in, 1, &out, 1);
    if (rc != LAZYFUSE_OK) {
      fprintf(stderr, "thread %d call %d: %s\n", j->id, call, lf_softmax_last_error());
      j->failures++;
    }
    for (int64_t r = 0; r < rows && rc == LAZYFUSE_OK; r++) {
      double m = -INFINITY, sum = 0.0;
      for (int64_t c = 0; c < cols; c++) m = fmax(m, x[r * cols + c]);
      for (int64_t c = 0; c < cols; c++) sum += exp(x[r * cols + c] - m);
      for (int64_t c = 0; c < cols; c++) {
        double want = exp(x[r * cols + c] - m) / sum;
        if (fabs(y[r * cols + c] - want) > 1e-12 * fmax(1.0, want)) {
          fprintf(stderr, "thread %d call %d: (%lld, %lld) wrong at %lld, %lld\n", j->id, call,
                  (long long)rows, (long long)cols, (long long)r, (long long)c);
          j->failures++;
          r = rows;
          break;
        }
      }
    }
    free(x);
    free(y);
  }
  return NULL;
}

int main(void) {
  pthread_t threads[THREADS];
  job jobs[THREADS];
  for (int t = 0; t < THREADS; t++) {
    jobs[t] = (job){t, 0};
    pthread_create(&threads[t], NULL, work, &jobs[t]);
  }
  int failures = 0;
  for (int t = 0; t < THREADS; t++) {
    pthread_join(threads[t], NULL);
    failures += jobs[t].failures;
  }
  printf("%d calls from %d threads, %d failures\n", THREADS * CALLS, THREADS, failures);
  return failures != 0;
}
