/* SPDX-License-Identifier: MIT */
/* The MQTT bridge, backend role: gridsim's program drives real VENs. */
#ifndef GRIDSIM_MQTT_BACKEND_H
#define GRIDSIM_MQTT_BACKEND_H

#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "gridsim/error.h"
#include "mqtt_cfg.h"
#include "pace.h"
#include "world.h"

typedef struct gs_mqtt_backend gs_mqtt_backend_t;

typedef struct gs_mqtt_backend_stats {
  uint64_t sent;      /* commands handed to the connected session */
  uint64_t dropped;   /* commands not sent: no connection */
  uint64_t received;  /* messages taken from the broker (acks, telemetry) */
  uint64_t connects, disconnects, connect_failures;
} gs_mqtt_backend_stats_t;

/* Creates the backend for broker `url` ("mqtt://HOST[:PORT]"; missing
 * parts from `cfg`, the scenario's "mqtt" section, whose topic templates
 * it uses: cmd to send, ack and metering (or telemetry) to subscribe).
 * GS_EINVAL on a malformed URL, GS_EUNSUPPORTED for mqtts://. The caller
 * owns the backend. */
gs_err_t gs_mqtt_backend_create(const gs_mqtt_cfg_t *cfg, const char *url,
                                gs_mqtt_backend_t **out, gs_errbuf_t *eb);

/* Attaches to the real VENs of `w` (borrowed) as their command sink and
 * registers one session with `pace` (borrowed): clean session, client id
 * "gridsim-backend-<pid>", reconnect with back-off 1-120 s. Messages it
 * receives are recorded in w->inbound and taken at the simulated time of
 * their arrival. */
gs_err_t gs_mqtt_backend_start(gs_mqtt_backend_t *b, gs_world_t *w,
                               gs_pace_t *pace, gs_errbuf_t *eb);

/* After the run: up to `wait_s` of wall time for the last commands to
 * leave, then a clean disconnect. Messages arriving now are not taken. */
void gs_mqtt_backend_close(gs_mqtt_backend_t *b, gs_engine_t *eng,
                           double wait_s);

void gs_mqtt_backend_get_stats(const gs_mqtt_backend_t *b,
                               gs_mqtt_backend_stats_t *out);

/* Adds "mqtt_backend": {url, sent, dropped, received, connects,
 * disconnects, connect_failures} to `summary`. GS_ENOMEM. */
gs_err_t gs_mqtt_backend_summary_fill(const gs_mqtt_backend_t *b,
                                      cJSON *summary);
void gs_mqtt_backend_summary_print(FILE *out, const gs_mqtt_backend_t *b);

void gs_mqtt_backend_destroy(gs_mqtt_backend_t *b);

#endif /* GRIDSIM_MQTT_BACKEND_H */
