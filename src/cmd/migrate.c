/*
 * `SOURCE device|application ... --to-dest`, `resume`, `status`, `restore`.
 */
#include "cmd/migrate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/jsonpath.h"
#include "core/origin.h"
#include "core/pool.h"
#include "io/output.h"
#include "net/http.h"
#include "ui/log.h"
#include "ui/progress.h"

/* The journal's path: the given one, or the default under the state dir. */
static char *journal_path(const char *path, char *err, size_t errlen)
{
	if (path)
		return strdup(path);
	char *dir = out_state_dir(err, errlen);
	if (!dir)
		return NULL;
	size_t n = strlen(dir) + 16;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/journal.db", dir);
	free(dir);
	return p;
}

int migration_journal(const char *path, struct journal **out, char **path_out, char *err,
		      size_t errlen)
{
	char *p = journal_path(path, err, errlen);
	if (!p || journal_open(p, true, out, err, errlen) < 0) {
		free(p);
		return -1;
	}
	if (journal_provisional_begin(*out) < 0) {
		snprintf(err, errlen, "journal %s: %s", p, journal_errmsg(*out));
		journal_close(*out);
		free(p);
		return -1;
	}
	*path_out = p;
	return 0;
}

void migration_stop(struct migration *m, const char *why)
{
	pthread_mutex_lock(&m->mu);
	bool first = !m->stopped;
	m->stopped = true;
	pthread_mutex_unlock(&m->mu);
	if (first)
		log_error("the run stops before the next device: %s", why);
}

bool migration_stopped(struct migration *m)
{
	pthread_mutex_lock(&m->mu);
	bool s = m->stopped;
	pthread_mutex_unlock(&m->mu);
	if (!s && journal_broken(m->journal)) {
		migration_stop(m, "the journal cannot be written (it would fall behind what "
				  "happens at the servers)");
		s = true;
	}
	return s || g_interrupted;
}

void migration_bump(struct migration *m, size_t *counter)
{
	pthread_mutex_lock(&m->mu);
	(*counter)++;
	pthread_mutex_unlock(&m->mu);
}

int migration_fail(struct migration *m, const char *app, const char *dev, const char *msg)
{
	log_error("device \"%s\": %s", dev, msg);
	if (journal_fail(m->journal, app, dev, msg) < 0)
		log_error("device \"%s\": journal: cannot record that failure (%s)", dev,
			  journal_errmsg(m->journal));
	migration_bump(m, &m->failed);
	return -1;
}

int migration_move(struct migration *m, const char *app, const char *dev, enum jstate from,
		   enum jstate to, const struct jwrite *w, const char *what)
{
	int rc = journal_move(m->journal, app, dev, from, to, w);
	if (rc == 0)
		return 0;
	if (rc == JOURNAL_CONFLICT)
		log_error("device \"%s\": journal: cannot record %s: the device is no longer %s "
			  "in the journal (changed by another process?); stopped before its next "
			  "request",
			  dev, what, jstate_name(from));
	else
		log_error("device \"%s\": journal: cannot record %s (%s); stopped before its next "
			  "request, %s still in the journal",
			  dev, what, journal_errmsg(m->journal), jstate_name(from));
	migration_bump(m, &m->failed);
	if (rc != JOURNAL_CONFLICT)
		migration_stop(m, "the journal cannot be written (it would fall behind what "
				  "happens at the servers)");
	return -1;
}

const char *migration_order_name(enum migration_order o)
{
	return o == ORDER_CREATE_FIRST ? "create-first" : "delete-first";
}

/* The export as the destination will get it (a copy: the journal keeps the
 * device as the source gave it). */
json_t *migration_prepared(struct migration *m, const json_t *export, char *err, size_t errlen)
{
	json_t *d = json_deep_copy(export);
	if (dest_prepare(m->dest, d, m->prefix, m->force, err, errlen) < 0) {
		json_decref(d);
		return NULL;
	}
	return d;
}

