/* SPDX-License-Identifier: MIT */
/* Utility baselines on hand-built series, and end to end against the twin. */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "dr_perf.h"
#include "scenario_priv.h"

/* ---- Hand-built series: hourly samples, local midnight at t = 0 ---- */

#define H GS_US_PER_H
#define DAYS 12
#define N (DAYS * 24 + 1)

/* Event-window load (kW) at 17:00 on the day `d` days before the last
 * day; at 18:00 it is 20 kW more. Every other hour draws 1000 kW. */
static const int64_t level_kw[DAYS] = {0,   100, 300, 200, 500, 400,
                                       150, 250, 350, 450, 50,  600};

typedef struct fixture {
  int64_t p[N];
  double t[N];
  gs_baseline_span_t events[2];
  gs_baseline_series_t s;
  gs_baseline_span_t ev; /* 17:00-19:00 on the last day (day 11) */
} fixture_t;

static void build(fixture_t *f) {
  memset(f, 0, sizeof *f);
  for (size_t i = 0; i < N; i++) {
    size_t day = i / 24, hour = i % 24, back = DAYS - 1 - day;
    int64_t kw = 1000;
    if (hour == 17) kw = level_kw[back];
    if (hour == 18) kw = level_kw[back] + 20;
    f->p[i] = kw * 1000000;
  }
  f->ev = (gs_baseline_span_t){11 * 24 * H + 17 * H, 11 * 24 * H + 19 * H};
  f->events[0] = f->ev;
  f->s = (gs_baseline_series_t){.power_mw = f->p, .n = N, .step_us = H,
                                .events = f->events, .n_events = 1};
}

static gs_baseline_cfg_t cfg_xy(uint32_t x, uint32_t y) {
  gs_baseline_cfg_t c;
  gs_baseline_cfg_default(&c);
  c.x = x;
  c.y = y;
  return c;
}

static uint64_t mask(const uint32_t *d, size_t n) {
  uint64_t m = 0;
  for (size_t k = 0; k < n; k++) m |= UINT64_C(1) << (d[k] - 1);
  return m;
}

START_TEST(x_of_y_picks_the_highest_recent_days) {
  static fixture_t f;
  build(&f);
  gs_baseline_cfg_t c = cfg_xy(3, 5);
  gs_baseline_result_t r;
  gs_baseline_x_of_y(&f.s, f.ev, &c, &r);
  ck_assert_msg(r.ok, "%s", r.note);
  /* Days 1..5 back draw 100, 300, 200, 500, 400: the highest 3 are days
   * 4, 5, 2, and each averages its 17:00 and 18:00 (+20). */
  ck_assert_uint_eq(r.n_days, 3);
  ck_assert_uint_eq(r.days_mask, mask((uint32_t[]){4, 5, 2}, 3));
  ck_assert_double_eq(r.kw, (500 + 400 + 300) / 3.0 + 10);
  ck_assert_double_eq(r.unadjusted_kw, r.kw);
  ck_assert_str_eq(r.note, "");
  /* An event on day 2 back takes that day out: now days 1, 3, 4, 5, 6
   * (100, 200, 500, 400, 150) and the highest 3 are 4, 5, 3. */
  f.events[1] = (gs_baseline_span_t){9 * 24 * H + 10 * H, 9 * 24 * H + 11 * H};
  f.s.n_events = 2;
  gs_baseline_x_of_y(&f.s, f.ev, &c, &r);
  ck_assert(r.ok);
  ck_assert_uint_eq(r.days_mask, mask((uint32_t[]){4, 5, 3}, 3));
  ck_assert_double_eq_tol(r.kw, (500 + 400 + 200) / 3.0 + 10, 1e-9);
  /* 10 of 10 averages every eligible day: all but day 2 of days 1..11. */
  c = cfg_xy(10, 10);
  gs_baseline_x_of_y(&f.s, f.ev, &c, &r);
  ck_assert_msg(r.ok, "%s", r.note);
  int64_t sum = 0;
  for (size_t d = 1; d <= 11; d++) sum += d == 2 ? 0 : level_kw[d];
  ck_assert_double_eq(r.kw, (double)sum / 10 + 10);
  ck_assert_uint_eq(r.days_mask, 0x7FD);
}
END_TEST

