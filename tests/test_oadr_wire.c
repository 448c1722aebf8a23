/* SPDX-License-Identifier: MIT */
/* OpenADR 3 wire layer: spec-shaped fixtures parsed, built, and broken. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridsim/time.h"
#include "oadr_wire.h"

/* tests/data/oadr/NAME parsed (the caller deletes it). */
static cJSON *fixture(const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/tests/data/oadr/%s", GS_SOURCE_DIR, name);
  FILE *f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "cannot open %s", path);
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  cJSON *root = cJSON_Parse(buf);
  ck_assert_msg(root != NULL, "%s does not parse", path);
  return root;
}

static int64_t unix_us(const char *iso) {
  int64_t s;
  ck_assert_int_eq(gs_time_parse_iso8601(iso, &s), GS_OK);
  return s * GS_US_PER_S;
}

START_TEST(times_and_durations) {
  int64_t us;
  ck_assert(gs_oadr_parse_datetime("2026-07-15T17:00:00Z", &us));
  ck_assert_int_eq(us, unix_us("2026-07-15T17:00:00Z"));
  ck_assert(gs_oadr_parse_datetime("2026-07-15T19:00:00.25+02:00", &us));
  ck_assert_int_eq(us, unix_us("2026-07-15T17:00:00Z") + 250000);
  ck_assert(gs_oadr_parse_datetime("2026-07-15", &us));
  ck_assert_int_eq(us, unix_us("2026-07-15T00:00:00Z"));
  ck_assert(gs_oadr_parse_datetime("0001-01-01", &us));
  ck_assert_int_eq(us, GS_OADR_NOW_US);
  ck_assert(gs_oadr_parse_datetime("0001-01-01T00:00:00", &us));
  ck_assert_int_eq(us, GS_OADR_NOW_US);
  ck_assert(!gs_oadr_parse_datetime("2026-13-15T17:00:00Z", &us));
  ck_assert(!gs_oadr_parse_datetime("yesterday", &us));
  ck_assert(!gs_oadr_parse_datetime("2026-07-15T17:00:00.Z", &us));
  ck_assert(gs_oadr_parse_duration("PT1H", &us));
  ck_assert_int_eq(us, 3600 * GS_US_PER_S);
  ck_assert(gs_oadr_parse_duration("P1DT30M", &us));
  ck_assert_int_eq(us, (86400 + 1800) * GS_US_PER_S);
  ck_assert(gs_oadr_parse_duration("PT0.5S", &us));
  ck_assert_int_eq(us, 500000);
  ck_assert(gs_oadr_parse_duration("-PT5M", &us));
  ck_assert_int_eq(us, -300 * GS_US_PER_S);
  ck_assert(gs_oadr_parse_duration("P1W", &us));
  ck_assert_int_eq(us, 7 * 86400 * GS_US_PER_S);
  ck_assert(gs_oadr_parse_duration("P9999Y", &us));
  ck_assert_int_eq(us, GS_OADR_FOREVER_US);
  const char *bad[] = {"P", "PT", "1H", "PT1H30", "PTH", "P1H", "PT1D",
                       "PT1.5M", "P1Y2Y3Y4Y5Y6Y7Y8Y9Y0Y1Y2Y3Y", ""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_assert_msg(!gs_oadr_parse_duration(bad[i], &us), "took '%s'", bad[i]);
  char buf[64];
  gs_oadr_format_duration(900 * GS_US_PER_S, buf, sizeof buf);
  ck_assert_str_eq(buf, "PT900S");
  gs_oadr_format_duration(1500000, buf, sizeof buf);
  ck_assert_str_eq(buf, "PT1.500000S");
  gs_oadr_format_datetime(unix_us("2026-07-15T17:00:00Z"), buf, sizeof buf);
  ck_assert_str_eq(buf, "2026-07-15T17:00:00Z");
  gs_oadr_format_datetime(unix_us("2026-07-15T17:00:00Z") + 5, buf,
                          sizeof buf);
  ck_assert_str_eq(buf, "2026-07-15T17:00:00.000005Z");
}
END_TEST

START_TEST(price_and_simple_event) {
  cJSON *root = fixture("event_price_simple.json");
  gs_oadr_event_t ev;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_oadr_parse_event(GS_OADR_V3_1_0, root, "event", &ev,
                                       &eb), GS_OK);
  ck_assert_str_eq(ev.id, "event-42");
  ck_assert_str_eq(ev.program_id, "program-1");
  ck_assert_str_eq(ev.event_name, "peak-price-0715");
  ck_assert_str_eq(ev.modified, "2026-07-15T16:05:00Z");
  ck_assert_int_eq(ev.priority, 0);
  ck_assert_int_eq(ev.duration_us, -1);
  ck_assert_uint_eq(ev.n_targets, 2);
  ck_assert_str_eq(ev.targets[1], "suburb-0007");
  ck_assert(ev.period.has_start && ev.period.has_duration &&
            ev.period.has_randomize);
  ck_assert_int_eq(ev.period.start_unix_us, unix_us("2026-07-15T17:00:00Z"));
  ck_assert_int_eq(ev.period.duration_us, 3600 * GS_US_PER_S);
  ck_assert_int_eq(ev.period.randomize_us, 300 * GS_US_PER_S);
  ck_assert_uint_eq(ev.n_intervals, 3);
  /* $/MWh from the descriptor, in $/kWh. */
  ck_assert_uint_eq(ev.intervals[0].has, GS_OADR_P_PRICE | GS_OADR_P_SIMPLE);
  ck_assert_double_eq_tol(ev.intervals[0].price, 0.25, 1e-12);
  ck_assert_int_eq(ev.intervals[0].simple_level, 2);
  ck_assert_double_eq_tol(ev.intervals[1].price, 0.4, 1e-12);
  ck_assert(!ev.intervals[1].period.has_start);
  ck_assert_uint_eq(ev.intervals[2].has, GS_OADR_P_PRICE);
  ck_assert_uint_eq(ev.intervals[2].n_unknown, 1); /* GHG: not acted on */
  ck_assert_int_eq(ev.intervals[2].period.start_unix_us,
                   unix_us("2026-07-15T17:30:00Z") + 500000);
  ck_assert_int_eq(ev.intervals[2].period.duration_us, 1800 * GS_US_PER_S);
  ck_assert_uint_eq(ev.n_reports, 4);
  ck_assert_str_eq(ev.reports[0].payload_type, "USAGE");
  ck_assert_str_eq(ev.reports[0].reading_type, "DIRECT_READ");
  ck_assert_int_eq(ev.reports[1].frequency, 1);
  ck_assert_int_eq(ev.reports[1].num_intervals, -1); /* the defaults */
  ck_assert_int_eq(ev.reports[2].start_interval, -1);
  ck_assert_int_eq(ev.reports[2].repeat, 1);
  ck_assert(ev.reports[2].historical);
  ck_assert_str_eq(ev.reports[2].units, "");
  ck_assert_str_eq(ev.reports[3].units, "W");
  gs_oadr_event_free(&ev);
  cJSON_Delete(root);
}
END_TEST

