/* SPDX-License-Identifier: MIT */
/* Pacer: wall-clock pacing, input at the mapped time, anchor, interrupts. */
#define _GNU_SOURCE /* timerfd */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "gridsim/engine.h"
#include "pace.h"

enum { EV_TICK = GS_EV_MODEL, EV_INPUT };

/* Ticks every `arg` us until 20 ticks; records what it saw and when. */
typedef struct ticker {
  int n;
  gs_time_us_t t_us[64];
  int64_t wall_us[64];
  uint16_t kind[64];
} ticker_t;

static void ticker_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                          const gs_event_t *ev) {
  ticker_t *t = state;
  if (t->n < 64) {
    t->t_us[t->n] = ev->time_us;
    t->wall_us[t->n] = gs_pace_mono_us();
    t->kind[t->n] = ev->kind;
    t->n++;
  }
  if (ev->kind == EV_TICK && ev->arg2 < 20)
    gs_engine_schedule(eng, self, gs_engine_now(eng) + ev->arg,
                       GS_PHASE_MODEL, EV_TICK, ev->arg, ev->arg2 + 1);
}

static gs_err_t ticker_init(gs_engine_t *eng, gs_entity_id_t self,
                            void *state, const gs_model_init_t *init,
                            gs_errbuf_t *eb) {
  (void)state;
  (void)init;
  (void)eb;
  gs_engine_schedule(eng, self, 0, GS_PHASE_MODEL, EV_TICK, 10000, 1);
  return GS_OK;
}

static const gs_model_type_t ticker_type = {
    .name = "ticker", .role = GS_ROLE_SYSTEM, .state_size = sizeof(ticker_t),
    .init = ticker_init, .handle = ticker_handle};

static gs_engine_t *ticker_engine(void) {
  gs_errbuf_t eb = {{0}};
  gs_engine_t *e = gs_engine_create(&(gs_engine_config_t){.seed = 1}, &eb);
  ck_assert_ptr_nonnull(e);
  ck_assert_int_eq(gs_engine_add_entity(e, &ticker_type,
                                        &(gs_model_init_t){.id = "t"}, NULL,
                                        &eb),
                   GS_OK);
  return e;
}

START_TEST(follows_the_wall_clock) {
  gs_engine_t *e = ticker_engine();
  gs_errbuf_t eb = {{0}};
  gs_pace_t *p = gs_pace_create(2.0, -1, NULL, &eb);
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(gs_pace_lag_us(p, 0), 0); /* not started */
  gs_pacer_t pacer = gs_pace_pacer(p);
  gs_engine_set_pacer(e, &pacer);
  int64_t w0 = gs_pace_mono_us();
  ck_assert_int_eq(gs_engine_run(e, 200000), GS_OK);
  int64_t wall = gs_pace_mono_us() - w0;
  /* 200 ms simulated at 2x: 100 ms of wall time, give or take a load. */
  ck_assert_int_ge(wall, 99000);
  ck_assert_int_lt(wall, 400000);
  const ticker_t *t = gs_engine_state(e, 0);
  ck_assert_int_eq(t->n, 20);
  for (int i = 0; i < t->n; i++) /* never early by more than 0.2 ms */
    ck_assert_int_ge(t->wall_us[i] - w0 + 200, t->t_us[i] / 2);
  gs_pace_stats_t st;
  gs_pace_stats(p, &st);
  ck_assert_double_eq(st.factor, 2.0);
  ck_assert_uint_ge(st.polls, 10);
  gs_engine_destroy(e);
  gs_pace_destroy(p);
}
END_TEST

/* A timerfd that fires once, as a socket with input would. */
typedef struct timer_src {
  int fd;
  int fired;
  gs_time_us_t at_us;
  int64_t arm_after_us; /* > 0: armed at the first fill, this far ahead */
} timer_src_t;

static size_t ts_max(void *ud) {
  (void)ud;
  return 1;
}

static size_t ts_fill(void *ud, struct pollfd *fds, size_t cap,
                      int64_t *timeout_us) {
  timer_src_t *s = ud;
  (void)timeout_us;
  ck_assert_uint_ge(cap, 1);
  /* The first fill comes after the pacer anchored simulated 0 to the wall
   * clock: arming here (not before the run) makes the arrival's simulated
   * time independent of how long the run took to start. */
  if (s->arm_after_us > 0) {
    struct itimerspec its = {
        .it_value = {.tv_sec = (time_t)(s->arm_after_us / 1000000),
                     .tv_nsec = (long)(s->arm_after_us % 1000000) * 1000}};
    ck_assert_int_eq(timerfd_settime(s->fd, 0, &its, NULL), 0);
    s->arm_after_us = 0;
  }
  fds[0] = (struct pollfd){.fd = s->fd, .events = POLLIN};
  return 1;
}

