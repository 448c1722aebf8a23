/* SPDX-License-Identifier: MIT */
/* Draws one frame of the view: clock, fleet power plot, heat map, bars. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grid.h"
#include "scenario_priv.h"
#include "pace.h"
#include "ven.h"
#include "view_priv.h"

/* Colours (0xRRGGBB). The state colours are far apart in hue so a reader
 * (and a test) tells them apart even where cells are one pixel. */
static const uint32_t state_rgb[GS_VIEW_NSTATES] = {
    [GS_VIEW_NORMAL] = 0x2e6b4f,     /* muted green */
    [GS_VIEW_SHEDDING] = 0x2f8cff,   /* blue */
    [GS_VIEW_OPTED_OUT] = 0xf0b429,  /* amber */
    [GS_VIEW_OFFLINE] = 0x6b6b6b,    /* grey */
    [GS_VIEW_REBOUNDING] = 0xe0409a, /* magenta */
};
static const char *const state_name[GS_VIEW_NSTATES] = {
    "normal", "shedding", "opted out", "offline", "rebounding"};
enum {
  RGB_PANEL = 0x1c1f27,
  RGB_GRID = 0x323744,
  RGB_TEXT = 0xe6e6e6,
  RGB_DIM = 0x9aa0ab,
  RGB_EVENT = 0x233a5c, /* DR event shading */
  RGB_ACTUAL = GS_VIEW_ACTUAL_RGB,
  RGB_TARGET = GS_VIEW_TARGET_RGB,
  RGB_TWIN = 0xb8c4d6,
  RGB_OK = 0x3fae6a,
  RGB_WARN = 0xf0b429,
  RGB_OVER = 0xe53935,
};

uint32_t gs_view_state_rgb(gs_view_state_t s) {
  return s < GS_VIEW_NSTATES ? state_rgb[s] : GS_VIEW_BG_RGB;
}

void gs_view_layout(int width_px, int height_px, gs_view_layout_t *out) {
  int m = 12, head = 44;
  int top_h = (height_px - head - 3 * m) * 55 / 100;
  int bot_y = head + m + top_h + m;
  int bot_h = height_px - bot_y - m;
  int heat_w = (width_px - 3 * m) * 62 / 100;
  out->header = (gs_view_rect_t){0, 0, width_px, head};
  out->plot = (gs_view_rect_t){m, head + m, width_px - 2 * m, top_h};
  out->heat = (gs_view_rect_t){m, bot_y, heat_w, bot_h};
  out->bars = (gs_view_rect_t){2 * m + heat_w, bot_y,
                               width_px - 3 * m - heat_w, bot_h};
  out->cells = (gs_view_rect_t){out->heat.x + 8, out->heat.y + 26,
                                out->heat.w - 16, out->heat.h - 34};
}

static void set_rgb(SDL_Renderer *r, uint32_t rgb) {
  SDL_SetRenderDrawColor(r, (rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255,
                         255);
}

static void fill(gs_view_t *v, int x, int y, int w, int h, uint32_t rgb) {
  set_rgb(v->ren, rgb);
  SDL_RenderFillRect(v->ren, &(SDL_Rect){x, y, w, h});
}

static void line(gs_view_t *v, int x0, int y0, int x1, int y1, uint32_t rgb) {
  set_rgb(v->ren, rgb);
  SDL_RenderDrawLine(v->ren, x0, y0, x1, y1);
}

/* Text at (x, y), left-aligned; `right` aligns its right edge at x. Does
 * nothing without a font. Returns the width drawn. */
static int text(gs_view_t *v, TTF_Font *f, int x, int y, uint32_t rgb,
                bool right, const char *fmt, ...) {
  if (f == NULL) return 0;
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  SDL_Color c = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255, 255};
  SDL_Surface *ts = TTF_RenderUTF8_Blended(f, buf, c);
  if (ts == NULL) return 0;
  /* The renderer draws straight into v->surf; flush its queue before a
   * blit touches the same pixels. */
  SDL_RenderFlush(v->ren);
  SDL_Rect dst = {right ? x - ts->w : x, y, ts->w, ts->h};
  SDL_BlitSurface(ts, NULL, v->surf, &dst);
  int w = ts->w;
  SDL_FreeSurface(ts);
  return w;
}

