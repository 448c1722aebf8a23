/* SPDX-License-Identifier: MIT */
/* Electric water heater load: a fully mixed (one-node) tank solved in closed
 * form between thermostat edges and stochastic hot-water draws. */
#include "water_heater.h"

#include <math.h>
#include <stdint.h>

#include <gsl/gsl_randist.h>

#include "gridsim/engine.h"
#include "gridsim/rng.h"
#include "gridsim/scenario.h"
#include "models.h"
#include "world.h"

/* The tank is the one-node model of GridLAB-D's residential waterheater
 * (PNNL-17694, 2008; residential/waterheater.cpp), also the model of Dolan,
 * Nehrir & Gerez, IEEE Trans. Energy Conversion 11(3), 1996:
 *
 *   C dT/dt = P m - UA (T - T_amb) - n m_dot c_p (T - T_in)
 *
 * with m = 1 while the element heats and n draws running, each taking hot
 * water at m_dot and letting in cold water at T_in. Between two events m
 * and n are constant and, with G = UA + n m_dot c_p,
 *   T(t) = T_inf + (T0 - T_inf) exp(-t G / C),
 *   T_inf = (UA T_amb + n m_dot c_p T_in + P m) / G,
 * so the time to an edge is (C / G) ln((T0 - T_inf) / (T_edge - T_inf)).
 * Events: thermostat edges (computed, never polled), draw starts (a
 * non-homogeneous Poisson process, by thinning) and draw ends. */

/* Contract (grid-services-mqtt.md): rated power = breaker amps x 240 V. */
#define GS__WH_VOLTS         240
#define GS__WH_MAX_POWER_W   16000 /* fits the 15-bit field */
#define GS__WH_MAX_BREAKER_A 127
#define GS__WH_MAX_DRAWS     63         /* simultaneous draws the field holds */
#define GS__WH_NO_EDGE       UINT32_MAX /* edge_seq when no edge is pending */

/* Building America House Simulation Protocols (Hendron & Engebrecht 2010,
 * NREL/TP-550-49426): hourly fractions of daily hot-water fixture use, as
 * tabulated in NREL's OpenStudio-HPXML defaults (FixturesWeekdayFractions,
 * weekday = weekend). The published values sum to 1.002; normalised here. */
#define GS__WH_F(x) ((x) / 1.002)
const double gs_water_heater_hourly[24] = {
    GS__WH_F(0.012), GS__WH_F(0.006), GS__WH_F(0.004), GS__WH_F(0.005),
    GS__WH_F(0.010), GS__WH_F(0.034), GS__WH_F(0.078), GS__WH_F(0.087),
    GS__WH_F(0.080), GS__WH_F(0.067), GS__WH_F(0.056), GS__WH_F(0.047),
    GS__WH_F(0.040), GS__WH_F(0.035), GS__WH_F(0.033), GS__WH_F(0.031),
    GS__WH_F(0.039), GS__WH_F(0.051), GS__WH_F(0.060), GS__WH_F(0.060),
    GS__WH_F(0.055), GS__WH_F(0.048), GS__WH_F(0.038), GS__WH_F(0.026),
};
#define GS__WH_PEAK GS__WH_F(0.087) /* the largest hourly fraction */

/* Per-entity state: 88 bytes. The segment (t0_us, temp0_c) is double so
 * the closed form keeps full precision; every parameter is quantised to a
 * resolution far finer than it is known: temperatures to 0.01 degC, flow
 * to 0.01 L/min, draws per day to 0.01, power to 1 W, C and UA to float.
 * The pending edge is kept as its sequence number only: a handle is
 * (target << 32) | seq (gridsim/event.h) and the target is this entity.
 * The meter is kept here (gs__wh_meter_of): 4 more bytes (8 with the
 * padding), but the engine's record of every entity is 4 fewer. */
