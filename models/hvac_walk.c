/* SPDX-License-Identifier: MIT */
/* The HVAC house's trajectory: segments between weather steps, the walk
 * over the steps an idle house has no event at, and the crossing search
 * that finds its next event. */
#include <math.h>
#include <stdint.h>

#include "hvac_priv.h"

/* A point on the house's trajectory: the start of a segment. */
typedef struct gs__cursor {
  gs_time_us_t t0_us;
  double ta0_c, tm0_c;
} gs__cursor_t;

static gs__cursor_t gs__cursor(const gs__hvac_t *s) {
  return (gs__cursor_t){s->t0_us, s->ta0_c, s->tm0_c};
}

/* The weather a segment starting at some instant sees, and when it next
 * changes (GS_TIME_NEVER without weather or after its last step). */
typedef struct gs__inputs {
  double to_c, glazing_w_m2;
  gs_time_us_t next_us;
} gs__inputs_t;

static void gs__inputs(const gs__hvac_t *s, gs_time_us_t t_us,
                       gs__inputs_t *in) {
  const gs__hvac_cfg_t *c = s->cfg;
  if (c->wx) {
    gs_weather_sample(c->wx, t_us, &in->to_c, &in->glazing_w_m2, &in->next_us);
    return;
  }
  *in = (gs__inputs_t){c->outdoor_cc / 100.0, 0.0, GS_TIME_NEVER};
}

/* What every segment of one walk of a house shares: its modes, its
 * parameters as doubles, its solar aperture (m2) and rated COP, each
 * worked out once per walk rather than per segment (the same values). */
typedef struct gs__house {
  const gs_hvac_modes_t *m;
  gs_hvac_etp_t h;
  double solar_m2, cop;
} gs__house_t;

static void gs__house(const gs__hvac_t *s, const gs_hvac_modes_t *m,
                      gs__house_t *hs) {
  hs->m = m;
  hs->h = (gs_hvac_etp_t){.ua_w_k = s->ua_w_k,
                          .ca_j_k = s->ca_j_k,
                          .cm_j_k = s->cm_j_k,
                          .hm_w_k = s->hm_w_k};
  hs->solar_m2 = s->solar_cm2 / 100.0;
  hs->cop = gs__hvac_cop(s);
}

/* The segment starting at `c`: inputs are those at c.t0, constant until
 * the next weather step or event. The equipment's state is the stored one
 * (it only changes at events). */
static void gs__segment_at(const gs__hvac_t *s, const gs__house_t *hs,
                           const gs__cursor_t *c, const gs__inputs_t *in,
                           gs_hvac_seg_t *seg) {
  double to_c = in->to_c;
  double gains_w = s->gains_w + hs->solar_m2 * in->glazing_w_m2;
  double hvac_w = 0, elec_w;
  if (s->on && s->enabled) {
    gs__hvac_curves_t k;
    gs__hvac_curves(s, to_c, &k);
    gs__hvac_equipment_cop(s, &k, hs->cop, &hvac_w, &elec_w);
  }
  double qm_w = GS_HVAC_MASS_GAIN_SHARE * gains_w;
  gs_hvac_seg_solve_m(&hs->h, hs->m, c->ta0_c, c->tm0_c, to_c,
                      hvac_w + gains_w - qm_w, qm_w, seg);
}

/* Moves `c` along its segment `seg` to `t_us` (>= c->t0_us). */
static void gs__cursor_move(gs__cursor_t *c, const gs_hvac_seg_t *seg,
                            gs_time_us_t t_us) {
  double dt_s = (double)(t_us - c->t0_us) / (double)GS_US_PER_S;
  gs_hvac_seg_eval(seg, dt_s, &c->ta0_c, &c->tm0_c);
  c->t0_us = t_us;
}

gs_time_us_t gs__hvac_weather_step_us(const gs__hvac_t *s, gs_time_us_t t_us) {
  return s->cfg->wx ? gs_weather_next_change_us(s->cfg->wx, t_us)
                    : GS_TIME_NEVER;
}

/* Moves `c` over every weather step up to and including `now_us`, one
 * segment per step, and then to `now_us`: the trajectory an event at each
 * step would have computed. An idle house has no event at the steps where
 * nothing but its inputs change (see gs__hvac_next_event_us); a running
 * one has, so for it this is at most the step at `now_us` itself. */
