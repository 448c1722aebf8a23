/* SPDX-License-Identifier: MIT */
/* Tests of gridsim check: expectation files, comparison, runs, reports. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_golden.h"
#include "gridsim/scenario.h"

/* A summary of the shape gridsim run writes, cut down. */
static const char summary_text[] =
    "{\"scenario\": \"t\", \"wall_s\": 0.5, \"peak_rss_kib\": 1000,"
    " \"event_digest\": \"00000000000000ff\","
    " \"fleet\": {\"energy_kwh\": 100.0, \"peak_kw\": 20.0},"
    " \"homes\": {\"peak_kw_mean\": 5.0},"
    " \"counterfactual\": \"twin\", \"complete\": true,"
    " \"dr_events\": [{\"id\": \"e1\", \"acks\": 10,"
    "    \"delivered_kw_true\": 4.0, \"rebound_peak_kw\": null},"
    "   {\"id\": \"e2\", \"acks\": 7, \"delivered_kw_true\": 2.5}]}";

static cJSON *summary(void) {
  cJSON *s = cJSON_Parse(summary_text);
  ck_assert_ptr_nonnull(s);
  return s;
}

static gs_check_expect_t *parse_ok(const char *text) {
  gs_check_expect_t *e = NULL;
  gs_errbuf_t eb = {{0}};
  gs_err_t err = gs_check_expect_parse(text, "t.expect.json", &e, &eb);
  ck_assert_msg(err == GS_OK, "parse failed: %s", eb.msg);
  return e;
}

/* ---- Paths --------------------------------------------------------------- */

static const char *const good_paths[] = {"fleet",
                                         "fleet.energy_kwh",
                                         "dr_events[0].delivered_kw_true",
                                         "grid.feeders[12].min_voltage_pu",
                                         "a[0][1]",
                                         "x.y.z"};
static const char *const bad_paths[] = {
    "",    ".a",   "a.",    "a..b", "[0]",   "a[",
    "a[]", "a[x]", "a[0]b", "a]",   "a[-1]", "a[1234567890]"};

START_TEST(test_path_syntax) {
  for (size_t i = 0; i < sizeof good_paths / sizeof *good_paths; i++)
    ck_assert_msg(gs_check_path_valid(good_paths[i]), "refused \"%s\"",
                  good_paths[i]);
  for (size_t i = 0; i < sizeof bad_paths / sizeof *bad_paths; i++)
    ck_assert_msg(!gs_check_path_valid(bad_paths[i]), "accepted \"%s\"",
                  bad_paths[i]);
}
END_TEST

START_TEST(test_lookup) {
  cJSON *s = summary();
  const cJSON *v = gs_check_lookup(s, "fleet.energy_kwh");
  ck_assert_ptr_nonnull(v);
  ck_assert_double_eq(v->valuedouble, 100.0);
  v = gs_check_lookup(s, "dr_events[1].delivered_kw_true");
  ck_assert_ptr_nonnull(v);
  ck_assert_double_eq(v->valuedouble, 2.5);
  ck_assert_ptr_nonnull(gs_check_lookup(s, "dr_events[0].rebound_peak_kw"));
  ck_assert(cJSON_IsNull(gs_check_lookup(s, "dr_events[0].rebound_peak_kw")));
  /* Missing: a key, an index past the end, a key on an array, an index
   * on an object, a prefix of a key, a malformed path. */
  ck_assert_ptr_null(gs_check_lookup(s, "fleet.energy"));
  ck_assert_ptr_null(gs_check_lookup(s, "dr_events[2].acks"));
  ck_assert_ptr_null(gs_check_lookup(s, "dr_events.acks"));
  ck_assert_ptr_null(gs_check_lookup(s, "fleet[0]"));
  ck_assert_ptr_null(gs_check_lookup(s, "fleet.energy_kwh.x"));
  ck_assert_ptr_null(gs_check_lookup(s, "fleet..energy_kwh"));
  cJSON_Delete(s);
}
END_TEST

/* ---- Comparison ---------------------------------------------------------- */

/* One comparison: expected `exp` with tolerances against `got`. */
typedef struct cmp_case {
  const char *metric; /* a metric object, without "path" */
  const char *got;    /* JSON, or NULL for a missing value */
  gs_check_verdict_t verdict;
  double allowed;
} cmp_case_t;

