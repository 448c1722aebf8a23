/* SPDX-License-Identifier: MIT */
/* OpenADR 3 wire layer: small answers (ids, auth, notifiers) and builders. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oadr_wire.h"
#include "scenario_util.h"

/* Object IDs are URL-safe ([A-Za-z0-9_-]): they go into URLs unescaped. */
static bool valid_object_id(const char *s) {
  if (s[0] == '\0' || strlen(s) >= GS_OADR_ID_MAX) return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
          (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
      return false;
  return true;
}

gs_err_t gs_oadr_parse_id(const cJSON *obj, const char *path,
                          char id[GS_OADR_ID_MAX], gs_errbuf_t *eb) {
  if (!cJSON_IsObject(obj)) return gs__oadr_bad(eb, path, obj, "an object");
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "id");
  char p[256];
  gs_oadr_fmt(p, sizeof p, "%s.id", path);
  if (!cJSON_IsString(v) || !valid_object_id(v->valuestring))
    return gs__oadr_bad(eb, p, v, "an objectID ([A-Za-z0-9_-], 1 to 128 characters)");
  snprintf(id, GS_OADR_ID_MAX, "%s", v->valuestring);
  return GS_OK;
}

gs_err_t gs_oadr_parse_ids(const cJSON *arr, const char *path,
                           const char *name_key, const char *want,
                           char (**ids)[GS_OADR_ID_MAX], size_t *n,
                           gs_errbuf_t *eb) {
  *ids = NULL;
  *n = 0;
  if (!cJSON_IsArray(arr)) return gs__oadr_bad(eb, path, arr, "an array of objects");
  size_t cap = (size_t)cJSON_GetArraySize(arr);
  *ids = calloc(cap ? cap : 1, sizeof **ids);
  if (*ids == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  size_t i = 0;
  const cJSON *o;
  cJSON_ArrayForEach(o, arr) {
    char p[256];
    gs_oadr_fmt(p, sizeof p, "%s[%zu]", path, i++);
    gs_err_t err = gs_oadr_parse_id(o, p, (*ids)[*n], eb);
    if (err != GS_OK) {
      free(*ids);
      *ids = NULL;
      *n = 0;
      return err;
    }
    if (name_key && want) {
      const cJSON *nm = cJSON_GetObjectItemCaseSensitive(o, name_key);
      if (!cJSON_IsString(nm) || strcmp(nm->valuestring, want) != 0)
        continue;
    }
    (*n)++;
  }
  return GS_OK;
}

gs_err_t gs_oadr_parse_auth_server(const cJSON *obj, char *url, size_t size,
                                   gs_errbuf_t *eb) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "tokenURL");
  if (!cJSON_IsObject(obj) || !cJSON_IsString(v) ||
      strlen(v->valuestring) < 2 || strlen(v->valuestring) >= size ||
      strpbrk(v->valuestring, " \r\n") != NULL)
    return gs__oadr_bad(eb, "authServerInfo.tokenURL", v, "a URL");
  snprintf(url, size, "%s", v->valuestring);
  return GS_OK;
}

gs_err_t gs_oadr_parse_token(const cJSON *obj, char *token, size_t size,
                             int64_t *expires_in_s, gs_errbuf_t *eb) {
  if (!cJSON_IsObject(obj))
    return gs__oadr_bad(eb, "clientCredentialResponse", obj, "an object");
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "access_token");
  if (!cJSON_IsString(t) || t->valuestring[0] == '\0' ||
      strlen(t->valuestring) >= size ||
      strpbrk(t->valuestring, " \r\n\"") != NULL)
    return gs__oadr_bad(eb, "clientCredentialResponse.access_token", t,
               "a token string without spaces");
  const cJSON *ty = cJSON_GetObjectItemCaseSensitive(obj, "token_type");
  /* RFC 6749: the type is case-insensitive. */
  if (!cJSON_IsString(ty) || (strcmp(ty->valuestring, "Bearer") != 0 &&
                              strcmp(ty->valuestring, "bearer") != 0))
    return gs__oadr_bad(eb, "clientCredentialResponse.token_type", ty, "\"Bearer\"");
  const cJSON *ex = cJSON_GetObjectItemCaseSensitive(obj, "expires_in");
  *expires_in_s = -1;
  if (ex != NULL && !cJSON_IsNull(ex)) {
    if (!cJSON_IsNumber(ex) || ex->valuedouble < 0 ||
        ex->valuedouble > 1e9 || ex->valuedouble != floor(ex->valuedouble))
      return gs__oadr_bad(eb, "clientCredentialResponse.expires_in", ex,
                 "a whole number of seconds >= 0");
    *expires_in_s = (int64_t)ex->valuedouble;
  }
  snprintf(token, size, "%s", t->valuestring);
  return GS_OK;
}