START_TEST(limits_setpoint_now_and_forever) {
  cJSON *root = fixture("event_limits.json");
  gs_oadr_event_t ev;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_oadr_parse_event(GS_OADR_V3_1_0, root, "event", &ev,
                                       &eb), GS_OK);
  ck_assert_int_eq(ev.period.start_unix_us, GS_OADR_NOW_US);
  ck_assert_int_eq(ev.period.duration_us, GS_OADR_FOREVER_US);
  ck_assert_int_eq(ev.duration_us, 7200 * GS_US_PER_S);
  ck_assert_uint_eq(ev.intervals[0].has, GS_OADR_P_IMPORT_LIMIT);
  ck_assert_double_eq_tol(ev.intervals[0].import_kw, 3.5, 1e-12); /* W */
  ck_assert_uint_eq(ev.intervals[1].has, GS_OADR_P_EXPORT_LIMIT);
  ck_assert_double_eq_tol(ev.intervals[1].export_kw, 2.5, 1e-12); /* KW */
  ck_assert_uint_eq(ev.intervals[2].has, GS_OADR_P_SETPOINT);
  ck_assert_double_eq_tol(ev.intervals[2].setpoint_kw, 2.0, 1e-9); /* MW */
  ck_assert_uint_eq(ev.n_targets, 0);
  ck_assert_uint_eq(ev.n_reports, 0);
  gs_oadr_event_free(&ev);
  cJSON_Delete(root);
}
END_TEST

