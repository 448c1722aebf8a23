/* SPDX-License-Identifier: MIT */
/* Run weather: the synthetic design day (ASHRAE profile, Haurwitz sky,
 * stochastic clouds), the scenario's "weather" object and O(1) queries. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "gridsim/rng.h"
#include "scenario_util.h"
#include "weather_priv.h"

/* ---- Solar geometry ---------------------------------------------------
 * Spencer, J. W. (1971), "Fourier series representation of the position
 * of the sun", Search 2(5), 172: declination and equation of time as
 * Fourier series of the day angle G = 2 pi (day - 1) / 365. Declination
 * within 0.035 deg of the ephemeris (Spencer's own figure). We use the
 * fractional day angle of NOAA's "General Solar Position Calculations"
 * (G = 2 pi / len * (doy - 1 + (hour - 12) / 24)), which is Spencer's
 * series evaluated at the hour rather than at the day. */

#define GS__PI  3.14159265358979323846
#define GS__DEG (GS__PI / 180.0)

/* Year of a day count since 1970-01-01 (Hinnant's civil_from_days, the
 * inverse of sim/time.c's days_from_civil, kept to the year). */
static int64_t year_of_days(int64_t days, int64_t *jan1_days) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy_mar = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy_mar + 2) / 153;
  int64_t y = yoe + era * 400 + (mp >= 10); /* Jan, Feb: next year */
  /* Days of 1 January of y: count back the days since 1 March of y-1. */
  int64_t ym = y - 1;
  int64_t era1 = (ym >= 0 ? ym : ym - 399) / 400;
  int64_t yoe1 = ym - era1 * 400;
  int64_t doe1 = yoe1 * 365 + yoe1 / 4 - yoe1 / 100 + 306; /* 1 Jan */
  *jan1_days = era1 * 146097 + doe1 - 719468;
  return y;
}

static bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

void gs_weather_sun(double lat_deg, double lon_deg, double unix_s,
                    gs_sun_t *out) {
  double days_f = floor(unix_s / 86400.0);
  double hour_utc = (unix_s - days_f * 86400.0) / 3600.0;
  int64_t jan1;
  int64_t y = year_of_days((int64_t)days_f, &jan1);
  double doy0 = (double)((int64_t)days_f - jan1); /* 0 on 1 January */
  double g = 2.0 * GS__PI / (is_leap(y) ? 366.0 : 365.0) *
             (doy0 + (hour_utc - 12.0) / 24.0);
  double c1 = cos(g), s1 = sin(g), c2 = cos(2 * g), s2 = sin(2 * g);
  out->decl_rad = 0.006918 - 0.399912 * c1 + 0.070257 * s1 - 0.006758 * c2 +
                  0.000907 * s2 - 0.002697 * cos(3 * g) + 0.00148 * sin(3 * g);
  /* 229.18 = 1440 / (2 pi): radians of the series to minutes. */
  out->eot_min = 229.18 * (0.000075 + 0.001868 * c1 - 0.032077 * s1 -
                           0.014615 * c2 - 0.040849 * s2);
  double h = fmod(hour_utc + lon_deg / 15.0 + out->eot_min / 60.0, 24.0);
  out->solar_hour = h < 0 ? h + 24.0 : h;
  double omega = (out->solar_hour - 12.0) * 15.0 * GS__DEG;
  double phi = lat_deg * GS__DEG;
  out->cos_zenith = sin(phi) * sin(out->decl_rad) +
                    cos(phi) * cos(out->decl_rad) * cos(omega);
}

/* Haurwitz, B. (1945), "Insolation in relation to cloudiness and cloud
 * density", J. Meteorology 2, 154-166, in the form and coefficients of
 * Reno, Hansen & Stein (2012), "Global horizontal irradiance clear sky
 * models: implementation and analysis", SAND2012-2389, eq. 4. Among the
 * simple models there it ranked with the best (RMSE ~ 5-8 %) and needs no
 * atmospheric inputs. */
