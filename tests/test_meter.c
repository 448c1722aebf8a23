/* SPDX-License-Identifier: MIT */
/* Meters: exact int64 sums up the tree, exact energy, peak over intervals. */
#include <check.h>

#include "gridsim/meter.h"
#include "gridsim/time.h"
#include "gridsim/rng.h"

START_TEST(sums_propagate_exactly) {
  gs_meters_t *m = gs_meters_create();
  uint32_t fleet, feeder, a, b;
  ck_assert_int_eq(gs_meters_add(m, GS_METER_NONE, &fleet), GS_OK);
  ck_assert_int_eq(gs_meters_add(m, fleet, &feeder), GS_OK);
  ck_assert_int_eq(gs_meters_add(m, feeder, &a), GS_OK);
  ck_assert_int_eq(gs_meters_add(m, fleet, &b), GS_OK);
  ck_assert_int_eq(gs_meters_add(m, 99, &b), GS_EINVAL);
  gs_meters_add_power(m, a, 0, 1500000);  /* 1.5 kW */
  gs_meters_add_power(m, b, 0, 700001);
  gs_meters_add_power(m, a, 10, -1);
  ck_assert_int_eq(gs_meters_power_mw(m, a), 1499999);
  ck_assert_int_eq(gs_meters_power_mw(m, feeder), 1499999);
  ck_assert_int_eq(gs_meters_power_mw(m, fleet), 2200000);
  ck_assert_uint_eq(gs_meters_parent(m, a), feeder);
  ck_assert_uint_eq(gs_meters_count(m), 4);
  gs_meters_destroy(m);
}
END_TEST

/* Random changes on many leaves: the root's energy equals the sum of the
 * leaves' energies to the milliwatt-second, in any order of additions. */
START_TEST(energy_of_root_is_sum_of_leaves) {
  enum { LEAVES = 100 };
  gs_meters_t *m = gs_meters_create();
  uint32_t root, leaf[LEAVES];
  gs_meters_add(m, GS_METER_NONE, &root);
  for (int i = 0; i < LEAVES; i++) gs_meters_add(m, root, &leaf[i]);
  gs_rng_t r;
  gs_rng_init(&r, 1, 1, 1);
  int64_t level[LEAVES] = {0};
  gs_time_us_t t = 0;
  for (int step = 0; step < 20000; step++) {
    t += (gs_time_us_t)(gs_rng_uniform(&r) * 1e6);
    int i = (int)(gs_rng_uniform(&r) * LEAVES);
    int64_t target = (int64_t)(gs_rng_uniform(&r) * 5e6);
    gs_meters_add_power(m, leaf[i], t, target - level[i]);
    level[i] = target;
  }
  t += 1000;
  int64_t sum_mws = 0, sum_mw = 0;
  for (int i = 0; i < LEAVES; i++) {
    /* Each leaf's exact integral in mW·µs is a multiple we can compare
     * through kWh and mW·s; leaves add to the root exactly. */
    sum_mw += gs_meters_power_mw(m, leaf[i]);
    sum_mws += gs_meters_energy_mws(m, leaf[i], t);
  }
  ck_assert_int_eq(gs_meters_power_mw(m, root), sum_mw);
  int64_t root_mws = gs_meters_energy_mws(m, root, t);
  /* Flooring each leaf loses < 1 mW·s per leaf. */
  ck_assert_int_ge(root_mws, sum_mws);
  ck_assert_int_lt(root_mws, sum_mws + LEAVES);
  gs_meters_destroy(m);
}
END_TEST

START_TEST(energy_and_peak_closed_form) {
  gs_meters_t *m = gs_meters_create();
  uint32_t a;
  gs_meters_add(m, GS_METER_NONE, &a);
  gs_meters_keep_full(m, a); /* its peak time is asked */
  /* 2 kW for 1 h, then 5 kW for 30 min, then 1 kW for 2 h: 6.5 kWh. */
  gs_meters_add_power(m, a, 0, 2000000);
  gs_meters_add_power(m, a, 3600 * GS_US_PER_S, 3000000);
  gs_meters_add_power(m, a, 5400 * GS_US_PER_S, -4000000);
  /* A momentary spike within one instant is not a peak. */
  gs_meters_add_power(m, a, 6000 * GS_US_PER_S, 9000000);
  gs_meters_add_power(m, a, 6000 * GS_US_PER_S, -9000000);
  gs_time_us_t end = 12600 * GS_US_PER_S;
  ck_assert_double_eq_tol(gs_meters_energy_kwh(m, a, end), 6.5, 1e-12);
  ck_assert_int_eq(gs_meters_energy_mws(m, a, end), 6500000LL * 3600);
  gs_time_us_t at;
  ck_assert_int_eq(gs_meters_peak_mw(m, a, end, &at), 5000000);
  ck_assert_int_eq(at, 3600 * GS_US_PER_S);
  gs_meters_destroy(m);
}
END_TEST