/* Parses `json` as an event and expects GS_EINVAL with `msg`. */
static void expect_error(const char *json, const char *msg) {
  cJSON *root = cJSON_Parse(json);
  ck_assert_msg(root != NULL, "test JSON does not parse: %s", json);
  gs_oadr_event_t ev;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_oadr_parse_event(GS_OADR_V3_1_0, root, "ev", &ev, &eb),
                   GS_EINVAL);
  ck_assert_str_eq(eb.msg, msg);
  ck_assert_ptr_null(ev.intervals); /* freed on failure */
  cJSON_Delete(root);
}

#define EV_HEAD "{\"id\":\"e\",\"programID\":\"p\","

START_TEST(bad_events_name_their_path) {
  cJSON *page = fixture("events_page.json");
  gs_oadr_event_t ev;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_oadr_parse_event(GS_OADR_V3_1_0,
                                       cJSON_GetArrayItem(page, 0),
                                       "events[0]", &ev, &eb), GS_OK);
  gs_oadr_event_free(&ev);
  ck_assert_int_eq(gs_oadr_parse_event(GS_OADR_V3_1_0,
                                       cJSON_GetArrayItem(page, 1),
                                       "events[1]", &ev, &eb), GS_EINVAL);
  ck_assert_str_eq(eb.msg, "events[1].intervals[0].payloads[0].values[0]: "
                           "expected a SIMPLE level: 0, 1, 2 or 3, found 7");
  cJSON_Delete(page);
  expect_error("{\"id\":\"e\"}",
               "ev.programID: expected a string, found nothing");
  expect_error("[]", "ev: expected an event object, found []");
  expect_error(EV_HEAD "\"intervals\":[{\"id\":\"x\",\"payloads\":[]}]}",
               "ev.intervals[0].id: expected an int32 interval id, found "
               "\"x\"");
  expect_error(EV_HEAD "\"intervalPeriod\":{\"duration\":\"PT1Q\"}}",
               "ev.intervalPeriod.duration: expected a non-negative ISO "
               "8601 duration such as \"PT1H\", found \"PT1Q\"");
  expect_error(EV_HEAD "\"intervalPeriod\":{\"start\":\"soon\"}}",
               "ev.intervalPeriod.start: expected an RFC 3339 date-time "
               "such as \"2026-07-15T14:00:00Z\", found \"soon\"");
  expect_error(EV_HEAD "\"targets\":[\"a\",3]}",
               "ev.targets[1]: expected a target string of 1 to 128 "
               "characters, found 3");
  expect_error(EV_HEAD "\"intervals\":[{\"id\":0,\"payloads\":[{\"type\":"
               "\"PRICE\",\"values\":\"cheap\"}]}]}",
               "ev.intervals[0].payloads[0].values: expected an array of "
               "one number, found \"cheap\"");
  expect_error(EV_HEAD "\"intervals\":[{\"id\":0,\"payloads\":[{\"type\":"
               "\"PRICE\",\"values\":[\"0.1\"]}]}]}",
               "ev.intervals[0].payloads[0].values[0]: expected a number, "
               "found \"0.1\"");
  expect_error(EV_HEAD "\"payloadDescriptors\":[{\"objectType\":"
               "\"EVENT_PAYLOAD_DESCRIPTOR\",\"payloadType\":\"PRICE\","
               "\"units\":\"BTU\"}]}",
               "ev.payloadDescriptors[0].units: expected KWH, WH or MWH, "
               "found \"BTU\"");
  expect_error(EV_HEAD "\"reportDescriptors\":[{\"payloadType\":\"USAGE\","
               "\"numIntervals\":0}]}",
               "ev.reportDescriptors[0].numIntervals: expected -1 (all) or "
               "a positive number of intervals, found 0");
  expect_error(EV_HEAD "\"reportDescriptors\":[{\"payloadType\":\"USAGE\","
               "\"historical\":\"yes\"}]}",
               "ev.reportDescriptors[0].historical: expected true or false, "
               "found \"yes\"");
  expect_error(EV_HEAD "\"intervals\":[{\"id\":0}]}",
               "ev.intervals[0].payloads: expected an array of valuesMaps, "
               "found nothing");
}
END_TEST

