/* SPDX-License-Identifier: MIT */
/* `gridsim info`: reads a trace back and says what is in it. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gridsim/error.h"
#include "info.h"
#include "trace_priv.h"

#define ID_MAX 64

/* What the summary needs from the file. */
typedef struct info {
  char name[256], version[64], start[64], format[32];
  uint64_t seed, vens, rows;
  uint8_t complete;
  double duration_s, interval_s, ven_sample, utc_offset_h;
  double energy_kwh, peak_kw, peak_time_s, end_s;
  bool exact; /* the totals come from /fleet's attributes */
  size_t sampled, feeders, transformers;
  size_t log_rows[5];
} info_t;

typedef struct dr_row {
  char id[ID_MAX];
  double start_s, duration_s;
} dr_row_t;

typedef struct perf_row {
  char id[ID_MAX];
  uint8_t started, has_twin;
  uint32_t targeted, acks, opt_outs, lost;
  double requested_kw, mean_kw, delivered_kw_true, delivered_kw_ven_baseline;
  double energy_shed_kwh, rebound_peak_kw;
} perf_row_t;

static const char *const log_tables[5] = {"dr_events", "commands", "acks",
                                          "opt_outs", "faults"};

/* ---- Reading ------------------------------------------------------------- */

/* Attribute `name` of object `obj` in memory type `mtype`; false if it is
 * missing or unreadable. */
static bool attr(hid_t f, const char *obj, const char *name, hid_t mtype,
                 void *out) {
  if (H5Aexists_by_name(f, obj, name, H5P_DEFAULT) <= 0) return false;
  hid_t a = H5Aopen_by_name(f, obj, name, H5P_DEFAULT, H5P_DEFAULT);
  bool ok = a >= 0 && H5Aread(a, mtype, out) >= 0;
  if (a >= 0) H5Aclose(a);
  return ok;
}

/* A fixed-length string attribute into `buf` (cut to `size`). */
static bool attr_str(hid_t f, const char *obj, const char *name, char *buf,
                     size_t size) {
  hid_t ty = H5Tcopy(H5T_C_S1);
  /* The same character set as the file's (HDF5 converts no other). */
  bool ok = ty >= 0 && H5Tset_size(ty, size) >= 0 &&
            H5Tset_strpad(ty, H5T_STR_NULLTERM) >= 0 &&
            H5Tset_cset(ty, H5T_CSET_UTF8) >= 0 && attr(f, obj, name, ty, buf);
  if (ty >= 0) H5Tclose(ty);
  buf[size - 1] = '\0';
  return ok;
}

/* Rows (first dimension) of dataset `path`, or 0 if it is absent. */
static size_t rows_of(hid_t f, const char *path, size_t *cols) {
  if (cols) *cols = 0;
  if (H5Lexists(f, path, H5P_DEFAULT) <= 0) return 0;
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  hid_t sp = d < 0 ? -1 : H5Dget_space(d);
  hsize_t dims[2] = {0, 0};
  if (sp >= 0) H5Sget_simple_extent_dims(sp, dims, NULL);
  if (sp >= 0) H5Sclose(sp);
  if (d >= 0) H5Dclose(d);
  if (cols) *cols = (size_t)dims[1];
  return (size_t)dims[0];
}

/* Reads a whole 1-D dataset into `out` in memory type `mtype`. */
static bool read_all(hid_t f, const char *path, hid_t mtype, void *out) {
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  bool ok =
      d >= 0 && H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0;
  if (d >= 0) H5Dclose(d);
  return ok;
}

/* Totals from the series when the file has no exact ones: energy is the
 * last row, the peak the highest sampled power. */
