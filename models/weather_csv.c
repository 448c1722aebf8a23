/* SPDX-License-Identifier: MIT */
/* Reads measured weather from a CSV file: timestamp, temp_c, ghi_w_m2. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weather_priv.h"

/* The file format (README.md, section Weather):
 *   timestamp,temp_c,ghi_w_m2          header: these columns in any order,
 *   2026-07-15T00:00:00Z,21.3,0        others ignored
 *   1784077200,20.1,0                  (Unix seconds also accepted)
 * Rows strictly increase with one constant interval, which becomes the
 * weather step; row i holds on [t_i, t_i + interval). Blank lines and
 * lines starting with '#' are skipped. Every error names file:line. */

#define MAX_COLS 64
/* Bounds of plausible input: beyond them a file has the wrong unit or a
 * fill value (-999, 9999), which must not reach the models as weather. */
#define TEMP_MIN_C   (-90.0)
#define TEMP_MAX_C   65.0
#define GHI_MAX_W_M2 2000.0
/* Measured GHI dips slightly below zero at night (pyranometer thermal
 * offset, typically a few W/m²); such values are read as 0. */
#define GHI_NEG_TOL_W_M2 (-20.0)
/* |Unix seconds| limit, so that seconds * 10^6 cannot overflow int64. */
#define UNIX_S_MAX 100000000000.0

enum { COL_T, COL_TEMP, COL_GHI, N_NEEDED };
static const char *const col_names[N_NEEDED] = {"timestamp", "temp_c",
                                                "ghi_w_m2"};

typedef struct csv {
  const char *path;
  gs_errbuf_t *eb;
  unsigned long line;
  int64_t *t;
  float *temp, *ghi;
  size_t n, cap;
} csv_t;

/* "path:line: expected <what>, found <found>"; GS_ESCENARIO. */
static gs_err_t fail_at(const csv_t *c, const char *what, const char *found) {
  return gs_errbuf_set(c->eb, GS_ESCENARIO, "%s:%lu: expected %s, found %s",
                       c->path, c->line, what, found);
}

/* A field quoted for a message, cut so a long line cannot fill it. */
static void quote(const char *s, char *buf, size_t size) {
  if (strlen(s) > 40)
    snprintf(buf, size, "\"%.37s...\"", s);
  else
    snprintf(buf, size, "\"%s\"", s);
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t')
    s++;
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
                   s[n - 1] == '\n'))
    s[--n] = '\0';
  /* Spreadsheets quote fields; embedded commas are not supported. */
  if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
    s[n - 1] = '\0';
    s++;
  }
  return s;
}

/* Splits `line` at commas in place; returns the field count (all fields
 * are counted, the first MAX_COLS stored). */
static int split(char *line, char **f) {
  int n = 0;
  for (char *p = line;; n++) {
    char *comma = strchr(p, ',');
    if (comma != NULL) *comma = '\0';
    if (n < MAX_COLS) f[n] = trim(p);
    if (comma == NULL) return n + 1;
    p = comma + 1;
  }
}

static bool parse_double(const char *s, double *out) {
  if (*s == '\0') return false;
  char *end;
  errno = 0;
  double x = strtod(s, &end);
  if (*end != '\0' || errno == ERANGE || !isfinite(x)) return false;
  *out = x;
  return true;
}

/* Unix seconds (an optionally signed integer) or an ISO 8601 instant.
 * Digits alone are taken as seconds: no ISO 8601 instant is all digits,
 * so the two forms cannot be confused. Fractional seconds are refused by
 * both, which keeps every row on the whole-second grid. */
static bool parse_time(const char *s, int64_t *out) {
  const char *p = s + (*s == '-' || *s == '+');
  bool digits = *p != '\0';
  for (const char *q = p; *q; q++)
    if (!isdigit((unsigned char)*q)) digits = false;
  if (digits) {
    double x;
    if (!parse_double(s, &x) || fabs(x) > UNIX_S_MAX) return false;
    *out = (int64_t)x;
    return true;
  }
  return gs_time_parse_iso8601(s, out) == GS_OK;
}

/* Appends a row, growing the three arrays together by doubling. A file is
 * read whole (a year of 1-min rows is 8 MB) and trimmed to the run after,
 * because the step is only known once two rows have been read. */
static gs_err_t add_row(csv_t *c, int64_t t, double temp_c, double ghi) {
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 1024;
    int64_t *nt = realloc(c->t, cap * sizeof *nt);
    if (nt != NULL) c->t = nt;
    float *na = nt ? realloc(c->temp, cap * sizeof *na) : NULL;
    if (na != NULL) c->temp = na;
    float *nb = na ? realloc(c->ghi, cap * sizeof *nb) : NULL;
    if (nb == NULL)
      return gs_errbuf_set(c->eb, GS_ENOMEM, "%s: out of memory", c->path);
    c->ghi = nb;
    c->cap = cap;
  }
  c->t[c->n] = t;
  c->temp[c->n] = (float)temp_c;
  c->ghi[c->n] = (float)ghi;
  c->n++;
  return GS_OK;
}

