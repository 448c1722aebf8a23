/* SPDX-License-Identifier: MIT */
/* Tests of scenario distributions: moments, truncation, streams, errors. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_statistics_double.h>

#include "gridsim/dist.h"
#include "gridsim/rng.h"

#define N_DRAWS 20000

/* Parses `text` at path "p" of "t.json"; the test fails on an error. */
static void parse_ok(const char *text, gs_dist_t *d) {
  cJSON *j = cJSON_Parse(text);
  ck_assert_msg(j != NULL, "bad test JSON: %s", text);
  gs_errbuf_t eb = {{0}};
  gs_err_t err = gs_dist_parse(j, "t.json", "p", d, &eb);
  ck_assert_msg(err == GS_OK, "parse of %s failed: %s", text, eb.msg);
  cJSON_Delete(j);
}

static void draw_n(const gs_dist_t *d, uint64_t key, double *x, size_t n) {
  gs_rng_t r;
  gs_rng_init(&r, 1, key, GS_RNG_PARAMS);
  for (size_t i = 0; i < n; i++)
    x[i] = gs_dist_sample(d, &r);
}

/* Closed-form mean and variance of each law, from its parameters. */
static const struct {
  const char *json;
  double mean, var;
} moments[] = {
    {"{\"dist\":\"normal\",\"mean\":5,\"sd\":2}", 5, 4},
    {"{\"dist\":\"uniform\",\"min\":2,\"max\":6}", 4, 16.0 / 12},
    {"{\"dist\":\"exponential\",\"mean\":3}", 3, 9},
    {"{\"dist\":\"gamma\",\"shape\":2,\"scale\":1.5}", 3, 4.5},
    {"{\"dist\":\"choice\",\"values\":[1,2,5],\"weights\":[1,1,2]}", 3.25,
     3.1875},
    {"{\"dist\":\"triangular\",\"min\":0,\"mode\":1,\"max\":4}", 5.0 / 3,
     (0 + 16 + 1 - 0 - 0 - 4) / 18.0},
    /* lognormal and weibull: filled in by the test from their formulas */
    {"{\"dist\":\"lognormal\",\"mu\":0.5,\"sigma\":0.4}", NAN, NAN},
    {"{\"dist\":\"weibull\",\"shape\":1.5,\"scale\":2}", NAN, NAN},
};
#define N_MOMENTS (int)(sizeof moments / sizeof moments[0])

START_TEST(test_moments) {
  double mean = moments[_i].mean, var = moments[_i].var;
  if (_i == N_MOMENTS - 2) {
    double mu = 0.5, s2 = 0.16;
    mean = exp(mu + s2 / 2);
    var = (exp(s2) - 1) * exp(2 * mu + s2);
  } else if (_i == N_MOMENTS - 1) {
    double k = 1.5, l = 2, g1 = tgamma(1 + 1 / k), g2 = tgamma(1 + 2 / k);
    mean = l * g1;
    var = l * l * (g2 - g1 * g1);
  }
  gs_dist_t d;
  parse_ok(moments[_i].json, &d);
  double *x = malloc(N_DRAWS * sizeof *x);
  ck_assert_ptr_nonnull(x);
  draw_n(&d, 7, x, N_DRAWS);
  double m = gsl_stats_mean(x, 1, N_DRAWS);
  double v = gsl_stats_variance(x, 1, N_DRAWS);
  /* Five standard errors for the mean; 8 % for the variance covers the
   * heavier tails (exponential, lognormal) at this sample size. */
  double se = sqrt(var / N_DRAWS);
  ck_assert_msg(fabs(m - mean) < 5 * se, "%s: sample mean %g, expected %g",
                moments[_i].json, m, mean);
  ck_assert_msg(fabs(v - var) < 0.08 * var,
                "%s: sample variance %g, expected %g", moments[_i].json, v,
                var);
  ck_assert_msg(fabs(gs_dist_mean(&d) - mean) < 1e-9 * fmax(1, mean),
                "%s: gs_dist_mean %g, expected %g", moments[_i].json,
                gs_dist_mean(&d), mean);
  free(x);
  gs_dist_free(&d);
}
END_TEST

START_TEST(test_constant) {
  gs_dist_t d;
  parse_ok("42.5", &d);
  ck_assert_int_eq(d.kind, GS_DIST_CONST);
  gs_rng_t r;
  gs_rng_init(&r, 1, 2, GS_RNG_PARAMS);
  gs_rng_t before = r;
  ck_assert_double_eq(gs_dist_sample(&d, &r), 42.5);
  /* A constant draws nothing, so it leaves the stream untouched. */
  ck_assert_mem_eq(&r, &before, sizeof r);
  double lo, hi;
  gs_dist_support(&d, &lo, &hi);
  ck_assert_double_eq(lo, 42.5);
  ck_assert_double_eq(hi, 42.5);
  gs_dist_free(&d);
}
END_TEST

