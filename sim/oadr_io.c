/* SPDX-License-Identifier: MIT */
/* The OpenADR VEN bridge's life: start on the pacer, drain, counters, summary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oadr_priv.h"
#include "scenario_priv.h"

static size_t src_max_fds(void *ud) {
  gs_oadr_t *b = ud;
  return gs_oadr_http_max_fds(b->http) + 1;
}

static size_t src_fill(void *ud, struct pollfd *fds, size_t cap,
                       int64_t *timeout_us) {
  gs_oadr_t *b = ud;
  size_t n = gs_oadr_http_fill(b->http, fds, cap, timeout_us);
  size_t m = gs__oadr_hook_fill(b->hook, fds + n, cap - n, timeout_us);
  /* The next due step or report, not sooner than the scan period. */
  int64_t now = gs_pace_mono_us();
  int64_t at = b->earliest_us > b->next_scan_us ? b->earliest_us
                                                : b->next_scan_us;
  if (at - now < *timeout_us) *timeout_us = at > now ? at - now : 0;
  b->hook_fds = m;
  return n + m;
}

static size_t src_service(void *ud, gs_engine_t *eng, const struct pollfd *fds,
                          size_t n) {
  (void)eng;
  gs_oadr_t *b = ud;
  uint64_t before = b->st.events_applied + b->st.events_deleted;
  size_t nh = n - b->hook_fds;
  gs_oadr_http_service(b->http, fds, nh);
  gs__oadr_hook_service(b->hook, fds + nh, b->hook_fds);
  int64_t now = gs_pace_mono_us();
  if (now >= b->next_scan_us && now >= b->earliest_us) {
    gs__oadr_scan(b, now);
    b->next_scan_us = now + GS__OADR_SCAN_US;
  }
  return (size_t)(b->st.events_applied + b->st.events_deleted - before);
}

gs_err_t gs_oadr_start(gs_oadr_t *b, gs_world_t *w, gs_pace_t *pace,
                       gs_errbuf_t *eb) {
  if (b == NULL || w == NULL || pace == NULL || b->vens != NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "gs_oadr_start: bad arguments");
  if (w->n_vens > UINT32_MAX / 2)
    return gs_errbuf_set(eb, GS_ERANGE, "oadr: too many VENs");
  b->world = w;
  b->pace = pace;
  b->n_vens = (uint32_t)w->n_vens;
  b->st.vens = b->n_vens;
  b->vens = calloc(b->n_vens ? b->n_vens : 1, sizeof *b->vens);
  if (b->vens == NULL)
    return gs_errbuf_set(eb, GS_ENOMEM, "oadr: out of memory for %u VENs",
                         b->n_vens);
  int64_t now = gs_pace_mono_us();
  b->start_us = now;
  b->st.enroll_s = -1;
  for (uint32_t i = 0; i < b->n_vens; i++) {
    gs__oven_t *v = &b->vens[i];
    v->index = i;
    gs_world_ven_id(w, i, v->name, sizeof v->name);
    snprintf(v->group, sizeof v->group, "%s",
             w->scenario->groups[w->ven_group[i]].name);
    gs_rng_init(&v->rng, w->scenario->seed, gs_rng_key(v->name, 0, 0),
                GS_RNG_USER + 8);
    v->next_us = now;
  }
  b->http = gs_oadr_http_create(b->cfg.max_connections, b->cfg.max_inflight,
                                b->cfg.timeout_us, eb);
  if (b->http == NULL) return GS_ENOMEM;
  if (b->cfg.webhook) {
    gs_err_t err = gs__oadr_hook_start(b, &b->hook, eb);
    if (err != GS_OK) return err;
  }
  /* The probe: an entity of its own, so meters are read at the exact
   * simulated instants of report interval boundaries. */
  gs_model_init_t init = {.seed = w->scenario->seed,
                          .key = gs_rng_key("oadr_probe", 0, 0),
                          .id = "oadr_probe",
                          .ven = GS_ENTITY_NONE,
                          .meter = GS_METER_NONE,
                          .world = w};
  gs_err_t err = gs_engine_add_entity(w->engine, &gs__oadr_probe_type, &init,
                                      &b->probe, eb);
  if (err != GS_OK) return err;
  *(gs_oadr_t **)gs_engine_state(w->engine, b->probe) = b;
  b->earliest_us = now;
  gs_pace_source_t src = {.max_fds = src_max_fds,
                          .fill = src_fill,
                          .service = src_service,
                          .ud = b};
  return gs_pace_add_source(pace, &src) == GS_OK
             ? GS_OK
             : gs_errbuf_set(eb, GS_ENOMEM, "oadr: out of memory");
}

