/* SPDX-License-Identifier: MIT */
/* The trace's per-VEN series of the sample, and sets of meters (feeders). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grid.h"
#include "hvac.h"
#include "models.h"
#include "scenario_priv.h"
#include "trace_priv.h"
#include "ven.h"

/* /ven/state values, in enum order (documented in README.md, section
 * Traces (HDF5)). */
static const char *const state_names[] = {"normal", "shedding", "opted_out",
                                          "offline"};
enum { ST_NORMAL, ST_SHEDDING, ST_OPTED_OUT, ST_OFFLINE };

typedef struct ven_series {
  const char *name, *units, *doc;
} ven_series_t;
static const ven_series_t ven_series[GS__TR_V_COUNT] = {
    [GS__TR_V_POWER] = {"power_kw", "kW", "the VEN's power (its meter)"},
    [GS__TR_V_SHED] = {"shed_kw", "kW",
                       "shed committed for its active DR event, else 0"},
    [GS__TR_V_STATE] = {"state", "1",
                        "normal; shedding (running a DR event it accepted); "
                        "opted_out (declined the present event, or its "
                        "thermostat left it at the comfort limit); offline "
                        "(comms down; takes precedence)"},
    [GS__TR_V_TEMP] = {"indoor_temp_c", "degC",
                       "indoor air temperature of its HVAC's house; NaN "
                       "without HVAC"},
    [GS__TR_V_BATTERY] = {"battery_soc_pct", "%",
                          "state of charge of its home battery; NaN "
                          "without one"},
    [GS__TR_V_EV] = {"ev_soc_pct", "%",
                     "state of charge of its EV (as the charger reports "
                     "it); NaN without one"},
};

/* The sample is every VEN i with ceil((i+1) f) != ceil(i f): VEN 0, then
 * about one in 1/f, ceil(n f) VENs in all, the same for every run. */
static bool ven_sampled(uint64_t i, double f) {
  return ceil((double)(i + 1) * f) != ceil((double)i * f);
}

/* Finds the sampled VEN `j`'s loads the series read: the first HVAC,
 * battery and EV among the load entities that follow the VEN. */
static void find_loads(gs_trace_t *t, size_t j) {
  gs_engine_t *eng = t->w->engine;
  gs__tr_ven_t *v = &t->ven;
  v->hvac[j] = v->battery[j] = v->ev[j] = GS_ENTITY_NONE;
  size_t count = gs_engine_entity_count(eng);
  for (size_t id = (size_t)v->entity[j] + 1; id < count; id++) {
    const gs_model_type_t *ty = gs_engine_type(eng, (gs_entity_id_t)id);
    if (ty->role != GS_ROLE_LOAD) break;
    uint32_t *slot = ty == &gs_model_hvac      ? &v->hvac[j]
                     : ty == &gs_model_battery ? &v->battery[j]
                     : ty == &gs_model_ev      ? &v->ev[j]
                                               : NULL;
    if (slot != NULL && *slot == GS_ENTITY_NONE) *slot = (uint32_t)id;
  }
}

static int ven_alloc(gs__tr_ven_t *v, size_t n) {
  v->index = malloc(n * sizeof *v->index);
  v->entity = malloc(n * sizeof *v->entity);
  v->hvac = malloc(n * sizeof *v->hvac);
  v->battery = malloc(n * sizeof *v->battery);
  v->ev = malloc(n * sizeof *v->ev);
  v->opted_until_us = calloc(n, sizeof *v->opted_until_us);
  return v->index && v->entity && v->hvac && v->battery && v->ev &&
                 v->opted_until_us
             ? 0
             : -2;
}

