/* SPDX-License-Identifier: MIT */
/* Records a run's fleet and sampled per-VEN series into an HDF5 file. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "gridsim/version.h"
#include "scenario_priv.h"
#include "trace.h"

/* Rows per chunk of the 1-D fleet series (32 KiB of float64). */
#define FLEET_CHUNK_ROWS 4096
/* Target elements per chunk of /ven/power_kw (1 MiB of float64, the size of
 * HDF5's default chunk cache), and the widest chunk in VENs. */
#define VEN_CHUNK_ELEMS 131072
#define VEN_CHUNK_COLS  16384
#define DEFLATE_LEVEL   4
#define VEN_ID_MAX      96

/* The three fleet series, in dataset order. */
enum { F_TIME, F_POWER, F_ENERGY, F_COUNT };
static const char *const fleet_names[F_COUNT] = {"time_s", "power_kw",
                                                 "energy_kwh"};
static const char *const fleet_units[F_COUNT] = {"s", "kW", "kWh"};

struct gs_trace {
  char *path, *tmp_path;
  const gs_world_t *w;
  gs_time_us_t interval_us;
  hid_t file, meta;
  hid_t fleet[F_COUNT];
  hid_t ven_power;
  /* Rows not yet written, FLEET_CHUNK_ROWS of each series, flushed as a
   * whole chunk so no compressed chunk is ever read back and rewritten. */
  double *fleet_buf[F_COUNT];
  size_t fleet_n;
  hsize_t fleet_rows; /* rows in the file */
  /* Sampled VENs: meter of each column, and a row-major buffer of
   * ven_chunk_rows rows. */
  uint32_t *ven_meter;
  size_t n_ven, ven_chunk_rows, ven_n;
  double *ven_buf;
  hsize_t ven_rows;
  bool failed; /* after a write error nothing more is written */
  gs_errbuf_t err;
};

/* ---- HDF5 error reporting ------------------------------------------------
 * HDF5 prints its error stack to stderr by default; the recorder turns that
 * off around its own calls and puts the innermost cause into the errbuf. */

/* While quiet, the first error HDF5 reports (the root cause; later ones
 * come from cleanup) is captured into `cause` instead of being printed. */
typedef struct quiet {
  H5E_auto2_t fn;
  void *data;
} quiet_t;

#define CAUSE_SIZE 256

static herr_t innermost_cb(unsigned n, const H5E_error2_t *e, void *ud) {
  (void)n;
  if (e->desc != NULL) snprintf(ud, CAUSE_SIZE, "%s", e->desc);
  return 0;
}

static herr_t capture_cb(hid_t estack, void *ud) {
  char *cause = ud;
  if (cause[0] == '\0')
    H5Ewalk2(estack, H5E_WALK_DOWNWARD, innermost_cb, cause);
  return 0;
}

static quiet_t quiet_begin(char *cause) {
  quiet_t q = {0};
  cause[0] = '\0';
  H5Eget_auto2(H5E_DEFAULT, &q.fn, &q.data);
  H5Eset_auto2(H5E_DEFAULT, capture_cb, cause);
  return q;
}

static void quiet_end(quiet_t q) {
  H5Eset_auto2(H5E_DEFAULT, q.fn, q.data);
}

/* Sets `eb` to "<path>: <what>: <cause>", the cause being the system error
 * text if HDF5 reported one, else HDF5's innermost message. */
static gs_err_t h5_fail(gs_errbuf_t *eb, const char *path, const char *what,
                        char *cause) {
  static const char key[] = "error message = '";
  char *m = strstr(cause, key);
  if (m != NULL) {
    cause = m + sizeof key - 1;
    char *end = strchr(cause, '\'');
    if (end != NULL) *end = '\0';
  }
  return gs_errbuf_set(eb, GS_EIO, "%s: %s%s%s", path, what,
                       cause[0] ? ": " : "", cause);
}

/* ---- Creation helpers (all return a negative id or status on error) ---- */

static herr_t attr_write(hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                         const void *value) {
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a =
      sp < 0 ? -1 : H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = a < 0 ? -1 : H5Awrite(a, mtype, value);
  if (a >= 0) H5Aclose(a);
  if (sp >= 0) H5Sclose(sp);
  return st;
}

