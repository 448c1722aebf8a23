/* SPDX-License-Identifier: MIT */
/* The scenario's "mqtt" section, topic templates and the bridge's URL. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridsim/scenario.h"
#include "mqtt.h"
#include "mqtt_cfg.h"

/* A minimal valid scenario with `mqtt` (JSON text, or NULL for none). */
static gs_err_t load(const char *mqtt, gs_scenario_t **s, gs_errbuf_t *eb) {
  char text[2048];
  snprintf(text, sizeof text,
           "{\"name\":\"t\",\"start\":\"2026-07-15T00:00:00Z\","
           "\"duration_s\":60,\"fleet\":[{\"name\":\"g\",\"count\":1,"
           "\"loads\":[]}]%s%s}",
           mqtt ? ",\"mqtt\":" : "", mqtt ? mqtt : "");
  return gs_scenario_load_string(text, "m.json", NULL, s, eb);
}

START_TEST(absent_section_gives_the_contract_defaults) {
  gs_errbuf_t eb = {{0}};
  gs_scenario_t *s = NULL;
  ck_assert_int_eq(load(NULL, &s, &eb), GS_OK);
  char *json = gs_scenario_to_json(s);
  cJSON *root = cJSON_Parse(json);
  gs_mqtt_cfg_t cfg;
  ck_assert_int_eq(gs_mqtt_cfg_from_json(root, "m.json", &cfg, &eb), GS_OK);
  ck_assert_str_eq(cfg.host, "127.0.0.1");
  ck_assert_int_eq(cfg.port, 1883);
  ck_assert_int_eq(cfg.qos, 1);
  ck_assert_int_eq(cfg.keepalive_s, 60);
  ck_assert_uint_eq(cfg.max_pending, 1000);
  ck_assert_uint_eq(cfg.max_pending_total, 100000);
  ck_assert_int_eq(cfg.late_us, 1000000);
  ck_assert_str_eq(cfg.topics[GS_MQTT_T_CMD], "ven/cmd/{venId}");
  ck_assert_str_eq(cfg.topics[GS_MQTT_T_ACK], "ven/ack/{venId}");
  ck_assert_str_eq(cfg.topics[GS_MQTT_T_METERING], "volttron/metering");
  ck_assert_str_eq(cfg.topics[GS_MQTT_T_TELEMETRY], "ven/telemetry/{venId}");
  ck_assert_str_eq(cfg.topics[GS_MQTT_T_METER_ALIAS], "");
  ck_assert_str_eq(cfg.topics[GS_MQTT_T_LOADS], "ven/loads/{venId}");
  ck_assert_str_eq(cfg.topics[GS_MQTT_T_SHADOW],
                   "$aws/things/{venId}/shadow/update");
  ck_assert_str_eq(cfg.topics[GS_MQTT_T_SHADOW_DELTA],
                   "$aws/things/{venId}/shadow/update/delta");
  ck_assert_str_eq(cfg.topics[GS_MQTT_T_SHADOW_GET],
                   "$aws/things/{venId}/shadow/get");
  ck_assert_str_eq(cfg.topics[GS_MQTT_T_WILL], "volttron/dev");
  cJSON_Delete(root);
  free(json);
  gs_scenario_free(s);
}
END_TEST

START_TEST(values_are_read) {
  gs_errbuf_t eb = {{0}};
  gs_scenario_t *s = NULL;
  ck_assert_int_eq(
      load("{\"host\":\"broker.local\",\"port\":8883,\"qos\":0,"
           "\"keepalive_s\":30,\"max_pending\":5,\"late_ms\":250,"
           "\"_note\":\"comment\",\"topics\":{\"ack\":\"acks/{venId}/x\","
           "\"metering\":\"\",\"meter_alias\":\"oadr/meter/{venId}\"}}",
           &s, &eb),
      GS_OK);
  char *json = gs_scenario_to_json(s);
  cJSON *root = cJSON_Parse(json);
  gs_mqtt_cfg_t cfg;
  ck_assert_int_eq(gs_mqtt_cfg_from_json(root, "m.json", &cfg, &eb), GS_OK);
  ck_assert_str_eq(cfg.host, "broker.local");
  ck_assert_int_eq(cfg.port, 8883);
  ck_assert_int_eq(cfg.qos, 0);
  ck_assert_int_eq(cfg.keepalive_s, 30);
  ck_assert_uint_eq(cfg.max_pending, 5);
  ck_assert_int_eq(cfg.late_us, 250000);
  ck_assert_str_eq(cfg.topics[GS_MQTT_T_ACK], "acks/{venId}/x");
  ck_assert_str_eq(cfg.topics[GS_MQTT_T_METERING], "");
  ck_assert_str_eq(cfg.topics[GS_MQTT_T_METER_ALIAS], "oadr/meter/{venId}");
  ck_assert_str_eq(cfg.topics[GS_MQTT_T_CMD], "ven/cmd/{venId}");
  cJSON_Delete(root);
  free(json);
  gs_scenario_free(s);
}
END_TEST

