/*
 * The Gateway Configuration Server's CUPS endpoint and the LNS side a
 * simulated Basic Station needs (README "CUPS and LNS"). Written from
 * shared/spec/gateways.md §3 and TTS v3.32.1's
 * pkg/basicstation/cups/update_info.go and messages.go, never from the tool.
 *
 *   POST /update-info       CUPS: which LNS (and CUPS) the gateway is to use
 *   POST /_emulator/lns/EUI  stands for the gateway opening its LNS
 *                            connection (Basic Station's /router-info and
 *                            /traffic websocket) with its tc.key
 *   GET  /_emulator/lns/EUI  whether that connection still stands
 *
 * A connection made here is recorded in the Gateway Server's stats (protocol
 * "ws", as TTS records Basic Station) and, in g->lns, with the key it used;
 * emu_lns_drop() ends it as the Gateway Server does when the gateway's
 * gateway_server_address changes or its key loses LINK (at once here, within
 * gs.fetch-gateway-interval there).
 */
#include "gw.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonpath.h"
#include "core/lorawan.h"

/* The CRC-32 of IEEE 802.3 (Go's crc32.ChecksumIEEE), which the gateway
 * sends for the credentials it holds. */
static uint32_t crc32_ieee(const unsigned char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
	}
	return ~c;
}

/*
 * The trust part of the credentials: TTS fetches the root CA of the target
 * host over TLS; the emulator cannot, so it sends this fixed stand-in, a
 * DER SEQUENCE holding the text below (a simulated station does not verify
 * it). Said so in the README.
 */
static const unsigned char trust_stand_in[] = {0x30, 0x17, 'e', 'm', 'u', 'l', 'a', 't', 'o',
					       'r',  ' ',  't', 'r', 'u', 's', 't', ' ', 's',
					       't',  'a',  'n', 'd', '-', 'i', 'n'};

struct bytes {
	unsigned char *p;
	size_t n, cap;
};

static void put(struct bytes *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->n + n)
			cap *= 2;
		unsigned char *q = realloc(b->p, cap);
		if (!q)
			abort();
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void put_le(struct bytes *b, uint32_t v, int n)
{
	unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 24)};
	put(b, x, (size_t)n);
}

/* messages.go TokenCredentials: trust, 4 zero bytes (no client
 * certificate), "Authorization: " + the secret without trailing CR/LF + CRLF. */
static void token_credentials(struct bytes *b, const char *secret, size_t n)
{
	put(b, trust_stand_in, sizeof trust_stand_in);
	put(b, "\0\0\0\0", 4);
	while (n && (secret[n - 1] == '\r' || secret[n - 1] == '\n'))
		n--;
	put(b, "Authorization: ", 15);
	put(b, secret, n);
	put(b, "\r\n", 2);
}

/* The EUI of a router field: an ID6 ("b827:ebff:fe61:2c94", "::0"), a
 * dashed or plain hex EUI; upper-case hex, or false. */
static bool router_eui(const char *s, char out[17])
{
	if (!s)
		return false;
	size_t n = strlen(s);
	if (strchr(s, ':')) {
		/* ID6: four groups of up to 4 hex digits, "::" for zero groups. */
		unsigned g[4] = {0};
		int ng = 0, before = -1;
		const char *p = s;
		unsigned parts[4];
		int np = 0;
		while (*p && np <= 4) {
			if (p[0] == ':' && p[1] == ':') {
				if (before >= 0)
					return false;
				before = np;
				p += 2;
				continue;
			}
			if (*p == ':')
				p++;
			size_t k = strspn(p, "0123456789abcdefABCDEF");
			if (k == 0 || k > 4 || np == 4)
				return false;
			char tmp[5] = {0};
			memcpy(tmp, p, k);
			parts[np++] = (unsigned)strtoul(tmp, NULL, 16);
			p += k;
		}
		if (*p)
			return false;
		if (before < 0 && np != 4)
			return false;
		int fill = 4 - np;
		for (int i = 0; i < np; i++)
			g[ng++ + (before >= 0 && i >= before ? fill : 0)] = parts[i];
		snprintf(out, 17, "%04X%04X%04X%04X", g[0], g[1], g[2], g[3]);
		return true;
	}
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '-')
			continue;
		if (!isxdigit((unsigned char)s[i]) || j == 16)
			return false;
		out[j++] = (char)toupper((unsigned char)s[i]);
	}
	out[j] = '\0';
	return j == 16;
}

