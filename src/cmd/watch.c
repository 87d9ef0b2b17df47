/*
 * `watch`: has every device the journal moved been heard at the destination?
 * Reads only: GET requests, the journal without the run lock (status's way),
 * so it can run beside a migration. The decisions are migrate/arrival.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/run.h"
#include "core/jsonpath.h"
#include "dest/dest.h"
#include "dest/gw_dest.h"
#include "migrate/arrival.h"
#include "net/tts_api.h"
#include "net/tts_components.h"
#include "ui/log.h"
#include "ui/progress.h"
#include "ui/stop.h"

#define FALLBACK_POLL 60.0 /* the poll interval then */

enum wstate { W_NOT_YET, W_ARRIVED, W_GONE, W_NO_GATEWAY };
static const char *const wstate_names[] = {"not yet", "arrived", "gone", "no gateway"};

struct wdev {
	char *app, *dev;  /* the source's ids */
	char dest_id[80]; /* the destination's */
	json_t *export;
	long long src_fcnt, dst_fcnt;
	double interval; /* estimated uplink interval, 0 unknown */
	double poll;	 /* seconds between asks */
	double next;	 /* monotonic time of the next ask */
	double limit;	 /* seconds it is watched for (--wait, else 3 intervals) */
	double when;	 /* when heard (epoch), -1 unknown */
	enum wstate st;
	json_t *gateways; /* the cut-over's: the gateway ids it depends on, or NULL */
	char err[480];	  /* the last failed ask, or "" */
};

/* A gateway of the cut-over (the journal's gateways table). */
struct wgw {
	char *id;
	enum gstate jstate; /* the journal's */
	bool connected;	    /* at the destination's Gateway Server, now */
	long long uplinks;  /* its uplink_count there, -1 unknown */
	char last[40];	    /* last_uplink_received_at, or "" */
	char err[480];
};

struct watch {
	struct wdev *v;
	size_t n, cap, skipped;
	struct wgw *g;
	size_t ng;
};

static bool live(enum jstate s)
{
	return s == J_CREATED || s == J_VERIFIED || s == J_COPIED || s == J_RETIRING || s == J_HELD;
}

static int collect_cb(void *ud, const struct jdevice *d)
{
	struct watch *w = ud;
	if (!live(d->state) || !d->export) {
		w->skipped++;
		return 0;
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct wdev *v = realloc(w->v, cap * sizeof *v);
		if (!v)
			return -1;
		w->v = v;
		w->cap = cap;
	}
	struct wdev *x = &w->v[w->n++];
	memset(x, 0, sizeof *x);
	x->app = strdup(d->src_app);
	x->dev = strdup(d->src_dev);
	if (d->dest_dev)
		snprintf(x->dest_id, sizeof x->dest_id, "%s", d->dest_dev);
	x->export = json_incref(d->export);
	x->src_fcnt = arrival_fcnt(d->export);
	x->dst_fcnt = -1;
	x->interval = arrival_interval(d->export);
	x->when = -1;
	x->gateways = d->gateways ? json_incref(d->gateways) : NULL;
	return 0;
}

static int collect_gw(void *ud, const struct jgateway *g)
{
	struct watch *w = ud;
	if (g->state == G_RESTORED)
		return 0; /* put back at the source: not expected at the destination */
	struct wgw *v = realloc(w->g, (w->ng + 1) * sizeof *v);
	if (!v)
		return -1;
	w->g = v;
	struct wgw *x = &v[w->ng++];
	memset(x, 0, sizeof *x);
	x->id = strdup(g->id);
	x->jstate = g->state;
	x->uplinks = -1;
	if (g->error)
		snprintf(x->err, sizeof x->err, "%s", g->error);
	return x->id ? 0 : -1;
}

/* One ask about gateway x: its connection stats at the destination. */
static void ask_gw(struct gw_dest *gd, struct wgw *x)
{
	json_t *st = NULL;
	char e[480];
	int r = gwdest_conn_stats(gd, x->id, &st, e, sizeof e);
	if (r < 0) {
		snprintf(x->err, sizeof x->err, "%s", e);
		return;
	}
	x->connected = r == 1;
	if (st) {
		json_t *n = json_object_get(st, "uplink_count");
		/* uint64 fields are JSON strings in TTS's encoding, numbers in some tools */
		x->uplinks = json_is_integer(n)	 ? json_integer_value(n)
			     : json_is_string(n) ? strtoll(json_string_value(n), NULL, 10)
						 : 0;
		const char *t = json_string_value(json_object_get(st, "last_uplink_received_at"));
		snprintf(x->last, sizeof x->last, "%s", t ? t : "");
		json_decref(st);
	}
	if (x->connected)
		x->err[0] = 0;
}

