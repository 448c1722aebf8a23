/* SPDX-License-Identifier: MIT */
/* Tests of the EV charger model against its closed forms and the travel
 * distributions it is configured with. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "ev.h"
#include "gridsim/engine.h"
#include "gridsim/meter.h"
#include "gridsim/rng.h"
#include "models.h"
#include "test_util.h"

/* The defaults, restated so the expectations below do not come from the
 * model's own table (test_defaults checks that they agree). */
#define BATTERY_KWH  65.0
#define KWH_PER_MI   0.30
#define MI_MEAN      35.0
#define MI_SIGMA     1.0
#define ARR_H        17.8
#define ARR_SD_H     2.5
#define DEP_H        7.5
#define DEP_SD_H     1.0
#define PLUG_PROB    0.85
#define CHARGER_KW   7.2
#define BREAKER_A    50.0
#define EFF          0.9
#define P_MW         INT64_C(7200000) /* 7.2 kW: below 40 A x 240 V */
#define MIN_MW       INT64_C(1440000) /* 6 A x 240 V */
#define MWUS_PER_KWH 3.6e15
#define CAP_KWH      (BATTERY_KWH / EFF)

/* The deterministic commuter: no spread in times or miles, always plugs in
 * (200 mi x 0.3 kWh/mi = 60 kWh a day, 8.3 h at 7.2 kW, home 17:48 to
 * 07:30). */
#define C_ARR_US (INT64_C(64080) * GS_US_PER_S)
#define C_DEP_US (INT64_C(27000) * GS_US_PER_S)

static void defaults(double *p) { gs_test_defaults(&gs_model_ev, p); }

static void commuter(double *p) {
  defaults(p);
  p[GS_EV_P_MI_MEAN] = 200;
  p[GS_EV_P_MI_SIGMA] = 0;
  p[GS_EV_P_ARRIVAL_SD] = 0;
  p[GS_EV_P_DEPART_SD] = 0;
  p[GS_EV_P_PLUG_PROB] = 1;
}

static gs_engine_t *make_engine(uint64_t seed) { return gs_test_engine(seed); }

static uint32_t add_meter(gs_engine_t *eng, uint32_t parent) {
  return gs_test_meter(eng, parent);
}

/* Adds EV number `i` (its stream key is ("test", i, 0)). */
static gs_entity_id_t add_ev(gs_engine_t *eng, uint64_t seed, uint64_t i,
                             const double *p, uint32_t meter) {
  return gs_test_add_load(eng, &gs_model_ev, seed, i, p, meter, "ev1");
}

static gs_load_status_t status(gs_engine_t *eng, gs_entity_id_t id) {
  return gs_test_status(eng, &gs_model_ev, id);
}

static int64_t power_mw(gs_engine_t *eng, gs_entity_id_t id) {
  return status(eng, id).power_mw;
}

static void run_to(gs_engine_t *eng, gs_time_us_t t_us) {
  ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
}

static void send(gs_engine_t *eng, gs_entity_id_t id, uint16_t kind,
                 int64_t arg, uint32_t arg2) {
  gs_time_us_t now_us = gs_engine_now(eng);
  gs_engine_schedule(eng, id, now_us, GS_PHASE_COMMAND, kind, arg, arg2);
  run_to(eng, now_us);
}

static int64_t energy_mws(gs_engine_t *eng, uint32_t m) {
  return gs_meters_energy_mws(gs_engine_meters(eng), m, gs_engine_now(eng));
}

static void finish(gs_engine_t *eng) {
  gs_engine_finish(eng);
  gs_engine_destroy(eng);
}

/* Runs to the EV's next arrival home (in tests the local day starts at
 * t = 0) and checks it happens at the drawn instant. */
static gs_time_us_t run_to_arrival(gs_engine_t *eng, gs_entity_id_t id,
                                   int64_t *day_out, int64_t *before_mwus) {
  const void *st = gs_engine_state(eng, id);
  if (gs_ev_at_home(st)) run_to(eng, gs_ev_departure_us(st));
  ck_assert(!gs_ev_at_home(st));
  gs_time_us_t dep_us = gs_engine_now(eng);
  /* The morning's departure names the day (arrival may pass midnight). */
  int64_t day = dep_us / GS_US_PER_DAY;
  if (day_out) *day_out = day;
  gs_time_us_t arr_us = gs_ev_draw_arrival_us(st, day, dep_us);
  run_to(eng, arr_us - 1);
  ck_assert(!gs_ev_at_home(st));
  if (before_mwus) *before_mwus = gs_ev_deficit_mwus(st, arr_us - 1);
  run_to(eng, arr_us);
  ck_assert(gs_ev_at_home(st));
  return arr_us;
}

