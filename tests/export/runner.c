/* Runs any exported lazyfuse function from C, with no Python in the process: reads
 * each input's raw C-order elements from a file, calls the function, writes each
 * output's elements to a file. Built by the export tests:
 *
 *   cc -DLF_NAME=softmax -include softmax.h runner.c -L. -lsoftmax -o runner
 *   ./runner x.bin -- out0.bin
 *
 * With LF_STRIDED=1 in the environment every input is passed through a padded,
 * strided copy (each row followed by a gap), to check strided DLTensors; with
 * LF_SHAPE<k>=d0,d1,... input k has that shape instead of the traced one. Exit status 0
 * on success; else the library's status code, and its message on stderr. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define LF(suffix) CAT(LF_NAME, suffix)

static void *read_file(const char *path, size_t bytes) {
  void *data = malloc(bytes ? bytes : 1);
  FILE *f = fopen(path, "rb");
  if (!f || !data || fread(data, 1, bytes, f) != bytes) {
    fprintf(stderr, "runner: cannot read %zu bytes from %s\n", bytes, path);
    exit(100);
  }
  fclose(f);
  return data;
}

static size_t element_bytes(DLDataType t) { return (size_t)t.bits / 8; }

int main(int argc, char **argv) {
  int n_in = 0;
  while (LF(_input_ndim)(n_in) >= 0) n_in++;
  int n_out = 0;
  while (LF(_output_ndim)(n_out) >= 0) n_out++;
  if (argc != n_in + n_out + 2 || strcmp(argv[n_in + 1], "--") != 0) {
    fprintf(stderr, "usage: runner %d input files -- %d output files\n", n_in, n_out);
    return 100;
  }
  int strided = getenv("LF_STRIDED") && atoi(getenv("LF_STRIDED"));
  DLTensor *in = calloc((size_t)n_in + 1, sizeof(DLTensor));
  DLTensor *out = calloc((size_t)n_out + 1, sizeof(DLTensor));
  for (int k = 0; k < n_in; k++) {
    int nd = LF(_input_ndim)(k);
    int64_t *shape = calloc((size_t)nd + 1, sizeof(int64_t));
    LF(_input_shape)(k, shape);
    /* LF_SHAPE<k>="d0,d1,...": another shape for input k (a shape-generic export). */
    char var[32];
    snprintf(var, sizeof var, "LF_SHAPE%d", k);
    if (getenv(var)) {
      char *p = getenv(var);
      for (int d = 0; d < nd; d++) {
        shape[d] = strtoll(p, &p, 10);
        if (*p == ',') p++;
      }
    }
    DLDataType t = LF(_input_dtype)(k);
    size_t n = 1;
    for (int d = 0; d < nd; d++) n *= (size_t)shape[d];
    char *data = read_file(argv[1 + k], n * element_bytes(t));
    int64_t *strides = NULL;
    if (strided && nd >= 1 && n > 0) {
      /* Rows of the last axis padded by 3 elements. */
      strides = calloc((size_t)nd, sizeof(int64_t));
      int64_t s = 1;
      for (int d = nd - 1; d >= 0; d--) {
        strides[d] = s;
        s *= d == nd - 1 ? shape[d] + 3 : shape[d];
      }
      char *padded = calloc((size_t)s, element_bytes(t));
      int64_t *index = calloc((size_t)nd, sizeof(int64_t));
      for (size_t e = 0; e < n; e++) {
        int64_t off = 0;
        for (int d = 0; d < nd; d++) off += index[d] * strides[d];
        memcpy(padded + off * element_bytes(t), data + e * element_bytes(t), element_bytes(t));
        for (int d = nd - 1; d >= 0; d--) {
          if (++index[d] < shape[d]) break;
          index[d] = 0;
        }
      }
      free(index);
      free(data);
      data = padded;
    }
    DLTensor tensor = {data, {kDLCPU, 0}, nd, t, shape, strides, 0};
    in[k] = tensor;
  }
  int64_t **shapes = calloc((size_t)n_out + 1, sizeof(int64_t *));
  for (int k = 0; k < n_out; k++) shapes[k] = calloc((size_t)LF(_output_ndim)(k) + 1, sizeof(int64_t));
  int rc = LF(_output_shapes)(in, n_in, shapes, n_out);
  if (rc) {
    fprintf(stderr, "runner: %s\n", LF(_last_error)());
    return rc;
  }
  for (int k = 0; k < n_out; k++) {
    int nd = LF(_output_ndim)(k);
    DLDataType t = LF(_output_dtype)(k);
    size_t n = 1;
    for (int d = 0; d < nd; d++) n *= (size_t)shapes[k][d];
    DLTensor tensor = {malloc(n * element_bytes(t) + 1), {kDLCPU, 0}, nd, t, shapes[k], NULL, 0};
    out[k] = tensor;
  }
  int repeat = getenv("LF_REPEAT") ? atoi(getenv("LF_REPEAT")) : 1;
  for (int r = 0; r < (repeat > 0 ? repeat : 1); r++) {
    rc = LF_NAME(in, n_in, out, n_out);
    if (rc) {
      fprintf(stderr, "runner: %s (%s)\n", LF(_last_error)(), LF(_strerror)(rc));
      return rc;
    }
  }
  for (int k = 0; k < n_out; k++) {
    size_t n = 1;
    for (int d = 0; d < out[k].ndim; d++) n *= (size_t)out[k].shape[d];
    FILE *f = fopen(argv[n_in + 2 + k], "wb");
    if (!f || fwrite(out[k].data, element_bytes(out[k].dtype), n, f) != n) {
      fprintf(stderr, "runner: cannot write %s\n", argv[n_in + 2 + k]);
      return 100;
    }
    fclose(f);
    free(out[k].data);
    free(shapes[k]);
  }
  for (int k = 0; k < n_in; k++) {
    free(in[k].data);
    free(in[k].shape);
    free(in[k].strides);
  }
  free(in);
  free(out);
  free(shapes);
  return 0;
}