/* A fixed-length, NUL-terminated UTF-8 string type for `len` characters. */
static hid_t str_type(size_t len) {
  hid_t ty = H5Tcopy(H5T_C_S1);
  if (ty < 0) return -1;
  if (H5Tset_size(ty, len + 1) < 0 || H5Tset_cset(ty, H5T_CSET_UTF8) < 0 ||
      H5Tset_strpad(ty, H5T_STR_NULLTERM) < 0) {
    H5Tclose(ty);
    return -1;
  }
  return ty;
}

static herr_t attr_str(hid_t loc, const char *name, const char *value) {
  hid_t ty = str_type(strlen(value));
  if (ty < 0) return -1;
  herr_t st = attr_write(loc, name, ty, ty, value);
  H5Tclose(ty);
  return st;
}

/* Creation property lists without modification times, so that the same
 * run gives the same bytes. */
static hid_t group_create(hid_t loc, const char *name) {
  hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
  if (gcpl < 0) return -1;
  hid_t g = -1;
  if (H5Pset_obj_track_times(gcpl, 0) >= 0)
    g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
  H5Pclose(gcpl);
  return g;
}

/* An extendible, chunked, shuffled and deflated float64 dataset of rank
 * `rank` (1 or 2): dims start at {0, cols}, the first is unlimited. */
static hid_t series_create(hid_t loc, const char *name, int rank, hsize_t cols,
                           const hsize_t *chunk, const char *units) {
  hsize_t dims[2] = {0, cols}, maxdims[2] = {H5S_UNLIMITED, cols};
  hid_t sp = H5Screate_simple(rank, dims, maxdims);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hid_t d = -1;
  if (sp >= 0 && dcpl >= 0 && H5Pset_obj_track_times(dcpl, 0) >= 0 &&
      H5Pset_chunk(dcpl, rank, chunk) >= 0 && H5Pset_shuffle(dcpl) >= 0 &&
      H5Pset_deflate(dcpl, DEFLATE_LEVEL) >= 0)
    d = H5Dcreate2(loc, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl,
                   H5P_DEFAULT);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (sp >= 0) H5Sclose(sp);
  if (d >= 0 && attr_str(d, "units", units) < 0) {
    H5Dclose(d);
    d = -1;
  }
  return d;
}

/* Appends `rows` rows of `cols` values from `data` to dataset `d`, which
 * holds `*have` rows. */
static herr_t series_append(hid_t d, int rank, hsize_t cols, hsize_t *have,
                            const double *data, size_t rows) {
  hsize_t size[2] = {*have + rows, cols};
  hsize_t start[2] = {*have, 0}, count[2] = {rows, cols};
  if (H5Dset_extent(d, size) < 0) return -1;
  hid_t fsp = H5Dget_space(d);
  hid_t msp = H5Screate_simple(rank, count, NULL);
  herr_t st = -1;
  if (fsp >= 0 && msp >= 0 &&
      H5Sselect_hyperslab(fsp, H5S_SELECT_SET, start, NULL, count, NULL) >= 0)
    st = H5Dwrite(d, H5T_NATIVE_DOUBLE, msp, fsp, H5P_DEFAULT, data);
  if (msp >= 0) H5Sclose(msp);
  if (fsp >= 0) H5Sclose(fsp);
  if (st >= 0) *have += rows;
  return st;
}

/* ---- /meta --------------------------------------------------------------- */

static herr_t write_meta(gs_trace_t *t) {
  const gs_scenario_t *s = t->w->scenario;
  char start[32];
  gs_time_format_iso8601(s->start_unix_s, start, sizeof start);
  uint64_t seed = s->seed, vens = t->w->n_vens;
  int64_t start_unix_s = s->start_unix_s;
  double interval_s = (double)s->output_interval_us / 1e6;
  double duration_s = (double)s->duration_us / 1e6;
  uint8_t complete = 0;
  char *json = gs_scenario_to_json(s);
  if (json == NULL) return -1;
  hid_t m = t->meta;
  herr_t st = attr_str(m, "scenario_json", json);
  free(json);
  if (st < 0 || attr_str(m, "scenario_name", s->name) < 0 ||
      attr_write(m, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &seed) < 0 ||
      attr_str(m, "gridsim_version", GS_VERSION) < 0 ||
      attr_str(m, "start", start) < 0 ||
      attr_write(m, "start_unix_s", H5T_STD_I64LE, H5T_NATIVE_INT64,
                 &start_unix_s) < 0 ||
      attr_write(m, "duration_s", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                 &duration_s) < 0 ||
      attr_write(m, "output_interval_s", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                 &interval_s) < 0 ||
      attr_write(m, "vens", H5T_STD_U64LE, H5T_NATIVE_UINT64, &vens) < 0 ||
      attr_write(m, "ven_sample", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                 &s->ven_sample) < 0 ||
      attr_write(m, "complete", H5T_STD_U8LE, H5T_NATIVE_UINT8, &complete) < 0)
    return -1;
  return 0;
}

