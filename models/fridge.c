/* SPDX-License-Identifier: MIT */
/* Refrigerator load: a 1R1C thermostatically controlled load solved in
 * closed form, switching only at computed thermostat edges. */
#include "fridge.h"

#include <math.h>
#include <stdint.h>

#include "gridsim/engine.h"
#include "gridsim/rng.h"
#include "models.h"

/* The model is the first-order TCL of Mathieu, Koch & Callaway, "State
 * estimation and control of electric loads to manage real-time energy
 * imbalance", IEEE Trans. Power Systems 28(1), 2013 (eq. 1), after Callaway,
 * "Tapping the energy storage potential in electric loads to deliver load
 * following and regulation", Energy Conversion and Management 50(5), 2009:
 *
 *   R C dT/dt = T_amb - T - eta R P m,   m = 1 while the compressor runs.
 *
 * Between switchings m is constant and the solution is exact:
 *   T(t) = T_inf + (T0 - T_inf) exp(-t / (R C)),
 *   T_inf = T_amb - eta R P (running) or T_amb (off),
 * so the time to reach a thermostat edge is R C ln((T0 - T_inf) /
 * (T_edge - T_inf)). One event is scheduled per switching; nothing polls. */

/* Contract (grid-services-mqtt.md, "The reference VEN's home"): the rated
 * power of a circuit is breaker amps x 240 V. */
#define GS__FRIDGE_VOLTS 240

/* Widest compressor the state's bit field holds, in W (8.388 kW). */
#define GS__FRIDGE_MAX_POWER_W   8000
#define GS__FRIDGE_MAX_BREAKER_A 127

/* Per-entity state: 56 bytes. The segment (t0_us, temp0_c, on) is kept in
 * double so the closed form never loses precision; the parameters are float
 * (7 digits, far finer than they are known). The temperature is always
 * recomputed from the segment start, so rounding event times to whole
 * microseconds never accumulates. */
typedef struct gs__fridge {
  gs_time_us_t t0_us;     /* start of the present segment              */
  double temp0_c;         /* compartment temperature at t0_us          */
  float tau_s;            /* R C, seconds                              */
  float low_c, high_c;    /* thermostat edges: setpoint -/+ deadband/2 */
  float amb_c;            /* ambient: the asymptote when off           */
  float inf_on_c;         /* T_amb - eta R P: the asymptote when on    */
  float max_c;            /* food-safety limit that ends a shed        */
  uint32_t meter;         /* the meter it adds to                       */
  uint32_t next_seq : 28; /* sequence number of the pending             */
                          /* GS_EV_FRIDGE_EDGE, or GS__NO_EDGE           */
  uint32_t on : 1;        /* drawing rated_mw (never with rated_mw 0)   */
  unsigned rated_mw : 23; /* compressor draw while running, mW         */
  unsigned breaker_a : 7; /* circuit breaker, A                        */
  unsigned shed : 1;      /* held off by GS_EV_LOAD_SHED               */
  unsigned critical : 1;  /* never shed (contract: refrigerator)       */
} gs__fridge_t;

#define GS__NO_EDGE GS_ENGINE_SEQ_NONE

/* The handle of the pending edge event of fridge `self`, or NONE. */
static gs_event_handle_t gs__fridge_next(gs_entity_id_t self,
                                         const gs__fridge_t *s) {
  return s->next_seq == GS__NO_EDGE ? GS_EVENT_HANDLE_NONE
                                    : ((uint64_t)self << 32) | s->next_seq;
}

_Static_assert(sizeof(gs__fridge_t) <= 56, "fridge state must stay small");

/* The present draw: 0 or rated_mw. */
static int64_t gs__fridge_power_mw(const gs__fridge_t *s) {
  return s->on ? (int64_t)s->rated_mw : 0;
}

static uint32_t gs__fridge_meter_of(const void *state) {
  return ((const gs__fridge_t *)state)->meter;
}

