/* SPDX-License-Identifier: MIT */
/* The grid: exact transformer and feeder totals, assignment, overloads. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridsim/engine.h"
#include "grid.h"
#include "scenario_priv.h"
#include "world.h"

/* ---- a tiny load for hand-built cases: p_kw from on_s to off_s ---- */

typedef struct step_load {
  int64_t power_mw, on_mw;
  uint32_t meter;
} step_load_t;

enum { STEP_ON = GS_EV_MODEL, STEP_OFF };

static gs_err_t step_init(gs_engine_t *eng, gs_entity_id_t self, void *state,
                          const gs_model_init_t *init, gs_errbuf_t *eb) {
  step_load_t *s = state;
  (void)eb;
  s->on_mw = llround(init->params[0] * 1e6);
  s->meter = init->meter;
  gs_engine_schedule(eng, self, llround(init->params[1] * 1e6),
                     GS_PHASE_MODEL, STEP_ON, 0, 0);
  gs_engine_schedule(eng, self, llround(init->params[2] * 1e6),
                     GS_PHASE_MODEL, STEP_OFF, 0, 0);
  return GS_OK;
}

static void step_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                        const gs_event_t *ev) {
  step_load_t *s = state;
  (void)self;
  int64_t want = ev->kind == STEP_ON ? s->on_mw : 0;
  if (ev->kind != STEP_ON && ev->kind != STEP_OFF) return;
  gs_engine_add_power(eng, s->meter, want - s->power_mw);
  s->power_mw = want;
}

static void step_status(const void *state, gs_time_us_t now_us,
                        gs_load_status_t *out) {
  (void)now_us;
  out->power_mw = ((const step_load_t *)state)->power_mw;
}

static const gs_model_type_t step_type = {
    .name = "test_step", .doc = "constant power between two instants",
    .role = GS_ROLE_LOAD, .state_size = sizeof(step_load_t),
    .init = step_init, .handle = step_handle, .status = step_status};

/* ---- helpers ---- */

typedef struct run {
  gs_scenario_t *s;
  gs_engine_t *e;
  gs_world_t *w;
} run_t;

static run_t build_only(const char *text, const gs_scenario_overrides_t *ov) {
  run_t r = {0};
  gs_errbuf_t eb = {{0}};
  gs_err_t err = gs_scenario_load_string(text, "test.json", ov, &r.s, &eb);
  ck_assert_msg(err == GS_OK, "scenario: %s", eb.msg);
  r.e = gs_engine_create(&(gs_engine_config_t){.seed = r.s->seed}, &eb);
  ck_assert_ptr_nonnull(r.e);
  err = gs_world_build(r.s, r.e, &r.w, &eb);
  ck_assert_msg(err == GS_OK, "world: %s", eb.msg);
  err = gs_grid_observe(r.w, r.s->output_interval_us, r.s->duration_us, &eb);
  ck_assert_msg(err == GS_OK, "observe: %s", eb.msg);
  return r;
}

static void finish(run_t *r) {
  ck_assert_int_eq(gs_engine_run(r->e, r->s->duration_us), GS_OK);
  gs_engine_finish(r->e);
}

static void destroy(run_t *r) {
  gs_engine_destroy(r->e);
  gs_world_free(r->w);
  gs_scenario_free(r->s);
}

/* A whole-house group (`feeder` is "" or a "feeder" key and a comma) with
 * an EV in most homes, so transformers see real, varied load. */
#define HOME(name, count, feeder)                                           \
  "{\"name\":\"" name "\",\"count\":" #count "," feeder                     \
  "\"loads\":[{\"type\":\"hvac\",\"id\":\"hvac1\"},"                        \
  "{\"type\":\"fridge\",\"id\":\"fridge1\"},"                               \
  "{\"type\":\"ev\",\"id\":\"ev1\",\"present\":0.7},"                       \
  "{\"type\":\"pv\",\"id\":\"pv1\",\"present\":0.3},"                       \
  "{\"type\":\"water_heater\",\"id\":\"wh1\"}]}"

#define SCN(dur, extra, groups)                                             \
  "{\"name\":\"g\",\"start\":\"2026-07-15T00:00:00-07:00\","                \
  "\"utc_offset_h\":-7,\"duration_s\":" #dur ",\"seed\":5,"                 \
  "\"output\":{\"interval_s\":300}," extra "\"fleet\":[" groups "]}"

