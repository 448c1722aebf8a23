/* SPDX-License-Identifier: MIT */
/* Tests of scenario loading: the default, malformed files, overrides. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridsim/scenario.h"
#include "scenario_priv.h"

#define BAD_DIR GS_SOURCE_DIR "/tests/data/bad/"
/* 2026-07-15T00:00:00Z */
#define DEFAULT_START_UNIX INT64_C(1784098800) /* 2026-07-15T00:00:00-07:00 */

/* A small valid scenario the inline cases start from. */
#define HEAD \
  "{\"name\":\"t\",\"start\":\"2026-07-15T00:00:00Z\",\"duration_s\":3600,"
#define FLEET "\"fleet\":[{\"name\":\"a\",\"count\":10}]"
#define EVENT(body)                                                \
  HEAD FLEET                                                       \
      ",\"program\":{\"events\":[{\"id\":\"e\",\"duration_s\":60," \
      "\"requested_kw\":1," body "}]}}"
#define LOAD(body)                                            \
  HEAD "\"fleet\":[{\"name\":\"a\",\"count\":10,\"loads\":[{" \
       "\"type\":\"fridge\",\"id\":\"f\"," body "}]}]}"
#define VEN(body) \
  HEAD "\"fleet\":[{\"name\":\"a\",\"count\":10,\"ven\":{" body "}}]}"

static const char *const minimal = HEAD FLEET "}";

static gs_err_t load(const char *text, const gs_scenario_overrides_t *ov,
                     gs_scenario_t **s, gs_errbuf_t *eb) {
  return gs_scenario_load_string(text, "inline.json", ov, s, eb);
}

/* Loads `text`, which must be valid; the test fails with the message. */
static gs_scenario_t *load_ok(const char *text,
                              const gs_scenario_overrides_t *ov) {
  gs_scenario_t *s = NULL;
  gs_errbuf_t eb = {{0}};
  gs_err_t err = load(text, ov, &s, &eb);
  ck_assert_msg(err == GS_OK, "load failed (%s): %s", gs_strerror(err), eb.msg);
  return s;
}

static int param_index(const gs_model_type_t *t, const char *name) {
  int i = gs_model_param_index(t, name);
  ck_assert_msg(i >= 0, "model %s has no parameter %s", t->name, name);
  return i;
}

START_TEST(test_default) {
  gs_scenario_t *s = NULL;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_scenario_load_default(NULL, &s, &eb), GS_OK);
  ck_assert_str_eq(gs_scenario_name(s), "default");
  ck_assert_str_eq(gs_scenario_file(s), "<built-in default>");
  ck_assert_ptr_nonnull(s->description);
  ck_assert_int_eq(gs_scenario_start_unix_s(s), DEFAULT_START_UNIX);
  ck_assert_int_eq(gs_scenario_duration_us(s), 86400 * INT64_C(1000000));
  ck_assert_int_eq(gs_scenario_seed(s), 1);
  ck_assert_int_eq(gs_scenario_output_interval_us(s), INT64_C(300000000));
  ck_assert_double_eq_tol(s->ven_sample, 0.05, 1e-12);
  ck_assert_int_eq(gs_scenario_vens(s), 300);
  ck_assert_uint_ge(s->n_groups, 1);
  ck_assert_uint_le(s->n_groups, 2);
  uint64_t total = 0;
  const gs_model_type_t *ven = gs_model_find("ven");
  int amps = param_index(ven, "panel_amps");
  for (size_t g = 0; g < s->n_groups; g++) {
    const gs_group_cfg_t *grp = &s->groups[g];
    total += grp->count;
    const gs_dist_t *pa = &grp->ven_params[amps];
    ck_assert_int_eq(pa->kind, GS_DIST_CHOICE);
    ck_assert_uint_eq(pa->n_values, 3);
    ck_assert_double_eq(pa->values[0], 100);
    ck_assert_double_eq(pa->values[2], 200);
    ck_assert_int_ne(grp->ven_params[param_index(ven, "latency_s")].kind,
                     GS_DIST_CONST);
    /* Parameters the scenario leaves out are their defaults. */
    int loss = param_index(ven, "loss_prob");
    ck_assert_int_eq(grp->ven_params[loss].kind, GS_DIST_CONST);
    ck_assert_double_eq(grp->ven_params[loss].p[0], ven->params[loss].def);
    /* The reference home's circuits (contract), HVAC first. */
    ck_assert_uint_eq(grp->n_loads, 11);
    ck_assert_str_eq(grp->loads[0].id, "hvac1");
    ck_assert_str_eq(grp->loads[0].type->name, "hvac");
    ck_assert_double_eq_tol(grp->loads[0].present, 0.9, 1e-12);
    ck_assert_str_eq(grp->loads[1].type->name, "fridge");
    ck_assert_double_eq_tol(grp->loads[1].present, 1.0, 1e-12);
    /* The scenario's local clock is every model's utc_offset_h default. */
    int utc = param_index(grp->loads[0].type, "utc_offset_h");
    ck_assert_int_ge(utc, 0);
    ck_assert_int_eq(grp->loads[0].params[utc].kind, GS_DIST_CONST);
    ck_assert_double_eq(grp->loads[0].params[utc].p[0], -7);
  }
  ck_assert_double_eq(s->utc_offset_h, -7);
  ck_assert_uint_eq(total, 300);
  ck_assert_uint_eq(s->n_events, 1);
  const gs_dr_event_cfg_t *ev = &s->events[0];
  ck_assert_str_eq(ev->id, "evt-1");
  ck_assert_int_eq(ev->start_us, 64800 * INT64_C(1000000));
  ck_assert_int_eq(ev->duration_us, 7200 * INT64_C(1000000));
  ck_assert_double_eq(ev->requested_kw, 150);
  ck_assert_int_eq(ev->target, GS_TARGET_ALL);
  gs_scenario_free(s);
}
END_TEST

