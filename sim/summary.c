/* SPDX-License-Identifier: MIT */
/* Summary of a run: fleet energy and peak, DR results, engine figures. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "gridsim/version.h"
#include "scenario_priv.h"
#include "dr_perf.h"
#include "grid.h"
#include "program.h"
#include "summary.h"

long gs_peak_rss_kib(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
  return ru.ru_maxrss; /* KiB on Linux */
}

static double mw_to_kw(int64_t mw) { return (double)mw / 1e6; }

/* Fleet figures from the root meter at the run's final time. */
typedef struct fleet_figs {
  double energy_kwh, peak_kw, mean_kw;
  gs_time_us_t peak_at_us, now_us;
} fleet_figs_t;

static fleet_figs_t fleet_figures(const gs_world_t *w) {
  fleet_figs_t f;
  gs_meters_t *m = gs_engine_meters(w->engine);
  f.now_us = gs_engine_now(w->engine);
  f.energy_kwh = gs_meters_energy_kwh(m, w->fleet_meter, f.now_us);
  f.peak_kw = mw_to_kw(gs_meters_peak_mw(m, w->fleet_meter, f.now_us,
                                         &f.peak_at_us));
  f.mean_kw = f.now_us > 0 ? f.energy_kwh / ((double)f.now_us / 3.6e9) : 0;
  return f;
}

/* Per-home figures: what a home draws in a day and its own peak (not the
 * coincident one), to compare with residential survey data. */
typedef struct home_figs {
  double kwh_per_day, peak_kw_mean, peak_kw_max, coincident_kw;
} home_figs_t;

static home_figs_t home_figures(const gs_world_t *w, const fleet_figs_t *f) {
  home_figs_t h = {0};
  gs_meters_t *m = gs_engine_meters(w->engine);
  if (w->n_vens == 0 || f->now_us <= 0) return h;
  double days = (double)f->now_us / 8.64e10, peak_sum = 0;
  for (uint64_t i = 0; i < w->n_vens; i++) {
    double p = mw_to_kw(gs_meters_peak_mw(m, w->ven_meter[i], f->now_us,
                                          NULL));
    peak_sum += p;
    if (p > h.peak_kw_max) h.peak_kw_max = p;
  }
  h.kwh_per_day = f->energy_kwh / (double)w->n_vens / days;
  h.peak_kw_mean = peak_sum / (double)w->n_vens;
  h.coincident_kw = f->peak_kw / (double)w->n_vens;
  return h;
}

static void homes_json(cJSON *root, const gs_world_t *w,
                       const fleet_figs_t *f) {
  home_figs_t h = home_figures(w, f);
  cJSON *o = cJSON_AddObjectToObject(root, "homes");
  cJSON_AddNumberToObject(o, "energy_kwh_per_day", h.kwh_per_day);
  cJSON_AddNumberToObject(o, "peak_kw_mean", h.peak_kw_mean);
  cJSON_AddNumberToObject(o, "peak_kw_max", h.peak_kw_max);
  cJSON_AddNumberToObject(o, "coincident_peak_kw", h.coincident_kw);
}