static const cmp_case_t cmp_cases[] = {
    /* No tolerance: exact. */
    {"\"value\": 1.5", "1.5", GS_CHECK_PASS, 0},
    {"\"value\": 1.5", "1.5000000001", GS_CHECK_FAIL, 0},
    /* Absolute: the boundary passes, beyond it fails. */
    {"\"value\": 10, \"abs_tol\": 0.5", "10.5", GS_CHECK_PASS, 0.5},
    {"\"value\": 10, \"abs_tol\": 0.5", "9.49", GS_CHECK_FAIL, 0.5},
    /* Relative, of |value|. */
    {"\"value\": -200, \"rel_tol\": 0.01", "-198", GS_CHECK_PASS, 2},
    {"\"value\": -200, \"rel_tol\": 0.01", "-197.9", GS_CHECK_FAIL, 2},
    /* Both: the larger of the two. */
    {"\"value\": 100, \"abs_tol\": 3, \"rel_tol\": 0.01", "102.9",
     GS_CHECK_PASS, 3},
    {"\"value\": 1000, \"abs_tol\": 3, \"rel_tol\": 0.01", "1009.9",
     GS_CHECK_PASS, 10},
    {"\"value\": 1000, \"abs_tol\": 3, \"rel_tol\": 0.01", "1010.1",
     GS_CHECK_FAIL, 10},
    /* Relative tolerance of a zero value is nothing. */
    {"\"value\": 0, \"rel_tol\": 0.5", "0.001", GS_CHECK_FAIL, 0},
    /* Other types compare exactly; a type change fails. */
    {"\"value\": \"twin\"", "\"twin\"", GS_CHECK_PASS, 0},
    {"\"value\": \"twin\"", "\"none\"", GS_CHECK_FAIL, 0},
    {"\"value\": true", "true", GS_CHECK_PASS, 0},
    {"\"value\": true", "false", GS_CHECK_FAIL, 0},
    {"\"value\": null", "null", GS_CHECK_PASS, 0},
    {"\"value\": 4, \"abs_tol\": 1", "null", GS_CHECK_FAIL, 1},
    {"\"value\": null", "0", GS_CHECK_FAIL, 0},
    {"\"value\": 4", "\"4\"", GS_CHECK_FAIL, 0},
    /* Missing from the summary. */
    {"\"value\": 4, \"abs_tol\": 1", NULL, GS_CHECK_MISSING, 1},
};
#define N_CMP (int)(sizeof cmp_cases / sizeof *cmp_cases)

START_TEST(test_compare) {
  const cmp_case_t *c = &cmp_cases[_i];
  char text[256];
  snprintf(text, sizeof text, "{\"metrics\": [{\"path\": \"x\", %s}]}",
           c->metric);
  gs_check_expect_t *e = parse_ok(text);
  ck_assert_uint_eq(e->n, 1);
  cJSON *got = c->got ? cJSON_Parse(c->got) : NULL;
  double allowed = -1;
  gs_check_verdict_t v = gs_check_compare(&e->metrics[0], got, &allowed);
  ck_assert_msg(v == c->verdict, "case %d (%s vs %s): verdict %d, want %d", _i,
                c->metric, c->got ? c->got : "(none)", v, c->verdict);
  ck_assert_double_eq_tol(allowed, c->allowed, 1e-12);
  cJSON_Delete(got);
  gs_check_expect_free(e);
}
END_TEST

/* ---- Parsing ------------------------------------------------------------- */

START_TEST(test_parse_ok) {
  gs_check_expect_t *e = parse_ok(
      "{\"_comment\": \"kept\",\n \"metrics\": [\n"
      "  {\"path\": \"fleet.energy_kwh\", \"value\": 100, \"rel_tol\": 0.01,"
      "   \"_why\": \"a comment\"},\n"
      "  {\"path\": \"dr_events[1].acks\", \"value\": 7},\n"
      "  {\"path\": \"counterfactual\", \"value\": \"twin\"}]}");
  ck_assert_uint_eq(e->n, 3);
  ck_assert_str_eq(e->metrics[0].path, "fleet.energy_kwh");
  ck_assert_double_eq(e->metrics[0].rel_tol, 0.01);
  ck_assert_double_eq(e->metrics[0].abs_tol, 0);
  ck_assert_str_eq(e->metrics[1].path, "dr_events[1].acks");
  ck_assert_double_eq(e->metrics[1].value->valuedouble, 7);
  ck_assert_str_eq(e->metrics[2].value->valuestring, "twin");
  ck_assert_str_eq(e->file, "t.expect.json");
  gs_check_expect_free(e);
  /* An empty list is valid: the scenario is checked for determinism. */
  e = parse_ok("{\"metrics\": []}");
  ck_assert_uint_eq(e->n, 0);
  gs_check_expect_free(e);
}
END_TEST

