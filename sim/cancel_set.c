/* SPDX-License-Identifier: MIT */
/* Hash set of cancelled event handles for the engine's lazy cancellation. */
#include <stdlib.h>

#include "cancel_set.h"
#include "gridsim/rng.h"

#define EMPTY UINT64_MAX

static size_t home(const gs__cancel_set_t *s, uint64_t key) {
  return (size_t)(gs_mix64(key) & (s->cap - 1));
}

static gs_err_t grow(gs__cancel_set_t *s) {
  size_t cap = s->cap ? s->cap * 2 : 64;
  uint64_t *slot = malloc(cap * sizeof *slot);
  if (slot == NULL) return GS_ENOMEM;
  for (size_t i = 0; i < cap; i++) slot[i] = EMPTY;
  gs__cancel_set_t old = *s;
  s->slot = slot;
  s->cap = cap;
  s->n = 0;
  for (size_t i = 0; i < old.cap; i++)
    if (old.slot[i] != EMPTY) gs__cancel_set_add(s, old.slot[i]);
  free(old.slot);
  return GS_OK;
}

gs_err_t gs__cancel_set_add(gs__cancel_set_t *s, uint64_t key) {
  GS_ASSERT(key != EMPTY);
  if (2 * (s->n + 1) > s->cap) { /* keep the load factor <= 1/2 */
    gs_err_t err = grow(s);
    if (err != GS_OK) return err;
  }
  size_t i = home(s, key);
  while (s->slot[i] != EMPTY) {
    if (s->slot[i] == key) return GS_OK;
    i = (i + 1) & (s->cap - 1);
  }
  s->slot[i] = key;
  s->n++;
  return GS_OK;
}

bool gs__cancel_set_take(gs__cancel_set_t *s, uint64_t key) {
  if (s->n == 0) return false;
  size_t mask = s->cap - 1, i = home(s, key);
  while (s->slot[i] != key) {
    if (s->slot[i] == EMPTY) return false;
    i = (i + 1) & mask;
  }
  /* Backward-shift deletion: pull later members of the probe run into the
   * hole when their home position allows it. */
  size_t hole = i;
  for (size_t j = (i + 1) & mask; s->slot[j] != EMPTY; j = (j + 1) & mask) {
    size_t h = home(s, s->slot[j]);
    /* j may move to hole if h is cyclically outside (hole, j]. */
    bool movable = hole <= j ? (h <= hole || h > j) : (h <= hole && h > j);
    if (movable) {
      s->slot[hole] = s->slot[j];
      hole = j;
    }
  }
  s->slot[hole] = EMPTY;
  s->n--;
  return true;
}

void gs__cancel_set_free(gs__cancel_set_t *s) {
  free(s->slot);
  *s = (gs__cancel_set_t){0};
}
