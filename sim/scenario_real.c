/* SPDX-License-Identifier: MIT */
/* Validates the scenario's "real_vens": real devices in the simulated fleet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grid.h"
#include "real_ven.h"
#include "scenario_util.h"

static const char *const real_keys[] = {"ven_id", "feeder", "transformer",
                                        "capability_kw", NULL};

void gs_real_cfg_free(gs_real_cfg_t *r) {
  if (r == NULL) return;
  free(r->vens);
  free(r);
}

long gs_real_cfg_find(const gs_real_cfg_t *r, const char *id) {
  for (size_t i = 0; r != NULL && i < r->n; i++)
    if (strcmp(r->vens[i].ven_id, id) == 0) return (long)i;
  return -1;
}

/* True if `id` is the id of a simulated VEN ("<group>-<index>" with the
 * group's zero-padded width): a real VEN must not take it, or commands for
 * one would reach the other on the broker. */
static bool is_simulated(const gs_scenario_t *s, const char *id) {
  for (size_t g = 0; g < s->n_groups; g++) {
    const gs_group_cfg_t *grp = &s->groups[g];
    size_t nl = strlen(grp->name);
    if (strncmp(id, grp->name, nl) != 0 || id[nl] != '-') continue;
    const char *d = id + nl + 1;
    if ((int)strlen(d) != gs__ven_id_width(grp->count)) continue;
    uint64_t v = 0;
    bool digits = true;
    for (const char *p = d; *p && digits; p++) {
      digits = *p >= '0' && *p <= '9';
      v = v * 10 + (uint64_t)(*p - '0');
    }
    if (digits && v < grp->count) return true;
  }
  return false;
}

/* A feeder or transformer id of the grid into its index. */
static gs_err_t grid_ref(gs__sctx_t *c, const cJSON *o, const char *key,
                         const gs_grid_cfg_t *g, int32_t *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  *out = -1;
  if (v == NULL) return GS_OK;
  size_t mark = gs__path_key(c, key);
  bool feeder = strcmp(key, "feeder") == 0;
  if (cJSON_IsString(v) && g != NULL) {
    char id[96];
    uint32_t n = feeder ? (uint32_t)g->n_feeders : g->n_xfmrs;
    for (uint32_t i = 0; i < n; i++) {
      if (feeder)
        snprintf(id, sizeof id, "%s", gs_grid_feeder_id(g, i));
      else
        gs_grid_xfmr_id(g, i, id, sizeof id);
      if (strcmp(id, v->valuestring) == 0) {
        *out = (int32_t)i;
        gs__path_pop(c, mark);
        return GS_OK;
      }
    }
  }
  if (feeder)
    return gs__fail(c, v, "the id of a feeder of the grid (such as \"%s\")",
                    g && g->n_feeders ? gs_grid_feeder_id(g, 0) : "f0");
  char first[96] = "f0-t0000";
  if (g && g->n_xfmrs) gs_grid_xfmr_id(g, 0, first, sizeof first);
  return gs__fail(c, v, "the id of a transformer of the grid (such as "
                  "\"%s\")", first);
}

static gs_err_t parse_one(gs__sctx_t *c, const cJSON *o, gs_scenario_t *s,
                          size_t i, gs_real_ven_cfg_t *out) {
  if (!cJSON_IsObject(o))
    return gs__fail(c, o, "an object {\"ven_id\": .., \"feeder\": .., "
                          "\"transformer\": .., \"capability_kw\": ..}");
  gs_err_t err = gs__check_keys(c, o, real_keys);
  if (err != GS_OK) return err;
  const char *id;
  if ((err = gs__get_str(c, o, "ven_id", true, true, &id)) != GS_OK)
    return err;
  const cJSON *jid = cJSON_GetObjectItemCaseSensitive(o, "ven_id");
  size_t mark = gs__path_key(c, "ven_id");
  if (strlen(id) > GS_REAL_ID_MAX)
    return gs__fail(c, jid, "a VEN id of at most %d characters",
                    GS_REAL_ID_MAX);
  if (is_simulated(s, id))
    return gs__fail(c, jid, "an id that no simulated VEN of the fleet has");
  for (size_t j = 0; j < i; j++)
    if (strcmp(s->real->vens[j].ven_id, id) == 0)
      return gs__fail(c, jid, "each real VEN once (also at real_vens[%zu])",
                      j);
  gs__path_pop(c, mark);
  snprintf(out->ven_id, sizeof out->ven_id, "%s", id);
  if ((err = grid_ref(c, o, "feeder", s->grid, &out->feeder)) != GS_OK ||
      (err = grid_ref(c, o, "transformer", s->grid, &out->xfmr)) != GS_OK)
    return err;
  if (out->xfmr >= 0 && out->feeder >= 0 &&
      gs_grid_xfmr_feeder(s->grid, (uint32_t)out->xfmr) !=
          (uint32_t)out->feeder) {
    gs__path_key(c, "transformer");
    return gs__fail(c, cJSON_GetObjectItemCaseSensitive(o, "transformer"),
                    "a transformer of feeder %s",
                    gs_grid_feeder_id(s->grid, (uint32_t)out->feeder));
  }
  if (out->xfmr >= 0)
    out->feeder = (int32_t)gs_grid_xfmr_feeder(s->grid, (uint32_t)out->xfmr);
  static const gs__num_rule_t cap = {.lo = 0, .hi = 1e6, .unit = "kW"};
  double kw;
  if ((err = gs__get_num(c, o, "capability_kw", &cap, false, 0, &kw, NULL)) !=
      GS_OK)
    return err;
  out->capability_mw = (int64_t)(kw * 1e6 + 0.5);
  return GS_OK;
}

gs_err_t gs__scn_parse_real(gs__sctx_t *c, const cJSON *root,
                            gs_scenario_t *s) {
  const cJSON *ja = cJSON_GetObjectItemCaseSensitive(root, "real_vens");
  if (ja == NULL) return GS_OK;
  size_t mark = gs__path_key(c, "real_vens");
  if (!cJSON_IsArray(ja))
    return gs__fail(c, ja, "an array of real VENs [{\"ven_id\": ..}]");
  size_t n = (size_t)cJSON_GetArraySize(ja);
  if (n > 100000)
    return gs__fail(c, ja, "at most 100000 real VENs");
  s->real = calloc(1, sizeof *s->real);
  if (s->real == NULL) return gs__nomem(c);
  s->real->vens = calloc(n ? n : 1, sizeof *s->real->vens);
  if (s->real->vens == NULL) return gs__nomem(c);
  size_t i = 0;
  for (const cJSON *o = ja->child; o != NULL; o = o->next, i++) {
    size_t m = gs__path_index(c, i);
    gs_err_t err = parse_one(c, o, s, i, &s->real->vens[i]);
    if (err != GS_OK) return err;
    s->real->n = i + 1;
    gs__path_pop(c, m);
  }
  gs__path_pop(c, mark);
  return GS_OK;
}
