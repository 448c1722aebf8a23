/* SPDX-License-Identifier: MIT */
/* Tests of the run weather: solar geometry, profiles, clouds and CSV input. */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_sf_gamma.h>

#include "weather.h"

#define DATA_DIR GS_SOURCE_DIR "/tests/data"
#define DAY_US   GS_US_PER_DAY
#define PI       3.14159265358979323846
#define DEG      (PI / 180.0)
/* 2026-07-15T00:00:00Z, the default scenario's start. */
#define JUL15 INT64_C(1784073600)
#define LAT   38.6
#define LON   (-121.5)

/* Parses the weather object `text` (NULL: the default) for a run of
 * `dur_us` from `start`; the test fails with the message if it does not. */
static gs_weather_t *weather(const char *text, int64_t start, int64_t dur_us,
                             uint64_t seed) {
  cJSON *j = text != NULL ? cJSON_Parse(text) : NULL;
  ck_assert_msg(text == NULL || j != NULL, "bad test JSON %s", text);
  gs_weather_t *w = NULL;
  gs_errbuf_t eb = {{0}};
  gs_err_t err = gs_weather_parse(j, "t.json", "weather", DATA_DIR, start,
                                  dur_us, seed, &w, &eb);
  cJSON_Delete(j);
  ck_assert_msg(err == GS_OK, "weather parse failed (%s): %s", gs_strerror(err),
                eb.msg);
  return w;
}

/* The error of a weather object that must not parse. */
static gs_err_t weather_err(const char *text, gs_errbuf_t *eb) {
  cJSON *j = cJSON_Parse(text);
  ck_assert_ptr_nonnull(j);
  gs_weather_t *w = (gs_weather_t *)&w; /* must come back NULL */
  gs_err_t err =
      gs_weather_parse(j, "t.json", "weather", "/", JUL15, DAY_US, 1, &w, eb);
  cJSON_Delete(j);
  ck_assert_ptr_null(w);
  return err;
}

static int64_t n_steps(const gs_weather_t *w, int64_t dur_us) {
  int64_t s = gs_weather_step_us(w);
  return (dur_us - gs_weather_origin_us(w) + s - 1) / s;
}

/* Midpoint of step k, µs from the start: the instant its values are for. */
static int64_t mid_us(const gs_weather_t *w, int64_t k) {
  return gs_weather_origin_us(w) + k * gs_weather_step_us(w) +
         gs_weather_step_us(w) / 2;
}

static gs_sun_t sun_at(int64_t start, int64_t t_us) {
  gs_sun_t s;
  gs_weather_sun(LAT, LON, (double)start + (double)t_us / 1e6, &s);
  return s;
}

/* ASHRAE Fundamentals ch. 14 Table 6: 1 at 05:00, 0 at 14:00 and 15:00,
 * straight lines between the hours, 0.82 at midnight. */
START_TEST(test_fraction_table) {
  ck_assert_double_eq_tol(gs_weather_temp_fraction(5.0), 1.0, 1e-12);
  ck_assert_double_eq_tol(gs_weather_temp_fraction(14.0), 0.0, 1e-12);
  ck_assert_double_eq_tol(gs_weather_temp_fraction(14.5), 0.0, 1e-12);
  ck_assert_double_eq_tol(gs_weather_temp_fraction(15.0), 0.0, 1e-12);
  ck_assert_double_eq_tol(gs_weather_temp_fraction(0.0), 0.82, 1e-12);
  ck_assert_double_eq_tol(gs_weather_temp_fraction(24.0), 0.82, 1e-12);
  ck_assert_double_eq_tol(gs_weather_temp_fraction(8.0), 0.74, 1e-12);
  ck_assert_double_eq_tol(gs_weather_temp_fraction(8.5), 0.645, 1e-12);
  ck_assert_double_eq_tol(gs_weather_temp_fraction(23.75), 0.8025, 1e-12);
  for (double h = 0; h < 24; h += 0.01) {
    ck_assert_double_ge(gs_weather_temp_fraction(h), 0.0);
    ck_assert_double_le(gs_weather_temp_fraction(h), 1.0);
  }
}
END_TEST

/* The default day: t_max = 36 on the 14-15 h plateau, t_min = 17 at 05:00
 * solar time (to within the half-step offset of the grid). */
