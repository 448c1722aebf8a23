/* SPDX-License-Identifier: MIT */
/* The event record and its total order (time, phase, target, sequence). */
#ifndef GRIDSIM_EVENT_H
#define GRIDSIM_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "gridsim/time.h"

/* Dense entity index assigned by the engine, in creation order. */
typedef uint32_t gs_entity_id_t;
#define GS_ENTITY_NONE UINT32_MAX

/* Phases order events that fall on the same microsecond. Inputs from outside
 * come first, then commands, then physics, then reports: so a telemetry
 * report at t sees every state change at t. */
typedef enum gs_phase {
  GS_PHASE_INPUT = 0,     /* external input (bridges, replay) */
  GS_PHASE_PROGRAM = 1,   /* program / dispatch decisions */
  GS_PHASE_COMMAND = 2,   /* command delivery to a VEN */
  GS_PHASE_MODEL = 3,     /* load physics: switching, arrivals */
  GS_PHASE_REPORT = 4,    /* telemetry, acks */
  GS_PHASE_COUNT
} gs_phase_t;

/* One scheduled event: 32 bytes, stored by value in the queue. `kind` and
 * `arg`/`arg2` are interpreted by the target's model type. */
typedef struct gs_event {
  gs_time_us_t time_us;
  gs_entity_id_t target;
  uint32_t seq;    /* per-target sequence number, assigned at scheduling */
  uint8_t phase;   /* gs_phase_t */
  uint8_t flags;   /* reserved, zero */
  uint16_t kind;   /* model-defined */
  uint32_t arg2;   /* model-defined */
  int64_t arg;     /* model-defined */
} gs_event_t;

/* Identifies a scheduled event for cancellation: (target << 32) | seq. */
typedef uint64_t gs_event_handle_t;
#define GS_EVENT_HANDLE_NONE UINT64_MAX

static inline gs_event_handle_t gs_event_handle(const gs_event_t *ev) {
  return ((uint64_t)ev->target << 32) | ev->seq;
}

/* True when `a` must be processed before `b`. No two events share a key. */
static inline bool gs_event_before(const gs_event_t *a, const gs_event_t *b) {
  if (a->time_us != b->time_us) return a->time_us < b->time_us;
  if (a->phase != b->phase) return a->phase < b->phase;
  if (a->target != b->target) return a->target < b->target;
  return a->seq < b->seq;
}

#endif /* GRIDSIM_EVENT_H */
