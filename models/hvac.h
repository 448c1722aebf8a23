/* SPDX-License-Identifier: MIT */
/* The HVAC-with-house load model: parameter indices, event kinds, the
 * closed-form two-node (ETP) thermal solution and the equipment curves,
 * exported for the model, its tests and tools. */
#ifndef GRIDSIM_MODELS_HVAC_H
#define GRIDSIM_MODELS_HVAC_H

#include <stdbool.h>

#include "gridsim/model.h"
#include "gridsim/time.h"

/* Parameter order of gs_model_hvac.params (and of gs_model_init.params).
 * Parameters whose default is -1 are derived ("auto"), see hvac_etp.c. */
enum {
  GS_HVAC_P_MODE,          /* mode: ac, heat_pump, resistance         */
  GS_HVAC_P_FLOOR_AREA,    /* floor_area_m2                           */
  GS_HVAC_P_UA,            /* ua_w_per_k (-1: auto)                   */
  GS_HVAC_P_CA,            /* ca_kj_per_k (-1: auto)                  */
  GS_HVAC_P_CM,            /* cm_kj_per_k (-1: auto)                  */
  GS_HVAC_P_HM,            /* hm_w_per_k (-1: auto)                   */
  GS_HVAC_P_SOLAR,         /* solar_gain_m2 (-1: auto)                */
  GS_HVAC_P_GAINS,         /* internal_gains_w (-1: auto)             */
  GS_HVAC_P_CAPACITY,      /* capacity_kw (-1: autosize)              */
  GS_HVAC_P_COP,           /* cop (cooling, at 35 degC outdoors)      */
  GS_HVAC_P_HEATING_COP,   /* heating_cop (heat pump, at 8.3 degC)    */
  GS_HVAC_P_FAN,           /* fan_w (-1: auto)                        */
  GS_HVAC_P_HEAT_DESIGN,   /* heating_design_c                        */
  GS_HVAC_P_SETPOINT,      /* setpoint_c (cooling)                    */
  GS_HVAC_P_HEAT_SETPOINT, /* heating_setpoint_c                      */
  GS_HVAC_P_DEADBAND,      /* deadband_c                              */
  GS_HVAC_P_SETBACK,       /* setback_c                               */
  GS_HVAC_P_SETBACK_START, /* setback_start_h                         */
  GS_HVAC_P_SETBACK_END,   /* setback_end_h                           */
  GS_HVAC_P_UTC_OFFSET,    /* utc_offset_h                            */
  GS_HVAC_P_AWAY,          /* away_setup_c                            */
  GS_HVAC_P_AWAY_START,    /* away_start_h                            */
  GS_HVAC_P_AWAY_END,      /* away_end_h                              */
  GS_HVAC_P_AWAY_DAYS,     /* away_days: weekdays, all                */
  GS_HVAC_P_DR_MODE,       /* dr_mode: offset, duty_limit, curtail    */
  GS_HVAC_P_DR_OFFSET,     /* dr_offset_c                             */
  GS_HVAC_P_DR_DUTY,       /* dr_duty_limit                           */
  GS_HVAC_P_DR_WINDOW,     /* dr_window_s                             */
  GS_HVAC_P_COMFORT_MAX,   /* comfort_max_c                           */
  GS_HVAC_P_COMFORT_MIN,   /* comfort_min_c                           */
  GS_HVAC_P_PRECOOL,       /* precool_s                               */
  GS_HVAC_P_PRECOOL_OFF,   /* precool_offset_c                        */
  GS_HVAC_P_OUTDOOR,       /* outdoor_c (only without a weather)      */
  GS_HVAC_P_CRITICAL,      /* critical                                */
  GS_HVAC_P_BREAKER,       /* breaker_amps                            */
  GS_HVAC_P_PRICE_THRESHOLD, /* price_threshold (PRICE signals)       */
  GS_HVAC_P_PRICE_GAIN,    /* price_gain_c_per_usd                    */
  GS_HVAC_P_PRICE_MAX,     /* price_max_offset_c                      */
  GS_HVAC_NPARAMS
};

/* The parameter table, in the order above (hvac_params.c). */
extern const gs_param_spec_t gs_hvac_params[GS_HVAC_NPARAMS];

enum { GS_HVAC_MODE_AC, GS_HVAC_MODE_HEAT_PUMP, GS_HVAC_MODE_RESISTANCE };
enum { GS_HVAC_DR_OFFSET, GS_HVAC_DR_DUTY, GS_HVAC_DR_CURTAIL };

/* The one model event: the pending timer. It fires at the earliest of a
 * thermostat edge, a weather step, a schedule change (setback, pre-cooling,
 * duty-limit lock) and the comfort limit; the model re-evaluates there. */
