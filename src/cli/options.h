/*
 * Options: one table per scope (global, and one per source) describing each
 * option once: flag name, environment variable, type, default and help.
 * Parsing, --help and the man page all come from these tables.
 *
 * Precedence, as in the upstream tool: a flag given on the command line wins;
 * otherwise the environment variable; otherwise the default. Booleans from the
 * environment are true for "true" or "1" (upstream takes exactly "true").
 */
#ifndef TTNM_CLI_OPTIONS_H
#define TTNM_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

enum opt_type { OPT_STRING, OPT_BOOL, OPT_INT };

#define OPT_SECRET 0x1 /* value never printed; registered with the redactor */
#define OPT_HIDDEN 0x2 /* accepted but not listed in --help */

struct opt_desc {
	const char *name; /* long flag without dashes, e.g. "app-id"; NULL ends a table */
	enum opt_type type;
	const char *env;     /* environment variable, or NULL */
	const char *def;     /* default value, or NULL */
	const char *metavar; /* for --help, e.g. "ID" */
	const char *help;
	unsigned flags;
};

enum opt_origin { ORIGIN_UNSET = 0, ORIGIN_DEFAULT, ORIGIN_ENV, ORIGIN_FLAG };

struct opt_value {
	const struct opt_desc *desc;
	const char *scope; /* NULL for global, else the source name */
	const char *value; /* points into argv, environ or the table */
	enum opt_origin origin;
};

/* The parsed configuration: every option of the global table and of the
 * selected source's table, with its resolved value. */
struct config {
	struct opt_value *vals;
	size_t nvals;
};

extern const struct opt_desc global_options[];

/* Lookups by scope (NULL = global) and name. Missing options read as unset. */
const char *cfg_str(const struct config *cfg, const char *scope, const char *name);
bool cfg_bool(const struct config *cfg, const char *scope, const char *name);
long cfg_int(const struct config *cfg, const char *scope, const char *name, long def);
enum opt_origin cfg_origin(const struct config *cfg, const char *scope, const char *name);

/* --concurrency: devices in flight at once (at least 1). */
int cfg_concurrency(const struct config *cfg);

/* Parses "true/false/1/0/yes/no"; returns -1 when it is none of those. */
int opt_parse_bool(const char *s);

/* Prints a table's options for --help, in aligned columns. */
void opt_print_help(const struct opt_desc *table, const char *prefix);

#endif