/* A malformed file and the start of the message it must give. */
typedef struct bad_case {
  const char *text;
  const char *msg;
} bad_case_t;

static const bad_case_t bad_cases[] = {
    {"not json", "t.expect.json:1:1: invalid JSON"},
    {"{\"metrics\": [\n  {\"path\": \"a\",\n   \"value\": }]}",
     "t.expect.json:3:13: invalid JSON"},
    {"[]",
     "t.expect.json: (root): expected an object {\"metrics\": [..]}, "
     "found []"},
    {"{}",
     "t.expect.json: metrics: expected an array of metrics, found "
     "nothing"},
    {"{\"metrics\": 3}",
     "t.expect.json: metrics: expected an array of "
     "metrics, found 3"},
    {"{\"metric\": []}", "t.expect.json: metric: expected one of"},
    {"{\"metrics\": [], \"metrics\": []}",
     "t.expect.json: metrics: expected each key at most once"},
    {"{\"metrics\": [1]}", "t.expect.json: metrics[0]: expected a metric"},
    {"{\"metrics\": [{\"value\": 1}]}",
     "t.expect.json: metrics[0].path: expected a non-empty string, found "
     "nothing"},
    {"{\"metrics\": [{\"path\": 5, \"value\": 1}]}",
     "t.expect.json: metrics[0].path: expected a non-empty string, found 5"},
    {"{\"metrics\": [{\"path\": \"a..b\", \"value\": 1}]}",
     "t.expect.json: metrics[0].path: expected a summary path"},
    {"{\"metrics\": [{\"path\": \"a\", \"value\": 1},"
     " {\"path\": \"a\", \"value\": 2}]}",
     "t.expect.json: metrics[1].path: expected each path once (also at "
     "metrics[0]), found \"a\""},
    {"{\"metrics\": [{\"path\": \"a\"}]}",
     "t.expect.json: metrics[0].value: expected a number, string, boolean "
     "or null, found nothing"},
    {"{\"metrics\": [{\"path\": \"a\", \"value\": [1]}]}",
     "t.expect.json: metrics[0].value: expected a number, string, boolean "
     "or null, found [1]"},
    {"{\"metrics\": [{\"path\": \"a\", \"value\": 1, \"rel_tol\": -0.1}]}",
     "t.expect.json: metrics[0].rel_tol: expected a number >= 0"},
    {"{\"metrics\": [{\"path\": \"a\", \"value\": 1, \"abs_tol\": \"1\"}]}",
     "t.expect.json: metrics[0].abs_tol: expected a number"},
    {"{\"metrics\": [{\"path\": \"a\", \"value\": \"x\", \"abs_tol\": 1}]}",
     "t.expect.json: metrics[0].abs_tol: expected no tolerance with a "
     "non-numeric value"},
    {"{\"metrics\": [{\"path\": \"a\", \"value\": 1},"
     " {\"path\": \"b\", \"value\": 1, \"tol\": 1}]}",
     "t.expect.json: metrics[1].tol: expected one of"},
};
#define N_BAD (int)(sizeof bad_cases / sizeof *bad_cases)

START_TEST(test_parse_errors) {
  const bad_case_t *c = &bad_cases[_i];
  gs_check_expect_t *e = (gs_check_expect_t *)1;
  gs_errbuf_t eb = {{0}};
  gs_err_t err = gs_check_expect_parse(c->text, "t.expect.json", &e, &eb);
  ck_assert_int_eq(err, GS_ESCENARIO);
  ck_assert_ptr_null(e);
  ck_assert_msg(strncmp(eb.msg, c->msg, strlen(c->msg)) == 0,
                "case %d: message\n  %s\nexpected to start with\n  %s", _i,
                eb.msg, c->msg);
}
END_TEST

START_TEST(test_load_file) {
  gs_check_expect_t *e = NULL;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_check_expect_load("/nonexistent/x.expect.json", &e, &eb),
                   GS_EIO);
  ck_assert_ptr_nonnull(strstr(eb.msg,
                               "/nonexistent/x.expect.json: cannot "
                               "read"));
  /* A NUL byte must not hide what follows it. */
  char path[] = "/tmp/gs-test-check-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  static const char text[] = "{\"metrics\": []}\0garbage";
  ck_assert_int_eq(write(fd, text, sizeof text - 1), (int)sizeof text - 1);
  close(fd);
  ck_assert_int_eq(gs_check_expect_load(path, &e, &eb), GS_ESCENARIO);
  ck_assert_ptr_nonnull(strstr(eb.msg, "NUL byte at offset 15"));
  remove(path);
}
END_TEST

