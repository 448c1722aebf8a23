/* SPDX-License-Identifier: MIT */
/* Counter groups of the trace (a bridge's message counts): series and totals. */
#include <stdlib.h>
#include <string.h>

#include "scenario_util.h"
#include "trace_priv.h"

/* One group: a time column, then one uint64 column per counter. */
struct gs__tr_ctr {
  hid_t g;
  size_t count;
  void (*read)(void *ud, uint64_t *values);
  void *ud;
  uint64_t *vals;
  char **names;
  gs__tr_mat_t time_s;
  gs__tr_mat_t *mat; /* count */
};

static void ctr_free(struct gs__tr_ctr *c) {
  gs__tr_mat_close(&c->time_s);
  for (size_t k = 0; c->mat && k < c->count; k++) gs__tr_mat_close(&c->mat[k]);
  for (size_t k = 0; c->names && k < c->count; k++) free(c->names[k]);
  if (c->g >= 0) H5Gclose(c->g);
  free(c->names);
  free(c->mat);
  free(c->vals);
}

/* Opens `name` in `loc`, creating it if missing (a parent group other
 * writers share, such as /mqtt). */
static hid_t open_or_create(hid_t loc, const char *name) {
  htri_t ex = H5Lexists(loc, name, H5P_DEFAULT);
  if (ex < 0) return -1;
  return ex ? H5Gopen2(loc, name, H5P_DEFAULT) : gs__tr_group(loc, name);
}

/* Creates the group ("a" or "a/b": the parent is shared) and its
 * datasets; returns like gs__tr_mat_create. */
static int ctr_create(gs_trace_t *t, struct gs__tr_ctr *c,
                      const gs_trace_counters_t *spec) {
  const char *slash = strchr(spec->group, '/');
  if (slash == NULL) {
    c->g = gs__tr_group(t->file, spec->group);
  } else {
    char parent[64];
    size_t n = (size_t)(slash - spec->group);
    if (n == 0 || n >= sizeof parent) return -1;
    memcpy(parent, spec->group, n);
    parent[n] = '\0';
    hid_t p = open_or_create(t->file, parent);
    if (p < 0) return -1;
    c->g = gs__tr_group(p, slash + 1);
    H5Gclose(p);
  }
  if (c->g < 0) return -1;
  gs__tr_mat_spec_t ts = {.name = "time_s",
                          .ftype = H5T_IEEE_F64LE,
                          .mtype = H5T_NATIVE_DOUBLE,
                          .elem = sizeof(double),
                          .units = "s",
                          .description = "sampling instant, seconds since "
                                         "/meta start (as /fleet/time_s)"};
  int st = gs__tr_mat_create(&c->time_s, c->g, &ts);
  for (size_t k = 0; k < c->count && st == 0; k++) {
    if ((c->names[k] = gs__strdup(spec->names[k])) == NULL) return -2;
    gs__tr_mat_spec_t s = {
        .name = spec->names[k],
        .ftype = H5T_STD_U64LE,
        .mtype = H5T_NATIVE_UINT64,
        .elem = sizeof(uint64_t),
        .units = "count",
        .description = spec->descriptions ? spec->descriptions[k]
                                          : spec->names[k]};
    st = gs__tr_mat_create(&c->mat[k], c->g, &s);
  }
  return st;
}

gs_err_t gs_trace_add_counters(gs_trace_t *t, const gs_trace_counters_t *spec,
                               gs_errbuf_t *eb) {
  if (t == NULL || spec == NULL || spec->group == NULL ||
      spec->names == NULL || spec->read == NULL || spec->count == 0 ||
      t->sampled)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_trace_add_counters: bad "
                         "arguments, or called after the first sample");
  if (t->failed) return gs_errbuf_set(eb, GS_EIO, "%s", t->err.msg);
  char cause[GS__TR_CAUSE_SIZE];
  const char *slash = strchr(spec->group, '/');
  if (slash != NULL && strchr(slash + 1, '/') != NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_trace_add_counters: group %s: "
                         "at most one level below the root", spec->group);
  gs__tr_quiet_t q0 = gs__tr_quiet_begin(cause);
  /* H5Lexists on "a/b" fails quietly when "a" is missing: not there. */
  htri_t ex = H5Lexists(t->file, spec->group, H5P_DEFAULT);
  gs__tr_quiet_end(q0);
  if (ex > 0)
    return gs_errbuf_set(eb, GS_EINVAL, "%s: group /%s exists already",
                         t->path, spec->group);
  struct gs__tr_ctr *grown =
      realloc(t->ctr, (t->n_ctr + 1) * sizeof *grown);
  if (grown == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  t->ctr = grown;
  struct gs__tr_ctr *c = &t->ctr[t->n_ctr];
  memset(c, 0, sizeof *c);
  c->g = -1;
  c->time_s.d = -1;
  c->count = spec->count;
  c->read = spec->read;
  c->ud = spec->ud;
  c->vals = calloc(spec->count, sizeof *c->vals);
  c->names = calloc(spec->count, sizeof *c->names);
  c->mat = calloc(spec->count, sizeof *c->mat);
  for (size_t k = 0; c->mat && k < spec->count; k++) c->mat[k].d = -1;
  if (c->vals == NULL || c->names == NULL || c->mat == NULL) {
    ctr_free(c);
    return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  }
  gs__tr_quiet_t q = gs__tr_quiet_begin(cause);
  int st = ctr_create(t, c, spec);
  gs__tr_quiet_end(q);
  if (st != 0) {
    ctr_free(c);
    return st == -2 ? gs_errbuf_set(eb, GS_ENOMEM, "out of memory")
                    : gs__tr_fail(eb, t->path, "cannot write HDF5 trace",
                                  cause);
  }
  t->n_ctr++;
  return GS_OK;
}

herr_t gs__tr_ctr_sample(gs_trace_t *t, gs_time_us_t now_us) {
  herr_t st = 0;
  for (size_t i = 0; i < t->n_ctr; i++) {
    struct gs__tr_ctr *c = &t->ctr[i];
    c->read(c->ud, c->vals);
    *(double *)gs__tr_mat_row(&c->time_s) = (double)now_us / 1e6;
    bool full = gs__tr_mat_full(&c->time_s);
    if (full && st >= 0) st = gs__tr_mat_flush(&c->time_s);
    for (size_t k = 0; k < c->count; k++) {
      *(uint64_t *)gs__tr_mat_row(&c->mat[k]) = c->vals[k];
      if (full && st >= 0) st = gs__tr_mat_flush(&c->mat[k]);
    }
  }
  return st;
}

herr_t gs__tr_ctr_finish(gs_trace_t *t) {
  herr_t st = 0;
  for (size_t i = 0; i < t->n_ctr && st >= 0; i++) {
    struct gs__tr_ctr *c = &t->ctr[i];
    st = gs__tr_mat_flush(&c->time_s);
    /* The totals at close: after the last sample a bridge still drains
     * its acknowledgements. */
    c->read(c->ud, c->vals);
    for (size_t k = 0; k < c->count && st >= 0; k++) {
      st = gs__tr_mat_flush(&c->mat[k]);
      if (st >= 0)
        st = gs__tr_attr(c->g, c->names[k], H5T_STD_U64LE, H5T_NATIVE_UINT64,
                         &c->vals[k]);
    }
  }
  return st;
}

void gs__tr_ctr_close(gs_trace_t *t) {
  for (size_t i = 0; i < t->n_ctr; i++) ctr_free(&t->ctr[i]);
  free(t->ctr);
  t->ctr = NULL;
  t->n_ctr = 0;
}
