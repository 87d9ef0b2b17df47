#include "cli/commands.h"

#include <stdio.h>
#include <string.h>

#include "check/check.h"
#include "dest/dest.h"
#include "net/tts_config.h"

#define G(x) GROUP(G_##x)
#define EXPORT_GROUPS                                                                              \
	(G(HELP) | G(LOG) | G(REQUESTS) | G(OUTPUT) | G(EXPORT) | G(MIGRATE) | G(PREFIX) |         \
	 G(IMPORT) | G(REPORT) | G(JOURNAL) | G(IDENTITY) | G(FORMAT) | G(CUTOVER) |               \
	 G(GATEWAY_WAIT) | G(GATEWAY_KEYS) | G(WATCH))

#define EXPORT_MORE                                                                                \
	"as The Things Stack JSON, one device per line on standard output, ready for\n"            \
	"`ttn-lw-cli end-devices create` or the Console's bulk import. Each line is\n"             \
	"written and fsync'ed before the device is changed at the source. When the output\n"       \
	"is a terminal or a pipe and the run changes the source, each export is also\n"            \
	"appended to a backup file (mode 0600) under $XDG_STATE_HOME/ttn-lw-migrate/\n"            \
	"(default ~/.local/state/ttn-lw-migrate/). --to-dest migrates into the destination\n"      \
	"instead, recorded in the journal; --check checks what would be exported.\n"

