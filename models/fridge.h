/* SPDX-License-Identifier: MIT */
/* The refrigerator load model: parameter indices, event kinds and the
 * closed-form thermal solution, exported for tests and tools. */
#ifndef GRIDSIM_MODELS_FRIDGE_H
#define GRIDSIM_MODELS_FRIDGE_H

#include <stdbool.h>

#include "gridsim/model.h"
#include "gridsim/time.h"

/* Parameter order of gs_model_fridge.params (and of gs_model_init.params). */
enum {
  GS_FRIDGE_P_SETPOINT, /* setpoint_c    */
  GS_FRIDGE_P_DEADBAND, /* deadband_c    */
  GS_FRIDGE_P_AMBIENT,  /* ambient_c     */
  GS_FRIDGE_P_POWER,    /* power_w       */
  GS_FRIDGE_P_COP,      /* cop           */
  GS_FRIDGE_P_R,        /* r_c_per_kw    */
  GS_FRIDGE_P_C,        /* c_kwh_per_c   */
  GS_FRIDGE_P_MAX_TEMP, /* max_temp_c    */
  GS_FRIDGE_P_CRITICAL, /* critical      */
  GS_FRIDGE_P_BREAKER,  /* breaker_amps  */
  GS_FRIDGE_NPARAMS
};

/* The one model event: the compartment reached the edge the present
 * segment is heading for (lower deadband edge when running, upper edge or
 * max_temp_c when off). */
enum { GS_EV_FRIDGE_EDGE = GS_EV_MODEL };

/* Temperature after `dt_s` seconds of a first-order response that starts at
 * `temp0_c` and tends to `target_c` with time constant `tau_s`:
 * target + (temp0 - target) exp(-dt / tau). */
double gs_fridge_temp_at(double temp0_c, double target_c, double tau_s,
                         double dt_s);

/* Seconds until that response reaches `edge_c`:
 * tau ln((temp0 - target) / (edge - target)). Returns 0 if edge == temp0,
 * and INFINITY if it is never reached: the edge lies behind temp0 or at or
 * beyond the asymptote `target_c`. */
double gs_fridge_time_to_s(double temp0_c, double target_c, double tau_s,
                           double edge_c);

/* Compartment temperature of a fridge `state` (from gs_engine_state) at
 * `now_us`, which must not precede its last switching. */
double gs_fridge_temp_c(const void *state, gs_time_us_t now_us);

/* Time of the fridge's next switching as the model computes it (the time of
 * its pending GS_EV_FRIDGE_EDGE event), or GS_TIME_NEVER if the present
 * segment never reaches an edge. */
gs_time_us_t gs_fridge_next_us(const void *state);

/* True while a shed holds the compressor off. */
bool gs_fridge_is_shed(const void *state);

#endif /* GRIDSIM_MODELS_FRIDGE_H */
