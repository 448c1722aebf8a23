/* SPDX-License-Identifier: MIT */
/* The VTN's HDF5 trace: reports received, enrollment counts, events published. */
#include "vtn_trace.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trace_priv.h"
#include "vtn_priv.h"
#include "gridsim/version.h"

/* Ids and names are fixed-length strings (truncated past 63 bytes): a
 * compound table of fixed-size rows is what h5py, pandas and h5dump read
 * without special handling, unlike variable-length strings. */
#define STR_ID 64

/* Rows in memory; the file's compound types are packed versions of these
 * (see compound()), so padding never reaches the file. */
typedef struct report_row {
  double received_unix_s, time_s, interval_start_unix_s, value;
  int32_t scenario_event, interval;
  char report[STR_ID], ven[STR_ID], client[STR_ID], event[STR_ID],
      resource[STR_ID], type[STR_ID];
} report_row_t;

typedef struct enroll_row {
  double received_unix_s, time_s;
  uint32_t vens, resources, subscriptions, reports, events, tokens;
} enroll_row_t;

typedef struct event_row {
  double unix_s, time_s;
  int32_t scenario_event;
  char event[STR_ID];
} event_row_t;

typedef struct change_row {
  double received_unix_s, time_s;
  char object_type[STR_ID], operation[STR_ID], id[STR_ID], name[STR_ID],
      client[STR_ID];
} change_row_t;

enum ft { FT_F64, FT_I32, FT_U32, FT_STR };
typedef struct field {
  const char *name;
  size_t off;
  enum ft type;
  const char *units;
} field_t;

#define F(row, m, t, u) {#m, offsetof(row, m), t, u}
static const field_t report_fields[] = {
    F(report_row_t, received_unix_s, FT_F64, "s"),
    F(report_row_t, time_s, FT_F64, "s"),
    F(report_row_t, report, FT_STR, ""),
    F(report_row_t, ven, FT_STR, ""),
    F(report_row_t, client, FT_STR, ""),
    F(report_row_t, event, FT_STR, ""),
    F(report_row_t, scenario_event, FT_I32, ""),
    F(report_row_t, resource, FT_STR, ""),
    F(report_row_t, type, FT_STR, ""),
    F(report_row_t, interval, FT_I32, ""),
    F(report_row_t, interval_start_unix_s, FT_F64, "s"),
    F(report_row_t, value, FT_F64, "per the report's payloadDescriptors")};
static const field_t enroll_fields[] = {
    F(enroll_row_t, received_unix_s, FT_F64, "s"),
    F(enroll_row_t, time_s, FT_F64, "s"),
    F(enroll_row_t, vens, FT_U32, ""),
    F(enroll_row_t, resources, FT_U32, ""),
    F(enroll_row_t, subscriptions, FT_U32, ""),
    F(enroll_row_t, reports, FT_U32, ""),
    F(enroll_row_t, events, FT_U32, ""),
    F(enroll_row_t, tokens, FT_U32, "")};
static const field_t event_fields[] = {
    F(event_row_t, unix_s, FT_F64, "s"), F(event_row_t, time_s, FT_F64, "s"),
    F(event_row_t, scenario_event, FT_I32, ""),
    F(event_row_t, event, FT_STR, "")};

static const field_t change_fields[] = {
    F(change_row_t, received_unix_s, FT_F64, "s"),
    F(change_row_t, time_s, FT_F64, "s"),
    F(change_row_t, object_type, FT_STR, ""),
    F(change_row_t, operation, FT_STR, ""),
    F(change_row_t, id, FT_STR, ""), F(change_row_t, name, FT_STR, ""),
    F(change_row_t, client, FT_STR, "")};

typedef struct table {
  const char *name, *doc;
  const field_t *f;
  size_t n, row_size;
} table_t;
enum { T_REPORTS, T_ENROLLMENT, T_EVENTS, T_CHANGES, T_N };
static const table_t tables[T_N] = {
    {"reports",
     "one row per value of a report a VEN posted (or updated): when it "
     "arrived (unix and seconds from the scenario start), the report, the "
     "VEN (clientName) and its client, the event and its scenario index "
     "(-1 if not from the scenario), resource, payload type, interval id "
     "and start (NaN if none given), value (NaN if not a number)",
     report_fields, sizeof report_fields / sizeof *report_fields,
     sizeof(report_row_t)},
    {"enrollment",
     "counts of VENs, resources, subscriptions, reports kept, events and "
     "live tokens after each change of enrollment",
     enroll_fields, sizeof enroll_fields / sizeof *enroll_fields,
     sizeof(enroll_row_t)},
    {"events", "when each scenario DR event was published as an OpenADR event",
     event_fields, sizeof event_fields / sizeof *event_fields,
     sizeof(event_row_t)},
    {"changes",
     "every object a client created, updated or deleted, in order: the "
     "inbound record (objectType, operation, id, its name field and the "
     "owning clientID)",
     change_fields, sizeof change_fields / sizeof *change_fields,
     sizeof(change_row_t)}};

