/*
 * `SOURCE device|application [ID...]` (and the deprecated
 * `device|application --source SOURCE`): export devices as The Things Stack
 * JSON, one object per line, and retire them at the source once each export
 * is durably written. With --to-dest, each device goes through the journaled
 * migration instead (migrate.c). Devices are handled by --concurrency worker
 * threads; lines come out in the order devices finish.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/export_ledger.h"
#include "dest/gw_dest.h"
#include "dest/gw_switch.h"
#include "migrate/cutover.h"
#include "migrate/migrate.h"
#include "cmd/precheck.h"
#include "cmd/run.h"
#include "core/ids.h"
#include "core/redact.h"
#include "core/pool.h"
#include "io/lines.h"
#include "io/jsondump.h"
#include "io/output.h"
#include "net/http.h"
#include "ui/log.h"
#include "ui/progress.h"

struct run {
	const struct source_ops *ops;
	struct source *src;
	struct out_sink out;
	const char *prefix;
	bool retires;
	bool fail_fast;
	int concurrency;
	struct migration *mig;	     /* --to-dest: each device goes through the journal */
	struct precheck *pre;	     /* --check: devices are only checked */
	struct ledger_recovery *rec; /* deletes completed from earlier runs' backups */
	const char *default_app;     /* the source's app-id, for device IDs */
	pthread_mutex_t mu;	     /* guards everything below */
	bool fatal;		     /* the output failed: stop, touch nothing more */
	bool config_error;	     /* the source's configuration cannot work: stop */
	size_t total;		     /* devices started */
	size_t exported;	     /* written durably (migrate: verified) */
	size_t retired;
	size_t failed;
};

static void count(struct run *r, size_t *counter, const char *dev)
{
	pthread_mutex_lock(&r->mu);
	(*counter)++;
	if (counter != &r->total)
		progress_update(r->exported + r->failed, r->failed, dev);
	pthread_mutex_unlock(&r->mu);
}

static void flag(struct run *r, bool *what)
{
	pthread_mutex_lock(&r->mu);
	*what = true;
	pthread_mutex_unlock(&r->mu);
}

static bool should_stop(struct run *r)
{
	pthread_mutex_lock(&r->mu);
	bool stop = r->fatal || r->config_error || g_interrupted || (r->fail_fast && r->failed);
	pthread_mutex_unlock(&r->mu);
	return stop;
}

/*
 * The application that device items belong to: the source's app-id option.
 * A source without one whose devices are named by their DevEUI alone
 * (chirpstack: unique in the whole server) keys them under its own name.
 */
static const char *items_app(const struct config *cfg, const struct source_ops *ops)
{
	const char *a = cfg_str(cfg, ops->name, "app-id");
	if (a && *a)
		return a;
	return ops->item_device_id && !source_app_id_env(ops) && !ops->all_application ? ops->name
										       : NULL;
}

static int migrate_one(struct run *r, const char *app, const char *dev)
{
	count(r, &r->total, dev);
	if (!app)
		app = r->default_app;
	int rc = -1;
	if (!ids_valid(dev))
		log_error("device \"%s\": not a valid device ID", dev);
	else if (!app)
		log_error("no application ID: set %s%s--app-id",
			  source_app_id_env(r->ops) ? source_app_id_env(r->ops) : "",
			  source_app_id_env(r->ops) ? " or " : "");
	else
		rc = migrate_device(r->mig, app, dev);
	count(r, rc < 0 ? &r->failed : &r->exported, dev);
	return rc;
}

