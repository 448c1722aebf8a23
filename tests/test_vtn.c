/* SPDX-License-Identifier: MIT */
/* The VTN role without a socket: routing, auth, problems, queries, mapping. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridsim/scenario.h"
#include "vtn.h"
#include "vtn_priv.h"
#include "vtn_scn.h"

#define T0 1800000000000000LL /* 2027-01-15T08:00:00Z in unix us */

static const char cfg_text[] =
    "{\"clients\": ["
    " {\"id\": \"ven1\", \"secret\": \"s1\", \"role\": \"ven\"},"
    " {\"id\": \"ven2\", \"secret\": \"s 2&x\", \"role\": \"ven\"},"
    " {\"id\": \"bl\", \"secret\": \"b\", \"role\": \"bl\"},"
    " {\"id\": \"ro\", \"secret\": \"r\", \"scopes\": [\"read_targets\"]}],"
    " \"token_ttl_s\": 10, \"max_body_bytes\": 2048}";

/* What the hooks saw. */
typedef struct seen {
  int reports, enrolled, notes, n_topics;
  char topics[16][128];
  char last_url[256], last_bearer[64], last_body[8192];
} seen_t;

static void on_report(void *ud, const cJSON *r, int64_t now) {
  (void)r, (void)now;
  ((seen_t *)ud)->reports++;
}
static void on_enrolled(void *ud, const gs_vtn_counts_t *c, int64_t now) {
  (void)c, (void)now;
  ((seen_t *)ud)->enrolled++;
}
static void on_notify(void *ud, const char *url, const char *bearer,
                      const char *body) {
  seen_t *s = ud;
  s->notes++;
  snprintf(s->last_url, sizeof s->last_url, "%s", url);
  snprintf(s->last_bearer, sizeof s->last_bearer, "%s", bearer ? bearer : "");
  snprintf(s->last_body, sizeof s->last_body, "%s", body);
}

static void on_publish(void *ud, const char *topic, const char *payload) {
  seen_t *s = ud;
  (void)payload;
  if (s->n_topics < 16)
    snprintf(s->topics[s->n_topics], sizeof s->topics[0], "%s", topic);
  s->n_topics++;
}

static gs_vtn_cfg_t *cfg;
static gs_vtn_t *vtn;
static seen_t seen;

static void make(const char *text) {
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_vtn_cfg_parse(text, "cfg.json", &cfg, &eb), GS_OK);
  memset(&seen, 0, sizeof seen);
  gs_vtn_hooks_t h = {.report = on_report, .enrolled = on_enrolled,
                      .notify = on_notify, .publish = on_publish,
                      .ud = &seen};
  vtn = gs_vtn_create(cfg, "3.1.0", &h, T0, &eb);
  ck_assert_msg(vtn != NULL, "%s", eb.msg);
}

static void setup(void) { make(cfg_text); }

static void teardown(void) {
  gs_vtn_destroy(vtn);
  gs_vtn_cfg_free(cfg);
  vtn = NULL;
  cfg = NULL;
}

/* One request: `query` is "k=v&k=v" (no decoding), `token` a bearer token
 * or NULL. Returns the status; `*json` the parsed body (caller frees). */
static int call_at(const char *method, const char *path, const char *query,
                   const char *token, const char *body, int64_t now,
                   cJSON **json) {
  const char *keys[16], *vals[16];
  char qbuf[512];
  size_t n = 0;
  if (query) {
    snprintf(qbuf, sizeof qbuf, "%s", query);
    for (char *save = NULL, *p = strtok_r(qbuf, "&", &save); p && n < 16;
         p = strtok_r(NULL, "&", &save)) {
      char *eq = strchr(p, '=');
      if (eq) *eq = '\0';
      keys[n] = p;
      vals[n++] = eq ? eq + 1 : NULL;
    }
  }
  char auth[128];
  if (token) snprintf(auth, sizeof auth, "Bearer %s", token);
  gs_vtn_req_t req = {.method = method, .path = path, .query_keys = keys,
                      .query_vals = vals, .n_query = n,
                      .authorization = token ? auth : NULL,
                      .content_type = "application/json",
                      .host = "vtn.test:8080", .body = body,
                      .body_len = body ? strlen(body) : 0,
                      .now_unix_us = now};
  gs_vtn_resp_t r;
  gs_vtn_handle(vtn, &req, &r);
  ck_assert_ptr_nonnull(r.body);
  cJSON *j = cJSON_Parse(r.body);
  ck_assert_msg(j != NULL, "response is not JSON: %s", r.body);
  free(r.body);
  if (json) *json = j;
  else cJSON_Delete(j);
  return r.status;
}

static int call(const char *method, const char *path, const char *query,
                const char *token, const char *body, cJSON **json) {
  return call_at(method, path, query, token, body, T0 + 1000000, json);
}

/* A token for client `id` (form-encoded `secret_enc`) issued at `now`. */
static char *token_at(const char *id, const char *secret_enc, int64_t now) {
  char body[256];
  snprintf(body, sizeof body,
           "grant_type=client_credentials&client_id=%s&client_secret=%s", id,
           secret_enc);
  gs_vtn_req_t req = {.method = "POST", .path = "/auth/token",
                      .content_type = "application/x-www-form-urlencoded",
                      .body = body, .body_len = strlen(body),
                      .now_unix_us = now};
  gs_vtn_resp_t r;
  gs_vtn_handle(vtn, &req, &r);
  ck_assert_int_eq(r.status, 200);
  cJSON *j = cJSON_Parse(r.body);
  free(r.body);
  const cJSON *t = cJSON_GetObjectItem(j, "access_token");
  ck_assert(cJSON_IsString(t));
  char *s = strdup(t->valuestring);
  cJSON_Delete(j);
  return s;
}

static char *token_for(const char *id, const char *secret_enc) {
  return token_at(id, secret_enc, T0 + 1000000);
}

static const char *str(const cJSON *o, const char *key) {
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(j) ? j->valuestring : "(none)";
}

