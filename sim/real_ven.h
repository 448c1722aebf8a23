/* SPDX-License-Identifier: MIT */
/* Real VENs in a simulated fleet (the MQTT backend role): scenario, world
 * entities, the program's hooks and the wire messages they exchange. */
#ifndef GRIDSIM_REAL_VEN_H
#define GRIDSIM_REAL_VEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "gridsim/engine.h"
#include "gridsim/error.h"

struct gs__sctx;
struct gs_scenario;
struct gs_world;
struct gs_dr_event_cfg;

#define GS_REAL_ID_MAX 64

/* One element of the scenario's "real_vens". */
typedef struct gs_real_ven_cfg {
  char ven_id[GS_REAL_ID_MAX + 1];
  int32_t feeder;        /* feeder index, -1: none given */
  int32_t xfmr;          /* transformer index, -1: none given */
  int64_t capability_mw; /* until its telemetry reports loads */
} gs_real_ven_cfg_t;

/* The validated "real_vens" (scenario.real; NULL when absent). */
typedef struct gs_real_cfg {
  gs_real_ven_cfg_t *vens;
  size_t n;
} gs_real_cfg_t;

/* Validates root["real_vens"] into `s->real` (NULL when absent). Needs the
 * fleet and the grid parsed; ids must not collide with simulated VENs'
 * or each other. `c` stands at the root on entry and return. */
gs_err_t gs__scn_parse_real(struct gs__sctx *c, const cJSON *root,
                            struct gs_scenario *s);
void gs_real_cfg_free(gs_real_cfg_t *r);
/* Index of real VEN `id` in `r` (may be NULL), or -1. */
long gs_real_cfg_find(const gs_real_cfg_t *r, const char *id);

/* ---- Wire messages (sim/real_wire.c) ------------------------------------ */

/* Telemetry as the platform's backend reads it (its schema REQUIRES venId,
 * timestamp and an id on every load; the rest is optional). */
typedef struct gs_real_telemetry {
  char ven_id[GS_REAL_ID_MAX + 1];
  int64_t timestamp;
  bool has_power;      /* usedPowerKw, else legacy power_kw */
  double power_kw;
  double shed_kw;      /* shedPowerKw / shed_kw, 0 if absent */
  double baseline_kw;  /* baselinePowerKw / base_power_kw, -1 if absent */
  bool has_capability; /* loads present: sum of their shedCapabilityKw */
  double capability_kw;
  char event_id[GS_REAL_ID_MAX + 1]; /* eventId / active_event, "" none */
} gs_real_telemetry_t;

/* Parses a telemetry payload (any bytes). GS_EINVAL with the reason in
 * `eb` when it is not the backend's schema: not JSON, not an object,
 * venId or timestamp missing or of the wrong type, a load without a
 * string id, a numeric field that is not a finite number. */
gs_err_t gs_real_parse_telemetry(const char *payload, size_t len,
                                 gs_real_telemetry_t *out, gs_errbuf_t *eb);

/* An ack on ven/ack/{venId}, as far as the program needs it. */
typedef struct gs_real_ack {
  char op[24];                    /* "event", "restore", ... ("" if null) */
  char status[24];                /* "accepted", "rejected", "success" */
  char event_id[GS_REAL_ID_MAX + 1]; /* event_id, else from correlationId */
  double actual_shed_kw;          /* event acks, 0 if absent */
} gs_real_ack_t;

gs_err_t gs_real_parse_ack(const char *payload, size_t len, gs_real_ack_t *out,
                           gs_errbuf_t *eb);

/* The platform backend's commands, byte for byte the contract's form
 * (samples/cmd_event.json): malloc'ed, caller frees; NULL if out of
 * memory. `corr_hex` is the 8 hex digits after "evt-<id>-". */
char *gs_real_cmd_event(const char *ven_id, const char *event_id,
                        double shed_kw, int64_t duration_s,
                        const char *corr_hex);
char *gs_real_cmd_restore(const char *ven_id, const char *event_id,
                          const char *corr_hex);

/* ---- In the world (sim/real_ven.c) ------------------------------------- */

/* Where the backend role sends commands: the MQTT backend, or nothing
 * (replay, twins, a run without a broker). */
typedef struct gs_real_sink {
  void (*command)(void *ud, const char *ven_id, const char *payload);
  void *ud;
} gs_real_sink_t;

/* A power report kept for the counterfactual twins: real VEN `ven` drew
 * `power_mw` from `t_us` on, of which `shed_mw` was shed for event
 * `event` (-1 none), and could shed `cap_mw`. */
typedef struct gs_real_sample {
  gs_time_us_t t_us;
  int64_t power_mw, shed_mw, cap_mw;
  uint32_t ven;
  int32_t event;
} gs_real_sample_t;

/* Counters of the backend role, identical in a replay. */
typedef struct gs_real_stats {
  uint64_t telemetry, acks;   /* taken into the fleet */
  uint64_t errors;            /* malformed telemetry or acks */
  uint64_t unknown;           /* well formed, from a VEN not listed */
  uint64_t commands;          /* commands sent (event and restore) */
  uint64_t offline_marks, online_marks;
} gs_real_stats_t;

/* Adds one entity and one meter per real VEN of the scenario to `w` (under
 * its transformer, else its feeder, else the fleet); nothing without
 * "real_vens". With `feed` (a twin's actual world, may be NULL) the twin's
 * real VENs follow the actual run's reports instead of the wire. */
gs_err_t gs_real_attach(struct gs_world *w, const struct gs_world *feed,
                        gs_errbuf_t *eb);
void gs_real_free(struct gs_world *w);

/* Sets where commands go (borrowed; NULL: nowhere). */
void gs_real_set_sink(struct gs_world *w, const gs_real_sink_t *sink);

/* Takes one inbound message of the backend role (an ack or telemetry on
 * `topic`) at the engine's present time: parsed, and turned into an event
 * of its real VEN. Malformed payloads and unknown VENs are counted and
 * reported on stderr, never fatal. Returns true if it became an event. */
bool gs_real_take(struct gs_world *w, const char *topic, const char *payload,
                  size_t len);

size_t gs_real_count(const struct gs_world *w);
const char *gs_real_id(const struct gs_world *w, size_t r);
uint32_t gs_real_meter(const struct gs_world *w, size_t r);
bool gs_real_online(const struct gs_world *w, size_t r);
void gs_real_get_stats(const struct gs_world *w, gs_real_stats_t *out);

/* Program hooks. Real VEN r is "VEN index" n_vens + r in a program view. */
bool gs_real_targeted(const struct gs_world *w,
                      const struct gs_dr_event_cfg *ev, size_t k, size_t r);
/* Appends the targeted, online real VENs of event `k` to the view's VEN
 * list (n_vens + r), counting the others in *skipped. */
void gs_real_view(gs_engine_t *eng, const struct gs_world *w, size_t k,
                  uint64_t **vens, size_t *n, uint32_t *skipped);
int64_t gs_real_capability_mw(gs_engine_t *eng, const struct gs_world *w,
                              size_t r);
gs_entity_id_t gs_real_entity(const struct gs_world *w, size_t r);

/* Adds "real_vens": {count, online, telemetry, acks, errors, unknown,
 * commands, offline_marks, online_marks} to `summary`. */
gs_err_t gs_real_summary_fill(const struct gs_world *w, cJSON *summary);

#endif /* GRIDSIM_REAL_VEN_H */
