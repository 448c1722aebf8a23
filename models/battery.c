/* SPDX-License-Identifier: MIT */
/* Home battery load: a lossy energy store under a self-consumption energy
 * management system, integrated exactly between piecewise-constant power
 * segments, with DR discharge and an optional post-DR grid recharge. */
#include "battery.h"

#include <math.h>
#include <stdint.h>

#include "gridsim/engine.h"
#include "gridsim/meter.h"
#include "gridsim/rng.h"
#include "models.h"

/* The store is the energy-reservoir ("bucket") model of dispatch studies
 * (e.g. NREL's REopt and SAM's simple dispatch): stored energy E changes at
 * a rate set by the AC power P at the meter (positive charging) and a
 * one-way efficiency, here the round-trip efficiency eta split equally
 * between charge and discharge:
 *   dE/dt = P sqrt(eta)   (P > 0),      dE/dt = P / sqrt(eta)   (P < 0).
 * P is constant between events, so E is linear in time and the instant it
 * reaches full, the reserve, or the end of a post-DR recharge is computed
 * directly (one GS_EV_BATTERY_LIMIT event). The energy management system
 * re-reads the home's meter every control_interval_s (GS_EV_BATTERY_TICK),
 * as a simple home EMS does: it follows the net load with that lag. */

/* Contract (grid-services-mqtt.md): a circuit's rating is amps x 240 V. */
#define GS__BAT_VOLTS 240

/* Largest power: keeps every power in an int32 of mW. */
#define GS__BAT_MAX_KW 1000

/* "At a limit" tolerance, kWh (3.6 J). Limit events are floored to whole
 * microseconds, so the store stops at most one microsecond of power (under
 * 0.3 J at 1000 kW) short of its limit; anything within this band counts as
 * the limit, and a segment starting outside it lasts more than 3 µs. */
#define GS__BAT_EPS_KWH 1e-6

/* A sleeping EMS's limit event is scheduled at most this far ahead; a
 * re-arm event (GS_EV_BATTERY_LIMIT with arg2 1) takes it on from there.
 * A wake that goes back to sleep keeps it; one that starts a new segment
 * supersedes it, and it stays in the queue until its time: without the
 * bound, limits hours ahead piled up, two dozen per battery. */
#define GS__BAT_REARM_US (30 * GS_US_PER_MIN)
#define GS__BAT_SPARE_NONE UINT32_MAX

/* Per-entity state: 112 bytes. The segment (t0_us, e0_kwh, power_mw) and
 * the limits are double so SOC stays exact; energy is always recomputed
 * from the segment start, so rounding event times never accumulates. */
typedef struct gs__battery {
  double e0_kwh;          /* stored energy at t0_us                       */
  double cap_kwh;         /* usable capacity                              */
  double res_kwh;         /* backup reserve: DR and self-use stop here    */
  double sqrt_eta;        /* one-way efficiency                           */
  double rebound_kwh;     /* post-DR recharge target: E at the shed       */
  gs_time_us_t t0_us;     /* start of the present segment                 */
  gs_time_us_t next_us;   /* time of `next`, or NEVER                      */
  gs_time_us_t spare_us;  /* time of the spare event                      */
  gs_event_handle_t next; /* pending TICK or LIMIT, or NONE               */
  int32_t power_mw;       /* AC power at the meter, + charging            */
  int32_t shed_mw;        /* reduction asked by the active DR shed        */
  int32_t limit_mw;       /* setLoad capacity limit, -1: none             */
  int32_t pmax_mw;        /* continuous power rating                      */
  int32_t recharge_mw;    /* post-DR grid recharge rate                   */
  uint32_t meter;         /* the VEN's meter, or NONE                     */
  uint32_t ctrl_us;       /* control interval                             */
  uint32_t phase_us;      /* offset of this EMS's ticks                   */
  uint32_t spare_seq;     /* a superseded event of ours still pending, to */
                          /* be taken back as a re-arm; UINT32_MAX: none  */
  uint16_t breaker_a;     /* circuit breaker, A                           */
  uint8_t mode : 2;       /* GS_BATTERY_SELF_CONSUMPTION, IDLE, BACKUP    */
  uint8_t shed : 1;       /* a DR shed is active                          */
  uint8_t rebound : 1;    /* recharging from the grid after a shed        */
  uint8_t grid_recharge : 1;
  uint8_t enabled : 1;  /* setLoad's enabled: 0 opens the breaker       */
  uint8_t critical : 1; /* never shed                                   */
  uint8_t asleep : 1;   /* no ticks until the meter changes (see below) */
  uint8_t next_rearm : 1; /* `next` only re-arms (see GS__BAT_REARM_US)   */
} gs__battery_t;