/* The body of a Problem: status and title match the HTTP status. */
static void assert_problem(const cJSON *j, int status) {
  ck_assert_int_eq(cJSON_GetObjectItem(j, "status")->valueint, status);
  ck_assert(cJSON_IsString(cJSON_GetObjectItem(j, "title")));
  ck_assert(cJSON_IsString(cJSON_GetObjectItem(j, "detail")));
}

START_TEST(auth_server_announces_the_token_url) {
  cJSON *j;
  ck_assert_int_eq(call("GET", "/auth/server", NULL, NULL, NULL, &j), 200);
  ck_assert_str_eq(str(j, "tokenURL"), "http://vtn.test:8080/auth/token");
  cJSON_Delete(j);
  ck_assert_int_eq(call("POST", "/auth/server", NULL, NULL, "{}", &j), 405);
  assert_problem(j, 405);
  cJSON_Delete(j);
}
END_TEST

/* Each malformed token request and the RFC 6749 error it earns. */
static const struct {
  const char *ctype, *body, *error;
  int status;
} bad_tokens[] = {
    {"application/json", "{}", "invalid_request", 400},
    {"application/x-www-form-urlencoded", "client_id=ven1&client_secret=s1",
     "invalid_request", 400},
    {"application/x-www-form-urlencoded",
     "grant_type=password&client_id=ven1&client_secret=s1",
     "unsupported_grant_type", 400},
    {"application/x-www-form-urlencoded",
     "grant_type=client_credentials&client_id=ven1&client_secret=nope",
     "invalid_client", 401},
    {"application/x-www-form-urlencoded",
     "grant_type=client_credentials&client_id=ven1&client_id=ven1&"
     "client_secret=s1", "invalid_request", 400},
    {"application/x-www-form-urlencoded",
     "grant_type=client_credentials&client_id=ven1&client_secret=s1&"
     "scope=write_programs", "invalid_scope", 400},
    {"application/x-www-form-urlencoded",
     "grant_type=client_credentials&client_id=ven1&client_secret=%zz",
     "invalid_request", 400},
};

START_TEST(bad_token_requests_get_oauth_errors) {
  gs_vtn_req_t req = {.method = "POST", .path = "/auth/token",
                      .content_type = bad_tokens[_i].ctype,
                      .body = bad_tokens[_i].body,
                      .body_len = strlen(bad_tokens[_i].body),
                      .now_unix_us = T0};
  gs_vtn_resp_t r;
  gs_vtn_handle(vtn, &req, &r);
  ck_assert_int_eq(r.status, bad_tokens[_i].status);
  cJSON *j = cJSON_Parse(r.body);
  free(r.body);
  ck_assert_str_eq(str(j, "error"), bad_tokens[_i].error);
  assert_problem(j, bad_tokens[_i].status);
  cJSON_Delete(j);
}
END_TEST

START_TEST(basic_client_authentication_is_accepted) {
  /* "ven2:s+2%26x" is "ven2" / "s 2&x" once form-decoded. */
  const char *body = "grant_type=client_credentials";
  gs_vtn_req_t req = {.method = "POST", .path = "/auth/token",
                      .content_type = "application/x-www-form-urlencoded",
                      .authorization = "Basic dmVuMjpzKzIlMjZ4",
                      .body = body, .body_len = strlen(body),
                      .now_unix_us = T0};
  gs_vtn_resp_t r;
  gs_vtn_handle(vtn, &req, &r);
  ck_assert_int_eq(r.status, 200);
  free(r.body);
  req.authorization = "Basic dmVuMjpub3BlCg==";
  gs_vtn_handle(vtn, &req, &r);
  ck_assert_int_eq(r.status, 401);
  free(r.body);
  req.authorization = "Basic !!!";
  gs_vtn_handle(vtn, &req, &r);
  ck_assert_int_eq(r.status, 400);
  free(r.body);
}
END_TEST

START_TEST(tokens_work_until_they_expire) {
  /* "s 2&x" form-encoded: '+' is a space, %26 an ampersand. */
  char *tok = token_for("ven2", "s+2%26x");
  cJSON *j;
  ck_assert_int_eq(call("GET", "/programs", NULL, tok, NULL, &j), 200);
  ck_assert(cJSON_IsArray(j));
  cJSON_Delete(j);
  /* token_ttl_s 10: issued at T0 + 1 s, dead at T0 + 11 s. */
  ck_assert_int_eq(call_at("GET", "/programs", NULL, tok, NULL,
                           T0 + 10900000, NULL), 200);
  ck_assert_int_eq(call_at("GET", "/programs", NULL, tok, NULL,
                           T0 + 11000000, &j), 401);
  assert_problem(j, 401);
  ck_assert_ptr_nonnull(strstr(str(j, "detail"), "expired"));
  cJSON_Delete(j);
  ck_assert_int_eq(call("GET", "/programs", NULL, NULL, NULL, &j), 401);
  assert_problem(j, 401);
  cJSON_Delete(j);
  ck_assert_int_eq(call("GET", "/programs", NULL, "0123", NULL, &j), 401);
  ck_assert_str_eq(str(j, "detail"), "unknown bearer token");
  cJSON_Delete(j);
  free(tok);
}
END_TEST

START_TEST(scopes_decide_who_writes_what) {
  char *ven = token_for("ven1", "s1"), *bl = token_for("bl", "b");
  char *ro = token_for("ro", "r");
  cJSON *j;
  const char *prog = "{\"programName\":\"p1\"}";
  ck_assert_int_eq(call("POST", "/programs", NULL, ven, prog, &j), 403);
  ck_assert_str_eq(str(j, "detail"), "this operation needs scope "
                                     "write_programs");
  cJSON_Delete(j);
  ck_assert_int_eq(call("POST", "/programs", NULL, bl, prog, &j), 201);
  ck_assert_str_eq(str(j, "id"), "program-0");
  ck_assert_str_eq(str(j, "objectType"), "PROGRAM");
  ck_assert_str_eq(str(j, "createdDateTime"), "2027-01-15T08:00:01.000Z");
  ck_assert_str_eq(str(j, "modificationDateTime"), "2027-01-15T08:00:01.000Z");
  cJSON_Delete(j);
  ck_assert_int_eq(call("POST", "/programs", NULL, bl, prog, &j), 409);
  assert_problem(j, 409);
  cJSON_Delete(j);
  /* read_targets alone may read events, not reports. */
  ck_assert_int_eq(call("GET", "/events", NULL, ro, NULL, NULL), 200);
  ck_assert_int_eq(call("GET", "/reports", NULL, ro, NULL, NULL), 403);
  /* Every client may read /notifiers: webhooks are offered. */
  ck_assert_int_eq(call("GET", "/notifiers", NULL, ro, NULL, &j), 200);
  ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "WEBHOOK")));
  cJSON_Delete(j);
  free(ven);
  free(bl);
  free(ro);
}
END_TEST

