/* SPDX-License-Identifier: MIT */
/* Loads a scenario: reads the JSON, applies overrides, validates it all. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridsim/scenario.h"
#include "json_set.h"
#include "scenario_util.h"
#include "weather.h"
#include "grid.h"
#include "mqtt_cfg.h"
#include "oadr_cfg.h"
#include "real_ven.h"

/* "$schema" lets editors find scenarios/schema.json; it means nothing to
 * the loader, but listing it keeps it from being an unknown key. */
static const char *const top_keys[] = {
    "name", "description", "$schema", "start",   "duration_s",
    "seed", "output",      "fleet",   "program", "weather", "utc_offset_h",
    "grid", "mqtt", "real_vens", "oadr_ven", NULL};
static const char *const output_keys[] = {"interval_s", "ven_sample", "file",
                                          NULL};

/* The output interval when the scenario gives none. It is capped at the
 * run's length so a short test run needs no output section. */
#define GS__DEFAULT_INTERVAL_S 300.0

void gs_scenario_free(gs_scenario_t *s) {
  if (s == NULL) return;
  gs__scn_free_groups(s);
  gs__scn_free_events(s);
  gs_weather_free(s->weather);
  gs_grid_cfg_free(s->grid);
  gs_real_cfg_free(s->real);
  cJSON_Delete(s->json);
  free(s->file);
  free(s->name);
  free(s->description);
  free(s->output_file);
  free(s);
}

