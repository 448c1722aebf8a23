/* SPDX-License-Identifier: MIT */
/* OpenADR events at a VEN: new, changed and deleted ones become engine events. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oadr_priv.h"
#include "scenario_priv.h"
#include "ven.h"
#include "ven_wire.h"

/* How often a VEN re-checks a capacity limit or setpoint it holds (the
 * scenario's default control_s). */
#define GS__OADR_CONTROL_US (60 * GS_US_PER_S)
/* The scenario's price bounds ($/kWh): the loads' price responses assume
 * them. */
#define GS__OADR_PRICE_MAX 1000.0

/* Targets are strings in 3.1.0: an event is for this VEN when it names
 * none, or names the VEN (its venName or VTN id) or its fleet group. */
static bool targeted(const gs__oven_t *v, const gs_oadr_event_t *ev) {
  if (ev->n_targets == 0) return true;
  for (size_t i = 0; i < ev->n_targets; i++)
    if (strcmp(ev->targets[i], v->name) == 0 ||
        strcmp(ev->targets[i], v->group) == 0 ||
        (v->ven_id[0] && strcmp(ev->targets[i], v->ven_id) == 0))
      return true;
  return false;
}

static gs__oev_t *find(gs__oven_t *v, const char *id) {
  for (size_t i = 0; i < v->n_events; i++)
    if (strcmp(v->events[i].id, id) == 0) return &v->events[i];
  return NULL;
}

/* Cancels what of `e` has not happened yet: wire commands still to be
 * delivered and report jobs still sampling. */
static void cancel_pending(gs_oadr_t *b, gs__oev_t *e) {
  gs_engine_t *eng = b->world->engine;
  gs_time_us_t now = gs_engine_now(eng);
  for (size_t i = 0; i < e->n_pending; i++)
    if (e->pending[i].at_us > now) gs_engine_cancel(eng, e->pending[i].h);
  free(e->pending);
  e->pending = NULL;
  e->n_pending = 0;
  for (size_t i = 0; i < e->n_jobs; i++) gs__oadr_job_cancel(b, e->jobs[i]);
  free(e->jobs);
  e->jobs = NULL;
  e->n_jobs = 0;
}

static void remove_at(gs__oven_t *v, size_t i) {
  free(v->events[i].pending);
  free(v->events[i].jobs);
  v->events[i] = v->events[--v->n_events];
}

/* A slot for event `id`: new, or (memory bounded) the one that ended
 * first. NULL on out-of-memory. */
static gs__oev_t *add(gs_oadr_t *b, gs__oven_t *v, const char *id) {
  if (v->n_events == GS__OADR_EVENTS_MAX) {
    size_t old = 0;
    for (size_t i = 1; i < v->n_events; i++)
      if (v->events[i].end_us < v->events[old].end_us) old = i;
    cancel_pending(b, &v->events[old]);
    remove_at(v, old);
  }
  if (v->n_events % 8 == 0) {
    gs__oev_t *g = realloc(v->events, (v->n_events + 8) * sizeof *g);
    if (g == NULL) return NULL;
    v->events = g;
  }
  gs__oev_t *e = &v->events[v->n_events++];
  memset(e, 0, sizeof *e);
  snprintf(e->id, sizeof e->id, "%s", id);
  return e;
}

