/* SPDX-License-Identifier: MIT */
/* Real VENs in the world: their entities and meters, and the program's view. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridsim/rng.h"
#include "mqtt_cfg.h"
#include "real_priv.h"
#include "scenario_priv.h"

/* The meter a real VEN hangs off: its transformer's, else its feeder's,
 * else the fleet's. */
static uint32_t parent_meter(const gs_world_t *w, const gs_real_ven_cfg_t *c) {
  if (w->grid != NULL && c->xfmr >= 0) return w->xfmr_meter[c->xfmr];
  if (w->grid != NULL && c->feeder >= 0) return w->feeder_meter[c->feeder];
  return w->fleet_meter;
}

gs_err_t gs_real_attach(gs_world_t *w, const gs_world_t *feed,
                        gs_errbuf_t *eb) {
  const gs_real_cfg_t *cfg = w->scenario->real;
  if (cfg == NULL || cfg->n == 0) return GS_OK;
  gs_mqtt_cfg_t mcfg;
  gs_err_t err = gs_mqtt_cfg_from_json(w->scenario->json, w->scenario->file,
                                       &mcfg, eb);
  if (err != GS_OK) return err;
  gs_real_t *r = calloc(1, sizeof *r);
  if (r == NULL) goto nomem;
  w->real = r;
  r->cfg = cfg;
  r->n = cfg->n;
  r->entity = calloc(r->n, sizeof *r->entity);
  r->meter = calloc(r->n, sizeof *r->meter);
  r->ack_topic = calloc(r->n, sizeof *r->ack_topic);
  if (!r->entity || !r->meter || !r->ack_topic) goto nomem;
  for (size_t i = 0; i < r->n; i++) {
    const gs_real_ven_cfg_t *c = &cfg->vens[i];
    if (!gs_mqtt_topic_expand(mcfg.topics[GS_MQTT_T_ACK], c->ven_id,
                              r->ack_topic[i], sizeof r->ack_topic[i]))
      return gs_errbuf_set(eb, GS_ERANGE, "mqtt.topics.ack: topic too long "
                           "for real VEN %s", c->ven_id);
    if (gs_meters_add(gs_engine_meters(w->engine), parent_meter(w, c),
                      &r->meter[i]) != GS_OK)
      goto nomem;
    gs_model_init_t init = {.seed = w->scenario->seed, .key = i,
                            .id = c->ven_id, .ven = GS_ENTITY_NONE,
                            .meter = r->meter[i], .world = w};
    err = gs_engine_add_entity(w->engine, &gs__model_real_ven, &init,
                               &r->entity[i], eb);
    if (err != GS_OK) return err;
  }
  if (feed != NULL && feed->real != NULL) {
    r->feed = feed->real;
    gs__real_schedule_feed(w);
  }
  return GS_OK;
nomem:
  return gs_errbuf_set(eb, GS_ENOMEM, "out of memory for the real VENs");
}

void gs_real_free(gs_world_t *w) {
  gs_real_t *r = w ? w->real : NULL;
  if (r == NULL) return;
  free(r->entity);
  free(r->meter);
  free(r->ack_topic);
  free(r->msgs);
  free(r->samples);
  free(r->status);
  free(r);
  w->real = NULL;
}

void gs_real_set_sink(gs_world_t *w, const gs_real_sink_t *sink) {
  if (w == NULL || w->real == NULL) return;
  w->real->sink = sink ? *sink : (gs_real_sink_t){0};
}

gs_err_t gs__real_sample(gs_real_t *r, gs_time_us_t t_us, uint32_t ven,
                         int64_t power_mw, int64_t shed_mw, int64_t cap_mw,
                         int32_t event) {
  if (r->n_samples == r->cap_samples) {
    size_t cap = r->cap_samples ? 2 * r->cap_samples : 256;
    gs_real_sample_t *g = realloc(r->samples, cap * sizeof *g);
    if (g == NULL) return GS_ENOMEM;
    r->samples = g;
    r->cap_samples = cap;
  }
  r->samples[r->n_samples++] = (gs_real_sample_t){
      .t_us = t_us, .power_mw = power_mw, .shed_mw = shed_mw,
      .cap_mw = cap_mw, .ven = ven, .event = event};
  return GS_OK;
}

