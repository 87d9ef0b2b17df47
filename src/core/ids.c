#include "core/ids.h"

#include "core/jsonpath.h"
#include "core/lorawan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_DEVICE_ID "ids.device_id"
#define PATH_APP_ID    "ids.application_ids.application_id"
#define PATH_DEV_EUI   "ids.dev_eui"
#define PATH_JOIN_EUI  "ids.join_eui"

/* How much of a bad value an error message quotes. */
#define QUOTE_MAX 64

/* ---- Id rule and blocklist -------------------------------------------------- */

static bool is_id_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool ids_valid(const char *id)
{
	if (!id || !is_id_alnum(id[0]))
		return false;
	size_t alnums = 1, len = 1;
	/* After the first character: each '-' must be followed by a letter or
	 * digit, which also rules out "--" and a trailing '-'. */
	for (const char *p = id + 1; *p; p++, len++) {
		if (len >= IDS_MAX_LEN)
			return false;
		if (*p == '-') {
			if (!is_id_alnum(p[1]))
				return false;
			continue;
		}
		if (!is_id_alnum(*p))
			return false;
		alnums++;
	}
	/* The pattern wants the first letter or digit plus at least two more. */
	return alnums >= 3;
}

/* A subset of lorawan-stack pkg/identityserver/blocklist/builtin.go. */
static const char *const blocklist[] = {
    "about",	     "access",	    "account",	   "activate", "add",	      "admin",
    "administrator", "all",	    "api",	   "app",      "application", "applications",
    "apps",	     "auth",	    "batch",	   "beta",     "bulk",	      "cli",
    "cluster",	     "config",	    "console",	   "create",   "default",     "delete",
    "demo",	     "dev",	    "device",	   "devices",  "edit",	      "empty",
    "end",	     "end-device",  "end-devices", "error",    "example",     "example-device",
    "exampledevice", "first",	    "gateway",	   "gateways", "get",	      "help",
    "home",	     "index",	    "info",	   "join",     "last",	      "list",
    "local",	     "localhost",   "lora",	   "lorawan",  "mac",	      "master",
    "network",	     "new",	    "null",	   "old",      "ping",	      "remove",
    "reset",	     "root",	    "search",	   "server",   "session",     "sessions",
    "settings",	     "setup",	    "stage",	   "staging",  "status",      "system",
    "test",	     "test1",	    "test2",	   "test3",    "teste",	      "testing",
    "tests",	     "tmp",	    "ttn",	   "tts",      "undef",	      "update",
    "user",	     "your-device", "yourdevice",  NULL};

bool ids_blocklisted(const char *id)
{
	if (!id)
		return false;
	for (const char *const *w = blocklist; *w; w++)
		if (strcmp(*w, id) == 0)
			return true;
	return false;
}

/* ---- Error messages ---------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
						      ...)
{
	if (err && errlen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * Copies s into buf (at least QUOTE_MAX + 4 bytes) for quoting in a one-line
 * message: control characters, '"' and '\\' become '?', and a long value is
 * cut with "...".
 */
static const char *quotable(const char *s, char *buf)
{
	size_t i = 0;
	for (; s[i] && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = (c < 0x20 || c == 0x7f || c == '"' || c == '\\') ? '?' : (char)c;
	}
	strcpy(buf + i, s[i] ? "..." : "");
	return buf;
}

static int fail_bad_id(char *err, size_t errlen, const char *field, const char *id)
{
	char q[QUOTE_MAX + 4];
	return fail(err, errlen, "%s \"%s\": must match %s and be at most %d characters", field,
		    quotable(id, q), IDS_PATTERN, IDS_MAX_LEN);
}

static int fail_too_long_id(char *err, size_t errlen, const char *field, const char *id)
{
	char q[QUOTE_MAX + 4];
	return fail(err, errlen, "%s \"%s\": %zu characters, at most %d allowed", field,
		    quotable(id, q), strlen(id), IDS_MAX_LEN);
}

/* ---- Export fix-ups ------------------------------------------------------------ */

/*
 * The string at path: *out is NULL when it is missing or JSON null. Returns
 * -1 (with err) when something else than a string is there.
 */
