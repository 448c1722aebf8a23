/* SPDX-License-Identifier: MIT */
/* OpenADR VEN role: each VEN's steps (enrol, programs, subscribe, poll). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inbound.h"
#include "oadr_priv.h"
#include "scenario_priv.h"

static void sink_publish(void *ud, uint64_t ven_index, gs_topic_t topic,
                         const char *payload) {
  (void)ud, (void)ven_index, (void)topic, (void)payload;
}

gs_err_t gs_oadr_create(const gs_oadr_cfg_t *cfg, const char *url,
                        const char *client_id, const char *client_secret,
                        gs_oadr_t **out, gs_errbuf_t *eb) {
  if (cfg == NULL || url == NULL || out == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_oadr_create: NULL argument");
  *out = NULL;
  size_t len = strlen(url);
  bool http = strncmp(url, "http://", 7) == 0,
       https = strncmp(url, "https://", 8) == 0;
  if ((!http && !https) || len >= GS__OADR_URL_MAX - 128 ||
      len <= (size_t)(http ? 7 : 8) || strpbrk(url, " \t\r\n?#") != NULL)
    return gs_errbuf_set(eb, GS_EINVAL,
                         "--vtn: expected http://HOST:PORT[/BASE] (the VTN's "
                         "API base), found '%s'", url);
  if ((client_id == NULL) != (client_secret == NULL))
    return gs_errbuf_set(eb, GS_EINVAL,
                         "--vtn-client-id and --vtn-client-secret (or "
                         "GRIDSIM_VTN_CLIENT_SECRET) go together");
  gs_oadr_t *b = calloc(1, sizeof *b);
  if (b == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "oadr: out of memory");
  b->cfg = *cfg;
  snprintf(b->base, sizeof b->base, "%s", url);
  while (len > 0 && b->base[len - 1] == '/') b->base[--len] = '\0';
  if (client_id) {
    b->client_id = strdup(client_id);
    b->client_secret = strdup(client_secret);
    if (!b->client_id || !b->client_secret) {
      gs_oadr_destroy(b);
      return gs_errbuf_set(eb, GS_ENOMEM, "oadr: out of memory");
    }
  }
  b->notifiers = cfg->webhook ? -1 : 0;
  b->sink = (gs_ven_sink_t){.publish = sink_publish, .ud = b};
  *out = b;
  return GS_OK;
}

const gs_ven_sink_t *gs_oadr_sink(gs_oadr_t *b) { return &b->sink; }

void gs__oadr_url(const gs_oadr_t *b, const char *path, char *buf,
                  size_t size) {
  gs_oadr_fmt(buf, size, "%s%s", b->base, path);
}

int64_t gs_oadr_backoff_us(const gs_oadr_cfg_t *cfg, uint32_t attempt,
                           double u) {
  double d = (double)cfg->backoff_min_us;
  for (uint32_t i = 0; i < attempt && d < (double)cfg->backoff_max_us; i++)
    d *= 2;
  if (d > (double)cfg->backoff_max_us) d = (double)cfg->backoff_max_us;
  return (int64_t)(d * (0.5 + 0.5 * u));
}

void gs__oadr_record(gs_oadr_t *b, uint32_t ven, int source, int kind,
                     const char *payload) {
  if (b->n_in == b->cap_in) {
    size_t cap = b->cap_in ? b->cap_in * 2 : 256;
    gs__oin_t *g = realloc(b->in, cap * sizeof *g);
    if (g == NULL) return; /* the trace misses it; the run goes on */
    b->in = g;
    b->cap_in = cap;
  }
  char *copy = strdup(payload ? payload : "");
  if (copy == NULL) return;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  b->in[b->n_in++] = (gs__oin_t){
      .t_us = gs_engine_now(b->world->engine),
      .wall_unix_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000,
      .position = gs_inbound_position(b->world->engine),
      .ven = ven, .source = (uint8_t)source, .kind = (uint8_t)kind,
      .payload = copy};
}