static size_t gw_connected(const struct watch *w)
{
	size_t n = 0;
	for (size_t i = 0; i < w->ng; i++)
		n += w->g[i].connected;
	return n;
}

/* A device not heard whose gateway is not connected: "no gateway". */
static void mark_no_gateway(struct watch *w)
{
	for (size_t i = 0; i < w->n; i++) {
		struct wdev *x = &w->v[i];
		size_t k;
		json_t *id;
		if (x->st != W_NOT_YET || !x->gateways)
			continue;
		json_array_foreach(x->gateways, k, id)
		{
			for (size_t g = 0; g < w->ng; g++)
				if (json_string_value(id) &&
				    strcmp(w->g[g].id, json_string_value(id)) == 0 &&
				    !w->g[g].connected) {
					x->st = W_NO_GATEWAY;
					snprintf(
					    x->err, sizeof x->err,
					    "its gateway %s is not connected at the destination",
					    w->g[g].id);
				}
		}
	}
}

/* The id the destination knows the device by (as restore finds it). */
static void find_dest_id(struct dest *dest, const char *prefix, struct wdev *x)
{
	if (x->dest_id[0])
		return;
	char err[256];
	json_t *there = json_deep_copy(x->export);
	if (dest_prepare(dest, there, prefix && *prefix ? prefix : NULL, true, err, sizeof err) ==
	    0)
		snprintf(x->dest_id, sizeof x->dest_id, "%s",
			 json_string_value(jp_get(there, "ids.device_id")));
	json_decref(there);
	if (!x->dest_id[0])
		snprintf(x->dest_id, sizeof x->dest_id, "%s", x->dev);
}

/* One ask about x (arrival_ask). */
static void ask(struct dest *dest, struct wdev *x)
{
	double when = -1;
	int rc =
	    arrival_ask(dest, x->dest_id, x->src_fcnt, &x->dst_fcnt, &when, x->err, sizeof x->err);
	if (rc == 1) {
		x->st = W_ARRIVED;
		x->when = when;
	} else if (rc == -1) {
		x->st = W_GONE;
	}
}

static void fmt_time(double t, char *buf, size_t len)
{
	if (t < 0) {
		snprintf(buf, len, "-");
		return;
	}
	time_t s = (time_t)t;
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void fmt_fcnt(long long f, char *buf, size_t len)
{
	if (f < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld", f);
}

static size_t count(const struct watch *w, enum wstate s)
{
	size_t n = 0;
	for (size_t i = 0; i < w->n; i++)
		n += w->v[i].st == s;
	return n;
}

static void print_table(const struct watch *w, double waited)
{
	printf("%-40s %-8s %-24s %s\n", "DEVICE", "STATE", "FCNT SOURCE -> DEST", "HEARD");
	for (size_t i = 0; i < w->n; i++) {
		const struct wdev *x = &w->v[i];
		char name[200], a[24], b[24], fc[60], t[40];
		snprintf(name, sizeof name, "%s/%s", x->app, x->dev);
		fmt_fcnt(x->src_fcnt, a, sizeof a);
		fmt_fcnt(x->dst_fcnt, b, sizeof b);
		snprintf(fc, sizeof fc, "%s -> %s", a, b);
		fmt_time(x->when, t, sizeof t);
		printf("%-40s %-8s %-24s %s\n", name, wstate_names[x->st], fc, t);
		if (x->st != W_ARRIVED && x->err[0])
			printf("  %s: %s\n", name, x->err);
	}
	printf("arrived   %zu of %zu device%s (watched %.0f s)\n", count(w, W_ARRIVED), w->n,
	       w->n == 1 ? "" : "s", waited);
	if (w->skipped)
		printf("skipped   %zu device%s of the journal not at the destination\n", w->skipped,
		       w->skipped == 1 ? "" : "s");
	if (!w->ng) {
		printf("gateways  no gateways in this journal\n");
		return;
	}
	printf("\n%-40s %-10s %-12s %-10s %s\n", "GATEWAY", "STATE", "JOURNAL", "UPLINKS",
	       "LAST UPLINK");
	for (size_t i = 0; i < w->ng; i++) {
		const struct wgw *x = &w->g[i];
		char up[24];
		fmt_fcnt(x->uplinks, up, sizeof up);
		printf("%-40s %-10s %-12s %-10s %s\n", x->id,
		       x->connected ? "connected" : "not yet", gstate_name(x->jstate), up,
		       x->last[0] ? x->last : "-");
		if (!x->connected && x->err[0])
			printf("  %s: %s\n", x->id, x->err);
	}
	printf("connected %zu of %zu gateway%s at the destination\n", gw_connected(w), w->ng,
	       w->ng == 1 ? "" : "s");
}

static json_t *fcnt_json(long long f)
{
	return f < 0 ? json_null() : json_integer(f);
}

static void print_json(const struct watch *w, double waited, double limit)
{
	json_t *devs = json_array();
	for (size_t i = 0; i < w->n; i++) {
		const struct wdev *x = &w->v[i];
		char t[40];
		fmt_time(x->when, t, sizeof t);
		json_t *o =
		    json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o}", "application_id", x->app,
			      "device_id", x->dev, "destination_device_id", x->dest_id, "state",
			      wstate_names[x->st], "last_f_cnt_up_source", fcnt_json(x->src_fcnt),
			      "last_f_cnt_up_destination", fcnt_json(x->dst_fcnt), "heard_at",
			      x->when < 0 ? json_null() : json_string(t), "uplink_interval_seconds",
			      x->interval > 0 ? json_real(x->interval) : json_null());
		json_object_set_new(o, "wait_seconds", json_real(x->limit));
		if (o && x->st != W_ARRIVED && x->err[0])
			json_object_set_new(o, "error", json_string(x->err));
		json_array_append_new(devs, o);
	}
	json_t *gws = json_array();
	for (size_t i = 0; i < w->ng; i++) {
		const struct wgw *x = &w->g[i];
		json_t *o = json_pack("{s:s,s:s,s:s,s:o,s:o}", "gateway_id", x->id, "state",
				      x->connected ? "connected" : "not yet", "journal_state",
				      gstate_name(x->jstate), "uplink_count", fcnt_json(x->uplinks),
				      "last_uplink_received_at",
				      x->last[0] ? json_string(x->last) : json_null());
		if (o && !x->connected && x->err[0])
			json_object_set_new(o, "error", json_string(x->err));
		json_array_append_new(gws, o);
	}
	bool complete = count(w, W_ARRIVED) == w->n && gw_connected(w) == w->ng;
	json_t *doc = json_pack("{s:o,s:I,s:I,s:I,s:b,s:f,s:f,s:o,s:I}", "devices", devs, "arrived",
				(json_int_t)count(w, W_ARRIVED), "total", (json_int_t)w->n,
				"skipped", (json_int_t)w->skipped, "complete", complete,
				"watched_seconds", waited, "wait_seconds", limit, "gateways", gws,
				"gateways_connected", (json_int_t)gw_connected(w));
	char *s = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(doc);
}

