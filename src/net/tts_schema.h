/*
 * The shape of The Things Stack's EndDevice, as its JSON and its field masks
 * name it.
 *
 * TTS's JSON leaves a oneof's name out ("mac_settings":{"adr":{"dynamic":
 * {...}}}) but its field masks need it (mac_settings.adr.mode.dynamic...),
 * and its validator takes a mask path only when it is exactly one of the
 * RPC's allowed paths: attributes, not attributes.key. So every mask the
 * tool builds from a device goes through here: tts_value_paths() lists what
 * a device holds (JSON paths, maps and Structs whole, empty oneof members as
 * values), tts_mask_path() turns each into the mask's spelling.
 *
 * tts_fields[] (tts_fields.c) is generated from the API schema by
 * scripts/gen-tts-fields.py; tts_oneofs[] (tts_schema.c) is written from
 * api/ttn/lorawan/v3/end_device.proto, because the schema does not mark
 * oneofs.
 */
#ifndef TTNM_NET_TTS_SCHEMA_H
#define TTNM_NET_TTS_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum {
	TTS_F_MESSAGE = 1, /* an object whose fields are listed below it */
	TTS_F_OPAQUE = 2,  /* a map or a google.protobuf.Struct: taken whole */
	TTS_F_EMPTY = 4,   /* a message without fields: {} is a value */
	TTS_F_WRAPPER = 8, /* a *Value message: JSON has the bare value */
	TTS_F_ARRAY = 16,  /* a repeated field: taken whole */
};

/* The JSON type of a scalar field (or a wrapper's value). */
enum tts_type {
	TTS_T_NONE = 0,
	TTS_T_UINT32, /* the schema's integer/int64: a uint32 in the .proto */
	TTS_T_INT32,
	TTS_T_UINT64, /* a decimal string (or number) */
	TTS_T_INT64,
	TTS_T_FLOAT,
	TTS_T_BOOL,
	TTS_T_STRING,
	TTS_T_BYTES, /* base64 or hex text */
	TTS_T_TIME,  /* RFC 3339 text */
	TTS_T_ENUM,  /* a value name, or its number */
};

struct tts_field {
	const char *path;		/* JSON spelling, sorted by strcmp */
	unsigned flags;			/* 0: a scalar */
	enum tts_type type;		/* of a scalar, or of a wrapper's value */
	const char *const *enum_values; /* TTS_T_ENUM: the names, in number order */
};

extern const struct tts_field tts_fields[];
extern const size_t tts_nfields;

/* The field at a JSON path, or NULL when the schema has none. */
const struct tts_field *tts_field_find(const char *json_path);

/* A oneof: at JSON path parent, the members are written without name. */
struct tts_oneof {
	const char *parent;
	const char *name;
	const char *const *members; /* NULL-terminated */
};

extern const struct tts_oneof tts_oneofs[]; /* ends with {NULL} */

/* The oneof that json_path is a member of (parent.member), or NULL. */
const struct tts_oneof *tts_oneof_of(const char *json_path);

/* JSON path → field mask path: "mac_settings.adr.dynamic.margin" →
 * "mac_settings.adr.mode.dynamic.margin". Returns -1 when out is short. */
int tts_mask_path(const char *json_path, char *out, size_t outlen);
/* The same, appended to a strbuf: never too short. */
struct strbuf;
void tts_mask_path_add(struct strbuf *out, const char *json_path);

/*
 * Appends to out (a JSON array of strings) the JSON path of every value dev
 * holds, the way a field mask must name it (before tts_mask_path()):
 * messages are descended; maps, Structs, arrays and unknown fields are
 * leaves; a oneof member is a value even when it is {} (adr.disabled, or
 * adr.dynamic with every setting at its default); other zero values (null,
 * "", {}, []) are left out. prefix may be NULL.
 */
void tts_value_paths(const json_t *dev, const char *prefix, json_t *out);

/* What tts_schema_problems() reports, one call per problem. */
enum tts_problem {
	TTS_P_UNKNOWN,	  /* path is not a field of the schema */
	TTS_P_WRAPPED,	  /* a {"value": X} wrapper where JSON takes X */
	TTS_P_ONEOF,	  /* two members of one oneof (path: the parent) */
	TTS_P_NOT_OBJECT, /* a message field that is not an object */
	TTS_P_TYPE,	  /* a scalar of the wrong JSON type (detail: the type wanted) */
	TTS_P_RANGE,	  /* a number outside its type's range, or not whole */
	TTS_P_ENUM,	  /* not a name (or number) of the enum */
};
/* detail: for TTS_P_TYPE/RANGE/ENUM, what was expected ("an integer from 0
 * to 4294967295"); "" otherwise. */
typedef void (*tts_problem_fn)(void *ud, enum tts_problem p, const char *path, const char *detail);

/* Walks dev against the schema and reports each problem. Returns the number
 * reported. */
size_t tts_schema_problems(const json_t *dev, tts_problem_fn fn, void *ud);

/* Removes, recursively, members whose value is zero (null, "", {}, []), as
 * TTS's JSON omits them, but keeps oneof members and field-less messages:
 * "adr": {"disabled": {}} is a setting. */
void tts_prune_zero(json_t *dev);

/* Replaces every {"value": X} at a wrapper field by X (what the v2 exporter
 * and older docs wrote). Returns how many. */
size_t tts_unwrap_values(json_t *dev);

#endif
