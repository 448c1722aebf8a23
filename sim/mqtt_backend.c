/* SPDX-License-Identifier: MIT */
/* MQTT backend role: one session sends commands, takes acks and telemetry. */
#include "mqtt_backend.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mosquitto.h>

#include "mqtt_url.h"
#include "real_ven.h"

#define GS__BK_BACKOFF_MIN_S 1
#define GS__BK_BACKOFF_MAX_S 120
#define GS__BK_CONNECT_TIMEOUT_US 10000000
#define GS__BK_MISC_US 1000000

struct gs_mqtt_backend {
  gs_mqtt_cfg_t cfg;
  char url[300];
  char client_id[64];
  gs_world_t *world; /* borrowed */
  gs_pace_t *pace;   /* borrowed */
  struct mosquitto *mosq;
  bool up, lost, closing, lib_init;
  int64_t retry_at_us, connect_at_us, next_misc_us;
  uint32_t backoff_s;
  uint64_t injected; /* messages that became events, for the pacer */
  gs_mqtt_backend_stats_t st;
};

gs_err_t gs_mqtt_backend_create(const gs_mqtt_cfg_t *cfg, const char *url,
                                gs_mqtt_backend_t **out, gs_errbuf_t *eb) {
  if (cfg == NULL || url == NULL || out == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_mqtt_backend_create: NULL");
  *out = NULL;
  gs_mqtt_backend_t *b = calloc(1, sizeof *b);
  if (b == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  b->cfg = *cfg;
  gs_err_t err = gs_mqtt_parse_url("--mqtt-backend", url, b->cfg.host,
                                   sizeof b->cfg.host, &b->cfg.port, NULL,
                                   eb);
  if (err != GS_OK) {
    free(b);
    return err;
  }
  snprintf(b->url, sizeof b->url, "mqtt://%s:%d", b->cfg.host, b->cfg.port);
  /* A client id no VEN has; the pid keeps two backends apart. */
  snprintf(b->client_id, sizeof b->client_id, "gridsim-backend-%ld",
           (long)getpid());
  b->backoff_s = GS__BK_BACKOFF_MIN_S;
  *out = b;
  return GS_OK;
}

static void on_connect(struct mosquitto *mosq, void *ud, int rc) {
  gs_mqtt_backend_t *b = ud;
  if (rc != 0) {
    b->st.connect_failures++;
    b->lost = true;
    return;
  }
  b->up = true;
  b->backoff_s = GS__BK_BACKOFF_MIN_S;
  b->st.connects++;
  const gs_mqtt_cfg_t *c = &b->cfg;
  const char *meter = c->topics[GS_MQTT_T_METERING];
  /* The platform's backend listens on the shared metering topic; with
   * that off (or per VEN) it takes each VEN's telemetry topic instead. */
  bool shared = meter[0] && strstr(meter, "{venId}") == NULL;
  if (shared) mosquitto_subscribe(mosq, NULL, meter, 1);
  char topic[512];
  for (size_t r = 0; r < gs_real_count(b->world); r++) {
    const char *id = gs_real_id(b->world, r);
    if (gs_mqtt_topic_expand(c->topics[GS_MQTT_T_ACK], id, topic,
                             sizeof topic))
      mosquitto_subscribe(mosq, NULL, topic, 1);
    const char *tel = shared ? "" : meter[0] ? meter
                                             : c->topics[GS_MQTT_T_TELEMETRY];
    if (tel[0] && gs_mqtt_topic_expand(tel, id, topic, sizeof topic))
      mosquitto_subscribe(mosq, NULL, topic, 1);
  }
}

static void on_disconnect(struct mosquitto *mosq, void *ud, int rc) {
  (void)mosq;
  (void)rc;
  ((gs_mqtt_backend_t *)ud)->lost = true;
}

static void on_message(struct mosquitto *mosq, void *ud,
                       const struct mosquitto_message *msg) {
  (void)mosq;
  gs_mqtt_backend_t *b = ud;
  if (b->closing) return;
  b->st.received++;
  const char *payload = msg->payload ? (const char *)msg->payload : "";
  size_t len = msg->payload ? (size_t)msg->payloadlen : 0;
  if (gs_real_take(b->world, msg->topic, payload, len)) b->injected++;
}

static void sink_command(void *ud, const char *ven_id, const char *payload) {
  gs_mqtt_backend_t *b = ud;
  char topic[512];
  if (!b->up || b->lost || b->mosq == NULL || b->closing ||
      !gs_mqtt_topic_expand(b->cfg.topics[GS_MQTT_T_CMD], ven_id, topic,
                            sizeof topic)) {
    b->st.dropped++;
    return;
  }
  int rc = mosquitto_publish(b->mosq, NULL, topic, (int)strlen(payload),
                             payload, 1, false);
  if (rc == MOSQ_ERR_SUCCESS) {
    b->st.sent++;
  } else {
    b->st.dropped++;
    if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST) b->lost = true;
  }
}

static void teardown(gs_mqtt_backend_t *b, int64_t now) {
  if (b->up) b->st.disconnects++;
  if (b->mosq) mosquitto_destroy(b->mosq);
  b->mosq = NULL;
  b->up = b->lost = false;
  b->retry_at_us = now + (int64_t)b->backoff_s * 1000000;
  b->backoff_s = b->backoff_s * 2 > GS__BK_BACKOFF_MAX_S
                     ? GS__BK_BACKOFF_MAX_S : b->backoff_s * 2;
}

static void connect_now(gs_mqtt_backend_t *b, int64_t now) {
  b->connect_at_us = now;
  b->mosq = mosquitto_new(b->client_id, true, b);
  if (b->mosq == NULL) goto fail;
  mosquitto_int_option(b->mosq, MOSQ_OPT_PROTOCOL_VERSION,
                       MQTT_PROTOCOL_V311);
  mosquitto_int_option(b->mosq, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_connect_callback_set(b->mosq, on_connect);
  mosquitto_disconnect_callback_set(b->mosq, on_disconnect);
  mosquitto_message_callback_set(b->mosq, on_message);
  if (mosquitto_connect_async(b->mosq, b->cfg.host, b->cfg.port,
                              b->cfg.keepalive_s) != MOSQ_ERR_SUCCESS)
    goto fail;
  return;
fail:
  b->st.connect_failures++;
  teardown(b, now);
}

/* Reconnects, connect time-outs and keepalives. */
static void timers(gs_mqtt_backend_t *b, int64_t now) {
  if (b->mosq && !b->up && !b->lost &&
      now - b->connect_at_us > GS__BK_CONNECT_TIMEOUT_US) {
    b->st.connect_failures++;
    b->lost = true;
  }
  if (b->mosq && !b->lost && now >= b->next_misc_us) {
    b->next_misc_us = now + GS__BK_MISC_US;
    if (mosquitto_loop_misc(b->mosq) != MOSQ_ERR_SUCCESS) b->lost = true;
  }
  if (b->lost) teardown(b, now);
  if (b->mosq == NULL && !b->closing && now >= b->retry_at_us)
    connect_now(b, now);
}

static size_t src_max_fds(void *ud) {
  (void)ud;
  return 1;
}

static size_t src_fill(void *ud, struct pollfd *fds, size_t cap,
                       int64_t *timeout_us) {
  gs_mqtt_backend_t *b = ud;
  int64_t now = gs_pace_mono_us();
  timers(b, now);
  int64_t next = b->mosq ? b->next_misc_us : b->retry_at_us;
  if (next - now < *timeout_us) *timeout_us = next > now ? next - now : 0;
  int fd = b->mosq ? mosquitto_socket(b->mosq) : -1;
  if (cap == 0 || fd < 0) return 0;
  fds[0] = (struct pollfd){
      .fd = fd,
      .events = (short)(POLLIN | (mosquitto_want_write(b->mosq) ? POLLOUT
                                                                : 0))};
  return 1;
}

static size_t src_service(void *ud, gs_engine_t *eng,
                          const struct pollfd *fds, size_t n) {
  (void)eng;
  gs_mqtt_backend_t *b = ud;
  uint64_t before = b->injected;
  if (n == 1 && b->mosq && !b->lost && fds[0].revents) {
    if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) &&
        mosquitto_loop_read(b->mosq, 64) != MOSQ_ERR_SUCCESS)
      b->lost = true;
    if (!b->lost && b->mosq && (fds[0].revents & POLLOUT) &&
        mosquitto_loop_write(b->mosq, 64) != MOSQ_ERR_SUCCESS)
      b->lost = true;
  }
  timers(b, gs_pace_mono_us());
  return (size_t)(b->injected - before);
}

