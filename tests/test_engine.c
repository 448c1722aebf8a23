/* SPDX-License-Identifier: MIT */
/* Engine: determinism, order, cancellation, run-until, observers, stop. */
#include <check.h>
#include <gsl/gsl_randist.h>
#include <signal.h>
#include <stdlib.h>

#include "engine_priv.h"
#include "gridsim/engine.h"
#include "gridsim/rng.h"

/* A test model: a random "hold" process that also sends events to other
 * entities, schedules ties (zero delay) and cancels its own timer. */
typedef struct pinger {
  gs_rng_t rng;
  uint32_t n_entities;
  uint64_t handled;
  gs_event_handle_t timer;
} pinger_t;

enum { EV_TIMER = GS_EV_MODEL, EV_PING };

static gs_time_us_t draw_delay(gs_rng_t *r) {
  gs_rng_lease_t l;
  gsl_rng *g = gs_rng_borrow(&l, r);
  gs_time_us_t delay_us = 0; /* a tie at the same instant */
  if (!(gsl_rng_uniform(g) < 0.1))
    delay_us = (gs_time_us_t)(gsl_ran_exponential(g, 1e6) / 1000) * 1000;
  gs_rng_return(&l);
  return delay_us;
}

static gs_err_t pinger_init(gs_engine_t *eng, gs_entity_id_t self,
                            void *state, const gs_model_init_t *init,
                            gs_errbuf_t *eb) {
  pinger_t *p = state;
  (void)eb;
  gs_rng_init(&p->rng, init->seed, init->key, GS_RNG_BEHAVIOUR);
  p->n_entities = (uint32_t)init->params[0];
  p->timer = gs_engine_schedule(eng, self, draw_delay(&p->rng),
                                GS_PHASE_MODEL, EV_TIMER, 0, 0);
  return GS_OK;
}

static void pinger_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                          const gs_event_t *ev) {
  pinger_t *p = state;
  p->handled++;
  gs_time_us_t now = gs_engine_now(eng);
  ck_assert_int_eq(ev->time_us, now);
  double u = gs_rng_uniform(&p->rng);
  if (u < 0.3) {
    gs_entity_id_t to = (gs_entity_id_t)(gs_rng_uniform(&p->rng) *
                                         p->n_entities);
    gs_engine_schedule(eng, to, now + draw_delay(&p->rng),
                       (gs_phase_t)(gs_rng_uniform(&p->rng) * GS_PHASE_COUNT),
                       EV_PING, (int64_t)self, 0);
  }
  if (ev->kind == EV_TIMER) {
    p->timer = gs_engine_schedule(eng, self, now + draw_delay(&p->rng),
                                  GS_PHASE_MODEL, EV_TIMER, 0, 0);
  } else if (u > 0.9) { /* a ping makes it reset its timer: cancel */
    gs_engine_cancel(eng, p->timer);
    p->timer = gs_engine_schedule(eng, self, now + draw_delay(&p->rng),
                                  GS_PHASE_MODEL, EV_TIMER, 0, 0);
  }
}

static const gs_model_type_t pinger_type = {
    .name = "pinger",
    .state_size = sizeof(pinger_t),
    .init = pinger_init,
    .handle = pinger_handle,
};

static gs_engine_t *make_engine(uint64_t seed, uint32_t n) {
  gs_errbuf_t eb;
  gs_engine_t *e = gs_engine_create(&(gs_engine_config_t){.seed = seed}, &eb);
  ck_assert_ptr_nonnull(e);
  double params[1] = {n};
  for (uint32_t i = 0; i < n; i++) {
    gs_model_init_t init = {.seed = seed, .key = gs_rng_key("p", i, 0),
                            .params = params, .ven = GS_ENTITY_NONE,
                            .meter = GS_METER_NONE};
    gs_entity_id_t id;
    ck_assert_int_eq(gs_engine_add_entity(e, &pinger_type, &init, &id, &eb),
                     GS_OK);
    ck_assert_uint_eq(id, i);
  }
  return e;
}

static uint64_t run_digest(uint64_t seed, uint32_t n, gs_time_us_t until,
                           uint64_t *processed) {
  gs_engine_t *e = make_engine(seed, n);
  ck_assert_int_eq(gs_engine_run(e, until), GS_OK);
  uint64_t d = gs_engine_digest(e);
  if (processed) *processed = gs_engine_events_processed(e);
  gs_engine_destroy(e);
  return d;
}

START_TEST(same_seed_same_digest) {
  uint64_t n1, n2, n3;
  uint64_t d1 = run_digest(42, 200, 600 * GS_US_PER_S, &n1);
  uint64_t d2 = run_digest(42, 200, 600 * GS_US_PER_S, &n2);
  uint64_t d3 = run_digest(43, 200, 600 * GS_US_PER_S, &n3);
  ck_assert_uint_gt(n1, 100000);
  ck_assert_uint_eq(n1, n2);
  ck_assert_uint_eq(d1, d2);
  ck_assert_uint_ne(d1, d3);
}
END_TEST

/* The digest is gs_mix64 folded over each event's fields in a fixed
 * layout (the engine inlines its own copy of the mix): one event, worked
 * out by hand, with a payload that fits the record and one that spills. */
static void one_event(gs_engine_t *eng, gs_entity_id_t self, void *state,
                      const gs_event_t *ev) {
  (void)eng, (void)self, (void)state, (void)ev;
}

static const gs_model_type_t one_type = {
    .name = "one", .state_size = 8, .handle = one_event};

static uint64_t digest_by_hand(uint64_t d, gs_time_us_t t, gs_phase_t ph,
                               uint16_t kind, uint32_t target, uint32_t seq,
                               int64_t arg, uint32_t arg2) {
  d = gs_mix64(d ^ (uint64_t)t);
  d = gs_mix64(d ^ ((uint64_t)ph << 56 | (uint64_t)kind << 32 | target));
  d = gs_mix64(d ^ ((uint64_t)seq << 32 | arg2));
  return gs_mix64(d ^ (uint64_t)arg);
}

