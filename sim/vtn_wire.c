/* SPDX-License-Identifier: MIT */
/* OpenADR 3.1.0 request schemas: required fields and types of what clients post. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vtn_priv.h"

/* The request schemas are tables, not code: a new version of the wire
 * (3.0.1, with targets as valuesMaps) is another set of tables and a
 * validate function beside these. Only requests are checked: responses
 * are built by the VTN itself and checked by the conformance test.
 * Field types, as the spec's schemas give them. */
typedef enum ftype {
  F_STR,      /* string, length lo..hi */
  F_ID,       /* objectID: [a-zA-Z0-9_-], 1..128 */
  F_INT,      /* integer >= lo (lo < 0: any) */
  F_NUM,
  F_BOOL,
  F_DATETIME, /* RFC 3339 */
  F_DURATION, /* ISO 8601 */
  F_OBJ,      /* object of `shape` */
  F_ARR       /* array of `item` (objects of `shape` when F_OBJ) */
} ftype_t;

typedef struct shape shape_t;
typedef struct field {
  const char *name;
  ftype_t type;
  bool required, nullable;
  ftype_t item; /* F_ARR */
  const shape_t *shape;
  const char *const *enums; /* F_STR (or string items): allowed values */
  long lo, hi;
} field_t;
struct shape {
  const field_t *f;
  size_t n;
};
#define SHAPE(arr) {arr, sizeof arr / sizeof arr[0]}

static const char *const object_types[] = {
    "PROGRAM", "EVENT", "REPORT", "SUBSCRIPTION", "VEN", "RESOURCE", NULL};
static const char *const operations[] = {"READ", "CREATE", "UPDATE", "DELETE",
                                         NULL};
static const char *const report_intervals[] = {"INTERVALS", "SUB_INTERVALS",
                                               "OPEN_INTERVALS", NULL};
static const char *const event_pd[] = {"EVENT_PAYLOAD_DESCRIPTOR", NULL};
static const char *const report_pd[] = {"REPORT_PAYLOAD_DESCRIPTOR", NULL};
static const char *const ven_req[] = {"VEN_VEN_REQUEST", "BL_VEN_REQUEST",
                                      NULL};
static const char *const res_req[] = {"VEN_RESOURCE_REQUEST",
                                      "BL_RESOURCE_REQUEST", NULL};

#define TARGETS {"targets", F_ARR, false, true, F_STR, NULL, NULL, 1, 128}

static const field_t f_period[] = {
    {"start", F_DATETIME, false, false, 0, NULL, NULL, 0, 0},
    {"duration", F_DURATION, false, false, 0, NULL, NULL, 0, 0},
    {"randomizeStart", F_DURATION, false, false, 0, NULL, NULL, 0, 0}};
static const shape_t s_period = SHAPE(f_period);
/* valuesMap.values items are any scalar or a point: only the array is
 * checked (F_ARR with item F_OBJ and no shape means "anything"). */
static const field_t f_values_map[] = {
    {"type", F_STR, true, false, 0, NULL, NULL, 1, 128},
    {"values", F_ARR, true, false, F_OBJ, NULL, NULL, 0, 0}};
static const shape_t s_values_map = SHAPE(f_values_map);
static const field_t f_interval[] = {
    {"id", F_INT, true, false, 0, NULL, NULL, -1, 0},
    {"intervalPeriod", F_OBJ, false, false, 0, &s_period, NULL, 0, 0},
    {"payloads", F_ARR, true, false, F_OBJ, &s_values_map, NULL, 0, 0}};
static const shape_t s_interval = SHAPE(f_interval);

static const field_t f_prog_desc[] = {
    {"URL", F_STR, true, false, 0, NULL, NULL, 2, 8000}};
static const shape_t s_prog_desc = SHAPE(f_prog_desc);
/* A program's payloadDescriptors may be of either kind. */
static const field_t f_any_pd[] = {
    {"objectType", F_STR, true, false, 0, NULL, NULL, 1, 128},
    {"payloadType", F_STR, true, false, 0, NULL, NULL, 1, 128}};
