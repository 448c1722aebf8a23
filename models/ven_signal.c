/* SPDX-License-Identifier: MIT */
/* OpenADR 3 signals at the VEN: SIMPLE levels, PRICE series, capacity
 * limits, and the VEN facts the program's backend reads. */
#include <string.h>

#include "models.h"
#include "program.h"
#include "scenario_priv.h"
#include "ven_signal.h"

bool gs_ven_seen_offline(const void *ven_state, gs_time_us_t now_us,
                         gs_time_us_t after_us) {
  const gs__ven_t *v = ven_state;
  return !v->online && now_us - v->offline_us >= after_us;
}

static void load_status(gs_engine_t *eng, const gs__ven_t *v, uint8_t slot,
                        gs_load_status_t *st) {
  gs_entity_id_t id = v->first_load + slot;
  const gs_model_type_t *t = gs_engine_type(eng, id);
  memset(st, 0, sizeof *st);
  st->soc_pct = -1;
  if (t->status) t->status(gs_engine_state(eng, id), gs_engine_now(eng), st);
}

/* What the VEN's telemetry reports as shedCapabilityKw, summed: critical
 * circuits report 0 (contract), disabled ones draw nothing. */
static int64_t capability_mw(gs_engine_t *eng, const gs__ven_t *v) {
  int64_t sum_mw = 0;
  for (uint8_t i = 0; i < v->n_loads; i++) {
    gs_load_status_t st;
    load_status(eng, v, i, &st);
    if (!st.critical && st.enabled && st.shed_capability_mw > 0)
      sum_mw += st.shed_capability_mw;
  }
  return sum_mw;
}

int64_t gs_ven_capability_mw(gs_engine_t *eng, gs_entity_id_t ven) {
  GS_ASSERT(gs_engine_type(eng, ven) == &gs_model_ven);
  return capability_mw(eng, gs_engine_state(eng, ven));
}

/* The event behind `active` code `k`: a scenario event, or an OpenADR
 * event that came over the wire (sim/oadr_map.c); NULL for the other
 * wire commands, which carry no signal. */
static const gs_dr_event_cfg_t *event_of(const gs__ven_t *v, int32_t k) {
  if (v->world == NULL) return NULL;
  if (k >= 0) return &v->world->scenario->events[k];
  if (k <= GS_VEN_WIRE_BASE) return v->world->cmds[GS_VEN_WIRE_BASE - k].event;
  return NULL;
}

static const gs_signal_cfg_t *signal_of(const gs__ven_t *v, int32_t k) {
  const gs_dr_event_cfg_t *ev = event_of(v, k);
  return ev ? &ev->signal : NULL;
}

int64_t gs__ven_signal_request(gs_engine_t *eng, gs__ven_t *v, int32_t k,
                               int64_t arg_mw) {
  const gs_signal_cfg_t *sig = signal_of(v, k);
  if (sig == NULL || sig->kind == GS_SIGNAL_NONE) return arg_mw;
  /* SIMPLE: the VEN maps the level onto what it can shed right now. */
  if (sig->kind == GS_SIGNAL_SIMPLE)
    return gs_program_simple_mw(capability_mw(eng, v), sig->level);
  /* An OpenADR event may carry a SIMPLE level beside its PRICE series:
   * the VEN sheds for the level and its loads follow the price. */
  if (sig->kind == GS_SIGNAL_PRICE && sig->level > 0)
    return gs_program_simple_mw(capability_mw(eng, v), sig->level);
  return 0;
}

/* Tells every circuit the price now in effect (has = 0: none any more).
 * Circuits without a price response ignore it. */
static void send_price(gs_engine_t *eng, const gs__ven_t *v, bool has,
                       int64_t price_micro) {
  for (uint8_t i = 0; i < v->n_loads; i++)
    gs_engine_schedule(eng, v->first_load + i, gs_engine_now(eng),
                       GS_PHASE_MODEL, GS_EV_PRICE, has ? price_micro : 0,
                       has ? 1u : 0u);
}

/* The price of event `k` at the present instant, from its intervals. */
static void price_step(gs_engine_t *eng, const gs__ven_t *v, int32_t k) {
  const gs_dr_event_cfg_t *ev = event_of(v, k);
  gs_time_us_t rel_us = gs_engine_now(eng) - ev->start_us;
  for (size_t j = 0; j < ev->signal.n_prices; j++) {
    const gs_price_interval_t *p = &ev->signal.prices[j];
    if (rel_us >= p->start_us && rel_us < p->start_us + p->duration_us) {
      send_price(eng, v, true, p->price_micro);
      return;
    }
  }
  send_price(eng, v, false, 0); /* a gap between intervals */
}

/* Schedules a step at every interval boundary still ahead within the
 * VEN's event (the VEN follows the event's own clock, not the arrival of
 * the command, so a late command joins the series where it stands). */
static void schedule_steps(gs_engine_t *eng, gs_entity_id_t self,
                           const gs__ven_t *v, int32_t k) {
  const gs_dr_event_cfg_t *ev = event_of(v, k);
  gs_time_us_t now = gs_engine_now(eng);
  const gs_signal_cfg_t *sig = &ev->signal;
  for (size_t j = 0; j < sig->n_prices; j++) {
    gs_time_us_t b[2] = {
        ev->start_us + sig->prices[j].start_us,
        ev->start_us + sig->prices[j].start_us + sig->prices[j].duration_us};
    /* An end that is the next interval's start is that step already. */
    bool joined = j + 1 < sig->n_prices &&
                  sig->prices[j + 1].start_us ==
                      sig->prices[j].start_us + sig->prices[j].duration_us;
    for (int e = 0; e < (joined ? 1 : 2); e++)
      if (b[e] > now && b[e] < v->event_end_us)
        gs_engine_schedule(eng, self, b[e], GS_PHASE_COMMAND,
                           GS_VEN_EV_SIGNAL_STEP, 0, (uint32_t)k);
  }
}

