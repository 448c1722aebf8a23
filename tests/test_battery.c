/* SPDX-License-Identifier: MIT */
/* Tests of the home battery model: exact SOC, EMS, DR discharge, rebound. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "battery.h"
#include "gridsim/engine.h"
#include "gridsim/meter.h"
#include "gridsim/rng.h"
#include "models.h"
#include "test_tload.h"
#include "test_util.h"

/* Powerwall 2 figures, restated so expected values are computed
 * independently of the model's table (checked in test_defaults). */
#define CAP_KWH  13.5
#define PMAX_W   5000.0
#define ETA      0.90
#define RES_PCT  20.0
#define RES_KWH  (RES_PCT / 100.0 * CAP_KWH)
#define SQRT_ETA sqrt(ETA)
#define CTRL_S   60.0

/* ---- Helpers ---- */

static void defaults(double *p) { gs_test_defaults(&gs_model_battery, p); }

static gs_engine_t *make_engine(uint64_t seed) { return gs_test_engine(seed); }

static uint32_t add_meter(gs_engine_t *eng, uint32_t parent) {
  return gs_test_meter(eng, parent);
}

static gs_entity_id_t add(gs_engine_t *eng, const gs_model_type_t *type,
                          uint64_t seed, uint64_t i, const double *p,
                          uint32_t meter) {
  gs_errbuf_t eb = {{0}};
  gs_entity_id_t id;
  gs_err_t err = gs_engine_add_entity(
      eng, type,
      &(gs_model_init_t){.seed = seed,
                         .key = gs_rng_key(type->name, i, 0),
                         .params = p,
                         .ven = GS_ENTITY_NONE,
                         .meter = meter,
                         .id = type->name},
      &id, &eb);
  ck_assert_msg(err == GS_OK, "add %s: %s", type->name, eb.msg);
  return id;
}

static gs_entity_id_t add_load(gs_engine_t *eng, double power_w,
                               uint32_t meter) {
  return add(eng, &tload_type, 0, 0, &power_w, meter);
}

static gs_load_status_t status(gs_engine_t *eng, gs_entity_id_t id) {
  return gs_test_status(eng, gs_engine_type(eng, id), id);
}

static double soc(gs_engine_t *eng, gs_entity_id_t id) {
  return gs_battery_soc_pct(gs_engine_state(eng, id), gs_engine_now(eng));
}

static double energy_kwh(gs_engine_t *eng, gs_entity_id_t id) {
  return gs_battery_energy_kwh(gs_engine_state(eng, id), gs_engine_now(eng));
}

static void command(gs_engine_t *eng, gs_entity_id_t id, gs_time_us_t at_us,
                    uint16_t kind, int64_t arg, uint32_t arg2) {
  gs_engine_schedule(eng, id, at_us, GS_PHASE_COMMAND, kind, arg, arg2);
}

static void finish(gs_engine_t *eng) {
  gs_engine_finish(eng);
  gs_engine_destroy(eng);
}

