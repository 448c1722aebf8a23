/* SPDX-License-Identifier: MIT */
/* The world: entities and meters built from a validated scenario. */
#ifndef GRIDSIM_WORLD_H
#define GRIDSIM_WORLD_H

#include <stdint.h>

#include "gridsim/engine.h"
#include "gridsim/scenario.h"

/* Results of one DR event, filled by the program and the VENs' acks. */
typedef struct gs_dr_result {
  int64_t requested_mw;   /* program-level request */
  int64_t dispatched_mw;  /* sum of the per-VEN shares sent (== request) */
  int64_t acked_shed_mw;  /* sum of actual_shed reported in acks */
  int64_t baseline_mw;    /* sum of the VENs' own baselines at the event */
  uint32_t targeted;      /* VENs the event was sent to */
  uint32_t acks;          /* accepted acks */
  uint32_t opt_outs;      /* rejected acks */
  uint32_t lost;          /* commands that never arrived */
  uint32_t skipped_offline; /* targets the program saw offline: not sent */
  int64_t energy_start_mws; /* fleet energy at the event's start, exact */
  int64_t energy_end_mws;   /* ... and at its end (or the run's end)  */
  bool started, ended;
  /* Performance, filled after the run by gs_dr_perf (sim/dr_perf.h). */
  bool has_twin;              /* the counterfactual twin was run */
  double delivered_kw_true;   /* twin mean - actual mean over the event */
  double delivered_kw_ven_baseline; /* VENs' own baselines - actual mean */
  double mean_kw;             /* actual fleet mean over the event */
  double twin_mean_kw;        /* counterfactual fleet mean over it */
  double energy_shed_kwh;     /* true energy not drawn during the event */
  double rebound_peak_kw;     /* largest excess over the twin after it */
  double rebound_peak_at_s;   /* when (seconds from the scenario start) */
  double rebound_duration_s;  /* until the excess falls below 10 % */
  double rebound_energy_kwh;  /* excess energy over that time */
  double comfort_deg_h;       /* HVAC homes' degree-hours past their own */
                              /* setpoint over the event and as long after */
  double twin_comfort_deg_h;  /* the same in the counterfactual twin */
  /* Estimated baselines (sim/baseline.h), filled by gs_dr_perf: what a
   * utility would have credited, and how far off the twin that is. */
  struct gs_dr_baseline {
    bool ok;               /* estimated; else `note` says why not */
    char method[64];       /* "highest 10 of 10 days, additive (cap 20 %)" */
    double kw;             /* estimated fleet mean over the event sans DR */
    double delivered_kw;   /* kw - mean_kw */
    double error_kw;       /* delivered_kw - delivered_kw_true (NaN: no twin) */
    double error_pct;      /* error_kw in % of delivered_kw_true, or NaN */
    double error_load_pct; /* error_kw in % of twin_mean_kw, or NaN */
    uint32_t n_days;       /* history days used */
    uint64_t days_mask;    /* bit d - 1 set: the day d days before was used */
    double adjust;         /* same-day adjustment: kW added, or the factor */
    bool capped;           /* the adjustment was cut to its cap */
    double slope_kw_per_c; /* weather: mean fitted slope over the event */
    char note[120];        /* why not estimated, or a caveat ("" if none) */
  } baseline_ven_5min, baseline_x_of_y, baseline_weather;
} gs_dr_result_t;

/* What a VEN publishes, for a bridge (MQTT) or a test to capture. */
typedef enum gs_topic {
  GS_TOPIC_ACK = 0,   /* ven/ack/{venId} */
  GS_TOPIC_TELEMETRY, /* volttron/metering and ven/telemetry/{venId} */
  GS_TOPIC_LOADS,     /* ven/loads/{venId} */
  GS_TOPIC_SHADOW     /* $aws/things/{venId}/shadow/update */
} gs_topic_t;

/* A sink receives every payload a VEN produces. With a sink attached the
 * VENs also publish telemetry, load snapshots and shadow updates at their
 * contract intervals (as events); without one they only act, which keeps
 * large batch runs cheap. `payload` is valid during the call only. */
typedef struct gs_ven_sink {
  void (*publish)(void *ud, uint64_t ven_index, gs_topic_t topic,
                  const char *payload);
  void *ud;
} gs_ven_sink_t;

/* A command that arrived on the wire, parsed, kept for its VEN. */
typedef struct gs_world_cmd {
  struct gs_wire_cmd *cmd; /* owned */
  char error[GS_ERRBUF_SIZE]; /* parse error ("" if none): an error ack */
  struct gs_dr_event_cfg *event; /* an OpenADR event's signal (owned, with
                                    its id and prices), or NULL */
} gs_world_cmd_t;