/* ---- requests ------------------------------------------------------------ */

static void on_response(void *ud, uint64_t tag, const gs_oadr_resp_t *r);

static bool has_creds(const gs_oadr_t *b) { return b->client_id != NULL; }

/* A token is usable until `token_margin_s` before it expires. */
static bool auth_ready(const gs_oadr_t *b, int64_t now) {
  if (!has_creds(b)) return true;
  return b->tok.valid && (b->tok.expires_us < 0 || now < b->tok.renew_us);
}

/* The tag of a request: kind, VEN, and the token generation it used (a
 * 401 only discards the token it was refused with). */
void gs__oadr_request(gs_oadr_t *b, int kind, uint32_t ven, const char *method,
                    const char *url, const char *body, const char *ctype,
                    bool bearer) {
  uint64_t tag = (uint64_t)kind | (uint64_t)ven << 8 |
                 (uint64_t)(b->tok.gen & 0xffffffu) << 40;
  gs_err_t err = gs_oadr_http_request(
      b->http, method, url, body, ctype,
      bearer && has_creds(b) ? b->tok.value : NULL, on_response, b, tag);
  if (err != GS_OK) { /* no memory: the step is retried later */
    gs_oadr_resp_t r = {.transport_error = true, .body = ""};
    snprintf(r.error, sizeof r.error, "out of memory");
    on_response(b, tag, &r);
    return;
  }
  b->st.requests++;
}

void gs__oadr_due(gs_oadr_t *b, int64_t at_us) {
  if (at_us < b->earliest_us) b->earliest_us = at_us;
}

/* Schedules the VEN's step again after a failure, with back-off. */
static void step_failed(gs_oadr_t *b, gs__oven_t *v, int64_t now) {
  v->next_us = now + gs_oadr_backoff_us(&b->cfg, v->attempt,
                                        gs_rng_uniform(&v->rng));
  v->attempt++;
  gs__oadr_due(b, v->next_us);
}

bool gs__oadr_retryable(const gs_oadr_resp_t *r) {
  return r->transport_error || r->status >= 500 || r->status == 401 ||
         r->status == 408 || r->status == 429;
}

/* Percent-encodes `s` for a form body. */
static void form_escape(const char *s, char *out, size_t size) {
  size_t n = 0;
  for (; *s && n + 4 < size; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~')
      out[n++] = (char)c;
    else
      n += (size_t)snprintf(out + n, size - n, "%%%02X", c);
  }
  out[n] = '\0';
}

static void token_start(gs_oadr_t *b) {
  b->tok.busy = true;
  if (b->tok.attempt > 0) b->st.retries++;
  if (!b->tok.have_url) {
    char url[GS__OADR_URL_MAX];
    gs__oadr_url(b, "/auth/server", url, sizeof url);
    gs__oadr_request(b, GS__OK_AUTH_SERVER, 0, "GET", url, NULL, NULL, false);
    return;
  }
  char id[1024], secret[1024], body[2200];
  form_escape(b->client_id, id, sizeof id);
  form_escape(b->client_secret, secret, sizeof secret);
  gs_oadr_fmt(body, sizeof body,
           "grant_type=client_credentials&client_id=%s&client_secret=%s", id,
           secret);
  gs__oadr_request(b, GS__OK_TOKEN, 0, "POST", b->tok.url, body,
          "application/x-www-form-urlencoded", false);
}

/* tokenURL may be relative to the VTN (the spec's own example is
 * "auth/token"): it is then resolved against the API base. */
static void set_token_url(gs_oadr_t *b, const char *u) {
  if (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0) {
    gs_oadr_fmt(b->tok.url, sizeof b->tok.url, "%s", u);
  } else if (u[0] == '/') {
    const char *host = strstr(b->base, "://") + 3;
    size_t hl = strcspn(host, "/");
    gs_oadr_fmt(b->tok.url, sizeof b->tok.url, "%.*s%s",
             (int)(host - b->base + (ptrdiff_t)hl), b->base, u);
  } else {
    gs_oadr_fmt(b->tok.url, sizeof b->tok.url, "%s/%s", b->base, u);
  }
  b->tok.have_url = true;
}