START_TEST(digest_is_mix64_of_the_fields) {
  gs_errbuf_t eb;
  gs_engine_t *e = gs_engine_create(NULL, &eb);
  ck_assert_ptr_nonnull(e);
  gs_model_init_t init = {.ven = GS_ENTITY_NONE, .meter = GS_METER_NONE};
  gs_entity_id_t id;
  ck_assert_int_eq(gs_engine_add_entity(e, &one_type, &init, &id, &eb),
                   GS_OK);
  uint64_t d0 = gs_engine_digest(e);
  gs_engine_schedule(e, id, 7, GS_PHASE_REPORT, 513, -12345, 0x80000011u);
  gs_engine_schedule(e, id, 9, GS_PHASE_INPUT, 2, INT64_MIN + 3, 0x123456u);
  ck_assert_int_eq(gs_engine_run(e, 10), GS_OK);
  uint64_t d = digest_by_hand(d0, 7, GS_PHASE_REPORT, 513, id, 0, -12345,
                              0x80000011u);
  d = digest_by_hand(d, 9, GS_PHASE_INPUT, 2, id, 1, INT64_MIN + 3,
                     0x123456u);
  ck_assert_uint_eq(gs_engine_digest(e), d);
  gs_engine_destroy(e);
}
END_TEST

/* Running to T in several calls processes exactly the same events. */
START_TEST(split_run_equals_single_run) {
  gs_time_us_t T = 300 * GS_US_PER_S;
  uint64_t d1 = run_digest(9, 50, T, NULL);
  gs_engine_t *e = make_engine(9, 50);
  ck_assert_int_eq(gs_engine_run(e, T / 3), GS_OK);
  ck_assert_int_eq(gs_engine_now(e), T / 3);
  ck_assert_int_eq(gs_engine_run(e, T / 3), GS_OK); /* no-op */
  ck_assert_int_eq(gs_engine_run(e, 2 * T / 3 + 1), GS_OK);
  ck_assert_int_eq(gs_engine_run(e, T), GS_OK);
  ck_assert_uint_eq(gs_engine_digest(e), d1);
  ck_assert_uint_gt(gs_engine_pending(e), 0);
  gs_engine_destroy(e);
}
END_TEST

/* A recorder model: logs (kind, arg) of what it handles, in order. */
typedef struct logger {
  int n;
  int64_t log[64];
} logger_t;

static void logger_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                          const gs_event_t *ev) {
  logger_t *l = state;
  (void)eng;
  (void)self;
  ck_assert_int_lt(l->n, 64);
  l->log[l->n++] = ev->kind * 1000 + ev->arg;
}

static const gs_model_type_t logger_type = {
    .name = "logger", .state_size = sizeof(logger_t),
    .handle = logger_handle};

static gs_engine_t *loggers(int n) {
  gs_engine_t *e = gs_engine_create(&(gs_engine_config_t){.seed = 1}, NULL);
  ck_assert_ptr_nonnull(e);
  for (int i = 0; i < n; i++)
    ck_assert_int_eq(gs_engine_add_entity(e, &logger_type,
                                          &(gs_model_init_t){0}, NULL, NULL),
                     GS_OK);
  return e;
}

START_TEST(same_time_order_is_phase_target_seq) {
  /* Scheduled in scrambled order; handled by (time, phase, target, seq). */
  gs_engine_t *e = loggers(3);
  gs_engine_schedule(e, 2, 10, GS_PHASE_MODEL, 1, 1, 0);
  gs_engine_schedule(e, 0, 10, GS_PHASE_REPORT, 1, 2, 0);
  gs_engine_schedule(e, 1, 10, GS_PHASE_MODEL, 1, 3, 0);
  gs_engine_schedule(e, 1, 10, GS_PHASE_INPUT, 1, 4, 0);
  gs_engine_schedule(e, 1, 10, GS_PHASE_MODEL, 1, 5, 0); /* after arg 3 */
  gs_engine_schedule(e, 0, 5, GS_PHASE_REPORT, 1, 6, 0);
  ck_assert_int_eq(gs_engine_run(e, 100), GS_OK);
  const logger_t *l0 = gs_engine_state(e, 0), *l1 = gs_engine_state(e, 1),
                 *l2 = gs_engine_state(e, 2);
  ck_assert_int_eq(l0->n, 2);
  ck_assert_int_eq(l0->log[0], 1006);
  ck_assert_int_eq(l0->log[1], 1002);
  ck_assert_int_eq(l1->n, 3);
  ck_assert_int_eq(l1->log[0], 1004);
  ck_assert_int_eq(l1->log[1], 1003);
  ck_assert_int_eq(l1->log[2], 1005);
  ck_assert_int_eq(l2->n, 1);
  ck_assert_uint_eq(gs_engine_events_processed(e), 6);
  gs_engine_destroy(e);
}
END_TEST

START_TEST(cancel_is_lazy_and_exact) {
  gs_engine_t *e = loggers(2);
  gs_event_handle_t a = gs_engine_schedule(e, 0, 10, GS_PHASE_MODEL, 1, 1, 0);
  gs_engine_schedule(e, 0, 10, GS_PHASE_MODEL, 1, 2, 0);
  gs_event_handle_t c = gs_engine_schedule(e, 1, 20, GS_PHASE_MODEL, 1, 3, 0);
  gs_engine_schedule(e, 1, 30, GS_PHASE_MODEL, 1, 4, 0);
  gs_engine_cancel(e, a);
  gs_engine_cancel(e, c);
  gs_engine_cancel(e, c); /* twice is harmless */
  gs_engine_cancel(e, GS_EVENT_HANDLE_NONE);
  ck_assert_uint_eq(gs_engine_pending(e), 2);
  ck_assert_int_eq(gs_engine_run(e, 100), GS_OK);
  const logger_t *l0 = gs_engine_state(e, 0), *l1 = gs_engine_state(e, 1);
  ck_assert_int_eq(l0->n, 1);
  ck_assert_int_eq(l0->log[0], 1002);
  ck_assert_int_eq(l1->n, 1);
  ck_assert_int_eq(l1->log[0], 1004);
  ck_assert_uint_eq(gs_engine_events_cancelled(e), 2);
  ck_assert_uint_eq(gs_engine_events_processed(e), 2);
  gs_engine_destroy(e);
}
END_TEST

