/* SPDX-License-Identifier: MIT */
/* The trace's MQTT record (/mqtt, /real_ven): writing, and reading it back
 * for `gridsim replay`. */
#ifndef GRIDSIM_TRACE_MQTT_H
#define GRIDSIM_TRACE_MQTT_H

#include <stdbool.h>
#include <stdint.h>

#include "gridsim/error.h"
#include "inbound.h"

struct gs_trace;

/* At open (after the grid's groups): /real_ven power_kw, energy_kwh and
 * ids of the world's real VENs, if any. GS_ENOMEM, GS_EIO. */
gs_err_t gs__tr_real_add(struct gs_trace *t, gs_errbuf_t *eb);
/* At close: /real_ven's status marks and counters, and /mqtt (mode and
 * ven_role attributes, /mqtt/inbound) when the world records inbound
 * messages. Negative on an HDF5 error. */
int gs__tr_mqtt_write(struct gs_trace *t);

/* What `gridsim replay` needs from a trace. */
typedef struct gs_trace_replay_info {
  char *scenario_json;  /* /meta scenario_json, owned */
  uint64_t seed;        /* /meta seed */
  bool complete;        /* /meta complete */
  bool twins;           /* /dr/counterfactual_power_kw exists */
  bool ven_role;        /* /mqtt ven_role: VENs published on a bridge */
  gs_inbound_t *inbound; /* /mqtt/inbound, owned; NULL without /mqtt */
} gs_trace_replay_info_t;

/* Reads `path`. GS_EIO when it is not a readable gridsim trace, naming
 * the file and what is missing; GS_ENOMEM. Free with _free even on
 * failure. */
gs_err_t gs_trace_read_replay(const char *path, gs_trace_replay_info_t *out,
                              gs_errbuf_t *eb);
void gs_trace_replay_info_free(gs_trace_replay_info_t *info);

#endif /* GRIDSIM_TRACE_MQTT_H */
