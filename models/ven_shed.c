/* SPDX-License-Identifier: MIT */
/* The VEN's shed strategies: the platform's reference order, thermal-aware. */
#include <math.h>
#include <string.h>

#include "ven_priv.h"

/* The contract's shed order and largest sheddable fraction of present
 * draw; circuits not listed (HVAC, refrigerator: critical) are never shed
 * by the reference algorithm. */
static const struct {
  const char *type;
  double max_fraction;
} shed_order[] = {
    {"ev", 1.0},     {"water_heater", 1.0}, {"dryer", 1.0},
    {"range", 0.8},  {"outlets", 0.7},      {"lighting", 0.5},
};
#define N_SHED_ORDER (sizeof shed_order / sizeof shed_order[0])

int gs_ven_shed_rank(const char *type_name, double *max_fraction) {
  for (size_t i = 0; i < N_SHED_ORDER; i++)
    if (strcmp(shed_order[i].type, type_name) == 0) {
      if (max_fraction) *max_fraction = shed_order[i].max_fraction;
      return (int)i;
    }
  return -1;
}

static void load_status(gs_engine_t *eng, const gs__ven_t *v, uint8_t slot,
                        gs_load_status_t *st) {
  gs_entity_id_t id = v->first_load + slot;
  const gs_model_type_t *t = gs_engine_type(eng, id);
  memset(st, 0, sizeof *st);
  st->soc_pct = -1;
  if (t->status) t->status(gs_engine_state(eng, id), gs_engine_now(eng), st);
}

/* How much of `want` a load can really take: a throttleable load takes
 * `want`; an on/off load takes its whole draw if `limit` allows that (an
 * honest overshoot: half a compressor does not exist), else nothing. */
static int64_t feasible_cut(const gs_load_status_t *st, int64_t want,
                            int64_t limit) {
  if (want <= 0) return 0;
  if (st->min_shed_mw <= want) return want;
  return st->min_shed_mw <= limit ? st->min_shed_mw : 0;
}

static size_t commit(gs_engine_t *eng, gs__ven_t *v, uint8_t slot,
                     const gs_load_status_t *st, int64_t cut,
                     gs__ven_cut_t *cuts, size_t n) {
  gs_engine_schedule(eng, v->first_load + slot, gs_engine_now(eng),
                     GS_PHASE_MODEL, GS_EV_LOAD_SHED, cut, 0);
  v->shed_mask |= UINT32_C(1) << slot;
  cuts[n] = (gs__ven_cut_t){.slot = slot, .original_mw = st->power_mw,
                            .cut_mw = cut};
  return n + 1;
}

/* The platform's reference shed: walk the circuits in the contract's
 * order, taking from each at most its fraction of present draw, until the
 * request is met. */
static size_t reference(gs_engine_t *eng, gs__ven_t *v, int64_t request_mw,
                        gs__ven_cut_t *cuts, int64_t *total) {
  int64_t remaining = request_mw;
  size_t n = 0;
  for (size_t rank = 0; rank < N_SHED_ORDER && remaining > 0; rank++) {
    for (uint8_t i = 0; i < v->n_loads && remaining > 0; i++) {
      const gs_model_type_t *t = gs_engine_type(eng, v->first_load + i);
      if (strcmp(t->name, shed_order[rank].type) != 0) continue;
      if (v->shed_mask >> i & 1) continue; /* held already (a limit) */
      gs_load_status_t st;
      load_status(eng, v, i, &st);
      if (st.critical || !st.enabled || st.power_mw <= 0) continue;
      int64_t limit = llround(shed_order[rank].max_fraction *
                              (double)st.power_mw);
      if (limit > st.shed_capability_mw) limit = st.shed_capability_mw;
      int64_t cut = feasible_cut(&st, remaining < limit ? remaining : limit,
                                 limit);
      if (cut <= 0) continue;
      n = commit(eng, v, i, &st, cut, cuts, n);
      remaining -= cut;
      *total += cut;
    }
  }
  return n;
}

/* Thermal-aware: among all sheddable circuits, take from those whose
 * comfort cost is lowest first (a cool-enough house, a hot tank, an EV
 * with slack), so the same kW costs the household least. */
static size_t thermal(gs_engine_t *eng, gs__ven_t *v, int64_t request_mw,
                      gs__ven_cut_t *cuts, int64_t *total) {
  uint8_t order[GS_VEN_MAX_LOADS];
  gs_load_status_t st[GS_VEN_MAX_LOADS];
  size_t m = 0;
  for (uint8_t i = 0; i < v->n_loads; i++) {
    load_status(eng, v, i, &st[i]);
    if (v->shed_mask >> i & 1) continue; /* held already (a limit) */
    if (st[i].critical || !st[i].enabled || st[i].shed_capability_mw <= 0)
      continue;
    /* Insertion sort by (comfort cost, slot): stable and deterministic. */
    size_t j = m++;
    while (j > 0 && st[order[j - 1]].comfort_cost > st[i].comfort_cost) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  int64_t remaining = request_mw;
  size_t n = 0;
  for (size_t k = 0; k < m && remaining > 0; k++) {
    const gs_load_status_t *s = &st[order[k]];
    int64_t limit = s->shed_capability_mw;
    int64_t cut = feasible_cut(s, remaining < limit ? remaining : limit,
                               limit);
    if (cut <= 0) continue;
    n = commit(eng, v, order[k], s, cut, cuts, n);
    remaining -= cut;
    *total += cut;
  }
  return n;
}

size_t gs__ven_shed(gs_engine_t *eng, gs__ven_t *v, int64_t request_mw,
                    gs__ven_cut_t *cuts, int64_t *total_mw) {
  *total_mw = 0;
  if (v->cfg->strategy == GS_VEN_SHED_THERMAL)
    return thermal(eng, v, request_mw, cuts, total_mw);
  return reference(eng, v, request_mw, cuts, total_mw);
}
