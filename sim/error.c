/* SPDX-License-Identifier: MIT */
/* Error texts, error-detail buffers and the assertion handler. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "gridsim/error.h"

#define GS__ERR_TEXT(name, text) text,
static const char *const err_texts[] = {GS_ERRORS(GS__ERR_TEXT)};
#undef GS__ERR_TEXT

const char *gs_strerror(gs_err_t err) {
  if ((unsigned)err >= (unsigned)GS_ERR_COUNT) return "unknown error";
  return err_texts[err];
}

gs_err_t gs_errbuf_set(gs_errbuf_t *eb, gs_err_t err, const char *fmt, ...) {
  if (eb == NULL) return err;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(eb->msg, sizeof eb->msg, fmt, ap);
  va_end(ap);
  return err;
}

void gs__assert_fail(const char *expr, const char *file, int line) {
  fprintf(stderr, "gridsim: %s:%d: assertion failed: %s\n", file, line,
          expr);
  fflush(stderr);
  abort();
}
