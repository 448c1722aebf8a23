/* SPDX-License-Identifier: MIT */
/* Benchmark: the default homes at 10k..1M, wall time, events/s, memory. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Each run is a child `gridsim run` of the built-in default scenario (the
 * platform's reference home: HVAC, refrigerator and by sampled presence a
 * water heater, EV, dryer, range, lighting, outlets, PV, battery, pool
 * pump) rescaled with --vens, over its 24 simulated hours, so the figures
 * are those of the command users run, and each run's peak RSS is its own.
 * Modes:
 *   no-out   --no-twin --no-out: the simulation alone;
 *   trace    --no-twin with the HDF5 trace (fleet, feeder and transformer
 *            series at the default 5 min, plus a 1 % VEN sample);
 *   twin     --no-out with the counterfactual twin of the DR event.
 * The cost's growth with fleet size is fitted per mode as wall ~ N^k by
 * least squares on log-log over the sizes run. */

typedef struct run {
  double vens, wall_s, sim_wall_s, twin_wall_s, events, rate, rss_kib;
  double cpu_s; /* the child's user + system CPU time */
  char digest[20];
  bool ok;
} run_t;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* User + system CPU seconds of the children waited for so far (one child
 * runs at a time, so a difference is one run's). */
static double children_cpu_s(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_CHILDREN, &ru) != 0) return NAN;
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
    buf[n] = '\0';
  } else {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  return buf;
}

static double num(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Runs gridsim with `extra` options for `vens` homes; fills *r. */
static void run_one(const char *gridsim, const char *dir, const char *mode,
                    long vens, run_t *r) {
  char n_arg[32], json[512], h5[512];
  snprintf(n_arg, sizeof n_arg, "%ld", vens);
  snprintf(json, sizeof json, "%s/bench-%s-%ld.json", dir, mode, vens);
  snprintf(h5, sizeof h5, "%s/bench-%s-%ld.h5", dir, mode, vens);
  const char *argv[16];
  int k = 0;
  argv[k++] = gridsim;
  argv[k++] = "run";
  argv[k++] = "--vens";
  argv[k++] = n_arg;
  argv[k++] = "--quiet";
  argv[k++] = "--summary-json";
  argv[k++] = json;
  if (strcmp(mode, "twin") != 0) argv[k++] = "--no-twin";
  if (strcmp(mode, "trace") == 0) {
    argv[k++] = "--out";
    argv[k++] = h5;
    argv[k++] = "--set";
    argv[k++] = "output.ven_sample=0.01";
  } else {
    argv[k++] = "--no-out";
  }
  argv[k] = NULL;
  memset(r, 0, sizeof *r);
  remove(json);
  double t0 = now_s();
  pid_t pid = fork();
  if (pid == 0) {
    execv(gridsim, (char *const *)argv);
    fprintf(stderr, "bench_fleet: cannot run %s: %s\n", gridsim,
            strerror(errno));
    _exit(127);
  }
  int status = 0;
  /* CPU time as well as wall time: on a shared machine the wall time of a
   * run depends on what else runs, its CPU time much less so. */
  double cpu0_s = children_cpu_s();
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return;
  r->wall_s = now_s() - t0;
  r->cpu_s = children_cpu_s() - cpu0_s;
  char *text = slurp(json);
  cJSON *root = text ? cJSON_Parse(text) : NULL;
  free(text);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || root == NULL) {
    fprintf(stderr, "bench_fleet: %s run of %ld homes failed (status %d)\n",
            mode, vens, status);
    cJSON_Delete(root);
    return;
  }
  r->vens = num(root, "vens");
  r->sim_wall_s = num(root, "wall_s");
  r->twin_wall_s = num(root, "twin_wall_s");
  r->events = num(root, "events_processed");
  r->rate = num(root, "events_per_s");
  r->rss_kib = num(root, "peak_rss_kib");
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "event_digest");
  if (cJSON_IsString(d))
    snprintf(r->digest, sizeof r->digest, "%s", d->valuestring);
  r->ok = true;
  cJSON_Delete(root);
  remove(h5);
}

/* Least-squares slope of log(y) on log(x). */
static double fit_exponent(const double *x, const double *y, int n) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int i = 0; i < n; i++) {
    double lx = log(x[i]), ly = log(y[i]);
    sx += lx;
    sy += ly;
    sxx += lx * lx;
    sxy += lx * ly;
  }
  double den = n * sxx - sx * sx;
  return n >= 2 && den != 0 ? (n * sxy - sx * sy) / den : NAN;
}

