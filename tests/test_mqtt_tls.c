/* SPDX-License-Identifier: MIT */
/* The MQTT bridge's TLS and credential settings: scenario, options, URL. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridsim/scenario.h"
#include "mqtt.h"
#include "mqtt_cfg.h"

/* Loads a minimal scenario named `file` with the section `mqtt` and reads
 * the bridge's settings from its effective JSON, as `gridsim run` does. */
static gs_err_t cfg_of(const char *mqtt, const char *file, gs_mqtt_cfg_t *cfg,
                       gs_errbuf_t *eb) {
  char text[4096];
  snprintf(text, sizeof text,
           "{\"name\":\"t\",\"start\":\"2026-07-15T00:00:00Z\","
           "\"duration_s\":60,\"fleet\":[{\"name\":\"g\",\"count\":1,"
           "\"loads\":[]}],\"mqtt\":%s}", mqtt);
  gs_scenario_t *s = NULL;
  gs_err_t err = gs_scenario_load_string(text, file, NULL, &s, eb);
  if (err != GS_OK) return err;
  char *json = gs_scenario_to_json(s);
  cJSON *root = cJSON_Parse(json);
  err = gs_mqtt_cfg_from_json(root, file, cfg, eb);
  cJSON_Delete(root);
  free(json);
  gs_scenario_free(s);
  return err;
}

START_TEST(no_tls_by_default) {
  gs_errbuf_t eb = {{0}};
  gs_mqtt_cfg_t cfg;
  ck_assert_int_eq(cfg_of("{}", "m.json", &cfg, &eb), GS_OK);
  ck_assert(!cfg.tls.given);
  ck_assert(!cfg.port_given);
  ck_assert_str_eq(cfg.tls.ca_file, "");
  ck_assert_str_eq(cfg.tls.cert, "");
  ck_assert_str_eq(cfg.username, "");
  ck_assert_str_eq(cfg.password_env, "");
}
END_TEST

START_TEST(files_are_relative_to_the_scenario) {
  gs_errbuf_t eb = {{0}};
  gs_mqtt_cfg_t cfg;
  ck_assert_int_eq(
      cfg_of("{\"tls\":{\"ca_file\":\"pki/ca.crt\",\"cert_pattern\":"
             "\"certs/{venId}.crt\",\"key_pattern\":\"/k/{venId}.key\","
             "\"insecure\":true},\"username\":\"sim\",\"password_env\":"
             "\"GS_PW\"}",
             "studies/hil/m.json", &cfg, &eb),
      GS_OK);
  ck_assert(cfg.tls.given);
  ck_assert(cfg.tls.insecure);
  ck_assert_str_eq(cfg.tls.ca_file, "studies/hil/pki/ca.crt");
  ck_assert_str_eq(cfg.tls.cert, "studies/hil/certs/{venId}.crt");
  ck_assert_str_eq(cfg.tls.key, "/k/{venId}.key"); /* absolute: as is */
  ck_assert_str_eq(cfg.username, "sim");
  ck_assert_str_eq(cfg.password_env, "GS_PW");
  /* A scenario in the working directory: names as given. */
  ck_assert_int_eq(cfg_of("{\"tls\":{\"cert_file\":\"c.pem\",\"key_file\":"
                          "\"k.pem\"},\"username\":\"u\",\"password\":\"p\"}",
                          "m.json", &cfg, &eb),
                   GS_OK);
  ck_assert_str_eq(cfg.tls.cert, "c.pem");
  ck_assert_str_eq(cfg.tls.key, "k.pem");
  ck_assert_str_eq(cfg.password, "p");
}
END_TEST

