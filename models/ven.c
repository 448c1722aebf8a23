/* SPDX-License-Identifier: MIT */
/* The VEN agent: takes DR commands, sheds its circuits, acks, baselines. */
#include <math.h>
#include <string.h>

#include "gridsim/engine.h"
#include "gridsim/rng.h"
#include "scenario_priv.h"
#include "ven.h"
#include "world.h"

typedef struct ven_state {
  gs_rng_t rng; /* GS_RNG_COMMS: loss, opt-out */
  const gs_world_t *world;
  int64_t mark_energy_mws;  /* meter energy at the baseline mark */
  gs_time_us_t mark_us;
  gs_event_handle_t expiry; /* pending end of the active event */
  gs_entity_id_t first_load;
  uint32_t meter;
  uint32_t shed_mask;       /* loads curtailed by the active event */
  int32_t active;           /* active event index, or -1 */
  int32_t mark_event;       /* event whose baseline window is open */
  float latency_s, opt_out_prob, loss_prob;
  uint16_t panel_amps, panel_voltage;
  uint8_t n_loads;
} ven_state_t;

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

void gs_ven_attach(void *state, gs_entity_id_t first_load, uint8_t n) {
  ven_state_t *v = state;
  GS_ASSERT(n <= GS_VEN_MAX_LOADS);
  v->first_load = first_load;
  v->n_loads = n;
}

static gs_err_t ven_init(gs_engine_t *eng, gs_entity_id_t self, void *state,
                         const gs_model_init_t *init, gs_errbuf_t *eb) {
  ven_state_t *v = state;
  (void)eb;
  gs_rng_init(&v->rng, init->seed, init->key, GS_RNG_COMMS);
  v->world = init->world;
  v->meter = init->meter;
  v->active = -1;
  v->mark_event = -1;
  v->expiry = GS_EVENT_HANDLE_NONE;
  v->first_load = GS_ENTITY_NONE;
  v->panel_amps = (uint16_t)init->params[GS_VEN_P_PANEL_AMPS];
  v->panel_voltage = (uint16_t)init->params[GS_VEN_P_PANEL_VOLTAGE];
  v->opt_out_prob = (float)init->params[GS_VEN_P_OPT_OUT];
  v->latency_s = (float)init->params[GS_VEN_P_LATENCY_S];
  v->loss_prob = (float)init->params[GS_VEN_P_LOSS];
  /* Open the baseline window of every event: the reference VEN averages
   * its own power over the window before the event arrives. */
  gs_time_us_t window_us =
      llround(init->params[GS_VEN_P_BASELINE_S] * 1e6);
  if (v->world == NULL) return GS_OK;
  for (size_t k = 0; k < gs_world_event_count(v->world); k++) {
    const gs_dr_event_cfg_t *ev = gs_world_event(v->world, k);
    gs_time_us_t at = ev->start_us - window_us;
    if (ev->start_us == 0) continue; /* no history to average */
    gs_engine_schedule(eng, self, at > 0 ? at : 0, GS_PHASE_REPORT,
                       GS_VEN_EV_MARK, 0, (uint32_t)k);
  }
  return GS_OK;
}

/* Ends the active event `k`: every curtailed circuit is released. */
static void restore(gs_engine_t *eng, ven_state_t *v, int32_t k) {
  if (v->active != k || k < 0) return;
  for (uint8_t i = 0; i < v->n_loads; i++)
    if (v->shed_mask & (UINT32_C(1) << i))
      gs_engine_schedule(eng, v->first_load + i, gs_engine_now(eng),
                         GS_PHASE_MODEL, GS_EV_LOAD_RESTORE, 0, 0);
  v->shed_mask = 0;
  v->active = -1;
  gs_engine_cancel(eng, v->expiry);
  v->expiry = GS_EVENT_HANDLE_NONE;
}

/* The platform's reference shed: walk the circuits in the contract's
 * order, taking from each at most its fraction of present draw, until the
 * request is met. Returns the shed committed, in mW. */
static int64_t reference_shed(gs_engine_t *eng, ven_state_t *v,
                              int64_t request_mw) {
  int64_t remaining = request_mw, shed = 0;
  for (size_t rank = 0; rank < N_SHED_ORDER && remaining > 0; rank++) {
    for (uint8_t i = 0; i < v->n_loads && remaining > 0; i++) {
      gs_entity_id_t id = v->first_load + i;
      const gs_model_type_t *t = gs_engine_type(eng, id);
      if (t->status == NULL || strcmp(t->name, shed_order[rank].type) != 0)
        continue;
      gs_load_status_t st;
      t->status(gs_engine_state(eng, id), &st);
      if (st.critical || !st.enabled || st.power_mw <= 0) continue;
      int64_t cut = llround(shed_order[rank].max_fraction *
                            (double)st.power_mw);
      if (cut > st.shed_capability_mw) cut = st.shed_capability_mw;
      if (cut > remaining) cut = remaining;
      if (cut <= 0) continue;
      gs_engine_schedule(eng, id, gs_engine_now(eng), GS_PHASE_MODEL,
                         GS_EV_LOAD_SHED, cut, 0);
      v->shed_mask |= UINT32_C(1) << i;
      remaining -= cut;
      shed += cut;
    }
  }
  return shed;
}