/* update_info.go parseAddress("wss", address): scheme default wss, port
 * default 8887 for wss (443 https, 80 ws/http). */
static void lns_uri(const char *address, char *out, size_t cap)
{
	const char *scheme = "wss";
	char sch[16] = "";
	const char *hp = address;
	const char *sep = strstr(address, "://");
	if (sep && (size_t)(sep - address) < sizeof sch) {
		snprintf(sch, sizeof sch, "%.*s", (int)(sep - address), address);
		scheme = sch;
		hp = sep + 3;
	}
	char host[256];
	snprintf(host, sizeof host, "%.*s", (int)strcspn(hp, "/"), hp);
	bool has_port = host[0] == '[' ? strstr(host, "]:") != NULL : strchr(host, ':') != NULL;
	const char *port = !strcmp(scheme, "wss")     ? "8887"
			   : !strcmp(scheme, "https") ? "443"
						      : "80";
	if (has_port)
		snprintf(out, cap, "%s://%s", scheme, host);
	else
		snprintf(out, cap, "%s://%s:%s", scheme, host, port);
}

static void cups_error(struct emu_resp *rs, unsigned status, int code, const char *name,
		       const char *msg)
{
	emu_resp_err(rs, code, "pkg/basicstation/cups", name, msg, NULL);
	rs->status = status;
}

/* The secret of a Secret {"value": base64}: decoded into out (NUL-ended). */
static bool secret_value(const json_t *sec, char *out, size_t cap)
{
	const char *v = json_string_value(json_object_get(sec, "value"));
	if (!v || !*v)
		return false;
	size_t n = 0;
	if (lw_base64_decode(v, (unsigned char *)out, cap - 1, &n) < 0 || n == 0)
		return false;
	out[n] = '\0';
	return true;
}

