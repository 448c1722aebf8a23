/* SPDX-License-Identifier: MIT */
/* Webhook notifications: a bounded queue of POSTs on libcurl's multi socket API. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "vtn_http.h"

/* One notification to send (queued or in flight). */
typedef struct note {
  char *url, *body;
  struct curl_slist *headers;
  CURL *easy;
  struct note *next;
} note_t;

/* A socket libcurl asked us to watch. */
typedef struct sock {
  curl_socket_t fd;
  int what; /* CURL_POLL_IN / OUT / INOUT */
} sock_t;

struct gs_vtn_notify {
  CURLM *multi;
  size_t max_pending, max_active;
  long timeout_ms;
  note_t *head, *tail; /* queued, not started */
  note_t *active;      /* in flight */
  size_t n_pending, n_active;
  sock_t *socks;
  size_t n_socks, cap_socks;
  int64_t deadline_us; /* libcurl's timer; < 0: none */
  gs_vtn_notify_stats_t st;
};

static void note_free(note_t *n) {
  if (n == NULL) return;
  if (n->easy) curl_easy_cleanup(n->easy);
  curl_slist_free_all(n->headers);
  free(n->url);
  free(n->body);
  free(n);
}

/* libcurl tells which sockets to watch and for what; they are polled
 * with everything else on the pacer's one poll(), so webhooks never block
 * the server (no thread, no curl_multi_wait). */
static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp,
                     void *socketp) {
  gs_vtn_notify_t *n = userp;
  (void)easy;
  (void)socketp;
  size_t i = 0;
  while (i < n->n_socks && n->socks[i].fd != s) i++;
  if (what == CURL_POLL_REMOVE) {
    if (i < n->n_socks) n->socks[i] = n->socks[--n->n_socks];
    return 0;
  }
  if (i == n->n_socks) {
    if (n->n_socks == n->cap_socks) {
      size_t cap = n->cap_socks ? 2 * n->cap_socks : 16;
      sock_t *g = realloc(n->socks, cap * sizeof *g);
      if (g == NULL) return -1; /* libcurl fails the transfer */
      n->socks = g;
      n->cap_socks = cap;
    }
    n->n_socks++;
  }
  n->socks[i] = (sock_t){.fd = s, .what = what};
  return 0;
}

/* libcurl's one timer (connect and transfer timeouts, retries): the
 * pacer's poll wakes up for it through src_fill's timeout. */
static int on_timer(CURLM *multi, long timeout_ms, void *userp) {
  gs_vtn_notify_t *n = userp;
  (void)multi;
  n->deadline_us = timeout_ms < 0 ? -1 : gs_pace_mono_us() + timeout_ms * 1000;
  return 0;
}

/* Discards what a webhook answers. */
static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud) {
  (void)ptr;
  (void)ud;
  return size * nmemb;
}