void gs__oadr_take_event(gs_oadr_t *b, gs__oven_t *v, const cJSON *obj,
                         const char *path, int source) {
  /* Polling lists the same events again and again: one known and
   * unchanged is recognised by id and modificationDateTime alone. */
  const cJSON *jid = cJSON_GetObjectItemCaseSensitive(obj, "id");
  const cJSON *jmod =
      cJSON_GetObjectItemCaseSensitive(obj, "modificationDateTime");
  gs__oev_t *known = cJSON_IsString(jid) ? find(v, jid->valuestring) : NULL;
  /* (A VTN that sends no modificationDateTime never changes an event.) */
  if (known && (cJSON_IsString(jmod)
                    ? strcmp(known->modified, jmod->valuestring) == 0
                    : known->modified[0] == '\0')) {
    b->st.events_received++;
    known->seen_gen = v->gen;
    return;
  }
  gs_oadr_event_t ev;
  gs_errbuf_t eb = {{0}};
  if (gs_oadr_parse_event(b->cfg.version, obj, path, &ev, &eb) != GS_OK) {
    b->st.bad_payloads++;
    gs__oadr_record(b, v->index, source, 2, eb.msg);
    return;
  }
  b->st.events_received++;
  gs__oev_t *e = targeted(v, &ev) ? find(v, ev.id) : NULL;
  if (!targeted(v, &ev) ||
      (e && strcmp(e->modified, ev.modified) == 0)) {
    if (e) e->seen_gen = v->gen; /* known and unchanged */
    gs_oadr_event_free(&ev);
    return;
  }
  if (e) cancel_pending(b, e); /* changed: its new version replaces it */
  else e = add(b, v, ev.id);
  if (e != NULL) {
    /* Recorded as received, so the run can be replayed from the trace. */
    char *text = cJSON_PrintUnformatted(obj);
    gs__oadr_record(b, v->index, source, 0, text ? text : "");
    free(text);
    snprintf(e->modified, sizeof e->modified, "%s", ev.modified);
    e->seen_gen = v->gen;
    if (gs__oadr_apply(b, v, &ev, e) == GS_OK) b->st.events_applied++;
  }
  gs_oadr_event_free(&ev);
}

void gs__oadr_drop_event(gs_oadr_t *b, gs__oven_t *v, const char *id,
                         int source) {
  gs__oev_t *e = find(v, id);
  if (e == NULL) return;
  gs_time_us_t now = gs_engine_now(b->world->engine);
  bool running = e->start_us <= now && now < e->end_us && e->n_pending > 0;
  cancel_pending(b, e);
  /* An event under way is ended the way a restore command ends one. */
  static const char restore[] =
      "{\"op\":\"restore\",\"correlationId\":\"oadr-deleted\"}";
  if (running)
    gs_world_inject_command(b->world, v->index, restore, sizeof restore - 1);
  gs__oadr_record(b, v->index, source, 1, id);
  b->st.events_deleted++;
  remove_at(v, (size_t)(e - v->events));
}

/* ---- mapping: intervals -> wire commands ---------------------------------- */

/* Two intervals the VEN treats alike but for their price: one command. */
static bool same_class(const gs_oadr_interval_t *a,
                       const gs_oadr_interval_t *c) {
  uint32_t m = ~(uint32_t)GS_OADR_P_PRICE;
  return (a->has & m) == (c->has & m) && a->simple_level == c->simple_level &&
         a->import_kw == c->import_kw && a->export_kw == c->export_kw &&
         a->setpoint_kw == c->setpoint_kw && a->relative_kw == c->relative_kw &&
         (a->has & GS_OADR_P_PRICE) == (c->has & GS_OADR_P_PRICE);
}

/* Adds one wire command carrying `cfg` (owned) for VEN `ven`, delivered
 * at `at_us` (>= now). GS_ENOMEM (then `cfg` is freed). */
static gs_err_t inject(gs_world_t *w, uint32_t ven, gs_time_us_t at_us,
                       gs_dr_event_cfg_t *cfg, gs_event_handle_t *h) {
  if (w->n_cmds == w->cap_cmds) {
    size_t cap = w->cap_cmds ? w->cap_cmds * 2 : 16;
    gs_world_cmd_t *g = realloc(w->cmds, cap * sizeof *g);
    if (g == NULL) goto nomem;
    w->cmds = g;
    w->cap_cmds = cap;
  }
  gs_world_cmd_t *c = &w->cmds[w->n_cmds];
  c->cmd = calloc(1, sizeof *c->cmd);
  if (c->cmd == NULL) goto nomem;
  c->error[0] = '\0';
  c->event = cfg;
  c->cmd->op = GS_WIRE_EVENT;
  snprintf(c->cmd->op_text, sizeof c->cmd->op_text, "oadrEvent");
  snprintf(c->cmd->event_id, sizeof c->cmd->event_id, "%s", cfg->id);
  snprintf(c->cmd->correlation_id, sizeof c->cmd->correlation_id, "%s",
           cfg->id);
  c->cmd->duration_s = (double)cfg->duration_us / 1e6;
  c->cmd->shed_kw = cfg->requested_kw;
  c->cmd->enabled = -1;
  c->cmd->capacity_kw = -1;
  c->cmd->priority = -1;
  *h = gs_engine_schedule(w->engine, w->ven_entity[ven], at_us,
                          GS_PHASE_COMMAND, GS_VEN_EV_WIRE,
                          (int64_t)w->n_cmds, 0);
  w->n_cmds++;
  return GS_OK;
nomem:
  free(cfg->id);
  free(cfg->signal.prices);
  free(cfg);
  return GS_ENOMEM;
}