static int export_one(struct run *r, const char *app, const char *dev)
{
	struct src_err err = {0};
	json_t *d = NULL;
	char e[512];
	if (r->mig)
		return migrate_one(r, app, dev);
	count(r, &r->total, dev);
	if (!ids_valid(dev)) {
		log_error("device \"%s\": not a valid device ID (lower-case letters, digits and "
			  "single dashes, 3 to 36 characters)",
			  dev);
		goto fail;
	}
	/* Half deleted by an earlier run: what remains at the source is not the
	 * device any more; its whole export is in that run's backup. */
	const char *a = app ? app : r->default_app;
	if (r->rec && a && ledger_has(&r->rec->done, a, dev)) {
		log_info(
		    "device \"%s\": already exported and deleted by an earlier run (its export "
		    "is in that run's backup)",
		    dev);
		count(r, &r->exported, dev);
		pthread_mutex_lock(&r->mu);
		r->retired++;
		pthread_mutex_unlock(&r->mu);
		return 0;
	}
	if (r->rec && a && ledger_has(&r->rec->left, a, dev)) {
		log_error("device \"%s\": an earlier run began deleting it and its delete could "
			  "not be completed; not exported again (its export is in that run's "
			  "backup)",
			  dev);
		goto fail;
	}
	if (r->ops->export_device(r->src, app, dev, &d, &err) < 0) {
		log_error("%s", err.msg);
		if (err.config)
			flag(r, &r->config_error);
		goto fail;
	}
	if (ids_export_fixup(d, r->prefix, e, sizeof e) < 0 ||
	    ids_validate_device(d, e, sizeof e) < 0) {
		log_error("device \"%s\": %s", dev, e);
		goto fail;
	}
	redact_export(d); /* --redact (src/core/redact.c): keys become zeros */
	if (r->pre) {
		char where[160];
		snprintf(where, sizeof where, "%s/%s", app ? app : r->default_app, dev);
		precheck_device(r->pre, d, where, e, sizeof e);
		count(r, &r->exported, dev);
		json_decref(d);
		return 0;
	}
	char *line = jd_dumps(d);
	if (!line) {
		log_error("device \"%s\": cannot encode the export", dev);
		goto fail;
	}
	/* The output may have failed for another device meanwhile. */
	pthread_mutex_lock(&r->mu);
	bool dead = r->fatal;
	pthread_mutex_unlock(&r->mu);
	int wrc = dead ? -1 : out_write(&r->out, line, e, sizeof e);
	memset(line, 0, strlen(line));
	free(line);
	if (wrc < 0) {
		/* Nothing was changed at the source for this device, and nothing
		 * will be for any other: the export cannot be kept. */
		if (!dead)
			log_error("device \"%s\": %s; stopping, the source was not changed for it "
				  "or any later device",
				  dev, e);
		flag(r, &r->fatal);
		goto fail;
	}
	count(r, &r->exported, dev);
	if (r->retires && r->ops->retire_device) {
		if (r->ops->retire_device(r->src, app, dev, d, &err) < 0) {
			log_error("%s", err.msg);
			goto fail;
		}
		pthread_mutex_lock(&r->mu);
		r->retired++;
		pthread_mutex_unlock(&r->mu);
	}
	json_decref(d);
	return 0;
fail:
	json_decref(d);
	count(r, &r->failed, dev);
	return -1;
}

/* ---- feeding the workers ---------------------------------------------------- */

/* Where the device IDs of one pool run come from: argv, a listed
 * application, or standard input (read lazily, under the pool's lock). */
struct feed {
	struct run *r;
	const char *app; /* NULL: the source's default application */
	const char *const *items;
	size_t n, i;
	const struct strlist *ids; /* a listed application */
	FILE *in;
	char *line;
	size_t cap;
	/* Device ids read ahead (argv or stdin), announced to the source as a
	 * group so that it can read them together. */
	char *ahead[20];
	size_t nahead, iahead;
};

/* The device ID a device item stands for (the source may name devices
 * otherwise, e.g. by DevEUI); NULL, reported and counted, when none. */
static const char *item_device(struct run *r, const char *item, char *buf, size_t cap)
{
	struct src_err err = {0};
	if (!r->ops->item_device_id)
		return item;
	if (r->ops->item_device_id(item, buf, cap, &err) == 0)
		return buf;
	log_error("%s", err.msg);
	count(r, &r->total, item);
	count(r, &r->failed, item);
	return NULL;
}

/* The next device id of argv or stdin (an item the source cannot map to a
 * device is reported and skipped), malloc'd, or NULL at the end. */