const struct cmd_spec cmd_specs[CMD_NCOMMANDS] = {
    [CMD_TOP] = {CMD_TOP, "", "[--help | --version]", "", "", G(HELP) | G(VERSION), 0, true},
    [CMD_DEVICE] = {CMD_DEVICE, "device",
		    "SOURCE device [DEVICE-ID...] [flags]\n"
		    "device --source SOURCE [--SOURCE.flag...] [DEVICE-ID...] (deprecated form)",
		    "export devices (IDs from stdin when none given)",
		    "Exports the given devices (or the IDs read from standard input, one per "
		    "line)\n" EXPORT_MORE
		    "Aliases: devices, end-device, end-devices, devs, dev, d.\n",
		    EXPORT_GROUPS, SCOPE_SOURCE | SCOPE_DEST, false},
    [CMD_APPLICATION] =
	{CMD_APPLICATION, "application",
	 "SOURCE application [APP-ID...] [flags]\n"
	 "application --source SOURCE [--SOURCE.flag...] [APP-ID...] (deprecated form)",
	 "export whole applications",
	 "Exports every device of the given applications (or of the IDs read from standard\n"
	 "input)\n" EXPORT_MORE "Aliases: applications, apps, app, a.\n",
	 EXPORT_GROUPS, SCOPE_SOURCE | SCOPE_DEST, false},
    [CMD_GATEWAYS] =
	{CMD_GATEWAYS, "gateways", "SOURCE gateways [GATEWAY-ID...] [flags]",
	 "export gateways (read only)",
	 "Exports gateways as The Things Stack JSON, one per line on standard output (or\n"
	 "--output): the given ones, or the IDs read from standard input (`-`), or\n"
	 "without any every gateway of the user (--user-id) or organization\n"
	 "(--organization-id), else the caller's. Each has every registry field (no\n"
	 "secrets unless --with-secrets) and, in \"_source_connection\", what the Gateway\n"
	 "Server says of its connection (connected, protocol), which import ignores.\n"
	 "Changes nothing at the source. The key is --api-key (else --app-api-key).\n",
	 G(HELP) | G(LOG) | G(REQUESTS) | G(OUTPUT) | G(GATEWAYS), SCOPE_SOURCE, false},
    [CMD_GATEWAYS_SWITCH] =
	{CMD_GATEWAYS_SWITCH, "gateways switch", "SOURCE gateways switch GATEWAY-ID... [flags]",
	 "move Basic Station gateways through their CUPS",
	 "Moves Basic Station gateways that use the source's CUPS to the destination\n"
	 "without touching them (the documented \"use CUPS to connect to a different LNS\"):\n"
	 "at the source, gateway_server_address becomes the destination's Gateway Server\n"
	 "and lbs_lns_secret the destination LNS key (made by `gateways import`), and LINK\n"
	 "is taken from the source LNS key so that the gateway asks CUPS at once; then it\n"
	 "waits until the destination's Gateway Server has the gateway connected. Before\n"
	 "anything changes, each gateway is checked (it uses the source's CUPS, no\n"
	 "target_cups_uri or target_cups_key, at most 6 attributes besides cups-*, the\n"
	 "destination has it with its LNS key) and the source's settings are written to\n"
	 "the switch record (0600). --undo sends a gateway back the same way. The source\n"
	 "registration and its CUPS key must stay: the gateway keeps asking that CUPS.\n"
	 "The source key (--api-key) needs SETTINGS_BASIC, SETTINGS_API_KEYS, READ_SECRETS\n"
	 "and WRITE_SECRETS on the gateways; the destination key READ_SECRETS and\n"
	 "STATUS_READ.\n",
	 G(HELP) | G(LOG) | G(REQUESTS) | G(SWITCH) | G(GATEWAY_WAIT), SCOPE_SOURCE | SCOPE_DEST,
	 false},
    [CMD_SOURCES] = {CMD_SOURCES, "sources", "sources", "list the sources",
		     "Lists the sources this build can export from.\n", G(HELP), 0, false},
    [CMD_IMPORT] =
	{CMD_IMPORT, "import", "import [FILE...] [flags]", "create devices at the destination",
	 "Creates devices in the destination application from The Things Stack JSON:\n"
	 "a stream of objects (one per line or pretty-printed) or one array, as written\n"
	 "by the export or by `ttn-lw-cli end-devices get`. Reads standard input when\n"
	 "no FILE is given. Per device, as ttn-lw-cli does: Identity Server create, then\n"
	 "Join Server (OTAA), Network Server and Application Server sets; a device that\n"
	 "fails is rolled back and reported, and the next one goes on.\n",
	 G(HELP) | G(LOG) | G(REQUESTS) | G(PREFIX) | G(IMPORT) | G(FALLBACK) | G(REPORT),
	 SCOPE_DEST | SCOPE_DEST_BARE, false},
    [CMD_GATEWAYS_IMPORT] =
	{CMD_GATEWAYS_IMPORT, "gateways import", "gateways import [FILE...] [flags]",
	 "create gateways at the destination",
	 "Creates the gateways of the files (as exported; standard input when no FILE is\n"
	 "given) under the destination user (--dest.user-id) or organization\n"
	 "(--dest.organization-id), as the Console would: the same ID and EUI, the\n"
	 "registry fields that belong to the gateway (no contacts, no secrets, no CUPS\n"
	 "attributes), enforce_duty_cycle always sent, and gateway_server_address set to\n"
	 "the destination's Gateway Server. Then each gets an LNS API key (INFO, LINK),\n"
	 "stored in its lbs_lns_secret, and, where the source gateway used CUPS, a CUPS\n"
	 "key (INFO, SETTINGS_BASIC, READ_SECRETS). The keys are written once, to the keys\n"
	 "file only, with tc.key and cups.key lines and a global_conf.json snippet for\n"
	 "UDP gateways. A gateway that fails is reported and the next one goes on (exit\n"
	 "status 1); one already at the destination with the same ID and EUI is reported\n"
	 "as there, and only the keys it lacks are made.\n",
	 G(HELP) | G(LOG) | G(REQUESTS) | G(GATEWAY_KEYS), SCOPE_DEST | SCOPE_DEST_BARE, false},
    [CMD_CHECK] = {CMD_CHECK, "check", "check [FILE...] [--dest] [flags]",
		   "will they keep working?",
		   "Checks devices (The Things Stack JSON, as for import; standard input when no\n"
		   "FILE is given) before a move: will the destination take them, and will they\n"
		   "keep working there? Offline it reads the file alone; with --dest it also asks\n"
		   "the destination (DEST_TTS_* or --dest.NAME) for its NetID, DevAddr prefixes\n"
		   "and the devices of the destination application. --dest-dev-addr-prefix gives\n"
		   "the destination's DevAddr blocks by hand.\n\n"
		   "Prints the findings grouped by severity and a count line (--format json: an\n"
		   "array of {severity, rule, device_id, field, message, input}). Exit status 1\n"
		   "when there is an error finding, 0 otherwise, 2 for a usage error. Band data:\n"
		   "bands.json in the data directory ($TTNM_DATA_DIR overrides it).\n\n"
		   "--coverage puts each device with a session in a class from its recent\n"
		   "uplinks and the rights of TTS_API_KEY on their gateways at the source (one\n"
		   "GET /gateways/ID/rights per gateway): A every uplink heard by a gateway you\n"
		   "can move (the plan), B some only by gateways that do not move or Packet\n"
		   "Broker, C none (keep the session at the source: export with --no-session),\n"
		   "D no recent uplinks; and prints the plan. Without TTS_API_KEY and\n"
		   "TTS_API_URL it reads the uplinks alone (gateway ownership unknown).\n",
		   G(HELP) | G(LOG) | G(REQUESTS) | G(PREFIX) | G(IMPORT) | G(FALLBACK) | G(CHECK) |
		       G(FORMAT) | G(COVERAGE),
		   SCOPE_DEST | SCOPE_SOURCE_CONN, false},
    [CMD_CLEAN] =
	{CMD_CLEAN, "clean", "clean [FILE...] [--output FILE]",
	 "strip *_server_address and ids.dev_addr",
	 "Removes application_server_address, network_server_address,\n"
	 "join_server_address and ids.dev_addr from The Things Stack JSON (for example\n"
	 "the output of `ttn-lw-cli end-devices get`), and writes one compact device per\n"
	 "line, ready to import. Reads standard input when no FILE is given.\n",
	 G(HELP) | G(LOG) | G(OUTPUT), 0, false},
    [CMD_STATUS] =
	{CMD_STATUS, "status", "status [--journal FILE] [--report FILE] [--verify]",
	 "the states of the migration journal",
	 "Shows how many devices of the migration journal are in each state\n"
	 "of its order (create-first between two deployments: pending, freezing, frozen,\n"
	 "creating, copied, retiring, verified, refusing, refused; delete-first within\n"
	 "one: pending, exported, retired, created, verified; restore: restoring,\n"
	 "reinstating, restored), and every device whose last step failed or that the\n"
	 "destination refused, with the reason. --verify also lists every device whose\n"
	 "record cannot be right (an unknown state, a state without the export or the\n"
	 "saved source setting that reaching it writes) and exits 1 if there is one.\n"
	 "status reads only: it works while a run holds the journal.\n",
	 G(HELP) | G(LOG) | G(JOURNAL) | G(REPORT) | G(STATUS), 0, false},
    [CMD_WATCH] =
	{CMD_WATCH, "watch", "watch [--journal FILE] [--wait SECONDS] [--format json] [flags]",
	 "have the moved devices been heard at the destination?",
	 "Asks the destination (DEST_TTS_*, as for the run) about every device of the\n"
	 "migration journal that is there (created, copied, retiring, verified) until\n"
	 "each has been heard: its Network Server shows a session.last_f_cnt_up above\n"
	 "the exported one, or a mac_state.recent_uplinks entry received after the\n"
	 "device was created there, or the Identity Server's last_seen_at is after its\n"
	 "created_at. Each device not yet heard is asked about at most once per\n"
	 "--interval, one that was heard no more, each until --wait has passed. Gateways of the\n"
	 "journal are not watched yet. Prints a table (device, arrived / not yet /\n"
	 "gone, last FCnt at the source and at the destination, when heard; --format\n"
	 "json: one JSON document). Exit status 0 only when every device arrived, 1\n"
	 "otherwise, 130 on Ctrl-C. watch only reads: it sends only GET requests and\n"
	 "does not take the journal's run lock, so it works beside a running migration.\n"
	 "--timeout is the limit of each request; --wait the limit of the watch.\n",
	 G(HELP) | G(LOG) | G(REQUESTS) | G(JOURNAL) | G(FORMAT) | G(WATCH),
	 SCOPE_DEST | SCOPE_DEST_BARE, false},
    [CMD_RESUME] =
	{CMD_RESUME, "resume", "resume [--journal FILE] [flags]",
	 "finish the migration of the journal",
	 "Takes every device of the journal that is not verified through the steps it\n"
	 "has not completed, exactly once each, with the settings of the run that\n"
	 "started it. The source and the destination are configured as for\n"
	 "the run itself; they must be the ones the journal recorded (base URLs, the\n"
	 "destination application, the API key ids, --dev-id-prefix), else nothing is\n"
	 "sent (--force-identity acts anyway). One process at a time uses a journal: a\n"
	 "second run fails at once, naming the first one's pid. Exit status 0 only when\n"
	 "every device ended done and every journal write succeeded.\n",
	 G(HELP) | G(LOG) | G(REQUESTS) | G(JOURNAL) | G(IDENTITY) | G(REPORT) | G(PREFIX) |
	     G(IMPORT) | G(GATEWAY_WAIT) | G(GATEWAY_KEYS) | G(WATCH),
	 SCOPE_SOURCE | SCOPE_DEST, false},
    [CMD_RESTORE] =
	{CMD_RESTORE, "restore",
	 "restore [--journal FILE] [--from-destination] [--gateway ID|all]... "
	 "[DEVICE-ID|APP-ID/DEVICE-ID...]",
	 "put devices of the journal back at the source",
	 "Puts devices back into the source, each as a journaled transaction: first a\n"
	 "read checks that the source takes it back (the key works, the same EUIs),\n"
	 "then what goes back is recorded (restoring), the destination copy is deleted\n"
	 "by the id the journal recorded for it (reinstating), and it is put back at the\n"
	 "source (re-created, or unfrozen for a create-first device the source kept).\n"
	 "Run it again after a failure: it goes on from the recorded step.\n"
	 "A device live at the destination (created, copied, retiring, verified) is\n"
	 "refused, saying where it lives: the export's frame counters are behind the\n"
	 "destination's. --from-destination takes its current session from the\n"
	 "destination instead. A device that never reached the destination gets back\n"
	 "exactly what was exported (or is only unfrozen).\n"
	 "--gateway puts back a gateway of a cut-over (--with-gateways), after the\n"
	 "devices: one moved by the source's CUPS gets the source's LNS settings the\n"
	 "journal recorded before the switch; for any other one you are told what to\n"
	 "change back on it. At the destination it is deleted if this journal's run\n"
	 "registered it (its ID stays taken there), else left, its LNS key without\n"
	 "LINK. Held devices stay held until restored themselves.\n",
	 G(HELP) | G(LOG) | G(REQUESTS) | G(JOURNAL) | G(IDENTITY) | G(PREFIX) | G(RESTORE),
	 SCOPE_SOURCE | SCOPE_DEST, false},
    [CMD_HELP] = {CMD_HELP, "help", "help", "this help", "Prints the overview of the commands.\n",
		  G(HELP), 0, false},
    [CMD_MAN] = {CMD_MAN, "man", "man", "the man page",
		 "Prints the man page (roff), generated from the command and option tables.\n",
		 G(HELP), 0, true},
    [CMD_OPTIONS] = {CMD_OPTIONS, "_options", "_options", "every command's options",
		     "Lists every command as typed and each option it takes, tab-separated.\n",
		     G(HELP), 0, true},
};

