/* SPDX-License-Identifier: MIT */
/* Scenario parameters of the VEN (the "ven" object of a fleet group). */
#include "ven.h"

static const char *const strategies[] = {"reference", "thermal", NULL};

/* Panel sizes, the 5-minute baseline and the 5 s / 30 s intervals follow
 * the platform's reference VEN (shared contract: "The reference VEN's
 * home", "Topics"); 240 V split-phase service is the US residential norm.
 * Comms figures are scenario choices: defaults are a perfect link. */
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
    [GS_VEN_P_SHED_STRATEGY] = {.name = "shed_strategy", .unit = "",
                                .def = GS_VEN_SHED_REFERENCE, .min = 0,
                                .max = 1, .integer = true,
                                .choices = strategies,
                                .doc = "reference (the platform's order) or "
                                       "thermal (lowest comfort cost first)"},
    [GS_VEN_P_TELEMETRY_S] = {.name = "telemetry_interval_s", .unit = "s",
                              .def = 5, .min = 1, .max = 3600,
                              .doc = "telemetry period when publishing"},
    [GS_VEN_P_SNAPSHOT_S] = {.name = "snapshot_interval_s", .unit = "s",
                             .def = 30, .min = 1, .max = 86400,
                             .doc = "loads snapshot and shadow period"},
    [GS_VEN_P_OFFLINE_PER_DAY] = {.name = "outages_per_day", .unit = "1/d",
                                  .def = 0, .min = 0, .max = 1000,
                                  .doc = "rate of comms outages (Poisson)"},
    [GS_VEN_P_OFFLINE_MEAN_S] = {.name = "outage_mean_s", .unit = "s",
                                 .def = 600, .min = 1, .max = 864000,
                                 .doc = "mean outage length (exponential)"},
};
