/* SPDX-License-Identifier: MIT */
/* Tests of the refrigerator model against its closed-form solution. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fridge.h"
#include "gridsim/engine.h"
#include "gridsim/meter.h"
#include "gridsim/rng.h"
#include "models.h"
#include "test_util.h"

/* The default parameters, restated here so the expected values below are
 * computed independently of the model's code (and checked against its
 * table in test_defaults). All are exact in float, so the model's float
 * parameters carry no rounding. */
#define SET_C       3.0
#define BAND_C      2.0
#define AMB_C       20.0
#define POWER_W     120.0
#define COP         1.5
#define R_C_PER_KW  250.0
#define C_KWH_PER_C 0.03
#define MAX_C       5.0
#define LOW_C       (SET_C - BAND_C / 2)
#define HIGH_C      (SET_C + BAND_C / 2)
#define TAU_S       (R_C_PER_KW * C_KWH_PER_C * 3600.0)
#define INF_ON_C    (AMB_C - COP * R_C_PER_KW * POWER_W / 1000.0)
#define RATED_MW    ((int64_t)(POWER_W * 1000))

/* Closed-form cycle of the 1R1C thermostat (Mathieu et al. 2013). */
static double on_s(void) {
  return TAU_S * log((HIGH_C - INF_ON_C) / (LOW_C - INF_ON_C));
}
static double off_s(void) {
  return TAU_S * log((AMB_C - LOW_C) / (AMB_C - HIGH_C));
}
static double duty(void) {
  return on_s() / (on_s() + off_s());
}

/* Each switching lands on a whole microsecond (±0.5 µs) and the next
 * segment starts from the temperature at that instant, whose offset from
 * the edge shifts the next duration by at most the ratio of the slopes
 * (< 3 here): a duration is exact to within a few µs. */
#define DUR_TOL_US 4

static void defaults(double *p) { gs_test_defaults(&gs_model_fridge, p); }

static gs_engine_t *make_engine(uint64_t seed) { return gs_test_engine(seed); }

static uint32_t add_meter(gs_engine_t *eng, uint32_t parent) {
  return gs_test_meter(eng, parent);
}

/* Adds fridge number `i` (its stream key is ("test", i, 0)). */
static gs_entity_id_t add_fridge(gs_engine_t *eng, uint64_t seed, uint64_t i,
                                 const double *p, uint32_t meter) {
  return gs_test_add_load(eng, &gs_model_fridge, seed, i, p, meter, "fridge1");
}

static gs_load_status_t status(gs_engine_t *eng, gs_entity_id_t id) {
  return gs_test_status(eng, &gs_model_fridge, id);
}

static int64_t power_mw(gs_engine_t *eng, gs_entity_id_t id) {
  return status(eng, id).power_mw;
}

/* Runs to the fridge's next switching and returns its time. */
static gs_time_us_t step(gs_engine_t *eng, gs_entity_id_t id) {
  gs_time_us_t at_us = gs_fridge_next_us(gs_engine_state(eng, id));
  ck_assert_int_ne(at_us, GS_TIME_NEVER);
  ck_assert_int_eq(gs_engine_run(eng, at_us), GS_OK);
  return at_us;
}

/* Runs until the fridge has just switched to `on`; returns that time. */
static gs_time_us_t run_to_switch(gs_engine_t *eng, gs_entity_id_t id,
                                  bool on) {
  for (;;) {
    gs_time_us_t t_us = step(eng, id);
    if ((power_mw(eng, id) != 0) == on) return t_us;
  }
}

static void finish(gs_engine_t *eng) {
  gs_engine_finish(eng);
  gs_engine_destroy(eng);
}