double gs_weather_haurwitz_w_m2(double cos_zenith) {
  if (!(cos_zenith > 0)) return 0.0;
  return 1098.0 * cos_zenith * exp(-0.059 / cos_zenith);
}

/* Kasten, F. & Czeplak, G. (1980), "Solar and atmospheric radiation for
 * different cloud types", Solar Energy 24(2), 177-189: G / G_clear =
 * 1 - 0.75 (N/8)^3.4 with N the cloud cover in oktas. */
double gs_weather_cloud_factor(double cover) {
  if (!(cover > 0)) return 1.0;
  return 1.0 - 0.75 * pow(cover > 1 ? 1.0 : cover, 3.4);
}

/* ASHRAE Handbook—Fundamentals (2017 and 2021), ch. 14 "Climatic Design
 * Information", Table 6 "Fraction of Daily Temperature Range": the design
 * day's dry-bulb is T = T_max - f * (T_max - T_min) with f by hour 1..24.
 * Entry [h] is the fraction at h:00; [0] = [24] closes the day. */
static const double ashrae_frac[25] = {0.82, 0.88, 0.92, 0.95, 0.98, 1.00, 0.98,
                                       0.91, 0.74, 0.55, 0.38, 0.23, 0.13, 0.05,
                                       0.00, 0.00, 0.06, 0.14, 0.24, 0.39, 0.50,
                                       0.59, 0.68, 0.75, 0.82};

double gs_weather_temp_fraction(double solar_hour) {
  double h = fmod(solar_hour, 24.0);
  if (h < 0) h += 24.0;
  int i = (int)h;
  if (i > 23) i = 23; /* h just below 24 rounding up */
  return ashrae_frac[i] + (h - i) * (ashrae_frac[i + 1] - ashrae_frac[i]);
}

/* ---- Queries ---------------------------------------------------------- */

gs_weather_t *gs__weather_alloc(size_t n, bool with_cover) {
  GS_ASSERT(n >= 1 && n <= GS__WEATHER_MAX_STEPS);
  gs_weather_t *w = calloc(1, sizeof *w);
  size_t per = with_cover ? 6 : 5;
  float *a = w != NULL ? malloc(n * per * sizeof *a) : NULL;
  if (a == NULL) {
    free(w);
    return NULL;
  }
  /* One block; temp_c is its start, which gs_weather_free releases. */
  w->n = n;
  w->temp_c = a;
  w->ghi_w_m2 = a + n;
  w->clear_w_m2 = a + 2 * n;
  w->cos_zenith = a + 3 * n;
  w->glazing_w_m2 = a + 4 * n;
  w->cover = with_cover ? a + 5 * n : NULL;
  return w;
}

void gs_weather_free(gs_weather_t *w) {
  if (w == NULL) return;
  free(w->temp_c);
  free(w);
}

/* Midpoint of step k in Unix seconds: the instant its values stand for. */
static double step_mid_unix(const gs_weather_t *w, int64_t start_unix_s,
                            size_t k) {
  double mid_us = (double)w->origin_us + ((double)k + 0.5) * (double)w->step_us;
  return (double)start_unix_s + mid_us / 1e6;
}

void gs__weather_fill_sun(gs_weather_t *w, int64_t start_unix_s, double lat_deg,
                          double lon_deg) {
  for (size_t k = 0; k < w->n; k++) {
    gs_sun_t sun;
    gs_weather_sun(lat_deg, lon_deg, step_mid_unix(w, start_unix_s, k), &sun);
    double cz = sun.cos_zenith > 0 ? sun.cos_zenith : 0.0;
    w->cos_zenith[k] = (float)cz;
    w->clear_w_m2[k] = (float)gs_weather_haurwitz_w_m2(cz);
  }
}

