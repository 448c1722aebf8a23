/* SPDX-License-Identifier: MIT */
/* The VEN agent: takes DR and wire commands, sheds, acks, baselines, comms. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scenario_priv.h"
#include "models.h"
#include "trace_log.h"
#include "ven_priv.h"
#include "ven_signal.h"

_Static_assert(sizeof(gs__ven_t) <= 152, "VEN state must stay small");

static gs__ven_t *ven_of(gs_engine_t *eng, gs_entity_id_t id) {
  GS_ASSERT(gs_engine_type(eng, id) == &gs_model_ven);
  return gs_engine_state(eng, id);
}

int64_t gs_ven_power_mw(gs_engine_t *eng, gs_entity_id_t ven) {
  return gs_meters_power_mw(gs_engine_meters(eng), ven_of(eng, ven)->meter);
}
int64_t gs_ven_shed_mw(const void *s) {
  const gs__ven_t *v = s;
  return v->active == GS_VEN_NO_EVENT ? 0 : v->shed_mw;
}
bool gs_ven_in_event(const void *s) {
  return ((const gs__ven_t *)s)->active != GS_VEN_NO_EVENT;
}
int64_t gs_ven_baseline_mw(const void *s) {
  return ((const gs__ven_t *)s)->baseline_mw;
}
bool gs_ven_online(const void *s) { return ((const gs__ven_t *)s)->online; }
uint32_t gs_ven_messages(const void *s) {
  return ((const gs__ven_t *)s)->message_num;
}

static gs_time_us_t us_of(double s) { return llround(s * 1e6); }

/* The VEN's stream key, as sim/world.c gives it (group name, index in the
 * group): recomputed for the rare per-event draws rather than kept, 8
 * bytes in every home. */
static uint64_t ven_key(const gs_world_t *w, const gs__ven_t *v) {
  return gs_rng_key(w->scenario->groups[w->ven_group[v->index]].name,
                    w->ven_index[v->index], 0);
}

/* One uniform draw for (this VEN, scenario event, purpose) from its own
 * stream, so removing one event (the counterfactual twin) never shifts
 * the opt-out or loss draws of the others. */
static double event_draw(gs_engine_t *eng, const gs__ven_t *v, int32_t k,
                         uint64_t purpose) {
  gs_rng_t r;
  const gs_world_t *w = v->cfg->world;
  const char *id = w->scenario->events[k].id;
  gs_rng_init(&r, gs_engine_seed(eng), gs_rng_key(id, ven_key(w, v), purpose),
              GS_RNG_COMMS);
  return gs_rng_uniform(&r);
}

/* Next comms outage: a Poisson process of outages_per_day. */
static void schedule_outage(gs_engine_t *eng, gs_entity_id_t self,
                            gs__ven_t *v) {
  if (v->cfg->outages_per_s <= 0) return;
  gs_rng_lease_t l;
  double wait_s = gsl_ran_exponential(gs_rng_borrow(&l, &v->rng),
                                      1.0 / v->cfg->outages_per_s);
  gs_rng_return(&l);
  gs_engine_schedule(eng, self, gs_engine_now(eng) + us_of(wait_s),
                     GS_PHASE_INPUT, GS_VEN_EV_OUTAGE, 0, 0);
}