static char *read_id(struct feed *f)
{
	const char *dev = NULL;
	char buf[128];
	if (f->items) {
		while (!dev && f->i < f->n)
			dev = item_device(f->r, f->items[f->i++], buf, sizeof buf);
	} else {
		ssize_t len;
		while (!dev && (len = getline(&f->line, &f->cap, f->in)) >= 0)
			if ((dev = line_trim(f->line, (size_t)len)))
				dev = item_device(f->r, dev, buf, sizeof buf);
	}
	return dev ? strdup(dev) : NULL;
}

/* Refills the read-ahead with up to 20 ids and announces them. */
static void read_ahead(struct feed *f)
{
	f->nahead = f->iahead = 0;
	while (f->nahead < 20 && (f->ahead[f->nahead] = read_id(f)))
		f->nahead++;
	if (f->nahead && f->r->ops->announce)
		f->r->ops->announce(f->r->src, f->app, (const char *const *)f->ahead, f->nahead);
}

static void feed_free(struct feed *f)
{
	for (size_t i = f->iahead; i < f->nahead; i++)
		free(f->ahead[i]);
	f->nahead = f->iahead = 0;
	free(f->line);
}

struct item {
	const char *app;
	char dev[];
};

static void *next_item(void *ud)
{
	struct feed *f = ud;
	const char *dev = NULL;
	char *own = NULL;
	if (should_stop(f->r))
		return NULL;
	if (f->ids) {
		if (f->i < f->ids->n)
			dev = strlist_get(f->ids, f->i++);
	} else {
		if (f->iahead == f->nahead)
			read_ahead(f);
		if (f->iahead < f->nahead)
			dev = own = f->ahead[f->iahead++];
	}
	if (!dev)
		return NULL;
	struct item *it = malloc(sizeof *it + strlen(dev) + 1);
	if (it) {
		it->app = f->app;
		strcpy(it->dev, dev);
	}
	free(own);
	return it;
}

static void work_item(void *ud, void *p)
{
	struct feed *f = ud;
	struct item *it = p;
	export_one(f->r, it->app, it->dev);
	free(it);
}

static int collect_cb(void *ud, const char *dev)
{
	return strlist_add(ud, dev) < 0 || g_interrupted ? -1 : 0;
}

static int export_application(struct run *r, const char *app)
{
	struct strlist ids = {0};
	struct src_err err = {0};
	int rc = -1;
	if (!ids_valid(app)) {
		log_error("application \"%s\": not a valid application ID", app);
		count(r, &r->failed, app);
		goto done;
	}
	if (r->mig && migration_note_app(r->mig, app) < 0) {
		log_error("application \"%s\": cannot record it in the journal", app);
		flag(r, &r->fatal);
		goto done;
	}
	if (r->ops->list_devices(r->src, app, collect_cb, &ids, &err) < 0) {
		log_error("%s", err.msg);
		count(r, &r->failed, app);
		goto done;
	}
	if (r->mig && migration_enroll(r->mig, app, &ids) < 0) {
		log_error("application \"%s\": cannot record its devices in the journal", app);
		flag(r, &r->fatal);
		goto done;
	}
	pthread_mutex_lock(&r->mu);
	progress_set_total(r->total + ids.n);
	pthread_mutex_unlock(&r->mu);
	log_debug("application \"%s\": %zu devices", app, ids.n);
	struct feed f = {.r = r, .app = app, .ids = &ids};
	rc = pool_run(r->concurrency, next_item, work_item, &f);
done:
	strlist_free(&ids);
	return rc;
}

/* Device IDs, or application IDs, from argv or from stdin one per line (CRLF
 * and surrounding blanks trimmed, empty lines skipped). */
