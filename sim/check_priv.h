/* SPDX-License-Identifier: MIT */
/* A growable text buffer shared by the check's writers (private to sim/). */
#ifndef GRIDSIM_CHECK_PRIV_H
#define GRIDSIM_CHECK_PRIV_H

#include <stdbool.h>
#include <stddef.h>

/* Text built piece by piece; after a failed allocation every append is a
 * no-op and gs__sb_take returns NULL, so writers check once at the end. */
typedef struct gs__sb {
  char *buf;
  size_t len, cap;
  bool oom;
} gs__sb_t;

/* Appends `n` bytes of `data` (which may hold NUL bytes). */
void gs__sb_add(gs__sb_t *b, const char *data, size_t n);
void gs__sb_printf(gs__sb_t *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* `s` as XML character data or attribute text (&, <, >, " and ' escaped;
 * control characters other than tab and newline, invalid in XML 1.0,
 * become '?'). */
void gs__sb_xml(gs__sb_t *b, const char *s);
/* Returns the text (the caller frees it), or NULL after an allocation
 * failure; the buffer is empty afterwards either way. */
char *gs__sb_take(gs__sb_t *b);

#endif /* GRIDSIM_CHECK_PRIV_H */