/* Defaults, chosen so a standard top-freezer unit in a 20 degC kitchen
 * behaves like the measured and regulated figures:
 * - running power 120 W and a cycle of about 35 min on / 45 min off are the
 *   defaults of GridLAB-D's residential refrigerator (residential/
 *   refrigerator.cpp, compressor_on_normal_power and _energy);
 * - annual energy about 400 kWh: the US federal maximum for product class 3
 *   (top-mount freezer, automatic defrost, no icemaker) is 8.07 AV + 233.7
 *   kWh/yr (10 CFR 430.32(a)), i.e. about 410 kWh/yr for an 18 ft3 unit
 *   (AV ~ 21.8 ft3); ENERGY STAR units are at least 10 % below that;
 * - COP 1.5 is an assumption typical of small hermetic compressors at
 *   fridge-freezer conditions; only the product eta P (180 W of cooling)
 *   enters the model;
 * - R and C are then derived (not measured): with T_amb = 20, edges 2/4
 *   degC, eta R P = 45 degC puts the duty cycle at 0.378, i.e. 397 kWh/yr
 *   (heat leak 4 W/K, R = 250 degC/kW); C = 0.03 kWh/degC (108 kJ/K, about
 *   26 kg of water-equivalent contents and liner) gives tau = 7.5 h and a
 *   32 min on / 53 min off cycle, close to GridLAB-D's.
 * Mathieu et al. 2013, Table I, gives air-conditioner values in the same
 * units (degC/kW, kWh/degC, kW); none of its numbers are used here.
 * The setpoint keeps the compartment within 2-4 degC: FDA consumer advice
 * is 40 degF (4 degC) or below ("Refrigerator & Freezer Storage Chart").
 * A shed may let it warm to max_temp_c = 5 degC (41 degF), the cold-holding
 * limit of the FDA Food Code 2022, 3-501.16(A)(2); above it the fridge
 * resumes whatever the program asked. */
static const gs_param_spec_t gs__fridge_params[GS_FRIDGE_NPARAMS] = {
    [GS_FRIDGE_P_SETPOINT] = {.name = "setpoint_c",
                              .unit = "degC",
                              .def = 3,
                              .min = -30,
                              .max = 20,
                              .doc = "thermostat setpoint (deadband centre)"},
    [GS_FRIDGE_P_DEADBAND] = {.name = "deadband_c",
                              .unit = "degC",
                              .def = 2,
                              .min = 0.1,
                              .max = 10,
                              .doc = "thermostat deadband (full width)"},
    [GS_FRIDGE_P_AMBIENT] = {.name = "ambient_c",
                             .unit = "degC",
                             .def = 20,
                             .min = -20,
                             .max = 50,
                             .doc = "room temperature around the cabinet"},
    [GS_FRIDGE_P_POWER] = {.name = "power_w",
                           .unit = "W",
                           .def = 120,
                           .min = 1,
                           .max = GS__FRIDGE_MAX_POWER_W,
                           .doc = "electric draw while the compressor runs"},
    [GS_FRIDGE_P_COP] = {.name = "cop",
                         .unit = "1",
                         .def = 1.5,
                         .min = 0.1,
                         .max = 10,
                         .doc = "coefficient of performance (eta)"},
    [GS_FRIDGE_P_R] = {.name = "r_c_per_kw",
                       .unit = "degC/kW",
                       .def = 250,
                       .min = 1,
                       .max = 10000,
                       .doc = "thermal resistance cabinet to room"},
    [GS_FRIDGE_P_C] = {.name = "c_kwh_per_c",
                       .unit = "kWh/degC",
                       .def = 0.03,
                       .min = 1e-4,
                       .max = 10,
                       .doc = "thermal capacitance of contents and cabinet"},
    [GS_FRIDGE_P_MAX_TEMP] = {.name = "max_temp_c",
                              .unit = "degC",
                              .def = 5,
                              .min = -30,
                              .max = 30,
                              .doc = "food-safety limit that ends a shed"},
    [GS_FRIDGE_P_CRITICAL] = {.name = "critical",
                              .unit = "1",
                              .def = 1,
                              .min = 0,
                              .max = 1,
                              .integer = true,
                              .doc = "1: never shed (contract default)"},
    [GS_FRIDGE_P_BREAKER] = {.name = "breaker_amps",
                             .unit = "A",
                             .def = 15,
                             .min = 1,
                             .max = 100,
                             .integer = true,
                             .doc = "circuit breaker (contract: 15 A)"},
};

