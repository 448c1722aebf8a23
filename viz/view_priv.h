/* SPDX-License-Identifier: MIT */
/* The view's state, shared by its files (private to viz/). */
#ifndef GRIDSIM_VIZ_VIEW_PRIV_H
#define GRIDSIM_VIZ_VIEW_PRIV_H

#include <SDL.h>
#include <SDL_ttf.h>

#include "series.h"
#include "trace_log.h"
#include "view.h"
#include "world.h"

/* A snapshot to render: its file and simulated time (-1: at the end). */
typedef struct gs__snap {
  const char *file;
  gs_time_us_t at_us;
  bool done;
} gs__snap_t;

struct gs_view {
  gs_view_cfg_t cfg;
  gs_world_t *w;
  gs_engine_t *eng;
  const struct gs_scenario *s;
  int width_px, height_px;
  /* Drawing: everything renders into `surf` with a software renderer,
   * the same pixels for a window, an offscreen frame or a snapshot. */
  SDL_Surface *surf;
  SDL_Renderer *ren;
  SDL_Window *win; /* NULL when headless */
  TTF_Font *font, *font_small; /* NULL: no text */
  bool sdl_video, ttf;
  /* Fleet power at the output interval, sampled by the observer. */
  gs_series_t series;
  gs_series_t *twins; /* per scenario event; n == 0 if none */
  /* Per VEN, from the log sink (times in us; INT64_MIN: never). */
  gs_time_us_t *opt_out_until_us; /* declined an event that runs to then */
  gs_time_us_t *accepted_end_us;  /* end of the last accepted event */
  gs_time_us_t *rebound_until_us; /* rebound window of that event */
  const gs_log_t *prev_log;
  gs_log_t sink;
  bool attached;
  /* Snapshots in the order of their times (at-end ones last). */
  gs__snap_t *snaps;
  size_t n_snaps;
  /* Frames and controls (wall clock in us, monotonic). */
  int64_t last_frame_wall_us;
  int64_t frame_period_us;
  uint64_t frames;
  struct gs_pace *pacer;  /* a paced run's pacer: keys act on it */
  double pace;            /* the view's own pacing; 0: full speed */
  int64_t pace_wall0_us;  /* pacing anchor: wall time ... */
  gs_time_us_t pace_sim0_us; /* ... and simulated time */
  bool paused, quit;
  gs_time_us_t step_until_us; /* '.' runs to here, then pauses; -1 none */
  /* Events per wall second, measured between frames. */
  uint64_t rate_events;
  int64_t rate_wall_us;
  double events_per_s;
  char title[128]; /* the window's title now (set only on change) */
};

/* Renders the present state into v->surf (gs_view_draw.c). */
void gs__view_draw(gs_view_t *v);

/* The heat map state of VEN `i` now. */
gs_view_state_t gs__view_ven_state(const gs_view_t *v, uint64_t i,
                                   gs_time_us_t now_us);

/* The speed as the header and the window title show it. */
void gs__view_speed(const gs_view_t *v, char *buf, size_t n);

/* Monotonic wall clock in microseconds. */
int64_t gs__view_wall_us(void);

#endif /* GRIDSIM_VIZ_VIEW_PRIV_H */
