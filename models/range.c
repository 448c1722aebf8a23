/* SPDX-License-Identifier: MIT */
/* Electric cooking range: Poisson cooking uses over the day, each a
 * lognormal stretch at element power; a shed throttles the elements. */
#include <stddef.h>

#include "appliance.h"
#include "models.h"

/* Parameter order of gs_model_range.params. */
enum {
  P_RATE,    /* uses_per_day */
  P_DUR,     /* use_min      */
  P_DUR_SD,  /* use_sd_min   */
  P_POWER,   /* power_kw     */
  P_BREAKER, /* breaker_amps */
  P_UTC,     /* utc_offset_h */
  P_N
};

/* Defaults and their sources (see README.md, section Dryer, range,
 * lighting, outlets, pool pump):
 * - the contract's range circuit is 40 A, 9.6 kW at 240 V; a use runs one
 *   or two burners or the oven element, 2-3 kW (a large radiant burner is
 *   2.5-3 kW, an oven element about 2-3 kW under thermostat): 2.4 kW,
 *   a quarter of the rating, is our assumption;
 * - two uses a day of 15 min (sd 8 min) give 1.2 kWh/day, 438 kWh/yr:
 *   within the 400-500 kWh/yr of an electric range in the Building America
 *   House Simulation Protocols (Hendron & Engebrecht 2010) and RECS 2020;
 *   the count and length of uses are our assumption. */
static const gs_param_spec_t gs__range_params[P_N] = {
    [P_RATE] = {.name = "uses_per_day",
                .unit = "1/day",
                .def = 2.0,
                .min = 0,
                .max = 20,
                .doc = "expected cooking uses started per day"},
    [P_DUR] = {.name = "use_min",
               .unit = "min",
               .def = 15,
               .min = 1,
               .max = 600,
               .doc = "mean length of a use (lognormal)"},
    [P_DUR_SD] = {.name = "use_sd_min",
                  .unit = "min",
                  .def = 8,
                  .min = 0,
                  .max = 600,
                  .doc = "standard deviation of a use's length"},
    [P_POWER] = {.name = "power_kw",
                 .unit = "kW",
                 .def = 2.4,
                 .min = 0,
                 .max = 30,
                 .doc = "element draw during a use"},
    [P_BREAKER] = {.name = "breaker_amps",
                   .unit = "A",
                   .def = 40,
                   .min = 1,
                   .max = 127,
                   .integer = true,
                   .doc = "circuit breaker (contract: 40 A)"},
    [P_UTC] = {.name = "utc_offset_h",
               .unit = "h",
               .def = 0,
               .min = -12,
               .max = 14,
               .doc = "local time minus the scenario clock (0: start is "
                      "local time)"},
};

/* Hourly start weights, local hours 0-23: the cooking-range profile of
 * ANSI/RESNET/ICC 301-2022 Addendum C, Table C.3(1) (after the Building
 * America House Simulation Protocols, NREL/TP-550-49426), as in
 * OpenStudio-HPXML/ResStock's default_schedules.csv. */
static const double gs__range_profile[24] = {
    0.008, 0.008, 0.008, 0.008, 0.008, 0.015, 0.023, 0.039,
    0.046, 0.046, 0.046, 0.054, 0.062, 0.046, 0.039, 0.054,
    0.076, 0.134, 0.114, 0.058, 0.039, 0.031, 0.023, 0.015};

static double gs__range_power_kw(const double *p) {
  return p[P_POWER];
}

/* A meal cannot be moved, but the elements can be turned down: a shed
 * throttles them by the amount asked (the contract lets a VEN take 80 % of
 * a range's draw) and the use keeps its length. Cooking is valued, so its
 * comfort cost is high. */
static const gs_appl_class_t gs__range_class = {
    .label = "range",
    .kind = GS_APPL_CYCLE,
    .shed = GS_APPL_SHED_THROTTLE,
    .profile = gs__range_profile,
    .comfort_cost = 0.9,
    .p = {.rate = P_RATE,
          .dur_min = P_DUR,
          .dur_sd = P_DUR_SD,
          .daily_kwh = -1,
          .noise_cv = -1,
          .start_h = -1,
          .hours = -1,
          .breaker_a = P_BREAKER,
          .utc_h = P_UTC},
    .power_kw = gs__range_power_kw,
};

GS_APPL_DEFINE_TYPE(range, gs__range_class)

const gs_model_type_t gs_model_range = {
    .name = "range",
    .doc =
        "cooking range: Poisson uses on the BA/RESNET profile; shed "
        "throttles the elements",
    .role = GS_ROLE_LOAD,
    .state_size = GS_APPL_STATE_SIZE,
    .params = gs__range_params,
    .n_params = P_N,
    .init = gs__range_init,
    .handle = gs__range_handle,
    .finish = NULL,
    .status = gs__range_status,
    .meter_of = gs_appl_meter_of,
};