typedef struct gs__wh {
  gs_time_us_t t0_us;              /* start of the present segment        */
  double temp0_c;                  /* tank temperature at t0_us           */
  gs_time_us_t edge_us;            /* when the pending edge event fires   */
  gs_time_us_t draw_us;            /* the pending GS_EV_WH_DRAW_START, or  */
                                   /* NEVER: the edge horizon (see commit) */
  gs_rng_t rng;                    /* GS_RNG_BEHAVIOUR: start state, draws */
  float cap_j_per_k;               /* C = volume rho c_p                  */
  float ua_w_per_k;                /* standby loss conductance            */
  float mean_draw_s;               /* mean duration of one draw           */
  uint32_t edge_seq;               /* pending GS_EV_WH_EDGE, or NO_EDGE   */
  uint32_t meter;                  /* the meter it adds to                */
  int16_t low_cc, high_cc, min_cc; /* edges, comfort limit; centi-degC */
  int16_t amb_cc, inlet_cc;        /* surroundings, cold water        */
  uint16_t flow_clpm;              /* one draw's flow, centi-L/min    */
  unsigned rated_w : 15;           /* element power                         */
  unsigned breaker_a : 7;          /* circuit breaker, A                     */
  unsigned n_draws : 6;            /* draws running now                      */
  unsigned calling : 1;            /* thermostat calls for heat (hysteresis) */
  unsigned shed : 1;               /* held off by GS_EV_LOAD_SHED            */
  unsigned overridden : 1;         /* comfort limit ended the shed           */
  unsigned enabled : 1;            /* breaker on (setLoad)                   */
  unsigned capped : 1;             /* setLoad capacity below the element     */
  unsigned critical : 1;           /* never shed                             */
  unsigned clock_min : 11;         /* local clock at t = 0, min after 00:00  */
  unsigned draws_cpd : 16;         /* mean draws per day x 100               */
} gs__wh_t;

_Static_assert(sizeof(gs__wh_t) <= 88, "water heater state must stay small");

/* Defaults and their sources (details in README.md, section Water heater):
 * tank 50 gal with a 4.5 kW element and UA = 2 Btu/(h degF) are GridLAB-D's
 * defaults; 51.7 degC (125 degF) setpoint and 14.4 degC (58 degF) inlet are
 * the DOE test conditions (10 CFR 430 Subpart B, Appendix E), as is the
 * medium-usage pattern of 55 gal/day in 12 draws at 1.7 gal/min; the 43.3
 * degC (110 degF) comfort limit, the 5.6 degC (10 degF) deadband and the
 * ambient are assumptions. */
static const gs_param_spec_t gs__wh_params[GS_WH_NPARAMS] = {
    [GS_WH_P_SETPOINT] = {.name = "setpoint_c",
                          .unit = "degC",
                          .def = 51.7,
                          .min = 30,
                          .max = 80,
                          .doc = "thermostat setpoint (deadband centre)"},
    [GS_WH_P_DEADBAND] = {.name = "deadband_c",
                          .unit = "degC",
                          .def = 5.6,
                          .min = 0.5,
                          .max = 20,
                          .doc = "thermostat deadband (full width)"},
    [GS_WH_P_VOLUME] = {.name = "volume_l",
                        .unit = "L",
                        .def = 189.3,
                        .min = 20,
                        .max = 1000,
                        .doc = "tank volume (189.3 L = 50 gal)"},
    [GS_WH_P_UA] = {.name = "ua_w_per_k",
                    .unit = "W/K",
                    .def = 1.055,
                    .min = 0.01,
                    .max = 50,
                    .doc = "standby loss conductance tank to room"},
    [GS_WH_P_POWER] = {.name = "power_kw",
                       .unit = "kW",
                       .def = 4.5,
                       .min = 0.1,
                       .max = GS__WH_MAX_POWER_W / 1000.0,
                       .doc = "element power (one element on at a time)"},
    [GS_WH_P_AMBIENT] = {.name = "ambient_c",
                         .unit = "degC",
                         .def = 20,
                         .min = -20,
                         .max = 50,
                         .doc = "air temperature around the tank"},
    [GS_WH_P_INLET] = {.name = "inlet_c",
                       .unit = "degC",
                       .def = 14.4,
                       .min = 0,
                       .max = 35,
                       .doc = "cold (mains) water temperature"},
    [GS_WH_P_MIN_TEMP] = {.name = "min_temp_c",
                          .unit = "degC",
                          .def = 43.3,
                          .min = 20,
                          .max = 75,
                          .doc = "comfort limit that ends a shed"},
    [GS_WH_P_DAILY_VOL] = {.name = "daily_volume_l",
                           .unit = "L",
                           .def = 208.2,
                           .min = 0,
                           .max = 2000,
                           .doc = "mean hot water drawn per day (55 gal)"},
    [GS_WH_P_DRAWS] = {.name = "draws_per_day",
                       .unit = "1/d",
                       .def = 12,
                       .min = 0,
                       .max = 600,
                       .doc = "mean number of draws per day"},
    [GS_WH_P_FLOW] = {.name = "flow_lpm",
                      .unit = "L/min",
                      .def = 6.4,
                      .min = 0.5,
                      .max = 40,
                      .doc = "flow of one draw (6.4 L/min = 1.7 gal/min)"},
    [GS_WH_P_UTC_OFFSET] = {.name = "utc_offset_h",
                            .unit = "h",
                            .def = 0,
                            .min = -12,
                            .max = 14,
                            .doc = "local clock minus UTC, for the hourly "
                                   "draw profile"},
    [GS_WH_P_CRITICAL] = {.name = "critical",
                          .unit = "1",
                          .def = 0,
                          .min = 0,
                          .max = 1,
                          .integer = true,
                          .doc = "1: never shed (contract: 0)"},
    [GS_WH_P_BREAKER] = {.name = "breaker_amps",
                         .unit = "A",
                         .def = 30,
                         .min = 1,
                         .max = GS__WH_MAX_BREAKER_A,
                         .integer = true,
                         .doc = "circuit breaker (contract: 30 A)"},
};

