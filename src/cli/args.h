/*
 * The one place argv is taken apart. Flags may stand anywhere (before, after
 * or between the command words), as with the upstream tool's cobra parser:
 *   --name value, --name=value, bare --bool, -h, -o FILE, and "--" to end flags.
 * A source's options are accepted as --SOURCE.name at any position (the
 * legacy `device --source tts --tts.app-id x` form) and as --name when the
 * source is selected (`tts device --app-id x`).
 */
#ifndef TTNM_CLI_ARGS_H
#define TTNM_CLI_ARGS_H

#include <stddef.h>

#include "cli/options.h"
#include "sources/source.h"

struct flag_arg {
	const char *name;  /* without leading dashes */
	const char *value; /* NULL for a bare boolean */
};

struct args {
	const char **words; /* positionals, in order */
	size_t nwords;
	struct flag_arg *flags;
	size_t nflags;
};

/* Splits argv; returns 0, or -1 with a message (a flag missing its value). */
int args_split(int argc, char **argv, struct args *out, char *err, size_t errlen);
void args_free(struct args *a);

/* The value of --name (global flag) if given, else NULL. For finding
 * --source and --help before the configuration is built. */
const char *args_flag(const struct args *a, const char *name, int *present);

/* Builds the configuration for the global options and, if src is not NULL,
 * that source's options. Rejects unknown flags and bad booleans/integers.
 * Secret values are registered with the log redactor. */
int cfg_build(const struct args *a, const struct source_ops *src, struct config *cfg, char *err,
	      size_t errlen);
void cfg_free(struct config *cfg);

#endif
