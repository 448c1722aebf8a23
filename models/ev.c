/* SPDX-License-Identifier: MIT */
/* EV charger load: daily arrivals and departures drawn from travel-survey
 * distributions, constant-power charging solved in closed form, managed
 * charging (defer, throttle, override for departure) and a TOU delay. */
#include "ev.h"

#include <math.h>
#include <stdint.h>

#include <gsl/gsl_randist.h>

#include "gridsim/engine.h"
#include "gridsim/rng.h"
#include "gridsim/scenario.h"
#include "models.h"
#include "world.h"

/* The model. Every local day the car leaves in the morning and comes home
 * in the evening; at arrival the day's driving is booked as grid energy
 * owed to the battery (the deficit), and with plug_in_prob the driver plugs
 * in. Charging then runs at a constant power P (constant-current phase of
 * CC-CV; the taper near full is ignored, so the last few per cent of a
 * real charge take longer than here) until the deficit is delivered:
 *   finish = start + ceil(deficit / P),
 * in whole microseconds from an integer deficit in mW µs, so the meter
 * receives the requested energy to within one microsecond of power. Grid
 * energy relates to battery energy by the charging efficiency: the
 * deficit of an empty battery is battery_kwh / efficiency. No event polls:
 * arrivals, departures, the end of a TOU delay, the end of a charge and a
 * DR override are the only events. */

#define GS__EV_DAY_S        86400
#define GS__EV_DAY_US       (GS__EV_DAY_S * GS_US_PER_S)
#define GS__EV_TICK_S       4 /* resolution of the stored time-of-day figures */
#define GS__EV_MWUS_PER_KWH 3.6e15
/* A stay and a trip last at least this long, whatever the parameters. */
#define GS__EV_MIN_GAP_S 900
/* A delayed start waits only if arrival falls in the 12 h before it. */
#define GS__EV_TOU_WINDOW_US (12 * GS_US_PER_H)
#define GS__EV_MAX_MW        ((1u << 25) - 1) /* 33.5 kW: "no limit" */
#define GS__EV_VOLTS_L1      120
#define GS__EV_VOLTS_L2      240

/* Per-entity state: 80 bytes. Times of day are stored on the simulation's
 * clock (local clock minus the local time of day at t = 0) in 4 s ticks;
 * the daily draws come from per-day streams rooted in `stream` (derived
 * once with gs_rng_init from the seed, the key and GS_RNG_BEHAVIOUR), which
 * costs 8 bytes instead of a 24-byte live generator, and makes each day's
 * draws independent of what earlier days drew. */
typedef struct gs__ev {
  uint64_t stream;             /* root of the per-day streams */
  gs_time_us_t t0_us;          /* start of the present power segment */
  int64_t deficit_mwus;        /* grid energy to fill the battery, at t0 */
  gs_event_handle_t next;      /* pending START / FULL / OVERRIDE, or NONE */
  uint32_t dep_s;              /* departure of the present stay, s */
  uint32_t meter;              /* meter the power adds to, or NONE */
  float cap_kwh;               /* grid energy from empty: battery / eff */
  float mu_e, sigma_e;         /* daily grid kWh is lognormal(mu, sigma) */
  int16_t arr_t, dep_t;        /* mean arrival, departure: ticks of day */
  uint16_t arr_sd_t, dep_sd_t; /* their standard deviations, ticks */
  uint16_t delay_t;            /* TOU start on the sim clock, ticks */
  uint16_t plug_q;             /* plug_in_prob x 65535 */
  unsigned full_mw : 25;       /* charging power without limits */
  unsigned breaker_a : 7;      /* circuit breaker, A */
  unsigned shed_lim_mw : 25;   /* power allowed while shed */
  unsigned home : 1;           /* between arrival and departure */
  unsigned plugged : 1;        /* plugged in for this stay */
  unsigned started : 1;        /* TOU delay over for this stay */
  unsigned shed : 1;           /* deferred or throttled by DR */
  unsigned enabled : 1;        /* setLoad: breaker on */
  unsigned critical : 1;       /* never shed */
  unsigned l1 : 1;             /* level 1 (120 V) charging */
  unsigned set_lim_mw : 25;    /* setLoad capacity limit (MAX: none) */
  unsigned respect : 1;        /* override DR to be charged by departure */
  unsigned tou : 1;            /* start_delay_until_h is on */
  unsigned price_on : 1;       /* price_defer_above is on */
  unsigned pdefer : 1;         /* deferred by a PRICE above it */
  uint16_t overrides;          /* DR sheds overridden (saturates) */
  int16_t price_thr_mil;       /* price_defer_above, 0.001 $/kWh */
} gs__ev_t;