const struct cmd_spec *cmd_find(const char *word)
{
	for (int i = CMD_SOURCES; i < CMD_NCOMMANDS; i++)
		if (strcmp(cmd_specs[i].name, word) == 0)
			return &cmd_specs[i];
	return NULL;
}

bool cmd_takes_group(const struct cmd_spec *c, int g)
{
	return g >= 0 && (c->groups & GROUP(g));
}

static bool is_export(const struct cmd_spec *c)
{
	return c->id == CMD_DEVICE || c->id == CMD_APPLICATION;
}

/* ---- --help ------------------------------------------------------------- */

static void print_usage(const struct cmd_spec *c, const struct source_ops *src, bool legacy)
{
	const char *item = c->id == CMD_DEVICE ? "DEVICE-ID" : "APP-ID";
	if (is_export(c) && src) {
		if (legacy)
			printf("Usage: ttn-lw-migrate %s --source %s [%s...] [flags]\n\n", c->name,
			       src->name, item);
		else
			printf("Usage: ttn-lw-migrate %s %s [%s...] [flags]\n\n", src->name,
			       c->name, item);
		return;
	}
	printf("Usage:");
	for (const char *s = c->synopsis; *s;) {
		size_t n = strcspn(s, "\n");
		printf(" ttn-lw-migrate %.*s\n", (int)n, s);
		s += n;
		if (*s)
			printf("      ");
		s += *s == '\n';
	}
	printf("\n");
}

