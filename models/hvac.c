/* SPDX-License-Identifier: MIT */
/* HVAC-with-house load: a two-node ETP house (hvac_etp.c) under a deadband
 * thermostat with schedule, pre-cooling and three DR responses, switching
 * only at computed times (hvac_walk.c finds them). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "gridsim/engine.h"
#include "gridsim/rng.h"
#include "gridsim/scenario.h"
#include "hvac_priv.h"
#include "models.h"
#include "weather.h"
#include "world.h"

/* Contract (grid-services-mqtt.md): HVAC circuit 30 A, critical; rated
 * power of a circuit is breaker amps x 240 V. */
#define GS__HVAC_VOLTS 240

/* Electric power while in the present state at `t_us`. */
static int64_t gs__power_at_mw(const gs__hvac_t *s, gs_time_us_t t_us) {
  if (!s->on || !s->enabled) return 0;
  double heat_w, elec_w;
  gs__hvac_equipment(s, gs__hvac_outdoor_c(s, t_us), &heat_w, &elec_w);
  return gs__hvac_llround(elec_w * 1000.0);
}

/* The power on the meter now. */
static int64_t gs__power_mw(const gs__hvac_t *s) {
  return s->power_mw;
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
static unsigned gs__price_offset_cc(const gs__hvac_t *s, bool has,
                                    int64_t price_micro) {
  const gs__hvac_cfg_t *c = s->cfg;
  if (!has) return 0;
  double over = (double)price_micro / 1e6 - c->price_thr_mil / 1000.0;
  double off_cc = over * c->price_gain;
  if (!(off_cc > 0)) return 0;
  return (unsigned)(off_cc > c->price_max_cc ? c->price_max_cc
                                             : llround(off_cc));
}

bool gs_hvac_running(const void *state) {
  const gs__hvac_t *s = state;
  return s->on && s->enabled;
}

void gs_hvac_edges_c(const void *state, gs_time_us_t now_us, double *low_c,
                     double *high_c) {
  const gs__hvac_t *s = state;
  double sp = gs__hvac_sp_c(s, now_us), half = s->cfg->deadband_cc / 200.0;
  *low_c = sp - half;
  *high_c = sp + half;
}

gs_time_us_t gs_hvac_next_us(const void *state) {
  const gs__hvac_t *s = state;
  if (!s->pending) return GS_TIME_NEVER;
  /* The TIMER's time is not stored: the walk that found it gives it again
   * (the state has not changed since). */
  gs_hvac_modes_t m;
  gs__hvac_modes_of(s, &m);
  unsigned n;
  double ta_c, tm_c;
  return gs__hvac_next_event_us(s, &m, &n, &ta_c, &tm_c);
}

/* Schedules the next event from `now_us`: a STEP at the next weather step
 * while running, if before the TIMER's time `due_us`, else that TIMER. */
static void gs__schedule_next(gs_engine_t *eng, gs_entity_id_t self,
                              gs__hvac_t *s, gs_time_us_t now_us,
                              gs_time_us_t due_us) {
  gs_time_us_t at_us = due_us;
  uint16_t kind = GS_EV_HVAC_TIMER;
  if (s->on && s->enabled && !s->cfg->swept) {
    gs_time_us_t step_us = gs__hvac_weather_step_us(s, now_us);
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
                           gs__hvac_t *s, const gs_hvac_modes_t *m) {
  /* A pending event is not cancelled but superseded: it is ignored when
   * it comes (its sequence number is no longer next_seq). The order of
   * events is the same; what changes is that the engine need not look
   * every later event of this house up in its cancel set until the old
   * one is popped (after a DR command, every house of the fleet for up to
   * the two hours of a walk). */
  unsigned n;
  double ta_c, tm_c;
  gs_time_us_t due_us = gs__hvac_next_event_us(s, m, &n, &ta_c, &tm_c);
  /* Where the walk ended, for gs__hvac_advance. */
  s->walk_n = n;
  s->walk_ta_c = ta_c;
  s->walk_tm_c = tm_c;
  gs__schedule_next(eng, self, s, s->t0_us, due_us);
}

/* The thermostat at `now_us`, with Ta the air temperature: returns whether
 * the equipment runs from now on, updating the DR bookkeeping. */
static bool gs__decide(gs__hvac_t *s, gs_time_us_t now_us, double ta_c) {
  double sgn = gs__hvac_sgn(s), sp = gs__hvac_sp_c(s, now_us);
  double half = s->cfg->deadband_cc / 200.0;
  bool on = s->on && s->enabled;
  if (!gs__hvac_allowed(s)) return false;
  if (on) {
    bool satisfied = sgn * (ta_c - (sp - sgn * half)) <= GS__HVAC_TOL_C;
    bool run_over = gs__hvac_duty_active(s) &&
                    now_us - s->mark_us >= gs__hvac_max_on_us(s);
    if (!satisfied && !run_over) return true;
    if (gs__hvac_duty_active(s)) {
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
  if (gs__hvac_duty_active(s)) s->mark_us = now_us; /* a run starts */
  return true;
}

/* What an event's changes are booked against: the power drawn until now
 * (for the meter delta) and whether the house ran (for the sweep's
 * bitmap). */
typedef struct gs__before {
  int64_t power_mw;
  bool running;
} gs__before_t;

/* Ends the present segment at now (over the weather steps an idle house
 * had no event at): Ta0 and Tm0 become the temperatures of this instant.
 * Returns the state before the event. */
static gs__before_t gs__advance(gs__hvac_t *s, const gs_hvac_modes_t *m,
                                gs_time_us_t now_us) {
  gs__before_t before = {gs__power_mw(s), s->on && s->enabled};
  gs__hvac_advance(s, m, now_us);
  return before;
}

/* The transition after any event (once gs__advance and the event's own
 * flag changes are done): expires schedule and DR flags, applies the
 * comfort limit and lets the thermostat decide. */
void gs__hvac_settle_flags(gs__hvac_t *s) {
  gs_time_us_t now_us = s->t0_us;
  double ta_c = s->ta0_c;
  if (s->precool && now_us >= s->mark_us) s->precool = 0; /* event began */
  if (s->locked && now_us >= s->mark_us) s->locked = 0;
  /* Comfort limit: the home opts out and the thermostat resumes. */
  if (s->shed && gs__hvac_sgn(s) * (ta_c - s->cfg->comfort_cc / 100.0) >=
                     -GS__HVAC_TOL_C) {
    s->shed = 0;
    s->opted = 1;
    s->locked = 0;
  }
  s->on = gs__decide(s, now_us, ta_c);
}

/* gs__hvac_settle_flags, then books the power change on the meter (and
 * a start or stop in the sweep's bitmap) and schedules the next event
 * (`m`: the house's modes). */
static void gs__settle(gs_engine_t *eng, gs_entity_id_t self, gs__hvac_t *s,
                       const gs_hvac_modes_t *m, gs__before_t before) {
  gs__hvac_settle_flags(s);
  if ((s->on && s->enabled) != before.running) {
    /* The house's bit exists since its init: no allocation here. */
    gs_err_t err = gs__hvac_running_put(eng, s);
    GS_ASSERT(err == GS_OK);
  }
  int64_t new_mw = gs__power_at_mw(s, s->t0_us);
  s->power_mw = (int32_t)new_mw;
  int64_t delta_mw = new_mw - before.power_mw;
  if (delta_mw != 0 && s->meter != GS_METER_NONE)
    gs_engine_add_power(eng, s->meter, delta_mw);
  gs__reschedule(eng, self, s, m);
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

  /* What the group has in common goes to the shared record, built on
   * zeroed bytes (padding included: interned by its bytes). */
  gs__hvac_cfg_t c;
  memset(&c, 0, sizeof c);
  c.wx = world ? world->weather : NULL;
  /* Swept where the world's sweep has the bitmap to find it in (a world
   * built by hand may not: its houses step at their own events). */
  c.swept = world && world->weather_sweep && world->hvac_running;
  c.running = c.swept ? world->hvac_running : NULL;
  c.deadband_cc = (uint16_t)gs__cc(p[GS_HVAC_P_DEADBAND]);
  c.comfort_cc = gs__cc(comfort);
  c.dr_mode = (uint8_t)p[GS_HVAC_P_DR_MODE];
  c.window_s = (uint16_t)llround(p[GS_HVAC_P_DR_WINDOW]);
  c.precool_cc = gs__cc(p[GS_HVAC_P_PRECOOL_OFF]);
  c.precool_s = (uint16_t)llround(p[GS_HVAC_P_PRECOOL]);
  c.outdoor_cc = gs__cc(p[GS_HVAC_P_OUTDOOR]);
  c.cop_milli = (uint16_t)llround(
      mode == GS_HVAC_MODE_AC          ? p[GS_HVAC_P_COP] * 1000.0
      : mode == GS_HVAC_MODE_HEAT_PUMP ? p[GS_HVAC_P_HEATING_COP] * 1000.0
                                       : 1000.0);
  c.mode = (uint8_t)mode;
  c.critical = p[GS_HVAC_P_CRITICAL] != 0;
  c.breaker_a = (uint8_t)llround(p[GS_HVAC_P_BREAKER]);
  c.price_thr_mil = (int16_t)llround(p[GS_HVAC_P_PRICE_THRESHOLD] * 1000.0);
  c.price_gain = (uint16_t)llround(p[GS_HVAC_P_PRICE_GAIN] * 100.0);
  c.price_max_cc = (uint16_t)gs__cc(p[GS_HVAC_P_PRICE_MAX]);
  c.away_all = p[GS_HVAC_P_AWAY_DAYS] != 0;
  /* Setback hours are local: the local minute of day at t = 0 comes from
   * the scenario's start instant and utc_offset_h. */
  int64_t start_s =
      world && world->scenario ? gs_scenario_start_unix_s(world->scenario) : 0;
  int64_t local_min =
      (start_s + llround(p[GS_HVAC_P_UTC_OFFSET] * 3600.0)) / 60;
  int day0_min = (int)(((local_min % 1440) + 1440) % 1440);
  c.sb_start_min = (uint16_t)gs__sim_minute(p[GS_HVAC_P_SETBACK_START],
                                            day0_min);
  c.sb_end_min = (uint16_t)gs__sim_minute(p[GS_HVAC_P_SETBACK_END], day0_min);
  /* The narrow fields of the state (within every parameter's range). */
  long away_cc = gs__cc(p[GS_HVAC_P_AWAY]);
  long setback_cc = gs__cc(p[GS_HVAC_P_SETBACK]);
  long dr_val = c.dr_mode == GS_HVAC_DR_OFFSET
                    ? gs__cc(p[GS_HVAC_P_DR_OFFSET])
                : c.dr_mode == GS_HVAC_DR_DUTY
                    ? (long)llround(p[GS_HVAC_P_DR_DUTY] * 1e4)
                    : 0;
  long fan_w = (long)llround(fan);
  if (!(away_cc >= 0 && away_cc <= GS__HVAC_AWAY_CC_MAX && setback_cc >= 0 &&
        setback_cc <= GS__HVAC_AWAY_CC_MAX &&
        c.price_max_cc <= GS__HVAC_AWAY_CC_MAX && dr_val >= 0 &&
        dr_val <= GS__HVAC_DR_VAL_MAX && fan_w >= 0 &&
        fan_w <= GS__HVAC_FAN_W_MAX))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: away_setup_c, setback_c, price_max_offset_c "
                         "and dr_offset_c must be in [0, 10.23] degC, "
                         "fan_w in [0, 8191] W",
                         id);
  s->cfg = gs_engine_intern(eng, &c, sizeof c);
  if (s->cfg == NULL)
    return gs_errbuf_set(eb, GS_ENOMEM, "out of memory adding HVAC %s", id);

  /* What differs from house to house stays in its state. */
  s->ua_w_k = (float)ua;
  s->ca_j_k = (float)ca;
  s->cm_j_k = (float)cm;
  s->hm_w_k = (float)hm;
  s->meter = init->meter;
  s->setpoint_cc = gs__cc(sp);
  s->cap_w = (uint16_t)llround(cap);
  s->solar_cm2 = (uint16_t)llround(solar * 100.0);
  s->gains_w = (uint16_t)llround(gains);
  s->fan_w = (unsigned)fan_w;
  s->setback_cc = (unsigned)setback_cc;
  s->dr_val = (unsigned)dr_val;
  s->enabled = 1;
  s->away_cc = (unsigned)away_cc;
  s->away_start_min = gs__sim_minute(p[GS_HVAC_P_AWAY_START], day0_min);
  s->away_end_min = gs__sim_minute(p[GS_HVAC_P_AWAY_END], day0_min);
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
  double sp_c = gs__hvac_sp_c(s, now_us), band = c.deadband_cc / 100.0;
  double to_c = gs__hvac_outdoor_c(s, now_us);
  double g_w = s->gains_w + s->solar_cm2 / 100.0 * (c.wx ? gs_weather_glazing_w_m2(c.wx, now_us) : 0.0);
  s->t0_us = now_us;
  s->ta0_c = sp_c - band / 2 + u_temp * band;
  s->tm0_c = s->ta0_c + GS_HVAC_MASS_GAIN_SHARE * g_w / hm;
  double heat_w, elec_w;
  gs__hvac_equipment(s, to_c, &heat_w, &elec_w);
  double load_w = sgn * (ua * (to_c - s->ta0_c) + g_w);
  double duty = heat_w * sgn < 0 ? load_w / (-sgn * heat_w) : 0;
  s->on = u_on < duty;
  if (s->on && s->meter != GS_METER_NONE)
    gs_engine_add_power(eng, s->meter, gs__power_at_mw(s, now_us));
  s->power_mw = (int32_t)gs__power_at_mw(s, now_us);
  if (gs__hvac_running_put(eng, s) != GS_OK)
    return gs_errbuf_set(eb, GS_ENOMEM, "out of memory adding HVAC %s", id);
  gs_hvac_modes_t m;
  gs__hvac_modes_of(s, &m);
  gs__reschedule(eng, self, s, &m);
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
  if (s->cfg->dr_mode == GS_HVAC_DR_CURTAIL && limit_mw < gs__power_mw(s))
    return;
  gs_hvac_modes_t m;
  gs__hvac_modes_of(s, &m);
  gs__before_t old = gs__advance(s, &m, gs_engine_now(eng));
  s->shed = 1;
  s->opted = 0;
  s->locked = 0;
  s->precool = 0; /* the event is here: pre-cooling is over */
  if (s->cfg->dr_mode == GS_HVAC_DR_DUTY && s->on) s->mark_us = s->t0_us;
  gs__settle(eng, self, s, &m, old);
}

static void gs__hvac_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                            const gs_event_t *ev) {
  gs__hvac_t *s = state;
  gs_time_us_t now_us = gs_engine_now(eng);
  gs__before_t old;
  /* The house's modes, once per event for the walk to now and the one
   * that finds the next event (the same values either would compute). */
  gs_hvac_modes_t m;
  switch (ev->kind) {
    case GS_EV_HVAC_TIMER:
      /* A superseded timer (see gs__reschedule) is ignored. */
      if (!s->pending || ev->seq != s->next_seq) break; /* superseded */
      s->pending = 0;
      gs__hvac_modes_of(s, &m);
      old = gs__advance(s, &m, now_us);
      gs__settle(eng, self, s, &m, old);
      break;
    case GS_EV_HVAC_STEP: {
      /* Running through a weather step without the weather sweep: the
       * power follows the outdoor temperature; the trajectory is followed
       * lazily (gs__advance), and the TIMER the walk found comes next. */
      if (!s->pending || ev->seq != s->next_seq) break; /* superseded */
      gs_time_us_t due_us = gs_hvac_next_us(s);
      s->pending = 0;
      int64_t new_mw = gs__power_at_mw(s, now_us);
      if (new_mw != s->power_mw && s->meter != GS_METER_NONE)
        gs_engine_add_power(eng, s->meter, new_mw - s->power_mw);
      s->power_mw = (int32_t)new_mw;
      gs__schedule_next(eng, self, s, now_us, due_us);
      break;
    }
    case GS_EV_LOAD_SHED:
      gs__hvac_shed(eng, self, s, ev->arg);
      break;
    case GS_EV_LOAD_RESTORE:
      /* Rebound: the thermostat recovers from the drifted temperatures. */
      if (!s->shed) break; /* never shed, or opted out already */
      gs__hvac_modes_of(s, &m);
      old = gs__advance(s, &m, now_us);
      s->shed = 0;
      s->locked = 0;
      gs__settle(eng, self, s, &m, old);
      break;
    case GS_EV_LOAD_SET: {
      gs__hvac_modes_of(s, &m);
      old = gs__advance(s, &m, now_us);
      if (ev->arg2 & 2u) s->enabled = (ev->arg2 & 1u) != 0;
      /* A compressor cannot throttle: below its running draw, a capacity
       * limit keeps it off. */
      double heat_w, elec_w;
      gs__hvac_equipment(s, gs__hvac_outdoor_c(s, now_us), &heat_w, &elec_w);
      s->blocked = ev->arg >= 0 && (double)ev->arg < elec_w * 1000.0;
      gs__settle(eng, self, s, &m, old);
      break;
    }
    case GS_EV_PRICE:
      /* A new price moves the setpoint at once; the thermostat then
       * follows its deadband around it. */
      gs__hvac_modes_of(s, &m);
      old = gs__advance(s, &m, now_us);
      s->price_off_cc = gs__price_offset_cc(s, ev->arg2 != 0, ev->arg);
      gs__settle(eng, self, s, &m, old);
      break;
    case GS_EV_LOAD_NOTICE:
      /* Pre-cool from start - precool_s until the event starts. A notice
       * during a running response is ignored. */
      if (s->cfg->precool_s == 0 || s->shed || ev->arg <= now_us) break;
      gs__hvac_modes_of(s, &m);
      old = gs__advance(s, &m, now_us);
      s->precool = 1;
      s->mark_us = ev->arg;
      gs__settle(eng, self, s, &m, old);
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
  double sp = gs__hvac_base_sp_c(s, now_us), limit = s->cfg->comfort_cc / 100.0;
  double ta = gs_hvac_indoor_c(state, now_us), cost;
  if (gs__hvac_sgn(s) * (limit - sp) > 0)
    cost = (ta - sp) / (limit - sp);
  else /* a setback or away setup reaches the limit: no room between */
    cost = gs__hvac_sgn(s) * (ta - limit) >= 0 ? 1 : 0;
  out->comfort_cost = cost < 0 ? 0 : cost > 1 ? 1 : cost;
  out->power_mw = gs__power_mw(s);
  out->capacity_mw = (int64_t)s->cfg->breaker_a * GS__HVAC_VOLTS * 1000;
  /* Contract: shedCapabilityKw is the present draw, 0 for critical. */
  out->shed_capability_mw = s->cfg->critical ? 0 : out->power_mw;
  /* Curtailment switches the compressor off: all or nothing. Offset and
   * duty limit accept any request; the physics decides what it gives. */
  out->min_shed_mw = s->cfg->dr_mode == GS_HVAC_DR_CURTAIL ? out->power_mw : 0;
  out->soc_pct = -1;
  out->enabled = s->enabled;
  out->critical = s->cfg->critical;
  out->shedding = s->shed;
}

static uint32_t gs__hvac_meter_of(const void *state) {
  return ((const gs__hvac_t *)state)->meter;
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
    .meter_of = gs__hvac_meter_of,
    .finish = NULL,
    .status = gs__hvac_status,
};

double gs_hvac_discomfort_c(const void *state, gs_time_us_t now_us) {
  const gs__hvac_t *s = state;
  /* How far the air has drifted past the edge of the occupant's own
   * deadband (the setpoint before any DR offset, price offset or
   * pre-cooling, plus half the deadband), on the side the equipment works
   * against: above it when cooling, below when heating. Normal thermostat
   * cycling stays within the deadband and so counts nothing, nor does a
   * drift of GS__HVAC_TOL_C or less (the thermostat's own tolerance). */
  double sgn = gs__hvac_sgn(s), half = s->cfg->deadband_cc / 200.0;
  double base_c = gs__hvac_base_sp_c(s, now_us);
  /* An idle house that may run waits for the near edge of the band it
   * follows, sp + sgn half with sp its setpoint since its last event (the
   * walk ends before sp changes): its pending event comes at the first
   * crossing, so until then sgn Ta < sgn sp + half (+ the 1 us a crossing
   * is rounded by, far below the tolerance). With sp on the comfortable
   * side of the base, the drift counts nothing, and the walk to now that
   * reading Ta takes is not needed (the comfort observer reads every
   * house at every output interval of a DR event and after it; about
   * half are idle at their own setpoint then). */
  if (s->pending && !s->on && gs__hvac_allowed(s) &&
      sgn * (gs__hvac_sp_c(s, s->t0_us) - base_c) <= 0)
    return 0;
  double d = sgn * (gs_hvac_indoor_c(state, now_us) - base_c) - half;
  return d > GS__HVAC_TOL_C ? d : 0;
}
