/* SPDX-License-Identifier: MIT */
/* OpenADR reports of a VEN: planned from reportDescriptors, read from its meter. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oadr_priv.h"
#include "scenario_priv.h"
#include "ven.h"

#define GS__OADR_TYPES_MAX 8

/* One report to build: the intervals it covers and what it reports. */
typedef struct gs__ojob {
  uint32_t ven;
  bool cancelled, done;
  char event_id[GS_OADR_ID_MAX];
  char program_id[GS_OADR_ID_MAX];
  uint32_t n_rows, seq;
  int32_t *ids;
  gs_time_us_t *starts, *durs;
  /* Per row: energy at its start and end; capability at its start;
   * the VEN's baseline at its end. */
  int64_t *e0_mws, *e1_mws, *cap_mw, *base_mw;
  uint32_t left;            /* samples still to take */
  uint32_t n_types;
  char types[GS__OADR_TYPES_MAX][3][GS_OADR_TYPE_MAX]; /* type, reading, units */
} gs__ojob_t;

/* What gridsim reports for a payloadType: default reading type and units. */
static const struct {
  const char *type, *reading, *units;
} known[] = {
    {"USAGE", "DIRECT_READ", "KWH"},
    {"DEMAND", "DIRECT_READ", "KW"},
    {"BASELINE", "ESTIMATED", "KW"},
    {"LOAD_SHED_DELTA_AVAILABLE", "ESTIMATED", "KW"},
};

/* Scale of a kW (or kWh) figure to `units`; 0 if not convertible. */
static double to_units(const char *units, bool energy) {
  static const struct { const char *u; double s; bool energy; } t[] = {
      {"KW", 1, false},  {"W", 1e3, false},  {"MW", 1e-3, false},
      {"KWH", 1, true},  {"WH", 1e3, true},  {"MWH", 1e-3, true}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (strcmp(units, t[i].u) == 0 && t[i].energy == energy) return t[i].s;
  return 0;
}

bool gs_oadr_report_value(const char *type, const char *units, int64_t e0_mws,
                          int64_t e1_mws, int64_t duration_us,
                          int64_t baseline_mw, int64_t capability_mw,
                          double *out) {
  const char *u = units;
  double hours = (double)duration_us / 3.6e9;
  if (strcmp(type, "USAGE") == 0) {
    double kwh = (double)(e1_mws - e0_mws) / 3.6e9; /* mW s -> kWh */
    double s = to_units(u[0] ? u : "KWH", true);
    if (s == 0) return false;
    *out = kwh * s;
    return true;
  }
  double kw;
  if (strcmp(type, "DEMAND") == 0)
    kw = duration_us > 0 ? (double)(e1_mws - e0_mws) / 1e6 /
                               ((double)duration_us / 1e6)
                         : 0;
  else if (strcmp(type, "BASELINE") == 0)
    kw = (double)baseline_mw / 1e6;
  else if (strcmp(type, "LOAD_SHED_DELTA_AVAILABLE") == 0)
    kw = (double)capability_mw / 1e6;
  else
    return false;
  double s = to_units(u[0] ? u : "KW", false);
  if (s != 0) {
    *out = kw * s;
    return true;
  }
  /* A baseline asked as energy: the baseline power over the interval. */
  s = to_units(u, true);
  if (s == 0 || strcmp(type, "DEMAND") == 0) return false;
  *out = kw * hours * s;
  return true;
}

static int known_type(const char *type) {
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(type, known[i].type) == 0) return (int)i;
  return -1;
}

static void job_free(gs__ojob_t *j) {
  free(j->ids);
  free(j->starts);
  free(j->durs);
  free(j->e0_mws);
  free(j->e1_mws);
  free(j->cap_mw);
  free(j->base_mw);
  memset(j, 0, sizeof *j);
}

void gs__oadr_jobs_free(gs_oadr_t *b) {
  for (size_t i = 0; i < b->n_jobs; i++) job_free(&b->jobs[i]);
  free(b->jobs);
  b->jobs = NULL;
  b->n_jobs = b->cap_jobs = 0;
}

void gs__oadr_job_cancel(gs_oadr_t *b, uint32_t job) {
  if (job < b->n_jobs && !b->jobs[job].done) {
    b->jobs[job].cancelled = true;
    job_free(&b->jobs[job]);
    b->jobs[job].cancelled = true;
  }
}

/* Adds a job over rows [r0, r1) of the event for the descriptors `ds`
 * (indices into ev->reports, `nd` of them, alike in their schedule). */
