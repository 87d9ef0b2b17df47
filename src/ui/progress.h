/*
 * A one-line progress display on stderr, only when stderr is a terminal and
 * the run is neither --quiet nor --verbose. Log messages clear it first.
 */
#ifndef TTNM_UI_PROGRESS_H
#define TTNM_UI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

void progress_start(const char *what, bool enabled);
void progress_set_total(size_t total); /* 0 = unknown */
void progress_update(size_t done, size_t failed, const char *current);
void progress_end(void);
double progress_elapsed(void); /* seconds since the process's first progress_start */

#endif
