/* SPDX-License-Identifier: MIT */
/* The HDF5 trace recorder: fleet and sampled per-VEN series of one run. */
#ifndef GRIDSIM_TRACE_H
#define GRIDSIM_TRACE_H

#include <stdbool.h>

#include "gridsim/engine.h"
#include "gridsim/error.h"
#include "world.h"

/* Layout of a trace (first cut):
 *   /meta              group; attributes scenario_json, scenario_name, seed,
 *                      gridsim_version, start, start_unix_s, duration_s,
 *                      output_interval_s, vens, ven_sample, complete (0/1)
 *   /fleet/time_s      float64 [n]      seconds since start   (units "s")
 *   /fleet/power_kw    float64 [n]      fleet power at time_s (units "kW")
 *   /fleet/energy_kwh  float64 [n]      energy since start    (units "kWh")
 *   /ven/ids           string  [m]      ids of the sampled VENs
 *   /ven/power_kw      float64 [n x m]  their power           (units "kW")
 * One row per output instant k * output.interval_s. /ven is absent when no
 * VEN is sampled (output.ven_sample == 0 or an empty fleet). */
typedef struct gs_trace gs_trace_t;

/* Creates the trace for the run of `w` (borrowed; must outlive the trace)
 * as `path` + ".partial" and writes /meta with complete = 0. On success the
 * caller owns `*out` and ends it with gs_trace_close. Errors: GS_EINVAL on
 * NULL arguments, GS_ENOMEM, GS_EIO when the file cannot be created (the
 * message in `eb` names `path`). */
gs_err_t gs_trace_open(const char *path, const gs_world_t *w, gs_trace_t **out,
                       gs_errbuf_t *eb);

/* An observer sampling the trace at the scenario's output interval, for
 * gs_engine_add_observer (which copies it); `t` stays owned by the caller.
 * Add it while the engine is at time 0 so the first row is at 0. After a
 * write error it records nothing more; gs_trace_close reports the error. */
gs_observer_t gs_trace_observer(gs_trace_t *t);

/* Writes the buffered rows, sets /meta complete to `complete`, closes the
 * file and renames it to its final path. Always frees `t` (NULL is a
 * no-op). On a write error during the run or here, returns GS_EIO with the
 * path in `eb` and removes the partial file. */
gs_err_t gs_trace_close(gs_trace_t *t, bool complete, gs_errbuf_t *eb);

#endif /* GRIDSIM_TRACE_H */
