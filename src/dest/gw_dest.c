#include "dest/gw_dest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "core/jsonpath.h"
#include "core/lorawan.h"
#include "core/strbuf.h"
#include "net/tts_config.h"
#include "net/tts_gateways.h"
#include "ui/log.h"

struct gw_dest {
	struct tts_api api;
	struct tgw_account acct;
	char *user, *org;
	char *server_address;
	char account[96];
};

void gwdest_close(struct gw_dest *d)
{
	if (!d)
		return;
	tts_api_release(&d->api);
	free(d->user);
	free(d->org);
	free(d->server_address);
	free(d);
}

/* The host of a URL: "https://h:443/x" → "h". */
static char *url_host(const char *url)
{
	const char *h = strstr(url, "://") ? strstr(url, "://") + 3 : url;
	size_t n;
	if (*h == '[')
		n = strcspn(h, "]") + 1;
	else
		n = strcspn(h, ":/?#");
	return n ? strndup(h, n) : NULL;
}

static int open_dest(const struct config *cfg, bool account, struct gw_dest **out, char *err,
		     size_t errlen)
{
	*out = NULL;
	struct gw_dest *d = calloc(1, sizeof *d);
	if (!d)
		return -1;
	const char *u = cfg_str(cfg, "dest", "user-id"),
		   *o = cfg_str(cfg, "dest", "organization-id");
	/* A reader without an account: the account is never used. */
	bool none = !account && !u && !o;
	if (!none && !u == !o) {
		snprintf(
		    err, errlen,
		    "%s: set DEST_TTS_USER_ID/--dest.user-id or "
		    "DEST_TTS_ORGANIZATION_ID/--dest.organization-id (the account the gateways "
		    "are created under)",
		    u ? "give only one account" : "no destination account");
		goto fail;
	}
	if (!none && !tgw_valid_id(u ? u : o)) {
		snprintf(err, errlen, "--dest.%s %.40s: not a valid ID",
			 u ? "user-id" : "organization-id", u ? u : o);
		goto fail;
	}
	d->user = u ? strdup(u) : NULL;
	d->org = o ? strdup(o) : NULL;
	d->acct = (struct tgw_account){d->user, d->org};
	snprintf(d->account, sizeof d->account, "%s %s", u ? "user" : "organization",
		 u   ? u
		 : o ? o
		     : "(none)");
	const char *gsa = cfg_str(cfg, "dest", "gateway-server-address");
	const char *url = cfg_str(cfg, "dest", "api-url");
	if (!url)
		url = cfg_str(cfg, "dest", "identity-server-url");
	d->server_address = gsa ? strdup(gsa) : url ? url_host(url) : NULL;
	if (!d->server_address) {
		snprintf(err, errlen,
			 "no Gateway Server address for the destination: set DEST_TTS_API_URL or "
			 "--dest.gateway-server-address");
		goto fail;
	}
	if (tgw_api_configure(&d->api, cfg, "dest", err, errlen) < 0)
		goto fail;
	*out = d;
	return 0;
fail:
	gwdest_close(d);
	return -1;
}

int gwdest_open(const struct config *cfg, struct gw_dest **out, char *err, size_t errlen)
{
	return open_dest(cfg, true, out, err, errlen);
}

int gwdest_open_reader(const struct config *cfg, struct gw_dest **out, char *err, size_t errlen)
{
	return open_dest(cfg, false, out, err, errlen);
}

int gwdest_set_server_address(struct gw_dest *d, const char *host)
{
	char *h = strdup(host);
	if (!h)
		return -1;
	free(d->server_address);
	d->server_address = h;
	return 0;
}

const char *gwdest_server_address(const struct gw_dest *d)
{
	return d->server_address;
}

const char *gwdest_account(const struct gw_dest *d)
{
	return d->account;
}

static const char *gw_id(const json_t *gw)
{
	return json_string_value(json_object_get(json_object_get(gw, "ids"), "gateway_id"));
}

static const char *gw_eui(const json_t *gw)
{
	return json_string_value(json_object_get(json_object_get(gw, "ids"), "eui"));
}

