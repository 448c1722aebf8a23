/* SPDX-License-Identifier: MIT */
/* Expectation files of `gridsim check`: parse, look up, compare, rewrite. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_golden.h"
#include "check_priv.h"
#include "scenario_util.h"

/* The longest array index a path may hold: no summary has a billion
 * elements, and the limit keeps the parse free of overflow. */
#define GS__MAX_INDEX_DIGITS 9

void gs_check_expect_free(gs_check_expect_t *e) {
  if (e == NULL) return;
  cJSON_Delete(e->root);
  free(e->metrics);
  free(e->file);
  free(e);
}

/* ---- Metric paths -------------------------------------------------------- */

/* Walks `path` step by step; with `root` NULL it only checks the syntax.
 * Returns the value found (or `root`'s sentinel when only checking), NULL
 * on a malformed path or a step that leads nowhere. */
static const cJSON *walk(const cJSON *root, const char *path, bool *valid) {
  static const cJSON sentinel;
  const cJSON *cur = root != NULL ? root : &sentinel;
  const char *p = path;
  *valid = false;
  if (p == NULL || *p == '\0' || *p == '.' || *p == '[') return NULL;
  while (*p != '\0') {
    if (*p == '[') {
      const char *d = p + 1;
      size_t idx = 0, n = 0;
      while (*d >= '0' && *d <= '9' && n < GS__MAX_INDEX_DIGITS) {
        idx = idx * 10 + (size_t)(*d++ - '0');
        n++;
      }
      if (n == 0 || *d != ']') return NULL;
      p = d + 1;
      if (*p != '\0' && *p != '.' && *p != '[') return NULL; /* "[0]x" */
      if (root == NULL) continue;
      if (cur == NULL || !cJSON_IsArray(cur)) {
        cur = NULL;
        continue;
      }
      cur = (size_t)cJSON_GetArraySize(cur) > idx
                ? cJSON_GetArrayItem(cur, (int)idx)
                : NULL;
      continue;
    }
    if (*p == '.') p++;
    size_t len = strcspn(p, ".[]");
    if (len == 0 || p[len] == ']') return NULL; /* "a..b", "a.", "a]" */
    if (root != NULL && cur != NULL) {
      const cJSON *next = NULL;
      if (cJSON_IsObject(cur))
        for (const cJSON *it = cur->child; it != NULL; it = it->next)
          if (it->string && strncmp(it->string, p, len) == 0 &&
              it->string[len] == '\0') {
            next = it;
            break;
          }
      cur = next;
    }
    p += len;
  }
  *valid = true;
  return root != NULL ? cur : &sentinel;
}

bool gs_check_path_valid(const char *path) {
  bool valid;
  walk(NULL, path, &valid);
  return valid;
}

const cJSON *gs_check_lookup(const cJSON *root, const char *path) {
  bool valid;
  if (root == NULL) return NULL;
  const cJSON *v = walk(root, path, &valid);
  return valid ? v : NULL;
}

/* ---- Comparison ---------------------------------------------------------- */

static bool is_scalar(const cJSON *v) {
  return cJSON_IsNumber(v) || cJSON_IsString(v) || cJSON_IsBool(v) ||
         cJSON_IsNull(v);
}

/* Exact equality of two scalars (numbers bit for bit as doubles). */
static bool same_scalar(const cJSON *a, const cJSON *b) {
  if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
    return a->valuedouble == b->valuedouble;
  if (cJSON_IsString(a) && cJSON_IsString(b))
    return strcmp(a->valuestring, b->valuestring) == 0;
  if (cJSON_IsBool(a) && cJSON_IsBool(b))
    return cJSON_IsTrue(a) == cJSON_IsTrue(b);
  return cJSON_IsNull(a) && cJSON_IsNull(b);
}

gs_check_verdict_t gs_check_compare(const gs_check_metric_t *m,
                                    const cJSON *got, double *allowed) {
  double tol = 0;
  if (cJSON_IsNumber(m->value))
    tol = fmax(m->abs_tol, m->rel_tol * fabs(m->value->valuedouble));
  if (allowed != NULL) *allowed = tol;
  if (got == NULL) return GS_CHECK_MISSING;
  if (cJSON_IsNumber(m->value) && cJSON_IsNumber(got))
    return fabs(got->valuedouble - m->value->valuedouble) <= tol
               ? GS_CHECK_PASS
               : GS_CHECK_FAIL;
  return same_scalar(m->value, got) ? GS_CHECK_PASS : GS_CHECK_FAIL;
}

/* ---- Parsing ------------------------------------------------------------- */