double gs_fridge_temp_at(double temp0_c, double target_c, double tau_s,
                         double dt_s) {
  return target_c + (temp0_c - target_c) * exp(-dt_s / tau_s);
}

double gs_fridge_time_to_s(double temp0_c, double target_c, double tau_s,
                           double edge_c) {
  if (edge_c == temp0_c) return 0;
  double gap0 = temp0_c - target_c, gap1 = edge_c - target_c;
  /* The response moves monotonically from temp0 toward target_c and never
   * crosses it: an edge at or beyond the asymptote, or behind temp0, is
   * never reached. */
  if (gap0 == 0 || gap1 == 0 || (gap0 > 0) != (gap1 > 0)) return INFINITY;
  if (fabs(gap1) > fabs(gap0)) return INFINITY;
  /* log1p keeps precision when temp0 is close to the edge. */
  return tau_s * log1p((temp0_c - edge_c) / gap1);
}

/* The asymptote of the present segment. */
static double gs__fridge_target_c(const gs__fridge_t *s) {
  return s->on ? s->inf_on_c : s->amb_c;
}

double gs_fridge_temp_c(const void *state, gs_time_us_t now_us) {
  const gs__fridge_t *s = state;
  double dt_s = (double)(now_us - s->t0_us) / (double)GS_US_PER_S;
  return gs_fridge_temp_at(s->temp0_c, gs__fridge_target_c(s), s->tau_s, dt_s);
}

gs_time_us_t gs_fridge_next_us(const void *state) {
  const gs__fridge_t *s = state;
  bool on = s->on;
  /* Running: off at the lower edge. Off: on at the upper edge, or, while a
   * shed holds it, at the food-safety limit. A segment that starts on the
   * far side of its edge (a restore past the upper edge) switches now. */
  double edge_c = on ? s->low_c : s->shed ? s->max_c : s->high_c;
  if (on ? s->temp0_c <= edge_c : s->temp0_c >= edge_c) return s->t0_us;
  double dt_s =
      gs_fridge_time_to_s(s->temp0_c, gs__fridge_target_c(s), s->tau_s, edge_c);
  gs_time_us_t dt_us;
  if (gs_time_from_s(dt_s, &dt_us) != GS_OK) return GS_TIME_NEVER;
  if (dt_us >= GS_TIME_NEVER - s->t0_us) return GS_TIME_NEVER;
  return s->t0_us + dt_us;
}

bool gs_fridge_is_shed(const void *state) {
  return ((const gs__fridge_t *)state)->shed != 0;
}

/* Starts a new segment at `now_us`: the temperature is taken from the old
 * segment at the actual (rounded) event time, then the power changes. */
static void gs__fridge_switch(gs_engine_t *eng, gs__fridge_t *s, bool on) {
  gs_time_us_t now_us = gs_engine_now(eng);
  s->temp0_c = gs_fridge_temp_c(s, now_us);
  s->t0_us = now_us;
  int64_t old_mw = gs__fridge_power_mw(s);
  s->on = on && s->rated_mw != 0;
  int64_t delta_mw = gs__fridge_power_mw(s) - old_mw;
  if (delta_mw != 0 && s->meter != GS_METER_NONE)
    gs_engine_add_power(eng, s->meter, delta_mw);
}

/* Replaces the pending edge event by the one the present state implies. */
static void gs__fridge_reschedule(gs_engine_t *eng, gs_entity_id_t self,
                                  gs__fridge_t *s) {
  gs_engine_cancel(eng, gs__fridge_next(self, s));
  s->next_seq = GS__NO_EDGE;
  gs_time_us_t at_us = gs_fridge_next_us(s);
  if (at_us == GS_TIME_NEVER) return;
  /* A segment kept across a shed or restore may have its edge a rounding
   * error in the past; the event can only be now. */
  gs_time_us_t now_us = gs_engine_now(eng);
  if (at_us < now_us) at_us = now_us;
  s->next_seq = (uint32_t)gs_engine_schedule(eng, self, at_us, GS_PHASE_MODEL,
                                             GS_EV_FRIDGE_EDGE, 0, 0);
}

/* Steady-state fraction of time the compressor runs, from the closed-form
 * on and off durations of a full cycle between the edges. */