static void print_source_options(const struct source_ops *s, bool legacy)
{
	char pre[40];
	snprintf(pre, sizeof pre, "%s.", s->name);
	printf("\n%s options (the source; each also accepted as --%sNAME):\n", s->name,
	       legacy ? "" : pre);
	opt_print_help(s->options, legacy ? pre : NULL);
}

void cmd_print_help(const struct cmd_spec *c, const struct source_ops *src, bool legacy)
{
	print_usage(c, src, legacy);
	printf("%s", c->description);
	if (c->id == CMD_CHECK) {
		printf("Data directory: %s\n\nRules:\n",
		       check_data_dir() ? check_data_dir() : "(not found)");
		for (const struct check_rule *r = check_rules; r->id; r++)
			printf("  %-33s %-8s %s\n", r->id, r->severity, r->summary);
	}
	for (int g = 0; g < G_NGROUPS; g++) {
		if (!cmd_takes_group(c, g))
			continue;
		printf("\n%s options:\n", opt_groups[g].title);
		opt_print_group(opt_groups[g].opts);
	}
	if (c->scopes & SCOPE_SOURCE) {
		if (src)
			print_source_options(src, legacy);
		else
			for (const struct source_ops *const *s = source_registry; *s; s++)
				print_source_options(*s, false);
	}
	if (c->scopes & SCOPE_SOURCE_CONN) {
		printf("\nSource options (TTS_*; for --coverage):\n");
		opt_print_help(source_conn_options, NULL);
	}
	if (c->scopes & SCOPE_DEST) {
		bool bare = c->scopes & SCOPE_DEST_BARE;
		printf("\nDestination options (DEST_TTS_*; %s):\n",
		       bare ? "each also accepted as --dest.NAME"
			    : "as --dest.NAME or --dest-NAME");
		opt_print_help(dest_options, bare ? NULL : "dest.");
	}
}