static const shape_t s_any_pd = SHAPE(f_any_pd);
static const field_t f_program[] = {
    {"programName", F_STR, true, false, 0, NULL, NULL, 1, 128},
    {"intervalPeriod", F_OBJ, false, false, 0, &s_period, NULL, 0, 0},
    {"programDescriptions", F_ARR, false, true, F_OBJ, &s_prog_desc, NULL, 0,
     0},
    {"payloadDescriptors", F_ARR, false, true, F_OBJ, &s_any_pd, NULL, 0, 0},
    {"attributes", F_ARR, false, true, F_OBJ, &s_values_map, NULL, 0, 0},
    TARGETS};

static const field_t f_report_desc[] = {
    {"payloadType", F_STR, true, false, 0, NULL, NULL, 1, 128},
    {"readingType", F_STR, false, true, 0, NULL, NULL, 1, 128},
    {"units", F_STR, false, true, 0, NULL, NULL, 1, 128},
    TARGETS,
    {"aggregate", F_BOOL, false, false, 0, NULL, NULL, 0, 0},
    {"startInterval", F_INT, false, false, 0, NULL, NULL, -1, 0},
    {"numIntervals", F_INT, false, false, 0, NULL, NULL, -1, 0},
    {"historical", F_BOOL, false, false, 0, NULL, NULL, 0, 0},
    {"frequency", F_INT, false, false, 0, NULL, NULL, -1, 0},
    {"repeat", F_INT, false, false, 0, NULL, NULL, -1, 0},
    {"reportIntervals", F_STR, false, false, 0, NULL, report_intervals, 0,
     0}};
static const shape_t s_report_desc = SHAPE(f_report_desc);
static const field_t f_event_pd[] = {
    {"objectType", F_STR, true, false, 0, NULL, event_pd, 0, 0},
    {"payloadType", F_STR, true, false, 0, NULL, NULL, 1, 128},
    {"units", F_STR, false, true, 0, NULL, NULL, 1, 128},
    {"currency", F_STR, false, true, 0, NULL, NULL, 0, 0}};
static const shape_t s_event_pd = SHAPE(f_event_pd);
static const field_t f_event[] = {
    {"programID", F_ID, true, false, 0, NULL, NULL, 0, 0},
    {"eventName", F_STR, false, true, 0, NULL, NULL, 0, 0},
    {"duration", F_DURATION, false, false, 0, NULL, NULL, 0, 0},
    {"priority", F_INT, false, true, 0, NULL, NULL, 0, 0},
    TARGETS,
    {"reportDescriptors", F_ARR, false, true, F_OBJ, &s_report_desc, NULL, 0,
     0},
    {"payloadDescriptors", F_ARR, false, true, F_OBJ, &s_event_pd, NULL, 0, 0},
    {"intervalPeriod", F_OBJ, false, false, 0, &s_period, NULL, 0, 0},
    {"intervals", F_ARR, false, false, F_OBJ, &s_interval, NULL, 0, 0}};

static const field_t f_report_pd[] = {
    {"objectType", F_STR, true, false, 0, NULL, report_pd, 0, 0},
    {"payloadType", F_STR, true, false, 0, NULL, NULL, 1, 128},
    {"readingType", F_STR, false, true, 0, NULL, NULL, 1, 128},
    {"units", F_STR, false, true, 0, NULL, NULL, 1, 128},
    {"accuracy", F_NUM, false, true, 0, NULL, NULL, 0, 0},
    {"confidence", F_INT, false, true, 0, NULL, NULL, 0, 0}};
static const shape_t s_report_pd = SHAPE(f_report_pd);
static const field_t f_report_res[] = {
    {"resourceName", F_STR, true, false, 0, NULL, NULL, 1, 128},
    {"intervalPeriod", F_OBJ, false, false, 0, &s_period, NULL, 0, 0},
    {"intervals", F_ARR, true, false, F_OBJ, &s_interval, NULL, 0, 0}};
static const shape_t s_report_res = SHAPE(f_report_res);
static const field_t f_report[] = {
    {"eventID", F_ID, true, false, 0, NULL, NULL, 0, 0},
    {"clientName", F_STR, true, false, 0, NULL, NULL, 1, 128},
    {"reportName", F_STR, false, true, 0, NULL, NULL, 0, 0},
    {"payloadDescriptors", F_ARR, false, true, F_OBJ, &s_report_pd, NULL, 0,
     0},
    {"resources", F_ARR, true, false, F_OBJ, &s_report_res, NULL, 0, 0}};

