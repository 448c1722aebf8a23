/* SPDX-License-Identifier: MIT */
/* The view renders headless snapshots and only observes the run. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>

#include "scenario_priv.h"
#include "series.h"
#include "view.h"
#include "world.h"

/* 120 homes with fridges and heat pumps; one event from 4 h to 5 h with
 * opt-outs, so shedding and opted-out VENs coexist during it. */
static const char *scn_text =
    "{\"name\":\"viz\",\"start\":\"2026-07-15T00:00:00Z\",\"duration_s\":"
    "28800,\"seed\":7,\"output\":{\"interval_s\":60},"
    "\"fleet\":[{\"name\":\"h\",\"count\":120,\"ven\":{\"opt_out_prob\":0.2},"
    "\"loads\":[{\"type\":\"fridge\",\"id\":\"fridge1\"},"
    "{\"type\":\"hvac\",\"id\":\"hvac1\"}]}],\"program\":{\"events\":["
    "{\"id\":\"e1\",\"start_s\":14400,\"duration_s\":3600,"
    "\"requested_kw\":40}]}}";

typedef struct run_out {
  uint64_t digest, events;
  uint64_t frames;
} run_out_t;

/* Runs the scenario, with a snapshot to `file` at `at_s` if `file`. */
static run_out_t run(const char *file, double at_s) {
  gs_scenario_t *s;
  gs_errbuf_t eb = {{0}};
  ck_assert_msg(gs_scenario_load_string(scn_text, "viz.json", NULL, &s,
                                        &eb) == GS_OK, "%s", eb.msg);
  gs_engine_t *eng =
      gs_engine_create(&(gs_engine_config_t){.seed = s->seed}, NULL);
  gs_world_t *w;
  ck_assert_int_eq(gs_world_build(s, eng, &w, &eb), GS_OK);
  gs_view_t *v = NULL;
  run_out_t r = {0};
  if (file) {
    gs_time_us_t at_us = (gs_time_us_t)(at_s * 1e6);
    gs_view_cfg_t cfg = {.snapshot_files = &file, .n_snapshot_files = 1,
                         .snapshot_at_us = &at_us, .n_snapshot_at = 1};
    ck_assert_int_eq(gs_view_create(&cfg, w, &v, &eb), GS_OK);
    ck_assert_int_eq(gs_view_attach(v, &eb), GS_OK);
    ck_assert_int_eq(gs_view_run(v, s->duration_us, &eb), GS_OK);
  } else {
    ck_assert_int_eq(gs_engine_run(eng, s->duration_us), GS_OK);
  }
  gs_engine_finish(eng);
  if (v) {
    ck_assert_int_eq(gs_view_finish(v, true, &eb), GS_OK);
    r.frames = gs_view_frames(v);
  }
  r.digest = gs_engine_digest(eng);
  r.events = gs_engine_events_processed(eng);
  gs_view_destroy(v);
  gs_engine_destroy(eng);
  gs_world_free(w);
  gs_scenario_free(s);
  return r;
}

/* A file name of this process under /tmp, ending in `ext`. */
static void tmp_name(char *buf, size_t size, const char *ext) {
  static int n;
  snprintf(buf, size, "/tmp/gs-test-viz-%ld-%d.%s", (long)getpid(), n++,
           ext);
}

/* Pixels of colour `rgb` in rectangle `r` of `img`. */
static long count_rgb(SDL_Surface *img, const gs_view_rect_t *r,
                      uint32_t rgb) {
  long n = 0;
  ck_assert_int_eq(SDL_LockSurface(img), 0);
  for (int y = r->y; y < r->y + r->h; y++)
    for (int x = r->x; x < r->x + r->w; x++) {
      uint8_t *p = (uint8_t *)img->pixels + y * img->pitch +
                   x * img->format->BytesPerPixel;
      uint32_t px = 0;
      memcpy(&px, p, img->format->BytesPerPixel);
      uint8_t cr, cg, cb;
      SDL_GetRGB(px, img->format, &cr, &cg, &cb);
      if (((uint32_t)cr << 16 | (uint32_t)cg << 8 | cb) == rgb) n++;
    }
  SDL_UnlockSurface(img);
  return n;
}

