/* SPDX-License-Identifier: MIT */
/* Validates a scenario's "fleet": groups, their VEN parameters and loads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_util.h"

/* "feeder" is checked by the grid (sim/scenario_grid.c). */
static const char *const group_keys[] = {"name", "count", "ven", "loads",
                                         "feeder", NULL};
static const char *const load_keys[] = {"type", "id", "present", "params",
                                        NULL};

/* A single group may hold the whole fleet, hence the fleet's limit. */
static const gs__num_rule_t count_rule = {
    .lo = 0, .hi = (double)GS__MAX_VENS, .integer = true};
static const gs__num_rule_t prob_rule = {.lo = 0, .hi = 1};

/* The "ven" object of every group is read against the VEN model's own
 * table, so adding a VEN parameter needs no change here. A registry
 * without one is a build mistake, not a scenario error. */
static const gs_model_type_t *ven_type(void) {
  const gs_model_type_t *t = gs_model_find("ven");
  GS_ASSERT(t != NULL && t->role == GS_ROLE_VEN);
  return t;
}

static void free_params(gs_dist_t *d, size_t n) {
  for (size_t i = 0; d != NULL && i < n; i++)
    gs_dist_free(&d[i]);
  free(d);
}

void gs__scn_free_groups(gs_scenario_t *s) {
  size_t n_ven = ven_type()->n_params;
  for (size_t g = 0; g < s->n_groups; g++) {
    gs_group_cfg_t *grp = &s->groups[g];
    free(grp->name);
    free_params(grp->ven_params, n_ven);
    for (size_t l = 0; l < grp->n_loads; l++) {
      gs_load_cfg_t *ld = &grp->loads[l];
      free(ld->id);
      if (ld->type != NULL) free_params(ld->params, ld->type->n_params);
    }
    free(grp->loads);
  }
  free(s->groups);
  s->groups = NULL;
  s->n_groups = 0;
}

/* Checks a parsed parameter against its spec: a constant must lie in the
 * range (and be whole for an integer spec), every value of a choice too,
 * and any other distribution must reach the range at all; its draws are
 * truncated to the range when sampled. */
static gs_err_t check_spec(gs__sctx_t *c, const gs_param_spec_t *spec,
                           const cJSON *item, const gs_dist_t *d) {
  gs__num_rule_t rule = {.lo = spec->min,
                         .hi = spec->max,
                         .integer = spec->integer,
                         .unit = spec->unit};
  double x;
  if (spec->choices != NULL) return GS_OK; /* indices valid by parsing */
  /* A choice is checked value by value: redrawing a discrete law until it
   * lands in range would silently change its weights. */
  if (d->kind == GS_DIST_CONST) return gs__num(c, item, &rule, &x);
  if (d->kind == GS_DIST_CHOICE) {
    const cJSON *vals = cJSON_GetObjectItemCaseSensitive(item, "values");
    size_t mark = gs__path_key(c, "values"), i = 0;
    for (const cJSON *e = vals->child; e != NULL; e = e->next, i++) {
      size_t m = gs__path_index(c, i);
      gs_err_t err = gs__num(c, e, &rule, &x);
      if (err != GS_OK) return err;
      gs__path_pop(c, m);
    }
    gs__path_pop(c, mark);
    return GS_OK;
  }
  /* Continuous laws only need to reach the range: the world builder
   * truncates their draws to it, which is the usual way to bound, say, a
   * normal setpoint. A law that never reaches it is surely a mistake. */
  double lo, hi;
  gs_dist_support(d, &lo, &hi);
  if (hi < spec->min || lo > spec->max) {
    char want[128];
    gs__describe_rule(&rule, want, sizeof want);
    return gs__fail(c, item, "a distribution with values among %s", want);
  }
  return GS_OK;
}

/* Parses the parameter object `obj` (NULL when absent) of model `type` into
 * `*out` (type->n_params dists, owned by the caller even on failure). */