static bool series_totals(hid_t f, info_t *in) {
  size_t n = in->rows;
  if (n == 0) return true;
  double *p = malloc(n * sizeof *p), *e = malloc(n * sizeof *e),
         *t = malloc(n * sizeof *t);
  bool ok = p && e && t &&
            read_all(f, "/fleet/power_kw", H5T_NATIVE_DOUBLE, p) &&
            read_all(f, "/fleet/energy_kwh", H5T_NATIVE_DOUBLE, e) &&
            read_all(f, "/fleet/time_s", H5T_NATIVE_DOUBLE, t);
  if (ok) {
    in->energy_kwh = e[n - 1];
    in->end_s = t[n - 1];
    in->peak_kw = -INFINITY;
    for (size_t i = 0; i < n; i++)
      if (p[i] > in->peak_kw) {
        in->peak_kw = p[i];
        in->peak_time_s = t[i];
      }
  }
  free(p);
  free(e);
  free(t);
  return ok;
}

/* Fills `in` from an open file; false with `why` set if it is not a
 * readable gridsim trace. */
static bool read_info(hid_t f, info_t *in, const char **why) {
  if (H5Lexists(f, "meta", H5P_DEFAULT) <= 0 ||
      !attr_str(f, "meta", "format", in->format, sizeof in->format) ||
      strcmp(in->format, "gridsim-trace") != 0) {
    *why = "not a gridsim trace (no /meta with format \"gridsim-trace\")";
    return false;
  }
  *why = "damaged gridsim trace (/meta or /fleet unreadable)";
  if (!attr_str(f, "meta", "scenario_name", in->name, sizeof in->name) ||
      !attr_str(f, "meta", "gridsim_version", in->version,
                sizeof in->version) ||
      !attr_str(f, "meta", "start", in->start, sizeof in->start) ||
      !attr(f, "meta", "seed", H5T_NATIVE_UINT64, &in->seed) ||
      !attr(f, "meta", "vens", H5T_NATIVE_UINT64, &in->vens) ||
      !attr(f, "meta", "complete", H5T_NATIVE_UINT8, &in->complete) ||
      !attr(f, "meta", "duration_s", H5T_NATIVE_DOUBLE, &in->duration_s) ||
      !attr(f, "meta", "output_interval_s", H5T_NATIVE_DOUBLE,
            &in->interval_s) ||
      !attr(f, "meta", "ven_sample", H5T_NATIVE_DOUBLE, &in->ven_sample) ||
      H5Lexists(f, "fleet", H5P_DEFAULT) <= 0)
    return false;
  attr(f, "meta", "utc_offset_h", H5T_NATIVE_DOUBLE, &in->utc_offset_h);
  in->rows = rows_of(f, "/fleet/time_s", NULL);
  in->exact =
      attr(f, "fleet", "energy_kwh", H5T_NATIVE_DOUBLE, &in->energy_kwh) &&
      attr(f, "fleet", "peak_kw", H5T_NATIVE_DOUBLE, &in->peak_kw) &&
      attr(f, "fleet", "peak_time_s", H5T_NATIVE_DOUBLE, &in->peak_time_s) &&
      attr(f, "fleet", "end_s", H5T_NATIVE_DOUBLE, &in->end_s);
  if (!in->exact && !series_totals(f, in)) return false;
  rows_of(f, "/ven/power_kw", &in->sampled);
  in->feeders = rows_of(f, "/feeder/ids", NULL);
  in->transformers = rows_of(f, "/transformer/ids", NULL);
  for (int k = 0; k < 5; k++) {
    char path[32];
    snprintf(path, sizeof path, "/log/%s", log_tables[k]);
    in->log_rows[k] = rows_of(f, path, NULL);
  }
  return true;
}

/* ---- Printing ------------------------------------------------------------ */

static hid_t id_type(void) {
  hid_t ty = H5Tcopy(H5T_C_S1);
  H5Tset_size(ty, ID_MAX);
  H5Tset_strpad(ty, H5T_STR_NULLTERM);
  H5Tset_cset(ty, H5T_CSET_UTF8);
  return ty;
}

#define MEMBER(ty, s, name, mtype) H5Tinsert(ty, #name, HOFFSET(s, name), mtype)

/* Prints one line per DR event from /dr/events and /dr/performance (the
 * latter is written when the trace is closed). */
