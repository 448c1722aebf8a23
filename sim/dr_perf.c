/* SPDX-License-Identifier: MIT */
/* Delivered kW against the true counterfactual and estimated baselines. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dr_perf.h"
#include "comfort.h"
#include "progress.h"
#include "weather.h"
#include "scenario_priv.h"

gs_err_t gs_dr_twin(const gs_scenario_t *s, size_t k,
                    gs_time_us_t interval_us, gs_series_t *series,
                    gs_dr_result_t *twin, const volatile sig_atomic_t *stop,
                    gs_errbuf_t *eb) {
  return gs_dr_twin_fed(s, k, interval_us, series, twin, stop, NULL, eb);
}

gs_err_t gs_dr_twin_fed(const gs_scenario_t *s, size_t k,
                        gs_time_us_t interval_us, gs_series_t *series,
                        gs_dr_result_t *twin,
                        const volatile sig_atomic_t *stop,
                        const gs_world_t *actual, gs_errbuf_t *eb) {
  gs_world_t *w = NULL;
  gs_err_t err;
  gs_engine_t *eng =
      gs_engine_create(&(gs_engine_config_t){.seed = s->seed}, eb);
  if (eng == NULL) return GS_ENOMEM;
  gs_world_opts_t o = {.sink = NULL, .suppress_event = (int32_t)k,
                       .real_feed = actual};
  if ((err = gs_world_build_opts(s, eng, &o, &w, eb)) != GS_OK) goto done;
  if ((err = gs_series_attach(series, eng, w->fleet_meter, interval_us)) ||
      (err = gs_comfort_observe(w)))
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

/* Rebound: the actual fleet's excess over its twin from the end of the
 * event on, at the sampling instants (state after all events there). */
