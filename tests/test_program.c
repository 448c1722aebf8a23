/* SPDX-License-Identifier: MIT */
/* The program: exact splits, offline VENs, early end, OpenADR signals. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dr_perf.h"
#include "ev.h"
#include "hvac.h"
#include "models.h"
#include "program.h"
#include "scenario_priv.h"
#include "ven_priv.h"

/* Scenario text: a hot Sacramento day from local midnight. */
#define HEAD(dur)                                                       \
  "{\"name\":\"p\",\"start\":\"2026-07-15T00:00:00-07:00\","            \
  "\"utc_offset_h\":-7,\"duration_s\":" #dur                            \
  ",\"seed\":5,"                                                        \
  "\"output\":{\"interval_s\":60},\"weather\":{\"type\":\"synthetic\"," \
  "\"latitude_deg\":38.6,\"longitude_deg\":-121.5,\"t_min_c\":17,"      \
  "\"t_max_c\":36},"
/* Fridges and water heaters: VENs whose capability differs and changes. */
#define SHEDDABLE(name, count, ven)                                            \
  "{\"name\":\"" name "\",\"count\":" #count ",\"ven\":{" ven                  \
  "},"                                                                         \
  "\"loads\":[{\"type\":\"fridge\",\"id\":\"f\",\"params\":{\"critical\":0}}," \
  "{\"type\":\"water_heater\",\"id\":\"wh\",\"present\":0.6}]}"

typedef struct run {
  gs_scenario_t *s;
  gs_engine_t *e;
  gs_world_t *w;
} run_t;

static run_t open_run(const char *text, int32_t suppress) {
  run_t r = {0};
  gs_errbuf_t eb = {{0}};
  gs_err_t err = gs_scenario_load_string(text, "p.json", NULL, &r.s, &eb);
  ck_assert_msg(err == GS_OK, "scenario: %s", eb.msg);
  r.e = gs_engine_create(&(gs_engine_config_t){.seed = r.s->seed}, &eb);
  ck_assert_ptr_nonnull(r.e);
  gs_world_opts_t o = {.sink = NULL, .suppress_event = suppress};
  err = gs_world_build_opts(r.s, r.e, &o, &r.w, &eb);
  ck_assert_msg(err == GS_OK, "world: %s", eb.msg);
  return r;
}

static void close_run(run_t *r) {
  gs_engine_destroy(r->e);
  gs_world_free(r->w);
  gs_scenario_free(r->s);
}

static gs__ven_t *ven(run_t *r, uint64_t i) {
  return gs_engine_state(r->e, r->w->ven_entity[i]);
}

/* The share VEN i was asked for event 0 (0 if it holds no event 0). */
static int64_t asked_mw(run_t *r, uint64_t i) {
  const gs__ven_t *v = ven(r, i);
  return v->active == 0 ? v->requested_mw : 0;
}

static int64_t sum(const int64_t *x, size_t n) {
  int64_t t = 0;
  for (size_t i = 0; i < n; i++)
    t += x[i];
  return t;
}

/* ---- the split itself, on hand-computed cases ---------------------- */

START_TEST(split_equal_by_hand) {
  gs_split_ven_t v[7] = {{0}};
  int64_t share[7];
  /* 1 000 003 mW over 7: 142 857 each, remainder 4 to the first four. */
  gs_program_split(GS_DISPATCH_EQUAL, v, 7, 1000003, share);
  for (int i = 0; i < 7; i++)
    ck_assert_int_eq(share[i], i < 4 ? 142858 : 142857);
  ck_assert_int_eq(sum(share, 7), 1000003);
}
END_TEST

START_TEST(split_capability_by_hand) {
  /* 10 mW over capabilities 1000, 2000, 3000, 0 mW: exact shares 1.667,
   * 3.333, 5, 0; floors 1, 3, 5, 0 leave 1 mW, which goes to the largest
   * remainder (VEN 0, 4000/6000). */
  gs_split_ven_t v[4] = {{1000, 0}, {2000, 0}, {3000, 0}, {0, 0}};
  int64_t share[4];
  gs_program_split(GS_DISPATCH_CAPABILITY, v, 4, 10, share);
  ck_assert_int_eq(share[0], 2);
  ck_assert_int_eq(share[1], 3);
  ck_assert_int_eq(share[2], 5);
  ck_assert_int_eq(share[3], 0);
  /* Equal capabilities, 2 mW over 3: ties go to the earlier VENs. */
  gs_split_ven_t t[3] = {{5, 0}, {5, 0}, {5, 0}};
  gs_program_split(GS_DISPATCH_CAPABILITY, t, 3, 2, share);
  ck_assert_int_eq(share[0], 1);
  ck_assert_int_eq(share[1], 1);
  ck_assert_int_eq(share[2], 0);
  /* Nobody reports capability: an equal split. */
  gs_split_ven_t z[3] = {{0, 0}, {0, 0}, {0, 0}};
  gs_program_split(GS_DISPATCH_CAPABILITY, z, 3, 100, share);
  ck_assert_int_eq(share[0], 34);
  ck_assert_int_eq(share[1], 33);
  ck_assert_int_eq(share[2], 33);
  /* Large numbers: 10 MW over 3 kW + 7 kW + 11 kW (products past 2^63
   * would overflow in 64 bits: 1e10 mW x 1.1e7 mW). */
  gs_split_ven_t big[3] = {{3000000, 0}, {7000000, 0}, {11000000, 0}};
  gs_program_split(GS_DISPATCH_CAPABILITY, big, 3, INT64_C(10000000000), share);
  /* 1e10 x 3/21 = 1428571428.57, x 7/21 = 3333333333.33, x 11/21 =
   * 5238095238.10: floors sum to 9999999999, the 1 mW to VEN 0 (.57). */
  ck_assert_int_eq(share[0], INT64_C(1428571429));
  ck_assert_int_eq(share[1], INT64_C(3333333333));
  ck_assert_int_eq(share[2], INT64_C(5238095238));
  ck_assert_int_eq(sum(share, 3), INT64_C(10000000000));
}
END_TEST

