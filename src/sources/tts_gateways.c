/*
 * The gateways of the "tts" source (../shared/spec/gateways.md §1, §4.1):
 * the account's gateways listed by id (paged, X-Total-Count), then each read
 * with an explicit field mask of every registry field (the secrets only with
 * --with-secrets) and its Gateway Server connection state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "net/tts_config.h"
#include "net/tts_gateways.h"
#include "sources/source.h"
#include "ui/log.h"

struct src_gateways {
	struct tts_api api;
	struct tgw_account acct;
	char *user, *org;
	bool with_secrets;
	int page_size;
	char *mask;
	bool stats_warned;
};

static void gw_close(struct src_gateways *g)
{
	if (!g)
		return;
	tts_api_release(&g->api);
	free(g->user);
	free(g->org);
	free(g->mask);
	free(g);
}

static int gw_open(const struct config *cfg, struct src_gateways **out, struct src_err *err)
{
	*out = NULL;
	struct src_gateways *g = calloc(1, sizeof *g);
	if (!g)
		return -1;
	const char *u = cfg_str(cfg, "tts", "user-id"), *o = cfg_str(cfg, "tts", "organization-id");
	err->config = true;
	if (u && o) {
		snprintf(
		    err->msg, sizeof err->msg,
		    "give either TTS_USER_ID/--user-id or TTS_ORGANIZATION_ID/--organization-id, "
		    "not both");
		goto fail;
	}
	if ((u && !tgw_valid_id(u)) || (o && !tgw_valid_id(o))) {
		snprintf(err->msg, sizeof err->msg, "%s %.40s: not a valid ID",
			 u ? "--user-id" : "--organization-id", u ? u : o);
		goto fail;
	}
	g->user = u ? strdup(u) : NULL;
	g->org = o ? strdup(o) : NULL;
	g->acct = (struct tgw_account){g->user, g->org};
	g->with_secrets = cfg->o.with_secrets;
	g->page_size = (int)cfg_int(cfg, "tts", "page-size", 1000);
	if (g->page_size < 1 || g->page_size > 1000)
		g->page_size = 1000;
	struct strbuf m = STRBUF_INIT;
	for (const char *const *p = tgw_registry_paths; *p; p++) {
		strbuf_addsep(&m, ",");
		strbuf_addstr(&m, *p);
	}
	for (const char *const *p = tgw_secret_paths; g->with_secrets && *p; p++) {
		strbuf_addsep(&m, ",");
		strbuf_addstr(&m, *p);
	}
	g->mask = strbuf_detach(&m, NULL);
	if (tgw_api_configure(&g->api, cfg, "tts", err->msg, sizeof err->msg) < 0)
		goto fail;
	err->config = false;
	*out = g;
	return 0;
fail:
	gw_close(g);
	return -1;
}

static void say(struct src_err *err, const char *what, const char *id, const struct tgw_error *e)
{
	if (e->e.status == 403 && e->e.missing[0])
		snprintf(err->msg, sizeof err->msg, "gateway %s: %s: the source API key lacks %s",
			 id, what, e->e.missing);
	else
		snprintf(err->msg, sizeof err->msg, "gateway %s: %s: %s%s%s", id, what,
			 e->e.message, e->e.name[0] ? " " : "", e->e.name);
	err->not_found = e->e.status == 404;
	err->config = e->e.status == 401;
}

static int gw_list(struct src_gateways *g, src_device_cb cb, void *ud, struct src_err *err)
{
	long long seen = 0;
	for (int page = 1;; page++) {
		json_t *j = NULL;
		long long total = -1;
		struct tgw_error e = {0};
		if (tgw_list(&g->api, &g->acct, "", g->page_size, page, &j, &total, &e) < 0) {
			const char *who = g->user ? g->user : g->org ? g->org : "the caller";
			snprintf(err->msg, sizeof err->msg, "listing the gateways of %s: %s%s%s",
				 who, e.e.message, e.e.name[0] ? " " : "", e.e.name);
			if (e.e.missing[0])
				snprintf(err->msg + strlen(err->msg),
					 sizeof err->msg - strlen(err->msg), " (the key lacks %s)",
					 e.e.missing);
			err->config = e.e.status == 401 || e.e.status == 403;
			tgw_error_clear(&e);
			return -1;
		}
		json_t *list = json_object_get(j, "gateways");
		size_t i, n = json_array_size(list);
		json_t *gw;
		int rc = 0;
		json_array_foreach(list, i, gw)
		{
			const char *id = json_string_value(
			    json_object_get(json_object_get(gw, "ids"), "gateway_id"));
			if (id && (rc = cb(ud, id)) != 0)
				break;
		}
		json_decref(j);
		seen += (long long)n;
		if (rc)
			return rc;
		if (n == 0 || n < (size_t)g->page_size || (total >= 0 && seen >= total))
			return 0;
	}
}

/* The Gateway Server's view: {"connected":..,"protocol":..} and timestamps;
 * not the remote address (personal data, §4.2). */
static json_t *connection_state(struct src_gateways *g, const char *id)
{
	json_t *st = NULL;
	struct tgw_error e = {0};
	int rc = tgw_conn_stats(&g->api, id, &st, &e);
	json_t *c = json_object();
	if (rc == 0) {
		json_object_set_new(c, "connected", json_false());
	} else if (rc < 0) {
		json_object_set_new(c, "connected", json_null());
		char m[600];
		snprintf(m, sizeof m, "%s%s%s", e.e.message, e.e.name[0] ? " " : "", e.e.name);
		json_object_set_new(c, "error", json_string(m));
		if (!g->stats_warned)
			log_warn("gateway %s: connection state unknown (%s)%s", id, m,
				 e.e.status == 403 ? ": the key needs RIGHT_GATEWAY_STATUS_READ"
						   : "");
		g->stats_warned = true;
	} else {
		bool up = json_object_get(st, "connected_at") != NULL;
		json_object_set_new(c, "connected", json_boolean(up));
		static const char *const keep[] = {"protocol",
						   "connected_at",
						   "disconnected_at",
						   "last_status_received_at",
						   "last_uplink_received_at",
						   "last_downlink_received_at",
						   NULL};
		for (const char *const *k = keep; *k; k++) {
			json_t *v = json_object_get(st, *k);
			if (v)
				json_object_set(c, *k, v);
		}
	}
	json_decref(st);
	tgw_error_clear(&e);
	return c;
}

static int gw_export(struct src_gateways *g, const char *id, json_t **out, struct src_err *err)
{
	*out = NULL;
	if (!tgw_valid_id(id)) {
		snprintf(err->msg, sizeof err->msg, "gateway %.60s: not a valid gateway ID", id);
		return -1;
	}
	json_t *gw = NULL;
	struct tgw_error e = {0};
	if (tgw_get(&g->api, id, g->mask, &gw, &e) < 0) {
		if (g->with_secrets && e.e.status == 403)
			snprintf(err->msg, sizeof err->msg,
				 "gateway %s: --with-secrets: the source API key may not read its "
				 "secrets (needs RIGHT_GATEWAY_READ_SECRETS): %s%s%s",
				 id, e.e.message, e.e.name[0] ? " " : "", e.e.name);
		else
			say(err, "read", id, &e);
		tgw_error_clear(&e);
		return -1;
	}
	json_object_set_new(gw, "_source_connection", connection_state(g, id));
	*out = gw;
	return 0;
}

const struct src_gateway_ops tts_gateway_ops = {
    .open = gw_open,
    .list = gw_list,
    .export_gateway = gw_export,
    .close = gw_close,
};
