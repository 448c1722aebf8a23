/* SPDX-License-Identifier: MIT */
/* An in-memory fleet power series, sampled by an observer. */
#ifndef GRIDSIM_SERIES_H
#define GRIDSIM_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "gridsim/engine.h"

/* Fleet power at every k * interval_us (k >= 0): a day at 5 minutes is
 * 289 samples, so keeping a whole run in memory is cheap. */
typedef struct gs_series {
  uint32_t meter;
  gs_time_us_t interval_us;
  int64_t *power_mw;
  size_t n, cap;
  gs_err_t err; /* GS_ENOMEM if a sample could not be stored */
} gs_series_t;

/* Starts sampling `meter` of `eng` every `interval_us`; `s` must outlive
 * the run. Free with gs_series_free. */
gs_err_t gs_series_attach(gs_series_t *s, gs_engine_t *eng, uint32_t meter,
                          gs_time_us_t interval_us);
void gs_series_free(gs_series_t *s);

#endif /* GRIDSIM_SERIES_H */
