/* SPDX-License-Identifier: MIT */
/* Electric clothes dryer: Poisson cycle starts over the day, lognormal
 * cycle lengths, paused by a shed and resumed (the rebound) at restore. */
#include <stddef.h>

#include "appliance.h"
#include "models.h"

/* Parameter order of gs_model_dryer.params. */
enum {
  P_RATE,    /* cycles_per_day */
  P_DUR,     /* cycle_min      */
  P_DUR_SD,  /* cycle_sd_min   */
  P_ELEMENT, /* element_kw     */
  P_DUTY,    /* element_duty   */
  P_MOTOR,   /* motor_kw       */
  P_BREAKER, /* breaker_amps   */
  P_UTC,     /* utc_offset_h   */
  P_N
};

/* Defaults and their sources (see README.md, section Dryer, range,
 * lighting, outlets, pool pump):
 * - 283 cycles a year (0.775 a day): the representative annual use of the
 *   DOE clothes-dryer test procedure, 10 CFR 430 Subpart B, Appendix D2;
 * - the heating element of a 240 V residential dryer is rated about 5 kW
 *   (nameplates run 4.8-5.6 kW) and the drum motor and fan about 0.25 kW:
 *   typical nameplate values (our assumption, no single source);
 * - the element is on for an assumed 80 % of a 45 min (sd 12 min) cycle,
 *   its thermostat cycling averaged out, so a cycle draws 4.25 kW and uses
 *   3.19 kWh: 283 x 3.19 = 902 kWh/yr, the ~900 kWh/yr of an electric
 *   dryer in RECS 2020 (EIA) and the Building America protocols;
 * - breaker 30 A: contract (grid-services-mqtt.md, reference home). */
static const gs_param_spec_t gs__dryer_params[P_N] = {
    [P_RATE] = {.name = "cycles_per_day",
                .unit = "1/day",
                .def = 0.775,
                .min = 0,
                .max = 20,
                .doc = "expected cycles started per day (DOE: 283/yr)"},
    [P_DUR] = {.name = "cycle_min",
               .unit = "min",
               .def = 45,
               .min = 1,
               .max = 600,
               .doc = "mean cycle duration (lognormal)"},
    [P_DUR_SD] = {.name = "cycle_sd_min",
                  .unit = "min",
                  .def = 12,
                  .min = 0,
                  .max = 600,
                  .doc = "standard deviation of the duration"},
    [P_ELEMENT] = {.name = "element_kw",
                   .unit = "kW",
                   .def = 5.0,
                   .min = 0,
                   .max = 30,
                   .doc = "heating element rating"},
    [P_DUTY] = {.name = "element_duty",
                .unit = "1",
                .def = 0.8,
                .min = 0,
                .max = 1,
                .doc = "share of a cycle the element is on (averaged)"},
    [P_MOTOR] = {.name = "motor_kw",
                 .unit = "kW",
                 .def = 0.25,
                 .min = 0,
                 .max = 5,
                 .doc = "drum motor and fan draw"},
    [P_BREAKER] = {.name = "breaker_amps",
                   .unit = "A",
                   .def = 30,
                   .min = 1,
                   .max = 127,
                   .integer = true,
                   .doc = "circuit breaker (contract: 30 A)"},
    [P_UTC] = {.name = "utc_offset_h",
               .unit = "h",
               .def = 0,
               .min = -12,
               .max = 14,
               .doc = "local time minus the scenario clock (0: start is "
                      "local time)"},
};

/* Hourly start weights, local hours 0-23: the clothes-dryer profile of
 * ANSI/RESNET/ICC 301-2022 Addendum C, Table C.3(1), itself from the
 * Building America House Simulation Protocols (Hendron & Engebrecht
 * 2010, NREL/TP-550-49426), as shipped in OpenStudio-HPXML/ResStock's
 * default_schedules.csv. */
static const double gs__dryer_profile[24] = {
    0.010, 0.006, 0.004, 0.002, 0.004, 0.006, 0.016, 0.032,
    0.048, 0.068, 0.078, 0.081, 0.074, 0.067, 0.058, 0.061,
    0.055, 0.054, 0.051, 0.051, 0.052, 0.054, 0.044, 0.024};

/* Average draw while running: element at its duty plus the motor. */
static double gs__dryer_power_kw(const double *p) {
  return p[P_ELEMENT] * p[P_DUTY] + p[P_MOTOR];
}

/* Drying can wait: a shed pauses the drum and costs little comfort. */
static const gs_appl_class_t gs__dryer_class = {
    .label = "dryer",
    .kind = GS_APPL_CYCLE,
    .shed = GS_APPL_SHED_PAUSE,
    .profile = gs__dryer_profile,
    .comfort_cost = 0.1,
    .p = {.rate = P_RATE,
          .dur_min = P_DUR,
          .dur_sd = P_DUR_SD,
          .daily_kwh = -1,
          .noise_cv = -1,
          .start_h = -1,
          .hours = -1,
          .breaker_a = P_BREAKER,
          .utc_h = P_UTC},
    .power_kw = gs__dryer_power_kw,
};

GS_APPL_DEFINE_TYPE(dryer, gs__dryer_class)

const gs_model_type_t gs_model_dryer = {
    .name = "dryer",
    .doc =
        "clothes dryer: Poisson cycles on the BA/RESNET profile; shed "
        "pauses, restore resumes",
    .role = GS_ROLE_LOAD,
    .state_size = GS_APPL_STATE_SIZE,
    .params = gs__dryer_params,
    .n_params = P_N,
    .init = gs__dryer_init,
    .handle = gs__dryer_handle,
    .finish = NULL,
    .status = gs__dryer_status,
    .meter_of = gs_appl_meter_of,
};
