/* SPDX-License-Identifier: MIT */
/* Private to the HVAC model (hvac.c, hvac_walk.c): its state, the
 * configuration a group of houses shares, and the thermostat's schedule. */
#ifndef GRIDSIM_MODELS_HVAC_PRIV_H
#define GRIDSIM_MODELS_HVAC_PRIV_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "gridsim/engine.h"
#include "hvac.h"
#include "weather.h"

/* An edge counts as reached within this much (degC): event times are
 * rounded to the microsecond, where Ta moves by ~1e-9 degC. */
#define GS__HVAC_TOL_C 1e-7

/* With no weather and no schedule, the timer still fires once a week so
 * that a horizon is always finite (see gs__hvac_next_event_us). */
#define GS__HVAC_IDLE_US (7 * GS_US_PER_DAY)

/* Most weather steps a house goes through without an event (2 h 35 min of
 * 5-minute steps, the most walk_n holds): readers of an idle house's
 * temperatures walk at most this many segments (the comfort observer
 * reads every house at every output interval of a DR event). Was 24: at
 * 31 a default home has 1.2 fewer events a day, none of which changed a
 * result. */
#define GS__HVAC_WALK_MAX 31u

/* What the houses of a group have in common: parameters a scenario gives
 * per group (thermostat, DR response, prices, setback hours, equipment),
 * held once (gs_engine_intern) and pointed to by each house. A group with
 * distributions over any of these gets one per house, as before. Compared
 * by its bytes: built on a zeroed record. */
typedef struct gs__hvac_cfg {
  const gs_weather_t *wx;     /* the run's weather, or NULL: outdoor_cc */
  gs_hvac_running_t *running; /* the sweep's bitmap (if swept), or NULL */
  int16_t comfort_cc;         /* comfort limit of a DR response, cdegC */
  int16_t precool_cc, outdoor_cc;
  int16_t price_thr_mil; /* price_threshold, 0.001 $/kWh */
  uint16_t deadband_cc;
  uint16_t window_s, precool_s;
  uint16_t cop_milli;                /* rated COP (1000 for resistance) */
  uint16_t price_gain;               /* cdegC per $/kWh above the threshold */
  uint16_t price_max_cc;             /* largest price offset */
  uint16_t sb_start_min, sb_end_min; /* sim-clock minute of day */
  uint8_t mode, dr_mode, breaker_a;
  uint8_t swept;    /* the run's weather_sweep books its steps */
  uint8_t critical; /* the VEN's shed skips it */
  uint8_t away_all; /* away every day, not Monday to Friday */
} gs__hvac_cfg_t;

/* Per-house state: 104 bytes (was 144 with the group's parameters in it).
 * The segment start (t0, Ta0, Tm0) is double and every temperature is
 * recomputed from it, so rounding event times to the microsecond never
 * accumulates. What the default homes draw per house (floor area and all
 * it sizes, setpoint, away schedule) stays here, as floats or fixed-point
 * integers (0.01 degC, 1 W), finer than they are known; the rest is in
 * the shared cfg. The electric power is the one on the meter: a function
 * of the on flag and the outdoor temperature at the last event or weather
 * step. The time of the pending TIMER is not kept: it is a function of
 * this state (gs__hvac_next_event_us), recomputed where it is needed
 * after the event that scheduled it (gs_hvac_next_us, unswept STEPs). */