/* Sleeps until t (monotonic) or a Ctrl-C. */
static void sleep_until(double t)
{
	while (!g_interrupted) {
		double left = t - arrival_clock();
		if (left <= 0)
			return;
		if (left > 0.2)
			left = 0.2;
		struct timespec ts = {0, (long)(left * 1e9)};
		nanosleep(&ts, NULL);
	}
}

/* Asks about each device not yet heard once per its poll interval, until it
 * is heard or gone or its own limit has passed. */
static void watch_loop(struct watch *w, struct dest *dest, struct gw_dest *gd, double gw_poll,
		       double gw_limit, double start, bool show)
{
	progress_start("watching", show);
	progress_set_total(w->n);
	double gw_next = 0;
	while (!g_interrupted) {
		double now = arrival_clock(), next = -1;
		/* The gateways first: a device whose gateway is not connected is
		 * asked anyway (it may be heard through another one). */
		if (gd && gw_connected(w) < w->ng && now <= start + gw_limit) {
			if (gw_next <= now) {
				for (size_t i = 0; i < w->ng && !g_interrupted; i++)
					if (!w->g[i].connected)
						ask_gw(gd, &w->g[i]);
				gw_next = arrival_clock() + gw_poll;
			}
			if (gw_connected(w) < w->ng)
				next = gw_next < start + gw_limit ? gw_next : start + gw_limit;
		}
		for (size_t i = 0; i < w->n && !g_interrupted; i++) {
			struct wdev *x = &w->v[i];
			if (x->st != W_NOT_YET || now > start + x->limit)
				continue;
			if (x->next <= now) {
				ask(dest, x);
				x->next = arrival_clock() + x->poll;
				progress_update(count(w, W_ARRIVED), count(w, W_GONE), x->dev);
			}
			/* The last ask falls at the limit, not after it. */
			double at = x->next < start + x->limit ? x->next : start + x->limit;
			if (x->st == W_NOT_YET && (next < 0 || at < next))
				next = at;
		}
		if (next < 0)
			break; /* every device heard, gone or past its limit */
		sleep_until(next);
	}
	progress_end();
	/* Each gateway's last figures (uplinks counted at the end). */
	for (size_t i = 0; gd && i < w->ng && !g_interrupted; i++)
		ask_gw(gd, &w->g[i]);
	mark_no_gateway(w);
}

