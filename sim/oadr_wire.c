/* SPDX-License-Identifier: MIT */
/* OpenADR 3 wire layer: parses the VTN's objects into checked structs. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oadr_wire.h"
#include "scenario_util.h"

static const char *const version_names[GS_OADR_V_COUNT] = {
    [GS_OADR_V3_1_0] = "3.1.0"};

gs_err_t gs_oadr_version_parse(const char *text, gs_oadr_version_t *out,
                               gs_errbuf_t *eb) {
  for (int v = 0; v < GS_OADR_V_COUNT; v++)
    if (text && strcmp(text, version_names[v]) == 0) {
      *out = (gs_oadr_version_t)v;
      return GS_OK;
    }
  return gs_errbuf_set(eb, GS_EUNSUPPORTED,
                       "OpenADR version: expected \"3.1.0\", found \"%s\"",
                       text ? text : "");
}

const char *gs_oadr_version_name(gs_oadr_version_t v) {
  return v < GS_OADR_V_COUNT ? version_names[v] : "?";
}

void gs_oadr_fmt(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, size, fmt, ap);
  va_end(ap);
}

void gs_oadr_event_free(gs_oadr_event_t *ev) {
  if (ev == NULL) return;
  free(ev->intervals);
  free(ev->reports);
  free(ev->targets);
  memset(ev, 0, sizeof *ev);
}

gs_err_t gs__oadr_bad(gs_errbuf_t *eb, const char *path, const cJSON *v,
                      const char *what) {
  char found[96];
  if (v == NULL) snprintf(found, sizeof found, "nothing");
  else gs__render(v, found, sizeof found);
  return gs_errbuf_set(eb, GS_EINVAL, "%s: expected %s, found %s", path,
                       what, found);
}

/* A string member of at most `size` - 1 characters; absent is an error
 * only when `required`. NULL members count as absent (the spec's
 * "nullable"). */
static gs_err_t get_str(const cJSON *obj, const char *key, const char *path,
                        bool required, char *out, size_t size,
                        gs_errbuf_t *eb) {
  char p[256];
  gs_oadr_fmt(p, sizeof p, "%s.%s", path, key);
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (v == NULL || cJSON_IsNull(v)) {
    out[0] = '\0';
    return required ? gs__oadr_bad(eb, p, NULL, "a string") : GS_OK;
  }
  if (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
      strlen(v->valuestring) >= size) {
    char what[64];
    snprintf(what, sizeof what, "a string of 1 to %zu characters", size - 1);
    return gs__oadr_bad(eb, p, v, what);
  }
  memcpy(out, v->valuestring, strlen(v->valuestring) + 1);
  return GS_OK;
}

/* An integer member within [lo, hi], `def` when absent or null. */
static gs_err_t get_int(const cJSON *obj, const char *key, const char *path,
                        int32_t lo, int32_t hi, int32_t def, int32_t *out,
                        gs_errbuf_t *eb) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  *out = def;
  if (v == NULL || cJSON_IsNull(v)) return GS_OK;
  if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
      v->valuedouble < lo || v->valuedouble > hi) {
    char p[256], what[80];
    gs_oadr_fmt(p, sizeof p, "%s.%s", path, key);
    snprintf(what, sizeof what, "an integer from %d to %d", (int)lo, (int)hi);
    return gs__oadr_bad(eb, p, v, what);
  }
  *out = (int32_t)v->valuedouble;
  return GS_OK;
}

static gs_err_t get_bool(const cJSON *obj, const char *key, const char *path,
                         bool def, bool *out, gs_errbuf_t *eb) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  *out = def;
  if (v == NULL || cJSON_IsNull(v)) return GS_OK;
  if (!cJSON_IsBool(v)) {
    char p[256];
    gs_oadr_fmt(p, sizeof p, "%s.%s", path, key);
    return gs__oadr_bad(eb, p, v, "true or false");
  }
  *out = cJSON_IsTrue(v);
  return GS_OK;
}