/* Expected daily grid energy of the defaults: E[min(X, c)] of the
 * lognormal X (mean 35 mi x 0.30 kWh/mi) capped at an empty battery,
 * c = 65 / 0.9 kWh. */
static double capped_daily_kwh(void) {
  double mu = log(MI_MEAN * KWH_PER_MI) - MI_SIGMA * MI_SIGMA / 2;
  double lc = log(CAP_KWH);
  return MI_MEAN * KWH_PER_MI *
             gsl_cdf_ugaussian_P((lc - mu - MI_SIGMA * MI_SIGMA) / MI_SIGMA) +
         CAP_KWH * gsl_cdf_ugaussian_Q((lc - mu) / MI_SIGMA);
}

START_TEST(test_defaults) {
  const gs_param_spec_t *ps = gs_model_ev.params;
  ck_assert_str_eq(gs_model_ev.name, "ev");
  ck_assert_int_eq(gs_model_ev.role, GS_ROLE_LOAD);
  ck_assert_uint_eq(gs_model_ev.n_params, GS_EV_NPARAMS);
  ck_assert_uint_le(gs_model_ev.state_size, 80);
  ck_assert_ptr_eq(gs_model_find("ev"), &gs_model_ev);
  ck_assert_double_eq(ps[GS_EV_P_BATTERY].def, BATTERY_KWH);
  ck_assert_double_eq(ps[GS_EV_P_KWH_PER_MI].def, KWH_PER_MI);
  ck_assert_double_eq(ps[GS_EV_P_MI_MEAN].def, MI_MEAN);
  ck_assert_double_eq(ps[GS_EV_P_MI_SIGMA].def, MI_SIGMA);
  ck_assert_double_eq(ps[GS_EV_P_ARRIVAL].def, ARR_H);
  ck_assert_double_eq(ps[GS_EV_P_ARRIVAL_SD].def, ARR_SD_H);
  ck_assert_double_eq(ps[GS_EV_P_DEPARTURE].def, DEP_H);
  ck_assert_double_eq(ps[GS_EV_P_DEPART_SD].def, DEP_SD_H);
  ck_assert_double_eq(ps[GS_EV_P_PLUG_PROB].def, PLUG_PROB);
  ck_assert_double_eq(ps[GS_EV_P_LEVEL].def, GS_EV_LEVEL_2);
  ck_assert_str_eq(ps[GS_EV_P_LEVEL].choices[GS_EV_LEVEL_2], "l2");
  ck_assert_str_eq(ps[GS_EV_P_LEVEL].choices[GS_EV_LEVEL_1], "l1");
  ck_assert_double_eq(ps[GS_EV_P_CHARGER_KW].def, CHARGER_KW);
  ck_assert_double_eq(ps[GS_EV_P_BREAKER].def, BREAKER_A);
  ck_assert_double_eq(ps[GS_EV_P_EFFICIENCY].def, EFF);
  ck_assert_double_eq(ps[GS_EV_P_DELAY].def, -1);
  ck_assert_double_eq(ps[GS_EV_P_RESPECT_DEP].def, 1);
  ck_assert_double_eq(ps[GS_EV_P_CRITICAL].def, 0);
  for (size_t i = 0; i < gs_model_ev.n_params; i++) {
    ck_assert_ptr_nonnull(ps[i].unit);
    ck_assert_ptr_nonnull(ps[i].doc);
    ck_assert(ps[i].def >= ps[i].min && ps[i].def <= ps[i].max);
  }
  /* J1772 levels, NEC 80 % of the breaker, the charger's rating. */
  ck_assert_int_eq(gs_ev_full_power_mw(GS_EV_LEVEL_2, 50, 7.2), P_MW);
  ck_assert_int_eq(gs_ev_full_power_mw(GS_EV_LEVEL_2, 50, 19.2), 9600000);
  ck_assert_int_eq(gs_ev_full_power_mw(GS_EV_LEVEL_2, 100, 19.2), 19200000);
  ck_assert_int_eq(gs_ev_full_power_mw(GS_EV_LEVEL_1, 50, 7.2), 1920000);
  ck_assert_int_eq(gs_ev_full_power_mw(GS_EV_LEVEL_1, 15, 7.2), 1440000);
  /* Closed forms of the finish and latest-start times. */
  ck_assert_int_eq(gs_ev_finish_us(100, 7, 2), 104);
  ck_assert_int_eq(gs_ev_finish_us(100, 8, 2), 104);
  ck_assert_int_eq(gs_ev_latest_us(0, 10, 0, 2, 100), 95);
  ck_assert_int_eq(gs_ev_latest_us(0, 10, 1, 2, 100), 190);
  ck_assert_int_eq(gs_ev_latest_us(50, 1000, 0, 2, 100), 50);
}
END_TEST

/* An EV with no DR receives exactly the energy it asked for: power P from
 * arrival to arrival + ceil(deficit / P), which is the battery energy
 * over (P x efficiency). */