static void token_failed(gs_oadr_t *b, int64_t now, const char *why) {
  b->tok.busy = false;
  b->tok.retry_us = now + gs_oadr_backoff_us(&b->cfg, b->tok.attempt, 0.5);
  b->tok.attempt++;
  gs__oadr_due(b, b->tok.retry_us);
  if (b->tok.attempt == 1 || b->tok.attempt % 16 == 0)
    fprintf(stderr, "gridsim: oadr: token: %s (retrying)\n", why);
}

static cJSON *parse_body(gs_oadr_t *b, uint32_t ven, const gs_oadr_resp_t *r,
                         const char *what) {
  cJSON *root = cJSON_ParseWithLength(r->body, r->len);
  if (root == NULL) {
    char msg[300];
    snprintf(msg, sizeof msg, "%s: the answer is not JSON (%zu bytes)", what,
             r->len);
    b->st.bad_payloads++;
    gs__oadr_record(b, ven, 0, 2, msg);
  }
  return root;
}

static void on_auth(gs_oadr_t *b, int kind, const gs_oadr_resp_t *r,
                    int64_t now) {
  char why[GS_ERRBUF_SIZE];
  if (r->status < 200 || r->status > 299) {
    snprintf(why, sizeof why, "HTTP %ld %s", r->status, r->error);
    token_failed(b, now, why);
    return;
  }
  cJSON *root = parse_body(b, 0, r, kind == GS__OK_TOKEN ? "auth/token"
                                                         : "auth/server");
  gs_errbuf_t eb = {{0}};
  gs_err_t err = GS_EINVAL;
  if (root && kind == GS__OK_AUTH_SERVER) {
    char url[GS__OADR_URL_MAX];
    err = gs_oadr_parse_auth_server(root, url, sizeof url, &eb);
    if (err == GS_OK) set_token_url(b, url);
  } else if (root) {
    int64_t exp_s;
    err = gs_oadr_parse_token(root, b->tok.value, sizeof b->tok.value,
                              &exp_s, &eb);
    if (err == GS_OK) {
      b->tok.valid = true;
      b->tok.gen++;
      b->tok.attempt = 0;
      b->tok.expires_us = exp_s >= 0 ? now + exp_s * 1000000 : -1;
      /* Renewed token_margin_s before it expires, but never sooner than
       * halfway through its life (short-lived tokens would else be
       * renewed forever). */
      int64_t margin = b->cfg.token_margin_us;
      if (exp_s >= 0 && margin > exp_s * 500000) margin = exp_s * 500000;
      b->tok.renew_us = b->tok.expires_us - margin;
      b->st.token_fetches++;
    }
  }
  cJSON_Delete(root);
  if (err != GS_OK) {
    if (root) {
      b->st.bad_payloads++;
      gs__oadr_record(b, 0, 0, 2, eb.msg);
    }
    token_failed(b, now, eb.msg[0] ? eb.msg : "not JSON");
    return;
  }
  b->tok.busy = false;
  if (kind == GS__OK_AUTH_SERVER) token_start(b); /* now the token itself */
  gs__oadr_due(b, now);
}

static void on_notifiers(gs_oadr_t *b, const gs_oadr_resp_t *r, int64_t now) {
  b->notifiers_busy = false;
  bool webhook = false, mqtt = false;
  if (r->status >= 200 && r->status <= 299) {
    cJSON *root = parse_body(b, 0, r, "notifiers");
    gs_errbuf_t eb = {{0}};
    if (root && gs_oadr_parse_notifiers(root, &webhook, &mqtt, &eb) != GS_OK) {
      b->st.bad_payloads++;
      gs__oadr_record(b, 0, 0, 2, eb.msg);
    }
    cJSON_Delete(root);
    b->notifiers = webhook && b->hook ? 1 : 0;
  } else if (r->status == 404 || r->status == 501) {
    b->notifiers = 0; /* a 3.0 VTN without /notifiers: polling only */
  } else {
    b->notifiers_retry_us =
        now + gs_oadr_backoff_us(&b->cfg, b->notifiers_attempt++, 0.5);
    gs__oadr_due(b, b->notifiers_retry_us);
    return;
  }
  gs__oadr_due(b, now);
}

