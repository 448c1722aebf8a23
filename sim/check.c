/* SPDX-License-Identifier: MIT */
/* `gridsim check`: runs a scenario suite against its golden files. */
#define _GNU_SOURCE /* getopt_long */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_golden.h"
#include "progress.h"
#include "scenario_util.h"
#include "summary.h"

static const char check_usage[] =
    "usage: gridsim check SUITE_DIR [--update-golden] [--junit FILE]\n"
    "\n"
    "Runs every scenario SUITE_DIR/NAME.json (not *.expect.json) headless,\n"
    "with the counterfactual twin of each DR event, twice; compares the\n"
    "summary metrics of the first run with SUITE_DIR/NAME.expect.json and\n"
    "the two runs with each other (event digest, fleet series, HDF5 trace\n"
    "bytes, summary), and prints one row per check.\n"
    "\n"
    "  --update-golden   rewrite the expected values from this run (keeping\n"
    "                    each file's metrics and tolerances; a new file gets\n"
    "                    the default metrics)\n"
    "  --junit FILE      also write the results as JUnit XML to FILE\n"
    "\n"
    "exit status: 0 all passed; 1 a regression, nondeterminism or failed\n"
    "run; 2 bad input (no such directory, an invalid scenario or\n"
    "expectation file, a scenario without expectations)\n";

/* One scenario of the suite. */
typedef struct entry {
  char *name;     /* "rebound-study" */
  char *scn_path; /* DIR/name.json */
  char *exp_path; /* DIR/name.expect.json */
  gs_scenario_t *s;
  gs_check_expect_t *e; /* NULL: none yet (only with --update-golden) */
} entry_t;

typedef struct suite {
  const char *dir;
  bool update;
  const char *junit;
  entry_t *v;
  size_t n;
  char tmpdir[256]; /* where the traces go, removed at the end */
} suite_t;

