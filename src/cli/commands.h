/*
 * The commands, as data (git's builtin table with parse-options): each one's
 * name, synopsis, description, the groups of the tool's options it takes
 * (cli/options.h) and whether it takes the source's and the destination's
 * options. Parsing (cfg_build rejects what a command does not take), --help
 * and the man page are all generated from this table and the option tables.
 * main.c maps each id to the function that runs it.
 */
#ifndef TTNM_CLI_COMMANDS_H
#define TTNM_CLI_COMMANDS_H

#include <stdbool.h>

#include "cli/options.h"
#include "sources/source.h"

enum cmd_id {
	CMD_TOP, /* no command: --help, --version */
	CMD_DEVICE,
	CMD_APPLICATION,
	CMD_GATEWAYS,	     /* SOURCE gateways: the export */
	CMD_GATEWAYS_SWITCH, /* SOURCE gateways switch: Procedure A */
	CMD_SOURCES,
	CMD_GATEWAYS_IMPORT, /* gateways import */
	CMD_IMPORT,
	CMD_CHECK,
	CMD_CLEAN,
	CMD_STATUS,
	CMD_WATCH,
	CMD_RESUME,
	CMD_RESTORE,
	CMD_HELP,
	CMD_MAN,
	CMD_OPTIONS,
	CMD_NCOMMANDS
};

#define SCOPE_SOURCE	0x1 /* the source's options, bare (--NAME) and as --SOURCE.NAME */
#define SCOPE_DEST	0x2 /* the destination's (DEST_TTS_*), as --dest.NAME */
#define SCOPE_DEST_BARE 0x4 /* with SCOPE_DEST: also as --NAME */
/* The tts source's connection options (TTS_*), bare, without a source
 * selected: check --coverage reads gateway rights at the source. */
#define SCOPE_SOURCE_CONN 0x8

struct cmd_spec {
	enum cmd_id id;
	const char *name;	 /* the word on the command line ("device" after SOURCE) */
	const char *synopsis;	 /* lines after "ttn-lw-migrate " */
	const char *summary;	 /* one line, for the main help */
	const char *description; /* paragraphs for --help and the man page */
	unsigned groups;	 /* GROUP(G_...) of the tool's options it takes */
	unsigned scopes;	 /* SCOPE_* */
	bool hidden;		 /* not in the main help nor the man page */
};

/* Indexed by enum cmd_id. */
extern const struct cmd_spec cmd_specs[CMD_NCOMMANDS];

/* The command named by word (not the SOURCE device|application form, whose
 * word follows the source), or NULL. */
const struct cmd_spec *cmd_find(const char *word);

/* Whether command c takes the tool's option in group g. */
bool cmd_takes_group(const struct cmd_spec *c, int g);

/* --help of a command; src is the selected source (export) or NULL; legacy
 * for the `device --source SOURCE` form (source options as --SOURCE.NAME). */
void cmd_print_help(const struct cmd_spec *c, const struct source_ops *src, bool legacy);
void cmd_print_main_help(void);
/* The man page, in roff. */
void cmd_print_man(void);
/* Hidden `_options`: every command as typed, each option it takes, its short
 * form, its environment variable and its kind (tool, source, dest), one per
 * line, tab-separated; for tests that derive their lists from the tables. */
void cmd_print_option_list(void);

#endif
