/* SPDX-License-Identifier: MIT */
/* The VENs' webhook receiver: libmicrohttpd on loopback, polled by the pacer. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oadr_priv.h"

/* A notification is one event object: far below this. */
#define GS__HOOK_MAX_BODY (1u << 20)

struct gs_oadr_hook {
  gs_oadr_t *b;
  struct MHD_Daemon *d;
  int epoll_fd;
  uint16_t port;
  size_t served; /* notifications handled since the last service */
};

typedef struct gs__hook_body {
  char *data;
  size_t len;
  bool too_large;
} gs__hook_body_t;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
                             const char *title, const char *detail) {
  char text[700];
  if (status == MHD_HTTP_OK)
    snprintf(text, sizeof text, "{}");
  else /* the spec's problem object */
    snprintf(text, sizeof text,
             "{\"type\":\"about:blank\",\"title\":\"%s\",\"status\":%u,"
             "\"detail\":\"%.500s\"}", title, status, detail);
  for (char *p = text; *p; p++)
    if (*p == '\\' || (unsigned char)*p < 0x20) *p = ' ';
  struct MHD_Response *r = MHD_create_response_from_buffer(
      strlen(text), text, MHD_RESPMEM_MUST_COPY);
  if (r == NULL) return MHD_NO;
  MHD_add_response_header(r, "Content-Type",
                          status == MHD_HTTP_OK ? "application/json"
                                                : "application/problem+json");
  enum MHD_Result ok = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ok;
}

/* A whole notification for VEN `ven`: events created or changed are
 * taken as a poll would take them, deleted ones dropped. */
static enum MHD_Result take(gs_oadr_hook_t *h, struct MHD_Connection *c,
                            uint32_t ven, const gs__hook_body_t *body) {
  gs_oadr_t *b = h->b;
  gs__oven_t *v = &b->vens[ven];
  cJSON *root = cJSON_ParseWithLength(body->data ? body->data : "",
                                      body->len);
  char ot[32], op[16];
  const cJSON *obj;
  gs_errbuf_t eb = {{0}};
  if (root == NULL)
    gs_errbuf_set(&eb, GS_EINVAL, "notification: expected JSON, found %zu "
                  "bytes that do not parse", body->len);
  if (root == NULL ||
      gs_oadr_parse_notification(root, ot, sizeof ot, op, sizeof op, &obj,
                                 &eb) != GS_OK) {
    cJSON_Delete(root);
    b->st.bad_payloads++;
    gs__oadr_record(b, ven, 1, 2, eb.msg);
    return reply(c, MHD_HTTP_BAD_REQUEST, "Bad Request", eb.msg);
  }
  b->st.notifications++;
  h->served++;
  if (strcmp(ot, "EVENT") == 0) {
    if (strcmp(op, "DELETE") == 0) {
      const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "id");
      if (cJSON_IsString(id)) gs__oadr_drop_event(b, v, id->valuestring, 1);
    } else if (strcmp(op, "READ") != 0) {
      gs__oadr_take_event(b, v, obj, "notification.object", 1);
    }
  }
  cJSON_Delete(root);
  return reply(c, MHD_HTTP_OK, NULL, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_size, void **con_cls) {
  (void)version;
  gs_oadr_hook_t *h = cls;
  if (*con_cls == NULL) { /* headers only: make room for the body */
    gs__hook_body_t *body = calloc(1, sizeof *body);
    if (body == NULL) return MHD_NO;
    *con_cls = body;
    return MHD_YES;
  }
  gs__hook_body_t *body = *con_cls;
  if (*upload_size > 0) {
    if (body->len + *upload_size > GS__HOOK_MAX_BODY) {
      body->too_large = true;
    } else if (!body->too_large) {
      char *g = realloc(body->data, body->len + *upload_size + 1);
      if (g == NULL) return MHD_NO;
      memcpy(g + body->len, upload_data, *upload_size);
      body->data = g;
      body->len += *upload_size;
      body->data[body->len] = '\0';
    }
    *upload_size = 0;
    return MHD_YES;
  }
  if (strcmp(method, "POST") != 0)
    return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed",
                 "callbacks take POST");
  if (body->too_large)
    return reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "Content Too Large",
                 "a notification of more than 1 MiB");
  char *end;
  unsigned long ven = 0;
  bool ok = strncmp(url, "/notify/", 8) == 0 && url[8] >= '0' &&
            url[8] <= '9';
  if (ok) ven = strtoul(url + 8, &end, 10);
  if (!ok || *end != '\0' || ven >= h->b->n_vens || h->b->closing)
    return reply(c, MHD_HTTP_NOT_FOUND, "Not Found",
                 "no VEN has this callback URL");
  return take(h, c, (uint32_t)ven, body);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode code) {
  (void)cls, (void)c, (void)code;
  gs__hook_body_t *body = *con_cls;
  if (body) {
    free(body->data);
    free(body);
  }
  *con_cls = NULL;
}

gs_err_t gs__oadr_hook_start(gs_oadr_t *b, gs_oadr_hook_t **out,
                             gs_errbuf_t *eb) {
  gs_oadr_hook_t *h = calloc(1, sizeof *h);
  if (h == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "oadr: out of memory");
  h->b = b;
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = 0; /* any free port: the callback URL names it */
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  /* No thread: MHD runs from the pacer's poll, through its epoll fd. */
  h->d = MHD_start_daemon(
      MHD_USE_EPOLL | MHD_USE_TURBO, 0, NULL, NULL, on_request, h,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)512, MHD_OPTION_END);
  if (h->d == NULL) {
    free(h);
    return gs_errbuf_set(eb, GS_EIO, "oadr: cannot start the webhook "
                         "receiver on 127.0.0.1");
  }
  const union MHD_DaemonInfo *fd =
      MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
  const union MHD_DaemonInfo *port =
      MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
  if (fd == NULL || port == NULL) {
    MHD_stop_daemon(h->d);
    free(h);
    return gs_errbuf_set(eb, GS_EIO, "oadr: webhook receiver: no epoll "
                         "descriptor or port");
  }
  h->epoll_fd = fd->epoll_fd;
  h->port = port->port;
  *out = h;
  return GS_OK;
}

uint16_t gs__oadr_hook_port(const gs_oadr_hook_t *h) { return h->port; }

size_t gs__oadr_hook_fill(gs_oadr_hook_t *h, struct pollfd *fds, size_t cap,
                          int64_t *timeout_us) {
  if (h == NULL || cap == 0) return 0;
  fds[0] = (struct pollfd){.fd = h->epoll_fd, .events = POLLIN};
  MHD_UNSIGNED_LONG_LONG ms;
  if (MHD_get_timeout(h->d, &ms) == MHD_YES &&
      (int64_t)ms * 1000 < *timeout_us)
    *timeout_us = (int64_t)ms * 1000;
  return 1;
}

size_t gs__oadr_hook_service(gs_oadr_hook_t *h, const struct pollfd *fds,
                             size_t n) {
  if (h == NULL || n == 0) return 0;
  h->served = 0;
  MHD_UNSIGNED_LONG_LONG ms = 1;
  /* Also without input when a connection's timeout is due. */
  if (fds[0].revents ||
      (MHD_get_timeout(h->d, &ms) == MHD_YES && ms == 0))
    MHD_run(h->d);
  return h->served;
}

void gs__oadr_hook_stop(gs_oadr_hook_t *h) {
  if (h == NULL) return;
  MHD_stop_daemon(h->d);
  free(h);
}
