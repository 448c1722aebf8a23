/* SPDX-License-Identifier: MIT */
/* Reads the VTN configuration: clients and scopes, token lifetime, faults. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtn_priv.h"

const char *const gs__vtn_scope_names[GS__VTN_NSCOPES] = {
    "read_all",          "read_targets", "read_ven_objects",
    "write_programs",    "write_events", "write_reports",
    "write_subscriptions", "write_vens"};

/* The defaults when no file is given: one VEN client and one business
 * logic client with well-known secrets, fine on a loopback test bench. */
static const char default_cfg[] =
    "{\"clients\": ["
    "{\"id\": \"ven\", \"secret\": \"ven-secret\", \"role\": \"ven\"},"
    "{\"id\": \"bl\", \"secret\": \"bl-secret\", \"role\": \"bl\"}]}";

/* Parsing context: the file's name for messages. */
typedef struct cctx {
  const char *name;
  gs_errbuf_t *eb;
} cctx_t;

static const char *kind_of(const cJSON *j) {
  if (j == NULL) return "nothing";
  if (cJSON_IsNull(j)) return "null";
  if (cJSON_IsBool(j)) return "a boolean";
  if (cJSON_IsNumber(j)) return "a number";
  if (cJSON_IsString(j)) return "a string";
  if (cJSON_IsArray(j)) return "an array";
  return "an object";
}

static gs_err_t fail(cctx_t *c, const char *path, const char *expected,
                     const cJSON *found) {
  return gs_errbuf_set(c->eb, GS_EINVAL, "%s: %s: expected %s, found %s",
                       c->name, path, expected, kind_of(found));
}

/* Refuses keys not in `keys` (NULL-terminated): a typo must not silently
 * leave a fault knob off. */
static gs_err_t check_keys(cctx_t *c, const char *path, const cJSON *obj,
                           const char *const *keys) {
  for (const cJSON *e = obj->child; e; e = e->next) {
    bool ok = false;
    for (size_t i = 0; keys[i] && !ok; i++) ok = strcmp(keys[i], e->string) == 0;
    if (!ok)
      return gs_errbuf_set(c->eb, GS_EINVAL,
                           "%s: %s.%s: unknown key (expected one of the "
                           "documented keys, see README)",
                           c->name, path, e->string);
  }
  return GS_OK;
}

/* An optional number in [lo, hi] (integer if `integer`). */
static gs_err_t get_num(cctx_t *c, const cJSON *obj, const char *path,
                        const char *key, double lo, double hi, bool integer,
                        double *out) {
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (j == NULL) return GS_OK;
  char p[160], exp[120];
  snprintf(p, sizeof p, "%s.%s", path, key);
  double x = cJSON_IsNumber(j) ? j->valuedouble : NAN;
  if (!(x >= lo && x <= hi) || (integer && x != floor(x))) {
    snprintf(exp, sizeof exp, "%s from %g to %g",
             integer ? "an integer" : "a number", lo, hi);
    if (cJSON_IsNumber(j))
      return gs_errbuf_set(c->eb, GS_EINVAL, "%s: %s: expected %s, found %g",
                           c->name, p, exp, x);
    return fail(c, p, exp, j);
  }
  *out = x;
  return GS_OK;
}

static char *get_str(cctx_t *c, const cJSON *obj, const char *path,
                     const char *key, bool required, gs_err_t *err) {
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
  *err = GS_OK;
  if (j == NULL && !required) return NULL;
  if (!cJSON_IsString(j) || j->valuestring[0] == '\0') {
    char p[160];
    snprintf(p, sizeof p, "%s.%s", path, key);
    *err = fail(c, p, "a non-empty string", j);
    return NULL;
  }
  char *s = strdup(j->valuestring);
  if (s == NULL) *err = gs_errbuf_set(c->eb, GS_ENOMEM, "out of memory");
  return s;
}