static double gs__cc_to_c(int16_t cc) {
  return cc / 100.0;
}

void gs_water_heater_params(const void *state, gs_wh_params_t *out) {
  const gs__wh_t *s = state;
  out->cap_j_per_k = s->cap_j_per_k;
  out->ua_w_per_k = s->ua_w_per_k;
  out->flow_lpm = s->flow_clpm / 100.0;
  out->draw_w_per_k =
      out->flow_lpm / 60.0 * GS_WH_RHO_KG_PER_L * GS_WH_CP_J_PER_KG_K;
  out->power_w = s->rated_w;
  out->ambient_c = gs__cc_to_c(s->amb_cc);
  out->inlet_c = gs__cc_to_c(s->inlet_cc);
  out->low_c = gs__cc_to_c(s->low_cc);
  out->high_c = gs__cc_to_c(s->high_cc);
  out->min_c = gs__cc_to_c(s->min_cc);
  out->draws_per_day = s->draws_cpd / 100.0;
  out->mean_draw_s = s->mean_draw_s;
}

void gs_water_heater_asymptote(const gs_wh_params_t *p, double power_w,
                               unsigned n_draws, double *inf_c, double *tau_s) {
  double draw_w_per_k = n_draws * p->draw_w_per_k;
  double g_w_per_k = p->ua_w_per_k + draw_w_per_k;
  *inf_c =
      (p->ua_w_per_k * p->ambient_c + draw_w_per_k * p->inlet_c + power_w) /
      g_w_per_k;
  *tau_s = p->cap_j_per_k / g_w_per_k;
}

static bool gs__wh_can_heat(const gs__wh_t *s) {
  return s->enabled && !s->capped && !s->shed;
}

static int64_t gs__wh_power_mw(const gs__wh_t *s) {
  return s->calling && gs__wh_can_heat(s) ? (int64_t)s->rated_w * 1000 : 0;
}

void gs_water_heater_segment(const void *state, gs_wh_segment_t *out) {
  const gs__wh_t *s = state;
  out->t0_us = s->t0_us;
  out->temp0_c = s->temp0_c;
  out->element_on = gs__wh_power_mw(s) != 0;
  out->n_draws = s->n_draws;
}

/* Asymptote and time constant of the present segment. */
static void gs__wh_dynamics(const gs__wh_t *s, double *inf_c, double *tau_s) {
  gs_wh_params_t p;
  gs_water_heater_params(s, &p);
  gs_water_heater_asymptote(&p, gs__wh_power_mw(s) != 0 ? p.power_w : 0,
                            s->n_draws, inf_c, tau_s);
}

double gs_water_heater_temp_c(const void *state, gs_time_us_t now_us) {
  const gs__wh_t *s = state;
  double inf_c, tau_s;
  gs__wh_dynamics(s, &inf_c, &tau_s);
  double dt_s = (double)(now_us - s->t0_us) / (double)GS_US_PER_S;
  return inf_c + (s->temp0_c - inf_c) * exp(-dt_s / tau_s);
}

/* Which edge the present segment heads for. The thermostat has hysteresis:
 * it calls for heat from the lower edge until the upper one. */
