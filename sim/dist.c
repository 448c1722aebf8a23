/* SPDX-License-Identifier: MIT */
/* Scenario distributions: parsed from JSON, sampled with gsl_ran_*. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "gridsim/dist.h"
#include "scenario_util.h"

/* Draws are redrawn this many times when they fall outside the truncation
 * bounds before the last one is clamped: enough for any sensible bound,
 * and bounded so a bound in a far tail cannot stall the world builder. */
#define GS__DIST_TRIES 64

/* Parameters, by kind, in gs_dist_t.p:
 *   CONST        p0 value
 *   NORMAL       p0 mean, p1 sd
 *   LOGNORMAL    p0 mu, p1 sigma (of ln x)
 *   UNIFORM      p0 min, p1 max
 *   CHOICE       p0 weighted mean of the values (kept for gs_dist_mean)
 *   EXPONENTIAL  p0 mean
 *   GAMMA        p0 shape k, p1 scale theta
 *   WEIBULL      p0 shape k, p1 scale lambda
 *   TRIANGULAR   p0 min, p1 mode, p2 max */

static const char *const keys_normal[] = {"dist", "mean", "sd",
                                          "min",  "max",  NULL};
static const char *const keys_lognormal[] = {"dist", "mu",  "sigma",
                                             "min",  "max", NULL};
static const char *const keys_uniform[] = {"dist", "min", "max", NULL};
static const char *const keys_choice[] = {"dist", "values", "weights",
                                          "min",  "max",    NULL};
static const char *const keys_exponential[] = {"dist", "mean", "min", "max",
                                               NULL};
static const char *const keys_shape_scale[] = {"dist", "shape", "scale",
                                               "min",  "max",   NULL};
static const char *const keys_triangular[] = {"dist", "min", "mode", "max",
                                              NULL};
static const char *const keys_enum_choice[] = {"dist", "values", "weights",
                                               NULL};

static const struct {
  const char *name;
  gs_dist_kind_t kind;
  const char *const *keys;
} kinds[] = {
    {"normal", GS_DIST_NORMAL, keys_normal},
    {"lognormal", GS_DIST_LOGNORMAL, keys_lognormal},
    {"uniform", GS_DIST_UNIFORM, keys_uniform},
    {"choice", GS_DIST_CHOICE, keys_choice},
    {"exponential", GS_DIST_EXPONENTIAL, keys_exponential},
    {"gamma", GS_DIST_GAMMA, keys_shape_scale},
    {"weibull", GS_DIST_WEIBULL, keys_shape_scale},
    {"triangular", GS_DIST_TRIANGULAR, keys_triangular},
};
#define GS__NKINDS (sizeof kinds / sizeof kinds[0])
#define GS__DIST_NAMES                                                  \
  "normal, lognormal, uniform, choice, exponential, gamma, weibull or " \
  "triangular"

static const gs__num_rule_t any_num = {.lo = -HUGE_VAL, .hi = HUGE_VAL};
static const gs__num_rule_t nonneg_num = {.lo = 0, .hi = HUGE_VAL};
static const gs__num_rule_t pos_num = {
    .lo = 0, .hi = HUGE_VAL, .lo_open = true};

static gs_err_t req_num(gs__sctx_t *c, const cJSON *obj, const char *key,
                        const gs__num_rule_t *r, double *out) {
  return gs__get_num(c, obj, key, r, true, 0, out, NULL);
}

static void reset(gs_dist_t *d) {
  memset(d, 0, sizeof *d);
  d->kind = GS_DIST_CONST;
  d->lo = -HUGE_VAL;
  d->hi = HUGE_VAL;
}

void gs_dist_const(gs_dist_t *d, double value) {
  GS_ASSERT(d != NULL);
  reset(d);
  d->p[0] = value;
}

void gs_dist_free(gs_dist_t *d) {
  if (d == NULL) return;
  free(d->values);
  if (d->table != NULL) gsl_ran_discrete_free(d->table);
  reset(d);
}

