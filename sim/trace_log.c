/* SPDX-License-Identifier: MIT */
/* The event log: the hook models call, and the trace's /log tables. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "scenario_priv.h"
#include "trace_priv.h"
#include "ven_wire.h"
#include "world.h"

void gs_log_emit(const struct gs_world *w, const gs_log_rec_t *rec) {
  if (w == NULL || w->log == NULL) return;
  gs_log_rec_t r = *rec;
  r.t_us = gs_engine_now(w->engine);
  w->log->record(w->log->ud, &r);
}

uint8_t gs_log_wire_kind(int wire_op) {
  switch (wire_op) {
    case GS_WIRE_EVENT:
      return GS_LOG_CMD_WIRE_EVENT;
    case GS_WIRE_RESTORE:
      return GS_LOG_CMD_WIRE_RESTORE;
    case GS_WIRE_PING:
      return GS_LOG_CMD_WIRE_PING;
    case GS_WIRE_SHED_LOAD:
      return GS_LOG_CMD_WIRE_SHED_LOAD;
    case GS_WIRE_SET_LOAD:
      return GS_LOG_CMD_WIRE_SET_LOAD;
    case GS_WIRE_GET:
      return GS_LOG_CMD_WIRE_GET;
    default:
      return GS_LOG_CMD_WIRE_INVALID;
  }
}

static bool logging(const struct gs_world *w) {
  return w != NULL && w->log != NULL;
}

void gs_log_dr_event(const struct gs_world *w, size_t k, uint8_t kind) {
  if (!logging(w)) return;
  const gs_dr_event_cfg_t *ev = gs_world_event(w, k);
  gs_log_emit(w, &(gs_log_rec_t){.table = GS_LOG_DR_EVENT,
                                 .kind = kind,
                                 .event = (int32_t)k,
                                 .count = w->dr[k].targeted,
                                 .value_mw = llround(ev->requested_kw * 1e6),
                                 .duration_us = ev->duration_us});
}

void gs_log_command(const struct gs_world *w, uint32_t ven, int32_t event,
                    uint8_t kind, uint8_t fate, int64_t request_mw) {
  if (!logging(w)) return;
  gs_log_emit(w, &(gs_log_rec_t){.table = GS_LOG_COMMAND,
                                 .kind = kind,
                                 .fate = fate,
                                 .ven = ven,
                                 .event = event,
                                 .value_mw = request_mw});
}

void gs_log_wire(const struct gs_world *w, uint32_t ven, size_t cmd,
                 bool online) {
  if (!logging(w)) return;
  const gs_world_cmd_t *wc = &w->cmds[cmd];
  bool event = !wc->error[0] && wc->cmd->op == GS_WIRE_EVENT;
  gs_log_emit(w, &(gs_log_rec_t){
                     .table = GS_LOG_COMMAND,
                     .kind = wc->error[0] ? GS_LOG_CMD_WIRE_INVALID
                                          : gs_log_wire_kind(wc->cmd->op),
                     .fate = online ? GS_LOG_DELIVERED : GS_LOG_LOST_OFFLINE,
                     .ven = ven,
                     .event = -1,
                     .value_mw = event ? llround(wc->cmd->shed_kw * 1e6) : 0});
}

void gs_log_answer(const struct gs_world *w, uint32_t ven, int32_t active,
                   bool accepted, int64_t request_mw, int64_t shed_mw,
                   gs_time_us_t duration_us) {
  if (!logging(w)) return;
  gs_log_rec_t r = {
      .table = GS_LOG_ACK,
      .kind = accepted ? GS_LOG_ACK_ACCEPTED : GS_LOG_ACK_REJECTED,
      .ven = ven,
      .event = active >= 0 ? active : -1,
      .value_mw = request_mw,
      .shed_mw = shed_mw,
      .duration_us = duration_us};
  gs_log_emit(w, &r);
  if (accepted) return;
  r.table = GS_LOG_OPT_OUT;
  r.kind = GS_LOG_OPT_OUT_DECLINED;
  gs_log_emit(w, &r);
}

void gs_log_fault(const struct gs_world *w, uint32_t ven, uint8_t kind,
                  gs_time_us_t duration_us) {
  if (!logging(w)) return;
  gs_log_emit(w, &(gs_log_rec_t){.table = GS_LOG_FAULT,
                                 .kind = kind,
                                 .ven = ven,
                                 .duration_us = duration_us});
}

/* ---- Table layout --------------------------------------------------------
 * Every table's rows are buffered as this one struct; each table's memory
 * type picks its members by name, and its file type packs them, so no
 * padding byte (undefined, different from run to run) reaches the file. */