long gs__real_ack_topic(const gs_real_t *r, const char *topic) {
  for (size_t i = 0; i < r->n; i++)
    if (strcmp(r->ack_topic[i], topic) == 0) return (long)i;
  return -1;
}

const gs_real_status_t *gs__real_status(const gs_world_t *w, size_t *n) {
  *n = w->real ? w->real->n_status : 0;
  return w->real ? w->real->status : NULL;
}

size_t gs_real_count(const gs_world_t *w) { return w->real ? w->real->n : 0; }
const char *gs_real_id(const gs_world_t *w, size_t r) {
  return w->real->cfg->vens[r].ven_id;
}
uint32_t gs_real_meter(const gs_world_t *w, size_t r) {
  return w->real->meter[r];
}
gs_entity_id_t gs_real_entity(const gs_world_t *w, size_t r) {
  return w->real->entity[r];
}

void gs_real_get_stats(const gs_world_t *w, gs_real_stats_t *out) {
  *out = w->real ? w->real->st : (gs_real_stats_t){0};
}

bool gs_real_targeted(const gs_world_t *w, const gs_dr_event_cfg_t *ev,
                      size_t k, size_t r) {
  const gs_real_ven_cfg_t *c = &w->real->cfg->vens[r];
  /* Real VENs speak the platform's shed command only: signals (OpenADR
   * payloads the simulated VENs interpret) are not sent to them. */
  if (ev->signal.kind != GS_SIGNAL_NONE) return false;
  switch (ev->target) {
  case GS_TARGET_ALL:
    return true;
  case GS_TARGET_GROUP: /* real VENs belong to no fleet group */
    return false;
  case GS_TARGET_FRACTION: {
    gs_rng_t rng;
    gs_rng_init(&rng, w->scenario->seed, gs_rng_key(c->ven_id, 0x7ea1, k),
                GS_RNG_PROGRAM);
    return gs_rng_uniform(&rng) < ev->fraction;
  }
  case GS_TARGET_LIST:
    for (size_t j = 0; j < ev->n_vens; j++)
      if (strcmp(ev->vens[j], c->ven_id) == 0) return true;
    return false;
  case GS_TARGET_FEEDER:
    return c->feeder >= 0 && (uint32_t)c->feeder == ev->grid_index;
  case GS_TARGET_TRANSFORMER:
    return c->xfmr >= 0 && (uint32_t)c->xfmr == ev->grid_index;
  }
  return false;
}

void gs_real_view(gs_engine_t *eng, const gs_world_t *w, size_t k,
                  uint64_t **vens, size_t *n, uint32_t *skipped) {
  (void)eng;
  if (w->real == NULL) return;
  const gs_dr_event_cfg_t *ev = gs_world_event(w, k);
  for (size_t r = 0; r < w->real->n; r++) {
    if (!gs_real_targeted(w, ev, k, r)) continue;
    /* Never heard, or silent for offline_after_s: the backend's VEN list
     * says offline, and the platform splits over online VENs only. */
    if (!gs_real_online(w, r)) {
      (*skipped)++;
      continue;
    }
    uint64_t *g = realloc(*vens, (*n + 1) * sizeof *g);
    GS_ASSERT(g != NULL); /* as the view's own growth */
    *vens = g;
    (*vens)[(*n)++] = w->n_vens + r;
  }
}

gs_err_t gs_real_summary_fill(const gs_world_t *w, cJSON *summary) {
  if (w->real == NULL) return GS_OK;
  const gs_real_stats_t *st = &w->real->st;
  size_t online = 0;
  for (size_t r = 0; r < w->real->n; r++) online += gs_real_online(w, r);
  cJSON *o = cJSON_AddObjectToObject(summary, "real_vens");
  struct { const char *k; double v; } nums[] = {
      {"count", (double)w->real->n}, {"online", (double)online},
      {"telemetry", (double)st->telemetry}, {"acks", (double)st->acks},
      {"errors", (double)st->errors}, {"unknown", (double)st->unknown},
      {"commands", (double)st->commands},
      {"offline_marks", (double)st->offline_marks},
      {"online_marks", (double)st->online_marks}};
  for (size_t i = 0; o && i < sizeof nums / sizeof nums[0]; i++)
    if (cJSON_AddNumberToObject(o, nums[i].k, nums[i].v) == NULL) o = NULL;
  return o ? GS_OK : GS_ENOMEM;
}