_Static_assert(sizeof(gs__ev_t) <= 80, "EV state must stay within 80 bytes");

static int64_t gs__ev_floormod(int64_t a, int64_t m) {
  int64_t r = a % m;
  return r < 0 ? r + m : r;
}

static int64_t gs__ev_volts(const gs__ev_t *s) {
  return s->l1 ? GS__EV_VOLTS_L1 : GS__EV_VOLTS_L2;
}

/* J1772's smallest pilot current: below it a charger can only pause. */
static int64_t gs__ev_min_mw(const gs__ev_t *s) {
  return GS_EV_MIN_AMPS * gs__ev_volts(s) * 1000;
}

static int64_t gs__ev_cap_mwus(const gs__ev_t *s) {
  return llround((double)s->cap_kwh * GS__EV_MWUS_PER_KWH);
}

static gs_time_us_t gs__ev_dep_us(const gs__ev_t *s) {
  return (gs_time_us_t)s->dep_s * GS_US_PER_S;
}

/* The stream of local day `day`: sub 0 for the arrival (drawn at the
 * morning's departure), sub 1 for the stay (drawn at arrival). */
static void gs__ev_stream(const gs__ev_t *s, int64_t day, unsigned sub,
                          gs_rng_t *r) {
  gs_rng_init(r, s->stream, (uint64_t)day * 2u + sub, GS_RNG_BEHAVIOUR);
}

/* Normal(mean, sd) cut at GS_EV_TRUNC_SD sd and below `lo` (all in s).
 * Rejection keeps the shape exact; an empty or far-tail window (only
 * with odd parameters) falls back to its nearest edge. */
static double gs__ev_trunc_normal(gsl_rng *g, double mean, double sd,
                                  double lo) {
  double a = mean - GS_EV_TRUNC_SD * sd, b = mean + GS_EV_TRUNC_SD * sd;
  if (lo > a) a = lo;
  if (a >= b) return a;
  for (int i = 0; i < 64; i++) {
    double x = mean + gsl_ran_gaussian_ziggurat(g, sd);
    if (x >= a && x <= b) return x;
  }
  return mean < a ? a : mean > b ? b : mean;
}

gs_time_us_t gs_ev_draw_arrival_us(const void *state, int64_t day,
                                   gs_time_us_t dep_us) {
  const gs__ev_t *s = state;
  gs_rng_t r;
  gs__ev_stream(s, day, 0, &r);
  gs_rng_lease_t l;
  gsl_rng *g = gs_rng_borrow(&l, &r);
  int64_t base_s = day * GS__EV_DAY_S;
  double lo_s = (double)dep_us / 1e6 - (double)base_s + GS__EV_MIN_GAP_S;
  double x_s = gs__ev_trunc_normal(g, s->arr_t * (double)GS__EV_TICK_S,
                                   s->arr_sd_t * (double)GS__EV_TICK_S, lo_s);
  gs_rng_return(&l);
  return (base_s + llround(x_s)) * GS_US_PER_S;
}

