/*
 * `SOURCE gateways switch GATEWAY-ID...` (issue 14): moves Basic Station
 * gateways that use the source's CUPS to the destination without touching
 * them, by the documented "Procedure A" (shared/spec/gateways.md §3.2):
 *
 *   1. check, changing nothing: the gateway uses the source's CUPS
 *      (attributes.cups-last-seen), target_cups_uri and target_cups_key are
 *      empty (else CUPS sends no LNS, §3.1), at most 6 attributes besides
 *      cups-* (CUPS writes 4 and fails above 10), and the destination has
 *      the gateway with its LNS key (gateways import made it);
 *   2. record the source's LNS settings and its LINK keys in the switch
 *      record (0600, fsync'ed) before anything changes;
 *   3. at the source: gateway_server_address = the destination's Gateway
 *      Server, lbs_lns_secret = the destination LNS key, and LINK taken from
 *      the source keys that had it, so that the gateway's next LNS connection
 *      is refused and it asks CUPS now (§3.2 step 3);
 *   4. wait (--gateway-timeout) until the destination's Gateway Server has it
 *      connected, a connection newer than any it had before.
 *
 * --undo puts the recorded settings back and takes LINK from the destination
 * LNS key, so that the gateway returns to the source the same way. The
 * source registration and its CUPS key must stay (§3.2 step 6): nothing here
 * deletes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/lorawan.h"
#include "core/strbuf.h"
#include "dest/dest.h"
#include "dest/gw_dest.h"
#include "dest/gw_switch.h"
#include "io/jsondump.h"
#include "io/output.h"
#include "net/http.h"
#include "ui/log.h"
#include "ui/stop.h"

struct sw {
	const struct src_gateway_ops *ops;
	struct src_gateways *src;
	struct gw_dest *dest;
	const char *record;
	long timeout;
	bool plan;
	size_t total, switched, connected, timed_out, failed, already;
};

/* Appends {"gateway_id","recorded_at","state"} to the record, durably. */
static int record(const char *path, const char *id, const json_t *state, char *err, size_t errlen)
{
	int fd =
	    out_open_private(path, O_WRONLY | O_CREAT | O_APPEND, "--switch-record", err, errlen);
	if (fd < 0)
		return -1;
	char when[32];
	time_t now = time(NULL);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_t *line =
	    json_pack("{s:s,s:s,s:O}", "gateway_id", id, "recorded_at", when, "state", state);
	char *s = jd_dumps(line);
	json_decref(line);
	int rc = -1;
	if (s) {
		size_t n = strlen(s);
		rc = out_write_all(fd, s, n) == 0 && out_write_all(fd, "\n", 1) == 0 &&
			     fsync(fd) == 0
			 ? 0
			 : -1;
		memset(s, 0, n);
		free(s);
	}
	if (rc < 0)
		snprintf(err, errlen, "--switch-record %s: %s", path, strerror(errno));
	close(fd);
	if (rc == 0)
		out_fsync_dir_of(path);
	return rc;
}

/* The first record of gateway id (what the source had before any switch),
 * or NULL. */
static json_t *recorded(const char *path, const char *id, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "--switch-record %s: %s", path, strerror(errno));
		return NULL;
	}
	char *line = NULL;
	size_t cap = 0;
	json_t *found = NULL;
	while (!found && getline(&line, &cap, f) >= 0) {
		json_t *j = json_loads(line, 0, NULL);
		const char *gid = json_string_value(json_object_get(j, "gateway_id"));
		if (gid && strcmp(gid, id) == 0 && json_is_object(json_object_get(j, "state")))
			found = json_incref(json_object_get(j, "state"));
		json_decref(j);
	}
	if (line)
		memset(line, 0, cap);
	free(line);
	fclose(f);
	if (!found)
		snprintf(err, errlen, "gateway %s: not in the switch record %s", id, path);
	return found;
}

/* 1 connected at the destination with a connection newer than before, 0
 * timed out (or interrupted), -1 error. */
static int wait_connected(struct sw *r, const char *id, const char *before)
{
	char e[600];
	int c = gw_switch_wait(r->dest, id, before, r->timeout, e, sizeof e);
	if (c < 0)
		log_error("%s", e);
	return c;
}

