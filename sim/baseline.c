/* SPDX-License-Identifier: MIT */
/* Utility DR baselines (X-of-Y days, weather regression) on a power series. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_multifit.h>

#include "baseline.h"
#include "scenario_util.h"

void gs_baseline_cfg_default(gs_baseline_cfg_t *c) {
  /* CAISO's 10-in-10 and PJM's 45-day window; the adjustment window is
   * PJM's symmetric additive one (the three hours ending one hour before
   * the start), the cap CAISO's 20 %. See README.md, section Estimated
   * baselines. */
  *c = (gs_baseline_cfg_t){.lookback_days = 45,
                           .x = 10,
                           .y = 10,
                           .adjust = GS_BASELINE_ADJUST_NONE,
                           .adjust_cap = 0.2,
                           .adjust_from_us = 4 * GS_US_PER_H,
                           .adjust_to_us = 1 * GS_US_PER_H,
                           .weather_days = 10};
}

static const char *const top_keys[] = {"lookback_days", "x_of_y", "weather",
                                       NULL};
static const char *const xy_keys[] = {"x",          "y",
                                      "adjust",     "adjust_cap",
                                      "adjust_from_s", "adjust_to_s",
                                      NULL};
static const char *const wx_keys[] = {"history_days", NULL};

/* The integer obj[key] in [lo, hi], or `def` when absent. */
static gs_err_t get_days(gs__sctx_t *c, const cJSON *obj, const char *key,
                         uint32_t lo, uint32_t hi, uint32_t def,
                         uint32_t *out) {
  gs__num_rule_t r = {.lo = lo, .hi = hi, .integer = true, .unit = "days"};
  double v;
  gs_err_t err = gs__get_num(c, obj, key, &r, false, def, &v, NULL);
  if (err == GS_OK) *out = (uint32_t)v;
  return err;
}

/* Seconds before the event start, as µs (whole seconds are exact). */
static gs_err_t get_before(gs__sctx_t *c, const cJSON *obj, const char *key,
                           const gs__num_rule_t *r, gs_time_us_t def_us,
                           gs_time_us_t *out_us) {
  double v;
  gs_err_t err = gs__get_num(c, obj, key, r, false,
                             (double)def_us / (double)GS_US_PER_S, &v, NULL);
  if (err == GS_OK && gs_time_from_s(v, out_us) != GS_OK) *out_us = def_us;
  return err;
}

static gs_err_t parse_x_of_y(gs__sctx_t *c, const cJSON *j,
                             gs_baseline_cfg_t *out) {
  if (j == NULL) return GS_OK;
  size_t mark = gs__path_key(c, "x_of_y");
  if (!cJSON_IsObject(j))
    return gs__fail(c, j, "an object {\"x\": 10, \"y\": 10, \"adjust\": ..}");
  gs_err_t err = gs__check_keys(c, j, xy_keys);
  if (err != GS_OK) return err;
  /* y first: x is bounded by it, and defaults to it ("all y days"). */
  if ((err = get_days(c, j, "y", 1, out->lookback_days, out->y, &out->y)))
    return err;
  if ((err = get_days(c, j, "x", 1, out->y, out->y, &out->x))) return err;
  const cJSON *ja = cJSON_GetObjectItemCaseSensitive(j, "adjust");
  if (ja != NULL) {
    static const char *const names[] = {"none", "additive", "multiplicative"};
    size_t m = gs__path_key(c, "adjust");
    size_t k = 0;
    while (k < 3 && !(cJSON_IsString(ja) &&
                      strcmp(ja->valuestring, names[k]) == 0))
      k++;
    if (k == 3)
      return gs__fail(c, ja, "\"none\", \"additive\" or \"multiplicative\"");
    out->adjust = (gs_baseline_adjust_t)k;
    gs__path_pop(c, m);
  }
  /* A factor below 0 would turn the baseline's sign; 1 is already "any
   * adjustment from zero to double". */
  static const gs__num_rule_t cap = {.lo = 0, .hi = 1};
  if ((err = gs__get_num(c, j, "adjust_cap", &cap, false, out->adjust_cap,
                         &out->adjust_cap, NULL)))
    return err;
  static const gs__num_rule_t from = {
      .lo = 0, .lo_open = true, .hi = 86400, .unit = "s before the start"};
  if ((err = get_before(c, j, "adjust_from_s", &from, out->adjust_from_us,
                        &out->adjust_from_us)))
    return err;
  gs__num_rule_t to = {.lo = 0,
                       .hi = (double)out->adjust_from_us / (double)GS_US_PER_S,
                       .hi_open = true,
                       .unit = "s before the start, less than adjust_from_s"};
  /* The default end (1 h) may fall outside a short window given alone. */
  gs_time_us_t def_to = out->adjust_to_us < out->adjust_from_us
                            ? out->adjust_to_us
                            : 0;
  if ((err = get_before(c, j, "adjust_to_s", &to, def_to,
                        &out->adjust_to_us)))
    return err;
  gs__path_pop(c, mark);
  return GS_OK;
}

