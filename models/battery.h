/* SPDX-License-Identifier: MIT */
/* The home battery load model: parameter indices, event kinds and the
 * closed-form state of charge, exported for tests and tools. */
#ifndef GRIDSIM_MODELS_BATTERY_H
#define GRIDSIM_MODELS_BATTERY_H

#include <stdbool.h>
#include <stdint.h>

#include "gridsim/model.h"
#include "gridsim/time.h"

/* Parameter order of gs_model_battery.params (and of gs_model_init.params). */
enum {
  GS_BATTERY_P_CAPACITY,      /* capacity_kwh       */
  GS_BATTERY_P_POWER,         /* power_kw           */
  GS_BATTERY_P_EFFICIENCY,    /* round_trip_eff     */
  GS_BATTERY_P_RESERVE,       /* reserve_pct        */
  GS_BATTERY_P_INITIAL_SOC,   /* initial_soc_pct    */
  GS_BATTERY_P_MODE,          /* mode               */
  GS_BATTERY_P_CONTROL,       /* control_interval_s */
  GS_BATTERY_P_GRID_RECHARGE, /* grid_recharge      */
  GS_BATTERY_P_RECHARGE_KW,   /* recharge_kw        */
  GS_BATTERY_P_BREAKER,       /* breaker_amps       */
  GS_BATTERY_P_CRITICAL,      /* critical           */
  GS_BATTERY_NPARAMS
};

/* Values of the "mode" parameter (indices of its choices). */
enum {
  GS_BATTERY_SELF_CONSUMPTION = 0, /* follow the home's net load         */
  GS_BATTERY_IDLE = 1,             /* hold, only DR moves it             */
  GS_BATTERY_BACKUP = 2            /* charge to full, never discharge    */
};

/* Model events: the periodic control tick of the energy management
 * system, and a state-of-charge limit (full, reserve, or the end of the
 * post-DR grid recharge) reached by the present segment. */
enum { GS_EV_BATTERY_TICK = GS_EV_MODEL, GS_EV_BATTERY_LIMIT };

/* Stored energy after `dt_s` seconds at constant AC power `power_w`
 * (positive charging) from `energy0_kwh`: charging stores P sqrt(eta),
 * discharging draws |P| / sqrt(eta) from the cells. */
double gs_battery_energy_at(double energy0_kwh, double power_w, double sqrt_eta,
                            double dt_s);

/* Seconds until that segment reaches `target_kwh`: INFINITY if it moves
 * away from it or not at all, 0 if it is there. */
double gs_battery_time_to_s(double energy0_kwh, double power_w, double sqrt_eta,
                            double target_kwh);

/* Stored energy (kWh) and state of charge (% of capacity) of a battery
 * `state` at `now_us` (not before its last event). */
double gs_battery_energy_kwh(const void *state, gs_time_us_t now_us);
double gs_battery_soc_pct(const void *state, gs_time_us_t now_us);

/* The next instant battery `id` may change its power by itself, or
 * GS_TIME_NEVER: its pending tick or limit, or, asleep once its home's
 * meter has changed, the control tick that will read the change (the
 * engine's watch delivers it; the state does not know of it). */
gs_time_us_t gs_battery_next_us(gs_engine_t *eng, gs_entity_id_t id);

/* True while a post-DR grid recharge is under way. */
bool gs_battery_rebounding(const void *state);

#endif /* GRIDSIM_MODELS_BATTERY_H */