int migration_admit(struct migration *m, const char *app, const char *dev, const json_t *export,
		    json_t **ready, bool *refused, char *err, size_t errlen)
{
	*refused = true;
	if (!(*ready = migration_prepared(m, export, err, errlen)))
		return -1;
	char where[160];
	snprintf(where, sizeof where, "%s/%s", app, dev);
	if (precheck_device(&m->pre, export, where, err, errlen) < 0)
		return -1;
	/* The bodies and masks of the create, checked before they are sent:
	 * a device the destination's components would refuse stays put. */
	if (dest_check_create(m->dest, *ready, err, errlen) < 0)
		return -1;
	bool exists = false;
	const char *id = json_string_value(jp_get(*ready, "ids.device_id"));
	if (dest_exists(m->dest, id, &exists, err, errlen) < 0) {
		*refused = false;
		return -1;
	}
	if (exists) {
		snprintf(err, errlen,
			 "a device \"%s\" already exists in the destination application %s", id,
			 dest_app_id(m->dest));
		return -1;
	}
	return 0;
}

/* delete-first: export → checks → retire at the source → create → verify. */
static int migrate_delete_first(struct migration *m, const char *app, const char *dev,
				enum jstate state, json_t *export)
{
	char err[1024];
	json_t *ready = NULL;
	int rc = -1;
	while (state != J_VERIFIED) {
		if (migration_stopped(m))
			goto out;
		switch (state) {
		case J_PENDING: {
			struct src_err se = {0};
			json_decref(export);
			export = NULL;
			if (m->ops->export_device(m->src, app, dev, &export, &se) < 0) {
				migration_fail(m, app, dev, se.msg);
				goto out;
			}
			/* Durable before anything else happens to the device. */
			if (migration_move(m, app, dev, J_PENDING, J_EXPORTED,
					   &(struct jwrite){.export = export}, "the export") < 0)
				goto out;
			state = J_EXPORTED;
			break;
		}
		case J_EXPORTED: {
			/* Nothing is changed at the source for a device the
			 * destination would refuse, or whose id is taken there. */
			bool refused;
			json_decref(ready);
			if (migration_admit(m, app, dev, export, &ready, &refused, err,
					    sizeof err) < 0) {
				size_t n = strlen(err);
				snprintf(err + n, sizeof err - n, "; the source was not changed");
				migration_fail(m, app, dev, err);
				goto out;
			}
			struct src_err se = {0};
			if (m->ops->retire_device &&
			    m->ops->retire_device(m->src, app, dev, export, &se) < 0) {
				migration_fail(m, app, dev, se.msg);
				if (se.config)
					migration_stop(m, se.msg);
				goto out;
			}
			/* With the id the create will use: restore deletes by it. */
			if (migration_move(m, app, dev, J_EXPORTED, J_RETIRED,
					   &(struct jwrite){.dest_dev = json_string_value(
								jp_get(ready, "ids.device_id"))},
					   "the retirement at the source") < 0)
				goto out;
			state = J_RETIRED;
			break;
		}
		case J_RETIRED: {
			if (!ready && !(ready = migration_prepared(m, export, err, sizeof err))) {
				migration_fail(m, app, dev, err);
				goto out;
			}
			/* resume: the device may exist there from an interrupted
			 * attempt; it was checked absent before the source was
			 * changed, so it is ours. */
			enum dest_fail df = dest_create(m->dest, ready, true, err, sizeof err);
			if (df != DEST_OK) {
				if (df == DEST_DENIED)
					migration_stop(m, err);
				size_t n = strlen(err);
				snprintf(err + n, sizeof err - n,
					 "; the device is kept in the journal ('ttn-lw-migrate "
					 "restore' puts it back at the source)");
				migration_fail(m, app, dev, err);
				goto out;
			}
			if (migration_move(m, app, dev, J_RETIRED, J_CREATED, NULL,
					   "the create at the destination") < 0)
				goto out;
			state = J_CREATED;
			break;
		}
		case J_CREATED: {
			if (!ready && !(ready = migration_prepared(m, export, err, sizeof err))) {
				migration_fail(m, app, dev, err);
				goto out;
			}
			int v = dest_verify(m->dest, ready, err, sizeof err);
			if (v != 0) {
				char msg[1100];
				snprintf(msg, sizeof msg, "verify: %s", err);
				migration_fail(m, app, dev, msg);
				goto out;
			}
			if (migration_move(m, app, dev, J_CREATED, J_VERIFIED, NULL,
					   "the verification") < 0)
				goto out;
			state = J_VERIFIED;
			migration_bump(m, &m->done);
			rc = 0;
			break;
		}
		default:
			migration_fail(m, app, dev,
				       "journal: a state of the create-first order in "
				       "a delete-first step");
			goto out;
		}
	}
out:
	json_decref(export);
	json_decref(ready);
	return rc;
}