/* ---- Defaults, update, text ---------------------------------------------- */

START_TEST(test_defaults) {
  cJSON *s = summary();
  gs_check_expect_t *e = NULL;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_check_expect_default(s, "n.expect.json", &e, &eb), GS_OK);
  /* Of the defaults the summary has these numbers, in this order; the
   * null rebound_peak_kw is left out. */
  static const char *const want[] = {"fleet.energy_kwh",
                                     "fleet.peak_kw",
                                     "homes.peak_kw_mean",
                                     "dr_events[0].acks",
                                     "dr_events[0].delivered_kw_true",
                                     "dr_events[1].acks",
                                     "dr_events[1].delivered_kw_true"};
  ck_assert_uint_eq(e->n, sizeof want / sizeof *want);
  for (size_t i = 0; i < e->n; i++) {
    ck_assert_str_eq(e->metrics[i].path, want[i]);
    double allowed;
    ck_assert_int_eq(
        gs_check_compare(&e->metrics[i], gs_check_lookup(s, want[i]), &allowed),
        GS_CHECK_PASS);
  }
  ck_assert_double_eq(e->metrics[0].rel_tol, 1e-3);
  ck_assert_double_eq(e->metrics[3].abs_tol, 0); /* counts: exact */
  ck_assert_double_eq(e->metrics[3].rel_tol, 0);
  gs_check_expect_free(e);
  cJSON_Delete(s);
}
END_TEST

START_TEST(test_update_and_text) {
  cJSON *s = summary();
  gs_check_expect_t *e = parse_ok(
      "{\"_comment\": \"kept\", \"metrics\": ["
      "{\"path\": \"fleet.energy_kwh\", \"value\": 90, \"rel_tol\": 0.01},"
      "{\"_note\": \"x\", \"path\": \"dr_events[0].acks\", \"value\": 10},"
      "{\"path\": \"gone.metric\", \"value\": 3, \"abs_tol\": 1},"
      "{\"path\": \"dr_events[0].rebound_peak_kw\", \"value\": 2, "
      "\"abs_tol\": 1}]}");
  /* Energy changes; acks are equal; a missing metric and a change to null
   * under a tolerance keep their old values. */
  ck_assert_uint_eq(gs_check_expect_update(e, s), 1);
  ck_assert_double_eq(e->metrics[0].value->valuedouble, 100.0);
  ck_assert_double_eq(e->metrics[2].value->valuedouble, 3);
  ck_assert_double_eq(e->metrics[3].value->valuedouble, 2);
  char *text = gs_check_expect_text(e);
  ck_assert_ptr_nonnull(text);
  ck_assert_str_eq(
      text,
      "{\n"
      "  \"_comment\": \"kept\",\n"
      "  \"metrics\": [\n"
      "    {\"path\": \"fleet.energy_kwh\", \"value\": 100, \"rel_tol\": "
      "0.01},\n"
      "    {\"_note\": \"x\", \"path\": \"dr_events[0].acks\", \"value\": "
      "10},\n"
      "    {\"path\": \"gone.metric\", \"value\": 3, \"abs_tol\": 1},\n"
      "    {\"path\": \"dr_events[0].rebound_peak_kw\", \"value\": 2, "
      "\"abs_tol\": 1}\n"
      "  ]\n"
      "}");
  /* The text parses back to the same metrics. */
  gs_check_expect_t *back = parse_ok(text);
  ck_assert_uint_eq(back->n, 4);
  ck_assert_double_eq(back->metrics[0].value->valuedouble, 100.0);
  ck_assert_double_eq(back->metrics[0].rel_tol, 0.01);
  gs_check_expect_free(back);
  free(text);
  gs_check_expect_free(e);
  cJSON_Delete(s);
}
END_TEST

