/* SPDX-License-Identifier: MIT */
/* Private helpers of the scenario and distribution parsers (sim/ only). */
#ifndef GRIDSIM_SCENARIO_UTIL_H
#define GRIDSIM_SCENARIO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "gridsim/error.h"
#include "scenario_priv.h"

#define GS__PATH_MAX 320
/* "found" texts are cut here so a huge array does not fill the message. */
#define GS__FOUND_MAX 40
/* Largest fleet a scenario may describe (documented in the schema). */
#define GS__MAX_VENS UINT64_C(50000000)
/* Largest seed: every integer up to 2^53 is exact in a JSON number. */
#define GS__MAX_SEED UINT64_C(9007199254740992)
/* 366 days: a leap year, the longest run a scenario may ask for. */
#define GS__MAX_DURATION_S 31622400.0

/* Where a parser stands: the file label for messages, the JSON path of the
 * value at hand (in the syntax --set accepts) and the error buffer. */
typedef struct gs__sctx {
  const char *file;
  double utc_offset_h; /* the scenario's, default of models' utc_offset_h */
  gs_errbuf_t *eb;
  size_t len;
  char path[GS__PATH_MAX];
} gs__sctx_t;

/* Starts a context at `path` ("" for the root). Borrows `file` and `eb`. */
void gs__sctx_init(gs__sctx_t *c, const char *file, const char *path,
                   gs_errbuf_t *eb);

/* Append ".key" (or "key" at the root) / "[i]" to the path and return a
 * mark for gs__path_pop(). Paths too long for the buffer are cut. */
size_t gs__path_key(gs__sctx_t *c, const char *key);
size_t gs__path_index(gs__sctx_t *c, size_t i);
void gs__path_pop(gs__sctx_t *c, size_t mark);
/* The path as printed: "(root)" when empty. */
const char *gs__path_str(const gs__sctx_t *c);

/* Renders `v` compactly for a "found" text: JSON with strings quoted, cut
 * to about GS__FOUND_MAX characters with "...", or "nothing" for NULL. */
void gs__render(const cJSON *v, char *buf, size_t size);

/* Fills the error buffer with "file: path: expected <what>, found <v>"
 * and returns GS_ESCENARIO. `what` is printf-style. */
gs_err_t gs__fail(gs__sctx_t *c, const cJSON *found, const char *what, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Same with a literal "found" text ("an unknown key", "both"). */
gs_err_t gs__fail_text(gs__sctx_t *c, const char *found, const char *what, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* "file: path: out of memory", GS_ENOMEM. */
gs_err_t gs__nomem(gs__sctx_t *c);

/* Keys starting with "_" are comments and allowed in every object. */
bool gs__is_comment_key(const char *key);

/* Checks that `obj` (an object) holds only keys from the NULL-terminated
 * `allowed` list (or comments), each at most once. The error names the
 * offending key's path and lists the allowed keys. */
gs_err_t gs__check_keys(gs__sctx_t *c, const cJSON *obj,
                        const char *const *allowed);

/* The valid values of a scenario number. */
typedef struct gs__num_rule {
  double lo, hi;         /* bounds, or -HUGE_VAL / HUGE_VAL for none */
  bool lo_open, hi_open; /* exclusive bounds */
  bool integer;          /* must be a whole number */
  const char *unit;      /* printed after the range, or NULL */
} gs__num_rule_t;

/* Describes `r` as "a number > 0 and <= 86400 (s)" into `buf`. */
void gs__describe_rule(const gs__num_rule_t *r, char *buf, size_t size);

/* Reads the number `v` found at the current path into `*out`, checking
 * `r`; `v` may be NULL (then "found nothing"). */
gs_err_t gs__num(gs__sctx_t *c, const cJSON *v, const gs__num_rule_t *r,
                 double *out);

/* Reads `obj[key]` with gs__num(). When absent: an error if `required`,
 * else `*out = def`. `*present` (may be NULL) tells which. */
gs_err_t gs__get_num(gs__sctx_t *c, const cJSON *obj, const char *key,
                     const gs__num_rule_t *r, bool required, double def,
                     double *out, bool *present);

/* Reads the string `obj[key]`. When absent: an error if `required`, else
 * `*out = NULL`. With `is_name` the text must match [A-Za-z0-9_.-]+, else
 * it must merely be non-empty. `*out` borrows from the JSON tree. */
gs_err_t gs__get_str(gs__sctx_t *c, const cJSON *obj, const char *key,
                     bool required, bool is_name, const char **out);

/* True if `s` is a non-empty [A-Za-z0-9_.-]+ name. */
bool gs__valid_name(const char *s);

/* strdup, which C11 lacks; NULL stays NULL. Caller frees. */
char *gs__strdup(const char *s);

/* Width of the zero-padded index in the VEN ids of a group of `count`:
 * max(4, digits of count - 1). */
int gs__ven_id_width(uint32_t count);

/* The parts of validation in scenario_fleet.c and scenario_program.c. Each
 * fills its part of `s` (owned by `s` even on failure; gs__scn_free_*
 * release it). `c` stands at the root on entry and on return. The program
 * is parsed after the fleet and the run's timing, which it checks against. */
gs_err_t gs__scn_parse_fleet(gs__sctx_t *c, const cJSON *fleet,
                             gs_scenario_t *s);
gs_err_t gs__scn_parse_program(gs__sctx_t *c, const cJSON *program,
                               gs_scenario_t *s);
void gs__scn_free_groups(gs_scenario_t *s);
void gs__scn_free_events(gs_scenario_t *s);

#endif /* GRIDSIM_SCENARIO_UTIL_H */
