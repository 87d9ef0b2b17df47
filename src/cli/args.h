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

#include <stdbool.h>
#include <stddef.h>

#include "cli/options.h"
#include "sources/source.h"

struct flag_arg {
	const char *name;  /* without leading dashes */
	const char *value; /* NULL for a bare boolean */
	char *spelled;	   /* as typed, without its value ("--dest-app-id", "-x") */
};

struct cmd_spec;

struct args {
	const char **words; /* positionals, in order */
	size_t nwords;
	struct flag_arg *flags;
	size_t nflags;
	/* Set by main once the command is known: cfg_build then takes only the
	 * tool's options of the command's groups, and names it in errors.
	 * NULL: every option of the tool. */
	const struct cmd_spec *cmd;
	const char *cmd_name; /* as typed, e.g. "tts device" */
};

/* Splits argv; returns 0, or -1 with a message (a flag missing its value). */
int args_split(int argc, char **argv, struct args *out, char *err, size_t errlen);
void args_free(struct args *a);

/* The value of --name (global flag) if given, else NULL. For finding
 * --source and --help before the configuration is built. */
const char *args_flag(const struct args *a, const char *name, int *present);

/* A named group of options: a source's ("tts") or the destination's
 * ("dest"). Its flags are always accepted as --NAME.flag; with bare set, also
 * as --flag (the scope the command is about). */
struct opt_scope {
	const char *name;
	const struct opt_desc *table;
	bool bare;
};

/* Every scope the tool knows, for telling whether a flag takes a value
 * before the command is known (sources, then the destination). */
size_t opt_known_scopes(struct opt_scope *out, size_t max);

/* Builds the configuration for the tool's options and the given scopes.
 * Rejects unknown flags, flags the command (a->cmd) does not take, and bad
 * booleans/integers, with a message naming the command. Binds the tool's
 * options to cfg->o. Secret values are registered with the log redactor. */
int cfg_build(const struct args *a, const struct opt_scope *scopes, size_t nscopes,
	      struct config *cfg, char *err, size_t errlen);
void cfg_free(struct config *cfg);

#endif
