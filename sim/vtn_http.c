/* SPDX-License-Identifier: MIT */
/* The VTN's HTTP server: libmicrohttpd driven from the pacer's poll loop. */
#include "vtn_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

/* Clients a VTN keeps connected at once (each is a descriptor). */
#define GS__VTN_MAX_CONNS 20000
/* An idle keep-alive connection is closed after this long. */
#define GS__VTN_IDLE_S 120
/* The answer when even a Problem could not be built. */
static const char oom_body[] =
    "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\","
    "\"status\":500,\"detail\":\"out of memory\"}";

struct gs_vtn_http {
  gs_vtn_t *vtn;
  struct MHD_Daemon *d;
  int epoll_fd;
  int port;
  size_t max_body;
  gs_vtn_http_stats_t st;
};

/* One request in progress: its body so far and its query arguments. */
typedef struct conn_req {
  char *body;
  size_t len, cap;
  bool too_large;
  const char **keys, **vals;
  size_t n_args, cap_args;
} conn_req_t;

static int64_t unix_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static enum MHD_Result on_arg(void *cls, enum MHD_ValueKind kind,
                              const char *key, const char *value) {
  conn_req_t *cr = cls;
  (void)kind;
  if (cr->n_args == cr->cap_args) {
    size_t cap = cr->cap_args ? 2 * cr->cap_args : 8;
    if (cap > 1024) return MHD_NO; /* enough: the rest is ignored */
    const char **k = realloc(cr->keys, cap * sizeof *k);
    if (k) cr->keys = k;
    const char **v = realloc(cr->vals, cap * sizeof *v);
    if (v) cr->vals = v;
    if (!k || !v) return MHD_NO;
    cr->cap_args = cap;
  }
  cr->keys[cr->n_args] = key;
  cr->vals[cr->n_args++] = value;
  return MHD_YES;
}

/* Appends upload data up to the bound; past it the rest is discarded and
 * the request answered 413 (reading on keeps the connection usable). */
static void append(gs_vtn_http_t *h, conn_req_t *cr, const char *data,
                   size_t n) {
  if (cr->too_large) return;
  if (cr->len + n > h->max_body) {
    cr->too_large = true;
    return;
  }
  if (cr->len + n + 1 > cr->cap) {
    size_t cap = cr->cap ? cr->cap : 1024;
    while (cap < cr->len + n + 1) cap *= 2;
    char *g = realloc(cr->body, cap);
    if (g == NULL) {
      cr->too_large = true; /* out of memory: refuse this body */
      return;
    }
    cr->body = g;
    cr->cap = cap;
  }
  memcpy(cr->body + cr->len, data, n);
  cr->len += n;
}