gs_err_t gs_baseline_parse(const cJSON *j, const char *file, const char *path,
                           gs_baseline_cfg_t *out, gs_errbuf_t *eb) {
  gs_baseline_cfg_default(out);
  if (j == NULL) return GS_OK;
  gs__sctx_t c;
  gs__sctx_init(&c, file, path, eb);
  if (!cJSON_IsObject(j))
    return gs__fail(&c, j, "an object {\"x_of_y\": {..}, \"weather\": {..}}");
  gs_err_t err = gs__check_keys(&c, j, top_keys);
  if (err != GS_OK) return err;
  if ((err = get_days(&c, j, "lookback_days", 1,
                      GS_BASELINE_MAX_LOOKBACK_DAYS, out->lookback_days,
                      &out->lookback_days)))
    return err;
  /* The default day counts must fit a shorter look-back given alone. */
  if (out->y > out->lookback_days) out->y = out->x = out->lookback_days;
  if (out->weather_days > out->lookback_days)
    out->weather_days = out->lookback_days;
  if ((err = parse_x_of_y(&c, cJSON_GetObjectItemCaseSensitive(j, "x_of_y"),
                          out)))
    return err;
  const cJSON *jw = cJSON_GetObjectItemCaseSensitive(j, "weather");
  if (jw != NULL) {
    size_t m = gs__path_key(&c, "weather");
    if (!cJSON_IsObject(jw))
      return gs__fail(&c, jw, "an object {\"history_days\": 10}");
    if ((err = gs__check_keys(&c, jw, wx_keys))) return err;
    /* Three points at least, or a line through two fits them exactly and
     * says nothing about the scatter. */
    uint32_t hi = out->lookback_days > 3 ? out->lookback_days : 3;
    if ((err = get_days(&c, jw, "history_days", 3, hi, out->weather_days,
                        &out->weather_days)))
      return err;
    gs__path_pop(&c, m);
  }
  return GS_OK;
}

void gs_baseline_describe_x_of_y(const gs_baseline_cfg_t *c, char *buf,
                                 size_t size) {
  static const char *const adj[] = {"", ", additive", ", multiplicative"};
  if (c->adjust == GS_BASELINE_ADJUST_NONE)
    snprintf(buf, size, "highest %u of %u days", c->x, c->y);
  else
    snprintf(buf, size, "highest %u of %u days%s (cap %g %%)", c->x, c->y,
             adj[c->adjust], c->adjust_cap * 100);
}

/* ---- The methods ---- */

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

/* The local days (first and last) that [a, b) touches. */
static void days_of(const gs_baseline_series_t *s, gs_time_us_t a,
                    gs_time_us_t b, int64_t *lo, int64_t *hi) {
  *lo = floor_div(a - s->midnight_us, GS_US_PER_DAY);
  *hi = floor_div((b > a ? b - 1 : a) - s->midnight_us, GS_US_PER_DAY);
}

