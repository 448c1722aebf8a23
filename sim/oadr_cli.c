/* SPDX-License-Identifier: MIT */
/* `gridsim run --vtn`: the options and scenario of the OpenADR VEN role. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oadr_cli.h"
#include "scenario_priv.h"

/* The VTN decides the DR events: the scenario's own program must not
 * send its events too, so they are cleared (the effective scenario in
 * the trace says so). */
static const char no_events[] = "program.events=[]";

gs_err_t gs_oadr_cli_sets(gs_cli_opts_t *eff, const char ***copy) {
  *copy = malloc((eff->n_sets + 1) * sizeof **copy);
  if (*copy == NULL) return GS_ENOMEM;
  if (eff->n_sets) memcpy(*copy, eff->sets, eff->n_sets * sizeof **copy);
  (*copy)[eff->n_sets] = no_events;
  eff->sets = *copy;
  eff->n_sets++;
  eff->ov.sets = *copy;
  eff->ov.n_sets = eff->n_sets;
  return GS_OK;
}

gs_err_t gs_oadr_cli_create(const gs_cli_opts_t *o, const gs_scenario_t *s,
                            gs_oadr_t **out, gs_errbuf_t *eb) {
  *out = NULL;
  if (o->mqtt_url)
    return gs_errbuf_set(eb, GS_EINVAL, "--vtn and --mqtt: one bridge at a "
                         "time");
  const char *id = o->vtn_client_id ? o->vtn_client_id
                                    : getenv("GRIDSIM_VTN_CLIENT_ID");
  const char *secret = o->vtn_client_secret
                           ? o->vtn_client_secret
                           : getenv("GRIDSIM_VTN_CLIENT_SECRET");
  if (id && !*id) id = NULL;
  if (secret && !*secret) secret = NULL;
  if (id && secret == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "--vtn-client-id needs a secret: "
                         "--vtn-client-secret or GRIDSIM_VTN_CLIENT_SECRET");
  if (id == NULL) secret = NULL; /* a secret alone names no client */
  gs_oadr_cfg_t cfg;
  gs_err_t err = gs_oadr_cfg_from_json(s->json, s->file, &cfg, eb);
  if (err != GS_OK) return err;
  return gs_oadr_create(&cfg, o->vtn_url, id, secret, out, eb);
}
