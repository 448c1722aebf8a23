/* SPDX-License-Identifier: MIT */
/* Tests of the water heater model against closed forms, energy balance,
 * published consumption and the Building America draw profile. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gridsim/engine.h"
#include "gridsim/meter.h"
#include "gridsim/rng.h"
#include "models.h"
#include "water_heater.h"
#include "test_util.h"

/* The defaults, restated so expectations are computed independently of the
 * model's code (test_defaults checks them against its table). The model
 * keeps C and UA as float and temperatures in 0.01 degC, so the expected
 * values use the same roundings. */
#define SET_C     51.7
#define BAND_C    5.6
#define VOLUME_L  189.3
#define UA_W_K    1.055
#define POWER_W   4500.0
#define AMB_C     20.0
#define INLET_C   14.4
#define MIN_C     43.3
#define DAILY_L   208.2
#define DRAWS     12.0
#define FLOW_LPM  6.4
#define LOW_C     48.9 /* SET_C - BAND_C / 2 */
#define HIGH_C    54.5
#define RHO       0.988
#define CP        4181.0
#define RATED_MW  ((int64_t)(POWER_W * 1000))
#define CAP_J_K   ((double)(float)(VOLUME_L * RHO * CP))
#define UA        ((double)(float)UA_W_K)
#define TAU_OFF_S (CAP_J_K / UA)
#define INF_ON_C  (AMB_C + POWER_W / UA)

/* An edge lands on a whole µs (±0.5 µs); a duration measured from one
 * edge to the next is exact to within a few µs when the next segment is
 * computed from the temperature the model holds at its start. */
#define DUR_TOL_US 4

static void defaults(double *p) { gs_test_defaults(&gs_model_water_heater, p); }

static gs_engine_t *make_engine(uint64_t seed) { return gs_test_engine(seed); }

static uint32_t add_meter(gs_engine_t *eng, uint32_t parent) {
  return gs_test_meter(eng, parent);
}

/* Adds water heater number `i` (stream key ("test", i, 0)). */
static gs_entity_id_t add_wh(gs_engine_t *eng, uint64_t seed, uint64_t i,
                             const double *p, uint32_t meter) {
  return gs_test_add_load(eng, &gs_model_water_heater, seed, i, p, meter, "heater1");
}

static gs_load_status_t status(gs_engine_t *eng, gs_entity_id_t id) {
  return gs_test_status(eng, &gs_model_water_heater, id);
}

static int64_t power_mw(gs_engine_t *eng, gs_entity_id_t id) {
  return status(eng, id).power_mw;
}

static double temp_c(gs_engine_t *eng, gs_entity_id_t id, gs_time_us_t t) {
  return gs_water_heater_temp_c(gs_engine_state(eng, id), t);
}

static void send(gs_engine_t *eng, gs_entity_id_t id, gs_time_us_t at_us,
                 uint16_t kind, int64_t arg, uint32_t arg2) {
  gs_engine_schedule(eng, id, at_us, GS_PHASE_COMMAND, kind, arg, arg2);
  ck_assert_int_eq(gs_engine_run(eng, at_us), GS_OK);
}

/* Runs to the heater's next edge (no draws pending) and returns its time. */
static gs_time_us_t step(gs_engine_t *eng, gs_entity_id_t id) {
  gs_time_us_t at_us = gs_water_heater_next_edge_us(gs_engine_state(eng, id));
  ck_assert_int_ne(at_us, GS_TIME_NEVER);
  ck_assert_int_eq(gs_engine_run(eng, at_us), GS_OK);
  return at_us;
}

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

/* ---- A per-event observer that integrates each segment independently.
 * After every event it reads the heater's segment; when a new one starts,
 * the previous one is integrated in closed form with the test's own
 * formulas: element energy, stored-energy change, standby loss, energy
 * carried out by draws, drawn volume; and draw starts are counted by hour. */
typedef struct tracker {
  gs_entity_id_t id;
  gs_wh_params_t p;
  gs_wh_segment_t seg; /* latest seen: the dynamics from seg.t0_us */
  double temp_start_c;
  double elec_j, loss_j, draw_j, vol_l, max_jump_c, temp_time_c_s;
  unsigned n_seen;
  uint64_t arrivals, by_hour[24];
} tracker_t;

typedef struct watch {
  tracker_t *tr;
  size_t n;
} watch_t;

/* Integrates the tracked segment up to `t1_us`; returns its end temperature. */
static double close_segment(tracker_t *tr, gs_time_us_t t1_us) {
  const gs_wh_params_t *p = &tr->p;
  double pw = tr->seg.element_on ? p->power_w : 0;
  double gd = tr->seg.n_draws * p->draw_w_per_k;
  double g = p->ua_w_per_k + gd;
  double inf = (p->ua_w_per_k * p->ambient_c + gd * p->inlet_c + pw) / g;
  double tau = p->cap_j_per_k / g;
  double dt = (double)(t1_us - tr->seg.t0_us) / 1e6;
  double x = exp(-dt / tau);
  double integral = inf * dt + (tr->seg.temp0_c - inf) * tau * (1 - x);
  tr->elec_j += pw * dt;
  tr->loss_j += p->ua_w_per_k * (integral - p->ambient_c * dt);
  tr->draw_j += gd * (integral - p->inlet_c * dt);
  tr->vol_l += tr->seg.n_draws * p->flow_lpm / 60 * dt;
  tr->temp_time_c_s += integral;
  return inf + (tr->seg.temp0_c - inf) * x;
}

