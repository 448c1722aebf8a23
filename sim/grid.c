/* SPDX-License-Identifier: MIT */
/* Transformer and feeder metrics: loading, overloads, drop, EV coincidence. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grid.h"
#include "scenario_util.h"
#include "world.h"

/* Single-phase overhead distribution transformers: the standard ratings of
 * IEEE C57.12.20 and the typical %R and %X of each size as tabulated by
 * PNNL's TESP feeder generator (feederGenerator.py, single_phase). */
static const struct {
  double kva, r_pct, x_pct;
} std_xfmr[] = {
    {5, 2.10, 1.53},   {10, 1.90, 1.30},  {15, 1.70, 1.47},
    {25, 1.60, 1.51},  {37.5, 1.45, 1.65}, {50, 1.30, 1.77},
    {75, 1.25, 1.69},  {100, 1.20, 2.19}, {167, 1.15, 2.77},
    {250, 1.10, 3.85}, {333, 1.00, 4.90}, {500, 1.00, 4.90}};
#define N_STD (sizeof std_xfmr / sizeof std_xfmr[0])

/* A feeder counts as under-voltage below ANSI C84.1 Range A (0.95 pu). */
#define GS__RANGE_A_PU 0.95
/* The screening threshold for a serious overload (a common planning
 * limit; IEEE C57.91's real limits depend on hot-spot temperature). */
#define GS__SEVERE_RATIO 1.2
/* EV coincidence needs at least this many EVs on a transformer: with one,
 * any charging is trivially 100 % coincident. */
#define GS__COINCIDENCE_MIN_EVS 2

double gs_grid_standard_kva(double kva, double *r_pct, double *x_pct) {
  size_t i = 0;
  while (i + 1 < N_STD && std_xfmr[i].kva < kva) i++;
  if (r_pct) *r_pct = std_xfmr[i].r_pct;
  if (x_pct) *x_pct = std_xfmr[i].x_pct;
  return std_xfmr[i].kva;
}

double gs_grid_drop_pct(double r_ohm, double x_ohm, double voltage_kv,
                        double p_kw, double pf) {
  double q_kvar = p_kw * tan(acos(pf));
  double v = voltage_kv * 1e3;
  return (r_ohm * p_kw * 1e3 + x_ohm * q_kvar * 1e3) / (v * v) * 100.0;
}

const char *gs_grid_feeder_id(const gs_grid_cfg_t *g, uint32_t f) {
  GS_ASSERT(f < g->n_feeders);
  return g->feeders[f].id;
}

uint32_t gs_grid_xfmr_feeder(const gs_grid_cfg_t *g, uint32_t t) {
  GS_ASSERT(t < g->n_xfmrs);
  return g->xfmrs[t].feeder;
}

void gs_grid_xfmr_id(const gs_grid_cfg_t *g, uint32_t t, char *buf,
                     size_t size) {
  const gs_feeder_cfg_t *fd = &g->feeders[gs_grid_xfmr_feeder(g, t)];
  snprintf(buf, size, "%s-t%0*u", fd->id, gs__ven_id_width(fd->n_xfmrs),
           (unsigned)(t - fd->first_xfmr));
}

/* Per transformer: only what a sample adds up, a few words each. */
typedef struct xacc {
  gs_time_us_t above_us, above120_us;
  int64_t block_mws;        /* meter energy at the present block's start */
  int64_t demand_mw;        /* highest block mean so far (INT64_MIN: none) */
  gs_time_us_t demand_at_us;
  uint32_t evs_charging_max;
} xacc_t;

struct gs_grid_obs {
  const gs_world_t *w;
  gs_time_us_t interval_us, end_us;
  gs_time_us_t block_us; /* start of the present demand block */
  double pf;
  xacc_t *x;
  gs_time_us_t *below_us;    /* per feeder: time under Range A */
  uint32_t *evs;             /* per transformer: EVs of its VENs */
};

void gs_grid_obs_free(gs_grid_obs_t *o) {
  if (o == NULL) return;
  free(o->x);
  free(o->below_us);
  free(o->evs);
  free(o);
}

static double kw_of(int64_t mw) { return (double)mw / 1e6; }

/* One sample at `t`: it stands for [t, t + interval) (power is held after
 * the events at t), cut at the run's end. */
