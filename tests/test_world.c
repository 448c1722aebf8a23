/* SPDX-License-Identifier: MIT */
/* World building and the program: stream independence, exact dispatch. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "gridsim/engine.h"
#include "world.h"

/* A small scenario: groups given as JSON text, one event. */
static const char *scenario_text(char *buf, size_t size, const char *groups,
                                 const char *event_extra) {
  snprintf(buf, size,
           "{\"name\":\"t\",\"start\":\"2026-07-15T00:00:00Z\","
           "\"duration_s\":21600,\"seed\":11,\"fleet\":[%s],"
           "\"program\":{\"events\":[{\"id\":\"e1\",\"start_s\":7200,"
           "\"duration_s\":3600,\"requested_kw\":1.234567%s}]}}",
           groups, event_extra);
  return buf;
}

#define GROUP(name, count, ven)                                              \
  "{\"name\":\"" name "\",\"count\":" #count ",\"ven\":{" ven "},"           \
  "\"loads\":[{\"type\":\"fridge\",\"id\":\"fridge1\",\"params\":{"          \
  "\"setpoint_c\":{\"dist\":\"uniform\",\"min\":2,\"max\":4}}}]}"

typedef struct run {
  gs_scenario_t *s;
  gs_engine_t *e;
  gs_world_t *w;
} run_t;

static run_t build(const char *text) {
  run_t r = {0};
  gs_errbuf_t eb = {{0}};
  gs_err_t err = gs_scenario_load_string(text, "test.json", NULL, &r.s, &eb);
  ck_assert_msg(err == GS_OK, "scenario: %s", eb.msg);
  r.e = gs_engine_create(&(gs_engine_config_t){.seed = 11}, &eb);
  ck_assert_ptr_nonnull(r.e);
  err = gs_world_build(r.s, r.e, &r.w, &eb);
  ck_assert_msg(err == GS_OK, "world: %s", eb.msg);
  ck_assert_int_eq(gs_engine_run(r.e, gs_scenario_duration_us(r.s)), GS_OK);
  gs_engine_finish(r.e);
  return r;
}

static void destroy(run_t *r) {
  gs_engine_destroy(r->e);
  gs_world_free(r->w);
  gs_scenario_free(r->s);
}

/* Energy of the VEN with id `ven_id`, exact in mW·s. */
static int64_t ven_energy(const run_t *r, const char *ven_id) {
  for (uint64_t i = 0; i < r->w->n_vens; i++) {
    char id[96];
    gs_world_ven_id(r->w, i, id, sizeof id);
    if (strcmp(id, ven_id) == 0) {
      /* The VEN's meter is the one its entity was built with. */
      return gs_meters_energy_mws(gs_engine_meters(r->e), r->w->ven_meter[i],
                                  gs_engine_now(r->e));
    }
  }
  ck_abort_msg("no VEN %s", ven_id);
  return 0;
}

/* Adding VENs (a group before, more members after) leaves every existing
 * VEN's trajectory unchanged to the milliwatt-second. */
START_TEST(adding_entities_keeps_draws) {
  char a[2048], b[2048];
  scenario_text(a, sizeof a, GROUP("north", 6, ""), "");
  scenario_text(b, sizeof b,
                GROUP("east", 4, "") "," GROUP("north", 9, ""), "");
  run_t ra = build(a), rb = build(b);
  ck_assert_uint_eq(ra.w->n_vens, 6);
  ck_assert_uint_eq(rb.w->n_vens, 13);
  int64_t total = 0;
  static const char *const ids[] = {"north-0000", "north-0001", "north-0002",
                                    "north-0003", "north-0004", "north-0005"};
  for (size_t i = 0; i < 6; i++) {
    int64_t ea = ven_energy(&ra, ids[i]), eb = ven_energy(&rb, ids[i]);
    ck_assert_int_eq(ea, eb);
    ck_assert_int_gt(ea, 0);
    total += ea;
  }
  /* The fleet is the exact sum of its VENs. */
  ck_assert_int_ge(gs_meters_energy_mws(gs_engine_meters(ra.e), 0,
                                        gs_engine_now(ra.e)),
                   total);
  ck_assert_int_lt(gs_meters_energy_mws(gs_engine_meters(ra.e), 0,
                                        gs_engine_now(ra.e)),
                   total + 6);
  destroy(&ra);
  destroy(&rb);
}
END_TEST