START_TEST(run_until_is_inclusive) {
  gs_engine_t *e = loggers(1);
  gs_engine_schedule(e, 0, 100, GS_PHASE_MODEL, 1, 1, 0);
  gs_engine_schedule(e, 0, 101, GS_PHASE_MODEL, 1, 2, 0);
  ck_assert_int_eq(gs_engine_run(e, 100), GS_OK);
  ck_assert_int_eq(((logger_t *)gs_engine_state(e, 0))->n, 1);
  ck_assert_int_eq(gs_engine_now(e), 100);
  ck_assert_uint_eq(gs_engine_pending(e), 1);
  gs_engine_destroy(e);
}
END_TEST

/* Observer: samples at k*interval see every event at or before the
 * instant, and observing never changes the event sequence. */
typedef struct sampler {
  gs_engine_t *eng;
  int n;
  gs_time_us_t t[32];
  uint64_t processed[32];
  int finished;
} sampler_t;

static void sampler_sample(void *ud, gs_engine_t *eng, gs_time_us_t t) {
  sampler_t *s = ud;
  ck_assert_int_lt(s->n, 32);
  ck_assert_int_eq(gs_engine_now(eng), t);
  s->t[s->n] = t;
  s->processed[s->n++] = gs_engine_events_processed(eng);
}

static void sampler_finish(void *ud, gs_engine_t *eng) {
  (void)eng;
  ((sampler_t *)ud)->finished++;
}

START_TEST(observer_samples_after_events_at_instant) {
  gs_engine_t *e = loggers(1);
  sampler_t s = {0};
  gs_observer_t obs = {.name = "s", .interval_us = 10,
                       .sample = sampler_sample, .finish = sampler_finish,
                       .ud = &s};
  ck_assert_int_eq(gs_engine_add_observer(e, &obs), GS_OK);
  gs_engine_schedule(e, 0, 10, GS_PHASE_MODEL, 1, 1, 0);
  gs_engine_schedule(e, 0, 15, GS_PHASE_MODEL, 1, 2, 0);
  gs_engine_schedule(e, 0, 30, GS_PHASE_MODEL, 1, 3, 0);
  ck_assert_int_eq(gs_engine_run(e, 35), GS_OK);
  gs_engine_finish(e);
  ck_assert_int_eq(s.n, 4); /* t = 0, 10, 20, 30 */
  ck_assert_int_eq(s.t[0], 0);
  ck_assert_uint_eq(s.processed[0], 0);
  ck_assert_int_eq(s.t[1], 10);
  ck_assert_uint_eq(s.processed[1], 1);
  ck_assert_uint_eq(s.processed[2], 2);
  ck_assert_int_eq(s.t[3], 30);
  ck_assert_uint_eq(s.processed[3], 3);
  ck_assert_int_eq(s.finished, 1);
  gs_engine_destroy(e);
}
END_TEST

START_TEST(observer_does_not_change_digest) {
  gs_time_us_t T = 120 * GS_US_PER_S;
  uint64_t plain = run_digest(5, 40, T, NULL);
  gs_engine_t *e = make_engine(5, 40);
  sampler_t s = {0};
  gs_observer_t obs = {.name = "s", .interval_us = 5 * GS_US_PER_S,
                       .sample = sampler_sample, .ud = &s};
  ck_assert_int_eq(gs_engine_add_observer(e, &obs), GS_OK);
  ck_assert_int_eq(gs_engine_run(e, T), GS_OK);
  ck_assert_int_eq(s.n, 25);
  ck_assert_uint_eq(gs_engine_digest(e), plain);
  gs_engine_destroy(e);
}
END_TEST

static void stop_after(void *ud, gs_engine_t *eng) {
  uint64_t *limit = ud;
  if (gs_engine_events_processed(eng) >= *limit) gs_engine_stop(eng);
}

START_TEST(stop_interrupts_run) {
  gs_engine_t *e = make_engine(3, 20);
  uint64_t limit = 1000;
  gs_observer_t obs = {.name = "stop", .tick = stop_after, .tick_events = 100,
                       .ud = &limit};
  ck_assert_int_eq(gs_engine_add_observer(e, &obs), GS_OK);
  ck_assert_int_eq(gs_engine_run(e, GS_US_PER_DAY), GS_EINTR);
  ck_assert_uint_eq(gs_engine_events_processed(e), 1000);
  ck_assert_int_lt(gs_engine_now(e), GS_US_PER_DAY);
  gs_engine_destroy(e);
}
END_TEST

/* A pacer that injects one input event at t = 50 while waiting. */
typedef struct inject {
  gs_entity_id_t to;
  int done, calls;
} inject_t;

static gs_err_t inject_wait(void *ud, gs_engine_t *eng, gs_time_us_t next) {
  inject_t *in = ud;
  in->calls++;
  if (!in->done && next >= 50) {
    in->done = 1;
    gs_engine_advance(eng, 50);
    gs_engine_schedule(eng, in->to, 50, GS_PHASE_INPUT, 2, 7, 0);
  }
  return GS_OK;
}

START_TEST(pacer_injects_input) {
  gs_engine_t *e = loggers(1);
  inject_t in = {.to = 0};
  gs_engine_set_pacer(e, &(gs_pacer_t){.wait = inject_wait, .ud = &in});
  gs_engine_schedule(e, 0, 100, GS_PHASE_MODEL, 1, 1, 0);
  ck_assert_int_eq(gs_engine_run(e, 200), GS_OK);
  const logger_t *l = gs_engine_state(e, 0);
  ck_assert_int_eq(l->n, 2);
  ck_assert_int_eq(l->log[0], 2007); /* the input, at 50 */
  ck_assert_int_eq(l->log[1], 1001);
  ck_assert_int_ge(in.calls, 3);
  gs_engine_destroy(e);
}
END_TEST