typedef enum {
  GS__WH_EDGE_NONE, /* calling, but the breaker is off or capped    */
  GS__WH_EDGE_HIGH, /* heating: stop calling at the upper edge     */
  GS__WH_EDGE_LOW,  /* idle: call for heat at the lower edge        */
  GS__WH_EDGE_LIMIT /* held off by a shed: override at min_temp_c   */
} gs__wh_edge_t;

static gs__wh_edge_t gs__wh_edge(const gs__wh_t *s, double *edge_c) {
  if (!s->calling) {
    *edge_c = gs__cc_to_c(s->low_cc);
    return GS__WH_EDGE_LOW;
  }
  if (gs__wh_can_heat(s)) {
    *edge_c = gs__cc_to_c(s->high_cc);
    return GS__WH_EDGE_HIGH;
  }
  /* The comfort override only helps when the breaker would let it heat. */
  if (s->shed && s->enabled && !s->capped) {
    *edge_c = gs__cc_to_c(s->min_cc);
    return GS__WH_EDGE_LIMIT;
  }
  return GS__WH_EDGE_NONE;
}

gs_time_us_t gs_water_heater_next_edge_us(const void *state) {
  const gs__wh_t *s = state;
  double edge_c, inf_c, tau_s;
  gs__wh_edge_t kind = gs__wh_edge(s, &edge_c);
  if (kind == GS__WH_EDGE_NONE) return GS_TIME_NEVER;
  /* A segment that starts on the far side of its edge switches now (a
   * restore or a draw's end can leave it there). */
  bool rising = kind == GS__WH_EDGE_HIGH;
  if (rising ? s->temp0_c >= edge_c : s->temp0_c <= edge_c) return s->t0_us;
  gs__wh_dynamics(s, &inf_c, &tau_s);
  double gap0 = s->temp0_c - inf_c, gap1 = edge_c - inf_c;
  /* The response moves monotonically toward inf_c and never crosses it:
   * an edge at or beyond the asymptote is never reached (a draw larger
   * than the element can follow, or heat that cannot reach the edge). */
  if (gap0 == 0 || gap1 == 0 || (gap0 > 0) != (gap1 > 0) ||
      fabs(gap1) >= fabs(gap0))
    return GS_TIME_NEVER;
  /* log1p keeps precision when temp0 is close to the edge. */
  double dt_s = tau_s * log1p((s->temp0_c - edge_c) / gap1);
  gs_time_us_t dt_us;
  if (gs_time_from_s(dt_s, &dt_us) != GS_OK) return GS_TIME_NEVER;
  if (dt_us >= GS_TIME_NEVER - s->t0_us) return GS_TIME_NEVER;
  return s->t0_us + dt_us;
}

bool gs_water_heater_is_shed(const void *state) {
  return ((const gs__wh_t *)state)->shed != 0;
}

bool gs_water_heater_overridden(const void *state) {
  return ((const gs__wh_t *)state)->overridden != 0;
}

/* Local hour (0-23) at simulated time `t_us`. */
static unsigned gs__wh_hour(gs_time_us_t t_us, unsigned clock_min) {
  int64_t min = t_us / GS_US_PER_MIN + (int64_t)clock_min;
  return (unsigned)((min / 60) % 24);
}

gs_time_us_t gs_water_heater_next_arrival_us(gs_rng_t *r, gs_time_us_t t_us,
                                             double draws_per_day,
                                             unsigned clock_min) {
  if (!(draws_per_day > 0)) return GS_TIME_NEVER;
  /* Thinning (Lewis & Shedler 1979): candidates at the peak hourly rate,
   * each kept with probability rate(t) / peak rate. */
  double mean_gap_s = 3600.0 / (draws_per_day * GS__WH_PEAK);
  gs_rng_lease_t l;
  gsl_rng *g = gs_rng_borrow(&l, r);
  for (;;) {
    gs_time_us_t gap_us = llround(gsl_ran_exponential(g, mean_gap_s) * 1e6);
    if (gap_us < 1) gap_us = 1; /* keep time moving */
    if (gap_us >= GS_TIME_NEVER / 2 - t_us) {
      t_us = GS_TIME_NEVER;
      break;
    }
    t_us += gap_us;
    double keep = gs_water_heater_hourly[gs__wh_hour(t_us, clock_min)];
    if (gsl_rng_uniform(g) * GS__WH_PEAK < keep) break;
  }
  gs_rng_return(&l);
  return t_us;
}

/* Ends the present segment now: the temperature is taken from it at the
 * actual (rounded) event time. Returns the draw before the change. */