/* Finds the needed columns in the header line `f[0..nf)`. */
static gs_err_t read_header(csv_t *c, char **f, int nf, char *orig, int *col) {
  if (nf > MAX_COLS) {
    char found[32];
    snprintf(found, sizeof found, "%d", nf);
    return fail_at(c, "a header of at most 64 columns", found);
  }
  for (int k = 0; k < N_NEEDED; k++) {
    col[k] = -1;
    for (int i = 0; i < nf; i++) {
      if (strcmp(f[i], col_names[k]) != 0) continue;
      if (col[k] >= 0) {
        char what[64];
        snprintf(what, sizeof what, "the column %s once", col_names[k]);
        return fail_at(c, what, "it twice");
      }
      col[k] = i;
    }
    if (col[k] < 0) {
      char what[96], found[64];
      snprintf(what, sizeof what, "a header naming the column %s",
               col_names[k]);
      quote(orig, found, sizeof found);
      return fail_at(c, what, found);
    }
  }
  return GS_OK;
}

/* Reads one data row; `nf` fields as split from the line. */
static gs_err_t read_row(csv_t *c, char **f, int nf, int ncols,
                         const int *col) {
  char what[128], found[64];
  if (nf != ncols) {
    snprintf(what, sizeof what, "%d fields as in the header", ncols);
    snprintf(found, sizeof found, "%d", nf);
    return fail_at(c, what, found);
  }
  int64_t t;
  if (!parse_time(f[col[COL_T]], &t)) {
    quote(f[col[COL_T]], found, sizeof found);
    return fail_at(c,
                   "an ISO 8601 UTC instant or Unix seconds in column "
                   "timestamp",
                   found);
  }
  static const double lo[N_NEEDED] = {0, TEMP_MIN_C, GHI_NEG_TOL_W_M2};
  static const double hi[N_NEEDED] = {0, TEMP_MAX_C, GHI_MAX_W_M2};
  double v[N_NEEDED];
  for (int k = COL_TEMP; k < N_NEEDED; k++) {
    const char *s = f[col[k]];
    quote(s, found, sizeof found);
    if (!parse_double(s, &v[k])) {
      snprintf(what, sizeof what, "a number in column %s", col_names[k]);
      return fail_at(c, what, found);
    }
    if (v[k] < lo[k] || v[k] > hi[k]) {
      snprintf(what, sizeof what, "a number in [%g, %g] in column %s", lo[k],
               hi[k], col_names[k]);
      return fail_at(c, what, found);
    }
  }
  if (c->n >= 1) {
    char prev[32], now[32];
    int64_t tp = c->t[c->n - 1];
    gs_time_format_iso8601(tp, prev, sizeof prev);
    gs_time_format_iso8601(t, now, sizeof now);
    if (t <= tp) {
      snprintf(what, sizeof what, "a timestamp after the previous row's %s",
               prev);
      return fail_at(c, what, now);
    }
    /* One interval for the whole file: it becomes the step, and a gap
     * (a missing row) would otherwise silently stretch the previous
     * row's values across it. */
    if (c->n >= 2 && t - tp != c->t[1] - c->t[0]) {
      snprintf(what, sizeof what,
               "the interval of the first two rows (%lld s) after %s",
               (long long)(c->t[1] - c->t[0]), prev);
      snprintf(found, sizeof found, "%s (%lld s)", now, (long long)(t - tp));
      return fail_at(c, what, found);
    }
  }
  return add_row(c, t, v[COL_TEMP], v[COL_GHI] < 0 ? 0.0 : v[COL_GHI]);
}