void gs_ev_draw_stay(const void *state, int64_t day, gs_time_us_t arr_us,
                     gs_ev_stay_t *out) {
  const gs__ev_t *s = state;
  gs_rng_t r;
  gs__ev_stream(s, day, 1, &r);
  gs_rng_lease_t l;
  gsl_rng *g = gs_rng_borrow(&l, &r);
  /* A day longer than the range is capped: the rest was charged away from
   * home, which this model does not see. */
  double e_kwh = gsl_ran_lognormal(g, s->mu_e, s->sigma_e);
  if (e_kwh > s->cap_kwh) e_kwh = s->cap_kwh;
  out->drive_mwus = llround(e_kwh * GS__EV_MWUS_PER_KWH);
  out->plug = gsl_rng_uniform(g) * 65535.0 < (double)s->plug_q;
  int64_t base_s = (day + 1) * GS__EV_DAY_S;
  double lo_s = (double)arr_us / 1e6 - (double)base_s + GS__EV_MIN_GAP_S;
  double y_s = gs__ev_trunc_normal(g, s->dep_t * (double)GS__EV_TICK_S,
                                   s->dep_sd_t * (double)GS__EV_TICK_S, lo_s);
  gs_rng_return(&l);
  out->dep_us = (base_s + llround(y_s)) * GS_US_PER_S;
}

int64_t gs_ev_full_power_mw(int level, double breaker_amps, double charger_kw) {
  int64_t volts = level == GS_EV_LEVEL_1 ? GS__EV_VOLTS_L1 : GS__EV_VOLTS_L2;
  /* J1772: level 1 up to 16 A at 120 V, level 2 up to 80 A at 240 V. */
  int64_t level_mw = (level == GS_EV_LEVEL_1 ? 16 : 80) * volts * 1000;
  int64_t breaker_mw =
      llround(breaker_amps * (double)volts * GS_EV_CONTINUOUS_PCT * 10.0);
  int64_t p_mw = llround(charger_kw * 1e6);
  if (breaker_mw < p_mw) p_mw = breaker_mw;
  return level_mw < p_mw ? level_mw : p_mw;
}

gs_time_us_t gs_ev_finish_us(gs_time_us_t t0_us, int64_t need_mwus,
                             int64_t power_mw) {
  GS_ASSERT(power_mw > 0);
  if (need_mwus <= 0) return t0_us;
  return t0_us + (need_mwus + power_mw - 1) / power_mw;
}

gs_time_us_t gs_ev_latest_us(gs_time_us_t t0_us, int64_t need_mwus,
                             int64_t p_mw, int64_t pmax_mw,
                             gs_time_us_t dep_us) {
  GS_ASSERT(pmax_mw > p_mw && p_mw >= 0);
  if (dep_us <= t0_us) return t0_us;
  gs_time_us_t span_us = dep_us - t0_us;
  double t_us;
  if (span_us <= INT64_MAX / pmax_mw) {
    int64_t num = pmax_mw * span_us - need_mwus;
    if (num < 0) return t0_us;
    return t0_us + num / (pmax_mw - p_mw);
  }
  /* Only a stay of years would get here: double is exact enough. */
  t_us = ((double)pmax_mw * (double)span_us - (double)need_mwus) /
         (double)(pmax_mw - p_mw);
  return t_us <= 0 ? t0_us : t0_us + (gs_time_us_t)floor(t_us);
}

/* Charging power the present flags and limits allow; 0 below J1772's
 * minimum. Constant between events, so it is not stored. */
static int64_t gs__ev_power_mw(const gs__ev_t *s) {
  if (!s->home || !s->plugged || !s->started || !s->enabled ||
      s->deficit_mwus <= 0 || s->pdefer)
    return 0;
  int64_t p_mw = s->full_mw;
  if (s->set_lim_mw < p_mw) p_mw = s->set_lim_mw;
  if (s->shed && s->shed_lim_mw < p_mw) p_mw = s->shed_lim_mw;
  return p_mw < gs__ev_min_mw(s) ? 0 : p_mw;
}

/* The power the EV may take back from DR: everything but the shed. */
static int64_t gs__ev_pmax_mw(const gs__ev_t *s) {
  if (!s->enabled) return 0;
  int64_t p_mw = s->full_mw;
  if (s->set_lim_mw < p_mw) p_mw = s->set_lim_mw;
  return p_mw < gs__ev_min_mw(s) ? 0 : p_mw;
}