/* ---- /fleet and /ven ----------------------------------------------------- */

static herr_t create_fleet(gs_trace_t *t) {
  hid_t g = group_create(t->file, "fleet");
  if (g < 0) return -1;
  const hsize_t chunk[1] = {FLEET_CHUNK_ROWS};
  herr_t st = 0;
  for (int k = 0; k < F_COUNT && st >= 0; k++) {
    t->fleet[k] = series_create(g, fleet_names[k], 1, 1, chunk, fleet_units[k]);
    if (t->fleet[k] < 0) st = -1;
  }
  H5Gclose(g);
  return st;
}

/* The sample is every VEN i with ceil((i+1) f) != ceil(i f): VEN 0, then
 * about one in 1/f, ceil(n f) VENs in all, the same for every run. */
static bool ven_sampled(uint64_t i, double f) {
  return ceil((double)(i + 1) * f) != ceil((double)i * f);
}

static herr_t create_ven(gs_trace_t *t) {
  const gs_world_t *w = t->w;
  double f = w->scenario->ven_sample;
  size_t n = 0;
  if (f > 0)
    for (uint64_t i = 0; i < w->n_vens; i++)
      n += ven_sampled(i, f);
  if (n == 0) return 0;
  /* VEN i has meter i + 1: the world adds the fleet root, then one meter
   * per VEN in index order. */
  GS_ASSERT(gs_meters_count(gs_engine_meters(w->engine)) >= w->n_vens + 1);
  t->ven_meter = malloc(n * sizeof *t->ven_meter);
  char *ids = calloc(n, VEN_ID_MAX);
  if (t->ven_meter == NULL || ids == NULL) {
    free(ids);
    return -2;
  }
  size_t j = 0, id_len = 1;
  for (uint64_t i = 0; i < w->n_vens; i++) {
    if (!ven_sampled(i, f)) continue;
    t->ven_meter[j] = (uint32_t)(i + 1);
    gs_world_ven_id(w, i, ids + j * VEN_ID_MAX, VEN_ID_MAX);
    size_t len = strlen(ids + j * VEN_ID_MAX);
    if (len > id_len) id_len = len;
    j++;
  }
  t->n_ven = n;
  size_t cols = n < VEN_CHUNK_COLS ? n : VEN_CHUNK_COLS;
  size_t rows = VEN_CHUNK_ELEMS / cols;
  t->ven_chunk_rows = rows < 1                  ? 1
                      : rows > FLEET_CHUNK_ROWS ? FLEET_CHUNK_ROWS
                                                : rows;
  t->ven_buf = malloc(t->ven_chunk_rows * n * sizeof *t->ven_buf);
  if (t->ven_buf == NULL) {
    free(ids);
    return -2;
  }
  herr_t st = -1;
  hid_t g = group_create(t->file, "ven");
  /* The ids as fixed-length strings of the longest id. */
  hsize_t dim = n;
  hid_t ty = str_type(id_len);
  hid_t mty = H5Tcopy(H5T_C_S1);
  hid_t sp = H5Screate_simple(1, &dim, NULL);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (g >= 0 && ty >= 0 && mty >= 0 && sp >= 0 && dcpl >= 0 &&
      H5Tset_size(mty, VEN_ID_MAX) >= 0 &&
      H5Tset_cset(mty, H5T_CSET_UTF8) >= 0 &&
      H5Pset_obj_track_times(dcpl, 0) >= 0) {
    hid_t d = H5Dcreate2(g, "ids", ty, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d >= 0) {
      st = H5Dwrite(d, mty, H5S_ALL, H5S_ALL, H5P_DEFAULT, ids);
      H5Dclose(d);
    }
  }
  if (dcpl >= 0) H5Pclose(dcpl);
  if (sp >= 0) H5Sclose(sp);
  if (mty >= 0) H5Tclose(mty);
  if (ty >= 0) H5Tclose(ty);
  free(ids);
  if (st >= 0) {
    const hsize_t chunk[2] = {t->ven_chunk_rows, cols};
    t->ven_power = series_create(g, "power_kw", 2, n, chunk, "kW");
    if (t->ven_power < 0) st = -1;
  }
  if (g >= 0) H5Gclose(g);
  return st;
}

