/* SPDX-License-Identifier: MIT */
/* The trace's /dr group: the DR schedule, per-event results, twins. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_priv.h"
#include "trace_priv.h"

#define EVENT_ID_MAX 64

/* A table written once: rows of a struct, members listed like /log's. */
enum { FT_F64, FT_U32, FT_U8, FT_ID, FT_ENUM };

typedef struct field {
  const char *name;
  size_t off;
  int type;
  const char *units;
} field_t;

/* Copies an event id, cut to EVENT_ID_MAX - 1 bytes, into zeroed `dst`. */
static void copy_id(char *dst, const char *id) {
  size_t n = strlen(id);
  memcpy(dst, id, n < EVENT_ID_MAX - 1 ? n : EVENT_ID_MAX - 1);
}

static const char *const target_names[] = {"all",  "group",  "fraction",
                                           "list", "feeder", "transformer"};

/* ---- /dr/events: the schedule ------------------------------------------- */

typedef struct sched_row {
  char id[EVENT_ID_MAX];
  double start_s, duration_s, notice_s, requested_kw;
  signed char target;
} sched_row_t;

#define S(name, member, type, units) \
  { name, offsetof(sched_row_t, member), type, units }
static const field_t sched_fields[] = {
    S("id", id, FT_ID, ""),
    S("start_s", start_s, FT_F64, "s"),
    S("duration_s", duration_s, FT_F64, "s"),
    S("notice_s", notice_s, FT_F64, "s"),
    S("requested_kw", requested_kw, FT_F64, "kW"),
    S("target", target, FT_ENUM, ""),
};

/* ---- /dr/performance ----------------------------------------------------- */

typedef struct perf_row {
  char id[EVENT_ID_MAX];
  uint8_t started, ended, has_twin;
  uint32_t targeted, acks, opt_outs, lost, skipped_offline;
  double requested_kw, dispatched_kw, acked_shed_kw, ven_baseline_kw;
  double mean_kw, twin_mean_kw, delivered_kw_true, delivered_kw_ven_baseline;
  double energy_shed_kwh, rebound_peak_kw, rebound_peak_at_s;
  double rebound_duration_s, rebound_energy_kwh;
  double est_kw[3], est_delivered_kw[3], est_error_kw[3];
} perf_row_t;

#define P(name, member, type, units) \
  { name, offsetof(perf_row_t, member), type, units }
static const field_t perf_fields[] = {
    P("id", id, FT_ID, ""),
    P("started", started, FT_U8, "1"),
    P("ended", ended, FT_U8, "1"),
    P("requested_kw", requested_kw, FT_F64, "kW"),
    P("dispatched_kw", dispatched_kw, FT_F64, "kW"),
    P("targeted", targeted, FT_U32, "1"),
    P("acks", acks, FT_U32, "1"),
    P("opt_outs", opt_outs, FT_U32, "1"),
    P("lost", lost, FT_U32, "1"),
    P("skipped_offline", skipped_offline, FT_U32, "1"),
    P("acked_shed_kw", acked_shed_kw, FT_F64, "kW"),
    P("ven_baseline_kw", ven_baseline_kw, FT_F64, "kW"),
    P("mean_kw", mean_kw, FT_F64, "kW"),
    P("has_twin", has_twin, FT_U8, "1"),
    P("twin_mean_kw", twin_mean_kw, FT_F64, "kW"),
    P("delivered_kw_true", delivered_kw_true, FT_F64, "kW"),
    P("delivered_kw_ven_baseline", delivered_kw_ven_baseline, FT_F64, "kW"),
    P("energy_shed_kwh", energy_shed_kwh, FT_F64, "kWh"),
    P("rebound_peak_kw", rebound_peak_kw, FT_F64, "kW"),
    P("rebound_peak_at_s", rebound_peak_at_s, FT_F64, "s"),
    P("rebound_duration_s", rebound_duration_s, FT_F64, "s"),
    P("rebound_energy_kwh", rebound_energy_kwh, FT_F64, "kWh"),
    P("baseline_ven_5min_kw", est_kw[0], FT_F64, "kW"),
    P("baseline_ven_5min_delivered_kw", est_delivered_kw[0], FT_F64, "kW"),
    P("baseline_ven_5min_error_kw", est_error_kw[0], FT_F64, "kW"),
    P("baseline_x_of_y_kw", est_kw[1], FT_F64, "kW"),
    P("baseline_x_of_y_delivered_kw", est_delivered_kw[1], FT_F64, "kW"),
    P("baseline_x_of_y_error_kw", est_error_kw[1], FT_F64, "kW"),
    P("baseline_weather_kw", est_kw[2], FT_F64, "kW"),
    P("baseline_weather_delivered_kw", est_delivered_kw[2], FT_F64, "kW"),
    P("baseline_weather_error_kw", est_error_kw[2], FT_F64, "kW"),
};

