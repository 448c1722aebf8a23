/* SPDX-License-Identifier: MIT */
/* The weather sweep's pass over the HVAC houses: a bitmap of the running
 * ones, kept where a house starts or stops, so that a weather step visits
 * only those instead of every state. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gridsim/engine.h"
#include "hvac_priv.h"
#include "models.h"

/* One bit per HVAC state, in state order: set while the house runs (on
 * and enabled) in a run whose weather sweep books its steps. At 1M homes
 * it is 125 kB where a pass over the states reads 104 MB, 288 times a
 * day; it costs 1 bit per home of the 1,024 B budget. */
struct gs_hvac_running {
  uint64_t *words;
  size_t n_words;
  /* Where the HVAC states were at the last look-up: they move only when
   * a house is added, which then passes here from its init with its
   * state in the new block (which never overlaps the block it grew from,
   * the one cached), so a start or stop in the run finds its index
   * without asking the engine. */
  const gs__hvac_t *base;
  size_t n;
};

gs_hvac_running_t *gs_hvac_running_create(void) {
  return calloc(1, sizeof(gs_hvac_running_t));
}

void gs_hvac_running_free(gs_hvac_running_t *r) {
  if (r == NULL) return;
  free(r->words);
  free(r);
}

/* Index of HVAC state `s` among the engine's contiguous HVAC states. */
static size_t gs__index(gs_engine_t *eng, gs_hvac_running_t *r,
                        const gs__hvac_t *s) {
  uintptr_t at = (uintptr_t)s, base = (uintptr_t)r->base;
  if (r->base == NULL || at < base || at >= base + r->n * sizeof *s) {
    r->base = gs_engine_type_states(eng, &gs_model_hvac, &r->n);
    base = (uintptr_t)r->base;
    GS_ASSERT(r->base != NULL && at >= base && at < base + r->n * sizeof *s);
  }
#ifndef NDEBUG /* Debug and sanitizer builds ask the engine all the same. */
  size_t n;
  GS_ASSERT(gs_engine_type_states(eng, &gs_model_hvac, &n) == r->base);
#endif
  return (at - base) / sizeof *s;
}

gs_err_t gs__hvac_running_put(gs_engine_t *eng, const gs__hvac_t *s) {
  gs_hvac_running_t *r = s->cfg->running;
  if (r == NULL) return GS_OK;
  size_t i = gs__index(eng, r, s), w = i / 64;
  if (w >= r->n_words) { /* a house being added: double, zeroed */
    size_t n = r->n_words ? 2 * r->n_words : 16;
    while (n <= w)
      n *= 2;
    uint64_t *grown = realloc(r->words, n * sizeof *grown);
    if (grown == NULL) return GS_ENOMEM;
    memset(grown + r->n_words, 0, (n - r->n_words) * sizeof *grown);
    r->words = grown;
    r->n_words = n;
  }
  uint64_t bit = UINT64_C(1) << (i % 64);
  if (s->on && s->enabled)
    r->words[w] |= bit;
  else
    r->words[w] &= ~bit;
  return GS_OK;
}

/* Lowest set bit's index of a nonzero word. */
static unsigned gs__lowest_bit(uint64_t x) {
#if defined(__GNUC__) || defined(__clang__)
  return (unsigned)__builtin_ctzll(x);
#else
  unsigned i = 0;
  while (!(x & 1))
    x >>= 1, i++;
  return i;
#endif
}

/* A hint that the state at `p` is read and written soon: the fields the
 * pass uses run from cfg to the flags after gains_w (a 104-byte state
 * spans two or three cache lines; these bytes lie in at most two). */
static void gs__prefetch(const gs__hvac_t *p) {
#if defined(__GNUC__) || defined(__clang__)
  const char *c = (const char *)p;
  __builtin_prefetch(c + offsetof(gs__hvac_t, cfg), 1);
  __builtin_prefetch(c + offsetof(gs__hvac_t, setpoint_cc) + 2, 1);
#else
  (void)p;
#endif
}

/* Exactly the GS_EV_HVAC_STEP of an unswept house, with the curves `k`
 * of the step's outdoor temperature. */
static void gs__step_one(gs_engine_t *eng, gs__hvac_t *s,
                         const gs__hvac_curves_t *k) {
  double heat_w, elec_w;
  gs__hvac_equipment_c(s, k, &heat_w, &elec_w);
  int64_t new_mw = gs__hvac_llround(elec_w * 1000.0);
  if (new_mw != s->power_mw && s->meter != GS_METER_NONE)
    gs_engine_add_power(eng, s->meter, new_mw - s->power_mw);
  s->power_mw = (int32_t)new_mw;
}

void gs_hvac_weather_step(gs_engine_t *eng, void *states, size_t n,
                          const gs_hvac_running_t *run, double to_c) {
  gs__hvac_t *base = states;
  /* The curves once for all: the same values as each house's own. */
  gs__hvac_curves_t k = {.cool_cap = gs_hvac_cool_cap_mult(to_c),
                         .cool_eir = gs_hvac_cool_eir_mult(to_c),
                         .heat_cap = gs_hvac_heat_cap_mult(to_c),
                         .heat_eir = gs_hvac_heat_eir_mult(to_c)};
  /* The running houses in ascending state order: the meters see the
   * same bookings in the same order as from the pass over every state. */
  /* Without a bitmap no house is swept (gs__hvac_init): they step at
   * their own events. */
  if (run == NULL || n == 0) return;
  size_t n_words = (n + 63) / 64;
  GS_ASSERT(n_words <= run->n_words);
  /* A pass is bound by the misses on the states (at 1M homes they are
   * far from the cache): the running houses of the next word are fetched
   * while those of this one are booked. */
  for (size_t w = 0; w < n_words; w++) {
    if (w + 1 < n_words)
      for (uint64_t x = run->words[w + 1]; x != 0; x &= x - 1)
        gs__prefetch(&base[(w + 1) * 64 + gs__lowest_bit(x)]);
    for (uint64_t x = run->words[w]; x != 0; x &= x - 1) {
      gs__hvac_t *s = &base[w * 64 + gs__lowest_bit(x)];
      gs__step_one(eng, s, &k);
    }
  }
#ifndef NDEBUG /* Debug and sanitizer builds hold the bitmap to the flags. */
  for (size_t i = 0; i < n; i++) {
    bool set = (run->words[i / 64] >> (i % 64)) & 1;
    GS_ASSERT(set == (base[i].on && base[i].enabled && base[i].cfg->swept &&
                      base[i].cfg->running == run));
  }
#endif
}
