/*
 * What resume, restore and status share: the journal a command names
 * (--journal, or the default one), the source it records with that
 * source's options, and --report written from the journal.
 */
#ifndef TTNM_CMD_RUN_H
#define TTNM_CMD_RUN_H

#include "cli/options.h"
#include "migrate/migrate.h"

struct invocation;

/* The journal, the source it records, and the configuration of that source
 * and of the destination. run_open returns an exit status; on EXIT_OK the
 * caller owns everything (run_close frees it, also after a failure). */
struct journal_run {
	struct journal *j;
	char *path;
	char *src_name;
	const struct source_ops *ops;
	struct config cfg;
};
int journal_run_open(const struct invocation *inv, struct journal_run *jr);
void journal_run_close(struct journal_run *jr);

/* -v / -q as the command line says. */
void run_set_level(const struct config *cfg);

/* Writes --report from the journal (every device, its state and error). */
int migration_report(struct journal *j, const char *path);

/* 0 when a journal file is at path; else says so (one line) and -1. */
int run_journal_exists(const char *path);

#endif
