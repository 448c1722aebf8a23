/* SPDX-License-Identifier: MIT */
/* A constant test load for the suites that need other power on a home's
 * meter (battery, PV): power_w at start, changed by events of kind
 * GS_EV_MODEL with arg = the new power in mW (negative: a generator). */
#ifndef GRIDSIM_TEST_TLOAD_H
#define GRIDSIM_TEST_TLOAD_H

#include <math.h>
#include <string.h>

#include "gridsim/engine.h"
#include "gridsim/model.h"

typedef struct {
  int64_t power_mw;
  uint32_t meter;
} tload_t;

static const gs_param_spec_t tload_params[] = {
    {.name = "power_w",
     .unit = "W",
     .def = 0,
     .min = -1e6,
     .max = 1e6,
     .doc = "constant power"},
};

static void tload_set(gs_engine_t *eng, tload_t *s, int64_t p_mw) {
  if (s->meter != GS_METER_NONE)
    gs_engine_add_power(eng, s->meter, p_mw - s->power_mw);
  s->power_mw = p_mw;
}

static gs_err_t tload_init(gs_engine_t *eng, gs_entity_id_t self, void *state,
                           const gs_model_init_t *init, gs_errbuf_t *eb) {
  (void)self;
  (void)eb;
  tload_t *s = state;
  s->meter = init->meter;
  tload_set(eng, s, llround(init->params[0] * 1000.0));
  return GS_OK;
}

static void tload_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                         const gs_event_t *ev) {
  (void)self;
  if (ev->kind == GS_EV_MODEL) tload_set(eng, state, ev->arg);
}

static void tload_status(const void *state, gs_time_us_t now_us,
                         gs_load_status_t *out) {
  (void)now_us;
  memset(out, 0, sizeof *out);
  out->power_mw = ((const tload_t *)state)->power_mw;
  out->soc_pct = -1;
  out->enabled = true;
}

static const gs_model_type_t tload_type = {
    .name = "test_const",
    .doc = "constant test load",
    .role = GS_ROLE_LOAD,
    .state_size = sizeof(tload_t),
    .params = tload_params,
    .n_params = 1,
    .init = tload_init,
    .handle = tload_handle,
    .status = tload_status,
};

#endif /* GRIDSIM_TEST_TLOAD_H */
