/*
 * The rules of `check`, one function per group: identity, versions and band,
 * session, MAC state against the band, DevAddr against the destination.
 * Facts behind each rule: ../shared/spec/tts-api.md §5 and
 * users-and-network.md §A–§C (what the Network Server, Application Server and
 * Identity Server refuse, and what makes a migrated device go quiet).
 */
#include "check/check.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "core/jsonpath.h"
#include "core/lorawan.h"
#include "core/strbuf.h"
#include "dest/dest.h"
#include "net/tts_components.h"
#include "net/tts_schema.h"

const struct check_rule check_rules[] = {
    {"json-malformed", CHECK_ERROR,
     "an object of the input is not valid JSON (the other objects are still checked)"},
    {"device-not-object", CHECK_ERROR, "a value of the input is not a JSON object"},
    {"band-data-unavailable", CHECK_WARNING,
     "data/bands.json cannot be read, so the band rules are skipped (once per run)"},
    {"device-id-invalid", CHECK_ERROR,
     "the device ID, after --dev-id-prefix and _ to -, is not a valid ID (or there is no "
     "ID and no DevEUI)"},
    {"device-id-blocklisted", CHECK_ERROR, "the Identity Server refuses this ID (forbidden_id)"},
    {"device-id-collision", CHECK_ERROR,
     "two devices get the same ID after --dev-id-prefix and _ to -"},
    {"eui-invalid", CHECK_ERROR,
     "an EUI is malformed, OTAA lacks JoinEUI or DevEUI, or ABP with MAC 1.0.4 or later "
     "lacks DevEUI"},
    {"eui-duplicate", CHECK_ERROR, "two devices of the input have the same JoinEUI/DevEUI pair"},
    {"device-exists-at-destination", CHECK_ERROR,
     "--dest: the destination application has a device with this ID"},
    {"eui-registered-at-destination", CHECK_ERROR,
     "--dest: the JoinEUI/DevEUI pair is registered to another device of the destination "
     "application"},
    {"eui-other-applications-unchecked", CHECK_INFO,
     "--dest: EUIs registered in other applications cannot be looked up (once per run)"},
    {"mac-version-invalid", CHECK_ERROR, "lorawan_version missing or unknown"},
    {"phy-version-invalid", CHECK_ERROR, "lorawan_phy_version missing or unknown"},
    {"frequency-plan-missing", CHECK_ERROR, "no frequency_plan_id"},
    {"frequency-plan-unknown", CHECK_ERROR,
     "frequency_plan_id is not a plan of lorawan-frequency-plans"},
    {"band-phy-unsupported", CHECK_ERROR,
     "the plan's band has no definition for the PHY version (no_band_version)"},
    {"mac-phy-pair-invalid", CHECK_WARNING, "the MAC/PHY version pair is not a valid LoRaWAN pair"},
    {"abp-without-session", CHECK_ERROR, "an ABP device without a session"},
    {"session-without-mac-state", CHECK_ERROR,
     "a session without MAC state (the Network Server would make a default one)"},
    {"mac-state-incomplete", CHECK_ERROR,
     "MAC state without current and desired parameters with channels"},
    {"session-dev-addr-invalid", CHECK_ERROR, "a session without a valid DevAddr"},
    {"dev-addr-mismatch", CHECK_ERROR, "ids.dev_addr differs from session.dev_addr"},
    {"session-keys-missing", CHECK_ERROR,
     "a session key the MAC version needs is missing (1.1: f_nwk_s_int_key, "
     "s_nwk_s_int_key, nwk_s_enc_key, app_s_key; 1.0.x: f_nwk_s_int_key, app_s_key)"},
    {"session-keys-inconsistent", CHECK_ERROR,
     "MAC 1.0.x: s_nwk_s_int_key or nwk_s_enc_key differs from f_nwk_s_int_key"},
    {"session-key-id", CHECK_ERROR,
     "an OTAA session without session_key_id, or an ABP session with one"},
    {"pending-session", CHECK_WARNING,
     "a pending session or pending MAC state (an error for ABP devices)"},
    {"f-cnt-near-wrap", CHECK_WARNING,
     "a frame counter at or above 0xFF00 while supports_32_bit_f_cnt is false"},
    {"channel-count-exceeds-band", CHECK_ERROR,
     "the MAC state has more channels than the band allows"},
    {"channel-outside-band", CHECK_ERROR,
     "a MAC state frequency (channel, RX2, ping slot, beacon) is outside the band"},
    {"devaddr-outside-destination", CHECK_WARNING,
     "the session's DevAddr is outside the destination's DevAddr blocks: uplinks arrive "
     "only through gateways connected to the destination"},
    {"field-unknown", CHECK_WARNING,
     "a field The Things Stack's end device does not have (v3.32.1 schema): dropped on "
     "import"},
    {"field-not-object", CHECK_ERROR, "a field that holds a message is not a JSON object"},
    {"value-wrapper", CHECK_WARNING,
     "a {\"value\": X} wrapper (v2 exporter, older docs): import writes X, as The Things "
     "Stack's JSON expects"},
    {"oneof-conflict", CHECK_ERROR,
     "more than one member of a oneof is set (e.g. mac_settings.adr static and dynamic)"},
    {"key-invalid", CHECK_ERROR, "a key that is not 16 bytes of hex or base64"},
    {"value-invalid", CHECK_ERROR,
     "a value of the wrong type or outside its range (a frame counter of 2^32, -1 or 12.5; a "
     "frequency that is not a whole number)"},
    {"value-not-in-enum", CHECK_ERROR, "a value that is not one of its enum's names"},
    {"key-all-zero", CHECK_ERROR,
     "a key of all zeros (what --redact writes): the device would not work"},
    {"supports-join-invalid", CHECK_ERROR, "supports_join is not true or false"},
    {"import-refused", CHECK_ERROR,
     "import would refuse the device for a reason no other rule names (please report it)"},
    {"devaddr-destination-unknown", CHECK_INFO,
     "without --dest or --dest-dev-addr-prefix: the block a DevAddr belongs to (once per "
     "block)"},
    {"coverage-a", CHECK_INFO,
     "--coverage, class A: every recent uplink heard by a gateway of the plan (one you can move)"},
    {"coverage-b", CHECK_WARNING,
     "--coverage, class B: some recent uplinks heard only by gateways that do not move or via "
     "Packet Broker: about that share is lost after the move"},
    {"coverage-c", CHECK_ERROR,
     "--coverage, class C: no recent uplink heard by a gateway you can move: keep the session "
     "(export with --no-session so the device rejoins), or move a gateway that hears it"},
    {"coverage-d", CHECK_WARNING, "--coverage, class D: no recent uplinks: coverage unknown"},
    {"coverage-stay-behind", CHECK_WARNING,
     "--coverage: a gateway of the plan also hears devices that stay behind (Packet Broker "
     "does not forward Cloud to Sandbox by default)"},
    {"coverage-rights-unavailable", CHECK_WARNING,
     "--coverage: a gateway's rights could not be read at the source: ownership unknown"},
    {"coverage-plan", CHECK_INFO,
     "--coverage: the devices per class and the plan (the gateways to move with them)"},
    {NULL, NULL, NULL},
};

