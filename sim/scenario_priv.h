/* SPDX-License-Identifier: MIT */
/* The validated scenario, as read by the world builder (private to sim/). */
#ifndef GRIDSIM_SCENARIO_PRIV_H
#define GRIDSIM_SCENARIO_PRIV_H

#include <cjson/cJSON.h>

#include "baseline.h"

#include "gridsim/dist.h"
#include "gridsim/model.h"
#include "gridsim/scenario.h"

/* One entry of a fleet group's "loads". */
typedef struct gs_load_cfg {
  const gs_model_type_t *type; /* role GS_ROLE_LOAD */
  char *id;                    /* unique within the group ("hvac1") */
  double present;              /* probability a VEN of the group has it */
  gs_dist_t *params;           /* type->n_params, defaults as constants */
} gs_load_cfg_t;

/* One element of "fleet". */
typedef struct gs_group_cfg {
  char *name;         /* unique; VEN ids are "<name>-<index, 4+ digits>" */
  uint32_t count;
  gs_dist_t *ven_params; /* gs_model_find("ven")->n_params entries */
  gs_load_cfg_t *loads;
  size_t n_loads;
} gs_group_cfg_t;

typedef enum gs_target_kind {
  GS_TARGET_ALL = 0,  /* "all" (the default)           */
  GS_TARGET_GROUP,    /* {"group": "suburb"}           */
  GS_TARGET_FRACTION, /* {"fraction": 0.5}             */
  GS_TARGET_LIST,     /* {"vens": ["suburb-0001", ..]} */
  GS_TARGET_FEEDER,   /* {"feeder": "f1"}                */
  GS_TARGET_TRANSFORMER /* {"transformer": "f1-t0003"}   */
} gs_target_kind_t;

/* How the program splits an event's request over its VENs
 * ("program.dispatch" or an event's "dispatch"; models/program_dispatch.c). */
typedef enum gs_dispatch_kind {
  GS_DISPATCH_EQUAL = 0, /* equal shares over the VENs seen online */
  GS_DISPATCH_CAPABILITY,/* in proportion to reported shed capability */
  GS_DISPATCH_PRIORITY   /* fill VENs in priority order up to capability */
} gs_dispatch_kind_t;

/* OpenADR 3 event payload types the VENs act on (an event's "signal").
 * GS_SIGNAL_NONE is the platform's own shed command (requested_kw). */
typedef enum gs_signal_kind {
  GS_SIGNAL_NONE = 0,
  GS_SIGNAL_SIMPLE,       /* level 0-3: a share of the VEN's capability */
  GS_SIGNAL_PRICE,        /* a price series: price-responsive loads */
  GS_SIGNAL_IMPORT_LIMIT, /* IMPORT_CAPACITY_LIMIT per VEN */
  GS_SIGNAL_EXPORT_LIMIT  /* EXPORT_CAPACITY_LIMIT per VEN */
} gs_signal_kind_t;

/* One interval of a PRICE signal, relative to the event's start. */
typedef struct gs_price_interval {
  gs_time_us_t start_us, duration_us;
  int64_t price_micro; /* micro-$ per kWh */
} gs_price_interval_t;

/* An event's "signal" (kind GS_SIGNAL_NONE when absent). */
typedef struct gs_signal_cfg {
  gs_signal_kind_t kind;
  int level;                  /* SIMPLE */
  int64_t limit_mw;           /* IMPORT/EXPORT_CAPACITY_LIMIT, per VEN */
  gs_time_us_t control_us;    /* IMPORT/EXPORT: the VEN's re-check period */
  gs_price_interval_t *prices; /* PRICE: ordered, not overlapping */
  size_t n_prices;
} gs_signal_cfg_t;

/* One element of "program.events". */
typedef struct gs_dr_event_cfg {
  char *id;
  gs_time_us_t start_us; /* from the scenario start */
  gs_time_us_t duration_us;
  gs_time_us_t notice_us; /* advance notice before start_us (0: none) */
  gs_time_us_t end_early_us; /* restore at start + this (0: at the end) */
  double requested_kw;    /* 0 with a signal */
  gs_dispatch_kind_t dispatch; /* the event's, else the program's */
  gs_signal_cfg_t signal;
  gs_target_kind_t target;
  char *group;       /* GS_TARGET_GROUP */
  double fraction;   /* GS_TARGET_FRACTION */
  char **vens;       /* GS_TARGET_LIST */
  uint32_t grid_index; /* GS_TARGET_FEEDER / TRANSFORMER: its index */
  size_t n_vens;
} gs_dr_event_cfg_t;

/* When the program sends the restore of `ev`: its end, or its early end. */
static inline gs_time_us_t gs_dr_event_end_us(const gs_dr_event_cfg_t *ev) {
  return ev->start_us +
         (ev->end_early_us > 0 ? ev->end_early_us : ev->duration_us);
}

struct gs_weather; /* models/weather.h */

struct gs_scenario {
  char *file;        /* as named in messages */
  cJSON *json;       /* effective scenario, after overrides */
  char *name;
  char *description; /* may be NULL */
  int64_t start_unix_s;
  double utc_offset_h; /* local clock of the fleet (top-level key) */
  gs_time_us_t duration_us;
  uint64_t seed;
  gs_time_us_t output_interval_us;
  double ven_sample;  /* fraction of VENs with per-VEN series */
  char *output_file;  /* may be NULL */
  gs_group_cfg_t *groups;
  size_t n_groups;
  uint64_t n_vens;
  gs_dr_event_cfg_t *events;
  size_t n_events;
  gs_dispatch_kind_t dispatch;   /* "program.dispatch" (default equal) */
  gs_time_us_t offline_after_us; /* program: a silent VEN counts offline */
  struct gs_weather *weather; /* parsed "weather" (synthetic if absent) */
  gs_baseline_cfg_t baselines; /* program.baselines (defaults if absent) */
  struct gs_grid_cfg *grid; /* "grid" (sim/grid.h; implicit if absent) */
  struct gs_real_cfg *real; /* "real_vens" (sim/real_ven.h), or NULL */
};

#endif /* GRIDSIM_SCENARIO_PRIV_H */
