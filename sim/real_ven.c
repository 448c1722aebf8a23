/* SPDX-License-Identifier: MIT */
/* Real VENs as world entities: commands out, reported power and acks in. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridsim/rng.h"
#include "inbound.h"
#include "real_priv.h"
#include "scenario_priv.h"
#include "trace_log.h"

enum {
  REAL_EV_MSG = GS_EV_MODEL, /* inbound message arg (r->msgs index) */
  REAL_EV_CHECK,             /* the silence timer: offline if still silent */
  REAL_EV_FEED               /* twin: the actual run's report arg */
};

/* Reported stderr lines per kind of problem, so a flood of bad payloads
 * cannot flood the terminal; all of them are counted. */
#define GS__REAL_LOG_MAX 20

static gs__real_ven_t *state_of(gs_engine_t *eng, gs_entity_id_t id) {
  GS_ASSERT(gs_engine_type(eng, id) == &gs__model_real_ven);
  return gs_engine_state(eng, id);
}

static void status_change(gs_real_t *r, gs_engine_t *eng, uint32_t ven,
                          bool online) {
  if (r->n_status == r->cap_status) {
    size_t cap = r->cap_status ? 2 * r->cap_status : 16;
    gs_real_status_t *g = realloc(r->status, cap * sizeof *g);
    GS_ASSERT(g != NULL); /* a lost change would make traces differ */
    r->status = g;
    r->cap_status = cap;
  }
  r->status[r->n_status++] = (gs_real_status_t){
      .t_us = gs_engine_now(eng), .ven = ven, .online = online};
  if (online) r->st.online_marks++;
  else r->st.offline_marks++;
}

/* The backend's 8 hex digits of a correlation id: stable per (event, VEN)
 * instead of the platform's uuid4, so runs stay reproducible. */
static void corr_hex(const char *event_id, uint32_t ven, char out[9]) {
  snprintf(out, 9, "%08x",
           (unsigned)(gs_rng_key(event_id, ven, 0x5ea1) & 0xffffffffu));
}

static void send_cmd(gs_real_t *r, uint32_t ven, char *payload) {
  GS_ASSERT(payload != NULL);
  r->st.commands++;
  if (r->sink.command)
    r->sink.command(r->sink.ud, r->cfg->vens[ven].ven_id, payload);
  free(payload);
}

/* Power as reported: the meter follows it exactly (held until the next
 * report), and the twins get the same from the actual run. */
static void set_power(gs_engine_t *eng, gs__real_ven_t *v, int64_t mw) {
  if (mw != v->power_mw) gs_engine_add_power(eng, v->meter, mw - v->power_mw);
  v->power_mw = mw;
}

/* A report arrived now: the backend's registration and silence timer. */
static void heard(gs_engine_t *eng, gs_entity_id_t self, gs__real_ven_t *v) {
  gs_time_us_t now = gs_engine_now(eng);
  v->last_seen_us = now;
  if (!v->online) { /* registered on first telemetry, or back */
    v->online = 1;
    status_change(v->world->real, eng, v->index, true);
  }
  if (!v->check_pending) {
    v->check_pending = 1;
    gs_engine_schedule(eng, self, now + v->world->scenario->offline_after_us,
                       GS_PHASE_INPUT, REAL_EV_CHECK, 0, 0);
  }
}

static void take_telemetry(gs_engine_t *eng, gs_entity_id_t self,
                           gs__real_ven_t *v, const gs_real_telemetry_t *t) {
  gs_real_t *r = v->world->real;
  r->st.telemetry++;
  if (t->has_power) set_power(eng, v, llround(t->power_kw * 1e6));
  v->shed_mw = llround(t->shed_kw * 1e6);
  if (t->has_capability) v->cap_mw = llround(t->capability_kw * 1e6);
  if (t->baseline_kw >= 0) v->baseline_mw = llround(t->baseline_kw * 1e6);
  int32_t ev = -1;
  for (size_t k = 0; t->event_id[0] && k < v->world->scenario->n_events; k++)
    if (strcmp(v->world->scenario->events[k].id, t->event_id) == 0)
      ev = (int32_t)k;
  if (gs__real_sample(r, gs_engine_now(eng), v->index, v->power_mw,
                      v->shed_mw, v->cap_mw, ev) != GS_OK)
    GS_ASSERT(!"real VENs: out of memory for reports");
  heard(eng, self, v);
}

/* The scenario event of an ack's event id, or -1. */
static int32_t event_of(const gs_world_t *w, const char *id) {
  for (size_t k = 0; id[0] && k < w->scenario->n_events; k++)
    if (strcmp(w->scenario->events[k].id, id) == 0) return (int32_t)k;
  return -1;
}