/* Every one-byte corruption of a fixture either fails to parse or is
 * answered with GS_OK / GS_EINVAL and a message: never a crash (ASan). */
START_TEST(corrupted_payloads_never_crash) {
  char path[512];
  snprintf(path, sizeof path, "%s/tests/data/oadr/event_price_simple.json",
           GS_SOURCE_DIR);
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  static char orig[1 << 16], buf[1 << 16];
  size_t n = fread(orig, 1, sizeof orig - 1, f);
  fclose(f);
  static const char subst[] = {'"', '0', '-', ']', '}', 'x', '9', ' '};
  size_t parsed = 0, rejected = 0;
  for (size_t i = 0; i < n; i++) {
    for (size_t k = 0; k < sizeof subst; k++) {
      memcpy(buf, orig, n);
      buf[i] = subst[k];
      cJSON *root = cJSON_ParseWithLength(buf, n);
      if (root == NULL) continue;
      gs_oadr_event_t ev;
      gs_errbuf_t eb = {{0}};
      gs_err_t err = gs_oadr_parse_event(GS_OADR_V3_1_0, root, "event", &ev,
                                         &eb);
      ck_assert(err == GS_OK || err == GS_EINVAL);
      if (err == GS_OK) {
        parsed++;
        gs_oadr_event_free(&ev);
      } else {
        rejected++;
        ck_assert(strncmp(eb.msg, "event", 5) == 0); /* names its path */
      }
      cJSON_Delete(root);
    }
  }
  ck_assert_uint_gt(parsed, 0);
  ck_assert_uint_gt(rejected, 0);
}
END_TEST

