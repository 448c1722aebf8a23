/* SPDX-License-Identifier: MIT */
/* The trace's /mqtt (inbound record) and /real_ven groups, and their reader. */
#include <stdlib.h>
#include <string.h>

#include "inbound.h"
#include "real_priv.h"
#include "trace_mqtt.h"
#include "trace_priv.h"

static const char *const role_names[] = {"ven", "backend"};

gs_err_t gs__tr_real_add(gs_trace_t *t, gs_errbuf_t *eb) {
  const gs_world_t *w = t->w;
  size_t n = gs_real_count(w);
  if (n == 0) return GS_OK;
  const char **names = malloc(n * sizeof *names);
  uint32_t *meters = malloc(n * sizeof *meters);
  gs_err_t err = GS_ENOMEM;
  if (names != NULL && meters != NULL) {
    for (size_t r = 0; r < n; r++) {
      names[r] = gs_real_id(w, r);
      meters[r] = gs_real_meter(w, r);
    }
    gs_trace_meters_t m = {.group = "real_ven", .names = names,
                           .meters = meters, .count = n, .energy = true};
    err = gs_trace_add_meters(t, &m, eb);
  } else {
    gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  }
  free(names);
  free(meters);
  return err;
}

/* /mqtt/inbound: one row per message, in arrival order. */
static herr_t write_inbound(hid_t g, const gs_inbound_t *in) {
  size_t n = gs_inbound_count(in);
  size_t m = n ? n : 1;
  int64_t *t = malloc(m * sizeof *t), *ven = malloc(m * sizeof *ven);
  uint64_t *pos = malloc(m * sizeof *pos);
  signed char *role = malloc(m);
  const char **topic = malloc(m * sizeof *topic);
  hvl_t *pl = malloc(m * sizeof *pl);
  hid_t te = gs__tr_enum(role_names, 2, true);
  hid_t tm = gs__tr_enum(role_names, 2, false);
  hid_t sf = H5Tcopy(H5T_C_S1), vf = H5Tvlen_create(H5T_STD_U8LE);
  hid_t vm = H5Tvlen_create(H5T_NATIVE_UCHAR);
  herr_t st = t && ven && pos && role && topic && pl && te >= 0 && tm >= 0 &&
                      sf >= 0 && vf >= 0 && vm >= 0
                  ? 0 : -1;
  if (st >= 0) st = H5Tset_size(sf, H5T_VARIABLE);
  if (st >= 0) st = H5Tset_cset(sf, H5T_CSET_UTF8);
  for (size_t i = 0; st >= 0 && i < n; i++) {
    const gs_inbound_msg_t *msg = gs_inbound_get(in, i);
    t[i] = msg->t_us;
    pos[i] = msg->position;
    role[i] = (signed char)msg->role;
    ven[i] = msg->ven;
    topic[i] = msg->topic;
    pl[i] = (hvl_t){.len = msg->len, .p = msg->payload};
  }
  hid_t ig = st >= 0 ? gs__tr_group(g, "inbound") : -1;
  if (ig < 0) st = -1;
  if (st >= 0)
    st = gs__tr_put1d(ig, "time_us", H5T_STD_I64LE, H5T_NATIVE_INT64, n, t, true,
             "us", "simulated arrival time (exact), from /meta start");
  if (st >= 0)
    st = gs__tr_put1d(ig, "position", H5T_STD_U64LE, H5T_NATIVE_UINT64, n, pos, true,
             "1", "events taken from the queue (processed or cancelled) "
                  "before the message arrived: where replay injects it");
  if (st >= 0)
    st = gs__tr_put1d(ig, "role", te, tm, n, role, true, "",
             "bridge that took it: ven (a simulated VEN's session) or "
             "backend (a real VEN's ack or telemetry)");
  if (st >= 0)
    st = gs__tr_put1d(ig, "ven", H5T_STD_I64LE, H5T_NATIVE_INT64, n, ven, true, "1",
             "VEN index of the receiving session (role ven), else -1");
  if (st >= 0)
    st = gs__tr_put1d(ig, "topic", sf, sf, n, topic, false, "", "MQTT topic");
  if (st >= 0)
    st = gs__tr_put1d(ig, "payload", vf, vm, n, pl, false, "",
             "payload bytes as received (any bytes; usually JSON)");
  if (ig >= 0) H5Gclose(ig);
  if (vm >= 0) H5Tclose(vm);
  if (vf >= 0) H5Tclose(vf);
  if (sf >= 0) H5Tclose(sf);
  if (tm >= 0) H5Tclose(tm);
  if (te >= 0) H5Tclose(te);
  free(t);
  free(ven);
  free(pos);
  free(role);
  free(topic);
  free(pl);
  return st;
}