/* /ven/ids and /ven/index. */
static int write_ids(gs_trace_t *t, hid_t g) {
  gs__tr_ven_t *v = &t->ven;
  char *ids = calloc(v->n, GS__TR_ID_MAX);
  if (ids == NULL) return -2;
  for (size_t j = 0; j < v->n; j++)
    gs_world_ven_id(t->w, v->index[j], ids + j * GS__TR_ID_MAX, GS__TR_ID_MAX);
  herr_t st = gs__tr_strings(g, "ids", ids, GS__TR_ID_MAX, v->n,
                             "ids of the sampled VENs, one per column");
  free(ids);
  if (st < 0) return -1;
  hsize_t dim = v->n;
  hid_t sp = H5Screate_simple(1, &dim, NULL);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hid_t d = -1;
  if (sp >= 0 && dcpl >= 0 && H5Pset_obj_track_times(dcpl, 0) >= 0)
    d = H5Dcreate2(g, "index", H5T_STD_U64LE, sp, H5P_DEFAULT, dcpl,
                   H5P_DEFAULT);
  st = d < 0 ? -1
             : H5Dwrite(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                        v->index);
  if (st >= 0)
    st = gs__tr_attr_str(d, "description",
                         "VEN index of each column (order of the scenario's "
                         "fleet groups), as in /log tables' ven");
  if (st >= 0) st = gs__tr_attr_str(d, "units", "1");
  if (d >= 0) H5Dclose(d);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (sp >= 0) H5Sclose(sp);
  return st < 0 ? -1 : 0;
}

int gs__tr_ven_create(gs_trace_t *t) {
  const gs_world_t *w = t->w;
  gs__tr_ven_t *v = &t->ven;
  double f = w->scenario->ven_sample;
  size_t n = 0;
  if (f > 0)
    for (uint64_t i = 0; i < w->n_vens; i++)
      n += ven_sampled(i, f);
  if (n == 0) return 0;
  if (ven_alloc(v, n) < 0) return -2;
  for (uint64_t i = 0; i < w->n_vens; i++) {
    if (!ven_sampled(i, f)) continue;
    v->index[v->n] = i;
    v->entity[v->n] = w->ven_entity[i];
    find_loads(t, v->n);
    v->n++;
  }
  hid_t g = gs__tr_group(t->file, "ven");
  if (g < 0) return -1;
  int st = write_ids(t, g);
  for (int k = 0; k < GS__TR_V_COUNT && st == 0; k++) {
    bool is_state = k == GS__TR_V_STATE;
    hid_t fty = is_state ? gs__tr_enum(state_names, 4, true) : H5T_IEEE_F64LE;
    hid_t mty =
        is_state ? gs__tr_enum(state_names, 4, false) : H5T_NATIVE_DOUBLE;
    gs__tr_mat_spec_t s = {.name = ven_series[k].name,
                           .cols = n,
                           .ftype = fty,
                           .mtype = mty,
                           .own_mtype = is_state,
                           .elem = is_state ? 1 : sizeof(double),
                           .units = ven_series[k].units,
                           .description = ven_series[k].doc};
    st = fty < 0 || mty < 0 ? -1 : gs__tr_mat_create(&v->series[k], g, &s);
    if (is_state && fty >= 0) H5Tclose(fty);
    if (is_state && mty >= 0 && v->series[k].mtype != mty) H5Tclose(mty);
  }
  H5Gclose(g);
  return st;
}

long gs__tr_ven_column(const gs_trace_t *t, uint64_t i) {
  size_t lo = 0, hi = t->ven.n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->ven.index[mid] < i)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < t->ven.n && t->ven.index[lo] == i ? (long)lo : -1;
}

/* State of charge of load `id` from its status, or NaN. */
static double soc_pct(gs_engine_t *eng, uint32_t id, gs_time_us_t now_us) {
  if (id == GS_ENTITY_NONE) return NAN;
  const gs_model_type_t *ty = gs_engine_type(eng, id);
  gs_load_status_t st = {.soc_pct = -1};
  ty->status(gs_engine_state(eng, id), now_us, &st);
  return st.soc_pct >= 0 ? st.soc_pct : NAN;
}

/* Sampled VENs ahead whose records, then states and meters, are fetched
 * while VEN j is read: at a million homes the sample's VENs are 100 apart
 * in every array, and each of their reads would wait for memory. */
#define GS__TR_AHEAD 8

