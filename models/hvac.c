/* SPDX-License-Identifier: MIT */
/* HVAC-with-house load: a two-node ETP house (hvac_etp.c) under a deadband
 * thermostat with schedule, pre-cooling and three DR responses, switching
 * only at computed times. */
#include <math.h>
#include <stdint.h>

#include "gridsim/engine.h"
#include "gridsim/rng.h"
#include "gridsim/scenario.h"
#include "hvac.h"
#include "models.h"
#include "weather.h"
#include "world.h"

/* Contract (grid-services-mqtt.md): HVAC circuit 30 A, critical; rated
 * power of a circuit is breaker amps x 240 V. */
#define GS__HVAC_VOLTS 240

/* An edge counts as reached within this much (degC): event times are
 * rounded to the microsecond, where Ta moves by ~1e-9 degC. */
#define GS__HVAC_TOL_C 1e-7

/* With no weather and no schedule, the timer still fires once a week so
 * that a horizon is always finite (see gs__next_event_us). */
#define GS__HVAC_IDLE_US (7 * GS_US_PER_DAY)

/* Per-entity state: 144 bytes. The segment start (t0, Ta0, Tm0) is double
 * and every temperature is recomputed from it, so rounding event times to
 * the microsecond never accumulates. Parameters are floats or fixed-point
 * integers (0.01 degC, 1 W, 0.001 COP), finer than they are known. The
 * electric power is the one on the meter: a function of the on flag and
 * the outdoor temperature at the last event or weather step. */
typedef struct gs__hvac {
  gs_time_us_t t0_us;     /* start of the present segment               */
  double ta0_c, tm0_c;    /* air and mass temperatures at t0            */
  gs_time_us_t due_us;    /* the next TIMER (STEPs may come before it)  */
  gs_time_us_t mark_us;   /* pre-cooling: the DR event's start; duty    */
                          /* limit: on-start (running), lock end (off)  */
  const gs_weather_t *wx; /* the run's weather, or NULL: outdoor_cc     */
  float ua_w_k, ca_j_k, cm_j_k, hm_w_k;
  uint32_t meter;
  uint32_t next_seq;  /* sequence number of the pending event        */
  int32_t power_mw;   /* electric power on the meter                  */
  int16_t setpoint_cc; /* base setpoint (cooling or heating), cdegC */
  uint16_t deadband_cc;
  int16_t comfort_cc; /* comfort limit of a DR response           */
  uint16_t dr_val;    /* dr offset (cdegC) or duty limit (1e-4)   */
  int16_t setback_cc, precool_cc, outdoor_cc;
  uint16_t cap_w;     /* rated thermal capacity                    */
  uint16_t cop_milli; /* rated COP (1000 for resistance)           */
  uint16_t solar_cm2; /* solar aperture, 0.01 m2                   */
  uint16_t gains_w, fan_w, precool_s, window_s;
  int16_t price_off_cc;  /* setpoint offset the present price holds     */
  int16_t price_thr_mil; /* price_threshold, 0.001 $/kWh                */
  uint16_t price_gain;   /* cdegC per $/kWh above the threshold         */
  uint16_t price_max_cc; /* largest price offset                        */
  int16_t away_cc;       /* weekday setup while away (0: none), cdegC   */
  uint16_t away_start_min, away_end_min; /* sim-clock minute of day     */
  unsigned pending : 1; /* an event (next_seq) is pending */
  unsigned swept : 1;   /* the run's weather_sweep books its steps */
  unsigned on : 1, shed : 1, opted : 1, critical : 1, enabled : 1, locked : 1,
      precool : 1, blocked : 1, mode : 2, dr_mode : 2, breaker_a : 8;
  unsigned away_wd : 3;  /* weekday (0 Monday) of the away window that */
                         /* starts on sim day 0                         */
  unsigned away_all : 1; /* away every day, not Monday to Friday only  */
  unsigned sb_start_min : 11, sb_end_min : 11; /* sim-clock minute of day */
  unsigned walk_n : 10;  /* weather steps to walk_ta/tm_c (<= WALK_MAX) */
  double walk_ta_c, walk_tm_c; /* where the last walk ended (see        */
                               /* gs__reschedule and gs__advance)       */
} gs__hvac_t;

_Static_assert(sizeof(gs__hvac_t) <= 144, "hvac state must stay small");

/* Most weather steps a house goes through without an event (two hours of
 * 5-minute steps): readers of an idle house's temperatures walk at most
 * this many segments (the comfort observer reads every house at every
 * output interval of a DR event). */
#define GS__HVAC_WALK_MAX 24u

/* +1 when the equipment cools, -1 when it heats: every comparison below is
 * written for cooling and mirrored by this sign. */
static double gs__sgn(const gs__hvac_t *s) {
  return s->mode == GS_HVAC_MODE_AC ? 1.0 : -1.0;
}

static double gs__outdoor_c(const gs__hvac_t *s, gs_time_us_t t_us) {
  return s->wx ? gs_weather_temp_c(s->wx, t_us) : s->outdoor_cc / 100.0;
}

/* Irradiance on the glazing (mean over the compass, W/m2). */
static double gs__glazing(const gs__hvac_t *s, gs_time_us_t t_us) {
  return s->wx ? gs_weather_glazing_w_m2(s->wx, t_us) : 0.0;
}

/* Thermal output (W of sensible heat into the air, negative when cooling)
 * and electric input (W) while running at outdoor temperature `to_c`. The
 * fan's heat goes to the air (GLD include_fan_heatgain). */
/* The equipment curves' multipliers of capacity and electric input ratio
 * at one outdoor temperature, for cooling and for a heat pump: the same
 * for every house at a weather step. */
typedef struct gs__curves {
  double cool_cap, cool_eir, heat_cap, heat_eir;
} gs__curves_t;

