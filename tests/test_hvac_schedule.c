/* SPDX-License-Identifier: MIT */
/* Tests of the HVAC thermostat's away schedule: weekday calendar, the
 * return as an exact breakpoint of the model, and lazy weather steps
 * staying exact with the schedule on. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gridsim/engine.h"
#include "gridsim/meter.h"
#include "gridsim/rng.h"
#include "gridsim/scenario.h"
#include "hvac.h"
#include "models.h"
#include "test_util.h"
#include "weather.h"
#include "world.h"

/* 2026-07-15T00:00:00Z, a Wednesday. */
#define START_UNIX INT64_C(1784073600)

static void defaults(double *p) {
  for (size_t i = 0; i < GS_HVAC_NPARAMS; i++)
    p[i] = gs_model_hvac.params[i].def;
}

/* A cooling house holding 24 degC, set up 3 degC from 08:00 to 17:30. */
static void away_house(double *p) {
  defaults(p);
  p[GS_HVAC_P_AWAY] = 3;
  p[GS_HVAC_P_AWAY_START] = 8;
  p[GS_HVAC_P_AWAY_END] = 17.5;
  p[GS_HVAC_P_CRITICAL] = 0;
}

static gs_entity_id_t add_hvac(gs_engine_t *eng, uint64_t i, const double *p,
                               uint32_t meter, const gs_world_t *world) {
  gs_errbuf_t eb = {{0}};
  gs_entity_id_t id;
  gs_err_t err =
      gs_engine_add_entity(eng, &gs_model_hvac,
                           &(gs_model_init_t){.seed = 7,
                                              .key = gs_rng_key("test", i, 0),
                                              .params = p,
                                              .ven = GS_ENTITY_NONE,
                                              .meter = meter,
                                              .id = "hvac1",
                                              .world = world},
                           &id, &eb);
  ck_assert_msg(err == GS_OK, "add hvac: %s", eb.msg);
  return id;
}

/* The cooling edge (deadband high) at `t_us`. */
static double high_c(gs_engine_t *eng, gs_entity_id_t id, gs_time_us_t t_us) {
  double lo, hi;
  gs_hvac_edges_c(gs_engine_state(eng, id), t_us, &lo, &hi);
  return hi;
}

/* Without a scenario the clock starts at the epoch: 1970-01-01, a
 * Thursday, 00:00 UTC. With utc_offset_h -7, local 08:00 is sim 15:00 and
 * local 17:30 sim 00:30 of the next day: the window wraps midnight of the
 * sim clock, and its weekday is that of its local start. Thursday,
 * Friday and Monday are set up; Saturday and Sunday are not; away_days
 * "all" sets every day up. */
