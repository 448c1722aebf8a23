/* SPDX-License-Identifier: MIT */
/* Lighting circuit: an hourly level following the interior-lighting
 * profile with lognormal noise; a shed dims it. */
#include <stddef.h>

#include "appliance.h"
#include "models.h"

/* Parameter order of gs_model_lighting.params. */
enum {
  P_DAILY,   /* daily_kwh    */
  P_CV,      /* noise_cv     */
  P_BREAKER, /* breaker_amps */
  P_UTC,     /* utc_offset_h */
  P_N
};

/* Defaults and their sources (see README.md, section Dryer, range,
 * lighting, outlets, pool pump):
 * - 1.5 kWh/day (548 kWh/yr): the 1-2 kWh/day of interior lighting in an
 *   LED-era home (RECS 2020, EIA; ResStock/End-Use Load Profiles, NREL
 *   2021);
 * - noise_cv 0.3: hour-to-hour variation around the profile, our
 *   assumption (occupancy varies; the profile is a fleet average);
 * - breaker 15 A: contract (grid-services-mqtt.md, reference home). */
static const gs_param_spec_t gs__lighting_params[P_N] = {
    [P_DAILY] = {.name = "daily_kwh",
                 .unit = "kWh",
                 .def = 1.5,
                 .min = 0,
                 .max = 60,
                 .doc = "expected lighting energy per day"},
    [P_CV] = {.name = "noise_cv",
              .unit = "1",
              .def = 0.3,
              .min = 0,
              .max = 2,
              .doc = "coefficient of variation of each hour's level"},
    [P_BREAKER] = {.name = "breaker_amps",
                   .unit = "A",
                   .def = 15,
                   .min = 1,
                   .max = 127,
                   .integer = true,
                   .doc = "circuit breaker (contract: 15 A)"},
    [P_UTC] = {.name = "utc_offset_h",
               .unit = "h",
               .def = 0,
               .min = -12,
               .max = 14,
               .doc = "local time minus the scenario clock (0: start is "
                      "local time)"},
};

/* Fraction of daily energy per local hour 0-23: interior lighting of
 * ANSI/RESNET/ICC 301-2022 Addendum C, Table C.3(3) (after the Building
 * America House Simulation Protocols), as in OpenStudio-HPXML/ResStock's
 * default_schedules.csv. Monthly multipliers are not applied. */
static const double gs__lighting_profile[24] = {
    0.012, 0.010, 0.010, 0.010, 0.011, 0.018, 0.030, 0.038,
    0.041, 0.041, 0.039, 0.037, 0.036, 0.035, 0.037, 0.041,
    0.050, 0.065, 0.086, 0.106, 0.110, 0.079, 0.040, 0.018};

/* Dimming is noticed: a shed costs more comfort than cutting plug loads. */
static const gs_appl_class_t gs__lighting_class = {
    .label = "lighting",
    .kind = GS_APPL_LEVEL,
    .shed = GS_APPL_SHED_THROTTLE,
    .profile = gs__lighting_profile,
    .comfort_cost = 0.6,
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

GS_APPL_DEFINE_TYPE(lighting, gs__lighting_class)

const gs_model_type_t gs_model_lighting = {
    .name = "lighting",
    .doc =
        "lighting: hourly level on the RESNET/BA interior profile with "
        "lognormal noise; shed dims",
    .role = GS_ROLE_LOAD,
    .state_size = GS_APPL_STATE_SIZE,
    .params = gs__lighting_params,
    .n_params = P_N,
    .init = gs__lighting_init,
    .handle = gs__lighting_handle,
    .finish = NULL,
    .status = gs__lighting_status,
    .meter_of = gs_appl_meter_of,
};