static gs_err_t parse_scopes(cctx_t *c, const cJSON *cl, const char *path,
                             unsigned *scopes) {
  static const char *const keys[] = {"id", "secret", "role", "scopes", NULL};
  gs_err_t err = check_keys(c, path, cl, keys);
  if (err != GS_OK) return err;
  const cJSON *role = cJSON_GetObjectItemCaseSensitive(cl, "role");
  const cJSON *sc = cJSON_GetObjectItemCaseSensitive(cl, "scopes");
  char p[160];
  if ((role == NULL) == (sc == NULL)) {
    snprintf(p, sizeof p, "%s.role", path);
    return fail(c, p, "exactly one of \"role\" (\"ven\" or \"bl\") and "
                "\"scopes\"", role ? sc : role);
  }
  if (role) {
    snprintf(p, sizeof p, "%s.role", path);
    if (cJSON_IsString(role) && strcmp(role->valuestring, "ven") == 0)
      *scopes = GS__VTN_SCOPES_VEN;
    else if (cJSON_IsString(role) && strcmp(role->valuestring, "bl") == 0)
      *scopes = GS__VTN_SCOPES_BL;
    else
      return fail(c, p, "\"ven\" or \"bl\"", role);
    return GS_OK;
  }
  snprintf(p, sizeof p, "%s.scopes", path);
  if (!cJSON_IsArray(sc)) return fail(c, p, "an array of scope names", sc);
  *scopes = 0;
  int i = 0;
  for (const cJSON *e = sc->child; e; e = e->next, i++) {
    unsigned bit = 0;
    for (int k = 0; k < GS__VTN_NSCOPES && cJSON_IsString(e); k++)
      if (strcmp(e->valuestring, gs__vtn_scope_names[k]) == 0) bit = 1u << k;
    if (bit == 0) {
      snprintf(p, sizeof p, "%s.scopes[%d]", path, i);
      return fail(c, p, "one of read_all, read_targets, read_ven_objects, "
                  "write_programs, write_events, write_reports, "
                  "write_subscriptions, write_vens", e);
    }
    *scopes |= bit;
  }
  return GS_OK;
}

static gs_err_t parse_clients(cctx_t *c, const cJSON *root,
                              gs_vtn_cfg_t *cfg) {
  const cJSON *cl = cJSON_GetObjectItemCaseSensitive(root, "clients");
  if (!cJSON_IsArray(cl) || cJSON_GetArraySize(cl) == 0)
    return fail(c, "$.clients", "a non-empty array of clients", cl);
  size_t n = (size_t)cJSON_GetArraySize(cl);
  cfg->clients = calloc(n, sizeof *cfg->clients);
  if (cfg->clients == NULL)
    return gs_errbuf_set(c->eb, GS_ENOMEM, "out of memory");
  for (const cJSON *e = cl->child; e; e = e->next) {
    char path[64];
    snprintf(path, sizeof path, "$.clients[%zu]", cfg->n_clients);
    if (!cJSON_IsObject(e)) return fail(c, path, "an object", e);
    gs__vtn_client_t *k = &cfg->clients[cfg->n_clients++];
    gs_err_t err;
    if ((k->id = get_str(c, e, path, "id", true, &err)) == NULL) return err;
    if ((k->secret = get_str(c, e, path, "secret", true, &err)) == NULL)
      return err;
    for (size_t j = 0; j + 1 < cfg->n_clients; j++)
      if (strcmp(cfg->clients[j].id, k->id) == 0)
        return gs_errbuf_set(c->eb, GS_EINVAL,
                             "%s: %s.id: expected a unique client id, found "
                             "\"%s\" again (also at $.clients[%zu])",
                             c->name, path, k->id, j);
    if ((err = parse_scopes(c, e, path, &k->scopes)) != GS_OK) return err;
  }
  return GS_OK;
}

/* "faults": the knobs a VEN's tests turn to see it retry without losing
 * reports: windows of wall time, or a run of requests, answered 503. */
