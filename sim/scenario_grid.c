/* SPDX-License-Identifier: MIT */
/* Validates a scenario's "grid" and realises its feeders and transformers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grid.h"
#include "scenario_util.h"

static const char *const grid_keys[] = {"power_factor", "report_top",
                                        "demand_interval_s", "feeders",
                                        NULL};
static const char *const feeder_keys[] = {
    "id",           "voltage_kv",   "rating_kva", "source_pu",
    "secondary_v",  "length_km",    "r_ohm_per_km", "x_ohm_per_km",
    "segments",     "load_at",      "transformers", NULL};
static const char *const segment_keys[] = {"length_km", "r_ohm_per_km",
                                           "x_ohm_per_km", NULL};
static const char *const xfmr_keys[] = {"count", "vens_per_transformer",
                                        "kva", "kva_per_ven",
                                        "impedance_pct", "x_r_ratio", NULL};
static const char *const load_at_names[] = {"end", "uniform", NULL};

/* The positive-sequence impedance of the IEEE 13-node test feeder's line
 * configuration 601 (556.5 kcmil ACSR phases, 4/0 ACSR neutral, overhead
 * at 4.16 kV in the test case but a common 12.47 kV build): the phase
 * impedance matrix in ohm/mile gives z1 = zs - zm = 0.18597 + j0.59677
 * ohm/mile, here in ohm/km. The default of a line whose impedance is not
 * given. */
#define GS__R601_OHM_PER_KM 0.11556
#define GS__X601_OHM_PER_KM 0.37082

/* Homes per transformer when the scenario does not say (a 50 kVA unit
 * with the default sizing), and the sizing load per home: TESP's feeder
 * generator (PNNL) sizes service transformers for an average house of 4
 * kVA (taxonomy feeder R1-12.47-1) with a 20 % margin. */
#define GS__DEFAULT_VENS_PER_XFMR 8.0
#define GS__DEFAULT_KVA_PER_VEN 4.8
/* The most transformers one feeder may have (ids carry 4+ digits). */
#define GS__MAX_XFMRS 50000000.0

/* One transformer parameter: a number or distribution, or "auto". */
typedef struct xparam {
  gs_dist_t d;
  bool is_auto;
} xparam_t;

typedef struct xspec {
  bool has_count;
  double count;
  xparam_t vens, kva, z, xr;
  double kva_per_ven;
} xspec_t;

void gs_grid_cfg_free(gs_grid_cfg_t *g) {
  if (g == NULL) return;
  for (size_t f = 0; f < g->n_feeders; f++) free(g->feeders[f].id);
  free(g->feeders);
  free(g->xfmrs);
  free(g->group_feeder);
  free(g);
}

static void xspec_free(xspec_t *x) {
  gs_dist_free(&x->vens.d);
  gs_dist_free(&x->kva.d);
  gs_dist_free(&x->z.d);
  gs_dist_free(&x->xr.d);
}

/* Reads obj[key] as a number or distribution whose every value must obey
 * `r` (a constant or each choice exactly; any other law must reach the
 * range, its draws are truncated to it). With `allow_auto` the string
 * "auto" is accepted too. Absent: `def` (or auto when `def` is NAN). */