START_TEST(test_profile_extremes) {
  gs_weather_t *w = weather(NULL, JUL15, DAY_US, 1);
  ck_assert_int_eq(gs_weather_step_us(w), 300 * GS_US_PER_S);
  ck_assert_int_eq(n_steps(w, DAY_US), 288);
  int64_t kmin = 0, kmax = 0;
  for (int64_t k = 0; k < 288; k++) {
    double t = gs_weather_temp_c(w, mid_us(w, k));
    if (t < gs_weather_temp_c(w, mid_us(w, kmin))) kmin = k;
    if (t > gs_weather_temp_c(w, mid_us(w, kmax))) kmax = k;
  }
  ck_assert_double_eq_tol(gs_weather_temp_c(w, mid_us(w, kmax)), 36.0, 1e-5);
  double hmax = sun_at(JUL15, mid_us(w, kmax)).solar_hour;
  ck_assert_double_ge(hmax, 14.0);
  ck_assert_double_le(hmax, 15.0);
  /* Near 05:00 the slope is at most 0.07 of the range per hour, so a
   * midpoint within 2.5 min of 05:00 is within 0.06 degC of t_min. */
  ck_assert_double_eq_tol(gs_weather_temp_c(w, mid_us(w, kmin)), 17.0, 0.06);
  ck_assert_double_eq_tol(sun_at(JUL15, mid_us(w, kmin)).solar_hour, 5.0,
                          2.5 / 60 + 1e-9);
  /* Every step is the profile at its midpoint's solar time. */
  for (int64_t k = 0; k < 288; k++) {
    double f = gs_weather_temp_fraction(sun_at(JUL15, mid_us(w, k)).solar_hour);
    ck_assert_double_eq_tol(gs_weather_temp_c(w, k * 300 * GS_US_PER_S),
                            36.0 - f * 19.0, 1e-5);
  }
  gs_weather_free(w);
}
END_TEST

START_TEST(test_piecewise_constant) {
  gs_weather_t *w =
      weather("{\"step_s\": 600, \"cloud_cover\": 0.5}", JUL15, DAY_US, 1);
  int64_t s = 600 * GS_US_PER_S;
  int changed = 0;
  for (int64_t k = 0; k < 144; k++) {
    int64_t a = k * s, b = (k + 1) * s - 1;
    ck_assert_double_eq(gs_weather_temp_c(w, a), gs_weather_temp_c(w, b));
    ck_assert_double_eq(gs_weather_ghi_w_m2(w, a), gs_weather_ghi_w_m2(w, b));
    ck_assert_double_eq(gs_weather_cos_zenith(w, a),
                        gs_weather_cos_zenith(w, a + s / 2));
    int64_t next = k < 143 ? (k + 1) * s : GS_TIME_NEVER;
    ck_assert_int_eq(gs_weather_next_change_us(w, a), next);
    ck_assert_int_eq(gs_weather_next_change_us(w, b), next);
    if (k < 143 && gs_weather_temp_c(w, b) != gs_weather_temp_c(w, b + 1))
      changed++;
  }
  ck_assert_int_ge(changed, 130); /* all but the 14-15 h plateau */
  /* Outside the run: the first and last steps hold. */
  ck_assert_double_eq(gs_weather_temp_c(w, -1), gs_weather_temp_c(w, 0));
  ck_assert_double_eq(gs_weather_temp_c(w, DAY_US),
                      gs_weather_temp_c(w, DAY_US - 1));
  ck_assert_int_eq(gs_weather_next_change_us(w, -1), 0);
  ck_assert_int_eq(gs_weather_next_change_us(w, DAY_US), GS_TIME_NEVER);
  ck_assert_double_eq(gs_weather_temp_c(w, GS_TIME_NEVER),
                      gs_weather_temp_c(w, DAY_US - 1));
  ck_assert_double_eq(gs_weather_temp_c(w, INT64_MIN), gs_weather_temp_c(w, 0));
  gs_weather_free(w);
}
END_TEST

/* Solstices of 2026 (USNO): 21 June 08:24 UTC, 21 December 20:50 UTC;
 * the obliquity is 23.436 deg, and Spencer's series is within 0.1 deg of
 * it there. Elsewhere the series, fitted to one year, drifts with the
 * leap-year cycle: against NOAA's Meeus-based equations we measured up to
 * 0.44 deg in 2026 (near the equinoxes, where the declination moves 0.4
 * deg a day) and 0.19 deg on 15 July 2026, 20:00 UTC (NOAA 21.42 deg). */