void cmd_print_main_help(void)
{
	printf("ttn-lw-migrate moves LoRaWAN end devices between network servers, sessions "
	       "included.\n\nUsage:\n");
	for (int i = 0; i < CMD_NCOMMANDS; i++) {
		const struct cmd_spec *c = &cmd_specs[i];
		if (c->hidden)
			continue;
		int n = (int)strcspn(c->synopsis, "\n");
		if (n > 50)
			printf("  ttn-lw-migrate %.*s\n  %-65s %s\n", n, c->synopsis, "",
			       c->summary);
		else
			printf("  ttn-lw-migrate %-50.*s %s\n", n, c->synopsis, c->summary);
	}
	printf("\nSources:\n");
	for (const struct source_ops *const *s = source_registry; *s; s++)
		printf("  %-10s %s\n", (*s)->name, (*s)->description);
	for (int g = 0; g < G_NGROUPS; g++) {
		if (!cmd_takes_group(&cmd_specs[CMD_TOP], g))
			continue;
		printf("\n%s options:\n", opt_groups[g].title);
		opt_print_group(opt_groups[g].opts);
	}
	printf("\nRun 'ttn-lw-migrate COMMAND --help' for a command's options, and\n"
	       "'ttn-lw-migrate SOURCE device --help' for the source's.\n"
	       "Exit status: 0 success, 1 some device failed or the run could not finish,\n"
	       "2 bad command line or configuration, 130 interrupted.\n");
}

