/* SPDX-License-Identifier: MIT */
/* The VTN's router: paths, methods, scopes, queries and Problem responses. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtn_priv.h"

/* Spec: "limit" has maximum 50; it is also the page when none is asked. */
#define GS__VTN_PAGE_MAX 50

static const char *reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

void gs__vtn_json(gs_vtn_resp_t *r, int status, const cJSON *json) {
  free(r->body);
  r->status = status;
  r->body = json ? cJSON_PrintUnformatted(json) : NULL;
  if (r->body == NULL) r->status = 500; /* the transport sends a fixed body */
}

void gs__vtn_problem(gs_vtn_resp_t *r, int status, const char *fmt, ...) {
  char detail[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "type", "about:blank");
  cJSON_AddStringToObject(o, "title", reason(status));
  cJSON_AddNumberToObject(o, "status", status);
  cJSON_AddStringToObject(o, "detail", detail);
  gs__vtn_json(r, status, o);
  cJSON_Delete(o);
}

gs_vtn_t *gs_vtn_create(const gs_vtn_cfg_t *cfg, const char *version,
                        const gs_vtn_hooks_t *hooks, int64_t now_unix_us,
                        gs_errbuf_t *eb) {
  if (cfg == NULL) {
    gs_errbuf_set(eb, GS_EINVAL, "VTN: no configuration");
    return NULL;
  }
  if (version == NULL || strcmp(version, "3.1.0") != 0) {
    gs_errbuf_set(eb, GS_EUNSUPPORTED,
                  "OpenADR version '%s' is not supported (expected 3.1.0; "
                  "3.0.1 is not implemented yet)", version ? version : "");
    return NULL;
  }
  gs_vtn_t *v = calloc(1, sizeof *v);
  if (v == NULL) goto fail;
  v->cfg = cfg;
  v->wire = &gs__vtn_wire_310;
  if (hooks) v->hooks = *hooks;
  v->t0_unix_us = now_unix_us;
  for (int k = 0; k < GS__VTN_NKINDS; k++)
    if ((v->objs[k] = cJSON_CreateArray()) == NULL) goto fail;
  return v;
fail:
  gs_vtn_destroy(v);
  gs_errbuf_set(eb, GS_ENOMEM, "VTN: out of memory");
  return NULL;
}

void gs_vtn_destroy(gs_vtn_t *v) {
  if (v == NULL) return;
  for (int k = 0; k < GS__VTN_NKINDS; k++) cJSON_Delete(v->objs[k]);
  free(v->tokens);
  free(v->base_url);
  free(v);
}

gs_err_t gs_vtn_set_base_url(gs_vtn_t *v, const char *url) {
  char *dup = strdup(url);
  if (dup == NULL) return GS_ENOMEM;
  free(v->base_url);
  v->base_url = dup;
  return GS_OK;
}

/* ---- Requests ----------------------------------------------------------- */

/* A routed request: the parts every handler needs. */
typedef struct call {
  gs_vtn_t *v;
  const gs_vtn_req_t *req;
  gs_vtn_resp_t *r;
  gs__vtn_kind_t kind;
  const char *id;   /* /{collection}/{id}, else NULL */
  long client;      /* index in cfg->clients */
  unsigned scopes;  /* the token's */
} call_t;

static const char *client_id(const call_t *c) {
  return c->v->cfg->clients[c->client].id;
}

/* Values of query key `key` (at most `max`), in order. */
static size_t query_all(const gs_vtn_req_t *q, const char *key,
                        const char **out, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < q->n_query && n < max; i++)
    if (strcmp(q->query_keys[i], key) == 0 && q->query_vals[i])
      out[n++] = q->query_vals[i];
  return n;
}

static const char *query_one(const gs_vtn_req_t *q, const char *key) {
  const char *v = NULL;
  return query_all(q, key, &v, 1) ? v : NULL;
}

