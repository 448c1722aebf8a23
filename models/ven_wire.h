/* SPDX-License-Identifier: MIT */
/* The Grid Services MQTT contract's payloads: built and parsed exactly. */
#ifndef GRIDSIM_MODELS_VEN_WIRE_H
#define GRIDSIM_MODELS_VEN_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gridsim/error.h"

/* One circuit as the reference VEN reports it. */
typedef struct gs_wire_load {
  const char *id;   /* "heater1" */
  const char *name; /* "Water Heater" */
  const char *type; /* contract type: "heater" */
  int breaker_amps;
  double capacity_kw, current_kw, shed_capability_kw;
  bool enabled, critical;
} gs_wire_load_t;

/* A VEN's reportable state at one instant. */
typedef struct gs_wire_ven {
  const char *ven_id;
  int64_t ts;             /* Unix seconds */
  double used_kw;         /* present power */
  double shed_kw;         /* actual shed of the active event */
  double requested_kw;    /* requested shed of the active event */
  const char *event_id;   /* NULL when no event is active */
  int64_t event_end_ts;   /* when event_id != NULL */
  double baseline_kw;
  uint64_t message_num;
  int panel_amps, panel_voltage;
  double battery_soc_pct; /* < 0: the VEN has no battery */
  const gs_wire_load_t *loads;
  size_t n_loads;
} gs_wire_ven_t;

/* Contract type and display name of a gridsim load type ("water_heater"
 * -> "heater", "Water Heater"); unknown types map to themselves. */
void gs_wire_load_names(const char *model_type, const char **type,
                        const char **name);

/* Payload builders: each returns a malloc'ed JSON text (caller frees), or
 * NULL on out-of-memory. Fields, names and order are the contract's. */
char *gs_wire_telemetry(const gs_wire_ven_t *v);
char *gs_wire_loads_snapshot(const gs_wire_ven_t *v);
char *gs_wire_shadow_update(const gs_wire_ven_t *v);

/* One circuit curtailed by an event, for the event ack. */
typedef struct gs_wire_curtailed {
  const char *id, *name;
  int breaker_amps;
  double original_kw, curtailed_kw, final_kw;
  bool critical;
} gs_wire_curtailed_t;

char *gs_wire_ack_event(const char *status, const char *event_id,
                        double requested_kw, double actual_kw,
                        const gs_wire_curtailed_t *c, size_t n, int64_t ts,
                        const char *correlation_id);
/* restore / ping / shedLoad / setLoad acks: {"op","status",...,"ts",
 * "correlationId"}; ping adds "pong":true; `data` (a JSON text, may be
 * NULL) is added as "data" (the answer of `get`). */
char *gs_wire_ack_simple(const char *op, const char *status, int64_t ts,
                         const char *correlation_id, const char *data_json);
/* {"op":op|null,"status":"error","message":..,"ts":..,"correlationId"?} */
char *gs_wire_ack_error(const char *op, const char *message, int64_t ts,
                        const char *correlation_id);

/* Commands on ven/cmd/{venId}. */
typedef enum gs_wire_op {
  GS_WIRE_EVENT = 0, /* "event" or "shedPanel" */
  GS_WIRE_RESTORE,
  GS_WIRE_PING,
  GS_WIRE_SHED_LOAD,
  GS_WIRE_SET_LOAD,
  GS_WIRE_GET
} gs_wire_op_t;

#define GS_WIRE_ID_MAX 96
typedef struct gs_wire_cmd {
  gs_wire_op_t op;
  char op_text[24];                    /* as received ("shedPanel") */
  char correlation_id[GS_WIRE_ID_MAX]; /* "" if absent */
  char event_id[GS_WIRE_ID_MAX];       /* "" if absent */
  char load_id[GS_WIRE_ID_MAX];        /* shedLoad / setLoad */
  double shed_kw;                      /* event: requested reduction */
  double duration_s;                   /* event (default 3600), shedLoad */
  double reduce_kw;                    /* shedLoad */
  int enabled;                         /* setLoad: -1 absent, 0, 1 */
  double capacity_kw;                  /* setLoad: < 0 absent */
  int priority;                        /* setLoad: -1 absent */
} gs_wire_cmd_t;

/* Parses a command payload (any bytes: not necessarily text or JSON).
 * Applies the contract's fallbacks (shed_kw, data.requestedReductionKw,
 * requestedReductionKw; duration_sec, data.duration_s, duration_s, 3600;
 * event_id, data.event_id). On malformed input returns GS_EINVAL with the
 * reason in `eb` (for the error ack) and fills what it could of `out`
 * (op_text, correlation_id). Never reads past `len`. */
gs_err_t gs_wire_parse_command(const char *payload, size_t len,
                               gs_wire_cmd_t *out, gs_errbuf_t *eb);

#endif /* GRIDSIM_MODELS_VEN_WIRE_H */
