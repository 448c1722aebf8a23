/* SPDX-License-Identifier: MIT */
/* Estimated DR baselines on a power series: X-of-Y days and weather. */
#ifndef GRIDSIM_BASELINE_H
#define GRIDSIM_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "gridsim/error.h"
#include "gridsim/time.h"

/* Longest look-back in days: the days used fit in a 64-bit mask. */
#define GS_BASELINE_MAX_LOOKBACK_DAYS 64

/* The same-day ("day-of") adjustment of an X-of-Y baseline. */
typedef enum gs_baseline_adjust {
  GS_BASELINE_ADJUST_NONE = 0,
  GS_BASELINE_ADJUST_ADDITIVE,      /* + (actual - baseline) in the window */
  GS_BASELINE_ADJUST_MULTIPLICATIVE /* x actual / baseline in the window */
} gs_baseline_adjust_t;

/* The program's baseline rules ("program.baselines" in a scenario). */
typedef struct gs_baseline_cfg {
  uint32_t lookback_days; /* eligible days are searched this far back */
  uint32_t x, y;          /* the highest x of the last y eligible days */
  gs_baseline_adjust_t adjust;
  double adjust_cap; /* |factor - 1|, or |kW added| / window baseline, max */
  gs_time_us_t adjust_from_us; /* window [start - from, start - to) */
  gs_time_us_t adjust_to_us;
  uint32_t weather_days; /* history days of the weather regression */
} gs_baseline_cfg_t;

/* The defaults: CAISO-style 10-of-10 without adjustment, a 45-day
 * look-back, the adjustment window 4 h to 1 h before the start with a
 * 20 % cap (used when "adjust" is set), and a 10-day regression. */
void gs_baseline_cfg_default(gs_baseline_cfg_t *c);

/* Reads the "baselines" object `j` found at JSON path `path` of file
 * `file` into `*out`; `j` NULL gives the defaults. Unknown keys and bad
 * values are GS_ESCENARIO with "file: path: expected .., found .." in
 * `eb`. Borrows everything; fills `*out` even on error (defaults). */
gs_err_t gs_baseline_parse(const cJSON *j, const char *file, const char *path,
                           gs_baseline_cfg_t *out, gs_errbuf_t *eb);

/* "highest 10 of 10 days, additive (cap 20 %)" into `buf`. */
void gs_baseline_describe_x_of_y(const gs_baseline_cfg_t *c, char *buf,
                                 size_t size);

/* A half-open span of time [start_us, end_us), µs from the series' t = 0. */
typedef struct gs_baseline_span {
  gs_time_us_t start_us, end_us;
} gs_baseline_span_t;

/* A power series and what the methods must know of its days. Sample i is
 * the power at i * step_us (all borrowed). Days are local calendar days,
 * starting at midnight_us + k * 24 h; a day any event touches is not
 * eligible as history. */
typedef struct gs_baseline_series {
  const int64_t *power_mw;
  size_t n;
  gs_time_us_t step_us;
  const double *temp_c;     /* outdoor temperature per sample, or NULL */
  gs_time_us_t midnight_us; /* a local midnight (any; usually <= 0) */
  const gs_baseline_span_t *events; /* every DR event of the series */
  size_t n_events;
} gs_baseline_series_t;

/* One method's estimate of the mean power over an event without DR. */
typedef struct gs_baseline_result {
  bool ok;                /* else `note` says why there is no estimate */
  double kw;              /* the estimate (adjusted) */
  double unadjusted_kw;   /* before the same-day adjustment */
  double adjust;          /* kW added, or the factor (0 / 1 when none) */
  bool capped;            /* the adjustment was cut to its cap */
  uint32_t n_days;        /* history days used */
  uint64_t days_mask;     /* bit d - 1: the day d days before the event */
  double slope_kw_per_c;  /* weather: mean fitted slope over the event */
  char note[120];         /* the reason, or a caveat ("" if none) */
} gs_baseline_result_t;

/* The eligible history days of event `ev`, most recent first, as days
 * before it (1 = the day before), into `days` (at most `max`, searching
 * back `lookback_days`): the shifted event window must lie on days no
 * event touches, and `pre_us` before it must lie inside the series. */
size_t gs_baseline_eligible_days(const gs_baseline_series_t *s,
                                 gs_baseline_span_t ev, gs_time_us_t pre_us,
                                 uint32_t lookback_days, uint32_t *days,
                                 size_t max);

/* X-of-Y day matching: the y most recent eligible days are ranked by their
 * mean over the event's instants, and the highest x are averaged instant by
 * instant, then adjusted by the same day's load in the adjustment window if
 * `c->adjust` says so. Not ok (with a reason) with fewer than y days. */
void gs_baseline_x_of_y(const gs_baseline_series_t *s, gs_baseline_span_t ev,
                        const gs_baseline_cfg_t *c, gs_baseline_result_t *out);

/* Weather regression: for each instant of the event, the load at that time
 * of day on the c->weather_days most recent eligible days is fitted by
 * least squares to a + b * temperature (gsl_multifit_linear) and evaluated
 * at the event day's temperature. An instant whose history temperatures
 * are all equal takes the days' mean (noted). Not ok with fewer days, or
 * without temperatures. */
void gs_baseline_weather(const gs_baseline_series_t *s, gs_baseline_span_t ev,
                         const gs_baseline_cfg_t *c,
                         gs_baseline_result_t *out);

#endif /* GRIDSIM_BASELINE_H */