/* Parses skip and limit; false with a 400 in `r`. */
static bool paging(const call_t *c, long *skip, long *limit) {
  const char *names[2] = {"skip", "limit"};
  long *outs[2] = {skip, limit};
  *skip = 0;
  *limit = GS__VTN_PAGE_MAX;
  for (int i = 0; i < 2; i++) {
    const char *s = query_one(c->req, names[i]);
    if (s == NULL) continue;
    char *end;
    long x = strtol(s, &end, 10);
    long hi = i == 0 ? 2147483647L : GS__VTN_PAGE_MAX;
    if (*s == '\0' || *end != '\0' || x < 0 || x > hi) {
      gs__vtn_problem(c->r, 400, "query parameter %s: expected an integer "
                      "from 0 to %ld, found '%.40s'", names[i], hi, s);
      return false;
    }
    *outs[i] = x;
  }
  return true;
}

static bool has_scope(const call_t *c, unsigned any) {
  if (c->scopes & any) return true;
  char names[200] = "";
  for (int k = 0; k < GS__VTN_NSCOPES; k++)
    if (any & (1u << k)) {
      if (names[0]) strncat(names, " or ", sizeof names - strlen(names) - 1);
      strncat(names, gs__vtn_scope_names[k], sizeof names - strlen(names) - 1);
    }
  gs__vtn_problem(c->r, 403, "this operation needs scope %s", names);
  return false;
}

static const unsigned read_scope[GS__VTN_NKINDS] = {
    GS__VTN_READ_ALL | GS__VTN_READ_TARGETS,
    GS__VTN_READ_ALL | GS__VTN_READ_TARGETS,
    GS__VTN_READ_ALL | GS__VTN_READ_VEN_OBJECTS,
    GS__VTN_READ_ALL | GS__VTN_READ_VEN_OBJECTS,
    GS__VTN_READ_ALL | GS__VTN_READ_VEN_OBJECTS,
    GS__VTN_READ_ALL | GS__VTN_READ_VEN_OBJECTS};
static const unsigned write_scope[GS__VTN_NKINDS] = {
    GS__VTN_WRITE_PROGRAMS,      GS__VTN_WRITE_EVENTS,
    GS__VTN_WRITE_REPORTS,       GS__VTN_WRITE_SUBSCRIPTIONS,
    GS__VTN_WRITE_VENS,          GS__VTN_WRITE_VENS};

/* Object privacy: without read_all a client sees only the VEN-side
 * objects whose clientID is its own. */
static bool visible(const call_t *c, const cJSON *o) {
  if ((c->scopes & GS__VTN_READ_ALL) || c->kind == GS__VTN_PROGRAM ||
      c->kind == GS__VTN_EVENT)
    return true;
  const cJSON *cid = cJSON_GetObjectItemCaseSensitive(o, "clientID");
  return cJSON_IsString(cid) && strcmp(cid->valuestring, client_id(c)) == 0;
}

/* The targets a client without read_all may read by: those granted to its
 * ven and resource objects. Owned by the caller (free the array only). */
static size_t granted_targets(const call_t *c, const char ***out) {
  size_t n = 0, cap = 0;
  *out = NULL;
  for (int k = GS__VTN_VEN; k <= GS__VTN_RESOURCE; k++)
    for (const cJSON *o = c->v->objs[k]->child; o; o = o->next) {
      const cJSON *cid = cJSON_GetObjectItemCaseSensitive(o, "clientID");
      if (!cJSON_IsString(cid) || strcmp(cid->valuestring, client_id(c)) != 0)
        continue;
      const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "targets");
      for (const cJSON *e = cJSON_IsArray(t) ? t->child : NULL; e; e = e->next) {
        if (!cJSON_IsString(e)) continue;
        if (n == cap) {
          cap = cap ? 2 * cap : 16;
          const char **g = realloc(*out, cap * sizeof *g);
          if (g == NULL) return n;
          *out = g;
        }
        (*out)[n++] = e->valuestring;
      }
    }
  return n;
}

