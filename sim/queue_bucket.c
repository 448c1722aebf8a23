/* SPDX-License-Identifier: MIT */
/* A fast event queue: one rung of time buckets over an exactly ordered
 * bottom of sorted runs. */
#include <stdlib.h>
#include <string.h>

#include "gridsim/queue.h"
#include "hugemem.h"
#include "queue_sort.h"

/* The queue splits pending events by time into three tiers (the idea of
 * Brown's calendar queue and Tang et al.'s ladder queue, reduced to one
 * rung):
 *   bottom   every event before the end of the current bucket, in a few
 *            sorted runs, append runs and a heap; a pop takes the
 *            earliest of their heads, so the bottom is exactly ordered by
 *            gs_event_rec_before;
 *   buckets  unsorted lists covering [base + i*width, base+(i+1)*width);
 *   top      an unsorted list of everything at or after the rung's end.
 * When the bottom is empty the next non-empty bucket becomes its runs;
 * when the rung is used up it is rebuilt from the top with a width fitted
 * to what is there. Every event in the bottom precedes every event
 * elsewhere, so the pop order is exactly the reference heap's.
 *
 * Lists are chains of fixed-size chunks from one free list: appending is a
 * store into the tail chunk, with no malloc, realloc or copy as a list
 * grows, and a list's memory goes back to the free list as it is drained,
 * so the queue holds little more than 24 bytes per pending event however
 * the events move between tiers. A bucket holds a few dozen events, so the
 * tails being written stay in cache while pushes land at random times.
 *
 * A bucket becomes the bottom's runs without being copied where it can: a
 * fleet's weather step wakes a thermostat in every home at one instant,
 * and those timers were scheduled while the previous step ran, in target
 * order, so nearly all of the bucket is already sorted in a few long
 * stretches (HVAC timers, hourly lighting and plug loads). The longest
 * stretches (runs A) stay in their chunks and are read in place; the rest
 * is copied out and sorted (run B, queue_sort.c); pushes into the bottom's
 * range after that go to an append run they can follow, and to the heap
 * when none fits. A heap of a million same-instant events would cost
 * twenty cache-missing levels per pop instead.
 *
 * The append runs are for bursts at one instant: when a DR event starts,
 * every VEN is told at that instant, in target order (a million events at
 * a million homes), and the handlers of an instant push commands and
 * acknowledgements now, in a few interleaved streams each in order.
 * Appended to chunk lists they cost a store each and take their memory
 * from the free list (which the buckets just drained have filled), where
 * a heap of them costs a sift per push and pop and an array of 24 bytes
 * an event on top of the chunks. (The VENs' replies, spread over their
 * random latencies, still go to the heap: at a million homes up to
 * 850,000 of them, in no order.) */

/* A 16-byte header and 42 events of 24 bytes: 1 KiB on 64-byte lines,
 * with the link in the first line so a walk can fetch the next chunk
 * early. */
#define CHUNK_EVENTS 42
typedef struct chunk {
  struct chunk *next;
  uint16_t n;    /* events stored */
  uint16_t refs; /* runs A still reading this chunk */
  unsigned char pad[4];
  gs_event_rec_t ev[CHUNK_EVENTS];
} chunk_t;
#define CHUNK_STRIDE 1024
_Static_assert(sizeof(chunk_t) == CHUNK_STRIDE, "chunk fills its stride");

/* Starts fetching all of chunk `c` (NULL is fine). A macro: GCC deems a
 * function that only prefetches pure, and drops calls to it. */
#define CHUNK_PREFETCH(c)                                             \
  do {                                                                \
    const unsigned char *gs__p = (const unsigned char *)(c);          \
    if (gs__p != NULL)                                                \
      for (size_t gs__off = 0; gs__off < CHUNK_STRIDE; gs__off += 64) \
        __builtin_prefetch(gs__p + gs__off);                          \
  } while (0)
