/* SPDX-License-Identifier: MIT */
/* Scenario parameters of the EV charger load, with the sources of their
 * defaults. */
#include "ev.h"

static const char *const gs__ev_levels[] = {"l1", "l2", NULL};

/* Sources of the defaults (details and ranges in README.md, section EV
 * charger):
 * - battery 65 kWh: Chevrolet Bolt EV (65 kWh), between the 60-75 kWh of
 *   most 2020-2024 US BEVs (fueleconomy.gov listings);
 * - 0.30 kWh/mi: EPA label consumption of typical BEVs is 25-35 kWh per
 *   100 mi (fueleconomy.gov), measured from the wall, i.e. with charging
 *   losses; so daily grid energy = miles x kwh_per_mi;
 * - 35 mi/day mean: 2017 NHTS, about 30 mi/day for a one-vehicle
 *   household's car and nearly 40 for the first car of two (DOE VTO Fact
 *   of the Week #1047, 2018); lognormal sigma 1.0 from matching that mean
 *   to the 94 % of NHTS vehicle-days under 100 mi (NREL, National Plug-In
 *   Electric Vehicle Infrastructure Analysis, 2017, App. D): median 21 mi;
 * - arrival 17.8 h +- 2.5 h, departure 7.5 h +- 1 h: normal fits of the
 *   2017 NHTS home-arrival (peak 17:00-18:00) and first-departure times
 *   (our assumption, as in the brief; see the README);
 * - plug-in probability 0.85: our assumption (not every driver plugs in
 *   every day);
 * - level 2 at 7.2 kW on a 50 A breaker: SAE J1772 level 2 (240 V, up to
 *   80 A), 30 A x 240 V = 7.2 kW the common home unit; the contract's EV
 *   circuit is 50 A, and NEC 625.41/210.19(A) limit a continuous load to
 *   80 % of it: 40 A, 9.6 kW;
 * - efficiency 0.9: about 89 % measured for level 2 (Forward, Glitman &
 *   Roberts, An Assessment of Level 1 and Level 2 EV Charging Efficiency,
 *   VEIC 2013);
 * - TOU delay off; 23 h is Georgia Power's EV super off-peak start
 *   (11 p.m.-7 a.m., "Overnight Advantage", formerly the PEV rate). */
const gs_param_spec_t gs_ev_params[GS_EV_NPARAMS] = {
    [GS_EV_P_BATTERY] = {.name = "battery_kwh",
                         .unit = "kWh",
                         .def = 65,
                         .min = 5,
                         .max = 250,
                         .doc = "usable battery capacity"},
    [GS_EV_P_KWH_PER_MI] = {.name = "kwh_per_mi",
                            .unit = "kWh/mi",
                            .def = 0.30,
                            .min = 0.1,
                            .max = 1.5,
                            .doc = "grid energy per mile, charging losses "
                                   "included (EPA label)"},
    [GS_EV_P_MI_MEAN] = {.name = "daily_mi_mean",
                         .unit = "mi",
                         .def = 35,
                         .min = 1,
                         .max = 500,
                         .doc = "mean daily miles (lognormal mean)"},
    [GS_EV_P_MI_SIGMA] = {.name = "daily_mi_sigma",
                          .unit = "1",
                          .def = 1.0,
                          .min = 0,
                          .max = 2.5,
                          .doc = "standard deviation of ln(daily miles)"},
    [GS_EV_P_ARRIVAL] = {.name = "arrival_h",
                         .unit = "h",
                         .def = 17.8,
                         .min = 0,
                         .max = 30,
                         .doc = "mean home-arrival time, local clock"},
    [GS_EV_P_ARRIVAL_SD] = {.name = "arrival_sd_h",
                            .unit = "h",
                            .def = 2.5,
                            .min = 0,
                            .max = 6,
                            .doc = "sd of the arrival time (normal, cut at "
                                   "2.5 sd)"},
    [GS_EV_P_DEPARTURE] = {.name = "departure_h",
                           .unit = "h",
                           .def = 7.5,
                           .min = 0,
                           .max = 24,
                           .doc = "mean departure time next morning, local "
                                  "clock"},
    [GS_EV_P_DEPART_SD] = {.name = "departure_sd_h",
                           .unit = "h",
                           .def = 1.0,
                           .min = 0,
                           .max = 6,
                           .doc = "sd of the departure time (normal, cut at "
                                  "2.5 sd)"},
    [GS_EV_P_PLUG_PROB] = {.name = "plug_in_prob",
                           .unit = "1",
                           .def = 0.85,
                           .min = 0,
                           .max = 1,
                           .doc = "probability of plugging in on arrival"},
    [GS_EV_P_LEVEL] = {.name = "level",
                       .unit = "1",
                       .def = GS_EV_LEVEL_2,
                       .min = 0,
                       .max = 1,
                       .integer = true,
                       .choices = gs__ev_levels,
                       .doc = "SAE J1772 charging level (l1 120 V, l2 240 V)"},
    [GS_EV_P_CHARGER_KW] = {.name = "charger_kw",
                            .unit = "kW",
                            .def = 7.2,
                            .min = 0.5,
                            .max = 19.2,
                            .doc = "charger (EVSE and on-board) rating"},
    [GS_EV_P_BREAKER] = {.name = "breaker_amps",
                         .unit = "A",
                         .def = 50,
                         .min = 10,
                         .max = 100,
                         .integer = true,
                         .doc = "circuit breaker (contract: 50 A)"},
    [GS_EV_P_EFFICIENCY] = {.name = "efficiency",
                            .unit = "1",
                            .def = 0.9,
                            .min = 0.5,
                            .max = 1,
                            .doc = "charging efficiency, grid to battery"},
    [GS_EV_P_DELAY] = {.name = "start_delay_until_h",
                       .unit = "h",
                       .def = -1,
                       .min = -1,
                       .max = 24,
                       .doc = "TOU: hold charging until this local hour "
                              "(-1: off)"},
    [GS_EV_P_RESPECT_DEP] = {.name = "dr_respect_departure",
                             .unit = "1",
                             .def = 1,
                             .min = 0,
                             .max = 1,
                             .integer = true,
                             .doc = "1: override DR to be charged by "
                                    "departure"},
    [GS_EV_P_CRITICAL] = {.name = "critical",
                          .unit = "1",
                          .def = 0,
                          .min = 0,
                          .max = 1,
                          .integer = true,
                          .doc = "1: never shed"},
    [GS_EV_P_UTC_OFFSET] = {.name = "utc_offset_h",
                            .unit = "h",
                            .def = 0,
                            .min = -12,
                            .max = 14,
                            .doc = "local time minus UTC, for the clock of "
                                   "arrivals and TOU"},
    [GS_EV_P_PRICE_DEFER] = {.name = "price_defer_above",
                             .unit = "$/kWh",
                             .def = 0.3,
                             .min = -1,
                             .max = 30,
                             .doc = "PRICE signals: defer charging while "
                                    "the price is above this, unless "
                                    "departure is at risk (-1: off)"},
};