START_TEST(test_default_file_matches_builtin) {
  gs_scenario_t *s = NULL;
  gs_errbuf_t eb = {{0}};
  gs_err_t err = gs_scenario_load_file(GS_SOURCE_DIR "/scenarios/default.json",
                                       NULL, &s, &eb);
  ck_assert_msg(err == GS_OK, "%s", eb.msg);
  ck_assert_str_eq(gs_scenario_name(s), "default");
  ck_assert_int_eq(gs_scenario_vens(s), 300);
  ck_assert_ptr_nonnull(strstr(gs_scenario_file(s), "default.json"));
  gs_scenario_free(s);
}
END_TEST

START_TEST(test_minimal_defaults) {
  gs_scenario_t *s = load_ok(minimal, NULL);
  ck_assert_int_eq(gs_scenario_seed(s), 1);
  ck_assert_int_eq(gs_scenario_output_interval_us(s), INT64_C(300000000));
  ck_assert_double_eq_tol(s->ven_sample, 0.01, 1e-12);
  ck_assert_ptr_null(s->output_file);
  ck_assert_ptr_null(s->description);
  ck_assert_uint_eq(s->n_events, 0);
  ck_assert_uint_eq(s->groups[0].n_loads, 0);
  gs_scenario_free(s);
  /* A run shorter than the default interval samples once at its end. */
  s = load_ok(
      "{\"name\":\"t\",\"start\":\"2026-07-15T00:00:00Z\","
      "\"duration_s\":60," FLEET "}",
      NULL);
  ck_assert_int_eq(gs_scenario_output_interval_us(s), INT64_C(60000000));
  gs_scenario_free(s);
}
END_TEST

START_TEST(test_targets_and_iso_start) {
  gs_scenario_t *s = load_ok(
      HEAD
      "\"fleet\":[{\"name\":\"big-one\",\"count\":12000},"
      "{\"name\":\"b\",\"count\":3,\"_note\":\"comments are allowed\"}],"
      "\"program\":{\"events\":["
      "{\"id\":\"g\",\"start\":\"2026-07-15T00:30:00Z\",\"duration_s\":60,"
      "\"requested_kw\":1,\"target\":{\"group\":\"b\"}},"
      "{\"id\":\"f\",\"start_s\":0.5,\"duration_s\":60,"
      "\"requested_kw\":1,\"target\":{\"fraction\":0.25}},"
      "{\"id\":\"l\",\"start_s\":10,\"duration_s\":60,"
      "\"requested_kw\":0,\"target\":{\"vens\":"
      "[\"big-one-11999\",\"b-0002\"]}}]}}",
      NULL);
  ck_assert_uint_eq(s->n_events, 3);
  ck_assert_int_eq(s->events[0].target, GS_TARGET_GROUP);
  ck_assert_str_eq(s->events[0].group, "b");
  ck_assert_int_eq(s->events[0].start_us, 1800 * INT64_C(1000000));
  ck_assert_int_eq(s->events[1].target, GS_TARGET_FRACTION);
  ck_assert_double_eq(s->events[1].fraction, 0.25);
  ck_assert_int_eq(s->events[1].start_us, 500000);
  ck_assert_int_eq(s->events[2].target, GS_TARGET_LIST);
  ck_assert_uint_eq(s->events[2].n_vens, 2);
  ck_assert_str_eq(s->events[2].vens[0], "big-one-11999");
  gs_scenario_free(s);
}
END_TEST

/* Malformed scenario files: the JSON path each error must name. */
static const struct {
  const char *file;
  const char *where; /* "path: expected" or "line:col: invalid JSON" */
} bad_files[] = {
    {"syntax.json", ":4:3: invalid JSON"},
    {"empty_fleet.json", ": fleet: expected a non-empty array"},
    {"negative_count.json", ": fleet[0].count: expected an integer"},
    {"noninteger_count.json", ": fleet[0].count: expected an integer"},
    {"unknown_load_type.json", ": fleet[0].loads[0].type: expected a load"},
    {"unknown_ven_key.json",
     ": fleet[0].ven.panl_amps: expected one of panel_amps"},
    {"duplicate_group.json", ": fleet[1].name: expected a group name not"},
    {"duplicate_load_id.json", ": fleet[0].loads[1].id: expected an id not"},
    {"negative_sd.json",
     ": fleet[0].loads[0].params.setpoint_c.sd: expected a number >= 0"},
    {"weights_mismatch.json",
     ": fleet[0].ven.panel_amps.weights: expected an array of 3 weights"},
    {"const_out_of_range.json",
     ": fleet[0].ven.panel_amps: expected an integer in [30, 800] (A), "
     "found 1000"},
    {"event_after_end.json",
     ": program.events[0].start_s: expected a number in [0, 3600) (s), "
     "found 4000"},
    {"bad_iso_start.json", ": start: expected an ISO 8601"},
    {"bad_target_group.json",
     ": program.events[0].target.group: expected the name of a fleet group "
     "(suburb), found \"rural\""},
    {"unknown_ven_id.json",
     ": program.events[0].target.vens[1]: expected a VEN id from "
     "\"suburb-0000\" to \"suburb-0019\", found \"suburb-0020\""},
    {"ven_sample_above_one.json",
     ": output.ven_sample: expected a number in [0, 1], found 1.5"},
    {"missing_name.json", ": name: expected a non-empty string, found nothing"},
    {"unknown_top_key.json",
     ": durration_s: expected one of name, description"},
};
#define N_BAD_FILES (int)(sizeof bad_files / sizeof bad_files[0])

