/* SPDX-License-Identifier: MIT */
/* Builds and parses the reference VEN's MQTT payloads (shared contract). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ven_wire.h"

/* gridsim load type -> the reference VEN's circuit type and name. */
static const struct {
  const char *model, *type, *name;
} load_names[] = {
    {"hvac", "hvac", "HVAC"},
    {"water_heater", "heater", "Water Heater"},
    {"ev", "ev", "EV Charger"},
    {"dryer", "dryer", "Dryer"},
    {"range", "range", "Electric Range"},
    {"lighting", "lights", "Lighting Circuits"},
    {"outlets", "outlets", "General Outlets"},
    {"fridge", "fridge", "Refrigerator"},
    {"battery", "battery", "Battery"},
    {"pv", "pv", "Solar PV"},
    {"pool_pump", "pool_pump", "Pool Pump"},
};

void gs_wire_load_names(const char *model_type, const char **type,
                        const char **name) {
  for (size_t i = 0; i < sizeof load_names / sizeof load_names[0]; i++)
    if (strcmp(load_names[i].model, model_type) == 0) {
      *type = load_names[i].type;
      *name = load_names[i].name;
      return;
    }
  *type = model_type;
  *name = model_type;
}

/* The reference VEN rounds kW and amps to 2 decimals, percent to 1. */
static double r2(double x) { return round(x * 100) / 100; }
static double r1(double x) { return round(x * 10) / 10; }

static char *print_and_free(cJSON *o) {
  char *text = o ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  return text;
}

static void add_string_or_null(cJSON *o, const char *key, const char *s) {
  if (s)
    cJSON_AddStringToObject(o, key, s);
  else
    cJSON_AddNullToObject(o, key);
}

static cJSON *loads_array(const gs_wire_ven_t *v) {
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; arr && i < v->n_loads; i++) {
    const gs_wire_load_t *l = &v->loads[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(arr, o);
    cJSON_AddStringToObject(o, "id", l->id);
    cJSON_AddStringToObject(o, "name", l->name);
    cJSON_AddStringToObject(o, "type", l->type);
    cJSON_AddNumberToObject(o, "capacityKw", r2(l->capacity_kw));
    cJSON_AddNumberToObject(o, "currentPowerKw", r2(l->current_kw));
    cJSON_AddNumberToObject(o, "shedCapabilityKw",
                            l->critical ? 0.0 : r2(l->shed_capability_kw));
    cJSON_AddBoolToObject(o, "enabled", l->enabled);
    /* Contract: priority 1 for critical circuits, 5 otherwise. */
    cJSON_AddNumberToObject(o, "priority", l->critical ? 1 : 5);
  }
  return arr;
}

static double panel_max_kw(const gs_wire_ven_t *v) {
  return (double)v->panel_amps * v->panel_voltage / 1000.0;
}

char *gs_wire_telemetry(const gs_wire_ven_t *v) {
  cJSON *o = cJSON_CreateObject();
  if (o == NULL) return NULL;
  double max_kw = panel_max_kw(v);
  double used = r2(v->used_kw), shed = r2(v->shed_kw);
  double base = r2(v->baseline_kw);
  cJSON_AddStringToObject(o, "venId", v->ven_id);
  cJSON_AddNumberToObject(o, "timestamp", (double)v->ts);
  cJSON_AddNumberToObject(o, "usedPowerKw", used);
  cJSON_AddNumberToObject(o, "shedPowerKw", shed);
  cJSON_AddNumberToObject(o, "requestedReductionKw", r2(v->requested_kw));
  add_string_or_null(o, "eventId", v->event_id);
  cJSON_AddNumberToObject(o, "baselinePowerKw", base);
  cJSON_AddNumberToObject(o, "message_num", (double)v->message_num);
  cJSON_AddNumberToObject(o, "panelAmperageRating", v->panel_amps);
  cJSON_AddNumberToObject(o, "panelVoltage", v->panel_voltage);
  cJSON_AddNumberToObject(o, "panelMaxKw", r2(max_kw));
  cJSON_AddNumberToObject(o, "currentAmps",
                          r2(v->used_kw * 1000.0 / v->panel_voltage));
  cJSON_AddNumberToObject(o, "panelUtilizationPercent",
                          r1(max_kw > 0 ? 100.0 * v->used_kw / max_kw : 0));
  if (v->battery_soc_pct >= 0)
    cJSON_AddNumberToObject(o, "batterySoc", r1(v->battery_soc_pct));
  cJSON_AddItemToObject(o, "loads", loads_array(v));
  /* Legacy duplicates the reference VEN still sends. */
  cJSON_AddNumberToObject(o, "power_kw", used);
  cJSON_AddNumberToObject(o, "shed_kw", shed);
  cJSON_AddNumberToObject(o, "base_power_kw", base);
  cJSON_AddNumberToObject(o, "ts", (double)v->ts);
  add_string_or_null(o, "active_event", v->event_id);
  return print_and_free(o);
}