static const field_t f_obj_ops[] = {
    {"objects", F_ARR, true, false, F_STR, NULL, object_types, 0, 0},
    {"operations", F_ARR, true, false, F_STR, NULL, operations, 0, 0},
    {"callbackUrl", F_STR, true, false, 0, NULL, NULL, 2, 8000},
    {"bearerToken", F_STR, false, true, 0, NULL, NULL, 0, 0}};
static const shape_t s_obj_ops = SHAPE(f_obj_ops);
static const field_t f_subscription[] = {
    {"clientName", F_STR, true, false, 0, NULL, NULL, 1, 128},
    {"programID", F_ID, false, false, 0, NULL, NULL, 0, 0},
    {"objectOperations", F_ARR, true, false, F_OBJ, &s_obj_ops, NULL, 0, 0},
    TARGETS};

static const field_t f_ven[] = {
    {"objectType", F_STR, true, false, 0, NULL, ven_req, 0, 0},
    {"venName", F_STR, true, false, 0, NULL, NULL, 1, 128},
    {"attributes", F_ARR, false, true, F_OBJ, &s_values_map, NULL, 0, 0},
    {"clientID", F_STR, false, false, 0, NULL, NULL, 1, 128},
    TARGETS};
static const field_t f_resource[] = {
    {"objectType", F_STR, true, false, 0, NULL, res_req, 0, 0},
    {"resourceName", F_STR, true, false, 0, NULL, NULL, 1, 128},
    {"venID", F_ID, true, false, 0, NULL, NULL, 0, 0},
    {"attributes", F_ARR, false, true, F_OBJ, &s_values_map, NULL, 0, 0},
    {"clientID", F_STR, false, false, 0, NULL, NULL, 1, 128},
    TARGETS};

static const shape_t shapes[GS__VTN_NKINDS] = {
    SHAPE(f_program), SHAPE(f_event),      SHAPE(f_report),
    SHAPE(f_subscription), SHAPE(f_ven), SHAPE(f_resource)};

static const char *found(const cJSON *j) {
  if (cJSON_IsNull(j)) return "null";
  if (cJSON_IsBool(j)) return "a boolean";
  if (cJSON_IsNumber(j)) return "a number";
  if (cJSON_IsString(j)) return "a string";
  if (cJSON_IsArray(j)) return "an array";
  return "an object";
}

static bool bad(char *detail, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static bool bad(char *detail, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, size, fmt, ap);
  va_end(ap);
  return false;
}

static bool check_obj(const shape_t *s, const cJSON *o, const char *path,
                      char *detail, size_t size);

