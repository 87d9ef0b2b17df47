/*
 * `SOURCE gateways` (export, read only) and `gateways import` (issue 14):
 * ../shared/spec/gateways.md §1 and §4.1. The source reads through its
 * gateway hooks (sources/source.h), the destination is dest/gw_dest.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/strbuf.h"
#include "core/strlist.h"
#include "dest/dest.h"
#include "dest/gw_dest.h"
#include "dest/gw_keys.h"
#include "io/jsondump.h"
#include "io/jsonstream.h"
#include "io/output.h"
#include "net/http.h"
#include "ui/log.h"

/* ---- export ---------------------------------------------------------------- */

static int collect(void *ud, const char *id)
{
	strlist_add((struct strlist *)ud, id);
	return 0;
}

static void read_ids(FILE *fp, struct strlist *ids)
{
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, fp) >= 0) {
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		s[strcspn(s, " \t\r\n")] = '\0';
		if (*s && *s != '#')
			strlist_add(ids, s);
	}
	free(line);
}

int cmd_gateways_export(const struct invocation *inv)
{
	const struct source_ops *src = inv->src;
	struct config cfg = {0};
	char e[768];
	struct opt_scope scopes[] = {{src->name, src->options, true}};
	if (cfg_build(inv->args, scopes, 1, &cfg, e, sizeof e) < 0) {
		log_error("%s", e);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	log_set_level(cfg.o.verbose ? LOG_DEBUG : cfg.o.quiet ? LOG_ERROR : LOG_INFO);
	if (cfg.o.with_secrets && !cfg.o.output) {
		log_error("--with-secrets needs --output FILE (the secrets go to a file of mode "
			  "0600, never to standard output)");
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	struct src_gateways *g = NULL;
	struct src_err se = {0};
	if (src->gateways->open(&cfg, &g, &se) < 0) {
		log_error("%s", se.msg);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	struct out_sink o;
	if (out_open(&o, cfg.o.output, OUT_BACKUP_NONE, e, sizeof e) < 0) {
		log_error("%s", e);
		src->gateways->close(g);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	int rc = EXIT_OK;
	struct strlist ids = {0};
	for (size_t i = 0; i < inv->nitems; i++) {
		if (strcmp(inv->items[i], "-") == 0)
			read_ids(stdin, &ids);
		else
			strlist_add(&ids, inv->items[i]);
	}
	if (inv->nitems == 0 && src->gateways->list(g, collect, &ids, &se) != 0) {
		log_error("%s", se.msg);
		rc = se.config ? EXIT_USAGE : EXIT_FAILED;
	}
	size_t done = 0, failed = 0;
	for (size_t i = 0; i < ids.n && rc == EXIT_OK && !g_interrupted; i++) {
		json_t *gw = NULL;
		memset(&se, 0, sizeof se);
		if (src->gateways->export_gateway(g, strlist_get(&ids, i), &gw, &se) < 0) {
			log_error("%s", se.msg);
			failed++;
			if (se.config)
				break;
			continue;
		}
		char *line = jd_dumps(gw);
		json_object_clear(gw); /* secrets */
		json_decref(gw);
		int w = line ? out_write(&o, line, e, sizeof e) : -1;
		if (line) {
			memset(line, 0, strlen(line));
			free(line);
		}
		if (w < 0) {
			log_error("gateway %s: %s", strlist_get(&ids, i),
				  line ? e : "out of memory");
			failed++;
			break;
		}
		done++;
	}
	if (out_close(&o) < 0) {
		log_error("%s: cannot be made durable", o.path ? o.path : "output");
		rc = EXIT_FAILED;
	}
	log_info("exported %zu of %zu gateways%s, %ld requests", done, ids.n,
		 cfg.o.with_secrets ? " with their secrets" : "", http_requests_sent());
	if (failed && rc == EXIT_OK)
		rc = EXIT_FAILED;
	if (g_interrupted)
		rc = EXIT_INTERRUPTED;
	strlist_free(&ids);
	src->gateways->close(g);
	cfg_free(&cfg);
	return rc;
}

/* ---- import ---------------------------------------------------------------- */

struct gw_import {
	struct gw_dest *dest;
	struct gw_keys keys;
	size_t total, created, there, failed;
};

static void import_one(struct gw_import *r, json_t *src)
{
	char e[768];
	r->total++;
	json_t *body = gwdest_prepare(r->dest, src, e, sizeof e);
	if (!body) {
		log_error("%s", e);
		r->failed++;
		return;
	}
	gw_keys_start(&r->keys, src);
	const char *id =
	    json_string_value(json_object_get(json_object_get(body, "ids"), "gateway_id"));
	int keys = 0;
	enum gwdest_outcome oc = gwdest_import(r->dest, body, gwdest_uses_cups(r->keys.cur),
					       gw_keys_save, &r->keys, &keys, e, sizeof e);
	if (oc == GWD_FAILED) {
		log_error("%s", e);
		r->failed++;
	} else if (oc == GWD_THERE) {
		log_info("gateway %s: already at the destination (same ID and EUI)%s", id,
			 keys ? ", the keys it lacked created" : "");
		r->there++;
	} else {
		log_info("gateway %s: created under %s, %d API key%s", id, gwdest_account(r->dest),
			 keys, keys == 1 ? "" : "s");
		r->created++;
	}
	json_decref(body);
}

static void import_stream(struct gw_import *r, FILE *fp, const char *name)
{
	struct jstream s;
	jstream_init(&s, fp);
	for (;;) {
		json_t *obj = NULL;
		long line = 0;
		char e[512];
		int rc = jstream_next(&s, &obj, &line, e, sizeof e);
		if (rc == 0)
			break;
		if (rc == -2) {
			log_error("%s: %s", name, e);
			r->failed++;
			break;
		}
		if (rc < 0) {
			log_error("%s: %s", name, e);
			r->failed++;
			r->total++;
			continue;
		}
		import_one(r, obj);
		json_decref(obj);
		if (g_interrupted)
			break;
	}
	jstream_free(&s);
}

int cmd_gateways_import(const struct invocation *inv)
{
	struct config cfg = {0};
	char e[768];
	struct opt_scope scopes[] = {{"dest", dest_options, true}};
	if (cfg_build(inv->args, scopes, 1, &cfg, e, sizeof e) < 0) {
		log_error("%s", e);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	log_set_level(cfg.o.verbose ? LOG_DEBUG : cfg.o.quiet ? LOG_ERROR : LOG_INFO);
	struct gw_import r = {0};
	if (gwdest_open(&cfg, &r.dest, e, sizeof e) < 0) {
		log_error("%s", e);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	if (gw_keys_open(&r.keys, &cfg, r.dest, e, sizeof e) < 0) {
		log_error("%s", e);
		gwdest_close(r.dest);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	if (inv->nitems == 0) {
		if (isatty(STDIN_FILENO))
			log_info("reading gateways from standard input (Ctrl-D to end)");
		import_stream(&r, stdin, "stdin");
	}
	for (size_t i = 0; i < inv->nitems && !g_interrupted; i++) {
		const char *p = inv->items[i];
		FILE *fp = strcmp(p, "-") == 0 ? stdin : fopen(p, "r");
		if (!fp) {
			log_error("%s: %s", p, strerror(errno));
			r.failed++;
			continue;
		}
		import_stream(&r, fp, fp == stdin ? "stdin" : p);
		if (fp != stdin)
			fclose(fp);
	}
	log_info("gateways into %s: created %zu, already there %zu, failed %zu of %zu; %zu API "
		 "keys written to %s; %ld requests",
		 gwdest_account(r.dest), r.created, r.there, r.failed, r.total, r.keys.written,
		 r.keys.path, http_requests_sent());
	int rc = r.failed ? EXIT_FAILED : EXIT_OK;
	if (g_interrupted)
		rc = EXIT_INTERRUPTED;
	gw_keys_close(&r.keys);
	gwdest_close(r.dest);
	cfg_free(&cfg);
	return rc;
}
