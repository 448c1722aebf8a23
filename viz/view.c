/* SPDX-License-Identifier: MIT */
/* The view as an observer: VEN states, snapshots, window, controls. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <SDL_image.h>

#include "pace.h"
#include "scenario_priv.h"
#include "ven.h"
#include "view_priv.h"

#define GS_VIEW_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

int64_t gs__view_wall_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

gs_view_state_t gs__view_ven_state(const gs_view_t *v, uint64_t i,
                                   gs_time_us_t now_us) {
  gs_entity_id_t id = v->w->ven_entity[i];
  const void *st = gs_engine_state(v->eng, id);
  if (!gs_ven_online(st)) return GS_VIEW_OFFLINE;
  if (gs_ven_shed_mw(st) > 0 || gs_ven_in_event(st)) return GS_VIEW_SHEDDING;
  if (v->opt_out_until_us[i] > now_us) return GS_VIEW_OPTED_OUT;
  if (now_us < v->rebound_until_us[i] &&
      gs_ven_power_mw(v->eng, id) > gs_ven_baseline_mw(st))
    return GS_VIEW_REBOUNDING;
  return GS_VIEW_NORMAL;
}

/* The log sink: notes answers per VEN, then hands every record on to the
 * sink that was there before (the trace), unchanged. */
static void on_record(void *ud, const gs_log_rec_t *rec) {
  gs_view_t *v = ud;
  if (rec->table == GS_LOG_OPT_OUT && rec->ven < v->w->n_vens) {
    v->opt_out_until_us[rec->ven] = rec->t_us + rec->duration_us;
  } else if (rec->table == GS_LOG_ACK && rec->kind == GS_LOG_ACK_ACCEPTED &&
             rec->ven < v->w->n_vens) {
    /* Rebound window: as long as the event, after its scheduled end. */
    v->accepted_end_us[rec->ven] = rec->t_us + rec->duration_us;
    v->rebound_until_us[rec->ven] = rec->t_us + 2 * rec->duration_us;
  }
  if (v->prev_log) v->prev_log->record(v->prev_log->ud, rec);
}

static int snap_cmp(const void *a, const void *b) {
  const gs__snap_t *x = a, *y = b;
  gs_time_us_t tx = x->at_us < 0 ? INT64_MAX : x->at_us;
  gs_time_us_t ty = y->at_us < 0 ? INT64_MAX : y->at_us;
  return tx < ty ? -1 : tx > ty;
}

static bool has_ext(const char *f, const char *ext) {
  size_t n = strlen(f), e = strlen(ext);
  return n > e && SDL_strcasecmp(f + n - e, ext) == 0;
}

static gs_err_t open_window(gs_view_t *v, gs_errbuf_t *eb) {
  const char *drv = getenv("SDL_VIDEODRIVER");
  if (drv && (strcmp(drv, "offscreen") == 0 || strcmp(drv, "dummy") == 0))
    return gs_errbuf_set(eb, GS_EINVAL, "--view: SDL_VIDEODRIVER=%s has no "
                         "display; use --snapshot FILE.png for headless "
                         "rendering", drv);
  if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0)
    return gs_errbuf_set(eb, GS_EINVAL, "--view: no display available "
                         "(SDL: %s); use --snapshot FILE.png for headless "
                         "rendering", SDL_GetError());
  v->sdl_video = true;
  /* Without a display SDL falls back to its offscreen driver by itself. */
  const char *cur = SDL_GetCurrentVideoDriver();
  if (cur && (strcmp(cur, "offscreen") == 0 || strcmp(cur, "dummy") == 0))
    return gs_errbuf_set(eb, GS_EINVAL, "--view: no display available "
                         "(SDL chose its '%s' video driver); use --snapshot "
                         "FILE.png for headless rendering", cur);
  /* The frames are drawn in software already: show them through the
   * window system's plain framebuffer (X11 shared memory), not through an
   * OpenGL texture, which on X11 also recreates the window on the first
   * frame and starts the GL driver's threads. */
  SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
  v->win = SDL_CreateWindow("gridsim", SDL_WINDOWPOS_UNDEFINED,
                            SDL_WINDOWPOS_UNDEFINED, v->width_px,
                            v->height_px, 0);
  if (v->win == NULL)
    return gs_errbuf_set(eb, GS_EINVAL, "--view: cannot open a window "
                         "(SDL: %s)", SDL_GetError());
  return GS_OK;
}