START_TEST(eligible_days_skip_event_days_and_stop_at_the_series) {
  static fixture_t f;
  build(&f);
  uint32_t d[64];
  /* An event crossing midnight into day 9 marks days 8 and 9. */
  f.events[1] = (gs_baseline_span_t){8 * 24 * H + 23 * H, 9 * 24 * H + 1 * H};
  f.s.n_events = 2;
  size_t n = gs_baseline_eligible_days(&f.s, f.ev, 0, 45, d, 64);
  ck_assert_uint_eq(n, 9);
  ck_assert_uint_eq(mask(d, n), 0x7FF & ~(UINT64_C(1) << 1 | UINT64_C(1) << 2));
  /* The look-back bounds the search; 18 h of pre-window drops day 11
   * (its 17:00 - 18 h is before the series). */
  ck_assert_uint_eq(gs_baseline_eligible_days(&f.s, f.ev, 0, 4, d, 64), 2);
  ck_assert_uint_eq(gs_baseline_eligible_days(&f.s, f.ev, 18 * H, 45, d, 64),
                    8);
  ck_assert_uint_eq(d[7], 10);
  /* Days are local: with midnight at 06:00 the event lies on one day
   * only (the one holding 17:00 of day 8), so day 2 back is eligible. */
  f.s.midnight_us = 6 * H;
  n = gs_baseline_eligible_days(&f.s, f.ev, 0, 45, d, 64);
  ck_assert_uint_eq(n, 10);
  ck_assert_uint_eq(mask(d, n), 0x7FF & ~(UINT64_C(1) << 2));
}
END_TEST

START_TEST(adjustment_and_its_cap) {
  static fixture_t f;
  build(&f);
  gs_baseline_cfg_t c = cfg_xy(3, 5); /* unadjusted: 410 kW */
  double base = (500 + 400 + 300) / 3.0 + 10;
  struct {
    int64_t window_kw;
    gs_baseline_adjust_t how;
    double kw, adjust;
    bool capped;
  } cases[] = {
      /* Window 13:00-16:00 (4 h to 1 h before); history there is 1000. */
      {1100, GS_BASELINE_ADJUST_ADDITIVE, base + 100, 100, false},
      {1500, GS_BASELINE_ADJUST_ADDITIVE, base + 200, 200, true},
      {500, GS_BASELINE_ADJUST_ADDITIVE, base - 200, -200, true},
      {1100, GS_BASELINE_ADJUST_MULTIPLICATIVE, base * 1.1, 1.1, false},
      {1500, GS_BASELINE_ADJUST_MULTIPLICATIVE, base * 1.2, 1.2, true},
      {500, GS_BASELINE_ADJUST_MULTIPLICATIVE, base * 0.8, 0.8, true},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    for (size_t h = 13; h < 16; h++)
      f.p[11 * 24 + h] = cases[k].window_kw * 1000000;
    /* The hour just before the start is outside the window. */
    f.p[11 * 24 + 16] = 99999 * INT64_C(1000000);
    c.adjust = cases[k].how;
    gs_baseline_result_t r;
    gs_baseline_x_of_y(&f.s, f.ev, &c, &r);
    ck_assert_msg(r.ok, "case %zu: %s", k, r.note);
    ck_assert_double_eq(r.unadjusted_kw, base);
    ck_assert_double_eq_tol(r.adjust, cases[k].adjust, 1e-9);
    ck_assert_double_eq_tol(r.kw, cases[k].kw, 1e-9);
    ck_assert_int_eq(r.capped, cases[k].capped);
  }
  /* A 40 % cap lets +50 % through as +40 %; 0 % forbids any. */
  c.adjust = GS_BASELINE_ADJUST_MULTIPLICATIVE;
  c.adjust_cap = 0.4;
  gs_baseline_result_t r;
  gs_baseline_x_of_y(&f.s, f.ev, &c, &r);
  ck_assert_double_eq_tol(r.kw, base * 0.6, 1e-9); /* window is 500 */
  c.adjust_cap = 0;
  gs_baseline_x_of_y(&f.s, f.ev, &c, &r);
  ck_assert_double_eq(r.kw, base);
  ck_assert(r.capped);
  /* A window too short for an hourly sample is refused. */
  c.adjust_from_us = 2 * H + 1800 * GS_US_PER_S;
  c.adjust_to_us = 2 * H;
  gs_baseline_x_of_y(&f.s, f.ev, &c, &r);
  ck_assert(!r.ok);
  ck_assert_str_eq(r.note, "the adjustment window holds no output sample");
}
END_TEST

