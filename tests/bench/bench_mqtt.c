/* SPDX-License-Identifier: MIT */
/* Benchmark: 10,000 simulated VENs on a local mosquitto; command-to-ack latency. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <mosquitto.h>

/* What the issue asks: gridsim runs N VENs, each its own session, paced
 * at 1, telemetry every 5 s; from outside the process this program acts
 * as the platform's backend, sending commands to random VENs on
 * ven/cmd/{venId} and timing each until its ack arrives on ven/ack/+.
 * It reports the latency (p50, p99; target p99 < 100 ms), the messages
 * per second, and the CPU time and peak memory of gridsim and of the
 * broker (from wait4() and /proc). The broker is started here with its
 * open-file limit raised, unless --broker HOST:PORT names one. */

typedef struct opts {
  long vens, duration_s, warmup_s, rate;
  const char *gridsim, *broker;
} opts_t;

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
    perror("bench_mqtt: free port");
    exit(1);
  }
  close(fd);
  return ntohs(a.sin_port);
}

/* Raises the open-file limit (hard too, when privileged) for a child
 * holding thousands of connections. */
static void raise_nofile(rlim_t want) {
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  struct rlimit up = {want, rl.rlim_max > want ? rl.rlim_max : want};
  if (setrlimit(RLIMIT_NOFILE, &up) != 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

static pid_t spawn(char *const argv[], const char *out, const char *err) {
  pid_t pid = fork();
  if (pid < 0) {
    perror("bench_mqtt: fork");
    exit(1);
  }
  if (pid == 0) {
    raise_nofile(65536);
    if (freopen(out, "w", stdout) == NULL || freopen(err, "w", stderr) == NULL)
      _exit(126);
    execvp(argv[0], argv);
    _exit(127);
  }
  return pid;
}

/* CPU seconds (user + system) and peak resident KiB of a live process. */
static void proc_usage(pid_t pid, double *cpu_s, long *hwm_kib) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "r");
  if (f && fgets(buf, sizeof buf, f)) {
    const char *p = strrchr(buf, ')'); /* the name may hold spaces */
    unsigned long ut = 0, st = 0;
    if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
                           "%lu %lu", &ut, &st) == 2)
      *cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
  }
  if (f) fclose(f);
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  f = fopen(path, "r");
  while (f && fgets(buf, sizeof buf, f))
    if (strncmp(buf, "VmHWM:", 6) == 0) *hwm_kib = atol(buf + 6);
  if (f) fclose(f);
}

/* ---- The backend client ------------------------------------------------ */

typedef struct backend {
  long vens;
  double *sent_at; /* per command sequence number; < 0 once acked */
  double *latency_s;
  long n_sent, n_acked, cap;
  long sys_clients; /* $SYS/broker/clients/connected */
  bool connected;
} backend_t;

static void on_connect(struct mosquitto *m, void *ud, int rc) {
  backend_t *b = ud;
  if (rc != 0) return;
  b->connected = true;
  mosquitto_subscribe(m, NULL, "ven/ack/+", 0);
  mosquitto_subscribe(m, NULL, "$SYS/broker/clients/connected", 0);
}

static void on_message(struct mosquitto *m, void *ud,
                       const struct mosquitto_message *msg) {
  (void)m;
  backend_t *b = ud;
  double now = mono_s();
  if (strcmp(msg->topic, "$SYS/broker/clients/connected") == 0) {
    b->sys_clients = msg->payload ? atol(msg->payload) : 0;
    return;
  }
  cJSON *j = cJSON_ParseWithLength(msg->payload, (size_t)msg->payloadlen);
  const char *corr =
      cJSON_GetStringValue(cJSON_GetObjectItem(j, "correlationId"));
  long seq;
  if (corr && sscanf(corr, "bench-%ld", &seq) == 1 && seq >= 0 &&
      seq < b->n_sent && b->sent_at[seq] >= 0) {
    b->latency_s[b->n_acked++] = now - b->sent_at[seq];
    b->sent_at[seq] = -1;
  }
  cJSON_Delete(j);
}