char *gs_summary_json(const gs_world_t *w, const gs_run_info_t *info) {
  const gs_scenario_t *s = w->scenario;
  const gs_engine_t *e = w->engine;
  fleet_figs_t f = fleet_figures(w);
  char buf[64];
  cJSON *root = cJSON_CreateObject();
  if (root == NULL) return NULL;
  cJSON_AddStringToObject(root, "gridsim_version", GS_VERSION);
  cJSON_AddStringToObject(root, "scenario", s->name);
  cJSON_AddStringToObject(root, "scenario_file", s->file);
  cJSON_AddNumberToObject(root, "seed", (double)s->seed);
  cJSON_AddNumberToObject(root, "vens", (double)w->n_vens);
  cJSON_AddNumberToObject(root, "loads", (double)w->n_loads);
  cJSON_AddNumberToObject(root, "entities",
                          (double)gs_engine_entity_count(e));
  gs_time_format_iso8601(s->start_unix_s, buf, sizeof buf);
  cJSON_AddStringToObject(root, "start", buf);
  cJSON_AddNumberToObject(root, "sim_duration_s", (double)f.now_us / 1e6);
  cJSON_AddBoolToObject(root, "complete", info->complete);
  cJSON_AddNumberToObject(root, "events_processed",
                          (double)gs_engine_events_processed(e));
  cJSON_AddNumberToObject(root, "events_cancelled",
                          (double)gs_engine_events_cancelled(e));
  snprintf(buf, sizeof buf, "%016" PRIx64, gs_engine_digest(e));
  cJSON_AddStringToObject(root, "event_digest", buf);
  cJSON_AddNumberToObject(root, "wall_s", info->wall_s);
  cJSON_AddNumberToObject(root, "twin_wall_s", info->twin_wall_s);
  cJSON_AddNumberToObject(
      root, "events_per_s",
      info->wall_s > 0 ? (double)gs_engine_events_processed(e) / info->wall_s
                       : 0);
  cJSON_AddNumberToObject(root, "peak_rss_kib", (double)gs_peak_rss_kib());
  cJSON *fl = cJSON_AddObjectToObject(root, "fleet");
  cJSON_AddNumberToObject(fl, "energy_kwh", f.energy_kwh);
  cJSON_AddNumberToObject(fl, "peak_kw", f.peak_kw);
  cJSON_AddNumberToObject(fl, "peak_time_s", (double)f.peak_at_us / 1e6);
  cJSON_AddNumberToObject(fl, "mean_kw", f.mean_kw);
  homes_json(root, w, &f);
  gs_grid_summary_json(root, w);
  cJSON_AddStringToObject(root, "counterfactual",
                          info->twins ? "twin" : "none");
  cJSON *arr = cJSON_AddArrayToObject(root, "dr_events");
  for (size_t k = 0; k < s->n_events; k++) {
    const gs_dr_event_cfg_t *ev = &s->events[k];
    const gs_dr_result_t *r = &w->dr[k];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(arr, o);
    cJSON_AddStringToObject(o, "id", ev->id);
    cJSON_AddNumberToObject(o, "start_s", (double)ev->start_us / 1e6);
    cJSON_AddNumberToObject(o, "duration_s", (double)ev->duration_us / 1e6);
    cJSON_AddNumberToObject(o, "requested_kw", mw_to_kw(r->requested_mw));
    cJSON_AddNumberToObject(o, "dispatched_kw", mw_to_kw(r->dispatched_mw));
    cJSON_AddNumberToObject(o, "targeted_vens", r->targeted);
    cJSON_AddNumberToObject(o, "acks", r->acks);
    cJSON_AddNumberToObject(o, "opt_outs", r->opt_outs);
    cJSON_AddNumberToObject(o, "lost", r->lost);
    cJSON_AddNumberToObject(o, "skipped_offline", r->skipped_offline);
    cJSON_AddStringToObject(o, "dispatch",
                            gs_program_dispatch_name(ev->dispatch));
    if (ev->signal.kind != GS_SIGNAL_NONE)
      cJSON_AddStringToObject(o, "signal",
                              gs_program_signal_name(ev->signal.kind));
    if (ev->end_early_us > 0)
      cJSON_AddNumberToObject(o, "end_early_s",
                              (double)ev->end_early_us / 1e6);
    cJSON_AddNumberToObject(o, "acked_shed_kw", mw_to_kw(r->acked_shed_mw));
    cJSON_AddNumberToObject(o, "ven_baseline_kw", mw_to_kw(r->baseline_mw));
    cJSON_AddNumberToObject(o, "mean_kw", r->mean_kw);
    cJSON_AddNumberToObject(o, "comfort_violation_deg_h", r->comfort_deg_h);
    if (r->has_twin) {
      cJSON_AddNumberToObject(o, "counterfactual_mean_kw", r->twin_mean_kw);
      cJSON_AddNumberToObject(o, "delivered_kw_true", r->delivered_kw_true);
      cJSON_AddNumberToObject(o, "energy_shed_kwh", r->energy_shed_kwh);
      cJSON_AddNumberToObject(o, "rebound_peak_kw", r->rebound_peak_kw);
      cJSON_AddNumberToObject(o, "rebound_peak_time_s",
                              r->rebound_peak_at_s);
      cJSON_AddNumberToObject(o, "rebound_duration_s",
                              r->rebound_duration_s);
      cJSON_AddNumberToObject(o, "rebound_energy_kwh",
                              r->rebound_energy_kwh);
      cJSON_AddNumberToObject(o, "counterfactual_comfort_violation_deg_h",
                              r->twin_comfort_deg_h);
      cJSON_AddNumberToObject(o, "comfort_violation_added_deg_h",
                              r->comfort_deg_h - r->twin_comfort_deg_h);
    } else {
      cJSON_AddNullToObject(o, "delivered_kw_true");
      cJSON_AddNullToObject(o, "rebound_peak_kw");
    }
    gs_dr_perf_baselines_json(o, r);
  }
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  return text;
}

