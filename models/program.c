/* SPDX-License-Identifier: MIT */
/* The DR program (the platform's backend, modelled): schedule and tallies. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gridsim/engine.h"
#include "models.h"
#include "program.h"
#include "real_ven.h"
#include "scenario_priv.h"
#include "trace_log.h"
#include "world.h"

enum { PROG_EV_START = GS_EV_MODEL, PROG_EV_END, PROG_EV_NOTICE };

typedef struct program_state {
  gs_world_t *world;
} program_state_t;

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
    /* The restore: at the end, or earlier when the event ends early. */
    gs_engine_schedule(eng, self, gs_dr_event_end_us(ev), GS_PHASE_PROGRAM,
                       PROG_EV_END, 0, (uint32_t)k);
    if (ev->notice_us > 0) {
      gs_time_us_t at = ev->start_us - ev->notice_us;
      gs_engine_schedule(eng, self, at > 0 ? at : 0, GS_PHASE_PROGRAM,
                         PROG_EV_NOTICE, 0, (uint32_t)k);
    }
  }
  return GS_OK;
}

/* Sends `kind` (restore, notice) now to every target of event `k`. The
 * backend addresses the event's targets as a whole: a VEN that is not
 * running the event ignores its restore, one that is offline never hears
 * it. */
static void broadcast(gs_engine_t *eng, gs_world_t *w, size_t k,
                      uint16_t kind) {
  const gs_dr_event_cfg_t *ev = gs_world_event(w, k);
  for (uint64_t i = 0; i < w->n_vens; i++)
    if (gs_program_targeted(w, ev, k, i))
      gs_engine_schedule(eng, w->ven_entity[i], gs_engine_now(eng),
                         GS_PHASE_COMMAND, kind, 0, (uint32_t)k);
  for (size_t r = 0; r < gs_real_count(w); r++)
    if (gs_real_targeted(w, ev, k, r))
      gs_engine_schedule(eng, gs_real_entity(w, r), gs_engine_now(eng),
                         GS_PHASE_COMMAND, kind, 0, (uint32_t)k);
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
    if ((int32_t)k != w->suppressed) {
      gs_program_view_t view;
      gs_program_view(eng, w, k, &view);
      gs_program_dispatch(eng, w, k, &view);
      gs_log_dr_event(w, k, GS_LOG_DR_START);
      free(view.vens);
    }
    break;
  case PROG_EV_END: /* the restore the backend sends at the end */
    w->dr[k].energy_end_mws =
        gs_meters_energy_mws(m, w->fleet_meter, gs_engine_now(eng));
    w->dr[k].ended = true;
    gs_log_dr_event(w, k, GS_LOG_DR_END);
    if ((int32_t)k != w->suppressed) broadcast(eng, w, k, GS_EV_DR_END);
    break;
  case PROG_EV_NOTICE:
    gs_log_dr_event(w, k, GS_LOG_DR_NOTICE);
    if ((int32_t)k != w->suppressed) broadcast(eng, w, k, GS_EV_DR_NOTICE);
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