/* One poll of the backend's socket, for at most `timeout_s`. */
static void backend_poll(struct mosquitto *m, double timeout_s) {
  struct pollfd p = {.fd = mosquitto_socket(m), .events = POLLIN};
  if (mosquitto_want_write(m)) p.events |= POLLOUT;
  int ms = (int)(timeout_s * 1e3);
  if (p.fd >= 0 && poll(&p, 1, ms < 0 ? 0 : ms) > 0) {
    if (p.revents & (POLLIN | POLLERR | POLLHUP)) mosquitto_loop_read(m, 64);
    if (p.revents & POLLOUT) mosquitto_loop_write(m, 64);
  } else if (p.fd < 0) {
    usleep(100000);
    mosquitto_reconnect(m);
  }
  mosquitto_loop_misc(m);
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double pct(const double *v, long n, double p) {
  if (n == 0) return 0;
  long i = (long)(p * (double)(n - 1) + 0.5);
  return v[i];
}

static void usage(void) {
  fprintf(stderr,
          "usage: bench_mqtt [--vens N] [--duration S] [--warmup S] "
          "[--rate CMDS_PER_S]\n"
          "                  [--gridsim PATH] [--broker HOST:PORT]\n"
          "defaults: 10000 VENs, 120 s measured after a 30 s warm-up, 20 "
          "commands/s, gridsim beside this program's directory\n");
  exit(2);
}

static void parse(int argc, char **argv, opts_t *o) {
  static char path[PATH_MAX];
  *o = (opts_t){.vens = 10000, .duration_s = 120, .warmup_s = 30,
                .rate = 20};
  snprintf(path, sizeof path, "%s", argv[0]);
  char *slash = strrchr(path, '/');
  if (slash) snprintf(slash, sizeof path - (size_t)(slash - path),
                      "/../gridsim");
  else snprintf(path, sizeof path, "gridsim");
  o->gridsim = path;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (v == NULL) usage();
    if (strcmp(a, "--vens") == 0) o->vens = atol(v);
    else if (strcmp(a, "--duration") == 0) o->duration_s = atol(v);
    else if (strcmp(a, "--warmup") == 0) o->warmup_s = atol(v);
    else if (strcmp(a, "--rate") == 0) o->rate = atol(v);
    else if (strcmp(a, "--gridsim") == 0) o->gridsim = v;
    else if (strcmp(a, "--broker") == 0) o->broker = v;
    else usage();
    i++;
  }
  if (o->vens < 1 || o->vens > 1000000 || o->duration_s < 5 ||
      o->warmup_s < 1 || o->rate < 1 || o->rate > 10000)
    usage();
}