static void gs__cursor_walk(const gs__hvac_t *s, const gs_hvac_modes_t *m,
                            gs__cursor_t *c, gs_time_us_t now_us) {
  /* Two segments in turn: whole steps take the previous one's
   * exponentials (gs_hvac_seg_memo_like). */
  gs_hvac_seg_t buf[2], *seg = &buf[0], *prev = &buf[1];
  prev->memo_s = NAN;
  gs__house_t hs;
  gs__house(s, m, &hs);
  gs__inputs_t in;
  gs__inputs(s, c->t0_us, &in);
  while (in.next_us <= now_us) {
    gs__segment_at(s, &hs, c, &in, seg);
    gs_hvac_seg_memo_like(
        seg, (double)(in.next_us - c->t0_us) / (double)GS_US_PER_S, prev);
    gs__cursor_move(c, seg, in.next_us);
    gs__inputs(s, c->t0_us, &in);
    gs_hvac_seg_t *t = seg;
    seg = prev;
    prev = t;
  }
  if (now_us == c->t0_us) return;
  gs__segment_at(s, &hs, c, &in, seg);
  gs__cursor_move(c, seg, now_us);
}

/* Where a walk to `now_us` may start: the walk that scheduled the
 * pending event passed its steps already, so from where it ended, if not
 * after now, instead of solving its segments again (the same values: the
 * state has not changed since; every event that changes it walks anew).
 * Else the segment start. */
static gs__cursor_t gs__walk_start(const gs__hvac_t *s, gs_time_us_t now_us) {
  if (s->walk_n) {
    /* The walk passed walk_n steps, all of them finite: the first after
     * t0, then whole steps of the weather's grid. */
    gs_time_us_t t_us = gs__hvac_weather_step_us(s, s->t0_us) +
                        (gs_time_us_t)(s->walk_n - 1) *
                            gs_weather_step_us(s->cfg->wx);
#ifndef NDEBUG /* Debug and sanitizer builds hold it to the steps. */
    gs_time_us_t u_us = s->t0_us;
    for (unsigned i = 0; i < s->walk_n; i++)
      u_us = gs__hvac_weather_step_us(s, u_us);
    GS_ASSERT(u_us == t_us);
#endif
    if (t_us <= now_us) return (gs__cursor_t){t_us, s->walk_ta_c, s->walk_tm_c};
  }
  return gs__cursor(s);
}

/* A reader's walk (the comfort observer reads every house at every output
 * interval of a DR event): from where the last walk ended, as an event's
 * gs__hvac_advance, so at most the steps since. */
static gs__cursor_t gs__read_at(const void *state, gs_time_us_t now_us) {
  const gs__hvac_t *s = state;
  gs__cursor_t c = gs__walk_start(s, now_us);
  if (c.t0_us == now_us) return c;
  gs_hvac_modes_t m;
  gs__hvac_modes_of(s, &m);
  gs__cursor_walk(s, &m, &c, now_us);
  return c;
}

double gs_hvac_indoor_c(const void *state, gs_time_us_t now_us) {
  return gs__read_at(state, now_us).ta0_c;
}

double gs_hvac_mass_c(const void *state, gs_time_us_t now_us) {
  return gs__read_at(state, now_us).tm0_c;
}

static gs_time_us_t gs__min_t(gs_time_us_t a, gs_time_us_t b) {
  return a < b ? a : b;
}

/* Next instant after `now_us` at which sim-clock minute `m` of a day
 * starts; `day_us` is the start of now's day (now_us / day * day, worked
 * out once by the caller for all its boundaries). */
static gs_time_us_t gs__next_minute_us(gs_time_us_t now_us,
                                       gs_time_us_t day_us, int m) {
  gs_time_us_t t_us = day_us + m * GS_US_PER_MIN;
  return t_us > now_us ? t_us : t_us + GS_US_PER_DAY;
}

/* Earliest time after `now_us` at which an input of the segment changes
 * other than the weather: setback boundary, pre-cooling start or end,
 * duty-limit run end or lock end; GS_TIME_NEVER if none. */
