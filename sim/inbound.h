/* SPDX-License-Identifier: MIT */
/* The record of inbound bridge messages, for the trace and for replay. */
#ifndef GRIDSIM_INBOUND_H
#define GRIDSIM_INBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gridsim/engine.h"
#include "gridsim/error.h"

/* Which bridge took a message (HDF5 /mqtt/inbound/role). */
typedef enum gs_inbound_role {
  GS_INBOUND_VEN = 0, /* a simulated VEN's session: a command or delta */
  GS_INBOUND_BACKEND  /* the backend role: a real VEN's ack or telemetry */
} gs_inbound_role_t;

/* One message as it entered the run. Replaying it at the same position
 * (after the same number of events were taken from the queue: processed
 * or skipped as cancelled) and at the same simulated time puts its events
 * at the same place in the (time, phase, target, seq) order. */
typedef struct gs_inbound_msg {
  gs_time_us_t t_us;   /* simulated arrival time */
  uint64_t position;   /* events popped before it arrived */
  uint8_t role;        /* gs_inbound_role_t */
  int64_t ven;         /* VEN index of the session (VEN role), else -1 */
  char *topic;         /* owned, NUL-terminated */
  unsigned char *payload; /* owned, `len` bytes (any bytes) */
  size_t len;
} gs_inbound_msg_t;

typedef struct gs_inbound gs_inbound_t;

/* An empty record; NULL when out of memory. The caller owns it (or hands
 * it to a world, whose gs_world_free destroys it). */
gs_inbound_t *gs_inbound_create(void);
void gs_inbound_destroy(gs_inbound_t *in);

/* The position of the next message in `eng`: events popped so far. */
uint64_t gs_inbound_position(const gs_engine_t *eng);

/* Appends a copy of a message arriving now in `eng`. GS_ENOMEM. */
gs_err_t gs_inbound_add(gs_inbound_t *in, const gs_engine_t *eng,
                        gs_inbound_role_t role, int64_t ven,
                        const char *topic, const void *payload, size_t len);
/* Appends a message with its recorded time and position (a reader). */
gs_err_t gs_inbound_add_at(gs_inbound_t *in, gs_time_us_t t_us,
                           uint64_t position, gs_inbound_role_t role,
                           int64_t ven, const char *topic,
                           const void *payload, size_t len);

size_t gs_inbound_count(const gs_inbound_t *in);
/* Message `i` (< count), owned by the record. */
const gs_inbound_msg_t *gs_inbound_get(const gs_inbound_t *in, size_t i);

/* The run mode stored with the record (/mqtt mode attribute): "live"
 * (default) or "replay". `mode` is copied (at most 15 characters). */
void gs_inbound_set_mode(gs_inbound_t *in, const char *mode);
const char *gs_inbound_mode(const gs_inbound_t *in);

#endif /* GRIDSIM_INBOUND_H */
