/* SPDX-License-Identifier: MIT */
/* OpenADR VEN role: back-off, report values, settings, the HTTP client. */
#include <arpa/inet.h>
#include <check.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gridsim/rng.h"
#include "oadr_cfg.h"
#include "oadr_http.h"
#include "oadr_ven.h"
#include "pace.h"

static gs_oadr_cfg_t default_cfg(void) {
  gs_oadr_cfg_t cfg;
  gs_errbuf_t eb = {{0}};
  cJSON *root = cJSON_Parse("{}");
  ck_assert_int_eq(gs_oadr_cfg_from_json(root, "t.json", &cfg, &eb), GS_OK);
  cJSON_Delete(root);
  return cfg;
}

START_TEST(backoff_doubles_to_its_cap_with_jitter) {
  gs_oadr_cfg_t cfg = default_cfg(); /* 0.5 s doubling to 60 s */
  ck_assert_int_eq(gs_oadr_backoff_us(&cfg, 0, 0.0), 250000);
  ck_assert_int_eq(gs_oadr_backoff_us(&cfg, 0, 1.0), 500000);
  ck_assert_int_eq(gs_oadr_backoff_us(&cfg, 1, 1.0), 1000000);
  ck_assert_int_eq(gs_oadr_backoff_us(&cfg, 3, 1.0), 4000000);
  ck_assert_int_eq(gs_oadr_backoff_us(&cfg, 7, 1.0), 60000000); /* 64 > 60 */
  ck_assert_int_eq(gs_oadr_backoff_us(&cfg, 1000, 1.0), 60000000);
  ck_assert_int_eq(gs_oadr_backoff_us(&cfg, 1000, 0.0), 30000000);
  for (uint32_t a = 0; a < 12; a++) /* never shorter for a later attempt */
    ck_assert_int_le(gs_oadr_backoff_us(&cfg, a, 0.3),
                     gs_oadr_backoff_us(&cfg, a + 1, 0.3));
  /* The jitter is the VEN's own stream: the same VEN draws the same
   * schedule in every run, another VEN another one. */
  gs_rng_t a, b, c;
  gs_rng_init(&a, 7, gs_rng_key("home-0001", 0, 0), GS_RNG_USER + 8);
  gs_rng_init(&b, 7, gs_rng_key("home-0001", 0, 0), GS_RNG_USER + 8);
  gs_rng_init(&c, 7, gs_rng_key("home-0002", 0, 0), GS_RNG_USER + 8);
  int same = 0;
  for (uint32_t k = 0; k < 8; k++) {
    int64_t da = gs_oadr_backoff_us(&cfg, k, gs_rng_uniform(&a));
    int64_t db = gs_oadr_backoff_us(&cfg, k, gs_rng_uniform(&b));
    int64_t dc = gs_oadr_backoff_us(&cfg, k, gs_rng_uniform(&c));
    ck_assert_int_eq(da, db);
    same += da == dc;
  }
  ck_assert_int_lt(same, 8);
}
END_TEST

