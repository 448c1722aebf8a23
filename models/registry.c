/* SPDX-License-Identifier: MIT */
/* The model registry: every model type, keyed by its scenario name. */
#include <string.h>

#include "models.h"

const gs_model_type_t *const gs_model_registry[] = {
    &gs_model_ven,
    &gs_model_program,
    &gs_model_fridge,
    &gs_model_battery,
    &gs_model_pv,
    &gs_model_water_heater,
    &gs_model_dryer,
    &gs_model_range,
    &gs_model_lighting,
    &gs_model_outlets,
    &gs_model_pool_pump,
    &gs_model_hvac,
    &gs_model_ev,
    NULL,
};

const gs_model_type_t *gs_model_find(const char *name) {
  if (name == NULL) return NULL;
  for (size_t i = 0; gs_model_registry[i] != NULL; i++)
    if (strcmp(gs_model_registry[i]->name, name) == 0)
      return gs_model_registry[i];
  return NULL;
}

int gs_model_param_index(const gs_model_type_t *type, const char *name) {
  if (type == NULL || name == NULL) return -1;
  for (size_t i = 0; i < type->n_params; i++)
    if (strcmp(type->params[i].name, name) == 0) return (int)i;
  return -1;
}