START_TEST(test_unconstrained_energy) {
  double p[GS_EV_NPARAMS];
  defaults(p);
  p[GS_EV_P_PLUG_PROB] = 1;
  gs_engine_t *eng = make_engine(1);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_ev(eng, 1, 0, p, m);
  const void *st = gs_engine_state(eng, id);
  int checked = 0;
  for (int day = 0; day < 20; day++) {
    gs_time_us_t arr_us = run_to_arrival(eng, id, NULL, NULL);
    int64_t need_mwus = gs_ev_deficit_mwus(st, arr_us);
    gs_load_status_t s0 = status(eng, id);
    ck_assert(gs_ev_plugged(st));
    ck_assert_int_eq(s0.power_mw, P_MW);
    ck_assert_int_eq(s0.shed_capability_mw, P_MW);
    ck_assert_int_eq(s0.capacity_mw, 50 * 240 * 1000);
    gs_time_us_t full_us = arr_us + (need_mwus + P_MW - 1) / P_MW;
    uint16_t kind;
    ck_assert_int_eq(gs_ev_next_us(st, &kind), full_us);
    ck_assert_int_eq(kind, GS_EV_EV_FULL);
    ck_assert_int_lt(full_us, gs_ev_departure_us(st));
    /* Charge time = battery energy / (P x eff), from the SOC it reports. */
    double batt_kwh = (1 - s0.soc_pct / 100) * BATTERY_KWH;
    double want_s = batt_kwh / (CHARGER_KW * EFF) * 3600;
    ck_assert_double_eq_tol((double)(full_us - arr_us) / 1e6, want_s,
                            1e-6 * want_s + 1e-6);
    int64_t e0_mws = energy_mws(eng, m);
    run_to(eng, full_us - 1);
    ck_assert_int_eq(power_mw(eng, id), P_MW);
    run_to(eng, full_us);
    ck_assert_int_eq(power_mw(eng, id), 0);
    ck_assert_double_eq_tol(status(eng, id).soc_pct, 100, 1e-9);
    /* Delivered = P (finish - arrival), floored to mW s by the meter: the
     * request to within one microsecond of power, far below 1 mWh. */
    int64_t got_mws = energy_mws(eng, m) - e0_mws;
    double got_mwh = (double)got_mws / 3600.0;
    double want_mwh = (double)need_mwus / 3.6e9;
    ck_assert_double_eq_tol(got_mwh, want_mwh, 1.0);
    ck_assert_int_le(llabs(got_mws - need_mwus / 1000000), P_MW / 1000000 + 1);
    ck_assert_int_le(gs_ev_deficit_mwus(st, full_us), 0);
    ck_assert_int_gt(gs_ev_deficit_mwus(st, full_us), -P_MW);
    checked++;
  }
  ck_assert_int_eq(checked, 20);
  finish(eng);
}
END_TEST

/* The commuter at its day-0 arrival, charging 60 kWh at P. */
static gs_engine_t *commuter_at_arrival(double *p, uint32_t *m,
                                        gs_entity_id_t *id) {
  gs_engine_t *eng = make_engine(4);
  *m = add_meter(eng, GS_METER_NONE);
  *id = add_ev(eng, 4, 0, p, *m);
  run_to(eng, C_ARR_US);
  const void *st = gs_engine_state(eng, *id);
  ck_assert(gs_ev_plugged(st));
  ck_assert_int_eq(gs_ev_departure_us(st), GS_US_PER_DAY + C_DEP_US);
  return eng;
}

/* Deferral with slack: an hour's pause shifts the finish by exactly an
 * hour, the energy delivered is still the request, and departure is met
 * without an override. */