/* ---- findings ----------------------------------------------------------------- */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Length of the valid UTF-8 sequence at s, or 0 (jansson's rules: no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
static int utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];
	int n;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
	else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

/* Messages quote input cut with "%.40s" and are cut at their buffer's size,
 * which may split a character: replace what is not valid UTF-8 with '?'. */
static void utf8_sanitize(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p;) {
		int n = utf8_seq(p);
		if (n == 0) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

void check_add(json_t *findings, const char *severity, const char *rule, const char *device_id,
	       const char *field, const char *where, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	char *msg = sb.buf;
	utf8_sanitize(msg);
	json_t *f = json_object();
	json_object_set_new(f, "severity", json_string(severity));
	json_object_set_new(f, "rule", json_string(rule));
	json_object_set_new(f, "device_id", str_or_null(device_id));
	json_object_set_new(f, "field", str_or_null(field));
	json_object_set_new(f, "message", json_string(msg));
	json_object_set_new(f, "input", str_or_null(where));
	json_array_append_new(findings, f);
	strbuf_release(&sb);
}

/* ---- the checker ---------------------------------------------------------------- */

struct block {
	uint32_t prefix;
	int bits;
	char text[24]; /* "26000000/7" */
};

struct checker {
	char *prefix;
	struct block *dest;
	size_t ndest;
	char net_id[7];
	json_t *dest_ids, *dest_euis;
	json_t *bands; /* data/bands.json, or NULL */
	char bands_err[512];
	bool bands_reported;
	json_t *blocks;		  /* data/devaddr-blocks.json, or an empty object */
	json_t *seen_ids;	  /* fixed device id → {"where","id"} */
	json_t *seen_euis;	  /* "JOIN/DEV" → {"where","id"} */
	json_t *unknown_reported; /* block text → true */
	bool euis_scope_reported;
	bool preview_import; /* check_opts.preview_import */
};

static void block_text(struct block *b)
{
	snprintf(b->text, sizeof b->text, "%08" PRIX32 "/%d", b->prefix, b->bits);
}

struct checker *checker_new(const struct check_opts *opts)
{
	struct checker *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (opts && opts->prefix && *opts->prefix)
		c->prefix = strdup(opts->prefix);
	size_t n = opts ? json_array_size(opts->dest_prefixes) : 0;
	c->dest = calloc(n + 1, sizeof *c->dest);
	for (size_t i = 0; c->dest && i < n; i++) {
		struct block *b = &c->dest[c->ndest];
		if (lw_prefix_parse(json_string_value(json_array_get(opts->dest_prefixes, i)),
				    &b->prefix, &b->bits) == 0) {
			block_text(b);
			c->ndest++;
		}
	}
	uint32_t netid;
	if (opts && opts->dest_net_id && lw_netid_parse(opts->dest_net_id, &netid) == 0) {
		snprintf(c->net_id, sizeof c->net_id, "%06" PRIX32, netid);
		/* Without prefixes a Network Server allocates from its NetID's block. */
		if (c->ndest == 0 && c->dest &&
		    lw_devaddr_prefix_of_netid(netid, &c->dest[0].prefix, &c->dest[0].bits) == 0) {
			block_text(&c->dest[0]);
			c->ndest = 1;
		}
	}
	if (opts && json_is_object(opts->dest_device_ids))
		c->dest_ids = json_incref(opts->dest_device_ids);
	if (opts && json_is_object(opts->dest_euis))
		c->dest_euis = json_incref(opts->dest_euis);
	c->bands = check_data_load("bands.json", c->bands_err, sizeof c->bands_err);
	if (c->bands && (!json_is_object(json_object_get(c->bands, "frequency_plans")) ||
			 !json_is_object(json_object_get(c->bands, "bands")))) {
		snprintf(c->bands_err, sizeof c->bands_err,
			 "bands.json: no \"frequency_plans\" or \"bands\" object");
		json_decref(c->bands);
		c->bands = NULL;
	}
	char ignored[512];
	c->blocks = check_data_load("devaddr-blocks.json", ignored, sizeof ignored);
	if (!c->blocks)
		c->blocks = json_object(); /* only names blocks; the checks do not need it */
	/* Without cross-device rules (a source that guarantees unique ids and
	 * EUIs), nothing is remembered and memory does not grow with the run. */
	bool cross = !(opts && opts->no_cross_device);
	c->preview_import = opts && opts->preview_import;
	c->seen_ids = cross ? json_object() : NULL;
	c->seen_euis = cross ? json_object() : NULL;
	c->unknown_reported = json_object();
	if (!c->dest || (cross && (!c->seen_ids || !c->seen_euis)) || !c->unknown_reported) {
		checker_free(c);
		return NULL;
	}
	return c;
}

void checker_free(struct checker *c)
{
	if (!c)
		return;
	free(c->prefix);
	free(c->dest);
	json_decref(c->dest_ids);
	json_decref(c->dest_euis);
	json_decref(c->bands);
	json_decref(c->blocks);
	json_decref(c->seen_ids);
	json_decref(c->seen_euis);
	json_decref(c->unknown_reported);
	free(c);
}

void check_opts_release(struct check_opts *opts)
{
	json_decref(opts->dest_prefixes);
	json_decref(opts->dest_device_ids);
	json_decref(opts->dest_euis);
	opts->dest_prefixes = opts->dest_device_ids = opts->dest_euis = NULL;
}

/* ---- one device ------------------------------------------------------------------ */

struct ctx {
	struct checker *c;
	const json_t *dev;
	const char *where;
	const char *id; /* as in the input, or NULL */
	json_t *findings;
	int errors;
	bool otaa, multicast;
	const char *mac; /* canonical, or NULL when missing/unknown */
	const char *phy;
	const char *plan;
	const json_t *band; /* the band's entry of bands.json, or NULL */
	const char *band_id;
};

__attribute__((format(printf, 5, 6))) static void
add(struct ctx *x, const char *severity, const char *rule, const char *field, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	/* --allow RULE (or --force): the device goes on, so the finding is a
	 * warning, for `check` as for import. */
	if (strcmp(severity, CHECK_ERROR) == 0 && check_allowed(rule)) {
		severity = CHECK_WARNING;
		strbuf_addf(&msg, " (allowed by --allow %s)", rule);
	}
	check_add(x->findings, severity, rule, x->id, field, x->where, "%s", msg.buf);
	strbuf_release(&msg);
	if (strcmp(severity, CHECK_ERROR) == 0)
		x->errors++;
}

/* A non-empty string at path, or NULL. */
static const char *str_at(const json_t *dev, const char *path)
{
	const char *s = json_string_value(jp_get(dev, path));
	return s && *s ? s : NULL;
}

/* A short, printable rendering of a JSON value for messages. */
static const char *shown(const json_t *v, char *buf, size_t len)
{
	char *s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	snprintf(buf, len, "%.40s%s", s ? s : "null", s && strlen(s) > 40 ? "…" : "");
	free(s);
	return buf;
}

/* A uint64 as TTS writes it: a number, or a decimal string. */
static bool u64_of(const json_t *v, uint64_t *out)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return true;
	}
	const char *s = json_string_value(v);
	if (!s || !*s)
		return false;
	uint64_t n = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || n > UINT64_MAX / 10)
			return false;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	*out = n;
	return true;
}