void gs_summary_print(FILE *out, const gs_world_t *w,
                      const gs_run_info_t *info) {
  const gs_scenario_t *s = w->scenario;
  const gs_engine_t *e = w->engine;
  fleet_figs_t f = fleet_figures(w);
  char start[32], peak[32];
  gs_time_format_iso8601(s->start_unix_s, start, sizeof start);
  gs_time_format_iso8601(s->start_unix_s + f.peak_at_us / 1000000, peak,
                         sizeof peak);
  uint64_t n = gs_engine_events_processed(e);
  fprintf(out, "gridsim %s: scenario \"%s\" (%s), seed %" PRIu64 "%s\n",
          GS_VERSION, s->name, s->file, s->seed,
          info->complete ? "" : "  [INTERRUPTED]");
  fprintf(out, "  fleet      %" PRIu64 " VENs, %" PRIu64 " loads; %.4g h "
          "simulated from %s\n", w->n_vens, w->n_loads,
          (double)f.now_us / 3.6e9, start);
  fprintf(out, "  engine     %" PRIu64 " events in %.3f s (%.3g events/s), "
          "peak RSS %.1f MiB, digest %016" PRIx64 "\n", n, info->wall_s,
          info->wall_s > 0 ? (double)n / info->wall_s : 0.0,
          (double)gs_peak_rss_kib() / 1024, gs_engine_digest(e));
  if (info->twins)
    fprintf(out, "  twins      %zu counterfactual run%s in %.3f s\n",
            s->n_events, s->n_events == 1 ? "" : "s", info->twin_wall_s);
  fprintf(out, "  energy     %.1f kWh (%.2f kWh per VEN), mean %.1f kW\n",
          f.energy_kwh, w->n_vens ? f.energy_kwh / (double)w->n_vens : 0.0,
          f.mean_kw);
  fprintf(out, "  peak       %.1f kW at %s\n", f.peak_kw, peak);
  home_figs_t h = home_figures(w, &f);
  fprintf(out, "  per home   %.1f kWh/day; own peak %.2f kW mean, %.2f kW "
          "max; coincident peak %.2f kW\n", h.kwh_per_day, h.peak_kw_mean,
          h.peak_kw_max, h.coincident_kw);
  gs_grid_summary_print(out, w);
  for (size_t k = 0; k < s->n_events; k++) {
    const gs_dr_result_t *r = &w->dr[k];
    fprintf(out, "  DR %-8s requested %.1f kW from %u VENs at +%.4g h: %u "
            "acks, %u opt-outs, %u lost, %u skipped offline; acked shed "
            "%.1f kW\n",
            s->events[k].id, mw_to_kw(r->requested_mw), r->targeted,
            (double)s->events[k].start_us / 3.6e9, r->acks, r->opt_outs,
            r->lost, r->skipped_offline, mw_to_kw(r->acked_shed_mw));
    if (r->has_twin)
      fprintf(out, "     delivered %.1f kW true (counterfactual twin), %.1f kW "
              "by the VENs' 5-min baseline; rebound peak +%.1f kW, %.0f min, "
              "%.1f kWh; comfort %.1f degC-h past setpoints (+%.1f over "
              "the twin)\n", r->delivered_kw_true,
              r->delivered_kw_ven_baseline, r->rebound_peak_kw,
              r->rebound_duration_s / 60, r->rebound_energy_kwh,
              r->comfort_deg_h, r->comfort_deg_h - r->twin_comfort_deg_h);
    else
      fprintf(out, "     delivered %.1f kW by the VENs' 5-min baseline "
              "(no twin: true delivery not measured)\n",
              r->delivered_kw_ven_baseline);
    gs_dr_perf_baselines_print(out, r);
  }
}

gs_err_t gs_write_file_atomic(const char *path, const char *text,
                              gs_errbuf_t *eb) {
  size_t len = strlen(path);
  char *tmp = malloc(len + 16);
  if (tmp == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  snprintf(tmp, len + 16, "%s.tmp%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "w");
  if (f == NULL) {
    gs_errbuf_set(eb, GS_EIO, "%s: cannot write: %s", path, strerror(errno));
    free(tmp);
    return GS_EIO;
  }
  size_t n = strlen(text);
  bool ok = fwrite(text, 1, n, f) == n && fputc('\n', f) != EOF;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) {
    gs_errbuf_set(eb, GS_EIO, "%s: cannot write: %s", path, strerror(errno));
    remove(tmp);
    free(tmp);
    return GS_EIO;
  }
  free(tmp);
  return GS_OK;
}
