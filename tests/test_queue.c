/* SPDX-License-Identifier: MIT */
/* The reference heap against a sorted oracle on randomized event sets. */
#include <check.h>
#include <stdlib.h>

#include "gridsim/queue.h"
#include "gridsim/rng.h"

static int cmp_events(const void *a, const void *b) {
  const gs_event_t *x = a, *y = b;
  if (gs_event_before(x, y)) return -1;
  if (gs_event_before(y, x)) return 1;
  return 0;
}

/* Events with few distinct times and phases, so ties on time and phase are
 * the rule and the target/sequence part of the key decides. */
static gs_event_t random_event(gs_rng_t *r, uint32_t *seq, uint32_t n_targets,
                               int64_t n_times) {
  gs_event_t ev = {0};
  ev.time_us = (int64_t)(gs_rng_uniform(r) * (double)n_times);
  ev.phase = (uint8_t)(gs_rng_uniform(r) * GS_PHASE_COUNT);
  ev.target = (uint32_t)(gs_rng_uniform(r) * n_targets);
  ev.seq = seq[ev.target]++;
  ev.kind = (uint16_t)(gs_rng_uniform(r) * 1000);
  ev.arg = (int64_t)(gs_rng_uniform(r) * 1e9);
  return ev;
}

static void check_against_sort(const gs_queue_ops_t *ops, size_t n,
                               int64_t n_times, uint64_t seed) {
  gs_rng_t r;
  gs_rng_init(&r, seed, n, 0);
  uint32_t seq[64] = {0};
  gs_event_t *all = malloc(n * sizeof *all);
  ck_assert_ptr_nonnull(all);
  gs_queue_t *q = ops->create(0);
  ck_assert_ptr_nonnull(q);
  for (size_t i = 0; i < n; i++) {
    all[i] = random_event(&r, seq, 64, n_times);
    ck_assert_int_eq(ops->push(q, &all[i]), GS_OK);
  }
  ck_assert_uint_eq(ops->size(q), n);
  qsort(all, n, sizeof *all, cmp_events);
  for (size_t i = 0; i < n; i++) {
    const gs_event_t *top = ops->peek(q);
    ck_assert_ptr_nonnull(top);
    gs_event_t got;
    ck_assert(ops->pop(q, &got));
    ck_assert_int_eq(got.time_us, all[i].time_us);
    ck_assert_uint_eq(got.phase, all[i].phase);
    ck_assert_uint_eq(got.target, all[i].target);
    ck_assert_uint_eq(got.seq, all[i].seq);
    ck_assert_int_eq(got.arg, all[i].arg);
  }
  gs_event_t none;
  ck_assert(!ops->pop(q, &none));
  ck_assert_ptr_null(ops->peek(q));
  ops->destroy(q);
  free(all);
}

START_TEST(heap_matches_sort_many_ties) {
  /* 10 distinct times for 20,000 events: thousands of equal times. */
  check_against_sort(&gs_queue_heap, 20000, 10, 1);
  check_against_sort(&gs_queue_heap, 20000, 1, 2);
}
END_TEST

START_TEST(heap_matches_sort_spread) {
  check_against_sort(&gs_queue_heap, 50000, INT64_C(1) << 40, 3);
  for (uint64_t s = 0; s < 200; s++) /* many small queues, sizes 1..200 */
    check_against_sort(&gs_queue_heap, (size_t)s + 1, 5, 100 + s);
}
END_TEST

/* Interleaved pushes and pops (the hold model): every pop must be the
 * minimum of what is pending, checked against a linear scan. */
START_TEST(heap_interleaved_hold) {
  gs_rng_t r;
  gs_rng_init(&r, 7, 7, 0);
  uint32_t seq[64] = {0};
  gs_queue_t *q = gs_queue_heap.create(4);
  gs_event_t pending[600];
  size_t n = 0;
  int64_t now = 0;
  for (int step = 0; step < 20000; step++) {
    bool push = n == 0 || (n < 600 && gs_rng_uniform(&r) < 0.55);
    if (push) {
      gs_event_t ev = random_event(&r, seq, 64, 50);
      ev.time_us += now; /* never in the past */
      pending[n++] = ev;
      ck_assert_int_eq(gs_queue_heap.push(q, &ev), GS_OK);
    } else {
      size_t best = 0;
      for (size_t i = 1; i < n; i++)
        if (gs_event_before(&pending[i], &pending[best])) best = i;
      gs_event_t got;
      ck_assert(gs_queue_heap.pop(q, &got));
      ck_assert_int_eq(got.time_us, pending[best].time_us);
      ck_assert_uint_eq(got.target, pending[best].target);
      ck_assert_uint_eq(got.seq, pending[best].seq);
      ck_assert_uint_eq(got.phase, pending[best].phase);
      now = got.time_us;
      pending[best] = pending[--n];
    }
    ck_assert_uint_eq(gs_queue_heap.size(q), n);
  }
  gs_queue_heap.destroy(q);
}
END_TEST

START_TEST(queue_lookup) {
  ck_assert_ptr_eq(gs_queue_find("heap"), &gs_queue_heap);
  ck_assert_ptr_null(gs_queue_find("nope"));
  ck_assert_ptr_null(gs_queue_find(NULL));
}
END_TEST

Suite *queue_suite(void) {
  Suite *s = suite_create("queue");
  TCase *tc = tcase_create("heap");
  tcase_add_test(tc, heap_matches_sort_many_ties);
  tcase_add_test(tc, heap_matches_sort_spread);
  tcase_add_test(tc, heap_interleaved_hold);
  tcase_add_test(tc, queue_lookup);
  suite_add_tcase(s, tc);
  return s;
}