/* Chunks are carved from slabs of this many, and once the queue has
 * that many, from slabs of GS_HUGEMEM_MIN bytes on huge pages (a million
 * homes' events fill a quarter of a gigabyte of chunks, appended to and
 * read at random). */
#define SLAB_CHUNKS 128
#define HUGE_SLAB_CHUNKS (GS_HUGEMEM_MIN / CHUNK_STRIDE - 1)

typedef struct list {
  chunk_t *head, *tail;
  size_t n;
} list_t;

/* A sorted stretch of a bucket read in place: the next event is
 * c->ev[slot], and `left` events remain from there on. */
typedef struct run_a {
  chunk_t *c;
  uint32_t slot;
  size_t left;
} run_a_t;

/* Events per bucket the rung is sized for. Larger buckets cost a little
 * more to sort but leave fewer part-filled tail chunks and fewer tails to
 * keep in cache while pushing (measured with tests/bench/bench_queue.c:
 * 32 per bucket and 15-event chunks gave 16 M events/s at a million
 * pending, 128 and 31-event chunks 22 M). */
#define PER_BUCKET 256
/* Events sampled from the top to place the rung (see rebuild). */
#define SAMPLE 257
/* Most runs A a bucket is split into; a pop compares their heads. */
#define MAX_RUNS 4
/* Buckets this small are sorted whole: no run could pay for itself. */
#define RUNS_FROM 64

typedef struct slab {
  struct slab *next;
  size_t bytes;
} slab_t;

/* An append run: in-order pushes before bottom_end; the next event is
 * l.head->ev[pos]. */
typedef struct app {
  list_t l;
  uint32_t pos;
} app_t;
/* Most append runs; a pop compares their heads too. */
#define APP_RUNS 4

/* Pushes beyond the bottom wait in a small batch and are appended to
 * their lists together, with prefetches, so that the cache misses of many
 * appends at random times overlap instead of each stalling its push. */
#define BATCH 32

struct gs_queue {
  gs_event_rec_t batch[BATCH]; /* all >= bottom_end, in push order */
  list_t *batch_home[BATCH];   /* the list each goes to */
  uint32_t n_batch;
  int cached;          /* where the bottom's first is (peek), or -1 */
  size_t n_bottom;     /* events in the bottom, all its parts */
  run_a_t a[MAX_RUNS]; /* runs A, n_a of them */
  unsigned n_a;
  gs_event_rec_t *run; /* run B, sorted: run[run_pos .. run_n) pending */
  uint32_t run_pos, run_n;
  size_t run_cap;
  gs_event_rec_t *scratch; /* the radix sort's second buffer */
  size_t scratch_cap;
  app_t app[APP_RUNS]; /* append runs, n_app of them (none empty) */
  unsigned n_app;
  gs_time_us_t last_us;  /* the time of the event popped last */
  gs_event_rec_t pushed; /* the bottom's last push */
  gs_event_rec_t *heap; /* min-heap: the other pushes before bottom_end */
  uint32_t heap_n, heap_cap;
  list_t top;         /* time >= rung_end */
  list_t *bucket;     /* nb_cap lists, nb of them in the rung */
  size_t nb, nb_cap;  /* nb is 0 before the first build */
  size_t cur;         /* buckets < cur are empty (drained to bottom) */
  gs_time_us_t base;  /* start of bucket 0 */
  gs_time_us_t width; /* bucket width: 1 << shift */
  unsigned shift;
  gs_time_us_t bottom_end; /* events before this go to the bottom */
  gs_time_us_t rung_end;   /* events at or after this go to the top */
  size_t n;                /* all pending events */
  chunk_t *free_chunks;    /* the free list */
  size_t n_free;
  size_t n_chunks; /* in all slabs */
  slab_t *slabs;   /* every slab, for destroy */
};

