/* SPDX-License-Identifier: MIT */
/* Per-entity RNG streams: independence, reproducibility, GSL layout. */
#include <check.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gridsim/dist.h"
#include "gridsim/rng.h"

START_TEST(state_fits_taus2) {
  /* gs_rng_t holds taus2's three 32-bit words; GSL's own state keeps the
   * same words in unsigned longs. */
  ck_assert_uint_eq(sizeof(gs_rng_t), 12);
  ck_assert_uint_eq(gsl_rng_taus2->size, 3 * sizeof(unsigned long));
  gs_rng_t r;
  gs_rng_init(&r, 1, 2, 3);
  gs_rng_lease_t l;
  gsl_rng *g = gs_rng_borrow(&l, &r);
  for (int i = 0; i < 1000; i++) {
    double u = gsl_rng_uniform(g);
    ck_assert(u >= 0 && u < 1);
  }
  gs_rng_return(&l);
}
END_TEST

/* The bits of a double, so that equality is exact and a failure prints
 * both values. */
static uint64_t bits_of(double x) {
  uint64_t b;
  memcpy(&b, &x, sizeof b);
  return b;
}

/* One draw of kind `k` (a mix of what the models and gs_dist use). */
static double draw_kind(const gsl_rng *g, int k) {
  switch (k % 9) {
    case 0:
      return gsl_rng_uniform(g);
    case 1:
      return (double)gsl_rng_get(g);
    case 2:
      return gsl_ran_gaussian(g, 2.0);
    case 3:
      return gsl_ran_gaussian_ziggurat(g, 1.5);
    case 4:
      return gsl_ran_exponential(g, 3.0);
    case 5:
      return gsl_ran_lognormal(g, 0.5, 0.8);
    case 6:
      return gsl_ran_gamma(g, 0.7, 2.0); /* variable draws per value */
    case 7:
      return (double)gsl_ran_poisson(g, 4.2);
    default:
      return gsl_rng_uniform_pos(g);
  }
}

/* A stream drawn through borrow/return, one lease per draw or several
 * draws per lease, gives exactly the sequence of GSL's own taus2 started
 * from the same state, and the 12 bytes end in GSL's state. */
START_TEST(borrowed_draws_are_gsl_taus2) {
  gs_rng_t r;
  gs_rng_init(&r, 42, gs_rng_key("suburb", 7, 1), GS_RNG_BEHAVIOUR);
  gsl_rng *ref = gsl_rng_alloc(gsl_rng_taus2);
  ck_assert_ptr_nonnull(ref);
  unsigned long *ref_s = gsl_rng_state(ref);
  for (int i = 0; i < 3; i++) ref_s[i] = r.s[i];
  for (int k = 0; k < 3000; k++) {
    gs_rng_t before = r;
    int per_lease = 1 + k % 4;
    gs_rng_lease_t l;
    gsl_rng *g = gs_rng_borrow(&l, &r);
    for (int j = 0; j < per_lease; j++)
      ck_assert_uint_eq(bits_of(draw_kind(g, k + j)),
                        bits_of(draw_kind(ref, k + j)));
    gs_rng_return(&l);
    /* The draws advanced the 12-byte state to GSL's. */
    for (int i = 0; i < 3; i++) ck_assert_uint_eq(r.s[i], ref_s[i]);
    ck_assert(memcmp(&before, &r, sizeof r) != 0);
  }
  /* gs_rng_uniform and gs_dist_sample go the same way. */
  gs_dist_t d = {.kind = GS_DIST_NORMAL, .p = {1.0, 2.0, 0.0},
                 .lo = -HUGE_VAL, .hi = HUGE_VAL};
  for (int k = 0; k < 1000; k++) {
    ck_assert_uint_eq(bits_of(gs_rng_uniform(&r)),
                      bits_of(gsl_rng_uniform(ref)));
    ck_assert_uint_eq(bits_of(gs_dist_sample(&d, &r)),
                      bits_of(1.0 + gsl_ran_gaussian(ref, 2.0)));
    ck_assert_uint_eq(r.s[k % 3], ref_s[k % 3]);
  }
  gsl_rng_free(ref);
}
END_TEST

/* Runs `fn` in a child process; returns the signal that ended it, or 0. */
static int signal_of(void (*fn)(void)) {
  fflush(NULL);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    /* The child's assertion message is expected: keep the log clean. */
    if (!freopen("/dev/null", "w", stderr)) _exit(3);
    fn();
    _exit(0);
  }
  int status = 0;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void draw_twice_without_return(void) {
  gs_rng_t r;
  gs_rng_init(&r, 1, 2, 3);
  gs_rng_lease_t l;
  gsl_rng_uniform(gs_rng_borrow(&l, &r)); /* no gs_rng_return */
  gs_rng_uniform(&r);                     /* would repeat that draw */
}

static void borrow_uninitialised(void) {
  gs_rng_t r = {{0}}; /* a zeroed state, as the engine hands them out */
  gs_rng_uniform(&r);
}

static void return_twice(void) {
  gs_rng_t r;
  gs_rng_init(&r, 1, 2, 3);
  gs_rng_lease_t l;
  gsl_rng_uniform(gs_rng_borrow(&l, &r));
  gs_rng_return(&l);
  gs_rng_return(&l);
}

static void borrow_return_draw(void) {
  gs_rng_t r;
  gs_rng_init(&r, 1, 2, 3);
  gs_rng_lease_t l;
  gsl_rng_uniform(gs_rng_borrow(&l, &r));
  gs_rng_return(&l);
  gs_rng_uniform(&r);
}

/* A forgotten return cannot silently repeat draws: the next use of the
 * stream aborts. So do drawing from a never-initialised stream and a
 * second return; a proper pair does not. */
START_TEST(misuse_aborts) {
  ck_assert_int_eq(signal_of(draw_twice_without_return), SIGABRT);
  ck_assert_int_eq(signal_of(borrow_uninitialised), SIGABRT);
  ck_assert_int_eq(signal_of(return_twice), SIGABRT);
  ck_assert_int_eq(signal_of(borrow_return_draw), 0);
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
    gs_rng_lease_t l;
    gsl_rng *g = gs_rng_borrow(&l, &r);
    uint64_t hi = gsl_rng_get(g);
    first[i] = hi << 32 | gsl_rng_get(g);
    gs_rng_return(&l);
  }
  qsort(first, N, sizeof *first, cmp_u64);
  size_t dups = 0;
  for (size_t i = 1; i < N; i++) dups += first[i] == first[i - 1];
  ck_assert_uint_eq(dups, 0);
  free(first);
}
END_TEST

/* Moments of gsl_ran_* draws through a lease, as models use them. */
START_TEST(gsl_distributions_through_lease) {
  gs_rng_t r;
  gs_rng_init(&r, 3, 4, GS_RNG_USER);
  gs_rng_lease_t l;
  gsl_rng *g = gs_rng_borrow(&l, &r);
  double sum = 0, sum2 = 0;
  enum { N = 200000 };
  for (int i = 0; i < N; i++) {
    double x = gsl_ran_gaussian(g, 2.0);
    sum += x;
    sum2 += x * x;
  }
  gs_rng_return(&l);
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
  tcase_add_test(tc, borrowed_draws_are_gsl_taus2);
  tcase_add_test(tc, misuse_aborts);
  tcase_add_test(tc, streams_are_independent_of_others);
  tcase_add_test(tc, seed_key_purpose_all_matter);
  tcase_add_test(tc, million_streams_distinct);
  tcase_add_test(tc, gsl_distributions_through_lease);
  suite_add_tcase(s, tc);
  return s;
}
