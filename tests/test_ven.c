/* SPDX-License-Identifier: MIT */
/* The VEN agent: shed strategies by hand, wire payloads, commands, comms. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "scenario_priv.h"
#include "ven_priv.h"

/* ---- test circuits: fixed draw, named like the real load types ------- */
typedef struct fixed {
  int64_t power_mw, shed_mw;
  double comfort;
  bool critical, onoff, disabled;
} fixed_t;

static void fixed_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                         const gs_event_t *ev) {
  fixed_t *f = state;
  (void)eng;
  (void)self;
  if (ev->kind == GS_EV_LOAD_SHED) f->shed_mw = ev->arg;
  if (ev->kind == GS_EV_LOAD_RESTORE) f->shed_mw = 0;
}

static void fixed_status(const void *state, gs_time_us_t now,
                         gs_load_status_t *out) {
  const fixed_t *f = state;
  (void)now;
  out->power_mw = f->power_mw;
  out->capacity_mw = 7200000;
  out->shed_capability_mw = f->critical ? 0 : f->power_mw;
  out->min_shed_mw = f->onoff ? f->power_mw : 0;
  out->comfort_cost = f->comfort;
  out->enabled = !f->disabled;
  out->critical = f->critical;
}

#define FIXED_TYPE(var, tname)                                               \
  static const gs_model_type_t var = {.name = tname,                         \
                                      .role = GS_ROLE_LOAD,                  \
                                      .state_size = sizeof(fixed_t),         \
                                      .handle = fixed_handle,                \
                                      .status = fixed_status}
FIXED_TYPE(t_hvac, "hvac");
FIXED_TYPE(t_wh, "water_heater");
FIXED_TYPE(t_ev, "ev");
FIXED_TYPE(t_dryer, "dryer");
FIXED_TYPE(t_range, "range");
FIXED_TYPE(t_outlets, "outlets");
FIXED_TYPE(t_lighting, "lighting");
FIXED_TYPE(t_fridge, "fridge");

/* The reference home of the contract with hand-set draws (kW) and comfort
 * costs. Slots: 0 hvac, 1 water heater, 2 ev, 3 dryer, 4 range,
 * 5 outlets, 6 lighting, 7 fridge. */
static const struct {
  const gs_model_type_t *t;
  double kw, comfort;
  bool critical, onoff;
} home[] = {
    {&t_hvac, 4.5, 0.3, true, true},      {&t_wh, 4.5, 0.5, false, true},
    {&t_ev, 7.2, 0.1, false, false},      {&t_dryer, 5.0, 0.2, false, true},
    {&t_range, 3.0, 0.9, false, false},   {&t_outlets, 1.0, 0.4, false, false},
    {&t_lighting, 0.8, 0.6, false, false}, {&t_fridge, 0.15, 0.0, true, true},
};
#define N_HOME 8

static gs_engine_t *make_home(uint8_t strategy, gs_entity_id_t *ven) {
  gs_engine_t *e = gs_engine_create(&(gs_engine_config_t){.seed = 1}, NULL);
  double p[GS_VEN_NPARAMS];
  for (int i = 0; i < GS_VEN_NPARAMS; i++) p[i] = gs_ven_params[i].def;
  p[GS_VEN_P_SHED_STRATEGY] = strategy;
  gs_model_init_t vi = {.seed = 1, .key = 1, .params = p,
                        .ven = GS_ENTITY_NONE, .meter = GS_METER_NONE};
  ck_assert_int_eq(gs_engine_add_entity(e, &gs_model_ven, &vi, ven, NULL),
                   GS_OK);
  for (int i = 0; i < N_HOME; i++) {
    gs_entity_id_t id;
    gs_model_init_t li = {.ven = *ven, .meter = GS_METER_NONE};
    ck_assert_int_eq(gs_engine_add_entity(e, home[i].t, &li, &id, NULL),
                     GS_OK);
    fixed_t *f = gs_engine_state(e, id);
    f->power_mw = llround(home[i].kw * 1e6);
    f->comfort = home[i].comfort;
    f->critical = home[i].critical;
    f->onoff = home[i].onoff;
  }
  gs_ven_attach(e, *ven, *ven + 1, N_HOME, 0, 0xff);
  return e;
}