START_TEST(test_text_round_trips_doubles) {
  /* A value written back must read as the same double, or a fresh golden
   * file would fail an exact comparison. */
  static const double values[] = {0.1,    1.0 / 3.0, 86.410190712500025,
                                  1e-300, -2.5e17,   35.946169218994157};
  for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
    cJSON *s = cJSON_CreateObject();
    cJSON_AddNumberToObject(s, "v", values[i]);
    gs_check_expect_t *e = parse_ok(
        "{\"metrics\": [{\"path\": \"v\", "
        "\"value\": 0}]}");
    ck_assert_uint_eq(gs_check_expect_update(e, s), 1);
    char *text = gs_check_expect_text(e);
    gs_check_expect_t *back = parse_ok(text);
    ck_assert_int_eq(
        gs_check_compare(&back->metrics[0], gs_check_lookup(s, "v"), NULL),
        GS_CHECK_PASS);
    free(text);
    gs_check_expect_free(back);
    gs_check_expect_free(e);
    cJSON_Delete(s);
  }
}
END_TEST

/* ---- Runs ---------------------------------------------------------------- */

static const char tiny_scenario[] =
    "{\"name\": \"tiny\", \"start\": \"2026-07-15T00:00:00-07:00\","
    " \"utc_offset_h\": -7, \"duration_s\": 21600, \"seed\": 5,"
    " \"output\": {\"interval_s\": 300, \"ven_sample\": 0.2},"
    " \"fleet\": [{\"name\": \"h\", \"count\": 20, \"loads\": ["
    "   {\"type\": \"hvac\", \"id\": \"hvac1\"},"
    "   {\"type\": \"water_heater\", \"id\": \"wh1\"}]}],"
    " \"program\": {\"events\": [{\"id\": \"e\", \"start_s\": 7200,"
    "   \"duration_s\": 3600, \"requested_kw\": 20}]}}";

START_TEST(test_run_twice_same) {
  gs_scenario_t *s = NULL;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(
      gs_scenario_load_string(tiny_scenario, "tiny.json", NULL, &s, &eb),
      GS_OK);
  char dir[] = "/tmp/gs-test-check-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char trace[64];
  snprintf(trace, sizeof trace, "%s/t.h5", dir);
  gs_check_run_t a, b, c;
  ck_assert_int_eq(gs_check_run_scenario(s, trace, &a, &eb), GS_OK);
  ck_assert_int_eq(gs_check_run_scenario(s, trace, &b, &eb), GS_OK);
  ck_assert_int_eq(gs_check_run_scenario(s, NULL, &c, &eb), GS_OK);
  ck_assert_int_eq(access(trace, F_OK), -1); /* removed after digesting */
  rmdir(dir);
  char why[256] = "";
  ck_assert_msg(gs_check_same_run(&a, &b, why, sizeof why), "%s", why);
  ck_assert_uint_ne(a.trace_digest, 0);
  ck_assert_uint_eq(c.trace_digest, 0);
  ck_assert_uint_eq(a.event_digest, c.event_digest);
  ck_assert_uint_eq(a.series_digest, c.series_digest);
  /* The summary is gridsim run's, with the twin. */
  const cJSON *v = gs_check_lookup(a.summary, "dr_events[0].delivered_kw_true");
  ck_assert(cJSON_IsNumber(v));
  ck_assert_double_gt(v->valuedouble, 0);
  ck_assert_str_eq(gs_check_lookup(a.summary, "counterfactual")->valuestring,
                   "twin");
  ck_assert_double_eq(gs_check_lookup(a.summary, "vens")->valuedouble, 20);
  gs_check_run_free(&a);
  gs_check_run_free(&b);
  gs_check_run_free(&c);
  gs_scenario_free(s);
}
END_TEST

START_TEST(test_same_run_detects) {
  gs_check_run_t a = {.summary = summary(),
                      .event_digest = 1,
                      .series_digest = 2,
                      .trace_digest = 3};
  gs_check_run_t b = {.summary = summary(),
                      .event_digest = 1,
                      .series_digest = 2,
                      .trace_digest = 3};
  char why[256] = "";
  /* Host figures may differ. */
  cJSON_ReplaceItemInObject(b.summary, "wall_s", cJSON_CreateNumber(9));
  cJSON_ReplaceItemInObject(b.summary, "peak_rss_kib", cJSON_CreateNumber(9));
  ck_assert_msg(gs_check_same_run(&a, &b, why, sizeof why), "%s", why);
  b.trace_digest = 4;
  ck_assert(!gs_check_same_run(&a, &b, why, sizeof why));
  ck_assert_str_eq(why,
                   "HDF5 traces differ: digest 0000000000000003 vs "
                   "0000000000000004");
  b.trace_digest = 3;
  b.series_digest = 5;
  ck_assert(!gs_check_same_run(&a, &b, why, sizeof why));
  ck_assert_ptr_nonnull(strstr(why, "fleet series differ"));
  b.series_digest = 2;
  b.event_digest = 7;
  ck_assert(!gs_check_same_run(&a, &b, why, sizeof why));
  ck_assert_ptr_nonnull(strstr(why, "event digests differ"));
  b.event_digest = 1;
  /* The smallest change of one value deep in the summary. */
  cJSON *ev =
      cJSON_GetArrayItem(cJSON_GetObjectItem(b.summary, "dr_events"), 1);
  cJSON_ReplaceItemInObject(ev, "delivered_kw_true",
                            cJSON_CreateNumber(nextafter(2.5, 3)));
  ck_assert(!gs_check_same_run(&a, &b, why, sizeof why));
  ck_assert_str_eq(why, "summaries differ at dr_events[1].delivered_kw_true");
  gs_check_run_free(&a);
  gs_check_run_free(&b);
}
END_TEST

