/* SPDX-License-Identifier: MIT */
/* Opens, samples and closes a run's HDF5 trace: /meta, /fleet, the rest. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gridsim/version.h"
#include "mqtt_cfg.h"
#include "scenario_priv.h"
#include "trace_mqtt.h"
#include "trace_priv.h"

/* Readers recognise a gridsim trace by /meta's `format` and know its
 * layout by `format_version` (bumped when a dataset changes meaning). */
#define TRACE_FORMAT         "gridsim-trace"
#define TRACE_FORMAT_VERSION 2

static const char *const fleet_names[GS__TR_F_COUNT] = {"time_s", "power_kw",
                                                        "energy_kwh"};
static const char *const fleet_units[GS__TR_F_COUNT] = {"s", "kW", "kWh"};
static const char *const fleet_docs[GS__TR_F_COUNT] = {
    "sampling instant, seconds since /meta start",
    "fleet power at time_s (consumption positive)",
    "fleet energy from the start to time_s"};

void gs__tr_error(gs_trace_t *t, const char *what, char *cause) {
  if (t->failed) return;
  t->failed = true;
  gs__tr_fail(&t->err, t->path, what, cause);
}

/* ---- /meta --------------------------------------------------------------- */

static herr_t write_meta(gs_trace_t *t) {
  const gs_scenario_t *s = t->w->scenario;
  char start[32];
  gs_time_format_iso8601(s->start_unix_s, start, sizeof start);
  uint64_t seed = s->seed, vens = t->w->n_vens;
  uint32_t version = TRACE_FORMAT_VERSION;
  int64_t start_unix_s = s->start_unix_s;
  uint8_t complete = 0;
  /* A password in the scenario is not copied into every trace. */
  char *json = gs_mqtt_redact_json(gs_scenario_to_json(s));
  if (json == NULL) return -1;
  hid_t m = t->meta;
  herr_t st = gs__tr_attr_str(m, "scenario_json", json);
  free(json);
  if (st < 0 || gs__tr_attr_str(m, "format", TRACE_FORMAT) < 0 ||
      gs__tr_attr(m, "format_version", H5T_STD_U32LE, H5T_NATIVE_UINT32,
                  &version) < 0 ||
      gs__tr_attr_str(m, "scenario_name", s->name) < 0 ||
      gs__tr_attr(m, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &seed) < 0 ||
      gs__tr_attr_str(m, "gridsim_version", GS_VERSION) < 0 ||
      gs__tr_attr_str(m, "start", start) < 0 ||
      gs__tr_attr(m, "start_unix_s", H5T_STD_I64LE, H5T_NATIVE_INT64,
                  &start_unix_s) < 0 ||
      gs__tr_attr_f64(m, "utc_offset_h", s->utc_offset_h) < 0 ||
      gs__tr_attr_f64(m, "duration_s", (double)s->duration_us / 1e6) < 0 ||
      gs__tr_attr_f64(m, "output_interval_s",
                      (double)s->output_interval_us / 1e6) < 0 ||
      gs__tr_attr(m, "vens", H5T_STD_U64LE, H5T_NATIVE_UINT64, &vens) < 0 ||
      gs__tr_attr_f64(m, "ven_sample", s->ven_sample) < 0 ||
      gs__tr_attr_str(m, "units",
                      "time s, power kW, energy kWh, temperature degC, "
                      "state of charge %; every dataset has a units "
                      "attribute") < 0 ||
      gs__tr_attr(m, "complete", H5T_STD_U8LE, H5T_NATIVE_UINT8, &complete) < 0)
    return -1;
  return 0;
}

/* ---- /fleet -------------------------------------------------------------- */

static int create_fleet(gs_trace_t *t) {
  hid_t g = gs__tr_group(t->file, "fleet");
  if (g < 0) return -1;
  int st = 0;
  for (int k = 0; k < GS__TR_F_COUNT && st == 0; k++) {
    gs__tr_mat_spec_t s = {.name = fleet_names[k],
                           .ftype = H5T_IEEE_F64LE,
                           .mtype = H5T_NATIVE_DOUBLE,
                           .elem = sizeof(double),
                           .units = fleet_units[k],
                           .description = fleet_docs[k]};
    st = gs__tr_mat_create(&t->fleet[k], g, &s);
  }
  H5Gclose(g);
  return st;
}

