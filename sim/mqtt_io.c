/* SPDX-License-Identifier: MIT */
/* MQTT bridge I/O on the pacer's poll loop, closing, and its summary. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "mqtt_priv.h"
#include "trace.h"

/* Events taken from the epoll set per service call; the rest stay ready
 * (level-triggered) for the next one. */
#define GS__MQTT_EVENTS 1024
/* Reads of what TLS already decrypted, per session and service call. */
#define GS__MQTT_TLS_READS 64

void gs__mqtt_lost(gs_mqtt_t *m, gs__mqtt_sess_t *s, const char *why) {
  /* The first reason is the cause (a refusal, then the closed socket). */
  if (s->lost) return;
  if (why != NULL)
    snprintf(m->why, sizeof m->why, "%s", why);
  else if (m->why[0] == '\0')
    snprintf(m->why, sizeof m->why, "connection lost");
  /* m->why is the bridge's, and the next session served clears it before
   * this one is torn down: a failed attempt is reported now, with its own
   * reason. */
  if (s->state == GS__MQTT_CONNECTING && !s->reported) {
    gs__mqtt_report_failure(m, s);
    s->reported = true;
  }
  s->lost = true;
  if (!s->queued) {
    s->queued = true;
    m->lost_q[m->n_lost++] = s->index;
  }
}

void gs__mqtt_sync(gs_mqtt_t *m, gs__mqtt_sess_t *s) {
  if (s->mosq == NULL || s->lost) return;
  int fd = mosquitto_socket(s->mosq);
  if (fd < 0) { /* closed by libmosquitto: the kernel dropped it */
    s->fd = -1;
    s->ev = 0;
    return;
  }
  uint32_t ev = EPOLLIN | (mosquitto_want_write(s->mosq) ? EPOLLOUT : 0u);
  if (fd == s->fd && ev == s->ev) return;
  struct epoll_event e = {.events = ev, .data.u32 = s->index};
  int rc = epoll_ctl(m->epfd, fd == s->fd ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
                     fd, &e);
  if (rc != 0 && errno == EEXIST) /* a new socket under the same number */
    rc = epoll_ctl(m->epfd, EPOLL_CTL_MOD, fd, &e);
  if (rc != 0) {
    gs__mqtt_lost(m, s, "epoll_ctl failed");
    return;
  }
  s->fd = fd;
  s->ev = ev;
}

static void drain_lost(gs_mqtt_t *m, int64_t now) {
  for (uint32_t k = 0; k < m->n_lost; k++) {
    gs__mqtt_sess_t *s = &m->sess[m->lost_q[k]];
    s->queued = false;
    if (s->lost) gs__mqtt_teardown(m, s, now);
  }
  m->n_lost = 0;
}

static size_t src_max_fds(void *ud) {
  (void)ud;
  return 1;
}

/* Retries, connect timeouts and keepalives: every GS__MQTT_SCAN_US (a
 * pass over all sessions, ten times a second, not once per poll). */
static void scan_timers(gs_mqtt_t *m, int64_t now) {
  if (now < m->next_scan_us) return;
  m->next_scan_us = now + GS__MQTT_SCAN_US;
  bool misc = now >= m->next_misc_us;
  if (misc) m->next_misc_us = now + GS__MQTT_MISC_US;
  uint32_t budget = m->closing ? 0 : GS__MQTT_CONNECTS_PER_SCAN;
  for (uint32_t k = 0; k < m->n_sess; k++) {
    /* Round robin, so a connect budget never starves the last VENs. */
    uint32_t i = (m->next_connect + k) % m->n_sess;
    gs__mqtt_sess_t *s = &m->sess[i];
    if (s->mosq && !s->lost && s->state == GS__MQTT_CONNECTING &&
        now - s->connect_at_us > GS__MQTT_CONNECT_TIMEOUT_US)
      gs__mqtt_lost(m, s, "no CONNACK within 10 s");
    if (s->mosq && !s->lost && misc) {
      if (mosquitto_loop_misc(s->mosq) != MOSQ_ERR_SUCCESS)
        gs__mqtt_lost(m, s, "keepalive: no answer from the broker");
      else
        gs__mqtt_sync(m, s);
    }
    if (s->lost) gs__mqtt_teardown(m, s, now);
    if (s->state == GS__MQTT_DOWN && budget > 0 && now >= s->retry_at_us) {
      gs__mqtt_connect(m, s, now);
      budget--;
      if (budget == 0) m->next_connect = (i + 1) % m->n_sess;
    }
  }
  /* Torn down above or queued again by a connect that failed at once. */
  drain_lost(m, now);
}