int migrate_device(struct migration *m, const char *app, const char *dev)
{
	/* Nothing starts after a stop: the device stays as the journal has it. */
	if (migration_stopped(m)) {
		migration_bump(m, &m->failed);
		return -1;
	}
	struct jdevice jd;
	if (journal_add(m->journal, app, dev) < 0 || journal_get(m->journal, app, dev, &jd) != 1) {
		log_error("device \"%s\": journal: %s; not started", dev,
			  journal_errmsg(m->journal));
		migration_bump(m, &m->failed);
		migration_stop(m, "the journal cannot be written or read");
		return -1;
	}
	json_t *export = json_incref(jd.export), *saved = json_incref(jd.frozen_from);
	enum jstate state = jd.state;
	jdevice_free(&jd);
	if (state == J_VERIFIED || state == J_RESTORED) {
		log_debug("device \"%s\": already %s", dev, jstate_name(state));
		migration_bump(m, &m->skipped);
		json_decref(export);
		json_decref(saved);
		return 0;
	}
	if (state == J_NSTATES || state == J_RESTORING || state == J_REINSTATING) {
		json_decref(export);
		json_decref(saved);
		return migration_fail(
		    m, app, dev,
		    state == J_NSTATES
			? "journal: the device is in a state this version does not know; not "
			  "touched ('ttn-lw-migrate status --verify' lists such devices)"
			: "a restore of this device is under way; 'ttn-lw-migrate restore' "
			  "finishes it");
	}
	/* A device refused by an earlier run was unfrozen there and is intact
	 * at the source: it starts over, in this run's order (the row moves
	 * back to pending first, so that every later step compares with it). */
	if (state == J_REFUSED) {
		if (migration_move(m, app, dev, J_REFUSED, J_PENDING, NULL, "the new attempt") <
		    0) {
			json_decref(export);
			json_decref(saved);
			return -1;
		}
		state = J_PENDING;
	}
	/* A started device goes on in the order its state belongs to; one not
	 * started yet takes the run's order. */
	bool cf =
	    jstate_create_first(state) || (state == J_PENDING && m->order == ORDER_CREATE_FIRST);
	if (cf)
		return migrate_create_first(m, app, dev, state, export, saved);
	json_decref(saved);
	return migrate_delete_first(m, app, dev, state, export);
}

int migration_note_app(struct migration *m, const char *app)
{
	char *apps = journal_meta_get(m->journal, "applications");
	int rc = 0;
	/* A comma-separated list: application ids have no commas. */
	bool known = false;
	for (char *save = NULL, *t = apps ? strtok_r(apps, ",", &save) : NULL; t;
	     t = strtok_r(NULL, ",", &save))
		known |= strcmp(t, app) == 0;
	free(apps);
	if (!known) {
		apps = journal_meta_get(m->journal, "applications");
		size_t n = (apps ? strlen(apps) : 0) + strlen(app) + 2;
		char *v = malloc(n);
		if (!v) {
			free(apps);
			return -1;
		}
		snprintf(v, n, "%s%s%s", apps && *apps ? apps : "", apps && *apps ? "," : "", app);
		rc = journal_meta_set(m->journal, "applications", v);
		free(v);
		free(apps);
	}
	return rc;
}

int migration_enroll(struct migration *m, const char *app, const struct strlist *ids)
{
	char key[96];
	if (journal_add_all(m->journal, app, ids) < 0)
		return -1;
	snprintf(key, sizeof key, "listed:%s", app);
	return journal_meta_set(m->journal, key, "1");
}

static int enroll_cb(void *ud, const char *dev)
{
	return strlist_add(ud, dev) < 0 || g_interrupted ? -1 : 0;
}

/* Resume: applications whose listing was cut off are listed again. */
static int relist_unlisted(struct migration *m)
{
	char *apps = journal_meta_get(m->journal, "applications");
	int rc = 0;
	for (char *save = NULL, *t = apps ? strtok_r(apps, ",", &save) : NULL; t;
	     t = strtok_r(NULL, ",", &save)) {
		char key[96];
		snprintf(key, sizeof key, "listed:%s", t);
		char *done = journal_meta_get(m->journal, key);
		if (done) {
			free(done);
			continue;
		}
		struct strlist ids = {0};
		struct src_err se = {0};
		if (m->ops->list_devices(m->src, t, enroll_cb, &ids, &se) < 0 ||
		    migration_enroll(m, t, &ids) < 0) {
			log_error("%s", se.msg[0] ? se.msg : "journal: cannot record the listing");
			rc = -1;
		}
		strlist_free(&ids);
	}
	free(apps);
	return rc;
}