START_TEST(test_defaults) {
  const gs_param_spec_t *ps = gs_model_fridge.params;
  ck_assert_str_eq(gs_model_fridge.name, "fridge");
  ck_assert_int_eq(gs_model_fridge.role, GS_ROLE_LOAD);
  ck_assert_uint_eq(gs_model_fridge.n_params, GS_FRIDGE_NPARAMS);
  ck_assert_uint_le(gs_model_fridge.state_size, 64);
  ck_assert_ptr_eq(gs_model_find("fridge"), &gs_model_fridge);
  ck_assert_double_eq(ps[GS_FRIDGE_P_SETPOINT].def, SET_C);
  ck_assert_double_eq(ps[GS_FRIDGE_P_DEADBAND].def, BAND_C);
  ck_assert_double_eq(ps[GS_FRIDGE_P_AMBIENT].def, AMB_C);
  ck_assert_double_eq(ps[GS_FRIDGE_P_POWER].def, POWER_W);
  ck_assert_double_eq(ps[GS_FRIDGE_P_COP].def, COP);
  ck_assert_double_eq(ps[GS_FRIDGE_P_R].def, R_C_PER_KW);
  ck_assert_double_eq(ps[GS_FRIDGE_P_C].def, C_KWH_PER_C);
  ck_assert_double_eq(ps[GS_FRIDGE_P_MAX_TEMP].def, MAX_C);
  ck_assert_double_eq(ps[GS_FRIDGE_P_CRITICAL].def, 1);
  ck_assert_double_eq(ps[GS_FRIDGE_P_BREAKER].def, 15);
  ck_assert_int_eq(gs_model_param_index(&gs_model_fridge, "breaker_amps"),
                   GS_FRIDGE_P_BREAKER);
  for (size_t i = 0; i < gs_model_fridge.n_params; i++) {
    ck_assert_ptr_nonnull(ps[i].unit);
    ck_assert_ptr_nonnull(ps[i].doc);
    ck_assert(ps[i].def >= ps[i].min && ps[i].def <= ps[i].max);
  }
}
END_TEST

/* The exported closed forms: the exponential, and the time to an edge,
 * including the edge cases of an edge behind or beyond the asymptote. */
START_TEST(test_closed_form) {
  double t_s = gs_fridge_time_to_s(2.0, 20.0, 1000.0, 4.0);
  ck_assert_double_eq_tol(t_s, 1000.0 * log(18.0 / 16.0), 1e-9);
  ck_assert_double_eq_tol(gs_fridge_temp_at(2.0, 20.0, 1000.0, t_s), 4.0,
                          1e-12);
  ck_assert_double_eq(gs_fridge_time_to_s(4.0, 20.0, 1000.0, 4.0), 0);
  ck_assert(isinf(gs_fridge_time_to_s(5.0, 20.0, 1000.0, 4.0)));
  ck_assert(isinf(gs_fridge_time_to_s(2.0, 20.0, 1000.0, 20.0)));
  ck_assert(isinf(gs_fridge_time_to_s(2.0, 20.0, 1000.0, 25.0)));
  ck_assert(isinf(gs_fridge_time_to_s(20.0, 20.0, 1000.0, 4.0)));
  /* Cooling: from 4 toward -25 down to 2. */
  ck_assert_double_eq_tol(gs_fridge_time_to_s(4.0, -25.0, 1000.0, 2.0),
                          1000.0 * log(29.0 / 27.0), 1e-9);
}
END_TEST

/* (1) With the compressor off (and while a shed holds it off, past the
 * upper edge), the temperature is the analytic exponential, and the
 * switchings come at the closed-form times. */
