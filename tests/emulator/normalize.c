/*
 * Input JSON → the canonical form the store keeps and prints (tts-api.md §3).
 *
 * The real server decodes into protobuf and re-encodes, so any accepted
 * spelling comes back canonical. The emulator gets the same effect by
 * rewriting the request JSON once, on input: key names, byte fields, version
 * enums, 64-bit frequencies and timestamps. Fields it does not know are
 * passed through unchanged.
 */
#include "core/lorawan.h"
#include "emu.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- enums ----------------------------------------------------------------- */

struct enum_name {
	const char *name;
	int number;
	int rank; /* MAC only: orders versions (1.0.3 < 1.1 although 5 > 4) */
	const char *aliases[5];
};

static const struct enum_name macs[] = {
    {"MAC_UNKNOWN", 0, 0, {"unknown"}},
    {"MAC_V1_0", 1, 10, {"1.0", "1.0.0", "V1_0"}},
    {"MAC_V1_0_1", 2, 11, {"1.0.1", "V1_0_1"}},
    {"MAC_V1_0_2", 3, 12, {"1.0.2", "V1_0_2"}},
    {"MAC_V1_1", 4, 20, {"1.1", "1.1.0", "V1_1"}},
    {"MAC_V1_0_3", 5, 13, {"1.0.3", "V1_0_3"}},
    {"MAC_V1_0_4", 6, 14, {"1.0.4", "V1_0_4"}},
    {NULL, 0, 0, {NULL}},
};

/* Output uses the first declared name of each number (PHYVersion_name). */
static const struct enum_name phys[] = {
    {"PHY_UNKNOWN", 0, 0, {"unknown"}},
    {"PHY_V1_0", 1, 0, {"TS001_V1_0", "1.0", "1.0.0", "V1_0"}},
    {"PHY_V1_0_1", 2, 0, {"TS001_V1_0_1", "1.0.1", "V1_0_1"}},
    {"PHY_V1_0_2_REV_A", 3, 0, {"RP001_V1_0_2", "1.0.2", "1.0.2-a", "V1_0_2_REV_A"}},
    {"PHY_V1_0_2_REV_B", 4, 0, {"RP001_V1_0_2_REV_B", "1.0.2-b", "V1_0_2_REV_B"}},
    {"PHY_V1_1_REV_A", 5, 0, {"RP001_V1_1_REV_A", "1.1-a", "1.1.0-a", "V1_1_REV_A"}},
    {"PHY_V1_1_REV_B", 6, 0, {"RP001_V1_1_REV_B", "1.1-b", "1.1.0-b", "V1_1_REV_B"}},
    {"PHY_V1_0_3_REV_A", 7, 0, {"RP001_V1_0_3_REV_A", "1.0.3-a", "V1_0_3_REV_A"}},
    {"RP002_V1_0_0", 8, 0, {"rp002-1.0.0"}},
    {"RP002_V1_0_1", 9, 0, {"rp002-1.0.1"}},
    {"RP002_V1_0_2", 10, 0, {"rp002-1.0.2"}},
    {"RP002_V1_0_3", 11, 0, {"rp002-1.0.3"}},
    {"RP002_V1_0_4", 12, 0, {"rp002-1.0.4"}},
    {NULL, 0, 0, {NULL}},
};

static const struct enum_name *enum_lookup(const struct enum_name *t, const json_t *v)
{
	if (json_is_integer(v)) {
		for (; t->name; t++)
			if (t->number == json_integer_value(v))
				return t;
		return NULL;
	}
	if (!json_is_string(v))
		return NULL;
	const char *s = json_string_value(v);
	char *end;
	long n = strtol(s, &end, 10);
	for (; t->name; t++) {
		if (*s && !*end && n == t->number)
			return t;
		if (strcasecmp(s, t->name) == 0)
			return t;
		for (const char *const *a = t->aliases; *a; a++)
			if (strcasecmp(s, *a) == 0)
				return t;
	}
	return NULL;
}

int emu_mac_rank(const char *mac)
{
	for (const struct enum_name *t = macs; t->name && mac; t++)
		if (strcmp(t->name, mac) == 0)
			return t->rank;
	return 0;
}

