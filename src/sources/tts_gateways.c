/*
 * The gateways of the "tts" source (../shared/spec/gateways.md §1, §4.1):
 * the account's gateways listed by id (paged, X-Total-Count), then each read
 * with an explicit field mask of every registry field (the secrets only with
 * --with-secrets) and its Gateway Server connection state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lorawan.h"
#include "core/jsonpath.h"
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

/* ---- Procedure A (gateways.md §3.2) ------------------------------------------------ */

static int gw_lns_read(struct src_gateways *g, const char *id, json_t **state, struct src_err *err)
{
	*state = NULL;
	json_t *gw = NULL, *keys = NULL;
	struct tgw_error e = {0};
	if (tgw_get(&g->api, id,
		    "attributes,gateway_server_address,lbs_lns_secret,target_cups_uri,"
		    "target_cups_key",
		    &gw, &e) < 0) {
		say(err,
		    e.e.status == 403 ? "reading its LNS settings (needs READ_SECRETS)"
				      : "reading its LNS settings",
		    id, &e);
		tgw_error_clear(&e);
		return -1;
	}
	if (tgw_key_list(&g->api, id, &keys, &e) < 0) {
		say(err, "listing its API keys (needs SETTINGS_API_KEYS)", id, &e);
		tgw_error_clear(&e);
		json_decref(gw);
		return -1;
	}
	json_t *st = json_object(), *link = json_array();
	const char *addr = json_string_value(json_object_get(gw, "gateway_server_address"));
	json_object_set_new(st, "gateway_server_address", json_string(addr ? addr : ""));
	json_t *sec = json_object_get(gw, "lbs_lns_secret");
	if (json_is_object(sec))
		json_object_set(st, "lbs_lns_secret", sec);
	json_t *attrs = json_object_get(gw, "attributes");
	json_object_set(st, "attributes", json_is_object(attrs) ? attrs : json_object());
	const char *tcu = json_string_value(json_object_get(gw, "target_cups_uri"));
	json_object_set_new(st, "target_cups_uri", json_string(tcu ? tcu : ""));
	json_t *tck = json_object_get(gw, "target_cups_key");
	json_object_set_new(
	    st, "has_target_cups_key",
	    json_boolean(json_is_object(tck) && json_string_value(json_object_get(tck, "value"))));
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k)
	{
		json_t *r = json_object_get(k, "rights");
		if (jp_array_has(r, "RIGHT_GATEWAY_LINK") || jp_array_has(r, "RIGHT_GATEWAY_ALL") ||
		    jp_array_has(r, "RIGHT_ALL"))
			json_array_append_new(
			    link,
			    json_pack("{s:O,s:O}", "id", json_object_get(k, "id"), "rights", r));
	}
	json_object_set_new(st, "link_keys", link);
	json_decref(gw);
	json_decref(keys);
	*state = st;
	return 0;
}

static json_t *secret_of(const char *key)
{
	/* Secret.value is bytes: base64 of the key, as the Console stores it. */
	size_t n = strlen(key), cap = 4 * (n / 3 + 1) + 1;
	char *b = malloc(cap);
	json_t *s = NULL;
	if (b && lw_base64_encode((const unsigned char *)key, n, b, cap) == 0)
		s = json_pack("{s:s}", "value", b);
	if (b)
		memset(b, 0, cap);
	free(b);
	return s;
}

/* Sets the gateway's LNS fields; then each recorded LINK key's rights (minus
 * LINK when take_link, as recorded otherwise). */
static int set_lns(struct src_gateways *g, const char *id, const char *address, json_t *secret,
		   const json_t *link_keys, bool take_link, struct src_err *err)
{
	struct tgw_error e = {0};
	json_t *gw = json_pack("{s:s}", "gateway_server_address", address);
	json_t *paths = json_pack("[s]", "gateway_server_address");
	if (secret) {
		json_object_set(gw, "lbs_lns_secret", secret);
		json_array_append_new(paths, json_string("lbs_lns_secret"));
	}
	int rc = tgw_update(&g->api, id, gw, paths, &e);
	json_decref(gw);
	json_decref(paths);
	if (rc < 0) {
		say(err, "setting its LNS (needs SETTINGS_BASIC and WRITE_SECRETS)", id, &e);
		tgw_error_clear(&e);
		return -1;
	}
	size_t i;
	json_t *k;
	json_array_foreach(link_keys, i, k)
	{
		const char *kid = json_string_value(json_object_get(k, "id"));
		const json_t *r = json_object_get(k, "rights");
		if (jp_array_has(r, "RIGHT_GATEWAY_ALL") || jp_array_has(r, "RIGHT_ALL")) {
			if (take_link)
				log_warn(
				    "gateway %s: API key %s has all rights; LINK is left on it "
				    "(the gateway asks CUPS only when its LNS connection fails)",
				    id, kid ? kid : "?");
			continue;
		}
		/* Giving back: the recorded rights as they were (never none). */
		json_t *want = take_link || !json_array_size(r) ? tgw_rights_without_link(r)
								: json_deep_copy(r);
		rc = kid ? tgw_key_set_rights(&g->api, id, kid, want, &e) : -1;
		json_decref(want);
		if (rc < 0) {
			say(err, take_link ? "taking LINK from its LNS key" : "giving LINK back",
			    id, &e);
			tgw_error_clear(&e);
			return -1;
		}
	}
	return 0;
}

static int gw_lns_point(struct src_gateways *g, const char *id, const char *address,
			const char *key, const json_t *state, struct src_err *err)
{
	json_t *sec = secret_of(key);
	int rc = set_lns(g, id, address, sec, json_object_get(state, "link_keys"), true, err);
	json_decref(sec);
	return rc;
}

static int gw_lns_restore(struct src_gateways *g, const char *id, const json_t *state,
			  struct src_err *err)
{
	const char *addr = json_string_value(json_object_get(state, "gateway_server_address"));
	json_t *sec = json_object_get(state, "lbs_lns_secret");
	return set_lns(g, id, addr ? addr : "", json_is_object(sec) ? sec : NULL,
		       json_object_get(state, "link_keys"), false, err);
}

static int gw_delete(struct src_gateways *g, const char *id, struct src_err *err)
{
	struct tgw_error e = {0};
	int rc = tgw_delete(&g->api, id, &e);
	if (rc < 0)
		say(err, "delete", id, &e);
	tgw_error_clear(&e);
	return rc;
}

const struct src_gateway_ops tts_gateway_ops = {
    .open = gw_open,
    .list = gw_list,
    .export_gateway = gw_export,
    .close = gw_close,
    .lns_read = gw_lns_read,
    .lns_point = gw_lns_point,
    .lns_restore = gw_lns_restore,
    .delete_gateway = gw_delete,
};