#define TWO_FEEDERS                                                         \
  "\"grid\":{\"feeders\":["                                                 \
  "{\"id\":\"f1\",\"length_km\":4,\"transformers\":{\"kva\":25,"            \
  "\"vens_per_transformer\":{\"dist\":\"uniform\",\"min\":3,\"max\":7}}},"  \
  "{\"id\":\"f2\",\"load_at\":\"uniform\",\"segments\":["                   \
  "{\"length_km\":2},{\"length_km\":3,\"r_ohm_per_km\":0.3}]}]},"

/* ---- exact totals at every output step ---- */

typedef struct sums {
  gs_world_t *w;
  int samples;
  uint32_t *ev_max; /* per transformer, counted independently */
  uint64_t on_total; /* EVs drawing power, summed over samples */
} sums_t;

static void check_sums(void *ud, gs_engine_t *eng, gs_time_us_t t) {
  sums_t *c = ud;
  const gs_grid_cfg_t *g = c->w->grid;
  gs_meters_t *m = gs_engine_meters(eng);
  int64_t *xs = calloc(g->n_xfmrs, sizeof *xs);
  int64_t *fs = calloc(g->n_feeders, sizeof *fs);
  uint32_t *evs = calloc(g->n_xfmrs, sizeof *evs);
  const gs_model_type_t *ev = gs_model_find("ev");
  for (uint64_t i = 0; i < c->w->n_vens; i++) {
    int64_t p = gs_meters_power_mw(m, c->w->ven_meter[i]);
    xs[c->w->ven_xfmr[i]] += p;
    fs[c->w->ven_feeder[i]] += p;
    ck_assert_uint_eq(c->w->ven_feeder[i],
                      gs_grid_xfmr_feeder(g, c->w->ven_xfmr[i]));
    for (gs_entity_id_t id = c->w->ven_entity[i] + 1;
         id < gs_engine_entity_count(eng) &&
         gs_engine_type(eng, id)->role == GS_ROLE_LOAD;
         id++) {
      if (gs_engine_type(eng, id) != ev) continue;
      gs_load_status_t st;
      memset(&st, 0, sizeof st);
      ev->status(gs_engine_state(eng, id), t, &st);
      evs[c->w->ven_xfmr[i]] += st.power_mw > 0;
    }
  }
  int64_t fleet = 0;
  for (uint32_t x = 0; x < g->n_xfmrs; x++) {
    ck_assert_int_eq(gs_meters_power_mw(m, c->w->xfmr_meter[x]), xs[x]);
    /* The count the EVs keep at their transformer is the scan's. */
    ck_assert_uint_eq(gs_meters_on(m, c->w->xfmr_meter[x]), evs[x]);
    c->on_total += evs[x];
    if (evs[x] > c->ev_max[x]) c->ev_max[x] = evs[x];
  }
  uint32_t feeders_on = 0;
  for (uint32_t f = 0; f < g->n_feeders; f++)
    feeders_on += gs_meters_on(m, c->w->feeder_meter[f]);
  ck_assert_uint_eq(gs_meters_on(m, c->w->fleet_meter), feeders_on);
  for (uint32_t f = 0; f < g->n_feeders; f++) {
    ck_assert_int_eq(gs_meters_power_mw(m, c->w->feeder_meter[f]), fs[f]);
    fleet += fs[f];
  }
  ck_assert_int_eq(gs_meters_power_mw(m, c->w->fleet_meter), fleet);
  c->samples++;
  free(xs);
  free(fs);
  free(evs);
}

