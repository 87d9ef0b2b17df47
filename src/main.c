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
#include "cli/commands.h"
#include "cmd/cmd.h"
#include "dest/dest.h"
#include "io/output.h"
#include "net/http.h"
#include "net/tts_config.h"
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
	cmd_print_man();
	return EXIT_OK;
}

static int run_help(const struct invocation *inv)
{
	(void)inv;
	cmd_print_main_help();
	return EXIT_OK;
}

static int run_options(const struct invocation *inv)
{
	(void)inv;
	cmd_print_option_list();
	return EXIT_OK;
}

/* What runs each command of the table (cli/commands.c). */
static int (*const runners[CMD_NCOMMANDS])(const struct invocation *inv) = {
    [CMD_DEVICE] = cmd_export,
    [CMD_APPLICATION] = cmd_export,
    [CMD_SOURCES] = cmd_sources,
    [CMD_IMPORT] = cmd_import,
    [CMD_CHECK] = cmd_check,
    [CMD_CLEAN] = cmd_clean,
    [CMD_STATUS] = cmd_status,
    [CMD_WATCH] = cmd_watch,
    [CMD_RESUME] = cmd_resume,
    [CMD_RESTORE] = cmd_restore,
    [CMD_HELP] = run_help,
    [CMD_MAN] = run_man,
    [CMD_OPTIONS] = run_options,
    [CMD_GATEWAYS] = cmd_gateways_export,
    [CMD_GATEWAYS_IMPORT] = cmd_gateways_import,
    [CMD_GATEWAYS_SWITCH] = cmd_gateways_switch,
};

static int usage(const char *msg)
{
	log_error("%s (see ttn-lw-migrate --help)", msg);
	return EXIT_USAGE;
}

/* --allow RULE[,RULE...], repeatable: every rule must exist and be one that
 * can be allowed. The list lives as long as the process (check_allow_set). */
static int parse_allow(const struct config *cfg)
{
	static const char *rules[64];
	size_t n = 0;
	for (size_t i = 0; i < cfg->o.allow.n; i++) {
		const char *r = cfg->o.allow.v[i];
		char m[200];
		if (!check_rule_find(r)) {
			snprintf(m, sizeof m,
				 "--allow %.60s: no such check rule (`ttn-lw-migrate check --help` "
				 "lists them)",
				 r);
			return usage(m);
		}
		if (check_rule_fatal(r)) {
			snprintf(m, sizeof m,
				 "--allow %.60s: this rule cannot be allowed (the device cannot be "
				 "written in The Things Stack's form)",
				 r);
			return usage(m);
		}
		if (n + 1 < sizeof rules / sizeof *rules)
			rules[n++] = strdup(r);
	}
	rules[n] = NULL;
	check_allow_set(cfg->o.force, rules);
	return 0;
}

/* Every flag must be one the command takes: checked here, before the command
 * opens anything (a journal, a connection). The source of resume and restore
 * is the journal's, not known yet: any source's options pass here, and the
 * command's own cfg_build checks them against that source. */
static int check_flags(struct args *a, const struct cmd_spec *c, const char *name,
		       const struct source_ops *src)
{
	struct opt_scope scopes[16];
	size_t n = 0;
	a->cmd = c;
	a->cmd_name = name;
	if (c->scopes & SCOPE_SOURCE)
		for (const struct source_ops *const *s = source_registry; *s && n < 15; s++)
			if (!src || *s == src)
				scopes[n++] = (struct opt_scope){(*s)->name, (*s)->options, true};
	/* The export commands take the destination's only with --to-dest or
	 * --check (as cmd_export builds its configuration). */
	int to_dest = 1, check = 0;
	if (c->id == CMD_DEVICE || c->id == CMD_APPLICATION) {
		args_flag(a, "to-dest", &to_dest);
		args_flag(a, "check", &check);
	}
	if ((c->scopes & SCOPE_SOURCE_CONN) && n < 15)
		scopes[n++] = (struct opt_scope){"tts", source_conn_options, true};
	if ((c->scopes & SCOPE_DEST) && (to_dest || check))
		scopes[n++] = (struct opt_scope){"dest", dest_options, c->scopes & SCOPE_DEST_BARE};
	struct config cfg;
	char e[256];
	int rc = cfg_build(a, scopes, n, &cfg, e, sizeof e);
	if (rc < 0)
		log_error("%s", e);
	else
		rc = parse_allow(&cfg);
	cfg_free(&cfg);
	return rc < 0 ? EXIT_USAGE : rc;
}

