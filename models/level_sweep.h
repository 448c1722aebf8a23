/* SPDX-License-Identifier: MIT */
/* The level sweep: one event per hour boundary books the new level of
 * every level load (lighting, outlets) whose boundary it is. */
#ifndef GRIDSIM_MODELS_LEVEL_SWEEP_H
#define GRIDSIM_MODELS_LEVEL_SWEEP_H

#include <stdbool.h>
#include <stdint.h>

#include "appliance.h"
#include "gridsim/engine.h"

/* Level types and distinct boundary phases one sweep takes; loads beyond
 * them keep their own hourly events. A fleet has one phase per distinct
 * utc_offset_h modulo an hour (one, unless some are fractional, as 5.5)
 * and a sweep pass reads every level state once per phase. */
#define GS_LEVEL_SWEEP_TYPES  4
#define GS_LEVEL_SWEEP_PHASES 8

/* The host entity's event kind for a pass; arg the phase, seconds. */
enum { GS_EV_LEVEL_SWEEP = GS_EV_MODEL + 1 };

/* What the host keeps: the level types that joined, with their class
 * tables, and the phases with a pending pass. Zeroed: empty. */
typedef struct gs_level_sweep {
  const gs_model_type_t *type[GS_LEVEL_SWEEP_TYPES];
  const gs_appl_class_t *cls[GS_LEVEL_SWEEP_TYPES];
  uint16_t phase_s[GS_LEVEL_SWEEP_PHASES];
  uint8_t n_types, n_phases;
} gs_level_sweep_t;

/* Called by a level load `self` (class `cls`, local time of day `tod0_s`
 * at t = 0) from its init: true if the sweep of host entity `host` now
 * books its hours, and schedules the host's first pass for its phase if
 * it is new; false if the load must step at its own events (a load that
 * reads the meter comes before it in its home, or the sweep is full). */
bool gs_level_sweep_join(gs_engine_t *eng, gs_entity_id_t host,
                         gs_entity_id_t self, const gs_appl_class_t *cls,
                         uint32_t tod0_s);

/* The host's GS_EV_LEVEL_SWEEP event with arg `phase_s`: a pass over the
 * states of every joined type, then the next pass an hour later. */
void gs_level_sweep_run(gs_engine_t *eng, gs_entity_id_t host,
                        const gs_level_sweep_t *ls, int64_t phase_s);

/* The host's sweep (models/weather_sweep.c, whose entity hosts it). */
gs_level_sweep_t *gs_weather_sweep_levels(gs_engine_t *eng,
                                          gs_entity_id_t host);

#endif /* GRIDSIM_MODELS_LEVEL_SWEEP_H */
