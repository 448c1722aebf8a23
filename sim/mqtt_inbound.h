/* SPDX-License-Identifier: MIT */
/* What a simulated VEN's session does with a message, live or replayed. */
#ifndef GRIDSIM_MQTT_INBOUND_H
#define GRIDSIM_MQTT_INBOUND_H

#include <stddef.h>
#include <stdint.h>

#include "mqtt_cfg.h"
#include "world.h"

/* Counters the VEN role keeps of what it took. */
typedef struct gs_mqtt_take_stats {
  uint64_t received;      /* commands injected */
  uint64_t shadow_deltas; /* setLoad commands made from shadow deltas */
  uint64_t delta_seq;     /* correlation ids given to those */
} gs_mqtt_take_stats_t;

/* Takes the message `payload` (`len` bytes, any) that arrived on `topic`
 * for the session of VEN `ven_index` of `w`, at the engine's present time:
 * records it in w->inbound (if any), then a shadow delta (cfg's
 * shadow_delta topic) becomes one setLoad command per circuit and
 * anything else a command (malformed ones are answered with an error
 * ack). Counts in `st`. The same call replays a recorded message. */
void gs__mqtt_ven_take(gs_world_t *w, const gs_mqtt_cfg_t *cfg,
                       uint64_t ven_index, const char *topic,
                       const char *payload, size_t len,
                       gs_mqtt_take_stats_t *st);

#endif /* GRIDSIM_MQTT_INBOUND_H */