/* ---- the man page --------------------------------------------------------- */

/* roff-escapes s: backslashes and dashes; a line starting with a dot or a
 * quote gets a zero-width escape. */
static void roff(const char *s)
{
	bool bol = true;
	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", stdout);
		bol = *s == '\n';
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
	}
}

static void man_option(const struct opt_desc *d, const char *prefix, char short_name)
{
	printf(".TP\n.B ");
	if (short_name)
		printf("\\-%c, ", short_name);
	printf("\\-\\-");
	roff(prefix ? prefix : "");
	roff(d->name);
	if (d->metavar) {
		printf(" \\fI");
		roff(d->metavar);
		printf("\\fR");
	}
	printf("\n");
	roff(d->help);
	if (d->type == OPT_LIST)
		printf(" (repeatable)");
	if (d->env) {
		printf(". Environment: \\fB");
		roff(d->env);
		printf("\\fR");
	}
	if (d->def && d->type != OPT_BOOL && !(d->flags & OPT_SECRET)) {
		printf(". Default: ");
		roff(d->def);
	}
	printf(".\n");
}

static void man_table(const struct opt_desc *t, const char *prefix)
{
	for (; t->name; t++)
		if (!(t->flags & OPT_HIDDEN))
			man_option(t, prefix, 0);
}

static void man_env(const struct opt_desc *t)
{
	for (; t->name; t++) {
		if (!t->env || (t->flags & OPT_HIDDEN))
			continue;
		printf(".TP\n.B ");
		roff(t->env);
		printf("\n\\-\\-");
		roff(t->name);
		printf("\n");
	}
}

static void man_commands(void)
{
	printf(".SH COMMANDS\n");
	for (int i = 0; i < CMD_NCOMMANDS; i++) {
		const struct cmd_spec *c = &cmd_specs[i];
		if (c->hidden)
			continue;
		printf(".SS %s\n.nf\n", c->name);
		for (const char *s = c->synopsis; *s;) {
			size_t n = strcspn(s, "\n");
			printf("\\fBttn\\-lw\\-migrate\\fR ");
			char line[256];
			snprintf(line, sizeof line, "%.*s", (int)n, s);
			roff(line);
			printf("\n");
			s += n;
			s += *s == '\n';
		}
		printf(".fi\n.PP\n");
		roff(c->description);
		printf(".PP\nOptions:");
		const char *sep = " ";
		for (int g = 0; g < G_NGROUPS; g++)
			if (cmd_takes_group(c, g)) {
				printf("%s%s", sep, opt_groups[g].title);
				sep = ", ";
			}
		if (c->scopes & (SCOPE_SOURCE | SCOPE_SOURCE_CONN))
			printf("%sthe source's (SOURCE)", sep);
		if (c->scopes & SCOPE_DEST)
			printf("%sthe destination's (DESTINATION)", sep);
		printf(".\n");
	}
}