START_TEST(test_weekday_calendar) {
  /* The scenario loader finds the model's new parameters in its table. */
  const gs_model_type_t *t = gs_model_find("hvac");
  ck_assert_ptr_eq(t, &gs_model_hvac);
  ck_assert_str_eq(t->params[GS_HVAC_P_AWAY].name, "away_setup_c");
  ck_assert_str_eq(t->params[GS_HVAC_P_AWAY_DAYS].choices[1], "all");
  double p[GS_HVAC_NPARAMS];
  away_house(p);
  p[GS_HVAC_P_UTC_OFFSET] = -7;
  gs_engine_t *eng = gs_test_engine(1);
  gs_entity_id_t id = add_hvac(eng, 0, p, GS_METER_NONE, NULL);
  gs_time_us_t h = GS_US_PER_H, d = GS_US_PER_DAY;
  /* Local Thursday 07:59 and 08:00 (sim 14:59, 15:00). */
  ck_assert_double_eq_tol(high_c(eng, id, 15 * h - GS_US_PER_MIN), 24.5, 1e-9);
  ck_assert_double_eq_tol(high_c(eng, id, 15 * h), 27.5, 1e-9);
  /* Local Thursday 17:29 and 17:30 (sim day 1, 00:29 and 00:30). */
  ck_assert_double_eq_tol(high_c(eng, id, d + 29 * GS_US_PER_MIN), 27.5, 1e-9);
  ck_assert_double_eq_tol(high_c(eng, id, d + 30 * GS_US_PER_MIN), 24.5, 1e-9);
  /* Friday 09:00, Saturday 09:00 and 17:15, Sunday 09:00, Monday 09:00. */
  ck_assert_double_eq_tol(high_c(eng, id, d + 16 * h), 27.5, 1e-9);
  ck_assert_double_eq_tol(high_c(eng, id, 2 * d + 16 * h), 24.5, 1e-9);
  ck_assert_double_eq_tol(high_c(eng, id, 3 * d + 15 * GS_US_PER_MIN), 24.5,
                          1e-9);
  ck_assert_double_eq_tol(high_c(eng, id, 3 * d + 16 * h), 24.5, 1e-9);
  ck_assert_double_eq_tol(high_c(eng, id, 4 * d + 16 * h), 27.5, 1e-9);
  gs_engine_destroy(eng);

  p[GS_HVAC_P_AWAY_DAYS] = 1; /* all */
  eng = gs_test_engine(1);
  id = add_hvac(eng, 0, p, GS_METER_NONE, NULL);
  ck_assert_double_eq_tol(high_c(eng, id, 2 * d + 16 * h), 27.5, 1e-9);
  ck_assert_double_eq_tol(high_c(eng, id, 3 * d + 16 * h), 27.5, 1e-9);
  gs_engine_destroy(eng);

  /* An away setup past the comfort limit (24 + 4.5 > 28 degC): no room
   * between setpoint and limit, so the comfort cost is 1 at or past the
   * limit and 0 before it (not a ratio of two negative spans). */
  away_house(p);
  p[GS_HVAC_P_AWAY] = 4.5;
  p[GS_HVAC_P_AWAY_DAYS] = 1;
  eng = gs_test_engine(1);
  id = add_hvac(eng, 0, p, GS_METER_NONE, NULL);
  ck_assert_int_eq(gs_engine_run(eng, 12 * h), GS_OK);
  gs_load_status_t st = gs_test_status(eng, &gs_model_hvac, id);
  ck_assert(st.comfort_cost == 0.0 || st.comfort_cost == 1.0);
  ck_assert_double_eq(st.comfort_cost,
                      gs_hvac_indoor_c(gs_engine_state(eng, id), 12 * h) >= 28
                          ? 1.0
                          : 0.0);
  gs_engine_finish(eng);
  gs_engine_destroy(eng);

  /* Heating: the away setback lowers the heating setpoint. */
  away_house(p);
  p[GS_HVAC_P_MODE] = GS_HVAC_MODE_HEAT_PUMP;
  p[GS_HVAC_P_OUTDOOR] = 0;
  eng = gs_test_engine(1);
  id = add_hvac(eng, 0, p, GS_METER_NONE, NULL);
  double lo, hi;
  gs_hvac_edges_c(gs_engine_state(eng, id), 12 * h, &lo, &hi);
  ck_assert_double_eq_tol(lo, 21 - 3 - 0.5, 1e-9);
  gs_engine_destroy(eng);
}
END_TEST

/* The return is a breakpoint of the model: a house holding its away band
 * (outdoors 35 degC, no weather) has its next event at 17:30:00 exactly,
 * whatever its thermostat was doing, and runs from that instant on (the
 * air, 26.5-27.5 degC, is far above the new 24.5 degC edge). */
START_TEST(test_return_breakpoint) {
  double p[GS_HVAC_NPARAMS];
  away_house(p);
  gs_engine_t *eng = gs_test_engine(2);
  uint32_t m = gs_test_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_hvac(eng, 0, p, m, NULL);
  gs_time_us_t ret_us = 17 * GS_US_PER_H + 30 * GS_US_PER_MIN;
  ck_assert_int_eq(gs_engine_run(eng, ret_us - 1), GS_OK);
  const void *st = gs_engine_state(eng, id);
  double ta = gs_hvac_indoor_c(st, ret_us - 1);
  ck_assert_double_ge(ta, 26.5 - 1e-6);
  ck_assert_double_le(ta, 27.5 + 1e-6);
  ck_assert_int_eq(gs_hvac_next_us(st), ret_us);
  ck_assert_int_eq(gs_engine_run(eng, ret_us), GS_OK);
  ck_assert(gs_hvac_running(gs_engine_state(eng, id)));
  /* The pull-down from the away band: it keeps running past 17:45. */
  ck_assert_int_eq(gs_engine_run(eng, ret_us + 15 * GS_US_PER_MIN), GS_OK);
  ck_assert(gs_hvac_running(gs_engine_state(eng, id)));
  /* And the leaving at 08:00 the next day is one too. */
  ck_assert_int_eq(gs_engine_run(eng, GS_US_PER_DAY + 8 * GS_US_PER_H - 1),
                   GS_OK);
  gs_time_us_t next_us = gs_hvac_next_us(gs_engine_state(eng, id));
  ck_assert_int_le(next_us, GS_US_PER_DAY + 8 * GS_US_PER_H);
  gs_engine_finish(eng);
  gs_engine_destroy(eng);
}
END_TEST

/* Lazy weather steps stay exact with the schedule: as the hvac suite's
 * test_lazy_steps_equal_eager, with the away window on a two-day hot
 * spell. One engine has a no-op event (PRICE without a price) at every
 * weather step; temperatures at every step and the energy agree to the
 * last bit. */
