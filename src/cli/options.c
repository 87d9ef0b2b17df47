#include "cli/options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <stddef.h>

/* The tool's options, git parse-options style: one entry each, bound to a
 * field of struct cli_values; the default is written here and nowhere else. */
#define OPT_(type, sh, name, field, def, metavar, help, flags)                                     \
	{                                                                                          \
		{name, type, NULL, def, metavar, help, flags}, sh,                                 \
		    offsetof(struct cli_values, field)                                             \
	}
#define OPT_BOOLEAN(sh, name, field, help) OPT_(OPT_BOOL, sh, name, field, "false", NULL, help, 0)
#define OPT_STR(sh, name, field, metavar, help)                                                    \
	OPT_(OPT_STRING, sh, name, field, NULL, metavar, help, 0)
#define OPT_NUM(name, field, def, metavar, help)                                                   \
	OPT_(OPT_INT, 0, name, field, def, metavar, help, 0)
#define OPT_REPEAT(name, field, metavar, help)                                                     \
	OPT_(OPT_LIST, 0, name, field, NULL, metavar, help, 0)
#define OPT_END                                                                                    \
	{                                                                                          \
		{NULL, 0, NULL, NULL, NULL, NULL, 0}, 0, 0                                         \
	}

static const struct cmd_opt help_opts[] = {
    OPT_BOOLEAN('h', "help", help, "Show help"),
    OPT_END,
};
static const struct cmd_opt version_opts[] = {
    OPT_BOOLEAN(0, "version", version, "Print the version"),
    OPT_END,
};
static const struct cmd_opt log_opts[] = {
    OPT_BOOLEAN('v', "verbose", verbose, "Log every request and decision on stderr"),
    OPT_BOOLEAN('q', "quiet", quiet, "Print errors only: no progress, no summary"),
    OPT_END,
};
static const struct cmd_opt request_opts[] = {
    OPT_NUM("retries", retries, "5", "N",
	    "Retry a request up to N times on 429, 502-504 and dropped connections"),
    OPT_NUM("concurrency", concurrency, "144", "N",
	    "Work on N devices at once (requests share connections; HTTP/2 where offered)"),
    OPT_NUM("timeout", timeout, "60", "SECONDS", "Give up on a request after SECONDS"),
    OPT_END,
};
static const struct cmd_opt output_opts[] = {
    OPT_STR('o', "output", output, "FILE",
	    "Write the devices to FILE (created mode 0600, fsync'ed per device) instead of "
	    "stdout"),
    OPT_END,
};
static const struct cmd_opt export_opts[] = {
    OPT_BOOLEAN(0, "dry-run", dry_run,
		"Make no change at the source (no delete, no downlink disable)"),
    OPT_BOOLEAN(0, "redact", redact,
		"With --dry-run: replace every key with zeros of the same length (root and "
		"session keys, encrypted keys), to share an export; session_key_id is kept"),
    OPT_BOOLEAN(0, "fail-fast", fail_fast,
		"Stop at the first device that fails (default: go on, exit 1 at the end)"),
    OPT_BOOLEAN(0, "check", check,
		"Check what would be exported (as `check` does) and change nothing"),
    OPT_STR(0, "source", source, "NAME",
	    "Source for the deprecated form `device|application --source NAME` (e.g. tts)"),
    OPT_(OPT_STRING, 0, "frequency-plans-url", frequency_plans_url, NULL, "URL",
	 "Accepted for compatibility with the Go tool; not used by the tts source", OPT_HIDDEN),
    OPT_END,
};
static const struct cmd_opt migrate_opts[] = {
    OPT_BOOLEAN(0, "to-dest", to_dest,
		"Migrate into the destination (DEST_TTS_*), recorded in the journal. Between two "
		"deployments: freeze at the source, export, create, verify, then delete at the "
		"source (a refused device is unfrozen). Within one: export, delete, create, "
		"verify"),
    OPT_BOOLEAN(0, "keep-source", keep_source,
		"Keep devices at the source with downlinks disabled instead of deleting them"),
    OPT_(OPT_STRING, 0, "verify-mode", verify_mode, "response", "response|read-back",
	 "--to-dest: verify each device from what the destination answered to its creates "
	 "(response), or read it back from NS, AS and JS (read-back: 3 more requests)",
	 0),
    OPT_END,
};
static const struct cmd_opt prefix_opts[] = {
    OPT_STR(0, "dev-id-prefix", dev_id_prefix, "PREFIX",
	    "Prefix device IDs with PREFIX- (original kept as attribute old-id)"),
    OPT_END,
};
static const struct cmd_opt import_opts[] = {
    OPT_BOOLEAN(0, "force", force,
		"Allow every check rule that can be allowed (as --allow for each)"),
    OPT_REPEAT("allow", allow, "RULE",
	       "A device with an error of check RULE goes on, with a warning (repeatable or "
	       "comma-separated; `ttn-lw-migrate check --help` lists the rules)"),
    OPT_END,
};
static const struct cmd_opt fallback_opts[] = {
    OPT_STR(0, "fallback-frequency-plan-id", fallback_frequency_plan_id, "ID",
	    "frequency_plan_id for devices of the file that have none (as the Console's "
	    "import)"),
    OPT_STR(0, "fallback-lorawan-version", fallback_lorawan_version, "VERSION",
	    "lorawan_version for devices of the file that have none"),
    OPT_STR(0, "fallback-lorawan-phy-version", fallback_lorawan_phy_version, "VERSION",
	    "lorawan_phy_version for devices of the file that have none"),
    OPT_END,
};
static const struct cmd_opt report_opts[] = {
    OPT_STR(0, "report", report, "FILE", "Write a per-device JSON report to FILE"),
    OPT_END,
};
static const struct cmd_opt journal_opts[] = {
    OPT_STR(0, "journal", journal, "FILE",
	    "Migration journal (SQLite, mode 0600; default $XDG_STATE_HOME/ttn-lw-migrate/"
	    "journal.db)"),
    OPT_END,
};
static const struct cmd_opt identity_opts[] = {
    OPT_BOOLEAN(0, "force-identity", force_identity,
		"Act on a journal even though it records another source, destination, "
		"application, API key or --dev-id-prefix than this run's"),
    OPT_END,
};
static const struct cmd_opt check_opts[] = {
    OPT_BOOLEAN(0, "dest", dest,
		"Also ask the destination (DEST_TTS_*): NetID, DevAddr prefixes, existing "
		"devices and EUIs"),
    OPT_REPEAT("dest-dev-addr-prefix", dest_dev_addr_prefix, "PREFIX",
	       "A DevAddr block of the destination, e.g. 27ABCD00/24 (repeatable or "
	       "comma-separated; replaces what --dest reads)"),
    OPT_STR(0, "dest-net-id", dest_net_id, "NETID",
	    "The destination's NetID, e.g. 000013 (its block is used when no prefix is known)"),
    OPT_END,
};
static const struct cmd_opt format_opts[] = {
    OPT_(OPT_STRING, 0, "format", format, "table", "FORMAT",
	 "Output format of the findings, table or json", 0),
    OPT_END,
};
static const struct cmd_opt status_opts[] = {
    OPT_BOOLEAN(0, "verify", verify,
		"Also report every device whose record in the journal cannot be right (exit 1 "
		"if any)"),
    OPT_END,
};
static const struct cmd_opt restore_opts[] = {
    OPT_BOOLEAN(0, "from-destination", from_destination,
		"For a device live at the destination, take its current session from there, "
		"delete it there, then put it back at the source"),
    OPT_REPEAT("gateway", restore_gateways, "ID",
	       "A gateway of the cut-over (--with-gateways) to put back, after the devices "
	       "named: the source's CUPS settings as recorded, or what to change on the gateway; "
	       "deleted at the destination if the run registered it ('all': every gateway of "
	       "the journal); repeatable"),
    OPT_END,
};

