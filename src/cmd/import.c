/*
 * `import [FILE...]`: create devices at the destination from The Things Stack
 * JSON (ttn-lw-migrate's export, ttn-lw-cli `end-devices get` output, the
 * Console's format), going on past a failed device.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/precheck.h"
#include "core/jsonpath.h"
#include "core/pool.h"
#include "core/strbuf.h"
#include "dest/dest.h"
#include "io/devfile.h"
#include "io/output.h"
#include "net/http.h"
#include "ui/log.h"
#include "ui/progress.h"

struct import_run {
	struct dest *dest;
	const struct config *cfg;
	const char *prefix;
	bool force;
	int concurrency;
	struct precheck pre;
	pthread_mutex_t mu; /* guards everything below */
	json_t *seen;	    /* device_id → "file:line" of its first occurrence */
	json_t *report;	    /* per-device results, only with --report */
	size_t total, created, failed;
};

/* Counts and records one result (and says it when it failed). */
static void record(struct import_run *r, const char *where, const char *id, const char *error)
{
	json_t *e = NULL;
	if (r->report) {
		e = json_pack("{s:s,s:s,s:s}", "input", where, "device_id", id ? id : "", "status",
			      error ? "failed" : "created");
		if (error)
			json_object_set_new(e, "error", json_string(error));
	}
	pthread_mutex_lock(&r->mu);
	if (e)
		json_array_append_new(r->report, e);
	if (error)
		r->failed++;
	else
		r->created++;
	progress_update(r->created + r->failed, r->failed, id);
	pthread_mutex_unlock(&r->mu);
	if (error && id)
		log_error("%s: device \"%s\": %s", where, id, error);
	else if (error)
		log_error("%s: %s", where, error);
	else
		log_debug("%s: device \"%s\": created", where, id);
}

/* Claims the device id for this input position; NULL when it is free, else
 * where it was first seen (malloc'd). Duplicates within the input would
 * otherwise race each other to the destination. */
static char *claim(struct import_run *r, const char *id, const char *where)
{
	char *first = NULL;
	pthread_mutex_lock(&r->mu);
	json_t *f = json_object_get(r->seen, id);
	if (f)
		first = strdup(json_string_value(f));
	else
		json_object_set_new(r->seen, id, json_string(where));
	pthread_mutex_unlock(&r->mu);
	return first;
}

/* The checks, in input order (the feed calls this under the pool's lock),
 * so that of two devices with one id the first in the file is the one
 * created. The checks decide what is refused (the same rules as `check`), on
 * the device as the file has it. Returns 0, or -1 with err. */
static int admit(struct import_run *r, json_t *dev, const char *where, char *err, size_t errlen)
{
	precheck_fallbacks(dev, r->cfg);
	if (precheck_device(&r->pre, dev, where, err, errlen) < 0)
		return -1;
	const char *id = json_string_value(jp_get(dev, "ids.device_id"));
	char fixed[128];
	snprintf(fixed, sizeof fixed, "%s%s%s", r->prefix ? r->prefix : "", r->prefix ? "-" : "",
		 id ? id : "");
	char *first = claim(r, fixed, where);
	if (first) {
		str_printf_cut(err, errlen, "ids.device_id: duplicate of the device at %s", first);
		free(first);
		return -1;
	}
	return 0;
}

/* dest_prepare only rewrites what the checks let through. */
static void import_one(struct import_run *r, json_t *dev, const char *where)
{
	char err[768];
	const char *orig = json_string_value(jp_get(dev, "ids.device_id"));
	char shown[64];
	snprintf(shown, sizeof shown, "%s", orig ? orig : "?");
	if (dest_prepare(r->dest, dev, r->prefix, r->force, err, sizeof err) < 0 ||
	    dest_check_create(r->dest, dev, err, sizeof err) < 0)
		goto fail;
	const char *id = json_string_value(jp_get(dev, "ids.device_id"));
	if (dest_create(r->dest, dev, false, err, sizeof err) != DEST_OK)
		goto fail;
	record(r, where, id, NULL);
	return;
fail:
	record(r, where, shown, err);
}

/* The workers' feed: objects are parsed one at a time, under the pool's
 * lock, so memory holds only the objects in flight. */
struct stream_feed {
	struct import_run *r;
	struct devfile df;
	const char *name;
	bool ended;
};

struct import_item {
	json_t *dev;  /* NULL: a parse error, in err */
	bool refused; /* the checks refused dev: err says why */
	char where[DEVFILE_WHERE_MAX];
	char err[768];
};

