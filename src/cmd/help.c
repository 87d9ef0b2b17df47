/* Help texts. Options come from the option tables, never written here. */
#include <stdio.h>

#include "check/check.h"
#include "cmd/cmd.h"
#include "dest/dest.h"

void help_main(void)
{
	printf("ttn-lw-migrate moves LoRaWAN end devices between network servers, sessions "
	       "included.\n\n"
	       "Usage:\n"
	       "  ttn-lw-migrate SOURCE device [DEVICE-ID...] [flags]       export devices "
	       "(IDs from stdin when none given)\n"
	       "  ttn-lw-migrate SOURCE application [APP-ID...] [flags]     export whole "
	       "applications\n"
	       "  ttn-lw-migrate device --source SOURCE [DEVICE-ID...]      the same "
	       "(deprecated form, --SOURCE.flag)\n"
	       "  ttn-lw-migrate application --source SOURCE [APP-ID...]\n"
	       "  ttn-lw-migrate sources                                    list the "
	       "sources\n"
	       "  ttn-lw-migrate import [FILE...]                           create devices at the "
	       "destination\n"
	       "  ttn-lw-migrate check [FILE...] [--dest]                   will they keep "
	       "working?\n"
	       "  ttn-lw-migrate SOURCE application APP-ID --to-dest        freeze, export, "
	       "create, verify, delete\n"
	       "  ttn-lw-migrate status|resume|restore [--journal FILE]     the migration "
	       "journal\n"
	       "  ttn-lw-migrate clean [FILE...]                            strip *_server_address "
	       "and ids.dev_addr\n\n"
	       "Sources:\n");
	for (const struct source_ops *const *s = source_registry; *s; s++)
		printf("  %-10s %s\n", (*s)->name, (*s)->description);
	printf("\nGlobal flags:\n");
	opt_print_help(global_options, NULL);
	printf("\nRun 'ttn-lw-migrate SOURCE device --help' for the source's flags.\n"
	       "Exit status: 0 success, 1 some device failed or the run could not finish,\n"
	       "2 bad command line or configuration, 130 interrupted.\n");
}

void help_export(const struct source_ops *src, enum export_mode mode, int legacy)
{
	const char *what = mode == EXPORT_DEVICES ? "device" : "application";
	const char *item = mode == EXPORT_DEVICES ? "DEVICE-ID" : "APP-ID";
	if (legacy)
		printf("Usage: ttn-lw-migrate %s --source %s [%s...] [flags]\n\n", what,
		       src ? src->name : "SOURCE", item);
	else
		printf("Usage: ttn-lw-migrate %s %s [%s...] [flags]\n\n",
		       src ? src->name : "SOURCE", what, item);
	if (mode == EXPORT_DEVICES)
		printf("Exports the given devices (or the IDs read from standard input, one per "
		       "line)\n");
	else
		printf("Exports every device of the given applications (or of the IDs read from "
		       "standard input)\n");
	printf("as The Things Stack JSON, one device per line on standard output, ready for\n"
	       "`ttn-lw-cli end-devices create` or the Console's bulk import. Each line is\n"
	       "written and fsync'ed before the device is changed at the source.\n");
	if (src) {
		char pre[40];
		snprintf(pre, sizeof pre, "%s.", src->name);
		printf("\n%s flags (each also accepted as --%sNAME):\n", src->name,
		       legacy ? "" : pre);
		opt_print_help(src->options, legacy ? pre : NULL);
	}
	printf("\nGlobal flags:\n");
	opt_print_help(global_options, NULL);
}

void help_sources(void)
{
	printf("Usage: ttn-lw-migrate sources\n\nLists the sources this build can export "
	       "from.\n");
}