static void prefetch_ahead(const gs_trace_t *t, size_t j) {
  const gs__tr_ven_t *v = &t->ven;
  gs_engine_t *eng = t->w->engine;
  size_t far = j + 2 * GS__TR_AHEAD, near = j + GS__TR_AHEAD;
  if (far < v->n) {
    gs_engine_prefetch(eng, v->entity[far], false);
    if (v->hvac[far] != GS_ENTITY_NONE)
      gs_engine_prefetch(eng, v->hvac[far], false);
  }
  if (near < v->n) {
    gs_engine_prefetch(eng, v->entity[near], true);
    if (v->hvac[near] != GS_ENTITY_NONE)
      gs_engine_prefetch(eng, v->hvac[near], true);
    gs_meters_prefetch(gs_engine_meters(eng), t->w->ven_meter[v->index[near]],
                       false);
  }
}

void gs__tr_ven_sample(gs_trace_t *t, gs_time_us_t now_us) {
  gs__tr_ven_t *v = &t->ven;
  if (v->n == 0) return;
  gs_engine_t *eng = t->w->engine;
  const gs_meters_t *m = gs_engine_meters(eng);
  double *power = gs__tr_mat_row(&v->series[GS__TR_V_POWER]);
  double *shed = gs__tr_mat_row(&v->series[GS__TR_V_SHED]);
  signed char *state = gs__tr_mat_row(&v->series[GS__TR_V_STATE]);
  double *temp = gs__tr_mat_row(&v->series[GS__TR_V_TEMP]);
  double *bat = gs__tr_mat_row(&v->series[GS__TR_V_BATTERY]);
  double *ev = gs__tr_mat_row(&v->series[GS__TR_V_EV]);
  for (size_t j = 0; j < v->n; j++) {
    prefetch_ahead(t, j);
    const void *vs = gs_engine_state(eng, v->entity[j]);
    int64_t shed_mw = gs_ven_shed_mw(vs);
    power[j] =
        (double)gs_meters_power_mw(m, t->w->ven_meter[v->index[j]]) / 1e6;
    shed[j] = (double)shed_mw / 1e6;
    bool in_event = gs_ven_in_event(vs), comfort_out = false;
    if (v->hvac[j] != GS_ENTITY_NONE) {
      const void *hs = gs_engine_state(eng, v->hvac[j]);
      temp[j] = gs_hvac_indoor_c(hs, now_us);
      comfort_out = in_event && gs_hvac_opted_out(hs);
    } else {
      temp[j] = NAN;
    }
    state[j] = !gs_ven_online(vs)                             ? ST_OFFLINE
               : now_us < v->opted_until_us[j] || comfort_out ? ST_OPTED_OUT
               : in_event                                     ? ST_SHEDDING
                                                              : ST_NORMAL;
    bat[j] = soc_pct(eng, v->battery[j], now_us);
    ev[j] = soc_pct(eng, v->ev[j], now_us);
  }
}

herr_t gs__tr_ven_flush(gs_trace_t *t, bool all) {
  /* All series of the sample have the same rows per chunk: they fill up
   * together. */
  if (t->ven.n == 0 || (!all && !gs__tr_mat_full(&t->ven.series[0]))) return 0;
  for (int k = 0; k < GS__TR_V_COUNT; k++)
    if (gs__tr_mat_flush(&t->ven.series[k]) < 0) return -1;
  return 0;
}

void gs__tr_ven_close(gs_trace_t *t) {
  gs__tr_ven_t *v = &t->ven;
  for (int k = 0; k < GS__TR_V_COUNT; k++)
    gs__tr_mat_close(&v->series[k]);
  free(v->index);
  free(v->entity);
  free(v->hvac);
  free(v->battery);
  free(v->ev);
  free(v->opted_until_us);
  *v = (gs__tr_ven_t){0};
}

/* ---- Sets of meters ------------------------------------------------------ */

static int write_ratings(hid_t g, const gs_trace_meters_t *m) {
  hsize_t dim = m->count;
  hid_t sp = H5Screate_simple(1, &dim, NULL);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hid_t d = -1;
  if (sp >= 0 && dcpl >= 0 && H5Pset_obj_track_times(dcpl, 0) >= 0)
    d = H5Dcreate2(g, "rating_kva", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl,
                   H5P_DEFAULT);
  herr_t st = d < 0 ? -1
                    : H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                               H5P_DEFAULT, m->rating_kva);
  if (st >= 0) st = gs__tr_attr_str(d, "units", "kVA");
  if (st >= 0)
    st = gs__tr_attr_str(d, "description", "nameplate rating of each column");
  if (d >= 0) H5Dclose(d);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (sp >= 0) H5Sclose(sp);
  return st < 0 ? -1 : 0;
}

