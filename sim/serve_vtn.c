/* SPDX-License-Identifier: MIT */
/* `gridsim serve-vtn`: an OpenADR 3 VTN publishing a scenario's DR events in real time. */
#define _GNU_SOURCE /* getopt_long */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "pace.h"
#include "scenario_priv.h"
#include "trace.h"
#include "vtn.h"
#include "vtn_http.h"
#include "vtn_scn.h"
#include "vtn_trace.h"
#include "world.h"

static const char usage_text[] =
    "usage: gridsim serve-vtn [SCENARIO] [options]\n"
    "\n"
    "An OpenADR 3 VTN on HTTP: the scenario's program becomes a program\n"
    "object and each of its DR events an event object, published when the\n"
    "program issues it (its notice, else its start), in real time from\n"
    "the scenario start (\"now\" unless --set start=... says otherwise).\n"
    "Reports VENs post go to the HDF5 trace. Runs until the scenario ends\n"
    "(and --linger) or SIGINT/SIGTERM (exit 130, trace closed).\n"
    "\n"
    "options:\n"
    "  --listen HOST:PORT   where to listen (default 127.0.0.1:8080; port 0\n"
    "                       picks a free one; the URL is printed)\n"
    "  --config FILE        clients, scopes, token lifetime, limits, fault\n"
    "                       knobs (JSON; README \"OpenADR 3 VTN\"); default:\n"
    "                       clients ven/ven-secret and bl/bl-secret\n"
    "  --openadr VERSION    wire version (3.1.0, the only one so far)\n"
    "  --out FILE           trace (default results/<scenario>-<seed>-vtn.h5)\n"
    "  --no-out             write no trace\n"
    "  --linger SECONDS     keep serving this long after the scenario ends,\n"
    "                       for reports of its last intervals (default 10)\n"
    "  --set PATH=VALUE     override a scenario field; repeatable\n"
    "  --seed N             override the scenario seed\n"
    "  --quiet, -q          print nothing but errors and the URL line\n";

/* The one mutable global, as in run.c: a signal handler reaches only it. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
  (void)sig;
  interrupted = 1;
}

typedef struct serve {
  const gs_scenario_t *s;
  gs_vtn_t *vtn;
  gs_world_t *w;         /* for target expansion, or NULL */
  gs_vtn_trace_t *trace; /* or NULL */
  gs_vtn_notify_t *notify;
  gs_vtn_mqtt_t *mqtt;   /* or NULL */
  int64_t start_unix_us; /* simulated time 0 */
  char *program_id;
  char **event_ids; /* per scenario event, once published */
  bool quiet;
  uint64_t reports;
} serve_t;

static int64_t unix_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int was_interrupted(void *ud) {
  (void)ud;
  return interrupted != 0;
}

/* ---- Hooks -------------------------------------------------------------- */

static void on_report(void *ud, const cJSON *report, int64_t now_unix_us) {
  serve_t *sv = ud;
  const cJSON *eid = cJSON_GetObjectItemCaseSensitive(report, "eventID");
  int32_t k = -1;
  for (size_t i = 0; i < sv->s->n_events && cJSON_IsString(eid); i++)
    if (sv->event_ids[i] && strcmp(sv->event_ids[i], eid->valuestring) == 0)
      k = (int32_t)i;
  sv->reports++;
  if (sv->trace) gs_vtn_trace_report(sv->trace, report, k, now_unix_us);
}

static void on_enrolled(void *ud, const gs_vtn_counts_t *c,
                        int64_t now_unix_us) {
  serve_t *sv = ud;
  if (sv->trace) gs_vtn_trace_enrolled(sv->trace, c, now_unix_us);
}

static void on_changed(void *ud, const char *type, const char *op,
                       const cJSON *obj, int64_t now_unix_us) {
  serve_t *sv = ud;
  if (sv->trace) gs_vtn_trace_change(sv->trace, type, op, obj, now_unix_us);
}

static void on_publish(void *ud, const char *topic, const char *payload) {
  serve_t *sv = ud;
  if (sv->mqtt) gs_vtn_mqtt_publish(sv->mqtt, topic, payload);
}