/* ---- Writing ------------------------------------------------------------- */

static herr_t flush_fleet(gs_trace_t *t) {
  if (t->fleet_n == 0) return 0;
  for (int k = 0; k < F_COUNT; k++) {
    hsize_t have = t->fleet_rows;
    if (series_append(t->fleet[k], 1, 1, &have, t->fleet_buf[k], t->fleet_n) <
        0)
      return -1;
  }
  t->fleet_rows += t->fleet_n;
  t->fleet_n = 0;
  return 0;
}

static herr_t flush_ven(gs_trace_t *t) {
  if (t->ven_n == 0) return 0;
  if (series_append(t->ven_power, 2, t->n_ven, &t->ven_rows, t->ven_buf,
                    t->ven_n) < 0)
    return -1;
  t->ven_n = 0;
  return 0;
}

static void trace_sample(void *ud, gs_engine_t *eng, gs_time_us_t t_us) {
  gs_trace_t *t = ud;
  if (t->failed) return;
  const gs_meters_t *m = gs_engine_meters(eng);
  uint32_t fm = t->w->fleet_meter;
  size_t r = t->fleet_n++;
  t->fleet_buf[F_TIME][r] = (double)t_us / 1e6;
  t->fleet_buf[F_POWER][r] = (double)gs_meters_power_mw(m, fm) / 1e6;
  t->fleet_buf[F_ENERGY][r] = gs_meters_energy_kwh(m, fm, t_us);
  if (t->n_ven > 0) {
    double *row = t->ven_buf + t->ven_n++ * t->n_ven;
    for (size_t j = 0; j < t->n_ven; j++)
      row[j] = (double)gs_meters_power_mw(m, t->ven_meter[j]) / 1e6;
  }
  bool fleet_full = t->fleet_n == FLEET_CHUNK_ROWS;
  bool ven_full = t->n_ven > 0 && t->ven_n == t->ven_chunk_rows;
  if (!fleet_full && !ven_full) return;
  char cause[CAUSE_SIZE];
  quiet_t q = quiet_begin(cause);
  herr_t st = ven_full ? flush_ven(t) : 0;
  /* A full fleet chunk also pushes everything to the file, so that a full
   * disk shows up during the run and a crash loses at most one chunk. */
  if (st >= 0 && fleet_full)
    st = flush_fleet(t) < 0 ? -1 : H5Fflush(t->file, H5F_SCOPE_LOCAL);
  if (st < 0) {
    t->failed = true;
    h5_fail(&t->err, t->path, "cannot write HDF5 trace", cause);
  }
  quiet_end(q);
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
  for (int k = 0; k < F_COUNT; k++)
    if (t->fleet[k] >= 0) H5Dclose(t->fleet[k]);
  if (t->ven_power >= 0) H5Dclose(t->ven_power);
  if (t->meta >= 0) H5Gclose(t->meta);
  bool ok = true;
  if (t->file >= 0) ok = H5Fclose(t->file) >= 0;
  t->file = t->meta = t->ven_power = -1;
  for (int k = 0; k < F_COUNT; k++)
    t->fleet[k] = -1;
  return ok;
}

static void trace_free(gs_trace_t *t) {
  for (int k = 0; k < F_COUNT; k++)
    free(t->fleet_buf[k]);
  free(t->ven_buf);
  free(t->ven_meter);
  free(t->tmp_path);
  free(t->path);
  free(t);
}

