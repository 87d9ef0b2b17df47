#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "core/ids.h"
#include "core/jsonpath.h"
#include "core/lorawan.h"
#include "core/strbuf.h"
#include "dest/dest.h"
#include "net/tts_api.h"
#include "net/tts_config.h"
#include "net/tts_registry.h"
#include "net/tts_schema.h"
#include "ui/log.h"

const struct opt_desc dest_options[] = {
    TTS_CONNECTION_OPTIONS("DEST_TTS_", "at the destination"),
    {"gateway-server-address", OPT_STRING, "DEST_TTS_GATEWAY_SERVER_ADDRESS", NULL, "HOST",
     "Gateway Server host imported gateways are pointed at (default: the host of "
     "--dest.api-url)",
     0},
    {NULL, 0, NULL, NULL, NULL, NULL, 0},
};

struct dest {
	struct tts_api api;
	char *app_id;
};

int dest_open(const struct config *cfg, const char *scope, const char *app, struct dest **out,
	      char *err, size_t errlen)
{
	struct dest *d = calloc(1, sizeof *d);
	if (!d)
		return -1;
	bool is_dest = strcmp(scope, "dest") == 0;
	if (!app)
		app = cfg_str(cfg, scope, "app-id");
	if (!app) {
		snprintf(err, errlen, "no %s application: set %s or --%s",
			 is_dest ? "destination" : "source",
			 is_dest ? "DEST_TTS_APP_ID" : "TTS_APP_ID",
			 is_dest ? "dest.app-id" : "app-id");
		free(d);
		return -1;
	}
	if (!ids_valid(app)) {
		snprintf(err, errlen, "application \"%s\" is not a valid ID", app);
		free(d);
		return -1;
	}
	if (tts_api_configure(&d->api, cfg, scope, err, errlen) < 0) {
		free(d);
		return -1;
	}
	d->app_id = strdup(app);
	*out = d;
	return 0;
}

void dest_close(struct dest *d)
{
	if (!d)
		return;
	tts_api_release(&d->api);
	free(d->app_id);
	free(d);
}

const char *dest_app_id(const struct dest *d)
{
	return d->app_id;
}

const char *dest_deployment(const struct dest *d)
{
	return d->api.base[TTS_IS];
}

struct tts_api *dest_api(struct dest *d)
{
	return &d->api;
}

/* ---- preparing a device --------------------------------------------------- */

typedef int (*normalizer)(const char *in, char *out);

static int norm_eui(const char *in, char *out)
{
	return lw_eui_normalize(in, out);
}
static int norm_addr(const char *in, char *out)
{
	return lw_devaddr_normalize(in, out);
}
static int norm_key(const char *in, char *out)
{
	return lw_key_normalize(in, out);
}

/* Rewrites the string at path in canonical form; -1 names the field. */
static int normalize_at(json_t *dev, const char *path, normalizer fn, const char *what, char *err,
			size_t errlen)
{
	json_t *v = jp_get(dev, path);
	if (!v || json_is_null(v))
		return 0;
	char out[64];
	if (!json_is_string(v) || fn(json_string_value(v), out) < 0) {
		if (fn == norm_key) {
			/* A mistyped key is still mostly the key: never quote it. */
			char kind[48];
			jp_describe_unquoted(v, kind, sizeof kind);
			snprintf(err, errlen,
				 "%s: %s is not a valid %s (32 hex digits or base64 of 16 bytes; "
				 "the value is not shown)",
				 path, kind, what);
			return -1;
		}
		char *shown = json_dumps(v, JSON_ENCODE_ANY);
		snprintf(err, errlen, "%s: %.40s is not a valid %s", path, shown ? shown : "?",
			 what);
		free(shown);
		return -1;
	}
	if (out[0] && lw_is_zero_hex(out) && strcmp(what, "EUI") != 0) {
		jp_del(dev, path);
		return 0;
	}
	json_string_set(v, out);
	return 0;
}