static void draw_header(gs_view_t *v, const gs_view_rect_t *r) {
  fill(v, r->x, r->y, r->w, r->h, RGB_PANEL);
  gs_time_us_t now = gs_engine_now(v->eng);
  char iso[40];
  gs_time_format_iso8601(v->s->start_unix_s + now / 1000000, iso,
                         sizeof iso);
  int64_t sec = now / 1000000;
  int x = 12;
  x += text(v, v->font, x, 10, RGB_TEXT, false, "%s", v->s->name) + 24;
  x += text(v, v->font, x, 10, RGB_TEXT, false,
            "t = %" PRId64 "d %02d:%02d:%02d  (%s)", sec / 86400,
            (int)(sec / 3600 % 24), (int)(sec / 60 % 60), (int)(sec % 60),
            iso) + 24;
  char pace[48];
  gs__view_speed(v, pace, sizeof pace);
  x += text(v, v->font, x, 10, RGB_TEXT, false, "speed: %s", pace) + 24;
  text(v, v->font, x, 10, RGB_TEXT, false, "%.3g events/s%s",
       v->events_per_s, v->paused ? "   PAUSED" : "");
}

void gs__view_speed(const gs_view_t *v, char *buf, size_t n) {
  if (v->pacer) snprintf(buf, n, "paced %gx", gs_pace_factor(v->pacer));
  else if (v->cfg.paced) snprintf(buf, n, "paced (--pace)");
  else if (v->pace > 0) snprintf(buf, n, "pace %gx", v->pace);
  else snprintf(buf, n, "batch (max)");
}

/* Fleet power in kW at sample j of `s`. */
static double kw_at(const gs_series_t *s, size_t j) {
  return (double)s->power_mw[j] / 1e6;
}

/* The fleet's power just before event `ev` starts, if sampled yet. */
static bool power_before(const gs_series_t *s, const gs_dr_event_cfg_t *ev,
                         double *kw) {
  if (s->interval_us <= 0) return false;
  size_t j = ev->start_us > 0 ? (size_t)((ev->start_us - 1) / s->interval_us)
                              : 0;
  if (j >= s->n) return false;
  *kw = kw_at(s, j);
  return true;
}

/* Plots series `s` over samples [j0, j1) into the plot transform. */
static void plot_series(gs_view_t *v, const gs_series_t *s, size_t j0,
                        size_t j1, const gs_view_rect_t *p, double lo,
                        double hi, uint32_t rgb, double now_kw, bool live) {
  double span_us = (double)v->s->duration_us;
  int px = -1, py = 0;
  size_t end = j1 < s->n ? j1 : s->n;
  for (size_t j = j0; j <= end; j++) {
    double t_us, kw;
    if (j < end) {
      t_us = (double)j * (double)s->interval_us;
      kw = kw_at(s, j);
    } else if (live) { /* extend to the present instant */
      t_us = (double)gs_engine_now(v->eng);
      kw = now_kw;
    } else {
      break;
    }
    int x = p->x + (int)lround(t_us / span_us * (p->w - 1));
    int y = p->y + p->h - 1 - (int)lround((kw - lo) / (hi - lo) * (p->h - 1));
    if (px >= 0) {
      line(v, px, py, x, y, rgb);
      line(v, px, py + 1, x, y + 1, rgb); /* 2 px: readable when scaled */
    }
    px = x;
    py = y;
  }
}