static bool is_pv(gs_engine_t *eng, const gs__ven_t *v, uint8_t slot) {
  return gs_engine_type(eng, v->first_load + slot) == &gs_model_pv;
}

/* One control tick of a capacity limit, then the next one. Import: the
 * excess of the net import over the limit is shed with the VEN's own
 * strategy from circuits not yet held. Export: every PV inverter is
 * capped (setLoad capacity) so that PV <= limit + the rest of the home's
 * load. Loads held for an import limit stay held until the event ends. */
static void limit_check(gs_engine_t *eng, gs_entity_id_t self, gs__ven_t *v,
                        int32_t k) {
  const gs_signal_cfg_t *sig = signal_of(v, k);
  gs_time_us_t now = gs_engine_now(eng);
  int64_t net_mw = gs_meters_power_mw(gs_engine_meters(eng), v->meter);
  if (sig->kind == GS_SIGNAL_IMPORT_LIMIT && net_mw > sig->limit_mw) {
    gs__ven_cut_t cuts[GS_VEN_MAX_LOADS];
    int64_t cut_mw, left_mw = net_mw - sig->limit_mw;
    gs__ven_shed(eng, v, left_mw, cuts, &cut_mw);
    v->shed_mw += cut_mw;
    left_mw -= cut_mw;
    /* Circuits held already that can throttle further (an EV charging
     * below its rating) are asked for the rest: a load that switched on
     * since the last tick must not stay over the limit because the
     * circuits that could cover it were held earlier. */
    for (uint8_t i = 0; i < v->n_loads && left_mw > 0; i++) {
      if (!(v->shed_mask >> i & 1)) continue;
      gs_load_status_t st;
      load_status(eng, v, i, &st);
      if (!st.shedding || st.min_shed_mw > 0 || st.power_mw <= 0) continue;
      int64_t take_mw = left_mw < st.power_mw ? left_mw : st.power_mw;
      gs_engine_schedule(eng, v->first_load + i, now, GS_PHASE_MODEL,
                         GS_EV_LOAD_SHED, take_mw, 0);
      v->shed_mw += take_mw;
      left_mw -= take_mw;
    }
  } else if (sig->kind == GS_SIGNAL_EXPORT_LIMIT) {
    int64_t pv_mw = 0;
    int n_pv = 0;
    for (uint8_t i = 0; i < v->n_loads; i++) {
      if (!is_pv(eng, v, i)) continue;
      gs_load_status_t st;
      load_status(eng, v, i, &st);
      pv_mw += st.power_mw; /* negative: generation */
      n_pv++;
    }
    int64_t allowed_mw = sig->limit_mw + (net_mw - pv_mw);
    if (allowed_mw < 0) allowed_mw = 0;
    for (uint8_t i = 0; i < v->n_loads && n_pv > 0; i++)
      if (is_pv(eng, v, i))
        gs_engine_schedule(eng, v->first_load + i, now, GS_PHASE_MODEL,
                           GS_EV_LOAD_SET, allowed_mw / n_pv, 0);
  }
  if (now + sig->control_us < v->event_end_us)
    gs_engine_schedule(eng, self, now + sig->control_us, GS_PHASE_COMMAND,
                       GS_VEN_EV_SIGNAL_CHECK, 0, (uint32_t)k);
}

void gs__ven_signal_start(gs_engine_t *eng, gs_entity_id_t self, gs__ven_t *v,
                          int32_t k) {
  const gs_signal_cfg_t *sig = signal_of(v, k);
  if (sig == NULL || v->active != k) return; /* opted out */
  switch (sig->kind) {
    case GS_SIGNAL_PRICE:
      price_step(eng, v, k);
      schedule_steps(eng, self, v, k);
      break;
    case GS_SIGNAL_IMPORT_LIMIT:
    case GS_SIGNAL_EXPORT_LIMIT:
      limit_check(eng, self, v, k);
      break;
    case GS_SIGNAL_NONE:
    case GS_SIGNAL_SIMPLE:
      break;
  }
}

void gs__ven_signal_end(gs_engine_t *eng, gs__ven_t *v) {
  const gs_signal_cfg_t *sig = signal_of(v, v->active);
  if (sig == NULL) return;
  if (sig->kind == GS_SIGNAL_PRICE) send_price(eng, v, false, 0);
  if (sig->kind == GS_SIGNAL_EXPORT_LIMIT)
    for (uint8_t i = 0; i < v->n_loads; i++)
      if (is_pv(eng, v, i))
        gs_engine_schedule(eng, v->first_load + i, gs_engine_now(eng),
                           GS_PHASE_MODEL, GS_EV_LOAD_SET, -1, 0);
}

void gs__ven_signal_event(gs_engine_t *eng, gs_entity_id_t self, gs__ven_t *v,
                          const gs_event_t *ev) {
  int32_t k = (int32_t)ev->arg2;
  /* Steps and ticks of an event that has ended (restored, replaced,
   * expired) are left to lapse here instead of being cancelled. */
  if (v->active != k) return;
  if (ev->kind == GS_VEN_EV_SIGNAL_STEP)
    price_step(eng, v, k);
  else
    limit_check(eng, self, v, k);
}