/* A chain deeper than the ancestors a meter lists (VEN .. fleet is four):
 * a change at the leaf reaches every level, and a prefetch, valid or not,
 * changes nothing. */
START_TEST(deep_tree_propagates) {
  enum { DEPTH = 11 };
  gs_meters_t *m = gs_meters_create();
  uint32_t id[DEPTH], side;
  ck_assert_int_eq(gs_meters_add(m, GS_METER_NONE, &id[0]), GS_OK);
  for (int i = 1; i < DEPTH; i++)
    ck_assert_int_eq(gs_meters_add(m, id[i - 1], &id[i]), GS_OK);
  ck_assert_int_eq(gs_meters_add(m, id[5], &side), GS_OK);
  /* The leaf's peak time is asked below. */
  ck_assert_int_eq(gs_meters_keep_full(m, id[DEPTH - 1]), GS_OK);
  ck_assert_int_eq(gs_meters_keep_full(m, DEPTH + 5), GS_EINVAL);
  gs_meters_prefetch(m, id[DEPTH - 1], true);
  gs_meters_prefetch(m, id[DEPTH - 1], false);
  gs_meters_prefetch(m, 12345, true); /* out of range: ignored */
  const gs_time_us_t s_us = GS_US_PER_S;
  gs_meters_add_power(m, id[DEPTH - 1], 0, 1000000); /* 1 kW */
  gs_meters_add_power(m, side, 5 * s_us, 7000);
  gs_meters_add_power(m, id[DEPTH - 1], 10 * s_us, -400000);
  for (int i = 0; i < DEPTH; i++) {
    bool above_side = i <= 5;
    ck_assert_int_eq(gs_meters_power_mw(m, id[i]),
                     600000 + (above_side ? 7000 : 0));
    /* 1 kW for 10 s, then 0.6 kW for 10 s, plus the side branch's 7 W
     * for 15 s, in mW·s. */
    ck_assert_int_eq(gs_meters_energy_mws(m, id[i], 20 * s_us),
                     16000000 + (above_side ? 105000 : 0));
    gs_time_us_t at;
    ck_assert_int_eq(gs_meters_peak_mw(m, id[i], 20 * s_us, &at),
                     above_side ? 1007000 : 1000000);
    ck_assert_int_eq(at, above_side ? 5 * s_us : 0);
    if (i > 0) ck_assert_uint_eq(gs_meters_parent(m, id[i]), id[i - 1]);
  }
  ck_assert_uint_eq(gs_meters_parent(m, id[0]), GS_METER_NONE);
  ck_assert_int_eq(gs_meters_power_mw(m, side), 7000);
  gs_meters_destroy(m);
}
END_TEST

/* Devices on: counted at every ancestor of the device's meter, not at
 * the meter itself, and back to zero when they all switch off. */
