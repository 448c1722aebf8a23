/* SPDX-License-Identifier: MIT */
/* MQTT bridge, VEN role: sessions, their callbacks, and the VENs' sink. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mqtt_inbound.h"
#include "mqtt_priv.h"
#include "mqtt_url.h"
#include "pace.h"
#include "scenario_priv.h"

/* "mqtt[s]://HOST[:PORT][/]" into cfg->host / cfg->port (kept when
 * absent; 8883 for mqtts:// unless the scenario names a port) and *tls. */
static gs_err_t parse_url(const char *url, gs_mqtt_cfg_t *cfg, bool *tls,
                          gs_errbuf_t *eb) {
  *tls = strncmp(url, "mqtts://", 8) == 0;
  if (*tls && !cfg->port_given) cfg->port = 8883;
  return gs_mqtt_parse_url("--mqtt", url, cfg->host, sizeof cfg->host,
                           &cfg->port, tls, eb);
}

static void sink_publish(void *ud, uint64_t ven_index, gs_topic_t topic,
                         const char *payload);

gs_err_t gs_mqtt_create(const gs_mqtt_cfg_t *cfg, const char *url,
                        gs_mqtt_t **out, gs_errbuf_t *eb) {
  if (cfg == NULL || url == NULL || out == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_mqtt_create: NULL argument");
  *out = NULL;
  gs_mqtt_t *m = calloc(1, sizeof *m);
  if (m == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "mqtt: out of memory");
  m->cfg = *cfg;
  m->epfd = -1;
  gs_err_t err = parse_url(url, &m->cfg, &m->tls, eb);
  if (err == GS_OK && m->cfg.password_env[0]) {
    /* Read once, here: a variable keeps the secret out of the scenario
     * and so out of the trace, which stores the scenario. */
    const char *pw = getenv(m->cfg.password_env);
    if (pw == NULL || strlen(pw) >= sizeof m->cfg.password)
      err = gs_errbuf_set(eb, GS_EINVAL, "mqtt.password_env: environment "
                          "variable %s is %s", m->cfg.password_env,
                          pw ? "too long (255 bytes at most)" : "not set");
    else
      snprintf(m->cfg.password, sizeof m->cfg.password, "%s", pw);
  }
  if (err == GS_OK && !m->tls && m->cfg.tls.given)
    fprintf(stderr, "gridsim: mqtt: the scenario's mqtt.tls (or --mqtt-ca, "
            "--mqtt-cert) is ignored: %s is plain TCP (mqtts:// for TLS)\n",
            url);
  if (err == GS_OK && m->tls) err = gs__mqtt_tls_init(m, eb);
  if (err != GS_OK) {
    gs_mqtt_destroy(m);
    return err;
  }
  snprintf(m->url, sizeof m->url, "%s://%s:%d", m->tls ? "mqtts" : "mqtt",
           m->cfg.host, m->cfg.port);
  m->sink = (gs_ven_sink_t){.publish = sink_publish, .ud = m};
  *out = m;
  return GS_OK;
}

const gs_ven_sink_t *gs_mqtt_sink(gs_mqtt_t *m) { return &m->sink; }

/* Thousands of sessions need a descriptor each (the socket; new_client
 * spares libmosquitto's socket pair; per-VEN TLS reads two files while
 * connecting): raise the soft limit up to the hard one. */
static void raise_nofile(uint32_t n_sess) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  rlim_t need = (rlim_t)n_sess + 64;
  if (rl.rlim_cur >= need) return;
  /* A privileged process may raise the hard limit too. */
  struct rlimit up = {need, rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need
                                ? rl.rlim_max : need};
  if (setrlimit(RLIMIT_NOFILE, &up) == 0) return;
  rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need
                    ? need : rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < need)
    fprintf(stderr, "gridsim: mqtt: open-file limit %llu is below the %llu "
            "that %u sessions need; the rest will keep retrying\n",
            (unsigned long long)rl.rlim_cur, (unsigned long long)need,
            n_sess);
}

