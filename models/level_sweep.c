/* SPDX-License-Identifier: MIT */
/* The level sweep: one event per hour boundary books the new level of
 * every level load whose boundary it is, instead of one event for each. */
#include "level_sweep.h"

#include "gridsim/engine.h"

/* A level load (lighting, outlets: GS_APPL_LEVEL) changes its draw only
 * at its local hour boundaries, a new level drawn from its own stream.
 * As events these were two of every home's ten pending events and a fifth
 * of its events of a day, each with its queue push and pop and dispatch;
 * a pass over the contiguous states of each level type costs a read of
 * each. The pass runs at the host entity's event (the weather sweep's
 * entity: sim/world.c adds it before the homes), so at a boundary it
 * comes before every home's events of that instant, PHASE_MODEL: the
 * loads' own events came after those of the loads before them in their
 * home. That changes what a home's load sees only if it reads its meter
 * in PHASE_MODEL (model type flag reads_meter: a battery's EMS, a PV
 * export limit): a level load after such a load keeps its own events.
 * A load's DR events (shed, restore, setLoad) stay its own and come after
 * the pass as they came after its hour event (a later sequence number);
 * the VEN's telemetry is PHASE_REPORT, after both. Power totals are exact
 * integer sums, and a battery's meter watch wakes at the first change of
 * its home at an instant, whoever makes it: the order within a pass
 * changes nothing. Loads whose local time is offset by a fraction of an
 * hour step at their own boundaries: one pass per distinct phase. */

/* Whether a load before `self` in its home (the entities back to its
 * VEN, which are its home's loads) reads the meter. */
static bool gs__reader_before(const gs_engine_t *eng, gs_entity_id_t self) {
  for (gs_entity_id_t id = self; id-- > 0;) {
    const gs_model_type_t *t = gs_engine_type(eng, id);
    if (t->role != GS_ROLE_LOAD) return false;
    if (t->reads_meter) return true;
  }
  return false;
}

bool gs_level_sweep_join(gs_engine_t *eng, gs_entity_id_t host,
                         gs_entity_id_t self, const gs_appl_class_t *cls,
                         uint32_t tod0_s) {
  if (gs__reader_before(eng, self)) return false;
  gs_level_sweep_t *ls = gs_weather_sweep_levels(eng, host);
  const gs_model_type_t *type = gs_engine_type(eng, self);
  unsigned k = 0;
  while (k < ls->n_types && ls->type[k] != type)
    k++;
  if (k == GS_LEVEL_SWEEP_TYPES) return false;
  if (k == ls->n_types) {
    ls->type[k] = type;
    ls->cls[k] = cls;
    ls->n_types++;
  }
  uint16_t phase_s = (uint16_t)(tod0_s % GS_APPL_HOUR_S);
  unsigned j = 0;
  while (j < ls->n_phases && ls->phase_s[j] != phase_s)
    j++;
  if (j < ls->n_phases) return true;
  if (j == GS_LEVEL_SWEEP_PHASES) return false;
  ls->phase_s[ls->n_phases++] = phase_s;
  /* The first boundary after now, as the load's own first event. */
  gs_time_us_t now_us = gs_engine_now(eng);
  gs_time_us_t local_us = now_us + (gs_time_us_t)tod0_s * GS_US_PER_S;
  gs_engine_schedule(eng, host, now_us + GS_US_PER_H - local_us % GS_US_PER_H,
                     GS_PHASE_MODEL, GS_EV_LEVEL_SWEEP, phase_s, 0);
  return true;
}

void gs_level_sweep_run(gs_engine_t *eng, gs_entity_id_t host,
                        const gs_level_sweep_t *ls, int64_t phase_s) {
  for (unsigned k = 0; k < ls->n_types; k++) {
    size_t n;
    void *states = gs_engine_type_states(eng, ls->type[k], &n);
    gs_appl_level_step(eng, states, n, ls->type[k]->state_size, ls->cls[k],
                       (uint32_t)phase_s);
  }
  gs_engine_schedule(eng, host, gs_engine_now(eng) + GS_US_PER_H,
                     GS_PHASE_MODEL, GS_EV_LEVEL_SWEEP, phase_s, 0);
}