static int get_string(const json_t *dev, const char *path, const char **out, char *err,
		      size_t errlen)
{
	const json_t *v = jp_get(dev, path);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return fail(err, errlen, "%s: not a string", path);
	*out = json_string_value(v);
	return 0;
}

static void underscores_to_dashes(char *s)
{
	for (; *s; s++)
		if (*s == '_')
			*s = '-';
}

/* Step 1: the device id from the DevEUI, in lower-case hex, into out. */
static int id_from_eui(const json_t *dev, char out[2 * LW_EUI_LEN + 1], char *err, size_t errlen)
{
	const char *eui;
	char q[QUOTE_MAX + 4];
	if (get_string(dev, PATH_DEV_EUI, &eui, err, errlen) != 0)
		return -1;
	if (!eui || !*eui)
		return fail(err, errlen,
			    PATH_DEVICE_ID " is empty and " PATH_DEV_EUI " is not set");
	if (lw_eui_normalize(eui, out) != 0)
		return fail(err, errlen,
			    PATH_DEVICE_ID " is empty and " PATH_DEV_EUI " \"%s\" is not an EUI",
			    quotable(eui, q));
	for (char *c = out; *c; c++)
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a');
	return 0;
}

/* Steps 2 and 3 on a new string: "<prefix>-<id>", then '_' → '-'. */
static char *prefixed_id(const char *prefix, const char *id)
{
	bool has_prefix = prefix && *prefix;
	size_t n = (has_prefix ? strlen(prefix) + 1 : 0) + strlen(id) + 1;
	char *out = malloc(n);
	if (!out)
		return NULL;
	if (has_prefix)
		snprintf(out, n, "%s-%s", prefix, id);
	else
		snprintf(out, n, "%s", id);
	underscores_to_dashes(out);
	return out;
}

/* Steps 4 and 5, then stores the new id. orig is the source's id or NULL. */
static int store_device_id(json_t *dev, const char *orig, const char *id, char *err, size_t errlen)
{
	if (strlen(id) > IDS_MAX_LEN)
		return fail_too_long_id(err, errlen, PATH_DEVICE_ID, id);
	if (orig && *orig && strcmp(orig, id) != 0 &&
	    jp_set(dev, "attributes.old-id", json_string(orig)) != 0)
		return fail(err, errlen, "attributes: not an object, cannot record old-id");
	if (jp_set(dev, PATH_DEVICE_ID, json_string(id)) != 0)
		return fail(err, errlen, "ids: not an object");
	return 0;
}

static int fixup_device_id(json_t *dev, const char *prefix, char *err, size_t errlen)
{
	const char *cur;
	char from_eui[2 * LW_EUI_LEN + 1];
	char *orig = NULL;
	const char *base = from_eui;
	if (get_string(dev, PATH_DEVICE_ID, &cur, err, errlen) != 0)
		return -1;
	if (cur && *cur) {
		/* The JSON string is replaced below, so keep the source's id. */
		orig = strdup(cur);
		if (!orig)
			return fail(err, errlen, "out of memory fixing " PATH_DEVICE_ID);
		base = orig;
	} else if (id_from_eui(dev, from_eui, err, errlen) != 0) {
		return -1;
	}
	char *id = prefixed_id(prefix, base);
	int rc = id ? store_device_id(dev, orig, id, err, errlen)
		    : fail(err, errlen, "out of memory fixing " PATH_DEVICE_ID);
	free(id);
	free(orig);
	return rc;
}

/* Step 6. A missing application id is left to ids_validate_device. */
static int fixup_application_id(json_t *dev, char *err, size_t errlen)
{
	const char *cur;
	if (get_string(dev, PATH_APP_ID, &cur, err, errlen) != 0)
		return -1;
	if (!cur)
		return 0;
	char *id = strdup(cur);
	if (!id)
		return fail(err, errlen, "out of memory fixing " PATH_APP_ID);
	underscores_to_dashes(id);
	int rc = 0;
	if (strlen(id) > IDS_MAX_LEN)
		rc = fail_too_long_id(err, errlen, PATH_APP_ID, id);
	else
		jp_set(dev, PATH_APP_ID, json_string(id)); /* the parent exists: cur came from it */
	free(id);
	return rc;
}