/* Step k of `t_us`, clamped to the steps held. Floor division, so that
 * instants before the origin fall before step 0 rather than being rounded
 * into it by C's truncation; the bounds are tested first so that extreme
 * instants (GS_TIME_NEVER) cannot overflow the subtraction. */
static size_t index_of(const gs_weather_t *w, gs_time_us_t t_us) {
  GS_ASSERT(w != NULL);
  if (t_us < w->origin_us) return 0;
  gs_time_us_t last_us = w->origin_us + (int64_t)(w->n - 1) * w->step_us;
  if (t_us >= last_us) return w->n - 1;
  return (size_t)((t_us - w->origin_us) / w->step_us);
}

gs_time_us_t gs_weather_step_us(const gs_weather_t *w) {
  GS_ASSERT(w != NULL);
  return w->step_us;
}

gs_time_us_t gs_weather_origin_us(const gs_weather_t *w) {
  GS_ASSERT(w != NULL);
  return w->origin_us;
}

gs_time_us_t gs_weather_next_change_us(const gs_weather_t *w,
                                       gs_time_us_t t_us) {
  GS_ASSERT(w != NULL);
  if (t_us < w->origin_us) return w->origin_us;
  size_t k = index_of(w, t_us);
  /* The last step holds through the run's end and after: nothing changes
   * again, and a model need not wake up for it. */
  if (k == w->n - 1) return GS_TIME_NEVER;
  return w->origin_us + (int64_t)(k + 1) * w->step_us;
}

void gs_weather_sample(const gs_weather_t *w, gs_time_us_t t_us,
                       double *temp_c, double *glazing_w_m2,
                       gs_time_us_t *next_us) {
  size_t k = index_of(w, t_us);
  *temp_c = w->temp_c[k];
  *glazing_w_m2 = w->glazing_w_m2[k];
  if (t_us < w->origin_us)
    *next_us = w->origin_us;
  else if (k == w->n - 1)
    *next_us = GS_TIME_NEVER;
  else
    *next_us = w->origin_us + (int64_t)(k + 1) * w->step_us;
}

double gs_weather_temp_c(const gs_weather_t *w, gs_time_us_t t_us) {
  return w->temp_c[index_of(w, t_us)];
}

double gs_weather_ghi_w_m2(const gs_weather_t *w, gs_time_us_t t_us) {
  return w->ghi_w_m2[index_of(w, t_us)];
}

double gs_weather_clear_ghi_w_m2(const gs_weather_t *w, gs_time_us_t t_us) {
  return w->clear_w_m2[index_of(w, t_us)];
}

double gs_weather_cos_zenith(const gs_weather_t *w, gs_time_us_t t_us) {
  return w->cos_zenith[index_of(w, t_us)];
}

double gs_weather_cloud_cover(const gs_weather_t *w, gs_time_us_t t_us) {
  size_t k = index_of(w, t_us);
  return w->cover != NULL ? w->cover[k] : -1.0;
}

/* ---- Clouds -----------------------------------------------------------
 * Cloud cover is a Gaussian-copula AR(1) process: a latent x_k with
 *   x_k = rho x_{k-1} + sqrt(1 - rho^2) e_k,  e_k ~ N(0, 1) i.i.d.,
 *   rho = exp(-step / cloud_time),
 * is stationary N(0, 1), and cover_k = F^-1(Phi(x_k)) with F the Beta
 * distribution of mean m = cloud_cover and variance v^2 m (1 - m), v =
 * cloud_variability (so a + b = 1 / v^2 - 1). Every cover_k is then
 * exactly Beta(a, b): the mean is the configured cloud_cover whatever the
 * variability, which a clamped Gaussian would not give. The limits are
 * handled apart: v = 0 (constant m), v = 1 (Beta -> Bernoulli(m): clear or
 * overcast), v < 0.01 (a + b > 10^4: F^-1 by its normal approximation). */

#define GS__CLOUD_X_MAX 7.0 /* latent range tabulated: P(|x| > 7) ~ 3e-12 */
#define GS__CLOUD_NTAB  1024