static void track(tracker_t *tr, gs_engine_t *eng) {
  gs_wh_segment_t s;
  gs_water_heater_segment(gs_engine_state(eng, tr->id), &s);
  if (s.t0_us != tr->seg.t0_us) {
    double end_c = close_segment(tr, s.t0_us);
    double jump = fabs(end_c - s.temp0_c);
    if (jump > tr->max_jump_c) tr->max_jump_c = jump;
  }
  if (s.n_draws > tr->n_seen) {
    unsigned h = (unsigned)(gs_engine_now(eng) / GS_US_PER_H % 24);
    tr->arrivals += s.n_draws - tr->n_seen;
    tr->by_hour[h] += s.n_draws - tr->n_seen;
  }
  tr->n_seen = s.n_draws;
  tr->seg = s;
}

static void watch_tick(void *ud, gs_engine_t *eng) {
  watch_t *w = ud;
  for (size_t i = 0; i < w->n; i++)
    track(&w->tr[i], eng);
}

static void watch_start(gs_engine_t *eng, watch_t *w, tracker_t *tr, size_t n,
                        const gs_entity_id_t *ids) {
  memset(tr, 0, n * sizeof *tr);
  for (size_t i = 0; i < n; i++) {
    const void *st = gs_engine_state(eng, ids[i]);
    tr[i].id = ids[i];
    gs_water_heater_params(st, &tr[i].p);
    gs_water_heater_segment(st, &tr[i].seg);
    tr[i].temp_start_c = tr[i].seg.temp0_c;
    tr[i].n_seen = tr[i].seg.n_draws;
  }
  w->tr = tr;
  w->n = n;
  gs_observer_t obs = {
      .name = "wh", .tick = watch_tick, .tick_events = 1, .ud = w};
  ck_assert_int_eq(gs_engine_add_observer(eng, &obs), GS_OK);
}

/* Closes every tracked segment at `end_us` (after running to it). */
static void watch_end(watch_t *w, gs_time_us_t end_us) {
  for (size_t i = 0; i < w->n; i++) {
    close_segment(&w->tr[i], end_us);
    w->tr[i].seg.t0_us = end_us;
  }
}

START_TEST(test_defaults) {
  const gs_param_spec_t *ps = gs_model_water_heater.params;
  ck_assert_str_eq(gs_model_water_heater.name, "water_heater");
  ck_assert_int_eq(gs_model_water_heater.role, GS_ROLE_LOAD);
  ck_assert_uint_eq(gs_model_water_heater.n_params, GS_WH_NPARAMS);
  ck_assert_uint_le(gs_model_water_heater.state_size, 96);
  ck_assert_ptr_eq(gs_model_find("water_heater"), &gs_model_water_heater);
  ck_assert_double_eq(ps[GS_WH_P_SETPOINT].def, SET_C);
  ck_assert_double_eq(ps[GS_WH_P_DEADBAND].def, BAND_C);
  ck_assert_double_eq(ps[GS_WH_P_VOLUME].def, VOLUME_L);
  ck_assert_double_eq(ps[GS_WH_P_UA].def, UA_W_K);
  ck_assert_double_eq(ps[GS_WH_P_POWER].def * 1000, POWER_W);
  ck_assert_double_eq(ps[GS_WH_P_AMBIENT].def, AMB_C);
  ck_assert_double_eq(ps[GS_WH_P_INLET].def, INLET_C);
  ck_assert_double_eq(ps[GS_WH_P_MIN_TEMP].def, MIN_C);
  ck_assert_double_eq(ps[GS_WH_P_DAILY_VOL].def, DAILY_L);
  ck_assert_double_eq(ps[GS_WH_P_DRAWS].def, DRAWS);
  ck_assert_double_eq(ps[GS_WH_P_FLOW].def, FLOW_LPM);
  ck_assert_double_eq(ps[GS_WH_P_CRITICAL].def, 0);
  ck_assert_double_eq(ps[GS_WH_P_BREAKER].def, 30);
  for (size_t i = 0; i < gs_model_water_heater.n_params; i++) {
    ck_assert_ptr_nonnull(ps[i].unit);
    ck_assert_ptr_nonnull(ps[i].doc);
    ck_assert(ps[i].def >= ps[i].min && ps[i].def <= ps[i].max);
  }
  /* The effective values after quantisation. */
  double p[GS_WH_NPARAMS];
  defaults(p);
  gs_engine_t *eng = make_engine(1);
  gs_entity_id_t id = add_wh(eng, 1, 0, p, GS_METER_NONE);
  gs_wh_params_t wp;
  gs_water_heater_params(gs_engine_state(eng, id), &wp);
  ck_assert_double_eq(wp.cap_j_per_k, CAP_J_K);
  ck_assert_double_eq(wp.ua_w_per_k, UA);
  ck_assert_double_eq_tol(wp.low_c, LOW_C, 1e-12);
  ck_assert_double_eq_tol(wp.high_c, HIGH_C, 1e-12);
  ck_assert_double_eq_tol(wp.min_c, MIN_C, 1e-12);
  ck_assert_double_eq_tol(wp.draw_w_per_k, FLOW_LPM / 60 * RHO * CP, 1e-9);
  ck_assert_double_eq_tol(wp.mean_draw_s * DRAWS * FLOW_LPM / 60, DAILY_L,
                          1e-4);
  /* 50 gal, 8.6-day standby time constant: C / UA. */
  ck_assert_double_eq_tol(TAU_OFF_S / 86400, 8.578, 1e-3);
  gs_load_status_t st = status(eng, id);
  ck_assert_int_eq(st.capacity_mw, 30 * 240 * 1000);
  ck_assert(!st.critical && st.enabled && !st.shedding);
  ck_assert_double_eq(st.soc_pct, -1);
  finish(eng);
}
END_TEST

