/* SPDX-License-Identifier: MIT */
/* Outdoor conditions for every model: temperature and solar irradiance. */
#ifndef GRIDSIM_MODELS_WEATHER_H
#define GRIDSIM_MODELS_WEATHER_H

#include <stdint.h>

#include "gridsim/error.h"
#include "gridsim/time.h"

typedef struct cJSON cJSON;

/* One weather source per run, shared read-only by all models. Values are
 * piecewise constant over steps of gs_weather_step_us(), so models with
 * closed-form dynamics (house, tank) stay exact within a step and need an
 * event only at step boundaries where they depend on the weather. */
typedef struct gs_weather gs_weather_t;

/* Parses the scenario's "weather" object (`json` may be NULL: the
 * synthetic default) found at JSON path `path` of file `file`; a CSV file
 * named in it is resolved against `base_dir` (the scenario's directory)
 * and read now, so every error surfaces before the run. The weather covers
 * [0, duration_us] from the scenario's start instant. The caller owns
 * `*out` (gs_weather_free). Errors: GS_ESCENARIO / GS_EIO with "file:
 * path: expected .., found .." in `eb`. */
gs_err_t gs_weather_parse(const cJSON *json, const char *file,
                          const char *path, const char *base_dir,
                          int64_t start_unix_s, gs_time_us_t duration_us,
                          uint64_t seed, gs_weather_t **out, gs_errbuf_t *eb);
void gs_weather_free(gs_weather_t *w);

/* Length of a step: values are constant on [k*step, (k+1)*step). */
gs_time_us_t gs_weather_step_us(const gs_weather_t *w);

/* Start of the step after the one holding `t_us` (the next instant a
 * weather value may change). */
gs_time_us_t gs_weather_next_change_us(const gs_weather_t *w,
                                       gs_time_us_t t_us);

/* Outdoor dry-bulb temperature, degC, at `t_us` (µs since start). */
double gs_weather_temp_c(const gs_weather_t *w, gs_time_us_t t_us);

/* Global horizontal irradiance with clouds, W/m², at `t_us`. */
double gs_weather_ghi_w_m2(const gs_weather_t *w, gs_time_us_t t_us);

/* Clear-sky global horizontal irradiance, W/m², at `t_us`. */
double gs_weather_clear_ghi_w_m2(const gs_weather_t *w, gs_time_us_t t_us);

/* Cosine of the solar zenith angle at `t_us` (0 when the sun is down). */
double gs_weather_cos_zenith(const gs_weather_t *w, gs_time_us_t t_us);

#endif /* GRIDSIM_MODELS_WEATHER_H */
