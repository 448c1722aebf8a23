/* SPDX-License-Identifier: MIT */
/* A fast event queue: one rung of time buckets over a small exact heap. */
#include <stdlib.h>
#include <string.h>

#include "gridsim/queue.h"

/* The queue splits pending events by time into three tiers (the idea of
 * Brown's calendar queue and Tang et al.'s ladder queue, reduced to one
 * rung):
 *   bottom   a binary heap, exactly ordered by gs_event_before, of every
 *            event before the end of the current bucket;
 *   buckets  unsorted vectors covering [base + i*width, base+(i+1)*width);
 *   top      an unsorted vector of everything at or after the rung's end.
 * Popping drains the bottom heap; when it is empty the next non-empty
 * bucket is heapified into it; when the rung is used up it is rebuilt
 * from the top with a width fitted to what is there. Every event in the
 * bottom precedes every event elsewhere, so the pop order is exactly the
 * reference heap's; the heap only ever holds one bucket's worth. */

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

typedef struct vec {
  gs_event_t *ev;
  uint32_t n, cap;
} vec_t;

/* Pushes beyond the bottom wait in a small batch and are scattered into
 * their buckets together, with prefetches, so the cache misses of many
 * random appends overlap instead of each stalling the push. */
#define BATCH 64
/* Events sampled from the top to place the rung (see rebuild). */
#define SAMPLE 257

struct gs_queue {
  gs_event_t batch[BATCH]; /* unsorted, all >= bottom_end */
  uint32_t n_batch;
  vec_t bottom;          /* min-heap */
  vec_t top;             /* unsorted, time >= rung end */
  vec_t *bucket;         /* nb_cap vectors, nb of them in the rung */
  size_t nb, nb_cap;     /* nb is 0 before the first build */
  size_t cur;            /* buckets < cur are empty (drained to bottom) */
  gs_time_us_t base;     /* start of bucket 0 */
  gs_time_us_t width;    /* bucket width: 1 << shift */
  unsigned shift;
  gs_time_us_t bottom_end; /* events before this go to the bottom heap */
  gs_time_us_t rung_end; /* events at or after this go to the top */
  size_t n;              /* all pending events */
};

static bool vec_push(vec_t *v, const gs_event_t *ev) {
  if (v->n == v->cap) {
    uint32_t cap = v->cap ? v->cap * 2 : 4;
    gs_event_t *grown = realloc(v->ev, (size_t)cap * sizeof *grown);
    if (grown == NULL) return false;
    v->ev = grown;
    v->cap = cap;
  }
  v->ev[v->n++] = *ev;
  return true;
}

/* Binary min-heap on bottom (same algorithm as the reference heap). */
static void heap_up(vec_t *h, uint32_t i) {
  gs_event_t ev = h->ev[i];
  while (i > 0) {
    uint32_t parent = (i - 1) / 2;
    if (!gs_event_before(&ev, &h->ev[parent])) break;
    h->ev[i] = h->ev[parent];
    i = parent;
  }
  h->ev[i] = ev;
}

static void heap_down(vec_t *h, uint32_t i) {
  gs_event_t ev = h->ev[i];
  uint32_t n = h->n;
  for (;;) {
    uint32_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && gs_event_before(&h->ev[c + 1], &h->ev[c])) c++;
    if (!gs_event_before(&h->ev[c], &ev)) break;
    h->ev[i] = h->ev[c];
    i = c;
  }
  h->ev[i] = ev;
}

static gs_queue_t *bq_create(size_t hint) {
  gs_queue_t *q = calloc(1, sizeof *q);
  if (q == NULL) return NULL;
  (void)hint;
  q->width = 1;
  q->bottom_end = INT64_MIN; /* nothing built: everything goes to the top */
  q->rung_end = INT64_MIN;
  return q;
}

static void bq_destroy(gs_queue_t *q) {
  if (q == NULL) return;
  for (size_t i = 0; i < q->nb_cap; i++) free(q->bucket[i].ev);
  free(q->bucket);
  free(q->bottom.ev);
  free(q->top.ev);
  free(q);
}

/* Where an event at or after bottom_end belongs: its bucket or the top. */
static vec_t *home_of(gs_queue_t *q, gs_time_us_t t) {
  if (t < q->rung_end)
    return &q->bucket[(size_t)((uint64_t)(t - q->base) >> q->shift)];
  return &q->top;
}

/* Scatters the batch into buckets: a pass of prefetches for the bucket
 * headers, one for their tails, then the copies. */
static bool flush(gs_queue_t *q) {
  uint32_t n = q->n_batch;
  vec_t *home[BATCH];
  for (uint32_t i = 0; i < n; i++) {
    home[i] = home_of(q, q->batch[i].time_us);
    __builtin_prefetch(home[i], 1);
  }
  for (uint32_t i = 0; i < n; i++)
    if (home[i]->n < home[i]->cap)
      __builtin_prefetch(&home[i]->ev[home[i]->n], 1);
  for (uint32_t i = 0; i < n; i++)
    if (!vec_push(home[i], &q->batch[i])) {
      /* Keep what was not placed, so nothing is lost on failure. */
      memmove(q->batch, q->batch + i, (n - i) * sizeof *q->batch);
      q->n_batch = n - i;
      return false;
    }
  q->n_batch = 0;
  return true;
}