static void apply_start(gs_engine_t *eng, gs_entity_id_t self,
                        ven_state_t *v, int32_t k, int64_t share_mw) {
  const gs_world_t *w = v->world;
  gs_time_us_t now = gs_engine_now(eng);
  /* Baseline: exact mean power over the window that closes now. */
  if (v->mark_event == k && now > v->mark_us) {
    int64_t e_mws = gs_meters_energy_mws(gs_engine_meters(eng), v->meter,
                                         now) - v->mark_energy_mws;
    int64_t base_mw = llround((double)e_mws * 1e6 / (double)(now - v->mark_us));
    gs_engine_schedule(eng, w->program, now, GS_PHASE_REPORT, GS_EV_BASELINE,
                       base_mw, (uint32_t)k);
  }
  if (v->active >= 0) restore(eng, v, v->active); /* the new one replaces */
  if (gs_rng_uniform(&v->rng) < v->opt_out_prob) {
    gs_engine_schedule(eng, w->program, now, GS_PHASE_REPORT, GS_EV_ACK, 0,
                       (uint32_t)k | GS_ACK_REJECTED);
    return;
  }
  v->active = k;
  int64_t shed_mw = reference_shed(eng, v, share_mw);
  gs_engine_schedule(eng, w->program, now, GS_PHASE_REPORT, GS_EV_ACK,
                     shed_mw, (uint32_t)k);
  /* The event ends by itself at arrival + duration (contract). */
  v->expiry = gs_engine_schedule(eng, self,
                                 now + gs_world_event(w, (size_t)k)->duration_us,
                                 GS_PHASE_COMMAND, GS_VEN_EV_EXPIRE, 0,
                                 (uint32_t)k);
}

static void ven_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                       const gs_event_t *ev) {
  ven_state_t *v = state;
  switch (ev->kind) {
  case GS_VEN_EV_MARK:
    v->mark_event = (int32_t)ev->arg2;
    v->mark_us = gs_engine_now(eng);
    v->mark_energy_mws = gs_meters_energy_mws(gs_engine_meters(eng),
                                              v->meter, v->mark_us);
    break;
  case GS_EV_DR_START:
  case GS_EV_DR_END: {
    /* A command on the wire: it may be lost, and arrives after latency. */
    if (gs_rng_uniform(&v->rng) < v->loss_prob) break;
    uint32_t arg2 = ev->arg2 | (ev->kind == GS_EV_DR_END ? GS_VEN_APPLY_END
                                                          : 0);
    gs_time_us_t delay_us = llround((double)v->latency_s * 1e6);
    if (delay_us > 0) {
      gs_engine_schedule(eng, self, gs_engine_now(eng) + delay_us,
                         GS_PHASE_COMMAND, GS_VEN_EV_APPLY, ev->arg, arg2);
      break;
    }
    gs_event_t now_ev = *ev;
    now_ev.kind = GS_VEN_EV_APPLY;
    now_ev.arg2 = arg2;
    ven_handle(eng, self, state, &now_ev);
    break;
  }
  case GS_VEN_EV_APPLY: {
    int32_t k = (int32_t)(ev->arg2 & ~GS_VEN_APPLY_END);
    if (ev->arg2 & GS_VEN_APPLY_END)
      restore(eng, v, k);
    else
      apply_start(eng, self, v, k, ev->arg);
    break;
  }
  case GS_VEN_EV_EXPIRE:
    v->expiry = GS_EVENT_HANDLE_NONE; /* it is this event: nothing to cancel */
    restore(eng, v, (int32_t)ev->arg2);
    break;
  default:
    GS_ASSERT(!"VEN: unknown event kind");
  }
}

const gs_model_type_t gs_model_ven = {
    .name = "ven",
    .doc = "a home's panel and circuits answering DR commands",
    .role = GS_ROLE_VEN,
    .state_size = sizeof(ven_state_t),
    .params = gs_ven_params,
    .n_params = GS_VEN_NPARAMS,
    .init = ven_init,
    .handle = ven_handle,
};