static size_t src_fill(void *ud, struct pollfd *fds, size_t cap,
                       int64_t *timeout_us) {
  gs_mqtt_t *m = ud;
  int64_t now = gs_pace_mono_us();
  drain_lost(m, now); /* lost while publishing: retry later */
  scan_timers(m, now);
  int64_t until_scan = m->next_scan_us - now;
  if (until_scan < *timeout_us) *timeout_us = until_scan > 0 ? until_scan : 0;
  if (cap == 0) return 0;
  fds[0] = (struct pollfd){.fd = m->epfd, .events = POLLIN, .revents = 0};
  return 1;
}

/* Reads and writes for the sessions epoll reports ready. */
static void service_ready(gs_mqtt_t *m) {
  struct epoll_event ev[GS__MQTT_EVENTS];
  int n = epoll_wait(m->epfd, ev, GS__MQTT_EVENTS, 0);
  for (int k = 0; k < n; k++) {
    uint32_t i = ev[k].data.u32;
    if (i >= m->n_sess) continue;
    gs__mqtt_sess_t *s = &m->sess[i];
    if (s->mosq == NULL || s->lost) continue;
    uint32_t e = ev[k].events;
    /* libmosquitto logs why TLS failed (OpenSSL's text) into m->why
     * before returning a bare MOSQ_ERR_TLS: prefer that text. */
    m->why[0] = '\0';
    if (e & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
      int rc = mosquitto_loop_read(s->mosq, 16);
      /* Records TLS decrypted beyond the packet read are not on the
       * socket any more: poll would not report them. */
      for (int r = 0; rc == MOSQ_ERR_SUCCESS && m->tls &&
                      r < GS__MQTT_TLS_READS &&
                      gs__mqtt_tls_read_pending(s) > 0;
           r++)
        rc = mosquitto_loop_read(s->mosq, 16);
      if (rc != MOSQ_ERR_SUCCESS)
        gs__mqtt_lost(m, s, m->why[0]               ? NULL
                            : rc == MOSQ_ERR_ERRNO ? strerror(errno)
                                                   : mosquitto_strerror(rc));
    }
    if (!s->lost && s->mosq && (e & EPOLLOUT)) {
      int rc = mosquitto_loop_write(s->mosq, 16);
      if (rc != MOSQ_ERR_SUCCESS)
        gs__mqtt_lost(m, s, m->why[0]               ? NULL
                            : rc == MOSQ_ERR_ERRNO ? strerror(errno)
                                                   : mosquitto_strerror(rc));
    }
    gs__mqtt_sync(m, s);
  }
}

static size_t src_service(void *ud, gs_engine_t *eng, const struct pollfd *fds,
                          size_t n) {
  (void)eng;
  gs_mqtt_t *m = ud;
  uint64_t before = m->st.received + m->st.shadow_deltas;
  if (n > 0 && fds[0].revents != 0) service_ready(m);
  int64_t now = gs_pace_mono_us();
  drain_lost(m, now);
  scan_timers(m, now);
  return (size_t)(m->st.received + m->st.shadow_deltas - before);
}

gs_pace_source_t gs__mqtt_source(gs_mqtt_t *m) {
  return (gs_pace_source_t){.max_fds = src_max_fds,
                            .fill = src_fill,
                            .service = src_service,
                            .ud = m};
}

static int all_acked(void *ud) {
  const gs_mqtt_t *m = ud;
  for (uint32_t i = 0; i < m->n_sess; i++)
    if (m->sess[i].pending > 0 && m->sess[i].state == GS__MQTT_UP) return 0;
  return 1;
}

void gs_mqtt_close(gs_mqtt_t *m, gs_engine_t *eng, double wait_s) {
  if (m == NULL || m->sess == NULL) return;
  m->closing = true;
  gs_pace_drain(m->pace, eng, (int64_t)(wait_s * 1e6), all_acked, m);
  for (uint32_t i = 0; i < m->n_sess; i++) {
    gs__mqtt_sess_t *s = &m->sess[i];
    m->st.unacked += s->pending;
    m->pending_total -= s->pending;
    s->pending = 0;
    if (s->mosq == NULL) continue;
    if (s->state == GS__MQTT_UP) {
      /* A clean DISCONNECT: the broker drops the will. */
      if (!s->lost) {
        mosquitto_disconnect(s->mosq);
        mosquitto_loop_write(s->mosq, 1);
      }
      m->st.connected--;
    }
    mosquitto_destroy(s->mosq);
    s->mosq = NULL;
    s->state = GS__MQTT_DOWN;
  }
}

