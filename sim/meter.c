/* SPDX-License-Identifier: MIT */
/* Exact power and energy totals over a tree of meters (VEN .. fleet). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gridsim/meter.h"
#include "hugemem.h"

/* Energy in milliwatt-microseconds needs more than 64 bits: a million homes
 * at 5 kW for a year is 1.6e26 mW·µs. GCC and Clang provide __int128. */
__extension__ typedef __int128 gs__i128;

/* Two kinds of meter, one index space.
 *
 * A compact meter (every meter at first, and every home's for good) is 32
 * bytes, two to a cache line: power and peak in 48-bit mW, the time of
 * its last change in 48-bit µs, energy in 80-bit mW·µs, and its parent.
 * It keeps no time for its peak and lists no ancestors beyond its parent.
 *
 * A full meter is 64 bytes, one line: 128-bit energy, 64-bit power, peak,
 * times, the time of its peak and up to four ancestors. A meter becomes
 * full when it gets a child (so every ancestor is full), when asked to
 * (gs_meters_keep_full), or when a figure would leave a compact field;
 * its compact slot then only points at the full record.
 *
 * The compact bounds: |power| < 2^47 mW (140 GW), time < 2^48 µs (8.9
 * years), |energy| < 2^79 mW·µs (168 GWh). A home at 100 kW, far above
 * any panel's rating (200 A x 240 V = 48 kW), reaches 2^79 mW·µs after
 * 191 years. Past any bound the meter turns full with its exact figures,
 * so no result ever depends on them. */
#define GS__W48 47 /* a signed 48-bit field holds -2^47 < x < 2^47 */
#define GS__T48 48 /* times 0 <= t < 2^48 */
#define GS__E80 79 /* energy -2^79 <= e < 2^79 */
/* Peak of a compact meter before any interval of positive length: -2^47,
 * which no compact power can equal. */
#define GS__NO_PEAK48 (-((int64_t)1 << GS__W48))

/* In a compact slot's `up`: the meter is full; e_lo is its full index. */
#define GS__FULL (GS_METER_NONE - 1)

typedef struct meter {
  uint64_t e_lo;     /* energy bits 0..63 (two's complement) */
  uint32_t last_lo;  /* last change, bits 0..31 */
  uint32_t power_lo; /* power bits 0..31 */
  uint32_t peak_lo;  /* peak bits 0..31 (GS__NO_PEAK48: none yet) */
  uint32_t up;       /* parent's full index, GS_METER_NONE, or GS__FULL */
  uint16_t last_hi;  /* bits 32..47 of each */
  int16_t power_hi, peak_hi;
  int16_t e_hi; /* energy bits 64..79 */
} meter_t;
_Static_assert(sizeof(meter_t) == 32, "a compact meter is half a line");

/* Up to this many ancestors are listed in each full meter (the rest
 * through the last one's list): transformer, feeder and fleet in one hop. */
#define GS__METER_UP 4

typedef struct full {
  gs__i128 energy_mwus; /* integral of power up to last_us */
  int64_t power_mw;
  int64_t peak_mw; /* INT64_MIN until an interval of positive length */
  gs_time_us_t last_us;
  gs_time_us_t peak_at_us; /* GS__AT_UNKNOWN: reached while compact */
  /* Full indices of the parent, grandparent, ... (GS_METER_NONE past
   * the root): a power change fetches every ancestor at once instead of
   * chasing parent links, one cache miss after another. */
  uint32_t up[GS__METER_UP];
} full_t;
_Static_assert(sizeof(full_t) == 64, "a full meter is one line");
#define GS__AT_UNKNOWN INT64_MIN

/* An array whose elements start on `align`-byte boundaries, so none
 * straddles two cache lines: malloc only promises 16. A large one is on
 * huge pages (gs_hugemem_grow): a power change touches a home's slot and
 * its transformer's record at random among a million, which with 4 KiB
 * pages is a TLB miss each on top of the cache miss. */
typedef struct aligned {
  unsigned char *raw; /* the allocation (cap elements + align of slack) */
  void *at;           /* the aligned view */
  uint32_t cap;
} aligned_t;

struct gs_meters {
  aligned_t slots; /* meter_t, by meter index */
  aligned_t fulls; /* full_t, by full index */
  uint32_t *full_meter; /* full index -> meter index */
  uint32_t *on;         /* full index -> devices on below it */
  uint32_t n, n_full;
};

#define SLOT(ms, i) (&((meter_t *)(ms)->slots.at)[i])
#define FULL(ms, f) (&((full_t *)(ms)->fulls.at)[f])

gs_meters_t *gs_meters_create(void) { return calloc(1, sizeof(gs_meters_t)); }

