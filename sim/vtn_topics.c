/* SPDX-License-Identifier: MIT */
/* The MQTT notifier's topic names: the /notifiers/mqtt/topics endpoints and
 * the topics each change is published on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtn_priv.h"

/* Topic names are the VTN's to choose (the notifier note, 22.2); these
 * mirror the REST paths under the configured prefix:
 *   P/programs/OP            P/programs/{id}/OP     P/programs/{id}/events/OP
 *   P/events/OP  P/reports/OP  P/subscriptions/OP  P/vens/OP  P/resources/OP
 *   P/vens/{id}/OP  P/vens/{id}/events/OP  P/vens/{id}/programs/OP
 *   P/vens/{id}/resources/OP
 * with OP one of create, update, delete, and "+" for ALL. The per-VEN
 * event and program topics carry only what the VEN's targets let it read:
 * that is how object privacy survives a broker without ACLs per object. */

/* {"topics": {CREATE?, UPDATE, DELETE, ALL}} under `base`. */
static void topics_json(gs_vtn_resp_t *r, const char *base, bool create) {
  static const char *const ops[] = {"CREATE", "UPDATE", "DELETE", "ALL"};
  static const char *const sub[] = {"create", "update", "delete", "+"};
  cJSON *o = cJSON_CreateObject();
  cJSON *t = cJSON_AddObjectToObject(o, "topics");
  for (int i = create ? 0 : 1; i < 4; i++) {
    char topic[512];
    snprintf(topic, sizeof topic, "%s/%s", base, sub[i]);
    cJSON_AddStringToObject(t, ops[i], topic);
  }
  gs__vtn_json(r, 200, o);
  cJSON_Delete(o);
}

void gs__vtn_topics(gs_vtn_t *v, const char *rest, long client,
                    unsigned scopes, gs_vtn_resp_t *r) {
  const char *prefix = v->cfg->mqtt_prefix;
  if (v->cfg->mqtt_url == NULL) {
    gs__vtn_problem(r, 404, "this VTN has no MQTT notifier (see GET "
                    "/notifiers)");
    return;
  }
  /* Up to three segments: collection, id, sub-collection. */
  char buf[300], *seg[4] = {0};
  int n = 0;
  snprintf(buf, sizeof buf, "%s", rest);
  for (char *save = NULL, *p = strtok_r(buf, "/", &save); p;
       p = strtok_r(NULL, "/", &save)) {
    if (n == 3) {
      n = 4;
      break;
    }
    seg[n++] = p;
  }
  char base[400];
  bool all = scopes & GS__VTN_READ_ALL;
  if (n == 1) {
    /* Every object of a kind: the business logic's topics. */
    static const char *const colls[] = {"programs", "events", "reports",
                                        "subscriptions", "vens", "resources"};
    for (size_t i = 0; i < 6; i++) {
      if (strcmp(seg[0], colls[i]) != 0) continue;
      if (!all) {
        gs__vtn_problem(r, 403, "topics of all %s need scope read_all",
                        colls[i]);
        return;
      }
      snprintf(base, sizeof base, "%s/%s", prefix, colls[i]);
      topics_json(r, base, true);
      return;
    }
  } else if ((n == 2 || n == 3) && strcmp(seg[0], "programs") == 0 &&
             (n == 2 || strcmp(seg[2], "events") == 0)) {
    if (!all) {
      gs__vtn_problem(r, 403, "program topics need scope read_all");
      return;
    }
    if (gs__vtn_find(v, GS__VTN_PROGRAM, seg[1]) == NULL) {
      gs__vtn_problem(r, 404, "no PROGRAM with id '%.64s'", seg[1]);
      return;
    }
    snprintf(base, sizeof base, "%s/programs/%s%s", prefix, seg[1],
             n == 3 ? "/events" : "");
    topics_json(r, base, n == 3);
    return;
  } else if ((n == 2 || n == 3) && strcmp(seg[0], "vens") == 0 &&
             (n == 2 || strcmp(seg[2], "events") == 0 ||
              strcmp(seg[2], "programs") == 0 ||
              strcmp(seg[2], "resources") == 0)) {
    if (!(scopes & (GS__VTN_READ_ALL | GS__VTN_READ_VEN_OBJECTS))) {
      gs__vtn_problem(r, 403, "VEN topics need scope read_ven_objects");
      return;
    }
    const cJSON *ven = gs__vtn_find(v, GS__VTN_VEN, seg[1]);
    const cJSON *cid = cJSON_GetObjectItemCaseSensitive(ven, "clientID");
    /* A VEN learns only its own topics. */
    if (ven == NULL ||
        (!all && !(cJSON_IsString(cid) &&
                   strcmp(cid->valuestring, v->cfg->clients[client].id) == 0))) {
      gs__vtn_problem(r, 404, "no VEN with id '%.64s'", seg[1]);
      return;
    }
    snprintf(base, sizeof base, "%s/vens/%s%s%s", prefix, seg[1],
             n == 3 ? "/" : "", n == 3 ? seg[2] : "");
    topics_json(r, base, n == 3);
    return;
  }
  gs__vtn_problem(r, 404, "no such path: /notifiers/mqtt/topics%.200s", rest);
}

