#include "core/redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonpath.h"
#include "net/tts_components.h"

static bool enabled;

int redact_configure(const struct config *cfg, char *err, size_t errlen)
{
	enabled = cfg_bool(cfg, NULL, "redact");
	if (!enabled)
		return 0;
	if (cfg_bool(cfg, NULL, "to-dest")) {
		snprintf(err, errlen,
			 "--redact and --to-dest do not go together (a redacted "
			 "device has no keys to migrate)");
		return -1;
	}
	if (!cfg_bool(cfg, NULL, "dry-run")) {
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