static const struct cmd_opt gateway_opts[] = {
    OPT_BOOLEAN(0, "with-secrets", with_secrets,
		"Also export lbs_lns_secret, target_cups_key and claim_authentication_code "
		"(needs RIGHT_GATEWAY_READ_SECRETS and --output; the file is mode 0600)"),
    OPT_END,
};
static const struct cmd_opt gateway_key_opts[] = {
    OPT_STR(0, "keys-file", keys_file, "FILE",
	    "Append the gateways' new API keys, with tc.key/cups.key lines and a "
	    "global_conf.json snippet, to FILE (mode 0600; default "
	    "$XDG_STATE_HOME/ttn-lw-migrate/gateway-keys.txt)"),
    OPT_END,
};
static const struct cmd_opt coverage_opts[] = {
    OPT_BOOLEAN(0, "coverage", coverage,
		"Also say which devices keep working after the move, through which gateways: "
		"each device's recent uplinks, and the rights of TTS_API_KEY (--api-key) on "
		"their gateways at the source (TTS_API_URL); offline without them"),
    OPT_END,
};
static const struct cmd_opt watch_opts[] = {
    OPT_NUM("wait", wait, NULL, "SECONDS",
	    "Watch each device for SECONDS (default: 3 times its uplink interval, estimated "
	    "from the recent uplinks of its export; 3 times 15 minutes when unknown)"),
    OPT_NUM("interval", interval, NULL, "SECONDS",
	    "Ask about each device not yet heard at most once per SECONDS (default: its "
	    "uplink interval; 60 when unknown)"),
    OPT_END,
};

