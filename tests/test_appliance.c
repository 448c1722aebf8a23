/* SPDX-License-Identifier: MIT */
/* Tests of the stochastic appliances (dryer, range, lighting, outlets, pool
 * pump): Poisson starts, profiles, energies, DR pause/throttle/defer.
 * Built without a world, level loads here step at their own hourly
 * events; test_level_sweep.c checks that a run's sweep steps the same. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "appliance.h"
#include "gridsim/engine.h"
#include "gridsim/meter.h"
#include "gridsim/rng.h"
#include "models.h"

/* The hourly profiles, restated from ANSI/RESNET/ICC 301-2022 Addendum C
 * Table C.3 (OpenStudio-HPXML default_schedules.csv) so the expectations
 * below do not come from the model's own tables. */
static const double DRYER_W[24] = {0.010, 0.006, 0.004, 0.002, 0.004, 0.006,
                                   0.016, 0.032, 0.048, 0.068, 0.078, 0.081,
                                   0.074, 0.067, 0.058, 0.061, 0.055, 0.054,
                                   0.051, 0.051, 0.052, 0.054, 0.044, 0.024};
static const double RANGE_W[24] = {0.008, 0.008, 0.008, 0.008, 0.008, 0.015,
                                   0.023, 0.039, 0.046, 0.046, 0.046, 0.054,
                                   0.062, 0.046, 0.039, 0.054, 0.076, 0.134,
                                   0.114, 0.058, 0.039, 0.031, 0.023, 0.015};
static const double LIGHT_W[24] = {0.012, 0.010, 0.010, 0.010, 0.011, 0.018,
                                   0.030, 0.038, 0.041, 0.041, 0.039, 0.037,
                                   0.036, 0.035, 0.037, 0.041, 0.050, 0.065,
                                   0.086, 0.106, 0.110, 0.079, 0.040, 0.018};

/* Dryer defaults: 0.775 cycles/day of 45 +- 12 min at 5 x 0.8 + 0.25 kW. */
#define DRYER_RATE  0.775
#define DRYER_DUR_S 2700.0
#define DRYER_SD_S  720.0
#define DRYER_MW    INT64_C(4250000)
#define RANGE_MW    INT64_C(2400000)
#define POOL_MW     INT64_C(1200000)
#define H           GS_US_PER_H
#define DAY         GS_US_PER_DAY

static double wsum(const double *w) {
  double s = 0;
  for (int h = 0; h < 24; h++)
    s += w[h];
  return s;
}

static const gs_model_type_t *type_of(const char *name) {
  const gs_model_type_t *t = gs_model_find(name);
  ck_assert_msg(t != NULL, "type %s not registered", name);
  return t;
}

static void defaults(const gs_model_type_t *t, double *p) {
  for (size_t i = 0; i < t->n_params; i++)
    p[i] = t->params[i].def;
}

static void set_param(const gs_model_type_t *t, double *p, const char *name,
                      double v) {
  int i = gs_model_param_index(t, name);
  ck_assert_msg(i >= 0, "%s has no %s", t->name, name);
  p[i] = v;
}

static gs_engine_t *make_engine(uint64_t seed) {
  gs_errbuf_t eb = {{0}};
  gs_engine_t *eng = gs_engine_create(&(gs_engine_config_t){.seed = seed}, &eb);
  ck_assert_msg(eng != NULL, "%s", eb.msg);
  return eng;
}

static uint32_t add_meter(gs_engine_t *eng, uint32_t parent) {
  uint32_t m;
  ck_assert_int_eq(gs_meters_add(gs_engine_meters(eng), parent, &m), GS_OK);
  return m;
}

/* Adds load number `i` of type `t`; its stream key is ("test", i, 0). */
static gs_entity_id_t add_load(gs_engine_t *eng, const gs_model_type_t *t,
                               uint64_t seed, uint64_t i, const double *p,
                               uint32_t meter) {
  gs_errbuf_t eb = {{0}};
  gs_entity_id_t id;
  gs_err_t err =
      gs_engine_add_entity(eng, t,
                           &(gs_model_init_t){.seed = seed,
                                              .key = gs_rng_key("test", i, 0),
                                              .params = p,
                                              .ven = GS_ENTITY_NONE,
                                              .meter = meter,
                                              .id = t->name},
                           &id, &eb);
  ck_assert_msg(err == GS_OK, "add %s: %s", t->name, eb.msg);
  return id;
}

static gs_load_status_t status(gs_engine_t *eng, gs_entity_id_t id) {
  gs_load_status_t st;
  memset(&st, 0, sizeof st);
  gs_engine_type(eng, id)->status(gs_engine_state(eng, id), gs_engine_now(eng),
                                  &st);
  return st;
}

static int64_t power_mw(gs_engine_t *eng, gs_entity_id_t id) {
  return status(eng, id).power_mw;
}