/* The exported profile is the Building America fixture profile, normalised. */
START_TEST(test_profile_table) {
  double sum = 0, peak = 0;
  for (int h = 0; h < 24; h++) {
    sum += gs_water_heater_hourly[h];
    if (gs_water_heater_hourly[h] > peak) peak = gs_water_heater_hourly[h];
  }
  ck_assert_double_eq_tol(sum, 1, 1e-12);
  ck_assert_double_eq_tol(peak, 0.087 / 1.002, 1e-15);
  ck_assert_double_eq(gs_water_heater_hourly[7], peak);
  ck_assert_double_eq_tol(gs_water_heater_hourly[3], 0.005 / 1.002, 1e-15);
}
END_TEST

/* With no draws: standby cooling from the upper edge is the exponential
 * toward the room with tau = C / UA, and both thermostat durations equal
 * their closed forms. */
START_TEST(test_closed_form_no_draws) {
  double p[GS_WH_NPARAMS];
  defaults(p);
  p[GS_WH_P_DRAWS] = 0;
  gs_engine_t *eng = make_engine(2);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_wh(eng, 2, 0, p, m);
  const void *st = gs_engine_state(eng, id);

  gs_time_us_t t_off_us = run_to_switch(eng, id, false);
  double off_c = temp_c(eng, id, t_off_us);
  ck_assert_double_eq_tol(off_c, HIGH_C, 1e-8);
  for (int k = 1; k <= 30; k++) {
    gs_time_us_t t_us = t_off_us + k * GS_US_PER_H;
    ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
    ck_assert_int_eq(power_mw(eng, id), 0);
    double dt_s = (double)(t_us - t_off_us) / 1e6;
    double want_c = AMB_C + (off_c - AMB_C) * exp(-dt_s / TAU_OFF_S);
    ck_assert_double_eq_tol(temp_c(eng, id, t_us), want_c, 1e-8);
  }
  /* The idle time from the upper to the lower edge: about 36.5 h. */
  double idle_s = TAU_OFF_S * log((off_c - AMB_C) / (LOW_C - AMB_C));
  ck_assert_double_eq_tol(idle_s / 3600, 36.46, 0.01);
  gs_time_us_t t_on_us = step(eng, id);
  int64_t e_on_mws = gs_meters_energy_mws(gs_engine_meters(eng), m, t_on_us);
  ck_assert_int_eq(power_mw(eng, id), RATED_MW);
  ck_assert_int_le(llabs(t_on_us - t_off_us - llround(idle_s * 1e6)),
                   DUR_TOL_US);
  double on_c = temp_c(eng, id, t_on_us);
  ck_assert_double_eq_tol(on_c, LOW_C, 1e-8);

  /* Heating from the lower to the upper edge: T_inf = T_amb + P / UA. */
  double heat_s = TAU_OFF_S * log((INF_ON_C - on_c) / (INF_ON_C - HIGH_C));
  ck_assert_double_eq_tol(heat_s, 980.4, 0.1); /* ~ C dT / P, 16 min */
  gs_time_us_t mid_us = t_on_us + 300 * GS_US_PER_S;
  ck_assert_int_eq(gs_engine_run(eng, mid_us), GS_OK);
  double want_c = INF_ON_C + (on_c - INF_ON_C) * exp(-300.0 / TAU_OFF_S);
  ck_assert_double_eq_tol(temp_c(eng, id, mid_us), want_c, 1e-8);
  gs_time_us_t t_off2_us = step(eng, id);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert_int_le(llabs(t_off2_us - t_on_us - llround(heat_s * 1e6)),
                   DUR_TOL_US);
  /* Exactly P over the heating time went into the meter. */
  int64_t e_mws =
      gs_meters_energy_mws(gs_engine_meters(eng), m, t_off2_us) - e_on_mws;
  ck_assert_int_le(llabs(e_mws - llround(POWER_W * 1000 * heat_s)),
                   (int64_t)(POWER_W * 1000 * DUR_TOL_US / 1e6) + 1);
  (void)st;
  finish(eng);
}
END_TEST

/* setLoad: with the breaker off the tank cools past the lower edge toward
 * the room (no edge is due); a capacity limit below the element acts the
 * same; switching back on heats at once, since the thermostat calls. */