/* The end of an event (unix us), from its intervals; INT64_MAX if open. */
static int64_t event_end_us(const cJSON *ev) {
  const cJSON *ip = cJSON_GetObjectItemCaseSensitive(ev, "intervalPeriod");
  const cJSON *js = cJSON_GetObjectItemCaseSensitive(ip, "start");
  const cJSON *jd = cJSON_GetObjectItemCaseSensitive(ip, "duration");
  int64_t start, dur = 0, end;
  if (!cJSON_IsString(js) || !gs__vtn_parse_datetime(js->valuestring, &start))
    return INT64_MAX;
  if (cJSON_IsString(jd)) gs__vtn_parse_duration(jd->valuestring, &dur);
  end = start;
  const cJSON *ivs = cJSON_GetObjectItemCaseSensitive(ev, "intervals");
  for (const cJSON *iv = ivs ? ivs->child : NULL; iv; iv = iv->next) {
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(iv, "intervalPeriod");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(p, "start");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(p, "duration");
    int64_t is = end, id = dur;
    if (cJSON_IsString(s)) gs__vtn_parse_datetime(s->valuestring, &is);
    if (cJSON_IsString(d)) gs__vtn_parse_duration(d->valuestring, &id);
    end = is + id;
  }
  if (ivs == NULL || ivs->child == NULL) end = start + dur;
  return end;
}

static bool str_is(const cJSON *o, const char *key, const char *want) {
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(j) && strcmp(j->valuestring, want) == 0;
}

/* Whether `o` passes the query's filters for its kind. */
static bool passes(const call_t *c, const cJSON *o, const char **tg,
                   size_t ntg, bool by_targets) {
  const gs_vtn_req_t *q = c->req;
  if (!visible(c, o)) return false;
  if (by_targets && !gs__vtn_targets_match(o, tg, ntg)) return false;
  const char *s;
  switch (c->kind) {
    case GS__VTN_EVENT:
      if ((s = query_one(q, "programID")) && !str_is(o, "programID", s))
        return false;
      if ((s = query_one(q, "active")) && strcmp(s, "true") == 0 &&
          event_end_us(o) < q->now_unix_us)
        return false;
      return true;
    case GS__VTN_REPORT:
      if ((s = query_one(q, "eventID")) && !str_is(o, "eventID", s))
        return false;
      if ((s = query_one(q, "clientName")) && !str_is(o, "clientName", s))
        return false;
      if ((s = query_one(q, "programID"))) {
        const cJSON *eid = cJSON_GetObjectItemCaseSensitive(o, "eventID");
        const cJSON *ev = cJSON_IsString(eid)
                              ? gs__vtn_find(c->v, GS__VTN_EVENT, eid->valuestring)
                              : NULL;
        if (ev == NULL || !str_is(ev, "programID", s)) return false;
      }
      return true;
    case GS__VTN_SUBSCRIPTION: {
      if ((s = query_one(q, "programID")) && !str_is(o, "programID", s))
        return false;
      if ((s = query_one(q, "clientName")) && !str_is(o, "clientName", s))
        return false;
      const char *objs[8];
      size_t n = query_all(q, "objects", objs, 8);
      if (n == 0) return true;
      const cJSON *ops = cJSON_GetObjectItemCaseSensitive(o, "objectOperations");
      for (const cJSON *oo = ops ? ops->child : NULL; oo; oo = oo->next) {
        const cJSON *ob = cJSON_GetObjectItemCaseSensitive(oo, "objects");
        for (const cJSON *e = ob ? ob->child : NULL; e; e = e->next)
          for (size_t i = 0; i < n; i++)
            if (cJSON_IsString(e) && strcmp(e->valuestring, objs[i]) == 0)
              return true;
      }
      return false;
    }
    case GS__VTN_VEN:
      return !(s = query_one(q, "venName")) || str_is(o, "venName", s);
    case GS__VTN_RESOURCE:
      if ((s = query_one(q, "resourceName")) && !str_is(o, "resourceName", s))
        return false;
      return !(s = query_one(q, "venID")) || str_is(o, "venID", s);
    default:
      return true;
  }
}

