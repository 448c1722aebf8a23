/* SPDX-License-Identifier: MIT */
/* The program's dispatch: targets, the online view and exact splits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gridsim/rng.h"
#include "program.h"
#include "real_ven.h"
#include "ven.h"

/* Products of a request and a capability (both up to ~2^60 mW) need 128
 * bits; __extension__ keeps -Wpedantic quiet about the GNU type. */
__extension__ typedef __int128 gs__i128;

bool gs_program_targeted(const gs_world_t *w, const gs_dr_event_cfg_t *ev,
                         size_t k, uint64_t i) {
  const gs_scenario_t *s = w->scenario;
  const gs_group_cfg_t *g = &s->groups[w->ven_group[i]];
  switch (ev->target) {
    case GS_TARGET_ALL:
      return true;
    case GS_TARGET_GROUP:
      return strcmp(g->name, ev->group) == 0;
    case GS_TARGET_FRACTION: {
      /* A stream keyed by (seed, VEN, event): a VEN's membership never
       * depends on the size or order of the rest of the fleet. */
      gs_rng_t r;
      gs_rng_init(&r, s->seed, gs_rng_key(g->name, w->ven_index[i], k),
                  GS_RNG_PROGRAM);
      return gs_rng_uniform(&r) < ev->fraction;
    }
    case GS_TARGET_LIST: {
      char id[96];
      gs_world_ven_id(w, i, id, sizeof id);
      for (size_t j = 0; j < ev->n_vens; j++)
        if (strcmp(ev->vens[j], id) == 0) return true;
      return false;
    }
    case GS_TARGET_FEEDER:
      return w->ven_feeder[i] == ev->grid_index;
    case GS_TARGET_TRANSFORMER:
      return w->ven_xfmr[i] == ev->grid_index;
  }
  return false;
}

const char *gs_program_dispatch_name(gs_dispatch_kind_t kind) {
  switch (kind) {
    case GS_DISPATCH_CAPABILITY:
      return "capability";
    case GS_DISPATCH_PRIORITY:
      return "priority";
    case GS_DISPATCH_EQUAL:
      break;
  }
  return "equal";
}

const char *gs_program_signal_name(gs_signal_kind_t kind) {
  switch (kind) {
    case GS_SIGNAL_SIMPLE:
      return "SIMPLE";
    case GS_SIGNAL_PRICE:
      return "PRICE";
    case GS_SIGNAL_IMPORT_LIMIT:
      return "IMPORT_CAPACITY_LIMIT";
    case GS_SIGNAL_EXPORT_LIMIT:
      return "EXPORT_CAPACITY_LIMIT";
    case GS_SIGNAL_NONE:
      break;
  }
  return "";
}

int64_t gs_program_simple_mw(int64_t capability_mw, int level) {
  if (capability_mw <= 0 || level <= 0) return 0;
  if (level >= 3) return capability_mw;
  return (int64_t)((gs__i128)capability_mw * level / 3);
}

/* A VEN being sorted: its sort keys and position in the caller's array. */
typedef struct split_key {
  int64_t a, b; /* compared in this order, descending a then b ... */
  size_t pos;   /* ... then ascending position: deterministic ties */
} split_key_t;

static int cmp_remainder(const void *x, const void *y) {
  const split_key_t *p = x, *q = y;
  if (p->a != q->a) return p->a > q->a ? -1 : 1; /* larger remainder first */
  return p->pos < q->pos ? -1 : p->pos > q->pos;
}

static int cmp_priority(const void *x, const void *y) {
  const split_key_t *p = x, *q = y;
  if (p->a != q->a) return p->a < q->a ? -1 : 1; /* earlier group first */
  if (p->b != q->b) return p->b > q->b ? -1 : 1; /* more capable first */
  return p->pos < q->pos ? -1 : p->pos > q->pos;
}

/* Adds an equal split of `mw` over all `n` shares (remainder to the
 * first ones, one mW each). */