START_TEST(test_declination) {
  gs_sun_t s;
  gs_weather_sun(LAT, LON, 1782030240.0, &s); /* 2026-06-21T08:24:00Z */
  ck_assert_double_eq_tol(s.decl_rad / DEG, 23.44, 0.1);
  gs_weather_sun(LAT, LON, 1797886200.0, &s); /* 2026-12-21T20:50:00Z */
  ck_assert_double_eq_tol(s.decl_rad / DEG, -23.44, 0.1);
  gs_weather_sun(LAT, LON, (double)(JUL15 + 20 * 3600), &s);
  ck_assert_double_eq_tol(s.decl_rad / DEG, 21.42, 0.25);
  /* Equation of time, same instant: NOAA -6.05 min; Spencer's series is
   * within about 0.5 min of the ephemeris. */
  ck_assert_double_eq_tol(s.eot_min, -6.05, 0.5);
}
END_TEST

/* At solar noon the hour angle is 0: cos z = cos(lat - decl). */
START_TEST(test_cos_zenith_noon) {
  /* Solar noon: UTC hour = 12 - lon / 15 - EoT / 60, iterated once since
   * the EoT changes by seconds over a day. */
  double t = (double)JUL15 + (12.0 - LON / 15.0) * 3600.0;
  gs_sun_t s;
  for (int i = 0; i < 3; i++) {
    gs_weather_sun(LAT, LON, t, &s);
    t += (12.0 - s.solar_hour) * 3600.0;
  }
  gs_weather_sun(LAT, LON, t, &s);
  ck_assert_double_eq_tol(s.solar_hour, 12.0, 1e-9);
  ck_assert_double_eq_tol(s.cos_zenith, cos((LAT * DEG) - s.decl_rad), 1e-12);
  /* The weather's value for a step is the sun at its midpoint. */
  gs_weather_t *w = weather(NULL, JUL15, DAY_US, 1);
  for (int64_t k = 0; k < 288; k++) {
    gs_sun_t m = sun_at(JUL15, mid_us(w, k));
    ck_assert_double_eq_tol(gs_weather_cos_zenith(w, mid_us(w, k)),
                            fmax(0, m.cos_zenith), 1e-6);
  }
  gs_weather_free(w);
}
END_TEST

START_TEST(test_ghi_haurwitz_clouds) {
  /* Closed forms: Haurwitz at the zenith 1098 e^-0.059; Kasten-Czeplak. */
  ck_assert_double_eq_tol(gs_weather_haurwitz_w_m2(1.0), 1098 * exp(-0.059),
                          1e-9);
  ck_assert_double_eq_tol(gs_weather_haurwitz_w_m2(1.0), 1035.1, 0.05);
  ck_assert_double_eq_tol(gs_weather_haurwitz_w_m2(0.5), 549 * exp(-0.118),
                          1e-9);
  ck_assert_double_eq(gs_weather_haurwitz_w_m2(0.0), 0.0);
  ck_assert_double_eq(gs_weather_haurwitz_w_m2(-0.3), 0.0);
  ck_assert_double_eq_tol(gs_weather_cloud_factor(1.0), 0.25, 1e-12);
  ck_assert_double_eq_tol(gs_weather_cloud_factor(0.5),
                          1 - 0.75 * pow(0.5, 3.4), 1e-12);
  ck_assert_double_eq(gs_weather_cloud_factor(0.0), 1.0);
  gs_weather_t *w = weather(
      "{\"cloud_cover\": 0.4, \"cloud_variability\": "
      "0.6}",
      JUL15, 3 * DAY_US, 7);
  int night = 0, day = 0;
  for (int64_t k = 0; k < 3 * 288; k++) {
    int64_t t = mid_us(w, k);
    double cz = gs_weather_cos_zenith(w, t),
           clear = gs_weather_clear_ghi_w_m2(w, t),
           ghi = gs_weather_ghi_w_m2(w, t);
    double cover = gs_weather_cloud_cover(w, t);
    ck_assert_double_ge(cover, 0.0);
    ck_assert_double_le(cover, 1.0);
    if (cz == 0) {
      night++;
      ck_assert_double_eq(clear, 0.0);
      ck_assert_double_eq(ghi, 0.0);
    } else {
      day++;
      ck_assert_double_eq_tol(clear, gs_weather_haurwitz_w_m2(cz),
                              1e-4 * clear + 1e-4);
      ck_assert_double_eq_tol(ghi, clear * gs_weather_cloud_factor(cover),
                              1e-4 * clear + 1e-4);
    }
  }
  /* 14.6 h of daylight on 15 July at 38.6 N. */
  ck_assert_int_ge(day, 3 * 170);
  ck_assert_int_ge(night, 3 * 100);
  gs_weather_free(w);
}
END_TEST