static void for_each_item(struct run *r, const struct invocation *inv, bool apps)
{
	if (!apps) {
		struct feed f = {.r = r, .items = inv->items, .n = inv->nitems, .in = stdin};
		if (inv->nitems > 0)
			progress_set_total(inv->nitems);
		else {
			f.items = NULL;
			if (isatty(STDIN_FILENO))
				log_info("reading device IDs from standard input, one per line "
					 "(Ctrl-D to end)");
		}
		pool_run(r->concurrency, next_item, work_item, &f);
		feed_free(&f);
		return;
	}
	for (size_t i = 0; i < inv->nitems && !should_stop(r); i++)
		export_application(r, inv->items[i]);
	const char *all =
	    r->ops->all_application && !inv->nitems ? r->ops->all_application(r->src) : NULL;
	if (all)
		export_application(r, all);
	if (inv->nitems > 0 || all)
		return;
	if (isatty(STDIN_FILENO))
		log_info("reading application IDs from standard input, one per line (Ctrl-D to "
			 "end)");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while (!should_stop(r) && (n = getline(&line, &cap, stdin)) >= 0) {
		const char *app = line_trim(line, (size_t)n);
		if (app)
			export_application(r, app);
	}
	free(line);
}

static void summary(struct run *r, const struct invocation *inv, bool dry_run, bool deletes)
{
	char retired[96] = "";
	if (r->retires)
		snprintf(retired, sizeof retired, ", %s at the source: %zu",
			 deletes ? "deleted" : "downlinks disabled", r->retired);
	log_info("%s: exported %zu of %zu devices%s, failed %zu, in %.1f s, %ld requests%s",
		 inv->src->name, r->exported, r->total, retired, r->failed, progress_elapsed(),
		 http_requests_sent(), dry_run ? " (dry run: the source was not changed)" : "");
}

/* How the cut-over would move gateway id (read only). */
static void plan_gateway(const struct src_gateway_ops *ops, struct src_gateways *g,
			 const char *host, const char *id)
{
	struct src_err se = {0};
	json_t *gw = NULL, *st = NULL;
	char why[160];
	if (ops->export_gateway(g, id, &gw, &se) < 0) {
		printf("gateway %s: cannot be read at the source: %s\n", id, se.msg);
		return;
	}
	json_t *inner = json_object_get(gw, "gateway");
	const json_t *cur = json_is_object(inner) && !json_object_get(gw, "ids") ? inner : gw;
	const char *how;
	if (gwdest_uses_cups(cur) && ops->lns_read && ops->lns_read(g, id, &st, &se) == 0) {
		const char *no = gw_switch_refusal(st, why, sizeof why);
		how = no ? no : "by the source's CUPS (Procedure A), without touching it";
	} else if (gwdest_uses_cups(cur)) {
		how = se.msg[0] ? se.msg : "CUPS, but its settings cannot be read";
	} else if (gwdest_uses_udp(cur)) {
		how = "Semtech UDP: you will be told to set server_address on the gateway";
	} else {
		how = "you will be told to set its LNS (tc.uri, tc.key) on the gateway";
	}
	printf("gateway %s: register at the destination (%s), then switch: %s\n", id, host, how);
	json_decref(st);
	json_decref(gw);
}

/* A run that only reads the source (--check, the plan): opened with no
 * retirement; -1 logged. */
static int open_reader(struct run *r, const struct invocation *inv, struct config *cfg)
{
	struct src_err err = {0};
	r->concurrency = cfg_concurrency(cfg);
	r->prefix = cfg->o.dev_id_prefix;
	r->default_app = items_app(cfg, inv->src);
	if (inv->src->open(cfg, &r->src, &err) < 0) {
		log_error("%s", err.msg);
		return -1;
	}
	if (inv->src->set_retire_delete)
		inv->src->set_retire_delete(r->src, false);
	return 0;
}