static gs_err_t parse_params(gs__sctx_t *c, const gs_model_type_t *type,
                             const cJSON *obj, gs_dist_t **out) {
  size_t n = type->n_params;
  /* Every entry starts as its default so the array is always freeable. */
  *out = calloc(n > 0 ? n : 1, sizeof **out);
  if (*out == NULL) return gs__nomem(c);
  for (size_t i = 0; i < n; i++)
    gs_dist_const(&(*out)[i], strcmp(type->params[i].name, "utc_offset_h")
                                  ? type->params[i].def
                                  : c->utc_offset_h);
  if (obj == NULL) return GS_OK;
  if (!cJSON_IsObject(obj))
    return gs__fail(c, obj, "an object of %s parameters", type->name);
  /* The allowed keys are the spec names; the list also feeds the
   * "expected one of ..." text of an unknown-key error. */
  const char **names = malloc((n + 1) * sizeof *names);
  if (names == NULL) return gs__nomem(c);
  for (size_t i = 0; i < n; i++)
    names[i] = type->params[i].name;
  names[n] = NULL;
  gs_err_t err = gs__check_keys(c, obj, names);
  free(names);
  for (size_t i = 0; err == GS_OK && i < n; i++) {
    const gs_param_spec_t *spec = &type->params[i];
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, spec->name);
    if (item == NULL) continue;
    size_t mark = gs__path_key(c, spec->name);
    gs_dist_t *d = &(*out)[i];
    gs_dist_free(d);
    if (spec->choices != NULL)
      err = gs_dist_parse_enum(item, spec->choices, c->file, gs__path_str(c), d,
                               c->eb);
    else
      err = gs_dist_parse(item, c->file, gs__path_str(c), d, c->eb);
    if (err == GS_OK) err = check_spec(c, spec, item, d);
    if (err == GS_OK) gs__path_pop(c, mark);
  }
  return err;
}

/* "a load type: fridge, hvac, ..." for messages. */
static void load_types(char *buf, size_t size) {
  size_t n = 0;
  buf[0] = '\0';
  for (size_t i = 0; gs_model_registry[i] != NULL && n < size; i++) {
    if (gs_model_registry[i]->role != GS_ROLE_LOAD) continue;
    int w = snprintf(buf + n, size - n, "%s%s", n ? ", " : "",
                     gs_model_registry[i]->name);
    if (w < 0) break;
    n += (size_t)w;
  }
}

static gs_err_t parse_load(gs__sctx_t *c, const cJSON *jl, gs_group_cfg_t *grp,
                           size_t li) {
  gs_load_cfg_t *ld = &grp->loads[li];
  if (!cJSON_IsObject(jl))
    return gs__fail(c, jl, "a load object {\"type\": .., \"id\": ..}");
  gs_err_t err = gs__check_keys(c, jl, load_keys);
  if (err != GS_OK) return err;
  const cJSON *jt = cJSON_GetObjectItemCaseSensitive(jl, "type");
  const gs_model_type_t *type =
      cJSON_IsString(jt) ? gs_model_find(jt->valuestring) : NULL;
  /* A VEN or system type named as a load is as wrong as an unknown one. */
  if (type == NULL || type->role != GS_ROLE_LOAD) {
    char list[256];
    load_types(list, sizeof list);
    gs__path_key(c, "type");
    return gs__fail(c, jt, "a load type (%s)", list);
  }
  const char *id;
  if ((err = gs__get_str(c, jl, "id", true, true, &id)) != GS_OK) return err;
  /* Load ids key the loads' random streams and name them in traces, so
   * two loads of a group must not share one. */
  for (size_t j = 0; j < li; j++) {
    if (strcmp(grp->loads[j].id, id) == 0) {
      gs__path_key(c, "id");
      return gs__fail(c, cJSON_GetObjectItemCaseSensitive(jl, "id"),
                      "an id not used by loads[%zu] of this group", j);
    }
  }
  if ((ld->id = gs__strdup(id)) == NULL) return gs__nomem(c);
  if ((err = gs__get_num(c, jl, "present", &prob_rule, false, 1.0, &ld->present,
                         NULL)) != GS_OK)
    return err;
  ld->type = type;
  size_t mark = gs__path_key(c, "params");
  err = parse_params(c, type, cJSON_GetObjectItemCaseSensitive(jl, "params"),
                     &ld->params);
  if (err == GS_OK) gs__path_pop(c, mark);
  return err;
}