static gs_err_t get_param(gs__sctx_t *c, const cJSON *obj, const char *key,
                          const gs__num_rule_t *r, bool allow_auto, double def,
                          xparam_t *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  gs_dist_const(&out->d, isnan(def) ? 0 : def);
  out->is_auto = v == NULL && isnan(def);
  if (v == NULL) return GS_OK;
  size_t mark = gs__path_key(c, key);
  char want[128];
  gs__describe_rule(r, want, sizeof want);
  if (cJSON_IsString(v)) {
    if (allow_auto && strcmp(v->valuestring, "auto") == 0) {
      out->is_auto = true;
      gs__path_pop(c, mark);
      return GS_OK;
    }
    return gs__fail(c, v, "%s%s, or a distribution", allow_auto ?
                    "\"auto\", " : "", want);
  }
  gs_err_t err = gs_dist_parse(v, c->file, gs__path_str(c), &out->d, c->eb);
  if (err != GS_OK) return err;
  double x;
  if (out->d.kind == GS_DIST_CONST) {
    if ((err = gs__num(c, v, r, &x)) != GS_OK) return err;
  } else if (out->d.kind == GS_DIST_CHOICE) {
    const cJSON *vals = cJSON_GetObjectItemCaseSensitive(v, "values");
    size_t m = gs__path_key(c, "values"), i = 0;
    for (const cJSON *e = vals->child; e != NULL; e = e->next, i++) {
      size_t mi = gs__path_index(c, i);
      if ((err = gs__num(c, e, r, &x)) != GS_OK) return err;
      gs__path_pop(c, mi);
    }
    gs__path_pop(c, m);
  } else {
    double lo, hi;
    gs_dist_support(&out->d, &lo, &hi);
    if (hi < r->lo || lo > r->hi)
      return gs__fail(c, v, "a distribution with values among %s", want);
  }
  gs__path_pop(c, mark);
  return GS_OK;
}

static double draw(const xparam_t *p, const gs__num_rule_t *r, gs_rng_t *g) {
  /* Open bounds are closed a hair inside so a clamp never lands on them. */
  double lo = r->lo_open ? nextafter(r->lo, HUGE_VAL) : r->lo;
  double hi = r->hi_open ? nextafter(r->hi, -HUGE_VAL) : r->hi;
  return gs_dist_sample_in(&p->d, g, lo, hi, r->integer);
}

static const gs__num_rule_t vens_rule = {.lo = 1, .hi = 100000,
                                         .integer = true};
static const gs__num_rule_t kva_rule = {.lo = 0, .lo_open = true,
                                        .hi = 100000, .unit = "kVA"};
static const gs__num_rule_t z_rule = {.lo = 0, .lo_open = true, .hi = 20,
                                      .unit = "%"};
static const gs__num_rule_t xr_rule = {.lo = 0.05, .hi = 20};

static gs_err_t parse_xspec(gs__sctx_t *c, const cJSON *jx, xspec_t *x) {
  static const gs__num_rule_t count_rule = {.lo = 0, .hi = GS__MAX_XFMRS,
                                            .integer = true};
  static const gs__num_rule_t kpv_rule = {.lo = 0, .lo_open = true,
                                          .hi = 1000, .unit = "kVA"};
  gs_err_t err;
  if (jx != NULL) {
    if (!cJSON_IsObject(jx))
      return gs__fail(c, jx, "an object {\"count\": .., \"kva\": .., ..}");
    if ((err = gs__check_keys(c, jx, xfmr_keys)) != GS_OK) return err;
  }
  if ((err = gs__get_num(c, jx, "count", &count_rule, false, 0, &x->count,
                         &x->has_count)) != GS_OK ||
      (err = get_param(c, jx, "vens_per_transformer", &vens_rule, false,
                       GS__DEFAULT_VENS_PER_XFMR, &x->vens)) != GS_OK ||
      (err = get_param(c, jx, "kva", &kva_rule, true, NAN, &x->kva)) !=
          GS_OK ||
      (err = gs__get_num(c, jx, "kva_per_ven", &kpv_rule, false,
                         GS__DEFAULT_KVA_PER_VEN, &x->kva_per_ven, NULL)) !=
          GS_OK ||
      (err = get_param(c, jx, "impedance_pct", &z_rule, true, NAN, &x->z)) !=
          GS_OK ||
      (err = get_param(c, jx, "x_r_ratio", &xr_rule, true, NAN, &x->xr)) !=
          GS_OK)
    return err;
  return GS_OK;
}

/* Draws transformer `k` of feeder `fid` from its own stream (seed, feeder
 * id, k): the homes it is planned for, its rating and impedance, always in
 * that order, so one transformer's draws never depend on another's. */