START_TEST(test_bad_files) {
  char path[512];
  snprintf(path, sizeof path, "%s%s", BAD_DIR, bad_files[_i].file);
  gs_scenario_t *s = (gs_scenario_t *)&s; /* must be reset to NULL */
  gs_errbuf_t eb = {{0}};
  gs_err_t err = gs_scenario_load_file(path, NULL, &s, &eb);
  ck_assert_msg(err == GS_ESCENARIO, "%s: error %s (%s)", bad_files[_i].file,
                gs_strerror(err), eb.msg);
  ck_assert_ptr_null(s);
  char want[512];
  snprintf(want, sizeof want, "%s%s", path, bad_files[_i].where);
  ck_assert_msg(strstr(eb.msg, want) != NULL, "message \"%s\" lacks \"%s\"",
                eb.msg, want);
}
END_TEST

/* Malformed inline scenarios (file label "inline.json"). */
static const struct {
  const char *text;
  const char *where; /* follows "inline.json" */
} bad_inline[] = {
    {"[1, 2]", ": (root): expected a scenario object, found [1,2]"},
    /* cJSON stops one past a character that cannot start a key. */
    {"{\"name\": \"x\",\n  \"start\": 3,,}", ":2:15: invalid JSON"},
    {"", ":1:1: invalid JSON"},
    {HEAD "\"seed\":-1," FLEET "}", ": seed: expected an integer in [0, "},
    {"{\"name\":\"t\",\"start\":\"2026-07-15T00:00:00Z\",\"duration_s\":"
     "0," FLEET "}",
     ": duration_s: expected a number in (0, 31622400] (s), found 0"},
    {"{\"name\":\"t\",\"start\":\"2026-07-15T00:00:00Z\"}",
     ": fleet: expected a non-empty array of fleet groups, found nothing"},
    {"{\"name\":\"t\"," FLEET "}", ": start: expected an ISO 8601"},
    {HEAD "\"output\":{\"interval_s\":0.0000001}," FLEET "}",
     ": output.interval_s: expected a whole number of microseconds"},
    {HEAD "\"output\":{\"interval_s\":7200}," FLEET "}",
     ": output.interval_s: expected a number in (0, 3600] (s)"},
    {HEAD "\"output\":5," FLEET "}", ": output: expected an object"},
    {HEAD "\"fleet\":[{\"name\":\"a b\",\"count\":1}]}",
     ": fleet[0].name: expected a name of letters"},
    {HEAD "\"fleet\":[{\"name\":\"a\"}]}",
     ": fleet[0].count: expected an integer in [0, 50000000], found nothing"},
    {HEAD "\"fleet\":[{\"name\":\"a\",\"count\":1,\"count\":2}]}",
     ": fleet[0].count: expected each key at most once"},
    {HEAD "\"fleet\":[{\"name\":\"a\",\"count\":30000000},"
          "{\"name\":\"b\",\"count\":30000000}]}",
     ": fleet: expected groups totalling 1 to 50000000 VENs, found a total "
     "of 60000000"},
    {HEAD "\"fleet\":[{\"name\":\"a\",\"count\":0}]}",
     ": fleet: expected groups totalling 1 to 50000000 VENs, found a total "
     "of 0"},
    {HEAD "\"fleet\":[\"a\"]}", ": fleet[0]: expected a fleet group"},
    {VEN("\"panel_amps\":150.5"),
     ": fleet[0].ven.panel_amps: expected an integer in [30, 800] (A), "
     "found 150.5"},
    {VEN("\"panel_amps\":{\"dist\":\"choice\",\"values\":[100,1000]}"),
     ": fleet[0].ven.panel_amps.values[1]: expected an integer in [30, 800]"},
    {VEN("\"latency_s\":{\"dist\":\"normal\",\"mean\":-100,\"sd\":1,"
         "\"max\":-50}"),
     ": fleet[0].ven.latency_s: expected a distribution with values among "
     "a number in [0, 3600] (s)"},
    {VEN("\"loss_prob\":\"high\""),
     ": fleet[0].ven.loss_prob: expected a number or a distribution"},
    {HEAD "\"fleet\":[{\"name\":\"a\",\"count\":1,\"ven\":[]}]}",
     ": fleet[0].ven: expected an object of ven parameters"},
    {LOAD("\"present\":1.2"),
     ": fleet[0].loads[0].present: expected a number in [0, 1], found 1.2"},
    {LOAD("\"params\":{\"setpoint_c\":50}"),
     ": fleet[0].loads[0].params.setpoint_c: expected a number in [-30, 20] "
     "(degC), found 50"},
    {LOAD("\"params\":{\"colour\":\"white\"}"),
     ": fleet[0].loads[0].params.colour: expected one of setpoint_c"},
    {HEAD "\"fleet\":[{\"name\":\"a\",\"count\":1,\"loads\":[{"
          "\"type\":\"fridge\"}]}]}",
     ": fleet[0].loads[0].id: expected a name of letters, digits, '_', '.' "
     "or '-', found nothing"},
    {HEAD "\"fleet\":[{\"name\":\"a\",\"count\":1,\"loads\":[{"
          "\"type\":\"ven\",\"id\":\"v\"}]}]}",
     ": fleet[0].loads[0].type: expected a load type (fridge"},
    {EVENT("\"start_s\":1,\"start\":\"2026-07-15T00:10:00Z\""),
     ": program.events[0]: expected exactly one of start_s and start, found "
     "both"},
    {EVENT("\"requested_kw\":2"),
     ": program.events[0].requested_kw: expected each key at most once"},
    {HEAD FLEET ",\"program\":{\"events\":[{\"id\":\"e\",\"start_s\":0,"
                "\"requested_kw\":1}]}}",
     ": program.events[0].duration_s: expected a number in (0, 31622400] (s),"
     " found nothing"},
    {EVENT("\"start\":\"2026-07-14T23:59:59Z\""),
     ": program.events[0].start: expected an ISO 8601 instant from "
     "2026-07-15T00:00:00Z to 2026-07-15T00:59:59Z, found "
     "\"2026-07-14T23:59:59Z\""},
    {EVENT("\"start\":\"2026-07-15T01:00:00Z\""),
     ": program.events[0].start: expected an ISO 8601 instant"},
    {EVENT("\"start_s\":-1"),
     ": program.events[0].start_s: expected a "
     "number in [0, 3600) (s), found -1"},
    {EVENT("\"start_s\":1,\"target\":\"some\""),
     ": program.events[0].target: expected \"all\" or an object"},
    {EVENT("\"start_s\":1,\"target\":{\"fraction\":0}"),
     ": program.events[0].target.fraction: expected a number in (0, 1], "
     "found 0"},
    {EVENT("\"start_s\":1,\"target\":{\"fraction\":0.5,\"group\":\"a\"}"),
     ": program.events[0].target: expected exactly one of group, fraction, "
     "vens"},
    {EVENT("\"start_s\":1,\"target\":{\"vens\":[]}"),
     ": program.events[0].target.vens: expected a non-empty array of VEN "
     "ids, found []"},
    {EVENT("\"start_s\":1,\"target\":{\"vens\":[\"a-0001\",\"a-1\"]}"),
     ": program.events[0].target.vens[1]: expected a VEN id from \"a-0000\""},
    {EVENT("\"start_s\":1,\"target\":{\"vens\":[\"a-0001\",\"a-0001\"]}"),
     ": program.events[0].target.vens[1]: expected each VEN once"},
    {EVENT("\"start_s\":1,\"target\":{\"vens\":[\"zz-0001\"]}"),
     ": program.events[0].target.vens[0]: expected a VEN id \"<group>-"},
    {HEAD FLEET ",\"program\":{\"events\":[{\"id\":\"e\",\"start_s\":0,"
                "\"duration_s\":1,\"requested_kw\":1},{\"id\":\"e\","
                "\"start_s\":0,\"duration_s\":1,\"requested_kw\":1}]}}",
     ": program.events[1].id: expected an id not used by program.events[0]"},
    {HEAD FLEET ",\"program\":{\"dispatch\":\"greedy\"}}",
     ": program.dispatch: expected one of \"equal\", \"capability\", "
     "\"priority\", found \"greedy\""},
    {HEAD FLEET ",\"program\":{\"event\":[]}}",
     ": program.event: expected one of events, dispatch, offline_after_s, "
     "baselines, found an unknown key"},
    {HEAD "\"name\":\"a very long name\"," FLEET
          ",\"description\":[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}",
     ": name: expected each key at most once"},
    {HEAD FLEET
     ",\"description\":[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}",
     ": description: expected a string, found "
     "[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..."},
};
#define N_BAD_INLINE (int)(sizeof bad_inline / sizeof bad_inline[0])