/* Bytes of the allocation behind `a` (gs_hugemem_grow wants them back). */
static size_t aligned_bytes(const aligned_t *a, size_t size, size_t align) {
  return a->raw ? (size_t)a->cap * size + align : 0;
}

void gs_meters_destroy(gs_meters_t *ms) {
  if (ms == NULL) return;
  gs_hugemem_free(ms->slots.raw,
                  aligned_bytes(&ms->slots, sizeof(meter_t), sizeof(meter_t)));
  gs_hugemem_free(ms->fulls.raw, aligned_bytes(&ms->fulls, sizeof(full_t), 64));
  free(ms->full_meter);
  free(ms->on);
  free(ms);
}

/* Grows `a` (holding `n` elements of `size`) to `cap`. Like realloc, not
 * aligned_alloc + copy: a large block grows by moving its pages (mremap)
 * without a second copy resident. If its alignment changed, the
 * elements move to the new boundary. */
static gs_err_t grow(aligned_t *a, uint32_t n, uint32_t cap, size_t size,
                     size_t align) {
  size_t old_off = a->raw ? (size_t)((unsigned char *)a->at - a->raw) : 0;
  unsigned char *grown = gs_hugemem_grow(a->raw, aligned_bytes(a, size, align),
                                         (size_t)cap * size + align);
  if (grown == NULL) return GS_ENOMEM;
  size_t off = (align - (uintptr_t)grown % align) % align;
  if (off != old_off) memmove(grown + off, grown + old_off, (size_t)n * size);
  a->raw = grown;
  a->at = grown + off;
  a->cap = cap;
  return GS_OK;
}

/* The 48-bit fields, sign-extended (power, peak) or not (time). */
static int64_t s48(int16_t hi, uint32_t lo) {
  return (int64_t)((uint64_t)(int64_t)hi << 32 | lo);
}
static void put_s48(int16_t *hi, uint32_t *lo, int64_t v) {
  *hi = (int16_t)(v >> 32);
  *lo = (uint32_t)v;
}
static gs_time_us_t last_of(const meter_t *m) {
  return (gs_time_us_t)((uint64_t)m->last_hi << 32 | m->last_lo);
}
static gs__i128 energy_of(const meter_t *m) {
  return (gs__i128)m->e_hi * ((gs__i128)1 << 64) + (gs__i128)m->e_lo;
}
static bool fits48(int64_t v) {
  return v > GS__NO_PEAK48 && v < -GS__NO_PEAK48;
}

/* Turns compact meter `i` full with its exact figures; its slot points at
 * the new record from then on. */
static gs_err_t widen(gs_meters_t *ms, uint32_t i) {
  meter_t *m = SLOT(ms, i);
  if (m->up == GS__FULL) return GS_OK;
  if (ms->n_full == ms->fulls.cap) {
    uint32_t cap = ms->fulls.cap ? ms->fulls.cap * 2 : 16;
    uint32_t *fm = realloc(ms->full_meter, (size_t)cap * sizeof *fm);
    if (fm == NULL) return GS_ENOMEM;
    ms->full_meter = fm;
    uint32_t *on = realloc(ms->on, (size_t)cap * sizeof *on);
    if (on == NULL) return GS_ENOMEM;
    ms->on = on;
    if (grow(&ms->fulls, ms->n_full, cap, sizeof(full_t), 64) != GS_OK)
      return GS_ENOMEM;
  }
  uint32_t f = ms->n_full++;
  full_t *x = FULL(ms, f);
  int64_t peak = s48(m->peak_hi, m->peak_lo);
  *x = (full_t){.energy_mwus = energy_of(m),
                .power_mw = s48(m->power_hi, m->power_lo),
                .peak_mw = peak == GS__NO_PEAK48 ? INT64_MIN : peak,
                .last_us = last_of(m),
                .peak_at_us = peak == GS__NO_PEAK48 ? 0 : GS__AT_UNKNOWN};
  x->up[0] = m->up;
  for (int k = 1; k < GS__METER_UP; k++)
    x->up[k] = x->up[k - 1] == GS_METER_NONE ? GS_METER_NONE
                                             : FULL(ms, x->up[k - 1])->up[0];
  ms->full_meter[f] = i;
  ms->on[f] = 0;
  *m = (meter_t){.e_lo = f, .up = GS__FULL};
  return GS_OK;
}

