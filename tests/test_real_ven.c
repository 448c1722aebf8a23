/* SPDX-License-Identifier: MIT */
/* The backend role: wire parsers, commands, real VENs in the world, and the
 * trace's record of inbound messages read back for replay. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gridsim/engine.h"
#include "inbound.h"
#include "real_priv.h"
#include "real_ven.h"
#include "scenario_priv.h"
#include "trace.h"
#include "trace_mqtt.h"
#include "world.h"

/* The contract's samples (shared/contract/samples), trimmed to two loads. */
static const char tel_sample[] =
    "{\"venId\": \"ven-alpha\", \"timestamp\": 1795682062, \"usedPowerKw\": "
    "24.36, \"shedPowerKw\": 3.0, \"requestedReductionKw\": 3.0, "
    "\"eventId\": \"1\", \"baselinePowerKw\": 24.36, \"message_num\": 5, "
    "\"loads\": [{\"id\": \"hvac1\", \"name\": \"HVAC\", \"type\": \"hvac\", "
    "\"capacityKw\": 7.2, \"currentPowerKw\": 4.5, \"shedCapabilityKw\": 0.0, "
    "\"enabled\": true, \"priority\": 1}, {\"id\": \"heater1\", \"name\": "
    "\"Water Heater\", \"type\": \"heater\", \"capacityKw\": 7.2, "
    "\"currentPowerKw\": 2.04, \"shedCapabilityKw\": 2.04, \"enabled\": true, "
    "\"priority\": 5}], \"power_kw\": 24.36, \"shed_kw\": 3.0, "
    "\"base_power_kw\": 24.36, \"ts\": 1795682062, \"active_event\": \"1\"}";
static const char cmd_event_sample[] =
    "{\"op\":\"event\",\"correlationId\":\"evt-1-abcd1234\",\"venId\":"
    "\"ven-alpha\",\"event_id\":\"1\",\"shed_kw\":3.0,\"duration_sec\":120,"
    "\"data\":{\"event_id\":\"1\",\"requestedReductionKw\":3.0,"
    "\"duration_s\":120}}";
static const char cmd_restore_sample[] =
    "{\"op\":\"restore\",\"correlationId\":\"restore-1-abcd1234\",\"venId\":"
    "\"ven-alpha\",\"event_id\":\"1\",\"data\":{\"event_id\":\"1\"}}";

START_TEST(telemetry_sample) {
  gs_real_telemetry_t t;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_real_parse_telemetry(tel_sample, strlen(tel_sample), &t,
                                           &eb), GS_OK);
  ck_assert_str_eq(t.ven_id, "ven-alpha");
  ck_assert_int_eq(t.timestamp, 1795682062);
  ck_assert(t.has_power);
  ck_assert_double_eq_tol(t.power_kw, 24.36, 1e-12);
  ck_assert_double_eq_tol(t.shed_kw, 3.0, 1e-12);
  ck_assert_double_eq_tol(t.baseline_kw, 24.36, 1e-12);
  ck_assert_str_eq(t.event_id, "1");
  ck_assert(t.has_capability);
  ck_assert_double_eq_tol(t.capability_kw, 2.04, 1e-12);
}
END_TEST

START_TEST(telemetry_legacy_and_minimal) {
  gs_real_telemetry_t t;
  gs_errbuf_t eb = {{0}};
  const char *legacy = "{\"venId\":\"v\",\"timestamp\":5,\"power_kw\":1.5,"
                       "\"shed_kw\":0.5,\"active_event\":null,"
                       "\"extra\":{\"ok\":true}}";
  ck_assert_int_eq(gs_real_parse_telemetry(legacy, strlen(legacy), &t, &eb),
                   GS_OK);
  ck_assert_double_eq_tol(t.power_kw, 1.5, 1e-12);
  ck_assert_double_eq_tol(t.shed_kw, 0.5, 1e-12);
  ck_assert_str_eq(t.event_id, "");
  ck_assert(!t.has_capability);
  ck_assert_double_eq(t.baseline_kw, -1);
  /* The schema requires venId and timestamp only: power is optional. */
  const char *bare = "{\"venId\":\"v\",\"timestamp\":5}";
  ck_assert_int_eq(gs_real_parse_telemetry(bare, strlen(bare), &t, &eb),
                   GS_OK);
  ck_assert(!t.has_power);
}
END_TEST