_Static_assert(sizeof(gs__battery_t) <= 112, "battery state must stay small");

static const char *const gs__battery_modes[] = {"self_consumption", "idle",
                                                "backup", NULL};

/* Defaults: a Tesla Powerwall 2 (AC datasheet: 13.5 kWh usable, 5 kW
 * continuous, 90 % round-trip efficiency), close to the residential battery
 * of NREL's cost benchmarks (5 kW / 12.5 kWh; Ramasamy et al., "U.S. Solar
 * Photovoltaic System and Energy Storage Cost Benchmarks", NREL 2021).
 * reserve_pct 20 is the Tesla app's default backup reserve; the 60 s control
 * interval, the 2.5 kW recharge rate and the uniform initial SOC are our
 * assumptions. breaker_amps 30: a 5 kW (21 A) inverter at 125 % (NEC
 * 705.12) needs a 30 A breaker. */
static const gs_param_spec_t gs__battery_params[GS_BATTERY_NPARAMS] = {
    [GS_BATTERY_P_CAPACITY] = {.name = "capacity_kwh",
                               .unit = "kWh",
                               .def = 13.5,
                               .min = 0.1,
                               .max = 10000,
                               .doc = "usable energy capacity"},
    [GS_BATTERY_P_POWER] = {.name = "power_kw",
                            .unit = "kW",
                            .def = 5,
                            .min = 0.01,
                            .max = GS__BAT_MAX_KW,
                            .doc = "continuous charge/discharge power (AC)"},
    [GS_BATTERY_P_EFFICIENCY] = {.name = "round_trip_eff",
                                 .unit = "1",
                                 .def = 0.90,
                                 .min = 0.5,
                                 .max = 1,
                                 .doc = "AC round-trip efficiency"},
    [GS_BATTERY_P_RESERVE] = {.name = "reserve_pct",
                              .unit = "%",
                              .def = 20,
                              .min = 0,
                              .max = 100,
                              .doc =
                                  "backup reserve kept from self-use and DR"},
    [GS_BATTERY_P_INITIAL_SOC] = {.name = "initial_soc_pct",
                                  .unit = "%",
                                  .def = -1,
                                  .min = -1,
                                  .max = 100,
                                  .doc = "SOC at the start; -1: uniform in "
                                         "[reserve, 100]"},
    [GS_BATTERY_P_MODE] = {.name = "mode",
                           .unit = "1",
                           .def = GS_BATTERY_SELF_CONSUMPTION,
                           .min = 0,
                           .max = 2,
                           .integer = true,
                           .choices = gs__battery_modes,
                           .doc = "operating mode of the EMS"},
    [GS_BATTERY_P_CONTROL] = {.name = "control_interval_s",
                              .unit = "s",
                              .def = 60,
                              .min = 1,
                              .max = 3600,
                              .doc = "period at which the EMS reads the meter"},
    [GS_BATTERY_P_GRID_RECHARGE] = {.name = "grid_recharge",
                                    .unit = "1",
                                    .def = 0,
                                    .min = 0,
                                    .max = 1,
                                    .integer = true,
                                    .doc = "1: recharge from the grid after "
                                           "a DR discharge"},
    [GS_BATTERY_P_RECHARGE_KW] = {.name = "recharge_kw",
                                  .unit = "kW",
                                  .def = 2.5,
                                  .min = 0.01,
                                  .max = GS__BAT_MAX_KW,
                                  .doc = "rate of that grid recharge"},
    [GS_BATTERY_P_BREAKER] = {.name = "breaker_amps",
                              .unit = "A",
                              .def = 30,
                              .min = 1,
                              .max = 400,
                              .integer = true,
                              .doc = "circuit breaker of the inverter"},
    [GS_BATTERY_P_CRITICAL] = {.name = "critical",
                               .unit = "1",
                               .def = 0,
                               .min = 0,
                               .max = 1,
                               .integer = true,
                               .doc = "1: never shed"},
};

