/* SPDX-License-Identifier: MIT */
/* Conversions between scenario seconds, ISO 8601 instants and microseconds. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gridsim/time.h"

gs_err_t gs_time_from_s(double s, gs_time_us_t *out_us) {
  /* 2^62 µs is about 146,000 years: far beyond any scenario. */
  if (!isfinite(s) || fabs(s) > 4.6e12) return GS_ERANGE;
  *out_us = (gs_time_us_t)llround(s * 1e6);
  return GS_OK;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil algorithm), so no time zone or libc state is involved. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int read_digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

gs_err_t gs_time_parse_iso8601(const char *text, int64_t *out_unix_s) {
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y, mo, d, h, mi, sec = 0;
  if (text == NULL || out_unix_s == NULL) return GS_EINVAL;
  const char *p = text;
  if (read_digits(p, 4, &y) || p[4] != '-' || read_digits(p + 5, 2, &mo) ||
      p[7] != '-' || read_digits(p + 8, 2, &d) ||
      (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
      read_digits(p + 11, 2, &h) || p[13] != ':' ||
      read_digits(p + 14, 2, &mi))
    return GS_EINVAL;
  p += 16;
  if (*p == ':') {
    if (read_digits(p + 1, 2, &sec)) return GS_EINVAL;
    p += 3;
    if (*p == '.') { /* fractional seconds must be zero: whole seconds only */
      p++;
      if (*p < '0' || *p > '9') return GS_EINVAL;
      while (*p == '0') p++;
      if (*p >= '1' && *p <= '9') return GS_EINVAL;
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59)
    return GS_EINVAL;
  int dim = mdays[mo - 1] + (mo == 2 && is_leap(y));
  if (d > dim) return GS_EINVAL;
  int64_t offset_s = 0;
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    int oh, om;
    if (read_digits(p + 1, 2, &oh) || p[3] != ':' ||
        read_digits(p + 4, 2, &om) || oh > 23 || om > 59)
      return GS_EINVAL;
    offset_s = (oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
    p += 6;
  } else {
    return GS_EINVAL; /* an instant must say it is UTC or give its offset */
  }
  if (*p != '\0') return GS_EINVAL;
  int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
  *out_unix_s = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  return GS_OK;
}

void gs_time_format_iso8601(int64_t unix_s, char *buf, size_t size) {
  /* civil_from_days, the inverse of the above. */
  int64_t days = unix_s >= 0 ? unix_s / 86400 : (unix_s - 86399) / 86400;
  int64_t sod = unix_s - days * 86400;
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = (int64_t)yoe + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  snprintf(buf, size, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d,
           (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
}