static void draw_plot(gs_view_t *v, const gs_view_rect_t *r) {
  fill(v, r->x, r->y, r->w, r->h, RGB_PANEL);
  gs_view_rect_t p = {r->x + 70, r->y + 26, r->w - 90, r->h - 54};
  const gs_series_t *s = &v->series;
  double now_kw = (double)gs_meters_power_mw(gs_engine_meters(v->eng),
                                             v->w->fleet_meter) / 1e6;
  double lo = fmin(0, now_kw), hi = fmax(1, now_kw);
  for (size_t j = 0; j < s->n; j++) {
    lo = fmin(lo, kw_at(s, j));
    hi = fmax(hi, kw_at(s, j));
  }
  for (size_t k = 0; v->twins && k < v->s->n_events; k++)
    for (size_t j = 0; j < v->twins[k].n; j++)
      hi = fmax(hi, kw_at(&v->twins[k], j));
  hi = lo + (hi - lo) * 1.1;
  double span_us = (double)v->s->duration_us;
  /* DR events, shaded, and their targets. */
  for (size_t k = 0; k < v->s->n_events; k++) {
    const gs_dr_event_cfg_t *ev = &v->s->events[k];
    int x0 = p.x + (int)lround((double)ev->start_us / span_us * (p.w - 1));
    int x1 = p.x + (int)lround((double)gs_dr_event_end_us(ev) / span_us *
                               (p.w - 1));
    if (x1 > p.x + p.w) x1 = p.x + p.w;
    fill(v, x0, p.y, x1 - x0 + 1, p.h, RGB_EVENT);
    text(v, v->font_small, x0 + 3, p.y + 2, RGB_DIM, false, "%s", ev->id);
  }
  /* Grid lines and axis labels: 5 power ticks, hours along x. */
  for (int i = 0; i <= 4; i++) {
    int y = p.y + p.h - 1 - i * (p.h - 1) / 4;
    line(v, p.x, y, p.x + p.w - 1, y, RGB_GRID);
    text(v, v->font_small, p.x - 6, y - 8, RGB_DIM, true, "%.4g",
         lo + (hi - lo) * i / 4);
  }
  double hours = span_us / 3.6e9;
  double step_h = hours <= 6 ? 1 : hours <= 24 ? 3 : hours <= 72 ? 12 : 24;
  for (double h = 0; h <= hours + 1e-9; h += step_h) {
    int x = p.x + (int)lround(h / hours * (p.w - 1));
    line(v, x, p.y, x, p.y + p.h - 1, RGB_GRID);
    text(v, v->font_small, x - 6, p.y + p.h + 4, RGB_DIM, false, "%gh", h);
  }
  text(v, v->font_small, r->x + 8, r->y + 6, RGB_DIM, false, "kW");
  /* Targets: power before the event minus the request, over the event. */
  for (size_t k = 0; k < v->s->n_events; k++) {
    const gs_dr_event_cfg_t *ev = &v->s->events[k];
    double before;
    if (ev->requested_kw <= 0 || !power_before(s, ev, &before)) continue;
    double tkw = before - ev->requested_kw;
    if (tkw < lo) continue;
    int x0 = p.x + (int)lround((double)ev->start_us / span_us * (p.w - 1));
    int x1 = p.x + (int)lround((double)gs_dr_event_end_us(ev) / span_us *
                               (p.w - 1));
    int y = p.y + p.h - 1 - (int)lround((tkw - lo) / (hi - lo) * (p.h - 1));
    for (int x = x0; x < x1; x += 8) /* dashed */
      fill(v, x, y - 1, x + 5 < x1 ? 5 : x1 - x, 3, RGB_TARGET);
  }
  /* The counterfactual of each event, from its start to the next one's. */
  for (size_t k = 0; v->twins && k < v->s->n_events; k++) {
    const gs_series_t *t = &v->twins[k];
    if (t->n == 0) continue;
    const gs_dr_event_cfg_t *ev = &v->s->events[k];
    size_t j0 = (size_t)(ev->start_us / t->interval_us);
    size_t j1 = k + 1 < v->s->n_events
                    ? (size_t)(v->s->events[k + 1].start_us / t->interval_us)
                    : t->n;
    plot_series(v, t, j0 ? j0 - 1 : 0, j1 + 1, &p, lo, hi, RGB_TWIN, 0,
                false);
  }
  plot_series(v, s, 0, s->n, &p, lo, hi, RGB_ACTUAL, now_kw, true);
  int lx = p.x + p.w;
  lx -= text(v, v->font_small, lx, r->y + 6, RGB_TWIN, true,
             "counterfactual") + 16;
  lx -= text(v, v->font_small, lx, r->y + 6, RGB_TARGET, true,
             "DR target") + 16;
  text(v, v->font_small, lx, r->y + 6, RGB_ACTUAL, true,
       "fleet power %.1f kW", now_kw);
}

