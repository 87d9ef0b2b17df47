#include "cli/options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct opt_desc global_options[] = {
    {"dry-run", OPT_BOOL, NULL, "false", NULL,
     "Export only: make no change at the source (no delete, no downlink disable)", 0},
    {"redact", OPT_BOOL, NULL, "false", NULL,
     "Export only, with --dry-run: replace every key with zeros of the same length (root and "
     "session keys, encrypted keys), to share an export; session_key_id is kept",
     0},
    {"verbose", OPT_BOOL, NULL, "false", NULL, "Log every request and decision on stderr", 0},
    {"quiet", OPT_BOOL, NULL, "false", NULL, "Print errors only: no progress, no summary", 0},
    {"dev-id-prefix", OPT_STRING, NULL, NULL, "PREFIX",
     "Prefix exported device IDs with PREFIX- (original kept as attribute old-id)", 0},
    {"output", OPT_STRING, NULL, NULL, "FILE",
     "Write the export to FILE (created mode 0600, fsync'ed per device) instead of stdout", 0},
    {"fail-fast", OPT_BOOL, NULL, "false", NULL,
     "Stop at the first device that fails (default: go on, exit 1 at the end)", 0},
    {"retries", OPT_INT, NULL, "5", "N",
     "Retry a request up to N times on 429, 502-504 and dropped connections", 0},
    {"concurrency", OPT_INT, NULL, "144", "N",
     "Work on N devices at once (requests share connections; HTTP/2 where offered)", 0},
    {"timeout", OPT_INT, NULL, "60", "SECONDS", "Give up on a request after SECONDS", 0},
    {"to-dest", OPT_BOOL, NULL, "false", NULL,
     "Migrate into the destination (DEST_TTS_*), recorded in the journal. Between two "
     "deployments: freeze at the source, export, create, verify, then delete at the "
     "source (a refused device is unfrozen). Within one: export, delete, create, verify",
     0},
    {"journal", OPT_STRING, NULL, NULL, "FILE",
     "Migration journal (SQLite, mode 0600; default $XDG_STATE_HOME/ttn-lw-migrate/"
     "journal.db)",
     0},
    {"keep-source", OPT_BOOL, NULL, "false", NULL,
     "Migrate: keep devices at the source with downlinks disabled instead of deleting them", 0},
    {"force-identity", OPT_BOOL, NULL, "false", NULL,
     "resume/restore/--to-dest: act on a journal even though it records another source, "
     "destination, application, API key or --dev-id-prefix than this run's",
     0},
    {"from-destination", OPT_BOOL, NULL, "false", NULL,
     "restore: for a device live at the destination, take its current session from there, "
     "delete it there, then put it back at the source",
     0},
    {"verify", OPT_BOOL, NULL, "false", NULL,
     "status: also report every device whose record in the journal cannot be right (exit 1 "
     "if any)",
     0},
    {"verify-mode", OPT_STRING, NULL, "response", "response|read-back",
     "--to-dest: verify each device from what the destination answered to its creates (response), "
     "or read it back from NS, AS and JS (read-back: 3 more requests)",
     0},
    {"check", OPT_BOOL, NULL, "false", NULL,
     "Export commands: check what would be exported (as `check` does) and change nothing", 0},
    {"force", OPT_BOOL, NULL, "false", NULL,
     "import/migrate: allow every check rule that can be allowed (as --allow for each)", 0},
    {"allow", OPT_STRING, NULL, NULL, "RULE",
     "import/migrate: a device with an error of check RULE goes on, with a warning "
     "(repeatable or comma-separated; `ttn-lw-migrate check --help` lists the rules)",
     0},
    {"fallback-frequency-plan-id", OPT_STRING, NULL, NULL, "ID",
     "import/check: frequency_plan_id for devices of the file that have none (as the "
     "Console's import)",
     0},
    {"fallback-lorawan-version", OPT_STRING, NULL, NULL, "VERSION",
     "import/check: lorawan_version for devices of the file that have none", 0},
    {"fallback-lorawan-phy-version", OPT_STRING, NULL, NULL, "VERSION",
     "import/check: lorawan_phy_version for devices of the file that have none", 0},
    {"report", OPT_STRING, NULL, NULL, "FILE",
     "import/migrate: write a per-device JSON report to FILE", 0},
    {"dest", OPT_BOOL, NULL, "false", NULL,
     "check: also ask the destination (DEST_TTS_*): NetID, DevAddr prefixes, existing "
     "devices and EUIs",
     0},
    {"dest-dev-addr-prefix", OPT_STRING, NULL, NULL, "PREFIX",
     "check: a DevAddr block of the destination, e.g. 27ABCD00/24 (repeatable or "
     "comma-separated; replaces what --dest reads)",
     0},
    {"dest-net-id", OPT_STRING, NULL, NULL, "NETID",
     "check: the destination's NetID, e.g. 000013 (its block is used when no prefix is "
     "known)",
     0},
    {"format", OPT_STRING, NULL, "table", "FORMAT", "check: output format, table or json", 0},
    {"frequency-plans-url", OPT_STRING, NULL, NULL, "URL",
     "Accepted for compatibility with the Go tool; not used by the tts source", OPT_HIDDEN},
    {"source", OPT_STRING, NULL, NULL, "NAME",
     "Source for the deprecated top-level device/application commands (e.g. tts)", 0},
    {"help", OPT_BOOL, NULL, "false", NULL, "Show help", 0},
    {"version", OPT_BOOL, NULL, "false", NULL, "Print the version", 0},
    {NULL, 0, NULL, NULL, NULL, NULL, 0},
};