/* Adds a slab's chunks to the free list. */
static bool add_slab(gs_queue_t *q) {
  /* The slab header takes the first stride, so chunks stay 64-aligned. */
  size_t n = q->n_chunks >= HUGE_SLAB_CHUNKS ? HUGE_SLAB_CHUNKS : SLAB_CHUNKS;
  size_t bytes = (n + 1) * CHUNK_STRIDE;
  unsigned char *mem = n == SLAB_CHUNKS ? aligned_alloc(64, bytes)
                                        : gs_hugemem_grow(NULL, 0, bytes);
  if (mem == NULL) return false;
  slab_t *s = (slab_t *)(void *)mem;
  s->next = q->slabs;
  s->bytes = bytes;
  q->slabs = s;
  for (size_t i = n; i >= 1; i--) {
    chunk_t *c = (chunk_t *)(void *)(mem + i * CHUNK_STRIDE);
    c->next = q->free_chunks;
    q->free_chunks = c;
  }
  q->n_free += n;
  q->n_chunks += n;
  return true;
}

/* Makes sure at least `k` chunks are free, so that what follows cannot
 * fail halfway. */
static bool reserve(gs_queue_t *q, size_t k) {
  while (q->n_free < k)
    if (!add_slab(q)) return false;
  return true;
}

static chunk_t *chunk_get(gs_queue_t *q) {
  if (q->free_chunks == NULL && !add_slab(q)) return NULL;
  chunk_t *c = q->free_chunks;
  q->free_chunks = c->next;
  q->n_free--;
  c->next = NULL;
  c->n = 0;
  c->refs = 0;
  return c;
}

static void chunk_put(gs_queue_t *q, chunk_t *c) {
  c->next = q->free_chunks;
  q->free_chunks = c;
  q->n_free++;
}

static bool list_append(gs_queue_t *q, list_t *l, const gs_event_rec_t *ev) {
  chunk_t *t = l->tail;
  if (t == NULL || t->n == CHUNK_EVENTS) {
    chunk_t *c = chunk_get(q);
    if (c == NULL) return false;
    if (t)
      t->next = c;
    else
      l->head = c;
    l->tail = t = c;
  }
  t->ev[t->n++] = *ev;
  l->n++;
  return true;
}

/* Binary min-heap for the bottom's late arrivals (the reference heap's
 * algorithm). */