/* The request is split over the targets to the milliwatt. */
START_TEST(dispatch_splits_exactly) {
  char t[2048];
  scenario_text(t, sizeof t, GROUP("g", 7, ""), "");
  run_t r = build(t);
  const gs_dr_result_t *d = &r.w->dr[0];
  ck_assert_int_eq(d->requested_mw, 1234567);
  ck_assert_int_eq(d->dispatched_mw, 1234567);
  ck_assert_uint_eq(d->targeted, 7);
  ck_assert_uint_eq(d->acks, 7);
  ck_assert_uint_eq(d->opt_outs + d->lost, 0);
  ck_assert_int_gt(d->baseline_mw, 0);
  destroy(&r);
}
END_TEST

START_TEST(targets_group_and_fraction) {
  char t[2048];
  scenario_text(t, sizeof t, GROUP("a", 5, "") "," GROUP("b", 3, ""),
                ",\"target\":{\"group\":\"b\"}");
  run_t r = build(t);
  ck_assert_uint_eq(r.w->dr[0].targeted, 3);
  ck_assert_int_eq(r.w->dr[0].dispatched_mw, 1234567);
  destroy(&r);
  scenario_text(t, sizeof t, GROUP("a", 400, ""),
                ",\"target\":{\"fraction\":0.25}");
  r = build(t);
  ck_assert_uint_gt(r.w->dr[0].targeted, 60); /* ~100, binomial sd 8.7 */
  ck_assert_uint_lt(r.w->dr[0].targeted, 140);
  ck_assert_int_eq(r.w->dr[0].dispatched_mw, 1234567);
  destroy(&r);
  scenario_text(t, sizeof t, GROUP("a", 20, ""),
                ",\"target\":{\"vens\":[\"a-0003\",\"a-0019\"]}");
  r = build(t);
  ck_assert_uint_eq(r.w->dr[0].targeted, 2);
  destroy(&r);
}
END_TEST

START_TEST(opt_out_and_loss) {
  char t[2048];
  scenario_text(t, sizeof t, GROUP("a", 10, "\"opt_out_prob\":1"), "");
  run_t r = build(t);
  ck_assert_uint_eq(r.w->dr[0].opt_outs, 10);
  ck_assert_uint_eq(r.w->dr[0].acks, 0);
  destroy(&r);
  scenario_text(t, sizeof t, GROUP("a", 10, "\"loss_prob\":1"), "");
  r = build(t);
  ck_assert_uint_eq(r.w->dr[0].lost, 10);
  ck_assert_uint_eq(r.w->dr[0].acks, 0);
  destroy(&r);
}
END_TEST

/* Every load type in one home: at every sampled instant each VEN's meter
 * equals the sum of its circuits' power and the fleet equals the sum of
 * its VENs, exactly, so energies add up exactly too (power is piecewise
 * constant between events). */
typedef struct sums {
  gs_world_t *w;
  int samples;
} sums_t;

static void check_sums(void *ud, gs_engine_t *eng, gs_time_us_t t) {
  sums_t *c = ud;
  gs_meters_t *m = gs_engine_meters(eng);
  int64_t fleet = 0;
  for (uint64_t i = 0; i < c->w->n_vens; i++) {
    gs_entity_id_t ven = c->w->ven_entity[i];
    int64_t loads = 0;
    for (gs_entity_id_t id = ven + 1; id < gs_engine_entity_count(eng) &&
                                      gs_engine_type(eng, id)->status;
         id++) {
      gs_load_status_t st;
      memset(&st, 0, sizeof st);
      gs_engine_type(eng, id)->status(gs_engine_state(eng, id), t, &st);
      loads += st.power_mw;
    }
    int64_t vp = gs_meters_power_mw(m, c->w->ven_meter[i]);
    ck_assert_int_eq(vp, loads);
    fleet += vp;
  }
  ck_assert_int_eq(gs_meters_power_mw(m, c->w->fleet_meter), fleet);
  c->samples++;
}