int emu_phy_number(const char *phy)
{
	for (const struct enum_name *t = phys; t->name && phy; t++)
		if (strcmp(t->name, phy) == 0)
			return t->number;
	return 0;
}

/* ---- names --------------------------------------------------------------------- */

/*
 * lowerCamelCase → snake_case: an upper-case letter starts a new word. The
 * protobuf JSON names drop the underscore before a digit ("last_rj_count_0"
 * → "lastRjCount0") but keep digits attached elsewhere ("rx1_delay" →
 * "rx1Delay"), so the few digit-separated names are listed.
 */
static char *snake(const char *k)
{
	static const char *const special[][2] = {
	    {"lastRjCount0", "last_rj_count_0"},
	    {"lastRjCount1", "last_rj_count_1"},
	    {"supports32BitFCnt", "supports_32_bit_f_cnt"},
	};
	bool upper = false;
	for (const char *p = k; *p; p++)
		upper |= isupper((unsigned char)*p) != 0;
	if (!upper || k[0] == '@')
		return strdup(k);
	for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
		if (strcmp(k, special[i][0]) == 0)
			return strdup(special[i][1]);
	size_t n = strlen(k);
	char *out = malloc(2 * n + 2);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)k[i];
		if (isupper(c)) {
			if (o > 0)
				out[o++] = '_';
			out[o++] = (char)tolower(c);
		} else if (isdigit(c) && strncmp(k, "dataRate", 8) == 0 && i == 8) {
			out[o++] = '_'; /* adr overrides: dataRate0 → data_rate_0 */
			out[o++] = (char)c;
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

char *emu_snake_path(const char *path)
{
	size_t cap = 2 * strlen(path) + 2, o = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	out[0] = '\0';
	while (*path) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);
		char *seg = strndup(path, len);
		char *s = seg ? snake(seg) : NULL;
		if (s) {
			o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? "." : "", s);
		}
		free(seg);
		free(s);
		if (!dot)
			break;
		path = dot + 1;
	}
	return out;
}

/* ---- bytes --------------------------------------------------------------------- */

/* Standard or URL alphabet, padded or not: the project's own decoder.
 * Returns the length, or -1. */
static long b64decode(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;
	return lw_base64_decode(s, out, cap, &n) < 0 ? -1 : (long)n;
}

/* Hex of exactly n bytes in either case, or base64 of n bytes → upper-case hex. */
static bool fixed_bytes(const char *s, size_t n, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(s);
	bool is_hex = len == 2 * n;
	for (size_t i = 0; is_hex && i < len; i++)
		is_hex = isxdigit((unsigned char)s[i]) != 0;
	if (is_hex) {
		for (size_t i = 0; i < len; i++)
			out[i] = (char)toupper((unsigned char)s[i]);
		out[len] = '\0';
		return true;
	}
	unsigned char buf[64];
	long got = b64decode(s, buf, sizeof buf);
	if (got != (long)n)
		return false;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[buf[i] >> 4];
		out[2 * i + 1] = hex[buf[i] & 15];
	}
	out[2 * n] = '\0';
	return true;
}

/* ---- the walk ------------------------------------------------------------------- */

struct nctx {
	char *err;
	size_t cap;
};

/* Marks a member to drop: "" for a byte field means unset. */
static json_t drop_marker;
#define DROP (&drop_marker)

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static size_t byte_len(const char *key)
{
	if (strcmp(key, "dev_eui") == 0 || strcmp(key, "join_eui") == 0)
		return 8;
	if (strcmp(key, "dev_addr") == 0)
		return 4;
	if (strcmp(key, "net_id") == 0)
		return 3;
	if (strcmp(key, "key") == 0)
		return 16;
	return 0;
}

static json_t *fail(struct nctx *x, const char *path, const char *why, json_t *v)
{
	snprintf(x->err, x->cap, "invalid value for field `%s`: %s", path, why);
	json_decref(v);
	return NULL;
}

