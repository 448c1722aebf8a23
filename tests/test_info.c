/* SPDX-License-Identifier: MIT */
/* `gridsim info`: the summary of a trace, and clear errors on bad files. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "gridsim/engine.h"
#include "info.h"
#include "scenario_priv.h"
#include "trace.h"
#include "world.h"

static const char scenario[] =
    "{\"name\":\"info-test\",\"start\":\"2026-07-15T00:00:00Z\","
    "\"duration_s\":14400,\"seed\":4,"
    "\"output\":{\"interval_s\":60,\"ven_sample\":0.2},"
    "\"fleet\":[{\"name\":\"g\",\"count\":10,\"ven\":{},\"loads\":["
    "{\"type\":\"outlets\",\"id\":\"out1\"}]}],"
    "\"program\":{\"events\":[{\"id\":\"peak-1\",\"start_s\":3600,"
    "\"duration_s\":1800,\"requested_kw\":1},{\"id\":\"late\","
    "\"start_s\":13000,\"duration_s\":3600,\"requested_kw\":1}]}}";

static char dir[512];

static void setup(void) {
  snprintf(dir, sizeof dir, "%s/test_info_XXXXXX", GS_BINARY_DIR);
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}

/* Writes a trace of the scenario run up to `until_s` into dir/name;
 * returns the fleet energy then. */
static double make_trace(const char *name, int until_s, bool complete) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  gs_scenario_t *s = NULL;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(
      gs_scenario_load_string(scenario, "info.json", NULL, &s, &eb), GS_OK);
  gs_engine_t *e = gs_engine_create(&(gs_engine_config_t){.seed = 4}, &eb);
  gs_world_t *w = NULL;
  ck_assert_int_eq(gs_world_build(s, e, &w, &eb), GS_OK);
  gs_trace_t *t = NULL;
  ck_assert_int_eq(gs_trace_open(path, w, &t, &eb), GS_OK);
  gs_observer_t obs = gs_trace_observer(t);
  ck_assert_int_eq(gs_engine_add_observer(e, &obs), GS_OK);
  ck_assert_int_eq(gs_engine_run(e, (gs_time_us_t)until_s * GS_US_PER_S),
                   GS_OK);
  gs_engine_finish(e);
  double kwh = gs_meters_energy_kwh(gs_engine_meters(e), w->fleet_meter,
                                    gs_engine_now(e));
  ck_assert_int_eq(gs_trace_close(t, complete, &eb), GS_OK);
  gs_engine_destroy(e);
  gs_world_free(w);
  gs_scenario_free(s);
  return kwh;
}

/* Runs gs_info_print on dir/name; its streams go to `out` and `err`
 * (malloc'ed). */
static int info(const char *name, char **out, char **err) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  size_t no, ne;
  FILE *fo = open_memstream(out, &no), *fe = open_memstream(err, &ne);
  ck_assert_ptr_nonnull(fo);
  ck_assert_ptr_nonnull(fe);
  int status = gs_info_print(path, fo, fe);
  fclose(fo);
  fclose(fe);
  return status;
}

#define ck_assert_has(hay, needle)                                      \
  ck_assert_msg(strstr(hay, needle) != NULL, "expected \"%s\" in:\n%s", \
                needle, hay)

START_TEST(summary_of_a_trace) {
  double kwh = make_trace("ok.h5", 14400, true);
  char *out, *err, want[128];
  int status = info("ok.h5", &out, &err);
  ck_assert_msg(status == GS_EXIT_OK, "status %d: %s", status, err);
  ck_assert_str_eq(err, "");
  ck_assert_has(out, "scenario:      info-test (seed 4, gridsim ");
  ck_assert_has(out, "VENs:          10, 2 sampled (output.ven_sample 0.2)");
  ck_assert_has(out,
                "duration:      14400 s (4 h); 241 rows every 60 s, up "
                "to 14400 s");
  ck_assert_has(out, "complete:      yes\n");
  snprintf(want, sizeof want, "fleet:         energy %.3f kWh, peak ", kwh);
  ck_assert_has(out, want);
  ck_assert_has(out, "(exact, up to 14400 s)");
  ck_assert_has(out, "grid:          1 feeder, ");
  /* "late" starts but the run ends before it does. */
  ck_assert_has(out,
                "log:           3 DR event records, 30 commands, 20 "
                "acks, 0 opt-outs, 0 faults");
  ck_assert_has(out, "DR events:     2\n");
  ck_assert_has(out,
                "  peak-1            3600    1800     1.000       10 "
                "    10        0      0");
  ck_assert_has(out, "  late             13000    3600     1.000       10 ");
  free(out);
  free(err);
}
END_TEST