static void *next_object(void *ud)
{
	struct stream_feed *f = ud;
	if (f->ended || g_interrupted)
		return NULL;
	struct import_item *it = calloc(1, sizeof *it);
	if (!it)
		return NULL;
	int rc =
	    devfile_next(&f->df, &it->dev, it->where, sizeof it->where, it->err, sizeof it->err);
	if (rc == 0) {
		free(it);
		return NULL;
	}
	pthread_mutex_lock(&f->r->mu);
	f->r->total++;
	pthread_mutex_unlock(&f->r->mu);
	if (rc == -2) /* The input cannot be read further: this is the last item. */
		f->ended = true;
	if (it->dev && admit(f->r, it->dev, it->where, it->err, sizeof it->err) < 0)
		it->refused = true;
	return it;
}

static void import_item(void *ud, void *p)
{
	struct stream_feed *f = ud;
	struct import_item *it = p;
	if (it->dev && it->refused) {
		const char *id = json_string_value(jp_get(it->dev, "ids.device_id"));
		record(f->r, it->where, id ? id : "?", it->err);
	} else if (it->dev)
		import_one(f->r, it->dev, it->where);
	else
		record(f->r, it->where, NULL, it->err);
	json_decref(it->dev);
	free(it);
}

static int import_stream(struct import_run *r, FILE *fp, const char *name)
{
	struct stream_feed f = {.r = r, .name = name};
	devfile_open(&f.df, fp, name);
	pool_run(r->concurrency, next_object, import_item, &f);
	devfile_close(&f.df);
	return 0;
}

int write_report(const char *path, const json_t *report, char *err, size_t errlen)
{
	/* It may hold keys in error messages: no symlink, 0600 (src/io/output.h). */
	int fd = out_open_private(path, O_WRONLY | O_CREAT | O_TRUNC, "--report", err, errlen);
	if (fd < 0)
		return -1;
	char *s = json_dumps(report, JSON_INDENT(1));
	size_t n = s ? strlen(s) : 0;
	ssize_t w = s ? write(fd, s, n) : -1;
	free(s);
	if (w < 0 || (size_t)w != n || fsync(fd) < 0) {
		snprintf(err, errlen, "--report %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int cmd_import(const struct invocation *inv)
{
	struct config cfg = {0};
	char e[512];
	struct opt_scope scopes[] = {{"dest", dest_options, true}};
	int rc = EXIT_OK;
	if (cfg_build(inv->args, scopes, 1, &cfg, e, sizeof e) < 0) {
		log_error("%s", e);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	bool quiet = cfg.o.quiet, verbose = cfg.o.verbose;
	log_set_level(verbose ? LOG_DEBUG : quiet ? LOG_ERROR : LOG_INFO);
	struct import_run r = {.mu = PTHREAD_MUTEX_INITIALIZER};
	r.concurrency = cfg_concurrency(&cfg);
	r.prefix = cfg.o.dev_id_prefix;
	r.force = cfg.o.force;
	r.cfg = &cfg;
	if (dest_open(&cfg, "dest", NULL, &r.dest, e, sizeof e) < 0) {
		log_error("%s", e);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	r.seen = json_object();
	const char *report = cfg.o.report;
	r.report = report ? json_array() : NULL;
	if (precheck_init(&r.pre, r.prefix, r.force, dest_api(r.dest), dest_app_id(r.dest), true) <
	    0) {
		log_error("out of memory");
		rc = EXIT_FAILED;
	}
	progress_start("importing", !quiet && !verbose);
	if (inv->nitems == 0) {
		if (isatty(STDIN_FILENO))
			log_info("reading devices from standard input (Ctrl-D to end)");
		import_stream(&r, stdin, "stdin");
	}
	for (size_t i = 0; i < inv->nitems && !g_interrupted; i++) {
		const char *path = inv->items[i];
		FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
		if (!fp) {
			log_error("%s: %s", path, strerror(errno));
			r.failed++;
			continue;
		}
		import_stream(&r, fp, fp == stdin ? "stdin" : path);
		if (fp != stdin)
			fclose(fp);
	}
	progress_end();
	precheck_summary(&r.pre);
	log_info("import into %s: created %zu of %zu devices, failed %zu, in %.1f s, %ld requests",
		 dest_app_id(r.dest), r.created, r.total, r.failed, progress_elapsed(),
		 http_requests_sent());
	if (report && write_report(report, r.report, e, sizeof e) < 0) {
		log_error("%s", e);
		rc = EXIT_FAILED;
	}
	if (r.failed)
		rc = EXIT_FAILED;
	if (g_interrupted)
		rc = EXIT_INTERRUPTED;
	precheck_free(&r.pre);
	json_decref(r.seen);
	json_decref(r.report);
	dest_close(r.dest);
	cfg_free(&cfg);
	return rc;
}