static void gs__equipment_c(const gs__hvac_t *s, const gs__curves_t *k,
                            double *heat_w, double *elec_w) {
  double cap = s->cap_w, cop = s->cop_milli / 1000.0;
  double thermal, input;
  switch (s->mode) {
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

static void gs__equipment(const gs__hvac_t *s, double to_c, double *heat_w,
                          double *elec_w) {
  gs__curves_t k = {0};
  if (s->mode == GS_HVAC_MODE_AC) {
    k.cool_cap = gs_hvac_cool_cap_mult(to_c);
    k.cool_eir = gs_hvac_cool_eir_mult(to_c);
  } else if (s->mode == GS_HVAC_MODE_HEAT_PUMP) {
    k.heat_cap = gs_hvac_heat_cap_mult(to_c);
    k.heat_eir = gs_hvac_heat_eir_mult(to_c);
  }
  gs__equipment_c(s, &k, heat_w, elec_w);
}

/* Electric power while in the present state at `t_us`. */
static int64_t gs__power_at_mw(const gs__hvac_t *s, gs_time_us_t t_us) {
  if (!s->on || !s->enabled) return 0;
  double heat_w, elec_w;
  gs__equipment(s, gs__outdoor_c(s, t_us), &heat_w, &elec_w);
  return llround(elec_w * 1000.0);
}

/* The power on the meter now. */
static int64_t gs__power_mw(const gs__hvac_t *s) {
  return s->power_mw;
}

static gs_hvac_etp_t gs__etp(const gs__hvac_t *s) {
  return (gs_hvac_etp_t){.ua_w_k = s->ua_w_k,
                         .ca_j_k = s->ca_j_k,
                         .cm_j_k = s->cm_j_k,
                         .hm_w_k = s->hm_w_k};
}

static void gs__modes(const gs__hvac_t *s, gs_hvac_modes_t *m) {
  gs_hvac_etp_t h = gs__etp(s);
  gs_hvac_modes(&h, m);
}

/* A point on the house's trajectory: the start of a segment. */
typedef struct gs__cursor {
  gs_time_us_t t0_us;
  double ta0_c, tm0_c;
} gs__cursor_t;

static gs__cursor_t gs__cursor(const gs__hvac_t *s) {
  return (gs__cursor_t){s->t0_us, s->ta0_c, s->tm0_c};
}

/* The segment starting at `c`: inputs are those at c.t0, constant until
 * the next weather step or event. The equipment's state is the stored one
 * (it only changes at events). */
/* The weather a segment starting at some instant sees, and when it next
 * changes (GS_TIME_NEVER without weather or after its last step). */
typedef struct gs__inputs {
  double to_c, glazing_w_m2;
  gs_time_us_t next_us;
} gs__inputs_t;

static void gs__inputs(const gs__hvac_t *s, gs_time_us_t t_us,
                       gs__inputs_t *in) {
  if (s->wx) {
    gs_weather_sample(s->wx, t_us, &in->to_c, &in->glazing_w_m2,
                      &in->next_us);
    return;
  }
  *in = (gs__inputs_t){s->outdoor_cc / 100.0, 0.0, GS_TIME_NEVER};
}

static void gs__segment_at(const gs__hvac_t *s, const gs_hvac_modes_t *m,
                           const gs__cursor_t *c, const gs__inputs_t *in,
                           gs_hvac_seg_t *seg) {
  double to_c = in->to_c;
  double gains_w = s->gains_w + s->solar_cm2 / 100.0 * in->glazing_w_m2;
  double hvac_w = 0, elec_w;
  if (s->on && s->enabled) gs__equipment(s, to_c, &hvac_w, &elec_w);
  double qm_w = GS_HVAC_MASS_GAIN_SHARE * gains_w;
  gs_hvac_etp_t h = gs__etp(s);
  gs_hvac_seg_solve_m(&h, m, c->ta0_c, c->tm0_c, to_c, hvac_w + gains_w - qm_w,
                      qm_w, seg);
}

/* Moves `c` along its segment `seg` to `t_us` (>= c->t0_us). */
static void gs__cursor_move(gs__cursor_t *c, const gs_hvac_seg_t *seg,
                            gs_time_us_t t_us) {
  double dt_s = (double)(t_us - c->t0_us) / (double)GS_US_PER_S;
  gs_hvac_seg_eval(seg, dt_s, &c->ta0_c, &c->tm0_c);
  c->t0_us = t_us;
}

/* The next weather step after `t_us`, or GS_TIME_NEVER. */
static gs_time_us_t gs__weather_step_us(const gs__hvac_t *s,
                                        gs_time_us_t t_us) {
  return s->wx ? gs_weather_next_change_us(s->wx, t_us) : GS_TIME_NEVER;
}

/* Moves `c` over every weather step up to and including `now_us`, one
 * segment per step, and then to `now_us`: the trajectory an event at each
 * step would have computed. An idle house has no event at the steps where
 * nothing but its inputs change (see gs__next_event_us); a running one
 * has, so for it this is at most the step at `now_us` itself. */
static void gs__cursor_walk(const gs__hvac_t *s, gs__cursor_t *c,
                            gs_time_us_t now_us) {
  gs_hvac_seg_t seg;
  gs_hvac_modes_t m;
  gs__modes(s, &m);
  gs__inputs_t in;
  gs__inputs(s, c->t0_us, &in);
  while (in.next_us <= now_us) {
    gs__segment_at(s, &m, c, &in, &seg);
    gs__cursor_move(c, &seg, in.next_us);
    gs__inputs(s, c->t0_us, &in);
  }
  if (now_us == c->t0_us) return;
  gs__segment_at(s, &m, c, &in, &seg);
  gs__cursor_move(c, &seg, now_us);
}

double gs_hvac_indoor_c(const void *state, gs_time_us_t now_us) {
  gs__cursor_t c = gs__cursor(state);
  gs__cursor_walk(state, &c, now_us);
  return c.ta0_c;
}

double gs_hvac_mass_c(const void *state, gs_time_us_t now_us) {
  gs__cursor_t c = gs__cursor(state);
  gs__cursor_walk(state, &c, now_us);
  return c.tm0_c;
}

bool gs_hvac_opted_out(const void *state) {
  return ((const gs__hvac_t *)state)->opted != 0;
}

double gs_hvac_price_offset_c(const void *state) {
  return ((const gs__hvac_t *)state)->price_off_cc / 100.0;
}

/* The price response of a transactive thermostat (GridLAB-D's market
 * controller in ramp mode, after the PNNL Olympic Peninsula demonstration,
 * Hammerstrom et al. 2007): the setpoint moves away from conditioning in
 * proportion to the price above a reference, clipped to a range. Here the
 * reference is a fixed threshold instead of the running mean and the
 * ramp is a gain in degC per $/kWh instead of (range / k sigma). */
static int16_t gs__price_offset_cc(const gs__hvac_t *s, bool has,
                                   int64_t price_micro) {
  if (!has) return 0;
  double over = (double)price_micro / 1e6 - s->price_thr_mil / 1000.0;
  double off_cc = over * s->price_gain;
  if (!(off_cc > 0)) return 0;
  return (int16_t)(off_cc > s->price_max_cc ? s->price_max_cc
                                            : llround(off_cc));
}

bool gs_hvac_running(const void *state) {
  const gs__hvac_t *s = state;
  return s->on && s->enabled;
}

/* Minute of the simulated day (scenario clock) at `t_us`. */
static int gs__minute_of_day(gs_time_us_t t_us) {
  return (int)((t_us / GS_US_PER_MIN) % 1440);
}

/* Is minute of day `m` inside the daily window [start, end)? */
static bool gs__in_window(int m, unsigned start, unsigned end) {
  if (start < end) return m >= (int)start && m < (int)end;
  return m >= (int)start || m < (int)end; /* overnight */
}

static bool gs__setback_on(const gs__hvac_t *s, gs_time_us_t t_us) {
  if (s->setback_cc == 0 || s->sb_start_min == s->sb_end_min) return false;
  return gs__in_window(gs__minute_of_day(t_us), s->sb_start_min,
                       s->sb_end_min);
}

/* The weekday away setup: on inside its daily window, if that window
 * began on a Monday to Friday (local calendar), or on any day with
 * away_all. The weekday is counted from sim day 0's window (away_wd), so
 * the state holds no calendar. */
static bool gs__away_on(const gs__hvac_t *s, gs_time_us_t t_us) {
  if (s->away_cc == 0 || s->away_start_min == s->away_end_min) return false;
  int m = gs__minute_of_day(t_us);
  if (!gs__in_window(m, s->away_start_min, s->away_end_min)) return false;
  if (s->away_all) return true;
  int64_t day = t_us / GS_US_PER_DAY;
  if (m < (int)s->away_start_min) day -= 1; /* began the day before */
  int64_t wd = ((int64_t)s->away_wd + day) % 7;
  return (wd < 0 ? wd + 7 : wd) < 5;
}

static bool gs__precooling(const gs__hvac_t *s, gs_time_us_t t_us) {
  return s->precool &&
         t_us >= s->mark_us - (gs_time_us_t)s->precool_s * GS_US_PER_S;
}

/* The occupant's setpoint (schedule included, no DR): the reference of
 * the comfort cost. */
static double gs__base_sp_c(const gs__hvac_t *s, gs_time_us_t t_us) {
  double sp = s->setpoint_cc / 100.0;
  if (gs__setback_on(s, t_us)) sp += gs__sgn(s) * s->setback_cc / 100.0;
  if (gs__away_on(s, t_us)) sp += gs__sgn(s) * s->away_cc / 100.0;
  return sp;
}

/* The setpoint the thermostat follows now: DR offset raises it (cooling),
 * pre-cooling lowers it. */
static double gs__sp_c(const gs__hvac_t *s, gs_time_us_t t_us) {
  double sp = gs__base_sp_c(s, t_us);
  if (s->shed && s->dr_mode == GS_HVAC_DR_OFFSET)
    sp += gs__sgn(s) * s->dr_val / 100.0;
  sp += gs__sgn(s) * s->price_off_cc / 100.0; /* PRICE signal */
  if (gs__precooling(s, t_us)) sp -= gs__sgn(s) * s->precool_cc / 100.0;
  return sp;
}

void gs_hvac_edges_c(const void *state, gs_time_us_t now_us, double *low_c,
                     double *high_c) {
  const gs__hvac_t *s = state;
  double sp = gs__sp_c(s, now_us), half = s->deadband_cc / 200.0;
  *low_c = sp - half;
  *high_c = sp + half;
}

/* May the compressor run now? Not when disabled, above a setLoad capacity
 * limit, curtailed, or inside a duty-limit lock. */
static bool gs__allowed(const gs__hvac_t *s) {
  if (!s->enabled || s->blocked) return false;
  if (s->shed && s->dr_mode == GS_HVAC_DR_CURTAIL) return false;
  if (s->shed && s->dr_mode == GS_HVAC_DR_DUTY && s->locked) return false;
  return true;
}

static bool gs__duty_active(const gs__hvac_t *s) {
  return s->shed && s->dr_mode == GS_HVAC_DR_DUTY;
}

/* Longest run of the duty-limit response: duty x window. */
static gs_time_us_t gs__max_on_us(const gs__hvac_t *s) {
  return llround(s->dr_val / 1e4 * s->window_s * (double)GS_US_PER_S);
}

/* Next instant after `now_us` at which sim-clock minute `m` of a day
 * starts. */
static gs_time_us_t gs__next_minute_us(gs_time_us_t now_us, int m) {
  gs_time_us_t day_us = now_us / GS_US_PER_DAY * GS_US_PER_DAY;
  gs_time_us_t t_us = day_us + m * GS_US_PER_MIN;
  return t_us > now_us ? t_us : t_us + GS_US_PER_DAY;
}

static gs_time_us_t gs__min_t(gs_time_us_t a, gs_time_us_t b) {
  return a < b ? a : b;
}

/* Earliest time after `now_us` at which an input of the segment changes
 * other than the weather: setback boundary, pre-cooling start or end,
 * duty-limit run end or lock end; GS_TIME_NEVER if none. */
static gs_time_us_t gs__own_end_us(const gs__hvac_t *s, gs_time_us_t now_us) {
  gs_time_us_t end_us = GS_TIME_NEVER;
  if (s->setback_cc != 0 && s->sb_start_min != s->sb_end_min) {
    end_us = gs__min_t(end_us, gs__next_minute_us(now_us, s->sb_start_min));
    end_us = gs__min_t(end_us, gs__next_minute_us(now_us, s->sb_end_min));
  }
  /* Away boundaries on every day (a weekend's are events where nothing
   * changes: exact all the same, and one rule for the walk). */
  if (s->away_cc != 0 && s->away_start_min != s->away_end_min) {
    end_us = gs__min_t(end_us, gs__next_minute_us(now_us, s->away_start_min));
    end_us = gs__min_t(end_us, gs__next_minute_us(now_us, s->away_end_min));
  }
  if (s->precool) {
    gs_time_us_t begin_us =
        s->mark_us - (gs_time_us_t)s->precool_s * GS_US_PER_S;
    end_us = gs__min_t(end_us, begin_us > now_us ? begin_us : s->mark_us);
  }
  if (gs__duty_active(s) && s->on)
    end_us = gs__min_t(end_us, s->mark_us + gs__max_on_us(s));
  if (gs__duty_active(s) && s->locked) end_us = gs__min_t(end_us, s->mark_us);
  return end_us;
}

/* The first event of segment `seg` starting at `c`: an earlier crossing
 * of the edge the thermostat or the comfort limit waits for, found in
 * closed form (GSL Brent), or else the segment's end `end_us`. */
static gs_time_us_t gs__crossing_us(const gs__hvac_t *s,
                                    const gs_hvac_seg_t *seg,
                                    gs_time_us_t now_us, gs_time_us_t end_us) {
  double horizon_s = (double)(end_us - now_us) / (double)GS_US_PER_S;
  double sgn = gs__sgn(s), sp = gs__sp_c(s, now_us);
  double half = s->deadband_cc / 200.0;
  double t_s = INFINITY;
  if (s->on && s->enabled) /* satisfied: the far side of the deadband */
    t_s = fmin(t_s, gs_hvac_seg_time_to(seg, sp - sgn * half, horizon_s));
  else if (gs__allowed(s)) /* demand: the near side */
    t_s = fmin(t_s, gs_hvac_seg_time_to(seg, sp + sgn * half, horizon_s));
  if (s->shed)
    t_s = fmin(t_s, gs_hvac_seg_time_to(seg, s->comfort_cc / 100.0, horizon_s));
  if (isinf(t_s)) return end_us;
  gs_time_us_t at_us = now_us + llround(t_s * (double)GS_US_PER_S);
  /* A crossing rounded onto the present instant is taken 1 us later, so
   * that the model always moves on (it is then within GS__HVAC_TOL_C). */
  if (at_us <= now_us) at_us = now_us + 1;
  return gs__min_t(at_us, end_us);
}

static void gs__settle_flags(gs__hvac_t *s);

/* Would an event at the weather step where `c` stands change anything
 * but the house's temperatures? It runs the transition of gs__settle on a
 * copy. */
static bool gs__step_acts(const gs__hvac_t *s, const gs__cursor_t *c) {
  gs__hvac_t t = *s;
  t.t0_us = c->t0_us;
  t.ta0_c = c->ta0_c;
  t.tm0_c = c->tm0_c;
  gs__settle_flags(&t);
  return t.on != s->on || t.shed != s->shed || t.opted != s->opted ||
         t.locked != s->locked || t.precool != s->precool ||
         t.mark_us != s->mark_us;
}

/* Time of the next event, from the state at the last one (t0). A running
 * house has one at every weather step, where its electric power changes
 * with the outdoor temperature. An idle one (power 0 throughout) needs none
 * there: its trajectory is followed over the steps here, segment by
 * segment exactly as events at the steps would have, up to the first
 * crossing or the first step at which its thermostat or DR state would
 * change. Temperatures read in between (gs__cursor_walk) come from the same
 * segments, so skipping those events changes no result, and saves the
 * queue, the dispatch and a second solve of each segment: in summer about
 * half of all events of a fleet. */
static gs_time_us_t gs__next_event_us(const gs__hvac_t *s, gs__cursor_t *out,
                                      unsigned *n_steps) {
  gs__cursor_t c = gs__cursor(s);
  *n_steps = 0;
  gs_time_us_t own_us = gs__own_end_us(s, c.t0_us);
  gs_hvac_modes_t m;
  gs__modes(s, &m);
  gs__inputs_t in;
  gs__inputs(s, c.t0_us, &in);
  for (;;) {
    gs_time_us_t idle_us = c.t0_us + GS__HVAC_IDLE_US;
    gs_time_us_t step_us = in.next_us;
    gs_time_us_t end_us = gs__min_t(gs__min_t(idle_us, step_us), own_us);
    gs_hvac_seg_t seg;
    gs__segment_at(s, &m, &c, &in, &seg);
    /* The crossing search reads Ta at the end first; the move there reads
     * the same exponentials. */
    gs_hvac_seg_memo(&seg, (double)(end_us - c.t0_us) / (double)GS_US_PER_S);
    gs_time_us_t at_us = gs__crossing_us(s, &seg, c.t0_us, end_us);
    if (at_us < end_us || step_us >= own_us || step_us >= idle_us) {
      *out = c;
      return at_us;
    }
    gs__cursor_move(&c, &seg, end_us);
    gs__inputs(s, c.t0_us, &in);
    /* A step where nothing acts ends the walk all the same after
     * GS__HVAC_WALK_MAX of them: an event there changes no result (it is
     * what every step had before), and it bounds the walks of readers
     * (gs__cursor_walk), which cannot keep where they got to. */
    if (++*n_steps == GS__HVAC_WALK_MAX || gs__step_acts(s, &c)) {
      *out = c;
      return end_us;
    }
  }
}

gs_time_us_t gs_hvac_next_us(const void *state) {
  const gs__hvac_t *s = state;
  return s->pending ? s->due_us : GS_TIME_NEVER;
}

/* Schedules the next event from `now_us`: a STEP at the next weather step
 * while running, if before due_us, else the TIMER at due_us. */
static void gs__schedule_next(gs_engine_t *eng, gs_entity_id_t self,
                              gs__hvac_t *s, gs_time_us_t now_us) {
  gs_time_us_t at_us = s->due_us;
  uint16_t kind = GS_EV_HVAC_TIMER;
  if (s->on && s->enabled && !s->swept) {
    gs_time_us_t step_us = gs__weather_step_us(s, now_us);
    if (step_us < at_us) {
      at_us = step_us;
      kind = GS_EV_HVAC_STEP;
    }
  }
  s->next_seq = (uint32_t)gs_engine_schedule(eng, self, at_us, GS_PHASE_MODEL,
                                             kind, 0, 0);
  s->pending = 1;
}

static void gs__reschedule(gs_engine_t *eng, gs_entity_id_t self,
                           gs__hvac_t *s) {
  /* A pending event is not cancelled but superseded: it is ignored when
   * it comes (its sequence number is no longer next_seq). The order of
   * events is the same; what changes is that the engine need not look
   * every later event of this house up in its cancel set until the old
   * one is popped (after a DR command, every house of the fleet for up to
   * the two hours of a walk). */
  gs__cursor_t c;
  unsigned n;
  s->due_us = gs__next_event_us(s, &c, &n);
  /* Where the walk ended, for gs__advance (if the count fits). */
  s->walk_n = n;
  s->walk_ta_c = c.ta0_c;
  s->walk_tm_c = c.tm0_c;
  gs__schedule_next(eng, self, s, s->t0_us);
}

/* The thermostat at `now_us`, with Ta the air temperature: returns whether
 * the equipment runs from now on, updating the DR bookkeeping. */
static bool gs__decide(gs__hvac_t *s, gs_time_us_t now_us, double ta_c) {
  double sgn = gs__sgn(s), sp = gs__sp_c(s, now_us);
  double half = s->deadband_cc / 200.0;
  bool on = s->on && s->enabled;
  if (!gs__allowed(s)) return false;
  if (on) {
    bool satisfied = sgn * (ta_c - (sp - sgn * half)) <= GS__HVAC_TOL_C;
    bool run_over =
        gs__duty_active(s) && now_us - s->mark_us >= gs__max_on_us(s);
    if (!satisfied && !run_over) return true;
    if (gs__duty_active(s)) {
      /* Forced off for run x (1 - D) / D: on-fraction <= D per cycle. */
      double d = s->dr_val / 1e4;
      gs_time_us_t run_us = now_us - s->mark_us;
      s->locked = d < 1;
      s->mark_us = now_us + llround((double)run_us * (1 - d) / d);
      if (s->mark_us <= now_us) s->locked = 0;
    }
    return false;
  }
  if (sgn * (ta_c - (sp + sgn * half)) < -GS__HVAC_TOL_C) return false;
  if (gs__duty_active(s)) s->mark_us = now_us; /* a run starts */
  return true;
}

/* Ends the present segment at now (over the weather steps an idle house
 * had no event at): Ta0 and Tm0 become the temperatures of this instant.
 * Returns the power drawn until now, for the meter delta. */
static int64_t gs__advance(gs__hvac_t *s, gs_time_us_t now_us) {
  int64_t old_mw = gs__power_mw(s);
  gs__cursor_t c = gs__cursor(s);
  if (s->walk_n) {
    /* The walk that scheduled the pending event passed here already: from
     * where it ended, if not after now, instead of solving its segments
     * again (the same values: the state has not changed since). */
    gs_time_us_t t_us = s->t0_us;
    for (unsigned i = 0; i < s->walk_n; i++) t_us = gs__weather_step_us(s, t_us);
    if (t_us <= now_us)
      c = (gs__cursor_t){t_us, s->walk_ta_c, s->walk_tm_c};
  }
  gs__cursor_walk(s, &c, now_us);
  s->t0_us = c.t0_us;
  s->ta0_c = c.ta0_c;
  s->tm0_c = c.tm0_c;
  return old_mw;
}

/* The transition after any event (once gs__advance and the event's own
 * flag changes are done): expires schedule and DR flags, applies the
 * comfort limit and lets the thermostat decide. */
static void gs__settle_flags(gs__hvac_t *s) {
  gs_time_us_t now_us = s->t0_us;
  double ta_c = s->ta0_c;
  if (s->precool && now_us >= s->mark_us) s->precool = 0; /* event began */
  if (s->locked && now_us >= s->mark_us) s->locked = 0;
  /* Comfort limit: the home opts out and the thermostat resumes. */
  if (s->shed &&
      gs__sgn(s) * (ta_c - s->comfort_cc / 100.0) >= -GS__HVAC_TOL_C) {
    s->shed = 0;
    s->opted = 1;
    s->locked = 0;
  }
  s->on = gs__decide(s, now_us, ta_c);
}

/* gs__settle_flags, then books the power change on the meter and schedules
 * the next event. */
static void gs__settle(gs_engine_t *eng, gs_entity_id_t self, gs__hvac_t *s,
                       int64_t old_mw) {
  gs__settle_flags(s);
  int64_t new_mw = gs__power_at_mw(s, s->t0_us);
  s->power_mw = (int32_t)new_mw;
  int64_t delta_mw = new_mw - old_mw;
  if (delta_mw != 0 && s->meter != GS_METER_NONE)
    gs_engine_add_power(eng, s->meter, delta_mw);
  gs__reschedule(eng, self, s);
}

/* Fixed-point conversions of parameters (range-checked by the caller). */
static int16_t gs__cc(double c) {
  return (int16_t)llround(c * 100.0);
}

/* Minute of the simulated day at which local hour `h` starts, given the
 * local minute of day `day0_min` at t = 0. */
static unsigned gs__sim_minute(double h, int day0_min) {
  int m = ((int)llround(h * 60.0) - day0_min) % 1440;
  return (unsigned)(m < 0 ? m + 1440 : m);
}

static gs_err_t gs__hvac_init(gs_engine_t *eng, gs_entity_id_t self,
                              void *state, const gs_model_init_t *init,
                              gs_errbuf_t *eb) {
  gs__hvac_t *s = state;
  const double *p = init->params;
  const char *id = init->id ? init->id : "hvac";
  const gs_world_t *world = init->world;
  gs_hvac_house_t house;
  gs_hvac_house_defaults(p[GS_HVAC_P_FLOOR_AREA], &house);
  /* Explicit parameters replace the derived ones; -1 keeps them. */
  double ua = p[GS_HVAC_P_UA] == -1 ? house.etp.ua_w_k : p[GS_HVAC_P_UA];
  double ca =
      p[GS_HVAC_P_CA] == -1 ? house.etp.ca_j_k : p[GS_HVAC_P_CA] * 1000.0;
  double cm =
      p[GS_HVAC_P_CM] == -1 ? house.etp.cm_j_k : p[GS_HVAC_P_CM] * 1000.0;
  double hm = p[GS_HVAC_P_HM] == -1 ? house.etp.hm_w_k : p[GS_HVAC_P_HM];
  double solar = p[GS_HVAC_P_SOLAR] == -1 ? house.solar_m2 : p[GS_HVAC_P_SOLAR];
  double gains = p[GS_HVAC_P_GAINS] == -1 ? house.gains_w : p[GS_HVAC_P_GAINS];
  if (!(ua > 0 && ca > 0 && cm > 0 && hm > 0 && solar >= 0 && gains >= 0))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: ua_w_per_k, ca_kj_per_k, cm_kj_per_k and "
                         "hm_w_per_k must be > 0 (or -1), solar_gain_m2 "
                         "and internal_gains_w >= 0 (or -1)",
                         id);
  unsigned mode = (unsigned)p[GS_HVAC_P_MODE];
  double cap = p[GS_HVAC_P_CAPACITY] * 1000.0;
  if (p[GS_HVAC_P_CAPACITY] == -1)
    cap = mode == GS_HVAC_MODE_RESISTANCE
              ? gs_hvac_heating_size_w(ua, p[GS_HVAC_P_HEAT_DESIGN])
              : gs_hvac_cooling_size_w(ua, house.design_gains_w, solar);
  /* GLD sizes the fan for the larger airflow; a resistance furnace moves
   * its heat at an 80 degF supply-air rise (150 - 70 degF) instead of the
   * cooling coil's 25 degF x 1.3. */
  double fan = p[GS_HVAC_P_FAN];
  if (fan == -1)
    fan = gs_hvac_fan_size_w(
        mode == GS_HVAC_MODE_RESISTANCE ? cap * 1.3 * 25.0 / 80.0 : cap);
  if (!(cap > 0 && cap <= UINT16_MAX && gains <= UINT16_MAX &&
        solar * 100 <= UINT16_MAX))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: capacity_kw must be in (0, 65.5] kW, found "
                         "%g kW",
                         id, cap / 1000.0);
  double sgn = mode == GS_HVAC_MODE_AC ? 1.0 : -1.0;
  double sp = mode == GS_HVAC_MODE_AC ? p[GS_HVAC_P_SETPOINT]
                                      : p[GS_HVAC_P_HEAT_SETPOINT];
  double comfort = mode == GS_HVAC_MODE_AC ? p[GS_HVAC_P_COMFORT_MAX]
                                           : p[GS_HVAC_P_COMFORT_MIN];
  double half = p[GS_HVAC_P_DEADBAND] / 2;
  if (!(sgn * (comfort - (sp + sgn * half)) > 0))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: the comfort limit (%g degC) must lie beyond "
                         "the deadband edge (%g degC)",
                         id, comfort, sp + sgn * half);

  s->ua_w_k = (float)ua;
  s->ca_j_k = (float)ca;
  s->cm_j_k = (float)cm;
  s->hm_w_k = (float)hm;
  s->meter = init->meter;
  s->wx = world ? world->weather : NULL;
  s->swept = world && world->weather_sweep;
  s->setpoint_cc = gs__cc(sp);
  s->deadband_cc = (uint16_t)gs__cc(p[GS_HVAC_P_DEADBAND]);
  s->comfort_cc = gs__cc(comfort);
  s->dr_mode = (unsigned)p[GS_HVAC_P_DR_MODE];
  s->dr_val = s->dr_mode == GS_HVAC_DR_OFFSET
                  ? (uint16_t)gs__cc(p[GS_HVAC_P_DR_OFFSET])
              : s->dr_mode == GS_HVAC_DR_DUTY
                  ? (uint16_t)llround(p[GS_HVAC_P_DR_DUTY] * 1e4)
                  : 0;
  s->window_s = (uint16_t)llround(p[GS_HVAC_P_DR_WINDOW]);
  s->setback_cc = gs__cc(p[GS_HVAC_P_SETBACK]);
  s->precool_cc = gs__cc(p[GS_HVAC_P_PRECOOL_OFF]);
  s->precool_s = (uint16_t)llround(p[GS_HVAC_P_PRECOOL]);
  s->outdoor_cc = gs__cc(p[GS_HVAC_P_OUTDOOR]);
  s->cap_w = (uint16_t)llround(cap);
  s->cop_milli = (uint16_t)llround(
      mode == GS_HVAC_MODE_AC          ? p[GS_HVAC_P_COP] * 1000.0
      : mode == GS_HVAC_MODE_HEAT_PUMP ? p[GS_HVAC_P_HEATING_COP] * 1000.0
                                       : 1000.0);
  s->solar_cm2 = (uint16_t)llround(solar * 100.0);
  s->gains_w = (uint16_t)llround(gains);
  s->fan_w = (uint16_t)llround(fan);
  s->mode = mode;
  s->critical = p[GS_HVAC_P_CRITICAL] != 0;
  s->breaker_a = (unsigned)llround(p[GS_HVAC_P_BREAKER]);
  s->price_thr_mil = (int16_t)llround(p[GS_HVAC_P_PRICE_THRESHOLD] * 1000.0);
  s->price_gain = (uint16_t)llround(p[GS_HVAC_P_PRICE_GAIN] * 100.0);
  s->price_max_cc = (uint16_t)gs__cc(p[GS_HVAC_P_PRICE_MAX]);
  s->enabled = 1;
  /* Setback hours are local: the local minute of day at t = 0 comes from
   * the scenario's start instant and utc_offset_h. */
  int64_t start_s =
      world && world->scenario ? gs_scenario_start_unix_s(world->scenario) : 0;
  int64_t local_min =
      (start_s + llround(p[GS_HVAC_P_UTC_OFFSET] * 3600.0)) / 60;
  int day0_min = (int)(((local_min % 1440) + 1440) % 1440);
  s->sb_start_min = gs__sim_minute(p[GS_HVAC_P_SETBACK_START], day0_min);
  s->sb_end_min = gs__sim_minute(p[GS_HVAC_P_SETBACK_END], day0_min);
  s->away_cc = gs__cc(p[GS_HVAC_P_AWAY]);
  s->away_start_min =
      (uint16_t)gs__sim_minute(p[GS_HVAC_P_AWAY_START], day0_min);
  s->away_end_min =
      (uint16_t)gs__sim_minute(p[GS_HVAC_P_AWAY_END], day0_min);
  s->away_all = p[GS_HVAC_P_AWAY_DAYS] != 0;
  /* Weekday (Monday 0; 1970-01-01 was a Thursday, 3) of the local day on
   * which sim day 0's away window starts: the local day at t = 0, or the
   * next one when the window's local start is past local midnight of the
   * sim day (local minute day0_min + its sim minute >= 1440). */
  int64_t local_day = local_min >= 0 ? local_min / 1440
                                     : -((-local_min + 1439) / 1440);
  if (day0_min + (int)s->away_start_min >= 1440) local_day += 1;
  s->away_wd = (unsigned)(((local_day + 3) % 7 + 7) % 7);

  /* Desynchronised start from the entity's own stream: Ta uniform in the
   * deadband, Tm at its quasi-steady offset Qm / Hm above Ta, and the
   * equipment on with the probability of its steady duty cycle (sensible
   * load over sensible capacity at the starting conditions). */
  gs_rng_t rng;
  gs_rng_init(&rng, init->seed, init->key, GS_RNG_BEHAVIOUR);
  double u_temp = gs_rng_uniform(&rng), u_on = gs_rng_uniform(&rng);
  gs_time_us_t now_us = gs_engine_now(eng);
  double sp_c = gs__sp_c(s, now_us), band = s->deadband_cc / 100.0;
  double to_c = gs__outdoor_c(s, now_us);
  double g_w = s->gains_w + s->solar_cm2 / 100.0 * gs__glazing(s, now_us);
  s->t0_us = now_us;
  s->ta0_c = sp_c - band / 2 + u_temp * band;
  s->tm0_c = s->ta0_c + GS_HVAC_MASS_GAIN_SHARE * g_w / hm;
  double heat_w, elec_w;
  gs__equipment(s, to_c, &heat_w, &elec_w);
  double load_w = sgn * (ua * (to_c - s->ta0_c) + g_w);
  double duty = heat_w * sgn < 0 ? load_w / (-sgn * heat_w) : 0;
  s->on = u_on < duty;
  if (s->on && s->meter != GS_METER_NONE)
    gs_engine_add_power(eng, s->meter, gs__power_at_mw(s, now_us));
  s->power_mw = (int32_t)gs__power_at_mw(s, now_us);
  gs__reschedule(eng, self, s);
  return GS_OK;
}