static gs_xfmr_cfg_t draw_xfmr(const xspec_t *x, uint64_t seed,
                               const char *fid, uint32_t k) {
  gs_rng_t g;
  gs_rng_init(&g, seed, gs_rng_key(fid, k, 0), GS_RNG_PARAMS);
  gs_xfmr_cfg_t t = {0};
  t.planned = (uint32_t)draw(&x->vens, &vens_rule, &g);
  double r_tab, x_tab;
  t.kva = x->kva.is_auto
              ? gs_grid_standard_kva(t.planned * x->kva_per_ven, &r_tab, &x_tab)
              : draw(&x->kva, &kva_rule, &g);
  gs_grid_standard_kva(t.kva, &r_tab, &x_tab);
  double z = x->z.is_auto ? hypot(r_tab, x_tab) : draw(&x->z, &z_rule, &g);
  double xr = x->xr.is_auto ? x_tab / r_tab : draw(&x->xr, &xr_rule, &g);
  t.r_pct = z / sqrt(1 + xr * xr);
  t.x_pct = t.r_pct * xr;
  return t;
}

static gs_err_t push_xfmr(gs__sctx_t *c, gs_grid_cfg_t *g, uint32_t *cap,
                          const gs_xfmr_cfg_t *t) {
  if (g->n_xfmrs == *cap) {
    uint32_t ncap = *cap ? *cap * 2 : 64;
    gs_xfmr_cfg_t *grown = realloc(g->xfmrs, (size_t)ncap * sizeof *grown);
    if (grown == NULL) return gs__nomem(c);
    g->xfmrs = grown;
    *cap = ncap;
  }
  g->xfmrs[g->n_xfmrs++] = *t;
  return GS_OK;
}

/* Fills feeder `f`'s transformers in VEN order: each takes as many of the
 * remaining VENs as it was planned for. Without a count, transformers are
 * added until every VEN has one; with a count, exactly that many exist
 * and VENs left over are an error (the study said how many there are). */
static gs_err_t realise(gs__sctx_t *c, const cJSON *jx, const xspec_t *x,
                        gs_grid_cfg_t *g, gs_feeder_cfg_t *fd, uint64_t seed,
                        uint32_t *cap) {
  uint64_t left = fd->n_vens;
  fd->first_xfmr = g->n_xfmrs;
  for (uint32_t k = 0; x->has_count ? k < (uint32_t)x->count : left > 0;
       k++) {
    if (!x->has_count && k >= (uint32_t)GS__MAX_XFMRS)
      return gs__fail_text(c, "more", "at most %.0f transformers per feeder",
                           GS__MAX_XFMRS);
    gs_xfmr_cfg_t t = draw_xfmr(x, seed, fd->id, k);
    t.n_vens = left < t.planned ? (uint32_t)left : t.planned;
    t.feeder = (uint32_t)(fd - g->feeders);
    left -= t.n_vens;
    gs_err_t err = push_xfmr(c, g, cap, &t);
    if (err != GS_OK) return err;
  }
  fd->n_xfmrs = g->n_xfmrs - fd->first_xfmr;
  if (left == 0) return GS_OK;
  /* Say how many it would take, drawing on past the count. */
  uint32_t need = fd->n_xfmrs;
  while (left > 0 && need < (uint32_t)GS__MAX_XFMRS) {
    gs_xfmr_cfg_t t = draw_xfmr(x, seed, fd->id, need++);
    left -= left < t.planned ? left : t.planned;
  }
  gs__path_key(c, "transformers");
  gs__path_key(c, "count");
  return gs__fail(c, cJSON_GetObjectItemCaseSensitive(jx, "count"),
                  "at least %u transformers to hold the %llu VENs of feeder "
                  "%s (at their vens_per_transformer draws), or no count",
                  need, (unsigned long long)fd->n_vens, fd->id);
}

/* The line: one length with per-km impedance, or "segments". The drop
 * uses effective impedances: the whole line for load at the end; for a
 * uniformly spread load, each segment weighted by the share of the load
 * beyond its midpoint, which halves a uniform line's drop exactly. */