START_TEST(test_off_trajectory) {
  double p[GS_FRIDGE_NPARAMS];
  defaults(p);
  p[GS_FRIDGE_P_CRITICAL] = 0;
  gs_engine_t *eng = make_engine(1);
  gs_entity_id_t id = add_fridge(eng, 1, 0, p, GS_METER_NONE);
  const void *st = gs_engine_state(eng, id);

  gs_time_us_t t_off_us = run_to_switch(eng, id, false);
  ck_assert_double_eq_tol(gs_fridge_temp_c(st, t_off_us), LOW_C, 1e-8);
  for (int k = 1; k <= 5; k++) {
    gs_time_us_t t_us = t_off_us + k * 10 * GS_US_PER_MIN;
    ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
    ck_assert_int_eq(power_mw(eng, id), 0);
    double dt_s = (double)(t_us - t_off_us) / 1e6;
    double want_c = AMB_C + (LOW_C - AMB_C) * exp(-dt_s / TAU_S);
    ck_assert_double_eq_tol(gs_fridge_temp_c(st, t_us), want_c, 1e-8);
  }
  gs_time_us_t t_on_us = step(eng, id);
  ck_assert_int_eq(power_mw(eng, id), RATED_MW);
  ck_assert_int_le(llabs(t_on_us - t_off_us - llround(off_s() * 1e6)),
                   DUR_TOL_US);
  ck_assert_double_eq_tol(gs_fridge_temp_c(st, t_on_us), HIGH_C, 1e-8);

  /* The running segment follows the exponential toward T_amb - eta R P. */
  gs_time_us_t t_us = t_on_us + 20 * GS_US_PER_MIN;
  ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
  double want_c = INF_ON_C + (HIGH_C - INF_ON_C) *
                                 exp(-(double)(t_us - t_on_us) / 1e6 / TAU_S);
  ck_assert_double_eq_tol(gs_fridge_temp_c(st, t_us), want_c, 1e-8);

  /* Shed while running: off from the temperature of the instant, warming
   * through the upper edge to max_temp_c, still exponential. */
  gs_engine_schedule(eng, id, t_us, GS_PHASE_COMMAND, GS_EV_LOAD_SHED, RATED_MW,
                     0);
  ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
  ck_assert_int_eq(power_mw(eng, id), 0);
  double shed_c = want_c;
  for (int k = 1; k <= 6; k++) { /* max_temp_c comes after 63 min */
    gs_time_us_t ts_us = t_us + k * 10 * GS_US_PER_MIN;
    ck_assert_int_eq(gs_engine_run(eng, ts_us), GS_OK);
    double w_c =
        AMB_C + (shed_c - AMB_C) * exp(-(double)(ts_us - t_us) / 1e6 / TAU_S);
    ck_assert_double_eq_tol(gs_fridge_temp_c(st, ts_us), w_c, 1e-8);
  }
  ck_assert(gs_fridge_temp_c(st, gs_engine_now(eng)) > HIGH_C);
  ck_assert_int_eq(power_mw(eng, id), 0);
  finish(eng);
}
END_TEST

/* (2) Ten days at a constant ambient: every on and off duration equals the
 * closed form, and the duty cycle measured by the meter over whole cycles
 * equals t_on / (t_on + t_off). */
START_TEST(test_duty_cycle) {
  double p[GS_FRIDGE_NPARAMS];
  defaults(p);
  gs_engine_t *eng = make_engine(2);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_fridge(eng, 2, 0, p, m);
  gs_meters_t *ms = gs_engine_meters(eng);

  gs_time_us_t t_a_us = run_to_switch(eng, id, true);
  int64_t e_a_mws = gs_meters_energy_mws(ms, m, t_a_us);
  gs_time_us_t on_us = llround(on_s() * 1e6), off_us = llround(off_s() * 1e6);
  gs_time_us_t t_us = t_a_us, t_b_us = t_a_us, end_us = 10 * GS_US_PER_DAY;
  int64_t e_b_mws = e_a_mws;
  int cycles = 0;
  while (t_us <= end_us) {
    gs_time_us_t t_off_us = step(eng, id); /* end of the on segment */
    ck_assert_int_eq(power_mw(eng, id), 0);
    ck_assert_int_le(llabs(t_off_us - t_us - on_us), DUR_TOL_US);
    gs_time_us_t t_on_us = step(eng, id);
    ck_assert_int_eq(power_mw(eng, id), RATED_MW);
    ck_assert_int_le(llabs(t_on_us - t_off_us - off_us), DUR_TOL_US);
    t_us = t_on_us;
    if (t_on_us <= end_us) {
      /* Energy over whole cycles, from the first to the last switch-on. */
      t_b_us = t_on_us;
      e_b_mws = gs_meters_energy_mws(ms, m, t_on_us);
      cycles++;
    }
  }
  double span_s = (double)(t_b_us - t_a_us) / 1e6;
  double sim_duty = (double)(e_b_mws - e_a_mws) / ((double)RATED_MW * span_s);
  ck_assert_double_eq_tol(sim_duty, duty(), 1e-6 * duty());
  /* Whole cycles fill the span: their number is the span over a period. */
  ck_assert_int_ge(cycles, 160);
  ck_assert_double_eq_tol(span_s / (on_s() + off_s()), cycles, 1e-6);
  /* The default cycle: about 32 min on, 53 min off, duty 0.378. */
  ck_assert_double_eq_tol(duty(), 0.3776, 1e-3);
  finish(eng);
}
END_TEST

