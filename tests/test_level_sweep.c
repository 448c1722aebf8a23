/* SPDX-License-Identifier: MIT */
/* Tests of the level sweep: a swept fleet of lighting and outlets steps
 * exactly as the same loads with an hourly event each. */
#include <check.h>
#include <stdint.h>

#include "appliance.h"
#include "gridsim/engine.h"
#include "gridsim/meter.h"
#include "gridsim/rng.h"
#include "level_sweep.h"
#include "models.h"
#include "test_util.h"
#include "weather.h"
#include "world.h"

#define H    GS_US_PER_H
#define SEED 11

/* Local time minus the clock, h, of each home: phases 0 (0, 1, -7),
 * 30 min (5.5), 45 min (-3.25) and 15 min (5.25) past the hour. */
static const double OFFSETS_H[] = {0, 5.5, 1, -3.25, 5.5, -7, 5.25, 0};
#define N_HOMES  (sizeof OFFSETS_H / sizeof OFFSETS_H[0])
#define N_PHASES 4

/* A fleet as one engine holds it: the sweep host (with the weather it
 * needs) first, then each home's meter and loads. */
typedef struct fleet {
  gs_engine_t *eng;
  gs_world_t world;
  uint32_t meter[N_HOMES];
  gs_entity_id_t light[N_HOMES], outlets[N_HOMES];
  gs_entity_id_t late_light;  /* a lighting after a battery in its home */
  gs_entity_id_t early_light; /* one before a battery in its home */
  uint32_t battery_meter[2];
  gs_entity_id_t battery[2];
} fleet_t;

static gs_weather_t *make_weather(void) {
  return gs_test_weather(0, 3 * GS_US_PER_DAY, SEED);
}

static gs_entity_id_t add(fleet_t *f, const gs_model_type_t *type, uint64_t i,
                          const double *p, uint32_t meter) {
  return gs_test_add_in(f->eng, &f->world, type, SEED, i, p, meter);
}

static gs_entity_id_t add_level(fleet_t *f, const gs_model_type_t *type,
                                uint64_t i, double utc_h, uint32_t meter) {
  double p[16];
  gs_test_defaults(type, p);
  int k = gs_model_param_index(type, "utc_offset_h");
  ck_assert_int_ge(k, 0);
  p[k] = utc_h;
  return add(f, type, i, p, meter);
}

/* The fleet, swept or with the loads' own hourly events. Both have the
 * host entity, so the weather's events are the same in both. */
static void make_fleet(fleet_t *f, gs_weather_t *w, bool swept) {
  *f = (fleet_t){.eng = gs_test_engine(SEED), .world = {.weather = w}};
  gs_entity_id_t host = add(f, &gs_model_weather_sweep, 0, NULL, GS_METER_NONE);
  f->world.weather_sweep = swept;
  f->world.sweep_entity = host;
  for (size_t i = 0; i < N_HOMES; i++) {
    f->meter[i] = gs_test_meter(f->eng, GS_METER_NONE);
    f->light[i] =
        add_level(f, &gs_model_lighting, i, OFFSETS_H[i], f->meter[i]);
    f->outlets[i] =
        add_level(f, &gs_model_outlets, i, OFFSETS_H[i], f->meter[i]);
  }
  /* Two homes with a battery, whose EMS reads the meter: the lighting
   * before it is swept, the one after it keeps its own events. (Without
   * VENs between them, the loads before a home's are its home's.) */
  double pb[32];
  gs_test_defaults(&gs_model_battery, pb);
  for (int b = 0; b < 2; b++) {
    f->battery_meter[b] = gs_test_meter(f->eng, GS_METER_NONE);
    if (b == 0)
      f->early_light =
          add_level(f, &gs_model_lighting, 100, 0, f->battery_meter[b]);
    f->battery[b] =
        add(f, &gs_model_battery, (uint64_t)b, pb, f->battery_meter[b]);
    if (b == 1)
      f->late_light =
          add_level(f, &gs_model_lighting, 101, 0, f->battery_meter[b]);
  }
}

static int64_t level_mw(const fleet_t *f, gs_entity_id_t id) {
  gs_appl_info_t info;
  gs_appl_info(gs_engine_state(f->eng, id), gs_engine_now(f->eng), &info);
  return info.level_mw;
}

static bool swept(const fleet_t *f, gs_entity_id_t id) {
  return gs_appl_swept(gs_engine_state(f->eng, id));
}

