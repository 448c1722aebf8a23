/* SPDX-License-Identifier: MIT */
/* Queues against a sorted oracle and the reference heap; the bucket sort. */
#include <check.h>
#include <stdlib.h>

#include "gridsim/queue.h"
#include "gridsim/rng.h"
#include "queue_sort.h"

static int cmp_events(const void *a, const void *b) {
  const gs_event_rec_t *x = a, *y = b;
  if (gs_event_rec_before(x, y)) return -1;
  if (gs_event_rec_before(y, x)) return 1;
  return 0;
}

/* Events with few distinct times and phases, so ties on time and phase are
 * the rule and the target/sequence part of the key decides. */
static gs_event_rec_t random_event(gs_rng_t *r, uint32_t *seq,
                                   uint32_t n_targets, int64_t n_times) {
  gs_event_rec_t ev = {0};
  ev.time_us = (int64_t)(gs_rng_uniform(r) * (double)n_times);
  gs_phase_t phase = (gs_phase_t)(gs_rng_uniform(r) * GS_PHASE_COUNT);
  uint32_t target = (uint32_t)(gs_rng_uniform(r) * n_targets);
  ev.pt = gs_event_pt(phase, target);
  ev.seq = seq[target]++;
  ev.data = (uint64_t)(gs_rng_uniform(r) * 1e18);
  return ev;
}

static void check_against_sort(const gs_queue_ops_t *ops, size_t n,
                               int64_t n_times, uint64_t seed) {
  gs_rng_t r;
  gs_rng_init(&r, seed, n, 0);
  uint32_t seq[64] = {0};
  gs_event_rec_t *all = malloc(n * sizeof *all);
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
    const gs_event_rec_t *top = ops->peek(q);
    ck_assert_ptr_nonnull(top);
    gs_event_rec_t got;
    ck_assert(ops->pop(q, &got));
    ck_assert_int_eq(got.time_us, all[i].time_us);
    ck_assert_uint_eq(got.pt, all[i].pt);
    ck_assert_uint_eq(got.seq, all[i].seq);
    ck_assert_uint_eq(got.data, all[i].data);
  }
  gs_event_rec_t none;
  ck_assert(!ops->pop(q, &none));
  ck_assert_ptr_null(ops->peek(q));
  ops->destroy(q);
  free(all);
}

/* Each test runs once per implementation (_i is the loop index). */
START_TEST(matches_sort_many_ties) {
  const gs_queue_ops_t *ops = gs_queues[_i];
  /* 10 distinct times for 20,000 events: thousands of equal times. */
  check_against_sort(ops, 20000, 10, 1);
  check_against_sort(ops, 20000, 1, 2);
}
END_TEST

START_TEST(matches_sort_spread) {
  const gs_queue_ops_t *ops = gs_queues[_i];
  check_against_sort(ops, 50000, INT64_C(1) << 40, 3);
  check_against_sort(ops, 5000, INT64_MAX / 2, 4); /* a huge span */
  for (uint64_t s = 0; s < 200; s++) /* many small queues, sizes 1..200 */
    check_against_sort(ops, (size_t)s + 1, 5, 100 + s);
}
END_TEST

/* The fast queue against the reference heap on the hold model with
 * interleaved pushes and pops, many ties and bursts at one instant: the
 * pop sequences must be identical. */
/* Pops the top of the reference heap `a` and of the bucket queue `b`,
 * which must be the same event; returns it. */
static gs_event_rec_t pop_both(gs_queue_t *a, gs_queue_t *b) {
  gs_event_rec_t x, y;
  ck_assert(gs_queue_heap.pop(a, &x));
  ck_assert(gs_queue_bucket.pop(b, &y));
  ck_assert_int_eq(x.time_us, y.time_us);
  ck_assert_uint_eq(x.pt, y.pt);
  ck_assert_uint_eq(x.seq, y.seq);
  ck_assert_uint_eq(x.data, y.data);
  return x;
}