typedef enum { CLOUD_CONST, CLOUD_BERNOULLI, CLOUD_NORMAL, CLOUD_BETA } cmode_t;

typedef struct cloud_map {
  cmode_t mode;
  double m, sd, x_thr;
  double tab[GS__CLOUD_NTAB + 1]; /* cover at x = -X_MAX + i dx */
} cloud_map_t;

/* F^-1(Phi(x)) by bisection on gsl_cdf_beta_P, which (unlike
 * gsl_cdf_beta_Pinv) never calls GSL's aborting error handler for valid
 * a, b. The upper tail goes through Q for precision. */
static double beta_of_latent(double x, double a, double b) {
  bool upper = x > 0;
  double p = upper ? gsl_cdf_ugaussian_Q(x) : gsl_cdf_ugaussian_P(x);
  double lo = 0.0, hi = 1.0;
  for (int it = 0; it < 64; it++) {
    double mid = 0.5 * (lo + hi);
    bool below =
        upper ? gsl_cdf_beta_Q(mid, a, b) > p : gsl_cdf_beta_P(mid, a, b) < p;
    if (below)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

static void cloud_map_init(cloud_map_t *cm, double m, double v) {
  cm->m = m;
  if (m <= 0 || m >= 1 || v <= 0) {
    cm->mode = CLOUD_CONST;
  } else if (v >= 1) {
    cm->mode = CLOUD_BERNOULLI;
    cm->x_thr = gsl_cdf_ugaussian_Qinv(m); /* P(x > thr) = m */
  } else if (v < 0.01) {
    cm->mode = CLOUD_NORMAL;
    cm->sd = v * sqrt(m * (1 - m));
  } else {
    cm->mode = CLOUD_BETA;
    double ab = 1.0 / (v * v) - 1.0;
    double dx = 2.0 * GS__CLOUD_X_MAX / GS__CLOUD_NTAB;
    for (int i = 0; i <= GS__CLOUD_NTAB; i++)
      cm->tab[i] =
          beta_of_latent(-GS__CLOUD_X_MAX + i * dx, m * ab, (1 - m) * ab);
  }
}

static double cloud_cover_of(const cloud_map_t *cm, double x) {
  switch (cm->mode) {
    case CLOUD_CONST:
      return cm->m;
    case CLOUD_BERNOULLI:
      return x > cm->x_thr ? 1.0 : 0.0;
    case CLOUD_NORMAL:
      return fmin(1.0, fmax(0.0, cm->m + cm->sd * x));
    case CLOUD_BETA:
      break;
  }
  double u = (x + GS__CLOUD_X_MAX) / (2.0 * GS__CLOUD_X_MAX) * GS__CLOUD_NTAB;
  if (u <= 0) return cm->tab[0];
  if (u >= GS__CLOUD_NTAB) return cm->tab[GS__CLOUD_NTAB];
  int i = (int)u;
  return cm->tab[i] + (u - i) * (cm->tab[i + 1] - cm->tab[i]);
}

/* ---- Synthetic weather ------------------------------------------------ */

/* Per-day extremes (a heat wave building up) are lists; day i uses entry
 * i, the last entry holding for later days. */
#define GS__WEATHER_MAX_DAYS 3660
typedef struct synth_cfg {
  double lat_deg, lon_deg, t_min_c, t_max_c, step_s;
  double cloud_cover, cloud_var, cloud_time_s;
  double daily_min[GS__WEATHER_MAX_DAYS], daily_max[GS__WEATHER_MAX_DAYS];
  size_t n_daily_min, n_daily_max;
} synth_cfg_t;

/* The day's minimum and maximum (day 0: the run's first solar day). */
static double day_min(const synth_cfg_t *cfg, long d) {
  if (cfg->n_daily_min == 0) return cfg->t_min_c;
  size_t i = d < 0 ? 0 : (size_t)d;
  return cfg->daily_min[i < cfg->n_daily_min ? i : cfg->n_daily_min - 1];
}
static double day_max(const synth_cfg_t *cfg, long d) {
  if (cfg->n_daily_max == 0) return cfg->t_max_c;
  size_t i = d < 0 ? 0 : (size_t)d;
  return cfg->daily_max[i < cfg->n_daily_max ? i : cfg->n_daily_max - 1];
}

/* The apparent solar day holding `unix_s` at solar hour `h`: apparent
 * solar time is 24 d + h hours, within the equation of time (< 0.3 h) of
 * mean solar time, so rounding finds d without ambiguity. */
static long solar_day(double unix_s, double lon_deg, double h) {
  return lround(((unix_s + lon_deg * 240.0) / 3600.0 - h) / 24.0);
}

/* ASHRAE's profile between consecutive days' extremes: the fall after
 * the 15:00 maximum heads for the next morning's minimum, and the hours
 * before 05:00 come from yesterday's maximum, so the curve is continuous
 * when the extremes change from day to day (as the WAVE method of
 * interpolating daily extremes does). */
static double synth_temp_c(const synth_cfg_t *cfg, long d, double h) {
  double hi, lo;
  if (h < 5.0) {
    hi = day_max(cfg, d - 1);
    lo = day_min(cfg, d);
  } else if (h < 15.0) {
    hi = day_max(cfg, d);
    lo = day_min(cfg, d);
  } else {
    hi = day_max(cfg, d);
    lo = day_min(cfg, d + 1);
  }
  return hi - gs_weather_temp_fraction(h) * (hi - lo);
}

/* Defaults: a clear, hot Sacramento-area summer day. 17/36 degC is our
 * choice of a day a few degrees hotter than the normal July day there
 * (about 16/34 degC in NOAA's 1991-2020 climate normals) and a little below
 * the ASHRAE 0.4 % cooling design dry-bulb (about 38 degC). The cloud
 * defaults (10 % mean cover, variability 0.3, 1 h decorrelation) are our
 * assumptions for a Central Valley summer, which is mostly clear. */
static const synth_cfg_t synth_defaults = {.lat_deg = 38.6,
                                           .lon_deg = -121.5,
                                           .t_min_c = 17.0,
                                           .t_max_c = 36.0,
                                           .step_s = 300.0,
                                           .cloud_cover = 0.1,
                                           .cloud_var = 0.3,
                                           .cloud_time_s = 3600.0};

static gs_err_t build_synthetic(const synth_cfg_t *cfg, int64_t start_unix_s,
                                gs_time_us_t duration_us, uint64_t seed,
                                gs_weather_t **out) {
  gs_time_us_t step_us = (gs_time_us_t)cfg->step_s * GS_US_PER_S;
  size_t n = (size_t)((duration_us + step_us - 1) / step_us);
  gs_weather_t *w = gs__weather_alloc(n, true);
  cloud_map_t *cm = malloc(sizeof *cm);
  if (w == NULL || cm == NULL) {
    gs_weather_free(w);
    free(cm);
    return GS_ENOMEM;
  }
  w->step_us = step_us;
  w->origin_us = 0;
  cloud_map_init(cm, cfg->cloud_cover, cfg->cloud_var);
  /* One stream for the whole run, keyed by name only: every home sees the
   * same sky, and adding homes leaves the sky unchanged. */
  gs_rng_t r;
  gs_rng_init(&r, seed, gs_rng_key("weather", 0, 0), GS_RNG_BEHAVIOUR);
  gs_rng_lease_t l;
  gsl_rng *g = gs_rng_borrow(&l, &r);
  double rho = exp(-cfg->step_s / cfg->cloud_time_s);
  double innov = sqrt(1.0 - rho * rho);
  double x = gsl_ran_gaussian_ziggurat(g, 1.0); /* stationary start */
  long day0 = 0;
  for (size_t k = 0; k < n; k++) {
    if (k > 0) x = rho * x + innov * gsl_ran_gaussian_ziggurat(g, 1.0);
    gs_sun_t sun;
    gs_weather_sun(cfg->lat_deg, cfg->lon_deg,
                   step_mid_unix(w, start_unix_s, k), &sun);
    double cz = sun.cos_zenith > 0 ? sun.cos_zenith : 0.0;
    double clear = gs_weather_haurwitz_w_m2(cz);
    double cover = cloud_cover_of(cm, x);
    /* The profile runs on apparent solar time so that it follows the sun
     * at any longitude without a time-zone table (see README). */
    double mid = step_mid_unix(w, start_unix_s, k);
    long d = solar_day(mid, cfg->lon_deg, sun.solar_hour);
    if (k == 0) day0 = d;
    w->temp_c[k] = (float)synth_temp_c(cfg, d - day0, sun.solar_hour);
    w->cos_zenith[k] = (float)cz;
    w->clear_w_m2[k] = (float)clear;
    w->cover[k] = (float)cover;
    w->ghi_w_m2[k] = (float)(clear * gs_weather_cloud_factor(cover));
  }
  gs_rng_return(&l);
  free(cm);
  gs__weather_fill_glazing(w, start_unix_s, cfg->lat_deg, cfg->lon_deg);
  *out = w;
  return GS_OK;
}

/* ---- The scenario's "weather" object ---------------------------------- */

static const char *const synth_keys[] = {
    "type",   "latitude_deg", "longitude_deg",     "t_min_c",      "t_max_c",
    "step_s", "cloud_cover",  "cloud_variability", "cloud_time_s",
    "daily_t_min_c", "daily_t_max_c", NULL};

/* A list of per-day temperatures at key `key` (absent: n = 0). */
static gs_err_t parse_daily(gs__sctx_t *c, const cJSON *j, const char *key,
                            double *out, size_t *n) {
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, key);
  *n = 0;
  if (a == NULL) return GS_OK;
  size_t mark = gs__path_key(c, key);
  int len = cJSON_GetArraySize(a);
  if (!cJSON_IsArray(a) || len < 1 || len > GS__WEATHER_MAX_DAYS)
    return gs__fail(c, a, "an array of 1 to %d temperatures (degC), one "
                    "per day", GS__WEATHER_MAX_DAYS);
  const cJSON *v;
  cJSON_ArrayForEach(v, a) {
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= -70) ||
        !(v->valuedouble <= 60)) {
      gs__path_index(c, *n);
      return gs__fail(c, v, "a number in [-70, 60] (degC)");
    }
    out[(*n)++] = v->valuedouble;
  }
  gs__path_pop(c, mark);
  return GS_OK;
}
static const char *const csv_keys[] = {"type", "file", "latitude_deg",
                                       "longitude_deg", NULL};

