/* SPDX-License-Identifier: MIT */
/* The DR program (the platform's backend, modelled): dispatch and tallies. */
#include <math.h>
#include <string.h>

#include "gridsim/engine.h"
#include "gridsim/rng.h"
#include "models.h"
#include "scenario_priv.h"
#include "world.h"

enum { PROG_EV_START = GS_EV_MODEL, PROG_EV_END, PROG_EV_NOTICE };

typedef struct program_state {
  gs_world_t *world;
} program_state_t;

/* Whether VEN index `i` is a target of event `k`. A random fraction draws
 * from a stream keyed by (seed, VEN, event), so a VEN's membership never
 * depends on the size or order of the rest of the fleet. */
static bool targeted(const gs_world_t *w, const gs_dr_event_cfg_t *ev,
                     size_t k, uint64_t i) {
  const gs_scenario_t *s = w->scenario;
  const gs_group_cfg_t *g = &s->groups[w->ven_group[i]];
  switch (ev->target) {
  case GS_TARGET_ALL:
    return true;
  case GS_TARGET_GROUP:
    return strcmp(g->name, ev->group) == 0;
  case GS_TARGET_FRACTION: {
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
  }
  return false;
}

static gs_err_t program_init(gs_engine_t *eng, gs_entity_id_t self,
                             void *state, const gs_model_init_t *init,
                             gs_errbuf_t *eb) {
  program_state_t *p = state;
  (void)eb;
  /* The world outlives the engine's run; the program records results in
   * it (world->dr), which is why it holds a mutable pointer. */
  p->world = (gs_world_t *)init->world;
  for (size_t k = 0; k < gs_world_event_count(p->world); k++) {
    const gs_dr_event_cfg_t *ev = gs_world_event(p->world, k);
    gs_engine_schedule(eng, self, ev->start_us, GS_PHASE_PROGRAM,
                       PROG_EV_START, 0, (uint32_t)k);
    gs_engine_schedule(eng, self, ev->start_us + ev->duration_us,
                       GS_PHASE_PROGRAM, PROG_EV_END, 0, (uint32_t)k);
    if (ev->notice_us > 0) {
      gs_time_us_t at = ev->start_us - ev->notice_us;
      gs_engine_schedule(eng, self, at > 0 ? at : 0, GS_PHASE_PROGRAM,
                         PROG_EV_NOTICE, 0, (uint32_t)k);
    }
  }
  return GS_OK;
}

/* Sends event `k` to its targets, splitting the request equally over them
 * as the platform's backend does: the remainder of the integer division
 * goes one milliwatt each to the first VENs, so the shares sum exactly. */
static void dispatch(gs_engine_t *eng, gs_world_t *w, size_t k) {
  const gs_dr_event_cfg_t *ev = gs_world_event(w, k);
  gs_dr_result_t *r = &w->dr[k];
  uint64_t n = 0;
  for (uint64_t i = 0; i < w->n_vens; i++) n += targeted(w, ev, k, i);
  r->requested_mw = llround(ev->requested_kw * 1e6);
  r->targeted = (uint32_t)n;
  if (n == 0) return;
  int64_t share = r->requested_mw / (int64_t)n;
  int64_t extra = r->requested_mw % (int64_t)n;
  uint64_t seen = 0;
  for (uint64_t i = 0; i < w->n_vens; i++) {
    if (!targeted(w, ev, k, i)) continue;
    int64_t mw = share + ((int64_t)seen++ < extra ? 1 : 0);
    r->dispatched_mw += mw;
    gs_engine_schedule(eng, w->ven_entity[i], gs_engine_now(eng),
                       GS_PHASE_COMMAND, GS_EV_DR_START, mw, (uint32_t)k);
  }
}

static void program_handle(gs_engine_t *eng, gs_entity_id_t self,
                           void *state, const gs_event_t *ev) {
  program_state_t *p = state;
  gs_world_t *w = p->world;
  (void)self;
  size_t k = ev->arg2 & ~GS_ACK_REJECTED;
  GS_ASSERT(k < gs_world_event_count(w));
  gs_meters_t *m = gs_engine_meters(eng);
  switch (ev->kind) {
  case PROG_EV_START:
    /* Energy up to this instant does not depend on what happens at it:
     * the same reading in a twin makes delivered energy exact. */
    w->dr[k].energy_start_mws =
        gs_meters_energy_mws(m, w->fleet_meter, gs_engine_now(eng));
    w->dr[k].started = true;
    if ((int32_t)k != w->suppressed) dispatch(eng, w, k);
    break;
  case PROG_EV_END: /* the restore the backend sends at the end */
    w->dr[k].energy_end_mws =
        gs_meters_energy_mws(m, w->fleet_meter, gs_engine_now(eng));
    w->dr[k].ended = true;
    if ((int32_t)k == w->suppressed) break;
    for (uint64_t i = 0; i < w->n_vens; i++)
      if (targeted(w, gs_world_event(w, k), k, i))
        gs_engine_schedule(eng, w->ven_entity[i], gs_engine_now(eng),
                           GS_PHASE_COMMAND, GS_EV_DR_END, 0, (uint32_t)k);
    break;
  case PROG_EV_NOTICE:
    if ((int32_t)k == w->suppressed) break;
    for (uint64_t i = 0; i < w->n_vens; i++)
      if (targeted(w, gs_world_event(w, k), k, i))
        gs_engine_schedule(eng, w->ven_entity[i], gs_engine_now(eng),
                           GS_PHASE_COMMAND, GS_EV_DR_NOTICE, 0, (uint32_t)k);
    break;
  case GS_EV_ACK:
    if (ev->arg2 & GS_ACK_REJECTED) {
      w->dr[k].opt_outs++;
    } else {
      w->dr[k].acks++;
      w->dr[k].acked_shed_mw += ev->arg;
    }
    break;
  case GS_EV_BASELINE:
    w->dr[k].baseline_mw += ev->arg;
    break;
  default:
    GS_ASSERT(!"program: unknown event kind");
  }
}

static void program_finish(gs_engine_t *eng, gs_entity_id_t self,
                           void *state) {
  program_state_t *p = state;
  (void)self;
  for (size_t k = 0; k < gs_world_event_count(p->world); k++) {
    gs_dr_result_t *r = &p->world->dr[k];
    r->lost = r->targeted - r->acks - r->opt_outs;
    if (r->started && !r->ended) /* the run ended within the event */
      r->energy_end_mws = gs_meters_energy_mws(
          gs_engine_meters(eng), p->world->fleet_meter, gs_engine_now(eng));
  }
}

const gs_model_type_t gs_model_program = {
    .name = "program",
    .doc = "the utility/VTN program: schedules, dispatches and tallies DR",
    .role = GS_ROLE_SYSTEM,
    .state_size = sizeof(program_state_t),
    .init = program_init,
    .handle = program_handle,
    .finish = program_finish,
};
