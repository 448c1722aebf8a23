/* SPDX-License-Identifier: MIT */
/* Per-entity GSL taus2 streams keyed by (seed, entity key, purpose). */
#include <string.h>

#include "gridsim/rng.h"

uint64_t gs_mix64(uint64_t x) {
  /* splitmix64 finaliser (Steele, Lea & Flood, OOPSLA 2014). */
  x += UINT64_C(0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
  return x ^ (x >> 31);
}

uint64_t gs_rng_key(const char *name, uint64_t a, uint64_t b) {
  uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a offset basis */
  for (const unsigned char *p = (const unsigned char *)name; p && *p; p++) {
    h ^= *p;
    h *= UINT64_C(0x100000001b3);
  }
  return gs_mix64(gs_mix64(h ^ gs_mix64(a)) ^ gs_mix64(b + 1));
}

void gs_rng_init(gs_rng_t *r, uint64_t seed, uint64_t key, uint32_t purpose) {
  /* taus2 keeps three 32-bit words (in unsigned longs, GSL's taus.c); the
   * words must exceed 1, 7 and 15 respectively. Filling all 96 bits from
   * the hash avoids the collisions of gsl_rng_set's 32-bit seed when
   * millions of streams exist. */
  _Static_assert(sizeof(gs_rng_t) == 12, "gs_rng_t is three 32-bit words");
  uint64_t h1 = gs_mix64(seed ^ gs_mix64(key ^ gs_mix64(purpose)));
  uint64_t h2 = gs_mix64(h1);
  static const uint32_t min_word[3] = {2, 8, 16};
  uint32_t w[3] = {(uint32_t)(h1 & 0xffffffffu), (uint32_t)(h1 >> 32),
                   (uint32_t)(h2 & 0xffffffffu)};
  for (int i = 0; i < 3; i++) {
    if (w[i] < min_word[i]) w[i] += min_word[i];
    r->s[i] = w[i];
  }
  /* Warm up as gsl's taus_set does, to decorrelate from the seed. */
  gs_rng_lease_t l;
  gsl_rng *g = gs_rng_borrow(&l, r);
  for (int i = 0; i < 6; i++) gsl_rng_get(g);
  gs_rng_return(&l);
}

double gs_rng_uniform(gs_rng_t *r) {
  gs_rng_lease_t l;
  double u = gsl_rng_uniform(gs_rng_borrow(&l, r));
  gs_rng_return(&l);
  return u;
}
