/* SPDX-License-Identifier: MIT */
/* The trace's event log and per-VEN series against what the run did. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "gridsim/engine.h"
#include "hvac.h"
#include "models.h"
#include "scenario_priv.h"
#include "trace.h"
#include "trace_log.h"
#include "world.h"

/* 40 homes, half of them sampled, that opt out, lose commands and go
 * offline; two events, the first announced an hour ahead. */
static const char rich[] =
    "{\"name\":\"trace-rich\",\"start\":\"2026-07-15T00:00:00-07:00\","
    "\"utc_offset_h\":-7,\"duration_s\":86400,\"seed\":%u,"
    "\"output\":{\"interval_s\":60,\"ven_sample\":0.5},"
    "\"fleet\":[{\"name\":\"h\",\"count\":40,\"ven\":{\"opt_out_prob\":0.3,"
    "\"outages_per_day\":4,\"outage_mean_s\":1800,\"loss_prob\":0.05,"
    "\"latency_s\":2},\"loads\":["
    "{\"type\":\"hvac\",\"id\":\"hvac1\",\"present\":0.8},"
    "{\"type\":\"battery\",\"id\":\"bat1\",\"present\":0.5},"
    "{\"type\":\"ev\",\"id\":\"ev1\",\"present\":0.5},"
    "{\"type\":\"outlets\",\"id\":\"out1\"}]}],"
    "\"program\":{\"events\":[{\"id\":\"a\",\"start_s\":54000,"
    "\"duration_s\":7200,\"requested_kw\":40,\"notice_s\":3600},"
    "{\"id\":\"b\",\"start_s\":66600,\"duration_s\":3600,"
    "\"requested_kw\":20}]}}";
#define N_VENS 40
#define ROWS   1441

typedef struct run {
  gs_scenario_t *s;
  gs_engine_t *e;
  gs_world_t *w;
} run_t;

static run_t build(unsigned seed) {
  char text[2048];
  snprintf(text, sizeof text, rich, seed);
  run_t r = {0};
  gs_errbuf_t eb = {{0}};
  gs_err_t err = gs_scenario_load_string(text, "rich.json", NULL, &r.s, &eb);
  ck_assert_msg(err == GS_OK, "scenario: %s", eb.msg);
  r.e = gs_engine_create(&(gs_engine_config_t){.seed = seed}, &eb);
  ck_assert_ptr_nonnull(r.e);
  err = gs_world_build(r.s, r.e, &r.w, &eb);
  ck_assert_msg(err == GS_OK, "world: %s", eb.msg);
  return r;
}

static void destroy(run_t *r) {
  gs_engine_destroy(r->e);
  gs_world_free(r->w);
  gs_scenario_free(r->s);
}

/* Runs the whole day with a trace at `path`; the world stays alive. */
static run_t run_traced(const char *path, unsigned seed) {
  run_t r = build(seed);
  gs_errbuf_t eb = {{0}};
  gs_trace_t *t = NULL;
  ck_assert_int_eq(gs_trace_open(path, r.w, &t, &eb), GS_OK);
  gs_observer_t obs = gs_trace_observer(t);
  ck_assert_int_eq(gs_engine_add_observer(r.e, &obs), GS_OK);
  ck_assert_int_eq(gs_engine_run(r.e, r.s->duration_us), GS_OK);
  gs_engine_finish(r.e);
  gs_err_t err = gs_trace_close(t, true, &eb);
  ck_assert_msg(err == GS_OK, "close: %s", eb.msg);
  return r;
}

static void temp_path(char *dir, size_t dsize, char *path, size_t psize,
                      const char *name) {
  snprintf(dir, dsize, "%s/test_trace_log_XXXXXX", GS_BINARY_DIR);
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(path, psize, "%s/%s", dir, name);
}

/* ---- Reading the tables -------------------------------------------------- */

/* Every member any table has, in one struct; enums read as native enums
 * of the file's values. */
typedef struct row {
  double time_s, requested_kw, shed_kw, duration_s;
  uint32_t ven, targeted;
  int32_t event;
  signed char kind, fate, status, reason;
} row_t;

static const struct {
  const char *name;
  size_t off;
} members[] = {
    {"time_s", HOFFSET(row_t, time_s)},
    {"requested_kw", HOFFSET(row_t, requested_kw)},
    {"shed_kw", HOFFSET(row_t, shed_kw)},
    {"duration_s", HOFFSET(row_t, duration_s)},
    {"ven", HOFFSET(row_t, ven)},
    {"targeted", HOFFSET(row_t, targeted)},
    {"event", HOFFSET(row_t, event)},
    {"kind", HOFFSET(row_t, kind)},
    {"fate", HOFFSET(row_t, fate)},
    {"status", HOFFSET(row_t, status)},
    {"reason", HOFFSET(row_t, reason)},
};