START_TEST(bucket_equals_heap_on_hold) {
  gs_rng_t r;
  gs_rng_init(&r, 11, 11, 0);
  gs_queue_t *a = gs_queue_heap.create(0), *b = gs_queue_bucket.create(0);
  uint32_t seq[64] = {0};
  int64_t now = 0;
  for (int i = 0; i < 3000; i++) {
    gs_event_rec_t ev = random_event(&r, seq, 64, 1000);
    ck_assert_int_eq(gs_queue_heap.push(a, &ev), GS_OK);
    ck_assert_int_eq(gs_queue_bucket.push(b, &ev), GS_OK);
  }
  for (int step = 0; step < 300000; step++) {
    gs_event_rec_t x = pop_both(a, b);
    now = x.time_us;
    /* 0 to 2 new events: at the same instant (ties), near, or far. */
    int k = (int)(gs_rng_uniform(&r) * 3);
    if (gs_queue_heap.size(a) < 100) k = 2;
    for (int j = 0; j < k; j++) {
      gs_event_rec_t ev = random_event(&r, seq, 64, 1);
      double u = gs_rng_uniform(&r);
      ev.time_us = now + (u < 0.2 ? 0 : u < 0.9 ? (int64_t)(u * 500)
                                                : (int64_t)(u * 1e7));
      ck_assert_int_eq(gs_queue_heap.push(a, &ev), GS_OK);
      ck_assert_int_eq(gs_queue_bucket.push(b, &ev), GS_OK);
    }
    ck_assert_uint_eq(gs_queue_heap.size(a), gs_queue_bucket.size(b));
    const gs_event_rec_t *pa = gs_queue_heap.peek(a);
    const gs_event_rec_t *pb = gs_queue_bucket.peek(b);
    ck_assert_int_eq(pa->time_us, pb->time_us);
    ck_assert_uint_eq(pa->seq, pb->seq);
  }
  gs_queue_heap.destroy(a);
  gs_queue_bucket.destroy(b);
}
END_TEST

/* Interleaved pushes and pops (the hold model): every pop must be the
 * minimum of what is pending, checked against a linear scan. */
START_TEST(heap_interleaved_hold) {
  gs_rng_t r;
  gs_rng_init(&r, 7, 7, 0);
  uint32_t seq[64] = {0};
  gs_queue_t *q = gs_queue_heap.create(4);
  gs_event_rec_t pending[600];
  size_t n = 0;
  int64_t now = 0;
  for (int step = 0; step < 20000; step++) {
    bool push = n == 0 || (n < 600 && gs_rng_uniform(&r) < 0.55);
    if (push) {
      gs_event_rec_t ev = random_event(&r, seq, 64, 50);
      ev.time_us += now; /* never in the past */
      pending[n++] = ev;
      ck_assert_int_eq(gs_queue_heap.push(q, &ev), GS_OK);
    } else {
      size_t best = 0;
      for (size_t i = 1; i < n; i++)
        if (gs_event_rec_before(&pending[i], &pending[best])) best = i;
      gs_event_rec_t got;
      ck_assert(gs_queue_heap.pop(q, &got));
      ck_assert_int_eq(got.time_us, pending[best].time_us);
      ck_assert_uint_eq(got.seq, pending[best].seq);
      ck_assert_uint_eq(got.pt, pending[best].pt);
      ck_assert_uint_eq(got.pt, pending[best].pt);
      now = got.time_us;
      pending[best] = pending[--n];
    }
    ck_assert_uint_eq(gs_queue_heap.size(q), n);
  }
  gs_queue_heap.destroy(q);
}
END_TEST

/* Weather steps, as a fleet makes them: every `step` µs each of n targets
 * (ids spread over all four bytes) has a timer at the step instant; its
 * handler schedules the next step's, so a step's bucket arrives in target
 * order (long sorted runs), save for the targets that had an edge in
 * between (random order), ties at the present instant in earlier phases
 * (the bottom's heap) and far events. The bucket queue must pop exactly
 * what the heap pops. */