static gs_err_t ven_init(gs_engine_t *eng, gs_entity_id_t self, void *state,
                         const gs_model_init_t *init, gs_errbuf_t *eb) {
  gs__ven_t *v = state;

  const double *p = init->params;
  gs_rng_init(&v->rng, init->seed, init->key, GS_RNG_COMMS);
  v->meter = init->meter;
  v->active = GS_VEN_NO_EVENT;
  v->mark_event = GS_VEN_NO_EVENT;
  v->expiry = GS_EVENT_HANDLE_NONE;
  v->first_load = GS_ENTITY_NONE;
  v->online = 1;
  gs__ven_cfg_t c;
  memset(&c, 0, sizeof c); /* padding too: interned by its bytes */
  c.world = init->world;
  c.panel_amps = (uint16_t)p[GS_VEN_P_PANEL_AMPS];
  c.panel_voltage = (uint16_t)p[GS_VEN_P_PANEL_VOLTAGE];
  c.opt_out_prob = (float)p[GS_VEN_P_OPT_OUT];
  c.latency_s = (float)p[GS_VEN_P_LATENCY_S];
  c.loss_prob = (float)p[GS_VEN_P_LOSS];
  c.strategy = (uint8_t)p[GS_VEN_P_SHED_STRATEGY];
  c.telemetry_s = (float)p[GS_VEN_P_TELEMETRY_S];
  c.snapshot_s = (float)p[GS_VEN_P_SNAPSHOT_S];
  c.outages_per_s = (float)(p[GS_VEN_P_OFFLINE_PER_DAY] / 86400.0);
  c.outage_mean_s = (float)p[GS_VEN_P_OFFLINE_MEAN_S];
  c.window_s = (float)p[GS_VEN_P_BASELINE_S];
  v->cfg = gs_engine_intern(eng, &c, sizeof c);
  if (v->cfg == NULL)
    return gs_errbuf_set(eb, GS_ENOMEM, "out of memory adding VEN %s",
                         init->id ? init->id : "?");
  schedule_outage(eng, self, v);
  if (v->cfg->world == NULL) return GS_OK;
  /* Open the baseline window of every scheduled event: the reference VEN
   * averages its own power over the window before the event arrives. */
  gs_time_us_t window_us = us_of(v->cfg->window_s);
  for (size_t k = 0; k < gs_world_event_count(v->cfg->world); k++) {
    const gs_dr_event_cfg_t *ev = gs_world_event(v->cfg->world, k);
    if (ev->start_us == 0) continue; /* no history to average */
    if ((int32_t)k == v->cfg->world->suppressed) continue; /* never sent */
    gs_time_us_t at = ev->start_us - window_us;
    gs_engine_schedule(eng, self, at > 0 ? at : 0, GS_PHASE_REPORT,
                       GS_VEN_EV_MARK, 0, (uint32_t)k);
  }
  return GS_OK;
}

void gs_ven_attach(gs_engine_t *eng, gs_entity_id_t ven,
                   gs_entity_id_t first_load, uint8_t n, uint32_t index,
                   uint32_t present_mask) {
  gs__ven_t *v = ven_of(eng, ven);
  GS_ASSERT(n <= GS_VEN_MAX_LOADS);
  v->first_load = first_load;
  v->n_loads = n;
  v->index = index;
  v->present_mask = present_mask;
  if (v->cfg->world == NULL || v->cfg->world->sink == NULL) return;
  /* Publishing VENs start their periodic messages at a random phase, as
   * real devices booted at different times would. */
  gs_time_us_t now = gs_engine_now(eng);
  gs_engine_schedule(eng, ven,
                     now + us_of(gs_rng_uniform(&v->rng) * v->cfg->telemetry_s),
                     GS_PHASE_REPORT, GS_VEN_EV_TELEMETRY, 0, 0);
  gs_engine_schedule(eng, ven,
                     now + us_of(gs_rng_uniform(&v->rng) * v->cfg->snapshot_s),
                     GS_PHASE_REPORT, GS_VEN_EV_SNAPSHOT, 0, 0);
}

/* Energy of the VEN's meter now, exact in mW·s. */
static int64_t energy_mws(gs_engine_t *eng, const gs__ven_t *v) {
  return gs_meters_energy_mws(gs_engine_meters(eng), v->meter,
                              gs_engine_now(eng));
}

/* Mean power since a checkpoint (e, t), or the present power if none. */
static int64_t mean_since(gs_engine_t *eng, const gs__ven_t *v, int64_t e,
                          gs_time_us_t t) {
  gs_time_us_t now = gs_engine_now(eng);
  if (now <= t)
    return gs_meters_power_mw(gs_engine_meters(eng), v->meter);
  return llround((double)(energy_mws(eng, v) - e) * 1e6 / (double)(now - t));
}

/* Ends the active event: every curtailed circuit is released. */
static void restore(gs_engine_t *eng, gs__ven_t *v) {
  if (v->active == GS_VEN_NO_EVENT) return;
  for (uint8_t i = 0; i < v->n_loads; i++)
    if (v->shed_mask & (UINT32_C(1) << i))
      gs_engine_schedule(eng, v->first_load + i, gs_engine_now(eng),
                         GS_PHASE_MODEL, GS_EV_LOAD_RESTORE, 0, 0);
  v->shed_mask = 0;
  gs__ven_signal_end(eng, v); /* clear a price, lift a PV cap */
  v->active = GS_VEN_NO_EVENT;
  v->requested_mw = v->shed_mw = 0;
  gs_engine_cancel(eng, v->expiry);
  v->expiry = GS_EVENT_HANDLE_NONE;
}

/* Starts a DR event with code `active` (scenario index or wire command)
 * asking `request_mw` for `duration_us`; acks to the program (scenario
 * events) and to the sink. */
