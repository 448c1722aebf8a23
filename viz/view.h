/* SPDX-License-Identifier: MIT */
/* The live view and offscreen snapshots: an observer that draws the run. */
#ifndef GRIDSIM_VIZ_VIEW_H
#define GRIDSIM_VIZ_VIEW_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gridsim/engine.h"
#include "gridsim/error.h"

struct gs_world;  /* sim/world.h */
struct gs_series; /* sim/series.h */

typedef struct gs_view gs_view_t;

/* What a view does. Files and times of snapshots are paired in order:
 * file i is rendered at time i; files without a time are rendered at the
 * end of the run (gs_view_finish). More times than files is an error. */
typedef struct gs_view_cfg {
  bool window;                  /* interactive window (needs a display) */
  bool offscreen_frames;        /* render frames without showing them
                                   (the benchmark's load, no display) */
  const char *const *snapshot_files; /* .png or .bmp (borrowed) */
  size_t n_snapshot_files;
  const gs_time_us_t *snapshot_at_us; /* simulated times (borrowed) */
  size_t n_snapshot_at;
  double max_fps;               /* frames per wall second; 0: 30 */
  double pace;                  /* window: initial pace factor, 0: as fast
                                   as possible; ignored when `paced` */
  bool paced;                   /* the run is paced by --pace/--mqtt */
  int width_px, height_px;      /* 0: 1280 x 720 */
  const char *font_path;        /* NULL: DejaVu Sans; missing: no text */
  volatile sig_atomic_t *interrupted; /* a signal flag, may be NULL */
} gs_view_cfg_t;

/* Creates a view of world `w` (borrowed; it must outlive the view). With
 * cfg->window it opens the window: GS_EINVAL with a message in `eb` when
 * no display exists (the CLI exits 2). Errors: GS_EINVAL for a bad
 * configuration (times without files, unknown file extension, times out
 * of the run), GS_ENOMEM, GS_EIO (SDL failed). The caller owns *out. */
gs_err_t gs_view_create(const gs_view_cfg_t *cfg, struct gs_world *w,
                        gs_view_t **out, gs_errbuf_t *eb);

/* Adds the view's observer to the world's engine and chains the view's
 * log sink in front of the world's present one (open the trace first: its
 * sink keeps receiving every record). */
gs_err_t gs_view_attach(gs_view_t *v, gs_errbuf_t *eb);

/* In a paced run (--pace, bridges): the view becomes one of the pacer's
 * sources, so frames and keys are served while the engine waits, and the
 * keys act on the pacer (space holds simulated time while the bridges'
 * sockets are still served, '.' runs one output interval, '+'/'-' double
 * or halve the factor). Call after gs_pace_create, before the run.
 * GS_ENOMEM on failure. */
struct gs_pace;
gs_err_t gs_view_use_pace(gs_view_t *v, struct gs_pace *p);

/* Runs the engine to `until_us` (as gs_engine_run), stopping at each
 * snapshot time to render its file. Returns the engine's result; GS_EIO
 * (with `eb`) if a snapshot could not be written; GS_EINTR also when the
 * user quit the window. */
gs_err_t gs_view_run(gs_view_t *v, gs_time_us_t until_us, gs_errbuf_t *eb);

/* Keeps a copy of `twin`, the counterfactual series of event `k` (sim/
 * dr_perf.h), to draw in the end-of-run snapshots from the event's start
 * to the next event's (the twin differs from the run only from there on).
 * GS_ENOMEM on failure; GS_EINVAL for a bad `k`. */
gs_err_t gs_view_add_twin(gs_view_t *v, size_t k,
                          const struct gs_series *twin);

/* After the run (and its twins): renders the snapshots due at the end;
 * then, with a window and a `complete` run, shows the last frame until
 * the user quits. GS_EIO with `eb` when a file cannot be written. */
gs_err_t gs_view_finish(gs_view_t *v, bool complete, gs_errbuf_t *eb);

/* True once the user pressed q or closed the window. */
bool gs_view_quit(const gs_view_t *v);

/* Frames rendered so far (window or offscreen). */
uint64_t gs_view_frames(const gs_view_t *v);

/* Restores the world's log sink and frees everything. NULL is ignored. */
void gs_view_destroy(gs_view_t *v);

/* VEN states of the heat map, in order of precedence within a pixel. */
typedef enum gs_view_state {
  GS_VIEW_NORMAL = 0,
  GS_VIEW_SHEDDING,
  GS_VIEW_OPTED_OUT,
  GS_VIEW_OFFLINE,
  GS_VIEW_REBOUNDING,
  GS_VIEW_NSTATES
} gs_view_state_t;

/* The colour of a state (and the background), as 0xRRGGBB, for tests. */
uint32_t gs_view_state_rgb(gs_view_state_t s);
#define GS_VIEW_BG_RGB 0x14161cu
#define GS_VIEW_ACTUAL_RGB 0xffd23fu /* the fleet power curve */
#define GS_VIEW_TARGET_RGB 0xff5a5au /* the DR target line */

/* Where the parts of a frame of `width` x `height` lie, for tests. */
typedef struct gs_view_rect {
  int x, y, w, h;
} gs_view_rect_t;
typedef struct gs_view_layout {
  gs_view_rect_t header, plot, heat, bars;
  gs_view_rect_t cells; /* the heat map's cells (below its legend) */
} gs_view_layout_t;
void gs_view_layout(int width_px, int height_px, gs_view_layout_t *out);

#endif /* GRIDSIM_VIZ_VIEW_H */