static void sample(void *ud, gs_engine_t *eng, gs_time_us_t t) {
  gs_grid_obs_t *o = ud;
  const gs_grid_cfg_t *g = o->w->grid;
  gs_meters_t *m = gs_engine_meters(eng);
  gs_time_us_t wt = o->end_us - t < o->interval_us ? o->end_us - t
                                                    : o->interval_us;
  if (wt < 0) wt = 0;
  for (uint32_t i = 0; i < g->n_xfmrs; i++) {
    xacc_t *a = &o->x[i];
    double kva = kw_of(gs_meters_power_mw(m, o->w->xfmr_meter[i])) / o->pf;
    if (kva > g->xfmrs[i].kva) a->above_us += wt;
    if (kva > GS__SEVERE_RATIO * g->xfmrs[i].kva) a->above120_us += wt;
    /* EVs drawing power: the EVs count themselves at their transformer's
     * meter when they switch (models/ev.c), so no EV is read here. */
    uint32_t on = gs_meters_on(m, o->w->xfmr_meter[i]);
    if (on > a->evs_charging_max) a->evs_charging_max = on;
  }
  for (uint32_t f = 0; f < g->n_feeders; f++) {
    const gs_feeder_cfg_t *fd = &g->feeders[f];
    if (fd->length_km <= 0) continue;
    double p_kw = kw_of(gs_meters_power_mw(m, o->w->feeder_meter[f]));
    double v = fd->source_pu - gs_grid_drop_pct(fd->r_eff_ohm, fd->x_eff_ohm,
                                                fd->voltage_kv, p_kw, o->pf) /
                                   100.0;
    if (v < GS__RANGE_A_PU) o->below_us[f] += wt;
  }
}

/* Closes the demand block [o->block_us, t) of every transformer: its mean
 * power from the exact energies, rounded to the milliwatt. */
static void close_block(gs_grid_obs_t *o, gs_engine_t *eng, gs_time_us_t t) {
  gs_meters_t *m = gs_engine_meters(eng);
  gs_time_us_t len = t - o->block_us;
  if (len <= 0) return;
  for (uint32_t i = 0; i < o->w->grid->n_xfmrs; i++) {
    xacc_t *a = &o->x[i];
    int64_t e = gs_meters_energy_mws(m, o->w->xfmr_meter[i], t);
    int64_t mean = llround((double)(e - a->block_mws) * 1e6 / (double)len);
    if (mean > a->demand_mw) {
      a->demand_mw = mean;
      a->demand_at_us = o->block_us;
    }
    a->block_mws = e;
  }
  o->block_us = t;
}

static void sample_demand(void *ud, gs_engine_t *eng, gs_time_us_t t) {
  close_block(ud, eng, t);
}

/* The run's last block may be short: it counts with its own length. */
static void finish_demand(void *ud, gs_engine_t *eng) {
  gs_grid_obs_t *o = ud;
  gs_time_us_t now = gs_engine_now(eng);
  close_block(o, eng, now < o->end_us ? now : o->end_us);
}

/* The EVs of each transformer: a VEN's loads are the load entities right
 * after it. */
static void count_evs(gs_grid_obs_t *o, gs_engine_t *eng) {
  const gs_world_t *w = o->w;
  const gs_model_type_t *ev = gs_model_find("ev");
  size_t n_ent = gs_engine_entity_count(eng);
  for (uint64_t i = 0; i < w->n_vens && ev != NULL; i++)
    for (gs_entity_id_t id = w->ven_entity[i] + 1;
         id < n_ent && gs_engine_type(eng, id)->role == GS_ROLE_LOAD; id++)
      o->evs[w->ven_xfmr[i]] += gs_engine_type(eng, id) == ev;
}