/* Runs one shed and returns the cuts as "slot:kW" text for comparison. */
static void shed_text(uint8_t strategy, double request_kw, char *buf,
                      size_t size, double *total_kw) {
  gs_entity_id_t ven;
  gs_engine_t *e = make_home(strategy, &ven);
  gs__ven_cut_t cuts[GS_VEN_MAX_LOADS];
  int64_t total;
  size_t n = gs__ven_shed(e, gs_engine_state(e, ven),
                          llround(request_kw * 1e6), cuts, &total);
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(buf);
    snprintf(buf + len, size - len, "%s%u:%.2f", i ? " " : "", cuts[i].slot,
             (double)cuts[i].cut_mw / 1e6);
  }
  *total_kw = (double)total / 1e6;
  /* Every committed cut reached its circuit as GS_EV_LOAD_SHED. */
  ck_assert_int_eq(gs_engine_run(e, 0), GS_OK);
  int64_t sent = 0;
  for (int i = 0; i < N_HOME; i++)
    sent += ((fixed_t *)gs_engine_state(e, ven + 1 + (gs_entity_id_t)i))
                ->shed_mw;
  ck_assert_int_eq(sent, total);
  gs_engine_destroy(e);
}

START_TEST(reference_shed_by_hand) {
  char got[256];
  double total;
  /* 3 kW: the EV (first in the order, throttleable) takes it all. */
  shed_text(GS_VEN_SHED_REFERENCE, 3.0, got, sizeof got, &total);
  ck_assert_str_eq(got, "2:3.00");
  ck_assert_double_eq_tol(total, 3.0, 1e-9);
  /* 10 kW: EV 7.2, then the water heater: 2.8 wanted, but an element is
   * on or off, and its fraction (1.0) allows all 4.5: an honest overshoot. */
  shed_text(GS_VEN_SHED_REFERENCE, 10.0, got, sizeof got, &total);
  ck_assert_str_eq(got, "2:7.20 1:4.50");
  ck_assert_double_eq_tol(total, 11.7, 1e-9);
  /* 20 kW: down the order with the contract's fractions: range 0.8 of 3,
   * outlets 0.7 of 1, lighting the last 0.2 (of at most 0.4). HVAC and
   * refrigerator are critical: never shed. */
  shed_text(GS_VEN_SHED_REFERENCE, 20.0, got, sizeof got, &total);
  ck_assert_str_eq(got, "2:7.20 1:4.50 3:5.00 4:2.40 5:0.70 6:0.20");
  ck_assert_double_eq_tol(total, 20.0, 1e-9);
  /* 40 kW: everything sheddable at its fraction, still no critical. */
  shed_text(GS_VEN_SHED_REFERENCE, 40.0, got, sizeof got, &total);
  ck_assert_str_eq(got, "2:7.20 1:4.50 3:5.00 4:2.40 5:0.70 6:0.40");
  ck_assert_double_eq_tol(total, 20.2, 1e-9);
}
END_TEST

START_TEST(thermal_shed_by_hand) {
  char got[256];
  double total;
  /* Lowest comfort cost first: EV (0.1), dryer (0.2), outlets (0.4),
   * water heater (0.5), lighting (0.6), range (0.9); whole draw allowed. */
  shed_text(GS_VEN_SHED_THERMAL, 6.0, got, sizeof got, &total);
  ck_assert_str_eq(got, "2:6.00");
  shed_text(GS_VEN_SHED_THERMAL, 10.0, got, sizeof got, &total);
  ck_assert_str_eq(got, "2:7.20 3:5.00");
  ck_assert_double_eq_tol(total, 12.2, 1e-9);
  shed_text(GS_VEN_SHED_THERMAL, 100.0, got, sizeof got, &total);
  ck_assert_str_eq(got, "2:7.20 3:5.00 5:1.00 1:4.50 6:0.80 4:3.00");
}
END_TEST

/* ---- wire payloads ------------------------------------------------- */

