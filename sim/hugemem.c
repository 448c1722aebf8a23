/* SPDX-License-Identifier: MIT */
/* Large arrays mapped 2 MiB-aligned and advised for transparent huge pages. */
#define _GNU_SOURCE /* mremap */
#include "hugemem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#if defined(__linux__) && defined(MADV_HUGEPAGE) && defined(MREMAP_FIXED)
#define GS__HUGE_BYTES ((size_t)2 << 20)

static size_t huge_round(size_t n) {
  return (n + GS__HUGE_BYTES - 1) & ~(GS__HUGE_BYTES - 1);
}

/* A fresh mapping of `bytes` (a multiple of 2 MiB) at a 2 MiB boundary,
 * advised before anything touches it: the kernel then backs it with huge
 * pages as it is first written, as far as it has them (none is fine). */
static void *map_huge(size_t bytes) {
  size_t span = bytes + GS__HUGE_BYTES;
  unsigned char *raw = mmap(NULL, span, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return NULL;
  uintptr_t at =
      ((uintptr_t)raw + GS__HUGE_BYTES - 1) & ~(uintptr_t)(GS__HUGE_BYTES - 1);
  size_t head = at - (uintptr_t)raw, tail = span - head - bytes;
  if (head) munmap(raw, head);
  if (tail) munmap((unsigned char *)at + bytes, tail);
  (void)madvise((void *)at, bytes, MADV_HUGEPAGE); /* advice only */
  return (void *)at;
}

void *gs_hugemem_grow(void *p, size_t old_bytes, size_t new_bytes) {
  if (new_bytes < GS_HUGEMEM_MIN) {
    void *q = realloc(p, new_bytes ? new_bytes : 1);
    return q;
  }
  if (old_bytes >= GS_HUGEMEM_MIN && huge_round(old_bytes) >= new_bytes)
    return p; /* the mapping's last huge page has room */
  void *q = map_huge(huge_round(new_bytes));
  if (q == NULL) return NULL;
  if (old_bytes >= GS_HUGEMEM_MIN) {
    /* Move the pages instead of copying them: both ends are aligned, so
     * huge pages move whole. MREMAP_FIXED replaces what was mapped at q. */
    size_t len = huge_round(old_bytes);
    if (mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, q) == MAP_FAILED) {
      memcpy(q, p, old_bytes);
      munmap(p, len);
    }
  } else {
    if (old_bytes) memcpy(q, p, old_bytes);
    free(p);
  }
  return q;
}

void gs_hugemem_free(void *p, size_t bytes) {
  if (p == NULL) return;
  if (bytes < GS_HUGEMEM_MIN)
    free(p);
  else
    munmap(p, huge_round(bytes));
}

#else /* no transparent huge pages to ask for: plain malloc */

void *gs_hugemem_grow(void *p, size_t old_bytes, size_t new_bytes) {
  (void)old_bytes;
  return realloc(p, new_bytes ? new_bytes : 1);
}

void gs_hugemem_free(void *p, size_t bytes) {
  (void)bytes;
  free(p);
}

#endif