/* "<file>:<line>:<col>: invalid JSON" where the parse stopped. */
static gs_err_t json_error(const char *text, const char *end, const char *file,
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
  return gs_errbuf_set(eb, GS_ESCENARIO,
                       "%s:%lu:%lu: invalid JSON (an expectation file)", file,
                       line, col);
}

static gs_err_t parse_metric(gs__sctx_t *c, gs_check_expect_t *e, size_t i,
                             cJSON *jm) {
  static const char *const keys[] = {"path", "value", "abs_tol", "rel_tol",
                                     NULL};
  static const gs__num_rule_t tol = {.lo = 0, .hi = HUGE_VAL};
  gs_check_metric_t *m = &e->metrics[i];
  gs_err_t err;
  if (!cJSON_IsObject(jm))
    return gs__fail(c, jm,
                    "a metric {\"path\": .., \"value\": .., "
                    "\"rel_tol\": ..}");
  if ((err = gs__check_keys(c, jm, keys)) != GS_OK) return err;
  if ((err = gs__get_str(c, jm, "path", true, false, &m->path)) != GS_OK)
    return err;
  size_t mk = gs__path_key(c, "path");
  const cJSON *jp = cJSON_GetObjectItemCaseSensitive(jm, "path");
  if (!gs_check_path_valid(m->path))
    return gs__fail(c, jp,
                    "a summary path such as \"fleet.energy_kwh\" or "
                    "\"dr_events[0].delivered_kw_true\"");
  for (size_t j = 0; j < i; j++)
    if (strcmp(e->metrics[j].path, m->path) == 0)
      return gs__fail(c, jp, "each path once (also at metrics[%zu])", j);
  gs__path_pop(c, mk);
  m->value = cJSON_GetObjectItemCaseSensitive(jm, "value");
  mk = gs__path_key(c, "value");
  if (m->value == NULL || !is_scalar(m->value))
    return gs__fail(c, m->value, "a number, string, boolean or null");
  gs__path_pop(c, mk);
  bool has_abs, has_rel;
  if ((err = gs__get_num(c, jm, "abs_tol", &tol, false, 0, &m->abs_tol,
                         &has_abs)) != GS_OK ||
      (err = gs__get_num(c, jm, "rel_tol", &tol, false, 0, &m->rel_tol,
                         &has_rel)) != GS_OK)
    return err;
  if ((has_abs || has_rel) && !cJSON_IsNumber(m->value)) {
    const char *key = has_abs ? "abs_tol" : "rel_tol";
    gs__path_key(c, key);
    return gs__fail(c, cJSON_GetObjectItemCaseSensitive(jm, key),
                    "no tolerance with a non-numeric value (compared "
                    "exactly)");
  }
  m->node = jm;
  return GS_OK;
}

/* Fills `e->metrics` from `e->root`. */
static gs_err_t parse_root(gs__sctx_t *c, gs_check_expect_t *e) {
  static const char *const keys[] = {"metrics", NULL};
  if (!cJSON_IsObject(e->root))
    return gs__fail(c, e->root, "an object {\"metrics\": [..]}");
  gs_err_t err = gs__check_keys(c, e->root, keys);
  if (err != GS_OK) return err;
  cJSON *jms = cJSON_GetObjectItemCaseSensitive(e->root, "metrics");
  size_t mark = gs__path_key(c, "metrics");
  if (!cJSON_IsArray(jms)) return gs__fail(c, jms, "an array of metrics");
  size_t n = (size_t)cJSON_GetArraySize(jms);
  e->metrics = calloc(n > 0 ? n : 1, sizeof *e->metrics);
  if (e->metrics == NULL) return gs__nomem(c);
  size_t i = 0;
  for (cJSON *jm = jms->child; jm != NULL; jm = jm->next, i++) {
    size_t mk = gs__path_index(c, i);
    if ((err = parse_metric(c, e, i, jm)) != GS_OK) return err;
    e->n = i + 1;
    gs__path_pop(c, mk);
  }
  gs__path_pop(c, mark);
  return GS_OK;
}

