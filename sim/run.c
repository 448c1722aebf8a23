/* SPDX-License-Identifier: MIT */
/* `gridsim run`: load, build, run, summarise; signals end the run cleanly. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "comfort.h"
#include "dr_perf.h"
#include "grid.h"
#include "inbound.h"
#include "mqtt.h"
#include "oadr_cli.h"
#include "mqtt_backend.h"
#include "pace.h"
#include "progress.h"
#include "real_ven.h"
#include "replay.h"
#include "scenario_priv.h"
#include "summary.h"
#include "trace.h"
#include "view.h"
#include "world.h"

/* A signal handler can only reach a static: this flag is the one mutable
 * global, read by the progress observer, which stops the engine. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
  (void)sig;
  interrupted = 1;
}

static void install_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  /* A file over the size limit (ulimit -f) must fail its write with
   * EFBIG, which the trace reports, not kill the process. */
  sa.sa_handler = SIG_IGN;
  sigaction(SIGXFSZ, &sa, NULL);
}

/* Fails early when an output's directory is not writable, rather than
 * after an hour of simulation. */
static bool dir_writable(const char *path, gs_errbuf_t *eb) {
  char *dup = strdup(path);
  if (dup == NULL) return false;
  char *slash = strrchr(dup, '/');
  const char *dir = ".";
  if (slash == dup) dir = "/";
  else if (slash) { *slash = '\0'; dir = dup; }
  bool ok = access(dir, W_OK) == 0;
  if (!ok)
    gs_errbuf_set(eb, GS_EIO, "%s: cannot write in directory %s: %s", path,
                  dir, strerror(errno));
  free(dup);
  return ok;
}

/* The counterfactual twin of every event (if `twins`), then each event's
 * performance against it and against the VENs' own baselines. */
static gs_err_t run_twins(const gs_scenario_t *s, gs_world_t *w,
                          const gs_series_t *actual, bool twins,
                          gs_trace_t *trace, gs_view_t *view,
                          gs_errbuf_t *eb) {
  for (size_t k = 0; k < s->n_events; k++) {
    if (!twins) {
      gs_dr_perf_cfg(w, k, actual, NULL, NULL, &s->baselines);
      continue;
    }
    gs_series_t ts = {0};
    gs_dr_result_t tr;
    gs_err_t err = gs_dr_twin_fed(s, k, s->output_interval_us, &ts, &tr,
                                  &interrupted, w, eb);
    if (err == GS_OK) gs_dr_perf_cfg(w, k, actual, &ts, &tr, &s->baselines);
    /* A write error here is also reported by gs_trace_close. */
    if (err == GS_OK && trace)
      gs_trace_add_counterfactual(trace, k, &ts, NULL);
    if (err == GS_OK && view && gs_view_add_twin(view, k, &ts) != GS_OK)
      err = gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
    gs_series_free(&ts);
    if (err != GS_OK) return err;
  }
  return GS_OK;
}

/* `--set start=now` becomes the next whole UTC second, which is also the
 * pacer's anchor (*anchor_unix_s, else -1): at pace 1 the VENs' stamps are
 * then the real time. The effective scenario keeps the instant used, so a
 * trace still says when the run started. `*copy` gets a private copy of
 * the --set list (freed by the caller) when one was rewritten. */
static void resolve_start_now(const gs_cli_opts_t *o, gs_cli_opts_t *eff,
                              const char ***copy, char *buf, size_t size,
                              int64_t *anchor_unix_s) {
  *eff = *o;
  *copy = NULL;
  *anchor_unix_s = -1;
  for (size_t i = 0; i < o->n_sets; i++) {
    if (strcmp(o->sets[i], "start=now") != 0) continue;
    if (*copy == NULL) {
      *copy = malloc((o->n_sets + 1) * sizeof **copy);
      if (*copy == NULL) return; /* then "now" fails validation, exit 2 */
      memcpy(*copy, o->sets, o->n_sets * sizeof **copy);
      eff->sets = *copy;
      eff->ov.sets = *copy;
      time_t t = time(NULL) + 1;
      struct tm tm;
      gmtime_r(&t, &tm);
      strftime(buf, size, "start=%Y-%m-%dT%H:%M:%SZ", &tm);
      *anchor_unix_s = (int64_t)t;
    }
    (*copy)[i] = buf;
  }
}

/* The paced summary: the pacer's and the bridge's counters added to the
 * summary JSON text `*json` (replaced). */
