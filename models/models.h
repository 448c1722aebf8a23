/* SPDX-License-Identifier: MIT */
/* Declarations of every model type in models/ (one line per type). */
#ifndef GRIDSIM_MODELS_H
#define GRIDSIM_MODELS_H

#include "gridsim/model.h"

extern const gs_model_type_t gs_model_ven;
extern const gs_model_type_t gs_model_program;
extern const gs_model_type_t gs_model_fridge;
extern const gs_model_type_t gs_model_hvac;
/* Not in the registry (no scenario type): sim/world.c adds one per run
 * with weather (models/weather_sweep.c). */
extern const gs_model_type_t gs_model_weather_sweep;
extern const gs_model_type_t gs_model_water_heater;
extern const gs_model_type_t gs_model_battery;
extern const gs_model_type_t gs_model_pv;
extern const gs_model_type_t gs_model_dryer;
extern const gs_model_type_t gs_model_range;
extern const gs_model_type_t gs_model_lighting;
extern const gs_model_type_t gs_model_outlets;
extern const gs_model_type_t gs_model_pool_pump;
extern const gs_model_type_t gs_model_ev;

#endif /* GRIDSIM_MODELS_H */