/* Reads "weights" of a choice over `n` values (equal weights when absent),
 * preprocesses them for gsl_ran_discrete and stores the weighted mean of
 * d->values in p0. */
static gs_err_t parse_weights(gs__sctx_t *c, const cJSON *obj, gs_dist_t *d) {
  size_t n = d->n_values;
  double *w = malloc(n * sizeof *w);
  if (w == NULL) return gs__nomem(c);
  gs_err_t err = GS_OK;
  const cJSON *jw = cJSON_GetObjectItemCaseSensitive(obj, "weights");
  size_t mark = gs__path_key(c, "weights");
  double sum = 0;
  if (jw == NULL) {
    for (size_t i = 0; i < n; i++)
      w[i] = 1.0;
    sum = (double)n;
  } else if (!cJSON_IsArray(jw) || (size_t)cJSON_GetArraySize(jw) != n) {
    err = gs__fail(c, jw, "an array of %zu weights, one per value", n);
    goto out;
  } else {
    size_t i = 0;
    for (const cJSON *e = jw->child; e != NULL; e = e->next, i++) {
      size_t m = gs__path_index(c, i);
      if ((err = gs__num(c, e, &nonneg_num, &w[i])) != GS_OK) goto out;
      gs__path_pop(c, m);
      sum += w[i];
    }
    if (!(sum > 0) || !isfinite(sum)) {
      err = gs__fail(c, jw, "weights with a positive, finite sum");
      goto out;
    }
  }
  d->table = gsl_ran_discrete_preproc(n, w);
  if (d->table == NULL) {
    err = gs__nomem(c);
    goto out;
  }
  double mean = 0;
  for (size_t i = 0; i < n; i++)
    mean += w[i] / sum * d->values[i];
  d->p[0] = mean;
  gs__path_pop(c, mark);
out:
  free(w);
  return err;
}

/* Reads "values" as numbers into d->values. */
static gs_err_t parse_values(gs__sctx_t *c, const cJSON *obj, gs_dist_t *d) {
  const cJSON *jv = cJSON_GetObjectItemCaseSensitive(obj, "values");
  size_t mark = gs__path_key(c, "values");
  if (!cJSON_IsArray(jv) || cJSON_GetArraySize(jv) == 0)
    return gs__fail(c, jv, "a non-empty array of numbers");
  d->n_values = (size_t)cJSON_GetArraySize(jv);
  d->values = malloc(d->n_values * sizeof *d->values);
  if (d->values == NULL) return gs__nomem(c);
  size_t i = 0;
  for (const cJSON *e = jv->child; e != NULL; e = e->next, i++) {
    size_t m = gs__path_index(c, i);
    gs_err_t err = gs__num(c, e, &any_num, &d->values[i]);
    if (err != GS_OK) return err;
    gs__path_pop(c, m);
  }
  gs__path_pop(c, mark);
  return GS_OK;
}

/* The support before truncation. */
static void natural_support(const gs_dist_t *d, double *lo, double *hi) {
  switch (d->kind) {
    case GS_DIST_CONST:
      *lo = *hi = d->p[0];
      return;
    case GS_DIST_NORMAL:
      if (d->p[1] == 0) {
        *lo = *hi = d->p[0];
      } else {
        *lo = -HUGE_VAL;
        *hi = HUGE_VAL;
      }
      return;
    case GS_DIST_LOGNORMAL:
      if (d->p[1] == 0) {
        *lo = *hi = exp(d->p[0]);
      } else {
        *lo = 0;
        *hi = HUGE_VAL;
      }
      return;
    case GS_DIST_UNIFORM:
      *lo = d->p[0];
      *hi = d->p[1];
      return;
    case GS_DIST_CHOICE:
      *lo = HUGE_VAL;
      *hi = -HUGE_VAL;
      for (size_t i = 0; i < d->n_values; i++) {
        *lo = fmin(*lo, d->values[i]);
        *hi = fmax(*hi, d->values[i]);
      }
      return;
    case GS_DIST_EXPONENTIAL:
    case GS_DIST_GAMMA:
    case GS_DIST_WEIBULL:
      *lo = 0;
      *hi = HUGE_VAL;
      return;
    case GS_DIST_TRIANGULAR:
      *lo = d->p[0];
      *hi = d->p[2];
      return;
  }
  GS_ASSERT(!"unknown distribution kind");
}