gs_err_t gs_grid_observe(gs_world_t *w, gs_time_us_t interval_us,
                         gs_time_us_t end_us, gs_errbuf_t *eb) {
  if (w == NULL || w->grid == NULL || interval_us <= 0)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_grid_observe: no grid");
  gs_grid_obs_t *o = calloc(1, sizeof *o);
  if (o == NULL) goto nomem;
  o->w = w;
  o->interval_us = interval_us;
  o->end_us = end_us;
  o->pf = w->grid->power_factor;
  size_t nx = w->grid->n_xfmrs ? w->grid->n_xfmrs : 1;
  o->x = calloc(nx, sizeof *o->x);
  o->below_us = calloc(w->grid->n_feeders, sizeof *o->below_us);
  o->evs = calloc(nx, sizeof *o->evs);
  if (o->x == NULL || o->below_us == NULL || o->evs == NULL) goto nomem;
  for (uint32_t i = 0; i < w->grid->n_xfmrs; i++)
    o->x[i].demand_mw = INT64_MIN;
  count_evs(o, w->engine);
  gs_observer_t obs = {.name = "grid", .interval_us = interval_us,
                       .sample = sample, .ud = o};
  gs_observer_t dobs = {.name = "grid demand",
                        .interval_us = w->grid->demand_interval_us,
                        .sample = sample_demand, .finish = finish_demand,
                        .ud = o};
  /* Owned by the world from here: an observer added before a failure
   * still points at it. */
  gs_grid_obs_free(w->grid_obs);
  w->grid_obs = o;
  gs_err_t err = gs_engine_add_observer(w->engine, &obs);
  if (err == GS_OK) err = gs_engine_add_observer(w->engine, &dobs);
  if (err != GS_OK)
    return gs_errbuf_set(eb, err, "grid observer: %s", gs_strerror(err));
  return GS_OK;
nomem:
  gs_grid_obs_free(o);
  return gs_errbuf_set(eb, GS_ENOMEM, "out of memory (grid metrics)");
}

void gs_grid_xfmr_figs(const gs_world_t *w, uint32_t t, gs_xfmr_figs_t *out) {
  const gs_grid_obs_t *o = w->grid_obs;
  GS_ASSERT(o != NULL && t < w->grid->n_xfmrs);
  gs_meters_t *m = gs_engine_meters(w->engine);
  gs_time_us_t at, now = gs_engine_now(w->engine);
  memset(out, 0, sizeof *out);
  out->peak_kw = kw_of(gs_meters_peak_mw(m, w->xfmr_meter[t], now, &at));
  out->peak_kva = out->peak_kw / o->pf;
  out->peak_ratio = out->peak_kva / w->grid->xfmrs[t].kva;
  out->peak_time_s = (double)at / 1e6;
  const xacc_t *a = &o->x[t];
  if (a->demand_mw != INT64_MIN) {
    out->demand_kva = kw_of(a->demand_mw) / o->pf;
    out->demand_ratio = out->demand_kva / w->grid->xfmrs[t].kva;
    out->demand_time_s = (double)a->demand_at_us / 1e6;
  }
  out->time_above_s = (double)o->x[t].above_us / 1e6;
  out->time_above_120_s = (double)o->x[t].above120_us / 1e6;
  out->evs = o->evs[t];
  out->evs_charging_max = o->x[t].evs_charging_max;
}

void gs_grid_feeder_figs(const gs_world_t *w, uint32_t f,
                         gs_feeder_figs_t *out) {
  const gs_grid_obs_t *o = w->grid_obs;
  GS_ASSERT(o != NULL && f < w->grid->n_feeders);
  const gs_feeder_cfg_t *fd = &w->grid->feeders[f];
  gs_meters_t *m = gs_engine_meters(w->engine);
  gs_time_us_t at, now = gs_engine_now(w->engine);
  memset(out, 0, sizeof *out);
  out->peak_kw = kw_of(gs_meters_peak_mw(m, w->feeder_meter[f], now, &at));
  out->peak_kva = out->peak_kw / o->pf;
  out->peak_time_s = (double)at / 1e6;
  out->mean_kw = now > 0 ? gs_meters_energy_kwh(m, w->feeder_meter[f], now) /
                               ((double)now / 3.6e9)
                         : 0;
  out->load_factor = out->peak_kw > 0 ? out->mean_kw / out->peak_kw : 0;
  /* The drop is linear in the head load, so the exact peak gives the
   * exact lowest voltage of the model, not just the lowest sampled. */
  if (fd->length_km > 0)
    out->drop_at_peak_pct = gs_grid_drop_pct(
        fd->r_eff_ohm, fd->x_eff_ohm, fd->voltage_kv, out->peak_kw, o->pf);
  out->min_voltage_pu = fd->source_pu - out->drop_at_peak_pct / 100.0;
  out->time_below_095_s = (double)o->below_us[f] / 1e6;
}