/* Time of cos z = c between t0 and t1 (one crossing), by bisection. */
static double crossing(double t0, double t1, double c) {
  gs_sun_t s;
  gs_weather_sun(LAT, LON, t0, &s);
  bool rising = s.cos_zenith < c;
  for (int i = 0; i < 60; i++) {
    double m = 0.5 * (t0 + t1);
    gs_weather_sun(LAT, LON, m, &s);
    if ((s.cos_zenith < c) == rising)
      t0 = m;
    else
      t1 = m;
  }
  return 0.5 * (t0 + t1);
}

/* Reference: NOAA Solar Calculator (gml.noaa.gov/grad/solcalc), whose
 * spreadsheet equations we evaluated for 2026-07-15 at 38.6 N, 121.5 W,
 * UTC-7: sunrise 05:54:00 PDT (12:54:00 UTC), sunset 20:29:43 PDT
 * (03:29:43 UTC on the 16th), both for the apparent zenith 90.833 deg
 * (refraction and the solar disc). */
START_TEST(test_sunrise_sunset_noaa) {
  double c = cos(90.833 * DEG);
  double rise = crossing(JUL15 + 11 * 3600, JUL15 + 15 * 3600, c);
  double set = crossing(JUL15 + 24 * 3600, JUL15 + 29 * 3600, c);
  ck_assert_double_eq_tol(rise, JUL15 + 12 * 3600 + 54 * 60, 300);
  ck_assert_double_eq_tol(set, JUL15 + 27 * 3600 + 29 * 60 + 43, 300);
  /* The stepped irradiance starts in the step holding the geometric
   * sunrise (cos z = 0) or the next, and stops likewise at sunset. */
  double grise = crossing(JUL15 + 11 * 3600, JUL15 + 15 * 3600, 0);
  gs_weather_t *w = weather("{\"cloud_cover\": 0}", JUL15, 2 * DAY_US, 1);
  int64_t k = 8 * 12; /* 08:00 UTC: night (00:00 UTC is 17:00 PDT) */
  ck_assert_double_eq(gs_weather_ghi_w_m2(w, mid_us(w, k)), 0.0);
  while (gs_weather_ghi_w_m2(w, mid_us(w, k)) == 0)
    k++;
  double first = JUL15 + (double)(k * 300);
  ck_assert_double_ge(first, grise - 300);
  ck_assert_double_le(first, grise + 300);
  gs_weather_free(w);
}
END_TEST

START_TEST(test_no_clouds_is_clear) {
  gs_weather_t *w = weather("{\"cloud_cover\": 0, \"cloud_variability\": 1}",
                            JUL15, DAY_US, 3);
  double energy = 0;
  for (int64_t k = 0; k < 288; k++) {
    int64_t t = mid_us(w, k);
    ck_assert_double_eq(gs_weather_ghi_w_m2(w, t),
                        gs_weather_clear_ghi_w_m2(w, t));
    ck_assert_double_eq(gs_weather_cloud_cover(w, t), 0.0);
    energy += gs_weather_ghi_w_m2(w, t) * 300 / 3.6e6;
  }
  /* Against the day's extraterrestrial horizontal insolation (Duffie &
   * Beckman, Solar Engineering of Thermal Processes, eq. 1.10.3): H0 =
   * 24/pi Gsc E0 (cos phi cos d sin ws + ws sin phi sin d), about 11.3
   * kWh/m² here. Clear-sky daily clearness indices are about 0.7-0.8. */
  gs_sun_t s;
  gs_weather_sun(LAT, LON, (double)JUL15 + 20 * 3600, &s);
  double phi = LAT * DEG, d = s.decl_rad, ws = acos(-tan(phi) * tan(d));
  double e0 = 1 + 0.033 * cos(2 * PI * 196 / 365.0); /* 15 July: n = 196 */
  double h0 = 24 / PI * 1.361 * e0 *
              (cos(phi) * cos(d) * sin(ws) + ws * sin(phi) * sin(d));
  ck_assert_double_eq_tol(h0, 11.3, 0.1);
  ck_assert_double_ge(energy / h0, 0.65);
  ck_assert_double_le(energy / h0, 0.80);
  gs_weather_free(w);
}
END_TEST