/* (3) A fleet on one meter: the meter's power is exactly the sum of the
 * fridges' power, its energy the sum of theirs (each fridge also has its
 * own child meter), and the fleet starts desynchronised. */
START_TEST(test_fleet_sum) {
  enum { N = 200 };
  double p[GS_FRIDGE_NPARAMS];
  defaults(p);
  gs_engine_t *eng = make_engine(3);
  gs_meters_t *ms = gs_engine_meters(eng);
  uint32_t fleet = add_meter(eng, GS_METER_NONE);
  uint32_t m[N];
  gs_entity_id_t id[N];
  for (int i = 0; i < N; i++) {
    m[i] = add_meter(eng, fleet);
    id[i] = add_fridge(eng, 3, (uint64_t)i, p, m[i]);
  }
  int n_on = 0;
  for (int i = 0; i < N; i++)
    n_on += power_mw(eng, id[i]) != 0;
  /* Binomial(200, 0.378): mean 75.5, sd 6.9. */
  ck_assert_int_ge(n_on, 45);
  ck_assert_int_le(n_on, 106);

  gs_time_us_t end_us = 2 * GS_US_PER_DAY + 12345;
  ck_assert_int_eq(gs_engine_run(eng, end_us), GS_OK);
  int64_t sum_mw = 0, sum_mws = 0;
  for (int i = 0; i < N; i++) {
    int64_t pw = power_mw(eng, id[i]);
    ck_assert(pw == 0 || pw == RATED_MW);
    ck_assert_int_eq(gs_meters_power_mw(ms, m[i]), pw);
    sum_mw += pw;
    sum_mws += gs_meters_energy_mws(ms, m[i], end_us);
  }
  ck_assert_int_eq(gs_meters_power_mw(ms, fleet), sum_mw);
  /* Each energy is floored to whole mW s from an exact integral, so the
   * fleet's may exceed the sum of floors by less than one per fridge. */
  int64_t fleet_mws = gs_meters_energy_mws(ms, fleet, end_us);
  ck_assert_int_ge(fleet_mws - sum_mws, 0);
  ck_assert_int_lt(fleet_mws - sum_mws, N);
  /* And the fleet's mean power is N P duty, within the spread of phases. */
  double mean_mw = (double)fleet_mws / ((double)end_us / 1e6);
  ck_assert_double_eq_tol(mean_mw, N * RATED_MW * duty(),
                          0.02 * N * RATED_MW * duty());
  finish(eng);
}
END_TEST

static void fleet_run(uint64_t seed, int n, uint64_t *digest,
                      int64_t *energy_mws, int64_t *fingerprint3) {
  double p[GS_FRIDGE_NPARAMS];
  defaults(p);
  gs_engine_t *eng = make_engine(seed);
  uint32_t fleet = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id3 = GS_ENTITY_NONE;
  for (int i = 0; i < n; i++) {
    gs_entity_id_t id = add_fridge(eng, seed, (uint64_t)i, p, fleet);
    if (i == 3) id3 = id;
  }
  ck_assert_int_eq(gs_engine_run(eng, GS_US_PER_DAY), GS_OK);
  *digest = gs_engine_digest(eng);
  *energy_mws =
      gs_meters_energy_mws(gs_engine_meters(eng), fleet, GS_US_PER_DAY);
  /* Fridge 3's power and next switching, as one number. */
  if (fingerprint3)
    *fingerprint3 = power_mw(eng, id3) * 1000003 +
                    gs_fridge_next_us(gs_engine_state(eng, id3));
  finish(eng);
}

/* (4) Same seed, same events and energy; another seed, other events. A
 * fridge's behaviour depends on its own key only, not on the fleet size. */
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

/* (5a) A shed with no restore: off until max_temp_c, then the compressor
 * runs the longer rebound segment from max_temp_c down to the lower edge. */
