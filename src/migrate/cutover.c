/*
 * The cut-over (--to-dest --with-gateways, issue 14), after the devices'
 * steps have left each moved device held (create_first.c): verified at the
 * destination, frozen and intact at the source. Then:
 *
 *   1. gateways (journal.h: planned → created → switching → switched →
 *      connected), one at a time, each step journaled before the next:
 *      registered at the destination with their keys (gw_dest.c, the keys
 *      file written once); switched: a Basic Station gateway that uses the
 *      source's CUPS by Procedure A (its source settings recorded in the
 *      journal first), any other one by the operator, told exactly what to
 *      change; then all of them waited for together (--gateway-timeout) until
 *      the destination's Gateway Server has each connected;
 *   2. devices: a held device whose gateways are all connected is watched
 *      (--wait, else 3 uplink intervals) until the destination has heard it,
 *      and only then deleted at the source (--keep-source: left frozen).
 *
 * Why this order (the issue's, against gateways.md §8's P4 delete-then-
 * import): from the create on, both networks know the device, only the
 * destination may send it downlinks (the source is frozen), and whichever
 * network its gateway is connected to accepts its uplinks. So no uplink is
 * lost while a gateway moves, and the source copy goes only once an uplink
 * has proven the destination copy works. A gateway that does not connect
 * leaves its devices held: nothing is lost, `resume` tries again, `restore`
 * sends devices and gateways back.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonpath.h"
#include "core/pool.h"
#include "core/strbuf.h"
#include "core/strlist.h"
#include "dest/gw_dest.h"
#include "dest/gw_keys.h"
#include "dest/gw_switch.h"
#include "migrate/arrival.h"
#include "migrate/cutover.h"
#include "ui/log.h"
#include "ui/progress.h"
#include "ui/stop.h"

struct cut {
	struct migration *m;
	const struct config *cfg;
	const struct src_gateway_ops *ops;
	struct src_gateways *src;
	struct gw_dest *dest;
	struct gw_keys keys;
	bool keys_open;
	int threads; /* --concurrency: held devices asked and released at once */
	size_t gw_total, gw_connected, gw_failed;
};

static int gw_fail(struct cut *c, const char *id, const char *msg)
{
	log_error("gateway %s: %s; its devices stay frozen at the source and live at the "
		  "destination ('ttn-lw-migrate resume' tries again, 'restore' sends them back)",
		  id, msg);
	journal_gw_fail(c->m->journal, id, msg);
	c->gw_failed++;
	return -1;
}

static int gw_move(struct cut *c, const char *id, enum gstate from, enum gstate to,
		   const struct gwrite *w)
{
	int rc = journal_gw_move(c->m->journal, id, from, to, w);
	if (rc == 0)
		return 0;
	log_error("gateway %s: journal: cannot record %s (%s)", id, gstate_name(to),
		  rc == JOURNAL_CONFLICT ? "changed by another process" : "write failed");
	migration_stop(c->m, "the journal cannot be written");
	c->gw_failed++;
	return -1;
}

/* planned → created: registered at the destination, with its keys. */
static int gw_create(struct cut *c, const char *id)
{
	struct src_err se = {0};
	char e[768];
	json_t *gw = NULL;
	if (c->ops->export_gateway(c->src, id, &gw, &se) < 0)
		return gw_fail(c, id, se.msg);
	json_t *body = gwdest_prepare(c->dest, gw, e, sizeof e);
	if (!body) {
		json_decref(gw);
		return gw_fail(c, id, e);
	}
	/* Whether this run registers it is decided, and recorded, before the
	 * create: restore deletes at the destination only what this run made,
	 * also after a kill between the create and its journal row. */
	int ex = gwdest_exists(c->dest, id, e, sizeof e);
	if (ex < 0 || (ex == 0 && gw_move(c, id, G_PLANNED, G_PLANNED,
					  &(struct gwrite){.created = true}) < 0)) {
		json_decref(body);
		json_decref(gw);
		return ex < 0 ? gw_fail(c, id, e) : -1;
	}
	gw_keys_start(&c->keys, gw);
	const json_t *cur = c->keys.cur;
	const char *proto = gwdest_uses_cups(cur) ? "cups" : gwdest_uses_udp(cur) ? "udp" : "other";
	int keys = 0;
	enum gwdest_outcome oc = gwdest_import(c->dest, body, strcmp(proto, "cups") == 0,
					       gw_keys_save, &c->keys, &keys, e, sizeof e);
	json_decref(body);
	json_decref(gw);
	if (oc == GWD_FAILED)
		return gw_fail(c, id, e);
	log_info("gateway %s: %s under %s, %d API key%s written to %s", id,
		 oc == GWD_CREATED ? "created" : "already there", gwdest_account(c->dest), keys,
		 keys == 1 ? "" : "s", c->keys.path);
	return gw_move(c, id, G_PLANNED, G_CREATED, &(struct gwrite){.protocol = proto});
}

