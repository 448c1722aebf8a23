/* SPDX-License-Identifier: MIT */
/* Tests of irradiance on vertical glazing (models/weather_solar.c): the
 * Erbs fraction, incidence angles and surface totals against hand
 * calculations, and the weather's stored compass mean. */
#include <check.h>
#include <math.h>
#include <stdint.h>

#include "gridsim/time.h"
#include "weather.h"

#define DEG (3.14159265358979323846 / 180.0)

/* 2026-07-15T07:00:00Z: local midnight in Sacramento (UTC-7). */
#define START_UNIX INT64_C(1784098800)

/* A sun given by declination and solar hour (cos zenith from them). */
static gs_sun_t sun_at(double lat_deg, double decl_deg, double solar_hour) {
  double p = lat_deg * DEG, d = decl_deg * DEG;
  double w = (solar_hour - 12.0) * 15.0 * DEG;
  return (gs_sun_t){.decl_rad = d,
                    .solar_hour = solar_hour,
                    .cos_zenith = sin(p) * sin(d) + cos(p) * cos(d) * cos(w)};
}

/* Erbs et al. (1982) at known clearness indices, by hand: 1 - 0.09 x 0.1;
 * the quartic at 0.5: 0.9511 - 0.0802 + 1.097 - 2.07975 + 0.771; 0.165
 * above 0.8. Continuous at the 0.22 joint to within Erbs' own 3e-4. */
START_TEST(test_erbs_fraction) {
  ck_assert_double_eq_tol(gs_weather_erbs_fraction(0.1), 0.991, 1e-12);
  ck_assert_double_eq_tol(gs_weather_erbs_fraction(0.5), 0.65915, 1e-12);
  ck_assert_double_eq_tol(gs_weather_erbs_fraction(0.9), 0.165, 1e-12);
  ck_assert_double_eq_tol(gs_weather_erbs_fraction(0.22),
                          gs_weather_erbs_fraction(0.2200001), 5e-4);
  ck_assert_double_eq_tol(gs_weather_erbs_fraction(0.8),
                          gs_weather_erbs_fraction(0.8000001), 5e-3);
}
END_TEST

/* Incidence on vertical walls at latitude 40 on the June solstice
 * (declination 23.45): at solar noon the south wall sees cos = sin(40 -
 * 23.45) = 0.284852, the west wall 0 (grazing); at 15:00 solar (hour
 * angle 45) the west wall cos 23.45 sin 45 = 0.648705 and the south wall
 * -sin 23.45 cos 40 + cos 23.45 sin 40 cos 45 = 0.112133. And at every
 * hour and azimuth it equals the dot product of the sun vector with the
 * wall's normal (east, north, up coordinates), an independent form. */
START_TEST(test_incidence_vertical) {
  gs_sun_t noon = sun_at(40, 23.45, 12), pm = sun_at(40, 23.45, 15);
  ck_assert_double_eq_tol(gs_weather_cos_incidence_vertical(&noon, 40, 0),
                          0.2848519645, 1e-9);
  ck_assert_double_eq_tol(gs_weather_cos_incidence_vertical(&noon, 40, 90), 0.0,
                          1e-12);
  ck_assert_double_eq_tol(gs_weather_cos_incidence_vertical(&pm, 40, 90),
                          0.6487052053, 1e-9);
  ck_assert_double_eq_tol(gs_weather_cos_incidence_vertical(&pm, 40, 0),
                          0.1121333307, 1e-9);
  /* East in the afternoon: the sun is behind the wall. */
  ck_assert_double_lt(gs_weather_cos_incidence_vertical(&pm, 40, -90), 0);
  for (int h = 5; h <= 19; h++)
    for (int az = 0; az < 360; az += 45) {
      gs_sun_t s = sun_at(40, 23.45, h);
      double p = 40 * DEG, d = 23.45 * DEG, w = (h - 12) * 15 * DEG;
      double e = -cos(d) * sin(w);
      double n = cos(p) * sin(d) - sin(p) * cos(d) * cos(w);
      /* Wall facing azimuth az from south, west positive: its outward
       * normal points (-sin az, -cos az, 0) in (east, north, up). */
      double dot = -sin(az * DEG) * e - cos(az * DEG) * n;
      ck_assert_double_eq_tol(gs_weather_cos_incidence_vertical(&s, 40, az),
                              dot, 1e-12);
    }
}
END_TEST