START_TEST(test_defaults) {
  const gs_param_spec_t *ps = gs_model_battery.params;
  ck_assert_str_eq(gs_model_battery.name, "battery");
  ck_assert_int_eq(gs_model_battery.role, GS_ROLE_LOAD);
  ck_assert_uint_eq(gs_model_battery.n_params, GS_BATTERY_NPARAMS);
  ck_assert_uint_le(gs_model_battery.state_size, 112);
  ck_assert_ptr_eq(gs_model_find("battery"), &gs_model_battery);
  ck_assert_double_eq(ps[GS_BATTERY_P_CAPACITY].def, CAP_KWH);
  ck_assert_double_eq(ps[GS_BATTERY_P_POWER].def, PMAX_W / 1000);
  ck_assert_double_eq(ps[GS_BATTERY_P_EFFICIENCY].def, ETA);
  ck_assert_double_eq(ps[GS_BATTERY_P_RESERVE].def, RES_PCT);
  ck_assert_double_eq(ps[GS_BATTERY_P_CONTROL].def, CTRL_S);
  ck_assert_double_eq(ps[GS_BATTERY_P_GRID_RECHARGE].def, 0);
  ck_assert_double_eq(ps[GS_BATTERY_P_BREAKER].def, 30);
  ck_assert_double_eq(ps[GS_BATTERY_P_CRITICAL].def, 0);
  ck_assert_str_eq(ps[GS_BATTERY_P_MODE].choices[GS_BATTERY_SELF_CONSUMPTION],
                   "self_consumption");
  ck_assert_str_eq(ps[GS_BATTERY_P_MODE].choices[GS_BATTERY_IDLE], "idle");
  ck_assert_str_eq(ps[GS_BATTERY_P_MODE].choices[GS_BATTERY_BACKUP], "backup");
  ck_assert_ptr_null(ps[GS_BATTERY_P_MODE].choices[3]);
  for (size_t i = 0; i < gs_model_battery.n_params; i++) {
    ck_assert_ptr_nonnull(ps[i].unit);
    ck_assert_ptr_nonnull(ps[i].doc);
    ck_assert(ps[i].def >= ps[i].min && ps[i].def <= ps[i].max);
  }
}
END_TEST

START_TEST(test_closed_form) {
  /* 1 h at 5 kW: 5 sqrt(0.9) kWh in, or 5 / sqrt(0.9) kWh out. */
  ck_assert_double_eq_tol(gs_battery_energy_at(5, 5000, SQRT_ETA, 3600),
                          5 + 5 * SQRT_ETA, 1e-12);
  ck_assert_double_eq_tol(gs_battery_energy_at(10, -5000, SQRT_ETA, 3600),
                          10 - 5 / SQRT_ETA, 1e-12);
  ck_assert_double_eq_tol(gs_battery_time_to_s(5, 5000, SQRT_ETA, 10),
                          5 * 3600 / (5 * SQRT_ETA), 1e-9);
  ck_assert_double_eq_tol(gs_battery_time_to_s(10, -2000, SQRT_ETA, 2.7),
                          7.3 * 3600 / (2 / SQRT_ETA), 1e-9);
  ck_assert_double_eq(gs_battery_time_to_s(5, 5000, SQRT_ETA, 5), 0);
  ck_assert(isinf(gs_battery_time_to_s(5, 5000, SQRT_ETA, 2.7)));
  ck_assert(isinf(gs_battery_time_to_s(5, -5000, SQRT_ETA, 10)));
  ck_assert(isinf(gs_battery_time_to_s(5, 0, SQRT_ETA, 10)));
}
END_TEST

/* Backup mode charges at the rating to full: the full event comes at the
 * closed-form time (floored to the microsecond), then nothing happens. */
START_TEST(test_time_to_full) {
  double p[GS_BATTERY_NPARAMS];
  defaults(p);
  p[GS_BATTERY_P_MODE] = GS_BATTERY_BACKUP;
  p[GS_BATTERY_P_INITIAL_SOC] = 37.5;
  gs_engine_t *eng = make_engine(1);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add(eng, &gs_model_battery, 1, 0, p, m);
  /* The first evaluation is an event at t = 0, after every init. */
  ck_assert_int_eq(gs_engine_run(eng, 0), GS_OK);
  ck_assert_int_eq(status(eng, id).power_mw, (int64_t)PMAX_W * 1000);
  ck_assert_int_eq(gs_meters_power_mw(gs_engine_meters(eng), m),
                   (int64_t)PMAX_W * 1000);
  double full_s = (1 - 0.375) * CAP_KWH * 3.6e6 / (PMAX_W * SQRT_ETA);
  gs_time_us_t full_us = gs_battery_next_us(eng, id);
  /* Floored, so the store is never over full. */
  ck_assert_int_eq(full_us, (gs_time_us_t)floor(full_s * 1e6));
  ck_assert_int_eq(gs_engine_run(eng, full_us - 1), GS_OK);
  ck_assert_int_eq(status(eng, id).power_mw, (int64_t)PMAX_W * 1000);
  ck_assert_int_eq(gs_engine_run(eng, full_us), GS_OK);
  ck_assert_int_eq(status(eng, id).power_mw, 0);
  ck_assert_double_eq_tol(soc(eng, id), 100, 1e-8);
  ck_assert_double_le(soc(eng, id), 100);
  ck_assert_int_eq(gs_battery_next_us(eng, id), GS_TIME_NEVER);
  /* Backup mode has no control ticks: a full battery sleeps. */
  ck_assert_int_eq(gs_engine_run(eng, GS_US_PER_DAY), GS_OK);
  ck_assert_uint_eq(gs_engine_events_processed(eng), 2);
  /* Meter energy: rating x time to full. */
  double e_kwh = gs_meters_energy_kwh(gs_engine_meters(eng), m, GS_US_PER_DAY);
  ck_assert_double_eq_tol(e_kwh, PMAX_W / 1000 * full_s / 3600, 1e-6);
  /* Full: no comfort cost; a shed could take the whole rating. */
  gs_load_status_t s = status(eng, id);
  ck_assert_double_eq_tol(s.comfort_cost, 0, 1e-9);
  ck_assert_int_eq(s.shed_capability_mw, (int64_t)PMAX_W * 1000);
  ck_assert_int_eq(s.capacity_mw, 30 * 240 * 1000);
  finish(eng);
}
END_TEST