static void do_list(call_t *c) {
  long skip, limit;
  if (!has_scope(c, read_scope[c->kind]) || !paging(c, &skip, &limit)) return;
  const char *tq[64];
  size_t ntq = query_all(c->req, "targets", tq, 64);
  const char **tg = tq, **granted = NULL;
  size_t ntg = ntq;
  bool by_targets = ntq > 0;
  /* Programs and events: a client that may only read by targets and gave
   * none reads by those granted to its ven and resources. */
  if (!by_targets && !(c->scopes & GS__VTN_READ_ALL) &&
      (c->kind == GS__VTN_PROGRAM || c->kind == GS__VTN_EVENT)) {
    ntg = granted_targets(c, &granted);
    tg = granted;
    by_targets = true;
  }
  if (c->kind != GS__VTN_PROGRAM && c->kind != GS__VTN_EVENT &&
      c->kind != GS__VTN_VEN && c->kind != GS__VTN_RESOURCE)
    by_targets = false; /* reports and subscriptions have no targets query */
  cJSON *arr = cJSON_CreateArray();
  long seen = 0, count = 0;
  for (const cJSON *o = c->v->objs[c->kind]->child; o && arr; o = o->next) {
    if (!passes(c, o, tg, ntg, by_targets)) continue;
    if (seen++ < skip) continue;
    if (count >= limit) break;
    /* A reference, not a copy: a page of events with long target lists
     * is printed straight from the store. */
    if (cJSON_AddItemReferenceToArray(arr, (cJSON *)o)) count++;
  }
  free(granted);
  gs__vtn_json(c->r, 200, arr);
  cJSON_Delete(arr);
}

/* The object of the path for a client, or NULL with a 404 in `r`. */
static cJSON *path_object(call_t *c) {
  cJSON *o = gs__vtn_find(c->v, c->kind, c->id);
  if (o == NULL || !visible(c, o)) {
    gs__vtn_problem(c->r, 404, "no %s with id '%.64s'",
                    gs__vtn_object_type[c->kind], c->id);
    return NULL;
  }
  return o;
}

/* The request body as a validated request object (owned), or NULL with a
 * 400 in `r`. */