static int version_at(json_t *dev, const char *path, bool phy, char *err, size_t errlen)
{
	json_t *v = jp_get(dev, path);
	if (!v || json_is_null(v))
		return 0;
	const char *canon = NULL;
	if (json_is_string(v))
		canon = phy ? lw_phy_version_canonical(json_string_value(v))
			    : lw_mac_version_canonical(json_string_value(v));
	else if (json_is_integer(v)) {
		char num[24];
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		canon = phy ? lw_phy_version_canonical(num) : lw_mac_version_canonical(num);
	}
	if (!canon) {
		char *shown = json_dumps(v, JSON_ENCODE_ANY);
		snprintf(err, errlen, "%s: %.40s is not a known %s version", path,
			 shown ? shown : "?", phy ? "LoRaWAN PHY" : "LoRaWAN MAC");
		free(shown);
		return -1;
	}
	jp_set(dev, path, json_string(canon));
	return 0;
}

static bool owned_by_any(const char *path)
{
	if (jp_list_covers(tts_is_create_paths, path))
		return true;
	for (int c = 0; c < TTS_NCOMP; c++)
		if (jp_list_covers(tts_comps[c].set_paths, path))
			return true;
	return false;
}

/* Drops values no component can store (read-only or unknown fields). */
static void drop_unowned(json_t *dev, const char *dev_id)
{
	json_t *leaves = json_array();
	tts_value_paths(dev, NULL, leaves);
	size_t i;
	json_t *p;
	json_array_foreach(leaves, i, p)
	{
		const char *path = json_string_value(p);
		if (!owned_by_any(path)) {
			log_debug("device \"%s\": %s cannot be set at the destination; dropped",
				  dev_id, path);
			jp_del(dev, path);
		}
	}
	json_decref(leaves);
}

/* Fields that The Things Stack's end device does not have (a newer
 * version's, a typo): dropped, as the check "field-unknown" says. */
static void unknown_cb(void *ud, enum tts_problem pr, const char *path, const char *detail)
{
	(void)detail;
	if (pr == TTS_P_UNKNOWN)
		json_array_append_new(ud, json_string(path));
}

static void drop_unknown(json_t *dev)
{
	json_t *paths = json_array();
	tts_schema_problems(dev, unknown_cb, paths);
	size_t i;
	json_t *p;
	json_array_foreach(paths, i, p)
	{
		jp_del(dev, json_string_value(p));
	}
	json_decref(paths);
}

/* The host of a base URL ("https://eu1.example.com:443/api/v3" →
 * "eu1.example.com"), as ttn-lw-cli writes server addresses. */
static json_t *host_of(const char *url)
{
	const char *h = strstr(url, "://");
	h = h ? h + 3 : url;
	size_t n = strcspn(h, "/");
	if (*h == '[') { /* an IPv6 literal, without its brackets */
		const char *end = memchr(h, ']', n);
		if (end)
			return json_stringn(h + 1, (size_t)(end - h - 1));
	}
	const char *colon = memchr(h, ':', n);
	return json_stringn(h, colon ? (size_t)(colon - h) : n);
}