static void start_event(gs_engine_t *eng, gs_entity_id_t self, gs__ven_t *v,
                        int32_t active, int64_t request_mw,
                        gs_time_us_t duration_us, const char *corr) {
  const gs_world_t *w = v->cfg->world;
  gs_time_us_t now = gs_engine_now(eng);
  if (active >= 0 && v->mark_event == active)
    v->baseline_mw = mean_since(eng, v, v->mark_energy_mws, v->mark_us);
  else /* the older rolling checkpoint: a mean over 1-2 windows */
    v->baseline_mw = mean_since(eng, v, v->cp_energy_mws[0], v->cp_us[0]);
  if (active >= 0)
    gs_engine_schedule(eng, w->program, now, GS_PHASE_REPORT, GS_EV_BASELINE,
                       v->baseline_mw, (uint32_t)active);
  restore(eng, v); /* a new event replaces the active one */
  v->active = active;
  const char *event_id = gs__ven_event_id(v);
  char corr_buf[GS_WIRE_ID_MAX];
  if (corr == NULL) { /* the program's commands carry the backend's form */
    snprintf(corr_buf, sizeof corr_buf, "evt-%s-%08x", event_id,
             (unsigned)(gs_rng_key(event_id, v->index, 0) & 0xffffffffu));
    corr = corr_buf;
  }
  double u = active >= 0 ? event_draw(eng, v, active, 1)
                         : gs_rng_uniform(&v->rng);
  if (u < v->cfg->opt_out_prob) {
    gs_log_answer(w, v->index, active, false, request_mw, 0, duration_us);
    if (active >= 0)
      gs_engine_schedule(eng, w->program, now, GS_PHASE_REPORT, GS_EV_ACK, 0,
                         (uint32_t)active | GS_ACK_REJECTED);
    gs__ven_publish_event_ack(eng, v, "rejected", event_id, request_mw, NULL,
                              0, 0, corr);
    v->active = GS_VEN_NO_EVENT;
    return;
  }
  gs__ven_cut_t cuts[GS_VEN_MAX_LOADS];
  int64_t shed_mw;
  size_t n = gs__ven_shed(eng, v, request_mw, cuts, &shed_mw);
  v->requested_mw = request_mw;
  v->shed_mw = shed_mw;
  v->event_end_us = now + duration_us;
  gs_log_answer(w, v->index, active, true, request_mw, shed_mw, duration_us);
  if (active >= 0)
    gs_engine_schedule(eng, w->program, now, GS_PHASE_REPORT, GS_EV_ACK,
                       shed_mw, (uint32_t)active);
  gs__ven_publish_event_ack(eng, v, "accepted", event_id, request_mw, cuts,
                            n, shed_mw, corr);
  /* The event ends by itself at arrival + duration (contract). */
  v->expiry = gs_engine_schedule(eng, self, v->event_end_us,
                                 GS_PHASE_COMMAND, GS_VEN_EV_EXPIRE, 0, 0);
}

/* The load slot whose scenario id is `id`, or -1. */
static int find_load(const gs__ven_t *v, const char *id) {
  for (uint8_t i = 0; i < v->n_loads; i++)
    if (strcmp(gs__ven_load_id(v, i), id) == 0) return i;
  return -1;
}

static void ack_simple(gs_engine_t *eng, gs__ven_t *v, const char *op,
                       const char *corr) {
  gs__ven_publish(v, GS_TOPIC_ACK,
                  gs_wire_ack_simple(op, "success", gs__ven_unix_s(eng, v),
                                     corr, NULL));
}

static void ack_error(gs_engine_t *eng, gs__ven_t *v, const gs_wire_cmd_t *c,
                      const char *msg) {
  gs__ven_publish(v, GS_TOPIC_ACK,
                  gs_wire_ack_error(c->op_text[0] ? c->op_text : NULL, msg,
                                    gs__ven_unix_s(eng, v),
                                    c->correlation_id));
}

