/* SPDX-License-Identifier: MIT */
/* Error codes, error-detail buffers and assertions shared by every module. */
#ifndef GRIDSIM_ERROR_H
#define GRIDSIM_ERROR_H

#include <stddef.h>

/* One list, expanded into the enum and into gs_strerror(). */
#define GS_ERRORS(X)                                                         \
  X(GS_OK, "success")                                                        \
  X(GS_ENOMEM, "out of memory")                                              \
  X(GS_EINVAL, "invalid argument")                                           \
  X(GS_ESCENARIO, "invalid scenario")                                        \
  X(GS_EIO, "input/output error")                                            \
  X(GS_ERANGE, "value out of range")                                         \
  X(GS_ENOTFOUND, "not found")                                               \
  X(GS_EINTR, "interrupted")                                                 \
  X(GS_EUNSUPPORTED, "not supported")

#define GS__ERR_ENUM(name, text) name,
typedef enum gs_err { GS_ERRORS(GS__ERR_ENUM) GS_ERR_COUNT } gs_err_t;
#undef GS__ERR_ENUM

/* Returns a static, human-readable text for `err` (never NULL). */
const char *gs_strerror(gs_err_t err);

/* Detail of the last error, for a user to read: file, JSON path, what was
 * expected and what was found. Filled by functions that return gs_err_t. */
#define GS_ERRBUF_SIZE 512
typedef struct gs_errbuf {
  char msg[GS_ERRBUF_SIZE];
} gs_errbuf_t;

/* printf-style set of `eb->msg`; `eb` may be NULL (then nothing happens).
 * Returns `err` so callers can write `return gs_errbuf_set(eb, GS_EINVAL, ..)`. */
gs_err_t gs_errbuf_set(gs_errbuf_t *eb, gs_err_t err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Broken invariants are programming errors: print file:line and abort. */
void gs__assert_fail(const char *expr, const char *file, int line)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;
#define GS_ASSERT(expr)                                                      \
  ((expr) ? (void)0 : gs__assert_fail(#expr, __FILE__, __LINE__))

/* Process exit statuses of the CLI (documented in --help and the README). */
enum {
  GS_EXIT_OK = 0,
  GS_EXIT_RUNTIME = 1,
  GS_EXIT_BADINPUT = 2,
  GS_EXIT_INTERRUPTED = 130
};

#endif /* GRIDSIM_ERROR_H */
