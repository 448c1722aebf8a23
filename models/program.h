/* SPDX-License-Identifier: MIT */
/* The DR program's dispatch: targets, the backend's online view and the
 * split of a request over VENs (models/program_dispatch.c). */
#ifndef GRIDSIM_MODELS_PROGRAM_H
#define GRIDSIM_MODELS_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "gridsim/engine.h"
#include "scenario_priv.h"
#include "world.h"

/* One VEN as a split sees it. `group` is its fleet group's index (the
 * priority policy serves groups in scenario order) and `cap_mw` its shed
 * capability as the backend reads it from telemetry. */
typedef struct gs_split_ven {
  int64_t cap_mw;
  uint32_t group;
} gs_split_ven_t;

/* Splits `request_mw` (>= 0) over the `n` VENs of `vens` (in VEN index
 * order) with policy `kind`, writing one share per VEN to `share_mw`; the
 * shares always sum to `request_mw` exactly.
 * - EQUAL: request / n each, the remainder one mW each to the first VENs.
 * - CAPABILITY: floor(request x cap / total cap) each, the mW left over
 *   one each to the largest remainders (ties: the earlier VEN); an equal
 *   split when no VEN reports any capability.
 * - PRIORITY: VENs ordered by (group, capability descending, index) are
 *   filled up to their capability until the request is met; what the
 *   whole fleet cannot cover is split equally over all `n` (the backend
 *   asks too much rather than too little).
 * `n` may be 0 only with `request_mw` 0. Out of memory is fatal
 * (GS_ASSERT), as for the event queue. */
void gs_program_split(gs_dispatch_kind_t kind, const gs_split_ven_t *vens,
                      size_t n, int64_t request_mw, int64_t *share_mw);

/* What a VEN asks of its loads for a SIMPLE signal of `level` (0-3):
 * level / 3 of its capability (0 normal, 1 moderate = 1/3, 2 high = 2/3,
 * 3 special/emergency = all), rounded down to the mW. */
int64_t gs_program_simple_mw(int64_t capability_mw, int level);

/* Scenario names of a dispatch policy ("equal", "capability", "priority")
 * and of a signal type ("SIMPLE", ..., or "" for none), for reports. */
const char *gs_program_dispatch_name(gs_dispatch_kind_t kind);
const char *gs_program_signal_name(gs_signal_kind_t kind);

/* Whether VEN index `i` is a target of event `k` of the world. This is the
 * one place that decides targets: a new target kind (a feeder, a
 * transformer) is one more case here and in scenario_program.c. */
bool gs_program_targeted(const gs_world_t *w, const gs_dr_event_cfg_t *ev,
                         size_t k, uint64_t i);

/* The program's view of one DR event at its start, as the backend builds
 * it: the targets it believes online (VEN indices, owned by the caller,
 * free()), how many it skipped as offline. */
typedef struct gs_program_view {
  uint64_t *vens;
  size_t n;
  uint32_t skipped_offline;
} gs_program_view_t;

/* Fills `out` for event `k` at the engine's present time. */
void gs_program_view(gs_engine_t *eng, const gs_world_t *w, size_t k,
                     gs_program_view_t *out);

/* Sends event `k` to the VENs of `view` (GS_EV_DR_START at now) with the
 * shares its dispatch policy gives, or the signal; fills the event's
 * requested_mw, dispatched_mw, targeted and skipped_offline in w->dr. */
void gs_program_dispatch(gs_engine_t *eng, gs_world_t *w, size_t k,
                         const gs_program_view_t *view);

#endif /* GRIDSIM_MODELS_PROGRAM_H */