/* --to-dest --with-gateways --dry-run: the cut-over's plan; reads only. */
static int run_plan(const struct invocation *inv, struct config *cfg)
{
	char e[512];
	struct run r = {.ops = inv->src, .mu = PTHREAD_MUTEX_INITIALIZER};
	struct precheck pre;
	struct dest *dest = NULL;
	struct gw_dest *gd = NULL;
	struct src_err err = {0};
	struct src_gateways *g = NULL;
	const struct src_gateway_ops *ops = inv->src->gateways;
	int rc = EXIT_USAGE;
	if (!ops) {
		log_error("--with-gateways: the source has no gateways (only tts has)");
		return EXIT_USAGE;
	}
	if (open_reader(&r, inv, cfg) < 0)
		return EXIT_USAGE;
	if (dest_open(cfg, "dest", NULL, &dest, e, sizeof e) < 0 ||
	    gwdest_open(cfg, &gd, e, sizeof e) < 0 || ops->open(cfg, &g, &err) < 0) {
		log_error("%s", err.msg[0] ? err.msg : e);
		goto out;
	}
	precheck_init(&pre, r.prefix, cfg->o.force, dest_api(dest), dest_app_id(dest), false);
	precheck_coverage(&pre, cfg);
	pre.gateways_move = true;
	pre.keep_all = true;
	r.pre = &pre;
	progress_start("planning", !cfg->o.quiet && !cfg->o.verbose);
	for_each_item(&r, inv, inv->mode == EXPORT_APPLICATIONS);
	progress_end();
	size_t refused = 0, i;
	json_t *f;
	json_array_foreach(pre.all, i, f)
	{
		refused +=
		    strcmp(json_string_value(json_object_get(f, "severity")), CHECK_ERROR) == 0;
	}
	printf("plan: %zu device%s read, %zu refused by a check (they stay where they are); "
	       "coverage A %zu, B %zu, C %zu, D %zu\n",
	       pre.devices, pre.devices == 1 ? "" : "s", refused, pre.cov_n[0], pre.cov_n[1],
	       pre.cov_n[2], pre.cov_n[3]);
	json_t *gid;
	json_array_foreach(pre.cov_plan, i, gid)
	{
		plan_gateway(ops, g, gwdest_server_address(gd), json_string_value(gid));
	}
	if (!json_array_size(pre.cov_plan))
		printf("gateways: none of the source key's gateways heard these devices\n");
	printf("then: each device frozen at the source and created at %s; deleted at the "
	       "source%s once its gateways are connected there and it has been heard\n",
	       dest_app_id(dest),
	       cfg->o.keep_source ? " (no: --keep-source leaves it frozen)" : "");
	precheck_summary(&pre);
	precheck_free(&pre);
	log_info("dry run: nothing was changed (%ld requests, all reads)", http_requests_sent());
	rc = g_interrupted ? EXIT_INTERRUPTED : EXIT_OK;
out:
	if (g)
		ops->close(g);
	gwdest_close(gd);
	dest_close(dest);
	inv->src->close(r.src);
	return rc;
}