/* Built by gs_world_build; everything here is owned by the world. */
typedef struct gs_world {
  const gs_scenario_t *scenario; /* borrowed */
  gs_engine_t *engine;           /* borrowed */
  uint32_t fleet_meter;          /* root of the meter tree */
  gs_entity_id_t program;
  uint64_t n_vens;
  gs_entity_id_t *ven_entity; /* VEN index -> entity id */
  uint32_t *ven_group;        /* VEN index -> group index */
  uint32_t *ven_index;        /* VEN index -> index within its group */
  uint32_t *ven_meter;        /* VEN index -> its meter */
  /* The grid (sim/grid.h): VEN meter -> transformer -> feeder -> fleet.
   * Without a grid in the scenario (never after validation, which makes
   * an implicit one) VENs hang off the fleet and these are NULL. */
  const struct gs_grid_cfg *grid; /* the scenario's (borrowed) */
  uint32_t *ven_feeder;       /* VEN index -> feeder index */
  uint32_t *ven_xfmr;         /* VEN index -> transformer index */
  uint32_t *feeder_meter;     /* feeder index -> its meter */
  uint32_t *xfmr_meter;       /* transformer index -> its meter */
  struct gs_grid_obs *grid_obs; /* grid metrics (gs_grid_observe), owned */
  gs_dr_result_t *dr;         /* one per scenario event */
  uint64_t n_loads;
  const struct gs_weather *weather; /* the scenario's (models/weather.h) */
  /* A weather_sweep entity books the power change of every running HVAC
   * and every PV array at each weather step (models/weather_sweep.c), so
   * they have no event there. */
  bool weather_sweep;
  gs_entity_id_t sweep_entity; /* that entity, if weather_sweep: it also */
                               /* books the level loads' hours           */
                               /* (models/level_sweep.c)                 */
  struct gs_hvac_running *hvac_running; /* if weather_sweep: its running */
                                        /* HVAC houses (models/hvac.h),  */
                                        /* owned                         */
  const gs_ven_sink_t *sink;        /* NULL in pure simulation */
  const struct gs_log *log; /* event log sink (sim/trace_log.h), or NULL */
  int32_t suppressed;               /* event not sent (twin), or -1 */
  gs_world_cmd_t *cmds;             /* commands received from the wire */
  size_t n_cmds, cap_cmds;
  struct gs_real *real;       /* real VENs (sim/real_ven.h), or NULL */
  struct gs_inbound *inbound; /* inbound messages recorded (sim/inbound.h)
                                 for replay, or NULL: owned */
} gs_world_t;

/* Takes a raw command payload for VEN `ven_index` at the engine's present
 * time: it is parsed (errors become an error ack), stored, and delivered
 * to the VEN as an event. GS_ENOMEM on failure, GS_EINVAL for a bad
 * index. */
gs_err_t gs_world_inject_command(gs_world_t *w, uint64_t ven_index,
                                 const char *payload, size_t len);

/* Creates every entity of `scn` in `eng` (program, then each VEN followed
 * by its loads) with parameters sampled from per-entity streams. On error
 * returns it with detail in `eb`; the engine must then be destroyed. The
 * caller owns `*out` and frees it with gs_world_free after the engine. */
gs_err_t gs_world_build(const gs_scenario_t *scn, gs_engine_t *eng,
                        gs_world_t **out, gs_errbuf_t *eb);

/* Options of a build: a sink for the VENs' payloads (borrowed, may be
 * NULL) and an event to suppress (-1 for none): the program keeps its
 * schedule but never sends it, which makes the run the exact
 * counterfactual ("twin") of that event. */
typedef struct gs_world_opts {
  const gs_ven_sink_t *sink;
  int32_t suppress_event;
  /* A twin's actual world (may be NULL): its real VENs' reports drive the
   * twin's (sim/real_ven.h). */
  const struct gs_world *real_feed;
} gs_world_opts_t;

gs_err_t gs_world_build_opts(const gs_scenario_t *scn, gs_engine_t *eng,
                             const gs_world_opts_t *opts, gs_world_t **out,
                             gs_errbuf_t *eb);

/* Same as gs_world_build with a sink attached from the start. */
gs_err_t gs_world_build_with_sink(const gs_scenario_t *scn, gs_engine_t *eng,
                                  const gs_ven_sink_t *sink, gs_world_t **out,
                                  gs_errbuf_t *eb);
void gs_world_free(gs_world_t *w);

/* Writes the VEN id of VEN index `i` ("suburb-0007") into `buf`. */
void gs_world_ven_id(const gs_world_t *w, uint64_t i, char *buf, size_t size);

/* The scenario's event `k` (private struct from scenario_priv.h). */
struct gs_dr_event_cfg;
const struct gs_dr_event_cfg *gs_world_event(const gs_world_t *w, size_t k);
size_t gs_world_event_count(const gs_world_t *w);

#endif /* GRIDSIM_WORLD_H */