static gs_err_t bq_push(gs_queue_t *q, const gs_event_t *ev) {
  if (ev->time_us < q->bottom_end) {
    if (!vec_push(&q->bottom, ev)) return GS_ENOMEM;
    heap_up(&q->bottom, q->bottom.n - 1);
  } else {
    if (q->n_batch == BATCH && !flush(q)) return GS_ENOMEM;
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
  size_t m = n < SAMPLE ? n : SAMPLE;
  for (size_t i = 0; i < n; i++)
    if (q->top.ev[i].time_us < lo) lo = q->top.ev[i].time_us;
  for (size_t i = 0; i < m; i++) sample[i] = q->top.ev[i * n / m].time_us;
  qsort(sample, m, sizeof sample[0], cmp_time);
  gs_time_us_t median = sample[m / 2];
  size_t nb = n / 4 > 16 ? n / 4 : 16;
  if (nb > q->nb_cap) { /* vectors beyond nb keep their memory for reuse */
    vec_t *grown = realloc(q->bucket, nb * sizeof *grown);
    if (grown == NULL) return false;
    memset(grown + q->nb_cap, 0, (nb - q->nb_cap) * sizeof *grown);
    q->bucket = grown;
    q->nb_cap = nb;
  }
  q->nb = nb;
  /* Width: 2 (median - lo) / buckets, rounded up to a power of two (a
   * shift instead of a division on every push). */
  u128 span = 2 * (u128)((i128)median - lo) + 1;
  u128 w = (span + nb - 1) / nb;
  unsigned shift = 0;
  while (shift < 62 && ((u128)1 << shift) < w) shift++;
  q->shift = shift;
  q->width = (gs_time_us_t)1 << shift;
  q->base = lo;
  i128 end = (i128)lo + (i128)q->width * (i128)nb;
  q->rung_end = end > INT64_MAX ? INT64_MAX : (gs_time_us_t)end;
  q->cur = 0;
  q->bottom_end = lo; /* bucket 0 is not drained yet */
  /* Scatter: what falls in the rung goes to its bucket, the rest is
   * compacted in place at the front of the top. */
  size_t keep = 0;
  for (size_t i = 0; i < n; i++) {
    gs_event_t ev = q->top.ev[i];
    if (ev.time_us >= q->rung_end) {
      q->top.ev[keep++] = ev;
      continue;
    }
    size_t b = (size_t)((uint64_t)(ev.time_us - q->base) >> q->shift);
    if (!vec_push(&q->bucket[b], &ev)) {
      /* Out of memory: put back what is left so nothing is lost. */
      memmove(q->top.ev + keep, q->top.ev + i, (n - i) * sizeof ev);
      q->top.n = (uint32_t)(keep + n - i);
      return false;
    }
  }
  q->top.n = (uint32_t)keep;
  return true;
}

/* Makes the bottom heap non-empty if any event is pending. */
static void refill(gs_queue_t *q) {
  if (q->bottom.n == 0 && q->n_batch && !flush(q)) return;
  while (q->bottom.n == 0 && q->n > 0) {
    if (q->cur >= q->nb || q->nb == 0 || q->bottom_end >= q->rung_end) {
      if (!rebuild(q)) return; /* out of memory: the caller sees no event */
      continue;
    }
    vec_t *b = &q->bucket[q->cur++];
    q->bottom_end = q->base + (gs_time_us_t)q->cur * q->width;
    if (q->cur < q->nb && q->bucket[q->cur].n)
      __builtin_prefetch(q->bucket[q->cur].ev);
    if (b->n == 0) continue;
    /* Copy the bucket into the bottom's own array (it grows once to the
     * densest bucket) and heapify it there. A bucket that grew beyond a
     * few events gives its memory back, so what the rung holds follows
     * what is pending rather than the densest bucket each index ever saw. */
    if (q->bottom.cap < b->n) {
      gs_event_t *grown = realloc(q->bottom.ev, (size_t)b->n * sizeof *grown);
      if (grown == NULL) return; /* the caller sees no event */
      q->bottom.ev = grown;
      q->bottom.cap = b->n;
    }
    memcpy(q->bottom.ev, b->ev, (size_t)b->n * sizeof *b->ev);
    q->bottom.n = b->n;
    b->n = 0;
    if (b->cap > 8) {
      free(b->ev);
      *b = (vec_t){0};
    }
    for (uint32_t i = q->bottom.n / 2; i-- > 0;) heap_down(&q->bottom, i);
  }
}

static const gs_event_t *bq_peek(gs_queue_t *q) {
  refill(q);
  return q->bottom.n ? &q->bottom.ev[0] : NULL;
}

static bool bq_pop(gs_queue_t *q, gs_event_t *out) {
  refill(q);
  if (q->bottom.n == 0) return false;
  *out = q->bottom.ev[0];
  q->bottom.ev[0] = q->bottom.ev[--q->bottom.n];
  if (q->bottom.n) heap_down(&q->bottom, 0);
  q->n--;
  return true;
}

static size_t bq_size(const gs_queue_t *q) { return q->n; }

const gs_queue_ops_t gs_queue_bucket = {
    .name = "bucket",
    .create = bq_create,
    .destroy = bq_destroy,
    .push = bq_push,
    .pop = bq_pop,
    .peek = bq_peek,
    .size = bq_size,
};