/* Totals on a wall, by hand at the equinox, latitude 40, solar noon, GHI
 * 700 W/m2 and Gon 1367: cos zenith = cos 40 = 0.766044, kt = 0.668460,
 * Erbs fraction 0.298005, DHI 208.6035, DNI 641.4726. South wall: DNI sin
 * 40 + DHI / 2 + 0.2 x 700 / 2 = 586.6324; east and west walls (grazing
 * beam): DHI / 2 + 70 = 174.3018. No sun, no light. */
START_TEST(test_vertical_totals) {
  gs_sun_t s = sun_at(40, 0, 12);
  ck_assert_double_eq_tol(gs_weather_vertical_w_m2(&s, 40, 0, 700, 1367),
                          586.6323671, 1e-6);
  ck_assert_double_eq_tol(gs_weather_vertical_w_m2(&s, 40, 90, 700, 1367),
                          174.3017570, 1e-6);
  ck_assert_double_eq_tol(gs_weather_vertical_w_m2(&s, 40, -90, 700, 1367),
                          174.3017570, 1e-6);
  /* The compass mean lies between the north wall and the south wall. */
  double mean = gs_weather_vertical_mean_w_m2(&s, 40, 700, 1367);
  ck_assert_double_gt(mean, gs_weather_vertical_w_m2(&s, 40, 180, 700, 1367));
  ck_assert_double_lt(mean, 586.6323671);
  gs_sun_t night = sun_at(40, 0, 0);
  ck_assert_double_eq(gs_weather_vertical_w_m2(&night, 40, 0, 0, 1367), 0);
  /* Eccentricity: Gon near 1412 W/m2 early January, 1322 early July. */
  ck_assert_double_eq_tol(gs_weather_extra_normal_w_m2(0), 1412.1, 0.5);
  ck_assert_double_eq_tol(gs_weather_extra_normal_w_m2(START_UNIX), 1324, 3);
}
END_TEST

/* The weather's glazing irradiance on the default hot day (Sacramento,
 * July): zero at night, the compass mean of the step's GHI at the sun of
 * the step's midpoint, and much flatter over the day than GHI: at solar
 * noon a small share of GHI (the high sun grazes vertical walls), in the
 * late afternoon a far larger one (the west walls face the low sun). */
START_TEST(test_weather_glazing) {
  gs_weather_t *w = NULL;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_weather_parse(NULL, "test", "weather", NULL, START_UNIX,
                                    GS_US_PER_DAY, 1, &w, &eb),
                   GS_OK);
  gs_time_us_t step_us = gs_weather_step_us(w);
  double noon_ratio = 0, late_ratio = 0;
  for (gs_time_us_t t = step_us / 2; t < GS_US_PER_DAY; t += step_us) {
    double ghi = gs_weather_ghi_w_m2(w, t), g = gs_weather_glazing_w_m2(w, t);
    gs_sun_t sun;
    gs_weather_sun(38.6, -121.5, (double)START_UNIX + (double)t / 1e6, &sun);
    if (ghi == 0) {
      ck_assert_double_eq(g, 0);
      continue;
    }
    double want = gs_weather_vertical_mean_w_m2(
        &sun, 38.6, (float)ghi,
        gs_weather_extra_normal_w_m2((double)START_UNIX + (double)t / 1e6));
    ck_assert_double_eq_tol(g, want, 1e-3 * want + 1e-3);
    if (fabs(sun.solar_hour - 12.0) < 0.05) noon_ratio = g / ghi;
    if (fabs(sun.solar_hour - 17.0) < 0.05) late_ratio = g / ghi;
  }
  ck_assert_double_gt(noon_ratio, 0.1);
  ck_assert_double_lt(noon_ratio, 0.35);
  ck_assert_double_gt(late_ratio, 2 * noon_ratio);
  gs_weather_free(w);
}
END_TEST

Suite *solar_suite(void) {
  Suite *s = suite_create("solar");
  TCase *tc = tcase_create("solar");
  tcase_add_test(tc, test_erbs_fraction);
  tcase_add_test(tc, test_incidence_vertical);
  tcase_add_test(tc, test_vertical_totals);
  tcase_add_test(tc, test_weather_glazing);
  suite_add_tcase(s, tc);
  return s;
}