/* A pacer that never waits: it only makes the engine take its paced path,
 * which pops one event at a time with no look-ahead. */
static gs_err_t no_wait(void *ud, gs_engine_t *eng, gs_time_us_t next) {
  (void)ud;
  (void)eng;
  (void)next;
  return GS_OK;
}

/* The batch path (look-ahead, fast queue) against the plainest one (no
 * look-ahead, reference heap): the pinger schedules ties at the present
 * instant in random phases for random targets, so handlers keep adding
 * events before those already held in the look-ahead, and cancels; the
 * event sequences must be identical. */
START_TEST(lookahead_equals_plain_heap) {
  gs_time_us_t T = 900 * GS_US_PER_S;
  uint64_t n_fast;
  uint64_t fast = run_digest(21, 300, T, &n_fast);
  gs_errbuf_t eb;
  gs_engine_t *e = gs_engine_create(
      &(gs_engine_config_t){.seed = 21, .queue = &gs_queue_heap}, &eb);
  ck_assert_ptr_nonnull(e);
  double params[1] = {300};
  for (uint32_t i = 0; i < 300; i++) {
    gs_model_init_t init = {.seed = 21, .key = gs_rng_key("p", i, 0),
                            .params = params, .ven = GS_ENTITY_NONE,
                            .meter = GS_METER_NONE};
    ck_assert_int_eq(gs_engine_add_entity(e, &pinger_type, &init, NULL, &eb),
                     GS_OK);
  }
  gs_engine_set_pacer(e, &(gs_pacer_t){.wait = no_wait});
  ck_assert_int_eq(gs_engine_run(e, T), GS_OK);
  ck_assert_uint_gt(n_fast, 100000);
  ck_assert_uint_gt(gs_engine_events_cancelled(e), 1000);
  ck_assert_uint_eq(gs_engine_events_processed(e), n_fast);
  ck_assert_uint_eq(gs_engine_digest(e), fast);
  gs_engine_destroy(e);
}
END_TEST

/* A model whose kind-1 events reach back: at its instant it schedules a
 * kind-2 event for entity 1 in the input phase (before every model-phase
 * event of that instant) and cancels the event `arg2` of entity 5. */
static void reacher_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                           const gs_event_t *ev) {
  logger_handle(eng, self, state, ev);
  if (ev->kind != 1 || self != 0) return;
  gs_engine_schedule(eng, 1, gs_engine_now(eng), GS_PHASE_INPUT, 2, 9, 0);
  gs_engine_cancel(eng, ((uint64_t)5 << 32) | ev->arg2);
}

static const gs_model_type_t reacher_type = {
    .name = "reacher", .state_size = sizeof(logger_t),
    .handle = reacher_handle};

/* Events already taken into the look-ahead (entities 2..9 at t = 10) wait
 * for one scheduled before them during the run, and one of them cancelled
 * while held there is skipped. */
START_TEST(lookahead_yields_to_earlier_and_cancel) {
  gs_engine_t *e = gs_engine_create(&(gs_engine_config_t){.seed = 1}, NULL);
  ck_assert_ptr_nonnull(e);
  for (int i = 0; i < 10; i++)
    ck_assert_int_eq(gs_engine_add_entity(e, &reacher_type,
                                          &(gs_model_init_t){0}, NULL, NULL),
                     GS_OK);
  for (gs_entity_id_t i = 9; i >= 1; i--) /* seq 0 for each */
    gs_engine_schedule(e, i, 10, GS_PHASE_MODEL, 3, i, 0);
  gs_engine_schedule(e, 0, 10, GS_PHASE_COMMAND, 1, 0, 0); /* cancels 5/0 */
  ck_assert_int_eq(gs_engine_run(e, 10), GS_OK);
  const logger_t *l1 = gs_engine_state(e, 1), *l5 = gs_engine_state(e, 5);
  ck_assert_int_eq(l1->n, 2);
  ck_assert_int_eq(l1->log[0], 2009); /* the input phase goes first */
  ck_assert_int_eq(l1->log[1], 3001);
  ck_assert_int_eq(l5->n, 0);
  ck_assert_uint_eq(gs_engine_events_processed(e), 10);
  ck_assert_uint_eq(gs_engine_events_cancelled(e), 1);
  ck_assert_uint_eq(gs_engine_pending(e), 0);
  gs_engine_destroy(e);
}
END_TEST

/* Released after the run: counters, digest, clock, entity count, pending
 * count and meters stay as they were (ASan checks nothing freed is
 * read). */
START_TEST(release_keeps_counters_and_meters) {
  gs_engine_t *e = make_engine(42, 50);
  uint32_t m;
  ck_assert_int_eq(gs_meters_add(gs_engine_meters(e), GS_METER_NONE, &m),
                   GS_OK);
  ck_assert_int_eq(gs_engine_run(e, 60 * GS_US_PER_S), GS_OK);
  gs_engine_add_power(e, m, 1500);
  ck_assert_int_eq(gs_engine_run(e, 120 * GS_US_PER_S), GS_OK);
  gs_engine_finish(e);
  uint64_t n = gs_engine_events_processed(e), d = gs_engine_digest(e);
  uint64_t c = gs_engine_events_cancelled(e);
  size_t pending = gs_engine_pending(e);
  ck_assert_uint_gt(pending, 0);
  gs_engine_release(e);
  ck_assert_uint_eq(gs_engine_events_processed(e), n);
  ck_assert_uint_eq(gs_engine_events_cancelled(e), c);
  ck_assert_uint_eq(gs_engine_digest(e), d);
  ck_assert_uint_eq(gs_engine_pending(e), pending);
  ck_assert_uint_eq(gs_engine_entity_count(e), 50);
  ck_assert_int_eq(gs_engine_now(e), 120 * GS_US_PER_S);
  ck_assert_int_eq(gs_meters_energy_mws(gs_engine_meters(e), m,
                                        120 * GS_US_PER_S),
                   1500 * 60);
  gs_engine_destroy(e);
}
END_TEST

