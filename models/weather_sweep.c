/* SPDX-License-Identifier: MIT */
/* The weather sweep: one event per weather step books the new power of
 * every running HVAC and every PV array, instead of one event for each;
 * its entity also hosts the level sweep of lighting and outlets. */
#include "gridsim/engine.h"
#include "hvac.h"
#include "level_sweep.h"
#include "models.h"
#include "pv.h"
#include "weather.h"
#include "world.h"

/* At a weather step a running house's electric power follows the outdoor
 * temperature (the equipment curves); nothing else of it changes there
 * unless its walk found so (an HVAC TIMER, hvac.c). Booking that power in
 * one pass over the contiguous HVAC states, in state order, costs a read
 * of each house's first cache line; as events it cost a fifth of all the
 * events of a summer fleet, each with its queue push and pop and its
 * dispatch. sim/world.c adds this entity before the homes, so at a step
 * it runs before every home's events of that instant, as the houses'
 * own step events did before any other event they had there (PHASE_MODEL,
 * scheduled earlier). A PV array's output follows the GHI and the
 * temperature at every step of daylight: the same pass over the PV states
 * replaces its step events (an array with an export limit keeps them: its
 * output depends on the rest of its home at its own place in the order).
 * Power totals are exact integer sums: the order within a pass changes
 * nothing. The level loads' hour boundaries are passes of this entity
 * too (models/level_sweep.c): one entity before the homes for both, as
 * a run always has weather. */

typedef struct gs__sweep {
  const gs_weather_t *wx;
  const gs_hvac_running_t *hvac_running; /* the world's */
  gs_level_sweep_t level; /* filled by the level loads' inits */
} gs__sweep_t;

gs_level_sweep_t *gs_weather_sweep_levels(gs_engine_t *eng,
                                          gs_entity_id_t host) {
  GS_ASSERT(gs_engine_type(eng, host) == &gs_model_weather_sweep);
  return &((gs__sweep_t *)gs_engine_state(eng, host))->level;
}

static void gs__sweep_next(gs_engine_t *eng, gs_entity_id_t self,
                           const gs__sweep_t *s) {
  gs_time_us_t at_us = gs_weather_next_change_us(s->wx, gs_engine_now(eng));
  if (at_us != GS_TIME_NEVER)
    gs_engine_schedule(eng, self, at_us, GS_PHASE_MODEL, GS_EV_MODEL, 0, 0);
}

static gs_err_t gs__sweep_init(gs_engine_t *eng, gs_entity_id_t self,
                               void *state, const gs_model_init_t *init,
                               gs_errbuf_t *eb) {
  gs__sweep_t *s = state;
  const gs_world_t *world = init->world;
  if (world == NULL || world->weather == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "weather_sweep: needs the weather");
  s->wx = world->weather;
  s->hvac_running = world->hvac_running;
  gs__sweep_next(eng, self, s);
  return GS_OK;
}

static void gs__sweep_handle(gs_engine_t *eng, gs_entity_id_t self,
                             void *state, const gs_event_t *ev) {
  const gs__sweep_t *s = state;
  if (ev->kind == GS_EV_LEVEL_SWEEP) {
    gs_level_sweep_run(eng, self, &s->level, ev->arg);
    return;
  }
  if (ev->kind != GS_EV_MODEL) return;
  size_t n;
  gs_time_us_t now_us = gs_engine_now(eng);
  double temp_c = gs_weather_temp_c(s->wx, now_us);
  void *states = gs_engine_type_states(eng, &gs_model_hvac, &n);
  gs_hvac_weather_step(eng, states, n, s->hvac_running, temp_c);
  states = gs_engine_type_states(eng, &gs_model_pv, &n);
  gs_pv_weather_step(eng, states, n, gs_weather_ghi_w_m2(s->wx, now_us),
                     temp_c);
  gs__sweep_next(eng, self, s);
}

const gs_model_type_t gs_model_weather_sweep = {
    .name = "weather_sweep",
    .doc = "books every running HVAC's and PV array's power at each "
           "weather step, and every level load's at its hour boundaries",
    .role = GS_ROLE_SYSTEM,
    .state_size = sizeof(gs__sweep_t),
    .params = NULL,
    .n_params = 0,
    .init = gs__sweep_init,
    .handle = gs__sweep_handle,
    .finish = NULL,
    .status = NULL,
};
