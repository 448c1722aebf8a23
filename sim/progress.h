/* SPDX-License-Identifier: MIT */
/* Progress line and interrupt polling for long runs. */
#ifndef GRIDSIM_PROGRESS_H
#define GRIDSIM_PROGRESS_H

#include <signal.h>
#include <stdbool.h>

#include "gridsim/engine.h"

typedef struct gs_progress {
  bool show;                             /* draw the line (a terminal) */
  const volatile sig_atomic_t *interrupted; /* set by a signal handler */
  gs_time_us_t duration_us;
  double start_s, last_print_s;
  bool printed;
} gs_progress_t;

/* Wall-clock seconds from a monotonic clock (for reports, never models). */
double gs_wall_s(void);

/* An observer that stops the engine when *interrupted is set and, if
 * `show`, redraws the progress line at most five times a second. */
gs_observer_t gs_progress_observer(gs_progress_t *p);

#endif /* GRIDSIM_PROGRESS_H */
