/* SPDX-License-Identifier: MIT */
/* Rooftop PV load: the NREL PVWatts v5 power chain driven by the run's
 * piecewise-constant weather, one event per weather step while the sun is
 * up. */
#include "pv.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "gridsim/engine.h"
#include "gridsim/meter.h"
#include "models.h"
#include "weather.h"
#include "world.h"

/* The model is that of PVWatts v5 (A. P. Dobos, "PVWatts Version 5
 * Manual", NREL/TP-6A20-62641, 2014), with two simplifications stated in
 * README.md, section PV:
 * - plane-of-array irradiance is GHI times a tilt factor (1.0: a flat or
 *   low-slope roof), since the weather gives no sun azimuth;
 * - the cell temperature follows the NOCT model rather than PVWatts' own
 *   Fuentes (1987) thermal model:
 *     T_cell = T_amb + (NOCT - 20) / 800 * G_poa
 *   (Duffie & Beckman, "Solar Engineering of Thermal Processes", 4th ed.,
 *   2013, ch. 23, with the tau-alpha / eta term neglected).
 * Then, as in PVWatts v5:
 *   P_dc = G_poa / 1000 * P_dc0 * (1 + gamma (T_cell - 25)) * (1 - losses)
 *   P_ac = min(eta(z) P_dc, P_ac0),  z = P_dc / (P_ac0 / eta_nom),
 *   eta(z) = eta_nom / 0.9637 * (-0.0162 z - 0.0059 / z + 0.9858).
 * The weather holds irradiance and temperature constant over each step, so
 * the output is constant too and changes only at step boundaries. */

/* Contract (grid-services-mqtt.md): a circuit's rating is amps x 240 V. */
#define GS__PV_VOLTS 240

/* How far ahead the night-time search for sunrise looks; a polar night
 * longer than this gets one re-check event per horizon. */
#define GS__PV_SUN_HORIZON_US (2 * GS_US_PER_DAY)

/* Largest AC or DC rating: keeps every power in an int32 of mW. */
#define GS__PV_MAX_KW 1000

/* Per-entity state: 80 bytes. Parameters are float (7 digits, far finer
 * than they are known); the chain is evaluated in double. */
typedef struct gs__pv {
  const gs_weather_t *weather; /* the run's weather (borrowed)           */
  gs_event_handle_t next;      /* pending GS_EV_PV_STEP, or NONE         */
  gs_time_us_t next_us;        /* its time, or GS_TIME_NEVER             */
  uint32_t meter;              /* the VEN's meter, or NONE               */
  int32_t power_mw;            /* present power at the meter (<= 0)      */
  int32_t avail_mw;            /* what the array could deliver now      */
  int32_t limit_mw;            /* setLoad capacity limit, -1: none       */
  int32_t export_mw;           /* export limit, -1: none                 */
  float dc_w, tilt, losses, gamma, noct_c, ac_w, eta_nom;
  uint16_t breaker_a;   /* circuit breaker, A                     */
  uint8_t enabled : 1;  /* setLoad's enabled: 0 opens the breaker */
  uint8_t critical : 1; /* never shed (nothing to shed anyway)    */
  uint8_t swept : 1;    /* the run's weather_sweep books its steps */
} gs__pv_t;

_Static_assert(sizeof(gs__pv_t) <= 80, "pv state must stay small");

/* Defaults:
 * - dc_kw 7.2: US median residential system size in 2022 (LBNL, Barbose
 *   et al., "Tracking the Sun", 2023 edition);
 * - losses 0.14, temp_coeff_per_c -0.0047 (standard module), inverter_eff
 *   0.96 and a DC/AC ratio of 1.2 (inverter_kw = dc_kw / 1.2): the PVWatts
 *   v5 defaults (Dobos 2014);
 * - noct_c 45: a typical crystalline-silicon datasheet NOCT (IEC 61215
 *   conditions: 800 W/m2, 20 degC, 1 m/s); an assumption;
 * - breaker_amps 40: a 2-pole 40 A backfed breaker serves a 7.6 kW (32 A)
 *   inverter at 125 % of its current (NEC 705.12); an assumption. */
