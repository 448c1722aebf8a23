/* SPDX-License-Identifier: MIT */
/* Exact power and energy totals over a tree of meters (VEN .. fleet). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gridsim/meter.h"

/* Energy in milliwatt-microseconds needs more than 64 bits: a million homes
 * at 5 kW for a year is 1.6e26 mW·µs. GCC and Clang provide __int128. */
__extension__ typedef __int128 gs__i128;

/* Up to this many ancestors are listed in each meter (the rest through
 * the last one's list): VEN, transformer, feeder and fleet in one hop. */
#define GS__METER_UP 4

typedef struct meter {
  gs__i128 energy_mwus; /* integral of power up to last_us */
  int64_t power_mw;
  int64_t peak_mw; /* INT64_MIN until an interval of positive length */
  gs_time_us_t last_us;
  gs_time_us_t peak_at_us;
  /* Parent, grandparent, ... (GS_METER_NONE past the root). Listing them
   * all lets a power change fetch every ancestor at once instead of
   * chasing parent links, one cache miss after another. */
  uint32_t up[GS__METER_UP];
} meter_t;

/* Meters are 64 bytes, and the array starts on a 64-byte boundary so each
 * meter is one cache line: malloc only promises 16, and a meter straddling
 * two lines costs a second miss on every power change in a large fleet. */
#define GS__METER_ALIGN 64
_Static_assert(sizeof(meter_t) == GS__METER_ALIGN, "one meter, one line");

struct gs_meters {
  meter_t *m;       /* aligned view into raw */
  unsigned char *raw; /* the allocation (cap meters + one line of slack) */
  uint32_t n, cap;
  /* Devices on, per meter, for the meters below n_on: every meter with
   * children is (parents come first), leaves past the last parent need
   * no entry. */
  uint32_t *on;
  uint32_t n_on;
};

gs_meters_t *gs_meters_create(void) { return calloc(1, sizeof(gs_meters_t)); }

void gs_meters_destroy(gs_meters_t *ms) {
  if (ms == NULL) return;
  free(ms->raw);
  free(ms->on);
  free(ms);
}

gs_err_t gs_meters_add(gs_meters_t *ms, uint32_t parent, uint32_t *out) {
  if (ms == NULL || out == NULL) return GS_EINVAL;
  if (parent != GS_METER_NONE && parent >= ms->n) return GS_EINVAL;
  if (ms->n == GS_METER_NONE - 1) return GS_ERANGE;
  if (parent != GS_METER_NONE && parent >= ms->n_on) {
    uint32_t n_on = ms->n; /* every meter so far: room for the next ones */
    uint32_t *on = realloc(ms->on, (size_t)n_on * sizeof *on);
    if (on == NULL) return GS_ENOMEM;
    memset(on + ms->n_on, 0, (size_t)(n_on - ms->n_on) * sizeof *on);
    ms->on = on;
    ms->n_on = n_on;
  }
  if (ms->n == ms->cap) {
    /* realloc, not aligned_alloc + copy: a large block grows in place
     * (mremap) without a second copy resident. If its alignment changed,
     * the meters are moved to the new boundary. */
    uint32_t cap = ms->cap ? ms->cap * 2 : 64;
    size_t old_off = ms->raw ? (size_t)((unsigned char *)ms->m - ms->raw) : 0;
    unsigned char *grown =
        realloc(ms->raw, (size_t)cap * sizeof(meter_t) + GS__METER_ALIGN);
    if (grown == NULL) return GS_ENOMEM;
    size_t off = (GS__METER_ALIGN - (uintptr_t)grown % GS__METER_ALIGN) %
                 GS__METER_ALIGN;
    if (off != old_off)
      memmove(grown + off, grown + old_off, (size_t)ms->n * sizeof(meter_t));
    ms->raw = grown;
    ms->m = (meter_t *)(void *)(grown + off);
    ms->cap = cap;
  }
  meter_t *m = &ms->m[ms->n];
  *m = (meter_t){.peak_mw = INT64_MIN};
  m->up[0] = parent;
  for (int k = 1; k < GS__METER_UP; k++)
    m->up[k] = m->up[k - 1] == GS_METER_NONE
                   ? GS_METER_NONE
                   : ms->m[m->up[k - 1]].up[0];
  *out = ms->n++;
  return GS_OK;
}

uint32_t gs_meters_count(const gs_meters_t *ms) { return ms->n; }

uint32_t gs_meters_parent(const gs_meters_t *ms, uint32_t meter) {
  GS_ASSERT(meter < ms->n);
  return ms->m[meter].up[0];
}