typedef struct gs__hvac {
  gs_time_us_t t0_us;          /* start of the present segment */
  double ta0_c, tm0_c;         /* air and mass temperatures at t0 */
  gs_time_us_t mark_us;        /* pre-cooling: the DR event's start; duty */
                               /* limit: on-start (running), lock end (off) */
  const gs__hvac_cfg_t *cfg;   /* shared by the group (engine-owned) */
  double walk_ta_c, walk_tm_c; /* where the last walk ended (see */
                               /* gs__hvac_reschedule, _advance) */
  float ua_w_k, ca_j_k, cm_j_k, hm_w_k;
  uint32_t meter;
  uint32_t next_seq;  /* sequence number of the pending event */
  int32_t power_mw;   /* electric power on the meter */
  uint16_t cap_w;     /* rated thermal capacity */
  uint16_t solar_cm2; /* solar aperture, 0.01 m2 */
  uint16_t gains_w;
  int16_t setpoint_cc; /* base setpoint (cooling or heating), cdegC */
  unsigned fan_w : 13;
  unsigned away_cc : 10; /* weekday setup while away (0: none), cdegC */
  unsigned away_wd : 3;  /* weekday (0 Monday) of the away window that */
                         /* starts on sim day 0 */
  unsigned pending : 1;  /* an event (next_seq) is pending */
  unsigned on : 1, shed : 1, opted : 1, enabled : 1, locked : 1;
  unsigned away_start_min : 11, away_end_min : 11; /* sim-clock minute */
  unsigned price_off_cc : 10; /* setpoint offset the present price holds */
  /* Drawn per house by the shipped scenarios (summer-shed-10k,
   * winter-morning-heating), so kept here rather than in the cfg. */
  unsigned dr_val : 14;     /* dr offset (cdegC) or duty limit (1e-4) */
  unsigned setback_cc : 10; /* night setback, cdegC */
  unsigned precool : 1, blocked : 1;
  unsigned walk_n : 5; /* weather steps to walk_ta/tm_c (<= WALK_MAX) */
} gs__hvac_t;

_Static_assert(sizeof(gs__hvac_t) <= 104, "hvac state must stay small");
_Static_assert(GS__HVAC_WALK_MAX < 32, "walk_n holds the count");

/* Largest values of the narrow fields (checked at init). */
#define GS__HVAC_AWAY_CC_MAX 1023 /* also setback_cc, price_off_cc */
#define GS__HVAC_DR_VAL_MAX  16383
#define GS__HVAC_FAN_W_MAX   8191

/* llround(x) for finite x with |x| < 2^63, without the call: the
 * conversion truncates, x - trunc(x) is exact, and a remainder of at
 * least one half rounds away from zero as llround does. Used where the
 * hot paths round an event time or a power (test_hvac checks it against
 * llround). */
static inline int64_t gs__hvac_llround(double x) {
  int64_t i = (int64_t)x;
  double r = x - (double)i;
  /* Without branches: a crossing's fraction of a microsecond is as
   * likely above one half as below, which no predictor guesses. */
  return i + (int64_t)(r >= 0.5) - (int64_t)(r <= -0.5);
}

/* +1 when the equipment cools, -1 when it heats: every comparison is
 * written for cooling and mirrored by this sign. */
static inline double gs__hvac_sgn(const gs__hvac_t *s) {
  return s->cfg->mode == GS_HVAC_MODE_AC ? 1.0 : -1.0;
}

/* Minute of the simulated day (scenario clock) at `t_us`. */
static inline int gs__hvac_minute_of_day(gs_time_us_t t_us) {
  return (int)((t_us / GS_US_PER_MIN) % 1440);
}

/* Is minute of day `m` inside the daily window [start, end)? */
static inline bool gs__hvac_in_window(int m, unsigned start, unsigned end) {
  if (start < end) return m >= (int)start && m < (int)end;
  return m >= (int)start || m < (int)end; /* overnight */
}

static inline bool gs__hvac_setback_on(const gs__hvac_t *s, gs_time_us_t t_us) {
  const gs__hvac_cfg_t *c = s->cfg;
  if (s->setback_cc == 0 || c->sb_start_min == c->sb_end_min) return false;
  return gs__hvac_in_window(gs__hvac_minute_of_day(t_us), c->sb_start_min,
                            c->sb_end_min);
}

/* The weekday away setup: on inside its daily window, if that window
 * began on a Monday to Friday (local calendar), or on any day with
 * away_all. The weekday is counted from sim day 0's window (away_wd), so
 * the state holds no calendar. */