/* ---- a VEN's steps --------------------------------------------------------- */

/* "&targets=NAME&targets=GROUP": events for the VEN itself or its group
 * (events without targets are for every VEN). */
static void targets_query(const gs__oven_t *v, char *buf, size_t size) {
  snprintf(buf, size, "targets=%s&targets=%s", v->name, v->group);
}

static void run_step(gs_oadr_t *b, gs__oven_t *v, int64_t now) {
  char url[GS__OADR_URL_MAX + 512], q[300];
  char *body = NULL;
  const char *method = "GET";
  switch ((gs__ostep_t)v->step) {
  case GS__OS_FIND:
    gs_oadr_fmt(q, sizeof q, "/vens?venName=%s", v->name);
    gs__oadr_url(b, q, url, sizeof url);
    break;
  case GS__OS_CREATE:
    gs__oadr_url(b, "/vens", url, sizeof url);
    body = gs_oadr_build_ven_request(b->cfg.version, v->name);
    method = "POST";
    break;
  case GS__OS_PROGRAMS:
    gs__oadr_url(b, "/programs", url, sizeof url);
    break;
  case GS__OS_SUBSCRIBE: {
    if (b->notifiers < 0) return; /* not known yet: the scan comes back */
    if (b->notifiers == 0) {      /* polling only */
      v->step = GS__OS_POLL;
      v->next_us = now;
      gs__oadr_due(b, now);
      return;
    }
    char cb[128];
    snprintf(cb, sizeof cb, "http://127.0.0.1:%u/notify/%u",
             (unsigned)gs__oadr_hook_port(b->hook), (unsigned)v->index);
    gs__oadr_url(b, "/subscriptions", url, sizeof url);
    body = gs_oadr_build_subscription(b->cfg.version, v->name, NULL, cb,
                                      NULL);
    method = "POST";
    break;
  }
  case GS__OS_POLL: {
    char t[300];
    targets_query(v, t, sizeof t);
    if (v->n_programs > 0)
      gs_oadr_fmt(q, sizeof q, "/events?programID=%s&%s&skip=%u&limit=%u",
               v->programs[v->prog_cursor], t, (unsigned)v->skip,
               (unsigned)b->cfg.page_limit);
    else
      gs_oadr_fmt(q, sizeof q, "/events?%s&skip=%u&limit=%u", t,
               (unsigned)v->skip, (unsigned)b->cfg.page_limit);
    gs__oadr_url(b, q, url, sizeof url);
    break;
  }
  }
  if (strcmp(method, "POST") == 0 && body == NULL) { /* out of memory */
    step_failed(b, v, now);
    return;
  }
  if (v->attempt > 0) b->st.retries++;
  v->busy = true;
  gs__oadr_request(b, GS__OK_STEP, v->index, method, url, body, NULL, true);
  free(body);
}

/* The end of a poll cycle over every program: events no longer listed
 * were deleted at the VTN. */
static void end_cycle(gs_oadr_t *b, gs__oven_t *v, int64_t now) {
  for (size_t i = 0; i < v->n_events;) {
    if (v->events[i].seen_gen != v->gen) {
      char id[GS_OADR_ID_MAX];
      snprintf(id, sizeof id, "%s", v->events[i].id);
      gs__oadr_drop_event(b, v, id, 0); /* removes entry i */
    } else {
      i++;
    }
  }
  v->prog_cursor = 0;
  v->skip = 0;
  /* After the first cycle (made on enrolling) each VEN polls at its own
   * phase, as devices booted at different times would: thousands of VENs
   * enrolled together must not poll in one burst. */
  double phase = v->gen == 0 ? 0.5 + gs_rng_uniform(&v->rng) : 1.0;
  v->next_us = now + (int64_t)((double)b->cfg.poll_us * phase);
  v->gen++;
}

