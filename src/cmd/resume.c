/* `resume`: every unfinished device of a journal through its remaining steps. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/run.h"
#include "core/pool.h"
#include "core/strbuf.h"
#include "migrate/cutover.h"
#include "net/http.h"
#include "ui/log.h"
#include "ui/progress.h"
#include "ui/stop.h"

static void print_summary(struct journal *j, const char *path)
{
	long counts[J_NSTATES], failed;
	journal_counts(j, counts, &failed);
	struct strbuf line = STRBUF_INIT;
	for (int s = 0; s < J_NSTATES; s++) {
		if (counts[s] || s == J_VERIFIED) {
			strbuf_addsep(&line, ", ");
			strbuf_addf(&line, "%s %ld", jstate_name((enum jstate)s), counts[s]);
		}
	}
	log_info("journal %s: %s; with errors: %ld", path, line.buf, failed);
	strbuf_release(&line);
}

struct resume_feed {
	struct migration *m;
	struct strlist apps, devs; /* the unfinished devices, in journal order */
	size_t i;
};

static int todo_cb(void *ud, const struct jdevice *d)
{
	struct resume_feed *f = ud;
	return strlist_add(&f->apps, d->src_app) < 0 || strlist_add(&f->devs, d->src_dev) < 0 ? -1
											      : 0;
}

static void *resume_next(void *ud)
{
	struct resume_feed *f = ud;
	if (migration_stopped(f->m) || f->i >= f->devs.n)
		return NULL;
	return (void *)(uintptr_t)(++f->i); /* 1-based: NULL ends the feed */
}

static void resume_work(void *ud, void *item)
{
	struct resume_feed *f = ud;
	size_t i = (size_t)(uintptr_t)item - 1;
	const char *app = strlist_get(&f->apps, i);
	const char *dev = strlist_get(&f->devs, i);
	migrate_device(f->m, app, dev);
	pthread_mutex_lock(&f->m->mu);
	progress_update(f->m->done + f->m->failed, f->m->failed, dev);
	pthread_mutex_unlock(&f->m->mu);
}

int cmd_resume(const struct invocation *inv)
{
	char e[512];
	struct journal_run jr;
	int rc = journal_run_open(inv, &jr);
	struct migration m = {.ops = jr.ops, .journal = jr.j, .mu = PTHREAD_MUTEX_INITIALIZER};
	struct config *cfg = &jr.cfg;
	if (rc != EXIT_OK)
		goto done;
	if (migration_open_ends(&m, cfg, jr.src_name, e, sizeof e) < 0) {
		log_error("%s", e);
		rc = EXIT_USAGE;
		goto done;
	}
	if (migration_relist(&m) < 0)
		rc = EXIT_FAILED;
	struct resume_feed f = {.m = &m};
	if (journal_each(jr.j, true, false, todo_cb, &f) < 0) {
		log_error("journal %s: cannot be read: %s", jr.path, journal_errmsg(jr.j));
		strlist_free(&f.apps);
		strlist_free(&f.devs);
		rc = EXIT_FAILED;
		goto done;
	}
	progress_start("resuming", !cfg->o.quiet && !cfg->o.verbose);
	progress_set_total(f.devs.n);
	pool_run(cfg_concurrency(cfg), resume_next, resume_work, &f);
	progress_end();
	strlist_free(&f.apps);
	strlist_free(&f.devs);
	if (m.with_gateways && !g_interrupted) {
		struct cutover_summary cs = {0};
		if (cutover_run(&m, cfg, &cs) < 0)
			rc = EXIT_FAILED;
		cutover_report(&cs);
	}
	log_info("resume: verified %zu, failed %zu, in %.1f s, %ld requests", m.done, m.failed,
		 progress_elapsed(), http_requests_sent());
	print_summary(jr.j, jr.path);
	if (cfg->o.report)
		migration_report(jr.j, cfg->o.report);
	/* Non-zero unless every device ended done: a failed journal write, a
	 * device in error, one left unfinished (a stop) all count. */
	long counts[J_NSTATES], errors = 0, open = 0;
	if (journal_counts(jr.j, counts, &errors) < 0)
		open = 1;
	else
		for (int s = 0; s < J_NSTATES; s++)
			if (s != J_VERIFIED && s != J_RESTORED && s != J_REFUSED)
				open += counts[s];
	bool bad = m.failed || rc || open || errors || m.stopped || journal_broken(jr.j);
	rc = g_interrupted ? EXIT_INTERRUPTED : bad ? EXIT_FAILED : EXIT_OK;
done:
	if (m.ops)
		migration_close_ends(&m);
	journal_run_close(&jr);
	return rc;
}
