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

/* Length of a step: values are constant on [o + k*step, o + (k+1)*step),
 * where the grid's origin o is the run's start (synthetic weather) or the
 * CSV row at or before it (then -step < o <= 0). */
gs_time_us_t gs_weather_step_us(const gs_weather_t *w);

/* Start of the step after the one holding `t_us` (the next instant a
 * weather value may change); GS_TIME_NEVER from the run's last step on,
 * whose values hold through the end. */
gs_time_us_t gs_weather_next_change_us(const gs_weather_t *w,
                                       gs_time_us_t t_us);

/* Outdoor dry-bulb temperature, degC, at `t_us` (µs since start). */
double gs_weather_temp_c(const gs_weather_t *w, gs_time_us_t t_us);
/* Temperature, irradiance on glazing and the next change after `t_us`
 * with one look-up: the values of gs_weather_temp_c, _glazing_w_m2 and
 * _next_change_us. */
void gs_weather_sample(const gs_weather_t *w, gs_time_us_t t_us,
                       double *temp_c, double *glazing_w_m2,
                       gs_time_us_t *next_us);

/* Mean irradiance on vertical surfaces over the eight compass
 * orientations (beam, sky and ground-reflected), W/m2, at `t_us`: what
 * GridLAB-D's house multiplies its glazing's solar heat-gain factor by
 * (weather_solar.c). */
double gs_weather_glazing_w_m2(const gs_weather_t *w, gs_time_us_t t_us);

/* Global horizontal irradiance with clouds, W/m², at `t_us`. */
double gs_weather_ghi_w_m2(const gs_weather_t *w, gs_time_us_t t_us);

/* Clear-sky global horizontal irradiance, W/m², at `t_us`. */
double gs_weather_clear_ghi_w_m2(const gs_weather_t *w, gs_time_us_t t_us);

/* Cosine of the solar zenith angle at `t_us` (0 when the sun is down). */
double gs_weather_cos_zenith(const gs_weather_t *w, gs_time_us_t t_us);

/* Start of the step grid, µs from the run's start (<= 0). */
gs_time_us_t gs_weather_origin_us(const gs_weather_t *w);

/* Mean cloud cover (0..1) of the step holding `t_us`; -1 when unknown
 * (weather read from a CSV file, which gives GHI directly). */
double gs_weather_cloud_cover(const gs_weather_t *w, gs_time_us_t t_us);

/* The sun seen from (lat_deg, lon_deg; east positive) at `unix_s` (UTC,
 * fractional seconds allowed): Spencer (1971) declination and equation of
 * time, the hour angle from apparent solar time. */
typedef struct gs_sun {
  double decl_rad;   /* solar declination                              */
  double eot_min;    /* equation of time: apparent - mean solar, min    */
  double solar_hour; /* local apparent solar time, in [0, 24)           */
  double cos_zenith; /* negative while the sun is below the horizon     */
} gs_sun_t;
void gs_weather_sun(double lat_deg, double lon_deg, double unix_s,
                    gs_sun_t *out);

/* Haurwitz (1945) clear-sky GHI, W/m², for a cosine of zenith (0 if <= 0). */
double gs_weather_haurwitz_w_m2(double cos_zenith);

/* Kasten & Czeplak (1980) cloud factor GHI / clear-sky GHI for a cloud
 * cover fraction in [0, 1]: 1 - 0.75 cover^3.4. */
double gs_weather_cloud_factor(double cover);

/* ASHRAE fraction of the daily temperature range below the maximum at a
 * solar hour in [0, 24): 1 at 05:00 (the minimum), 0 from 14:00 to 15:00. */
double gs_weather_temp_fraction(double solar_hour);

/* Erbs et al. (1982) hourly diffuse fraction DHI / GHI at clearness
 * index `kt` (Duffie & Beckman eq. 2.10.1). */
double gs_weather_erbs_fraction(double kt);

/* Extraterrestrial irradiance on a plane normal to the sun, W/m2, at
 * `unix_s` (Duffie & Beckman eq. 1.4.1a). */
double gs_weather_extra_normal_w_m2(double unix_s);

/* Cosine of the beam's angle of incidence on a vertical surface facing
 * `azimuth_deg` (0 south, 90 west, -90 or 270 east) at latitude `lat_deg`
 * for the sun `sun` (Duffie & Beckman eq. 1.6.2, slope 90 degrees);
 * negative when the sun is behind the surface. */
double gs_weather_cos_incidence_vertical(const gs_sun_t *sun, double lat_deg,
                                         double azimuth_deg);

/* Total irradiance on that vertical surface, W/m2, from GHI: Erbs diffuse
 * split with clearness index GHI / (`gon_w_m2` cos zenith), beam on the
 * surface, isotropic sky diffuse and ground reflection of albedo 0.2
 * (Duffie & Beckman eq. 2.15.1). 0 while the sun is down. */
double gs_weather_vertical_w_m2(const gs_sun_t *sun, double lat_deg,
                                double azimuth_deg, double ghi_w_m2,
                                double gon_w_m2);

/* gs_weather_vertical_w_m2 averaged over the eight compass orientations
 * S, SW, W, NW, N, NE, E, SE. */
double gs_weather_vertical_mean_w_m2(const gs_sun_t *sun, double lat_deg,
                                     double ghi_w_m2, double gon_w_m2);

#endif /* GRIDSIM_MODELS_WEATHER_H */