#define NFIELDS(a) (sizeof a / sizeof a[0])

static hid_t member_type(int type, bool file) {
  switch (type) {
    case FT_F64:
      return H5Tcopy(file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE);
    case FT_U32:
      return H5Tcopy(file ? H5T_STD_U32LE : H5T_NATIVE_UINT32);
    case FT_U8:
      return H5Tcopy(file ? H5T_STD_U8LE : H5T_NATIVE_UINT8);
    case FT_ID:
      return gs__tr_str_type(EVENT_ID_MAX - 1);
    default:
      return gs__tr_enum(target_names, NFIELDS(target_names), file);
  }
}

static hid_t member(const void *ctx, size_t i, bool file, const char **name,
                    size_t *off) {
  const field_t *f = &((const field_t *)ctx)[i];
  *name = f->name;
  *off = f->off;
  return member_type(f->type, file);
}

/* Packed for the file, over the row struct (`row_size`) in memory. */
static hid_t compound(const field_t *f, size_t n, size_t row_size, bool file) {
  return gs__tr_compound(n, row_size, file, member, f);
}

/* Writes /dr/<name>, `n` rows of `rows`, with units per field. */
static herr_t write_table(hid_t g, const char *name, const field_t *f,
                          size_t nf, size_t row_size, const void *rows,
                          size_t n, const char *doc) {
  const char *units[40];
  for (size_t i = 0; i < nf; i++)
    units[i] = f[i].units;
  hsize_t dim = n;
  herr_t st = -1;
  hid_t fty = compound(f, nf, row_size, true);
  hid_t mty = compound(f, nf, row_size, false);
  hid_t sp = H5Screate_simple(1, &dim, NULL);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (fty >= 0 && mty >= 0 && sp >= 0 && dcpl >= 0 &&
      H5Pset_obj_track_times(dcpl, 0) >= 0) {
    hid_t d = H5Dcreate2(g, name, fty, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d >= 0) {
      st = n == 0 ? 0 : H5Dwrite(d, mty, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows);
      if (st >= 0) st = gs__tr_attr_str(d, "description", doc);
      if (st >= 0) st = gs__tr_attr_strs(d, "units", units, nf);
      H5Dclose(d);
    }
  }
  if (dcpl >= 0) H5Pclose(dcpl);
  if (sp >= 0) H5Sclose(sp);
  if (mty >= 0) H5Tclose(mty);
  if (fty >= 0) H5Tclose(fty);
  return st;
}