gs_err_t gs_view_create(const gs_view_cfg_t *cfg, gs_world_t *w,
                        gs_view_t **out, gs_errbuf_t *eb) {
  *out = NULL;
  if (cfg->n_snapshot_at > cfg->n_snapshot_files)
    return gs_errbuf_set(eb, GS_EINVAL, "--snapshot-at: %zu times but "
                         "only %zu --snapshot files (one file per time)",
                         cfg->n_snapshot_at, cfg->n_snapshot_files);
  for (size_t i = 0; i < cfg->n_snapshot_files; i++)
    if (!has_ext(cfg->snapshot_files[i], ".png") &&
        !has_ext(cfg->snapshot_files[i], ".bmp"))
      return gs_errbuf_set(eb, GS_EINVAL, "--snapshot: expected a file "
                           "name ending in .png or .bmp, found '%s'",
                           cfg->snapshot_files[i]);
  for (size_t i = 0; i < cfg->n_snapshot_at; i++)
    if (cfg->snapshot_at_us[i] < 0 ||
        cfg->snapshot_at_us[i] > w->scenario->duration_us)
      return gs_errbuf_set(eb, GS_EINVAL, "--snapshot-at: expected a time "
                           "from 0 to the duration (%.0f s), found %.6g s",
                           (double)w->scenario->duration_us / 1e6,
                           (double)cfg->snapshot_at_us[i] / 1e6);
  gs_view_t *v = calloc(1, sizeof *v);
  if (v == NULL) return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  v->cfg = *cfg;
  v->w = w;
  v->eng = w->engine;
  v->s = w->scenario;
  v->width_px = cfg->width_px > 0 ? cfg->width_px : 1280;
  v->height_px = cfg->height_px > 0 ? cfg->height_px : 720;
  v->frame_period_us = (int64_t)(1e6 / (cfg->max_fps > 0 ? cfg->max_fps
                                                          : 30.0));
  v->pace = cfg->paced ? 0 : cfg->pace;
  v->step_until_us = -1;
  v->last_frame_wall_us = INT64_MIN / 2;
  gs_err_t err = GS_ENOMEM;
  size_t n = w->n_vens ? w->n_vens : 1;
  v->opt_out_until_us = malloc(n * sizeof *v->opt_out_until_us);
  v->accepted_end_us = malloc(n * sizeof *v->accepted_end_us);
  v->rebound_until_us = malloc(n * sizeof *v->rebound_until_us);
  v->snaps = calloc(cfg->n_snapshot_files + 1, sizeof *v->snaps);
  if (!v->opt_out_until_us || !v->accepted_end_us || !v->rebound_until_us ||
      !v->snaps)
    goto fail;
  for (size_t i = 0; i < n; i++)
    v->opt_out_until_us[i] = v->accepted_end_us[i] = v->rebound_until_us[i] =
        INT64_MIN;
  for (size_t i = 0; i < cfg->n_snapshot_files; i++)
    v->snaps[i] = (gs__snap_t){
        .file = cfg->snapshot_files[i],
        .at_us = i < cfg->n_snapshot_at ? cfg->snapshot_at_us[i] : -1};
  v->n_snaps = cfg->n_snapshot_files;
  qsort(v->snaps, v->n_snaps, sizeof *v->snaps, snap_cmp);
  err = GS_EIO;
  v->surf = SDL_CreateRGBSurfaceWithFormat(0, v->width_px, v->height_px, 32,
                                           SDL_PIXELFORMAT_RGB888);
  v->ren = v->surf ? SDL_CreateSoftwareRenderer(v->surf) : NULL;
  if (v->ren == NULL) {
    gs_errbuf_set(eb, GS_EIO, "view: cannot create a %dx%d software "
                  "renderer (SDL: %s)", v->width_px, v->height_px,
                  SDL_GetError());
    goto fail;
  }
  /* Text is optional: without SDL2_ttf or the font the view still draws. */
  if (TTF_Init() == 0) {
    v->ttf = true;
    const char *fp = cfg->font_path ? cfg->font_path : GS_VIEW_FONT;
    v->font = TTF_OpenFont(fp, 16);
    v->font_small = TTF_OpenFont(fp, 12);
  }
  if (cfg->window && (err = open_window(v, eb)) != GS_OK) goto fail;
  *out = v;
  return GS_OK;
fail:
  if (err == GS_ENOMEM) gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  gs_view_destroy(v);
  return err;
}