static gs_err_t parse_line(gs__sctx_t *c, const cJSON *jf,
                           gs_feeder_cfg_t *fd) {
  static const gs__num_rule_t len_rule = {.lo = 0, .hi = 1000, .unit = "km"};
  static const gs__num_rule_t z_km = {.lo = 0, .hi = 100,
                                      .unit = "ohm/km"};
  const cJSON *js = cJSON_GetObjectItemCaseSensitive(jf, "segments");
  gs_err_t err;
  bool has_len, has_r, has_x;
  double r, x, len;
  if ((err = gs__get_num(c, jf, "length_km", &len_rule, false, 0, &len,
                         &has_len)) != GS_OK ||
      (err = gs__get_num(c, jf, "r_ohm_per_km", &z_km, false,
                         GS__R601_OHM_PER_KM, &r, &has_r)) != GS_OK ||
      (err = gs__get_num(c, jf, "x_ohm_per_km", &z_km, false,
                         GS__X601_OHM_PER_KM, &x, &has_x)) != GS_OK)
    return err;
  if (js != NULL && (has_len || has_r || has_x)) {
    gs__path_key(c, "segments");
    return gs__fail_text(c, "both", "either \"segments\" or length_km "
                         "with r_ohm_per_km and x_ohm_per_km");
  }
  if (js == NULL) {
    if (!has_len && (has_r || has_x)) {
      gs__path_key(c, "length_km");
      return gs__fail(c, NULL, "a length in km for the line's impedance");
    }
    fd->length_km = len;
    fd->r_ohm = r * len;
    fd->x_ohm = x * len;
    double w = fd->load_at == GS_LOAD_AT_UNIFORM ? 0.5 : 1.0;
    fd->r_eff_ohm = w * fd->r_ohm;
    fd->x_eff_ohm = w * fd->x_ohm;
    return GS_OK;
  }
  size_t mark = gs__path_key(c, "segments");
  if (!cJSON_IsArray(js) || cJSON_GetArraySize(js) == 0)
    return gs__fail(c, js, "a non-empty array of {\"length_km\": .., "
                    "\"r_ohm_per_km\": .., \"x_ohm_per_km\": ..}");
  /* First pass: the total length, which the uniform weights need. */
  double total = 0;
  for (const cJSON *e = js->child; e != NULL; e = e->next) {
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(e, "length_km");
    if (cJSON_IsNumber(l) && l->valuedouble > 0) total += l->valuedouble;
  }
  double at = 0;
  size_t i = 0;
  for (const cJSON *e = js->child; e != NULL; e = e->next, i++) {
    size_t mi = gs__path_index(c, i);
    if (!cJSON_IsObject(e))
      return gs__fail(c, e, "a segment {\"length_km\": .., ..}");
    if ((err = gs__check_keys(c, e, segment_keys)) != GS_OK ||
        (err = gs__get_num(c, e, "length_km", &len_rule, true, 0, &len,
                           NULL)) != GS_OK ||
        (err = gs__get_num(c, e, "r_ohm_per_km", &z_km, false,
                           GS__R601_OHM_PER_KM, &r, NULL)) != GS_OK ||
        (err = gs__get_num(c, e, "x_ohm_per_km", &z_km, false,
                           GS__X601_OHM_PER_KM, &x, NULL)) != GS_OK)
      return err;
    double w = 1.0;
    if (fd->load_at == GS_LOAD_AT_UNIFORM && total > 0)
      w = 1.0 - (at + len / 2) / total;
    fd->r_ohm += r * len;
    fd->x_ohm += x * len;
    fd->r_eff_ohm += w * r * len;
    fd->x_eff_ohm += w * x * len;
    at += len;
    gs__path_pop(c, mi);
  }
  fd->length_km = at;
  gs__path_pop(c, mark);
  return GS_OK;
}

