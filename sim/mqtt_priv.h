/* SPDX-License-Identifier: MIT */
/* The MQTT bridge's sessions, shared by mqtt.c and mqtt_io.c. */
#ifndef GRIDSIM_MQTT_PRIV_H
#define GRIDSIM_MQTT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <mosquitto.h>

#include "gridsim/rng.h"
#include "mqtt.h"

#define GS__MQTT_ID_MAX 96
#define GS__MQTT_TOPIC_MAX 512
#define GS__MQTT_BACKOFF_MIN_S 1
#define GS__MQTT_BACKOFF_MAX_S 120
/* A CONNACK not seen this long after the attempt: give up and retry. */
#define GS__MQTT_CONNECT_TIMEOUT_US 10000000
/* Timers (retries, timeouts) are checked this often, keepalives once a
 * second: scanning every session per poll would cost more than the I/O. */
#define GS__MQTT_SCAN_US 100000
#define GS__MQTT_MISC_US 1000000
/* New connections per scan, so thousands of sessions do not flood the
 * broker's accept queue at once. */
#define GS__MQTT_CONNECTS_PER_SCAN 256
/* Correlation ids of the setLoad commands made from shadow deltas: their
 * acks are not published (the reference VEN acks no delta). */
#define GS__MQTT_DELTA_CORR "gs-shadow-delta-"

typedef enum gs__mqtt_state {
  GS__MQTT_DOWN = 0, /* no client; retry at retry_at_us */
  GS__MQTT_CONNECTING,
  GS__MQTT_UP
} gs__mqtt_state_t;

typedef struct gs__mqtt_sess {
  struct mosquitto *mosq; /* NULL when down */
  struct gs_mqtt *br;
  uint32_t index;      /* VEN index */
  uint8_t state;       /* gs__mqtt_state_t */
  bool lost;           /* the connection ended in a call: tear down */
  bool queued;         /* on the bridge's lost queue */
  bool was_up;         /* connected at least once (for reconnects) */
  bool reported;       /* this attempt's failure is already reported */
  int fd;              /* socket registered with the epoll set, or -1 */
  uint32_t ev;         /* its registered events (EPOLLIN, EPOLLOUT) */
  uint32_t backoff_s;  /* next delay before a retry */
  int64_t retry_at_us; /* monotonic */
  int64_t connect_at_us;
  uint32_t pending;    /* sent, not yet acknowledged */
  int get_mid;         /* the shadow/get publication, not counted */
  gs_rng_t rng;        /* back-off jitter */
  char id[GS__MQTT_ID_MAX];
} gs__mqtt_sess_t;

struct gs_mqtt {
  gs_mqtt_cfg_t cfg;
  char url[300];
  gs_ven_sink_t sink;
  gs_world_t *world;   /* borrowed */
  gs_pace_t *pace;     /* borrowed */
  gs__mqtt_sess_t *sess;
  uint32_t n_sess;
  /* One epoll set holds every session's socket; the pacer polls only its
   * descriptor, so a wait costs O(ready sessions), not O(sessions). */
  int epfd;
  uint32_t *lost_q;    /* sessions to tear down (each at most once) */
  uint32_t n_lost;
  /* TLS (mqtts://): the context every session shares (a certificate for
   * all, or none), NULL with per-VEN certificates (made per connection). */
  bool tls;
  void *ssl_ctx;       /* SSL_CTX */
  bool files_checked;  /* per-VEN files checked (gs_mqtt_check) */
  char why[256];       /* reason of the last failure in a call */
  char last_error[320]; /* the last connection failure, for the summary */
  char printed_why[256]; /* the last reason printed on stderr */
  uint32_t errors_printed;
  uint32_t next_connect; /* round-robin start of the connect scan */
  int64_t next_scan_us, next_misc_us;
  bool closing;
  bool lib_init;
  uint64_t delta_seq;
  uint64_t pending_total; /* sum of the sessions' pending */
  gs_mqtt_stats_t st;
};

/* mqtt.c: opens a session's connection / tears a lost one down. */
void gs__mqtt_connect(struct gs_mqtt *m, gs__mqtt_sess_t *s, int64_t now_us);
void gs__mqtt_teardown(struct gs_mqtt *m, gs__mqtt_sess_t *s, int64_t now_us);

/* mqtt_io.c: marks `s` lost (queued for teardown) with reason `why` (may
 * be NULL: keep m->why); brings the epoll registration of `s` in line
 * with its socket and mosquitto_want_write, after any call on it. */
void gs__mqtt_lost(struct gs_mqtt *m, gs__mqtt_sess_t *s, const char *why);
void gs__mqtt_sync(struct gs_mqtt *m, gs__mqtt_sess_t *s);

/* mqtt_tls.c: makes the shared TLS context (mqtts://; before sessions);
 * sets credentials and TLS on a new client (GS_EIO with m->why set);
 * reads what TLS buffered after loop_read; frees the shared context. */
gs_err_t gs__mqtt_tls_init(struct gs_mqtt *m, gs_errbuf_t *eb);
gs_err_t gs__mqtt_auth_apply(struct gs_mqtt *m, gs__mqtt_sess_t *s);
int gs__mqtt_tls_read_pending(gs__mqtt_sess_t *s);
void gs__mqtt_tls_free(struct gs_mqtt *m);
/* Reports a failed connection attempt of `s` (m->why): on stderr the
 * first time and when the reason changes (at most 20 lines a run), and
 * as the summary's last_error. */
void gs__mqtt_report_failure(struct gs_mqtt *m, const gs__mqtt_sess_t *s);

/* mqtt_io.c: the pacer source of the bridge. */
gs_pace_source_t gs__mqtt_source(struct gs_mqtt *m);

#endif /* GRIDSIM_MQTT_PRIV_H */
