/* SPDX-License-Identifier: MIT */
/* Degree-hours past the occupants' setpoints during and after DR events. */
#include "comfort.h"

#include "hvac.h"
#include "models.h"
#include "scenario_priv.h"

static void sample(void *ud, gs_engine_t *eng, gs_time_us_t t) {
  gs_world_t *w = ud;
  double hours = (double)w->scenario->output_interval_us / 3.6e9;
  for (size_t k = 0; k < gs_world_event_count(w); k++) {
    const gs_dr_event_cfg_t *ev = gs_world_event(w, k);
    gs_time_us_t end = gs_dr_event_end_us(ev);
    if (t < ev->start_us || t >= end + (end - ev->start_us)) continue;
    /* The HVAC states in one contiguous pass (in entity order, as the
     * sum always was), not a type look-up of every entity of the fleet. */
    double sum_c = 0;
    size_t n;
    const unsigned char *st = gs_engine_type_states(eng, &gs_model_hvac, &n);
    for (size_t i = 0; i < n; i++)
      sum_c += gs_hvac_discomfort_c(st + i * gs_model_hvac.state_size, t);
    w->dr[k].comfort_deg_h += sum_c * hours;
  }
}

gs_err_t gs_comfort_observe(gs_world_t *w) {
  if (gs_world_event_count(w) == 0) return GS_OK;
  gs_observer_t o = {.name = "comfort",
                     .interval_us = w->scenario->output_interval_us,
                     .sample = sample,
                     .ud = w};
  return gs_engine_add_observer(w->engine, &o);
}
