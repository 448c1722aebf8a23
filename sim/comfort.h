/* SPDX-License-Identifier: MIT */
/* Comfort violations of DR events, in degree-hours, sampled as a run goes. */
#ifndef GRIDSIM_COMFORT_H
#define GRIDSIM_COMFORT_H

#include "world.h"

/* Adds an observer to the world's engine that, at every output interval
 * of the scenario, adds
 * to w->dr[k].comfort_deg_h of every event k whose window holds the
 * instant: the sum over HVAC homes of how far the air is past the
 * occupant's own setpoint (models/hvac.h gs_hvac_discomfort_c), times the
 * interval in hours. The window is the event and as long again after it,
 * where the recovery's discomfort falls. The observer only reads state.
 * GS_ENOMEM on failure. */
gs_err_t gs_comfort_observe(gs_world_t *w);

#endif /* GRIDSIM_COMFORT_H */
