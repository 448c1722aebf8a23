/* SPDX-License-Identifier: MIT */
/* Replay: the recorded inbound messages, injected at their place in order. */
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "inbound.h"
#include "mqtt_inbound.h"
#include "real_ven.h"
#include "scenario_priv.h"
#include "trace_mqtt.h"

struct gs_replay {
  char *path;
  gs_trace_replay_info_t info;
  gs_ven_sink_t sink;
  gs_world_t *world; /* borrowed */
  gs_mqtt_cfg_t cfg; /* the scenario's topics, for the VEN role */
  gs_mqtt_take_stats_t take;
  size_t next;       /* next message to inject */
  bool diverged;
  char why[240];
};

/* The VENs of a replayed bridge run publish as they did (the same events
 * happen), into nothing. */
static void discard(void *ud, uint64_t ven_index, gs_topic_t topic,
                    const char *payload) {
  (void)ud;
  (void)ven_index;
  (void)topic;
  (void)payload;
}

void gs_replay_destroy(gs_replay_t *r) {
  if (r == NULL) return;
  gs_trace_replay_info_free(&r->info);
  free(r->path);
  free(r);
}

gs_err_t gs_replay_open(const char *path, gs_replay_t **out,
                        gs_errbuf_t *eb) {
  *out = NULL;
  gs_replay_t *r = calloc(1, sizeof *r);
  if (r == NULL || (r->path = strdup(path)) == NULL) {
    free(r);
    return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  }
  gs_err_t err = gs_trace_read_replay(path, &r->info, eb);
  if (err != GS_OK) {
    gs_replay_destroy(r);
    return err;
  }
  r->sink = (gs_ven_sink_t){.publish = discard, .ud = r};
  *out = r;
  return GS_OK;
}

gs_err_t gs_replay_scenario(gs_replay_t *r, gs_scenario_t **out,
                            gs_errbuf_t *eb) {
  char label[300];
  snprintf(label, sizeof label, "%s:/meta/scenario_json", r->path);
  gs_err_t err =
      gs_scenario_load_string(r->info.scenario_json, label, NULL, out, eb);
  if (err == GS_OK && (*out)->seed != r->info.seed) {
    err = gs_errbuf_set(eb, GS_ESCENARIO, "%s: /meta seed %llu differs from "
                        "the scenario's %llu", r->path,
                        (unsigned long long)r->info.seed,
                        (unsigned long long)(*out)->seed);
    gs_scenario_free(*out);
    *out = NULL;
  }
  return err;
}

bool gs_replay_twins(const gs_replay_t *r) { return r->info.twins; }

const gs_ven_sink_t *gs_replay_sink(gs_replay_t *r) {
  return r->info.ven_role ? &r->sink : NULL;
}

static gs_err_t diverge(gs_replay_t *r, const char *fmt, size_t i,
                        const gs_inbound_msg_t *m, gs_engine_t *eng) {
  r->diverged = true;
  snprintf(r->why, sizeof r->why, fmt, i, (long long)m->t_us,
           (unsigned long long)m->position,
           (long long)gs_engine_now(eng),
           (unsigned long long)gs_inbound_position(eng));
  return GS_EIO;
}

/* The engine calls this before taking each event: every message recorded
 * at this position goes in now, at its recorded time, exactly as the
 * pacer put it in during the live run. */
static gs_err_t replay_wait(void *ud, gs_engine_t *eng, gs_time_us_t next_us) {
  gs_replay_t *r = ud;
  const gs_inbound_t *in = r->info.inbound;
  uint64_t pos = gs_inbound_position(eng);
  while (in != NULL && r->next < gs_inbound_count(in)) {
    const gs_inbound_msg_t *m = gs_inbound_get(in, r->next);
    if (m->position > pos) break;
    const char *fmt = "message %zu (time %lld us, position %llu) does not "
                      "fit the replayed run (time %lld us, position %llu)";
    if (m->position < pos || m->t_us < gs_engine_now(eng) || m->t_us > next_us)
      return diverge(r, fmt, r->next, m, eng);
    if (m->t_us > gs_engine_now(eng)) gs_engine_advance(eng, m->t_us);
    r->next++;
    if (m->role == GS_INBOUND_BACKEND) {
      gs_real_take(r->world, m->topic, (const char *)m->payload, m->len);
    } else if (m->ven >= 0 && (uint64_t)m->ven < r->world->n_vens) {
      gs__mqtt_ven_take(r->world, &r->cfg, (uint64_t)m->ven, m->topic,
                        (const char *)m->payload, m->len, &r->take);
    } else {
      return diverge(r, "message %zu (time %lld us, position %llu) names no "
                     "VEN of the run (now %lld us, position %llu)",
                     r->next - 1, m, eng);
    }
  }
  return GS_OK;
}

gs_err_t gs_replay_start(gs_replay_t *r, gs_world_t *w, gs_errbuf_t *eb) {
  r->world = w;
  gs_err_t err = gs_mqtt_cfg_from_json(w->scenario->json, w->scenario->file,
                                       &r->cfg, eb);
  if (err != GS_OK) return err;
  if (r->info.inbound != NULL) {
    if (w->inbound == NULL && (w->inbound = gs_inbound_create()) == NULL)
      return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
    gs_inbound_set_mode(w->inbound, "replay");
  }
  gs_pacer_t p = {.wait = replay_wait, .ud = r};
  gs_engine_set_pacer(w->engine, &p);
  return GS_OK;
}

gs_err_t gs_replay_finish(gs_replay_t *r, bool complete, gs_errbuf_t *eb) {
  if (r->diverged)
    return gs_errbuf_set(eb, GS_EIO, "replay of %s diverged: %s", r->path,
                         r->why);
  size_t n = gs_inbound_count(r->info.inbound);
  if (complete && r->next < n)
    return gs_errbuf_set(eb, GS_EIO, "replay of %s diverged: %zu of %zu "
                         "messages were never reached", r->path, n - r->next,
                         n);
  return GS_OK;
}

int gs_cli_replay(const gs_cli_opts_t *o) {
  if (o->scenario == NULL) {
    fprintf(stderr, "gridsim replay: expected a trace file: gridsim replay "
            "FILE [--out FILE2]\n");
    return GS_EXIT_BADINPUT;
  }
  if (o->mqtt_url || o->pace > 0 || o->n_sets || o->ov.has_seed ||
      o->ov.has_vens) {
    fprintf(stderr, "gridsim replay: --mqtt, --pace, --set, --seed and "
            "--vens do not apply: the trace fixes the run\n");
    return GS_EXIT_BADINPUT;
  }
  gs_errbuf_t eb = {{0}};
  gs_replay_t *r;
  if (gs_replay_open(o->scenario, &r, &eb) != GS_OK) {
    fprintf(stderr, "gridsim replay: %s\n", eb.msg);
    return GS_EXIT_RUNTIME;
  }
  if (!r->info.complete)
    fprintf(stderr, "gridsim replay: note: %s is incomplete (interrupted); "
            "the replay runs the whole scenario\n", o->scenario);
  gs_cli_opts_t ro = *o;
  ro.replay = r;
  /* The original's choice: a trace without twins replays without them. */
  if (!r->info.twins) ro.no_twin = true;
  int status = gs_cli_run(&ro);
  gs_replay_destroy(r);
  return status;
}
