/* SPDX-License-Identifier: MIT */
/* The VTN's HDF5 trace (/vtn/reports, /vtn/enrollment, /vtn/events). */
#ifndef GRIDSIM_VTN_TRACE_H
#define GRIDSIM_VTN_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "vtn.h"

typedef struct gs_vtn_trace gs_vtn_trace_t;

/* Creates `path` (written as `path`.partial, renamed on close) with the
 * effective scenario JSON, the OpenADR `version` and the VTN's `url` as
 * attributes; `start_unix_us` is simulated time 0 (time_s columns count
 * from it). The caller owns `*out`. */
gs_err_t gs_vtn_trace_open(const char *path, const char *scenario_json,
                           const char *version, const char *url,
                           int64_t start_unix_us, gs_vtn_trace_t **out,
                           gs_errbuf_t *eb);
/* One row per value of `report` (a stored report object, borrowed) that
 * arrived at `now_unix_us`; `scenario_event` is the index of its event
 * in the scenario, or -1. A write error stops recording and is reported
 * by gs_vtn_trace_close. */
void gs_vtn_trace_report(gs_vtn_trace_t *t, const cJSON *report,
                         int32_t scenario_event, int64_t now_unix_us);
void gs_vtn_trace_enrolled(gs_vtn_trace_t *t, const gs_vtn_counts_t *c,
                           int64_t now_unix_us);
void gs_vtn_trace_event(gs_vtn_trace_t *t, int32_t scenario_event,
                        const char *event_id, int64_t now_unix_us);
/* One row of /vtn/changes: a client's create, update or delete of an
 * object of `type` (`obj` borrowed). */
void gs_vtn_trace_change(gs_vtn_trace_t *t, const char *type, const char *op,
                         const cJSON *obj, int64_t now_unix_us);
/* Writes what is buffered, marks /vtn "complete" (or not), closes and
 * renames; frees `t`. GS_EIO with detail in `eb` on a write error. */
gs_err_t gs_vtn_trace_close(gs_vtn_trace_t *t, bool complete,
                            gs_errbuf_t *eb);

#endif /* GRIDSIM_VTN_TRACE_H */