gs_err_t gs_trace_open(const char *path, const gs_world_t *w, gs_trace_t **out,
                       gs_errbuf_t *eb) {
  if (path == NULL || w == NULL || out == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_trace_open: NULL argument");
  *out = NULL;
  gs_trace_t *t = calloc(1, sizeof *t);
  if (t == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  t->file = t->meta = t->ven_power = -1;
  for (int k = 0; k < F_COUNT; k++)
    t->fleet[k] = -1;
  t->w = w;
  t->interval_us = w->scenario->output_interval_us;
  size_t len = strlen(path);
  t->path = malloc(len + 1);
  t->tmp_path = malloc(len + sizeof ".partial");
  for (int k = 0; k < F_COUNT; k++)
    t->fleet_buf[k] = malloc(FLEET_CHUNK_ROWS * sizeof(double));
  if (t->path == NULL || t->tmp_path == NULL || t->fleet_buf[F_TIME] == NULL ||
      t->fleet_buf[F_POWER] == NULL || t->fleet_buf[F_ENERGY] == NULL) {
    trace_free(t);
    return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  }
  memcpy(t->path, path, len + 1);
  snprintf(t->tmp_path, len + sizeof ".partial", "%s.partial", path);

  gs_err_t err = GS_OK;
  /* HDF5 before 1.14.1 leaves a file whose close failed (a full disk) in
   * its ID table half destroyed, and its atexit handler then crashes on it
   * (CVE-2020-10812, HDFGroup/hdf5#2291). gridsim closes every file itself,
   * so the handler is turned off; this only works before HDF5's first use
   * in the process, and fails harmlessly on a second call. */
  H5dont_atexit();
  char cause[CAUSE_SIZE];
  quiet_t q = quiet_begin(cause);
  /* A fixed format version (HDF5 1.8 objects, readable by every current
   * tool) rather than "latest", which changes with the library; no object
   * times, here for the root group. */
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  if (fapl < 0 || fcpl < 0 ||
      H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0 ||
      H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0 ||
      H5Pset_obj_track_times(fcpl, 0) < 0) {
    err = h5_fail(eb, path, "cannot set up HDF5", cause);
  } else {
    t->file = H5Fcreate(t->tmp_path, H5F_ACC_TRUNC, fcpl, fapl);
    if (t->file < 0) err = h5_fail(eb, path, "cannot create HDF5 trace", cause);
  }
  if (fcpl >= 0) H5Pclose(fcpl);
  if (fapl >= 0) H5Pclose(fapl);
  if (err == GS_OK) {
    herr_t st = -1;
    if ((t->meta = group_create(t->file, "meta")) >= 0 &&
        (st = write_meta(t)) >= 0 && (st = create_fleet(t)) >= 0)
      st = create_ven(t);
    if (st == -2)
      err = gs_errbuf_set(eb, GS_ENOMEM, "%s: out of memory", path);
    else if (st < 0)
      err = h5_fail(eb, path, "cannot write HDF5 trace", cause);
  }
  if (err != GS_OK) {
    if (t->file >= 0) {
      close_handles(t);
      remove(t->tmp_path);
    }
    quiet_end(q);
    trace_free(t);
    return err;
  }
  quiet_end(q);
  *out = t;
  return GS_OK;
}

gs_err_t gs_trace_close(gs_trace_t *t, bool complete, gs_errbuf_t *eb) {
  if (t == NULL) return GS_OK;
  char cause[CAUSE_SIZE];
  quiet_t q = quiet_begin(cause);
  if (!t->failed) {
    uint8_t flag = complete ? 1 : 0;
    hid_t a = -1;
    if (flush_ven(t) < 0 || flush_fleet(t) < 0 ||
        (a = H5Aopen(t->meta, "complete", H5P_DEFAULT)) < 0 ||
        H5Awrite(a, H5T_NATIVE_UINT8, &flag) < 0) {
      t->failed = true;
      h5_fail(&t->err, t->path, "cannot write HDF5 trace", cause);
    }
    if (a >= 0) H5Aclose(a);
  }
  if (!close_handles(t) && !t->failed) {
    t->failed = true;
    h5_fail(&t->err, t->path, "cannot write HDF5 trace", cause);
  }
  quiet_end(q);
  gs_err_t err = GS_OK;
  if (t->failed) {
    /* A file cut short by a write error is not worth keeping. */
    remove(t->tmp_path);
    err = gs_errbuf_set(eb, GS_EIO, "%s", t->err.msg);
  } else if (rename(t->tmp_path, t->path) != 0) {
    err = gs_errbuf_set(eb, GS_EIO, "%s: cannot rename %s: %s", t->path,
                        t->tmp_path, strerror(errno));
    remove(t->tmp_path);
  }
  trace_free(t);
  return err;
}