static double gs__fridge_duty(const gs__fridge_t *s) {
  double on_s = gs_fridge_time_to_s(s->high_c, s->inf_on_c, s->tau_s, s->low_c);
  double off_s = gs_fridge_time_to_s(s->low_c, s->amb_c, s->tau_s, s->high_c);
  if (isinf(on_s) && isinf(off_s)) return 0.5; /* stays as it starts */
  if (isinf(on_s)) return 1;  /* compressor too small to reach low_c */
  if (isinf(off_s)) return 0; /* room colder than high_c: never runs */
  return on_s / (on_s + off_s);
}

static gs_err_t gs__fridge_init(gs_engine_t *eng, gs_entity_id_t self,
                                void *state, const gs_model_init_t *init,
                                gs_errbuf_t *eb) {
  gs__fridge_t *s = state;
  const double *p = init->params;
  const char *id = init->id ? init->id : "fridge";
  double half_c = p[GS_FRIDGE_P_DEADBAND] / 2;
  double high_c = p[GS_FRIDGE_P_SETPOINT] + half_c;
  if (!(p[GS_FRIDGE_P_DEADBAND] > 0 && p[GS_FRIDGE_P_R] > 0 &&
        p[GS_FRIDGE_P_C] > 0 && p[GS_FRIDGE_P_COP] > 0))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: deadband_c, cop, r_c_per_kw and c_kwh_per_c "
                         "must be > 0",
                         id);
  if (!(p[GS_FRIDGE_P_MAX_TEMP] > high_c))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: max_temp_c (%g) must exceed setpoint_c + "
                         "deadband_c/2 (%g)",
                         id, p[GS_FRIDGE_P_MAX_TEMP], high_c);
  if (!(p[GS_FRIDGE_P_POWER] > 0 &&
        p[GS_FRIDGE_P_POWER] <= GS__FRIDGE_MAX_POWER_W))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: power_w must be in (0, %d], found %g", id,
                         GS__FRIDGE_MAX_POWER_W, p[GS_FRIDGE_P_POWER]);
  if (!(p[GS_FRIDGE_P_BREAKER] >= 1 &&
        p[GS_FRIDGE_P_BREAKER] <= GS__FRIDGE_MAX_BREAKER_A))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: breaker_amps must be in [1, %d], found %g", id,
                         GS__FRIDGE_MAX_BREAKER_A, p[GS_FRIDGE_P_BREAKER]);

  /* R in degC/kW times C in kWh/degC is hours; P in kW. */
  double eta_r_p_c =
      p[GS_FRIDGE_P_COP] * p[GS_FRIDGE_P_R] * p[GS_FRIDGE_P_POWER] / 1000.0;
  s->tau_s = (float)(p[GS_FRIDGE_P_R] * p[GS_FRIDGE_P_C] * 3600.0);
  s->low_c = (float)(p[GS_FRIDGE_P_SETPOINT] - half_c);
  s->high_c = (float)high_c;
  s->amb_c = (float)p[GS_FRIDGE_P_AMBIENT];
  s->inf_on_c = (float)(p[GS_FRIDGE_P_AMBIENT] - eta_r_p_c);
  s->max_c = (float)p[GS_FRIDGE_P_MAX_TEMP];
  s->rated_mw = (unsigned)llround(p[GS_FRIDGE_P_POWER] * 1000.0);
  s->breaker_a = (unsigned)llround(p[GS_FRIDGE_P_BREAKER]);
  s->critical = p[GS_FRIDGE_P_CRITICAL] != 0;
  s->shed = 0;
  s->next_seq = GS__NO_EDGE;

  /* Desynchronised start, from the entity's own stream: temperature uniform
   * in the deadband, compressor on with the steady-state duty cycle. (The
   * exact stationary density is proportional to 1/|dT/dt|, which varies by
   * only a few per cent across a narrow band.) */
  gs_rng_t rng;
  gs_rng_init(&rng, init->seed, init->key, GS_RNG_BEHAVIOUR);
  double u_temp = gs_rng_uniform(&rng);
  double u_on = gs_rng_uniform(&rng);
  s->t0_us = gs_engine_now(eng);
  s->temp0_c = s->low_c + u_temp * (s->high_c - s->low_c);
  s->meter = init->meter;
  s->on = 0;
  if (u_on < gs__fridge_duty(s)) {
    s->on = s->rated_mw != 0;
    if (init->meter != GS_METER_NONE)
      gs_engine_add_power(eng, init->meter, gs__fridge_power_mw(s));
  }
  gs__fridge_reschedule(eng, self, s);
  return GS_OK;
}

