/* SPDX-License-Identifier: MIT */
/* Outlets (miscellaneous plug loads): an hourly level following the
 * plug-load profile with lognormal noise; a shed cuts plug loads. */
#include <stddef.h>

#include "appliance.h"
#include "models.h"

/* Parameter order of gs_model_outlets.params. */
enum {
  P_DAILY,   /* daily_kwh    */
  P_CV,      /* noise_cv     */
  P_BREAKER, /* breaker_amps */
  P_UTC,     /* utc_offset_h */
  P_N
};

/* Defaults and their sources (see README.md, section Dryer, range,
 * lighting, outlets, pool pump):
 * - 7 kWh/day (2557 kWh/yr): the 6-8 kWh/day of miscellaneous electric
 *   loads (televisions, computers, small appliances) in the Building
 *   America House Simulation Protocols (Hendron & Engebrecht 2010) and
 *   RECS 2020 (EIA);
 * - noise_cv 0.2: our assumption (many small devices average out);
 * - breaker 20 A: contract (grid-services-mqtt.md, reference home). */
static const gs_param_spec_t gs__outlets_params[P_N] = {
    [P_DAILY] = {.name = "daily_kwh",
                 .unit = "kWh",
                 .def = 7.0,
                 .min = 0,
                 .max = 60,
                 .doc = "expected plug-load energy per day"},
    [P_CV] = {.name = "noise_cv",
              .unit = "1",
              .def = 0.2,
              .min = 0,
              .max = 2,
              .doc = "coefficient of variation of each hour's level"},
    [P_BREAKER] = {.name = "breaker_amps",
                   .unit = "A",
                   .def = 20,
                   .min = 1,
                   .max = 127,
                   .integer = true,
                   .doc = "circuit breaker (contract: 20 A)"},
    [P_UTC] = {.name = "utc_offset_h",
               .unit = "h",
               .def = 0,
               .min = -12,
               .max = 14,
               .doc = "local time minus the scenario clock (0: start is "
                      "local time)"},
};

/* Fraction of daily energy per local hour 0-23: "other" plug loads of
 * ANSI/RESNET/ICC 301-2022 Addendum C, Table C.3(1) (after the Building
 * America House Simulation Protocols), as in OpenStudio-HPXML/ResStock's
 * default_schedules.csv. */
static const double gs__outlets_profile[24] = {
    0.036, 0.036, 0.036, 0.036, 0.036, 0.036, 0.038, 0.041,
    0.042, 0.042, 0.042, 0.042, 0.042, 0.042, 0.042, 0.044,
    0.047, 0.050, 0.051, 0.050, 0.048, 0.044, 0.040, 0.037};

/* Much of a plug load is standby or deferrable (chargers, entertainment):
 * cutting it costs less comfort than dimming the lights. */
static const gs_appl_class_t gs__outlets_class = {
    .label = "outlets",
    .kind = GS_APPL_LEVEL,
    .shed = GS_APPL_SHED_THROTTLE,
    .profile = gs__outlets_profile,
    .comfort_cost = 0.4,
    .p = {.rate = -1,
          .dur_min = -1,
          .dur_sd = -1,
          .daily_kwh = P_DAILY,
          .noise_cv = P_CV,
          .start_h = -1,
          .hours = -1,
          .breaker_a = P_BREAKER,
          .utc_h = P_UTC},
    .power_kw = NULL,
};

GS_APPL_DEFINE_TYPE(outlets, gs__outlets_class)

const gs_model_type_t gs_model_outlets = {
    .name = "outlets",
    .doc =
        "plug loads: hourly level on the RESNET/BA profile with lognormal "
        "noise; shed cuts plug loads",
    .role = GS_ROLE_LOAD,
    .state_size = GS_APPL_STATE_SIZE,
    .params = gs__outlets_params,
    .n_params = P_N,
    .init = gs__outlets_init,
    .handle = gs__outlets_handle,
    .finish = NULL,
    .status = gs__outlets_status,
    .meter_of = gs_appl_meter_of,
};