/* --to-dest: the same items, through the journaled migration. */
static int run_migration(const struct invocation *inv, struct config *cfg)
{
	char e[512];
	struct run r = {.ops = inv->src, .mu = PTHREAD_MUTEX_INITIALIZER};
	struct migration m = {.ops = inv->src, .mu = PTHREAD_MUTEX_INITIALIZER};
	r.concurrency = cfg_concurrency(cfg);
	char *path = NULL;
	int rc = EXIT_OK;
	if (cfg->o.dry_run && !cfg->o.with_gateways) {
		log_error("--dry-run and --to-dest do not go together (a dry run changes nothing; "
			  "with --with-gateways it prints the cut-over's plan)");
		return EXIT_USAGE;
	}
	if (cfg->o.dry_run)
		return run_plan(inv, cfg);
	if (migration_journal(cfg->o.journal, &m.journal, &path, e, sizeof e) < 0) {
		log_error("%s", e);
		return EXIT_FAILED;
	}
	/* What this run is about goes into the journal before any request, so
	 * that a run killed at its first request can still be resumed. */
	const char *default_app = items_app(cfg, inv->src);
	struct strlist given = {0};
	for (size_t i = 0; i < inv->nitems; i++)
		if (inv->mode == EXPORT_APPLICATIONS && ids_valid(inv->items[i]))
			migration_note_app(&m, inv->items[i]);
		else if (inv->mode == EXPORT_DEVICES) {
			char buf[128];
			struct src_err ie = {0};
			const char *dev = inv->items[i];
			if (inv->src->item_device_id &&
			    inv->src->item_device_id(dev, buf, sizeof buf, &ie) == 0)
				dev = buf;
			if (ids_valid(dev))
				strlist_add(&given, dev);
		}
	if (default_app && given.n)
		journal_add_all(m.journal, default_app, &given);
	strlist_free(&given);
	if (migration_open_ends(&m, cfg, inv->src->name, e, sizeof e) < 0) {
		log_error("%s", e);
		rc = EXIT_USAGE;
		goto done;
	}
	log_info("migrating to application %s; journal: %s", dest_app_id(m.dest), path);
	r.mig = &m;
	r.src = m.src;
	r.default_app = default_app;
	bool quiet = cfg->o.quiet, verbose = cfg->o.verbose;
	progress_start("migrating", !quiet && !verbose);
	for_each_item(&r, inv, inv->mode == EXPORT_APPLICATIONS);
	progress_end();
	struct cutover_summary cs = {0};
	bool cut_failed = false;
	if (m.with_gateways && !g_interrupted) {
		log_info("%s: devices held at the destination %zu (frozen at the source), failed "
			 "%zu; now their gateways",
			 inv->src->name, m.held, r.failed);
		cut_failed = cutover_run(&m, cfg, &cs) < 0;
		cutover_report(&cs);
	}
	log_info("%s: migrated (verified) %zu, already done %zu, failed %zu, in %.1f s, %ld "
		 "requests",
		 inv->src->name, m.done, m.skipped, r.failed, progress_elapsed(),
		 http_requests_sent());
	if (cfg->o.report)
		migration_report(m.journal, cfg->o.report);
	if (r.failed || cut_failed)
		log_info(
		    "'ttn-lw-migrate status --journal %s' lists the failures; 'resume' retries",
		    path);
	rc = g_interrupted ? EXIT_INTERRUPTED : r.failed || cut_failed ? EXIT_FAILED : EXIT_OK;
done:
	migration_close_ends(&m);
	journal_close(m.journal);
	free(path);
	return rc;
}

/* --check: what would be exported, checked; nothing written, nothing changed. */
static int run_check(const struct invocation *inv, struct config *cfg)
{
	char e[512];
	struct run r = {.ops = inv->src, .mu = PTHREAD_MUTEX_INITIALIZER};
	struct precheck pre;
	struct dest *dest = NULL;
	if (open_reader(&r, inv, cfg) < 0)
		return EXIT_USAGE;
	/* With a destination configured, its blocks and devices are checked too. */
	if (cfg_str(cfg, "dest", "api-url") && dest_open(cfg, "dest", NULL, &dest, e, sizeof e) < 0)
		log_warn("checks: destination not used: %s", e);
	precheck_init(&pre, r.prefix, false, dest ? dest_api(dest) : NULL,
		      dest ? dest_app_id(dest) : NULL, true);
	pre.keep_all = true;
	r.pre = &pre;
	progress_start("checking", !cfg->o.quiet && !cfg->o.verbose);
	for_each_item(&r, inv, inv->mode == EXPORT_APPLICATIONS);
	progress_end();
	struct check_counts n;
	check_count(pre.all, &n);
	const char *format = cfg->o.format;
	if (format && strcmp(format, "json") == 0) {
		char *s = json_dumps(pre.all, JSON_INDENT(1));
		printf("%s\n", s ? s : "[]");
		free(s);
	} else {
		check_print_table(stdout, pre.all, pre.devices);
	}
	int rc = g_interrupted ? EXIT_INTERRUPTED : n.errors || r.failed ? EXIT_FAILED : EXIT_OK;
	precheck_free(&pre);
	dest_close(dest);
	inv->src->close(r.src);
	return rc;
}