int64_t gs_ev_deficit_mwus(const void *state, gs_time_us_t now_us) {
  const gs__ev_t *s = state;
  return s->deficit_mwus - gs__ev_power_mw(s) * (now_us - s->t0_us);
}

/* Ends the present segment at `t_us`: books the energy delivered since t0
 * and returns the power that segment had (the old power for the meter). */
static int64_t gs__ev_advance(gs__ev_t *s, gs_time_us_t t_us) {
  GS_ASSERT(t_us >= s->t0_us);
  int64_t p_mw = gs__ev_power_mw(s);
  s->deficit_mwus -= p_mw * (t_us - s->t0_us);
  s->t0_us = t_us;
  return p_mw;
}

/* Start of charging for a car plugged in at `t_us`: with a TOU delay, an
 * arrival in the 12 h before the delay hour waits for it; one in the other
 * 12 h (already off-peak) starts at once. */
static gs_time_us_t gs__ev_tou_start_us(const gs__ev_t *s, gs_time_us_t t_us) {
  if (!s->tou) return t_us;
  int64_t delay_us = (int64_t)s->delay_t * GS__EV_TICK_S * GS_US_PER_S;
  int64_t wait_us = gs__ev_floormod(
      delay_us - gs__ev_floormod(t_us, GS__EV_DAY_US), GS__EV_DAY_US);
  return wait_us > 0 && wait_us <= GS__EV_TOU_WINDOW_US ? t_us + wait_us : t_us;
}

/* The one charging timer the state implies, as of t0: the end of a TOU
 * wait, the end of the charge, or, while DR holds the power below what it
 * could be, the latest instant that still meets departure. */
static gs_time_us_t gs__ev_timer(const gs__ev_t *s, uint16_t *kind) {
  gs_time_us_t now_us = s->t0_us;
  if (!s->home || !s->plugged) return GS_TIME_NEVER;
  if (!s->started) {
    *kind = GS_EV_EV_START;
    return gs__ev_tou_start_us(s, now_us);
  }
  if (s->deficit_mwus <= 0) return GS_TIME_NEVER;
  int64_t p_mw = gs__ev_power_mw(s);
  gs_time_us_t full_us =
      p_mw > 0 ? gs_ev_finish_us(now_us, s->deficit_mwus, p_mw) : GS_TIME_NEVER;
  int64_t pmax_mw = gs__ev_pmax_mw(s);
  /* A price deferral always yields to departure (the driver's need
   * comes first); a DR shed does when dr_respect_departure is set. */
  if (((s->shed && s->respect) || s->pdefer) && pmax_mw > p_mw) {
    gs_time_us_t late_us = gs_ev_latest_us(now_us, s->deficit_mwus, p_mw,
                                           pmax_mw, gs__ev_dep_us(s));
    if (late_us < full_us) {
      *kind = GS_EV_EV_OVERRIDE;
      return late_us;
    }
  }
  *kind = GS_EV_EV_FULL;
  return full_us;
}

gs_time_us_t gs_ev_next_us(const void *state, uint16_t *kind) {
  uint16_t k = 0;
  gs_time_us_t at_us = gs__ev_timer(state, &k);
  if (kind) *kind = k;
  return at_us;
}

bool gs_ev_at_home(const void *state) {
  return ((const gs__ev_t *)state)->home != 0;
}

bool gs_ev_plugged(const void *state) {
  const gs__ev_t *s = state;
  return s->home && s->plugged;
}

gs_time_us_t gs_ev_departure_us(const void *state) {
  return gs__ev_dep_us(state);
}

uint32_t gs_ev_overridden(const void *state) {
  return ((const gs__ev_t *)state)->overrides;
}

/* The car comes home at t0 on local day `day`: the day's driving is owed
 * to the battery (never beyond empty), the driver plugs in or not, and the
 * TOU rule decides whether charging may start. Returns the departure. */