static const gs_param_spec_t gs__pv_params[GS_PV_NPARAMS] = {
    [GS_PV_P_DC_KW] = {.name = "dc_kw",
                       .unit = "kW",
                       .def = 7.2,
                       .min = 0.01,
                       .max = GS__PV_MAX_KW,
                       .doc = "array DC nameplate rating at STC"},
    [GS_PV_P_TILT_FACTOR] = {.name = "tilt_factor",
                             .unit = "1",
                             .def = 1.0,
                             .min = 0,
                             .max = 2,
                             .doc = "plane-of-array irradiance over GHI"},
    [GS_PV_P_LOSSES] = {.name = "losses",
                        .unit = "1",
                        .def = 0.14,
                        .min = 0,
                        .max = 0.99,
                        .doc = "PVWatts system losses (soiling, wiring, ...)"},
    [GS_PV_P_TEMP_COEFF] = {.name = "temp_coeff_per_c",
                            .unit = "1/degC",
                            .def = -0.0047,
                            .min = -0.02,
                            .max = 0,
                            .doc = "power temperature coefficient"},
    [GS_PV_P_NOCT] = {.name = "noct_c",
                      .unit = "degC",
                      .def = 45,
                      .min = 20,
                      .max = 80,
                      .doc = "nominal operating cell temperature"},
    [GS_PV_P_INVERTER_KW] = {.name = "inverter_kw",
                             .unit = "kW",
                             .def = -1,
                             .min = -1,
                             .max = GS__PV_MAX_KW,
                             .doc = "inverter AC rating; -1: dc_kw / 1.2"},
    [GS_PV_P_INVERTER_EFF] = {.name = "inverter_eff",
                              .unit = "1",
                              .def = 0.96,
                              .min = 0.5,
                              .max = 0.99,
                              .doc = "inverter nominal efficiency"},
    [GS_PV_P_EXPORT_LIMIT] = {.name = "export_limit_kw",
                              .unit = "kW",
                              .def = -1,
                              .min = -1,
                              .max = GS__PV_MAX_KW,
                              .doc = "largest net export of the home; -1: "
                                     "none"},
    [GS_PV_P_BREAKER] = {.name = "breaker_amps",
                         .unit = "A",
                         .def = 40,
                         .min = 1,
                         .max = 400,
                         .integer = true,
                         .doc = "circuit breaker of the inverter"},
    [GS_PV_P_CRITICAL] = {.name = "critical",
                          .unit = "1",
                          .def = 0,
                          .min = 0,
                          .max = 1,
                          .integer = true,
                          .doc = "1: never shed"},
};

double gs_pv_cell_temp_c(double amb_c, double poa_w_m2, double noct_c) {
  /* NOCT is measured at 800 W/m2 and 20 degC ambient: the rise above
   * ambient is taken as proportional to irradiance. */
  return amb_c + (noct_c - 20.0) / 800.0 * poa_w_m2;
}

double gs_pv_dc_w(const gs_pv_array_t *a, double poa_w_m2, double cell_c) {
  if (!(poa_w_m2 > 0)) return 0;
  double dc_w = poa_w_m2 / 1000.0 * a->dc_w *
                (1.0 + a->gamma_per_c * (cell_c - 25.0)) * (1.0 - a->losses);
  return dc_w > 0 ? dc_w : 0;
}

double gs_pv_ac_w(double dc_w, double ac_rating_w, double eta_nom) {
  if (!(dc_w > 0) || !(ac_rating_w > 0)) return 0;
  double z = dc_w / (ac_rating_w / eta_nom);
  double eta = eta_nom / GS_PV_ETA_REF * (-0.0162 * z - 0.0059 / z + 0.9858);
  double ac_w = eta * dc_w;
  /* Below a few tenths of a per cent of rating the curve goes negative:
   * the inverter simply does not run (pvlib clips likewise). Above its
   * rating it clips. */
  if (ac_w < 0) return 0;
  return ac_w < ac_rating_w ? ac_w : ac_rating_w;
}

double gs_pv_power_w(const gs_pv_array_t *a, double ghi_w_m2, double amb_c) {
  double poa = ghi_w_m2 * a->tilt_factor;
  double cell_c = gs_pv_cell_temp_c(amb_c, poa, a->noct_c);
  return gs_pv_ac_w(gs_pv_dc_w(a, poa, cell_c), a->ac_w, a->eta_nom);
}

gs_time_us_t gs_pv_next_us(const void *state) {
  return ((const gs__pv_t *)state)->next_us;
}

int64_t gs_pv_available_mw(const void *state) {
  return ((const gs__pv_t *)state)->avail_mw;
}

static gs_pv_array_t gs__pv_array(const gs__pv_t *s) {
  return (gs_pv_array_t){.dc_w = s->dc_w,
                         .tilt_factor = s->tilt,
                         .losses = s->losses,
                         .gamma_per_c = s->gamma,
                         .noct_c = s->noct_c,
                         .ac_w = s->ac_w,
                         .eta_nom = s->eta_nom};
}

/* Sets the power at the meter from the available output and the limits.
 * The export limit needs the rest of the home's net load: it is read from
 * the VEN's meter now, so it is honoured at this model's own events only
 * (a load switching off between two weather steps may let the export
 * exceed the limit until the next step). */