static size_t ts_service(void *ud, gs_engine_t *eng, const struct pollfd *fds,
                         size_t n) {
  timer_src_t *s = ud;
  ck_assert_uint_eq(n, 1);
  if (!(fds[0].revents & POLLIN)) return 0;
  uint64_t expirations;
  ck_assert_int_eq(read(s->fd, &expirations, sizeof expirations),
                   (int)sizeof expirations);
  s->fired++;
  s->at_us = gs_engine_now(eng);
  gs_engine_schedule(eng, 0, s->at_us, GS_PHASE_INPUT, EV_INPUT, 0, 0);
  return 1;
}

START_TEST(input_arrives_at_the_mapped_time) {
  gs_engine_t *e = ticker_engine();
  gs_errbuf_t eb = {{0}};
  gs_pace_t *p = gs_pace_create(1.0, -1, NULL, &eb);
  ck_assert_ptr_nonnull(p);
  timer_src_t src = {.fd = timerfd_create(CLOCK_MONOTONIC, 0),
                     .arm_after_us = 55000};
  ck_assert_int_ge(src.fd, 0);
  ck_assert_int_eq(gs_pace_add_source(p, &(gs_pace_source_t){
                                             .max_fds = ts_max,
                                             .fill = ts_fill,
                                             .service = ts_service,
                                             .ud = &src}),
                   GS_OK);
  gs_pacer_t pacer = gs_pace_pacer(p);
  gs_engine_set_pacer(e, &pacer);
  ck_assert_int_eq(gs_engine_run(e, 200000), GS_OK);
  ck_assert_int_eq(src.fired, 1);
  /* 55 ms of wall time at pace 1 is simulated 55 ms, late by the load. */
  ck_assert_int_ge(src.at_us, 54000);
  ck_assert_int_lt(src.at_us, 180000);
  const ticker_t *t = gs_engine_state(e, 0);
  ck_assert_int_eq(t->n, 21);
  int inputs = 0;
  for (int i = 0; i < t->n; i++) {
    if (i > 0) ck_assert_int_ge(t->t_us[i], t->t_us[i - 1]);
    if (t->kind[i] == EV_INPUT) {
      inputs++;
      ck_assert_int_eq(t->t_us[i], src.at_us);
    }
  }
  ck_assert_int_eq(inputs, 1);
  gs_pace_stats_t st;
  gs_pace_stats(p, &st);
  ck_assert_uint_eq(st.inputs, 1);
  close(src.fd);
  gs_engine_destroy(e);
  gs_pace_destroy(p);
}
END_TEST

START_TEST(anchor_in_the_future_waits_for_it) {
  gs_engine_t *e = ticker_engine();
  gs_errbuf_t eb = {{0}};
  int64_t anchor = (int64_t)time(NULL) + 2;
  gs_pace_t *p = gs_pace_create(1.0, anchor, NULL, &eb);
  ck_assert_ptr_nonnull(p);
  gs_pacer_t pacer = gs_pace_pacer(p);
  gs_engine_set_pacer(e, &pacer);
  ck_assert_int_eq(gs_engine_run(e, 10000), GS_OK);
  /* The first tick (simulated 0) waited for the anchor's second. */
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ck_assert_int_ge((int64_t)ts.tv_sec, anchor);
  ck_assert_int_lt((int64_t)ts.tv_sec, anchor + 2);
  gs_engine_destroy(e);
  gs_pace_destroy(p);
}
END_TEST

START_TEST(anchor_in_the_past_catches_up) {
  gs_engine_t *e = ticker_engine();
  gs_errbuf_t eb = {{0}};
  gs_pace_t *p = gs_pace_create(1.0, (int64_t)time(NULL) - 100, NULL, &eb);
  ck_assert_ptr_nonnull(p);
  gs_pacer_t pacer = gs_pace_pacer(p);
  gs_engine_set_pacer(e, &pacer);
  int64_t w0 = gs_pace_mono_us();
  ck_assert_int_eq(gs_engine_run(e, 200000), GS_OK);
  ck_assert_int_lt(gs_pace_mono_us() - w0, 100000); /* no waiting */
  gs_pace_stats_t st;
  gs_pace_stats(p, &st);
  ck_assert_int_ge(st.max_lag_us, 98000000); /* about 100 s behind */
  ck_assert_int_ge(gs_pace_lag_us(p, 200000), 98000000);
  gs_engine_destroy(e);
  gs_pace_destroy(p);
}
END_TEST

