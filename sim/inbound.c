/* SPDX-License-Identifier: MIT */
/* The record of inbound bridge messages: an append-only list of copies. */
#include "inbound.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gs_inbound {
  gs_inbound_msg_t *m;
  size_t n, cap;
  char mode[16];
};

gs_inbound_t *gs_inbound_create(void) {
  gs_inbound_t *in = calloc(1, sizeof *in);
  if (in != NULL) snprintf(in->mode, sizeof in->mode, "live");
  return in;
}

void gs_inbound_destroy(gs_inbound_t *in) {
  if (in == NULL) return;
  for (size_t i = 0; i < in->n; i++) {
    free(in->m[i].topic);
    free(in->m[i].payload);
  }
  free(in->m);
  free(in);
}

uint64_t gs_inbound_position(const gs_engine_t *eng) {
  return gs_engine_events_processed(eng) + gs_engine_events_cancelled(eng);
}

gs_err_t gs_inbound_add_at(gs_inbound_t *in, gs_time_us_t t_us,
                           uint64_t position, gs_inbound_role_t role,
                           int64_t ven, const char *topic,
                           const void *payload, size_t len) {
  if (in == NULL || topic == NULL || (payload == NULL && len > 0))
    return GS_EINVAL;
  if (in->n == in->cap) {
    size_t cap = in->cap ? 2 * in->cap : 64;
    gs_inbound_msg_t *g = realloc(in->m, cap * sizeof *g);
    if (g == NULL) return GS_ENOMEM;
    in->m = g;
    in->cap = cap;
  }
  gs_inbound_msg_t *m = &in->m[in->n];
  size_t tl = strlen(topic);
  m->topic = malloc(tl + 1);
  m->payload = malloc(len ? len : 1); /* never NULL: empty is not absent */
  if (m->topic == NULL || m->payload == NULL) {
    free(m->topic);
    free(m->payload);
    return GS_ENOMEM;
  }
  memcpy(m->topic, topic, tl + 1);
  if (len) memcpy(m->payload, payload, len);
  m->len = len;
  m->t_us = t_us;
  m->position = position;
  m->role = (uint8_t)role;
  m->ven = ven;
  in->n++;
  return GS_OK;
}

gs_err_t gs_inbound_add(gs_inbound_t *in, const gs_engine_t *eng,
                        gs_inbound_role_t role, int64_t ven,
                        const char *topic, const void *payload, size_t len) {
  if (eng == NULL) return GS_EINVAL;
  return gs_inbound_add_at(in, gs_engine_now(eng), gs_inbound_position(eng),
                           role, ven, topic, payload, len);
}

size_t gs_inbound_count(const gs_inbound_t *in) { return in ? in->n : 0; }

const gs_inbound_msg_t *gs_inbound_get(const gs_inbound_t *in, size_t i) {
  GS_ASSERT(in != NULL && i < in->n);
  return &in->m[i];
}

void gs_inbound_set_mode(gs_inbound_t *in, const char *mode) {
  if (in != NULL) snprintf(in->mode, sizeof in->mode, "%s", mode);
}

const char *gs_inbound_mode(const gs_inbound_t *in) {
  return in ? in->mode : "live";
}