START_TEST(test_bad_inline) {
  gs_scenario_t *s = NULL;
  gs_errbuf_t eb = {{0}};
  gs_err_t err = load(bad_inline[_i].text, NULL, &s, &eb);
  ck_assert_msg(err == GS_ESCENARIO, "case %d: error %s (%s)", _i,
                gs_strerror(err), eb.msg);
  ck_assert_ptr_null(s);
  char want[512];
  snprintf(want, sizeof want, "inline.json%s", bad_inline[_i].where);
  ck_assert_msg(strstr(eb.msg, want) == eb.msg,
                "case %d: message \"%s\" does not start with \"%s\"", _i,
                eb.msg, want);
}
END_TEST

/* An enumeration parameter rejects a name outside its choices. Which
 * parameters are enumerations is the models' business, so the test looks
 * for one in the registry. */
START_TEST(test_enum_param) {
  const gs_model_type_t *type = NULL;
  const gs_param_spec_t *spec = NULL;
  for (size_t i = 0; gs_model_registry[i] != NULL && spec == NULL; i++) {
    const gs_model_type_t *t = gs_model_registry[i];
    if (t->role == GS_ROLE_SYSTEM) continue;
    for (size_t p = 0; p < t->n_params && spec == NULL; p++)
      if (t->params[p].choices != NULL) {
        type = t;
        spec = &t->params[p];
      }
  }
  if (spec == NULL) return; /* no enumeration yet: test_dist covers it */
  char text[1024], want[256];
  const char *first = spec->choices[0];
  if (type->role == GS_ROLE_VEN) {
    snprintf(text, sizeof text, VEN("\"%s\":\"%s\",\"_x\":0"), spec->name,
             first);
  } else {
    snprintf(text, sizeof text,
             HEAD
             "\"fleet\":[{\"name\":\"a\",\"count\":10,\"loads\":[{"
             "\"type\":\"%s\",\"id\":\"l\",\"params\":{\"%s\":\"%s\"}"
             "}]}]}",
             type->name, spec->name, first);
  }
  gs_scenario_t *s = load_ok(text, NULL);
  gs_scenario_free(s);
  char *bad = strstr(text, first);
  ck_assert_ptr_nonnull(bad);
  bad[0] = '#'; /* no choice starts with '#' */
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(load(text, NULL, &s, &eb), GS_ESCENARIO);
  if (type->role == GS_ROLE_VEN)
    snprintf(want, sizeof want, "inline.json: fleet[0].ven.%s: expected one of",
             spec->name);
  else
    snprintf(want, sizeof want,
             "inline.json: fleet[0].loads[0].params.%s: expected one of",
             spec->name);
  ck_assert_msg(strstr(eb.msg, want) != NULL, "message \"%s\" lacks \"%s\"",
                eb.msg, want);
}
END_TEST