/* What the operator changes on a gateway the tool cannot switch. */
static void instruct(struct cut *c, const char *id, const char *proto, const char *why)
{
	const char *host = gwdest_server_address(c->dest);
	if (strcmp(proto, "udp") == 0)
		printf("gateway %s (Semtech UDP): on the gateway, set server_address to %s, "
		       "serv_port_up and serv_port_down to 1700 (global_conf.json or "
		       "local_conf.json; %s has the lines), then restart its packet forwarder\n",
		       id, host, c->keys.path);
	else
		printf("gateway %s%s%s: on the gateway, set its LNS to wss://%s:8887 (tc.uri) with "
		       "the LNS key of %s (tc.key), then restart it\n",
		       id, why ? ", not by CUPS: " : "", why ? why : "", host, c->keys.path);
	fflush(stdout);
}

/* created → switching → switched. */
static int gw_switch(struct cut *c, const struct jgateway *g)
{
	struct src_err se = {0};
	char e[768], why[160];
	const char *id = g->id;
	const char *proto = g->protocol ? g->protocol : "other";
	json_t *st = g->record ? json_incref(g->record) : NULL;
	const char *refused = NULL;
	int rc = -1;
	char *addr = NULL, *key = NULL;
	if (g->state == G_CREATED) {
		char *before = NULL;
		if (gwdest_connected(c->dest, id, &before, e, sizeof e) < 0) {
			rc = gw_fail(c, id, e);
			goto out;
		}
		if (strcmp(proto, "cups") == 0 && c->ops->lns_read) {
			if (c->ops->lns_read(c->src, id, &st, &se) < 0) {
				free(before);
				rc = gw_fail(c, id, se.msg);
				goto out;
			}
			refused = gw_switch_refusal(st, why, sizeof why);
		}
		if (before)
			log_info("gateway %s: already connected at the destination (since %s)", id,
				 before);
		/* What the source had goes to disk before it changes. */
		int mv = gw_move(c, id, G_CREATED, G_SWITCHING,
				 &(struct gwrite){.record = refused ? NULL : st,
						  .since = before ? before : "",
						  .protocol = refused ? "other" : NULL});
		free(before);
		if (mv < 0)
			goto out;
		if (refused) {
			json_decref(st);
			st = NULL;
			proto = "other";
		}
	}
	if (st && strcmp(proto, "cups") == 0) {
		if (gwdest_lns_of(c->dest, id, &addr, &key, e, sizeof e) < 0) {
			rc = gw_fail(c, id, e);
			goto out;
		}
		log_add_secret(key);
		if (c->ops->lns_point(c->src, id, addr, key, st, &se) < 0) {
			rc = gw_fail(c, id, se.msg);
			goto out;
		}
		log_info("gateway %s: the source's CUPS now hands it %s (Procedure A)", id, addr);
	} else {
		instruct(c, id, proto, refused);
	}
	rc = gw_move(c, id, G_SWITCHING, G_SWITCHED, NULL);
out:
	if (key)
		memset(key, 0, strlen(key));
	free(key);
	free(addr);
	json_decref(st);
	return rc;
}

struct gwlist {
	struct strlist ids;
};

static int gw_collect(void *ud, const struct jgateway *g)
{
	return strlist_add(&((struct gwlist *)ud)->ids, g->id);
}