/* One step of a run that visits every instant the battery's power or the
 * test loads can change: the battery's own events and the `n` given ones. */
static gs_time_us_t next_instant(gs_engine_t *eng, gs_entity_id_t id,
                                 const gs_time_us_t *at, int n,
                                 gs_time_us_t now_us) {
  gs_time_us_t t_us = gs_battery_next_us(eng, id);
  for (int i = 0; i < n; i++)
    if (at[i] > now_us && at[i] < t_us) t_us = at[i];
  return t_us;
}

/* Two days of a self-consumption home (1 kW base load, 4 kW of "PV" from
 * 10:00 to 16:00, a DR shed in the evening): stepping from event to event,
 * the stored energy equals its start plus charge x sqrt(eta) minus
 * discharge / sqrt(eta), the SOC stays within [reserve, 100], and the meter
 * holds exactly the sum of the loads. */
START_TEST(test_conservation) {
  double p[GS_BATTERY_NPARAMS];
  defaults(p);
  p[GS_BATTERY_P_INITIAL_SOC] = 55;
  p[GS_BATTERY_P_GRID_RECHARGE] = 1;
  gs_engine_t *eng = make_engine(2);
  gs_meters_t *ms = gs_engine_meters(eng);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t base = add_load(eng, 1000, m);
  gs_entity_id_t gen = add_load(eng, 0, m);
  gs_entity_id_t id = add(eng, &gs_model_battery, 2, 0, p, m);
  gs_time_us_t at[10];
  int n = 0;
  for (int d = 0; d < 2; d++) {
    gs_time_us_t day = d * GS_US_PER_DAY;
    at[n++] = day + 10 * GS_US_PER_H;
    gs_engine_schedule(eng, gen, at[n - 1], GS_PHASE_MODEL, GS_EV_MODEL,
                       -4000000, 0);
    at[n++] = day + 16 * GS_US_PER_H;
    gs_engine_schedule(eng, gen, at[n - 1], GS_PHASE_MODEL, GS_EV_MODEL, 0, 0);
  }
  at[n++] = 18 * GS_US_PER_H + 123;
  command(eng, id, at[n - 1], GS_EV_LOAD_SHED, 2500000, 0);
  at[n++] = 19 * GS_US_PER_H + 456;
  command(eng, id, at[n - 1], GS_EV_LOAD_RESTORE, 0, 0);
  at[n++] = 30 * GS_US_PER_H + 789;
  gs_engine_schedule(eng, base, at[n - 1], GS_PHASE_MODEL, GS_EV_MODEL, 2345678,
                     0);

  ck_assert_int_eq(gs_engine_run(eng, 0), GS_OK);
  double e_start = energy_kwh(eng, id);
  /* Integrals in mW us (1e-9 J), exact in int64 per segment and long double
   * sums. */
  long double in_mwus = 0, out_mwus = 0;
  gs_time_us_t t_us = 0, end_us = 2 * GS_US_PER_DAY;
  int64_t p_mw = status(eng, id).power_mw;
  int steps = 0, charging = 0, discharging = 0;
  while (t_us < end_us) {
    gs_time_us_t nt_us = next_instant(eng, id, at, n, t_us);
    if (nt_us > end_us) nt_us = end_us;
    if (p_mw > 0) in_mwus += (long double)p_mw * (nt_us - t_us);
    if (p_mw < 0) out_mwus -= (long double)p_mw * (nt_us - t_us);
    ck_assert_int_eq(gs_engine_run(eng, nt_us), GS_OK);
    t_us = nt_us;
    p_mw = status(eng, id).power_mw;
    charging += p_mw > 0;
    discharging += p_mw < 0;
    double s = soc(eng, id);
    ck_assert_double_ge(s, RES_PCT - 1e-9);
    ck_assert_double_le(s, 100 + 1e-9);
    /* The meter is exactly the sum of its loads. */
    ck_assert_int_eq(
        gs_meters_power_mw(ms, m),
        p_mw + status(eng, base).power_mw + status(eng, gen).power_mw);
    steps++;
  }
  double in_kwh = (double)(in_mwus / 3.6e15L);
  double out_kwh = (double)(out_mwus / 3.6e15L);
  double want = e_start + in_kwh * SQRT_ETA - out_kwh / SQRT_ETA;
  double e_end = energy_kwh(eng, id);
  ck_assert_double_eq_tol(e_end, want, 1e-9 * (in_kwh + out_kwh));
  /* It did work both ways and hit both limits (events); it ticked while
   * the home changed and slept while it did not (far fewer steps than
   * the 2 x 1440 ticks of two days). */
  ck_assert_double_gt(in_kwh, 10);
  ck_assert_double_gt(out_kwh, 10);
  ck_assert_int_gt(charging, 2);
  ck_assert_int_gt(discharging, 2);
  ck_assert_int_gt(steps, 10);
  ck_assert_int_lt(steps, 2 * 24 * 60 / 10);
  /* The meter's energy is the sum of the three loads' energies. */
  double meter_kwh = gs_meters_energy_kwh(ms, m, end_us);
  double base_h = 30 + 789e-6 / 3600; /* until the base load steps up */
  double loads_kwh =
      1.0 * base_h + 2.345678 * (48 - base_h) - 4.0 * 12 + in_kwh - out_kwh;
  ck_assert_double_eq_tol(meter_kwh, loads_kwh, 1e-6);
  finish(eng);
}
END_TEST

