/* lazyfuse's export runtime: runs an exported plan (lazyfuse_runtime.h) on DLPack
 * tensors. It does what the CPU executor does in Rust (codegen/src/cpu): checks
 * arguments, allocates temporaries, computes each loop kernel's parameters from its
 * index maps and the buffers' strides (bounds-checked), splits kernels across a thread
 * pool the same way (so results are the same bits), combines chunked reductions
 * pairwise, runs matrix products (OpenBLAS where the library links it). Needs only
 * libc, libm and pthreads.
 *
 * Included once into an exported library's translation unit, after the library's
 * header (which defines the LAZYFUSE_* status codes); every function is static. */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lazyfuse_runtime.h"

/* ---- errors ---------------------------------------------------------------------- */

static _Thread_local char lfrt_message[512];

static int lfrt_fail(int code, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(lfrt_message, sizeof lfrt_message, format, args);
  va_end(args);
  return code;
}

static const char *lfrt_strerror(int code) {
  switch (code) {
    case LAZYFUSE_OK: return "success";
    case LAZYFUSE_ERR_ARGUMENTS: return "wrong number of tensors, or a null tensor";
    case LAZYFUSE_ERR_DTYPE: return "a tensor's element type is not the one exported";
    case LAZYFUSE_ERR_SHAPE: return "a tensor's shape does not fit the exported function";
    case LAZYFUSE_ERR_DEVICE: return "a tensor is not in CPU memory";
    case LAZYFUSE_ERR_ALIGNMENT: return "a tensor's data is not aligned to its element size";
    case LAZYFUSE_ERR_ALLOC: return "memory allocation failed";
    case LAZYFUSE_ERR_INDEX: return "an index is out of bounds";
    default: return "internal error";
  }
}

static const char *lfrt_last_error(void) { return lfrt_message; }

/* ---- element types --------------------------------------------------------------- */

static const int64_t lfrt_sizes[] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 4, 8, 8, 16};
static const char *const lfrt_names[] = {
    "bool",   "int8",    "int16",   "int32",   "int64",     "uint8",     "uint16",
    "uint32", "uint64",  "float16", "float32", "float64",   "complex64", "complex128"};
/* DLPack's (code, bits) of each type. */
static const uint8_t lfrt_dl_code[] = {kDLBool, kDLInt,  kDLInt,   kDLInt,   kDLInt,
                                       kDLUInt, kDLUInt, kDLUInt,  kDLUInt,  kDLFloat,
                                       kDLFloat, kDLFloat, kDLComplex, kDLComplex};
static const uint8_t lfrt_dl_bits[] = {8, 8, 16, 32, 64, 8, 16, 32, 64, 16, 32, 64, 64, 128};

static DLDataType lfrt_dl_type(int dtype) {
  DLDataType t = {lfrt_dl_code[dtype], lfrt_dl_bits[dtype], 1};
  return t;
}

/* A DLPack type's name for messages ("float32", or its code and bits). */
static const char *lfrt_dl_name(DLDataType t, char *buf, size_t size) {
  for (int d = 0; d <= LFRT_C128; d++)
    if (t.code == lfrt_dl_code[d] && t.bits == lfrt_dl_bits[d] && t.lanes == 1) return lfrt_names[d];
  snprintf(buf, size, "DLDataType(code=%u, bits=%u, lanes=%u)", t.code, t.bits, t.lanes);
  return buf;
}

static void lfrt_shape_text(const int64_t *shape, int ndim, char *buf, size_t size) {
  size_t n = (size_t)snprintf(buf, size, "(");
  for (int k = 0; k < ndim && n < size; k++)
    n += (size_t)snprintf(buf + n, size - n, k + 1 < ndim || ndim > 1 ? "%lld, " : "%lld,",
                          (long long)shape[k]);
  if (ndim > 1 && n >= 2 && n < size) n -= 2;
  if (n < size) snprintf(buf + n, size - n, ")");
}

static int64_t lfrt_numel(const int64_t *shape, int ndim) {
  int64_t n = 1;
  for (int k = 0; k < ndim; k++) n *= shape[k];
  return n;
}

static void lfrt_contiguous(const int64_t *shape, int ndim, int64_t *strides) {
  int64_t s = 1;
  for (int k = ndim - 1; k >= 0; k--) {
    strides[k] = s;
    s *= shape[k] > 1 ? shape[k] : 1;
  }
}

/* Whether strides walk the elements in C order without gaps (extent-1 axes aside). */
static int lfrt_is_contiguous(const int64_t *shape, const int64_t *strides, int ndim) {
  int64_t s = 1;
  for (int k = ndim - 1; k >= 0; k--) {
    if (shape[k] == 0) return 1;
    if (shape[k] != 1 && strides[k] != s) return 0;
    s *= shape[k];
  }
  return 1;
}

/* The element-offset range [lo, hi] strides reach (0 when empty). */
static void lfrt_extent(const int64_t *shape, const int64_t *strides, int ndim, int64_t *lo,
                        int64_t *hi) {
  *lo = 0;
  *hi = 0;
  for (int k = 0; k < ndim; k++) {
    int64_t span = strides[k] * (shape[k] - 1);
    if (span < 0) *lo += span; else *hi += span;
  }
}

/* ---- threads --------------------------------------------------------------------- */

typedef void (*lfrt_task_fn)(void *context, int64_t task);

/* A fixed set of workers started on first use. One parallel region runs at a time; a
 * call that finds the pool busy (another thread calling the library) runs serially. */
static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake, done;
  int workers;       /* started */
  int participants;  /* workers taking part in the current region */
  uint64_t generation;
  lfrt_task_fn fn;
  void *context;
  int64_t tasks;
  atomic_llong next;
  int busy;          /* participants still running the current region */
} lfrt_pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER};

static pthread_mutex_t lfrt_region = PTHREAD_MUTEX_INITIALIZER;
static atomic_int lfrt_threads_set; /* 0: the default */

#define LFRT_MAX_THREADS 256