/* switched → connected, all of them together, up to --gateway-timeout. */
static void gw_wait_all(struct cut *c, const struct strlist *ids)
{
	long timeout = c->cfg->o.gateway_timeout;
	double end = arrival_clock() + (double)timeout;
	size_t n = ids->n;
	bool *done = calloc(n ? n : 1, sizeof *done);
	size_t left = 0;
	if (!done)
		return;
	for (size_t i = 0; i < n; i++) {
		struct jgateway g;
		if (journal_gw_get(c->m->journal, strlist_get(ids, i), &g) == 1) {
			done[i] = g.state != G_SWITCHED;
			jgateway_free(&g);
		} else {
			done[i] = true;
		}
		left += !done[i];
	}
	if (left)
		log_info("waiting up to %ld s for %zu gateway%s to connect to the destination's "
			 "Gateway Server",
			 timeout, left, left == 1 ? "" : "s");
	while (left && !migration_stopped(c->m)) {
		for (size_t i = 0; i < n; i++) {
			if (done[i])
				continue;
			const char *id = strlist_get(ids, i);
			struct jgateway g;
			char e[600];
			if (journal_gw_get(c->m->journal, id, &g) != 1)
				continue;
			/* Any connection counts, also one older than the switch (the
			 * operator was quicker): a device still leaves the source only
			 * once the destination has heard it. */
			int r = gw_switch_connected(c->dest, id, NULL, e, sizeof e);
			jgateway_free(&g);
			if (r < 0) {
				log_warn("%s", e);
				continue;
			}
			if (r == 1) {
				if (gw_move(c, id, G_SWITCHED, G_CONNECTED, NULL) == 0)
					log_info(
					    "gateway %s: connected to the destination's Gateway "
					    "Server",
					    id);
				done[i] = true;
				left--;
			}
		}
		if (!left || arrival_clock() >= end || !stop_sleep_ms(1000))
			break;
	}
	for (size_t i = 0; i < n && !migration_stopped(c->m); i++) {
		if (done[i])
			continue;
		char msg[300];
		snprintf(msg, sizeof msg, "not connected to the destination after %ld s", timeout);
		gw_fail(c, strlist_get(ids, i), msg);
	}
	free(done);
}

static int gw_phase(struct cut *c)
{
	struct gwlist l = {0};
	if (journal_gw_each(c->m->journal, gw_collect, &l) < 0) {
		log_error("journal: cannot read the gateways: %s", journal_errmsg(c->m->journal));
		strlist_free(&l.ids);
		return -1;
	}
	c->gw_total = l.ids.n;
	if (l.ids.n == 0)
		log_info("cut-over: no gateway of the source key heard the moved devices (none to "
			 "move)");
	for (size_t i = 0; i < l.ids.n && !migration_stopped(c->m); i++) {
		const char *id = strlist_get(&l.ids, i);
		struct jgateway g;
		if (journal_gw_get(c->m->journal, id, &g) != 1)
			continue;
		if (g.state == G_PLANNED && gw_create(c, id) == 0) {
			jgateway_free(&g);
			if (journal_gw_get(c->m->journal, id, &g) != 1)
				continue;
		}
		if (g.state == G_CREATED || g.state == G_SWITCHING)
			gw_switch(c, &g);
		jgateway_free(&g);
	}
	if (!migration_stopped(c->m))
		gw_wait_all(c, &l.ids);
	for (size_t i = 0; i < l.ids.n; i++) {
		struct jgateway g;
		if (journal_gw_get(c->m->journal, strlist_get(&l.ids, i), &g) == 1) {
			c->gw_connected += g.state == G_CONNECTED || g.state == G_SOURCE_DELETED;
			jgateway_free(&g);
		}
	}
	strlist_free(&l.ids);
	return 0;
}

/* ---- the held devices ----------------------------------------------------- */

struct held {
	char *app, *dev, *dest_id;
	json_t *export, *gateways;
	long long fcnt;
	double limit, poll, next;
	int st; /* 0 watching, 1 heard, -1 given up, 2 waits for a gateway, 3 release failed */
	char err[480];
};

struct heldlist {
	struct held *v;
	size_t n, cap;
};

static int held_collect(void *ud, const struct jdevice *d)
{
	struct heldlist *l = ud;
	if (d->state != J_HELD || !d->export)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct held *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	struct held *h = &l->v[l->n++];
	memset(h, 0, sizeof *h);
	h->app = strdup(d->src_app);
	h->dev = strdup(d->src_dev);
	h->dest_id = strdup(d->dest_dev ? d->dest_dev : d->src_dev);
	h->export = json_incref(d->export);
	h->gateways = d->gateways ? json_incref(d->gateways) : json_array();
	h->fcnt = arrival_fcnt(d->export);
	return 0;
}

/* The first gateway of h that is not connected at the destination, or NULL. */
static const char *waits_for(struct cut *c, const struct held *h)
{
	size_t i;
	json_t *g;
	json_array_foreach(h->gateways, i, g)
	{
		struct jgateway jg;
		const char *id = json_string_value(g);
		if (!id || journal_gw_get(c->m->journal, id, &jg) != 1)
			return id ? id : "?";
		bool up = jg.state == G_CONNECTED || jg.state == G_SOURCE_DELETED;
		jgateway_free(&jg);
		if (!up)
			return id;
	}
	return NULL;
}

