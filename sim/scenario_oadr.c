/* SPDX-License-Identifier: MIT */
/* Validates the scenario's "oadr_ven" section (the OpenADR 3 VEN role). */
#include <string.h>

#include "oadr_cfg.h"
#include "scenario_util.h"

static const char *const oadr_keys[] = {
    "version",   "poll_s",       "page_limit",   "max_connections",
    "max_inflight", "timeout_s", "backoff_min_s", "backoff_max_s",
    "report_queue", "token_margin_s", "webhook", NULL};

static int64_t us_of(double s) { return (int64_t)(s * 1e6 + 0.5); }

/* The numbers of the section: key, rule, default, where it goes. */
static gs_err_t parse_numbers(gs__sctx_t *c, const cJSON *jo,
                              gs_oadr_cfg_t *cfg) {
  static const gs__num_rule_t poll = {.lo = 0.05, .hi = 86400, .unit = "s"};
  static const gs__num_rule_t page = {.lo = 1, .hi = 50, .integer = true};
  static const gs__num_rule_t conns = {.lo = 1, .hi = 4096, .integer = true};
  static const gs__num_rule_t infl = {.lo = 1, .hi = 100000, .integer = true};
  static const gs__num_rule_t tmo = {
      .lo = 0, .lo_open = true, .hi = 600, .unit = "s"};
  static const gs__num_rule_t boff = {
      .lo = 0, .lo_open = true, .hi = 3600, .unit = "s"};
  static const gs__num_rule_t queue = {.lo = 1, .hi = 1e6, .integer = true};
  static const gs__num_rule_t margin = {.lo = 0, .hi = 3600, .unit = "s"};
  double x;
  gs_err_t err;
  if ((err = gs__get_num(c, jo, "poll_s", &poll, false, 10, &x, NULL)))
    return err;
  cfg->poll_us = us_of(x);
  if ((err = gs__get_num(c, jo, "page_limit", &page, false, 50, &x, NULL)))
    return err;
  cfg->page_limit = (uint32_t)x;
  if ((err = gs__get_num(c, jo, "max_connections", &conns, false, 32, &x,
                         NULL)))
    return err;
  cfg->max_connections = (uint32_t)x;
  if ((err = gs__get_num(c, jo, "max_inflight", &infl, false, 256, &x, NULL)))
    return err;
  cfg->max_inflight = (uint32_t)x;
  if ((err = gs__get_num(c, jo, "timeout_s", &tmo, false, 10, &x, NULL)))
    return err;
  cfg->timeout_us = us_of(x);
  if ((err = gs__get_num(c, jo, "backoff_min_s", &boff, false, 0.5, &x,
                         NULL)))
    return err;
  cfg->backoff_min_us = us_of(x);
  if ((err = gs__get_num(c, jo, "backoff_max_s", &boff, false, 60, &x, NULL)))
    return err;
  cfg->backoff_max_us = us_of(x);
  if (cfg->backoff_max_us < cfg->backoff_min_us) {
    gs__path_key(c, "backoff_max_s");
    return gs__fail(c, cJSON_GetObjectItemCaseSensitive(jo, "backoff_max_s"),
                    "a number >= backoff_min_s (%g)",
                    (double)cfg->backoff_min_us / 1e6);
  }
  if ((err = gs__get_num(c, jo, "report_queue", &queue, false, 64, &x, NULL)))
    return err;
  cfg->report_queue = (uint32_t)x;
  if ((err = gs__get_num(c, jo, "token_margin_s", &margin, false, 5, &x,
                         NULL)))
    return err;
  cfg->token_margin_us = us_of(x);
  return GS_OK;
}

gs_err_t gs__scn_parse_oadr(gs__sctx_t *c, const cJSON *root,
                            gs_oadr_cfg_t *out) {
  gs_oadr_cfg_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.version = GS_OADR_V3_1_0;
  cfg.webhook = true;
  const cJSON *jo = cJSON_GetObjectItemCaseSensitive(root, "oadr_ven");
  size_t mark = gs__path_key(c, "oadr_ven");
  if (jo != NULL && !cJSON_IsObject(jo))
    return gs__fail(c, jo, "an object {\"poll_s\": .., \"webhook\": ..}");
  gs_err_t err = jo ? gs__check_keys(c, jo, oadr_keys) : GS_OK;
  if (err == GS_OK) err = parse_numbers(c, jo, &cfg);
  if (err != GS_OK) return err;
  const cJSON *v = jo ? cJSON_GetObjectItemCaseSensitive(jo, "version") : NULL;
  if (v != NULL) {
    size_t m2 = gs__path_key(c, "version");
    gs_errbuf_t tmp = {{0}};
    if (!cJSON_IsString(v) ||
        gs_oadr_version_parse(v->valuestring, &cfg.version, &tmp) != GS_OK)
      return gs__fail(c, v, "\"3.1.0\" (the OpenADR version spoken)");
    gs__path_pop(c, m2);
  }
  const cJSON *wh = jo ? cJSON_GetObjectItemCaseSensitive(jo, "webhook") : NULL;
  if (wh != NULL) {
    gs__path_key(c, "webhook");
    if (!cJSON_IsBool(wh)) return gs__fail(c, wh, "true or false");
    cfg.webhook = cJSON_IsTrue(wh);
  }
  gs__path_pop(c, mark);
  if (out != NULL) *out = cfg;
  return GS_OK;
}

gs_err_t gs_oadr_cfg_from_json(const cJSON *root, const char *file,
                               gs_oadr_cfg_t *out, gs_errbuf_t *eb) {
  gs__sctx_t c;
  gs__sctx_init(&c, file ? file : "<scenario>", "", eb);
  return gs__scn_parse_oadr(&c, root, out);
}