/* A model for meter watches: kind 300 adds arg mW to meter arg2;
 * GS_EV_METER is counted with its time and meter; every event's kind is
 * logged in order. */
typedef struct watcher {
  int n_meter, n_log;
  gs_time_us_t last_us;
  int64_t last_meter;
  uint16_t log[8];
} watcher_t;

static void watcher_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                           const gs_event_t *ev) {
  (void)self;
  watcher_t *w = state;
  if (ev->kind == 300) gs_engine_add_power(eng, ev->arg2, ev->arg);
  if (ev->kind == GS_EV_METER) {
    w->n_meter++;
    w->last_us = gs_engine_now(eng);
    w->last_meter = ev->arg;
  }
  if (w->n_log < 8) w->log[w->n_log++] = ev->kind;
}

static const gs_model_type_t watcher_type = {
    .name = "watcher",
    .state_size = sizeof(watcher_t),
    .handle = watcher_handle,
};

/* An engine (seed 1) with `n` watcher entities, their ids in `ids`. */
static gs_engine_t *watcher_engine(gs_entity_id_t *ids, size_t n) {
  gs_errbuf_t eb = {{0}};
  gs_engine_t *e = gs_engine_create(&(gs_engine_config_t){.seed = 1}, &eb);
  ck_assert_ptr_nonnull(e);
  gs_model_init_t init = {.ven = GS_ENTITY_NONE, .meter = GS_METER_NONE};
  for (size_t i = 0; i < n; i++)
    ck_assert_int_eq(
        gs_engine_add_entity(e, &watcher_type, &init, &ids[i], &eb), GS_OK);
  return e;
}

/* A watch fires once, at the change, for another entity's change of the
 * meter itself; not for the watcher's own change, nor after unwatch. */
START_TEST(meter_watch_is_one_shot) {
  gs_entity_id_t ab[2];
  gs_engine_t *e = watcher_engine(ab, 2);
  gs_entity_id_t a = ab[0], b = ab[1];
  uint32_t root, m;
  gs_meters_t *ms = gs_engine_meters(e);
  ck_assert_int_eq(gs_meters_add(ms, GS_METER_NONE, &root), GS_OK);
  ck_assert_int_eq(gs_meters_add(ms, root, &m), GS_OK);
  const watcher_t *wa = gs_engine_state(e, a);
  gs_engine_watch_meter(e, m, a);
  gs_engine_schedule(e, b, 10, GS_PHASE_MODEL, 300, 1000, root); /* parent */
  gs_engine_schedule(e, a, 15, GS_PHASE_MODEL, 300, 1000, m);    /* own */
  gs_engine_schedule(e, b, 20, GS_PHASE_MODEL, 300, 1000, m);
  gs_engine_schedule(e, b, 30, GS_PHASE_MODEL, 300, 1000, m);
  ck_assert_int_eq(gs_engine_run(e, 25), GS_OK);
  ck_assert_int_eq(wa->n_meter, 1);
  ck_assert_int_eq(wa->last_us, 20);
  ck_assert_int_eq(gs_engine_run(e, 35), GS_OK);
  ck_assert_int_eq(wa->n_meter, 1); /* one-shot */
  gs_engine_watch_meter(e, m, a);
  gs_engine_unwatch_meter(e, m, a);
  gs_engine_schedule(e, b, 40, GS_PHASE_MODEL, 300, -3000, m);
  ck_assert_int_eq(gs_engine_run(e, 50), GS_OK);
  ck_assert_int_eq(wa->n_meter, 1);
  ck_assert_int_eq(gs_meters_power_mw(ms, m), 0);
  ck_assert_int_eq(gs_meters_power_mw(ms, root), 1000);
  gs_engine_destroy(e);
}
END_TEST

/* A watch with a period wakes its entity at the first of its instants
 * phase + k period strictly after the change (the phase itself before
 * it), once however many changes come before then, and in the order of
 * an event scheduled at the change. */
START_TEST(meter_watch_wakes_at_next_instant) {
  gs_entity_id_t ab[2];
  gs_engine_t *e = watcher_engine(ab, 2);
  gs_entity_id_t a = ab[0], b = ab[1];
  uint32_t m;
  gs_meters_t *ms = gs_engine_meters(e);
  ck_assert_int_eq(gs_meters_add(ms, GS_METER_NONE, &m), GS_OK);
  const watcher_t *wa = gs_engine_state(e, a);
  const gs_meter_watch_t every = {700, 1000, 1, 0};
  const gs_meter_watch_t at_change = {700, 0, 1, 0};
  /* Before the phase: the phase itself. */
  gs_engine_watch_meter_when(e, m, a, &every);
  ck_assert(gs_engine_watching(e, m, a));
  ck_assert(!gs_engine_watching(e, m, b));
  gs_engine_schedule(e, b, 300, GS_PHASE_MODEL, 300, 5, m);
  ck_assert_int_eq(gs_engine_run(e, 699), GS_OK);
  ck_assert_int_eq(wa->n_meter, 0);
  ck_assert(!gs_engine_watching(e, m, a)); /* ended by the change */
  ck_assert_int_eq(gs_engine_run(e, 700), GS_OK);
  ck_assert_int_eq(wa->n_meter, 1);
  ck_assert_int_eq(wa->last_us, 700);
  ck_assert_int_eq(wa->last_meter, m);
  /* Between instants: the next one; further changes add nothing. An
   * event of a's own scheduled at that instant after the change comes
   * after the wake. */
  gs_engine_watch_meter_when(e, m, a, &every);
  gs_engine_schedule(e, b, 1234, GS_PHASE_MODEL, 300, 5, m);
  gs_engine_schedule(e, b, 1500, GS_PHASE_MODEL, 300, 5, m);
  ck_assert_int_eq(gs_engine_run(e, 1699), GS_OK);
  ck_assert_int_eq(wa->n_meter, 1);
  gs_engine_schedule(e, a, 1700, GS_PHASE_MODEL, 301, 0, 0);
  ck_assert_int_eq(gs_engine_run(e, 5000), GS_OK);
  ck_assert_int_eq(wa->n_meter, 2);
  ck_assert_int_eq(wa->last_us, 1700);
  ck_assert_int_eq(wa->n_log, 3);
  ck_assert_int_eq(wa->log[1], GS_EV_METER);
  ck_assert_int_eq(wa->log[2], 301);
  /* At an instant: strictly after it. */
  gs_engine_watch_meter_when(e, m, a, &every);
  gs_engine_schedule(e, b, 5700, GS_PHASE_MODEL, 300, 5, m);
  ck_assert_int_eq(gs_engine_run(e, 10000), GS_OK);
  ck_assert_int_eq(wa->n_meter, 3);
  ck_assert_int_eq(wa->last_us, 6700);
  /* Period 0 (gs_engine_watch_meter): at the change. */
  gs_engine_watch_meter_when(e, m, a, &at_change);
  gs_engine_schedule(e, b, 10001, GS_PHASE_MODEL, 300, 5, m);
  ck_assert_int_eq(gs_engine_run(e, 20000), GS_OK);
  ck_assert_int_eq(wa->n_meter, 4);
  ck_assert_int_eq(wa->last_us, 10001);
  /* A new watch by another entity replaces it. */
  gs_engine_watch_meter_when(e, m, a, &every);
  gs_engine_watch_meter(e, m, b);
  ck_assert(!gs_engine_watching(e, m, a));
  gs_engine_unwatch_meter(e, m, a); /* not a's: nothing */
  ck_assert(gs_engine_watching(e, m, b));
  ck_assert_int_eq(gs_meters_power_mw(ms, m), 25);
  gs_engine_destroy(e);
}
END_TEST