char *gs_wire_loads_snapshot(const gs_wire_ven_t *v) {
  cJSON *o = cJSON_CreateObject();
  if (o == NULL) return NULL;
  cJSON_AddStringToObject(o, "schemaVersion", "1.0");
  cJSON_AddStringToObject(o, "venId", v->ven_id);
  cJSON_AddNumberToObject(o, "timestamp", (double)v->ts);
  cJSON_AddItemToObject(o, "loads", loads_array(v));
  return print_and_free(o);
}

char *gs_wire_shadow_update(const gs_wire_ven_t *v) {
  cJSON *o = cJSON_CreateObject();
  if (o == NULL) return NULL;
  cJSON *rep = cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "state"),
                                       "reported");
  cJSON_AddNumberToObject(rep, "power_kw", r2(v->used_kw));
  cJSON_AddNumberToObject(rep, "shed_kw", r2(v->shed_kw));
  cJSON_AddNumberToObject(rep, "panel_amperage", v->panel_amps);
  cJSON_AddNumberToObject(rep, "panel_voltage", v->panel_voltage);
  cJSON_AddNumberToObject(rep, "panel_max_kw", r2(panel_max_kw(v)));
  cJSON *arr = cJSON_AddArrayToObject(rep, "loads");
  for (size_t i = 0; i < v->n_loads; i++) {
    const gs_wire_load_t *l = &v->loads[i];
    cJSON *lo = cJSON_CreateObject();
    cJSON_AddItemToArray(arr, lo);
    cJSON_AddStringToObject(lo, "id", l->id);
    cJSON_AddStringToObject(lo, "name", l->name);
    cJSON_AddBoolToObject(lo, "enabled", l->enabled);
    cJSON_AddBoolToObject(lo, "available", true);
    cJSON_AddNumberToObject(lo, "current_kw", r2(l->current_kw));
    cJSON_AddNumberToObject(lo, "breaker_amps", l->breaker_amps);
    cJSON_AddNumberToObject(lo, "current_amps",
                            r2(l->current_kw * 1000.0 / v->panel_voltage));
    cJSON_AddBoolToObject(lo, "critical", l->critical);
  }
  if (v->event_id) {
    cJSON *ev = cJSON_AddObjectToObject(rep, "active_event");
    cJSON_AddStringToObject(ev, "event_id", v->event_id);
    cJSON_AddNumberToObject(ev, "shed_kw", r2(v->shed_kw));
    cJSON_AddNumberToObject(ev, "end_ts", (double)v->event_end_ts);
  } else {
    cJSON_AddNullToObject(rep, "active_event");
  }
  cJSON_AddNumberToObject(rep, "timestamp", (double)v->ts);
  return print_and_free(o);
}

char *gs_wire_ack_event(const char *status, const char *event_id,
                        double requested_kw, double actual_kw,
                        const gs_wire_curtailed_t *c, size_t n, int64_t ts,
                        const char *correlation_id) {
  cJSON *o = cJSON_CreateObject();
  if (o == NULL) return NULL;
  cJSON_AddStringToObject(o, "op", "event");
  cJSON_AddStringToObject(o, "status", status);
  cJSON_AddStringToObject(o, "event_id", event_id);
  cJSON_AddNumberToObject(o, "requested_shed_kw", r2(requested_kw));
  cJSON_AddNumberToObject(o, "actual_shed_kw", r2(actual_kw));
  cJSON *arr = cJSON_AddArrayToObject(o, "circuits_curtailed");
  for (size_t i = 0; i < n; i++) {
    cJSON *ci = cJSON_CreateObject();
    cJSON_AddItemToArray(arr, ci);
    cJSON_AddStringToObject(ci, "id", c[i].id);
    cJSON_AddStringToObject(ci, "name", c[i].name);
    cJSON_AddNumberToObject(ci, "breaker_amps", c[i].breaker_amps);
    cJSON_AddNumberToObject(ci, "original_kw", r2(c[i].original_kw));
    cJSON_AddNumberToObject(ci, "curtailed_kw", r2(c[i].curtailed_kw));
    cJSON_AddNumberToObject(ci, "final_kw", r2(c[i].final_kw));
    cJSON_AddBoolToObject(ci, "critical", c[i].critical);
  }
  cJSON_AddNumberToObject(o, "ts", (double)ts);
  cJSON_AddStringToObject(o, "correlationId", correlation_id);
  return print_and_free(o);
}

