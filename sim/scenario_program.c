/* SPDX-License-Identifier: MIT */
/* Validates a scenario's "program": its DR events and their targets. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grid.h"
#include "real_ven.h"
#include "scenario_util.h"

static const char *const program_keys[] = {"events", "dispatch",
                                            "offline_after_s", "baselines",
                                            NULL};
static const char *const event_keys[] = {
    "id",       "start_s",  "start",       "duration_s", "requested_kw",
    "target",   "notice_s", "end_early_s", "dispatch",   "signal",
    NULL};
static const char *const target_keys[] = {"group",  "fraction",    "vens",
                                          "feeder", "transformer", NULL};

/* A feeder or transformer target: its id must name one of the grid's
 * (the grid is validated before the program, so it is known here). */
static gs_err_t parse_grid_target(gs__sctx_t *c, const cJSON *jt,
                                  const gs_scenario_t *s,
                                  gs_dr_event_cfg_t *ev) {
  const gs_grid_cfg_t *g = s->grid;
  bool feeder = cJSON_GetObjectItemCaseSensitive(jt, "feeder") != NULL;
  const char *key = feeder ? "feeder" : "transformer";
  const cJSON *jv = cJSON_GetObjectItemCaseSensitive(jt, key);
  size_t mark = gs__path_key(c, key);
  ev->target = feeder ? GS_TARGET_FEEDER : GS_TARGET_TRANSFORMER;
  if (cJSON_IsString(jv) && g != NULL) {
    if (feeder) {
      for (uint32_t f = 0; f < g->n_feeders; f++)
        if (strcmp(gs_grid_feeder_id(g, f), jv->valuestring) == 0) {
          ev->grid_index = f;
          gs__path_pop(c, mark);
          return GS_OK;
        }
    } else {
      char id[96];
      for (uint32_t t = 0; t < g->n_xfmrs; t++) {
        gs_grid_xfmr_id(g, t, id, sizeof id);
        if (strcmp(id, jv->valuestring) == 0) {
          ev->grid_index = t;
          gs__path_pop(c, mark);
          return GS_OK;
        }
      }
    }
  }
  if (feeder) {
    char names[200] = "";
    size_t n = 0;
    for (uint32_t f = 0; g && f < g->n_feeders && n < sizeof names; f++) {
      int w = snprintf(names + n, sizeof names - n, "%s%s", f ? ", " : "",
                       gs_grid_feeder_id(g, f));
      if (w < 0) break;
      n += (size_t)w;
    }
    return gs__fail(c, jv, "the id of a feeder (%s)", names);
  }
  char first[96] = "", last[96] = "";
  if (g && g->n_xfmrs) {
    gs_grid_xfmr_id(g, 0, first, sizeof first);
    gs_grid_xfmr_id(g, g->n_xfmrs - 1, last, sizeof last);
  }
  return gs__fail(c, jv, "the id of a transformer (\"%s\" .. \"%s\")", first,
                  last);
}

void gs__scn_free_events(gs_scenario_t *s) {
  for (size_t i = 0; i < s->n_events; i++) {
    gs_dr_event_cfg_t *ev = &s->events[i];
    free(ev->id);
    free(ev->group);
    for (size_t v = 0; v < ev->n_vens; v++)
      free(ev->vens[v]);
    free(ev->vens);
    free(ev->signal.prices);
  }
  free(s->events);
  s->events = NULL;
  s->n_events = 0;
}

/* The group named by the first `len` bytes of `name` (a VEN id's prefix),
 * or NULL. */
static const gs_group_cfg_t *find_group(const gs_scenario_t *s,
                                        const char *name, size_t len) {
  for (size_t g = 0; g < s->n_groups; g++)
    if (strlen(s->groups[g].name) == len &&
        memcmp(s->groups[g].name, name, len) == 0)
      return &s->groups[g];
  return NULL;
}

