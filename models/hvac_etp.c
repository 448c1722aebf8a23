/* SPDX-License-Identifier: MIT */
/* Thermal math of the HVAC load: the two-node equivalent thermal parameter
 * (ETP) house in closed form, its default parameters from a floor area, and
 * the equipment performance curves, all after GridLAB-D's house_e. */
#include <math.h>
#include <stddef.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "gridsim/error.h"
#include "hvac.h"

/* References.
 * [TSD] Z. T. Taylor, K. P. Schneider, J. C. Fuller, D. P. Chassin et al.,
 *       "GridLAB-D Technical Support Document: Residential End-Use Module
 *       Version 1.0", PNNL-17694, Pacific Northwest National Laboratory,
 *       2008 (the house model, sec. 2: ETP equations and their solution).
 * [ETP] N. W. Wilson, B. S. Wagner, W. G. Colborne, "Equivalent thermal
 *       parameters for an occupied gas-heated house", ASHRAE Trans. 91(2),
 *       1985, after R. C. Sonderegger, "Dynamic models of house heating
 *       based on equivalent thermal parameters", PhD thesis, Princeton
 *       University, 1978.
 * [GLD] GridLAB-D source, residential/house_e.cpp (init, update_model,
 *       update_system), github.com/gridlab-d/gridlab-d, 2025 snapshot:
 *       every default below cites the variable it is taken from.
 * [ASH] ASHRAE Handbook - Fundamentals 2017, ch. 17 (residential cooling
 *       and heating load calculations), internal gains of the RLF method.
 *
 * The ETP model ([TSD], [ETP]):
 *   Ca dTa/dt = UA (To - Ta) + Hm (Tm - Ta) + Qa
 *   Cm dTm/dt = Hm (Ta - Tm) + Qm
 * Qa = HVAC heat + (1 - f) (internal + solar gains), Qm = f (gains), with
 * f = 0.5 (GLD mass_internal_gain_fraction, mass_solar_gain_fraction).
 * Eliminating Tm (Tm = (Ca Ta' + (UA + Hm) Ta - UA To - Qa) / Hm from the
 * first line) gives a second-order linear ODE in Ta with constant inputs:
 *   a Ta'' + b Ta' + c Ta = d,
 *   a = Cm Ca / Hm, b = Cm (UA + Hm) / Hm + Ca, c = UA,
 *   d = Qa + Qm + UA To,
 * whose characteristic roots r1, r2 = (-b +- sqrt(b^2 - 4 a c)) / (2 a) are
 * real and negative (b^2 - 4ac = (Cm (UA+Hm)/Hm - Ca)^2 + 4 Ca Cm > 0).
 * Hence Ta(t) = k1 e^(r1 t) + k2 e^(r2 t) + Teq with Teq = d / c, and from
 * Ta(0) = Ta0, Ta'(0) = dTa0 (the air equation at t = 0):
 *   k1 = (r2 (Ta0 - Teq) - dTa0) / (r2 - r1),   k2 = Ta0 - Teq - k1.
 * Substituting into the expression of Tm:
 *   Tm(t) = A3 k1 e^(r1 t) + A4 k2 e^(r2 t) + Qm/Hm + (Qa + Qm)/UA + To,
 *   A3 = Ca r1 / Hm + (UA + Hm) / Hm,  A4 = Ca r2 / Hm + (UA + Hm) / Hm.
 * These are GLD's update_model constants (a, b, c, c1, c2, r1, r2, k1, k2,
 * A3, A4, Teq), in SI units. */

/* Imperial units of the GLD formulas, converted once here. */
#define GS__FT2_M2     0.09290304         /* ft2 -> m2                */
#define GS__BTUH_W     0.29307107         /* Btu/h -> W               */
#define GS__UA_IP_SI   (GS__BTUH_W * 1.8) /* Btu/(h degF) -> W/K   */
#define GS__C_IP_SI    (1055.05585 * 1.8) /* Btu/degF -> J/K       */
#define GS__FLUX_IP_SI 3.15459075         /* Btu/(h ft2) -> W/m2      */

static double gs__to_f(double c) {
  return c * 1.8 + 32.0;
}

