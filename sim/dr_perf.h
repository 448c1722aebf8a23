/* SPDX-License-Identifier: MIT */
/* DR performance: the counterfactual twin and what a program manager reads. */
#ifndef GRIDSIM_DR_PERF_H
#define GRIDSIM_DR_PERF_H

#include <signal.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "baseline.h"
#include "series.h"
#include "world.h"

/* One method's figures in gs_dr_result_t (declared in world.h). */
typedef struct gs_dr_baseline gs_dr_baseline_t;

/* Runs the counterfactual of event `k`: the same scenario and seed with
 * that event never sent (the deterministic engine makes this exact), and
 * returns its fleet series at `interval_us` and its DR record (energy at
 * the event's start and end). Returns GS_EINTR if *stop became set. The
 * caller frees `series` with gs_series_free. */
gs_err_t gs_dr_twin(const gs_scenario_t *s, size_t k,
                    gs_time_us_t interval_us, gs_series_t *series,
                    gs_dr_result_t *twin, const volatile sig_atomic_t *stop,
                    gs_errbuf_t *eb);

/* Same, with the real VENs of the twin following the reports of the
 * actual world `actual` (borrowed, may be NULL): a real device's
 * counterfactual is what it reported plus the shed it claimed for event
 * `k` (sim/real_ven.h). */
gs_err_t gs_dr_twin_fed(const gs_scenario_t *s, size_t k,
                        gs_time_us_t interval_us, gs_series_t *series,
                        gs_dr_result_t *twin,
                        const volatile sig_atomic_t *stop,
                        const gs_world_t *actual, gs_errbuf_t *eb);

/* Fills the performance fields of w->dr[k] from the actual run's series
 * and, if `twin` is not NULL, the twin's series and record; the estimated
 * baselines use the default rules (gs_baseline_cfg_default). */
void gs_dr_perf(gs_world_t *w, size_t k, const gs_series_t *actual,
                const gs_series_t *twin_series, const gs_dr_result_t *twin);

/* Same with the program's baseline rules `cfg` (borrowed; NULL: the
 * defaults). The X-of-Y and weather baselines take their history from the
 * days of `actual` before the event (days with any event excluded), the
 * weather from the world's; each baseline's error is against the twin. */
void gs_dr_perf_cfg(gs_world_t *w, size_t k, const gs_series_t *actual,
                    const gs_series_t *twin_series, const gs_dr_result_t *twin,
                    const gs_baseline_cfg_t *cfg);

/* Adds the baselines of `r` to the summary object `o` of its event:
 * "delivered_kw_baseline" {"ven_5min", "x_of_y", "weather"} (kW, null when
 * not estimated) and "baselines", per method {method, baseline_kw,
 * delivered_kw, error_kw, error_pct, error_load_pct, days_before_event,
 * adjustment, adjustment_capped, slope_kw_per_c, note}; errors are null
 * without a twin. Returns false when out of memory. */
bool gs_dr_perf_baselines_json(cJSON *o, const gs_dr_result_t *r);

/* Prints the baselines of `r` as one indented summary line to `out`. */
void gs_dr_perf_baselines_print(FILE *out, const gs_dr_result_t *r);

#endif /* GRIDSIM_DR_PERF_H */