static gs_err_t parse_faults(cctx_t *c, const cJSON *f, gs_vtn_cfg_t *cfg) {
  static const char *const keys[] = {
      "unavailable", "unavailable_after_requests", "unavailable_requests",
      "paths", "retry_after_s", NULL};
  if (f == NULL) return GS_OK;
  if (!cJSON_IsObject(f)) return fail(c, "$.faults", "an object", f);
  gs_err_t err = check_keys(c, "$.faults", f, keys);
  double x;
  const cJSON *w = cJSON_GetObjectItemCaseSensitive(f, "unavailable");
  if (err == GS_OK && w != NULL) {
    if (!cJSON_IsArray(w))
      return fail(c, "$.faults.unavailable",
                  "an array of {\"from_s\", \"to_s\"}", w);
    size_t n = (size_t)cJSON_GetArraySize(w);
    if ((cfg->windows = calloc(n ? n : 1, sizeof *cfg->windows)) == NULL)
      return gs_errbuf_set(c->eb, GS_ENOMEM, "out of memory");
    static const char *const wkeys[] = {"from_s", "to_s", NULL};
    for (const cJSON *e = w->child; e && err == GS_OK; e = e->next) {
      char p[64];
      snprintf(p, sizeof p, "$.faults.unavailable[%zu]", cfg->n_windows);
      if (!cJSON_IsObject(e) || !cJSON_GetObjectItem(e, "from_s") ||
          !cJSON_GetObjectItem(e, "to_s"))
        return fail(c, p, "an object with from_s and to_s", e);
      gs__vtn_window_t *win = &cfg->windows[cfg->n_windows++];
      if ((err = check_keys(c, p, e, wkeys)) == GS_OK &&
          (err = get_num(c, e, p, "from_s", 0, 1e9, false, &win->from_s)) ==
              GS_OK)
        err = get_num(c, e, p, "to_s", win->from_s, 1e9, false, &win->to_s);
    }
  }
  x = 0;
  if (err == GS_OK &&
      (err = get_num(c, f, "$.faults", "unavailable_after_requests", 0, 1e15,
                     true, &x)) == GS_OK)
    cfg->fail_after = (uint64_t)x;
  x = 0;
  if (err == GS_OK && (err = get_num(c, f, "$.faults", "unavailable_requests",
                                     0, 1e15, true, &x)) == GS_OK)
    cfg->fail_count = (uint64_t)x;
  x = cfg->retry_after_s;
  if (err == GS_OK && (err = get_num(c, f, "$.faults", "retry_after_s", 0,
                                     86400, true, &x)) == GS_OK)
    cfg->retry_after_s = (int)x;
  const cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "paths");
  if (err != GS_OK || p == NULL) return err;
  if (!cJSON_IsArray(p))
    return fail(c, "$.faults.paths", "an array of path prefixes", p);
  size_t n = (size_t)cJSON_GetArraySize(p);
  if ((cfg->fault_paths = calloc(n ? n : 1, sizeof *cfg->fault_paths)) == NULL)
    return gs_errbuf_set(c->eb, GS_ENOMEM, "out of memory");
  for (const cJSON *e = p->child; e; e = e->next) {
    char q[64];
    snprintf(q, sizeof q, "$.faults.paths[%zu]", cfg->n_fault_paths);
    if (!cJSON_IsString(e) || e->valuestring[0] != '/')
      return fail(c, q, "a path prefix starting with '/'", e);
    if ((cfg->fault_paths[cfg->n_fault_paths++] = strdup(e->valuestring)) ==
        NULL)
      return gs_errbuf_set(c->eb, GS_ENOMEM, "out of memory");
  }
  return GS_OK;
}

/* "notify": bounds of the webhook queue, so a subscriber that never
 * answers cannot make the VTN hold unbounded memory. */
/* "mqtt": the MQTT notifier's broker, which the VTN publishes to and
 * announces in /notifiers (anonymous access). */