static void gs__pv_apply(gs_engine_t *eng, gs__pv_t *s) {
  int64_t gen_mw = s->enabled ? s->avail_mw : 0;
  if (s->limit_mw >= 0 && gen_mw > s->limit_mw) gen_mw = s->limit_mw;
  if (s->export_mw >= 0) {
    int64_t others_mw = 0;
    if (s->meter != GS_METER_NONE)
      others_mw =
          gs_meters_power_mw(gs_engine_meters(eng), s->meter) - s->power_mw;
    int64_t allowed_mw = s->export_mw + others_mw;
    if (allowed_mw < 0) allowed_mw = 0;
    if (gen_mw > allowed_mw) gen_mw = allowed_mw;
  }
  int64_t delta_mw = -gen_mw - s->power_mw;
  s->power_mw = (int32_t)-gen_mw;
  if (delta_mw != 0 && s->meter != GS_METER_NONE)
    gs_engine_add_power(eng, s->meter, delta_mw);
}

/* Sets avail_mw from the weather's GHI and temperature. */
static void gs__pv_sample_at(gs__pv_t *s, double ghi_w_m2, double temp_c) {
  gs_pv_array_t a = gs__pv_array(s);
  double w = gs_pv_power_w(&a, ghi_w_m2, temp_c);
  s->avail_mw = (int32_t)llround(w * 1000.0);
}

/* Reads the weather of the step holding `now_us` into avail_mw. */
static void gs__pv_sample(gs__pv_t *s, gs_time_us_t now_us) {
  gs__pv_sample_at(s, gs_weather_ghi_w_m2(s->weather, now_us),
                   gs_weather_temp_c(s->weather, now_us));
}

void gs_pv_weather_step(gs_engine_t *eng, void *states, size_t n,
                        double ghi_w_m2, double temp_c) {
  unsigned char *base = states;
  for (size_t i = 0; i < n; i++) {
    gs__pv_t *s = (gs__pv_t *)(void *)(base + i * sizeof *s);
    if (!s->swept) continue;
    /* In the dark an array that produces nothing stays at nothing. */
    if (!(ghi_w_m2 > 0) && s->avail_mw == 0) continue;
    /* Exactly the GS_EV_PV_STEP of an unswept array. */
    gs__pv_sample_at(s, ghi_w_m2, temp_c);
    gs__pv_apply(eng, s);
  }
}

/* Time of the next event: the next weather step if the sun is up, else
 * the first later step with GHI > 0 (found by reading the weather, with no
 * event in between), or a re-check at the horizon. */
static gs_time_us_t gs__pv_next_change(const gs__pv_t *s, gs_time_us_t now_us) {
  gs_time_us_t t_us = gs_weather_next_change_us(s->weather, now_us);
  if (t_us <= now_us) return GS_TIME_NEVER; /* the weather ends here */
  if (gs_weather_ghi_w_m2(s->weather, now_us) > 0) return t_us;
  gs_time_us_t horizon_us = now_us + GS__PV_SUN_HORIZON_US;
  while (t_us < horizon_us) {
    if (gs_weather_ghi_w_m2(s->weather, t_us) > 0) return t_us;
    gs_time_us_t n_us = gs_weather_next_change_us(s->weather, t_us);
    if (n_us <= t_us) return GS_TIME_NEVER;
    t_us = n_us;
  }
  return horizon_us;
}

static void gs__pv_reschedule(gs_engine_t *eng, gs_entity_id_t self,
                              gs__pv_t *s) {
  gs_engine_cancel(eng, s->next);
  s->next = GS_EVENT_HANDLE_NONE;
  s->next_us = GS_TIME_NEVER;
  if (s->swept) return; /* the weather sweep takes the steps from here */
  s->next_us = gs__pv_next_change(s, gs_engine_now(eng));
  if (s->next_us == GS_TIME_NEVER) return;
  s->next = gs_engine_schedule(eng, self, s->next_us, GS_PHASE_MODEL,
                               GS_EV_PV_STEP, 0, 0);
}