START_TEST(test_unreadable_file) {
  gs_scenario_t *s = NULL;
  gs_errbuf_t eb = {{0}};
  gs_err_t err =
      gs_scenario_load_file(BAD_DIR "no-such-file.json", NULL, &s, &eb);
  ck_assert_int_eq(err, GS_EIO);
  ck_assert_ptr_nonnull(strstr(eb.msg, "no-such-file.json: cannot read: "));
  ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_set_values) {
  const char *sets[] = {
      "output.interval_s=60",
      "name=summer run",
      "description=\"quoted\"",
      "output.file=out.h5",
      "fleet.0.count=7",
      "fleet[0].ven.panel_amps=100",
      "seed=99",
      "program={\"events\":[{\"id\":\"x\","
      "\"start_s\":5,\"duration_s\":9,"
      "\"requested_kw\":3}]}",
  };
  gs_scenario_overrides_t ov = {.sets = sets,
                                .n_sets = sizeof sets / sizeof sets[0]};
  gs_scenario_t *s = load_ok(minimal, &ov);
  ck_assert_int_eq(gs_scenario_output_interval_us(s), INT64_C(60000000));
  ck_assert_str_eq(gs_scenario_name(s), "summer run");
  ck_assert_str_eq(s->description, "quoted");
  ck_assert_str_eq(s->output_file, "out.h5");
  ck_assert_int_eq(s->groups[0].count, 7);
  ck_assert_int_eq(gs_scenario_vens(s), 7);
  int amps = param_index(gs_model_find("ven"), "panel_amps");
  ck_assert_int_eq(s->groups[0].ven_params[amps].kind, GS_DIST_CONST);
  ck_assert_double_eq(s->groups[0].ven_params[amps].p[0], 100);
  ck_assert_int_eq(gs_scenario_seed(s), 99);
  ck_assert_uint_eq(s->n_events, 1);
  ck_assert_str_eq(s->events[0].id, "x");
  gs_scenario_free(s);

  /* A distribution given on the command line, and a later --set winning. */
  const char *sets2[] = {
      "fleet[0].ven.latency_s={\"dist\":\"uniform\",\"min\":1,\"max\":2}",
      "duration_s=100", "duration_s=7200"};
  gs_scenario_overrides_t ov2 = {.sets = sets2, .n_sets = 3};
  s = load_ok(minimal, &ov2);
  int lat = param_index(gs_model_find("ven"), "latency_s");
  ck_assert_int_eq(s->groups[0].ven_params[lat].kind, GS_DIST_UNIFORM);
  ck_assert_int_eq(gs_scenario_duration_us(s), 7200 * INT64_C(1000000));
  gs_scenario_free(s);
}
END_TEST

/* --set arguments that cannot apply, and the text each message starts with. */
static const struct {
  const char *arg;
  const char *msg;
} bad_sets[] = {
    {"fleet[3].count=1",
     "--set fleet[3].count=1: fleet[3]: expected an index in 0..0, found "
     "index 3"},
    {"fleet.2.count=1",
     "--set fleet.2.count=1: fleet[2]: expected an index in 0..0"},
    {"fleet.x.count=1",
     "--set fleet.x.count=1: fleet.x: expected an index in 0..0, found key "
     "\"x\""},
    {"name.first=1",
     "--set name.first=1: name: expected an object, found "
     "\"t\""},
    {"output[0]=1", "--set output[0]=1: output: expected an array, found {}"},
    {"fleet[x].count=1", "--set fleet[x].count=1: (root): expected PATH=VALUE"},
    {"=1", "--set =1: (root): expected PATH=VALUE"},
    {"seed", "--set seed: (root): expected PATH=VALUE"},
    {"a..b=1", "--set a..b=1: (root): expected PATH=VALUE"},
    {"[0]=1", "--set [0]=1: (root): expected PATH=VALUE"},
    /* The path exists; the value then fails validation like a file's. */
    {"fleet[0].count=-5", "inline.json: fleet[0].count: expected an integer"},
    {"fleet[0].colour=red",
     "inline.json: fleet[0].colour: expected one of name, count, ven, loads"},
};
#define N_BAD_SETS (int)(sizeof bad_sets / sizeof bad_sets[0])

START_TEST(test_set_errors) {
  const char *sets[] = {"output={}", bad_sets[_i].arg};
  gs_scenario_overrides_t ov = {.sets = sets, .n_sets = 2};
  gs_scenario_t *s = NULL;
  gs_errbuf_t eb = {{0}};
  gs_err_t err = load(minimal, &ov, &s, &eb);
  ck_assert_msg(err == GS_ESCENARIO, "%s: error %s (%s)", bad_sets[_i].arg,
                gs_strerror(err), eb.msg);
  ck_assert_ptr_null(s);
  ck_assert_msg(strstr(eb.msg, bad_sets[_i].msg) == eb.msg,
                "message \"%s\" does not start with \"%s\"", eb.msg,
                bad_sets[_i].msg);
}
END_TEST

START_TEST(test_seed_override) {
  gs_scenario_overrides_t ov = {.has_seed = true, .seed = 42};
  gs_scenario_t *s = load_ok(minimal, &ov);
  ck_assert_int_eq(gs_scenario_seed(s), 42);
  char *json = gs_scenario_to_json(s);
  ck_assert_ptr_nonnull(json);
  gs_scenario_free(s);
  s = load_ok(json, NULL);
  ck_assert_int_eq(gs_scenario_seed(s), 42);
  free(json);
  gs_scenario_free(s);
  /* --seed comes after every --set. */
  const char *sets[] = {"seed=5"};
  gs_scenario_overrides_t ov2 = {.sets = sets,
                                 .n_sets = 1,
                                 .has_seed = true,
                                 .seed = UINT64_C(9007199254740992)};
  s = load_ok(minimal, &ov2);
  ck_assert_uint_eq(gs_scenario_seed(s), UINT64_C(9007199254740992));
  gs_scenario_free(s);
  gs_errbuf_t eb = {{0}};
  ov2.seed = UINT64_C(9007199254740993);
  ck_assert_int_eq(load(minimal, &ov2, &s, &eb), GS_ESCENARIO);
  ck_assert_msg(strstr(eb.msg,
                       "--seed: expected an integer in [0, "
                       "9007199254740992], found 9007199254740993") == eb.msg,
                "message: %s", eb.msg);
}
END_TEST

static const char *const three_groups = HEAD
    "\"fleet\":[{\"name\":\"a\",\"count\":200},"
    "{\"name\":\"b\",\"count\":100},{\"name\":\"c\",\"count\":50}]}";

