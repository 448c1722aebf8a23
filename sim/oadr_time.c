/* SPDX-License-Identifier: MIT */
/* OpenADR 3 times: RFC 3339 instants and ISO 8601 durations, to microseconds. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gridsim/time.h"
#include "oadr_wire.h"

/* Reads up to 6 fraction digits after a '.', as microseconds; more digits
 * are allowed and truncated. Returns the characters consumed. */
static size_t read_fraction(const char *p, int64_t *us) {
  size_t n = 0;
  int64_t v = 0, scale = 100000;
  while (p[n] >= '0' && p[n] <= '9') {
    if (scale > 0) v += (p[n] - '0') * scale;
    scale /= 10;
    n++;
  }
  *us = v;
  return n;
}

bool gs_oadr_parse_datetime(const char *s, int64_t *unix_us) {
  if (s == NULL) return false;
  size_t len = strlen(s);
  if (len < 10 || len > 64) return false;
  /* "The beginning of time" means now (User Guide, intervalPeriod). */
  if (strncmp(s, "0001-01-01", 10) == 0 &&
      (len == 10 || strncmp(s + 10, "T00:00:00", 9) == 0)) {
    *unix_us = GS_OADR_NOW_US;
    return true;
  }
  char buf[80];
  int64_t frac_us = 0;
  if (len == 10) { /* a bare date: its midnight, UTC */
    snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
  } else {
    /* The fraction is cut out (the shared parser takes whole seconds). */
    const char *dot = len > 19 ? strchr(s + 19, '.') : NULL;
    size_t head = dot ? (size_t)(dot - s) : len;
    memcpy(buf, s, head);
    size_t tail = 0;
    if (dot) {
      size_t nd = read_fraction(dot + 1, &frac_us);
      if (nd == 0) return false;
      tail = head + 1 + nd;
    } else {
      tail = head;
    }
    snprintf(buf + head, sizeof buf - head, "%s", s + tail);
    /* No zone at all is read as UTC: lenient with VTNs that omit it. */
    size_t bl = strlen(buf);
    if (bl == 16 || bl == 19) snprintf(buf + bl, sizeof buf - bl, "Z");
  }
  int64_t unix_s;
  if (gs_time_parse_iso8601(buf, &unix_s) != GS_OK) return false;
  *unix_us = unix_s * GS_US_PER_S + frac_us;
  return true;
}

bool gs_oadr_parse_duration(const char *s, int64_t *us) {
  if (s == NULL) return false;
  const char *p = s;
  bool neg = *p == '-';
  if (neg) p++;
  if (*p++ != 'P' || *p == '\0') return false;
  if (strcmp(p, "9999Y") == 0) {
    *us = GS_OADR_FOREVER_US;
    return true;
  }
  bool in_time = false, any = false;
  int last_rank = 0;
  /* Weight of each designator in seconds: years as 365 days, months as
   * 30 (a VTN that means calendar months must not send them). */
  double total_s = 0;
  while (*p) {
    if (*p == 'T') {
      if (in_time) return false;
      in_time = true;
      p++;
      if (*p == '\0') return false;
      continue;
    }
    if (*p < '0' || *p > '9') return false;
    int64_t whole = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
      if (++digits > 12) return false;
      whole = whole * 10 + (*p++ - '0');
    }
    int64_t frac_us = 0;
    if (*p == '.' || *p == ',') {
      size_t nd = read_fraction(p + 1, &frac_us);
      if (nd == 0) return false;
      p += 1 + nd;
      if (*p != 'S' || !in_time) return false; /* fractions of seconds */
    }
    double w;
    int rank; /* designators come once each, in this order */
    switch (*p) {
      case 'Y': w = in_time ? -1 : 365 * 86400.0, rank = 1; break;
      case 'M': w = in_time ? 60 : 30 * 86400.0, rank = in_time ? 6 : 2; break;
      case 'W': w = in_time ? -1 : 7 * 86400.0, rank = 3; break;
      case 'D': w = in_time ? -1 : 86400, rank = 4; break;
      case 'H': w = in_time ? 3600 : -1, rank = 5; break;
      case 'S': w = in_time ? 1 : -1, rank = 7; break;
      default: return false;
    }
    if (w < 0 || rank <= last_rank) return false;
    last_rank = rank;
    total_s += (double)whole * w + (double)frac_us / 1e6;
    any = true;
    p++;
  }
  if (!any || total_s > 9e12) return false;
  int64_t v = (int64_t)(total_s * 1e6 + 0.5);
  *us = neg ? -v : v;
  return true;
}

void gs_oadr_format_datetime(int64_t unix_us, char *buf, size_t size) {
  int64_t s = unix_us >= 0 ? unix_us / GS_US_PER_S
                           : (unix_us - (GS_US_PER_S - 1)) / GS_US_PER_S;
  int64_t frac = unix_us - s * GS_US_PER_S;
  char whole[32];
  gs_time_format_iso8601(s, whole, sizeof whole);
  if (frac == 0) {
    snprintf(buf, size, "%s", whole);
    return;
  }
  whole[strlen(whole) - 1] = '\0'; /* drop the Z, add the fraction */
  snprintf(buf, size, "%s.%06" PRId64 "Z", whole, frac);
}

void gs_oadr_format_duration(int64_t us, char *buf, size_t size) {
  const char *sign = us < 0 ? "-" : "";
  int64_t a = us < 0 ? -us : us;
  if (a % GS_US_PER_S == 0)
    snprintf(buf, size, "%sPT%" PRId64 "S", sign, a / GS_US_PER_S);
  else
    snprintf(buf, size, "%sPT%" PRId64 ".%06" PRId64 "S", sign,
             a / GS_US_PER_S, a % GS_US_PER_S);
}