/* The signal of intervals [i, j] (alike but for price) starting at
 * starts[i]: the kinds gridsim's VENs act on, strongest first. */
static gs_dr_event_cfg_t *segment(const gs_oadr_event_t *ev, size_t i,
                                  size_t j, const gs_time_us_t *starts,
                                  const gs_time_us_t *durs,
                                  gs_time_us_t shift_us) {
  const gs_oadr_interval_t *iv = &ev->intervals[i];
  gs_dr_event_cfg_t *cfg = calloc(1, sizeof *cfg);
  if (cfg == NULL) return NULL;
  cfg->id = strdup(ev->id);
  cfg->start_us = starts[i] + shift_us;
  cfg->duration_us = starts[j] + durs[j] - starts[i];
  gs_signal_cfg_t *sig = &cfg->signal;
  sig->control_us = GS__OADR_CONTROL_US;
  if (iv->has & GS_OADR_P_IMPORT_LIMIT) {
    sig->kind = GS_SIGNAL_IMPORT_LIMIT;
    sig->limit_mw = llround(fmax(iv->import_kw, 0) * 1e6);
  } else if (iv->has & GS_OADR_P_SETPOINT) {
    /* A consumption setpoint is held as an import limit at it: the VEN
     * sheds down to it and never adds load to reach it. */
    sig->kind = GS_SIGNAL_IMPORT_LIMIT;
    sig->limit_mw = llround(fmax(iv->setpoint_kw, 0) * 1e6);
  } else if (iv->has & GS_OADR_P_EXPORT_LIMIT) {
    sig->kind = GS_SIGNAL_EXPORT_LIMIT;
    sig->limit_mw = llround(fmax(iv->export_kw, 0) * 1e6);
  } else if (iv->has & GS_OADR_P_PRICE) {
    sig->kind = GS_SIGNAL_PRICE;
    sig->level = iv->has & GS_OADR_P_SIMPLE ? iv->simple_level : 0;
  } else if (iv->has & GS_OADR_P_SIMPLE) {
    sig->kind = GS_SIGNAL_SIMPLE;
    sig->level = iv->simple_level;
  } else if (iv->has & GS_OADR_P_SETPOINT_REL) {
    /* A relative change of use: a decrease is the platform's plain shed
     * request (the VEN's own strategy); an increase is not acted on. */
    cfg->requested_kw = iv->relative_kw < 0 ? -iv->relative_kw : 0;
  }
  if (sig->kind == GS_SIGNAL_PRICE) {
    sig->prices = calloc(j - i + 1, sizeof *sig->prices);
    if (sig->prices == NULL) goto fail;
    for (size_t k = i; k <= j; k++) {
      double p = fmax(fmin(ev->intervals[k].price, GS__OADR_PRICE_MAX),
                      -GS__OADR_PRICE_MAX);
      sig->prices[sig->n_prices++] = (gs_price_interval_t){
          .start_us = starts[k] - starts[i], .duration_us = durs[k],
          .price_micro = llround(p * 1e6)};
    }
  }
  if (cfg->id == NULL) goto fail;
  return cfg;
fail:
  free(cfg->id);
  free(sig->prices);
  free(cfg);
  return NULL;
}

/* A per-VEN, per-event draw in [0, 1) for randomizeStart: the same VEN
 * shifts the same event the same way in every run. */