struct gs_vtn_trace {
  char *path, *tmp_path;
  hid_t file, grp;
  gs__tr_mat_t t[T_N];
  int64_t start_unix_us;
  bool failed;
  gs_errbuf_t err;
};

/* One member's type: little-endian in the file so traces read the same
 * everywhere, native in memory. */
static hid_t member(enum ft t, bool file) {
  switch (t) {
    case FT_F64: return H5Tcopy(file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE);
    case FT_I32: return H5Tcopy(file ? H5T_STD_I32LE : H5T_NATIVE_INT32);
    case FT_U32: return H5Tcopy(file ? H5T_STD_U32LE : H5T_NATIVE_UINT32);
    default: return gs__tr_str_type(STR_ID - 1);
  }
}

static hid_t member_of(const void *ctx, size_t i, bool file,
                       const char **name, size_t *off) {
  const field_t *f = &((const table_t *)ctx)->f[i];
  *name = f->name;
  *off = f->off;
  return member(f->type, file);
}

/* Packed in the file, over the row struct in memory; < 0 on error. */
static hid_t compound(const table_t *tb, bool file) {
  return gs__tr_compound(tb->n, tb->row_size, file, member_of, tb);
}

/* The three tables, empty and extendible; each writes a chunk at a time
 * (gs__tr_mat), so a run of hours costs no rewrites. */
static int create_tables(gs_vtn_trace_t *t) {
  int st = 0;
  for (int k = 0; k < T_N && st == 0; k++) {
    const table_t *tb = &tables[k];
    const char *units[16];
    for (size_t i = 0; i < tb->n; i++) units[i] = tb->f[i].units;
    hid_t fty = compound(tb, true), mty = compound(tb, false);
    gs__tr_mat_spec_t s = {.name = tb->name, .ftype = fty, .mtype = mty,
                           .own_mtype = true, .elem = tb->row_size,
                           .field_units = units, .n_fields = tb->n,
                           .description = tb->doc};
    if (fty < 0 || mty < 0) {
      st = -1;
      if (mty >= 0) H5Tclose(mty);
    } else {
      st = gs__tr_mat_create(&t->t[k], t->grp, &s);
    }
    if (fty >= 0) H5Tclose(fty);
  }
  return st;
}

static void trace_free(gs_vtn_trace_t *t) {
  for (int k = 0; k < T_N; k++) gs__tr_mat_close(&t->t[k]);
  if (t->grp > 0) H5Gclose(t->grp);
  if (t->file > 0) H5Fclose(t->file);
  free(t->path);
  free(t->tmp_path);
  free(t);
}