/* Checks that `id` names a VEN of the fleet: "<group>-<index>" with the
 * index zero-padded to the group's width. Group names may hold '-', but
 * the index holds only digits, so the last '-' splits them. */
static gs_err_t check_ven_id(gs__sctx_t *c, const gs_scenario_t *s,
                             const cJSON *item) {
  const char *id = cJSON_IsString(item) ? item->valuestring : NULL;
  if (id != NULL && gs_real_cfg_find(s->real, id) >= 0) return GS_OK;
  const char *dash = id != NULL ? strrchr(id, '-') : NULL;
  const gs_group_cfg_t *grp =
      dash != NULL ? find_group(s, id, (size_t)(dash - id)) : NULL;
  if (grp == NULL) {
    const gs_group_cfg_t *g0 = &s->groups[0];
    return gs__fail(c, item, "a VEN id \"<group>-<index>\" such as \"%s-%0*d\"",
                    g0->name, gs__ven_id_width(g0->count), 0);
  }
  /* Exactly the group's width: "a-1" and "a-00001" would otherwise both
   * name a-0001, and ids must match the trace's one spelling. */
  int width = gs__ven_id_width(grp->count);
  const char *digits = dash + 1;
  bool ok = (int)strlen(digits) == width;
  uint64_t index = 0;
  for (const char *p = digits; ok && *p; p++) {
    ok = *p >= '0' && *p <= '9';
    index = index * 10 + (uint64_t)(*p - '0');
  }
  if (ok && index < grp->count) return GS_OK;
  if (grp->count == 0)
    return gs__fail(c, item, "a VEN of the fleet (group %s has none)",
                    grp->name);
  return gs__fail(c, item, "a VEN id from \"%s-%0*d\" to \"%s-%0*lu\"",
                  grp->name, width, 0, grp->name, width,
                  (unsigned long)grp->count - 1);
}

/* qsort comparator over an array of C strings. */
static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static gs_err_t parse_ven_list(gs__sctx_t *c, const cJSON *jv,
                               const gs_scenario_t *s, gs_dr_event_cfg_t *ev) {
  if (!cJSON_IsArray(jv) || cJSON_GetArraySize(jv) == 0)
    return gs__fail(c, jv, "a non-empty array of VEN ids");
  size_t n = (size_t)cJSON_GetArraySize(jv);
  if ((ev->vens = calloc(n, sizeof *ev->vens)) == NULL) return gs__nomem(c);
  size_t i = 0;
  for (const cJSON *e = jv->child; e != NULL; e = e->next, i++) {
    size_t m = gs__path_index(c, i);
    gs_err_t err = check_ven_id(c, s, e);
    if (err != GS_OK) return err;
    if ((ev->vens[i] = gs__strdup(e->valuestring)) == NULL) return gs__nomem(c);
    ev->n_vens = i + 1;
    gs__path_pop(c, m);
  }
  /* A VEN listed twice would be told twice; sorting a copy finds repeats
   * in n log n, which matters for lists of many thousand VENs. */
  char **sorted = malloc(n * sizeof *sorted);
  if (sorted == NULL) return gs__nomem(c);
  memcpy(sorted, ev->vens, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, cmp_str);
  const char *dup = NULL;
  for (size_t k = 1; k < n && dup == NULL; k++)
    if (strcmp(sorted[k - 1], sorted[k]) == 0) dup = sorted[k];
  free(sorted);
  if (dup == NULL) return GS_OK;
  size_t first = n, k = 0;
  for (const cJSON *e = jv->child; e != NULL; e = e->next, k++) {
    if (strcmp(e->valuestring, dup) != 0) continue;
    if (first == n) {
      first = k;
      continue;
    }
    gs__path_index(c, k);
    return gs__fail(c, e, "each VEN once (also at [%zu])", first);
  }
  GS_ASSERT(!"duplicate not found again");
  return GS_ESCENARIO;
}

