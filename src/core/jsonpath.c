#include "core/jsonpath.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* Copies the next segment of *p into buf (NUL-terminated) and advances *p
 * past it and its dot. Returns false when the segment does not fit. */
static bool next_segment(const char **p, char *buf, size_t cap)
{
	const char *dot = strchr(*p, '.');
	size_t n = dot ? (size_t)(dot - *p) : strlen(*p);
	if (n == 0 || n >= cap)
		return false;
	memcpy(buf, *p, n);
	buf[n] = '\0';
	*p += n + (dot ? 1 : 0);
	return true;
}

json_t *jp_get(const json_t *root, const char *path)
{
	char seg[128];
	const json_t *cur = root;
	const char *p = path;
	while (*p) {
		if (!json_is_object(cur) || !next_segment(&p, seg, sizeof seg))
			return NULL;
		cur = json_object_get(cur, seg);
		if (!cur)
			return NULL;
	}
	return (json_t *)cur;
}

int jp_set(json_t *root, const char *path, json_t *value)
{
	char seg[128];
	json_t *cur = root;
	const char *p = path;
	for (;;) {
		if (!json_is_object(cur) || !next_segment(&p, seg, sizeof seg)) {
			json_decref(value);
			return -1;
		}
		if (!*p)
			return json_object_set_new(cur, seg, value);
		json_t *child = json_object_get(cur, seg);
		if (!child || json_is_null(child)) {
			child = json_object();
			/* On failure (a key that is not UTF-8, no memory) jansson
			 * has already freed child: do not walk into it. */
			if (json_object_set_new(cur, seg, child) < 0) {
				json_decref(value);
				return -1;
			}
		}
		cur = child;
	}
}

/* Removes path below obj; returns whether something was removed, so that
 * only parents emptied by this removal are pruned, not ones already empty. */
static bool del_path(json_t *obj, const char *path)
{
	const char *dot = strchr(path, '.');
	if (!json_is_object(obj))
		return false;
	if (!dot)
		return json_object_del(obj, path) == 0;
	char seg[128];
	size_t n = (size_t)(dot - path);
	if (n == 0 || n >= sizeof seg)
		return false;
	memcpy(seg, path, n);
	seg[n] = '\0';
	json_t *child = json_object_get(obj, seg);
	if (!del_path(child, dot + 1))
		return false;
	if (json_object_size(child) == 0)
		json_object_del(obj, seg);
	return true;
}

void jp_del(json_t *root, const char *path)
{
	del_path(root, path);
}

bool jp_is_zero(const json_t *v)
{
	if (!v || json_is_null(v))
		return true;
	if (json_is_string(v))
		return json_string_length(v) == 0;
	if (json_is_object(v))
		return json_object_size(v) == 0;
	if (json_is_array(v))
		return json_array_size(v) == 0;
	return false;
}

bool jp_covers(const char *prefix, const char *path)
{
	size_t n = strlen(prefix);
	return strncmp(prefix, path, n) == 0 && (path[n] == '\0' || path[n] == '.');
}

bool jp_list_covers(const char *const *list, const char *path)
{
	for (; *list; list++)
		if (jp_covers(*list, path))
			return true;
	return false;
}

size_t jp_copy_paths(json_t *dst, const json_t *src, const char *const *paths)
{
	size_t n = 0;
	for (; *paths; paths++) {
		json_t *v = jp_get(src, *paths);
		if (jp_is_zero(v))
			continue;
		if (jp_set(dst, *paths, json_deep_copy(v)) == 0)
			n++;
	}
	return n;
}

void jp_leaf_paths(const json_t *obj, const char *prefix, json_t *out)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v)
	{
		if (jp_is_zero(v))
			continue;
		size_t n = (prefix ? strlen(prefix) + 1 : 0) + strlen(key) + 1;
		char *path = malloc(n);
		if (!path)
			return;
		if (prefix)
			snprintf(path, n, "%s.%s", prefix, key);
		else
			snprintf(path, n, "%s", key);
		if (json_is_object(v))
			jp_leaf_paths(v, path, out);
		else
			json_array_append_new(out, json_string(path));
		free(path);
	}
}

void jp_prune_zero(json_t *obj)
{
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(obj, tmp, key, v)
	{
		if (json_is_object(v))
			jp_prune_zero(v);
		if (jp_is_zero(v))
			json_object_del(obj, key);
	}
}

const char *jp_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

void jp_describe_unquoted(const json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		snprintf(buf, len, "a string of %zu characters", json_string_length(v));
	else
		snprintf(buf, len, "a JSON %s",
			 json_is_object(v)  ? "object"
			 : json_is_array(v) ? "array"
					    : "value");
}

bool jp_array_has(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		const char *x = json_string_value(v);
		if (x && strcmp(x, s) == 0)
			return true;
	}
	return false;
}
