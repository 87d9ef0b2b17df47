/*
 * Dotted field paths ("session.keys.app_s_key.key") on jansson objects, as
 * The Things Stack's field masks name them.
 *
 * A value is "zero" when The Things Stack would omit it from JSON: null, "",
 * {} or []. Numbers and booleans that are present count as set, because TTS
 * prints its *Value wrappers (schedule_downlinks: false) even when false.
 */
#ifndef TTNM_CORE_JSONPATH_H
#define TTNM_CORE_JSONPATH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The value at path, borrowed, or NULL when any segment is missing. */
json_t *jp_get(const json_t *root, const char *path);

/* Sets path to value (reference stolen), creating intermediate objects.
 * Returns 0, or -1 when an intermediate segment exists and is not an object. */
int jp_set(json_t *root, const char *path, json_t *value);

/* Removes path; then removes parents left empty by that. Missing is fine. */
void jp_del(json_t *root, const char *path);

bool jp_is_zero(const json_t *v);

/* True when path equals prefix or lies beneath it ("a.b" covers "a.b.c"). */
bool jp_covers(const char *prefix, const char *path);

/* True when path is covered by any entry of the NULL-terminated list. */
bool jp_list_covers(const char *const *list, const char *path);

/* Copies every non-zero value at the listed paths from src into dst,
 * replacing what dst had there. Returns the number of values copied. */
size_t jp_copy_paths(json_t *dst, const json_t *src, const char *const *paths);

/*
 * Appends to *out (a JSON array of strings) the bottom-level paths of every
 * non-zero leaf of obj: objects are descended, anything else (arrays
 * included) is a leaf. prefix may be NULL.
 */
void jp_leaf_paths(const json_t *obj, const char *prefix, json_t *out);

/* "an object", "an array", "a string", "a number", "a boolean" or "null". */
const char *jp_type_name(const json_t *v);

/* Whether the array arr holds the string s (rights lists, id lists). */
bool jp_array_has(const json_t *arr, const char *s);

/* What a value that must not be quoted is, for a message: "a string of 34
 * characters", "a JSON object". A mistyped key is still mostly the key. */
void jp_describe_unquoted(const json_t *v, char *buf, size_t len);

/* Removes, recursively, members whose value is zero. */
void jp_prune_zero(json_t *obj);

#endif