gs_err_t gs_meters_add(gs_meters_t *ms, uint32_t parent, uint32_t *out) {
  if (ms == NULL || out == NULL) return GS_EINVAL;
  if (parent != GS_METER_NONE && parent >= ms->n) return GS_EINVAL;
  if (ms->n == GS__FULL - 1) return GS_ERANGE;
  uint32_t up = GS_METER_NONE;
  if (parent != GS_METER_NONE) { /* a parent is always full */
    if (widen(ms, parent) != GS_OK) return GS_ENOMEM;
    up = (uint32_t)SLOT(ms, parent)->e_lo;
  }
  if (ms->n == ms->slots.cap &&
      grow(&ms->slots, ms->n, ms->slots.cap ? ms->slots.cap * 2 : 64,
           sizeof(meter_t), sizeof(meter_t)) != GS_OK)
    return GS_ENOMEM;
  meter_t *m = SLOT(ms, ms->n);
  *m = (meter_t){.up = up};
  put_s48(&m->peak_hi, &m->peak_lo, GS__NO_PEAK48);
  *out = ms->n++;
  return GS_OK;
}

gs_err_t gs_meters_keep_full(gs_meters_t *ms, uint32_t meter) {
  if (ms == NULL || meter >= ms->n) return GS_EINVAL;
  return widen(ms, meter);
}

uint32_t gs_meters_count(const gs_meters_t *ms) { return ms->n; }

/* The full index of the parent of `meter`, or GS_METER_NONE. */
static uint32_t parent_full(const gs_meters_t *ms, uint32_t meter) {
  const meter_t *m = SLOT(ms, meter);
  return m->up == GS__FULL ? FULL(ms, m->e_lo)->up[0] : m->up;
}

uint32_t gs_meters_parent(const gs_meters_t *ms, uint32_t meter) {
  GS_ASSERT(meter < ms->n);
  uint32_t f = parent_full(ms, meter);
  return f == GS_METER_NONE ? GS_METER_NONE : ms->full_meter[f];
}

/* Closes the interval [last_us, now_us) of full meter `x`: integrates it
 * and lets it count for the peak; then adds `delta_mw`. */
static void full_add(full_t *x, gs_time_us_t now_us, int64_t delta_mw) {
  GS_ASSERT(now_us >= x->last_us);
  if (now_us != x->last_us) {
    x->energy_mwus += (gs__i128)x->power_mw * (now_us - x->last_us);
    if (x->power_mw > x->peak_mw) {
      x->peak_mw = x->power_mw;
      x->peak_at_us = x->last_us;
    }
    x->last_us = now_us;
  }
  x->power_mw += delta_mw;
}

/* The same on a compact meter; false, with nothing changed that matters
 * (an interval closed is closed exactly), when a figure would leave its
 * field: the caller then widens it and adds there. */
static bool compact_add(meter_t *m, gs_time_us_t now_us, int64_t delta_mw) {
  gs_time_us_t last = last_of(m);
  int64_t p = s48(m->power_hi, m->power_lo);
  GS_ASSERT(now_us >= last);
  if (now_us != last) {
    gs__i128 e = energy_of(m) + (gs__i128)p * (now_us - last);
    if (now_us >> GS__T48 != 0 || (e >> GS__E80 != 0 && e >> GS__E80 != -1))
      return false;
    m->e_lo = (uint64_t)e;
    m->e_hi = (int16_t)(e >> 64);
    if (p > s48(m->peak_hi, m->peak_lo)) put_s48(&m->peak_hi, &m->peak_lo, p);
    m->last_lo = (uint32_t)now_us;
    m->last_hi = (uint16_t)(now_us >> 32);
  }
  int64_t np = p + delta_mw;
  if (!fits48(np)) return false;
  put_s48(&m->power_hi, &m->power_lo, np);
  return true;
}

/* Adds to full meter `f` and every ancestor of it. */
static void full_chain(gs_meters_t *ms, uint32_t f, gs_time_us_t now_us,
                       int64_t delta_mw) {
  full_add(FULL(ms, f), now_us, delta_mw);
  for (;;) {
    const uint32_t *up = FULL(ms, f)->up;
    for (int k = 0; k < GS__METER_UP && up[k] != GS_METER_NONE; k++)
      __builtin_prefetch(FULL(ms, up[k]), 1);
    for (int k = 0; k < GS__METER_UP; k++) {
      if (up[k] == GS_METER_NONE) return;
      full_add(FULL(ms, up[k]), now_us, delta_mw);
    }
    f = up[GS__METER_UP - 1]; /* deeper trees: on from the 4th ancestor */
  }
}

void gs_meters_add_power(gs_meters_t *ms, uint32_t meter, gs_time_us_t now_us,
                         int64_t delta_mw) {
  GS_ASSERT(meter < ms->n);
  meter_t *m = SLOT(ms, meter);
  uint32_t up = m->up;
  if (up != GS__FULL) {
    if (up != GS_METER_NONE) __builtin_prefetch(FULL(ms, up), 1);
    if (compact_add(m, now_us, delta_mw)) {
      if (up != GS_METER_NONE) full_chain(ms, up, now_us, delta_mw);
      return;
    }
    /* A figure outgrew its field: on at full width, exactly. */
    gs_err_t err = widen(ms, meter);
    GS_ASSERT(err == GS_OK); /* out of memory mid-run: nothing to return */
    m = SLOT(ms, meter);
  }
  full_chain(ms, (uint32_t)m->e_lo, now_us, delta_mw);
}