START_TEST(test_lazy_steps_with_schedule) {
  gs_weather_t *wx = NULL;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_weather_parse(NULL, "test", "weather", NULL, START_UNIX,
                                    2 * GS_US_PER_DAY, 4, &wx, &eb),
                   GS_OK);
  gs_world_t world;
  memset(&world, 0, sizeof world);
  world.weather = wx;
  double p[GS_HVAC_NPARAMS];
  away_house(p);
  p[GS_HVAC_P_AWAY_START] = 7 + 16 / 60.0; /* off the 5-min weather grid */
  p[GS_HVAC_P_AWAY_END] = 16 + 47 / 60.0;
  gs_engine_t *eng[2];
  gs_entity_id_t id[2];
  uint32_t m[2];
  for (int k = 0; k < 2; k++) {
    eng[k] = gs_test_engine(4);
    m[k] = gs_test_meter(eng[k], GS_METER_NONE);
    id[k] = add_hvac(eng[k], 0, p, m[k], &world);
  }
  gs_time_us_t end_us = 2 * GS_US_PER_DAY;
  for (gs_time_us_t t = gs_weather_next_change_us(wx, 0); t < end_us;
       t = gs_weather_next_change_us(wx, t))
    gs_engine_schedule(eng[1], id[1], t, GS_PHASE_MODEL, GS_EV_PRICE, 0, 0);
  for (gs_time_us_t t = gs_weather_next_change_us(wx, 0); t < end_us;
       t = gs_weather_next_change_us(wx, t)) {
    for (int k = 0; k < 2; k++)
      ck_assert_int_eq(gs_engine_run(eng[k], t), GS_OK);
    ck_assert_double_eq(gs_hvac_indoor_c(gs_engine_state(eng[0], id[0]), t),
                        gs_hvac_indoor_c(gs_engine_state(eng[1], id[1]), t));
  }
  for (int k = 0; k < 2; k++)
    ck_assert_int_eq(gs_engine_run(eng[k], end_us), GS_OK);
  int64_t e0 = gs_meters_energy_mws(gs_engine_meters(eng[0]), m[0], end_us);
  int64_t e1 = gs_meters_energy_mws(gs_engine_meters(eng[1]), m[1], end_us);
  ck_assert_int_eq(e0, e1);
  ck_assert_int_gt(e0, 0);
  /* The setup saves energy against the same house without it. */
  p[GS_HVAC_P_AWAY] = 0;
  gs_engine_t *flat = gs_test_engine(4);
  uint32_t mf = gs_test_meter(flat, GS_METER_NONE);
  add_hvac(flat, 0, p, mf, &world);
  ck_assert_int_eq(gs_engine_run(flat, end_us), GS_OK);
  ck_assert_int_lt(e0,
                   gs_meters_energy_mws(gs_engine_meters(flat), mf, end_us));
  gs_engine_finish(flat);
  gs_engine_destroy(flat);
  for (int k = 0; k < 2; k++) {
    gs_engine_finish(eng[k]);
    gs_engine_destroy(eng[k]);
  }
  gs_weather_free(wx);
}
END_TEST

/* Malformed away parameters are refused with the JSON path, the range
 * expected and the value found. */
START_TEST(test_bad_away_params) {
  static const struct {
    const char *param, *msg;
  } cases[] = {
      {"\"away_start_h\": 25",
       "inline.json: fleet[0].loads[0].params.away_start_h: expected a "
       "number in [0, 24] (h), found 25"},
      {"\"away_days\": \"sometimes\"",
       "inline.json: fleet[0].loads[0].params.away_days: expected one of "
       "\"weekdays\", \"all\""},
      {"\"away_setup_c\": -1",
       "inline.json: fleet[0].loads[0].params.away_setup_c: expected a "
       "number in [0, 10] (degC), found -1"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[512];
    snprintf(text, sizeof text,
             "{\"name\":\"t\",\"start\":\"2026-07-15T00:00:00Z\","
             "\"duration_s\":3600,\"fleet\":[{\"name\":\"a\",\"count\":1,"
             "\"loads\":[{\"type\":\"hvac\",\"id\":\"h\",\"params\":{%s}}]}]}",
             cases[i].param);
    gs_scenario_t *sc = NULL;
    gs_errbuf_t eb = {{0}};
    ck_assert_int_eq(
        gs_scenario_load_string(text, "inline.json", NULL, &sc, &eb),
        GS_ESCENARIO);
    ck_assert_ptr_null(sc);
    ck_assert_msg(strstr(eb.msg, cases[i].msg) != NULL, "got: %s", eb.msg);
  }
}
END_TEST

Suite *hvac_schedule_suite(void) {
  Suite *s = suite_create("hvac_schedule");
  TCase *tc = tcase_create("hvac_schedule");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_weekday_calendar);
  tcase_add_test(tc, test_return_breakpoint);
  tcase_add_test(tc, test_lazy_steps_with_schedule);
  tcase_add_test(tc, test_bad_away_params);
  suite_add_tcase(s, tc);
  return s;
}