/* Rate of change of stored energy at AC power `power_w`, in W. */
static double gs__battery_rate_w(double power_w, double sqrt_eta) {
  return power_w > 0 ? power_w * sqrt_eta : power_w / sqrt_eta;
}

double gs_battery_energy_at(double energy0_kwh, double power_w, double sqrt_eta,
                            double dt_s) {
  return energy0_kwh + gs__battery_rate_w(power_w, sqrt_eta) * dt_s / 3.6e6;
}

double gs_battery_time_to_s(double energy0_kwh, double power_w, double sqrt_eta,
                            double target_kwh) {
  if (target_kwh == energy0_kwh) return 0;
  double rate_w = gs__battery_rate_w(power_w, sqrt_eta);
  double dt_s = (target_kwh - energy0_kwh) * 3.6e6 / rate_w;
  return rate_w != 0 && dt_s > 0 ? dt_s : INFINITY;
}

double gs_battery_energy_kwh(const void *state, gs_time_us_t now_us) {
  const gs__battery_t *s = state;
  double dt_s = (double)(now_us - s->t0_us) / (double)GS_US_PER_S;
  return gs_battery_energy_at(s->e0_kwh, s->power_mw / 1000.0, s->sqrt_eta,
                              dt_s);
}

double gs_battery_soc_pct(const void *state, gs_time_us_t now_us) {
  const gs__battery_t *s = state;
  return 100.0 * gs_battery_energy_kwh(state, now_us) / s->cap_kwh;
}

bool gs_battery_rebounding(const void *state) {
  return ((const gs__battery_t *)state)->rebound != 0;
}

/* The power the EMS wants now, before the store's limits: the mode's
 * setpoint, raised to the recharge rate while rebounding, lowered by the
 * DR reduction while shedding. */
static int64_t gs__battery_wanted_mw(gs_engine_t *eng, const gs__battery_t *s) {
  int64_t p_mw = 0;
  if (s->mode == GS_BATTERY_BACKUP) {
    p_mw = s->pmax_mw;
  } else if (s->mode == GS_BATTERY_SELF_CONSUMPTION &&
             s->meter != GS_METER_NONE) {
    /* The meter includes this battery: subtract it to get the rest of the
     * home, and cancel that (charge from a surplus, cover an import). */
    int64_t others_mw =
        gs_meters_power_mw(gs_engine_meters(eng), s->meter) - s->power_mw;
    p_mw = -others_mw;
  }
  if (s->rebound && p_mw < s->recharge_mw) p_mw = s->recharge_mw;
  if (s->shed) p_mw -= s->shed_mw;
  return p_mw;
}

/* The next control tick strictly after `now_us`: phase + k * interval. */
static gs_time_us_t gs__battery_next_tick(const gs__battery_t *s,
                                          gs_time_us_t now_us) {
  if (now_us < (gs_time_us_t)s->phase_us) return s->phase_us;
  gs_time_us_t k = (now_us - s->phase_us) / s->ctrl_us + 1;
  return (gs_time_us_t)s->phase_us + k * (gs_time_us_t)s->ctrl_us;
}

/* When the present segment reaches its energy limit (full, the reserve,
 * or the end of a rebound), floored so the store never passes it, and
 * after now; GS_TIME_NEVER if the store does not move. */
static gs_time_us_t gs__battery_limit_us(const gs__battery_t *s,
                                         gs_time_us_t now_us) {
  /* From the segment's start, which is now unless asleep (then the
   * segment goes on from an earlier tick). */
  gs_time_us_t base_us = s->t0_us;
  double target_kwh = s->power_mw > 0 ? s->cap_kwh : s->res_kwh;
  if (s->power_mw > 0 && s->rebound && s->rebound_kwh < target_kwh)
    target_kwh = s->rebound_kwh;
  double dt_s = s->power_mw == 0
                    ? INFINITY
                    : gs_battery_time_to_s(s->e0_kwh, s->power_mw / 1000.0,
                                           s->sqrt_eta, target_kwh);
  if (!(isfinite(dt_s) && dt_s * 1e6 < (double)(GS_TIME_NEVER - base_us) / 2))
    return GS_TIME_NEVER;
  gs_time_us_t dt_us = (gs_time_us_t)floor(dt_s * 1e6);
  gs_time_us_t at_us = base_us + (dt_us > 0 ? dt_us : 1);
  return at_us <= now_us ? now_us + 1 : at_us;
}

