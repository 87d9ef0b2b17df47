/*
 * `check [FILE...] [--dest]`: will these devices keep working after the
 * move? Reads devices as import does (src/io/devfile.h) and
 * runs the rules of src/check/check.h on every object; prints the findings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/check.h"
#include "check/coverage.h"
#include "check/coverage_fetch.h"
#include "cmd/cmd.h"
#include "cmd/precheck.h"
#include "core/ids.h"
#include "core/lorawan.h"
#include "core/strbuf.h"
#include "dest/dest.h"
#include "io/devfile.h"
#include "net/tts_config.h"
#include "ui/log.h"

struct check_run {
	const struct config *cfg;
	struct checker *checker;
	struct coverage *coverage; /* --coverage, or NULL */
	json_t *findings;
	size_t devices;
};

/* Returns 0, or -1 when the input could not be read to its end. */
static int check_stream(struct check_run *r, FILE *fp, const char *name)
{
	struct devfile df;
	devfile_open(&df, fp, name);
	int rc = 0;
	for (;;) {
		json_t *dev = NULL;
		char err[512], where[DEVFILE_WHERE_MAX];
		int n = devfile_next(&df, &dev, where, sizeof where, err, sizeof err);
		if (n == 0 || g_interrupted)
			break;
		if (n < 0) {
			r->devices++;
			check_add(r->findings, CHECK_ERROR, "json-malformed", NULL, NULL, where,
				  "%s", err);
			if (n == -2) {
				rc = -1;
				break;
			}
			continue;
		}
		r->devices++;
		precheck_fallbacks(dev, r->cfg);
		int errors = checker_device(r->checker, dev, where, r->findings);
		if (r->coverage && coverage_add(r->coverage, dev, where, errors == 0) < 0)
			log_error("out of memory");
		json_decref(dev);
	}
	devfile_close(&df);
	return rc;
}

/* --coverage, once every device is read: the classes, the plan and its
 * summary line (on stdout after the table, or logged with --format json).
 * Returns an exit status, EXIT_OK to go on. */
static int run_coverage(struct check_run *r, char *line, size_t len)
{
	struct coverage_source *src = NULL;
	char why[512];
	int open = coverage_source_open(r->cfg, &src, why, sizeof why);
	if (open < 0) {
		log_error("--coverage: %s", why);
		return EXIT_USAGE;
	}
	if (open == 0)
		log_info("--coverage offline (%s): gateway ownership unknown, every gateway but "
			 "packetbroker counted as one you can move",
			 why);
	struct coverage_summary sum;
	coverage_run(r->coverage, src ? coverage_source_rights : NULL, src, r->findings, &sum);
	coverage_source_close(src);
	if (src)
		log_info("--coverage: rights of %zu gateway%s read at the source", sum.asked,
			 sum.asked == 1 ? "" : "s");
	coverage_summary_line(&sum, line, len);
	check_add(r->findings, CHECK_INFO, "coverage-plan", NULL, NULL, NULL, "%s", line);
	coverage_summary_release(&sum);
	return EXIT_OK;
}

/* --dest-dev-addr-prefix, repeatable and comma-separated, normalised to
 * "27ABCD00/24". Returns the array (NULL when none given), or sets *bad. */