/* A page of GET /events: every event in it, then the next page, the next
 * program or the end of the cycle. */
static gs_err_t take_page(gs_oadr_t *b, gs__oven_t *v, const cJSON *root,
                          int64_t now, gs_errbuf_t *eb) {
  if (!cJSON_IsArray(root))
    return gs_errbuf_set(eb, GS_EINVAL,
                         "events: expected an array of events, found %s",
                         cJSON_IsObject(root) ? "an object" : "another value");
  int n = cJSON_GetArraySize(root), i = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, root) {
    char path[64];
    snprintf(path, sizeof path, "events[%u]", (unsigned)(v->skip + i++));
    gs__oadr_take_event(b, v, e, path, 0);
  }
  if ((uint32_t)n >= b->cfg.page_limit) {
    v->skip += (uint32_t)n;
    v->next_us = now;
  } else if (v->n_programs > 0 && v->prog_cursor + 1 < v->n_programs) {
    v->prog_cursor++;
    v->skip = 0;
    v->next_us = now;
  } else {
    end_cycle(b, v, now);
  }
  return GS_OK;
}

/* One more VEN enrolled; the time it took all of them, once they are. */
static void enrolled(gs_oadr_t *b, int64_t now) {
  if (++b->st.enrolled == b->n_vens)
    b->st.enroll_s = (double)(now - b->start_us) / 1e6;
}

static void on_step(gs_oadr_t *b, gs__oven_t *v, const gs_oadr_resp_t *r,
                    int64_t now) {
  v->busy = false;
  if (b->closing) return; /* the run is over: no new events */
  bool ok = r->status >= 200 && r->status <= 299;
  if (!ok && v->step == GS__OS_FIND && r->status == 404) {
    v->step = GS__OS_CREATE; /* some VTNs answer a search with 404 */
    v->next_us = now;
    gs__oadr_due(b, now);
    return;
  }
  if (!ok && v->step == GS__OS_CREATE && r->status == 409) {
    v->step = GS__OS_FIND; /* registered meanwhile: look it up */
    v->next_us = now;
    gs__oadr_due(b, now);
    return;
  }
  if (!ok) {
    if (r->status == 401 && v->attempt < 3) { /* a new token, then again */
      v->attempt++;
      v->next_us = now + GS__OADR_AUTH_RETRY_US * (v->attempt - 1);
      gs__oadr_due(b, v->next_us);
      return;
    }
    step_failed(b, v, now);
    return;
  }
  cJSON *root = parse_body(b, v->index, r, "answer");
  if (root == NULL) {
    step_failed(b, v, now);
    return;
  }
  gs_errbuf_t eb = {{0}};
  gs_err_t err = GS_OK;
  char (*ids)[GS_OADR_ID_MAX] = NULL;
  size_t n = 0;
  switch ((gs__ostep_t)v->step) {
  case GS__OS_FIND:
    err = gs_oadr_parse_ids(root, "vens", "venName", v->name, &ids, &n, &eb);
    if (err == GS_OK && n > 0) {
      snprintf(v->ven_id, sizeof v->ven_id, "%s", ids[0]);
      v->step = GS__OS_PROGRAMS;
      enrolled(b, now);
    } else if (err == GS_OK) {
      v->step = GS__OS_CREATE;
    }
    free(ids);
    break;
  case GS__OS_CREATE:
    err = gs_oadr_parse_id(root, "ven", v->ven_id, &eb);
    if (err == GS_OK) {
      v->step = GS__OS_PROGRAMS;
      enrolled(b, now);
    }
    break;
  case GS__OS_PROGRAMS:
    err = gs_oadr_parse_ids(root, "programs", NULL, NULL, &ids, &n, &eb);
    if (err == GS_OK) {
      free(v->programs);
      v->programs = ids;
      v->n_programs = n;
      v->prog_cursor = 0;
      v->skip = 0;
      v->step = GS__OS_SUBSCRIBE;
    }
    break;
  case GS__OS_SUBSCRIBE:
    b->st.subscribed++;
    v->step = GS__OS_POLL;
    break;
  case GS__OS_POLL:
    b->st.polls++;
    if (b->st.enroll_s >= 0) b->st.polls_steady++;
    err = take_page(b, v, root, now, &eb);
    break;
  }
  cJSON_Delete(root);
  if (err != GS_OK) {
    b->st.bad_payloads++;
    gs__oadr_record(b, v->index, 0, 2, eb.msg);
    step_failed(b, v, now);
    return;
  }
  v->attempt = 0;
  if (v->step != GS__OS_POLL || v->next_us < now) v->next_us = now;
  gs__oadr_due(b, v->next_us);
}

