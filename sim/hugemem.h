/* SPDX-License-Identifier: MIT */
/* Large long-lived arrays on transparent huge pages where there are any. */
#ifndef GRIDSIM_HUGEMEM_H
#define GRIDSIM_HUGEMEM_H

#include <stddef.h>

/* Arrays of at least this many bytes are mapped on their own, aligned to
 * and advised for 2 MiB pages (MADV_HUGEPAGE); smaller ones come from
 * malloc. A million homes' states, entity records and event chunks touch
 * a gigabyte at random: with 4 KiB pages nearly every access also misses
 * the TLB. At most one huge page per array is touched beyond its use. */
#define GS_HUGEMEM_MIN ((size_t)4 << 20)

/* Grows (or first allocates, p NULL and old_bytes 0) an array from
 * `old_bytes` to `new_bytes` (>= old_bytes), keeping its contents, like
 * realloc; NULL on out-of-memory, `p` then left as it was. The caller
 * owns the result and passes its exact size back here and to
 * gs_hugemem_free: the size decides how it was allocated. */
void *gs_hugemem_grow(void *p, size_t old_bytes, size_t new_bytes);

/* Frees an array of `bytes` from gs_hugemem_grow (NULL: nothing). */
void gs_hugemem_free(void *p, size_t bytes);

#endif /* GRIDSIM_HUGEMEM_H */
