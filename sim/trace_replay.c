/* SPDX-License-Identifier: MIT */
/* Reads back what a replay needs: scenario, seed and the inbound record. */
#include <stdlib.h>
#include <string.h>

#include "trace_mqtt.h"
#include "trace_priv.h"

/* A scalar string attribute (fixed or variable length), malloc'ed. */
static char *read_str_attr(hid_t loc, const char *name) {
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  hid_t ft = a < 0 ? -1 : H5Aget_type(a);
  char *out = NULL;
  if (ft >= 0 && H5Tget_class(ft) == H5T_STRING) {
    if (H5Tis_variable_str(ft) > 0) {
      char *v = NULL;
      hid_t mt = H5Tcopy(H5T_C_S1);
      H5Tset_size(mt, H5T_VARIABLE);
      H5Tset_cset(mt, H5Tget_cset(ft));
      if (H5Aread(a, mt, &v) >= 0 && v != NULL) out = strdup(v);
      H5free_memory(v);
      H5Tclose(mt);
    } else {
      size_t n = H5Tget_size(ft);
      out = calloc(n + 1, 1);
      hid_t mt = H5Tcopy(H5T_C_S1);
      H5Tset_size(mt, n + 1);
      /* HDF5 converts no character set: read in the file's. */
      H5Tset_cset(mt, H5Tget_cset(ft));
      H5Tset_strpad(mt, H5T_STR_NULLTERM);
      if (out && H5Aread(a, mt, out) < 0) {
        free(out);
        out = NULL;
      }
      H5Tclose(mt);
    }
  }
  if (ft >= 0) H5Tclose(ft);
  if (a >= 0) H5Aclose(a);
  return out;
}

static bool read_num_attr(hid_t loc, const char *name, hid_t mtype,
                          void *out) {
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  bool ok = a >= 0 && H5Aread(a, mtype, out) >= 0;
  if (a >= 0) H5Aclose(a);
  return ok;
}

/* Reads the whole 1-D dataset `name` of `g` as `mtype` into a new buffer
 * of *n elements of `size` bytes. */
static void *read_all(hid_t g, const char *name, hid_t mtype, size_t size,
                      size_t *n) {
  hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
  hid_t sp = d < 0 ? -1 : H5Dget_space(d);
  hsize_t dims[1] = {0};
  void *buf = NULL;
  if (sp >= 0 && H5Sget_simple_extent_ndims(sp) == 1 &&
      H5Sget_simple_extent_dims(sp, dims, NULL) == 1) {
    buf = calloc(dims[0] ? dims[0] : 1, size);
    if (buf && dims[0] &&
        H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
      free(buf);
      buf = NULL;
    }
  }
  *n = (size_t)dims[0];
  if (sp >= 0) H5Sclose(sp);
  if (d >= 0) H5Dclose(d);
  return buf;
}

/* /mqtt/inbound into a new record; false if unreadable. */
static bool read_inbound(hid_t file, gs_inbound_t *in) {
  hid_t g = H5Gopen2(file, "mqtt/inbound", H5P_DEFAULT);
  if (g < 0) return false;
  hid_t sm = H5Tcopy(H5T_C_S1);
  H5Tset_size(sm, H5T_VARIABLE);
  H5Tset_cset(sm, H5T_CSET_UTF8);
  hid_t vm = H5Tvlen_create(H5T_NATIVE_UCHAR);
  size_t n[6];
  int64_t *t = read_all(g, "time_us", H5T_NATIVE_INT64, 8, &n[0]);
  uint64_t *pos = read_all(g, "position", H5T_NATIVE_UINT64, 8, &n[1]);
  /* The enum's values are its indices: read them as plain int8. */
  signed char *role = read_all(g, "role", H5T_NATIVE_SCHAR, 1, &n[2]);
  int64_t *ven = read_all(g, "ven", H5T_NATIVE_INT64, 8, &n[3]);
  char **topic = read_all(g, "topic", sm, sizeof(char *), &n[4]);
  hvl_t *pl = read_all(g, "payload", vm, sizeof(hvl_t), &n[5]);
  bool ok = t && pos && role && ven && topic && pl;
  for (int k = 1; ok && k < 6; k++) ok = n[k] == n[0];
  for (size_t i = 0; ok && i < n[0]; i++)
    ok = topic[i] != NULL && (role[i] == 0 || role[i] == 1) &&
         gs_inbound_add_at(in, t[i], pos[i], (gs_inbound_role_t)role[i],
                           ven[i], topic[i], pl[i].p, pl[i].len) == GS_OK;
  /* vlen memory comes from HDF5's allocator: give it back there. */
  for (size_t i = 0; topic && i < n[4]; i++) H5free_memory(topic[i]);
  for (size_t i = 0; pl && i < n[5]; i++) H5free_memory(pl[i].p);
  free(t);
  free(pos);
  free(role);
  free(ven);
  free(topic);
  free(pl);
  H5Tclose(vm);
  H5Tclose(sm);
  H5Gclose(g);
  return ok;
}

gs_err_t gs_trace_read_replay(const char *path, gs_trace_replay_info_t *out,
                              gs_errbuf_t *eb) {
  memset(out, 0, sizeof *out);
  char cause[GS__TR_CAUSE_SIZE];
  gs__tr_quiet_t q = gs__tr_quiet_begin(cause);
  gs_err_t err = GS_OK;
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t meta = f < 0 ? -1 : H5Gopen2(f, "meta", H5P_DEFAULT);
  uint8_t complete = 0;
  if (f < 0) {
    err = gs__tr_fail(eb, path, "cannot open HDF5 trace", cause);
  } else if (meta < 0 ||
             (out->scenario_json = read_str_attr(meta, "scenario_json")) ==
                 NULL ||
             !read_num_attr(meta, "seed", H5T_NATIVE_UINT64, &out->seed)) {
    err = gs_errbuf_set(eb, GS_EIO, "%s: not a gridsim trace (no /meta "
                        "scenario_json and seed)", path);
  } else {
    read_num_attr(meta, "complete", H5T_NATIVE_UINT8, &complete);
    out->complete = complete != 0;
    out->twins = H5Lexists(f, "dr", H5P_DEFAULT) > 0 &&
                 H5Lexists(f, "dr/counterfactual_power_kw", H5P_DEFAULT) > 0;
    if (H5Lexists(f, "mqtt", H5P_DEFAULT) > 0) {
      hid_t g = H5Gopen2(f, "mqtt", H5P_DEFAULT);
      uint8_t vr = 0;
      if (g >= 0 && read_num_attr(g, "ven_role", H5T_NATIVE_UINT8, &vr))
        out->ven_role = vr != 0;
      if (g >= 0) H5Gclose(g);
      out->inbound = gs_inbound_create();
      if (out->inbound == NULL)
        err = gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
      else if (!read_inbound(f, out->inbound))
        err = gs_errbuf_set(eb, GS_EIO, "%s: /mqtt/inbound is missing or "
                            "damaged", path);
    }
  }
  if (meta >= 0) H5Gclose(meta);
  if (f >= 0) H5Fclose(f);
  gs__tr_quiet_end(q);
  return err;
}

void gs_trace_replay_info_free(gs_trace_replay_info_t *info) {
  if (info == NULL) return;
  free(info->scenario_json);
  gs_inbound_destroy(info->inbound);
  memset(info, 0, sizeof *info);
}