static inline bool gs__hvac_away_on(const gs__hvac_t *s, gs_time_us_t t_us) {
  if (s->away_cc == 0 || s->away_start_min == s->away_end_min) return false;
  int m = gs__hvac_minute_of_day(t_us);
  if (!gs__hvac_in_window(m, s->away_start_min, s->away_end_min)) return false;
  if (s->cfg->away_all) return true;
  int64_t day = t_us / GS_US_PER_DAY;
  if (m < (int)s->away_start_min) day -= 1; /* began the day before */
  int64_t wd = ((int64_t)s->away_wd + day) % 7;
  return (wd < 0 ? wd + 7 : wd) < 5;
}

static inline bool gs__hvac_precooling(const gs__hvac_t *s, gs_time_us_t t_us) {
  return s->precool &&
         t_us >= s->mark_us - (gs_time_us_t)s->cfg->precool_s * GS_US_PER_S;
}

/* The occupant's setpoint (schedule included, no DR): the reference of
 * the comfort cost. */
static inline double gs__hvac_base_sp_c(const gs__hvac_t *s,
                                        gs_time_us_t t_us) {
  double sp = s->setpoint_cc / 100.0;
  if (gs__hvac_setback_on(s, t_us))
    sp += gs__hvac_sgn(s) * s->setback_cc / 100.0;
  if (gs__hvac_away_on(s, t_us)) sp += gs__hvac_sgn(s) * s->away_cc / 100.0;
  return sp;
}

/* The setpoint the thermostat follows now: DR offset raises it (cooling),
 * pre-cooling lowers it. */
static inline double gs__hvac_sp_c(const gs__hvac_t *s, gs_time_us_t t_us) {
  const gs__hvac_cfg_t *c = s->cfg;
  double sp = gs__hvac_base_sp_c(s, t_us);
  if (s->shed && c->dr_mode == GS_HVAC_DR_OFFSET)
    sp += gs__hvac_sgn(s) * s->dr_val / 100.0;
  sp += gs__hvac_sgn(s) * s->price_off_cc / 100.0; /* PRICE signal */
  if (gs__hvac_precooling(s, t_us))
    sp -= gs__hvac_sgn(s) * c->precool_cc / 100.0;
  return sp;
}

/* May the compressor run now? Not when disabled, above a setLoad capacity
 * limit, curtailed, or inside a duty-limit lock. */
static inline bool gs__hvac_allowed(const gs__hvac_t *s) {
  if (!s->enabled || s->blocked) return false;
  if (s->shed && s->cfg->dr_mode == GS_HVAC_DR_CURTAIL) return false;
  if (s->shed && s->cfg->dr_mode == GS_HVAC_DR_DUTY && s->locked) return false;
  return true;
}

static inline bool gs__hvac_duty_active(const gs__hvac_t *s) {
  return s->shed && s->cfg->dr_mode == GS_HVAC_DR_DUTY;
}

/* Longest run of the duty-limit response: duty x window. */
static inline gs_time_us_t gs__hvac_max_on_us(const gs__hvac_t *s) {
  return llround(s->dr_val / 1e4 * s->cfg->window_s * (double)GS_US_PER_S);
}

/* The equipment curves' multipliers of capacity and electric input ratio
 * at one outdoor temperature, for cooling and for a heat pump: the same
 * for every house at a weather step. */
typedef struct gs__hvac_curves {
  double cool_cap, cool_eir, heat_cap, heat_eir;
} gs__hvac_curves_t;

/* Thermal output (W of sensible heat into the air, negative when cooling)
 * and electric input (W) while running under the curves `k`. The fan's
 * heat goes to the air (GLD include_fan_heatgain). */
static inline double gs__hvac_cop(const gs__hvac_t *s) {
  return s->cfg->cop_milli / 1000.0;
}

/* The same with the rated COP `cop` (gs__hvac_cop) given: a walk works it
 * out once for all its segments. */