gs_err_t gs_oadr_parse_notifiers(const cJSON *obj, bool *webhook, bool *mqtt,
                                 gs_errbuf_t *eb) {
  if (!cJSON_IsObject(obj)) return gs__oadr_bad(eb, "notifiersResponse", obj, "an object");
  const cJSON *w = cJSON_GetObjectItemCaseSensitive(obj, "WEBHOOK");
  if (!cJSON_IsBool(w))
    return gs__oadr_bad(eb, "notifiersResponse.WEBHOOK", w, "true or false");
  *webhook = cJSON_IsTrue(w);
  const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "MQTT");
  *mqtt = cJSON_IsObject(m);
  return GS_OK;
}

gs_err_t gs_oadr_parse_notification(const cJSON *obj, char *object_type,
                                    size_t ot_size, char *operation,
                                    size_t op_size, const cJSON **object,
                                    gs_errbuf_t *eb) {
  if (!cJSON_IsObject(obj)) return gs__oadr_bad(eb, "notification", obj, "an object");
  const cJSON *ot = cJSON_GetObjectItemCaseSensitive(obj, "objectType");
  static const char *const types[] = {"PROGRAM", "EVENT", "REPORT",
                                      "SUBSCRIPTION", "VEN", "RESOURCE", NULL};
  bool ok = cJSON_IsString(ot);
  for (size_t i = 0; ok && types[i]; i++)
    if (strcmp(ot->valuestring, types[i]) == 0) break;
    else if (types[i + 1] == NULL) ok = false;
  if (!ok)
    return gs__oadr_bad(eb, "notification.objectType", ot,
               "PROGRAM, EVENT, REPORT, SUBSCRIPTION, VEN or RESOURCE");
  const cJSON *op = cJSON_GetObjectItemCaseSensitive(obj, "operation");
  if (!cJSON_IsString(op) || (strcmp(op->valuestring, "CREATE") != 0 &&
                              strcmp(op->valuestring, "READ") != 0 &&
                              strcmp(op->valuestring, "UPDATE") != 0 &&
                              strcmp(op->valuestring, "DELETE") != 0))
    return gs__oadr_bad(eb, "notification.operation", op,
               "CREATE, READ, UPDATE or DELETE");
  const cJSON *o = cJSON_GetObjectItemCaseSensitive(obj, "object");
  if (!cJSON_IsObject(o)) return gs__oadr_bad(eb, "notification.object", o, "an object");
  snprintf(object_type, ot_size, "%s", ot->valuestring);
  snprintf(operation, op_size, "%s", op->valuestring);
  *object = o;
  return GS_OK;
}

/* ---- builders ---------------------------------------------------------- */

static char *print_free(cJSON *root, bool ok) {
  char *text = ok && root ? cJSON_PrintUnformatted(root) : NULL;
  cJSON_Delete(root);
  return text;
}

char *gs_oadr_build_ven_request(gs_oadr_version_t v, const char *ven_name) {
  (void)v; /* 3.0.1 would leave objectType out */
  cJSON *r = cJSON_CreateObject();
  bool ok = r && cJSON_AddStringToObject(r, "objectType", "VEN_VEN_REQUEST") &&
            cJSON_AddStringToObject(r, "venName", ven_name);
  return print_free(r, ok);
}