/* Shed, then restore, a lighting at one of its hour boundaries: DR stays
 * the load's own events, after the new hour's level. */
static void schedule_dr(fleet_t *f) {
  gs_engine_schedule(f->eng, f->light[0], 10 * H, GS_PHASE_MODEL,
                     GS_EV_LOAD_SHED, 30000, 0);
  gs_engine_schedule(f->eng, f->light[0], 12 * H, GS_PHASE_MODEL,
                     GS_EV_LOAD_RESTORE, 0, 0);
  gs_engine_schedule(f->eng, f->outlets[1], 9 * H + H / 2, GS_PHASE_MODEL,
                     GS_EV_LOAD_SET, 50000, 0);
  /* A battery's EMS reads its meter at a shed: at a boundary, before the
   * lighting after it in its home has its new level. */
  gs_engine_schedule(f->eng, f->battery[1], 10 * H, GS_PHASE_MODEL,
                     GS_EV_LOAD_SHED, 500000, 0);
  gs_engine_schedule(f->eng, f->battery[1], 12 * H, GS_PHASE_MODEL,
                     GS_EV_LOAD_RESTORE, 0, 0);
}

/* Boundaries of a load with local offset `utc_h` in (0, until_us]. */
static int64_t boundaries(double utc_h, gs_time_us_t until_us) {
  gs_time_us_t local_us = (gs_time_us_t)gs_appl_tod0_s(0, utc_h) * GS_US_PER_S;
  gs_time_us_t first_us = H - local_us % H;
  return until_us < first_us ? 0 : (until_us - first_us) / H + 1;
}

/* Every 5 min over 30 h, and just before and at each quarter hour (the
 * boundaries of all four phases): every load's level and status and
 * every meter's power are those of the loads with their own events; at
 * the end the meters' energies too. A load stepped at another phase's
 * boundary, or drawing in another order, would differ within the hour. */
START_TEST(test_swept_equals_own_events) {
  gs_weather_t *w = make_weather();
  fleet_t a, b;
  make_fleet(&a, w, true);
  make_fleet(&b, w, false);
  for (size_t i = 0; i < N_HOMES; i++) {
    ck_assert_int_eq(swept(&a, a.light[i]), 1);
    ck_assert_int_eq(swept(&a, a.outlets[i]), 1);
    ck_assert_int_eq(swept(&b, b.light[i]), 0);
    ck_assert_int_eq(swept(&b, b.outlets[i]), 0);
  }
  ck_assert_int_eq(swept(&a, a.late_light), 0);
  ck_assert_int_eq(swept(&a, a.early_light), 1);
  const gs_level_sweep_t *ls =
      gs_weather_sweep_levels(a.eng, a.world.sweep_entity);
  ck_assert_uint_eq(ls->n_types, 2);
  ck_assert_uint_eq(ls->n_phases, N_PHASES);
  ck_assert_uint_eq(
      gs_weather_sweep_levels(b.eng, b.world.sweep_entity)->n_phases, 0);
  schedule_dr(&a);
  schedule_dr(&b);
  const gs_time_us_t end_us = 30 * H;
  int changes = 0;
  int64_t last_mw = level_mw(&a, a.light[1]);
  for (gs_time_us_t t = 0; t <= end_us; t += 5 * GS_US_PER_MIN) {
    gs_time_us_t at[2] = {t - 1, t};
    for (int k = t > 0 ? 0 : 1; k < 2; k++) {
      ck_assert_int_eq(gs_engine_run(a.eng, at[k]), GS_OK);
      ck_assert_int_eq(gs_engine_run(b.eng, at[k]), GS_OK);
      for (size_t i = 0; i < N_HOMES; i++) {
        gs_entity_id_t ids[2][2] = {{a.light[i], b.light[i]},
                                    {a.outlets[i], b.outlets[i]}};
        for (int j = 0; j < 2; j++) {
          ck_assert_int_eq(level_mw(&a, ids[j][0]), level_mw(&b, ids[j][1]));
          const gs_model_type_t *ty =
              j ? &gs_model_outlets : &gs_model_lighting;
          gs_load_status_t sa = gs_test_status(a.eng, ty, ids[j][0]);
          gs_load_status_t sb = gs_test_status(b.eng, ty, ids[j][1]);
          ck_assert_int_eq(sa.power_mw, sb.power_mw);
          ck_assert_int_eq(sa.shedding, sb.shedding);
        }
        ck_assert_int_eq(
            gs_meters_power_mw(gs_engine_meters(a.eng), a.meter[i]),
            gs_meters_power_mw(gs_engine_meters(b.eng), b.meter[i]));
      }
      for (int m = 0; m < 2; m++)
        ck_assert_int_eq(
            gs_meters_power_mw(gs_engine_meters(a.eng), a.battery_meter[m]),
            gs_meters_power_mw(gs_engine_meters(b.eng), b.battery_meter[m]));
    }
    changes += level_mw(&a, a.light[1]) != last_mw;
    last_mw = level_mw(&a, a.light[1]);
  }
  ck_assert_int_eq(changes, 30); /* every hour: the test compares levels */
  /* The shed was taken from the new hour's level and is over. */
  ck_assert_int_eq(
      gs_test_status(a.eng, &gs_model_lighting, a.light[0]).shedding, 0);
  for (size_t i = 0; i < N_HOMES; i++)
    ck_assert_int_eq(
        gs_meters_energy_mws(gs_engine_meters(a.eng), a.meter[i], end_us),
        gs_meters_energy_mws(gs_engine_meters(b.eng), b.meter[i], end_us));
  for (int m = 0; m < 2; m++)
    ck_assert_int_eq(gs_meters_energy_mws(gs_engine_meters(a.eng),
                                          a.battery_meter[m], end_us),
                     gs_meters_energy_mws(gs_engine_meters(b.eng),
                                          b.battery_meter[m], end_us));
  /* The swept loads had no event of their own at their boundaries; the
   * host had one per phase and boundary instead. */
  int64_t saved = 0;
  for (size_t i = 0; i < N_HOMES; i++)
    saved += 2 * boundaries(OFFSETS_H[i], end_us);
  saved += boundaries(0, end_us); /* early_light */
  int64_t passes = boundaries(0, end_us) + boundaries(5.5, end_us) +
                   boundaries(-3.25, end_us) + boundaries(5.25, end_us);
  ck_assert_int_eq(boundaries(5.5, 2 * H), 2); /* 0:30, 1:30 */
  ck_assert_int_eq((int64_t)gs_engine_events_processed(b.eng) -
                       (int64_t)gs_engine_events_processed(a.eng),
                   saved - passes);
  gs_engine_finish(a.eng);
  gs_engine_destroy(a.eng);
  gs_engine_finish(b.eng);
  gs_engine_destroy(b.eng);
  gs_weather_free(w);
}
END_TEST

