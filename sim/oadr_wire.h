/* SPDX-License-Identifier: MIT */
/* OpenADR 3 wire layer of the VEN role: versioned parsers and builders. */
#ifndef GRIDSIM_OADR_WIRE_H
#define GRIDSIM_OADR_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "gridsim/error.h"

/* Versions of the API. Only 3.1.0 is spoken; 3.0.1 differs in targets
 * (valuesMap objects, not strings) and the VEN request (no objectType),
 * which is where its table would differ. */
typedef enum gs_oadr_version {
  GS_OADR_V3_1_0 = 0,
  GS_OADR_V_COUNT
} gs_oadr_version_t;

/* "3.1.0" -> version; GS_EUNSUPPORTED with the known ones in `eb`. */
gs_err_t gs_oadr_version_parse(const char *text, gs_oadr_version_t *out,
                               gs_errbuf_t *eb);
const char *gs_oadr_version_name(gs_oadr_version_t v);

/* snprintf for JSON paths and URLs, which may be cut to fit `size` (a
 * message's path, never data). */
void gs_oadr_fmt(char *buf, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- time (RFC 3339 instants, ISO 8601 durations) ---------------------- */

/* The intervalPeriod start "0001-01-01" ("the beginning of time": now). */
#define GS_OADR_NOW_US INT64_MIN
/* The duration "P9999Y" (infinity). */
#define GS_OADR_FOREVER_US INT64_MAX

/* RFC 3339 date-time ("2026-07-15T14:00:00Z", offsets, fractions) or a
 * bare date, to Unix microseconds; 0001-01-01 gives GS_OADR_NOW_US.
 * false if malformed. */
bool gs_oadr_parse_datetime(const char *s, int64_t *unix_us);
/* ISO 8601 duration ("PT1H", "P1DT30M", "PT0.5S", "-PT5M"; years as 365
 * days, months as 30): microseconds; "P9999Y" gives GS_OADR_FOREVER_US.
 * false if malformed. */
bool gs_oadr_parse_duration(const char *s, int64_t *us);
/* Writes "2026-07-15T14:00:00Z" (whole seconds; fractions when not). */
void gs_oadr_format_datetime(int64_t unix_us, char *buf, size_t size);
/* Writes "PT900S" ("PT0.5S" with a fraction). */
void gs_oadr_format_duration(int64_t us, char *buf, size_t size);

/* ---- parsed objects ---------------------------------------------------- */

#define GS_OADR_ID_MAX 129  /* objectID, venName: at most 128 characters */
#define GS_OADR_TYPE_MAX 129

/* An intervalPeriod; `has_*` say which members were present. */
typedef struct gs_oadr_period {
  bool has_start, has_duration, has_randomize;
  int64_t start_unix_us;  /* or GS_OADR_NOW_US */
  int64_t duration_us;    /* or GS_OADR_FOREVER_US */
  int64_t randomize_us;   /* absolute bound of the start's shift */
} gs_oadr_period_t;

/* The payloads of one interval the VENs act on; has_* bits below. */
enum {
  GS_OADR_P_SIMPLE = 1u << 0,
  GS_OADR_P_PRICE = 1u << 1,
  GS_OADR_P_IMPORT_LIMIT = 1u << 2,
  GS_OADR_P_EXPORT_LIMIT = 1u << 3,
  GS_OADR_P_SETPOINT = 1u << 4,
  GS_OADR_P_SETPOINT_REL = 1u << 5
};

typedef struct gs_oadr_interval {
  int32_t id;
  gs_oadr_period_t period;
  uint32_t has;         /* GS_OADR_P_* */
  int simple_level;     /* SIMPLE: 0..3 */
  double price;         /* PRICE, per the descriptor's units ($/kWh) */
  double import_kw;     /* IMPORT_CAPACITY_LIMIT (kW) */
  double export_kw;     /* EXPORT_CAPACITY_LIMIT (kW) */
  double setpoint_kw;   /* DISPATCH_SETPOINT (kW) */
  double relative_kw;   /* DISPATCH_SETPOINT_RELATIVE: change of use (kW) */
  uint32_t n_unknown;   /* payload types not understood (ignored) */
} gs_oadr_interval_t;

/* One reportDescriptor, defaults filled in as the spec gives them. */
typedef struct gs_oadr_report_desc {
  char payload_type[GS_OADR_TYPE_MAX]; /* USAGE, DEMAND, ... */
  char reading_type[GS_OADR_TYPE_MAX]; /* "" when absent */
  char units[GS_OADR_TYPE_MAX];        /* "" when absent */
  int32_t start_interval;              /* -1: at the end of the last */
  int32_t num_intervals;               /* -1: all */
  int32_t frequency;                   /* -1: as numIntervals */
  int32_t repeat;                      /* 1 */
  bool historical;                     /* true */
  bool aggregate;
} gs_oadr_report_desc_t;

typedef struct gs_oadr_event {
  char id[GS_OADR_ID_MAX];
  char program_id[GS_OADR_ID_MAX];
  char event_name[GS_OADR_ID_MAX];    /* "" when absent */
  char modified[40];                  /* modificationDateTime as sent */
  int64_t duration_us;                /* event.duration; -1 when absent */
  int32_t priority;                   /* -1 when absent */
  gs_oadr_period_t period;            /* event.intervalPeriod */
  gs_oadr_interval_t *intervals;      /* owned */
  size_t n_intervals;
  gs_oadr_report_desc_t *reports;     /* owned */
  size_t n_reports;
  char (*targets)[GS_OADR_ID_MAX];    /* owned */
  size_t n_targets;
  double price_scale;                 /* to $/kWh from the descriptor */
} gs_oadr_event_t;

void gs_oadr_event_free(gs_oadr_event_t *ev);

/* ---- parsers: every error names the JSON path, expected and found ----- */
/* `path` is the prefix of the object's path ("events[3]"); messages go to
 * `eb`; results are GS_EINVAL for a payload that does not follow the spec
 * and GS_ENOMEM. */

/* One event object (from GET /events or a notification). */
gs_err_t gs_oadr_parse_event(gs_oadr_version_t v, const cJSON *obj,
                             const char *path, gs_oadr_event_t *out,
                             gs_errbuf_t *eb);

/* The ids of an array of objects (programs, vens): `*ids` is malloc'ed,
 * `*n` entries; for VENs `name_key` ("venName") may be checked against
 * `want` (NULL: any): only matching objects are kept. */
gs_err_t gs_oadr_parse_ids(const cJSON *arr, const char *path,
                           const char *name_key, const char *want,
                           char (**ids)[GS_OADR_ID_MAX], size_t *n,
                           gs_errbuf_t *eb);

/* One object's "id" (POST /vens answers the VEN). */
gs_err_t gs_oadr_parse_id(const cJSON *obj, const char *path,
                          char id[GS_OADR_ID_MAX], gs_errbuf_t *eb);

/* GET /auth/server: the tokenURL. */
gs_err_t gs_oadr_parse_auth_server(const cJSON *obj, char *url, size_t size,
                                   gs_errbuf_t *eb);

/* POST /auth/token: access_token and expires_in (-1 when absent). */
gs_err_t gs_oadr_parse_token(const cJSON *obj, char *token, size_t size,
                             int64_t *expires_in_s, gs_errbuf_t *eb);

/* GET /notifiers: WEBHOOK and whether MQTT is offered. */
gs_err_t gs_oadr_parse_notifiers(const cJSON *obj, bool *webhook, bool *mqtt,
                                 gs_errbuf_t *eb);

/* A notification: objectType and operation; `*object` borrows from `obj`. */
gs_err_t gs_oadr_parse_notification(const cJSON *obj, char *object_type,
                                    size_t ot_size, char *operation,
                                    size_t op_size, const cJSON **object,
                                    gs_errbuf_t *eb);

/* ---- builders: malloc'ed JSON text, NULL on out-of-memory ------------- */

/* POST /vens: {"objectType":"VEN_VEN_REQUEST","venName":..}. */
char *gs_oadr_build_ven_request(gs_oadr_version_t v, const char *ven_name);

/* POST /subscriptions for events of `program_id` (may be NULL: all) to
 * `callback_url`, with `bearer` (may be NULL) for the callbacks. */
char *gs_oadr_build_subscription(gs_oadr_version_t v, const char *client_name,
                                 const char *program_id,
                                 const char *callback_url, const char *bearer);

/* One interval of a report: its id, start, duration and one value per
 * payload type of the report (the same order as `types`). */
typedef struct gs_oadr_report_row {
  int32_t id;
  int64_t start_unix_us, duration_us;
  const double *values;
} gs_oadr_report_row_t;

/* POST /reports: a report for event `event_id` of `program_id` by
 * `client_name` with one resource (`resource_name`), whose descriptors
 * are `types` (payloadType, readingType, units; `n_types`) and whose
 * intervals are `rows`. */
typedef struct gs_oadr_report_type {
  const char *payload_type, *reading_type, *units;
} gs_oadr_report_type_t;

char *gs_oadr_build_report(gs_oadr_version_t v, const char *program_id,
                           const char *event_id, const char *client_name,
                           const char *report_name, const char *resource_name,
                           const gs_oadr_report_type_t *types, size_t n_types,
                           const gs_oadr_report_row_t *rows, size_t n_rows);

/* "<path>: expected <what>, found <v>" (v NULL: "nothing") in `eb`;
 * returns GS_EINVAL. The wire layer's one error form. */
gs_err_t gs__oadr_bad(gs_errbuf_t *eb, const char *path, const cJSON *v,
                      const char *what);

#endif /* GRIDSIM_OADR_WIRE_H */