static void on_notify(void *ud, const char *url, const char *bearer,
                      const char *body) {
  serve_t *sv = ud;
  gs_vtn_notify_push(sv->notify, url, bearer, body);
}

/* ---- The publisher: an entity whose events are the program's issues ---- */

enum { PUB_ISSUE = GS_EV_MODEL, PUB_END_EARLY };

typedef struct pub_state {
  serve_t *sv;
} pub_state_t;

static gs_err_t pub_init(gs_engine_t *eng, gs_entity_id_t self, void *state,
                         const gs_model_init_t *init, gs_errbuf_t *eb) {
  (void)eng, (void)self, (void)state, (void)init, (void)eb;
  return GS_OK;
}

static void publish(serve_t *sv, size_t k, bool end_early) {
  const gs_dr_event_cfg_t *ev = &sv->s->events[k];
  gs_errbuf_t eb = {{0}};
  cJSON *req = gs_vtn_scn_event(sv->s, k, sv->program_id, sv->start_unix_us,
                                sv->w);
  int64_t now = unix_us();
  if (req && end_early) {
    /* The backend ends the event early: the event is updated to its new,
     * shorter duration, which subscribers hear as an UPDATE. */
    char dur[40];
    snprintf(dur, sizeof dur, "PT%lldS", (long long)(ev->end_early_us / 1000000));
    cJSON *ip = cJSON_GetObjectItemCaseSensitive(req, "intervalPeriod");
    cJSON_ReplaceItemInObjectCaseSensitive(ip, "duration",
                                           cJSON_CreateString(dur));
  }
  const char *id = NULL;
  gs_err_t err = GS_ENOMEM;
  if (req && end_early && sv->event_ids[k]) {
    err = gs_vtn_update_event(sv->vtn, sv->event_ids[k], req, now, &eb);
  } else if (req && !end_early) {
    id = gs_vtn_add_event(sv->vtn, req, now, &eb);
    err = id ? GS_OK : GS_ENOMEM;
    if (id) sv->event_ids[k] = strdup(id);
  }
  cJSON_Delete(req);
  if (err != GS_OK) {
    fprintf(stderr, "gridsim serve-vtn: event %s not published: %s\n", ev->id,
            eb.msg[0] ? eb.msg : "out of memory");
    return;
  }
  if (sv->trace && !end_early)
    gs_vtn_trace_event(sv->trace, (int32_t)k, id, now);
  if (!sv->quiet)
    printf("%+.1f s: %s event %s (%s)\n",
           (double)(now - sv->start_unix_us) / 1e6,
           end_early ? "ended early" : "published",
           sv->event_ids[k] ? sv->event_ids[k] : "?", ev->id);
  fflush(stdout);
}

static void pub_handle(gs_engine_t *eng, gs_entity_id_t self, void *state,
                       const gs_event_t *ev) {
  (void)eng, (void)self;
  pub_state_t *p = state;
  publish(p->sv, ev->arg2, ev->kind == PUB_END_EARLY);
}

static const gs_model_type_t vtn_publisher = {
    .name = "vtn-publisher",
    .doc = "issues the scenario's DR events as OpenADR events (serve-vtn)",
    .role = GS_ROLE_SYSTEM,
    .state_size = sizeof(pub_state_t),
    .init = pub_init,
    .handle = pub_handle,
};

/* ---- Options ------------------------------------------------------------ */

typedef struct opts {
  const char *scenario, *listen, *config, *out, *version;
  bool no_out, quiet, help;
  double linger_s; /* served after the scenario's end */
  gs_cli_opts_t cli; /* scenario overrides, for gs_cli_load */
} opts_t;

