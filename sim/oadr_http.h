/* SPDX-License-Identifier: MIT */
/* HTTP for the OpenADR VEN role: libcurl's multi interface on the pacer's poll. */
#ifndef GRIDSIM_OADR_HTTP_H
#define GRIDSIM_OADR_HTTP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gridsim/error.h"

typedef struct gs_oadr_http gs_oadr_http_t;

/* The outcome of one request. `status` is the HTTP status, 0 when no
 * response came (then `error` says why: refused, timed out, ...).
 * `body` is NUL-terminated, valid during the callback only. */
typedef struct gs_oadr_resp {
  long status;
  bool transport_error; /* connect refused, timeout, reset, too large */
  const char *body;
  size_t len;
  int64_t latency_us;   /* from the start of the transfer to its end */
  char error[256];
} gs_oadr_resp_t;

typedef void (*gs_oadr_http_cb)(void *ud, uint64_t tag,
                                const gs_oadr_resp_t *r);

/* Creates a client: one multi handle sharing connections (keep-alive) to
 * at most `max_connections` hosts' sockets, at most `max_inflight`
 * transfers at once (more are queued in order), each limited to
 * `timeout_us`. NULL with detail in `eb`. The caller owns it. */
gs_oadr_http_t *gs_oadr_http_create(uint32_t max_connections,
                                    uint32_t max_inflight, int64_t timeout_us,
                                    gs_errbuf_t *eb);
void gs_oadr_http_destroy(gs_oadr_http_t *h);

/* Queues a request: `method` "GET" / "POST" / "PUT" / "DELETE", `url`
 * (copied), `body` (copied; may be NULL) of type `content_type` (NULL:
 * JSON), `bearer` (copied; NULL: no Authorization header). `cb(ud, tag,
 * resp)` is called exactly once, from gs_oadr_http_service (never from
 * this call), or with a transport error at destroy. GS_ENOMEM. */
gs_err_t gs_oadr_http_request(gs_oadr_http_t *h, const char *method,
                              const char *url, const char *body,
                              const char *content_type, const char *bearer,
                              gs_oadr_http_cb cb, void *ud, uint64_t tag);

/* Requests queued or under way. */
size_t gs_oadr_http_pending(const gs_oadr_http_t *h);

/* The poll side (the pacer's source calls these): the most descriptors
 * fill may use; fill writes the sockets libcurl watches and lowers
 * `*timeout_us` to its next timer; service hands the poll results to
 * libcurl and runs the callbacks of finished transfers. Returns the
 * number of callbacks run. */
size_t gs_oadr_http_max_fds(const gs_oadr_http_t *h);
size_t gs_oadr_http_fill(gs_oadr_http_t *h, struct pollfd *fds, size_t cap,
                         int64_t *timeout_us);
size_t gs_oadr_http_service(gs_oadr_http_t *h, const struct pollfd *fds,
                            size_t n);

/* Polls and services alone for up to `wall_us` or until nothing is
 * pending (tests, and draining at the end of a run). */
void gs_oadr_http_run(gs_oadr_http_t *h, int64_t wall_us);

#endif /* GRIDSIM_OADR_HTTP_H */