static void update_info(struct emu *e, const char *authorization, const char *body, size_t len,
			struct emu_resp *rs)
{
	struct emu_gw *g = e->gw;
	json_error_t je;
	json_t *req = json_loadb(body ? body : "", len, 0, &je);
	char eui[17];
	if (!json_is_object(req) ||
	    !router_eui(json_string_value(json_object_get(req, "router")), eui)) {
		json_decref(req);
		cups_error(rs, 400, 3, "missing_router", "missing router");
		return;
	}
	struct emu_caller who = {0};
	char auth[600];
	/* update_info.go: a header without "Bearer " gets it. */
	if (authorization && *authorization && strncmp(authorization, "Bearer ", 7) != 0)
		snprintf(auth, sizeof auth, "Bearer %s", authorization);
	else
		snprintf(auth, sizeof auth, "%s", authorization ? authorization : "");
	/* The caller first: resolving takes the lock itself. */
	bool ok = *auth && emu_caller_resolve(e, auth, &who, rs);
	pthread_rwlock_wrlock(&g->lock);
	const char *id = json_string_value(json_object_get(g->euis, eui));
	if (!id) {
		pthread_rwlock_unlock(&g->lock);
		json_decref(req);
		emu_caller_free(&who);
		json_decref(rs->body);
		emu_resp_err(rs, 5, "pkg/identityserver/store", "gateway_eui_not_found",
			     "gateway with EUI `{eui}` not found", json_pack("{s:s}", "eui", eui));
		return;
	}
	json_t *rights = NULL;
	if (ok) {
		rights = emu_gw_rights(g, &who, id, false);
		for (const char *const *r =
			 (const char *const[]){"RIGHT_GATEWAY_INFO", "RIGHT_GATEWAY_SETTINGS_BASIC",
					       "RIGHT_GATEWAY_READ_SECRETS", NULL};
		     *r && ok; r++)
			ok = emu_rights_have(rights, *r);
	}
	if (!ok) {
		pthread_rwlock_unlock(&g->lock);
		json_decref(rs->body);
		rs->body = NULL;
		cups_error(rs, 401, 16, "unauthenticated", "call was not authenticated");
		json_decref(rights);
		emu_caller_free(&who);
		json_decref(req);
		return;
	}
	json_t *gw = json_object_get(g->gws, id);
	const char *cups_uri = json_string_value(json_object_get(req, "cupsUri"));
	const char *tc_uri = json_string_value(json_object_get(req, "tcUri"));
	uint32_t cups_crc = (uint32_t)json_integer_value(json_object_get(req, "cupsCredCrc"));
	uint32_t tc_crc = (uint32_t)json_integer_value(json_object_get(req, "tcCredCrc"));
	const char *target_uri = json_string_value(json_object_get(gw, "target_cups_uri"));
	char target_key[512], lns_key[512];
	bool has_target_key =
	    secret_value(json_object_get(gw, "target_cups_key"), target_key, sizeof target_key);
	struct bytes out = {0}, cred = {0};
	char res_cups[256] = "", res_tc[300] = "";
	if (e->cfg.cups_uri_update && target_uri && *target_uri &&
	    strcmp(target_uri, cups_uri ? cups_uri : "") != 0) {
		/* Branch 1: a CUPS redirect, no LNS settings. */
		if (!has_target_key) {
			pthread_rwlock_unlock(&g->lock);
			cups_error(rs, 404, 5, "target_cups_credentials_not_found",
				   "Target CUPS credentials not found for gateway");
			goto done;
		}
		snprintf(res_cups, sizeof res_cups, "%s", target_uri);
		token_credentials(&cred, target_key, strlen(target_key));
		if (crc32_ieee(cred.p, cred.n) == cups_crc)
			cred.n = 0;
		put(&out, (unsigned char[]){(unsigned char)strlen(res_cups)}, 1);
		put(&out, res_cups, strlen(res_cups));
		put(&out, (unsigned char[]){0}, 1);
		put_le(&out, (uint32_t)cred.n, 2);
		put(&out, cred.p, cred.n);
		put_le(&out, 0, 2);
	} else if (has_target_key) {
		/* Branch 2: the CUPS key rotated, no LNS settings. */
		token_credentials(&cred, target_key, strlen(target_key));
		if (crc32_ieee(cred.p, cred.n) == cups_crc)
			cred.n = 0;
		put(&out, (unsigned char[]){0, 0}, 2);
		put_le(&out, (uint32_t)cred.n, 2);
		put(&out, cred.p, cred.n);
		put_le(&out, 0, 2);
	} else {
		/* Branch 3: the LNS of gateway_server_address, with its key. */
		if (!secret_value(json_object_get(gw, "lbs_lns_secret"), lns_key, sizeof lns_key)) {
			pthread_rwlock_unlock(&g->lock);
			cups_error(rs, 404, 5, "lns_credentials_not_found",
				   "LNS credentials not found for gateway");
			goto done;
		}
		const char *addr = json_string_value(json_object_get(gw, "gateway_server_address"));
		if (!addr || !*addr)
			addr = tc_uri ? tc_uri : ""; /* TTS: else its default LNS URI (none here) */
		/* As update_info.go: the URI only when the address differs from the
		 * tcUri the gateway sent (compared as written). */
		if (strcmp(addr, tc_uri ? tc_uri : "") != 0)
			lns_uri(addr, res_tc, sizeof res_tc);
		token_credentials(&cred, lns_key, strlen(lns_key));
		if (crc32_ieee(cred.p, cred.n) == tc_crc)
			cred.n = 0;
		put(&out, (unsigned char[]){0}, 1);
		put(&out, (unsigned char[]){(unsigned char)strlen(res_tc)}, 1);
		put(&out, res_tc, strlen(res_tc));
		put_le(&out, 0, 2);
		put_le(&out, (uint32_t)cred.n, 2);
		put(&out, cred.p, cred.n);
	}
	put_le(&out, 0, 4); /* sigLen */
	put_le(&out, 0, 4); /* sigCRC */
	put_le(&out, 0, 4); /* updLen */
	/* Every successful call records the station in the attributes; with
	 * more than 10 the update fails and so does the call. */
	json_t *attrs = json_object_get(gw, "attributes");
	json_t *na = json_is_object(attrs) ? json_deep_copy(attrs) : json_object();
	char now[32];
	emu_now(now);
	json_object_set_new(na, "cups-last-seen", json_string(now));
	for (const char *const *f = (const char *const[]){"station", "model", "package", NULL}; *f;
	     f++) {
		const char *v = json_string_value(json_object_get(req, *f));
		char k[32];
		snprintf(k, sizeof k, "cups-%s", *f);
		if (v && *v)
			json_object_set_new(na, k, json_string(v));
	}
	if (json_object_size(na) > 10) {
		json_decref(na);
		pthread_rwlock_unlock(&g->lock);
		emu_resp_validation(rs, "attributes", "value must contain at most 10 pair(s)",
				    "GatewayValidationError");
		goto done;
	}
	json_object_set_new(gw, "attributes", na);
	pthread_rwlock_unlock(&g->lock);
	rs->status = 200;
	rs->bin = out.p;
	rs->bin_len = out.n;
	out.p = NULL;
done:
	if (cred.p)
		memset(cred.p, 0, cred.cap);
	free(cred.p);
	free(out.p);
	memset(lns_key, 0, sizeof lns_key);
	memset(target_key, 0, sizeof target_key);
	json_decref(rights);
	emu_caller_free(&who);
	json_decref(req);
}

