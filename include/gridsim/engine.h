/* SPDX-License-Identifier: MIT */
/* The deterministic discrete-event engine: entities, schedule, run loop. */
#ifndef GRIDSIM_ENGINE_H
#define GRIDSIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gridsim/error.h"
#include "gridsim/event.h"
#include "gridsim/meter.h"
#include "gridsim/model.h"
#include "gridsim/queue.h"
#include "gridsim/time.h"

typedef struct gs_engine gs_engine_t;

typedef struct gs_engine_config {
  uint64_t seed;
  const gs_queue_ops_t *queue; /* NULL: the fast bucket queue */
  size_t capacity_hint;        /* expected pending events, 0 if unknown */
} gs_engine_config_t;

/* Observers read state at their own instants and never change model state
 * or event order; they are not events (the event count and digest are the
 * same with or without them). */
typedef struct gs_observer {
  const char *name;
  /* If > 0, sample() is called at every simulated instant k * interval_us
   * (k >= 0) once all events at or before it have been processed. */
  gs_time_us_t interval_us;
  void (*sample)(void *ud, gs_engine_t *eng, gs_time_us_t t_us);
  /* If set, called about every `tick_events` processed events, and at least
   * once per run() call, to let progress lines and live views read the wall
   * clock themselves. May call gs_engine_stop(). */
  void (*tick)(void *ud, gs_engine_t *eng);
  uint64_t tick_events;
  /* Called once by gs_engine_finish(). */
  void (*finish)(void *ud, gs_engine_t *eng);
  void *ud;
} gs_observer_t;

/* Paced runs and external input. Before each event (or before returning
 * when idle), the engine calls wait(ud, eng, next_us) with the time of the
 * next event, or `until` when none is pending. wait() blocks until the wall
 * clock reaches next_us at the chosen pace or input arrives; for input it
 * calls gs_engine_advance() to the current simulated time and schedules the
 * input as events there. It returns GS_OK to continue, anything else to end
 * the run with that error. */
typedef struct gs_pacer {
  gs_err_t (*wait)(void *ud, gs_engine_t *eng, gs_time_us_t next_us);
  void *ud;
} gs_pacer_t;

/* Creates an engine with no entities at time 0. NULL on out-of-memory (with
 * detail in `eb`). The caller owns it and frees it with gs_engine_destroy. */
gs_engine_t *gs_engine_create(const gs_engine_config_t *cfg, gs_errbuf_t *eb);
void gs_engine_destroy(gs_engine_t *eng);

/* Adds an entity of `type` (state zeroed, then type->init called). Entity
 * ids are dense and given in creation order. State pointers returned by
 * gs_engine_state() may move while entities are being added. */
gs_err_t gs_engine_add_entity(gs_engine_t *eng, const gs_model_type_t *type,
                              const gs_model_init_t *init,
                              gs_entity_id_t *out_id, gs_errbuf_t *eb);

size_t gs_engine_entity_count(const gs_engine_t *eng);

/* An engine-owned copy of the `size` bytes at `data` (at most 4 KiB),
 * shared with an earlier call that passed the same bytes if it was among
 * the last eight: for what a model's entities have in common (a group's
 * parameters), so that a million of them need not each hold it. Compared
 * by bytes: clear padding. Valid until gs_engine_destroy (not released by
 * gs_engine_release); NULL on out-of-memory. */
/* The meter entity `id` adds to, as its model reports it
 * (gs_model_type_t.meter_of), or GS_METER_NONE for a model without one.
 * The engine keeps no copy: a model that has a meter keeps it in its state
 * (in a fleet of millions, 4 bytes an entity in the engine's record). */
uint32_t gs_engine_entity_meter(const gs_engine_t *eng, gs_entity_id_t id);

const void *gs_engine_intern(gs_engine_t *eng, const void *data, size_t size);
/* The states of every entity of `type`, contiguous in creation order,
 * type->state_size bytes apart (owned by the engine; they may move while
 * entities are added); NULL with *n = 0 if there are none. For a model
 * that updates all its entities at once. */
void *gs_engine_type_states(gs_engine_t *eng, const gs_model_type_t *type,
                            size_t *n);
/* The entity's state (owned by the engine) and type. */
void *gs_engine_state(gs_engine_t *eng, gs_entity_id_t id);
const gs_model_type_t *gs_engine_type(const gs_engine_t *eng,
                                      gs_entity_id_t id);
/* Starts fetching into cache what reading entity `id` will touch, and
 * changes nothing: with `state` false its engine record, with `state`
 * true (once that has had time to arrive) every line of its state. For
 * observers that read many entities in a row (the trace's VEN sample at
 * a million homes): a few entities apart, the two stages overlap the
 * cache misses that would otherwise come one after another. */
void gs_engine_prefetch(const gs_engine_t *eng, gs_entity_id_t id, bool state);

/* An entity's events are numbered 0, 1, ... below this value (2^28 - 1),
 * which a model may therefore keep as "no pending event" in a 28-bit field.
 * Scheduling an entity's 2^28th event is fatal (GS_ASSERT): the entity's
 * counter is 28 bits of the engine's 8-byte entity record, and a wrapped
 * counter would reorder its events. (A 24 h run at a million homes gives
 * the busiest entity, a battery, a few thousand.) */