/* Transformers by demand ratio, worst first, ties by index. */
typedef struct ranked {
  double ratio;
  uint32_t t;
} ranked_t;

static int by_ratio(const void *a, const void *b) {
  const ranked_t *x = a, *y = b;
  if (x->ratio != y->ratio) return x->ratio < y->ratio ? 1 : -1;
  return x->t < y->t ? -1 : x->t > y->t;
}

/* System-wide transformer figures of the run. */
typedef struct xsum {
  uint32_t over, severe;          /* demand above rating, above 120 % */
  uint32_t over_instant;          /* instantaneous peak above rating */
  double above_s, kva_total;      /* summed over transformers */
  double coincidence;             /* max charging / EVs, >= 2 EVs */
  uint32_t coincidence_t;         /* where (UINT32_MAX: no such one) */
  uint32_t charging_max, charging_max_t;
  ranked_t *rank;                 /* n_xfmrs, worst first (NULL: OOM) */
} xsum_t;

static xsum_t xfmr_summary(const gs_world_t *w) {
  const gs_grid_cfg_t *g = w->grid;
  xsum_t s = {.coincidence_t = UINT32_MAX, .charging_max_t = UINT32_MAX};
  s.rank = malloc((g->n_xfmrs ? g->n_xfmrs : 1) * sizeof *s.rank);
  for (uint32_t t = 0; t < g->n_xfmrs; t++) {
    gs_xfmr_figs_t x;
    gs_grid_xfmr_figs(w, t, &x);
    s.over += x.demand_ratio > 1.0;
    s.severe += x.demand_ratio > GS__SEVERE_RATIO;
    s.over_instant += x.peak_ratio > 1.0;
    s.above_s += x.time_above_s;
    s.kva_total += g->xfmrs[t].kva;
    if (x.evs >= GS__COINCIDENCE_MIN_EVS) {
      double c = (double)x.evs_charging_max / x.evs;
      if (s.coincidence_t == UINT32_MAX || c > s.coincidence) {
        s.coincidence = c;
        s.coincidence_t = t;
      }
    }
    if (x.evs_charging_max > s.charging_max) {
      s.charging_max = x.evs_charging_max;
      s.charging_max_t = t;
    }
    if (s.rank) s.rank[t] = (ranked_t){x.demand_ratio, t};
  }
  if (s.rank) qsort(s.rank, g->n_xfmrs, sizeof *s.rank, by_ratio);
  return s;
}

static void add_opt(cJSON *o, const char *key, bool has, double v) {
  if (has) cJSON_AddNumberToObject(o, key, v);
  else cJSON_AddNullToObject(o, key);
}

static void xfmr_json(cJSON *arr, const gs_world_t *w, uint32_t t) {
  const gs_xfmr_cfg_t *c = &w->grid->xfmrs[t];
  gs_xfmr_figs_t x;
  char id[96];
  gs_grid_xfmr_figs(w, t, &x);
  gs_grid_xfmr_id(w->grid, t, id, sizeof id);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddItemToArray(arr, o);
  cJSON_AddStringToObject(o, "id", id);
  cJSON_AddNumberToObject(o, "kva", c->kva);
  cJSON_AddNumberToObject(o, "impedance_pct", hypot(c->r_pct, c->x_pct));
  cJSON_AddNumberToObject(o, "vens", c->n_vens);
  cJSON_AddNumberToObject(o, "evs", x.evs);
  cJSON_AddNumberToObject(o, "peak_kw", x.peak_kw);
  cJSON_AddNumberToObject(o, "peak_kva", x.peak_kva);
  cJSON_AddNumberToObject(o, "peak_ratio", x.peak_ratio);
  cJSON_AddNumberToObject(o, "peak_time_s", x.peak_time_s);
  cJSON_AddNumberToObject(o, "demand_kva", x.demand_kva);
  cJSON_AddNumberToObject(o, "demand_ratio", x.demand_ratio);
  cJSON_AddNumberToObject(o, "demand_time_s", x.demand_time_s);
  cJSON_AddNumberToObject(o, "peak_secondary_a",
                          x.peak_kva * 1e3 /
                              w->grid->feeders[c->feeder].secondary_v);
  cJSON_AddNumberToObject(o, "time_above_rating_s", x.time_above_s);
  cJSON_AddNumberToObject(o, "time_above_120pct_s", x.time_above_120_s);
  cJSON_AddNumberToObject(o, "evs_charging_max", x.evs_charging_max);
}

