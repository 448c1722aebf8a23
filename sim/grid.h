/* SPDX-License-Identifier: MIT */
/* The grid: feeders, distribution transformers, their loading and drop. */
#ifndef GRIDSIM_GRID_H
#define GRIDSIM_GRID_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "gridsim/engine.h"
#include "gridsim/error.h"

struct gs_world;
struct gs_scenario;
struct gs__sctx;

/* Where a feeder's load sits for the voltage drop (grid.feeders[].load_at). */
typedef enum gs_load_at {
  GS_LOAD_AT_END = 0, /* all of it at the far end: an upper bound */
  GS_LOAD_AT_UNIFORM  /* spread evenly along the length */
} gs_load_at_t;

/* One distribution transformer, as realised from the scenario. */
typedef struct gs_xfmr_cfg {
  double kva;          /* nameplate rating */
  double r_pct, x_pct; /* series impedance on its own base */
  uint32_t planned;    /* homes it was sized for (vens_per_transformer) */
  uint32_t n_vens;     /* VENs actually on it (<= planned) */
  uint32_t feeder;     /* index of its feeder */
} gs_xfmr_cfg_t;

/* One feeder: a line from the substation and its transformers. */
typedef struct gs_feeder_cfg {
  char *id;                 /* owned */
  double voltage_kv;        /* nominal line-to-line */
  double rating_kva;        /* head rating, 0 when none was given */
  double source_pu;         /* voltage at the head (substation bus) */
  double secondary_v;       /* transformers' secondary voltage */
  double length_km;         /* 0: no line model, no drop reported */
  double r_ohm, x_ohm;      /* the whole line, positive sequence */
  double r_eff_ohm, x_eff_ohm; /* what the drop formula uses (load_at) */
  gs_load_at_t load_at;
  uint64_t n_vens;
  uint32_t first_xfmr;      /* index of its first transformer in the grid */
  uint32_t n_xfmrs;
} gs_feeder_cfg_t;

/* The validated "grid" (or the implicit one-feeder grid when absent). */
typedef struct gs_grid_cfg {
  bool implicit;         /* no "grid" key: one feeder "f0" */
  double power_factor;   /* of every load, for kVA and Q */
  gs_time_us_t demand_interval_us; /* block of the demand peaks (15 min) */
  uint32_t report_top;   /* worst transformers listed in the summary */
  gs_feeder_cfg_t *feeders;
  size_t n_feeders;
  gs_xfmr_cfg_t *xfmrs;  /* all transformers, feeder by feeder */
  uint32_t n_xfmrs;
  uint32_t *group_feeder; /* fleet group index -> feeder index */
} gs_grid_cfg_t;

/* Validates root["grid"] (`grid`, may be NULL) and the groups' "feeder"
 * keys of the already parsed fleet, and realises the transformers into
 * `s->grid`. `c` stands at the root on entry and on return. Errors name
 * the JSON path (GS_ESCENARIO), or GS_ENOMEM. The fleet must be parsed. */
gs_err_t gs__scn_parse_grid(struct gs__sctx *c, const cJSON *root,
                            struct gs_scenario *s);
void gs_grid_cfg_free(gs_grid_cfg_t *g);

/* Standard single-phase distribution transformer ratings (kVA, the
 * IEEE C57.12.20 series) and their typical %R, %X: the smallest rating
 * >= `kva` (the largest if none), with its impedance. */
double gs_grid_standard_kva(double kva, double *r_pct, double *x_pct);

/* Voltage drop in per cent of nominal for a three-phase load `p_kw` at
 * power factor `pf` (lagging, Q = P tan(acos pf)) through `r_ohm` +
 * j`x_ohm` per phase at `voltage_kv` line to line:
 * (R P + X Q) / V^2 * 100. Negative for reverse flow (a rise). */
double gs_grid_drop_pct(double r_ohm, double x_ohm, double voltage_kv,
                        double p_kw, double pf);

/* Ids: "f1" for feeder `f`, "f1-t0007" for transformer `t` (global). */
const char *gs_grid_feeder_id(const gs_grid_cfg_t *g, uint32_t f);
void gs_grid_xfmr_id(const gs_grid_cfg_t *g, uint32_t t, char *buf,
                     size_t size);
/* The feeder of transformer `t`. */
uint32_t gs_grid_xfmr_feeder(const gs_grid_cfg_t *g, uint32_t t);

/* Grid metrics of a run: per-transformer and per-feeder accumulators fed
 * by an observer at the output interval; peaks come exactly from the
 * meters. Owned by the world (gs_world_t.grid), freed with it. */
typedef struct gs_grid_obs gs_grid_obs_t;

/* Creates the accumulators of world `w` and adds their observer to its
 * engine, sampling every `interval_us` up to `end_us` (the run's length).
 * Call after gs_world_build and before gs_engine_run. GS_ENOMEM or an
 * observer error, with detail in `eb`. */
gs_err_t gs_grid_observe(struct gs_world *w, gs_time_us_t interval_us,
                         gs_time_us_t end_us, gs_errbuf_t *eb);
void gs_grid_obs_free(gs_grid_obs_t *o);

/* Adds "grid" to the summary object `root` (after the run). Does nothing
 * when the world has no grid observer. */
void gs_grid_summary_json(cJSON *root, const struct gs_world *w);
/* Prints the grid lines of the human summary (nothing without observer). */
void gs_grid_summary_print(FILE *out, const struct gs_world *w);

/* Figures of transformer `t` after the run, for reports and tests. */
typedef struct gs_xfmr_figs {
  double peak_kw, peak_kva, peak_ratio; /* exact, from the meter */
  double peak_time_s;
  /* Highest mean over a demand block (grid.demand_interval_s, aligned to
   * the start; exact, from the meter's energy), the figure a thermal
   * rating is compared with, and when that block began. */
  double demand_kva, demand_ratio, demand_time_s;
  double time_above_s;     /* samples with kVA > rating, times interval */
  double time_above_120_s; /* ... > 1.2 x rating */
  uint32_t evs;            /* EV chargers on it */
  uint32_t evs_charging_max; /* most charging at one sample instant */
} gs_xfmr_figs_t;
void gs_grid_xfmr_figs(const struct gs_world *w, uint32_t t,
                       gs_xfmr_figs_t *out);

/* Figures of feeder `f` after the run. */
typedef struct gs_feeder_figs {
  double peak_kw, peak_kva, peak_time_s; /* exact head load peak */
  double mean_kw, load_factor;           /* mean / peak */
  double drop_at_peak_pct;               /* 0 without a line */
  double min_voltage_pu;                 /* source_pu - drop at the peak */
  double time_below_095_s;               /* samples below ANSI Range A */
} gs_feeder_figs_t;
void gs_grid_feeder_figs(const struct gs_world *w, uint32_t f,
                         gs_feeder_figs_t *out);

#endif /* GRIDSIM_GRID_H */
