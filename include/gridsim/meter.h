/* SPDX-License-Identifier: MIT */
/* Exact power aggregation: int64 milliwatt totals with energy and peak. */
#ifndef GRIDSIM_METER_H
#define GRIDSIM_METER_H

#include <stdbool.h>
#include <stdint.h>

#include "gridsim/error.h"
#include "gridsim/time.h"

/* A meter is a node in a tree (VEN -> transformer -> feeder -> fleet).
 * Adding power to a meter adds it to every ancestor. Power is held as
 * integer milliwatts, so totals are exact and independent of the order of
 * addition; energy is integrated exactly in milliwatt-microseconds.
 * A meter without children (a home's) is compact, 32 bytes, and keeps no
 * time for its peak; one with children, or kept full, is 64 bytes. The
 * figures are exact either way (sim/meter.c gives the bounds). */
typedef struct gs_meters gs_meters_t;
#define GS_METER_NONE UINT32_MAX

/* Creates an empty set of meters; NULL on out-of-memory. */
gs_meters_t *gs_meters_create(void);
void gs_meters_destroy(gs_meters_t *m);

/* Adds a meter under `parent` (GS_METER_NONE for a root). Returns GS_ENOMEM
 * on failure; else stores the new index in `*out`. */
gs_err_t gs_meters_add(gs_meters_t *m, uint32_t parent, uint32_t *out);

/* Keeps `meter` at full width, with the time of its peak: a meter whose
 * peak time will be asked (gs_meters_peak_mw with `at_us`) and that may
 * have no children must be kept so before its first power change.
 * GS_EINVAL for no such meter, GS_ENOMEM. */
gs_err_t gs_meters_keep_full(gs_meters_t *m, uint32_t meter);

uint32_t gs_meters_count(const gs_meters_t *m);
uint32_t gs_meters_parent(const gs_meters_t *m, uint32_t meter);

/* Changes the power of `meter` and all its ancestors by `delta_mw` at time
 * `now_us` (which must not go backwards for a meter). */
void gs_meters_add_power(gs_meters_t *m, uint32_t meter, gs_time_us_t now_us,
                         int64_t delta_mw);

/* A hint with no effect on any result: starts fetching `meter` into the
 * cache, and with `ancestors` (once `meter` itself is likely cached) the
 * meters above it, which a power change is about to update. */
void gs_meters_prefetch(const gs_meters_t *m, uint32_t meter, bool ancestors);

/* Present power of `meter`, in milliwatts. */
int64_t gs_meters_power_mw(const gs_meters_t *m, uint32_t meter);

/* Energy of `meter` from time 0 to `now_us` (>= its last change), in kWh
 * (converted from the exact integral) and exactly, in milliwatt-seconds
 * rounded toward negative infinity. */
double gs_meters_energy_kwh(const gs_meters_t *m, uint32_t meter,
                            gs_time_us_t now_us);
int64_t gs_meters_energy_mws(const gs_meters_t *m, uint32_t meter,
                             gs_time_us_t now_us);

/* Highest power held by `meter` over an interval of positive length up to
 * its last change (or up to `now_us`), and the start of that interval
 * (`at_us` may be NULL; a compact meter's peak time is known only until
 * it has had a peak: asking it later is a programming error).
 * Intermediate values within one instant never count as a peak. */
int64_t gs_meters_peak_mw(const gs_meters_t *m, uint32_t meter,
                          gs_time_us_t now_us, gs_time_us_t *at_us);

/* Devices on: every meter with children keeps a count of the devices
 * below it that are on (the grid's figure: EVs drawing power), kept by
 * their models at each switch so that reading it costs no scan.
 * gs_meters_count_on adds `delta` (+1 when a device of `meter` switches
 * on, -1 when off) to the count of every ancestor of `meter`, not to
 * `meter` itself. */
void gs_meters_count_on(gs_meters_t *m, uint32_t meter, int32_t delta);

/* Devices on below `meter`: the sum of the deltas counted at the meters
 * under it (0 for a meter without children). */
uint32_t gs_meters_on(const gs_meters_t *m, uint32_t meter);

#endif /* GRIDSIM_METER_H */
