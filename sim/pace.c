/* SPDX-License-Identifier: MIT */
/* The pacer: holds each event back to its wall-clock instant, polling sockets. */
#define _GNU_SOURCE /* ppoll: a wait to the microsecond, not the millisecond */
#include "pace.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* While the simulation is behind the wall clock it runs events without
 * waiting, but still polls this often so that commands keep arriving and
 * publishes keep leaving. */
#define GS__PACE_BEHIND_POLL_US 1000
/* An event this close to its instant runs at once when the sockets were
 * polled recently: one poll() per event costs more than the accuracy. */
#define GS__PACE_EARLY_US 100
/* Poll period while simulated time is held: keys and sockets still get
 * answered within this. */
#define GS__PACE_HELD_POLL_US 20000

struct gs_pace {
  double factor;
  int64_t anchor_unix_s; /* < 0: none */
  volatile sig_atomic_t *interrupted;
  gs_pace_source_t *src;
  size_t n_src;
  struct pollfd *fds;
  size_t cap_fds;
  size_t *src_n; /* entries each source filled in the last poll */
  bool started;
  bool held;           /* simulated time stands still (a paused view) */
  int64_t wall0_us;    /* monotonic instant of simulated time sim0_us */
  gs_time_us_t sim0_us;
  int64_t last_poll_us;
  gs_pace_stats_t st;
};

int64_t gs_pace_mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t real_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

gs_pace_t *gs_pace_create(double factor, int64_t anchor_unix_s,
                          volatile sig_atomic_t *interrupted,
                          gs_errbuf_t *eb) {
  if (!(factor > 0) || !isfinite(factor) || factor > 1e9) {
    gs_errbuf_set(eb, GS_EINVAL,
                  "--pace: expected a number > 0 and <= 1e9, found %g",
                  factor);
    return NULL;
  }
  gs_pace_t *p = calloc(1, sizeof *p);
  if (p == NULL) {
    gs_errbuf_set(eb, GS_ENOMEM, "pacer: out of memory");
    return NULL;
  }
  p->factor = factor;
  p->anchor_unix_s = anchor_unix_s;
  p->interrupted = interrupted;
  p->st.factor = factor;
  return p;
}

void gs_pace_destroy(gs_pace_t *p) {
  if (p == NULL) return;
  free(p->src);
  free(p->src_n);
  free(p->fds);
  free(p);
}

gs_err_t gs_pace_add_source(gs_pace_t *p, const gs_pace_source_t *src) {
  if (p == NULL || src == NULL || src->fill == NULL || src->max_fds == NULL ||
      src->service == NULL)
    return GS_EINVAL;
  gs_pace_source_t *grown = realloc(p->src, (p->n_src + 1) * sizeof *grown);
  if (grown == NULL) return GS_ENOMEM;
  p->src = grown;
  size_t *gn = realloc(p->src_n, (p->n_src + 1) * sizeof *gn);
  if (gn == NULL) return GS_ENOMEM;
  p->src_n = gn;
  p->src[p->n_src++] = *src;
  return GS_OK;
}

/* Wall instant (monotonic us) of simulated time `t_us`, and back. */
static int64_t wall_of(const gs_pace_t *p, gs_time_us_t t_us) {
  return p->wall0_us + (int64_t)llround((double)(t_us - p->sim0_us) /
                                        p->factor);
}

static gs_time_us_t sim_of(const gs_pace_t *p, int64_t wall_us) {
  return p->sim0_us +
         (gs_time_us_t)floor((double)(wall_us - p->wall0_us) * p->factor);
}

static void start(gs_pace_t *p, gs_engine_t *eng) {
  p->started = true;
  int64_t mono = gs_pace_mono_us();
  if (p->anchor_unix_s >= 0) {
    /* Simulated 0 is the anchor's real-time instant, so at pace 1 the
     * VENs' timestamps are the real time of their messages. */
    p->sim0_us = 0;
    p->wall0_us = mono + (p->anchor_unix_s * 1000000 - real_us());
  } else {
    p->sim0_us = gs_engine_now(eng);
    p->wall0_us = mono;
  }
}

int64_t gs_pace_lag_us(const gs_pace_t *p, gs_time_us_t t_us) {
  if (p == NULL || !p->started) return 0;
  return gs_pace_mono_us() - wall_of(p, t_us);
}

/* One poll() over every source for at most `timeout_us`. With `eng` and
 * `advance`, the clock is moved to the wall-mapped simulated time (at most
 * `next_us`) before the sources handle what arrived. Returns the inputs
 * injected, or -1 with errno set on a poll failure. */