/* "<file>:<line>:<col>: invalid JSON" for a parse that stopped at `end`. */
static gs_err_t json_error(const char *text, const char *end, const char *label,
                           gs_errbuf_t *eb) {
  unsigned long line = 1, col = 1;
  for (const char *p = text; end != NULL && p < end && *p; p++) {
    if (*p == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return gs_errbuf_set(eb, GS_ESCENARIO, "%s:%lu:%lu: invalid JSON", label,
                       line, col);
}

/* The whole-microsecond rule of output.interval_s: a sampling grid that
 * drifts against the integer clock would make traces depend on rounding. */
static bool whole_us(double s) {
  double us = s * 1e6;
  return fabs(us - round(us)) <= 1e-6 + fabs(us) * 1e-15;
}

static gs_err_t parse_output(gs__sctx_t *c, const cJSON *jo, gs_scenario_t *s) {
  double dur_s = (double)s->duration_us / (double)GS_US_PER_S;
  double interval_s = fmin(GS__DEFAULT_INTERVAL_S, dur_s);
  s->ven_sample = 0.01;
  if (jo != NULL) {
    size_t mark = gs__path_key(c, "output");
    if (!cJSON_IsObject(jo))
      return gs__fail(c, jo, "an object {\"interval_s\": .., ..}");
    gs_err_t err = gs__check_keys(c, jo, output_keys);
    if (err != GS_OK) return err;
    gs__num_rule_t r = {.lo = 0, .lo_open = true, .hi = dur_s, .unit = "s"};
    if ((err = gs__get_num(c, jo, "interval_s", &r, false, interval_s,
                           &interval_s, NULL)) != GS_OK)
      return err;
    if (!whole_us(interval_s)) {
      gs__path_key(c, "interval_s");
      return gs__fail(c, cJSON_GetObjectItemCaseSensitive(jo, "interval_s"),
                      "a whole number of microseconds");
    }
    static const gs__num_rule_t frac = {.lo = 0, .hi = 1};
    if ((err = gs__get_num(c, jo, "ven_sample", &frac, false, 0.01,
                           &s->ven_sample, NULL)) != GS_OK)
      return err;
    const char *file;
    if ((err = gs__get_str(c, jo, "file", false, false, &file)) != GS_OK)
      return err;
    if (file != NULL && (s->output_file = gs__strdup(file)) == NULL)
      return gs__nomem(c);
    gs__path_pop(c, mark);
  }
  if (gs_time_from_s(interval_s, &s->output_interval_us) != GS_OK ||
      s->output_interval_us < 1) {
    gs__path_key(c, "output");
    gs__path_key(c, "interval_s");
    return gs__fail(c, NULL, "at least one microsecond");
  }
  return GS_OK;
}

/* Validates `root` into `s`, which owns what it fills even on failure. A
 * weather CSV named in `root` is relative to `base_dir`. */
static gs_err_t validate(gs__sctx_t *c, const cJSON *root, gs_scenario_t *s,
                         const char *base_dir) {
  if (!cJSON_IsObject(root)) return gs__fail(c, root, "a scenario object");
  gs_err_t err = gs__check_keys(c, root, top_keys);
  if (err != GS_OK) return err;
  const char *text;
  if ((err = gs__get_str(c, root, "name", true, false, &text)) != GS_OK)
    return err;
  if ((s->name = gs__strdup(text)) == NULL) return gs__nomem(c);
  const cJSON *jd = cJSON_GetObjectItemCaseSensitive(root, "description");
  if (jd != NULL) {
    if (!cJSON_IsString(jd)) {
      gs__path_key(c, "description");
      return gs__fail(c, jd, "a string");
    }
    if ((s->description = gs__strdup(jd->valuestring)) == NULL)
      return gs__nomem(c);
  }
  const cJSON *js = cJSON_GetObjectItemCaseSensitive(root, "start");
  if (!cJSON_IsString(js) ||
      gs_time_parse_iso8601(js->valuestring, &s->start_unix_s) != GS_OK) {
    gs__path_key(c, "start");
    return gs__fail(c, js,
                    "an ISO 8601 UTC instant such as \"2026-07-15T00:00:00Z\"");
  }
  static const gs__num_rule_t dur = {
      .lo = 0, .lo_open = true, .hi = GS__MAX_DURATION_S, .unit = "s"};
  double x;
  if ((err = gs__get_num(c, root, "duration_s", &dur, false, 86400.0, &x,
                         NULL)) != GS_OK)
    return err;
  if (gs_time_from_s(x, &s->duration_us) != GS_OK || s->duration_us < 1) {
    gs__path_key(c, "duration_s");
    return gs__fail(c, cJSON_GetObjectItemCaseSensitive(root, "duration_s"),
                    "at least one microsecond");
  }
  static const gs__num_rule_t seed = {
      .lo = 0, .hi = (double)GS__MAX_SEED, .integer = true};
  if ((err = gs__get_num(c, root, "seed", &seed, false, 1.0, &x, NULL)) !=
      GS_OK)
    return err;
  s->seed = (uint64_t)x; /* exact: an integer up to 2^53 */
  if ((err = parse_output(c, cJSON_GetObjectItemCaseSensitive(root, "output"),
                          s)) != GS_OK)
    return err;
  /* Local clock of the fleet: the default of every model's utc_offset_h,
   * so appliance, hot-water and travel profiles share one time zone. */
  static const gs__num_rule_t tz = {.lo = -12, .hi = 14, .unit = "h"};
  if ((err = gs__get_num(c, root, "utc_offset_h", &tz, false, 0.0,
                         &s->utc_offset_h, NULL)) != GS_OK)
    return err;
  c->utc_offset_h = s->utc_offset_h;
  /* The fleet comes before the program, whose targets name its groups and
   * VENs; the run's length comes before both. */
  if ((err = gs__scn_parse_fleet(
           c, cJSON_GetObjectItemCaseSensitive(root, "fleet"), s)) != GS_OK)
    return err;
  /* The grid after the fleet (it places the groups' VENs), before the
   * program (whose targets may name feeders and transformers). */
  if ((err = gs__scn_parse_grid(c, root, s)) != GS_OK) return err;
  /* Real VENs before the program, whose lists of VENs may name them. */
  if ((err = gs__scn_parse_real(c, root, s)) != GS_OK) return err;
  if ((err = gs__scn_parse_program(
           c, cJSON_GetObjectItemCaseSensitive(root, "program"), s)) != GS_OK)
    return err;
  if ((err = gs__scn_parse_mqtt(c, root, NULL)) != GS_OK) return err;
  if ((err = gs__scn_parse_oadr(c, root, NULL)) != GS_OK) return err;
  /* Last: it needs the start, length and seed, and reading a CSV costs
   * more than every other check, which should fail first. The weather is
   * always built, the synthetic default when the key is absent. */
  return gs_weather_parse(cJSON_GetObjectItemCaseSensitive(root, "weather"),
                          c->file, "weather", base_dir, s->start_unix_s,
                          s->duration_us, s->seed, &s->weather, c->eb);
}

/* Rescales the fleet's counts in `root` to total `n` by the largest
 * remainder method (ties to the earlier group), so each group keeps its
 * share as closely as whole VENs allow. A fleet that is not yet valid is
 * left alone: validation then reports what is wrong with it. */
static gs_err_t rescale(cJSON *root, uint64_t n) {
  cJSON *fleet = cJSON_GetObjectItemCaseSensitive(root, "fleet");
  size_t ng = (size_t)cJSON_GetArraySize(fleet);
  if (!cJSON_IsArray(fleet) || ng == 0) return GS_OK;
  uint64_t *cnt = calloc(ng, sizeof *cnt), *rem = calloc(ng, sizeof *rem);
  cJSON **items = calloc(ng, sizeof *items);
  gs_err_t err = GS_ENOMEM;
  if (cnt == NULL || rem == NULL || items == NULL) goto out;
  err = GS_OK;
  uint64_t total = 0;
  size_t g = 0;
  for (cJSON *e = fleet->child; e != NULL; e = e->next, g++) {
    items[g] = cJSON_GetObjectItemCaseSensitive(e, "count");
    double v = cJSON_IsNumber(items[g]) ? items[g]->valuedouble : -1;
    /* Counts up to the VEN limit keep n * count below 2^64. */
    if (!(v >= 0 && v <= (double)GS__MAX_VENS && v == floor(v))) goto out;
    cnt[g] = (uint64_t)v;
    total += cnt[g];
  }
  if (total == 0) goto out;
  uint64_t given = 0;
  for (g = 0; g < ng; g++) {
    rem[g] = n * cnt[g] % total;
    cnt[g] = n * cnt[g] / total;
    given += cnt[g];
  }
  /* Fewer than ng VENs are left over; each goes to the largest remainder
   * not yet served, the earlier group winning ties. */
  for (; given < n; given++) {
    size_t best = ng;
    for (g = 0; g < ng; g++)
      if (rem[g] != UINT64_MAX && (best == ng || rem[g] > rem[best])) best = g;
    GS_ASSERT(best < ng);
    cnt[best]++;
    rem[best] = UINT64_MAX; /* served; a real remainder is < total */
  }
  /* Written back so gs_scenario_to_json() shows the counts that ran. */
  for (g = 0; g < ng; g++)
    cJSON_SetNumberValue(items[g], (double)cnt[g]);
out:
  free(cnt);
  free(rem);
  free(items);
  return err;
}

/* Applies --set, --seed and --vens to `root`, in that order. */
static gs_err_t apply_overrides(cJSON *root, const gs_scenario_overrides_t *ov,
                                gs_errbuf_t *eb) {
  if (ov == NULL) return GS_OK;
  if (!cJSON_IsObject(root)) return GS_OK; /* validation says why */
  for (size_t i = 0; i < ov->n_sets; i++) {
    gs_err_t err = gs__json_set(root, ov->sets[i], eb);
    if (err != GS_OK) return err;
  }
  if (ov->has_seed) {
    if (ov->seed > GS__MAX_SEED)
      return gs_errbuf_set(eb, GS_ESCENARIO,
                           "--seed: expected an integer in [0, %llu], "
                           "found %llu",
                           (unsigned long long)GS__MAX_SEED,
                           (unsigned long long)ov->seed);
    /* Written back so the effective JSON reproduces the run. */
    cJSON *num = cJSON_CreateNumber((double)ov->seed);
    bool ok = num != NULL &&
              (cJSON_GetObjectItemCaseSensitive(root, "seed") != NULL
                   ? cJSON_ReplaceItemInObjectCaseSensitive(root, "seed", num)
                   : cJSON_AddItemToObject(root, "seed", num));
    if (!ok) {
      cJSON_Delete(num);
      return gs_errbuf_set(eb, GS_ENOMEM, "--seed: out of memory");
    }
  }
  /* --vens goes last so that a --set of a group's count is rescaled along
   * with the rest rather than overriding the requested total. */
  if (ov->has_vens) {
    if (ov->vens < 1 || ov->vens > GS__MAX_VENS)
      return gs_errbuf_set(eb, GS_ESCENARIO,
                           "--vens: expected an integer in [1, %llu], "
                           "found %llu",
                           (unsigned long long)GS__MAX_VENS,
                           (unsigned long long)ov->vens);
    if (rescale(root, ov->vens) != GS_OK)
      return gs_errbuf_set(eb, GS_ENOMEM, "--vens: out of memory");
  }
  return GS_OK;
}

/* gs_scenario_load_string() with the directory files named in the
 * scenario are relative to. */
static gs_err_t load_text(const char *text, const char *label,
                          const char *base_dir,
                          const gs_scenario_overrides_t *ov,
                          gs_scenario_t **out, gs_errbuf_t *eb) {
  if (out == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_scenario_load_string: out NULL");
  *out = NULL;
  if (text == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_scenario_load_string: no text");
  if (ov != NULL && ov->n_sets > 0 && ov->sets == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_scenario_load_string: no sets");
  if (label == NULL) label = "<string>";
  gs_err_t err;
  const char *end = NULL;
  gs_scenario_t *s = calloc(1, sizeof *s);
  if (s == NULL)
    return gs_errbuf_set(eb, GS_ENOMEM, "%s: out of memory", label);
  if ((s->file = gs__strdup(label)) == NULL) {
    err = gs_errbuf_set(eb, GS_ENOMEM, "%s: out of memory", label);
    goto fail;
  }
  /* Trailing text after the document is an error too: a second object
   * pasted into a file would otherwise be silently ignored. */
  s->json = cJSON_ParseWithOpts(text, &end, true);
  if (s->json == NULL) {
    err = json_error(text, end, label, eb);
    goto fail;
  }
  /* Overrides edit the JSON itself, before validation, so an overridden
   * value is checked like one written in the file and the effective
   * scenario stored in the trace is the JSON as validated. */
  if ((err = apply_overrides(s->json, ov, eb)) != GS_OK) goto fail;
  gs__sctx_t c;
  gs__sctx_init(&c, label, "", eb);
  if ((err = validate(&c, s->json, s, base_dir)) != GS_OK) goto fail;
  *out = s;
  return GS_OK;
fail:
  gs_scenario_free(s);
  return err;
}

gs_err_t gs_scenario_load_string(const char *text, const char *label,
                                 const gs_scenario_overrides_t *ov,
                                 gs_scenario_t **out, gs_errbuf_t *eb) {
  return load_text(text, label, ".", ov, out, eb);
}

gs_err_t gs_scenario_load_file(const char *path,
                               const gs_scenario_overrides_t *ov,
                               gs_scenario_t **out, gs_errbuf_t *eb) {
  if (out == NULL || path == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_scenario_load_file: NULL");
  *out = NULL;
  gs_err_t err = GS_OK;
  char *text = NULL;
  size_t len = 0, cap = 0;
  FILE *f = fopen(path, "rb");
  if (f == NULL) goto io_fail;
  /* Read in growing chunks rather than by ftell so pipes work too. */
  for (;;) {
    if (cap - len < 4096) {
      size_t ncap = cap > 0 ? cap * 2 : 65536;
      char *t = realloc(text, ncap);
      if (t == NULL) {
        err = gs_errbuf_set(eb, GS_ENOMEM, "%s: out of memory", path);
        goto out;
      }
      text = t;
      cap = ncap;
    }
    size_t got = fread(text + len, 1, cap - len - 1, f);
    len += got;
    if (got == 0) break;
  }
  if (ferror(f)) goto io_fail; /* errno still tells why */
  text[len] = '\0';
  /* The scenario's directory: "a/b.json" -> "a", "/b.json" -> "/". */
  const char *slash = strrchr(path, '/');
  if (slash == NULL) {
    err = load_text(text, path, ".", ov, out, eb);
  } else {
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *dir = malloc(n + 1);
    if (dir == NULL) {
      err = gs_errbuf_set(eb, GS_ENOMEM, "%s: out of memory", path);
      goto out;
    }
    memcpy(dir, path, n);
    dir[n] = '\0';
    err = load_text(text, path, dir, ov, out, eb);
    free(dir);
  }
  goto out;
io_fail:
  err = gs_errbuf_set(eb, GS_EIO, "%s: cannot read: %s", path, strerror(errno));
out:
  if (f != NULL) fclose(f);
  free(text);
  return err;
}

gs_err_t gs_scenario_load_default(const gs_scenario_overrides_t *ov,
                                  gs_scenario_t **out, gs_errbuf_t *eb) {
  return gs_scenario_load_string(gs_default_scenario_json, "<built-in default>",
                                 ov, out, eb);
}

const char *gs_scenario_name(const gs_scenario_t *s) {
  GS_ASSERT(s != NULL);
  return s->name;
}

const char *gs_scenario_file(const gs_scenario_t *s) {
  GS_ASSERT(s != NULL);
  return s->file;
}

uint64_t gs_scenario_seed(const gs_scenario_t *s) {
  GS_ASSERT(s != NULL);
  return s->seed;
}

int64_t gs_scenario_start_unix_s(const gs_scenario_t *s) {
  GS_ASSERT(s != NULL);
  return s->start_unix_s;
}

gs_time_us_t gs_scenario_duration_us(const gs_scenario_t *s) {
  GS_ASSERT(s != NULL);
  return s->duration_us;
}

gs_time_us_t gs_scenario_output_interval_us(const gs_scenario_t *s) {
  GS_ASSERT(s != NULL);
  return s->output_interval_us;
}

uint64_t gs_scenario_vens(const gs_scenario_t *s) {
  GS_ASSERT(s != NULL);
  return s->n_vens;
}

/* Printed from the tree, not rebuilt from the parsed fields, so comments
 * ("_" keys) and the user's key order survive into the trace. */
char *gs_scenario_to_json(const gs_scenario_t *s) {
  GS_ASSERT(s != NULL);
  return cJSON_Print(s->json);
}