void cmd_print_man(void)
{
	printf(".TH TTN\\-LW\\-MIGRATE 1 \"\" \"ttn-lw-migrate %s\" \"User Commands\"\n",
	       TTNM_VERSION);
	printf(".SH NAME\nttn\\-lw\\-migrate \\- move LoRaWAN end devices between network "
	       "servers, sessions included\n");
	printf(".SH SYNOPSIS\n.nf\n");
	for (int i = 0; i < CMD_NCOMMANDS; i++) {
		const struct cmd_spec *c = &cmd_specs[i];
		if (c->hidden)
			continue;
		for (const char *s = c->synopsis; *s;) {
			size_t n = strcspn(s, "\n");
			char line[256];
			snprintf(line, sizeof line, "%.*s", (int)n, s);
			printf("\\fBttn\\-lw\\-migrate\\fR ");
			roff(line);
			printf("\n");
			s += n;
			s += *s == '\n';
		}
	}
	printf(".fi\n");
	printf(".SH DESCRIPTION\nExports end devices, with their session (DevAddr, session "
	       "keys, frame counters, MAC state) and root keys, as The Things Stack JSON, one "
	       "device per line on standard output, ready for \\fBttn\\-lw\\-cli end\\-devices "
	       "create\\fR or the Console's bulk import; imports such files into a destination; "
	       "checks them before a move; and migrates applications from a source to a "
	       "destination with a journal, exactly once per device.\n.PP\n"
	       "Flags may stand anywhere on the command line. A command refuses a flag it "
	       "does not take (exit status 2). An option given as a flag wins over its "
	       "environment variable, which wins over the default.\n");
	man_commands();
	printf(".SH OPTIONS\nEach group lists the commands that take it.\n");
	for (int g = 0; g < G_NGROUPS; g++) {
		printf(".SS %s\nTaken by:", opt_groups[g].title);
		const char *sep = " ";
		for (int i = 0; i < CMD_NCOMMANDS; i++)
			if (!cmd_specs[i].hidden && cmd_takes_group(&cmd_specs[i], g)) {
				printf("%s\\fB%s\\fR", sep, cmd_specs[i].name);
				sep = ", ";
			}
		if (cmd_takes_group(&cmd_specs[CMD_TOP], g))
			printf("%s(no command)", sep);
		printf(".\n");
		for (const struct cmd_opt *o = opt_groups[g].opts; o->d.name; o++)
			if (!(o->d.flags & OPT_HIDDEN))
				man_option(&o->d, NULL, o->short_name);
	}
	for (const struct source_ops *const *s = source_registry; *s; s++) {
		printf(".SH SOURCE %s\n", (*s)->name);
		roff((*s)->description);
		printf(
		    ". Taken by \\fBdevice\\fR, \\fBapplication\\fR, \\fBresume\\fR and "
		    "\\fBrestore\\fR; each option is also accepted as \\fB\\-\\-%s.\\fIname\\fR.\n",
		    (*s)->name);
		if (strcmp((*s)->name, "tts") == 0)
			printf(".PP\nIts connection options (not the others) are also taken by "
			       "\\fBcheck\\fR, for \\-\\-coverage.\n");
		man_table((*s)->options, NULL);
	}
	printf(".SH DESTINATION\nThe Things Stack application devices are created in. Taken "
	       "by \\fBimport\\fR (also as \\fB\\-\\-\\fIname\\fR), \\fBcheck\\fR, "
	       "\\fBresume\\fR, \\fBrestore\\fR and the export commands with \\-\\-to\\-dest or "
	       "\\-\\-check; each option is also accepted as "
	       "\\fB\\-\\-dest\\-\\fIname\\fR.\n");
	man_table(dest_options, "dest.");
	printf(".SH ENVIRONMENT\n");
	for (const struct source_ops *const *s = source_registry; *s; s++)
		man_env((*s)->options);
	man_env(dest_options);
	printf(".TP\n.B XDG_STATE_HOME\nWhere the journal and the backups of exports are kept "
	       "(default \\fB~/.local/state\\fR), under \\fBttn\\-lw\\-migrate/\\fR.\n"
	       ".TP\n.B TTNM_DATA_DIR\nThe directory of the band data (bands.json) of "
	       "\\fBcheck\\fR.\n");
	printf(".SH EXIT STATUS\n.TP\n0\nsuccess\n.TP\n1\nsome device failed, or the run could "
	       "not finish\n.TP\n2\nbad command line or configuration\n.TP\n130\ninterrupted "
	       "(SIGINT or SIGTERM)\n");
	printf(".SH EXAMPLES\n.nf\nexport TTS_APP_ID=my\\-app TTS_APP_API_KEY=NNSXS.... "
	       "TTS_API_URL=https://eu1.cloud.thethings.network\n"
	       "ttn\\-lw\\-migrate device \\-\\-source tts my\\-device > devices.json\n"
	       "ttn\\-lw\\-migrate tts application my\\-app > devices.json\n"
	       "ttn\\-lw\\-migrate device \\-\\-source tts my\\-device "
	       "\\-\\-tts.delete\\-source\\-device\n"
	       "ttn\\-lw\\-migrate check devices.json \\-\\-dest\n"
	       "ttn\\-lw\\-migrate import devices.json\n"
	       "ttn\\-lw\\-migrate tts application my\\-app \\-\\-to\\-dest\n"
	       "ttn\\-lw\\-migrate status\n.fi\n");
}

