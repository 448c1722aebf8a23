/* SPDX-License-Identifier: MIT */
/* Tests of the HVAC-with-house model against an ODE reference, its own
 * closed forms, GridLAB-D's defaults and published energy ranges. */
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_roots.h>

#include "gridsim/engine.h"
#include "gridsim/meter.h"
#include "gridsim/rng.h"
#include "hvac.h"
#include "models.h"
#include "weather.h"
#include "world.h"
#include "test_util.h"

/* 2026-07-15T00:00:00Z */
#define START_UNIX INT64_C(1784073600)

/* A house with parameters exact in float, so that the model's stored
 * values equal these and the independent computations below use the very
 * same numbers. Constant outdoor temperature (no weather), no sun. */
#define UA     250.0
#define CA     1.6e6
#define CM     6.5e6
#define HM     4000.0
#define GAINS  600.0
#define CAP_W  12000.0
#define FAN_W  200.0
#define COP    3.5
#define TO_C   35.0
#define SP_C   24.0
#define LOW_C  23.5
#define HIGH_C 24.5

static void defaults(double *p) {
  for (size_t i = 0; i < GS_HVAC_NPARAMS; i++)
    p[i] = gs_model_hvac.params[i].def;
}

static void test_house(double *p) {
  defaults(p);
  p[GS_HVAC_P_UA] = UA;
  p[GS_HVAC_P_CA] = CA / 1000;
  p[GS_HVAC_P_CM] = CM / 1000;
  p[GS_HVAC_P_HM] = HM;
  p[GS_HVAC_P_GAINS] = GAINS;
  p[GS_HVAC_P_SOLAR] = 0;
  p[GS_HVAC_P_CAPACITY] = CAP_W / 1000;
  p[GS_HVAC_P_FAN] = FAN_W;
  p[GS_HVAC_P_OUTDOOR] = TO_C;
  p[GS_HVAC_P_CRITICAL] = 0;
}

static const gs_hvac_etp_t test_etp = {
    .ua_w_k = UA, .ca_j_k = CA, .cm_j_k = CM, .hm_w_k = HM};

/* Heat into the air and electric power of the test house while running. */
static double on_heat_w(void) {
  return -CAP_W * gs_hvac_cool_cap_mult(TO_C) * GS_HVAC_SENSIBLE_SHARE + FAN_W;
}
static int64_t on_power_mw(void) {
  return llround(
      (CAP_W * gs_hvac_cool_cap_mult(TO_C) * gs_hvac_cool_eir_mult(TO_C) / COP +
       FAN_W) *
      1000.0);
}

static gs_engine_t *make_engine(uint64_t seed) { return gs_test_engine(seed); }

static uint32_t add_meter(gs_engine_t *eng, uint32_t parent) {
  return gs_test_meter(eng, parent);
}