/* Copied as they are (§1.5 "yes"). */
static const char *const copy_fields[] = {
    "name",
    "description",
    "version_ids",
    "auto_update",
    "update_channel",
    "antennas",
    "status_public",
    "location_public",
    "schedule_downlink_late",
    "downlink_path_constraint",
    "schedule_anytime_delay",
    "update_location_from_status",
    "require_authenticated_connection",
    "disable_packet_broker_forwarding",
    NULL,
};

/* The attributes CUPS writes (§3.1): not copied. */
static bool cups_attribute(const char *k)
{
	return strcmp(k, "cups-last-seen") == 0 || strcmp(k, "cups-station") == 0 ||
	       strcmp(k, "cups-model") == 0 || strcmp(k, "cups-package") == 0;
}

json_t *gwdest_prepare(const struct gw_dest *d, const json_t *src, char *err, size_t errlen)
{
	if (!json_is_object(src)) {
		snprintf(err, errlen, "not a gateway (a JSON object)");
		return NULL;
	}
	json_t *inner = json_object_get(src, "gateway");
	if (json_is_object(inner) && !json_object_get(src, "ids"))
		src = inner;
	const char *id = gw_id(src), *eui = gw_eui(src);
	if (!id) {
		snprintf(err, errlen, "a gateway without ids.gateway_id");
		return NULL;
	}
	if (!tgw_valid_id(id)) {
		snprintf(err, errlen, "gateway %.60s: not a valid gateway ID", id);
		return NULL;
	}
	json_t *b = json_object();
	json_t *ids = json_pack("{s:s}", "gateway_id", id);
	if (eui && *eui) {
		char up[17];
		size_t n = strlen(eui);
		bool hex = n == 16;
		for (size_t i = 0; hex && i < n; i++) {
			hex = isxdigit((unsigned char)eui[i]);
			up[i] = (char)toupper((unsigned char)eui[i]);
		}
		if (!hex) {
			snprintf(err, errlen, "gateway %s: ids.eui %.40s is not 16 hex digits", id,
				 eui);
			json_decref(ids);
			json_decref(b);
			return NULL;
		}
		up[16] = '\0';
		json_object_set_new(ids, "eui", json_string(up));
	}
	json_object_set_new(b, "ids", ids);
	for (const char *const *f = copy_fields; *f; f++) {
		json_t *v = json_object_get(src, *f);
		if (v && !json_is_null(v))
			json_object_set(b, *f, v);
	}
	json_t *fps = json_object_get(src, "frequency_plan_ids");
	const char *fp = json_string_value(json_object_get(src, "frequency_plan_id"));
	if (json_array_size(fps))
		json_object_set(b, "frequency_plan_ids", fps);
	else if (fp && *fp)
		json_object_set_new(b, "frequency_plan_ids", json_pack("[s]", fp));
	/* Absent in TTS JSON means false; a create without it means false too,
	 * but it is always sent, so that the choice is visible (§1.5, §7). */
	json_t *edc = json_object_get(src, "enforce_duty_cycle");
	json_object_set_new(b, "enforce_duty_cycle", json_boolean(json_is_true(edc)));
	json_t *lr = json_object_get(json_object_get(src, "lrfhss"), "supported");
	if (lr)
		json_object_set_new(b, "lrfhss", json_pack("{s:b}", "supported", json_is_true(lr)));
	json_t *attrs = json_object_get(src, "attributes");
	if (json_is_object(attrs)) {
		json_t *a = json_object();
		const char *k;
		json_t *v;
		json_object_foreach(attrs, k, v)
		{
			if (!cups_attribute(k))
				json_object_set(a, k, v);
		}
		if (json_object_size(a))
			json_object_set_new(b, "attributes", a);
		else
			json_decref(a);
	}
	json_object_set_new(b, "gateway_server_address", json_string(d->server_address));
	if (json_is_true(json_object_get(b, "require_authenticated_connection")) &&
	    gwdest_uses_udp(src))
		log_warn(
		    "gateway %s: require_authenticated_connection is true, which refuses Semtech "
		    "UDP: a UDP gateway cannot connect until it is false",
		    id);
	return b;
}

bool gwdest_uses_cups(const json_t *src)
{
	return json_object_get(json_object_get(src, "attributes"), "cups-last-seen") != NULL ||
	       json_is_true(json_object_get(json_object_get(src, "_source_connection"), "cups"));
}

