/*
 * ttn-lw-migrate: argv → command.
 *
 * Forms accepted (the upstream tool's, old and new):
 *   ttn-lw-migrate SOURCE device|application [ITEM...] [--flag...]
 *   ttn-lw-migrate device|application --source SOURCE [--SOURCE.flag...] [ITEM...]
 *   ttn-lw-migrate sources
 * with the upstream aliases (application: applications apps app a; device:
 * end-devices end-device devices devs dev d).
 */
#include <malloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check/check.h"
#include "cmd/cmd.h"
#include "io/output.h"
#include "net/http.h"
#include "ui/log.h"
#include "ui/stop.h"

static atomic_int signals_seen; /* lock-free: safe in a signal handler */

static void on_signal(int sig)
{
	(void)sig;
	/* A second Ctrl-C is the user insisting: leave at once. The device in
	 * flight was either not yet written or is durably on disk. (A stop by
	 * the circuit breaker is not a signal: the first Ctrl-C after it still
	 * gets the orderly stop.) */
	if (signals_seen)
		_exit(EXIT_INTERRUPTED);
	signals_seen = 1;
	g_interrupted = STOP_SIGNAL;
}

static int mode_of(const char *w)
{
	static const char *const dev[] = {"device", "devices", "end-device", "end-devices",
					  "devs",   "dev",     "d",	     NULL};
	static const char *const app[] = {"application", "applications", "apps", "app", "a", NULL};
	for (const char *const *p = dev; *p; p++)
		if (strcmp(w, *p) == 0)
			return EXPORT_DEVICES;
	for (const char *const *p = app; *p; p++)
		if (strcmp(w, *p) == 0)
			return EXPORT_APPLICATIONS;
	return -1;
}

static int run_man(const struct invocation *inv)
{
	(void)inv;
	help_man();
	return EXIT_OK;
}

static int run_help(const struct invocation *inv)
{
	(void)inv;
	help_main();
	return EXIT_OK;
}

/* Commands that are not SOURCE device|application. One line each. */
static const struct command {
	const char *name;
	int (*run)(const struct invocation *inv);
	void (*help)(void);
} commands[] = {
    {"sources", cmd_sources, help_sources},
    {"import", cmd_import, help_import},
    {"clean", cmd_clean, help_clean},
    {"status", cmd_status, help_status},
    {"resume", cmd_resume, help_resume},
    {"restore", cmd_restore, help_restore},
    {"check", cmd_check, help_check},
    {"help", run_help, help_main},
    {"man", run_man, help_man}, /* hidden: generates docs/ttn-lw-migrate.1 */
    {NULL, NULL, NULL},
};

static int usage(const char *msg)
{
	log_error("%s (see ttn-lw-migrate --help)", msg);
	return EXIT_USAGE;
}

/* --allow RULE[,RULE...], repeatable: every rule must exist and be one that
 * can be allowed. The list lives as long as the process (check_allow_set). */
