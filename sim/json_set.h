/* SPDX-License-Identifier: MIT */
/* Applying a command-line "--set PATH=VALUE" to a cJSON tree (private). */
#ifndef GRIDSIM_JSON_SET_H
#define GRIDSIM_JSON_SET_H

#include <cjson/cJSON.h>

#include "gridsim/error.h"

/* Sets the value at PATH in `root` (an object) from `arg`, "PATH=VALUE".
 * PATH is keys joined by '.', with array indices as "[i]" or as a ".i"
 * segment ("fleet[0].count" or "fleet.0.count"). VALUE is parsed as JSON
 * when it parses, else it is taken as a plain string. Missing object keys
 * are created (intermediate ones as objects); array elements must exist.
 * Returns GS_ESCENARIO with "--set ARG: path: expected .., found .." in
 * `eb` on a malformed argument or a path that cannot be followed,
 * GS_ENOMEM when out of memory. `root` keeps ownership of every node. */
gs_err_t gs__json_set(cJSON *root, const char *arg, gs_errbuf_t *eb);

#endif /* GRIDSIM_JSON_SET_H */
