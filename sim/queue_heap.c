/* SPDX-License-Identifier: MIT */
/* The reference event queue: a plain binary min-heap of events by value. */
#include <stdlib.h>
#include <string.h>

#include "gridsim/queue.h"

struct gs_queue {
  gs_event_rec_t *ev;
  size_t n, cap;
};

static gs_queue_t *heap_create(size_t hint) {
  gs_queue_t *q = calloc(1, sizeof *q);
  if (q == NULL) return NULL;
  q->cap = hint > 16 ? hint : 16;
  q->ev = malloc(q->cap * sizeof *q->ev);
  if (q->ev == NULL) {
    free(q);
    return NULL;
  }
  return q;
}

static void heap_destroy(gs_queue_t *q) {
  if (q == NULL) return;
  free(q->ev);
  free(q);
}

static gs_err_t heap_push(gs_queue_t *q, const gs_event_rec_t *ev) {
  if (q->n == q->cap) {
    size_t cap = q->cap * 2;
    gs_event_rec_t *grown = realloc(q->ev, cap * sizeof *grown);
    if (grown == NULL) return GS_ENOMEM;
    q->ev = grown;
    q->cap = cap;
  }
  /* Sift up: move parents down until the hole fits the new event. */
  size_t i = q->n++;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!gs_event_rec_before(ev, &q->ev[parent])) break;
    q->ev[i] = q->ev[parent];
    i = parent;
  }
  q->ev[i] = *ev;
  return GS_OK;
}

static bool heap_pop(gs_queue_t *q, gs_event_rec_t *out) {
  if (q->n == 0) return false;
  *out = q->ev[0];
  const gs_event_rec_t last = q->ev[--q->n];
  /* Sift the last event down from the root. */
  size_t i = 0, n = q->n;
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && gs_event_rec_before(&q->ev[child + 1], &q->ev[child]))
      child++;
    if (!gs_event_rec_before(&q->ev[child], &last)) break;
    q->ev[i] = q->ev[child];
    i = child;
  }
  if (n > 0) q->ev[i] = last;
  return true;
}

static const gs_event_rec_t *heap_peek(gs_queue_t *q) {
  return q->n ? &q->ev[0] : NULL;
}

static size_t heap_size(const gs_queue_t *q) { return q->n; }

const gs_queue_ops_t gs_queue_heap = {
    .name = "heap",
    .create = heap_create,
    .destroy = heap_destroy,
    .push = heap_push,
    .pop = heap_pop,
    .peek = heap_peek,
    .size = heap_size,
};