static bool touches_event_day(const gs_baseline_series_t *s, gs_time_us_t a,
                              gs_time_us_t b) {
  int64_t lo, hi;
  days_of(s, a, b, &lo, &hi);
  for (size_t e = 0; e < s->n_events; e++) {
    int64_t elo, ehi;
    days_of(s, s->events[e].start_us, s->events[e].end_us, &elo, &ehi);
    if (elo <= hi && lo <= ehi) return true;
  }
  return false;
}

size_t gs_baseline_eligible_days(const gs_baseline_series_t *s,
                                 gs_baseline_span_t ev, gs_time_us_t pre_us,
                                 uint32_t lookback_days, uint32_t *days,
                                 size_t max) {
  size_t n = 0;
  for (uint32_t d = 1; d <= lookback_days && n < max; d++) {
    gs_time_us_t shift = (gs_time_us_t)d * GS_US_PER_DAY;
    if (ev.start_us - shift - pre_us < 0) break; /* before the series */
    if (touches_event_day(s, ev.start_us - shift, ev.end_us - shift))
      continue;
    days[n++] = d;
  }
  return n;
}

/* The sample instants of the event, [*i0, *i1), and the samples per day;
 * false with a note when the series cannot carry a day-matched baseline. */
static bool event_instants(const gs_baseline_series_t *s,
                           gs_baseline_span_t ev, size_t *i0, size_t *i1,
                           size_t *per_day, gs_baseline_result_t *out) {
  if (s->step_us <= 0 || GS_US_PER_DAY % s->step_us != 0) {
    snprintf(out->note, sizeof out->note,
             "the output interval (%g s) does not divide a day",
             (double)s->step_us / (double)GS_US_PER_S);
    return false;
  }
  int64_t a = ceil_div(ev.start_us, s->step_us);
  int64_t b = ceil_div(ev.end_us, s->step_us);
  if (b > (int64_t)s->n) b = (int64_t)s->n;
  if (a < 0 || b <= a) {
    snprintf(out->note, sizeof out->note,
             "the event holds no output sample");
    return false;
  }
  *i0 = (size_t)a;
  *i1 = (size_t)b;
  *per_day = (size_t)(GS_US_PER_DAY / s->step_us);
  return true;
}

static void result_init(gs_baseline_result_t *out) {
  *out = (gs_baseline_result_t){.ok = false};
}

static void set_days(gs_baseline_result_t *out, const uint32_t *days,
                     size_t n) {
  out->n_days = (uint32_t)n;
  for (size_t k = 0; k < n; k++)
    out->days_mask |= UINT64_C(1) << (days[k] - 1);
}

/* A day and its summed load over the event's instants, for ranking. */
typedef struct ranked_day {
  uint32_t d;
  int64_t sum_mw;
} ranked_day_t;

/* Highest load first; on a tie the more recent day, so the choice never
 * depends on qsort's order. */
static int cmp_ranked(const void *pa, const void *pb) {
  const ranked_day_t *a = pa, *b = pb;
  if (a->sum_mw != b->sum_mw) return a->sum_mw > b->sum_mw ? -1 : 1;
  return a->d < b->d ? -1 : (a->d > b->d);
}

/* Sum of the samples [i0, i1) shifted `d` days back, in mW (exact). */
static int64_t day_sum(const gs_baseline_series_t *s, size_t i0, size_t i1,
                       size_t per_day, uint32_t d) {
  int64_t sum = 0;
  for (size_t i = i0; i < i1; i++) sum += s->power_mw[i - d * per_day];
  return sum;
}