/* The canonical version name of a string or number, or NULL. */
static const char *version_of(const json_t *v, bool phy)
{
	char num[24];
	const char *s = json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		s = num;
	}
	if (!s)
		return NULL;
	return phy ? lw_phy_version_canonical(s) : lw_mac_version_canonical(s);
}

static bool mac_is_1_1(const char *mac)
{
	return mac && strcmp(mac, "MAC_V1_1") == 0;
}

/* MAC 1.0.4 and 1.1 require a DevEUI for ABP (macspec.RequireDevEUIForABP). */
static bool mac_needs_abp_dev_eui(const char *mac)
{
	return mac && (strcmp(mac, "MAC_V1_0_4") == 0 || strcmp(mac, "MAC_V1_1") == 0);
}

/* Megahertz without trailing zeros: 863, 433.175, 923.3. */
static const char *mhz(uint64_t hz, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 ".%06" PRIu64, hz / 1000000, hz % 1000000);
	char *end = buf + strlen(buf) - 1;
	while (*end == '0')
		*end-- = '\0';
	if (*end == '.')
		*end = '\0';
	return buf;
}

/* ---- identity ---------------------------------------------------------------------- */

/* A seen device is one string, "where\x1fid": one allocation instead of an
 * object of two, since these sets grow with the input (about 150 bytes a
 * device instead of 500). */
static void remember(json_t *seen, const char *key, const struct ctx *x)
{
	struct strbuf v = STRBUF_INIT;
	strbuf_addf(&v, "%s\x1f%s", x->where ? x->where : "", x->id ? x->id : "");
	json_object_set_new(seen, key, json_string(v.buf));
	strbuf_release(&v);
}

static const char *seen_where(const json_t *prev, struct strbuf *buf)
{
	const char *v = json_string_value(prev) ? json_string_value(prev) : "";
	strbuf_reset(buf);
	strbuf_add(buf, v, strcspn(v, "\x1f"));
	return buf->len ? buf->buf : "an earlier position";
}

/* The id part of a remembered device, or NULL when it had none. */
static const char *seen_id(const json_t *prev)
{
	const char *v = json_string_value(prev);
	const char *sep = v ? strchr(v, '\x1f') : NULL;
	return sep && sep[1] ? sep + 1 : NULL;
}

/* Leaves the id the import will use in fixed ("" when there is none). */
static void check_device_id(struct ctx *x, char fixed_out[IDS_MAX_LEN + 1])
{
	struct checker *c = x->c;
	json_t *ids = json_object_get(x->dev, "ids");
	fixed_out[0] = '\0';
	if (!json_is_object(ids)) {
		add(x, CHECK_ERROR, "device-id-invalid", "ids",
		    "ids: missing, so the device has neither an ID nor EUIs");
		return;
	}
	/* The import's fix-ups, on a copy; the destination application replaces
	 * the file's, so its id does not matter here. */
	json_t *copy = json_pack("{s:o}", "ids", json_deep_copy(ids));
	json_object_del(json_object_get(copy, "ids"), "application_ids");
	char err[512];
	if (ids_export_fixup(copy, c->prefix, err, sizeof err) < 0) {
		add(x, CHECK_ERROR, "device-id-invalid", "ids.device_id", "%s", err);
		json_decref(copy);
		return;
	}
	const char *fixed = json_string_value(jp_get(copy, "ids.device_id"));
	char how[160] = "";
	if (x->id && strcmp(x->id, fixed) != 0)
		snprintf(how, sizeof how, " (\"%.40s\" after --dev-id-prefix and _ to -)", x->id);
	else if (!x->id)
		snprintf(how, sizeof how, " (made from the DevEUI)");
	if (!ids_valid(fixed)) {
		add(x, CHECK_ERROR, "device-id-invalid", "ids.device_id",
		    "ids.device_id \"%.40s\"%s: must match %s (lower case) and be at most %d "
		    "characters",
		    fixed, how, IDS_PATTERN, IDS_MAX_LEN);
		json_decref(copy);
		return;
	}
	if (ids_blocklisted(fixed))
		add(x, CHECK_ERROR, "device-id-blocklisted", "ids.device_id",
		    "ids.device_id \"%s\"%s: the Identity Server refuses this ID (forbidden_id); "
		    "use --dev-id-prefix",
		    fixed, how);
	json_t *prev = c->seen_ids ? json_object_get(c->seen_ids, fixed) : NULL;
	if (prev) {
		struct strbuf wbuf = STRBUF_INIT;
		const char *pid = seen_id(prev);
		add(x, CHECK_ERROR, "device-id-collision", "ids.device_id",
		    "ids.device_id \"%s\"%s: the device at %s (\"%s\") gets the same ID; only one "
		    "of them can be created",
		    fixed, how, seen_where(prev, &wbuf), pid ? pid : fixed);
		strbuf_release(&wbuf);
	} else if (c->seen_ids) {
		remember(c->seen_ids, fixed, x);
	}
	if (c->dest_ids && json_object_get(c->dest_ids, fixed))
		add(x, CHECK_ERROR, "device-exists-at-destination", "ids.device_id",
		    "ids.device_id \"%s\"%s: the destination application already has a device with "
		    "this ID; delete it there first, or use --dev-id-prefix",
		    fixed, how);
	snprintf(fixed_out, IDS_MAX_LEN + 1, "%s", fixed);
	json_decref(copy);
}

