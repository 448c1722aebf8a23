/* SPDX-License-Identifier: MIT */
/* Per-entity random streams: GSL's taus2 generator in 24 bytes of state. */
#ifndef GRIDSIM_RNG_H
#define GRIDSIM_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* Stream purposes: one entity may own several independent streams. */
typedef enum gs_rng_purpose {
  GS_RNG_PARAMS = 1,    /* sampling scenario parameters at build time */
  GS_RNG_BEHAVIOUR = 2, /* run-time behaviour: draws, arrivals, usage */
  GS_RNG_COMMS = 3,     /* communication: latency, loss, outages */
  GS_RNG_PROGRAM = 4,   /* program decisions: random targeting */
  GS_RNG_USER = 16      /* first value free for models */
} gs_rng_purpose_t;

/* The state of gsl_rng_taus2 (L'Ecuyer 1996, three-component Tausworthe),
 * held inline so a stream costs 24 bytes and no allocation. */
typedef struct gs_rng {
  unsigned long s[3];
} gs_rng_t;

/* Derives a stream from (seed, stream key, purpose) with splitmix64 so that
 * it depends on nothing else: adding or removing entities leaves the draws
 * of every other stream unchanged. `key` is an entity's stable identity (see
 * gs_rng_key()), not its engine index. */
void gs_rng_init(gs_rng_t *r, uint64_t seed, uint64_t key, uint32_t purpose);

/* A gsl_rng view of `r` to pass to gsl_rng_* and gsl_ran_* functions. The
 * view borrows `r`: draws through it advance `r`. */
static inline gsl_rng gs_rng_view(gs_rng_t *r) {
  gsl_rng g;
  g.type = gsl_rng_taus2;
  g.state = r->s;
  return g;
}

/* Uniform on [0, 1). */
double gs_rng_uniform(gs_rng_t *r);

/* Stable 64-bit key from a name and up to two indices (FNV-1a, then mixed):
 * e.g. gs_rng_key("suburb", ven_index, load_slot). */
uint64_t gs_rng_key(const char *name, uint64_t a, uint64_t b);

/* splitmix64 finaliser, exposed for digests and keys. */
uint64_t gs_mix64(uint64_t x);

#endif /* GRIDSIM_RNG_H */