START_TEST(bucket_equals_heap_on_steps) {
  enum { N = 3000, STEPS = 40 };
  const int64_t step = 300000000; /* 5 min */
  gs_rng_t r;
  gs_rng_init(&r, 5, 5, 0);
  gs_queue_t *a = gs_queue_heap.create(0), *b = gs_queue_bucket.create(0);
  uint32_t *seq = malloc(N * sizeof *seq);
  ck_assert_ptr_nonnull(seq);
  for (uint32_t i = 0; i < N; i++) seq[i] = UINT32_C(0xfffff000) - 7 * i;
  /* Target i's id: a bijection that varies every byte. */
#define ID(i) ((uint32_t)(i) * UINT32_C(2654435761) & GS_EVENT_TARGET_MAX)
  for (uint32_t i = 0; i < N; i++) {
    gs_event_rec_t ev = {.time_us = step,
                         .pt = gs_event_pt(GS_PHASE_MODEL, ID(i)),
                         .seq = seq[i]++, .data = i};
    ck_assert_int_eq(gs_queue_heap.push(a, &ev), GS_OK);
    ck_assert_int_eq(gs_queue_bucket.push(b, &ev), GS_OK);
  }
  uint64_t popped = 0;
  while (gs_queue_heap.size(a) > 0) {
    gs_event_rec_t x = pop_both(a, b);
    popped++;
    if (x.data >> 32 == 1) continue; /* a tie or a far event: no follower */
    uint32_t i = (uint32_t)x.data;
    int64_t next = (x.time_us / step + 1) * step;
    if (next > STEPS * step) continue;
    double u = gs_rng_uniform(&r);
    gs_event_rec_t ev = {.pt = gs_event_pt(GS_PHASE_MODEL, ID(i)), .data = i};
    if (u < 0.15) /* an edge before the next step */
      ev.time_us = x.time_us + 1 + (int64_t)(gs_rng_uniform(&r) *
                                             (double)(next - x.time_us - 1));
    else
      ev.time_us = next;
    ev.seq = seq[i]++;
    ck_assert_int_eq(gs_queue_heap.push(a, &ev), GS_OK);
    ck_assert_int_eq(gs_queue_bucket.push(b, &ev), GS_OK);
    if (u > 0.97) { /* a tie now, in an earlier phase, for someone else */
      uint32_t j = (uint32_t)(gs_rng_uniform(&r) * N);
      gs_event_rec_t tie = {.time_us = x.time_us,
                            .pt = gs_event_pt(GS_PHASE_COMMAND, ID(j)),
                            .seq = seq[j]++,
                            .data = UINT64_C(1) << 32 | j};
      ck_assert_int_eq(gs_queue_heap.push(a, &tie), GS_OK);
      ck_assert_int_eq(gs_queue_bucket.push(b, &tie), GS_OK);
    } else if (u > 0.95) { /* a far event */
      gs_event_rec_t far = {
          .time_us = x.time_us + 7 * step + (int64_t)(u * 1e6),
          .pt = gs_event_pt(GS_PHASE_REPORT, ID(i)), .seq = seq[i]++,
          .data = UINT64_C(1) << 32 | i};
      ck_assert_int_eq(gs_queue_heap.push(a, &far), GS_OK);
      ck_assert_int_eq(gs_queue_bucket.push(b, &far), GS_OK);
    }
    ck_assert_uint_eq(gs_queue_heap.size(a), gs_queue_bucket.size(b));
  }
#undef ID
  ck_assert_uint_gt(popped, (uint64_t)N * STEPS);
  ck_assert_uint_eq(gs_queue_bucket.size(b), 0);
  free(seq);
  gs_queue_heap.destroy(a);
  gs_queue_bucket.destroy(b);
}
END_TEST