#define GS_ENGINE_SEQ_NONE ((UINT32_C(1) << 28) - 1)

/* Schedules an event for `target` at `at_us` (>= now). The sequence number
 * is the target's own counter, so the order never depends on a global
 * insertion counter. Returns a handle for gs_engine_cancel(). Out of memory
 * while growing the queue is fatal (GS_ASSERT): a run cannot go on with a
 * lost event. */
gs_event_handle_t gs_engine_schedule(gs_engine_t *eng, gs_entity_id_t target,
                                     gs_time_us_t at_us, gs_phase_t phase,
                                     uint16_t kind, int64_t arg,
                                     uint32_t arg2);

/* Cancels a pending event (lazily: it is skipped when popped). Safe during
 * dispatch. The handle must name an event that has not been processed;
 * GS_EVENT_HANDLE_NONE is ignored. */
void gs_engine_cancel(gs_engine_t *eng, gs_event_handle_t handle);

/* Processes events in order up to and including `until_us`, then sets the
 * time to `until_us`. Returns GS_OK, GS_EINTR if gs_engine_stop() was
 * called (time stays at the last event), or a pacer's error. */
gs_err_t gs_engine_run(gs_engine_t *eng, gs_time_us_t until_us);

/* Asks the run loop to return after the current event. Async-signal-safe. */
void gs_engine_stop(gs_engine_t *eng);

/* Ends the run: calls every model's finish and every observer's finish. */
void gs_engine_finish(gs_engine_t *eng);

/* After gs_engine_finish: frees what only a running engine needs, the
 * pending events and every entity's state and record, so that a second
 * engine (a counterfactual twin) does not add to this one's peak memory.
 * What stays readable: the clock, the counters and digest, the entity
 * count and the meters. Nothing else may be called but gs_engine_destroy. */
void gs_engine_release(gs_engine_t *eng);

/* Moves the clock forward to `t_us` (<= the next pending event); for
 * pacers injecting external input. */
void gs_engine_advance(gs_engine_t *eng, gs_time_us_t t_us);

gs_err_t gs_engine_add_observer(gs_engine_t *eng, const gs_observer_t *obs);
void gs_engine_set_pacer(gs_engine_t *eng, const gs_pacer_t *pacer);

gs_time_us_t gs_engine_now(const gs_engine_t *eng);
uint64_t gs_engine_seed(const gs_engine_t *eng);
uint64_t gs_engine_events_processed(const gs_engine_t *eng);
uint64_t gs_engine_events_cancelled(const gs_engine_t *eng);
size_t gs_engine_pending(const gs_engine_t *eng);
/* Digest of every processed event's (time, phase, target, seq, kind, arg,
 * arg2), in order: equal digests mean equal event sequences. */
uint64_t gs_engine_digest(const gs_engine_t *eng);

/* The engine's meters (owned by the engine). */
gs_meters_t *gs_engine_meters(gs_engine_t *eng);
/* Asks for a GS_EV_METER event (arg = meter) to `entity`, at the time and
 * in GS_PHASE_MODEL, the next time another entity changes the power of
 * `meter` itself (not of a meter below it) through gs_engine_add_power.
 * One-shot: the watch ends with that event; a new watch of the same meter
 * replaces the old. Lets a controller that follows a meter sleep while
 * nothing changes instead of polling it. Out of memory is fatal, as for
 * gs_engine_schedule. */
void gs_engine_watch_meter(gs_engine_t *eng, uint32_t meter,
                           gs_entity_id_t entity);
/* The same watch, for a controller that reads the meter only at its own
 * instants and only acts on some of what it reads. */
typedef struct gs_meter_watch {
  /* The GS_EV_METER event comes at the first instant phase_us + k *
   * period_us (k >= 0) strictly after the change that ends the watch, so
   * the controller wakes for the reading that would have been the first
   * to see it, in one event instead of a wake-up and a reading (period_us
   * 0: at the change, as gs_engine_watch_meter). Further changes before
   * that instant deliver nothing more. */
  uint32_t phase_us, period_us;
  /* A change that leaves the meter's power within [lo_mw, hi_mw] does not
   * end the watch (lo_mw > hi_mw: every change does): for a controller
   * that would find nothing to do at such a reading. */
  int64_t lo_mw, hi_mw;
} gs_meter_watch_t;
void gs_engine_watch_meter_when(gs_engine_t *eng, uint32_t meter,
                                gs_entity_id_t entity,
                                const gs_meter_watch_t *when);
/* True while `entity`'s watch of `meter` is armed: set and not yet ended
 * by a change or gs_engine_unwatch_meter. */
bool gs_engine_watching(const gs_engine_t *eng, uint32_t meter,
                        gs_entity_id_t entity);
/* Ends a watch of `meter` by `entity` (none: nothing). */
void gs_engine_unwatch_meter(gs_engine_t *eng, uint32_t meter,
                             gs_entity_id_t entity);

/* Shorthand: adds `delta_mw` to `meter` at the current time. */
void gs_engine_add_power(gs_engine_t *eng, uint32_t meter, int64_t delta_mw);

#endif /* GRIDSIM_ENGINE_H */