typedef struct log_row {
  double time_s, requested_kw, shed_kw, duration_s;
  uint32_t ven, targeted;
  int32_t event;
  signed char kind, fate;
} log_row_t;

enum { FT_F64, FT_I32, FT_U32, FT_ENUM };

typedef struct field {
  const char *name;
  size_t off; /* in log_row_t */
  int type;
  const char *units;
  const char *const *names; /* FT_ENUM: value names from 0 */
  size_t n_names;
} field_t;

#define F(name, member, type, units) \
  { name, offsetof(log_row_t, member), type, units, NULL, 0 }
#define E(name, member, names)                             \
  {                                                        \
    name, offsetof(log_row_t, member), FT_ENUM, "", names, \
        sizeof names / sizeof names[0]                     \
  }

static const char *const dr_kinds[] = {"notice", "start", "end"};
static const char *const cmd_kinds[GS_LOG_CMD_COUNT] = {
    "dr_start",     "dr_end",      "dr_notice",      "wire_event",
    "wire_restore", "wire_ping",   "wire_shed_load", "wire_set_load",
    "wire_get",     "wire_invalid"};
static const char *const fates[] = {"delivered", "lost_offline", "lost_random"};
static const char *const ack_kinds[] = {"accepted", "rejected"};
static const char *const opt_kinds[] = {"declined"};
static const char *const fault_kinds[] = {"comms_outage"};

static const field_t dr_fields[] = {
    F("time_s", time_s, FT_F64, "s"),
    F("event", event, FT_I32, "1"),
    E("kind", kind, dr_kinds),
    F("targeted", targeted, FT_U32, "1"),
    F("requested_kw", requested_kw, FT_F64, "kW"),
    F("duration_s", duration_s, FT_F64, "s")};
static const field_t cmd_fields[] = {
    F("time_s", time_s, FT_F64, "s"),
    F("ven", ven, FT_U32, "1"),
    F("event", event, FT_I32, "1"),
    E("kind", kind, cmd_kinds),
    E("fate", fate, fates),
    F("requested_kw", requested_kw, FT_F64, "kW")};
static const field_t ack_fields[] = {
    F("time_s", time_s, FT_F64, "s"),
    F("ven", ven, FT_U32, "1"),
    F("event", event, FT_I32, "1"),
    E("status", kind, ack_kinds),
    F("requested_kw", requested_kw, FT_F64, "kW"),
    F("shed_kw", shed_kw, FT_F64, "kW")};
static const field_t opt_fields[] = {
    F("time_s", time_s, FT_F64, "s"), F("ven", ven, FT_U32, "1"),
    F("event", event, FT_I32, "1"), E("reason", kind, opt_kinds),
    F("requested_kw", requested_kw, FT_F64, "kW")};
static const field_t fault_fields[] = {
    F("time_s", time_s, FT_F64, "s"), F("ven", ven, FT_U32, "1"),
    E("kind", kind, fault_kinds), F("duration_s", duration_s, FT_F64, "s")};

typedef struct table {
  const char *name, *doc;
  const field_t *fields;
  size_t n_fields;
} table_t;

#define T(name, fields, doc) \
  { name, doc, fields, sizeof fields / sizeof fields[0] }
static const table_t tables[GS_LOG_NTABLES] = {
    [GS_LOG_DR_EVENT] = T("dr_events", dr_fields,
                          "the program announces (notice), dispatches "
                          "(start) or restores (end) DR event `event`"),
    [GS_LOG_COMMAND] = T("commands", cmd_fields,
                         "a command for VEN `ven` as it reaches the VEN "
                         "(time sent; delivery adds the VEN's latency), "
                         "or is lost; event -1 for wire commands"),
    [GS_LOG_ACK] = T("acks", ack_fields,
                     "a VEN's answer to a DR event, with the shed it "
                     "commits"),
    [GS_LOG_OPT_OUT] = T("opt_outs", opt_fields,
                         "a VEN declines a DR event (its opt-out draw)"),
    [GS_LOG_FAULT] = T("faults", fault_fields,
                       "a VEN's comms go down for duration_s (commands "
                       "sent meanwhile are lost)"),
};