gs_time_us_t gs_battery_next_us(gs_engine_t *eng, gs_entity_id_t id) {
  const gs__battery_t *s = gs_engine_state(eng, id);
  gs_time_us_t now_us = gs_engine_now(eng);
  /* A re-arm changes nothing: the next change is the limit. */
  gs_time_us_t next_us =
      s->next_rearm ? gs__battery_limit_us(s, now_us) : s->next_us;
  if (!s->asleep || gs_engine_watching(eng, s->meter, id)) return next_us;
  /* Woken: the wake comes at the first tick after the change, and no tick
   * has passed since (it would have been the wake), so it is the first
   * after now. */
  gs_time_us_t wake_us = gs__battery_next_tick(s, now_us);
  return wake_us < next_us ? wake_us : next_us;
}

/* Replaces the pending event: the earlier of the next control tick (self-
 * consumption only: the other modes do not follow the meter) and the time
 * the present segment reaches its energy limit. */
static void gs__battery_reschedule(gs_engine_t *eng, gs_entity_id_t self,
                                   gs__battery_t *s) {
  gs_time_us_t now_us = gs_engine_now(eng);
  /* The pending event is superseded rather than cancelled (it is ignored
   * when it comes): no cancel-set look-ups for this entity meanwhile. The
   * latest one still to come is kept as a spare: falling asleep, the EMS
   * takes it back as its re-arm instead of scheduling one more event. */
  if (s->next != GS_EVENT_HANDLE_NONE && s->next_us > now_us) {
    s->spare_seq = (uint32_t)s->next;
    s->spare_us = s->next_us;
  }
  s->next = GS_EVENT_HANDLE_NONE;
  s->next_us = GS_TIME_NEVER;
  s->next_rearm = 0;
  gs_time_us_t at_us = gs__battery_limit_us(s, now_us);
  uint16_t kind = GS_EV_BATTERY_LIMIT;
  if (s->mode == GS_BATTERY_SELF_CONSUMPTION && !s->asleep) {
    gs_time_us_t tick_us = gs__battery_next_tick(s, now_us);
    if (tick_us <= at_us) {
      at_us = tick_us;
      kind = GS_EV_BATTERY_TICK;
    }
  }
  if (at_us == GS_TIME_NEVER) return;
  uint32_t rearm = 0;
  if (s->asleep && kind == GS_EV_BATTERY_LIMIT) {
    /* Any event of ours before the limit can serve as the re-arm that
     * schedules it: the limit event comes at the same instant, and before
     * every command there (commands are sent for the instant they are
     * sent at), whoever scheduled it. */
    if (s->spare_seq != GS__BAT_SPARE_NONE && s->spare_us > now_us &&
        s->spare_us < at_us) {
      s->next = (gs_event_handle_t)self << 32 | s->spare_seq;
      s->next_us = s->spare_us;
      s->next_rearm = 1;
      s->spare_seq = GS__BAT_SPARE_NONE;
      return;
    }
    if (at_us - now_us > GS__BAT_REARM_US) {
      at_us = now_us + GS__BAT_REARM_US;
      rearm = 1;
    }
  }
  s->next =
      gs_engine_schedule(eng, self, at_us, GS_PHASE_MODEL, kind, 0, rearm);
  s->next_us = at_us;
  s->next_rearm = rearm != 0;
}

/* The home meter powers at which a tick would find what the one that
 * put the EMS to sleep found, when it sleeps at 0 W (at its reserve or
 * full, nearly always): a store that stays still keeps its limits
 * (`lo_mw`, `hi_mw`) and rebound, and nothing else but the meter changes
 * while it sleeps (a command wakes it). The other changes of the home
 * need not wake it: the tick they would bring finds 0 W again. A moving
 * store (its limits change with its energy) and a single point leave the
 * band empty: every change wakes it. */
