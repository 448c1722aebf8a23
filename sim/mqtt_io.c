/* SPDX-License-Identifier: MIT */
/* MQTT bridge I/O on the pacer's poll loop, closing, and its summary. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt_priv.h"

static size_t src_max_fds(void *ud) {
  const gs_mqtt_t *m = ud;
  return m->n_sess;
}

/* Retries, connect timeouts and keepalives: every GS__MQTT_SCAN_US. */
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
        now - s->connect_at_us > GS__MQTT_CONNECT_TIMEOUT_US) {
      m->st.connect_failures++;
      s->lost = true;
    }
    if (s->mosq && !s->lost && misc &&
        mosquitto_loop_misc(s->mosq) != MOSQ_ERR_SUCCESS)
      s->lost = true;
    if (s->lost) gs__mqtt_teardown(m, s, now);
    if (s->state == GS__MQTT_DOWN && budget > 0 && now >= s->retry_at_us) {
      gs__mqtt_connect(m, s, now);
      budget--;
      if (budget == 0) m->next_connect = (i + 1) % m->n_sess;
    }
  }
}

static size_t src_fill(void *ud, struct pollfd *fds, size_t cap,
                       int64_t *timeout_us) {
  gs_mqtt_t *m = ud;
  int64_t now = gs_pace_mono_us();
  scan_timers(m, now);
  size_t n = 0;
  for (uint32_t i = 0; i < m->n_sess && n < cap; i++) {
    gs__mqtt_sess_t *s = &m->sess[i];
    if (s->mosq == NULL) continue;
    if (s->lost) { /* lost while publishing: retry later */
      gs__mqtt_teardown(m, s, now);
      continue;
    }
    int fd = mosquitto_socket(s->mosq);
    if (fd < 0) continue;
    fds[n].fd = fd;
    fds[n].events = (short)(POLLIN | (mosquitto_want_write(s->mosq)
                                          ? POLLOUT : 0));
    fds[n].revents = 0;
    m->fd_sess[n++] = i;
  }
  int64_t until_scan = m->next_scan_us - now;
  if (until_scan < *timeout_us) *timeout_us = until_scan > 0 ? until_scan : 0;
  return n;
}

static size_t src_service(void *ud, gs_engine_t *eng, const struct pollfd *fds,
                          size_t n) {
  (void)eng;
  gs_mqtt_t *m = ud;
  uint64_t before = m->st.received + m->st.shadow_deltas;
  for (size_t k = 0; k < n; k++) {
    if (fds[k].revents == 0) continue;
    gs__mqtt_sess_t *s = &m->sess[m->fd_sess[k]];
    if (s->mosq == NULL || s->lost) continue;
    if (fds[k].revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) {
      if (mosquitto_loop_read(s->mosq, 16) != MOSQ_ERR_SUCCESS)
        s->lost = true;
    }
    if (!s->lost && s->mosq && (fds[k].revents & POLLOUT) &&
        mosquitto_loop_write(s->mosq, 16) != MOSQ_ERR_SUCCESS)
      s->lost = true;
  }
  int64_t now = gs_pace_mono_us();
  for (size_t k = 0; k < n; k++) {
    gs__mqtt_sess_t *s = &m->sess[m->fd_sess[k]];
    if (s->lost) gs__mqtt_teardown(m, s, now);
  }
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
    s->pending = 0;
    if (s->mosq == NULL) continue;
    if (s->state == GS__MQTT_UP) {
      /* A clean DISCONNECT: the broker drops the will. */
      mosquitto_disconnect(s->mosq);
      mosquitto_loop_write(s->mosq, 1);
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
      {"disconnects", (double)st.disconnects},
      {"connect_failures", (double)st.connect_failures},
  };
  bool ok = cJSON_AddStringToObject(o, "url", m->url) != NULL;
  for (size_t i = 0; ok && i < sizeof nums / sizeof nums[0]; i++)
    ok = cJSON_AddNumberToObject(o, nums[i].k, nums[i].v) != NULL;
  cJSON *by = ok ? cJSON_AddObjectToObject(o, "sent_by_topic") : NULL;
  for (size_t i = 0; by && i < 4; i++)
    if (cJSON_AddNumberToObject(by, kinds[i], (double)st.sent_by_topic[i]) ==
        NULL)
      by = NULL;
  return by == NULL ? GS_ENOMEM : GS_OK;
}

void gs_mqtt_summary_print(FILE *out, const gs_mqtt_t *m,
                           const gs_pace_t *pace) {
  gs_mqtt_stats_t st;
  gs_mqtt_get_stats(m, &st);
  fprintf(out, "mqtt %s: %u sessions, %llu connects, %llu disconnects, "
          "%llu failed attempts\n", m->url, st.sessions,
          (unsigned long long)st.connects, (unsigned long long)st.disconnects,
          (unsigned long long)st.connect_failures);
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