/* A command from the wire (MQTT bridge), already parsed by the world. */
static void wire_command(gs_engine_t *eng, gs_entity_id_t self, gs__ven_t *v,
                         size_t i) {
  const gs_world_cmd_t *wc = &v->cfg->world->cmds[i];
  const gs_wire_cmd_t *c = wc->cmd;
  if (wc->error[0]) {
    ack_error(eng, v, c, wc->error);
    return;
  }
  switch (c->op) {
  case GS_WIRE_EVENT:
    if (wc->event != NULL) { /* OpenADR: its signal, on its own clock */
      int32_t code = GS_VEN_WIRE_BASE - (int32_t)i;
      start_event(eng, self, v, code,
                  gs__ven_signal_request(eng, v, code,
                                         llround(c->shed_kw * 1e6)),
                  gs_dr_event_end_us(wc->event) - gs_engine_now(eng),
                  c->correlation_id);
      gs__ven_signal_start(eng, self, v, code);
      break;
    }
    start_event(eng, self, v, GS_VEN_WIRE_BASE - (int32_t)i,
                llround(c->shed_kw * 1e6), us_of(c->duration_s),
                c->correlation_id);
    break;
  case GS_WIRE_RESTORE:
    restore(eng, v);
    ack_simple(eng, v, "restore", c->correlation_id);
    break;
  case GS_WIRE_PING:
    ack_simple(eng, v, "ping", c->correlation_id);
    break;
  case GS_WIRE_SHED_LOAD:
  case GS_WIRE_SET_LOAD: {
    int slot = find_load(v, c->load_id);
    if (slot < 0) {
      ack_error(eng, v, c, "unknown loadId");
      break;
    }
    gs_entity_id_t lid = v->first_load + (gs_entity_id_t)slot;
    gs_time_us_t now = gs_engine_now(eng);
    if (c->op == GS_WIRE_SHED_LOAD) {
      gs_engine_schedule(eng, lid, now, GS_PHASE_MODEL, GS_EV_LOAD_SHED,
                         llround(c->reduce_kw * 1e6), 0);
      gs_engine_schedule(eng, self, now + us_of(c->duration_s),
                         GS_PHASE_COMMAND, GS_VEN_EV_UNSHED_LOAD, 0,
                         (uint32_t)slot);
    } else {
      uint32_t bits = c->enabled < 0 ? 0 : (uint32_t)c->enabled | 2u;
      int64_t cap = c->capacity_kw < 0 ? -1 : llround(c->capacity_kw * 1e6);
      gs_engine_schedule(eng, lid, now, GS_PHASE_MODEL, GS_EV_LOAD_SET, cap,
                         bits);
    }
    ack_simple(eng, v, c->op_text, c->correlation_id);
    break;
  }
  case GS_WIRE_GET: {
    char *data = gs__ven_telemetry_json(eng, v);
    gs__ven_publish(v, GS_TOPIC_ACK,
                    gs_wire_ack_simple("get", "success",
                                       gs__ven_unix_s(eng, v),
                                       c->correlation_id, data));
    free(data);
    break;
  }
  }
}