/* TIMER: a crossing, or a change of inputs that changes the thermostat's
 * or the DR state. STEP: a weather step while running, where only the
 * electric power changes (see gs__next_event_us in hvac.c). */
enum { GS_EV_HVAC_TIMER = GS_EV_MODEL, GS_EV_HVAC_STEP };

/* Sensible heat delivered per unit of rated cooling capacity: GridLAB-D
 * house_e (update_system, use_latent_heat) removes capacity / (1 + 0.1 +
 * latent_load_fraction) of sensible heat, latent_load_fraction = 0.3 at
 * humid conditions. */
#define GS_HVAC_SENSIBLE_SHARE (1.0 / 1.4)

/* Fraction of internal and solar gains that goes to the mass node
 * (GridLAB-D mass_internal_gain_fraction and mass_solar_gain_fraction). */
#define GS_HVAC_MASS_GAIN_SHARE 0.5

/* The four equivalent thermal parameters of the house (SI units). */
typedef struct gs_hvac_etp {
  double ua_w_k; /* air to outdoors: envelope conduction + infiltration */
  double ca_j_k; /* air (and furnishings' surface) heat capacity       */
  double cm_j_k; /* mass (structure, contents) heat capacity           */
  double hm_w_k; /* air to mass heat transfer coefficient              */
} gs_hvac_etp_t;

/* Everything derived from a floor area the way GridLAB-D's house_e does
 * (see hvac_etp.c for the formulas and their sources). */
typedef struct gs_hvac_house {
  gs_hvac_etp_t etp;
  double solar_m2;       /* aperture: W of gain per W/m2 on glazing  */
  double gains_w;        /* mean sensible internal gains             */
  double design_gains_w; /* GridLAB-D's design internal gains         */
  double cooling_w;      /* autosized cooling capacity (thermal)     */
  double fan_w;          /* air-handler fan for that capacity        */
} gs_hvac_house_t;

/* Fills `out` from a conditioned floor area (m2), with the heating
 * capacity left to gs_hvac_heating_size_w(). */
void gs_hvac_house_defaults(double floor_area_m2, gs_hvac_house_t *out);

/* GridLAB-D's autosizing: cooling capacity (W thermal) for a house of
 * `ua_w_k`, design gains and a solar aperture, rounded up to half a ton. */
double gs_hvac_cooling_size_w(double ua_w_k, double design_gains_w,
                              double solar_m2);
/* Resistance heating capacity: UA x (21.1 degC - design temperature),
 * rounded up to 10,000 Btu/h (2.93 kW). */
double gs_hvac_heating_size_w(double ua_w_k, double design_c);
/* Fan power for a cooling capacity (GridLAB-D fan_design_power). */
double gs_hvac_fan_size_w(double cooling_w);

/* Equipment curves of GridLAB-D house_e (update_system, the DEFAULT
 * curves), as multipliers of the rated values, outdoor temperature in
 * degC. Cooling: capacity and electric input ratio (1/COP), both 1 at
 * 35 degC (95 degF). Heat pump: capacity and 1/COP, 1 at 8.3 degC. */
double gs_hvac_cool_cap_mult(double outdoor_c);
double gs_hvac_cool_eir_mult(double outdoor_c);
double gs_hvac_heat_cap_mult(double outdoor_c);
double gs_hvac_heat_eir_mult(double outdoor_c);

/* One segment of the ETP model with constant inputs: the closed form
 *   Ta(t) = k1 e^(r1 t) + k2 e^(r2 t) + teq,
 *   Tm(t) = a3 k1 e^(r1 t) + a4 k2 e^(r2 t) + tm_ss,
 * t in seconds from the segment start, r2 < r1 < 0. */
typedef struct gs_hvac_seg {
  double r1_s, r2_s; /* eigenvalues, 1/s            */
  double k1_c, k2_c; /* amplitudes of the two modes */
  double teq_c;      /* steady-state air temp       */
  double tm_ss_c;    /* steady-state mass temp      */
  double a3, a4;     /* mode shapes of the mass     */
  double ta0_c, tm0_c; /* the start values, returned exactly at t = 0 */
  double memo_s, e1, e2; /* e^(r1 t), e^(r2 t) at t = memo_s (or NaN)   */
} gs_hvac_seg_t;

/* What a segment takes from the house alone (its four parameters): the
 * eigenvalues and mode shapes, the same for every segment of a house,
 * and the reciprocals a segment's solution multiplies by (a walk solves
 * about five segments per modes: a division each here instead of on
 * every segment's critical path). */
typedef struct gs_hvac_modes {
  double r1_s, r2_s, a3, a4;
  double inv_ua, inv_ca, inv_hm, inv_dr; /* 1/UA, 1/Ca, 1/Hm, 1/(r2 - r1) */
} gs_hvac_modes_t;