START_TEST(totals_exact_every_step) {
  const char *text = SCN(86400, TWO_FEEDERS,
                         HOME("a", 30, "\"feeder\":\"f1\",") ","
                         HOME("b", 25, "\"feeder\":\"f2\",") ","
                         HOME("c", 12, "\"feeder\":\"f1\","));
  run_t r = build_only(text, NULL);
  const gs_grid_cfg_t *g = r.w->grid;
  ck_assert_uint_eq(g->n_feeders, 2);
  ck_assert_uint_eq(g->feeders[0].n_vens, 42);
  ck_assert_uint_eq(g->feeders[1].n_vens, 25);
  /* f2 has the default rule: 8 homes each, 50 kVA (8 x 4.8 = 38.4). */
  ck_assert_uint_eq(g->feeders[1].n_xfmrs, 4);
  ck_assert_double_eq(g->xfmrs[g->feeders[1].first_xfmr].kva, 50);
  sums_t c = {.w = r.w};
  c.ev_max = calloc(g->n_xfmrs, sizeof *c.ev_max);
  gs_observer_t o = {.name = "sums", .interval_us = r.s->output_interval_us,
                     .sample = check_sums, .ud = &c};
  ck_assert_int_eq(gs_engine_add_observer(r.e, &o), GS_OK);
  finish(&r);
  ck_assert_int_eq(c.samples, 289);
  /* The grid observer counted the same EVs charging at the same instants. */
  uint32_t busiest = 0, evs = 0;
  for (uint32_t x = 0; x < g->n_xfmrs; x++) {
    gs_xfmr_figs_t f;
    gs_grid_xfmr_figs(r.w, x, &f);
    ck_assert_uint_eq(f.evs_charging_max, c.ev_max[x]);
    ck_assert_uint_le(f.evs_charging_max, f.evs);
    /* A block's mean never exceeds the instantaneous peak. */
    ck_assert_double_le(f.demand_kva, f.peak_kva + 1e-6);
    ck_assert_double_gt(f.demand_kva, 0);
    if (f.evs_charging_max > busiest) busiest = f.evs_charging_max;
    evs += f.evs;
  }
  ck_assert_uint_gt(busiest, 1); /* evening charging does coincide */
  ck_assert_uint_gt(evs, 30);    /* ~0.7 x 67 */
  /* Energies add up too: feeders to the fleet, exactly. */
  gs_meters_t *m = gs_engine_meters(r.e);
  gs_time_us_t now = gs_engine_now(r.e);
  int64_t e0 = gs_meters_energy_mws(m, r.w->feeder_meter[0], now),
          e1 = gs_meters_energy_mws(m, r.w->feeder_meter[1], now),
          ef = gs_meters_energy_mws(m, r.w->fleet_meter, now);
  ck_assert_int_ge(ef, e0 + e1);
  ck_assert_int_le(ef, e0 + e1 + 1); /* two floors of mW·s */
  free(c.ev_max);
  destroy(&r);
}
END_TEST

/* ---- EVs counted at every switch: sheds, throttles, setLoad, breaker ---- */

/* Sends `kind` (arg, arg2) at `t_s` to every `every`-th EV from `first`. */
static void to_evs(run_t *r, double t_s, uint16_t kind, int64_t arg,
                   uint64_t arg2, unsigned first, unsigned every) {
  const gs_model_type_t *ev = gs_model_find("ev");
  unsigned k = 0;
  for (gs_entity_id_t id = 0; id < gs_engine_entity_count(r->e); id++) {
    if (gs_engine_type(r->e, id) != ev) continue;
    if (k++ % every == first)
      gs_engine_schedule(r->e, id, llround(t_s * 1e6), GS_PHASE_MODEL, kind,
                         arg, arg2);
  }
}

/* The evening's charging is deferred, throttled (above and below J1772's
 * 6 A), capped by setLoad below the minimum, switched off at the breaker
 * and back on, at instants off the sampling grid; a scan of every EV's
 * status at every 7 s agrees with the counts the EVs keep, and so does
 * the grid's figure. */
START_TEST(ev_counts_follow_every_switch) {
  const char *text = SCN(86400, TWO_FEEDERS,
                         HOME("a", 40, "\"feeder\":\"f1\",") ","
                         HOME("b", 20, "\"feeder\":\"f2\","));
  run_t r = build_only(text, NULL);
  const gs_grid_cfg_t *g = r.w->grid;
  double h = 3600;
  to_evs(&r, 18 * h + 7, GS_EV_LOAD_SHED, 1000000, 0, 0, 3);   /* 6.2 kW */
  to_evs(&r, 18 * h + 7, GS_EV_LOAD_SHED, 6000000, 0, 1, 3);   /* < 6 A */
  to_evs(&r, 18 * h + 7, GS_EV_LOAD_SHED, 1000000000, 0, 2, 3); /* defer */
  to_evs(&r, 18.5 * h + 11, GS_EV_LOAD_RESTORE, 0, 0, 0, 1);
  to_evs(&r, 19 * h + 13, GS_EV_LOAD_SET, 1000000, 0, 0, 2);    /* 1 kW */
  to_evs(&r, 19.3 * h + 1, GS_EV_LOAD_SET, -1, 2, 1, 2);        /* off */
  to_evs(&r, 19.6 * h + 3, GS_EV_LOAD_SET, -1, 3, 0, 1);        /* on */
  to_evs(&r, 20 * h + 5, GS_EV_LOAD_SET, -1, 2, 0, 1);          /* off */
  sums_t c = {.w = r.w};
  c.ev_max = calloc(g->n_xfmrs, sizeof *c.ev_max);
  gs_observer_t o = {.name = "sums", .interval_us = 7 * GS_US_PER_S,
                     .sample = check_sums, .ud = &c};
  ck_assert_int_eq(gs_engine_add_observer(r.e, &o), GS_OK);
  ck_assert_int_eq(gs_engine_run(r.e, llround(20.5 * h * 1e6)), GS_OK);
  /* Every EV is off at the breaker now. */
  ck_assert_uint_eq(gs_meters_on(gs_engine_meters(r.e), r.w->fleet_meter), 0);
  ck_assert_uint_gt(c.on_total, 1000); /* the counts did move */
  finish(&r);
  ck_assert_int_eq(c.samples, 86400 / 7 + 1);
  uint32_t busiest = 0;
  for (uint32_t x = 0; x < g->n_xfmrs; x++) {
    gs_xfmr_figs_t f;
    gs_grid_xfmr_figs(r.w, x, &f);
    /* The grid samples every 300 s, a subset of every 7 s: at most. */
    ck_assert_uint_le(f.evs_charging_max, c.ev_max[x]);
    if (f.evs_charging_max > busiest) busiest = f.evs_charging_max;
  }
  ck_assert_uint_gt(busiest, 1);
  free(c.ev_max);
  destroy(&r);
}
END_TEST