static int parse(int argc, char **argv, opts_t *o) {
  static const struct option lo[] = {
      {"listen", required_argument, NULL, 'l'},
      {"config", required_argument, NULL, 'c'},
      {"openadr", required_argument, NULL, 'V'},
      {"out", required_argument, NULL, 'o'},
      {"no-out", no_argument, NULL, 'n'},
      {"set", required_argument, NULL, 's'},
      {"seed", required_argument, NULL, 'S'},
      {"linger", required_argument, NULL, 'L'},
      {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  o->listen = "127.0.0.1:8080";
  o->linger_s = 10;
  o->version = "3.1.0";
  /* One extra slot: "start=now" is added when no start is set. */
  o->cli.sets = calloc((size_t)argc + 2, sizeof *o->cli.sets);
  if (o->cli.sets == NULL) return GS_EXIT_RUNTIME;
  opterr = 0;
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, ":qh", lo, NULL)) != -1) {
    switch (c) {
      case 'l': o->listen = optarg; break;
      case 'c': o->config = optarg; break;
      case 'V': o->version = optarg; break;
      case 'o': o->out = optarg; break;
      case 'n': o->no_out = true; break;
      case 'q': o->quiet = true; break;
      case 'h': o->help = true; break;
      case 's':
        if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
          fprintf(stderr, "gridsim serve-vtn: --set: expected PATH=VALUE, "
                  "found '%s'\n", optarg);
          return GS_EXIT_BADINPUT;
        }
        o->cli.sets[o->cli.n_sets++] = optarg;
        break;
      case 'L': {
        char *end;
        errno = 0;
        double x = strtod(optarg, &end);
        if (errno || end == optarg || *end || !(x >= 0) || x > 86400) {
          fprintf(stderr, "gridsim serve-vtn: --linger: expected seconds "
                  "from 0 to 86400, found '%s'\n", optarg);
          return GS_EXIT_BADINPUT;
        }
        o->linger_s = x;
        break;
      }
      case 'S': {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(optarg, &end, 10);
        if (errno || *end || optarg[0] < '0' || optarg[0] > '9' ||
            v > (1ULL << 53)) {
          fprintf(stderr, "gridsim serve-vtn: --seed: expected an integer "
                  "from 0 to 2^53, found '%s'\n", optarg);
          return GS_EXIT_BADINPUT;
        }
        o->cli.ov.seed = v;
        o->cli.ov.has_seed = true;
        break;
      }
      case ':':
        fprintf(stderr, "gridsim serve-vtn: option %s needs a value\n",
                argv[optind - 1]);
        return GS_EXIT_BADINPUT;
      default:
        fprintf(stderr, "gridsim serve-vtn: unknown option '%s'\n",
                argv[optind - 1]);
        return GS_EXIT_BADINPUT;
    }
  }
  if (optind < argc) o->scenario = argv[optind++];
  if (optind < argc) {
    fprintf(stderr, "gridsim serve-vtn: unexpected argument '%s' (one "
            "scenario at most)\n", argv[optind]);
    return GS_EXIT_BADINPUT;
  }
  return GS_EXIT_OK;
}

/* Without a start of its own the study starts at the next whole second,
 * so that its events lie ahead of the VENs; "start=now" means the same.
 * `buf` holds the rewritten setting. */
static void resolve_start(opts_t *o, char *buf, size_t size) {
  bool has = false;
  time_t t = time(NULL) + 1;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, size, "start=%Y-%m-%dT%H:%M:%SZ", &tm);
  for (size_t i = 0; i < o->cli.n_sets; i++) {
    if (strncmp(o->cli.sets[i], "start=", 6) != 0) continue;
    has = true;
    if (strcmp(o->cli.sets[i], "start=now") == 0) o->cli.sets[i] = buf;
  }
  if (!has) o->cli.sets[o->cli.n_sets++] = buf;
  o->cli.scenario = o->scenario;
  o->cli.ov.sets = o->cli.sets;
  o->cli.ov.n_sets = o->cli.n_sets;
}

/* results/<scenario>-<seed>-vtn.h5 (results/ made if missing). */
static char *default_out(const gs_scenario_t *s) {
  size_t n = gs_trace_default_path(s, NULL, 0) + sizeof "-vtn";
  char *p = malloc(n);
  if (p == NULL) return NULL;
  gs_trace_default_path(s, p, n);
  char *dot = strrchr(p, '.');
  if (dot) strcpy(dot, "-vtn.h5");
  mkdir("results", 0777);
  return p;
}

