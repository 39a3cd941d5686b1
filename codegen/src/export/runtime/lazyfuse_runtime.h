/* lazyfuse's export runtime: the tables an exported plan is described by.
 *
 * An exported library is one C translation unit: this header, the runtime
 * (lazyfuse_runtime.c, every function static), the plan's tables and its public entry
 * points, linked with one object file of LLVM-compiled loop kernels. Nothing here is
 * visible outside the library, so several exported libraries link into one program.
 *
 * The tables mirror `ir::kernel::KernelPlan`: buffers (inputs, temporaries, aliases),
 * kernels run in order (loops compiled by LLVM, matrix products), outputs. Sizes are
 * the traced ones; strides of inputs and outputs are the caller's (any strides). */
#ifndef LAZYFUSE_RUNTIME_H
#define LAZYFUSE_RUNTIME_H

#include <stdint.h>

#include "dlpack.h"

/* Element types, as lazyfuse's DType. */
enum lfrt_dtype {
  LFRT_BOOL, LFRT_I8, LFRT_I16, LFRT_I32, LFRT_I64, LFRT_U8, LFRT_U16, LFRT_U32,
  LFRT_U64, LFRT_F16, LFRT_F32, LFRT_F64, LFRT_C64, LFRT_C128
};

enum lfrt_buffer_kind { LFRT_INPUT, LFRT_TEMP, LFRT_ALIAS };

/* How a whole-array reduction's chunk partials combine (LFRT_NO_CHUNKS: the kernel
 * runs whole). */
enum lfrt_combiner { LFRT_NO_CHUNKS = -1, LFRT_SUM, LFRT_PROD, LFRT_MAX, LFRT_MIN, LFRT_ANY, LFRT_ALL };

/* An access site's kind: a load or store through an index map, a ramp (an affine
 * value of the loop indices), a gather (its parameter is its source's size). */
enum lfrt_site_kind { LFRT_ACCESS, LFRT_RAMP, LFRT_GATHER };

typedef struct {
  int32_t kind;  /* lfrt_buffer_kind */
  int32_t arg;   /* LFRT_INPUT: the plan's input slot; LFRT_ALIAS: the buffer aliased */
  int32_t dtype; /* lfrt_dtype */
  int32_t ndim;
  const int64_t *shape;
  int32_t root;  /* the buffer whose storage this one uses */
} lfrt_buffer;

typedef struct {
  int32_t kind;       /* lfrt_site_kind */
  int32_t buffer;     /* LFRT_ACCESS, LFRT_GATHER: the plan buffer; else -1 */
  int32_t rows;       /* rows of `map`: the buffer's ndim for an access, 1 for a ramp */
  const int64_t *map; /* rows x (1 + loops): offset, then one coefficient per loop */
} lfrt_site;

/* A loop kernel's compiled code (codegen/src/cpu/emit.rs documents the contract). */
typedef void (*lfrt_kernel_fn)(void **buffers, const int64_t *params, int64_t row_begin,
                               int64_t row_end, int64_t col_begin, int64_t col_end);

typedef struct {
  lfrt_kernel_fn fn;
  int32_t nouter, ninner;
  const int64_t *extents; /* outer, then inner */
  int32_t norder;
  const int32_t *order;   /* the plan buffer of each of the kernel's buffer arguments */
  int32_t nsites;
  const lfrt_site *sites;
  int32_t elementwise;    /* rows x columns of the outer space */
  int32_t combiner;       /* lfrt_combiner */
  int32_t chunk_out;      /* the argument a chunked reduction stores to */
  int32_t nsources;
  const int32_t *sources; /* gather sources; a gathering kernel takes a status word */
} lfrt_loop;

typedef struct {
  int32_t buffer;
  int32_t ndim;         /* the operand's */
  const int64_t *shape;
  const int64_t *map;   /* buffer ndim rows x (1 + ndim) */
} lfrt_operand;

typedef struct {
  lfrt_operand a, b;
  int32_t out;   /* C-contiguous, of `dtype` */
  int32_t dtype; /* of both operands and the result */
} lfrt_matmul;

typedef struct {
  const lfrt_loop *loop;     /* one of the two is set */
  const lfrt_matmul *matmul;
} lfrt_kernel;

typedef struct {
  int32_t arg;      /* >= 0: the argument; -1: a constant */
  const void *data; /* a constant's C-contiguous elements */
} lfrt_slot;

typedef struct {
  const char *name;
  int32_t nargs;
  const int32_t *arg_dtypes;
  const int32_t *arg_ndims;
  const int64_t *const *arg_shapes;
  int32_t nslots;
  const lfrt_slot *slots;
  int32_t nbuffers;
  const lfrt_buffer *buffers;
  int32_t nkernels;
  const lfrt_kernel *kernels;
  int32_t noutputs;
  const int32_t *outputs; /* plan buffers */
} lfrt_plan;

#endif /* LAZYFUSE_RUNTIME_H */
