/* SPDX-License-Identifier: MIT */
/* Per-entity random streams: GSL's taus2 generator in 12 bytes of state. */
#ifndef GRIDSIM_RNG_H
#define GRIDSIM_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "gridsim/error.h"

/* Stream purposes: one entity may own several independent streams. */
typedef enum gs_rng_purpose {
  GS_RNG_PARAMS = 1,    /* sampling scenario parameters at build time */
  GS_RNG_BEHAVIOUR = 2, /* run-time behaviour: draws, arrivals, usage */
  GS_RNG_COMMS = 3,     /* communication: latency, loss, outages */
  GS_RNG_PROGRAM = 4,   /* program decisions: random targeting */
  GS_RNG_USER = 16      /* first value free for models */
} gs_rng_purpose_t;

/* The state of gsl_rng_taus2 (L'Ecuyer 1996, three-component Tausworthe):
 * three 32-bit words held inline, so a stream costs 12 bytes and no
 * allocation. (GSL keeps the same words in unsigned longs, 24 bytes on
 * LP64; taus2 masks every word to 32 bits, so nothing is lost.) A
 * stream's first word is always > 1 (taus2 requires it and never leaves
 * it); 0 means never initialised and 1 means lent (gs_rng_borrow). */
typedef struct gs_rng {
  uint32_t s[3];
} gs_rng_t;

/* Derives a stream from (seed, stream key, purpose) with splitmix64 so that
 * it depends on nothing else: adding or removing entities leaves the draws
 * of every other stream unchanged. `key` is an entity's stable identity (see
 * gs_rng_key()), not its engine index. */
void gs_rng_init(gs_rng_t *r, uint64_t seed, uint64_t key, uint32_t purpose);

/* A stream lent to GSL: a gsl_rng over a copy of the state in GSL's own
 * layout. It lives on the borrower's stack between gs_rng_borrow and
 * gs_rng_return and must not be copied (its gsl_rng points into it). */
typedef struct gs_rng_lease {
  gsl_rng g;
  unsigned long s[3];
  gs_rng_t *from;
} gs_rng_lease_t;

/* First word of a lent stream: not a taus2 state (its first word is > 1). */
#define GS__RNG_LENT 1u

/* Lends `r` to GSL: returns a gsl_rng for gsl_rng_* and gsl_ran_* calls
 * that draws from `r`'s sequence. The draws reach `r` only at
 * gs_rng_return(l), which every borrow must be paired with (before any
 * return statement; draw, give back, then act). Until then `r` is marked
 * lent, and borrowing or drawing from it again aborts (GS_ASSERT), so a
 * forgotten return cannot silently repeat the stream's draws: the next use
 * of the stream stops the run at its file and line. Borrowing a stream
 * that was never initialised aborts too. `l` and `r` are the caller's;
 * `r` must not move before the return. */
static inline gsl_rng *gs_rng_borrow(gs_rng_lease_t *l, gs_rng_t *r) {
  GS_ASSERT(r->s[0] > GS__RNG_LENT && "stream lent or not initialised");
  l->s[0] = r->s[0];
  l->s[1] = r->s[1];
  l->s[2] = r->s[2];
  r->s[0] = GS__RNG_LENT;
  l->from = r;
  l->g.type = gsl_rng_taus2;
  l->g.state = l->s;
  return &l->g;
}

/* Writes the lease's draws back into its stream and ends the lease. */
static inline void gs_rng_return(gs_rng_lease_t *l) {
  gs_rng_t *r = l->from;
  GS_ASSERT(r != NULL && r->s[0] == GS__RNG_LENT && "stream not lent");
  r->s[0] = (uint32_t)l->s[0];
  r->s[1] = (uint32_t)l->s[1];
  r->s[2] = (uint32_t)l->s[2];
  l->from = NULL;
}

/* Uniform on [0, 1): gsl_rng_uniform through a borrow and return. */
double gs_rng_uniform(gs_rng_t *r);

/* Stable 64-bit key from a name and up to two indices (FNV-1a, then mixed):
 * e.g. gs_rng_key("suburb", ven_index, load_slot). */
uint64_t gs_rng_key(const char *name, uint64_t a, uint64_t b);

/* splitmix64 finaliser, exposed for digests and keys. */
uint64_t gs_mix64(uint64_t x);

#endif /* GRIDSIM_RNG_H */