static int64_t gs__wh_begin(gs_engine_t *eng, gs__wh_t *s) {
  gs_time_us_t now_us = gs_engine_now(eng);
  s->temp0_c = gs_water_heater_temp_c(s, now_us);
  s->t0_us = now_us;
  return gs__wh_power_mw(s);
}

static void gs__wh_arm(gs_engine_t *eng, gs_entity_id_t self, gs__wh_t *s,
                       gs_time_us_t at_us) {
  gs_event_handle_t h =
      gs_engine_schedule(eng, self, at_us, GS_PHASE_MODEL, GS_EV_WH_EDGE, 0, 0);
  s->edge_seq = (uint32_t)(h & UINT32_MAX);
  s->edge_us = at_us;
}

/* At a GS_EV_WH_EDGE: is it the pending edge and is the edge due? If it
 * came early (kept by gs__wh_commit for a later edge), it re-arms. */
static bool gs__wh_edge_due(gs_engine_t *eng, gs_entity_id_t self,
                            gs__wh_t *s, const gs_event_t *ev) {
  if (ev->seq != s->edge_seq) return false; /* superseded */
  s->edge_seq = GS__WH_NO_EDGE;
  gs_time_us_t at_us = gs_water_heater_next_edge_us(s);
  if (at_us == GS_TIME_NEVER) return false;
  if (at_us <= gs_engine_now(eng)) return true;
  if (at_us <= s->draw_us) gs__wh_arm(eng, self, s, at_us);
  return false;
}

static void gs__wh_plan_edge(gs_engine_t *eng, gs_entity_id_t self,
                             gs__wh_t *s);

static uint32_t gs__wh_meter_of(const void *state) {
  return ((const gs__wh_t *)state)->meter;
}

/* After a change of state: applies the change of draw to the meter and
 * makes sure an edge event comes no later than the new segment's edge. */
static void gs__wh_commit(gs_engine_t *eng, gs_entity_id_t self, gs__wh_t *s,
                          int64_t before_mw) {
  int64_t delta_mw = gs__wh_power_mw(s) - before_mw;
  if (delta_mw != 0) {
    if (s->meter != GS_METER_NONE) gs_engine_add_power(eng, s->meter, delta_mw);
  }
  gs__wh_plan_edge(eng, self, s);
}

/* Makes sure an edge event comes no later than the segment's edge, if
 * that edge comes no later than the next draw. */
static void gs__wh_plan_edge(gs_engine_t *eng, gs_entity_id_t self,
                             gs__wh_t *s) {
  gs_time_us_t at_us = gs_water_heater_next_edge_us(s);
  gs_time_us_t now_us = gs_engine_now(eng);
  if (at_us != GS_TIME_NEVER && at_us < now_us) at_us = now_us;
  /* The next draw start ends the segment and plans the edge anew, so an
   * edge after it is not scheduled at all. Without this horizon every
   * draw superseded the standby edge hours ahead, and those events stayed
   * queued until their time: seven per heater by the evening peak, 80
   * bytes per home of a large fleet, and as many events that did nothing.
   * An edge at the draw's very instant is kept, as it always was. */
  if (at_us > s->draw_us) at_us = GS_TIME_NEVER;
  /* Every draw moves the edge, mostly later, and a cancelled edge would
   * stay in the queue (and the engine's cancel set) until its time: a
   * hundred bytes per home in a large fleet. So a pending edge that comes
   * no later than the new one is kept; when it fires it finds the edge not
   * due yet and re-arms for it (gs__wh_edge_due). An earlier edge is
   * scheduled anew, and the pending one, superseded, is ignored when it
   * fires (its sequence number is no longer edge_seq). */
  if (s->edge_seq != GS__WH_NO_EDGE && s->edge_us <= at_us) return;
  s->edge_seq = GS__WH_NO_EDGE;
  if (at_us == GS_TIME_NEVER) return;
  gs__wh_arm(eng, self, s, at_us);
}