static bool print_dr(hid_t f, FILE *out) {
  size_t n = rows_of(f, "/dr/events", NULL);
  if (n == 0) {
    fprintf(out, "DR events:     none\n");
    return true;
  }
  bool have_perf = rows_of(f, "/dr/performance", NULL) == n;
  dr_row_t *ev = calloc(n, sizeof *ev);
  perf_row_t *pr = calloc(n, sizeof *pr);
  hid_t idt = id_type();
  hid_t et = H5Tcreate(H5T_COMPOUND, sizeof(dr_row_t));
  hid_t pt = H5Tcreate(H5T_COMPOUND, sizeof(perf_row_t));
  MEMBER(et, dr_row_t, id, idt);
  MEMBER(et, dr_row_t, start_s, H5T_NATIVE_DOUBLE);
  MEMBER(et, dr_row_t, duration_s, H5T_NATIVE_DOUBLE);
  MEMBER(pt, perf_row_t, started, H5T_NATIVE_UINT8);
  MEMBER(pt, perf_row_t, has_twin, H5T_NATIVE_UINT8);
  MEMBER(pt, perf_row_t, targeted, H5T_NATIVE_UINT32);
  MEMBER(pt, perf_row_t, acks, H5T_NATIVE_UINT32);
  MEMBER(pt, perf_row_t, opt_outs, H5T_NATIVE_UINT32);
  MEMBER(pt, perf_row_t, lost, H5T_NATIVE_UINT32);
  MEMBER(pt, perf_row_t, requested_kw, H5T_NATIVE_DOUBLE);
  MEMBER(pt, perf_row_t, mean_kw, H5T_NATIVE_DOUBLE);
  MEMBER(pt, perf_row_t, delivered_kw_true, H5T_NATIVE_DOUBLE);
  MEMBER(pt, perf_row_t, delivered_kw_ven_baseline, H5T_NATIVE_DOUBLE);
  MEMBER(pt, perf_row_t, energy_shed_kwh, H5T_NATIVE_DOUBLE);
  MEMBER(pt, perf_row_t, rebound_peak_kw, H5T_NATIVE_DOUBLE);
  bool ok = ev && pr && read_all(f, "/dr/events", et, ev) &&
            (!have_perf || read_all(f, "/dr/performance", pt, pr));
  if (ok) {
    fprintf(out, "DR events:     %zu%s\n", n,
            have_perf ? "" : " (no results: the trace was not closed)");
    fprintf(out, "  %-12s %9s %7s %9s %8s %6s %8s %6s %9s %9s %9s %9s\n", "id",
            "start_s", "dur_s", "req_kW", "targeted", "acks", "opt_outs",
            "lost", "mean_kW", "true_kW", "base_kW", "rebnd_kW");
    for (size_t k = 0; k < n; k++) {
      fprintf(out, "  %-12s %9.0f %7.0f", ev[k].id, ev[k].start_s,
              ev[k].duration_s);
      if (!have_perf || !pr[k].started) {
        fprintf(out, "  %s\n", have_perf ? "not started" : "-");
        continue;
      }
      fprintf(out, " %9.3f %8u %6u %8u %6u %9.3f %9.3f %9.3f %9.3f\n",
              pr[k].requested_kw, pr[k].targeted, pr[k].acks, pr[k].opt_outs,
              pr[k].lost, pr[k].mean_kw, pr[k].delivered_kw_true,
              pr[k].delivered_kw_ven_baseline, pr[k].rebound_peak_kw);
    }
    fprintf(out,
            "  (true_kW: delivered against the counterfactual twin, "
            "nan without one; base_kW: against the VENs' own "
            "baselines)\n");
  }
  H5Tclose(pt);
  H5Tclose(et);
  H5Tclose(idt);
  free(pr);
  free(ev);
  return ok;
}