static gs_appl_info_t info(gs_engine_t *eng, gs_entity_id_t id) {
  gs_appl_info_t in;
  gs_appl_info(gs_engine_state(eng, id), gs_engine_now(eng), &in);
  return in;
}

static void run_to(gs_engine_t *eng, gs_time_us_t t_us) {
  ck_assert_int_eq(gs_engine_run(eng, t_us), GS_OK);
}

/* Sends a common load event at `t_us` and processes it. */
static void send(gs_engine_t *eng, gs_entity_id_t id, gs_time_us_t t_us,
                 uint16_t kind, int64_t arg, uint32_t arg2) {
  gs_engine_schedule(eng, id, t_us, GS_PHASE_COMMAND, kind, arg, arg2);
  run_to(eng, t_us);
}

static void finish(gs_engine_t *eng) {
  gs_engine_finish(eng);
  gs_engine_destroy(eng);
}

static int64_t energy_mws(gs_engine_t *eng, uint32_t m, gs_time_us_t t_us) {
  return gs_meters_energy_mws(gs_engine_meters(eng), m, t_us);
}

/* The busy intervals a default dryer (seed, key i, t = 0 at midnight) must
 * show, replayed from its stream in the model's documented draw order:
 * next start, then that start's duration; a start while busy extends the
 * job. Fills up to `max` intervals starting before `until_us`; returns the
 * count, and the number of starts in `n_starts`. */
typedef struct {
  gs_time_us_t on_us, off_us;
} interval_t;

static int replay_dryer(uint64_t seed, uint64_t i, gs_time_us_t until_us,
                        interval_t *iv, int max, int *n_starts) {
  gs_rng_t r;
  gs_rng_init(&r, seed, gs_rng_key("test", i, 0), GS_RNG_BEHAVIOUR);
  int n = 0;
  *n_starts = 0;
  gs_time_us_t t_us = gs_appl_next_start_us(&r, DRYER_RATE, DRYER_W, 0, 0);
  while (t_us <= until_us) {
    gs_time_us_t d_us = gs_appl_duration_us(&r, DRYER_DUR_S, DRYER_SD_S);
    gs_time_us_t next_us =
        gs_appl_next_start_us(&r, DRYER_RATE, DRYER_W, 0, t_us);
    (*n_starts)++;
    if (n > 0 && t_us < iv[n - 1].off_us) {
      iv[n - 1].off_us += d_us;
    } else {
      ck_assert_int_lt(n, max);
      iv[n].on_us = t_us;
      iv[n].off_us = t_us + d_us;
      n++;
    }
    t_us = next_us;
  }
  return n;
}

/* Registration, parameter tables and what status reports at rest. */
START_TEST(test_types) {
  static const struct {
    const char *name, *rate_param;
    int64_t capacity_mw;
    double comfort;
  } want[] = {
      {"dryer", "cycles_per_day", 30 * 240 * 1000, 0.1},
      {"range", "uses_per_day", 40 * 240 * 1000, 0.9},
      {"lighting", "daily_kwh", 15 * 240 * 1000, 0.6},
      {"outlets", "daily_kwh", 20 * 240 * 1000, 0.4},
      {"pool_pump", "hours_per_day", 20 * 240 * 1000, 0.0},
  };
  for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
    const gs_model_type_t *t = type_of(want[k].name);
    ck_assert_str_eq(t->name, want[k].name);
    ck_assert_int_eq(t->role, GS_ROLE_LOAD);
    ck_assert_uint_le(t->state_size, 64);
    ck_assert(t->status != NULL);
    ck_assert_int_ge(gs_model_param_index(t, want[k].rate_param), 0);
    ck_assert_int_ge(gs_model_param_index(t, "utc_offset_h"), 0);
    for (size_t i = 0; i < t->n_params; i++) {
      ck_assert_ptr_nonnull(t->params[i].unit);
      ck_assert_ptr_nonnull(t->params[i].doc);
      ck_assert(t->params[i].def >= t->params[i].min &&
                t->params[i].def <= t->params[i].max);
    }
    double p[16];
    ck_assert_uint_le(t->n_params, 16);
    defaults(t, p);
    gs_engine_t *eng = make_engine(1);
    gs_entity_id_t id = add_load(eng, t, 1, 0, p, GS_METER_NONE);
    gs_load_status_t st = status(eng, id);
    ck_assert_int_eq(st.capacity_mw, want[k].capacity_mw);
    ck_assert_double_eq(st.comfort_cost, want[k].comfort);
    ck_assert(st.enabled && !st.critical && !st.shedding);
    ck_assert_double_eq(st.soc_pct, -1);
    ck_assert_int_eq(st.shed_capability_mw, st.power_mw);
    finish(eng);
  }
}
END_TEST