herr_t gs__tr_dr_schedule(gs_trace_t *t) {
  const gs_scenario_t *s = t->w->scenario;
  size_t n = s->n_events;
  /* Zeroed: the bytes after each id's NUL are the same in every run. */
  sched_row_t *rows = calloc(n ? n : 1, sizeof *rows);
  if (rows == NULL) return -1;
  for (size_t k = 0; k < n; k++) {
    const gs_dr_event_cfg_t *ev = &s->events[k];
    copy_id(rows[k].id, ev->id);
    rows[k].start_s = (double)ev->start_us / 1e6;
    rows[k].duration_s = (double)ev->duration_us / 1e6;
    rows[k].notice_s = (double)ev->notice_us / 1e6;
    rows[k].requested_kw = ev->requested_kw;
    rows[k].target = (signed char)ev->target;
  }
  hid_t g = gs__tr_group(t->file, "dr");
  herr_t st = g < 0 ? -1
                    : write_table(g, "events", sched_fields,
                                  NFIELDS(sched_fields), sizeof *rows, rows, n,
                                  "the program's DR events as scheduled "
                                  "(row k is event index k of /log)");
  if (g >= 0) H5Gclose(g);
  free(rows);
  return st;
}

/* An estimated baseline's figures, NaN when it was not estimated. */
static void estimate(perf_row_t *row, int i, const struct gs_dr_baseline *b,
                     bool has_twin) {
  row->est_kw[i] = b->ok ? b->kw : NAN;
  row->est_delivered_kw[i] = b->ok ? b->delivered_kw : NAN;
  row->est_error_kw[i] = b->ok && has_twin ? b->error_kw : NAN;
}

static void perf_row(perf_row_t *row, const gs_dr_event_cfg_t *ev,
                     const gs_dr_result_t *r) {
  /* Figures that need the twin are NaN without one, not a misleading 0. */
  double no_twin = r->has_twin ? 0 : NAN;
  copy_id(row->id, ev->id);
  row->started = r->started;
  row->ended = r->ended;
  row->has_twin = r->has_twin;
  row->targeted = r->targeted;
  row->acks = r->acks;
  row->opt_outs = r->opt_outs;
  row->lost = r->lost;
  row->skipped_offline = r->skipped_offline;
  row->requested_kw = (double)r->requested_mw / 1e6;
  row->dispatched_kw = (double)r->dispatched_mw / 1e6;
  row->acked_shed_kw = (double)r->acked_shed_mw / 1e6;
  row->ven_baseline_kw = (double)r->baseline_mw / 1e6;
  row->mean_kw = r->mean_kw;
  row->twin_mean_kw = r->twin_mean_kw + no_twin;
  row->delivered_kw_true = r->delivered_kw_true + no_twin;
  row->delivered_kw_ven_baseline = r->delivered_kw_ven_baseline;
  row->energy_shed_kwh = r->energy_shed_kwh + no_twin;
  row->rebound_peak_kw = r->rebound_peak_kw + no_twin;
  row->rebound_peak_at_s = r->rebound_peak_at_s + no_twin;
  row->rebound_duration_s = r->rebound_duration_s + no_twin;
  row->rebound_energy_kwh = r->rebound_energy_kwh + no_twin;
  estimate(row, 0, &r->baseline_ven_5min, r->has_twin);
  estimate(row, 1, &r->baseline_x_of_y, r->has_twin);
  estimate(row, 2, &r->baseline_weather, r->has_twin);
}

herr_t gs__tr_dr_performance(gs_trace_t *t) {
  const gs_scenario_t *s = t->w->scenario;
  size_t n = s->n_events;
  perf_row_t *rows = calloc(n ? n : 1, sizeof *rows);
  if (rows == NULL) return -1;
  for (size_t k = 0; k < n; k++)
    perf_row(&rows[k], &s->events[k], &t->w->dr[k]);
  hid_t g = H5Gopen2(t->file, "dr", H5P_DEFAULT);
  herr_t st =
      g < 0 ? -1
            : write_table(g, "performance", perf_fields, NFIELDS(perf_fields),
                          sizeof *rows, rows, n,
                          "each DR event's results at the end of the run: "
                          "delivered kW against the true counterfactual "
                          "(twin; NaN without one) and against baselines");
  if (g >= 0) H5Gclose(g);
  free(rows);
  return st;
}

/* ---- /dr/counterfactual_power_kw ---------------------------------------- */