static gs_err_t parse_period(const cJSON *v, const char *path,
                             gs_oadr_period_t *out, gs_errbuf_t *eb) {
  memset(out, 0, sizeof *out);
  if (v == NULL || cJSON_IsNull(v)) return GS_OK;
  if (!cJSON_IsObject(v))
    return gs__oadr_bad(eb, path, v, "an intervalPeriod object");
  char s[64];
  char p[256];
  gs_err_t err;
  if ((err = get_str(v, "start", path, false, s, sizeof s, eb)) != GS_OK)
    return err;
  if (s[0]) {
    gs_oadr_fmt(p, sizeof p, "%s.start", path);
    if (!gs_oadr_parse_datetime(s, &out->start_unix_us))
      return gs__oadr_bad(eb, p, cJSON_GetObjectItemCaseSensitive(v, "start"),
                 "an RFC 3339 date-time such as \"2026-07-15T14:00:00Z\"");
    out->has_start = true;
  }
  static const char *const dkeys[2] = {"duration", "randomizeStart"};
  for (int i = 0; i < 2; i++) {
    if ((err = get_str(v, dkeys[i], path, false, s, sizeof s, eb)) != GS_OK)
      return err;
    if (!s[0]) continue;
    int64_t us;
    gs_oadr_fmt(p, sizeof p, "%s.%s", path, dkeys[i]);
    if (!gs_oadr_parse_duration(s, &us) || us < 0)
      return gs__oadr_bad(eb, p, cJSON_GetObjectItemCaseSensitive(v, dkeys[i]),
                 "a non-negative ISO 8601 duration such as \"PT1H\"");
    if (i == 0) {
      out->duration_us = us;
      out->has_duration = true;
    } else {
      out->randomize_us = us == GS_OADR_FOREVER_US ? 0 : us;
      out->has_randomize = true;
    }
  }
  return GS_OK;
}

/* Scale of a payload's values to gridsim's units (kW, $/kWh) from its
 * descriptor's units; 0 for units we cannot convert. */
static double unit_scale(const char *units, bool price) {
  if (units[0] == '\0') return 1; /* the spec's defaults: KW, per KWH */
  static const struct { const char *u; double power, price; } t[] = {
      {"KW", 1, 0},     {"W", 1e-3, 0},    {"MW", 1e3, 0},
      {"KWH", 0, 1},    {"WH", 0, 1e3},    {"MWH", 0, 1e-3},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (strcmp(units, t[i].u) == 0) return price ? t[i].price : t[i].power;
  return 0;
}

/* Scales of the payload types from event.payloadDescriptors. */
typedef struct scales {
  double price, power[4]; /* IMPORT, EXPORT, SETPOINT, SETPOINT_RELATIVE */
} scales_t;

static gs_err_t parse_descriptors(const cJSON *arr, const char *path,
                                  scales_t *sc, gs_errbuf_t *eb) {
  *sc = (scales_t){1, {1, 1, 1, 1}};
  if (arr == NULL || cJSON_IsNull(arr)) return GS_OK;
  char p[256];
  gs_oadr_fmt(p, sizeof p, "%s.payloadDescriptors", path);
  if (!cJSON_IsArray(arr)) return gs__oadr_bad(eb, p, arr, "an array");
  static const char *const power[4] = {
      "IMPORT_CAPACITY_LIMIT", "EXPORT_CAPACITY_LIMIT", "DISPATCH_SETPOINT",
      "DISPATCH_SETPOINT_RELATIVE"};
  int i = 0;
  const cJSON *d;
  cJSON_ArrayForEach(d, arr) {
    char pi[256], type[GS_OADR_TYPE_MAX], units[GS_OADR_TYPE_MAX];
    gs_oadr_fmt(pi, sizeof pi, "%s[%d]", p, i++);
    if (!cJSON_IsObject(d)) return gs__oadr_bad(eb, pi, d, "an eventPayloadDescriptor");
    gs_err_t err = get_str(d, "payloadType", pi, true, type, sizeof type, eb);
    if (err == GS_OK)
      err = get_str(d, "units", pi, false, units, sizeof units, eb);
    if (err != GS_OK) return err;
    bool is_price = strcmp(type, "PRICE") == 0;
    int k = -1;
    for (int j = 0; j < 4; j++)
      if (strcmp(type, power[j]) == 0) k = j;
    if (!is_price && k < 0) continue;
    double s = unit_scale(units, is_price);
    if (s == 0) {
      char pu[300];
      gs_oadr_fmt(pu, sizeof pu, "%s.units", pi);
      return gs__oadr_bad(eb, pu, cJSON_GetObjectItemCaseSensitive(d, "units"),
                 is_price ? "KWH, WH or MWH" : "KW, W or MW");
    }
    if (is_price) sc->price = s;
    else sc->power[k] = s;
  }
  return GS_OK;
}

/* values[0] of a valuesMap as a finite number (an integer in [0, 3] for
 * SIMPLE). */
static gs_err_t first_value(const cJSON *pl, const char *path, bool simple,
                            double *out, gs_errbuf_t *eb) {
  const cJSON *vals = cJSON_GetObjectItemCaseSensitive(pl, "values");
  char p[256];
  gs_oadr_fmt(p, sizeof p, "%s.values", path);
  if (!cJSON_IsArray(vals) || cJSON_GetArraySize(vals) < 1)
    return gs__oadr_bad(eb, p, vals, "an array of one number");
  const cJSON *x = cJSON_GetArrayItem(vals, 0);
  gs_oadr_fmt(p, sizeof p, "%s.values[0]", path);
  if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble) ||
      fabs(x->valuedouble) > 1e12)
    return gs__oadr_bad(eb, p, x, "a number");
  if (simple && (x->valuedouble != floor(x->valuedouble) ||
                 x->valuedouble < 0 || x->valuedouble > 3))
    return gs__oadr_bad(eb, p, x, "a SIMPLE level: 0, 1, 2 or 3");
  *out = x->valuedouble;
  return GS_OK;
}