int dest_prepare(struct dest *d, json_t *dev, const char *prefix, bool force, char *err,
		 size_t errlen)
{
	if (!json_is_object(dev)) {
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	json_t *ids = json_object_get(dev, "ids");
	if (!json_is_object(ids)) {
		snprintf(err, errlen, "ids: missing");
		return -1;
	}
	/* Both DevAddrs normalised first: hex and base64 of one address agree. */
	const char *ids_raw = json_string_value(jp_get(dev, "ids.dev_addr"));
	const char *sess_raw = json_string_value(jp_get(dev, "session.dev_addr"));
	char ids_addr[16] = "", sess_addr[16] = "";
	if (ids_raw && *ids_raw && lw_devaddr_normalize(ids_raw, ids_addr) < 0)
		snprintf(ids_addr, sizeof ids_addr, "%.15s", ids_raw);
	if (sess_raw && *sess_raw && lw_devaddr_normalize(sess_raw, sess_addr) < 0)
		snprintf(sess_addr, sizeof sess_addr, "%.15s", sess_raw);
	if (*ids_addr && *sess_addr && strcmp(ids_addr, sess_addr) != 0 && !force &&
	    !check_allowed("dev-addr-mismatch")) {
		snprintf(err, errlen,
			 "ids.dev_addr %s differs from session.dev_addr %s (--force imports the "
			 "session's)",
			 ids_addr, sess_addr);
		return -1;
	}
	tts_devreg_strip(dev, true);
	/* The destination application replaces the file's. */
	jp_set(dev, "ids.application_ids",
	       json_pack("{s:s}", "application_id", d ? d->app_id : "check-offline"));
	/* What the old tool wrote as {"value": X}, TTS's JSON takes as X. */
	tts_unwrap_values(dev);
	if (ids_export_fixup(dev, prefix, err, errlen) < 0)
		return -1;
	const char *dev_id = json_string_value(jp_get(dev, "ids.device_id"));

	static const char *const eui_paths[] = {"ids.dev_eui", "ids.join_eui", NULL};
	static const char *const addr_paths[] = {"session.dev_addr", "pending_session.dev_addr",
						 NULL};
	for (const char *const *p = eui_paths; *p; p++)
		if (normalize_at(dev, *p, norm_eui, "EUI", err, errlen) < 0)
			return -1;
	for (const char *const *p = addr_paths; *p; p++)
		if (normalize_at(dev, *p, norm_addr, "DevAddr", err, errlen) < 0)
			return -1;
	for (const char *const *p = tts_key_paths; *p; p++) {
		/* All zeros is what --redact writes: importing it would give the
		 * destination a device without its keys. */
		const char *k = json_string_value(jp_get(dev, *p));
		char norm[64];
		if (k && *k && !force && !check_allowed("key-all-zero") &&
		    lw_key_normalize(k, norm) == 0 && lw_is_zero_hex(norm)) {
			snprintf(
			    err, errlen,
			    "%s: the key is all zeros (a --redact'ed export?); the device would "
			    "not work (--force imports it anyway)",
			    *p);
			return -1;
		}
		if (normalize_at(dev, *p, norm_key, "AES-128 key", err, errlen) < 0)
			return -1;
	}
	if (version_at(dev, "lorawan_version", false, err, errlen) < 0 ||
	    version_at(dev, "lorawan_phy_version", true, err, errlen) < 0 ||
	    version_at(dev, "mac_state.lorawan_version", false, err, errlen) < 0 ||
	    version_at(dev, "pending_mac_state.lorawan_version", false, err, errlen) < 0)
		return -1;
	json_t *sj = json_object_get(dev, "supports_join");
	if (sj && !json_is_boolean(sj)) {
		snprintf(err, errlen, "supports_join: must be true or false");
		return -1;
	}
	if (!json_string_value(json_object_get(dev, "frequency_plan_id"))) {
		snprintf(err, errlen, "frequency_plan_id: missing (the Network Server needs it)");
		return -1;
	}
	if (!json_string_value(json_object_get(dev, "lorawan_version")) ||
	    !json_string_value(json_object_get(dev, "lorawan_phy_version"))) {
		snprintf(err, errlen, "%s: missing",
			 json_object_get(dev, "lorawan_version") ? "lorawan_phy_version"
								 : "lorawan_version");
		return -1;
	}
	bool otaa = json_is_true(sj);
	/* null and {} are no session (and no MAC state) at all. */
	for (const char *const *p = (const char *const[]){"session", "mac_state", "pending_session",
							  "pending_mac_state", NULL};
	     *p; p++)
		if (jp_is_zero(json_object_get(dev, *p)))
			json_object_del(dev, *p);
	json_t *session = json_object_get(dev, "session");
	if (otaa && !json_string_value(jp_get(dev, "ids.join_eui"))) {
		snprintf(err, errlen, "ids.join_eui: missing (an OTAA device needs it)");
		return -1;
	}
	if (otaa && !json_string_value(jp_get(dev, "ids.dev_eui"))) {
		snprintf(err, errlen, "ids.dev_eui: missing (an OTAA device needs it)");
		return -1;
	}
	if (!otaa && !session && !force && !check_allowed("abp-without-session")) {
		snprintf(err, errlen,
			 "session: an ABP device without a session cannot work at "
			 "the destination (--force imports it anyway)");
		return -1;
	}
	if (session && !json_object_get(dev, "mac_state") && !force &&
	    !check_allowed("session-without-mac-state")) {
		snprintf(err, errlen,
			 "mac_state: the session has no MAC state; the Network Server would make "
			 "a default one and uplinks on other channels would be lost (--force "
			 "imports it anyway)");
		return -1;
	}
	drop_unknown(dev);
	drop_unowned(dev, dev_id ? dev_id : "?");
	/* As ttn-lw-cli and the Console create devices: the hosts of this
	 * deployment's servers; without them the Console shows the device as
	 * "Other cluster" and drops NS/AS/JS changes on edit. */
	if (!d)
		return 0;
	json_object_set_new(dev, "network_server_address", host_of(d->api.base[TTS_NS]));
	json_object_set_new(dev, "application_server_address", host_of(d->api.base[TTS_AS]));
	if (otaa)
		json_object_set_new(dev, "join_server_address", host_of(d->api.base[TTS_JS]));
	return 0;
}

/* ---- creating ------------------------------------------------------------- */

/* The first thing the destination would refuse in dev's shape: a wrapper
 * TTS's JSON does not read, two members of one oneof, a message that is not
 * an object. (Unknown fields are dropped by dest_prepare, never sent.) */
struct shape_err {
	char *err;
	size_t errlen;
	size_t n;
};

static void shape_cb(void *ud, enum tts_problem pr, const char *path, const char *detail)
{
	struct shape_err *s = ud;
	if (pr == TTS_P_UNKNOWN || s->n++)
		return;
	if (pr == TTS_P_TYPE || pr == TTS_P_RANGE || pr == TTS_P_ENUM) {
		snprintf(s->err, s->errlen, "%.200s: must be %s", path, detail);
		return;
	}
	snprintf(s->err, s->errlen, "%.200s: %s", path,
		 pr == TTS_P_WRAPPED ? "a {\"value\": ...} wrapper The Things Stack does not read"
		 : pr == TTS_P_ONEOF ? "more than one member of the oneof is set"
				     : "must be a JSON object");
}

int dest_check_create(struct dest *d, const json_t *dev, char *err, size_t errlen)
{
	(void)d;
	struct shape_err s = {err, errlen, 0};
	tts_schema_problems(dev, shape_cb, &s);
	if (s.n)
		return -1;
	bool otaa = json_is_true(json_object_get(dev, "supports_join"));
	for (int k = 0; k < TTS_NCOMP; k++) {
		enum tts_comp c = tts_create_order[k];
		if (c == TTS_JS && !otaa)
			continue;
		json_t *paths = NULL;
		json_t *body =
		    tts_devreg_body(dev, c == TTS_IS ? tts_is_create_paths : tts_comps[c].set_paths,
				    &paths, err, errlen);
		if (!body)
			return -1;
		json_decref(body);
		json_decref(paths);
	}
	return 0;
}

static const char *dev_id_of(const json_t *dev)
{
	const char *id = json_string_value(jp_get(dev, "ids.device_id"));
	return id ? id : "";
}

int dest_delete(struct dest *d, const json_t *dev, char *err, size_t errlen)
{
	struct tts_error e = {0};
	char done[32];
	enum tts_comp at = TTS_IS;
	int rc = tts_devreg_delete(&d->api, d->app_id, dev_id_of(dev), done, sizeof done, &at, &e);
	if (rc < 0)
		snprintf(err, errlen, "deleting from the %s: %s", tts_comps[at].name, e.message);
	tts_error_clear(&e);
	return rc;
}

static enum dest_fail classify(const struct tts_error *e)
{
	if (e->status == 409)
		return DEST_EXISTS;
	if (e->status == 0 || e->status == 429 || e->status >= 500)
		return DEST_UNAVAILABLE;
	if (e->status == 401 || e->status == 403)
		return DEST_DENIED;
	return DEST_REJECTED;
}

enum dest_fail dest_create(struct dest *d, const json_t *dev, bool resume, char *err, size_t errlen)
{
	return dest_create_answered(d, dev, resume, NULL, err, errlen);
}

/* On resume, a device under the id is adopted only when its ids and EUIs are
 * the ones sent: 1 ours, 0 another device (err says so), -1 unknown. */
static int adopt(struct dest *d, const json_t *body, char *err, size_t errlen)
{
	struct tts_error e = {0};
	int rc = tts_created_as_sent(&d->api, d->app_id, body, NULL, &e);
	if (rc == 0)
		snprintf(err, errlen,
			 "creating on the Identity Server: the id was taken, and the device is no "
			 "longer there");
	else if (rc < 0 && e.status == 409) {
		rc = 0;
		snprintf(
		    err, errlen,
		    "creating on the Identity Server: %s (already registered at the destination)",
		    e.message);
	} else if (rc < 0)
		snprintf(err, errlen, "creating on the Identity Server: reading back: %s",
			 e.message);
	tts_error_clear(&e);
	return rc;
}

enum dest_fail dest_create_answered(struct dest *d, const json_t *dev, bool resume,
				    json_t **answers, char *err, size_t errlen)
{
	struct tts_error e = {0};
	const char *id = dev_id_of(dev);
	bool otaa = json_is_true(json_object_get(dev, "supports_join"));
	enum dest_fail rc = DEST_OK;
	bool created = false;
	json_t *paths = NULL;
	json_t *body = tts_devreg_body(dev, tts_is_create_paths, &paths, err, errlen);
	if (!body)
		return DEST_REJECTED;
	if (answers)
		*answers = json_object();
	if (tts_create_device(&d->api, d->app_id, body, NULL, &e) == 0) {
		created = true;
	} else if (!(resume && tts_error_is(&e, "id_taken"))) {
		rc = classify(&e);
		snprintf(err, errlen, "creating on the Identity Server: %s%s", e.message,
			 rc == DEST_EXISTS ? " (already registered at the destination)" : "");
		goto done;
	} else {
		/* A create of an earlier attempt may have taken: ours only with
		 * the ids and EUIs sent (no existence check came before it). */
		int a = adopt(d, body, err, errlen);
		if (a <= 0) {
			rc = a == 0 ? DEST_EXISTS : DEST_UNAVAILABLE;
			goto done; /* not (known to be) ours: never rolled back */
		}
	}
	for (int k = 1; k < TTS_NCOMP; k++) {
		enum tts_comp c = tts_create_order[k];
		json_decref(body);
		json_decref(paths);
		body = tts_devreg_body(dev, tts_comps[c].set_paths, &paths, err, errlen);
		if (!body) {
			rc = DEST_REJECTED;
			goto rollback;
		}
		/* The JS only holds OTAA devices; the NS and AS always get a Set. */
		if (c == TTS_JS && (!otaa || json_array_size(paths) == 0))
			continue;
		json_t *got = NULL;
		if (tts_set_device(&d->api, c, d->app_id, id, body, paths, answers ? &got : NULL,
				   &e) < 0) {
			rc = classify(&e);
			snprintf(err, errlen, "setting on the %s: %s", tts_comps[c].name,
				 e.message);
			goto rollback;
		}
		/* The stored device, as the component answered: verify compares it. */
		if (answers && got)
			json_object_set_new(*answers, tts_comps[c].abbr, got);
		else
			json_decref(got);
	}
	goto done;
rollback:
	/* Only what this call may have created: never an existing device. */
	if (created || resume) {
		char e2[256];
		if (dest_delete(d, dev, e2, sizeof e2) < 0)
			log_warn("device \"%s\": rolling back at the destination: %s", id, e2);
		else
			log_debug("device \"%s\": rolled back at the destination", id);
	}
done:
	if (answers && rc != DEST_OK) {
		json_decref(*answers);
		*answers = NULL;
	}
	json_decref(body);
	json_decref(paths);
	tts_error_clear(&e);
	return rc;
}

int dest_exists(struct dest *d, const char *dev_id, bool *exists, char *err, size_t errlen)
{
	struct tts_error e = {0};
	json_t *out = NULL;
	int rc = tts_devreg_find(&d->api, TTS_IS, d->app_id, dev_id,
				 (const char *const[]){"ids", NULL}, &out, &e);
	*exists = rc == 1;
	if (rc < 0)
		snprintf(err, errlen, "checking the destination: %s", e.message);
	json_decref(out);
	tts_error_clear(&e);
	return rc < 0 ? -1 : 0;
}

/* ---- verifying ------------------------------------------------------------ */

struct field_check {
	enum tts_comp comp;
	const char *path;
};

/* What must have arrived for the session to go on where it was. The NS
 * resets session.started_at on create, so it is not compared. */
static const struct field_check verify_fields[] = {
    {TTS_NS, "session.dev_addr"},
    {TTS_NS, "session.keys.f_nwk_s_int_key.key"},
    {TTS_NS, "session.keys.s_nwk_s_int_key.key"},
    {TTS_NS, "session.keys.nwk_s_enc_key.key"},
    {TTS_NS, "session.keys.session_key_id"},
    {TTS_NS, "session.last_f_cnt_up"},
    {TTS_NS, "session.last_n_f_cnt_down"},
    {TTS_NS, "session.last_conf_f_cnt_down"},
    {TTS_NS, "lorawan_version"},
    {TTS_NS, "lorawan_phy_version"},
    {TTS_NS, "frequency_plan_id"},
    {TTS_NS, "mac_state.current_parameters.channels"},
    {TTS_NS, "mac_state.desired_parameters.channels"},
    {TTS_NS, "mac_state.current_parameters.rx1_delay"},
    {TTS_NS, "mac_state.current_parameters.rx2_frequency"},
    {TTS_NS, "mac_state.device_class"},
    {TTS_AS, "session.dev_addr"},
    {TTS_AS, "session.keys.app_s_key.key"},
    {TTS_AS, "session.keys.session_key_id"},
    {TTS_AS, "session.last_a_f_cnt_down"},
    {TTS_JS, "root_keys.app_key.key"},
    {TTS_JS, "root_keys.nwk_key.key"},
};

static void append(struct strbuf *sb, const char *s)
{
	strbuf_addsep(sb, "; ");
	strbuf_addstr(sb, s);
}

/* Compares the fields component c must hold (got: its answer) with dev;
 * 0 equal, 1 with the differences appended to diff. */
static int compare(enum tts_comp c, const json_t *dev, const json_t *got, struct strbuf *diff)
{
	const size_t nf = sizeof verify_fields / sizeof *verify_fields;
	int rc = 0;
	for (size_t i = 0; i < nf; i++) {
		if (verify_fields[i].comp != c)
			continue;
		const char *p = verify_fields[i].path;
		json_t *want = jp_get(dev, p), *have = jp_get(got, p);
		/* 1.0.x: the NS derives the two other network keys. */
		bool derived = strstr(p, "s_nwk_s_int_key") || strstr(p, "nwk_s_enc_key");
		if (!want && derived)
			continue;
		if (jp_is_zero(want) && jp_is_zero(have))
			continue;
		if (want && have && json_equal(want, have))
			continue;
		char line[256];
		bool secret = strstr(p, "key") != NULL;
		char *ws =
		    want && !secret ? json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
		char *hs =
		    have && !secret ? json_dumps(have, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
		snprintf(line, sizeof line, "%s %s: expected %.60s, destination has %.60s",
			 tts_comps[c].abbr, p,
			 secret ? (want ? "(a key)" : "none")
			 : ws	? ws
				: "none",
			 secret ? (have ? "(another key)" : "none")
			 : hs	? hs
				: "none");
		free(ws);
		free(hs);
		append(diff, line);
		rc = 1;
	}
	return rc;
}

/* An answer names the device and application asked for, or it is not one. */
static bool answer_is_of(const json_t *got, const char *app, const char *id)
{
	const char *gid = json_string_value(jp_get(got, "ids.device_id"));
	const char *gapp = json_string_value(jp_get(got, "ids.application_ids.application_id"));
	return gid && gapp && strcmp(gid, id) == 0 && strcmp(gapp, app) == 0;
}

int dest_verify(struct dest *d, const json_t *dev, char *diff, size_t difflen)
{
	const size_t nf = sizeof verify_fields / sizeof *verify_fields;
	const char *id = dev_id_of(dev);
	bool otaa = json_is_true(json_object_get(dev, "supports_join"));
	diff[0] = '\0';
	struct strbuf all = STRBUF_INIT; /* the differences, copied to diff at the end */
	int rc = 0;
	for (int c = 1; c < TTS_NCOMP; c++) {
		if (c == TTS_JS && !otaa)
			continue;
		json_t *mask = json_array(), *got = NULL;
		for (size_t i = 0; i < nf; i++)
			if (verify_fields[i].comp == (enum tts_comp)c)
				json_array_append_new(mask, json_string(verify_fields[i].path));
		struct tts_error e = {0};
		if (tts_get_device(&d->api, (enum tts_comp)c, d->app_id, id, mask, &got, &e) < 0) {
			snprintf(diff, difflen, "reading back from the %s: %s", tts_comps[c].name,
				 e.message);
			tts_error_clear(&e);
			json_decref(mask);
			strbuf_release(&all);
			return -1;
		}
		tts_error_clear(&e);
		if (!answer_is_of(got, d->app_id, id)) {
			snprintf(diff, difflen,
				 "reading back from the %s: an answer about another device",
				 tts_comps[c].name);
			json_decref(got);
			json_decref(mask);
			strbuf_release(&all);
			return -1;
		}
		if (compare((enum tts_comp)c, dev, got, &all))
			rc = 1;
		json_decref(got);
		json_decref(mask);
	}
	str_copy_cut(diff, difflen, all.buf);
	strbuf_release(&all);
	return rc;
}

int dest_verify_answers(struct dest *d, const json_t *dev, const json_t *answers, char *diff,
			size_t difflen)
{
	const char *id = dev_id_of(dev);
	bool otaa = json_is_true(json_object_get(dev, "supports_join"));
	diff[0] = '\0';
	struct strbuf all = STRBUF_INIT; /* the differences, copied to diff at the end */
	int rc = 0;
	for (int c = 1; c < TTS_NCOMP; c++) {
		if (c == TTS_JS && !otaa)
			continue;
		const json_t *got = json_object_get(answers, tts_comps[c].abbr);
		if (!got || !answer_is_of(got, d->app_id, id)) {
			snprintf(diff, difflen, "the %s's answer to the Set %s", tts_comps[c].name,
				 got ? "is about another device" : "is missing");
			strbuf_release(&all);
			return -1;
		}
		if (compare((enum tts_comp)c, dev, got, &all))
			rc = 1;
	}
	str_copy_cut(diff, difflen, all.buf);
	strbuf_release(&all);
	return rc;
}

int dest_set_downlinks(struct dest *d, const json_t *dev, bool on, char *err, size_t errlen)
{
	struct tts_error e = {0};
	int rc = tts_devreg_set_downlinks(&d->api, d->app_id, dev_id_of(dev), dev, on, &e);
	if (rc < 0)
		snprintf(err, errlen, "Network Server: %s", e.message);
	tts_error_clear(&e);
	return rc;
}