/* ---- resume, status, restore ---------------------------------------------- */

static void print_summary(struct journal *j, const char *path)
{
	long counts[J_NSTATES], failed;
	journal_counts(j, counts, &failed);
	char line[512] = "";
	for (int s = 0; s < J_NSTATES; s++) {
		size_t n = strlen(line);
		if (counts[s] || s == J_VERIFIED)
			snprintf(line + n, sizeof line - n, "%s%s %ld", n ? ", " : "",
				 jstate_name((enum jstate)s), counts[s]);
	}
	log_info("journal %s: %s; with errors: %ld", path, line, failed);
}

struct each_ctx {
	json_t *report;
};

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

static int report_cb(void *ud, const struct jdevice *d)
{
	struct each_ctx *c = ud;
	json_t *e = json_pack("{s:s,s:s,s:s}", "application_id", d->src_app, "device_id",
			      d->src_dev, "state", jstate_name(d->state));
	if (d->error)
		json_object_set_new(e, "error", json_string(d->error));
	json_object_set_new(e, "attempts", json_integer(d->attempts));
	json_array_append_new(c->report, e);
	return 0;
}

/* Writes --report from the journal (every device, its state and error). */
int migration_report(struct journal *j, const char *path)
{
	struct each_ctx c = {.report = json_array()};
	journal_each(j, false, false, report_cb, &c);
	char err[256];
	int rc = write_report(path, c.report, err, sizeof err);
	if (rc < 0)
		log_error("%s", err);
	json_decref(c.report);
	return rc;
}