START_TEST(too_few_days_is_null_with_a_reason) {
  static fixture_t f;
  build(&f);
  /* The event on the first day of the series has no history at all. */
  gs_baseline_span_t first = {17 * H, 19 * H};
  f.events[0] = first;
  gs_baseline_cfg_t c;
  gs_baseline_cfg_default(&c);
  gs_baseline_result_t r;
  gs_baseline_x_of_y(&f.s, first, &c, &r);
  ck_assert(!r.ok);
  ck_assert_str_eq(r.note, "needs 10 eligible days, has 0");
  f.s.temp_c = f.t;
  gs_baseline_weather(&f.s, first, &c, &r);
  ck_assert(!r.ok);
  ck_assert_str_eq(r.note, "needs 10 eligible days, has 0");
  /* Eleven days back exist for the last day, but 45 are asked for. */
  f.events[0] = f.ev;
  c.lookback_days = 64;
  c.x = c.y = 45;
  gs_baseline_x_of_y(&f.s, f.ev, &c, &r);
  ck_assert_str_eq(r.note, "needs 45 eligible days, has 11");
  /* The regression needs temperatures; the step must divide a day. */
  f.s.temp_c = NULL;
  gs_baseline_weather(&f.s, f.ev, &c, &r);
  ck_assert_str_eq(r.note, "no outdoor temperature series");
  f.s.step_us = 7 * GS_US_PER_S;
  gs_baseline_x_of_y(&f.s, f.ev, &c, &r);
  ck_assert(!r.ok);
  ck_assert_str_eq(r.note, "the output interval (7 s) does not divide a day");
}
END_TEST

/* Load a(h) + b(h) T with a different line at every hour of the day. */
static double line_a(size_t h) { return 100 + 3.0 * (double)h; }
static double line_b(size_t h) { return 5 + 0.5 * (double)h; }

START_TEST(regression_recovers_a_linear_load) {
  static fixture_t f;
  build(&f);
  for (size_t i = 0; i < N; i++) {
    size_t day = i / 24, h = i % 24;
    /* Temperatures vary from day to day and hour to hour; the event day
     * is hotter than any history day, so the fit must extrapolate. */
    f.t[i] = day == 11 ? 44 + 0.5 * (double)(h % 3)
                       : 20 + (double)((day * 7) % 11) + 0.5 * (double)h;
    f.p[i] = llround((line_a(h) + line_b(h) * f.t[i]) * 1e6);
  }
  f.s.temp_c = f.t;
  gs_baseline_cfg_t c;
  gs_baseline_cfg_default(&c);
  gs_baseline_result_t r;
  gs_baseline_weather(&f.s, f.ev, &c, &r);
  ck_assert_msg(r.ok, "%s", r.note);
  double want = 0, slope = 0;
  for (size_t h = 17; h < 19; h++) {
    want += (line_a(h) + line_b(h) * f.t[11 * 24 + h]) / 2;
    slope += line_b(h) / 2;
  }
  ck_assert_double_eq_tol(r.kw, want, 1e-9 * want);
  ck_assert_double_eq_tol(r.slope_kw_per_c, slope, 1e-9);
  ck_assert_uint_eq(r.n_days, 10);
  ck_assert_uint_eq(r.days_mask, 0x3FF); /* days 1..10 back */
  ck_assert_str_eq(r.note, "");
  /* The same days' plain average misses the heat by far. */
  gs_baseline_result_t xy;
  gs_baseline_x_of_y(&f.s, f.ev, &c, &xy);
  ck_assert_double_lt(xy.kw, want - 50);
  /* Equal temperatures on every day: the fit is their mean, noted. */
  for (size_t i = 0; i < N; i++) f.t[i] = 30;
  gs_baseline_weather(&f.s, f.ev, &c, &r);
  ck_assert(r.ok);
  ck_assert_double_eq_tol(r.kw, xy.kw, 1e-9);
  ck_assert_str_eq(r.note, "temperature the same on every history day: "
                           "the regression is their mean");
}
END_TEST