static const struct cmd_opt gateway_wait_opts[] = {
    OPT_NUM("gateway-timeout", gateway_timeout, "900", "SECONDS",
	    "Wait up to SECONDS for each gateway to connect to the destination's Gateway Server "
	    "(0: do not wait)"),
    OPT_END,
};
static const struct cmd_opt cutover_opts[] = {
    OPT_BOOLEAN(0, "with-gateways", with_gateways,
		"--to-dest: the whole cut-over, in one journal. The devices are frozen at the "
		"source and created at the destination; the gateways that hear them are "
		"registered there and switched (CUPS gateways by Procedure A, the others by "
		"the operator, told what to change); each device is deleted at the source only "
		"once its gateways are connected at the destination and it has been heard "
		"there. With --dry-run: the plan, changing nothing"),
    OPT_BOOLEAN(0, "delete-source-gateways", delete_source_gateways,
		"--with-gateways: once every device that depends on a gateway has left the "
		"source, delete that gateway at the source. Refused for a gateway moved by "
		"the source's CUPS (Procedure A): it keeps asking that CUPS, so its source "
		"registration and CUPS key must stay"),
    OPT_END,
};
static const struct cmd_opt switch_opts[] = {
    OPT_BOOLEAN(0, "plan", plan, "Check every gateway and say what would change; change nothing"),
    OPT_BOOLEAN(0, "undo", undo,
		"Put each gateway's LNS settings at the source back as the switch record has "
		"them, and take LINK from its destination LNS key"),
    OPT_STR(0, "switch-record", switch_record, "FILE",
	    "Where each gateway's LNS settings at the source are recorded before they change "
	    "(mode 0600, it holds keys; default $XDG_STATE_HOME/ttn-lw-migrate/"
	    "gateway-switch.jsonl)"),
    OPT_END,
};

const struct opt_group opt_groups[G_NGROUPS] = {
    [G_HELP] = {"Help", help_opts},
    [G_VERSION] = {"Version", version_opts},
    [G_LOG] = {"Logging", log_opts},
    [G_REQUESTS] = {"Requests", request_opts},
    [G_OUTPUT] = {"Output", output_opts},
    [G_EXPORT] = {"Export", export_opts},
    [G_MIGRATE] = {"Migration", migrate_opts},
    [G_PREFIX] = {"Device IDs", prefix_opts},
    [G_IMPORT] = {"Check rules", import_opts},
    [G_FALLBACK] = {"Fallbacks for devices of a file", fallback_opts},
    [G_REPORT] = {"Report", report_opts},
    [G_JOURNAL] = {"Journal", journal_opts},
    [G_IDENTITY] = {"Journal identity", identity_opts},
    [G_CHECK] = {"Destination facts", check_opts},
    [G_FORMAT] = {"Format", format_opts},
    [G_STATUS] = {"Status", status_opts},
    [G_RESTORE] = {"Restore", restore_opts},
    [G_GATEWAYS] = {"Gateway export", gateway_opts},
    [G_GATEWAY_KEYS] = {"Gateway keys", gateway_key_opts},
    [G_COVERAGE] = {"Coverage", coverage_opts},
    [G_WATCH] = {"Watch", watch_opts},
    [G_SWITCH] = {"Gateway switch", switch_opts},
    [G_GATEWAY_WAIT] = {"Gateway wait", gateway_wait_opts},
    [G_CUTOVER] = {"Cut-over", cutover_opts},
};

int opt_group_of(const char *name, const struct cmd_opt **out)
{
	for (int g = 0; g < G_NGROUPS; g++)
		for (const struct cmd_opt *o = opt_groups[g].opts; o->d.name; o++)
			if (strcmp(o->d.name, name) == 0) {
				if (out)
					*out = o;
				return g;
			}
	return -1;
}

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

char *cfg_strdup(const struct config *cfg, const char *scope, const char *name)
{
	const char *s = cfg_str(cfg, scope, name);
	return s ? strdup(s) : NULL;
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
	/* The table's default is bound; 1 is the floor. */
	long n = cfg->o.concurrency;
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

static void print_one(const struct opt_desc *d, const char *prefix, char short_name)
{
	char flag[96], sh[8] = "";
	if (short_name)
		snprintf(sh, sizeof sh, "-%c, ", short_name);
	snprintf(flag, sizeof flag, "%s--%s%s%s%s", sh, prefix ? prefix : "", d->name,
		 d->metavar ? " " : "", d->metavar ? d->metavar : "");
	printf("  %-40s %s", flag, d->help);
	if (d->type == OPT_LIST)
		printf(" (repeatable)");
	if (d->env)
		printf(" [$%s]", d->env);
	if (d->def && d->type != OPT_BOOL && !(d->flags & OPT_SECRET))
		printf(" (default %s)", d->def);
	printf("\n");
}

void opt_print_group(const struct cmd_opt *opts)
{
	for (const struct cmd_opt *o = opts; o->d.name; o++)
		if (!(o->d.flags & OPT_HIDDEN))
			print_one(&o->d, NULL, o->short_name);
}

void opt_print_help(const struct opt_desc *table, const char *prefix)
{
	for (const struct opt_desc *d = table; d->name; d++) {
		if (d->flags & OPT_HIDDEN)
			continue;
		print_one(d, prefix, 0);
	}
}