START_TEST(split_priority_by_hand) {
  /* Group 0 first, by capability descending: VEN 2 (7), VEN 3 (7, later
   * index), VEN 0 (5); then group 1: VEN 1 (100). */
  gs_split_ven_t v[4] = {{5, 0}, {100, 1}, {7, 0}, {7, 0}};
  int64_t share[4];
  gs_program_split(GS_DISPATCH_PRIORITY, v, 4, 15, share);
  ck_assert_int_eq(share[0], 1);
  ck_assert_int_eq(share[1], 0);
  ck_assert_int_eq(share[2], 7);
  ck_assert_int_eq(share[3], 7);
  /* 200 mW against 119 mW of capability: all filled, the 81 mW left
   * split equally over the four (20 each, the extra mW to VEN 0). */
  gs_program_split(GS_DISPATCH_PRIORITY, v, 4, 200, share);
  ck_assert_int_eq(share[0], 5 + 21);
  ck_assert_int_eq(share[1], 100 + 20);
  ck_assert_int_eq(share[2], 7 + 20);
  ck_assert_int_eq(share[3], 7 + 20);
  ck_assert_int_eq(sum(share, 4), 200);
}
END_TEST

START_TEST(simple_levels_map) {
  /* 0 normal, 1 moderate = 1/3, 2 high = 2/3, 3 special = all. */
  ck_assert_int_eq(gs_program_simple_mw(3000000, 0), 0);
  ck_assert_int_eq(gs_program_simple_mw(3000000, 1), 1000000);
  ck_assert_int_eq(gs_program_simple_mw(3000000, 2), 2000000);
  ck_assert_int_eq(gs_program_simple_mw(3000000, 3), 3000000);
  ck_assert_int_eq(gs_program_simple_mw(1000, 1), 333); /* rounded down */
  ck_assert_int_eq(gs_program_simple_mw(1000, 2), 666);
  ck_assert_int_eq(gs_program_simple_mw(0, 3), 0);
}
END_TEST

/* ---- dispatch in a run ---------------------------------------------- */

static const char *const policies[] = {"equal", "capability", "priority"};

/* Each policy in a run: the shares the VENs receive are exactly the split
 * of the capabilities the backend read at the event's start, and they sum
 * to the request to the milliwatt. */
START_TEST(run_splits_exactly) {
  char t[4096];
  snprintf(t, sizeof t,
           HEAD(10800) "\"fleet\":[" SHEDDABLE("a", 9, "") "," SHEDDABLE(
               "b", 8, "") "],\"program\":{\"dispatch\":\"%s\",\"events\":"
                           "[{\"id\":\"e\",\"start_s\":7200,\"duration_s\":"
                           "1800,\"requested_kw\":%s}]}}",
           policies[_i % 3], _i < 3 ? "1.234567" : "40.000001");
  run_t r = open_run(t, -1);
  gs_time_us_t start_us = r.s->events[0].start_us;
  size_t n = r.w->n_vens;
  gs_split_ven_t v[17];
  int64_t want[17];
  ck_assert_uint_eq(n, 17);
  /* Load power is constant between events: capabilities just before the
   * start are those the program reads at it. */
  ck_assert_int_eq(gs_engine_run(r.e, start_us - 1), GS_OK);
  for (size_t i = 0; i < n; i++)
    v[i] = (gs_split_ven_t){gs_ven_capability_mw(r.e, r.w->ven_entity[i]),
                            r.w->ven_group[i]};
  int64_t request = r.w->scenario->events[0].requested_kw * 1e6 + 0.5;
  gs_program_split((gs_dispatch_kind_t)(_i % 3), v, n, request, want);
  ck_assert_int_eq(gs_engine_run(r.e, start_us), GS_OK);
  int64_t got = 0;
  for (size_t i = 0; i < n; i++) {
    ck_assert_int_eq(asked_mw(&r, i), want[i]);
    got += asked_mw(&r, i);
  }
  ck_assert_int_eq(got, request);
  ck_assert_int_eq(r.w->dr[0].requested_mw, request);
  ck_assert_int_eq(r.w->dr[0].dispatched_mw, request);
  /* Capability and priority are not the equal split in disguise. */
  if (_i % 3 != 0) ck_assert_int_ne(want[0], request / 17);
  close_run(&r);
}
END_TEST

