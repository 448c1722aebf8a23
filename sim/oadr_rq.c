/* SPDX-License-Identifier: MIT */
/* OpenADR VEN role: each VEN's queue of reports, sent in order, retried. */
#include <math.h>
#include <stdlib.h>

#include "oadr_priv.h"

static void add_record(gs_oadr_t *b, const gs__orep_t *r, uint32_t ven,
                       int32_t status, double latency_ms) {
  if (b->n_rec == b->cap_rec) {
    size_t cap = b->cap_rec ? b->cap_rec * 2 : 256;
    gs__orec_t *g = realloc(b->rec, cap * sizeof *g);
    if (g == NULL) return;
    b->rec = g;
    b->cap_rec = cap;
  }
  b->rec[b->n_rec++] = (gs__orec_t){.due_us = r->due_sim_us, .ven = ven,
                                    .attempts = r->attempt + 1,
                                    .status = status,
                                    .latency_ms = (float)latency_ms};
}

static void pop_report(gs__oven_t *v) {
  gs__orep_t *r = v->rq_head;
  v->rq_head = r->next;
  if (v->rq_head == NULL) v->rq_tail = NULL;
  v->rq_len--;
  free(r->body);
  free(r);
}

void gs__oadr_queue_report(gs_oadr_t *b, gs__oven_t *v, char *body,
                           gs_time_us_t due_sim_us) {
  b->st.reports_built++;
  if (body == NULL) { /* out of memory building it */
    b->st.reports_dropped++;
    return;
  }
  /* Bounded: the oldest report not being sent makes room; counted. */
  if (v->rq_len >= b->cfg.report_queue) {
    gs__orep_t **pp = &v->rq_head;
    if (v->rep_busy) pp = &(*pp)->next;
    gs__orep_t *old = *pp;
    if (old == NULL) {
      free(body);
      b->st.reports_dropped++;
      return;
    }
    add_record(b, old, v->index, -1, NAN);
    *pp = old->next;
    if (v->rq_tail == old) v->rq_tail = pp == &v->rq_head ? NULL : v->rq_head;
    v->rq_len--;
    free(old->body);
    free(old);
    b->st.reports_dropped++;
  }
  gs__orep_t *r = calloc(1, sizeof *r);
  if (r == NULL) {
    free(body);
    b->st.reports_dropped++;
    return;
  }
  r->body = body;
  r->due_sim_us = due_sim_us;
  int64_t lag = b->pace ? gs_pace_lag_us(b->pace, due_sim_us) : 0;
  r->due_mono_us = gs_pace_mono_us() - (lag > 0 ? lag : 0);
  if (v->rq_tail) v->rq_tail->next = r;
  else v->rq_head = r;
  v->rq_tail = r;
  v->rq_len++;
  if (v->rq_len > b->st.report_queue_max) b->st.report_queue_max = v->rq_len;
  if (!v->rep_busy && v->rq_len == 1) v->rep_next_us = gs_pace_mono_us();
  gs__oadr_due(b, v->rep_next_us);
}

void gs__oadr_send_report(gs_oadr_t *b, gs__oven_t *v) {
  char url[GS__OADR_URL_MAX];
  gs__oadr_url(b, "/reports", url, sizeof url);
  if (v->rq_head->attempt > 0) b->st.retries++;
  v->rep_busy = true;
  gs__oadr_request(b, GS__OK_REPORT, v->index, "POST", url, v->rq_head->body, NULL,
          true);
}

void gs__oadr_on_report(gs_oadr_t *b, gs__oven_t *v,
                        const gs_oadr_resp_t *r, int64_t now) {
  v->rep_busy = false;
  gs__orep_t *head = v->rq_head;
  if (head == NULL) return;
  if (r->status >= 200 && r->status <= 299) {
    double ms = (double)(now - head->due_mono_us) / 1e3;
    gs_oadr_hist_add(&b->rep_lat, ms);
    add_record(b, head, v->index, (int32_t)r->status, ms);
    b->st.reports_sent++;
    pop_report(v);
    v->rep_next_us = now;
  } else if (gs__oadr_retryable(r) && !b->closing) {
    v->rep_next_us =
        now + (r->status == 401 && head->attempt == 0
                   ? 0
                   : gs_oadr_backoff_us(&b->cfg, head->attempt,
                                        gs_rng_uniform(&v->rng)));
    head->attempt++;
  } else { /* refused for good (4xx): dropped, counted */
    add_record(b, head, v->index, (int32_t)r->status, NAN);
    b->st.reports_dropped++;
    if (r->status >= 400 && r->status < 500) b->st.reports_rejected++;
    pop_report(v);
    v->rep_next_us = now;
  }
  if (v->rq_head) gs__oadr_due(b, v->rep_next_us);
}

void gs__oadr_rq_abandon(gs_oadr_t *b, gs__oven_t *v) {
  while (v->rq_head) {
    add_record(b, v->rq_head, v->index, -2, NAN);
    b->st.reports_dropped++;
    pop_report(v);
  }
}
