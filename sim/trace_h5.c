/* SPDX-License-Identifier: MIT */
/* HDF5 building blocks of the trace: quiet errors, attributes, datasets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_priv.h"

/* ---- Errors --------------------------------------------------------------
 * HDF5 prints its error stack to stderr by default; the recorder turns that
 * off around its own calls and puts the innermost cause into the errbuf. */

static herr_t innermost_cb(unsigned n, const H5E_error2_t *e, void *ud) {
  (void)n;
  if (e->desc != NULL) snprintf(ud, GS__TR_CAUSE_SIZE, "%s", e->desc);
  return 0;
}

/* Later errors of one failure come from cleanup: the first one is kept. */
static herr_t capture_cb(hid_t estack, void *ud) {
  char *cause = ud;
  if (cause[0] == '\0')
    H5Ewalk2(estack, H5E_WALK_DOWNWARD, innermost_cb, cause);
  return 0;
}

gs__tr_quiet_t gs__tr_quiet_begin(char *cause) {
  gs__tr_quiet_t q = {0};
  cause[0] = '\0';
  H5Eget_auto2(H5E_DEFAULT, &q.fn, &q.data);
  H5Eset_auto2(H5E_DEFAULT, capture_cb, cause);
  return q;
}

void gs__tr_quiet_end(gs__tr_quiet_t q) {
  H5Eset_auto2(H5E_DEFAULT, q.fn, q.data);
}

gs_err_t gs__tr_commit(bool failed, const char *tmp_path, const char *path,
                       const char *msg, gs_errbuf_t *eb) {
  if (failed) {
    /* A file cut short by a write error is not worth keeping. */
    remove(tmp_path);
    return gs_errbuf_set(eb, GS_EIO, "%s", msg);
  }
  if (rename(tmp_path, path) != 0) {
    gs_err_t err = gs_errbuf_set(eb, GS_EIO, "%s: cannot rename %s: %s",
                                 path, tmp_path, strerror(errno));
    remove(tmp_path);
    return err;
  }
  return GS_OK;
}

herr_t gs__tr_put1d(hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                    size_t n, const void *buf, bool compress,
                    const char *units, const char *description) {
  hsize_t dims[1] = {n}, maxd[1] = {H5S_UNLIMITED};
  hsize_t chunk[1] = {n == 0 ? 1 : n < GS__TR_ROWS ? n : GS__TR_ROWS};
  hid_t sp = H5Screate_simple(1, dims, maxd);
  hid_t pl = H5Pcreate(H5P_DATASET_CREATE);
  herr_t st = sp < 0 || pl < 0 ? -1 : H5Pset_chunk(pl, 1, chunk);
  /* No object times: a trace is the same bytes every run. */
  if (st >= 0) st = H5Pset_obj_track_times(pl, 0);
  if (st >= 0 && compress && H5Pset_shuffle(pl) >= 0)
    st = H5Pset_deflate(pl, GS__TR_DEFLATE);
  hid_t d = st < 0 ? -1
                   : H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, pl,
                                H5P_DEFAULT);
  if (d < 0) st = -1;
  if (st >= 0 && n > 0)
    st = H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  if (st >= 0 && units) st = gs__tr_attr_str(d, "units", units);
  if (st >= 0) st = gs__tr_attr_str(d, "description", description);
  if (d >= 0) H5Dclose(d);
  if (pl >= 0) H5Pclose(pl);
  if (sp >= 0) H5Sclose(sp);
  return st;
}

hid_t gs__tr_compound(size_t n, size_t row_size, bool file,
                      gs__tr_member_fn member, const void *ctx) {
  hid_t mt[GS__TR_MEMBERS_MAX];
  const char *name[GS__TR_MEMBERS_MAX];
  size_t off[GS__TR_MEMBERS_MAX], size = 0;
  GS_ASSERT(n <= GS__TR_MEMBERS_MAX);
  for (size_t i = 0; i < n; i++) {
    mt[i] = member(ctx, i, file, &name[i], &off[i]);
    size += mt[i] < 0 ? 0 : H5Tget_size(mt[i]);
  }
  hid_t ty = H5Tcreate(H5T_COMPOUND, file ? size : row_size);
  size_t packed = 0;
  for (size_t i = 0; i < n; i++) {
    if (ty >= 0 && (mt[i] < 0 || H5Tinsert(ty, name[i],
                                           file ? packed : off[i],
                                           mt[i]) < 0)) {
      H5Tclose(ty);
      ty = -1;
    }
    if (mt[i] >= 0) {
      packed += H5Tget_size(mt[i]);
      H5Tclose(mt[i]);
    }
  }
  return ty;
}

gs_err_t gs__tr_fail(gs_errbuf_t *eb, const char *path, const char *what,
                     char *cause) {
  /* HDF5's low-level messages quote the system's reason: keep just it. */
  static const char key[] = "error message = '";
  char *m = strstr(cause, key);
  if (m != NULL) {
    cause = m + sizeof key - 1;
    char *end = strchr(cause, '\'');
    if (end != NULL) *end = '\0';
  }
  return gs_errbuf_set(eb, GS_EIO, "%s: %s%s%s", path, what,
                       cause[0] ? ": " : "", cause);
}

