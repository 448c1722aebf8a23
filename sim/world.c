/* SPDX-License-Identifier: MIT */
/* Builds the entities and meters of a run from a validated scenario. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "grid.h"
#include "hvac.h"
#include "inbound.h"
#include "models.h"
#include "real_ven.h"
#include "scenario_priv.h"
#include "ven.h"
#include "ven_wire.h"
#include "world.h"

#define MAX_PARAMS 64

/* One value of `d` for a parameter with spec `sp`: values outside the
 * spec's range are drawn again (a truncated distribution), then clamped,
 * so a wide distribution cannot produce a physically impossible entity. */
static double sample_param(const gs_dist_t *d, const gs_param_spec_t *sp,
                           gs_rng_t *r) {
  double x = gs_dist_sample(d, r);
  for (int tries = 0; tries < 64 && !(x >= sp->min && x <= sp->max); tries++)
    x = gs_dist_sample(d, r);
  if (sp->integer) x = nearbyint(x);
  if (!(x >= sp->min)) x = sp->min; /* also catches NaN */
  if (x > sp->max) x = sp->max;
  return x;
}

static void sample_all(const gs_model_type_t *t, const gs_dist_t *dists,
                       gs_rng_t *r, double *out) {
  GS_ASSERT(t->n_params <= MAX_PARAMS);
  for (size_t j = 0; j < t->n_params; j++)
    out[j] = sample_param(&dists[j], &t->params[j], r);
}

static int id_width(uint32_t count) {
  int digits = 1;
  for (uint32_t c = count > 0 ? count - 1 : 0; c >= 10; c /= 10) digits++;
  return digits > 4 ? digits : 4;
}

void gs_world_ven_id(const gs_world_t *w, uint64_t i, char *buf,
                     size_t size) {
  const gs_group_cfg_t *g = &w->scenario->groups[w->ven_group[i]];
  snprintf(buf, size, "%s-%0*u", g->name, id_width(g->count),
           (unsigned)w->ven_index[i]);
}

const gs_dr_event_cfg_t *gs_world_event(const gs_world_t *w, size_t k) {
  GS_ASSERT(k < w->scenario->n_events);
  return &w->scenario->events[k];
}

size_t gs_world_event_count(const gs_world_t *w) {
  return w->scenario->n_events;
}

/* Adds one VEN (index `vi`, member `i` of group `g`) and its loads, its
 * meter under `parent` (its transformer's). */
static gs_err_t add_ven(gs_world_t *w, uint32_t g, uint32_t i, uint64_t vi,
                        uint32_t parent, gs_errbuf_t *eb) {
  const gs_scenario_t *s = w->scenario;
  const gs_group_cfg_t *grp = &s->groups[g];
  gs_engine_t *eng = w->engine;
  double p[MAX_PARAMS];
  char id[96];
  uint64_t key = gs_rng_key(grp->name, i, 0);
  gs_rng_t r;
  gs_rng_init(&r, s->seed, key, GS_RNG_PARAMS);
  sample_all(&gs_model_ven, grp->ven_params, &r, p);
  uint32_t meter;
  gs_err_t err = gs_meters_add(gs_engine_meters(eng), parent, &meter);
  if (err != GS_OK) return gs_errbuf_set(eb, err, "out of memory (meters)");
  w->ven_group[vi] = g;
  w->ven_meter[vi] = meter;
  w->ven_index[vi] = i;
  gs_world_ven_id(w, vi, id, sizeof id);
  gs_entity_id_t ven;
  gs_model_init_t init = {.seed = s->seed, .key = key, .params = p, .id = id,
                          .ven = GS_ENTITY_NONE, .meter = meter, .world = w};
  err = gs_engine_add_entity(eng, &gs_model_ven, &init, &ven, eb);
  if (err != GS_OK) return err;
  w->ven_entity[vi] = ven;
  uint8_t n = 0;
  uint32_t present_mask = 0;
  if (grp->n_loads > GS_VEN_MAX_LOADS)
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: fleet[%u].loads: expected at most %d loads, "
                         "found %zu", gs_scenario_file(s), g,
                         GS_VEN_MAX_LOADS, grp->n_loads);
  for (size_t j = 0; j < grp->n_loads; j++) {
    const gs_load_cfg_t *lc = &grp->loads[j];
    /* Always draw, so one load's presence never shifts another's. */
    bool present = gs_rng_uniform(&r) < lc->present;
    if (!present) continue;
    present_mask |= UINT32_C(1) << j;
    double lp[MAX_PARAMS];
    uint64_t lkey = gs_rng_key(lc->id, key, 1);
    gs_rng_t lr;
    gs_rng_init(&lr, s->seed, lkey, GS_RNG_PARAMS);
    sample_all(lc->type, lc->params, &lr, lp);
    gs_model_init_t li = {.seed = s->seed, .key = lkey, .params = lp,
                          .id = lc->id, .ven = ven, .meter = meter,
                          .world = w};
    err = gs_engine_add_entity(eng, lc->type, &li, NULL, eb);
    if (err != GS_OK) {
      /* Say where the inconsistent parameters came from. */
      gs_errbuf_t inner = *eb;
      return gs_errbuf_set(eb, err, "%s: fleet[%u].loads[%zu].params (VEN "
                           "%s): %s", gs_scenario_file(s), g, j, id,
                           inner.msg);
    }
    n++;
    w->n_loads++;
  }
  gs_ven_attach(eng, ven, ven + 1, n, (uint32_t)vi, present_mask);
  return GS_OK;
}