void gs_meters_prefetch(const gs_meters_t *ms, uint32_t meter,
                        bool ancestors) {
  if (meter >= ms->n) return;
  const meter_t *m = SLOT(ms, meter);
  if (!ancestors) {
    __builtin_prefetch(m, 1);
    return;
  }
  if (m->up != GS__FULL) {
    /* The parent; its own ancestors (feeder, fleet) are few and hot. */
    if (m->up != GS_METER_NONE) __builtin_prefetch(FULL(ms, m->up), 1);
    return;
  }
  const full_t *x = FULL(ms, m->e_lo);
  for (int k = 0; k < GS__METER_UP && x->up[k] != GS_METER_NONE; k++)
    __builtin_prefetch(FULL(ms, x->up[k]), 1);
}

int64_t gs_meters_power_mw(const gs_meters_t *ms, uint32_t meter) {
  GS_ASSERT(meter < ms->n);
  const meter_t *m = SLOT(ms, meter);
  return m->up == GS__FULL ? FULL(ms, m->e_lo)->power_mw
                           : s48(m->power_hi, m->power_lo);
}

static gs__i128 energy_at(const gs_meters_t *ms, uint32_t meter,
                          gs_time_us_t now_us) {
  GS_ASSERT(meter < ms->n);
  const meter_t *m = SLOT(ms, meter);
  if (m->up == GS__FULL) {
    const full_t *x = FULL(ms, m->e_lo);
    GS_ASSERT(now_us >= x->last_us);
    return x->energy_mwus + (gs__i128)x->power_mw * (now_us - x->last_us);
  }
  GS_ASSERT(now_us >= last_of(m));
  return energy_of(m) +
         (gs__i128)s48(m->power_hi, m->power_lo) * (now_us - last_of(m));
}

double gs_meters_energy_kwh(const gs_meters_t *ms, uint32_t meter,
                            gs_time_us_t now_us) {
  /* 1 kWh = 1e6 mW * 3.6e9 µs = 3.6e15 mW·µs. */
  return (double)energy_at(ms, meter, now_us) / 3.6e15;
}

int64_t gs_meters_energy_mws(const gs_meters_t *ms, uint32_t meter,
                             gs_time_us_t now_us) {
  gs__i128 e = energy_at(ms, meter, now_us);
  gs__i128 q = e / 1000000;
  if (e % 1000000 < 0) q -= 1; /* floor, not truncation */
  return (int64_t)q;
}

int64_t gs_meters_peak_mw(const gs_meters_t *ms, uint32_t meter,
                          gs_time_us_t now_us, gs_time_us_t *at_us) {
  GS_ASSERT(meter < ms->n);
  const meter_t *m = SLOT(ms, meter);
  int64_t peak, power;
  gs_time_us_t at, last;
  if (m->up == GS__FULL) {
    const full_t *x = FULL(ms, m->e_lo);
    peak = x->peak_mw;
    at = x->peak_at_us;
    power = x->power_mw;
    last = x->last_us;
  } else {
    peak = s48(m->peak_hi, m->peak_lo);
    if (peak == GS__NO_PEAK48) peak = INT64_MIN;
    at = GS__AT_UNKNOWN; /* a compact meter keeps no time for its peak */
    power = s48(m->power_hi, m->power_lo);
    last = last_of(m);
  }
  if (now_us > last && power > peak) {
    peak = power;
    at = last;
  }
  if (peak == INT64_MIN) { /* no interval yet: the present value */
    peak = power;
    at = last;
  }
  /* Asking the time of a peak a compact meter reached is a programming
   * error: gs_meters_keep_full the meter first. */
  GS_ASSERT(at_us == NULL || at != GS__AT_UNKNOWN);
  if (at_us) *at_us = at;
  return peak;
}

void gs_meters_count_on(gs_meters_t *ms, uint32_t meter, int32_t delta) {
  GS_ASSERT(meter < ms->n);
  for (uint32_t f = parent_full(ms, meter); f != GS_METER_NONE;
       f = FULL(ms, f)->up[0]) {
    GS_ASSERT(delta >= 0 || ms->on[f] >= (uint32_t)-delta);
    ms->on[f] += (uint32_t)delta;
  }
}

uint32_t gs_meters_on(const gs_meters_t *ms, uint32_t meter) {
  GS_ASSERT(meter < ms->n);
  const meter_t *m = SLOT(ms, meter);
  return m->up == GS__FULL ? ms->on[m->e_lo] : 0;
}