gs_err_t gs_mqtt_summary_fill(const gs_mqtt_t *m, cJSON *summary) {
  gs_mqtt_stats_t st;
  gs_mqtt_get_stats(m, &st);
  cJSON *o = cJSON_AddObjectToObject(summary, "mqtt");
  if (o == NULL) return GS_ENOMEM;
  static const char *const kinds[4] = {"ack", "telemetry", "loads", "shadow"};
  struct { const char *k; double v; } nums[] = {
      {"sessions", st.sessions}, {"connected", st.connected},
      {"sent", (double)st.sent}, {"acked", (double)st.acked},
      {"dropped", (double)st.dropped}, {"late", (double)st.late},
      {"unacked", (double)st.unacked}, {"received", (double)st.received},
      {"shadow_deltas", (double)st.shadow_deltas},
      {"connects", (double)st.connects},
      {"reconnects", (double)st.reconnects},
      {"disconnects", (double)st.disconnects},
      {"connect_failures", (double)st.connect_failures},
  };
  bool ok = cJSON_AddStringToObject(o, "url", m->url) != NULL &&
            cJSON_AddBoolToObject(o, "tls", m->tls) != NULL &&
            (m->last_error[0] == '\0' ||
             cJSON_AddStringToObject(o, "last_error", m->last_error) != NULL);
  for (size_t i = 0; ok && i < sizeof nums / sizeof nums[0]; i++)
    ok = cJSON_AddNumberToObject(o, nums[i].k, nums[i].v) != NULL;
  cJSON *by = ok ? cJSON_AddObjectToObject(o, "sent_by_topic") : NULL;
  for (size_t i = 0; by && i < 4; i++)
    if (cJSON_AddNumberToObject(by, kinds[i], (double)st.sent_by_topic[i]) ==
        NULL)
      by = NULL;
  return by == NULL ? GS_ENOMEM : GS_OK;
}

/* /mqtt/counts in the trace: the counters, in this order. */
static const char *const trace_names[] = {
    "sent",    "acked",      "dropped",     "late",
    "unacked", "received",   "connects",    "reconnects",
    "disconnects", "connect_failures", "connected"};
static const char *const trace_docs[] = {
    "publications handed to a connected session, since the start",
    "publications acknowledged by the broker (PUBACK; QoS 0: written)",
    "publications not sent (session down, buffer full) or lost "
    "unacknowledged with their connection",
    "publications sent while the run lagged the wall clock by more than "
    "mqtt.late_ms",
    "publications sent and not yet acknowledged at this instant",
    "commands taken from the broker",
    "connections accepted by the broker (CONNACK)",
    "connections of sessions that had been connected before",
    "established connections lost",
    "connection attempts refused, failed (TLS, TCP) or timed out",
    "sessions connected at this instant"};

static void trace_read(void *ud, uint64_t *v) {
  gs_mqtt_stats_t st;
  gs_mqtt_get_stats(ud, &st);
  uint64_t vals[] = {st.sent,     st.acked,       st.dropped,
                     st.late,     st.unacked,     st.received,
                     st.connects, st.reconnects,  st.disconnects,
                     st.connect_failures, st.connected};
  memcpy(v, vals, sizeof vals);
}

gs_err_t gs_mqtt_trace_add(gs_mqtt_t *m, gs_trace_t *t, gs_errbuf_t *eb) {
  _Static_assert(sizeof trace_names / sizeof trace_names[0] ==
                     sizeof trace_docs / sizeof trace_docs[0],
                 "one description per counter");
  gs_trace_counters_t c = {.group = "mqtt/counts",
                           .names = trace_names,
                           .descriptions = trace_docs,
                           .count = sizeof trace_names / sizeof *trace_names,
                           .read = trace_read,
                           .ud = m};
  return gs_trace_add_counters(t, &c, eb);
}

void gs_mqtt_summary_print(FILE *out, const gs_mqtt_t *m,
                           const gs_pace_t *pace) {
  gs_mqtt_stats_t st;
  gs_mqtt_get_stats(m, &st);
  fprintf(out, "mqtt %s: %u sessions, %llu connects (%llu reconnects), "
          "%llu disconnects, %llu failed attempts\n", m->url, st.sessions,
          (unsigned long long)st.connects, (unsigned long long)st.reconnects,
          (unsigned long long)st.disconnects,
          (unsigned long long)st.connect_failures);
  if (m->last_error[0])
    fprintf(out, "  last connection failure: %s\n", m->last_error);
  fprintf(out, "  messages: %llu sent, %llu acked, %llu dropped, %llu late, "
          "%llu unacked; %llu commands received\n",
          (unsigned long long)st.sent, (unsigned long long)st.acked,
          (unsigned long long)st.dropped, (unsigned long long)st.late,
          (unsigned long long)st.unacked, (unsigned long long)st.received);
  if (pace != NULL) {
    gs_pace_stats_t ps;
    gs_pace_stats(pace, &ps);
    fprintf(out, "  paced at %g x wall clock, largest lag %.1f ms\n",
            ps.factor, (double)ps.max_lag_us / 1e3);
  }
}