static gs_err_t save(gs_view_t *v, const char *file, gs_errbuf_t *eb) {
  gs__view_draw(v);
  int rc = has_ext(file, ".bmp") ? SDL_SaveBMP(v->surf, file)
                                 : IMG_SavePNG(v->surf, file);
  if (rc != 0)
    return gs_errbuf_set(eb, GS_EIO, "--snapshot: cannot write %s: %s", file,
                         SDL_GetError());
  v->frames++;
  return GS_OK;
}

/* The window title carries the clock, the speed and the pause state, so
 * they show in a task bar and scripts can read them (tests do). */
static void set_title(gs_view_t *v) {
  char speed[48], t[sizeof v->title];
  gs__view_speed(v, speed, sizeof speed);
  int64_t sec = gs_engine_now(v->eng) / 1000000;
  snprintf(t, sizeof t, "gridsim - %s - %" PRId64 "d %02d:%02d:%02d - %s%s",
           v->s->name, sec / 86400, (int)(sec / 3600 % 24),
           (int)(sec / 60 % 60), (int)(sec % 60), speed,
           v->paused ? " - PAUSED" : "");
  if (strcmp(t, v->title) == 0) return;
  memcpy(v->title, t, sizeof t);
  SDL_SetWindowTitle(v->win, t);
}

static void present(gs_view_t *v) {
  gs__view_draw(v);
  v->frames++;
  if (v->win == NULL) return;
  set_title(v);
  SDL_Surface *ws = SDL_GetWindowSurface(v->win);
  if (ws) {
    SDL_BlitSurface(v->surf, NULL, ws, NULL);
    SDL_UpdateWindowSurface(v->win);
  }
}

/* Pauses (or resumes) the run: a paced run's pacer holds simulated time,
 * a batch run's tick loops until resumed. */
static void set_paused(gs_view_t *v, bool paused, gs_time_us_t now) {
  v->paused = paused;
  if (v->pacer) gs_pace_hold(v->pacer, paused, now);
}

/* '+' and '-' on a paced run: the pacer's factor, within (1/8, 1e9). */
static void scale_pacer(gs_view_t *v, double k, gs_time_us_t now) {
  double f = gs_pace_factor(v->pacer) * k;
  if (f < 0.125) f = 0.125;
  if (f > 1e9) f = 1e9;
  gs_pace_set_factor(v->pacer, f, now);
}

/* Keys: space pauses/resumes, '.' steps one output interval, '+'/'-'
 * double/halve the pace (a paced run's pacer; from batch, '-' starts the
 * view's own pacing at 3600x), 'q' or closing the window quits. */
static void handle_event(gs_view_t *v, const SDL_Event *e) {
  if (e->type == SDL_QUIT) v->quit = true;
  if (e->type != SDL_TEXTINPUT && e->type != SDL_KEYDOWN) return;
  char c = e->type == SDL_TEXTINPUT ? e->text.text[0]
           : e->key.keysym.sym == SDLK_SPACE ? ' '
           : e->key.keysym.sym == SDLK_q ? 'q' : 0;
  if (e->type == SDL_KEYDOWN && c == 0) return;
  if (e->type == SDL_TEXTINPUT && (c == ' ' || c == 'q')) return;
  gs_time_us_t now = gs_engine_now(v->eng);
  switch (c) {
  case 'q': v->quit = true; break;
  case ' ':
    set_paused(v, !v->paused, now);
    v->step_until_us = -1;
    break;
  case '.':
    set_paused(v, false, now);
    v->step_until_us = now + v->s->output_interval_us;
    break;
  case '+': case '=':
    if (v->pacer) scale_pacer(v, 2, now);
    else if (v->pace > 0 && v->pace * 2 <= 1e9) v->pace *= 2;
    else if (v->pace > 0) v->pace = 0; /* beyond: as fast as possible */
    break;
  case '-':
    if (v->pacer) {
      scale_pacer(v, 0.5, now);
      break;
    }
    v->pace = v->pace > 0 ? v->pace / 2 : 3600;
    if (v->pace < 0.125) v->pace = 0.125;
    break;
  default: break;
  }
  v->pace_wall0_us = gs__view_wall_us();
  v->pace_sim0_us = now;
}

static void handle_events(gs_view_t *v) {
  SDL_Event e;
  while (SDL_PollEvent(&e)) handle_event(v, &e);
  /* Quitting must not leave a paced run held: the engine has to get back
   * to its loop to see the stop. */
  if (v->quit && v->pacer)
    gs_pace_hold(v->pacer, false, gs_engine_now(v->eng));
}