gs_err_t gs_vtn_trace_open(const char *path, const char *scenario_json,
                           const char *version, const char *url,
                           int64_t start_unix_us, gs_vtn_trace_t **out,
                           gs_errbuf_t *eb) {
  *out = NULL;
  struct stat sb;
  if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
    return gs_errbuf_set(eb, GS_EIO, "%s: cannot create HDF5 trace: %s", path,
                         strerror(EISDIR));
  gs_vtn_trace_t *t = calloc(1, sizeof *t);
  size_t len = strlen(path);
  if (t == NULL || (t->path = strdup(path)) == NULL ||
      (t->tmp_path = malloc(len + sizeof ".partial")) == NULL) {
    if (t) free(t->path);
    free(t);
    return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  }
  for (int k = 0; k < T_N; k++) t->t[k] = (gs__tr_mat_t){.d = -1, .mtype = -1};
  t->file = t->grp = -1;
  t->start_unix_us = start_unix_us;
  snprintf(t->tmp_path, len + sizeof ".partial", "%s.partial", path);
  H5dont_atexit(); /* as in trace.c: gridsim closes its files itself */
  char cause[GS__TR_CAUSE_SIZE];
  gs__tr_quiet_t q = gs__tr_quiet_begin(cause);
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), fcpl = H5Pcreate(H5P_FILE_CREATE);
  if (fapl >= 0 && fcpl >= 0 &&
      H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) >= 0 &&
      H5Pset_obj_track_times(fcpl, 0) >= 0)
    t->file = H5Fcreate(t->tmp_path, H5F_ACC_TRUNC, fcpl, fapl);
  if (fcpl >= 0) H5Pclose(fcpl);
  if (fapl >= 0) H5Pclose(fapl);
  gs_err_t err = GS_OK;
  if (t->file < 0) {
    err = gs__tr_fail(eb, path, "cannot create HDF5 trace", cause);
  } else {
    int st = -1;
    if (gs__tr_attr_str(t->file, "gridsim_version", GS_VERSION) >= 0 &&
        gs__tr_attr_str(t->file, "scenario_json", scenario_json) >= 0 &&
        (t->grp = gs__tr_group(t->file, "vtn")) >= 0 &&
        gs__tr_attr_str(t->grp, "openadr_version", version) >= 0 &&
        gs__tr_attr_str(t->grp, "url", url) >= 0 &&
        gs__tr_attr_f64(t->grp, "start_unix_s",
                        (double)start_unix_us / 1e6) >= 0)
      st = create_tables(t);
    if (st == -2) err = gs_errbuf_set(eb, GS_ENOMEM, "%s: out of memory", path);
    else if (st < 0) err = gs__tr_fail(eb, path, "cannot write HDF5 trace", cause);
  }
  gs__tr_quiet_end(q);
  if (err != GS_OK) {
    bool created = t->file >= 0;
    if (t->grp > 0) H5Gclose(t->grp);
    t->grp = -1;
    if (created) H5Fclose(t->file);
    t->file = -1;
    if (created) remove(t->tmp_path);
    trace_free(t);
    return err;
  }
  *out = t;
  return GS_OK;
}

/* Takes the next row of table `k`; writes the chunk when it is full. */
static void *row(gs_vtn_trace_t *t, int k) {
  if (t->failed) return NULL;
  gs__tr_mat_t *m = &t->t[k];
  if (gs__tr_mat_full(m)) {
    char cause[GS__TR_CAUSE_SIZE];
    gs__tr_quiet_t q = gs__tr_quiet_begin(cause);
    if (gs__tr_mat_flush(m) < 0) {
      t->failed = true;
      gs__tr_fail(&t->err, t->path, "cannot write HDF5 trace", cause);
    }
    gs__tr_quiet_end(q);
    if (t->failed) return NULL;
  }
  void *r = gs__tr_mat_row(m);
  memset(r, 0, tables[k].row_size);
  return r;
}

static void copy_str(char *dst, const cJSON *o, const char *key) {
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
  snprintf(dst, STR_ID, "%s", cJSON_IsString(j) ? j->valuestring : "");
}

/* The start of an intervalPeriod in unix seconds, NaN when it has none
 * (intervals may inherit it from their resource or event). */
static double start_of(const cJSON *period) {
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(period, "start");
  int64_t us;
  if (cJSON_IsString(s) && gs__vtn_parse_datetime(s->valuestring, &us))
    return (double)us / 1e6;
  return NAN;
}

void gs_vtn_trace_report(gs_vtn_trace_t *t, const cJSON *report,
                         int32_t scenario_event, int64_t now_unix_us) {
  report_row_t base = {.received_unix_s = (double)now_unix_us / 1e6,
                       .time_s = (double)(now_unix_us - t->start_unix_us) / 1e6,
                       .scenario_event = scenario_event};
  copy_str(base.report, report, "id");
  copy_str(base.ven, report, "clientName");
  copy_str(base.client, report, "clientID");
  copy_str(base.event, report, "eventID");
  const cJSON *res = cJSON_GetObjectItemCaseSensitive(report, "resources");
  for (const cJSON *r = res ? res->child : NULL; r; r = r->next) {
    double rstart = start_of(cJSON_GetObjectItemCaseSensitive(r, "intervalPeriod"));
    const cJSON *ivs = cJSON_GetObjectItemCaseSensitive(r, "intervals");
    for (const cJSON *iv = ivs ? ivs->child : NULL; iv; iv = iv->next) {
      const cJSON *id = cJSON_GetObjectItemCaseSensitive(iv, "id");
      double istart = start_of(cJSON_GetObjectItemCaseSensitive(iv, "intervalPeriod"));
      const cJSON *pl = cJSON_GetObjectItemCaseSensitive(iv, "payloads");
      for (const cJSON *p = pl ? pl->child : NULL; p; p = p->next) {
        const cJSON *vals = cJSON_GetObjectItemCaseSensitive(p, "values");
        for (const cJSON *v = vals ? vals->child : NULL; v; v = v->next) {
          report_row_t *rw = row(t, T_REPORTS);
          if (rw == NULL) return;
          *rw = base;
          copy_str(rw->resource, r, "resourceName");
          copy_str(rw->type, p, "type");
          rw->interval = cJSON_IsNumber(id) ? (int32_t)id->valuedouble : -1;
          rw->interval_start_unix_s = isnan(istart) ? rstart : istart;
          rw->value = cJSON_IsNumber(v) ? v->valuedouble : NAN;
        }
      }
    }
  }
}