/* Integrates the positive part of the meter (grid import), kWh, stepping
 * through every instant power can change. */
static double import_kwh(gs_engine_t *eng, uint32_t m, gs_entity_id_t bat,
                         const gs_time_us_t *at, int n, gs_time_us_t end_us) {
  gs_meters_t *ms = gs_engine_meters(eng);
  ck_assert_int_eq(gs_engine_run(eng, 0), GS_OK);
  long double imp = 0;
  gs_time_us_t t_us = 0;
  while (t_us < end_us) {
    gs_time_us_t nt_us =
        bat != GS_ENTITY_NONE ? next_instant(eng, bat, at, n, t_us) : end_us;
    if (bat == GS_ENTITY_NONE)
      for (int i = 0; i < n; i++)
        if (at[i] > t_us && at[i] < nt_us) nt_us = at[i];
    if (nt_us > end_us) nt_us = end_us;
    int64_t pw = gs_meters_power_mw(ms, m);
    if (pw > 0) imp += (long double)pw * (nt_us - t_us);
    ck_assert_int_eq(gs_engine_run(eng, nt_us), GS_OK);
    t_us = nt_us;
  }
  return (double)(imp / 3.6e15L);
}

/* Self-consumption: a 1 kW home with 4 kW of generation from 10:00 to
 * 16:00 and a battery starting at its reserve imports 36 kWh over two days
 * without the battery; with it, only the first morning (10 kWh) and what
 * the stored surplus cannot cover on the second (18 h - 10.8 sqrt(eta)),
 * give or take the 60 s control lag at each change of the load. */