/* Reads ids.dev_eui / ids.join_eui: 0 absent, 1 valid (hex in out), -1 bad. */
static int eui_at(struct ctx *x, const char *path, char out[2 * LW_EUI_LEN + 1])
{
	json_t *v = jp_get(x->dev, path);
	out[0] = '\0';
	if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)))
		return 0;
	if (json_is_string(v) && lw_eui_normalize(json_string_value(v), out) == 0)
		return 1;
	char b[64];
	add(x, CHECK_ERROR, "eui-invalid", path, "%s %s: not an EUI (8 bytes of hex or base64)",
	    path, shown(v, b, sizeof b));
	return -1;
}

static void check_euis(struct ctx *x, const char *fixed)
{
	struct checker *c = x->c;
	char dev[2 * LW_EUI_LEN + 1], join[2 * LW_EUI_LEN + 1];
	int d = eui_at(x, "ids.dev_eui", dev), j = eui_at(x, "ids.join_eui", join);
	bool dev_set = d > 0 && !lw_is_zero_hex(dev);
	if (x->otaa && j == 0)
		add(x, CHECK_ERROR, "eui-invalid", "ids.join_eui",
		    "ids.join_eui: missing; an OTAA device needs it (the Join Server and Network "
		    "Server refuse the device without it; all zeros is allowed)");
	if (x->otaa && d >= 0 && !dev_set)
		add(x, CHECK_ERROR, "eui-invalid", "ids.dev_eui",
		    "ids.dev_eui: missing or zero; an OTAA device needs it");
	if (!x->otaa && !x->multicast && d >= 0 && !dev_set && mac_needs_abp_dev_eui(x->mac))
		add(x, CHECK_ERROR, "eui-invalid", "ids.dev_eui",
		    "ids.dev_eui: missing; the Network Server requires a DevEUI for an ABP device "
		    "of %s",
		    x->mac);
	/* The Identity Server's unique index is on (join_eui, dev_eui); a device
	 * without a JoinEUI stores NULL there and never collides. */
	if (!dev_set || j <= 0)
		return;
	char key[2 * 2 * LW_EUI_LEN + 2];
	snprintf(key, sizeof key, "%s/%s", join, dev);
	json_t *prev = c->seen_euis ? json_object_get(c->seen_euis, key) : NULL;
	if (prev) {
		struct strbuf wbuf = STRBUF_INIT;
		const char *pid = seen_id(prev);
		add(x, CHECK_ERROR, "eui-duplicate", "ids.dev_eui",
		    "JoinEUI %s / DevEUI %s: also used by the device at %s (\"%s\"); the EUI pair "
		    "is unique per deployment, so the second create fails (end_device_euis_taken)",
		    join, dev, seen_where(prev, &wbuf), pid ? pid : "?");
		strbuf_release(&wbuf);
	} else if (c->seen_euis) {
		remember(c->seen_euis, key, x);
	}
	const char *owner =
	    c->dest_euis ? json_string_value(json_object_get(c->dest_euis, key)) : NULL;
	if (owner && (!fixed || strcmp(owner, fixed) != 0))
		add(x, CHECK_ERROR, "eui-registered-at-destination", "ids.dev_eui",
		    "JoinEUI %s / DevEUI %s: already registered at the destination as device "
		    "\"%s\"; delete that device first (the create fails with "
		    "end_device_euis_taken)",
		    join, dev, owner);
}

/* ---- versions and band ------------------------------------------------------------ */

static void check_versions(struct ctx *x)
{
	char b[64];
	json_t *mv = json_object_get(x->dev, "lorawan_version");
	json_t *pv = json_object_get(x->dev, "lorawan_phy_version");
	if (!mv || json_is_null(mv))
		add(x, CHECK_ERROR, "mac-version-invalid", "lorawan_version",
		    "lorawan_version: missing (the Network Server needs it)");
	else if (!x->mac || strcmp(x->mac, "MAC_UNKNOWN") == 0)
		add(x, CHECK_ERROR, "mac-version-invalid", "lorawan_version",
		    "lorawan_version %s: not a LoRaWAN MAC version The Things Stack accepts",
		    shown(mv, b, sizeof b));
	if (!pv || json_is_null(pv))
		add(x, CHECK_ERROR, "phy-version-invalid", "lorawan_phy_version",
		    "lorawan_phy_version: missing (the Network Server needs it)");
	else if (!x->phy || strcmp(x->phy, "PHY_UNKNOWN") == 0)
		add(x, CHECK_ERROR, "phy-version-invalid", "lorawan_phy_version",
		    "lorawan_phy_version %s: not a LoRaWAN PHY version The Things Stack accepts",
		    shown(pv, b, sizeof b));
	if (x->mac && x->phy && strcmp(x->mac, "MAC_UNKNOWN") != 0 &&
	    strcmp(x->phy, "PHY_UNKNOWN") != 0 && !lw_mac_phy_pair_valid(x->mac, x->phy))
		add(x, CHECK_WARNING, "mac-phy-pair-invalid", "lorawan_phy_version",
		    "lorawan_phy_version %s does not go with lorawan_version %s (the Console "
		    "offers other pairs; the Network Server accepts it, but the device and the "
		    "network may disagree on regional parameters)",
		    x->phy, x->mac);

	json_t *fp = json_object_get(x->dev, "frequency_plan_id");
	if (!x->plan) {
		if (fp && !json_is_null(fp) && !(json_is_string(fp) && !*json_string_value(fp)))
			add(x, CHECK_ERROR, "frequency-plan-unknown", "frequency_plan_id",
			    "frequency_plan_id %s: not a string", shown(fp, b, sizeof b));
		else
			add(x, CHECK_ERROR, "frequency-plan-missing", "frequency_plan_id",
			    "frequency_plan_id: missing (the Network Server needs it)");
		return;
	}
	json_t *bands = x->c->bands;
	if (!bands)
		return;
	x->band_id =
	    json_string_value(json_object_get(json_object_get(bands, "frequency_plans"), x->plan));
	if (!x->band_id) {
		add(x, CHECK_ERROR, "frequency-plan-unknown", "frequency_plan_id",
		    "frequency_plan_id \"%.60s\": not a frequency plan of The Things Stack "
		    "(lorawan-frequency-plans); the Network Server answers not_found unless the "
		    "destination serves its own plans",
		    x->plan);
		return;
	}
	x->band = json_object_get(json_object_get(bands, "bands"), x->band_id);
	if (!x->band || !x->phy || strcmp(x->phy, "PHY_UNKNOWN") == 0)
		return;
	json_t *list = json_object_get(x->band, "phy_versions");
	size_t i;
	json_t *v;
	struct strbuf have = STRBUF_INIT;
	json_array_foreach(list, i, v)
	{
		const char *canon =
		    lw_phy_version_canonical(json_string_value(v) ? json_string_value(v) : "");
		if (canon && strcmp(canon, x->phy) == 0) {
			strbuf_release(&have);
			return;
		}
		strbuf_addsep(&have, ", ");
		strbuf_addstr(&have, json_string_value(v) ? json_string_value(v) : "?");
	}
	add(x, CHECK_ERROR, "band-phy-unsupported", "lorawan_phy_version",
	    "lorawan_phy_version %s: band %s (frequency plan %s) has no definition for it, so the "
	    "Network Server refuses the device (no_band_version); the band defines %s",
	    x->phy, x->band_id, x->plan, have.buf);
	strbuf_release(&have);
}