/* Requests that must earn a Problem, and the detail expected. */
static const struct {
  const char *method, *path, *body, *detail;
  int status;
} bad_reqs[] = {
    {"POST", "/reports", "{bad", "malformed JSON at byte 2 of the body", 400},
    {"POST", "/reports", NULL, "expected a JSON REPORT request body, found "
     "none", 400},
    {"POST", "/reports", "[1]", "invalid REPORT request: /: expected an "
     "object, found an array", 400},
    {"POST", "/reports", "{\"eventID\":\"event-0\",\"clientName\":\"v\"}",
     "invalid REPORT request: /resources: required, missing", 400},
    {"POST", "/reports",
     "{\"eventID\":\"event-0\",\"clientName\":\"v\",\"resources\":[{"
     "\"resourceName\":\"r\",\"intervals\":[{\"id\":\"x\",\"payloads\":[]}]}]}",
     "invalid REPORT request: /resources/0/intervals/0/id: expected an "
     "integer, found a string", 400},
    {"POST", "/reports", "{\"eventID\":\"bad id!\",\"clientName\":\"v\","
     "\"resources\":[]}", "invalid REPORT request: /eventID: expected an "
     "object id (1-128 of [a-zA-Z0-9_-]), found \"bad id!\"", 400},
    {"POST", "/reports", "{\"eventID\":\"event-9\",\"clientName\":\"v\","
     "\"resources\":[]}", "eventID 'event-9' names no EVENT", 409},
    {"POST", "/vens", "{\"objectType\":\"VEN\",\"venName\":\"v\"}",
     "invalid VEN request: /objectType: expected one of VEN_VEN_REQUEST, "
     "BL_VEN_REQUEST..., found \"VEN\"", 400},
    {"POST", "/subscriptions", "{\"clientName\":\"v\",\"objectOperations\":"
     "[{\"objects\":[\"EVENT\"],\"operations\":[\"POST\"],\"callbackUrl\":"
     "\"http://x\"}]}", "invalid SUBSCRIPTION request: /objectOperations/0/"
     "operations/0: expected one of READ, CREATE..., found \"POST\"", 400},
    {"POST", "/events", "{\"programID\":\"p\",\"intervalPeriod\":{\"start\":"
     "\"yesterday\"}}", "this operation needs scope write_events", 403},
    {"GET", "/events/event-77", NULL, "no EVENT with id 'event-77'", 404},
    {"GET", "/nothing", NULL, "no such path: /nothing", 404},
    {"GET", "/events/a/b", NULL, "no such path: /events/a/b", 404},
    {"PATCH", "/events/event-0", NULL, "PATCH is not allowed on "
     "/events/event-0", 405},
    {"GET", "/events", NULL, NULL, 200},
};

START_TEST(bad_requests_get_problems) {
  char *tok = token_for("ven1", "s1");
  cJSON *j;
  ck_assert_int_eq(call(bad_reqs[_i].method, bad_reqs[_i].path, NULL, tok,
                        bad_reqs[_i].body, &j), bad_reqs[_i].status);
  if (bad_reqs[_i].detail) {
    assert_problem(j, bad_reqs[_i].status);
    ck_assert_str_eq(str(j, "detail"), bad_reqs[_i].detail);
  }
  cJSON_Delete(j);
  free(tok);
}
END_TEST

START_TEST(bodies_past_the_bound_are_refused) {
  char *tok = token_for("ven1", "s1");
  char auth[128];
  snprintf(auth, sizeof auth, "Bearer %s", tok);
  gs_vtn_req_t req = {.method = "POST", .path = "/reports",
                      .authorization = auth, .body_too_large = true,
                      .now_unix_us = T0};
  gs_vtn_resp_t r;
  gs_vtn_handle(vtn, &req, &r);
  ck_assert_int_eq(r.status, 413);
  ck_assert_ptr_nonnull(strstr(r.body, "larger than 2048 bytes"));
  free(r.body);
  free(tok);
}
END_TEST

/* Adds event `i` of program `pid` with targets [t] (or none if NULL). */
static void add_event(const char *pid, int i, const char *t) {
  char text[512];
  snprintf(text, sizeof text,
           "{\"programID\":\"%s\",\"eventName\":\"e%d\",%s%s%s"
           "\"intervals\":[{\"id\":0,\"payloads\":[{\"type\":\"SIMPLE\","
           "\"values\":[1]}]}]}",
           pid, i, t ? "\"targets\":[\"" : "", t ? t : "", t ? "\"]," : "");
  cJSON *req = cJSON_Parse(text);
  gs_errbuf_t eb = {{0}};
  ck_assert_msg(gs_vtn_add_event(vtn, req, T0, &eb) != NULL, "%s", eb.msg);
  cJSON_Delete(req);
}