START_TEST(test_seed_determinism) {
  const char *j = "{\"cloud_cover\": 0.4, \"cloud_variability\": 0.5}";
  gs_weather_t *a = weather(j, JUL15, 2 * DAY_US, 11);
  gs_weather_t *b = weather(j, JUL15, 2 * DAY_US, 11);
  gs_weather_t *c = weather(j, JUL15, 2 * DAY_US, 12);
  int differ = 0;
  for (int64_t k = 0; k < 2 * 288; k++) {
    int64_t t = mid_us(a, k);
    ck_assert_double_eq(gs_weather_cloud_cover(a, t),
                        gs_weather_cloud_cover(b, t));
    ck_assert_double_eq(gs_weather_ghi_w_m2(a, t), gs_weather_ghi_w_m2(b, t));
    ck_assert_double_eq(gs_weather_temp_c(a, t), gs_weather_temp_c(c, t));
    differ += gs_weather_cloud_cover(a, t) != gs_weather_cloud_cover(c, t);
  }
  ck_assert_int_ge(differ, 2 * 288 - 2);
  gs_weather_free(a);
  gs_weather_free(b);
  gs_weather_free(c);
}
END_TEST

/* Closed form: cover ~ Beta(a, b), a + b = 1/v^2 - 1, so E[cover^p] =
 * B(a + p, b) / B(a, b) and the mean clear-sky index (Kasten-Czeplak) is
 * 1 - 0.75 E[cover^3.4]. Over a year of 5-min steps (about 8760 cloud
 * decorrelation times) the sample means are within 0.01. */
static void check_mean_index(double m, double v) {
  char j[160];
  snprintf(j, sizeof j, "{\"cloud_cover\": %g, \"cloud_variability\": %g}", m,
           v);
  int64_t dur = 365 * DAY_US;
  gs_weather_t *w = weather(j, JUL15, dur, 5);
  int64_t n = n_steps(w, dur);
  double sum_c = 0, sum_k = 0, sum_c2 = 0;
  for (int64_t k = 0; k < n; k++) {
    double c = gs_weather_cloud_cover(w, mid_us(w, k));
    sum_c += c;
    sum_c2 += c * c;
    sum_k += gs_weather_cloud_factor(c);
  }
  double ab = 1 / (v * v) - 1, a = m * ab, b = (1 - m) * ab;
  double e34 = exp(gsl_sf_lnbeta(a + 3.4, b) - gsl_sf_lnbeta(a, b));
  ck_assert_double_eq_tol(sum_c / n, m, 0.01);
  ck_assert_double_eq_tol(sum_k / n, 1 - 0.75 * e34, 0.01);
  ck_assert_double_eq_tol(sum_c2 / n - (sum_c / n) * (sum_c / n),
                          v * v * m * (1 - m), 0.01);
  gs_weather_free(w);
}

START_TEST(test_mean_clear_index) {
  check_mean_index(0.4, 0.5);
  check_mean_index(0.1, 0.3); /* the defaults */
  check_mean_index(0.7, 0.8);
}
END_TEST

/* The limits: v = 1 is clear or overcast with P(overcast) = m; tiny v is
 * nearly constant; extreme means do not upset the Beta quantile. */
START_TEST(test_cloud_limits) {
  gs_weather_t *w = weather("{\"cloud_cover\": 0.3, \"cloud_variability\": 1}",
                            JUL15, 100 * DAY_US, 2);
  double sum = 0;
  for (int64_t k = 0; k < 100 * 288; k++) {
    double c = gs_weather_cloud_cover(w, mid_us(w, k));
    ck_assert_msg(c == 0.0 || c == 1.0, "cover %g", c);
    sum += c;
  }
  ck_assert_double_eq_tol(sum / (100 * 288), 0.3, 0.05);
  gs_weather_free(w);
  w = weather("{\"cloud_cover\": 0.3, \"cloud_variability\": 0.001}", JUL15,
              DAY_US, 2);
  for (int64_t k = 0; k < 288; k++)
    ck_assert_double_eq_tol(gs_weather_cloud_cover(w, mid_us(w, k)), 0.3,
                            0.003);
  gs_weather_free(w);
  w = weather("{\"cloud_cover\": 0.000001, \"cloud_variability\": 0.99}", JUL15,
              DAY_US, 2);
  gs_weather_free(w);
  w = weather("{\"cloud_cover\": 0.999999, \"cloud_variability\": 0.02}", JUL15,
              DAY_US, 2);
  gs_weather_free(w);
}
END_TEST