static enum MHD_Result respond(struct MHD_Connection *conn,
                               const gs_vtn_resp_t *r, const char *path) {
  struct MHD_Response *resp;
  int status = r->status;
  if (r->body) {
    resp = MHD_create_response_from_buffer(strlen(r->body), r->body,
                                           MHD_RESPMEM_MUST_COPY);
  } else {
    status = 500;
    resp = MHD_create_response_from_buffer(sizeof oom_body - 1,
                                           (void *)oom_body,
                                           MHD_RESPMEM_PERSISTENT);
  }
  if (resp == NULL) return MHD_NO;
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                          "application/json");
  if (r->retry_after_s > 0) {
    char ra[24];
    snprintf(ra, sizeof ra, "%d", r->retry_after_s);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
  }
  /* RFC 6749 5.1: token responses must not be cached. */
  if (strcmp(path, "/auth/token") == 0)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  if (status == 401)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
  enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, resp);
  MHD_destroy_response(resp);
  return ret;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload,
                                 size_t *upload_size, void **req_cls) {
  gs_vtn_http_t *h = cls;
  conn_req_t *cr = *req_cls;
  (void)version;
  if (cr == NULL) { /* headers are in; the body (if any) follows */
    if ((cr = calloc(1, sizeof *cr)) == NULL) return MHD_NO;
    *req_cls = cr;
    return MHD_YES;
  }
  if (*upload_size > 0) {
    append(h, cr, upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, on_arg, cr);
  gs_vtn_req_t req = {
      .method = method,
      .path = url,
      .query_keys = cr->keys,
      .query_vals = cr->vals,
      .n_query = cr->n_args,
      .authorization = MHD_lookup_connection_value(
          conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
      .content_type = MHD_lookup_connection_value(
          conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
      .host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                          MHD_HTTP_HEADER_HOST),
      .body = cr->body,
      .body_len = cr->len,
      .body_too_large = cr->too_large,
      .now_unix_us = unix_us()};
  gs_vtn_resp_t r;
  gs_vtn_handle(h->vtn, &req, &r);
  enum MHD_Result ret = respond(conn, &r, url);
  int cls_i = (r.body ? r.status : 500) / 100;
  h->st.requests++;
  if (cls_i >= 1 && cls_i <= 5) h->st.by_class[cls_i]++;
  free(r.body);
  return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn,
                         void **req_cls, enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)conn;
  (void)toe;
  conn_req_t *cr = *req_cls;
  if (cr == NULL) return;
  free(cr->body);
  free(cr->keys);
  free(cr->vals);
  free(cr);
  *req_cls = NULL;
}

/* Resolves "HOST:PORT" into an IPv4 address. */
static gs_err_t parse_listen(const char *listen, struct sockaddr_in *sa,
                             gs_errbuf_t *eb) {
  const char *colon = listen ? strrchr(listen, ':') : NULL;
  char host[256];
  char *end;
  long port = colon ? strtol(colon + 1, &end, 10) : -1;
  if (colon == NULL || colon == listen || colon[1] == '\0' || *end != '\0' ||
      port < 0 || port > 65535 || (size_t)(colon - listen) >= sizeof host)
    return gs_errbuf_set(eb, GS_EINVAL,
                         "--listen: expected HOST:PORT such as "
                         "127.0.0.1:8080, found '%s'", listen ? listen : "");
  memcpy(host, listen, (size_t)(colon - listen));
  host[colon - listen] = '\0';
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
  struct addrinfo *ai = NULL;
  int rc = getaddrinfo(host, NULL, &hints, &ai);
  if (rc != 0 || ai == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "--listen: cannot resolve '%s' to "
                         "an IPv4 address: %s", host, gai_strerror(rc));
  memcpy(sa, ai->ai_addr, sizeof *sa);
  sa->sin_port = htons((uint16_t)port);
  freeaddrinfo(ai);
  return GS_OK;
}

gs_err_t gs_vtn_http_start(gs_vtn_t *v, const char *listen, size_t max_body,
                           gs_vtn_http_t **out, gs_errbuf_t *eb) {
  *out = NULL;
  struct sockaddr_in sa;
  gs_err_t err = parse_listen(listen, &sa, eb);
  if (err != GS_OK) return err;
  gs_vtn_http_t *h = calloc(1, sizeof *h);
  if (h == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  h->vtn = v;
  h->max_body = max_body;
  /* Each client holds a descriptor: thousands of VENs need more than the
   * usual soft limit of 1024. */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  h->d = MHD_start_daemon(
      MHD_USE_EPOLL, 0, NULL, NULL, on_access, h, MHD_OPTION_SOCK_ADDR,
      (const struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
      h, MHD_OPTION_CONNECTION_LIMIT, (unsigned)GS__VTN_MAX_CONNS,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)GS__VTN_IDLE_S,
      MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u, MHD_OPTION_END);
  if (h->d == NULL) {
    err = gs_errbuf_set(eb, GS_EIO, "--listen %s: cannot listen (address in "
                        "use, or not an address of this host?)", listen);
    free(h);
    return err;
  }
  const union MHD_DaemonInfo *info =
      MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
  const union MHD_DaemonInfo *lfd =
      MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_LISTEN_FD);
  struct sockaddr_in bound;
  socklen_t blen = sizeof bound;
  if (info == NULL || lfd == NULL ||
      getsockname(lfd->listen_fd, (struct sockaddr *)&bound, &blen) != 0) {
    gs_vtn_http_stop(h);
    return gs_errbuf_set(eb, GS_EIO, "--listen %s: no epoll descriptor",
                         listen);
  }
  h->epoll_fd = info->epoll_fd;
  h->port = ntohs(bound.sin_port);
  *out = h;
  return GS_OK;
}

int gs_vtn_http_port(const gs_vtn_http_t *h) { return h->port; }

static size_t src_max_fds(void *ud) {
  (void)ud;
  return 1;
}

static size_t src_fill(void *ud, struct pollfd *fds, size_t cap,
                       int64_t *timeout_us) {
  gs_vtn_http_t *h = ud;
  if (cap < 1) return 0;
  fds[0] = (struct pollfd){.fd = h->epoll_fd, .events = POLLIN};
  /* MHD's own deadlines (idle connections to close). */
  MHD_UNSIGNED_LONG_LONG ms;
  if (MHD_get_timeout(h->d, &ms) == MHD_YES &&
      (int64_t)ms * 1000 < *timeout_us)
    *timeout_us = (int64_t)ms * 1000;
  return 1;
}

static size_t src_service(void *ud, gs_engine_t *eng,
                          const struct pollfd *fds, size_t n) {
  gs_vtn_http_t *h = ud;
  (void)eng;
  (void)fds;
  (void)n;
  /* Requests change the store, never the engine: nothing is injected. */
  MHD_run(h->d);
  return 0;
}

gs_pace_source_t gs_vtn_http_source(gs_vtn_http_t *h) {
  return (gs_pace_source_t){.max_fds = src_max_fds,
                            .fill = src_fill,
                            .service = src_service,
                            .ud = h};
}

void gs_vtn_http_poll(gs_vtn_http_t *h, int64_t wait_us) {
  struct pollfd p = {.fd = h->epoll_fd, .events = POLLIN};
  int64_t t = wait_us;
  MHD_UNSIGNED_LONG_LONG ms;
  if (MHD_get_timeout(h->d, &ms) == MHD_YES && (int64_t)ms * 1000 < t)
    t = (int64_t)ms * 1000;
  poll(&p, 1, (int)(t / 1000));
  MHD_run(h->d);
}

void gs_vtn_http_stats(const gs_vtn_http_t *h, gs_vtn_http_stats_t *out) {
  *out = h->st;
}

void gs_vtn_http_stop(gs_vtn_http_t *h) {
  if (h == NULL) return;
  if (h->d) MHD_stop_daemon(h->d);
  free(h);
}
