/* SPDX-License-Identifier: MIT */
/* Helpers shared by the model test suites: engines, meters, loads. */
#ifndef GRIDSIM_TEST_UTIL_H
#define GRIDSIM_TEST_UTIL_H

#include <check.h>
#include <string.h>

#include "gridsim/engine.h"
#include "gridsim/rng.h"
#include "weather.h"

/* Fills `p` with `type`'s default parameters (one per spec). */
static inline void gs_test_defaults(const gs_model_type_t *type, double *p) {
  for (size_t i = 0; i < type->n_params; i++) p[i] = type->params[i].def;
}

/* A fresh engine with `seed`; the test fails if it cannot be made. */
static inline gs_engine_t *gs_test_engine(uint64_t seed) {
  gs_errbuf_t eb = {{0}};
  gs_engine_t *eng =
      gs_engine_create(&(gs_engine_config_t){.seed = seed}, &eb);
  ck_assert_msg(eng != NULL, "%s", eb.msg);
  return eng;
}

/* A meter under `parent` (GS_METER_NONE for a root). */
static inline uint32_t gs_test_meter(gs_engine_t *eng, uint32_t parent) {
  uint32_t m;
  ck_assert_int_eq(gs_meters_add(gs_engine_meters(eng), parent, &m), GS_OK);
  return m;
}

/* Adds load number `i` of `type` with parameters `p` on `meter`, keyed
 * ("test", i, 0) like a VEN's load, without a VEN or world. */
static inline gs_entity_id_t gs_test_add_load(gs_engine_t *eng,
                                              const gs_model_type_t *type,
                                              uint64_t seed, uint64_t i,
                                              const double *p, uint32_t meter,
                                              const char *id) {
  gs_errbuf_t eb = {{0}};
  gs_entity_id_t ent;
  gs_model_init_t init = {.seed = seed,
                          .key = gs_rng_key("test", i, 0),
                          .params = p,
                          .ven = GS_ENTITY_NONE,
                          .meter = meter,
                          .id = id};
  gs_err_t err = gs_engine_add_entity(eng, type, &init, &ent, &eb);
  ck_assert_msg(err == GS_OK, "add %s: %s", type->name, eb.msg);
  return ent;
}

/* Adds entity number `i` of `type`, keyed (type's name, i, 0), with
 * parameters `p` on `meter`, as part of `world` (a gs_world_t, for the
 * models that find the run's weather and sweeps there; NULL for none). */
static inline gs_entity_id_t gs_test_add_in(gs_engine_t *eng,
                                            const void *world,
                                            const gs_model_type_t *type,
                                            uint64_t seed, uint64_t i,
                                            const double *p, uint32_t meter) {
  gs_errbuf_t eb = {{0}};
  gs_entity_id_t ent;
  gs_model_init_t init = {.seed = seed,
                          .key = gs_rng_key(type->name, i, 0),
                          .params = p,
                          .ven = GS_ENTITY_NONE,
                          .meter = meter,
                          .id = type->name,
                          .world = world};
  gs_err_t err = gs_engine_add_entity(eng, type, &init, &ent, &eb);
  ck_assert_msg(err == GS_OK, "add %s: %s", type->name, eb.msg);
  return ent;
}

/* The synthetic default weather (a hot design day, gs_weather_parse with
 * no "weather" object) from `start_unix_s` for `duration_us`. */
static inline gs_weather_t *gs_test_weather(int64_t start_unix_s,
                                            gs_time_us_t duration_us,
                                            uint64_t seed) {
  gs_weather_t *w = NULL;
  gs_errbuf_t eb = {{0}};
  gs_err_t err = gs_weather_parse(NULL, "test", "weather", NULL, start_unix_s,
                                  duration_us, seed, &w, &eb);
  ck_assert_msg(err == GS_OK, "weather: %s", eb.msg);
  return w;
}

/* Adding an entity of `type` named `id` with parameters `p` (seed
 * `seed`, no VEN, meter or world) is refused as a scenario error whose
 * message names `id` and contains `what`. */
static inline void gs_test_refused(const gs_model_type_t *type, uint64_t seed,
                                   const double *p, const char *id,
                                   const char *what) {
  gs_engine_t *eng = gs_test_engine(seed);
  gs_errbuf_t eb = {{0}};
  gs_entity_id_t ent;
  gs_model_init_t init = {.seed = seed,
                          .key = 1,
                          .params = p,
                          .ven = GS_ENTITY_NONE,
                          .meter = GS_METER_NONE,
                          .id = id};
  ck_assert_int_eq(gs_engine_add_entity(eng, type, &init, &ent, &eb),
                   GS_ESCENARIO);
  ck_assert_msg(strstr(eb.msg, id) != NULL, "'%s' does not name %s", eb.msg,
                id);
  ck_assert_msg(strstr(eb.msg, what) != NULL, "'%s' does not say %s",
                eb.msg, what);
  gs_engine_destroy(eng);
}

/* The load's status now. */
static inline gs_load_status_t gs_test_status(gs_engine_t *eng,
                                              const gs_model_type_t *type,
                                              gs_entity_id_t id) {
  gs_load_status_t st;
  memset(&st, 0, sizeof st);
  type->status(gs_engine_state(eng, id), gs_engine_now(eng), &st);
  return st;
}

#endif /* GRIDSIM_TEST_UTIL_H */
