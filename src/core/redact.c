#include "core/redact.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonpath.h"
#include "net/tts_components.h"

static bool enabled;

int redact_configure(const struct config *cfg, char *err, size_t errlen)
{
	enabled = cfg->o.redact;
	if (!enabled)
		return 0;
	if (cfg->o.to_dest) {
		snprintf(err, errlen,
			 "--redact and --to-dest do not go together (a redacted "
			 "device has no keys to migrate)");
		return -1;
	}
	if (!cfg->o.dry_run) {
		snprintf(err, errlen,
			 "--redact needs --dry-run: a redacted export cannot restore a device, so "
			 "the source must not be changed");
		return -1;
	}
	return 0;
}

bool redact_enabled(void)
{
	return enabled;
}

/* Overwrites every character of the string v with fill, keeping its length
 * (and, for base64, its '=' padding). Returns 1 when v was a non-empty string. */
static size_t blank_string(json_t *v, char fill)
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;
	if (n == 0)
		return 0;
	char *z = malloc(n + 1);
	if (!z)
		return 0;
	for (size_t i = 0; i < n; i++)
		z[i] = (char)(fill == 'A' && s[i] == '=' ? '=' : fill);
	z[n] = '\0';
	json_string_set(v, z);
	free(z);
	return 1;
}

/* A key envelope ({"key": hex, "encrypted_key": base64, "kek_label": ...}). */
static size_t blank_envelope(json_t *env)
{
	return blank_string(json_object_get(env, "key"), '0') +
	       blank_string(json_object_get(env, "encrypted_key"), 'A');
}

size_t redact_keys(json_t *dev)
{
	size_t n = 0;
	for (const char *const *p = tts_key_paths; *p; p++) {
		json_t *v = jp_get(dev, *p);
		if (json_is_object(v)) {
			/* A path naming the envelope itself. */
			n += blank_envelope(v);
			continue;
		}
		n += blank_string(v, '0');
		/* "....key": its envelope may also carry the wrapped key. */
		size_t len = strlen(*p);
		if (len > 4 && strcmp(*p + len - 4, ".key") == 0) {
			char parent[128];
			if (len - 4 < sizeof parent) {
				memcpy(parent, *p, len - 4);
				parent[len - 4] = '\0';
				n += blank_string(
				    json_object_get(jp_get(dev, parent), "encrypted_key"), 'A');
			}
		}
	}
	return n;
}

size_t redact_export(json_t *dev)
{
	return enabled ? redact_keys(dev) : 0;
}

/* Replaces s[at..at+n) with "***" (n >= 3) and closes the gap. */
static void cut(char *s, size_t at, size_t n)
{
	memcpy(s + at, "***", 3);
	memmove(s + at + 3, s + at + n, strlen(s + at + n) + 1);
}

static bool is_b64(char c)
{
	return isalnum((unsigned char)c) || c == '+' || c == '/' || c == '-' || c == '_';
}

size_t redact_text(char *s)
{
	size_t n = 0;
	if (!s)
		return 0;
	/* Hex keys: 32 or more hex digits in a row, whatever surrounds them. */
	for (size_t i = 0; s[i];) {
		size_t j = i;
		while (isxdigit((unsigned char)s[j]))
			j++;
		if (j - i >= 32) {
			cut(s, i, j - i);
			n++;
			i += 3;
		} else {
			i = j > i ? j : i + 1;
		}
	}
	/* Padded base64 of at least 16 bytes (4 characters per 3 bytes). */
	for (size_t i = 0; s[i];) {
		if (!is_b64(s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (is_b64(s[j]))
			j++;
		size_t pad = 0;
		while (s[j + pad] == '=' && pad < 2)
			pad++;
		size_t run = j - i;
		if (pad > 0 && (run + pad) % 4 == 0 && (run + pad) / 4 * 3 - pad >= 16) {
			cut(s, i, run + pad);
			n++;
			i += 3;
		} else {
			i = j + pad;
		}
	}
	return n;
}

static size_t strip_value(char *s, const char *v)
{
	size_t n = 0, len = strlen(v);
	/* Short strings would blank out ordinary words; keys are 32 and up. */
	if (len < 8)
		return 0;
	char *p;
	while ((p = strstr(s, v)) != NULL) {
		cut(s, (size_t)(p - s), len);
		n++;
	}
	return n;
}

size_t redact_sent_keys(char *s, const json_t *body)
{
	size_t n = 0;
	const char *k;
	json_t *v;
	size_t i;
	if (!s || !body)
		return 0;
	if (json_is_array(body)) {
		json_array_foreach(body, i, v) n += redact_sent_keys(s, v);
		return n;
	}
	json_object_foreach((json_t *)body, k, v)
	{
		if (json_is_string(v) && (strcmp(k, "key") == 0 || strcmp(k, "encrypted_key") == 0))
			n += strip_value(s, json_string_value(v));
		else if (json_is_object(v) || json_is_array(v))
			n += redact_sent_keys(s, v);
	}
	return n;
}
