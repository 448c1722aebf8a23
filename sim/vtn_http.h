/* SPDX-License-Identifier: MIT */
/* The VTN's HTTP transport (libmicrohttpd) and webhook sender (libcurl). */
#ifndef GRIDSIM_VTN_HTTP_H
#define GRIDSIM_VTN_HTTP_H

#include <stdint.h>

#include "pace.h"
#include "vtn.h"

typedef struct gs_vtn_http gs_vtn_http_t;

/* Counters of the transport. */
typedef struct gs_vtn_http_stats {
  uint64_t requests;          /* answered */
  uint64_t by_class[6];       /* by status / 100 (index 1..5) */
} gs_vtn_http_stats_t;

/* Listens on `listen` ("HOST:PORT", IPv4 or a name; port 0 picks a free
 * one) and answers each request with gs_vtn_handle(v) (borrowed), reading
 * bodies up to `max_body` bytes. Nothing is served until the sockets are
 * polled: gs_vtn_http_source() on a pacer, or gs_vtn_http_poll(). Raises
 * the open-file limit as far as allowed (one descriptor per client). The
 * caller owns `*out` (gs_vtn_http_stop). */
gs_err_t gs_vtn_http_start(gs_vtn_t *v, const char *listen, size_t max_body,
                           gs_vtn_http_t **out, gs_errbuf_t *eb);
/* The port listened on. */
int gs_vtn_http_port(const gs_vtn_http_t *h);
/* The pacer source (one epoll descriptor). Valid while `h` is. */
gs_pace_source_t gs_vtn_http_source(gs_vtn_http_t *h);
/* Serves for up to `wait_us` of wall time (tests, draining). */
void gs_vtn_http_poll(gs_vtn_http_t *h, int64_t wait_us);
void gs_vtn_http_stats(const gs_vtn_http_t *h, gs_vtn_http_stats_t *out);
/* Closes the listening socket and every connection; frees `h`. */
void gs_vtn_http_stop(gs_vtn_http_t *h);

/* ---- Webhooks (vtn_notify.c) -------------------------------------------- */

typedef struct gs_vtn_notify gs_vtn_notify_t;

typedef struct gs_vtn_notify_stats {
  uint64_t queued;  /* accepted for sending */
  uint64_t sent;    /* answered 2xx */
  uint64_t failed;  /* refused, timed out or answered otherwise */
  uint64_t dropped; /* not accepted: queue full */
} gs_vtn_notify_stats_t;

/* A sender of at most `max_active` concurrent POSTs with `max_pending`
 * more queued, each given up after `timeout_s`. NULL with detail in `eb`.
 * The caller owns it (gs_vtn_notify_destroy). */
gs_vtn_notify_t *gs_vtn_notify_create(size_t max_pending, size_t max_active,
                                      double timeout_s, gs_errbuf_t *eb);
/* Queues a POST of JSON `body` to `url` (http or https), with the
 * subscriber's `bearer` token if not NULL. All three are copied. Matches
 * gs_vtn_hooks_t.notify (with `ud` the sender). */
void gs_vtn_notify_push(void *ud, const char *url, const char *bearer,
                        const char *body);
gs_pace_source_t gs_vtn_notify_source(gs_vtn_notify_t *n);
/* Nonzero when nothing is queued or in flight (for gs_pace_drain). */
int gs_vtn_notify_idle(void *ud);
void gs_vtn_notify_stats(const gs_vtn_notify_t *n, gs_vtn_notify_stats_t *out);
void gs_vtn_notify_destroy(gs_vtn_notify_t *n);

/* ---- MQTT notifier (vtn_mqtt.c) ---------------------------------------- */

typedef struct gs_vtn_mqtt gs_vtn_mqtt_t;

typedef struct gs_vtn_mqtt_stats {
  uint64_t published; /* handed to the session */
  uint64_t dropped;   /* not sent: broker away (never queued) */
  uint64_t connects, disconnects, failures;
} gs_vtn_mqtt_stats_t;

/* A session to broker `url` ("mqtt://HOST[:PORT]") publishing at `qos`;
 * it connects (and reconnects, back-off 1-30 s) as its pacer source is
 * polled. NULL with detail in `eb`. The caller owns it. */
gs_vtn_mqtt_t *gs_vtn_mqtt_create(const char *url, int qos, gs_errbuf_t *eb);
/* Publishes `payload` on `topic` (copied), or counts it dropped when the
 * broker is away. Matches gs_vtn_hooks_t.publish with `ud` the session. */
void gs_vtn_mqtt_publish(void *ud, const char *topic, const char *payload);
gs_pace_source_t gs_vtn_mqtt_source(gs_vtn_mqtt_t *m);
/* Nonzero once the session is up (for gs_pace_drain). */
int gs_vtn_mqtt_connected(void *ud);
void gs_vtn_mqtt_stats(const gs_vtn_mqtt_t *m, gs_vtn_mqtt_stats_t *out);
/* Disconnects cleanly and frees. */
void gs_vtn_mqtt_destroy(gs_vtn_mqtt_t *m);

#endif /* GRIDSIM_VTN_HTTP_H */
