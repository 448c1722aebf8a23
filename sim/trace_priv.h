/* SPDX-License-Identifier: MIT */
/* The trace recorder's internals, shared by sim/trace*.c (private). */
#ifndef GRIDSIM_TRACE_PRIV_H
#define GRIDSIM_TRACE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "trace.h"
#include "trace_log.h"

/* Deflate level of the compressed datasets. Level 1 makes files about 6 %
 * larger than level 4 and costs 28 % fewer instructions in zlib (callgrind,
 * 3,000 VENs all sampled, where zlib is 43 % of the run at level 4). */
#define GS__TR_DEFLATE 1
/* Rows per chunk of a 1-D series or log table. */
#define GS__TR_ROWS 4096
/* Target elements per chunk of a 2-D series (1 MiB of float64, the size of
 * HDF5's default chunk cache), its widest chunk in columns, and the most
 * elements one series buffers (1 MiB of float64): with more than 131,072
 * columns (a million homes' transformers, or VENs sampled) a chunk is one
 * row. */
#define GS__TR_CHUNK_ELEMS 131072
#define GS__TR_CHUNK_COLS  16384
#define GS__TR_BUF_ELEMS   (1u << 17)
#define GS__TR_ID_MAX      96
#define GS__TR_CAUSE_SIZE  256

/* ---- HDF5 helpers (trace_h5.c) ------------------------------------------ */

/* While quiet, HDF5 prints nothing; the first error it reports (the root
 * cause) is kept in `cause` for the message. */
typedef struct gs__tr_quiet {
  H5E_auto2_t fn;
  void *data;
} gs__tr_quiet_t;
gs__tr_quiet_t gs__tr_quiet_begin(char *cause);
void gs__tr_quiet_end(gs__tr_quiet_t q);

/* Sets `eb` to "<path>: <what>: <cause>" (the system error text if HDF5
 * gave one) and returns GS_EIO. */
gs_err_t gs__tr_fail(gs_errbuf_t *eb, const char *path, const char *what,
                     char *cause);

/* Ends a trace file written as `tmp_path`: removed when `failed` (GS_EIO
 * with `msg` in `eb`), else renamed to `path` (GS_EIO if that fails, the
 * partial file removed). A trace is either whole under its name or gone. */
gs_err_t gs__tr_commit(bool failed, const char *tmp_path, const char *path,
                       const char *msg, gs_errbuf_t *eb);

/* A 1-D dataset `name` of `n` elements of file type `ftype`, written at
 * once from `buf` (memory type `mtype`): chunked and extendible, shuffled
 * and deflated when `compress` (fixed-size types), no object times, with
 * a `units` attribute (NULL: none) and a `description`. Negative on
 * error. */
herr_t gs__tr_put1d(hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                    size_t n, const void *buf, bool compress,
                    const char *units, const char *description);

/* Member `i` of a compound table type: returns its HDF5 type (file or
 * memory), which gs__tr_compound closes, and sets its name and its
 * offset in the row struct. */
typedef hid_t (*gs__tr_member_fn)(const void *ctx, size_t i, bool file,
                                  const char **name, size_t *off);
#define GS__TR_MEMBERS_MAX 48
/* The compound type of a table of `n` members (at most
 * GS__TR_MEMBERS_MAX): packed in the file, so no padding byte (undefined,
 * different from run to run) reaches it; over the `row_size`-byte row
 * struct in memory. Negative on error. */
hid_t gs__tr_compound(size_t n, size_t row_size, bool file,
                      gs__tr_member_fn member, const void *ctx);

/* A fixed-length, NUL-terminated UTF-8 string type of `len` characters. */
hid_t gs__tr_str_type(size_t len);
/* Scalar attributes: a number of file type `ftype` read from `value` of
 * memory type `mtype`, or a string. Negative on error. */
herr_t gs__tr_attr(hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                   const void *value);
herr_t gs__tr_attr_str(hid_t loc, const char *name, const char *value);
herr_t gs__tr_attr_f64(hid_t loc, const char *name, double value);
/* A 1-D attribute of `n` strings (fixed length: the longest). */
herr_t gs__tr_attr_strs(hid_t loc, const char *name, const char *const *v,
                        size_t n);
/* A group without object times (so equal runs give equal bytes). */
hid_t gs__tr_group(hid_t loc, const char *name);
/* A 1-D enum type over int8 with `n` names valued 0 .. n-1, in file
 * (little-endian) or memory (native) form. */
hid_t gs__tr_enum(const char *const *names, size_t n, bool file);
/* A fixed-size 1-D dataset of `n` strings, written at once. */
herr_t gs__tr_strings(hid_t loc, const char *name, const char *buf,
                      size_t stride, size_t n, const char *description);

/* A dataset written as the run goes: rows of `cols` elements (rank 1 when
 * `cols` is 0, a plain series or a table), buffered a chunk at a time so
 * that no compressed chunk is read back and rewritten. */
typedef struct gs__tr_mat {
  hid_t d;
  hid_t mtype; /* memory type of one element (owned if `own_mtype`) */
  bool own_mtype;
  size_t elem;     /* bytes per element in memory */
  size_t cols;     /* 0: rank 1 */
  size_t buf_rows; /* rows per chunk and per flush */
  size_t n;        /* rows buffered */
  hsize_t rows;    /* rows in the file */
  unsigned char *buf;
} gs__tr_mat_t;