void help_import(void)
{
	printf("Usage: ttn-lw-migrate import [FILE...] [flags]\n\n"
	       "Creates devices in the destination application from The Things Stack JSON:\n"
	       "a stream of objects (one per line or pretty-printed) or one array, as written\n"
	       "by the export or by `ttn-lw-cli end-devices get`. Reads standard input when\n"
	       "no FILE is given. Per device, as ttn-lw-cli does: Identity Server create, then\n"
	       "Join Server (OTAA), Network Server and Application Server sets; a device that\n"
	       "fails is rolled back and reported, and the next one goes on.\n\n"
	       "Destination flags (each also accepted as --dest.NAME):\n");
	opt_print_help(dest_options, NULL);
	printf("\nGlobal flags:\n");
	opt_print_help(global_options, NULL);
}

void help_clean(void)
{
	printf("Usage: ttn-lw-migrate clean [FILE...] [--output FILE]\n\n"
	       "Removes application_server_address, network_server_address,\n"
	       "join_server_address and ids.dev_addr from The Things Stack JSON (for example\n"
	       "the output of `ttn-lw-cli end-devices get`), and writes one compact device per\n"
	       "line, ready to import. Reads standard input when no FILE is given.\n");
}

void help_status(void)
{
	printf("Usage: ttn-lw-migrate status [--journal FILE] [--report FILE] [--verify]\n\n"
	       "Shows how many devices of the migration journal are in each state\n"
	       "of its order (create-first between two deployments: pending, freezing, frozen,\n"
	       "creating, copied, retiring, verified, refusing, refused; delete-first within\n"
	       "one: pending, exported, retired, created, verified; restore: restoring,\n"
	       "reinstating, restored), and every device whose last step failed or that the\n"
	       "destination refused, with the reason. --verify also lists every device whose\n"
	       "record cannot be right (an unknown state, a state without the export or the\n"
	       "saved source setting that reaching it writes) and exits 1 if there is one.\n"
	       "status reads only: it works while a run holds the journal.\n");
}

void help_resume(void)
{
	printf("Usage: ttn-lw-migrate resume [--journal FILE] [flags]\n\n"
	       "Takes every device of the journal that is not verified through the steps it\n"
	       "has not completed, exactly once each, with the settings of the run that\n"
	       "started it. The source and the destination are configured as for\n"
	       "the run itself; they must be the ones the journal recorded (base URLs, the\n"
	       "destination application, the API key ids, --dev-id-prefix), else nothing is\n"
	       "sent (--force-identity acts anyway). One process at a time uses a journal: a\n"
	       "second run fails at once, naming the first one's pid. Exit status 0 only when\n"
	       "every device ended done and every journal write succeeded.\n");
}

void help_restore(void)
{
	printf("Usage: ttn-lw-migrate restore [--journal FILE] [--from-destination]\n"
	       "       DEVICE-ID|APP-ID/DEVICE-ID...\n\n"
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
	       "exactly what was exported (or is only unfrozen).\n");
}

/* roff-escapes s: backslashes and leading dots/quotes. */
static void roff(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
	}
}

static void man_options(const struct opt_desc *t, const char *prefix)
{
	for (; t->name; t++) {
		if (t->flags & OPT_HIDDEN)
			continue;
		printf(".TP\n.B \\-\\-");
		roff(prefix ? prefix : "");
		roff(t->name);
		if (t->metavar) {
			printf(" \\fI");
			roff(t->metavar);
			printf("\\fR");
		}
		printf("\n");
		roff(t->help);
		if (t->env) {
			printf(". Environment: \\fB");
			roff(t->env);
			printf("\\fR");
		}
		if (t->def && t->type != OPT_BOOL) {
			printf(". Default: ");
			roff(t->def);
		}
		printf(".\n");
	}
}

