/* SPDX-License-Identifier: MIT */
/* A set of cancelled event handles (private to the engine). */
#ifndef GRIDSIM_CANCEL_SET_H
#define GRIDSIM_CANCEL_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gridsim/error.h"

/* Open addressing with linear probing and backward-shift deletion, so
 * lookups stay short however many cancels come and go. UINT64_MAX (the
 * "no handle" value) marks an empty slot. */
typedef struct gs__cancel_set {
  uint64_t *slot;
  size_t n, cap; /* cap is a power of two or 0 */
} gs__cancel_set_t;

gs_err_t gs__cancel_set_add(gs__cancel_set_t *s, uint64_t key);
/* Removes `key` if present; true if it was. */
bool gs__cancel_set_take(gs__cancel_set_t *s, uint64_t key);
void gs__cancel_set_free(gs__cancel_set_t *s);

#endif /* GRIDSIM_CANCEL_SET_H */
