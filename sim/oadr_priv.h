/* SPDX-License-Identifier: MIT */
/* The OpenADR VEN bridge's internals, shared by sim/oadr_*.c (private). */
#ifndef GRIDSIM_OADR_PRIV_H
#define GRIDSIM_OADR_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "gridsim/rng.h"
#include "oadr_http.h"
#include "oadr_ven.h"
#include "oadr_wire.h"

#define GS__OADR_URL_MAX 1024
#define GS__OADR_TOKEN_MAX 4096
/* VENs whose next step is due are looked for this often at most. */
#define GS__OADR_SCAN_US 20000
/* A 401 right after a new token: wait this long before the next try. */
#define GS__OADR_AUTH_RETRY_US 200000
/* Event ids a VEN remembers (older ones are forgotten first). */
#define GS__OADR_EVENTS_MAX 256

/* Steps of a VEN's state machine, in order. */
typedef enum gs__ostep {
  GS__OS_FIND = 0,  /* GET /vens?venName=: is it registered already? */
  GS__OS_CREATE,    /* POST /vens (VEN_VEN_REQUEST) */
  GS__OS_PROGRAMS,  /* GET /programs */
  GS__OS_SUBSCRIBE, /* POST /subscriptions (when the VTN has webhooks) */
  GS__OS_POLL       /* GET /events, every poll interval */
} gs__ostep_t;

/* Request kinds, in the low byte of a request's tag. */
enum {
  GS__OK_AUTH_SERVER = 1,
  GS__OK_TOKEN,
  GS__OK_NOTIFIERS,
  GS__OK_STEP, /* the VEN's present step */
  GS__OK_REPORT
};

/* An event a VEN knows, and the wire commands it became. */
typedef struct gs__oev {
  char id[GS_OADR_ID_MAX];
  char modified[40];
  uint32_t seen_gen;          /* the poll cycle that last listed it */
  gs_time_us_t start_us, end_us; /* its span (simulated, randomised) */
  struct gs__opend {
    gs_event_handle_t h;      /* a wire command of it ... */
    gs_time_us_t at_us;       /* ... delivered then */
  } *pending;
  size_t n_pending;
  uint32_t *jobs;             /* its report jobs (cancelled with it) */
  size_t n_jobs;
} gs__oev_t;

/* A report waiting to be accepted by the VTN. */
typedef struct gs__orep {
  struct gs__orep *next;
  char *body;
  int64_t due_mono_us;  /* when it was due (latency counts from here) */
  gs_time_us_t due_sim_us;
  uint32_t attempt;
} gs__orep_t;

typedef struct gs__oven {
  uint32_t index;        /* VEN index in the world */
  uint8_t step;          /* gs__ostep_t */
  bool busy;             /* a request of its step under way */
  bool rep_busy;         /* a report POST under way */
  uint32_t attempt;      /* failures of the present step */
  int64_t next_us;       /* monotonic: when the step runs (next) */
  int64_t rep_next_us;   /* monotonic: the head report's next try */
  gs_rng_t rng;          /* back-off jitter and the poll phase */
  char name[GS_OADR_ID_MAX];   /* venName: gridsim's VEN id */
  char group[GS_OADR_ID_MAX];  /* its fleet group (a target) */
  char ven_id[GS_OADR_ID_MAX]; /* the VTN's object id */
  char (*programs)[GS_OADR_ID_MAX];
  size_t n_programs, prog_cursor;
  uint32_t skip;         /* paging within the present program */
  uint32_t gen;          /* poll cycle */
  gs__oev_t *events;
  size_t n_events;
  gs__orep_t *rq_head, *rq_tail;
  uint32_t rq_len;
} gs__oven_t;

/* One recorded input: what arrived, when, for whom. */
typedef struct gs__oin {
  gs_time_us_t t_us;      /* simulated arrival time */
  int64_t wall_unix_us;   /* real time of arrival */
  uint64_t position;      /* events taken before it (gs_inbound_position) */
  uint32_t ven;
  uint8_t source;         /* 0 poll, 1 webhook */
  uint8_t kind;           /* 0 event applied, 1 deleted, 2 bad payload */
  char *payload;          /* the event object / the error (owned) */
} gs__oin_t;

/* One report's fate, for /oadr/reports. */
typedef struct gs__orec {
  gs_time_us_t due_us;
  uint32_t ven, attempts;
  int32_t status;         /* last HTTP status, 0 transport, -1 dropped */
  float latency_ms;
} gs__orec_t;

struct gs_oadr {
  gs_oadr_cfg_t cfg;
  char base[GS__OADR_URL_MAX];   /* the VTN's API base, no trailing '/' */
  char *client_id, *client_secret;
  gs_ven_sink_t sink;
  gs_world_t *world;             /* borrowed */
  gs_pace_t *pace;               /* borrowed */
  gs_oadr_http_t *http;
  gs_entity_id_t probe;          /* the report probe entity */
  gs__oven_t *vens;
  uint32_t n_vens;
  bool closing;
  int64_t next_scan_us, earliest_us;
  int64_t start_us;              /* monotonic: gs_oadr_start */
  /* The token all VENs share, and the discovery of the token URL. */
  struct {
    char url[GS__OADR_URL_MAX];
    char value[GS__OADR_TOKEN_MAX];
    bool have_url, valid, busy;
    uint32_t gen, attempt;
    int64_t expires_us, renew_us, retry_us; /* monotonic */
  } tok;
  /* GET /notifiers, once for all VENs. */
  int notifiers; /* -1 not yet asked, 0 asked, 1 webhook offered */
  bool notifiers_busy;
  uint32_t notifiers_attempt;
  int64_t notifiers_retry_us;
  struct gs_oadr_hook *hook;     /* webhook receiver, or NULL */
  size_t hook_fds;               /* its entries in the last poll */
  /* Report jobs of the probe (oadr_report.c). */
  struct gs__ojob *jobs;
  size_t n_jobs, cap_jobs;
  /* Records for the trace. */
  gs__oin_t *in;
  size_t n_in, cap_in;
  gs__orec_t *rec;
  size_t n_rec, cap_rec;
  gs_oadr_hist_t rep_lat, req_lat;
  gs_oadr_stats_t st;
};

