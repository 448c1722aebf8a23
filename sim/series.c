/* SPDX-License-Identifier: MIT */
/* Samples one meter's power at a fixed interval into a growing array. */
#include <stdlib.h>

#include "series.h"

static void sample(void *ud, gs_engine_t *eng, gs_time_us_t t) {
  gs_series_t *s = ud;
  (void)t;
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 512;
    int64_t *grown = realloc(s->power_mw, cap * sizeof *grown);
    if (grown == NULL) {
      s->err = GS_ENOMEM;
      return;
    }
    s->power_mw = grown;
    s->cap = cap;
  }
  s->power_mw[s->n++] = gs_meters_power_mw(gs_engine_meters(eng), s->meter);
}

gs_err_t gs_series_attach(gs_series_t *s, gs_engine_t *eng, uint32_t meter,
                          gs_time_us_t interval_us) {
  *s = (gs_series_t){.meter = meter, .interval_us = interval_us};
  gs_observer_t o = {.name = "series", .interval_us = interval_us,
                     .sample = sample, .ud = s};
  return gs_engine_add_observer(eng, &o);
}

void gs_series_free(gs_series_t *s) {
  free(s->power_mw);
  *s = (gs_series_t){0};
}
