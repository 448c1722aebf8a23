/* SPDX-License-Identifier: MIT */
/* The VTN's internals, shared by sim/vtn*.c (private). */
#ifndef GRIDSIM_VTN_PRIV_H
#define GRIDSIM_VTN_PRIV_H

#include "vtn.h"

/* Scopes a token grants (the spec's oAuth2ClientCredentials scopes). */
enum {
  GS__VTN_READ_ALL = 1u << 0,
  GS__VTN_READ_TARGETS = 1u << 1,
  GS__VTN_READ_VEN_OBJECTS = 1u << 2,
  GS__VTN_WRITE_PROGRAMS = 1u << 3,
  GS__VTN_WRITE_EVENTS = 1u << 4,
  GS__VTN_WRITE_REPORTS = 1u << 5,
  GS__VTN_WRITE_SUBSCRIPTIONS = 1u << 6,
  GS__VTN_WRITE_VENS = 1u << 7,
  GS__VTN_NSCOPES = 8
};
extern const char *const gs__vtn_scope_names[GS__VTN_NSCOPES];
#define GS__VTN_SCOPES_VEN                                                  \
  (GS__VTN_READ_TARGETS | GS__VTN_READ_VEN_OBJECTS | GS__VTN_WRITE_REPORTS | \
   GS__VTN_WRITE_SUBSCRIPTIONS | GS__VTN_WRITE_VENS)
#define GS__VTN_SCOPES_BL                                                   \
  (GS__VTN_READ_ALL | GS__VTN_WRITE_PROGRAMS | GS__VTN_WRITE_EVENTS |        \
   GS__VTN_WRITE_SUBSCRIPTIONS | GS__VTN_WRITE_VENS)

typedef struct gs__vtn_client {
  char *id, *secret;
  unsigned scopes;
} gs__vtn_client_t;

/* A window of wall time (seconds since the VTN started) answered 503. */
typedef struct gs__vtn_window {
  double from_s, to_s;
} gs__vtn_window_t;

struct gs_vtn_cfg {
  bool is_default;
  gs__vtn_client_t *clients;
  size_t n_clients;
  double token_ttl_s;
  size_t max_body_bytes;
  size_t max_reports; /* reports kept in memory (all go to the trace) */
  size_t max_tokens;  /* live tokens kept */
  char *token_url;    /* override of /auth/server's answer, or NULL */
  /* Faults: 503 inside any window, and for `fail_count` requests after
   * the first `fail_after` ones; only paths starting with one of
   * `fault_paths` (all if none). */
  gs__vtn_window_t *windows;
  size_t n_windows;
  uint64_t fail_after, fail_count;
  char **fault_paths;
  size_t n_fault_paths;
  int retry_after_s;
  /* MQTT notifier ("mqtt"): broker URL (announced in /notifiers), topic
   * prefix, QoS; NULL url: none. */
  char *mqtt_url, *mqtt_prefix;
  int mqtt_qos;
  /* Webhooks. */
  size_t notify_max_pending, notify_max_active;
  double notify_timeout_s;
};

/* Kinds of stored object, in the spec's objectTypes order. */
typedef enum gs__vtn_kind {
  GS__VTN_PROGRAM = 0,
  GS__VTN_EVENT,
  GS__VTN_REPORT,
  GS__VTN_SUBSCRIPTION,
  GS__VTN_VEN,
  GS__VTN_RESOURCE,
  GS__VTN_NKINDS
} gs__vtn_kind_t;

/* objectType ("PROGRAM") and collection path ("programs") of each kind. */
extern const char *const gs__vtn_object_type[GS__VTN_NKINDS];
extern const char *const gs__vtn_collection[GS__VTN_NKINDS];

/* A bearer token (random, 32 hex digits) and when it stops working. */
typedef struct gs__vtn_token {
  char value[33];
  uint32_t client; /* index in cfg->clients */
  unsigned scopes; /* granted: the client's, or fewer if asked */
  int64_t expires_unix_us;
} gs__vtn_token_t;

/* One version of the wire format: validation of what clients send (a
 * request object of `kind`, at JSON path `path`). Returns false with a
 * message "<path>: expected ..., found ..." in `detail`. */
typedef struct gs__vtn_wire {
  const char *version;
  bool (*validate)(gs__vtn_kind_t kind, const cJSON *obj, char *detail,
                   size_t size);
} gs__vtn_wire_t;
extern const gs__vtn_wire_t gs__vtn_wire_310;

struct gs_vtn {
  const gs_vtn_cfg_t *cfg;
  const gs__vtn_wire_t *wire;
  gs_vtn_hooks_t hooks;
  int64_t t0_unix_us;
  uint64_t requests; /* counted for the request-count fault */
  char *base_url;
  cJSON *objs[GS__VTN_NKINDS]; /* arrays, oldest first */
  uint32_t n_objs[GS__VTN_NKINDS];
  uint64_t next_id[GS__VTN_NKINDS];
  gs__vtn_token_t *tokens;
  size_t n_tokens, cap_tokens;
  uint64_t tokens_issued;
};

/* ---- Store (vtn_store.c) ------------------------------------------------ */

