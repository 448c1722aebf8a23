/* SPDX-License-Identifier: MIT */
/* The VTN's object store: ids, metadata, times, targets and notifications. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtn_priv.h"

const char *const gs__vtn_object_type[GS__VTN_NKINDS] = {
    "PROGRAM", "EVENT", "REPORT", "SUBSCRIPTION", "VEN", "RESOURCE"};
const char *const gs__vtn_collection[GS__VTN_NKINDS] = {
    "programs", "events", "reports", "subscriptions", "vens", "resources"};
/* Id prefixes: URL safe, per the objectID pattern. */
static const char *const id_prefix[GS__VTN_NKINDS] = {
    "program", "event", "report", "subscription", "ven", "resource"};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), so no timegm() (not POSIX) is needed. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

void gs__vtn_datetime(int64_t unix_us, char *buf, size_t size) {
  int64_t s = unix_us >= 0 ? unix_us / 1000000 : -((-unix_us + 999999) / 1000000);
  int64_t ms = (unix_us - s * 1000000) / 1000;
  int64_t z = (s >= 0 ? s : s - 86399) / 86400, sod = s - z * 86400;
  /* civil_from_days */
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  snprintf(buf, size, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d,
           (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60), (int)ms);
}

/* Reads exactly `n` digits at *p. */
static bool digits(const char **p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    char ch = (*p)[i];
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + (ch - '0');
  }
  *p += n;
  *out = v;
  return true;
}

bool gs__vtn_parse_datetime(const char *s, int64_t *unix_us) {
  int y, mo, d, h, mi, se;
  const char *p = s;
  if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
      *p++ != '-' || !digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
    return false;
  p++;
  if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) ||
      *p++ != ':' || !digits(&p, 2, &se))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
    return false;
  int64_t frac_us = 0;
  if (*p == '.') {
    p++;
    int n = 0;
    int64_t scale = 100000;
    while (*p >= '0' && *p <= '9') {
      frac_us += (*p++ - '0') * scale;
      scale /= 10;
      n++;
    }
    if (n == 0) return false;
  }
  int64_t off_s = 0;
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    int sign = *p++ == '-' ? -1 : 1, oh, om;
    if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 ||
        om > 59)
      return false;
    off_s = sign * (oh * 3600 + om * 60);
  } else {
    return false;
  }
  if (*p != '\0') return false;
  int64_t secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
                 h * 3600 + mi * 60 + se - off_s;
  *unix_us = secs * 1000000 + frac_us;
  return true;
}

void gs__vtn_duration(int64_t us, char *buf, size_t size) {
  const char *sign = us < 0 ? "-" : "";
  if (us < 0) us = -us;
  if (us % 1000000 == 0)
    snprintf(buf, size, "%sPT%" PRId64 "S", sign, us / 1000000);
  else
    snprintf(buf, size, "%sPT%" PRId64 ".%06" PRId64 "S", sign, us / 1000000,
             us % 1000000);
}

bool gs__vtn_parse_duration(const char *s, int64_t *us) {
  const char *p = s;
  int sign = 1;
  if (*p == '-') {
    sign = -1;
    p++;
  }
  if (*p++ != 'P' || *p == '\0') return false;
  bool in_time = false, any = false;
  double total_s = 0;
  while (*p) {
    if (*p == 'T') {
      if (in_time || p[1] == '\0') return false;
      in_time = true;
      p++;
      continue;
    }
    char *end;
    if (*p < '0' || *p > '9') return false;
    double x = strtod(p, &end);
    if (end == p) return false;
    double unit;
    switch (*end) {
      case 'Y': unit = in_time ? -1 : 365 * 86400.0; break;
      case 'M': unit = in_time ? 60 : 30 * 86400.0; break;
      case 'W': unit = in_time ? -1 : 7 * 86400.0; break;
      case 'D': unit = in_time ? -1 : 86400; break;
      case 'H': unit = in_time ? 3600 : -1; break;
      case 'S': unit = in_time ? 1 : -1; break;
      default: return false;
    }
    if (unit < 0) return false;
    total_s += x * unit;
    any = true;
    p = end + 1;
  }
  if (!any || total_s > 9.2e12) return false;
  *us = sign * (int64_t)(total_s * 1e6 + 0.5);
  return true;
}