/* A frame if one is due (events per second measured since the last). */
static void frame_if_due(gs_view_t *v, gs_engine_t *eng) {
  int64_t wall = gs__view_wall_us();
  if (wall - v->last_frame_wall_us < v->frame_period_us) return;
  uint64_t ev = gs_engine_events_processed(eng);
  if (v->rate_wall_us > 0 && wall > v->rate_wall_us)
    v->events_per_s = (double)(ev - v->rate_events) * 1e6 /
                      (double)(wall - v->rate_wall_us);
  v->rate_events = ev;
  v->rate_wall_us = wall;
  v->last_frame_wall_us = wall;
  present(v);
}

/* A '.' step ends at its time: the run pauses there. */
static void end_step(gs_view_t *v, gs_time_us_t now) {
  if (v->step_until_us >= 0 && now >= v->step_until_us) {
    set_paused(v, true, now);
    v->step_until_us = -1;
  }
}

/* The pacer's source (paced runs): keys and frames while the engine waits,
 * including while simulated time is held. No sockets of its own. */
static size_t src_max_fds(void *ud) {
  (void)ud;
  return 0;
}

static size_t src_fill(void *ud, struct pollfd *fds, size_t cap,
                       int64_t *timeout_us) {
  gs_view_t *v = ud;
  (void)fds;
  (void)cap;
  int64_t due = v->last_frame_wall_us + v->frame_period_us -
                gs__view_wall_us();
  if (due < 0) due = 0;
  if (*timeout_us > due) *timeout_us = due;
  return 0;
}

static size_t src_service(void *ud, gs_engine_t *eng,
                          const struct pollfd *fds, size_t n) {
  gs_view_t *v = ud;
  (void)fds;
  (void)n;
  if (v->win == NULL) return 0;
  handle_events(v);
  if (v->quit) {
    gs_engine_stop(eng);
    return 0;
  }
  end_step(v, gs_engine_now(eng));
  frame_if_due(v, eng);
  return 0;
}

gs_err_t gs_view_use_pace(gs_view_t *v, gs_pace_t *p) {
  if (v->win == NULL) return GS_OK; /* snapshots only: no keys to serve */
  v->pacer = p;
  gs_pace_source_t src = {.max_fds = src_max_fds, .fill = src_fill,
                          .service = src_service, .ud = v};
  return gs_pace_add_source(p, &src);
}

/* Called every thousand events: a frame if one is due, the controls,
 * and the view's own pacing. Reads only; never touches model state. In a
 * paced run pausing is the pacer's hold, so this never blocks there. */
static void tick(void *ud, gs_engine_t *eng) {
  gs_view_t *v = ud;
  if (v->cfg.interrupted && *v->cfg.interrupted) gs_engine_stop(eng);
  if (v->win == NULL && !v->cfg.offscreen_frames) return;
  end_step(v, gs_engine_now(eng));
  do {
    if (v->win) handle_events(v);
    if (v->quit) {
      gs_engine_stop(eng);
      return;
    }
    frame_if_due(v, eng);
    if (v->paused && !v->pacer) SDL_Delay(15);
    if (v->cfg.interrupted && *v->cfg.interrupted) return;
  } while (v->paused && !v->pacer);
  /* Pacing: hold simulated time at pace x the wall clock since anchor. */
  if (v->pace > 0 && !v->cfg.paced) {
    gs_time_us_t now = gs_engine_now(eng);
    double ahead_us = (double)(now - v->pace_sim0_us) / v->pace -
                      (double)(gs__view_wall_us() - v->pace_wall0_us);
    if (ahead_us > 1000) SDL_Delay((uint32_t)(ahead_us > 5e4 ? 50
                                                : ahead_us / 1000));
  }
}

gs_err_t gs_view_attach(gs_view_t *v, gs_errbuf_t *eb) {
  if (gs_series_attach(&v->series, v->eng, v->w->fleet_meter,
                       v->s->output_interval_us) != GS_OK)
    return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  bool live = v->win || v->cfg.offscreen_frames;
  gs_observer_t o = {.name = "view", .tick = tick,
                     /* Often enough for 30 frames/s and smooth pacing. */
                     .tick_events = live ? 1024 : 0, .ud = v};
  if (live && gs_engine_add_observer(v->eng, &o) != GS_OK)
    return gs_errbuf_set(eb, GS_ENOMEM, "out of memory");
  v->prev_log = v->w->log;
  v->sink = (gs_log_t){.record = on_record, .ud = v};
  v->w->log = &v->sink;
  v->attached = true;
  v->pace_wall0_us = v->rate_wall_us = gs__view_wall_us();
  return GS_OK;
}