START_TEST(report_values_from_the_meter) {
  double x;
  const int64_t h_us = 3600 * INT64_C(1000000);
  const int64_t kwh_mws = INT64_C(3600000000); /* 1 kWh in mW s */
  /* 1.5 kWh over half an hour: USAGE 1.5 kWh, DEMAND 3 kW. */
  ck_assert(gs_oadr_report_value("USAGE", "", 1000, 1000 + 3 * kwh_mws / 2,
                                 h_us / 2, 0, 0, &x));
  ck_assert_double_eq_tol(x, 1.5, 1e-12);
  ck_assert(gs_oadr_report_value("USAGE", "WH", 0, 3 * kwh_mws / 2, h_us / 2,
                                 0, 0, &x));
  ck_assert_double_eq_tol(x, 1500, 1e-9);
  ck_assert(gs_oadr_report_value("DEMAND", "KW", 0, 3 * kwh_mws / 2,
                                 h_us / 2, 0, 0, &x));
  ck_assert_double_eq_tol(x, 3.0, 1e-12);
  ck_assert(gs_oadr_report_value("DEMAND", "W", 0, 3 * kwh_mws / 2, h_us / 2,
                                 0, 0, &x));
  ck_assert_double_eq_tol(x, 3000, 1e-9);
  /* BASELINE: the VEN's own baseline, as power or as energy. */
  ck_assert(gs_oadr_report_value("BASELINE", "KW", 0, 0, h_us / 2, 2500000, 0,
                                 &x));
  ck_assert_double_eq_tol(x, 2.5, 1e-12);
  ck_assert(gs_oadr_report_value("BASELINE", "KWH", 0, 0, h_us / 2, 2500000,
                                 0, &x));
  ck_assert_double_eq_tol(x, 1.25, 1e-12);
  ck_assert(gs_oadr_report_value("LOAD_SHED_DELTA_AVAILABLE", "", 0, 0, h_us,
                                 0, 4200000, &x));
  ck_assert_double_eq_tol(x, 4.2, 1e-12);
  ck_assert(!gs_oadr_report_value("GHG", "", 0, 0, h_us, 0, 0, &x));
  ck_assert(!gs_oadr_report_value("USAGE", "KW", 0, 0, h_us, 0, 0, &x));
  ck_assert(!gs_oadr_report_value("DEMAND", "KWH", 0, 0, h_us, 0, 0, &x));
  ck_assert(!gs_oadr_report_value("DEMAND", "BTU", 0, 0, h_us, 0, 0, &x));
}
END_TEST

START_TEST(latency_quantiles_within_five_percent) {
  static gs_oadr_hist_t h; /* 4 KiB: not on the stack */
  memset(&h, 0, sizeof h);
  ck_assert(isnan(gs_oadr_hist_quantile(&h, 0.99)));
  /* 1 .. 10000 ms, one each: p50 ~ 5000, p99 ~ 9900, max exact. */
  for (int i = 1; i <= 10000; i++) gs_oadr_hist_add(&h, (double)i);
  gs_oadr_hist_add(&h, NAN); /* ignored */
  ck_assert_uint_eq(h.n, 10000);
  ck_assert_double_eq_tol(gs_oadr_hist_quantile(&h, 0.5), 5000, 250);
  ck_assert_double_eq_tol(gs_oadr_hist_quantile(&h, 0.99), 9900, 495);
  ck_assert_double_eq(gs_oadr_hist_quantile(&h, 1.0), 10000);
  gs_oadr_hist_add(&h, 1e12); /* past the top: the last bucket */
  ck_assert_double_eq(gs_oadr_hist_quantile(&h, 1.0), 1e12);
  gs_oadr_hist_add(&h, 0);
  ck_assert_uint_eq(h.count[0], 1);
}
END_TEST

/* The "oadr_ven" section `json` must fail with `msg`. */
static void cfg_error(const char *json, const char *msg) {
  cJSON *root = cJSON_Parse(json);
  ck_assert_ptr_nonnull(root);
  gs_oadr_cfg_t cfg;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_oadr_cfg_from_json(root, "t.json", &cfg, &eb),
                   GS_ESCENARIO);
  ck_assert_str_eq(eb.msg, msg);
  cJSON_Delete(root);
}