static gs_err_t parse_interval(const cJSON *iv, const char *path,
                               const scales_t *sc, gs_oadr_interval_t *out,
                               gs_errbuf_t *eb) {
  memset(out, 0, sizeof *out);
  if (!cJSON_IsObject(iv)) return gs__oadr_bad(eb, path, iv, "an interval object");
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(iv, "id");
  char p[256];
  gs_oadr_fmt(p, sizeof p, "%s.id", path);
  if (!cJSON_IsNumber(id) || id->valuedouble != floor(id->valuedouble) ||
      fabs(id->valuedouble) > 2147483647.0)
    return gs__oadr_bad(eb, p, id, "an int32 interval id");
  out->id = (int32_t)id->valuedouble;
  gs_oadr_fmt(p, sizeof p, "%s.intervalPeriod", path);
  gs_err_t err = parse_period(
      cJSON_GetObjectItemCaseSensitive(iv, "intervalPeriod"), p, &out->period,
      eb);
  if (err != GS_OK) return err;
  const cJSON *pls = cJSON_GetObjectItemCaseSensitive(iv, "payloads");
  gs_oadr_fmt(p, sizeof p, "%s.payloads", path);
  if (!cJSON_IsArray(pls)) return gs__oadr_bad(eb, p, pls, "an array of valuesMaps");
  int i = 0;
  const cJSON *pl;
  cJSON_ArrayForEach(pl, pls) {
    char pi[256], type[GS_OADR_TYPE_MAX];
    gs_oadr_fmt(pi, sizeof pi, "%s[%d]", p, i++);
    if (!cJSON_IsObject(pl)) return gs__oadr_bad(eb, pi, pl, "a valuesMap object");
    if ((err = get_str(pl, "type", pi, true, type, sizeof type, eb)) != GS_OK)
      return err;
    double x;
    if (strcmp(type, "SIMPLE") == 0) {
      if ((err = first_value(pl, pi, true, &x, eb)) != GS_OK) return err;
      out->simple_level = (int)x;
      out->has |= GS_OADR_P_SIMPLE;
    } else if (strcmp(type, "PRICE") == 0) {
      if ((err = first_value(pl, pi, false, &x, eb)) != GS_OK) return err;
      out->price = x * sc->price;
      out->has |= GS_OADR_P_PRICE;
    } else if (strcmp(type, "IMPORT_CAPACITY_LIMIT") == 0 ||
               strcmp(type, "EXPORT_CAPACITY_LIMIT") == 0 ||
               strcmp(type, "DISPATCH_SETPOINT") == 0 ||
               strcmp(type, "DISPATCH_SETPOINT_RELATIVE") == 0) {
      if ((err = first_value(pl, pi, false, &x, eb)) != GS_OK) return err;
      if (type[0] == 'I') {
        out->import_kw = x * sc->power[0];
        out->has |= GS_OADR_P_IMPORT_LIMIT;
      } else if (type[0] == 'E') {
        out->export_kw = x * sc->power[1];
        out->has |= GS_OADR_P_EXPORT_LIMIT;
      } else if (strcmp(type, "DISPATCH_SETPOINT") == 0) {
        out->setpoint_kw = x * sc->power[2];
        out->has |= GS_OADR_P_SETPOINT;
      } else {
        out->relative_kw = x * sc->power[3];
        out->has |= GS_OADR_P_SETPOINT_REL;
      }
    } else {
      out->n_unknown++; /* other types are allowed, and not acted on */
    }
  }
  return GS_OK;
}