static void gs__battery_idle_band(const gs__battery_t *s, int64_t lo_mw,
                                  int64_t hi_mw, gs_meter_watch_t *when) {
  when->lo_mw = 1; /* empty */
  when->hi_mw = 0;
  if (s->power_mw != 0) return;
  /* wanted = (rebound ? max(-meter, R) : -meter) - S, clamped to
   * [lo, hi]: 0 for every meter if both limits are 0 or it is off; with
   * only the upper one 0, for wanted >= 0; with only the lower, <= 0. */
  int64_t shed_mw = s->shed ? s->shed_mw : 0;
  bool any = !s->enabled || (lo_mw == 0 && hi_mw == 0) ||
             (hi_mw == 0 && s->rebound && s->recharge_mw >= shed_mw);
  if (any) {
    when->lo_mw = INT64_MIN;
    when->hi_mw = INT64_MAX;
  } else if (hi_mw == 0) {
    when->lo_mw = INT64_MIN; /* -meter >= S */
    when->hi_mw = -shed_mw;
  } else if (lo_mw == 0 && !(s->rebound && s->recharge_mw > shed_mw)) {
    when->lo_mw = -shed_mw; /* -meter <= S (and R <= S) */
    when->hi_mw = INT64_MAX;
  }
}

/* Starts a new segment at the present time with the power the EMS, the
 * store's limits and setLoad allow, and schedules what comes next.
 *
 * At a control tick that changes nothing (in a day of the default fleet,
 * 94 % of them: the home's net load is steady, or the store is full or
 * at its reserve), the EMS goes to sleep instead: no segment restart, no
 * ticks, a watch on the home's meter (gs_engine_watch_meter_every). The
 * first change of the rest of the home wakes it at the next tick, the one
 * that would have been the first to see the change, which the engine
 * delivers itself (GS_EV_METER); a limit of the store ends the segment
 * as before, and the wake then finds it awake and is ignored. The ticks
 * in between would have found what this one found. Not restarting the
 * segment at them only saves roundings of the stored energy (E0 + P t
 * instead of a chain of restarts). */
static void gs__battery_evaluate(gs_engine_t *eng, gs_entity_id_t self,
                                 gs__battery_t *s, bool tick) {
  gs_time_us_t now_us = gs_engine_now(eng);
  double e_kwh = gs_battery_energy_kwh(s, now_us);
  /* The energy lent to the DR event is back. */
  bool rebound = s->rebound && !(e_kwh >= s->rebound_kwh - GS__BAT_EPS_KWH);
  int64_t hi_mw = e_kwh >= s->cap_kwh - GS__BAT_EPS_KWH ? 0 : s->pmax_mw;
  int64_t lo_mw = e_kwh <= s->res_kwh + GS__BAT_EPS_KWH ? 0 : -s->pmax_mw;
  if (s->limit_mw >= 0) {
    if (hi_mw > s->limit_mw) hi_mw = s->limit_mw;
    if (lo_mw < -s->limit_mw) lo_mw = -s->limit_mw;
  }
  bool was_rebound = s->rebound;
  s->rebound = rebound;
  int64_t p_mw = gs__battery_wanted_mw(eng, s);
  p_mw = p_mw > hi_mw ? hi_mw : p_mw < lo_mw ? lo_mw : p_mw;
  if (!s->enabled) p_mw = 0;
  if (tick && p_mw == s->power_mw && rebound == was_rebound &&
      s->mode == GS_BATTERY_SELF_CONSUMPTION && s->meter != GS_METER_NONE) {
    gs_meter_watch_t when = {.phase_us = s->phase_us, .period_us = s->ctrl_us};
    gs__battery_idle_band(s, lo_mw, hi_mw, &when);
    gs_engine_watch_meter_when(eng, s->meter, self, &when);
    /* Woken asleep: the segment goes on, and so does the limit (or re-arm)
     * event scheduled when it fell asleep. */
    if (!s->asleep) {
      s->asleep = 1;
      gs__battery_reschedule(eng, self, s);
    }
    return;
  }
  if (s->asleep) gs_engine_unwatch_meter(eng, s->meter, self);
  s->asleep = 0;
  s->e0_kwh = e_kwh;
  s->t0_us = now_us;
  int64_t delta_mw = p_mw - s->power_mw;
  s->power_mw = (int32_t)p_mw;
  if (delta_mw != 0 && s->meter != GS_METER_NONE)
    gs_engine_add_power(eng, s->meter, delta_mw);
  gs__battery_reschedule(eng, self, s);
}