static void heap_up(gs_event_rec_t *h, uint32_t i) {
  gs_event_rec_t ev = h[i];
  while (i > 0) {
    uint32_t parent = (i - 1) / 2;
    if (!gs_event_rec_before(&ev, &h[parent])) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = ev;
}

static void heap_down(gs_event_rec_t *h, uint32_t n, uint32_t i) {
  gs_event_rec_t ev = h[i];
  for (;;) {
    uint32_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && gs_event_rec_before(&h[c + 1], &h[c])) c++;
    if (!gs_event_rec_before(&h[c], &ev)) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = ev;
}

static gs_queue_t *bq_create(size_t hint) {
  gs_queue_t *q = calloc(1, sizeof *q);
  if (q == NULL) return NULL;
  (void)hint;
  q->width = 1;
  q->cached = -1;
  q->bottom_end = INT64_MIN; /* nothing built: everything goes to the top */
  q->rung_end = INT64_MIN;
  q->last_us = INT64_MIN;
  q->pushed.time_us = INT64_MIN;
  return q;
}

static void bq_destroy(gs_queue_t *q) {
  if (q == NULL) return;
  for (slab_t *s = q->slabs, *next; s != NULL; s = next) {
    next = s->next;
    gs_hugemem_free(s, s->bytes); /* free() below GS_HUGEMEM_MIN */
  }
  free(q->bucket);
  free(q->run);
  free(q->scratch);
  free(q->heap);
  free(q);
}

/* The list an event at or after bottom_end goes to. */
static list_t *home_of(gs_queue_t *q, gs_time_us_t t) {
  return t < q->rung_end
             ? &q->bucket[((uint64_t)t - (uint64_t)q->base) >> q->shift]
             : &q->top;
}

/* Appends the batch to its lists: a pass of prefetches for their tails
 * (the list headers were fetched as each event was pushed), then the
 * stores. A list's place cannot change between a push and the flush:
 * the rung is only rebuilt, and bottom_end only moves, after a flush. */
static bool flush(gs_queue_t *q) {
  uint32_t n = q->n_batch;
  list_t **home = q->batch_home;
  for (uint32_t i = 0; i < n; i++) {
    const chunk_t *t = home[i]->tail;
    if (t && t->n < CHUNK_EVENTS) __builtin_prefetch(&t->ev[t->n], 1);
  }
  for (uint32_t i = 0; i < n; i++)
    if (!list_append(q, home[i], &q->batch[i])) {
      /* Keep what was not placed, so nothing is lost on failure. */
      memmove(q->batch, q->batch + i, (n - i) * sizeof *q->batch);
      memmove(home, home + i, (n - i) * sizeof *home);
      q->n_batch = n - i;
      return false;
    }
  q->n_batch = 0;
  return true;
}

/* Makes room in the heap for `k` more events. */
static bool heap_reserve(gs_queue_t *q, size_t k) {
  if (q->heap_cap - q->heap_n >= k) return true;
  size_t cap = q->heap_cap ? q->heap_cap : 16;
  while (cap - q->heap_n < k)
    cap *= 2;
  if (cap > UINT32_MAX) return false;
  gs_event_rec_t *grown = realloc(q->heap, cap * sizeof *grown);
  if (grown == NULL) return false;
  q->heap = grown;
  q->heap_cap = (uint32_t)cap;
  return true;
}

static void heap_push(gs_queue_t *q, const gs_event_rec_t *ev) {
  q->heap[q->heap_n++] = *ev;
  heap_up(q->heap, q->heap_n - 1);
}

/* When no append run can take an event and all are in use, the shortest
 * gives way if it is this short: its events move to the heap and the
 * event starts a new run. A burst then finds a run free however the
 * instant began (a few commands, a timer a second ahead), while a long
 * run is never undone by a late event. Each event moves at most once, so
 * the cost stays at most a heap push per event. */
#define APP_YIELD 64

/* Puts append run `a`'s events into the heap (which has room for them),
 * its chunks back on the free list, and the last run in its place. */
static void app_to_heap(gs_queue_t *q, app_t *a) {
  chunk_t *c = a->l.head;
  uint32_t pos = a->pos;
  for (size_t k = a->l.n; k > 0; k--) {
    if (pos == CHUNK_EVENTS) {
      chunk_t *next = c->next;
      chunk_put(q, c);
      c = next, pos = 0;
    }
    heap_push(q, &c->ev[pos++]);
  }
  chunk_put(q, c);
  *a = q->app[--q->n_app];
}

/* The append run that `ev` goes to: the one whose last event it can
 * follow at the same instant, the latest such (patience sorting, which
 * keeps interleaved streams apart); else a new one, for which the
 * shortest run may give way, if `ev` looks like part of a burst: it is at
 * the instant last popped, or at the instant of the bottom's last push
 * and after it. NULL: the heap (also when out of memory). Pushes a
 * little later than now in no order (a small fleet's bottom spans
 * minutes) so go to the heap as they did before there were runs. */
static app_t *app_for(gs_queue_t *q, const gs_event_rec_t *ev) {
  app_t *fit = NULL, *shortest = NULL;
  const gs_event_rec_t *fit_last = NULL;
  for (unsigned r = 0; r < q->n_app; r++) {
    app_t *a = &q->app[r];
    const gs_event_rec_t *last = &a->l.tail->ev[a->l.tail->n - 1];
    if (last->time_us == ev->time_us && !gs_event_rec_before(ev, last) &&
        (fit == NULL || gs_event_rec_before(fit_last, last)))
      fit = a, fit_last = last;
    if (shortest == NULL || a->l.n < shortest->l.n) shortest = a;
  }
  if (fit != NULL) return fit;
  if (ev->time_us != q->last_us &&
      (ev->time_us != q->pushed.time_us ||
       gs_event_rec_before(ev, &q->pushed)))
    return NULL;
  if (q->n_app == APP_RUNS) {
    if (shortest->l.n > APP_YIELD || !heap_reserve(q, shortest->l.n))
      return NULL;
    app_to_heap(q, shortest);
  }
  /* A new run's event may come first. */
  q->cached = -1;
  fit = &q->app[q->n_app++];
  *fit = (app_t){0};
  return fit;
}

/* Pushes `ev`, before bottom_end, into an append run or the heap. */
static bool bottom_push(gs_queue_t *q, const gs_event_rec_t *ev) {
  app_t *a = app_for(q, ev);
  if (a != NULL) {
    if (!list_append(q, &a->l, ev)) {
      if (a->l.n == 0) *a = q->app[--q->n_app]; /* a new run: undone */
      return false;
    }
  } else {
    if (!heap_reserve(q, 1)) return false;
    heap_push(q, ev);
    q->cached = -1; /* it may come first */
  }
  q->pushed = *ev;
  q->n_bottom++;
  return true;
}

static gs_err_t bq_push(gs_queue_t *q, const gs_event_rec_t *ev) {
  if (ev->time_us < q->bottom_end) {
    if (!bottom_push(q, ev)) return GS_ENOMEM;
  } else {
    if (q->n_batch == BATCH && !flush(q)) return GS_ENOMEM;
    list_t *home = home_of(q, ev->time_us);
    __builtin_prefetch(home, 1);
    q->batch_home[q->n_batch] = home;
    q->batch[q->n_batch++] = *ev;
  }
  q->n++;
  return GS_OK;
}

static int cmp_time(const void *a, const void *b) {
  gs_time_us_t x = *(const gs_time_us_t *)a, y = *(const gs_time_us_t *)b;
  return x < y ? -1 : x > y;
}

/* Rebuilds the rung from the top tier. The rung spans twice the distance
 * from the earliest event to the median of a sample of the top, so a few
 * far events (tomorrow's departure, next sunrise) cannot stretch the
 * buckets until everything falls into the first one; what lies beyond
 * stays in the top for the next rebuild, about half the events. */
static bool rebuild(gs_queue_t *q) {
  size_t n = q->top.n;
  gs_time_us_t lo = INT64_MAX, sample[SAMPLE];
  size_t m = n < SAMPLE ? n : SAMPLE, k = 0, i = 0;
  for (chunk_t *c = q->top.head; c != NULL; c = c->next) {
    CHUNK_PREFETCH(c->next);
    for (uint32_t j = 0; j < c->n; j++, i++) {
      gs_time_us_t t = c->ev[j].time_us;
      if (t < lo) lo = t;
      if (k < m && i == k * n / m) sample[k++] = t;
    }
  }
  /* Only called with events in the top; and a rung cannot hold an event
   * at INT64_MAX (GS_TIME_NEVER, which models never schedule): its end
   * would have to lie beyond the last representable time. */
  GS_ASSERT(n > 0 && lo < INT64_MAX);
  qsort(sample, m, sizeof sample[0], cmp_time);
  gs_time_us_t median = sample[m / 2];
  size_t nb = n / PER_BUCKET > 16 ? n / PER_BUCKET : 16;
  if (nb > q->nb_cap) {
    list_t *grown = realloc(q->bucket, nb * sizeof *grown);
    if (grown == NULL) return false;
    q->bucket = grown;
    q->nb_cap = nb;
  }
  /* Each list written (nb buckets and the new top) may need a chunk more
   * than the chunks read from the old top give back, one at a time: with
   * these in hand the scatter cannot fail halfway. */
  if (!reserve(q, nb + 4)) return false;
  memset(q->bucket, 0, nb * sizeof *q->bucket);
  q->nb = nb;
  /* Width: 2 (median - lo) / buckets, rounded up to a power of two (a
   * shift instead of a division on every push), computed as
   * ceil((2 half + 1) / nb) without overflow. */
  uint64_t half = (uint64_t)median - (uint64_t)lo;
  uint64_t w = half / nb * 2 + (2 * (half % nb) + nb) / nb;
  unsigned shift = 0;
  while (shift < 62 && ((uint64_t)1 << shift) < w)
    shift++;
  q->shift = shift;
  q->width = (gs_time_us_t)1 << shift;
  q->base = lo;
  /* The rung's end, clamped to INT64_MAX: width * nb may pass 2^63. */
  uint64_t room = (uint64_t)INT64_MAX - (uint64_t)lo;
  uint64_t len = (uint64_t)nb > (room >> shift) ? room : (uint64_t)nb << shift;
  q->rung_end = (gs_time_us_t)((uint64_t)lo + len);
  q->cur = 0;
  q->bottom_end = lo; /* bucket 0 is not drained yet */
  /* Scatter: what falls in the rung goes to its bucket, the rest to a new
   * top; each chunk read goes back to the free list at once. */
  chunk_t *c = q->top.head;
  q->top = (list_t){0};
  while (c != NULL) {
    CHUNK_PREFETCH(c->next);
    for (uint32_t j = 0; j < c->n; j++) {
      const gs_event_rec_t *ev = &c->ev[j];
      bool ok = list_append(q, home_of(q, ev->time_us), ev);
      GS_ASSERT(ok); /* reserved above */
    }
    chunk_t *next = c->next;
    chunk_put(q, c);
    c = next;
  }
  return true;
}

/* A stretch [first, first + len) of a bucket's list, by index. */
typedef struct span {
  size_t first, len;
} span_t;

/* Keeps `s` if it is among the MAX_RUNS longest seen (longest first). */
static void offer(span_t *best, unsigned *n_best, span_t s) {
  if (s.len <= GS_QSORT_SMALL) return; /* a short run is not worth it */
  unsigned i = *n_best < MAX_RUNS ? (*n_best)++ : MAX_RUNS;
  if (i == MAX_RUNS) {
    if (s.len <= best[MAX_RUNS - 1].len) return;
    i = MAX_RUNS - 1;
  }
  for (; i > 0 && best[i - 1].len < s.len; i--)
    best[i] = best[i - 1];
  best[i] = s;
}

/* The longest stretches of a bucket's list already in order. */
static unsigned find_runs(const list_t *b, span_t *best) {
  unsigned n_best = 0;
  const gs_event_rec_t *prev = NULL;
  size_t i = 0, start = 0;
  for (const chunk_t *c = b->head; c != NULL; c = c->next) {
    CHUNK_PREFETCH(c->next);
    for (uint32_t j = 0; j < c->n; j++, i++) {
      if (prev && gs_event_rec_before(&c->ev[j], prev)) {
        offer(best, &n_best, (span_t){start, i - start});
        start = i;
      }
      prev = &c->ev[j];
    }
  }
  offer(best, &n_best, (span_t){start, i - start});
  return n_best;
}

/* Events of the sort's second buffer kept between buckets (192 KiB). */
#define SCRATCH_KEEP 8192

/* Grows an empty buffer to hold `n` events. */
static bool ensure(gs_event_rec_t **buf, size_t *cap, size_t n) {
  if (*cap >= n) return true;
  free(*buf); /* empty: nothing to keep */
  *buf = malloc(n * sizeof **buf);
  *cap = *buf ? n : 0;
  return *buf != NULL;
}

/* Makes bucket `b` the bottom's runs. False on out-of-memory (the bucket
 * is then left as it was). */
static bool take_bucket(gs_queue_t *q, list_t *b) {
  span_t runs[MAX_RUNS];
  unsigned n_runs = b->n < RUNS_FROM ? 0 : find_runs(b, runs);
  size_t m = b->n; /* events for run B */
  for (unsigned r = 0; r < n_runs; r++)
    m -= runs[r].len;
  if (!ensure(&q->run, &q->run_cap, m) ||
      (m > GS_QSORT_SMALL && !ensure(&q->scratch, &q->scratch_cap, m)))
    return false;
  for (unsigned r = 0; r < n_runs; r++)
    q->a[r] = (run_a_t){.c = NULL, .left = runs[r].len};
  q->n_a = n_runs;
  q->n_bottom += b->n;
  size_t i = 0, k = 0;
  for (chunk_t *c = b->head, *next; c != NULL; c = next) {
    next = c->next;
    CHUNK_PREFETCH(next);
    size_t lo = i;
    for (uint32_t j = 0; j < c->n; j++, i++) {
      unsigned r = 0;
      while (r < n_runs &&
             (i < runs[r].first || i >= runs[r].first + runs[r].len))
        r++;
      if (r == n_runs) {
        q->run[k++] = c->ev[j];
        continue;
      }
      if (q->a[r].c == NULL) q->a[r].c = c, q->a[r].slot = (uint32_t)(i - lo);
    }
    /* A chunk stays while some run A still has events in it. */
    c->refs = 0;
    for (unsigned r = 0; r < n_runs; r++)
      if (lo < runs[r].first + runs[r].len && i > runs[r].first) c->refs++;
    if (c->refs == 0) chunk_put(q, c);
  }
  *b = (list_t){0};
  gs__qsort_events(&q->run, &q->run_cap, &q->scratch, &q->scratch_cap, m);
  /* The sort's second buffer is only needed during the sort: a large one
   * (a weather step's bucket in a big fleet) goes back to the system at
   * once, so it does not add to the peak with the chunks it was copied
   * from. */
  if (q->scratch_cap > SCRATCH_KEEP) {
    free(q->scratch);
    q->scratch = NULL;
    q->scratch_cap = 0;
  }
  q->run_pos = 0;
  q->run_n = (uint32_t)m;
  return true;
}

static bool bottom_empty(const gs_queue_t *q) { return q->n_bottom == 0; }

/* Makes the bottom non-empty if any event is pending. The batch goes to
 * its lists first: bottom_end is about to move past some of it. Kept out
 * of line: every peek and pop calls refill, and few find the bottom
 * empty. */
static __attribute__((noinline)) void refill_empty(gs_queue_t *q) {
  if (q->n_batch && !flush(q)) return; /* out of memory: no event seen */
  while (bottom_empty(q) && q->n > 0) {
    if (q->cur >= q->nb || q->nb == 0 || q->bottom_end >= q->rung_end) {
      if (!rebuild(q)) return; /* out of memory: the caller sees no event */
      continue;
    }
    list_t *b = &q->bucket[q->cur];
    gs_time_us_t start = q->base + (gs_time_us_t)q->cur * q->width;
    if (b->n && !take_bucket(q, b)) return; /* out of memory */
    q->cur++;
    q->bottom_end = start + q->width;
  }
}

static inline void refill(gs_queue_t *q) {
  if (bottom_empty(q)) refill_empty(q);
}

/* Where the earliest event of a non-empty bottom is: run A number 0 ..
 * n_a - 1, or one of these. */
enum { IN_B = MAX_RUNS, IN_HEAP, IN_APP };

static unsigned bottom_first(const gs_queue_t *q,
                             const gs_event_rec_t **first) {
  const gs_event_rec_t *best = NULL;
  unsigned where = IN_B;
  for (unsigned r = 0; r < q->n_a; r++) {
    const gs_event_rec_t *ev = &q->a[r].c->ev[q->a[r].slot];
    if (best == NULL || gs_event_rec_before(ev, best)) best = ev, where = r;
  }
  if (q->run_pos < q->run_n &&
      (best == NULL || gs_event_rec_before(&q->run[q->run_pos], best)))
    best = &q->run[q->run_pos], where = IN_B;
  if (q->heap_n && (best == NULL || gs_event_rec_before(&q->heap[0], best)))
    best = &q->heap[0], where = IN_HEAP;
  for (unsigned r = 0; r < q->n_app; r++) {
    const gs_event_rec_t *ev = &q->app[r].l.head->ev[q->app[r].pos];
    if (best == NULL || gs_event_rec_before(ev, best))
      best = ev, where = IN_APP + r;
  }
  *first = best;
  return where;
}

/* Moves run A `r` past its next event, releasing chunks it leaves. */
static void advance_a(gs_queue_t *q, unsigned r) {
  run_a_t *a = &q->a[r];
  a->left--;
  if (++a->slot < a->c->n && a->left > 0) return;
  chunk_t *c = a->c, *next = c->next;
  if (--c->refs == 0) chunk_put(q, c);
  if (a->left > 0) {
    a->c = next;
    a->slot = 0;
    CHUNK_PREFETCH(next->next);
    return;
  }
  q->a[r] = q->a[--q->n_a]; /* done: the last run takes its place */
}

/* Moves append run `r` past its next event, releasing each chunk read;
 * an emptied run gives back its tail too, and the last run takes its
 * place. */
static void advance_app(gs_queue_t *q, unsigned r) {
  app_t *a = &q->app[r];
  chunk_t *c = a->l.head;
  if (--a->l.n == 0) {
    chunk_put(q, c);
    *a = q->app[--q->n_app];
    return;
  }
  if (++a->pos < CHUNK_EVENTS) return;
  a->l.head = c->next;
  a->pos = 0;
  chunk_put(q, c);
  CHUNK_PREFETCH(a->l.head->next); /* written long ago, read in turn */
}

/* The first event of a non-empty bottom, as the last peek found it if
 * nothing that could change it happened since (the run loop peeks, then
 * peeks again or pops). */
static unsigned bottom_first_cached(gs_queue_t *q,
                                    const gs_event_rec_t **first) {
  switch (q->cached) {
    case -1:
      return bottom_first(q, first);
    case IN_B:
      *first = &q->run[q->run_pos];
      return IN_B;
    case IN_HEAP:
      *first = &q->heap[0];
      return IN_HEAP;
    default:
      if (q->cached >= IN_APP) {
        const app_t *a = &q->app[q->cached - IN_APP];
        *first = &a->l.head->ev[a->pos];
        return (unsigned)q->cached;
      }
      *first = &q->a[q->cached].c->ev[q->a[q->cached].slot];
      return (unsigned)q->cached;
  }
}

static const gs_event_rec_t *bq_peek(gs_queue_t *q) {
  refill(q);
  if (bottom_empty(q)) return NULL;
  const gs_event_rec_t *first;
  q->cached = (int)bottom_first_cached(q, &first);
  return first;
}

static bool bq_pop(gs_queue_t *q, gs_event_rec_t *out) {
  refill(q);
  if (bottom_empty(q)) return false;
  const gs_event_rec_t *first;
  unsigned where = bottom_first_cached(q, &first);
  q->cached = -1;
  *out = *first;
  q->last_us = first->time_us;
  if (where < MAX_RUNS) {
    advance_a(q, where);
  } else if (where == IN_B) {
    q->run_pos++;
  } else if (where >= IN_APP) {
    advance_app(q, where - IN_APP);
  } else {
    q->heap[0] = q->heap[--q->heap_n];
    if (q->heap_n) {
      heap_down(q->heap, q->heap_n, 0);
    } else if (q->heap_cap > SCRATCH_KEEP) {
      free(q->heap); /* emptied: a large heap is not kept either */
      q->heap = NULL;
      q->heap_cap = 0;
    }
  }
  q->n_bottom--;
  q->n--;
  return true;
}

static size_t bq_size(const gs_queue_t *q) {
  return q->n;
}

const gs_queue_ops_t gs_queue_bucket = {
    .name = "bucket",
    .create = bq_create,
    .destroy = bq_destroy,
    .push = bq_push,
    .pop = bq_pop,
    .peek = bq_peek,
    .size = bq_size,
};
