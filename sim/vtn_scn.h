/* SPDX-License-Identifier: MIT */
/* The scenario's program model as OpenADR 3 program and event objects. */
#ifndef GRIDSIM_VTN_SCN_H
#define GRIDSIM_VTN_SCN_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "scenario_priv.h"
#include "world.h"

/* The programRequest for scenario `s` (programName = the scenario's name,
 * intervalPeriod over the scenario); `start_unix_us` is the real instant
 * of simulated time 0. Owned by the caller; NULL when out of memory. */
cJSON *gs_vtn_scn_program(const gs_scenario_t *s, int64_t start_unix_us);

/* Whether mapping the targets of some event needs a built world (targets
 * by fraction, feeder or transformer expand to VEN ids). */
bool gs_vtn_scn_needs_world(const gs_scenario_t *s);

/* The eventRequest for DR event `k` of `s` in program `program_id`:
 * intervals and payloads from its signal (requested_kw: a per-VEN
 * DISPATCH_SETPOINT_RELATIVE of -requested_kw / targeted VENs, in kW: a
 * change of consumption, negative to shed;
 * SIMPLE level; PRICE intervals in USD/kWh; IMPORT/EXPORT_CAPACITY_LIMIT
 * in kW), targets (none: all VENs; a group: its name; a VEN list: the VEN
 * ids; fraction, feeder, transformer: the VEN ids `w` selects, so `w` may
 * be NULL only when gs_vtn_scn_needs_world is false), and the
 * reportDescriptors USAGE, DEMAND, BASELINE, LOAD_SHED_DELTA_AVAILABLE.
 * Owned by the caller; NULL when out of memory. */
cJSON *gs_vtn_scn_event(const gs_scenario_t *s, size_t k,
                        const char *program_id, int64_t start_unix_us,
                        const gs_world_t *w);

#endif /* GRIDSIM_VTN_SCN_H */