/* Reads /log/<name> into a malloc'ed array; *n rows. */
static row_t *read_log(hid_t f, const char *name, size_t *n) {
  char path[64];
  snprintf(path, sizeof path, "/log/%s", name);
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  ck_assert_msg(d >= 0, "no %s", path);
  hid_t ft = H5Dget_type(d);
  hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(row_t));
  for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
    int idx = H5Tget_member_index(ft, members[i].name);
    if (idx < 0) continue;
    hid_t m = H5Tget_member_type(ft, (unsigned)idx);
    hid_t nt = H5Tget_native_type(m, H5T_DIR_ASCEND);
    ck_assert_int_ge(H5Tinsert(mt, members[i].name, members[i].off, nt), 0);
    H5Tclose(nt);
    H5Tclose(m);
  }
  hid_t sp = H5Dget_space(d);
  *n = (size_t)H5Sget_simple_extent_npoints(sp);
  row_t *rows = calloc(*n + 1, sizeof *rows);
  ck_assert_ptr_nonnull(rows);
  if (*n > 0)
    ck_assert_int_ge(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows), 0);
  H5Sclose(sp);
  H5Tclose(mt);
  H5Tclose(ft);
  H5Dclose(d);
  return rows;
}

static double *read_doubles(hid_t f, const char *name, hsize_t *dims) {
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  ck_assert_msg(d >= 0, "no dataset %s", name);
  hid_t sp = H5Dget_space(d);
  dims[0] = dims[1] = 1;
  H5Sget_simple_extent_dims(sp, dims, NULL);
  double *v = malloc(dims[0] * dims[1] * sizeof *v + 1);
  ck_assert_ptr_nonnull(v);
  ck_assert_int_ge(
      H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
  H5Sclose(sp);
  H5Dclose(d);
  return v;
}

/* /ven/state as its enum values. */
static signed char *read_states(hid_t f, hsize_t *dims) {
  hid_t d = H5Dopen2(f, "/ven/state", H5P_DEFAULT);
  hid_t ft = H5Dget_type(d);
  hid_t nt = H5Tget_native_type(ft, H5T_DIR_ASCEND);
  hid_t sp = H5Dget_space(d);
  H5Sget_simple_extent_dims(sp, dims, NULL);
  signed char *v = malloc(dims[0] * dims[1]);
  ck_assert_ptr_nonnull(v);
  ck_assert_int_ge(H5Dread(d, nt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
  signed char val = -1;
  ck_assert_int_ge(H5Tenum_valueof(nt, "opted_out", &val), 0);
  ck_assert_int_eq(val, 2);
  H5Sclose(sp);
  H5Tclose(nt);
  H5Tclose(ft);
  H5Dclose(d);
  return v;
}

enum { ST_NORMAL, ST_SHEDDING, ST_OPTED_OUT, ST_OFFLINE };

/* ---- Tests --------------------------------------------------------------- */

/* The log's rows add up to the program's tallies, event by event. */
START_TEST(log_matches_results) {
  char dir[512], path[600];
  temp_path(dir, sizeof dir, path, sizeof path, "rich.h5");
  run_t r = run_traced(path, 3);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  ck_assert_int_ge(f, 0);
  size_t n_dr, n_cmd, n_ack, n_opt, n_fault;
  row_t *dr = read_log(f, "dr_events", &n_dr);
  row_t *cmd = read_log(f, "commands", &n_cmd);
  row_t *ack = read_log(f, "acks", &n_ack);
  row_t *opt = read_log(f, "opt_outs", &n_opt);
  row_t *fault = read_log(f, "faults", &n_fault);

  /* notice a, start a, end a, start b, end b */
  ck_assert_uint_eq(n_dr, 5);
  static const double at[5] = {50400, 54000, 61200, 66600, 70200};
  static const int kinds[5] = {GS_LOG_DR_NOTICE, GS_LOG_DR_START, GS_LOG_DR_END,
                               GS_LOG_DR_START, GS_LOG_DR_END};
  for (size_t i = 0; i < 5; i++) {
    ck_assert_double_eq(dr[i].time_s, at[i]);
    ck_assert_int_eq(dr[i].kind, kinds[i]);
    ck_assert_int_eq(dr[i].event, i < 3 ? 0 : 1);
    if (kinds[i] == GS_LOG_DR_START)
      ck_assert_uint_eq(dr[i].targeted, r.w->dr[dr[i].event].targeted);
  }
  ck_assert_double_eq(dr[1].requested_kw, 40);
  ck_assert_double_eq(dr[1].duration_s, 7200);

  int checked = 0;
  for (int32_t k = 0; k < 2; k++) {
    const gs_dr_result_t *res = &r.w->dr[k];
    uint32_t starts = 0, lost = 0, accepted = 0, rejected = 0, outs = 0;
    double shed_kw = 0, dispatched_kw = 0;
    for (size_t i = 0; i < n_cmd; i++) {
      if (cmd[i].event != k || cmd[i].kind != GS_LOG_CMD_DR_START) continue;
      starts++;
      dispatched_kw += cmd[i].requested_kw;
      lost += cmd[i].fate != GS_LOG_DELIVERED;
    }
    for (size_t i = 0; i < n_ack; i++) {
      if (ack[i].event != k) continue;
      accepted += ack[i].status == GS_LOG_ACK_ACCEPTED;
      rejected += ack[i].status == GS_LOG_ACK_REJECTED;
      if (ack[i].status == GS_LOG_ACK_ACCEPTED) shed_kw += ack[i].shed_kw;
    }
    for (size_t i = 0; i < n_opt; i++)
      outs += opt[i].event == k;
    ck_assert_uint_eq(starts, res->targeted);
    ck_assert_double_eq_tol(dispatched_kw, (double)res->dispatched_mw / 1e6,
                            1e-9);
    ck_assert_uint_eq(lost, res->lost);
    ck_assert_uint_eq(accepted, res->acks);
    ck_assert_uint_eq(rejected, res->opt_outs);
    ck_assert_uint_eq(outs, res->opt_outs);
    ck_assert_double_eq_tol(shed_kw, (double)res->acked_shed_mw / 1e6, 1e-9);
    checked += res->acks > 0 && res->opt_outs > 0 && res->lost > 0;
  }
  ck_assert_int_eq(checked, 2); /* the scenario exercises all three */
  /* Notices reach every target of "a" (minus the offline ones). */
  uint32_t notices = 0;
  for (size_t i = 0; i < n_cmd; i++)
    notices += cmd[i].kind == GS_LOG_CMD_DR_NOTICE;
  ck_assert_uint_eq(notices, N_VENS);
  /* Rows are in time order, and outages happened (4 a day per home). */
  for (size_t i = 1; i < n_cmd; i++)
    ck_assert_double_ge(cmd[i].time_s, cmd[i - 1].time_s);
  ck_assert_uint_gt(n_fault, N_VENS);
  for (size_t i = 0; i < n_fault; i++) {
    ck_assert_double_gt(fault[i].duration_s, 0);
    ck_assert_uint_lt(fault[i].ven, N_VENS);
    ck_assert_int_eq(fault[i].kind, GS_LOG_FAULT_COMMS_OUTAGE);
  }
  free(dr);
  free(cmd);
  free(ack);
  free(opt);
  free(fault);
  H5Fclose(f);
  destroy(&r);
  remove(path);
  ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* The first load of type `ty` of VEN `i`, or GS_ENTITY_NONE. */
static gs_entity_id_t load_of(const run_t *r, uint64_t i,
                              const gs_model_type_t *ty) {
  size_t n = gs_engine_entity_count(r->e);
  for (size_t id = r->w->ven_entity[i] + 1; id < n; id++) {
    const gs_model_type_t *t = gs_engine_type(r->e, (gs_entity_id_t)id);
    if (t->role != GS_ROLE_LOAD) break;
    if (t == ty) return (gs_entity_id_t)id;
  }
  return GS_ENTITY_NONE;
}

static double soc_at_end(const run_t *r, gs_entity_id_t id) {
  gs_load_status_t st = {.soc_pct = -1};
  gs_engine_type(r->e, id)->status(gs_engine_state(r->e, id),
                                   gs_engine_now(r->e), &st);
  return st.soc_pct;
}

/* Each sampled VEN's state, shed, temperature and charge follow what the
 * log and the models say. */
START_TEST(ven_series_follow_log) {
  char dir[512], path[600];
  temp_path(dir, sizeof dir, path, sizeof path, "rich.h5");
  run_t r = run_traced(path, 3);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  hsize_t dims[2], sd[2];
  double *time_s = read_doubles(f, "/fleet/time_s", dims);
  ck_assert_uint_eq(dims[0], ROWS);
  double *index = read_doubles(f, "/ven/index", dims);
  size_t m = dims[0];
  ck_assert_uint_eq(m, N_VENS / 2);
  signed char *state = read_states(f, sd);
  double *shed = read_doubles(f, "/ven/shed_kw", dims);
  double *temp = read_doubles(f, "/ven/indoor_temp_c", dims);
  double *bat = read_doubles(f, "/ven/battery_soc_pct", dims);
  double *ev = read_doubles(f, "/ven/ev_soc_pct", dims);
  size_t n_ack, n_fault;
  row_t *ack = read_log(f, "acks", &n_ack);
  row_t *fault = read_log(f, "faults", &n_fault);
  size_t counts[4] = {0}, with_hvac = 0, with_bat = 0, with_ev = 0;
  for (size_t j = 0; j < m; j++) {
    uint32_t ven = (uint32_t)index[j];
    for (size_t k = 0; k < ROWS; k++) {
      double t = time_s[k];
      int st = state[k * m + j];
      counts[st]++;
      bool down = false;
      for (size_t i = 0; i < n_fault; i++)
        down |= fault[i].ven == ven && fault[i].time_s <= t &&
                t < fault[i].time_s + fault[i].duration_s;
      ck_assert_msg((st == ST_OFFLINE) == down,
                    "VEN %u at %g s: state %d, comms down %d", ven, t, st,
                    down);
      bool in_accepted = false, declined = false;
      for (size_t i = 0; i < n_ack; i++) {
        if (ack[i].ven != ven || t < ack[i].time_s) continue;
        /* The restore leaves at the end and acts after the 2 s latency:
         * the row at the end still shows the event. */
        double end_s = ack[i].event == 0 ? 61200 : 70200;
        if (ack[i].status == GS_LOG_ACK_REJECTED && t <= end_s) declined = true;
        if (ack[i].status == GS_LOG_ACK_ACCEPTED && t <= end_s) {
          in_accepted = true;
          ck_assert_double_eq(shed[k * m + j], ack[i].shed_kw);
        }
      }
      if (declined && !down) ck_assert_int_eq(st, ST_OPTED_OUT);
      if (in_accepted && !down) ck_assert_int_ne(st, ST_NORMAL);
      if (!in_accepted) ck_assert_double_eq(shed[k * m + j], 0);
      if (st == ST_SHEDDING) ck_assert(in_accepted || t <= 70200 + 60);
    }
    /* The last row is the models' own state at the end of the run. */
    size_t last = (ROWS - 1) * m + j;
    gs_entity_id_t h = load_of(&r, ven, &gs_model_hvac);
    gs_entity_id_t b = load_of(&r, ven, &gs_model_battery);
    gs_entity_id_t e = load_of(&r, ven, &gs_model_ev);
    if (h == GS_ENTITY_NONE) {
      ck_assert(isnan(temp[last]) && isnan(temp[j]));
    } else {
      with_hvac++;
      ck_assert_double_eq(temp[last], gs_hvac_indoor_c(gs_engine_state(r.e, h),
                                                       gs_engine_now(r.e)));
      for (size_t k = 0; k < ROWS; k++) {
        ck_assert_double_gt(temp[k * m + j], 10);
        ck_assert_double_lt(temp[k * m + j], 40);
      }
    }
    with_bat += b != GS_ENTITY_NONE;
    with_ev += e != GS_ENTITY_NONE;
    if (b == GS_ENTITY_NONE)
      ck_assert(isnan(bat[last]));
    else
      ck_assert_double_eq(bat[last], soc_at_end(&r, b));
    if (e == GS_ENTITY_NONE)
      ck_assert(isnan(ev[last]));
    else
      ck_assert_double_eq(ev[last], soc_at_end(&r, e));
  }
  /* The sample shows every state and every kind of home. */
  for (int s = 0; s < 4; s++)
    ck_assert_msg(counts[s] > 0, "no row in state %d", s);
  ck_assert_uint_gt(with_hvac, 0);
  ck_assert_uint_lt(with_hvac, m);
  ck_assert_uint_gt(with_bat, 0);
  ck_assert_uint_lt(with_bat, m);
  ck_assert_uint_gt(with_ev, 0);
  ck_assert_uint_lt(with_ev, m);
  free(time_s);
  free(index);
  free(state);
  free(shed);
  free(temp);
  free(bat);
  free(ev);
  free(ack);
  free(fault);
  H5Fclose(f);
  destroy(&r);
  remove(path);
  ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* The hook on its own: any sink gets the records, in time order. */
typedef struct capture {
  size_t n[GS_LOG_NTABLES];
  gs_time_us_t last_us;
  bool ordered;
  gs_log_rec_t wire[8];
  size_t n_wire;
} capture_t;

static void capture(void *ud, const gs_log_rec_t *rec) {
  capture_t *c = ud;
  c->n[rec->table]++;
  c->ordered &= rec->t_us >= c->last_us;
  c->last_us = rec->t_us;
  if (rec->event < 0 && c->n_wire < 8) c->wire[c->n_wire++] = *rec;
}

START_TEST(hook_without_trace) {
  gs_log_emit(NULL, &(gs_log_rec_t){.table = GS_LOG_FAULT}); /* no-op */
  run_t r = build(5);
  capture_t c = {.ordered = true};
  gs_log_t sink = {.record = capture, .ud = &c};
  r.w->log = &sink;
  ck_assert_int_eq(gs_engine_run(r.e, 60 * GS_US_PER_S), GS_OK);
  /* Wire commands: a ping, garbage, an event. */
  const char *ping = "{\"op\":\"ping\",\"correlationId\":\"p-1\"}";
  const char *evt =
      "{\"op\":\"event\",\"correlationId\":\"e-9\","
      "\"event_id\":\"9\",\"shed_kw\":0.5,\"duration_sec\":60}";
  ck_assert_int_eq(gs_world_inject_command(r.w, 1, ping, strlen(ping)), GS_OK);
  ck_assert_int_eq(gs_world_inject_command(r.w, 1, "{oops", 5), GS_OK);
  ck_assert_int_eq(gs_world_inject_command(r.w, 1, evt, strlen(evt)), GS_OK);
  ck_assert_int_eq(gs_engine_run(r.e, r.s->duration_us), GS_OK);
  gs_engine_finish(r.e);
  ck_assert(c.ordered);
  uint32_t acks = 0, outs = 0;
  for (int k = 0; k < 2; k++) {
    acks += r.w->dr[k].acks + r.w->dr[k].opt_outs;
    outs += r.w->dr[k].opt_outs;
  }
  /* Scenario acks plus the wire event's (VEN 1 is online at 60 s, or its
   * three commands are all lost and it answers nothing). */
  ck_assert_uint_ge(c.n[GS_LOG_ACK], acks);
  ck_assert_uint_le(c.n[GS_LOG_ACK], acks + 1);
  ck_assert_uint_ge(c.n[GS_LOG_OPT_OUT], outs);
  ck_assert_uint_eq(c.n[GS_LOG_DR_EVENT], 5);
  ck_assert_uint_gt(c.n[GS_LOG_FAULT], 0);
  ck_assert_uint_ge(c.n_wire, 3);
  ck_assert_uint_eq(c.wire[0].kind, GS_LOG_CMD_WIRE_PING);
  ck_assert_uint_eq(c.wire[1].kind, GS_LOG_CMD_WIRE_INVALID);
  ck_assert_uint_eq(c.wire[2].kind, GS_LOG_CMD_WIRE_EVENT);
  ck_assert_int_eq(c.wire[2].value_mw, 500000);
  for (size_t i = 0; i < 3; i++) {
    ck_assert_uint_eq(c.wire[i].ven, 1);
    ck_assert_int_eq(c.wire[i].t_us, 60 * GS_US_PER_S);
  }
  if (c.wire[0].fate == GS_LOG_DELIVERED) { /* then it answers the event */
    ck_assert_uint_eq(c.n_wire, 4);
    ck_assert_uint_eq(c.wire[3].table, GS_LOG_ACK);
    ck_assert_int_eq(c.wire[3].duration_us, 60 * GS_US_PER_S);
  }
  ck_assert_uint_eq(gs_log_wire_kind(99), GS_LOG_CMD_WIRE_INVALID);
  destroy(&r);
}
END_TEST

/* A busy log is as deterministic as the series. */
START_TEST(rich_same_bytes) {
  char dir[512], a[600], b[600];
  temp_path(dir, sizeof dir, a, sizeof a, "a.h5");
  snprintf(b, sizeof b, "%s/b.h5", dir);
  run_t r1 = run_traced(a, 8);
  destroy(&r1);
  run_t r2 = run_traced(b, 8);
  destroy(&r2);
  char cmd[1400];
  snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
  ck_assert_int_eq(system(cmd), 0);
  remove(a);
  remove(b);
  ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

Suite *trace_log_suite(void) {
  Suite *s = suite_create("trace_log");
  TCase *tc = tcase_create("trace_log");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, log_matches_results);
  tcase_add_test(tc, ven_series_follow_log);
  tcase_add_test(tc, hook_without_trace);
  tcase_add_test(tc, rich_same_bytes);
  suite_add_tcase(s, tc);
  return s;
}