/* Heard at the destination: the source copy goes (or stays frozen). */
static int release(struct cut *c, struct held *h)
{
	struct migration *m = c->m;
	if (m->keep_source) {
		if (migration_move(m, h->app, h->dev, J_HELD, J_VERIFIED, NULL,
				   "the arrival at the destination") < 0)
			return -1;
		migration_bump(m, &m->done);
		return 0;
	}
	if (migration_move(m, h->app, h->dev, J_HELD, J_RETIRING, NULL,
			   "the arrival at the destination") < 0)
		return -1;
	/* The create-first order's own last step: the delete at the source
	 * (a failure is journaled there, the device left retiring). */
	return migrate_create_first(m, h->app, h->dev, J_RETIRING, json_incref(h->export), NULL);
}

/* One poll round over the held devices due now, on c->threads workers:
 * each asks the destination about its device and, once it is heard,
 * releases it; deletes of devices released together share batches (tts.c's
 * journaled retire waits briefly for company). */
struct round {
	struct cut *c;
	struct held **due;
	size_t n, i;
	pthread_mutex_t mu; /* guards heard */
	size_t heard;
};

static void *round_next(void *ud)
{
	struct round *r = ud;
	return r->i < r->n && !migration_stopped(r->c->m) ? r->due[r->i++] : NULL;
}

static void round_work(void *ud, void *item)
{
	struct round *r = ud;
	struct held *h = item;
	long long dst = -1;
	double when;
	int rc =
	    arrival_ask(r->c->m->dest, h->dest_id, h->fcnt, &dst, &when, h->err, sizeof h->err);
	h->next = arrival_clock() + h->poll;
	if (rc < 0) {
		h->st = -1;
		return;
	}
	if (rc == 0)
		return;
	h->st = 1;
	pthread_mutex_lock(&r->mu);
	size_t n = ++r->heard;
	pthread_mutex_unlock(&r->mu);
	progress_update(n, 0, h->dev);
	if (release(r->c, h) < 0)
		h->st = 3; /* heard, but its release failed (journaled, logged) */
}

static void dev_phase(struct cut *c, size_t *held_left)
{
	struct migration *m = c->m;
	struct heldlist l = {0};
	if (journal_each(m->journal, true, true, held_collect, &l) < 0) {
		log_error("journal: cannot read the held devices: %s", journal_errmsg(m->journal));
		*held_left = 1;
		return;
	}
	double start = arrival_clock();
	size_t watching = 0;
	for (size_t i = 0; i < l.n; i++) {
		struct held *h = &l.v[i];
		const char *gw = waits_for(c, h);
		if (gw) {
			h->st = 2;
			snprintf(h->err, sizeof h->err,
				 "its gateway %s is not connected at the "
				 "destination",
				 gw);
			continue;
		}
		double iv = arrival_interval(h->export);
		if (iv <= 0)
			iv = ARRIVAL_FALLBACK_INTERVAL;
		h->limit = c->cfg->o.wait > 0 ? (double)c->cfg->o.wait : 3 * iv;
		h->poll = c->cfg->o.interval > 0 ? (double)c->cfg->o.interval : iv < 60 ? iv : 60;
		watching++;
	}
	if (watching)
		log_info("cut-over: watching %zu device%s until each is heard at the destination, "
			 "then %s",
			 watching, watching == 1 ? "" : "s",
			 m->keep_source ? "leaving it frozen at the source"
					: "deleting it at the source");
	progress_start("heard", !c->cfg->o.quiet && !c->cfg->o.verbose);
	progress_set_total(watching);
	struct round r = {.c = c, .due = calloc(l.n ? l.n : 1, sizeof(struct held *))};
	pthread_mutex_init(&r.mu, NULL);
	while (r.due && !migration_stopped(m)) {
		/* The devices due now, asked (and released) by the workers. */
		double now = arrival_clock(), next = -1;
		r.n = r.i = 0;
		for (size_t i = 0; i < l.n; i++) {
			struct held *h = &l.v[i];
			if (h->st == 0 && now > start + h->limit)
				h->st = -1;
			else if (h->st == 0 && h->next <= now)
				r.due[r.n++] = h;
		}
		if (r.n)
			pool_run(r.n < (size_t)c->threads ? (int)r.n : c->threads, round_next,
				 round_work, &r);
		for (size_t i = 0; i < l.n; i++) {
			struct held *h = &l.v[i];
			if (h->st != 0)
				continue;
			double at = h->next < start + h->limit ? h->next : start + h->limit;
			if (next < 0 || at < next)
				next = at;
		}
		if (next < 0)
			break;
		while (!g_interrupted && arrival_clock() < next)
			stop_sleep_ms(100);
	}
	pthread_mutex_destroy(&r.mu);
	free(r.due);
	progress_end();
	*held_left = 0;
	for (size_t i = 0; i < l.n; i++) {
		struct held *h = &l.v[i];
		if (h->st == 3) {
			(*held_left)++; /* its own step logged and journaled why */
		} else if (h->st != 1) {
			char msg[800];
			if (h->st == 2)
				snprintf(msg, sizeof msg, "%s", h->err);
			else
				snprintf(msg, sizeof msg,
					 "not heard at the destination within %.0f s%s%s", h->limit,
					 h->err[0] ? ": " : "", h->err);
			if (!migration_stopped(m)) {
				log_error(
				    "device \"%s\": held: %s; it stays frozen at the source "
				    "and live at the destination ('ttn-lw-migrate resume' "
				    "tries again, 'restore --from-destination' sends it back)",
				    h->dev, msg);
				journal_fail(m->journal, h->app, h->dev, msg);
			}
			(*held_left)++;
		}
		free(h->app);
		free(h->dev);
		free(h->dest_id);
		json_decref(h->export);
		json_decref(h->gateways);
	}
	free(l.v);
}