static cJSON *parse_body(call_t *c) {
  const gs_vtn_req_t *q = c->req;
  if (q->body == NULL || q->body_len == 0) {
    gs__vtn_problem(c->r, 400, "expected a JSON %s request body, found none",
                    gs__vtn_object_type[c->kind]);
    return NULL;
  }
  const char *end = NULL;
  cJSON *o = cJSON_ParseWithLengthOpts(q->body, q->body_len, &end, false);
  if (o == NULL) {
    size_t at = end && end >= q->body ? (size_t)(end - q->body) : 0;
    gs__vtn_problem(c->r, 400, "malformed JSON at byte %zu of the body", at);
    return NULL;
  }
  char detail[400];
  if (!c->v->wire->validate(c->kind, o, detail, sizeof detail)) {
    gs__vtn_problem(c->r, 400, "invalid %s request: %s",
                    gs__vtn_object_type[c->kind], detail);
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

/* A client's VEN: "G-NNNN" (a scenario VEN id) is granted its own name and
 * its group G as targets, so group- and VEN-targeted events reach it. */
static void grant_ven_targets(cJSON *ven) {
  const cJSON *nm = cJSON_GetObjectItemCaseSensitive(ven, "venName");
  cJSON *t = cJSON_CreateArray();
  if (t == NULL || !cJSON_IsString(nm)) {
    cJSON_Delete(t);
    return;
  }
  const char *name = nm->valuestring, *dash = strrchr(name, '-');
  cJSON_AddItemToArray(t, cJSON_CreateString(name));
  bool digits = dash && dash > name && dash[1] != '\0';
  for (const char *p = dash ? dash + 1 : ""; digits && *p; p++)
    digits = *p >= '0' && *p <= '9';
  if (digits) {
    char group[129];
    snprintf(group, sizeof group, "%.*s", (int)(dash - name), name);
    cJSON_AddItemToArray(t, cJSON_CreateString(group));
  }
  cJSON_DeleteItemFromObject(ven, "targets");
  cJSON_AddItemToObject(ven, "targets", t);
}

/* Checks what a write of `o` (a request) implies beyond its schema:
 * uniqueness, references, ownership. Fills `o`'s server-side fields.
 * False with the response set. `self` is the object replaced (PUT). */
static bool write_rules(call_t *c, cJSON *o, const cJSON *self) {
  gs_vtn_t *v = c->v;
  const char *key = NULL;
  if (c->kind == GS__VTN_PROGRAM) key = "programName";
  if (c->kind == GS__VTN_VEN) key = "venName";
  if (key) {
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(o, key);
    for (const cJSON *x = v->objs[c->kind]->child; x; x = x->next)
      if (x != self && str_is(x, key, nm->valuestring)) {
        gs__vtn_problem(c->r, 409, "a %s named '%.64s' exists already",
                        gs__vtn_object_type[c->kind], nm->valuestring);
        return false;
      }
  }
  struct { gs__vtn_kind_t kind; const char *key; } refs[] = {
      {GS__VTN_EVENT, "programID"}, {GS__VTN_REPORT, "eventID"},
      {GS__VTN_SUBSCRIPTION, "programID"}, {GS__VTN_RESOURCE, "venID"}};
  static const gs__vtn_kind_t target_kind[] = {GS__VTN_PROGRAM, GS__VTN_EVENT,
                                               GS__VTN_PROGRAM, GS__VTN_VEN};
  for (size_t i = 0; i < 4; i++) {
    if (refs[i].kind != c->kind) continue;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, refs[i].key);
    if (!cJSON_IsString(id)) continue;
    const cJSON *ref = gs__vtn_find(v, target_kind[i], id->valuestring);
    if (ref == NULL) {
      gs__vtn_problem(c->r, 409, "%s '%.64s' names no %s", refs[i].key,
                      id->valuestring, gs__vtn_object_type[target_kind[i]]);
      return false;
    }
    /* A VEN adds resources to its own VEN only. */
    if (c->kind == GS__VTN_RESOURCE && !(c->scopes & GS__VTN_READ_ALL) &&
        !str_is(ref, "clientID", client_id(c))) {
      gs__vtn_problem(c->r, 403, "ven '%.64s' belongs to another client",
                      id->valuestring);
      return false;
    }
  }
  /* The owner: from the token, except for what the business logic
   * creates on a VEN's behalf (BL_*_REQUEST names the client). */
  const cJSON *ot = cJSON_GetObjectItemCaseSensitive(o, "objectType");
  bool bl = cJSON_IsString(ot) && strncmp(ot->valuestring, "BL_", 3) == 0;
  if (bl && !(c->scopes & GS__VTN_READ_ALL)) {
    gs__vtn_problem(c->r, 403, "%s is for the business logic (scope "
                    "read_all)", ot->valuestring);
    return false;
  }
  if (c->kind >= GS__VTN_REPORT && !bl) {
    cJSON_DeleteItemFromObject(o, "clientID");
    cJSON_AddStringToObject(o, "clientID", client_id(c));
  }
  if (c->kind == GS__VTN_VEN && !bl) grant_ven_targets(o);
  return true;
}

static void after_write(call_t *c, const cJSON *o, const char *op) {
  if (c->kind == GS__VTN_REPORT && c->v->hooks.report && strcmp(op, "DELETE"))
    c->v->hooks.report(c->v->hooks.ud, o, c->req->now_unix_us);
  if (c->kind >= GS__VTN_REPORT) gs__vtn_enrolled(c->v, c->req->now_unix_us);
  gs__vtn_notify(c->v, c->kind, op, o);
}

static void do_create(call_t *c) {
  if (!has_scope(c, write_scope[c->kind])) return;
  cJSON *o = parse_body(c);
  if (o == NULL) return;
  if (!write_rules(c, o, NULL)) {
    cJSON_Delete(o);
    return;
  }
  cJSON *stored = gs__vtn_insert(c->v, c->kind, o, c->req->now_unix_us);
  if (stored == NULL) {
    gs__vtn_problem(c->r, 500, "out of memory");
    return;
  }
  gs__vtn_json(c->r, 201, stored);
  after_write(c, stored, "CREATE");
}

static void do_update(call_t *c) {
  if (!has_scope(c, write_scope[c->kind])) return;
  cJSON *old = path_object(c);
  cJSON *o = old ? parse_body(c) : NULL;
  if (o == NULL) return;
  if (!write_rules(c, o, old)) {
    cJSON_Delete(o);
    return;
  }
  cJSON *stored = gs__vtn_replace(c->v, c->kind, old, o, c->req->now_unix_us);
  if (stored == NULL) {
    gs__vtn_problem(c->r, 500, "out of memory");
    return;
  }
  gs__vtn_json(c->r, 200, stored);
  after_write(c, stored, "UPDATE");
}

static void do_delete(call_t *c) {
  if (!has_scope(c, write_scope[c->kind])) return;
  cJSON *o = path_object(c);
  if (o == NULL) return;
  o = gs__vtn_unlink(c->v, c->kind, o);
  gs__vtn_json(c->r, 200, o);
  after_write(c, o, "DELETE");
  cJSON_Delete(o);
}

/* Whether the fault knobs turn this request into a 503. */
static bool faulted(gs_vtn_t *v, const gs_vtn_req_t *q) {
  const gs_vtn_cfg_t *cfg = v->cfg;
  bool path_ok = cfg->n_fault_paths == 0;
  for (size_t i = 0; i < cfg->n_fault_paths && !path_ok; i++)
    path_ok = strncmp(q->path, cfg->fault_paths[i],
                      strlen(cfg->fault_paths[i])) == 0;
  if (!path_ok) return false;
  uint64_t n = ++v->requests;
  if (cfg->fail_count > 0 && n > cfg->fail_after &&
      n <= cfg->fail_after + cfg->fail_count)
    return true;
  double t_s = (double)(q->now_unix_us - v->t0_unix_us) / 1e6;
  for (size_t i = 0; i < cfg->n_windows; i++)
    if (t_s >= cfg->windows[i].from_s && t_s < cfg->windows[i].to_s)
      return true;
  return false;
}

static void auth_server(gs_vtn_t *v, const gs_vtn_req_t *q, gs_vtn_resp_t *r) {
  char url[600];
  /* The Host the client used, so a proxy in between (Prism) stays in the
   * path; else the configured or listening address. */
  bool host_ok = q->host && strlen(q->host) < 256 && q->host[0];
  for (const char *p = q->host; host_ok && *p; p++)
    host_ok = strchr("/\\\"<> ", *p) == NULL;
  if (v->cfg->token_url)
    snprintf(url, sizeof url, "%s", v->cfg->token_url);
  else if (host_ok)
    snprintf(url, sizeof url, "http://%s/auth/token", q->host);
  else
    snprintf(url, sizeof url, "%s/auth/token",
             v->base_url ? v->base_url : "http://127.0.0.1");
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "tokenURL", url);
  gs__vtn_json(r, 200, o);
  cJSON_Delete(o);
}

