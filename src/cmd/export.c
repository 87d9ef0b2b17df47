/*
 * `SOURCE device|application [ID...]` (and the deprecated
 * `device|application --source SOURCE`): export devices as The Things Stack
 * JSON, one object per line, and retire them at the source once each export
 * is durably written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/migrate.h"
#include "core/ids.h"
#include "io/output.h"
#include "ui/log.h"
#include "ui/progress.h"

struct run {
	const struct source_ops *ops;
	struct source *src;
	struct out_sink out;
	const char *prefix;
	bool retires;
	bool fail_fast;
	bool fatal;      /* the output failed: stop, touch nothing more */
	bool config_error; /* the source's configuration cannot work: stop */
	size_t total;    /* devices seen */
	size_t exported; /* written durably */
	size_t retired;
	size_t failed;
	struct migration *mig;  /* --to-dest: each device goes through the journal */
	const char *default_app; /* the source's app-id, for device IDs */
};

static int migrate_one(struct run *r, const char *app, const char *dev)
{
	r->total++;
	progress_update(r->total - 1, r->failed, dev);
	if (!app)
		app = r->default_app;
	int rc = -1;
	if (!ids_valid(dev))
		log_error("device \"%s\": not a valid device ID", dev);
	else if (!app)
		log_error("no application ID: set TTS_APP_ID or --app-id");
	else
		rc = migrate_device(r->mig, app, dev);
	if (rc < 0)
		r->failed++;
	else
		r->exported++;
	progress_update(r->total, r->failed, dev);
	return rc;
}

static int export_one(struct run *r, const char *app, const char *dev)
{
	struct src_err err = {0};
	json_t *d = NULL;
	char e[512];
	int rc = -1;
	if (r->mig)
		return migrate_one(r, app, dev);
	r->total++;
	progress_update(r->total - 1, r->failed, dev);
	if (!ids_valid(dev)) {
		log_error("device \"%s\": not a valid device ID (lower-case letters, digits and "
			  "single dashes, 3 to 36 characters)",
			  dev);
		goto done;
	}
	if (r->ops->export_device(r->src, app, dev, &d, &err) < 0) {
		log_error("%s", err.msg);
		r->config_error = err.config;
		goto done;
	}
	if (ids_export_fixup(d, r->prefix, e, sizeof e) < 0 ||
	    ids_validate_device(d, e, sizeof e) < 0) {
		log_error("device \"%s\": %s", dev, e);
		goto done;
	}
	char *line = json_dumps(d, JSON_COMPACT);
	if (!line) {
		log_error("device \"%s\": cannot encode the export", dev);
		goto done;
	}
	int wrc = out_write(&r->out, line, e, sizeof e);
	memset(line, 0, strlen(line));
	free(line);
	if (wrc < 0) {
		/* Nothing was changed at the source for this device, and nothing
		 * will be for any other: the export cannot be kept. */
		log_error("device \"%s\": %s; stopping, the source was not changed", dev, e);
		r->fatal = true;
		goto done;
	}
	r->exported++;
	if (r->retires && r->ops->retire_device) {
		if (r->ops->retire_device(r->src, app, dev, d, &err) < 0) {
			log_error("%s", err.msg);
			goto done;
		}
		r->retired++;
	}
	rc = 0;
done:
	if (rc < 0)
		r->failed++;
	json_decref(d);
	progress_update(r->total, r->failed, dev);
	return rc;
}

static bool should_stop(const struct run *r)
{
	return r->fatal || r->config_error || g_interrupted || (r->fail_fast && r->failed);
}

struct collect {
	json_t *ids;
};

static int collect_cb(void *ud, const char *dev)
{
	json_array_append_new(((struct collect *)ud)->ids, json_string(dev));
	return g_interrupted ? -1 : 0;
}

static int export_application(struct run *r, const char *app)
{
	struct collect c = {json_array()};
	struct src_err err = {0};
	if (!ids_valid(app)) {
		log_error("application \"%s\": not a valid application ID", app);
		r->failed++;
		json_decref(c.ids);
		return -1;
	}
	if (r->mig && migration_note_app(r->mig, app) < 0) {
		log_error("application \"%s\": cannot record it in the journal", app);
		r->fatal = true;
		json_decref(c.ids);
		return -1;
	}
	if (r->ops->list_devices(r->src, app, collect_cb, &c, &err) < 0) {
		log_error("%s", err.msg);
		r->failed++;
		json_decref(c.ids);
		return -1;
	}
	if (r->mig && migration_enroll(r->mig, app, c.ids) < 0) {
		log_error("application \"%s\": cannot record its devices in the journal", app);
		r->fatal = true;
		json_decref(c.ids);
		return -1;
	}
	progress_set_total(r->total + json_array_size(c.ids));
	log_debug("application \"%s\": %zu devices", app, json_array_size(c.ids));
	size_t i;
	json_t *id;
	json_array_foreach(c.ids, i, id)
	{
		if (should_stop(r))
			break;
		export_one(r, app, json_string_value(id));
	}
	json_decref(c.ids);
	return 0;
}

/* Feeds items from argv, or from stdin one per line (CRLF and surrounding
 * blanks trimmed, empty lines skipped). */
static void for_each_item(struct run *r, const struct invocation *inv, bool apps)
{
	if (inv->nitems > 0) {
		if (!apps)
			progress_set_total(inv->nitems);
		for (size_t i = 0; i < inv->nitems && !should_stop(r); i++) {
			if (apps)
				export_application(r, inv->items[i]);
			else
				export_one(r, NULL, inv->items[i]);
		}
		return;
	}
	if (isatty(STDIN_FILENO))
		log_info("reading %s IDs from standard input, one per line (Ctrl-D to end)",
			 apps ? "application" : "device");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while (!should_stop(r) && (n = getline(&line, &cap, stdin)) >= 0) {
		char *s = line, *end = line + n;
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		while (end > s && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' ||
				   end[-1] == '\t'))
			end--;
		*end = '\0';
		if (!*s)
			continue;
		if (apps)
			export_application(r, s);
		else
			export_one(r, NULL, s);
	}
	free(line);
}

