/* SPDX-License-Identifier: MIT */
/* The OpenADR 3 VTN role: object store, auth and routing (transport-free). */
#ifndef GRIDSIM_VTN_H
#define GRIDSIM_VTN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "gridsim/error.h"

typedef struct gs_vtn gs_vtn_t;
typedef struct gs_vtn_cfg gs_vtn_cfg_t;

/* ---- Configuration (vtn_cfg.c) ------------------------------------------ */

/* Parses the VTN configuration JSON `text` (named `name` in messages):
 * clients, token lifetime, limits and fault knobs (README, "OpenADR 3
 * VTN"). Unknown keys are errors naming their JSON path. The caller owns
 * `*out` (gs_vtn_cfg_free). */
gs_err_t gs_vtn_cfg_parse(const char *text, const char *name,
                          gs_vtn_cfg_t **out, gs_errbuf_t *eb);
/* Reads and parses file `path`; NULL gives the defaults (clients "ven" /
 * "ven-secret" with the VEN scopes and "bl" / "bl-secret" with the
 * business-logic scopes). */
gs_err_t gs_vtn_cfg_load(const char *path, gs_vtn_cfg_t **out,
                         gs_errbuf_t *eb);
void gs_vtn_cfg_free(gs_vtn_cfg_t *cfg);
/* Whether the configuration is the built-in default (for a warning). */
bool gs_vtn_cfg_is_default(const gs_vtn_cfg_t *cfg);
/* The largest request body accepted, in bytes (max_body_bytes). */
size_t gs_vtn_cfg_max_body(const gs_vtn_cfg_t *cfg);
/* The MQTT notifier's broker URL ("mqtt://HOST:PORT"), or NULL if none is
 * configured, and its QoS. */
const char *gs_vtn_cfg_mqtt(const gs_vtn_cfg_t *cfg, int *qos);
/* Bounds of the webhook queue (notify.max_pending, notify.max_active,
 * notify.timeout_s). */
void gs_vtn_cfg_notify_limits(const gs_vtn_cfg_t *cfg, size_t *max_pending,
                              size_t *max_active, double *timeout_s);

/* ---- Hooks: what the VTN tells its host --------------------------------- */

/* Counts of enrolled objects, after every change. */
typedef struct gs_vtn_counts {
  uint32_t vens, resources, subscriptions, reports, events, tokens;
} gs_vtn_counts_t;

typedef struct gs_vtn_hooks {
  /* A report was created or updated (`report` is the stored object,
   * borrowed for the call); `now_unix_us` is its arrival. */
  void (*report)(void *ud, const cJSON *report, int64_t now_unix_us);
  /* A client created, updated or deleted an object (`obj` borrowed):
   * the inbound record of what entered the VTN (may be NULL). */
  void (*changed)(void *ud, const char *object_type, const char *op,
                  const cJSON *obj, int64_t now_unix_us);
  /* VENs, resources or subscriptions changed. */
  void (*enrolled)(void *ud, const gs_vtn_counts_t *c, int64_t now_unix_us);
  /* A webhook notification to POST: `body` is JSON, `bearer` may be NULL;
   * all three are borrowed for the call (copy them to keep them). */
  void (*notify)(void *ud, const char *url, const char *bearer,
                 const char *body);
  /* An MQTT notification to publish (the config's "mqtt" section is
   * set): `topic` and `payload` (the same JSON) borrowed for the call. */
  void (*publish)(void *ud, const char *topic, const char *payload);
  void *ud;
} gs_vtn_hooks_t;

/* ---- The VTN ------------------------------------------------------------ */

/* Creates an empty VTN speaking OpenADR `version` ("3.1.0"; anything else
 * is GS_EUNSUPPORTED with the versions known). `cfg` and `hooks` (may be
 * NULL) are borrowed and must outlive the VTN. `now_unix_us` starts the
 * fault knobs' clock. NULL with detail in `eb` on failure. */
gs_vtn_t *gs_vtn_create(const gs_vtn_cfg_t *cfg, const char *version,
                        const gs_vtn_hooks_t *hooks, int64_t now_unix_us,
                        gs_errbuf_t *eb);
void gs_vtn_destroy(gs_vtn_t *v);

/* The base URL clients reach the VTN at ("http://127.0.0.1:8080"), for
 * /auth/server when a request carries no Host header. Copied. */
gs_err_t gs_vtn_set_base_url(gs_vtn_t *v, const char *url);

/* One HTTP request, as the transport hands it over (all borrowed). Query
 * arguments keep their order; a key may repeat (targets=a&targets=b). */
typedef struct gs_vtn_req {
  const char *method;
  const char *path;
  const char *const *query_keys;
  const char *const *query_vals; /* NULL entry: a key without '=' */
  size_t n_query;
  const char *authorization; /* the header, or NULL */
  const char *content_type;  /* or NULL */
  const char *host;          /* the Host header, or NULL */
  const char *body;          /* not NUL-terminated; may be NULL if empty */
  size_t body_len;
  bool body_too_large; /* the transport stopped reading at the bound */
  int64_t now_unix_us;
} gs_vtn_req_t;

/* The answer: status, JSON body (owned, free()), and Retry-After seconds
 * for a 503 (0: none). */
typedef struct gs_vtn_resp {
  int status;
  char *body;
  int retry_after_s;
} gs_vtn_resp_t;

/* Routes `req` and fills `resp` (never fails: errors are Problem
 * responses; out of memory is a 500 with a static body when even that
 * fails, then `resp->body` is NULL). */
void gs_vtn_handle(gs_vtn_t *v, const gs_vtn_req_t *req,
                   gs_vtn_resp_t *resp);

/* Adds a program (`req` is a programRequest, borrowed) as the business
 * logic would, and returns its id (owned by the VTN) or NULL with detail
 * in `eb`. */
const char *gs_vtn_add_program(gs_vtn_t *v, const cJSON *req,
                               int64_t now_unix_us, gs_errbuf_t *eb);
/* Adds an event (an eventRequest, borrowed), notifying subscribers; its
 * id or NULL as above. */
const char *gs_vtn_add_event(gs_vtn_t *v, const cJSON *req,
                             int64_t now_unix_us, gs_errbuf_t *eb);

/* Replaces event `id` by `req` (an eventRequest, borrowed) keeping its id
 * and creation time, notifying subscribers. GS_ENOTFOUND, GS_EINVAL. */
gs_err_t gs_vtn_update_event(gs_vtn_t *v, const char *id, const cJSON *req,
                             int64_t now_unix_us, gs_errbuf_t *eb);

void gs_vtn_counts(const gs_vtn_t *v, gs_vtn_counts_t *out);

/* The OpenADR versions the wire layer speaks, NULL-terminated. */
extern const char *const gs_vtn_versions[];

#endif /* GRIDSIM_VTN_H */