/* ---- deterministic assignment, stable when VENs are added at the end ---- */

START_TEST(assignment_stable) {
  run_t a = build_only(SCN(600, TWO_FEEDERS,
                           HOME("a", 30, "\"feeder\":\"f1\",")), NULL);
  run_t a2 = build_only(SCN(600, TWO_FEEDERS,
                            HOME("a", 30, "\"feeder\":\"f1\",")), NULL);
  run_t b = build_only(SCN(600, TWO_FEEDERS,
                           HOME("a", 47, "\"feeder\":\"f1\",") ","
                           HOME("z", 9, "\"feeder\":\"f1\",")), NULL);
  const gs_grid_cfg_t *ga = a.w->grid, *gb = b.w->grid;
  ck_assert_uint_gt(ga->n_xfmrs, 4);  /* 30 VENs, 3 to 7 per transformer */
  ck_assert_uint_lt(ga->n_xfmrs, 11);
  ck_assert_uint_gt(gb->n_xfmrs, ga->n_xfmrs);
  uint32_t prev = 0;
  for (uint64_t i = 0; i < 30; i++) {
    ck_assert_uint_eq(a.w->ven_xfmr[i], a2.w->ven_xfmr[i]);
    ck_assert_uint_eq(a.w->ven_xfmr[i], b.w->ven_xfmr[i]);
    ck_assert_uint_ge(a.w->ven_xfmr[i], prev); /* filled in VEN order */
    prev = a.w->ven_xfmr[i];
  }
  /* Every transformer of the smaller run is drawn the same in the larger
   * one; only the last may hold more of the added VENs. */
  uint32_t placed = 0;
  for (uint32_t t = 0; t < ga->n_xfmrs; t++) {
    ck_assert_double_eq(ga->xfmrs[t].kva, gb->xfmrs[t].kva);
    ck_assert_uint_eq(ga->xfmrs[t].planned, gb->xfmrs[t].planned);
    ck_assert_uint_ge(ga->xfmrs[t].planned, 3);
    ck_assert_uint_le(ga->xfmrs[t].planned, 7);
    if (t + 1 < ga->n_xfmrs)
      ck_assert_uint_eq(ga->xfmrs[t].n_vens, ga->xfmrs[t].planned);
    placed += ga->xfmrs[t].n_vens;
  }
  ck_assert_uint_eq(placed, 30);
  destroy(&a);
  destroy(&a2);
  destroy(&b);
}
END_TEST

/* ---- hand-built overload: four 3.8 kW steps on a 10 kVA transformer ---- */

/* Four homes with no loads of their own on one 10 kVA transformer at pf
 * 1, each given a 3.8 kW step load switching on at 600, 1200, 1800 and
 * 2400 s and off at 5400 s: the transformer carries 3.8, 7.6, 11.4 (114
 * %), then 15.2 kW, so it is above its rating from 1800 s to 5400 s
 * (3600 s) and above 120 % (12 kVA) from 2400 s to 5400 s (3000 s). */
#define STEP_SCN                                                            \
  "{\"name\":\"step\",\"start\":\"2026-07-15T00:00:00Z\","                  \
  "\"duration_s\":7200,\"seed\":2,\"output\":{\"interval_s\":300},"         \
  "\"grid\":{\"power_factor\":1,\"feeders\":[{\"id\":\"f1\","               \
  "\"voltage_kv\":1,\"source_pu\":0.96,\"length_km\":10,"                   \
  "\"r_ohm_per_km\":0.1,\"x_ohm_per_km\":0.2,"                              \
  "\"transformers\":{\"kva\":10,\"vens_per_transformer\":4}}]},"            \
  "\"fleet\":[{\"name\":\"h\",\"count\":4}]}"