static gs_err_t parse_target(gs__sctx_t *c, const cJSON *jt,
                             const gs_scenario_t *s, gs_dr_event_cfg_t *ev) {
  /* No target means the whole fleet, the common case of a DR call. */
  ev->target = GS_TARGET_ALL;
  if (jt == NULL) return GS_OK;
  size_t mark = gs__path_key(c, "target");
  if (cJSON_IsString(jt) && strcmp(jt->valuestring, "all") == 0) {
    gs__path_pop(c, mark);
    return GS_OK;
  }
  if (!cJSON_IsObject(jt))
    return gs__fail(c, jt,
                    "\"all\" or an object with one of group, fraction, vens, "
                    "feeder, transformer");
  gs_err_t err = gs__check_keys(c, jt, target_keys);
  if (err != GS_OK) return err;
  const cJSON *jg = cJSON_GetObjectItemCaseSensitive(jt, "group");
  const cJSON *jf = cJSON_GetObjectItemCaseSensitive(jt, "fraction");
  const cJSON *jv = cJSON_GetObjectItemCaseSensitive(jt, "vens");
  const cJSON *jfe = cJSON_GetObjectItemCaseSensitive(jt, "feeder");
  const cJSON *jtr = cJSON_GetObjectItemCaseSensitive(jt, "transformer");
  /* Combinations ("a fraction of a group") are not defined yet; refusing
   * them now keeps them free to mean something later. */
  if ((jg != NULL) + (jf != NULL) + (jv != NULL) + (jfe != NULL) +
          (jtr != NULL) !=
      1)
    return gs__fail(c, jt,
                    "exactly one of group, fraction, vens, feeder, "
                    "transformer");
  if (jfe != NULL || jtr != NULL) {
    if ((err = parse_grid_target(c, jt, s, ev)) != GS_OK) return err;
  } else if (jg != NULL) {
    ev->target = GS_TARGET_GROUP;
    gs__path_key(c, "group");
    const gs_group_cfg_t *grp =
        cJSON_IsString(jg)
            ? find_group(s, jg->valuestring, strlen(jg->valuestring))
            : NULL;
    if (grp == NULL) {
      char names[200] = "";
      size_t n = 0;
      for (size_t g = 0; g < s->n_groups && n < sizeof names; g++) {
        int w = snprintf(names + n, sizeof names - n, "%s%s", g ? ", " : "",
                         s->groups[g].name);
        if (w < 0) break;
        n += (size_t)w;
      }
      return gs__fail(c, jg, "the name of a fleet group (%s)", names);
    }
    if ((ev->group = gs__strdup(grp->name)) == NULL) return gs__nomem(c);
  } else if (jf != NULL) {
    static const gs__num_rule_t frac = {.lo = 0, .hi = 1, .lo_open = true};
    ev->target = GS_TARGET_FRACTION;
    if ((err = gs__get_num(c, jt, "fraction", &frac, true, 0, &ev->fraction,
                           NULL)) != GS_OK)
      return err;
  } else {
    ev->target = GS_TARGET_LIST;
    size_t m = gs__path_key(c, "vens");
    if ((err = parse_ven_list(c, jv, s, ev)) != GS_OK) return err;
    gs__path_pop(c, m);
  }
  gs__path_pop(c, mark);
  return GS_OK;
}

