/* SPDX-License-Identifier: MIT */
/* OpenADR VEN role without a network: events onto VENs, reports from meters. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oadr_priv.h"
#include "scenario_priv.h"
#include "ven.h"
#include "world.h"

static const char scn_json[] =
    "{\"name\":\"t\",\"start\":\"2026-07-15T17:00:00Z\",\"duration_s\":7200,"
    "\"seed\":9,\"fleet\":[{\"name\":\"home\",\"count\":4,\"loads\":["
    "{\"type\":\"water_heater\",\"id\":\"wh1\"},"
    "{\"type\":\"lighting\",\"id\":\"l1\"}]}],"
    "\"oadr_ven\":{\"webhook\":false}}";

/* 17:30 and 17:45 UTC: 1800 s and 2700 s into the run. */
static const char event_json[] =
    "{\"id\":\"ev-1\",\"programID\":\"p-1\","
    "\"modificationDateTime\":\"2026-07-15T16:00:00Z\","
    "\"intervalPeriod\":{\"start\":\"2026-07-15T17:30:00Z\","
    "\"duration\":\"PT15M\",\"randomizeStart\":\"PT10M\"},"
    "\"intervals\":["
    "{\"id\":0,\"payloads\":[{\"type\":\"SIMPLE\",\"values\":[3]},"
    "{\"type\":\"PRICE\",\"values\":[0.4]}]},"
    "{\"id\":1,\"payloads\":[{\"type\":\"SIMPLE\",\"values\":[3]},"
    "{\"type\":\"PRICE\",\"values\":[0.8]}]}],"
    "\"reportDescriptors\":["
    "{\"payloadType\":\"USAGE\",\"frequency\":1},"
    "{\"payloadType\":\"DEMAND\",\"units\":\"W\",\"frequency\":1},"
    "{\"payloadType\":\"BASELINE\",\"frequency\":1},"
    "{\"payloadType\":\"LOAD_SHED_DELTA_AVAILABLE\",\"frequency\":1},"
    "{\"payloadType\":\"GHG\",\"frequency\":1}]}";

typedef struct fx {
  gs_scenario_t *s;
  gs_engine_t *eng;
  gs_world_t *w;
  gs_pace_t *pace;
  gs_oadr_t *b;
} fx_t;

/* A world of 4 VENs with the bridge started but never polled: nothing
 * goes on the network, events are handed in directly. */
static void setup(fx_t *f) {
  gs_errbuf_t eb = {{0}};
  memset(f, 0, sizeof *f);
  ck_assert_int_eq(gs_scenario_load_string(scn_json, "t.json", NULL, &f->s,
                                           &eb), GS_OK);
  f->eng = gs_engine_create(&(gs_engine_config_t){.seed = f->s->seed}, &eb);
  ck_assert_ptr_nonnull(f->eng);
  gs_oadr_cfg_t cfg;
  ck_assert_int_eq(gs_oadr_cfg_from_json(f->s->json, "t.json", &cfg, &eb),
                   GS_OK);
  ck_assert_int_eq(gs_oadr_create(&cfg, "http://127.0.0.1:9", NULL, NULL,
                                  &f->b, &eb), GS_OK);
  ck_assert_int_eq(gs_world_build_with_sink(f->s, f->eng, gs_oadr_sink(f->b),
                                            &f->w, &eb), GS_OK);
  f->pace = gs_pace_create(1.0, -1, NULL, &eb);
  ck_assert_int_eq(gs_oadr_start(f->b, f->w, f->pace, &eb), GS_OK);
}

static void teardown(fx_t *f) {
  gs_engine_destroy(f->eng);
  gs_oadr_destroy(f->b);
  gs_pace_destroy(f->pace);
  gs_world_free(f->w);
  gs_scenario_free(f->s);
}

static void take_all(fx_t *f, const char *json) {
  cJSON *obj = cJSON_Parse(json);
  ck_assert_ptr_nonnull(obj);
  for (uint32_t i = 0; i < f->b->n_vens; i++)
    gs__oadr_take_event(f->b, &f->b->vens[i], obj, "event", 0);
  cJSON_Delete(obj);
}

static void run_to(fx_t *f, double t_s) {
  gs_time_us_t t = (gs_time_us_t)(t_s * 1e6);
  ck_assert_int_eq(gs_engine_run(f->eng, t), GS_OK);
  ck_assert_int_eq(gs_engine_now(f->eng), t);
}

static bool in_event(fx_t *f, uint32_t i) {
  return gs_ven_in_event(gs_engine_state(f->eng, f->w->ven_entity[i]));
}