char *gs_wire_ack_simple(const char *op, const char *status, int64_t ts,
                         const char *correlation_id, const char *data_json) {
  cJSON *o = cJSON_CreateObject();
  if (o == NULL) return NULL;
  cJSON_AddStringToObject(o, "op", op);
  cJSON_AddStringToObject(o, "status", status);
  if (strcmp(op, "ping") == 0) cJSON_AddTrueToObject(o, "pong");
  if (data_json) {
    cJSON *d = cJSON_Parse(data_json);
    if (d) cJSON_AddItemToObject(o, "data", d);
  }
  cJSON_AddNumberToObject(o, "ts", (double)ts);
  cJSON_AddStringToObject(o, "correlationId", correlation_id);
  return print_and_free(o);
}

char *gs_wire_ack_error(const char *op, const char *message, int64_t ts,
                        const char *correlation_id) {
  cJSON *o = cJSON_CreateObject();
  if (o == NULL) return NULL;
  add_string_or_null(o, "op", op);
  cJSON_AddStringToObject(o, "status", "error");
  cJSON_AddStringToObject(o, "message", message);
  cJSON_AddNumberToObject(o, "ts", (double)ts);
  if (correlation_id && correlation_id[0])
    cJSON_AddStringToObject(o, "correlationId", correlation_id);
  return print_and_free(o);
}

/* ---- command parsing ---------------------------------------------- */

static const cJSON *get(const cJSON *o, const char *key) {
  return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

/* Copies a string field, or the text of a number (event ids are sent
 * both ways by different backends). False if present but of another type
 * or too long. */
static bool copy_id(const cJSON *v, char *dst, size_t size) {
  if (v == NULL) return true;
  if (cJSON_IsString(v)) {
    if (strlen(v->valuestring) >= size) return false;
    strcpy(dst, v->valuestring);
    return true;
  }
  if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
    snprintf(dst, size, "%.15g", v->valuedouble);
    return true;
  }
  return false;
}

/* First of the candidates that is present; it must be a finite number. */
static gs_err_t number_of(const cJSON *const *cand, size_t n, const char *what,
                          double def, double *out, gs_errbuf_t *eb) {
  for (size_t i = 0; i < n; i++) {
    if (cand[i] == NULL || cJSON_IsNull(cand[i])) continue;
    if (!cJSON_IsNumber(cand[i]) || !isfinite(cand[i]->valuedouble))
      return gs_errbuf_set(eb, GS_EINVAL, "%s must be a number", what);
    *out = cand[i]->valuedouble;
    return GS_OK;
  }
  *out = def;
  return GS_OK;
}

/* RFC 3629 well-formedness, so a non-UTF-8 payload is refused before
 * cJSON copies it into strings we would echo back. */
