#include "net/tts_schema.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonpath.h"
#include "core/strbuf.h"

static int cmp_field(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tts_field *)elem)->path);
}

const struct tts_field *tts_field_find(const char *json_path)
{
	return bsearch(json_path, tts_fields, tts_nfields, sizeof *tts_fields, cmp_field);
}

/* ---- oneofs, from api/ttn/lorawan/v3/end_device.proto (v3.32.1) ------------ */

/* ADRSettings.mode */
static const char *const adr_modes[] = {"static", "dynamic", "disabled", NULL};
/* ADRSettings.DynamicMode.ChannelSteeringSettings.mode */
static const char *const steering_modes[] = {"lora_narrow", "disabled", NULL};
/* RelaySettings.mode and RelayParameters.mode */
static const char *const relay_modes[] = {"serving", "served", NULL};
/* ServedRelaySettings.mode and ServedRelayParameters.mode */
static const char *const served_modes[] = {"always", "dynamic", "end_device_controlled", NULL};

#define RELAY(p)                                                                                   \
	{p, "mode", relay_modes},                                                                  \
	{                                                                                          \
		p ".served", "mode", served_modes                                                  \
	}

/* Every place a oneof occurs in an EndDevice, outer ones first. Repeated
 * fields (recent_uplinks, pending_requests, ...) hold oneofs too, but are
 * taken whole, so their inner paths never reach a mask. */
const struct tts_oneof tts_oneofs[] = {
    {"mac_settings.adr", "mode", adr_modes},
    {"mac_settings.adr.dynamic.channel_steering", "mode", steering_modes},
    RELAY("mac_settings.relay"),
    RELAY("mac_settings.desired_relay"),
    RELAY("mac_state.current_parameters.relay"),
    RELAY("mac_state.desired_parameters.relay"),
    RELAY("pending_mac_state.current_parameters.relay"),
    RELAY("pending_mac_state.desired_parameters.relay"),
    {NULL, NULL, NULL},
};

/* The member name when path is parent.member of o (or below it), else NULL. */
static const char *member_at(const struct tts_oneof *o, const char *path, bool exact)
{
	size_t n = strlen(o->parent);
	if (strncmp(path, o->parent, n) != 0 || path[n] != '.')
		return NULL;
	const char *m = path + n + 1;
	for (const char *const *p = o->members; *p; p++) {
		size_t k = strlen(*p);
		if (strncmp(m, *p, k) == 0 && (m[k] == '\0' || (!exact && m[k] == '.')))
			return *p;
	}
	return NULL;
}

const struct tts_oneof *tts_oneof_of(const char *json_path)
{
	for (const struct tts_oneof *o = tts_oneofs; o->parent; o++)
		if (member_at(o, json_path, true))
			return o;
	return NULL;
}

void tts_mask_path_add(struct strbuf *out, const char *json_path)
{
	/* Insertion points: after each oneof parent the path runs through.
	 * They are found on the JSON path, so nested oneofs need no order. */
	size_t at[8];
	const char *names[8];
	size_t n = 0;
	for (const struct tts_oneof *o = tts_oneofs; o->parent && n < 8; o++)
		if (member_at(o, json_path, false)) {
			at[n] = strlen(o->parent) + 1;
			names[n++] = o->name;
		}
	/* at[] grows with the table's order only by chance: sort it. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && at[j - 1] > at[j]; j--) {
			size_t t = at[j];
			at[j] = at[j - 1];
			at[j - 1] = t;
			const char *s = names[j];
			names[j] = names[j - 1];
			names[j - 1] = s;
		}
	size_t from = 0, total = strlen(json_path);
	for (size_t i = 0; i <= n; i++) {
		size_t to = i < n ? at[i] : total;
		strbuf_add(out, json_path + from, to - from);
		if (i < n) {
			strbuf_addstr(out, names[i]);
			strbuf_addch(out, '.');
		}
		from = to;
	}
}

int tts_mask_path(const char *json_path, char *out, size_t outlen)
{
	struct strbuf sb = STRBUF_INIT;
	tts_mask_path_add(&sb, json_path);
	int rc = sb.len < outlen ? 0 : -1;
	if (rc == 0)
		memcpy(out, sb.buf, sb.len + 1);
	strbuf_release(&sb);
	return rc;
}

/* ---- walking a device ------------------------------------------------------ */

static char *join(const char *prefix, const char *key)
{
	size_t n = (prefix ? strlen(prefix) + 1 : 0) + strlen(key) + 1;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s%s%s", prefix ? prefix : "", prefix ? "." : "", key);
	return p;
}

static void value_paths(const json_t *obj, const char *prefix, json_t *out)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v)
	{
		char *p = join(prefix, key);
		if (!p)
			return;
		const struct tts_field *f = tts_field_find(p);
		bool member = tts_oneof_of(p) != NULL;
		bool descend = f && !(f->flags & TTS_F_EMPTY) && (f->flags & TTS_F_MESSAGE) &&
			       json_is_object(v);
		/* A field-less message ({} is its value) is a value even when empty. */
		bool empty_msg = f && (f->flags & TTS_F_EMPTY) && json_is_object(v);
		if (descend) {
			size_t before = json_array_size(out);
			value_paths(v, p, out);
			/* A chosen oneof member with all its settings at their
			 * defaults still chooses. */
			if (member && json_array_size(out) == before)
				json_array_append_new(out, json_string(p));
		} else if (empty_msg || !jp_is_zero(v)) {
			json_array_append_new(out, json_string(p));
		}
		free(p);
	}
}