static gs_err_t parse_mqtt(cctx_t *c, const cJSON *m, gs_vtn_cfg_t *cfg) {
  static const char *const keys[] = {"url", "topic_prefix", "qos", NULL};
  if (m == NULL) return GS_OK;
  if (!cJSON_IsObject(m)) return fail(c, "$.mqtt", "an object", m);
  gs_err_t err = check_keys(c, "$.mqtt", m, keys);
  if (err != GS_OK) return err;
  if ((cfg->mqtt_url = get_str(c, m, "$.mqtt", "url", true, &err)) == NULL)
    return err;
  if (strncmp(cfg->mqtt_url, "mqtt://", 7) != 0 || cfg->mqtt_url[7] == '\0')
    return gs_errbuf_set(c->eb, GS_EINVAL, "%s: $.mqtt.url: expected "
                         "mqtt://HOST[:PORT], found '%s'", c->name,
                         cfg->mqtt_url);
  char *prefix = get_str(c, m, "$.mqtt", "topic_prefix", false, &err);
  if (err != GS_OK) return err;
  cfg->mqtt_prefix = prefix ? prefix : strdup("openadr3");
  if (cfg->mqtt_prefix == NULL)
    return gs_errbuf_set(c->eb, GS_ENOMEM, "out of memory");
  for (const char *p = cfg->mqtt_prefix; *p; p++)
    if (*p == '+' || *p == '#')
      return gs_errbuf_set(c->eb, GS_EINVAL, "%s: $.mqtt.topic_prefix: "
                           "expected a topic without wildcards, found '%s'",
                           c->name, cfg->mqtt_prefix);
  double q = 1;
  if ((err = get_num(c, m, "$.mqtt", "qos", 0, 1, true, &q)) != GS_OK)
    return err;
  cfg->mqtt_qos = (int)q;
  return GS_OK;
}

static gs_err_t parse_notify(cctx_t *c, const cJSON *n, gs_vtn_cfg_t *cfg) {
  static const char *const keys[] = {"max_pending", "max_active",
                                     "timeout_s", NULL};
  if (n == NULL) return GS_OK;
  if (!cJSON_IsObject(n)) return fail(c, "$.notify", "an object", n);
  gs_err_t err = check_keys(c, "$.notify", n, keys);
  double p = (double)cfg->notify_max_pending, a = (double)cfg->notify_max_active;
  if (err == GS_OK)
    err = get_num(c, n, "$.notify", "max_pending", 1, 1e7, true, &p);
  if (err == GS_OK)
    err = get_num(c, n, "$.notify", "max_active", 1, 1024, true, &a);
  if (err == GS_OK)
    err = get_num(c, n, "$.notify", "timeout_s", 0.1, 600, false,
                  &cfg->notify_timeout_s);
  cfg->notify_max_pending = (size_t)p;
  cfg->notify_max_active = (size_t)a;
  return err;
}

