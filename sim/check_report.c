/* SPDX-License-Identifier: MIT */
/* The report of `gridsim check`: a text table and JUnit XML for CI. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_golden.h"
#include "check_priv.h"
#include "scenario_util.h"

/* ---- Text buffer --------------------------------------------------------- */

static bool sb_reserve(gs__sb_t *b, size_t more) {
  if (b->oom) return false;
  if (b->len + more + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + more + 1)
    cap *= 2;
  char *p = realloc(b->buf, cap);
  if (p == NULL) {
    b->oom = true;
    return false;
  }
  b->buf = p;
  b->cap = cap;
  return true;
}

void gs__sb_add(gs__sb_t *b, const char *data, size_t n) {
  if (!sb_reserve(b, n)) return;
  memcpy(b->buf + b->len, data, n);
  b->len += n;
  b->buf[b->len] = '\0';
}

void gs__sb_printf(gs__sb_t *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !sb_reserve(b, (size_t)n)) {
    b->oom = true;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void gs__sb_xml(gs__sb_t *b, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
    switch (*p) {
      case '&':
        gs__sb_printf(b, "&amp;");
        break;
      case '<':
        gs__sb_printf(b, "&lt;");
        break;
      case '>':
        gs__sb_printf(b, "&gt;");
        break;
      case '"':
        gs__sb_printf(b, "&quot;");
        break;
      case '\'':
        gs__sb_printf(b, "&apos;");
        break;
      default:
        if (*p < 0x20 && *p != '\t' && *p != '\n')
          gs__sb_add(b, "?", 1);
        else
          gs__sb_add(b, (const char *)p, 1);
    }
  }
}

char *gs__sb_take(gs__sb_t *b) {
  char *out = b->oom ? NULL : b->buf;
  if (b->oom) free(b->buf);
  if (out == NULL && !b->oom) out = calloc(1, 1); /* nothing appended */
  *b = (gs__sb_t){0};
  return out;
}

/* ---- Rows ---------------------------------------------------------------- */

gs_err_t gs_check_report_add(gs_check_report_t *r, const gs_check_row_t *row) {
  if (r->n == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 64;
    gs_check_row_t *p = realloc(r->rows, cap * sizeof *p);
    if (p == NULL) return GS_ENOMEM;
    r->rows = p;
    r->cap = cap;
  }
  gs_check_row_t c = *row;
  c.name = gs__strdup(row->name ? row->name : "");
  c.expected = gs__strdup(row->expected ? row->expected : "");
  c.got = gs__strdup(row->got ? row->got : "");
  c.tolerance = gs__strdup(row->tolerance ? row->tolerance : "");
  if (!c.name || !c.expected || !c.got || !c.tolerance) {
    free(c.name);
    free(c.expected);
    free(c.got);
    free(c.tolerance);
    return GS_ENOMEM;
  }
  r->rows[r->n++] = c;
  return GS_OK;
}

void gs_check_report_free(gs_check_report_t *r) {
  for (size_t i = 0; i < r->n; i++) {
    free(r->rows[i].name);
    free(r->rows[i].expected);
    free(r->rows[i].got);
    free(r->rows[i].tolerance);
  }
  free(r->rows);
  *r = (gs_check_report_t){0};
}

/* ---- The table ----------------------------------------------------------- */

static size_t max_sz(size_t a, size_t b) {
  return a > b ? a : b;
}

void gs_check_report_print(FILE *out, const gs_check_report_t *r) {
  static const char *const head[] = {"scenario", "metric",    "expected",
                                     "got",      "tolerance", "verdict"};
  size_t w[5];
  for (int k = 0; k < 5; k++)
    w[k] = strlen(head[k]);
  for (size_t i = 0; i < r->n; i++) {
    const gs_check_row_t *x = &r->rows[i];
    w[0] = max_sz(w[0], strlen(x->scenario));
    w[1] = max_sz(w[1], strlen(x->name));
    w[2] = max_sz(w[2], strlen(x->expected));
    w[3] = max_sz(w[3], strlen(x->got));
    w[4] = max_sz(w[4], strlen(x->tolerance));
  }
  /* A run error's message can be long: it must not widen every row. */
  for (int k = 2; k < 4; k++)
    if (w[k] > 24) w[k] = 24;
  fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", (int)w[0], head[0],
          (int)w[1], head[1], (int)w[2], head[2], (int)w[3], head[3], (int)w[4],
          head[4], head[5]);
  for (size_t i = 0; i < r->n; i++) {
    const gs_check_row_t *x = &r->rows[i];
    fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", (int)w[0], x->scenario,
            (int)w[1], x->name, (int)w[2], x->expected, (int)w[3], x->got,
            (int)w[4], x->tolerance, x->verdict);
  }
}

/* ---- JUnit XML ----------------------------------------------------------- */

/* The JUnit format as Jenkins, GitLab and GitHub's reporters read it: a
 * <testsuites> root, <testsuite name tests failures errors time>, and
 * <testcase classname name time> holding <failure>/<error> when not
 * passed. Rows of one scenario are consecutive. */
char *gs_check_report_junit(const gs_check_report_t *r) {
  gs__sb_t b = {0};
  size_t fails = 0, errors = 0;
  double total_s = 0;
  for (size_t i = 0; i < r->n; i++) {
    fails += r->rows[i].failed && !r->rows[i].error;
    errors += r->rows[i].error;
    total_s += r->rows[i].time_s;
  }
  gs__sb_printf(&b,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<testsuites name=\"gridsim check\" tests=\"%zu\" "
                "failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
                r->n, fails, errors, total_s);
  for (size_t i = 0; i < r->n;) {
    const char *scn = r->rows[i].scenario;
    size_t j = i, f = 0, e = 0;
    double t = 0;
    for (; j < r->n && strcmp(r->rows[j].scenario, scn) == 0; j++) {
      f += r->rows[j].failed && !r->rows[j].error;
      e += r->rows[j].error;
      t += r->rows[j].time_s;
    }
    gs__sb_printf(&b, "  <testsuite name=\"");
    gs__sb_xml(&b, scn);
    gs__sb_printf(&b,
                  "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
                  "time=\"%.3f\">\n",
                  j - i, f, e, t);
    for (; i < j; i++) {
      const gs_check_row_t *x = &r->rows[i];
      gs__sb_printf(&b, "    <testcase classname=\"gridsim.check.");
      gs__sb_xml(&b, scn);
      gs__sb_printf(&b, "\" name=\"");
      gs__sb_xml(&b, x->name);
      gs__sb_printf(&b, "\" time=\"%.3f\"", x->time_s);
      if (!x->failed) {
        gs__sb_printf(&b, "/>\n");
        continue;
      }
      const char *tag = x->error ? "error" : "failure";
      gs__sb_printf(&b, ">\n      <%s type=\"%s\" message=\"", tag, x->verdict);
      gs__sb_xml(&b, x->name);
      gs__sb_printf(&b, ": expected ");
      gs__sb_xml(&b, x->expected);
      gs__sb_printf(&b, ", got ");
      gs__sb_xml(&b, x->got);
      if (x->tolerance[0]) {
        gs__sb_printf(&b, " (tolerance ");
        gs__sb_xml(&b, x->tolerance);
        gs__sb_printf(&b, ")");
      }
      gs__sb_printf(&b, "\"/>\n    </testcase>\n");
    }
    gs__sb_printf(&b, "  </testsuite>\n");
  }
  gs__sb_printf(&b, "</testsuites>");
  return gs__sb_take(&b);
}