static gs_err_t gs__wh_check(const double *p, const char *id, gs_errbuf_t *eb) {
  double low_c = p[GS_WH_P_SETPOINT] - p[GS_WH_P_DEADBAND] / 2;
  if (!(p[GS_WH_P_MIN_TEMP] < low_c))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: min_temp_c (%g) must be below setpoint_c - "
                         "deadband_c/2 (%g)",
                         id, p[GS_WH_P_MIN_TEMP], low_c);
  if (!(p[GS_WH_P_DEADBAND] > 0 && p[GS_WH_P_VOLUME] > 0 && p[GS_WH_P_UA] > 0 &&
        p[GS_WH_P_FLOW] > 0))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: deadband_c, volume_l, ua_w_per_k and flow_lpm "
                         "must be > 0",
                         id);
  if (!(p[GS_WH_P_POWER] > 0 && p[GS_WH_P_POWER] * 1000 <= GS__WH_MAX_POWER_W))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: power_kw must be in (0, %g], found %g", id,
                         GS__WH_MAX_POWER_W / 1000.0, p[GS_WH_P_POWER]);
  if (!(p[GS_WH_P_BREAKER] >= 1 && p[GS_WH_P_BREAKER] <= GS__WH_MAX_BREAKER_A))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: breaker_amps must be in [1, %d], found %g", id,
                         GS__WH_MAX_BREAKER_A, p[GS_WH_P_BREAKER]);
  if (!(p[GS_WH_P_DRAWS] >= 0 && p[GS_WH_P_DRAWS] <= 600 &&
        p[GS_WH_P_DAILY_VOL] >= 0))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: draws_per_day must be in [0, 600] and "
                         "daily_volume_l >= 0",
                         id);
  return GS_OK;
}

static int16_t gs__c_to_cc(double c) {
  return (int16_t)lround(c * 100);
}

static gs_err_t gs__wh_init(gs_engine_t *eng, gs_entity_id_t self, void *state,
                            const gs_model_init_t *init, gs_errbuf_t *eb) {
  gs__wh_t *s = state;
  const double *p = init->params;
  gs_err_t err = gs__wh_check(p, init->id ? init->id : "water_heater", eb);
  if (err != GS_OK) return err;

  double half_c = p[GS_WH_P_DEADBAND] / 2;
  s->low_cc = gs__c_to_cc(p[GS_WH_P_SETPOINT] - half_c);
  s->high_cc = gs__c_to_cc(p[GS_WH_P_SETPOINT] + half_c);
  s->min_cc = gs__c_to_cc(p[GS_WH_P_MIN_TEMP]);
  s->amb_cc = gs__c_to_cc(p[GS_WH_P_AMBIENT]);
  s->inlet_cc = gs__c_to_cc(p[GS_WH_P_INLET]);
  s->cap_j_per_k =
      (float)(p[GS_WH_P_VOLUME] * GS_WH_RHO_KG_PER_L * GS_WH_CP_J_PER_KG_K);
  s->ua_w_per_k = (float)p[GS_WH_P_UA];
  s->flow_clpm = (uint16_t)lround(p[GS_WH_P_FLOW] * 100);
  s->rated_w = (unsigned)lround(p[GS_WH_P_POWER] * 1000);
  s->breaker_a = (unsigned)lround(p[GS_WH_P_BREAKER]);
  s->critical = p[GS_WH_P_CRITICAL] != 0;
  s->enabled = 1;
  s->edge_seq = GS__WH_NO_EDGE;
  s->meter = init->meter;
  /* No volume means no draws. The mean duration follows from the daily
   * volume at the quantised rate and flow, so the mean daily volume is
   * exactly the parameter. */
  s->draws_cpd =
      p[GS_WH_P_DAILY_VOL] > 0 ? (unsigned)lround(p[GS_WH_P_DRAWS] * 100) : 0;
  s->mean_draw_s = s->draws_cpd > 0
                       ? (float)(p[GS_WH_P_DAILY_VOL] * 60.0 /
                                 (s->draws_cpd / 100.0 * s->flow_clpm / 100.0))
                       : 0;

  /* The local clock at t = 0: the scenario's start instant (UTC) plus the
   * offset; without a world, t = 0 is local midnight. */
  int64_t start_min = 0;
  if (init->world != NULL) {
    const gs_world_t *w = init->world;
    int64_t start_s = gs_scenario_start_unix_s(w->scenario);
    start_min = (start_s - ((start_s % 60) + 60) % 60) / 60;
  }
  int64_t clock_min = start_min + llround(p[GS_WH_P_UTC_OFFSET] * 60);
  s->clock_min = (unsigned)(((clock_min % 1440) + 1440) % 1440);

  /* Desynchronised start from the entity's own stream: temperature uniform
   * in the deadband, calling for heat with the long-run fraction of time
   * the element runs (mean heat demand at the setpoint over its power). */
  gs_rng_init(&s->rng, init->seed, init->key, GS_RNG_BEHAVIOUR);
  double u_temp = gs_rng_uniform(&s->rng);
  double u_call = gs_rng_uniform(&s->rng);
  gs_wh_params_t wp;
  gs_water_heater_params(s, &wp);
  double mid_c = (wp.low_c + wp.high_c) / 2;
  double demand_w = wp.ua_w_per_k * (mid_c - wp.ambient_c) +
                    p[GS_WH_P_DAILY_VOL] / 86400.0 * GS_WH_RHO_KG_PER_L *
                        GS_WH_CP_J_PER_KG_K * (mid_c - wp.inlet_c);
  s->t0_us = gs_engine_now(eng);
  s->temp0_c = wp.low_c + u_temp * (wp.high_c - wp.low_c);
  s->calling = u_call * wp.power_w < demand_w;

  gs_time_us_t first_us = gs_water_heater_next_arrival_us(
      &s->rng, s->t0_us, s->draws_cpd / 100.0, s->clock_min);
  if (first_us != GS_TIME_NEVER)
    gs_engine_schedule(eng, self, first_us, GS_PHASE_MODEL, GS_EV_WH_DRAW_START,
                       0, 0);
  s->draw_us = first_us;
  gs__wh_commit(eng, self, s, 0);
  return GS_OK;
}

