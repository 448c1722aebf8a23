/* SPDX-License-Identifier: MIT */
/* `gridsim info FILE`: what a trace holds, read back from the file. */
#ifndef GRIDSIM_INFO_H
#define GRIDSIM_INFO_H

#include <stdio.h>

/* Prints a summary of the gridsim trace at `path` to `out`: scenario,
 * seed, size, VENs, duration, completeness, fleet energy and peak, grid,
 * event log counts and each DR event's results. Returns GS_EXIT_OK, or
 * GS_EXIT_BADINPUT with one line on `err` naming the file and the reason
 * when it is missing, not HDF5, truncated or damaged, or not a gridsim
 * trace. Both streams are borrowed. */
int gs_info_print(const char *path, FILE *out, FILE *err);

/* The `gridsim info` command: `argv` holds what follows "info" (argc
 * items): one FILE. Returns the exit status. */
int gs_cli_info(int argc, char **argv);

#endif /* GRIDSIM_INFO_H */