/* tests/data/weather-sample.csv: 24 hourly rows from 2026-07-15T00:00Z. */
START_TEST(test_csv_sample) {
  const char *j = "{\"type\": \"csv\", \"file\": \"weather-sample.csv\"}";
  gs_weather_t *w = weather(j, JUL15, DAY_US, 1);
  int64_t h = GS_US_PER_H;
  ck_assert_int_eq(gs_weather_step_us(w), h);
  ck_assert_int_eq(gs_weather_origin_us(w), 0);
  ck_assert_double_eq_tol(gs_weather_temp_c(w, 0), 33.5, 1e-5);
  ck_assert_double_eq_tol(gs_weather_temp_c(w, h - 1), 33.5, 1e-5);
  ck_assert_double_eq_tol(gs_weather_temp_c(w, h), 31.5, 1e-5);
  ck_assert_double_eq_tol(gs_weather_ghi_w_m2(w, 20 * h + h / 2), 982, 1e-5);
  ck_assert_double_eq_tol(gs_weather_temp_c(w, DAY_US), 34.6, 1e-5);
  ck_assert_double_eq(gs_weather_ghi_w_m2(w, 8 * h), 0.0);
  ck_assert_double_eq(gs_weather_cloud_cover(w, 0), -1.0);
  ck_assert_int_eq(gs_weather_next_change_us(w, 5 * h + 1), 6 * h);
  /* The sun is still computed: down at 10 UTC, up at 20 UTC. */
  ck_assert_double_eq(gs_weather_cos_zenith(w, 10 * h), 0.0);
  ck_assert_double_gt(gs_weather_clear_ghi_w_m2(w, 20 * h), 900.0);
  gs_weather_free(w);
  /* A start between rows: the grid keeps the rows' origin. */
  w = weather(j, JUL15 + 1800, 3600 * GS_US_PER_S, 1);
  ck_assert_int_eq(gs_weather_origin_us(w), -1800 * GS_US_PER_S);
  ck_assert_double_eq_tol(gs_weather_temp_c(w, 0), 33.5, 1e-5);
  ck_assert_double_eq_tol(gs_weather_temp_c(w, 1800 * GS_US_PER_S), 31.5, 1e-5);
  ck_assert_int_eq(gs_weather_next_change_us(w, 0), 1800 * GS_US_PER_S);
  gs_weather_free(w);
}
END_TEST

/* Unix seconds, extra columns in another order, CRLF, a BOM, quotes. */
START_TEST(test_csv_variants) {
  char dir[] = "/tmp/gs-weather-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char path[256];
  snprintf(path, sizeof path, "%s/v.csv", dir);
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  fprintf(f,
          "\xEF\xBB\xBF"
          "ghi_w_m2, rh_pct ,\"timestamp\",temp_c\r\n"
          "0,40,1784073600,20.5\r\n\r\n"
          "-3,41,1784074500,20.0\r\n"
          "# a comment\r\n"
          "12.5,42,1784075400,19.5\r\n");
  fclose(f);
  char j[320];
  snprintf(j, sizeof j, "{\"type\":\"csv\",\"file\":\"%s\"}", path);
  gs_weather_t *w = weather(j, JUL15, 2700 * GS_US_PER_S, 1);
  int64_t q = 900 * GS_US_PER_S;
  ck_assert_int_eq(gs_weather_step_us(w), q);
  ck_assert_double_eq_tol(gs_weather_temp_c(w, q), 20.0, 1e-5);
  ck_assert_double_eq(gs_weather_ghi_w_m2(w, q), 0.0); /* -3 reads 0 */
  ck_assert_double_eq_tol(gs_weather_ghi_w_m2(w, 2 * q), 12.5, 1e-5);
  gs_weather_free(w);
  unlink(path);
  rmdir(dir);
}
END_TEST