/* /real_ven/status_* (the backend's online and offline marks) and the
 * backend role's counters as attributes of /real_ven. */
static herr_t write_real(gs_trace_t *t) {
  size_t n;
  const gs_real_status_t *s = gs__real_status(t->w, &n);
  size_t m = n ? n : 1;
  int64_t *tu = malloc(m * sizeof *tu);
  uint32_t *ven = malloc(m * sizeof *ven);
  uint8_t *on = malloc(m);
  hid_t g = H5Gopen2(t->file, "real_ven", H5P_DEFAULT);
  herr_t st = tu && ven && on && g >= 0 ? 0 : -1;
  for (size_t i = 0; st >= 0 && i < n; i++) {
    tu[i] = s[i].t_us;
    ven[i] = s[i].ven;
    on[i] = s[i].online;
  }
  if (st >= 0)
    st = gs__tr_put1d(g, "status_time_us", H5T_STD_I64LE, H5T_NATIVE_INT64, n, tu,
             true, "us", "when the backend marked a real VEN online (its "
             "first telemetry, or back) or offline (silent for "
             "program.offline_after_s)");
  if (st >= 0)
    st = gs__tr_put1d(g, "status_ven", H5T_STD_U32LE, H5T_NATIVE_UINT32, n, ven, true,
             "1", "real VEN index (column of /real_ven/ids)");
  if (st >= 0)
    st = gs__tr_put1d(g, "status_online", H5T_STD_U8LE, H5T_NATIVE_UINT8, n, on, true,
             "1", "1 marked online, 0 marked offline");
  gs_real_stats_t rs;
  gs_real_get_stats(t->w, &rs);
  const struct { const char *k; uint64_t v; } cnt[] = {
      {"telemetry", rs.telemetry}, {"acks", rs.acks},
      {"errors", rs.errors},       {"unknown", rs.unknown},
      {"commands", rs.commands}};
  for (size_t i = 0; st >= 0 && i < sizeof cnt / sizeof cnt[0]; i++)
    st = gs__tr_attr(g, cnt[i].k, H5T_STD_U64LE, H5T_NATIVE_UINT64,
                     &cnt[i].v);
  if (g >= 0) H5Gclose(g);
  free(tu);
  free(ven);
  free(on);
  return st;
}

int gs__tr_mqtt_write(gs_trace_t *t) {
  herr_t st = 0;
  if (gs_real_count(t->w) > 0) st = write_real(t);
  const gs_inbound_t *in = t->w->inbound;
  if (st < 0 || in == NULL) return st;
  /* The VEN role's counters (/mqtt/counts) may have made the group. */
  htri_t ex = H5Lexists(t->file, "mqtt", H5P_DEFAULT);
  hid_t g = ex > 0   ? H5Gopen2(t->file, "mqtt", H5P_DEFAULT)
            : ex == 0 ? gs__tr_group(t->file, "mqtt")
                      : -1;
  if (g < 0) return -1;
  uint8_t ven_role = t->w->sink != NULL;
  st = gs__tr_attr_str(g, "mode", gs_inbound_mode(in));
  if (st >= 0)
    st = gs__tr_attr(g, "ven_role", H5T_STD_U8LE, H5T_NATIVE_UINT8,
                     &ven_role);
  if (st >= 0) st = write_inbound(g, in);
  H5Gclose(g);
  return st;
}