/* Applies the same-day adjustment to out->unadjusted_kw. */
static bool adjust(const gs_baseline_series_t *s, gs_baseline_span_t ev,
                   const gs_baseline_cfg_t *c, const ranked_day_t *chosen,
                   size_t per_day, gs_baseline_result_t *out) {
  out->kw = out->unadjusted_kw;
  out->adjust = c->adjust == GS_BASELINE_ADJUST_MULTIPLICATIVE ? 1 : 0;
  if (c->adjust == GS_BASELINE_ADJUST_NONE) return true;
  int64_t a = ceil_div(ev.start_us - c->adjust_from_us, s->step_us);
  int64_t b = ceil_div(ev.start_us - c->adjust_to_us, s->step_us);
  if (a < 0 || b <= a) {
    snprintf(out->note, sizeof out->note, a < 0
             ? "the adjustment window starts before the run"
             : "the adjustment window holds no output sample");
    return false;
  }
  int64_t act = 0, base = 0;
  for (size_t i = (size_t)a; i < (size_t)b; i++) act += s->power_mw[i];
  for (uint32_t k = 0; k < c->x; k++)
    base += day_sum(s, (size_t)a, (size_t)b, per_day, chosen[k].d);
  double act_kw = (double)act / (double)(b - a) / 1e6;
  double base_kw = (double)base / (double)(b - a) / (double)c->x / 1e6;
  if (c->adjust == GS_BASELINE_ADJUST_ADDITIVE) {
    double lim = c->adjust_cap * fabs(base_kw), add = act_kw - base_kw;
    out->capped = fabs(add) > lim;
    out->adjust = add > lim ? lim : add < -lim ? -lim : add;
    out->kw = out->unadjusted_kw + out->adjust;
    return true;
  }
  /* A ratio to a net load at or below zero (PV export) means nothing. */
  if (!(base_kw > 0)) {
    snprintf(out->note, sizeof out->note, "multiplicative adjustment skipped:"
             " baseline in its window is %.3g kW", base_kw);
    return true;
  }
  double f = act_kw / base_kw, lo = 1 - c->adjust_cap, hi = 1 + c->adjust_cap;
  out->capped = f < lo || f > hi;
  out->adjust = f < lo ? lo : f > hi ? hi : f;
  out->kw = out->unadjusted_kw * out->adjust;
  return true;
}

void gs_baseline_x_of_y(const gs_baseline_series_t *s, gs_baseline_span_t ev,
                        const gs_baseline_cfg_t *c,
                        gs_baseline_result_t *out) {
  result_init(out);
  size_t i0, i1, per_day;
  if (!event_instants(s, ev, &i0, &i1, &per_day, out)) return;
  GS_ASSERT(c->x >= 1 && c->x <= c->y &&
            c->y <= GS_BASELINE_MAX_LOOKBACK_DAYS);
  uint32_t days[GS_BASELINE_MAX_LOOKBACK_DAYS];
  gs_time_us_t pre = c->adjust != GS_BASELINE_ADJUST_NONE ? c->adjust_from_us
                                                          : 0;
  size_t n = gs_baseline_eligible_days(s, ev, pre, c->lookback_days, days,
                                       c->y);
  if (n < c->y) {
    snprintf(out->note, sizeof out->note,
             "needs %u eligible days, has %zu", c->y, n);
    return;
  }
  ranked_day_t r[GS_BASELINE_MAX_LOOKBACK_DAYS];
  for (size_t k = 0; k < n; k++)
    r[k] = (ranked_day_t){days[k], day_sum(s, i0, i1, per_day, days[k])};
  qsort(r, n, sizeof *r, cmp_ranked);
  int64_t total = 0;
  for (uint32_t k = 0; k < c->x; k++) {
    total += r[k].sum_mw;
    days[k] = r[k].d;
  }
  set_days(out, days, c->x);
  /* Every instant weighs the same, so the mean of the per-instant means
   * is one division of the exact integer total. */
  out->unadjusted_kw = (double)total / (double)(i1 - i0) / (double)c->x / 1e6;
  out->ok = adjust(s, ev, c, r, per_day, out);
}

/* Fits a + b T over `nd` days at one instant and evaluates it at `t_c`;
 * `*fitted` tells whether the temperatures spread (else the mean). */
