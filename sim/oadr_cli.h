/* SPDX-License-Identifier: MIT */
/* `gridsim run --vtn`: the options and scenario of the OpenADR VEN role. */
#ifndef GRIDSIM_OADR_CLI_H
#define GRIDSIM_OADR_CLI_H

#include "cli.h"
#include "oadr_ven.h"

/* Appends "program.events=[]" to the --set list of `eff` (the VTN sends
 * the events). `*copy` receives the new list, which the caller frees
 * after the run. GS_ENOMEM. */
gs_err_t gs_oadr_cli_sets(gs_cli_opts_t *eff, const char ***copy);

/* Creates the bridge for `o->vtn_url` from the scenario's "oadr_ven"
 * section and the credentials (options, else GRIDSIM_VTN_CLIENT_ID and
 * GRIDSIM_VTN_CLIENT_SECRET). Errors are bad input (GS_EINVAL,
 * GS_ESCENARIO) but GS_ENOMEM. */
gs_err_t gs_oadr_cli_create(const gs_cli_opts_t *o, const gs_scenario_t *s,
                            gs_oadr_t **out, gs_errbuf_t *eb);

#endif /* GRIDSIM_OADR_CLI_H */
