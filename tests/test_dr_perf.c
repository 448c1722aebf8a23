/* SPDX-License-Identifier: MIT */
/* The counterfactual twin is the run without the event, to the milliwatt. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "comfort.h"
#include "dr_perf.h"
#include "scenario_priv.h"

/* Two events on sheddable refrigerators: the second must be untouched by
 * the removal of the first (its opt-out and loss draws are per event). */
static const char *two_events =
    "{\"name\":\"t\",\"start\":\"2026-07-15T00:00:00Z\",\"duration_s\":"
    "43200,\"seed\":4,\"output\":{\"interval_s\":60},"
    "\"fleet\":[{\"name\":\"h\",\"count\":60,\"ven\":{\"opt_out_prob\":0.3,"
    "\"shed_strategy\":\"thermal\","
    "\"loss_prob\":0.1},\"loads\":[{\"type\":\"fridge\",\"id\":\"fridge1\","
    "\"params\":{\"critical\":0}}]}],\"program\":{\"events\":["
    "%s{\"id\":\"b\",\"start_s\":28800,\"duration_s\":1800,"
    "\"requested_kw\":5}]}}";
static const char *event_a = "{\"id\":\"a\",\"start_s\":14400,\"duration_s\":"
                             "1200,\"requested_kw\":4},";

static gs_scenario_t *load(const char *first) {
  char text[2048];
  snprintf(text, sizeof text, two_events, first);
  gs_scenario_t *s;
  gs_errbuf_t eb = {{0}};
  ck_assert_msg(gs_scenario_load_string(text, "t.json", NULL, &s, &eb) ==
                    GS_OK,
                "%s", eb.msg);
  return s;
}

/* A plain run of `s`, returning its fleet series and world. */
static void plain_run(const gs_scenario_t *s, gs_series_t *series,
                      gs_engine_t **eng, gs_world_t **w) {
  gs_errbuf_t eb = {{0}};
  *eng = gs_engine_create(&(gs_engine_config_t){.seed = s->seed}, NULL);
  ck_assert_int_eq(gs_world_build(s, *eng, w, &eb), GS_OK);
  ck_assert_int_eq(gs_series_attach(series, *eng, (*w)->fleet_meter,
                                    s->output_interval_us),
                   GS_OK);
  ck_assert_int_eq(gs_comfort_observe(*w), GS_OK);
  ck_assert_int_eq(gs_engine_run(*eng, s->duration_us), GS_OK);
  gs_engine_finish(*eng);
}

START_TEST(twin_equals_run_without_event) {
  static volatile sig_atomic_t never = 0;
  gs_scenario_t *both = load(event_a), *without = load("");
  gs_series_t twin = {0}, sep = {0};
  gs_dr_result_t tr;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_dr_twin(both, 0, both->output_interval_us, &twin, &tr,
                              &never, &eb),
                   GS_OK);
  gs_engine_t *e;
  gs_world_t *w;
  plain_run(without, &sep, &e, &w);
  ck_assert_uint_eq(twin.n, 721);
  ck_assert_uint_eq(sep.n, twin.n);
  for (size_t i = 0; i < sep.n; i++)
    ck_assert_int_eq(twin.power_mw[i], sep.power_mw[i]);
  /* The suppressed event was scheduled but never sent. */
  ck_assert(tr.started && tr.ended);
  ck_assert_uint_eq(tr.targeted, 0);
  gs_series_free(&twin);
  gs_series_free(&sep);
  gs_engine_destroy(e);
  gs_world_free(w);
  gs_scenario_free(both);
  gs_scenario_free(without);
}
END_TEST