static gs_time_us_t gs__ev_arrive(gs__ev_t *s, int64_t day) {
  gs_ev_stay_t stay;
  gs_ev_draw_stay(s, day, s->t0_us, &stay);
  int64_t room_mwus = gs__ev_cap_mwus(s) - s->deficit_mwus;
  s->deficit_mwus += stay.drive_mwus < room_mwus ? stay.drive_mwus : room_mwus;
  s->home = 1;
  s->plugged = stay.plug;
  s->started = gs__ev_tou_start_us(s, s->t0_us) == s->t0_us;
  return stay.dep_us;
}

static void gs__ev_override(gs__ev_t *s) {
  if (s->shed && s->respect) { /* only DR overrides are counted */
    s->shed = 0;
    if (s->overrides < UINT16_MAX) s->overrides++;
  }
  s->pdefer = 0;
}

bool gs_ev_price_deferred(const void *state) {
  return ((const gs__ev_t *)state)->pdefer != 0;
}

/* After a change at t0 (= now): applies the new power to the meter and
 * replaces the pending timer. An override due now is taken at once: the
 * EV declines a shed it cannot afford. */
static void gs__ev_settle(gs_engine_t *eng, gs_entity_id_t self, gs__ev_t *s,
                          int64_t old_mw) {
  gs_engine_cancel(eng, s->next);
  s->next = GS_EVENT_HANDLE_NONE;
  uint16_t kind = 0;
  gs_time_us_t at_us;
  while ((at_us = gs__ev_timer(s, &kind)) <= s->t0_us &&
         kind == GS_EV_EV_OVERRIDE)
    gs__ev_override(s);
  int64_t new_mw = gs__ev_power_mw(s), delta_mw = new_mw - old_mw;
  if (delta_mw != 0 && s->meter != GS_METER_NONE)
    gs_engine_add_power(eng, s->meter, delta_mw);
  /* The grid counts EVs drawing power per transformer from these
   * switches (status().power_mw > 0 is exactly new_mw > 0). */
  if ((old_mw > 0) != (new_mw > 0) && s->meter != GS_METER_NONE)
    gs_meters_count_on(gs_engine_meters(eng), s->meter, new_mw > 0 ? 1 : -1);
  if (at_us != GS_TIME_NEVER)
    s->next = gs_engine_schedule(eng, self, at_us, GS_PHASE_MODEL, kind, 0, 0);
}

/* Seconds of the local day at t = 0: the scenario's start instant (UTC,
 * or midnight without a world) shifted by utc_offset_h. */
static int64_t gs__ev_tod0_s(const gs_model_init_t *init, double offset_h) {
  int64_t t_s = llround(offset_h * 3600.0);
  const gs_world_t *w = init->world;
  if (w != NULL && w->scenario != NULL)
    t_s += gs_scenario_start_unix_s(w->scenario);
  return gs__ev_floormod(t_s, GS__EV_DAY_S);
}

/* A local-clock hour as ticks of the simulation's clock. */
static long gs__ev_ticks(double hours, int64_t tod0_s) {
  return lround((hours * 3600.0 - (double)tod0_s) / GS__EV_TICK_S);
}

/* Where the EV stands at t = 0: replays, without events, the days from a
 * full battery two days before the start (same draws, same closed forms
 * as the run), so the run begins mid-routine rather than all at home with
 * empty batteries. Schedules the first arrival or departure. */
