/* SPDX-License-Identifier: MIT */
/* What a VEN publishes: telemetry, load snapshots, shadow updates, acks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gridsim/scenario.h"
#include "scenario_priv.h"
#include "ven_priv.h"

int64_t gs__ven_unix_s(gs_engine_t *eng, const gs__ven_t *v) {
  /* Whole seconds, as the reference VEN stamps its messages. */
  gs_time_us_t now = gs_engine_now(eng);
  return gs_scenario_start_unix_s(v->cfg->world->scenario) +
         (now >= 0 ? now / GS_US_PER_S : (now - 999999) / GS_US_PER_S);
}

const char *gs__ven_load_id(const gs__ven_t *v, uint8_t slot) {
  const gs_group_cfg_t *g =
      &v->cfg->world->scenario->groups[v->cfg->world->ven_group[v->index]];
  for (size_t j = 0; j < g->n_loads; j++)
    if ((v->present_mask >> j & 1) && slot-- == 0) return g->loads[j].id;
  return "?";
}

const char *gs__ven_event_id(const gs__ven_t *v) {
  if (v->active >= 0) return v->cfg->world->scenario->events[v->active].id;
  if (v->active <= GS_VEN_WIRE_BASE)
    return v->cfg->world->cmds[GS_VEN_WIRE_BASE - v->active].cmd->event_id;
  return NULL;
}

void gs__ven_publish(gs__ven_t *v, gs_topic_t topic, char *payload) {
  const gs_ven_sink_t *sink = v->cfg->world ? v->cfg->world->sink : NULL;
  if (sink && payload) sink->publish(sink->ud, v->index, topic, payload);
  free(payload);
}

/* Fills the wire view of the VEN and its circuits (`loads` has room for
 * GS_VEN_MAX_LOADS). `id` receives the VEN id. */
static void wire_view(gs_engine_t *eng, gs__ven_t *v, gs_wire_ven_t *w,
                      gs_wire_load_t *loads, char *id, size_t id_size) {
  gs_world_ven_id(v->cfg->world, v->index, id, id_size);
  double soc = -1;
  for (uint8_t i = 0; i < v->n_loads; i++) {
    gs_entity_id_t lid = v->first_load + i;
    const gs_model_type_t *t = gs_engine_type(eng, lid);
    gs_load_status_t st;
    memset(&st, 0, sizeof st);
    st.soc_pct = -1;
    if (t->status) t->status(gs_engine_state(eng, lid), gs_engine_now(eng),
                             &st);
    gs_wire_load_t *l = &loads[i];
    gs_wire_load_names(t->name, &l->type, &l->name);
    l->id = gs__ven_load_id(v, i);
    l->capacity_kw = (double)st.capacity_mw / 1e6;
    l->breaker_amps =
        (int)((double)st.capacity_mw / 1e3 / (double)v->cfg->panel_voltage +
              0.5);
    l->current_kw = (double)st.power_mw / 1e6;
    l->shed_capability_kw = (double)st.shed_capability_mw / 1e6;
    l->enabled = st.enabled;
    l->critical = st.critical;
    if (strcmp(t->name, "battery") == 0 && st.soc_pct >= 0) soc = st.soc_pct;
  }
  const char *ev = gs__ven_event_id(v);
  int64_t power = gs_meters_power_mw(gs_engine_meters(eng), v->meter);
  *w = (gs_wire_ven_t){
      .ven_id = id,
      .ts = gs__ven_unix_s(eng, v),
      .used_kw = (double)power / 1e6,
      .shed_kw = ev ? (double)v->shed_mw / 1e6 : 0,
      .requested_kw = ev ? (double)v->requested_mw / 1e6 : 0,
      .event_id = ev,
      .event_end_ts = gs_scenario_start_unix_s(v->cfg->world->scenario) +
                      v->event_end_us / GS_US_PER_S,
      /* Outside an event the reference VEN reports its present power as
       * baseline; during one, the mean before the event. */
      .baseline_kw = ev ? (double)v->baseline_mw / 1e6 : (double)power / 1e6,
      .message_num = v->message_num,
      .panel_amps = v->cfg->panel_amps,
      .panel_voltage = v->cfg->panel_voltage,
      .battery_soc_pct = soc,
      .loads = loads,
      .n_loads = v->n_loads,
  };
}

char *gs__ven_telemetry_json(gs_engine_t *eng, gs__ven_t *v) {
  gs_wire_load_t loads[GS_VEN_MAX_LOADS];
  gs_wire_ven_t w;
  char id[96];
  wire_view(eng, v, &w, loads, id, sizeof id);
  return gs_wire_telemetry(&w);
}

void gs__ven_publish_telemetry(gs_engine_t *eng, gs__ven_t *v) {
  v->message_num++;
  gs__ven_publish(v, GS_TOPIC_TELEMETRY, gs__ven_telemetry_json(eng, v));
}

void gs__ven_publish_snapshot(gs_engine_t *eng, gs__ven_t *v) {
  gs_wire_load_t loads[GS_VEN_MAX_LOADS];
  gs_wire_ven_t w;
  char id[96];
  wire_view(eng, v, &w, loads, id, sizeof id);
  gs__ven_publish(v, GS_TOPIC_LOADS, gs_wire_loads_snapshot(&w));
  gs__ven_publish(v, GS_TOPIC_SHADOW, gs_wire_shadow_update(&w));
}

void gs__ven_publish_event_ack(gs_engine_t *eng, gs__ven_t *v,
                               const char *status, const char *event_id,
                               int64_t request_mw, const gs__ven_cut_t *cuts,
                               size_t n, int64_t shed_mw, const char *corr) {
  if (v->cfg->world == NULL || v->cfg->world->sink == NULL) return;
  gs_wire_curtailed_t c[GS_VEN_MAX_LOADS];
  for (size_t i = 0; i < n; i++) {
    gs_entity_id_t lid = v->first_load + cuts[i].slot;
    const gs_model_type_t *t = gs_engine_type(eng, lid);
    gs_load_status_t st;
    memset(&st, 0, sizeof st);
    t->status(gs_engine_state(eng, lid), gs_engine_now(eng), &st);
    const char *type;
    gs_wire_load_names(t->name, &type, &c[i].name);
    c[i].id = gs__ven_load_id(v, cuts[i].slot);
    c[i].breaker_amps =
        (int)((double)st.capacity_mw / 1e3 / (double)v->cfg->panel_voltage +
              0.5);
    c[i].original_kw = (double)cuts[i].original_mw / 1e6;
    c[i].curtailed_kw = (double)cuts[i].cut_mw / 1e6;
    c[i].final_kw = (double)(cuts[i].original_mw - cuts[i].cut_mw) / 1e6;
    c[i].critical = st.critical;
  }
  gs__ven_publish(v, GS_TOPIC_ACK,
                  gs_wire_ack_event(status, event_id, (double)request_mw / 1e6,
                                    (double)shed_mw / 1e6, c, n,
                                    gs__ven_unix_s(eng, v), corr));
}