/* The equal split leaves out VENs the backend has not heard from for
 * offline_after_s and splits over the rest; VENs down for less are still
 * sent their share, which is lost. */
START_TEST(equal_skips_offline) {
  char t[4096];
  snprintf(t, sizeof t,
           HEAD(10800) "\"fleet\":[" SHEDDABLE(
               "a", 60, "\"outages_per_day\":48,\"outage_mean_s\":600") "],"
                       "\"program\":{\"offline_after_s\":%d,\"events\":[{"
                       "\"id\":\"e\",\"start_s\":7200,\"duration_s\":1800,"
                       "\"requested_kw\":7.000001}]}}",
           _i == 0 ? 60 : 0);
  gs_time_us_t after_us = _i == 0 ? 60 * GS_US_PER_S : 0;
  run_t r = open_run(t, -1);
  gs_time_us_t start_us = r.s->events[0].start_us;
  ck_assert_int_eq(gs_engine_run(r.e, start_us), GS_OK);
  uint32_t seen = 0, down = 0;
  for (uint64_t i = 0; i < r.w->n_vens; i++) {
    seen += gs_ven_seen_offline(ven(&r, i), start_us, after_us);
    down += !ven(&r, i)->online;
  }
  printf("offline_after %d s: %u of 60 down, %u seen offline\n",
         _i == 0 ? 60 : 0, down, seen);
  ck_assert_uint_gt(seen, 0);
  if (_i == 1) ck_assert_uint_eq(seen, down);
  const gs_dr_result_t *d = &r.w->dr[0];
  ck_assert_uint_eq(d->skipped_offline, seen);
  ck_assert_uint_eq(d->targeted, 60 - seen);
  ck_assert_int_eq(d->dispatched_mw, 7000001);
  int64_t each = 7000001 / (60 - seen), extra = 7000001 % (60 - seen);
  int64_t pos = 0;
  for (uint64_t i = 0; i < r.w->n_vens; i++) {
    if (gs_ven_seen_offline(ven(&r, i), start_us, after_us)) {
      ck_assert_int_eq(asked_mw(&r, i), 0);
      continue;
    }
    int64_t share = each + (pos++ < extra ? 1 : 0);
    /* Down for less than offline_after_s: sent, but lost on the wire. */
    ck_assert_int_eq(asked_mw(&r, i), ven(&r, i)->online ? share : 0);
  }
  ck_assert_int_eq(gs_engine_run(r.e, r.s->duration_us), GS_OK);
  gs_engine_finish(r.e);
  ck_assert_uint_eq(d->acks + d->lost, 60 - seen);
  ck_assert_uint_eq(d->lost, down - seen);
  close_run(&r);
}
END_TEST

/* end_early_s: the restore goes out at start + end_early_s, and the
 * event's energy window closes there. */
START_TEST(early_end_restores_on_time) {
  static const char *t =
      HEAD(14400) "\"fleet\":[" SHEDDABLE(
          "a", 20, "\"shed_strategy\":\"thermal\",\"latency_s\":2") "],"
                  "\"program\":{\"events\":[{\"id\":\"e\",\"start_s\":7200,"
                  "\"duration_s\":3600,\"end_early_s\":900,"
                  "\"requested_kw\":40}]}}";
  run_t r = open_run(t, -1);
  const gs_dr_event_cfg_t *ev = &r.s->events[0];
  ck_assert_int_eq(gs_dr_event_end_us(ev), (7200 + 900) * GS_US_PER_S);
  /* Commands arrive 2 s after they are sent: the restore at 8102 s. */
  gs_time_us_t restore_us = (8100 + 2) * GS_US_PER_S;
  ck_assert_int_eq(gs_engine_run(r.e, restore_us - 1), GS_OK);
  int holding = 0;
  for (uint64_t i = 0; i < r.w->n_vens; i++)
    holding += ven(&r, i)->active == 0;
  ck_assert_int_eq(holding, 20);
  ck_assert(r.w->dr[0].ended);
  ck_assert_int_eq(r.w->dr[0].energy_end_mws,
                   gs_meters_energy_mws(gs_engine_meters(r.e), r.w->fleet_meter,
                                        8100 * GS_US_PER_S));
  ck_assert_int_eq(gs_engine_run(r.e, restore_us), GS_OK);
  for (uint64_t i = 0; i < r.w->n_vens; i++) {
    ck_assert_int_eq(ven(&r, i)->active, GS_VEN_NO_EVENT);
    ck_assert_uint_eq(ven(&r, i)->shed_mask, 0);
  }
  close_run(&r);
}
END_TEST

/* SIMPLE: each VEN asks level/3 of its own capability; the program books
 * the sum it expects. */