/* ---- The scenario key ---- */

static gs_err_t parse(const char *text, gs_baseline_cfg_t *c, char *msg) {
  cJSON *j = cJSON_Parse(text);
  ck_assert_ptr_nonnull(j);
  gs_errbuf_t eb = {{0}};
  gs_err_t err = gs_baseline_parse(j, "t.json", "program.baselines", c, &eb);
  strcpy(msg, eb.msg);
  cJSON_Delete(j);
  return err;
}

START_TEST(parse_reads_and_defaults) {
  gs_baseline_cfg_t c;
  char msg[GS_ERRBUF_SIZE];
  ck_assert_int_eq(gs_baseline_parse(NULL, "t.json", "program.baselines", &c,
                                     NULL),
                   GS_OK);
  ck_assert_uint_eq(c.x, 10);
  ck_assert_uint_eq(c.y, 10);
  ck_assert_uint_eq(c.lookback_days, 45);
  ck_assert_int_eq(c.adjust, GS_BASELINE_ADJUST_NONE);
  ck_assert_int_eq(c.adjust_from_us, 4 * H);
  ck_assert_int_eq(c.adjust_to_us, 1 * H);
  ck_assert_uint_eq(c.weather_days, 10);
  ck_assert_int_eq(parse("{\"x_of_y\":{\"x\":4,\"y\":5,\"adjust\":"
                         "\"multiplicative\",\"adjust_cap\":0.4,"
                         "\"adjust_from_s\":7200,\"adjust_to_s\":1800},"
                         "\"weather\":{\"history_days\":20},\"_c\":1}",
                         &c, msg),
                   GS_OK);
  ck_assert_uint_eq(c.x, 4);
  ck_assert_uint_eq(c.y, 5);
  ck_assert_int_eq(c.adjust, GS_BASELINE_ADJUST_MULTIPLICATIVE);
  ck_assert_double_eq(c.adjust_cap, 0.4);
  ck_assert_int_eq(c.adjust_from_us, 2 * H);
  ck_assert_int_eq(c.adjust_to_us, H / 2);
  ck_assert_uint_eq(c.weather_days, 20);
  char desc[64];
  gs_baseline_describe_x_of_y(&c, desc, sizeof desc);
  ck_assert_str_eq(desc, "highest 4 of 5 days, multiplicative (cap 40 %)");
  /* x defaults to y; a shorter look-back shortens the default days. */
  ck_assert_int_eq(parse("{\"x_of_y\":{\"y\":5}}", &c, msg), GS_OK);
  ck_assert_uint_eq(c.x, 5);
  ck_assert_int_eq(parse("{\"lookback_days\":7}", &c, msg), GS_OK);
  ck_assert_uint_eq(c.y, 7);
  ck_assert_uint_eq(c.weather_days, 7);
  /* Too short a look-back for a regression: noted when it runs. */
  ck_assert_int_eq(parse("{\"lookback_days\":2}", &c, msg), GS_OK);
  ck_assert_uint_eq(c.weather_days, 2);
  static fixture_t f;
  build(&f);
  f.s.temp_c = f.t;
  gs_baseline_result_t r;
  gs_baseline_weather(&f.s, f.ev, &c, &r);
  ck_assert(!r.ok);
  ck_assert_str_eq(r.note, "needs 3 eligible days, has at most 2");
  /* A window ending before the default end (1 h) ends at the start. */
  ck_assert_int_eq(parse("{\"x_of_y\":{\"adjust_from_s\":1800}}", &c, msg),
                   GS_OK);
  ck_assert_int_eq(c.adjust_to_us, 0);
}
END_TEST