gs_err_t gs_mqtt_backend_start(gs_mqtt_backend_t *b, gs_world_t *w,
                               gs_pace_t *pace, gs_errbuf_t *eb) {
  if (b == NULL || w == NULL || pace == NULL || b->world != NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_mqtt_backend_start: bad "
                         "arguments");
  b->world = w;
  b->pace = pace;
  if (mosquitto_lib_init() != MOSQ_ERR_SUCCESS)
    return gs_errbuf_set(eb, GS_EIO, "mqtt backend: libmosquitto failed");
  b->lib_init = true;
  gs_real_set_sink(w, &(gs_real_sink_t){.command = sink_command, .ud = b});
  gs_pace_source_t src = {.max_fds = src_max_fds, .fill = src_fill,
                          .service = src_service, .ud = b};
  return gs_pace_add_source(pace, &src) == GS_OK
             ? GS_OK
             : gs_errbuf_set(eb, GS_ENOMEM, "mqtt backend: out of memory");
}

static int sent_all(void *ud) {
  gs_mqtt_backend_t *b = ud;
  return b->mosq == NULL || !b->up || !mosquitto_want_write(b->mosq);
}

void gs_mqtt_backend_close(gs_mqtt_backend_t *b, gs_engine_t *eng,
                           double wait_s) {
  if (b == NULL || b->world == NULL) return;
  b->closing = true;
  gs_real_set_sink(b->world, NULL);
  gs_pace_drain(b->pace, eng, (int64_t)(wait_s * 1e6), sent_all, b);
  if (b->mosq && b->up) {
    mosquitto_disconnect(b->mosq);
    mosquitto_loop_write(b->mosq, 1);
  }
  if (b->mosq) mosquitto_destroy(b->mosq);
  b->mosq = NULL;
  b->up = false;
}