START_TEST(test_self_consumption) {
  double imp[2];
  for (int with = 0; with < 2; with++) {
    double p[GS_BATTERY_NPARAMS];
    defaults(p);
    p[GS_BATTERY_P_INITIAL_SOC] = RES_PCT;
    gs_engine_t *eng = make_engine(3);
    uint32_t m = add_meter(eng, GS_METER_NONE);
    add_load(eng, 1000, m);
    gs_entity_id_t gen = add_load(eng, 0, m);
    gs_entity_id_t bat = GS_ENTITY_NONE;
    if (with) bat = add(eng, &gs_model_battery, 3, 0, p, m);
    gs_time_us_t at[4];
    for (int d = 0; d < 2; d++) {
      at[2 * d] = d * GS_US_PER_DAY + 10 * GS_US_PER_H;
      at[2 * d + 1] = d * GS_US_PER_DAY + 16 * GS_US_PER_H;
      gs_engine_schedule(eng, gen, at[2 * d], GS_PHASE_MODEL, GS_EV_MODEL,
                         -4000000, 0);
      gs_engine_schedule(eng, gen, at[2 * d + 1], GS_PHASE_MODEL, GS_EV_MODEL,
                         0, 0);
    }
    imp[with] = import_kwh(eng, m, bat, at, 4, 2 * GS_US_PER_DAY);
    finish(eng);
  }
  ck_assert_double_eq_tol(imp[0], 36, 1e-9);
  double stored = CAP_KWH - RES_KWH; /* filled each afternoon */
  double want = 10 + (18 - stored * SQRT_ETA);
  /* Lag: at most one control interval of 1 kW at each of 2 evening
   * starts, and a partial first tick. */
  ck_assert_double_eq_tol(imp[1], want, 3 * CTRL_S / 3600 * 1.0);
  ck_assert_double_lt(imp[1], 0.5 * imp[0]);
}
END_TEST

/* DR in self-consumption mode: the shed's reduction comes on top of what
 * the EMS was doing, within the rating, until restore; a shed larger than
 * the rating allows runs to the reserve at the rating, in closed form. */