/* Malformed CSV files: the whole message, after the file's path. */
static const struct {
  const char *text;
  const char *msg;
} bad_csv[] = {
    {"timestamp,temp_c\n2026-07-15T00:00:00Z,20\n",
     ":1: expected a header naming the column ghi_w_m2, found "
     "\"timestamp,temp_c\""},
    {"# c\ntimestamp,temp_c,ghi_w_m2\n2026-07-15T00:00:00Z,20,0\n"
     "2026-07-15T01:00:00Z,abc,0\n",
     ":4: expected a number in column temp_c, found \"abc\""},
    {"timestamp,temp_c,ghi_w_m2\n2026-07-15T00:00:00Z,20,0\n"
     "2026-07-15T01:00:00Z,20,0\n2026-07-15T01:00:00Z,20,0\n",
     ":4: expected a timestamp after the previous row's 2026-07-15T01:00:00Z,"
     " found 2026-07-15T01:00:00Z"},
    {"timestamp,temp_c,ghi_w_m2\n2026-07-15T00:00:00Z,20,0\n"
     "2026-07-15T01:00:00Z,20,0\n2026-07-15T02:30:00Z,20,0\n",
     ":4: expected the interval of the first two rows (3600 s) after "
     "2026-07-15T01:00:00Z, found 2026-07-15T02:30:00Z (5400 s)"},
    {"timestamp,temp_c,ghi_w_m2\n2026-07-15T00:00:00Z,20,0\n"
     "2026-07-15T01:00:00Z,20,0\n2026-07-15T02:00:00Z,20,0\n",
     ": expected data covering 2026-07-15T00:00:00Z to 2026-07-16T00:00:00Z, "
     "found data from 2026-07-15T00:00:00Z to 2026-07-15T03:00:00Z"},
    {"timestamp,temp_c,ghi_w_m2\n2026-07-15T00:30:00Z,20,0\n"
     "2026-07-16T00:30:00Z,20,0\n",
     ": expected data covering 2026-07-15T00:00:00Z to 2026-07-16T00:00:00Z, "
     "found data from 2026-07-15T00:30:00Z to 2026-07-17T00:30:00Z"},
    {"timestamp,temp_c,ghi_w_m2\n2026-07-15T00:00:00Z,20,0\n1784077200,20\n",
     ":3: expected 3 fields as in the header, found 2"},
    {"timestamp,temp_c,ghi_w_m2\nyesterday,20,0\n",
     ":2: expected an ISO 8601 UTC instant or Unix seconds in column "
     "timestamp, found \"yesterday\""},
    {"timestamp,temp_c,ghi_w_m2\n2026-07-15T00:00:00Z,20,5000\n",
     ":2: expected a number in [-20, 2000] in column ghi_w_m2, found "
     "\"5000\""},
    {"timestamp,temp_c,ghi_w_m2\n2026-07-15T00:00:00Z,-999,0\n",
     ":2: expected a number in [-90, 65] in column temp_c, found \"-999\""},
    {"timestamp,temp_c,ghi_w_m2,temp_c\n",
     ":1: expected the column temp_c once, found it twice"},
    {"timestamp,temp_c,ghi_w_m2\n2026-07-15T00:00:00Z,20,0\n",
     ": expected at least two data rows (their spacing sets the step), "
     "found 1"},
    {"\n# nothing\n",
     ": expected a header line \"timestamp,temp_c,ghi_w_m2\", found no line"},
};
#define N_BAD_CSV (int)(sizeof bad_csv / sizeof bad_csv[0])

START_TEST(test_csv_errors) {
  char dir[] = "/tmp/gs-weather-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char path[256];
  snprintf(path, sizeof path, "%s/bad.csv", dir);
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  fputs(bad_csv[_i].text, f);
  fclose(f);
  char j[320];
  snprintf(j, sizeof j, "{\"type\":\"csv\",\"file\":\"%s\"}", path);
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(weather_err(j, &eb), GS_ESCENARIO);
  char want[512];
  snprintf(want, sizeof want, "%s%s", path, bad_csv[_i].msg);
  ck_assert_str_eq(eb.msg, want);
  unlink(path);
  rmdir(dir);
}
END_TEST

START_TEST(test_csv_unreadable) {
  gs_errbuf_t eb = {{0}};
  /* base_dir "/" in weather_err(): the path is resolved against it. */
  ck_assert_int_eq(
      weather_err("{\"type\":\"csv\",\"file\":\"no/such-weather.csv\"}", &eb),
      GS_EIO);
  ck_assert_str_eq(eb.msg,
                   "t.json: weather.file: expected a readable CSV "
                   "file, found \"/no/such-weather.csv\" (No such "
                   "file or directory)");
}
END_TEST

/* Object errors name the JSON path (more through the scenario loader in
 * test_scenario.c). */
START_TEST(test_object_errors) {
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(weather_err("{\"type\":\"radar\"}", &eb), GS_ESCENARIO);
  ck_assert_str_eq(eb.msg,
                   "t.json: weather.type: expected \"synthetic\" or "
                   "\"csv\", found \"radar\"");
  ck_assert_int_eq(weather_err("{\"t_min_c\":40}", &eb), GS_ESCENARIO);
  ck_assert_str_eq(eb.msg,
                   "t.json: weather.t_max_c: expected a number >= "
                   "t_min_c (40), found the default 36");
  gs_weather_t *w = NULL;
  /* A year at a 1 s step would be 31.5 M steps: refused, not truncated. */
  cJSON *j = cJSON_Parse("{\"step_s\":1}");
  ck_assert_int_eq(gs_weather_parse(j, "t.json", "weather", ".", JUL15,
                                    365 * DAY_US, 1, &w, &eb),
                   GS_ESCENARIO);
  cJSON_Delete(j);
  ck_assert_ptr_null(w);
  ck_assert_str_eq(eb.msg,
                   "t.json: weather.step_s: expected at least 8 s "
                   "for this run (at most 4194304 steps), found 1");
}
END_TEST

