/* SPDX-License-Identifier: MIT */
/* Command-line interface: options, commands and their exit statuses. */
#ifndef GRIDSIM_CLI_H
#define GRIDSIM_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "gridsim/scenario.h"
#include "mqtt_cfg.h"

typedef struct gs_cli_opts {
  const char *scenario;     /* NULL: the built-in default */
  const char *out;          /* --out */
  bool no_out;              /* --no-out: write no trace */
  const char *summary_json; /* --summary-json */
  bool quiet;
  bool no_twin; /* --no-twin: skip the counterfactual runs */
  const char *mqtt_url; /* --mqtt: the VEN role on this broker */
  const char *vtn_url;  /* --vtn: the OpenADR 3 VEN role on this VTN */
  const char *vtn_client_id;     /* --vtn-client-id (or the environment) */
  const char *vtn_client_secret; /* --vtn-client-secret (or environment) */
  gs_mqtt_opts_t mqtt_opts; /* --mqtt-ca, --mqtt-cert, ... */
  const char *mqtt_backend_url; /* --mqtt-backend: the backend role */
  struct gs_replay *replay; /* `gridsim replay`: the recorded run */
  double pace;          /* --pace factor (0: not given) */
  bool view;            /* --view: the live window */
  const char **snapshots; /* --snapshot files, owned by the options */
  size_t n_snapshots;
  int64_t *snapshot_at_us; /* --snapshot-at times, owned by the options */
  size_t n_snapshot_at;
  const char **sets; /* --set values, owned by the options */
  size_t n_sets;
  gs_scenario_overrides_t ov;
} gs_cli_opts_t;

/* Runs the gridsim command line; returns the process exit status. */
int gs_cli_main(int argc, char **argv);

/* `gridsim run`: returns an exit status (GS_EXIT_*). */
int gs_cli_run(const gs_cli_opts_t *o);

/* `gridsim serve-vtn [SCENARIO] [options]` (sim/serve_vtn.c); `argv[0]`
 * is "serve-vtn". Returns an exit status. */
int gs_cli_serve_vtn(int argc, char **argv);

/* `gridsim models [--json]`: prints every model type and its parameters,
 * as text or as JSON (for the schema generator). */
int gs_cli_models(bool json);

/* Loads the scenario named by `o` (file or default) with its overrides;
 * prints the error and returns NULL on failure, with *status set. */
gs_scenario_t *gs_cli_load(const gs_cli_opts_t *o, int *status);

#endif /* GRIDSIM_CLI_H */