void gs_hvac_modes(const gs_hvac_etp_t *h, gs_hvac_modes_t *out);

/* Solves a segment from air and mass temperatures `ta0_c`, `tm0_c`, the
 * outdoor temperature `to_c`, heat flows into the air `qa_w` (HVAC plus the
 * air share of gains) and into the mass `qm_w`. */
void gs_hvac_seg_solve(const gs_hvac_etp_t *h, double ta0_c, double tm0_c,
                       double to_c, double qa_w, double qm_w,
                       gs_hvac_seg_t *out);
/* The same, with the house's modes from gs_hvac_modes (bit for bit the
 * same segment, without recomputing them). */
void gs_hvac_seg_solve_m(const gs_hvac_etp_t *h, const gs_hvac_modes_t *m,
                         double ta0_c, double tm0_c, double to_c, double qa_w,
                         double qm_w, gs_hvac_seg_t *out);
/* Computes the exponentials at `t_s` once for the reads at that instant
 * that follow (gs_hvac_seg_ta, _eval, _time_to's horizon): the same values
 * as without, fewer exp calls. */
void gs_hvac_seg_memo(gs_hvac_seg_t *s, double t_s);
/* The same, taking the exponentials from `prev` (a segment with the same
 * eigenvalues) when it memoised the same instant: exp of the very same
 * products, so the same values. A house walking whole weather steps
 * computes them once per walk instead of once per step. */
void gs_hvac_seg_memo_like(gs_hvac_seg_t *s, double t_s,
                           const gs_hvac_seg_t *prev);
double gs_hvac_seg_ta(const gs_hvac_seg_t *s, double t_s);
double gs_hvac_seg_tm(const gs_hvac_seg_t *s, double t_s);
/* Both temperatures at `t_s` (one exponential per mode for the two). */
void gs_hvac_seg_eval(const gs_hvac_seg_t *s, double t_s, double *ta_c,
                      double *tm_c);

/* First time t in [0, horizon_s] at which Ta(t) = edge_c, found by
 * Halley's method (GSL's Brent where it leaves the bracket) on a
 * bracket taken from the monotonic pieces of Ta (it has
 * at most one extremum); INFINITY if Ta does not reach the edge within the
 * horizon (horizon_s may be INFINITY). */
double gs_hvac_seg_time_to(const gs_hvac_seg_t *s, double edge_c,
                           double horizon_s);

/* The running houses of a run with a weather sweep, one bit per HVAC
 * state (models/hvac_sweep.c): the houses keep it, the sweep reads it.
 * Created empty; NULL if out of memory. Owned by the world (sim/world.c),
 * which gives it to the houses and the sweep through gs_world_t and frees
 * it after the engine has run. */
typedef struct gs_hvac_running gs_hvac_running_t;
gs_hvac_running_t *gs_hvac_running_create(void);
void gs_hvac_running_free(gs_hvac_running_t *r);

/* At a weather step (now, outdoor temperature `to_c` from then on): books
 * the new electric power of every running house of `states` (the n
 * contiguous states of gs_model_hvac), those of bitmap `run` (not NULL:
 * the houses whose steps the run's weather_sweep entity handles,
 * models/weather_sweep.c), in state order. */
void gs_hvac_weather_step(gs_engine_t *eng, void *states, size_t n,
                          const gs_hvac_running_t *run, double to_c);

/* Indoor air temperature of an HVAC `state` at `now_us` (not before its
 * last event), and its mass temperature. */
double gs_hvac_indoor_c(const void *state, gs_time_us_t now_us);
double gs_hvac_mass_c(const void *state, gs_time_us_t now_us);

/* True once the home has opted out of the present DR event at its comfort
 * limit (until the next shed). */
bool gs_hvac_opted_out(const void *state);
/* Degrees (C) by which the indoor air is past the edge of the occupant's
 * own deadband (above it when cooling, below when heating), 0 within it:
 * the integrand of the comfort-violation degree-hours of DR events. */
double gs_hvac_discomfort_c(const void *state, gs_time_us_t now_us);

/* The setpoint offset (degC, >= 0; away from conditioning) the present
 * price holds (0 without a price above the threshold). */
double gs_hvac_price_offset_c(const void *state);

/* True while the compressor (or resistance element) runs. */
bool gs_hvac_running(const void *state);

/* Time of the pending timer, or GS_TIME_NEVER. Not stored: the walk that
 * found it is made again (for tests and tools, not hot paths). */
gs_time_us_t gs_hvac_next_us(const void *state);

/* The present thermostat edges (deadband low and high) in degC. */
void gs_hvac_edges_c(const void *state, gs_time_us_t now_us, double *low_c,
                     double *high_c);

#endif /* GRIDSIM_MODELS_HVAC_H */