static void switch_one(struct sw *r, const char *id)
{
	struct src_err se = {0};
	char e[768], why[160];
	json_t *st = NULL;
	char *addr = NULL, *key = NULL, *before = NULL;
	r->total++;
	if (r->ops->lns_read(r->src, id, &st, &se) < 0) {
		log_error("%s", se.msg);
		r->failed++;
		return;
	}
	const char *no = gw_switch_refusal(st, why, sizeof why);
	if (no) {
		log_error("gateway %s: not switched: %s", id, no);
		r->failed++;
		goto out;
	}
	if (gwdest_lns_of(r->dest, id, &addr, &key, e, sizeof e) < 0) {
		log_error("%s", e);
		r->failed++;
		goto out;
	}
	log_add_secret(key);
	size_t nlink = json_array_size(json_object_get(st, "link_keys"));
	const char *cur = json_string_value(json_object_get(st, "gateway_server_address"));
	bool done = cur && strcmp(cur, addr) == 0 && nlink == 0;
	if (r->plan) {
		log_info("gateway %s: %s", id,
			 done ? "already pointed at the destination" : "would be switched");
		printf("gateway %s: CUPS at the source points it at %s (now %s)%s\n", id, addr,
		       cur && *cur ? cur : "nothing",
		       nlink ? "; LINK is taken from its source LNS key" : "");
		r->switched++;
		goto out;
	}
	if (gwdest_connected(r->dest, id, &before, e, sizeof e) < 0) {
		log_error("%s", e);
		r->failed++;
		goto out;
	}
	if (done) {
		/* Switched before: any connection at the destination counts. */
		r->already++;
		free(before);
		before = NULL;
	} else {
		/* What the source had goes to disk before it changes. */
		if (record(r->record, id, st, e, sizeof e) < 0) {
			log_error("gateway %s: not switched: %s", id, e);
			r->failed++;
			goto out;
		}
		if (r->ops->lns_point(r->src, id, addr, key, st, &se) < 0) {
			log_error("%s (the source's settings are in %s; --undo puts them back)",
				  se.msg, r->record);
			r->failed++;
			goto out;
		}
		if (!nlink)
			log_warn("gateway %s: no source API key has LINK: the gateway asks CUPS "
				 "only at its daily check or a reboot",
				 id);
		r->switched++;
		log_info("gateway %s: the source's CUPS now hands it %s", id, addr);
	}
	if (r->timeout <= 0)
		goto out;
	int c = wait_connected(r, id, before);
	if (c > 0) {
		log_info("gateway %s: connected to the destination's Gateway Server", id);
		r->connected++;
	} else if (c == 0) {
		log_error(
		    "gateway %s: not connected to the destination after %ld s: it connects "
		    "when it next asks its CUPS (at the latest at its daily check, or after a "
		    "reboot); `gateways switch --undo %s` sends it back",
		    id, r->timeout, id);
		r->timed_out++;
	} else {
		r->failed++;
	}
out:
	if (key)
		memset(key, 0, strlen(key));
	free(key);
	free(addr);
	free(before);
	json_decref(st);
}

static void undo_one(struct sw *r, const char *id)
{
	struct src_err se = {0};
	char e[768];
	r->total++;
	json_t *st = recorded(r->record, id, e, sizeof e);
	if (!st) {
		log_error("%s", e);
		r->failed++;
		return;
	}
	if (r->plan) {
		printf("gateway %s: its LNS at the source back to %s; LINK taken from its "
		       "destination LNS key\n",
		       id, json_string_value(json_object_get(st, "gateway_server_address")));
		r->switched++;
	} else if (r->ops->lns_restore(r->src, id, st, &se) < 0) {
		log_error("%s", se.msg);
		r->failed++;
	} else if (gwdest_lns_revoke(r->dest, id, e, sizeof e) < 0) {
		log_error("%s (the source's settings are back)", e);
		r->failed++;
	} else {
		log_info("gateway %s: the source's CUPS hands it its source LNS again; its "
			 "destination key lost LINK, so it asks CUPS at its next connection",
			 id);
		r->switched++;
	}
	json_decref(st);
}

int cmd_gateways_switch(const struct invocation *inv)
{
	const struct source_ops *src = inv->src;
	struct config cfg = {0};
	char e[768];
	struct opt_scope scopes[] = {{src->name, src->options, true},
				     {"dest", dest_options, false}};
	if (cfg_build(inv->args, scopes, 2, &cfg, e, sizeof e) < 0) {
		log_error("%s", e);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	log_set_level(cfg.o.verbose ? LOG_DEBUG : cfg.o.quiet ? LOG_ERROR : LOG_INFO);
	struct sw r = {.ops = src->gateways, .timeout = cfg.o.gateway_timeout, .plan = cfg.o.plan};
	int rc = EXIT_USAGE;
	char *path = NULL;
	if (!inv->nitems) {
		log_error("gateways switch: name the gateways (GATEWAY-ID...)");
		goto done;
	}
	if (r.timeout < 0 || r.timeout > 7 * 86400) {
		log_error("--gateway-timeout: 0 to 604800 seconds");
		goto done;
	}
	path = cfg.o.switch_record ? strdup(cfg.o.switch_record) : NULL;
	if (!path) {
		char *dir = out_state_dir(e, sizeof e);
		if (!dir) {
			log_error("%s", e);
			goto done;
		}
		size_t n = strlen(dir) + 32;
		if ((path = malloc(n)))
			snprintf(path, n, "%s/gateway-switch.jsonl", dir);
		free(dir);
	}
	r.record = path;
	struct src_err se = {0};
	if (r.ops->open(&cfg, &r.src, &se) < 0) {
		log_error("%s", se.msg);
		goto done;
	}
	if (gwdest_open(&cfg, &r.dest, e, sizeof e) < 0) {
		log_error("%s", e);
		goto done;
	}
	for (size_t i = 0; i < inv->nitems && !g_interrupted; i++) {
		if (cfg.o.undo)
			undo_one(&r, inv->items[i]);
		else
			switch_one(&r, inv->items[i]);
	}
	if (cfg.o.undo || r.plan)
		log_info("gateways: %s %zu, failed %zu of %zu; %ld requests",
			 r.plan ? "would change" : "sent back", r.switched, r.failed, r.total,
			 http_requests_sent());
	else
		log_info("gateways: switched %zu (already %zu), connected at the destination %zu, "
			 "not yet %zu, failed %zu of %zu; %ld requests",
			 r.switched, r.already, r.connected, r.timed_out, r.failed, r.total,
			 http_requests_sent());
	rc = r.failed || r.timed_out ? EXIT_FAILED : EXIT_OK;
	if (g_interrupted)
		rc = EXIT_INTERRUPTED;
done:
	if (r.src)
		r.ops->close(r.src);
	gwdest_close(r.dest);
	free(path);
	cfg_free(&cfg);
	return rc;
}