START_TEST(parse_contract_commands) {
  gs_wire_cmd_t c;
  gs_errbuf_t eb = {{0}};
  const char *ev =
      "{\"op\":\"event\",\"correlationId\":\"evt-42-1a2b3c4d\",\"venId\":"
      "\"ven-001\",\"event_id\":\"42\",\"shed_kw\":3.5,\"duration_sec\":3600,"
      "\"data\":{\"event_id\":\"42\",\"requestedReductionKw\":3.5,"
      "\"duration_s\":3600}}";
  ck_assert_int_eq(gs_wire_parse_command(ev, strlen(ev), &c, &eb), GS_OK);
  ck_assert_int_eq(c.op, GS_WIRE_EVENT);
  ck_assert_str_eq(c.correlation_id, "evt-42-1a2b3c4d");
  ck_assert_str_eq(c.event_id, "42");
  ck_assert_double_eq(c.shed_kw, 3.5);
  ck_assert_double_eq(c.duration_s, 3600);
  /* Fallbacks: data.requestedReductionKw, data.duration_s, data.event_id */
  const char *fb = "{\"op\":\"shedPanel\",\"data\":{\"event_id\":7,"
                   "\"requestedReductionKw\":2,\"duration_s\":60}}";
  ck_assert_int_eq(gs_wire_parse_command(fb, strlen(fb), &c, &eb), GS_OK);
  ck_assert_int_eq(c.op, GS_WIRE_EVENT);
  ck_assert_str_eq(c.op_text, "shedPanel");
  ck_assert_str_eq(c.event_id, "7");
  ck_assert_double_eq(c.shed_kw, 2);
  ck_assert_double_eq(c.duration_s, 60);
  /* A bare event is a 0 kW, 3600 s event (the reference VEN's reading). */
  ck_assert_int_eq(gs_wire_parse_command("{\"op\":\"event\"}", 14, &c, &eb),
                   GS_OK);
  ck_assert_double_eq(c.shed_kw, 0);
  ck_assert_double_eq(c.duration_s, 3600);
  const char *sl = "{\"op\":\"setLoad\",\"correlationId\":\"c1\",\"data\":{"
                   "\"loadId\":\"ev1\",\"enabled\":false,\"capacityKw\":3.3}}";
  ck_assert_int_eq(gs_wire_parse_command(sl, strlen(sl), &c, &eb), GS_OK);
  ck_assert_int_eq(c.op, GS_WIRE_SET_LOAD);
  ck_assert_str_eq(c.load_id, "ev1");
  ck_assert_int_eq(c.enabled, 0);
  ck_assert_double_eq(c.capacity_kw, 3.3);
}
END_TEST

START_TEST(parse_rejects_bad_payloads) {
  static const char *const bad[] = {
      "", "not json", "[1,2]", "{\"op\":\"event\",\"shed_kw\":\"lots\"}",
      "{\"op\":\"launch\"}", "{\"op\":5}", "{\"op\":\"event\"} trailing",
      "{\"op\":\"event\",\"shed_kw\":-1}",
      "{\"op\":\"event\",\"duration_sec\":0}",
      "{\"op\":\"shedLoad\",\"data\":{\"reduceKw\":1}}",
      "{\"op\":\"setLoad\",\"data\":{\"loadId\":\"x\",\"enabled\":\"no\"}}",
      "{\"op\":\"event\",\"data\":[1]}", "\"event\"", "null"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gs_wire_cmd_t c;
    gs_errbuf_t eb = {{0}};
    ck_assert_msg(gs_wire_parse_command(bad[i], strlen(bad[i]), &c, &eb) ==
                      GS_EINVAL,
                  "accepted %s", bad[i]);
    ck_assert_msg(eb.msg[0] != '\0', "no reason for %s", bad[i]);
  }
  gs_wire_cmd_t c;
  ck_assert_int_eq(gs_wire_parse_command("{\"op\":\"p\xff\"}", 11, &c, NULL),
                   GS_EINVAL); /* not UTF-8 */
  ck_assert_int_eq(gs_wire_parse_command("{\"op\":\"\xe2\x82\"}", 10, &c,
                                         NULL),
                   GS_EINVAL); /* truncated sequence */
}
END_TEST

