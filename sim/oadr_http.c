/* SPDX-License-Identifier: MIT */
/* libcurl multi driven by poll(): sockets and timers reported by callbacks. */
#include "oadr_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pace.h"

/* Bodies larger than this are refused: a VTN answering with a gigabyte
 * must not take the simulation's memory. */
#define GS__HTTP_MAX_BODY (8u << 20)

typedef struct gs__req {
  struct gs__req *next;          /* queue link */
  struct gs__req *lprev, *lnext; /* the list of transfers under way */
  CURL *easy;
  struct curl_slist *hdrs;
  char *method, *url, *body, *content_type, *bearer;
  char *resp;
  size_t len, cap;
  bool too_large;
  gs_oadr_http_cb cb;
  void *ud;
  uint64_t tag;
  int64_t t0_us;
  char errbuf[CURL_ERROR_SIZE];
} gs__req_t;

typedef struct gs__sock {
  curl_socket_t fd;
  short events;
} gs__sock_t;

struct gs_oadr_http {
  CURLM *multi;
  uint32_t max_inflight;
  int64_t timeout_us;
  gs__req_t *q_head, *q_tail; /* waiting for a transfer slot */
  gs__req_t *live;            /* under way (for destroy) */
  size_t queued, inflight;
  CURL **spare;               /* easy handles to reuse */
  size_t n_spare;
  gs__sock_t *socks;          /* sockets libcurl asked us to watch */
  size_t n_socks, cap_socks;
  int64_t timer_at_us;        /* monotonic, -1: no timer */
  bool global_init;
};

/* CURLMOPT_SOCKETFUNCTION: libcurl says which sockets to watch for what. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *ud,
                     void *sockp) {
  (void)easy;
  (void)sockp;
  gs_oadr_http_t *h = ud;
  size_t i = 0;
  while (i < h->n_socks && h->socks[i].fd != fd) i++;
  if (what == CURL_POLL_REMOVE) {
    if (i < h->n_socks) h->socks[i] = h->socks[--h->n_socks];
    return 0;
  }
  if (i == h->n_socks) {
    if (h->n_socks == h->cap_socks) {
      size_t cap = h->cap_socks ? h->cap_socks * 2 : 16;
      gs__sock_t *g = realloc(h->socks, cap * sizeof *g);
      if (g == NULL) return -1; /* libcurl fails the transfer */
      h->socks = g;
      h->cap_socks = cap;
    }
    h->socks[h->n_socks++].fd = fd;
  }
  h->socks[i].events = (short)((what & CURL_POLL_IN ? POLLIN : 0) |
                               (what & CURL_POLL_OUT ? POLLOUT : 0));
  return 0;
}

/* CURLMOPT_TIMERFUNCTION: when libcurl wants to be called without I/O. */
static int on_timer(CURLM *multi, long timeout_ms, void *ud) {
  (void)multi;
  gs_oadr_http_t *h = ud;
  h->timer_at_us =
      timeout_ms < 0 ? -1 : gs_pace_mono_us() + (int64_t)timeout_ms * 1000;
  return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud) {
  gs__req_t *r = ud;
  size_t add = size * n;
  if (r->len + add + 1 > GS__HTTP_MAX_BODY) {
    r->too_large = true;
    return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
  }
  if (r->len + add + 1 > r->cap) {
    size_t cap = r->cap ? r->cap : 4096;
    while (cap < r->len + add + 1) cap *= 2;
    char *g = realloc(r->resp, cap);
    if (g == NULL) return 0;
    r->resp = g;
    r->cap = cap;
  }
  memcpy(r->resp + r->len, data, add);
  r->len += add;
  r->resp[r->len] = '\0';
  return add;
}

gs_oadr_http_t *gs_oadr_http_create(uint32_t max_connections,
                                    uint32_t max_inflight, int64_t timeout_us,
                                    gs_errbuf_t *eb) {
  gs_oadr_http_t *h = calloc(1, sizeof *h);
  if (h == NULL) goto nomem;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    gs_errbuf_set(eb, GS_EIO, "libcurl failed to initialise");
    free(h);
    return NULL;
  }
  h->global_init = true;
  h->multi = curl_multi_init();
  h->spare = calloc(max_inflight ? max_inflight : 1, sizeof *h->spare);
  if (h->multi == NULL || h->spare == NULL) goto fail;
  h->max_inflight = max_inflight ? max_inflight : 1;
  h->timeout_us = timeout_us;
  h->timer_at_us = -1;
  curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
  curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer);
  curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
  /* Connections are shared by every VEN: a few keep-alive sockets carry
   * thousands of VENs' requests one after the other. */
  curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                    (long)max_connections);
  curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                    (long)max_connections);
  curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)max_connections);
  return h;