/* Reads every row of `f` into `c`. */
static gs_err_t read_all(csv_t *c, FILE *f) {
  char *buf = NULL, *fields[MAX_COLS];
  size_t size = 0;
  int col[N_NEEDED], ncols = 0;
  gs_err_t err = GS_OK;
  /* Skipped lines are counted too, so "file:line" matches an editor. */
  for (c->line = 1;; c->line++) {
    errno = 0;
    ssize_t got = getline(&buf, &size, f);
    if (got < 0) {
      if (ferror(f))
        err = gs_errbuf_set(c->eb, GS_EIO, "%s:%lu: %s", c->path, c->line,
                            strerror(errno));
      break;
    }
    char *line = buf;
    if (c->line == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
      line += 3; /* a UTF-8 byte-order mark, as spreadsheets write */
    char *t = trim(line);
    if (*t == '\0' || *t == '#') continue;
    char orig[64];
    snprintf(orig, sizeof orig, "%s", t);
    int nf = split(t, fields);
    if (ncols == 0) {
      if ((err = read_header(c, fields, nf, orig, col)) != GS_OK) break;
      ncols = nf;
    } else if ((err = read_row(c, fields, nf, ncols, col)) != GS_OK) {
      break;
    }
  }
  free(buf);
  if (err == GS_OK && ncols == 0)
    err = gs_errbuf_set(c->eb, GS_ESCENARIO,
                        "%s: expected a header line \"timestamp,temp_c,"
                        "ghi_w_m2\", found no line",
                        c->path);
  else if (err == GS_OK && c->n < 2)
    err = gs_errbuf_set(c->eb, GS_ESCENARIO,
                        "%s: expected at least two data rows (their "
                        "spacing sets the step), found %zu",
                        c->path, c->n);
  return err;
}

/* Checks that rows cover the run and copies the rows it needs into a new
 * weather. Step k of the weather is row i0 + k. */
static gs_err_t to_weather(csv_t *c, int64_t start_unix_s,
                           gs_time_us_t duration_us, double lat_deg,
                           double lon_deg, gs_weather_t **out) {
  int64_t dt_s = c->t[1] - c->t[0];
  int64_t first = c->t[0], end_data = c->t[c->n - 1] + dt_s;
  /* The end instant itself reads the row that holds just before it. */
  int64_t end_s = start_unix_s + (duration_us + GS_US_PER_S - 1) / GS_US_PER_S;
  if (first > start_unix_s ||
      (end_data - start_unix_s) * GS_US_PER_S < duration_us) {
    char a[32], b[32], x[32], y[32];
    gs_time_format_iso8601(start_unix_s, a, sizeof a);
    gs_time_format_iso8601(end_s, b, sizeof b);
    gs_time_format_iso8601(first, x, sizeof x);
    gs_time_format_iso8601(end_data, y, sizeof y);
    return gs_errbuf_set(c->eb, GS_ESCENARIO,
                         "%s: expected data covering %s to %s, found data "
                         "from %s to %s",
                         c->path, a, b, x, y);
  }
  /* Row i0 holds the start; the weather's grid keeps the rows' phase
   * (origin <= 0) rather than resampling, so values stay as measured. */
  size_t i0 = (size_t)((start_unix_s - first) / dt_s);
  gs_time_us_t step_us = dt_s * GS_US_PER_S;
  gs_time_us_t origin_us =
      (first + (int64_t)i0 * dt_s - start_unix_s) * GS_US_PER_S;
  size_t n = (size_t)((duration_us - origin_us + step_us - 1) / step_us);
  GS_ASSERT(n >= 1 && i0 + n <= c->n);
  if (n > GS__WEATHER_MAX_STEPS)
    return gs_errbuf_set(c->eb, GS_ESCENARIO,
                         "%s: expected at most %zu rows within the run, "
                         "found %zu",
                         c->path, GS__WEATHER_MAX_STEPS, n);
  gs_weather_t *w = gs__weather_alloc(n, false);
  if (w == NULL)
    return gs_errbuf_set(c->eb, GS_ENOMEM, "%s: out of memory", c->path);
  w->step_us = step_us;
  w->origin_us = origin_us;
  memcpy(w->temp_c, c->temp + i0, n * sizeof *w->temp_c);
  memcpy(w->ghi_w_m2, c->ghi + i0, n * sizeof *w->ghi_w_m2);
  gs__weather_fill_sun(w, start_unix_s, lat_deg, lon_deg);
  gs__weather_fill_glazing(w, start_unix_s, lat_deg, lon_deg);
  *out = w;
  return GS_OK;
}

gs_err_t gs__weather_read_csv(const char *csv_path, int64_t start_unix_s,
                              gs_time_us_t duration_us, double lat_deg,
                              double lon_deg, gs_weather_t **out,
                              gs_errbuf_t *eb) {
  *out = NULL;
  FILE *f = fopen(csv_path, "rb");
  if (f == NULL)
    return gs_errbuf_set(eb, GS_EIO, "\"%s\" (%s)", csv_path, strerror(errno));
  csv_t c = {.path = csv_path, .eb = eb};
  gs_err_t err = read_all(&c, f);
  fclose(f);
  if (err == GS_OK)
    err = to_weather(&c, start_unix_s, duration_us, lat_deg, lon_deg, out);
  free(c.t);
  free(c.temp);
  free(c.ghi);
  return err;
}