START_TEST(test_dr_discharge) {
  double p[GS_BATTERY_NPARAMS];
  defaults(p);
  p[GS_BATTERY_P_INITIAL_SOC] = 80;
  gs_engine_t *eng = make_engine(4);
  gs_meters_t *ms = gs_engine_meters(eng);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  add_load(eng, 1000, m);
  gs_entity_id_t id = add(eng, &gs_model_battery, 4, 0, p, m);
  gs_time_us_t t1 = GS_US_PER_H;
  ck_assert_int_eq(gs_engine_run(eng, t1 - 1), GS_OK);
  /* The EMS covers the home: net 0, 1 kW discharge. */
  ck_assert_int_eq(status(eng, id).power_mw, -1000000);
  ck_assert_int_eq(gs_meters_power_mw(ms, m), 0);
  ck_assert_int_eq(status(eng, id).shed_capability_mw, 4000000);

  /* Shed 3 kW for an hour: discharge 4 kW, the home exports 3 kW. */
  command(eng, id, t1, GS_EV_LOAD_SHED, 3000000, 0);
  command(eng, id, 2 * t1, GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert_int_eq(gs_engine_run(eng, t1), GS_OK);
  double e1 = energy_kwh(eng, id);
  gs_load_status_t s = status(eng, id);
  ck_assert_int_eq(s.power_mw, -4000000);
  ck_assert(s.shedding);
  ck_assert_int_eq(s.shed_capability_mw, 1000000);
  ck_assert_int_eq(gs_meters_power_mw(ms, m), -3000000);
  /* The EMS keeps the offset at every tick. */
  ck_assert_int_eq(gs_engine_run(eng, 2 * t1 - 1), GS_OK);
  ck_assert_int_eq(gs_meters_power_mw(ms, m), -3000000);
  ck_assert_int_eq(gs_engine_run(eng, 2 * t1), GS_OK);
  ck_assert_int_eq(status(eng, id).power_mw, -1000000);
  ck_assert(!status(eng, id).shedding);
  ck_assert_double_eq_tol(energy_kwh(eng, id), e1 - 4.0 / SQRT_ETA, 1e-9);

  /* Shed 10 kW: only the 4 kW left under the rating, down to the reserve
   * at the closed-form time; then the battery stops, still shedding. */
  gs_time_us_t t3 = 3 * t1;
  command(eng, id, t3, GS_EV_LOAD_SHED, 10000000, 0);
  ck_assert_int_eq(gs_engine_run(eng, t3), GS_OK);
  ck_assert_int_eq(status(eng, id).power_mw, -(int64_t)PMAX_W * 1000);
  ck_assert_int_eq(gs_meters_power_mw(ms, m), -4000000);
  double e3 = energy_kwh(eng, id);
  double to_res_s = (e3 - RES_KWH) * 3.6e6 / (PMAX_W / SQRT_ETA);
  gs_time_us_t res_us = t3 + (gs_time_us_t)floor(to_res_s * 1e6);
  /* Control ticks restart the segment from the exact energy, so the limit
   * event lands within a microsecond of the closed form. */
  ck_assert_int_eq(gs_engine_run(eng, res_us - 2), GS_OK);
  ck_assert_int_eq(status(eng, id).power_mw, -(int64_t)PMAX_W * 1000);
  ck_assert_int_eq(gs_engine_run(eng, res_us + 1), GS_OK);
  s = status(eng, id);
  ck_assert_int_eq(s.power_mw, 0);
  ck_assert(s.shedding);
  ck_assert_int_eq(s.shed_capability_mw, 0);
  ck_assert_double_eq_tol(s.soc_pct, RES_PCT, 1e-8);
  ck_assert_double_ge(s.soc_pct, RES_PCT);
  ck_assert_double_eq_tol(s.comfort_cost, 1, 1e-8);
  ck_assert_int_eq(gs_meters_power_mw(ms, m), 1000000);
  /* At the reserve, nothing moves until restore and after it. */
  command(eng, id, res_us + GS_US_PER_H, GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert_int_eq(gs_engine_run(eng, res_us + 2 * GS_US_PER_H), GS_OK);
  ck_assert_int_eq(status(eng, id).power_mw, 0);
  ck_assert(!status(eng, id).shedding);
  ck_assert_double_eq_tol(soc(eng, id), RES_PCT, 1e-8);
  finish(eng);
}
END_TEST

/* Idle mode: a shed discharges exactly its request; after restore, with
 * grid_recharge the battery charges at recharge_kw until it holds what it
 * held at the shed (closed-form time), without it stays where it is. */
START_TEST(test_grid_recharge) {
  for (int gr = 0; gr < 2; gr++) {
    double p[GS_BATTERY_NPARAMS];
    defaults(p);
    p[GS_BATTERY_P_INITIAL_SOC] = 80;
    p[GS_BATTERY_P_MODE] = GS_BATTERY_IDLE;
    p[GS_BATTERY_P_GRID_RECHARGE] = gr;
    gs_engine_t *eng = make_engine(5);
    uint32_t m = add_meter(eng, GS_METER_NONE);
    gs_entity_id_t id = add(eng, &gs_model_battery, 5, 0, p, m);
    const void *st = gs_engine_state(eng, id);
    ck_assert_int_eq(gs_engine_run(eng, GS_US_PER_H), GS_OK);
    ck_assert_int_eq(status(eng, id).power_mw, 0);
    ck_assert_int_eq(gs_battery_next_us(eng, id), GS_TIME_NEVER);
    double e0 = energy_kwh(eng, id);
    ck_assert_double_eq_tol(e0, 0.8 * CAP_KWH, 1e-12);
    command(eng, id, GS_US_PER_H, GS_EV_LOAD_SHED, 3000000, 0);
    command(eng, id, 2 * GS_US_PER_H, GS_EV_LOAD_RESTORE, 0, 0);
    ck_assert_int_eq(gs_engine_run(eng, GS_US_PER_H), GS_OK);
    ck_assert_int_eq(status(eng, id).power_mw, -3000000);
    ck_assert_int_eq(gs_engine_run(eng, 2 * GS_US_PER_H), GS_OK);
    double e1 = energy_kwh(eng, id);
    ck_assert_double_eq_tol(e1, e0 - 3 / SQRT_ETA, 1e-9);
    if (!gr) {
      ck_assert_int_eq(status(eng, id).power_mw, 0);
      ck_assert(!gs_battery_rebounding(st));
      ck_assert_int_eq(gs_engine_run(eng, GS_US_PER_DAY), GS_OK);
      ck_assert_double_eq_tol(energy_kwh(eng, id), e1, 1e-12);
    } else {
      ck_assert_int_eq(status(eng, id).power_mw, 2500000);
      ck_assert(gs_battery_rebounding(st));
      double back_s = (e0 - e1) * 3.6e6 / (2500 * SQRT_ETA);
      gs_time_us_t back_us =
          2 * GS_US_PER_H + (gs_time_us_t)floor(back_s * 1e6);
      ck_assert_int_le(llabs(gs_battery_next_us(eng, id) - back_us), 1);
      ck_assert_int_eq(gs_engine_run(eng, gs_battery_next_us(eng, id)), GS_OK);
      ck_assert_int_eq(status(eng, id).power_mw, 0);
      ck_assert(!gs_battery_rebounding(st));
      ck_assert_double_eq_tol(energy_kwh(eng, id), e0, 1e-9);
      ck_assert_double_le(energy_kwh(eng, id), e0);
      /* The rebound energy from the grid: 3 kWh / eta. */
      double grid_kwh =
          gs_meters_energy_kwh(gs_engine_meters(eng), m, gs_engine_now(eng));
      ck_assert_double_eq_tol(grid_kwh, -3 + 3 / ETA, 1e-8);
    }
    finish(eng);
  }
}
END_TEST

/* setLoad: a capacity limit caps the discharge of a shed; disabled is 0 W
 * whatever is asked; re-enabled resumes. A critical battery ignores sheds. */
START_TEST(test_set_load) {
  double p[GS_BATTERY_NPARAMS];
  defaults(p);
  p[GS_BATTERY_P_INITIAL_SOC] = 90;
  p[GS_BATTERY_P_MODE] = GS_BATTERY_IDLE;
  gs_engine_t *eng = make_engine(6);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add(eng, &gs_model_battery, 6, 0, p, m);
  /* Shed beyond the rating; then cap at 2 kW (enabled not given); then
   * breaker off; then on with no cap. */
  command(eng, id, 10, GS_EV_LOAD_SHED, 10000000, 0);
  command(eng, id, 20, GS_EV_LOAD_SET, 2000000, 0);
  command(eng, id, 30, GS_EV_LOAD_SET, -1, 2);
  command(eng, id, 40, GS_EV_LOAD_SET, -1, 3);
  ck_assert_int_eq(gs_engine_run(eng, 10), GS_OK);
  ck_assert_int_eq(status(eng, id).power_mw, -5000000);
  ck_assert_int_eq(gs_engine_run(eng, 20), GS_OK);
  ck_assert_int_eq(status(eng, id).power_mw, -2000000);
  /* Already discharging at the cap: nothing more to offer. */
  ck_assert_int_eq(status(eng, id).shed_capability_mw, 0);
  ck_assert_int_eq(gs_engine_run(eng, 30), GS_OK);
  ck_assert_int_eq(status(eng, id).power_mw, 0);
  ck_assert(!status(eng, id).enabled);
  ck_assert_int_eq(gs_meters_power_mw(gs_engine_meters(eng), m), 0);
  ck_assert_int_eq(gs_engine_run(eng, 40), GS_OK);
  ck_assert_int_eq(status(eng, id).power_mw, -5000000);
  finish(eng);

  /* The same shed on a critical battery changes nothing. */

  p[GS_BATTERY_P_CRITICAL] = 1;
  eng = make_engine(6);
  id = add(eng, &gs_model_battery, 6, 0, p, GS_METER_NONE);
  command(eng, id, 10, GS_EV_LOAD_SHED, 10000000, 0);
  ck_assert_int_eq(gs_engine_run(eng, 10), GS_OK);
  ck_assert_int_eq(status(eng, id).power_mw, 0);
  ck_assert(!status(eng, id).shedding);
  ck_assert_int_eq(status(eng, id).shed_capability_mw, 0);
  finish(eng);
}
END_TEST

/* A fleet of homes (battery with random SOC and control phase, a load
 * stepping up and down): the fleet meter is the exact sum; same seed, same
 * events; another seed, other events. */
static void fleet_run(uint64_t seed, uint64_t *digest, int64_t *energy_mws,
                      int64_t *sum_mw) {
  enum { N = 40 };
  double p[GS_BATTERY_NPARAMS];
  defaults(p);
  gs_engine_t *eng = make_engine(seed);
  gs_meters_t *ms = gs_engine_meters(eng);
  uint32_t fleet = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t bat[N], load[N];
  uint32_t m[N];
  for (int i = 0; i < N; i++) {
    m[i] = add_meter(eng, fleet);
    load[i] = add(eng, &tload_type, seed, (uint64_t)i, &(double){500.0}, m[i]);
    bat[i] = add(eng, &gs_model_battery, seed, (uint64_t)i, p, m[i]);
    for (int h = 1; h < 24; h++)
      gs_engine_schedule(eng, load[i], h * GS_US_PER_H + i * 7 * GS_US_PER_S,
                         GS_PHASE_MODEL, GS_EV_MODEL,
                         (h % 3 == 0 ? -3000000 : 500000 + 100000 * h), 0);
  }
  ck_assert_int_eq(gs_engine_run(eng, GS_US_PER_DAY), GS_OK);
  /* Each home's meter, and the fleet's, hold exactly their loads' sum. */
  int64_t sum = 0;
  for (int i = 0; i < N; i++) {
    int64_t pw = status(eng, bat[i]).power_mw + status(eng, load[i]).power_mw;
    ck_assert_int_eq(gs_meters_power_mw(ms, m[i]), pw);
    sum += pw;
  }
  ck_assert_int_eq(gs_meters_power_mw(ms, fleet), sum);
  *digest = gs_engine_digest(eng);
  *energy_mws = gs_meters_energy_mws(ms, fleet, GS_US_PER_DAY);
  *sum_mw = sum;
  finish(eng);
}

START_TEST(test_determinism) {
  uint64_t d1, d2, d3;
  int64_t e1, e2, e3, s1, s2, s3;
  fleet_run(42, &d1, &e1, &s1);
  fleet_run(42, &d2, &e2, &s2);
  ck_assert_uint_eq(d1, d2);
  ck_assert_int_eq(e1, e2);
  ck_assert_int_eq(s1, s2);
  fleet_run(43, &d3, &e3, &s3);
  ck_assert_uint_ne(d1, d3);
  ck_assert_int_ne(e1, e3);
}
END_TEST

START_TEST(test_bad_params) {
  double p[GS_BATTERY_NPARAMS];
  defaults(p);
  p[GS_BATTERY_P_INITIAL_SOC] = -0.5;
  gs_test_refused(&gs_model_battery, 7, p, "bat1", "initial_soc_pct");
}
END_TEST

Suite *battery_suite(void) {
  Suite *s = suite_create("battery");
  TCase *tc = tcase_create("battery");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_defaults);
  tcase_add_test(tc, test_closed_form);
  tcase_add_test(tc, test_time_to_full);
  tcase_add_test(tc, test_conservation);
  tcase_add_test(tc, test_self_consumption);
  tcase_add_test(tc, test_dr_discharge);
  tcase_add_test(tc, test_grid_recharge);
  tcase_add_test(tc, test_set_load);
  tcase_add_test(tc, test_determinism);
  tcase_add_test(tc, test_bad_params);
  suite_add_tcase(s, tc);
  return s;
}
