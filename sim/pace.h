/* SPDX-License-Identifier: MIT */
/* Paced runs: simulated time follows the wall clock, sockets are polled. */
#ifndef GRIDSIM_PACE_H
#define GRIDSIM_PACE_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "gridsim/engine.h"

typedef struct gs_pace gs_pace_t;

/* Something with sockets to watch while the engine waits (a bridge). All
 * sources are polled together in one poll() on the main thread. */
typedef struct gs_pace_source {
  /* Descriptors the source may fill at most (its sessions). */
  size_t (*max_fds)(void *ud);
  /* Fills up to `cap` entries of `fds` (events set, fd -1 to skip) and
   * returns how many it used; lowers `*timeout_us` (wall) if it needs a
   * call of service() sooner (keepalive, reconnect timers). */
  size_t (*fill)(void *ud, struct pollfd *fds, size_t cap,
                 int64_t *timeout_us);
  /* Handles the poll result for the entries it filled, in the same order.
   * The engine's clock already stands at the wall-mapped simulated time,
   * so input becomes events at gs_engine_now(). Returns the number of
   * inputs injected. Called after every poll, even with no revents. */
  size_t (*service)(void *ud, gs_engine_t *eng, const struct pollfd *fds,
                    size_t n);
  void *ud;
} gs_pace_source_t;

/* Counters of a paced run. */
typedef struct gs_pace_stats {
  double factor;
  uint64_t polls;      /* poll() calls */
  uint64_t inputs;     /* inputs injected by the sources */
  int64_t max_lag_us;  /* largest lag of the simulation behind the wall */
} gs_pace_stats_t;

/* Creates a pacer running simulated time at `factor` x the wall clock
 * (1 = real time; > 0 and finite). If `anchor_unix_s` >= 0, simulated
 * time 0 is the real-time instant `anchor_unix_s` (for a scenario that
 * starts "now"); else it is the instant of the first wait. `interrupted`
 * (may be NULL) is a signal flag: when set, the wait returns GS_EINTR.
 * NULL with detail in `eb` on a bad factor or out of memory. The caller
 * owns the pacer and destroys it after the run. */
gs_pace_t *gs_pace_create(double factor, int64_t anchor_unix_s,
                          volatile sig_atomic_t *interrupted,
                          gs_errbuf_t *eb);
void gs_pace_destroy(gs_pace_t *p);

/* Adds a source (copied; `src->ud` is borrowed). GS_ENOMEM on failure. */
gs_err_t gs_pace_add_source(gs_pace_t *p, const gs_pace_source_t *src);

/* The engine hook (gs_engine_set_pacer). */
gs_pacer_t gs_pace_pacer(gs_pace_t *p);

/* How far simulated time `t_us` is behind its wall-clock instant, in
 * microseconds (negative when ahead); 0 before the run starts. */
int64_t gs_pace_lag_us(const gs_pace_t *p, gs_time_us_t t_us);

/* Polls every source once for up to `wall_us` microseconds of wall time
 * without touching the engine's clock (for draining a bridge after the
 * run). Stops early when `done(ud)` (may be NULL) returns nonzero. */
void gs_pace_drain(gs_pace_t *p, gs_engine_t *eng, int64_t wall_us,
                   int (*done)(void *ud), void *ud);

/* Changes the speed to `factor` (> 0, finite, <= 1e9; else GS_EINVAL)
 * from now on. Simulated time `now_us` (the engine's present) stays at
 * the present wall instant, so the clock never jumps; at pace 1 after a
 * change the VENs' stamps no longer equal the real time. */
gs_err_t gs_pace_set_factor(gs_pace_t *p, double factor, gs_time_us_t now_us);
double gs_pace_factor(const gs_pace_t *p);

/* Holds simulated time (`hold` true) or lets it run on from `now_us`
 * (false). While held the engine waits, but every source is still polled,
 * so bridges keep their sessions alive and inputs still arrive (at the
 * held time). */
void gs_pace_hold(gs_pace_t *p, bool hold, gs_time_us_t now_us);
bool gs_pace_held(const gs_pace_t *p);

void gs_pace_stats(const gs_pace_t *p, gs_pace_stats_t *out);

/* Adds "pace": {factor, max_lag_ms, polls, inputs} to the summary object
 * `summary`. GS_ENOMEM on failure. */
gs_err_t gs_pace_summary_fill(const gs_pace_t *p, cJSON *summary);

/* Monotonic wall clock in microseconds (bridges time their back-off). */
int64_t gs_pace_mono_us(void);

#endif /* GRIDSIM_PACE_H */
