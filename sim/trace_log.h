/* SPDX-License-Identifier: MIT */
/* The event log hook: what the program and the VENs report as it happens. */
#ifndef GRIDSIM_TRACE_LOG_H
#define GRIDSIM_TRACE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gridsim/time.h"

struct gs_world;

/* The tables of the log (HDF5 /log/<name>, see README.md, section Traces
 * (HDF5)). */
typedef enum gs_log_table {
  GS_LOG_DR_EVENT = 0, /* the program announces, starts or ends an event */
  GS_LOG_COMMAND,      /* a command reaches a VEN (or is lost)           */
  GS_LOG_ACK,          /* a VEN answers a DR event                       */
  GS_LOG_OPT_OUT,      /* a VEN declines a DR event                      */
  GS_LOG_FAULT,        /* a VEN's comms go down                          */
  GS_LOG_NTABLES
} gs_log_table_t;

/* `kind` of GS_LOG_DR_EVENT records. */
enum { GS_LOG_DR_NOTICE = 0, GS_LOG_DR_START, GS_LOG_DR_END };

/* `kind` of GS_LOG_COMMAND records: the program's three, then the wire's
 * operations in the order of gs_wire_op_t (see gs_log_wire_kind). */
enum {
  GS_LOG_CMD_DR_START = 0,
  GS_LOG_CMD_DR_END,
  GS_LOG_CMD_DR_NOTICE,
  GS_LOG_CMD_WIRE_EVENT,
  GS_LOG_CMD_WIRE_RESTORE,
  GS_LOG_CMD_WIRE_PING,
  GS_LOG_CMD_WIRE_SHED_LOAD,
  GS_LOG_CMD_WIRE_SET_LOAD,
  GS_LOG_CMD_WIRE_GET,
  GS_LOG_CMD_WIRE_INVALID, /* did not parse: answered with an error ack */
  GS_LOG_CMD_COUNT
};

/* `fate` of GS_LOG_COMMAND records. */
enum {
  GS_LOG_DELIVERED = 0,
  GS_LOG_LOST_OFFLINE, /* the VEN's comms were down  */
  GS_LOG_LOST_RANDOM   /* lost by chance (loss_prob) */
};

/* `kind` of GS_LOG_ACK records. */
enum { GS_LOG_ACK_ACCEPTED = 0, GS_LOG_ACK_REJECTED };

/* `kind` of GS_LOG_OPT_OUT records. */
enum { GS_LOG_OPT_OUT_DECLINED = 0 };

/* `kind` of GS_LOG_FAULT records. */
enum { GS_LOG_FAULT_COMMS_OUTAGE = 0 };

/* One record. Fields a table does not use stay 0. */
typedef struct gs_log_rec {
  gs_time_us_t t_us;        /* filled by gs_log_emit: the engine's now  */
  gs_time_us_t duration_us; /* event, command or outage duration        */
  int64_t value_mw;         /* requested power (event, command, ack)    */
  int64_t shed_mw;          /* acks: the shed committed                 */
  uint32_t ven;             /* VEN index (not used by DR event records) */
  uint32_t count;           /* DR event records: VENs targeted          */
  int32_t event;            /* scenario event index; -1 for the wire's  */
  uint8_t table;            /* gs_log_table_t                           */
  uint8_t kind;             /* per table, above                         */
  uint8_t fate;             /* commands: GS_LOG_DELIVERED ...           */
} gs_log_rec_t;

/* A log sink: record() gets every record in event order; `rec` is valid
 * during the call only. The trace recorder is one; tests make others. */
typedef struct gs_log {
  void (*record)(void *ud, const gs_log_rec_t *rec);
  void *ud;
} gs_log_t;

/* Stamps `rec` with the present time of `w`'s engine and hands it to the
 * world's log sink (w->log). Does nothing when `w` or its sink is NULL, so
 * models call it unconditionally; a run without a trace pays one test. */
void gs_log_emit(const struct gs_world *w, const gs_log_rec_t *rec);

/* The GS_LOG_CMD_WIRE_* kind of a wire operation (gs_wire_op_t). */
uint8_t gs_log_wire_kind(int wire_op);

/* Shorthands for the models' calls, all no-ops without a sink. */

/* The program announces, starts or ends (`kind` GS_LOG_DR_*) event `k`;
 * a start reads the tallies of its dispatch from w->dr[k]. */
void gs_log_dr_event(const struct gs_world *w, size_t k, uint8_t kind);

/* A program command (`kind` GS_LOG_CMD_DR_*) for event `event` reaches
 * VEN `ven` with `fate`, asking `request_mw` (0 for restores, notices). */
void gs_log_command(const struct gs_world *w, uint32_t ven, int32_t event,
                    uint8_t kind, uint8_t fate, int64_t request_mw);

/* Wire command `cmd` (an index into w->cmds) reaches VEN `ven`, which is
 * `online` (else it is lost). */
void gs_log_wire(const struct gs_world *w, uint32_t ven, size_t cmd,
                 bool online);

/* VEN `ven` answers event `active` (a scenario index, or negative for a
 * wire event): accepted with `shed_mw` committed, or declined (an ack and
 * an opt-out). `duration_us` is the event's length from now. */
void gs_log_answer(const struct gs_world *w, uint32_t ven, int32_t active,
                   bool accepted, int64_t request_mw, int64_t shed_mw,
                   gs_time_us_t duration_us);

/* VEN `ven`'s comms go down for `duration_us` (GS_LOG_FAULT_*). */
void gs_log_fault(const struct gs_world *w, uint32_t ven, uint8_t kind,
                  gs_time_us_t duration_us);

#endif /* GRIDSIM_TRACE_LOG_H */
