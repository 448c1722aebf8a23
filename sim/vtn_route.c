/* SPDX-License-Identifier: MIT */
/* The VTN's router: paths, methods, scopes, queries and Problem responses. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtn_priv.h"

/* The Problem's title: the status's reason phrase (RFC 9110), so a client
 * that shows only the title still says what went wrong. */
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

/* Unformatted: pages of events go to thousands of VENs every few seconds
 * and whitespace would be a third of the bytes. */
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
  /* Faults come first: a VTN that is down is down for every request,
   * authenticated or not, which is what a client's retry logic must meet.
   * Split "/collection[/id]", ignoring one trailing slash. */
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
  if (strncmp(path, "/notifiers/mqtt/topics/", 23) == 0) {
    unsigned scopes;
    long client = gs__vtn_authenticate(v, q, r, &scopes);
    if (client < 0) return;
    if (!get)
      gs__vtn_problem(r, 405, "%s needs GET", path);
    else
      gs__vtn_topics(v, path + 22, client, scopes, r);
    return;
  }
  gs__vtn_call_t c = {.v = v, .req = q, .r = r};
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
    if (v->cfg->mqtt_url) {
      cJSON *m = cJSON_AddObjectToObject(o, "MQTT");
      cJSON *uris = cJSON_AddArrayToObject(m, "URIS");
      cJSON_AddItemToArray(uris, cJSON_CreateString(v->cfg->mqtt_url));
      cJSON_AddStringToObject(m, "serialization", "JSON");
      cJSON *a = cJSON_AddObjectToObject(m, "authentication");
      cJSON_AddStringToObject(a, "method", "ANONYMOUS");
    }
    gs__vtn_json(r, 200, o);
    cJSON_Delete(o);
    return;
  }
  c.kind = (gs__vtn_kind_t)kind;
  bool put = strcmp(q->method, "PUT") == 0;
  bool del = strcmp(q->method, "DELETE") == 0;
  if (c.id == NULL && get) {
    gs__vtn_list(&c);
  } else if (c.id == NULL && post) {
    gs__vtn_create(&c);
  } else if (c.id && get) {
    if (gs__vtn_has_scope(&c, gs__vtn_read_scope[c.kind])) {
      cJSON *o = gs__vtn_path_object(&c);
      if (o) gs__vtn_json(r, 200, o);
    }
  } else if (c.id && put) {
    gs__vtn_update(&c);
  } else if (c.id && del) {
    gs__vtn_delete(&c);
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