/* Whether the caller may hold the gateway's LNS connection: LINK on it, as
 * the Gateway Server requires (lock held). */
static bool may_link(struct emu_gw *g, const struct emu_caller *who, const char *id)
{
	json_t *rights = emu_gw_rights(g, who, id, false);
	bool link = emu_rights_have(rights, "RIGHT_GATEWAY_LINK");
	json_decref(rights);
	return link;
}

static void lns(struct emu *e, const char *method, const char *eui_in, const char *authorization,
		struct emu_resp *rs)
{
	struct emu_gw *g = e->gw;
	char eui[17], auth[620];
	if (!router_eui(eui_in, eui)) {
		emu_resp_gw(rs, 400, 3, "not an EUI");
		return;
	}
	/* tc.key holds "Authorization: Bearer KEY"; a bare key is taken too. */
	const char *a = authorization ? authorization : "";
	snprintf(auth, sizeof auth, "%s%s", strncmp(a, "Bearer ", 7) ? "Bearer " : "", a);
	struct emu_caller who = {0};
	if (!*a || !emu_caller_resolve(e, auth, &who, rs) || !who.authenticated) {
		json_decref(rs->body);
		rs->body = NULL;
		emu_caller_free(&who);
		emu_resp_gw(rs, 401, 16, "the LNS key was refused");
		return;
	}
	pthread_rwlock_wrlock(&g->lock);
	const char *id = json_string_value(json_object_get(g->euis, eui));
	if (!id) {
		emu_resp_gw(rs, 404, 5, "no gateway with this EUI here");
	} else if (!may_link(g, &who, id)) {
		/* The GS refuses the connection: no LINK on this gateway. */
		emu_resp_gw(rs, 403, 7, "no LINK right on this gateway with this key");
	} else if (!strcmp(method, "POST")) {
		char err[128];
		json_t *c = json_pack("{s:b,s:s}", "connected", 1, "protocol", "ws");
		if (emu_gw_conn_seed(g, id, c, err, sizeof err) == 0) {
			json_object_set_new(g->lns, id, json_string(who.key_id));
			emu_resp_json(rs, 200,
				      json_pack("{s:b,s:s}", "connected", 1, "gateway_id", id));
		} else {
			emu_resp_gw(rs, 500, 13, err);
		}
		json_decref(c);
	} else {
		const char *with = json_string_value(json_object_get(g->lns, id));
		bool up = with && !strcmp(with, who.key_id) &&
			  json_object_get(json_object_get(g->stats, id), "connected_at");
		emu_resp_json(rs, up ? 200 : 409,
			      json_pack("{s:b,s:s}", "connected", up, "gateway_id", id));
	}
	pthread_rwlock_unlock(&g->lock);
	emu_caller_free(&who);
}

void emu_lns_drop(struct emu_gw *g, const char *gateway_id, const char *key_id)
{
	const char *id;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(g->lns, tmp, id, v)
	{
		if ((gateway_id && !strcmp(id, gateway_id)) ||
		    (key_id && !strcmp(json_string_value(v), key_id))) {
			char err[128];
			json_t *c = json_pack("{s:b}", "connected", 0);
			emu_gw_conn_seed(g, id, c, err, sizeof err);
			json_decref(c);
			json_object_del(g->lns, id);
		}
	}
}

bool emu_cups(struct emu *e, const char *method, const char *url, const char *authorization,
	      const char *body, size_t len, struct emu_resp *rs)
{
	static const char lns_base[] = "/_emulator/lns/";
	if (!strcmp(url, "/update-info")) {
		if (strcmp(method, "POST") != 0)
			emu_resp_gw(rs, 405, 12, "method not allowed");
		else
			update_info(e, authorization, body, len, rs);
		return true;
	}
	if (!strncmp(url, lns_base, sizeof lns_base - 1)) {
		if (strcmp(method, "POST") != 0 && strcmp(method, "GET") != 0)
			emu_resp_gw(rs, 405, 12, "method not allowed");
		else
			lns(e, method, url + sizeof lns_base - 1, authorization, rs);
		return true;
	}
	return false;
}