static gs_err_t gs__battery_init(gs_engine_t *eng, gs_entity_id_t self,
                                 void *state, const gs_model_init_t *init,
                                 gs_errbuf_t *eb) {
  gs__battery_t *s = state;
  const double *p = init->params;
  const char *id = init->id ? init->id : "battery";
  double soc0 = p[GS_BATTERY_P_INITIAL_SOC];
  if (!(soc0 == -1 || soc0 >= 0))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: initial_soc_pct must be -1 or in [0, 100], "
                         "found %g",
                         id, soc0);
  if (!(p[GS_BATTERY_P_CAPACITY] > 0 && p[GS_BATTERY_P_POWER] > 0 &&
        p[GS_BATTERY_P_EFFICIENCY] > 0 && p[GS_BATTERY_P_CONTROL] >= 1))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: capacity_kwh, power_kw, round_trip_eff must be "
                         "> 0 and control_interval_s >= 1",
                         id);
  s->cap_kwh = p[GS_BATTERY_P_CAPACITY];
  s->res_kwh = p[GS_BATTERY_P_RESERVE] / 100.0 * s->cap_kwh;
  s->sqrt_eta = sqrt(p[GS_BATTERY_P_EFFICIENCY]);
  s->pmax_mw = (int32_t)llround(p[GS_BATTERY_P_POWER] * 1e6);
  s->recharge_mw = (int32_t)llround(p[GS_BATTERY_P_RECHARGE_KW] * 1e6);
  s->limit_mw = -1;
  s->meter = init->meter;
  s->ctrl_us = (uint32_t)llround(p[GS_BATTERY_P_CONTROL] * 1e6);
  s->mode = (uint8_t)llround(p[GS_BATTERY_P_MODE]) & 3u;
  s->grid_recharge = p[GS_BATTERY_P_GRID_RECHARGE] != 0;
  s->breaker_a = (uint16_t)llround(p[GS_BATTERY_P_BREAKER]);
  s->critical = p[GS_BATTERY_P_CRITICAL] != 0;
  s->enabled = 1;
  s->next = GS_EVENT_HANDLE_NONE;
  s->spare_seq = GS__BAT_SPARE_NONE;

  /* A fleet starts out of step, from the entity's own stream: the SOC (if
   * not given) and the phase of the EMS's control ticks. */
  gs_rng_t rng;
  gs_rng_init(&rng, init->seed, init->key, GS_RNG_BEHAVIOUR);
  double u_soc = gs_rng_uniform(&rng);
  double u_phase = gs_rng_uniform(&rng);
  if (soc0 < 0)
    soc0 = p[GS_BATTERY_P_RESERVE] + u_soc * (100 - p[GS_BATTERY_P_RESERVE]);
  s->phase_us = (uint32_t)floor(u_phase * s->ctrl_us);
  s->e0_kwh = soc0 / 100.0 * s->cap_kwh;
  s->t0_us = gs_engine_now(eng);
  s->power_mw = 0;
  /* The first evaluation is an event at the start, once every load of the
   * home exists and its meter is complete. */
  s->next_us = gs_engine_now(eng);
  s->next = gs_engine_schedule(eng, self, s->next_us, GS_PHASE_MODEL,
                               GS_EV_BATTERY_TICK, 0, 0);
  return GS_OK;
}

/* A DR shed asks for a reduction of the home's net load by `arg` mW: the
 * battery discharges (or charges less) by that much below what its EMS
 * would do, within its power rating and the energy above the reserve, until
 * restore. The EMS keeps following the home under the offset. */
static void gs__battery_shed(gs_engine_t *eng, gs_entity_id_t self,
                             gs__battery_t *s, int64_t arg) {
  if (s->critical || arg <= 0) return;
  if (!s->shed && !s->rebound)
    s->rebound_kwh = gs_battery_energy_kwh(s, gs_engine_now(eng));
  /* More than the full swing from charging to discharging means nothing. */
  int64_t swing_mw = 2 * (int64_t)s->pmax_mw;
  s->shed_mw = (int32_t)(arg < swing_mw ? arg : swing_mw);
  s->shed = 1;
  gs__battery_evaluate(eng, self, s, false);
}

/* Restore: back to the mode. With grid_recharge the battery then charges
 * from the grid at recharge_kw (or faster from a PV surplus) until the
 * energy it held when the shed began is back: the DR rebound. Without it,
 * only a PV surplus refills it. */
static void gs__battery_restore(gs_engine_t *eng, gs_entity_id_t self,
                                gs__battery_t *s) {
  if (!s->shed) return;
  s->shed = 0;
  s->shed_mw = 0;
  if (s->grid_recharge && gs_battery_energy_kwh(s, gs_engine_now(eng)) <
                              s->rebound_kwh - GS__BAT_EPS_KWH)
    s->rebound = 1;
  gs__battery_evaluate(eng, self, s, false);
}