/* The fleet's exact figures from its meter, as attributes of /fleet. */
static herr_t fleet_totals(gs_trace_t *t) {
  gs_meters_t *m = gs_engine_meters(t->w->engine);
  gs_time_us_t now = gs_engine_now(t->w->engine), peak_at = 0;
  double peak_kw =
      (double)gs_meters_peak_mw(m, t->w->fleet_meter, now, &peak_at) / 1e6;
  hid_t g = H5Gopen2(t->file, "fleet", H5P_DEFAULT);
  if (g < 0) return -1;
  herr_t st = gs__tr_attr_f64(g, "energy_kwh",
                              gs_meters_energy_kwh(m, t->w->fleet_meter, now));
  if (st >= 0) st = gs__tr_attr_f64(g, "peak_kw", peak_kw);
  if (st >= 0) st = gs__tr_attr_f64(g, "peak_time_s", (double)peak_at / 1e6);
  if (st >= 0) st = gs__tr_attr_f64(g, "end_s", (double)now / 1e6);
  H5Gclose(g);
  return st;
}

/* ---- Sampling ------------------------------------------------------------ */

static void trace_sample(void *ud, gs_engine_t *eng, gs_time_us_t t_us) {
  gs_trace_t *t = ud;
  t->sampled = true;
  if (t->failed) return;
  const gs_meters_t *m = gs_engine_meters(eng);
  uint32_t fm = t->w->fleet_meter;
  *(double *)gs__tr_mat_row(&t->fleet[GS__TR_F_TIME]) = (double)t_us / 1e6;
  *(double *)gs__tr_mat_row(&t->fleet[GS__TR_F_POWER]) =
      (double)gs_meters_power_mw(m, fm) / 1e6;
  *(double *)gs__tr_mat_row(&t->fleet[GS__TR_F_ENERGY]) =
      gs_meters_energy_kwh(m, fm, t_us);
  gs__tr_groups_sample(t, t_us);
  gs__tr_ven_sample(t, t_us);
  bool fleet_full = gs__tr_mat_full(&t->fleet[GS__TR_F_TIME]);
  char cause[GS__TR_CAUSE_SIZE];
  gs__tr_quiet_t q = gs__tr_quiet_begin(cause);
  herr_t st = gs__tr_ven_flush(t, false);
  if (st >= 0) st = gs__tr_groups_flush(t, false);
  if (st >= 0) st = gs__tr_ctr_sample(t, t_us);
  /* A full fleet chunk also pushes everything to the file, so that a full
   * disk shows up during the run and a crash loses at most one chunk. */
  for (int k = 0; k < GS__TR_F_COUNT && st >= 0 && fleet_full; k++)
    st = gs__tr_mat_flush(&t->fleet[k]);
  if (st >= 0 && fleet_full) st = gs__tr_log_flush(t);
  if (st >= 0 && fleet_full) st = H5Fflush(t->file, H5F_SCOPE_LOCAL);
  if (st < 0) gs__tr_error(t, "cannot write HDF5 trace", cause);
  gs__tr_quiet_end(q);
}

gs_observer_t gs_trace_observer(gs_trace_t *t) {
  return (gs_observer_t){.name = "trace",
                         .interval_us = t->interval_us,
                         .sample = trace_sample,
                         .ud = t};
}

/* ---- Open and close ------------------------------------------------------ */

/* Closes every HDF5 handle of `t`; false if closing the file failed (its
 * last metadata could not be written). */