static void ven_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                       const gs_event_t *ev) {
  gs__ven_t *v = state;
  gs_time_us_t now = gs_engine_now(eng);
  switch (ev->kind) {
  case GS_VEN_EV_MARK:
    v->mark_event = (int32_t)ev->arg2;
    v->mark_us = now;
    v->mark_energy_mws = energy_mws(eng, v);
    break;
  case GS_EV_DR_START:
  case GS_EV_DR_END: {
    /* A command on the wire: lost while offline or by chance, delivered
     * after the VEN's latency. */
    bool lost = !v->online || event_draw(eng, v, (int32_t)ev->arg2,
                                         ev->kind == GS_EV_DR_START ? 2 : 3) <
                                  v->cfg->loss_prob;
    gs_log_command(v->cfg->world, v->index, (int32_t)ev->arg2,
                   ev->kind == GS_EV_DR_START ? GS_LOG_CMD_DR_START
                                              : GS_LOG_CMD_DR_END,
                   !v->online ? GS_LOG_LOST_OFFLINE
                   : lost     ? GS_LOG_LOST_RANDOM
                              : GS_LOG_DELIVERED,
                   ev->arg);
    if (lost) break;
    uint32_t arg2 = ev->arg2 | (ev->kind == GS_EV_DR_END ? GS_VEN_APPLY_END
                                                          : 0);
    gs_engine_schedule(eng, self, now + us_of(v->cfg->latency_s),
                       GS_PHASE_COMMAND, GS_VEN_EV_APPLY, ev->arg, arg2);
    break;
  }
  case GS_VEN_EV_APPLY: {
    int32_t k = (int32_t)(ev->arg2 & ~GS_VEN_APPLY_END);
    if (ev->arg2 & GS_VEN_APPLY_END) {
      if (v->active == k) {
        restore(eng, v);
        if (v->cfg->world->sink) ack_simple(eng, v, "restore", "");
      }
    } else {
      /* A signal (SIMPLE level, PRICE, capacity limits) is interpreted
       * here, by the VEN, as an OpenADR 3 VEN would. */
      start_event(eng, self, v, k, gs__ven_signal_request(eng, v, k, ev->arg),
                  gs_world_event(v->cfg->world, (size_t)k)->duration_us, NULL);
      gs__ven_signal_start(eng, self, v, k);
    }
    break;
  }
  case GS_EV_DR_NOTICE: { /* tell every circuit; those that pre-condition
                            act on it (pre-cooling thermostats) */
    gs_log_command(v->cfg->world, v->index, (int32_t)ev->arg2,
                   GS_LOG_CMD_DR_NOTICE,
                   v->online ? GS_LOG_DELIVERED : GS_LOG_LOST_OFFLINE, 0);
    if (!v->online) break;
    const gs_dr_event_cfg_t *de = gs_world_event(v->cfg->world, ev->arg2);
    for (uint8_t i = 0; i < v->n_loads; i++)
      gs_engine_schedule(eng, v->first_load + i, now, GS_PHASE_MODEL,
                         GS_EV_LOAD_NOTICE, de->start_us,
                         (uint32_t)(de->duration_us / GS_US_PER_S));
    break;
  }
  case GS_VEN_EV_EXPIRE:
    v->expiry = GS_EVENT_HANDLE_NONE; /* this very event: nothing to cancel */
    restore(eng, v);
    break;
  case GS_VEN_EV_WIRE:
    gs_log_wire(v->cfg->world, v->index, (size_t)ev->arg, v->online);
    if (v->online) wire_command(eng, self, v, (size_t)ev->arg);
    break;
  case GS_VEN_EV_TELEMETRY:
    /* Rolling checkpoints: the older one is 1-2 windows old, for the
     * baseline of events that arrive from the wire unannounced. */
    if (now - v->cp_us[1] >= us_of(v->cfg->window_s)) {
      v->cp_us[0] = v->cp_us[1];
      v->cp_energy_mws[0] = v->cp_energy_mws[1];
      v->cp_us[1] = now;
      v->cp_energy_mws[1] = energy_mws(eng, v);
    }
    if (v->online) gs__ven_publish_telemetry(eng, v);
    gs_engine_schedule(eng, self, now + us_of(v->cfg->telemetry_s),
                       GS_PHASE_REPORT, GS_VEN_EV_TELEMETRY, 0, 0);
    break;
  case GS_VEN_EV_SNAPSHOT:
    if (v->online) gs__ven_publish_snapshot(eng, v);
    gs_engine_schedule(eng, self, now + us_of(v->cfg->snapshot_s),
                       GS_PHASE_REPORT, GS_VEN_EV_SNAPSHOT, 0, 0);
    break;
  case GS_VEN_EV_OUTAGE:
    if (ev->arg == 0) { /* down for an exponential time, then back */
      gs_rng_lease_t l;
      gs_time_us_t down_us = us_of(gsl_ran_exponential(
          gs_rng_borrow(&l, &v->rng), v->cfg->outage_mean_s));
      gs_rng_return(&l);
      v->online = 0;
      v->offline_us = now; /* the backend's silence timer starts */
      gs_log_fault(v->cfg->world, v->index, GS_LOG_FAULT_COMMS_OUTAGE, down_us);
      gs_engine_schedule(eng, self, now + down_us, GS_PHASE_INPUT,
                         GS_VEN_EV_OUTAGE, 1, 0);
    } else {
      v->online = 1;
      schedule_outage(eng, self, v);
    }
    break;
  case GS_VEN_EV_UNSHED_LOAD:
    if (!(v->shed_mask >> ev->arg2 & 1)) /* not held by a panel event */
      gs_engine_schedule(eng, v->first_load + ev->arg2, now, GS_PHASE_MODEL,
                         GS_EV_LOAD_RESTORE, 0, 0);
    break;
  case GS_VEN_EV_SIGNAL_STEP:
  case GS_VEN_EV_SIGNAL_CHECK:
    gs__ven_signal_event(eng, self, v, ev);
    break;
  default:
    GS_ASSERT(!"VEN: unknown event kind");
  }
}

static uint32_t gs__ven_meter_of(const void *state) {
  return ((const gs__ven_t *)state)->meter;
}

const gs_model_type_t gs_model_ven = {
    .name = "ven",
    .doc = "a home's panel and circuits answering DR commands",
    .role = GS_ROLE_VEN,
    .state_size = sizeof(gs__ven_t),
    .params = gs_ven_params,
    .n_params = GS_VEN_NPARAMS,
    .init = ven_init,
    .handle = ven_handle,
    .meter_of = gs__ven_meter_of,
};
