/* SPDX-License-Identifier: MIT */
/* The backend role's wire: commands it sends, telemetry and acks it reads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "real_ven.h"

/* A float as Python's json.dumps writes it (the platform's backend is
 * Python): the shortest text that reads back exactly, with ".0" on whole
 * numbers, so the commands match the contract's samples byte for byte. */
static void py_float(double x, char *buf, size_t size) {
  if (!isfinite(x)) x = 0;
  snprintf(buf, size, "%.15g", x);
  if (strtod(buf, NULL) != x) snprintf(buf, size, "%.17g", x);
  if (strpbrk(buf, ".eEn") == NULL && strlen(buf) + 2 < size)
    strcat(buf, ".0");
}

char *gs_real_cmd_event(const char *ven_id, const char *event_id,
                        double shed_kw, int64_t duration_s,
                        const char *corr_hex) {
  char kw[40];
  py_float(shed_kw, kw, sizeof kw);
  const char *fmt =
      "{\"op\":\"event\",\"correlationId\":\"evt-%s-%s\",\"venId\":\"%s\","
      "\"event_id\":\"%s\",\"shed_kw\":%s,\"duration_sec\":%lld,"
      "\"data\":{\"event_id\":\"%s\",\"requestedReductionKw\":%s,"
      "\"duration_s\":%lld}}";
  int n = snprintf(NULL, 0, fmt, event_id, corr_hex, ven_id, event_id, kw,
                   (long long)duration_s, event_id, kw, (long long)duration_s);
  char *out = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (out != NULL)
    snprintf(out, (size_t)n + 1, fmt, event_id, corr_hex, ven_id, event_id,
             kw, (long long)duration_s, event_id, kw, (long long)duration_s);
  return out;
}

char *gs_real_cmd_restore(const char *ven_id, const char *event_id,
                          const char *corr_hex) {
  const char *fmt =
      "{\"op\":\"restore\",\"correlationId\":\"restore-%s-%s\","
      "\"venId\":\"%s\",\"event_id\":\"%s\",\"data\":{\"event_id\":\"%s\"}}";
  int n = snprintf(NULL, 0, fmt, event_id, corr_hex, ven_id, event_id,
                   event_id);
  char *out = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (out != NULL)
    snprintf(out, (size_t)n + 1, fmt, event_id, corr_hex, ven_id, event_id,
             event_id);
  return out;
}

/* Parses `len` bytes as one JSON object, or fails with the reason. */
static cJSON *parse_object(const char *payload, size_t len, const char *what,
                           gs_errbuf_t *eb) {
  if (payload == NULL || len == 0) {
    gs_errbuf_set(eb, GS_EINVAL, "%s: empty payload", what);
    return NULL;
  }
  cJSON *root = cJSON_ParseWithLength(payload, len);
  if (root == NULL) {
    gs_errbuf_set(eb, GS_EINVAL, "%s: not JSON", what);
    return NULL;
  }
  if (!cJSON_IsObject(root)) {
    gs_errbuf_set(eb, GS_EINVAL, "%s: expected a JSON object", what);
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

/* An optional number: the first of `keys` present and not null. Absent:
 * *found false. Present but not a finite number: an error. */
static gs_err_t opt_num(const cJSON *o, const char *const *keys, double *out,
                        bool *found, const char *what, gs_errbuf_t *eb) {
  *found = false;
  for (; *keys; keys++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, *keys);
    if (v == NULL || cJSON_IsNull(v)) continue;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
      return gs_errbuf_set(eb, GS_EINVAL, "%s: %s: expected a number",
                           what, *keys);
    *out = v->valuedouble;
    *found = true;
    return GS_OK;
  }
  return GS_OK;
}

/* An optional string (or null) of at most GS_REAL_ID_MAX characters. */
static gs_err_t opt_str(const cJSON *o, const char *const *keys, char *out,
                        size_t size, const char *what, gs_errbuf_t *eb) {
  out[0] = '\0';
  for (; *keys; keys++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, *keys);
    if (v == NULL || cJSON_IsNull(v)) continue;
    if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
        fabs(v->valuedouble) < 1e15) { /* an event id sent as a number */
      snprintf(out, size, "%lld", (long long)v->valuedouble);
      return GS_OK;
    }
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= size)
      return gs_errbuf_set(eb, GS_EINVAL, "%s: %s: expected a string of at "
                           "most %zu characters", what, *keys, size - 1);
    snprintf(out, size, "%s", v->valuestring);
    return GS_OK;
  }
  return GS_OK;
}