/* ---- --delete-source-gateways ---------------------------------------------- */

struct users {
	const char *id;
	bool keep_source;
	size_t left; /* devices depending on it not yet gone from the source */
};

static int count_users(void *ud, const struct jdevice *d)
{
	struct users *u = ud;
	size_t i;
	json_t *g;
	/* Gone from the source: verified and deleted there. A restored device
	 * is back there; with --keep-source a verified one stays there frozen,
	 * the way back if the destination fails it. */
	bool gone = d->state == J_VERIFIED && !u->keep_source;
	if (gone || !d->gateways)
		return 0;
	json_array_foreach(d->gateways, i, g)
	{
		if (json_string_value(g) && strcmp(json_string_value(g), u->id) == 0)
			u->left++;
	}
	return 0;
}

/* A connected gateway none of whose devices is still held goes from the
 * source; one moved by Procedure A never does (it keeps asking the
 * source's CUPS). -1 when one was refused or failed. */
static int delete_sources(struct cut *c)
{
	struct gwlist l = {0};
	int rc = 0;
	if (!c->ops->delete_gateway) {
		log_error("--delete-source-gateways: the source cannot delete gateways");
		return -1;
	}
	if (journal_gw_each(c->m->journal, gw_collect, &l) < 0) {
		log_error("--delete-source-gateways: journal: cannot read the gateways: %s",
			  journal_errmsg(c->m->journal));
		strlist_free(&l.ids);
		return -1;
	}
	for (size_t i = 0; i < l.ids.n && !migration_stopped(c->m); i++) {
		const char *id = strlist_get(&l.ids, i);
		struct jgateway g;
		struct src_err se = {0};
		if (journal_gw_get(c->m->journal, id, &g) != 1)
			continue;
		bool cups = g.protocol && strcmp(g.protocol, "cups") == 0;
		enum gstate st = g.state;
		jgateway_free(&g);
		/* source-deleted: recorded before the delete, which a resume
		 * repeats (a gone gateway is done). */
		if (st != G_CONNECTED && st != G_SOURCE_DELETED)
			continue;
		/* Also a Basic Station whose Procedure A was refused (switched by
		 * hand) may still ask the source's CUPS: its source says so. */
		json_t *src_gw = NULL;
		if (!cups && c->ops->export_gateway(c->src, id, &src_gw, &se) == 0)
			cups = gwdest_uses_cups(src_gw);
		json_decref(src_gw);
		if (cups && st == G_CONNECTED) {
			log_error(
			    "gateway %s: not deleted at the source (--delete-source-gateways): "
			    "it was moved by the source's CUPS and asks that CUPS at every "
			    "start, so its source registration and CUPS key must stay; to "
			    "delete it, first point the gateway's cups.uri at the destination "
			    "(the keys file has its cups.key)",
			    id);
			rc = -1;
			continue;
		}
		struct users u = {.id = id, .keep_source = c->m->keep_source};
		if (st == G_CONNECTED &&
		    journal_each(c->m->journal, false, false, count_users, &u) < 0) {
			log_error("gateway %s: journal: cannot read its devices: %s", id,
				  journal_errmsg(c->m->journal));
			rc = -1;
			continue;
		}
		if (u.left) {
			log_warn("gateway %s: kept at the source: %zu of its devices are still "
				 "there",
				 id, u.left);
			continue;
		}
		if (st == G_CONNECTED && gw_move(c, id, G_CONNECTED, G_SOURCE_DELETED, NULL) < 0) {
			rc = -1;
			continue;
		}
		se = (struct src_err){0};
		if (c->ops->delete_gateway(c->src, id, &se) < 0) {
			log_error("%s", se.msg);
			rc = -1;
			continue;
		}
		log_info("gateway %s: deleted at the source (--delete-source-gateways)", id);
	}
	strlist_free(&l.ids);
	return rc;
}

