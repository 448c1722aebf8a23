/* SPDX-License-Identifier: MIT */
/* The scenario's "oadr_ven" section: the OpenADR 3 VEN role's settings. */
#ifndef GRIDSIM_OADR_CFG_H
#define GRIDSIM_OADR_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "gridsim/error.h"
#include "oadr_wire.h"

typedef struct gs_oadr_cfg {
  gs_oadr_version_t version; /* "3.1.0" */
  int64_t poll_us;           /* GET /events interval per VEN (10 s) */
  uint32_t page_limit;       /* limit= of each page (50, the spec's most) */
  uint32_t max_connections;  /* connections to the VTN at most (32) */
  uint32_t max_inflight;     /* transfers under way at most (256) */
  int64_t timeout_us;        /* one request, connect included (10 s) */
  int64_t backoff_min_us;    /* first retry delay (0.5 s), doubled ... */
  int64_t backoff_max_us;    /* ... up to this (60 s), jittered */
  uint32_t report_queue;     /* reports a VEN holds unsent at most (64) */
  int64_t token_margin_us;   /* renew a token this long before expiry (5 s) */
  bool webhook;              /* subscribe where the VTN offers WEBHOOK */
} gs_oadr_cfg_t;

struct gs__sctx;

/* Validates the optional "oadr_ven" object of the scenario `root`; with
 * `out` (may be NULL) fills it, defaults included. Errors name the JSON
 * path ("oadr_ven.poll_s"), what was expected and found (GS_ESCENARIO).
 * `c` stands at the root on entry and on return. */
gs_err_t gs__scn_parse_oadr(struct gs__sctx *c, const cJSON *root,
                            gs_oadr_cfg_t *out);

/* Same from a loaded scenario's effective JSON; `file` labels messages. */
gs_err_t gs_oadr_cfg_from_json(const cJSON *root, const char *file,
                               gs_oadr_cfg_t *out, gs_errbuf_t *eb);

#endif /* GRIDSIM_OADR_CFG_H */