/* Closes the interval [last_us, now_us) of `m`: integrates it and lets it
 * count for the peak. */
static void advance(meter_t *m, gs_time_us_t now_us) {
  GS_ASSERT(now_us >= m->last_us);
  if (now_us == m->last_us) return;
  m->energy_mwus += (gs__i128)m->power_mw * (now_us - m->last_us);
  if (m->power_mw > m->peak_mw) {
    m->peak_mw = m->power_mw;
    m->peak_at_us = m->last_us;
  }
  m->last_us = now_us;
}

static void add_one(gs_meters_t *ms, uint32_t i, gs_time_us_t now_us,
                    int64_t delta_mw) {
  GS_ASSERT(i < ms->n);
  meter_t *m = &ms->m[i];
  advance(m, now_us);
  m->power_mw += delta_mw;
}

void gs_meters_add_power(gs_meters_t *ms, uint32_t meter, gs_time_us_t now_us,
                         int64_t delta_mw) {
  GS_ASSERT(meter < ms->n);
  add_one(ms, meter, now_us, delta_mw);
  for (uint32_t i = meter;;) {
    const uint32_t *up = ms->m[i].up;
    for (int k = 0; k < GS__METER_UP && up[k] != GS_METER_NONE; k++)
      __builtin_prefetch(&ms->m[up[k]], 1);
    for (int k = 0; k < GS__METER_UP; k++) {
      if (up[k] == GS_METER_NONE) return;
      add_one(ms, up[k], now_us, delta_mw);
    }
    i = up[GS__METER_UP - 1]; /* deeper trees: on from the 4th ancestor */
  }
}

void gs_meters_prefetch(const gs_meters_t *ms, uint32_t meter,
                        bool ancestors) {
  if (meter >= ms->n) return;
  const meter_t *m = &ms->m[meter];
  if (!ancestors) {
    __builtin_prefetch(m, 1);
    return;
  }
  for (int k = 0; k < GS__METER_UP && m->up[k] != GS_METER_NONE; k++)
    __builtin_prefetch(&ms->m[m->up[k]], 1);
}

int64_t gs_meters_power_mw(const gs_meters_t *ms, uint32_t meter) {
  GS_ASSERT(meter < ms->n);
  return ms->m[meter].power_mw;
}

static gs__i128 energy_at(const meter_t *m, gs_time_us_t now_us) {
  GS_ASSERT(now_us >= m->last_us);
  return m->energy_mwus + (gs__i128)m->power_mw * (now_us - m->last_us);
}

double gs_meters_energy_kwh(const gs_meters_t *ms, uint32_t meter,
                            gs_time_us_t now_us) {
  GS_ASSERT(meter < ms->n);
  /* 1 kWh = 1e6 mW * 3.6e9 µs = 3.6e15 mW·µs. */
  return (double)energy_at(&ms->m[meter], now_us) / 3.6e15;
}

int64_t gs_meters_energy_mws(const gs_meters_t *ms, uint32_t meter,
                             gs_time_us_t now_us) {
  GS_ASSERT(meter < ms->n);
  gs__i128 e = energy_at(&ms->m[meter], now_us);
  gs__i128 q = e / 1000000;
  if (e % 1000000 < 0) q -= 1; /* floor, not truncation */
  return (int64_t)q;
}

int64_t gs_meters_peak_mw(const gs_meters_t *ms, uint32_t meter,
                          gs_time_us_t now_us, gs_time_us_t *at_us) {
  GS_ASSERT(meter < ms->n);
  const meter_t *m = &ms->m[meter];
  int64_t peak = m->peak_mw;
  gs_time_us_t at = m->peak_at_us;
  if (now_us > m->last_us && m->power_mw > peak) {
    peak = m->power_mw;
    at = m->last_us;
  }
  if (peak == INT64_MIN) { /* no interval yet: the present value */
    peak = m->power_mw;
    at = m->last_us;
  }
  if (at_us) *at_us = at;
  return peak;
}

void gs_meters_count_on(gs_meters_t *ms, uint32_t meter, int32_t delta) {
  GS_ASSERT(meter < ms->n);
  for (uint32_t i = ms->m[meter].up[0]; i != GS_METER_NONE;
       i = ms->m[i].up[0]) {
    GS_ASSERT(i < ms->n_on);
    GS_ASSERT(delta >= 0 || ms->on[i] >= (uint32_t)-delta);
    ms->on[i] += (uint32_t)delta;
  }
}

uint32_t gs_meters_on(const gs_meters_t *ms, uint32_t meter) {
  GS_ASSERT(meter < ms->n);
  return meter < ms->n_on ? ms->on[meter] : 0;
}
