/* SPDX-License-Identifier: MIT */
/* The electric water heater load model: parameter indices, event kinds and
 * read-only views of its state, exported for tests and tools. */
#ifndef GRIDSIM_MODELS_WATER_HEATER_H
#define GRIDSIM_MODELS_WATER_HEATER_H

#include <stdbool.h>
#include <stdint.h>

#include "gridsim/model.h"
#include "gridsim/rng.h"
#include "gridsim/time.h"

/* Parameter order of gs_model_water_heater.params. */
enum {
  GS_WH_P_SETPOINT,   /* setpoint_c       */
  GS_WH_P_DEADBAND,   /* deadband_c       */
  GS_WH_P_VOLUME,     /* volume_l         */
  GS_WH_P_UA,         /* ua_w_per_k       */
  GS_WH_P_POWER,      /* power_kw         */
  GS_WH_P_AMBIENT,    /* ambient_c        */
  GS_WH_P_INLET,      /* inlet_c          */
  GS_WH_P_MIN_TEMP,   /* min_temp_c       */
  GS_WH_P_DAILY_VOL,  /* daily_volume_l   */
  GS_WH_P_DRAWS,      /* draws_per_day    */
  GS_WH_P_FLOW,       /* flow_lpm         */
  GS_WH_P_UTC_OFFSET, /* utc_offset_h     */
  GS_WH_P_CRITICAL,   /* critical         */
  GS_WH_P_BREAKER,    /* breaker_amps     */
  GS_WH_NPARAMS
};

/* Model events: the thermostat edge (or comfort limit) the present segment
 * is heading for; the start of a hot-water draw (a Poisson arrival, which
 * schedules the next one); the end of one draw. */
enum { GS_EV_WH_EDGE = GS_EV_MODEL, GS_EV_WH_DRAW_START, GS_EV_WH_DRAW_END };

/* Physical constants of the tank water (at about 50 degC): density in
 * kg/L and specific heat in J/(kg K). */
#define GS_WH_RHO_KG_PER_L  0.988
#define GS_WH_CP_J_PER_KG_K 4181.0

/* The values the model computes with (after quantisation into its compact
 * state), in SI units. */
typedef struct gs_wh_params {
  double cap_j_per_k;  /* C = volume rho c_p                 */
  double ua_w_per_k;   /* standby loss conductance           */
  double draw_w_per_k; /* one draw's m_dot c_p               */
  double power_w;      /* element power                      */
  double ambient_c, inlet_c;
  double low_c, high_c; /* thermostat edges                   */
  double min_c;         /* comfort limit that ends a shed     */
  double flow_lpm;      /* flow of one draw                   */
  double draws_per_day; /* mean arrivals per day              */
  double mean_draw_s;   /* mean duration of one draw          */
} gs_wh_params_t;

/* The present segment: from t0_us the tank follows one exponential, set by
 * whether the element is on and how many draws run. */
typedef struct gs_wh_segment {
  gs_time_us_t t0_us;
  double temp0_c;
  bool element_on;
  unsigned n_draws;
} gs_wh_segment_t;

/* Asymptote (degC) and time constant (s) of the one-node tank,
 *   C dT/dt = P - UA (T - T_amb) - n m_dot c_p (T - T_in),
 * for element power `power_w` and `n_draws` simultaneous draws. */
void gs_water_heater_asymptote(const gs_wh_params_t *p, double power_w,
                               unsigned n_draws, double *inf_c, double *tau_s);

/* The effective parameters and the present segment of a water heater
 * `state` (from gs_engine_state). */
void gs_water_heater_params(const void *state, gs_wh_params_t *out);
void gs_water_heater_segment(const void *state, gs_wh_segment_t *out);

/* Tank temperature at `now_us` (not before the segment start). */
double gs_water_heater_temp_c(const void *state, gs_time_us_t now_us);

/* Time of the pending thermostat (or comfort-limit) event as the model
 * computes it, or GS_TIME_NEVER if the present segment reaches no edge. */
gs_time_us_t gs_water_heater_next_edge_us(const void *state);

/* True while a DR shed holds the element off. */
bool gs_water_heater_is_shed(const void *state);

/* True once the comfort limit ended a shed (the household's override, an
 * opt-out), until the next restore or shed. */
bool gs_water_heater_overridden(const void *state);

/* The hourly hot-water use profile (24 fractions summing to 1, hour 0 =
 * local midnight) that draw arrivals follow. */
extern const double gs_water_heater_hourly[24];

/* Draws the next arrival after `t_us` of a Poisson process whose rate is
 * `draws_per_day` times the hourly profile, by thinning, from stream `r`.
 * `clock_min` is the local clock time (minutes after midnight) at t = 0.
 * Returns GS_TIME_NEVER if the rate is zero. */
gs_time_us_t gs_water_heater_next_arrival_us(gs_rng_t *r, gs_time_us_t t_us,
                                             double draws_per_day,
                                             unsigned clock_min);

#endif /* GRIDSIM_MODELS_WATER_HEATER_H */