static bool valid_utf8(const unsigned char *s, size_t len) {
  static const uint32_t min_cp[] = {0, 0x80, 0x800, 0x10000};
  for (size_t i = 0; i < len;) {
    unsigned char c = s[i];
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (len - i <= n) return false; /* truncated sequence */
    for (size_t k = 1; k <= n; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (s[i + k] & 0x3F);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are invalid. */
    if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

static const struct {
  const char *name;
  gs_wire_op_t op;
} ops[] = {{"event", GS_WIRE_EVENT},       {"shedPanel", GS_WIRE_EVENT},
           {"restore", GS_WIRE_RESTORE},   {"ping", GS_WIRE_PING},
           {"shedLoad", GS_WIRE_SHED_LOAD}, {"setLoad", GS_WIRE_SET_LOAD},
           {"get", GS_WIRE_GET}};

static gs_err_t parse_fields(const cJSON *root, gs_wire_cmd_t *out,
                             gs_errbuf_t *eb) {
  const cJSON *data = get(root, "data");
  if (data && !cJSON_IsObject(data) && !cJSON_IsNull(data))
    return gs_errbuf_set(eb, GS_EINVAL, "data must be an object");
  if (!copy_id(get(root, "event_id"), out->event_id, sizeof out->event_id) ||
      (!out->event_id[0] &&
       !copy_id(get(data, "event_id"), out->event_id, sizeof out->event_id)))
    return gs_errbuf_set(eb, GS_EINVAL, "event_id must be a short string");
  gs_err_t err;
  switch (out->op) {
  case GS_WIRE_EVENT: {
    const cJSON *shed[] = {get(root, "shed_kw"),
                           get(data, "requestedReductionKw"),
                           get(root, "requestedReductionKw")};
    const cJSON *dur[] = {get(root, "duration_sec"), get(data, "duration_s"),
                          get(root, "duration_s")};
    if ((err = number_of(shed, 3, "shed_kw", 0, &out->shed_kw, eb)) ||
        (err = number_of(dur, 3, "duration_sec", 3600, &out->duration_s, eb)))
      return err;
    if (out->shed_kw < 0 || out->shed_kw > 1e6)
      return gs_errbuf_set(eb, GS_EINVAL, "shed_kw must be in [0, 1e6]");
    if (out->duration_s <= 0 || out->duration_s > 366 * 86400.0)
      return gs_errbuf_set(eb, GS_EINVAL,
                           "duration must be in (0, 366 days] seconds");
    return GS_OK;
  }
  case GS_WIRE_SHED_LOAD:
  case GS_WIRE_SET_LOAD: {
    if (!cJSON_IsObject(data))
      return gs_errbuf_set(eb, GS_EINVAL, "%s needs a data object",
                           out->op_text);
    const cJSON *id = get(data, "loadId");
    if (!cJSON_IsString(id) || !id->valuestring[0] ||
        !copy_id(id, out->load_id, sizeof out->load_id))
      return gs_errbuf_set(eb, GS_EINVAL, "data.loadId must be a string");
    if (out->op == GS_WIRE_SHED_LOAD) {
      const cJSON *r[] = {get(data, "reduceKw")}, *d[] = {get(data,
                                                              "durationS")};
      if ((err = number_of(r, 1, "data.reduceKw", 0, &out->reduce_kw, eb)) ||
          (err = number_of(d, 1, "data.durationS", 3600, &out->duration_s,
                           eb)))
        return err;
      if (out->reduce_kw < 0 || out->duration_s <= 0)
        return gs_errbuf_set(eb, GS_EINVAL,
                             "data.reduceKw >= 0 and data.durationS > 0");
      return GS_OK;
    }
    const cJSON *en = get(data, "enabled");
    if (en && !cJSON_IsBool(en))
      return gs_errbuf_set(eb, GS_EINVAL, "data.enabled must be a boolean");
    out->enabled = en ? cJSON_IsTrue(en) : -1;
    const cJSON *cap[] = {get(data, "capacityKw")};
    if ((err = number_of(cap, 1, "data.capacityKw", -1, &out->capacity_kw,
                         eb)))
      return err;
    const cJSON *pr = get(data, "priority");
    if (pr && (!cJSON_IsNumber(pr) || pr->valuedouble < 0 ||
               pr->valuedouble > 100))
      return gs_errbuf_set(eb, GS_EINVAL, "data.priority must be 0..100");
    out->priority = pr ? (int)pr->valuedouble : -1;
    return GS_OK;
  }
  default:
    return GS_OK;
  }
}

gs_err_t gs_wire_parse_command(const char *payload, size_t len,
                               gs_wire_cmd_t *out, gs_errbuf_t *eb) {
  memset(out, 0, sizeof *out);
  out->enabled = -1;
  out->capacity_kw = -1;
  out->priority = -1;
  if (payload == NULL || len == 0)
    return gs_errbuf_set(eb, GS_EINVAL, "empty payload");
  if (!valid_utf8((const unsigned char *)payload, len))
    return gs_errbuf_set(eb, GS_EINVAL, "payload is not UTF-8");
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(payload, len, &end, false);
  /* Only white space may follow the document. */
  while (root && end < payload + len &&
         (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r' ||
          *end == '\0'))
    end++;
  if (root == NULL || end != payload + len) {
    cJSON_Delete(root);
    return gs_errbuf_set(eb, GS_EINVAL, "payload is not JSON");
  }
  gs_err_t err = GS_OK;
  if (!cJSON_IsObject(root)) {
    err = gs_errbuf_set(eb, GS_EINVAL, "payload is not a JSON object");
    goto done;
  }
  const cJSON *corr = get(root, "correlationId");
  if (cJSON_IsString(corr) &&
      strlen(corr->valuestring) < sizeof out->correlation_id)
    strcpy(out->correlation_id, corr->valuestring);
  const cJSON *op = get(root, "op");
  if (!cJSON_IsString(op)) {
    err = gs_errbuf_set(eb, GS_EINVAL, "op must be a string");
    goto done;
  }
  snprintf(out->op_text, sizeof out->op_text, "%s", op->valuestring);
  size_t i;
  for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (strcmp(op->valuestring, ops[i].name) == 0) break;
  if (i == sizeof ops / sizeof ops[0]) {
    err = gs_errbuf_set(eb, GS_EINVAL, "unknown op");
    goto done;
  }
  out->op = ops[i].op;
  err = parse_fields(root, out, eb);
done:
  cJSON_Delete(root);
  return err;
}