/* ---- Types and attributes ------------------------------------------------ */

hid_t gs__tr_str_type(size_t len) {
  hid_t ty = H5Tcopy(H5T_C_S1);
  if (ty < 0) return -1;
  if (H5Tset_size(ty, len + 1) < 0 || H5Tset_cset(ty, H5T_CSET_UTF8) < 0 ||
      H5Tset_strpad(ty, H5T_STR_NULLTERM) < 0) {
    H5Tclose(ty);
    return -1;
  }
  return ty;
}

herr_t gs__tr_attr(hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                   const void *value) {
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a =
      sp < 0 ? -1 : H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = a < 0 ? -1 : H5Awrite(a, mtype, value);
  if (a >= 0) H5Aclose(a);
  if (sp >= 0) H5Sclose(sp);
  return st;
}

herr_t gs__tr_attr_str(hid_t loc, const char *name, const char *value) {
  hid_t ty = gs__tr_str_type(strlen(value));
  if (ty < 0) return -1;
  herr_t st = gs__tr_attr(loc, name, ty, ty, value);
  H5Tclose(ty);
  return st;
}

herr_t gs__tr_attr_f64(hid_t loc, const char *name, double value) {
  return gs__tr_attr(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

herr_t gs__tr_attr_strs(hid_t loc, const char *name, const char *const *v,
                        size_t n) {
  size_t len = 1;
  for (size_t i = 0; i < n; i++)
    if (strlen(v[i]) > len) len = strlen(v[i]);
  /* Zeroed, so the padding after each string is the same in every run. */
  char *buf = calloc(n ? n : 1, len + 1);
  if (buf == NULL) return -1;
  for (size_t i = 0; i < n; i++)
    memcpy(buf + i * (len + 1), v[i], strlen(v[i]));
  hsize_t dim = n;
  hid_t ty = gs__tr_str_type(len);
  hid_t sp = H5Screate_simple(1, &dim, NULL);
  hid_t a = ty < 0 || sp < 0
                ? -1
                : H5Acreate2(loc, name, ty, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = a < 0 ? -1 : H5Awrite(a, ty, buf);
  if (a >= 0) H5Aclose(a);
  if (sp >= 0) H5Sclose(sp);
  if (ty >= 0) H5Tclose(ty);
  free(buf);
  return st;
}

hid_t gs__tr_group(hid_t loc, const char *name) {
  hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
  if (gcpl < 0) return -1;
  hid_t g = -1;
  if (H5Pset_obj_track_times(gcpl, 0) >= 0)
    g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
  H5Pclose(gcpl);
  return g;
}

hid_t gs__tr_enum(const char *const *names, size_t n, bool file) {
  hid_t ty = H5Tenum_create(file ? H5T_STD_I8LE : H5T_NATIVE_SCHAR);
  if (ty < 0) return -1;
  for (size_t i = 0; i < n; i++) {
    signed char v = (signed char)i;
    if (H5Tenum_insert(ty, names[i], &v) < 0) {
      H5Tclose(ty);
      return -1;
    }
  }
  return ty;
}

/* A dataset creation property list: no object times; chunked if `chunk`
 * is not NULL, and then shuffled and deflated unless `raw`. */
static hid_t dcpl_create(int rank, const hsize_t *chunk, bool raw) {
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (dcpl < 0) return -1;
  if (H5Pset_obj_track_times(dcpl, 0) < 0 ||
      (chunk != NULL &&
       (H5Pset_chunk(dcpl, rank, chunk) < 0 ||
        (!raw && (H5Pset_shuffle(dcpl) < 0 ||
                  H5Pset_deflate(dcpl, GS__TR_DEFLATE) < 0))))) {
    H5Pclose(dcpl);
    return -1;
  }
  return dcpl;
}

herr_t gs__tr_strings(hid_t loc, const char *name, const char *buf,
                      size_t stride, size_t n, const char *description) {
  size_t len = 1;
  for (size_t i = 0; i < n; i++) {
    size_t l = strnlen(buf + i * stride, stride);
    if (l > len) len = l;
  }
  hsize_t dim = n;
  herr_t st = -1;
  hid_t ty = gs__tr_str_type(len);
  hid_t mty = gs__tr_str_type(stride - 1);
  hid_t sp = H5Screate_simple(1, &dim, NULL);
  hid_t dcpl = dcpl_create(1, NULL, false);
  if (ty >= 0 && mty >= 0 && sp >= 0 && dcpl >= 0) {
    hid_t d = H5Dcreate2(loc, name, ty, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d >= 0) {
      st = H5Dwrite(d, mty, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
      if (st >= 0) st = gs__tr_attr_str(d, "description", description);
      if (st >= 0) st = gs__tr_attr_str(d, "units", ""); /* names */
      H5Dclose(d);
    }
  }
  if (dcpl >= 0) H5Pclose(dcpl);
  if (sp >= 0) H5Sclose(sp);
  if (mty >= 0) H5Tclose(mty);
  if (ty >= 0) H5Tclose(ty);
  return st;
}

/* ---- Datasets written as the run goes ----------------------------------- */

/* Columns per chunk: all of them, or the widest equal split of them
 * within GS__TR_CHUNK_COLS, so that the last chunk of a row is not mostly
 * empty (an unfiltered chunk takes its full size in the file). */
static size_t chunk_cols(size_t cols) {
  if (cols <= GS__TR_CHUNK_COLS) return cols;
  size_t n = (cols + GS__TR_CHUNK_COLS - 1) / GS__TR_CHUNK_COLS;
  return (cols + n - 1) / n;
}

/* Rows per chunk: a 1-D dataset takes GS__TR_ROWS; a 2-D one about
 * GS__TR_CHUNK_ELEMS elements per chunk, and never buffers more than
 * GS__TR_BUF_ELEMS elements. */
static size_t chunk_rows(size_t cols) {
  if (cols == 0) return GS__TR_ROWS;
  size_t ccols = chunk_cols(cols);
  size_t rows = GS__TR_CHUNK_ELEMS / ccols;
  size_t cap = GS__TR_BUF_ELEMS / cols;
  if (rows > cap) rows = cap;
  if (rows > GS__TR_ROWS) rows = GS__TR_ROWS;
  return rows < 1 ? 1 : rows;
}

int gs__tr_mat_create(gs__tr_mat_t *m, hid_t loc, const gs__tr_mat_spec_t *s) {
  *m = (gs__tr_mat_t){.d = -1,
                      .mtype = s->mtype,
                      .own_mtype = s->own_mtype,
                      .elem = s->elem,
                      .cols = s->cols};
  int rank = s->cols ? 2 : 1;
  m->buf_rows = chunk_rows(s->cols);
  m->buf = malloc(m->buf_rows * (s->cols ? s->cols : 1) * s->elem);
  if (m->buf == NULL) return -2;
  hsize_t dims[2] = {0, s->cols}, maxdims[2] = {H5S_UNLIMITED, s->cols};
  hsize_t chunk[2] = {m->buf_rows, chunk_cols(s->cols)};
  hid_t sp = H5Screate_simple(rank, dims, maxdims);
  hid_t dcpl = dcpl_create(rank, chunk, s->raw);
  /* No chunk cache: rows are written a whole chunk at a time (the buffer
   * holds a chunk's rows) and never read back, so HDF5's default 1 MiB
   * per dataset only held written chunks (8 MB of a million-home run). */
  hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
  if (dapl >= 0 && H5Pset_chunk_cache(dapl, 0, 0, 1.0) < 0) {
    H5Pclose(dapl);
    dapl = -1;
  }
  if (sp >= 0 && dcpl >= 0 && dapl >= 0)
    m->d = H5Dcreate2(loc, s->name, s->ftype, sp, H5P_DEFAULT, dcpl, dapl);
  if (dapl >= 0) H5Pclose(dapl);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (sp >= 0) H5Sclose(sp);
  if (m->d < 0) return -1;
  herr_t st = gs__tr_attr_str(m->d, "description", s->description);
  if (st >= 0 && s->units != NULL)
    st = gs__tr_attr_str(m->d, "units", s->units);
  if (st >= 0 && s->field_units != NULL)
    st = gs__tr_attr_strs(m->d, "units", s->field_units, s->n_fields);
  return st < 0 ? -1 : 0;
}

herr_t gs__tr_mat_flush(gs__tr_mat_t *m) {
  if (m->n == 0 || m->d < 0) return 0;
  int rank = m->cols ? 2 : 1;
  hsize_t size[2] = {m->rows + m->n, m->cols};
  hsize_t start[2] = {m->rows, 0}, count[2] = {m->n, m->cols};
  if (H5Dset_extent(m->d, size) < 0) return -1;
  hid_t fsp = H5Dget_space(m->d);
  hid_t msp = H5Screate_simple(rank, count, NULL);
  herr_t st = -1;
  if (fsp >= 0 && msp >= 0 &&
      H5Sselect_hyperslab(fsp, H5S_SELECT_SET, start, NULL, count, NULL) >= 0)
    st = H5Dwrite(m->d, m->mtype, msp, fsp, H5P_DEFAULT, m->buf);
  if (msp >= 0) H5Sclose(msp);
  if (fsp >= 0) H5Sclose(fsp);
  if (st >= 0) {
    m->rows += m->n;
    m->n = 0;
  }
  return st;
}

void gs__tr_mat_close(gs__tr_mat_t *m) {
  if (m->d > 0) H5Dclose(m->d);
  if (m->own_mtype && m->mtype > 0) H5Tclose(m->mtype);
  free(m->buf);
  *m = (gs__tr_mat_t){.d = -1, .mtype = -1};
}