/* Every VEN is one cell: c x c pixels when they fit, else several VENs
 * share a pixel, which takes the state most of them are in (ties to the
 * higher state, so a rare state is not lost among equals). */
static void draw_heat(gs_view_t *v, const gs_view_rect_t *r,
                      const gs_view_rect_t *cells) {
  fill(v, r->x, r->y, r->w, r->h, RGB_PANEL);
  gs_view_rect_t m = *cells;
  uint64_t n = v->w->n_vens;
  uint64_t counts[GS_VIEW_NSTATES] = {0};
  gs_time_us_t now = gs_engine_now(v->eng);
  SDL_RenderFlush(v->ren);
  if (n > 0 && SDL_LockSurface(v->surf) == 0) {
    uint32_t px[GS_VIEW_NSTATES];
    for (int s = 0; s < GS_VIEW_NSTATES; s++)
      px[s] = SDL_MapRGB(v->surf->format, (state_rgb[s] >> 16) & 255,
                         (state_rgb[s] >> 8) & 255, state_rgb[s] & 255);
    uint8_t *base = v->surf->pixels;
    int pitch = v->surf->pitch;
    uint64_t area = (uint64_t)m.w * (uint64_t)m.h;
    if (n <= area) {
      int c = (int)sqrt((double)area / (double)n);
      while (c > 1 && (uint64_t)(m.w / c) * (uint64_t)(m.h / c) < n) c--;
      int cols = m.w / c, gap = c >= 4 ? 1 : 0;
      for (uint64_t i = 0; i < n; i++) {
        gs_view_state_t st = gs__view_ven_state(v, i, now);
        counts[st]++;
        int x = m.x + (int)(i % (uint64_t)cols) * c;
        int y = m.y + (int)(i / (uint64_t)cols) * c;
        for (int dy = 0; dy < c - gap; dy++) {
          uint32_t *row = (uint32_t *)(base + (size_t)(y + dy) * pitch) + x;
          for (int dx = 0; dx < c - gap; dx++) row[dx] = px[st];
        }
      }
    } else {
      uint64_t i = 0;
      for (uint64_t p = 0; p < area; p++) {
        uint64_t end = (p + 1) * n / area;
        uint32_t tally[GS_VIEW_NSTATES] = {0};
        for (; i < end; i++) {
          gs_view_state_t st = gs__view_ven_state(v, i, now);
          tally[st]++;
          counts[st]++;
        }
        int best = 0;
        for (int s = 1; s < GS_VIEW_NSTATES; s++)
          if (tally[s] >= tally[best]) best = s;
        int x = m.x + (int)(p % (uint64_t)m.w), y = m.y + (int)(p / m.w);
        ((uint32_t *)(base + (size_t)y * pitch))[x] = px[best];
      }
    }
    SDL_UnlockSurface(v->surf);
  }
  int x = r->x + 8;
  x += text(v, v->font_small, x, r->y + 5, RGB_TEXT, false,
            "%" PRIu64 " VENs", n) + 14;
  for (int s = 0; s < GS_VIEW_NSTATES; s++) {
    fill(v, x, r->y + 9, 10, 10, state_rgb[s]);
    x += 14 + text(v, v->font_small, x + 14, r->y + 5, RGB_DIM, false,
                   "%s %" PRIu64, state_name[s], counts[s]) + 12;
  }
}

/* Transformers side by side, grouped by feeder; a column shows the most
 * loaded transformer that falls in it. The dashed line is the rating. */