START_TEST(every_load_adds_up_exactly) {
  static const char *const types[] = {
      "hvac",     "fridge",   "water_heater", "ev",      "dryer", "range",
      "lighting", "outlets",  "pv",           "battery", "pool_pump"};
  char loads[2048] = "";
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    size_t len = strlen(loads);
    snprintf(loads + len, sizeof loads - len,
             "%s{\"type\":\"%s\",\"id\":\"%s1\"}", i ? "," : "", types[i],
             types[i]);
  }
  char text[4096];
  snprintf(text, sizeof text,
           "{\"name\":\"all\",\"start\":\"2026-07-15T00:00:00-07:00\","
           "\"utc_offset_h\":-7,\"duration_s\":86400,\"seed\":3,"
           "\"fleet\":[{\"name\":\"h\",\"count\":30,\"ven\":{"
           "\"shed_strategy\":\"thermal\"},\"loads\":[%s]}],"
           "\"program\":{\"events\":[{\"id\":\"e\",\"start_s\":61200,"
           "\"duration_s\":7200,\"requested_kw\":60}]}}",
           loads);
  gs_scenario_t *s;
  gs_errbuf_t eb = {{0}};
  ck_assert_msg(gs_scenario_load_string(text, "all.json", NULL, &s, &eb) ==
                    GS_OK,
                "%s", eb.msg);
  gs_engine_t *e = gs_engine_create(&(gs_engine_config_t){.seed = 3}, NULL);
  gs_world_t *w;
  ck_assert_msg(gs_world_build(s, e, &w, &eb) == GS_OK, "%s", eb.msg);
  ck_assert_uint_eq(w->n_loads, 30 * 11);
  sums_t c = {.w = w};
  gs_observer_t o = {.name = "sums", .interval_us = 60 * GS_US_PER_S,
                     .sample = check_sums, .ud = &c};
  ck_assert_int_eq(gs_engine_add_observer(e, &o), GS_OK);
  ck_assert_int_eq(gs_engine_run(e, gs_scenario_duration_us(s)), GS_OK);
  gs_engine_finish(e);
  ck_assert_int_eq(c.samples, 1441);
  ck_assert_int_gt(w->dr[0].acked_shed_mw, 0);
  gs_engine_destroy(e);
  gs_world_free(w);
  gs_scenario_free(s);
}
END_TEST

/* The fast queue and the reference heap run the default fleet through the
 * same events in the same order: equal digests and equal energy. */
START_TEST(queues_agree_on_a_fleet) {
  uint64_t digest[2];
  int64_t energy[2];
  const gs_queue_ops_t *q[2] = {&gs_queue_heap, &gs_queue_bucket};
  for (int k = 0; k < 2; k++) {
    gs_scenario_overrides_t ov = {.has_vens = true, .vens = 60};
    gs_scenario_t *s;
    gs_errbuf_t eb = {{0}};
    ck_assert_int_eq(gs_scenario_load_default(&ov, &s, &eb), GS_OK);
    gs_engine_t *e = gs_engine_create(
        &(gs_engine_config_t){.seed = gs_scenario_seed(s), .queue = q[k]},
        NULL);
    gs_world_t *w;
    ck_assert_msg(gs_world_build(s, e, &w, &eb) == GS_OK, "%s", eb.msg);
    ck_assert_int_eq(gs_engine_run(e, gs_scenario_duration_us(s)), GS_OK);
    digest[k] = gs_engine_digest(e);
    energy[k] = gs_meters_energy_mws(gs_engine_meters(e), w->fleet_meter,
                                     gs_engine_now(e));
    ck_assert_uint_gt(gs_engine_events_processed(e), 10000);
    gs_engine_destroy(e);
    gs_world_free(w);
    gs_scenario_free(s);
  }
  ck_assert_uint_eq(digest[0], digest[1]);
  ck_assert_int_eq(energy[0], energy[1]);
}
END_TEST

Suite *world_suite(void) {
  Suite *s = suite_create("world");
  TCase *tc = tcase_create("world");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, adding_entities_keeps_draws);
  tcase_add_test(tc, dispatch_splits_exactly);
  tcase_add_test(tc, targets_group_and_fraction);
  tcase_add_test(tc, opt_out_and_loss);
  tcase_add_test(tc, every_load_adds_up_exactly);
  tcase_add_test(tc, queues_agree_on_a_fleet);
  suite_add_tcase(s, tc);
  return s;
}