/* Checks one value `j` of type `t` at `path` (field `f` gives bounds). */
static bool check_value(const field_t *f, ftype_t t, const cJSON *j,
                        const char *path, char *detail, size_t size) {
  int64_t us;
  switch (t) {
    case F_STR:
    case F_ID:
    case F_DATETIME:
    case F_DURATION:
      if (!cJSON_IsString(j))
        return bad(detail, size, "%s: expected a string, found %s", path,
                   found(j));
      break;
    case F_INT:
      if (!cJSON_IsNumber(j) || j->valuedouble != (double)(long long)j->valuedouble)
        return bad(detail, size, "%s: expected an integer, found %s", path,
                   found(j));
      if (f->lo >= 0 && j->valuedouble < (double)f->lo)
        return bad(detail, size, "%s: expected an integer >= %ld, found %g",
                   path, f->lo, j->valuedouble);
      return true;
    case F_NUM:
      if (!cJSON_IsNumber(j))
        return bad(detail, size, "%s: expected a number, found %s", path,
                   found(j));
      return true;
    case F_BOOL:
      if (!cJSON_IsBool(j))
        return bad(detail, size, "%s: expected a boolean, found %s", path,
                   found(j));
      return true;
    case F_OBJ:
      if (!cJSON_IsObject(j))
        return bad(detail, size, "%s: expected an object, found %s", path,
                   found(j));
      return f->shape == NULL || check_obj(f->shape, j, path, detail, size);
    case F_ARR:
      return true; /* arrays of arrays do not occur */
  }
  const char *s = j->valuestring;
  size_t len = strlen(s);
  if (t == F_ID) {
    bool ok = len >= 1 && len <= 128;
    for (const char *p = s; ok && *p; p++)
      ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
           (*p >= '0' && *p <= '9') || *p == '_' || *p == '-';
    if (!ok)
      return bad(detail, size, "%s: expected an object id (1-128 of "
                 "[a-zA-Z0-9_-]), found \"%.40s\"", path, s);
  } else if (t == F_DATETIME && !gs__vtn_parse_datetime(s, &us)) {
    return bad(detail, size, "%s: expected an RFC 3339 date-time such as "
               "2026-07-01T12:00:00Z, found \"%.40s\"", path, s);
  } else if (t == F_DURATION && !gs__vtn_parse_duration(s, &us)) {
    return bad(detail, size, "%s: expected an ISO 8601 duration such as "
               "PT1H, found \"%.40s\"", path, s);
  } else if (f->enums) {
    bool ok = false;
    for (size_t i = 0; f->enums[i] && !ok; i++) ok = strcmp(f->enums[i], s) == 0;
    if (!ok)
      return bad(detail, size, "%s: expected one of %s%s%s..., found \"%.40s\"",
                 path, f->enums[0], f->enums[1] ? ", " : "",
                 f->enums[1] ? f->enums[1] : "", s);
  } else if (t == F_STR && f->hi > 0 &&
             (len < (size_t)f->lo || len > (size_t)f->hi)) {
    return bad(detail, size, "%s: expected a string of %ld to %ld characters, "
               "found %zu", path, f->lo, f->hi, len);
  }
  return true;
}

/* Checks every field of shape `s` in object `o` at JSON-pointer-like
 * `path`; unknown members are allowed, as the spec's schemas allow them. */
static bool check_obj(const shape_t *s, const cJSON *o, const char *path,
                      char *detail, size_t size) {
  char p[256];
  for (size_t i = 0; i < s->n; i++) {
    const field_t *f = &s->f[i];
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, f->name);
    snprintf(p, sizeof p, "%s/%s", path, f->name);
    if (j == NULL) {
      if (f->required)
        return bad(detail, size, "%s: required, missing", p);
      continue;
    }
    if (cJSON_IsNull(j)) {
      if (f->nullable) continue;
      return bad(detail, size, "%s: expected %s, found null", p,
                 f->type == F_ARR ? "an array" : "a value");
    }
    if (f->type != F_ARR) {
      if (!check_value(f, f->type, j, p, detail, size)) return false;
      continue;
    }
    if (!cJSON_IsArray(j))
      return bad(detail, size, "%s: expected an array, found %s", p, found(j));
    size_t k = 0;
    for (const cJSON *e = j->child; e; e = e->next, k++) {
      char q[280];
      snprintf(q, sizeof q, "%s/%zu", p, k);
      /* valuesMap.values: any item (a scalar or a point). */
      if (f->item == F_OBJ && f->shape == NULL) continue;
      if (!check_value(f, f->item, e, q, detail, size)) return false;
    }
  }
  return true;
}

static bool validate_310(gs__vtn_kind_t kind, const cJSON *obj, char *detail,
                         size_t size) {
  if (!cJSON_IsObject(obj))
    return bad(detail, size, "/: expected an object, found %s", found(obj));
  if (!check_obj(&shapes[kind], obj, "", detail, size)) return false;
  /* The BL forms of ven and resource also need the owning client. */
  const cJSON *ot = cJSON_GetObjectItemCaseSensitive(obj, "objectType");
  if ((kind == GS__VTN_VEN || kind == GS__VTN_RESOURCE) &&
      strncmp(ot->valuestring, "BL_", 3) == 0 &&
      !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(obj, "clientID")))
    return bad(detail, size, "/clientID: required with objectType %s, "
               "missing", ot->valuestring);
  return true;
}

const gs__vtn_wire_t gs__vtn_wire_310 = {.version = "3.1.0",
                                         .validate = validate_310};

const char *const gs_vtn_versions[] = {"3.1.0", NULL};