START_TEST(settings_are_validated) {
  gs_oadr_cfg_t cfg = default_cfg();
  ck_assert_int_eq(cfg.poll_us, 10000000);
  ck_assert_uint_eq(cfg.page_limit, 50);
  ck_assert_uint_eq(cfg.report_queue, 64);
  ck_assert(cfg.webhook);
  cJSON *root = cJSON_Parse("{\"oadr_ven\":{\"poll_s\":2.5,\"webhook\":false,"
                            "\"version\":\"3.1.0\",\"report_queue\":3}}");
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_oadr_cfg_from_json(root, "t.json", &cfg, &eb), GS_OK);
  ck_assert_int_eq(cfg.poll_us, 2500000);
  ck_assert(!cfg.webhook);
  ck_assert_uint_eq(cfg.report_queue, 3);
  cJSON_Delete(root);
  cfg_error("{\"oadr_ven\":{\"poll_s\":0}}",
            "t.json: oadr_ven.poll_s: expected a number in [0.05, 86400] (s), "
            "found 0");
  cfg_error("{\"oadr_ven\":[]}",
            "t.json: oadr_ven: expected an object {\"poll_s\": .., "
            "\"webhook\": ..}, found []");
  cfg_error("{\"oadr_ven\":{\"page_limit\":51}}",
            "t.json: oadr_ven.page_limit: expected an integer in [1, 50], "
            "found 51");
  cfg_error("{\"oadr_ven\":{\"backoff_min_s\":5,\"backoff_max_s\":1}}",
            "t.json: oadr_ven.backoff_max_s: expected a number >= "
            "backoff_min_s (5), found 1");
  cfg_error("{\"oadr_ven\":{\"version\":\"3.0.1\"}}",
            "t.json: oadr_ven.version: expected \"3.1.0\" (the OpenADR "
            "version spoken), found \"3.0.1\"");
  cfg_error("{\"oadr_ven\":{\"webhook\":1}}",
            "t.json: oadr_ven.webhook: expected true or false, found 1");
}
END_TEST

/* ---- the HTTP client against a small server in this process ------------- */

typedef struct served {
  int n;
  char last_auth[128];
  char last_body[256];
} served_t;

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
                               const char *url, const char *method,
                               const char *version, const char *upload,
                               size_t *upload_size, void **con_cls) {
  (void)version;
  served_t *sv = cls;
  if (*con_cls == NULL) {
    *con_cls = sv;
    return MHD_YES;
  }
  if (*upload_size) {
    snprintf(sv->last_body, sizeof sv->last_body, "%.*s", (int)*upload_size,
             upload);
    *upload_size = 0;
    return MHD_YES;
  }
  sv->n++;
  const char *auth =
      MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  snprintf(sv->last_auth, sizeof sv->last_auth, "%s", auth ? auth : "");
  unsigned status = strcmp(url, "/busy") == 0 ? 503 : 200;
  if (strcmp(url, "/slow") == 0)
    nanosleep(&(struct timespec){.tv_nsec = 400000000}, NULL);
  char body[128];
  snprintf(body, sizeof body, "{\"method\":\"%s\",\"url\":\"%s\"}", method,
           url);
  struct MHD_Response *r = MHD_create_response_from_buffer(
      strlen(body), body, MHD_RESPMEM_MUST_COPY);
  enum MHD_Result ok = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ok;
}

typedef struct got {
  int calls;
  long status[8];
  bool transport[8];
  char body[8][128];
  uint64_t tag[8];
} got_t;

static void on_done(void *ud, uint64_t tag, const gs_oadr_resp_t *r) {
  got_t *g = ud;
  int i = g->calls++;
  if (i >= 8) return;
  g->status[i] = r->status;
  g->transport[i] = r->transport_error;
  g->tag[i] = tag;
  snprintf(g->body[i], sizeof g->body[i], "%s", r->body);
}

static uint16_t free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET,
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  socklen_t len = sizeof sa;
  getsockname(fd, (struct sockaddr *)&sa, &len);
  close(fd); /* nobody listens there now: connections are refused */
  return ntohs(sa.sin_port);
}

