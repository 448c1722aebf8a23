/* SPDX-License-Identifier: MIT */
/* The EV charger load model: parameter indices, event kinds, the daily
 * travel draws and the closed-form charging times, exported for tests. */
#ifndef GRIDSIM_MODELS_EV_H
#define GRIDSIM_MODELS_EV_H

#include <stdbool.h>
#include <stdint.h>

#include "gridsim/model.h"
#include "gridsim/time.h"

/* Parameter order of gs_model_ev.params (and of gs_model_init.params). */
enum {
  GS_EV_P_BATTERY,     /* battery_kwh           */
  GS_EV_P_KWH_PER_MI,  /* kwh_per_mi            */
  GS_EV_P_MI_MEAN,     /* daily_mi_mean         */
  GS_EV_P_MI_SIGMA,    /* daily_mi_sigma        */
  GS_EV_P_ARRIVAL,     /* arrival_h             */
  GS_EV_P_ARRIVAL_SD,  /* arrival_sd_h          */
  GS_EV_P_DEPARTURE,   /* departure_h           */
  GS_EV_P_DEPART_SD,   /* departure_sd_h        */
  GS_EV_P_PLUG_PROB,   /* plug_in_prob          */
  GS_EV_P_LEVEL,       /* level                 */
  GS_EV_P_CHARGER_KW,  /* charger_kw            */
  GS_EV_P_BREAKER,     /* breaker_amps          */
  GS_EV_P_EFFICIENCY,  /* efficiency            */
  GS_EV_P_DELAY,       /* start_delay_until_h   */
  GS_EV_P_RESPECT_DEP, /* dr_respect_departure  */
  GS_EV_P_CRITICAL,    /* critical              */
  GS_EV_P_UTC_OFFSET,  /* utc_offset_h          */
  GS_EV_P_PRICE_DEFER, /* price_defer_above     */
  GS_EV_NPARAMS
};

/* The parameter table of gs_model_ev (models/ev_params.c). */
extern const gs_param_spec_t gs_ev_params[GS_EV_NPARAMS];

/* Values of the "level" parameter (indices of its choices). */
enum { GS_EV_LEVEL_1 = 0, GS_EV_LEVEL_2 = 1 };

/* Model events. ARRIVE and DEPART carry the local day index in `arg`;
 * START (end of a time-of-use delay), FULL (the battery is full) and
 * OVERRIDE (the latest instant a deferred charge can still finish by
 * departure) are the one pending charging timer. */
enum {
  GS_EV_EV_ARRIVE = GS_EV_MODEL,
  GS_EV_EV_DEPART,
  GS_EV_EV_START,
  GS_EV_EV_FULL,
  GS_EV_EV_OVERRIDE
};

/* Continuous charging is limited to 80 % of the breaker (NEC 625.41,
 * 210.19(A)); a J1772 pilot cannot ask for less than 6 A (SAE J1772). */
#define GS_EV_CONTINUOUS_PCT 80
#define GS_EV_MIN_AMPS       6
/* The truncated normals of arrival and departure times are cut at this
 * many standard deviations either side of their mean. */
#define GS_EV_TRUNC_SD 2.5

/* One stay at home, as drawn at arrival on local day `day`. */
typedef struct gs_ev_stay {
  int64_t drive_mwus;  /* grid energy the day's driving used, mW µs */
  bool plug;           /* the driver plugs in for this stay          */
  gs_time_us_t dep_us; /* departure next morning (day + 1)           */
} gs_ev_stay_t;

/* Arrival time of local day `day` (the car left that morning at `dep_us`),
 * drawn from the EV's stream for that day: normal(arrival_h,
 * arrival_sd_h) truncated at GS_EV_TRUNC_SD sd, and at least 15 min after
 * `dep_us`; whole seconds. `state` is an EV's state (gs_engine_state). */
gs_time_us_t gs_ev_draw_arrival_us(const void *state, int64_t day,
                                   gs_time_us_t dep_us);

/* The draws made at arrival `arr_us` on local day `day`: the day's driving
 * energy (lognormal miles x kwh_per_mi, capped at an empty battery), the
 * plug-in decision and next morning's departure (at least 15 min later). */
void gs_ev_draw_stay(const void *state, int64_t day, gs_time_us_t arr_us,
                     gs_ev_stay_t *out);

/* Charging power without limits from DR or setLoad, in mW: the charger's
 * rating, capped at 80 % of the breaker and at the level's current (16 A
 * at 120 V for level 1, 80 A at 240 V for level 2). */
int64_t gs_ev_full_power_mw(int level, double breaker_amps, double charger_kw);

/* First whole microsecond at which `need_mwus` is delivered at `power_mw`
 * from `t0_us`: t0 + ceil(need / power). */
gs_time_us_t gs_ev_finish_us(gs_time_us_t t0_us, int64_t need_mwus,
                             int64_t power_mw);

/* Latest whole microsecond t >= t0 at which switching from `p_mw` to
 * `pmax_mw` (> p_mw) still delivers what is left of `need_mwus` (at t0) by
 * `dep_us`: need - p (t - t0) <= pmax (dep - t), i.e.
 * t = t0 + floor((pmax (dep - t0) - need) / (pmax - p)). Returns t0 if
 * that is already too late. */
gs_time_us_t gs_ev_latest_us(gs_time_us_t t0_us, int64_t need_mwus,
                             int64_t p_mw, int64_t pmax_mw,
                             gs_time_us_t dep_us);

/* Grid energy still needed to fill the battery at `now_us` (not before the
 * EV's last event), in mW µs; may be a fraction of a µs of power below 0
 * right after a full charge. */
int64_t gs_ev_deficit_mwus(const void *state, gs_time_us_t now_us);

/* True between arrival and departure; plugged in for this stay. */
bool gs_ev_at_home(const void *state);
bool gs_ev_plugged(const void *state);

/* Departure of the present stay (valid while at home). */
gs_time_us_t gs_ev_departure_us(const void *state);

/* Time and kind of the pending charging timer, or GS_TIME_NEVER. */
gs_time_us_t gs_ev_next_us(const void *state, uint16_t *kind);

/* True while a PRICE above price_defer_above holds the charge back. */
bool gs_ev_price_deferred(const void *state);

/* Number of DR sheds this EV overrode to be charged by departure (each is
 * an opt-out of the rest of that shed). */
uint32_t gs_ev_overridden(const void *state);

#endif /* GRIDSIM_MODELS_EV_H */