void tts_value_paths(const json_t *dev, const char *prefix, json_t *out)
{
	if (json_is_object(dev))
		value_paths(dev, prefix, out);
}

/* A whole number in [lo, hi], from a JSON integer, real or decimal string. */
static bool whole_in(const json_t *v, double lo, double hi, bool strings)
{
	double d;
	if (json_is_integer(v))
		d = (double)json_integer_value(v);
	else if (json_is_real(v))
		d = json_real_value(v);
	else if (strings && json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		if (!*s || strspn(s, "-0123456789") != strlen(s))
			return false;
		d = strtod(s, &end);
		if (*end)
			return false;
	} else
		return false;
	return d == floor(d) && d >= lo && d <= hi;
}

/* 0 when v fits the scalar type of f, else the problem (detail set). */
static int scalar_problem(const struct tts_field *f, const json_t *v, const char **detail)
{
	switch (f->type) {
	case TTS_T_UINT32:
		*detail = "a whole number from 0 to 4294967295";
		if (!json_is_number(v) && !json_is_string(v))
			return TTS_P_TYPE;
		return whole_in(v, 0, 4294967295.0, true) ? 0 : TTS_P_RANGE;
	case TTS_T_INT32:
		*detail = "a whole number from -2147483648 to 2147483647";
		if (!json_is_number(v) && !json_is_string(v))
			return TTS_P_TYPE;
		return whole_in(v, -2147483648.0, 2147483647.0, true) ? 0 : TTS_P_RANGE;
	case TTS_T_UINT64:
		*detail = "a whole number from 0 to 18446744073709551615";
		if (!json_is_number(v) && !json_is_string(v))
			return TTS_P_TYPE;
		return whole_in(v, 0, 18446744073709551615.0, true) ? 0 : TTS_P_RANGE;
	case TTS_T_INT64:
		*detail = "a whole number";
		if (!json_is_number(v) && !json_is_string(v))
			return TTS_P_TYPE;
		return whole_in(v, -9223372036854775808.0, 9223372036854775807.0, true)
			   ? 0
			   : TTS_P_RANGE;
	case TTS_T_FLOAT:
		*detail = "a number";
		return json_is_number(v) ? 0 : TTS_P_TYPE;
	case TTS_T_BOOL:
		*detail = "true or false";
		return json_is_boolean(v) ? 0 : TTS_P_TYPE;
	case TTS_T_STRING:
	case TTS_T_BYTES:
	case TTS_T_TIME:
		*detail = "a string";
		return json_is_string(v) ? 0 : TTS_P_TYPE;
	case TTS_T_ENUM: {
		*detail = "one of the enum's names";
		size_t n = 0;
		while (f->enum_values[n])
			n++;
		if (json_is_string(v)) {
			for (size_t i = 0; i < n; i++)
				if (strcmp(json_string_value(v), f->enum_values[i]) == 0)
					return 0;
			return TTS_P_ENUM;
		}
		if (json_is_integer(v))
			return whole_in(v, 0, (double)n - 1, false) ? 0 : TTS_P_ENUM;
		return TTS_P_TYPE;
	}
	case TTS_T_NONE:
		break;
	}
	return 0;
}