START_TEST(interrupt_flag_ends_the_wait) {
  gs_engine_t *e = ticker_engine();
  gs_errbuf_t eb = {{0}};
  volatile sig_atomic_t flag = 1;
  gs_pace_t *p = gs_pace_create(1.0, -1, &flag, &eb);
  ck_assert_ptr_nonnull(p);
  gs_pacer_t pacer = gs_pace_pacer(p);
  gs_engine_set_pacer(e, &pacer);
  ck_assert_int_eq(gs_engine_run(e, 200000), GS_EINTR);
  ck_assert_uint_eq(gs_engine_events_processed(e), 0);
  gs_engine_destroy(e);
  gs_pace_destroy(p);
}
END_TEST

START_TEST(bad_factors_are_refused) {
  const double bad[] = {0.0, -1.0, NAN, INFINITY, 2e9};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gs_errbuf_t eb = {{0}};
    ck_assert_ptr_null(gs_pace_create(bad[i], -1, NULL, &eb));
    ck_assert_msg(strstr(eb.msg, "--pace: expected a number > 0") != NULL,
                  "factor %g: message '%s'", bad[i], eb.msg);
  }
  gs_errbuf_t eb = {{0}};
  gs_pace_t *p = gs_pace_create(0.001, -1, NULL, &eb);
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(gs_pace_add_source(p, &(gs_pace_source_t){0}), GS_EINVAL);
  gs_pace_destroy(p);
}
END_TEST

/* A source with no sockets that holds simulated time once it reaches
 * hold_at_us and releases it after release_after_us of wall time, counting
 * the polls it sees meanwhile (a paused view does this). */
typedef struct hold_src {
  gs_pace_t *p;
  gs_time_us_t hold_at_us;
  int64_t release_after_us, held_wall_us;
  gs_time_us_t held_sim_us;
  int services_held;
  bool done;
} hold_src_t;

static size_t hs_max(void *ud) {
  (void)ud;
  return 0;
}

static size_t hs_fill(void *ud, struct pollfd *fds, size_t cap,
                      int64_t *timeout_us) {
  (void)ud;
  (void)fds;
  (void)cap;
  if (*timeout_us > 5000) *timeout_us = 5000;
  return 0;
}

static size_t hs_service(void *ud, gs_engine_t *eng, const struct pollfd *fds,
                         size_t n) {
  hold_src_t *h = ud;
  (void)fds;
  (void)n;
  gs_time_us_t now = gs_engine_now(eng);
  if (!h->done && !gs_pace_held(h->p) && now >= h->hold_at_us) {
    gs_pace_hold(h->p, true, now);
    h->held_wall_us = gs_pace_mono_us();
    h->held_sim_us = now;
  } else if (gs_pace_held(h->p)) {
    h->services_held++;
    ck_assert_int_eq(now, h->held_sim_us); /* the clock stands */
    if (gs_pace_mono_us() - h->held_wall_us >= h->release_after_us) {
      gs_pace_hold(h->p, false, now);
      h->done = true;
    }
  }
  return 0;
}

START_TEST(hold_stops_the_clock_but_polls_sources) {
  gs_engine_t *e = ticker_engine();
  gs_errbuf_t eb = {{0}};
  gs_pace_t *p = gs_pace_create(2.0, -1, NULL, &eb);
  ck_assert_ptr_nonnull(p);
  hold_src_t h = {.p = p, .hold_at_us = 50000, .release_after_us = 150000};
  ck_assert_int_eq(gs_pace_add_source(p, &(gs_pace_source_t){
                       .max_fds = hs_max, .fill = hs_fill,
                       .service = hs_service, .ud = &h}), GS_OK);
  gs_pacer_t pacer = gs_pace_pacer(p);
  gs_engine_set_pacer(e, &pacer);
  int64_t w0 = gs_pace_mono_us();
  ck_assert_int_eq(gs_engine_run(e, 200000), GS_OK);
  int64_t wall = gs_pace_mono_us() - w0;
  ck_assert(h.done);
  ck_assert_int_ge(h.held_sim_us, 50000);
  ck_assert_int_ge(h.services_held, 5); /* polled while held (20 ms) */
  /* 100 ms of pacing at 2x plus the 150 ms hold. */
  ck_assert_int_ge(wall, 245000);
  ck_assert_int_lt(wall, 700000);
  /* After the release time runs on from where it stood: the first tick
   * after it waits its own simulated gap, no catching up. */
  const ticker_t *t = gs_engine_state(e, 0);
  ck_assert_int_eq(t->n, 20);
  for (int i = 1; i < t->n; i++)
    if (t->t_us[i - 1] <= h.held_sim_us && t->t_us[i] > h.held_sim_us)
      ck_assert_int_ge(t->wall_us[i] - h.held_wall_us,
                       h.release_after_us - 1000);
  gs_engine_destroy(e);
  gs_pace_destroy(p);
}
END_TEST