void gs_hvac_house_defaults(double floor_area_m2, gs_hvac_house_t *out) {
  /* GLD house_e::init defaults for a one-storey house (number_of_stories
   * 1, aspect_ratio 1.5, ceiling_height 8 ft, window_wall_ratio 0.15,
   * 4 doors of 3 ft x 78 in), envelope R-values of GLD's built-in defaults
   * (Rroof 30, Rwall 19, Rfloor 22, Rdoors 5 h ft2 degF/Btu; windows of
   * two-pane low-e glass with thermal-break frames, U = 0.47, SHGC 0.67,
   * exterior transmission 0.6) and 0.5 air changes per hour: the same set
   * as GLD's thermal_integrity_level GOOD. */
  double area_ft2 = floor_area_m2 / GS__FT2_M2;
  double height_ft = 8.0, aspect = 1.5;
  double gross_wall_ft2 =
      2.0 * (aspect + 1.0) * height_ft * sqrt(area_ft2 / aspect);
  double window_ft2 = gross_wall_ft2 * 0.15;
  double door_ft2 = 4.0 * 3.0 * 78.0 / 12.0;
  double net_wall_ft2 = gross_wall_ft2 - window_ft2 - door_ft2;
  double volume_ft3 = height_ft * area_ft2;
  double air_mass_lb = 0.0735 * volume_ft3;    /* air_density      */
  double air_cap_btu_f = 0.2402 * air_mass_lb; /* air_heat_capacity */
  double envelope_ua = area_ft2 / 30.0 + area_ft2 / 22.0 + net_wall_ft2 / 19.0 +
                       window_ft2 * 0.47 + door_ft2 / 5.0;
  double infiltration_ua = 0.5 * air_cap_btu_f; /* airchange_per_hour */
  double ua_ip = envelope_ua + infiltration_ua;
  /* Ca: three times the air's heat capacity, for the surface effects of
   * furnishings (GLD air_thermal_mass). Cm: 2 Btu/degF per ft2 of floor,
   * less the air (total_thermal_mass_per_floor_area). Hm: 1.46 Btu/(h ft2
   * degF) over exterior walls, interior walls (1.5 x exterior) and ceiling
   * (interior_surface_heat_transfer_coeff, house_content_heat_transfer_
   * coeff). */
  double ca_ip = 3.0 * air_cap_btu_f;
  double cm_ip = 2.0 * area_ft2 - 2.0 * air_cap_btu_f;
  double hm_ip = 1.46 * (net_wall_ft2 + gross_wall_ft2 * 1.5 + area_ft2);
  /* GLD's solar gain is solar_heatgain_factor (window area x SHGC x
   * exterior transmission, ft2) times the mean incident irradiance on the
   * eight vertical orientations (the window area split evenly among them),
   * which the weather provides per step (weather_solar.c). Equipment is
   * sized for a design peak of 195 Btu/(h ft2) of that irradiance
   * (design_peak_solar, gs_hvac_cooling_size_w). */
  double aperture_m2 = window_ft2 * 0.67 * 0.6 * GS__FT2_M2;
  out->etp.ua_w_k = ua_ip * GS__UA_IP_SI;
  out->etp.ca_j_k = ca_ip * GS__C_IP_SI;
  out->etp.cm_j_k = cm_ip * GS__C_IP_SI;
  out->etp.hm_w_k = hm_ip * GS__UA_IP_SI;
  out->solar_m2 = aperture_m2;
  /* Design internal gains, GLD's regression 167.09 A^0.442 Btu/h. */
  out->design_gains_w = 167.09 * pow(area_ft2, 0.442) * GS__BTUH_W;
  /* Mean sensible gains, [ASH] RLF method: 136 + 2.2 A + 22 N_oc W with
   * N_oc = bedrooms + 1 = 4 (three bedrooms assumed). */
  out->gains_w = 136.0 + 2.2 * floor_area_m2 + 22.0 * 4.0;
  out->cooling_w = gs_hvac_cooling_size_w(out->etp.ua_w_k, out->design_gains_w,
                                          out->solar_m2);
  out->fan_w = gs_hvac_fan_size_w(out->cooling_w);
}

double gs_hvac_cooling_size_w(double ua_w_k, double design_gains_w,
                              double solar_m2) {
  /* GLD design_cooling_capacity: (1 + latent_load_fraction 0.3) x (UA x
   * (cooling_design_temperature 95 degF - design_cooling_setpoint 75 degF)
   * + design gains + design solar), rounded up to 6000 Btu/h; design
   * solar is the aperture under design_peak_solar, 195 Btu/(h ft2). */
  double dt_k = (95.0 - 75.0) / 1.8;
  double design_solar_w = solar_m2 * 195.0 * GS__FLUX_IP_SI;
  double load_w = 1.3 * (ua_w_k * dt_k + design_gains_w + design_solar_w);
  double step_w = 6000.0 * GS__BTUH_W;
  return ceil(load_w / step_w - 1e-9) * step_w;
}