static void gs__ev_preroll(gs_engine_t *eng, gs_entity_id_t self, gs__ev_t *s) {
  int64_t day = -2;
  gs_time_us_t dep_us =
      (day * GS__EV_DAY_S + (int64_t)s->dep_t * GS__EV_TICK_S) * GS_US_PER_S;
  s->t0_us = dep_us;
  s->deficit_mwus = 0;
  for (;;) {
    gs_time_us_t arr_us = gs_ev_draw_arrival_us(s, day, dep_us);
    if (arr_us >= 0) {
      gs__ev_advance(s, 0);
      gs_engine_schedule(eng, self, arr_us, GS_PHASE_MODEL, GS_EV_EV_ARRIVE,
                         day, 0);
      return;
    }
    gs__ev_advance(s, arr_us);
    dep_us = gs__ev_arrive(s, day);
    day++;
    /* Charge (no DR before the run) until departure or t = 0. */
    gs_time_us_t end_us = dep_us < 0 ? dep_us : 0;
    uint16_t kind = 0;
    gs_time_us_t at_us;
    while ((at_us = gs__ev_timer(s, &kind)) < end_us) {
      gs__ev_advance(s, at_us);
      if (kind == GS_EV_EV_START) s->started = 1;
    }
    gs__ev_advance(s, end_us);
    if (dep_us >= 0) {
      s->dep_s = (uint32_t)(dep_us / GS_US_PER_S);
      gs_engine_schedule(eng, self, dep_us, GS_PHASE_MODEL, GS_EV_EV_DEPART,
                         day, 0);
      return;
    }
    s->home = s->plugged = s->started = 0;
  }
}

static gs_err_t gs__ev_init(gs_engine_t *eng, gs_entity_id_t self, void *state,
                            const gs_model_init_t *init, gs_errbuf_t *eb) {
  gs__ev_t *s = state;
  const double *p = init->params;
  const char *id = init->id ? init->id : "ev";
  int level = p[GS_EV_P_LEVEL] < 0.5 ? GS_EV_LEVEL_1 : GS_EV_LEVEL_2;
  int64_t full_mw =
      gs_ev_full_power_mw(level, p[GS_EV_P_BREAKER], p[GS_EV_P_CHARGER_KW]);
  int64_t volts = level == GS_EV_LEVEL_1 ? GS__EV_VOLTS_L1 : GS__EV_VOLTS_L2;
  if (full_mw < GS_EV_MIN_AMPS * volts * 1000)
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: charging power %.3f kW (charger_kw, 80 %% of "
                         "breaker_amps) is below the J1772 minimum of %d A "
                         "at %d V",
                         id, (double)full_mw / 1e6, GS_EV_MIN_AMPS, (int)volts);
  if (!(p[GS_EV_P_BATTERY] > 0 && p[GS_EV_P_EFFICIENCY] > 0 &&
        p[GS_EV_P_MI_MEAN] > 0 && p[GS_EV_P_KWH_PER_MI] > 0))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: battery_kwh, efficiency, daily_mi_mean and "
                         "kwh_per_mi must be > 0",
                         id);
  if (!(p[GS_EV_P_BREAKER] >= 1 && p[GS_EV_P_BREAKER] <= 127))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: breaker_amps must be in [1, 127], found %g", id,
                         p[GS_EV_P_BREAKER]);

  gs_rng_t root;
  gs_rng_init(&root, init->seed, init->key, GS_RNG_BEHAVIOUR);
  gs_rng_lease_t l;
  gsl_rng *g = gs_rng_borrow(&l, &root);
  /* Two statements: the operands of | may be evaluated in either order,
   * so one expression's stream would depend on the compiler. */
  uint64_t first = gsl_rng_get(g);
  s->stream = first << 32 | (uint64_t)gsl_rng_get(g);
  gs_rng_return(&l);

  /* Daily grid energy = miles x kwh_per_mi, lognormal with the given mean:
   * mu = ln(mean) - sigma^2 / 2, shifted by ln(kwh_per_mi). */
  double sigma = p[GS_EV_P_MI_SIGMA];
  s->mu_e = (float)(log(p[GS_EV_P_MI_MEAN]) - 0.5 * sigma * sigma +
                    log(p[GS_EV_P_KWH_PER_MI]));
  s->sigma_e = (float)sigma;
  s->cap_kwh = (float)(p[GS_EV_P_BATTERY] / p[GS_EV_P_EFFICIENCY]);

  int64_t tod0_s = gs__ev_tod0_s(init, p[GS_EV_P_UTC_OFFSET]);
  s->arr_t = (int16_t)gs__ev_ticks(p[GS_EV_P_ARRIVAL], tod0_s);
  s->dep_t = (int16_t)gs__ev_ticks(p[GS_EV_P_DEPARTURE], tod0_s);
  s->arr_sd_t = (uint16_t)gs__ev_ticks(p[GS_EV_P_ARRIVAL_SD], 0);
  s->dep_sd_t = (uint16_t)gs__ev_ticks(p[GS_EV_P_DEPART_SD], 0);
  s->tou = p[GS_EV_P_DELAY] >= 0;
  if (s->tou) {
    int64_t delay_s = llround(p[GS_EV_P_DELAY] * 3600.0) - tod0_s;
    s->delay_t =
        (uint16_t)(gs__ev_floormod(delay_s, GS__EV_DAY_S) / GS__EV_TICK_S);
  }
  s->plug_q = (uint16_t)lround(p[GS_EV_P_PLUG_PROB] * 65535.0);
  s->full_mw = (unsigned)full_mw;
  s->breaker_a = (unsigned)llround(p[GS_EV_P_BREAKER]);
  s->l1 = level == GS_EV_LEVEL_1;
  s->set_lim_mw = GS__EV_MAX_MW;
  s->enabled = 1;
  s->respect = p[GS_EV_P_RESPECT_DEP] != 0;
  s->critical = p[GS_EV_P_CRITICAL] != 0;
  s->price_on = p[GS_EV_P_PRICE_DEFER] != -1;
  s->price_thr_mil = (int16_t)llround(p[GS_EV_P_PRICE_DEFER] * 1000.0);
  s->meter = init->meter;
  s->next = GS_EVENT_HANDLE_NONE;

  gs__ev_preroll(eng, self, s);
  gs__ev_settle(eng, self, s, 0);
  return GS_OK;
}

