/* SPDX-License-Identifier: MIT */
/* Scenario parameters of the VEN (the "ven" object of a fleet group). */
#include "ven.h"

/* Panel sizes and the 5-minute baseline follow the platform's reference VEN
 * (shared contract, "The reference VEN's home"); 240 V split-phase service
 * is the US residential norm (NEC 220). */
const gs_param_spec_t gs_ven_params[GS_VEN_NPARAMS] = {
    [GS_VEN_P_PANEL_AMPS] = {.name = "panel_amps", .unit = "A", .def = 200,
                             .min = 30, .max = 800, .integer = true,
                             .doc = "main breaker rating (100, 150, 200 A)"},
    [GS_VEN_P_PANEL_VOLTAGE] = {.name = "panel_voltage", .unit = "V",
                                .def = 240, .min = 100, .max = 480,
                                .doc = "service voltage"},
    [GS_VEN_P_BASELINE_S] = {.name = "baseline_window_s", .unit = "s",
                             .def = 300, .min = 1, .max = 86400,
                             .doc = "window of the VEN's own baseline mean"},
    [GS_VEN_P_OPT_OUT] = {.name = "opt_out_prob", .unit = "1", .def = 0,
                          .min = 0, .max = 1,
                          .doc = "probability the home declines an event"},
    [GS_VEN_P_LATENCY_S] = {.name = "latency_s", .unit = "s", .def = 0,
                            .min = 0, .max = 3600,
                            .doc = "command delivery latency of this VEN"},
    [GS_VEN_P_LOSS] = {.name = "loss_prob", .unit = "1", .def = 0, .min = 0,
                       .max = 1, .doc = "probability a command is lost"},
};