static gs_entity_id_t add_hvac(gs_engine_t *eng, uint64_t seed, uint64_t i,
                               const double *p, uint32_t meter,
                               const gs_world_t *world) {
  gs_errbuf_t eb = {{0}};
  gs_entity_id_t id;
  gs_err_t err =
      gs_engine_add_entity(eng, &gs_model_hvac,
                           &(gs_model_init_t){.seed = seed,
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

static gs_load_status_t status(gs_engine_t *eng, gs_entity_id_t id) {
  return gs_test_status(eng, &gs_model_hvac, id);
}

static bool running(gs_engine_t *eng, gs_entity_id_t id) {
  return gs_hvac_running(gs_engine_state(eng, id));
}

static double indoor(gs_engine_t *eng, gs_entity_id_t id) {
  return gs_hvac_indoor_c(gs_engine_state(eng, id), gs_engine_now(eng));
}

/* Runs to the model's next event and returns its time. */
static gs_time_us_t step(gs_engine_t *eng, gs_entity_id_t id) {
  gs_time_us_t at_us = gs_hvac_next_us(gs_engine_state(eng, id));
  ck_assert_int_ne(at_us, GS_TIME_NEVER);
  ck_assert_int_eq(gs_engine_run(eng, at_us), GS_OK);
  return at_us;
}

/* Runs until the equipment has just switched to `on`; returns that time. */
static gs_time_us_t run_to_switch(gs_engine_t *eng, gs_entity_id_t id,
                                  bool on) {
  for (;;) {
    gs_time_us_t t_us = step(eng, id);
    if (running(eng, id) == on) return t_us;
  }
}

static void command(gs_engine_t *eng, gs_entity_id_t id, gs_time_us_t t_us,
                    uint16_t kind, int64_t arg, uint32_t arg2) {
  gs_engine_schedule(eng, id, t_us, GS_PHASE_COMMAND, kind, arg, arg2);
}

static void finish(gs_engine_t *eng) {
  gs_engine_finish(eng);
  gs_engine_destroy(eng);
}

/* ---- The ODE reference: the ETP equations integrated by GSL ---------- */

typedef struct ode_in {
  double to_c, qa_w, qm_w;
} ode_in_t;

static int etp_rhs(double t, const double y[], double dydt[], void *params) {
  (void)t;
  const ode_in_t *in = params;
  dydt[0] = (UA * (in->to_c - y[0]) + HM * (y[1] - y[0]) + in->qa_w) / CA;
  dydt[1] = (HM * (y[0] - y[1]) + in->qm_w) / CM;
  return GSL_SUCCESS;
}

/* Integrates (Ta, Tm) from t = 0 to `t_s` with an 8th-order Runge-Kutta at
 * a 1e-12 error target. */
static void ode_solve(const ode_in_t *in, double ta0, double tm0, double t_s,
                      double *ta, double *tm) {
  gsl_odeiv2_system sys = {etp_rhs, NULL, 2, (void *)in};
  gsl_odeiv2_driver *d = gsl_odeiv2_driver_alloc_y_new(
      &sys, gsl_odeiv2_step_rk8pd, 1.0, 1e-12, 1e-12);
  double y[2] = {ta0, tm0}, t = 0;
  ck_assert_int_eq(gsl_odeiv2_driver_apply(d, &t, t_s, y), GSL_SUCCESS);
  gsl_odeiv2_driver_free(d);
  *ta = y[0];
  *tm = y[1];
}

/* ---- Pure thermal math ----------------------------------------------- */

START_TEST(test_defaults) {
  const gs_param_spec_t *ps = gs_model_hvac.params;
  ck_assert_str_eq(gs_model_hvac.name, "hvac");
  ck_assert_ptr_eq(gs_model_find("hvac"), &gs_model_hvac);
  ck_assert_int_eq(gs_model_hvac.role, GS_ROLE_LOAD);
  ck_assert_uint_eq(gs_model_hvac.n_params, GS_HVAC_NPARAMS);
  ck_assert_uint_le(gs_model_hvac.state_size, 104);
  for (size_t i = 0; i < GS_HVAC_NPARAMS; i++) {
    ck_assert_ptr_nonnull(ps[i].name);
    ck_assert_ptr_nonnull(ps[i].doc);
    ck_assert(ps[i].def >= ps[i].min && ps[i].def <= ps[i].max);
  }
  ck_assert_double_eq(ps[GS_HVAC_P_SETPOINT].def, 24);
  ck_assert_double_eq(ps[GS_HVAC_P_DEADBAND].def, 1);
  ck_assert_double_eq(ps[GS_HVAC_P_COMFORT_MAX].def, 28);
  ck_assert_double_eq(ps[GS_HVAC_P_DR_OFFSET].def, 2);
  ck_assert_double_eq(ps[GS_HVAC_P_CRITICAL].def, 1);
  ck_assert_double_eq(ps[GS_HVAC_P_BREAKER].def, 30);
  ck_assert_double_eq(ps[GS_HVAC_P_COP].def, 3.5);

  /* GridLAB-D house_e defaults for 2000 ft2, restated in imperial units:
   * gross wall 2 x 2.5 x 8 x sqrt(2000/1.5) ft2, windows 15 %, doors 78
   * ft2, R 30/22/19/5, window U 0.47, 0.5 ACH of 16000 ft3. */
  double a = 185.8 / 0.09290304, wall = 40.0 * sqrt(a / 1.5);
  double win = 0.15 * wall, net = wall - win - 78.0;
  double ua_ip = a / 30 + a / 22 + net / 19 + win * 0.47 + 78.0 / 5 +
                 0.5 * 8 * a * 0.0735 * 0.2402;
  gs_hvac_house_t h;
  gs_hvac_house_defaults(185.8, &h);
  ck_assert_double_eq_tol(h.etp.ua_w_k, ua_ip * 0.29307107 * 1.8, 1e-9);
  ck_assert_double_eq_tol(h.etp.ua_w_k, 252.5, 0.1);
  ck_assert_double_eq_tol(h.etp.ca_j_k, 1.609e6, 1e3);
  ck_assert_double_eq_tol(h.etp.cm_j_k, 6.523e6, 1e3);
  ck_assert_double_eq_tol(h.etp.hm_w_k, 4124, 1);
  /* Autosized to 42,000 Btu/h (3.5 tons), fan 1/4 hp at 88 %. */
  ck_assert_double_eq_tol(h.cooling_w, 42000 * 0.29307107, 1e-6);
  ck_assert_double_eq_tol(h.fan_w, 0.25 * 745.7 / 0.88, 1e-9);
  /* ASHRAE RLF sensible gains 136 + 2.2 A + 22 x 4. */
  ck_assert_double_eq_tol(h.gains_w, 136 + 2.2 * 185.8 + 88, 1e-9);
  /* Rating points of the curves: 1 at 95 degF (cooling), 47 degF (heat). */
  ck_assert_double_eq_tol(gs_hvac_cool_cap_mult(35), 1, 1e-6);
  ck_assert_double_eq_tol(gs_hvac_cool_eir_mult(35), 1, 1e-6);
  ck_assert_double_eq_tol(gs_hvac_heat_cap_mult(25.0 / 3), 1, 1e-6);
  ck_assert_double_eq_tol(gs_hvac_heat_eir_mult(25.0 / 3), 1, 2e-4);
  /* Hotter outside: less capacity, more input per unit of heat moved. */
  ck_assert_double_lt(gs_hvac_cool_cap_mult(40), 1);
  ck_assert_double_gt(gs_hvac_cool_eir_mult(40), 1);
}
END_TEST

/* The closed form against the ODE integrated numerically, for several
 * initial states and inputs (heating, cooling, gains), and its steady
 * state against Teq = (Qa + Qm + UA To) / UA, Tm = Teq + Qm / Hm. */
START_TEST(test_closed_form_vs_ode) {
  const double cases[][5] = {/* ta0, tm0, to, qa, qm */
                             {24, 24, 35, 0, 0},
                             {24, 26, 35, -8000, 300},
                             {21, 18, -5, 9000, 500},
                             {30, 22, 10, 1500, 1500}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    const double *c = cases[k];
    gs_hvac_seg_t seg;
    gs_hvac_seg_solve(&test_etp, c[0], c[1], c[2], c[3], c[4], &seg);
    ode_in_t in = {.to_c = c[2], .qa_w = c[3], .qm_w = c[4]};
    ck_assert_double_eq_tol(gs_hvac_seg_ta(&seg, 0), c[0], 1e-12);
    ck_assert_double_eq_tol(gs_hvac_seg_tm(&seg, 0), c[1], 1e-12);
    const double ts[] = {10, 120, 600, 3600, 6 * 3600, 48 * 3600};
    for (size_t i = 0; i < 6; i++) {
      double ta, tm;
      ode_solve(&in, c[0], c[1], ts[i], &ta, &tm);
      ck_assert_double_eq_tol(gs_hvac_seg_ta(&seg, ts[i]), ta, 1e-6);
      ck_assert_double_eq_tol(gs_hvac_seg_tm(&seg, ts[i]), tm, 1e-6);
    }
    double teq = (c[3] + c[4] + UA * c[2]) / UA;
    ck_assert_double_eq_tol(seg.teq_c, teq, 1e-9);
    ck_assert_double_eq_tol(seg.tm_ss_c, teq + c[4] / HM, 1e-9);
    ck_assert_double_eq_tol(gs_hvac_seg_ta(&seg, 1e8), teq, 1e-9);
    ck_assert_double_eq_tol(gs_hvac_seg_tm(&seg, 1e8), teq + c[4] / HM, 1e-9);
    /* Two real negative eigenvalues: the slow (mass) and fast (air) modes. */
    ck_assert_double_lt(seg.r2_s, seg.r1_s);
    ck_assert_double_lt(seg.r1_s, 0);
  }
}
END_TEST

/* Crossing times: found on monotonic and non-monotonic trajectories, at
 * the edge to 1e-9 degC, first crossing first, INFINITY when never. */
START_TEST(test_time_to_edge) {
  gs_hvac_seg_t seg;
  /* Cooling from 24.5: a monotonic fall to Teq (~ -4 degC). */
  gs_hvac_seg_solve(&test_etp, 24.5, 24.6, 35, -8000, 300, &seg);
  double t = gs_hvac_seg_time_to(&seg, 23.5, INFINITY);
  ck_assert(isfinite(t) && t > 0);
  ck_assert_double_eq_tol(gs_hvac_seg_ta(&seg, t), 23.5, 1e-9);
  ck_assert(isinf(gs_hvac_seg_time_to(&seg, 25, INFINITY)));  /* behind */
  ck_assert(isinf(gs_hvac_seg_time_to(&seg, -20, INFINITY))); /* past Teq */
  ck_assert(isinf(gs_hvac_seg_time_to(&seg, 23.5, t * 0.9))); /* horizon */
  /* Air much colder than a warm mass, little drive: Ta rises toward Tm,
   * peaks, then falls to Teq; 27.5 is crossed twice, the first is wanted. */
  gs_hvac_seg_solve(&test_etp, 20, 32, 20, 0, 0, &seg);
  double peak_t = 0, peak = -1e9;
  for (double s = 0; s < 20000; s += 1) {
    double v = gs_hvac_seg_ta(&seg, s);
    if (v > peak) peak = v, peak_t = s;
  }
  ck_assert_double_gt(peak, 28);
  t = gs_hvac_seg_time_to(&seg, 27.5, INFINITY);
  ck_assert_double_lt(t, peak_t);
  ck_assert_double_eq_tol(gs_hvac_seg_ta(&seg, t), 27.5, 1e-9);
  ck_assert(isinf(gs_hvac_seg_time_to(&seg, peak + 0.01, INFINITY)));
  /* Outdoors at 10 degC: up to a peak, then down through 15 degC, which
   * only the second monotonic piece crosses. */
  gs_hvac_seg_solve(&test_etp, 20, 32, 10, 0, 0, &seg);
  peak_t = 0, peak = -1e9;
  for (double s = 0; s < 20000; s += 1) {
    double v = gs_hvac_seg_ta(&seg, s);
    if (v > peak) peak = v, peak_t = s;
  }
  ck_assert_double_gt(peak, 25);
  t = gs_hvac_seg_time_to(&seg, 15, INFINITY);
  ck_assert_double_gt(t, peak_t);
  ck_assert_double_eq_tol(gs_hvac_seg_ta(&seg, t), 15, 1e-9);
  ck_assert_double_eq_tol(t, gs_hvac_seg_time_to(&seg, 15, t + 1), 1e-6);
}
END_TEST

/* ---- The model type -------------------------------------------------- */

/* (1) Equipment off (breaker off by setLoad), constant outdoor temperature,
 * no gains: Ta(t) and Tm(t) of the model equal the ODE reference from the
 * state at t = 0, and tend to the outdoor temperature. */
START_TEST(test_off_trajectory) {
  double p[GS_HVAC_NPARAMS];
  test_house(p);
  p[GS_HVAC_P_GAINS] = 0;
  gs_engine_t *eng = make_engine(1);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_hvac(eng, 1, 0, p, m, NULL);
  const void *st = gs_engine_state(eng, id);
  command(eng, id, 0, GS_EV_LOAD_SET, -1, 2u); /* enabled given, false */
  ck_assert_int_eq(gs_engine_run(eng, 0), GS_OK);
  ck_assert(!status(eng, id).enabled);
  ck_assert_int_eq(status(eng, id).power_mw, 0);
  ck_assert_int_eq(gs_meters_power_mw(gs_engine_meters(eng), m), 0);
  double ta0 = gs_hvac_indoor_c(st, 0), tm0 = gs_hvac_mass_c(st, 0);
  ck_assert(ta0 >= LOW_C && ta0 <= HIGH_C);
  ode_in_t in = {.to_c = TO_C};
  for (int h = 1; h <= 48; h *= 2) {
    gs_time_us_t t_us = h * GS_US_PER_H + 12345;
    ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
    double ta, tm;
    ode_solve(&in, ta0, tm0, (double)t_us / 1e6, &ta, &tm);
    ck_assert_double_eq_tol(gs_hvac_indoor_c(st, t_us), ta, 1e-6);
    ck_assert_double_eq_tol(gs_hvac_mass_c(st, t_us), tm, 1e-6);
  }
  ck_assert_double_eq_tol(gs_hvac_indoor_c(st, 30 * GS_US_PER_DAY), TO_C, 1e-6);
  finish(eng);
}
END_TEST

/* (2) Every switching happens where Ta reaches the deadband edge: off at
 * 23.5 degC, on at 24.5 degC, within 1e-6 degC; the power is 0 or the
 * rated draw at 35 degC. */
START_TEST(test_switching_edges) {
  double p[GS_HVAC_NPARAMS];
  test_house(p);
  gs_engine_t *eng = make_engine(2);
  gs_entity_id_t id = add_hvac(eng, 2, 0, p, GS_METER_NONE, NULL);
  const void *st = gs_engine_state(eng, id);
  int switches = 0;
  for (int i = 0; i < 200; i++) {
    bool was = running(eng, id);
    gs_time_us_t t_us = step(eng, id);
    bool now_on = running(eng, id);
    ck_assert(now_on != was); /* no weather, no schedule: edges only */
    double ta = gs_hvac_indoor_c(st, t_us);
    ck_assert_double_eq_tol(ta, now_on ? HIGH_C : LOW_C, 1e-6);
    ck_assert_int_eq(status(eng, id).power_mw, now_on ? on_power_mw() : 0);
    switches++;
  }
  ck_assert_int_eq(switches, 200);
  finish(eng);
}
END_TEST

/* The periodic closed form: the cycle map from switch-on (Ta = high edge,
 * Tm = x) through the on segment to the low edge and the off segment back
 * to the high edge; its fixed point x* gives the limit cycle. */
typedef struct cycle {
  double on_s, off_s, tm_on_c;
} cycle_t;

static double cycle_map(double x, void *out) {
  gs_hvac_seg_t on, off;
  double qm = GS_HVAC_MASS_GAIN_SHARE * GAINS;
  gs_hvac_seg_solve(&test_etp, HIGH_C, x, TO_C, on_heat_w() + GAINS - qm, qm,
                    &on);
  double t_on = gs_hvac_seg_time_to(&on, LOW_C, INFINITY);
  double tm1 = gs_hvac_seg_tm(&on, t_on);
  gs_hvac_seg_solve(&test_etp, LOW_C, tm1, TO_C, GAINS - qm, qm, &off);
  double t_off = gs_hvac_seg_time_to(&off, HIGH_C, INFINITY);
  if (out) *(cycle_t *)out = (cycle_t){t_on, t_off, x};
  return gs_hvac_seg_tm(&off, t_off) - x;
}

static cycle_t limit_cycle(void) {
  gsl_function f = {.function = cycle_map, .params = NULL};
  gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
  gsl_root_fsolver_set(s, &f, 22, 30);
  for (int i = 0; i < 100; i++) {
    gsl_root_fsolver_iterate(s);
    if (gsl_root_test_interval(gsl_root_fsolver_x_lower(s),
                               gsl_root_fsolver_x_upper(s), 1e-12,
                               0) == GSL_SUCCESS)
      break;
  }
  cycle_t c;
  cycle_map(gsl_root_fsolver_root(s), &c);
  gsl_root_fsolver_free(s);
  return c;
}

/* (3) Constant conditions for ten days: the cycle converges to the
 * periodic closed form (on/off durations, duty), and the meter's energy
 * equals the sum of on-times x power exactly. */
START_TEST(test_duty_cycle_and_energy) {
  cycle_t c = limit_cycle();
  double duty = c.on_s / (c.on_s + c.off_s);
  ck_assert(duty > 0.2 && duty < 0.9);
  double p[GS_HVAC_NPARAMS];
  test_house(p);
  gs_engine_t *eng = make_engine(3);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_hvac(eng, 3, 0, p, m, NULL);
  gs_meters_t *ms = gs_engine_meters(eng);
  int64_t pw = on_power_mw();
  /* Sum of on-times over the whole run, from the switching times. */
  gs_time_us_t on_since = running(eng, id) ? 0 : -1, on_total_us = 0;
  gs_time_us_t end_us = 10 * GS_US_PER_DAY, last_on_us = 0;
  gs_time_us_t last_on_dur = 0, last_off_dur = 0, last_off_us = 0;
  int late_cycles = 0;
  int64_t e8 = -1;
  for (;;) {
    gs_time_us_t t_us = gs_hvac_next_us(gs_engine_state(eng, id));
    if (t_us > end_us) break;
    if (e8 < 0 && t_us > 8 * GS_US_PER_DAY) {
      ck_assert_int_eq(gs_engine_run(eng, 8 * GS_US_PER_DAY), GS_OK);
      e8 = gs_meters_energy_mws(ms, m, 8 * GS_US_PER_DAY);
    }
    step(eng, id);
    if (running(eng, id)) {
      if (last_off_us > 0) last_off_dur = t_us - last_off_us;
      on_since = t_us;
      last_on_us = t_us;
    } else {
      on_total_us += t_us - on_since;
      last_on_dur = t_us - on_since;
      last_off_us = t_us;
      if (t_us > 8 * GS_US_PER_DAY) {
        /* Converged (the slow mode, tau ~ 9 h, has decayed e^-20). */
        ck_assert_double_eq_tol((double)last_on_dur / 1e6, c.on_s, 1e-4);
        if (last_off_dur > 0)
          ck_assert_double_eq_tol((double)last_off_dur / 1e6, c.off_s, 1e-4);
        late_cycles++;
      }
    }
  }
  (void)last_on_us;
  ck_assert_int_gt(late_cycles, 10);
  ck_assert_int_eq(gs_engine_run(eng, end_us), GS_OK);
  if (running(eng, id)) on_total_us += end_us - on_since;
  /* Energy: integral of a piecewise-constant power, in mW us, floored to
   * mW s by the meter. */
  int64_t e_mws = gs_meters_energy_mws(ms, m, end_us);
  int64_t want_mws = on_total_us * pw / 1000000; /* < 2^63 */
  ck_assert_int_eq(e_mws, want_mws);
  /* Mean power over the last two days = duty x power. */
  double mean_mw = (double)(e_mws - e8) / (2 * 86400.0);
  ck_assert_double_eq_tol(mean_mw / (double)pw, duty, 5e-3);
  finish(eng);
}
END_TEST

/* A world with only a synthetic weather: the default hot design day
 * (17/36 degC, Sacramento sun, light clouds) for `days` days. Returns the
 * weather, for gs_weather_free. */
static gs_weather_t *make_world(gs_world_t *world, int days, uint64_t seed) {
  gs_weather_t *wx = gs_test_weather(START_UNIX, days * GS_US_PER_DAY, seed);
  memset(world, 0, sizeof *world);
  world->weather = wx;
  return wx;
}

/* (4) A day of the default house (185.8 m2, GridLAB-D envelope, autosized
 * 3.5-ton AC, COP 3.5 at 35 degC, 24 degC setpoint) on the default hot day
 * (t_max 36 degC): within 15-35 kWh, the range of a central AC on a hot
 * day (see README.md, section HVAC and house), and the events include
 * every weather step. */
START_TEST(test_hot_day_energy) {
  gs_world_t world;
  gs_weather_t *wx = make_world(&world, 2, 4);
  double p[GS_HVAC_NPARAMS];
  defaults(p);
  gs_engine_t *eng = make_engine(4);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_hvac(eng, 4, 0, p, m, &world);
  ck_assert_int_eq(gs_engine_run(eng, GS_US_PER_DAY), GS_OK);
  double kwh = gs_meters_energy_kwh(gs_engine_meters(eng), m, GS_US_PER_DAY);
  ck_assert_double_ge(kwh, 15);
  ck_assert_double_le(kwh, 35);
  /* Of 288 weather steps of 5 min, those while running, plus two
   * switchings per cycle: more than the cycles, fewer than the steps. */
  ck_assert_uint_ge(gs_engine_events_processed(eng), 40);
  ck_assert_uint_lt(gs_engine_events_processed(eng), 288);
  /* The thermostat held the house in its band all day. */
  double ta = indoor(eng, id);
  ck_assert(ta >= 23.5 - 1e-6 && ta <= 24.5 + 1e-6);
  int64_t peak_mw =
      gs_meters_peak_mw(gs_engine_meters(eng), m, GS_US_PER_DAY, NULL);
  ck_assert_int_le(peak_mw, 30 * 240 * 1000); /* fits its 30 A breaker */
  ck_assert_int_ge(peak_mw, 3000 * 1000);
  finish(eng);
  gs_weather_free(wx);
}
END_TEST

/* (4b) Skipping the events at weather steps changes nothing: two runs of
 * an AC house (cycling) and a heat pump (idle all of a hot day), one as
 * the model schedules itself, the other with a no-op event (a PRICE with
 * no price) at every weather step, which ends the house's segment there as
 * the steps' own events used to. Temperatures at every step and the
 * energy of each house are the same to the last bit, with far fewer
 * events. */
START_TEST(test_lazy_steps_equal_eager) {
  gs_world_t world;
  gs_weather_t *wx = make_world(&world, 2, 4);
  double p[GS_HVAC_NPARAMS];
  defaults(p);
  double hp[GS_HVAC_NPARAMS];
  defaults(hp);
  hp[GS_HVAC_P_MODE] = GS_HVAC_MODE_HEAT_PUMP;
  gs_engine_t *eng[2];
  gs_entity_id_t ac[2], heat[2];
  uint32_t m_ac[2], m_heat[2];
  for (int k = 0; k < 2; k++) {
    eng[k] = make_engine(4);
    m_ac[k] = add_meter(eng[k], GS_METER_NONE);
    m_heat[k] = add_meter(eng[k], GS_METER_NONE);
    ac[k] = add_hvac(eng[k], 4, 0, p, m_ac[k], &world);
    heat[k] = add_hvac(eng[k], 4, 1, hp, m_heat[k], &world);
  }
  for (gs_time_us_t t = gs_weather_next_change_us(wx, 0); t < GS_US_PER_DAY;
       t = gs_weather_next_change_us(wx, t)) {
    gs_engine_schedule(eng[1], ac[1], t, GS_PHASE_MODEL, GS_EV_PRICE, 0, 0);
    gs_engine_schedule(eng[1], heat[1], t, GS_PHASE_MODEL, GS_EV_PRICE, 0, 0);
  }
  for (gs_time_us_t t = gs_weather_next_change_us(wx, 0); t < GS_US_PER_DAY;
       t = gs_weather_next_change_us(wx, t)) {
    for (int k = 0; k < 2; k++)
      ck_assert_int_eq(gs_engine_run(eng[k], t), GS_OK);
    ck_assert_double_eq(indoor(eng[0], ac[0]), indoor(eng[1], ac[1]));
    ck_assert_double_eq(indoor(eng[0], heat[0]), indoor(eng[1], heat[1]));
  }
  for (int k = 0; k < 2; k++)
    ck_assert_int_eq(gs_engine_run(eng[k], GS_US_PER_DAY), GS_OK);
  const gs_meters_t *ms[2] = {gs_engine_meters(eng[0]),
                              gs_engine_meters(eng[1])};
  ck_assert_int_eq(gs_meters_energy_mws(ms[0], m_ac[0], GS_US_PER_DAY),
                   gs_meters_energy_mws(ms[1], m_ac[1], GS_US_PER_DAY));
  ck_assert_int_gt(gs_meters_energy_mws(ms[0], m_ac[0], GS_US_PER_DAY), 0);
  ck_assert_int_eq(gs_meters_energy_mws(ms[0], m_heat[0], GS_US_PER_DAY), 0);
  ck_assert_double_eq(gs_hvac_mass_c(gs_engine_state(eng[0], heat[0]),
                                     GS_US_PER_DAY),
                      gs_hvac_mass_c(gs_engine_state(eng[1], heat[1]),
                                     GS_US_PER_DAY));
  /* The idle heat pump: one event per GS__HVAC_WALK_MAX steps at most. */
  ck_assert_uint_lt(gs_engine_events_processed(eng[0]),
                    gs_engine_events_processed(eng[1]) / 2);
  for (int k = 0; k < 2; k++) finish(eng[k]);
  gs_weather_free(wx);
}
END_TEST

/* (5) DR offset on a fleet of 100 homes: power falls during the event and
 * rebounds above the pre-event level after restore; the rebound comes
 * from the thermostats recovering the drifted temperatures. */
START_TEST(test_dr_offset_rebound) {
  enum { N = 100 };
  double p[GS_HVAC_NPARAMS];
  test_house(p);
  gs_engine_t *eng = make_engine(5);
  gs_meters_t *ms = gs_engine_meters(eng);
  uint32_t fleet = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id[N];
  for (int i = 0; i < N; i++)
    id[i] = add_hvac(eng, 5, (uint64_t)i, p, fleet, NULL);
  gs_time_us_t t_shed = 2 * GS_US_PER_DAY, t_rest = t_shed + GS_US_PER_H;
  for (int i = 0; i < N; i++) {
    command(eng, id[i], t_shed, GS_EV_LOAD_SHED, INT64_MAX, 0);
    command(eng, id[i], t_rest, GS_EV_LOAD_RESTORE, 0, 0);
  }
  gs_time_us_t t_pre = t_shed - GS_US_PER_H;
  ck_assert_int_eq(gs_engine_run(eng, t_pre), GS_OK);
  int64_t e0 = gs_meters_energy_mws(ms, fleet, t_pre);
  ck_assert_int_eq(gs_engine_run(eng, t_shed), GS_OK);
  int64_t e1 = gs_meters_energy_mws(ms, fleet, t_shed);
  for (int i = 0; i < N; i++)
    ck_assert(status(eng, id[i]).shedding);
  gs_time_us_t t_mid = t_shed + 30 * GS_US_PER_MIN;
  ck_assert_int_eq(gs_engine_run(eng, t_mid), GS_OK);
  int64_t e2 = gs_meters_energy_mws(ms, fleet, t_mid);
  ck_assert_int_eq(gs_engine_run(eng, t_rest), GS_OK);
  for (int i = 0; i < N; i++) {
    ck_assert(!status(eng, id[i]).shedding);
    ck_assert(!gs_hvac_opted_out(gs_engine_state(eng, id[i])));
  }
  int64_t e3 = gs_meters_energy_mws(ms, fleet, t_rest);
  gs_time_us_t t_reb = t_rest + 20 * GS_US_PER_MIN;
  ck_assert_int_eq(gs_engine_run(eng, t_reb), GS_OK);
  int64_t e4 = gs_meters_energy_mws(ms, fleet, t_reb);
  double before_w = (double)(e1 - e0) / 3600.0 / 1000.0;
  double first_w = (double)(e2 - e1) / 1800.0 / 1000.0;
  double rebound_w = (double)(e4 - e3) / 1200.0 / 1000.0;
  /* Raising the setpoint 2 degC: the homes coast up through 2 degC of
   * stored heat; in the first half hour the fleet draws far less. */
  ck_assert_double_lt(first_w, 0.5 * before_w);
  ck_assert_double_gt(rebound_w, 1.2 * before_w);
  finish(eng);
}
END_TEST

/* (5b) The comfort observer's reading: gs_hvac_discomfort_c (which skips
 * the walk for an idle house at or below its own setpoint) equals the
 * drift read from the trajectory, max(0, Ta - (24 + 0.5)) past the
 * thermostat's tolerance, for every house of a small fleet on a hot day
 * at every minute from an hour before a one-hour 2-degree offset to two
 * hours after it; some readings are idle, some positive. */
START_TEST(test_discomfort_reading) {
  enum { N = 60 };
  gs_world_t world;
  gs_weather_t *wx = make_world(&world, 2, 6);
  double p[GS_HVAC_NPARAMS];
  defaults(p);
  p[GS_HVAC_P_SETPOINT] = SP_C;
  gs_engine_t *eng = make_engine(6);
  uint32_t fleet = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id[N];
  for (int i = 0; i < N; i++) {
    p[GS_HVAC_P_FLOOR_AREA] = 120 + 3 * i; /* houses of their own pace */
    id[i] = add_hvac(eng, 6, (uint64_t)i, p, fleet, &world);
  }
  gs_time_us_t t_shed = GS_US_PER_DAY + 21 * GS_US_PER_H; /* 14 h local */
  gs_time_us_t t_rest = t_shed + GS_US_PER_H;
  for (int i = 0; i < N; i++) {
    command(eng, id[i], t_shed, GS_EV_LOAD_SHED, INT64_MAX, 0);
    command(eng, id[i], t_rest, GS_EV_LOAD_RESTORE, 0, 0);
  }
  int idle = 0, drifted = 0;
  for (gs_time_us_t t = t_shed - GS_US_PER_H; t <= t_rest + 2 * GS_US_PER_H;
       t += GS_US_PER_MIN) {
    ck_assert_int_eq(gs_engine_run(eng, t), GS_OK);
    for (int i = 0; i < N; i++) {
      const void *st = gs_engine_state(eng, id[i]);
      double d = gs_hvac_indoor_c(st, t) - (SP_C + 0.5 * p[GS_HVAC_P_DEADBAND]);
      double want = d > 1e-7 ? d : 0;
      ck_assert_double_eq(gs_hvac_discomfort_c(st, t), want);
      idle += !gs_hvac_running(st);
      drifted += want > 0.1;
    }
  }
  ck_assert_int_gt(idle, 1000);
  ck_assert_int_gt(drifted, 100);
  finish(eng);
  gs_weather_free(wx);
}
END_TEST

/* (6) Curtail: the compressor stops at the shed, the house drifts up and
 * the home opts out when Ta reaches comfort_max_c (28 degC) at the time of
 * the closed form (checked against the ODE); the thermostat then runs. */
START_TEST(test_curtail_opt_out) {
  double p[GS_HVAC_NPARAMS];
  test_house(p);
  p[GS_HVAC_P_DR_MODE] = GS_HVAC_DR_CURTAIL;
  gs_engine_t *eng = make_engine(6);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_hvac(eng, 6, 0, p, m, NULL);
  const void *st = gs_engine_state(eng, id);
  gs_time_us_t t_us = run_to_switch(eng, id, true) + 60 * GS_US_PER_S;
  ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
  /* A partial request below the running draw is declined (on/off). */
  command(eng, id, t_us, GS_EV_LOAD_SHED, on_power_mw() - 1, 0);
  ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
  ck_assert(!status(eng, id).shedding);
  ck_assert(running(eng, id));
  command(eng, id, t_us, GS_EV_LOAD_SHED, on_power_mw(), 0);
  ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
  ck_assert(status(eng, id).shedding);
  ck_assert_int_eq(gs_meters_power_mw(gs_engine_meters(eng), m), 0);
  double ta0 = gs_hvac_indoor_c(st, t_us), tm0 = gs_hvac_mass_c(st, t_us);
  double qm = GS_HVAC_MASS_GAIN_SHARE * GAINS;
  gs_hvac_seg_t off;
  gs_hvac_seg_solve(&test_etp, ta0, tm0, TO_C, GAINS - qm, qm, &off);
  double want_s = gs_hvac_seg_time_to(&off, 28.0, INFINITY);
  ck_assert(isfinite(want_s));
  ode_in_t in = {.to_c = TO_C, .qa_w = GAINS - qm, .qm_w = qm};
  double ta, tm;
  ode_solve(&in, ta0, tm0, want_s, &ta, &tm);
  ck_assert_double_eq_tol(ta, 28.0, 1e-6);
  gs_time_us_t out_us = t_us + llround(want_s * 1e6);
  ck_assert_int_eq(gs_engine_run(eng, out_us - 1), GS_OK);
  ck_assert(status(eng, id).shedding);
  ck_assert(!gs_hvac_opted_out(st));
  ck_assert_double_eq_tol(status(eng, id).comfort_cost,
                          (indoor(eng, id) - SP_C) / (28.0 - SP_C), 1e-9);
  ck_assert_int_eq(gs_engine_run(eng, out_us), GS_OK);
  ck_assert(gs_hvac_opted_out(st));
  ck_assert(!status(eng, id).shedding);
  ck_assert_double_eq_tol(status(eng, id).comfort_cost, 1.0, 1e-6);
  ck_assert(running(eng, id)); /* 28 degC: far above the upper edge */
  ck_assert_double_eq_tol(gs_hvac_indoor_c(st, out_us), 28.0, 1e-6);
  /* A restore after the opt-out changes nothing. */
  command(eng, id, out_us + 1, GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert_int_eq(gs_engine_run(eng, out_us + 1), GS_OK);
  ck_assert(gs_hvac_opted_out(st) && running(eng, id));
  finish(eng);
}
END_TEST

/* (7) Pre-cooling: a notice 3 h ahead with precool_s = 1 h lowers the
 * edges by precool_offset_c over the last hour only, Ta ends lower than in
 * an identical home without notice, and the edges return at the start. */
START_TEST(test_precool) {
  double p[GS_HVAC_NPARAMS];
  test_house(p);
  p[GS_HVAC_P_PRECOOL] = 3600;
  p[GS_HVAC_P_PRECOOL_OFF] = 2;
  gs_engine_t *eng = make_engine(7);
  gs_entity_id_t a = add_hvac(eng, 7, 0, p, GS_METER_NONE, NULL);
  gs_entity_id_t b = add_hvac(eng, 7, 0, p, GS_METER_NONE, NULL);
  gs_time_us_t t_note = GS_US_PER_DAY, start = t_note + 3 * GS_US_PER_H;
  command(eng, a, t_note, GS_EV_LOAD_NOTICE, start, 7200);
  double lo, hi;
  ck_assert_int_eq(gs_engine_run(eng, start - GS_US_PER_H - 1), GS_OK);
  gs_hvac_edges_c(gs_engine_state(eng, a), gs_engine_now(eng), &lo, &hi);
  ck_assert_double_eq_tol(lo, LOW_C, 1e-9);
  ck_assert_double_eq_tol(indoor(eng, a), indoor(eng, b), 1e-9);
  ck_assert_int_eq(gs_engine_run(eng, start - 10 * GS_US_PER_MIN), GS_OK);
  gs_hvac_edges_c(gs_engine_state(eng, a), gs_engine_now(eng), &lo, &hi);
  ck_assert_double_eq_tol(lo, LOW_C - 2, 1e-9);
  ck_assert_double_eq_tol(hi, HIGH_C - 2, 1e-9);
  ck_assert_double_le(indoor(eng, a), HIGH_C - 2 + 1e-6);
  ck_assert_double_lt(indoor(eng, a), indoor(eng, b) - 1);
  ck_assert_int_eq(gs_engine_run(eng, start), GS_OK);
  gs_hvac_edges_c(gs_engine_state(eng, a), start, &lo, &hi);
  ck_assert_double_eq_tol(lo, LOW_C, 1e-9);
  finish(eng);
}
END_TEST

/* (8) Duty limit 50 % per 30 min: during a 3-hour event every run lasts
 * at most 15 min and is followed by at least as long off; the on-fraction
 * is at most 50 %. */
START_TEST(test_duty_limit) {
  double p[GS_HVAC_NPARAMS];
  test_house(p);
  p[GS_HVAC_P_DR_MODE] = GS_HVAC_DR_DUTY;
  p[GS_HVAC_P_COMFORT_MAX] = 35; /* no opt-out in this test */
  gs_engine_t *eng = make_engine(8);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_hvac(eng, 8, 0, p, m, NULL);
  gs_time_us_t t0 = run_to_switch(eng, id, true) + 30 * GS_US_PER_S;
  gs_time_us_t t1 = t0 + 3 * GS_US_PER_H;
  command(eng, id, t0, GS_EV_LOAD_SHED, INT64_MAX, 0);
  command(eng, id, t1, GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert_int_eq(gs_engine_run(eng, t0), GS_OK);
  ck_assert(running(eng, id)); /* the run continues, counted from now */
  gs_meters_t *ms = gs_engine_meters(eng);
  int64_t e_t0 = gs_meters_energy_mws(ms, m, t0);
  gs_time_us_t on_at = t0, off_at = -1, last_run_us = 0;
  int runs = 0;
  for (;;) {
    gs_time_us_t t = gs_hvac_next_us(gs_engine_state(eng, id));
    if (t >= t1) break;
    bool was = running(eng, id);
    step(eng, id);
    bool now_on = running(eng, id);
    if (was && !now_on) {
      ck_assert_int_le(t - on_at, 15 * GS_US_PER_MIN);
      last_run_us = t - on_at;
      off_at = t;
      runs++;
    } else if (!was && now_on) {
      /* Locked off for run x (1 - 0.5) / 0.5 = the run, at least. */
      ck_assert_int_ge(off_at, 0);
      ck_assert_int_ge(t - off_at, last_run_us);
      on_at = t;
    }
  }
  ck_assert_int_ge(runs, 3);
  ck_assert_int_eq(gs_engine_run(eng, t1 - 1), GS_OK);
  double frac = (double)(gs_meters_energy_mws(ms, m, t1 - 1) - e_t0) /
                ((double)on_power_mw() * (double)(t1 - 1 - t0) / 1e6);
  ck_assert_double_le(frac, 0.5 + 1e-4);
  ck_assert_double_ge(frac, 0.3); /* hot house: it uses its allowance */
  finish(eng);
}
END_TEST

static void fleet_run(uint64_t seed, int n, uint64_t *digest, int64_t *e_mws,
                      double *ta3) {
  gs_world_t world;
  gs_weather_t *wx = make_world(&world, 1, seed);
  double p[GS_HVAC_NPARAMS];
  defaults(p);
  gs_engine_t *eng = make_engine(seed);
  uint32_t fleet = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id3 = GS_ENTITY_NONE;
  for (int i = 0; i < n; i++) {
    gs_entity_id_t id = add_hvac(eng, seed, (uint64_t)i, p, fleet, &world);
    if (i == 3) id3 = id;
    command(eng, id, 17 * GS_US_PER_H, GS_EV_LOAD_SHED, INT64_MAX, 0);
    command(eng, id, 19 * GS_US_PER_H, GS_EV_LOAD_RESTORE, 0, 0);
  }
  ck_assert_int_eq(gs_engine_run(eng, GS_US_PER_DAY), GS_OK);
  *digest = gs_engine_digest(eng);
  *e_mws = gs_meters_energy_mws(gs_engine_meters(eng), fleet, GS_US_PER_DAY);
  if (ta3) *ta3 = indoor(eng, id3);
  finish(eng);
  gs_weather_free(wx);
}

/* (9) Same seed, same events and energy; another seed, others. A home's
 * trajectory depends on its own key only, not on the fleet's size. */
START_TEST(test_determinism) {
  uint64_t d1, d2, d3;
  int64_t e1, e2, e3;
  double ta_a, ta_b;
  fleet_run(42, 20, &d1, &e1, &ta_a);
  fleet_run(42, 20, &d2, &e2, NULL);
  ck_assert_uint_eq(d1, d2);
  ck_assert_int_eq(e1, e2);
  fleet_run(43, 20, &d3, &e3, NULL);
  ck_assert_uint_ne(d1, d3);
  ck_assert_int_ne(e1, e3);
  fleet_run(42, 4, &d2, &e2, &ta_b);
  ck_assert_double_eq(ta_a, ta_b);
}
END_TEST

/* (10) N homes, each on its own meter under one fleet meter: the fleet's
 * power is exactly the sum of the homes' at every sampled instant, and its
 * energy the sum of theirs (each floored to mW s). */
START_TEST(test_fleet_sum) {
  enum { N = 50 };
  gs_world_t world;
  gs_weather_t *wx = make_world(&world, 1, 10);
  double p[GS_HVAC_NPARAMS];
  defaults(p);
  gs_engine_t *eng = make_engine(10);
  gs_meters_t *ms = gs_engine_meters(eng);
  uint32_t fleet = add_meter(eng, GS_METER_NONE), m[N];
  gs_entity_id_t id[N];
  for (int i = 0; i < N; i++) {
    m[i] = add_meter(eng, fleet);
    id[i] = add_hvac(eng, 10, (uint64_t)i, p, m[i], &world);
  }
  int n_on = 0;
  for (int i = 0; i < N; i++)
    n_on += running(eng, id[i]);
  ck_assert_int_gt(n_on, 0); /* desynchronised: some run, some not */
  ck_assert_int_lt(n_on, N);
  for (gs_time_us_t t = 7 * GS_US_PER_H + 17; t < GS_US_PER_DAY;
       t += 97 * GS_US_PER_MIN) {
    ck_assert_int_eq(gs_engine_run(eng, t), GS_OK);
    int64_t sum = 0;
    for (int i = 0; i < N; i++) {
      int64_t pw = status(eng, id[i]).power_mw;
      ck_assert_int_eq(gs_meters_power_mw(ms, m[i]), pw);
      sum += pw;
    }
    ck_assert_int_eq(gs_meters_power_mw(ms, fleet), sum);
  }
  gs_time_us_t end = gs_engine_now(eng);
  int64_t sum_mws = 0;
  for (int i = 0; i < N; i++)
    sum_mws += gs_meters_energy_mws(ms, m[i], end);
  int64_t fleet_mws = gs_meters_energy_mws(ms, fleet, end);
  ck_assert_int_ge(fleet_mws - sum_mws, 0);
  ck_assert_int_lt(fleet_mws - sum_mws, N);
  finish(eng);
  gs_weather_free(wx);
}
END_TEST

/* (11) Contract view: critical by default (shed capability 0), 30 A x
 * 240 V capacity, power as drawn; a setLoad capacity limit below the
 * running draw keeps it off; disabled means 0 W. */
START_TEST(test_status_contract) {
  double p[GS_HVAC_NPARAMS];
  test_house(p);
  p[GS_HVAC_P_CRITICAL] = 1;
  gs_engine_t *eng = make_engine(11);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_hvac(eng, 11, 0, p, m, NULL);
  gs_time_us_t t = run_to_switch(eng, id, true) + 1;
  ck_assert_int_eq(gs_engine_run(eng, t), GS_OK);
  gs_load_status_t st = status(eng, id);
  ck_assert(st.critical && st.enabled && !st.shedding);
  ck_assert_int_eq(st.capacity_mw, 30 * 240 * 1000);
  ck_assert_int_eq(st.power_mw, on_power_mw());
  ck_assert_int_eq(st.shed_capability_mw, 0);
  ck_assert_double_eq(st.soc_pct, -1);
  ck_assert(st.comfort_cost >= 0 && st.comfort_cost <= 0.5 / 4 + 1e-9);
  command(eng, id, t, GS_EV_LOAD_SET, on_power_mw() - 1, 0);
  ck_assert_int_eq(gs_engine_run(eng, t), GS_OK);
  ck_assert_int_eq(gs_meters_power_mw(gs_engine_meters(eng), m), 0);
  command(eng, id, t + 1, GS_EV_LOAD_SET, -1, 0);
  ck_assert_int_eq(gs_engine_run(eng, t + 1), GS_OK);
  ck_assert_int_eq(status(eng, id).power_mw, on_power_mw()); /* Ta > low */
  finish(eng);

  test_house(p);
  eng = make_engine(11);
  id = add_hvac(eng, 11, 0, p, GS_METER_NONE, NULL);
  t = run_to_switch(eng, id, true) + 1;
  ck_assert_int_eq(gs_engine_run(eng, t), GS_OK);
  ck_assert_int_eq(status(eng, id).shed_capability_mw, on_power_mw());
  finish(eng);
}
END_TEST

/* (12) Heating: a resistance-heated house at 0 degC draws capacity + fan
 * (COP 1) and holds 20.5-21.5 degC; a heat pump at 0 degC draws less for
 * the same capacity curve. A night setback lowers the band. */
START_TEST(test_heating_and_setback) {
  double p[GS_HVAC_NPARAMS];
  test_house(p);
  p[GS_HVAC_P_MODE] = GS_HVAC_MODE_RESISTANCE;
  p[GS_HVAC_P_OUTDOOR] = 0;
  p[GS_HVAC_P_SETBACK] = 3;
  p[GS_HVAC_P_SETBACK_START] = 22;
  p[GS_HVAC_P_SETBACK_END] = 6;
  gs_engine_t *eng = make_engine(12);
  gs_entity_id_t id = add_hvac(eng, 12, 0, p, GS_METER_NONE, NULL);
  gs_time_us_t t = run_to_switch(eng, id, true);
  ck_assert_int_eq(status(eng, id).power_mw, llround((CAP_W + FAN_W) * 1000.0));
  ck_assert_double_eq_tol(indoor(eng, id), t < 6 * GS_US_PER_H ? 17.5 : 20.5,
                          1e-6);
  double lo, hi;
  gs_hvac_edges_c(gs_engine_state(eng, id), 12 * GS_US_PER_H, &lo, &hi);
  ck_assert_double_eq_tol(lo, 20.5, 1e-9);
  gs_hvac_edges_c(gs_engine_state(eng, id), 23 * GS_US_PER_H, &lo, &hi);
  ck_assert_double_eq_tol(lo, 17.5, 1e-9);
  ck_assert_double_eq_tol(hi, 18.5, 1e-9);
  ck_assert_int_eq(gs_engine_run(eng, 26 * GS_US_PER_H), GS_OK);
  ck_assert_double_le(indoor(eng, id), 18.5 + 1e-6);
  ck_assert_double_ge(indoor(eng, id), 17.5 - 1e-6);
  ck_assert_int_eq(gs_engine_run(eng, 36 * GS_US_PER_H), GS_OK);
  ck_assert_double_ge(indoor(eng, id), 20.5 - 1e-6);
  ck_assert_double_le(indoor(eng, id), 21.5 + 1e-6);
  finish(eng);

  p[GS_HVAC_P_MODE] = GS_HVAC_MODE_HEAT_PUMP;
  eng = make_engine(12);
  id = add_hvac(eng, 12, 0, p, GS_METER_NONE, NULL);
  run_to_switch(eng, id, true);
  double cap0 = CAP_W * gs_hvac_heat_cap_mult(0);
  ck_assert_int_eq(
      status(eng, id).power_mw,
      llround((cap0 * gs_hvac_heat_eir_mult(0) / 2.5 + FAN_W) * 1000.0));
  ck_assert_int_lt(status(eng, id).power_mw, llround(cap0 * 1000.0));
  finish(eng);
}
END_TEST

/* Inconsistent parameters are refused with a message naming the entity. */
START_TEST(test_bad_params) {
  double p[GS_HVAC_NPARAMS];
  defaults(p);
  p[GS_HVAC_P_COMFORT_MAX] = 24.2; /* inside the deadband */
  gs_test_refused(&gs_model_hvac, 13, p, "hvac1", "comfort");
  defaults(p);
  p[GS_HVAC_P_UA] = 0;
  gs_test_refused(&gs_model_hvac, 13, p, "hvac1", "ua_w_per_k");
}
END_TEST

Suite *hvac_suite(void) {
  Suite *s = suite_create("hvac");
  TCase *tc = tcase_create("hvac");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_defaults);
  tcase_add_test(tc, test_closed_form_vs_ode);
  tcase_add_test(tc, test_time_to_edge);
  tcase_add_test(tc, test_off_trajectory);
  tcase_add_test(tc, test_switching_edges);
  tcase_add_test(tc, test_duty_cycle_and_energy);
  tcase_add_test(tc, test_hot_day_energy);
  tcase_add_test(tc, test_dr_offset_rebound);
  tcase_add_test(tc, test_curtail_opt_out);
  tcase_add_test(tc, test_precool);
  tcase_add_test(tc, test_duty_limit);
  tcase_add_test(tc, test_determinism);
  tcase_add_test(tc, test_fleet_sum);
  tcase_add_test(tc, test_status_contract);
  tcase_add_test(tc, test_heating_and_setback);
  tcase_add_test(tc, test_lazy_steps_equal_eager);
  tcase_add_test(tc, test_discomfort_reading);
  tcase_add_test(tc, test_bad_params);
  suite_add_tcase(s, tc);
  return s;
}