/* A shed starts the configured response. The thermostat responses
 * (offset, duty_limit) accept any request: what they deliver comes from
 * the physics. Curtail is on/off: like any on/off load it declines a
 * partial request smaller than its draw. The critical flag is the VEN's
 * business (its reference shed skips critical circuits; a thermal-aware
 * strategy may shed them), so a shed that arrives is obeyed. */
static void gs__hvac_shed(gs_engine_t *eng, gs_entity_id_t self, gs__hvac_t *s,
                          int64_t limit_mw) {
  if (s->shed) return;
  if (s->dr_mode == GS_HVAC_DR_CURTAIL && limit_mw < gs__power_mw(s)) return;
  int64_t old_mw = gs__advance(s, gs_engine_now(eng));
  s->shed = 1;
  s->opted = 0;
  s->locked = 0;
  s->precool = 0; /* the event is here: pre-cooling is over */
  if (s->dr_mode == GS_HVAC_DR_DUTY && s->on) s->mark_us = s->t0_us;
  gs__settle(eng, self, s, old_mw);
}

static void gs__hvac_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                            const gs_event_t *ev) {
  gs__hvac_t *s = state;
  gs_time_us_t now_us = gs_engine_now(eng);
  int64_t old_mw;
  switch (ev->kind) {
    case GS_EV_HVAC_TIMER:
      /* A superseded timer (see gs__reschedule) is ignored. */
      if (!s->pending || ev->seq != s->next_seq) break; /* superseded */
      s->pending = 0;
      gs__settle(eng, self, s, gs__advance(s, now_us));
      break;
    case GS_EV_HVAC_STEP: {
      /* Running through a weather step: the power follows the outdoor
       * temperature; the trajectory is followed lazily (gs__advance). */
      if (!s->pending || ev->seq != s->next_seq) break; /* superseded */
      s->pending = 0;
      int64_t new_mw = gs__power_at_mw(s, now_us);
      if (new_mw != s->power_mw && s->meter != GS_METER_NONE)
        gs_engine_add_power(eng, s->meter, new_mw - s->power_mw);
      s->power_mw = (int32_t)new_mw;
      gs__schedule_next(eng, self, s, now_us);
      break;
    }
    case GS_EV_LOAD_SHED:
      gs__hvac_shed(eng, self, s, ev->arg);
      break;
    case GS_EV_LOAD_RESTORE:
      /* Rebound: the thermostat recovers from the drifted temperatures. */
      if (!s->shed) break; /* never shed, or opted out already */
      old_mw = gs__advance(s, now_us);
      s->shed = 0;
      s->locked = 0;
      gs__settle(eng, self, s, old_mw);
      break;
    case GS_EV_LOAD_SET: {
      old_mw = gs__advance(s, now_us);
      if (ev->arg2 & 2u) s->enabled = (ev->arg2 & 1u) != 0;
      /* A compressor cannot throttle: below its running draw, a capacity
       * limit keeps it off. */
      double heat_w, elec_w;
      gs__equipment(s, gs__outdoor_c(s, now_us), &heat_w, &elec_w);
      s->blocked = ev->arg >= 0 && (double)ev->arg < elec_w * 1000.0;
      gs__settle(eng, self, s, old_mw);
      break;
    }
    case GS_EV_PRICE:
      /* A new price moves the setpoint at once; the thermostat then
       * follows its deadband around it. */
      old_mw = gs__advance(s, now_us);
      s->price_off_cc = gs__price_offset_cc(s, ev->arg2 != 0, ev->arg);
      gs__settle(eng, self, s, old_mw);
      break;
    case GS_EV_LOAD_NOTICE:
      /* Pre-cool from start - precool_s until the event starts. A notice
       * during a running response is ignored. */
      if (s->precool_s == 0 || s->shed || ev->arg <= now_us) break;
      old_mw = gs__advance(s, now_us);
      s->precool = 1;
      s->mark_us = ev->arg;
      gs__settle(eng, self, s, old_mw);
      break;
    default:
      /* Common kinds meant for other roles are ignored; an unknown model
       * kind is a programming error. */
      GS_ASSERT(ev->kind < GS_EV_MODEL);
      break;
  }
}