static run_t step_run(double first_on_s) {
  run_t r = build_only(STEP_SCN, NULL);
  gs_errbuf_t eb = {{0}};
  for (uint64_t i = 0; i < 4; i++) {
    double p[3] = {3.8, first_on_s + 600.0 * (double)i, 5400};
    gs_model_init_t li = {.seed = 2, .params = p, .id = "step",
                          .ven = r.w->ven_entity[i],
                          .meter = r.w->ven_meter[i]};
    ck_assert_int_eq(gs_engine_add_entity(r.e, &step_type, &li, NULL, &eb),
                     GS_OK);
  }
  finish(&r);
  return r;
}

START_TEST(time_above_rating_hand_built) {
  run_t r = step_run(600);
  ck_assert_uint_eq(r.w->grid->n_xfmrs, 1);
  gs_xfmr_figs_t x;
  gs_grid_xfmr_figs(r.w, 0, &x);
  ck_assert_double_eq_tol(x.peak_kw, 15.2, 1e-9);
  ck_assert_double_eq_tol(x.peak_kva, 15.2, 1e-9);
  ck_assert_double_eq_tol(x.peak_ratio, 1.52, 1e-12);
  ck_assert_double_eq(x.peak_time_s, 2400);
  ck_assert_double_eq(x.time_above_s, 3600);
  ck_assert_double_eq(x.time_above_120_s, 3000);
  /* 15-minute demand blocks: 1.27, 6.33, 12.67 (11.4 kW for 600 s and
   * 15.2 kW for 300 s), then 15.2 kW from the block at 2700 s on. */
  ck_assert_double_eq_tol(x.demand_kva, 15.2, 1e-9);
  ck_assert_double_eq_tol(x.demand_ratio, 1.52, 1e-12);
  ck_assert_double_eq(x.demand_time_s, 2700);
  /* The feeder: 1 + j2 ohm, pf 1, 15.2 kW at 1 kV: 1.52 % drop at the
   * peak; below 0.95 pu (from 0.96) while the load exceeds 10 kW, that is
   * 1800-5400 s (at 7.6 kW the end is at 0.9524 pu). */
  gs_feeder_figs_t f;
  gs_grid_feeder_figs(r.w, 0, &f);
  ck_assert_double_eq_tol(f.peak_kw, 15.2, 1e-9);
  ck_assert_double_eq(f.peak_time_s, 2400);
  ck_assert_double_eq_tol(f.drop_at_peak_pct, 1.52, 1e-9);
  ck_assert_double_eq_tol(f.min_voltage_pu, 0.9448, 1e-12);
  ck_assert_double_eq(f.time_below_095_s, 3600);
  /* Energy: 3.8 kW x (4800 + 4200 + 3600 + 3000) s over 2 h: a mean of
   * 8.2333 kW, a load factor of 8.2333 / 15.2. */
  ck_assert_double_eq_tol(f.mean_kw, 3.8 * 15600 / 7200, 1e-9);
  ck_assert_double_eq_tol(f.load_factor, 3.8 * 15600 / 7200 / 15.2, 1e-9);
  destroy(&r);
  /* Off the sampling grid the time is counted per sample: within one
   * output interval of the truth. Steps at 650, 1250, 1850, 2450 s. */
  r = step_run(650);
  gs_grid_xfmr_figs(r.w, 0, &x);
  ck_assert_double_eq(x.peak_time_s, 2450); /* the peak itself is exact */
  ck_assert_double_le(fabs(x.time_above_s - 3550), 300);
  ck_assert_double_le(fabs(x.time_above_120_s - 2950), 300);
  destroy(&r);
}
END_TEST

/* ---- the voltage drop against its closed form ---- */