/* Random bytes and random mutations of a valid command never crash the
 * parser and never read past the given length (ASan checks that). */
START_TEST(parse_survives_random_bytes) {
  gs_rng_t r;
  gs_rng_init(&r, 5, 5, 5);
  const char *base = "{\"op\":\"event\",\"shed_kw\":3.5,\"data\":{\"event_id"
                     "\":\"1\",\"duration_s\":60},\"correlationId\":\"x\"}";
  size_t blen = strlen(base);
  int ok = 0;
  for (int i = 0; i < 20000; i++) {
    size_t len = i % 2 ? blen : (size_t)(gs_rng_uniform(&r) * 64);
    char *buf = malloc(len ? len : 1);
    for (size_t k = 0; k < len; k++)
      buf[k] = i % 2 && gs_rng_uniform(&r) > 0.05
                   ? base[k]
                   : (char)(gs_rng_uniform(&r) * 256);
    gs_wire_cmd_t c;
    ok += gs_wire_parse_command(buf, len, &c, NULL) == GS_OK;
    free(buf);
  }
  ck_assert_int_gt(ok, 0); /* some mutants stay valid */
}
END_TEST

static void json_keys(const char *text, char *out, size_t size) {
  cJSON *o = cJSON_Parse(text);
  ck_assert_ptr_nonnull(o);
  out[0] = '\0';
  for (cJSON *c = o->child; c; c = c->next) {
    size_t len = strlen(out);
    snprintf(out + len, size - len, "%s%s", len ? "," : "", c->string);
  }
  cJSON_Delete(o);
}

START_TEST(telemetry_has_contract_fields) {
  gs_wire_load_t l = {.id = "heater1", .name = "Water Heater",
                      .type = "heater", .breaker_amps = 30,
                      .capacity_kw = 7.2, .current_kw = 2.04,
                      .shed_capability_kw = 2.04, .enabled = true};
  gs_wire_ven_t v = {.ven_id = "ven-alpha", .ts = 1795682062,
                     .used_kw = 24.355, .shed_kw = 3, .requested_kw = 3,
                     .event_id = "1", .baseline_kw = 24.36,
                     .message_num = 5, .panel_amps = 200,
                     .panel_voltage = 240, .battery_soc_pct = -1,
                     .loads = &l, .n_loads = 1};
  char *t = gs_wire_telemetry(&v);
  char keys[1024];
  json_keys(t, keys, sizeof keys);
  /* The key order of the reference VEN's telemetry (contract samples). */
  ck_assert_str_eq(keys,
                   "venId,timestamp,usedPowerKw,shedPowerKw,"
                   "requestedReductionKw,eventId,baselinePowerKw,message_num,"
                   "panelAmperageRating,panelVoltage,panelMaxKw,currentAmps,"
                   "panelUtilizationPercent,loads,power_kw,shed_kw,"
                   "base_power_kw,ts,active_event");
  cJSON *o = cJSON_Parse(t);
  ck_assert_double_eq(cJSON_GetObjectItem(o, "usedPowerKw")->valuedouble,
                      24.36);
  ck_assert_double_eq(cJSON_GetObjectItem(o, "panelMaxKw")->valuedouble, 48);
  ck_assert_double_eq(cJSON_GetObjectItem(o, "currentAmps")->valuedouble,
                      101.48);
  ck_assert_double_eq(
      cJSON_GetObjectItem(o, "panelUtilizationPercent")->valuedouble, 50.7);
  char *load0 =
      cJSON_Print(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "loads"), 0));
  json_keys(load0, keys, sizeof keys);
  free(load0);
  ck_assert_str_eq(keys, "id,name,type,capacityKw,currentPowerKw,"
                         "shedCapabilityKw,enabled,priority");
  cJSON_Delete(o);
  free(t);
  v.battery_soc_pct = 85.54;
  v.event_id = NULL;
  t = gs_wire_telemetry(&v);
  o = cJSON_Parse(t);
  ck_assert_double_eq(cJSON_GetObjectItem(o, "batterySoc")->valuedouble,
                      85.5);
  ck_assert(cJSON_IsNull(cJSON_GetObjectItem(o, "eventId")));
  cJSON_Delete(o);
  free(t);
}
END_TEST