static gs_err_t add_job(gs_oadr_t *b, gs__oven_t *v, const gs_oadr_event_t *ev,
                        gs__oev_t *e, const size_t *ds, size_t nd, size_t r0,
                        size_t r1, const gs_time_us_t *starts,
                        const gs_time_us_t *durs, uint32_t seq) {
  gs_engine_t *eng = b->world->engine;
  gs_time_us_t now = gs_engine_now(eng);
  if (r1 <= r0 || starts[r1 - 1] + durs[r1 - 1] <= now) return GS_OK;
  if (b->n_jobs == b->cap_jobs) {
    size_t cap = b->cap_jobs ? b->cap_jobs * 2 : 64;
    gs__ojob_t *g = realloc(b->jobs, cap * sizeof *g);
    if (g == NULL) return GS_ENOMEM;
    b->jobs = g;
    b->cap_jobs = cap;
  }
  uint32_t *ej = realloc(e->jobs, (e->n_jobs + 1) * sizeof *ej);
  if (ej == NULL) return GS_ENOMEM;
  e->jobs = ej;
  gs__ojob_t *j = &b->jobs[b->n_jobs];
  memset(j, 0, sizeof *j);
  size_t n = r1 - r0;
  j->ven = v->index;
  j->seq = seq;
  j->n_rows = (uint32_t)n;
  snprintf(j->event_id, sizeof j->event_id, "%s", ev->id);
  snprintf(j->program_id, sizeof j->program_id, "%s", ev->program_id);
  j->ids = calloc(n, sizeof *j->ids);
  j->starts = calloc(n, sizeof *j->starts);
  j->durs = calloc(n, sizeof *j->durs);
  j->e0_mws = calloc(n, sizeof *j->e0_mws);
  j->e1_mws = calloc(n, sizeof *j->e1_mws);
  j->cap_mw = calloc(n, sizeof *j->cap_mw);
  j->base_mw = calloc(n, sizeof *j->base_mw);
  if (!j->ids || !j->starts || !j->durs || !j->e0_mws || !j->e1_mws ||
      !j->cap_mw || !j->base_mw) {
    job_free(j);
    return GS_ENOMEM;
  }
  for (size_t k = 0; k < nd && j->n_types < GS__OADR_TYPES_MAX; k++) {
    const gs_oadr_report_desc_t *d = &ev->reports[ds[k]];
    int t = known_type(d->payload_type);
    snprintf(j->types[j->n_types][0], GS_OADR_TYPE_MAX, "%s", d->payload_type);
    snprintf(j->types[j->n_types][1], GS_OADR_TYPE_MAX, "%s",
             d->reading_type[0] ? d->reading_type : known[t].reading);
    snprintf(j->types[j->n_types][2], GS_OADR_TYPE_MAX, "%s",
             d->units[0] ? d->units : known[t].units);
    j->n_types++;
  }
  uint32_t id = (uint32_t)b->n_jobs++;
  e->jobs[e->n_jobs++] = id;
  /* A sample at each row's start and end; boundaries already past (the
   * event came late) are read now. */
  for (size_t r = 0; r < n; r++) {
    j->ids[r] = ev->intervals[r0 + r].id;
    j->starts[r] = starts[r0 + r];
    j->durs[r] = durs[r0 + r];
    for (uint32_t side = 0; side < 2; side++) {
      gs_time_us_t at = j->starts[r] + (side ? j->durs[r] : 0);
      gs_engine_schedule(eng, b->probe, at > now ? at : now, GS_PHASE_REPORT,
                         0, (int64_t)id, (uint32_t)(2 * r + side));
      j->left++;
    }
  }
  return GS_OK;
}

gs_err_t gs__oadr_plan_reports(gs_oadr_t *b, gs__oven_t *v,
                               const gs_oadr_event_t *ev, gs__oev_t *e,
                               const gs_time_us_t *starts_us,
                               const gs_time_us_t *durs_us, size_t n) {
  /* Descriptors with the same schedule go into one report; those gridsim
   * cannot measure are left out. */
  size_t nd = ev->n_reports;
  bool *used = calloc(nd ? nd : 1, sizeof *used);
  size_t *group = calloc(nd ? nd : 1, sizeof *group);
  if (used == NULL || group == NULL) {
    free(used);
    free(group);
    return GS_ENOMEM;
  }
  gs_err_t err = GS_OK;
  uint32_t seq = 0;
  for (size_t a = 0; a < nd && err == GS_OK; a++) {
    const gs_oadr_report_desc_t *da = &ev->reports[a];
    if (used[a] || known_type(da->payload_type) < 0) continue;
    size_t ng = 0;
    for (size_t c = a; c < nd; c++) {
      const gs_oadr_report_desc_t *dc = &ev->reports[c];
      if (!used[c] && known_type(dc->payload_type) >= 0 &&
          dc->start_interval == da->start_interval &&
          dc->num_intervals == da->num_intervals &&
          dc->frequency == da->frequency) {
        used[c] = true;
        group[ng++] = c;
      }
    }
    /* The rows: startInterval -1 is "at the end of the last interval",
     * covering the last numIntervals (all with -1); else numIntervals
     * from startInterval on. frequency > 0 splits them into reports of
     * that many intervals each. */
    size_t k = da->num_intervals < 0 ? n : (size_t)da->num_intervals;
    if (k > n) k = n;
    size_t r0 = da->start_interval < 0 ? n - k
                                       : (size_t)da->start_interval;
    if (r0 > n) r0 = n;
    size_t r1 = r0 + k > n ? n : r0 + k;
    size_t step = da->frequency > 0 ? (size_t)da->frequency : r1 - r0;
    if (step == 0) step = 1;
    for (size_t s = r0; s < r1 && err == GS_OK; s += step)
      err = add_job(b, v, ev, e, group, ng, s, s + step > r1 ? r1 : s + step,
                    starts_us, durs_us, seq++);
  }
  free(used);
  free(group);
  return err;
}