static void suite_free(suite_t *st) {
  for (size_t i = 0; i < st->n; i++) {
    free(st->v[i].name);
    free(st->v[i].scn_path);
    free(st->v[i].exp_path);
    gs_scenario_free(st->v[i].s);
    gs_check_expect_free(st->v[i].e);
  }
  free(st->v);
  if (st->tmpdir[0]) rmdir(st->tmpdir);
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static char *join(const char *dir, const char *name, const char *ext) {
  size_t n = strlen(dir) + strlen(name) + strlen(ext) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s%s", dir, name, ext);
  return p;
}

static int cmp_entry(const void *a, const void *b) {
  return strcmp(((const entry_t *)a)->name, ((const entry_t *)b)->name);
}

static bool is_file(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Lists the scenarios, sorted by name so the order never depends on the
 * file system; fails on an expectation file without its scenario, which
 * would otherwise never be checked. */
static int list_suite(suite_t *st) {
  DIR *d = opendir(st->dir);
  if (d == NULL) {
    fprintf(stderr,
            "gridsim check: %s: cannot open the suite directory: "
            "%s\n",
            st->dir, strerror(errno));
    return GS_EXIT_BADINPUT;
  }
  int status = GS_EXIT_OK;
  size_t cap = 0;
  struct dirent *de;
  while (status == GS_EXIT_OK && (de = readdir(d)) != NULL) {
    const char *fn = de->d_name;
    if (fn[0] == '.' || !ends_with(fn, ".json")) continue;
    if (ends_with(fn, ".expect.json")) {
      char *base = gs__strdup(fn);
      if (base == NULL) {
        status = GS_EXIT_RUNTIME;
        break;
      }
      base[strlen(fn) - strlen(".expect.json")] = '\0';
      char *scn = join(st->dir, base, ".json");
      if (scn && !is_file(scn)) {
        fprintf(stderr,
                "gridsim check: %s/%s: expectations without a "
                "scenario (expected %s)\n",
                st->dir, fn, scn);
        status = GS_EXIT_BADINPUT;
      }
      free(scn);
      free(base);
      continue;
    }
    if (st->n == cap) {
      cap = cap ? 2 * cap : 16;
      entry_t *p = realloc(st->v, cap * sizeof *p);
      if (p == NULL) {
        status = GS_EXIT_RUNTIME;
        break;
      }
      st->v = p;
    }
    entry_t *e = &st->v[st->n];
    *e = (entry_t){0};
    e->name = gs__strdup(fn);
    if (e->name) e->name[strlen(fn) - strlen(".json")] = '\0';
    st->n++;
    if (e->name == NULL ||
        (e->scn_path = join(st->dir, e->name, ".json")) == NULL ||
        (e->exp_path = join(st->dir, e->name, ".expect.json")) == NULL)
      status = GS_EXIT_RUNTIME;
  }
  closedir(d);
  if (status == GS_EXIT_RUNTIME)
    fprintf(stderr,
            "gridsim check: out of "
            "memory\n");
  if (status == GS_EXIT_OK && st->n == 0) {
    fprintf(stderr, "gridsim check: %s: no scenarios (*.json) in the suite\n",
            st->dir);
    status = GS_EXIT_BADINPUT;
  }
  if (st->n > 1) qsort(st->v, st->n, sizeof *st->v, cmp_entry);
  return status;
}

/* Validates every scenario and expectation file before anything runs, so
 * a typo in the last file is reported at once, with all the others. */
static int load_suite(suite_t *st) {
  int status = GS_EXIT_OK;
  for (size_t i = 0; i < st->n; i++) {
    entry_t *e = &st->v[i];
    gs_errbuf_t eb = {{0}};
    gs_scenario_overrides_t ov = {0};
    gs_err_t err = gs_scenario_load_file(e->scn_path, &ov, &e->s, &eb);
    if (err != GS_OK) {
      fprintf(stderr, "gridsim check: %s\n", eb.msg);
      status = err == GS_ENOMEM ? GS_EXIT_RUNTIME : GS_EXIT_BADINPUT;
      continue;
    }
    if (!is_file(e->exp_path)) {
      if (st->update) continue;
      fprintf(stderr,
              "gridsim check: %s: no expectations: %s is missing "
              "(create it with --update-golden)\n",
              e->scn_path, e->exp_path);
      status = GS_EXIT_BADINPUT;
      continue;
    }
    err = gs_check_expect_load(e->exp_path, &e->e, &eb);
    if (err != GS_OK) {
      fprintf(stderr, "gridsim check: %s\n", eb.msg);
      status = err == GS_ENOMEM ? GS_EXIT_RUNTIME : GS_EXIT_BADINPUT;
    }
  }
  return status;
}

/* A value as the table shows it: numbers with 8 significant digits, or
 * 17 when `full` (two values that print alike but differ). */
static void render(const cJSON *v, bool full, char *buf, size_t size) {
  if (v == NULL)
    snprintf(buf, size, "(none)");
  else if (cJSON_IsNumber(v))
    snprintf(buf, size, full ? "%.17g" : "%.8g", v->valuedouble);
  else
    gs__render(v, buf, size);
}

/* Adds the rows of one scenario's metrics (and, updating, rewrites the
 * values in `e->e`). Returns false when out of memory. */
static bool metric_rows(suite_t *st, entry_t *e, const gs_check_run_t *run,
                        gs_check_report_t *rep, size_t *failed) {
  for (size_t j = 0; j < e->e->n; j++) {
    const gs_check_metric_t *m = &e->e->metrics[j];
    const cJSON *got = gs_check_lookup(run->summary, m->path);
    double tol;
    gs_check_verdict_t v = gs_check_compare(m, got, &tol);
    char exp_s[64], got_s[64], tol_s[64] = "-";
    render(m->value, false, exp_s, sizeof exp_s);
    render(got, false, got_s, sizeof got_s);
    if (v == GS_CHECK_FAIL && strcmp(exp_s, got_s) == 0) {
      render(m->value, true, exp_s, sizeof exp_s);
      render(got, true, got_s, sizeof got_s);
    }
    if (cJSON_IsNumber(m->value))
      snprintf(tol_s, sizeof tol_s, tol > 0 ? "+-%.3g" : "exact", tol);
    gs_check_row_t row = {.scenario = e->name,
                          .name = (char *)m->path,
                          .expected = exp_s,
                          .got = got_s,
                          .tolerance = tol_s};
    row.verdict = v == GS_CHECK_PASS      ? "pass"
                  : v == GS_CHECK_MISSING ? "MISSING"
                                          : "FAIL";
    row.failed = v != GS_CHECK_PASS;
    /* Updating, a changed value is the point, not a failure; a missing
     * metric still fails: it must be removed from the file by hand. */
    if (st->update && v == GS_CHECK_FAIL) {
      row.verdict = "updated";
      row.failed = false;
    }
    *failed += row.failed;
    if (gs_check_report_add(rep, &row) != GS_OK) return false;
  }
  return true;
}

/* --update-golden: the new values, or the default file, written back. */
static int write_golden(entry_t *e, const gs_check_run_t *run) {
  gs_errbuf_t eb = {{0}};
  if (e->e == NULL) {
    if (gs_check_expect_default(run->summary, e->exp_path, &e->e, &eb) !=
        GS_OK) {
      fprintf(stderr, "gridsim check: %s\n", eb.msg);
      return GS_EXIT_RUNTIME;
    }
  } else if (gs_check_expect_update(e->e, run->summary) == (size_t)-1) {
    fprintf(stderr, "gridsim check: out of memory\n");
    return GS_EXIT_RUNTIME;
  }
  char *text = gs_check_expect_text(e->e);
  gs_err_t err = text ? gs_write_file_atomic(e->exp_path, text, &eb)
                      : gs_errbuf_set(&eb, GS_ENOMEM, "out of memory");
  free(text);
  if (err != GS_OK) {
    fprintf(stderr, "gridsim check: %s\n", eb.msg);
    return GS_EXIT_RUNTIME;
  }
  return GS_EXIT_OK;
}

/* Runs one scenario twice and adds its rows. Returns an exit status for
 * runtime failures of the check itself (not of the scenario). */
static int check_one(suite_t *st, entry_t *e, const char *trace,
                     gs_check_report_t *rep, size_t *failed) {
  gs_check_run_t a = {0}, b = {0};
  gs_errbuf_t eb = {{0}};
  int status = GS_EXIT_OK;
  gs_err_t err = gs_check_run_scenario(e->s, trace, &a, &eb);
  if (err == GS_OK) err = gs_check_run_scenario(e->s, trace, &b, &eb);
  if (err != GS_OK) {
    gs_check_row_t row = {.scenario = e->name,
                          .name = "run",
                          .expected = "a complete run",
                          .got = eb.msg,
                          .verdict = "ERROR",
                          .failed = true,
                          .error = true};
    (*failed)++;
    status =
        gs_check_report_add(rep, &row) == GS_OK ? GS_EXIT_OK : GS_EXIT_RUNTIME;
    goto done;
  }
  char why[256], exp_s[40], got_s[40];
  bool same = gs_check_same_run(&a, &b, why, sizeof why);
  snprintf(exp_s, sizeof exp_s, "%016" PRIx64, a.event_digest);
  snprintf(got_s, sizeof got_s, "%016" PRIx64, b.event_digest);
  printf("  %-32s 2 runs in %.2f s, digest %s%s%s\n", e->name,
         a.wall_s + b.wall_s, exp_s,
         same ? "" : ": NONDETERMINISTIC: ", same ? "" : why);
  gs_check_row_t row = {.scenario = e->name,
                        .name = "determinism",
                        .expected = exp_s,
                        .got = same ? got_s : why,
                        .tolerance = "identical",
                        .verdict = same ? "pass" : "FAIL",
                        .failed = !same,
                        .time_s = a.wall_s + b.wall_s};
  *failed += !same;
  if (gs_check_report_add(rep, &row) != GS_OK) {
    status = GS_EXIT_RUNTIME;
    goto done;
  }
  if (st->update && !same) goto done; /* never golden a coin toss */
  if (st->update && e->e == NULL) {
    status = write_golden(e, &a);
    if (status == GS_EXIT_OK)
      printf("  %-32s created %s (%zu metrics)\n", "", e->exp_path, e->e->n);
    goto done;
  }
  if (!metric_rows(st, e, &a, rep, failed))
    status = GS_EXIT_RUNTIME;
  else if (st->update)
    status = write_golden(e, &a);
done:
  gs_check_run_free(&a);
  gs_check_run_free(&b);
  return status;
}

static int parse_args(int argc, char **argv, suite_t *st, bool *help) {
  enum { OPT_UPDATE = 1000, OPT_JUNIT };
  static const struct option opts[] = {
      {"update-golden", no_argument, NULL, OPT_UPDATE},
      {"junit", required_argument, NULL, OPT_JUNIT},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  /* getopt_long reads argv[0] as the program: shift by one. */
  char **av = argv - 1;
  opterr = 0;
  optind = 1;
  int c;
  while ((c = getopt_long(argc + 1, av, ":h", opts, NULL)) != -1) {
    if (c == OPT_UPDATE)
      st->update = true;
    else if (c == OPT_JUNIT)
      st->junit = optarg;
    else if (c == 'h')
      *help = true;
    else {
      fprintf(stderr,
              c == ':' ? "gridsim check: option %s needs a value\n"
                       : "gridsim check: unknown option '%s'\n",
              av[optind - 1]);
      return GS_EXIT_BADINPUT;
    }
  }
  if (*help) return GS_EXIT_OK;
  if (optind >= argc + 1) {
    fprintf(stderr, "gridsim check: expected a suite directory\n");
    return GS_EXIT_BADINPUT;
  }
  st->dir = av[optind++];
  if (optind < argc + 1) {
    fprintf(stderr,
            "gridsim check: unexpected argument '%s' (one suite "
            "directory)\n",
            av[optind]);
    return GS_EXIT_BADINPUT;
  }
  return GS_EXIT_OK;
}

/* The trace of each run goes to a private temporary directory. */
static int make_tmpdir(suite_t *st) {
  const char *base = getenv("TMPDIR");
  if (base == NULL || base[0] == '\0') base = "/tmp";
  snprintf(st->tmpdir, sizeof st->tmpdir, "%s/gridsim-check.XXXXXX", base);
  if (mkdtemp(st->tmpdir) == NULL) {
    fprintf(stderr,
            "gridsim check: cannot create a directory in %s for the "
            "traces: %s\n",
            base, strerror(errno));
    st->tmpdir[0] = '\0';
    return GS_EXIT_RUNTIME;
  }
  return GS_EXIT_OK;
}

/* The JUnit file, written whatever the verdicts (CI shows them). */
static int write_junit(const suite_t *st, const gs_check_report_t *rep) {
  gs_errbuf_t eb = {{0}};
  char *xml = gs_check_report_junit(rep);
  gs_err_t err = xml ? gs_write_file_atomic(st->junit, xml, &eb)
                     : gs_errbuf_set(&eb, GS_ENOMEM, "out of memory");
  free(xml);
  if (err == GS_OK) return GS_EXIT_OK;
  fprintf(stderr, "gridsim check: --junit: %s\n", eb.msg);
  return GS_EXIT_RUNTIME;
}

int gs_cli_check(int argc, char **argv) {
  suite_t st = {0};
  bool help = false;
  int status = parse_args(argc, argv, &st, &help);
  if (help) fputs(check_usage, stdout);
  if (help || status != GS_EXIT_OK) {
    if (status != GS_EXIT_OK) fputs(check_usage, stderr);
    return status;
  }
  if ((status = list_suite(&st)) != GS_EXIT_OK ||
      (status = load_suite(&st)) != GS_EXIT_OK ||
      (status = make_tmpdir(&st)) != GS_EXIT_OK) {
    suite_free(&st);
    return status;
  }
  char trace[300];
  snprintf(trace, sizeof trace, "%s/trace.h5", st.tmpdir);
  printf("gridsim check %s: %zu scenario%s%s\n", st.dir, st.n,
         st.n == 1 ? "" : "s", st.update ? " (updating expectations)" : "");
  gs_check_report_t rep = {0};
  size_t failed = 0;
  double t0 = gs_wall_s();
  for (size_t i = 0; i < st.n && status == GS_EXIT_OK; i++)
    status = check_one(&st, &st.v[i], trace, &rep, &failed);
  if (status == GS_EXIT_OK) {
    printf("\n");
    gs_check_report_print(stdout, &rep);
    printf(
        "\n%zu checks of %zu scenario%s in %.1f s: %zu passed, %zu "
        "failed\n",
        rep.n, st.n, st.n == 1 ? "" : "s", gs_wall_s() - t0, rep.n - failed,
        failed);
    if (st.junit) status = write_junit(&st, &rep);
    if (status == GS_EXIT_OK && failed > 0) status = GS_EXIT_RUNTIME;
  }
  gs_check_report_free(&rep);
  suite_free(&st);
  fflush(stdout);
  return status;
}