char *gs_oadr_build_subscription(gs_oadr_version_t v, const char *client_name,
                                 const char *program_id,
                                 const char *callback_url,
                                 const char *bearer) {
  (void)v;
  cJSON *r = cJSON_CreateObject();
  cJSON *ops = r ? cJSON_AddArrayToObject(r, "objectOperations") : NULL;
  cJSON *op = cJSON_CreateObject();
  bool ok = ops && op && cJSON_AddItemToArray(ops, op) &&
            cJSON_AddStringToObject(r, "clientName", client_name);
  if (!ok) cJSON_Delete(op);
  if (ok && program_id)
    ok = cJSON_AddStringToObject(r, "programID", program_id) != NULL;
  cJSON *objs = ok ? cJSON_AddArrayToObject(op, "objects") : NULL;
  cJSON *opers = ok ? cJSON_AddArrayToObject(op, "operations") : NULL;
  ok = objs && opers &&
       cJSON_AddItemToArray(objs, cJSON_CreateString("EVENT")) &&
       cJSON_AddItemToArray(opers, cJSON_CreateString("CREATE")) &&
       cJSON_AddItemToArray(opers, cJSON_CreateString("UPDATE")) &&
       cJSON_AddItemToArray(opers, cJSON_CreateString("DELETE")) &&
       cJSON_AddStringToObject(op, "callbackUrl", callback_url);
  if (ok && bearer) ok = cJSON_AddStringToObject(op, "bearerToken", bearer);
  return print_free(r, ok);
}

char *gs_oadr_build_report(gs_oadr_version_t v, const char *program_id,
                           const char *event_id, const char *client_name,
                           const char *report_name, const char *resource_name,
                           const gs_oadr_report_type_t *types, size_t n_types,
                           const gs_oadr_report_row_t *rows, size_t n_rows) {
  (void)v;
  (void)program_id; /* 3.1.0 reports name the event only */
  cJSON *r = cJSON_CreateObject();
  bool ok = r && cJSON_AddStringToObject(r, "eventID", event_id) &&
            cJSON_AddStringToObject(r, "clientName", client_name) &&
            cJSON_AddStringToObject(r, "reportName", report_name);
  cJSON *pds = ok ? cJSON_AddArrayToObject(r, "payloadDescriptors") : NULL;
  for (size_t i = 0; pds && ok && i < n_types; i++) {
    cJSON *d = cJSON_CreateObject();
    ok = d && cJSON_AddItemToArray(pds, d) &&
         cJSON_AddStringToObject(d, "objectType",
                                 "REPORT_PAYLOAD_DESCRIPTOR") &&
         cJSON_AddStringToObject(d, "payloadType", types[i].payload_type) &&
         cJSON_AddStringToObject(d, "readingType", types[i].reading_type) &&
         cJSON_AddStringToObject(d, "units", types[i].units);
  }
  cJSON *res = ok && pds ? cJSON_AddArrayToObject(r, "resources") : NULL;
  cJSON *one = cJSON_CreateObject();
  ok = res && one && cJSON_AddItemToArray(res, one) &&
       cJSON_AddStringToObject(one, "resourceName", resource_name);
  if (!ok && one && !res) cJSON_Delete(one);
  cJSON *ivs = ok ? cJSON_AddArrayToObject(one, "intervals") : NULL;
  for (size_t k = 0; ivs && ok && k < n_rows; k++) {
    char start[48], dur[48];
    gs_oadr_format_datetime(rows[k].start_unix_us, start, sizeof start);
    gs_oadr_format_duration(rows[k].duration_us, dur, sizeof dur);
    cJSON *iv = cJSON_CreateObject();
    cJSON *per = cJSON_CreateObject();
    ok = iv && per && cJSON_AddItemToArray(ivs, iv) &&
         cJSON_AddNumberToObject(iv, "id", rows[k].id) &&
         cJSON_AddItemToObject(iv, "intervalPeriod", per) &&
         cJSON_AddStringToObject(per, "start", start) &&
         cJSON_AddStringToObject(per, "duration", dur);
    cJSON *pls = ok ? cJSON_AddArrayToObject(iv, "payloads") : NULL;
    for (size_t i = 0; pls && ok && i < n_types; i++) {
      cJSON *pl = cJSON_CreateObject();
      cJSON *vals = cJSON_CreateArray();
      /* Values rounded to 0.1 W / 0.1 Wh: what a meter resolves. */
      double x = round(rows[k].values[i] * 1e4) / 1e4;
      ok = pl && vals && cJSON_AddItemToArray(pls, pl) &&
           cJSON_AddStringToObject(pl, "type", types[i].payload_type) &&
           cJSON_AddItemToObject(pl, "values", vals) &&
           cJSON_AddItemToArray(vals, cJSON_CreateNumber(x));
    }
    ok = ok && pls;
  }
  return print_free(r, ok && ivs);
}
