/* `status`: what a journal says, read without the run lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/run.h"
#include "ui/log.h"

struct each_ctx {
	json_t *report;
};

/* One line per gateway of the cut-over: its state, protocol and last error. */
static int print_gw(void *ud, const struct jgateway *g)
{
	(*(long *)ud)++;
	printf("gateway   %s: %s%s%s%s\n", g->id, gstate_name(g->state), g->protocol ? " (" : "",
	       g->protocol ? g->protocol : "", g->protocol ? ")" : "");
	if (g->error && g->state != G_CONNECTED)
		printf("gateway   %s: %s\n", g->id, g->error);
	return 0;
}

/* status reads: no run lock (a run may be going on), no transaction. */
static int open_journal_arg(const struct config *cfg, struct journal **j, char **path)
{
	char err[512];
	*path = migration_journal_path(cfg->o.journal, err, sizeof err);
	if (*path && run_journal_exists(*path) < 0) {
		free(*path);
		*path = NULL;
		return -1;
	}
	if (!*path || journal_open(*path, false, j, err, sizeof err) < 0) {
		log_error("%s", err);
		free(*path);
		*path = NULL;
		return -1;
	}
	return 0;
}

static void check_cb(void *ud, const char *app, const char *dev, const char *state, const char *why)
{
	(void)ud;
	printf("%s/%s (%s): cannot be right: %s\n", app, dev, state, why);
}

/* status --verify: every record that cannot be right, one line each. */
static int verify_journal(struct journal *j, const char *path)
{
	long bad = journal_check(j, check_cb, NULL);
	if (bad < 0) {
		log_error("journal %s: cannot be read: %s", path, journal_errmsg(j));
		return EXIT_FAILED;
	}
	printf("check     %ld device%s whose record cannot be right\n", bad, bad == 1 ? "" : "s");
	return bad ? EXIT_FAILED : EXIT_OK;
}

int cmd_status(const struct invocation *inv)
{
	struct config cfg = {0};
	char e[512];
	struct journal *j = NULL;
	char *path = NULL;
	if (cfg_build(inv->args, NULL, 0, &cfg, e, sizeof e) < 0) {
		log_error("%s", e);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	run_set_level(&cfg);
	if (open_journal_arg(&cfg, &j, &path) < 0) {
		cfg_free(&cfg);
		return EXIT_FAILED;
	}
	long counts[J_NSTATES], failed;
	int each_rc;
	struct each_ctx c = {.report = migration_report_json(j, &each_rc)};
	if (journal_counts(j, counts, &failed) < 0 || each_rc < 0) {
		log_error("journal %s: cannot be read: %s", path, journal_errmsg(j));
		json_decref(c.report);
		journal_close(j);
		free(path);
		cfg_free(&cfg);
		return EXIT_FAILED;
	}
	/* The states of the run's order, and any other state a device is in
	 * (a journal can hold devices of both orders). */
	char *order = journal_meta_get(j, "order");
	bool cf = order && strcmp(order, migration_order_name(ORDER_CREATE_FIRST)) == 0;
	printf("order     %s\n", order ? order : migration_order_name(ORDER_DELETE_FIRST));
	free(order);
	for (int s = 0; s < J_NSTATES; s++) {
		enum jstate st = (enum jstate)s;
		bool restoring = st == J_RESTORING || st == J_REINSTATING;
		bool of_order = st == J_PENDING || st == J_VERIFIED || st == J_RESTORED ||
				(!restoring && jstate_create_first(st) == cf);
		if (of_order || counts[s])
			printf("%-9s %ld\n", jstate_name(st), counts[s]);
	}
	printf("errors    %ld\n", failed);
	size_t i;
	json_t *d;
	json_array_foreach(c.report, i, d)
	{
		const char *err = json_string_value(json_object_get(d, "error"));
		if (err)
			printf("%s/%s (%s): %s\n",
			       json_string_value(json_object_get(d, "application_id")),
			       json_string_value(json_object_get(d, "device_id")),
			       json_string_value(json_object_get(d, "state")), err);
	}
	long gws = 0;
	bool gw_bad = journal_gw_each(j, print_gw, &gws) < 0;
	if (gw_bad)
		log_error("journal %s: its gateways cannot be read: %s", path, journal_errmsg(j));
	const char *report = cfg.o.report;
	int rc = gw_bad || (report && migration_report(j, report) < 0) ? EXIT_FAILED : EXIT_OK;
	if (cfg.o.verify && verify_journal(j, path) != EXIT_OK)
		rc = EXIT_FAILED;
	json_decref(c.report);
	journal_close(j);
	free(path);
	cfg_free(&cfg);
	return rc;
}
