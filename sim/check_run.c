/* SPDX-License-Identifier: MIT */
/* One headless run of a scenario for `gridsim check`, and its digests. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_golden.h"
#include "comfort.h"
#include "dr_perf.h"
#include "grid.h"
#include "progress.h"
#include "scenario_priv.h"
#include "summary.h"
#include "trace.h"
#include "world.h"

/* FNV-1a, 64 bits: a digest to compare two runs, not a cryptographic one. */
#define GS__FNV_OFFSET UINT64_C(14695981039346656037)
#define GS__FNV_PRIME  UINT64_C(1099511628211)

static uint64_t fnv_bytes(uint64_t h, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= GS__FNV_PRIME;
  }
  return h;
}

/* Digests the samples byte by byte in little-endian order, so the digest
 * is the same on every host. */
static uint64_t fnv_series(uint64_t h, const gs_series_t *s) {
  for (size_t i = 0; i < s->n; i++) {
    uint64_t v = (uint64_t)s->power_mw[i];
    unsigned char b[8];
    for (int k = 0; k < 8; k++)
      b[k] = (unsigned char)(v >> (8 * k));
    h = fnv_bytes(h, b, sizeof b);
  }
  return h;
}

static gs_err_t fnv_file(const char *path, uint64_t *out, gs_errbuf_t *eb) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return gs_errbuf_set(eb, GS_EIO, "%s: cannot read the trace back: %s", path,
                         strerror(errno));
  uint64_t h = GS__FNV_OFFSET;
  unsigned char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    h = fnv_bytes(h, buf, n);
  bool bad = ferror(f);
  fclose(f);
  if (bad) return gs_errbuf_set(eb, GS_EIO, "%s: read error", path);
  *out = h;
  return GS_OK;
}

void gs_check_run_free(gs_check_run_t *r) {
  if (r == NULL) return;
  cJSON_Delete(r->summary);
  r->summary = NULL;
}

/* Every event's twin, its performance, and the twin series digested and
 * stored in the trace, as gridsim run does. */
static gs_err_t run_twins(const gs_scenario_t *s, gs_world_t *w,
                          const gs_series_t *actual, gs_trace_t *trace,
                          uint64_t *digest, gs_errbuf_t *eb) {
  /* Nothing interrupts a check but a signal's default action. */
  static const volatile sig_atomic_t never = 0;
  for (size_t k = 0; k < s->n_events; k++) {
    gs_series_t ts = {0};
    gs_dr_result_t tr;
    gs_err_t err =
        gs_dr_twin(s, k, s->output_interval_us, &ts, &tr, &never, eb);
    if (err == GS_OK) {
      gs_dr_perf_cfg(w, k, actual, &ts, &tr, &s->baselines);
      *digest = fnv_series(*digest, &ts);
      if (trace) err = gs_trace_add_counterfactual(trace, k, &ts, eb);
    }
    gs_series_free(&ts);
    if (err != GS_OK) return err;
  }
  return GS_OK;
}

