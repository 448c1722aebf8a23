/* SPDX-License-Identifier: MIT */
/* Tests of the weather sweep's pass over the HVAC houses: the houses its
 * bitmap of running ones books step exactly as houses with a STEP event
 * of their own at each weather step. */
#include <check.h>
#include <stdint.h>

#include "gridsim/engine.h"
#include "gridsim/meter.h"
#include "gridsim/rng.h"
#include "hvac.h"
#include "models.h"
#include "test_util.h"
#include "weather.h"
#include "world.h"

#define SEED 17
/* More houses than one bitmap word holds, and not a multiple of 64. */
#define N_HOUSES 150

typedef struct fleet {
  gs_engine_t *eng;
  gs_world_t world;
  uint32_t meter[N_HOUSES];
  gs_entity_id_t house[N_HOUSES];
} fleet_t;

static gs_weather_t *make_weather(void) {
  return gs_test_weather(0, 2 * GS_US_PER_DAY, SEED);
}

static gs_entity_id_t add(fleet_t *f, const gs_model_type_t *type, uint64_t i,
                          const double *p, uint32_t meter) {
  return gs_test_add_in(f->eng, &f->world, type, SEED, i, p, meter);
}

/* The fleet, swept (with the world's bitmap) or with the houses' own
 * STEP events. Both have the sweep entity, so its events are the same.
 * Houses of three floor areas and setpoints, so that they start and stop
 * at different times; some are disabled and enabled again by LOAD_SET
 * commands (a stop and a start that are not the thermostat's). */
static void make_fleet(fleet_t *f, gs_weather_t *w, bool swept, bool bitmap) {
  *f = (fleet_t){.eng = gs_test_engine(SEED), .world = {.weather = w}};
  if (bitmap) { /* before the sweep entity, which keeps it, as the world */
    f->world.hvac_running = gs_hvac_running_create();
    ck_assert_ptr_nonnull(f->world.hvac_running);
  }
  gs_entity_id_t host = add(f, &gs_model_weather_sweep, 0, NULL, GS_METER_NONE);
  f->world.weather_sweep = swept;
  f->world.sweep_entity = host;
  double p[GS_HVAC_NPARAMS];
  gs_test_defaults(&gs_model_hvac, p);
  for (size_t i = 0; i < N_HOUSES; i++) {
    p[GS_HVAC_P_FLOOR_AREA] = 120.0 + 40.0 * (double)(i % 3);
    p[GS_HVAC_P_SETPOINT] = 23.0 + 0.5 * (double)(i % 4);
    f->meter[i] = gs_test_meter(f->eng, GS_METER_NONE);
    f->house[i] = add(f, &gs_model_hvac, i, p, f->meter[i]);
    if (i % 10 == 3) {
      gs_time_us_t off_us = (gs_time_us_t)(10 + i) * GS_US_PER_H / 10;
      gs_engine_schedule(f->eng, f->house[i], off_us, GS_PHASE_MODEL,
                         GS_EV_LOAD_SET, -1, 2u);
      gs_engine_schedule(f->eng, f->house[i], off_us + 2 * GS_US_PER_H,
                         GS_PHASE_MODEL, GS_EV_LOAD_SET, -1, 3u);
    }
  }
}

static void free_fleet(fleet_t *f) {
  gs_engine_finish(f->eng);
  gs_engine_destroy(f->eng);
  gs_hvac_running_free(f->world.hvac_running);
}

static int64_t meter_mw(const fleet_t *f, size_t i) {
  return gs_meters_power_mw(gs_engine_meters(f->eng), f->meter[i]);
}

START_TEST(test_swept_equals_own_steps) {
  gs_weather_t *w = make_weather();
  fleet_t a, b;
  make_fleet(&a, w, true, true);
  make_fleet(&b, w, false, false);
  gs_time_us_t step_us = gs_weather_step_us(w), end_us = GS_US_PER_DAY;
  int64_t running_max = 0, changed = 0;
  /* Just after every weather step (the sweep's bookings done) and in the
   * middle of every step. */
  for (gs_time_us_t t_us = step_us / 2; t_us <= end_us; t_us += step_us / 2) {
    ck_assert_int_eq(gs_engine_run(a.eng, t_us + 1), GS_OK);
    ck_assert_int_eq(gs_engine_run(b.eng, t_us + 1), GS_OK);
    int64_t running = 0;
    for (size_t i = 0; i < N_HOUSES; i++) {
      const void *sa = gs_engine_state(a.eng, a.house[i]);
      const void *sb = gs_engine_state(b.eng, b.house[i]);
      ck_assert_int_eq(meter_mw(&a, i), meter_mw(&b, i));
      ck_assert_int_eq(gs_hvac_running(sa), gs_hvac_running(sb));
      ck_assert_double_eq(gs_hvac_indoor_c(sa, t_us + 1),
                          gs_hvac_indoor_c(sb, t_us + 1));
      running += gs_hvac_running(sa);
    }
    if (running > running_max) running_max = running;
    changed += meter_mw(&a, 0) != 0;
  }
  /* The comparison saw houses running, more than one bitmap word's worth
   * at once, and most of the fleet's powers are booked by the sweep. */
  ck_assert_int_gt(running_max, 64);
  ck_assert_int_gt(changed, 10);
  ck_assert_int_lt(gs_engine_events_processed(a.eng),
                   gs_engine_events_processed(b.eng));
  for (size_t i = 0; i < N_HOUSES; i++)
    ck_assert_int_eq(
        gs_meters_energy_mws(gs_engine_meters(a.eng), a.meter[i], end_us),
        gs_meters_energy_mws(gs_engine_meters(b.eng), b.meter[i], end_us));
  free_fleet(&a);
  free_fleet(&b);
  gs_weather_free(w);
}
END_TEST

/* A world built without the bitmap: its houses step at their own events
 * and the sweep's pass has nothing to book. */
START_TEST(test_no_bitmap_steps_itself) {
  gs_weather_t *w = make_weather();
  fleet_t a, b;
  make_fleet(&a, w, true, false); /* a sweep, but no bitmap */
  make_fleet(&b, w, false, false);
  ck_assert_int_eq(gs_engine_run(a.eng, 6 * GS_US_PER_H), GS_OK);
  ck_assert_int_eq(gs_engine_run(b.eng, 6 * GS_US_PER_H), GS_OK);
  for (size_t i = 0; i < N_HOUSES; i++)
    ck_assert_int_eq(meter_mw(&a, i), meter_mw(&b, i));
  ck_assert_int_eq(gs_engine_events_processed(a.eng),
                   gs_engine_events_processed(b.eng));
  free_fleet(&a);
  free_fleet(&b);
  gs_weather_free(w);
}
END_TEST

Suite *hvac_sweep_suite(void) {
  Suite *s = suite_create("hvac_sweep");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_swept_equals_own_steps);
  tcase_add_test(tc, test_no_bitmap_steps_itself);
  suite_add_tcase(s, tc);
  return s;
}