bool gwdest_uses_udp(const json_t *src)
{
	const char *p = json_string_value(
	    json_object_get(json_object_get(src, "_source_connection"), "protocol"));
	if (p)
		return strcmp(p, "udp") == 0;
	return !gwdest_uses_cups(src);
}

static void describe(struct strbuf *sb, const struct tgw_error *e)
{
	strbuf_addstr(sb, e->e.message);
	if (e->e.name[0])
		strbuf_addf(sb, " (%s)", e->e.name);
}

static void create_error(struct gw_dest *d, const char *id, const char *eui,
			 const struct tgw_error *e, char *err, size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "gateway %s: ", id);
	if (tts_error_is(&e->e, ":gateway_eui_taken") || tts_error_is(&e->e, ":eui_taken")) {
		const char *holder = json_string_value(json_object_get(e->attrs, "gateway_id"));
		strbuf_addf(&sb, "EUI %s is already registered at the destination",
			    eui ? eui : "?");
		if (holder)
			strbuf_addf(&sb, ", by gateway %s", holder);
		else
			strbuf_addstr(&sb, ", by another gateway");
		strbuf_addf(&sb, " (%s); delete it there, or move it off the EUI", e->e.name);
	} else if (tts_error_is(&e->e, ":tenant_entity_limit")) {
		json_t *lim = json_object_get(e->attrs, "limit");
		strbuf_addstr(&sb, "the destination's plan allows no more gateways");
		if (json_is_integer(lim))
			strbuf_addf(&sb, " (at most %lld)", (long long)json_integer_value(lim));
		else if (json_is_string(lim))
			strbuf_addf(&sb, " (at most %s)", json_string_value(lim));
		strbuf_addf(&sb, " (%s)", e->e.name);
	} else if (e->e.status == 401) {
		strbuf_addstr(&sb, "the destination refused the API key: ");
		describe(&sb, e);
	} else if (e->e.status == 403) {
		strbuf_addf(&sb, "the destination API key may not create gateways for %s",
			    d->account);
		if (e->e.missing[0])
			strbuf_addf(&sb, " (lacks %s)", e->e.missing);
		strbuf_addstr(&sb, ": ");
		describe(&sb, e);
	} else {
		strbuf_addstr(&sb, "create refused: ");
		describe(&sb, e);
	}
	snprintf(err, errlen, "%s", sb.buf);
	strbuf_release(&sb);
}

static const char *const lns_rights[] = {"RIGHT_GATEWAY_INFO", "RIGHT_GATEWAY_LINK", NULL};
static const char *const cups_rights[] = {"RIGHT_GATEWAY_INFO", "RIGHT_GATEWAY_SETTINGS_BASIC",
					  "RIGHT_GATEWAY_READ_SECRETS", NULL};

static char *base64(const char *s)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), j = 0;
	char *o = malloc(4 * ((n + 2) / 3) + 1);
	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		o[j++] = t[(v >> 18) & 63];
		o[j++] = t[(v >> 12) & 63];
		o[j++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
		o[j++] = i + 2 < n ? t[v & 63] : '=';
	}
	o[j] = '\0';
	return o;
}

/* Creates one key, hands it to cb, and for the LNS key stores it in
 * lbs_lns_secret. */