gs_err_t gs_mqtt_start(gs_mqtt_t *m, gs_world_t *w, gs_pace_t *pace,
                       gs_errbuf_t *eb) {
  if (m == NULL || w == NULL || pace == NULL || m->sess != NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_mqtt_start: bad arguments");
  if (w->n_vens > UINT32_MAX / 4)
    return gs_errbuf_set(eb, GS_ERANGE, "mqtt: too many VENs for sessions");
  m->world = w;
  m->pace = pace;
  m->n_sess = (uint32_t)w->n_vens;
  gs_err_t err = gs_mqtt_check(m, w, eb);
  if (err != GS_OK) return err;
  m->sess = calloc(m->n_sess ? m->n_sess : 1, sizeof *m->sess);
  m->lost_q = calloc(m->n_sess ? m->n_sess : 1, sizeof *m->lost_q);
  if (m->sess == NULL || m->lost_q == NULL)
    return gs_errbuf_set(eb, GS_ENOMEM, "mqtt: out of memory for %u "
                         "sessions", m->n_sess);
  m->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (m->epfd < 0)
    return gs_errbuf_set(eb, GS_EIO, "mqtt: epoll_create1: %s",
                         strerror(errno));
  char topic[GS__MQTT_TOPIC_MAX];
  for (uint32_t i = 0; i < m->n_sess; i++) {
    gs__mqtt_sess_t *s = &m->sess[i];
    s->br = m;
    s->index = i;
    s->fd = -1;
    s->backoff_s = GS__MQTT_BACKOFF_MIN_S;
    gs_world_ven_id(w, i, s->id, sizeof s->id);
    gs_rng_init(&s->rng, w->scenario->seed, gs_rng_key(s->id, 0, 0),
                GS_RNG_USER + 7);
    /* Every template must fit with this VEN's id: fail now, not mid-run. */
    for (size_t t = 0; t < GS_MQTT_T_COUNT; t++)
      if (!gs_mqtt_topic_expand(m->cfg.topics[t], s->id, topic, sizeof topic))
        return gs_errbuf_set(eb, GS_ERANGE, "mqtt.topics.%s: topic too long "
                             "for VEN %s", gs_mqtt_topic_keys[t], s->id);
  }
  m->st.sessions = m->n_sess;
  if (mosquitto_lib_init() != MOSQ_ERR_SUCCESS)
    return gs_errbuf_set(eb, GS_EIO, "mqtt: libmosquitto failed to start");
  m->lib_init = true;
  raise_nofile(m->n_sess);
  gs_pace_source_t src = gs__mqtt_source(m);
  return gs_pace_add_source(pace, &src) == GS_OK
             ? GS_OK
             : gs_errbuf_set(eb, GS_ENOMEM, "mqtt: out of memory");
}

/* Unix seconds of the simulated clock, as the VENs stamp messages. */
static int64_t sim_unix_s(const gs_mqtt_t *m) {
  return m->world->scenario->start_unix_s +
         gs_engine_now(m->world->engine) / GS_US_PER_S;
}

static void on_connect(struct mosquitto *mosq, void *ud, int rc) {
  gs__mqtt_sess_t *s = ud;
  gs_mqtt_t *m = s->br;
  if (rc != 0) { /* refused (bad id, not authorised, ...) */
    gs__mqtt_lost(m, s, mosquitto_connack_string(rc));
    return;
  }
  s->state = GS__MQTT_UP;
  /* The log is wanted for why a connection fails; once up, libmosquitto
   * would format a debug line for every packet of 10,000 sessions. */
  mosquitto_log_callback_set(mosq, NULL);
  s->backoff_s = GS__MQTT_BACKOFF_MIN_S;
  m->st.connects++;
  if (s->was_up) m->st.reconnects++;
  s->was_up = true;
  m->st.connected++;
  char topic[GS__MQTT_TOPIC_MAX];
  /* Right after CONNACK, as the contract asks: commands and deltas. */
  gs_mqtt_topic_expand(m->cfg.topics[GS_MQTT_T_CMD], s->id, topic,
                       sizeof topic);
  mosquitto_subscribe(mosq, NULL, topic, 1);
  if (m->cfg.topics[GS_MQTT_T_SHADOW_DELTA][0]) {
    gs_mqtt_topic_expand(m->cfg.topics[GS_MQTT_T_SHADOW_DELTA], s->id, topic,
                         sizeof topic);
    mosquitto_subscribe(mosq, NULL, topic, 1);
  }
  if (m->cfg.topics[GS_MQTT_T_SHADOW_GET][0]) {
    gs_mqtt_topic_expand(m->cfg.topics[GS_MQTT_T_SHADOW_GET], s->id, topic,
                         sizeof topic);
    mosquitto_publish(mosq, &s->get_mid, topic, 0, NULL, 0, false);
  }
}

static void on_disconnect(struct mosquitto *mosq, void *ud, int rc) {
  (void)mosq;
  gs__mqtt_sess_t *s = ud;
  gs__mqtt_lost(s->br, s, rc ? NULL : "disconnected");
}

/* libmosquitto says why TLS failed (OpenSSL's text) only in its log. */
static void on_log(struct mosquitto *mosq, void *ud, int level,
                   const char *text) {
  (void)mosq;
  gs__mqtt_sess_t *s = ud;
  if (level == MOSQ_LOG_ERR && text != NULL)
    snprintf(s->br->why, sizeof s->br->why, "%s", text);
}

static void on_publish(struct mosquitto *mosq, void *ud, int mid) {
  (void)mosq;
  gs__mqtt_sess_t *s = ud;
  if (mid == s->get_mid) return;
  if (s->pending > 0) {
    s->pending--;
    s->br->pending_total--;
    s->br->st.acked++;
  }
}

static void on_message(struct mosquitto *mosq, void *ud,
                       const struct mosquitto_message *msg) {
  (void)mosq;
  gs__mqtt_sess_t *s = ud;
  gs_mqtt_t *m = s->br;
  if (m->closing) return;
  const char *payload = msg->payload ? (const char *)msg->payload : "";
  size_t len = msg->payload ? (size_t)msg->payloadlen : 0;
  /* Recorded and taken by the code a replay runs (mqtt_inbound.c). */
  gs_mqtt_take_stats_t ts = {.received = m->st.received,
                             .shadow_deltas = m->st.shadow_deltas,
                             .delta_seq = m->delta_seq};
  gs__mqtt_ven_take(m->world, &m->cfg, s->index, msg->topic, payload, len,
                    &ts);
  m->st.received = ts.received;
  m->st.shadow_deltas = ts.shadow_deltas;
  m->delta_seq = ts.delta_seq;
}

/* mosquitto_new opens a socket pair per client, only to wake a select()
 * in another thread; on this single-threaded loop it is never read, and
 * its two descriptors per session would cap a 20,000-file limit at 6,600
 * sessions. libmosquitto tolerates failing to open it (the client then
 * works without, as documented in its log warning), so it is made to
 * fail: for the call, the soft limit stands at the lowest free
 * descriptor. gridsim opens no files in other threads meanwhile. */
static struct mosquitto *new_client(const char *id, void *ud) {
  struct rlimit rl;
  int lowest = open("/dev/null", O_RDONLY | O_CLOEXEC);
  bool lowered = false;
  if (lowest >= 0) {
    close(lowest);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
      struct rlimit low = {(rlim_t)lowest, rl.rlim_max};
      lowered = setrlimit(RLIMIT_NOFILE, &low) == 0;
    }
  }
  struct mosquitto *mosq = mosquitto_new(id, true, ud);
  int saved = errno;
  if (lowered) setrlimit(RLIMIT_NOFILE, &rl);
  errno = saved;
  return mosq;
}