/* A draw starts: the flow of one more fixture, for an exponentially
 * distributed volume (so duration, at constant flow); then the next
 * arrival is drawn. A draw that would exceed the field's count is lost,
 * but its duration is still drawn so the stream stays aligned. */
static void gs__wh_draw_start(gs_engine_t *eng, gs_entity_id_t self,
                              gs__wh_t *s) {
  gs_time_us_t now_us = gs_engine_now(eng);
  gs_rng_lease_t l;
  gs_time_us_t dur_us = llround(
      gsl_ran_exponential(gs_rng_borrow(&l, &s->rng), s->mean_draw_s) * 1e6);
  gs_rng_return(&l);
  if (dur_us < 1) dur_us = 1;
  /* The next arrival is drawn before the edge is planned, as the edge's
   * horizon (the stream's order of draws is unchanged: duration, then
   * arrival). */
  gs_time_us_t next_us = gs_water_heater_next_arrival_us(
      &s->rng, now_us, s->draws_cpd / 100.0, s->clock_min);
  s->draw_us = next_us;
  if (s->n_draws < GS__WH_MAX_DRAWS) {
    int64_t before_mw = gs__wh_begin(eng, s);
    s->n_draws++;
    gs__wh_commit(eng, self, s, before_mw);
    gs_engine_schedule(eng, self, now_us + dur_us, GS_PHASE_MODEL,
                       GS_EV_WH_DRAW_END, 0, 0);
  } else {
    gs__wh_plan_edge(eng, self, s); /* the horizon moved */
  }
  if (next_us != GS_TIME_NEVER)
    gs_engine_schedule(eng, self, next_us, GS_PHASE_MODEL, GS_EV_WH_DRAW_START,
                       0, 0);
}

/* The thermostat (or comfort-limit) edge the segment was heading for. */
static void gs__wh_on_edge(gs_engine_t *eng, gs_entity_id_t self, gs__wh_t *s) {
  double edge_c;
  gs__wh_edge_t kind = gs__wh_edge(s, &edge_c);
  int64_t before_mw = gs__wh_begin(eng, s);
  switch (kind) {
    case GS__WH_EDGE_HIGH:
      s->calling = 0;
      break;
    case GS__WH_EDGE_LOW:
      s->calling = 1;
      break;
    case GS__WH_EDGE_LIMIT:
      /* The household's comfort overrides the program: heating resumes
       * and the shed counts as an opt-out until the next restore. */
      s->shed = 0;
      s->overridden = 1;
      break;
    case GS__WH_EDGE_NONE:
      GS_ASSERT(!"water heater: edge with no target");
  }
  gs__wh_commit(eng, self, s, before_mw);
}

/* A shed holds the element off. An element is on or off, so a request
 * smaller than the present draw cannot be met and is declined; an idle
 * heater is held off (it would otherwise start during the event). */