/* Each malformed setting and the exact message it must give. */
static const struct {
  const char *mqtt, *msg;
} bad[] = {
    {"{\"tls\":true}", "m.json: mqtt.tls: expected an object such as "
                       "{\"ca_file\": \"ca.crt\"}, found true"},
    {"{\"tls\":{\"ca\":\"x\"}}",
     "m.json: mqtt.tls.ca: expected one of ca_file, cert_file, key_file, "
     "cert_pattern, key_pattern, insecure, found an unknown key"},
    {"{\"tls\":{\"ca_file\":5}}",
     "m.json: mqtt.tls.ca_file: expected a file name, found 5"},
    {"{\"tls\":{\"ca_file\":\"\"}}",
     "m.json: mqtt.tls.ca_file: expected a file name, found \"\""},
    {"{\"tls\":{\"cert_file\":\"c/{venId}.crt\",\"key_file\":\"k\"}}",
     "m.json: mqtt.tls.cert_file: expected a file name without {venId} "
     "(per-VEN files are cert_pattern), found \"c/{venId}.crt\""},
    {"{\"tls\":{\"cert_pattern\":\"c.crt\",\"key_pattern\":\"{venId}\"}}",
     "m.json: mqtt.tls.cert_pattern: expected a file name pattern "
     "containing {venId} (for one file for every VEN use cert_file), found "
     "\"c.crt\""},
    {"{\"tls\":{\"cert_file\":\"c\",\"cert_pattern\":\"{venId}\","
     "\"key_file\":\"k\"}}",
     "m.json: mqtt.tls.cert_pattern: expected one of cert_file (all VENs) "
     "and cert_pattern (one per VEN), found both cert_file and "
     "cert_pattern"},
    {"{\"tls\":{\"cert_file\":\"c\"}}",
     "m.json: mqtt.tls.key_file: expected key_file together with "
     "cert_file, found nothing"},
    {"{\"tls\":{\"key_pattern\":\"k/{venId}\"}}",
     "m.json: mqtt.tls.cert_pattern: expected cert_pattern together with "
     "key_pattern, found nothing"},
    {"{\"tls\":{\"cert_pattern\":\"c/{venId}\",\"key_file\":\"k\"}}",
     "m.json: mqtt.tls.key_pattern: expected key_pattern together with "
     "cert_pattern, found nothing"},
    {"{\"tls\":{\"insecure\":\"yes\"}}",
     "m.json: mqtt.tls.insecure: expected true or false, found \"yes\""},
    {"{\"username\":7}",
     "m.json: mqtt.username: expected a user name of 1 to 255 characters, "
     "found 7"},
    {"{\"username\":\"u\",\"password\":\"\"}",
     "m.json: mqtt.password: expected a password of 1 to 255 characters, "
     "found \"\""},
    {"{\"username\":\"u\",\"password_env\":\"MY-PW\"}",
     "m.json: mqtt.password_env: expected the name of an environment "
     "variable ([A-Za-z_][A-Za-z0-9_]*), found \"MY-PW\""},
    {"{\"username\":\"u\",\"password\":\"p\",\"password_env\":\"PW\"}",
     "m.json: mqtt.password_env: expected one of password and password_env "
     "(better: the variable, which keeps it out of files and traces), "
     "found both password and password_env"},
    {"{\"password_env\":\"PW\"}",
     "m.json: mqtt.username: expected a username with password_env, "
     "found nothing"},
};

START_TEST(malformed_settings_name_path_expected_found) {
  gs_errbuf_t eb = {{0}};
  gs_mqtt_cfg_t cfg;
  ck_assert_int_eq(cfg_of(bad[_i].mqtt, "m.json", &cfg, &eb), GS_ESCENARIO);
  ck_assert_str_eq(eb.msg, bad[_i].msg);
}
END_TEST