/* A number of the queued report of VEN `i` (k-th in its queue). */
static double report_value(fx_t *f, uint32_t i, int k, int type) {
  gs__orep_t *r = f->b->vens[i].rq_head;
  while (k-- > 0) r = r->next;
  cJSON *root = cJSON_Parse(r->body);
  const cJSON *iv = cJSON_GetArrayItem(
      cJSON_GetObjectItem(
          cJSON_GetArrayItem(cJSON_GetObjectItem(root, "resources"), 0),
          "intervals"),
      0);
  const cJSON *pl = cJSON_GetArrayItem(cJSON_GetObjectItem(iv, "payloads"),
                                       type);
  double x = cJSON_GetArrayItem(cJSON_GetObjectItem(pl, "values"), 0)
                 ->valuedouble;
  cJSON_Delete(root);
  return x;
}

START_TEST(events_become_engine_events_and_reports) {
  fx_t f;
  setup(&f);
  run_to(&f, 1000);
  take_all(&f, event_json);
  ck_assert_uint_eq(f.b->st.events_applied, 4);
  /* One command per VEN (the intervals differ only in price), at the
   * start shifted within +-10 min, not the same for every VEN. */
  ck_assert_uint_eq(f.w->n_cmds, 4);
  int distinct = 0;
  for (size_t c = 0; c < 4; c++) {
    const gs_dr_event_cfg_t *ev = f.w->cmds[c].event;
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_le(llabs(ev->start_us - 1800 * GS_US_PER_S),
                     600 * GS_US_PER_S);
    ck_assert_int_eq(ev->duration_us, 1800 * GS_US_PER_S);
    ck_assert_int_eq(ev->signal.kind, GS_SIGNAL_PRICE);
    ck_assert_int_eq(ev->signal.level, 3);
    ck_assert_uint_eq(ev->signal.n_prices, 2);
    ck_assert_int_eq(ev->signal.prices[1].price_micro, 800000);
    distinct += c > 0 && ev->start_us != f.w->cmds[0].event->start_us;
  }
  ck_assert_int_gt(distinct, 0);
  /* The meter at the VTN's interval boundaries, read here too. */
  uint32_t m0 = f.w->ven_meter[0];
  gs_meters_t *mt = gs_engine_meters(f.eng);
  run_to(&f, 1800);
  int64_t e0 = gs_meters_energy_mws(mt, m0, gs_engine_now(f.eng));
  run_to(&f, 2401);
  for (uint32_t i = 0; i < 4; i++) ck_assert(in_event(&f, i));
  run_to(&f, 2700);
  int64_t e1 = gs_meters_energy_mws(mt, m0, gs_engine_now(f.eng));
  run_to(&f, 3600);
  int64_t e2 = gs_meters_energy_mws(mt, m0, gs_engine_now(f.eng));
  run_to(&f, 4201);
  for (uint32_t i = 0; i < 4; i++) ck_assert(!in_event(&f, i));
  /* frequency 1: a report per interval, queued when due; GHG left out. */
  ck_assert_uint_eq(f.b->st.reports_built, 8);
  ck_assert_uint_eq(f.b->vens[0].rq_len, 2);
  ck_assert_double_eq_tol(report_value(&f, 0, 0, 0), (double)(e1 - e0) / 3.6e9,
                          1e-4);
  ck_assert_double_eq_tol(report_value(&f, 0, 1, 0), (double)(e2 - e1) / 3.6e9,
                          1e-4);
  ck_assert_double_eq_tol(report_value(&f, 0, 1, 1),
                          (double)(e2 - e1) / 900.0 / 1e3, 1e-3); /* W */
  cJSON *root = cJSON_Parse(f.b->vens[0].rq_head->body);
  ck_assert_str_eq(cJSON_GetObjectItem(root, "eventID")->valuestring, "ev-1");
  ck_assert_str_eq(cJSON_GetObjectItem(root, "clientName")->valuestring,
                   "home-0000");
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(
                       root, "payloadDescriptors")), 4);
  cJSON_Delete(root);
  /* Recorded for replay: one applied event per VEN. */
  ck_assert_uint_eq(f.b->n_in, 4);
  ck_assert_int_eq(f.b->in[0].kind, 0);
  ck_assert_int_eq(f.b->in[0].t_us, 1000 * GS_US_PER_S);
  /* Never sent (no network here): at the close they are dropped,
   * counted and recorded as unsent. */
  gs_oadr_close(f.b, f.eng, 0);
  ck_assert_uint_eq(f.b->st.reports_dropped, 8);
  ck_assert_uint_eq(f.b->n_rec, 8);
  ck_assert_int_eq(f.b->rec[7].status, -2);
  ck_assert_uint_eq(f.b->vens[3].rq_len, 0);
  teardown(&f);
}
END_TEST