static void gs__hvac_status(const void *state, gs_time_us_t now_us,
                            gs_load_status_t *out) {
  const gs__hvac_t *s = state;
  /* Comfort cost: where Ta lies between the occupant's setpoint and the
   * comfort limit (0 at or inside the setpoint, 1 at the limit). */
  double sp = gs__base_sp_c(s, now_us), limit = s->comfort_cc / 100.0;
  double ta = gs_hvac_indoor_c(state, now_us), cost;
  if (gs__sgn(s) * (limit - sp) > 0)
    cost = (ta - sp) / (limit - sp);
  else /* a setback or away setup reaches the limit: no room between */
    cost = gs__sgn(s) * (ta - limit) >= 0 ? 1 : 0;
  out->comfort_cost = cost < 0 ? 0 : cost > 1 ? 1 : cost;
  out->power_mw = gs__power_mw(s);
  out->capacity_mw = (int64_t)s->breaker_a * GS__HVAC_VOLTS * 1000;
  /* Contract: shedCapabilityKw is the present draw, 0 for critical. */
  out->shed_capability_mw = s->critical ? 0 : out->power_mw;
  /* Curtailment switches the compressor off: all or nothing. Offset and
   * duty limit accept any request; the physics decides what it gives. */
  out->min_shed_mw = s->dr_mode == GS_HVAC_DR_CURTAIL ? out->power_mw : 0;
  out->soc_pct = -1;
  out->enabled = s->enabled;
  out->critical = s->critical;
  out->shedding = s->shed;
}