/* Linear: stores hold thousands of objects at most (reports are bounded
 * by max_reports), and a lookup costs less than printing the answer. */
cJSON *gs__vtn_find(const gs_vtn_t *v, gs__vtn_kind_t kind, const char *id) {
  for (cJSON *o = v->objs[kind]->child; o; o = o->next) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, "id");
    if (cJSON_IsString(j) && strcmp(j->valuestring, id) == 0) return o;
  }
  return NULL;
}

/* Sets (replacing) string member `key` of `o`; false when out of memory. */
static bool set_str(cJSON *o, const char *key, const char *val) {
  cJSON *s = cJSON_CreateString(val);
  if (s == NULL) return false;
  if (cJSON_GetObjectItemCaseSensitive(o, key))
    return cJSON_ReplaceItemInObjectCaseSensitive(o, key, s);
  return cJSON_AddItemToObject(o, key, s);
}

static const char *const meta_keys[] = {"id", "createdDateTime",
                                         "modificationDateTime", "objectType"};

cJSON *gs__vtn_insert(gs_vtn_t *v, gs__vtn_kind_t kind, cJSON *req,
                      int64_t now_unix_us) {
  char id[64], when[40];
  snprintf(id, sizeof id, "%s-%" PRIu64, id_prefix[kind], v->next_id[kind]);
  gs__vtn_datetime(now_unix_us, when, sizeof when);
  /* What the client sent under these names is the VTN's to set. */
  for (size_t i = 0; i < 4; i++) cJSON_DeleteItemFromObject(req, meta_keys[i]);
  if (!set_str(req, "id", id) || !set_str(req, "createdDateTime", when) ||
      !set_str(req, "modificationDateTime", when) ||
      !set_str(req, "objectType", gs__vtn_object_type[kind])) {
    cJSON_Delete(req);
    return NULL;
  }
  v->next_id[kind]++;
  cJSON_AddItemToArray(v->objs[kind], req);
  v->n_objs[kind]++;
  /* Reports are kept up to a bound (all of them reach the trace). */
  if (kind == GS__VTN_REPORT && v->n_objs[kind] > v->cfg->max_reports)
    cJSON_Delete(gs__vtn_unlink(v, kind, v->objs[kind]->child));
  return req;
}

cJSON *gs__vtn_replace(gs_vtn_t *v, gs__vtn_kind_t kind, cJSON *old,
                       cJSON *req, int64_t now_unix_us) {
  char when[40];
  gs__vtn_datetime(now_unix_us, when, sizeof when);
  for (size_t i = 0; i < 4; i++) cJSON_DeleteItemFromObject(req, meta_keys[i]);
  /* The new object takes the old one's place and identity. */
  for (size_t i = 0; i < 4; i++) {
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(old, meta_keys[i]);
    const char *val = i == 2 ? when : m->valuestring;
    if (!set_str(req, meta_keys[i], val)) {
      cJSON_Delete(req);
      return NULL;
    }
  }
  cJSON_ReplaceItemViaPointer(v->objs[kind], old, req);
  return req;
}

cJSON *gs__vtn_unlink(gs_vtn_t *v, gs__vtn_kind_t kind, cJSON *obj) {
  v->n_objs[kind]--;
  return cJSON_DetachItemViaPointer(v->objs[kind], obj);
}

bool gs__vtn_targets_match(const cJSON *obj, const char *const *targets,
                           size_t n) {
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "targets");
  if (!cJSON_IsArray(t) || t->child == NULL) return true;
  for (const cJSON *e = t->child; e; e = e->next) {
    if (!cJSON_IsString(e)) continue;
    for (size_t i = 0; i < n; i++)
      if (strcmp(e->valuestring, targets[i]) == 0) return true;
  }
  return false;
}

/* Whether string array `arr` holds `s`. */
static bool has_str(const cJSON *arr, const char *s) {
  for (const cJSON *e = arr ? arr->child : NULL; e; e = e->next)
    if (cJSON_IsString(e) && strcmp(e->valuestring, s) == 0) return true;
  return false;
}

/* Whether the targets of a subscription `sub` and of object `obj` meet:
 * a subscription without targets hears everything, an object without
 * targets is heard by every subscription. */