static int drained(void *ud) {
  gs_oadr_t *b = ud;
  for (uint32_t i = 0; i < b->n_vens; i++)
    if (b->vens[i].rq_head) return 0;
  return 1;
}

void gs_oadr_close(gs_oadr_t *b, gs_engine_t *eng, double wait_s) {
  if (b == NULL || b->vens == NULL) return;
  /* Polling stops; reports due by the end are still sent. */
  b->closing = true;
  if (b->pace && wait_s > 0)
    gs_pace_drain(b->pace, eng, (int64_t)(wait_s * 1e6), drained, b);
  for (uint32_t i = 0; i < b->n_vens; i++) gs__oadr_rq_abandon(b, &b->vens[i]);
}

void gs_oadr_get_stats(const gs_oadr_t *b, gs_oadr_stats_t *out) {
  *out = b->st;
}

void gs_oadr_hist_add(gs_oadr_hist_t *h, double ms) {
  if (!(ms >= 0)) return; /* NaN */
  double k = ms > 1e-3 ? floor(50 * log10(ms / 1e-3)) : 0;
  size_t i = k >= GS_OADR_HIST_BUCKETS ? GS_OADR_HIST_BUCKETS - 1
                                       : (size_t)k;
  h->count[i]++;
  h->n++;
  if (ms > h->max_ms) h->max_ms = ms;
}

double gs_oadr_hist_quantile(const gs_oadr_hist_t *h, double q) {
  if (h->n == 0) return NAN;
  if (q >= 1) return h->max_ms;
  uint64_t rank = (uint64_t)ceil(q * (double)h->n), seen = 0;
  if (rank == 0) rank = 1;
  for (size_t i = 0; i < GS_OADR_HIST_BUCKETS; i++) {
    seen += h->count[i];
    if (seen >= rank) {
      double mid = 1e-3 * pow(10, ((double)i + 0.5) / 50);
      return mid < h->max_ms ? mid : h->max_ms;
    }
  }
  return h->max_ms;
}

double gs_oadr_report_latency_ms(const gs_oadr_t *b, double q) {
  return gs_oadr_hist_quantile(&b->rep_lat, q);
}

double gs_oadr_request_latency_ms(const gs_oadr_t *b, double q) {
  return gs_oadr_hist_quantile(&b->req_lat, q);
}

static cJSON *num_or_null(double x) {
  return isfinite(x) ? cJSON_CreateNumber(round(x * 1000) / 1000)
                     : cJSON_CreateNull();
}