static int parse_sizes(const char *arg, long *out, int max) {
  int n = 0;
  for (const char *p = arg; *p && n < max;) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || v <= 0) return -1;
    if (*end == 'k')
      v *= 1000, end++;
    else if (*end == 'M')
      v *= 1000000, end++;
    out[n++] = v;
    p = *end == ',' ? end + 1 : end;
    if (*end != ',' && *end != '\0') return -1;
  }
  return n;
}

static void usage(void) {
  fprintf(stderr,
          "usage: bench_fleet [--gridsim PATH] [--dir DIR] [--sizes LIST]\n"
          "                   [--modes LIST] [--twin-sizes LIST]\n"
          "  LIST: comma-separated, sizes may end in k or M\n"
          "  defaults: --sizes 10k,100k  --modes no-out,trace\n"
          "            --twin-sizes 10k,100k  --dir /tmp\n"
          "  e.g. bench_fleet --sizes 10k,100k,1M\n");
}

int main(int argc, char **argv) {
  const char *gridsim = getenv("GRIDSIM"), *dir = "/tmp";
  char guess[4096];
  long sizes[8] = {10000, 100000}, twin_sizes[8] = {10000, 100000};
  int n_sizes = 2, n_twin = 2;
  bool mode_no_out = true, mode_trace = true;
  for (int i = 1; i < argc; i++) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(argv[i], "--gridsim") == 0 && v)
      gridsim = v, i++;
    else if (strcmp(argv[i], "--dir") == 0 && v)
      dir = v, i++;
    else if (strcmp(argv[i], "--sizes") == 0 && v &&
             (n_sizes = parse_sizes(v, sizes, 8)) >= 0)
      i++;
    else if (strcmp(argv[i], "--twin-sizes") == 0 && v &&
             (n_twin = parse_sizes(v, twin_sizes, 8)) >= 0)
      i++;
    else if (strcmp(argv[i], "--modes") == 0 && v) {
      mode_no_out = strstr(v, "no-out") != NULL;
      mode_trace = strstr(v, "trace") != NULL;
      i++;
    } else {
      usage();
      return 2;
    }
  }
  if (gridsim == NULL) { /* the build tree: build/tests/bench_fleet */
    const char *slash = strrchr(argv[0], '/');
    int len = slash ? (int)(slash - argv[0]) : 1;
    snprintf(guess, sizeof guess, "%.*s/../gridsim", len,
             slash ? argv[0] : ".");
    gridsim = guess;
  }
  printf("fleet benchmark: default scenario, 24 h, %s\n", gridsim);
  printf("%-7s %9s %9s %9s %9s %12s %11s %9s %8s  %s\n", "mode", "homes",
         "wall_s", "cpu_s", "sim_s", "events", "events/s", "rss_MiB", "B/home",
         "digest");
  const char *modes[3] = {"no-out", "trace", "twin"};
  bool on[3] = {mode_no_out, mode_trace, n_twin > 0};
  for (int m = 0; m < 3; m++) {
    if (!on[m]) continue;
    const long *sz = m == 2 ? twin_sizes : sizes;
    int n = m == 2 ? n_twin : n_sizes;
    double x[8], y[8];
    int n_fit = 0;
    for (int i = 0; i < n; i++) {
      run_t r;
      run_one(gridsim, dir, modes[m], sz[i], &r);
      if (!r.ok) continue;
      printf("%-7s %9.0f %9.2f %9.2f %9.2f %12.0f %11.3e %9.1f %8.0f  %s",
             modes[m], r.vens, r.wall_s, r.cpu_s, r.sim_wall_s, r.events,
             r.rate, r.rss_kib / 1024, r.rss_kib * 1024 / r.vens, r.digest);
      if (m == 2) printf("  (twin %.2f s)", r.twin_wall_s);
      printf("\n");
      fflush(stdout);
      x[n_fit] = r.vens;
      y[n_fit++] = r.sim_wall_s + (m == 2 ? r.twin_wall_s : 0);
    }
    if (n_fit >= 2)
      printf("%-7s cost ~ N^%.3f (least squares over %d sizes)\n", modes[m],
             fit_exponent(x, y, n_fit), n_fit);
  }
  return 0;
}