static hid_t member_type(const field_t *f, bool file) {
  switch (f->type) {
    case FT_F64:
      return H5Tcopy(file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE);
    case FT_I32:
      return H5Tcopy(file ? H5T_STD_I32LE : H5T_NATIVE_INT32);
    case FT_U32:
      return H5Tcopy(file ? H5T_STD_U32LE : H5T_NATIVE_UINT32);
    default:
      return gs__tr_enum(f->names, f->n_names, file);
  }
}

static hid_t member(const void *ctx, size_t i, bool file, const char **name,
                    size_t *off) {
  const field_t *f = &((const table_t *)ctx)->fields[i];
  *name = f->name;
  *off = f->off;
  return member_type(f, file);
}

/* The table's compound type: packed for the file, over log_row_t in
 * memory. Negative on error. */
static hid_t compound(const table_t *tb, bool file) {
  return gs__tr_compound(tb->n_fields, sizeof(log_row_t), file, member, tb);
}

/* Keeps the sampled VENs' opted-out state: declined until the end of the
 * event they declined, cleared when they accept one. */
static void track_opt_out(gs_trace_t *t, const gs_log_rec_t *r) {
  bool out = r->table == GS_LOG_OPT_OUT;
  bool accepted = r->table == GS_LOG_ACK && r->kind == GS_LOG_ACK_ACCEPTED;
  if (!out && !accepted) return;
  long col = gs__tr_ven_column(t, r->ven);
  if (col < 0) return;
  t->ven.opted_until_us[col] = out ? r->t_us + r->duration_us : 0;
}

static void on_record(void *ud, const gs_log_rec_t *r) {
  gs_trace_t *t = ud;
  GS_ASSERT(r->table < GS_LOG_NTABLES);
  if (t->ven.n > 0) track_opt_out(t, r);
  if (t->failed) return;
  gs__tr_mat_t *m = &t->log[r->table];
  log_row_t *row = gs__tr_mat_row(m);
  *row = (log_row_t){.time_s = (double)r->t_us / 1e6,
                     .requested_kw = (double)r->value_mw / 1e6,
                     .shed_kw = (double)r->shed_mw / 1e6,
                     .duration_s = (double)r->duration_us / 1e6,
                     .ven = r->ven,
                     .targeted = r->count,
                     .event = r->event,
                     .kind = (signed char)r->kind,
                     .fate = (signed char)r->fate};
  if (!gs__tr_mat_full(m)) return;
  char cause[GS__TR_CAUSE_SIZE];
  gs__tr_quiet_t q = gs__tr_quiet_begin(cause);
  if (gs__tr_mat_flush(m) < 0)
    gs__tr_error(t, "cannot write HDF5 trace", cause);
  gs__tr_quiet_end(q);
}

int gs__tr_log_create(gs_trace_t *t) {
  hid_t g = gs__tr_group(t->file, "log");
  if (g < 0) return -1;
  int st = 0;
  for (int k = 0; k < GS_LOG_NTABLES && st == 0; k++) {
    const table_t *tb = &tables[k];
    const char *units[8];
    for (size_t i = 0; i < tb->n_fields; i++)
      units[i] = tb->fields[i].units;
    hid_t fty = compound(tb, true), mty = compound(tb, false);
    gs__tr_mat_spec_t s = {.name = tb->name,
                           .ftype = fty,
                           .mtype = mty,
                           .own_mtype = true,
                           .elem = sizeof(log_row_t),
                           .field_units = units,
                           .n_fields = tb->n_fields,
                           .description = tb->doc};
    if (fty < 0 || mty < 0) {
      st = -1;
      if (mty >= 0) H5Tclose(mty);
    } else {
      st = gs__tr_mat_create(&t->log[k], g, &s);
    }
    if (fty >= 0) H5Tclose(fty);
  }
  H5Gclose(g);
  t->sink = (gs_log_t){.record = on_record, .ud = t};
  return st;
}

herr_t gs__tr_log_flush(gs_trace_t *t) {
  for (int k = 0; k < GS_LOG_NTABLES; k++)
    if (gs__tr_mat_flush(&t->log[k]) < 0) return -1;
  return 0;
}

void gs__tr_log_close(gs_trace_t *t) {
  for (int k = 0; k < GS_LOG_NTABLES; k++)
    gs__tr_mat_close(&t->log[k]);
}