/* ---- session ---------------------------------------------------------------------- */

enum key_state { KEY_ABSENT, KEY_OK, KEY_BAD, KEY_ENCRYPTED };

static enum key_state key_at(const json_t *dev, const char *name, char hex[2 * LW_KEY_LEN + 1])
{
	char path[96];
	snprintf(path, sizeof path, "session.keys.%s", name);
	const json_t *env = jp_get(dev, path);
	hex[0] = '\0';
	const char *k = json_string_value(json_object_get(env, "key"));
	if (k && *k) {
		if (lw_key_normalize(k, hex) < 0)
			return KEY_BAD;
		return lw_is_zero_hex(hex) ? KEY_ABSENT : KEY_OK;
	}
	const char *enc = json_string_value(json_object_get(env, "encrypted_key"));
	return enc && *enc ? KEY_ENCRYPTED : KEY_ABSENT;
}

static void check_session_keys(struct ctx *x)
{
	static const char *const all[] = {"f_nwk_s_int_key", "s_nwk_s_int_key", "nwk_s_enc_key",
					  "app_s_key"};
	bool v11 = mac_is_1_1(x->mac);
	char hex[4][2 * LW_KEY_LEN + 1];
	enum key_state st[4];
	struct strbuf missing = STRBUF_INIT, notes = STRBUF_INIT;
	for (int i = 0; i < 4; i++) {
		st[i] = key_at(x->dev, all[i], hex[i]);
		bool needed = v11 || i == 0 || i == 3;
		if (!needed || st[i] == KEY_OK)
			continue;
		strbuf_addsep(&missing, ", ");
		strbuf_addstr(&missing, all[i]);
		if (st[i] != KEY_ABSENT) {
			strbuf_addf(&notes, "; %s %s", all[i],
				    st[i] == KEY_BAD
					? "is not a 16-byte key"
					: "is encrypted with a key-encryption key of the "
					  "source, which the destination cannot unwrap");
		}
	}
	if (missing.len)
		add(x, CHECK_ERROR, "session-keys-missing", "session.keys",
		    "session.keys: %s missing%s; %s needs %s", missing.buf, notes.buf,
		    x->mac ? x->mac : "a MAC 1.0.x device",
		    v11 ? "f_nwk_s_int_key, s_nwk_s_int_key, nwk_s_enc_key and app_s_key"
			: "f_nwk_s_int_key and app_s_key");
	if (!v11 && st[0] == KEY_OK)
		for (int i = 1; i <= 2; i++)
			if (st[i] == KEY_OK && strcmp(hex[i], hex[0]) != 0) {
				char field[64];
				snprintf(field, sizeof field, "session.keys.%s.key", all[i]);
				add(x, CHECK_ERROR, "session-keys-inconsistent", field,
				    "%s differs from session.keys.f_nwk_s_int_key; for MAC 1.0.x "
				    "they are one key and the Network Server refuses different "
				    "values",
				    field);
			}
	bool has_id = str_at(x->dev, "session.keys.session_key_id") != NULL;
	if (x->otaa && !has_id)
		add(x, CHECK_ERROR, "session-key-id", "session.keys.session_key_id",
		    "session.keys.session_key_id: missing; the Network Server requires it for an "
		    "OTAA session and the Application Server matches uplinks on it");
	else if (!x->otaa && has_id)
		add(x, CHECK_ERROR, "session-key-id", "session.keys.session_key_id",
		    "session.keys.session_key_id: set on an ABP device; the Network Server "
		    "refuses it (remove it)");
	strbuf_release(&missing);
	strbuf_release(&notes);
}

static void check_dev_addrs(struct ctx *x)
{
	char b[64], sess[2 * LW_DEVADDR_LEN + 1], ids[2 * LW_DEVADDR_LEN + 1];
	json_t *sv = jp_get(x->dev, "session.dev_addr");
	bool sess_ok = json_is_string(sv) &&
		       lw_devaddr_normalize(json_string_value(sv), sess) == 0 &&
		       !lw_is_zero_hex(sess);
	if (!sess_ok)
		add(x, CHECK_ERROR, "session-dev-addr-invalid", "session.dev_addr",
		    "session.dev_addr %s: %s", sv ? shown(sv, b, sizeof b) : "",
		    sv ? "not a DevAddr (4 bytes of hex or base64, not zero)"
		       : "missing; a session needs its DevAddr");
	json_t *iv = jp_get(x->dev, "ids.dev_addr");
	if (!iv || json_is_null(iv) || (json_is_string(iv) && !*json_string_value(iv)))
		return;
	if (!json_is_string(iv) || lw_devaddr_normalize(json_string_value(iv), ids) < 0)
		add(x, CHECK_ERROR, "dev-addr-mismatch", "ids.dev_addr",
		    "ids.dev_addr %s: not a DevAddr", shown(iv, b, sizeof b));
	else if (sess_ok && strcmp(ids, sess) != 0)
		add(x, CHECK_ERROR, "dev-addr-mismatch", "ids.dev_addr",
		    "ids.dev_addr %s differs from session.dev_addr %s; the Network Server refuses "
		    "the device (which address does the device use?)",
		    ids, sess);
}