/* The event's start, from "start_s" or "start" (exactly one). */
static gs_err_t parse_start(gs__sctx_t *c, const cJSON *je,
                            const gs_scenario_t *s, gs_dr_event_cfg_t *ev) {
  const cJSON *js = cJSON_GetObjectItemCaseSensitive(je, "start_s");
  const cJSON *ji = cJSON_GetObjectItemCaseSensitive(je, "start");
  double dur_s = (double)s->duration_us / (double)GS_US_PER_S;
  /* Both forms at once could disagree; neither is a likely typo. */
  if (js != NULL && ji != NULL)
    return gs__fail_text(c, "both", "exactly one of start_s and start");
  if (ji == NULL) {
    gs__num_rule_t r = {.lo = 0, .hi = dur_s, .hi_open = true, .unit = "s"};
    double start_s;
    size_t mark = gs__path_key(c, "start_s");
    gs_err_t err = gs__num(c, js, &r, &start_s);
    if (err != GS_OK) return err;
    /* Rounding to whole microseconds may carry a start just below the
     * end onto it. */
    if (gs_time_from_s(start_s, &ev->start_us) != GS_OK ||
        ev->start_us >= s->duration_us)
      return gs__fail(c, js, "a start before the end of the run (%.15g s)",
                      dur_s);
    gs__path_pop(c, mark);
    return GS_OK;
  }
  size_t mark = gs__path_key(c, "start");
  int64_t t;
  char from[32], to[32];
  gs_time_format_iso8601(s->start_unix_s, from, sizeof from);
  /* The last whole second inside the run, for the message only. */
  gs_time_format_iso8601(s->start_unix_s + (s->duration_us - 1) / GS_US_PER_S,
                         to, sizeof to);
  /* The bound on the offset in seconds comes first so that the product
   * in microseconds cannot overflow. */
  if (!cJSON_IsString(ji) ||
      gs_time_parse_iso8601(ji->valuestring, &t) != GS_OK ||
      t < s->start_unix_s ||
      t - s->start_unix_s > (int64_t)GS__MAX_DURATION_S ||
      (t - s->start_unix_s) * GS_US_PER_S >= s->duration_us)
    return gs__fail(c, ji, "an ISO 8601 instant from %s to %s", from, to);
  /* ISO instants are whole seconds, so the offset is exact. */
  ev->start_us = (t - s->start_unix_s) * GS_US_PER_S;
  gs__path_pop(c, mark);
  return GS_OK;
}

/* A dispatch policy name ("program.dispatch" or an event's "dispatch"). */
static gs_err_t parse_dispatch(gs__sctx_t *c, const cJSON *obj,
                               gs_dispatch_kind_t *out) {
  static const char *const names[] = {"equal", "capability", "priority"};
  const cJSON *jd = cJSON_GetObjectItemCaseSensitive(obj, "dispatch");
  if (jd == NULL) return GS_OK;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (cJSON_IsString(jd) && strcmp(jd->valuestring, names[i]) == 0) {
      *out = (gs_dispatch_kind_t)i;
      return GS_OK;
    }
  gs__path_key(c, "dispatch");
  return gs__fail(c, jd, "one of \"equal\", \"capability\", \"priority\"");
}

/* Seconds `x_s` (already range-checked) as whole microseconds >= 1, or
 * an error at `v` (the current path). */
static gs_err_t to_us(gs__sctx_t *c, const cJSON *v, double x_s,
                      gs_time_us_t *out) {
  if (gs_time_from_s(x_s, out) != GS_OK || *out < 1)
    return gs__fail(c, v, "at least one microsecond");
  return GS_OK;
}

static const gs__num_rule_t price_rule = {
    .lo = -1000, .hi = 1000, .unit = "$/kWh"};

/* PRICE as "intervals": [{start_s, duration_s, price}, ..], in order,
 * not overlapping, each within the event. */
