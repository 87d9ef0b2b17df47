/* What resume, restore and status share (run.h). */
#include "cmd/run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "ui/log.h"

int migration_report(struct journal *j, const char *path)
{
	int rc;
	json_t *report = migration_report_json(j, &rc);
	char err[256];
	rc = write_report(path, report, err, sizeof err);
	if (rc < 0)
		log_error("%s", err);
	json_decref(report);
	return rc;
}

void run_set_level(const struct config *cfg)
{
	bool quiet = cfg->o.quiet, verbose = cfg->o.verbose;
	log_set_level(verbose ? LOG_DEBUG : quiet ? LOG_ERROR : LOG_INFO);
}

int run_journal_exists(const char *path)
{
	struct stat st;
	if (lstat(path, &st) == 0)
		return 0;
	log_error("journal %s: %s (a journal is made by 'ttn-lw-migrate SOURCE application APP "
		  "--to-dest'; give its path with --journal FILE)",
		  path, errno == ENOENT ? "no such file" : strerror(errno));
	return -1;
}

/* resume and restore act on a journal that exists: opening a mistyped path
 * must not leave an empty journal behind. */
static int journal_from_args(const struct invocation *inv, struct journal **j, char **path)
{
	char e[512];
	int present;
	const char *jp = args_flag(inv->args, "journal", &present);
	char *p = migration_journal_path(jp, e, sizeof e);
	if (!p) {
		log_error("%s", e);
		return -1;
	}
	int rc = run_journal_exists(p);
	if (rc == 0 && migration_journal(p, j, path, e, sizeof e) < 0) {
		log_error("%s", e);
		rc = -1;
	}
	free(p);
	return rc;
}

int journal_run_open(const struct invocation *inv, struct journal_run *jr)
{
	char e[512];
	memset(jr, 0, sizeof *jr);
	if (journal_from_args(inv, &jr->j, &jr->path) < 0)
		return EXIT_FAILED;
	/* The source comes from the journal; its options then apply. */
	jr->src_name = journal_meta_get(jr->j, "source");
	jr->ops = source_find(jr->src_name);
	if (!jr->ops) {
		log_error("journal %s: no migration recorded in it", jr->path);
		return EXIT_FAILED;
	}
	struct opt_scope scopes[] = {{jr->ops->name, jr->ops->options, true},
				     {"dest", dest_options, false}};
	if (cfg_build(inv->args, scopes, 2, &jr->cfg, e, sizeof e) < 0) {
		log_error("%s", e);
		return EXIT_USAGE;
	}
	run_set_level(&jr->cfg);
	return EXIT_OK;
}

void journal_run_close(struct journal_run *jr)
{
	free(jr->src_name);
	journal_close(jr->j);
	free(jr->path);
	cfg_free(&jr->cfg);
}