/* A watch with a band ends only at a change that leaves the meter's
 * power outside it, whatever came before; the wake comes even if the
 * power is back in the band by then. */
START_TEST(meter_watch_band_ignores_changes_inside) {
  gs_entity_id_t ab[2];
  gs_engine_t *e = watcher_engine(ab, 2);
  gs_entity_id_t a = ab[0], b = ab[1];
  uint32_t m;
  ck_assert_int_eq(gs_meters_add(gs_engine_meters(e), GS_METER_NONE, &m),
                   GS_OK);
  const watcher_t *wa = gs_engine_state(e, a);
  gs_engine_watch_meter_when(e, m, a, &(gs_meter_watch_t){0, 100, -50, 200});
  gs_engine_schedule(e, b, 10, GS_PHASE_MODEL, 300, 200, m);  /* 200: in */
  gs_engine_schedule(e, b, 20, GS_PHASE_MODEL, 300, -250, m); /* -50: in */
  gs_engine_schedule(e, b, 130, GS_PHASE_MODEL, 300, -1, m);  /* -51: out */
  gs_engine_schedule(e, b, 150, GS_PHASE_MODEL, 300, 1, m);   /* back in */
  ck_assert_int_eq(gs_engine_run(e, 129), GS_OK);
  ck_assert(gs_engine_watching(e, m, a));
  ck_assert_int_eq(gs_engine_run(e, 1000), GS_OK);
  ck_assert(!gs_engine_watching(e, m, a));
  ck_assert_int_eq(wa->n_meter, 1);
  ck_assert_int_eq(wa->last_us, 200);
  /* Above the band too; a band of everything never ends. */
  gs_engine_watch_meter_when(e, m, a, &(gs_meter_watch_t){0, 100, -50, 200});
  gs_engine_schedule(e, b, 1010, GS_PHASE_MODEL, 300, 251, m); /* 201 */
  ck_assert_int_eq(gs_engine_run(e, 2000), GS_OK);
  ck_assert_int_eq(wa->n_meter, 2);
  ck_assert_int_eq(wa->last_us, 1100);
  gs_engine_watch_meter_when(e, m, a,
                             &(gs_meter_watch_t){0, 100, INT64_MIN, INT64_MAX});
  gs_engine_schedule(e, b, 2010, GS_PHASE_MODEL, 300, 1000000, m);
  ck_assert_int_eq(gs_engine_run(e, 3000), GS_OK);
  ck_assert_int_eq(wa->n_meter, 2);
  ck_assert(gs_engine_watching(e, m, a));
  gs_engine_destroy(e);
}
END_TEST

/* Watches on many meters (the table of records grows from 16 entries to
 * 1024, moving every record each time): each is found again under its
 * meter, an unwatched meter has none, a watch moved to another entity
 * replaces its record, and each fires once, for its own meter. */
START_TEST(meter_watches_many_meters) {
  enum { N = 700 };
  gs_entity_id_t ab[2];
  gs_engine_t *e = watcher_engine(ab, 2);
  gs_entity_id_t a = ab[0], b = ab[1];
  gs_meters_t *ms = gs_engine_meters(e);
  uint32_t m;
  for (int i = 0; i < N; i++) {
    ck_assert_int_eq(gs_meters_add(ms, GS_METER_NONE, &m), GS_OK);
    ck_assert_uint_eq(m, (uint32_t)i);
  }
  for (uint32_t i = 0; i < N; i += 2)
    gs_engine_watch_meter(e, i, a);
  for (uint32_t i = 0; i < N; i += 4)
    gs_engine_watch_meter(e, i, b);
  for (uint32_t i = 0; i < N; i++) {
    ck_assert_int_eq(gs_engine_watching(e, i, a), i % 4 == 2);
    ck_assert_int_eq(gs_engine_watching(e, i, b), i % 4 == 0);
  }
  for (uint32_t i = 0; i < N; i++) /* none by its own watcher */
    gs_engine_schedule(e, i % 4 == 0 ? a : b, 10 + i, GS_PHASE_MODEL, 300, 5,
                       i);
  ck_assert_int_eq(gs_engine_run(e, 10000), GS_OK);
  const watcher_t *wa = gs_engine_state(e, a), *wb = gs_engine_state(e, b);
  ck_assert_int_eq(wa->n_meter, N / 4);
  ck_assert_int_eq(wa->last_meter, N - 2);
  ck_assert_int_eq(wa->last_us, 10 + N - 2);
  ck_assert_int_eq(wb->n_meter, N / 4);
  ck_assert_int_eq(wb->last_meter, N - 4);
  for (uint32_t i = 0; i < N; i++) {
    ck_assert(!gs_engine_watching(e, i, a));
    ck_assert(!gs_engine_watching(e, i, b));
    ck_assert_int_eq(gs_meters_power_mw(ms, i), 5);
  }
  gs_engine_destroy(e);
}
END_TEST