static gs_err_t parse_intervals(gs__sctx_t *c, const cJSON *ji,
                                gs_dr_event_cfg_t *ev) {
  static const char *const keys[] = {"start_s", "duration_s", "price", NULL};
  static const gs__num_rule_t start = {.lo = 0, .hi = HUGE_VAL, .unit = "s"};
  static const gs__num_rule_t dur = {
      .lo = 0, .lo_open = true, .hi = GS__MAX_DURATION_S, .unit = "s"};
  double ev_s = (double)ev->duration_us / (double)GS_US_PER_S;
  gs_signal_cfg_t *sig = &ev->signal;
  size_t i = 0;
  for (const cJSON *e = ji->child; e != NULL; e = e->next, i++) {
    size_t m = gs__path_index(c, i);
    gs_price_interval_t *p = &sig->prices[i];
    double start_s, dur_s, price;
    gs_err_t err;
    if (!cJSON_IsObject(e))
      return gs__fail(c, e, "an interval {\"start_s\": .., \"duration_s\": "
                            ".., \"price\": ..}");
    if ((err = gs__check_keys(c, e, keys)) != GS_OK ||
        (err = gs__get_num(c, e, "start_s", &start, true, 0, &start_s,
                           NULL)) != GS_OK ||
        (err = gs__get_num(c, e, "duration_s", &dur, true, 0, &dur_s,
                           NULL)) != GS_OK ||
        (err = gs__get_num(c, e, "price", &price_rule, true, 0, &price,
                           NULL)) != GS_OK)
      return err;
    const cJSON *js = cJSON_GetObjectItemCaseSensitive(e, "start_s");
    const cJSON *jd = cJSON_GetObjectItemCaseSensitive(e, "duration_s");
    size_t mk = gs__path_key(c, "start_s");
    if (gs_time_from_s(start_s, &p->start_us) != GS_OK)
      return gs__fail(c, js, "a start within the event (< %.15g s)", ev_s);
    if (i > 0 && p->start_us < p[-1].start_us + p[-1].duration_us)
      return gs__fail(c, js,
                      "a start at or after the end of intervals[%zu] "
                      "(%.15g s): intervals in order, not overlapping",
                      i - 1,
                      (double)(p[-1].start_us + p[-1].duration_us) / 1e6);
    gs__path_pop(c, mk);
    mk = gs__path_key(c, "duration_s");
    if ((err = to_us(c, jd, dur_s, &p->duration_us)) != GS_OK) return err;
    if (p->start_us + p->duration_us > ev->duration_us)
      return gs__fail(c, jd,
                      "an interval that ends within the event (at most "
                      "%.15g s after start_s %.15g)",
                      ev_s - start_s, start_s);
    gs__path_pop(c, mk);
    p->price_micro = llround(price * 1e6);
    sig->n_prices = i + 1;
    gs__path_pop(c, m);
  }
  return GS_OK;
}

/* PRICE as a series: "prices" [..] of "interval_s" each from the start. */
static gs_err_t parse_series(gs__sctx_t *c, const cJSON *js,
                             const cJSON *jp, gs_dr_event_cfg_t *ev) {
  static const gs__num_rule_t step = {
      .lo = 0, .lo_open = true, .hi = GS__MAX_DURATION_S, .unit = "s"};
  gs_signal_cfg_t *sig = &ev->signal;
  double step_s;
  gs_time_us_t step_us;
  gs_err_t err = gs__get_num(c, js, "interval_s", &step, true, 0, &step_s,
                             NULL);
  if (err != GS_OK) return err;
  size_t mk = gs__path_key(c, "interval_s");
  if ((err = to_us(c, cJSON_GetObjectItemCaseSensitive(js, "interval_s"),
                   step_s, &step_us)) != GS_OK)
    return err;
  gs__path_pop(c, mk);
  size_t n = (size_t)cJSON_GetArraySize(jp);
  size_t fit = (size_t)(ev->duration_us / step_us);
  mk = gs__path_key(c, "prices");
  if (n > fit)
    return gs__fail(c, jp,
                    "at most %zu prices (the event's duration_s / "
                    "interval_s)",
                    fit);
  size_t i = 0;
  for (const cJSON *e = jp->child; e != NULL; e = e->next, i++) {
    size_t m = gs__path_index(c, i);
    double price;
    if ((err = gs__num(c, e, &price_rule, &price)) != GS_OK) return err;
    sig->prices[i] = (gs_price_interval_t){
        .start_us = (gs_time_us_t)i * step_us,
        .duration_us = step_us,
        .price_micro = llround(price * 1e6)};
    sig->n_prices = i + 1;
    gs__path_pop(c, m);
  }
  gs__path_pop(c, mk);
  return GS_OK;
}

