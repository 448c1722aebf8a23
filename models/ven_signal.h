/* SPDX-License-Identifier: MIT */
/* OpenADR 3 signals at the VEN: SIMPLE, PRICE and capacity limits
 * (models/ven_signal.c; private to models/). */
#ifndef GRIDSIM_MODELS_VEN_SIGNAL_H
#define GRIDSIM_MODELS_VEN_SIGNAL_H

#include "ven_priv.h"

/* The shed a command for scenario event `k` asks of the VEN: `arg_mw`
 * (the program's share) for a plain shed command; the level's share of
 * the VEN's capability for SIMPLE; 0 for the other signals, which act
 * through gs__ven_signal_start instead. */
int64_t gs__ven_signal_request(gs_engine_t *eng, gs__ven_t *v, int32_t k,
                               int64_t arg_mw);

/* Called once the VEN took event `k` (after its start_event): puts the
 * price in effect and schedules the price steps, or applies a capacity
 * limit and schedules its control ticks. Nothing if the VEN opted out. */
void gs__ven_signal_start(gs_engine_t *eng, gs_entity_id_t self, gs__ven_t *v,
                          int32_t k);

/* Called by restore() while v->active still names the ending event:
 * clears the price at the loads, lifts PV caps. */
void gs__ven_signal_end(gs_engine_t *eng, gs__ven_t *v);

/* GS_VEN_EV_SIGNAL_STEP and GS_VEN_EV_SIGNAL_CHECK. */
void gs__ven_signal_event(gs_engine_t *eng, gs_entity_id_t self, gs__ven_t *v,
                          const gs_event_t *ev);

#endif /* GRIDSIM_MODELS_VEN_SIGNAL_H */
