/* SPDX-License-Identifier: MIT */
/* Maps the scenario's DR program and events onto OpenADR 3 objects. */
#include <stdio.h>
#include <string.h>

#include "program.h"
#include "vtn_priv.h"
#include "vtn_scn.h"

cJSON *gs_vtn_scn_program(const gs_scenario_t *s, int64_t start_unix_us) {
  char when[40], dur[40];
  gs__vtn_datetime(start_unix_us, when, sizeof when);
  gs__vtn_duration(s->duration_us, dur, sizeof dur);
  cJSON *p = cJSON_CreateObject();
  cJSON_AddStringToObject(p, "programName", s->name);
  cJSON *ip = cJSON_AddObjectToObject(p, "intervalPeriod");
  cJSON_AddStringToObject(ip, "start", when);
  cJSON_AddStringToObject(ip, "duration", dur);
  /* What the VENs will be asked to do and report. */
  cJSON *pd = cJSON_AddArrayToObject(p, "payloadDescriptors");
  static const char *const rep[] = {"USAGE", "DEMAND", "BASELINE",
                                    "LOAD_SHED_DELTA_AVAILABLE"};
  for (size_t i = 0; i < 4; i++) {
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "objectType", "REPORT_PAYLOAD_DESCRIPTOR");
    cJSON_AddStringToObject(d, "payloadType", rep[i]);
    cJSON_AddStringToObject(d, "units", i == 0 ? "KWH" : "KW");
    cJSON_AddItemToArray(pd, d);
  }
  /* A cJSON allocation failure leaves a member out: check the last. */
  if (cJSON_GetArraySize(pd) != 4) {
    cJSON_Delete(p);
    return NULL;
  }
  return p;
}

bool gs_vtn_scn_needs_world(const gs_scenario_t *s) {
  for (size_t k = 0; k < s->n_events; k++) {
    gs_target_kind_t t = s->events[k].target;
    if (t == GS_TARGET_FRACTION || t == GS_TARGET_FEEDER ||
        t == GS_TARGET_TRANSFORMER)
      return true;
  }
  return false;
}

/* The targets array (NULL for the whole fleet) and how many scenario VENs
 * it stands for. */
static cJSON *targets(const gs_scenario_t *s, size_t k, const gs_world_t *w,
                      uint64_t *n_vens) {
  const gs_dr_event_cfg_t *ev = &s->events[k];
  cJSON *t = NULL;
  switch (ev->target) {
    case GS_TARGET_ALL:
      *n_vens = s->n_vens;
      return NULL;
    case GS_TARGET_GROUP:
      *n_vens = 0;
      for (size_t g = 0; g < s->n_groups; g++)
        if (strcmp(s->groups[g].name, ev->group) == 0)
          *n_vens = s->groups[g].count;
      t = cJSON_CreateArray();
      cJSON_AddItemToArray(t, cJSON_CreateString(ev->group));
      return t;
    case GS_TARGET_LIST:
      *n_vens = ev->n_vens;
      return cJSON_CreateStringArray((const char *const *)ev->vens,
                                     (int)ev->n_vens);
    default: {
      char id[96];
      t = cJSON_CreateArray();
      *n_vens = 0;
      for (uint64_t i = 0; t && w && i < w->n_vens; i++) {
        if (!gs_program_targeted(w, ev, k, i)) continue;
        gs_world_ven_id(w, i, id, sizeof id);
        cJSON_AddItemToArray(t, cJSON_CreateString(id));
        (*n_vens)++;
      }
      return t;
    }
  }
}

static void add_descriptor(cJSON *arr, const char *type, const char *units,
                           const char *currency) {
  cJSON *d = cJSON_CreateObject();
  cJSON_AddStringToObject(d, "objectType", "EVENT_PAYLOAD_DESCRIPTOR");
  cJSON_AddStringToObject(d, "payloadType", type);
  cJSON_AddStringToObject(d, "units", units);
  if (currency) cJSON_AddStringToObject(d, "currency", currency);
  cJSON_AddItemToArray(arr, d);
}

/* One interval: id, optional period, one payload of one number. */
static cJSON *interval(int id, const char *start, const char *dur,
                       const char *type, double value) {
  cJSON *iv = cJSON_CreateObject();
  cJSON_AddNumberToObject(iv, "id", id);
  if (start) {
    cJSON *ip = cJSON_AddObjectToObject(iv, "intervalPeriod");
    cJSON_AddStringToObject(ip, "start", start);
    cJSON_AddStringToObject(ip, "duration", dur);
  }
  cJSON *pl = cJSON_AddArrayToObject(iv, "payloads");
  cJSON *vm = cJSON_CreateObject();
  cJSON_AddStringToObject(vm, "type", type);
  cJSON *vals = cJSON_AddArrayToObject(vm, "values");
  cJSON_AddItemToArray(vals, cJSON_CreateNumber(value));
  cJSON_AddItemToArray(pl, vm);
  return iv;
}