static int make_key(struct gw_dest *d, const char *id, enum gwdest_kind kind, gwdest_key_cb cb,
		    void *ud, char *err, size_t errlen)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	char name[64];
	snprintf(name, sizeof name, "%s-api-key-%lld", kind == GWKEY_LNS ? "lns" : "cups",
		 (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000);
	const char *what = kind == GWKEY_LNS ? "LNS" : "CUPS";
	json_t *k = NULL;
	struct tgw_error e = {0};
	if (tgw_key_create(&d->api, id, name, kind == GWKEY_LNS ? lns_rights : cups_rights, &k,
			   &e) < 0) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "gateway %s: creating its %s API key: ", id, what);
		describe(&sb, &e);
		if (e.e.maybe_applied)
			strbuf_addf(&sb,
				    "; the key may exist (%s), its value is lost: delete it and "
				    "run again",
				    name);
		snprintf(err, errlen, "%s", sb.buf);
		strbuf_release(&sb);
		tgw_error_clear(&e);
		return -1;
	}
	const char *key = json_string_value(json_object_get(k, "key"));
	const char *key_id = json_string_value(json_object_get(k, "id"));
	if (!key) {
		snprintf(err, errlen, "gateway %s: the %s API key's answer has no key", id, what);
		json_decref(k);
		return -1;
	}
	log_add_secret(key);
	int rc = cb(ud, id, kind, key_id ? key_id : name, key);
	if (rc < 0) {
		snprintf(err, errlen,
			 "gateway %s: the %s API key %s was created but could not be saved to the "
			 "keys file: delete it and run again",
			 id, what, key_id ? key_id : name);
	} else if (kind == GWKEY_LNS) {
		char *b64 = base64(key);
		json_t *gw = json_pack("{s:{s:s}}", "lbs_lns_secret", "value", b64 ? b64 : "");
		json_t *paths = json_pack("[s]", "lbs_lns_secret");
		if (tgw_update(&d->api, id, gw, paths, &e) < 0) {
			struct strbuf sb = STRBUF_INIT;
			strbuf_addf(
			    &sb,
			    "gateway %s: storing the LNS key %s in lbs_lns_secret (it is in "
			    "the keys file): ",
			    id, key_id ? key_id : name);
			describe(&sb, &e);
			snprintf(err, errlen, "%s", sb.buf);
			strbuf_release(&sb);
			rc = -1;
		}
		tgw_error_clear(&e);
		if (b64) {
			memset(b64, 0, strlen(b64));
			free(b64);
		}
		json_object_clear(json_object_get(gw, "lbs_lns_secret"));
		json_decref(gw);
		json_decref(paths);
	}
	json_object_del(k, "key");
	json_decref(k);
	return rc;
}

/* Which keys an existing gateway (ours, from an earlier run) lacks. */
static int keys_present(struct gw_dest *d, const char *id, bool *lns, bool *cups, char *err,
			size_t errlen)
{
	json_t *gw = NULL, *keys = NULL;
	struct tgw_error e = {0};
	*lns = *cups = false;
	if (tgw_get(&d->api, id, "lbs_lns_secret", &gw, &e) < 0 ||
	    tgw_key_list(&d->api, id, &keys, &e) < 0) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb,
			    "gateway %s: already at the destination, but its keys cannot be "
			    "read: ",
			    id);
		describe(&sb, &e);
		snprintf(err, errlen, "%s", sb.buf);
		strbuf_release(&sb);
		tgw_error_clear(&e);
		json_decref(gw);
		return -1;
	}
	*lns = json_object_get(gw, "lbs_lns_secret") != NULL;
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k)
	{
		const char *n = json_string_value(json_object_get(k, "name"));
		if (n && strncmp(n, "cups-api-key-", 13) == 0)
			*cups = true;
	}
	json_object_clear(gw);
	json_decref(gw);
	json_decref(keys);
	return 0;
}

/* After id_taken: is it ours (readable, same EUI)? 1 yes, 0 no, -1 not
 * there (a deleted gateway holds the ID); err says who holds it. */
static int ours(struct gw_dest *d, const char *id, const char *eui, char *err, size_t errlen)
{
	json_t *gw = NULL;
	struct tgw_error e = {0};
	int rc = 0;
	json_t *rights = NULL;
	/* ids are public (§1.4): whether it is the account's is in its rights. */
	if (tgw_get(&d->api, id, "ids", &gw, &e) == 0 &&
	    tgw_rights(&d->api, id, &rights, &e) == 0) {
		const char *have = gw_eui(gw);
		if (json_array_size(rights) == 0)
			snprintf(err, errlen,
				 "gateway %s: the ID is taken at the destination by a gateway of "
				 "another "
				 "account (pkg/util/store:id_taken)",
				 id);
		else if ((!eui && !have) || (eui && have && strcasecmp(eui, have) == 0))
			rc = 1;
		else
			snprintf(
			    err, errlen,
			    "gateway %s: the ID is taken at the destination by a gateway with %s%s "
			    "(pkg/util/store:id_taken)",
			    id, have ? "EUI " : "no EUI", have ? have : "");
	} else if (e.e.status == 404) {
		rc = -1;
		snprintf(err, errlen,
			 "gateway %s: the ID is taken at the destination by a deleted gateway (a "
			 "deleted ID stays reserved until a tenant admin purges it) "
			 "(pkg/util/store:id_taken)",
			 id);
	} else if (e.e.status == 403) {
		snprintf(err, errlen,
			 "gateway %s: the ID is taken at the destination by a gateway of another "
			 "account (pkg/util/store:id_taken)",
			 id);
	} else {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb,
			    "gateway %s: the ID is taken at the destination; reading it: ", id);
		describe(&sb, &e);
		snprintf(err, errlen, "%s", sb.buf);
		strbuf_release(&sb);
	}
	tgw_error_clear(&e);
	json_decref(gw);
	json_decref(rights);
	return rc;
}

