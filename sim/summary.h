/* SPDX-License-Identifier: MIT */
/* The end-of-run summary: printed, and as JSON for other tools. */
#ifndef GRIDSIM_SUMMARY_H
#define GRIDSIM_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>

#include "gridsim/error.h"
#include "world.h"

typedef struct gs_run_info {
  double wall_s;      /* the run itself (build and events) */
  double twin_wall_s; /* the counterfactual twins after it */
  bool complete; /* false when interrupted */
  bool twins;    /* the counterfactual twins were run */
} gs_run_info_t;

/* Builds the summary JSON text of a finished run; caller frees it. */
char *gs_summary_json(const gs_world_t *w, const gs_run_info_t *info);

/* Prints the human summary to `out`. */
void gs_summary_print(FILE *out, const gs_world_t *w,
                      const gs_run_info_t *info);

/* Writes `text` to `path` through a temporary file and a rename, so a
 * reader never sees half a file. GS_EIO with detail in `eb` on failure. */
gs_err_t gs_write_file_atomic(const char *path, const char *text,
                              gs_errbuf_t *eb);

/* Peak resident set size of this process, in KiB. */
long gs_peak_rss_kib(void);

#endif /* GRIDSIM_SUMMARY_H */
