/* Finding and reading the data files (data/bands.json, data/devaddr-blocks.json). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/check.h"

/* This file's path as the compiler saw it; CMake passes absolute paths, so
 * the source tree's data/ is two directories up from src/check/. */
#define THIS_FILE_TAIL "src/check/data.c"

static char data_dir[PATH_MAX];

static bool has_bands(const char *dir)
{
	char p[PATH_MAX + 16];
	snprintf(p, sizeof p, "%s/bands.json", dir);
	return access(p, R_OK) == 0;
}

static bool try_dir(const char *dir)
{
	if (!dir || !*dir || strlen(dir) >= sizeof data_dir || !has_bands(dir))
		return false;
	snprintf(data_dir, sizeof data_dir, "%s", dir);
	return true;
}

static bool try_source_tree(void)
{
	const char *f = __FILE__;
	size_t n = strlen(f), t = strlen(THIS_FILE_TAIL);
	if (f[0] != '/' || n < t || strcmp(f + n - t, THIS_FILE_TAIL) != 0)
		return false;
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%.*sdata", (int)(n - t), f);
	return try_dir(dir);
}

static bool try_next_to_exe(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	static const char *const rel[] = {"../data", "../../data", "../share/ttn-lw-migrate", NULL};
	for (const char *const *r = rel; *r; r++) {
		char dir[PATH_MAX + 32];
		snprintf(dir, sizeof dir, "%s/%s", exe, *r);
		if (try_dir(dir))
			return true;
	}
	return false;
}

const char *check_data_dir(void)
{
	const char *env = getenv("TTNM_DATA_DIR");
	if (env && *env) {
		/* Explicit: no fall-back, so a wrong setting shows. */
		snprintf(data_dir, sizeof data_dir, "%s", env);
		return data_dir;
	}
#ifdef TTNM_DATA_DIR
	if (try_dir(TTNM_DATA_DIR))
		return data_dir;
#endif
	if (try_source_tree() || try_next_to_exe())
		return data_dir;
	return NULL;
}

json_t *check_data_load(const char *name, char *err, size_t errlen)
{
	const char *dir = check_data_dir();
	if (!dir) {
		snprintf(err, errlen,
			 "data directory not found (set TTNM_DATA_DIR to the directory holding "
			 "bands.json)");
		return NULL;
	}
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	json_error_t je;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		snprintf(err, errlen, "%s: %s (line %d)", path, je.text, je.line);
		return NULL;
	}
	if (!json_is_object(j)) {
		snprintf(err, errlen, "%s: not a JSON object", path);
		json_decref(j);
		return NULL;
	}
	return j;
}