START_TEST(small_answers) {
  gs_errbuf_t eb = {{0}};
  cJSON *t = fixture("token.json");
  char tok[128];
  int64_t exp_s;
  ck_assert_int_eq(gs_oadr_parse_token(t, tok, sizeof tok, &exp_s, &eb),
                   GS_OK);
  ck_assert_str_eq(tok, "MTQ0NjJkZmQ5OTM2NDE1ZTZjNGZmZjI3");
  ck_assert_int_eq(exp_s, 3600);
  cJSON_ReplaceItemInObject(t, "token_type", cJSON_CreateString("mac"));
  ck_assert_int_eq(gs_oadr_parse_token(t, tok, sizeof tok, &exp_s, &eb),
                   GS_EINVAL);
  ck_assert_str_eq(eb.msg, "clientCredentialResponse.token_type: expected "
                           "\"Bearer\", found \"mac\"");
  cJSON_ReplaceItemInObject(t, "token_type", cJSON_CreateString("Bearer"));
  cJSON_ReplaceItemInObject(t, "expires_in", cJSON_CreateNumber(-5));
  ck_assert_int_eq(gs_oadr_parse_token(t, tok, sizeof tok, &exp_s, &eb),
                   GS_EINVAL);
  cJSON_DeleteItemFromObject(t, "expires_in");
  ck_assert_int_eq(gs_oadr_parse_token(t, tok, sizeof tok, &exp_s, &eb),
                   GS_OK);
  ck_assert_int_eq(exp_s, -1); /* no expiry given */
  ck_assert_int_eq(gs_oadr_parse_token(t, tok, 8, &exp_s, &eb), GS_EINVAL);
  cJSON_Delete(t);

  cJSON *a = fixture("auth_server.json");
  char url[256];
  ck_assert_int_eq(gs_oadr_parse_auth_server(a, url, sizeof url, &eb), GS_OK);
  ck_assert_str_eq(url, "http://127.0.0.1:8080/auth/token");
  cJSON_Delete(a);

  cJSON *nf = fixture("notifiers.json");
  bool webhook = false, mqtt = false;
  ck_assert_int_eq(gs_oadr_parse_notifiers(nf, &webhook, &mqtt, &eb), GS_OK);
  ck_assert(webhook && mqtt);
  cJSON_Delete(nf);

  cJSON *no = fixture("notification.json");
  char ot[32], op[16];
  const cJSON *obj;
  ck_assert_int_eq(gs_oadr_parse_notification(no, ot, sizeof ot, op,
                                              sizeof op, &obj, &eb), GS_OK);
  ck_assert_str_eq(ot, "EVENT");
  ck_assert_str_eq(op, "CREATE");
  gs_oadr_event_t ev;
  ck_assert_int_eq(gs_oadr_parse_event(GS_OADR_V3_1_0, obj,
                                       "notification.object", &ev, &eb),
                   GS_OK);
  ck_assert_int_eq(ev.intervals[0].simple_level, 3);
  gs_oadr_event_free(&ev);
  cJSON_ReplaceItemInObject(no, "operation", cJSON_CreateString("PATCH"));
  ck_assert_int_eq(gs_oadr_parse_notification(no, ot, sizeof ot, op,
                                              sizeof op, &obj, &eb),
                   GS_EINVAL);
  ck_assert_str_eq(eb.msg, "notification.operation: expected CREATE, READ, "
                           "UPDATE or DELETE, found \"PATCH\"");
  cJSON_Delete(no);

  cJSON *vens = fixture("vens.json");
  char (*ids)[GS_OADR_ID_MAX];
  size_t n;
  ck_assert_int_eq(gs_oadr_parse_ids(vens, "vens", "venName", "suburb-0002",
                                     &ids, &n, &eb), GS_OK);
  ck_assert_uint_eq(n, 1);
  ck_assert_str_eq(ids[0], "ven-2");
  free(ids);
  cJSON_ReplaceItemInObject(cJSON_GetArrayItem(vens, 1), "id",
                            cJSON_CreateString("../etc"));
  ck_assert_int_eq(gs_oadr_parse_ids(vens, "vens", NULL, NULL, &ids, &n, &eb),
                   GS_EINVAL);
  ck_assert_str_eq(eb.msg, "vens[1].id: expected an objectID ([A-Za-z0-9_-],"
                           " 1 to 128 characters), found \"../etc\"");
  cJSON_Delete(vens);
}
END_TEST

