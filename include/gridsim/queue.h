/* SPDX-License-Identifier: MIT */
/* Pending-event queue interface; a binary heap is the reference. */
#ifndef GRIDSIM_QUEUE_H
#define GRIDSIM_QUEUE_H

#include <stddef.h>

#include "gridsim/event.h"

typedef struct gs_queue gs_queue_t;

/* A queue implementation. Every implementation must pop events in exactly
 * the order of gs_event_rec_before(); tests hold them to the reference heap. */
typedef struct gs_queue_ops {
  const char *name;
  /* Creates an empty queue sized for about `capacity_hint` events; NULL on
   * out-of-memory. The caller owns the queue and frees it with destroy. */
  gs_queue_t *(*create)(size_t capacity_hint);
  void (*destroy)(gs_queue_t *q);
  /* Copies `ev` in. GS_ENOMEM if it cannot grow (the queue is unchanged). */
  gs_err_t (*push)(gs_queue_t *q, const gs_event_rec_t *ev);
  /* Removes the earliest event into `*out`; false when empty. */
  bool (*pop)(gs_queue_t *q, gs_event_rec_t *out);
  /* The earliest event, owned by the queue and valid until the next push or
   * pop; NULL when empty. May reorganise the queue (hence not const). */
  const gs_event_rec_t *(*peek)(gs_queue_t *q);
  size_t (*size)(const gs_queue_t *q);
} gs_queue_ops_t;

/* The plain binary heap: the reference implementation. */
extern const gs_queue_ops_t gs_queue_heap;
/* Time buckets over a small exact heap: the fast one (sim/queue_bucket.c). */
extern const gs_queue_ops_t gs_queue_bucket;

/* Every implementation, ending in NULL (for tests and benchmarks). */
extern const gs_queue_ops_t *const gs_queues[];

/* Looks up an implementation by name ("heap", "bucket"); NULL if unknown. */
const gs_queue_ops_t *gs_queue_find(const char *name);

#endif /* GRIDSIM_QUEUE_H */