/* Converts one scalar by the name of its member. Steals v. */
static json_t *norm_scalar(json_t *v, const char *key, const char *path, struct nctx *x)
{
	size_t bl = byte_len(key);
	if (bl && json_is_string(v)) {
		char out[2 * 64 + 1];
		if (json_string_length(v) == 0) {
			json_decref(v);
			return DROP;
		}
		if (!fixed_bytes(json_string_value(v), bl, out))
			return fail(x, path, "invalid length", v);
		json_decref(v);
		return json_string(out);
	}
	if ((strcmp(key, "session_key_id") == 0 || strcmp(key, "encrypted_key") == 0) &&
	    json_is_string(v)) {
		unsigned char buf[512];
		char out[700];
		if (json_string_length(v) == 0) {
			json_decref(v);
			return DROP;
		}
		long n = b64decode(json_string_value(v), buf, sizeof buf);
		if (n < 0)
			return fail(x, path, "illegal base64 data", v);
		lw_base64_encode(buf, (size_t)n, out, sizeof out);
		json_decref(v);
		return json_string(out);
	}
	if (strcmp(key, "lorawan_version") == 0 || strcmp(key, "lorawan_phy_version") == 0) {
		const struct enum_name *e = enum_lookup(key[8] == 'p' ? phys : macs, v);
		if (!e)
			return fail(x, path, "invalid enum value", v);
		json_decref(v);
		return e->number == 0 ? DROP : json_string(e->name);
	}
	if ((ends_with(key, "frequency") || ends_with(key, "frequencies")) && json_is_integer(v)) {
		char buf[32];
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
		json_decref(v);
		return json_string(buf);
	}
	if (ends_with(key, "_at") && json_is_string(v)) {
		int64_t sec;
		int32_t nsec;
		if (!emu_parse_time(json_string_value(v), &sec, &nsec))
			return fail(x, path, "timestamp must be RFC 3339 UTC ending in Z", v);
	}
	return v;
}

static json_t *norm(json_t *v, const char *key, const char *path, bool raw, struct nctx *x);

static json_t *norm_object(json_t *v, const char *path, bool raw, struct nctx *x)
{
	json_t *out = json_object();
	const char *k;
	json_t *child;
	json_object_foreach(v, k, child)
	{
		char *nk = raw ? strdup(k) : snake(k);
		if (!nk)
			continue;
		/* Maps and free-form structs keep their keys and values as given. */
		bool child_raw = raw || strcmp(nk, "attributes") == 0 ||
				 strcmp(nk, "provisioning_data") == 0 ||
				 strcmp(nk, "up_formatter_parameter") == 0 ||
				 strcmp(nk, "down_formatter_parameter") == 0;
		size_t plen = strlen(path) + strlen(nk) + 2;
		char *cpath = malloc(plen);
		if (!cpath) {
			free(nk);
			continue;
		}
		snprintf(cpath, plen, "%s%s%s", path, *path ? "." : "", nk);
		json_t *nv = norm(json_incref(child), nk, cpath, child_raw, x);
		free(cpath);
		if (!nv) {
			free(nk);
			json_decref(out);
			json_decref(v);
			return NULL;
		}
		if (nv != DROP)
			json_object_set_new(out, nk, nv);
		free(nk);
	}
	json_decref(v);
	return out;
}

static json_t *norm(json_t *v, const char *key, const char *path, bool raw, struct nctx *x)
{
	if (json_is_object(v))
		return norm_object(v, path, raw, x);
	if (json_is_array(v)) {
		json_t *out = json_array();
		size_t i;
		json_t *el;
		json_array_foreach(v, i, el)
		{
			json_t *nv = norm(json_incref(el), key, path, raw, x);
			if (!nv) {
				json_decref(out);
				json_decref(v);
				return NULL;
			}
			if (nv != DROP)
				json_array_append_new(out, nv);
		}
		json_decref(v);
		return out;
	}
	if (raw)
		return v;
	return norm_scalar(v, key, path, x);
}

json_t *emu_normalize(json_t *v, char *err, size_t errcap)
{
	struct nctx x = {err, errcap};
	json_t *out = norm(v, "", "", false, &x);
	if (out == DROP)
		return json_object();
	return out;
}