static gs_err_t parse_site(gs__sctx_t *c, const cJSON *j, double *lat,
                           double *lon) {
  static const gs__num_rule_t rlat = {.lo = -90, .hi = 90, .unit = "deg"};
  static const gs__num_rule_t rlon = {.lo = -180, .hi = 180, .unit = "deg"};
  gs_err_t err = gs__get_num(c, j, "latitude_deg", &rlat, false,
                             synth_defaults.lat_deg, lat, NULL);
  if (err != GS_OK) return err;
  return gs__get_num(c, j, "longitude_deg", &rlon, false,
                     synth_defaults.lon_deg, lon, NULL);
}

static gs_err_t parse_synthetic(gs__sctx_t *c, const cJSON *j,
                                gs_time_us_t duration_us, synth_cfg_t *cfg) {
  *cfg = synth_defaults;
  if (j == NULL) return GS_OK;
  static const gs__num_rule_t rt = {.lo = -70, .hi = 60, .unit = "degC"};
  static const gs__num_rule_t rstep = {
      .lo = 1, .hi = 86400, .integer = true, .unit = "s"};
  static const gs__num_rule_t r01 = {.lo = 0, .hi = 1};
  static const gs__num_rule_t rtau = {
      .lo = 0, .lo_open = true, .hi = 30 * 86400.0, .unit = "s"};
  gs_err_t err;
  if ((err = gs__check_keys(c, j, synth_keys)) != GS_OK ||
      (err = parse_site(c, j, &cfg->lat_deg, &cfg->lon_deg)) != GS_OK ||
      (err = gs__get_num(c, j, "t_min_c", &rt, false, cfg->t_min_c,
                         &cfg->t_min_c, NULL)) != GS_OK)
    return err;
  if ((err = gs__get_num(c, j, "t_max_c", &rt, false, cfg->t_max_c,
                         &cfg->t_max_c, NULL)) != GS_OK)
    return err;
  /* A zero range (a constant temperature) is allowed; a negative one,
   * also through a default, is not. */
  if (cfg->t_max_c < cfg->t_min_c) {
    const cJSON *jt = cJSON_GetObjectItemCaseSensitive(j, "t_max_c");
    gs__path_key(c, "t_max_c");
    if (jt == NULL) {
      char found[48];
      snprintf(found, sizeof found, "the default %.15g", cfg->t_max_c);
      return gs__fail_text(c, found, "a number >= t_min_c (%.15g)",
                           cfg->t_min_c);
    }
    return gs__fail(c, jt, "a number >= t_min_c (%.15g)", cfg->t_min_c);
  }
  if ((err = parse_daily(c, j, "daily_t_min_c", cfg->daily_min,
                         &cfg->n_daily_min)) != GS_OK ||
      (err = parse_daily(c, j, "daily_t_max_c", cfg->daily_max,
                         &cfg->n_daily_max)) != GS_OK)
    return err;
  /* Each day's maximum must not fall below its minimum. */
  size_t days = cfg->n_daily_min > cfg->n_daily_max ? cfg->n_daily_min
                                                     : cfg->n_daily_max;
  for (size_t d = 0; d < days; d++)
    if (day_max(cfg, (long)d) < day_min(cfg, (long)d)) {
      const char *key = cfg->n_daily_max ? "daily_t_max_c" : "t_max_c";
      size_t mark = gs__path_key(c, key);
      const cJSON *jv = cJSON_GetObjectItemCaseSensitive(j, key);
      if (cfg->n_daily_max) {
        gs__path_index(c, d < cfg->n_daily_max ? d : cfg->n_daily_max - 1);
        jv = cJSON_GetArrayItem(jv, (int)(d < cfg->n_daily_max
                                               ? d : cfg->n_daily_max - 1));
      }
      gs_err_t e = gs__fail(c, jv, "a maximum >= day %zu's minimum (%.15g)",
                            d, day_min(cfg, (long)d));
      gs__path_pop(c, mark);
      return e;
    }
  if ((err = gs__get_num(c, j, "step_s", &rstep, false, cfg->step_s,
                         &cfg->step_s, NULL)) != GS_OK ||
      (err = gs__get_num(c, j, "cloud_cover", &r01, false, cfg->cloud_cover,
                         &cfg->cloud_cover, NULL)) != GS_OK ||
      (err = gs__get_num(c, j, "cloud_variability", &r01, false, cfg->cloud_var,
                         &cfg->cloud_var, NULL)) != GS_OK ||
      (err = gs__get_num(c, j, "cloud_time_s", &rtau, false, cfg->cloud_time_s,
                         &cfg->cloud_time_s, NULL)) != GS_OK)
    return err;
  double min_step_s =
      ceil((double)duration_us / 1e6 / (double)GS__WEATHER_MAX_STEPS);
  if (cfg->step_s < min_step_s) {
    size_t mark = gs__path_key(c, "step_s");
    err = gs__fail(c, cJSON_GetObjectItemCaseSensitive(j, "step_s"),
                   "at least %.0f s for this run (at most %zu steps)",
                   min_step_s, GS__WEATHER_MAX_STEPS);
    gs__path_pop(c, mark);
  }
  return err;
}