START_TEST(test_deferral_meets_departure) {
  double p[GS_EV_NPARAMS];
  commuter(p);
  uint32_t m;
  gs_entity_id_t id;
  gs_engine_t *eng = commuter_at_arrival(p, &m, &id);
  const void *st = gs_engine_state(eng, id);
  int64_t need_mwus = gs_ev_deficit_mwus(st, C_ARR_US);
  /* No spread: a full battery each morning, 60 kWh owed each evening. */
  ck_assert_double_eq_tol((double)need_mwus / MWUS_PER_KWH, 60, 1e-4);
  ck_assert_double_eq_tol(status(eng, id).soc_pct, 100 * (1 - 60 / CAP_KWH),
                          1e-4);
  /* Comfort: what is owed over what P can still deliver by departure. */
  gs_time_us_t dep_us = gs_ev_departure_us(st);
  ck_assert_double_eq_tol(
      status(eng, id).comfort_cost,
      (double)need_mwus / ((double)P_MW * (double)(dep_us - C_ARR_US)), 1e-12);
  int64_t e0_mws = energy_mws(eng, m);

  gs_time_us_t shed_us = C_ARR_US + 10 * GS_US_PER_MIN;
  run_to(eng, shed_us);
  send(eng, id, GS_EV_LOAD_SHED, P_MW, 0);
  gs_load_status_t s1 = status(eng, id);
  ck_assert_int_eq(s1.power_mw, 0);
  ck_assert(s1.shedding);
  ck_assert_int_eq(s1.shed_capability_mw, 0);
  /* The override is pending at the latest start, hours away. */
  int64_t rest_mwus = need_mwus - P_MW * 10 * GS_US_PER_MIN;
  uint16_t kind;
  gs_time_us_t late_us = dep_us - (rest_mwus + P_MW - 1) / P_MW;
  ck_assert_int_eq(gs_ev_next_us(st, &kind), late_us);
  ck_assert_int_eq(kind, GS_EV_EV_OVERRIDE);
  gs_time_us_t restore_us = shed_us + GS_US_PER_H;
  ck_assert_int_gt(late_us, restore_us);

  run_to(eng, restore_us);
  ck_assert_int_eq(power_mw(eng, id), 0);
  send(eng, id, GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert_int_eq(power_mw(eng, id), P_MW); /* the rebound: full power */
  ck_assert(!status(eng, id).shedding);
  gs_time_us_t full_us = C_ARR_US + (need_mwus + P_MW - 1) / P_MW + GS_US_PER_H;
  ck_assert_int_eq(gs_ev_next_us(st, &kind), full_us);
  run_to(eng, full_us - 1);
  ck_assert_int_eq(power_mw(eng, id), P_MW);
  run_to(eng, full_us);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert_int_lt(full_us, dep_us);
  int64_t got_mws = energy_mws(eng, m) - e0_mws;
  ck_assert_int_le(llabs(got_mws - need_mwus / 1000000), P_MW / 1000000 + 1);
  ck_assert_uint_eq(gs_ev_overridden(st), 0);
  finish(eng);
}
END_TEST

/* No slack: a shed that never ends is overridden at the closed-form
 * latest start, dep - ceil(rest / P), and the battery is still full at
 * departure. A late restore changes nothing. */
START_TEST(test_override_latest_start) {
  double p[GS_EV_NPARAMS];
  commuter(p);
  uint32_t m;
  gs_entity_id_t id;
  gs_engine_t *eng = commuter_at_arrival(p, &m, &id);
  const void *st = gs_engine_state(eng, id);
  int64_t need_mwus = gs_ev_deficit_mwus(st, C_ARR_US);
  gs_time_us_t dep_us = gs_ev_departure_us(st);
  int64_t e0_mws = energy_mws(eng, m);

  gs_time_us_t shed_us = C_ARR_US + 30 * GS_US_PER_MIN;
  run_to(eng, shed_us);
  send(eng, id, GS_EV_LOAD_SHED, INT64_MAX, 0);
  int64_t rest_mwus = need_mwus - P_MW * 30 * GS_US_PER_MIN;
  gs_time_us_t late_us = dep_us - (rest_mwus + P_MW - 1) / P_MW;
  run_to(eng, late_us - 1);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert(status(eng, id).shedding);
  ck_assert_uint_eq(gs_ev_overridden(st), 0);
  /* Comfort cost rises toward 1 as the latest start approaches. */
  ck_assert_double_ge(status(eng, id).comfort_cost, 0.999999);
  run_to(eng, late_us);
  ck_assert_int_eq(power_mw(eng, id), P_MW);
  ck_assert(!status(eng, id).shedding);
  ck_assert_uint_eq(gs_ev_overridden(st), 1);
  gs_time_us_t full_us = late_us + (rest_mwus + P_MW - 1) / P_MW;
  ck_assert_int_le(full_us, dep_us);
  run_to(eng, full_us);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert_int_le(gs_ev_deficit_mwus(st, full_us), 0);
  int64_t got_mws = energy_mws(eng, m) - e0_mws;
  ck_assert_int_le(llabs(got_mws - need_mwus / 1000000), P_MW / 1000000 + 1);
  send(eng, id, GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert_uint_eq(gs_ev_overridden(st), 1);

  /* With dr_respect_departure = 0 the same shed holds to departure. */
  finish(eng);
  p[GS_EV_P_RESPECT_DEP] = 0;
  eng = commuter_at_arrival(p, &m, &id);
  st = gs_engine_state(eng, id);
  run_to(eng, shed_us);
  send(eng, id, GS_EV_LOAD_SHED, INT64_MAX, 0);
  run_to(eng, dep_us - 1);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert_uint_eq(gs_ev_overridden(st), 0);
  ck_assert_int_eq(gs_ev_deficit_mwus(st, dep_us - 1), rest_mwus);
  finish(eng);
}
END_TEST

/* Throttling: a partial shed leaves draw - request, down to J1772's 6 A
 * (1.44 kW at 240 V); below that the charge pauses. The override of a
 * throttled charge comes at t0 + (P (dep - t0) - rest) / (P - p). */
START_TEST(test_throttle_minimum) {
  double p[GS_EV_NPARAMS];
  commuter(p);
  uint32_t m;
  gs_entity_id_t id;
  gs_engine_t *eng = commuter_at_arrival(p, &m, &id);
  const void *st = gs_engine_state(eng, id);
  gs_time_us_t dep_us = gs_ev_departure_us(st);

  run_to(eng, C_ARR_US + GS_US_PER_MIN);
  send(eng, id, GS_EV_LOAD_SHED, P_MW - 3000000, 0);
  ck_assert_int_eq(power_mw(eng, id), 3000000);
  ck_assert_int_eq(status(eng, id).shed_capability_mw, 3000000);
  ck_assert(status(eng, id).shedding);
  /* 60 kWh at 3 kW cannot finish by morning: an override is pending. */
  gs_time_us_t t0_us = gs_engine_now(eng);
  int64_t rest_mwus = gs_ev_deficit_mwus(st, t0_us);
  gs_time_us_t late_us =
      t0_us + (P_MW * (dep_us - t0_us) - rest_mwus) / (P_MW - 3000000);
  uint16_t kind;
  ck_assert_int_eq(gs_ev_next_us(st, &kind), late_us);
  ck_assert_int_eq(kind, GS_EV_EV_OVERRIDE);
  send(eng, id, GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert_int_eq(power_mw(eng, id), P_MW);

  /* Exactly the minimum is allowed; a hair below pauses. */
  send(eng, id, GS_EV_LOAD_SHED, P_MW - MIN_MW, 0);
  ck_assert_int_eq(power_mw(eng, id), MIN_MW);
  send(eng, id, GS_EV_LOAD_RESTORE, 0, 0);
  send(eng, id, GS_EV_LOAD_SHED, P_MW - MIN_MW + 1, 0);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert(status(eng, id).shedding);
  send(eng, id, GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert_int_eq(power_mw(eng, id), P_MW);
  /* A shed of nothing is no shed. */
  send(eng, id, GS_EV_LOAD_SHED, 0, 0);
  ck_assert(!status(eng, id).shedding);
  finish(eng);

  /* Level 1 (120 V): 16 A, minimum 6 A = 720 W; 6 kWh a day, so the
   * charge can finish by morning and the shed is not overridden. */
  commuter(p);
  p[GS_EV_P_LEVEL] = GS_EV_LEVEL_1;
  p[GS_EV_P_MI_MEAN] = 20;
  eng = commuter_at_arrival(p, &m, &id);
  ck_assert_int_eq(power_mw(eng, id), 1920000);
  ck_assert_int_eq(status(eng, id).capacity_mw, 50 * 120 * 1000);
  send(eng, id, GS_EV_LOAD_SHED, 1920000 - 720000, 0);
  ck_assert_int_eq(power_mw(eng, id), 720000);
  send(eng, id, GS_EV_LOAD_RESTORE, 0, 0);
  send(eng, id, GS_EV_LOAD_SHED, 1920000 - 719999, 0);
  ck_assert_int_eq(power_mw(eng, id), 0);
  finish(eng);
}
END_TEST

/* setLoad: a capacity limit throttles (and pauses below 6 A), disabled
 * is the breaker off; -1 lifts the limit. Critical EVs ignore sheds. */
START_TEST(test_set_load_and_critical) {
  double p[GS_EV_NPARAMS];
  commuter(p);
  uint32_t m;
  gs_entity_id_t id;
  gs_engine_t *eng = commuter_at_arrival(p, &m, &id);
  send(eng, id, GS_EV_LOAD_SET, 5000000, 0);
  ck_assert_int_eq(power_mw(eng, id), 5000000);
  send(eng, id, GS_EV_LOAD_SET, 1000000, 0);
  ck_assert_int_eq(power_mw(eng, id), 0);
  send(eng, id, GS_EV_LOAD_SET, -1, 2);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert(!status(eng, id).enabled);
  send(eng, id, GS_EV_LOAD_SET, -1, 3);
  ck_assert_int_eq(power_mw(eng, id), P_MW);
  ck_assert(status(eng, id).enabled);
  ck_assert_int_eq(gs_meters_power_mw(gs_engine_meters(eng), m), P_MW);
  finish(eng);

  p[GS_EV_P_CRITICAL] = 1;
  eng = commuter_at_arrival(p, &m, &id);
  ck_assert_int_eq(status(eng, id).shed_capability_mw, 0);
  send(eng, id, GS_EV_LOAD_SHED, INT64_MAX, 0);
  ck_assert_int_eq(power_mw(eng, id), P_MW);
  ck_assert(!status(eng, id).shedding);
  finish(eng);
}
END_TEST

/* A shed while the car is away holds it off when it comes home; the
 * restore starts it. */
START_TEST(test_shed_while_away) {
  double p[GS_EV_NPARAMS];
  commuter(p);
  gs_engine_t *eng = make_engine(5);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_ev(eng, 5, 0, p, m);
  const void *st = gs_engine_state(eng, id);
  run_to(eng, C_ARR_US - GS_US_PER_H);
  ck_assert(!gs_ev_at_home(st));
  send(eng, id, GS_EV_LOAD_SHED, 1, 0);
  run_to(eng, C_ARR_US);
  ck_assert(gs_ev_plugged(st));
  ck_assert_int_eq(power_mw(eng, id), 0);
  run_to(eng, C_ARR_US + GS_US_PER_H);
  send(eng, id, GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert_int_eq(power_mw(eng, id), P_MW);
  finish(eng);
}
END_TEST

/* TOU delay 23 h: a 17:48 arrival waits until 23:00 exactly, then charges
 * the 60 kWh by 07:20; an arrival already in the off-peak half-day
 * starts at once. */
START_TEST(test_tou_delay) {
  double p[GS_EV_NPARAMS];
  commuter(p);
  p[GS_EV_P_DELAY] = 23;
  uint32_t m;
  gs_entity_id_t id;
  gs_engine_t *eng = commuter_at_arrival(p, &m, &id);
  const void *st = gs_engine_state(eng, id);
  ck_assert_int_eq(power_mw(eng, id), 0);
  uint16_t kind;
  gs_time_us_t start_us = 23 * GS_US_PER_H;
  ck_assert_int_eq(gs_ev_next_us(st, &kind), start_us);
  ck_assert_int_eq(kind, GS_EV_EV_START);
  run_to(eng, start_us - 1);
  ck_assert_int_eq(power_mw(eng, id), 0);
  run_to(eng, start_us);
  ck_assert_int_eq(power_mw(eng, id), P_MW);
  gs_time_us_t full_us = gs_ev_next_us(st, &kind);
  ck_assert_int_eq(kind, GS_EV_EV_FULL);
  ck_assert_int_lt(full_us, gs_ev_departure_us(st));
  /* The whole fleet of such EVs starts in the same microsecond. */
  finish(eng);

  commuter(p);
  p[GS_EV_P_DELAY] = 23;
  p[GS_EV_P_ARRIVAL] = 23.5;
  eng = make_engine(6);
  m = add_meter(eng, GS_METER_NONE);
  id = add_ev(eng, 6, 0, p, m);
  st = gs_engine_state(eng, id);
  gs_time_us_t arr_us = INT64_C(84600) * GS_US_PER_S;
  run_to(eng, arr_us);
  ck_assert(gs_ev_plugged(st));
  ck_assert_int_eq(power_mw(eng, id), P_MW);
  finish(eng);
}
END_TEST

/* Arrival and departure times, plug-in rate and daily energy over 400
 * EVs x 50 days match the configured distributions: normals truncated at
 * 2.5 sd (sd factor 0.9546), and lognormal miles capped at an empty
 * battery. */
START_TEST(test_distributions) {
  enum { N = 400, DAYS = 50 };
  double p[GS_EV_NPARAMS];
  defaults(p);
  gs_engine_t *eng = make_engine(7);
  double sa = 0, saa = 0, sd = 0, sdd = 0, se = 0;
  long n = 0, plugs = 0, under_30kwh = 0;
  for (int i = 0; i < N; i++) {
    gs_entity_id_t id = add_ev(eng, 7, (uint64_t)i, p, GS_METER_NONE);
    const void *st = gs_engine_state(eng, id);
    gs_time_us_t dep_us = (gs_time_us_t)(DEP_H * 3600) * GS_US_PER_S;
    for (int64_t day = 0; day < DAYS; day++) {
      gs_time_us_t arr_us = gs_ev_draw_arrival_us(st, day, dep_us);
      gs_ev_stay_t stay;
      gs_ev_draw_stay(st, day, arr_us, &stay);
      double a_h = (double)(arr_us - day * GS_US_PER_DAY) / 3.6e9;
      double d_h = (double)(stay.dep_us - (day + 1) * GS_US_PER_DAY) / 3.6e9;
      double e_kwh = (double)stay.drive_mwus / MWUS_PER_KWH;
      sa += a_h, saa += a_h * a_h, sd += d_h, sdd += d_h * d_h, se += e_kwh;
      plugs += stay.plug;
      under_30kwh += e_kwh < 100 * KWH_PER_MI;
      n++;
      dep_us = stay.dep_us;
    }
  }
  /* sd of a normal cut at +-z sd: sqrt(1 - 2 z phi(z) / (2 Phi(z) - 1)). */
  double z = GS_EV_TRUNC_SD;
  double k = sqrt(1 - 2 * z * gsl_ran_ugaussian_pdf(z) /
                          (2 * gsl_cdf_ugaussian_P(z) - 1));
  ck_assert_double_eq_tol(k, 0.9546, 1e-4);
  double ma = sa / n, md = sd / n;
  ck_assert_double_eq_tol(ma, ARR_H, 0.07);
  ck_assert_double_eq_tol(sqrt(saa / n - ma * ma), k * ARR_SD_H, 0.05);
  ck_assert_double_eq_tol(md, DEP_H, 0.03);
  ck_assert_double_eq_tol(sqrt(sdd / n - md * md), k * DEP_SD_H, 0.02);
  ck_assert_double_eq_tol((double)plugs / n, PLUG_PROB, 0.01);
  double want = capped_daily_kwh();
  ck_assert_double_eq_tol(want, 10.24, 0.01);
  ck_assert_double_eq_tol(se / n, want, 0.03 * want);
  /* The fit: 94 % of vehicle-days under 100 mi (NHTS, via NREL 2017). */
  ck_assert_double_eq_tol((double)under_30kwh / n, 0.94, 0.01);
  finish(eng);
}
END_TEST

/* The run follows the draws: over 20 days each departure and arrival
 * happens at its drawn instant, and each arrival books min(drive, room).
 * Energy is conserved exactly: the meter's energy is the deficit at t = 0
 * plus what the days booked minus the deficit left. */
START_TEST(test_tracking) {
  double p[GS_EV_NPARAMS];
  defaults(p);
  p[GS_EV_P_BATTERY] = 15;    /* small, and days without plugging */
  p[GS_EV_P_PLUG_PROB] = 0.5; /* in, so the empty battery binds   */
  gs_engine_t *eng = make_engine(8);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_ev(eng, 8, 3, p, m);
  const void *st = gs_engine_state(eng, id);
  int64_t cap_mwus = llround((float)(15 / EFF) * MWUS_PER_KWH);
  int64_t booked_mwus = gs_ev_deficit_mwus(st, 0);
  int capped = 0;
  for (int d = 0; d < 20; d++) {
    if (gs_ev_at_home(st)) {
      gs_time_us_t dep_us = gs_ev_departure_us(st);
      run_to(eng, dep_us - 1);
      ck_assert(gs_ev_at_home(st));
    }
    int64_t day, before;
    gs_time_us_t arr_us = run_to_arrival(eng, id, &day, &before);
    gs_ev_stay_t stay;
    gs_ev_draw_stay(st, day, arr_us, &stay);
    int64_t room = cap_mwus - before;
    int64_t add = stay.drive_mwus < room ? stay.drive_mwus : room;
    capped += add < stay.drive_mwus;
    ck_assert_int_eq(gs_ev_deficit_mwus(st, arr_us), before + add);
    ck_assert_int_eq(gs_ev_plugged(st), stay.plug);
    ck_assert_int_eq(gs_ev_departure_us(st), stay.dep_us);
    booked_mwus += add;
    int64_t delivered_mwus = booked_mwus - gs_ev_deficit_mwus(st, arr_us);
    ck_assert_int_le(llabs(energy_mws(eng, m) - delivered_mwus / 1000000), 1);
  }
  ck_assert_int_ge(capped, 1);
  finish(eng);
}
END_TEST

/* Mean daily grid energy of the defaults: 10.2 kWh (35 mi x 0.30 kWh/mi,
 * less the capped days), inside the published 7.5-14 kWh (NHTS 2017 30-40
 * mi/day x EPA 0.25-0.35 kWh/mi; Georgia Power's planning figure, 4,400
 * kWh/yr = 12.1 kWh/day, lies inside). A fleet meter is exactly the sum of
 * its EVs. */
START_TEST(test_daily_energy_and_sum) {
  enum { N = 200, DAYS = 60 };
  double p[GS_EV_NPARAMS];
  defaults(p);
  gs_engine_t *eng = make_engine(9);
  gs_meters_t *ms = gs_engine_meters(eng);
  uint32_t fleet = add_meter(eng, GS_METER_NONE);
  uint32_t m[N];
  gs_entity_id_t id[N];
  for (int i = 0; i < N; i++) {
    m[i] = add_meter(eng, fleet);
    id[i] = add_ev(eng, 9, (uint64_t)i, p, m[i]);
  }
  for (int h = 1; h <= 24 * DAYS; h += 7) {
    gs_time_us_t t_us = h * GS_US_PER_H + 12345;
    run_to(eng, t_us);
    int64_t sum_mw = 0;
    for (int i = 0; i < N; i++) {
      int64_t pw = power_mw(eng, id[i]);
      ck_assert_int_eq(gs_meters_power_mw(ms, m[i]), pw);
      sum_mw += pw;
    }
    ck_assert_int_eq(gs_meters_power_mw(ms, fleet), sum_mw);
  }
  gs_time_us_t end_us = DAYS * GS_US_PER_DAY;
  run_to(eng, end_us);
  int64_t sum_mws = 0;
  for (int i = 0; i < N; i++)
    sum_mws += gs_meters_energy_mws(ms, m[i], end_us);
  int64_t fleet_mws = gs_meters_energy_mws(ms, fleet, end_us);
  ck_assert_int_ge(fleet_mws - sum_mws, 0);
  ck_assert_int_lt(fleet_mws - sum_mws, N);
  double kwh_day = (double)fleet_mws / 3.6e9 / N / DAYS;
  ck_assert_double_ge(kwh_day, 7.5);
  ck_assert_double_le(kwh_day, 14.0);
  /* The run delivers what the days owe, less a little lost to the cap
   * after days without plugging in. */
  ck_assert_double_le(kwh_day, capped_daily_kwh() * 1.04);
  ck_assert_double_ge(kwh_day, capped_daily_kwh() * 0.95);
  finish(eng);
}
END_TEST

static void fleet_run(uint64_t seed, int n, uint64_t *digest,
                      int64_t *energy_mws, int64_t *fingerprint3) {
  double p[GS_EV_NPARAMS];
  defaults(p);
  gs_engine_t *eng = make_engine(seed);
  uint32_t fleet = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id3 = GS_ENTITY_NONE;
  for (int i = 0; i < n; i++) {
    gs_entity_id_t id = add_ev(eng, seed, (uint64_t)i, p, fleet);
    if (i == 3) id3 = id;
    /* A DR hour in the evening peak, to exercise sheds and overrides. */
    gs_engine_schedule(eng, id, 18 * GS_US_PER_H, GS_PHASE_COMMAND,
                       GS_EV_LOAD_SHED, INT64_MAX, 0);
    gs_engine_schedule(eng, id, 19 * GS_US_PER_H, GS_PHASE_COMMAND,
                       GS_EV_LOAD_RESTORE, 0, 0);
  }
  run_to(eng, 3 * GS_US_PER_DAY);
  *digest = gs_engine_digest(eng);
  *energy_mws =
      gs_meters_energy_mws(gs_engine_meters(eng), fleet, 3 * GS_US_PER_DAY);
  if (fingerprint3) {
    const void *st = gs_engine_state(eng, id3);
    *fingerprint3 = power_mw(eng, id3) * 1000003 +
                    gs_ev_deficit_mwus(st, gs_engine_now(eng));
  }
  finish(eng);
}

/* Same seed, same events and energy; another seed, other events. An EV's
 * behaviour depends on its own key only, not on the fleet size. */
START_TEST(test_determinism) {
  uint64_t d1, d2, d3;
  int64_t e1, e2, e3, f1, f2;
  fleet_run(42, 50, &d1, &e1, &f1);
  fleet_run(42, 50, &d2, &e2, NULL);
  ck_assert_uint_eq(d1, d2);
  ck_assert_int_eq(e1, e2);
  fleet_run(43, 50, &d3, &e3, NULL);
  ck_assert_uint_ne(d1, d3);
  ck_assert_int_ne(e1, e3);
  fleet_run(42, 4, &d2, &e2, &f2);
  ck_assert_int_eq(f1, f2);
}
END_TEST

/* A charger that cannot reach J1772's 6 A is refused, naming the EV. */
START_TEST(test_bad_params) {
  double p[GS_EV_NPARAMS];
  defaults(p);
  p[GS_EV_P_CHARGER_KW] = 1.0; /* < 1.44 kW at 240 V */
  gs_test_refused(&gs_model_ev, 10, p, "ev7", "J1772");
}
END_TEST

Suite *ev_suite(void) {
  Suite *s = suite_create("ev");
  TCase *tc = tcase_create("ev");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_defaults);
  tcase_add_test(tc, test_unconstrained_energy);
  tcase_add_test(tc, test_deferral_meets_departure);
  tcase_add_test(tc, test_override_latest_start);
  tcase_add_test(tc, test_throttle_minimum);
  tcase_add_test(tc, test_set_load_and_critical);
  tcase_add_test(tc, test_shed_while_away);
  tcase_add_test(tc, test_tou_delay);
  tcase_add_test(tc, test_distributions);
  tcase_add_test(tc, test_tracking);
  tcase_add_test(tc, test_daily_energy_and_sum);
  tcase_add_test(tc, test_determinism);
  tcase_add_test(tc, test_bad_params);
  suite_add_tcase(s, tc);
  return s;
}