static const struct opt_value *find(const struct config *cfg, const char *scope, const char *name)
{
	for (size_t i = 0; i < cfg->nvals; i++) {
		const struct opt_value *v = &cfg->vals[i];
		bool same_scope =
		    (!scope && !v->scope) || (scope && v->scope && strcmp(scope, v->scope) == 0);
		if (same_scope && strcmp(v->desc->name, name) == 0)
			return v;
	}
	return NULL;
}

const char *cfg_str(const struct config *cfg, const char *scope, const char *name)
{
	const struct opt_value *v = find(cfg, scope, name);
	if (!v || !v->value || !*v->value)
		return NULL;
	return v->value;
}

bool cfg_bool(const struct config *cfg, const char *scope, const char *name)
{
	const char *s = cfg_str(cfg, scope, name);
	return s && opt_parse_bool(s) == 1;
}

long cfg_int(const struct config *cfg, const char *scope, const char *name, long def)
{
	const char *s = cfg_str(cfg, scope, name);
	if (!s)
		return def;
	char *end;
	long n = strtol(s, &end, 10);
	return *end ? def : n;
}

enum opt_origin cfg_origin(const struct config *cfg, const char *scope, const char *name)
{
	const struct opt_value *v = find(cfg, scope, name);
	return v ? v->origin : ORIGIN_UNSET;
}

int cfg_concurrency(const struct config *cfg)
{
	/* The table's default applies when the option is unset; 1 is the floor. */
	long n = cfg_int(cfg, NULL, "concurrency", 1);
	return n < 1 ? 1 : (int)n;
}

int opt_parse_bool(const char *s)
{
	static const char *const yes[] = {"true", "1", "yes", "on"};
	static const char *const no[] = {"false", "0", "no", "off", ""};
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

void opt_print_help(const struct opt_desc *table, const char *prefix)
{
	for (const struct opt_desc *d = table; d->name; d++) {
		if (d->flags & OPT_HIDDEN)
			continue;
		char flag[96];
		snprintf(flag, sizeof flag, "--%s%s%s%s", prefix ? prefix : "", d->name,
			 d->metavar ? " " : "", d->metavar ? d->metavar : "");
		printf("  %-40s %s", flag, d->help);
		if (d->env)
			printf(" [$%s]", d->env);
		if (d->def && d->type != OPT_BOOL && !(d->flags & OPT_SECRET))
			printf(" (default %s)", d->def);
		printf("\n");
	}
}