START_TEST(set_factor_changes_speed_without_a_jump) {
  gs_engine_t *e = ticker_engine();
  gs_errbuf_t eb = {{0}};
  gs_pace_t *p = gs_pace_create(1.0, -1, NULL, &eb);
  ck_assert_ptr_nonnull(p);
  gs_pacer_t pacer = gs_pace_pacer(p);
  gs_engine_set_pacer(e, &pacer);
  ck_assert_int_eq(gs_engine_run(e, 60000), GS_OK);
  ck_assert_int_eq(gs_pace_set_factor(p, 0, gs_engine_now(e)), GS_EINVAL);
  ck_assert_int_eq(gs_pace_set_factor(p, NAN, gs_engine_now(e)), GS_EINVAL);
  ck_assert_int_eq(gs_pace_set_factor(p, 2e9, gs_engine_now(e)), GS_EINVAL);
  ck_assert_double_eq(gs_pace_factor(p), 1.0);
  /* A pause between runs is not lag: the new anchor is the present. */
  struct timespec pause = {0, 50000000};
  nanosleep(&pause, NULL);
  ck_assert_int_eq(gs_pace_set_factor(p, 4.0, gs_engine_now(e)), GS_OK);
  ck_assert_double_eq(gs_pace_factor(p), 4.0);
  int64_t w0 = gs_pace_mono_us();
  ck_assert_int_eq(gs_engine_run(e, 200000), GS_OK);
  int64_t wall = gs_pace_mono_us() - w0;
  /* 140 ms simulated at 4x: 35 ms of wall, not 0 (a catch-up) and not
   * 140 ms (the old factor). */
  ck_assert_int_ge(wall, 34000);
  ck_assert_int_lt(wall, 120000);
  gs_pace_stats_t st;
  gs_pace_stats(p, &st);
  ck_assert_double_eq(st.factor, 4.0);
  gs_engine_destroy(e);
  gs_pace_destroy(p);
}
END_TEST

static int done_now(void *ud) {
  (*(int *)ud)++;
  return 1;
}

START_TEST(drain_stops_when_done) {
  gs_errbuf_t eb = {{0}};
  gs_pace_t *p = gs_pace_create(1.0, -1, NULL, &eb);
  int calls = 0;
  int64_t w0 = gs_pace_mono_us();
  gs_pace_drain(p, NULL, 5000000, done_now, &calls);
  ck_assert_int_eq(calls, 1);
  ck_assert_int_lt(gs_pace_mono_us() - w0, 100000);
  w0 = gs_pace_mono_us();
  gs_pace_drain(p, NULL, 30000, NULL, NULL); /* the whole 30 ms */
  ck_assert_int_ge(gs_pace_mono_us() - w0, 29000);
  gs_pace_destroy(p);
}
END_TEST

Suite *pace_suite(void) {
  Suite *s = suite_create("pace");
  TCase *tc = tcase_create("pace");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, follows_the_wall_clock);
  tcase_add_test(tc, input_arrives_at_the_mapped_time);
  tcase_add_test(tc, anchor_in_the_future_waits_for_it);
  tcase_add_test(tc, anchor_in_the_past_catches_up);
  tcase_add_test(tc, interrupt_flag_ends_the_wait);
  tcase_add_test(tc, bad_factors_are_refused);
  tcase_add_test(tc, drain_stops_when_done);
  tcase_add_test(tc, hold_stops_the_clock_but_polls_sources);
  tcase_add_test(tc, set_factor_changes_speed_without_a_jump);
  suite_add_tcase(s, tc);
  return s;
}