gs_err_t gs_check_run_scenario(const gs_scenario_t *s, const char *trace_path,
                               gs_check_run_t *out, gs_errbuf_t *eb) {
  if (s == NULL || out == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_check_run_scenario: NULL");
  memset(out, 0, sizeof *out);
  gs_world_t *w = NULL;
  gs_trace_t *trace = NULL;
  gs_series_t actual = {0};
  char *json = NULL;
  double t0 = gs_wall_s();
  gs_err_t err = GS_ENOMEM;
  gs_engine_t *eng =
      gs_engine_create(&(gs_engine_config_t){.seed = s->seed}, eb);
  if (eng == NULL) goto fail;
  if ((err = gs_world_build(s, eng, &w, eb)) != GS_OK) goto fail;
  if (trace_path != NULL) {
    if ((err = gs_trace_open(trace_path, w, &trace, eb)) != GS_OK) goto fail;
    gs_observer_t tobs = gs_trace_observer(trace);
    if ((err = gs_engine_add_observer(eng, &tobs)) != GS_OK) goto fail;
  }
  if ((err = gs_series_attach(&actual, eng, w->fleet_meter,
                              s->output_interval_us)) != GS_OK ||
      (err = gs_grid_observe(w, s->output_interval_us, s->duration_us, eb)) !=
          GS_OK ||
      (err = gs_comfort_observe(w)) != GS_OK)
    goto fail;
  if ((err = gs_engine_run(eng, s->duration_us)) != GS_OK) goto fail;
  gs_engine_finish(eng);
  if ((err = actual.err) != GS_OK) goto fail;
  gs_run_info_t info = {.complete = true, .twins = true};
  info.wall_s = gs_wall_s() - t0;
  out->series_digest = fnv_series(GS__FNV_OFFSET, &actual);
  if ((err = run_twins(s, w, &actual, trace, &out->series_digest, eb)) != GS_OK)
    goto fail;
  info.twin_wall_s = gs_wall_s() - t0 - info.wall_s;
  if (trace != NULL) {
    err = gs_trace_close(trace, true, eb);
    trace = NULL;
    if (err != GS_OK) goto fail;
    err = fnv_file(trace_path, &out->trace_digest, eb);
    remove(trace_path);
    if (err != GS_OK) goto fail;
  }
  err = GS_ENOMEM;
  out->event_digest = gs_engine_digest(eng);
  if ((json = gs_summary_json(w, &info)) == NULL ||
      (out->summary = cJSON_Parse(json)) == NULL)
    goto fail;
  out->wall_s = gs_wall_s() - t0;
  free(json);
  gs_series_free(&actual);
  gs_engine_destroy(eng);
  gs_world_free(w);
  return GS_OK;
fail:
  if (err == GS_ENOMEM && (eb == NULL || eb->msg[0] == '\0'))
    gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  else if (eb != NULL && eb->msg[0] == '\0')
    gs_errbuf_set(eb, err, "run failed: %s", gs_strerror(err));
  if (trace) gs_trace_close(trace, false, NULL);
  free(json);
  gs_series_free(&actual);
  gs_engine_destroy(eng);
  gs_world_free(w);
  gs_check_run_free(out);
  return err;
}

/* ---- Comparing two runs -------------------------------------------------- */

/* Summary keys that measure the host, not the simulation. */
static bool volatile_key(const char *key) {
  static const char *const keys[] = {"wall_s", "twin_wall_s", "events_per_s",
                                     "peak_rss_kib", NULL};
  for (size_t i = 0; key != NULL && keys[i] != NULL; i++)
    if (strcmp(key, keys[i]) == 0) return true;
  return false;
}

/* The first path where `a` and `b` differ, into `path` (which holds the
 * path so far at `len`); numbers must be equal as doubles. */
static bool differ(const cJSON *a, const cJSON *b, char *path, size_t size,
                   size_t len, bool top) {
  if ((a->type & 0xFF) != (b->type & 0xFF)) return true;
  if (cJSON_IsNumber(a)) return a->valuedouble != b->valuedouble;
  if (cJSON_IsString(a)) return strcmp(a->valuestring, b->valuestring) != 0;
  if (!cJSON_IsObject(a) && !cJSON_IsArray(a)) return false;
  const cJSON *x = a->child, *y = b->child;
  for (size_t i = 0; x != NULL || y != NULL; i++) {
    if (x == NULL || y == NULL) return true;
    if (!(top && volatile_key(x->string))) {
      if (cJSON_IsArray(a))
        snprintf(path + len, size - len, "[%zu]", i);
      else
        snprintf(path + len, size - len, "%s%s", len ? "." : "",
                 x->string ? x->string : "");
      if ((x->string && y->string && strcmp(x->string, y->string) != 0) ||
          differ(x, y, path, size, strlen(path), false))
        return true;
      path[len] = '\0';
    }
    x = x->next;
    y = y->next;
  }
  return false;
}

bool gs_check_same_run(const gs_check_run_t *a, const gs_check_run_t *b,
                       char *why, size_t size) {
  char path[256] = "";
  if (a->event_digest != b->event_digest)
    snprintf(why, size, "event digests differ: %016" PRIx64 " vs %016" PRIx64,
             a->event_digest, b->event_digest);
  else if (a->series_digest != b->series_digest)
    snprintf(why, size,
             "fleet series differ: digest %016" PRIx64 " vs %016" PRIx64,
             a->series_digest, b->series_digest);
  else if (a->trace_digest != b->trace_digest)
    snprintf(why, size,
             "HDF5 traces differ: digest %016" PRIx64 " vs %016" PRIx64,
             a->trace_digest, b->trace_digest);
  else if (a->summary == NULL || b->summary == NULL ||
           differ(a->summary, b->summary, path, sizeof path, 0, true))
    snprintf(why, size, "summaries differ at %s", path[0] ? path : "(root)");
  else
    return true;
  return false;
}