static void feeder_json(cJSON *arr, const gs_world_t *w, uint32_t f) {
  const gs_feeder_cfg_t *fd = &w->grid->feeders[f];
  gs_feeder_figs_t x;
  gs_grid_feeder_figs(w, f, &x);
  bool line = fd->length_km > 0, rated = fd->rating_kva > 0;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddItemToArray(arr, o);
  cJSON_AddStringToObject(o, "id", fd->id);
  cJSON_AddNumberToObject(o, "vens", (double)fd->n_vens);
  cJSON_AddNumberToObject(o, "transformers", fd->n_xfmrs);
  cJSON_AddNumberToObject(o, "voltage_kv", fd->voltage_kv);
  add_opt(o, "rating_kva", rated, fd->rating_kva);
  cJSON_AddNumberToObject(o, "peak_kw", x.peak_kw);
  cJSON_AddNumberToObject(o, "peak_kva", x.peak_kva);
  cJSON_AddNumberToObject(o, "peak_time_s", x.peak_time_s);
  add_opt(o, "peak_ratio", rated, rated ? x.peak_kva / fd->rating_kva : 0);
  cJSON_AddNumberToObject(o, "mean_kw", x.mean_kw);
  cJSON_AddNumberToObject(o, "load_factor", x.load_factor);
  cJSON_AddNumberToObject(o, "length_km", fd->length_km);
  cJSON_AddStringToObject(o, "load_at", fd->load_at == GS_LOAD_AT_UNIFORM
                                            ? "uniform" : "end");
  add_opt(o, "drop_at_peak_pct", line, x.drop_at_peak_pct);
  add_opt(o, "min_voltage_pu", line, x.min_voltage_pu);
  add_opt(o, "time_below_0_95_pu_s", line, x.time_below_095_s);
}

void gs_grid_summary_json(cJSON *root, const gs_world_t *w) {
  if (w == NULL || w->grid_obs == NULL) return;
  const gs_grid_cfg_t *g = w->grid;
  const gs_grid_obs_t *o = w->grid_obs;
  gs_meters_t *m = gs_engine_meters(w->engine);
  gs_time_us_t at, now = gs_engine_now(w->engine);
  cJSON *jg = cJSON_AddObjectToObject(root, "grid");
  if (jg == NULL) return;
  cJSON_AddBoolToObject(jg, "implicit", g->implicit);
  cJSON_AddNumberToObject(jg, "power_factor", g->power_factor);
  cJSON_AddNumberToObject(jg, "sample_interval_s",
                          (double)o->interval_us / 1e6);
  cJSON_AddNumberToObject(jg, "demand_interval_s",
                          (double)g->demand_interval_us / 1e6);
  double peak = kw_of(gs_meters_peak_mw(m, w->fleet_meter, now, &at));
  double mean = now > 0 ? gs_meters_energy_kwh(m, w->fleet_meter, now) /
                              ((double)now / 3.6e9) : 0;
  cJSON *sys = cJSON_AddObjectToObject(jg, "system");
  cJSON_AddNumberToObject(sys, "peak_kw", peak);
  cJSON_AddNumberToObject(sys, "peak_time_s", (double)at / 1e6);
  cJSON_AddNumberToObject(sys, "mean_kw", mean);
  cJSON_AddNumberToObject(sys, "load_factor", peak > 0 ? mean / peak : 0);
  cJSON *fa = cJSON_AddArrayToObject(jg, "feeders");
  for (uint32_t f = 0; f < g->n_feeders; f++) feeder_json(fa, w, f);
  xsum_t s = xfmr_summary(w);
  cJSON *jx = cJSON_AddObjectToObject(jg, "transformers");
  cJSON_AddNumberToObject(jx, "count", g->n_xfmrs);
  cJSON_AddNumberToObject(jx, "kva_total", s.kva_total);
  cJSON_AddNumberToObject(jx, "overloaded", s.over);
  cJSON_AddNumberToObject(jx, "above_120pct", s.severe);
  cJSON_AddNumberToObject(jx, "overloaded_instantaneous", s.over_instant);
  cJSON_AddNumberToObject(jx, "time_above_rating_s_total", s.above_s);
  char id[96];
  bool has_c = s.coincidence_t != UINT32_MAX;
  add_opt(jx, "ev_coincidence_max", has_c, s.coincidence);
  if (has_c) gs_grid_xfmr_id(g, s.coincidence_t, id, sizeof id);
  if (has_c) cJSON_AddStringToObject(jx, "ev_coincidence_transformer", id);
  else cJSON_AddNullToObject(jx, "ev_coincidence_transformer");
  cJSON_AddNumberToObject(jx, "evs_charging_max", s.charging_max);
  cJSON *worst = cJSON_AddArrayToObject(jx, "worst");
  for (uint32_t k = 0; s.rank && k < g->n_xfmrs && k < g->report_top; k++)
    xfmr_json(worst, w, s.rank[k].t);
  free(s.rank);
}