/* A heat wave: per-day extremes. Each day reaches its own maximum at the
 * ASHRAE plateau and its own minimum near 05:00 solar time, the curve
 * never jumps between steps, and the last entry holds for later days. */
START_TEST(test_daily_extremes) {
  int64_t dur = 5 * DAY_US;
  gs_weather_t *w = weather(
      "{\"daily_t_min_c\":[15,18,20],\"daily_t_max_c\":[30,34,38],"
      "\"step_s\":300}",
      JUL15, dur, 1);
  static const double want_max[] = {30, 34, 38, 38, 38};
  static const double want_min[] = {15, 18, 20, 20, 20};
  double got_max[5] = {-99, -99, -99, -99, -99};
  double got_min[5] = {99, 99, 99, 99, 99};
  double prev = NAN, worst_jump = 0;
  for (int64_t k = 0; k < n_steps(w, dur); k++) {
    int64_t t = mid_us(w, k);
    double temp = gs_weather_temp_c(w, t);
    gs_sun_t sun;
    gs_weather_sun(LAT, LON, (double)JUL15 + (double)t / 1e6, &sun);
    /* Day index from apparent solar time; the run starts at 00:00 UTC,
     * 16:00 local solar time of the day before the first solar midnight. */
    double solar_days = ((double)JUL15 + (double)t / 1e6 + LON * 240.0) /
                        86400.0;
    long d = lround(solar_days - sun.solar_hour / 24.0) -
             lround(((double)JUL15 + LON * 240.0) / 86400.0 - 16.0 / 24.0);
    if (d >= 0 && d < 5) {
      if (temp > got_max[d]) got_max[d] = temp;
      if (temp < got_min[d]) got_min[d] = temp;
    }
    if (!isnan(prev) && fabs(temp - prev) > worst_jump)
      worst_jump = fabs(temp - prev);
    prev = temp;
  }
  /* Day 0 starts in the afternoon: its maximum is there, its minimum
   * comes the next morning (day 1). From day 1 on, whole days. */
  for (int d = 1; d < 5; d++) {
    ck_assert_double_eq_tol(got_max[d], want_max[d], 0.02);
    ck_assert_double_eq_tol(got_min[d], want_min[d], 0.06);
  }
  /* 5-minute steps of a profile whose steepest hour falls 0.17 of a
   * 20 degC range: under 0.3 degC a step, and no midnight jump. */
  ck_assert_double_lt(worst_jump, 0.3);
  gs_weather_free(w);
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(weather_err("{\"daily_t_max_c\":[30,\"hot\"]}", &eb),
                   GS_ESCENARIO);
  ck_assert_ptr_nonnull(strstr(eb.msg, "weather.daily_t_max_c[1]"));
  ck_assert_int_eq(weather_err("{\"daily_t_max_c\":[]}", &eb),
                   GS_ESCENARIO);
  ck_assert_ptr_nonnull(strstr(eb.msg, "weather.daily_t_max_c:"));
  ck_assert_int_eq(weather_err("{\"daily_t_min_c\":[20,25],"
                               "\"daily_t_max_c\":[30,24]}",
                               &eb),
                   GS_ESCENARIO);
  ck_assert_ptr_nonnull(strstr(eb.msg, "weather.daily_t_max_c[1]"));
}
END_TEST

Suite *weather_suite(void) {
  Suite *s = suite_create("weather");
  TCase *tc = tcase_create("synthetic");
  tcase_add_test(tc, test_fraction_table);
  tcase_add_test(tc, test_profile_extremes);
  tcase_add_test(tc, test_piecewise_constant);
  tcase_add_test(tc, test_declination);
  tcase_add_test(tc, test_cos_zenith_noon);
  tcase_add_test(tc, test_ghi_haurwitz_clouds);
  tcase_add_test(tc, test_sunrise_sunset_noaa);
  tcase_add_test(tc, test_no_clouds_is_clear);
  tcase_add_test(tc, test_seed_determinism);
  tcase_add_test(tc, test_mean_clear_index);
  tcase_add_test(tc, test_cloud_limits);
  tcase_add_test(tc, test_object_errors);
  tcase_add_test(tc, test_daily_extremes);
  suite_add_tcase(s, tc);
  TCase *tv = tcase_create("csv");
  tcase_add_test(tv, test_csv_sample);
  tcase_add_test(tv, test_csv_variants);
  tcase_add_loop_test(tv, test_csv_errors, 0, N_BAD_CSV);
  tcase_add_test(tv, test_csv_unreadable);
  suite_add_tcase(s, tv);
  return s;
}