START_TEST(test_set_load) {
  double p[GS_WH_NPARAMS];
  defaults(p);
  p[GS_WH_P_DRAWS] = 0;
  gs_engine_t *eng = make_engine(3);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_wh(eng, 3, 0, p, m);
  const void *st = gs_engine_state(eng, id);
  gs_time_us_t t_us = run_to_switch(eng, id, true) + GS_US_PER_MIN;
  ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
  send(eng, id, t_us, GS_EV_LOAD_SET, -1, 2); /* enabled given: false */
  gs_load_status_t s0 = status(eng, id);
  ck_assert_int_eq(s0.power_mw, 0);
  ck_assert(!s0.enabled);
  ck_assert_int_eq(gs_meters_power_mw(gs_engine_meters(eng), m), 0);
  ck_assert_int_eq(gs_water_heater_next_edge_us(st), GS_TIME_NEVER);
  double t0_c = temp_c(eng, id, t_us);
  gs_time_us_t t1_us = t_us + 5 * GS_US_PER_DAY;
  ck_assert_int_eq(gs_engine_run(eng, t1_us), GS_OK);
  double want_c = AMB_C + (t0_c - AMB_C) * exp(-5 * 86400.0 / TAU_OFF_S);
  ck_assert_double_eq_tol(temp_c(eng, id, t1_us), want_c, 1e-8);
  ck_assert(want_c < MIN_C);
  ck_assert_double_eq(status(eng, id).comfort_cost, 1);
  /* Enabled again but capped below the element: still off. */
  send(eng, id, t1_us, GS_EV_LOAD_SET, RATED_MW - 1, 3);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert(status(eng, id).enabled);
  /* A limit that fits the element: it heats. */
  send(eng, id, t1_us, GS_EV_LOAD_SET, RATED_MW, 0);
  ck_assert_int_eq(power_mw(eng, id), RATED_MW);
  ck_assert_int_eq(gs_meters_power_mw(gs_engine_meters(eng), m), RATED_MW);
  /* And it heats to the upper edge in the closed-form time. */
  double heat_s = TAU_OFF_S * log((INF_ON_C - want_c) / (INF_ON_C - HIGH_C));
  gs_time_us_t t2_us = step(eng, id);
  ck_assert_int_le(llabs(t2_us - t1_us - llround(heat_s * 1e6)), DUR_TOL_US);
  ck_assert_int_eq(power_mw(eng, id), 0);
  finish(eng);
}
END_TEST

/* Energy balance over three days with draws and a shed: the element's
 * energy equals the change of stored energy plus standby losses plus the
 * energy the draws carry out, each integrated per segment in the test; the
 * temperature is continuous across every event; the meter agrees. */