/* "2026-07-15T18:05:00Z" for a time from the scenario's start. */
static void when(const gs_world_t *w, double t_s, char *buf, size_t size) {
  gs_time_format_iso8601(w->scenario->start_unix_s + (int64_t)floor(t_s),
                         buf, size);
}

void gs_grid_summary_print(FILE *out, const gs_world_t *w) {
  if (w == NULL || w->grid_obs == NULL) return;
  const gs_grid_cfg_t *g = w->grid;
  char t1[32], id[96];
  xsum_t s = xfmr_summary(w);
  fprintf(out, "  grid       %zu feeder%s, %u transformers (%.0f kVA), pf "
          "%.2f: %u above rating over %.0f min (%u above 120 %%), %u at "
          "some instant; %.1f h above rating in all\n", g->n_feeders,
          g->n_feeders == 1 ? "" : "s", g->n_xfmrs, s.kva_total,
          g->power_factor, s.over, (double)g->demand_interval_us / 6e7,
          s.severe, s.over_instant, s.above_s / 3600);
  for (uint32_t f = 0; f < g->n_feeders; f++) {
    const gs_feeder_cfg_t *fd = &g->feeders[f];
    gs_feeder_figs_t x;
    gs_grid_feeder_figs(w, f, &x);
    when(w, x.peak_time_s, t1, sizeof t1);
    fprintf(out, "  feeder %-4s %llu VENs, peak %.1f kW (%.1f kVA) at %s, "
            "load factor %.2f", fd->id, (unsigned long long)fd->n_vens,
            x.peak_kw, x.peak_kva, t1, x.load_factor);
    if (fd->rating_kva > 0)
      fprintf(out, ", %.0f %% of %.0f kVA", 100 * x.peak_kva / fd->rating_kva,
              fd->rating_kva);
    if (fd->length_km > 0)
      fprintf(out, "; drop %.2f %% at peak, min %.3f pu", x.drop_at_peak_pct,
              x.min_voltage_pu);
    fputc('\n', out);
  }
  for (uint32_t k = 0; s.rank && k < g->n_xfmrs && k < 3; k++) {
    uint32_t t = s.rank[k].t;
    gs_xfmr_figs_t x;
    gs_grid_xfmr_figs(w, t, &x);
    if (x.demand_ratio <= 1.0 && k > 0) break;
    gs_grid_xfmr_id(g, t, id, sizeof id);
    when(w, x.demand_time_s, t1, sizeof t1);
    fprintf(out, "  xfmr %-10s %g kVA, %u VENs, %u EVs: %.1f kVA (%.0f %%) "
            "over %.0f min from %s, instant peak %.0f %%; %.2f h above "
            "rating, %.2f h above 120 %%\n", id, g->xfmrs[t].kva,
            g->xfmrs[t].n_vens, x.evs, x.demand_kva, 100 * x.demand_ratio,
            (double)g->demand_interval_us / 6e7, t1, 100 * x.peak_ratio,
            x.time_above_s / 3600, x.time_above_120_s / 3600);
  }
  if (s.coincidence_t != UINT32_MAX) {
    gs_xfmr_figs_t x;
    gs_grid_xfmr_figs(w, s.coincidence_t, &x);
    gs_grid_xfmr_id(g, s.coincidence_t, id, sizeof id);
    fprintf(out, "  EVs        coincidence up to %.2f (%u of %u charging at "
            "once on %s); at most %u on one transformer\n", s.coincidence,
            x.evs_charging_max, x.evs, id, s.charging_max);
  }
  free(s.rank);
}