static void publish(gs_vtn_t *v, const char *body, const char *fmt,
                    const char *a, const char *b, const char *op) {
  char topic[512];
  if (b) snprintf(topic, sizeof topic, fmt, v->cfg->mqtt_prefix, a, b, op);
  else if (a) snprintf(topic, sizeof topic, fmt, v->cfg->mqtt_prefix, a, op);
  else snprintf(topic, sizeof topic, fmt, v->cfg->mqtt_prefix, op);
  v->hooks.publish(v->hooks.ud, topic, body);
}

static const char *id_of(const cJSON *o, const char *key) {
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(j) ? j->valuestring : NULL;
}

/* Publishes on P/vens/{id}/`sub`/OP for every VEN whose targets meet
 * `obj`'s (every VEN when `obj` has none). */
static void per_ven(gs_vtn_t *v, const cJSON *obj, const char *sub,
                    const char *op, const char *body) {
  for (const cJSON *ven = v->objs[GS__VTN_VEN]->child; ven; ven = ven->next) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(ven, "targets");
    const char *names[64];
    size_t n = 0;
    for (const cJSON *e = cJSON_IsArray(t) ? t->child : NULL; e && n < 64;
         e = e->next)
      if (cJSON_IsString(e)) names[n++] = e->valuestring;
    const char *vid = id_of(ven, "id");
    if (vid && gs__vtn_targets_match(obj, names, n))
      publish(v, body, "%s/vens/%s/%s/%s", vid, sub, op);
  }
}

void gs__vtn_mqtt_publish(gs_vtn_t *v, gs__vtn_kind_t kind, const char *op_uc,
                          const cJSON *obj, const char *body) {
  char op[8];
  size_t i = 0;
  for (; op_uc[i] && i + 1 < sizeof op; i++)
    op[i] = (char)(op_uc[i] - 'A' + 'a');
  op[i] = '\0';
  bool create = strcmp(op, "create") == 0;
  const char *id = id_of(obj, "id");
  publish(v, body, "%s/%s/%s", gs__vtn_collection[kind], NULL, op);
  switch (kind) {
    case GS__VTN_PROGRAM:
      if (!create && id) publish(v, body, "%s/programs/%s/%s", id, NULL, op);
      per_ven(v, obj, "programs", op, body);
      break;
    case GS__VTN_EVENT: {
      const char *pid = id_of(obj, "programID");
      if (pid) publish(v, body, "%s/programs/%s/events/%s", pid, NULL, op);
      per_ven(v, obj, "events", op, body);
      break;
    }
    case GS__VTN_VEN:
      if (!create && id) publish(v, body, "%s/vens/%s/%s", id, NULL, op);
      break;
    case GS__VTN_RESOURCE: {
      const char *vid = id_of(obj, "venID");
      if (vid) publish(v, body, "%s/vens/%s/resources/%s", vid, NULL, op);
      break;
    }
    default:
      break;
  }
}