/* ---- Report -------------------------------------------------------------- */

START_TEST(test_report) {
  gs_check_report_t r = {0};
  gs_check_row_t rows[] = {{.scenario = "a&b",
                            .name = "determinism",
                            .expected = "00ff",
                            .got = "00ff",
                            .tolerance = "identical",
                            .verdict = "pass"},
                           {.scenario = "a&b",
                            .name = "fleet.energy_kwh",
                            .expected = "100",
                            .got = "120",
                            .tolerance = "+-1",
                            .verdict = "FAIL",
                            .failed = true,
                            .time_s = 0.25},
                           {.scenario = "c",
                            .name = "run",
                            .expected = "a complete run",
                            .got = "x.json: bad <thing>",
                            .verdict = "ERROR",
                            .failed = true,
                            .error = true}};
  for (size_t i = 0; i < 3; i++)
    ck_assert_int_eq(gs_check_report_add(&r, &rows[i]), GS_OK);
  char *xml = gs_check_report_junit(&r);
  ck_assert_ptr_nonnull(xml);
  ck_assert_ptr_nonnull(
      strstr(xml,
             "<testsuites name=\"gridsim check\" tests=\"3\" failures=\"1\" "
             "errors=\"1\" time=\"0.250\">"));
  ck_assert_ptr_nonnull(
      strstr(xml,
             "<testsuite name=\"a&amp;b\" tests=\"2\" failures=\"1\" "
             "errors=\"0\""));
  ck_assert_ptr_nonnull(
      strstr(xml,
             "<failure type=\"FAIL\" message=\"fleet.energy_kwh: expected "
             "100, got 120 (tolerance +-1)\"/>"));
  ck_assert_ptr_nonnull(strstr(xml,
                               "<error type=\"ERROR\" message=\"run: "
                               "expected a complete run, got x.json: "
                               "bad &lt;thing&gt;\"/>"));
  ck_assert_ptr_null(strstr(xml, "a&b"));
  free(xml);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  gs_check_report_print(f, &r);
  fclose(f);
  /* Columns as wide as their longest cell, two spaces apart. */
  ck_assert_str_eq(
      buf,
      "scenario  metric            expected        got                  "
      "tolerance  verdict\n"
      "a&b       determinism       00ff            00ff                 "
      "identical  pass\n"
      "a&b       fleet.energy_kwh  100             120                  "
      "+-1        FAIL\n"
      "c         run               a complete run  x.json: bad <thing>  "
      "           ERROR\n");
  free(buf);
  gs_check_report_free(&r);
}
END_TEST

Suite *check_suite(void) {
  Suite *s = suite_create("check");
  TCase *tp = tcase_create("paths and comparison");
  tcase_add_test(tp, test_path_syntax);
  tcase_add_test(tp, test_lookup);
  tcase_add_loop_test(tp, test_compare, 0, N_CMP);
  suite_add_tcase(s, tp);
  TCase *te = tcase_create("expectation files");
  tcase_add_test(te, test_parse_ok);
  tcase_add_loop_test(te, test_parse_errors, 0, N_BAD);
  tcase_add_test(te, test_load_file);
  tcase_add_test(te, test_defaults);
  tcase_add_test(te, test_update_and_text);
  tcase_add_test(te, test_text_round_trips_doubles);
  suite_add_tcase(s, te);
  TCase *tr = tcase_create("runs and report");
  tcase_set_timeout(tr, 120);
  tcase_add_test(tr, test_run_twice_same);
  tcase_add_test(tr, test_same_run_detects);
  tcase_add_test(tr, test_report);
  suite_add_tcase(s, tr);
  return s;
}
