/* SPDX-License-Identifier: MIT */
/* The VEN agent: panel, circuits (its loads) and DR response. */
#ifndef GRIDSIM_MODELS_VEN_H
#define GRIDSIM_MODELS_VEN_H

#include <stdint.h>

#include "gridsim/model.h"

enum {
  GS_VEN_P_PANEL_AMPS,
  GS_VEN_P_PANEL_VOLTAGE,
  GS_VEN_P_BASELINE_S,
  GS_VEN_P_OPT_OUT,
  GS_VEN_P_LATENCY_S,
  GS_VEN_P_LOSS,
  GS_VEN_NPARAMS
};
extern const gs_param_spec_t gs_ven_params[GS_VEN_NPARAMS];

/* Most loads one VEN may have (the shed mask is 32 bits). */
#define GS_VEN_MAX_LOADS 32

/* Tells a VEN that its loads are the `n` entities from `first_load` on
 * (the world builder calls this after adding them). */
void gs_ven_attach(void *ven_state, gs_entity_id_t first_load, uint8_t n);

/* Event kinds a VEN takes from the program besides GS_EV_DR_START/END. */
enum {
  GS_VEN_EV_MARK = GS_EV_MODEL, /* start of a baseline window, arg2 event */
  GS_VEN_EV_APPLY,              /* a command arrives after its latency    */
  GS_VEN_EV_EXPIRE              /* the active event's end by itself       */
};
/* Or-ed into arg2 of GS_VEN_EV_APPLY when the command is a restore. */
#define GS_VEN_APPLY_END UINT32_C(0x40000000)

/* The platform's reference shed order (contract: "Shed order and the
 * largest fraction of present draw that may be shed"), by load type name.
 * Returns the position in the order and the fraction, or -1 if the type is
 * never shed by the reference algorithm. */
int gs_ven_shed_rank(const char *type_name, double *max_fraction);

#endif /* GRIDSIM_MODELS_VEN_H */