static void rebound(gs_dr_result_t *r, const gs_series_t *actual,
                    const gs_series_t *twin_series, gs_time_us_t end_us,
                    gs_time_us_t run_us) {
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

/* The first local midnight at or before the run's start, in µs from it
 * (<= 0): X-of-Y days are the fleet's calendar days, as a utility's are. */
static gs_time_us_t local_midnight_us(const gs_scenario_t *s) {
  int64_t local_s = s->start_unix_s + llround(s->utc_offset_h * 3600.0);
  int64_t sod = ((local_s % 86400) + 86400) % 86400;
  return -sod * GS_US_PER_S;
}

static void from_result(gs_dr_baseline_t *b, const gs_baseline_result_t *res) {
  b->ok = res->ok;
  b->kw = res->kw;
  b->n_days = res->n_days;
  b->days_mask = res->days_mask;
  b->adjust = res->adjust;
  b->capped = res->capped;
  b->slope_kw_per_c = res->slope_kw_per_c;
  snprintf(b->note, sizeof b->note, "%s", res->note);
}

/* The X-of-Y and weather baselines of event `k` on the actual series. */
static void estimate(gs_world_t *w, size_t k, const gs_series_t *actual,
                     const gs_baseline_cfg_t *cfg, gs_baseline_span_t ev) {
  const gs_scenario_t *s = w->scenario;
  gs_dr_result_t *r = &w->dr[k];
  gs_baseline_series_t bs = {.power_mw = actual->power_mw,
                             .n = actual->n,
                             .step_us = actual->interval_us,
                             .midnight_us = local_midnight_us(s),
                             .n_events = s->n_events};
  gs_baseline_span_t *spans = malloc((s->n_events ? s->n_events : 1) *
                                     sizeof *spans);
  double *temp = w->weather ? malloc((actual->n ? actual->n : 1) *
                                     sizeof *temp)
                            : NULL;
  gs_baseline_result_t res;
  if (spans == NULL) {
    snprintf(r->baseline_x_of_y.note, sizeof r->baseline_x_of_y.note,
             "out of memory");
    snprintf(r->baseline_weather.note, sizeof r->baseline_weather.note,
             "out of memory");
    goto done;
  }
  for (size_t e = 0; e < s->n_events; e++) {
    gs_time_us_t end = s->events[e].start_us + s->events[e].duration_us;
    spans[e] = (gs_baseline_span_t){s->events[e].start_us,
                                    end < s->duration_us ? end
                                                         : s->duration_us};
  }
  bs.events = spans;
  gs_baseline_x_of_y(&bs, ev, cfg, &res);
  from_result(&r->baseline_x_of_y, &res);
  /* The regression reads the temperature the homes saw at each sample. */
  if (temp != NULL) {
    for (size_t i = 0; i < actual->n; i++)
      temp[i] = gs_weather_temp_c(w->weather,
                                  (gs_time_us_t)i * actual->interval_us);
    bs.temp_c = temp;
  }
  gs_baseline_weather(&bs, ev, cfg, &res);
  from_result(&r->baseline_weather, &res);
  if (w->weather != NULL && temp == NULL)
    snprintf(r->baseline_weather.note, sizeof r->baseline_weather.note,
             "out of memory");
done:
  free(temp);
  free(spans);
}

/* Delivered kW by a baseline and its error against the twin. */
static void score(gs_dr_baseline_t *b, const gs_dr_result_t *r) {
  b->delivered_kw = b->ok ? b->kw - r->mean_kw : NAN;
  bool cmp = b->ok && r->has_twin;
  b->error_kw = cmp ? b->delivered_kw - r->delivered_kw_true : NAN;
  /* A percentage of (almost) nothing is noise: below a watt, none. */
  b->error_pct = cmp && fabs(r->delivered_kw_true) >= 1e-3
                     ? 100 * b->error_kw / r->delivered_kw_true
                     : NAN;
  b->error_load_pct = cmp && fabs(r->twin_mean_kw) >= 1e-3
                          ? 100 * b->error_kw / r->twin_mean_kw
                          : NAN;
}

void gs_dr_perf(gs_world_t *w, size_t k, const gs_series_t *actual,
                const gs_series_t *twin_series, const gs_dr_result_t *twin) {
  gs_dr_perf_cfg(w, k, actual, twin_series, twin, NULL);
}

void gs_dr_perf_cfg(gs_world_t *w, size_t k, const gs_series_t *actual,
                    const gs_series_t *twin_series, const gs_dr_result_t *twin,
                    const gs_baseline_cfg_t *cfg) {
  gs_dr_result_t *r = &w->dr[k];
  const gs_dr_event_cfg_t *ev = gs_world_event(w, k);
  gs_baseline_cfg_t defaults;
  if (cfg == NULL) {
    gs_baseline_cfg_default(&defaults);
    cfg = &defaults;
  }
  gs_time_us_t run_us = w->scenario->duration_us;
  gs_time_us_t end_us = gs_dr_event_end_us(ev); /* early end: restore */
  if (end_us > run_us) end_us = run_us;
  gs_time_us_t dur_us = end_us - ev->start_us;
  gs_dr_baseline_t *bl[] = {&r->baseline_ven_5min, &r->baseline_x_of_y,
                            &r->baseline_weather};
  for (size_t i = 0; i < 3; i++) {
    *bl[i] = (gs_dr_baseline_t){.ok = false};
    score(bl[i], r);
  }
  snprintf(r->baseline_ven_5min.method, sizeof r->baseline_ven_5min.method,
           "the VENs' own 5-min means before the event");
  gs_baseline_describe_x_of_y(cfg, r->baseline_x_of_y.method,
                              sizeof r->baseline_x_of_y.method);
  snprintf(r->baseline_weather.method, sizeof r->baseline_weather.method,
           "temperature regression on %u days", cfg->weather_days);
  if (!r->started) {
    for (size_t i = 0; i < 3; i++)
      snprintf(bl[i]->note, sizeof bl[i]->note, "the event never started");
    return;
  }
  r->mean_kw = mean_kw(r->energy_start_mws, r->energy_end_mws, dur_us);
  r->delivered_kw_ven_baseline = (double)r->baseline_mw / 1e6 - r->mean_kw;
  r->has_twin = twin != NULL && twin_series != NULL;
  if (r->has_twin) {
    r->twin_mean_kw = mean_kw(twin->energy_start_mws, twin->energy_end_mws,
                              dur_us);
    r->delivered_kw_true = r->twin_mean_kw - r->mean_kw;
    r->energy_shed_kwh = r->delivered_kw_true * ((double)dur_us / 3.6e9);
    r->twin_comfort_deg_h = twin->comfort_deg_h;
    rebound(r, actual, twin_series, end_us, run_us);
  }
  r->baseline_ven_5min.ok = true;
  r->baseline_ven_5min.kw = (double)r->baseline_mw / 1e6;
  estimate(w, k, actual, cfg, (gs_baseline_span_t){ev->start_us, end_us});
  for (size_t i = 0; i < 3; i++) score(bl[i], r);
}

/* ---- Summary output ---- */

static const char *const method_key[] = {"ven_5min", "x_of_y", "weather"};

/* A number, or null when it is not one (NaN: not measured). */
static cJSON *num_or_null(cJSON *o, const char *key, double v) {
  return isfinite(v) ? cJSON_AddNumberToObject(o, key, v)
                     : cJSON_AddNullToObject(o, key);
}

static bool method_json(cJSON *parent, const char *key,
                        const gs_dr_baseline_t *b, size_t which) {
  cJSON *o = cJSON_AddObjectToObject(parent, key);
  if (o == NULL) return false;
  bool ok = cJSON_AddStringToObject(o, "method", b->method) != NULL;
  ok = ok && num_or_null(o, "baseline_kw", b->ok ? b->kw : NAN);
  ok = ok && num_or_null(o, "delivered_kw", b->delivered_kw);
  ok = ok && num_or_null(o, "error_kw", b->error_kw);
  ok = ok && num_or_null(o, "error_pct", b->error_pct);
  ok = ok && num_or_null(o, "error_load_pct", b->error_load_pct);
  if (ok && which > 0 && b->ok) {
    cJSON *days = cJSON_AddArrayToObject(o, "days_before_event");
    ok = days != NULL;
    for (unsigned d = 1; ok && d <= 64; d++)
      if (b->days_mask >> (d - 1) & 1) {
        cJSON *n = cJSON_CreateNumber(d);
        ok = n != NULL && cJSON_AddItemToArray(days, n);
      }
  }
  if (ok && which == 1 && b->ok) {
    ok = cJSON_AddNumberToObject(o, "adjustment", b->adjust) &&
         cJSON_AddBoolToObject(o, "adjustment_capped", b->capped);
  }
  if (ok && which == 2 && b->ok)
    ok = cJSON_AddNumberToObject(o, "slope_kw_per_c", b->slope_kw_per_c);
  if (ok)
    ok = b->note[0] ? cJSON_AddStringToObject(o, "note", b->note) != NULL
                    : cJSON_AddNullToObject(o, "note") != NULL;
  return ok;
}

bool gs_dr_perf_baselines_json(cJSON *o, const gs_dr_result_t *r) {
  const gs_dr_baseline_t *bl[] = {&r->baseline_ven_5min, &r->baseline_x_of_y,
                                  &r->baseline_weather};
  cJSON *d = cJSON_AddObjectToObject(o, "delivered_kw_baseline");
  cJSON *m = cJSON_AddObjectToObject(o, "baselines");
  bool ok = d != NULL && m != NULL;
  for (size_t i = 0; ok && i < 3; i++)
    ok = num_or_null(d, method_key[i], bl[i]->delivered_kw) != NULL &&
         method_json(m, method_key[i], bl[i], i);
  return ok;
}

void gs_dr_perf_baselines_print(FILE *out, const gs_dr_result_t *r) {
  static const char *const label[] = {"VEN 5-min", "X-of-Y", "weather"};
  const gs_dr_baseline_t *bl[] = {&r->baseline_ven_5min, &r->baseline_x_of_y,
                                  &r->baseline_weather};
  fprintf(out, "     baselines");
  for (size_t i = 0; i < 3; i++) {
    const gs_dr_baseline_t *b = bl[i];
    fprintf(out, "%s %s ", i ? ";" : "", label[i]);
    if (!b->ok)
      fprintf(out, "n/a (%s)", b->note);
    else if (isfinite(b->error_kw))
      fprintf(out, "%.1f kW (error %+.1f kW, %+.0f %%)", b->delivered_kw,
              b->error_kw, isfinite(b->error_pct) ? b->error_pct : 0.0);
    else
      fprintf(out, "%.1f kW", b->delivered_kw);
  }
  fputc('\n', out);
}
