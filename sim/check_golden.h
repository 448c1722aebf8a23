/* SPDX-License-Identifier: MIT */
/* `gridsim check`: regression suites of scenarios against expected metrics. */
#ifndef GRIDSIM_CHECK_GOLDEN_H
#define GRIDSIM_CHECK_GOLDEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "gridsim/error.h"
#include "gridsim/scenario.h"

/* ---- Expectation files (sim/check_expect.c) ---------------------------
 *
 * `<name>.expect.json` beside `<name>.json`:
 *   {"_comment": "..",
 *    "metrics": [{"path": "fleet.energy_kwh", "value": 1234.5,
 *                 "rel_tol": 0.001, "abs_tol": 0.5}, ..]}
 * A path names a value of the run's summary JSON (gridsim run
 * --summary-json): keys joined by '.', array elements as "[i]"
 * ("dr_events[0].delivered_kw_true"). A number passes when
 * |got - value| <= max(abs_tol, rel_tol * |value|) (a missing tolerance
 * counts as 0, so none at all means exact); strings, booleans and null
 * must be equal and take no tolerance. Keys starting with '_' are
 * comments, kept when the file is rewritten. */

typedef struct gs_check_metric {
  const char *path;        /* borrowed from the expectation's tree */
  const cJSON *value;      /* expected value, in the tree */
  double abs_tol, rel_tol; /* 0 when absent */
  cJSON *node;             /* the metric's object in the tree */
} gs_check_metric_t;

typedef struct gs_check_expect {
  char *file;                 /* as named in messages (owned) */
  cJSON *root;                /* the whole file (owned) */
  gs_check_metric_t *metrics; /* n, in file order (owned) */
  size_t n;
} gs_check_expect_t;

/* Parses expectation text `text`; `file` names it in messages. On success
 * the caller owns `*out` (free with gs_check_expect_free). Errors:
 * GS_ESCENARIO with "file:line:col: invalid JSON" or "file: metrics[2].
 * rel_tol: expected .., found .." in `eb`; GS_ENOMEM. */
gs_err_t gs_check_expect_parse(const char *text, const char *file,
                               gs_check_expect_t **out, gs_errbuf_t *eb);

/* Reads and parses the file at `path`: GS_EIO if it cannot be read. */
gs_err_t gs_check_expect_load(const char *path, gs_check_expect_t **out,
                              gs_errbuf_t *eb);
void gs_check_expect_free(gs_check_expect_t *e);

/* True if `path` is well formed: key ('.' key | '[' digits ']')*. */
bool gs_check_path_valid(const char *path);

/* The value at `path` in `root` (a summary), or NULL if there is none. */
const cJSON *gs_check_lookup(const cJSON *root, const char *path);

typedef enum gs_check_verdict {
  GS_CHECK_PASS = 0,
  GS_CHECK_FAIL,   /* outside the tolerance, or a different value */
  GS_CHECK_MISSING /* the summary has no value at the path */
} gs_check_verdict_t;

/* Compares `got` (may be NULL) with metric `m`. `*allowed` (may be NULL)
 * receives the largest difference allowed (0 for non-numbers). */
gs_check_verdict_t gs_check_compare(const gs_check_metric_t *m,
                                    const cJSON *got, double *allowed);

/* The expectations a new file starts with: the default metric list
 * (fleet, homes, grid and each DR event's figures, gs_check_default_tols)
 * with the values of `summary`, keeping only paths the summary has. */
gs_err_t gs_check_expect_default(const cJSON *summary, const char *file,
                                 gs_check_expect_t **out, gs_errbuf_t *eb);

/* Sets every metric's value to the summary's (a metric the summary lacks
 * keeps its old value). Returns the number of values that changed, or
 * (size_t)-1 when out of memory. */
size_t gs_check_expect_update(gs_check_expect_t *e, const cJSON *summary);

/* The file's text, one metric per line; caller frees. NULL: no memory. */
char *gs_check_expect_text(const gs_check_expect_t *e);

/* ---- One scenario's runs (sim/check_run.c) ---------------------------- */

/* What a headless run of a scenario leaves for the check. */
typedef struct gs_check_run {
  cJSON *summary;         /* the summary JSON of gridsim run (owned) */
  uint64_t event_digest;  /* the engine's digest of every event */
  uint64_t series_digest; /* FNV-1a of the fleet and twin series (mW) */
  uint64_t trace_digest;  /* FNV-1a of the HDF5 trace's bytes */
  double wall_s;          /* the run and its twins */
} gs_check_run_t;

/* Runs `s` (borrowed) as `gridsim run` would, with the counterfactual twin
 * of every event, no progress line and the HDF5 trace written to
 * `trace_path` (read back for its digest, then removed; NULL: none, digest
 * 0). Fills `*out`; the caller frees it with gs_check_run_free. Errors:
 * GS_ENOMEM, GS_EIO (trace), GS_ESCENARIO (a world that cannot be built),
 * with detail in `eb`. */
gs_err_t gs_check_run_scenario(const gs_scenario_t *s, const char *trace_path,
                               gs_check_run_t *out, gs_errbuf_t *eb);
void gs_check_run_free(gs_check_run_t *r);

/* Compares two runs of one scenario: the event digest, the series
 * digest, the trace bytes and every deterministic summary value (all but
 * the wall-clock and memory figures). Returns true if they are identical;
 * else writes what differs first into `why`. */
bool gs_check_same_run(const gs_check_run_t *a, const gs_check_run_t *b,
                       char *why, size_t size);

/* ---- The report (sim/check_report.c) ---------------------------------- */

/* One row of the table: a metric, the determinism check or a run error. */
typedef struct gs_check_row {
  const char *scenario; /* borrowed */
  char *name;           /* metric path, "determinism" or "run" (owned) */
  char *expected, *got; /* as printed (owned) */
  char *tolerance;      /* as printed (owned) */
  const char *verdict;  /* "pass", "FAIL", "MISSING", "updated", .. */
  bool failed;          /* counts as a failure */
  bool error;           /* the run itself failed (JUnit <error>) */
  double time_s;        /* wall time, for the JUnit file */
} gs_check_row_t;

typedef struct gs_check_report {
  gs_check_row_t *rows;
  size_t n, cap;
} gs_check_report_t;

/* Appends a row; the strings are copied. GS_ENOMEM on failure. */
gs_err_t gs_check_report_add(gs_check_report_t *r, const gs_check_row_t *row);
void gs_check_report_free(gs_check_report_t *r);

/* Prints the table (scenario, metric, expected, got, tolerance, verdict)
 * to `out`, each column as wide as its longest cell. */
void gs_check_report_print(FILE *out, const gs_check_report_t *r);

/* The report as JUnit XML: one <testsuite> per scenario, one <testcase>
 * per row, <failure> or <error> for failed rows. Caller frees. */
char *gs_check_report_junit(const gs_check_report_t *r);

/* ---- The command (sim/check.c) ----------------------------------------- */

/* `gridsim check SUITE_DIR [--update-golden] [--junit FILE]`: `argv`
 * holds what follows "check" (argc items). Returns 0 when every check
 * passed, 1 on a regression, nondeterminism or failed run, 2 on bad input
 * (no such directory, an invalid scenario or expectation file, a scenario
 * without expectations and no --update-golden). */
int gs_cli_check(int argc, char **argv);

#endif /* GRIDSIM_CHECK_GOLDEN_H */
