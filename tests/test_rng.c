/* SPDX-License-Identifier: MIT */
/* Per-entity RNG streams: independence, reproducibility, GSL layout. */
#include <check.h>
#include <gsl/gsl_randist.h>
#include <stdlib.h>

#include "gridsim/rng.h"

START_TEST(state_fits_taus2) {
  /* gs_rng_t stands in for gsl_rng_taus2's own state: same size. */
  ck_assert_uint_eq(gsl_rng_taus2->size, sizeof(gs_rng_t));
  gs_rng_t r;
  gs_rng_init(&r, 1, 2, 3);
  gsl_rng g = gs_rng_view(&r);
  for (int i = 0; i < 1000; i++) {
    double u = gsl_rng_uniform(&g);
    ck_assert(u >= 0 && u < 1);
  }
}
END_TEST

/* A stream's draws depend only on (seed, key, purpose): creating and
 * drawing from other streams before or between changes nothing. */
START_TEST(streams_are_independent_of_others) {
  double alone[100];
  gs_rng_t r;
  gs_rng_init(&r, 77, gs_rng_key("suburb", 5, 0), GS_RNG_BEHAVIOUR);
  for (int i = 0; i < 100; i++) alone[i] = gs_rng_uniform(&r);
  gs_rng_t others[50];
  for (int k = 0; k < 50; k++) {
    gs_rng_init(&others[k], 77, gs_rng_key("suburb", (uint64_t)k + 100, 0),
                GS_RNG_BEHAVIOUR);
    gs_rng_uniform(&others[k]);
  }
  gs_rng_init(&r, 77, gs_rng_key("suburb", 5, 0), GS_RNG_BEHAVIOUR);
  for (int i = 0; i < 100; i++) {
    for (int k = 0; k < 50; k++) gs_rng_uniform(&others[k]);
    ck_assert_double_eq(gs_rng_uniform(&r), alone[i]);
  }
}
END_TEST

START_TEST(seed_key_purpose_all_matter) {
  gs_rng_t a, b, c, d;
  gs_rng_init(&a, 1, 10, GS_RNG_BEHAVIOUR);
  gs_rng_init(&b, 2, 10, GS_RNG_BEHAVIOUR);
  gs_rng_init(&c, 1, 11, GS_RNG_BEHAVIOUR);
  gs_rng_init(&d, 1, 10, GS_RNG_COMMS);
  double x = gs_rng_uniform(&a);
  ck_assert_double_ne(x, gs_rng_uniform(&b));
  ck_assert_double_ne(x, gs_rng_uniform(&c));
  ck_assert_double_ne(x, gs_rng_uniform(&d));
  ck_assert_uint_ne(gs_rng_key("a", 1, 0), gs_rng_key("a", 2, 0));
  ck_assert_uint_ne(gs_rng_key("a", 1, 0), gs_rng_key("b", 1, 0));
  ck_assert_uint_ne(gs_rng_key("a", 1, 0), gs_rng_key("a", 1, 1));
  ck_assert_uint_eq(gs_rng_key("a", 1, 2), gs_rng_key("a", 1, 2));
}
END_TEST

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* A million streams: no two start the same (gsl_rng_set's 32-bit seeds
 * would collide thousands of times at this size). */
START_TEST(million_streams_distinct) {
  enum { N = 1000000 };
  uint64_t *first = malloc(N * sizeof *first);
  ck_assert_ptr_nonnull(first);
  for (uint64_t i = 0; i < N; i++) {
    gs_rng_t r;
    gs_rng_init(&r, 1, gs_rng_key("g", i, 0), GS_RNG_BEHAVIOUR);
    gsl_rng g = gs_rng_view(&r);
    first[i] = (uint64_t)gsl_rng_get(&g) << 32 | gsl_rng_get(&g);
  }
  qsort(first, N, sizeof *first, cmp_u64);
  size_t dups = 0;
  for (size_t i = 1; i < N; i++) dups += first[i] == first[i - 1];
  ck_assert_uint_eq(dups, 0);
  free(first);
}
END_TEST

/* Moments of gsl_ran_* draws through a view, as models use them. */
START_TEST(gsl_distributions_through_view) {
  gs_rng_t r;
  gs_rng_init(&r, 3, 4, GS_RNG_USER);
  gsl_rng g = gs_rng_view(&r);
  double sum = 0, sum2 = 0;
  enum { N = 200000 };
  for (int i = 0; i < N; i++) {
    double x = gsl_ran_gaussian(&g, 2.0);
    sum += x;
    sum2 += x * x;
  }
  double mean = sum / N, var = sum2 / N - mean * mean;
  ck_assert_double_eq_tol(mean, 0.0, 0.03);  /* 5 sd of the mean */
  ck_assert_double_eq_tol(var, 4.0, 0.07);
}
END_TEST

Suite *rng_suite(void) {
  Suite *s = suite_create("rng");
  TCase *tc = tcase_create("rng");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, state_fits_taus2);
  tcase_add_test(tc, streams_are_independent_of_others);
  tcase_add_test(tc, seed_key_purpose_all_matter);
  tcase_add_test(tc, million_streams_distinct);
  tcase_add_test(tc, gsl_distributions_through_view);
  suite_add_tcase(s, tc);
  return s;
}