static gs_err_t telemetry_fields(const cJSON *o, gs_real_telemetry_t *t,
                                 gs_errbuf_t *eb) {
  static const char *const w = "telemetry";
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "venId");
  if (!cJSON_IsString(id) || id->valuestring[0] == '\0' ||
      strlen(id->valuestring) > GS_REAL_ID_MAX)
    return gs_errbuf_set(eb, GS_EINVAL, "telemetry: venId: expected a "
                         "non-empty string of at most %d characters",
                         GS_REAL_ID_MAX);
  snprintf(t->ven_id, sizeof t->ven_id, "%s", id->valuestring);
  const cJSON *ts = cJSON_GetObjectItemCaseSensitive(o, "timestamp");
  if (!cJSON_IsNumber(ts) || !isfinite(ts->valuedouble))
    return gs_errbuf_set(eb, GS_EINVAL, "telemetry: timestamp: expected "
                         "Unix seconds (a number)");
  t->timestamp = (int64_t)ts->valuedouble;
  static const char *const kp[] = {"usedPowerKw", "power_kw", NULL};
  static const char *const ks[] = {"shedPowerKw", "shed_kw", NULL};
  static const char *const kb[] = {"baselinePowerKw", "base_power_kw", NULL};
  static const char *const ke[] = {"eventId", "active_event", NULL};
  bool found;
  gs_err_t err = opt_num(o, kp, &t->power_kw, &t->has_power, w, eb);
  if (err == GS_OK) err = opt_num(o, ks, &t->shed_kw, &found, w, eb);
  if (err == GS_OK) err = opt_num(o, kb, &t->baseline_kw, &found, w, eb);
  if (err == GS_OK && !found) t->baseline_kw = -1;
  if (err == GS_OK)
    err = opt_str(o, ke, t->event_id, sizeof t->event_id, w, eb);
  return err;
}

static gs_err_t telemetry_loads(const cJSON *o, gs_real_telemetry_t *t,
                                gs_errbuf_t *eb) {
  const cJSON *loads = cJSON_GetObjectItemCaseSensitive(o, "loads");
  if (loads == NULL || cJSON_IsNull(loads)) return GS_OK;
  if (!cJSON_IsArray(loads))
    return gs_errbuf_set(eb, GS_EINVAL, "telemetry: loads: expected an "
                         "array");
  static const char *const kc[] = {"shedCapabilityKw", NULL};
  size_t i = 0;
  const cJSON *l;
  cJSON_ArrayForEach(l, loads) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(l, "id");
    if (!cJSON_IsObject(l) || !cJSON_IsString(id))
      return gs_errbuf_set(eb, GS_EINVAL, "telemetry: loads[%zu]: expected "
                           "an object with a string \"id\"", i);
    double kw = 0;
    bool found;
    gs_err_t err = opt_num(l, kc, &kw, &found, "telemetry: loads[]", eb);
    if (err != GS_OK) return err;
    if (found && kw > 0) t->capability_kw += kw;
    i++;
  }
  t->has_capability = true;
  return GS_OK;
}

gs_err_t gs_real_parse_telemetry(const char *payload, size_t len,
                                 gs_real_telemetry_t *out, gs_errbuf_t *eb) {
  if (out == NULL) return gs_errbuf_set(eb, GS_EINVAL, "telemetry: no out");
  memset(out, 0, sizeof *out);
  cJSON *o = parse_object(payload, len, "telemetry", eb);
  if (o == NULL) return GS_EINVAL;
  gs_err_t err = telemetry_fields(o, out, eb);
  if (err == GS_OK) err = telemetry_loads(o, out, eb);
  cJSON_Delete(o);
  return err;
}

/* "evt-42-1a2b3c4d" or "restore-42-1a2b3c4d" -> "42". */
static void id_from_corr(const char *corr, char *out, size_t size) {
  const char *p = strncmp(corr, "evt-", 4) == 0       ? corr + 4
                  : strncmp(corr, "restore-", 8) == 0 ? corr + 8
                                                      : NULL;
  const char *dash = p ? strrchr(p, '-') : NULL;
  if (dash == NULL || (size_t)(dash - p) >= size) return;
  memcpy(out, p, (size_t)(dash - p));
  out[dash - p] = '\0';
}

gs_err_t gs_real_parse_ack(const char *payload, size_t len, gs_real_ack_t *out,
                           gs_errbuf_t *eb) {
  if (out == NULL) return gs_errbuf_set(eb, GS_EINVAL, "ack: no out");
  memset(out, 0, sizeof *out);
  cJSON *o = parse_object(payload, len, "ack", eb);
  if (o == NULL) return GS_EINVAL;
  static const char *const w = "ack";
  static const char *const kop[] = {"op", NULL};
  static const char *const kst[] = {"status", NULL};
  static const char *const kev[] = {"event_id", NULL};
  static const char *const kco[] = {"correlationId", NULL};
  static const char *const ksh[] = {"actual_shed_kw", NULL};
  char corr[GS_REAL_ID_MAX * 2 + 1];
  bool found;
  gs_err_t err = opt_str(o, kop, out->op, sizeof out->op, w, eb);
  if (err == GS_OK)
    err = opt_str(o, kst, out->status, sizeof out->status, w, eb);
  if (err == GS_OK && out->status[0] == '\0')
    err = gs_errbuf_set(eb, GS_EINVAL, "ack: status: expected a string");
  if (err == GS_OK)
    err = opt_str(o, kev, out->event_id, sizeof out->event_id, w, eb);
  if (err == GS_OK) err = opt_str(o, kco, corr, sizeof corr, w, eb);
  if (err == GS_OK && out->event_id[0] == '\0')
    id_from_corr(corr, out->event_id, sizeof out->event_id);
  if (err == GS_OK)
    err = opt_num(o, ksh, &out->actual_shed_kw, &found, w, eb);
  cJSON_Delete(o);
  return err;
}