START_TEST(snapshot_during_event_shows_curve_and_shedding) {
  char file[64];
  tmp_name(file, sizeof file, "bmp");
  run_out_t r = run(file, 14400 + 1800); /* mid-event */
  ck_assert_uint_eq(r.frames, 1);
  SDL_Surface *img = SDL_LoadBMP(file);
  ck_assert_msg(img != NULL, "%s", SDL_GetError());
  ck_assert_int_eq(img->w, 1280);
  ck_assert_int_eq(img->h, 720);
  gs_view_layout_t l;
  gs_view_layout(img->w, img->h, &l);
  /* The fleet curve: 2 px thick over half the run's width at least. */
  long curve = count_rgb(img, &l.plot, GS_VIEW_ACTUAL_RGB);
  ck_assert_int_ge(curve, l.plot.w / 2);
  /* Nothing is plotted after the snapshot's instant (right quarter). */
  gs_view_rect_t late = {l.plot.x + l.plot.w * 7 / 8, l.plot.y,
                         l.plot.w / 8, l.plot.h};
  ck_assert_int_eq(count_rgb(img, &late, GS_VIEW_ACTUAL_RGB), 0);
  /* The DR target line is drawn during the event. */
  ck_assert_int_gt(count_rgb(img, &l.plot, GS_VIEW_TARGET_RGB), 0);
  /* Heat map: 120 cells, most shedding mid-event, some opted out. */
  long shed = count_rgb(img, &l.cells, gs_view_state_rgb(GS_VIEW_SHEDDING));
  long out = count_rgb(img, &l.cells, gs_view_state_rgb(GS_VIEW_OPTED_OUT));
  long normal = count_rgb(img, &l.cells, gs_view_state_rgb(GS_VIEW_NORMAL));
  ck_assert_int_gt(shed, 0);
  ck_assert_int_gt(out, 0);
  ck_assert_int_gt(shed, out);
  /* The cells are the same size: shed cells outnumber the others. */
  ck_assert_int_gt(shed, normal);
  SDL_FreeSurface(img);
  unlink(file);
}
END_TEST

START_TEST(snapshot_after_event_has_no_shedding) {
  char file[64];
  tmp_name(file, sizeof file, "bmp");
  run(file, 3600); /* before the event */
  SDL_Surface *img = SDL_LoadBMP(file);
  ck_assert_msg(img != NULL, "%s", SDL_GetError());
  gs_view_layout_t l;
  gs_view_layout(img->w, img->h, &l);
  ck_assert_int_eq(count_rgb(img, &l.cells,
                             gs_view_state_rgb(GS_VIEW_SHEDDING)), 0);
  ck_assert_int_gt(count_rgb(img, &l.cells,
                             gs_view_state_rgb(GS_VIEW_NORMAL)), 0);
  SDL_FreeSurface(img);
  unlink(file);
}
END_TEST

START_TEST(view_only_observes) {
  char file[64];
  tmp_name(file, sizeof file, "png");
  run_out_t plain = run(NULL, 0);
  run_out_t viewed = run(file, 14400 + 600);
  ck_assert_uint_eq(viewed.events, plain.events);
  ck_assert_uint_eq(viewed.digest, plain.digest);
  FILE *f = fopen(file, "rb");
  ck_assert_ptr_nonnull(f);
  unsigned char sig[8] = {0};
  ck_assert_uint_eq(fread(sig, 1, 8, f), 8);
  fclose(f);
  ck_assert_int_eq(sig[1], 'P'); /* \x89PNG */
  ck_assert_int_eq(sig[2], 'N');
  unlink(file);
}
END_TEST

START_TEST(bad_snapshot_config_is_rejected) {
  gs_scenario_t *s;
  gs_errbuf_t eb = {{0}};
  ck_assert_int_eq(gs_scenario_load_string(scn_text, "viz.json", NULL, &s,
                                           &eb), GS_OK);
  gs_engine_t *eng =
      gs_engine_create(&(gs_engine_config_t){.seed = s->seed}, NULL);
  gs_world_t *w;
  ck_assert_int_eq(gs_world_build(s, eng, &w, &eb), GS_OK);
  gs_view_t *v = NULL;
  const char *gif = "x.gif";
  gs_view_cfg_t cfg = {.snapshot_files = &gif, .n_snapshot_files = 1};
  ck_assert_int_eq(gs_view_create(&cfg, w, &v, &eb), GS_EINVAL);
  ck_assert_ptr_nonnull(strstr(eb.msg, "x.gif"));
  const char *png = "x.png";
  gs_time_us_t late = s->duration_us + 1;
  cfg = (gs_view_cfg_t){.snapshot_files = &png, .n_snapshot_files = 1,
                        .snapshot_at_us = &late, .n_snapshot_at = 1};
  ck_assert_int_eq(gs_view_create(&cfg, w, &v, &eb), GS_EINVAL);
  ck_assert_ptr_nonnull(strstr(eb.msg, "--snapshot-at"));
  ck_assert_ptr_null(v);
  gs_engine_destroy(eng);
  gs_world_free(w);
  gs_scenario_free(s);
}
END_TEST

Suite *viz_suite(void) {
  Suite *s = suite_create("viz");
  TCase *tc = tcase_create("snapshot");
  tcase_add_test(tc, snapshot_during_event_shows_curve_and_shedding);
  tcase_add_test(tc, snapshot_after_event_has_no_shedding);
  tcase_add_test(tc, view_only_observes);
  tcase_add_test(tc, bad_snapshot_config_is_rejected);
  suite_add_tcase(s, tc);
  return s;
}