static double fit_instant(gsl_matrix *X, gsl_vector *y, gsl_vector *coef,
                          gsl_matrix *cov, gsl_multifit_linear_workspace *ws,
                          double t_c, bool *fitted, double *slope) {
  size_t nd = y->size;
  double tmin = HUGE_VAL, tmax = -HUGE_VAL, mean = 0;
  for (size_t k = 0; k < nd; k++) {
    double t = gsl_matrix_get(X, k, 1);
    tmin = t < tmin ? t : tmin;
    tmax = t > tmax ? t : tmax;
    mean += gsl_vector_get(y, k);
  }
  /* Equal temperatures leave the slope undetermined: any line through
   * the mean fits, and only the mean itself is supported by the data. */
  *fitted = tmax - tmin > 1e-6;
  if (!*fitted) return mean / (double)nd;
  double chisq;
  gsl_multifit_linear(X, y, coef, cov, &chisq, ws);
  *slope = gsl_vector_get(coef, 1);
  return gsl_vector_get(coef, 0) + *slope * t_c;
}

void gs_baseline_weather(const gs_baseline_series_t *s, gs_baseline_span_t ev,
                         const gs_baseline_cfg_t *c,
                         gs_baseline_result_t *out) {
  result_init(out);
  size_t i0, i1, per_day;
  if (!event_instants(s, ev, &i0, &i1, &per_day, out)) return;
  if (s->temp_c == NULL) {
    snprintf(out->note, sizeof out->note, "no outdoor temperature series");
    return;
  }
  GS_ASSERT(c->weather_days <= GS_BASELINE_MAX_LOOKBACK_DAYS);
  /* Only a look-back shorter than 3 days leaves fewer by default. */
  if (c->weather_days < 3) {
    snprintf(out->note, sizeof out->note,
             "needs 3 eligible days, has at most %u", c->weather_days);
    return;
  }
  uint32_t days[GS_BASELINE_MAX_LOOKBACK_DAYS];
  size_t nd = gs_baseline_eligible_days(s, ev, 0, c->lookback_days, days,
                                        c->weather_days);
  if (nd < c->weather_days) {
    snprintf(out->note, sizeof out->note,
             "needs %u eligible days, has %zu", c->weather_days, nd);
    return;
  }
  gsl_matrix *X = gsl_matrix_alloc(nd, 2), *cov = gsl_matrix_alloc(2, 2);
  gsl_vector *y = gsl_vector_alloc(nd), *coef = gsl_vector_alloc(2);
  gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(nd, 2);
  if (X && cov && y && coef && ws) {
    double sum_kw = 0, slope_sum = 0;
    size_t flat = 0;
    for (size_t i = i0; i < i1; i++) {
      for (size_t k = 0; k < nd; k++) {
        size_t h = i - days[k] * per_day;
        gsl_matrix_set(X, k, 0, 1.0);
        gsl_matrix_set(X, k, 1, s->temp_c[h]);
        gsl_vector_set(y, k, (double)s->power_mw[h] / 1e6);
      }
      bool fitted;
      double slope = 0;
      sum_kw += fit_instant(X, y, coef, cov, ws, s->temp_c[i], &fitted,
                            &slope);
      slope_sum += slope;
      flat += !fitted;
    }
    size_t m = i1 - i0;
    out->ok = true;
    out->kw = out->unadjusted_kw = sum_kw / (double)m;
    out->adjust = 0;
    out->slope_kw_per_c = flat < m ? slope_sum / (double)(m - flat) : 0;
    set_days(out, days, nd);
    if (flat == m)
      snprintf(out->note, sizeof out->note, "temperature the same on every "
               "history day: the regression is their mean");
    else if (flat > 0)
      snprintf(out->note, sizeof out->note, "%zu of %zu instants without "
               "temperature spread took the days' mean", flat, m);
  } else {
    snprintf(out->note, sizeof out->note, "out of memory");
  }
  if (ws) gsl_multifit_linear_free(ws);
  if (coef) gsl_vector_free(coef);
  if (y) gsl_vector_free(y);
  if (cov) gsl_matrix_free(cov);
  if (X) gsl_matrix_free(X);
}