static gs_err_t parse_group(gs__sctx_t *c, const cJSON *jg, gs_scenario_t *s,
                            size_t gi) {
  gs_group_cfg_t *grp = &s->groups[gi];
  if (!cJSON_IsObject(jg))
    return gs__fail(c, jg, "a fleet group {\"name\": .., \"count\": ..}");
  gs_err_t err = gs__check_keys(c, jg, group_keys);
  if (err != GS_OK) return err;
  const char *name;
  if ((err = gs__get_str(c, jg, "name", true, true, &name)) != GS_OK)
    return err;
  /* Group names prefix VEN ids and key random streams: they must be
   * unique, and a quadratic scan is fine for a handful of groups. */
  for (size_t j = 0; j < gi; j++) {
    if (strcmp(s->groups[j].name, name) == 0) {
      gs__path_key(c, "name");
      return gs__fail(c, cJSON_GetObjectItemCaseSensitive(jg, "name"),
                      "a group name not used by fleet[%zu]", j);
    }
  }
  if ((grp->name = gs__strdup(name)) == NULL) return gs__nomem(c);
  double count;
  if ((err = gs__get_num(c, jg, "count", &count_rule, true, 0, &count, NULL)) !=
      GS_OK)
    return err;
  grp->count = (uint32_t)count;
  size_t mark = gs__path_key(c, "ven");
  err = parse_params(c, ven_type(), cJSON_GetObjectItemCaseSensitive(jg, "ven"),
                     &grp->ven_params);
  if (err != GS_OK) return err;
  gs__path_pop(c, mark);
  const cJSON *jl = cJSON_GetObjectItemCaseSensitive(jg, "loads");
  if (jl == NULL) return GS_OK;
  mark = gs__path_key(c, "loads");
  if (!cJSON_IsArray(jl)) return gs__fail(c, jl, "an array of loads");
  size_t n = (size_t)cJSON_GetArraySize(jl);
  if (n > 0 && (grp->loads = calloc(n, sizeof *grp->loads)) == NULL)
    return gs__nomem(c);
  size_t li = 0;
  for (const cJSON *e = jl->child; e != NULL; e = e->next, li++) {
    grp->n_loads = li + 1; /* so a failure frees what was filled */
    size_t m = gs__path_index(c, li);
    if ((err = parse_load(c, e, grp, li)) != GS_OK) return err;
    gs__path_pop(c, m);
  }
  gs__path_pop(c, mark);
  return GS_OK;
}

gs_err_t gs__scn_parse_fleet(gs__sctx_t *c, const cJSON *fleet,
                             gs_scenario_t *s) {
  size_t mark = gs__path_key(c, "fleet");
  if (!cJSON_IsArray(fleet) || cJSON_GetArraySize(fleet) == 0)
    return gs__fail(c, fleet, "a non-empty array of fleet groups");
  size_t n = (size_t)cJSON_GetArraySize(fleet);
  s->groups = calloc(n, sizeof *s->groups);
  if (s->groups == NULL) return gs__nomem(c);
  s->n_groups = n;
  uint64_t total = 0;
  size_t gi = 0;
  for (const cJSON *e = fleet->child; e != NULL; e = e->next, gi++) {
    size_t m = gs__path_index(c, gi);
    gs_err_t err = parse_group(c, e, s, gi);
    if (err != GS_OK) return err;
    gs__path_pop(c, m);
    total += s->groups[gi].count;
  }
  /* Each count is at most the limit, so the sum cannot overflow before
   * this check with any realistic number of groups. */
  if (total < 1 || total > GS__MAX_VENS) {
    char found[64];
    snprintf(found, sizeof found, "a total of %llu", (unsigned long long)total);
    return gs__fail_text(c, found, "groups totalling 1 to %llu VENs",
                         (unsigned long long)GS__MAX_VENS);
  }
  s->n_vens = total;
  gs__path_pop(c, mark);
  return GS_OK;
}