void gs_dist_support(const gs_dist_t *d, double *lo, double *hi) {
  natural_support(d, lo, hi);
  *lo = fmax(*lo, d->lo);
  *hi = fmin(*hi, d->hi);
}

/* The kind-specific keys of `obj` (already checked to be only allowed
 * keys) into `d`. */
static gs_err_t parse_kind(gs__sctx_t *c, const cJSON *obj, gs_dist_t *d) {
  gs_err_t err = GS_OK;
  switch (d->kind) {
    case GS_DIST_CONST:
      break;
    case GS_DIST_NORMAL:
      if ((err = req_num(c, obj, "mean", &any_num, &d->p[0])) != GS_OK ||
          (err = req_num(c, obj, "sd", &nonneg_num, &d->p[1])) != GS_OK)
        return err;
      break;
    case GS_DIST_LOGNORMAL:
      if ((err = req_num(c, obj, "mu", &any_num, &d->p[0])) != GS_OK ||
          (err = req_num(c, obj, "sigma", &nonneg_num, &d->p[1])) != GS_OK)
        return err;
      break;
    case GS_DIST_UNIFORM:
    case GS_DIST_TRIANGULAR: {
      bool tri = d->kind == GS_DIST_TRIANGULAR;
      double *hi = tri ? &d->p[2] : &d->p[1];
      if ((err = req_num(c, obj, "min", &any_num, &d->p[0])) != GS_OK ||
          (err = req_num(c, obj, "max", &any_num, hi)) != GS_OK)
        return err;
      if (!(*hi > d->p[0])) {
        gs__path_key(c, "max");
        return gs__fail(c, cJSON_GetObjectItemCaseSensitive(obj, "max"),
                        "a number > min (%.15g)", d->p[0]);
      }
      if (tri) {
        gs__num_rule_t r = {.lo = d->p[0], .hi = d->p[2]};
        if ((err = req_num(c, obj, "mode", &r, &d->p[1])) != GS_OK) return err;
      }
      /* Their bounds are their own: draws never need redrawing. */
      d->lo = d->p[0];
      d->hi = *hi;
      return GS_OK;
    }
    case GS_DIST_CHOICE:
      if ((err = parse_values(c, obj, d)) != GS_OK ||
          (err = parse_weights(c, obj, d)) != GS_OK)
        return err;
      break;
    case GS_DIST_EXPONENTIAL:
      if ((err = req_num(c, obj, "mean", &pos_num, &d->p[0])) != GS_OK)
        return err;
      break;
    case GS_DIST_GAMMA:
    case GS_DIST_WEIBULL:
      if ((err = req_num(c, obj, "shape", &pos_num, &d->p[0])) != GS_OK ||
          (err = req_num(c, obj, "scale", &pos_num, &d->p[1])) != GS_OK)
        return err;
      break;
  }
  /* Optional truncation bounds of the kinds that are not bounded by their
   * own parameters. */
  bool has_lo, has_hi;
  if ((err = gs__get_num(c, obj, "min", &any_num, false, -HUGE_VAL, &d->lo,
                         &has_lo)) != GS_OK ||
      (err = gs__get_num(c, obj, "max", &any_num, false, HUGE_VAL, &d->hi,
                         &has_hi)) != GS_OK)
    return err;
  if (has_lo && has_hi && !(d->hi > d->lo)) {
    gs__path_key(c, "max");
    return gs__fail(c, cJSON_GetObjectItemCaseSensitive(obj, "max"),
                    "a number > min (%.15g)", d->lo);
  }
  double nlo, nhi, lo, hi;
  natural_support(d, &nlo, &nhi);
  gs_dist_support(d, &lo, &hi);
  if (lo > hi)
    return gs__fail(c, obj,
                    "min/max that overlap the distribution's values "
                    "[%.15g, %.15g]",
                    nlo, nhi);
  return GS_OK;
}