static void gs__battery_handle(gs_engine_t *eng, gs_entity_id_t self,
                               void *state, const gs_event_t *ev) {
  gs__battery_t *s = state;
  switch (ev->kind) {
    case GS_EV_BATTERY_TICK:
    case GS_EV_BATTERY_LIMIT:
      if (gs_event_handle(ev) != s->next) {
        /* Superseded; a spare that comes is gone. */
        if (ev->seq == s->spare_seq) s->spare_seq = GS__BAT_SPARE_NONE;
        break;
      }
      s->next = GS_EVENT_HANDLE_NONE;
      s->next_us = GS_TIME_NEVER;
      if (s->next_rearm) { /* re-arm: nothing changes here */
        gs__battery_reschedule(eng, self, s);
        break;
      }
      gs__battery_evaluate(eng, self, s, ev->kind == GS_EV_BATTERY_TICK);
      break;
    case GS_EV_METER:
      /* The rest of the home changed: the watch delivers this at the next
       * control tick, which is read as one (a wake that arrives awake,
       * after a limit or a command, is stale: that woke it and it ticks
       * again by itself). */
      if (!s->asleep) break;
      gs__battery_evaluate(eng, self, s, true);
      break;
    case GS_EV_LOAD_SHED:
      gs__battery_shed(eng, self, s, ev->arg);
      break;
    case GS_EV_LOAD_RESTORE:
      gs__battery_restore(eng, self, s);
      break;
    case GS_EV_LOAD_SET:
      s->limit_mw = ev->arg < 0           ? -1
                    : ev->arg > INT32_MAX ? INT32_MAX
                                          : (int32_t)ev->arg;
      if (ev->arg2 & 2u) s->enabled = (ev->arg2 & 1u) != 0;
      gs__battery_evaluate(eng, self, s, false);
      break;
    default:
      /* GS_EV_LOAD_NOTICE is ignored: this EMS does not pre-charge.
       * An unknown model kind is a programming error. */
      GS_ASSERT(ev->kind < GS_EV_MODEL);
      break;
  }
}

static void gs__battery_status(const void *state, gs_time_us_t now_us,
                               gs_load_status_t *out) {
  const gs__battery_t *s = state;
  double e_kwh = gs_battery_energy_kwh(state, now_us);
  double soc = 100.0 * e_kwh / s->cap_kwh;
  double res_pct = 100.0 * s->res_kwh / s->cap_kwh;
  out->power_mw = s->power_mw;
  out->capacity_mw = (int64_t)s->breaker_a * GS__BAT_VOLTS * 1000;
  out->soc_pct = soc;
  /* What a shed could add now: stop charging, plus discharge up to the
   * rating if there is energy above the reserve. */
  int64_t dis_mw = e_kwh > s->res_kwh + GS__BAT_EPS_KWH ? s->pmax_mw : 0;
  if (s->limit_mw >= 0 && dis_mw > s->limit_mw) dis_mw = s->limit_mw;
  int64_t cap_mw = s->power_mw + dis_mw;
  out->shed_capability_mw =
      s->critical || !s->enabled || cap_mw < 0 ? 0 : cap_mw;
  /* Comfort here is backup security: 0 when full, 1 at the reserve. */
  double cost = res_pct < 100 ? 1.0 - (soc - res_pct) / (100.0 - res_pct) : 1;
  out->comfort_cost = cost < 0 ? 0 : cost > 1 ? 1 : cost;
  out->enabled = s->enabled;
  out->critical = s->critical;
  out->shedding = s->shed;
}

static uint32_t gs__battery_meter_of(const void *state) {
  return ((const gs__battery_t *)state)->meter;
}

const gs_model_type_t gs_model_battery = {
    .name = "battery",
    .doc = "home battery: self-consumption EMS, DR discharge, exact SOC",
    .role = GS_ROLE_LOAD,
    .state_size = sizeof(gs__battery_t),
    .params = gs__battery_params,
    .n_params = GS_BATTERY_NPARAMS,
    .init = gs__battery_init,
    .handle = gs__battery_handle,
    .meter_of = gs__battery_meter_of,
    .finish = NULL,
    .status = gs__battery_status,
    .reads_meter = true, /* self-consumption follows the meter */
};