static void check_f_cnt(struct ctx *x)
{
	/* Only when explicitly false: that is what an exporter writes for a
	 * 16-bit device (absent means the Network Server's default). */
	if (!json_is_false(jp_get(x->dev, "mac_settings.supports_32_bit_f_cnt")))
		return;
	static const char *const counters[] = {"session.last_f_cnt_up", "session.last_n_f_cnt_down",
					       "session.last_a_f_cnt_down",
					       "session.last_conf_f_cnt_down", NULL};
	struct strbuf list = STRBUF_INIT;
	const char *first = NULL;
	for (const char *const *p = counters; *p; p++) {
		uint64_t v;
		if (!u64_of(jp_get(x->dev, *p), &v) || v < 0xFF00)
			continue;
		strbuf_addsep(&list, ", ");
		strbuf_addf(&list, "%s = %" PRIu64, *p, v);
		if (!first)
			first = *p;
	}
	if (first)
		add(x, CHECK_WARNING, "f-cnt-near-wrap", first,
		    "%s: at or above 0xFF00 while mac_settings.supports_32_bit_f_cnt is false; the "
		    "16-bit counter wraps to 0 soon after the move and the destination then drops "
		    "uplinks as replays unless mac_settings.resets_f_cnt is set; consider a fresh "
		    "session (rejoin) instead",
		    list.buf);
	strbuf_release(&list);
}

static void check_session(struct ctx *x)
{
	json_t *session = json_object_get(x->dev, "session");
	json_t *mac_state = json_object_get(x->dev, "mac_state");
	bool has_session = session && !jp_is_zero(session);
	bool has_mac_state = mac_state && !jp_is_zero(mac_state);
	if (!x->otaa && !has_session && !x->multicast)
		add(x, CHECK_ERROR, "abp-without-session", "session",
		    "session: missing on an ABP device; it cannot join to get a new one, so it "
		    "would not work at the destination (export it with its session, or "
		    "re-program it)");
	if (has_session && !has_mac_state)
		add(x, CHECK_ERROR, "session-without-mac-state", "mac_state",
		    "mac_state: missing although there is a session; the Network Server would make "
		    "a default MAC state from the band, and uplinks on channels the device was "
		    "given later (CFList, NewChannelReq, ADR) would be lost");
	if (has_mac_state) {
		static const char *const parts[] = {"current_parameters", "desired_parameters"};
		for (int i = 0; i < 2; i++) {
			char field[64];
			snprintf(field, sizeof field, "mac_state.%s.channels", parts[i]);
			if (json_array_size(jp_get(x->dev, field)) == 0) {
				add(x, CHECK_ERROR, "mac-state-incomplete", field,
				    "%s: missing or empty; the Network Server needs both current "
				    "and "
				    "desired parameters with at least one channel",
				    field);
				break;
			}
		}
	}
	if (has_session) {
		check_dev_addrs(x);
		check_session_keys(x);
		check_f_cnt(x);
	}
	json_t *pending = json_object_get(x->dev, "pending_session");
	json_t *pending_ms = json_object_get(x->dev, "pending_mac_state");
	bool has_pending = pending && !jp_is_zero(pending);
	bool has_pending_ms = pending_ms && !jp_is_zero(pending_ms);
	if (!x->otaa && (has_pending || has_pending_ms))
		add(x, CHECK_ERROR, "pending-session",
		    has_pending ? "pending_session" : "pending_mac_state",
		    "%s: set on an ABP device; the Network Server refuses it (remove it)",
		    has_pending ? "pending_session" : "pending_mac_state");
	else if (has_pending)
		add(x, CHECK_WARNING, "pending-session", "pending_session",
		    "pending_session: a join-accept was sent that the device has not confirmed "
		    "with an uplink yet; the Application Server cannot store a pending session, "
		    "so if the device switches to it after the move its payloads cannot be "
		    "decrypted; better migrate it once it has sent an uplink in the new session");
}

/* ---- MAC state against the band ------------------------------------------------------- */

static void check_frequencies(struct ctx *x, const char *params)
{
	const json_t *p = jp_get(x->dev, params);
	if (!json_is_object(p) || !x->band)
		return;
	uint64_t lo = 0, hi = 0, maxch = 0;
	if (!u64_of(json_object_get(x->band, "min_hz"), &lo) ||
	    !u64_of(json_object_get(x->band, "max_hz"), &hi))
		return;
	json_t *chans = json_object_get(p, "channels");
	char field[160], first[160] = "", b1[32], b2[32], b3[32];
	if (u64_of(json_object_get(x->band, "max_uplink_channels"), &maxch) &&
	    json_array_size(chans) > maxch) {
		snprintf(field, sizeof field, "%s.channels", params);
		add(x, CHECK_ERROR, "channel-count-exceeds-band", field,
		    "%s: %zu channels, band %s allows at most %" PRIu64
		    " (the Network Server refuses the MAC state)",
		    field, json_array_size(chans), x->band_id, maxch);
	}
	size_t bad = 0, i;
	uint64_t first_hz = 0;
	json_t *ch;
	json_array_foreach(chans, i, ch)
	{
		static const char *const keys[] = {"uplink_frequency", "downlink_frequency"};
		for (int k = 0; k < 2; k++) {
			uint64_t hz;
			if (!u64_of(json_object_get(ch, keys[k]), &hz) || hz == 0 ||
			    (hz >= lo && hz <= hi))
				continue;
			if (!bad++) {
				snprintf(first, sizeof first, "%s.channels[%zu].%s", params, i,
					 keys[k]);
				first_hz = hz;
			}
		}
	}
	static const char *const single[] = {"rx2_frequency", "ping_slot_frequency",
					     "beacon_frequency", NULL};
	for (const char *const *s = single; *s; s++) {
		uint64_t hz;
		if (!u64_of(json_object_get(p, *s), &hz) || hz == 0 || (hz >= lo && hz <= hi))
			continue;
		if (!bad++) {
			snprintf(first, sizeof first, "%s.%s", params, *s);
			first_hz = hz;
		}
	}
	if (bad)
		add(x, CHECK_ERROR, "channel-outside-band", first,
		    "%s: %s MHz is outside band %s (%s-%s MHz) of frequency plan %s%s; the MAC "
		    "state was made for another plan, so the device and the destination would not "
		    "meet on the same frequencies (fix frequency_plan_id, or drop the session for "
		    "a "
		    "rejoin)",
		    first, mhz(first_hz, b1, sizeof b1), x->band_id, mhz(lo, b2, sizeof b2),
		    mhz(hi, b3, sizeof b3), x->plan,
		    bad > 1 ? " (and more frequencies of these parameters)" : "");
}