/* ---- _options ------------------------------------------------------------ */

static void list_table(const char *words, const struct opt_desc *t, const char *prefix,
		       const char *kind)
{
	for (; t->name; t++)
		if (!(t->flags & OPT_HIDDEN))
			printf("%s\t--%s%s\t-\t%s\t%s\n", words, prefix ? prefix : "", t->name,
			       t->env ? t->env : "-", kind);
}

static void list_command(const struct cmd_spec *c, const char *words, const struct source_ops *src,
			 bool legacy)
{
	for (int g = 0; g < G_NGROUPS; g++) {
		if (!cmd_takes_group(c, g))
			continue;
		for (const struct cmd_opt *o = opt_groups[g].opts; o->d.name; o++) {
			if (o->d.flags & OPT_HIDDEN)
				continue;
			char sh[4] = "-";
			if (o->short_name)
				snprintf(sh, sizeof sh, "-%c", o->short_name);
			printf("%s\t--%s\t%s\t-\ttool\n", words, o->d.name, sh);
		}
	}
	char pre[40];
	for (const struct source_ops *const *s = source_registry; *s; s++) {
		if (!(c->scopes & SCOPE_SOURCE) || (src && src != *s))
			continue;
		snprintf(pre, sizeof pre, "%s.", (*s)->name);
		list_table(words, (*s)->options, legacy ? pre : NULL, "source");
	}
	if (c->scopes & SCOPE_SOURCE_CONN)
		list_table(words, source_conn_options, NULL, "source");
	if (c->scopes & SCOPE_DEST)
		list_table(words, dest_options, c->scopes & SCOPE_DEST_BARE ? NULL : "dest.",
			   "dest");
}

void cmd_print_option_list(void)
{
	char words[128];
	for (int i = 0; i < CMD_NCOMMANDS; i++) {
		const struct cmd_spec *c = &cmd_specs[i];
		if (c->id == CMD_TOP)
			continue;
		if (c->id == CMD_GATEWAYS || c->id == CMD_GATEWAYS_SWITCH) {
			for (const struct source_ops *const *s = source_registry; *s; s++) {
				if (!(*s)->gateways ||
				    (c->id == CMD_GATEWAYS_SWITCH && !(*s)->gateways->lns_point))
					continue;
				snprintf(words, sizeof words, "%s %s", (*s)->name, c->name);
				list_command(c, words, *s, false);
			}
			continue;
		}
		if (!is_export(c)) {
			list_command(c, c->name, NULL, false);
			continue;
		}
		for (const struct source_ops *const *s = source_registry; *s; s++) {
			snprintf(words, sizeof words, "%s %s", (*s)->name, c->name);
			list_command(c, words, *s, false);
			snprintf(words, sizeof words, "%s --source %s", c->name, (*s)->name);
			list_command(c, words, *s, true);
		}
	}
}