/* What a new gs__tr_mat is made of. `units` and `description` become
 * attributes; for a table (compound `ftype`) `units` is NULL and
 * `field_units` lists one unit per member ("" for none). */
typedef struct gs__tr_mat_spec {
  const char *name;
  size_t cols;
  hid_t ftype, mtype;
  bool own_mtype; /* the mat closes mtype */
  size_t elem;
  const char *units;
  const char *const *field_units;
  size_t n_fields;
  const char *description;
  /* Chunked but not shuffled and deflated: for series that compress
   * little (see trace_ven.c, group_create). */
  bool raw;
} gs__tr_mat_spec_t;

/* Creates the dataset and its buffer. Returns -1 on an HDF5 error, -2 if
 * out of memory; 0 on success. `m` is always safe to gs__tr_mat_close. */
int gs__tr_mat_create(gs__tr_mat_t *m, hid_t loc, const gs__tr_mat_spec_t *s);
/* The next row to fill (the caller then checks gs__tr_mat_full). */
static inline void *gs__tr_mat_row(gs__tr_mat_t *m) {
  return m->buf + m->n++ * m->elem * (m->cols ? m->cols : 1);
}
static inline bool gs__tr_mat_full(const gs__tr_mat_t *m) {
  return m->n == m->buf_rows;
}
herr_t gs__tr_mat_flush(gs__tr_mat_t *m);
void gs__tr_mat_close(gs__tr_mat_t *m);

/* ---- The recorder ------------------------------------------------------- */

enum { GS__TR_F_TIME, GS__TR_F_POWER, GS__TR_F_ENERGY, GS__TR_F_COUNT };
enum {
  GS__TR_V_POWER,
  GS__TR_V_SHED,
  GS__TR_V_STATE,
  GS__TR_V_TEMP,
  GS__TR_V_BATTERY,
  GS__TR_V_EV,
  GS__TR_V_COUNT
};

/* A set of meters recorded together (gs_trace_add_meters). */
typedef struct gs__tr_meters {
  uint32_t *meter;
  size_t n;
  bool energy;
  gs__tr_mat_t power, energy_kwh;
} gs__tr_meters_t;

/* The sampled VENs: VEN index, entity ids of the loads the series read,
 * and how long each has opted out of the present event. */
typedef struct gs__tr_ven {
  uint64_t *index;                        /* sorted */
  uint32_t *entity, *hvac, *battery, *ev; /* GS_ENTITY_NONE if none */
  gs_time_us_t *opted_until_us;
  size_t n;
  gs__tr_mat_t series[GS__TR_V_COUNT];
} gs__tr_ven_t;

struct gs_trace {
  char *path, *tmp_path;
  gs_world_t *w;
  gs_time_us_t interval_us;
  hid_t file, meta;
  gs__tr_mat_t fleet[GS__TR_F_COUNT];
  gs__tr_ven_t ven;
  gs__tr_meters_t *groups; /* gs_trace_add_meters, plus /ven's power */
  size_t n_groups;
  gs__tr_mat_t log[GS_LOG_NTABLES];
  gs_log_t sink;
  hid_t cf; /* /dr/counterfactual_power_kw, once a twin is added */
  struct gs__tr_ctr *ctr; /* gs_trace_add_counters (trace_counters.c) */
  size_t n_ctr;
  hsize_t cf_rows;
  bool sampled; /* the first row has been taken: no more groups */
  bool failed;  /* after a write error nothing more is written */
  gs_errbuf_t err;
};

/* Records a write error once (the first one wins) and stops recording. */
void gs__tr_error(gs_trace_t *t, const char *what, char *cause);

/* /ven (trace_ven.c): creates the sample's datasets (nothing if no VEN is
 * sampled); takes one row; frees. Returns like gs__tr_mat_create. */
int gs__tr_ven_create(gs_trace_t *t);
void gs__tr_ven_sample(gs_trace_t *t, gs_time_us_t now_us);
herr_t gs__tr_ven_flush(gs_trace_t *t, bool all);
void gs__tr_ven_close(gs_trace_t *t);
/* The column of VEN index `i` in the sample, or -1. */
long gs__tr_ven_column(const gs_trace_t *t, uint64_t i);

/* Meter groups (trace_ven.c): the world's feeders and transformers; one
 * row of each; flush; free. */
gs_err_t gs__tr_grid_add(gs_trace_t *t, gs_errbuf_t *eb);
void gs__tr_groups_sample(gs_trace_t *t, gs_time_us_t now_us);
herr_t gs__tr_groups_flush(gs_trace_t *t, bool all);
void gs__tr_groups_close(gs_trace_t *t);

/* /log (trace_log.c): creates the tables and sets the sink; flushes
 * everything buffered; closes. */
int gs__tr_log_create(gs_trace_t *t);
herr_t gs__tr_log_flush(gs_trace_t *t);
void gs__tr_log_close(gs_trace_t *t);

/* Counter groups (trace_counters.c): one row each; flush and write the
 * totals as attributes; free. */
herr_t gs__tr_ctr_sample(gs_trace_t *t, gs_time_us_t now_us);
herr_t gs__tr_ctr_finish(gs_trace_t *t);
void gs__tr_ctr_close(gs_trace_t *t);

/* /dr (trace_dr.c): the schedule at open, the performance at close. */
herr_t gs__tr_dr_schedule(gs_trace_t *t);
herr_t gs__tr_dr_performance(gs_trace_t *t);

#endif /* GRIDSIM_TRACE_PRIV_H */
