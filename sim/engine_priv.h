/* SPDX-License-Identifier: MIT */
/* Engine internals that only the unit tests reach. */
#ifndef GRIDSIM_ENGINE_PRIV_H
#define GRIDSIM_ENGINE_PRIV_H

#include "gridsim/engine.h"

/* Sets the sequence number entity `id`'s next event gets (below
 * GS_ENGINE_SEQ_NONE), so that a test reaches the counter's limit without
 * scheduling 2^28 events. Never called by the simulator: skipping numbers
 * keeps the order of the entity's events, but the event digest changes. */
void gs__engine_set_seq(gs_engine_t *eng, gs_entity_id_t id, uint32_t seq);

#endif /* GRIDSIM_ENGINE_PRIV_H */