/* A watcher that reports its meter: the engine keeps none. */
typedef struct metered {
  watcher_t w;
  uint32_t meter;
} metered_t;

static gs_err_t metered_init(gs_engine_t *eng, gs_entity_id_t self, void *state,
                             const gs_model_init_t *init, gs_errbuf_t *eb) {
  (void)eng;
  (void)self;
  (void)eb;
  ((metered_t *)state)->meter = init->meter;
  return GS_OK;
}

static uint32_t metered_meter_of(const void *state) {
  return ((const metered_t *)state)->meter;
}

static const gs_model_type_t metered_type = {
    .name = "metered",
    .state_size = sizeof(metered_t),
    .init = metered_init,
    .handle = watcher_handle,
    .meter_of = metered_meter_of,
};

/* The packed entity record keeps 64 model types; beyond, adding an entity
 * is a range error, never a silently truncated record. An entity's meter
 * is its model's: any value, GS_METER_NONE without meter_of. */
START_TEST(entity_record_limits) {
  gs_errbuf_t eb = {{0}};
  gs_engine_t *e = gs_engine_create(&(gs_engine_config_t){.seed = 1}, &eb);
  ck_assert_ptr_nonnull(e);
  gs_entity_id_t id;
  gs_model_init_t init = {.ven = GS_ENTITY_NONE, .meter = 7};
  ck_assert_int_eq(gs_engine_add_entity(e, &watcher_type, &init, &id, &eb),
                   GS_OK);
  ck_assert_uint_eq(gs_engine_entity_meter(e, id), GS_METER_NONE);
  init.meter = UINT32_MAX - 1;
  ck_assert_int_eq(gs_engine_add_entity(e, &metered_type, &init, &id, &eb),
                   GS_OK);
  ck_assert_uint_eq(gs_engine_entity_meter(e, id), UINT32_MAX - 1);
  init.meter = GS_METER_NONE;
  static gs_model_type_t types[64];
  for (int i = 0; i < 64; i++) {
    types[i] = watcher_type;
    gs_err_t want = i < 62 ? GS_OK : GS_ERANGE; /* with watcher, metered */
    ck_assert_int_eq(gs_engine_add_entity(e, &types[i], &init, &id, &eb), want);
  }
  ck_assert_uint_eq(gs_engine_entity_count(e), 64);
  ck_assert_ptr_eq(gs_engine_type(e, 63), &types[61]);
  gs_engine_destroy(e);
}
END_TEST

/* An entity's events are numbered up to GS_ENGINE_SEQ_NONE - 1 (the
 * record's 28-bit counter), in order to the last. */
START_TEST(seq_reaches_its_limit) {
  gs_entity_id_t id;
  gs_engine_t *e = watcher_engine(&id, 1);
  gs__engine_set_seq(e, id, GS_ENGINE_SEQ_NONE - 2);
  gs_event_handle_t h1 =
      gs_engine_schedule(e, id, 5, GS_PHASE_MODEL, 301, 0, 0);
  gs_event_handle_t h2 =
      gs_engine_schedule(e, id, 5, GS_PHASE_MODEL, 302, 0, 0);
  ck_assert_uint_eq(h1 & UINT32_MAX, GS_ENGINE_SEQ_NONE - 2);
  ck_assert_uint_eq(h2 & UINT32_MAX, GS_ENGINE_SEQ_NONE - 1);
  ck_assert_int_eq(gs_engine_run(e, 10), GS_OK);
  const watcher_t *w = gs_engine_state(e, id);
  ck_assert_int_eq(w->n_log, 2);
  ck_assert_int_eq(w->log[0], 301);
  ck_assert_int_eq(w->log[1], 302);
  gs_engine_destroy(e);
}
END_TEST

/* One more would wrap the counter and reorder the entity's events: the
 * run is stopped (GS_ASSERT aborts) instead. */
START_TEST(seq_overflow_aborts) {
  gs_entity_id_t id;
  gs_engine_t *e = watcher_engine(&id, 1);
  gs__engine_set_seq(e, id, GS_ENGINE_SEQ_NONE - 1);
  gs_engine_schedule(e, id, 5, GS_PHASE_MODEL, 301, 0, 0); /* the last */
  gs_engine_schedule(e, id, 5, GS_PHASE_MODEL, 302, 0, 0); /* aborts */
  gs_engine_destroy(e);
}
END_TEST

START_TEST(bad_arguments) {
  gs_errbuf_t eb = {{0}};
  gs_engine_t *e = loggers(0);
  ck_assert_int_eq(gs_engine_add_entity(e, NULL, &(gs_model_init_t){0}, NULL,
                                        &eb),
                   GS_EINVAL);
  ck_assert_int_eq(gs_engine_add_observer(e, &(gs_observer_t){
                                                 .interval_us = 5}),
                   GS_EINVAL);
  ck_assert_str_eq(gs_strerror(GS_OK), "success");
  ck_assert_str_eq(gs_strerror(GS_ESCENARIO), "invalid scenario");
  ck_assert_str_eq(gs_strerror((gs_err_t)999), "unknown error");
  gs_engine_destroy(e);
}
END_TEST

/* A model that records what its events carried, for the packing test. */
typedef struct recorder {
  int n;
  gs_event_t seen[16];
} recorder_t;

