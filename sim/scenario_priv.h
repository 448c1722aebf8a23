/* SPDX-License-Identifier: MIT */
/* The validated scenario, as read by the world builder (private to sim/). */
#ifndef GRIDSIM_SCENARIO_PRIV_H
#define GRIDSIM_SCENARIO_PRIV_H

#include <cjson/cJSON.h>

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
  GS_TARGET_LIST      /* {"vens": ["suburb-0001", ..]} */
} gs_target_kind_t;

/* One element of "program.events". */
typedef struct gs_dr_event_cfg {
  char *id;
  gs_time_us_t start_us; /* from the scenario start */
  gs_time_us_t duration_us;
  gs_time_us_t notice_us; /* advance notice before start_us (0: none) */
  double requested_kw;
  gs_target_kind_t target;
  char *group;       /* GS_TARGET_GROUP */
  double fraction;   /* GS_TARGET_FRACTION */
  char **vens;       /* GS_TARGET_LIST */
  size_t n_vens;
} gs_dr_event_cfg_t;

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
  struct gs_weather *weather; /* parsed "weather" (synthetic if absent) */
};

#endif /* GRIDSIM_SCENARIO_PRIV_H */