START_TEST(test_truncation) {
  static const struct {
    const char *json;
    double lo, hi;
  } cases[] = {
      {"{\"dist\":\"normal\",\"mean\":0,\"sd\":1,\"min\":-0.5,\"max\":0.5}",
       -0.5, 0.5},
      {"{\"dist\":\"lognormal\",\"mu\":0,\"sigma\":1,\"max\":2}", 0, 2},
      {"{\"dist\":\"gamma\",\"shape\":2,\"scale\":1,\"min\":1,\"max\":3}", 1,
       3},
      /* A bound deep in the tail: redraws give up and clamp. */
      {"{\"dist\":\"exponential\",\"mean\":1,\"min\":60}", 60, INFINITY},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    gs_dist_t d;
    parse_ok(cases[c].json, &d);
    double lo, hi;
    gs_dist_support(&d, &lo, &hi);
    ck_assert_double_eq(lo, cases[c].lo);
    ck_assert_double_eq(hi, cases[c].hi);
    gs_rng_t r;
    gs_rng_init(&r, 3, c, GS_RNG_PARAMS);
    for (int i = 0; i < 5000; i++) {
      double x = gs_dist_sample(&d, &r);
      ck_assert_msg(x >= cases[c].lo && x <= cases[c].hi,
                    "%s: sample %g outside [%g, %g]", cases[c].json, x,
                    cases[c].lo, cases[c].hi);
    }
    gs_dist_free(&d);
  }
}
END_TEST

START_TEST(test_sample_in_spec_range) {
  gs_dist_t d;
  parse_ok("{\"dist\":\"normal\",\"mean\":150,\"sd\":80}", &d);
  gs_rng_t r;
  gs_rng_init(&r, 5, 5, GS_RNG_PARAMS);
  for (int i = 0; i < 5000; i++) {
    double x = gs_dist_sample_in(&d, &r, 30, 800, true);
    ck_assert_msg(x >= 30 && x <= 800 && x == floor(x),
                  "sample %g not a whole number in [30, 800]", x);
  }
  /* The distribution's own bounds and the spec's combine. */
  gs_dist_free(&d);
  parse_ok("{\"dist\":\"uniform\",\"min\":0,\"max\":10}", &d);
  for (int i = 0; i < 5000; i++) {
    double x = gs_dist_sample_in(&d, &r, 2.5, 100, false);
    ck_assert_msg(x >= 2.5 && x <= 10, "sample %g outside [2.5, 10]", x);
  }
  gs_dist_free(&d);
}
END_TEST

START_TEST(test_choice_frequencies) {
  gs_dist_t d;
  parse_ok(
      "{\"dist\":\"choice\",\"values\":[100,150,200],"
      "\"weights\":[0.2,0.5,0.3]}",
      &d);
  static const double w[3] = {0.2, 0.5, 0.3};
  size_t count[3] = {0, 0, 0};
  gs_rng_t r;
  gs_rng_init(&r, 9, 9, GS_RNG_PARAMS);
  for (int i = 0; i < N_DRAWS; i++) {
    double x = gs_dist_sample(&d, &r);
    ck_assert_msg(x == 100 || x == 150 || x == 200, "sample %g", x);
    count[(size_t)((x - 100) / 50)]++;
  }
  for (int k = 0; k < 3; k++) {
    double f = (double)count[k] / N_DRAWS;
    ck_assert_msg(fabs(f - w[k]) < 0.015, "value %d: frequency %g, weight %g",
                  100 + 50 * k, f, w[k]);
  }
  gs_dist_free(&d);
  /* Without weights every value is equally likely. */
  parse_ok("{\"dist\":\"choice\",\"values\":[1,2]}", &d);
  ck_assert_double_eq_tol(gs_dist_mean(&d), 1.5, 1e-12);
  gs_dist_free(&d);
}
END_TEST

START_TEST(test_same_stream_same_samples) {
  gs_dist_t d;
  parse_ok("{\"dist\":\"gamma\",\"shape\":0.7,\"scale\":2}", &d);
  double a[500], b[500], c[500];
  draw_n(&d, 11, a, 500);
  draw_n(&d, 11, b, 500);
  draw_n(&d, 12, c, 500);
  ck_assert_mem_eq(a, b, sizeof a);
  size_t same = 0;
  for (int i = 0; i < 500; i++)
    same += a[i] == c[i];
  ck_assert_msg(same < 5, "streams 11 and 12 share %zu of 500 draws", same);
  gs_dist_free(&d);
}
END_TEST

