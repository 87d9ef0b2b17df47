/* Help texts. Options come from the option tables, never written here. */
#include <stdio.h>

#include "cmd/cmd.h"

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
	       "sources\n\n"
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
		printf("Usage: ttn-lw-migrate %s %s [%s...] [flags]\n\n", src ? src->name : "SOURCE",
		       what, item);
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