START_TEST(test_vens_rescale) {
  static const struct {
    uint64_t n;
    uint32_t a, b, c;
  } cases[] = {
      /* 1000 * (200, 100, 50) / 350 = 571.43, 285.71, 142.86 */
      {1000, 571, 286, 143},
      {350, 200, 100, 50},
      {7, 4, 2, 1},
      /* 2 * (4/7, 2/7, 1/7) = 1.14, 0.57, 0.29: the .57 wins */
      {2, 1, 1, 0},
      {1, 1, 0, 0},
      {50000000, 28571429, 14285714, 7142857},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    gs_scenario_overrides_t ov = {.has_vens = true, .vens = cases[k].n};
    gs_scenario_t *s = load_ok(three_groups, &ov);
    ck_assert_uint_eq(gs_scenario_vens(s), cases[k].n);
    ck_assert_uint_eq(s->groups[0].count, cases[k].a);
    ck_assert_uint_eq(s->groups[1].count, cases[k].b);
    ck_assert_uint_eq(s->groups[2].count, cases[k].c);
    gs_scenario_free(s);
  }
  /* Equal remainders go to the earlier group. */
  gs_scenario_overrides_t ov = {.has_vens = true, .vens = 3};
  gs_scenario_t *s = load_ok(
      HEAD
      "\"fleet\":[{\"name\":\"a\",\"count\":1},{\"name\":\"z\",\"count\":0},"
      "{\"name\":\"b\",\"count\":1}]}",
      &ov);
  ck_assert_uint_eq(s->groups[0].count, 2);
  ck_assert_uint_eq(s->groups[1].count, 0);
  ck_assert_uint_eq(s->groups[2].count, 1);
  gs_scenario_free(s);
  /* Any total from the default scenario's 200/100 split sums exactly. */
  for (uint64_t n = 1; n <= 2000; n += 37) {
    gs_scenario_overrides_t o = {.has_vens = true, .vens = n};
    gs_errbuf_t eb = {{0}};
    ck_assert_int_eq(gs_scenario_load_default(&o, &s, &eb), GS_OK);
    uint64_t sum = 0;
    for (size_t g = 0; g < s->n_groups; g++) {
      sum += s->groups[g].count;
      double share = (double)n * (s->n_groups == 2 && g == 0 ? 2.0 : 1.0) /
                     (s->n_groups == 2 ? 3.0 : 1.0);
      ck_assert_msg(fabs(s->groups[g].count - share) < 1.0,
                    "n=%llu group %zu: %u VENs, share %g",
                    (unsigned long long)n, g, s->groups[g].count, share);
    }
    ck_assert_uint_eq(sum, n);
    gs_scenario_free(s);
  }
  gs_errbuf_t eb = {{0}};
  ov.vens = 0;
  ck_assert_int_eq(load(three_groups, &ov, &s, &eb), GS_ESCENARIO);
  ck_assert_msg(strstr(eb.msg,
                       "--vens: expected an integer in [1, 50000000]"
                       ", found 0") == eb.msg,
                "message: %s", eb.msg);
  /* A fleet too big before rescaling is fine once rescaled. */
  ov.vens = 1000;
  s = load_ok(HEAD
              "\"fleet\":[{\"name\":\"a\",\"count\":40000000},"
              "{\"name\":\"b\",\"count\":40000000}]}",
              &ov);
  ck_assert_uint_eq(s->groups[0].count, 500);
  gs_scenario_free(s);
}
END_TEST

START_TEST(test_effective_json_round_trip) {
  const char *sets[] = {"output.interval_s=60", "fleet[1].ven.loss_prob=0.1"};
  gs_scenario_overrides_t ov = {.sets = sets,
                                .n_sets = 2,
                                .has_seed = true,
                                .seed = 7,
                                .has_vens = true,
                                .vens = 1234};
  gs_scenario_t *a = NULL, *b = NULL;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_scenario_load_default(&ov, &a, &eb), GS_OK);
  char *json = gs_scenario_to_json(a);
  ck_assert_ptr_nonnull(json);
  ck_assert_int_eq(
      gs_scenario_load_string(json, "effective.json", NULL, &b, &eb), GS_OK);
  ck_assert_str_eq(gs_scenario_name(b), gs_scenario_name(a));
  ck_assert_uint_eq(gs_scenario_seed(b), 7);
  ck_assert_int_eq(gs_scenario_start_unix_s(b), gs_scenario_start_unix_s(a));
  ck_assert_int_eq(gs_scenario_duration_us(b), gs_scenario_duration_us(a));
  ck_assert_int_eq(gs_scenario_output_interval_us(b), INT64_C(60000000));
  ck_assert_uint_eq(gs_scenario_vens(b), 1234);
  ck_assert_double_eq(b->ven_sample, a->ven_sample);
  ck_assert_uint_eq(b->n_groups, a->n_groups);
  for (size_t g = 0; g < a->n_groups; g++) {
    ck_assert_str_eq(b->groups[g].name, a->groups[g].name);
    ck_assert_uint_eq(b->groups[g].count, a->groups[g].count);
    ck_assert_uint_eq(b->groups[g].n_loads, a->groups[g].n_loads);
    for (size_t p = 0; p < gs_model_find("ven")->n_params; p++) {
      ck_assert_int_eq(b->groups[g].ven_params[p].kind,
                       a->groups[g].ven_params[p].kind);
      ck_assert_double_eq(b->groups[g].ven_params[p].p[0],
                          a->groups[g].ven_params[p].p[0]);
    }
  }
  ck_assert_uint_eq(b->n_events, a->n_events);
  ck_assert_str_eq(b->events[0].id, a->events[0].id);
  ck_assert_int_eq(b->events[0].start_us, a->events[0].start_us);
  /* The effective JSON is a fixed point. */
  char *json2 = gs_scenario_to_json(b);
  ck_assert_str_eq(json2, json);
  free(json);
  free(json2);
  gs_scenario_free(a);
  gs_scenario_free(b);
}
END_TEST