START_TEST(voltage_drop_closed_form) {
  /* 5 MW at pf 0.95 on 5 km of IEEE 13-node configuration 601 at 12.47
   * kV: R = 0.5778, X = 1.8541 ohm, Q = 5000 tan(acos 0.95) = 1643.4 kvar,
   * drop = (R P + X Q) / V^2 = 3.8174 %. */
  double q = 5000.0 * sqrt(1 - 0.95 * 0.95) / 0.95;
  double want = (0.5778 * 5e6 + 1.8541 * q * 1e3) / (12470.0 * 12470.0) * 100;
  ck_assert_double_eq_tol(want, 3.8174, 5e-4);
  ck_assert_double_eq_tol(gs_grid_drop_pct(0.5778, 1.8541, 12.47, 5000, 0.95),
                          want, 1e-9);
  /* Reverse flow raises the voltage by as much. */
  ck_assert_double_eq_tol(gs_grid_drop_pct(0.5778, 1.8541, 12.47, -5000, 0.95),
                          -want, 1e-9);
  /* The scenario's line: f1 is 4 km of 601 with the load at its end; f2 is
   * 2 km of 601 then 3 km at 0.3 ohm/km with the load spread evenly:
   * weights 1 - 1/5 and 1 - 3.5/5 at the segments' midpoints. */
  run_t r = build_only(SCN(600, TWO_FEEDERS,
                           HOME("a", 3, "\"feeder\":\"f2\",")), NULL);
  const gs_feeder_cfg_t *f1 = &r.w->grid->feeders[0],
                        *f2 = &r.w->grid->feeders[1];
  ck_assert_double_eq_tol(f1->r_eff_ohm, 4 * 0.11556, 1e-12);
  ck_assert_double_eq_tol(f1->x_eff_ohm, 4 * 0.37082, 1e-12);
  ck_assert_double_eq_tol(f2->length_km, 5, 1e-12);
  ck_assert_double_eq_tol(f2->r_ohm, 2 * 0.11556 + 3 * 0.3, 1e-12);
  ck_assert_double_eq_tol(f2->r_eff_ohm, 0.8 * 2 * 0.11556 + 0.3 * 3 * 0.3,
                          1e-12);
  ck_assert_double_eq_tol(f2->x_eff_ohm, (0.8 * 2 + 0.3 * 3) * 0.37082,
                          1e-12);
  destroy(&r);
  /* One uniform line with the load spread: exactly half the end drop. */
  r = build_only(SCN(600, "\"grid\":{\"feeders\":[{\"id\":\"u\","
                          "\"length_km\":6,\"load_at\":\"uniform\"}]},",
                     HOME("a", 3, "")), NULL);
  ck_assert_double_eq_tol(r.w->grid->feeders[0].r_eff_ohm, 3 * 0.11556,
                          1e-12);
  destroy(&r);
}
END_TEST

/* ---- defaults: scenarios without "grid" get one implicit feeder ---- */

START_TEST(defaults_keep_scenarios) {
  static const char *const files[] = {
      GS_SOURCE_DIR "/scenarios/default.json",
      GS_SOURCE_DIR "/scenarios/summer-shed-10k.json"};
  for (size_t k = 0; k < 2; k++) {
    gs_scenario_t *s = NULL;
    gs_errbuf_t eb = {{0}};
    ck_assert_msg(gs_scenario_load_file(files[k], NULL, &s, &eb) == GS_OK,
                  "%s", eb.msg);
    const gs_grid_cfg_t *g = s->grid;
    ck_assert(g->implicit);
    ck_assert_uint_eq(g->n_feeders, 1);
    ck_assert_str_eq(g->feeders[0].id, "f0");
    ck_assert_uint_eq(g->feeders[0].n_vens, s->n_vens);
    ck_assert_uint_eq(g->n_xfmrs, (s->n_vens + 7) / 8);
    ck_assert_double_eq(g->xfmrs[0].kva, 50);
    ck_assert_double_eq(g->feeders[0].length_km, 0); /* no line given */
    gs_scenario_free(s);
  }
  /* The default scenario runs and reports its grid. */
  gs_scenario_overrides_t ov = {.has_vens = true, .vens = 40};
  gs_scenario_t *s = NULL;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_scenario_load_default(&ov, &s, &eb), GS_OK);
  char *text = gs_scenario_to_json(s);
  gs_scenario_free(s);
  run_t r = build_only(text, NULL);
  free(text);
  finish(&r);
  cJSON *root = cJSON_CreateObject();
  gs_grid_summary_json(root, r.w);
  cJSON *jx = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "grid"),
                                  "transformers");
  ck_assert_int_eq(cJSON_GetObjectItem(jx, "count")->valueint, 5);
  cJSON *worst = cJSON_GetObjectItem(jx, "worst");
  ck_assert_int_eq(cJSON_GetArraySize(worst), 5);
  /* Worst first: by the demand ratio, descending. */
  for (int k = 1; k < 5; k++)
    ck_assert_double_ge(
        cJSON_GetObjectItem(cJSON_GetArrayItem(worst, k - 1), "demand_ratio")
            ->valuedouble,
        cJSON_GetObjectItem(cJSON_GetArrayItem(worst, k), "demand_ratio")
            ->valuedouble);
  cJSON_Delete(root);
  destroy(&r);
}
END_TEST

