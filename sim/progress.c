/* SPDX-License-Identifier: MIT */
/* The progress line on a terminal, and the interrupt check, as observers. */
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "progress.h"

double gs_wall_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void fmt_hms(double s, char *buf, size_t size) {
  long t = (long)(s + 0.5);
  snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

static void progress_tick(void *ud, gs_engine_t *eng) {
  gs_progress_t *p = ud;
  if (p->interrupted && *p->interrupted) gs_engine_stop(eng);
  if (!p->show) return;
  double now = gs_wall_s();
  if (now - p->last_print_s < 0.2) return;
  p->last_print_s = now;
  double sim_s = (double)gs_engine_now(eng) / 1e6;
  double total_s = (double)p->duration_us / 1e6;
  double frac = total_s > 0 ? sim_s / total_s : 1;
  double wall = now - p->start_s;
  double rate = wall > 0 ? (double)gs_engine_events_processed(eng) / wall : 0;
  char sim[32], eta[32];
  fmt_hms(sim_s, sim, sizeof sim);
  if (frac > 0.001)
    fmt_hms(wall * (1 - frac) / frac, eta, sizeof eta);
  else
    snprintf(eta, sizeof eta, "?");
  fprintf(stdout, "\r  sim %s  %5.1f%%  %8.3g events/s  ETA %s   ", sim,
          100 * frac, rate, eta);
  fflush(stdout);
  p->printed = true;
}

static void progress_finish(void *ud, gs_engine_t *eng) {
  gs_progress_t *p = ud;
  (void)eng;
  if (p->printed) {
    fputs("\r\033[K", stdout); /* clear the line for the summary */
    fflush(stdout);
  }
}

gs_observer_t gs_progress_observer(gs_progress_t *p) {
  return (gs_observer_t){.name = "progress",
                         .tick = progress_tick,
                         .tick_events = 8192,
                         .finish = progress_finish,
                         .ud = p};
}