static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  char *buf = malloc(1 << 20);
  size_t n = buf != NULL ? fread(buf, 1, (1 << 20) - 1, f) : 0;
  if (buf != NULL) buf[n] = '\0';
  fclose(f);
  return buf;
}

/* Checks one $defs entry of the schema against a model's parameter table,
 * so the documentation cannot drift from the code. */
static void check_schema_params(const cJSON *defs, const char *key,
                                const gs_model_type_t *t) {
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(defs, key);
  ck_assert_msg(d != NULL, "scenarios/schema.json lacks $defs.%s (type %s)",
                key, t->name);
  const cJSON *props = cJSON_GetObjectItemCaseSensitive(d, "properties");
  ck_assert_int_eq(cJSON_GetArraySize(props), (int)t->n_params);
  for (size_t i = 0; i < t->n_params; i++) {
    const gs_param_spec_t *sp = &t->params[i];
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(props, sp->name);
    ck_assert_msg(p != NULL, "$defs.%s lacks %s", key, sp->name);
    const cJSON *def = cJSON_GetObjectItemCaseSensitive(p, "default");
    if (sp->choices != NULL) continue; /* defaults are names there */
    ck_assert_msg(cJSON_IsNumber(def) && def->valuedouble == sp->def,
                  "$defs.%s.%s: default in schema differs from %g", key,
                  sp->name, sp->def);
    const cJSON *c =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(p, "oneOf"), 0);
    const cJSON *mn = cJSON_GetObjectItemCaseSensitive(c, "minimum");
    const cJSON *mx = cJSON_GetObjectItemCaseSensitive(c, "maximum");
    ck_assert_msg(cJSON_IsNumber(mn) && mn->valuedouble == sp->min &&
                      cJSON_IsNumber(mx) && mx->valuedouble == sp->max,
                  "$defs.%s.%s: range in schema differs from [%g, %g]", key,
                  sp->name, sp->min, sp->max);
  }
}

START_TEST(test_schema_matches_models) {
  char *text = read_text(GS_SOURCE_DIR "/scenarios/schema.json");
  ck_assert_ptr_nonnull(text);
  cJSON *schema = cJSON_Parse(text);
  free(text);
  ck_assert_msg(schema != NULL, "scenarios/schema.json is not valid JSON");
  const cJSON *defs = cJSON_GetObjectItemCaseSensitive(schema, "$defs");
  check_schema_params(defs, "ven", gs_model_find("ven"));
  for (size_t i = 0; gs_model_registry[i] != NULL; i++) {
    const gs_model_type_t *t = gs_model_registry[i];
    if (t->role != GS_ROLE_LOAD) continue;
    char key[64];
    snprintf(key, sizeof key, "params_%s", t->name);
    check_schema_params(defs, key, t);
  }
  cJSON_Delete(schema);
}
END_TEST

/* ---- The "weather" key (models/weather.h) ---------------------------- */

#include "weather.h"

#define DAY_HEAD \
  "{\"name\":\"t\",\"start\":\"2026-07-15T00:00:00Z\",\"duration_s\":86400,"
#define WEATHER(body) DAY_HEAD FLEET ",\"weather\":" body "}"

/* Highest temperature of the run, over its steps. */
static double max_temp_c(const gs_scenario_t *s) {
  const gs_weather_t *w = s->weather;
  double mx = -1e9;
  for (int64_t t = 0; t < s->duration_us; t += gs_weather_step_us(w))
    mx = fmax(mx, gs_weather_temp_c(w, t));
  return mx;
}

START_TEST(test_weather_default_and_set) {
  /* Absent: the synthetic default, built for every scenario. */
  gs_scenario_t *s = load_ok(DAY_HEAD FLEET "}", NULL);
  ck_assert_ptr_nonnull(s->weather);
  ck_assert_int_eq(gs_weather_step_us(s->weather), 300 * INT64_C(1000000));
  ck_assert_double_eq_tol(max_temp_c(s), 36.0, 1e-4);
  gs_scenario_free(s);
  s = load_ok(WEATHER("{\"type\":\"synthetic\",\"t_max_c\":33,\"step_s\":900,"
                      "\"_why\":\"a comment\"}"), NULL);
  ck_assert_int_eq(gs_weather_step_us(s->weather), 900 * INT64_C(1000000));
  ck_assert_double_eq_tol(max_temp_c(s), 33.0, 1e-4);
  gs_scenario_free(s);
  /* --set reaches into the weather, creating the key if needed. */
  const char *sets[] = {"weather.t_max_c=30"};
  gs_scenario_overrides_t ov = {.sets = sets, .n_sets = 1};
  s = load_ok(DAY_HEAD FLEET "}", &ov);
  ck_assert_double_eq_tol(max_temp_c(s), 30.0, 1e-4);
  gs_scenario_free(s);
  /* The default scenario, too. */
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_scenario_load_default(NULL, &s, &eb), GS_OK);
  ck_assert_ptr_nonnull(s->weather);
  gs_scenario_free(s);
}
END_TEST

/* A CSV named in a scenario file is read from the file's directory. */
START_TEST(test_weather_csv_relative) {
  gs_scenario_t *s = NULL;
  gs_errbuf_t eb = {{0}};
  gs_err_t err = gs_scenario_load_file(
      GS_SOURCE_DIR "/tests/data/weather-scenario.json", NULL, &s, &eb);
  ck_assert_msg(err == GS_OK, "%s", eb.msg);
  ck_assert_int_eq(gs_weather_step_us(s->weather), 3600 * INT64_C(1000000));
  ck_assert_double_eq_tol(gs_weather_temp_c(s->weather, 0), 33.5, 1e-5);
  gs_scenario_free(s);
  /* An inline scenario has no directory: "." (the working directory). */
  s = (gs_scenario_t *)&s;
  err = load(WEATHER("{\"type\":\"csv\",\"file\":\"weather-sample.csv\"}"),
             NULL, &s, &eb);
  ck_assert_int_eq(err, GS_EIO);
  ck_assert_ptr_null(s);
  ck_assert_str_eq(eb.msg, "inline.json: weather.file: expected a readable "
                           "CSV file, found \"weather-sample.csv\" (No such "
                           "file or directory)");
}
END_TEST