START_TEST(simple_signal_levels) {
  char t[4096];
  int level = _i;
  snprintf(t, sizeof t,
           HEAD(10800) "\"fleet\":[" SHEDDABLE(
               "a", 15, "\"shed_strategy\":\"thermal\"") "],\"program\":{"
               "\"events\":[{\"id\":\"e\",\"start_s\":7200,\"duration_s\":"
               "1800,\"signal\":{\"type\":\"SIMPLE\",\"level\":%d}}]}}",
           level);
  run_t r = open_run(t, -1);
  gs_time_us_t start_us = r.s->events[0].start_us;
  int64_t cap[15];
  ck_assert_int_eq(gs_engine_run(r.e, start_us - 1), GS_OK);
  int64_t total = 0;
  for (int i = 0; i < 15; i++) {
    cap[i] = gs_ven_capability_mw(r.e, r.w->ven_entity[i]);
    total += cap[i];
  }
  ck_assert_int_gt(total, 0);
  ck_assert_int_eq(gs_engine_run(r.e, start_us), GS_OK);
  int64_t expect = 0;
  for (int i = 0; i < 15; i++) {
    int64_t want = level == 3 ? cap[i] : cap[i] * level / 3;
    ck_assert_int_eq(asked_mw(&r, i), want);
    expect += want;
  }
  ck_assert_int_eq(r.w->dr[0].requested_mw, expect);
  ck_assert_uint_eq(r.w->dr[0].targeted, 15);
  close_run(&r);
}
END_TEST

/* ---- PRICE ------------------------------------------------------------ */

#define AC_HOMES(count)               \
  "{\"name\":\"h\",\"count\":" #count \
  ",\"loads\":[{\"type\":\"hvac\","   \
  "\"id\":\"ac\"}]}"

/* Two price intervals at 14:00: 0.35 then 0.60 $/kWh. With the defaults
 * (threshold 0.15, 10 degC per $/kWh, at most 3 degC) the setpoint rises
 * by 2.0 then 3.0 (capped) degC and falls back after the event; the fleet
 * draws less than its counterfactual twin. */
START_TEST(price_raises_setpoints) {
  static const char *t =
      HEAD(64800) "\"fleet\":[" AC_HOMES(30) "],\"program\":{\"events\":[{"
                  "\"id\":\"p\",\"start_s\":50400,\"duration_s\":7200,"
                  "\"signal\":{\"type\":\"PRICE\",\"intervals\":["
                  "{\"start_s\":0,\"duration_s\":3600,\"price\":0.35},"
                  "{\"start_s\":3600,\"duration_s\":3600,\"price\":0.60}]}}]}}";
  static const struct {
    gs_time_us_t at_s;
    double offset_c;
  } when[] = {
      {50399, 0}, {50400 + 1800, 2.0}, {50400 + 5400, 3.0}, {57600 + 1, 0}};
  run_t r = open_run(t, -1);
  double low0[30], high0[30];
  for (size_t j = 0; j < sizeof when / sizeof when[0]; j++) {
    gs_time_us_t at = when[j].at_s * GS_US_PER_S;
    ck_assert_int_eq(gs_engine_run(r.e, at), GS_OK);
    for (int i = 0; i < 30; i++) {
      const void *ac = gs_engine_state(r.e, r.w->ven_entity[i] + 1);
      double low, high;
      ck_assert_double_eq_tol(gs_hvac_price_offset_c(ac), when[j].offset_c,
                              1e-9);
      gs_hvac_edges_c(ac, at, &low, &high);
      if (j == 0) {
        low0[i] = low;
        high0[i] = high;
      }
      ck_assert_double_eq_tol(high - high0[i], when[j].offset_c, 1e-9);
      ck_assert_double_eq_tol(low - low0[i], when[j].offset_c, 1e-9);
    }
  }
  close_run(&r);

  /* Against the twin: the same run with the event never sent. */
  static volatile sig_atomic_t never = 0;
  gs_scenario_t *s;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_scenario_load_string(t, "p.json", NULL, &s, &eb), GS_OK);
  gs_series_t actual = {0}, twin = {0};
  gs_dr_result_t tr;
  ck_assert_int_eq(
      gs_dr_twin(s, 0, s->output_interval_us, &twin, &tr, &never, &eb), GS_OK);
  r = open_run(t, -1);
  ck_assert_int_eq(
      gs_series_attach(&actual, r.e, r.w->fleet_meter, s->output_interval_us),
      GS_OK);
  ck_assert_int_eq(gs_engine_run(r.e, s->duration_us), GS_OK);
  gs_engine_finish(r.e);
  gs_dr_perf(r.w, 0, &actual, &twin, &tr);
  const gs_dr_result_t *d = &r.w->dr[0];
  printf("PRICE: fleet %.2f kW vs twin %.2f kW over the event\n", d->mean_kw,
         d->twin_mean_kw);
  ck_assert(d->has_twin);
  ck_assert_double_gt(d->delivered_kw_true, 0.2 * d->twin_mean_kw);
  for (size_t i = 0; i < 50400 / 60; i++) /* same until the price came */
    ck_assert_int_eq(actual.power_mw[i], twin.power_mw[i]);
  gs_series_free(&actual);
  gs_series_free(&twin);
  close_run(&r);
  gs_scenario_free(s);
}
END_TEST

