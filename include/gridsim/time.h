/* SPDX-License-Identifier: MIT */
/* Simulated time: int64 microseconds since the scenario's start instant. */
#ifndef GRIDSIM_TIME_H
#define GRIDSIM_TIME_H

#include <stdint.h>

#include "gridsim/error.h"

typedef int64_t gs_time_us_t;

#define GS_US_PER_MS INT64_C(1000)
#define GS_US_PER_S INT64_C(1000000)
#define GS_US_PER_MIN (INT64_C(60) * GS_US_PER_S)
#define GS_US_PER_H (INT64_C(3600) * GS_US_PER_S)
#define GS_US_PER_DAY (INT64_C(24) * GS_US_PER_H)
#define GS_TIME_NEVER INT64_MAX

/* Converts seconds (a scenario value) to microseconds, rounded to nearest.
 * Returns GS_ERANGE when |s| does not fit or is not finite. */
gs_err_t gs_time_from_s(double s, gs_time_us_t *out_us);

/* Parses an ISO 8601 UTC instant ("2026-07-15T00:00:00Z", an offset such as
 * "+02:00" is also accepted) into Unix epoch seconds. GS_EINVAL if malformed. */
gs_err_t gs_time_parse_iso8601(const char *text, int64_t *out_unix_s);

/* Formats Unix epoch seconds as "YYYY-MM-DDTHH:MM:SSZ" into `buf` (>= 21). */
void gs_time_format_iso8601(int64_t unix_s, char *buf, size_t size);

#endif /* GRIDSIM_TIME_H */