START_TEST(command_line_overrides) {
  gs_errbuf_t eb = {{0}};
  gs_mqtt_cfg_t cfg;
  ck_assert_int_eq(cfg_of("{\"username\":\"u\",\"password\":\"p\"}",
                          "d/m.json", &cfg, &eb),
                   GS_OK);
  gs_mqtt_opts_t o = {.ca_file = "ca.pem", .cert = "c/{venId}.crt",
                      .key = "k/{venId}.key", .username = "v",
                      .password_env = "GS_TEST_PW", .insecure = true};
  ck_assert_int_eq(gs_mqtt_cfg_apply_opts(&cfg, &o, &eb), GS_OK);
  ck_assert(cfg.tls.given);
  ck_assert(cfg.tls.insecure);
  ck_assert_str_eq(cfg.tls.ca_file, "ca.pem"); /* the working directory */
  ck_assert_str_eq(cfg.tls.cert, "c/{venId}.crt");
  ck_assert_str_eq(cfg.username, "v");
  ck_assert_str_eq(cfg.password, ""); /* the variable wins */
  ck_assert_str_eq(cfg.password_env, "GS_TEST_PW");
  ck_assert_int_eq(gs_mqtt_cfg_apply_opts(&cfg, NULL, &eb), GS_OK);

  gs_mqtt_opts_t half = {.cert = "c.pem"};
  ck_assert_int_eq(cfg_of("{}", "m.json", &cfg, &eb), GS_OK);
  ck_assert_int_eq(gs_mqtt_cfg_apply_opts(&cfg, &half, &eb), GS_EINVAL);
  ck_assert_str_eq(eb.msg, "--mqtt-cert/--mqtt-key: expected a certificate "
                           "and its key, both with {venId} or both without, "
                           "found cert 'c.pem' and key ''");
  gs_mqtt_opts_t mixed = {.cert = "c/{venId}.pem", .key = "k.pem"};
  ck_assert_int_eq(gs_mqtt_cfg_apply_opts(&cfg, &mixed, &eb), GS_EINVAL);
  gs_mqtt_opts_t env = {.password_env = "1PW"};
  ck_assert_int_eq(cfg_of("{}", "m.json", &cfg, &eb), GS_OK);
  ck_assert_int_eq(gs_mqtt_cfg_apply_opts(&cfg, &env, &eb), GS_EINVAL);
  ck_assert_str_eq(eb.msg, "--mqtt-password-env: expected the name of an "
                           "environment variable, found '1PW'");
  env.password_env = "PW";
  ck_assert_int_eq(gs_mqtt_cfg_apply_opts(&cfg, &env, &eb), GS_EINVAL);
  ck_assert_str_eq(eb.msg, "--mqtt-password-env: expected a user name with "
                           "it (--mqtt-username or mqtt.username)");
  gs_mqtt_opts_t empty = {.ca_file = ""};
  ck_assert_int_eq(gs_mqtt_cfg_apply_opts(&cfg, &empty, &eb), GS_EINVAL);
}
END_TEST

/* The URL the summary reports for `url` with scenario section `mqtt`. */
static gs_err_t url_of(const char *mqtt, const char *url, char *out,
                       size_t size, gs_errbuf_t *eb) {
  gs_mqtt_cfg_t cfg;
  gs_err_t err = cfg_of(mqtt, "m.json", &cfg, eb);
  gs_mqtt_t *m = NULL;
  if (err == GS_OK) err = gs_mqtt_create(&cfg, url, &m, eb);
  if (err != GS_OK) return err;
  cJSON *sum = cJSON_CreateObject();
  ck_assert_int_eq(gs_mqtt_summary_fill(m, sum), GS_OK);
  const cJSON *mq = cJSON_GetObjectItem(sum, "mqtt");
  snprintf(out, size, "%s tls=%d",
           cJSON_GetStringValue(cJSON_GetObjectItem(mq, "url")),
           cJSON_IsTrue(cJSON_GetObjectItem(mq, "tls")));
  cJSON_Delete(sum);
  gs_mqtt_destroy(m);
  return GS_OK;
}