/* The grid's meters, feeders and their transformers under the fleet, made
 * before the VENs' because a meter's parent must exist first. */
static gs_err_t add_grid_meters(gs_world_t *w) {
  const gs_grid_cfg_t *g = w->grid;
  gs_meters_t *m = gs_engine_meters(w->engine);
  w->feeder_meter = calloc(g->n_feeders ? g->n_feeders : 1,
                           sizeof *w->feeder_meter);
  w->xfmr_meter = calloc(g->n_xfmrs ? g->n_xfmrs : 1, sizeof *w->xfmr_meter);
  w->ven_feeder = calloc(w->n_vens, sizeof *w->ven_feeder);
  w->ven_xfmr = calloc(w->n_vens, sizeof *w->ven_xfmr);
  if (!w->feeder_meter || !w->xfmr_meter || !w->ven_feeder || !w->ven_xfmr)
    return GS_ENOMEM;
  for (uint32_t f = 0; f < g->n_feeders; f++) {
    const gs_feeder_cfg_t *fd = &g->feeders[f];
    /* Full meters: the grid figures ask when their peaks were. */
    gs_err_t err = gs_meters_add(m, w->fleet_meter, &w->feeder_meter[f]);
    if (err == GS_OK) err = gs_meters_keep_full(m, w->feeder_meter[f]);
    for (uint32_t t = fd->first_xfmr;
         err == GS_OK && t < fd->first_xfmr + fd->n_xfmrs; t++) {
      err = gs_meters_add(m, w->feeder_meter[f], &w->xfmr_meter[t]);
      if (err == GS_OK) err = gs_meters_keep_full(m, w->xfmr_meter[t]);
    }
    if (err != GS_OK) return err;
  }
  return GS_OK;
}

/* The transformer of the next VEN of feeder `f`: transformers are filled
 * in VEN order, each with the n_vens the scenario realised for it, so the
 * assignment depends only on the VEN's rank within its feeder. */
static uint32_t next_xfmr(const gs_grid_cfg_t *g, uint32_t f, uint32_t *cur,
                          uint32_t *used) {
  const gs_feeder_cfg_t *fd = &g->feeders[f];
  while (used[f] == g->xfmrs[cur[f]].n_vens) {
    cur[f]++;
    used[f] = 0;
    GS_ASSERT(cur[f] < fd->first_xfmr + fd->n_xfmrs);
  }
  used[f]++;
  return cur[f];
}

gs_err_t gs_world_build(const gs_scenario_t *s, gs_engine_t *eng,
                        gs_world_t **out, gs_errbuf_t *eb) {
  return gs_world_build_with_sink(s, eng, NULL, out, eb);
}

gs_err_t gs_world_build_with_sink(const gs_scenario_t *s, gs_engine_t *eng,
                                  const gs_ven_sink_t *sink, gs_world_t **out,
                                  gs_errbuf_t *eb) {
  gs_world_opts_t o = {.sink = sink, .suppress_event = -1};
  return gs_world_build_opts(s, eng, &o, out, eb);
}