void gs_mqtt_backend_get_stats(const gs_mqtt_backend_t *b,
                               gs_mqtt_backend_stats_t *out) {
  *out = b->st;
}

gs_err_t gs_mqtt_backend_summary_fill(const gs_mqtt_backend_t *b,
                                      cJSON *summary) {
  cJSON *o = cJSON_AddObjectToObject(summary, "mqtt_backend");
  struct { const char *k; double v; } nums[] = {
      {"sent", (double)b->st.sent}, {"dropped", (double)b->st.dropped},
      {"received", (double)b->st.received},
      {"connects", (double)b->st.connects},
      {"disconnects", (double)b->st.disconnects},
      {"connect_failures", (double)b->st.connect_failures}};
  if (o == NULL || cJSON_AddStringToObject(o, "url", b->url) == NULL)
    return GS_ENOMEM;
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
    if (cJSON_AddNumberToObject(o, nums[i].k, nums[i].v) == NULL)
      return GS_ENOMEM;
  return GS_OK;
}

void gs_mqtt_backend_summary_print(FILE *out, const gs_mqtt_backend_t *b) {
  fprintf(out, "mqtt backend %s: %llu commands sent, %llu dropped, %llu "
          "messages received, %llu connects, %llu disconnects\n", b->url,
          (unsigned long long)b->st.sent, (unsigned long long)b->st.dropped,
          (unsigned long long)b->st.received,
          (unsigned long long)b->st.connects,
          (unsigned long long)b->st.disconnects);
  if (b->world == NULL) return;
  gs_real_stats_t rs;
  gs_real_get_stats(b->world, &rs);
  size_t online = 0, n = gs_real_count(b->world);
  for (size_t r = 0; r < n; r++) online += gs_real_online(b->world, r);
  fprintf(out, "  real VENs: %zu listed, %zu online at the end; %llu "
          "telemetry, %llu acks, %llu malformed, %llu from unlisted VENs; "
          "%llu offline marks\n", n, online,
          (unsigned long long)rs.telemetry, (unsigned long long)rs.acks,
          (unsigned long long)rs.errors, (unsigned long long)rs.unknown,
          (unsigned long long)rs.offline_marks);
}

void gs_mqtt_backend_destroy(gs_mqtt_backend_t *b) {
  if (b == NULL) return;
  if (b->mosq) mosquitto_destroy(b->mosq);
  if (b->lib_init) mosquitto_lib_cleanup();
  free(b);
}