/* `file` joined to `base_dir` unless absolute; caller frees. */
static char *resolve(const char *base_dir, const char *file) {
  bool bare = file[0] == '/' || base_dir == NULL || base_dir[0] == '\0' ||
              strcmp(base_dir, ".") == 0;
  size_t nb = bare ? 0 : strlen(base_dir), nf = strlen(file);
  char *p = malloc(nb + nf + 2);
  if (p == NULL) return NULL;
  if (bare) {
    memcpy(p, file, nf + 1);
  } else {
    memcpy(p, base_dir, nb);
    size_t at = nb;
    if (base_dir[nb - 1] != '/') p[at++] = '/';
    memcpy(p + at, file, nf + 1);
  }
  return p;
}

static gs_err_t parse_csv(gs__sctx_t *c, const cJSON *j, const char *base_dir,
                          int64_t start_unix_s, gs_time_us_t duration_us,
                          gs_weather_t **out) {
  double lat, lon;
  const char *file;
  gs_err_t err;
  if ((err = gs__check_keys(c, j, csv_keys)) != GS_OK ||
      (err = gs__get_str(c, j, "file", true, false, &file)) != GS_OK ||
      (err = parse_site(c, j, &lat, &lon)) != GS_OK)
    return err;
  char *path = resolve(base_dir, file);
  if (path == NULL) return gs__nomem(c);
  err = gs__weather_read_csv(path, start_unix_s, duration_us, lat, lon, out,
                             c->eb);
  if (err == GS_EIO) {
    /* Name the scenario's key too: the CSV's own name may be relative to
     * a directory the user did not think of. */
    gs_errbuf_t inner = *c->eb;
    size_t mark = gs__path_key(c, "file");
    gs_errbuf_set(c->eb, GS_EIO,
                  "%s: %s: expected a readable CSV file, "
                  "found %s",
                  c->file, gs__path_str(c), inner.msg);
    gs__path_pop(c, mark);
  }
  free(path);
  return err;
}