START_TEST(parse_names_the_path_of_each_error) {
  static const struct {
    const char *json, *msg;
  } bad[] = {
      {"3", "t.json: program.baselines: expected an object {\"x_of_y\": {..},"
            " \"weather\": {..}}, found 3"},
      {"{\"xofy\":{}}", "t.json: program.baselines.xofy: expected one of "
                        "lookback_days, x_of_y, weather, found an unknown key"},
      {"{\"x_of_y\":[]}", "t.json: program.baselines.x_of_y: expected an "
                          "object {\"x\": 10, \"y\": 10, \"adjust\": ..}, "
                          "found []"},
      {"{\"x_of_y\":{\"z\":1}}",
       "t.json: program.baselines.x_of_y.z: expected one of x, y, adjust, "
       "adjust_cap, adjust_from_s, adjust_to_s, found an unknown key"},
      {"{\"x_of_y\":{\"x\":6,\"y\":5}}",
       "t.json: program.baselines.x_of_y.x: expected an integer in [1, 5] "
       "(days), found 6"},
      {"{\"x_of_y\":{\"y\":2.5}}", "t.json: program.baselines.x_of_y.y: "
                                   "expected an integer in [1, 45] (days), "
                                   "found 2.5"},
      {"{\"lookback_days\":9,\"x_of_y\":{\"y\":10}}",
       "t.json: program.baselines.x_of_y.y: expected an integer in [1, 9] "
       "(days), found 10"},
      {"{\"lookback_days\":65}", "t.json: program.baselines.lookback_days: "
                                 "expected an integer in [1, 64] (days), "
                                 "found 65"},
      {"{\"x_of_y\":{\"adjust\":\"mult\"}}",
       "t.json: program.baselines.x_of_y.adjust: expected \"none\", "
       "\"additive\" or \"multiplicative\", found \"mult\""},
      {"{\"x_of_y\":{\"adjust_cap\":1.5}}",
       "t.json: program.baselines.x_of_y.adjust_cap: expected a number in "
       "[0, 1], found 1.5"},
      {"{\"x_of_y\":{\"adjust_from_s\":0}}",
       "t.json: program.baselines.x_of_y.adjust_from_s: expected a number in "
       "(0, 86400] (s before the start), found 0"},
      {"{\"x_of_y\":{\"adjust_from_s\":7200,\"adjust_to_s\":7200}}",
       "t.json: program.baselines.x_of_y.adjust_to_s: expected a number in "
       "[0, 7200) (s before the start, less than adjust_from_s), found 7200"},
      {"{\"weather\":{\"history_days\":2}}",
       "t.json: program.baselines.weather.history_days: expected an integer "
       "in [3, 45] (days), found 2"},
      {"{\"weather\":{\"days\":2}}", "t.json: program.baselines.weather.days:"
                                     " expected one of history_days, found "
                                     "an unknown key"},
      {"{\"weather\":true}", "t.json: program.baselines.weather: expected an "
                             "object {\"history_days\": 10}, found true"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    gs_baseline_cfg_t c;
    char msg[GS_ERRBUF_SIZE];
    ck_assert_int_eq(parse(bad[k].json, &c, msg), GS_ESCENARIO);
    ck_assert_str_eq(msg, bad[k].msg);
  }
}
END_TEST

/* ---- End to end: eleven days of a default-like fleet ---- */

/* The built-in default fleet at a fifth of its size, run for 11 days with
 * hourly CSV weather whose daily highs vary from 31 to 41 degC, and its
 * 18:00 event moved to the last day. Written next to the test binary. */
static gs_scenario_t *eleven_days(void) {
  const char *csv = GS_BINARY_DIR "/baseline-weather.csv";
  FILE *f = fopen(csv, "w");
  ck_assert_ptr_nonnull(f);
  const double pi = acos(-1.0);
  fprintf(f, "timestamp,temp_c,ghi_w_m2\n");
  for (int i = 0; i <= 11 * 24; i++) {
    int day = i / 24, h = i % 24;
    double tmax = 31 + (double)((day * 7) % 11), tmin = tmax - 17;
    /* Coolest at 03:00, hottest at 15:00. */
    double swing = 0.5 - 0.5 * cos(2 * pi * (h - 3) / 24.0);
    double ghi = h > 5 && h < 20 ? 900 * sin(pi * (h - 5.5) / 14.5) : 0;
    fprintf(f, "%lld,%.2f,%.0f\n", (long long)(1783234800 + i * 3600),
            tmin + (tmax - tmin) * swing, ghi > 0 ? ghi : 0);
  }
  ck_assert_int_eq(fclose(f), 0);
  cJSON *j = cJSON_Parse(gs_default_scenario_json);
  ck_assert_ptr_nonnull(j);
  cJSON_DeleteItemFromObject(j, "$schema");
  cJSON_ReplaceItemInObject(j, "start",
                            cJSON_CreateString("2026-07-05T00:00:00-07:00"));
  cJSON_ReplaceItemInObject(j, "duration_s", cJSON_CreateNumber(11 * 86400));
  cJSON *w = cJSON_CreateObject();
  cJSON_AddStringToObject(w, "type", "csv");
  cJSON_AddStringToObject(w, "file", "baseline-weather.csv");
  cJSON_AddNumberToObject(w, "latitude_deg", 38.6);
  cJSON_AddNumberToObject(w, "longitude_deg", -121.5);
  cJSON_ReplaceItemInObject(j, "weather", w);
  cJSON *g;
  cJSON_ArrayForEach(g, cJSON_GetObjectItem(j, "fleet")) {
    cJSON *count = cJSON_GetObjectItem(g, "count");
    cJSON_SetNumberValue(count, count->valuedouble / 5);
  }
  cJSON *ev = cJSON_GetArrayItem(
      cJSON_GetObjectItem(cJSON_GetObjectItem(j, "program"), "events"), 0);
  cJSON *start = cJSON_GetObjectItem(ev, "start_s");
  ck_assert_ptr_nonnull(start);
  cJSON_SetNumberValue(start, 10 * 86400 + start->valuedouble);
  cJSON_SetNumberValue(cJSON_GetObjectItem(ev, "requested_kw"), 30);
  char *text = cJSON_Print(j);
  cJSON_Delete(j);
  const char *path = GS_BINARY_DIR "/baseline-11-days.json";
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  ck_assert_int_eq(fclose(f), 0);
  free(text);
  gs_scenario_t *s;
  gs_errbuf_t eb = {{0}};
  ck_assert_msg(gs_scenario_load_file(path, NULL, &s, &eb) == GS_OK, "%s",
                eb.msg);
  return s;
}

static void run(const gs_scenario_t *s, gs_series_t *series,
                gs_engine_t **eng, gs_world_t **w) {
  gs_errbuf_t eb = {{0}};
  *eng = gs_engine_create(&(gs_engine_config_t){.seed = s->seed}, NULL);
  ck_assert_msg(gs_world_build(s, *eng, w, &eb) == GS_OK, "%s", eb.msg);
  ck_assert_int_eq(gs_series_attach(series, *eng, (*w)->fleet_meter,
                                    s->output_interval_us),
                   GS_OK);
  ck_assert_int_eq(gs_engine_run(*eng, s->duration_us), GS_OK);
  gs_engine_finish(*eng);
}

START_TEST(end_to_end_against_the_twin) {
  static volatile sig_atomic_t never = 0;
  gs_scenario_t *s = eleven_days();
  gs_series_t actual = {0}, twin = {0};
  gs_engine_t *e;
  gs_world_t *w;
  run(s, &actual, &e, &w);
  gs_dr_result_t tr;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_dr_twin(s, 0, s->output_interval_us, &twin, &tr,
                              &never, &eb),
                   GS_OK);
  gs_dr_perf(w, 0, &actual, &twin, &tr);
  const gs_dr_result_t *r = &w->dr[0];
  const gs_dr_event_cfg_t *ev = &s->events[0];
  /* True delivery is the twin's energy minus the run's, exactly. */
  double h = (double)ev->duration_us / 3.6e9;
  double want = ((double)(tr.energy_end_mws - tr.energy_start_mws) -
                 (double)(r->energy_end_mws - r->energy_start_mws)) /
                3.6e9 / h;
  ck_assert(r->has_twin);
  ck_assert_double_eq_tol(r->delivered_kw_true, want, 1e-9);
  ck_assert_double_gt(r->delivered_kw_true, 1);
  /* 10 of 10 is the plain mean of days 1..10 back at the event's
   * instants, recomputed here from the series. */
  size_t step = (size_t)(s->output_interval_us / GS_US_PER_S);
  size_t i0 = (size_t)(ev->start_us / s->output_interval_us);
  size_t m = (size_t)(ev->duration_us / s->output_interval_us);
  size_t per_day = 86400 / step;
  int64_t sum = 0;
  for (size_t d = 1; d <= 10; d++)
    for (size_t i = i0; i < i0 + m; i++) sum += actual.power_mw[i - d * per_day];
  const gs_dr_baseline_t *xy = &r->baseline_x_of_y, *wx = &r->baseline_weather;
  const gs_dr_baseline_t *ven = &r->baseline_ven_5min;
  ck_assert_msg(xy->ok, "%s", xy->note);
  ck_assert_double_eq(xy->kw, (double)sum / (double)m / 10 / 1e6);
  ck_assert_uint_eq(xy->days_mask, 0x3FF);
  ck_assert_msg(wx->ok, "%s", wx->note);
  ck_assert_uint_eq(wx->n_days, 10);
  ck_assert_str_eq(wx->note, "");
  /* Hot days draw more: the fitted slope is positive. */
  ck_assert_double_gt(wx->slope_kw_per_c, 0);
  const gs_dr_baseline_t *all[] = {ven, xy, wx};
  for (size_t k = 0; k < 3; k++) {
    const gs_dr_baseline_t *b = all[k];
    printf("%-45s delivered %8.2f kW, true %7.2f kW, error %+8.2f kW "
           "(%+.0f %% of delivered, %+.1f %% of load)\n",
           b->method, b->delivered_kw, r->delivered_kw_true, b->error_kw,
           b->error_pct, b->error_load_pct);
    ck_assert(isfinite(b->kw) && isfinite(b->delivered_kw));
    ck_assert_double_eq_tol(b->delivered_kw, b->kw - r->mean_kw, 1e-9);
    ck_assert_double_eq_tol(b->delivered_kw - r->delivered_kw_true,
                            b->error_kw, 1e-9);
    ck_assert_double_ne(b->error_kw, 0);
    ck_assert_double_eq_tol(b->error_pct,
                            100 * b->error_kw / r->delivered_kw_true, 1e-9);
  }
  /* The summary JSON carries each method, with the days it used. */
  cJSON *o = cJSON_CreateObject();
  ck_assert(gs_dr_perf_baselines_json(o, r));
  const cJSON *d = cJSON_GetObjectItem(o, "delivered_kw_baseline");
  ck_assert_double_eq(cJSON_GetObjectItem(d, "x_of_y")->valuedouble,
                      xy->delivered_kw);
  const cJSON *bx = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "baselines"),
                                        "x_of_y");
  ck_assert_int_eq(
      cJSON_GetArraySize(cJSON_GetObjectItem(bx, "days_before_event")), 10);
  ck_assert_double_eq(cJSON_GetObjectItem(bx, "error_kw")->valuedouble,
                      xy->error_kw);
  ck_assert(cJSON_IsNull(cJSON_GetObjectItem(bx, "note")));
  cJSON_Delete(o);
  gs_series_free(&actual);
  gs_series_free(&twin);
  gs_engine_destroy(e);
  gs_world_free(w);
  gs_scenario_free(s);
}
END_TEST