/* `SOURCE gateways ...` and `SOURCE gateways switch ...`: the command's help,
 * its flags checked under its name with the source's scope, then its runner
 * with the words after the first nwords as items. */
static int source_command(struct args *a, enum cmd_id id, const struct source_ops *src, int help,
			  size_t nwords)
{
	const struct cmd_spec *c = &cmd_specs[id];
	if (help) {
		cmd_print_help(c, src, false);
		return EXIT_OK;
	}
	static char name[96];
	snprintf(name, sizeof name, "%s %s", src->name, c->name);
	int rc = check_flags(a, c, name, src);
	if (rc)
		return rc;
	struct invocation inv = {.args = a, .src = src};
	inv.items = a->words + nwords;
	inv.nitems = a->nwords - nwords;
	return runners[id](&inv);
}

static int dispatch(struct args *a)
{
	int help, version, has_source;
	args_flag(a, "help", &help);
	args_flag(a, "version", &version);
	const char *source_name = args_flag(a, "source", &has_source);
	struct invocation inv = {.args = a};

	if (a->nwords == 0) {
		int rc = check_flags(a, &cmd_specs[CMD_TOP], "ttn-lw-migrate", NULL);
		if (rc)
			return rc;
		if (version) {
			printf("ttn-lw-migrate %s\n", TTNM_VERSION);
			return EXIT_OK;
		}
		if (help) {
			cmd_print_main_help();
			return EXIT_OK;
		}
		return usage("no command given");
	}
	const char *w0 = a->words[0];
	const struct cmd_spec *c = cmd_find(w0);
	if (strcmp(w0, "gateways") == 0) {
		/* Two words: `gateways import`. */
		c = &cmd_specs[CMD_GATEWAYS_IMPORT];
		if (a->nwords < 2 || strcmp(a->words[1], "import") != 0) {
			if (help && a->nwords < 2) {
				cmd_print_help(c, NULL, false);
				return EXIT_OK;
			}
			return usage(a->nwords < 2 ? "missing command: gateways import"
						   : "unknown command after gateways (expected "
						     "import; the export is SOURCE gateways)");
		}
		if (help) {
			cmd_print_help(c, NULL, false);
			return EXIT_OK;
		}
		int rc = check_flags(a, c, c->name, NULL);
		if (rc)
			return rc;
		inv.items = a->words + 2;
		inv.nitems = a->nwords - 2;
		return runners[c->id](&inv);
	}
	if (c && c->id != CMD_DEVICE && c->id != CMD_APPLICATION) {
		if (help) {
			if (c->id == CMD_HELP)
				cmd_print_main_help();
			else
				cmd_print_help(c, NULL, false);
			return EXIT_OK;
		}
		int rc = check_flags(a, c, c->name, NULL);
		if (rc)
			return rc;
		inv.items = a->words + 1;
		inv.nitems = a->nwords - 1;
		return runners[c->id](&inv);
	}
	int mode;
	bool legacy = false;
	const struct source_ops *src = source_find(w0);
	if (src) {
		bool gw = a->nwords > 1 && strcmp(a->words[1], "gateways") == 0 && src->gateways;
		bool sw = gw && a->nwords > 2 && strcmp(a->words[2], "switch") == 0;
		if (sw && !src->gateways->lns_point)
			return usage("this source's gateways cannot be switched through its CUPS");
		if (gw)
			return source_command(a, sw ? CMD_GATEWAYS_SWITCH : CMD_GATEWAYS, src, help,
					      sw ? 3 : 2);
		/* New form: SOURCE device|application ... */
		mode = a->nwords > 1 ? mode_of(a->words[1]) : -1;
		if (mode < 0) {
			if (help) {
				cmd_print_help(&cmd_specs[CMD_DEVICE], src, false);
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
		legacy = true;
		src = source_find(source_name);
		if (help) {
			cmd_print_help(
			    &cmd_specs[mode == EXPORT_DEVICES ? CMD_DEVICE : CMD_APPLICATION], src,
			    true);
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
	const struct cmd_spec *spec =
	    &cmd_specs[mode == EXPORT_DEVICES ? CMD_DEVICE : CMD_APPLICATION];
	if (help) {
		cmd_print_help(spec, src, legacy);
		return EXIT_OK;
	}
	static char name[96];
	if (legacy)
		snprintf(name, sizeof name, "%s", spec->name);
	else
		snprintf(name, sizeof name, "%s %s", src->name, spec->name);
	int rc = check_flags(a, spec, name, src);
	if (rc)
		return rc;
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