static long poll_once(gs_pace_t *p, gs_engine_t *eng, int64_t timeout_us,
                      bool advance, gs_time_us_t next_us) {
  size_t need = 0;
  for (size_t i = 0; i < p->n_src; i++) need += p->src[i].max_fds(p->src[i].ud);
  if (need > p->cap_fds) {
    struct pollfd *grown = realloc(p->fds, need * sizeof *grown);
    if (grown == NULL) {
      errno = ENOMEM;
      return -1;
    }
    p->fds = grown;
    p->cap_fds = need;
  }
  size_t n = 0;
  for (size_t i = 0; i < p->n_src; i++) {
    p->src_n[i] = p->src[i].fill(p->src[i].ud, p->fds + n, p->cap_fds - n,
                                 &timeout_us);
    n += p->src_n[i];
  }
  if (timeout_us < 0) timeout_us = 0;
  struct timespec ts = {.tv_sec = (time_t)(timeout_us / 1000000),
                        .tv_nsec = (long)(timeout_us % 1000000) * 1000};
  int rc = ppoll(n ? p->fds : NULL, (nfds_t)n, &ts, NULL);
  p->st.polls++;
  p->last_poll_us = gs_pace_mono_us();
  if (rc < 0 && errno != EINTR) return -1;
  if (rc < 0) { /* a signal: nothing is ready; the caller checks the flag */
    for (size_t k = 0; k < n; k++) p->fds[k].revents = 0;
  }
  if (rc > 0 && advance) {
    gs_time_us_t t = sim_of(p, p->last_poll_us), now = gs_engine_now(eng);
    if (t > next_us) t = next_us;
    if (t > now) gs_engine_advance(eng, t);
  }
  long injected = 0;
  size_t off = 0;
  for (size_t i = 0; i < p->n_src; i++) {
    injected += (long)p->src[i].service(p->src[i].ud, eng, p->fds + off,
                                        p->src_n[i]);
    off += p->src_n[i];
  }
  p->st.inputs += (uint64_t)injected;
  return injected;
}

/* Re-anchors so that simulated `now_us` is the present wall instant: a
 * change of speed or a resume never makes simulated time jump. */
static void reanchor(gs_pace_t *p, gs_time_us_t now_us) {
  p->sim0_us = now_us;
  p->wall0_us = gs_pace_mono_us();
}

gs_err_t gs_pace_set_factor(gs_pace_t *p, double factor, gs_time_us_t now_us) {
  if (!(factor > 0) || !isfinite(factor) || factor > 1e9) return GS_EINVAL;
  p->factor = factor;
  p->st.factor = factor;
  if (p->started && !p->held) reanchor(p, now_us);
  return GS_OK;
}

double gs_pace_factor(const gs_pace_t *p) { return p->factor; }

void gs_pace_hold(gs_pace_t *p, bool hold, gs_time_us_t now_us) {
  if (p->held == hold) return;
  p->held = hold;
  if (!hold && p->started) reanchor(p, now_us);
}

bool gs_pace_held(const gs_pace_t *p) { return p->held; }

/* While held: sources are polled (keepalives, commands, a view's keys)
 * but the clock stays. GS_OK once released or when an input arrived (the
 * engine takes it at the present time), GS_EINTR on a signal. */
static gs_err_t wait_held(gs_pace_t *p, gs_engine_t *eng) {
  while (p->held) {
    if (p->interrupted && *p->interrupted) return GS_EINTR;
    long inj = poll_once(p, eng, GS__PACE_HELD_POLL_US, false, 0);
    if (inj < 0) return GS_EIO;
    if (inj > 0) return GS_OK;
  }
  return GS_OK;
}

static gs_err_t pace_wait(void *ud, gs_engine_t *eng, gs_time_us_t next_us) {
  gs_pace_t *p = ud;
  if (!p->started) start(p, eng);
  for (;;) {
    if (p->interrupted && *p->interrupted) return GS_EINTR;
    if (p->held) {
      gs_err_t err = wait_held(p, eng);
      if (err != GS_OK || p->held) return err;
      continue; /* released: wait for next_us from the new anchor */
    }
    int64_t now = gs_pace_mono_us();
    int64_t rem = wall_of(p, next_us) - now;
    if (-rem > p->st.max_lag_us) p->st.max_lag_us = -rem;
    bool polled_lately = now - p->last_poll_us < GS__PACE_BEHIND_POLL_US;
    if (rem <= GS__PACE_EARLY_US && polled_lately) return GS_OK;
    /* Behind (or about due): a zero-timeout poll, then the event. */
    long inj = poll_once(p, eng, rem > 0 ? rem : 0, true, next_us);
    if (inj < 0) return GS_EIO;
    if (inj > 0 || rem <= 0) return GS_OK; /* the engine re-peeks */
  }
}

gs_pacer_t gs_pace_pacer(gs_pace_t *p) {
  return (gs_pacer_t){.wait = pace_wait, .ud = p};
}

void gs_pace_drain(gs_pace_t *p, gs_engine_t *eng, int64_t wall_us,
                   int (*done)(void *ud), void *ud) {
  int64_t end = gs_pace_mono_us() + wall_us;
  for (;;) {
    if (done && done(ud)) return;
    int64_t rem = end - gs_pace_mono_us();
    if (rem <= 0) return;
    if (poll_once(p, eng, rem < 10000 ? rem : 10000, false, 0) < 0) return;
  }
}

void gs_pace_stats(const gs_pace_t *p, gs_pace_stats_t *out) {
  *out = p->st;
}

gs_err_t gs_pace_summary_fill(const gs_pace_t *p, cJSON *summary) {
  cJSON *o = cJSON_AddObjectToObject(summary, "pace");
  if (o == NULL ||
      cJSON_AddNumberToObject(o, "factor", p->st.factor) == NULL ||
      cJSON_AddNumberToObject(o, "max_lag_ms",
                              (double)p->st.max_lag_us / 1e3) == NULL ||
      cJSON_AddNumberToObject(o, "polls", (double)p->st.polls) == NULL ||
      cJSON_AddNumberToObject(o, "inputs", (double)p->st.inputs) == NULL)
    return GS_ENOMEM;
  return GS_OK;
}