gs_err_t gs_view_run(gs_view_t *v, gs_time_us_t until_us, gs_errbuf_t *eb) {
  for (size_t i = 0; i < v->n_snaps; i++) {
    gs__snap_t *sn = &v->snaps[i];
    if (sn->at_us < 0 || sn->done || sn->at_us > until_us) continue;
    /* Running in pieces processes the same events in the same order: the
     * engine takes every event at or before at_us, then stops there. */
    gs_err_t err = gs_engine_run(v->eng, sn->at_us);
    if (err != GS_OK) return v->quit ? GS_EINTR : err;
    if ((err = save(v, sn->file, eb)) != GS_OK) return err;
    sn->done = true;
  }
  gs_err_t err = gs_engine_run(v->eng, until_us);
  return err == GS_OK && v->quit ? GS_EINTR : err;
}

gs_err_t gs_view_add_twin(gs_view_t *v, size_t k, const gs_series_t *twin) {
  if (k >= v->s->n_events) return GS_EINVAL;
  if (v->twins == NULL) {
    v->twins = calloc(v->s->n_events, sizeof *v->twins);
    if (v->twins == NULL) return GS_ENOMEM;
  }
  gs_series_t *t = &v->twins[k];
  free(t->power_mw);
  *t = *twin;
  t->power_mw = malloc((twin->n ? twin->n : 1) * sizeof *t->power_mw);
  if (t->power_mw == NULL) {
    t->n = 0;
    return GS_ENOMEM;
  }
  if (twin->n) memcpy(t->power_mw, twin->power_mw, twin->n * sizeof(int64_t));
  t->cap = t->n;
  return GS_OK;
}

gs_err_t gs_view_finish(gs_view_t *v, bool complete, gs_errbuf_t *eb) {
  /* The run is over: no record comes any more, and the trace's sink that
   * follows ours may be closed before the view is destroyed. */
  if (v->attached && v->w->log == &v->sink) v->w->log = v->prev_log;
  v->attached = false;
  int64_t wall = gs__view_wall_us();
  if (wall > v->pace_wall0_us && v->rate_events == 0)
    v->events_per_s = (double)gs_engine_events_processed(v->eng) * 1e6 /
                      (double)(wall - v->pace_wall0_us);
  for (size_t i = 0; i < v->n_snaps; i++) {
    if (v->snaps[i].done) continue;
    gs_err_t err = save(v, v->snaps[i].file, eb);
    if (err != GS_OK) return err;
    v->snaps[i].done = true;
  }
  if (v->win == NULL || !complete || v->quit) return GS_OK;
  /* The run is over: keep the last frame up until the user quits. */
  present(v);
  while (!v->quit && !(v->cfg.interrupted && *v->cfg.interrupted)) {
    SDL_Event e;
    /* (Pushing the event back for handle_events loses key presses.) */
    if (SDL_WaitEventTimeout(&e, 100)) {
      handle_event(v, &e);
      handle_events(v);
      present(v);
    }
  }
  return GS_OK;
}

bool gs_view_quit(const gs_view_t *v) { return v->quit; }

uint64_t gs_view_frames(const gs_view_t *v) { return v->frames; }

void gs_view_destroy(gs_view_t *v) {
  if (v == NULL) return;
  if (v->attached && v->w->log == &v->sink) v->w->log = v->prev_log;
  gs_series_free(&v->series);
  for (size_t k = 0; v->twins && k < v->s->n_events; k++)
    free(v->twins[k].power_mw);
  free(v->twins);
  if (v->font) TTF_CloseFont(v->font);
  if (v->font_small) TTF_CloseFont(v->font_small);
  if (v->ttf) TTF_Quit();
  if (v->ren) SDL_DestroyRenderer(v->ren);
  if (v->surf) SDL_FreeSurface(v->surf);
  if (v->win) SDL_DestroyWindow(v->win);
  if (v->sdl_video) SDL_QuitSubSystem(SDL_INIT_VIDEO);
  free(v->opt_out_until_us);
  free(v->accepted_end_us);
  free(v->rebound_until_us);
  free(v->snaps);
  free(v);
}