gs_err_t gs_vtn_cfg_parse(const char *text, const char *name,
                          gs_vtn_cfg_t **out, gs_errbuf_t *eb) {
  static const char *const keys[] = {
      "clients", "token_ttl_s", "token_url", "max_body_bytes", "max_reports",
      "max_tokens", "faults", "notify", "mqtt", NULL};
  *out = NULL;
  cctx_t c = {.name = name, .eb = eb};
  gs_vtn_cfg_t *cfg = calloc(1, sizeof *cfg);
  if (cfg == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  cfg->token_ttl_s = 3600;
  cfg->max_body_bytes = 1 << 20;
  cfg->max_reports = 100000;
  cfg->max_tokens = 100000;
  cfg->retry_after_s = 1;
  cfg->notify_max_pending = 10000;
  cfg->notify_max_active = 32;
  cfg->notify_timeout_s = 5;
  cJSON *root = cJSON_Parse(text);
  gs_err_t err = GS_OK;
  double x;
  if (root == NULL) {
    err = gs_errbuf_set(eb, GS_EINVAL, "%s: not valid JSON near '%.20s'",
                        name, cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() : "");
    goto fail;
  }
  if (!cJSON_IsObject(root)) {
    err = fail(&c, "$", "an object", root);
    goto fail;
  }
  if ((err = check_keys(&c, "$", root, keys)) != GS_OK ||
      (err = parse_clients(&c, root, cfg)) != GS_OK ||
      (err = get_num(&c, root, "$", "token_ttl_s", 1, 1e8, false,
                     &cfg->token_ttl_s)) != GS_OK)
    goto fail;
  x = (double)cfg->max_body_bytes;
  if ((err = get_num(&c, root, "$", "max_body_bytes", 1024, 1 << 30, true,
                     &x)) != GS_OK)
    goto fail;
  cfg->max_body_bytes = (size_t)x;
  x = (double)cfg->max_reports;
  if ((err = get_num(&c, root, "$", "max_reports", 1, 1e8, true, &x)) !=
      GS_OK)
    goto fail;
  cfg->max_reports = (size_t)x;
  x = (double)cfg->max_tokens;
  if ((err = get_num(&c, root, "$", "max_tokens", 1, 1e8, true, &x)) != GS_OK)
    goto fail;
  cfg->max_tokens = (size_t)x;
  cfg->token_url = get_str(&c, root, "$", "token_url", false, &err);
  if (err != GS_OK ||
      (err = parse_faults(&c, cJSON_GetObjectItemCaseSensitive(root, "faults"),
                          cfg)) != GS_OK ||
      (err = parse_notify(&c, cJSON_GetObjectItemCaseSensitive(root, "notify"),
                          cfg)) != GS_OK ||
      (err = parse_mqtt(&c, cJSON_GetObjectItemCaseSensitive(root, "mqtt"),
                        cfg)) != GS_OK)
    goto fail;
  cJSON_Delete(root);
  *out = cfg;
  return GS_OK;
fail:
  cJSON_Delete(root);
  gs_vtn_cfg_free(cfg);
  return err;
}

/* Reads the whole file (bounded at 64 MiB, far past any real one). */
gs_err_t gs_vtn_cfg_load(const char *path, gs_vtn_cfg_t **out,
                         gs_errbuf_t *eb) {
  if (path == NULL) {
    gs_err_t err = gs_vtn_cfg_parse(default_cfg, "(default VTN config)", out,
                                    eb);
    if (err == GS_OK) (*out)->is_default = true;
    return err;
  }
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "%s: cannot open: %s", path,
                         strerror(errno));
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  for (size_t got; buf != NULL && (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
    n += got;
    if (n + 1 == cap && cap < (64u << 20)) {
      char *g = realloc(buf, cap * 2);
      if (g == NULL) free(buf);
      buf = g;
      cap *= 2;
    } else if (n + 1 == cap) {
      break; /* past 64 MiB: parsing fails on the truncated text */
    }
  }
  fclose(f);
  if (buf == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  buf[n] = '\0';
  gs_err_t err = gs_vtn_cfg_parse(buf, path, out, eb);
  free(buf);
  return err;
}

void gs_vtn_cfg_free(gs_vtn_cfg_t *cfg) {
  if (cfg == NULL) return;
  for (size_t i = 0; i < cfg->n_clients; i++) {
    free(cfg->clients[i].id);
    free(cfg->clients[i].secret);
  }
  free(cfg->clients);
  free(cfg->windows);
  for (size_t i = 0; i < cfg->n_fault_paths; i++) free(cfg->fault_paths[i]);
  free(cfg->fault_paths);
  free(cfg->token_url);
  free(cfg->mqtt_url);
  free(cfg->mqtt_prefix);
  free(cfg);
}

bool gs_vtn_cfg_is_default(const gs_vtn_cfg_t *cfg) { return cfg->is_default; }

size_t gs_vtn_cfg_max_body(const gs_vtn_cfg_t *cfg) {
  return cfg->max_body_bytes;
}

const char *gs_vtn_cfg_mqtt(const gs_vtn_cfg_t *cfg, int *qos) {
  if (qos) *qos = cfg->mqtt_qos;
  return cfg->mqtt_url;
}

void gs_vtn_cfg_notify_limits(const gs_vtn_cfg_t *cfg, size_t *max_pending,
                              size_t *max_active, double *timeout_s) {
  *max_pending = cfg->notify_max_pending;
  *max_active = cfg->notify_max_active;
  *timeout_s = cfg->notify_timeout_s;
}
