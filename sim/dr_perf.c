/* SPDX-License-Identifier: MIT */
/* Delivered kW against the true counterfactual and the VENs' baselines. */
#include <math.h>
#include <string.h>

#include "dr_perf.h"
#include "progress.h"
#include "scenario_priv.h"

gs_err_t gs_dr_twin(const gs_scenario_t *s, size_t k,
                    gs_time_us_t interval_us, gs_series_t *series,
                    gs_dr_result_t *twin, const volatile sig_atomic_t *stop,
                    gs_errbuf_t *eb) {
  gs_world_t *w = NULL;
  gs_err_t err;
  gs_engine_t *eng =
      gs_engine_create(&(gs_engine_config_t){.seed = s->seed}, eb);
  if (eng == NULL) return GS_ENOMEM;
  gs_world_opts_t o = {.sink = NULL, .suppress_event = (int32_t)k};
  if ((err = gs_world_build_opts(s, eng, &o, &w, eb)) != GS_OK) goto done;
  if ((err = gs_series_attach(series, eng, w->fleet_meter, interval_us)))
    goto done;
  gs_progress_t prog = {.show = false, .interrupted = stop};
  gs_observer_t po = gs_progress_observer(&prog);
  if ((err = gs_engine_add_observer(eng, &po)) != GS_OK) goto done;
  err = gs_engine_run(eng, s->duration_us);
  gs_engine_finish(eng);
  if (err == GS_OK && series->err != GS_OK) err = series->err;
  if (err == GS_OK) *twin = w->dr[k];
done:
  if (err != GS_OK && err != GS_EINTR && eb && !eb->msg[0])
    gs_errbuf_set(eb, err, "twin of event %zu: %s", k, gs_strerror(err));
  gs_engine_destroy(eng);
  gs_world_free(w);
  return err;
}

/* Mean power in kW over a window, from exact energies in mW·s. */
static double mean_kw(int64_t e0_mws, int64_t e1_mws, gs_time_us_t dur_us) {
  return dur_us > 0 ? (double)(e1_mws - e0_mws) / ((double)dur_us / 1e6) /
                          1e6
                    : 0;
}

void gs_dr_perf(gs_world_t *w, size_t k, const gs_series_t *actual,
                const gs_series_t *twin_series, const gs_dr_result_t *twin) {
  gs_dr_result_t *r = &w->dr[k];
  const gs_dr_event_cfg_t *ev = gs_world_event(w, k);
  gs_time_us_t run_us = w->scenario->duration_us;
  gs_time_us_t end_us = ev->start_us + ev->duration_us;
  if (end_us > run_us) end_us = run_us;
  gs_time_us_t dur_us = end_us - ev->start_us;
  if (!r->started) return;
  r->mean_kw = mean_kw(r->energy_start_mws, r->energy_end_mws, dur_us);
  r->delivered_kw_ven_baseline = (double)r->baseline_mw / 1e6 - r->mean_kw;
  r->has_twin = twin != NULL && twin_series != NULL;
  if (!r->has_twin) return;
  r->twin_mean_kw = mean_kw(twin->energy_start_mws, twin->energy_end_mws,
                            dur_us);
  r->delivered_kw_true = r->twin_mean_kw - r->mean_kw;
  r->energy_shed_kwh = r->delivered_kw_true * ((double)dur_us / 3.6e9);
  /* Rebound: the actual fleet's excess over its twin from the end of the
   * event on, at the sampling instants (state after all events there). */
  gs_time_us_t step = actual->interval_us;
  size_t n = actual->n < twin_series->n ? actual->n : twin_series->n;
  size_t first = (size_t)((end_us + step - 1) / step);
  double peak = 0;
  size_t peak_i = first;
  for (size_t i = first; i < n; i++) {
    double d = (double)(actual->power_mw[i] - twin_series->power_mw[i]) / 1e6;
    if (d > peak) {
      peak = d;
      peak_i = i;
    }
  }
  r->rebound_peak_kw = peak;
  r->rebound_peak_at_s = (double)((gs_time_us_t)peak_i * step) / 1e6;
  if (peak <= 0) return;
  size_t stop_i = n;
  for (size_t i = peak_i; i < n; i++)
    if ((double)(actual->power_mw[i] - twin_series->power_mw[i]) / 1e6 <=
        0.1 * peak) {
      stop_i = i;
      break;
    }
  gs_time_us_t stop_us = stop_i < n ? (gs_time_us_t)stop_i * step : run_us;
  r->rebound_duration_s = (double)(stop_us - end_us) / 1e6;
  double e = 0;
  for (size_t i = first; i < stop_i && i < n; i++) {
    double d = (double)(actual->power_mw[i] - twin_series->power_mw[i]) / 1e6;
    if (d > 0) e += d * ((double)step / 3.6e9);
  }
  r->rebound_energy_kwh = e;
}
