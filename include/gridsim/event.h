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

/* One scheduled event as its handler sees it. `kind` and `arg`/`arg2` are
 * interpreted by the target's model type. The queue stores it packed
 * (gs_event_rec_t). */
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

/* The stored form of an event, 24 bytes (the queue holds up to ten per
 * home, so each byte saved is ten per home at a million homes). The
 * phase sits above the target in one word, so (time_us, pt, seq) compared
 * in turn is exactly the order of gs_event_before. `data` is the engine's
 * packing of kind, arg and arg2 (engine.c); queues only move it. */
typedef struct gs_event_rec {
  gs_time_us_t time_us;
  uint32_t pt;  /* phase << GS_EVENT_PHASE_SHIFT | target */
  uint32_t seq; /* per-target sequence number */
  uint64_t data;
} gs_event_rec_t;

/* Targets of stored events have 29 bits: half a billion entities. */
#define GS_EVENT_PHASE_SHIFT 29
#define GS_EVENT_TARGET_MAX ((UINT32_C(1) << GS_EVENT_PHASE_SHIFT) - 1)

static inline uint32_t gs_event_pt(gs_phase_t phase, gs_entity_id_t target) {
  return (uint32_t)phase << GS_EVENT_PHASE_SHIFT | target;
}
static inline gs_entity_id_t gs_event_rec_target(const gs_event_rec_t *r) {
  return r->pt & GS_EVENT_TARGET_MAX;
}
static inline gs_phase_t gs_event_rec_phase(const gs_event_rec_t *r) {
  return (gs_phase_t)(r->pt >> GS_EVENT_PHASE_SHIFT);
}

/* True when stored event `a` must be processed before `b`. */
static inline bool gs_event_rec_before(const gs_event_rec_t *a,
                                       const gs_event_rec_t *b) {
  if (a->time_us != b->time_us) return a->time_us < b->time_us;
  if (a->pt != b->pt) return a->pt < b->pt;
  return a->seq < b->seq;
}

#endif /* GRIDSIM_EVENT_H */