gs_err_t gs_oadr_summary_fill(const gs_oadr_t *b, cJSON *summary) {
  cJSON *o = cJSON_AddObjectToObject(summary, "oadr");
  if (o == NULL) return GS_ENOMEM;
  const gs_oadr_stats_t *s = &b->st;
  const struct { const char *k; double v; } f[] = {
      {"vens", s->vens}, {"enrolled", s->enrolled},
      {"subscribed", s->subscribed}, {"requests", (double)s->requests},
      {"retries", (double)s->retries}, {"polls", (double)s->polls},
      {"polls_steady", (double)s->polls_steady},
      {"status_2xx", (double)s->status_2xx},
      {"status_4xx", (double)s->status_4xx},
      {"status_5xx", (double)s->status_5xx},
      {"transport_errors", (double)s->transport_errors},
      {"unauthorized", (double)s->unauthorized},
      {"token_fetches", (double)s->token_fetches},
      {"bad_payloads", (double)s->bad_payloads},
      {"events_received", (double)s->events_received},
      {"events_applied", (double)s->events_applied},
      {"events_deleted", (double)s->events_deleted},
      {"notifications", (double)s->notifications},
      {"reports_built", (double)s->reports_built},
      {"reports_sent", (double)s->reports_sent},
      {"reports_dropped", (double)s->reports_dropped},
      {"reports_rejected", (double)s->reports_rejected},
      {"report_queue_max", s->report_queue_max}};
  if (!cJSON_AddItemToObject(o, "enroll_s", num_or_null(s->enroll_s >= 0
                                                         ? s->enroll_s
                                                         : NAN)) ||
      !cJSON_AddStringToObject(o, "url", b->base) ||
      !cJSON_AddStringToObject(o, "version",
                               gs_oadr_version_name(b->cfg.version)) ||
      !cJSON_AddBoolToObject(o, "webhook", b->notifiers == 1))
    return GS_ENOMEM;
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if (!cJSON_AddNumberToObject(o, f[i].k, f[i].v)) return GS_ENOMEM;
  const struct { const char *k; double q; bool rep; } lat[] = {
      {"report_latency_ms_p50", 0.5, true},
      {"report_latency_ms_p99", 0.99, true},
      {"report_latency_ms_max", 1.0, true},
      {"request_latency_ms_p50", 0.5, false},
      {"request_latency_ms_p99", 0.99, false}};
  for (size_t i = 0; i < sizeof lat / sizeof lat[0]; i++) {
    double x = lat[i].rep ? gs_oadr_report_latency_ms(b, lat[i].q)
                          : gs_oadr_request_latency_ms(b, lat[i].q);
    if (!cJSON_AddItemToObject(o, lat[i].k, num_or_null(x))) return GS_ENOMEM;
  }
  return GS_OK;
}

void gs_oadr_summary_print(FILE *out, const gs_oadr_t *b) {
  const gs_oadr_stats_t *s = &b->st;
  fprintf(out,
          "openadr %s at %s: %u of %u VENs enrolled (%u subscribed), "
          "%llu requests (%llu retries, %llu 401s, %llu 5xx, %llu transport "
          "errors), %llu events applied, %llu reports sent, %llu dropped, "
          "report latency p99 %.1f ms\n",
          gs_oadr_version_name(b->cfg.version), b->base, s->enrolled, s->vens,
          s->subscribed, (unsigned long long)s->requests,
          (unsigned long long)s->retries, (unsigned long long)s->unauthorized,
          (unsigned long long)s->status_5xx,
          (unsigned long long)s->transport_errors,
          (unsigned long long)s->events_applied,
          (unsigned long long)s->reports_sent,
          (unsigned long long)s->reports_dropped,
          gs_oadr_report_latency_ms(b, 0.99));
}

void gs_oadr_destroy(gs_oadr_t *b) {
  if (b == NULL) return;
  /* The HTTP client first: its pending callbacks still see the VENs. */
  b->closing = true;
  gs_oadr_http_destroy(b->http);
  b->http = NULL;
  gs__oadr_hook_stop(b->hook);
  for (uint32_t i = 0; b->vens && i < b->n_vens; i++) {
    gs__oven_t *v = &b->vens[i];
    for (size_t k = 0; k < v->n_events; k++) {
      free(v->events[k].pending);
      free(v->events[k].jobs);
    }
    free(v->events);
    free(v->programs);
    while (v->rq_head) {
      gs__orep_t *r = v->rq_head;
      v->rq_head = r->next;
      free(r->body);
      free(r);
    }
  }
  gs__oadr_jobs_free(b);
  for (size_t i = 0; i < b->n_in; i++) free(b->in[i].payload);
  free(b->in);
  free(b->rec);
  free(b->vens);
  free(b->client_id);
  free(b->client_secret);
  free(b);
}
