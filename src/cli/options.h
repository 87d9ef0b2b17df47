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

/* OPT_LIST: repeatable, each value also split at commas; cfg_str gives the
 * items joined with commas, the bound field (struct opt_list) the items. */
enum opt_type { OPT_STRING, OPT_BOOL, OPT_INT, OPT_LIST };

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

struct opt_list {
	const char **v; /* the items, in order */
	size_t n;
};

/*
 * The tool's own options (not a source's nor the destination's), each bound
 * to one field here: commands read cfg->o.NAME. Every field holds its
 * table default (or environment value) even for a command that does not
 * take the option.
 */
struct cli_values {
	bool help, version, verbose, quiet;
	long retries, timeout, concurrency;
	const char *output;
	bool dry_run, redact, fail_fast, check, to_dest, keep_source, with_gateways;
	bool delete_source_gateways;
	const char *source, *frequency_plans_url;
	const char *journal;
	bool force_identity;
	const char *report;
	const char *dev_id_prefix;
	bool force;
	struct opt_list allow;
	const char *fallback_frequency_plan_id, *fallback_lorawan_version,
	    *fallback_lorawan_phy_version;
	bool dest;
	struct opt_list dest_dev_addr_prefix;
	const char *dest_net_id;
	const char *format;
	bool verify, from_destination;
	struct opt_list restore_gateways; /* restore --gateway */
	const char *verify_mode;	  /* response | read-back */
	bool with_secrets;
	const char *keys_file;
	bool coverage;
	long wait, interval;  /* watch: 0 = from the devices' uplink intervals */
	long gateway_timeout; /* gateways switch: seconds to wait for each connection */
	bool undo, plan;
	const char *switch_record;
};

/* One of the tool's options: the description, its short form (-o, -v, ...,
 * or 0) and the field of struct cli_values it is bound to. */
struct cmd_opt {
	struct opt_desc d;
	char short_name;
	size_t off;
};

/* Option groups: each option is in exactly one; a command takes a set of
 * groups (cli/commands.h). */
enum opt_group_id {
	G_HELP,
	G_LOG,
	G_REQUESTS,
	G_OUTPUT,
	G_EXPORT,
	G_MIGRATE,
	G_PREFIX,
	G_IMPORT,
	G_FALLBACK,
	G_REPORT,
	G_JOURNAL,
	G_IDENTITY,
	G_CHECK,
	G_FORMAT,
	G_STATUS,
	G_RESTORE,
	G_COVERAGE,
	G_VERSION,
	G_GATEWAYS,
	G_GATEWAY_KEYS,
	G_WATCH,
	G_SWITCH,
	G_GATEWAY_WAIT,
	G_CUTOVER,
	G_NGROUPS
};
#define GROUP(g) (1u << (g))

struct opt_group {
	const char *title;	    /* for --help and the man page */
	const struct cmd_opt *opts; /* ends with an entry whose d.name is NULL */
};
extern const struct opt_group opt_groups[G_NGROUPS];

/* The group holding the tool's option NAME, or -1; *out its entry. */
int opt_group_of(const char *name, const struct cmd_opt **out);

/* The parsed configuration: every option of the tool and of the selected
 * scopes (source, destination) with its resolved value, and the tool's
 * options bound in o. */
struct config {
	struct opt_value *vals;
	size_t nvals;
	struct cli_values o;
	void *owned[24]; /* storage of the lists: 3 blocks per OPT_LIST option (args.c) */
	size_t nowned;
};

/* Compatibility lookups by scope (NULL = the tool's options) and name; new
 * code reads cfg->o. Missing options read as unset (cfg_int: def). */
const char *cfg_str(const struct config *cfg, const char *scope, const char *name);
bool cfg_bool(const struct config *cfg, const char *scope, const char *name);
/* cfg_str as a string of the caller's (free it); NULL when unset or empty. */
char *cfg_strdup(const struct config *cfg, const char *scope, const char *name);
long cfg_int(const struct config *cfg, const char *scope, const char *name, long def);
enum opt_origin cfg_origin(const struct config *cfg, const char *scope, const char *name);

/* --concurrency: devices in flight at once (at least 1). */
int cfg_concurrency(const struct config *cfg);

/* Parses "true/false/1/0/yes/no"; returns -1 when it is none of those. */
int opt_parse_bool(const char *s);

/* Prints a table's options for --help, in aligned columns. */
void opt_print_help(const struct opt_desc *table, const char *prefix);
/* The same for one of the tool's groups (with the short forms). */
void opt_print_group(const struct cmd_opt *opts);

#endif
