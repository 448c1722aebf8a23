/* SPDX-License-Identifier: MIT */
/* `gridsim replay`: re-runs a recorded trace offline with its inbound
 * messages injected where they arrived. */
#ifndef GRIDSIM_REPLAY_H
#define GRIDSIM_REPLAY_H

#include <stdbool.h>

#include "gridsim/engine.h"
#include "gridsim/error.h"
#include "gridsim/scenario.h"
#include "world.h"

typedef struct gs_replay gs_replay_t;

/* Reads trace `path` (its scenario, seed, run options and /mqtt/inbound).
 * GS_EIO with the file and the reason in `eb`; GS_ENOMEM. The caller owns
 * `*out` (gs_replay_destroy). */
gs_err_t gs_replay_open(const char *path, gs_replay_t **out, gs_errbuf_t *eb);
void gs_replay_destroy(gs_replay_t *r);

/* The recorded effective scenario, validated again (GS_ESCENARIO if this
 * gridsim no longer accepts it). The caller owns `*out`. */
gs_err_t gs_replay_scenario(gs_replay_t *r, gs_scenario_t **out,
                            gs_errbuf_t *eb);

/* The original run's options, read from the trace: whether it ran the
 * counterfactual twins, and (for gs_world_build_with_sink) the sink its
 * VENs published to: a sink that discards, when they had a bridge. */
bool gs_replay_twins(const gs_replay_t *r);
const gs_ven_sink_t *gs_replay_sink(gs_replay_t *r);

/* Prepares the world `w` (borrowed) and its engine: a fresh inbound record
 * (mode "replay") when the original had one, and the pacer hook that
 * injects each recorded message when the run reaches its position. */
gs_err_t gs_replay_start(gs_replay_t *r, gs_world_t *w, gs_errbuf_t *eb);

/* After the run: GS_EIO (why, in `eb`) if the replay diverged: a message
 * that could not be put where it was recorded, or messages left over
 * although the run completed. */
gs_err_t gs_replay_finish(gs_replay_t *r, bool complete, gs_errbuf_t *eb);

/* `gridsim replay FILE [--out FILE2] ...`: exit status. */
struct gs_cli_opts;
int gs_cli_replay(const struct gs_cli_opts *o);

#endif /* GRIDSIM_REPLAY_H */