START_TEST(builders_follow_the_spec) {
  char *v = gs_oadr_build_ven_request(GS_OADR_V3_1_0, "suburb-0007");
  ck_assert_str_eq(v, "{\"objectType\":\"VEN_VEN_REQUEST\",\"venName\":"
                      "\"suburb-0007\"}");
  free(v);
  char *s = gs_oadr_build_subscription(GS_OADR_V3_1_0, "suburb-0007", "p-1",
                                       "http://127.0.0.1:9/notify/7", NULL);
  cJSON *sj = cJSON_Parse(s);
  ck_assert_str_eq(cJSON_GetObjectItem(sj, "clientName")->valuestring,
                   "suburb-0007");
  const cJSON *op =
      cJSON_GetArrayItem(cJSON_GetObjectItem(sj, "objectOperations"), 0);
  ck_assert_str_eq(cJSON_GetObjectItem(op, "callbackUrl")->valuestring,
                   "http://127.0.0.1:9/notify/7");
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(op, "operations")),
                   3);
  cJSON_Delete(sj);
  free(s);
  gs_oadr_report_type_t types[2] = {{"USAGE", "DIRECT_READ", "KWH"},
                                    {"DEMAND", "MEAN", "KW"}};
  double v0[2] = {1.25, 2.5}, v1[2] = {0.5, 1.0};
  int64_t t0 = unix_us("2026-07-15T17:00:00Z");
  gs_oadr_report_row_t rows[2] = {
      {.id = 0, .start_unix_us = t0, .duration_us = 1800 * GS_US_PER_S,
       .values = v0},
      {.id = 1, .start_unix_us = t0 + 1800 * GS_US_PER_S,
       .duration_us = 1800 * GS_US_PER_S, .values = v1}};
  char *r = gs_oadr_build_report(GS_OADR_V3_1_0, "p-1", "event-42",
                                 "suburb-0007", "rep", "suburb-0007", types,
                                 2, rows, 2);
  cJSON *rj = cJSON_Parse(r);
  ck_assert_ptr_nonnull(rj);
  ck_assert_str_eq(cJSON_GetObjectItem(rj, "eventID")->valuestring,
                   "event-42");
  ck_assert_str_eq(cJSON_GetObjectItem(rj, "clientName")->valuestring,
                   "suburb-0007");
  const cJSON *pd =
      cJSON_GetArrayItem(cJSON_GetObjectItem(rj, "payloadDescriptors"), 1);
  ck_assert_str_eq(cJSON_GetObjectItem(pd, "objectType")->valuestring,
                   "REPORT_PAYLOAD_DESCRIPTOR");
  ck_assert_str_eq(cJSON_GetObjectItem(pd, "readingType")->valuestring,
                   "MEAN");
  const cJSON *res =
      cJSON_GetArrayItem(cJSON_GetObjectItem(rj, "resources"), 0);
  const cJSON *iv1 =
      cJSON_GetArrayItem(cJSON_GetObjectItem(res, "intervals"), 1);
  const cJSON *per = cJSON_GetObjectItem(iv1, "intervalPeriod");
  ck_assert_str_eq(cJSON_GetObjectItem(per, "start")->valuestring,
                   "2026-07-15T17:30:00Z");
  ck_assert_str_eq(cJSON_GetObjectItem(per, "duration")->valuestring,
                   "PT1800S");
  const cJSON *pl =
      cJSON_GetArrayItem(cJSON_GetObjectItem(iv1, "payloads"), 1);
  ck_assert_str_eq(cJSON_GetObjectItem(pl, "type")->valuestring, "DEMAND");
  ck_assert_double_eq(
      cJSON_GetArrayItem(cJSON_GetObjectItem(pl, "values"), 0)->valuedouble,
      1.0);
  cJSON_Delete(rj);
  free(r);
}
END_TEST

START_TEST(versions) {
  gs_oadr_version_t v;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_oadr_version_parse("3.1.0", &v, &eb), GS_OK);
  ck_assert_int_eq(v, GS_OADR_V3_1_0);
  ck_assert_str_eq(gs_oadr_version_name(v), "3.1.0");
  ck_assert_int_eq(gs_oadr_version_parse("3.0.1", &v, &eb), GS_EUNSUPPORTED);
  ck_assert_str_eq(eb.msg, "OpenADR version: expected \"3.1.0\", found "
                           "\"3.0.1\"");
}
END_TEST

Suite *oadr_wire_suite(void) {
  Suite *s = suite_create("oadr_wire");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, times_and_durations);
  tcase_add_test(tc, price_and_simple_event);
  tcase_add_test(tc, limits_setpoint_now_and_forever);
  tcase_add_test(tc, bad_events_name_their_path);
  tcase_add_test(tc, corrupted_payloads_never_crash);
  tcase_add_test(tc, small_answers);
  tcase_add_test(tc, builders_follow_the_spec);
  tcase_add_test(tc, versions);
  suite_add_tcase(s, tc);
  return s;
}