gs_err_t gs_world_build_opts(const gs_scenario_t *s, gs_engine_t *eng,
                             const gs_world_opts_t *opts, gs_world_t **out,
                             gs_errbuf_t *eb) {
  gs_err_t err = GS_ENOMEM;
  gs_world_t *w = calloc(1, sizeof *w);
  if (w == NULL) goto nomem;
  w->sink = opts ? opts->sink : NULL;
  w->suppressed = opts ? opts->suppress_event : -1;
  w->scenario = s;
  w->engine = eng;
  w->n_vens = s->n_vens;
  w->weather = s->weather;
  w->ven_entity = calloc(s->n_vens, sizeof *w->ven_entity);
  w->ven_group = calloc(s->n_vens, sizeof *w->ven_group);
  w->ven_index = calloc(s->n_vens, sizeof *w->ven_index);
  w->ven_meter = calloc(s->n_vens, sizeof *w->ven_meter);
  w->dr = calloc(s->n_events ? s->n_events : 1, sizeof *w->dr);
  if (!w->ven_entity || !w->ven_group || !w->ven_index || !w->ven_meter ||
      !w->dr)
    goto nomem;
  err = gs_meters_add(gs_engine_meters(eng), GS_METER_NONE, &w->fleet_meter);
  if (err == GS_OK) /* its peak time is a summary figure */
    err = gs_meters_keep_full(gs_engine_meters(eng), w->fleet_meter);
  if (err != GS_OK) goto nomem;
  gs_model_init_t pi = {.seed = s->seed, .key = gs_rng_key("program", 0, 0),
                        .id = "program", .ven = GS_ENTITY_NONE,
                        .meter = GS_METER_NONE, .world = w};
  err = gs_engine_add_entity(eng, &gs_model_program, &pi, &w->program, eb);
  if (err != GS_OK) goto fail;
  if (w->weather != NULL) {
    /* Before the homes: at a weather step or a level load's hour
     * boundary it runs before their events. */
    w->hvac_running = gs_hvac_running_create();
    if (w->hvac_running == NULL) goto nomem;
    gs_model_init_t hi = {.seed = s->seed, .id = "weather_sweep",
                          .ven = GS_ENTITY_NONE, .meter = GS_METER_NONE,
                          .world = w};
    err = gs_engine_add_entity(eng, &gs_model_weather_sweep, &hi,
                               &w->sweep_entity, eb);
    if (err != GS_OK) goto fail;
    w->weather_sweep = true;
  }
  w->grid = s->grid;
  uint32_t *cur = NULL, *used = NULL;
  if (w->grid != NULL) {
    if ((err = add_grid_meters(w)) != GS_OK) goto nomem;
    size_t nf = w->grid->n_feeders;
    cur = calloc(nf, sizeof *cur);
    used = calloc(nf, sizeof *used);
    if (cur == NULL || used == NULL) {
      free(cur);
      free(used);
      err = GS_ENOMEM;
      goto nomem;
    }
    for (size_t f = 0; f < nf; f++) cur[f] = w->grid->feeders[f].first_xfmr;
  }
  uint64_t vi = 0;
  for (uint32_t g = 0; g < s->n_groups && err == GS_OK; g++)
    for (uint32_t i = 0; i < s->groups[g].count && err == GS_OK; i++) {
      uint32_t parent = w->fleet_meter;
      if (w->grid != NULL) {
        uint32_t f = w->grid->group_feeder[g];
        w->ven_feeder[vi] = f;
        w->ven_xfmr[vi] = next_xfmr(w->grid, f, cur, used);
        parent = w->xfmr_meter[w->ven_xfmr[vi]];
      }
      err = add_ven(w, g, i, vi++, parent, eb);
    }
  free(cur);
  free(used);
  if (err == GS_OK)
    err = gs_real_attach(w, opts ? opts->real_feed : NULL, eb);
  if (err != GS_OK) goto fail;
  GS_ASSERT(vi == s->n_vens);
  *out = w;
  return GS_OK;
nomem:
  gs_errbuf_set(eb, GS_ENOMEM, "out of memory building the fleet");
fail:
  gs_world_free(w);
  return err == GS_OK ? GS_ENOMEM : err;
}

gs_err_t gs_world_inject_command(gs_world_t *w, uint64_t ven_index,
                                 const char *payload, size_t len) {
  if (w == NULL || ven_index >= w->n_vens) return GS_EINVAL;
  if (w->n_cmds == w->cap_cmds) {
    size_t cap = w->cap_cmds ? w->cap_cmds * 2 : 16;
    gs_world_cmd_t *grown = realloc(w->cmds, cap * sizeof *grown);
    if (grown == NULL) return GS_ENOMEM;
    w->cmds = grown;
    w->cap_cmds = cap;
  }
  gs_world_cmd_t *c = &w->cmds[w->n_cmds];
  c->cmd = malloc(sizeof *c->cmd);
  if (c->cmd == NULL) return GS_ENOMEM;
  gs_errbuf_t eb = {{0}};
  c->error[0] = '\0';
  c->event = NULL;
  if (gs_wire_parse_command(payload, len, c->cmd, &eb) != GS_OK)
    snprintf(c->error, sizeof c->error, "%s", eb.msg);
  gs_engine_schedule(w->engine, w->ven_entity[ven_index],
                     gs_engine_now(w->engine), GS_PHASE_COMMAND,
                     GS_VEN_EV_WIRE, (int64_t)w->n_cmds, 0);
  w->n_cmds++;
  return GS_OK;
}

void gs_world_free(gs_world_t *w) {
  if (w == NULL) return;
  for (size_t i = 0; i < w->n_cmds; i++) {
    free(w->cmds[i].cmd);
    if (w->cmds[i].event) { /* built by sim/oadr_map.c */
      free(w->cmds[i].event->id);
      free(w->cmds[i].event->signal.prices);
      free(w->cmds[i].event);
    }
  }
  free(w->cmds);
  free(w->ven_entity);
  free(w->ven_group);
  free(w->ven_index);
  free(w->ven_meter);
  free(w->ven_feeder);
  free(w->ven_xfmr);
  free(w->feeder_meter);
  free(w->xfmr_meter);
  gs_grid_obs_free(w->grid_obs);
  gs_real_free(w);
  gs_inbound_destroy(w->inbound);
  gs_hvac_running_free(w->hvac_running);
  free(w->dr);
  free(w);
}
