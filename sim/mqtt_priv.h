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
  uint32_t *fd_sess;   /* poll entry -> session, for the last fill */
  uint32_t next_connect; /* round-robin start of the connect scan */
  int64_t next_scan_us, next_misc_us;
  bool closing;
  bool lib_init;
  uint64_t delta_seq;
  gs_mqtt_stats_t st;
};

/* mqtt.c: opens a session's connection / tears a lost one down. */
void gs__mqtt_connect(struct gs_mqtt *m, gs__mqtt_sess_t *s, int64_t now_us);
void gs__mqtt_teardown(struct gs_mqtt *m, gs__mqtt_sess_t *s, int64_t now_us);

/* mqtt_io.c: the pacer source of the bridge. */
gs_pace_source_t gs__mqtt_source(struct gs_mqtt *m);

#endif /* GRIDSIM_MQTT_PRIV_H */