enum gwdest_outcome gwdest_import(struct gw_dest *d, const json_t *body, bool cups,
				  gwdest_key_cb cb, void *ud, int *keys, char *err, size_t errlen)
{
	*keys = 0;
	const char *id = gw_id(body), *eui = gw_eui(body);
	json_t *created = NULL;
	struct tgw_error e = {0};
	enum gwdest_outcome outcome = GWD_CREATED;
	bool have_lns = false, have_cups = false;
	int rc = tgw_create(&d->api, &d->acct, body, &created, &e);
	if (rc < 0 && e.e.maybe_applied) {
		/* The answer was lost: there (ours, with its EUI) means it was
		 * created; not there means it was not, and it is sent once more. */
		int r = ours(d, id, eui, err, errlen);
		if (r == 1)
			rc = 0;
		else if (r < 0)
			rc = tgw_create(&d->api, &d->acct, body, &created, &e);
		else {
			create_error(d, id, eui, &e, err, errlen);
			tgw_error_clear(&e);
			return GWD_FAILED;
		}
	}
	if (rc < 0) {
		if (!tts_error_is(&e.e, ":id_taken") || e.e.maybe_applied) {
			create_error(d, id, eui, &e, err, errlen);
			tgw_error_clear(&e);
			return GWD_FAILED;
		}
		tgw_error_clear(&e);
		if (ours(d, id, eui, err, errlen) != 1)
			return GWD_FAILED;
		outcome = GWD_THERE;
		if (keys_present(d, id, &have_lns, &have_cups, err, errlen) < 0)
			return GWD_FAILED;
	}
	tgw_error_clear(&e);
	json_decref(created);
	if (!have_lns) {
		if (make_key(d, id, GWKEY_LNS, cb, ud, err, errlen) < 0)
			return GWD_FAILED;
		++*keys;
	}
	if (cups && !have_cups) {
		if (make_key(d, id, GWKEY_CUPS, cb, ud, err, errlen) < 0)
			return GWD_FAILED;
		++*keys;
	}
	return outcome;
}

/* ---- Procedure A (gateways.md §3.2) ------------------------------------------------ */

static void gw_say(char *err, size_t errlen, const char *id, const char *what,
		   const struct tgw_error *e)
{
	if (e->e.status == 403 && e->e.missing[0])
		snprintf(err, errlen, "gateway %s: %s at the destination: the key lacks %s", id,
			 what, e->e.missing);
	else
		snprintf(err, errlen, "gateway %s: %s at the destination: %s%s%s", id, what,
			 e->e.message, e->e.name[0] ? " " : "", e->e.name);
}