static gs_time_us_t gs__own_end_us(const gs__hvac_t *s, gs_time_us_t now_us) {
  const gs__hvac_cfg_t *c = s->cfg;
  gs_time_us_t end_us = GS_TIME_NEVER;
  gs_time_us_t day_us = now_us / GS_US_PER_DAY * GS_US_PER_DAY;
  if (s->setback_cc != 0 && c->sb_start_min != c->sb_end_min) {
    end_us = gs__min_t(end_us,
                       gs__next_minute_us(now_us, day_us, c->sb_start_min));
    end_us =
        gs__min_t(end_us, gs__next_minute_us(now_us, day_us, c->sb_end_min));
  }
  /* Away boundaries on every day (a weekend's are events where nothing
   * changes: exact all the same, and one rule for the walk). */
  if (s->away_cc != 0 && s->away_start_min != s->away_end_min) {
    end_us = gs__min_t(
        end_us, gs__next_minute_us(now_us, day_us, s->away_start_min));
    end_us = gs__min_t(end_us,
                       gs__next_minute_us(now_us, day_us, s->away_end_min));
  }
  if (s->precool) {
    gs_time_us_t begin_us =
        s->mark_us - (gs_time_us_t)c->precool_s * GS_US_PER_S;
    end_us = gs__min_t(end_us, begin_us > now_us ? begin_us : s->mark_us);
  }
  if (gs__hvac_duty_active(s) && s->on)
    end_us = gs__min_t(end_us, s->mark_us + gs__hvac_max_on_us(s));
  if (gs__hvac_duty_active(s) && s->locked)
    end_us = gs__min_t(end_us, s->mark_us);
  return end_us;
}

/* The first event of segment `seg` starting at `now_us`: an earlier
 * crossing of the edge the thermostat or the comfort limit waits for,
 * found in closed form (Halley on the exponentials), or else the
 * segment's end `end_us`. `sp` is the setpoint, gs__hvac_sp_c at now. */
static gs_time_us_t gs__crossing_us(const gs__hvac_t *s,
                                    const gs_hvac_seg_t *seg, double sp,
                                    gs_time_us_t now_us, gs_time_us_t end_us) {
  double horizon_s = (double)(end_us - now_us) / (double)GS_US_PER_S;
  double sgn = gs__hvac_sgn(s);
  double half = s->cfg->deadband_cc / 200.0;
  double t_s = INFINITY;
  if (s->on && s->enabled) /* satisfied: the far side of the deadband */
    t_s = fmin(t_s, gs_hvac_seg_time_to(seg, sp - sgn * half, horizon_s));
  else if (gs__hvac_allowed(s)) /* demand: the near side */
    t_s = fmin(t_s, gs_hvac_seg_time_to(seg, sp + sgn * half, horizon_s));
  if (s->shed)
    t_s = fmin(t_s,
               gs_hvac_seg_time_to(seg, s->cfg->comfort_cc / 100.0, horizon_s));
  if (isinf(t_s)) return end_us;
  gs_time_us_t at_us = now_us + gs__hvac_llround(t_s * (double)GS_US_PER_S);
  /* A crossing rounded onto the present instant is taken 1 us later, so
   * that the model always moves on (it is then within GS__HVAC_TOL_C). */
  if (at_us <= now_us) at_us = now_us + 1;
  return gs__min_t(at_us, end_us);
}

/* Would an event at the weather step where `c` stands change anything
 * but the house's temperatures? It runs the transition of an event on a
 * copy. */
static bool gs__step_acts_slow(const gs__hvac_t *s, const gs__cursor_t *c) {
  gs__hvac_t t = *s;
  t.t0_us = c->t0_us;
  t.ta0_c = c->ta0_c;
  t.tm0_c = c->tm0_c;
  gs__hvac_settle_flags(&t);
  return t.on != s->on || t.shed != s->shed || t.opted != s->opted ||
         t.locked != s->locked || t.precool != s->precool ||
         t.mark_us != s->mark_us;
}

/* The same, with the walk's setpoint `sp`. Without a DR response,
 * pre-cooling or lock under way (nearly every step of a fleet) the
 * transition can only switch the thermostat, as gs__decide would: the
 * comparisons are made here, without copying the state or working out
 * the schedule again. Debug and sanitizer builds check the answer
 * against the transition itself. */