START_TEST(http_client_answers_every_request_once) {
  served_t sv = {0};
  uint16_t port = free_port();
  struct MHD_Daemon *d = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD, port, NULL, NULL, handler, &sv,
      MHD_OPTION_END);
  ck_assert_ptr_nonnull(d);
  gs_errbuf_t eb = {{0}};
  /* One connection for everything: requests queue behind each other. */
  gs_oadr_http_t *h = gs_oadr_http_create(1, 2, 200000, &eb);
  ck_assert_ptr_nonnull(h);
  char url[128];
  got_t g = {0};
  snprintf(url, sizeof url, "http://127.0.0.1:%u/events?skip=0", port);
  ck_assert_int_eq(gs_oadr_http_request(h, "GET", url, NULL, NULL, "tok-1",
                                        on_done, &g, 11), GS_OK);
  snprintf(url, sizeof url, "http://127.0.0.1:%u/busy", port);
  ck_assert_int_eq(gs_oadr_http_request(h, "POST", url, "{\"a\":1}", NULL,
                                        NULL, on_done, &g, 12), GS_OK);
  snprintf(url, sizeof url, "http://127.0.0.1:%u/slow", port);
  ck_assert_int_eq(gs_oadr_http_request(h, "GET", url, NULL, NULL, NULL,
                                        on_done, &g, 13), GS_OK);
  ck_assert_int_eq(g.calls, 0); /* never from inside the call */
  ck_assert_uint_eq(gs_oadr_http_pending(h), 3);
  gs_oadr_http_run(h, 5000000);
  ck_assert_int_eq(g.calls, 3);
  ck_assert_uint_eq(gs_oadr_http_pending(h), 0);
  ck_assert_uint_eq(g.tag[0], 11);
  ck_assert_int_eq(g.status[0], 200);
  ck_assert_str_eq(g.body[0], "{\"method\":\"GET\",\"url\":\"/events\"}");
  ck_assert_uint_eq(g.tag[1], 12);
  ck_assert_int_eq(g.status[1], 503);
  ck_assert(!g.transport[1]);
  ck_assert_uint_eq(g.tag[2], 13); /* the 200 ms timeout: a transport error */
  ck_assert(g.transport[2]);
  ck_assert_int_eq(g.status[2], 0);
  ck_assert_str_eq(sv.last_body, "{\"a\":1}");
  MHD_stop_daemon(d);
  /* Refused: the port is free again. */
  snprintf(url, sizeof url, "http://127.0.0.1:%u/events", port);
  ck_assert_int_eq(gs_oadr_http_request(h, "GET", url, NULL, NULL, NULL,
                                        on_done, &g, 14), GS_OK);
  gs_oadr_http_run(h, 5000000);
  ck_assert_int_eq(g.calls, 4);
  ck_assert(g.transport[3]);
  /* Destroying with requests pending still answers them. */
  ck_assert_int_eq(gs_oadr_http_request(h, "GET", url, NULL, NULL, NULL,
                                        on_done, &g, 15), GS_OK);
  gs_oadr_http_destroy(h);
  ck_assert_int_eq(g.calls, 5);
  ck_assert(g.transport[4]);
}
END_TEST

START_TEST(bearer_header_is_sent) {
  served_t sv = {0};
  uint16_t port = free_port();
  struct MHD_Daemon *d = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD, port, NULL, NULL, handler, &sv,
      MHD_OPTION_END);
  ck_assert_ptr_nonnull(d);
  gs_errbuf_t eb = {{0}};
  gs_oadr_http_t *h = gs_oadr_http_create(4, 4, 2000000, &eb);
  char url[128];
  got_t g = {0};
  snprintf(url, sizeof url, "http://127.0.0.1:%u/programs", port);
  gs_oadr_http_request(h, "GET", url, NULL, NULL, "abc.def", on_done, &g, 1);
  gs_oadr_http_run(h, 5000000);
  ck_assert_str_eq(sv.last_auth, "Bearer abc.def");
  gs_oadr_http_request(h, "GET", url, NULL, NULL, NULL, on_done, &g, 2);
  gs_oadr_http_run(h, 5000000);
  ck_assert_str_eq(sv.last_auth, "");
  gs_oadr_http_destroy(h);
  MHD_stop_daemon(d);
}
END_TEST

Suite *oadr_suite(void) {
  Suite *s = suite_create("oadr");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, backoff_doubles_to_its_cap_with_jitter);
  tcase_add_test(tc, report_values_from_the_meter);
  tcase_add_test(tc, latency_quantiles_within_five_percent);
  tcase_add_test(tc, settings_are_validated);
  tcase_add_test(tc, http_client_answers_every_request_once);
  tcase_add_test(tc, bearer_header_is_sent);
  suite_add_tcase(s, tc);
  return s;
}