START_TEST(queries_filter_and_page) {
  gs_errbuf_t eb = {{0}};
  cJSON *p = cJSON_Parse("{\"programName\":\"a\"}");
  ck_assert_str_eq(gs_vtn_add_program(vtn, p, T0, &eb), "program-0");
  cJSON_Delete(p);
  p = cJSON_Parse("{\"programName\":\"b\"}");
  ck_assert_str_eq(gs_vtn_add_program(vtn, p, T0, &eb), "program-1");
  cJSON_Delete(p);
  /* 120 events: every third targets g1, every third g2, the rest none;
   * the last 20 in program b. */
  for (int i = 0; i < 120; i++)
    add_event(i < 100 ? "program-0" : "program-1", i,
              i % 3 == 0 ? "g1" : i % 3 == 1 ? "g2" : NULL);
  char *tok = token_for("bl", "b");
  cJSON *j;
  ck_assert_int_eq(call("GET", "/events", NULL, tok, NULL, &j), 200);
  ck_assert_int_eq(cJSON_GetArraySize(j), 50); /* the spec's maximum page */
  cJSON_Delete(j);
  ck_assert_int_eq(call("GET", "/events", "skip=100&limit=50", tok, NULL, &j),
                   200);
  ck_assert_int_eq(cJSON_GetArraySize(j), 20);
  ck_assert_str_eq(str(j->child, "eventName"), "e100");
  cJSON_Delete(j);
  ck_assert_int_eq(call("GET", "/events", "programID=program-1&limit=5", tok,
                        NULL, &j), 200);
  ck_assert_int_eq(cJSON_GetArraySize(j), 5);
  ck_assert_str_eq(str(j->child, "programID"), "program-1");
  cJSON_Delete(j);
  /* targets=g1: 40 targeted at g1 and 40 untargeted. */
  ck_assert_int_eq(call("GET", "/events", "targets=g1&skip=50", tok, NULL, &j),
                   200);
  ck_assert_int_eq(cJSON_GetArraySize(j), 30);
  cJSON_Delete(j);
  ck_assert_int_eq(call("GET", "/events", "targets=g1&targets=g2&skip=100",
                        tok, NULL, &j), 200);
  ck_assert_int_eq(cJSON_GetArraySize(j), 20);
  cJSON_Delete(j);
  static const char *const bad[] = {"limit=51", "limit=-1", "skip=x",
                                    "skip=", "limit=1e3"};
  for (size_t i = 0; i < 5; i++) {
    ck_assert_int_eq(call("GET", "/events", bad[i], tok, NULL, &j), 400);
    assert_problem(j, 400);
    cJSON_Delete(j);
  }
  free(tok);
}
END_TEST

START_TEST(vens_read_events_by_their_granted_targets) {
  gs_errbuf_t eb = {{0}};
  cJSON *p = cJSON_Parse("{\"programName\":\"a\"}");
  gs_vtn_add_program(vtn, p, T0, &eb);
  cJSON_Delete(p);
  add_event("program-0", 0, "home");      /* the group */
  add_event("program-0", 1, "shop-0001"); /* another VEN */
  add_event("program-0", 2, NULL);        /* everyone */
  char *tok = token_for("ven1", "s1");
  cJSON *j;
  ck_assert_int_eq(call("POST", "/vens", NULL, tok,
                        "{\"objectType\":\"VEN_VEN_REQUEST\","
                        "\"venName\":\"home-0003\"}", &j), 201);
  ck_assert_str_eq(str(j, "clientID"), "ven1");
  ck_assert_str_eq(str(j, "objectType"), "VEN");
  const cJSON *t = cJSON_GetObjectItem(j, "targets");
  ck_assert_int_eq(cJSON_GetArraySize(t), 2);
  ck_assert_str_eq(cJSON_GetArrayItem(t, 1)->valuestring, "home");
  cJSON_Delete(j);
  ck_assert_int_eq(seen.enrolled, 1);
  ck_assert_int_eq(call("POST", "/vens", NULL, tok,
                        "{\"objectType\":\"VEN_VEN_REQUEST\","
                        "\"venName\":\"home-0003\"}", &j), 409);
  cJSON_Delete(j);
  ck_assert_int_eq(call("GET", "/events", NULL, tok, NULL, &j), 200);
  ck_assert_int_eq(cJSON_GetArraySize(j), 2);
  ck_assert_str_eq(str(cJSON_GetArrayItem(j, 0), "eventName"), "e0");
  ck_assert_str_eq(str(cJSON_GetArrayItem(j, 1), "eventName"), "e2");
  cJSON_Delete(j);
  free(tok);
}
END_TEST

START_TEST(reports_are_private_and_reach_the_hook) {
  gs_errbuf_t eb = {{0}};
  cJSON *p = cJSON_Parse("{\"programName\":\"a\"}");
  gs_vtn_add_program(vtn, p, T0, &eb);
  cJSON_Delete(p);
  add_event("program-0", 0, NULL);
  char *t1 = token_for("ven1", "s1"), *t2 = token_for("ven2", "s+2%26x");
  char *bl = token_for("bl", "b");
  const char *rep =
      "{\"eventID\":\"event-0\",\"clientName\":\"home-0001\",\"clientID\":"
      "\"spoofed\",\"resources\":[{\"resourceName\":\"m\",\"intervals\":[{"
      "\"id\":0,\"payloads\":[{\"type\":\"USAGE\",\"values\":[1.5]}]}]}]}";
  cJSON *j;
  ck_assert_int_eq(call("POST", "/reports", NULL, t1, rep, &j), 201);
  ck_assert_str_eq(str(j, "clientID"), "ven1"); /* from the token */
  ck_assert_str_eq(str(j, "id"), "report-0");
  cJSON_Delete(j);
  ck_assert_int_eq(seen.reports, 1);
  ck_assert_int_eq(call("GET", "/reports", NULL, t2, NULL, &j), 200);
  ck_assert_int_eq(cJSON_GetArraySize(j), 0);
  cJSON_Delete(j);
  ck_assert_int_eq(call("GET", "/reports/report-0", NULL, t2, NULL, NULL), 404);
  ck_assert_int_eq(call("GET", "/reports", "eventID=event-0", t1, NULL, &j),
                   200);
  ck_assert_int_eq(cJSON_GetArraySize(j), 1);
  cJSON_Delete(j);
  ck_assert_int_eq(call("GET", "/reports", "clientName=x", bl, NULL, &j), 200);
  ck_assert_int_eq(cJSON_GetArraySize(j), 0);
  cJSON_Delete(j);
  /* An update keeps the id and creation time and reaches the hook too. */
  ck_assert_int_eq(call_at("PUT", "/reports/report-0", NULL, t1, rep,
                           T0 + 5000000, &j), 200);
  ck_assert_str_eq(str(j, "id"), "report-0");
  ck_assert_str_eq(str(j, "createdDateTime"), "2027-01-15T08:00:01.000Z");
  ck_assert_str_eq(str(j, "modificationDateTime"), "2027-01-15T08:00:05.000Z");
  cJSON_Delete(j);
  ck_assert_int_eq(seen.reports, 2);
  ck_assert_int_eq(call("DELETE", "/reports/report-0", NULL, t2, NULL, NULL),
                   404);
  ck_assert_int_eq(call("DELETE", "/reports/report-0", NULL, t1, NULL, NULL),
                   200);
  ck_assert_int_eq(call("GET", "/reports", NULL, bl, NULL, &j), 200);
  ck_assert_int_eq(cJSON_GetArraySize(j), 0);
  cJSON_Delete(j);
  free(t1);
  free(t2);
  free(bl);
}
END_TEST

