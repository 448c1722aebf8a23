/* SPDX-License-Identifier: MIT */
/* The VTN's object operations: list with filters and pages, read, create,
 * update and delete under the spec's scopes and object privacy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtn_priv.h"

/* Spec: "limit" has maximum 50; it is also the page when none is asked. */
#define GS__VTN_PAGE_MAX 50


static const char *client_id(const gs__vtn_call_t *c) {
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

/* Parses skip and limit; false with a 400 in `r`. Out-of-range values are
 * refused rather than clamped, so a client's paging bug shows. */
static bool paging(const gs__vtn_call_t *c, long *skip, long *limit) {
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

bool gs__vtn_has_scope(const gs__vtn_call_t *c, unsigned any) {
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

const unsigned gs__vtn_read_scope[GS__VTN_NKINDS] = {
    GS__VTN_READ_ALL | GS__VTN_READ_TARGETS,
    GS__VTN_READ_ALL | GS__VTN_READ_TARGETS,
    GS__VTN_READ_ALL | GS__VTN_READ_VEN_OBJECTS,
    GS__VTN_READ_ALL | GS__VTN_READ_VEN_OBJECTS,
    GS__VTN_READ_ALL | GS__VTN_READ_VEN_OBJECTS,
    GS__VTN_READ_ALL | GS__VTN_READ_VEN_OBJECTS};
const unsigned gs__vtn_write_scope[GS__VTN_NKINDS] = {
    GS__VTN_WRITE_PROGRAMS,      GS__VTN_WRITE_EVENTS,
    GS__VTN_WRITE_REPORTS,       GS__VTN_WRITE_SUBSCRIPTIONS,
    GS__VTN_WRITE_VENS,          GS__VTN_WRITE_VENS};

/* Object privacy: without read_all a client sees only the VEN-side
 * objects whose clientID is its own. */
static bool visible(const gs__vtn_call_t *c, const cJSON *o) {
  if ((c->scopes & GS__VTN_READ_ALL) || c->kind == GS__VTN_PROGRAM ||
      c->kind == GS__VTN_EVENT)
    return true;
  const cJSON *cid = cJSON_GetObjectItemCaseSensitive(o, "clientID");
  return cJSON_IsString(cid) && strcmp(cid->valuestring, client_id(c)) == 0;
}

/* The targets a client without read_all may read by: those granted to its
 * ven and resource objects. Owned by the caller (free the array only). */
static size_t granted_targets(const gs__vtn_call_t *c, const char ***out) {
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
static bool passes(const gs__vtn_call_t *c, const cJSON *o, const char **tg,
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

void gs__vtn_list(gs__vtn_call_t *c) {
  long skip, limit;
  if (!gs__vtn_has_scope(c, gs__vtn_read_scope[c->kind]) || !paging(c, &skip, &limit)) return;
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
cJSON *gs__vtn_path_object(gs__vtn_call_t *c) {
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
static cJSON *parse_body(gs__vtn_call_t *c) {
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
static bool write_rules(gs__vtn_call_t *c, cJSON *o, const cJSON *self) {
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

static void after_write(gs__vtn_call_t *c, const cJSON *o, const char *op) {
  if (c->kind == GS__VTN_REPORT && c->v->hooks.report && strcmp(op, "DELETE"))
    c->v->hooks.report(c->v->hooks.ud, o, c->req->now_unix_us);
  if (c->v->hooks.changed)
    c->v->hooks.changed(c->v->hooks.ud, gs__vtn_object_type[c->kind], op, o,
                        c->req->now_unix_us);
  if (c->kind >= GS__VTN_REPORT) gs__vtn_enrolled(c->v, c->req->now_unix_us);
  gs__vtn_notify(c->v, c->kind, op, o);
}

void gs__vtn_create(gs__vtn_call_t *c) {
  if (!gs__vtn_has_scope(c, gs__vtn_write_scope[c->kind])) return;
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

void gs__vtn_update(gs__vtn_call_t *c) {
  if (!gs__vtn_has_scope(c, gs__vtn_write_scope[c->kind])) return;
  cJSON *old = gs__vtn_path_object(c);
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

void gs__vtn_delete(gs__vtn_call_t *c) {
  if (!gs__vtn_has_scope(c, gs__vtn_write_scope[c->kind])) return;
  cJSON *o = gs__vtn_path_object(c);
  if (o == NULL) return;
  o = gs__vtn_unlink(c->v, c->kind, o);
  gs__vtn_json(c->r, 200, o);
  after_write(c, o, "DELETE");
  cJSON_Delete(o);
}
