/* SPDX-License-Identifier: MIT */
/* Scenarios: load, override, validate and expose a JSON scenario. */
#ifndef GRIDSIM_SCENARIO_H
#define GRIDSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gridsim/error.h"
#include "gridsim/time.h"

typedef struct gs_scenario gs_scenario_t;

/* Command-line changes applied to the JSON before validation, in this
 * order: every --set, then --seed, then --vens. */
typedef struct gs_scenario_overrides {
  const char *const *sets; /* "path=value" strings; value is JSON or text */
  size_t n_sets;
  bool has_seed;
  uint64_t seed;
  bool has_vens;
  uint64_t vens; /* rescale every fleet group proportionally to this total */
} gs_scenario_overrides_t;

/* Reads, overrides and fully validates the scenario in file `path`. On any
 * problem returns GS_ESCENARIO (or GS_EIO if unreadable, GS_ENOMEM) with a
 * message in `eb` naming the file, the JSON path, what was expected and
 * what was found. On success the caller owns `*out` (gs_scenario_free). */
gs_err_t gs_scenario_load_file(const char *path,
                               const gs_scenario_overrides_t *ov,
                               gs_scenario_t **out, gs_errbuf_t *eb);

/* Same from text; `label` stands for the file name in messages. */
gs_err_t gs_scenario_load_string(const char *text, const char *label,
                                 const gs_scenario_overrides_t *ov,
                                 gs_scenario_t **out, gs_errbuf_t *eb);

/* The built-in default scenario (scenarios/default.json, compiled in). */
gs_err_t gs_scenario_load_default(const gs_scenario_overrides_t *ov,
                                  gs_scenario_t **out, gs_errbuf_t *eb);
extern const char gs_default_scenario_json[];

void gs_scenario_free(gs_scenario_t *s);

const char *gs_scenario_name(const gs_scenario_t *s);
const char *gs_scenario_file(const gs_scenario_t *s);
uint64_t gs_scenario_seed(const gs_scenario_t *s);
int64_t gs_scenario_start_unix_s(const gs_scenario_t *s);
gs_time_us_t gs_scenario_duration_us(const gs_scenario_t *s);
gs_time_us_t gs_scenario_output_interval_us(const gs_scenario_t *s);
uint64_t gs_scenario_vens(const gs_scenario_t *s);

/* The effective scenario (after overrides) as pretty-printed JSON; the
 * caller frees it with free(). NULL on out-of-memory. */
char *gs_scenario_to_json(const gs_scenario_t *s);

#endif /* GRIDSIM_SCENARIO_H */
