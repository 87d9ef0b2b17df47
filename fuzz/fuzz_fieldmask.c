/*
 * Field-mask handling on a device: input is "PATH,PATH,...\n{json}". The
 * paths go through jp_covers/jp_list_covers (against each other and the
 * component tables), jp_get/jp_set/jp_del and jp_copy_paths; the object
 * through jp_leaf_paths, jp_prune_zero and tts_join_paths, with invariants
 * that tie them together.
 */
#include "fuzz.h"

#include "core/jsonpath.h"
#include "net/tts_api.h"
#include "net/tts_components.h"

#define MAX_PATHS 64

/* Keys jp_* can address: non-empty, no '.', shorter than a path segment. */
static bool plain_keys(const json_t *v)
{
	const char *k;
	json_t *c;
	if (!json_is_object(v))
		return true;
	json_object_foreach((json_t *)v, k, c)
	{
		if (!*k || strchr(k, '.') || strlen(k) >= 127 || !plain_keys(c))
			return false;
	}
	return true;
}

static bool owned_by_any(const char *path)
{
	if (jp_list_covers(tts_is_create_paths, path))
		return true;
	for (int c = 0; c < TTS_NCOMP; c++)
		if (jp_list_covers(tts_comps[c].set_paths, path) ||
		    jp_list_covers(tts_comps[c].get_paths, path))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstr(data, size);
	char *nl = memchr(in, '\n', size);
	const char *json_text = "";
	size_t json_len = 0;
	if (nl) {
		*nl = '\0';
		json_text = nl + 1;
		json_len = size - (size_t)(nl + 1 - in);
	}
	/* The paths: comma-separated, before the newline. */
	const char *paths[MAX_PATHS + 1];
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(in, ",", &save); t && n < MAX_PATHS;
	     t = strtok_r(NULL, ",", &save))
		paths[n++] = t;
	paths[n] = NULL;

	json_t *obj = json_loadb(json_text, json_len, 0, NULL);
	if (!json_is_object(obj)) {
		json_decref(obj);
		obj = json_object();
	}

	for (size_t i = 0; i < n; i++) {
		FUZZ_ASSERT(jp_covers(paths[i], paths[i]));
		FUZZ_ASSERT(jp_list_covers(paths + i, paths[i]));
		(void)owned_by_any(paths[i]);
		for (size_t j = 0; j < n; j++) {
			/* "a" covers "a.b": a covering path is a prefix of the other. */
			if (jp_covers(paths[i], paths[j]))
				FUZZ_ASSERT(strncmp(paths[i], paths[j], strlen(paths[i])) == 0);
		}
	}

	/* Leaves of a plain object: each is there and non-zero; copying them
	 * all gives the object without its zero members. */
	json_t *leaves = json_array();
	jp_leaf_paths(obj, (size & 1) ? "p" : NULL, leaves);
	json_decref(leaves);
	leaves = json_array();
	jp_leaf_paths(obj, NULL, leaves);
	char *joined = tts_join_paths(leaves);
	FUZZ_ASSERT(joined);
	free(joined);
	if (plain_keys(obj)) {
		size_t nl_ = json_array_size(leaves), i;
		const char **lp = calloc(nl_ + 1, sizeof *lp);
		FUZZ_ASSERT(lp);
		json_t *p;
		json_array_foreach(leaves, i, p)
		{
			lp[i] = json_string_value(p);
			const json_t *v = jp_get(obj, lp[i]);
			FUZZ_ASSERT(v && !jp_is_zero(v) && !json_is_object(v));
		}
		json_t *dst = json_object();
		FUZZ_ASSERT(jp_copy_paths(dst, obj, lp) == nl_);
		json_t *pruned = json_deep_copy(obj);
		jp_prune_zero(pruned);
		FUZZ_ASSERT(json_equal(dst, pruned));
		/* Deleting every leaf leaves nothing non-zero behind. */
		for (i = 0; i < nl_; i++) {
			jp_del(pruned, lp[i]);
			FUZZ_ASSERT(jp_get(pruned, lp[i]) == NULL);
		}
		json_t *rest = json_array();
		jp_leaf_paths(pruned, NULL, rest);
		FUZZ_ASSERT(json_array_size(rest) == 0);
		json_decref(rest);
		json_decref(pruned);
		json_decref(dst);
		free(lp);
	}
	json_decref(leaves);

	/* The given paths on the object: copy, set, read back, delete. */
	json_t *dst = json_object();
	(void)jp_copy_paths(dst, obj, paths);
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_integer((json_int_t)i);
		json_incref(v);
		if (jp_set(dst, paths[i], v) == 0)
			FUZZ_ASSERT(jp_get(dst, paths[i]) == v);
		json_decref(v);
		(void)jp_get(obj, paths[i]);
		jp_del(obj, paths[i]);
	}
	jp_prune_zero(dst);
	json_decref(dst);
	json_decref(obj);
	free(in);
	return 0;
}