/* The contract's captured samples, where ../shared exists: our payloads
 * carry the same keys in the same order. Skips cleanly without it. */
START_TEST(matches_captured_samples) {
  const char *path = GS_SOURCE_DIR "/../shared/contract/samples/"
                                   "telemetry_in_event.json";
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    printf("matches_captured_samples: %s absent, skipped\n", path);
    return;
  }
  char buf[8192];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  char want[1024], got[1024];
  json_keys(buf, want, sizeof want);
  gs_wire_ven_t v = {.ven_id = "v", .event_id = "1", .panel_amps = 200,
                     .panel_voltage = 240, .battery_soc_pct = -1};
  char *t = gs_wire_telemetry(&v);
  json_keys(t, got, sizeof got);
  free(t);
  ck_assert_str_eq(got, want);
}
END_TEST

/* ---- a VEN on a sink: periodic messages and wire commands ----------- */
typedef struct capture {
  int n[4];
  char last[4][4096];
} capture_t;

static void capture_publish(void *ud, uint64_t ven, gs_topic_t topic,
                            const char *payload) {
  capture_t *c = ud;
  (void)ven;
  c->n[topic]++;
  snprintf(c->last[topic], sizeof c->last[topic], "%s", payload);
}

static const char *one_home =
    "{\"name\":\"t\",\"start\":\"2026-07-15T00:00:00Z\",\"duration_s\":600,"
    "\"fleet\":[{\"name\":\"h\",\"count\":1,\"loads\":[{\"type\":\"fridge\","
    "\"id\":\"fridge1\",\"params\":{\"critical\":0}}]}]}";

static const char *ack_field(capture_t *c, const char *key, char *buf) {
  cJSON *o = cJSON_Parse(c->last[GS_TOPIC_ACK]);
  ck_assert_ptr_nonnull(o);
  const cJSON *v = cJSON_GetObjectItem(o, key);
  ck_assert_msg(v != NULL, "ack lacks %s: %s", key, c->last[GS_TOPIC_ACK]);
  char *s = cJSON_PrintUnformatted(v);
  snprintf(buf, 256, "%s", s);
  free(s);
  cJSON_Delete(o);
  return buf;
}

