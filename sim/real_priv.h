/* SPDX-License-Identifier: MIT */
/* Real VENs' shared state, for sim/real_ven.c and sim/real_world.c. */
#ifndef GRIDSIM_REAL_PRIV_H
#define GRIDSIM_REAL_PRIV_H

#include "real_ven.h"
#include "world.h"

/* A real VEN entity's state. */
typedef struct gs__real_ven {
  gs_world_t *world;
  uint32_t index, meter;
  int64_t power_mw;     /* as last reported (held) */
  int64_t shed_mw;      /* as last reported */
  int64_t cap_mw;       /* shed capability: reported, else configured */
  int64_t baseline_mw;  /* its own baseline, last reported (0: none) */
  int64_t sent_mw;      /* share of the last event command sent */
  gs_time_us_t last_seen_us;
  int32_t sent_event;   /* event whose command it was sent last, or -1 */
  int32_t acked_event;  /* event whose ack the program counted, or -1 */
  uint8_t online;       /* registered and heard within offline_after_s */
  uint8_t check_pending;
} gs__real_ven_t;

enum { GS__REAL_MSG_TELEMETRY = 0, GS__REAL_MSG_ACK };

/* An inbound message, parsed, waiting for (or taken by) its event. */
typedef struct gs__real_msg {
  uint8_t kind;
  union {
    gs_real_telemetry_t tel;
    gs_real_ack_t ack;
  } u;
} gs__real_msg_t;

/* An online or offline mark of the backend, in order. */
typedef struct gs_real_status {
  gs_time_us_t t_us;
  uint32_t ven;
  bool online;
} gs_real_status_t;

typedef struct gs_real {
  const gs_real_cfg_t *cfg; /* the scenario's */
  size_t n;
  gs_entity_id_t *entity;
  uint32_t *meter;
  char (*ack_topic)[256]; /* each VEN's ack topic, expanded */
  gs_real_sink_t sink;    /* commands: sink.command NULL for none */
  gs__real_msg_t *msgs;
  size_t n_msgs, cap_msgs;
  gs_real_sample_t *samples; /* every report, for the twins */
  size_t n_samples, cap_samples;
  gs_real_status_t *status;
  size_t n_status, cap_status;
  const struct gs_real *feed; /* a twin's: the actual run's */
  gs_real_stats_t st;
} gs_real_t;

extern const gs_model_type_t gs__model_real_ven;

/* Appends a report (GS_ENOMEM). */
gs_err_t gs__real_sample(gs_real_t *r, gs_time_us_t t_us, uint32_t ven,
                         int64_t power_mw, int64_t shed_mw, int64_t cap_mw,
                         int32_t event);
/* The real VEN whose ack topic `topic` is, or -1. */
long gs__real_ack_topic(const gs_real_t *r, const char *topic);
/* Schedules the feed's reports in a twin (real_ven.c). */
void gs__real_schedule_feed(gs_world_t *w);

/* The recorded status changes, for the trace (NULL, 0 without real VENs). */
const gs_real_status_t *gs__real_status(const gs_world_t *w, size_t *n);

#endif /* GRIDSIM_REAL_PRIV_H */