/* EV chargers defer while the price (0.50 $/kWh, a series of 14 hours
 * from 17:00) is above price_defer_above (0.30), except to be charged by
 * departure: cars leaving before 07:00 take full power at the latest
 * instant that still fills them. Afterwards none is held. */
START_TEST(price_defers_ev_charging) {
  static const char *t =
      HEAD(172800) "\"fleet\":[{\"name\":\"e\",\"count\":40,\"loads\":[{"
                   "\"type\":\"ev\",\"id\":\"ev\",\"params\":{"
                   "\"plug_in_prob\":1}}]}],\"program\":{\"events\":[{"
                   "\"id\":\"p\",\"start_s\":61200,\"duration_s\":50400,"
                   "\"signal\":{\"type\":\"PRICE\",\"interval_s\":3600,"
                   "\"prices\":[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,"
                   "0.5,0.5,0.5]}}]}}";
  run_t r = open_run(t, -1);
  int held = 0, through = 0;
  for (gs_time_us_t at_s = 61200 + 60; at_s < 111600; at_s += 300) {
    gs_time_us_t at = at_s * GS_US_PER_S;
    ck_assert_int_eq(gs_engine_run(r.e, at), GS_OK);
    for (int i = 0; i < 40; i++) {
      const void *ev = gs_engine_state(r.e, r.w->ven_entity[i] + 1);
      gs_load_status_t st = {0};
      gs_model_ev.status(ev, at, &st);
      if (!gs_ev_plugged(ev) || gs_ev_deficit_mwus(ev, at) <= 0) continue;
      if (gs_ev_price_deferred(ev)) {
        ck_assert_int_eq(st.power_mw, 0);
        held++;
      } else {
        /* Charging through the high price: only to make departure. */
        ck_assert_int_gt(st.power_mw, 0);
        through++;
      }
    }
  }
  printf("EV: %d held and %d charging-to-departure samples at 0.50 $/kWh\n",
         held, through);
  ck_assert_int_gt(held, 200);
  ck_assert_int_gt(through, 0);
  ck_assert_int_eq(gs_engine_run(r.e, 111600 * GS_US_PER_S + 1), GS_OK);
  for (int i = 0; i < 40; i++)
    ck_assert(
        !gs_ev_price_deferred(gs_engine_state(r.e, r.w->ven_entity[i] + 1)));
  close_run(&r);
}
END_TEST

/* ---- capacity limits ------------------------------------------------ */

/* Evening homes with an EV (no departure override), a water heater and a
 * fridge under a 5 kW import limit checked every 60 s: after each check
 * every home imports at most 5 kW, which the same homes without the event
 * exceed. Commands take 0.5 s, so checks fall between the whole seconds
 * at which cars arrive. */
START_TEST(import_limit_holds) {
  static const char *t =
      HEAD(86400) "\"fleet\":[{\"name\":\"h\",\"count\":20,\"ven\":{"
                  "\"latency_s\":0.5},\"loads\":["
                  "{\"type\":\"ev\",\"id\":\"ev\",\"params\":{\"plug_in_prob\":"
                  "1,\"dr_respect_departure\":0}},"
                  "{\"type\":\"water_heater\",\"id\":\"wh\"},"
                  "{\"type\":\"fridge\",\"id\":\"f\"}]}],\"program\":{"
                  "\"events\":[{\"id\":\"L\",\"start_s\":61200,\"duration_s\":"
                  "14400,\"signal\":{\"type\":\"IMPORT_CAPACITY_LIMIT\","
                  "\"kw\":5,\"control_s\":60}}]}}";
  run_t r = open_run(t, -1), tw = open_run(t, 0);
  int64_t worst_mw = 0, twin_worst_mw = 0;
  for (int j = 0; j < 239; j++) {
    gs_time_us_t at = 61200 * GS_US_PER_S + 500000 + j * 60 * GS_US_PER_S;
    ck_assert_int_eq(gs_engine_run(r.e, at), GS_OK);
    ck_assert_int_eq(gs_engine_run(tw.e, at), GS_OK);
    for (uint64_t i = 0; i < 20; i++) {
      int64_t p = gs_meters_power_mw(gs_engine_meters(r.e), r.w->ven_meter[i]);
      int64_t q =
          gs_meters_power_mw(gs_engine_meters(tw.e), tw.w->ven_meter[i]);
      ck_assert_int_le(p, 5000000);
      if (p > worst_mw) worst_mw = p;
      if (q > twin_worst_mw) twin_worst_mw = q;
    }
  }
  printf("import: worst home %.3f kW under the limit, %.3f kW without\n",
         (double)worst_mw / 1e6, (double)twin_worst_mw / 1e6);
  ck_assert_int_gt(twin_worst_mw, 7000000);
  close_run(&r);
  close_run(&tw);
}
END_TEST

/* Midday homes with 7.2 kW of PV and a fridge under a 1 kW export limit:
 * at each check the export is at most 1 kW; without the event they export
 * far more; after the event the inverters are released. */
