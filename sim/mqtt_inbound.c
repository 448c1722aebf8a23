/* SPDX-License-Identifier: MIT */
/* The VEN role's inbound messages: recorded, then commands or deltas. */
#include "mqtt_inbound.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "inbound.h"

/* Correlation ids of the setLoad commands made from shadow deltas: their
 * acks are not published (the reference VEN acks no delta). Must match
 * GS__MQTT_DELTA_CORR of mqtt_priv.h. */
#define GS__DELTA_CORR "gs-shadow-delta-"

/* A shadow delta {"state":{"loads":[{"id":..,"enabled":..}]}} becomes one
 * setLoad command per circuit, the VEN's own code path. */
static void take_delta(gs_world_t *w, uint64_t ven_index, const char *ven_id,
                       const char *payload, size_t len,
                       gs_mqtt_take_stats_t *st) {
  cJSON *root = cJSON_ParseWithLength(payload, len);
  const cJSON *state = cJSON_GetObjectItemCaseSensitive(root, "state");
  const cJSON *loads = cJSON_GetObjectItemCaseSensitive(state, "loads");
  const cJSON *l;
  if (!cJSON_IsArray(loads)) loads = NULL;
  cJSON_ArrayForEach(l, loads) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(l, "id");
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(l, "enabled");
    if (!cJSON_IsString(id) || !cJSON_IsBool(en) ||
        strlen(id->valuestring) > 64)
      continue;
    char cmd[512];
    int n = snprintf(cmd, sizeof cmd,
                     "{\"op\":\"setLoad\",\"correlationId\":\"%s%llu\","
                     "\"venId\":\"%s\",\"data\":{\"loadId\":\"%s\","
                     "\"enabled\":%s}}",
                     GS__DELTA_CORR, (unsigned long long)st->delta_seq++,
                     ven_id, id->valuestring,
                     cJSON_IsTrue(en) ? "true" : "false");
    /* An id with quotes would not round-trip: such a delta is ignored. */
    if (n > 0 && (size_t)n < sizeof cmd &&
        strpbrk(id->valuestring, "\"\\") == NULL &&
        gs_world_inject_command(w, ven_index, cmd, (size_t)n) == GS_OK)
      st->shadow_deltas++;
  }
  cJSON_Delete(root);
}

void gs__mqtt_ven_take(gs_world_t *w, const gs_mqtt_cfg_t *cfg,
                       uint64_t ven_index, const char *topic,
                       const char *payload, size_t len,
                       gs_mqtt_take_stats_t *st) {
  if (w == NULL || ven_index >= w->n_vens) return;
  /* Recorded before it acts, so a replay sees it at the same position. A
   * message that cannot be recorded (out of memory) is still taken: the
   * run matters more than its replay. */
  if (w->inbound != NULL &&
      gs_inbound_add(w->inbound, w->engine, GS_INBOUND_VEN,
                     (int64_t)ven_index, topic, payload, len) != GS_OK)
    fprintf(stderr, "gridsim: mqtt: out of memory recording a message; "
            "the trace will not replay\n");
  char ven_id[96], delta[512];
  gs_world_ven_id(w, ven_index, ven_id, sizeof ven_id);
  if (cfg->topics[GS_MQTT_T_SHADOW_DELTA][0] &&
      gs_mqtt_topic_expand(cfg->topics[GS_MQTT_T_SHADOW_DELTA], ven_id, delta,
                           sizeof delta) &&
      strcmp(topic, delta) == 0) {
    take_delta(w, ven_index, ven_id, payload, len, st);
    return;
  }
  /* Malformed input included: the VEN answers it with an error ack. */
  if (gs_world_inject_command(w, ven_index, payload, len) == GS_OK)
    st->received++;
}