void gs__mqtt_connect(gs_mqtt_t *m, gs__mqtt_sess_t *s, int64_t now_us) {
  s->lost = false;
  s->pending = 0;
  s->get_mid = -1;
  s->connect_at_us = now_us;
  /* A failure from here on is a failed attempt (counted at teardown). */
  s->state = GS__MQTT_CONNECTING;
  m->why[0] = '\0';
  s->mosq = new_client(s->id, s);
  if (s->mosq == NULL) {
    snprintf(m->why, sizeof m->why, "mosquitto_new: %s", strerror(errno));
    goto fail;
  }
  mosquitto_int_option(s->mosq, MOSQ_OPT_PROTOCOL_VERSION,
                       MQTT_PROTOCOL_V311);
  /* Without it Nagle and delayed ACKs add ~40 ms to every ack. */
  mosquitto_int_option(s->mosq, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_threaded_set(s->mosq, false);
  mosquitto_connect_callback_set(s->mosq, on_connect);
  mosquitto_disconnect_callback_set(s->mosq, on_disconnect);
  mosquitto_publish_callback_set(s->mosq, on_publish);
  mosquitto_message_callback_set(s->mosq, on_message);
  mosquitto_log_callback_set(s->mosq, on_log);
  if (gs__mqtt_auth_apply(m, s) != GS_OK) goto fail;
  if (m->cfg.topics[GS_MQTT_T_WILL][0]) {
    char topic[GS__MQTT_TOPIC_MAX], will[256];
    gs_mqtt_topic_expand(m->cfg.topics[GS_MQTT_T_WILL], s->id, topic,
                         sizeof topic);
    int n = snprintf(will, sizeof will,
                     "{\"ven\":\"offline\",\"venId\":\"%s\",\"ts\":%lld}",
                     s->id, (long long)sim_unix_s(m));
    if (mosquitto_will_set(s->mosq, topic, n, will, 0, false) !=
        MOSQ_ERR_SUCCESS) {
      snprintf(m->why, sizeof m->why, "cannot set the last will");
      goto fail;
    }
  }
  /* Asynchronous: a broker that does not answer must not hold the run. */
  int rc = mosquitto_connect_async(s->mosq, m->cfg.host, m->cfg.port,
                                   m->cfg.keepalive_s);
  if (rc != MOSQ_ERR_SUCCESS) {
    if (m->why[0] == '\0')
      snprintf(m->why, sizeof m->why, "%s", rc == MOSQ_ERR_ERRNO
                                             ? strerror(errno)
                                             : mosquitto_strerror(rc));
    goto fail;
  }
  gs__mqtt_sync(m, s);
  return;
fail:
  gs__mqtt_teardown(m, s, now_us);
}

void gs__mqtt_teardown(gs_mqtt_t *m, gs__mqtt_sess_t *s, int64_t now_us) {
  if (s->state == GS__MQTT_UP) {
    m->st.disconnects++;
    m->st.connected--;
  } else if (s->state == GS__MQTT_CONNECTING) {
    m->st.connect_failures++;
    if (!s->reported) gs__mqtt_report_failure(m, s);
  }
  s->reported = false;
  /* Clean sessions: what the broker had not acknowledged is gone. */
  m->st.dropped += s->pending;
  m->pending_total -= s->pending;
  s->pending = 0;
  /* Closing the socket takes it out of the epoll set. */
  if (s->mosq) mosquitto_destroy(s->mosq);
  s->mosq = NULL;
  s->fd = -1;
  s->ev = 0;
  s->state = GS__MQTT_DOWN;
  s->lost = false;
  /* Jitter spreads thousands of sessions' retries after a restart. */
  double delay_s = s->backoff_s * (0.5 + 0.5 * gs_rng_uniform(&s->rng));
  s->retry_at_us = now_us + (int64_t)(delay_s * 1e6);
  s->backoff_s = s->backoff_s * 2 > GS__MQTT_BACKOFF_MAX_S
                     ? GS__MQTT_BACKOFF_MAX_S : s->backoff_s * 2;
}

/* Publishes one copy; counts it sent, dropped and late. */
static void publish_one(gs_mqtt_t *m, gs__mqtt_sess_t *s, gs_topic_t kind,
                        const char *topic, const char *payload, size_t len) {
  if (s->state != GS__MQTT_UP || s->lost || s->mosq == NULL ||
      s->pending >= m->cfg.max_pending ||
      m->pending_total >= m->cfg.max_pending_total) {
    m->st.dropped++;
    return;
  }
  /* Counted first: a QoS 0 publication can be acknowledged (written) from
   * inside mosquitto_publish. */
  s->pending++;
  m->pending_total++;
  int rc = mosquitto_publish(s->mosq, NULL, topic, (int)len, payload,
                             m->cfg.qos, false);
  if (rc != MOSQ_ERR_SUCCESS) {
    if (s->pending > 0) {
      s->pending--;
      m->pending_total--;
    }
    m->st.dropped++;
    if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST ||
        rc == MOSQ_ERR_ERRNO)
      gs__mqtt_lost(m, s, mosquitto_strerror(rc));
    return;
  }
  /* A write the socket did not take whole waits for POLLOUT. */
  if (!(s->ev & EPOLLOUT)) gs__mqtt_sync(m, s);
  m->st.sent++;
  m->st.sent_by_topic[kind]++;
  if (gs_pace_lag_us(m->pace, gs_engine_now(m->world->engine)) >
      m->cfg.late_us)
    m->st.late++;
}