int main(int argc, char **argv) {
  opts_t o;
  parse(argc, argv, &o);
  char dir[] = "/tmp/gs-bench-mqtt.XXXXXX";
  if (mkdtemp(dir) == NULL) {
    perror("bench_mqtt: mkdtemp");
    return 1;
  }
  char host[256] = "127.0.0.1", path[PATH_MAX], port_s[16];
  int port;
  pid_t broker = 0;
  if (o.broker) {
    if (sscanf(o.broker, "%255[^:]:%d", host, &port) != 2) usage();
  } else {
    port = free_port();
    snprintf(path, sizeof path, "%s/mosquitto.conf", dir);
    FILE *f = fopen(path, "w");
    /* No per-listener connection cap; $SYS every second tells when all
     * sessions are up; stay the invoking user (root would drop to
     * "mosquitto", which cannot read this directory). */
    fprintf(f, "listener %d 127.0.0.1\nallow_anonymous true\n"
               "persistence false\nmax_connections -1\nsys_interval 1\n"
               "max_queued_messages 10000\nset_tcp_nodelay true\nuser %s\n",
            port, getenv("USER") ? getenv("USER") : "root");
    fclose(f);
    char log[PATH_MAX];
    snprintf(log, sizeof log, "%s/broker.log", dir);
    char *argv_b[] = {"mosquitto", "-c", path, NULL};
    if (access("/usr/sbin/mosquitto", X_OK) == 0)
      argv_b[0] = "/usr/sbin/mosquitto";
    broker = spawn(argv_b, log, log);
    usleep(500000);
  }
  snprintf(port_s, sizeof port_s, "%d", port);

  /* The scenario: N homes with the reference VEN's intervals. */
  snprintf(path, sizeof path, "%s/scn.json", dir);
  FILE *f = fopen(path, "w");
  fprintf(f,
          "{\"name\":\"bench-mqtt\",\"start\":\"2026-07-15T17:00:00Z\","
          "\"duration_s\":%ld,\"seed\":1,\"output\":{\"interval_s\":10},"
          "\"fleet\":[{\"name\":\"b\",\"count\":%ld,"
          "\"ven\":{\"telemetry_interval_s\":5,\"snapshot_interval_s\":30,"
          "\"latency_s\":0.001},"
          "\"loads\":[{\"type\":\"hvac\",\"id\":\"hvac1\",\"present\":1},"
          "{\"type\":\"water_heater\",\"id\":\"heater1\",\"present\":1},"
          "{\"type\":\"lighting\",\"id\":\"lights1\",\"present\":1}]}],"
          "\"program\":{\"events\":[]},\"mqtt\":{\"qos\":1}}\n",
          o.warmup_s + o.duration_s + 10, o.vens);
  fclose(f);

  backend_t b = {.vens = o.vens};
  b.cap = o.rate * (o.duration_s + 5) + 16;
  b.sent_at = calloc((size_t)b.cap, sizeof *b.sent_at);
  b.latency_s = calloc((size_t)b.cap, sizeof *b.latency_s);
  mosquitto_lib_init();
  struct mosquitto *m = mosquitto_new("bench-backend", true, &b);
  mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_connect_callback_set(m, on_connect);
  mosquitto_message_callback_set(m, on_message);
  for (int i = 0; i < 50 && mosquitto_connect(m, host, port, 60) !=
                                MOSQ_ERR_SUCCESS; i++)
    usleep(100000);
  double t_conn = mono_s();
  while (!b.connected && mono_s() - t_conn < 5) backend_poll(m, 0.1);
  if (!b.connected) {
    fprintf(stderr, "bench_mqtt: cannot connect to %s:%d\n", host, port);
    return 1;
  }

  char url[300], sum[PATH_MAX], gs_out[PATH_MAX], gs_err[PATH_MAX];
  snprintf(url, sizeof url, "mqtt://%s:%d", host, port);
  snprintf(sum, sizeof sum, "%s/summary.json", dir);
  snprintf(gs_out, sizeof gs_out, "%s/gridsim.out", dir);
  snprintf(gs_err, sizeof gs_err, "%s/gridsim.err", dir);
  char *argv_g[] = {(char *)o.gridsim, "run", path, "--mqtt", url,
                    "--pace", "1", "--no-out", "--no-twin",
                    "--summary-json", sum, NULL};
  double t0 = mono_s();
  pid_t gs = spawn(argv_g, gs_out, gs_err);

  /* Warm-up: until every session is up (per the broker) or the time is
   * over, whichever is first. */
  double up_s = -1;
  while (mono_s() - t0 < (double)o.warmup_s) {
    backend_poll(m, 0.1);
    if (up_s < 0 && b.sys_clients >= o.vens + 1) up_s = mono_s() - t0;
  }
  /* Measured phase: commands at a fixed rate to random VENs (a seeded
   * generator: the same VENs every run). */
  unsigned seed = 12345;
  double cpu0_g = 0, cpu0_b = 0;
  long hwm = 0;
  proc_usage(gs, &cpu0_g, &hwm);
  if (broker) proc_usage(broker, &cpu0_b, &hwm);
  double tm0 = mono_s(), next = tm0;
  /* VEN ids as the scenario names them: "b-" and the index zero-padded
   * to max(4, digits of N - 1). */
  int width = 1;
  for (long n = o.vens - 1; n >= 10; n /= 10) width++;
  if (width < 4) width = 4;
  while (mono_s() - tm0 < (double)o.duration_s) {
    double now = mono_s();
    if (now >= next && b.n_sent < b.cap) {
      long ven = (long)(rand_r(&seed) % (unsigned)o.vens);
      char id[32], topic[64], payload[256];
      snprintf(id, sizeof id, "b-%0*ld", width & 15, ven);
      snprintf(topic, sizeof topic, "ven/cmd/%s", id);
      snprintf(payload, sizeof payload,
               "{\"op\":\"event\",\"correlationId\":\"bench-%ld\","
               "\"venId\":\"%s\",\"event_id\":\"%ld\",\"shed_kw\":1.0,"
               "\"duration_sec\":60}",
               b.n_sent, id, b.n_sent);
      b.sent_at[b.n_sent++] = mono_s();
      mosquitto_publish(m, NULL, topic, (int)strlen(payload), payload, 1,
                        false);
      next += 1.0 / (double)o.rate;
    }
    backend_poll(m, next - mono_s());
  }
  double tm1 = mono_s();
  double cpu1_g = 0, cpu1_b = 0;
  long hwm_b = 0, hwm_dummy = 0;
  proc_usage(gs, &cpu1_g, &hwm_dummy);
  if (broker) proc_usage(broker, &cpu1_b, &hwm_b);
  /* Late acks: a second more. */
  while (mono_s() - tm1 < 1.0) backend_poll(m, 0.05);

  int status = 0;
  struct rusage ru;
  kill(gs, SIGINT); /* the rest of the scenario is not measured */
  wait4(gs, &status, 0, &ru);
  double t_end = mono_s();
  if (broker) {
    proc_usage(broker, &cpu1_b, &hwm_b);
    kill(broker, SIGTERM);
    waitpid(broker, NULL, 0);
  }

  /* gridsim's own counts (written at SIGINT too). */
  cJSON *js = NULL;
  FILE *sf = fopen(sum, "r");
  if (sf) {
    char *text = calloc(1, 1 << 20);
    size_t len = fread(text, 1, (1 << 20) - 1, sf);
    js = cJSON_ParseWithLength(text, len);
    free(text);
    fclose(sf);
  }
  const cJSON *mq = cJSON_GetObjectItem(js, "mqtt");
  const cJSON *pc = cJSON_GetObjectItem(js, "pace");
#define NUM(o, k) cJSON_GetNumberValue(cJSON_GetObjectItem((o), (k)))
  qsort(b.latency_s, (size_t)b.n_acked, sizeof *b.latency_s, cmp_d);
  double meas_s = tm1 - tm0, run_s = t_end - t0;
  printf("bench_mqtt: %ld VENs (one session each) on %s, paced at 1, "
         "telemetry every 5 s\n", o.vens, url);
  printf("  all sessions up after     %.1f s%s\n", up_s,
         up_s < 0 ? " (not within the warm-up)" : "");
  printf("  commands                  %ld sent at %ld/s over %.0f s, %ld "
         "acked\n", b.n_sent, o.rate, meas_s, b.n_acked);
  printf("  command-to-ack latency    p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, "
         "max %.1f ms  (target p99 < 100 ms)\n",
         pct(b.latency_s, b.n_acked, 0.5) * 1e3,
         pct(b.latency_s, b.n_acked, 0.9) * 1e3,
         pct(b.latency_s, b.n_acked, 0.99) * 1e3,
         b.n_acked ? b.latency_s[b.n_acked - 1] * 1e3 : 0.0);
  if (mq) {
    double sent = NUM(mq, "sent");
    printf("  gridsim publications      %.0f sent, %.0f acked, %.0f dropped, "
           "%.0f late: %.0f msg/s over the run (%.1f s)\n",
           sent, NUM(mq, "acked"), NUM(mq, "dropped"), NUM(mq, "late"),
           sent / run_s, run_s);
    printf("  sessions                  %.0f connects, %.0f failed attempts, "
           "%.0f disconnects\n", NUM(mq, "connects"),
           NUM(mq, "connect_failures"), NUM(mq, "disconnects"));
  }
  if (pc)
    printf("  pacing                    largest lag %.1f ms\n",
           NUM(pc, "max_lag_ms"));
  double gs_cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
                  (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
  printf("  gridsim                   CPU %.1f %% of a core while measured "
         "(%.1f s in all), peak RSS %.1f MiB, exit status %d\n",
         100 * (cpu1_g - cpu0_g) / meas_s, gs_cpu,
         (double)ru.ru_maxrss / 1024, WIFEXITED(status)
                                          ? WEXITSTATUS(status)
                                          : 128 + WTERMSIG(status));
  if (broker)
    printf("  mosquitto                 CPU %.1f %% of a core while measured, "
           "peak RSS %.1f MiB\n", 100 * (cpu1_b - cpu0_b) / meas_s,
           (double)hwm_b / 1024);
  printf("  files in %s\n", dir);
  cJSON_Delete(js);
  mosquitto_destroy(m);
  mosquitto_lib_cleanup();
  free(b.sent_at);
  free(b.latency_s);
  return 0;
}