START_TEST(test_shed_until_limit) {
  double p[GS_FRIDGE_NPARAMS];
  defaults(p);
  p[GS_FRIDGE_P_CRITICAL] = 0;
  gs_engine_t *eng = make_engine(5);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_fridge(eng, 5, 0, p, m);
  const void *st = gs_engine_state(eng, id);
  gs_meters_t *ms = gs_engine_meters(eng);

  gs_time_us_t t_us = run_to_switch(eng, id, true) + 5 * GS_US_PER_MIN;
  ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
  gs_load_status_t s0 = status(eng, id);
  ck_assert_int_eq(s0.power_mw, RATED_MW);
  ck_assert_int_eq(s0.shed_capability_mw, RATED_MW);
  ck_assert(!s0.critical && s0.enabled);

  /* A request below the compressor's draw cannot be met: declined. */
  gs_engine_schedule(eng, id, t_us, GS_PHASE_COMMAND, GS_EV_LOAD_SHED,
                     RATED_MW - 1, 0);
  ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
  ck_assert_int_eq(power_mw(eng, id), RATED_MW);
  ck_assert(!gs_fridge_is_shed(st));

  gs_engine_schedule(eng, id, t_us, GS_PHASE_COMMAND, GS_EV_LOAD_SHED,
                     INT64_MAX, 0);
  ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
  gs_load_status_t s1 = status(eng, id);
  ck_assert_int_eq(s1.power_mw, 0);
  ck_assert_int_eq(gs_meters_power_mw(ms, m), 0);
  ck_assert(s1.shedding && s1.enabled);
  ck_assert(gs_fridge_is_shed(st));

  double shed_c = gs_fridge_temp_c(st, t_us);
  gs_time_us_t limit_us =
      t_us + llround(TAU_S * log((AMB_C - shed_c) / (AMB_C - MAX_C)) * 1e6);
  ck_assert_int_le(llabs(gs_fridge_next_us(st) - limit_us), 1);
  /* It stays off through the time it would have switched on. */
  ck_assert_int_eq(gs_engine_run(eng, limit_us - 2), GS_OK);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert(gs_fridge_temp_c(st, limit_us - 2) > HIGH_C);
  gs_time_us_t resume_us = step(eng, id);
  ck_assert_int_le(llabs(resume_us - limit_us), 1);
  ck_assert_int_eq(power_mw(eng, id), RATED_MW);
  ck_assert_int_eq(gs_meters_power_mw(ms, m), RATED_MW);
  ck_assert(!gs_fridge_is_shed(st));
  ck_assert(!status(eng, id).shedding);
  ck_assert_double_eq_tol(gs_fridge_temp_c(st, resume_us), MAX_C, 1e-8);

  /* The rebound runs longer than a normal on segment. */
  double rebound_s = TAU_S * log((MAX_C - INF_ON_C) / (LOW_C - INF_ON_C));
  ck_assert(rebound_s > on_s());
  gs_time_us_t off_us = step(eng, id);
  ck_assert_int_le(llabs(off_us - resume_us - llround(rebound_s * 1e6)),
                   DUR_TOL_US);
  ck_assert_int_eq(power_mw(eng, id), 0);

  /* A late restore changes nothing. */
  gs_time_us_t next_us = gs_fridge_next_us(st);
  gs_engine_schedule(eng, id, off_us + 1, GS_PHASE_COMMAND, GS_EV_LOAD_RESTORE,
                     0, 0);
  ck_assert_int_eq(gs_engine_run(eng, off_us + 1), GS_OK);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert_int_eq(gs_fridge_next_us(st), next_us);
  finish(eng);
}
END_TEST

/* (5b) A restore once the compartment is past the upper edge starts the
 * compressor at once (the rebound); one before it leaves the thermostat to
 * switch on at the upper edge as if nothing happened. */
