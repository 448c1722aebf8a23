/* SPDX-License-Identifier: MIT */
/* Internals shared by the synthetic and CSV weather sources. */
#ifndef GRIDSIM_MODELS_WEATHER_PRIV_H
#define GRIDSIM_MODELS_WEATHER_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "weather.h"

/* Most steps a run may hold: 4 Mi steps of 24 bytes is 96 MiB, a year at
 * an 8 s step. Finer data for longer runs is refused, not truncated. */
#define GS__WEATHER_MAX_STEPS ((size_t)1 << 22)

/* Every step of the run, computed once at parse time so queries are O(1)
 * and the object is read-only (safe to share between threads). float is
 * ample: weather inputs are known to 0.1 degC and a few W/m². */
struct gs_weather {
  gs_time_us_t step_us;   /* > 0 */
  gs_time_us_t origin_us; /* start of step 0, µs from the run's start */
  size_t n;               /* steps held: [origin, origin + n * step) */
  float *temp_c;          /* outdoor dry-bulb */
  float *ghi_w_m2;        /* with clouds */
  float *clear_w_m2;      /* Haurwitz clear sky */
  float *cos_zenith;      /* at the step's midpoint, clamped at 0 */
  float *glazing_w_m2;    /* mean on vertical glazing (weather_solar.c) */
  float *cover;           /* cloud cover; NULL for CSV weather */
};

/* Allocates a weather of `n` steps (arrays uninitialised). NULL if out of
 * memory. The caller owns it (gs_weather_free). */
gs_weather_t *gs__weather_alloc(size_t n, bool with_cover);

/* Fills cos_zenith and clear_w_m2 of every step from the sun at the step's
 * midpoint, for a run starting at `start_unix_s`. */
void gs__weather_fill_sun(gs_weather_t *w, int64_t start_unix_s, double lat_deg,
                          double lon_deg);

/* Fills glazing_w_m2 of every step from its GHI and the sun at the step's
 * midpoint (weather_solar.c); called once GHI is known. */
void gs__weather_fill_glazing(gs_weather_t *w, int64_t start_unix_s,
                              double lat_deg, double lon_deg);

/* Reads the CSV file `csv_path` (named so in messages) into `*out` for the
 * run [start, start + duration]. Errors: GS_EIO (unreadable), GS_ESCENARIO
 * ("file:line: expected .., found .."), GS_ENOMEM. */
gs_err_t gs__weather_read_csv(const char *csv_path, int64_t start_unix_s,
                              gs_time_us_t duration_us, double lat_deg,
                              double lon_deg, gs_weather_t **out,
                              gs_errbuf_t *eb);

#endif /* GRIDSIM_MODELS_WEATHER_PRIV_H */