/* One feeder; `jf` is NULL for the implicit feeder (all defaults). */
static gs_err_t parse_feeder(gs__sctx_t *c, const cJSON *jf,
                             gs_scenario_t *s, size_t fi, uint32_t *cap) {
  static const gs__num_rule_t kv_rule = {.lo = 0.1, .hi = 500, .unit = "kV"};
  static const gs__num_rule_t rating_rule = {.lo = 0, .lo_open = true,
                                             .hi = 1e7, .unit = "kVA"};
  static const gs__num_rule_t pu_rule = {.lo = 0.8, .hi = 1.2, .unit = "pu"};
  static const gs__num_rule_t sec_rule = {.lo = 100, .hi = 1000,
                                          .unit = "V"};
  gs_grid_cfg_t *g = s->grid;
  gs_feeder_cfg_t *fd = &g->feeders[fi];
  gs_err_t err;
  const char *id = "f0";
  if (jf != NULL) {
    if (!cJSON_IsObject(jf))
      return gs__fail(c, jf, "a feeder {\"id\": .., \"transformers\": ..}");
    if ((err = gs__check_keys(c, jf, feeder_keys)) != GS_OK) return err;
    if ((err = gs__get_str(c, jf, "id", true, true, &id)) != GS_OK)
      return err;
    for (size_t j = 0; j < fi; j++)
      if (strcmp(g->feeders[j].id, id) == 0) {
        gs__path_key(c, "id");
        return gs__fail(c, cJSON_GetObjectItemCaseSensitive(jf, "id"),
                        "a feeder id not used by grid.feeders[%zu]", j);
      }
  }
  if ((fd->id = gs__strdup(id)) == NULL) return gs__nomem(c);
  if ((err = gs__get_num(c, jf, "voltage_kv", &kv_rule, false, 12.47,
                         &fd->voltage_kv, NULL)) != GS_OK ||
      (err = gs__get_num(c, jf, "rating_kva", &rating_rule, false, 0,
                         &fd->rating_kva, NULL)) != GS_OK ||
      (err = gs__get_num(c, jf, "source_pu", &pu_rule, false, 1.0,
                         &fd->source_pu, NULL)) != GS_OK ||
      (err = gs__get_num(c, jf, "secondary_v", &sec_rule, false, 240,
                         &fd->secondary_v, NULL)) != GS_OK)
    return err;
  const cJSON *jl = cJSON_GetObjectItemCaseSensitive(jf, "load_at");
  if (jl != NULL) {
    size_t m = gs__path_key(c, "load_at");
    int k = -1;
    for (int i = 0; cJSON_IsString(jl) && load_at_names[i]; i++)
      if (strcmp(jl->valuestring, load_at_names[i]) == 0) k = i;
    if (k < 0) return gs__fail(c, jl, "\"end\" or \"uniform\"");
    fd->load_at = (gs_load_at_t)k;
    gs__path_pop(c, m);
  }
  if ((err = parse_line(c, jf, fd)) != GS_OK) return err;
  /* VENs of this feeder: the groups that name it (or every group). */
  for (size_t gi = 0; gi < s->n_groups; gi++)
    if (g->group_feeder[gi] == fi) fd->n_vens += s->groups[gi].count;
  const cJSON *jx = cJSON_GetObjectItemCaseSensitive(jf, "transformers");
  xspec_t x;
  memset(&x, 0, sizeof x);
  size_t m = gs__path_key(c, "transformers");
  err = parse_xspec(c, jx, &x);
  if (err == GS_OK) {
    gs__path_pop(c, m);
    err = realise(c, jx, &x, g, fd, s->seed, cap);
  }
  xspec_free(&x);
  return err;
}