/* ---- malformed grids: each error names its JSON path ---- */

typedef struct bad {
  const char *grid, *feeder, *want;
} bad_t;

static const bad_t bad_cases[] = {
    {"5", "", "test.json: grid: expected an object"},
    {"{\"feeders\":[{\"id\":\"f1\"}],\"bogus\":1}", "",
     "grid.bogus: expected one of power_factor, report_top, "
     "demand_interval_s, feeders"},
    {"{}", "", "grid.feeders: expected a non-empty array of feeders"},
    {"{\"feeders\":[{\"id\":\"a b\"}]}", "", "grid.feeders[0].id: expected a "
     "name"},
    {"{\"feeders\":[{\"id\":\"f\"},{\"id\":\"f\"}]}", "",
     "grid.feeders[1].id: expected a feeder id not used by grid.feeders[0]"},
    {"{\"feeders\":[{\"id\":\"f\",\"voltage_kv\":0}]}", "",
     "grid.feeders[0].voltage_kv: expected a number in [0.1, 500] (kV), "
     "found 0"},
    {"{\"feeders\":[{\"id\":\"f\",\"length_km\":1,\"segments\":[]}]}", "",
     "grid.feeders[0].segments: expected either \"segments\""},
    {"{\"feeders\":[{\"id\":\"f\",\"segments\":[{\"length_km\":1},"
     "{\"length_km\":-1}]}]}", "",
     "grid.feeders[0].segments[1].length_km: expected a number in [0, 1000]"},
    {"{\"feeders\":[{\"id\":\"f\",\"r_ohm_per_km\":0.2}]}", "",
     "grid.feeders[0].length_km: expected a length in km"},
    {"{\"feeders\":[{\"id\":\"f\",\"load_at\":\"middle\"}]}", "",
     "grid.feeders[0].load_at: expected \"end\" or \"uniform\", found "
     "\"middle\""},
    {"{\"feeders\":[{\"id\":\"f\",\"transformers\":{\"kva\":-25}}]}", "",
     "grid.feeders[0].transformers.kva: expected a number in (0, 100000] "
     "(kVA), found -25"},
    {"{\"feeders\":[{\"id\":\"f\",\"transformers\":{\"kva\":\"big\"}}]}", "",
     "grid.feeders[0].transformers.kva: expected \"auto\", a number"},
    {"{\"feeders\":[{\"id\":\"f\",\"transformers\":{\"kva\":{\"dist\":"
     "\"choice\",\"values\":[25,0],\"weights\":[1,1]}}}]}", "",
     "grid.feeders[0].transformers.kva.values[1]: expected a number in (0, "
     "100000]"},
    {"{\"feeders\":[{\"id\":\"f\",\"transformers\":"
     "{\"vens_per_transformer\":0}}]}", "",
     "grid.feeders[0].transformers.vens_per_transformer: expected an integer "
     "in [1, 100000], found 0"},
    {"{\"feeders\":[{\"id\":\"f\",\"transformers\":{\"count\":2,"
     "\"vens_per_transformer\":4}}]}", "",
     "grid.feeders[0].transformers.count: expected at least 3 transformers "
     "to hold the 10 VENs of feeder f"},
    {"{\"feeders\":[{\"id\":\"f\",\"transformers\":{\"bogus\":1}}]}", "",
     "grid.feeders[0].transformers.bogus: expected one of count"},
    {"{\"power_factor\":1.5,\"feeders\":[{\"id\":\"f\"}]}", "",
     "grid.power_factor: expected a number in [0.5, 1], found 1.5"},
    {"{\"demand_interval_s\":0.5,\"feeders\":[{\"id\":\"f\"}]}", "",
     "grid.demand_interval_s: expected an integer in [1, 86400] (s), found "
     "0.5"},
    {"{\"feeders\":[{\"id\":\"f\"}]}", "\"feeder\":\"f9\",",
     "fleet[0].feeder: expected the id of one of grid.feeders, found \"f9\""},
    {NULL, "\"feeder\":\"f1\",",
     "fleet[0].feeder: expected no feeder key (the scenario has no "
     "\"grid\")"},
};