START_TEST(interrupted_trace) {
  make_trace("cut.h5", 2000, false);
  char *out, *err;
  int status = info("cut.h5", &out, &err);
  ck_assert_msg(status == GS_EXIT_OK, "status %d: %s", status, err);
  ck_assert_has(out, "complete:      no (the run was interrupted");
  ck_assert_has(out, "34 rows every 60 s, up to 1980 s");
  ck_assert_has(out, "(exact, up to 2000 s)");
  ck_assert_has(out, "  peak-1            3600    1800  not started");
  free(out);
  free(err);
}
END_TEST

START_TEST(not_hdf5) {
  char path[600], *out, *err;
  snprintf(path, sizeof path, "%s/text.h5", dir);
  FILE *fp = fopen(path, "w");
  fputs("{\"this\": \"is JSON\"}\n", fp);
  fclose(fp);
  ck_assert_int_eq(info("text.h5", &out, &err), GS_EXIT_BADINPUT);
  ck_assert_has(err, "text.h5: not an HDF5 file\n");
  ck_assert_str_eq(out, "");
  free(out);
  free(err);
}
END_TEST

START_TEST(hdf5_but_not_gridsim) {
  char path[600], *out, *err;
  snprintf(path, sizeof path, "%s/other.h5", dir);
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ck_assert_int_ge(f, 0);
  hid_t g = H5Gcreate2(f, "meta", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Gclose(g);
  H5Fclose(f);
  ck_assert_int_eq(info("other.h5", &out, &err), GS_EXIT_BADINPUT);
  ck_assert_has(err,
                "other.h5: not a gridsim trace (no /meta with format "
                "\"gridsim-trace\")\n");
  free(out);
  free(err);
}
END_TEST

START_TEST(truncated_trace) {
  make_trace("ok.h5", 14400, true);
  char cmd[1400], *out, *err;
  snprintf(cmd, sizeof cmd, "head -c 20000 '%s/ok.h5' > '%s/half.h5'", dir,
           dir);
  ck_assert_int_eq(system(cmd), 0);
  ck_assert_int_eq(info("half.h5", &out, &err), GS_EXIT_BADINPUT);
  ck_assert_has(err,
                "half.h5: cannot read HDF5 file (truncated or "
                "damaged?): truncated file");
  free(out);
  free(err);
}
END_TEST

START_TEST(missing_and_directory) {
  char *out, *err;
  ck_assert_int_eq(info("nope.h5", &out, &err), GS_EXIT_BADINPUT);
  ck_assert_has(err, "nope.h5: No such file or directory\n");
  free(out);
  free(err);
  ck_assert_int_eq(info("", &out, &err), GS_EXIT_BADINPUT); /* dir itself */
  ck_assert_has(err, ": is a directory, not a trace\n");
  free(out);
  free(err);
  char *none[] = {NULL};
  ck_assert_int_eq(gs_cli_info(0, none), GS_EXIT_BADINPUT);
}
END_TEST

Suite *info_suite(void) {
  Suite *s = suite_create("info");
  TCase *tc = tcase_create("info");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, summary_of_a_trace);
  tcase_add_test(tc, interrupted_trace);
  tcase_add_test(tc, not_hdf5);
  tcase_add_test(tc, hdf5_but_not_gridsim);
  tcase_add_test(tc, truncated_trace);
  tcase_add_test(tc, missing_and_directory);
  suite_add_tcase(s, tc);
  return s;
}
