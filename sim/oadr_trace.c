/* SPDX-License-Identifier: MIT */
/* /oadr in the trace: the VTN's payloads as they arrived, reports, counters. */
#include <hdf5.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "oadr_priv.h"
#include "trace_priv.h"

/* One row of /oadr/inbound in memory. */
typedef struct in_row {
  double t_s;
  int64_t t_us, wall_unix_us;
  uint64_t position;
  uint32_t ven;
  uint8_t source, kind;
  const char *payload;
} in_row_t;

typedef struct rep_row {
  double due_s;
  uint32_t ven, attempts;
  int32_t status;
  float latency_ms;
} rep_row_t;

static herr_t write_inbound(hid_t g, const gs_oadr_t *b) {
  hid_t str = H5Tcopy(H5T_C_S1);
  hid_t ty = H5Tcreate(H5T_COMPOUND, sizeof(in_row_t));
  in_row_t *rows = calloc(b->n_in ? b->n_in : 1, sizeof *rows);
  herr_t st = -1;
  if (str >= 0 && ty >= 0 && rows && H5Tset_size(str, H5T_VARIABLE) >= 0 &&
      H5Tset_cset(str, H5T_CSET_UTF8) >= 0 &&
      H5Tinsert(ty, "t_s", offsetof(in_row_t, t_s), H5T_NATIVE_DOUBLE) >= 0 &&
      H5Tinsert(ty, "t_us", offsetof(in_row_t, t_us), H5T_NATIVE_INT64) >= 0 &&
      H5Tinsert(ty, "wall_unix_us", offsetof(in_row_t, wall_unix_us),
                H5T_NATIVE_INT64) >= 0 &&
      H5Tinsert(ty, "position", offsetof(in_row_t, position),
                H5T_NATIVE_UINT64) >= 0 &&
      H5Tinsert(ty, "ven", offsetof(in_row_t, ven), H5T_NATIVE_UINT32) >= 0 &&
      H5Tinsert(ty, "source", offsetof(in_row_t, source), H5T_NATIVE_UINT8) >=
          0 &&
      H5Tinsert(ty, "kind", offsetof(in_row_t, kind), H5T_NATIVE_UINT8) >= 0 &&
      H5Tinsert(ty, "payload", offsetof(in_row_t, payload), str) >= 0) {
    for (size_t i = 0; i < b->n_in; i++)
      rows[i] = (in_row_t){.t_s = (double)b->in[i].t_us / 1e6,
                           .t_us = b->in[i].t_us,
                           .wall_unix_us = b->in[i].wall_unix_us,
                           .position = b->in[i].position,
                           .ven = b->in[i].ven,
                           .source = b->in[i].source,
                           .kind = b->in[i].kind,
                           .payload = b->in[i].payload};
    st = gs__tr_put1d(g, "inbound", ty, ty, b->n_in, rows, true, NULL,
                      "what the VTN sent, at its simulated arrival time "
                      "(t_us, t_s), after `position` events were taken (as "
                      "/mqtt/inbound), and real time (wall_unix_us): source 0 "
                      "poll, 1 webhook; kind 0 event applied (payload: the "
                      "event object), 1 event deleted (payload: its id), 2 "
                      "bad payload (payload: the error)");
  }
  free(rows);
  if (ty >= 0) H5Tclose(ty);
  if (str >= 0) H5Tclose(str);
  return st;
}

static herr_t write_reports(hid_t g, const gs_oadr_t *b) {
  hid_t ty = H5Tcreate(H5T_COMPOUND, sizeof(rep_row_t));
  rep_row_t *rows = calloc(b->n_rec ? b->n_rec : 1, sizeof *rows);
  herr_t st = -1;
  if (ty >= 0 && rows &&
      H5Tinsert(ty, "due_s", offsetof(rep_row_t, due_s), H5T_NATIVE_DOUBLE) >=
          0 &&
      H5Tinsert(ty, "ven", offsetof(rep_row_t, ven), H5T_NATIVE_UINT32) >= 0 &&
      H5Tinsert(ty, "attempts", offsetof(rep_row_t, attempts),
                H5T_NATIVE_UINT32) >= 0 &&
      H5Tinsert(ty, "status", offsetof(rep_row_t, status), H5T_NATIVE_INT32) >=
          0 &&
      H5Tinsert(ty, "latency_ms", offsetof(rep_row_t, latency_ms),
                H5T_NATIVE_FLOAT) >= 0) {
    for (size_t i = 0; i < b->n_rec; i++)
      rows[i] = (rep_row_t){.due_s = (double)b->rec[i].due_us / 1e6,
                            .ven = b->rec[i].ven,
                            .attempts = b->rec[i].attempts,
                            .status = b->rec[i].status,
                            .latency_ms = b->rec[i].latency_ms};
    st = gs__tr_put1d(g, "reports", ty, ty, b->n_rec, rows, true, NULL,
                      "each report's fate: due (simulated s), VEN, attempts, "
                      "last HTTP status (-1 dropped from a full queue, -2 "
                      "unsent at the end of the run), "
                      "latency from due to accepted (ms, NaN if not sent)");
  }
  free(rows);
  if (ty >= 0) H5Tclose(ty);
  return st;
}

gs_err_t gs_oadr_trace_write(const gs_oadr_t *b, struct gs_trace *t,
                             gs_errbuf_t *eb) {
  if (b == NULL || t == NULL) return GS_OK;
  char cause[GS__TR_CAUSE_SIZE] = "";
  gs__tr_quiet_t q = gs__tr_quiet_begin(cause);
  hid_t g = gs__tr_group(t->file, "oadr");
  herr_t st = g >= 0 ? 0 : -1;
  if (st >= 0) st = gs__tr_attr_str(g, "url", b->base);
  if (st >= 0)
    st = gs__tr_attr_str(g, "version", gs_oadr_version_name(b->cfg.version));
  const gs_oadr_stats_t *s = &b->st;
  const struct { const char *k; double v; } f[] = {
      {"vens", s->vens}, {"enrolled", s->enrolled},
      {"requests", (double)s->requests}, {"retries", (double)s->retries},
      {"status_5xx", (double)s->status_5xx},
      {"transport_errors", (double)s->transport_errors},
      {"unauthorized", (double)s->unauthorized},
      {"token_fetches", (double)s->token_fetches},
      {"bad_payloads", (double)s->bad_payloads},
      {"events_applied", (double)s->events_applied},
      {"reports_sent", (double)s->reports_sent},
      {"reports_dropped", (double)s->reports_dropped},
      {"report_latency_ms_p99", gs_oadr_report_latency_ms(b, 0.99)}};
  for (size_t i = 0; st >= 0 && i < sizeof f / sizeof f[0]; i++)
    st = gs__tr_attr_f64(g, f[i].k, f[i].v);
  if (st >= 0) st = write_inbound(g, b);
  if (st >= 0) st = write_reports(g, b);
  if (g >= 0) H5Gclose(g);
  gs__tr_quiet_end(q);
  return st >= 0 ? GS_OK : gs__tr_fail(eb, t->path, "writing /oadr", cause);
}