static gs_err_t parse_report_desc(const cJSON *d, const char *path,
                                  gs_oadr_report_desc_t *out,
                                  gs_errbuf_t *eb) {
  memset(out, 0, sizeof *out);
  if (!cJSON_IsObject(d)) return gs__oadr_bad(eb, path, d, "a reportDescriptor");
  gs_err_t err;
  if ((err = get_str(d, "payloadType", path, true, out->payload_type,
                     sizeof out->payload_type, eb)) != GS_OK ||
      (err = get_str(d, "readingType", path, false, out->reading_type,
                     sizeof out->reading_type, eb)) != GS_OK ||
      (err = get_str(d, "units", path, false, out->units, sizeof out->units,
                     eb)) != GS_OK ||
      (err = get_int(d, "startInterval", path, -1, 1000000, -1,
                     &out->start_interval, eb)) != GS_OK ||
      (err = get_int(d, "numIntervals", path, -1, 1000000, -1,
                     &out->num_intervals, eb)) != GS_OK ||
      (err = get_int(d, "frequency", path, -1, 1000000, -1, &out->frequency,
                     eb)) != GS_OK ||
      (err = get_int(d, "repeat", path, -1, 1000000, 1, &out->repeat, eb)) !=
          GS_OK ||
      (err = get_bool(d, "historical", path, true, &out->historical, eb)) !=
          GS_OK ||
      (err = get_bool(d, "aggregate", path, false, &out->aggregate, eb)) !=
          GS_OK)
    return err;
  if (out->num_intervals == 0) {
    char p[256];
    gs_oadr_fmt(p, sizeof p, "%s.numIntervals", path);
    return gs__oadr_bad(eb, p, cJSON_GetObjectItemCaseSensitive(d, "numIntervals"),
               "-1 (all) or a positive number of intervals");
  }
  return GS_OK;
}

/* 3.1.0 targets: an array of strings (3.0.1: valuesMaps). */
static gs_err_t parse_targets(gs_oadr_version_t v, const cJSON *arr,
                              const char *path, gs_oadr_event_t *out,
                              gs_errbuf_t *eb) {
  (void)v;
  if (arr == NULL || cJSON_IsNull(arr)) return GS_OK;
  char p[256];
  gs_oadr_fmt(p, sizeof p, "%s.targets", path);
  if (!cJSON_IsArray(arr)) return gs__oadr_bad(eb, p, arr, "an array of strings");
  size_t n = (size_t)cJSON_GetArraySize(arr);
  out->targets = calloc(n ? n : 1, sizeof *out->targets);
  if (out->targets == NULL) return GS_ENOMEM;
  const cJSON *t;
  cJSON_ArrayForEach(t, arr) {
    char pi[280];
    gs_oadr_fmt(pi, sizeof pi, "%s[%zu]", p, out->n_targets);
    if (!cJSON_IsString(t) || t->valuestring[0] == '\0' ||
        strlen(t->valuestring) >= GS_OADR_ID_MAX)
      return gs__oadr_bad(eb, pi, t, "a target string of 1 to 128 characters");
    snprintf(out->targets[out->n_targets++], GS_OADR_ID_MAX, "%s",
             t->valuestring);
  }
  return GS_OK;
}