gs_err_t gs_check_expect_parse(const char *text, const char *file,
                               gs_check_expect_t **out, gs_errbuf_t *eb) {
  if (text == NULL || out == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_check_expect_parse: NULL");
  *out = NULL;
  if (file == NULL) file = "<expectations>";
  gs_check_expect_t *e = calloc(1, sizeof *e);
  if (e == NULL || (e->file = gs__strdup(file)) == NULL) {
    gs_check_expect_free(e);
    return gs_errbuf_set(eb, GS_ENOMEM, "%s: out of memory", file);
  }
  const char *end = NULL;
  e->root = cJSON_ParseWithOpts(text, &end, true);
  if (e->root == NULL) {
    gs_check_expect_free(e);
    return json_error(text, end, file, eb);
  }
  gs__sctx_t c;
  gs__sctx_init(&c, file, NULL, eb);
  gs_err_t err = parse_root(&c, e);
  if (err != GS_OK) {
    gs_check_expect_free(e);
    return err;
  }
  *out = e;
  return GS_OK;
}

gs_err_t gs_check_expect_load(const char *path, gs_check_expect_t **out,
                              gs_errbuf_t *eb) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return gs_errbuf_set(eb, GS_EIO, "%s: cannot read: %s", path,
                         strerror(errno));
  gs__sb_t b = {0};
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    gs__sb_add(&b, chunk, n);
  bool bad = ferror(f);
  fclose(f);
  size_t len = b.len;
  char *text = gs__sb_take(&b);
  if (bad || text == NULL) {
    free(text);
    return bad ? gs_errbuf_set(eb, GS_EIO, "%s: cannot read", path)
               : gs_errbuf_set(eb, GS_ENOMEM, "%s: out of memory", path);
  }
  /* A NUL byte would end the text early and hide the rest of the file. */
  gs_err_t err =
      strlen(text) != len
          ? gs_errbuf_set(eb, GS_ESCENARIO,
                          "%s: invalid JSON: a NUL byte at offset %zu", path,
                          strlen(text))
          : gs_check_expect_parse(text, path, out, eb);
  free(text);
  return err;
}

/* ---- Defaults, update, text ---------------------------------------------- */

/* Default metrics and tolerances. The tolerances absorb floating-point
 * differences between compilers and libm versions, not model changes:
 * totals to 0.1 %, instantaneous peaks (one event can move them) to 1 %,
 * counts decided by random draws exactly. */
typedef struct default_metric {
  const char *path;
  double abs_tol, rel_tol;
} default_metric_t;

static const default_metric_t run_defaults[] = {
    {"events_processed", 0, 1e-3},
    {"fleet.energy_kwh", 0, 1e-3},
    {"fleet.peak_kw", 0, 1e-2},
    {"fleet.mean_kw", 0, 1e-3},
    {"homes.energy_kwh_per_day", 0, 1e-3},
    {"homes.peak_kw_mean", 0, 1e-2},
    {"homes.coincident_peak_kw", 0, 1e-2},
    {"grid.system.load_factor", 0, 1e-2},
    {"grid.transformers.overloaded", 1, 0},
    {"grid.transformers.above_120pct", 1, 0},
    {"grid.transformers.time_above_rating_s_total", 600, 0.05},
    {NULL, 0, 0}};

/* Per DR event, under "dr_events[k].". */
static const default_metric_t event_defaults[] = {
    {"targeted_vens", 0, 0},
    {"acks", 0, 0},
    {"opt_outs", 0, 0},
    {"lost", 0, 0},
    {"skipped_offline", 0, 0},
    {"acked_shed_kw", 0.1, 1e-2},
    {"mean_kw", 0, 1e-3},
    {"delivered_kw_true", 0.1, 2e-2},
    {"energy_shed_kwh", 0.1, 2e-2},
    {"rebound_peak_kw", 0.5, 5e-2},
    {"rebound_energy_kwh", 0.5, 5e-2},
    {NULL, 0, 0}};

/* Adds {"path", "value", tolerances} to `arr` if the summary has a number
 * at `path`. */
static bool add_default(cJSON *arr, const cJSON *summary, const char *path,
                        const default_metric_t *d) {
  const cJSON *v = gs_check_lookup(summary, path);
  if (!cJSON_IsNumber(v)) return true;
  cJSON *m = cJSON_CreateObject();
  if (m == NULL || !cJSON_AddItemToArray(arr, m)) {
    cJSON_Delete(m);
    return false;
  }
  bool ok = cJSON_AddStringToObject(m, "path", path) != NULL &&
            cJSON_AddNumberToObject(m, "value", v->valuedouble) != NULL;
  if (ok && d->abs_tol > 0)
    ok = cJSON_AddNumberToObject(m, "abs_tol", d->abs_tol) != NULL;
  if (ok && d->rel_tol > 0)
    ok = cJSON_AddNumberToObject(m, "rel_tol", d->rel_tol) != NULL;
  return ok;
}

