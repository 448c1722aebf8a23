/* SPDX-License-Identifier: MIT */
/* Tests of what the HVAC model shares and shortens: a group's interned
 * parameters, the exact rounding of its hot paths and the crossing
 * search's skipped last evaluation. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "gridsim/engine.h"
#include "gridsim/rng.h"
#include "hvac.h"
#include "hvac_priv.h"
#include "models.h"
#include "test_util.h"

static void defaults(double *p) {
  for (size_t i = 0; i < GS_HVAC_NPARAMS; i++)
    p[i] = gs_model_hvac.params[i].def;
}

static gs_entity_id_t add_hvac(gs_engine_t *eng, uint64_t i, const double *p) {
  gs_errbuf_t eb = {{0}};
  gs_entity_id_t id;
  gs_err_t err =
      gs_engine_add_entity(eng, &gs_model_hvac,
                           &(gs_model_init_t){.seed = 5,
                                              .key = gs_rng_key("shared", i, 0),
                                              .params = p,
                                              .ven = GS_ENTITY_NONE,
                                              .meter = GS_METER_NONE,
                                              .id = "hvac1"},
                           &id, &eb);
  ck_assert_msg(err == GS_OK, "add hvac: %s", eb.msg);
  return id;
}

static const gs__hvac_t *state(gs_engine_t *eng, gs_entity_id_t id) {
  return gs_engine_state(eng, id);
}

/* One record per home of another model in between (as a VEN with a
 * sampled latency interns): the group's record must stay shared. */
static void intern_other(gs_engine_t *eng, uint64_t i) {
  uint64_t rec[4] = {0xfeedu, i, i * 3, i * 7};
  ck_assert_ptr_nonnull(gs_engine_intern(eng, rec, sizeof rec));
}

/* A group's houses share one parameter record, whatever each draws of
 * its own (floor area, setpoint, away setup, DR offset, setback); another
 * group has its own;
 * a parameter drawn per house gives each its record. */
START_TEST(test_group_record_shared) {
  gs_engine_t *eng = gs_test_engine(5);
  double p[GS_HVAC_NPARAMS];
  enum { N = 20 };
  gs_entity_id_t a[N], b[N];
  for (int i = 0; i < N; i++) {
    defaults(p);
    p[GS_HVAC_P_FLOOR_AREA] = 100.0 + 7.0 * i;
    p[GS_HVAC_P_SETPOINT] = 22.0 + 0.1 * i;
    p[GS_HVAC_P_AWAY] = i % 2 ? 1.5 : 0;
    /* Drawn per house by the shipped shed and winter scenarios. */
    p[GS_HVAC_P_DR_OFFSET] = 1.5 + 0.05 * i;
    p[GS_HVAC_P_SETBACK] = i % 3;
    a[i] = add_hvac(eng, (uint64_t)i, p);
    intern_other(eng, (uint64_t)i);
  }
  for (int i = 0; i < N; i++) {
    defaults(p);
    p[GS_HVAC_P_DEADBAND] = 2.0; /* the second group's thermostat */
    p[GS_HVAC_P_FLOOR_AREA] = 100.0 + 7.0 * i;
    b[i] = add_hvac(eng, (uint64_t)(N + i), p);
    intern_other(eng, (uint64_t)(N + i));
  }
  const gs__hvac_cfg_t *ca = state(eng, a[0])->cfg;
  const gs__hvac_cfg_t *cb = state(eng, b[0])->cfg;
  ck_assert_ptr_ne(ca, cb);
  ck_assert_uint_eq(ca->deadband_cc, 100);
  ck_assert_uint_eq(cb->deadband_cc, 200);
  for (int i = 1; i < N; i++) {
    ck_assert_ptr_eq(state(eng, a[i])->cfg, ca);
    ck_assert_ptr_eq(state(eng, b[i])->cfg, cb);
    /* What differs stays with the house. */
    ck_assert_float_ne(state(eng, a[i])->ua_w_k, state(eng, a[0])->ua_w_k);
    ck_assert_int_eq(state(eng, a[i])->setpoint_cc, 2200 + 10 * i);
    ck_assert_uint_eq(state(eng, a[i])->away_cc, i % 2 ? 150u : 0u);
    ck_assert_uint_eq(state(eng, a[i])->dr_val, 150u + 5u * (unsigned)i);
    ck_assert_uint_eq(state(eng, a[i])->setback_cc, 100u * (unsigned)(i % 3));
  }
  /* A thermostat drawn per house: a record each. */
  gs_entity_id_t c[3];
  for (int i = 0; i < 3; i++) {
    defaults(p);
    p[GS_HVAC_P_DEADBAND] = 1.0 + 0.25 * i;
    c[i] = add_hvac(eng, (uint64_t)(2 * N + i), p);
  }
  ck_assert_ptr_ne(state(eng, c[0])->cfg, state(eng, c[1])->cfg);
  ck_assert_ptr_ne(state(eng, c[1])->cfg, state(eng, c[2])->cfg);
  ck_assert_uint_eq(state(eng, c[2])->cfg->deadband_cc, 150);
  gs_engine_destroy(eng);
}
END_TEST