/* Local time: the offset moves t = 0 within the day. */
START_TEST(test_local_time) {
  ck_assert_uint_eq(gs_appl_tod0_s(0, 0), 0);
  ck_assert_uint_eq(gs_appl_tod0_s(0, -5), 19 * 3600);
  ck_assert_uint_eq(gs_appl_tod0_s(1784073600, 2), 2 * 3600); /* 2026-07-15 */
  ck_assert_int_eq(gs_appl_hour(19 * 3600, 0), 19);
  ck_assert_int_eq(gs_appl_hour(19 * 3600, 5 * H), 0);
  ck_assert_int_eq(gs_appl_hour(0, 3 * DAY + 7 * H + 1), 7);
}
END_TEST

/* Starts per day over a long run: Poisson, so the count over D days is
 * within 4 sd (sqrt(rate D)) of rate D. */
START_TEST(test_start_count) {
  static const struct {
    double rate;
    const double *w;
  } c[] = {{DRYER_RATE, DRYER_W}, {2.0, RANGE_W}, {0.1, RANGE_W}};
  for (size_t k = 0; k < 3; k++) {
    gs_rng_t r;
    gs_rng_init(&r, 11, k, GS_RNG_BEHAVIOUR);
    gs_time_us_t end_us = 20000 * DAY, t_us = 0;
    long n = 0;
    for (;;) {
      t_us = gs_appl_next_start_us(&r, c[k].rate, c[k].w, 0, t_us);
      if (t_us > end_us) break;
      n++;
    }
    double mean = c[k].rate * 20000;
    ck_assert_double_le(fabs((double)n - mean), 4 * sqrt(mean));
  }
  gs_rng_t r;
  gs_rng_init(&r, 11, 9, GS_RNG_BEHAVIOUR);
  ck_assert_int_eq(gs_appl_next_start_us(&r, 0, DRYER_W, 0, 0), GS_TIME_NEVER);
}
END_TEST

/* The hourly histogram of starts follows the profile weights: chi-square
 * with 23 degrees of freedom below 55 (p ~ 2e-4), and every hour within
 * 5 sd of its expected count; with a UTC offset the histogram, read in
 * local hours, is the same shape. */
START_TEST(test_start_profile) {
  static const struct {
    const double *w;
    double utc_h;
  } c[] = {{DRYER_W, 0}, {RANGE_W, 0}, {RANGE_W, -5}};
  for (size_t k = 0; k < 3; k++) {
    uint32_t tod0_s = gs_appl_tod0_s(0, c[k].utc_h);
    gs_rng_t r;
    gs_rng_init(&r, 12, k, GS_RNG_BEHAVIOUR);
    long hist[24] = {0}, n = 0;
    gs_time_us_t t_us = 0;
    for (;;) {
      t_us = gs_appl_next_start_us(&r, 10.0, c[k].w, tod0_s, t_us);
      if (t_us > 20000 * DAY) break;
      hist[gs_appl_hour(tod0_s, t_us)]++;
      n++;
    }
    double chi2 = 0, ws = wsum(c[k].w);
    for (int h = 0; h < 24; h++) {
      double e = (double)n * c[k].w[h] / ws;
      chi2 += (hist[h] - e) * (hist[h] - e) / e;
      ck_assert_double_le(fabs(hist[h] - e), 5 * sqrt(e));
    }
    ck_assert_double_lt(chi2, 55.0);
  }
}
END_TEST

/* Cycle durations: lognormal with the given mean and sd (mean within 4
 * standard errors, sd within 3 %, median exp(mu) within 1 %); sd 0 gives
 * exactly the mean and draws nothing. */
START_TEST(test_durations) {
  enum { N = 100000 };
  static double d[N];
  gs_rng_t r;
  gs_rng_init(&r, 13, 0, GS_RNG_BEHAVIOUR);
  double sum = 0, sum2 = 0;
  for (int i = 0; i < N; i++) {
    d[i] = (double)gs_appl_duration_us(&r, DRYER_DUR_S, DRYER_SD_S) / 1e6;
    sum += d[i];
  }
  double mean = sum / N;
  for (int i = 0; i < N; i++)
    sum2 += (d[i] - mean) * (d[i] - mean);
  double sd = sqrt(sum2 / (N - 1));
  ck_assert_double_eq_tol(mean, DRYER_DUR_S, 4 * DRYER_SD_S / sqrt(N));
  ck_assert_double_eq_tol(sd, DRYER_SD_S, 0.03 * DRYER_SD_S);
  double cv = DRYER_SD_S / DRYER_DUR_S, s2 = log1p(cv * cv);
  double median = exp(log(DRYER_DUR_S) - s2 / 2);
  long below = 0;
  for (int i = 0; i < N; i++)
    below += d[i] < median;
  ck_assert_double_eq_tol((double)below / N, 0.5, 0.01);

  gs_rng_t r2 = r;
  ck_assert_int_eq(gs_appl_duration_us(&r, 600, 0), 600 * GS_US_PER_S);
  ck_assert(memcmp(&r, &r2, sizeof r) == 0);
  /* Hourly noise: mean 1, cv as asked. */
  double ns = 0, ns2 = 0;
  for (int i = 0; i < N; i++) {
    double x = gs_appl_noise(&r, 0.3);
    ns += x;
    ns2 += x * x;
  }
  double nm = ns / N;
  ck_assert_double_eq_tol(nm, 1.0, 4 * 0.3 / sqrt(N));
  ck_assert_double_eq_tol(sqrt(ns2 / N - nm * nm), 0.3, 0.01);
  ck_assert_double_eq(gs_appl_noise(&r, 0), 1.0);
}
END_TEST