static gs_err_t parse_price(gs__sctx_t *c, const cJSON *js,
                            gs_dr_event_cfg_t *ev) {
  const cJSON *ji = cJSON_GetObjectItemCaseSensitive(js, "intervals");
  const cJSON *jp = cJSON_GetObjectItemCaseSensitive(js, "prices");
  if (ji != NULL && jp != NULL)
    return gs__fail_text(c, "both", "exactly one of intervals and prices");
  if (ji == NULL && jp == NULL)
    return gs__fail_text(c, "neither", "exactly one of intervals and prices");
  const cJSON *ja = ji != NULL ? ji : jp;
  size_t mk = gs__path_key(c, ji != NULL ? "intervals" : "prices");
  if (!cJSON_IsArray(ja) || cJSON_GetArraySize(ja) == 0)
    return gs__fail(c, ja, ji != NULL ? "a non-empty array of intervals"
                                      : "a non-empty array of prices");
  size_t n = (size_t)cJSON_GetArraySize(ja);
  if ((ev->signal.prices = calloc(n, sizeof *ev->signal.prices)) == NULL)
    return gs__nomem(c);
  gs__path_pop(c, mk);
  if (ji == NULL) return parse_series(c, js, jp, ev);
  const cJSON *jstep = cJSON_GetObjectItemCaseSensitive(js, "interval_s");
  if (jstep != NULL) {
    gs__path_key(c, "interval_s");
    return gs__fail(c, jstep,
                    "no interval_s with intervals (each has its own "
                    "duration_s)");
  }
  mk = gs__path_key(c, "intervals");
  gs_err_t err = parse_intervals(c, ji, ev);
  if (err != GS_OK) return err;
  gs__path_pop(c, mk);
  return GS_OK;
}

/* An event's "signal": an OpenADR 3 payload type the VENs act on. */
static gs_err_t parse_signal(gs__sctx_t *c, const cJSON *js,
                             gs_dr_event_cfg_t *ev) {
  static const char *const names[] = {
      NULL, "SIMPLE", "PRICE", "IMPORT_CAPACITY_LIMIT",
      "EXPORT_CAPACITY_LIMIT"};
  static const char *const simple_keys[] = {"type", "level", NULL};
  static const char *const price_keys[] = {"type", "intervals", "prices",
                                           "interval_s", NULL};
  static const char *const limit_keys[] = {"type", "kw", "control_s", NULL};
  static const gs__num_rule_t level = {.lo = 0, .hi = 3, .integer = true};
  static const gs__num_rule_t kw = {.lo = 0, .hi = 1e9, .unit = "kW"};
  static const gs__num_rule_t ctl = {
      .lo = 0, .lo_open = true, .hi = 86400, .unit = "s"};
  gs_signal_cfg_t *sig = &ev->signal;
  if (js == NULL) return GS_OK;
  size_t mark = gs__path_key(c, "signal");
  if (!cJSON_IsObject(js))
    return gs__fail(c, js,
                    "a signal object {\"type\": \"SIMPLE\", \"level\": 2}");
  const cJSON *jt = cJSON_GetObjectItemCaseSensitive(js, "type");
  for (int i = 1; i <= GS_SIGNAL_EXPORT_LIMIT; i++)
    if (cJSON_IsString(jt) && strcmp(jt->valuestring, names[i]) == 0)
      sig->kind = (gs_signal_kind_t)i;
  if (sig->kind == GS_SIGNAL_NONE) {
    gs__path_key(c, "type");
    return gs__fail(c, jt,
                    "one of \"SIMPLE\", \"PRICE\", \"IMPORT_CAPACITY_LIMIT\","
                    " \"EXPORT_CAPACITY_LIMIT\"");
  }
  gs_err_t err = gs__check_keys(c, js,
                                sig->kind == GS_SIGNAL_SIMPLE  ? simple_keys
                                : sig->kind == GS_SIGNAL_PRICE ? price_keys
                                                               : limit_keys);
  if (err != GS_OK) return err;
  double x;
  switch (sig->kind) {
  case GS_SIGNAL_SIMPLE:
    if ((err = gs__get_num(c, js, "level", &level, true, 0, &x, NULL)))
      return err;
    sig->level = (int)x;
    break;
  case GS_SIGNAL_PRICE:
    if ((err = parse_price(c, js, ev)) != GS_OK) return err;
    break;
  default: /* the capacity limits */
    if ((err = gs__get_num(c, js, "kw", &kw, true, 0, &x, NULL)))
      return err;
    sig->limit_mw = llround(x * 1e6);
    /* The VEN re-checks its meter this often: a VEN setting, given with
     * the signal because the VEN model has no control loop of its own. */
    if ((err = gs__get_num(c, js, "control_s", &ctl, false, 60, &x, NULL)))
      return err;
    size_t mk = gs__path_key(c, "control_s");
    if ((err = to_us(c, cJSON_GetObjectItemCaseSensitive(js, "control_s"), x,
                     &sig->control_us)) != GS_OK)
      return err;
    gs__path_pop(c, mk);
    break;
  }
  gs__path_pop(c, mark);
  return GS_OK;
}

