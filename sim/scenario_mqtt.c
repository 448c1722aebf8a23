/* SPDX-License-Identifier: MIT */
/* Validates the scenario's "mqtt" section (the MQTT bridge's settings). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mqtt_cfg.h"
#include "scenario_util.h"

const char *const gs_mqtt_topic_keys[GS_MQTT_T_COUNT] = {
    [GS_MQTT_T_CMD] = "cmd",
    [GS_MQTT_T_ACK] = "ack",
    [GS_MQTT_T_METERING] = "metering",
    [GS_MQTT_T_TELEMETRY] = "telemetry",
    [GS_MQTT_T_METER_ALIAS] = "meter_alias",
    [GS_MQTT_T_LOADS] = "loads",
    [GS_MQTT_T_SHADOW] = "shadow",
    [GS_MQTT_T_SHADOW_DELTA] = "shadow_delta",
    [GS_MQTT_T_SHADOW_GET] = "shadow_get",
    [GS_MQTT_T_WILL] = "will",
};

/* The contract's table (contract/grid-services-mqtt.md). */
static const char *const default_topics[GS_MQTT_T_COUNT] = {
    [GS_MQTT_T_CMD] = "ven/cmd/{venId}",
    [GS_MQTT_T_ACK] = "ven/ack/{venId}",
    [GS_MQTT_T_METERING] = "volttron/metering",
    [GS_MQTT_T_TELEMETRY] = "ven/telemetry/{venId}",
    [GS_MQTT_T_METER_ALIAS] = "",
    [GS_MQTT_T_LOADS] = "ven/loads/{venId}",
    [GS_MQTT_T_SHADOW] = "$aws/things/{venId}/shadow/update",
    [GS_MQTT_T_SHADOW_DELTA] = "$aws/things/{venId}/shadow/update/delta",
    [GS_MQTT_T_SHADOW_GET] = "$aws/things/{venId}/shadow/get",
    [GS_MQTT_T_WILL] = "volttron/dev",
};

static const char *const mqtt_keys[] = {
    "host",   "port",         "qos",      "keepalive_s", "max_pending",
    "late_ms", "topics",      "tls",      "username",    "password",
    "password_env", "max_pending_total", NULL};

/* Templates longer than this leave no room for a VEN id in 255 bytes. */
#define GS__TOPIC_TMPL_MAX 200

bool gs_mqtt_topic_expand(const char *tmpl, const char *ven_id, char *buf,
                          size_t size) {
  static const char ph[] = "{venId}";
  size_t n = 0, idl = strlen(ven_id);
  for (const char *p = tmpl; *p;) {
    if (strncmp(p, ph, sizeof ph - 1) == 0) {
      if (n + idl >= size) return false;
      memcpy(buf + n, ven_id, idl);
      n += idl;
      p += sizeof ph - 1;
    } else {
      if (n + 1 >= size) return false;
      buf[n++] = *p++;
    }
  }
  if (n >= size) return false;
  buf[n] = '\0';
  return true;
}

/* Why template `t` is not a valid topic, or NULL if it is. Subscribed
 * topics must name the VEN, or every VEN would answer every command. */
static const char *topic_problem(const char *t, bool may_be_empty,
                                 bool needs_ven) {
  if (*t == '\0')
    return may_be_empty ? NULL : "a non-empty topic template";
  if (strlen(t) > GS__TOPIC_TMPL_MAX)
    return "a topic template of at most 200 characters";
  if (strpbrk(t, "+#") != NULL)
    return "a topic without the wildcards + and #";
  for (const char *p = strchr(t, '{'); p; p = strchr(p + 1, '{'))
    if (strncmp(p, "{venId}", 7) != 0)
      return "a topic whose only placeholder is {venId}";
  if (strchr(t, '}') != NULL && strstr(t, "{venId}") == NULL)
    return "a topic whose only placeholder is {venId}";
  if (needs_ven && strstr(t, "{venId}") == NULL)
    return "a topic template containing {venId}";
  return NULL;
}

static gs_err_t parse_topics(gs__sctx_t *c, const cJSON *jt,
                             gs_mqtt_cfg_t *cfg) {
  if (jt == NULL) return GS_OK;
  size_t mark = gs__path_key(c, "topics");
  if (!cJSON_IsObject(jt))
    return gs__fail(c, jt, "an object of topic templates such as "
                           "{\"ack\": \"ven/ack/{venId}\"}");
  const char *keys[GS_MQTT_T_COUNT + 1];
  for (size_t i = 0; i < GS_MQTT_T_COUNT; i++) keys[i] = gs_mqtt_topic_keys[i];
  keys[GS_MQTT_T_COUNT] = NULL;
  gs_err_t err = gs__check_keys(c, jt, keys);
  if (err != GS_OK) return err;
  for (size_t i = 0; i < GS_MQTT_T_COUNT; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(jt, keys[i]);
    if (v == NULL) continue;
    size_t m2 = gs__path_key(c, keys[i]);
    if (!cJSON_IsString(v)) return gs__fail(c, v, "a topic template string");
    bool required = i == GS_MQTT_T_CMD || i == GS_MQTT_T_ACK;
    bool needs_ven = i == GS_MQTT_T_CMD || i == GS_MQTT_T_SHADOW_DELTA;
    const char *why = topic_problem(v->valuestring, !required, needs_ven);
    if (why != NULL) return gs__fail(c, v, "%s", why);
    snprintf(cfg->topics[i], sizeof cfg->topics[i], "%s", v->valuestring);
    gs__path_pop(c, m2);
  }
  gs__path_pop(c, mark);
  return GS_OK;
}