static void take_ack(gs_engine_t *eng, gs__real_ven_t *v,
                     const gs_real_ack_t *a) {
  gs_world_t *w = v->world;
  w->real->st.acks++;
  bool event_op = strcmp(a->op, "event") == 0 ||
                  strcmp(a->op, "shedPanel") == 0;
  int32_t k = event_op ? event_of(w, a->event_id) : -1;
  /* Only the first answer to a command the program sent counts, as the
   * simulated VENs' single ack does. */
  if (k < 0 || k != v->sent_event || v->acked_event == k) return;
  bool accepted = strcmp(a->status, "accepted") == 0;
  bool rejected = strcmp(a->status, "rejected") == 0;
  if (!accepted && !rejected) return; /* an error ack: the command is lost */
  v->acked_event = k;
  int64_t shed = accepted ? llround(a->actual_shed_kw * 1e6) : 0;
  gs_time_us_t now = gs_engine_now(eng);
  const gs_dr_event_cfg_t *ec = gs_world_event(w, (size_t)k);
  gs_log_answer(w, (uint32_t)(w->n_vens + v->index), k, accepted,
                v->sent_mw, shed, ec->start_us + ec->duration_us - now);
  /* The VEN's own baseline, from its telemetry, as the program books the
   * simulated VENs'. */
  if (v->baseline_mw > 0)
    gs_engine_schedule(eng, w->program, now, GS_PHASE_REPORT, GS_EV_BASELINE,
                       v->baseline_mw, (uint32_t)k);
  gs_engine_schedule(eng, w->program, now, GS_PHASE_REPORT, GS_EV_ACK, shed,
                     (uint32_t)k | (accepted ? 0 : GS_ACK_REJECTED));
}

static void dr_command(gs__real_ven_t *v, const gs_event_t *ev) {
  gs_world_t *w = v->world;
  int32_t k = (int32_t)ev->arg2;
  const gs_dr_event_cfg_t *ec = gs_world_event(w, (size_t)k);
  const char *id = w->real->cfg->vens[v->index].ven_id;
  uint32_t ven = (uint32_t)(w->n_vens + v->index);
  char hex[9];
  corr_hex(ec->id, v->index, hex);
  if (ev->kind == GS_EV_DR_START) {
    v->sent_event = k;
    v->sent_mw = ev->arg;
    gs_log_command(w, ven, k, GS_LOG_CMD_DR_START, GS_LOG_DELIVERED, ev->arg);
    send_cmd(w->real, v->index,
             gs_real_cmd_event(id, ec->id, (double)ev->arg / 1e6,
                               ec->duration_us / GS_US_PER_S, hex));
  } else if (v->sent_event == k) { /* the restore of an event it was sent */
    gs_log_command(w, ven, k, GS_LOG_CMD_DR_END, GS_LOG_DELIVERED, 0);
    send_cmd(w->real, v->index, gs_real_cmd_restore(id, ec->id, hex));
    v->sent_event = -1;
  }
}

static gs_err_t real_init(gs_engine_t *eng, gs_entity_id_t self, void *state,
                          const gs_model_init_t *init, gs_errbuf_t *eb) {
  (void)eng;
  (void)self;
  (void)eb;
  gs__real_ven_t *v = state;
  v->world = (gs_world_t *)init->world; /* it records in the world */
  v->meter = init->meter;
  v->index = (uint32_t)init->key;
  v->sent_event = v->acked_event = -1;
  v->cap_mw = v->world->real->cfg->vens[v->index].capability_mw;
  return GS_OK;
}

static void real_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                        const gs_event_t *ev) {
  gs__real_ven_t *v = state;
  gs_real_t *r = v->world->real;
  gs_time_us_t now = gs_engine_now(eng);
  switch (ev->kind) {
  case GS_EV_DR_START:
  case GS_EV_DR_END:
    dr_command(v, ev);
    break;
  case REAL_EV_MSG: {
    const gs__real_msg_t *m = &r->msgs[ev->arg];
    if (m->kind == GS__REAL_MSG_TELEMETRY)
      take_telemetry(eng, self, v, &m->u.tel);
    else
      take_ack(eng, v, &m->u.ack);
    break;
  }
  case REAL_EV_CHECK: {
    gs_time_us_t after = v->world->scenario->offline_after_us;
    if (now - v->last_seen_us >= after) { /* silent: the backend's mark */
      v->check_pending = 0;
      v->online = 0;
      status_change(r, eng, v->index, false);
    } else {
      gs_engine_schedule(eng, self, v->last_seen_us + after, GS_PHASE_INPUT,
                         REAL_EV_CHECK, 0, 0);
    }
    break;
  }
  case REAL_EV_FEED: {
    const gs_real_sample_t *s = &r->feed->samples[ev->arg];
    /* The twin's counterfactual of a real device is its own claim: what
     * it drew plus what it says it shed for the suppressed event. */
    int64_t add = s->event >= 0 && s->event == v->world->suppressed
                      ? s->shed_mw : 0;
    set_power(eng, v, s->power_mw + add);
    /* Online and capable as in the actual run, so the twin splits the
     * other events exactly as it did. */
    v->cap_mw = s->cap_mw;
    heard(eng, self, v);
    break;
  }
  case GS_EV_DR_NOTICE: /* the platform has no notice command */
    break;
  default:
    GS_ASSERT(!"real VEN: unknown event kind");
  }
}