double gs_hvac_heating_size_w(double ua_w_k, double design_c) {
  /* GLD design_heating_capacity for resistance heat: UA x
   * (design_heating_setpoint 70 degF - heating_design_temperature),
   * rounded up to 10,000 Btu/h. */
  double dt_k = (70.0 - gs__to_f(design_c)) / 1.8;
  double step_w = 10000.0 * GS__BTUH_W;
  double load_w = ua_w_k * (dt_k > 0 ? dt_k : 0);
  double n = ceil(load_w / step_w - 1e-9);
  return (n < 1 ? 1 : n) * step_w;
}

double gs_hvac_fan_size_w(double cooling_w) {
  /* GLD fan_design_airflow and fan_design_power: design airflow for the
   * sensible capacity at a 25 degF supply-air difference (75 - 50 degF),
   * 0.5 in of water across the ducts, 42 % fan efficiency, motor rounded
   * up to 1/8 hp and 88 % efficient. */
  double cap_btuh = cooling_w / GS__BTUH_W;
  double cfm = cap_btuh / 1.3 / (0.0735 * 0.2402 * (75.0 - 50.0)) / 60.0;
  double hp = 0.117 * 0.5 * cfm / 0.42 / 745.7;
  return ceil(hp * 8.0 - 1e-9) / 8.0 * 745.7 / 0.88;
}

/* GLD update_system, cooling_cap_curve and cooling_cop_curve DEFAULT:
 * capacity x (1.48924533 - 0.00514995 T) and COP / (-0.01363961 +
 * 0.01066989 T), T outdoor in degF (clamped at 40 degF for the COP); both
 * factors are 1.000 at 95 degF, so the rating point is 35 degC. The COP
 * factor is an electric input ratio that rises linearly with T. */
double gs_hvac_cool_cap_mult(double outdoor_c) {
  return 1.48924533 - 0.00514995 * gs__to_f(outdoor_c);
}

double gs_hvac_cool_eir_mult(double outdoor_c) {
  double t_f = gs__to_f(outdoor_c);
  if (t_f < 40.0) t_f = 40.0;
  return -0.01363961 + 0.01066989 * t_f;
}

/* GLD heating_cap_curve and heating_cop_curve DEFAULT (heat pump):
 * capacity x (0.34148808 + 0.00894102 T + 0.00010787 T^2) and COP /
 * (2.03914613 - 0.03906753 T + 0.00045617 T^2 - 0.00000203 T^3), T in
 * degF (clamped at 80 degF for the COP): 1.000 at 47 degF (8.3 degC). */
double gs_hvac_heat_cap_mult(double outdoor_c) {
  double t_f = gs__to_f(outdoor_c);
  return 0.34148808 + 0.00894102 * t_f + 0.00010787 * t_f * t_f;
}

double gs_hvac_heat_eir_mult(double outdoor_c) {
  double t_f = gs__to_f(outdoor_c);
  if (t_f > 80.0) t_f = 80.0;
  return 2.03914613 - 0.03906753 * t_f + 0.00045617 * t_f * t_f -
         0.00000203 * t_f * t_f * t_f;
}

void gs_hvac_modes(const gs_hvac_etp_t *h, gs_hvac_modes_t *out) {
  double ua = h->ua_w_k, ca = h->ca_j_k, cm = h->cm_j_k, hm = h->hm_w_k;
  GS_ASSERT(ua > 0 && ca > 0 && cm > 0 && hm > 0);
  double inv_hm = 1.0 / hm;
  double a = cm * ca * inv_hm;
  double b = cm * (ua + hm) * inv_hm + ca;
  double c = ua;
  /* The roots of a r^2 + b r + c in the cancellation-free form
   * q = -(b + sqrt(disc)) / 2, r2 = q / a, r1 = c / q: the same values as
   * GLD's r +- rr, without losing digits of the slow root r1. */
  double q = -0.5 * (b + sqrt(b * b - 4.0 * a * c));
  out->r1_s = c / q;
  out->r2_s = q / a;
  out->a3 = (ca * out->r1_s + ua + hm) * inv_hm;
  out->a4 = (ca * out->r2_s + ua + hm) * inv_hm;
  out->inv_ua = 1.0 / ua;
  out->inv_ca = 1.0 / ca;
  out->inv_hm = inv_hm;
  out->inv_dr = 1.0 / (out->r2_s - out->r1_s);
}

