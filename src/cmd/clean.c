/*
 * `clean [FILE...]`: the seed's manual step done by the tool. Reads The
 * Things Stack JSON (a ttn-lw-cli `end-devices get` result, one object per
 * line, pretty-printed, an array, an API {"end_devices": [...]} list) or The
 * Things Stack CSV (src/io/devfile.h) and writes one compact object per line
 * without the fields that tie a device to its old deployment
 * (application/network/join_server_address, ids.dev_addr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/jsonpath.h"
#include "io/devfile.h"
#include "io/jsondump.h"
#include "io/output.h"
#include "net/tts_components.h"
#include "ui/log.h"

static int clean_stream(FILE *fp, const char *name, struct out_sink *out, size_t *n, size_t *bad)
{
	struct devfile df;
	devfile_open(&df, fp, name);
	char err[512], where[DEVFILE_WHERE_MAX];
	int rc = 0;
	for (;;) {
		json_t *dev = NULL;
		int r = devfile_next(&df, &dev, where, sizeof where, err, sizeof err);
		if (r == 0)
			break;
		if (r < 0) {
			log_error("%s: %s", where, err);
			(*bad)++;
			if (r == -2)
				break;
			continue;
		}
		for (const char *const *p = tts_export_strip_paths; *p; p++)
			jp_del(dev, *p);
		char *s = jd_dumps(dev); /* numbers as they came in */
		json_decref(dev);
		if (!s || out_write(out, s, err, sizeof err) < 0) {
			log_error("%s", s ? err : "out of memory");
			free(s);
			rc = -1;
			break;
		}
		memset(s, 0, strlen(s));
		free(s);
		(*n)++;
	}
	devfile_close(&df);
	return rc;
}

int cmd_clean(const struct invocation *inv)
{
	struct config cfg = {0};
	char e[512];
	if (cfg_build(inv->args, NULL, 0, &cfg, e, sizeof e) < 0) {
		log_error("%s", e);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	if (cfg.o.quiet)
		log_set_level(LOG_ERROR);
	struct out_sink out;
	int rc = EXIT_OK;
	size_t n = 0, bad = 0;
	if (out_open(&out, cfg.o.output, false, e, sizeof e) < 0) {
		log_error("%s", e);
		out_close(&out);
		cfg_free(&cfg);
		return EXIT_FAILED;
	}
	out.batch = true; /* nothing at any server depends on these lines */
	if (inv->nitems == 0 && clean_stream(stdin, "stdin", &out, &n, &bad) < 0)
		rc = EXIT_FAILED;
	for (size_t i = 0; i < inv->nitems && rc == EXIT_OK; i++) {
		FILE *fp = strcmp(inv->items[i], "-") == 0 ? stdin : fopen(inv->items[i], "r");
		if (!fp) {
			log_error("%s: %s", inv->items[i], strerror(errno));
			bad++;
			continue;
		}
		if (clean_stream(fp, inv->items[i], &out, &n, &bad) < 0)
			rc = EXIT_FAILED;
		if (fp != stdin)
			fclose(fp);
	}
	if (out_close(&out) < 0) {
		log_error("writing the output: %s", strerror(errno));
		rc = EXIT_FAILED;
	}
	log_info("clean: %zu devices written, %zu unreadable", n, bad);
	cfg_free(&cfg);
	return rc == EXIT_OK && bad ? EXIT_FAILED : rc;
}