/* The state holds the narrow fields' ranges; beyond them init refuses. */
START_TEST(test_state_size) {
  ck_assert_ptr_eq(gs_model_find("hvac"), &gs_model_hvac);
  ck_assert_uint_le(gs_model_hvac.state_size, 104);
  ck_assert_uint_eq(gs_model_hvac.state_size, sizeof(gs__hvac_t));
  double p[GS_HVAC_NPARAMS];
  defaults(p);
  p[GS_HVAC_P_AWAY] = 10; /* the parameters' maxima fit */
  p[GS_HVAC_P_PRICE_MAX] = 10;
  p[GS_HVAC_P_SETBACK] = 10;
  p[GS_HVAC_P_DR_OFFSET] = 10;
  p[GS_HVAC_P_FAN] = 5000;
  gs_engine_t *eng = gs_test_engine(6);
  gs_entity_id_t id = add_hvac(eng, 1, p);
  ck_assert_uint_eq(state(eng, id)->away_cc, 1000);
  ck_assert_uint_eq(state(eng, id)->cfg->price_max_cc, 1000);
  ck_assert_uint_eq(state(eng, id)->setback_cc, 1000);
  ck_assert_uint_eq(state(eng, id)->dr_val, 1000);
  ck_assert_uint_eq(state(eng, id)->fan_w, 5000);
  p[GS_HVAC_P_DR_MODE] = GS_HVAC_DR_DUTY;
  p[GS_HVAC_P_DR_DUTY] = 1; /* 10000 in 1e-4 */
  id = add_hvac(eng, 2, p);
  ck_assert_uint_eq(state(eng, id)->dr_val, 10000);
  gs_engine_destroy(eng);
}
END_TEST

/* gs__hvac_llround is llround bit for bit: halves, their neighbours,
 * negatives, the integers above 2^52, and a spread of random values. */
START_TEST(test_llround_exact) {
  const double edge[] = {0.0,
                         -0.0,
                         0.5,
                         -0.5,
                         1.5,
                         -1.5,
                         2.5,
                         -2.5,
                         0.49999999999999994,
                         -0.49999999999999994,
                         4503599627370495.5,
                         -4503599627370495.5,
                         4503599627370497.0,
                         9007199254740993.0,
                         1e15 + 0.5,
                         4.611686018427388e18,
                         -4.6e18,
                         86400e6 + 0.5,
                         299999999.5,
                         299999999.49999994};
  for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
    double x = edge[i];
    ck_assert_int_eq(gs__hvac_llround(x), llround(x));
    ck_assert_int_eq(gs__hvac_llround(nextafter(x, INFINITY)),
                     llround(nextafter(x, INFINITY)));
    ck_assert_int_eq(gs__hvac_llround(nextafter(x, -INFINITY)),
                     llround(nextafter(x, -INFINITY)));
  }
  gs_rng_t rng;
  gs_rng_init(&rng, 9, 1, GS_RNG_BEHAVIOUR);
  for (int i = 0; i < 200000; i++) {
    double scale = pow(10.0, 12.0 * gs_rng_uniform(&rng));
    double x = (gs_rng_uniform(&rng) - 0.5) * scale;
    ck_assert_int_eq(gs__hvac_llround(x), llround(x));
    double h = floor(x) + 0.5; /* a half */
    ck_assert_int_eq(gs__hvac_llround(h), llround(h));
  }
}
END_TEST

