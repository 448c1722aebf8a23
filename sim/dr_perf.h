/* SPDX-License-Identifier: MIT */
/* DR performance: the counterfactual twin and what a program manager reads. */
#ifndef GRIDSIM_DR_PERF_H
#define GRIDSIM_DR_PERF_H

#include <signal.h>

#include "series.h"
#include "world.h"

/* Runs the counterfactual of event `k`: the same scenario and seed with
 * that event never sent (the deterministic engine makes this exact), and
 * returns its fleet series at `interval_us` and its DR record (energy at
 * the event's start and end). Returns GS_EINTR if *stop became set. The
 * caller frees `series` with gs_series_free. */
gs_err_t gs_dr_twin(const gs_scenario_t *s, size_t k,
                    gs_time_us_t interval_us, gs_series_t *series,
                    gs_dr_result_t *twin, const volatile sig_atomic_t *stop,
                    gs_errbuf_t *eb);

/* Fills the performance fields of w->dr[k] from the actual run's series
 * and, if `twin` is not NULL, the twin's series and record. */
void gs_dr_perf(gs_world_t *w, size_t k, const gs_series_t *actual,
                const gs_series_t *twin_series, const gs_dr_result_t *twin);

#endif /* GRIDSIM_DR_PERF_H */