/* ---- The command -------------------------------------------------------- */

static void print_summary(const serve_t *sv, const gs_vtn_http_t *http) {
  gs_vtn_counts_t c;
  gs_vtn_http_stats_t hs;
  gs_vtn_notify_stats_t ns;
  gs_vtn_counts(sv->vtn, &c);
  gs_vtn_http_stats(http, &hs);
  gs_vtn_notify_stats(sv->notify, &ns);
  printf("VTN: %llu requests (%llu 2xx, %llu 4xx, %llu 5xx); %u VENs, %u "
         "resources, %u subscriptions; %llu report(s) received\n",
         (unsigned long long)hs.requests, (unsigned long long)hs.by_class[2],
         (unsigned long long)hs.by_class[4], (unsigned long long)hs.by_class[5],
         c.vens, c.resources, c.subscriptions,
         (unsigned long long)sv->reports);
  printf("webhooks: %llu queued, %llu sent, %llu failed, %llu dropped\n",
         (unsigned long long)ns.queued, (unsigned long long)ns.sent,
         (unsigned long long)ns.failed, (unsigned long long)ns.dropped);
  if (sv->mqtt) {
    gs_vtn_mqtt_stats_t ms;
    gs_vtn_mqtt_stats(sv->mqtt, &ms);
    printf("mqtt notifier: %llu published, %llu dropped, %llu connects, "
           "%llu disconnects\n", (unsigned long long)ms.published,
           (unsigned long long)ms.dropped, (unsigned long long)ms.connects,
           (unsigned long long)ms.disconnects);
  }
}