int cmd_watch(const struct invocation *inv)
{
	struct config cfg = {0};
	char e[512];
	struct journal *j = NULL;
	struct dest *dest = NULL;
	struct gw_dest *gd = NULL;
	struct watch w = {0};
	char *path = NULL, *prefix = NULL;
	int rc = EXIT_FAILED;
	struct opt_scope scopes[] = {{"dest", dest_options, true}};
	if (inv->nitems) {
		log_error("watch: takes no arguments (the devices are the journal's)");
		return EXIT_USAGE;
	}
	if (cfg_build(inv->args, scopes, 1, &cfg, e, sizeof e) < 0) {
		log_error("%s", e);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	run_set_level(&cfg);
	const char *format = cfg.o.format ? cfg.o.format : "table";
	bool json = strcmp(format, "json") == 0;
	if (!json && strcmp(format, "table") != 0) {
		log_error("--format %s: expected table or json", format);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	if (cfg.o.wait < 0 || cfg.o.interval < 0) {
		log_error("--wait and --interval take a number of seconds");
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	if (dest_open(&cfg, "dest", NULL, &dest, e, sizeof e) < 0) {
		log_error("%s", e);
		cfg_free(&cfg);
		return EXIT_USAGE;
	}
	/* No run lock: a migration may be going on (status's way). */
	path = migration_journal_path(cfg.o.journal, e, sizeof e);
	if (!path) {
		log_error("%s", e);
		goto done;
	}
	if (run_journal_exists(path) < 0)
		goto done;
	if (journal_open(path, false, &j, e, sizeof e) < 0) {
		log_error("%s", e);
		goto done;
	}
	if (journal_each(j, false, true, collect_cb, &w) < 0) {
		log_error("journal %s: cannot be read: %s", path, journal_errmsg(j));
		goto done;
	}
	if (journal_gw_each(j, collect_gw, &w) < 0) {
		log_error("journal %s: its gateways cannot be read: %s", path, journal_errmsg(j));
		goto done;
	}
	if (w.ng && gwdest_open_reader(&cfg, &gd, e, sizeof e) < 0) {
		log_error("watch: the journal's gateways: %s", e);
		rc = EXIT_USAGE;
		goto done;
	}
	prefix = journal_meta_get(j, "prefix");
	double longest = 0;
	for (size_t i = 0; i < w.n; i++) {
		struct wdev *x = &w.v[i];
		find_dest_id(dest, prefix, x);
		double iv = x->interval > 0 ? x->interval : ARRIVAL_FALLBACK_INTERVAL;
		if (iv > longest)
			longest = iv;
		x->limit = cfg.o.wait > 0 ? (double)cfg.o.wait : 3 * iv;
		x->poll = cfg.o.interval > 0 ? (double)cfg.o.interval
			  : x->interval > 0  ? x->interval
					     : FALLBACK_POLL;
	}
	double limit = cfg.o.wait > 0 ? (double)cfg.o.wait : 3 * longest;
	if (w.n == 0)
		limit = 0;
	if (w.n == 0 && w.ng)
		limit = cfg.o.wait > 0 ? (double)cfg.o.wait : 0;
	if (w.n == 0)
		log_info("journal %s: no device of it is at the destination", path);
	else
		log_info("watching %zu device%s%s for up to %.0f s", w.n, w.n == 1 ? "" : "s",
			 w.ng ? " and the journal's gateways" : "", limit);
	double start = arrival_clock();
	double gw_poll = cfg.o.interval > 0 ? (double)cfg.o.interval : 10;
	watch_loop(&w, dest, gd, gw_poll, limit, start, !cfg.o.quiet && !cfg.o.verbose && !json);
	double waited = arrival_clock() - start;
	if (json)
		print_json(&w, waited, limit);
	else
		print_table(&w, waited);
	rc = g_interrupted					       ? EXIT_INTERRUPTED
	     : count(&w, W_ARRIVED) == w.n && gw_connected(&w) == w.ng ? EXIT_OK
								       : EXIT_FAILED;
done:
	for (size_t i = 0; i < w.n; i++) {
		free(w.v[i].app);
		free(w.v[i].dev);
		json_decref(w.v[i].export);
		json_decref(w.v[i].gateways);
	}
	free(w.v);
	for (size_t i = 0; i < w.ng; i++)
		free(w.g[i].id);
	free(w.g);
	gwdest_close(gd);
	free(prefix);
	journal_close(j);
	free(path);
	dest_close(dest);
	cfg_free(&cfg);
	return rc;
}