START_TEST(export_limit_curtails_pv) {
  static const char *t =
      HEAD(50400) "\"fleet\":[{\"name\":\"s\",\"count\":10,\"loads\":["
                  "{\"type\":\"pv\",\"id\":\"pv\"},"
                  "{\"type\":\"fridge\",\"id\":\"f\"}]}],\"program\":{"
                  "\"events\":[{\"id\":\"X\",\"start_s\":39600,\"duration_s\":"
                  "3600,\"signal\":{\"type\":\"EXPORT_CAPACITY_LIMIT\","
                  "\"kw\":1,\"control_s\":30}}]}}";
  run_t r = open_run(t, -1), tw = open_run(t, 0);
  int64_t least_mw = 0, twin_least_mw = 0;
  for (int j = 0; j < 119; j++) {
    gs_time_us_t at = (39600 + 30 * j) * GS_US_PER_S;
    ck_assert_int_eq(gs_engine_run(r.e, at), GS_OK);
    ck_assert_int_eq(gs_engine_run(tw.e, at), GS_OK);
    for (uint64_t i = 0; i < 10; i++) {
      int64_t p = gs_meters_power_mw(gs_engine_meters(r.e), r.w->ven_meter[i]);
      int64_t q =
          gs_meters_power_mw(gs_engine_meters(tw.e), tw.w->ven_meter[i]);
      ck_assert_int_ge(p, -1000000);
      if (p < least_mw) least_mw = p;
      if (q < twin_least_mw) twin_least_mw = q;
    }
  }
  printf("export: worst home %.3f kW with the limit, %.3f kW without\n",
         (double)least_mw / 1e6, (double)twin_least_mw / 1e6);
  ck_assert_int_lt(twin_least_mw, -4000000);
  ck_assert_int_le(least_mw, -900000); /* the limit binds, PV still runs */
  /* Released: after the event the homes export like their twins. */
  ck_assert_int_eq(gs_engine_run(r.e, 43260 * GS_US_PER_S), GS_OK);
  ck_assert_int_eq(gs_engine_run(tw.e, 43260 * GS_US_PER_S), GS_OK);
  for (uint64_t i = 0; i < 10; i++) {
    const void *pv = gs_engine_state(r.e, r.w->ven_entity[i] + 1);
    const void *pv_twin = gs_engine_state(tw.e, tw.w->ven_entity[i] + 1);
    gs_load_status_t a, b;
    gs_model_pv.status(pv, 43260 * GS_US_PER_S, &a);
    gs_model_pv.status(pv_twin, 43260 * GS_US_PER_S, &b);
    ck_assert_int_eq(a.power_mw, b.power_mw);
  }
  close_run(&r);
  close_run(&tw);
}
END_TEST

/* ---- malformed program and signal objects ---------------------------- */

#define BAD_HEAD                                                            \
  "{\"name\":\"t\",\"start\":\"2026-07-15T00:00:00Z\",\"duration_s\":3600," \
  "\"fleet\":[{\"name\":\"a\",\"count\":10}],"
#define BAD_EVENT(body)                                       \
  BAD_HEAD                                                    \
      "\"program\":{\"events\":[{\"id\":\"e\",\"start_s\":0," \
      "\"duration_s\":600," body "}]}}"