gs_err_t gs_dist_parse(const cJSON *json, const char *file, const char *path,
                       gs_dist_t *out, gs_errbuf_t *eb) {
  if (out == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_dist_parse: out is NULL");
  reset(out);
  gs__sctx_t c;
  gs__sctx_init(&c, file, path, eb);
  if (cJSON_IsNumber(json)) {
    if (!isfinite(json->valuedouble))
      return gs__fail(&c, json, "a finite number");
    out->p[0] = json->valuedouble;
    return GS_OK;
  }
  if (!cJSON_IsObject(json))
    return gs__fail(&c, json,
                    "a number or a distribution {\"dist\": \"normal\", ...}");
  const cJSON *jd = cJSON_GetObjectItemCaseSensitive(json, "dist");
  size_t k = 0;
  while (k < GS__NKINDS &&
         !(cJSON_IsString(jd) && strcmp(jd->valuestring, kinds[k].name) == 0))
    k++;
  if (k == GS__NKINDS) {
    gs__path_key(&c, "dist");
    return gs__fail(&c, jd, "a distribution name: " GS__DIST_NAMES);
  }
  out->kind = kinds[k].kind;
  gs_err_t err = gs__check_keys(&c, json, kinds[k].keys);
  if (err == GS_OK) err = parse_kind(&c, json, out);
  if (err != GS_OK) gs_dist_free(out);
  return err;
}

/* Index of `name` in `choices`, or -1. */
static long choice_index(const char *const *choices, const cJSON *name) {
  if (!cJSON_IsString(name)) return -1;
  for (long i = 0; choices[i] != NULL; i++)
    if (strcmp(choices[i], name->valuestring) == 0) return i;
  return -1;
}

gs_err_t gs_dist_parse_enum(const cJSON *json, const char *const *choices,
                            const char *file, const char *path, gs_dist_t *out,
                            gs_errbuf_t *eb) {
  if (out == NULL || choices == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_dist_parse_enum: NULL argument");
  reset(out);
  gs__sctx_t c;
  gs__sctx_init(&c, file, path, eb);
  char list[256] = "";
  size_t n = 0;
  for (size_t i = 0; choices[i] != NULL && n < sizeof list; i++) {
    int w = snprintf(list + n, sizeof list - n, "%s\"%s\"", i ? ", " : "",
                     choices[i]);
    if (w < 0) break;
    n += (size_t)w;
  }
  long idx = choice_index(choices, json);
  if (idx >= 0) {
    out->p[0] = (double)idx;
    return GS_OK;
  }
  const cJSON *jd = cJSON_GetObjectItemCaseSensitive(json, "dist");
  if (!cJSON_IsObject(json) || !cJSON_IsString(jd) ||
      strcmp(jd->valuestring, "choice") != 0)
    return gs__fail(&c, json, "one of %s, or a choice of them", list);
  out->kind = GS_DIST_CHOICE;
  gs_err_t err = gs__check_keys(&c, json, keys_enum_choice);
  if (err != GS_OK) goto fail;
  const cJSON *jv = cJSON_GetObjectItemCaseSensitive(json, "values");
  size_t mark = gs__path_key(&c, "values");
  if (!cJSON_IsArray(jv) || cJSON_GetArraySize(jv) == 0) {
    err = gs__fail(&c, jv, "a non-empty array of %s", list);
    goto fail;
  }
  out->n_values = (size_t)cJSON_GetArraySize(jv);
  out->values = malloc(out->n_values * sizeof *out->values);
  if (out->values == NULL) {
    err = gs__nomem(&c);
    goto fail;
  }
  size_t i = 0;
  for (const cJSON *e = jv->child; e != NULL; e = e->next, i++) {
    size_t m = gs__path_index(&c, i);
    long v = choice_index(choices, e);
    if (v < 0) {
      err = gs__fail(&c, e, "one of %s", list);
      goto fail;
    }
    out->values[i] = (double)v;
    gs__path_pop(&c, m);
  }
  gs__path_pop(&c, mark);
  if ((err = parse_weights(&c, json, out)) != GS_OK) goto fail;
  return GS_OK;
fail:
  gs_dist_free(out);
  return err;
}

/* One untruncated draw. */
static double draw(const gs_dist_t *d, const gsl_rng *g) {
  switch (d->kind) {
    case GS_DIST_CONST:
      return d->p[0];
    case GS_DIST_NORMAL:
      return d->p[0] + gsl_ran_gaussian(g, d->p[1]);
    case GS_DIST_LOGNORMAL:
      return gsl_ran_lognormal(g, d->p[0], d->p[1]);
    case GS_DIST_UNIFORM:
      return gsl_ran_flat(g, d->p[0], d->p[1]);
    case GS_DIST_CHOICE:
      return d->values[gsl_ran_discrete(g, d->table)];
    case GS_DIST_EXPONENTIAL:
      return gsl_ran_exponential(g, d->p[0]);
    case GS_DIST_GAMMA:
      return gsl_ran_gamma(g, d->p[0], d->p[1]);
    case GS_DIST_WEIBULL:
      /* GSL's a is the scale and b the shape. */
      return gsl_ran_weibull(g, d->p[1], d->p[0]);
    case GS_DIST_TRIANGULAR: {
      /* GSL has no triangular law: invert its CDF at one uniform draw. */
      double a = d->p[0], m = d->p[1], b = d->p[2];
      double u = gsl_rng_uniform(g);
      if (u < (m - a) / (b - a)) return a + sqrt(u * (b - a) * (m - a));
      return b - sqrt((1 - u) * (b - a) * (b - m));
    }
  }
  GS_ASSERT(!"unknown distribution kind");
  return 0;
}

double gs_dist_sample_in(const gs_dist_t *d, gs_rng_t *r, double lo, double hi,
                         bool integer) {
  GS_ASSERT(d != NULL && r != NULL && !(lo > hi));
  double a = fmax(lo, d->lo), b = fmin(hi, d->hi);
  /* Validation keeps the two ranges overlapping; if a caller passes a range
   * the distribution never reaches, the caller's range wins. */
  if (a > b) {
    a = lo;
    b = hi;
  }
  double x = d->p[0];
  if (d->kind != GS_DIST_CONST) {
    gs_rng_lease_t l;
    gsl_rng *g = gs_rng_borrow(&l, r);
    for (int i = 0; i < GS__DIST_TRIES; i++) {
      x = draw(d, g);
      if (x >= a && x <= b) break;
    }
    gs_rng_return(&l);
  }
  x = fmin(fmax(x, a), b);
  if (integer) {
    x = round(x);
    double ia = ceil(a), ib = floor(b);
    if (ia <= ib) x = fmin(fmax(x, ia), ib);
  }
  return x;
}

double gs_dist_sample(const gs_dist_t *d, gs_rng_t *r) {
  return gs_dist_sample_in(d, r, -HUGE_VAL, HUGE_VAL, false);
}

double gs_dist_mean(const gs_dist_t *d) {
  GS_ASSERT(d != NULL);
  switch (d->kind) {
    case GS_DIST_CONST:
    case GS_DIST_NORMAL:
    case GS_DIST_CHOICE:
    case GS_DIST_EXPONENTIAL:
      return d->p[0];
    case GS_DIST_LOGNORMAL:
      return exp(d->p[0] + 0.5 * d->p[1] * d->p[1]);
    case GS_DIST_UNIFORM:
      return 0.5 * (d->p[0] + d->p[1]);
    case GS_DIST_GAMMA:
      return d->p[0] * d->p[1];
    case GS_DIST_WEIBULL:
      /* tgamma, not gsl_sf_gamma: it returns inf for a tiny shape where
       * GSL's default error handler would abort. */
      return d->p[1] * tgamma(1.0 + 1.0 / d->p[0]);
    case GS_DIST_TRIANGULAR:
      return (d->p[0] + d->p[1] + d->p[2]) / 3.0;
  }
  GS_ASSERT(!"unknown distribution kind");
  return 0;
}