/* Malformed weather objects: the exact path and what was expected. */
static const struct {
  const char *text;
  const char *where; /* follows "inline.json" */
} bad_weather[] = {
    {WEATHER("5"), ": weather: expected an object {\"type\": \"synthetic\" "
                   "or \"csv\", ..}, found 5"},
    {WEATHER("{\"type\":\"tmy3\"}"),
     ": weather.type: expected \"synthetic\" or \"csv\", found \"tmy3\""},
    {WEATHER("{\"type\":7}"),
     ": weather.type: expected a non-empty string, found 7"},
    {WEATHER("{\"humidity\":50}"),
     ": weather.humidity: expected one of type, latitude_deg, longitude_deg"},
    {WEATHER("{\"cloud_cover\":1.5}"),
     ": weather.cloud_cover: expected a number in [0, 1], found 1.5"},
    {WEATHER("{\"cloud_variability\":-0.1}"),
     ": weather.cloud_variability: expected a number in [0, 1], found -0.1"},
    {WEATHER("{\"step_s\":0.5}"),
     ": weather.step_s: expected an integer in [1, 86400] (s), found 0.5"},
    {WEATHER("{\"latitude_deg\":91}"),
     ": weather.latitude_deg: expected a number in [-90, 90] (deg), "
     "found 91"},
    {WEATHER("{\"longitude_deg\":\"west\"}"),
     ": weather.longitude_deg: expected a number in [-180, 180] (deg), "
     "found \"west\""},
    {WEATHER("{\"t_min_c\":20,\"t_max_c\":10}"),
     ": weather.t_max_c: expected a number >= t_min_c (20), found 10"},
    {WEATHER("{\"t_min_c\":-80}"),
     ": weather.t_min_c: expected a number in [-70, 60] (degC), found -80"},
    {WEATHER("{\"cloud_time_s\":0}"),
     ": weather.cloud_time_s: expected a number in (0, 2592000] (s), "
     "found 0"},
    {WEATHER("{\"type\":\"csv\"}"),
     ": weather.file: expected a non-empty string, found nothing"},
    {WEATHER("{\"type\":\"csv\",\"file\":\"\"}"),
     ": weather.file: expected a non-empty string, found \"\""},
    {WEATHER("{\"type\":\"csv\",\"file\":\"w.csv\",\"cloud_cover\":0}"),
     ": weather.cloud_cover: expected one of type, file, latitude_deg, "
     "longitude_deg, found an unknown key"},
    {WEATHER("{\"step_s\":1,\"step_s\":2}"),
     ": weather.step_s: expected each key at most once"},
};
#define N_BAD_WEATHER (int)(sizeof bad_weather / sizeof bad_weather[0])

START_TEST(test_weather_errors) {
  gs_scenario_t *s = (gs_scenario_t *)&s; /* must be reset to NULL */
  gs_errbuf_t eb = {{0}};
  gs_err_t err = load(bad_weather[_i].text, NULL, &s, &eb);
  ck_assert_msg(err == GS_ESCENARIO, "case %d: error %s (%s)", _i,
                gs_strerror(err), eb.msg);
  ck_assert_ptr_null(s);
  char want[512];
  snprintf(want, sizeof want, "inline.json%s", bad_weather[_i].where);
  ck_assert_msg(strncmp(eb.msg, want, strlen(want)) == 0,
                "message \"%s\" does not start \"%s\"", eb.msg, want);
}
END_TEST

/* A --set that breaks the weather is reported like one in the file. */
START_TEST(test_weather_set_error) {
  const char *sets[] = {"weather.step_s=0"};
  gs_scenario_overrides_t ov = {.sets = sets, .n_sets = 1};
  gs_scenario_t *s = NULL;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(load(DAY_HEAD FLEET "}", &ov, &s, &eb), GS_ESCENARIO);
  ck_assert_str_eq(eb.msg, "inline.json: weather.step_s: expected an integer "
                           "in [1, 86400] (s), found 0");
}
END_TEST

Suite *scenario_suite(void) {
  Suite *s = suite_create("scenario");
  TCase *tc = tcase_create("load");
  tcase_add_test(tc, test_default);
  tcase_add_test(tc, test_default_file_matches_builtin);
  tcase_add_test(tc, test_minimal_defaults);
  tcase_add_test(tc, test_targets_and_iso_start);
  tcase_add_loop_test(tc, test_bad_files, 0, N_BAD_FILES);
  tcase_add_loop_test(tc, test_bad_inline, 0, N_BAD_INLINE);
  tcase_add_test(tc, test_enum_param);
  tcase_add_test(tc, test_unreadable_file);
  tcase_add_test(tc, test_schema_matches_models);
  suite_add_tcase(s, tc);
  TCase *to = tcase_create("overrides");
  tcase_add_test(to, test_set_values);
  tcase_add_loop_test(to, test_set_errors, 0, N_BAD_SETS);
  tcase_add_test(to, test_seed_override);
  tcase_add_test(to, test_vens_rescale);
  tcase_add_test(to, test_effective_json_round_trip);
  suite_add_tcase(s, to);
  TCase *tw = tcase_create("weather");
  tcase_add_test(tw, test_weather_default_and_set);
  tcase_add_test(tw, test_weather_csv_relative);
  tcase_add_loop_test(tw, test_weather_errors, 0, N_BAD_WEATHER);
  tcase_add_test(tw, test_weather_set_error);
  suite_add_tcase(s, tw);
  return s;
}
