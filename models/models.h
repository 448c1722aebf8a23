/* SPDX-License-Identifier: MIT */
/* Declarations of every model type in models/ (one line per type). */
#ifndef GRIDSIM_MODELS_H
#define GRIDSIM_MODELS_H

#include "gridsim/model.h"

extern const gs_model_type_t gs_model_ven;
extern const gs_model_type_t gs_model_program;
extern const gs_model_type_t gs_model_fridge;

#endif /* GRIDSIM_MODELS_H */