static gs_err_t add_paced_summary(char **json, const gs_pace_t *pace,
                                  const gs_mqtt_t *br,
                                  const gs_mqtt_backend_t *bk,
                                  const gs_oadr_t *ob, const gs_world_t *w) {
  cJSON *root = cJSON_Parse(*json);
  gs_err_t err = root && pace ? gs_pace_summary_fill(pace, root)
                 : root       ? GS_OK
                              : GS_ENOMEM;
  if (err == GS_OK && br) err = gs_mqtt_summary_fill(br, root);
  if (err == GS_OK && bk) err = gs_mqtt_backend_summary_fill(bk, root);
  if (err == GS_OK) err = gs_real_summary_fill(w, root);
  if (err == GS_OK && ob) err = gs_oadr_summary_fill(ob, root);
  char *text = err == GS_OK ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  if (text == NULL) return GS_ENOMEM;
  free(*json);
  *json = text;
  return GS_OK;
}

int gs_cli_run(const gs_cli_opts_t *o_in) {
  /* Handlers first: a signal during set-up (the shell that started us in
   * the background may have left SIGINT ignored) must still end the run
   * cleanly once it starts, with the trace closed as incomplete. */
  interrupted = 0;
  install_handlers();
  int status = GS_EXIT_OK;
  gs_errbuf_t eb = {{0}};
  gs_engine_t *eng = NULL;
  gs_world_t *w = NULL;
  char *json = NULL;
  gs_trace_t *trace = NULL;
  char *out = NULL;
  gs_pace_t *pace = NULL;
  gs_mqtt_t *br = NULL;
  gs_oadr_t *ob = NULL;
  const char **oadr_sets = NULL;
  gs_mqtt_backend_t *bk = NULL;
  gs_view_t *view = NULL;
  gs_cli_opts_t eff;
  const char **sets_copy;
  char start_set[64];
  int64_t anchor_unix_s;
  resolve_start_now(o_in, &eff, &sets_copy, start_set, sizeof start_set,
                    &anchor_unix_s);
  if (o_in->vtn_url && gs_oadr_cli_sets(&eff, &oadr_sets) != GS_OK) {
    free(sets_copy);
    return GS_EXIT_RUNTIME;
  }
  const gs_cli_opts_t *o = &eff;
  /* A bridge runs paced, at real time unless --pace says otherwise. */
  bool paced = o->pace > 0 || o->mqtt_url != NULL ||
               o->mqtt_backend_url != NULL || o->vtn_url != NULL;
  if (o->out && !dir_writable(o->out, &eb)) {
    fprintf(stderr, "gridsim run: %s\n", eb.msg);
    free(sets_copy);
    free(oadr_sets);
    return GS_EXIT_RUNTIME;
  }
  if (o->summary_json && !dir_writable(o->summary_json, &eb)) {
    fprintf(stderr, "gridsim run: %s\n", eb.msg);
    free(sets_copy);
    free(oadr_sets);
    return GS_EXIT_RUNTIME;
  }
  gs_scenario_t *s = NULL;
  if (o->replay != NULL) { /* the trace's own scenario */
    if (gs_replay_scenario(o->replay, &s, &eb) != GS_OK) {
      fprintf(stderr, "gridsim replay: %s\n", eb.msg);
      status = GS_EXIT_BADINPUT;
    }
  } else {
    s = gs_cli_load(o, &status);
  }
  if (s == NULL) {
    free(sets_copy);
    free(oadr_sets);
    return status;
  }
  if (gs_trace_resolve_path(o->out, o->no_out, s, &out, &eb) != GS_OK ||
      (out && !o->out && !dir_writable(out, &eb))) {
    fprintf(stderr, "gridsim run: %s\n", eb.msg);
    gs_scenario_free(s);
    free(out);
    free(sets_copy);
    free(oadr_sets);
    return GS_EXIT_RUNTIME;
  }
  eng = gs_engine_create(&(gs_engine_config_t){.seed = s->seed}, &eb);
  if (eng == NULL) goto runtime_fail;
  double t0 = gs_wall_s();
  gs_err_t err = GS_OK;
  if (o->mqtt_url) {
    gs_mqtt_cfg_t mcfg;
    err = gs_mqtt_cfg_from_json(s->json, s->file, &mcfg, &eb);
    if (err == GS_OK) err = gs_mqtt_cfg_apply_opts(&mcfg, &o->mqtt_opts, &eb);
    if (err == GS_OK) err = gs_mqtt_create(&mcfg, o->mqtt_url, &br, &eb);
    if (err != GS_OK) {
      status = err == GS_ENOMEM ? GS_EXIT_RUNTIME : GS_EXIT_BADINPUT;
      fprintf(stderr, "gridsim: %s\n", eb.msg);
      goto done;
    }
  }
  if (o->mqtt_backend_url) {
    gs_mqtt_cfg_t mcfg;
    err = gs_mqtt_cfg_from_json(s->json, s->file, &mcfg, &eb);
    if (err == GS_OK)
      err = gs_mqtt_backend_create(&mcfg, o->mqtt_backend_url, &bk, &eb);
    if (err != GS_OK) {
      status = err == GS_ENOMEM ? GS_EXIT_RUNTIME : GS_EXIT_BADINPUT;
      fprintf(stderr, "gridsim: %s\n", eb.msg);
      goto done;
    }
  }
  if (o->vtn_url && (err = gs_oadr_cli_create(o, s, &ob, &eb)) != GS_OK) {
    status = err == GS_ENOMEM ? GS_EXIT_RUNTIME : GS_EXIT_BADINPUT;
    fprintf(stderr, "gridsim: %s\n", eb.msg);
    goto done;
  }
  err = gs_world_build_with_sink(
      s, eng, br ? gs_mqtt_sink(br) : ob ? gs_oadr_sink(ob)
              : o->replay ? gs_replay_sink(o->replay) : NULL,
      &w, &eb);
  if (err == GS_OK && br) err = gs_mqtt_check(br, w, &eb); /* cert files */
  if (err != GS_OK) {
    status = err == GS_ESCENARIO ? GS_EXIT_BADINPUT : GS_EXIT_RUNTIME;
    fprintf(stderr, "gridsim: %s\n", eb.msg);
    goto done;
  }
  /* Every message a bridge takes is recorded for `gridsim replay`. */
  if ((br || bk) && (w->inbound = gs_inbound_create()) == NULL)
    goto runtime_fail;
  if (o->replay && gs_replay_start(o->replay, w, &eb) != GS_OK)
    goto runtime_fail;
  if (!bk && !o->replay && gs_real_count(w) > 0 && !o->quiet)
    fprintf(stderr, "gridsim: note: no --mqtt-backend: the %zu real VENs "
            "stay silent (offline)\n", gs_real_count(w));
  /* The view is checked (display, snapshot files) before the trace is
   * opened, so a bad --view or --snapshot leaves no file behind. */
  if (o->view || o->n_snapshots > 0 || o->n_snapshot_at > 0) {
    gs_view_cfg_t vcfg = {.window = o->view,
                          .snapshot_files = o->snapshots,
                          .n_snapshot_files = o->n_snapshots,
                          .snapshot_at_us = o->snapshot_at_us,
                          .n_snapshot_at = o->n_snapshot_at,
                          .paced = paced,
                          .interrupted = &interrupted};
    err = gs_view_create(&vcfg, w, &view, &eb);
    if (err != GS_OK) {
      fprintf(stderr, "gridsim run: %s\n", eb.msg);
      status = err == GS_EINVAL ? GS_EXIT_BADINPUT : GS_EXIT_RUNTIME;
      goto done;
    }
  }
  if (out) {
    if (gs_trace_open(out, w, &trace, &eb) != GS_OK) {
      fprintf(stderr, "gridsim: %s\n", eb.msg);
      status = GS_EXIT_RUNTIME;
      goto done;
    }
    gs_observer_t tobs = gs_trace_observer(trace);
    if (gs_engine_add_observer(eng, &tobs) != GS_OK) goto runtime_fail;
    if (br && gs_mqtt_trace_add(br, trace, &eb) != GS_OK) goto runtime_fail;
  }
  if (paced) {
    pace = gs_pace_create(o->pace > 0 ? o->pace : 1.0, anchor_unix_s,
                          &interrupted, &eb);
    if (pace == NULL) {
      fprintf(stderr, "gridsim: %s\n", eb.msg);
      status = GS_EXIT_BADINPUT;
      goto done;
    }
    if (br && gs_mqtt_start(br, w, pace, &eb) != GS_OK) goto runtime_fail;
    if (ob && gs_oadr_start(ob, w, pace, &eb) != GS_OK) goto runtime_fail;
    if (bk && gs_mqtt_backend_start(bk, w, pace, &eb) != GS_OK)
      goto runtime_fail;
    if (view && gs_view_use_pace(view, pace) != GS_OK) goto runtime_fail;
    gs_pacer_t pacer = gs_pace_pacer(pace);
    gs_engine_set_pacer(eng, &pacer);
  }
  gs_progress_t prog = {.show = !o->quiet && isatty(STDOUT_FILENO),
                        .interrupted = &interrupted,
                        .duration_us = s->duration_us,
                        .start_s = t0};
  gs_observer_t obs = gs_progress_observer(&prog);
  if (gs_engine_add_observer(eng, &obs) != GS_OK) goto runtime_fail;
  gs_series_t actual = {0};
  if (gs_series_attach(&actual, eng, w->fleet_meter,
                       s->output_interval_us) != GS_OK)
    goto runtime_fail;
  if (gs_grid_observe(w, s->output_interval_us, s->duration_us, &eb) !=
          GS_OK ||
      gs_comfort_observe(w) != GS_OK)
    goto runtime_fail;
  /* After the trace: the view's log sink chains to the trace's. */
  if (view && gs_view_attach(view, &eb) != GS_OK) goto runtime_fail;
  err = view ? gs_view_run(view, s->duration_us, &eb)
             : gs_engine_run(eng, s->duration_us);
  if (err == GS_EIO) fprintf(stderr, "gridsim: %s\n", eb.msg);
  gs_engine_finish(eng);
  /* Up to 2 s for the broker to acknowledge the last messages. */
  if (br) gs_mqtt_close(br, eng, 2.0);
  /* Up to 10 s for the reports due by the end to be accepted. */
  if (ob) gs_oadr_close(ob, eng, 10.0);
  if (bk) gs_mqtt_backend_close(bk, eng, 2.0);
  if (o->replay && gs_replay_finish(o->replay, err == GS_OK, &eb) != GS_OK) {
    fprintf(stderr, "gridsim: %s\n", eb.msg);
    if (err == GS_OK) err = GS_EIO;
  }
  gs_run_info_t info = {.complete = err == GS_OK,
                        .twins = err == GS_OK && !o->no_twin};
  if (err == GS_OK) err = actual.err;
  info.wall_s = gs_wall_s() - t0;
  /* The twins' engines then take the memory of this one's events and
   * states (what is read after the run is its meters and counters; the
   * view, the bridges and real VENs' summary read states). */
  if (info.twins && !view && !br && !bk && gs_real_count(w) == 0)
    gs_engine_release(eng);
  if (err == GS_OK) {
    err = run_twins(s, w, &actual, info.twins, trace, view, &eb);
    if (err != GS_OK) {
      info.complete = false;
      if (err != GS_EINTR) fprintf(stderr, "gridsim: %s\n", eb.msg);
    }
  }
  /* End-of-run snapshots (with the twins), and the window's last frame. */
  if (view && (err == GS_OK || err == GS_EINTR)) {
    gs_err_t verr = gs_view_finish(view, info.complete, &eb);
    if (verr != GS_OK) {
      fprintf(stderr, "gridsim: %s\n", eb.msg);
      err = verr;
    }
  }
  gs_series_free(&actual);
  info.twin_wall_s = gs_wall_s() - t0 - info.wall_s;
  if (err != GS_OK && err != GS_EINTR) {
    fprintf(stderr, "gridsim: run failed: %s\n", gs_strerror(err));
    status = GS_EXIT_RUNTIME;
  } else if (err == GS_EINTR) {
    fprintf(stderr, "gridsim: interrupted at simulated time %.3f s; "
            "outputs closed\n", (double)gs_engine_now(eng) / 1e6);
    status = GS_EXIT_INTERRUPTED;
  }
  if (trace && ob && gs_oadr_trace_write(ob, trace, &eb) != GS_OK) {
    fprintf(stderr, "gridsim: %s\n", eb.msg);
    status = GS_EXIT_RUNTIME;
  }
  if (trace) {
    gs_err_t terr = gs_trace_close(trace, info.complete, &eb);
    trace = NULL;
    if (terr != GS_OK) {
      fprintf(stderr, "gridsim: %s\n", eb.msg);
      status = GS_EXIT_RUNTIME;
    }
  }
  if (!o->quiet) gs_summary_print(stdout, w, &info);
  if (!o->quiet && ob) gs_oadr_summary_print(stdout, ob);
  if (!o->quiet && bk) gs_mqtt_backend_summary_print(stdout, bk);
  if (!o->quiet && br) gs_mqtt_summary_print(stdout, br, pace);
  else if (!o->quiet && pace) {
    gs_pace_stats_t ps;
    gs_pace_stats(pace, &ps);
    printf("paced at %g x wall clock, largest lag %.1f ms\n", ps.factor,
           (double)ps.max_lag_us / 1e3);
  }
  if (o->summary_json) {
    json = gs_summary_json(w, &info);
    if (json == NULL) goto runtime_fail;
    if ((pace || w->real) && add_paced_summary(&json, pace, br, bk, ob, w) !=
                                 GS_OK)
      goto runtime_fail;
    if (gs_write_file_atomic(o->summary_json, json, &eb) != GS_OK) {
      fprintf(stderr, "gridsim: %s\n", eb.msg);
      status = GS_EXIT_RUNTIME;
    }
  }
  goto done;
runtime_fail:
  fprintf(stderr, "gridsim: %s\n", eb.msg[0] ? eb.msg : "out of memory");
  status = GS_EXIT_RUNTIME;
done:
  gs_view_destroy(view); /* gives the world its log sink back */
  if (trace) gs_trace_close(trace, false, NULL);
  free(out);
  free(json);
  gs_engine_destroy(eng);
  gs_mqtt_destroy(br);
  gs_mqtt_backend_destroy(bk);
  gs_oadr_destroy(ob); /* before the world: it cancels nothing there */
  gs_pace_destroy(pace);
  gs_world_free(w);
  gs_scenario_free(s);
  free(sets_copy);
  free(oadr_sets);
  return status;
}