/* Each malformed section and the exact message it must give. */
static const struct {
  const char *mqtt, *msg;
} bad[] = {
    {"[]", "m.json: mqtt: expected an object {\"host\": .., \"topics\": "
           "{..}}, found []"},
    {"{\"hots\":\"x\"}",
     "m.json: mqtt.hots: expected one of host, port, qos, keepalive_s, "
     "max_pending, late_ms, topics, tls, username, password, password_env, "
     "max_pending_total, found an unknown key"},
    {"{\"host\":\"\"}", "m.json: mqtt.host: expected a non-empty string, "
                        "found \"\""},
    {"{\"host\":\"mqtt://h:1\"}",
     "m.json: mqtt.host: expected a host name or IPv4 address (no scheme "
     "or port), found \"mqtt://h:1\""},
    {"{\"port\":70000}",
     "m.json: mqtt.port: expected an integer in [1, 65535], found 70000"},
    {"{\"port\":\"1883\"}",
     "m.json: mqtt.port: expected an integer in [1, 65535], found \"1883\""},
    {"{\"qos\":3}", "m.json: mqtt.qos: expected an integer in [0, 2], "
                    "found 3"},
    {"{\"keepalive_s\":1}",
     "m.json: mqtt.keepalive_s: expected an integer in [5, 65535] (s), "
     "found 1"},
    {"{\"max_pending_total\":0.5}",
     "m.json: mqtt.max_pending_total: expected an integer in [1, "
     "100000000], found 0.5"},
    {"{\"max_pending\":0}",
     "m.json: mqtt.max_pending: expected an integer in [1, 1000000], found 0"},
    {"{\"late_ms\":0}",
     "m.json: mqtt.late_ms: expected a number in (0, 3600000] (ms), "
     "found 0"},
    {"{\"topics\":[]}",
     "m.json: mqtt.topics: expected an object of topic templates such as "
     "{\"ack\": \"ven/ack/{venId}\"}, found []"},
    {"{\"topics\":{\"acks\":\"a\"}}",
     "m.json: mqtt.topics.acks: expected one of cmd, ack, metering, "
     "telemetry, meter_alias, loads, shadow, shadow_delta, shadow_get, "
     "will, found an unknown key"},
    {"{\"topics\":{\"ack\":5}}",
     "m.json: mqtt.topics.ack: expected a topic template string, found 5"},
    {"{\"topics\":{\"ack\":\"\"}}",
     "m.json: mqtt.topics.ack: expected a non-empty topic template, "
     "found \"\""},
    {"{\"topics\":{\"cmd\":\"ven/+/cmd\"}}",
     "m.json: mqtt.topics.cmd: expected a topic without the wildcards + "
     "and #, found \"ven/+/cmd\""},
    {"{\"topics\":{\"cmd\":\"ven/cmd\"}}",
     "m.json: mqtt.topics.cmd: expected a topic template containing "
     "{venId}, found \"ven/cmd\""},
    {"{\"topics\":{\"loads\":\"l/{ven}\"}}",
     "m.json: mqtt.topics.loads: expected a topic whose only placeholder "
     "is {venId}, found \"l/{ven}\""},
    {"{\"topics\":{\"shadow_delta\":\"$aws/delta\"}}",
     "m.json: mqtt.topics.shadow_delta: expected a topic template "
     "containing {venId}, found \"$aws/delta\""},
};