gs_err_t gs_oadr_parse_event(gs_oadr_version_t v, const cJSON *obj,
                             const char *path, gs_oadr_event_t *out,
                             gs_errbuf_t *eb) {
  memset(out, 0, sizeof *out);
  out->duration_us = -1;
  if (!cJSON_IsObject(obj)) return gs__oadr_bad(eb, path, obj, "an event object");
  char dur[64], p[256];
  gs_err_t err;
  if ((err = get_str(obj, "id", path, true, out->id, sizeof out->id, eb)) ||
      (err = get_str(obj, "programID", path, true, out->program_id,
                     sizeof out->program_id, eb)) ||
      (err = get_str(obj, "eventName", path, false, out->event_name,
                     sizeof out->event_name, eb)) ||
      (err = get_str(obj, "modificationDateTime", path, false, out->modified,
                     sizeof out->modified, eb)) ||
      (err = get_str(obj, "duration", path, false, dur, sizeof dur, eb)) ||
      (err = get_int(obj, "priority", path, 0, INT32_MAX, -1, &out->priority,
                     eb)))
    goto fail;
  if (dur[0]) {
    gs_oadr_fmt(p, sizeof p, "%s.duration", path);
    if (!gs_oadr_parse_duration(dur, &out->duration_us) ||
        out->duration_us < 0) {
      err = gs__oadr_bad(eb, p, cJSON_GetObjectItemCaseSensitive(obj, "duration"),
                "a non-negative ISO 8601 duration");
      goto fail;
    }
  }
  gs_oadr_fmt(p, sizeof p, "%s.intervalPeriod", path);
  if ((err = parse_period(
           cJSON_GetObjectItemCaseSensitive(obj, "intervalPeriod"), p,
           &out->period, eb)) != GS_OK)
    goto fail;
  scales_t sc;
  if ((err = parse_descriptors(
           cJSON_GetObjectItemCaseSensitive(obj, "payloadDescriptors"), path,
           &sc, eb)) != GS_OK)
    goto fail;
  out->price_scale = sc.price;
  const cJSON *ivs = cJSON_GetObjectItemCaseSensitive(obj, "intervals");
  gs_oadr_fmt(p, sizeof p, "%s.intervals", path);
  if (ivs != NULL && !cJSON_IsNull(ivs)) {
    if (!cJSON_IsArray(ivs)) {
      err = gs__oadr_bad(eb, p, ivs, "an array of intervals");
      goto fail;
    }
    size_t n = (size_t)cJSON_GetArraySize(ivs);
    out->intervals = calloc(n ? n : 1, sizeof *out->intervals);
    if (out->intervals == NULL) goto nomem;
    const cJSON *iv;
    cJSON_ArrayForEach(iv, ivs) {
      char pi[280];
      gs_oadr_fmt(pi, sizeof pi, "%s[%zu]", p, out->n_intervals);
      if ((err = parse_interval(iv, pi, &sc,
                                &out->intervals[out->n_intervals], eb)))
        goto fail;
      out->n_intervals++;
    }
  }
  const cJSON *rds = cJSON_GetObjectItemCaseSensitive(obj, "reportDescriptors");
  gs_oadr_fmt(p, sizeof p, "%s.reportDescriptors", path);
  if (rds != NULL && !cJSON_IsNull(rds)) {
    if (!cJSON_IsArray(rds)) {
      err = gs__oadr_bad(eb, p, rds, "an array of reportDescriptors");
      goto fail;
    }
    size_t n = (size_t)cJSON_GetArraySize(rds);
    out->reports = calloc(n ? n : 1, sizeof *out->reports);
    if (out->reports == NULL) goto nomem;
    const cJSON *d;
    cJSON_ArrayForEach(d, rds) {
      char pi[280];
      gs_oadr_fmt(pi, sizeof pi, "%s[%zu]", p, out->n_reports);
      if ((err = parse_report_desc(d, pi, &out->reports[out->n_reports], eb)))
        goto fail;
      out->n_reports++;
    }
  }
  err = parse_targets(v, cJSON_GetObjectItemCaseSensitive(obj, "targets"),
                      path, out, eb);
  if (err == GS_ENOMEM) goto nomem;
  if (err != GS_OK) goto fail;
  return GS_OK;
nomem:
  err = gs_errbuf_set(eb, GS_ENOMEM, "%s: out of memory", path);
fail:
  gs_oadr_event_free(out);
  return err;
}