/* (engine) A dryer in the engine is exactly the replayed process: on at
 * each busy interval, off between, one event per start and per end, and
 * its meter energy is the draw times the busy time. */
START_TEST(test_dryer_replay) {
  const gs_model_type_t *t = type_of("dryer");
  double p[16];
  defaults(t, p);
  gs_engine_t *eng = make_engine(21);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_load(eng, t, 21, 0, p, m);
  gs_time_us_t end_us = 60 * DAY;
  static interval_t iv[200];
  int n_starts;
  int n = replay_dryer(21, 0, end_us, iv, 200, &n_starts);
  ck_assert_int_ge(n, 25); /* ~46 starts expected */
  gs_time_us_t busy_us = 0;
  int n_ends = 0;
  for (int k = 0; k < n; k++) {
    run_to(eng, iv[k].on_us - 1);
    ck_assert_int_eq(power_mw(eng, id), 0);
    run_to(eng, iv[k].on_us);
    ck_assert_int_eq(power_mw(eng, id), DRYER_MW);
    ck_assert_int_eq(info(eng, id).phase, GS_APPL_RUNNING);
    if (iv[k].off_us > end_us) break;
    run_to(eng, iv[k].off_us - 1);
    ck_assert_int_eq(power_mw(eng, id), DRYER_MW);
    run_to(eng, iv[k].off_us);
    ck_assert_int_eq(power_mw(eng, id), 0);
    busy_us += iv[k].off_us - iv[k].on_us;
    n_ends++;
  }
  ck_assert_int_lt(iv[n - 1].off_us, end_us); /* last one done: exact */
  run_to(eng, end_us);
  ck_assert_int_eq(energy_mws(eng, m, end_us),
                   DRYER_MW * busy_us / GS_US_PER_S);
  ck_assert_uint_eq(gs_engine_events_processed(eng),
                    (uint64_t)(n_starts + n_ends));
  finish(eng);
}
END_TEST

/* Mean daily energy of each default over a year of 40 homes: within the
 * published range, and near its closed form (rate x duration x draw). */
START_TEST(test_daily_energy) {
  static const struct {
    const char *name;
    double want_kwh, lo_kwh, hi_kwh, tol;
  } c[] = {
      /* 283 x 3.19 kWh = 902 kWh/yr; published ~900, range 800-1100. */
      {"dryer", DRYER_RATE * 0.75 * 4.25, 800 / 365.0, 1100 / 365.0, 0.05},
      /* 2 x 0.25 h x 2.4 kW; electric range 400-500 kWh/yr. */
      {"range", 2 * 0.25 * 2.4, 400 / 365.0, 500 / 365.0, 0.03},
      /* LED-era lighting 1-2 kWh/day; plug loads 6-8 kWh/day. */
      {"lighting", 1.5, 1.0, 2.0, 0.01},
      {"outlets", 7.0, 6.0, 8.0, 0.01},
      /* Pool pump 1.1-1.5 kW for 6-8 h: 6.6-12 kWh/day; exact 7.2. */
      {"pool_pump", 7.2, 6.6, 12.0, 1e-9},
  };
  enum { HOMES = 40, DAYS = 365 };
  for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
    const gs_model_type_t *t = type_of(c[k].name);
    double p[16];
    defaults(t, p);
    gs_engine_t *eng = make_engine(30 + k);
    uint32_t fleet = add_meter(eng, GS_METER_NONE);
    for (int i = 0; i < HOMES; i++)
      add_load(eng, t, 30 + k, i, p, fleet);
    run_to(eng, DAYS * DAY);
    double kwh =
        gs_meters_energy_kwh(gs_engine_meters(eng), fleet, DAYS * DAY) /
        (HOMES * DAYS);
    ck_assert_msg(kwh >= c[k].lo_kwh && kwh <= c[k].hi_kwh,
                  "%s: %.3f kWh/day outside [%.3f, %.3f]", c[k].name, kwh,
                  c[k].lo_kwh, c[k].hi_kwh);
    ck_assert_double_eq_tol(kwh, c[k].want_kwh, c[k].tol * c[k].want_kwh);
    finish(eng);
  }
}
END_TEST

/* With no noise a level load is exactly daily x w(h) / sum w in each local
 * hour, changing only on the hour; a UTC offset shifts the hours. */
