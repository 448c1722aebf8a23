/* SPDX-License-Identifier: MIT */
/* The VEN agent: panel, circuits (its loads) and DR response. */
#ifndef GRIDSIM_MODELS_VEN_H
#define GRIDSIM_MODELS_VEN_H

#include <stdint.h>

#include "gridsim/engine.h"
#include "gridsim/model.h"

enum {
  GS_VEN_P_PANEL_AMPS,
  GS_VEN_P_PANEL_VOLTAGE,
  GS_VEN_P_BASELINE_S,
  GS_VEN_P_OPT_OUT,
  GS_VEN_P_LATENCY_S,
  GS_VEN_P_LOSS,
  GS_VEN_P_SHED_STRATEGY,
  GS_VEN_P_TELEMETRY_S,
  GS_VEN_P_SNAPSHOT_S,
  GS_VEN_P_OFFLINE_PER_DAY,
  GS_VEN_P_OFFLINE_MEAN_S,
  GS_VEN_NPARAMS
};
extern const gs_param_spec_t gs_ven_params[GS_VEN_NPARAMS];

/* Shed strategies (values of the shed_strategy parameter). */
enum { GS_VEN_SHED_REFERENCE = 0, GS_VEN_SHED_THERMAL = 1 };

/* Most loads one VEN may have (the shed mask is 32 bits). */
#define GS_VEN_MAX_LOADS 32

/* Tells VEN `ven` that its loads are the `n` entities from `first_load` on
 * (the group's loads whose bits are set in `present_mask`), and that it
 * is VEN `index` of the world; starts its telemetry when the
 * world has a sink. The world builder calls this after adding the loads. */
void gs_ven_attach(gs_engine_t *eng, gs_entity_id_t ven,
                   gs_entity_id_t first_load, uint8_t n, uint32_t index,
                   uint32_t present_mask);

/* Event kinds a VEN takes besides GS_EV_DR_START/END. */
enum {
  GS_VEN_EV_MARK = GS_EV_MODEL, /* start of a baseline window, arg2 event */
  GS_VEN_EV_APPLY,              /* a command arrives after its latency    */
  GS_VEN_EV_EXPIRE,             /* the active event's end by itself       */
  GS_VEN_EV_WIRE,               /* a wire command, arg = world->cmds index */
  GS_VEN_EV_TELEMETRY,          /* telemetry tick (only with a sink)      */
  GS_VEN_EV_SNAPSHOT,           /* loads snapshot + shadow (with a sink)  */
  GS_VEN_EV_OUTAGE,             /* comms go down (arg 0) or up (arg 1)    */
  GS_VEN_EV_UNSHED_LOAD,        /* a shedLoad's duration ends, arg2 slot  */
  GS_VEN_EV_SIGNAL_STEP,        /* a PRICE interval boundary, arg2 event  */
  GS_VEN_EV_SIGNAL_CHECK        /* a capacity limit's control tick, arg2  */
};
/* Or-ed into arg2 of GS_VEN_EV_APPLY when the command is a restore. */
#define GS_VEN_APPLY_END UINT32_C(0x40000000)

/* The platform's reference shed order (contract: "Shed order and the
 * largest fraction of present draw that may be shed"), by load type name.
 * Returns the position in the order and the fraction, or -1 if the type is
 * never shed by the reference algorithm. */
int gs_ven_shed_rank(const char *type_name, double *max_fraction);

/* Read-only views for reports, traces and tests. */
int64_t gs_ven_power_mw(gs_engine_t *eng, gs_entity_id_t ven);
int64_t gs_ven_shed_mw(const void *ven_state);     /* active event, or 0 */
bool gs_ven_in_event(const void *ven_state); /* running an accepted event */
int64_t gs_ven_baseline_mw(const void *ven_state); /* last event's */
bool gs_ven_online(const void *ven_state);
/* True if the platform's backend sees VEN `ven_state` offline at `now_us`:
 * its comms went down at least `after_us` ago and are still down (the
 * backend marks a VEN offline after a silence of `after_us`). */
bool gs_ven_seen_offline(const void *ven_state, gs_time_us_t now_us,
                         gs_time_us_t after_us);
/* The VEN's shed capability now: the sum of its enabled loads'
 * shed_capability_mw, as its telemetry reports it (models/ven_signal.c). */
int64_t gs_ven_capability_mw(gs_engine_t *eng, gs_entity_id_t ven);
uint32_t gs_ven_messages(const void *ven_state);   /* telemetry sent */

#endif /* GRIDSIM_MODELS_VEN_H */