int gs_cli_serve_vtn(int argc, char **argv) {
  interrupted = 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, NULL); /* a client gone mid-answer is no crash */

  opts_t o = {0};
  serve_t sv = {0};
  gs_errbuf_t eb = {{0}};
  gs_vtn_cfg_t *cfg = NULL;
  gs_scenario_t *s = NULL;
  gs_engine_t *eng = NULL, *tmp_eng = NULL;
  gs_pace_t *pace = NULL;
  gs_vtn_http_t *http = NULL;
  char *out = NULL, *json = NULL;
  char start_set[64], url[80];
  int status = parse(argc, argv, &o);
  if (status != GS_EXIT_OK || o.help) {
    if (o.help) fputs(usage_text, stdout);
    free(o.cli.sets);
    return status;
  }
  sv.quiet = o.quiet;
  resolve_start(&o, start_set, sizeof start_set);
  if ((s = gs_cli_load(&o.cli, &status)) == NULL) goto done;
  sv.s = s;
  sv.start_unix_us = s->start_unix_s * 1000000;
  if (gs_vtn_cfg_load(o.config, &cfg, &eb) != GS_OK) {
    fprintf(stderr, "gridsim serve-vtn: %s\n", eb.msg);
    status = GS_EXIT_BADINPUT;
    goto done;
  }
  sv.event_ids = calloc(s->n_events ? s->n_events : 1, sizeof *sv.event_ids);
  if (sv.event_ids == NULL) goto nomem;
  /* Targets by fraction, feeder or transformer are VEN lists: build the
   * fleet once to draw them exactly as `run` does, then keep only it. */
  if (gs_vtn_scn_needs_world(s)) {
    tmp_eng = gs_engine_create(&(gs_engine_config_t){.seed = s->seed}, &eb);
    if (tmp_eng == NULL || gs_world_build(s, tmp_eng, &sv.w, &eb) != GS_OK) {
      fprintf(stderr, "gridsim serve-vtn: %s\n", eb.msg);
      status = GS_EXIT_RUNTIME;
      goto done;
    }
  }
  size_t max_pending, max_active;
  double timeout_s;
  gs_vtn_cfg_notify_limits(cfg, &max_pending, &max_active, &timeout_s);
  if ((sv.notify = gs_vtn_notify_create(max_pending, max_active, timeout_s,
                                        &eb)) == NULL)
    goto fail;
  int mqtt_qos;
  const char *mqtt_url = gs_vtn_cfg_mqtt(cfg, &mqtt_qos);
  if (mqtt_url &&
      (sv.mqtt = gs_vtn_mqtt_create(mqtt_url, mqtt_qos, &eb)) == NULL) {
    fprintf(stderr, "gridsim serve-vtn: %s\n", eb.msg);
    status = GS_EXIT_BADINPUT;
    goto done;
  }
  gs_vtn_hooks_t hooks = {.report = on_report, .enrolled = on_enrolled,
                          .changed = on_changed, .publish = on_publish,
                          .notify = on_notify, .ud = &sv};
  if ((sv.vtn = gs_vtn_create(cfg, o.version, &hooks, unix_us(), &eb)) ==
      NULL) {
    fprintf(stderr, "gridsim serve-vtn: %s\n", eb.msg);
    status = GS_EXIT_BADINPUT;
    goto done;
  }
  if (gs_vtn_http_start(sv.vtn, o.listen, gs_vtn_cfg_max_body(cfg), &http,
                        &eb) != GS_OK) {
    fprintf(stderr, "gridsim serve-vtn: %s\n", eb.msg);
    status = eb.msg[0] && strstr(eb.msg, "expected") ? GS_EXIT_BADINPUT
                                                      : GS_EXIT_RUNTIME;
    goto done;
  }
  char host[64];
  snprintf(host, sizeof host, "%.*s", (int)(strrchr(o.listen, ':') - o.listen),
           o.listen);
  snprintf(url, sizeof url, "http://%s:%d", host, gs_vtn_http_port(http));
  if (gs_vtn_set_base_url(sv.vtn, url) != GS_OK) goto nomem;
  if (!o.no_out) {
    out = o.out ? strdup(o.out) : default_out(s);
    json = cJSON_PrintUnformatted(s->json);
    if (out == NULL || json == NULL) goto nomem;
    if (gs_vtn_trace_open(out, json, o.version, url, sv.start_unix_us,
                          &sv.trace, &eb) != GS_OK)
      goto fail;
  }
  /* The engine only paces the program's issues; HTTP is served while it
   * waits for them, on the same loop. */
  eng = gs_engine_create(&(gs_engine_config_t){.seed = s->seed}, &eb);
  gs_entity_id_t pub;
  if (eng == NULL || gs_engine_add_entity(eng, &vtn_publisher,
                                          &(gs_model_init_t){.id = "vtn"},
                                          &pub, &eb) != GS_OK)
    goto fail;
  ((pub_state_t *)gs_engine_state(eng, pub))->sv = &sv;
  for (size_t k = 0; k < s->n_events; k++) {
    const gs_dr_event_cfg_t *ev = &s->events[k];
    gs_time_us_t at = ev->start_us - ev->notice_us;
    gs_engine_schedule(eng, pub, at > 0 ? at : 0, GS_PHASE_PROGRAM, PUB_ISSUE,
                       0, (uint32_t)k);
    if (ev->end_early_us > 0)
      gs_engine_schedule(eng, pub, ev->start_us + ev->end_early_us,
                         GS_PHASE_PROGRAM, PUB_END_EARLY, 0, (uint32_t)k);
  }
  pace = gs_pace_create(1.0, s->start_unix_s, &interrupted, &eb);
  gs_pace_source_t hsrc = gs_vtn_http_source(http);
  gs_pace_source_t nsrc = gs_vtn_notify_source(sv.notify);
  if (pace == NULL || gs_pace_add_source(pace, &hsrc) != GS_OK ||
      gs_pace_add_source(pace, &nsrc) != GS_OK)
    goto fail;
  gs_pace_source_t msrc;
  if (sv.mqtt && (msrc = gs_vtn_mqtt_source(sv.mqtt),
                  gs_pace_add_source(pace, &msrc)) != GS_OK)
    goto fail;
  gs_pacer_t pacer = gs_pace_pacer(pace);
  gs_engine_set_pacer(eng, &pacer);
  /* Up to 2 s for the MQTT notifier's broker, so that the program's
   * creation is not published into the void. */
  if (sv.mqtt)
    gs_pace_drain(pace, eng, 2000000, gs_vtn_mqtt_connected, sv.mqtt);
  cJSON *preq = gs_vtn_scn_program(s, sv.start_unix_us);
  const char *pid = preq ? gs_vtn_add_program(sv.vtn, preq, unix_us(), &eb)
                         : NULL;
  cJSON_Delete(preq);
  if (pid == NULL || (sv.program_id = strdup(pid)) == NULL) goto fail;

  char start_iso[32];
  time_t st = (time_t)s->start_unix_s;
  struct tm tm;
  gmtime_r(&st, &tm);
  strftime(start_iso, sizeof start_iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
  printf("gridsim serve-vtn: OpenADR %s VTN at %s (scenario \"%s\", %zu "
         "event(s), start %s)\n", o.version, url, s->name, s->n_events,
         start_iso);
  if ((s->start_unix_s * 1000000 + s->duration_us) / 1000000 < time(NULL))
    fprintf(stderr, "gridsim serve-vtn: warning: the scenario ended before "
            "now (start %s): every event is published at once and the VTN "
            "stops\n", start_iso);
  if (gs_vtn_cfg_is_default(cfg) && !o.quiet)
    printf("gridsim serve-vtn: no --config: clients ven/ven-secret and "
           "bl/bl-secret\n");
  fflush(stdout);
  gs_err_t err = gs_engine_run(eng, s->duration_us);
  /* The study is over, but reports of intervals that ended with it are
   * still on their way: keep answering for a while (a signal ends it). */
  if (err == GS_OK && o.linger_s > 0) {
    if (!o.quiet)
      printf("the scenario has ended; serving %g s more for late reports\n",
             o.linger_s);
    fflush(stdout);
    gs_pace_drain(pace, eng, (int64_t)(o.linger_s * 1e6), was_interrupted,
                  NULL);
    if (interrupted) err = GS_EINTR;
  }
  /* Up to 2 s for the last webhooks to leave. */
  gs_pace_drain(pace, eng, 2000000, gs_vtn_notify_idle, sv.notify);
  if (!o.quiet) print_summary(&sv, http);
  if (err == GS_EINTR) {
    fprintf(stderr, "gridsim serve-vtn: interrupted; outputs closed\n");
    status = GS_EXIT_INTERRUPTED;
  } else if (err != GS_OK) {
    fprintf(stderr, "gridsim serve-vtn: %s\n", gs_strerror(err));
    status = GS_EXIT_RUNTIME;
  }
  if (sv.trace) {
    gs_err_t terr = gs_vtn_trace_close(sv.trace, err == GS_OK, &eb);
    sv.trace = NULL;
    if (terr != GS_OK) {
      fprintf(stderr, "gridsim serve-vtn: %s\n", eb.msg);
      status = GS_EXIT_RUNTIME;
    } else if (!o.quiet) {
      printf("trace: %s\n", out);
    }
  }
  goto done;
nomem:
  gs_errbuf_set(&eb, GS_ENOMEM, "out of memory");
fail:
  fprintf(stderr, "gridsim serve-vtn: %s\n", eb.msg[0] ? eb.msg : "failed");
  status = GS_EXIT_RUNTIME;
done:
  if (sv.trace) gs_vtn_trace_close(sv.trace, false, NULL);
  gs_vtn_http_stop(http);
  gs_engine_destroy(eng);
  gs_pace_destroy(pace);
  gs_vtn_notify_destroy(sv.notify);
  gs_vtn_mqtt_destroy(sv.mqtt);
  gs_vtn_destroy(sv.vtn);
  gs_engine_destroy(tmp_eng); /* the engine before its world */
  gs_world_free(sv.w);
  for (size_t k = 0; sv.event_ids && k < s->n_events; k++)
    free(sv.event_ids[k]);
  free(sv.event_ids);
  free(sv.program_id);
  free(out);
  free(json);
  gs_vtn_cfg_free(cfg);
  gs_scenario_free(s);
  free(o.cli.sets);
  return status;
}