START_TEST(malformed_grids) {
  const bad_t *b = &bad_cases[_i];
  char text[2048], grid[600] = "";
  if (b->grid) snprintf(grid, sizeof grid, "\"grid\":%s,", b->grid);
  snprintf(text, sizeof text,
           "{\"name\":\"bad\",\"start\":\"2026-07-15T00:00:00Z\","
           "\"duration_s\":600,%s\"fleet\":[{\"name\":\"h\",%s"
           "\"count\":10}]}", grid, b->feeder);
  gs_scenario_t *s = NULL;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_scenario_load_string(text, "test.json", NULL, &s, &eb),
                   GS_ESCENARIO);
  ck_assert_ptr_null(s);
  ck_assert_msg(strstr(eb.msg, b->want) != NULL, "case %d: got \"%s\"", _i,
                eb.msg);
}
END_TEST

/* DR events aimed at a feeder or one transformer reach exactly the VENs
 * under it, and the request is split over them to the milliwatt. */
#define SCN_EV(dur, extra, groups, target)                                  \
  "{\"name\":\"g\",\"start\":\"2026-07-15T00:00:00-07:00\","                \
  "\"utc_offset_h\":-7,\"duration_s\":" #dur ",\"seed\":5,"                 \
  "\"output\":{\"interval_s\":300}," extra "\"fleet\":[" groups "],"       \
  "\"program\":{\"events\":[{\"id\":\"e\",\"start_s\":3600,"                \
  "\"duration_s\":1800,\"requested_kw\":7.000001,\"target\":" target "}]}}"

START_TEST(feeder_and_transformer_targets) {
  run_t r = build_only(SCN_EV(7200, TWO_FEEDERS, HOME("a", 30,
                              "\"feeder\":\"f1\",") ","
                              HOME("b", 25, "\"feeder\":\"f2\","),
                              "{\"feeder\":\"f2\"}"),
                       NULL);
  finish(&r);
  ck_assert_uint_eq(r.w->dr[0].targeted, 25);
  ck_assert_int_eq(r.w->dr[0].dispatched_mw, 7000001);
  destroy(&r);
  /* The third transformer of f1: the VENs the world put on it. */
  r = build_only(SCN_EV(7200, TWO_FEEDERS, HOME("a", 30,
                        "\"feeder\":\"f1\",") ","
                        HOME("b", 25, "\"feeder\":\"f2\","),
                        "{\"transformer\":\"f1-t0002\"}"),
                 NULL);
  uint32_t on_it = 0, t = r.w->dr[0].targeted;
  char id[96];
  for (uint64_t i = 0; i < r.w->n_vens; i++) {
    gs_grid_xfmr_id(r.w->grid, r.w->ven_xfmr[i], id, sizeof id);
    on_it += strcmp(id, "f1-t0002") == 0;
  }
  finish(&r);
  t = r.w->dr[0].targeted;
  ck_assert_uint_gt(on_it, 0);
  ck_assert_uint_eq(t, on_it);
  ck_assert_int_eq(r.w->dr[0].dispatched_mw, 7000001);
  destroy(&r);
  /* Unknown ids are refused with the exact path. */
  gs_scenario_t *s;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(
      gs_scenario_load_string(SCN_EV(7200, TWO_FEEDERS, HOME("a", 3, ""),
                                     "{\"feeder\":\"f9\"}"),
                              "t.json", NULL, &s, &eb),
      GS_ESCENARIO);
  ck_assert_ptr_nonnull(
      strstr(eb.msg, "t.json: program.events[0].target.feeder: expected the "
                     "id of a feeder (f1, f2), found \"f9\""));
  ck_assert_int_eq(
      gs_scenario_load_string(SCN_EV(7200, TWO_FEEDERS, HOME("a", 3, ""),
                                     "{\"transformer\":\"f1-t9999\"}"),
                              "t.json", NULL, &s, &eb),
      GS_ESCENARIO);
  ck_assert_ptr_nonnull(
      strstr(eb.msg, "program.events[0].target.transformer: expected the id "
                     "of a transformer"));
}
END_TEST

Suite *grid_suite(void) {
  Suite *s = suite_create("grid");
  TCase *tc = tcase_create("grid");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, totals_exact_every_step);
  tcase_add_test(tc, ev_counts_follow_every_switch);
  tcase_add_test(tc, assignment_stable);
  tcase_add_test(tc, time_above_rating_hand_built);
  tcase_add_test(tc, voltage_drop_closed_form);
  tcase_add_test(tc, defaults_keep_scenarios);
  tcase_add_test(tc, feeder_and_transformer_targets);
  tcase_add_loop_test(tc, malformed_grids, 0,
                      (int)(sizeof bad_cases / sizeof bad_cases[0]));
  suite_add_tcase(s, tc);
  return s;
}