static void add_equal(size_t n, int64_t mw, int64_t *share_mw) {
  int64_t each = mw / (int64_t)n, extra = mw % (int64_t)n;
  for (size_t i = 0; i < n; i++)
    share_mw[i] += each + ((int64_t)i < extra ? 1 : 0);
}

static split_key_t *keys_alloc(size_t n) {
  split_key_t *keys = malloc(n * sizeof *keys);
  GS_ASSERT(keys != NULL); /* a run cannot go on with a half dispatch */
  return keys;
}

/* Largest remainder (Hamilton): floors of the exact proportional shares,
 * then one mW each to the largest fractional parts, so that the shares
 * sum to the request and no share is off its exact value by 1 mW or
 * more. */
static void split_capability(const gs_split_ven_t *v, size_t n,
                             int64_t request_mw, int64_t *share_mw) {
  gs__i128 total = 0;
  for (size_t i = 0; i < n; i++)
    total += v[i].cap_mw > 0 ? v[i].cap_mw : 0;
  if (total == 0) { /* nobody reports capability: equal shares */
    add_equal(n, request_mw, share_mw);
    return;
  }
  split_key_t *keys = keys_alloc(n);
  int64_t left = request_mw;
  for (size_t i = 0; i < n; i++) {
    int64_t cap = v[i].cap_mw > 0 ? v[i].cap_mw : 0;
    gs__i128 num = (gs__i128)request_mw * cap;
    share_mw[i] = (int64_t)(num / total);
    left -= share_mw[i];
    keys[i] = (split_key_t){.a = (int64_t)(num % total), .pos = i};
  }
  GS_ASSERT(left >= 0 && (size_t)left <= n);
  qsort(keys, n, sizeof *keys, cmp_remainder);
  for (size_t j = 0; j < (size_t)left; j++)
    share_mw[keys[j].pos] += 1;
  free(keys);
}

/* Fills VENs in priority order up to their capability. */
static void split_priority(const gs_split_ven_t *v, size_t n,
                           int64_t request_mw, int64_t *share_mw) {
  split_key_t *keys = keys_alloc(n);
  for (size_t i = 0; i < n; i++)
    keys[i] = (split_key_t){.a = v[i].group, .b = v[i].cap_mw, .pos = i};
  qsort(keys, n, sizeof *keys, cmp_priority);
  int64_t left = request_mw;
  for (size_t j = 0; j < n && left > 0; j++) {
    int64_t cap = v[keys[j].pos].cap_mw;
    int64_t take = cap <= 0 ? 0 : cap < left ? cap : left;
    share_mw[keys[j].pos] = take;
    left -= take;
  }
  free(keys);
  if (left > 0) add_equal(n, left, share_mw);
}

void gs_program_split(gs_dispatch_kind_t kind, const gs_split_ven_t *vens,
                      size_t n, int64_t request_mw, int64_t *share_mw) {
  GS_ASSERT(request_mw >= 0 && (n > 0 || request_mw == 0));
  if (n == 0) return;
  memset(share_mw, 0, n * sizeof *share_mw);
  switch (kind) {
    case GS_DISPATCH_CAPABILITY:
      split_capability(vens, n, request_mw, share_mw);
      break;
    case GS_DISPATCH_PRIORITY:
      split_priority(vens, n, request_mw, share_mw);
      break;
    case GS_DISPATCH_EQUAL:
    default:
      add_equal(n, request_mw, share_mw);
      break;
  }
}