static void summary(const struct run *r, const struct invocation *inv, bool dry_run,
		    bool deletes)
{
	char retired[96] = "";
	if (r->retires)
		snprintf(retired, sizeof retired, ", %s at the source: %zu",
			 deletes ? "deleted" : "downlinks disabled", r->retired);
	log_info("%s: exported %zu of %zu devices%s, failed %zu, in %.1f s%s", inv->src->name,
		 r->exported, r->total, retired, r->failed, progress_elapsed(),
		 dry_run ? " (dry run: the source was not changed)" : "");
}

/* --to-dest: the same items, through the journaled migration. */
static int run_migration(const struct invocation *inv, struct config *cfg)
{
	char e[512];
	struct run r = {.ops = inv->src};
	struct migration m = {.ops = inv->src};
	char *path = NULL;
	int rc = EXIT_OK;
	if (cfg_bool(cfg, NULL, "dry-run")) {
		log_error("--dry-run and --to-dest do not go together (a dry run changes nothing)");
		return EXIT_USAGE;
	}
	if (migration_journal(cfg_str(cfg, NULL, "journal"), &m.journal, &path, e, sizeof e) <
	    0) {
		log_error("%s", e);
		return EXIT_FAILED;
	}
	if (migration_open_ends(&m, cfg, inv->src->name, e, sizeof e) < 0) {
		log_error("%s", e);
		rc = EXIT_USAGE;
		goto done;
	}
	log_info("migrating to application %s; journal: %s", dest_app_id(m.dest), path);
	r.mig = &m;
	r.src = m.src;
	r.default_app = cfg_str(cfg, inv->src->name, "app-id");
	bool quiet = cfg_bool(cfg, NULL, "quiet"), verbose = cfg_bool(cfg, NULL, "verbose");
	progress_start("migrating", !quiet && !verbose);
	for_each_item(&r, inv, inv->mode == EXPORT_APPLICATIONS);
	progress_end();
	log_info("%s: migrated (verified) %zu, already done %zu, failed %zu, in %.1f s",
		 inv->src->name, m.done, m.skipped, m.failed + (r.failed - m.failed),
		 progress_elapsed());
	if (cfg_str(cfg, NULL, "report"))
		migration_report(m.journal, cfg_str(cfg, NULL, "report"));
	if (r.failed)
		log_info("'ttn-lw-migrate status --journal %s' lists the failures; 'resume' retries",
			 path);
	rc = g_interrupted ? EXIT_INTERRUPTED : r.failed ? EXIT_FAILED : EXIT_OK;
done:
	migration_close_ends(&m);
	journal_close(m.journal);
	free(path);
	return rc;
}

int cmd_export(const struct invocation *inv)
{
	struct config cfg = {0};
	char e[512];
	int to_dest;
	args_flag(inv->args, "to-dest", &to_dest);
	struct opt_scope scopes[] = {{inv->src->name, inv->src->options, true},
				     {"dest", dest_options, false}};
	if (cfg_build(inv->args, scopes, to_dest ? 2 : 1, &cfg, e, sizeof e) < 0) {
		log_error("%s", e);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	bool quiet = cfg_bool(&cfg, NULL, "quiet"), verbose = cfg_bool(&cfg, NULL, "verbose");
	log_set_level(verbose ? LOG_DEBUG : quiet ? LOG_ERROR : LOG_INFO);
	bool dry_run = cfg_bool(&cfg, NULL, "dry-run");
	if (cfg_bool(&cfg, NULL, "to-dest")) {
		int rc = run_migration(inv, &cfg);
		cfg_free(&cfg);
		return rc;
	}

	struct run r = {.ops = inv->src};
	r.prefix = cfg_str(&cfg, NULL, "dev-id-prefix");
	r.fail_fast = cfg_bool(&cfg, NULL, "fail-fast");
	struct src_err err = {0};
	if (inv->src->open(&cfg, &r.src, &err) < 0) {
		log_error("%s", err.msg);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	r.retires = inv->src->retires && inv->src->retires(r.src);
	if (out_open(&r.out, cfg_str(&cfg, NULL, "output"), r.retires, e, sizeof e) < 0) {
		log_error("%s; nothing was exported and the source was not changed", e);
		out_close(&r.out);
		inv->src->close(r.src);
		cfg_free(&cfg);
		return EXIT_FAILED;
	}
	if (r.out.backup_path)
		log_info("standard output is not a file: each export is also saved to %s (mode "
			 "0600, holds keys) before the source is changed",
			 r.out.backup_path);
	bool deletes = cfg_bool(&cfg, "tts", "delete-source-device") && !dry_run;
	progress_start("exporting", !quiet && !verbose);
	for_each_item(&r, inv, inv->mode == EXPORT_APPLICATIONS);
	progress_end();
	summary(&r, inv, dry_run, deletes);
	if (r.out.backup_path && r.out.lines)
		log_info("backup of this export: %s", r.out.backup_path);
	out_close(&r.out);
	inv->src->close(r.src);
	cfg_free(&cfg);
	if (g_interrupted)
		return EXIT_INTERRUPTED;
	if (r.config_error)
		return EXIT_USAGE;
	return r.failed || r.fatal ? EXIT_FAILED : EXIT_OK;
}