static json_t *hand_prefixes(const struct opt_list *given, char *err, size_t errlen, bool *bad)
{
	json_t *list = NULL;
	*bad = false;
	for (size_t i = 0; i < given->n; i++) {
		char *dup = strdup(given->v[i]);
		if (!list)
			list = json_array();
		for (char *save = NULL, *t = dup ? strtok_r(dup, ", ", &save) : NULL; t;
		     t = strtok_r(NULL, ", ", &save)) {
			uint32_t prefix;
			int bits;
			if (lw_prefix_parse(t, &prefix, &bits) < 0) {
				snprintf(
				    err, errlen,
				    "--dest-dev-addr-prefix \"%.40s\": expected 8 hex digits, '/' "
				    "and a length 0-32, e.g. 27ABCD00/24",
				    t);
				*bad = true;
				break;
			}
			char text[24];
			snprintf(text, sizeof text, "%08X/%d", (unsigned)prefix, bits);
			json_array_append_new(list, json_string(text));
		}
		free(dup);
		if (*bad) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

static int usage_error(struct config *cfg, struct check_opts *opts, const char *msg)
{
	log_error("%s", msg);
	check_opts_release(opts);
	cfg_free(cfg);
	return EXIT_USAGE;
}

/* Asks the destination; returns an exit status, EXIT_OK to go on. */
static int ask_destination(const struct config *cfg, struct check_opts *opts)
{
	char e[512];
	const char *app = cfg_str(cfg, "dest", "app-id");
	if (!app) {
		log_error("--dest: no destination application: set DEST_TTS_APP_ID or "
			  "--dest.app-id");
		return EXIT_USAGE;
	}
	if (!ids_valid(app)) {
		log_error("--dest: application \"%s\" is not a valid ID", app);
		return EXIT_USAGE;
	}
	struct tts_api api;
	if (tts_api_configure(&api, cfg, "dest", e, sizeof e) < 0) {
		log_error("--dest: %s", e);
		return EXIT_USAGE;
	}
	int rc = check_fetch_dest(&api, app, opts, e, sizeof e);
	tts_api_release(&api);
	if (rc < 0) {
		log_error("--dest: %s", e);
		return EXIT_FAILED;
	}
	struct strbuf prefixes = STRBUF_INIT;
	size_t i;
	json_t *p;
	json_array_foreach(opts->dest_prefixes, i, p)
	{
		strbuf_addsep(&prefixes, ", ");
		strbuf_addstr(&prefixes, json_string_value(p) ? json_string_value(p) : "?");
	}
	log_info("destination: NetID %s, DevAddr prefixes %s; %zu devices in application %s",
		 opts->dest_net_id, prefixes.len ? prefixes.buf : "(none: the NetID's block)",
		 json_object_size(opts->dest_device_ids), app);
	strbuf_release(&prefixes);
	return EXIT_OK;
}

int cmd_check(const struct invocation *inv)
{
	struct config cfg = {0};
	struct check_opts opts = {0};
	char e[512];
	struct opt_scope scopes[] = {{"dest", dest_options, false},
				     {"tts", source_conn_options, true}};
	if (cfg_build(inv->args, scopes, 2, &cfg, e, sizeof e) < 0)
		return usage_error(&cfg, &opts, e);
	bool quiet = cfg.o.quiet, verbose = cfg.o.verbose;
	log_set_level(verbose ? LOG_DEBUG : quiet ? LOG_ERROR : LOG_INFO);
	const char *format = cfg.o.format;
	bool json_out = format && strcmp(format, "json") == 0;
	if (format && !json_out && strcmp(format, "table") != 0) {
		snprintf(e, sizeof e, "--format \"%.40s\": expected table or json", format);
		return usage_error(&cfg, &opts, e);
	}
	opts.prefix = cfg.o.dev_id_prefix;
	opts.preview_import = true;
	bool bad;
	json_t *hand = hand_prefixes(&cfg.o.dest_dev_addr_prefix, e, sizeof e, &bad);
	if (bad)
		return usage_error(&cfg, &opts, e);
	const char *net_id = cfg.o.dest_net_id;
	uint32_t netid;
	if (net_id && lw_netid_parse(net_id, &netid) < 0) {
		json_decref(hand);
		snprintf(e, sizeof e, "--dest-net-id \"%.40s\": expected 6 hex digits, e.g. 000013",
			 net_id);
		return usage_error(&cfg, &opts, e);
	}
	if (cfg.o.dest) {
		int rc = ask_destination(&cfg, &opts);
		if (rc != EXIT_OK) {
			json_decref(hand);
			check_opts_release(&opts);
			cfg_free(&cfg);
			return rc;
		}
	}
	if (hand) {
		if (opts.dest_prefixes)
			log_info("using the --dest-dev-addr-prefix blocks instead of the Network "
				 "Server's");
		json_decref(opts.dest_prefixes);
		opts.dest_prefixes = hand;
	}
	if (net_id) {
		if (opts.dest_net_id && strcmp(opts.dest_net_id, net_id) != 0)
			log_info("using --dest-net-id %s instead of the Network Server's %s",
				 net_id, opts.dest_net_id);
		snprintf(opts.net_id_buf, sizeof opts.net_id_buf, "%06X", (unsigned)netid);
		opts.dest_net_id = opts.net_id_buf;
	}

	struct check_run r = {0};
	r.cfg = &cfg;
	r.checker = checker_new(&opts);
	check_opts_release(&opts);
	r.findings = json_array();
	if (cfg.o.coverage)
		r.coverage = coverage_new();
	if (!r.checker || !r.findings || (cfg.o.coverage && !r.coverage)) {
		coverage_free(r.coverage);
		log_error("out of memory");
		checker_free(r.checker);
		json_decref(r.findings);
		cfg_free(&cfg);
		return EXIT_FAILED;
	}
	int rc = EXIT_OK;
	if (inv->nitems == 0) {
		if (isatty(STDIN_FILENO))
			log_info("reading devices from standard input (Ctrl-D to end)");
		check_stream(&r, stdin, "stdin");
	}
	for (size_t i = 0; i < inv->nitems && !g_interrupted; i++) {
		const char *path = inv->items[i];
		FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
		if (!fp) {
			log_error("%s: %s", path, strerror(errno));
			rc = EXIT_USAGE;
			continue;
		}
		check_stream(&r, fp, fp == stdin ? "stdin" : path);
		if (fp != stdin)
			fclose(fp);
	}
	char cov_line[4096] = "";
	if (r.coverage && !g_interrupted) {
		int crc = run_coverage(&r, cov_line, sizeof cov_line);
		if (crc != EXIT_OK) {
			coverage_free(r.coverage);
			checker_free(r.checker);
			json_decref(r.findings);
			cfg_free(&cfg);
			return crc;
		}
	}
	if (json_out) {
		char *s = json_dumps(r.findings, JSON_INDENT(2));
		if (s)
			printf("%s\n", s);
		free(s);
	} else {
		check_print_table(stdout, r.findings, r.devices);
		if (*cov_line)
			printf("%s\n", cov_line);
	}
	fflush(stdout);
	struct check_counts n;
	check_count(r.findings, &n);
	if (json_out) {
		char line[160];
		check_summary_line(&n, r.devices, line, sizeof line);
		log_info("%s", line);
		if (*cov_line)
			log_info("%s", cov_line);
	}
	if (rc == EXIT_OK && n.errors)
		rc = EXIT_FAILED;
	if (g_interrupted)
		rc = EXIT_INTERRUPTED;
	coverage_free(r.coverage);
	checker_free(r.checker);
	json_decref(r.findings);
	cfg_free(&cfg);
	return rc;
}