static const struct {
  const char *text;
  const char *where; /* follows "bad.json: " */
} bad[] = {
    {BAD_EVENT("\"signal\":5"),
     "program.events[0].signal: expected a signal object {\"type\": "
     "\"SIMPLE\", \"level\": 2}, found 5"},
    {BAD_EVENT("\"signal\":{\"type\":\"DIMMER\"}"),
     "program.events[0].signal.type: expected one of \"SIMPLE\", \"PRICE\", "
     "\"IMPORT_CAPACITY_LIMIT\", \"EXPORT_CAPACITY_LIMIT\", found \"DIMMER\""},
    {BAD_EVENT("\"signal\":{\"level\":1}"),
     "program.events[0].signal.type: expected one of \"SIMPLE\""},
    {BAD_EVENT("\"signal\":{\"type\":\"SIMPLE\",\"level\":4}"),
     "program.events[0].signal.level: expected an integer in [0, 3], "
     "found 4"},
    {BAD_EVENT("\"signal\":{\"type\":\"SIMPLE\",\"level\":1.5}"),
     "program.events[0].signal.level: expected an integer in [0, 3]"},
    {BAD_EVENT("\"signal\":{\"type\":\"SIMPLE\"}"),
     "program.events[0].signal.level: expected an integer in [0, 3], found "
     "nothing"},
    {BAD_EVENT("\"signal\":{\"type\":\"SIMPLE\",\"level\":1,\"kw\":2}"),
     "program.events[0].signal.kw: expected one of type, level, found an "
     "unknown key"},
    {BAD_EVENT("\"requested_kw\":3,\"signal\":{\"type\":\"SIMPLE\","
               "\"level\":1}"),
     "program.events[0].requested_kw: expected no requested_kw with a "
     "signal"},
    {BAD_EVENT("\"notice_s\":0"),
     "program.events[0].requested_kw: expected a number >= 0 (kW), found "
     "nothing"},
    {BAD_EVENT("\"signal\":{\"type\":\"PRICE\"}"),
     "program.events[0].signal: expected exactly one of intervals and "
     "prices, found neither"},
    {BAD_EVENT("\"signal\":{\"type\":\"PRICE\",\"prices\":[1],"
               "\"intervals\":[]}"),
     "program.events[0].signal: expected exactly one of intervals and "
     "prices, found both"},
    {BAD_EVENT("\"signal\":{\"type\":\"PRICE\",\"intervals\":[]}"),
     "program.events[0].signal.intervals: expected a non-empty array of "
     "intervals, found []"},
    {BAD_EVENT("\"signal\":{\"type\":\"PRICE\",\"intervals\":["
               "{\"start_s\":0,\"duration_s\":300,\"price\":0.2},"
               "{\"start_s\":200,\"duration_s\":100,\"price\":0.3}]}"),
     "program.events[0].signal.intervals[1].start_s: expected a start at or "
     "after the end of intervals[0] (300 s)"},
    {BAD_EVENT("\"signal\":{\"type\":\"PRICE\",\"intervals\":["
               "{\"start_s\":500,\"duration_s\":300,\"price\":0.2}]}"),
     "program.events[0].signal.intervals[0].duration_s: expected an "
     "interval that ends within the event (at most 100 s after start_s "
     "500)"},
    {BAD_EVENT("\"signal\":{\"type\":\"PRICE\",\"intervals\":["
               "{\"start_s\":0,\"duration_s\":300}]}"),
     "program.events[0].signal.intervals[0].price: expected a number in "
     "[-1000, 1000] ($/kWh), found nothing"},
    {BAD_EVENT("\"signal\":{\"type\":\"PRICE\",\"intervals\":["
               "{\"start_s\":0,\"duration_s\":300,\"price\":0.1,\"cost\":1}]}"),
     "program.events[0].signal.intervals[0].cost: expected one of start_s, "
     "duration_s, price, found an unknown key"},
    {BAD_EVENT("\"signal\":{\"type\":\"PRICE\",\"intervals\":[7]}"),
     "program.events[0].signal.intervals[0]: expected an interval"},
    {BAD_EVENT("\"signal\":{\"type\":\"PRICE\",\"prices\":[0.1,\"x\"],"
               "\"interval_s\":60}"),
     "program.events[0].signal.prices[1]: expected a number in [-1000, "
     "1000] ($/kWh), found \"x\""},
    {BAD_EVENT("\"signal\":{\"type\":\"PRICE\",\"prices\":[0.1]}"),
     "program.events[0].signal.interval_s: expected a number in (0, "
     "31622400] (s), found nothing"},
    {BAD_EVENT("\"signal\":{\"type\":\"PRICE\",\"prices\":[1,2,3,4,5],"
               "\"interval_s\":150}"),
     "program.events[0].signal.prices: expected at most 4 prices (the "
     "event's duration_s / interval_s), found [1,2,3,4,5]"},
    {BAD_EVENT("\"signal\":{\"type\":\"PRICE\",\"interval_s\":60,"
               "\"intervals\":[{\"start_s\":0,\"duration_s\":60,"
               "\"price\":1}]}"),
     "program.events[0].signal.interval_s: expected no interval_s with "
     "intervals"},
    {BAD_EVENT("\"signal\":{\"type\":\"IMPORT_CAPACITY_LIMIT\","
               "\"kw\":-2}"),
     "program.events[0].signal.kw: expected a number in [0, 1000000000] "
     "(kW), found -2"},
    {BAD_EVENT("\"signal\":{\"type\":\"EXPORT_CAPACITY_LIMIT\"}"),
     "program.events[0].signal.kw: expected a number in [0, 1000000000] "
     "(kW), found nothing"},
    {BAD_EVENT("\"signal\":{\"type\":\"EXPORT_CAPACITY_LIMIT\",\"kw\":1,"
               "\"control_s\":0}"),
     "program.events[0].signal.control_s: expected a number in (0, 86400] "
     "(s), found 0"},
    {BAD_EVENT("\"signal\":{\"type\":\"IMPORT_CAPACITY_LIMIT\",\"kw\":1,"
               "\"level\":2}"),
     "program.events[0].signal.level: expected one of type, kw, control_s, "
     "found an unknown key"},
    {BAD_EVENT("\"requested_kw\":1,\"end_early_s\":600"),
     "program.events[0].end_early_s: expected a number in (0, 600) (s), "
     "found 600"},
    {BAD_EVENT("\"requested_kw\":1,\"end_early_s\":0"),
     "program.events[0].end_early_s: expected a number in (0, 600) (s), "
     "found 0"},
    {BAD_EVENT("\"requested_kw\":1,\"dispatch\":\"fair\""),
     "program.events[0].dispatch: expected one of \"equal\", "
     "\"capability\", \"priority\", found \"fair\""},
    {BAD_HEAD "\"program\":{\"offline_after_s\":-1}}",
     "program.offline_after_s: expected a number in [0, 86400] (s), found "
     "-1"},
    {BAD_HEAD "\"program\":{\"dispatch\":[\"equal\"]}}",
     "program.dispatch: expected one of \"equal\", \"capability\", "
     "\"priority\", found [\"equal\"]"},
};