gs_err_t gs_check_expect_default(const cJSON *summary, const char *file,
                                 gs_check_expect_t **out, gs_errbuf_t *eb) {
  if (file == NULL) file = "<expectations>";
  cJSON *root = cJSON_CreateObject();
  cJSON *arr = NULL;
  bool ok = root != NULL &&
            cJSON_AddStringToObject(
                root, "_comment",
                "Expected summary metrics for gridsim check; a number passes "
                "within max(abs_tol, rel_tol * |value|). Rewrite the values "
                "with gridsim check DIR --update-golden.") != NULL &&
            (arr = cJSON_AddArrayToObject(root, "metrics")) != NULL;
  for (size_t i = 0; ok && run_defaults[i].path != NULL; i++)
    ok = add_default(arr, summary, run_defaults[i].path, &run_defaults[i]);
  const cJSON *evs = gs_check_lookup(summary, "dr_events");
  int n_ev = cJSON_IsArray(evs) ? cJSON_GetArraySize(evs) : 0;
  for (int k = 0; ok && k < n_ev; k++)
    for (size_t i = 0; ok && event_defaults[i].path != NULL; i++) {
      char path[128];
      snprintf(path, sizeof path, "dr_events[%d].%s", k,
               event_defaults[i].path);
      ok = add_default(arr, summary, path, &event_defaults[i]);
    }
  char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
  cJSON_Delete(root);
  if (text == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  gs_err_t err = gs_check_expect_parse(text, file, out, eb);
  free(text);
  return err;
}

size_t gs_check_expect_update(gs_check_expect_t *e, const cJSON *summary) {
  size_t changed = 0;
  for (size_t i = 0; i < e->n; i++) {
    gs_check_metric_t *m = &e->metrics[i];
    const cJSON *got = gs_check_lookup(summary, m->path);
    if (got == NULL || !is_scalar(got) || same_scalar(m->value, got)) continue;
    /* A tolerance next to a string or null would make the file invalid:
     * such a change is left for a person to resolve. */
    if (!cJSON_IsNumber(got) && (m->abs_tol > 0 || m->rel_tol > 0 ||
                                 cJSON_GetObjectItem(m->node, "abs_tol") ||
                                 cJSON_GetObjectItem(m->node, "rel_tol")))
      continue;
    cJSON *dup = cJSON_Duplicate(got, false);
    if (dup == NULL ||
        !cJSON_ReplaceItemInObjectCaseSensitive(m->node, "value", dup)) {
      cJSON_Delete(dup);
      return (size_t)-1;
    }
    m->value = dup;
    changed++;
  }
  return changed;
}

/* `v` as compact JSON (cJSON prints numbers so that they read back to the
 * same double). */
static void put_json(gs__sb_t *b, const cJSON *v) {
  char *t = cJSON_PrintUnformatted(v);
  if (t == NULL) {
    b->oom = true;
    return;
  }
  gs__sb_printf(b, "%s", t);
  free(t);
}

static void put_key(gs__sb_t *b, const char *key) {
  cJSON *s = cJSON_CreateString(key);
  if (s == NULL)
    b->oom = true;
  else
    put_json(b, s);
  cJSON_Delete(s);
  gs__sb_printf(b, ": ");
}

/* A flat object on one line, `{"k": v, "k2": v2}`, so that a rewrite's
 * diff shows one line per changed metric. */
static void put_flat(gs__sb_t *b, const cJSON *o) {
  gs__sb_printf(b, "{");
  for (const cJSON *it = o->child; it != NULL; it = it->next) {
    put_key(b, it->string);
    put_json(b, it);
    if (it->next) gs__sb_printf(b, ", ");
  }
  gs__sb_printf(b, "}");
}

char *gs_check_expect_text(const gs_check_expect_t *e) {
  gs__sb_t b = {0};
  gs__sb_printf(&b, "{\n");
  for (const cJSON *it = e->root->child; it != NULL; it = it->next) {
    gs__sb_printf(&b, "  ");
    put_key(&b, it->string);
    if (strcmp(it->string, "metrics") == 0 && cJSON_IsArray(it)) {
      gs__sb_printf(&b, "[");
      for (const cJSON *m = it->child; m != NULL; m = m->next) {
        gs__sb_printf(&b, "\n    ");
        if (cJSON_IsObject(m))
          put_flat(&b, m);
        else
          put_json(&b, m);
        if (m->next) gs__sb_printf(&b, ",");
      }
      gs__sb_printf(&b, it->child ? "\n  ]" : "]");
    } else {
      put_json(&b, it);
    }
    gs__sb_printf(&b, it->next ? ",\n" : "\n");
  }
  gs__sb_printf(&b, "}");
  return gs__sb_take(&b);
}