/* Managed charging. A request of at least the present draw defers the
 * charge; a smaller one throttles it to draw - request, and a throttle
 * below J1772's 6 A pauses it. Either way the EV keeps the right to take
 * full power back when the charge could no longer finish by departure. */
static void gs__ev_shed(gs_engine_t *eng, gs_entity_id_t self, gs__ev_t *s,
                        int64_t arg_mw) {
  if (s->critical || arg_mw <= 0) return;
  int64_t old_mw = gs__ev_advance(s, gs_engine_now(eng));
  int64_t lim_mw = arg_mw >= old_mw ? 0 : old_mw - arg_mw;
  if (lim_mw < gs__ev_min_mw(s)) lim_mw = 0;
  s->shed = 1;
  s->shed_lim_mw = (unsigned)lim_mw;
  gs__ev_settle(eng, self, s, old_mw);
}

static void gs__ev_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                          const gs_event_t *ev) {
  gs__ev_t *s = state;
  gs_time_us_t now_us = gs_engine_now(eng);
  int64_t old_mw;
  switch (ev->kind) {
    case GS_EV_EV_ARRIVE: {
      old_mw = gs__ev_advance(s, now_us);
      gs_time_us_t dep_us = gs__ev_arrive(s, ev->arg);
      GS_ASSERT(dep_us > now_us && dep_us / GS_US_PER_S <= UINT32_MAX);
      s->dep_s = (uint32_t)(dep_us / GS_US_PER_S);
      gs_engine_schedule(eng, self, dep_us, GS_PHASE_MODEL, GS_EV_EV_DEPART,
                         ev->arg + 1, 0);
      gs__ev_settle(eng, self, s, old_mw);
      break;
    }
    case GS_EV_EV_DEPART: {
      GS_ASSERT(s->home && now_us == gs__ev_dep_us(s));
      old_mw = gs__ev_advance(s, now_us);
      s->home = s->plugged = s->started = 0;
      gs_engine_schedule(eng, self, gs_ev_draw_arrival_us(s, ev->arg, now_us),
                         GS_PHASE_MODEL, GS_EV_EV_ARRIVE, ev->arg, 0);
      gs__ev_settle(eng, self, s, old_mw);
      break;
    }
    case GS_EV_EV_START:
    case GS_EV_EV_FULL:
    case GS_EV_EV_OVERRIDE:
      /* Cancelled timers are skipped by the engine: this is the pending one. */
      GS_ASSERT(gs_event_handle(ev) == s->next);
      s->next = GS_EVENT_HANDLE_NONE;
      old_mw = gs__ev_advance(s, now_us);
      if (ev->kind == GS_EV_EV_START) s->started = 1;
      if (ev->kind == GS_EV_EV_FULL) GS_ASSERT(s->deficit_mwus <= 0);
      if (ev->kind == GS_EV_EV_OVERRIDE) gs__ev_override(s);
      gs__ev_settle(eng, self, s, old_mw);
      break;
    case GS_EV_LOAD_SHED:
      gs__ev_shed(eng, self, s, ev->arg);
      break;
    case GS_EV_LOAD_RESTORE:
      /* Full power again: the rebound is the deferred energy. */
      if (!s->shed) break;
      old_mw = gs__ev_advance(s, now_us);
      s->shed = 0;
      gs__ev_settle(eng, self, s, old_mw);
      break;
    case GS_EV_PRICE:
      /* Price-responsive charging: hold back while the price is above
       * the threshold; settle() takes the departure override at once if
       * the charge could no longer finish. A critical charger ignores
       * prices as it ignores sheds. */
      old_mw = gs__ev_advance(s, now_us);
      s->pdefer = s->price_on && !s->critical && ev->arg2 != 0 &&
                  ev->arg > (int64_t)s->price_thr_mil * 1000;
      gs__ev_settle(eng, self, s, old_mw);
      break;
    case GS_EV_LOAD_SET:
      old_mw = gs__ev_advance(s, now_us);
      s->set_lim_mw = ev->arg < 0 || ev->arg > GS__EV_MAX_MW
                          ? GS__EV_MAX_MW
                          : (unsigned)ev->arg;
      if (ev->arg2 & 2u) s->enabled = (ev->arg2 & 1u) != 0;
      gs__ev_settle(eng, self, s, old_mw);
      break;
    default:
      /* GS_EV_LOAD_NOTICE is ignored: this charger does not pre-charge.
       * An unknown model kind is a programming error. */
      GS_ASSERT(ev->kind < GS_EV_MODEL);
      break;
  }
}