static double shift_draw(gs_oadr_t *b, const gs__oven_t *v, const char *id) {
  gs_rng_t r;
  gs_rng_init(&r, b->world->scenario->seed, gs_rng_key(id, v->index, 0),
              GS_RNG_USER + 9);
  return gs_rng_uniform(&r);
}

gs_err_t gs__oadr_apply(gs_oadr_t *b, gs__oven_t *v,
                        const gs_oadr_event_t *ev, gs__oev_t *e) {
  gs_world_t *w = b->world;
  gs_time_us_t now = gs_engine_now(w->engine);
  int64_t t0_unix_us = w->scenario->start_unix_s * GS_US_PER_S;
  gs_time_us_t run_end = w->scenario->duration_us;
  size_t n = ev->n_intervals;
  if (n == 0) return GS_OK;
  gs_time_us_t *starts = calloc(n, sizeof *starts);
  gs_time_us_t *durs = calloc(n, sizeof *durs);
  if (starts == NULL || durs == NULL) goto nomem;
  /* The intervals' own timeline: consecutive from the event's start,
   * each the event's default duration unless it says otherwise; "now"
   * and "forever" as the User Guide defines them. */
  const gs_oadr_period_t *ep = &ev->period;
  gs_time_us_t t = !ep->has_start || ep->start_unix_us == GS_OADR_NOW_US
                       ? now : ep->start_unix_us - t0_unix_us;
  gs_time_us_t limit = run_end;
  if (ev->duration_us >= 0 && ev->duration_us != GS_OADR_FOREVER_US &&
      t + ev->duration_us < limit)
    limit = t + ev->duration_us;
  for (size_t i = 0; i < n; i++) {
    const gs_oadr_period_t *ip = &ev->intervals[i].period;
    gs_time_us_t s = t;
    if (ip->has_start)
      s = ip->start_unix_us == GS_OADR_NOW_US ? now
                                              : ip->start_unix_us - t0_unix_us;
    int64_t d = ip->has_duration ? ip->duration_us
                : ep->has_duration ? ep->duration_us : GS_OADR_FOREVER_US;
    gs_time_us_t end = d == GS_OADR_FOREVER_US || s > limit - d ? limit
                                                                : s + d;
    starts[i] = s;
    durs[i] = end > s ? end - s : 0;
    t = s + durs[i];
  }
  int64_t rnd = ep->randomize_us;
  gs_time_us_t shift =
      rnd > 0 ? (gs_time_us_t)((2 * shift_draw(b, v, ev->id) - 1) *
                               (double)rnd)
              : 0;
  e->start_us = starts[0] + shift;
  e->end_us = starts[n - 1] + durs[n - 1] + shift;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && same_class(&ev->intervals[i], &ev->intervals[j + 1]) &&
           starts[j + 1] == starts[j] + durs[j])
      j++;
    gs_time_us_t end = starts[j] + durs[j] + shift;
    if (ev->intervals[i].has != 0 && end > now && durs[j] + starts[j] >
                                                     starts[i]) {
      gs_dr_event_cfg_t *cfg = segment(ev, i, j, starts, durs, shift);
      if (cfg == NULL) goto nomem;
      gs_time_us_t at = cfg->start_us > now ? cfg->start_us : now;
      struct gs__opend *g =
          realloc(e->pending, (e->n_pending + 1) * sizeof *g);
      if (g == NULL) {
        free(cfg->id);
        free(cfg->signal.prices);
        free(cfg);
        goto nomem;
      }
      e->pending = g;
      gs_event_handle_t h;
      if (inject(w, v->index, at, cfg, &h) != GS_OK) goto nomem;
      e->pending[e->n_pending++] = (struct gs__opend){.h = h, .at_us = at};
    }
    i = j + 1;
  }
  /* Reports follow the VTN's intervals, not the VEN's shifted start. */
  gs_err_t err = gs__oadr_plan_reports(b, v, ev, e, starts, durs, n);
  free(starts);
  free(durs);
  return err;
nomem:
  free(starts);
  free(durs);
  return GS_ENOMEM;
}