/* Bursts at the present instant, as a DR event's start makes them: the
 * events popped at an instant push, in turn, events now (commands to
 * loads, acknowledgements) in four interleaved streams (two for a few
 * targets), each in order within itself, and now and then one out of any
 * order: that one starts a short run that must give way, or goes to the
 * heap while all runs are long. The bucket
 * queue must pop exactly what the heap pops, peek included. */
START_TEST(bucket_equals_heap_on_bursts) {
  enum { N = 4000, STREAMS = 4 };
  gs_rng_t r;
  gs_rng_init(&r, 17, 17, 0);
  gs_queue_t *a = gs_queue_heap.create(0), *b = gs_queue_bucket.create(0);
  uint32_t *seq = calloc(N * STREAMS, sizeof *seq);
  ck_assert_ptr_nonnull(seq);
  /* A PROGRAM event for every i at three instants (large bursts) and one
   * at a random time (a few at a time). */
  for (uint32_t i = 0; i < N; i++)
    for (int m = 0; m < 4; m++) {
      int64_t t = m ? m * 100000000 : (int64_t)(gs_rng_uniform(&r) * 1e9);
      gs_event_rec_t ev = {.time_us = t,
                           .pt = gs_event_pt(GS_PHASE_PROGRAM, i),
                           .seq = seq[i]++, .data = i};
      ck_assert_int_eq(gs_queue_heap.push(a, &ev), GS_OK);
      ck_assert_int_eq(gs_queue_bucket.push(b, &ev), GS_OK);
    }
  uint64_t pushed_now = 0;
  while (gs_queue_heap.size(a) > 0) {
    const gs_event_rec_t *pa = gs_queue_heap.peek(a);
    const gs_event_rec_t *pb = gs_queue_bucket.peek(b);
    ck_assert_ptr_nonnull(pb);
    ck_assert_int_eq(pa->time_us, pb->time_us);
    ck_assert_uint_eq(pa->pt, pb->pt);
    ck_assert_uint_eq(pa->seq, pb->seq);
    gs_event_rec_t x = pop_both(a, b);
    /* Stream s of a PROGRAM event for i: target s * N + i, in phase
     * COMMAND + s % 3, so that the streams interleave by phase and by
     * target; the targets of a stream grow with i. */
    if (gs_event_rec_phase(&x) != GS_PHASE_PROGRAM) continue;
    uint32_t i = gs_event_rec_target(&x);
    unsigned k = gs_rng_uniform(&r) < 0.9 ? STREAMS : 2;
    for (unsigned s = 0; s < k; s++) {
      uint32_t to = s * N + i;
      gs_event_rec_t ev = {.time_us = x.time_us,
                           .pt = gs_event_pt(GS_PHASE_COMMAND + s % 3, to),
                           .seq = seq[to]++, .data = to};
      double u = gs_rng_uniform(&r);
      if (u < 0.005) /* out of any order: later, a little or much */
        ev.time_us += (int64_t)(gs_rng_uniform(&r) * (u < 0.001 ? 1e3 : 1e8));
      else if (u < 0.02) { /* before every stream's last: a heap's */
        uint32_t j = (uint32_t)(gs_rng_uniform(&r) * i);
        ev.pt = gs_event_pt(GS_PHASE_COMMAND, j);
        ev.seq = seq[j]++; /* (keys stay unique) */
      }
      ck_assert_int_eq(gs_queue_heap.push(a, &ev), GS_OK);
      ck_assert_int_eq(gs_queue_bucket.push(b, &ev), GS_OK);
      pushed_now++;
    }
    ck_assert_uint_eq(gs_queue_heap.size(a), gs_queue_bucket.size(b));
  }
  ck_assert_uint_gt(pushed_now, 8 * N);
  ck_assert_uint_eq(gs_queue_bucket.size(b), 0);
  ck_assert_ptr_null(gs_queue_bucket.peek(b));
  free(seq);
  gs_queue_heap.destroy(a);
  gs_queue_bucket.destroy(b);
}
END_TEST