/* Multiplications by the modes' reciprocals only: the two divisions that
 * followed one another here (Teq, then k1 from it) were most of a
 * segment's latency, and the walk waits on each segment. */
void gs_hvac_seg_solve_m(const gs_hvac_etp_t *h, const gs_hvac_modes_t *m,
                         double ta0_c, double tm0_c, double to_c, double qa_w,
                         double qm_w, gs_hvac_seg_t *out) {
  double ua = h->ua_w_k, hm = h->hm_w_k;
  double r1 = m->r1_s, r2 = m->r2_s;
  /* Teq = (Qa + Qm + UA To) / UA. */
  double teq = to_c + (qa_w + qm_w) * m->inv_ua;
  /* Ta'(0) from the air equation (GLD dTair = c2 Tm + c1 Ta - (c1 + c2)
   * To + Qa / Ca, c1 = -(UA + Hm) / Ca, c2 = Hm / Ca). */
  double dta0 =
      (ua * (to_c - ta0_c) + hm * (tm0_c - ta0_c) + qa_w) * m->inv_ca;
  out->r1_s = r1;
  out->r2_s = r2;
  out->k1_c = (r2 * (ta0_c - teq) - dta0) * m->inv_dr;
  out->k2_c = ta0_c - teq - out->k1_c;
  out->teq_c = teq;
  out->tm_ss_c = teq + qm_w * m->inv_hm;
  out->a3 = m->a3;
  out->a4 = m->a4;
  out->ta0_c = ta0_c;
  out->tm0_c = tm0_c;
  out->memo_s = NAN;
}

void gs_hvac_seg_solve(const gs_hvac_etp_t *h, double ta0_c, double tm0_c,
                       double to_c, double qa_w, double qm_w,
                       gs_hvac_seg_t *out) {
  gs_hvac_modes_t m;
  gs_hvac_modes(h, &m);
  gs_hvac_seg_solve_m(h, &m, ta0_c, tm0_c, to_c, qa_w, qm_w, out);
}

void gs_hvac_seg_memo(gs_hvac_seg_t *s, double t_s) {
  s->memo_s = t_s;
  s->e1 = exp(s->r1_s * t_s);
  s->e2 = exp(s->r2_s * t_s);
}

void gs_hvac_seg_memo_like(gs_hvac_seg_t *s, double t_s,
                           const gs_hvac_seg_t *prev) {
  if (t_s == prev->memo_s && s->r1_s == prev->r1_s && s->r2_s == prev->r2_s) {
    s->memo_s = t_s;
    s->e1 = prev->e1;
    s->e2 = prev->e2;
    return;
  }
  gs_hvac_seg_memo(s, t_s);
}

/* e^(r1 t) and e^(r2 t), from the memo when it holds them. */
static void gs__modes_at(const gs_hvac_seg_t *s, double t_s, double *e1,
                         double *e2) {
  if (t_s == s->memo_s) {
    *e1 = s->e1;
    *e2 = s->e2;
    return;
  }
  *e1 = exp(s->r1_s * t_s);
  *e2 = exp(s->r2_s * t_s);
}

/* At t = 0 the start values themselves, not k1 + k2 + teq (which differs
 * from Ta0 in the last bits): a state read at the instant a segment starts
 * is then the same whether it is read from the segment that ends there or
 * the one that begins, so a model may split a segment at any instant, or
 * not, without changing a result. */
double gs_hvac_seg_ta(const gs_hvac_seg_t *s, double t_s) {
  if (t_s == 0) return s->ta0_c;
  double e1, e2;
  gs__modes_at(s, t_s, &e1, &e2);
  return s->k1_c * e1 + s->k2_c * e2 + s->teq_c;
}

double gs_hvac_seg_tm(const gs_hvac_seg_t *s, double t_s) {
  if (t_s == 0) return s->tm0_c;
  double e1, e2;
  gs__modes_at(s, t_s, &e1, &e2);
  return s->a3 * s->k1_c * e1 + s->a4 * s->k2_c * e2 + s->tm_ss_c;
}