/* Each group's "feeder": a feeder id (default: the first feeder). */
static gs_err_t parse_group_feeders(gs__sctx_t *c, const cJSON *root,
                                    gs_scenario_t *s) {
  gs_grid_cfg_t *g = s->grid;
  const cJSON *fleet = cJSON_GetObjectItemCaseSensitive(root, "fleet");
  size_t gi = 0;
  size_t mark = gs__path_key(c, "fleet");
  for (const cJSON *e = fleet->child; e != NULL && gi < s->n_groups;
       e = e->next, gi++) {
    size_t mi = gs__path_index(c, gi);
    const cJSON *jf = cJSON_GetObjectItemCaseSensitive(e, "feeder");
    g->group_feeder[gi] = 0;
    if (jf != NULL) {
      const cJSON *jfs = cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(root, "grid"), "feeders");
      size_t fi = 0;
      bool found = false;
      for (const cJSON *f = jfs ? jfs->child : NULL; f && !found;
           f = f->next, fi++) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "id");
        found = cJSON_IsString(jf) && cJSON_IsString(id) &&
                strcmp(id->valuestring, jf->valuestring) == 0;
      }
      gs__path_key(c, "feeder");
      if (!found)
        return gs__fail(c, jf, g->implicit ? "no feeder key (the scenario "
                        "has no \"grid\"), or a grid.feeders[].id"
                                           : "the id of one of grid.feeders");
      g->group_feeder[gi] = (uint32_t)(fi - 1);
    }
    gs__path_pop(c, mi);
  }
  gs__path_pop(c, mark);
  return GS_OK;
}

gs_err_t gs__scn_parse_grid(gs__sctx_t *c, const cJSON *root,
                            gs_scenario_t *s) {
  static const gs__num_rule_t pf_rule = {.lo = 0.5, .hi = 1};
  static const gs__num_rule_t top_rule = {.lo = 0, .hi = 10000,
                                          .integer = true};
  static const gs__num_rule_t demand_rule = {.lo = 1, .hi = 86400,
                                             .integer = true, .unit = "s"};
  const cJSON *jg = cJSON_GetObjectItemCaseSensitive(root, "grid");
  gs_grid_cfg_t *g = s->grid = calloc(1, sizeof *g);
  if (g == NULL) return gs__nomem(c);
  g->implicit = jg == NULL;
  g->group_feeder = calloc(s->n_groups ? s->n_groups : 1,
                           sizeof *g->group_feeder);
  if (g->group_feeder == NULL) return gs__nomem(c);
  size_t mark = gs__path_key(c, "grid");
  gs_err_t err;
  double top = 10, demand_s = 900;
  const cJSON *jfs = NULL;
  if (jg != NULL) {
    if (!cJSON_IsObject(jg))
      return gs__fail(c, jg, "an object {\"feeders\": [..], ..}");
    if ((err = gs__check_keys(c, jg, grid_keys)) != GS_OK) return err;
    jfs = cJSON_GetObjectItemCaseSensitive(jg, "feeders");
    if (!cJSON_IsArray(jfs) || cJSON_GetArraySize(jfs) == 0) {
      gs__path_key(c, "feeders");
      return gs__fail(c, jfs, "a non-empty array of feeders");
    }
  }
  if ((err = gs__get_num(c, jg, "power_factor", &pf_rule, false, 0.95,
                         &g->power_factor, NULL)) != GS_OK ||
      (err = gs__get_num(c, jg, "report_top", &top_rule, false, 10, &top,
                         NULL)) != GS_OK ||
      (err = gs__get_num(c, jg, "demand_interval_s", &demand_rule, false,
                         900, &demand_s, NULL)) != GS_OK)
    return err;
  g->report_top = (uint32_t)top;
  g->demand_interval_us = (gs_time_us_t)demand_s * GS_US_PER_S;
  gs__path_pop(c, mark);
  /* Groups first: each feeder needs its VEN count to place transformers. */
  if ((err = parse_group_feeders(c, root, s)) != GS_OK) return err;
  size_t n = jfs ? (size_t)cJSON_GetArraySize(jfs) : 1;
  if ((g->feeders = calloc(n, sizeof *g->feeders)) == NULL)
    return gs__nomem(c);
  uint32_t cap = 0;
  mark = gs__path_key(c, "grid");
  gs__path_key(c, "feeders");
  const cJSON *jf = jfs ? jfs->child : NULL;
  for (size_t fi = 0; fi < n; fi++) {
    size_t mi = gs__path_index(c, fi);
    g->n_feeders = fi + 1; /* so a failure frees what was filled */
    if ((err = parse_feeder(c, jf, s, fi, &cap)) != GS_OK) return err;
    gs__path_pop(c, mi);
    if (jf) jf = jf->next;
  }
  gs__path_pop(c, mark);
  return GS_OK;
}