/* status reads: no run lock (a run may be going on), no transaction. */
static int open_journal_arg(const struct config *cfg, struct journal **j, char **path)
{
	char err[512];
	*path = journal_path(cfg_str(cfg, NULL, "journal"), err, sizeof err);
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

static void set_level(const struct config *cfg)
{
	bool quiet = cfg_bool(cfg, NULL, "quiet"), verbose = cfg_bool(cfg, NULL, "verbose");
	log_set_level(verbose ? LOG_DEBUG : quiet ? LOG_ERROR : LOG_INFO);
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
	set_level(&cfg);
	if (open_journal_arg(&cfg, &j, &path) < 0) {
		cfg_free(&cfg);
		return EXIT_FAILED;
	}
	long counts[J_NSTATES], failed;
	struct each_ctx c = {.report = json_array()};
	if (journal_counts(j, counts, &failed) < 0 ||
	    journal_each(j, false, false, report_cb, &c) < 0) {
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
	const char *report = cfg_str(&cfg, NULL, "report");
	int rc = report && migration_report(j, report) < 0 ? EXIT_FAILED : EXIT_OK;
	if (cfg_bool(&cfg, NULL, "verify") && verify_journal(j, path) != EXIT_OK)
		rc = EXIT_FAILED;
	json_decref(c.report);
	journal_close(j);
	free(path);
	cfg_free(&cfg);
	return rc;
}

static int journal_from_args(const struct invocation *inv, struct journal **j, char **path)
{
	char e[512];
	int present;
	const char *jp = args_flag(inv->args, "journal", &present);
	if (migration_journal(jp, j, path, e, sizeof e) < 0) {
		log_error("%s", e);
		return -1;
	}
	return 0;
}

/* What resume and restore start from: the journal, the source it records,
 * and the configuration of that source and of the destination. Returns an
 * exit status; on EXIT_OK the caller owns *j, *path, *src_name and cfg. */
struct journal_run {
	struct journal *j;
	char *path;
	char *src_name;
	const struct source_ops *ops;
	struct config cfg;
};

static int journal_run_open(const struct invocation *inv, struct journal_run *jr)
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
	set_level(&jr->cfg);
	return EXIT_OK;
}

static void journal_run_close(struct journal_run *jr)
{
	free(jr->src_name);
	journal_close(jr->j);
	free(jr->path);
	cfg_free(&jr->cfg);
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
	if (relist_unlisted(&m) < 0)
		rc = EXIT_FAILED;
	struct resume_feed f = {.m = &m};
	if (journal_each(jr.j, true, false, todo_cb, &f) < 0) {
		log_error("journal %s: cannot be read: %s", jr.path, journal_errmsg(jr.j));
		strlist_free(&f.apps);
		strlist_free(&f.devs);
		rc = EXIT_FAILED;
		goto done;
	}
	progress_start("resuming",
		       !cfg_bool(cfg, NULL, "quiet") && !cfg_bool(cfg, NULL, "verbose"));
	progress_set_total(f.devs.n);
	pool_run(cfg_concurrency(cfg), resume_next, resume_work, &f);
	progress_end();
	strlist_free(&f.apps);
	strlist_free(&f.devs);
	log_info("resume: verified %zu, failed %zu, in %.1f s, %ld requests", m.done, m.failed,
		 progress_elapsed(), http_requests_sent());
	print_summary(jr.j, jr.path);
	if (cfg_str(cfg, NULL, "report"))
		migration_report(jr.j, cfg_str(cfg, NULL, "report"));
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

struct find_ctx {
	const char *app, *dev;
	struct jdevice found;
	int n;
};

static int find_cb(void *ud, const struct jdevice *d)
{
	struct find_ctx *f = ud;
	if (strcmp(d->src_dev, f->dev) != 0 || (f->app && strcmp(d->src_app, f->app) != 0))
		return 0;
	if (f->n++ == 0) {
		f->found = *d;
		f->found.src_app = strdup(d->src_app);
		f->found.src_dev = strdup(d->src_dev);
		f->found.error = d->error ? strdup(d->error) : NULL;
		f->found.dest_dev = d->dest_dev ? strdup(d->dest_dev) : NULL;
		f->found.export = json_incref(d->export);
		f->found.frozen_from = json_incref(d->frozen_from);
		f->found.restore = json_incref(d->restore);
	}
	return 0;
}

static int restore_one(struct restore_ctx *rc, const char *item)
{
	char app_buf[64] = "";
	const char *slash = strchr(item, '/');
	struct find_ctx f = {.dev = slash ? slash + 1 : item};
	if (slash && (size_t)(slash - item) < sizeof app_buf) {
		memcpy(app_buf, item, (size_t)(slash - item));
		f.app = app_buf;
	}
	if (journal_each(rc->j, false, true, find_cb, &f) < 0) {
		log_error("device \"%s\": journal: cannot be read: %s", item,
			  journal_errmsg(rc->j));
		jdevice_free(&f.found);
		return -1;
	}
	int out = -1;
	if (f.n == 0)
		log_error("device \"%s\": not in the journal", item);
	else if (f.n > 1)
		log_error("device \"%s\": in several applications; write APP/DEVICE", item);
	else
		out = restore_device(rc, &f.found);
	jdevice_free(&f.found);
	return out;
}

int cmd_restore(const struct invocation *inv)
{
	char e[512];
	struct dest *dest = NULL;
	if (inv->nitems == 0) {
		log_error("restore: name the devices to put back (see --help)");
		return EXIT_USAGE;
	}
	struct journal_run jr;
	int rc = journal_run_open(inv, &jr);
	if (rc != EXIT_OK)
		goto done;
	if (dest_open(&jr.cfg, "dest", NULL, &dest, e, sizeof e) < 0) {
		log_error("%s", e);
		rc = EXIT_USAGE;
		goto done;
	}
	/* Only against the run's own ends, before any request. */
	char *prefix = journal_meta_get(jr.j, "prefix");
	const char *given = cfg_str(&jr.cfg, NULL, "dev-id-prefix");
	int idrc = migration_identity(jr.j, &jr.cfg, jr.src_name, dest,
				      given		  ? given
				      : prefix && *prefix ? prefix
							  : NULL,
				      cfg_bool(&jr.cfg, NULL, "force-identity"), e, sizeof e);
	free(prefix);
	if (idrc < 0) {
		log_error("%s", e);
		rc = EXIT_FAILED;
		goto done;
	}
	struct restore_ctx ctx = {.j = jr.j,
				  .cfg = &jr.cfg,
				  .src_name = jr.src_name,
				  .ops = jr.ops,
				  .dest = dest,
				  .from_destination = cfg_bool(&jr.cfg, NULL, "from-destination")};
	for (size_t i = 0; i < inv->nitems && !g_interrupted; i++)
		if (restore_one(&ctx, inv->items[i]) < 0)
			rc = EXIT_FAILED;
	if (journal_broken(jr.j))
		rc = EXIT_FAILED;
	if (g_interrupted)
		rc = EXIT_INTERRUPTED;
done:
	dest_close(dest);
	journal_run_close(&jr);
	return rc;
}

/*
 * Create-first unless both ends are certainly one deployment (their Identity
 * Servers have one origin). Unsure counts as two: create-first within one
 * deployment is refused (the EUIs are taken) and unfreezes, losing nothing;
 * delete-first across two could leave a refused device on neither.
 * A source that cannot freeze has only delete-first.
 */
static enum migration_order choose_order(struct migration *m)
{
	if (!m->ops->freeze_read || !m->ops->freeze || !m->ops->unfreeze)
		return ORDER_DELETE_FIRST;
	const char *src = m->ops->deployment ? m->ops->deployment(m->src) : NULL;
	return origin_same(src, dest_deployment(m->dest)) ? ORDER_DELETE_FIRST : ORDER_CREATE_FIRST;
}

/* Opens the source and the destination for a migration and records (or, on
 * resume, reads back) the run's settings in the journal. */
int migration_open_ends(struct migration *m, const struct config *cfg, const char *src_name,
			char *err, size_t errlen)
{
	struct src_err se = {0};
	char *v;
	m->prefix = cfg_str(cfg, NULL, "dev-id-prefix");
	m->force = cfg_bool(cfg, NULL, "force");
	m->keep_source = cfg_bool(cfg, NULL, "keep-source");
	/* A resumed run does what the interrupted one did: same retirement,
	 * same device ids at the destination. */
	if ((v = journal_meta_get(m->journal, "retire"))) {
		m->keep_source = strcmp(v, "disable") == 0;
		free(v);
	}
	/* A prefix given now must be the journal's (migration_identity
	 * compares); without one the journal's applies. */
	if ((v = journal_meta_get(m->journal, "prefix")) && !m->prefix) {
		m->owned_prefix = v;
		m->prefix = *v ? v : NULL;
	} else {
		free(v);
	}
	m->force_identity = cfg_bool(cfg, NULL, "force-identity");
	if (m->ops->open(cfg, &m->src, &se) < 0) {
		snprintf(err, errlen, "%s", se.msg);
		return -1;
	}
	if (m->ops->set_retire_delete)
		m->ops->set_retire_delete(m->src, !m->keep_source);
	if (dest_open(cfg, "dest", NULL, &m->dest, err, errlen) < 0) {
		m->ops->close(m->src);
		m->src = NULL;
		return -1;
	}
	/* The journal's own run only (nothing has been sent yet); this ends
	 * the provisional transaction, keeping what the run wrote before. */
	if (migration_identity(m->journal, cfg, src_name, m->dest, m->prefix, m->force_identity,
			       err, errlen) < 0)
		return -1;
	m->order = choose_order(m);
	log_info("source and destination are %s: %s",
		 m->order == ORDER_CREATE_FIRST ? "two deployments" : "one deployment",
		 m->order == ORDER_CREATE_FIRST
		     ? "each device is frozen at the source, created and verified at the "
		       "destination, then deleted at the source"
		     : "each device is deleted at the source before it is created at the "
		       "destination (its EUIs cannot be registered twice)");
	/* Recorded before the first request: a run killed at any point can be
	 * resumed. */
	if (journal_meta_set(m->journal, "source", src_name) < 0 ||
	    journal_meta_set(m->journal, "retire", m->keep_source ? "disable" : "delete") < 0 ||
	    journal_meta_set(m->journal, "prefix", m->prefix ? m->prefix : "") < 0 ||
	    journal_meta_set(m->journal, "order", migration_order_name(m->order)) < 0 ||
	    journal_meta_set(m->journal, "destination_application", dest_app_id(m->dest)) < 0) {
		snprintf(err, errlen, "journal: cannot record the run's settings: %s",
			 journal_errmsg(m->journal));
		return -1;
	}
	if (precheck_init(&m->pre, m->prefix, m->force, dest_api(m->dest), dest_app_id(m->dest),
			  /* a source's ids and EUIs are unique there, and the
			   * journal keys devices: no cross-device rules */
			  false) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void migration_close_ends(struct migration *m)
{
	if (m->pre.checker)
		precheck_summary(&m->pre);
	precheck_free(&m->pre);
	dest_close(m->dest);
	if (m->src)
		m->ops->close(m->src);
	free(m->owned_prefix);
	m->dest = NULL;
	m->src = NULL;
	m->owned_prefix = NULL;
}
