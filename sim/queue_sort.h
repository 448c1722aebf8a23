/* SPDX-License-Identifier: MIT */
/* Sorting a bucket of events into pop order (private to the bucket queue). */
#ifndef GRIDSIM_QUEUE_SORT_H
#define GRIDSIM_QUEUE_SORT_H

#include <stddef.h>

#include "gridsim/event.h"

/* Buckets of at most this many events are insertion-sorted and never need
 * the second buffer. */
#define GS_QSORT_SMALL 32

/* Sorts the `n` events of `*a` into gs_event_rec_before order. For n above
 * GS_QSORT_SMALL, `*tmp` (capacity `*tmp_cap` >= n events) is the second
 * buffer of the radix passes; the two buffers, with their capacities, may
 * come back exchanged (the sorted events are always in `*a`). Never
 * fails, never allocates. */
void gs__qsort_events(gs_event_rec_t **a, size_t *a_cap, gs_event_rec_t **tmp,
                      size_t *tmp_cap, size_t n);

#endif /* GRIDSIM_QUEUE_SORT_H */