START_TEST(delivered_and_rebound_from_physics) {
  static volatile sig_atomic_t never = 0;
  gs_scenario_t *s = load(event_a);
  gs_series_t actual = {0}, twin = {0};
  gs_engine_t *e;
  gs_world_t *w;
  plain_run(s, &actual, &e, &w);
  gs_dr_result_t tr;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_dr_twin(s, 0, s->output_interval_us, &twin, &tr,
                              &never, &eb),
                   GS_OK);
  gs_dr_perf(w, 0, &actual, &twin, &tr);
  const gs_dr_result_t *r = &w->dr[0];
  ck_assert(r->has_twin);
  /* Fridges that were running were switched off: the fleet drew less than
   * its twin, by at most what was acknowledged, and came back above it
   * once the compartments warmed (the rebound). */
  printf("delivered %.3f kW, acked %.3f kW, rebound %.3f kW\n",
         r->delivered_kw_true, (double)r->acked_shed_mw / 1e6,
         r->rebound_peak_kw);
  ck_assert_double_gt(r->delivered_kw_true,
                      0.5 * (double)r->acked_shed_mw / 1e6);
  ck_assert_double_le(r->delivered_kw_true,
                      (double)r->acked_shed_mw / 1e6 + 1e-9);
  ck_assert_double_eq_tol(r->twin_mean_kw - r->mean_kw,
                          r->delivered_kw_true, 1e-12);
  ck_assert_double_gt(r->rebound_peak_kw, 0.2);
  ck_assert_double_ge(r->rebound_peak_at_s, 14400 + 1200);
  ck_assert_double_gt(r->rebound_duration_s, 0);
  ck_assert_double_gt(r->rebound_energy_kwh, 0);
  /* No HVAC in these homes: no comfort violation to count. */
  ck_assert_double_eq(r->comfort_deg_h, 0);
  ck_assert_double_eq(r->twin_comfort_deg_h, 0);
  /* Before the event the two runs are the same to the milliwatt. */
  for (size_t i = 0; i < 14400 / 60; i++)
    ck_assert_int_eq(actual.power_mw[i], twin.power_mw[i]);
  gs_series_free(&actual);
  gs_series_free(&twin);
  gs_engine_destroy(e);
  gs_world_free(w);
  gs_scenario_free(s);
}
END_TEST

/* With notice, thermostats that pre-cool draw more in the hour before the
 * event than their twin, which never hears of it. */
START_TEST(notice_drives_precooling) {
  static volatile sig_atomic_t never = 0;
  const char *text =
      "{\"name\":\"p\",\"start\":\"2026-07-15T00:00:00-07:00\","
      "\"utc_offset_h\":-7,\"duration_s\":86400,\"output\":{"
      "\"interval_s\":300},\"fleet\":[{\"name\":\"h\",\"count\":40,"
      "\"ven\":{\"shed_strategy\":\"thermal\"},\"loads\":[{\"type\":"
      "\"hvac\",\"id\":\"hvac1\",\"params\":{\"critical\":0,"
      "\"precool_s\":3600}}]}],\"program\":{\"events\":[{\"id\":\"e\","
      "\"start_s\":61200,\"duration_s\":3600,\"requested_kw\":40,"
      "\"notice_s\":86400}]}}";
  gs_scenario_t *s;
  gs_errbuf_t eb = {{0}};
  ck_assert_msg(gs_scenario_load_string(text, "p.json", NULL, &s, &eb) ==
                    GS_OK,
                "%s", eb.msg);
  gs_series_t actual = {0}, twin = {0};
  gs_engine_t *e;
  gs_world_t *w;
  plain_run(s, &actual, &e, &w);
  gs_dr_result_t tr;
  ck_assert_int_eq(gs_dr_twin(s, 0, s->output_interval_us, &twin, &tr,
                              &never, &eb),
                   GS_OK);
  /* Mean power over the pre-cooling hour, 16:00-17:00 local. */
  double pre = 0, pre_twin = 0;
  for (size_t i = 57600 / 300; i < 61200 / 300; i++) {
    pre += (double)actual.power_mw[i];
    pre_twin += (double)twin.power_mw[i];
  }
  ck_assert_double_gt(pre, 1.1 * pre_twin);
  /* Before the pre-cooling hour the two runs are the same. */
  for (size_t i = 0; i < 57600 / 300; i++)
    ck_assert_int_eq(actual.power_mw[i], twin.power_mw[i]);
  gs_dr_perf(w, 0, &actual, &twin, &tr);
  ck_assert_double_gt(w->dr[0].delivered_kw_true, 0);
  /* Setpoint offsets let the houses warm past their occupants' deadband:
   * the comfort violation is real, and larger than the twin's. */
  ck_assert_double_gt(w->dr[0].comfort_deg_h, 1.0);
  ck_assert_double_gt(w->dr[0].comfort_deg_h,
                      w->dr[0].twin_comfort_deg_h + 1.0);
  gs_series_free(&actual);
  gs_series_free(&twin);
  gs_engine_destroy(e);
  gs_world_free(w);
  gs_scenario_free(s);
}
END_TEST

Suite *dr_perf_suite(void) {
  Suite *s = suite_create("dr_perf");
  TCase *tc = tcase_create("twin");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, twin_equals_run_without_event);
  tcase_add_test(tc, delivered_and_rebound_from_physics);
  tcase_add_test(tc, notice_drives_precooling);
  suite_add_tcase(s, tc);
  return s;
}