static void report_descriptors(cJSON *ev) {
  static const struct {
    const char *type, *reading, *units;
  } rd[] = {{"USAGE", "DIRECT_READ", "KWH"},
            {"DEMAND", "MEAN", "KW"},
            {"BASELINE", "ESTIMATED", "KW"},
            {"LOAD_SHED_DELTA_AVAILABLE", "ESTIMATED", "KW"}};
  cJSON *arr = cJSON_AddArrayToObject(ev, "reportDescriptors");
  for (size_t i = 0; i < sizeof rd / sizeof rd[0]; i++) {
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "payloadType", rd[i].type);
    cJSON_AddStringToObject(d, "readingType", rd[i].reading);
    cJSON_AddStringToObject(d, "units", rd[i].units);
    /* One report per interval at its end, covering that interval. */
    cJSON_AddBoolToObject(d, "aggregate", 0);
    cJSON_AddNumberToObject(d, "startInterval", -1);
    cJSON_AddNumberToObject(d, "numIntervals", -1);
    cJSON_AddBoolToObject(d, "historical", 1);
    cJSON_AddNumberToObject(d, "frequency", -1);
    cJSON_AddNumberToObject(d, "repeat", 1);
    cJSON_AddItemToArray(arr, d);
  }
}

cJSON *gs_vtn_scn_event(const gs_scenario_t *s, size_t k,
                        const char *program_id, int64_t start_unix_us,
                        const gs_world_t *w) {
  const gs_dr_event_cfg_t *ev = &s->events[k];
  char when[40], dur[40];
  int64_t t0 = start_unix_us + ev->start_us;
  gs__vtn_datetime(t0, when, sizeof when);
  gs__vtn_duration(ev->duration_us, dur, sizeof dur);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "programID", program_id);
  cJSON_AddStringToObject(o, "eventName", ev->id);
  cJSON_AddNumberToObject(o, "priority", 0);
  uint64_t n_vens = 0;
  cJSON *t = targets(s, k, w, &n_vens);
  if (t) cJSON_AddItemToObject(o, "targets", t);
  cJSON *ip = cJSON_AddObjectToObject(o, "intervalPeriod");
  cJSON_AddStringToObject(ip, "start", when);
  cJSON_AddStringToObject(ip, "duration", dur);
  cJSON *pd = cJSON_AddArrayToObject(o, "payloadDescriptors");
  cJSON *ivs = cJSON_AddArrayToObject(o, "intervals");
  const gs_signal_cfg_t *sig = &ev->signal;
  switch (sig->kind) {
    case GS_SIGNAL_NONE: {
      /* The platform's kW request, split equally over the VENs targeted:
       * each is asked to shed its share. The enumeration defines the value
       * as the change of consumption, so a shed is negative. */
      double share_kw = n_vens ? -ev->requested_kw / (double)n_vens : 0;
      add_descriptor(pd, "DISPATCH_SETPOINT_RELATIVE", "KW", NULL);
      cJSON_AddItemToArray(ivs, interval(0, NULL, NULL,
                                         "DISPATCH_SETPOINT_RELATIVE",
                                         share_kw));
      break;
    }
    case GS_SIGNAL_SIMPLE:
      cJSON_AddItemToArray(ivs, interval(0, NULL, NULL, "SIMPLE", sig->level));
      break;
    case GS_SIGNAL_PRICE:
      add_descriptor(pd, "PRICE", "KWH", "USD");
      for (size_t i = 0; i < sig->n_prices; i++) {
        const gs_price_interval_t *p = &sig->prices[i];
        char ps[40], pdur[40];
        gs__vtn_datetime(t0 + p->start_us, ps, sizeof ps);
        gs__vtn_duration(p->duration_us, pdur, sizeof pdur);
        cJSON_AddItemToArray(ivs, interval((int)i, ps, pdur, "PRICE",
                                           (double)p->price_micro / 1e6));
      }
      break;
    case GS_SIGNAL_IMPORT_LIMIT:
    case GS_SIGNAL_EXPORT_LIMIT: {
      const char *type = sig->kind == GS_SIGNAL_IMPORT_LIMIT
                             ? "IMPORT_CAPACITY_LIMIT"
                             : "EXPORT_CAPACITY_LIMIT";
      add_descriptor(pd, type, "KW", NULL);
      cJSON_AddItemToArray(ivs, interval(0, NULL, NULL, type,
                                         (double)sig->limit_mw / 1e6));
      break;
    }
  }
  if (cJSON_GetArraySize(pd) == 0) /* SIMPLE needs no descriptor */
    cJSON_DeleteItemFromObject(o, "payloadDescriptors");
  report_descriptors(o);
  /* Allocation failures inside cJSON drop members silently; the last one
   * added tells whether everything made it. */
  if (cJSON_GetObjectItemCaseSensitive(o, "reportDescriptors") == NULL ||
      ivs == NULL || cJSON_GetArraySize(ivs) == 0) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}