/* A shed switches the compressor off and holds it off. A compressor is on
 * or off, so a request smaller than the present draw (curtail "by at most
 * arg mW") cannot be met and is declined; an idle fridge is held off. */
static void gs__fridge_shed(gs_engine_t *eng, gs_entity_id_t self,
                            gs__fridge_t *s, int64_t limit_mw) {
  if (s->critical || s->shed || limit_mw < gs__fridge_power_mw(s)) return;
  s->shed = 1;
  if (s->on) gs__fridge_switch(eng, s, false);
  gs__fridge_reschedule(eng, self, s);
}

/* A restore lets the thermostat act again: if the compartment has warmed
 * past the upper edge, the compressor starts now (the rebound). */
static void gs__fridge_restore(gs_engine_t *eng, gs_entity_id_t self,
                               gs__fridge_t *s) {
  if (!s->shed) return; /* never shed, or the limit already ended it */
  s->shed = 0;
  if (gs_fridge_temp_c(s, gs_engine_now(eng)) >= s->high_c)
    gs__fridge_switch(eng, s, true);
  gs__fridge_reschedule(eng, self, s);
}

static void gs__fridge_handle(gs_engine_t *eng, gs_entity_id_t self,
                              void *state, const gs_event_t *ev) {
  gs__fridge_t *s = state;
  switch (ev->kind) {
    case GS_EV_FRIDGE_EDGE:
      /* Cancelled edges are skipped by the engine: this is the pending one. */
      GS_ASSERT(gs_event_handle(ev) == gs__fridge_next(self, s));
      s->next_seq = GS__NO_EDGE;
      if (!s->on) s->shed = 0; /* at max_temp_c a shed ends */
      gs__fridge_switch(eng, s, !s->on);
      gs__fridge_reschedule(eng, self, s);
      break;
    case GS_EV_LOAD_SHED:
      gs__fridge_shed(eng, self, s, ev->arg);
      break;
    case GS_EV_LOAD_RESTORE:
      gs__fridge_restore(eng, self, s);
      break;
    default:
      /* Common kinds meant for other roles are ignored; an unknown model
       * kind is a programming error. */
      GS_ASSERT(ev->kind < GS_EV_MODEL);
      break;
  }
}

static void gs__fridge_status(const void *state, gs_time_us_t now_us,
                              gs_load_status_t *out) {
  const gs__fridge_t *s = state;
  /* Comfort cost: how far the compartment is from the lower edge toward
   * the food-safety limit (0 when cold, 1 at the limit). */
  double span = (double)s->max_c - (double)s->low_c;
  double cost = span > 0
                    ? (gs_fridge_temp_c(state, now_us) - s->low_c) / span
                    : 1;
  out->comfort_cost = cost < 0 ? 0 : cost > 1 ? 1 : cost;
  out->soc_pct = -1;
  out->shedding = s->shed;
  out->power_mw = gs__fridge_power_mw(s);
  out->capacity_mw = (int64_t)s->breaker_a * GS__FRIDGE_VOLTS * 1000;
  /* Contract: shedCapabilityKw is the present draw, 0 for critical. */
  out->shed_capability_mw = s->critical ? 0 : gs__fridge_power_mw(s);
  out->min_shed_mw = gs__fridge_power_mw(s); /* a compressor is on or off */
  out->enabled = true;
  out->critical = s->critical;
}

const gs_model_type_t gs_model_fridge = {
    .name = "fridge",
    .doc = "refrigerator: 1R1C thermostatic load, critical by default",
    .role = GS_ROLE_LOAD,
    .state_size = sizeof(gs__fridge_t),
    .params = gs__fridge_params,
    .n_params = GS_FRIDGE_NPARAMS,
    .init = gs__fridge_init,
    .handle = gs__fridge_handle,
    .finish = NULL,
    .status = gs__fridge_status,
    .meter_of = gs__fridge_meter_of,
};