static gs_err_t parse_event(gs__sctx_t *c, const cJSON *je,
                            const gs_scenario_t *s, size_t ei,
                            gs_dr_event_cfg_t *events) {
  static const gs__num_rule_t dur = {
      .lo = 0, .lo_open = true, .hi = GS__MAX_DURATION_S, .unit = "s"};
  static const gs__num_rule_t kw = {.lo = 0, .hi = HUGE_VAL, .unit = "kW"};
  gs_dr_event_cfg_t *ev = &events[ei];
  if (!cJSON_IsObject(je))
    return gs__fail(c, je, "a DR event {\"id\": .., \"start_s\": .., ..}");
  gs_err_t err = gs__check_keys(c, je, event_keys);
  if (err != GS_OK) return err;
  const char *id;
  if ((err = gs__get_str(c, je, "id", true, false, &id)) != GS_OK) return err;
  /* Event ids name events in the trace's event log and DR reports. */
  for (size_t j = 0; j < ei; j++) {
    if (strcmp(events[j].id, id) == 0) {
      gs__path_key(c, "id");
      return gs__fail(c, cJSON_GetObjectItemCaseSensitive(je, "id"),
                      "an id not used by program.events[%zu]", j);
    }
  }
  if ((ev->id = gs__strdup(id)) == NULL) return gs__nomem(c);
  if ((err = parse_start(c, je, s, ev)) != GS_OK) return err;
  double dur_s;
  if ((err = gs__get_num(c, je, "duration_s", &dur, true, 0, &dur_s, NULL)) !=
      GS_OK)
    return err;
  /* An event may outlast the run (the engine ends it with the run), but
   * it must last at least one tick of the clock. */
  if (gs_time_from_s(dur_s, &ev->duration_us) != GS_OK || ev->duration_us < 1) {
    gs__path_key(c, "duration_s");
    return gs__fail(c, cJSON_GetObjectItemCaseSensitive(je, "duration_s"),
                    "at least one microsecond");
  }
  const cJSON *jsig = cJSON_GetObjectItemCaseSensitive(je, "signal");
  if ((err = parse_signal(c, jsig, ev)) != GS_OK) return err;
  /* A signal says itself what is asked (a level, a price, a limit); a
   * request beside it would be ignored, so it is refused. */
  const cJSON *jkw = cJSON_GetObjectItemCaseSensitive(je, "requested_kw");
  if (jsig != NULL && jkw != NULL) {
    gs__path_key(c, "requested_kw");
    return gs__fail(c, jkw, "no requested_kw with a signal (the signal says "
                            "what is asked)");
  }
  if ((err = gs__get_num(c, je, "requested_kw", &kw, jsig == NULL, 0,
                         &ev->requested_kw, NULL)) != GS_OK)
    return err;
  /* Advance notice (day-ahead programs announce events): loads that
   * pre-condition, such as pre-cooling thermostats, act on it. */
  static const gs__num_rule_t notice = {.lo = 0, .hi = 7 * 86400.0,
                                        .unit = "s"};
  double notice_s;
  if ((err = gs__get_num(c, je, "notice_s", &notice, false, 0, &notice_s,
                         NULL)) != GS_OK)
    return err;
  if (gs_time_from_s(notice_s, &ev->notice_us) != GS_OK) ev->notice_us = 0;
  /* An early end: the backend sends the restore before the announced
   * end (a grid condition cleared); the VENs were told the full
   * duration. */
  const cJSON *jend = cJSON_GetObjectItemCaseSensitive(je, "end_early_s");
  if (jend != NULL) {
    gs__num_rule_t early = {.lo = 0, .lo_open = true, .hi = dur_s,
                            .hi_open = true, .unit = "s"};
    double end_s;
    size_t mk = gs__path_key(c, "end_early_s");
    if ((err = gs__num(c, jend, &early, &end_s)) != GS_OK ||
        (err = to_us(c, jend, end_s, &ev->end_early_us)) != GS_OK)
      return err;
    if (ev->end_early_us >= ev->duration_us)
      return gs__fail(c, jend, "a time before the event's end (%.15g s)",
                      dur_s);
    gs__path_pop(c, mk);
  }
  ev->dispatch = s->dispatch;
  if ((err = parse_dispatch(c, je, &ev->dispatch)) != GS_OK) return err;
  return parse_target(c, cJSON_GetObjectItemCaseSensitive(je, "target"), s, ev);
}