static void print_info(const char *path, long long size, const info_t *in,
                       FILE *out) {
  fprintf(out, "file:          %s (%lld bytes)\n", path, size);
  fprintf(out, "scenario:      %s (seed %llu, gridsim %s)\n", in->name,
          (unsigned long long)in->seed, in->version);
  fprintf(out, "start:         %s (UTC offset %+g h)\n", in->start,
          in->utc_offset_h);
  fprintf(out, "VENs:          %llu, %zu sampled (output.ven_sample %g)\n",
          (unsigned long long)in->vens, in->sampled, in->ven_sample);
  fprintf(out,
          "duration:      %.0f s (%.4g h); %llu rows every %g s, up "
          "to %.0f s\n",
          in->duration_s, in->duration_s / 3600, (unsigned long long)in->rows,
          in->interval_s,
          in->rows ? (double)(in->rows - 1) * in->interval_s : 0.0);
  fprintf(out, "complete:      %s\n",
          in->complete ? "yes"
                       : "no (the run was interrupted or failed; the "
                         "file holds what was recorded up to then)");
  fprintf(out,
          "fleet:         energy %.3f kWh, peak %.3f kW at %.0f s "
          "(%s, up to %.0f s)\n",
          in->energy_kwh, in->peak_kw, in->peak_time_s,
          in->exact ? "exact" : "from the samples", in->end_s);
  fprintf(out, "grid:          %zu feeder%s, %zu transformer%s\n",
          in->feeders, in->feeders == 1 ? "" : "s", in->transformers,
          in->transformers == 1 ? "" : "s");
  fprintf(out,
          "log:           %zu DR event records, %zu commands, %zu acks,"
          " %zu opt-outs, %zu faults\n",
          in->log_rows[0], in->log_rows[1], in->log_rows[2], in->log_rows[3],
          in->log_rows[4]);
}

int gs_info_print(const char *path, FILE *out, FILE *err) {
  struct stat sb;
  if (stat(path, &sb) != 0) {
    fprintf(err, "gridsim info: %s: %s\n", path, strerror(errno));
    return GS_EXIT_BADINPUT;
  }
  if (S_ISDIR(sb.st_mode)) {
    fprintf(err, "gridsim info: %s: is a directory, not a trace\n", path);
    return GS_EXIT_BADINPUT;
  }
  H5dont_atexit();
  char cause[GS__TR_CAUSE_SIZE];
  gs__tr_quiet_t q = gs__tr_quiet_begin(cause);
  int status = GS_EXIT_BADINPUT;
  const char *why = NULL;
  hid_t f = -1;
  if (H5Fis_hdf5(path) <= 0) {
    why = "not an HDF5 file";
  } else if ((f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
    /* HDF5 checks the end of file its superblock records: a cut file
     * fails here ("truncated file: eof = ..."). */
    fprintf(err,
            "gridsim info: %s: cannot read HDF5 file (truncated or "
            "damaged?)%s%s\n",
            path, cause[0] ? ": " : "", cause);
  } else {
    info_t in = {0};
    if (read_info(f, &in, &why)) {
      print_info(path, (long long)sb.st_size, &in, out);
      if (print_dr(f, out))
        status = GS_EXIT_OK;
      else
        why = "damaged gridsim trace (/dr unreadable)";
    }
  }
  if (status != GS_EXIT_OK && why != NULL)
    fprintf(err, "gridsim info: %s: %s%s%s\n", path, why, cause[0] ? ": " : "",
            cause);
  if (f >= 0) H5Fclose(f);
  gs__tr_quiet_end(q);
  return status;
}

int gs_cli_info(int argc, char **argv) {
  if (argc == 1 &&
      (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
    printf(
        "usage: gridsim info FILE\n\nSummarises the gridsim HDF5 trace "
        "FILE (gridsim run --out FILE).\n");
    return GS_EXIT_OK;
  }
  if (argc != 1) {
    fprintf(stderr,
            "gridsim info: expected one trace file, found %d "
            "arguments\nusage: gridsim info FILE\n",
            argc);
    return GS_EXIT_BADINPUT;
  }
  return gs_info_print(argv[0], stdout, stderr);
}