START_TEST(test_shed_restore) {
  double p[GS_FRIDGE_NPARAMS];
  defaults(p);
  p[GS_FRIDGE_P_CRITICAL] = 0;
  gs_engine_t *eng = make_engine(6);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_fridge(eng, 6, 0, p, m);
  const void *st = gs_engine_state(eng, id);

  gs_time_us_t t_us = run_to_switch(eng, id, true) + 10 * GS_US_PER_MIN;
  ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
  double shed_c = gs_fridge_temp_c(st, t_us);
  gs_engine_schedule(eng, id, t_us, GS_PHASE_COMMAND, GS_EV_LOAD_SHED, RATED_MW,
                     0);
  double to_high_s = TAU_S * log((AMB_C - shed_c) / (AMB_C - HIGH_C));
  double to_max_s = TAU_S * log((AMB_C - shed_c) / (AMB_C - MAX_C));
  gs_time_us_t restore_us = t_us + llround((to_high_s + to_max_s) / 2 * 1e6);
  gs_engine_schedule(eng, id, restore_us, GS_PHASE_COMMAND, GS_EV_LOAD_RESTORE,
                     0, 0);
  ck_assert_int_eq(gs_engine_run(eng, restore_us - 1), GS_OK);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert_int_eq(gs_engine_run(eng, restore_us), GS_OK);
  ck_assert_int_eq(power_mw(eng, id), RATED_MW);
  ck_assert_int_eq(gs_meters_power_mw(gs_engine_meters(eng), m), RATED_MW);
  double restore_c =
      AMB_C +
      (shed_c - AMB_C) * exp(-(double)(restore_us - t_us) / 1e6 / TAU_S);
  ck_assert(restore_c > HIGH_C && restore_c < MAX_C);
  gs_time_us_t off_us = step(eng, id);
  double want_s = TAU_S * log((restore_c - INF_ON_C) / (LOW_C - INF_ON_C));
  ck_assert_int_le(llabs(off_us - restore_us - llround(want_s * 1e6)),
                   DUR_TOL_US);

  /* Shed while off, restore before the upper edge: the switch-on comes at
   * the same time as without the shed. */
  gs_time_us_t plain_on_us = gs_fridge_next_us(st);
  gs_time_us_t t2_us = off_us + 5 * GS_US_PER_MIN;
  gs_engine_schedule(eng, id, t2_us, GS_PHASE_COMMAND, GS_EV_LOAD_SHED, 0, 0);
  gs_engine_schedule(eng, id, t2_us + GS_US_PER_MIN, GS_PHASE_COMMAND,
                     GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert_int_eq(gs_engine_run(eng, t2_us), GS_OK);
  ck_assert(gs_fridge_is_shed(st));
  ck_assert_int_gt(gs_fridge_next_us(st), plain_on_us);
  ck_assert_int_eq(gs_engine_run(eng, t2_us + GS_US_PER_MIN), GS_OK);
  ck_assert(!gs_fridge_is_shed(st));
  ck_assert_int_eq(gs_fridge_next_us(st), plain_on_us);
  ck_assert_int_eq(step(eng, id), plain_on_us);
  ck_assert_int_eq(power_mw(eng, id), RATED_MW);
  finish(eng);
}
END_TEST

/* (5c) The contract marks the refrigerator circuit critical: by default a
 * shed is ignored and the trajectory is that of an undisturbed fridge. */
START_TEST(test_critical_ignores_shed) {
  double p[GS_FRIDGE_NPARAMS];
  defaults(p);
  int64_t e_mws[2];
  for (int run = 0; run < 2; run++) {
    gs_engine_t *eng = make_engine(7);
    uint32_t m = add_meter(eng, GS_METER_NONE);
    gs_entity_id_t id = add_fridge(eng, 7, 0, p, m);
    gs_time_us_t t_us = run_to_switch(eng, id, true) + GS_US_PER_MIN;
    ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
    gs_load_status_t s = status(eng, id);
    ck_assert(s.critical);
    ck_assert_int_eq(s.shed_capability_mw, 0);
    ck_assert_int_eq(s.capacity_mw, 15 * 240 * 1000);
    if (run == 1) {
      gs_time_us_t next_us = gs_fridge_next_us(gs_engine_state(eng, id));
      gs_engine_schedule(eng, id, t_us, GS_PHASE_COMMAND, GS_EV_LOAD_SHED,
                         INT64_MAX, 0);
      ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
      ck_assert_int_eq(power_mw(eng, id), RATED_MW);
      ck_assert(!status(eng, id).shedding);
      ck_assert_int_eq(gs_fridge_next_us(gs_engine_state(eng, id)), next_us);
      gs_engine_schedule(eng, id, t_us + GS_US_PER_H, GS_PHASE_COMMAND,
                         GS_EV_LOAD_RESTORE, 0, 0);
    }
    ck_assert_int_eq(gs_engine_run(eng, GS_US_PER_DAY), GS_OK);
    e_mws[run] = gs_meters_energy_mws(gs_engine_meters(eng), m, GS_US_PER_DAY);
    finish(eng);
  }
  ck_assert_int_eq(e_mws[0], e_mws[1]);
}
END_TEST

/* (6) A year of the default fridge: within the DOE/ENERGY STAR range of a
 * standard top-freezer unit, and equal to P x duty x 8760 h. */
START_TEST(test_annual_energy) {
  double p[GS_FRIDGE_NPARAMS];
  defaults(p);
  gs_engine_t *eng = make_engine(8);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  add_fridge(eng, 8, 0, p, m);
  gs_time_us_t year_us = 365 * GS_US_PER_DAY;
  ck_assert_int_eq(gs_engine_run(eng, year_us), GS_OK);
  double kwh = gs_meters_energy_kwh(gs_engine_meters(eng), m, year_us);
  ck_assert_double_ge(kwh, 300);
  ck_assert_double_le(kwh, 700);
  double want_kwh = POWER_W / 1000.0 * duty() * 8760.0;
  /* A partial first and last cycle: at most one cycle's energy (~0.1 %). */
  ck_assert_double_eq_tol(kwh, want_kwh, 1e-3 * want_kwh);
  ck_assert_double_eq_tol(kwh, 397, 2);
  /* Two edge events per cycle, about 6170 cycles. */
  ck_assert_uint_ge(gs_engine_events_processed(eng), 12000);
  finish(eng);
}
END_TEST

/* Inconsistent parameters are refused with a message naming the entity. */
START_TEST(test_bad_params) {
  double p[GS_FRIDGE_NPARAMS];
  defaults(p);
  p[GS_FRIDGE_P_MAX_TEMP] = 3.5; /* below the upper edge, 4 degC */
  gs_test_refused(&gs_model_fridge, 9, p, "fridge1", "max_temp_c");
}
END_TEST

/* A fridge in a room colder than its upper edge never starts, and one whose
 * compressor cannot reach the lower edge never stops: no event is due. */
START_TEST(test_never_switches) {
  double p[GS_FRIDGE_NPARAMS];
  defaults(p);
  p[GS_FRIDGE_P_AMBIENT] = 3.5;
  gs_engine_t *eng = make_engine(10);
  gs_entity_id_t id = add_fridge(eng, 10, 0, p, GS_METER_NONE);
  const void *st = gs_engine_state(eng, id);
  ck_assert_int_eq(power_mw(eng, id), 0); /* duty 0 */
  ck_assert_int_eq(gs_fridge_next_us(st), GS_TIME_NEVER);
  ck_assert_int_eq(gs_engine_run(eng, GS_US_PER_DAY), GS_OK);
  ck_assert_uint_eq(gs_engine_events_processed(eng), 0);
  finish(eng);

  defaults(p);
  p[GS_FRIDGE_P_AMBIENT] = 40;
  p[GS_FRIDGE_P_POWER] = 50; /* T_amb - eta R P = 21.25 degC > 2 degC */
  eng = make_engine(10);
  id = add_fridge(eng, 10, 0, p, GS_METER_NONE);
  st = gs_engine_state(eng, id);
  ck_assert_int_eq(power_mw(eng, id), 50000); /* duty 1 */
  ck_assert_int_eq(gs_fridge_next_us(st), GS_TIME_NEVER);
  finish(eng);
}
END_TEST

Suite *fridge_suite(void) {
  Suite *s = suite_create("fridge");
  TCase *tc = tcase_create("fridge");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_defaults);
  tcase_add_test(tc, test_closed_form);
  tcase_add_test(tc, test_off_trajectory);
  tcase_add_test(tc, test_duty_cycle);
  tcase_add_test(tc, test_fleet_sum);
  tcase_add_test(tc, test_determinism);
  tcase_add_test(tc, test_shed_until_limit);
  tcase_add_test(tc, test_shed_restore);
  tcase_add_test(tc, test_critical_ignores_shed);
  tcase_add_test(tc, test_annual_energy);
  tcase_add_test(tc, test_bad_params);
  tcase_add_test(tc, test_never_switches);
  suite_add_tcase(s, tc);
  return s;
}