void gs_vtn_trace_enrolled(gs_vtn_trace_t *t, const gs_vtn_counts_t *c,
                           int64_t now_unix_us) {
  enroll_row_t *r = row(t, T_ENROLLMENT);
  if (r == NULL) return;
  *r = (enroll_row_t){
      .received_unix_s = (double)now_unix_us / 1e6,
      .time_s = (double)(now_unix_us - t->start_unix_us) / 1e6,
      .vens = c->vens, .resources = c->resources,
      .subscriptions = c->subscriptions, .reports = c->reports,
      .events = c->events, .tokens = c->tokens};
}

void gs_vtn_trace_event(gs_vtn_trace_t *t, int32_t scenario_event,
                        const char *event_id, int64_t now_unix_us) {
  event_row_t *r = row(t, T_EVENTS);
  if (r == NULL) return;
  r->unix_s = (double)now_unix_us / 1e6;
  r->time_s = (double)(now_unix_us - t->start_unix_us) / 1e6;
  r->scenario_event = scenario_event;
  snprintf(r->event, STR_ID, "%s", event_id);
}

void gs_vtn_trace_change(gs_vtn_trace_t *t, const char *type, const char *op,
                         const cJSON *obj, int64_t now_unix_us) {
  change_row_t *r = row(t, T_CHANGES);
  if (r == NULL) return;
  r->received_unix_s = (double)now_unix_us / 1e6;
  r->time_s = (double)(now_unix_us - t->start_unix_us) / 1e6;
  snprintf(r->object_type, STR_ID, "%s", type);
  snprintf(r->operation, STR_ID, "%s", op);
  copy_str(r->id, obj, "id");
  copy_str(r->client, obj, "clientID");
  /* The object's own name, whichever kind it is. */
  static const char *const names[] = {"venName", "resourceName",
                                      "clientName", "programName",
                                      "eventName"};
  for (size_t i = 0; i < sizeof names / sizeof *names && !r->name[0]; i++)
    copy_str(r->name, obj, names[i]);
}

gs_err_t gs_vtn_trace_close(gs_vtn_trace_t *t, bool complete,
                            gs_errbuf_t *eb) {
  if (t == NULL) return GS_OK;
  char cause[GS__TR_CAUSE_SIZE];
  gs__tr_quiet_t q = gs__tr_quiet_begin(cause);
  uint8_t flag = complete;
  for (int k = 0; k < T_N && !t->failed; k++)
    if (gs__tr_mat_flush(&t->t[k]) < 0) t->failed = true;
  if (!t->failed &&
      gs__tr_attr(t->grp, "complete", H5T_STD_U8LE, H5T_NATIVE_UINT8, &flag) < 0)
    t->failed = true;
  if (t->failed && t->err.msg[0] == '\0')
    gs__tr_fail(&t->err, t->path, "cannot write HDF5 trace", cause);
  for (int k = 0; k < T_N; k++) gs__tr_mat_close(&t->t[k]);
  if (t->grp > 0) H5Gclose(t->grp);
  t->grp = -1;
  if (t->file > 0 && H5Fclose(t->file) < 0 && !t->failed) {
    t->failed = true;
    gs__tr_fail(&t->err, t->path, "cannot write HDF5 trace", cause);
  }
  t->file = -1;
  gs__tr_quiet_end(q);
  gs_err_t err = gs__tr_commit(t->failed, t->tmp_path, t->path, t->err.msg,
                               eb);
  trace_free(t);
  return err;
}