static void draw_bars(gs_view_t *v, const gs_view_rect_t *r) {
  fill(v, r->x, r->y, r->w, r->h, RGB_PANEL);
  const gs_grid_cfg_t *g = v->w->grid;
  text(v, v->font_small, r->x + 8, r->y + 5, RGB_TEXT, false,
       "transformer loading (kVA / rating)");
  if (g == NULL || g->n_xfmrs == 0 || v->w->xfmr_meter == NULL) return;
  gs_view_rect_t b = {r->x + 40, r->y + 30, r->w - 50, r->h - 56};
  const gs_meters_t *mt = gs_engine_meters(v->eng);
  double pf = g->power_factor > 0 ? g->power_factor : 1;
  const double full = 1.5; /* the top of the panel: 150 % of rating */
  uint32_t over = 0;
  int x = b.x;
  for (size_t f = 0; f < g->n_feeders; f++) {
    const gs_feeder_cfg_t *fd = &g->feeders[f];
    int w = (int)((double)b.w * fd->n_xfmrs / g->n_xfmrs);
    if (w < 3) w = 3;
    if (x + w > b.x + b.w) w = b.x + b.w - x;
    int cols = w - 2 > 0 ? w - 2 : 1;
    for (int c = 0; c < cols; c++) {
      uint32_t t0 = fd->first_xfmr + (uint32_t)((uint64_t)c * fd->n_xfmrs /
                                                (uint64_t)cols);
      uint32_t t1 = fd->first_xfmr + (uint32_t)((uint64_t)(c + 1) *
                                                fd->n_xfmrs / (uint64_t)cols);
      if (t1 == t0) t1 = t0 + 1;
      double ratio = 0;
      for (uint32_t t = t0; t < t1 && t < fd->first_xfmr + fd->n_xfmrs;
           t++) {
        double kva = fabs((double)gs_meters_power_mw(mt, v->w->xfmr_meter[t]))
                     / 1e6 / pf;
        double rr = g->xfmrs[t].kva > 0 ? kva / g->xfmrs[t].kva : 0;
        ratio = fmax(ratio, rr);
      }
      int h = (int)lround(fmin(ratio, full) / full * b.h);
      uint32_t rgb = ratio > 1 ? RGB_OVER : ratio > 0.8 ? RGB_WARN : RGB_OK;
      fill(v, x + c, b.y + b.h - h, 1, h, rgb);
    }
    text(v, v->font_small, x, b.y + b.h + 4, RGB_DIM, false, "%s", fd->id);
    x += w;
  }
  for (uint32_t t = 0; t < g->n_xfmrs; t++) {
    double kva = fabs((double)gs_meters_power_mw(mt, v->w->xfmr_meter[t])) /
                 1e6 / pf;
    if (g->xfmrs[t].kva > 0 && kva > g->xfmrs[t].kva) over++;
  }
  int y1 = b.y + b.h - (int)lround(1.0 / full * b.h);
  for (int xx = b.x; xx < b.x + b.w; xx += 6)
    line(v, xx, y1, xx + 3, y1, RGB_TEXT);
  text(v, v->font_small, b.x - 4, y1 - 8, RGB_DIM, true, "100%%");
  text(v, v->font_small, b.x - 4, b.y - 8, RGB_DIM, true, "150%%");
  text(v, v->font_small, r->x + r->w - 8, r->y + 5,
       over ? RGB_OVER : RGB_DIM, true, "%u of %u over rating", over,
       g->n_xfmrs);
}

void gs__view_draw(gs_view_t *v) {
  gs_view_layout_t l;
  gs_view_layout(v->width_px, v->height_px, &l);
  fill(v, 0, 0, v->width_px, v->height_px, GS_VIEW_BG_RGB);
  draw_header(v, &l.header);
  draw_plot(v, &l.plot);
  draw_heat(v, &l.heat, &l.cells);
  draw_bars(v, &l.bars);
  SDL_RenderFlush(v->ren);
}