void gs_hvac_weather_step(gs_engine_t *eng, void *states, size_t n,
                          double to_c) {
  unsigned char *base = states;
  /* The curves once for all: the same values as each house's own. */
  gs__curves_t k = {.cool_cap = gs_hvac_cool_cap_mult(to_c),
                    .cool_eir = gs_hvac_cool_eir_mult(to_c),
                    .heat_cap = gs_hvac_heat_cap_mult(to_c),
                    .heat_eir = gs_hvac_heat_eir_mult(to_c)};
  for (size_t i = 0; i < n; i++) {
    gs__hvac_t *s = (gs__hvac_t *)(void *)(base + i * sizeof *s);
    /* Exactly the GS_EV_HVAC_STEP of an unswept house. */
    if (!s->swept || !s->on || !s->enabled) continue;
    double heat_w, elec_w;
    gs__equipment_c(s, &k, &heat_w, &elec_w);
    int64_t new_mw = llround(elec_w * 1000.0);
    if (new_mw != s->power_mw && s->meter != GS_METER_NONE)
      gs_engine_add_power(eng, s->meter, new_mw - s->power_mw);
    s->power_mw = (int32_t)new_mw;
  }
}

const gs_model_type_t gs_model_hvac = {
    .name = "hvac",
    .doc =
        "HVAC with its house: 2R2C ETP thermostat load (GridLAB-D "
        "house_e), DR offset/duty/curtail",
    .role = GS_ROLE_LOAD,
    .state_size = sizeof(gs__hvac_t),
    .params = gs_hvac_params,
    .n_params = GS_HVAC_NPARAMS,
    .init = gs__hvac_init,
    .handle = gs__hvac_handle,
    .finish = NULL,
    .status = gs__hvac_status,
};

double gs_hvac_discomfort_c(const void *state, gs_time_us_t now_us) {
  const gs__hvac_t *s = state;
  /* How far the air has drifted past the edge of the occupant's own
   * deadband (the setpoint before any DR offset, price offset or
   * pre-cooling, plus half the deadband), on the side the equipment works
   * against: above it when cooling, below when heating. Normal thermostat
   * cycling stays within the deadband and so counts nothing. */
  double d = gs__sgn(s) * (gs_hvac_indoor_c(state, now_us) -
                           gs__base_sp_c(s, now_us)) -
             s->deadband_cc / 200.0;
  return d > 0 ? d : 0;
}