static int group_create(gs_trace_t *t, const gs_trace_meters_t *m,
                        gs__tr_meters_t *gm) {
  char *ids = calloc(m->count, GS__TR_ID_MAX);
  if (ids == NULL) return -2;
  for (size_t j = 0; j < m->count; j++)
    snprintf(ids + j * GS__TR_ID_MAX, GS__TR_ID_MAX, "%s", m->names[j]);
  hid_t g = gs__tr_group(t->file, m->group);
  int st = g < 0 ? -1 : 0;
  if (st == 0 && gs__tr_strings(g, "ids", ids, GS__TR_ID_MAX, m->count,
                                "id of each column") < 0)
    st = -1;
  free(ids);
  /* Unfiltered: a meter's kW (exact milliwatts over 1e6) fills the whole
   * mantissa, so shuffle and deflate save 15 % of a million homes'
   * transformer series (289 MB) and cost 5.5 s of an 82-s run. */
  gs__tr_mat_spec_t s = {.name = "power_kw",
                         .cols = m->count,
                         .ftype = H5T_IEEE_F64LE,
                         .mtype = H5T_NATIVE_DOUBLE,
                         .elem = sizeof(double),
                         .units = "kW",
                         .description = "power through each meter",
                         .raw = true};
  if (st == 0 && m->rating_kva != NULL) st = write_ratings(g, m);
  if (st == 0) st = gs__tr_mat_create(&gm->power, g, &s);
  if (st == 0 && m->energy) {
    s.name = "energy_kwh";
    s.units = "kWh";
    s.description = "energy through each meter since the start";
    st = gs__tr_mat_create(&gm->energy_kwh, g, &s);
  }
  if (g >= 0) H5Gclose(g);
  return st;
}