/* RFC 3339 UTC with milliseconds ("2026-07-01T12:00:00.000Z"). */
void gs__vtn_datetime(int64_t unix_us, char *buf, size_t size);
/* Parses RFC 3339 (Z or an offset, optional fraction) to unix us. */
bool gs__vtn_parse_datetime(const char *s, int64_t *unix_us);
/* ISO 8601 duration of `us` ("PT3600S", "PT0.5S"). */
void gs__vtn_duration(int64_t us, char *buf, size_t size);
/* Parses an ISO 8601 duration (PnYnMnDTnHnMnS, W; years 365 days,
 * months 30) to us; false if malformed. */
bool gs__vtn_parse_duration(const char *s, int64_t *us);

/* The stored object of `kind` with id `id`, or NULL. */
cJSON *gs__vtn_find(const gs_vtn_t *v, gs__vtn_kind_t kind, const char *id);
/* Stores `req` (taken over) as a new object of `kind`: adds id,
 * createdDateTime, modificationDateTime, objectType. Returns it (owned by
 * the store) or NULL when out of memory (req freed). */
cJSON *gs__vtn_insert(gs_vtn_t *v, gs__vtn_kind_t kind, cJSON *req,
                      int64_t now_unix_us);
/* Replaces object `old`'s fields by `req`'s (taken over), keeping id and
 * createdDateTime; returns the object. */
cJSON *gs__vtn_replace(gs_vtn_t *v, gs__vtn_kind_t kind, cJSON *old,
                       cJSON *req, int64_t now_unix_us);
/* Unlinks object `obj` of `kind` and returns it (the caller frees). */
cJSON *gs__vtn_unlink(gs_vtn_t *v, gs__vtn_kind_t kind, cJSON *obj);
/* Whether `obj`'s "targets" (absent, null or empty: everyone) meet any of
 * `targets` (n of them). */
bool gs__vtn_targets_match(const cJSON *obj, const char *const *targets,
                           size_t n);
/* Sends the webhooks that object `obj` of `kind` has undergone `op`
 * ("CREATE", "UPDATE", "DELETE") warrants. */
void gs__vtn_notify(gs_vtn_t *v, gs__vtn_kind_t kind, const char *op,
                    const cJSON *obj);
void gs__vtn_enrolled(gs_vtn_t *v, int64_t now_unix_us);
/* The notification JSON of `op` on `obj` (owned, free()), NULL if out of
 * memory. */
char *gs__vtn_notification(gs__vtn_kind_t kind, const char *op,
                           const cJSON *obj);

/* ---- MQTT notifier topics (vtn_topics.c) -------------------------------- */

/* GET /notifiers/mqtt/topics/...: `rest` is the path after "topics". */
void gs__vtn_topics(gs_vtn_t *v, const char *rest, long client,
                    unsigned scopes, gs_vtn_resp_t *r);
/* Publishes `body` (the notification of `op` on `obj`) on every topic it
 * belongs to, per-VEN topics included, through hooks.publish. */
void gs__vtn_mqtt_publish(gs_vtn_t *v, gs__vtn_kind_t kind, const char *op,
                          const cJSON *obj, const char *body);

/* ---- Auth (vtn_auth.c) -------------------------------------------------- */

/* POST /auth/token. */
void gs__vtn_token(gs_vtn_t *v, const gs_vtn_req_t *req, gs_vtn_resp_t *r);
/* The client of the request's bearer token (and the token's scopes in
 * `*scopes`), or -1 with `r` filled (401). */
long gs__vtn_authenticate(gs_vtn_t *v, const gs_vtn_req_t *req,
                          gs_vtn_resp_t *r, unsigned *scopes);

/* ---- Object operations (vtn_objects.c) ---------------------------------- */

/* A routed request: the parts every handler needs. */
typedef struct gs__vtn_call {
  gs_vtn_t *v;
  const gs_vtn_req_t *req;
  gs_vtn_resp_t *r;
  gs__vtn_kind_t kind;
  const char *id;  /* /{collection}/{id}, else NULL */
  long client;     /* index in cfg->clients */
  unsigned scopes; /* the token's */
} gs__vtn_call_t;

/* The scopes that allow reading / writing each kind (any one of them). */
extern const unsigned gs__vtn_read_scope[GS__VTN_NKINDS];
extern const unsigned gs__vtn_write_scope[GS__VTN_NKINDS];
/* Whether the token has one of `any`; else a 403 naming them. */
bool gs__vtn_has_scope(const gs__vtn_call_t *c, unsigned any);
/* The object named by the path, if the client may see it; else a 404. */
cJSON *gs__vtn_path_object(gs__vtn_call_t *c);
/* GET /{collection}, POST /{collection}, PUT and DELETE /{collection}/{id};
 * each fills c->r. */
void gs__vtn_list(gs__vtn_call_t *c);
void gs__vtn_create(gs__vtn_call_t *c);
void gs__vtn_update(gs__vtn_call_t *c);
void gs__vtn_delete(gs__vtn_call_t *c);

/* ---- Responses (vtn_route.c) -------------------------------------------- */

/* A Problem response (status, title from the status, detail). */
void gs__vtn_problem(gs_vtn_resp_t *r, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* A JSON response of `status` (`json` borrowed, printed unformatted). */
void gs__vtn_json(gs_vtn_resp_t *r, int status, const cJSON *json);

#endif /* GRIDSIM_VTN_PRIV_H */
