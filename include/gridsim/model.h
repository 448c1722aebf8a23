/* SPDX-License-Identifier: MIT */
/* Model types: a const table of functions per type, and the registry. */
#ifndef GRIDSIM_MODEL_H
#define GRIDSIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gridsim/error.h"
#include "gridsim/event.h"

typedef struct gs_engine gs_engine_t;

/* What an entity of this type is, for the world builder and the scenario. */
typedef enum gs_model_role {
  GS_ROLE_SYSTEM = 0, /* one per run: program, weather, ...             */
  GS_ROLE_VEN,        /* a home or building: the "ven" object of a group */
  GS_ROLE_LOAD        /* a circuit of a VEN: an entry of a group's loads  */
} gs_model_role_t;

/* One scenario parameter of a model type. Every value sampled for an entity
 * must lie in [min, max]. For an enumeration, `choices` lists the accepted
 * strings (NULL-terminated) and the value is the index of the choice. */
typedef struct gs_param_spec {
  const char *name;            /* JSON key in the scenario            */
  const char *unit;            /* "kW", "degC", "s", "1" ...           */
  double def;                  /* value when the scenario omits it    */
  double min, max;             /* valid range, inclusive               */
  bool integer;                /* values must be whole numbers         */
  const char *const *choices;  /* enumeration names, or NULL          */
  const char *doc;             /* one line for --help-models / README */
} gs_param_spec_t;

/* What a new entity is told about itself. */
typedef struct gs_model_init {
  uint64_t seed;         /* the scenario seed                                */
  uint64_t key;          /* stable identity for RNG streams (gs_rng_key)     */
  const double *params;  /* one sampled value per spec, in the type's order  */
  const char *id;        /* load id in its VEN ("hvac1"), VEN id, or name    */
  gs_entity_id_t ven;    /* for a load: its VEN; else GS_ENTITY_NONE         */
  uint32_t meter;        /* meter its power adds to (gs_meter), or NONE      */
  const void *world;     /* the world being built (sim/world.h), or NULL     */
} gs_model_init_t;

/* A load's view for its VEN: present draw, rating, what it could shed.
 * Power is positive when consumed; a PV inverter or a discharging battery
 * reports negative power_mw. */
typedef struct gs_load_status {
  int64_t power_mw;           /* present draw                                 */
  int64_t capacity_mw;        /* rated: breaker amps x panel voltage          */
  int64_t shed_capability_mw; /* what a shed could take now (0 if critical)  */
  int64_t min_shed_mw;        /* smallest reduction it can make: its draw    */
                              /* for on/off loads, 0 for throttleable ones   */
  double comfort_cost;        /* 0: shedding costs no comfort; 1: at the     */
                              /* limit (thermal-aware strategy sheds lowest) */
  double soc_pct;             /* state of charge (battery, EV), or -1         */
  bool enabled;               /* not switched off by setLoad / shadow delta  */
  bool critical;              /* never shed                                   */
  bool shedding;              /* curtailed by a DR command now                */
} gs_load_status_t;

/* Event kinds below 256 are common to all types; models number theirs from
 * GS_EV_MODEL upwards. */
enum {
  GS_EV_START = 1,       /* first event of every entity, at t = 0          */
  GS_EV_DR_START = 2,    /* VEN: shed arg mW, arg2 = DR event index         */
  GS_EV_DR_END = 3,      /* VEN: restore, arg2 = DR event index             */
  GS_EV_LOAD_SHED = 4,   /* load: curtail by at most arg mW until restore   */
                         /* or its own comfort limit; 0 < arg < draw asks  */
                         /* for a partial shed, which on/off loads decline */
  GS_EV_LOAD_RESTORE = 5,/* load: end curtailment                           */
  GS_EV_ACK = 6,         /* program: arg shed mW, arg2 event index, with   */
                         /* GS_ACK_REJECTED or-ed into arg2 for a decline  */
  GS_EV_BASELINE = 7,    /* program: arg the VEN's baseline mW, arg2 event */
  GS_EV_LOAD_SET = 8,    /* load: setLoad; arg capacity limit mW (-1: none),*/
                         /* arg2 bit 0 enabled, bit 1 "enabled" given      */
  GS_EV_LOAD_NOTICE = 9, /* load: a DR event is announced; arg its start   */
                         /* (µs), arg2 its duration (s): for pre-cooling   */
  GS_EV_DR_NOTICE = 10,  /* VEN: event arg2 announced (forwarded to loads) */
  GS_EV_PRICE = 11,      /* load: energy price arg in micro-$/kWh in effect */
                         /* from now (arg2 1), or no price any more (arg2 0) */
  GS_EV_METER = 12,      /* a watched meter (arg) changed: see               */
                         /* gs_engine_watch_meter                            */
  GS_EV_MODEL = 256
};

#define GS_ACK_REJECTED UINT32_C(0x80000000)

/* The model type: a table of functions with exact signatures (never cast).
 * State lives in a contiguous array per type owned by the engine; `state`
 * points at this entity's `state_size` bytes, zeroed before init. */
typedef struct gs_model_type {
  const char *name;   /* the scenario's "type" string */
  const char *doc;    /* one line */
  gs_model_role_t role;
  size_t state_size;
  const gs_param_spec_t *params;
  size_t n_params;
  /* Sets up the state and schedules the first events. Returns an error
   * with detail in `eb` if the sampled parameters are inconsistent. */
  gs_err_t (*init)(gs_engine_t *eng, gs_entity_id_t self, void *state,
                   const gs_model_init_t *init, gs_errbuf_t *eb);
  /* Handles one event addressed to `self` at gs_engine_now(). */
  void (*handle)(gs_engine_t *eng, gs_entity_id_t self, void *state,
                 const gs_event_t *ev);
  /* Called once at the end of the run (may be NULL). */
  void (*finish)(gs_engine_t *eng, gs_entity_id_t self, void *state);
  /* Loads only: fills `out` from the state at time `now_us` (>= the last
   * event the entity handled). NULL for other roles. */
  void (*status)(const void *state, gs_time_us_t now_us,
                 gs_load_status_t *out);
  /* Loads only: some of its GS_PHASE_MODEL events read its VEN's meter
   * (a battery's EMS, a PV export limit), so what they see depends on
   * which of the home's other loads changed before them at the same
   * instant. The level sweep (models/level_sweep.c) leaves the loads
   * after it in a home to their own events. */
  bool reads_meter;
  /* The meter the entity adds to (gs_model_init_t.meter, kept in its
   * state), or GS_METER_NONE; NULL for a model that has none. Read by
   * gs_engine_entity_meter and by the run loop, which prefetches the meter
   * of an event about to run once that event's state is in cache: it must
   * only read the state. */
  uint32_t (*meter_of)(const void *state);
} gs_model_type_t;

/* The registry: every model type, ending in NULL. Adding a type is one new
 * file under models/ and one line in models/registry.c. */
extern const gs_model_type_t *const gs_model_registry[];

/* Finds a registered type by its scenario name; NULL if none. */
const gs_model_type_t *gs_model_find(const char *name);

/* Index of parameter `name` in `type->params`, or -1. */
int gs_model_param_index(const gs_model_type_t *type, const char *name);

#endif /* GRIDSIM_MODEL_H */