START_TEST(malformed_signals) {
  gs_scenario_t *s = NULL;
  gs_errbuf_t eb = {{0}};
  gs_err_t err =
      gs_scenario_load_string(bad[_i].text, "bad.json", NULL, &s, &eb);
  ck_assert_msg(err == GS_ESCENARIO, "case %d: %s (%s)", _i, gs_strerror(err),
                eb.msg);
  ck_assert_ptr_null(s);
  char want[512];
  snprintf(want, sizeof want, "bad.json: %s", bad[_i].where);
  ck_assert_msg(strncmp(eb.msg, want, strlen(want)) == 0,
                "case %d:\n  got  %s\n  want %s", _i, eb.msg, want);
}
END_TEST

/* Well-formed signals and policies load into the event's config. */
START_TEST(signals_parse) {
  static const char *t = BAD_HEAD
      "\"program\":{\"dispatch\":\"priority\",\"offline_after_s\":90,"
      "\"events\":[{\"id\":\"a\",\"start_s\":0,\"duration_s\":600,"
      "\"requested_kw\":2,\"dispatch\":\"capability\",\"end_early_s\":300},"
      "{\"id\":\"b\",\"start_s\":0,\"duration_s\":600,\"requested_kw\":2},"
      "{\"id\":\"c\",\"start_s\":0,\"duration_s\":600,\"signal\":{\"type\":"
      "\"PRICE\",\"prices\":[0.1,-0.05],\"interval_s\":300}},"
      "{\"id\":\"d\",\"start_s\":0,\"duration_s\":600,\"signal\":{\"type\":"
      "\"IMPORT_CAPACITY_LIMIT\",\"kw\":4.5}}]}}";
  gs_scenario_t *s = NULL;
  gs_errbuf_t eb = {{0}};
  ck_assert_msg(gs_scenario_load_string(t, "ok.json", NULL, &s, &eb) == GS_OK,
                "%s", eb.msg);
  ck_assert_int_eq(s->offline_after_us, 90 * GS_US_PER_S);
  ck_assert_int_eq(s->events[0].dispatch, GS_DISPATCH_CAPABILITY);
  ck_assert_int_eq(s->events[0].end_early_us, 300 * GS_US_PER_S);
  ck_assert_int_eq(s->events[1].dispatch, GS_DISPATCH_PRIORITY);
  ck_assert_int_eq(s->events[1].end_early_us, 0);
  const gs_signal_cfg_t *p = &s->events[2].signal;
  ck_assert_int_eq(p->kind, GS_SIGNAL_PRICE);
  ck_assert_uint_eq(p->n_prices, 2);
  ck_assert_int_eq(p->prices[1].start_us, 300 * GS_US_PER_S);
  ck_assert_int_eq(p->prices[1].duration_us, 300 * GS_US_PER_S);
  ck_assert_int_eq(p->prices[1].price_micro, -50000);
  const gs_signal_cfg_t *l = &s->events[3].signal;
  ck_assert_int_eq(l->kind, GS_SIGNAL_IMPORT_LIMIT);
  ck_assert_int_eq(l->limit_mw, 4500000);
  ck_assert_int_eq(l->control_us, 60 * GS_US_PER_S);
  ck_assert_double_eq(s->events[3].requested_kw, 0);
  ck_assert_str_eq(gs_program_dispatch_name(s->events[0].dispatch),
                   "capability");
  ck_assert_str_eq(gs_program_dispatch_name(s->events[1].dispatch), "priority");
  ck_assert_str_eq(gs_program_signal_name(l->kind), "IMPORT_CAPACITY_LIMIT");
  ck_assert_str_eq(gs_program_signal_name(s->events[0].signal.kind), "");
  gs_scenario_free(s);
}
END_TEST

Suite *program_suite(void) {
  Suite *s = suite_create("program");
  TCase *tc = tcase_create("split");
  tcase_add_test(tc, split_equal_by_hand);
  tcase_add_test(tc, split_capability_by_hand);
  tcase_add_test(tc, split_priority_by_hand);
  tcase_add_test(tc, simple_levels_map);
  tcase_add_loop_test(tc, run_splits_exactly, 0, 6);
  tcase_add_loop_test(tc, equal_skips_offline, 0, 2);
  tcase_add_test(tc, early_end_restores_on_time);
  suite_add_tcase(s, tc);
  tc = tcase_create("signals");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, simple_signal_levels, 0, 4);
  tcase_add_test(tc, price_raises_setpoints);
  tcase_add_test(tc, price_defers_ev_charging);
  tcase_add_test(tc, import_limit_holds);
  tcase_add_test(tc, export_limit_curtails_pv);
  suite_add_tcase(s, tc);
  tc = tcase_create("scenario");
  tcase_add_loop_test(tc, malformed_signals, 0, sizeof bad / sizeof bad[0]);
  tcase_add_test(tc, signals_parse);
  suite_add_tcase(s, tc);
  return s;
}