gs_err_t gs_trace_add_meters(gs_trace_t *t, const gs_trace_meters_t *m,
                             gs_errbuf_t *eb) {
  if (t == NULL || m == NULL || m->group == NULL ||
      (m->count > 0 && (m->names == NULL || m->meters == NULL)))
    return gs_errbuf_set(eb, GS_EINVAL, "gs_trace_add_meters: NULL argument");
  if (t->sampled)
    return gs_errbuf_set(eb, GS_EINVAL,
                         "%s: meters /%s added after the run "
                         "started",
                         t->path, m->group);
  if (t->failed) return gs_errbuf_set(eb, GS_EIO, "%s", t->err.msg);
  uint32_t n_meters = gs_meters_count(gs_engine_meters(t->w->engine));
  for (size_t j = 0; j < m->count; j++)
    if (m->meters[j] >= n_meters)
      return gs_errbuf_set(eb, GS_EINVAL,
                           "%s: /%s column %zu: meter %u "
                           "out of range (%u meters)",
                           t->path, m->group, j, m->meters[j], n_meters);
  if (m->count == 0) return GS_OK;
  if (m->group[0] == '\0' || strchr(m->group, '/') != NULL ||
      H5Lexists(t->file, m->group, H5P_DEFAULT) != 0)
    return gs_errbuf_set(eb, GS_EINVAL,
                         "%s: meters: group name '%s' is "
                         "taken or not a plain name",
                         t->path, m->group);
  gs__tr_meters_t *grown =
      realloc(t->groups, (t->n_groups + 1) * sizeof *grown);
  if (grown == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  t->groups = grown;
  gs__tr_meters_t *gm = &t->groups[t->n_groups++];
  *gm = (gs__tr_meters_t){.n = m->count, .energy = m->energy};
  gm->meter = malloc(m->count * sizeof *gm->meter);
  if (gm->meter == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  memcpy(gm->meter, m->meters, m->count * sizeof *gm->meter);
  char cause[GS__TR_CAUSE_SIZE];
  gs__tr_quiet_t q = gs__tr_quiet_begin(cause);
  int st = group_create(t, m, gm);
  gs_err_t err = GS_OK;
  if (st == -2)
    err = gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  else if (st < 0) {
    gs__tr_error(t, "cannot write HDF5 trace", cause);
    err = gs_errbuf_set(eb, GS_EIO, "%s", t->err.msg);
  }
  gs__tr_quiet_end(q);
  return err;
}

void gs__tr_groups_sample(gs_trace_t *t, gs_time_us_t now_us) {
  const gs_meters_t *m = gs_engine_meters(t->w->engine);
  for (size_t g = 0; g < t->n_groups; g++) {
    gs__tr_meters_t *gm = &t->groups[g];
    if (gm->power.buf == NULL) continue; /* its creation failed */
    double *p = gs__tr_mat_row(&gm->power);
    for (size_t j = 0; j < gm->n; j++)
      p[j] = (double)gs_meters_power_mw(m, gm->meter[j]) / 1e6;
    if (!gm->energy) continue;
    double *e = gs__tr_mat_row(&gm->energy_kwh);
    for (size_t j = 0; j < gm->n; j++)
      e[j] = gs_meters_energy_kwh(m, gm->meter[j], now_us);
  }
}

herr_t gs__tr_groups_flush(gs_trace_t *t, bool all) {
  for (size_t g = 0; g < t->n_groups; g++) {
    gs__tr_meters_t *gm = &t->groups[g];
    if (!all && !gs__tr_mat_full(&gm->power)) continue;
    if (gs__tr_mat_flush(&gm->power) < 0 ||
        gs__tr_mat_flush(&gm->energy_kwh) < 0)
      return -1;
  }
  return 0;
}

void gs__tr_groups_close(gs_trace_t *t) {
  for (size_t g = 0; g < t->n_groups; g++) {
    gs__tr_mat_close(&t->groups[g].power);
    gs__tr_mat_close(&t->groups[g].energy_kwh);
    free(t->groups[g].meter);
  }
  free(t->groups);
  t->groups = NULL;
  t->n_groups = 0;
}

/* The grid's feeders (with energy) and transformers (with ratings). */
gs_err_t gs__tr_grid_add(gs_trace_t *t, gs_errbuf_t *eb) {
  const gs_world_t *w = t->w;
  const gs_grid_cfg_t *g = w->grid;
  if (g == NULL || w->feeder_meter == NULL || w->xfmr_meter == NULL)
    return GS_OK;
  size_t n = g->n_feeders > g->n_xfmrs ? g->n_feeders : g->n_xfmrs;
  const char **names = malloc((n ? n : 1) * sizeof *names);
  char *ids = calloc(g->n_xfmrs ? g->n_xfmrs : 1, GS__TR_ID_MAX);
  double *kva = malloc((g->n_xfmrs ? g->n_xfmrs : 1) * sizeof *kva);
  gs_err_t err = GS_OK;
  if (names == NULL || ids == NULL || kva == NULL) {
    err = gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
    goto done;
  }
  for (uint32_t f = 0; f < g->n_feeders; f++)
    names[f] = gs_grid_feeder_id(g, f);
  gs_trace_meters_t fm = {.group = "feeder",
                          .names = names,
                          .meters = w->feeder_meter,
                          .count = g->n_feeders,
                          .energy = true};
  if ((err = gs_trace_add_meters(t, &fm, eb)) != GS_OK) goto done;
  for (uint32_t x = 0; x < g->n_xfmrs; x++) {
    gs_grid_xfmr_id(g, x, ids + (size_t)x * GS__TR_ID_MAX, GS__TR_ID_MAX);
    names[x] = ids + (size_t)x * GS__TR_ID_MAX;
    kva[x] = g->xfmrs[x].kva;
  }
  gs_trace_meters_t xm = {.group = "transformer",
                          .names = names,
                          .meters = w->xfmr_meter,
                          .count = g->n_xfmrs,
                          .rating_kva = kva};
  err = gs_trace_add_meters(t, &xm, eb);
done:
  free(kva);
  free(ids);
  free(names);
  return err;
}