/* Beyond its phases the sweep refuses a load, which then keeps its own
 * events and still steps right. */
START_TEST(test_full_sweep_falls_back) {
  gs_weather_t *w = make_weather();
  fleet_t f = {.eng = gs_test_engine(SEED), .world = {.weather = w}};
  gs_entity_id_t host =
      add(&f, &gs_model_weather_sweep, 0, NULL, GS_METER_NONE);
  f.world.weather_sweep = true;
  f.world.sweep_entity = host;
  uint32_t m = gs_test_meter(f.eng, GS_METER_NONE);
  gs_entity_id_t id[GS_LEVEL_SWEEP_PHASES + 1];
  for (int i = 0; i <= GS_LEVEL_SWEEP_PHASES; i++)
    id[i] = add_level(&f, &gs_model_outlets, (uint64_t)i, i * 0.1, m);
  for (int i = 0; i < GS_LEVEL_SWEEP_PHASES; i++)
    ck_assert_int_eq(swept(&f, id[i]), 1);
  gs_entity_id_t last = id[GS_LEVEL_SWEEP_PHASES];
  ck_assert_int_eq(swept(&f, last), 0);
  /* 0.8 h: its boundaries are at 12 min past the hour. */
  int64_t l0 = level_mw(&f, last);
  ck_assert_int_eq(gs_engine_run(f.eng, 12 * GS_US_PER_MIN - 1), GS_OK);
  ck_assert_int_eq(level_mw(&f, last), l0);
  ck_assert_int_eq(gs_engine_run(f.eng, 3 * H), GS_OK);
  ck_assert_int_ne(level_mw(&f, last), l0);
  gs_engine_finish(f.eng);
  gs_engine_destroy(f.eng);
  gs_weather_free(w);
}
END_TEST

Suite *level_sweep_suite(void) {
  Suite *s = suite_create("level_sweep");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_swept_equals_own_events);
  tcase_add_test(tc, test_full_sweep_falls_back);
  suite_add_tcase(s, tc);
  return s;
}