START_TEST(devices_on_counted_at_ancestors) {
  gs_meters_t *m = gs_meters_create();
  uint32_t fleet, f1, f2, t1, t2, h[4];
  gs_meters_add(m, GS_METER_NONE, &fleet);
  gs_meters_add(m, fleet, &f1);
  gs_meters_add(m, fleet, &f2);
  gs_meters_add(m, f1, &t1);
  gs_meters_add(m, f2, &t2);
  for (int i = 0; i < 4; i++) gs_meters_add(m, i < 3 ? t1 : t2, &h[i]);
  gs_meters_count_on(m, h[0], 1);
  gs_meters_count_on(m, h[1], 1);
  gs_meters_count_on(m, h[3], 1);
  gs_meters_count_on(m, h[0], -1);
  gs_meters_count_on(m, h[2], 1);
  ck_assert_uint_eq(gs_meters_on(m, t1), 2);
  ck_assert_uint_eq(gs_meters_on(m, t2), 1);
  ck_assert_uint_eq(gs_meters_on(m, f1), 2);
  ck_assert_uint_eq(gs_meters_on(m, f2), 1);
  ck_assert_uint_eq(gs_meters_on(m, fleet), 3);
  ck_assert_uint_eq(gs_meters_on(m, h[1]), 0); /* not at its own meter */
  gs_meters_count_on(m, t2, 1); /* metered at t2: counts above t2 */
  ck_assert_uint_eq(gs_meters_on(m, t2), 1);
  ck_assert_uint_eq(gs_meters_on(m, f2), 2);
  gs_meters_count_on(m, t2, -1);
  gs_meters_count_on(m, h[1], -1);
  gs_meters_count_on(m, h[2], -1);
  gs_meters_count_on(m, h[3], -1);
  ck_assert_uint_eq(gs_meters_on(m, fleet), 0);
  ck_assert_uint_eq(gs_meters_on(m, t1), 0);
  gs_meters_destroy(m);
}
END_TEST

/* ---- compact (32-byte) meters against full ones ---- */

/* The figures of compact meter `c` and full meter `f` at `t`: equal. */
static void same_figures(gs_meters_t *m, uint32_t c, uint32_t f,
                         gs_time_us_t t) {
  ck_assert_int_eq(gs_meters_power_mw(m, c), gs_meters_power_mw(m, f));
  ck_assert_int_eq(gs_meters_energy_mws(m, c, t),
                   gs_meters_energy_mws(m, f, t));
  double kc = gs_meters_energy_kwh(m, c, t), kf = gs_meters_energy_kwh(m, f, t);
  ck_assert_mem_eq(&kc, &kf, sizeof kc); /* to the bit */
  ck_assert_int_eq(gs_meters_peak_mw(m, c, t, NULL),
                   gs_meters_peak_mw(m, f, t, NULL));
}

/* A home's meter (compact) and one kept full, under the same transformer,
 * given the same random changes (several within one instant, exports
 * below zero): every figure equal at every step, and the transformer
 * holds their sum. */
START_TEST(compact_meter_is_exact) {
  gs_meters_t *m = gs_meters_create();
  uint32_t root, xf, c, f;
  gs_meters_add(m, GS_METER_NONE, &root);
  gs_meters_add(m, root, &xf);
  gs_meters_add(m, xf, &c);
  gs_meters_add(m, xf, &f);
  ck_assert_int_eq(gs_meters_keep_full(m, f), GS_OK);
  ck_assert_uint_eq(gs_meters_parent(m, c), xf);
  ck_assert_uint_eq(gs_meters_parent(m, f), xf);
  ck_assert_uint_eq(gs_meters_parent(m, xf), root);
  same_figures(m, c, f, 0); /* before any change: all zero */
  gs_rng_t r;
  gs_rng_init(&r, 7, 3, 1);
  gs_time_us_t t = 0;
  for (int step = 0; step < 50000; step++) {
    if (gs_rng_uniform(&r) < 0.8)
      t += (gs_time_us_t)(gs_rng_uniform(&r) * 6e8); /* up to 10 min */
    int64_t d = (int64_t)((gs_rng_uniform(&r) - 0.45) * 2e7);
    gs_meters_add_power(m, c, t, d);
    gs_meters_add_power(m, f, t, d);
    if (step % 97 == 0) same_figures(m, c, f, t + 12345);
  }
  same_figures(m, c, f, t + 1);
  ck_assert_int_eq(gs_meters_power_mw(m, xf), 2 * gs_meters_power_mw(m, c));
  ck_assert_int_eq(gs_meters_energy_mws(m, xf, t),
                   2 * gs_meters_energy_mws(m, c, t) +
                       (gs_meters_energy_mws(m, xf, t) % 2));
  gs_meters_destroy(m);
}
END_TEST

/* Past the compact bounds (power 2^47 mW, energy 2^79 mW·us, time 2^48
 * us) a meter goes on at full width: still exact. 2^47 - 1 mW held for
 * 2^33 us is 2^80 mW·us, past 80 bits; then a power past 48 bits; then a
 * time past 48 bits. A home at 100 kW for a year stays well inside. */