fail:
  gs_oadr_http_destroy(h);
nomem:
  gs_errbuf_set(eb, GS_ENOMEM, "OpenADR HTTP client: out of memory");
  return NULL;
}

static void req_free(gs__req_t *r) {
  curl_slist_free_all(r->hdrs);
  free(r->method);
  free(r->url);
  free(r->body);
  free(r->content_type);
  free(r->bearer);
  free(r->resp);
  free(r);
}

static char *dup_or_null(const char *s, bool *fail) {
  if (s == NULL) return NULL;
  char *d = strdup(s);
  if (d == NULL) *fail = true;
  return d;
}

/* Hands `r` to libcurl; false (the request failed at once) when libcurl
 * refuses it, with the reason in r->errbuf. */
static bool start(gs_oadr_http_t *h, gs__req_t *r) {
  r->easy = h->n_spare ? h->spare[--h->n_spare] : curl_easy_init();
  if (r->easy == NULL) {
    snprintf(r->errbuf, sizeof r->errbuf, "curl_easy_init failed");
    return false;
  }
  CURL *e = r->easy;
  curl_easy_setopt(e, CURLOPT_URL, r->url);
  curl_easy_setopt(e, CURLOPT_PRIVATE, r);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(h->timeout_us / 1000));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   (long)(h->timeout_us / 1000));
  char line[4200];
  snprintf(line, sizeof line, "Content-Type: %s",
           r->content_type ? r->content_type : "application/json");
  struct curl_slist *l = curl_slist_append(NULL, "Accept: application/json");
  if (l && r->body) l = curl_slist_append(l, line);
  if (l && r->bearer) {
    snprintf(line, sizeof line, "Authorization: Bearer %s", r->bearer);
    l = curl_slist_append(l, line);
  }
  /* No "Expect: 100-continue" round trip before a POST body. */
  if (l) l = curl_slist_append(l, "Expect:");
  r->hdrs = l;
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, l);
  if (strcmp(r->method, "GET") == 0) {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
  }
  r->t0_us = gs_pace_mono_us();
  if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
    snprintf(r->errbuf, sizeof r->errbuf, "curl_multi_add_handle failed");
    return false;
  }
  h->inflight++;
  r->lnext = h->live;
  if (h->live) h->live->lprev = r;
  h->live = r;
  return true;
}

static void unlink_live(gs_oadr_http_t *h, gs__req_t *r) {
  if (r->lprev) r->lprev->lnext = r->lnext;
  else h->live = r->lnext;
  if (r->lnext) r->lnext->lprev = r->lprev;
  r->lprev = r->lnext = NULL;
  h->inflight--;
}

/* Runs the callback of `r` and frees it; its easy handle goes back. */
static void finish(gs_oadr_http_t *h, gs__req_t *r, CURLcode code) {
  gs_oadr_resp_t resp = {0};
  if (r->easy) {
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &resp.status);
    curl_easy_reset(r->easy);
    if (h->n_spare < h->max_inflight) h->spare[h->n_spare++] = r->easy;
    else curl_easy_cleanup(r->easy);
    r->easy = NULL;
  }
  if (code != CURLE_OK || resp.status == 0) {
    resp.transport_error = true;
    resp.status = 0;
    snprintf(resp.error, sizeof resp.error, "%s",
             r->too_large ? "response body over 8 MiB"
             : r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
  }
  resp.body = r->resp ? r->resp : "";
  resp.len = r->len;
  resp.latency_us = gs_pace_mono_us() - r->t0_us;
  r->cb(r->ud, r->tag, &resp);
  req_free(r);
}

/* Moves queued requests into transfer slots as they free up. */
static size_t pump(gs_oadr_http_t *h) {
  size_t done = 0;
  while (h->q_head && h->inflight < h->max_inflight) {
    gs__req_t *r = h->q_head;
    h->q_head = r->next;
    if (h->q_head == NULL) h->q_tail = NULL;
    h->queued--;
    if (!start(h, r)) {
      finish(h, r, CURLE_FAILED_INIT);
      done++;
    }
  }
  return done;
}