START_TEST(test_energy_balance) {
  double p[GS_WH_NPARAMS];
  defaults(p);
  gs_engine_t *eng = make_engine(4);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_wh(eng, 4, 0, p, m);
  tracker_t tr;
  watch_t w;
  watch_start(eng, &w, &tr, 1, &id);
  gs_time_us_t shed_us = 41 * GS_US_PER_H, end_us = 3 * GS_US_PER_DAY;
  gs_engine_schedule(eng, id, shed_us, GS_PHASE_COMMAND, GS_EV_LOAD_SHED,
                     INT64_MAX, 0);
  gs_engine_schedule(eng, id, shed_us + 3 * GS_US_PER_H, GS_PHASE_COMMAND,
                     GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert_int_eq(gs_engine_run(eng, end_us), GS_OK);
  watch_end(&w, end_us);
  double stored_j = CAP_J_K * (temp_c(eng, id, end_us) - tr.temp_start_c);
  double resid_j = tr.elec_j - stored_j - tr.loss_j - tr.draw_j;
  ck_assert_double_eq_tol(resid_j, 0, 1e-7 * tr.elec_j);
  ck_assert_double_le(tr.max_jump_c, 1e-9);
  double meter_j =
      (double)gs_meters_energy_mws(gs_engine_meters(eng), m, end_us) / 1000;
  ck_assert_double_eq_tol(meter_j, tr.elec_j, 1e-3 + 1e-12 * tr.elec_j);
  /* Every term matters: about 30 kWh in, of which ~2.4 kWh standby. */
  ck_assert_double_gt(tr.draw_j, 20 * 3.6e6);
  ck_assert_double_gt(tr.loss_j, 2 * 3.6e6);
  ck_assert_uint_gt(tr.arrivals, 20);
  finish(eng);
}
END_TEST

/* A fleet of default households over 20 days: mean daily energy within the
 * published range, and equal to the energy to heat the mean drawn volume
 * plus standby; drawn volume equal to the parameter. */
START_TEST(test_daily_energy) {
  enum { N = 100, DAYS = 20 };
  double p[GS_WH_NPARAMS];
  defaults(p);
  gs_engine_t *eng = make_engine(5);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t ids[N];
  for (int i = 0; i < N; i++)
    ids[i] = add_wh(eng, 5, (uint64_t)i, p, m);
  static tracker_t tr[N];
  watch_t w;
  watch_start(eng, &w, tr, N, ids);
  gs_time_us_t end_us = DAYS * GS_US_PER_DAY;
  ck_assert_int_eq(gs_engine_run(eng, end_us), GS_OK);
  watch_end(&w, end_us);
  double kwh_day =
      gs_meters_energy_kwh(gs_engine_meters(eng), m, end_us) / N / DAYS;
  double vol_l = 0, temp_mean_c = 0;
  for (int i = 0; i < N; i++) {
    vol_l += tr[i].vol_l;
    temp_mean_c += tr[i].temp_time_c_s / ((double)end_us / 1e6);
  }
  vol_l /= (double)N * DAYS;
  temp_mean_c /= N;
  /* Poisson count x exponential volume: sd ~85 L per heater-day, so
   * ~1.9 L over 2000 heater-days. */
  ck_assert_double_eq_tol(vol_l, DAILY_L, 0.03 * DAILY_L);
  /* The one-node tank sits in its deadband on average. */
  ck_assert_double_ge(temp_mean_c, LOW_C);
  ck_assert_double_le(temp_mean_c, HIGH_C);
  /* The DOE-style estimate: heat the drawn volume from the inlet to the
   * setpoint, plus standby at the setpoint (~9.7 kWh/day for the medium
   * pattern, 55 gal at 125 degF from 58 degF). A fully mixed tank
   * delivers its water at the mixed temperature, which a draw itself
   * lowers: the draw-weighted temperature is ~49 degC, a few degrees below
   * the time mean, so the one-node model uses 5-8 % less. */
  double want_kwh =
      (vol_l * RHO * CP * (SET_C - INLET_C) + UA * (SET_C - AMB_C) * 86400) /
      3.6e6;
  ck_assert_double_le(kwh_day, want_kwh);
  ck_assert_double_ge(kwh_day, 0.9 * want_kwh);
  double draw_j = 0;
  for (int i = 0; i < N; i++)
    draw_j += tr[i].draw_j;
  double draw_c = INLET_C + draw_j / ((double)N * DAYS) / (vol_l * RHO * CP);
  ck_assert_double_ge(draw_c, LOW_C - 1);
  ck_assert_double_lt(draw_c, temp_mean_c);
  /* Published range for a 4-person household: 8-15 kWh/day (RECS 2020
   * averages 2,706 kWh/yr = 7.4 kWh/day over all electric water heaters). */
  ck_assert_double_ge(kwh_day, 8);
  ck_assert_double_le(kwh_day, 12);
  finish(eng);
}
END_TEST

/* Chi-square of 24 hourly counts against the profile; 23 degrees of
 * freedom, 0.1 % critical value 49.73. */
static double chi_square(const uint64_t *count, unsigned shift_h) {
  uint64_t total = 0;
  for (int h = 0; h < 24; h++)
    total += count[h];
  double chi2 = 0;
  for (int h = 0; h < 24; h++) {
    double e = (double)total * gs_water_heater_hourly[(h + shift_h) % 24];
    chi2 += ((double)count[h] - e) * ((double)count[h] - e) / e;
  }
  return chi2;
}

/* The thinning sampler alone, with a large sample, at local midnight and
 * with the clock six hours ahead of simulated time. */
START_TEST(test_arrival_sampler) {
  for (unsigned shift_h = 0; shift_h <= 6; shift_h += 6) {
    gs_rng_t r;
    gs_rng_init(&r, 6, gs_rng_key("sampler", shift_h, 0), GS_RNG_USER);
    uint64_t count[24] = {0};
    gs_time_us_t t_us = 0;
    int n = 0;
    for (; n < 200000; n++) {
      t_us = gs_water_heater_next_arrival_us(&r, t_us, 20, shift_h * 60);
      count[t_us / GS_US_PER_H % 24]++;
    }
    ck_assert_double_lt(chi_square(count, shift_h), 49.73);
    /* And the rate: 20 per day. */
    ck_assert_double_eq_tol((double)n / ((double)t_us / GS_US_PER_DAY), 20,
                            0.2);
  }
  gs_rng_t r;
  gs_rng_init(&r, 6, 1, GS_RNG_USER);
  ck_assert_int_eq(gs_water_heater_next_arrival_us(&r, 0, 0, 0), GS_TIME_NEVER);
}
END_TEST

/* A fleet's draw starts, as seen from the model's state, follow the
 * Building America hourly weights. */
START_TEST(test_fleet_profile) {
  enum { N = 400, DAYS = 8 };
  double p[GS_WH_NPARAMS];
  defaults(p);
  gs_engine_t *eng = make_engine(7);
  gs_entity_id_t ids[N];
  for (int i = 0; i < N; i++)
    ids[i] = add_wh(eng, 7, (uint64_t)i, p, GS_METER_NONE);
  static tracker_t tr[N];
  watch_t w;
  watch_start(eng, &w, tr, N, ids);
  ck_assert_int_eq(gs_engine_run(eng, DAYS * GS_US_PER_DAY), GS_OK);
  uint64_t count[24] = {0}, total = 0;
  for (int i = 0; i < N; i++)
    for (int h = 0; h < 24; h++)
      count[h] += tr[i].by_hour[h];
  for (int h = 0; h < 24; h++)
    total += count[h];
  /* 12 per day: 38,400 expected, sd ~196. */
  ck_assert_double_eq_tol((double)total, N * DAYS * DRAWS,
                          0.02 * N * DAYS * DRAWS);
  ck_assert_double_lt(chi_square(count, 0), 49.73);
  /* The morning peak (7:00) carries ~20 times the 2:00 trough. */
  ck_assert_uint_gt(count[7], 15 * count[2]);
  finish(eng);
}
END_TEST

/* Shed with no draws: partial sheds are declined; a full one holds the
 * element off past the lower edge until the comfort limit, which
 * overrides it (an opt-out); the restore clears the override. */
START_TEST(test_shed_until_limit) {
  double p[GS_WH_NPARAMS];
  defaults(p);
  p[GS_WH_P_DRAWS] = 0;
  p[GS_WH_P_MIN_TEMP] = 48; /* reached after ~6.5 h of standby */
  gs_engine_t *eng = make_engine(8);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_wh(eng, 8, 0, p, m);
  const void *st = gs_engine_state(eng, id);
  gs_time_us_t t_us = run_to_switch(eng, id, true) + 2 * GS_US_PER_MIN;
  ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
  gs_load_status_t s0 = status(eng, id);
  ck_assert_int_eq(s0.power_mw, RATED_MW);
  ck_assert_int_eq(s0.shed_capability_mw, RATED_MW);
  ck_assert_double_eq(s0.comfort_cost, 0);

  send(eng, id, t_us, GS_EV_LOAD_SHED, RATED_MW - 1, 0);
  ck_assert_int_eq(power_mw(eng, id), RATED_MW);
  ck_assert(!gs_water_heater_is_shed(st));

  send(eng, id, t_us, GS_EV_LOAD_SHED, RATED_MW, 0);
  gs_load_status_t s1 = status(eng, id);
  ck_assert_int_eq(s1.power_mw, 0);
  ck_assert_int_eq(s1.shed_capability_mw, 0);
  ck_assert(s1.shedding);
  ck_assert_int_eq(gs_meters_power_mw(gs_engine_meters(eng), m), 0);

  /* It cools through the lower edge (no switch-on) down to 48 degC. */
  double shed_c = temp_c(eng, id, t_us);
  double limit_s = TAU_OFF_S * log((shed_c - AMB_C) / (48 - AMB_C));
  gs_time_us_t limit_us = t_us + llround(limit_s * 1e6);
  ck_assert_int_le(llabs(gs_water_heater_next_edge_us(st) - limit_us), 1);
  ck_assert_int_eq(gs_engine_run(eng, limit_us - 2), GS_OK);
  ck_assert_int_eq(power_mw(eng, id), 0);
  double c = temp_c(eng, id, limit_us - 2);
  ck_assert(c < LOW_C);
  /* Comfort cost: the place between the lower edge and the limit. */
  ck_assert_double_eq_tol(status(eng, id).comfort_cost,
                          (LOW_C - c) / (LOW_C - 48), 1e-6);
  ck_assert_double_gt(status(eng, id).comfort_cost, 0.99);
  gs_time_us_t over_us = step(eng, id);
  ck_assert_int_le(llabs(over_us - limit_us), 1);
  ck_assert_double_eq_tol(temp_c(eng, id, over_us), 48, 1e-8);
  gs_load_status_t s2 = status(eng, id);
  ck_assert_int_eq(s2.power_mw, RATED_MW);
  ck_assert(!s2.shedding);
  ck_assert(gs_water_heater_overridden(st));
  /* Heating to the upper edge from the limit: the longer rebound cycle. */
  double heat_s = TAU_OFF_S * log((INF_ON_C - 48) / (INF_ON_C - HIGH_C));
  gs_time_us_t off_us = step(eng, id);
  ck_assert_int_le(llabs(off_us - over_us - llround(heat_s * 1e6)), DUR_TOL_US);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert(gs_water_heater_overridden(st));
  send(eng, id, off_us + 1, GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert(!gs_water_heater_overridden(st));
  ck_assert_int_eq(power_mw(eng, id), 0);
  finish(eng);
}
END_TEST

/* Restore: a heater held off past its lower edge heats at once (the
 * rebound); one restored before its lower edge switches on there, as if
 * nothing happened; a critical heater ignores sheds. */
START_TEST(test_shed_restore) {
  double p[GS_WH_NPARAMS];
  defaults(p);
  p[GS_WH_P_DRAWS] = 0;
  gs_engine_t *eng = make_engine(9);
  gs_entity_id_t id = add_wh(eng, 9, 0, p, GS_METER_NONE);
  const void *st = gs_engine_state(eng, id);
  gs_time_us_t off_us = run_to_switch(eng, id, false);
  gs_time_us_t plain_on_us = gs_water_heater_next_edge_us(st);
  /* Idle shed, restored before the lower edge: the same switch-on. */
  send(eng, id, off_us + GS_US_PER_H, GS_EV_LOAD_SHED, 0, 0);
  ck_assert(gs_water_heater_is_shed(st));
  send(eng, id, off_us + 2 * GS_US_PER_H, GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert(!gs_water_heater_is_shed(st));
  ck_assert_int_le(llabs(gs_water_heater_next_edge_us(st) - plain_on_us), 1);
  /* Shed again across the lower edge: the thermostat calls, the element
   * stays off; the restore starts it at once. */
  send(eng, id, off_us + 3 * GS_US_PER_H, GS_EV_LOAD_SHED, 0, 0);
  gs_time_us_t after_us = plain_on_us + GS_US_PER_H;
  ck_assert_int_eq(gs_engine_run(eng, after_us), GS_OK);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert(temp_c(eng, id, after_us) < LOW_C);
  ck_assert_double_gt(status(eng, id).comfort_cost, 0);
  send(eng, id, after_us, GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert_int_eq(power_mw(eng, id), RATED_MW);
  ck_assert(!status(eng, id).shedding);
  finish(eng);

  p[GS_WH_P_CRITICAL] = 1;
  eng = make_engine(9);
  id = add_wh(eng, 9, 0, p, GS_METER_NONE);
  gs_time_us_t on_us = run_to_switch(eng, id, true);
  ck_assert_int_eq(status(eng, id).shed_capability_mw, 0);
  send(eng, id, on_us + 1, GS_EV_LOAD_SHED, INT64_MAX, 0);
  ck_assert_int_eq(power_mw(eng, id), RATED_MW);
  ck_assert(!gs_water_heater_is_shed(gs_engine_state(eng, id)));
  finish(eng);
}
END_TEST

typedef struct fleet_out {
  int64_t shed_mws, after_mws, day_mws; /* energy in windows */
  int64_t power_at_restore_mw;
  int64_t during_mw; /* fleet power in mid-shed */
  uint64_t digest, arrivals;
  int overridden, on_mid;
} fleet_out_t;

/* A fleet of default heaters on one meter (each with its own child meter),
 * optionally shed for two hours from 17:00 on day 2. */
static void fleet_run(uint64_t seed, bool shed, fleet_out_t *o) {
  enum { N = 300 };
  double p[GS_WH_NPARAMS];
  defaults(p);
  gs_engine_t *eng = make_engine(seed);
  gs_meters_t *ms = gs_engine_meters(eng);
  uint32_t fleet = add_meter(eng, GS_METER_NONE);
  uint32_t m[N];
  gs_entity_id_t ids[N];
  for (int i = 0; i < N; i++) {
    m[i] = add_meter(eng, fleet);
    ids[i] = add_wh(eng, seed, (uint64_t)i, p, m[i]);
  }
  static tracker_t tr[N];
  watch_t w;
  watch_start(eng, &w, tr, N, ids);
  gs_time_us_t s_us = 41 * GS_US_PER_H, r_us = 43 * GS_US_PER_H;
  gs_time_us_t a_us = 45 * GS_US_PER_H, e_us = 60 * GS_US_PER_H;
  if (shed)
    for (int i = 0; i < N; i++) {
      gs_engine_schedule(eng, ids[i], s_us, GS_PHASE_COMMAND, GS_EV_LOAD_SHED,
                         INT64_MAX, 0);
      gs_engine_schedule(eng, ids[i], r_us, GS_PHASE_COMMAND,
                         GS_EV_LOAD_RESTORE, 0, 0);
    }
  gs_time_us_t mid_us = s_us + GS_US_PER_H + 7;
  ck_assert_int_eq(gs_engine_run(eng, s_us), GS_OK);
  int64_t e_s_mws = gs_meters_energy_mws(ms, fleet, s_us);
  ck_assert_int_eq(gs_engine_run(eng, mid_us), GS_OK);
  /* Mid-shed: only overridden heaters may heat; the meter is the sum. */
  int64_t sum_mw = 0;
  o->overridden = o->on_mid = 0;
  for (int i = 0; i < N; i++) {
    gs_load_status_t st = status(eng, ids[i]);
    bool over = gs_water_heater_overridden(gs_engine_state(eng, ids[i]));
    if (shed && st.power_mw != 0) ck_assert(over && !st.shedding);
    o->overridden += over;
    o->on_mid += st.power_mw != 0;
    ck_assert_int_eq(gs_meters_power_mw(ms, m[i]), st.power_mw);
    sum_mw += st.power_mw;
  }
  ck_assert_int_eq(gs_meters_power_mw(ms, fleet), sum_mw);
  o->during_mw = sum_mw;
  ck_assert_int_eq(gs_engine_run(eng, r_us), GS_OK);
  o->power_at_restore_mw = gs_meters_power_mw(ms, fleet);
  int64_t e_r_mws = gs_meters_energy_mws(ms, fleet, r_us);
  ck_assert_int_eq(gs_engine_run(eng, a_us), GS_OK);
  int64_t e_a_mws = gs_meters_energy_mws(ms, fleet, a_us);
  ck_assert_int_eq(gs_engine_run(eng, e_us), GS_OK);
  o->shed_mws = e_r_mws - e_s_mws;
  o->after_mws = e_a_mws - e_r_mws;
  o->day_mws = gs_meters_energy_mws(ms, fleet, e_us) - e_s_mws;
  /* Each energy is floored to whole mW s from an exact integral. */
  int64_t sum_mws = 0;
  for (int i = 0; i < N; i++)
    sum_mws += gs_meters_energy_mws(ms, m[i], e_us);
  int64_t fleet_mws = gs_meters_energy_mws(ms, fleet, e_us);
  ck_assert_int_ge(fleet_mws - sum_mws, 0);
  ck_assert_int_lt(fleet_mws - sum_mws, N);
  o->arrivals = 0;
  for (int i = 0; i < N; i++)
    o->arrivals += tr[i].arrivals;
  o->digest = gs_engine_digest(eng);
  finish(eng);
}

/* A two-hour evening shed of a fleet against the same fleet unshed (the
 * draws are the same: they come from the heaters' own streams, which the
 * thermostat never touches): the shed removes most of the load, some
 * households override, the restore brings a rebound, and the energy is
 * made up afterwards. */
START_TEST(test_fleet_rebound) {
  fleet_out_t base, dr;
  fleet_run(10, false, &base);
  fleet_run(10, true, &dr);
  ck_assert_uint_eq(base.arrivals, dr.arrivals);
  ck_assert_int_eq(base.overridden, 0);
  ck_assert_int_gt(dr.overridden, 0);
  ck_assert_int_lt(dr.on_mid, base.on_mid);
  ck_assert_int_lt(dr.shed_mws, base.shed_mws / 2);
  ck_assert_int_gt(dr.power_at_restore_mw, 3 * base.power_at_restore_mw);
  ck_assert_int_gt(dr.after_mws, base.after_mws + base.shed_mws / 2);
  /* Made up within the day, less a little standby saved while colder. */
  ck_assert_int_le(dr.day_mws, base.day_mws);
  ck_assert_double_gt((double)dr.day_mws, 0.98 * (double)base.day_mws);
}
END_TEST

/* Same seed, same events; another seed, others. */
START_TEST(test_determinism) {
  fleet_out_t a, b, c;
  fleet_run(42, true, &a);
  fleet_run(42, true, &b);
  fleet_run(43, true, &c);
  ck_assert_uint_eq(a.digest, b.digest);
  ck_assert_int_eq(a.day_mws, b.day_mws);
  ck_assert_uint_ne(a.digest, c.digest);
  ck_assert_int_ne(a.day_mws, c.day_mws);
}
END_TEST

/* A heater's behaviour depends on its own key, not on the fleet size. */
START_TEST(test_independent_streams) {
  double p[GS_WH_NPARAMS];
  defaults(p);
  int64_t e_mws[2];
  for (int run = 0; run < 2; run++) {
    gs_engine_t *eng = make_engine(11);
    uint32_t m = GS_METER_NONE;
    int n = run == 0 ? 1 : 40;
    for (int i = 0; i < n; i++) {
      uint32_t mi = add_meter(eng, GS_METER_NONE);
      add_wh(eng, 11, (uint64_t)(run == 0 ? 5 : i), p, mi);
      if (run == 0 || i == 5) m = mi;
    }
    ck_assert_int_eq(gs_engine_run(eng, 2 * GS_US_PER_DAY), GS_OK);
    e_mws[run] =
        gs_meters_energy_mws(gs_engine_meters(eng), m, 2 * GS_US_PER_DAY);
    finish(eng);
  }
  ck_assert_int_eq(e_mws[0], e_mws[1]);
}
END_TEST

/* Superseded edges do not pile up: an edge beyond the next draw is not
 * scheduled (the draw plans it anew), so a heater keeps at most its next
 * draw, its running draws' ends and one or two edges pending. Before the
 * horizon, every draw left the standby edge hours ahead in the queue:
 * eight or more pending by the evening. */
START_TEST(test_pending_bounded) {
  double p[GS_WH_NPARAMS];
  defaults(p);
  p[GS_WH_P_DRAWS] = 30; /* many draws: many chances to supersede */
  gs_engine_t *eng = make_engine(12);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  add_wh(eng, 12, 0, p, m);
  size_t most = 0;
  for (gs_time_us_t t = 0; t <= 2 * GS_US_PER_DAY; t += GS_US_PER_MIN) {
    ck_assert_int_eq(gs_engine_run(eng, t), GS_OK);
    size_t n = gs_engine_pending(eng);
    if (n > most) most = n;
  }
  ck_assert_uint_le(most, 5);
  ck_assert_uint_ge(most, 2); /* a draw and an edge, at times */
  finish(eng);
}
END_TEST

START_TEST(test_bad_params) {
  double p[GS_WH_NPARAMS];
  defaults(p);
  p[GS_WH_P_MIN_TEMP] = 49; /* above the lower edge, 48.9 degC */
  gs_test_refused(&gs_model_water_heater, 12, p, "heater1", "min_temp_c");
}
END_TEST

Suite *water_heater_suite(void) {
  Suite *s = suite_create("water_heater");
  TCase *tc = tcase_create("water_heater");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_defaults);
  tcase_add_test(tc, test_profile_table);
  tcase_add_test(tc, test_closed_form_no_draws);
  tcase_add_test(tc, test_set_load);
  tcase_add_test(tc, test_energy_balance);
  tcase_add_test(tc, test_daily_energy);
  tcase_add_test(tc, test_arrival_sampler);
  tcase_add_test(tc, test_fleet_profile);
  tcase_add_test(tc, test_shed_until_limit);
  tcase_add_test(tc, test_shed_restore);
  tcase_add_test(tc, test_fleet_rebound);
  tcase_add_test(tc, test_determinism);
  tcase_add_test(tc, test_independent_streams);
  tcase_add_test(tc, test_pending_bounded);
  tcase_add_test(tc, test_bad_params);
  suite_add_tcase(s, tc);
  return s;
}