static hid_t cf_create(gs_trace_t *t, hsize_t rows) {
  hsize_t dims[2] = {rows, t->w->scenario->n_events};
  hsize_t chunk[2] = {rows < GS__TR_ROWS ? rows : GS__TR_ROWS, 1};
  double nan = NAN;
  hid_t sp = H5Screate_simple(2, dims, NULL);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hid_t g = H5Gopen2(t->file, "dr", H5P_DEFAULT);
  hid_t d = -1;
  if (sp >= 0 && dcpl >= 0 && g >= 0 && H5Pset_obj_track_times(dcpl, 0) >= 0 &&
      H5Pset_chunk(dcpl, 2, chunk) >= 0 && H5Pset_shuffle(dcpl) >= 0 &&
      H5Pset_deflate(dcpl, GS__TR_DEFLATE) >= 0 &&
      H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan) >= 0)
    d = H5Dcreate2(g, "counterfactual_power_kw", H5T_IEEE_F64LE, sp,
                   H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (d >= 0 &&
      (gs__tr_attr_str(d, "units", "kW") < 0 ||
       gs__tr_attr_str(d, "description",
                       "column k: fleet power of the counterfactual twin of "
                       "DR event k (the same run with that event never "
                       "sent), at the instants of /fleet/time_s; NaN where "
                       "no twin ran") < 0)) {
    H5Dclose(d);
    d = -1;
  }
  if (g >= 0) H5Gclose(g);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (sp >= 0) H5Sclose(sp);
  return d;
}

gs_err_t gs_trace_add_counterfactual(gs_trace_t *t, size_t k,
                                     const gs_series_t *twin, gs_errbuf_t *eb) {
  if (t == NULL || twin == NULL)
    return gs_errbuf_set(eb, GS_EINVAL,
                         "gs_trace_add_counterfactual: NULL "
                         "argument");
  if (k >= t->w->scenario->n_events || twin->interval_us != t->interval_us ||
      twin->n == 0 || (t->cf > 0 && twin->n != t->cf_rows))
    return gs_errbuf_set(eb, GS_EINVAL,
                         "%s: counterfactual of event %zu: "
                         "expected an event index below %zu and %s samples "
                         "at the output interval, found %zu samples at "
                         "%lld us",
                         t->path, k, t->w->scenario->n_events,
                         t->cf > 0 ? "as many" : "some", twin->n,
                         (long long)twin->interval_us);
  if (t->failed) return gs_errbuf_set(eb, GS_EIO, "%s", t->err.msg);
  double *kw = malloc(twin->n * sizeof *kw);
  if (kw == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  for (size_t i = 0; i < twin->n; i++)
    kw[i] = (double)twin->power_mw[i] / 1e6;
  char cause[GS__TR_CAUSE_SIZE];
  gs__tr_quiet_t q = gs__tr_quiet_begin(cause);
  if (t->cf < 0) {
    t->cf = cf_create(t, twin->n);
    t->cf_rows = twin->n;
  }
  hsize_t start[2] = {0, k}, count[2] = {twin->n, 1};
  hid_t fsp = t->cf < 0 ? -1 : H5Dget_space(t->cf);
  hid_t msp = H5Screate_simple(2, count, NULL);
  herr_t st = -1;
  if (fsp >= 0 && msp >= 0 &&
      H5Sselect_hyperslab(fsp, H5S_SELECT_SET, start, NULL, count, NULL) >= 0)
    st = H5Dwrite(t->cf, H5T_NATIVE_DOUBLE, msp, fsp, H5P_DEFAULT, kw);
  if (msp >= 0) H5Sclose(msp);
  if (fsp >= 0) H5Sclose(fsp);
  free(kw);
  gs_err_t err = GS_OK;
  if (st < 0) {
    gs__tr_error(t, "cannot write HDF5 trace", cause);
    err = gs_errbuf_set(eb, GS_EIO, "%s", t->err.msg);
  }
  gs__tr_quiet_end(q);
  return err;
}
