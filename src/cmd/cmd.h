/*
 * Commands: one file each, one entry point each (as git's builtin/).
 * main.c picks the command from the words of argv and hands it this.
 */
#ifndef TTNM_CMD_CMD_H
#define TTNM_CMD_CMD_H

#include <stddef.h>

#include <jansson.h>

#include "cli/args.h"
#include "sources/source.h"

/* Exit statuses. */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,       /* some device failed, or the run could not finish */
	EXIT_USAGE = 2,	       /* bad command line or configuration */
	EXIT_INTERRUPTED = 130 /* stopped by Ctrl-C (SIGINT) or SIGTERM */
};

enum export_mode { EXPORT_DEVICES, EXPORT_APPLICATIONS };

struct invocation {
	const struct args *args;
	const struct source_ops *src; /* NULL for commands without a source */
	const char *const *items;     /* the words after the command */
	size_t nitems;
	enum export_mode mode;
};

int cmd_export(const struct invocation *inv);
int cmd_sources(const struct invocation *inv);
int cmd_import(const struct invocation *inv);
int cmd_clean(const struct invocation *inv);
int cmd_status(const struct invocation *inv);
int cmd_watch(const struct invocation *inv);
int cmd_resume(const struct invocation *inv);
int cmd_restore(const struct invocation *inv);
int cmd_check(const struct invocation *inv);
int cmd_gateways_export(const struct invocation *inv);
int cmd_gateways_import(const struct invocation *inv);
int cmd_gateways_switch(const struct invocation *inv);

/* Writes a JSON report (mode 0600, fsync'ed). */
int write_report(const char *path, const json_t *report, char *err, size_t errlen);

/* g_interrupted (ui/stop.h): set by the SIGINT/SIGTERM handler and by the
 * circuit breaker; long loops stop between devices. */
#include "ui/stop.h"

#endif