static bool gs__step_acts(const gs__hvac_t *s, const gs__cursor_t *c,
                          double sp) {
  if (s->shed || s->precool || s->locked) return gs__step_acts_slow(s, c);
  double sgn = gs__hvac_sgn(s), half = s->cfg->deadband_cc / 200.0;
  double ta_c = c->ta0_c;
  bool on;
  if (!gs__hvac_allowed(s))
    on = false;
  else if (s->on && s->enabled) /* runs until satisfied */
    on = !(sgn * (ta_c - (sp - sgn * half)) <= GS__HVAC_TOL_C);
  else /* off until the near edge */
    on = !(sgn * (ta_c - (sp + sgn * half)) < -GS__HVAC_TOL_C);
#ifndef NDEBUG
  GS_ASSERT((on != s->on) == gs__step_acts_slow(s, c));
#endif
  return on != s->on;
}

/* Time of the next event, from the state at the last one (t0). A running
 * house has one at every weather step, where its electric power changes
 * with the outdoor temperature (booked by the weather sweep, or a STEP).
 * An idle one (power 0 throughout) needs none there: its trajectory is
 * followed over the steps here, segment by segment exactly as events at
 * the steps would have, up to the first crossing or the first step at
 * which its thermostat or DR state would change. Temperatures read in
 * between (gs__cursor_walk) come from the same segments, so skipping those
 * events changes no result, and saves the queue, the dispatch and a
 * second solve of each segment: in summer about half of all events of a
 * fleet. */
gs_time_us_t gs__hvac_next_event_us(const gs__hvac_t *s,
                                    const gs_hvac_modes_t *m, unsigned *n_steps,
                                    double *ta_c, double *tm_c) {
  gs__cursor_t c = gs__cursor(s);
  unsigned n = 0;
  gs_time_us_t own_us = gs__own_end_us(s, c.t0_us), at_us;
  /* The setpoint changes only where the walk ends (the schedule's and
   * pre-cooling's boundaries are in own_us; DR and price flags change at
   * events): the same value at every segment's start. */
  double sp = gs__hvac_sp_c(s, c.t0_us);
  gs__inputs_t in;
  gs__inputs(s, c.t0_us, &in);
  gs_hvac_seg_t buf[2], *seg = &buf[0], *prev = &buf[1];
  prev->memo_s = NAN;
  gs__house_t hs;
  gs__house(s, m, &hs);
  for (;;) {
    gs_time_us_t idle_us = c.t0_us + GS__HVAC_IDLE_US;
    gs_time_us_t step_us = in.next_us;
    gs_time_us_t end_us = gs__min_t(gs__min_t(idle_us, step_us), own_us);
    gs__segment_at(s, &hs, &c, &in, seg);
    /* The crossing search reads Ta at the end first; the move there reads
     * the same exponentials, and so does the next whole step. */
    gs_hvac_seg_memo_like(seg, (double)(end_us - c.t0_us) / (double)GS_US_PER_S,
                          prev);
#ifndef NDEBUG /* Debug and sanitizer builds hold the walk to it. */
    GS_ASSERT(sp == gs__hvac_sp_c(s, c.t0_us));
#endif
    at_us = gs__crossing_us(s, seg, sp, c.t0_us, end_us);
    if (at_us < end_us || step_us >= own_us || step_us >= idle_us) break;
    gs__cursor_move(&c, seg, end_us);
    gs__inputs(s, c.t0_us, &in);
    gs_hvac_seg_t *t = seg;
    seg = prev;
    prev = t;
    /* A step where nothing acts ends the walk all the same after
     * GS__HVAC_WALK_MAX of them: an event there changes no result (it is
     * what every step had before), and it bounds the walks of readers
     * (gs__cursor_walk), which cannot keep where they got to. */
    if (++n == GS__HVAC_WALK_MAX || gs__step_acts(s, &c, sp)) {
      at_us = end_us;
      break;
    }
  }
  *n_steps = n;
  *ta_c = c.ta0_c;
  *tm_c = c.tm0_c;
  return at_us;
}

void gs__hvac_advance(gs__hvac_t *s, const gs_hvac_modes_t *m,
                      gs_time_us_t now_us) {
  gs__cursor_t c = gs__walk_start(s, now_us);
  gs__cursor_walk(s, m, &c, now_us);
  s->t0_us = c.t0_us;
  s->ta0_c = c.ta0_c;
  s->tm0_c = c.tm0_c;
}