START_TEST(subscribers_hear_of_new_events) {
  gs_errbuf_t eb = {{0}};
  cJSON *p = cJSON_Parse("{\"programName\":\"a\"}");
  gs_vtn_add_program(vtn, p, T0, &eb);
  cJSON_Delete(p);
  p = cJSON_Parse("{\"programName\":\"b\"}");
  gs_vtn_add_program(vtn, p, T0, &eb);
  cJSON_Delete(p);
  char *tok = token_for("ven1", "s1");
  ck_assert_int_eq(
      call("POST", "/subscriptions", NULL, tok,
           "{\"clientName\":\"home-0001\",\"programID\":\"program-0\","
           "\"objectOperations\":[{\"objects\":[\"EVENT\"],\"operations\":"
           "[\"CREATE\",\"UPDATE\"],\"callbackUrl\":\"http://127.0.0.1:9/cb\","
           "\"bearerToken\":\"cbtok\"}],\"targets\":[\"home\"]}", NULL),
      201);
  add_event("program-1", 0, NULL);   /* another program: not heard */
  add_event("program-0", 1, "shop"); /* other targets: not heard */
  ck_assert_int_eq(seen.notes, 0);
  add_event("program-0", 2, "home");
  ck_assert_int_eq(seen.notes, 1);
  ck_assert_str_eq(seen.last_url, "http://127.0.0.1:9/cb");
  ck_assert_str_eq(seen.last_bearer, "cbtok");
  cJSON *n = cJSON_Parse(seen.last_body);
  ck_assert_str_eq(str(n, "objectType"), "EVENT");
  ck_assert_str_eq(str(n, "operation"), "CREATE");
  ck_assert_str_eq(str(cJSON_GetObjectItem(n, "object"), "eventName"), "e2");
  cJSON_Delete(n);
  add_event("program-0", 3, NULL); /* untargeted: everyone hears */
  ck_assert_int_eq(seen.notes, 2);
  free(tok);
}
END_TEST

START_TEST(event_updates_keep_identity_and_notify) {
  gs_errbuf_t eb = {{0}};
  cJSON *p = cJSON_Parse("{\"programName\":\"a\"}");
  gs_vtn_add_program(vtn, p, T0, &eb);
  cJSON_Delete(p);
  char *tok = token_for("ven1", "s1");
  ck_assert_int_eq(
      call("POST", "/subscriptions", NULL, tok,
           "{\"clientName\":\"v\",\"objectOperations\":[{\"objects\":"
           "[\"EVENT\"],\"operations\":[\"UPDATE\"],\"callbackUrl\":"
           "\"http://127.0.0.1:9/cb\"}]}", NULL), 201);
  /* An event over one hour from T0, then cut to ten minutes. */
  cJSON *ev = cJSON_Parse(
      "{\"programID\":\"program-0\",\"intervalPeriod\":{\"start\":"
      "\"2027-01-15T08:00:00Z\",\"duration\":\"PT1H\"},\"intervals\":"
      "[{\"id\":0,\"payloads\":[{\"type\":\"SIMPLE\",\"values\":[1]}]}]}");
  ck_assert_str_eq(gs_vtn_add_event(vtn, ev, T0, &eb), "event-0");
  ck_assert_int_eq(seen.notes, 0); /* CREATE was not subscribed to */
  cJSON_ReplaceItemInObject(cJSON_GetObjectItem(ev, "intervalPeriod"),
                            "duration", cJSON_CreateString("PT10M"));
  ck_assert_int_eq(gs_vtn_update_event(vtn, "event-0", ev, T0 + 60000000,
                                       &eb), GS_OK);
  ck_assert_int_eq(seen.notes, 1);
  ck_assert_ptr_nonnull(strstr(seen.last_body, "\"operation\":\"UPDATE\""));
  ck_assert_int_eq(gs_vtn_update_event(vtn, "event-9", ev, T0, &eb),
                   GS_ENOTFOUND);
  cJSON_Delete(ev);
  /* active=true leaves out events that have transpired. */
  cJSON *j;
  free(tok);
  tok = token_at("ven1", "s1", T0 + 598000000);
  ck_assert_int_eq(call_at("GET", "/events", "active=true", tok, NULL,
                           T0 + 599000000, &j), 200);
  ck_assert_int_eq(cJSON_GetArraySize(j), 1);
  ck_assert_str_eq(str(j->child, "createdDateTime"),
                   "2027-01-15T08:00:00.000Z");
  ck_assert_str_eq(str(j->child, "modificationDateTime"),
                   "2027-01-15T08:01:00.000Z");
  cJSON_Delete(j);
  ck_assert_int_eq(call_at("GET", "/events", "active=true", tok, NULL,
                           T0 + 601000000, &j), 200);
  ck_assert_int_eq(cJSON_GetArraySize(j), 0);
  cJSON_Delete(j);
  ck_assert_int_eq(call_at("GET", "/events", "active=false", tok, NULL,
                           T0 + 601000000, &j), 200);
  ck_assert_int_eq(cJSON_GetArraySize(j), 1);
  cJSON_Delete(j);
  free(tok);
}
END_TEST