START_TEST(malformed_sections_name_path_expected_found) {
  gs_errbuf_t eb = {{0}};
  gs_scenario_t *s = NULL;
  ck_assert_int_eq(load(bad[_i].mqtt, &s, &eb), GS_ESCENARIO);
  ck_assert_ptr_null(s);
  ck_assert_str_eq(eb.msg, bad[_i].msg);
}
END_TEST

START_TEST(topic_templates_expand) {
  char buf[64];
  ck_assert(gs_mqtt_topic_expand("ven/cmd/{venId}", "tv-0001", buf,
                                 sizeof buf));
  ck_assert_str_eq(buf, "ven/cmd/tv-0001");
  ck_assert(gs_mqtt_topic_expand("{venId}/a/{venId}", "v", buf, sizeof buf));
  ck_assert_str_eq(buf, "v/a/v");
  ck_assert(gs_mqtt_topic_expand("volttron/metering", "v", buf, sizeof buf));
  ck_assert_str_eq(buf, "volttron/metering");
  ck_assert(!gs_mqtt_topic_expand("ven/cmd/{venId}", "tv-0001", buf, 15));
  ck_assert(gs_mqtt_topic_expand("ven/cmd/{venId}", "tv-0001", buf, 16));
}
END_TEST

START_TEST(broker_urls) {
  gs_errbuf_t eb = {{0}};
  gs_mqtt_cfg_t cfg;
  cJSON *empty = cJSON_CreateObject();
  ck_assert_int_eq(gs_mqtt_cfg_from_json(empty, "x", &cfg, &eb), GS_OK);
  cJSON_Delete(empty);
  gs_mqtt_t *m = NULL;
  ck_assert_int_eq(gs_mqtt_create(&cfg, "mqtt://10.0.0.5:1999", &m, &eb),
                   GS_OK);
  gs_mqtt_stats_t st;
  gs_mqtt_get_stats(m, &st);
  ck_assert_uint_eq(st.sent, 0);
  cJSON *sum = cJSON_CreateObject();
  ck_assert_int_eq(gs_mqtt_summary_fill(m, sum), GS_OK);
  const cJSON *url = cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "mqtt"),
                                         "url");
  ck_assert_str_eq(cJSON_GetStringValue(url), "mqtt://10.0.0.5:1999");
  cJSON_Delete(sum);
  gs_mqtt_destroy(m);
  /* Missing parts come from the scenario's host and port. */
  ck_assert_int_eq(gs_mqtt_create(&cfg, "mqtt://", &m, &eb), GS_OK);
  sum = cJSON_CreateObject();
  ck_assert_int_eq(gs_mqtt_summary_fill(m, sum), GS_OK);
  url = cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "mqtt"), "url");
  ck_assert_str_eq(cJSON_GetStringValue(url), "mqtt://127.0.0.1:1883");
  cJSON_Delete(sum);
  gs_mqtt_destroy(m);
  ck_assert_int_eq(gs_mqtt_create(&cfg, "tcp://h", &m, &eb), GS_EINVAL);
  ck_assert_str_eq(eb.msg, "--mqtt: expected mqtt://HOST[:PORT] or "
                           "mqtts://HOST[:PORT], found 'tcp://h'");
  ck_assert_int_eq(gs_mqtt_create(&cfg, "mqtt://h:0", &m, &eb), GS_EINVAL);
  ck_assert_str_eq(eb.msg, "--mqtt mqtt://h:0: expected a port from 1 to "
                           "65535 after the host");
  ck_assert_int_eq(gs_mqtt_create(&cfg, "mqtt://h:12x", &m, &eb), GS_EINVAL);
  ck_assert_int_eq(gs_mqtt_create(&cfg, "mqtt://h/path", &m, &eb),
                   GS_EINVAL);
  ck_assert_ptr_null(m);
}
END_TEST

Suite *scenario_mqtt_suite(void) {
  Suite *s = suite_create("scenario_mqtt");
  TCase *tc = tcase_create("scenario_mqtt");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, absent_section_gives_the_contract_defaults);
  tcase_add_test(tc, values_are_read);
  tcase_add_loop_test(tc, malformed_sections_name_path_expected_found, 0,
                      (int)(sizeof bad / sizeof bad[0]));
  tcase_add_test(tc, topic_templates_expand);
  tcase_add_test(tc, broker_urls);
  suite_add_tcase(s, tc);
  return s;
}