static inline void gs__hvac_equipment_cop(const gs__hvac_t *s,
                                          const gs__hvac_curves_t *k,
                                          double cop, double *heat_w,
                                          double *elec_w) {
  double cap = s->cap_w;
  double thermal, input;
  switch (s->cfg->mode) {
    case GS_HVAC_MODE_AC:
      thermal = cap * k->cool_cap;
      input = thermal * k->cool_eir / cop;
      thermal = -thermal * GS_HVAC_SENSIBLE_SHARE;
      break;
    case GS_HVAC_MODE_HEAT_PUMP:
      thermal = cap * k->heat_cap;
      input = thermal * k->heat_eir / cop;
      break;
    default: /* resistance: COP 1 */
      thermal = cap;
      input = cap;
      break;
  }
  *heat_w = thermal + s->fan_w;
  *elec_w = input + s->fan_w;
}

static inline void gs__hvac_equipment_c(const gs__hvac_t *s,
                                        const gs__hvac_curves_t *k,
                                        double *heat_w, double *elec_w) {
  gs__hvac_equipment_cop(s, k, gs__hvac_cop(s), heat_w, elec_w);
}

/* The curves of the house's equipment at outdoor temperature `to_c` (the
 * others zero). */
static inline void gs__hvac_curves(const gs__hvac_t *s, double to_c,
                                   gs__hvac_curves_t *k) {
  *k = (gs__hvac_curves_t){0};
  if (s->cfg->mode == GS_HVAC_MODE_AC) {
    k->cool_cap = gs_hvac_cool_cap_mult(to_c);
    k->cool_eir = gs_hvac_cool_eir_mult(to_c);
  } else if (s->cfg->mode == GS_HVAC_MODE_HEAT_PUMP) {
    k->heat_cap = gs_hvac_heat_cap_mult(to_c);
    k->heat_eir = gs_hvac_heat_eir_mult(to_c);
  }
}

/* The same at outdoor temperature `to_c`. */
static inline void gs__hvac_equipment(const gs__hvac_t *s, double to_c,
                                      double *heat_w, double *elec_w) {
  gs__hvac_curves_t k;
  gs__hvac_curves(s, to_c, &k);
  gs__hvac_equipment_c(s, &k, heat_w, elec_w);
}

static inline double gs__hvac_outdoor_c(const gs__hvac_t *s,
                                        gs_time_us_t t_us) {
  return s->cfg->wx ? gs_weather_temp_c(s->cfg->wx, t_us)
                    : s->cfg->outdoor_cc / 100.0;
}

/* The house's modes (eigenvalues and mode shapes) from its parameters. */
static inline void gs__hvac_modes_of(const gs__hvac_t *s, gs_hvac_modes_t *m) {
  gs_hvac_etp_t h = {.ua_w_k = s->ua_w_k,
                     .ca_j_k = s->ca_j_k,
                     .cm_j_k = s->cm_j_k,
                     .hm_w_k = s->hm_w_k};
  gs_hvac_modes(&h, m);
}

/* hvac_walk.c: the trajectory over weather steps and the next event. */

/* The time of the next event from the state at its last one (t0), with
 * the house's modes `m`; fills where the walk to it ended (weather steps
 * walked and the temperatures there). */
gs_time_us_t gs__hvac_next_event_us(const gs__hvac_t *s,
                                    const gs_hvac_modes_t *m, unsigned *n_steps,
                                    double *ta_c, double *tm_c);
/* Ends the present segment at `now_us`: t0, Ta0 and Tm0 become those of
 * this instant (from where the last walk ended if it got no further). */
void gs__hvac_advance(gs__hvac_t *s, const gs_hvac_modes_t *m,
                      gs_time_us_t now_us);
/* The next weather step after `t_us`, or GS_TIME_NEVER. */
gs_time_us_t gs__hvac_weather_step_us(const gs__hvac_t *s, gs_time_us_t t_us);

/* hvac_sweep.c: records in the running bitmap of the house's cfg (if
 * any) whether the house runs (on and enabled) now. GS_ENOMEM if the
 * bitmap cannot grow to a house being added. */
gs_err_t gs__hvac_running_put(gs_engine_t *eng, const gs__hvac_t *s);

/* hvac.c: the transition after any event (expires schedule and DR flags,
 * applies the comfort limit, lets the thermostat decide). */
void gs__hvac_settle_flags(gs__hvac_t *s);

#endif /* GRIDSIM_MODELS_HVAC_PRIV_H */