START_TEST(the_mqtt_notifier_names_and_uses_topics) {
  cJSON *j;
  char *bl = token_for("bl", "b");
  /* Not configured: no MQTT in /notifiers, no topics. */
  ck_assert_int_eq(call("GET", "/notifiers", NULL, bl, NULL, &j), 200);
  ck_assert_ptr_null(cJSON_GetObjectItem(j, "MQTT"));
  cJSON_Delete(j);
  ck_assert_int_eq(call("GET", "/notifiers/mqtt/topics/events", NULL, bl,
                        NULL, NULL), 404);
  free(bl);
  teardown();
  make("{\"clients\":[{\"id\":\"v\",\"secret\":\"s\",\"role\":\"ven\"},"
       "{\"id\":\"w\",\"secret\":\"s\",\"role\":\"ven\"},"
       "{\"id\":\"bl\",\"secret\":\"b\",\"role\":\"bl\"}],"
       "\"mqtt\":{\"url\":\"mqtt://127.0.0.1:1883\",\"topic_prefix\":\"oa\"}}");
  bl = token_for("bl", "b");
  char *ven = token_for("v", "s"), *other = token_for("w", "s");
  ck_assert_int_eq(call("GET", "/notifiers", NULL, ven, NULL, &j), 200);
  const cJSON *m = cJSON_GetObjectItem(j, "MQTT");
  ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(m, "URIS"), 0)
                       ->valuestring, "mqtt://127.0.0.1:1883");
  ck_assert_str_eq(str(m, "serialization"), "JSON");
  ck_assert_str_eq(str(cJSON_GetObjectItem(m, "authentication"), "method"),
                   "ANONYMOUS");
  cJSON_Delete(j);
  ck_assert_int_eq(call("GET", "/notifiers/mqtt/topics/events", NULL, ven,
                        NULL, NULL), 403);
  ck_assert_int_eq(call("GET", "/notifiers/mqtt/topics/events", NULL, bl,
                        NULL, &j), 200);
  const cJSON *t = cJSON_GetObjectItem(j, "topics");
  ck_assert_str_eq(str(t, "CREATE"), "oa/events/create");
  ck_assert_str_eq(str(t, "ALL"), "oa/events/+");
  cJSON_Delete(j);
  gs_errbuf_t eb = {{0}};
  cJSON *p = cJSON_Parse("{\"programName\":\"a\"}");
  gs_vtn_add_program(vtn, p, T0, &eb);
  cJSON_Delete(p);
  ck_assert_int_eq(seen.n_topics, 1);
  ck_assert_str_eq(seen.topics[0], "oa/programs/create");
  ck_assert_int_eq(call("GET", "/notifiers/mqtt/topics/programs/program-0",
                        NULL, bl, NULL, &j), 200);
  t = cJSON_GetObjectItem(j, "topics");
  ck_assert_ptr_null(cJSON_GetObjectItem(t, "CREATE")); /* exists already */
  ck_assert_str_eq(str(t, "UPDATE"), "oa/programs/program-0/update");
  cJSON_Delete(j);
  ck_assert_int_eq(call("POST", "/vens", NULL, ven,
                        "{\"objectType\":\"VEN_VEN_REQUEST\","
                        "\"venName\":\"home-0001\"}", NULL), 201);
  ck_assert_int_eq(call("GET", "/notifiers/mqtt/topics/vens/ven-0/events",
                        NULL, ven, NULL, &j), 200);
  ck_assert_str_eq(str(cJSON_GetObjectItem(j, "topics"), "CREATE"),
                   "oa/vens/ven-0/events/create");
  cJSON_Delete(j);
  ck_assert_int_eq(call("GET", "/notifiers/mqtt/topics/vens/ven-0/events",
                        NULL, other, NULL, NULL), 404);
  ck_assert_int_eq(call("GET", "/notifiers/mqtt/topics/vens/ven-0/nope",
                        NULL, ven, NULL, NULL), 404);
  seen.n_topics = 0;
  add_event("program-0", 0, "shop"); /* not this VEN's */
  ck_assert_int_eq(seen.n_topics, 2);
  ck_assert_str_eq(seen.topics[0], "oa/events/create");
  ck_assert_str_eq(seen.topics[1], "oa/programs/program-0/events/create");
  seen.n_topics = 0;
  add_event("program-0", 1, "home");
  ck_assert_int_eq(seen.n_topics, 3);
  ck_assert_str_eq(seen.topics[2], "oa/vens/ven-0/events/create");
  free(bl);
  free(ven);
  free(other);
}
END_TEST

START_TEST(fault_knobs_answer_503) {
  teardown();
  make("{\"clients\":[{\"id\":\"v\",\"secret\":\"s\",\"role\":\"ven\"}],"
       "\"faults\":{\"unavailable\":[{\"from_s\":10,\"to_s\":20}],"
       "\"unavailable_after_requests\":2,\"unavailable_requests\":3,"
       "\"paths\":[\"/events\"],\"retry_after_s\":7}}");
  char *tok = token_for("v", "s");
  int got[7];
  for (int i = 0; i < 7; i++)
    got[i] = call("GET", "/events", NULL, tok, NULL, NULL);
  int want[7] = {200, 200, 503, 503, 503, 200, 200};
  for (int i = 0; i < 7; i++) ck_assert_int_eq(got[i], want[i]);
  /* Other paths are never faulted; the window holds from 10 to 20 s. */
  ck_assert_int_eq(call_at("GET", "/programs", NULL, tok, NULL,
                           T0 + 15000000, NULL), 200);
  gs_vtn_req_t req = {.method = "GET", .path = "/events",
                      .now_unix_us = T0 + 15000000};
  gs_vtn_resp_t r;
  gs_vtn_handle(vtn, &req, &r);
  ck_assert_int_eq(r.status, 503);
  ck_assert_int_eq(r.retry_after_s, 7);
  free(r.body);
  ck_assert_int_eq(call_at("GET", "/events", NULL, tok, NULL, T0 + 20000000,
                           NULL), 200);
  free(tok);
}
END_TEST