/* Malformed distributions at "fleet[0].ven.x": the path of the error. */
static const struct {
  const char *json;
  const char *path;
} bad[] = {
    {"{\"dist\":\"normal\",\"mean\":1,\"sd\":-1}", ".sd"},
    {"{\"dist\":\"normal\",\"mean\":1}", ".sd"},
    {"{\"dist\":\"normal\",\"mean\":\"1\",\"sd\":1}", ".mean"},
    {"{\"dist\":\"normal\",\"mean\":1,\"sd\":1,\"bogus\":2}", ".bogus"},
    {"{\"dist\":\"normal\",\"mean\":1,\"sd\":1,\"min\":3,\"max\":2}", ".max"},
    {"{\"dist\":\"lognormal\",\"mu\":0,\"sigma\":-0.1}", ".sigma"},
    {"{\"dist\":\"uniform\",\"min\":5,\"max\":5}", ".max"},
    {"{\"dist\":\"uniform\",\"min\":0,\"max\":1,\"mean\":3}", ".mean"},
    {"{\"dist\":\"choice\",\"values\":[1,2],\"weights\":[1]}", ".weights"},
    {"{\"dist\":\"choice\",\"values\":[],\"weights\":[]}", ".values"},
    {"{\"dist\":\"choice\",\"values\":[1,2],\"weights\":[0,0]}", ".weights"},
    {"{\"dist\":\"choice\",\"values\":[1,2],\"weights\":[1,-1]}",
     ".weights[1]"},
    {"{\"dist\":\"choice\",\"values\":[1,\"a\"]}", ".values[1]"},
    {"{\"dist\":\"exponential\",\"mean\":0}", ".mean"},
    {"{\"dist\":\"exponential\",\"mean\":1,\"max\":-1}", ""},
    {"{\"dist\":\"gamma\",\"shape\":0,\"scale\":1}", ".shape"},
    {"{\"dist\":\"weibull\",\"shape\":1,\"scale\":-2}", ".scale"},
    {"{\"dist\":\"triangular\",\"min\":0,\"mode\":5,\"max\":4}", ".mode"},
    {"{\"dist\":\"poisson\",\"mean\":1}", ".dist"},
    {"{\"mean\":1,\"sd\":1}", ".dist"},
    {"\"abc\"", ""},
    {"[1,2]", ""},
    {"1e999", ""},
};
#define N_BAD (int)(sizeof bad / sizeof bad[0])

START_TEST(test_parse_errors) {
  cJSON *j = cJSON_Parse(bad[_i].json);
  ck_assert_msg(j != NULL, "bad test JSON: %s", bad[_i].json);
  gs_errbuf_t eb = {{0}};
  gs_dist_t d;
  gs_err_t err = gs_dist_parse(j, "s.json", "fleet[0].ven.x", &d, &eb);
  ck_assert_int_eq(err, GS_ESCENARIO);
  char want[128];
  snprintf(want, sizeof want, "s.json: fleet[0].ven.x%s: expected ",
           bad[_i].path);
  ck_assert_msg(strstr(eb.msg, want) != NULL, "%s: message \"%s\" lacks \"%s\"",
                bad[_i].json, eb.msg, want);
  /* A failed parse owns nothing. */
  ck_assert_ptr_null(d.values);
  ck_assert_ptr_null(d.table);
  cJSON_Delete(j);
}
END_TEST

START_TEST(test_enum) {
  static const char *const modes[] = {"reference", "thermal", "eco", NULL};
  gs_errbuf_t eb = {{0}};
  gs_dist_t d;
  cJSON *j = cJSON_Parse("\"eco\"");
  ck_assert_int_eq(gs_dist_parse_enum(j, modes, "e.json", "m", &d, &eb), GS_OK);
  ck_assert_int_eq(d.kind, GS_DIST_CONST);
  ck_assert_double_eq(d.p[0], 2);
  cJSON_Delete(j);
  gs_dist_free(&d);

  j = cJSON_Parse(
      "{\"dist\":\"choice\",\"values\":[\"thermal\",\"eco\"],"
      "\"weights\":[1,3]}");
  ck_assert_int_eq(gs_dist_parse_enum(j, modes, "e.json", "m", &d, &eb), GS_OK);
  ck_assert_int_eq(d.kind, GS_DIST_CHOICE);
  ck_assert_double_eq_tol(gs_dist_mean(&d), 1.75, 1e-12);
  cJSON_Delete(j);
  gs_dist_free(&d);

  j = cJSON_Parse("\"turbo\"");
  ck_assert_int_eq(gs_dist_parse_enum(j, modes, "e.json", "m", &d, &eb),
                   GS_ESCENARIO);
  ck_assert_msg(
      strstr(eb.msg, "e.json: m: expected one of \"reference\"") != NULL,
      "message: %s", eb.msg);
  cJSON_Delete(j);

  j = cJSON_Parse("{\"dist\":\"choice\",\"values\":[\"eco\",\"x\"]}");
  ck_assert_int_eq(gs_dist_parse_enum(j, modes, "e.json", "m", &d, &eb),
                   GS_ESCENARIO);
  ck_assert_msg(strstr(eb.msg, "e.json: m.values[1]: expected") != NULL,
                "message: %s", eb.msg);
  cJSON_Delete(j);
}
END_TEST

Suite *dist_suite(void) {
  Suite *s = suite_create("dist");
  TCase *tc = tcase_create("core");
  tcase_add_loop_test(tc, test_moments, 0, N_MOMENTS);
  tcase_add_test(tc, test_constant);
  tcase_add_test(tc, test_truncation);
  tcase_add_test(tc, test_sample_in_spec_range);
  tcase_add_test(tc, test_choice_frequencies);
  tcase_add_test(tc, test_same_stream_same_samples);
  tcase_add_loop_test(tc, test_parse_errors, 0, N_BAD);
  tcase_add_test(tc, test_enum);
  suite_add_tcase(s, tc);
  return s;
}