gs_err_t gs__scn_parse_mqtt(gs__sctx_t *c, const cJSON *root,
                            gs_mqtt_cfg_t *out) {
  gs_mqtt_cfg_t cfg;
  memset(&cfg, 0, sizeof cfg);
  snprintf(cfg.host, sizeof cfg.host, "127.0.0.1");
  cfg.port = 1883;
  cfg.qos = 1;
  cfg.keepalive_s = 60;
  cfg.max_pending = 1000;
  cfg.max_pending_total = 100000;
  cfg.late_us = 1000000;
  for (size_t i = 0; i < GS_MQTT_T_COUNT; i++)
    snprintf(cfg.topics[i], sizeof cfg.topics[i], "%s", default_topics[i]);
  const cJSON *jm = cJSON_GetObjectItemCaseSensitive(root, "mqtt");
  if (jm != NULL) {
    size_t mark = gs__path_key(c, "mqtt");
    if (!cJSON_IsObject(jm))
      return gs__fail(c, jm, "an object {\"host\": .., \"topics\": {..}}");
    gs_err_t err = gs__check_keys(c, jm, mqtt_keys);
    if (err != GS_OK) return err;
    const char *host;
    if ((err = gs__get_str(c, jm, "host", false, false, &host)) != GS_OK)
      return err;
    if (host != NULL) {
      if (strlen(host) >= sizeof cfg.host || strpbrk(host, " /:@") != NULL) {
        gs__path_key(c, "host");
        return gs__fail(c, cJSON_GetObjectItemCaseSensitive(jm, "host"),
                        "a host name or IPv4 address (no scheme or port)");
      }
      snprintf(cfg.host, sizeof cfg.host, "%s", host);
    }
    static const gs__num_rule_t port = {.lo = 1, .hi = 65535, .integer = true};
    static const gs__num_rule_t qos = {.lo = 0, .hi = 2, .integer = true};
    /* mosquitto refuses keepalives under 5 s. */
    static const gs__num_rule_t ka = {
        .lo = 5, .hi = 65535, .integer = true, .unit = "s"};
    static const gs__num_rule_t pend = {.lo = 1, .hi = 1e6, .integer = true};
    static const gs__num_rule_t late = {
        .lo = 0, .lo_open = true, .hi = 3.6e6, .unit = "ms"};
    double x;
    if ((err = gs__get_num(c, jm, "port", &port, false, 1883, &x,
                           &cfg.port_given)))
      return err;
    cfg.port = (int)x;
    if ((err = gs__get_num(c, jm, "qos", &qos, false, 1, &x, NULL)))
      return err;
    cfg.qos = (int)x;
    if ((err = gs__get_num(c, jm, "keepalive_s", &ka, false, 60, &x, NULL)))
      return err;
    cfg.keepalive_s = (int)x;
    if ((err = gs__get_num(c, jm, "max_pending", &pend, false, 1000, &x,
                           NULL)))
      return err;
    cfg.max_pending = (uint32_t)x;
    static const gs__num_rule_t ptot = {.lo = 1, .hi = 1e8, .integer = true};
    if ((err = gs__get_num(c, jm, "max_pending_total", &ptot, false, 100000,
                           &x, NULL)))
      return err;
    cfg.max_pending_total = (uint32_t)x;
    if ((err = gs__get_num(c, jm, "late_ms", &late, false, 1000, &x, NULL)))
      return err;
    cfg.late_us = (int64_t)(x * 1000.0 + 0.5);
    if ((err = parse_topics(
             c, cJSON_GetObjectItemCaseSensitive(jm, "topics"), &cfg)))
      return err;
    if ((err = gs__scn_parse_mqtt_auth(c, jm, &cfg)) != GS_OK) return err;
    gs__path_pop(c, mark);
  }
  if (out != NULL) *out = cfg;
  return GS_OK;
}

gs_err_t gs_mqtt_cfg_from_json(const cJSON *root, const char *file,
                               gs_mqtt_cfg_t *out, gs_errbuf_t *eb) {
  gs__sctx_t c;
  gs__sctx_init(&c, file ? file : "<scenario>", "", eb);
  gs_err_t err = gs__scn_parse_mqtt(&c, root, out);
  return err == GS_OK ? gs__mqtt_cfg_resolve(out, file, eb) : err;
}