/* Config files that must be refused, and the message. */
static const struct {
  const char *text, *msg;
} bad_cfgs[] = {
    {"{\"clients\":[]}", "c.json: $.clients: expected a non-empty array of "
     "clients, found an array"},
    {"{\"clients\":[{\"id\":\"a\",\"secret\":\"b\",\"role\":\"x\"}]}",
     "c.json: $.clients[0].role: expected \"ven\" or \"bl\", found a string"},
    {"{\"clients\":[{\"id\":\"a\",\"secret\":\"b\",\"scopes\":[\"fly\"]}]}",
     "c.json: $.clients[0].scopes[0]: expected one of read_all, read_targets, "
     "read_ven_objects, write_programs, write_events, write_reports, "
     "write_subscriptions, write_vens, found a string"},
    {"{\"clients\":[{\"id\":\"a\",\"secret\":\"b\",\"role\":\"ven\"},"
     "{\"id\":\"a\",\"secret\":\"c\",\"role\":\"bl\"}]}",
     "c.json: $.clients[1].id: expected a unique client id, found \"a\" again "
     "(also at $.clients[0])"},
    {"{\"clients\":[{\"id\":\"a\",\"secret\":\"b\",\"role\":\"ven\"}],"
     "\"token_ttl\":5}", "c.json: $.token_ttl: unknown key (expected one of "
     "the documented keys, see README)"},
    {"{\"clients\":[{\"id\":\"a\",\"secret\":\"b\",\"role\":\"ven\"}],"
     "\"token_ttl_s\":0}", "c.json: $.token_ttl_s: expected a number from 1 "
     "to 1e+08, found 0"},
    {"{\"clients\":[{\"id\":\"a\",\"secret\":\"b\",\"role\":\"ven\"}],"
     "\"faults\":{\"unavailable\":[{\"from_s\":5,\"to_s\":2}]}}",
     "c.json: $.faults.unavailable[0].to_s: expected a number from 5 to "
     "1e+09, found 2"},
    {"{\"clients\":[{\"id\":\"a\",\"secret\":\"b\",\"role\":\"ven\"}],"
     "\"faults\":{\"paths\":[\"events\"]}}", "c.json: $.faults.paths[0]: "
     "expected a path prefix starting with '/', found a string"},
    {"{\"clients\":[{\"id\":\"a\",\"role\":\"ven\"}]}",
     "c.json: $.clients[0].secret: expected a non-empty string, found "
     "nothing"},
    {"[1", "c.json: not valid JSON near ''"},
    {"{\"clients\":[{\"id\":\"a\",\"secret\":\"b\",\"role\":\"ven\"}],"
     "\"mqtt\":{\"url\":\"tcp://x\"}}", "c.json: $.mqtt.url: expected "
     "mqtt://HOST[:PORT], found 'tcp://x'"},
    {"{\"clients\":[{\"id\":\"a\",\"secret\":\"b\",\"role\":\"ven\"}],"
     "\"mqtt\":{\"url\":\"mqtt://x\",\"qos\":2}}", "c.json: $.mqtt.qos: "
     "expected an integer from 0 to 1, found 2"},
};

START_TEST(bad_configs_name_path_expected_found) {
  gs_errbuf_t eb = {{0}};
  gs_vtn_cfg_t *c = NULL;
  ck_assert_int_eq(gs_vtn_cfg_parse(bad_cfgs[_i].text, "c.json", &c, &eb),
                   GS_EINVAL);
  ck_assert_ptr_null(c);
  ck_assert_str_eq(eb.msg, bad_cfgs[_i].msg);
}
END_TEST

START_TEST(times_and_durations) {
  char buf[48];
  gs__vtn_datetime(T0 + 1500, buf, sizeof buf);
  ck_assert_str_eq(buf, "2027-01-15T08:00:00.001Z");
  gs__vtn_datetime(0, buf, sizeof buf);
  ck_assert_str_eq(buf, "1970-01-01T00:00:00.000Z");
  int64_t us;
  ck_assert(gs__vtn_parse_datetime("2027-01-15T08:00:00Z", &us));
  ck_assert_int_eq(us, T0);
  ck_assert(gs__vtn_parse_datetime("2027-01-15T09:30:00.5+01:30", &us));
  ck_assert_int_eq(us, T0 + 500000);
  ck_assert(gs__vtn_parse_datetime("0001-01-01T00:00:00Z", &us));
  ck_assert(!gs__vtn_parse_datetime("2027-01-15", &us));
  ck_assert(!gs__vtn_parse_datetime("2027-13-15T00:00:00Z", &us));
  gs__vtn_duration(3600000000LL, buf, sizeof buf);
  ck_assert_str_eq(buf, "PT3600S");
  gs__vtn_duration(1500000, buf, sizeof buf);
  ck_assert_str_eq(buf, "PT1.500000S");
  ck_assert(gs__vtn_parse_duration("PT1H30M", &us));
  ck_assert_int_eq(us, 5400000000LL);
  ck_assert(gs__vtn_parse_duration("P1DT0.5S", &us));
  ck_assert_int_eq(us, 86400500000LL);
  ck_assert(gs__vtn_parse_duration("P9999Y", &us));
  ck_assert(!gs__vtn_parse_duration("PT", &us));
  ck_assert(!gs__vtn_parse_duration("P1H", &us));
  ck_assert(!gs__vtn_parse_duration("1H", &us));
}
END_TEST

static const char scn_text[] =
    "{\"name\":\"map\",\"start\":\"2027-01-15T08:00:00Z\",\"duration_s\":7200,"
    "\"fleet\":[{\"name\":\"home\",\"count\":4,\"loads\":[]},"
    "{\"name\":\"shop\",\"count\":2,\"loads\":[]}],"
    "\"program\":{\"events\":["
    "{\"id\":\"shed\",\"start_s\":600,\"duration_s\":1800,\"requested_kw\":12},"
    "{\"id\":\"simple\",\"start_s\":900,\"duration_s\":600,\"target\":"
    "{\"group\":\"shop\"},\"signal\":{\"type\":\"SIMPLE\",\"level\":3}},"
    "{\"id\":\"price\",\"start_s\":1200,\"duration_s\":7200,\"target\":"
    "{\"vens\":[\"home-0001\",\"shop-0000\"]},\"signal\":{\"type\":\"PRICE\","
    "\"interval_s\":3600,\"prices\":[0.1,0.25]}},"
    "{\"id\":\"cap\",\"start_s\":1500,\"duration_s\":300,\"signal\":"
    "{\"type\":\"EXPORT_CAPACITY_LIMIT\",\"kw\":2.5}}]}}";

