/* SPDX-License-Identifier: MIT */
/* The VTN's MQTT notifier: one libmosquitto session publishing notifications,
 * driven from the pacer's poll loop, reconnecting with back-off. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mosquitto.h>

#include "mqtt_url.h"
#include "vtn_http.h"

/* Keepalive and timers are looked at this often while idle. */
#define GS__VTN_MQTT_TICK_US 500000
#define GS__VTN_MQTT_BACKOFF_MAX_US 30000000

struct gs_vtn_mqtt {
  struct mosquitto *mosq;
  char host[256];
  int port, qos;
  bool connected, lost, lib_init, tried;
  int64_t next_tick_us, retry_at_us, backoff_us;
  gs_vtn_mqtt_stats_t st;
};

static void on_connect(struct mosquitto *mosq, void *ud, int rc) {
  gs_vtn_mqtt_t *m = ud;
  (void)mosq;
  if (rc == 0) {
    m->connected = true;
    m->backoff_us = 0;
    m->st.connects++;
  }
}

static void on_disconnect(struct mosquitto *mosq, void *ud, int rc) {
  gs_vtn_mqtt_t *m = ud;
  (void)mosq;
  (void)rc;
  if (m->connected) m->st.disconnects++;
  m->connected = false;
  m->lost = true;
}

/* "mqtt://HOST[:PORT]" of the config's mqtt.url; a host is required. */
static gs_err_t parse_url(gs_vtn_mqtt_t *m, const char *url, gs_errbuf_t *eb) {
  m->host[0] = '\0';
  m->port = 1883;
  gs_err_t err = gs_mqtt_parse_url("mqtt.url", url, m->host, sizeof m->host,
                                   &m->port, NULL, eb);
  if (err == GS_OK && m->host[0] == '\0')
    err = gs_errbuf_set(eb, GS_EINVAL, "mqtt.url: expected "
                        "mqtt://HOST[:PORT] with a host, found '%s'", url);
  return err;
}

/* Starts a (re)connection; on failure the next try is after the back-off. */
static void connect_now(gs_vtn_mqtt_t *m, int64_t now) {
  m->lost = false;
  int rc = !m->tried
               ? mosquitto_connect_async(m->mosq, m->host, m->port, 30)
               : mosquitto_reconnect_async(m->mosq);
  m->tried = true;
  if (rc != MOSQ_ERR_SUCCESS) {
    m->st.failures++;
    m->lost = true;
  }
  m->backoff_us = m->backoff_us ? 2 * m->backoff_us : 1000000;
  if (m->backoff_us > GS__VTN_MQTT_BACKOFF_MAX_US)
    m->backoff_us = GS__VTN_MQTT_BACKOFF_MAX_US;
  m->retry_at_us = now + m->backoff_us;
}

gs_vtn_mqtt_t *gs_vtn_mqtt_create(const char *url, int qos, gs_errbuf_t *eb) {
  gs_vtn_mqtt_t *m = calloc(1, sizeof *m);
  if (m == NULL) {
    gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
    return NULL;
  }
  m->qos = qos;
  if (parse_url(m, url, eb) != GS_OK) goto fail;
  if (mosquitto_lib_init() != MOSQ_ERR_SUCCESS) {
    gs_errbuf_set(eb, GS_EIO, "mqtt: cannot initialise libmosquitto");
    goto fail;
  }
  m->lib_init = true;
  char id[64];
  snprintf(id, sizeof id, "gridsim-vtn-%ld", (long)getpid());
  if ((m->mosq = mosquitto_new(id, true, m)) == NULL) {
    gs_errbuf_set(eb, GS_ENOMEM, "mqtt: out of memory");
    goto fail;
  }
  mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_connect_callback_set(m->mosq, on_connect);
  mosquitto_disconnect_callback_set(m->mosq, on_disconnect);
  connect_now(m, gs_pace_mono_us());
  return m;
fail:
  gs_vtn_mqtt_destroy(m);
  return NULL;
}

void gs_vtn_mqtt_publish(void *ud, const char *topic, const char *payload) {
  gs_vtn_mqtt_t *m = ud;
  /* Notifications are not queued while the broker is away: a client that
   * reconnects reads the present state over REST (the notifier note,
   * 16.2), so a stale backlog would only mislead it. */
  if (!m->connected || m->lost ||
      mosquitto_publish(m->mosq, NULL, topic, (int)strlen(payload), payload,
                        m->qos, false) != MOSQ_ERR_SUCCESS) {
    m->st.dropped++;
    return;
  }
  m->st.published++;
}

static size_t src_max_fds(void *ud) {
  (void)ud;
  return 1;
}

static size_t src_fill(void *ud, struct pollfd *fds, size_t cap,
                       int64_t *timeout_us) {
  gs_vtn_mqtt_t *m = ud;
  int64_t now = gs_pace_mono_us();
  int64_t wake = m->next_tick_us - now;
  if (wake < *timeout_us) *timeout_us = wake > 0 ? wake : 0;
  int fd = m->lost ? -1 : mosquitto_socket(m->mosq);
  if (cap < 1 || fd < 0) return 0;
  fds[0] = (struct pollfd){
      .fd = fd,
      .events = (short)(POLLIN | (mosquitto_want_write(m->mosq) ? POLLOUT : 0))};
  return 1;
}

static size_t src_service(void *ud, gs_engine_t *eng, const struct pollfd *fds,
                          size_t n) {
  gs_vtn_mqtt_t *m = ud;
  (void)eng;
  if (n == 1 && !m->lost) {
    if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) &&
        mosquitto_loop_read(m->mosq, 16) != MOSQ_ERR_SUCCESS)
      m->lost = true;
    if (!m->lost && (fds[0].revents & POLLOUT) &&
        mosquitto_loop_write(m->mosq, 16) != MOSQ_ERR_SUCCESS)
      m->lost = true;
  }
  int64_t now = gs_pace_mono_us();
  if (now >= m->next_tick_us) {
    m->next_tick_us = now + GS__VTN_MQTT_TICK_US;
    if (!m->lost && mosquitto_loop_misc(m->mosq) != MOSQ_ERR_SUCCESS)
      m->lost = true;
    if (m->lost && m->connected) { /* an I/O error, no DISCONNECT seen */
      m->connected = false;
      m->st.disconnects++;
    }
    if (m->lost && now >= m->retry_at_us) connect_now(m, now);
  }
  return 0; /* notifications leave; nothing enters the simulation */
}

gs_pace_source_t gs_vtn_mqtt_source(gs_vtn_mqtt_t *m) {
  return (gs_pace_source_t){.max_fds = src_max_fds,
                            .fill = src_fill,
                            .service = src_service,
                            .ud = m};
}

int gs_vtn_mqtt_connected(void *ud) {
  const gs_vtn_mqtt_t *m = ud;
  return m->connected;
}

void gs_vtn_mqtt_stats(const gs_vtn_mqtt_t *m, gs_vtn_mqtt_stats_t *out) {
  *out = m->st;
}

void gs_vtn_mqtt_destroy(gs_vtn_mqtt_t *m) {
  if (m == NULL) return;
  if (m->mosq) {
    if (m->connected) {
      mosquitto_disconnect(m->mosq);
      mosquitto_loop_write(m->mosq, 1);
    }
    mosquitto_destroy(m->mosq);
  }
  if (m->lib_init) mosquitto_lib_cleanup();
  free(m);
}