START_TEST(sink_gets_telemetry_and_acks) {
  capture_t cap = {0};
  gs_ven_sink_t sink = {.publish = capture_publish, .ud = &cap};
  gs_scenario_t *s;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_scenario_load_string(one_home, "t", NULL, &s, &eb),
                   GS_OK);
  gs_engine_t *e = gs_engine_create(&(gs_engine_config_t){.seed = 1}, NULL);
  gs_world_t *w;
  ck_assert_int_eq(gs_world_build_with_sink(s, e, &sink, &w, &eb), GS_OK);
  ck_assert_int_eq(gs_engine_run(e, 60 * GS_US_PER_S), GS_OK);
  ck_assert_int_eq(cap.n[GS_TOPIC_TELEMETRY], 12); /* every 5 s */
  ck_assert_int_eq(cap.n[GS_TOPIC_LOADS], 2);     /* every 30 s */
  ck_assert_int_eq(cap.n[GS_TOPIC_SHADOW], 2);
  ck_assert_ptr_nonnull(strstr(cap.last[GS_TOPIC_TELEMETRY],
                               "\"venId\":\"h-0000\""));
  char buf[256];
  const char *ping = "{\"op\":\"ping\",\"correlationId\":\"p-1\"}";
  ck_assert_int_eq(gs_world_inject_command(w, 0, ping, strlen(ping)), GS_OK);
  ck_assert_int_eq(gs_engine_run(e, 61 * GS_US_PER_S), GS_OK);
  ck_assert_str_eq(ack_field(&cap, "pong", buf), "true");
  ck_assert_str_eq(ack_field(&cap, "correlationId", buf), "\"p-1\"");
  ck_assert_int_eq(gs_world_inject_command(w, 0, "{oops", 5), GS_OK);
  ck_assert_int_eq(gs_engine_run(e, 62 * GS_US_PER_S), GS_OK);
  ck_assert_str_eq(ack_field(&cap, "status", buf), "\"error\"");
  const char *get = "{\"op\":\"get\",\"correlationId\":\"g\"}";
  gs_world_inject_command(w, 0, get, strlen(get));
  ck_assert_int_eq(gs_engine_run(e, 63 * GS_US_PER_S), GS_OK);
  ck_assert_ptr_nonnull(strstr(cap.last[GS_TOPIC_ACK], "\"data\":{\"venId\""));
  const char *unk = "{\"op\":\"setLoad\",\"data\":{\"loadId\":\"nope\"}}";
  gs_world_inject_command(w, 0, unk, strlen(unk));
  ck_assert_int_eq(gs_engine_run(e, 64 * GS_US_PER_S), GS_OK);
  ck_assert_str_eq(ack_field(&cap, "message", buf), "\"unknown loadId\"");
  const char *ev = "{\"op\":\"event\",\"correlationId\":\"e-9\","
                   "\"event_id\":\"9\",\"shed_kw\":0.5,\"duration_sec\":60}";
  gs_world_inject_command(w, 0, ev, strlen(ev));
  ck_assert_int_eq(gs_engine_run(e, 65 * GS_US_PER_S), GS_OK);
  ck_assert_str_eq(ack_field(&cap, "status", buf), "\"accepted\"");
  ck_assert_str_eq(ack_field(&cap, "event_id", buf), "\"9\"");
  ck_assert_str_eq(ack_field(&cap, "requested_shed_kw", buf), "0.5");
  ck_assert_int_eq(gs_engine_run(e, 70 * GS_US_PER_S), GS_OK);
  ck_assert_ptr_nonnull(strstr(cap.last[GS_TOPIC_TELEMETRY],
                               "\"eventId\":\"9\""));
  gs_engine_destroy(e);
  gs_world_free(w);
  gs_scenario_free(s);
}
END_TEST

START_TEST(outages_come_and_go) {
  gs_entity_id_t ven;
  gs_engine_t *e = gs_engine_create(&(gs_engine_config_t){.seed = 1}, NULL);
  double p[GS_VEN_NPARAMS];
  for (int i = 0; i < GS_VEN_NPARAMS; i++) p[i] = gs_ven_params[i].def;
  p[GS_VEN_P_OFFLINE_PER_DAY] = 24; /* one an hour */
  p[GS_VEN_P_OFFLINE_MEAN_S] = 900;
  gs_model_init_t vi = {.seed = 1, .key = 9, .params = p,
                        .ven = GS_ENTITY_NONE, .meter = GS_METER_NONE};
  ck_assert_int_eq(gs_engine_add_entity(e, &gs_model_ven, &vi, &ven, NULL),
                   GS_OK);
  /* Sample the online flag each minute for 100 days: the offline fraction
   * of an alternating renewal process is mean_off / (mean_on + mean_off) =
   * 900 / (3600 + 900) = 0.2. */
  int off = 0, total = 0;
  for (gs_time_us_t t = 0; t < 100 * GS_US_PER_DAY; t += GS_US_PER_MIN) {
    ck_assert_int_eq(gs_engine_run(e, t), GS_OK);
    off += !gs_ven_online(gs_engine_state(e, ven));
    total++;
  }
  ck_assert_double_eq_tol((double)off / total, 0.2, 0.02);
  gs_engine_destroy(e);
}
END_TEST

Suite *ven_suite(void) {
  Suite *s = suite_create("ven");
  TCase *tc = tcase_create("ven");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, reference_shed_by_hand);
  tcase_add_test(tc, thermal_shed_by_hand);
  tcase_add_test(tc, parse_contract_commands);
  tcase_add_test(tc, parse_rejects_bad_payloads);
  tcase_add_test(tc, parse_survives_random_bytes);
  tcase_add_test(tc, telemetry_has_contract_fields);
  tcase_add_test(tc, matches_captured_samples);
  tcase_add_test(tc, sink_gets_telemetry_and_acks);
  tcase_add_test(tc, outages_come_and_go);
  suite_add_tcase(s, tc);
  return s;
}