/* A reference crossing: GSL's Newton iterated until a step is below
 * 1e-6 s (quadratic convergence: the root to the last bits), as the
 * search was until round 5. For a monotonic segment (k1, k2 of one sign)
 * the root of gs_hvac_seg_time_to (Halley's, stopped by its error
 * estimate) must be within 1e-8 s of it. Returns NAN where Newton would
 * leave for Brent (not compared). */
typedef struct ref_edge {
  const gs_hvac_seg_t *s;
  double edge_c, lo, hi;
} ref_edge_t;

static void ref_fdf(double t, void *p, double *f, double *df) {
  const ref_edge_t *e = p;
  t = t < e->lo ? e->lo : t > e->hi ? e->hi : t;
  double e1 = exp(e->s->r1_s * t), e2 = exp(e->s->r2_s * t);
  *f = e->s->k1_c * e1 + e->s->k2_c * e2 + e->s->teq_c - e->edge_c;
  *df = e->s->k1_c * e->s->r1_s * e1 + e->s->k2_c * e->s->r2_s * e2;
}
static double ref_f(double t, void *p) {
  double f, df;
  ref_fdf(t, p, &f, &df);
  return f;
}
static double ref_df(double t, void *p) {
  double f, df;
  ref_fdf(t, p, &f, &df);
  return df;
}

static double ref_root(const gs_hvac_seg_t *s, double edge_c, double h) {
  ref_edge_t e = {s, edge_c, 0, h};
  double f_lo = s->ta0_c - edge_c;
  double f_hi = gs_hvac_seg_ta(s, h) - edge_c;
  if (f_lo == 0 || f_hi == 0 || (f_hi > 0) == (f_lo > 0)) return NAN;
  gsl_function_fdf fdf = {
      .f = ref_f, .df = ref_df, .fdf = ref_fdf, .params = &e};
  gsl_root_fdfsolver *sv = gsl_root_fdfsolver_alloc(gsl_root_fdfsolver_newton);
  double x = h * (f_lo / (f_lo - f_hi)), root = NAN;
  if (!(x > 0 && x < h)) x = 0.5 * h;
  gsl_root_fdfsolver_set(sv, &fdf, x);
  for (int i = 0; i < 50; i++) {
    double x0 = gsl_root_fdfsolver_root(sv);
    if (gsl_root_fdfsolver_iterate(sv) != GSL_SUCCESS) break;
    x = gsl_root_fdfsolver_root(sv);
    if (!(x >= 0 && x <= h)) break;
    if (gsl_root_test_delta(x, x0, 1e-6, 0) == GSL_SUCCESS) {
      root = x;
      break;
    }
  }
  gsl_root_fdfsolver_free(sv);
  return root;
}