gs_err_t gs__scn_parse_program(gs__sctx_t *c, const cJSON *program,
                               gs_scenario_t *s) {
  /* The platform marks a VEN offline after 60 s without telemetry. */
  s->offline_after_us = 60 * GS_US_PER_S;
  s->dispatch = GS_DISPATCH_EQUAL;
  gs_baseline_cfg_default(&s->baselines);
  if (program == NULL) return GS_OK;
  size_t mark = gs__path_key(c, "program");
  if (!cJSON_IsObject(program))
    return gs__fail(c, program, "an object {\"events\": [..]}");
  gs_err_t err = gs__check_keys(c, program, program_keys);
  if (err != GS_OK) return err;
  if ((err = parse_dispatch(c, program, &s->dispatch)) != GS_OK) return err;
  static const gs__num_rule_t after = {.lo = 0, .hi = 86400, .unit = "s"};
  double after_s;
  if ((err = gs__get_num(c, program, "offline_after_s", &after, false, 60,
                         &after_s, NULL)) != GS_OK)
    return err;
  if (gs_time_from_s(after_s, &s->offline_after_us) != GS_OK)
    s->offline_after_us = 0;
  const cJSON *jev = cJSON_GetObjectItemCaseSensitive(program, "events");
  if (jev != NULL) {
    size_t m = gs__path_key(c, "events");
    if (!cJSON_IsArray(jev)) return gs__fail(c, jev, "an array of DR events");
    size_t n = (size_t)cJSON_GetArraySize(jev);
    if (n > 0 && (s->events = calloc(n, sizeof *s->events)) == NULL)
      return gs__nomem(c);
    size_t ei = 0;
    for (const cJSON *e = jev->child; e != NULL; e = e->next, ei++) {
      s->n_events = ei + 1; /* so a failure frees what was filled */
      size_t mi = gs__path_index(c, ei);
      if ((err = parse_event(c, e, s, ei, s->events)) != GS_OK) return err;
      gs__path_pop(c, mi);
    }
    gs__path_pop(c, m);
  }
  size_t mb = gs__path_key(c, "baselines");
  if ((err = gs_baseline_parse(
           cJSON_GetObjectItemCaseSensitive(program, "baselines"), c->file,
           c->path, &s->baselines, c->eb)) != GS_OK)
    return err;
  gs__path_pop(c, mb);
  gs__path_pop(c, mark);
  return GS_OK;
}