int ids_export_fixup(json_t *dev, const char *prefix, char *err, size_t errlen)
{
	if (!json_is_object(dev))
		return fail(err, errlen, "end device: not a JSON object");
	if (fixup_device_id(dev, prefix, err, errlen) != 0)
		return -1;
	return fixup_application_id(dev, err, errlen);
}

/* ---- Validation -------------------------------------------------------------- */

/* Characters (code points) of a valid UTF-8 string, as protoc-gen-validate
 * counts max_len; jansson only holds valid UTF-8. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static int check_id(const json_t *dev, const char *path, char *err, size_t errlen)
{
	const char *id;
	if (get_string(dev, path, &id, err, errlen) != 0)
		return -1;
	if (!ids_valid(id ? id : ""))
		return fail_bad_id(err, errlen, path, id ? id : "");
	return 0;
}

static int check_eui(const json_t *dev, const char *path, char *err, size_t errlen)
{
	const char *eui;
	char hex[2 * LW_EUI_LEN + 1];
	char q[QUOTE_MAX + 4];
	if (get_string(dev, path, &eui, err, errlen) != 0)
		return -1;
	if (eui && *eui && lw_eui_normalize(eui, hex) != 0)
		return fail(err, errlen, "%s \"%s\": not 8 bytes of hex or base64", path,
			    quotable(eui, q));
	return 0;
}

static int check_text(const json_t *dev, const char *path, size_t max, char *err, size_t errlen)
{
	const char *s;
	if (get_string(dev, path, &s, err, errlen) != 0)
		return -1;
	size_t n = s ? utf8_chars(s) : 0;
	if (n > max)
		return fail(err, errlen, "%s: %zu characters, at most %zu allowed", path, n, max);
	return 0;
}

static int check_attribute(const char *key, const json_t *value, char *err, size_t errlen)
{
	char q[QUOTE_MAX + 4];
	if (!ids_valid(key))
		return fail(err, errlen,
			    "attributes key \"%s\": must match %s and be at most %d characters",
			    quotable(key, q), IDS_PATTERN, IDS_MAX_LEN);
	if (!json_is_string(value))
		return fail(err, errlen, "attributes[\"%s\"]: not a string", key);
	size_t n = utf8_chars(json_string_value(value));
	if (n > IDS_ATTR_VALUE_MAX)
		return fail(err, errlen,
			    "attributes[\"%s\"]: value of %zu characters, at most %d allowed", key,
			    n, IDS_ATTR_VALUE_MAX);
	return 0;
}

static int check_attributes(const json_t *dev, char *err, size_t errlen)
{
	const json_t *attrs = jp_get(dev, "attributes");
	if (!attrs || json_is_null(attrs))
		return 0;
	if (!json_is_object(attrs))
		return fail(err, errlen, "attributes: not an object");
	size_t n = json_object_size(attrs);
	if (n > IDS_ATTR_MAX_PAIRS)
		return fail(err, errlen, "attributes: %zu pairs, at most %d allowed", n,
			    IDS_ATTR_MAX_PAIRS);
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)attrs, key, value)
	{
		/* Keys that passed ids_valid are short and plain, so they are
		 * quoted as they are in the messages about their values. */
		if (check_attribute(key, value, err, errlen) != 0)
			return -1;
	}
	return 0;
}

int ids_validate_device(const json_t *dev, char *err, size_t errlen)
{
	if (!json_is_object(dev))
		return fail(err, errlen, "end device: not a JSON object");
	if (check_id(dev, PATH_DEVICE_ID, err, errlen) != 0 ||
	    check_id(dev, PATH_APP_ID, err, errlen) != 0 ||
	    check_eui(dev, PATH_DEV_EUI, err, errlen) != 0 ||
	    check_eui(dev, PATH_JOIN_EUI, err, errlen) != 0 ||
	    check_text(dev, "name", IDS_NAME_MAX, err, errlen) != 0 ||
	    check_text(dev, "description", IDS_DESCRIPTION_MAX, err, errlen) != 0)
		return -1;
	return check_attributes(dev, err, errlen);
}
