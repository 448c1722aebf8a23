/* SPDX-License-Identifier: MIT */
/* The HDF5 trace recorder: series, event log and DR results of one run. */
#ifndef GRIDSIM_TRACE_H
#define GRIDSIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "gridsim/engine.h"
#include "gridsim/error.h"
#include "series.h"
#include "world.h"

/* The layout (every group, dataset, shape, type and unit) is documented in
 * README.md, section Traces (HDF5). In short:
 *   /meta     attributes: effective scenario JSON, seed, version, start,
 *             units, complete (0/1)
 *   /fleet    time_s, power_kw, energy_kwh [n]
 *   /ven      ids, index [m]; power_kw, shed_kw, state, indoor_temp_c,
 *             battery_soc_pct, ev_soc_pct [n x m] of the VEN sample
 *   /<group>  ids [k]; power_kw (energy_kwh) [n x k] (gs_trace_add_meters)
 *   /log      dr_events, commands, acks, opt_outs, faults: compound tables
 *   /dr       events (the schedule), performance (at close),
 *             counterfactual_power_kw [n x events] (twins)
 *   /mqtt/counts  time_s, sent, acked, ... [n] (gs_trace_add_counters)
 * with one series row per output instant k * output.interval_s. */
typedef struct gs_trace gs_trace_t;

/* Creates the trace for the run of `w` (borrowed; must outlive the trace)
 * as `path` + ".partial", writes /meta with complete = 0 and the DR
 * schedule, and attaches the event log to the world (w->log) until
 * gs_trace_close. On success the caller owns `*out`. Errors: GS_EINVAL on
 * NULL arguments, GS_ENOMEM, GS_EIO when the file cannot be created (the
 * message in `eb` names `path` and the system's reason). */
gs_err_t gs_trace_open(const char *path, gs_world_t *w, gs_trace_t **out,
                       gs_errbuf_t *eb);

/* A set of meters to record as /<group>/power_kw [n x count] (and
 * /<group>/energy_kwh with `energy`), /<group>/ids naming each column. */
typedef struct gs_trace_meters {
  const char *group;        /* "feeder", "transformer": a new HDF5 group */
  const char *const *names; /* `count` column ids, copied */
  const uint32_t *meters;   /* `count` meter indices, copied */
  size_t count;
  bool energy;              /* also energy since the start, in kWh */
  const double *rating_kva; /* NULL, or `count` ratings: /<group>/rating_kva */
} gs_trace_meters_t;

/* Adds a set of meters; call after gs_trace_open and before the run takes
 * its first sample. gs_trace_open already adds the world's grid: /feeder
 * (with energy) and /transformer (with ratings). GS_EINVAL if called later, for
 * a NULL or existing group, or a meter index out of range; GS_ENOMEM; GS_EIO.
 */
gs_err_t gs_trace_add_meters(gs_trace_t *t, const gs_trace_meters_t *m,
                             gs_errbuf_t *eb);

/* Counters read at every output instant (a bridge's message counts):
 * /<group>/time_s [n] and /<group>/<name> [n] (uint64, cumulative counts
 * or gauges, units "count"), with each counter's value at close as an
 * attribute <name> of /<group>. `read` fills `count` values; it is called
 * from the trace's observer and at close, with `ud`. */
typedef struct gs_trace_counters {
  const char *group;  /* "mqtt/counts": a new HDF5 group ("a/b": the
                         parent "a" is opened or created, shared) */
  const char *const *names;          /* `count` dataset names, copied */
  const char *const *descriptions;   /* `count` texts, or NULL */
  size_t count;
  void (*read)(void *ud, uint64_t *values);
  void *ud;                          /* borrowed; must outlive the trace */
} gs_trace_counters_t;

/* Adds a counter group; call after gs_trace_open and before the first
 * sample. GS_EINVAL if called later, for bad arguments or an existing
 * group; GS_ENOMEM; GS_EIO. */
gs_err_t gs_trace_add_counters(gs_trace_t *t, const gs_trace_counters_t *c,
                               gs_errbuf_t *eb);

/* An observer sampling the trace at the scenario's output interval, for
 * gs_engine_add_observer (which copies it); `t` stays owned by the caller.
 * Add it while the engine is at time 0 so the first row is at 0. After a
 * write error it records nothing more; gs_trace_close reports the error. */
gs_observer_t gs_trace_observer(gs_trace_t *t);

/* Stores the counterfactual twin of DR event `k` (its fleet power series,
 * sampled at the output interval from 0) as column k of
 * /dr/counterfactual_power_kw; columns of events without a twin stay NaN.
 * Call after the run, before gs_trace_close. GS_EINVAL for a bad `k` or
 * interval; GS_EIO on a write error (also reported by close). */
gs_err_t gs_trace_add_counterfactual(gs_trace_t *t, size_t k,
                                     const gs_series_t *twin, gs_errbuf_t *eb);

/* Writes the buffered rows, the fleet's exact energy and peak, the DR
 * performance of every event (from w->dr, so call it after gs_dr_perf),
 * sets /meta complete to `complete`, detaches the log, closes the file and
 * renames it to its final path. Always frees `t` (NULL is a no-op). On a
 * write error during the run or here, returns GS_EIO with the path and the
 * reason in `eb` and removes the partial file. */
gs_err_t gs_trace_close(gs_trace_t *t, bool complete, gs_errbuf_t *eb);

/* The default trace path of scenario `s`: "results/<name>-<seed>.h5",
 * with every character of the name other than [A-Za-z0-9._-] replaced by
 * '_'. Returns the length it needs (like snprintf). */
size_t gs_trace_default_path(const gs_scenario_t *s, char *buf, size_t size);

/* The trace path of a run: `cli_out` (--out) if not NULL, else the
 * scenario's output.file, else gs_trace_default_path (creating results/
 * in the working directory if it is missing); NULL in `*out` when
 * `no_out` (--no-out). The caller frees `*out`. GS_EIO with the reason in
 * `eb` if results/ cannot be created; GS_ENOMEM. */
gs_err_t gs_trace_resolve_path(const char *cli_out, bool no_out,
                               const gs_scenario_t *s, char **out,
                               gs_errbuf_t *eb);

#endif /* GRIDSIM_TRACE_H */