void gs_vtn_handle(gs_vtn_t *v, const gs_vtn_req_t *q, gs_vtn_resp_t *r) {
  *r = (gs_vtn_resp_t){0};
  if (faulted(v, q)) {
    gs__vtn_problem(r, 503, "the VTN is unavailable (fault injected by the "
                    "configuration)");
    r->retry_after_s = v->cfg->retry_after_s;
    return;
  }
  if (q->body_too_large) {
    gs__vtn_problem(r, 413, "request body larger than %zu bytes",
                    v->cfg->max_body_bytes);
    return;
  }
  /* Split "/collection[/id]", ignoring one trailing slash. */
  char path[300];
  size_t len = strlen(q->path);
  if (len >= sizeof path) {
    gs__vtn_problem(r, 404, "no such path");
    return;
  }
  memcpy(path, q->path, len + 1);
  if (len > 1 && path[len - 1] == '/') path[--len] = '\0';
  bool get = strcmp(q->method, "GET") == 0;
  bool post = strcmp(q->method, "POST") == 0;
  if (strcmp(path, "/auth/server") == 0 || strcmp(path, "/auth/token") == 0) {
    bool server = path[6] == 's';
    if (server ? !get : !post)
      gs__vtn_problem(r, 405, "%s needs %s", path, server ? "GET" : "POST");
    else if (server)
      auth_server(v, q, r);
    else
      gs__vtn_token(v, q, r);
    return;
  }
  call_t c = {.v = v, .req = q, .r = r};
  char *slash = path[0] == '/' ? strchr(path + 1, '/') : NULL;
  if (slash) {
    *slash = '\0';
    c.id = slash + 1;
    if (*c.id == '\0' || strchr(c.id, '/')) {
      gs__vtn_problem(r, 404, "no such path: %.200s", q->path);
      return;
    }
  }
  int kind = -1;
  for (int k = 0; k < GS__VTN_NKINDS && path[0] == '/'; k++)
    if (strcmp(path + 1, gs__vtn_collection[k]) == 0) kind = k;
  bool notifiers = strcmp(path, "/notifiers") == 0 && c.id == NULL;
  if (kind < 0 && !notifiers) {
    gs__vtn_problem(r, 404, "no such path: %.200s", q->path);
    return;
  }
  if ((c.client = gs__vtn_authenticate(v, q, r, &c.scopes)) < 0) return;
  if (notifiers) {
    /* Every client may ask how it will be notified. */
    if (!get) {
      gs__vtn_problem(r, 405, "/notifiers needs GET");
      return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "WEBHOOK", 1);
    gs__vtn_json(r, 200, o);
    cJSON_Delete(o);
    return;
  }
  c.kind = (gs__vtn_kind_t)kind;
  bool put = strcmp(q->method, "PUT") == 0;
  bool del = strcmp(q->method, "DELETE") == 0;
  if (c.id == NULL && get) {
    do_list(&c);
  } else if (c.id == NULL && post) {
    do_create(&c);
  } else if (c.id && get) {
    if (has_scope(&c, read_scope[c.kind])) {
      cJSON *o = path_object(&c);
      if (o) gs__vtn_json(r, 200, o);
    }
  } else if (c.id && put) {
    do_update(&c);
  } else if (c.id && del) {
    do_delete(&c);
  } else {
    gs__vtn_problem(r, 405, "%s is not allowed on %s", q->method, q->path);
  }
}