int cutover_run(struct migration *m, const struct config *cfg, struct cutover_summary *sum)
{
	struct cut c = {
	    .m = m, .cfg = cfg, .ops = m->ops->gateways, .threads = cfg_concurrency(cfg)};
	char e[768];
	struct src_err se = {0};
	memset(sum, 0, sizeof *sum);
	int rc = -1;
	if (migration_stopped(m))
		return -1;
	if (c.ops->open(cfg, &c.src, &se) < 0) {
		log_error("cut-over: the source's gateways: %s", se.msg);
		return -1;
	}
	if (gwdest_open(cfg, &c.dest, e, sizeof e) < 0) {
		log_error("cut-over: the destination's gateways: %s", e);
		goto out;
	}
	if (m->gw_server_address && gwdest_set_server_address(c.dest, m->gw_server_address) < 0) {
		log_error("cut-over: out of memory");
		goto out;
	}
	/* The host the gateways are registered and switched to is the run's,
	 * whatever a resume is given (engine.c compares). */
	if (!m->gw_server_address && journal_meta_set(m->journal, "gateway_server_address",
						      gwdest_server_address(c.dest)) < 0) {
		log_error("cut-over: journal: cannot record the run's settings: %s",
			  journal_errmsg(m->journal));
		goto out;
	}
	/* The keys file is the run's too: the instructions of a resumed run
	 * name the file that holds the keys of the gateways created before. */
	char *kf = journal_meta_get(m->journal, "keys_file");
	struct config kcfg = *cfg; /* shallow: only o.keys_file differs */
	if (kf && *kf && !cfg->o.keys_file)
		kcfg.o.keys_file = kf;
	else if (kf && *kf && strcmp(kf, cfg->o.keys_file) != 0)
		log_info("cut-over: new gateway keys go to %s (the run's earlier ones are in %s)",
			 cfg->o.keys_file, kf);
	int ko = gw_keys_open(&c.keys, &kcfg, c.dest, e, sizeof e);
	free(kf);
	if (ko < 0) {
		log_error("cut-over: %s", e);
		goto out;
	}
	c.keys_open = true;
	if (journal_meta_set(m->journal, "keys_file", c.keys.path) < 0) {
		log_error("cut-over: journal: cannot record the run's settings: %s",
			  journal_errmsg(m->journal));
		goto out;
	}
	double t0 = arrival_clock();
	if (gw_phase(&c) < 0)
		goto out;
	double t1 = arrival_clock();
	dev_phase(&c, &sum->held);
	sum->gw_seconds = t1 - t0;
	sum->release_seconds = arrival_clock() - t1;
	int del = m->delete_source_gateways && !migration_stopped(m) ? delete_sources(&c) : 0;
	sum->gateways = c.gw_total;
	sum->connected = c.gw_connected;
	sum->gw_failed = c.gw_failed;
	rc = sum->held || c.gw_failed || del < 0 ? -1 : 0;
out:
	if (c.keys_open)
		gw_keys_close(&c.keys);
	gwdest_close(c.dest);
	if (c.src)
		c.ops->close(c.src);
	return rc;
}

void cutover_report(const struct cutover_summary *sum)
{
	log_info("cut-over: gateways connected at the destination %zu of %zu (failed %zu); "
		 "devices still held %zu (gateways %.1f s, release %.1f s)",
		 sum->connected, sum->gateways, sum->gw_failed, sum->held, sum->gw_seconds,
		 sum->release_seconds);
}
