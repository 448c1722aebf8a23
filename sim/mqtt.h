/* SPDX-License-Identifier: MIT */
/* The MQTT bridge, VEN role: each simulated VEN is its own broker session. */
#ifndef GRIDSIM_MQTT_H
#define GRIDSIM_MQTT_H

#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "gridsim/error.h"
#include "mqtt_cfg.h"
#include "pace.h"
#include "world.h"

typedef struct gs_mqtt gs_mqtt_t;

/* Counters of a bridge. A telemetry report is two publications (metering
 * and per-VEN topic, three with the alias). */
typedef struct gs_mqtt_stats {
  uint64_t sent;     /* publications handed to a connected session */
  uint64_t acked;    /* ... acknowledged by the broker (QoS 0: written) */
  uint64_t dropped;  /* not sent (session down, buffer full) or lost
                        unacknowledged with a connection */
  uint64_t late;     /* sent while the run lagged the wall clock by more
                        than mqtt.late_ms */
  uint64_t unacked;  /* sent, neither acknowledged nor dropped at close */
  uint64_t sent_by_topic[4]; /* by gs_topic_t: ack, telemetry, loads,
                                shadow (telemetry counts every copy) */
  uint64_t received;       /* commands taken from the broker */
  uint64_t shadow_deltas;  /* shadow deltas taken (as setLoad commands) */
  uint64_t connects;       /* CONNACKs accepted */
  uint64_t reconnects;     /* ... of sessions that had been up before */
  uint64_t disconnects;    /* established sessions lost */
  uint64_t connect_failures; /* attempts refused, failed or timed out */
  uint32_t sessions, connected; /* VENs, and those connected now */
} gs_mqtt_stats_t;

/* Creates a bridge for broker `url` ("mqtt://HOST[:PORT]", or
 * "mqtts://HOST[:PORT]" for TLS, port 8883 by default; host and port
 * missing from it come from `cfg`, the scenario's "mqtt" section with the
 * command line's settings, copied). With TLS the CA file and a shared
 * client certificate and key are loaded now. GS_EINVAL for a malformed
 * URL, an unset password_env variable, or unusable TLS files (the message
 * names the file and OpenSSL's reason). Nothing connects before
 * gs_mqtt_start. The caller owns the bridge. */
gs_err_t gs_mqtt_create(const gs_mqtt_cfg_t *cfg, const char *url,
                        gs_mqtt_t **out, gs_errbuf_t *eb);

/* The sink to build the world with (gs_world_build_opts): the VENs'
 * payloads become publications of their sessions. Valid while `m` is. */
const gs_ven_sink_t *gs_mqtt_sink(gs_mqtt_t *m);

/* Checks, before the run, that every VEN of `w` can read its own TLS
 * certificate and key (per-VEN patterns): GS_ESCENARIO naming the VEN and the
 * file otherwise. Done once (gs_mqtt_start calls it too). */
gs_err_t gs_mqtt_check(gs_mqtt_t *m, const gs_world_t *w, gs_errbuf_t *eb);

/* Makes one session per VEN of `w` (borrowed; built with the sink) and
 * registers the bridge's sockets with `pace` (borrowed), which connects
 * them as the run goes: client id = VEN id, clean session, the last will
 * on the will topic, TCP_NODELAY, reconnect with back-off 1-120 s. Raises
 * the process's open-file limit as far as allowed for the sessions. */
gs_err_t gs_mqtt_start(gs_mqtt_t *m, gs_world_t *w, gs_pace_t *pace,
                       gs_errbuf_t *eb);

/* Ends the sessions after the run: waits up to `wait_s` of wall time for
 * the broker to acknowledge what was sent, then disconnects cleanly (no
 * will). Commands arriving now are ignored. */
void gs_mqtt_close(gs_mqtt_t *m, gs_engine_t *eng, double wait_s);

void gs_mqtt_get_stats(const gs_mqtt_t *m, gs_mqtt_stats_t *out);

/* Adds "mqtt": {url, tls, last_error (if any), sessions, connected, sent,
 * acked, dropped, late, unacked, received, shadow_deltas, connects,
 * reconnects, disconnects, connect_failures, sent_by_topic} to the
 * summary object `summary`.
 * GS_ENOMEM on failure. */
gs_err_t gs_mqtt_summary_fill(const gs_mqtt_t *m, cJSON *summary);

/* Records the counters of gs_mqtt_stats_t in the trace `t` (borrowed):
 * /mqtt/counts/time_s, sent, acked, dropped, late, unacked, received,
 * connects, reconnects, disconnects, connect_failures, connected [n] at
 * the output interval, and their values at close as attributes of
 * /mqtt/counts (/mqtt is shared with the inbound record). Call after
 * gs_trace_open, before the run. Errors of gs_trace_add_counters. */
struct gs_trace;
gs_err_t gs_mqtt_trace_add(gs_mqtt_t *m, struct gs_trace *t,
                           gs_errbuf_t *eb);

/* The same as lines of the human summary, with the pacer's (may be
 * NULL) factor and largest lag. */
void gs_mqtt_summary_print(FILE *out, const gs_mqtt_t *m,
                           const gs_pace_t *pace);

void gs_mqtt_destroy(gs_mqtt_t *m);

#endif /* GRIDSIM_MQTT_H */
