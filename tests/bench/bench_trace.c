/* SPDX-License-Identifier: MIT */
/* Benchmark: what the HDF5 trace costs a 100,000-VEN day, bytes per sample. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <hdf5.h>

#include "gridsim/engine.h"
#include "scenario_priv.h"
#include "trace.h"
#include "trace_log.h"
#include "world.h"

/* The budget: trace writing at most 10 % of the run time of a
 * 100,000-VEN day (the built-in default scenario, rescaled) with a 1 %
 * VEN sample. The cost is measured twice: directly, as the time spent in
 * the recorder's own calls (open, every sample, every log record, close),
 * and as the difference between a run with and one without the trace. */
static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct timed {
  gs_observer_t inner; /* the trace's observer */
  const gs_log_t *log; /* the trace's log sink */
  double sample_s, log_s;
  uint64_t records;
} timed_t;

static void timed_sample(void *ud, gs_engine_t *eng, gs_time_us_t t_us) {
  timed_t *tm = ud;
  double t0 = now_s();
  tm->inner.sample(tm->inner.ud, eng, t_us);
  tm->sample_s += now_s() - t0;
}

/* Timing every record would cost more than the record: time one in 64
 * and scale (records come in bursts of identical work). */
static void timed_record(void *ud, const gs_log_rec_t *rec) {
  timed_t *tm = ud;
  if (tm->records++ % 64 != 0) {
    tm->log->record(tm->log->ud, rec);
    return;
  }
  double t0 = now_s();
  tm->log->record(tm->log->ud, rec);
  tm->log_s += (now_s() - t0) * 64;
}

typedef struct result {
  double build_s, run_s, open_s, close_s, sample_s, log_s;
  uint64_t records, rows;
} result_t;

static gs_scenario_t *load(uint64_t vens, double sample) {
  char set[64];
  snprintf(set, sizeof set, "output.ven_sample=%g", sample);
  const char *sets[] = {set};
  gs_scenario_overrides_t ov = {
      .sets = sets, .n_sets = 1, .has_vens = true, .vens = vens};
  gs_scenario_t *s = NULL;
  gs_errbuf_t eb = {{0}};
  if (gs_scenario_load_default(&ov, &s, &eb) != GS_OK) {
    fprintf(stderr, "bench_trace: %s\n", eb.msg);
    exit(1);
  }
  return s;
}

/* One day; with a trace at `path` unless it is NULL. */
static result_t run(const gs_scenario_t *s, const char *path) {
  result_t r = {0};
  gs_errbuf_t eb = {{0}};
  double t0 = now_s();
  gs_engine_t *e =
      gs_engine_create(&(gs_engine_config_t){.seed = s->seed}, &eb);
  gs_world_t *w = NULL;
  if (e == NULL || gs_world_build(s, e, &w, &eb) != GS_OK) {
    fprintf(stderr, "bench_trace: %s\n", eb.msg);
    exit(1);
  }
  r.build_s = now_s() - t0;
  gs_trace_t *t = NULL;
  timed_t tm = {0};
  gs_log_t wrap = {.record = timed_record, .ud = &tm};
  if (path != NULL) {
    t0 = now_s();
    if (gs_trace_open(path, w, &t, &eb) != GS_OK) {
      fprintf(stderr, "bench_trace: %s\n", eb.msg);
      exit(1);
    }
    r.open_s = now_s() - t0;
    tm.inner = gs_trace_observer(t);
    tm.log = w->log;
    w->log = &wrap;
    gs_observer_t o = tm.inner;
    o.sample = timed_sample;
    o.ud = &tm;
    gs_engine_add_observer(e, &o);
  }
  t0 = now_s();
  gs_engine_run(e, s->duration_us);
  gs_engine_finish(e);
  r.run_s = now_s() - t0;
  if (path != NULL) {
    w->log = tm.log;
    t0 = now_s();
    if (gs_trace_close(t, true, &eb) != GS_OK) {
      fprintf(stderr, "bench_trace: %s\n", eb.msg);
      exit(1);
    }
    r.close_s = now_s() - t0;
    r.sample_s = tm.sample_s;
    r.log_s = tm.log_s;
    r.records = tm.records;
  }
  gs_engine_destroy(e);
  gs_world_free(w);
  return r;
}

/* Values stored in the file: every element of every dataset, a table row
 * counting as one sample. */
static herr_t count_cb(hid_t obj, const char *name, const H5O_info_t *info,
                       void *ud) {
  if (info->type != H5O_TYPE_DATASET) return 0;
  hid_t d = H5Dopen2(obj, name, H5P_DEFAULT);
  hid_t sp = H5Dget_space(d);
  *(uint64_t *)ud += (uint64_t)H5Sget_simple_extent_npoints(sp);
  H5Sclose(sp);
  H5Dclose(d);
  return 0;
}

int main(int argc, char **argv) {
  uint64_t vens = 100000;
  double sample = 0.01;
  const char *path = "/tmp/bench_trace.h5";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--vens") == 0)
      vens = strtoull(argv[i + 1], 0, 10);
    else if (strcmp(argv[i], "--sample") == 0)
      sample = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--out") == 0)
      path = argv[i + 1];
  }
  gs_scenario_t *s = load(vens, sample);
  printf(
      "bench_trace: default scenario, %llu VENs, one day, output every "
      "%g s, ven_sample %g\n",
      (unsigned long long)s->n_vens, (double)s->output_interval_us / 1e6,
      sample);
  result_t bare = run(s, NULL);
  result_t traced = run(s, path);
  result_t bare2 = run(s, NULL); /* a second one: the noise of the figure */
  double base_s = (bare.run_s + bare2.run_s) / 2;
  double direct_s =
      traced.open_s + traced.sample_s + traced.log_s + traced.close_s;
  printf("run without trace:   %8.3f s and %8.3f s (build %.3f s)\n",
         bare.run_s, bare2.run_s, bare.build_s);
  printf(
      "run with trace:      %8.3f s (%+.1f %% of the mean without)\n",
      traced.run_s + traced.open_s + traced.close_s,
      100 * (traced.run_s + traced.open_s + traced.close_s - base_s) / base_s);
  printf(
      "trace's own calls:   %8.3f s = %.2f %% of the run (open %.3f, "
      "samples %.3f, %llu log records %.3f, close %.3f)\n",
      direct_s, 100 * direct_s / base_s, traced.open_s, traced.sample_s,
      (unsigned long long)traced.records, traced.log_s, traced.close_s);
  struct stat sb;
  uint64_t values = 0;
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (stat(path, &sb) != 0 || f < 0) {
    fprintf(stderr, "bench_trace: cannot read %s\n", path);
    return 1;
  }
  H5Ovisit(f, H5_INDEX_NAME, H5_ITER_NATIVE, count_cb, &values);
  H5Fclose(f);
  printf(
      "file:                %lld bytes, %llu stored values (series "
      "elements and table rows): %.2f bytes per sample\n",
      (long long)sb.st_size, (unsigned long long)values,
      (double)sb.st_size / (double)values);
  printf("budget (10 %%):       %s\n",
         direct_s <= 0.10 * base_s ? "met" : "NOT MET");
  gs_scenario_free(s);
  return direct_s <= 0.10 * base_s ? 0 : 2;
}