static void recorder_handle(gs_engine_t *eng, gs_entity_id_t self,
                            void *state, const gs_event_t *ev) {
  (void)eng;
  (void)self;
  recorder_t *r = state;
  if (r->n < 16) r->seen[r->n++] = *ev;
}

static const gs_model_type_t recorder_type = {
    .name = "recorder",
    .state_size = sizeof(recorder_t),
    .handle = recorder_handle,
};

/* The queue stores events in 24 bytes, with kind, arg and arg2 in one
 * word and a spill slot for wide ones: handlers must see exactly what was
 * scheduled, at the edges of the inline encoding and beyond, and a spill
 * slot must be reusable after its event is popped. */
START_TEST(event_payload_round_trips) {
  static const struct {
    uint16_t kind;
    int64_t arg;
    uint32_t arg2;
  } cases[] = {
      {1, 0, 0},
      {65535, INT32_MAX, 0x1fff},
      {7, INT32_MIN, UINT32_C(0xc0001fff)}, /* the flag bits, inline */
      {8, -1, UINT32_C(0x80000000)},
      {9, (int64_t)INT32_MAX + 1, 0},     /* wide arg: spills */
      {10, INT64_MIN, UINT32_MAX},        /* both wide */
      {11, 5, 0x2000},                    /* arg2 bit 13: spills */
      {12, INT64_MAX, UINT32_C(0x3fffffff)},
  };
  enum { N = sizeof cases / sizeof cases[0] };
  gs_errbuf_t eb;
  gs_engine_t *e = gs_engine_create(&(gs_engine_config_t){.seed = 1}, &eb);
  ck_assert_ptr_nonnull(e);
  gs_entity_id_t id;
  gs_model_init_t init = {.ven = GS_ENTITY_NONE, .meter = GS_METER_NONE};
  ck_assert_int_eq(gs_engine_add_entity(e, &recorder_type, &init, &id, &eb),
                   GS_OK);
  for (int round = 0; round < 2; round++) { /* the second reuses slots */
    for (int i = 0; i < N; i++)
      gs_engine_schedule(e, id, (round * N + i) * 10, GS_PHASE_REPORT,
                         cases[i].kind, cases[i].arg, cases[i].arg2);
    ck_assert_int_eq(gs_engine_run(e, (round + 1) * N * 10), GS_OK);
  }
  const recorder_t *r = gs_engine_state(e, id);
  ck_assert_int_eq(r->n, 2 * N);
  for (int k = 0; k < 2 * N; k++) {
    int i = k % N;
    ck_assert_int_eq(r->seen[k].time_us, k * 10);
    ck_assert_uint_eq(r->seen[k].target, id);
    ck_assert_uint_eq(r->seen[k].phase, GS_PHASE_REPORT);
    ck_assert_uint_eq(r->seen[k].seq, (uint32_t)k);
    ck_assert_uint_eq(r->seen[k].kind, cases[i].kind);
    ck_assert_int_eq(r->seen[k].arg, cases[i].arg);
    ck_assert_uint_eq(r->seen[k].arg2, cases[i].arg2);
  }
  gs_engine_destroy(e);
}
END_TEST

/* Interned records: equal bytes give the same copy, different bytes a
 * different one, and copies outlive the data they were made from. */
START_TEST(intern_shares_equal_records) {
  gs_errbuf_t eb;
  gs_engine_t *e = gs_engine_create(&(gs_engine_config_t){.seed = 1}, &eb);
  ck_assert_ptr_nonnull(e);
  double a[3] = {1, 2, 3}, b[3] = {1, 2, 4};
  const double *pa = gs_engine_intern(e, a, sizeof a);
  const double *pb = gs_engine_intern(e, b, sizeof b);
  ck_assert_ptr_nonnull(pa);
  ck_assert_ptr_nonnull(pb);
  ck_assert_ptr_ne(pa, pb);
  ck_assert_ptr_eq(gs_engine_intern(e, a, sizeof a), pa);
  a[2] = 9; /* the copy does not follow the original */
  ck_assert_double_eq(pa[2], 3);
  for (int i = 0; i < 1000; i++) { /* several blocks' worth */
    double c[3] = {i, i, i};
    const double *pc = gs_engine_intern(e, c, sizeof c);
    ck_assert_ptr_nonnull(pc);
    ck_assert_double_eq(pc[1], i);
  }
  ck_assert_double_eq(pb[2], 4);
  gs_engine_destroy(e);
}
END_TEST

Suite *engine_suite(void) {
  Suite *s = suite_create("engine");
  TCase *tc = tcase_create("engine");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, same_seed_same_digest);
  tcase_add_test(tc, split_run_equals_single_run);
  tcase_add_test(tc, digest_is_mix64_of_the_fields);
  tcase_add_test(tc, same_time_order_is_phase_target_seq);
  tcase_add_test(tc, cancel_is_lazy_and_exact);
  tcase_add_test(tc, run_until_is_inclusive);
  tcase_add_test(tc, observer_samples_after_events_at_instant);
  tcase_add_test(tc, observer_does_not_change_digest);
  tcase_add_test(tc, stop_interrupts_run);
  tcase_add_test(tc, pacer_injects_input);
  tcase_add_test(tc, bad_arguments);
  tcase_add_test(tc, entity_record_limits);
  tcase_add_test(tc, seq_reaches_its_limit);
  tcase_add_test_raise_signal(tc, seq_overflow_aborts, SIGABRT);
  tcase_add_test(tc, release_keeps_counters_and_meters);
  tcase_add_test(tc, meter_watch_is_one_shot);
  tcase_add_test(tc, meter_watch_wakes_at_next_instant);
  tcase_add_test(tc, meter_watch_band_ignores_changes_inside);
  tcase_add_test(tc, meter_watches_many_meters);
  tcase_add_test(tc, lookahead_equals_plain_heap);
  tcase_add_test(tc, lookahead_yields_to_earlier_and_cancel);
  tcase_add_test(tc, event_payload_round_trips);
  tcase_add_test(tc, intern_shares_equal_records);
  suite_add_tcase(s, tc);
  return s;
}