static void sink_publish(void *ud, uint64_t ven_index, gs_topic_t kind,
                         const char *payload) {
  gs_mqtt_t *m = ud;
  if (m->sess == NULL || ven_index >= m->n_sess || m->closing) return;
  gs__mqtt_sess_t *s = &m->sess[ven_index];
  size_t len = strlen(payload);
  gs_mqtt_topic_t t[3] = {GS_MQTT_T_COUNT, GS_MQTT_T_COUNT, GS_MQTT_T_COUNT};
  switch (kind) {
  case GS_TOPIC_ACK:
    if (strstr(payload, "\"correlationId\":\"" GS__MQTT_DELTA_CORR)) return;
    t[0] = GS_MQTT_T_ACK;
    break;
  case GS_TOPIC_TELEMETRY:
    t[0] = GS_MQTT_T_METERING;
    t[1] = GS_MQTT_T_TELEMETRY;
    t[2] = GS_MQTT_T_METER_ALIAS;
    break;
  case GS_TOPIC_LOADS:
    t[0] = GS_MQTT_T_LOADS;
    break;
  case GS_TOPIC_SHADOW:
    t[0] = GS_MQTT_T_SHADOW;
    break;
  }
  char topic[GS__MQTT_TOPIC_MAX];
  for (int i = 0; i < 3 && t[i] != GS_MQTT_T_COUNT; i++) {
    if (m->cfg.topics[t[i]][0] == '\0') continue; /* turned off */
    gs_mqtt_topic_expand(m->cfg.topics[t[i]], s->id, topic, sizeof topic);
    publish_one(m, s, kind, topic, payload, len);
  }
}

void gs_mqtt_get_stats(const gs_mqtt_t *m, gs_mqtt_stats_t *out) {
  *out = m->st;
  /* Lost at close, plus what is in flight now (a running count: the
   * trace reads it every output interval, sessions may be 10,000). */
  out->unacked = m->st.unacked + m->pending_total;
}

void gs_mqtt_destroy(gs_mqtt_t *m) {
  if (m == NULL) return;
  for (uint32_t i = 0; m->sess && i < m->n_sess; i++)
    if (m->sess[i].mosq) mosquitto_destroy(m->sess[i].mosq);
  gs__mqtt_tls_free(m);
  if (m->epfd >= 0) close(m->epfd);
  if (m->lib_init) mosquitto_lib_cleanup();
  free(m->sess);
  free(m->lost_q);
  free(m);
}