gs_vtn_notify_t *gs_vtn_notify_create(size_t max_pending, size_t max_active,
                                      double timeout_s, gs_errbuf_t *eb) {
  gs_vtn_notify_t *n = calloc(1, sizeof *n);
  if (n == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
      (n->multi = curl_multi_init()) == NULL) {
    free(n);
    gs_errbuf_set(eb, GS_ENOMEM, "webhooks: cannot initialise libcurl");
    return NULL;
  }
  n->max_pending = max_pending;
  n->max_active = max_active ? max_active : 1;
  n->timeout_ms = (long)(timeout_s * 1000);
  n->deadline_us = -1;
  curl_multi_setopt(n->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(n->multi, CURLMOPT_SOCKETDATA, n);
  curl_multi_setopt(n->multi, CURLMOPT_TIMERFUNCTION, on_timer);
  curl_multi_setopt(n->multi, CURLMOPT_TIMERDATA, n);
  return n;
}

/* Starts queued notifications while slots are free. */
static void start_pending(gs_vtn_notify_t *n) {
  while (n->head && n->n_active < n->max_active) {
    note_t *x = n->head;
    n->head = x->next;
    if (n->head == NULL) n->tail = NULL;
    n->n_pending--;
    x->next = NULL;
    CURL *e = curl_easy_init();
    if (e == NULL) {
      n->st.failed++;
      note_free(x);
      continue;
    }
    x->easy = e;
    curl_easy_setopt(e, CURLOPT_URL, x->url);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, n->timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    /* A subscriber's URL must not reach files or other schemes. */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    if (curl_multi_add_handle(n->multi, e) != CURLM_OK) {
      n->st.failed++;
      note_free(x);
      continue;
    }
    x->next = n->active;
    n->active = x;
    n->n_active++;
  }
}

void gs_vtn_notify_push(void *ud, const char *url, const char *bearer,
                        const char *body) {
  gs_vtn_notify_t *n = ud;
  if (n->n_pending >= n->max_pending) {
    n->st.dropped++;
    return;
  }
  note_t *x = calloc(1, sizeof *x);
  if (x == NULL || (x->url = strdup(url)) == NULL ||
      (x->body = strdup(body)) == NULL) {
    n->st.dropped++;
    note_free(x);
    return;
  }
  struct curl_slist *h =
      curl_slist_append(NULL, "Content-Type: application/json");
  if (h && bearer) {
    size_t len = strlen(bearer) + 32;
    char *line = malloc(len);
    struct curl_slist *h2 = NULL;
    if (line) {
      strcpy(line, "Authorization: Bearer ");
      strcat(line, bearer);
      h2 = curl_slist_append(h, line);
      free(line);
    }
    if (h2 == NULL) {
      curl_slist_free_all(h);
      h = NULL;
    }
  }
  if (h == NULL) {
    n->st.dropped++;
    note_free(x);
    return;
  }
  x->headers = h;
  if (n->tail) n->tail->next = x;
  else n->head = x;
  n->tail = x;
  n->n_pending++;
  n->st.queued++;
  start_pending(n);
}

static size_t src_max_fds(void *ud) {
  gs_vtn_notify_t *n = ud;
  return n->n_socks;
}

static size_t src_fill(void *ud, struct pollfd *fds, size_t cap,
                       int64_t *timeout_us) {
  gs_vtn_notify_t *n = ud;
  size_t k = 0;
  for (size_t i = 0; i < n->n_socks && k < cap; i++) {
    short ev = 0;
    if (n->socks[i].what & CURL_POLL_IN) ev |= POLLIN;
    if (n->socks[i].what & CURL_POLL_OUT) ev |= POLLOUT;
    fds[k++] = (struct pollfd){.fd = n->socks[i].fd, .events = ev};
  }
  if (n->deadline_us >= 0) {
    int64_t rem = n->deadline_us - gs_pace_mono_us();
    if (rem < *timeout_us) *timeout_us = rem > 0 ? rem : 0;
  }
  return k;
}

/* Collects finished transfers and starts queued ones. */
static void reap(gs_vtn_notify_t *n) {
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(n->multi, &left)) != NULL) {
    if (m->msg != CURLMSG_DONE) continue;
    note_t *x = NULL;
    long code = 0;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
    curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
    if (m->data.result == CURLE_OK && code >= 200 && code < 300)
      n->st.sent++;
    else
      n->st.failed++;
    curl_multi_remove_handle(n->multi, m->easy_handle);
    for (note_t **p = &n->active; *p; p = &(*p)->next)
      if (*p == x) {
        *p = x->next;
        break;
      }
    note_free(x);
    n->n_active--;
  }
  start_pending(n);
}

static size_t src_service(void *ud, gs_engine_t *eng,
                          const struct pollfd *fds, size_t nfds) {
  gs_vtn_notify_t *n = ud;
  (void)eng;
  int running;
  for (size_t i = 0; i < nfds; i++) {
    if (fds[i].revents == 0) continue;
    int ev = 0;
    if (fds[i].revents & POLLIN) ev |= CURL_CSELECT_IN;
    if (fds[i].revents & POLLOUT) ev |= CURL_CSELECT_OUT;
    if (fds[i].revents & (POLLERR | POLLHUP | POLLNVAL)) ev |= CURL_CSELECT_ERR;
    curl_multi_socket_action(n->multi, fds[i].fd, ev, &running);
  }
  if (n->deadline_us >= 0 && gs_pace_mono_us() >= n->deadline_us) {
    n->deadline_us = -1;
    curl_multi_socket_action(n->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  }
  reap(n);
  return 0; /* notifications leave; nothing enters the simulation */
}

gs_pace_source_t gs_vtn_notify_source(gs_vtn_notify_t *n) {
  return (gs_pace_source_t){.max_fds = src_max_fds,
                            .fill = src_fill,
                            .service = src_service,
                            .ud = n};
}

int gs_vtn_notify_idle(void *ud) {
  const gs_vtn_notify_t *n = ud;
  return n->n_active == 0 && n->n_pending == 0;
}

void gs_vtn_notify_stats(const gs_vtn_notify_t *n,
                         gs_vtn_notify_stats_t *out) {
  *out = n->st;
}

void gs_vtn_notify_destroy(gs_vtn_notify_t *n) {
  if (n == NULL) return;
  /* In-flight transfers are abandoned. */
  while (n->active) {
    note_t *x = n->active;
    n->active = x->next;
    curl_multi_remove_handle(n->multi, x->easy);
    note_free(x);
  }
  curl_multi_cleanup(n->multi);
  while (n->head) {
    note_t *x = n->head;
    n->head = x->next;
    note_free(x);
  }
  free(n->socks);
  free(n);
}