START_TEST(compact_bounds_widen_exactly) {
  gs_meters_t *m = gs_meters_create();
  uint32_t root, c, f, root2, home, home_f;
  gs_meters_add(m, GS_METER_NONE, &root);
  gs_meters_add(m, root, &c);
  gs_meters_add(m, root, &f);
  gs_meters_add(m, GS_METER_NONE, &root2);
  gs_meters_add(m, root2, &home);
  gs_meters_add(m, root2, &home_f);
  gs_meters_keep_full(m, f);
  gs_meters_keep_full(m, home_f);
  const int64_t p47 = ((int64_t)1 << 47) - 1;
  const gs_time_us_t t33 = (gs_time_us_t)1 << 33, t48 = (gs_time_us_t)1 << 48;
  gs_meters_add_power(m, c, 0, p47); /* the largest compact power */
  gs_meters_add_power(m, f, 0, p47);
  same_figures(m, c, f, t33 - 1);
  /* Energy past 2^79: (2^47 - 1) x 2^33 mW·us = 2^80 - 2^33, in mW·s. */
  gs_meters_add_power(m, c, t33, 1); /* power 2^47: past 48 bits too */
  gs_meters_add_power(m, f, t33, 1);
  __extension__ __int128 want = (__int128)p47 * t33 / 1000000;
  ck_assert_int_eq(gs_meters_energy_mws(m, c, t33), (int64_t)want);
  same_figures(m, c, f, t33 + 1000);
  gs_meters_add_power(m, c, t48 + 5, -2 * p47); /* a time past 48 bits */
  gs_meters_add_power(m, f, t48 + 5, -2 * p47);
  same_figures(m, c, f, t48 + 99);
  ck_assert_int_eq(gs_meters_power_mw(m, c), 1 - p47);
  /* A home at 100 kW for a (leap) year, closed form: 1e8 mW x 3.16e13 us
   * = 3.16e21 mW·us, 191 times below 2^79. */
  const gs_time_us_t year = 366 * GS_US_PER_DAY;
  gs_meters_add_power(m, home, 0, 100000000);
  gs_meters_add_power(m, home_f, 0, 100000000);
  gs_meters_add_power(m, home, year, -100000000);
  gs_meters_add_power(m, home_f, year, -100000000);
  ck_assert_int_eq(gs_meters_energy_mws(m, home, year + 1),
                   100000000LL * (year / 1000000));
  same_figures(m, home, home_f, year + 1);
  ck_assert_int_eq(gs_meters_peak_mw(m, home, year + 1, NULL), 100000000);
  /* The roots: exactly the sums of their children. */
  ck_assert_int_eq(gs_meters_power_mw(m, root), 2 - 2 * p47);
  ck_assert_int_eq(gs_meters_energy_mws(m, root2, year + 1),
                   2 * gs_meters_energy_mws(m, home, year + 1));
  gs_meters_destroy(m);
}
END_TEST

/* A compact leaf's ancestors come from its parent's list: on a chain of
 * nine full meters (twice the four a list holds) every one sees the
 * leaf's power and devices on, and gs_meters_parent walks back up. */
START_TEST(compact_leaf_reaches_ancestors) {
  enum { DEPTH = 9 };
  gs_meters_t *m = gs_meters_create();
  uint32_t id[DEPTH], leaf;
  gs_meters_add(m, GS_METER_NONE, &id[0]);
  for (int i = 1; i < DEPTH; i++) gs_meters_add(m, id[i - 1], &id[i]);
  gs_meters_add(m, id[DEPTH - 1], &leaf);
  gs_meters_prefetch(m, leaf, true);
  gs_meters_prefetch(m, leaf, false);
  gs_meters_add_power(m, leaf, 10, 4321);
  gs_meters_count_on(m, leaf, 1);
  gs_meters_add_power(m, leaf, 20, 1000);
  uint32_t up = leaf;
  for (int i = DEPTH - 1; i >= 0; i--) {
    up = gs_meters_parent(m, up);
    ck_assert_uint_eq(up, id[i]);
    ck_assert_int_eq(gs_meters_power_mw(m, id[i]), 5321);
    /* 4321 mW for 10 us, then 5321 mW for 1 s; peak 4321 at 10. */
    ck_assert_int_eq(gs_meters_energy_mws(m, id[i], 1000020),
                     (43210 + 5321LL * 1000000) / 1000000);
    gs_time_us_t at;
    ck_assert_int_eq(gs_meters_peak_mw(m, id[i], 20, &at), 4321);
    ck_assert_int_eq(at, 10);
    ck_assert_uint_eq(gs_meters_on(m, id[i]), 1);
  }
  ck_assert_uint_eq(gs_meters_parent(m, id[0]), GS_METER_NONE);
  ck_assert_uint_eq(gs_meters_on(m, leaf), 0);
  ck_assert_int_eq(gs_meters_peak_mw(m, leaf, 30, NULL), 5321);
  gs_meters_destroy(m);
}
END_TEST