int cmd_export(const struct invocation *inv)
{
	struct config cfg = {0};
	char e[512];
	int to_dest, check;
	args_flag(inv->args, "to-dest", &to_dest);
	args_flag(inv->args, "check", &check);
	struct opt_scope scopes[] = {{inv->src->name, inv->src->options, true},
				     {"dest", dest_options, false}};
	if (cfg_build(inv->args, scopes, to_dest || check ? 2 : 1, &cfg, e, sizeof e) < 0) {
		log_error("%s", e);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	bool quiet = cfg.o.quiet, verbose = cfg.o.verbose;
	log_set_level(verbose ? LOG_DEBUG : quiet ? LOG_ERROR : LOG_INFO);
	bool dry_run = cfg.o.dry_run;
	if (redact_configure(&cfg, e, sizeof e) < 0) { /* --redact: only with --dry-run */
		log_error("%s", e);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	if (cfg.o.check) {
		/* Read only: no retirement, whatever else was asked. */
		int rc = run_check(inv, &cfg);
		cfg_free(&cfg);
		return rc;
	}
	if (cfg.o.to_dest) {
		int rc = run_migration(inv, &cfg);
		cfg_free(&cfg);
		return rc;
	}

	struct run r = {.ops = inv->src, .mu = PTHREAD_MUTEX_INITIALIZER};
	r.concurrency = cfg_concurrency(&cfg);
	r.prefix = cfg.o.dev_id_prefix;
	r.fail_fast = cfg.o.fail_fast;
	struct src_err err = {0};
	if (inv->src->open(&cfg, &r.src, &err) < 0) {
		log_error("%s", err.msg);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	r.retires = inv->src->retires && inv->src->retires(r.src);
	r.default_app = items_app(&cfg, inv->src);
	/* A run that deletes keeps every export in a backup, whatever stdout
	 * is: the next `> devices.json` would truncate the only other copy. */
	bool deletes = inv->src->deletes && inv->src->deletes(r.src);
	enum out_backup backup = deletes     ? OUT_BACKUP_ALWAYS
				 : r.retires ? OUT_BACKUP_IF_VOLATILE
					     : OUT_BACKUP_NONE;
	struct ledger ledger = {.fd = -1};
	struct ledger_recovery rec = {0};
	int rc = EXIT_FAILED;
	if (out_open(&r.out, cfg.o.output, backup, e, sizeof e) < 0 ||
	    (deletes && ledger_open(&ledger, r.out.backup_path, inv->src->name,
				    inv->src->deployment ? inv->src->deployment(r.src) : NULL, e,
				    sizeof e) < 0)) {
		log_error("%s; nothing was exported and the source was not changed", e);
		goto out;
	}
	if (deletes)
		log_info("each export is saved to %s (mode 0600, holds keys) before the device is "
			 "deleted at the source; a later run with --%s.delete-source-device "
			 "completes deletes this one leaves unfinished",
			 r.out.backup_path, inv->src->name);
	else if (r.out.backup_path)
		log_info("standard output is not a file: each export is also saved to %s (mode "
			 "0600, holds keys) before the source is changed",
			 r.out.backup_path);
	if (deletes) {
		struct retire_hooks hooks = ledger_hooks(&ledger);
		if (inv->src->set_retire_hooks)
			inv->src->set_retire_hooks(r.src, &hooks);
		if (ledger_recover(inv->src, r.src, ledger.path, &rec) < 0)
			goto out;
		r.rec = &rec;
	}
	progress_start("exporting", !quiet && !verbose);
	for_each_item(&r, inv, inv->mode == EXPORT_APPLICATIONS);
	if (inv->src->finish) {
		size_t late = inv->src->finish(r.src);
		r.retired -= late < r.retired ? late : r.retired;
		r.failed += late;
	}
	progress_end();
	summary(&r, inv, dry_run, deletes);
	if (r.out.backup_path && r.out.lines)
		log_info("backup of this export: %s", r.out.backup_path);
	rc = g_interrupted					  ? EXIT_INTERRUPTED
	     : r.config_error					  ? EXIT_USAGE
	     : r.failed || r.fatal || ledger.failed || rec.left.n ? EXIT_FAILED
								  : EXIT_OK;
out:
	if (inv->src->set_retire_hooks)
		inv->src->set_retire_hooks(r.src, NULL);
	ledger_recovery_free(&rec);
	ledger_close(&ledger);
	out_close(&r.out);
	inv->src->close(r.src);
	cfg_free(&cfg);
	return rc;
}