static int lfrt_default_threads(void) {
  const char *env = getenv("LAZYFUSE_NUM_THREADS");
  if (env) {
    long n = strtol(env, NULL, 10);
    if (n > 0) return n > LFRT_MAX_THREADS ? LFRT_MAX_THREADS : (int)n;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > LFRT_MAX_THREADS ? LFRT_MAX_THREADS : (int)n;
}

static int lfrt_num_threads(void) {
  int n = atomic_load(&lfrt_threads_set);
  return n > 0 ? n : lfrt_default_threads();
}

static void lfrt_set_num_threads(int n) {
  atomic_store(&lfrt_threads_set, n > 0 ? (n > LFRT_MAX_THREADS ? LFRT_MAX_THREADS : n) : 0);
}

static void lfrt_run_tasks(void) {
  for (;;) {
    long long t = atomic_fetch_add(&lfrt_pool.next, 1);
    if (t >= lfrt_pool.tasks) return;
    lfrt_pool.fn(lfrt_pool.context, t);
  }
}

/* The generation current when each worker was created: a worker starts waiting for the
 * next one, so a region published before the new thread first takes the lock is not
 * missed. */
static uint64_t lfrt_worker_start[LFRT_MAX_THREADS];

static void *lfrt_worker(void *arg) {
  int id = (int)(intptr_t)arg;
  pthread_mutex_lock(&lfrt_pool.lock);
  uint64_t seen = lfrt_worker_start[id];
  for (;;) {
    while (lfrt_pool.generation == seen) pthread_cond_wait(&lfrt_pool.wake, &lfrt_pool.lock);
    seen = lfrt_pool.generation;
    if (id >= lfrt_pool.participants) continue;
    pthread_mutex_unlock(&lfrt_pool.lock);
    lfrt_run_tasks();
    pthread_mutex_lock(&lfrt_pool.lock);
    if (--lfrt_pool.busy == 0) pthread_cond_signal(&lfrt_pool.done);
  }
  return NULL;
}

/* Runs fn(context, t) for t in [0, tasks) on up to `threads` threads (the caller's
 * included); returns when all have run. */
static void lfrt_parallel(int64_t tasks, int threads, lfrt_task_fn fn, void *context) {
  if (threads <= 1 || tasks <= 1 || pthread_mutex_trylock(&lfrt_region) != 0) {
    for (int64_t t = 0; t < tasks; t++) fn(context, t);
    return;
  }
  pthread_mutex_lock(&lfrt_pool.lock);
  while (lfrt_pool.workers < threads - 1) {
    /* Detached: the workers live as long as the process. A failed start leaves fewer
     * workers, which only costs speed. */
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    lfrt_worker_start[lfrt_pool.workers] = lfrt_pool.generation;
    int ok = pthread_create(&thread, &attr, lfrt_worker, (void *)(intptr_t)lfrt_pool.workers) == 0;
    pthread_attr_destroy(&attr);
    if (!ok) break;
    lfrt_pool.workers++;
  }
  int helpers = lfrt_pool.workers < threads - 1 ? lfrt_pool.workers : threads - 1;
  lfrt_pool.fn = fn;
  lfrt_pool.context = context;
  lfrt_pool.tasks = tasks;
  atomic_store(&lfrt_pool.next, 0);
  lfrt_pool.participants = helpers;
  lfrt_pool.busy = helpers;
  lfrt_pool.generation++;
  pthread_cond_broadcast(&lfrt_pool.wake);
  pthread_mutex_unlock(&lfrt_pool.lock);
  lfrt_run_tasks();
  pthread_mutex_lock(&lfrt_pool.lock);
  while (lfrt_pool.busy > 0) pthread_cond_wait(&lfrt_pool.done, &lfrt_pool.lock);
  pthread_mutex_unlock(&lfrt_pool.lock);
  pthread_mutex_unlock(&lfrt_region);
}

/* ---- temporaries ------------------------------------------------------------------ */

/* Temporaries are 64-byte aligned blocks with a 64-byte header. Large ones come from
 * mmap with a hint for 2 MiB pages (a fresh 80 MB temporary otherwise costs ~20,000
 * page faults, more than the kernels writing it), and a released large block is kept
 * for the next call (up to LAZYFUSE_EXPORT_CACHE_MB in all, default 1024; the
 * variables are read once, at the first allocation): a call's
 * temporaries are then the previous call's, with no faults and no zeroing. Every
 * temporary is written by the plan before it is read, so reused blocks are not
 * cleared; LAZYFUSE_EXPORT_POISON=1 fills every block with 0xff bytes instead (NaN,
 * -1), which the tests use to check that no kernel reads what it did not write. */
typedef struct lfrt_block {
  size_t length; /* bytes, header included */
  int mapped;
  struct lfrt_block *next;
} lfrt_block;

#define LFRT_HEADER 64
#define LFRT_LARGE ((size_t)4 << 20)

static struct {
  pthread_mutex_t lock;
  lfrt_block *free;
  size_t cached;
} lfrt_blocks = {PTHREAD_MUTEX_INITIALIZER, NULL, 0};

/* The memory settings, read from the environment at the first allocation. */
static struct {
  pthread_once_t once;
  size_t cache_limit; /* LAZYFUSE_EXPORT_CACHE_MB */
  int poison;         /* LAZYFUSE_EXPORT_POISON=1 */
  int huge_pages;     /* LAZYFUSE_HUGE_PAGES (not 0) */
} lfrt_settings = {PTHREAD_ONCE_INIT, 0, 0, 1};

static void lfrt_read_settings(void) {
  const char *mb = getenv("LAZYFUSE_EXPORT_CACHE_MB");
  long long limit = mb ? strtoll(mb, NULL, 10) : 1024;
  lfrt_settings.cache_limit = limit > 0 ? (size_t)limit << 20 : 0;
  const char *poison = getenv("LAZYFUSE_EXPORT_POISON");
  lfrt_settings.poison = poison && poison[0] == '1';
  const char *huge = getenv("LAZYFUSE_HUGE_PAGES");
  lfrt_settings.huge_pages = !huge || strcmp(huge, "0") != 0;
}

/* A block of at least `bytes` (NULL when memory is exhausted). */
static void *lfrt_alloc(int64_t bytes) {
  pthread_once(&lfrt_settings.once, lfrt_read_settings);
  size_t want = (((size_t)(bytes > 0 ? bytes : 1) + 63) & ~(size_t)63) + LFRT_HEADER;
  pthread_mutex_lock(&lfrt_blocks.lock);
  lfrt_block **best = NULL;
  for (lfrt_block **b = &lfrt_blocks.free; *b; b = &(*b)->next)
    if ((*b)->length >= want && (*b)->length / 2 <= want &&
        (!best || (*b)->length < (*best)->length))
      best = b;
  lfrt_block *block = NULL;
  if (best) {
    block = *best;
    *best = block->next;
    lfrt_blocks.cached -= block->length;
  }
  pthread_mutex_unlock(&lfrt_blocks.lock);
  if (!block && want >= LFRT_LARGE) {
    void *p = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
#ifdef MADV_HUGEPAGE
    if (lfrt_settings.huge_pages) madvise(p, want, MADV_HUGEPAGE);
#endif
    block = (lfrt_block *)p;
    block->mapped = 1;
  } else if (!block) {
    void *p = NULL;
    if (posix_memalign(&p, 64, want) != 0) return NULL;
    memset(p, 0, want);
    block = (lfrt_block *)p;
    block->mapped = 0;
  }
  block->length = want;
  block->next = NULL;
  char *data = (char *)block + LFRT_HEADER;
  if (lfrt_settings.poison) memset(data, 0xff, want - LFRT_HEADER);
  return data;
}

/* Gives a block back: kept for the next call when large and the cache has room. */
static void lfrt_release(void *data) {
  if (!data) return;
  lfrt_block *block = (lfrt_block *)((char *)data - LFRT_HEADER);
  if (block->length >= LFRT_LARGE) {
    pthread_mutex_lock(&lfrt_blocks.lock);
    int keep = lfrt_blocks.cached + block->length <= lfrt_settings.cache_limit;
    if (keep) {
      block->next = lfrt_blocks.free;
      lfrt_blocks.free = block;
      lfrt_blocks.cached += block->length;
    }
    pthread_mutex_unlock(&lfrt_blocks.lock);
    if (keep) return;
  }
  if (block->mapped)
    munmap(block, block->length);
  else
    free(block);
}

/* ---- a run's memory -------------------------------------------------------------- */

typedef struct {
  const lfrt_plan *plan;
  char **ptr;        /* each buffer's element 0 */
  int64_t **strides; /* each buffer's strides, in elements */
  void **owned;      /* allocations to free, one slot per buffer (gather copies too) */
  int threads;
} lfrt_memory;

static void lfrt_free_memory(lfrt_memory *m) {
  if (m->owned)
    for (int b = 0; b < m->plan->nbuffers; b++) lfrt_release(m->owned[b]);
  if (m->strides)
    for (int b = 0; b < m->plan->nbuffers; b++) free(m->strides[b]);
  free(m->owned);
  free(m->strides);
  free(m->ptr);
}

/* ---- loop kernels ---------------------------------------------------------------- */

/* The CPU executor's constants (codegen/src/cpu/launch.rs, chunked.rs). */
#define LFRT_MIN_WORK_PER_THREAD (1 << 15)
#define LFRT_CHUNK 8192

/* The kernel's parameters: extents, then per site its offset and per-loop strides,
 * every access checked to lie inside its buffer. Returns the count, or -1. */
static int lfrt_params(const lfrt_loop *k, lfrt_memory *m, int64_t *params) {
  const lfrt_plan *plan = m->plan;
  int loops = k->nouter + k->ninner, n = 0, empty = 0;
  for (int i = 0; i < loops; i++) {
    params[n++] = k->extents[i];
    if (k->extents[i] == 0) empty = 1;
  }
  for (int s = 0; s < k->nsites; s++) {
    const lfrt_site *site = &k->sites[s];
    int64_t *out = &params[n];
    n += 1 + loops;
    if (site->kind == LFRT_RAMP) {
      for (int i = 0; i <= loops; i++) out[i] = site->map[i];
      continue;
    }
    const lfrt_buffer *buf = &plan->buffers[site->buffer];
    if (site->kind == LFRT_GATHER) {
      out[0] = lfrt_numel(buf->shape, buf->ndim);
      for (int i = 1; i <= loops; i++) out[i] = 0;
      continue;
    }
    const int64_t *st = m->strides[site->buffer];
    for (int i = 0; i <= loops; i++) {
      int64_t v = 0;
      for (int r = 0; r < site->rows; r++) v += site->map[r * (1 + loops) + i] * st[r];
      out[i] = v;
    }
    if (empty) continue;
    int64_t lo = out[0], hi = out[0], blo, bhi;
    for (int i = 0; i < loops; i++) {
      int64_t span = out[1 + i] * (k->extents[i] - 1);
      if (span < 0) lo += span; else hi += span;
    }
    if (lfrt_numel(buf->shape, buf->ndim) == 0) return -1;
    lfrt_extent(buf->shape, st, buf->ndim, &blo, &bhi);
    if (lo < blo || hi > bhi) return -1;
  }
  return n;
}

typedef struct {
  const lfrt_loop *k;
  void **pointers;
  const int64_t *params;
  int64_t rows, cols, threads;
  int split_columns;
  /* chunked reductions */
  unsigned char *partials;
  int64_t per_chunk, chunks, extent;
} lfrt_launch;

static void lfrt_launch_task(void *context, int64_t t) {
  lfrt_launch *l = context;
  int64_t n = l->threads;
  if (l->split_columns)
    l->k->fn(l->pointers, l->params, 0, l->rows, l->cols * t / n, l->cols * (t + 1) / n);
  else
    l->k->fn(l->pointers, l->params, l->rows * t / n, l->rows * (t + 1) / n, 0, l->cols);
}

static void lfrt_chunk_task(void *context, int64_t t) {
  lfrt_launch *l = context;
  int64_t c0 = l->chunks * t / l->threads, c1 = l->chunks * (t + 1) / l->threads;
  int count = l->k->norder + (l->k->nsources > 0);
  void *pointers[count > 0 ? count : 1];
  memcpy(pointers, l->pointers, sizeof(void *) * count);
  for (int64_t c = c0; c < c1; c++) {
    pointers[l->k->chunk_out] = l->partials + 16 * c;
    int64_t i0 = c * l->per_chunk, i1 = (c + 1) * l->per_chunk;
    l->k->fn(pointers, l->params, 0, 1, i0, i1 < l->extent ? i1 : l->extent);
  }
}

/* Pairwise (level by level, neighbours) combination of `n` 16-byte partials, in
 * place; the result is in slot 0. The same tree as the CPU executor's. */
#define LFRT_COMBINE(NAME, T, EXPR)                                  \
  static void NAME(unsigned char *slots, int64_t n) {                \
    while (n > 1) {                                                  \
      for (int64_t i = 0; i < n / 2; i++) {                          \
        T a, b, r;                                                   \
        memcpy(&a, slots + 32 * i, sizeof(T));                       \
        memcpy(&b, slots + 32 * i + 16, sizeof(T));                  \
        r = (EXPR);                                                  \
        memcpy(slots + 16 * i, &r, sizeof(T));                       \
      }                                                              \
      if (n % 2) memmove(slots + 16 * (n / 2), slots + 16 * (n - 1), 16); \
      n = (n + 1) / 2;                                               \
    }                                                                \
  }

/* NumPy's maximum and minimum: a NaN operand wins (the second when both are). */
#define LFRT_FMAX(a, b) ((b) != (b) ? (b) : ((a) != (a) || (a) >= (b)) ? (a) : (b))
#define LFRT_FMIN(a, b) ((b) != (b) ? (b) : ((a) != (a) || (a) <= (b)) ? (a) : (b))
#define LFRT_MAXV(a, b) ((a) >= (b) ? (a) : (b))
#define LFRT_MINV(a, b) ((a) <= (b) ? (a) : (b))

typedef struct { float re, im; } lfrt_c64;
typedef struct { double re, im; } lfrt_c128;

#define LFRT_FLOAT_COMBINES(T, S)                       \
  LFRT_COMBINE(lfrt_sum_##S, T, a + b)                  \
  LFRT_COMBINE(lfrt_prod_##S, T, a * b)                 \
  LFRT_COMBINE(lfrt_max_##S, T, LFRT_FMAX(a, b))        \
  LFRT_COMBINE(lfrt_min_##S, T, LFRT_FMIN(a, b))
LFRT_FLOAT_COMBINES(float, f32)
LFRT_FLOAT_COMBINES(double, f64)

/* Integers: sums and products wrap (computed unsigned), as NumPy's do. */
#define LFRT_INT_COMBINES(T, U, S)                      \
  LFRT_COMBINE(lfrt_sum_##S, T, (T)((U)a + (U)b))       \
  LFRT_COMBINE(lfrt_prod_##S, T, (T)((U)a * (U)b))      \
  LFRT_COMBINE(lfrt_max_##S, T, LFRT_MAXV(a, b))        \
  LFRT_COMBINE(lfrt_min_##S, T, LFRT_MINV(a, b))
LFRT_INT_COMBINES(int8_t, uint8_t, i8)
LFRT_INT_COMBINES(int16_t, uint16_t, i16)
LFRT_INT_COMBINES(int32_t, uint32_t, i32)
LFRT_INT_COMBINES(int64_t, uint64_t, i64)
LFRT_INT_COMBINES(uint8_t, uint8_t, u8)
LFRT_INT_COMBINES(uint16_t, uint16_t, u16)
LFRT_INT_COMBINES(uint32_t, uint32_t, u32)
LFRT_INT_COMBINES(uint64_t, uint64_t, u64)
LFRT_COMBINE(lfrt_any_b, uint8_t, (uint8_t)(a | b))
LFRT_COMBINE(lfrt_all_b, uint8_t, (uint8_t)(a & b))

static lfrt_c64 lfrt_c64_mul(lfrt_c64 a, lfrt_c64 b) {
  lfrt_c64 r = {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
  return r;
}
static lfrt_c128 lfrt_c128_mul(lfrt_c128 a, lfrt_c128 b) {
  lfrt_c128 r = {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
  return r;
}
static lfrt_c64 lfrt_c64_add(lfrt_c64 a, lfrt_c64 b) {
  lfrt_c64 r = {a.re + b.re, a.im + b.im};
  return r;
}
static lfrt_c128 lfrt_c128_add(lfrt_c128 a, lfrt_c128 b) {
  lfrt_c128 r = {a.re + b.re, a.im + b.im};
  return r;
}
LFRT_COMBINE(lfrt_sum_c64, lfrt_c64, lfrt_c64_add(a, b))
LFRT_COMBINE(lfrt_prod_c64, lfrt_c64, lfrt_c64_mul(a, b))
LFRT_COMBINE(lfrt_sum_c128, lfrt_c128, lfrt_c128_add(a, b))
LFRT_COMBINE(lfrt_prod_c128, lfrt_c128, lfrt_c128_mul(a, b))

typedef void (*lfrt_combine_fn)(unsigned char *, int64_t);

/* The combination of `combiner` over `dtype` (the export only chunks these). */
static lfrt_combine_fn lfrt_combine_of(int combiner, int dtype) {
#define LFRT_FOUR(S) \
  return combiner == LFRT_SUM ? lfrt_sum_##S : combiner == LFRT_PROD ? lfrt_prod_##S : \
         combiner == LFRT_MAX ? lfrt_max_##S : combiner == LFRT_MIN ? lfrt_min_##S : NULL
  switch (dtype) {
    case LFRT_F32: LFRT_FOUR(f32);
    case LFRT_F64: LFRT_FOUR(f64);
    case LFRT_I8: LFRT_FOUR(i8);
    case LFRT_I16: LFRT_FOUR(i16);
    case LFRT_I32: LFRT_FOUR(i32);
    case LFRT_I64: LFRT_FOUR(i64);
    case LFRT_U8: LFRT_FOUR(u8);
    case LFRT_U16: LFRT_FOUR(u16);
    case LFRT_U32: LFRT_FOUR(u32);
    case LFRT_U64: LFRT_FOUR(u64);
    case LFRT_BOOL: return combiner == LFRT_ANY ? lfrt_any_b : combiner == LFRT_ALL ? lfrt_all_b : NULL;
    case LFRT_C64: return combiner == LFRT_SUM ? lfrt_sum_c64 : combiner == LFRT_PROD ? lfrt_prod_c64 : NULL;
    case LFRT_C128: return combiner == LFRT_SUM ? lfrt_sum_c128 : combiner == LFRT_PROD ? lfrt_prod_c128 : NULL;
    default: return NULL;
  }
#undef LFRT_FOUR
}

/* A readable element for empty gather sources (an out-of-bounds position reads
 * element 0 and raises the flag). */
static const _Alignas(16) unsigned char lfrt_empty_source[16];

/* Makes each gather source C-contiguous: a strided input is copied once. */
static int lfrt_contiguous_sources(const lfrt_loop *k, lfrt_memory *m) {
  for (int s = 0; s < k->nsources; s++) {
    int b = k->sources[s];
    const lfrt_buffer *buf = &m->plan->buffers[b];
    int64_t n = lfrt_numel(buf->shape, buf->ndim);
    if (n == 0 || lfrt_is_contiguous(buf->shape, m->strides[b], buf->ndim)) continue;
    if (buf->kind != LFRT_INPUT)
      return lfrt_fail(LAZYFUSE_ERR_INTERNAL, "%s: gather source %d is a strided temporary",
                       m->plan->name, b);
    int64_t size = lfrt_sizes[buf->dtype];
    char *copy = lfrt_alloc(n * size);
    if (!copy)
      return lfrt_fail(LAZYFUSE_ERR_ALLOC, "%s: cannot allocate %lld bytes", m->plan->name,
                       (long long)(n * size));
    int64_t index[32] = {0};
    for (int64_t e = 0; e < n; e++) {
      int64_t off = 0;
      for (int d = 0; d < buf->ndim; d++) off += index[d] * m->strides[b][d];
      memcpy(copy + e * size, m->ptr[b] + off * size, (size_t)size);
      for (int d = buf->ndim - 1; d >= 0; d--) {
        if (++index[d] < buf->shape[d]) break;
        index[d] = 0;
      }
    }
    lfrt_release(m->owned[b]);
    m->owned[b] = copy;
    m->ptr[b] = copy;
    lfrt_contiguous(buf->shape, buf->ndim, m->strides[b]);
  }
  return LAZYFUSE_OK;
}

static int lfrt_run_loop(const lfrt_loop *k, lfrt_memory *m) {
  const lfrt_plan *plan = m->plan;
  for (int i = 0; i < k->nouter; i++)
    if (k->extents[i] == 0) return LAZYFUSE_OK;
  if (k->nsources > 0) {
    int rc = lfrt_contiguous_sources(k, m);
    if (rc) return rc;
  }
  int loops = k->nouter + k->ninner;
  int64_t *params = malloc(sizeof(int64_t) * (size_t)(loops + k->nsites * (1 + loops) + 1));
  void **pointers = malloc(sizeof(void *) * (size_t)(k->norder + 1));
  if (!params || !pointers) {
    free(params);
    free(pointers);
    return lfrt_fail(LAZYFUSE_ERR_ALLOC, "%s: cannot allocate kernel parameters", plan->name);
  }
  int rc = LAZYFUSE_OK;
  if (lfrt_params(k, m, params) < 0) {
    rc = lfrt_fail(LAZYFUSE_ERR_INTERNAL, "%s: a kernel access lies outside its buffer", plan->name);
    goto done;
  }
  _Alignas(8) volatile int64_t status = 0;
  for (int j = 0; j < k->norder; j++) pointers[j] = m->ptr[k->order[j]];
  if (k->nsources > 0) {
    for (int s = 0; s < k->nsources; s++) {
      const lfrt_buffer *buf = &plan->buffers[k->sources[s]];
      if (lfrt_numel(buf->shape, buf->ndim) != 0) continue;
      for (int j = 0; j < k->norder; j++)
        if (k->order[j] == k->sources[s]) pointers[j] = (void *)lfrt_empty_source;
    }
    pointers[k->norder] = (void *)&status;
  }
  lfrt_launch l = {k, pointers, params, 0, 0, 1, 0, NULL, 0, 0, 0};
  if (k->combiner != LFRT_NO_CHUNKS) {
    int64_t rest = 1;
    for (int i = 1; i < k->ninner; i++) rest *= k->extents[k->nouter + i];
    l.extent = k->extents[k->nouter];
    l.per_chunk = LFRT_CHUNK / (rest > 1 ? rest : 1);
    if (l.per_chunk < 1) l.per_chunk = 1;
    l.chunks = (l.extent + l.per_chunk - 1) / l.per_chunk;
    l.partials = calloc((size_t)l.chunks, 16);
    if (!l.partials) {
      rc = lfrt_fail(LAZYFUSE_ERR_ALLOC, "%s: cannot allocate reduction partials", plan->name);
      goto done;
    }
    l.threads = m->threads < l.chunks ? m->threads : l.chunks;
    if (l.threads < 1) l.threads = 1;
    lfrt_parallel(l.threads, (int)l.threads, lfrt_chunk_task, &l);
    int out = k->order[k->chunk_out];
    int dtype = plan->buffers[out].dtype;
    lfrt_combine_fn combine = lfrt_combine_of(k->combiner, dtype);
    if (!combine) {
      free(l.partials);
      rc = lfrt_fail(LAZYFUSE_ERR_INTERNAL, "%s: no combination for a chunked reduction", plan->name);
      goto done;
    }
    combine(l.partials, l.chunks);
    memcpy(m->ptr[out], l.partials, (size_t)lfrt_sizes[dtype]);
    free(l.partials);
  } else {
    int64_t per_row;
    if (k->elementwise) {
      l.cols = k->extents[k->nouter - 1];
      l.rows = 1;
      for (int i = 0; i + 1 < k->nouter; i++) l.rows *= k->extents[i];
      per_row = l.cols;
    } else {
      l.rows = 1;
      for (int i = 0; i < k->nouter; i++) l.rows *= k->extents[i];
      l.cols = k->ninner > 0 ? k->extents[k->nouter] : 1;
      per_row = 1;
      for (int i = 0; i < k->ninner; i++) per_row *= k->extents[k->nouter + i];
      if (per_row < 1) per_row = 1;
    }
    int64_t work = l.rows * per_row, threads = work / LFRT_MIN_WORK_PER_THREAD;
    if (threads > m->threads) threads = m->threads;
    if (threads < 1) threads = 1;
    l.threads = threads;
    l.split_columns = k->elementwise && l.rows < threads;
    if (threads == 1 || l.rows == 0)
      k->fn(pointers, params, 0, l.rows, 0, l.cols);
    else
      lfrt_parallel(threads, (int)threads, lfrt_launch_task, &l);
  }
  if (status != 0) {
    char sizes[256] = "";
    size_t n = 0;
    for (int s = 0; s < k->nsources && n < sizeof sizes; s++) {
      const lfrt_buffer *buf = &plan->buffers[k->sources[s]];
      n += (size_t)snprintf(sizes + n, sizeof sizes - n, s ? " or %lld" : "%lld",
                            (long long)lfrt_numel(buf->shape, buf->ndim));
    }
    rc = lfrt_fail(LAZYFUSE_ERR_INDEX, "%s: gather: an index is out of bounds for size %s",
                   plan->name, sizes);
  }
done:
  free(params);
  free(pointers);
  return rc;
}

/* ---- matrix products ------------------------------------------------------------- */

#ifdef LFRT_BLAS
enum { LFRT_ROW_MAJOR = 101, LFRT_NO_TRANS = 111, LFRT_TRANS = 112 };
void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *, int,
                 float, float *, int);
void cblas_dgemm(int, int, int, int, int, int, double, const double *, int, const double *,
                 int, double, double *, int);
void cblas_cgemm(int, int, int, int, int, int, const void *, const void *, int, const void *,
                 int, const void *, void *, int);
void cblas_zgemm(int, int, int, int, int, int, const void *, const void *, int, const void *,
                 int, const void *, void *, int);

/* BLAS's (transpose, leading dimension) of a rows x cols operand with strides (rs, cs),
 * as the CPU executor decides it; 0 when BLAS cannot read it in place. */
static int lfrt_blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs, int *trans,
                            int *ld) {
  int64_t lead;
  if ((cs == 1 || cols == 1) && rs >= (cols > 1 ? cols : 1)) {
    *trans = LFRT_NO_TRANS;
    lead = rs;
  } else if ((rs == 1 || rows == 1) && cs >= (rows > 1 ? rows : 1)) {
    *trans = LFRT_TRANS;
    lead = cs;
  } else if (rows == 1 && cols == 1) {
    *trans = LFRT_NO_TRANS;
    lead = 1;
  } else {
    return 0;
  }
  if (lead > 2147483647) return 0;
  *ld = (int)lead;
  return 1;
}
#endif

/* One matrix C (m x n, C-contiguous) = A B with strides, by loops: the path for
 * strides BLAS cannot read and for integer and bool products (which wrap). */
#define LFRT_NAIVE(NAME, T, ZERO, ACC)                                                   \
  static void NAME(const char *a, int64_t ars, int64_t acs, const char *b, int64_t brs,  \
                   int64_t bcs, char *c, int64_t m, int64_t n, int64_t k) {             \
    for (int64_t i = 0; i < m; i++)                                                      \
      for (int64_t j = 0; j < n; j++) {                                                  \
        T acc = ZERO;                                                                    \
        for (int64_t p = 0; p < k; p++) {                                                \
          T x = ((const T *)a)[i * ars + p * acs], y = ((const T *)b)[p * brs + j * bcs]; \
          acc = (ACC);                                                                   \
        }                                                                                \
        ((T *)c)[i * n + j] = acc;                                                       \
      }                                                                                  \
  }
LFRT_NAIVE(lfrt_mm_f32, float, 0.0f, acc + x * y)
LFRT_NAIVE(lfrt_mm_f64, double, 0.0, acc + x * y)
LFRT_NAIVE(lfrt_mm_i8, int8_t, 0, (int8_t)((uint8_t)acc + (uint8_t)x * (uint8_t)y))
LFRT_NAIVE(lfrt_mm_i16, int16_t, 0, (int16_t)((uint16_t)acc + (uint16_t)x * (uint16_t)y))
LFRT_NAIVE(lfrt_mm_i32, int32_t, 0, (int32_t)((uint32_t)acc + (uint32_t)x * (uint32_t)y))
LFRT_NAIVE(lfrt_mm_i64, int64_t, 0, (int64_t)((uint64_t)acc + (uint64_t)x * (uint64_t)y))
LFRT_NAIVE(lfrt_mm_u8, uint8_t, 0, (uint8_t)(acc + x * y))
LFRT_NAIVE(lfrt_mm_u16, uint16_t, 0, (uint16_t)((uint32_t)acc + (uint32_t)x * (uint32_t)y))
LFRT_NAIVE(lfrt_mm_u32, uint32_t, 0, (uint32_t)(acc + x * y))
LFRT_NAIVE(lfrt_mm_u64, uint64_t, 0, (uint64_t)(acc + x * y))
LFRT_NAIVE(lfrt_mm_bool, uint8_t, 0, (uint8_t)(acc | (x & y)))
LFRT_NAIVE(lfrt_mm_c64, lfrt_c64, ((lfrt_c64){0, 0}), lfrt_c64_add(acc, lfrt_c64_mul(x, y)))
LFRT_NAIVE(lfrt_mm_c128, lfrt_c128, ((lfrt_c128){0, 0}), lfrt_c128_add(acc, lfrt_c128_mul(x, y)))

typedef void (*lfrt_naive_fn)(const char *, int64_t, int64_t, const char *, int64_t, int64_t,
                              char *, int64_t, int64_t, int64_t);

static lfrt_naive_fn lfrt_naive_of(int dtype) {
  switch (dtype) {
    case LFRT_F32: return lfrt_mm_f32;
    case LFRT_F64: return lfrt_mm_f64;
    case LFRT_I8: return lfrt_mm_i8;
    case LFRT_I16: return lfrt_mm_i16;
    case LFRT_I32: return lfrt_mm_i32;
    case LFRT_I64: return lfrt_mm_i64;
    case LFRT_U8: return lfrt_mm_u8;
    case LFRT_U16: return lfrt_mm_u16;
    case LFRT_U32: return lfrt_mm_u32;
    case LFRT_U64: return lfrt_mm_u64;
    case LFRT_BOOL: return lfrt_mm_bool;
    case LFRT_C64: return lfrt_mm_c64;
    case LFRT_C128: return lfrt_mm_c128;
    default: return NULL;
  }
}

/* An operand's element-0 offset and per-axis strides from its index map. */
static int lfrt_operand_view(const lfrt_operand *o, lfrt_memory *m, int64_t *offset,
                             int64_t *strides) {
  const lfrt_buffer *buf = &m->plan->buffers[o->buffer];
  const int64_t *st = m->strides[o->buffer];
  int cols = 1 + o->ndim;
  for (int i = 0; i < cols; i++) {
    int64_t v = 0;
    for (int r = 0; r < buf->ndim; r++) v += o->map[r * cols + i] * st[r];
    if (i == 0) *offset = v; else strides[i - 1] = v;
  }
  if (lfrt_numel(o->shape, o->ndim) == 0) return 0;
  int64_t lo = *offset, hi = *offset, blo, bhi;
  for (int i = 0; i < o->ndim; i++) {
    int64_t span = strides[i] * (o->shape[i] - 1);
    if (span < 0) lo += span; else hi += span;
  }
  lfrt_extent(buf->shape, st, buf->ndim, &blo, &bhi);
  return lfrt_numel(buf->shape, buf->ndim) > 0 && lo >= blo && hi <= bhi ? 0 : -1;
}

static int lfrt_run_matmul(const lfrt_matmul *mm, lfrt_memory *m) {
  const lfrt_plan *plan = m->plan;
  const lfrt_operand *a = &mm->a, *b = &mm->b;
  int64_t as[32], bs[32], aoff, boff;
  if (a->ndim > 32 || b->ndim > 32 || lfrt_operand_view(a, m, &aoff, as) < 0 ||
      lfrt_operand_view(b, m, &boff, bs) < 0)
    return lfrt_fail(LAZYFUSE_ERR_INTERNAL, "%s: a matmul operand lies outside its buffer",
                     plan->name);
  /* NumPy's matmul: a 1-d left operand is a row, a 1-d right one a column. */
  int64_t mrows = a->ndim == 1 ? 1 : a->shape[a->ndim - 2];
  int64_t ars = a->ndim == 1 ? 0 : as[a->ndim - 2], acs = as[a->ndim - 1];
  int64_t k = a->shape[a->ndim - 1];
  int64_t ncols = b->ndim == 1 ? 1 : b->shape[b->ndim - 1];
  int64_t brs = b->ndim == 1 ? bs[0] : bs[b->ndim - 2], bcs = b->ndim == 1 ? 0 : bs[b->ndim - 1];
  int abatch = a->ndim > 2 ? a->ndim - 2 : 0, bbatch = b->ndim > 2 ? b->ndim - 2 : 0;
  int batch = abatch > bbatch ? abatch : bbatch;
  int64_t shape[32], astride[32], bstride[32], batches = 1;
  for (int d = 0; d < batch; d++) {
    int ad = d - (batch - abatch), bd = d - (batch - bbatch);
    int64_t an = ad >= 0 ? a->shape[ad] : 1, bn = bd >= 0 ? b->shape[bd] : 1;
    shape[d] = an > bn ? an : bn;
    astride[d] = ad >= 0 && an != 1 ? as[ad] : 0;
    bstride[d] = bd >= 0 && bn != 1 ? bs[bd] : 0;
    batches *= shape[d];
  }
  int64_t size = lfrt_sizes[mm->dtype];
  const char *abase = m->ptr[a->buffer], *bbase = m->ptr[b->buffer];
  char *cbase = m->ptr[mm->out];
  int64_t index[32] = {0};
  for (int64_t t = 0; t < batches; t++) {
    int64_t ao = aoff, bo = boff;
    for (int d = 0; d < batch; d++) {
      ao += index[d] * astride[d];
      bo += index[d] * bstride[d];
    }
    const char *ap = abase + ao * size, *bp = bbase + bo * size;
    char *cp = cbase + t * mrows * ncols * size;
    int done = 0;
#ifdef LFRT_BLAS
    int ta, tb, lda, ldb;
    if (k > 0 && mrows < 2147483647 && ncols < 2147483647 && k < 2147483647 &&
        (mm->dtype == LFRT_F32 || mm->dtype == LFRT_F64 || mm->dtype == LFRT_C64 ||
         mm->dtype == LFRT_C128) &&
        lfrt_blas_layout(mrows, k, ars, acs, &ta, &lda) &&
        lfrt_blas_layout(k, ncols, brs, bcs, &tb, &ldb)) {
      int M = (int)mrows, N = (int)ncols, K = (int)k, ldc = N > 1 ? N : 1;
      if (mm->dtype == LFRT_F64)
        cblas_dgemm(LFRT_ROW_MAJOR, ta, tb, M, N, K, 1.0, (const double *)ap, lda,
                    (const double *)bp, ldb, 0.0, (double *)cp, ldc);
      else if (mm->dtype == LFRT_F32)
        cblas_sgemm(LFRT_ROW_MAJOR, ta, tb, M, N, K, 1.0f, (const float *)ap, lda,
                    (const float *)bp, ldb, 0.0f, (float *)cp, ldc);
      else if (mm->dtype == LFRT_C128) {
        const double one[2] = {1, 0}, zero[2] = {0, 0};
        cblas_zgemm(LFRT_ROW_MAJOR, ta, tb, M, N, K, one, ap, lda, bp, ldb, zero, cp, ldc);
      } else {
        const float one[2] = {1, 0}, zero[2] = {0, 0};
        cblas_cgemm(LFRT_ROW_MAJOR, ta, tb, M, N, K, one, ap, lda, bp, ldb, zero, cp, ldc);
      }
      done = 1;
    }
#endif
    if (!done) {
      lfrt_naive_fn naive = lfrt_naive_of(mm->dtype);
      if (!naive)
        return lfrt_fail(LAZYFUSE_ERR_INTERNAL, "%s: matmul of %s", plan->name,
                         lfrt_names[mm->dtype]);
      naive(ap, ars, acs, bp, brs, bcs, cp, mrows, ncols, k);
    }
    for (int d = batch - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return LAZYFUSE_OK;
}

/* ---- arguments --------------------------------------------------------------------- */

/* Checks one tensor against the exported type; writes its element-0 address and its
 * strides in elements. */
static int lfrt_check_tensor(const lfrt_plan *plan, const char *role, int index,
                             const DLTensor *t, int dtype, int ndim, const int64_t *shape,
                             char **data, int64_t *strides) {
  char want[160], got[160], name[80];
  if (!t)
    return lfrt_fail(LAZYFUSE_ERR_ARGUMENTS, "%s: %s %d is a null tensor", plan->name, role, index);
  if (t->device.device_type != kDLCPU && t->device.device_type != kDLCUDAHost)
    return lfrt_fail(LAZYFUSE_ERR_DEVICE, "%s: %s %d is on device type %d, not the CPU (kDLCPU)",
                     plan->name, role, index, (int)t->device.device_type);
  DLDataType expected = lfrt_dl_type(dtype);
  if (t->dtype.code != expected.code || t->dtype.bits != expected.bits || t->dtype.lanes != 1)
    return lfrt_fail(LAZYFUSE_ERR_DTYPE, "%s: %s %d must be %s, got %s", plan->name, role,
                     index, lfrt_names[dtype], lfrt_dl_name(t->dtype, name, sizeof name));
  int same = t->ndim == ndim && (ndim == 0 || t->shape);
  for (int k = 0; same && k < ndim; k++) same = t->shape[k] == shape[k];
  if (!same) {
    lfrt_shape_text(shape, ndim, want, sizeof want);
    if (t->ndim >= 0 && t->ndim <= 32 && (t->ndim == 0 || t->shape))
      lfrt_shape_text(t->shape, t->ndim, got, sizeof got);
    else
      snprintf(got, sizeof got, "%d dimensions", t->ndim);
    return lfrt_fail(LAZYFUSE_ERR_SHAPE, "%s: %s %d must have shape %s (%s), got shape %s",
                     plan->name, role, index, want, lfrt_names[dtype], got);
  }
  if (t->strides)
    for (int k = 0; k < ndim; k++) strides[k] = t->strides[k];
  else
    lfrt_contiguous(shape, ndim, strides);
  *data = (char *)t->data + t->byte_offset;
  int64_t size = lfrt_sizes[dtype], align = size == 16 ? 8 : size;
  if (lfrt_numel(shape, ndim) > 0) {
    if (!t->data)
      return lfrt_fail(LAZYFUSE_ERR_ARGUMENTS, "%s: %s %d has no data", plan->name, role, index);
    if ((uintptr_t)*data % (uintptr_t)align != 0)
      return lfrt_fail(LAZYFUSE_ERR_ALIGNMENT,
                       "%s: %s %d's data (%p) is not aligned to %lld bytes for %s", plan->name,
                       role, index, (void *)*data, (long long)align, lfrt_names[dtype]);
  }
  return LAZYFUSE_OK;
}

static int lfrt_check_inputs(const lfrt_plan *plan, const DLTensor *inputs, int num_inputs) {
  if (num_inputs != plan->nargs || (num_inputs > 0 && !inputs))
    return lfrt_fail(LAZYFUSE_ERR_ARGUMENTS, "%s: takes %d input tensors, got %d", plan->name,
                     plan->nargs, inputs ? num_inputs : 0);
  for (int i = 0; i < plan->nargs; i++) {
    char *data;
    int64_t strides[32];
    int rc = lfrt_check_tensor(plan, "input", i, &inputs[i], plan->arg_dtypes[i],
                               plan->arg_ndims[i], plan->arg_shapes[i], &data, strides);
    if (rc) return rc;
  }
  return LAZYFUSE_OK;
}

/* The byte range [lo, hi) a tensor's elements occupy. */
static void lfrt_bytes(const char *data, const int64_t *shape, const int64_t *strides, int ndim,
                       int dtype, uintptr_t *lo, uintptr_t *hi) {
  int64_t elo, ehi;
  lfrt_extent(shape, strides, ndim, &elo, &ehi);
  *lo = (uintptr_t)(data + elo * lfrt_sizes[dtype]);
  *hi = (uintptr_t)(data + (ehi + 1) * lfrt_sizes[dtype]);
}

/* Copies a buffer's elements into a caller's tensor, both strided. */
static void lfrt_copy_out(const char *src, const int64_t *sstrides, char *dst,
                          const int64_t *dstrides, const int64_t *shape, int ndim, int64_t size) {
  int64_t n = lfrt_numel(shape, ndim), index[32] = {0};
  for (int64_t e = 0; e < n; e++) {
    int64_t so = 0, d0 = 0;
    for (int d = 0; d < ndim; d++) {
      so += index[d] * sstrides[d];
      d0 += index[d] * dstrides[d];
    }
    memcpy(dst + d0 * size, src + so * size, (size_t)size);
    for (int d = ndim - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}

/* ---- shape-generic plans ------------------------------------------------------------ */

/* A plan number computed in 128 bits, if it fits int64. */
static int lfrt_int64(__int128 v, int64_t *out) {
  if (v < INT64_MIN || v > INT64_MAX) return 0;
  *out = (int64_t)v;
  return 1;
}

/* Reads a shape-generic plan's sizes: size k is dimension axes[k] of input args[k]
 * (the inputs' ranks checked first); each at least 1. */
static int lfrt_read_sizes(const lfrt_plan *plan, const DLTensor *inputs, int num_inputs,
                           int nsizes, const int32_t *args, const int32_t *axes, int64_t *s) {
  if (num_inputs != plan->nargs || (num_inputs > 0 && !inputs))
    return lfrt_fail(LAZYFUSE_ERR_ARGUMENTS, "%s: takes %d input tensors, got %d", plan->name,
                     plan->nargs, inputs ? num_inputs : 0);
  for (int i = 0; i < plan->nargs; i++) {
    const DLTensor *t = &inputs[i];
    if (t->ndim != plan->arg_ndims[i])
      return lfrt_fail(LAZYFUSE_ERR_SHAPE, "%s: input %d must have %d dimensions, got %d",
                       plan->name, i, plan->arg_ndims[i], t->ndim);
    if (t->ndim > 0 && !t->shape)
      return lfrt_fail(LAZYFUSE_ERR_ARGUMENTS, "%s: input %d has no shape", plan->name, i);
  }
  for (int k = 0; k < nsizes; k++) {
    s[k] = inputs[args[k]].shape[axes[k]];
    if (s[k] < 1)
      return lfrt_fail(LAZYFUSE_ERR_SHAPE,
                       "%s: input %d's dimension %d is %lld; this shape-generic export takes "
                       "sizes of at least 1 there",
                       plan->name, args[k], axes[k], (long long)s[k]);
  }
  return LAZYFUSE_OK;
}

/* ---- a run ----------------------------------------------------------------------- */

static int lfrt_run(const lfrt_plan *plan, const DLTensor *inputs, int num_inputs,
                    DLTensor *outputs, int num_outputs) {
  lfrt_message[0] = 0;
  int rc = lfrt_check_inputs(plan, inputs, num_inputs);
  if (rc) return rc;
  if (num_outputs != plan->noutputs || (num_outputs > 0 && !outputs))
    return lfrt_fail(LAZYFUSE_ERR_ARGUMENTS, "%s: gives %d output tensors, got %d", plan->name,
                     plan->noutputs, outputs ? num_outputs : 0);
  int nb = plan->nbuffers;
  lfrt_memory m = {plan, NULL, NULL, NULL, lfrt_num_threads()};
  m.ptr = calloc((size_t)nb + 1, sizeof(char *));
  m.strides = calloc((size_t)nb + 1, sizeof(int64_t *));
  m.owned = calloc((size_t)nb + 1, sizeof(void *));
  char **out_data = calloc((size_t)num_outputs + 1, sizeof(char *));
  int64_t *out_strides = calloc((size_t)num_outputs * 32 + 1, sizeof(int64_t));
  int *direct = calloc((size_t)num_outputs + 1, sizeof(int));
  if (!m.ptr || !m.strides || !m.owned || !out_data || !out_strides || !direct) {
    rc = lfrt_fail(LAZYFUSE_ERR_ALLOC, "%s: cannot allocate the run's tables", plan->name);
    goto done;
  }
  for (int b = 0; b < nb; b++) {
    const lfrt_buffer *buf = &plan->buffers[b];
    m.strides[b] = malloc(sizeof(int64_t) * (size_t)(buf->ndim + 1));
    if (!m.strides[b]) {
      rc = lfrt_fail(LAZYFUSE_ERR_ALLOC, "%s: cannot allocate the run's tables", plan->name);
      goto done;
    }
  }
  /* Inputs: the arguments (checked above) or constants. */
  for (int b = 0; b < nb; b++) {
    const lfrt_buffer *buf = &plan->buffers[b];
    if (buf->kind != LFRT_INPUT) continue;
    const lfrt_slot *slot = &plan->slots[buf->arg];
    if (slot->arg < 0) {
      m.ptr[b] = (char *)slot->data;
      lfrt_contiguous(buf->shape, buf->ndim, m.strides[b]);
    } else {
      const DLTensor *t = &inputs[slot->arg];
      m.ptr[b] = (char *)t->data + t->byte_offset;
      if (t->strides)
        for (int k = 0; k < buf->ndim; k++) m.strides[b][k] = t->strides[k];
      else
        lfrt_contiguous(buf->shape, buf->ndim, m.strides[b]);
    }
  }
  /* Outputs: checked; a compact one that overlaps no input holds its temporary's
   * storage directly (no copy at the end). */
  for (int o = 0; o < num_outputs; o++) {
    const lfrt_buffer *buf = &plan->buffers[plan->outputs[o]];
    rc = lfrt_check_tensor(plan, "output", o, &outputs[o], buf->dtype, buf->ndim, buf->shape,
                           &out_data[o], &out_strides[32 * o]);
    if (rc) goto done;
    int root = buf->root;
    if (plan->buffers[root].kind != LFRT_TEMP || m.ptr[root] ||
        lfrt_numel(buf->shape, buf->ndim) == 0 ||
        !lfrt_is_contiguous(buf->shape, &out_strides[32 * o], buf->ndim))
      continue;
    uintptr_t olo, ohi;
    lfrt_bytes(out_data[o], buf->shape, &out_strides[32 * o], buf->ndim, buf->dtype, &olo, &ohi);
    int overlaps = 0;
    for (int b = 0; b < nb && !overlaps; b++) {
      const lfrt_buffer *in = &plan->buffers[b];
      if (in->kind != LFRT_INPUT || lfrt_numel(in->shape, in->ndim) == 0) continue;
      uintptr_t lo, hi;
      lfrt_bytes(m.ptr[b], in->shape, m.strides[b], in->ndim, in->dtype, &lo, &hi);
      overlaps = lo < ohi && olo < hi;
    }
    if (overlaps) continue;
    m.ptr[root] = out_data[o];
    direct[o] = 1;
  }
  /* Temporaries: each storage root allocated once (lfrt_alloc: not cleared). */
  for (int b = 0; b < nb; b++) {
    const lfrt_buffer *buf = &plan->buffers[b];
    if (buf->kind == LFRT_INPUT) continue;
    lfrt_contiguous(buf->shape, buf->ndim, m.strides[b]);
    if (buf->root != b || m.ptr[b]) continue;
    int64_t bytes = lfrt_numel(buf->shape, buf->ndim) * lfrt_sizes[buf->dtype];
    m.owned[b] = lfrt_alloc(bytes);
    if (!m.owned[b]) {
      rc = lfrt_fail(LAZYFUSE_ERR_ALLOC, "%s: cannot allocate %lld bytes for a temporary",
                     plan->name, (long long)bytes);
      goto done;
    }
    m.ptr[b] = m.owned[b];
  }
  for (int b = 0; b < nb; b++)
    if (plan->buffers[b].kind != LFRT_INPUT) m.ptr[b] = m.ptr[plan->buffers[b].root];
  for (int i = 0; i < plan->nkernels; i++) {
    const lfrt_kernel *k = &plan->kernels[i];
    rc = k->loop ? lfrt_run_loop(k->loop, &m) : lfrt_run_matmul(k->matmul, &m);
    if (rc) goto done;
  }
  for (int o = 0; o < num_outputs; o++) {
    if (direct[o]) continue;
    int b = plan->outputs[o];
    const lfrt_buffer *buf = &plan->buffers[b];
    lfrt_copy_out(m.ptr[b], m.strides[b], out_data[o], &out_strides[32 * o], buf->shape,
                  buf->ndim, lfrt_sizes[buf->dtype]);
  }
done:
  lfrt_free_memory(&m);
  free(out_data);
  free(out_strides);
  free(direct);
  return rc;
}