static gs_err_t gs__pv_init(gs_engine_t *eng, gs_entity_id_t self, void *state,
                            const gs_model_init_t *init, gs_errbuf_t *eb) {
  gs__pv_t *s = state;
  const double *p = init->params;
  const char *id = init->id ? init->id : "pv";
  const gs_world_t *w = init->world;
  if (w == NULL || w->weather == NULL)
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: a pv load needs the run's weather", id);
  double inv_kw = p[GS_PV_P_INVERTER_KW];
  if (inv_kw == -1) inv_kw = p[GS_PV_P_DC_KW] / 1.2;
  if (!(inv_kw > 0 && p[GS_PV_P_DC_KW] > 0))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: inverter_kw must be -1 or > 0, found %g", id,
                         p[GS_PV_P_INVERTER_KW]);
  double exp_kw = p[GS_PV_P_EXPORT_LIMIT];
  if (!(exp_kw == -1 || exp_kw >= 0))
    return gs_errbuf_set(eb, GS_ESCENARIO,
                         "%s: export_limit_kw must be -1 or >= 0, found %g", id,
                         exp_kw);
  s->weather = w->weather;
  s->meter = init->meter;
  s->next = GS_EVENT_HANDLE_NONE;
  s->next_us = GS_TIME_NEVER;
  s->dc_w = (float)(p[GS_PV_P_DC_KW] * 1000.0);
  s->tilt = (float)p[GS_PV_P_TILT_FACTOR];
  s->losses = (float)p[GS_PV_P_LOSSES];
  s->gamma = (float)p[GS_PV_P_TEMP_COEFF];
  s->noct_c = (float)p[GS_PV_P_NOCT];
  s->ac_w = (float)(inv_kw * 1000.0);
  s->eta_nom = (float)p[GS_PV_P_INVERTER_EFF];
  s->export_mw = exp_kw < 0 ? -1 : (int32_t)llround(exp_kw * 1e6);
  /* With an export limit the output depends on the rest of the home at
   * the instant it is computed, so such an array keeps its own events,
   * ordered among the home's. */
  s->swept = w->weather_sweep && s->export_mw < 0;
  s->limit_mw = -1;
  s->breaker_a = (uint16_t)llround(p[GS_PV_P_BREAKER]);
  s->enabled = 1;
  s->critical = p[GS_PV_P_CRITICAL] != 0;
  /* The first output is set by an event at the start, not here: the
   * export limit reads the home's meter, which is complete only once every
   * load of the VEN exists. */
  s->next_us = gs_engine_now(eng);
  s->next = gs_engine_schedule(eng, self, s->next_us, GS_PHASE_MODEL,
                               GS_EV_PV_STEP, 0, 0);
  return GS_OK;
}

/* setLoad: a capacity limit curtails the output (the inverter's power
 * limit, as with a utility export limit); enabled = false opens the
 * breaker. The next weather event is unchanged. */
static void gs__pv_set(gs_engine_t *eng, gs__pv_t *s, const gs_event_t *ev) {
  s->limit_mw = ev->arg < 0           ? -1
                : ev->arg > INT32_MAX ? INT32_MAX
                                      : (int32_t)ev->arg;
  if (ev->arg2 & 2u) s->enabled = (ev->arg2 & 1u) != 0;
  gs__pv_apply(eng, s);
}

static void gs__pv_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                          const gs_event_t *ev) {
  gs__pv_t *s = state;
  switch (ev->kind) {
    case GS_EV_PV_STEP:
      GS_ASSERT(gs_event_handle(ev) == s->next);
      s->next = GS_EVENT_HANDLE_NONE;
      gs__pv_sample(s, gs_engine_now(eng));
      gs__pv_apply(eng, s);
      gs__pv_reschedule(eng, self, s);
      break;
    case GS_EV_LOAD_SET:
      gs__pv_set(eng, s, ev);
      break;
    default:
      /* A generator has nothing to shed: GS_EV_LOAD_SHED, RESTORE and
       * NOTICE are ignored with the other common kinds. An unknown model
       * kind is a programming error. */
      GS_ASSERT(ev->kind < GS_EV_MODEL);
      break;
  }
}

static void gs__pv_status(const void *state, gs_time_us_t now_us,
                          gs_load_status_t *out) {
  const gs__pv_t *s = state;
  (void)now_us;
  out->power_mw = s->power_mw;
  out->capacity_mw = (int64_t)s->breaker_a * GS__PV_VOLTS * 1000;
  /* Generation is negative load: shedding it would raise the home's net
   * load, so PV offers nothing to a shed. */
  out->shed_capability_mw = 0;
  out->comfort_cost = 0;
  out->soc_pct = -1;
  out->enabled = s->enabled;
  out->critical = s->critical;
  out->shedding = false;
}

static uint32_t gs__pv_meter_of(const void *state) {
  return ((const gs__pv_t *)state)->meter;
}

const gs_model_type_t gs_model_pv = {
    .name = "pv",
    .doc = "rooftop PV: PVWatts v5 output from the run's weather",
    .role = GS_ROLE_LOAD,
    .state_size = sizeof(gs__pv_t),
    .params = gs__pv_params,
    .n_params = GS_PV_NPARAMS,
    .init = gs__pv_init,
    .handle = gs__pv_handle,
    .meter_of = gs__pv_meter_of,
    .finish = NULL,
    .status = gs__pv_status,
    .reads_meter = true, /* an export limit reads the meter */
};