/* The one-day default scenario has no history: null, with the reason,
 * in the result, the JSON and the printed line. */
START_TEST(one_day_has_no_history) {
  gs_scenario_t *s;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_scenario_load_default(NULL, &s, &eb), GS_OK);
  gs_series_t actual = {0};
  gs_engine_t *e;
  gs_world_t *w;
  run(s, &actual, &e, &w);
  gs_dr_perf(w, 0, &actual, NULL, NULL);
  const gs_dr_result_t *r = &w->dr[0];
  ck_assert(!r->has_twin);
  ck_assert(r->baseline_ven_5min.ok);
  ck_assert(isnan(r->baseline_ven_5min.error_kw));
  ck_assert(!r->baseline_x_of_y.ok);
  ck_assert_str_eq(r->baseline_x_of_y.note, "needs 10 eligible days, has 0");
  ck_assert_str_eq(r->baseline_weather.note, "needs 10 eligible days, has 0");
  cJSON *o = cJSON_CreateObject();
  ck_assert(gs_dr_perf_baselines_json(o, r));
  const cJSON *d = cJSON_GetObjectItem(o, "delivered_kw_baseline");
  ck_assert(cJSON_IsNull(cJSON_GetObjectItem(d, "x_of_y")));
  ck_assert(cJSON_IsNull(cJSON_GetObjectItem(d, "weather")));
  ck_assert_double_eq(cJSON_GetObjectItem(d, "ven_5min")->valuedouble,
                      r->delivered_kw_ven_baseline);
  const cJSON *bw = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "baselines"),
                                        "weather");
  ck_assert_str_eq(cJSON_GetObjectItem(bw, "note")->valuestring,
                   "needs 10 eligible days, has 0");
  ck_assert(cJSON_IsNull(cJSON_GetObjectItem(bw, "error_kw")));
  cJSON_Delete(o);
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  gs_dr_perf_baselines_print(mem, r);
  fclose(mem);
  ck_assert_msg(strstr(buf, "X-of-Y n/a (needs 10 eligible days, has 0)"),
                "%s", buf);
  free(buf);
  gs_series_free(&actual);
  gs_engine_destroy(e);
  gs_world_free(w);
  gs_scenario_free(s);
}
END_TEST

Suite *baseline_suite(void) {
  Suite *s = suite_create("baseline");
  TCase *tc = tcase_create("methods");
  tcase_add_test(tc, x_of_y_picks_the_highest_recent_days);
  tcase_add_test(tc, eligible_days_skip_event_days_and_stop_at_the_series);
  tcase_add_test(tc, adjustment_and_its_cap);
  tcase_add_test(tc, too_few_days_is_null_with_a_reason);
  tcase_add_test(tc, regression_recovers_a_linear_load);
  suite_add_tcase(s, tc);
  TCase *tp = tcase_create("parse");
  tcase_add_test(tp, parse_reads_and_defaults);
  tcase_add_test(tp, parse_names_the_path_of_each_error);
  suite_add_tcase(s, tp);
  TCase *te = tcase_create("end_to_end");
  tcase_set_timeout(te, 120);
  tcase_add_test(te, end_to_end_against_the_twin);
  tcase_add_test(te, one_day_has_no_history);
  suite_add_tcase(s, te);
  return s;
}