static void check_band_fit(struct ctx *x)
{
	static const char *const params[] = {
	    "mac_state.current_parameters", "mac_state.desired_parameters",
	    "pending_mac_state.current_parameters", "pending_mac_state.desired_parameters", NULL};
	for (const char *const *p = params; *p; p++)
		check_frequencies(x, *p);
}

/* ---- DevAddr against the destination ------------------------------------------------ */

/* Describes the block addr belongs to: "260B0000/16 (The Things Stack Sandbox
 * cluster ttn-eu1), part of 26000000/7 (NetID 000013: The Things Network ...)".
 * key receives the most specific block's text. */
static void describe_addr(const struct checker *c, uint32_t addr, char *out, size_t len,
			  char key[24])
{
	int type = lw_devaddr_netid_type(addr);
	if (type < 0) {
		snprintf(out, len,
			 "no NetID's block (a DevAddr starting with 8 one-bits is not valid)");
		snprintf(key, 24, "invalid");
		return;
	}
	uint32_t nwkid = lw_devaddr_nwkid(addr);
	struct block net = {0};
	/* The NwkID is the low bits of the NetID, so any NetID of this type with
	 * these low bits gives the block. */
	lw_devaddr_prefix_of_netid((uint32_t)type << 21 | nwkid, &net.prefix, &net.bits);
	block_text(&net);
	char owner[200];
	if (type <= 2) {
		/* Types 0-2: the NwkID is the whole NetID ID, so the NetID is known. */
		char id[7];
		snprintf(id, sizeof id, "%06" PRIX32, (uint32_t)type << 21 | nwkid);
		const char *name =
		    json_string_value(json_object_get(json_object_get(c->blocks, "net_ids"), id));
		snprintf(owner, sizeof owner, "NetID %s%s%s", id, name ? ": " : "",
			 name ? name : "");
	} else {
		snprintf(owner, sizeof owner, "a NetID of type %d with NwkID 0x%" PRIX32, type,
			 nwkid);
	}
	const char *best_name = NULL;
	struct block best = {0};
	size_t i;
	json_t *b;
	json_array_foreach(json_object_get(c->blocks, "blocks"), i, b)
	{
		struct block k;
		if (lw_prefix_parse(json_string_value(json_object_get(b, "prefix")), &k.prefix,
				    &k.bits) < 0 ||
		    !lw_devaddr_in_prefix(addr, k.prefix, k.bits) || k.bits <= best.bits)
			continue;
		best = k;
		best_name = json_string_value(json_object_get(b, "name"));
	}
	if (best_name && best.bits > net.bits) {
		block_text(&best);
		snprintf(out, len, "%s (%s), part of %s (%s)", best.text, best_name, net.text,
			 owner);
		snprintf(key, 24, "%s", best.text);
	} else {
		snprintf(out, len, "%s (%s)", net.text, owner);
		snprintf(key, 24, "%s", net.text);
	}
}

static void check_devaddr_routing(struct ctx *x)
{
	struct checker *c = x->c;
	static const char *const paths[] = {"session.dev_addr", "pending_session.dev_addr", NULL};
	for (const char *const *p = paths; *p; p++) {
		char hex[2 * LW_DEVADDR_LEN + 1];
		const char *raw = str_at(x->dev, *p);
		if (!raw || lw_devaddr_normalize(raw, hex) < 0 || lw_is_zero_hex(hex))
			continue;
		uint32_t addr = (uint32_t)strtoul(hex, NULL, 16);
		char where[400], key[24];
		describe_addr(c, addr, where, sizeof where, key);
		if (c->ndest == 0) {
			if (json_object_get(c->unknown_reported, key))
				continue;
			json_object_set_new(c->unknown_reported, key, json_true());
			add(x, CHECK_INFO, "devaddr-destination-unknown", *p,
			    "%s %s is in %s; the destination's blocks are unknown (use --dest or "
			    "--dest-dev-addr-prefix). A kept session keeps its DevAddr and Packet "
			    "Broker routes uplinks by DevAddr: if the destination does not own "
			    "this "
			    "block, migrate the gateways too. Reported once per block",
			    *p, hex, where);
			continue;
		}
		bool inside = false;
		struct strbuf list = STRBUF_INIT;
		for (size_t i = 0; i < c->ndest; i++) {
			if (lw_devaddr_in_prefix(addr, c->dest[i].prefix, c->dest[i].bits))
				inside = true;
			strbuf_addsep(&list, ", ");
			strbuf_addstr(&list, c->dest[i].text);
		}
		if (inside) {
			strbuf_release(&list);
			continue;
		}
		char net[32] = "";
		if (*c->net_id)
			snprintf(net, sizeof net, " in NetID %s", c->net_id);
		add(x, CHECK_WARNING, "devaddr-outside-destination", *p,
		    "%s %s is outside the destination's DevAddr blocks (%s%s); it belongs to %s. "
		    "Packet Broker routes uplinks by DevAddr to the network owning the block, so "
		    "this device's uplinks reach the destination only through gateways connected "
		    "to the destination: migrate the gateways too (or give the device a new "
		    "session: OTAA rejoin, or an ABP DevAddr from the destination's block)",
		    *p, hex, list.buf, net, where);
		strbuf_release(&list);
	}
}

/* ---- what import refuses or rewrites: the schema's shape, keys -------------- */