START_TEST(test_level_profile) {
  const gs_model_type_t *t = type_of("lighting");
  for (int pass = 0; pass < 2; pass++) {
    double p[16];
    defaults(t, p);
    set_param(t, p, "noise_cv", 0);
    set_param(t, p, "daily_kwh", 2.4);
    set_param(t, p, "utc_offset_h", pass ? -5 : 0);
    gs_engine_t *eng = make_engine(40);
    uint32_t m = add_meter(eng, GS_METER_NONE);
    gs_entity_id_t id = add_load(eng, t, 40, 0, p, m);
    for (int k = 0; k < 48; k++) {
      int h = (k + (pass ? 19 : 0)) % 24;
      int64_t want = llround(2.4e6 * LIGHT_W[h] / wsum(LIGHT_W));
      run_to(eng, k * H);
      ck_assert_int_eq(power_mw(eng, id), want);
      run_to(eng, (k + 1) * H - 1);
      ck_assert_int_eq(power_mw(eng, id), want);
      ck_assert_int_eq(gs_meters_power_mw(gs_engine_meters(eng), m), want);
    }
    ck_assert_uint_eq(gs_engine_events_processed(eng), 47);
    finish(eng);
  }
}
END_TEST

/* Lighting shed: the draw drops by exactly min(arg, draw), hour after
 * hour, until restore. */
