/*
 * `import [FILE...]`: create devices at the destination from The Things Stack
 * JSON (ttn-lw-migrate's export, ttn-lw-cli `end-devices get` output, the
 * Console's format), going on past a failed device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/jsonpath.h"
#include "dest/dest.h"
#include "io/jsonstream.h"
#include "ui/log.h"
#include "ui/progress.h"

struct import_run {
	struct dest *dest;
	const char *prefix;
	bool force;
	json_t *seen;   /* device_id → "file:line" of its first occurrence */
	json_t *report; /* per-device results, for --report */
	size_t total, created, failed;
};

static void record(struct import_run *r, const char *where, const char *id, const char *status,
		   const char *error)
{
	json_t *e = json_pack("{s:s,s:s,s:s}", "input", where, "device_id", id ? id : "",
			      "status", status);
	if (error)
		json_object_set_new(e, "error", json_string(error));
	json_array_append_new(r->report, e);
}

static void import_one(struct import_run *r, json_t *dev, const char *where)
{
	char err[768];
	const char *orig = json_string_value(jp_get(dev, "ids.device_id"));
	char shown[64];
	snprintf(shown, sizeof shown, "%s", orig ? orig : "?");
	r->total++;
	progress_update(r->total - 1, r->failed, shown);
	if (dest_prepare(r->dest, dev, r->prefix, r->force, err, sizeof err) < 0)
		goto fail;
	const char *id = json_string_value(jp_get(dev, "ids.device_id"));
	json_t *first = json_object_get(r->seen, id);
	if (first) {
		snprintf(err, sizeof err, "ids.device_id: duplicate of the device at %s",
			 json_string_value(first));
		goto fail;
	}
	json_object_set_new(r->seen, id, json_string(where));
	if (dest_create(r->dest, dev, false, err, sizeof err) != DEST_OK)
		goto fail;
	r->created++;
	log_debug("%s: device \"%s\": created in %s", where, id, dest_app_id(r->dest));
	record(r, where, id, "created", NULL);
	return;
fail:
	r->failed++;
	log_error("%s: device \"%s\": %s", where, shown, err);
	record(r, where, shown, "failed", err);
}

static int import_stream(struct import_run *r, FILE *fp, const char *name)
{
	struct jstream js;
	jstream_init(&js, fp);
	int rc;
	for (;;) {
		json_t *dev = NULL;
		long line = 0;
		char err[512], where[300];
		rc = jstream_next(&js, &dev, &line, err, sizeof err);
		if (rc == 0 || g_interrupted)
			break;
		snprintf(where, sizeof where, "%s:%ld", name, line);
		if (rc < 0) {
			r->total++;
			r->failed++;
			log_error("%s: %s", name, err);
			record(r, where, NULL, "failed", err);
			if (rc == -2)
				break;
			continue;
		}
		import_one(r, dev, where);
		json_decref(dev);
	}
	jstream_free(&js);
	return 0;
}

int write_report(const char *path, const json_t *report, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "--report %s: %s", path, strerror(errno));
		return -1;
	}
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
	bool quiet = cfg_bool(&cfg, NULL, "quiet"), verbose = cfg_bool(&cfg, NULL, "verbose");
	log_set_level(verbose ? LOG_DEBUG : quiet ? LOG_ERROR : LOG_INFO);
	struct import_run r = {0};
	r.prefix = cfg_str(&cfg, NULL, "dev-id-prefix");
	r.force = cfg_bool(&cfg, NULL, "force");
	if (dest_open(&cfg, "dest", NULL, &r.dest, e, sizeof e) < 0) {
		log_error("%s", e);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	r.seen = json_object();
	r.report = json_array();
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
	log_info("import into %s: created %zu of %zu devices, failed %zu, in %.1f s",
		 dest_app_id(r.dest), r.created, r.total, r.failed, progress_elapsed());
	const char *report = cfg_str(&cfg, NULL, "report");
	if (report && write_report(report, r.report, e, sizeof e) < 0) {
		log_error("%s", e);
		rc = EXIT_FAILED;
	}
	if (r.failed)
		rc = EXIT_FAILED;
	if (g_interrupted)
		rc = EXIT_INTERRUPTED;
	json_decref(r.seen);
	json_decref(r.report);
	dest_close(r.dest);
	cfg_free(&cfg);
	return rc;
}