/* Malformed payloads: each rejected with a reason naming the field. */
START_TEST(telemetry_malformed) {
  static const struct { const char *p; size_t len; const char *why; } bad[] = {
      {"", 0, "empty"},
      {"{not json", 0, "not JSON"},
      {"[1,2]", 0, "object"},
      {"\xff\xfe\x00\x01", 4, "not JSON"},
      {"{\"timestamp\":1}", 0, "venId"},
      {"{\"venId\":\"\",\"timestamp\":1}", 0, "venId"},
      {"{\"venId\":7,\"timestamp\":1}", 0, "venId"},
      {"{\"venId\":\"a\"}", 0, "timestamp"},
      {"{\"venId\":\"a\",\"timestamp\":\"x\"}", 0, "timestamp"},
      {"{\"venId\":\"a\",\"timestamp\":1,\"usedPowerKw\":\"abc\"}", 0,
       "usedPowerKw"},
      {"{\"venId\":\"a\",\"timestamp\":1,\"loads\":{}}", 0, "loads"},
      {"{\"venId\":\"a\",\"timestamp\":1,\"loads\":[{\"loadId\":\"h\"}]}", 0,
       "loads[0]"},
      {"{\"venId\":\"a\",\"timestamp\":1,\"loads\":[{\"id\":\"h\","
       "\"shedCapabilityKw\":\"x\"}]}", 0, "shedCapabilityKw"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gs_real_telemetry_t t;
    gs_errbuf_t eb = {{0}};
    /* 0: the text's length; the binary case gives its own. */
    size_t len = bad[i].len ? bad[i].len : strlen(bad[i].p);
    ck_assert_int_eq(gs_real_parse_telemetry(bad[i].p, len, &t, &eb),
                     GS_EINVAL);
    ck_assert_msg(strstr(eb.msg, bad[i].why) != NULL,
                  "case %zu: '%s' lacks '%s'", i, eb.msg, bad[i].why);
  }
  /* Never reads past len: a valid object followed by garbage is cut. */
  gs_real_telemetry_t t;
  ck_assert_int_eq(gs_real_parse_telemetry("{\"venId\":\"a\",\"timestamp\":1}"
                                           "XYZ", 27, &t, NULL), GS_OK);
}
END_TEST

START_TEST(ack_parse) {
  gs_real_ack_t a;
  gs_errbuf_t eb = {{0}};
  const char *ok = "{\"op\": \"event\", \"status\": \"accepted\", "
                   "\"event_id\": \"1\", \"requested_shed_kw\": 3.0, "
                   "\"actual_shed_kw\": "
                   "2.5, \"ts\": 1795682057, \"correlationId\": "
                   "\"evt-1-abcd1234\"}";
  ck_assert_int_eq(gs_real_parse_ack(ok, strlen(ok), &a, &eb), GS_OK);
  ck_assert_str_eq(a.op, "event");
  ck_assert_str_eq(a.status, "accepted");
  ck_assert_str_eq(a.event_id, "1");
  ck_assert_double_eq_tol(a.actual_shed_kw, 2.5, 1e-12);
  const char *corr = "{\"op\":\"restore\",\"status\":\"success\","
                     "\"correlationId\":\"restore-e-7-0000abcd\"}";
  ck_assert_int_eq(gs_real_parse_ack(corr, strlen(corr), &a, &eb), GS_OK);
  ck_assert_str_eq(a.event_id, "e-7");
  const char *nostatus = "{\"op\":\"event\"}";
  ck_assert_int_eq(gs_real_parse_ack(nostatus, strlen(nostatus), &a, &eb),
                   GS_EINVAL);
  ck_assert_ptr_nonnull(strstr(eb.msg, "status"));
}
END_TEST

START_TEST(commands_match_contract) {
  char *e = gs_real_cmd_event("ven-alpha", "1", 3.0, 120, "abcd1234");
  ck_assert_str_eq(e, cmd_event_sample);
  free(e);
  char *r = gs_real_cmd_restore("ven-alpha", "1", "abcd1234");
  ck_assert_str_eq(r, cmd_restore_sample);
  free(r);
  /* A share that is no short decimal: Python's repr, 17 digits. */
  e = gs_real_cmd_event("v", "2", 4.0 / 3.0, 60, "00000000");
  ck_assert_ptr_nonnull(strstr(e, "\"shed_kw\":1.3333333333333333,"));
  free(e);
}
END_TEST

/* ---- In the world ------------------------------------------------------- */

static const char scn_text[] =
    "{\"name\":\"real\",\"start\":\"2026-07-15T00:00:00Z\",\"duration_s\":300,"
    "\"seed\":4,\"output\":{\"interval_s\":10},"
    "\"fleet\":[{\"name\":\"g\",\"count\":2,\"loads\":[{\"type\":\"outlets\","
    "\"id\":\"out1\"}]}],"
    "\"grid\":{\"feeders\":[{\"id\":\"fa\"},{\"id\":\"fb\"}]},"
    "\"real_vens\":[{\"ven_id\":\"dev-1\",\"feeder\":\"fb\"},"
    "{\"ven_id\":\"dev-2\",\"capability_kw\":2}],"
    "\"program\":{\"offline_after_s\":20,\"events\":[]}}";

typedef struct run {
  gs_scenario_t *s;
  gs_engine_t *e;
  gs_world_t *w;
} run_t;

static run_t build(const char *text) {
  run_t r = {0};
  gs_errbuf_t eb = {{0}};
  gs_err_t err = gs_scenario_load_string(text, "real.json", NULL, &r.s, &eb);
  ck_assert_msg(err == GS_OK, "scenario: %s", eb.msg);
  r.e = gs_engine_create(&(gs_engine_config_t){.seed = 4}, &eb);
  ck_assert_ptr_nonnull(r.e);
  err = gs_world_build(r.s, r.e, &r.w, &eb);
  ck_assert_msg(err == GS_OK, "world: %s", eb.msg);
  return r;
}

static void destroy(run_t *r) {
  gs_engine_destroy(r->e);
  gs_world_free(r->w);
  gs_scenario_free(r->s);
}

static void take(run_t *r, const char *p) {
  gs_real_take(r->w, "volttron/metering", p, strlen(p));
}

START_TEST(reported_power_and_offline) {
  run_t r = build(scn_text);
  ck_assert_uint_eq(gs_real_count(r.w), 2);
  gs_meters_t *m = gs_engine_meters(r.e);
  uint32_t fb = r.w->feeder_meter[1];
  ck_assert_int_eq(gs_engine_run(r.e, 10 * GS_US_PER_S), GS_OK);
  ck_assert(!gs_real_online(r.w, 0)); /* never heard: not registered */
  int64_t before = gs_meters_power_mw(m, r.w->fleet_meter);
  take(&r, "{\"venId\":\"dev-1\",\"timestamp\":1,\"usedPowerKw\":1.25,"
           "\"loads\":[{\"id\":\"a\",\"shedCapabilityKw\":0.75}]}");
  take(&r, "{\"venId\":\"dev-1\",\"timestamp\":oops}"); /* counted, no crash */
  take(&r, "{\"venId\":\"stranger\",\"timestamp\":1}");
  ck_assert_int_eq(gs_engine_run(r.e, 15 * GS_US_PER_S), GS_OK);
  ck_assert(gs_real_online(r.w, 0));
  ck_assert_int_eq(gs_meters_power_mw(m, fb), 1250000);
  ck_assert_int_eq(gs_meters_power_mw(m, r.w->fleet_meter) - before,
                   1250000);
  ck_assert_int_eq(gs_real_capability_mw(r.e, r.w, 0), 750000);
  ck_assert_int_eq(gs_real_capability_mw(r.e, r.w, 1), 2000000);
  gs_real_stats_t st;
  gs_real_get_stats(r.w, &st);
  ck_assert_uint_eq(st.telemetry, 1);
  ck_assert_uint_eq(st.errors, 1);
  ck_assert_uint_eq(st.unknown, 1);
  /* Silent from 10 s on: offline at exactly 10 + offline_after_s (20). */
  ck_assert_int_eq(gs_engine_run(r.e, 29 * GS_US_PER_S), GS_OK);
  ck_assert(gs_real_online(r.w, 0));
  ck_assert_int_eq(gs_engine_run(r.e, 30 * GS_US_PER_S), GS_OK);
  ck_assert(!gs_real_online(r.w, 0));
  ck_assert_int_eq(gs_meters_power_mw(m, fb), 1250000); /* held */
  size_t n;
  const gs_real_status_t *sc = gs__real_status(r.w, &n);
  ck_assert_uint_eq(n, 2);
  ck_assert_int_eq(sc[0].t_us, 10 * GS_US_PER_S);
  ck_assert(sc[0].online);
  ck_assert_int_eq(sc[1].t_us, 30 * GS_US_PER_S);
  ck_assert(!sc[1].online);
  destroy(&r);
}
END_TEST

/* A twin's real VEN follows the actual run's reports, adding back the shed
 * it claimed for the suppressed event, and is online when it was. */
START_TEST(twin_feed) {
  char text[2048];
  snprintf(text, sizeof text, "%.*s\"events\":[{\"id\":\"e\",\"start_s\":60,"
           "\"duration_s\":60,\"requested_kw\":1}]}}",
           (int)(strstr(scn_text, "\"events\"") - scn_text), scn_text);
  run_t r = build(text);
  ck_assert_int_eq(gs_engine_run(r.e, 10 * GS_US_PER_S), GS_OK);
  take(&r, "{\"venId\":\"dev-1\",\"timestamp\":1,\"usedPowerKw\":2}");
  ck_assert_int_eq(gs_engine_run(r.e, 70 * GS_US_PER_S), GS_OK);
  take(&r, "{\"venId\":\"dev-1\",\"timestamp\":2,\"usedPowerKw\":1,"
           "\"shedPowerKw\":0.5,\"eventId\":\"e\"}");
  ck_assert_int_eq(gs_engine_run(r.e, 100 * GS_US_PER_S), GS_OK);
  ck_assert_int_eq(gs_meters_power_mw(gs_engine_meters(r.e),
                                      gs_real_meter(r.w, 0)), 1000000);
  gs_errbuf_t eb = {{0}};
  gs_engine_t *te = gs_engine_create(&(gs_engine_config_t){.seed = 4}, &eb);
  gs_world_t *tw = NULL;
  gs_world_opts_t o = {.suppress_event = 0, .real_feed = r.w};
  ck_assert_msg(gs_world_build_opts(r.s, te, &o, &tw, &eb) == GS_OK, "%s",
                eb.msg);
  const gs_meters_t *m = gs_engine_meters(te);
  ck_assert_int_eq(gs_engine_run(te, 20 * GS_US_PER_S), GS_OK);
  ck_assert_int_eq(gs_meters_power_mw(m, gs_real_meter(tw, 0)), 2000000);
  ck_assert(gs_real_online(tw, 0)); /* heard at 10 s ... */
  ck_assert_int_eq(gs_engine_run(te, 50 * GS_US_PER_S), GS_OK);
  ck_assert(!gs_real_online(tw, 0)); /* ... silent 20 s: offline at 30 */
  ck_assert_int_eq(gs_engine_run(te, 100 * GS_US_PER_S), GS_OK);
  ck_assert_int_eq(gs_meters_power_mw(m, gs_real_meter(tw, 0)), 1500000);
  gs_engine_destroy(te);
  gs_world_free(tw);
  destroy(&r);
}
END_TEST

/* Scenario errors name the JSON path, what was expected and found. */
START_TEST(scenario_errors) {
  static const struct { const char *repl, *path, *what; } bad[] = {
      {"\"real_vens\":{}", "real_vens", "an array"},
      {"\"real_vens\":[{\"feeder\":\"fa\"}]", "real_vens[0].ven_id",
       "expected"},
      {"\"real_vens\":[{\"ven_id\":\"g-0001\"}]", "real_vens[0].ven_id",
       "no simulated VEN"},
      {"\"real_vens\":[{\"ven_id\":\"d\"},{\"ven_id\":\"d\"}]",
       "real_vens[1].ven_id", "once"},
      {"\"real_vens\":[{\"ven_id\":\"d\",\"feeder\":\"fx\"}]",
       "real_vens[0].feeder", "a feeder"},
      {"\"real_vens\":[{\"ven_id\":\"d\",\"transformer\":\"zz\"}]",
       "real_vens[0].transformer", "a transformer"},
      {"\"real_vens\":[{\"ven_id\":\"d\",\"capability_kw\":-1}]",
       "real_vens[0].capability_kw", "[0, 1000000]"},
      {"\"real_vens\":[{\"ven_id\":\"d\",\"color\":1}]", "real_vens[0].color",
       "unknown"},
      {"\"real_vens\":[{\"ven_id\":\"a b\"}]", "real_vens[0].ven_id",
       "expected"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char text[2048];
    snprintf(text, sizeof text,
             "{\"name\":\"x\",\"start\":\"2026-07-15T00:00:00Z\","
             "\"fleet\":[{\"name\":\"g\",\"count\":2}],"
             "\"grid\":{\"feeders\":[{\"id\":\"fa\"}]},"
             "%s}", bad[i].repl);
    gs_scenario_t *s = NULL;
    gs_errbuf_t eb = {{0}};
    ck_assert_int_eq(gs_scenario_load_string(text, "x.json", NULL, &s, &eb),
                     GS_ESCENARIO);
    ck_assert_msg(strstr(eb.msg, bad[i].path) && strstr(eb.msg, bad[i].what),
                  "case %zu: '%s' lacks '%s' or '%s'", i, eb.msg,
                  bad[i].path, bad[i].what);
  }
  /* An event's list of VENs may name real ones. */
  const char *ok =
      "{\"name\":\"x\",\"start\":\"2026-07-15T00:00:00Z\","
      "\"fleet\":[{\"name\":\"g\",\"count\":2}],"
      "\"real_vens\":[{\"ven_id\":\"dev-1\"}],\"program\":{\"events\":[{"
      "\"id\":\"e\",\"start_s\":60,\"duration_s\":60,\"requested_kw\":1,"
      "\"target\":{\"vens\":[\"dev-1\",\"g-0001\"]}}]}}";
  gs_scenario_t *s = NULL;
  gs_errbuf_t eb = {{0}};
  ck_assert_msg(gs_scenario_load_string(ok, "x.json", NULL, &s, &eb) == GS_OK,
                "%s", eb.msg);
  gs_scenario_free(s);
}
END_TEST

/* ---- The record format -------------------------------------------------- */

START_TEST(record_round_trip) {
  run_t r = build(scn_text);
  r.w->inbound = gs_inbound_create();
  ck_assert_ptr_nonnull(r.w->inbound);
  static const unsigned char bin[] = {0x7b, 0x00, 0xff, 0xfe, 0x22, 0x0a};
  struct { gs_time_us_t t; uint64_t pos; int role; int64_t ven;
           const char *topic; const void *p; size_t len; } m[] = {
      {5, 0, GS_INBOUND_VEN, 1, "ven/cmd/g-0001", "{\"op\":\"ping\"}", 13},
      {5, 0, GS_INBOUND_BACKEND, -1, "volttron/metering", bin, sizeof bin},
      {7000000, 12, GS_INBOUND_BACKEND, -1, "ven/ack/dev-2", "", 0},
      {9000001, 40, GS_INBOUND_VEN, 0,
       "$aws/things/g-0000/shadow/update/delta", "caf\xc3\xa9", 5},
  };
  size_t n = sizeof m / sizeof m[0];
  for (size_t i = 0; i < n; i++)
    ck_assert_int_eq(gs_inbound_add_at(r.w->inbound, m[i].t, m[i].pos,
                                       (gs_inbound_role_t)m[i].role, m[i].ven,
                                       m[i].topic, m[i].p, m[i].len),
                     GS_OK);
  char path[64];
  snprintf(path, sizeof path, "/tmp/gs-test-record-%ld.h5", (long)getpid());
  gs_trace_t *t = NULL;
  gs_errbuf_t eb = {{0}};
  ck_assert_msg(gs_trace_open(path, r.w, &t, &eb) == GS_OK, "%s", eb.msg);
  gs_observer_t obs = gs_trace_observer(t);
  ck_assert_int_eq(gs_engine_add_observer(r.e, &obs), GS_OK);
  ck_assert_int_eq(gs_engine_run(r.e, 60 * GS_US_PER_S), GS_OK);
  gs_engine_finish(r.e);
  ck_assert_msg(gs_trace_close(t, true, &eb) == GS_OK, "%s", eb.msg);
  gs_trace_replay_info_t info;
  ck_assert_msg(gs_trace_read_replay(path, &info, &eb) == GS_OK, "%s",
                eb.msg);
  ck_assert_uint_eq(info.seed, 4);
  ck_assert(info.complete);
  ck_assert(!info.ven_role);
  ck_assert_ptr_nonnull(strstr(info.scenario_json, "\"dev-1\""));
  ck_assert_uint_eq(gs_inbound_count(info.inbound), n);
  for (size_t i = 0; i < n; i++) {
    const gs_inbound_msg_t *g = gs_inbound_get(info.inbound, i);
    ck_assert_int_eq(g->t_us, m[i].t);
    ck_assert_uint_eq(g->position, m[i].pos);
    ck_assert_int_eq(g->role, m[i].role);
    ck_assert_int_eq(g->ven, m[i].ven);
    ck_assert_str_eq(g->topic, m[i].topic);
    ck_assert_uint_eq(g->len, m[i].len);
    ck_assert_int_eq(memcmp(g->payload, m[i].p, m[i].len), 0);
  }
  gs_trace_replay_info_free(&info);
  /* Not a trace: a clear error, no crash. */
  FILE *f = fopen(path, "w");
  fputs("not hdf5", f);
  fclose(f);
  ck_assert_int_eq(gs_trace_read_replay(path, &info, &eb), GS_EIO);
  ck_assert_ptr_nonnull(strstr(eb.msg, path));
  gs_trace_replay_info_free(&info);
  remove(path);
  destroy(&r);
}
END_TEST

Suite *real_ven_suite(void) {
  Suite *s = suite_create("real_ven");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, telemetry_sample);
  tcase_add_test(tc, telemetry_legacy_and_minimal);
  tcase_add_test(tc, telemetry_malformed);
  tcase_add_test(tc, ack_parse);
  tcase_add_test(tc, commands_match_contract);
  tcase_add_test(tc, reported_power_and_offline);
  tcase_add_test(tc, twin_feed);
  tcase_add_test(tc, scenario_errors);
  tcase_add_test(tc, record_round_trip);
  suite_add_tcase(s, tc);
  return s;
}