/* LoRaWAN versions are written in many spellings ("1.0.2", "MAC_V1_0_2");
 * the version rules of the checks judge them, not the enum. */
static bool version_field(const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *leaf = dot ? dot + 1 : path;
	return strcmp(leaf, "lorawan_version") == 0 || strcmp(leaf, "lorawan_phy_version") == 0;
}

static size_t problems(const json_t *obj, const char *prefix, tts_problem_fn fn, void *ud)
{
	size_t n = 0;
	const char *key;
	json_t *v;
	/* Two members of one oneof under this object. */
	if (prefix)
		for (const struct tts_oneof *o = tts_oneofs; o->parent; o++) {
			if (strcmp(o->parent, prefix) != 0)
				continue;
			int set = 0;
			for (const char *const *m = o->members; *m; m++)
				if (json_object_get(obj, *m) &&
				    !json_is_null(json_object_get(obj, *m)))
					set++;
			if (set > 1) {
				fn(ud, TTS_P_ONEOF, prefix, "");
				n++;
			}
		}
	json_object_foreach((json_t *)obj, key, v)
	{
		if (json_is_null(v))
			continue;
		char *p = join(prefix, key);
		if (!p)
			return n;
		const struct tts_field *f = tts_field_find(p);
		const char *detail = "";
		int sp;
		if (!f) {
			fn(ud, TTS_P_UNKNOWN, p, "");
			n++;
		} else if ((f->flags & TTS_F_WRAPPER) && json_is_object(v) &&
			   json_object_size(v) == 1 && json_object_get(v, "value")) {
			fn(ud, TTS_P_WRAPPED, p, "");
			n++;
		} else if (f->flags & (TTS_F_MESSAGE | TTS_F_EMPTY)) {
			if (!json_is_object(v)) {
				fn(ud, TTS_P_NOT_OBJECT, p, "");
				n++;
			} else if (f->flags & TTS_F_MESSAGE) {
				n += problems(v, p, fn, ud);
			}
		} else if (!(f->flags & (TTS_F_OPAQUE | TTS_F_ARRAY)) && !version_field(p) &&
			   (sp = scalar_problem(f, v, &detail)) != 0) {
			fn(ud, (enum tts_problem)sp, p, detail);
			n++;
		}
		free(p);
	}
	return n;
}

size_t tts_schema_problems(const json_t *dev, tts_problem_fn fn, void *ud)
{
	return json_is_object(dev) ? problems(dev, NULL, fn, ud) : 0;
}

static size_t unwrap(json_t *obj, const char *prefix)
{
	size_t n = 0;
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		char *p = join(prefix, key);
		if (!p)
			return n;
		const struct tts_field *f = tts_field_find(p);
		if (f && (f->flags & TTS_F_WRAPPER) && json_is_object(v) &&
		    json_object_size(v) == 1 && json_object_get(v, "value")) {
			json_object_set(obj, key, json_object_get(v, "value"));
			n++;
		} else if (f && (f->flags & TTS_F_MESSAGE) && json_is_object(v)) {
			n += unwrap(v, p);
		}
		free(p);
	}
	return n;
}

size_t tts_unwrap_values(json_t *dev)
{
	return json_is_object(dev) ? unwrap(dev, NULL) : 0;
}

static void prune(json_t *obj, const char *prefix)
{
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(obj, tmp, key, v)
	{
		char *p = join(prefix, key);
		if (!p)
			return;
		const struct tts_field *f = tts_field_find(p);
		/* A oneof member, or a message without fields, chooses by being
		 * there: {} is its value. */
		bool keep = json_is_object(v) &&
			    ((f && (f->flags & TTS_F_EMPTY)) || tts_oneof_of(p) != NULL);
		if (json_is_object(v))
			prune(v, p);
		if (!keep && jp_is_zero(v))
			json_object_del(obj, key);
		free(p);
	}
}

void tts_prune_zero(json_t *dev)
{
	if (json_is_object(dev))
		prune(dev, NULL);
}