static int parse_allow(const struct args *a)
{
	static char *rules[64];
	size_t n = 0;
	for (size_t i = 0; i < a->nflags; i++) {
		if (strcmp(a->flags[i].name, "allow") != 0 || !a->flags[i].value)
			continue;
		char *copy = strdup(a->flags[i].value), *save = NULL;
		for (char *r = strtok_r(copy, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
			char m[200];
			if (!check_rule_find(r)) {
				snprintf(m, sizeof m,
					 "--allow %.60s: no such check rule (`ttn-lw-migrate check "
					 "--help` lists them)",
					 r);
				free(copy);
				return usage(m);
			}
			if (check_rule_fatal(r)) {
				snprintf(m, sizeof m,
					 "--allow %.60s: this rule cannot be allowed (the device "
					 "cannot be written in The Things Stack's form)",
					 r);
				free(copy);
				return usage(m);
			}
			if (n + 1 < sizeof rules / sizeof *rules)
				rules[n++] = strdup(r);
		}
		free(copy);
	}
	rules[n] = NULL;
	int force;
	const char *fv = args_flag(a, "force", &force);
	check_allow_set(force && (!fv || opt_parse_bool(fv) == 1), (const char *const *)rules);
	return 0;
}

static int dispatch(const struct args *a)
{
	int help, version, has_source;
	args_flag(a, "help", &help);
	args_flag(a, "version", &version);
	const char *source_name = args_flag(a, "source", &has_source);
	struct invocation inv = {.args = a};

	if (version) {
		printf("ttn-lw-migrate %s\n", TTNM_VERSION);
		return EXIT_OK;
	}
	if (a->nwords == 0) {
		if (help) {
			help_main();
			return EXIT_OK;
		}
		return usage("no command given");
	}
	int arc = parse_allow(a);
	if (arc)
		return arc;
	const char *w0 = a->words[0];
	for (const struct command *c = commands; c->name; c++) {
		if (strcmp(w0, c->name) != 0)
			continue;
		if (help) {
			c->help();
			return EXIT_OK;
		}
		inv.items = a->words + 1;
		inv.nitems = a->nwords - 1;
		return c->run(&inv);
	}
	int mode;
	const struct source_ops *src = source_find(w0);
	if (src) {
		/* New form: SOURCE device|application ... */
		mode = a->nwords > 1 ? mode_of(a->words[1]) : -1;
		if (mode < 0) {
			if (help) {
				help_export(src, EXPORT_DEVICES, 0);
				return EXIT_OK;
			}
			return usage(a->nwords > 1 ? "unknown command after the source (expected "
						     "device or application)"
						   : "missing command: device or application");
		}
		inv.items = a->words + 2;
		inv.nitems = a->nwords - 2;
	} else if ((mode = mode_of(w0)) >= 0) {
		/* Deprecated form: device|application --source SOURCE ... */
		src = source_find(source_name);
		if (help) {
			help_export(src, (enum export_mode)mode, 1);
			return EXIT_OK;
		}
		if (!source_name)
			return usage("--source is required with this form (e.g. --source tts), or "
				     "write 'ttn-lw-migrate tts device ...'");
		if (!src) {
			char m[160];
			snprintf(m, sizeof m,
				 "unknown source \"%s\" (ttn-lw-migrate sources lists them)",
				 source_name);
			return usage(m);
		}
		inv.items = a->words + 1;
		inv.nitems = a->nwords - 1;
	} else {
		char m[160];
		snprintf(m, sizeof m, "unknown command \"%s\"", w0);
		return usage(m);
	}
	if (help) {
		help_export(src, (enum export_mode)mode, src && !source_find(w0));
		return EXIT_OK;
	}
	inv.src = src;
	inv.mode = (enum export_mode)mode;
	return cmd_export(&inv);
}

int main(int argc, char **argv)
{
	out_guard_std_fds();
	/* Many worker threads would each get a malloc arena: memory that grows
	 * with --concurrency and stays. A few arenas suffice for this work. */
	mallopt(M_ARENA_MAX, 1);
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed pipe must surface as EPIPE from write(), handled per device,
	 * not kill the process between an export and its retirement. */
	signal(SIGPIPE, SIG_IGN);

	struct args a;
	char err[256];
	if (args_split(argc, argv, &a, err, sizeof err) < 0) {
		args_free(&a);
		return usage(err);
	}
	int rc = dispatch(&a);
	/* The circuit breaker stops a run the way Ctrl-C does (the engines see
	 * g_interrupted), but the run failed: it did not finish, and a person must
	 * fix the configuration (run_stop_reason() was printed when it tripped). */
	if (g_interrupted == STOP_BREAKER && !signals_seen &&
	    (rc == EXIT_INTERRUPTED || rc == EXIT_OK))
		rc = EXIT_FAILED;
	http_shutdown();
	args_free(&a);
	log_clear_secrets();
	return rc;
}