START_TEST(test_lighting_shed) {
  const gs_model_type_t *t = type_of("lighting");
  double p[16];
  defaults(t, p);
  gs_engine_t *eng = make_engine(41);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_load(eng, t, 41, 0, p, m);
  gs_meters_t *ms = gs_engine_meters(eng);
  gs_time_us_t t_us = 19 * H + 30 * GS_US_PER_MIN;
  run_to(eng, t_us);
  int64_t l19 = power_mw(eng, id);
  ck_assert_int_gt(l19, 20000);
  int64_t arg = l19 / 3;
  send(eng, id, t_us, GS_EV_LOAD_SHED, arg, 0);
  ck_assert_int_eq(power_mw(eng, id), l19 - arg);
  ck_assert_int_eq(gs_meters_power_mw(ms, m), l19 - arg);
  gs_load_status_t st = status(eng, id);
  ck_assert(st.shedding);
  ck_assert_int_eq(st.shed_capability_mw, l19 - arg);
  /* Next hour: a new level, still less min(arg, level). */
  run_to(eng, 20 * H);
  int64_t l20 = info(eng, id).level_mw;
  ck_assert_int_eq(power_mw(eng, id), l20 - (arg < l20 ? arg : l20));
  /* A larger request takes all there is: min(arg, draw) = draw. */
  send(eng, id, 20 * H + 1, GS_EV_LOAD_SHED, 10 * l20, 0);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert_int_eq(gs_meters_power_mw(ms, m), 0);
  send(eng, id, 20 * H + 2, GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert_int_eq(power_mw(eng, id), l20);
  ck_assert(!status(eng, id).shedding);
  finish(eng);
}
END_TEST

/* Dryer shed: paused for the shed, the remaining time resumes at restore
 * (the rebound); the energy lost during the shed is the draw times its
 * length, and once both runs are idle the energy equals the undisturbed
 * run's exactly. A partial shed is declined. */
START_TEST(test_dryer_pause_resume) {
  const gs_model_type_t *t = type_of("dryer");
  double p[16];
  defaults(t, p);
  static interval_t iv[200];
  int n_starts;
  int n = replay_dryer(50, 0, 30 * DAY, iv, 200, &n_starts);
  int k = 0;
  while (k < n && iv[k].off_us - iv[k].on_us < 20 * GS_US_PER_MIN)
    k++;
  ck_assert_int_lt(k, n);
  gs_time_us_t shed_us = iv[k].on_us + 5 * GS_US_PER_MIN;
  gs_time_us_t left_us = iv[k].off_us - shed_us;
  gs_time_us_t len_us = left_us / 2 < H ? left_us / 2 : H;
  gs_time_us_t restore_us = shed_us + len_us;

  gs_engine_t *a = make_engine(50), *b = make_engine(50);
  uint32_t ma = add_meter(a, GS_METER_NONE), mb = add_meter(b, GS_METER_NONE);
  gs_entity_id_t ia = add_load(a, t, 50, 0, p, ma);
  gs_entity_id_t ib = add_load(b, t, 50, 0, p, mb);
  run_to(a, shed_us);
  run_to(b, shed_us);
  ck_assert_int_eq(power_mw(b, ib), DRYER_MW);
  send(b, ib, shed_us, GS_EV_LOAD_SHED, DRYER_MW - 1, 0); /* declined */
  ck_assert_int_eq(power_mw(b, ib), DRYER_MW);
  ck_assert(!status(b, ib).shedding);
  send(b, ib, shed_us, GS_EV_LOAD_SHED, DRYER_MW, 0);
  ck_assert_int_eq(power_mw(b, ib), 0);
  ck_assert_int_eq(gs_meters_power_mw(gs_engine_meters(b), mb), 0);
  ck_assert(status(b, ib).shedding);
  ck_assert_int_eq(info(b, ib).phase, GS_APPL_PAUSED);
  ck_assert_int_eq(info(b, ib).remaining_us, left_us);

  run_to(a, restore_us);
  run_to(b, restore_us - 1);
  ck_assert_int_eq(power_mw(b, ib), 0);
  send(b, ib, restore_us, GS_EV_LOAD_RESTORE, 0, 0);
  /* The rebound: the paused cycle resumes at once with its remaining time. */
  ck_assert_int_eq(power_mw(b, ib), DRYER_MW);
  ck_assert_int_eq(info(b, ib).end_us, restore_us + left_us);
  ck_assert_int_eq(
      energy_mws(a, ma, restore_us) - energy_mws(b, mb, restore_us),
      DRYER_MW * len_us / GS_US_PER_S);
  /* Past the original end, B still runs while A is off. */
  run_to(a, iv[k].off_us + 1);
  run_to(b, iv[k].off_us + 1);
  if (k + 1 == n || iv[k + 1].on_us > iv[k].off_us + 1)
    ck_assert_int_eq(power_mw(a, ia), 0);
  ck_assert_int_eq(power_mw(b, ib), DRYER_MW);

  /* Energy conserved: find an instant both are idle, after the shift. */
  gs_time_us_t t_us = 2 * DAY;
  for (;; t_us += H) {
    run_to(a, t_us);
    run_to(b, t_us);
    if (info(a, ia).phase == GS_APPL_IDLE && info(b, ib).phase == GS_APPL_IDLE)
      break;
  }
  ck_assert_int_gt(energy_mws(a, ma, t_us), 0);
  ck_assert_int_eq(energy_mws(a, ma, t_us), energy_mws(b, mb, t_us));
  finish(a);
  finish(b);
}
END_TEST

/* A dryer shed while idle holds the next start until restore, then runs it
 * in full. */
START_TEST(test_dryer_deferred_start) {
  const gs_model_type_t *t = type_of("dryer");
  double p[16];
  defaults(t, p);
  static interval_t iv[200];
  int n_starts;
  int n = replay_dryer(51, 0, 30 * DAY, iv, 200, &n_starts);
  ck_assert_int_ge(n, 2);
  gs_time_us_t on_us = iv[1].on_us, dur_us = iv[1].off_us - iv[1].on_us;
  gs_engine_t *eng = make_engine(51);
  gs_entity_id_t id = add_load(eng, t, 51, 0, p, GS_METER_NONE);
  gs_time_us_t shed_us = on_us - GS_US_PER_MIN;
  ck_assert_int_gt(shed_us, iv[0].off_us);
  run_to(eng, shed_us);
  send(eng, id, shed_us, GS_EV_LOAD_SHED, 0, 0);
  ck_assert(status(eng, id).shedding);
  run_to(eng, on_us + 30 * GS_US_PER_MIN);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert_int_eq(info(eng, id).phase, GS_APPL_PAUSED);
  gs_time_us_t restore_us = on_us + 30 * GS_US_PER_MIN;
  send(eng, id, restore_us, GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert_int_eq(power_mw(eng, id), DRYER_MW);
  if (n < 3 || iv[2].on_us > restore_us + dur_us)
    ck_assert_int_eq(info(eng, id).end_us, restore_us + dur_us);
  finish(eng);
}
END_TEST

/* Range shed: the elements throttle by the amount asked; the use keeps its
 * end time; restore brings back the full draw. */
START_TEST(test_range_throttle) {
  const gs_model_type_t *t = type_of("range");
  double p[16];
  defaults(t, p);
  gs_engine_t *eng = make_engine(52);
  gs_entity_id_t id = add_load(eng, t, 52, 0, p, GS_METER_NONE);
  gs_time_us_t t_us = 0;
  while (power_mw(eng, id) == 0)
    run_to(eng, t_us += GS_US_PER_MIN);
  ck_assert_int_eq(power_mw(eng, id), RANGE_MW);
  gs_time_us_t end_us = info(eng, id).end_us;
  ck_assert_int_gt(end_us, t_us); /* running at t_us: ends later */
  send(eng, id, t_us, GS_EV_LOAD_SHED, 1000000, 0);
  ck_assert_int_eq(power_mw(eng, id), RANGE_MW - 1000000);
  ck_assert_int_eq(info(eng, id).end_us, end_us);
  send(eng, id, t_us + 1, GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert_int_eq(power_mw(eng, id), RANGE_MW);
  finish(eng);
}
END_TEST

/* Pool pump: 09:00-15:00 at 1.2 kW; a shed from 10:00 to 12:00 defers two
 * hours to 15:00-17:00; each day's energy is the same 7.2 kWh. */
START_TEST(test_pool_pump) {
  const gs_model_type_t *t = type_of("pool_pump");
  double p[16];
  defaults(t, p);
  gs_engine_t *eng = make_engine(53);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t id = add_load(eng, t, 53, 0, p, m);
  run_to(eng, 9 * H - 1);
  ck_assert_int_eq(power_mw(eng, id), 0);
  run_to(eng, 9 * H);
  ck_assert_int_eq(power_mw(eng, id), POOL_MW);
  run_to(eng, 15 * H);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert_int_eq(energy_mws(eng, m, DAY), 7200 * 3600 * INT64_C(1000));
  /* Day 2 with a shed. */
  run_to(eng, DAY + 10 * H);
  send(eng, id, DAY + 10 * H, GS_EV_LOAD_SHED, POOL_MW / 2, 0); /* declined */
  ck_assert_int_eq(power_mw(eng, id), POOL_MW);
  send(eng, id, DAY + 10 * H, GS_EV_LOAD_SHED, POOL_MW, 0);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert_double_eq(status(eng, id).comfort_cost, 0);
  send(eng, id, DAY + 12 * H, GS_EV_LOAD_RESTORE, 0, 0);
  ck_assert_int_eq(power_mw(eng, id), POOL_MW);
  run_to(eng, DAY + 17 * H - 1);
  ck_assert_int_eq(power_mw(eng, id), POOL_MW);
  run_to(eng, DAY + 17 * H);
  ck_assert_int_eq(power_mw(eng, id), 0);
  ck_assert_int_eq(energy_mws(eng, m, 2 * DAY),
                   2 * 7200 * 3600 * INT64_C(1000));
  finish(eng);

  /* A window across midnight that is open at t = 0 runs its rest now. */
  set_param(t, p, "start_h", 22);
  set_param(t, p, "hours_per_day", 4);
  eng = make_engine(54);
  id = add_load(eng, t, 54, 0, p, GS_METER_NONE);
  ck_assert_int_eq(power_mw(eng, id), POOL_MW);
  ck_assert_int_eq(info(eng, id).end_us, 2 * H);
  run_to(eng, 2 * H);
  ck_assert_int_eq(power_mw(eng, id), 0);
  run_to(eng, 22 * H);
  ck_assert_int_eq(power_mw(eng, id), POOL_MW);
  ck_assert_int_eq(info(eng, id).end_us, 26 * H);
  finish(eng);
}
END_TEST

/* setLoad: disabled is 0 W (a dryer's cycle waits), a capacity limit caps
 * a level load and holds an on/off load whose draw exceeds it. */
START_TEST(test_load_set) {
  const gs_model_type_t *tl = type_of("lighting"), *td = type_of("pool_pump");
  double p[16];
  defaults(tl, p);
  gs_engine_t *eng = make_engine(55);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  gs_entity_id_t il = add_load(eng, tl, 55, 0, p, m);
  defaults(td, p);
  gs_entity_id_t ip = add_load(eng, td, 55, 1, p, m);
  gs_meters_t *ms = gs_engine_meters(eng);
  gs_time_us_t t_us = 10 * H;
  run_to(eng, t_us);
  int64_t l = power_mw(eng, il);
  ck_assert_int_gt(l, 1000);
  send(eng, il, t_us, GS_EV_LOAD_SET, -1, 2u); /* enabled = false */
  ck_assert_int_eq(power_mw(eng, il), 0);
  ck_assert(!status(eng, il).enabled);
  send(eng, il, t_us, GS_EV_LOAD_SET, 1000, 3u); /* on, capped at 1 W */
  ck_assert_int_eq(power_mw(eng, il), 1000);
  send(eng, il, t_us, GS_EV_LOAD_SET, -1, 0u); /* cap removed */
  ck_assert_int_eq(power_mw(eng, il), l);

  ck_assert_int_eq(power_mw(eng, ip), POOL_MW);
  send(eng, ip, t_us, GS_EV_LOAD_SET, POOL_MW - 1, 0u); /* below its draw */
  ck_assert_int_eq(power_mw(eng, ip), 0);
  ck_assert_int_eq(info(eng, ip).phase, GS_APPL_PAUSED);
  send(eng, ip, t_us + H, GS_EV_LOAD_SET, POOL_MW, 0u); /* enough again */
  ck_assert_int_eq(power_mw(eng, ip), POOL_MW);
  ck_assert_int_eq(info(eng, ip).end_us, 16 * H);
  ck_assert_int_eq(gs_meters_power_mw(ms, m),
                   power_mw(eng, il) + power_mw(eng, ip));
  finish(eng);
}
END_TEST

/* A home of all five on one meter, each also on its own child meter, with
 * sheds and restores: the home meter is exactly the sum of the loads'
 * power at every check, and its energy the sum of theirs. */
START_TEST(test_meter_sum) {
  static const char *names[] = {"dryer", "range", "lighting", "outlets",
                                "pool_pump"};
  enum { N = 5, HOMES = 8 };
  gs_engine_t *eng = make_engine(60);
  gs_meters_t *ms = gs_engine_meters(eng);
  uint32_t home = add_meter(eng, GS_METER_NONE);
  uint32_t m[HOMES * N];
  gs_entity_id_t id[HOMES * N];
  for (int j = 0; j < HOMES * N; j++) {
    const gs_model_type_t *t = type_of(names[j % N]);
    double p[16];
    defaults(t, p);
    m[j] = add_meter(eng, home);
    id[j] = add_load(eng, t, 60, (uint64_t)j, p, m[j]);
  }
  for (int j = 0; j < HOMES * N; j++) {
    gs_engine_schedule(eng, id[j], 18 * H, GS_PHASE_COMMAND, GS_EV_LOAD_SHED,
                       300000 * j, 0);
    gs_engine_schedule(eng, id[j], 20 * H, GS_PHASE_COMMAND, GS_EV_LOAD_RESTORE,
                       0, 0);
  }
  gs_time_us_t t_us = 0;
  for (int k = 0; k < 200; k++) {
    t_us += 17 * GS_US_PER_MIN + 123;
    run_to(eng, t_us);
    int64_t sum = 0;
    for (int j = 0; j < HOMES * N; j++) {
      int64_t pw = power_mw(eng, id[j]);
      ck_assert_int_ge(pw, 0);
      ck_assert_int_eq(gs_meters_power_mw(ms, m[j]), pw);
      sum += pw;
    }
    ck_assert_int_eq(gs_meters_power_mw(ms, home), sum);
  }
  int64_t sum_mws = 0;
  for (int j = 0; j < HOMES * N; j++)
    sum_mws += energy_mws(eng, m[j], t_us);
  int64_t home_mws = energy_mws(eng, home, t_us);
  ck_assert_int_ge(home_mws - sum_mws, 0);
  ck_assert_int_lt(home_mws - sum_mws, HOMES * N);
  finish(eng);
}
END_TEST

static uint64_t digest_run(uint64_t seed, int64_t *e_mws) {
  static const char *names[] = {"dryer", "range", "lighting", "outlets",
                                "pool_pump"};
  gs_engine_t *eng = make_engine(seed);
  uint32_t m = add_meter(eng, GS_METER_NONE);
  for (int j = 0; j < 20; j++) {
    const gs_model_type_t *t = type_of(names[j % 5]);
    double p[16];
    defaults(t, p);
    add_load(eng, t, seed, (uint64_t)j, p, m);
  }
  run_to(eng, 3 * DAY);
  uint64_t d = gs_engine_digest(eng);
  *e_mws = energy_mws(eng, m, 3 * DAY);
  finish(eng);
  return d;
}

/* Same seed, same events and energy; another seed, other ones. */
START_TEST(test_determinism) {
  int64_t e1, e2, e3;
  uint64_t d1 = digest_run(70, &e1), d2 = digest_run(70, &e2);
  uint64_t d3 = digest_run(71, &e3);
  ck_assert_uint_eq(d1, d2);
  ck_assert_int_eq(e1, e2);
  ck_assert_uint_ne(d1, d3);
  ck_assert_int_ne(e1, e3);
}
END_TEST

/* Parameters the model cannot hold are refused, naming the load. */
START_TEST(test_bad_params) {
  const gs_model_type_t *t = type_of("dryer");
  double p[16];
  defaults(t, p);
  set_param(t, p, "breaker_amps", 0);
  gs_engine_t *eng = make_engine(80);
  gs_errbuf_t eb = {{0}};
  gs_entity_id_t id;
  gs_err_t err = gs_engine_add_entity(eng, t,
                                      &(gs_model_init_t){.seed = 80,
                                                         .key = 1,
                                                         .params = p,
                                                         .ven = GS_ENTITY_NONE,
                                                         .meter = GS_METER_NONE,
                                                         .id = "dryer7"},
                                      &id, &eb);
  ck_assert_int_eq(err, GS_ESCENARIO);
  ck_assert_ptr_nonnull(strstr(eb.msg, "dryer7"));
  ck_assert_ptr_nonnull(strstr(eb.msg, "breaker_amps"));
  gs_engine_destroy(eng);
}
END_TEST

Suite *appliance_suite(void) {
  Suite *s = suite_create("appliance");
  TCase *tc = tcase_create("appliance");
  tcase_set_timeout(tc, 240);
  tcase_add_test(tc, test_types);
  tcase_add_test(tc, test_local_time);
  tcase_add_test(tc, test_start_count);
  tcase_add_test(tc, test_start_profile);
  tcase_add_test(tc, test_durations);
  tcase_add_test(tc, test_dryer_replay);
  tcase_add_test(tc, test_daily_energy);
  tcase_add_test(tc, test_level_profile);
  tcase_add_test(tc, test_lighting_shed);
  tcase_add_test(tc, test_dryer_pause_resume);
  tcase_add_test(tc, test_dryer_deferred_start);
  tcase_add_test(tc, test_range_throttle);
  tcase_add_test(tc, test_pool_pump);
  tcase_add_test(tc, test_load_set);
  tcase_add_test(tc, test_meter_sum);
  tcase_add_test(tc, test_determinism);
  tcase_add_test(tc, test_bad_params);
  suite_add_tcase(s, tc);
  return s;
}