gs_err_t gs_oadr_http_request(gs_oadr_http_t *h, const char *method,
                              const char *url, const char *body,
                              const char *content_type, const char *bearer,
                              gs_oadr_http_cb cb, void *ud, uint64_t tag) {
  if (h == NULL || method == NULL || url == NULL || cb == NULL)
    return GS_EINVAL;
  gs__req_t *r = calloc(1, sizeof *r);
  if (r == NULL) return GS_ENOMEM;
  bool fail = false;
  r->method = dup_or_null(method, &fail);
  r->url = dup_or_null(url, &fail);
  r->body = dup_or_null(body, &fail);
  r->content_type = dup_or_null(content_type, &fail);
  r->bearer = dup_or_null(bearer, &fail);
  if (fail) {
    req_free(r);
    return GS_ENOMEM;
  }
  r->cb = cb;
  r->ud = ud;
  r->tag = tag;
  /* Always queued: the callback must never run inside this call, where
   * the caller may hold state half-updated. */
  if (h->q_tail) h->q_tail->next = r;
  else h->q_head = r;
  h->q_tail = r;
  h->queued++;
  return GS_OK;
}

size_t gs_oadr_http_pending(const gs_oadr_http_t *h) {
  return h ? h->queued + h->inflight : 0;
}

size_t gs_oadr_http_max_fds(const gs_oadr_http_t *h) {
  /* Sockets may be added while a poll is prepared: room for the present
   * ones and the connections still to open. */
  return h->n_socks + 1;
}

size_t gs_oadr_http_fill(gs_oadr_http_t *h, struct pollfd *fds, size_t cap,
                         int64_t *timeout_us) {
  size_t n = 0;
  for (size_t i = 0; i < h->n_socks && n < cap; i++)
    fds[n++] = (struct pollfd){.fd = h->socks[i].fd,
                               .events = h->socks[i].events};
  int64_t now = gs_pace_mono_us();
  if (h->q_head && h->inflight < h->max_inflight) *timeout_us = 0;
  if (h->timer_at_us >= 0 && h->timer_at_us - now < *timeout_us)
    *timeout_us = h->timer_at_us > now ? h->timer_at_us - now : 0;
  return n;
}

size_t gs_oadr_http_service(gs_oadr_http_t *h, const struct pollfd *fds,
                            size_t n) {
  size_t done = pump(h);
  int running;
  for (size_t i = 0; i < n; i++) {
    if (fds[i].revents == 0) continue;
    int mask = (fds[i].revents & POLLIN ? CURL_CSELECT_IN : 0) |
               (fds[i].revents & POLLOUT ? CURL_CSELECT_OUT : 0) |
               (fds[i].revents & (POLLERR | POLLHUP | POLLNVAL)
                    ? CURL_CSELECT_ERR : 0);
    curl_multi_socket_action(h->multi, fds[i].fd, mask, &running);
  }
  if (h->timer_at_us >= 0 && gs_pace_mono_us() >= h->timer_at_us) {
    h->timer_at_us = -1;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  }
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL *e = msg->easy_handle;
    CURLcode code = msg->data.result;
    gs__req_t *r = NULL;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
    curl_multi_remove_handle(h->multi, e);
    unlink_live(h, r);
    finish(h, r, code);
    done++;
  }
  return done + pump(h);
}

void gs_oadr_http_run(gs_oadr_http_t *h, int64_t wall_us) {
  int64_t end = gs_pace_mono_us() + wall_us;
  struct pollfd *fds = NULL;
  while (gs_oadr_http_pending(h) > 0) {
    int64_t now = gs_pace_mono_us();
    if (now >= end) break;
    size_t cap = gs_oadr_http_max_fds(h);
    struct pollfd *g = realloc(fds, cap * sizeof *g);
    if (g == NULL) break;
    fds = g;
    int64_t t_us = end - now < 10000 ? end - now : 10000;
    size_t n = gs_oadr_http_fill(h, fds, cap, &t_us);
    poll(fds, (nfds_t)n, (int)(t_us / 1000));
    if (n == 0 && t_us <= 0) {
      for (size_t i = 0; i < n; i++) fds[i].revents = 0;
    }
    gs_oadr_http_service(h, fds, n);
  }
  free(fds);
}

void gs_oadr_http_destroy(gs_oadr_http_t *h) {
  if (h == NULL) return;
  /* Every request still gets its one callback, as a transport error. */
  while (h->q_head) {
    gs__req_t *r = h->q_head;
    h->q_head = r->next;
    finish(h, r, CURLE_ABORTED_BY_CALLBACK);
  }
  h->q_tail = NULL;
  h->queued = 0;
  while (h->live) {
    gs__req_t *r = h->live;
    curl_multi_remove_handle(h->multi, r->easy);
    unlink_live(h, r);
    finish(h, r, CURLE_ABORTED_BY_CALLBACK);
  }
  for (size_t i = 0; i < h->n_spare; i++) curl_easy_cleanup(h->spare[i]);
  if (h->multi) curl_multi_cleanup(h->multi);
  if (h->global_init) curl_global_cleanup();
  free(h->spare);
  free(h->socks);
  free(h);
}