/* Enough meters that both arrays outgrow malloc and move onto huge pages
 * (sim/hugemem.c: 4 MiB, the slots at 131,072 meters, the full records at
 * 65,536), with power changes before, across and after each move: every
 * figure comes through the moves intact. Leaf i gets i + 1 mW at i us
 * under its own parent; at K us the root holds the sum of them all. */
START_TEST(figures_survive_moves_to_huge_pages) {
  enum { K = 70000 };
  gs_meters_t *m = gs_meters_create();
  uint32_t root, parent, leaf;
  ck_assert_int_eq(gs_meters_add(m, GS_METER_NONE, &root), GS_OK);
  for (uint32_t i = 0; i < K; i++) {
    ck_assert_int_eq(gs_meters_add(m, root, &parent), GS_OK);
    ck_assert_int_eq(gs_meters_add(m, parent, &leaf), GS_OK);
    ck_assert_uint_eq(leaf, 2 + 2 * i);
    gs_meters_prefetch(m, leaf, true);
    gs_meters_add_power(m, leaf, i, (int64_t)i + 1);
  }
  ck_assert_uint_eq(gs_meters_count(m), 1 + 2 * K);
  int64_t root_mwus = 0;
  for (uint32_t i = 0; i < K; i++) {
    uint32_t l = 2 + 2 * i, p = l - 1;
    int64_t mwus = ((int64_t)i + 1) * (K - (int64_t)i);
    ck_assert_uint_eq(gs_meters_parent(m, l), p);
    ck_assert_uint_eq(gs_meters_parent(m, p), root);
    ck_assert_int_eq(gs_meters_power_mw(m, l), (int64_t)i + 1);
    ck_assert_int_eq(gs_meters_power_mw(m, p), (int64_t)i + 1);
    ck_assert_int_eq(gs_meters_energy_mws(m, l, K), mwus / 1000000);
    ck_assert_int_eq(gs_meters_energy_mws(m, p, K), mwus / 1000000);
    ck_assert_int_eq(gs_meters_peak_mw(m, l, K, NULL), (int64_t)i + 1);
    root_mwus += mwus;
  }
  ck_assert_int_eq(gs_meters_power_mw(m, root), (int64_t)K * (K + 1) / 2);
  ck_assert_int_eq(gs_meters_energy_mws(m, root, K), root_mwus / 1000000);
  gs_time_us_t at;
  ck_assert_int_eq(gs_meters_peak_mw(m, root, K, &at),
                   (int64_t)K * (K + 1) / 2);
  ck_assert_int_eq(at, K - 1);
  gs_meters_destroy(m);
}
END_TEST

Suite *meter_suite(void) {
  Suite *s = suite_create("meter");
  TCase *tc = tcase_create("meter");
  tcase_add_test(tc, sums_propagate_exactly);
  tcase_add_test(tc, energy_of_root_is_sum_of_leaves);
  tcase_add_test(tc, energy_and_peak_closed_form);
  tcase_add_test(tc, deep_tree_propagates);
  tcase_add_test(tc, devices_on_counted_at_ancestors);
  tcase_add_test(tc, compact_meter_is_exact);
  tcase_add_test(tc, compact_bounds_widen_exactly);
  tcase_add_test(tc, compact_leaf_reaches_ancestors);
  tcase_add_test(tc, figures_survive_moves_to_huge_pages);
  suite_add_tcase(s, tc);
  return s;
}