static uint32_t gs__real_ven_meter_of(const void *state) {
  return ((const gs__real_ven_t *)state)->meter;
}

const gs_model_type_t gs__model_real_ven = {
    .name = "real_ven",
    .doc = "a real VEN on the broker: its reported power and acks",
    .role = GS_ROLE_SYSTEM,
    .state_size = sizeof(gs__real_ven_t),
    .init = real_init,
    .handle = real_handle,
    .meter_of = gs__real_ven_meter_of,
};

/* The inbound message's real VEN, parsed and stored; -1 if it is not for
 * one (counted). */
static long classify(gs_real_t *r, const char *topic, const char *payload,
                     size_t len, gs__real_msg_t *m) {
  gs_errbuf_t eb = {{0}};
  gs_err_t err;
  const char *who;
  /* An ack topic ends in the VEN id (ven/ack/{venId}); everything else the
   * backend subscribes to is telemetry. */
  long idx = gs__real_ack_topic(r, topic);
  if (idx >= 0) {
    m->kind = GS__REAL_MSG_ACK;
    err = gs_real_parse_ack(payload, len, &m->u.ack, &eb);
    who = r->cfg->vens[idx].ven_id;
  } else {
    m->kind = GS__REAL_MSG_TELEMETRY;
    err = gs_real_parse_telemetry(payload, len, &m->u.tel, &eb);
    who = "a device";
    if (err == GS_OK) {
      idx = gs_real_cfg_find(r->cfg, m->u.tel.ven_id);
      if (idx < 0) {
        r->st.unknown++;
        return -1;
      }
    }
  }
  if (err != GS_OK) {
    if (r->st.errors++ < GS__REAL_LOG_MAX)
      fprintf(stderr, "gridsim: mqtt backend: %s from %s on %s ignored%s\n",
              eb.msg, who, topic,
              r->st.errors == GS__REAL_LOG_MAX ? " (no more such lines)" : "");
    return -1;
  }
  return idx;
}

bool gs_real_take(gs_world_t *w, const char *topic, const char *payload,
                  size_t len) {
  gs_real_t *r = w ? w->real : NULL;
  if (r == NULL || topic == NULL) return false;
  /* Recorded first, whatever it is, so a replay takes it the same way. */
  if (w->inbound != NULL &&
      gs_inbound_add(w->inbound, w->engine, GS_INBOUND_BACKEND, -1, topic,
                     payload, len) != GS_OK)
    fprintf(stderr, "gridsim: mqtt backend: out of memory recording a "
            "message; the trace will not replay\n");
  gs__real_msg_t m;
  memset(&m, 0, sizeof m);
  long idx = classify(r, topic, payload, len, &m);
  if (idx < 0) return false;
  if (r->n_msgs == r->cap_msgs) {
    size_t cap = r->cap_msgs ? 2 * r->cap_msgs : 64;
    gs__real_msg_t *g = realloc(r->msgs, cap * sizeof *g);
    if (g == NULL) {
      r->st.errors++;
      return false;
    }
    r->msgs = g;
    r->cap_msgs = cap;
  }
  r->msgs[r->n_msgs] = m;
  gs_engine_schedule(w->engine, r->entity[idx], gs_engine_now(w->engine),
                     GS_PHASE_INPUT, REAL_EV_MSG, (int64_t)r->n_msgs, 0);
  r->n_msgs++;
  return true;
}

/* The twin's real VENs replay the actual run's reports at their times. */
void gs__real_schedule_feed(gs_world_t *w) {
  gs_real_t *r = w->real;
  for (size_t i = 0; r->feed && i < r->feed->n_samples; i++) {
    const gs_real_sample_t *s = &r->feed->samples[i];
    if (s->ven < r->n)
      gs_engine_schedule(w->engine, r->entity[s->ven], s->t_us,
                         GS_PHASE_INPUT, REAL_EV_FEED, (int64_t)i, 0);
  }
}

bool gs_real_online(const gs_world_t *w, size_t r) {
  return state_of(w->engine, w->real->entity[r])->online != 0;
}

int64_t gs_real_capability_mw(gs_engine_t *eng, const gs_world_t *w,
                              size_t r) {
  return state_of(eng, w->real->entity[r])->cap_mw;
}