/* The payload of interval `i` of event `ev`: its type and first value. */
static double payload(const cJSON *ev, int i, const char **type) {
  const cJSON *iv = cJSON_GetArrayItem(cJSON_GetObjectItem(ev, "intervals"), i);
  const cJSON *pl = cJSON_GetArrayItem(cJSON_GetObjectItem(iv, "payloads"), 0);
  *type = str(pl, "type");
  return cJSON_GetArrayItem(cJSON_GetObjectItem(pl, "values"), 0)->valuedouble;
}

START_TEST(scenario_events_map_to_openadr) {
  gs_errbuf_t eb = {{0}};
  gs_scenario_t *s = NULL;
  ck_assert_msg(gs_scenario_load_string(scn_text, "map.json", NULL, &s, &eb) ==
                    GS_OK, "%s", eb.msg);
  ck_assert(!gs_vtn_scn_needs_world(s));
  cJSON *prog = gs_vtn_scn_program(s, T0);
  const char *pid = gs_vtn_add_program(vtn, prog, T0, &eb);
  ck_assert_str_eq(pid, "program-0");
  ck_assert_str_eq(str(prog, "programName"), "map");
  cJSON_Delete(prog);
  cJSON *ev[4];
  for (int k = 0; k < 4; k++) {
    ev[k] = gs_vtn_scn_event(s, (size_t)k, "program-0", T0, NULL);
    ck_assert_ptr_nonnull(ev[k]);
    /* Every mapped event passes the 3.1.0 request schema. */
    ck_assert_msg(gs_vtn_add_event(vtn, ev[k], T0, &eb) != NULL, "%s", eb.msg);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(ev[k],
                                        "reportDescriptors")), 4);
  }
  const char *type;
  const cJSON *ip = cJSON_GetObjectItem(ev[0], "intervalPeriod");
  ck_assert_str_eq(str(ip, "start"), "2027-01-15T08:10:00.000Z");
  ck_assert_str_eq(str(ip, "duration"), "PT1800S");
  ck_assert_ptr_null(cJSON_GetObjectItem(ev[0], "targets"));
  ck_assert_double_eq_tol(payload(ev[0], 0, &type), -2.0, 1e-12); /* -12/6 */
  ck_assert_str_eq(type, "DISPATCH_SETPOINT_RELATIVE");
  ck_assert_double_eq(payload(ev[1], 0, &type), 3);
  ck_assert_str_eq(type, "SIMPLE");
  ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(ev[1], "targets"),
                                      0)->valuestring, "shop");
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(ev[2], "targets")),
                   2);
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(ev[2], "intervals")),
                   2);
  ck_assert_double_eq_tol(payload(ev[2], 1, &type), 0.25, 1e-12);
  ck_assert_str_eq(type, "PRICE");
  const cJSON *iv1 = cJSON_GetArrayItem(cJSON_GetObjectItem(ev[2], "intervals"),
                                        1);
  ck_assert_str_eq(str(cJSON_GetObjectItem(iv1, "intervalPeriod"), "start"),
                   "2027-01-15T09:20:00.000Z");
  ck_assert_double_eq_tol(payload(ev[3], 0, &type), 2.5, 1e-12);
  ck_assert_str_eq(type, "EXPORT_CAPACITY_LIMIT");
  const cJSON *rd = cJSON_GetObjectItem(ev[3], "reportDescriptors");
  ck_assert_str_eq(str(cJSON_GetArrayItem(rd, 0), "payloadType"), "USAGE");
  ck_assert_str_eq(str(cJSON_GetArrayItem(rd, 3), "payloadType"),
                   "LOAD_SHED_DELTA_AVAILABLE");
  for (int k = 0; k < 4; k++) cJSON_Delete(ev[k]);
  gs_scenario_free(s);
}
END_TEST

START_TEST(unknown_versions_are_refused) {
  gs_errbuf_t eb = {{0}};
  ck_assert_ptr_null(gs_vtn_create(cfg, "3.0.1", NULL, T0, &eb));
  ck_assert_str_eq(eb.msg, "OpenADR version '3.0.1' is not supported "
                           "(expected 3.1.0; 3.0.1 is not implemented yet)");
  ck_assert_str_eq(gs_vtn_versions[0], "3.1.0");
}
END_TEST

Suite *vtn_suite(void) {
  Suite *s = suite_create("vtn");
  TCase *tc = tcase_create("vtn");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, auth_server_announces_the_token_url);
  tcase_add_loop_test(tc, bad_token_requests_get_oauth_errors, 0,
                      (int)(sizeof bad_tokens / sizeof bad_tokens[0]));
  tcase_add_test(tc, basic_client_authentication_is_accepted);
  tcase_add_test(tc, tokens_work_until_they_expire);
  tcase_add_test(tc, scopes_decide_who_writes_what);
  tcase_add_loop_test(tc, bad_requests_get_problems, 0,
                      (int)(sizeof bad_reqs / sizeof bad_reqs[0]));
  tcase_add_test(tc, bodies_past_the_bound_are_refused);
  tcase_add_test(tc, queries_filter_and_page);
  tcase_add_test(tc, vens_read_events_by_their_granted_targets);
  tcase_add_test(tc, reports_are_private_and_reach_the_hook);
  tcase_add_test(tc, subscribers_hear_of_new_events);
  tcase_add_test(tc, event_updates_keep_identity_and_notify);
  tcase_add_test(tc, the_mqtt_notifier_names_and_uses_topics);
  tcase_add_test(tc, fault_knobs_answer_503);
  tcase_add_loop_test(tc, bad_configs_name_path_expected_found, 0,
                      (int)(sizeof bad_cfgs / sizeof bad_cfgs[0]));
  tcase_add_test(tc, times_and_durations);
  tcase_add_test(tc, scenario_events_map_to_openadr);
  tcase_add_test(tc, unknown_versions_are_refused);
  suite_add_tcase(s, tc);
  return s;
}