int gwdest_lns_of(struct gw_dest *d, const char *id, char **address, char **key, char *err,
		  size_t errlen)
{
	*address = *key = NULL;
	json_t *gw = NULL;
	struct tgw_error e = {0};
	if (tgw_get(&d->api, id, "gateway_server_address,lbs_lns_secret", &gw, &e) < 0) {
		/* TTS checks rights before existence: a gateway that is not
		 * there is one the key has no rights on. */
		if (e.e.status == 404 || tts_error_is(&e.e, "no_gateway_rights"))
			snprintf(err, errlen,
				 "gateway %s: not at the destination (or not the destination "
				 "account's): import it first (ttn-lw-migrate gateways import)",
				 id);
		else
			gw_say(err, errlen, id, "reading its LNS key", &e);
		tgw_error_clear(&e);
		return -1;
	}
	const char *addr = json_string_value(json_object_get(gw, "gateway_server_address"));
	const char *v = json_string_value(jp_get(gw, "lbs_lns_secret.value"));
	unsigned char buf[1024];
	size_t n = 0;
	int rc = -1;
	if (!addr || !*addr)
		snprintf(err, errlen, "gateway %s: gateway_server_address: none at the destination",
			 id);
	else if (!v || lw_base64_decode(v, buf, sizeof buf - 1, &n) < 0 || n == 0 ||
		 memchr(buf, '\0', n))
		snprintf(err, errlen,
			 "gateway %s: lbs_lns_secret: no LNS key at the destination (gateways "
			 "import makes one)",
			 id);
	else {
		buf[n] = '\0';
		*address = strdup(addr);
		*key = strdup((char *)buf);
		rc = *address && *key ? 0 : -1;
	}
	memset(buf, 0, sizeof buf);
	if (gw && (v = json_string_value(jp_get(gw, "lbs_lns_secret.value"))))
		memset((char *)v, 0, strlen(v));
	json_decref(gw);
	return rc;
}

int gwdest_conn_stats(struct gw_dest *d, const char *id, json_t **stats, char *err, size_t errlen)
{
	*stats = NULL;
	json_t *st = NULL;
	struct tgw_error e = {0};
	int rc = tgw_conn_stats(&d->api, id, &st, &e);
	if (rc < 0) {
		gw_say(err, errlen, id, "reading its connection (needs STATUS_READ)", &e);
		tgw_error_clear(&e);
		return -1;
	}
	tgw_error_clear(&e); /* a 404 not_connected leaves its attributes there */
	bool up = rc == 1 && json_string_value(json_object_get(st, "connected_at"));
	if (up)
		*stats = st;
	else
		json_decref(st);
	return up ? 1 : 0;
}

int gwdest_connected(struct gw_dest *d, const char *id, char **since, char *err, size_t errlen)
{
	json_t *st = NULL;
	*since = NULL;
	int rc = gwdest_conn_stats(d, id, &st, err, errlen);
	if (rc == 1)
		*since = strdup(json_string_value(json_object_get(st, "connected_at")));
	json_decref(st);
	return rc < 0 ? -1 : *since ? 1 : 0;
}

int gwdest_lns_revoke(struct gw_dest *d, const char *id, char *err, size_t errlen)
{
	json_t *keys = NULL;
	struct tgw_error e = {0};
	if (tgw_key_list(&d->api, id, &keys, &e) < 0) {
		gw_say(err, errlen, id, "listing its API keys", &e);
		tgw_error_clear(&e);
		return -1;
	}
	size_t i;
	json_t *k;
	int rc = 0;
	json_array_foreach(keys, i, k)
	{
		json_t *r = json_object_get(k, "rights"), *want = tgw_rights_without_link(r);
		bool link = jp_array_has(r, "RIGHT_GATEWAY_LINK");
		const char *kid = json_string_value(json_object_get(k, "id"));
		if (link && kid && tgw_key_set_rights(&d->api, id, kid, want, &e) < 0) {
			gw_say(err, errlen, id, "taking LINK from its LNS key", &e);
			tgw_error_clear(&e);
			rc = -1;
		}
		json_decref(want);
		if (rc < 0)
			break;
	}
	json_decref(keys);
	return rc;
}

int gwdest_delete(struct gw_dest *d, const char *id, char *err, size_t errlen)
{
	struct tgw_error e = {0};
	if (tgw_delete(&d->api, id, &e) < 0) {
		gw_say(err, errlen, id, "deleting it at the destination", &e);
		tgw_error_clear(&e);
		return -1;
	}
	return 0;
}

int gwdest_exists(struct gw_dest *d, const char *id, char *err, size_t errlen)
{
	json_t *gw = NULL;
	struct tgw_error e = {0};
	if (tgw_get(&d->api, id, "ids", &gw, &e) == 0) {
		json_decref(gw);
		return 1;
	}
	int rc = e.e.status == 404 ? 0 : -1;
	if (rc < 0)
		gw_say(err, errlen, id, "looking it up at the destination", &e);
	tgw_error_clear(&e);
	return rc;
}
