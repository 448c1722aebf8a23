/* SPDX-License-Identifier: MIT */
/* Benchmark of the VTN's request handling without sockets: what one core
 * answers per second for N VENs registering, polling events and reporting.
 *
 * usage: bench_vtn [VENS] [POLLS_PER_VEN]   (defaults 1000, 20) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vtn.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t T0 = 1800000000000000LL;

static int handle(gs_vtn_t *v, const char *method, const char *path,
                  const char *const *keys, const char *const *vals, size_t n,
                  const char *auth, const char *ctype, const char *body,
                  char **out) {
  gs_vtn_req_t req = {.method = method, .path = path, .query_keys = keys,
                      .query_vals = vals, .n_query = n, .authorization = auth,
                      .content_type = ctype, .body = body,
                      .body_len = body ? strlen(body) : 0,
                      .now_unix_us = T0};
  gs_vtn_resp_t r;
  gs_vtn_handle(v, &req, &r);
  if (out) *out = r.body;
  else free(r.body);
  return r.status;
}

int main(int argc, char **argv) {
  long vens = argc > 1 ? atol(argv[1]) : 1000;
  long polls = argc > 2 ? atol(argv[2]) : 20;
  gs_errbuf_t eb = {{0}};
  gs_vtn_cfg_t *cfg;
  if (gs_vtn_cfg_load(NULL, &cfg, &eb) != GS_OK) return 1;
  gs_vtn_t *v = gs_vtn_create(cfg, "3.1.0", NULL, T0, &eb);
  if (v == NULL) return 1;
  cJSON *p = cJSON_Parse("{\"programName\":\"bench\"}");
  gs_vtn_add_program(v, p, T0, &eb);
  cJSON_Delete(p);
  for (int e = 0; e < 10; e++) {
    char text[400];
    snprintf(text, sizeof text,
             "{\"programID\":\"program-0\",\"eventName\":\"e%d\",%s"
             "\"intervals\":[{\"id\":0,\"payloads\":[{\"type\":\"SIMPLE\","
             "\"values\":[1]}]}]}",
             e, e % 2 ? "\"targets\":[\"g1\"]," : "");
    cJSON *ev = cJSON_Parse(text);
    gs_vtn_add_event(v, ev, T0, &eb);
    cJSON_Delete(ev);
  }
  char *body = NULL;
  const char *form = "grant_type=client_credentials&client_id=ven&"
                     "client_secret=ven-secret";
  handle(v, "POST", "/auth/token", NULL, NULL, 0, NULL,
         "application/x-www-form-urlencoded", form, &body);
  cJSON *tj = cJSON_Parse(body);
  free(body);
  char auth[80];
  snprintf(auth, sizeof auth, "Bearer %s",
           cJSON_GetObjectItem(tj, "access_token")->valuestring);
  cJSON_Delete(tj);

  double t = now_s();
  for (long i = 0; i < vens; i++) {
    char b[160];
    snprintf(b, sizeof b, "{\"objectType\":\"VEN_VEN_REQUEST\","
             "\"venName\":\"g1-%06ld\"}", i);
    if (handle(v, "POST", "/vens", NULL, NULL, 0, auth, "application/json",
               b, NULL) != 201)
      return 1;
  }
  double reg_s = now_s() - t;
  t = now_s();
  const char *keys[3] = {"targets", "targets", "limit"};
  for (long k = 0; k < polls; k++)
    for (long i = 0; i < vens; i++) {
      char name[32];
      snprintf(name, sizeof name, "g1-%06ld", i);
      const char *vals[3] = {name, "g1", "50"};
      if (handle(v, "GET", "/events", keys, vals, 3, auth, NULL, NULL,
                 NULL) != 200)
        return 1;
    }
  double poll_s = now_s() - t;
  t = now_s();
  for (long i = 0; i < vens; i++) {
    char b[400];
    snprintf(b, sizeof b,
             "{\"eventID\":\"event-1\",\"clientName\":\"g1-%06ld\","
             "\"resources\":[{\"resourceName\":\"meter\",\"intervals\":[{"
             "\"id\":0,\"payloads\":[{\"type\":\"USAGE\",\"values\":[1.5]},"
             "{\"type\":\"DEMAND\",\"values\":[3.2]}]}]}]}", i);
    if (handle(v, "POST", "/reports", NULL, NULL, 0, auth, "application/json",
               b, NULL) != 201)
      return 1;
  }
  double rep_s = now_s() - t;
  printf("VTN router, %ld VENs, 10 events:\n", vens);
  printf("  register   %8.0f req/s\n", (double)vens / reg_s);
  printf("  GET events %8.0f req/s (%ld polls)\n",
         (double)(vens * polls) / poll_s, vens * polls);
  printf("  POST report%8.0f req/s\n", (double)vens / rep_s);
  printf("  => router bound (no sockets, no HTTP parsing) on VENs polling "
         "every 10 s: ~%.0f\n",
         10.0 * (double)(vens * polls) / poll_s);
  gs_vtn_destroy(v);
  gs_vtn_cfg_free(cfg);
  return 0;
}