void gs_hvac_seg_eval(const gs_hvac_seg_t *s, double t_s, double *ta_c,
                      double *tm_c) {
  if (t_s == 0) {
    *ta_c = s->ta0_c;
    *tm_c = s->tm0_c;
    return;
  }
  /* The same products and sums as gs_hvac_seg_ta and _tm, bit for bit. */
  double e1, e2;
  gs__modes_at(s, t_s, &e1, &e2);
  *ta_c = s->k1_c * e1 + s->k2_c * e2 + s->teq_c;
  *tm_c = s->a3 * s->k1_c * e1 + s->a4 * s->k2_c * e2 + s->tm_ss_c;
}

typedef struct gs__edge_fn {
  const gs_hvac_seg_t *seg;
  double edge_c;
} gs__edge_fn_t;

static double gs__edge_gap(double t_s, void *p) {
  const gs__edge_fn_t *e = p;
  return gs_hvac_seg_ta(e->seg, t_s) - e->edge_c;
}

/* Brent's method on [lo, hi], where the gap changes sign. The interval is
 * narrowed to 1e-7 s, far below the microsecond the event is rounded to. */
static double gs__brent(gs__edge_fn_t *e, double lo, double hi) {
  gsl_function fn = {.function = gs__edge_gap, .params = e};
  /* The solver lives on the stack, not in gsl_root_fsolver_alloc's two
   * mallocs: this runs for most thermostat edges of a fleet. Its state
   * (Brent's eight doubles) fits the buffer; set() initialises all of
   * it, as it does for an allocated solver. */
  _Alignas(max_align_t) unsigned char state[128];
  GS_ASSERT(gsl_root_fsolver_brent->size <= sizeof state);
  gsl_root_fsolver solver = {.type = gsl_root_fsolver_brent, .state = state};
  gsl_root_fsolver *s = &solver;
  int rc = gsl_root_fsolver_set(s, &fn, lo, hi);
  GS_ASSERT(rc == GSL_SUCCESS);
  double root = 0.5 * (lo + hi);
  for (int i = 0; i < 200; i++) {
    if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS) break;
    root = gsl_root_fsolver_root(s);
    if (gsl_root_test_interval(gsl_root_fsolver_x_lower(s),
                               gsl_root_fsolver_x_upper(s), 1e-7,
                               0) == GSL_SUCCESS)
      break;
  }
  return root;
}

/* Ta - edge and its first two derivatives, Ta' = k1 r1 e^(r1 t) +
 * k2 r2 e^(r2 t) and Ta'' = k1 r1^2 e^(r1 t) + k2 r2^2 e^(r2 t), from the
 * same two exponentials (Ta - edge bit for bit as gs__edge_gap's), and a
 * bound on |Ta'''|: |r2| (|k1 r1^2 e^(r1 t)| + |k2 r2^2 e^(r2 t)|), as
 * |r1| < |r2|. */
static void gs__edge_eval(const gs_hvac_seg_t *s, double edge_c, double t_s,
                          double *f, double *df, double *d2f, double *d3f) {
  double e1 = exp(s->r1_s * t_s), e2 = exp(s->r2_s * t_s);
  double g1 = s->k1_c * s->r1_s * e1, g2 = s->k2_c * s->r2_s * e2;
  double h1 = g1 * s->r1_s, h2 = g2 * s->r2_s;
  *f = s->k1_c * e1 + s->k2_c * e2 + s->teq_c - edge_c;
  *df = g1 + g2;
  *d2f = h1 + h2;
  *d3f = fabs(s->r2_s) * (fabs(h1) + fabs(h2));
}

/* The crossing on a bracket [lo, hi] where Ta is monotonic, by Halley's
 * method (x - 2 f f' / (2 f'^2 - f f''): Newton's with the curvature,
 * cubically convergent; the second derivative costs two products on the
 * same exponentials), started from the secant through the ends. It stops
 * once the step's own estimate puts the next error below 1e-8 s, 100
 * times finer than the microsecond the crossing is rounded to: after a
 * step dx Halley's error is about (f''^2 / (4 f'^2) - f''' / (6 f')) dx^3,
 * taken at most (f''^2 / 4 + |f'| B / 6) |dx|^3 / f'^2 with B the bound
 * on |f'''| (no division), an estimate trusted once |dx| < 1e-2 s (the
 * error is then of the order of the step). Measured at 20,000 homes over a day: 2.0
 * evaluations (exp pairs) per crossing where Newton iterated to
 * |dx| < 1e-6 s took 3.8; the crossings of the two land on another
 * microsecond in 6 cases in a million. Should an iterate leave the
 * bracket, where the method is not guaranteed to converge, GSL's Brent
 * takes over. */
