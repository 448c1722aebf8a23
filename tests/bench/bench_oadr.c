/* SPDX-License-Identifier: MIT */
/* Benchmark: VENs one process keeps enrolled and polling every 10 s, report p99. */
/*
 * usage: bench_oadr GRIDSIM_BIN [N1 N2 ...] [--duration S]
 * (GRIDSIM_VTN=BIN runs the VTN from another build)
 *
 * For each fleet size N (default 1000 4000 16000) it starts
 * `gridsim serve-vtn` on a free loopback port and `gridsim run --vtn`
 * with N VENs polling every 10 s (webhooks off, so polling carries the
 * event), posts at once one PRICE+SIMPLE event asking for the four report
 * types, starting 25 s before the run's end (10 s long), and reads the VEN
 * run's summary: VENs enrolled and how long that took, the GET /events
 * polls made once all were enrolled against those a 10 s cycle makes,
 * requests per second, report latency p50/p99 (due instant -> VTN's 2xx)
 * and the pacer's largest lag. A size passes when every VEN enrolled,
 * polled at least 90 % of its cycles, and every report was accepted.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pid_t spawn(char *const argv[], const char *log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

typedef struct buf {
  char data[65536];
  size_t len;
} buf_t;

static size_t on_body(char *p, size_t sz, size_t n, void *ud) {
  buf_t *b = ud;
  size_t k = sz * n;
  if (b->len + k >= sizeof b->data) k = sizeof b->data - 1 - b->len;
  memcpy(b->data + b->len, p, k);
  b->len += k;
  b->data[b->len] = '\0';
  return sz * n;
}

/* One request as the business logic; the answer parsed (NULL: failed). */
static cJSON *call(const char *method, const char *url, const char *body,
                   const char *ctype, const char *bearer) {
  CURL *c = curl_easy_init();
  buf_t *b = calloc(1, sizeof *b);
  struct curl_slist *h = NULL;
  char line[512];
  if (ctype) {
    snprintf(line, sizeof line, "Content-Type: %s", ctype);
    h = curl_slist_append(h, line);
  }
  if (bearer) {
    snprintf(line, sizeof line, "Authorization: Bearer %s", bearer);
    h = curl_slist_append(h, line);
  }
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  if (body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  long status = 0;
  cJSON *out = NULL;
  if (curl_easy_perform(c) == CURLE_OK &&
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
      status >= 200 && status < 300)
    out = cJSON_Parse(b->data);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  free(b);
  return out;
}

static int free_port(void) { return 20000 + (int)(getpid() % 20000); }

static double num(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* Posts the event as the business logic; false if the VTN refused. */
static bool post_event(const char *url, double start_unix) {
  char u[256];
  snprintf(u, sizeof u, "%s/auth/token", url);
  cJSON *t = call("POST", u,
                  "grant_type=client_credentials&client_id=bl&"
                  "client_secret=bl-secret",
                  "application/x-www-form-urlencoded", NULL);
  const cJSON *tok = cJSON_GetObjectItemCaseSensitive(t, "access_token");
  if (!cJSON_IsString(tok)) {
    cJSON_Delete(t);
    return false;
  }
  snprintf(u, sizeof u, "%s/programs", url);
  cJSON *progs = call("GET", u, NULL, NULL, tok->valuestring);
  const cJSON *pid =
      cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(progs, 0), "id");
  char when[40], body[2048];
  time_t st = (time_t)start_unix;
  struct tm tm;
  gmtime_r(&st, &tm);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  snprintf(body, sizeof body,
           "{\"programID\":\"%s\",\"intervalPeriod\":{\"start\":\"%s\","
           "\"duration\":\"PT10S\"},\"payloadDescriptors\":[{\"objectType\":"
           "\"EVENT_PAYLOAD_DESCRIPTOR\",\"payloadType\":\"PRICE\",\"units\":"
           "\"KWH\"}],\"intervals\":[{\"id\":0,\"payloads\":[{\"type\":"
           "\"PRICE\",\"values\":[0.6]},{\"type\":\"SIMPLE\",\"values\":[2]}]"
           "}],\"reportDescriptors\":[{\"payloadType\":\"USAGE\"},"
           "{\"payloadType\":\"DEMAND\"},{\"payloadType\":\"BASELINE\"},"
           "{\"payloadType\":\"LOAD_SHED_DELTA_AVAILABLE\"}]}",
           cJSON_IsString(pid) ? pid->valuestring : "program-0", when);
  snprintf(u, sizeof u, "%s/events", url);
  cJSON *ev = call("POST", u, body, "application/json", tok->valuestring);
  bool ok = ev != NULL;
  cJSON_Delete(ev);
  cJSON_Delete(progs);
  cJSON_Delete(t);
  return ok;
}

static int run_size(const char *bin, long n, int duration_s) {
  char dir[] = "/tmp/gs-bench-oadr.XXXXXX";
  if (mkdtemp(dir) == NULL) return 1;
  char scn[300], vtn_log[300], ven_log[300], sum[300], url[64], listen[64];
  snprintf(scn, sizeof scn, "%s/scn.json", dir);
  snprintf(vtn_log, sizeof vtn_log, "%s/vtn.log", dir);
  snprintf(ven_log, sizeof ven_log, "%s/ven.log", dir);
  snprintf(sum, sizeof sum, "%s/sum.json", dir);
  FILE *f = fopen(scn, "w");
  fprintf(f,
          "{\"name\":\"bench-oadr\",\"start\":\"2026-07-15T17:00:00Z\","
          "\"duration_s\":%d,\"seed\":3,\"output\":{\"interval_s\":10},"
          "\"fleet\":[{\"name\":\"home\",\"count\":%ld,\"loads\":["
          "{\"type\":\"water_heater\",\"id\":\"wh1\"},{\"type\":\"ev\","
          "\"id\":\"ev1\"}]}]}",
          duration_s, n);
  fclose(f);
  int port = free_port();
  snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
  snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
  const char *vtn_bin = getenv("GRIDSIM_VTN") ? getenv("GRIDSIM_VTN") : bin;
  char *vtn_argv[] = {(char *)vtn_bin, "serve-vtn", scn, "--listen", listen,
                      "--set", "start=now", "--set", "duration_s=3600",
                      "--no-out", "-q", NULL};
  pid_t vtn = spawn(vtn_argv, vtn_log);
  usleep(500000);
  setenv("GRIDSIM_VTN_CLIENT_SECRET", "ven-secret", 1);
  char *ven_argv[] = {(char *)bin, "run", scn, "--vtn", url,
                      "--vtn-client-id", "ven", "--set", "start=now",
                      "--set", "oadr_ven.poll_s=10",
                      "--set", "oadr_ven.webhook=false",
                      "--set", "oadr_ven.max_connections=64",
                      "--set", "oadr_ven.max_inflight=512",
                      "--no-out", "--no-twin", "-q", "--summary-json", sum,
                      NULL};
  double t0 = now_s();
  pid_t ven = spawn(ven_argv, ven_log);
  sleep(5);
  /* The event late in the run, when even a large fleet is enrolled. */
  bool posted = post_event(url, t0 + duration_s - 25);
  int st = 0;
  waitpid(ven, &st, 0);
  kill(vtn, SIGINT);
  waitpid(vtn, NULL, 0);
  FILE *sf = fopen(sum, "r");
  static char text[1 << 20];
  size_t len = sf ? fread(text, 1, sizeof text - 1, sf) : 0;
  if (sf) fclose(sf);
  text[len] = '\0';
  cJSON *root = cJSON_Parse(text);
  const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "oadr");
  const cJSON *pace = cJSON_GetObjectItemCaseSensitive(root, "pace");
  if (o == NULL || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || !posted) {
    printf("%8ld  run failed (exit %d, event %s): see %s\n", n,
           WIFEXITED(st) ? WEXITSTATUS(st) : -1, posted ? "posted" : "refused",
           dir);
    cJSON_Delete(root);
    return 1;
  }
  /* Steady state: once every VEN is enrolled each should poll every
   * 10 s; `polls_steady` counts the pages answered from then on. */
  double enrolled = num(o, "enrolled"), enroll_s = num(o, "enroll_s");
  double window_s = duration_s - enroll_s;
  double want = enroll_s >= 0 && window_s > 0 ? (double)n * window_s / 10.0
                                              : 1;
  double ratio = num(o, "polls_steady") / want;
  bool ok = enrolled == (double)n && ratio >= 0.9 &&
            num(o, "reports_sent") == (double)n &&
            num(o, "reports_dropped") == 0;
  printf("%8ld  %8.0f  %8.1f  %6.2f  %8.0f  %9.1f  %9.1f  %9.1f  %s\n", n,
         enrolled, enroll_s, ratio, num(o, "requests") / (now_s() - t0),
         num(o, "report_latency_ms_p50"), num(o, "report_latency_ms_p99"),
         num(pace, "max_lag_ms"), ok ? "yes" : "NO");
  cJSON_Delete(root);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (ok && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return ok ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s GRIDSIM_BIN [N ...] [--duration S]\n",
            argv[0]);
    return 2;
  }
  long sizes[32];
  int n_sizes = 0, duration_s = 90;
  for (int i = 2; i < argc && n_sizes < 32; i++) {
    if (strcmp(argv[i], "--duration") == 0 && i + 1 < argc)
      duration_s = atoi(argv[++i]);
    else
      sizes[n_sizes++] = atol(argv[i]);
  }
  if (n_sizes == 0) {
    sizes[0] = 1000;
    sizes[1] = 4000;
    sizes[2] = 16000;
    n_sizes = 3;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  printf("OpenADR VEN role: %d s runs, GET /events every 10 s per VEN\n",
         duration_s);
  printf("%8s  %8s  %8s  %6s  %8s  %9s  %9s  %9s  %s\n", "VENs",
         "enrolled", "enroll_s", "polls", "req/s", "rep p50ms", "rep p99ms",
         "lag ms", "kept up");
  int failed = 0;
  for (int i = 0; i < n_sizes; i++) failed += run_size(argv[1], sizes[i],
                                                       duration_s);
  curl_global_cleanup();
  return failed ? 1 : 0;
}
