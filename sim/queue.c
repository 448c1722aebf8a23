/* SPDX-License-Identifier: MIT */
/* The table of queue implementations, looked up by name. */
#include <string.h>

#include "gridsim/queue.h"

static const gs_queue_ops_t *const queues[] = {&gs_queue_heap, NULL};

const gs_queue_ops_t *gs_queue_find(const char *name) {
  if (name == NULL) return NULL;
  for (size_t i = 0; queues[i] != NULL; i++)
    if (strcmp(queues[i]->name, name) == 0) return queues[i];
  return NULL;
}
