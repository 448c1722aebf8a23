/* SPDX-License-Identifier: MIT */
/* The VEN agent's state, shared by its files (private to models/). */
#ifndef GRIDSIM_MODELS_VEN_PRIV_H
#define GRIDSIM_MODELS_VEN_PRIV_H

#include "gridsim/engine.h"
#include "gridsim/rng.h"
#include "ven.h"
#include "ven_wire.h"
#include "world.h"

/* `active` codes: >= 0 a scenario event index, GS_VEN_NO_EVENT, or
 * <= GS_VEN_WIRE_BASE - i for wire command i (world->cmds[i]). */
#define GS_VEN_NO_EVENT (-1)
#define GS_VEN_WIRE_BASE (-2)

/* What a VEN's parameters and world make of it: the same for every VEN of
 * a group with fixed parameters, so it is shared (gs_engine_intern) and
 * not held by each of a million VENs. */
typedef struct gs__ven_cfg {
  const gs_world_t *world;
  float latency_s, opt_out_prob, loss_prob;
  float outages_per_s, outage_mean_s, telemetry_s, snapshot_s, window_s;
  uint16_t panel_amps, panel_voltage;
  uint8_t strategy;
} gs__ven_cfg_t;

/* 160 bytes: the 8-byte fields first, then the 12-byte stream with the
 * 32-bit ones, so that no padding sits between them. */
typedef struct gs__ven {
  const gs__ven_cfg_t *cfg; /* shared, owned by the engine */
  int64_t mark_energy_mws;  /* meter energy at the baseline mark */
  gs_time_us_t mark_us;
  int64_t cp_energy_mws[2]; /* rolling checkpoints for wire baselines */
  gs_time_us_t cp_us[2];
  int64_t requested_mw;     /* active event: requested shed */
  int64_t shed_mw;          /* active event: committed shed */
  int64_t baseline_mw;      /* baseline at the last event start */
  gs_time_us_t event_end_us;
  gs_event_handle_t expiry; /* pending end of the active event */
  gs_time_us_t offline_us;  /* when comms last went down */
  gs_rng_t rng;             /* GS_RNG_COMMS: loss, opt-out, outages */
  gs_entity_id_t first_load;
  uint32_t meter, index;
  uint32_t shed_mask;    /* loads curtailed by the active event */
  uint32_t present_mask; /* which of the group's loads this VEN has */
  int32_t active;     /* see GS_VEN_NO_EVENT */
  int32_t mark_event; /* event whose baseline window is open */
  uint32_t message_num;
  uint8_t n_loads, online;
} gs__ven_t;

/* One circuit the strategy curtails: slot, draw before, amount. */
typedef struct gs__ven_cut {
  uint8_t slot;
  int64_t original_mw, cut_mw;
} gs__ven_cut_t;

/* Chooses the circuits to shed for `request_mw` with the VEN's strategy,
 * sends them GS_EV_LOAD_SHED, and fills `cuts` (room for
 * GS_VEN_MAX_LOADS). Returns the number of circuits; *total the sum. */
size_t gs__ven_shed(gs_engine_t *eng, gs__ven_t *v, int64_t request_mw,
                    gs__ven_cut_t *cuts, int64_t *total_mw);

/* Publishing through the world's sink (no-ops without one). */
void gs__ven_publish_telemetry(gs_engine_t *eng, gs__ven_t *v);
void gs__ven_publish_snapshot(gs_engine_t *eng, gs__ven_t *v);
void gs__ven_publish_event_ack(gs_engine_t *eng, gs__ven_t *v,
                               const char *status, const char *event_id,
                               int64_t request_mw, const gs__ven_cut_t *cuts,
                               size_t n, int64_t shed_mw, const char *corr);
void gs__ven_publish(gs__ven_t *v, gs_topic_t topic, char *payload);
/* The get command's answer: the telemetry payload (caller frees). */
char *gs__ven_telemetry_json(gs_engine_t *eng, gs__ven_t *v);
/* Unix seconds of the engine's present time. */
int64_t gs__ven_unix_s(gs_engine_t *eng, const gs__ven_t *v);
/* The scenario id of the load in `slot` ("heater1"). */
const char *gs__ven_load_id(const gs__ven_t *v, uint8_t slot);
/* The id of the active event ("42"), or NULL. */
const char *gs__ven_event_id(const gs__ven_t *v);

#endif /* GRIDSIM_MODELS_VEN_PRIV_H */