START_TEST(tls_urls_and_files) {
  gs_errbuf_t eb = {{0}};
  char u[128];
  /* No CA file: the system's CAs. */
  ck_assert_int_eq(url_of("{}", "mqtts://broker", u, sizeof u, &eb), GS_OK);
  ck_assert_str_eq(u, "mqtts://broker:8883 tls=1");
  ck_assert_int_eq(url_of("{\"port\":9999}", "mqtts://", u, sizeof u, &eb),
                   GS_OK);
  ck_assert_str_eq(u, "mqtts://127.0.0.1:9999 tls=1");
  ck_assert_int_eq(url_of("{}", "mqtts://h:8884", u, sizeof u, &eb), GS_OK);
  ck_assert_str_eq(u, "mqtts://h:8884 tls=1");
  ck_assert_int_eq(url_of("{}", "mqtt://h", u, sizeof u, &eb), GS_OK);
  ck_assert_str_eq(u, "mqtt://h:1883 tls=0");
  /* Files that cannot be used are errors before any session exists. */
  ck_assert_int_eq(url_of("{\"tls\":{\"ca_file\":\"/nonexistent/ca.crt\"}}",
                          "mqtts://h", u, sizeof u, &eb),
                   GS_EINVAL);
  ck_assert_str_eq(eb.msg, "mqtt.tls: cannot read /nonexistent/ca.crt: No "
                           "such file or directory");
  ck_assert_int_eq(url_of("{\"tls\":{\"ca_file\":\"/etc/hostname\"}}",
                          "mqtts://h", u, sizeof u, &eb),
                   GS_EINVAL);
  ck_assert_ptr_nonnull(strstr(eb.msg, "mqtt.tls: CA file /etc/hostname: "));
  ck_assert_int_eq(url_of("{\"tls\":{\"cert_file\":\"/nonexistent/c.pem\","
                          "\"key_file\":\"/nonexistent/k.pem\"}}",
                          "mqtts://h", u, sizeof u, &eb),
                   GS_EINVAL);
  ck_assert_str_eq(eb.msg, "mqtt.tls: cannot read /nonexistent/c.pem: No "
                           "such file or directory");
  /* With plain TCP the TLS settings are ignored (with a warning). */
  ck_assert_int_eq(url_of("{\"tls\":{\"ca_file\":\"/nonexistent/ca.crt\"}}",
                          "mqtt://h", u, sizeof u, &eb),
                   GS_OK);
}
END_TEST

START_TEST(password_from_the_environment) {
  gs_errbuf_t eb = {{0}};
  char u[128];
  unsetenv("GS_TEST_MQTT_PW");
  ck_assert_int_eq(url_of("{\"username\":\"u\",\"password_env\":"
                          "\"GS_TEST_MQTT_PW\"}",
                          "mqtt://h", u, sizeof u, &eb),
                   GS_EINVAL);
  ck_assert_str_eq(eb.msg, "mqtt.password_env: environment variable "
                           "GS_TEST_MQTT_PW is not set");
  setenv("GS_TEST_MQTT_PW", "s3cret", 1);
  ck_assert_int_eq(url_of("{\"username\":\"u\",\"password_env\":"
                          "\"GS_TEST_MQTT_PW\"}",
                          "mqtt://h", u, sizeof u, &eb),
                   GS_OK);
  unsetenv("GS_TEST_MQTT_PW");
}
END_TEST

START_TEST(password_is_redacted_for_the_trace) {
  const char *with = "{\"name\":\"t\",\"mqtt\":{\"username\":\"u\","
                     "\"password\":\"s3cret\"}}";
  char *out = gs_mqtt_redact_json(strdup(with));
  ck_assert_ptr_null(strstr(out, "s3cret"));
  cJSON *j = cJSON_Parse(out);
  ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(
                       cJSON_GetObjectItem(j, "mqtt"), "password")),
                   GS_MQTT_REDACTED);
  ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(
                       cJSON_GetObjectItem(j, "mqtt"), "username")),
                   "u");
  cJSON_Delete(j);
  free(out);
  /* Without a password the text is returned as it is. */
  char *plain = strdup("{\"mqtt\":{\"password_env\":\"PW\"}}");
  ck_assert_ptr_eq(gs_mqtt_redact_json(plain), plain);
  free(plain);
  ck_assert_ptr_null(gs_mqtt_redact_json(NULL));
}
END_TEST

Suite *mqtt_tls_suite(void) {
  Suite *s = suite_create("mqtt_tls");
  TCase *tc = tcase_create("mqtt_tls");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, no_tls_by_default);
  tcase_add_test(tc, files_are_relative_to_the_scenario);
  tcase_add_loop_test(tc, malformed_settings_name_path_expected_found, 0,
                      (int)(sizeof bad / sizeof bad[0]));
  tcase_add_test(tc, command_line_overrides);
  tcase_add_test(tc, tls_urls_and_files);
  tcase_add_test(tc, password_from_the_environment);
  tcase_add_test(tc, password_is_redacted_for_the_trace);
  suite_add_tcase(s, tc);
  return s;
}