/* The bucket sort on its own, on the shapes buckets take: one instant
 * (targets in all bytes, ties on target decided by sequence numbers given
 * in reverse), spread times, sorted, reversed; against qsort. */
START_TEST(bucket_sort_matches_qsort) {
  gs_rng_t r;
  gs_rng_init(&r, 9, 9, 0);
  for (int shape = 0; shape < 6; shape++)
    for (size_t n = 1; n < 5000; n = n * 3 + 1) {
      size_t cap_a = n + 3, cap_t = n + 7;
      gs_event_rec_t *a = malloc(cap_a * sizeof *a);
      gs_event_rec_t *t = malloc(cap_t * sizeof *t);
      gs_event_rec_t *want = malloc(n * sizeof *want);
      ck_assert(a && t && want);
      for (size_t i = 0; i < n; i++) {
        gs_event_rec_t ev = {0};
        uint32_t tg = (uint32_t)(gs_rng_uniform(&r) * GS_EVENT_TARGET_MAX);
        gs_phase_t phase = (gs_phase_t)(gs_rng_uniform(&r) * GS_PHASE_COUNT);
        ev.pt = gs_event_pt(phase, tg);
        ev.seq = (uint32_t)(n - i);
        ev.data = i;
        switch (shape) {
          case 0: ev.time_us = 77; ev.pt = gs_event_pt(3, tg); break;
          case 1: /* few targets: ties on (time, phase, target) */
            ev.time_us = -5;
            ev.pt = gs_event_pt(phase, tg % 3);
            break;
          case 2: ev.time_us = (int64_t)(gs_rng_uniform(&r) * 1e6); break;
          case 3: ev.time_us = (int64_t)(gs_rng_uniform(&r) * 4) - 2; break;
          case 4: ev.time_us = (int64_t)i; ev.seq = 0; break; /* sorted */
          default: ev.time_us = INT64_MAX - (int64_t)i; break; /* reversed */
        }
        a[i] = want[i] = ev;
      }
      qsort(want, n, sizeof *want, cmp_events);
      gs_event_rec_t *a0 = a, *t0 = t;
      gs__qsort_events(&a, &cap_a, &t, &cap_t, n);
      /* The buffers come back whole, possibly exchanged. */
      ck_assert(a == a0 ? t == t0 && cap_a == n + 3 : a == t0 && t == a0);
      ck_assert_uint_eq(cap_a, a == a0 ? n + 3 : n + 7);
      for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(a[i].time_us, want[i].time_us);
        ck_assert_uint_eq(a[i].pt, want[i].pt);
        ck_assert_uint_eq(a[i].seq, want[i].seq);
        ck_assert_uint_eq(a[i].data, want[i].data);
      }
      free(a);
      free(t);
      free(want);
    }
}
END_TEST

START_TEST(queue_lookup) {
  ck_assert_ptr_eq(gs_queue_find("heap"), &gs_queue_heap);
  ck_assert_ptr_eq(gs_queue_find("bucket"), &gs_queue_bucket);
  ck_assert_ptr_null(gs_queue_find("nope"));
  ck_assert_ptr_null(gs_queue_find(NULL));
}
END_TEST

Suite *queue_suite(void) {
  Suite *s = suite_create("queue");
  TCase *tc = tcase_create("heap");
  int n = 0;
  while (gs_queues[n] != NULL) n++;
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, matches_sort_many_ties, 0, n);
  tcase_add_loop_test(tc, matches_sort_spread, 0, n);
  tcase_add_test(tc, bucket_equals_heap_on_hold);
  tcase_add_test(tc, heap_interleaved_hold);
  tcase_add_test(tc, queue_lookup);
  tcase_add_test(tc, bucket_equals_heap_on_steps);
  tcase_add_test(tc, bucket_equals_heap_on_bursts);
  tcase_add_test(tc, bucket_sort_matches_qsort);
  suite_add_tcase(s, tc);
  return s;
}