static void shape_cb(void *ud, enum tts_problem p, const char *path, const char *detail)
{
	struct ctx *x = ud;
	char b[64];
	switch (p) {
	case TTS_P_TYPE:
	case TTS_P_RANGE:
	case TTS_P_ENUM: {
		/* Keys and supports_join have rules of their own (which never
		 * quote a key); bytes are never shown: they may be key material. */
		if (jp_list_covers(tts_key_paths, path) || strcmp(path, "supports_join") == 0)
			break;
		const struct tts_field *f = tts_field_find(path);
		bool secret = (f && f->type == TTS_T_BYTES) || strstr(path, "key");
		add(x, CHECK_ERROR, p == TTS_P_ENUM ? "value-not-in-enum" : "value-invalid", path,
		    "%s: %s is not %s", path,
		    secret ? "the value (not shown)" : shown(jp_get(x->dev, path), b, sizeof b),
		    detail);
		break;
	}
	case TTS_P_UNKNOWN:
		add(x, CHECK_WARNING, "field-unknown", path,
		    "%s: not a field of The Things Stack's end device; import drops it", path);
		break;
	case TTS_P_WRAPPED:
		add(x, CHECK_WARNING, "value-wrapper", path,
		    "%s: {\"value\": X} is an old spelling; import writes X, as The Things "
		    "Stack's JSON expects",
		    path);
		break;
	case TTS_P_ONEOF:
		add(x, CHECK_ERROR, "oneof-conflict", path,
		    "%s: more than one member of the oneof is set; The Things Stack takes one",
		    path);
		break;
	case TTS_P_NOT_OBJECT:
		add(x, CHECK_ERROR, "field-not-object", path, "%s: must be a JSON object", path);
		break;
	}
}

static void check_shape(struct ctx *x)
{
	tts_schema_problems(x->dev, shape_cb, x);
	json_t *sj = json_object_get(x->dev, "supports_join");
	if (sj && !json_is_boolean(sj) && !json_is_null(sj))
		add(x, CHECK_ERROR, "supports-join-invalid", "supports_join",
		    "supports_join: must be true or false");
	for (const char *const *p = tts_key_paths; *p; p++) {
		json_t *v = jp_get(x->dev, *p);
		if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)))
			continue;
		char hex[2 * LW_KEY_LEN + 1];
		/* Never quote a key, not even a mistyped one. */
		if (!json_is_string(v) || lw_key_normalize(json_string_value(v), hex) < 0) {
			char kind[48];
			jp_describe_unquoted(v, kind, sizeof kind);
			add(x, CHECK_ERROR, "key-invalid", *p,
			    "%s: %s is not a valid AES-128 key (32 hex digits or base64 of 16 "
			    "bytes; "
			    "the value is not shown)",
			    *p, kind);
		} else if (lw_is_zero_hex(hex))
			add(x, CHECK_ERROR, "key-all-zero", *p,
			    "%s: the key is all zeros (a --redact'ed export?); the device would "
			    "not "
			    "work",
			    *p);
	}
}

/* ---- entry point ------------------------------------------------------------------- */

int checker_device(struct checker *c, const json_t *dev, const char *where, json_t *findings)
{
	struct ctx x = {.c = c, .dev = dev, .where = where, .findings = findings};
	if (!c->bands && !c->bands_reported) {
		c->bands_reported = true;
		check_add(findings, CHECK_WARNING, "band-data-unavailable", NULL, NULL, NULL,
			  "%s; frequency plan, band and channel checks are skipped", c->bands_err);
	}
	if (c->dest_euis && !c->euis_scope_reported) {
		c->euis_scope_reported = true;
		check_add(findings, CHECK_INFO, "eui-other-applications-unchecked", NULL, NULL,
			  NULL,
			  "EUIs were compared with the destination application's devices only; "
			  "The Things Stack has no REST lookup by EUI, so a pair registered in "
			  "another application (or tenant) shows only when the import fails with "
			  "end_device_euis_taken");
	}
	if (!json_is_object(dev)) {
		add(&x, CHECK_ERROR, "device-not-object", NULL, "not a JSON object");
		return x.errors;
	}
	x.id = str_at(dev, "ids.device_id");
	x.otaa = json_is_true(json_object_get(dev, "supports_join"));
	x.multicast = json_is_true(json_object_get(dev, "multicast"));
	x.mac = version_of(json_object_get(dev, "lorawan_version"), false);
	x.phy = version_of(json_object_get(dev, "lorawan_phy_version"), true);
	x.plan = str_at(dev, "frequency_plan_id");

	char fixed[IDS_MAX_LEN + 1];
	check_device_id(&x, fixed);
	check_euis(&x, *fixed ? fixed : NULL);

	check_shape(&x);
	check_versions(&x);
	check_session(&x);
	check_band_fit(&x);
	check_devaddr_routing(&x);
	/* The safety net of "check refuses exactly what import refuses": what
	 * passed every rule goes through import's own preparation and the
	 * check of its create requests, offline. */
	if (x.errors == 0 && c->preview_import) {
		json_t *copy = json_deep_copy(dev);
		char err[512];
		if (dest_prepare(NULL, copy, c->prefix, false, err, sizeof err) < 0 ||
		    dest_check_create(NULL, copy, err, sizeof err) < 0)
			add(&x, CHECK_ERROR, "import-refused", NULL, "%s", err);
		json_decref(copy);
	}
	return x.errors;
}

/* ---- --allow -------------------------------------------------------------------- */

/* Rules whose device cannot be sent at all: the value cannot be written in
 * The Things Stack's form, so allowing them would only move the failure. */
static const char *const fatal_rules[] = {"json-malformed",
					  "device-not-object",
					  "device-id-invalid",
					  "eui-invalid",
					  "key-invalid",
					  "field-not-object",
					  "value-invalid",
					  "value-not-in-enum",
					  "mac-version-invalid",
					  "phy-version-invalid",
					  "supports-join-invalid",
					  "session-dev-addr-invalid",
					  NULL};

static const char *const *allowed_rules;
static bool allow_all;

const struct check_rule *check_rule_find(const char *id)
{
	for (const struct check_rule *r = check_rules; r->id; r++)
		if (strcmp(r->id, id) == 0)
			return r;
	return NULL;
}

bool check_rule_fatal(const char *id)
{
	for (const char *const *p = fatal_rules; *p; p++)
		if (strcmp(*p, id) == 0)
			return true;
	return false;
}

void check_allow_set(bool all, const char *const *rules)
{
	allow_all = all;
	allowed_rules = rules;
}

bool check_allowed(const char *rule)
{
	if (!rule || check_rule_fatal(rule))
		return false;
	if (allow_all)
		return true;
	for (const char *const *p = allowed_rules; p && *p; p++)
		if (strcmp(*p, rule) == 0)
			return true;
	return false;
}