static bool sub_targets_meet(const cJSON *sub, const cJSON *obj) {
  const cJSON *st = cJSON_GetObjectItemCaseSensitive(sub, "targets");
  if (!cJSON_IsArray(st) || st->child == NULL) return true;
  const cJSON *ot = cJSON_GetObjectItemCaseSensitive(obj, "targets");
  if (!cJSON_IsArray(ot) || ot->child == NULL) return true;
  for (const cJSON *e = st->child; e; e = e->next)
    if (cJSON_IsString(e) && has_str(ot, e->valuestring)) return true;
  return false;
}

char *gs__vtn_notification(gs__vtn_kind_t kind, const char *op,
                           const cJSON *obj) {
  /* The notification schema: objectType, operation, object and the
   * object's targets. */
  cJSON *n = cJSON_CreateObject();
  cJSON_AddStringToObject(n, "objectType", gs__vtn_object_type[kind]);
  cJSON_AddStringToObject(n, "operation", op);
  cJSON_AddItemToObject(n, "object", cJSON_Duplicate(obj, true));
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "targets");
  if (cJSON_IsArray(t))
    cJSON_AddItemToObject(n, "targets", cJSON_Duplicate(t, true));
  char *body = n ? cJSON_PrintUnformatted(n) : NULL;
  cJSON_Delete(n);
  return body;
}

void gs__vtn_notify(gs_vtn_t *v, gs__vtn_kind_t kind, const char *op,
                    const cJSON *obj) {
  bool hooks = v->hooks.notify && v->objs[GS__VTN_SUBSCRIPTION]->child;
  bool mqtt = v->hooks.publish && v->cfg->mqtt_url;
  if (!hooks && !mqtt) return;
  char *body = gs__vtn_notification(kind, op, obj);
  if (body == NULL) return; /* out of memory: nothing sent */
  if (mqtt) gs__vtn_mqtt_publish(v, kind, op, obj, body);
  const cJSON *pid = cJSON_GetObjectItemCaseSensitive(obj, "programID");
  if (kind == GS__VTN_PROGRAM) pid = cJSON_GetObjectItemCaseSensitive(obj, "id");
  for (const cJSON *s = hooks ? v->objs[GS__VTN_SUBSCRIPTION]->child : NULL; s;
       s = s->next) {
    const cJSON *spid = cJSON_GetObjectItemCaseSensitive(s, "programID");
    if (cJSON_IsString(spid) &&
        !(cJSON_IsString(pid) && strcmp(pid->valuestring, spid->valuestring) == 0))
      continue;
    if (!sub_targets_meet(s, obj)) continue;
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(s, "objectOperations");
    for (const cJSON *oo = ops ? ops->child : NULL; oo; oo = oo->next) {
      if (!has_str(cJSON_GetObjectItemCaseSensitive(oo, "objects"),
                   gs__vtn_object_type[kind]) ||
          !has_str(cJSON_GetObjectItemCaseSensitive(oo, "operations"), op))
        continue;
      const cJSON *url = cJSON_GetObjectItemCaseSensitive(oo, "callbackUrl");
      const cJSON *tok = cJSON_GetObjectItemCaseSensitive(oo, "bearerToken");
      if (cJSON_IsString(url))
        v->hooks.notify(v->hooks.ud, url->valuestring,
                        cJSON_IsString(tok) ? tok->valuestring : NULL, body);
    }
  }
  free(body);
}

void gs_vtn_counts(const gs_vtn_t *v, gs_vtn_counts_t *out) {
  *out = (gs_vtn_counts_t){.vens = v->n_objs[GS__VTN_VEN],
                           .resources = v->n_objs[GS__VTN_RESOURCE],
                           .subscriptions = v->n_objs[GS__VTN_SUBSCRIPTION],
                           .reports = v->n_objs[GS__VTN_REPORT],
                           .events = v->n_objs[GS__VTN_EVENT],
                           .tokens = (uint32_t)v->n_tokens};
}

void gs__vtn_enrolled(gs_vtn_t *v, int64_t now_unix_us) {
  if (v->hooks.enrolled == NULL) return;
  gs_vtn_counts_t c;
  gs_vtn_counts(v, &c);
  v->hooks.enrolled(v->hooks.ud, &c, now_unix_us);
}
