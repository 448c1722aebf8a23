/* SPDX-License-Identifier: MIT */
/* The OpenADR 3 bridge, VEN role: every simulated VEN is a VEN of a real VTN. */
#ifndef GRIDSIM_OADR_VEN_H
#define GRIDSIM_OADR_VEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "gridsim/error.h"
#include "oadr_cfg.h"
#include "pace.h"
#include "world.h"

typedef struct gs_oadr gs_oadr_t;

/* Counters of a bridge (summary JSON "oadr", trace /oadr). */
typedef struct gs_oadr_stats {
  uint64_t requests;       /* HTTP requests made (retries included) */
  uint64_t retries;        /* requests repeated after a failure */
  uint64_t status_2xx, status_4xx, status_5xx;
  uint64_t transport_errors; /* refused, timed out, reset, too large */
  uint64_t unauthorized;   /* 401 answers (each leads to a new token) */
  uint64_t token_fetches;  /* tokens obtained */
  uint64_t bad_payloads;   /* answers or notifications that did not parse */
  uint64_t polls;            /* GET /events pages answered (2xx) */
  uint64_t polls_steady;     /* ... of them once every VEN was enrolled */
  double enroll_s;           /* wall s from the start until every VEN was
                                enrolled; < 0 while some are not */
  uint64_t events_received;  /* event objects taken (poll or webhook) */
  uint64_t events_applied;   /* ... new or changed: sent to the VEN */
  uint64_t events_deleted;
  uint64_t notifications;    /* webhook callbacks received */
  uint64_t reports_built;    /* reports the VENs produced */
  uint64_t reports_sent;     /* ... accepted by the VTN (2xx) */
  uint64_t reports_dropped;  /* queue full, refused (4xx) or unsent at close */
  uint64_t reports_rejected; /* ... of which the VTN refused (4xx) */
  uint32_t report_queue_max; /* most reports one VEN held at once */
  uint32_t vens, enrolled, subscribed;
} gs_oadr_stats_t;

/* Creates a bridge to the VTN at `url` ("http://HOST:PORT[/base]", the
 * base of the API paths), speaking `cfg` (copied). `client_id` and
 * `client_secret` (copied; NULL for none) are the OAuth2 client
 * credentials every simulated VEN uses; without them requests carry no
 * token. GS_EINVAL with detail for a malformed URL. The caller owns it. */
gs_err_t gs_oadr_create(const gs_oadr_cfg_t *cfg, const char *url,
                        const char *client_id, const char *client_secret,
                        gs_oadr_t **out, gs_errbuf_t *eb);

/* The sink to build the world with: the VENs' MQTT-contract payloads
 * (telemetry, acks) are not sent anywhere, but a sink makes the VENs keep
 * the rolling baseline checkpoints that wire events read. */
const gs_ven_sink_t *gs_oadr_sink(gs_oadr_t *b);

/* Starts the VEN role for every VEN of `w` (borrowed; built with the
 * sink): adds the bridge's probe entity to the engine (it samples the
 * meters at report interval boundaries), opens the webhook receiver on a
 * loopback port and registers the sockets with `pace` (borrowed). */
gs_err_t gs_oadr_start(gs_oadr_t *b, gs_world_t *w, gs_pace_t *pace,
                       gs_errbuf_t *eb);

/* After the run: up to `wait_s` of wall time to send the reports still
 * queued; what is left is counted dropped. */
void gs_oadr_close(gs_oadr_t *b, gs_engine_t *eng, double wait_s);

void gs_oadr_get_stats(const gs_oadr_t *b, gs_oadr_stats_t *out);

/* Latencies in a bounded histogram: 50 logarithmic buckets per decade
 * from 1 us to 10^4 s, so a quantile is within 5 % however long the run
 * (a day of 10,000 VENs polling makes ~10^8 samples). */
#define GS_OADR_HIST_BUCKETS 500
typedef struct gs_oadr_hist {
  uint64_t n;
  double max_ms;
  uint64_t count[GS_OADR_HIST_BUCKETS];
} gs_oadr_hist_t;

void gs_oadr_hist_add(gs_oadr_hist_t *h, double ms);
/* Quantile `q` (0..1) in ms: the geometric middle of its bucket (q = 1:
 * the exact largest); NaN without samples. */
double gs_oadr_hist_quantile(const gs_oadr_hist_t *h, double q);

/* Report latency (VEN's report due -> VTN's 2xx) and request latency
 * quantile `q` (0..1) in ms; NaN without samples. */
double gs_oadr_report_latency_ms(const gs_oadr_t *b, double q);
double gs_oadr_request_latency_ms(const gs_oadr_t *b, double q);

/* Adds "oadr": {...} (README, "OpenADR 3 VEN") to `summary`. */
gs_err_t gs_oadr_summary_fill(const gs_oadr_t *b, cJSON *summary);
void gs_oadr_summary_print(FILE *out, const gs_oadr_t *b);

/* Writes /oadr into the open trace `t` (call before gs_trace_close): the
 * inbound payloads with their arrival times (to replay the run), the
 * reports and the counters. GS_EIO on a write error. */
struct gs_trace;
gs_err_t gs_oadr_trace_write(const gs_oadr_t *b, struct gs_trace *t,
                             gs_errbuf_t *eb);

void gs_oadr_destroy(gs_oadr_t *b);

/* The retry delay after `attempt` failures (0 = the first retry):
 * min(max, min * 2^attempt) scaled by (0.5 + 0.5 u), u in [0, 1) a draw
 * of the VEN's own stream (the jitter). */
int64_t gs_oadr_backoff_us(const gs_oadr_cfg_t *cfg, uint32_t attempt,
                           double u);

/* One report value from a VEN's meter over an interval of `duration_us`:
 * USAGE (energy e1 - e0, mW s, as KWH, WH or MWH), DEMAND (its mean power:
 * KW, W, MW), BASELINE (`baseline_mw` as power, or as energy over the
 * interval), LOAD_SHED_DELTA_AVAILABLE (`capability_mw`, the shed the VEN
 * could make: KW, W, MW). `units` "" takes the default (KWH for USAGE, KW
 * else). false for a type or units it cannot produce. */
bool gs_oadr_report_value(const char *type, const char *units, int64_t e0_mws,
                          int64_t e1_mws, int64_t duration_us,
                          int64_t baseline_mw, int64_t capability_mw,
                          double *out);

#endif /* GRIDSIM_OADR_VEN_H */