static bool close_handles(gs_trace_t *t) {
  for (int k = 0; k < GS__TR_F_COUNT; k++)
    gs__tr_mat_close(&t->fleet[k]);
  gs__tr_ven_close(t);
  gs__tr_groups_close(t);
  gs__tr_ctr_close(t);
  gs__tr_log_close(t);
  if (t->cf > 0) H5Dclose(t->cf);
  if (t->meta > 0) H5Gclose(t->meta);
  bool ok = true;
  if (t->file > 0) ok = H5Fclose(t->file) >= 0;
  t->file = t->meta = t->cf = -1;
  return ok;
}

static void trace_free(gs_trace_t *t) {
  free(t->tmp_path);
  free(t->path);
  free(t);
}

/* Creates the file under its temporary name and everything known before
 * the run. Returns like gs__tr_mat_create. */
static int create_file(gs_trace_t *t) {
  /* A fixed format version (HDF5 1.8 objects, readable by every current
   * tool) rather than "latest", which changes with the library; no object
   * times, here for the root group. */
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  if (fapl >= 0 && fcpl >= 0 &&
      H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) >= 0 &&
      H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0 &&
      H5Pset_obj_track_times(fcpl, 0) >= 0)
    t->file = H5Fcreate(t->tmp_path, H5F_ACC_TRUNC, fcpl, fapl);
  if (fcpl >= 0) H5Pclose(fcpl);
  if (fapl >= 0) H5Pclose(fapl);
  if (t->file < 0) return -3;
  if ((t->meta = gs__tr_group(t->file, "meta")) < 0 || write_meta(t) < 0)
    return -1;
  int st = create_fleet(t);
  if (st == 0) st = gs__tr_ven_create(t);
  if (st == 0) st = gs__tr_log_create(t);
  if (st == 0 && gs__tr_dr_schedule(t) < 0) st = -1;
  return st;
}