static double gs__halley(gs__edge_fn_t *e, double lo, double hi, double f_lo,
                         double f_hi) {
  const gs_hvac_seg_t *s = e->seg;
  double x = lo + (hi - lo) * (f_lo / (f_lo - f_hi));
  if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
  double f, df, d2f, d3f;
  gs__edge_eval(s, e->edge_c, x, &f, &df, &d2f, &d3f);
  for (int i = 0; i < 50; i++) {
    double den = df * df - 0.5 * f * d2f;
    if (df == 0 || den == 0) break;
    double dx = f * df / den;
    double x1 = x - dx;
    if (!(x1 >= lo && x1 <= hi)) break;
    if (fabs(dx) < 1e-6 || x1 == x) return x1;
    if (fabs(dx) < 1e-2 &&
        (0.25 * d2f * d2f + fabs(df) * d3f / 6.0) * fabs(dx * dx * dx) <
            1e-8 * df * df)
      return x1;
    gs__edge_eval(s, e->edge_c, x1, &f, &df, &d2f, &d3f);
    if (!isfinite(f) || !isfinite(df) || !isfinite(d2f)) break;
    x = x1;
  }
  return gs__brent(e, lo, hi);
}

/* Root on one monotonic piece [lo, hi] (hi may be infinite), or INFINITY. */
static double gs__piece_root(gs__edge_fn_t *e, double lo, double hi) {
  double f_lo = gs__edge_gap(lo, e);
  if (f_lo == 0) return lo;
  if (isinf(hi)) {
    /* The piece tends to Teq: a crossing exists only if the edge lies
     * strictly between; then double a finite end until it is bracketed
     * (the slow time constant bounds the number of doublings). */
    double f_inf = e->seg->teq_c - e->edge_c;
    if (f_inf == 0 || (f_inf > 0) == (f_lo > 0)) return INFINITY;
    double span = 1.0 / -e->seg->r1_s;
    double b = lo + (span > 1 ? span : 1);
    for (int i = 0; i < 200 && (gs__edge_gap(b, e) > 0) == (f_lo > 0); i++)
      b = lo + 2 * (b - lo);
    hi = b;
  }
  double f_hi = gs__edge_gap(hi, e);
  if (f_hi == 0) return hi;
  if ((f_hi > 0) == (f_lo > 0)) return INFINITY;
  return gs__halley(e, lo, hi, f_lo, f_hi);
}

double gs_hvac_seg_time_to(const gs_hvac_seg_t *s, double edge_c,
                           double horizon_s) {
  gs__edge_fn_t e = {.seg = s, .edge_c = edge_c};
  /* Ta' = k1 r1 e^(r1 t) + k2 r2 e^(r2 t) vanishes at most once, at
   * e^((r1 - r2) t*) = -k2 r2 / (k1 r1): Ta is monotonic on [0, t*] and on
   * [t*, inf), so each piece holds at most one crossing and its end points
   * bracket it. The first piece with a sign change gives the first
   * crossing. */
  double t_ext = -1;
  if (s->k1_c != 0) {
    double num = -(s->k2_c * s->r2_s), den = s->k1_c * s->r1_s;
    /* log(ratio) <= 0 for ratio <= 1: no extremum at t > 0, no log. Most
     * segments have none, and then no division either: the rounded
     * quotient exceeds 1 only if the exact one does (rounding is
     * monotonic and 1 is a double), which the comparison of num with den
     * tells exactly. */
    if (den > 0 ? num > den : num < den) {
      double ratio = num / den;
      if (ratio > 1) t_ext = log(ratio) / (s->r1_s - s->r2_s);
    }
  }
  if (t_ext > 0 && t_ext < horizon_s) {
    double t = gs__piece_root(&e, 0, t_ext);
    if (!isinf(t)) return t;
    return gs__piece_root(&e, t_ext, horizon_s);
  }
  return gs__piece_root(&e, 0, horizon_s);
}