/* oadr_ven.c: runs every step and report send that is due, asks for a
 * token or the notifiers when needed; sets b->earliest_us. */
void gs__oadr_scan(gs_oadr_t *b, int64_t now_us);
/* oadr_ven.c: URL of `path` under the VTN's base. */
void gs__oadr_url(const gs_oadr_t *b, const char *path, char *buf,
                  size_t size);
/* oadr_events.c: takes one event object for VEN `v` (from a poll page or a
 * notification, `source` 0/1): new or changed ones are applied. */
void gs__oadr_take_event(gs_oadr_t *b, gs__oven_t *v, const cJSON *obj,
                         const char *path, int source);
/* oadr_events.c: the event `id` was deleted at the VTN. */
void gs__oadr_drop_event(gs_oadr_t *b, gs__oven_t *v, const char *id,
                         int source);
/* oadr_ven.c: keeps an input for the trace (payload copied). */
void gs__oadr_record(gs_oadr_t *b, uint32_t ven, int source, int kind,
                     const char *payload);

/* oadr_events.c: turns event `ev` for VEN `v` into wire commands at their
 * (randomised) interval starts and report jobs; fills `e` (its pending
 * commands and end). GS_ENOMEM. */
gs_err_t gs__oadr_apply(gs_oadr_t *b, gs__oven_t *v,
                        const gs_oadr_event_t *ev, gs__oev_t *e);
/* oadr_report.c: the model type of the probe entity. */
extern const gs_model_type_t gs__oadr_probe_type;

/* oadr_ven.c: one request of `kind` (GS__OK_*) for VEN `ven` (copied
 * arguments; `ctype` NULL for JSON; with `bearer` the token goes along);
 * its answer comes to the bridge's response handler. */
void gs__oadr_request(gs_oadr_t *b, int kind, uint32_t ven,
                      const char *method, const char *url, const char *body,
                      const char *ctype, bool bearer);
/* oadr_ven.c: something is due at `at_us` (monotonic): scan by then. */
void gs__oadr_due(gs_oadr_t *b, int64_t at_us);
/* oadr_ven.c: an answer worth trying again (transport, 5xx, 401, 408,
 * 429). */
bool gs__oadr_retryable(const gs_oadr_resp_t *r);

/* oadr_rq.c: queues a built report body (owned) for VEN `v`, within the
 * queue's bound (the oldest not in flight is dropped and counted). */
void gs__oadr_queue_report(gs_oadr_t *b, gs__oven_t *v, char *body,
                           gs_time_us_t due_sim_us);
/* oadr_rq.c: drops (counted, recorded with status -2) what the VEN still
 * holds at the end of the run. */
void gs__oadr_rq_abandon(gs_oadr_t *b, gs__oven_t *v);
/* oadr_rq.c: POSTs the VEN's oldest report / takes the answer. */
void gs__oadr_send_report(gs_oadr_t *b, gs__oven_t *v);
void gs__oadr_on_report(gs_oadr_t *b, gs__oven_t *v, const gs_oadr_resp_t *r,
                        int64_t now);
/* oadr_report.c: plans the reports `ev` asks of VEN `v` over its
 * intervals (`starts_us`, `durs_us`: simulated, the VTN's timeline): jobs
 * whose meter samples the probe takes at the interval boundaries; their
 * ids go to `e->jobs`. GS_ENOMEM. */
gs_err_t gs__oadr_plan_reports(gs_oadr_t *b, gs__oven_t *v,
                               const gs_oadr_event_t *ev, gs__oev_t *e,
                               const gs_time_us_t *starts_us,
                               const gs_time_us_t *durs_us, size_t n);
/* oadr_report.c: a job's samples stop (its event changed or went). */
void gs__oadr_job_cancel(gs_oadr_t *b, uint32_t job);
/* oadr_report.c: the probe's event (one sample of a job). */
void gs__oadr_probe_sample(gs_oadr_t *b, gs_engine_t *eng, uint32_t job,
                           uint32_t boundary);
void gs__oadr_jobs_free(gs_oadr_t *b);

/* oadr_hook.c: the webhook receiver on 127.0.0.1 (port 0: any). */
typedef struct gs_oadr_hook gs_oadr_hook_t;
gs_err_t gs__oadr_hook_start(gs_oadr_t *b, gs_oadr_hook_t **out,
                             gs_errbuf_t *eb);
uint16_t gs__oadr_hook_port(const gs_oadr_hook_t *h);
size_t gs__oadr_hook_fill(gs_oadr_hook_t *h, struct pollfd *fds, size_t cap,
                          int64_t *timeout_us);
size_t gs__oadr_hook_service(gs_oadr_hook_t *h, const struct pollfd *fds,
                             size_t n);
void gs__oadr_hook_stop(gs_oadr_hook_t *h);

#endif /* GRIDSIM_OADR_PRIV_H */