static void gs__wh_shed(gs_engine_t *eng, gs_entity_id_t self, gs__wh_t *s,
                        int64_t limit_mw) {
  if (s->critical || s->shed || limit_mw < gs__wh_power_mw(s)) return;
  int64_t before_mw = gs__wh_begin(eng, s);
  s->shed = 1;
  s->overridden = 0;
  gs__wh_commit(eng, self, s, before_mw);
}

/* A restore gives the thermostat back: if it called for heat during the
 * shed the element starts now, which is the rebound. */
static void gs__wh_restore(gs_engine_t *eng, gs_entity_id_t self, gs__wh_t *s) {
  if (!s->shed && !s->overridden) return;
  int64_t before_mw = gs__wh_begin(eng, s);
  s->shed = 0;
  s->overridden = 0;
  gs__wh_commit(eng, self, s, before_mw);
}

/* setLoad: the breaker on or off, and a capacity limit, which an on/off
 * element can only meet by not heating. */
static void gs__wh_set(gs_engine_t *eng, gs_entity_id_t self, gs__wh_t *s,
                       int64_t limit_mw, uint32_t flags) {
  bool capped = limit_mw >= 0 && limit_mw < (int64_t)s->rated_w * 1000;
  bool enabled = (flags & 2) ? (flags & 1) != 0 : s->enabled != 0;
  if (capped == (s->capped != 0) && enabled == (s->enabled != 0)) return;
  int64_t before_mw = gs__wh_begin(eng, s);
  s->capped = capped;
  s->enabled = enabled;
  gs__wh_commit(eng, self, s, before_mw);
}

static void gs__wh_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                          const gs_event_t *ev) {
  gs__wh_t *s = state;
  switch (ev->kind) {
    case GS_EV_WH_EDGE:
      if (gs__wh_edge_due(eng, self, s, ev)) gs__wh_on_edge(eng, self, s);
      break;
    case GS_EV_WH_DRAW_START:
      gs__wh_draw_start(eng, self, s);
      break;
    case GS_EV_WH_DRAW_END: {
      GS_ASSERT(s->n_draws > 0);
      int64_t before_mw = gs__wh_begin(eng, s);
      s->n_draws--;
      gs__wh_commit(eng, self, s, before_mw);
      break;
    }
    case GS_EV_LOAD_SHED:
      gs__wh_shed(eng, self, s, ev->arg);
      break;
    case GS_EV_LOAD_RESTORE:
      gs__wh_restore(eng, self, s);
      break;
    case GS_EV_LOAD_SET:
      gs__wh_set(eng, self, s, ev->arg, ev->arg2);
      break;
    default:
      /* GS_EV_LOAD_NOTICE (no pre-heating) and kinds meant for other roles
       * are ignored; an unknown model kind is a programming error. */
      GS_ASSERT(ev->kind < GS_EV_MODEL);
      break;
  }
}

static void gs__wh_status(const void *state, gs_time_us_t now_us,
                          gs_load_status_t *out) {
  const gs__wh_t *s = state;
  /* Comfort cost: how far the tank has fallen from the lower edge toward
   * the comfort limit (0 when hot, 1 at the limit). */
  double low_c = gs__cc_to_c(s->low_cc);
  double span_c = low_c - gs__cc_to_c(s->min_cc);
  double cost = (low_c - gs_water_heater_temp_c(state, now_us)) / span_c;
  out->comfort_cost = cost < 0 ? 0 : cost > 1 ? 1 : cost;
  out->soc_pct = -1;
  out->power_mw = gs__wh_power_mw(s);
  out->capacity_mw = (int64_t)s->breaker_a * GS__WH_VOLTS * 1000;
  /* Contract: shedCapabilityKw is the present draw, 0 for critical. */
  out->shed_capability_mw = s->critical ? 0 : out->power_mw;
  out->min_shed_mw = out->power_mw; /* an element is on or off */
  out->enabled = s->enabled;
  out->critical = s->critical;
  out->shedding = s->shed;
}

const gs_model_type_t gs_model_water_heater = {
    .name = "water_heater",
    .doc =
        "electric tank water heater: one-node thermal model, stochastic "
        "draws",
    .role = GS_ROLE_LOAD,
    .state_size = sizeof(gs__wh_t),
    .params = gs__wh_params,
    .n_params = GS_WH_NPARAMS,
    .init = gs__wh_init,
    .handle = gs__wh_handle,
    .finish = NULL,
    .status = gs__wh_status,
    .meter_of = gs__wh_meter_of,
};
