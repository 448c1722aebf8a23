/* SPDX-License-Identifier: MIT */
/* The rooftop PV load model: parameter indices, event kinds and the pure
 * PVWatts v5 power chain, exported for tests and tools. */
#ifndef GRIDSIM_MODELS_PV_H
#define GRIDSIM_MODELS_PV_H

#include <stdint.h>

#include "gridsim/model.h"
#include "gridsim/time.h"

/* Parameter order of gs_model_pv.params (and of gs_model_init.params). */
enum {
  GS_PV_P_DC_KW,        /* dc_kw            */
  GS_PV_P_TILT_FACTOR,  /* tilt_factor      */
  GS_PV_P_LOSSES,       /* losses           */
  GS_PV_P_TEMP_COEFF,   /* temp_coeff_per_c */
  GS_PV_P_NOCT,         /* noct_c           */
  GS_PV_P_INVERTER_KW,  /* inverter_kw      */
  GS_PV_P_INVERTER_EFF, /* inverter_eff     */
  GS_PV_P_EXPORT_LIMIT, /* export_limit_kw  */
  GS_PV_P_BREAKER,      /* breaker_amps     */
  GS_PV_P_CRITICAL,     /* critical         */
  GS_PV_NPARAMS
};

/* The one model event: the weather step changes (or the sun rises). */
enum { GS_EV_PV_STEP = GS_EV_MODEL };

/* PVWatts v5 reference efficiency of its inverter curve (Dobos 2014). */
#define GS_PV_ETA_REF 0.9637

/* The physical inputs of one array, in SI units. */
typedef struct gs_pv_array {
  double dc_w;        /* nameplate DC rating at STC, W                */
  double tilt_factor; /* plane-of-array irradiance / GHI              */
  double losses;      /* PVWatts system losses, fraction (0.14)       */
  double gamma_per_c; /* power temperature coefficient, 1/degC (<0)   */
  double noct_c;      /* nominal operating cell temperature, degC     */
  double ac_w;        /* inverter AC rating, W                        */
  double eta_nom;     /* inverter nominal efficiency (0.96)           */
} gs_pv_array_t;

/* Cell temperature by the NOCT model: T_amb + (NOCT - 20) / 800 * G_poa. */
double gs_pv_cell_temp_c(double amb_c, double poa_w_m2, double noct_c);

/* PVWatts v5 DC power after system losses, W (>= 0):
 * G_poa / 1000 * P_dc0 * (1 + gamma (T_cell - 25)) * (1 - losses). */
double gs_pv_dc_w(const gs_pv_array_t *a, double poa_w_m2, double cell_c);

/* PVWatts v5 inverter: with P_dc0 = P_ac0 / eta_nom and z = P_dc / P_dc0,
 * eta = eta_nom / 0.9637 (-0.0162 z - 0.0059 / z + 0.9858) and
 * P_ac = min(eta P_dc, P_ac0), never below 0 (0 when P_dc <= 0). */
double gs_pv_ac_w(double dc_w, double ac_rating_w, double eta_nom);

/* The whole chain: AC output, W (>= 0), at `ghi_w_m2` and `amb_c`. */
double gs_pv_power_w(const gs_pv_array_t *a, double ghi_w_m2, double amb_c);

/* Time of a PV `state`'s next event (weather step or sunrise), or
 * GS_TIME_NEVER if none is pending. */
gs_time_us_t gs_pv_next_us(const void *state);

/* Power the array could deliver now, before export limit and setLoad
 * curtailment, in mW (>= 0). */
int64_t gs_pv_available_mw(const void *state);

/* At a weather step (now, GHI and temperature from then on): the new
 * output of every array of `states` (the n contiguous states of
 * gs_model_pv) whose steps the run's weather_sweep handles. */
void gs_pv_weather_step(gs_engine_t *eng, void *states, size_t n,
                        double ghi_w_m2, double temp_c);

#endif /* GRIDSIM_MODELS_PV_H */