gs_err_t gs_weather_parse(const cJSON *json, const char *file, const char *path,
                          const char *base_dir, int64_t start_unix_s,
                          gs_time_us_t duration_us, uint64_t seed,
                          gs_weather_t **out, gs_errbuf_t *eb) {
  if (out == NULL || duration_us < 1)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_weather_parse: bad arguments");
  *out = NULL;
  gs__sctx_t c;
  gs__sctx_init(&c, file, path, eb);
  if (json != NULL && !cJSON_IsObject(json))
    return gs__fail(&c, json,
                    "an object {\"type\": \"synthetic\" or \"csv\","
                    " ..}");
  const char *type = NULL;
  gs_err_t err;
  if (json != NULL &&
      (err = gs__get_str(&c, json, "type", false, false, &type)) != GS_OK)
    return err;
  if (type == NULL || strcmp(type, "synthetic") == 0) {
    synth_cfg_t *cfg = malloc(sizeof *cfg); /* ~60 KB: not on the stack */
    if (cfg == NULL) return gs__nomem(&c);
    if ((err = parse_synthetic(&c, json, duration_us, cfg)) == GS_OK &&
        build_synthetic(cfg, start_unix_s, duration_us, seed, out) != GS_OK)
      err = gs__nomem(&c);
    free(cfg);
    return err;
  }
  if (strcmp(type, "csv") == 0)
    return parse_csv(&c, json, base_dir, start_unix_s, duration_us, out);
  gs__path_key(&c, "type");
  return gs__fail(&c, cJSON_GetObjectItemCaseSensitive(json, "type"),
                  "\"synthetic\" or \"csv\"");
}
