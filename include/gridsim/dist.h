/* SPDX-License-Identifier: MIT */
/* Scenario parameters that are a number or a distribution, sampled per entity.
 */
#ifndef GRIDSIM_DIST_H
#define GRIDSIM_DIST_H

#include <stdbool.h>
#include <stddef.h>

/* gsl_ran_discrete_t is GSL's typedef of an untagged struct, so it cannot
 * be forward-declared: the header is included instead. */
#include <gsl/gsl_randist.h>

#include "gridsim/error.h"
#include "gridsim/rng.h"

typedef struct cJSON cJSON;

typedef enum gs_dist_kind {
  GS_DIST_CONST = 0,   /* a plain JSON number                          */
  GS_DIST_NORMAL,      /* {"dist":"normal","mean":m,"sd":s}              */
  GS_DIST_LOGNORMAL,   /* {"dist":"lognormal","mu":m,"sigma":s} (of ln x) */
  GS_DIST_UNIFORM,     /* {"dist":"uniform","min":a,"max":b}             */
  GS_DIST_CHOICE,      /* {"dist":"choice","values":[..],"weights":[..]} */
  GS_DIST_EXPONENTIAL, /* {"dist":"exponential","mean":m}                */
  GS_DIST_GAMMA,       /* {"dist":"gamma","shape":k,"scale":t}           */
  GS_DIST_WEIBULL,     /* {"dist":"weibull","shape":k,"scale":l}         */
  GS_DIST_TRIANGULAR   /* {"dist":"triangular","min":a,"mode":c,"max":b} */
} gs_dist_kind_t;

/* Any distribution may also carry "min" and/or "max" (except uniform and
 * triangular, whose bounds are their own): samples outside are drawn again
 * (up to 64 times), then clamped. */
typedef struct gs_dist {
  gs_dist_kind_t kind;
  double p[3];    /* kind-specific parameters, see gs_dist_parse */
  double lo, hi;  /* truncation bounds, -inf/+inf if none       */
  double *values; /* choice: owned */
  size_t n_values;
  gsl_ran_discrete_t *table; /* choice: owned, preprocessed weights */
} gs_dist_t;

/* p[] by kind: CONST value; NORMAL mean, sd; LOGNORMAL mu, sigma;
 * UNIFORM min, max; CHOICE the weighted mean of the values; EXPONENTIAL
 * mean; GAMMA and WEIBULL shape, scale; TRIANGULAR min, mode, max. */

/* Parses `json` (a number or a distribution object) found at JSON path
 * `path` of file `file`. On error fills `eb` with "file: path: expected ..,
 * found .." and returns GS_ESCENARIO. On success the caller owns `*out` and
 * releases it with gs_dist_free(). */
gs_err_t gs_dist_parse(const cJSON *json, const char *file, const char *path,
                       gs_dist_t *out, gs_errbuf_t *eb);

/* Releases what `d` owns (not `d` itself). Safe on a zeroed dist. */
void gs_dist_free(gs_dist_t *d);

/* Smallest and largest value `d` can produce (may be infinite). */
void gs_dist_support(const gs_dist_t *d, double *lo, double *hi);

/* Draws one value from `d` with stream `r` (gsl_ran_* underneath). */
double gs_dist_sample(const gs_dist_t *d, gs_rng_t *r);

/* The distribution's mean (exact, or of the untruncated form when
 * truncated); used for reports and for --vens scaling checks. */
double gs_dist_mean(const gs_dist_t *d);

/* Makes `d` the constant `value` (owning nothing); for parameters the
 * scenario leaves out. */
void gs_dist_const(gs_dist_t *d, double value);

/* Parses an enumeration parameter: a string naming one of `choices`
 * (NULL-terminated) becomes a constant index, and {"dist": "choice",
 * "values": [names], "weights": [..]} a choice over indices. Errors and
 * ownership as gs_dist_parse(). */
gs_err_t gs_dist_parse_enum(const cJSON *json, const char *const *choices,
                            const char *file, const char *path, gs_dist_t *out,
                            gs_errbuf_t *eb);

/* Draws from `d` truncated further to [lo, hi] (a parameter's valid range):
 * out-of-range draws are redrawn up to 64 times, then clamped. With
 * `integer` the value is rounded to the nearest whole number in range.
 * Requires lo <= hi. */
double gs_dist_sample_in(const gs_dist_t *d, gs_rng_t *r, double lo, double hi,
                         bool integer);

#endif /* GRIDSIM_DIST_H */