static void gs__ev_status(const void *state, gs_time_us_t now_us,
                          gs_load_status_t *out) {
  const gs__ev_t *s = state;
  int64_t power_mw = gs__ev_power_mw(s);
  double need = (double)gs_ev_deficit_mwus(state, now_us);
  double cap = (double)gs__ev_cap_mwus(s);
  double soc = 100.0 * (1.0 - need / cap);
  out->soc_pct = soc < 0 ? 0 : soc > 100 ? 100 : soc;
  /* Comfort cost: the share of what can still be delivered by departure
   * that the car still needs (1: any deferral now misses departure). */
  double cost = 0;
  if (gs_ev_plugged(s) && need > 0) {
    double avail =
        (double)gs__ev_pmax_mw(s) * (double)(gs__ev_dep_us(s) - now_us);
    cost = avail > 0 ? need / avail : 1;
  }
  out->comfort_cost = cost > 1 ? 1 : cost;
  out->power_mw = power_mw;
  out->capacity_mw = (int64_t)s->breaker_a * gs__ev_volts(s) * 1000;
  out->shed_capability_mw = s->critical ? 0 : power_mw;
  out->enabled = s->enabled;
  out->critical = s->critical;
  out->shedding = s->shed;
}

static uint32_t gs__ev_meter_of(const void *state) {
  return ((const gs__ev_t *)state)->meter;
}

const gs_model_type_t gs_model_ev = {
    .name = "ev",
    .doc =
        "EV charger: NHTS arrivals, constant-power charging, managed "
        "charging and TOU delay",
    .role = GS_ROLE_LOAD,
    .state_size = sizeof(gs__ev_t),
    .params = gs_ev_params,
    .n_params = GS_EV_NPARAMS,
    .init = gs__ev_init,
    .handle = gs__ev_handle,
    .meter_of = gs__ev_meter_of,
    .finish = NULL,
    .status = gs__ev_status,
};