START_TEST(test_crossing_near_root) {
  const gs_hvac_etp_t h = {
      .ua_w_k = 250, .ca_j_k = 1.6e6, .cm_j_k = 6.5e6, .hm_w_k = 4000};
  gs_rng_t rng;
  gs_rng_init(&rng, 11, 2, GS_RNG_BEHAVIOUR);
  int compared = 0, other_us = 0;
  double worst = 0;
  for (int i = 0; i < 20000; i++) {
    double ta0 = 20 + 8 * gs_rng_uniform(&rng);
    double tm0 = ta0 + 2 * (gs_rng_uniform(&rng) - 0.5);
    double to = 10 + 30 * gs_rng_uniform(&rng);
    double qa = -12000 * gs_rng_uniform(&rng) + 800;
    gs_hvac_seg_t s;
    gs_hvac_seg_solve(&h, ta0, tm0, to, qa, 300, &s);
    if (!((s.k1_c > 0 && s.k2_c > 0) || (s.k1_c < 0 && s.k2_c < 0)))
      continue; /* an extremum: two pieces, not the reference's case */
    double horizon = 300 + 7000 * gs_rng_uniform(&rng);
    double end = gs_hvac_seg_ta(&s, horizon);
    double edge = ta0 + (end - ta0) * gs_rng_uniform(&rng);
    double want = ref_root(&s, edge, horizon);
    if (isnan(want)) continue;
    double got = gs_hvac_seg_time_to(&s, edge, horizon);
    if (fabs(got - want) > worst) worst = fabs(got - want);
    if (llround(got * 1e6) != llround(want * 1e6)) other_us++;
    compared++;
  }
  ck_assert_int_gt(compared, 5000);
  ck_assert_double_le(worst, 1e-8);
  /* A 1e-8 s difference moves the rounded microsecond for about one
   * crossing in 50 at worst; a few in 10,000 are allowed. */
  ck_assert_int_le(other_us, compared / 2000);
}
END_TEST

/* gs_hvac_seg_memo_like: the previous segment's exponentials where they
 * are exactly what gs_hvac_seg_memo computes (same eigenvalues, same
 * instant), its own otherwise. */
START_TEST(test_memo_like) {
  const gs_hvac_etp_t h1 = {
      .ua_w_k = 250, .ca_j_k = 1.6e6, .cm_j_k = 6.5e6, .hm_w_k = 4000};
  const gs_hvac_etp_t h2 = {
      .ua_w_k = 300, .ca_j_k = 1.6e6, .cm_j_k = 6.5e6, .hm_w_k = 4000};
  gs_hvac_seg_t a, b, c, own;
  gs_hvac_seg_solve(&h1, 24, 25, 35, -3000, 300, &a);
  gs_hvac_seg_solve(&h1, 23, 24.5, 36, 500, 300, &b);
  gs_hvac_seg_solve(&h2, 23, 24.5, 36, 500, 300, &c);
  gs_hvac_seg_memo(&a, 300.0);
  own = b;
  gs_hvac_seg_memo(&own, 300.0);
  gs_hvac_seg_memo_like(&b, 300.0, &a); /* same house and instant */
  ck_assert_double_eq(b.e1, own.e1);
  ck_assert_double_eq(b.e2, own.e2);
  ck_assert_double_eq(gs_hvac_seg_ta(&b, 300.0), gs_hvac_seg_ta(&own, 300.0));
  own = c;
  gs_hvac_seg_memo(&own, 300.0);
  gs_hvac_seg_memo_like(&c, 300.0, &a); /* another house: its own */
  ck_assert_double_ne(c.e1, a.e1);
  ck_assert_double_eq(c.e1, own.e1);
  ck_assert_double_eq(c.e2, own.e2);
  own = b;
  gs_hvac_seg_memo(&own, 150.0);
  gs_hvac_seg_memo_like(&b, 150.0, &a); /* another instant: its own */
  ck_assert_double_eq(b.e1, own.e1);
  ck_assert_double_eq(b.e2, own.e2);
  ck_assert_double_eq(b.memo_s, 150.0);
}
END_TEST

Suite *hvac_shared_suite(void) {
  Suite *s = suite_create("hvac_shared");
  TCase *tc = tcase_create("hvac_shared");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_group_record_shared);
  tcase_add_test(tc, test_state_size);
  tcase_add_test(tc, test_llround_exact);
  tcase_add_test(tc, test_crossing_near_root);
  tcase_add_test(tc, test_memo_like);
  suite_add_tcase(s, tc);
  return s;
}