/* Adds an object of `kind` as the business logic would. */
static const char *add_bl(gs_vtn_t *v, gs__vtn_kind_t kind, const cJSON *req,
                          int64_t now_unix_us, gs_errbuf_t *eb) {
  char detail[400];
  if (!v->wire->validate(kind, req, detail, sizeof detail)) {
    gs_errbuf_set(eb, GS_EINVAL, "invalid %s: %s", gs__vtn_object_type[kind],
                  detail);
    return NULL;
  }
  const cJSON *pid = cJSON_GetObjectItemCaseSensitive(req, "programID");
  if (kind == GS__VTN_EVENT &&
      gs__vtn_find(v, GS__VTN_PROGRAM, pid->valuestring) == NULL) {
    gs_errbuf_set(eb, GS_ENOTFOUND, "programID '%s' names no PROGRAM",
                  pid->valuestring);
    return NULL;
  }
  cJSON *o = cJSON_Duplicate(req, true);
  cJSON *stored = o ? gs__vtn_insert(v, kind, o, now_unix_us) : NULL;
  if (stored == NULL) {
    gs_errbuf_set(eb, GS_ENOMEM, "VTN: out of memory");
    return NULL;
  }
  gs__vtn_notify(v, kind, "CREATE", stored);
  return cJSON_GetObjectItemCaseSensitive(stored, "id")->valuestring;
}

const char *gs_vtn_add_program(gs_vtn_t *v, const cJSON *req,
                               int64_t now_unix_us, gs_errbuf_t *eb) {
  return add_bl(v, GS__VTN_PROGRAM, req, now_unix_us, eb);
}

const char *gs_vtn_add_event(gs_vtn_t *v, const cJSON *req,
                             int64_t now_unix_us, gs_errbuf_t *eb) {
  return add_bl(v, GS__VTN_EVENT, req, now_unix_us, eb);
}

gs_err_t gs_vtn_update_event(gs_vtn_t *v, const char *id, const cJSON *req,
                             int64_t now_unix_us, gs_errbuf_t *eb) {
  char detail[400];
  cJSON *old = gs__vtn_find(v, GS__VTN_EVENT, id);
  if (old == NULL)
    return gs_errbuf_set(eb, GS_ENOTFOUND, "no EVENT with id '%s'", id);
  if (!v->wire->validate(GS__VTN_EVENT, req, detail, sizeof detail))
    return gs_errbuf_set(eb, GS_EINVAL, "invalid EVENT: %s", detail);
  cJSON *o = cJSON_Duplicate(req, true);
  cJSON *stored = o ? gs__vtn_replace(v, GS__VTN_EVENT, old, o, now_unix_us)
                    : NULL;
  if (stored == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "VTN: out of memory");
  gs__vtn_notify(v, GS__VTN_EVENT, "UPDATE", stored);
  return GS_OK;
}