gs_err_t gs_trace_open(const char *path, gs_world_t *w, gs_trace_t **out,
                       gs_errbuf_t *eb) {
  if (path == NULL || w == NULL || out == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_trace_open: NULL argument");
  *out = NULL;
  /* The file is made under another name, so only the rename at the end
   * would notice a directory in the way: say it now. */
  struct stat sb;
  if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
    return gs_errbuf_set(eb, GS_EIO, "%s: cannot create HDF5 trace: %s", path,
                         strerror(EISDIR));
  gs_trace_t *t = calloc(1, sizeof *t);
  if (t == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  t->file = t->meta = t->cf = -1;
  t->w = w;
  t->interval_us = w->scenario->output_interval_us;
  size_t len = strlen(path);
  t->path = malloc(len + 1);
  t->tmp_path = malloc(len + sizeof ".partial");
  if (t->path == NULL || t->tmp_path == NULL) {
    trace_free(t);
    return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  }
  memcpy(t->path, path, len + 1);
  snprintf(t->tmp_path, len + sizeof ".partial", "%s.partial", path);

  /* HDF5 before 1.14.1 leaves a file whose close failed (a full disk) in
   * its ID table half destroyed, and its atexit handler then crashes on it
   * (CVE-2020-10812, HDFGroup/hdf5#2291). gridsim closes every file itself,
   * so the handler is turned off; this only works before HDF5's first use
   * in the process, and fails harmlessly on a second call. */
  H5dont_atexit();
  char cause[GS__TR_CAUSE_SIZE];
  gs__tr_quiet_t q = gs__tr_quiet_begin(cause);
  int st = create_file(t);
  gs_err_t err = GS_OK;
  if (st == -3)
    err = gs__tr_fail(eb, path, "cannot create HDF5 trace", cause);
  else if (st == -2)
    err = gs_errbuf_set(eb, GS_ENOMEM, "%s: out of memory", path);
  else if (st < 0)
    err = gs__tr_fail(eb, path, "cannot write HDF5 trace", cause);
  if (err != GS_OK) {
    bool created = t->file > 0;
    close_handles(t);
    if (created) remove(t->tmp_path);
    gs__tr_quiet_end(q);
    trace_free(t);
    return err;
  }
  gs__tr_quiet_end(q);
  if ((err = gs__tr_grid_add(t, eb)) != GS_OK ||
      (err = gs__tr_real_add(t, eb)) != GS_OK) {
    close_handles(t);
    remove(t->tmp_path);
    trace_free(t);
    return err;
  }
  w->log = &t->sink;
  *out = t;
  return GS_OK;
}

/* Everything written at the end: buffers, totals, DR results, flag. */
static herr_t finish(gs_trace_t *t, bool complete) {
  uint8_t flag = complete ? 1 : 0;
  herr_t st = gs__tr_ven_flush(t, true);
  if (st >= 0) st = gs__tr_groups_flush(t, true);
  for (int k = 0; k < GS__TR_F_COUNT && st >= 0; k++)
    st = gs__tr_mat_flush(&t->fleet[k]);
  if (st >= 0) st = gs__tr_log_flush(t);
  if (st >= 0) st = gs__tr_ctr_finish(t);
  if (st >= 0) st = fleet_totals(t);
  if (st >= 0) st = gs__tr_dr_performance(t);
  if (st >= 0) st = gs__tr_mqtt_write(t);
  /* Rows recorded, so a reader of a cut-short trace knows where it ends
   * without reading /fleet/time_s. */
  if (st >= 0)
    st = gs__tr_attr(t->meta, "rows", H5T_STD_U64LE, H5T_NATIVE_UINT64,
                     &t->fleet[GS__TR_F_TIME].rows);
  hid_t a = st < 0 ? -1 : H5Aopen(t->meta, "complete", H5P_DEFAULT);
  if (a < 0 || H5Awrite(a, H5T_NATIVE_UINT8, &flag) < 0) st = -1;
  if (a >= 0) H5Aclose(a);
  return st;
}

gs_err_t gs_trace_close(gs_trace_t *t, bool complete, gs_errbuf_t *eb) {
  if (t == NULL) return GS_OK;
  if (t->w->log == &t->sink) t->w->log = NULL;
  char cause[GS__TR_CAUSE_SIZE];
  gs__tr_quiet_t q = gs__tr_quiet_begin(cause);
  if (!t->failed && finish(t, complete) < 0)
    gs__tr_error(t, "cannot write HDF5 trace", cause);
  if (!close_handles(t)) gs__tr_error(t, "cannot write HDF5 trace", cause);
  gs__tr_quiet_end(q);
  gs_err_t err = gs__tr_commit(t->failed, t->tmp_path, t->path, t->err.msg,
                               eb);
  trace_free(t);
  return err;
}

size_t gs_trace_default_path(const gs_scenario_t *s, char *buf, size_t size) {
  int n = snprintf(buf, size, "results/%s-%" PRIu64 ".h5", s->name, s->seed);
  if (n < 0) return 0;
  /* Only the name part is rewritten: "results/" and "-<seed>.h5" are
   * already safe. */
  size_t end = strlen(s->name) + sizeof "results/" - 1;
  for (size_t i = sizeof "results/" - 1; i < end && i + 1 < size; i++) {
    char c = buf[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok || (i == sizeof "results/" - 1 && c == '.')) buf[i] = '_';
  }
  return (size_t)n;
}

gs_err_t gs_trace_resolve_path(const char *cli_out, bool no_out,
                               const gs_scenario_t *s, char **out,
                               gs_errbuf_t *eb) {
  *out = NULL;
  if (no_out) return GS_OK;
  const char *given = cli_out != NULL ? cli_out : s->output_file;
  if (given != NULL) {
    *out = strdup(given);
    return *out ? GS_OK : gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  }
  size_t n = gs_trace_default_path(s, NULL, 0) + 1;
  if ((*out = malloc(n)) == NULL)
    return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  gs_trace_default_path(s, *out, n);
  if (mkdir("results", 0777) != 0 && errno != EEXIST) {
    gs_err_t err = gs_errbuf_set(eb, GS_EIO,
                                 "%s: cannot create directory "
                                 "results: %s",
                                 *out, strerror(errno));
    free(*out);
    *out = NULL;
    return err;
  }
  return GS_OK;
}