/* All samples in: the report's body, queued at the VEN. */
static void build(gs_oadr_t *b, gs__ojob_t *j) {
  double *vals = calloc((size_t)j->n_rows * j->n_types + 1, sizeof *vals);
  gs_oadr_report_row_t *rows = calloc(j->n_rows, sizeof *rows);
  gs_oadr_report_type_t types[GS__OADR_TYPES_MAX];
  char *body = NULL;
  int64_t t0_us = b->world->scenario->start_unix_s * GS_US_PER_S;
  if (vals && rows) {
    for (uint32_t t = 0; t < j->n_types; t++)
      types[t] = (gs_oadr_report_type_t){j->types[t][0], j->types[t][1],
                                         j->types[t][2]};
    for (uint32_t r = 0; r < j->n_rows; r++) {
      double *row = vals + (size_t)r * j->n_types;
      for (uint32_t t = 0; t < j->n_types; t++)
        if (!gs_oadr_report_value(j->types[t][0], j->types[t][2],
                                  j->e0_mws[r], j->e1_mws[r], j->durs[r],
                                  j->base_mw[r], j->cap_mw[r], &row[t]))
          row[t] = 0; /* units the VEN cannot convert to: 0, as sent */
      rows[r] = (gs_oadr_report_row_t){.id = j->ids[r],
                                       .start_unix_us = t0_us + j->starts[r],
                                       .duration_us = j->durs[r],
                                       .values = row};
    }
    gs__oven_t *v = &b->vens[j->ven];
    char name[GS_OADR_ID_MAX * 2 + 16];
    snprintf(name, sizeof name, "%s-%s-%u", v->name, j->event_id,
             (unsigned)j->seq);
    body = gs_oadr_build_report(b->cfg.version, j->program_id, j->event_id,
                                v->name, name, v->name, types, j->n_types,
                                rows, j->n_rows);
  }
  gs_time_us_t due = j->starts[j->n_rows - 1] + j->durs[j->n_rows - 1];
  gs__oadr_queue_report(b, &b->vens[j->ven], body, due);
  free(vals);
  free(rows);
}

void gs__oadr_probe_sample(gs_oadr_t *b, gs_engine_t *eng, uint32_t job,
                           uint32_t boundary) {
  if (job >= b->n_jobs) return;
  gs__ojob_t *j = &b->jobs[job];
  if (j->cancelled || j->done || boundary / 2 >= j->n_rows) return;
  const gs_world_t *w = b->world;
  uint32_t r = boundary / 2;
  gs_entity_id_t ven = w->ven_entity[j->ven];
  int64_t e = gs_meters_energy_mws(gs_engine_meters(eng), w->ven_meter[j->ven],
                                   gs_engine_now(eng));
  if (boundary % 2 == 0) {
    j->e0_mws[r] = e;
    j->cap_mw[r] = gs_ven_capability_mw(eng, ven);
  } else {
    j->e1_mws[r] = e;
    j->base_mw[r] = gs_ven_baseline_mw(gs_engine_state(eng, ven));
  }
  if (--j->left > 0) return;
  build(b, j);
  j->done = true;
  job_free(j);
  j->done = true;
}

/* ---- the probe entity ------------------------------------------------------ */

static void probe_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                         const gs_event_t *ev) {
  (void)self;
  gs_oadr_t *b = *(gs_oadr_t **)state;
  gs__oadr_probe_sample(b, eng, (uint32_t)ev->arg, ev->arg2);
}

const gs_model_type_t gs__oadr_probe_type = {
    .name = "oadr_probe",
    .doc = "samples VEN meters at OpenADR report interval boundaries",
    .role = GS_ROLE_SYSTEM,
    .state_size = sizeof(gs_oadr_t *),
    .handle = probe_handle,
};
