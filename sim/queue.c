/* SPDX-License-Identifier: MIT */
/* The table of queue implementations, looked up by name. */
#include <string.h>

#include "gridsim/queue.h"

const gs_queue_ops_t *const gs_queues[] = {&gs_queue_heap, &gs_queue_bucket,
                                           NULL};

const gs_queue_ops_t *gs_queue_find(const char *name) {
  if (name == NULL) return NULL;
  for (size_t i = 0; gs_queues[i] != NULL; i++)
    if (strcmp(gs_queues[i]->name, name) == 0) return gs_queues[i];
  return NULL;
}