void gs_program_view(gs_engine_t *eng, const gs_world_t *w, size_t k,
                     gs_program_view_t *out) {
  const gs_dr_event_cfg_t *ev = gs_world_event(w, k);
  gs_time_us_t now = gs_engine_now(eng);
  gs_time_us_t after = w->scenario->offline_after_us;
  size_t cap = 0;
  *out = (gs_program_view_t){0};
  for (uint64_t i = 0; i < w->n_vens; i++) {
    if (!gs_program_targeted(w, ev, k, i)) continue;
    /* The backend has heard nothing from this VEN for `after`: it leaves
     * it out of the split rather than count on a shed that cannot come. */
    if (gs_ven_seen_offline(gs_engine_state(eng, w->ven_entity[i]), now,
                            after)) {
      out->skipped_offline++;
      continue;
    }
    if (out->n == cap) {
      cap = cap ? 2 * cap : 64;
      uint64_t *grown = realloc(out->vens, cap * sizeof *grown);
      GS_ASSERT(grown != NULL);
      out->vens = grown;
    }
    out->vens[out->n++] = i;
  }
  /* Real VENs (the MQTT backend role) after the simulated ones. */
  gs_real_view(eng, w, k, &out->vens, &out->n, &out->skipped_offline);
}

/* Entity, group and capability of view index `i`: a simulated VEN, or
 * real VEN i - n_vens (in a group of its own, after the fleet's). */
static gs_entity_id_t entity_of(const gs_world_t *w, uint64_t i) {
  return i < w->n_vens ? w->ven_entity[i] : gs_real_entity(w, i - w->n_vens);
}

static int64_t capability_of(gs_engine_t *eng, const gs_world_t *w,
                             uint64_t i) {
  return i < w->n_vens ? gs_ven_capability_mw(eng, w->ven_entity[i])
                       : gs_real_capability_mw(eng, w, i - w->n_vens);
}

/* Sends the shed command (or the signal) to VEN index `i` now. */
static void send(gs_engine_t *eng, const gs_world_t *w, uint64_t i, int64_t mw,
                 size_t k) {
  gs_engine_schedule(eng, entity_of(w, i), gs_engine_now(eng),
                     GS_PHASE_COMMAND, GS_EV_DR_START, mw, (uint32_t)k);
}

void gs_program_dispatch(gs_engine_t *eng, gs_world_t *w, size_t k,
                         const gs_program_view_t *view) {
  const gs_dr_event_cfg_t *ev = gs_world_event(w, k);
  gs_dr_result_t *r = &w->dr[k];
  size_t n = view->n;
  r->skipped_offline = view->skipped_offline;
  r->targeted = (uint32_t)n;
  if (ev->signal.kind != GS_SIGNAL_NONE) {
    /* The VENs interpret a signal themselves. For SIMPLE the backend
     * books what it expects: each VEN's level share of its capability. */
    int64_t expect_mw = 0;
    for (size_t j = 0; j < n; j++) {
      if (ev->signal.kind == GS_SIGNAL_SIMPLE)
        expect_mw += gs_program_simple_mw(
            gs_ven_capability_mw(eng, w->ven_entity[view->vens[j]]),
            ev->signal.level);
      send(eng, w, view->vens[j], 0, k);
    }
    r->requested_mw = r->dispatched_mw = expect_mw;
    return;
  }
  r->requested_mw = llround(ev->requested_kw * 1e6);
  if (n == 0) return;
  gs_split_ven_t *v = calloc(n, sizeof *v);
  int64_t *share = malloc(n * sizeof *share);
  GS_ASSERT(v != NULL && share != NULL);
  /* Capability comes from the VENs' telemetry; the equal split does not
   * read it (the platform's backend does not either). */
  for (size_t j = 0; j < n; j++) {
    uint64_t i = view->vens[j];
    v[j].group = i < w->n_vens ? w->ven_group[i]
                               : (uint32_t)w->scenario->n_groups;
    if (ev->dispatch != GS_DISPATCH_EQUAL)
      v[j].cap_mw = capability_of(eng, w, i);
  }
  gs_program_split(ev->dispatch, v, n, r->requested_mw, share);
  r->targeted = 0;
  for (size_t j = 0; j < n; j++) {
    /* The equal split tells every VEN, even of a 0 mW share, as the
     * backend does; the others call only the VENs they need. */
    if (ev->dispatch != GS_DISPATCH_EQUAL && share[j] == 0) continue;
    r->dispatched_mw += share[j];
    r->targeted++;
    send(eng, w, view->vens[j], share[j], k);
  }
  free(v);
  free(share);
}