START_TEST(randomized_starts_repeat_run_to_run) {
  gs_time_us_t first[4];
  for (int run = 0; run < 2; run++) {
    fx_t f;
    setup(&f);
    take_all(&f, event_json);
    for (size_t c = 0; c < 4; c++) {
      if (run == 0) first[c] = f.w->cmds[c].event->start_us;
      else ck_assert_int_eq(f.w->cmds[c].event->start_us, first[c]);
    }
    teardown(&f);
  }
}
END_TEST

START_TEST(changed_deleted_and_foreign_events) {
  fx_t f;
  setup(&f);
  take_all(&f, event_json);
  take_all(&f, event_json); /* the same again: nothing new */
  ck_assert_uint_eq(f.b->st.events_applied, 4);
  ck_assert_uint_eq(f.b->st.events_received, 8);
  /* Deleted before its start: nothing happens at all. */
  for (uint32_t i = 0; i < 4; i++)
    gs__oadr_drop_event(f.b, &f.b->vens[i], "ev-1", 1);
  ck_assert_uint_eq(f.b->st.events_deleted, 4);
  /* Targeted at another group: ignored. */
  take_all(&f, "{\"id\":\"ev-2\",\"programID\":\"p-1\",\"targets\":[\"flats\"],"
               "\"intervals\":[{\"id\":0,\"payloads\":[{\"type\":\"SIMPLE\","
               "\"values\":[3]}]}]}");
  ck_assert_uint_eq(f.b->st.events_applied, 4);
  /* Malformed: counted and recorded with its path, never applied. */
  take_all(&f, "{\"id\":\"ev-3\",\"programID\":\"p-1\",\"intervals\":"
               "[{\"id\":0,\"payloads\":[{\"type\":\"SIMPLE\",\"values\":"
               "[9]}]}]}");
  ck_assert_uint_eq(f.b->st.bad_payloads, 4);
  ck_assert_int_eq(f.b->in[f.b->n_in - 1].kind, 2);
  ck_assert_str_eq(f.b->in[f.b->n_in - 1].payload,
                   "event.intervals[0].payloads[0].values[0]: expected a "
                   "SIMPLE level: 0, 1, 2 or 3, found 9");
  run_to(&f, 7200);
  for (uint32_t i = 0; i < 4; i++) ck_assert_uint_eq(f.b->vens[i].rq_len, 0);
  ck_assert_uint_eq(f.b->st.reports_built, 0);
  teardown(&f);
}
END_TEST

START_TEST(a_changed_event_replaces_the_old_one) {
  fx_t f;
  setup(&f);
  take_all(&f, event_json);
  /* Moved to 18:00 with one SIMPLE interval: the old command is
   * cancelled, so no VEN is in an event at 17:45. */
  take_all(&f, "{\"id\":\"ev-1\",\"programID\":\"p-1\","
               "\"modificationDateTime\":\"2026-07-15T16:10:00Z\","
               "\"intervalPeriod\":{\"start\":\"2026-07-15T18:00:00Z\","
               "\"duration\":\"PT10M\"},\"intervals\":[{\"id\":0,"
               "\"payloads\":[{\"type\":\"SIMPLE\",\"values\":[2]}]}]}");
  ck_assert_uint_eq(f.b->st.events_applied, 8);
  run_to(&f, 2700);
  for (uint32_t i = 0; i < 4; i++) ck_assert(!in_event(&f, i));
  run_to(&f, 3660);
  for (uint32_t i = 0; i < 4; i++) ck_assert(in_event(&f, i));
  run_to(&f, 4300);
  for (uint32_t i = 0; i < 4; i++) ck_assert(!in_event(&f, i));
  teardown(&f);
}
END_TEST

START_TEST(events_without_modification_time) {
  fx_t f;
  setup(&f);
  /* Without modificationDateTime an event listed again is the same one:
   * not cancelled and sent anew at every poll. */
  static const char bare[] =
      "{\"id\":\"ev-4\",\"programID\":\"p-1\",\"intervals\":[{\"id\":0,"
      "\"payloads\":[{\"type\":\"SIMPLE\",\"values\":[1]}]}]}";
  size_t cmds = f.w->n_cmds;
  take_all(&f, bare);
  take_all(&f, bare);
  ck_assert_uint_eq(f.w->n_cmds, cmds + 4);
  teardown(&f);
}
END_TEST

Suite *oadr_ven_suite(void) {
  Suite *s = suite_create("oadr_ven");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, events_become_engine_events_and_reports);
  tcase_add_test(tc, randomized_starts_repeat_run_to_run);
  tcase_add_test(tc, changed_deleted_and_foreign_events);
  tcase_add_test(tc, a_changed_event_replaces_the_old_one);
  tcase_add_test(tc, events_without_modification_time);
  suite_add_tcase(s, tc);
  return s;
}