static void on_response(void *ud, uint64_t tag, const gs_oadr_resp_t *r) {
  gs_oadr_t *b = ud;
  int kind = (int)(tag & 0xff);
  uint32_t ven = (uint32_t)(tag >> 8);
  uint32_t gen = (uint32_t)(tag >> 40);
  int64_t now = gs_pace_mono_us();
  if (r->transport_error) b->st.transport_errors++;
  else if (r->status >= 500) b->st.status_5xx++;
  else if (r->status >= 400) b->st.status_4xx++;
  else if (r->status >= 200 && r->status <= 299) b->st.status_2xx++;
  if (!r->transport_error)
    gs_oadr_hist_add(&b->req_lat, (double)r->latency_us / 1e3);
  if (r->status == 401) {
    b->st.unauthorized++;
    /* Only the token this request carried is known bad: a newer one may
     * have been fetched meanwhile. */
    if (gen == (b->tok.gen & 0xffffffu)) b->tok.valid = false;
    gs__oadr_due(b, now);
  }
  switch (kind) {
  case GS__OK_AUTH_SERVER:
  case GS__OK_TOKEN:
    on_auth(b, kind, r, now);
    break;
  case GS__OK_NOTIFIERS:
    on_notifiers(b, r, now);
    break;
  case GS__OK_STEP:
    if (ven < b->n_vens) on_step(b, &b->vens[ven], r, now);
    break;
  case GS__OK_REPORT:
    if (ven < b->n_vens) gs__oadr_on_report(b, &b->vens[ven], r, now);
    break;
  default:
    break;
  }
}

/* ---- the scan: every VEN whose step or report is due ---------------------- */

void gs__oadr_scan(gs_oadr_t *b, int64_t now) {
  if (has_creds(b) && !auth_ready(b, now) && !b->tok.busy &&
      now >= b->tok.retry_us)
    token_start(b);
  bool authed = auth_ready(b, now);
  if (b->notifiers < 0 && !b->notifiers_busy && authed &&
      now >= b->notifiers_retry_us) {
    char url[GS__OADR_URL_MAX];
    gs__oadr_url(b, "/notifiers", url, sizeof url);
    b->notifiers_busy = true;
    if (b->notifiers_attempt > 0) b->st.retries++;
    gs__oadr_request(b, GS__OK_NOTIFIERS, 0, "GET", url, NULL, NULL, true);
  }
  int64_t next = INT64_MAX;
  for (uint32_t i = 0; i < b->n_vens; i++) {
    gs__oven_t *v = &b->vens[i];
    if (authed && !b->closing && !v->busy && v->next_us <= now)
      run_step(b, v, now);
    if (authed && !v->rep_busy && v->rq_head && v->rep_next_us <= now)
      gs__oadr_send_report(b, v);
    if (!v->busy && v->next_us < next) next = v->next_us;
    if (!v->rep_busy && v->rq_head && v->rep_next_us < next)
      next = v->rep_next_us;
  }
  if (!authed && next < now + GS__OADR_SCAN_US) next = now + GS__OADR_SCAN_US;
  b->earliest_us = next;
}