void help_man(void)
{
	printf(".TH TTN\\-LW\\-MIGRATE 1 \"\" \"ttn-lw-migrate %s\" \"User Commands\"\n",
	       TTNM_VERSION);
	printf(".SH NAME\nttn\\-lw\\-migrate \\- move LoRaWAN end devices between network "
	       "servers, sessions included\n");
	printf(".SH SYNOPSIS\n"
	       ".B ttn\\-lw\\-migrate\n\\fISOURCE\\fR \\fBdevice\\fR|\\fBapplication\\fR "
	       "[\\fIID\\fR...] [\\fIflags\\fR]\n.br\n"
	       ".B ttn\\-lw\\-migrate\n\\fBdevice\\fR|\\fBapplication\\fR \\-\\-source "
	       "\\fISOURCE\\fR [\\-\\-\\fISOURCE\\fR.\\fIflag\\fR...] [\\fIID\\fR...]\n.br\n"
	       ".B ttn\\-lw\\-migrate sources\n");
	printf(".SH DESCRIPTION\nExports end devices, with their session (DevAddr, session "
	       "keys, frame counters, MAC state) and root keys, as The Things Stack JSON, one "
	       "device per line on standard output, ready for \\fBttn\\-lw\\-cli end\\-devices "
	       "create\\fR or the Console's bulk import. IDs are read from standard input, one "
	       "per line, when none are given.\n.PP\n"
	       "Each line is written, and fsync'ed when the output is a regular file, before "
	       "the device is changed at the source. When the output is a terminal or a pipe "
	       "and the run changes the source, each export is also appended to a backup file "
	       "(mode 0600) under \\fB$XDG_STATE_HOME/ttn\\-lw\\-migrate/\\fR (default "
	       "\\fB~/.local/state/ttn\\-lw\\-migrate/\\fR).\n");
	printf(".SH GLOBAL OPTIONS\n");
	man_options(global_options, NULL);
	for (const struct source_ops *const *s = source_registry; *s; s++) {
		printf(".SH SOURCE %s\n", (*s)->name);
		roff((*s)->description);
		printf(". Each option is also accepted as \\fB\\-\\-%s.\\fIname\\fR.\n",
		       (*s)->name);
		man_options((*s)->options, NULL);
	}
	printf(".SH EXIT STATUS\n.TP\n0\nsuccess\n.TP\n1\nsome device failed, or the run could "
	       "not finish\n.TP\n2\nbad command line or configuration\n.TP\n130\ninterrupted "
	       "(SIGINT or SIGTERM)\n");
	printf(".SH EXAMPLES\n.nf\nexport TTS_APP_ID=my\\-app TTS_APP_API_KEY=NNSXS.... "
	       "TTS_API_URL=https://eu1.cloud.thethings.network\n"
	       "ttn\\-lw\\-migrate device \\-\\-source tts my\\-device > devices.json\n"
	       "ttn\\-lw\\-migrate tts application my\\-app > devices.json\n"
	       "ttn\\-lw\\-migrate device \\-\\-source tts my\\-device "
	       "\\-\\-tts.delete\\-source\\-device\n.fi\n");
}

void help_check(void)
{
	printf("Usage: ttn-lw-migrate check [FILE...] [--dest] [flags]\n\n"
	       "Checks devices (The Things Stack JSON, as for import; standard input when no\n"
	       "FILE is given) before a move: will the destination take them, and will they\n"
	       "keep working there? Offline it reads the file alone; with --dest it also asks\n"
	       "the destination (DEST_TTS_* or --dest.NAME) for its NetID, DevAddr prefixes\n"
	       "and the devices of the destination application. --dest-dev-addr-prefix gives\n"
	       "the destination's DevAddr blocks by hand.\n\n"
	       "Prints the findings grouped by severity and a count line (--format json: an\n"
	       "array of {severity, rule, device_id, field, message, input}). Exit status 1\n"
	       "when there is an error finding, 0 otherwise, 2 for a usage error. Band data:\n"
	       "%s/bands.json ($TTNM_DATA_DIR overrides the directory).\n\nRules:\n",
	       check_data_dir() ? check_data_dir() : "(not found)");
	for (const struct check_rule *r = check_rules; r->id; r++)
		printf("  %-33s %-8s %s\n", r->id, r->severity, r->summary);
	printf("\nDestination flags (as --dest.NAME):\n");
	opt_print_help(dest_options, "dest.");
	printf("\nGlobal flags:\n");
	opt_print_help(global_options, NULL);
}
