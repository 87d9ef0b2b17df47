/*
 * The run's identity: which source and destination a journal belongs to.
 *
 * A journal's rows say what was done to devices known by their ids only; the
 * same ids can exist in another deployment or application. So the first run
 * records where it acts (the base URL of each component at both ends, the
 * destination application, the id part of each API key, --dev-id-prefix) and
 * every later run on the journal compares before it sends anything. The key
 * id is the <ID> of NNSXS.<ID>.<SECRET>: the secret never reaches the
 * journal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/migrate.h"
#include "net/tts_api.h"
#include "net/tts_components.h"
#include "ui/log.h"

/* The <ID> of an NNSXS.<ID>.<SECRET> key of scope, or "" (not that form). */
static json_t *key_id(const struct config *cfg, const char *scope)
{
	char buf[1024] = "";
	const char *k = cfg_str(cfg, scope, "app-api-key");
	const char *file = cfg_str(cfg, scope, "app-api-key-file");
	if (!k && file) {
		FILE *f = fopen(file, "r");
		if (f) {
			if (!fgets(buf, sizeof buf, f))
				buf[0] = '\0';
			fclose(f);
		}
		k = buf;
	}
	const char *id = k && strncmp(k, "NNSXS.", 6) == 0 ? k + 6 : "";
	size_t n = strcspn(id, ".");
	/* Only with a secret after it: otherwise the whole value is unknown. */
	json_t *out = id[n] == '.' ? json_stringn(id, n) : json_string("");
	memset(buf, 0, sizeof buf);
	return out;
}

/* The base URLs of d's components, under their flag names. */
static void add_urls(json_t *o, struct dest *d)
{
	struct tts_api *api = dest_api(d);
	for (int c = 0; c < TTS_NCOMP; c++)
		json_object_set_new(o, tts_comps[c].flag_key, json_string(api->base[c]));
}

static json_t *identity_now(const struct config *cfg, const char *src_name, struct dest *dest,
			    const char *prefix, char *err, size_t errlen)
{
	json_t *src = json_pack("{s:s}", "kind", src_name);
	/* What the source says identifies its deployment (for The Things
	 * Stack: the base URLs as the tool derives them); no request is sent. */
	const struct source_ops *ops = source_find(src_name);
	struct src_err se = {0};
	if (ops && ops->identity && ops->identity(cfg, src, &se) < 0) {
		snprintf(err, errlen, "%s", se.msg);
		json_decref(src);
		return NULL;
	}
	json_object_set_new(src, "api_key_id", key_id(cfg, src_name));
	json_t *dst = json_pack("{s:s}", "application", dest_app_id(dest));
	add_urls(dst, dest);
	json_object_set_new(dst, "api_key_id", key_id(cfg, "dest"));
	return json_pack("{s:o,s:o,s:s}", "source", src, "destination", dst, "dev_id_prefix",
			 prefix ? prefix : "");
}

static const char *what_of(const char *key)
{
	for (int c = 0; c < TTS_NCOMP; c++)
		if (strcmp(key, tts_comps[c].flag_key) == 0)
			return tts_comps[c].name;
	if (strcmp(key, "api_key_id") == 0)
		return "API key id";
	if (strcmp(key, "application") == 0)
		return "application";
	return key;
}

/* The first difference between the recorded and the current identity, as
 * one phrase into out; 0 when none. A value the journal does not have, or
 * has empty (an old journal, a key not of the NNSXS form), is not compared. */
static int differs(const json_t *was, const json_t *now, char *out, size_t outlen)
{
	static const char *const sides[] = {"source", "destination"};
	const char *keys[TTS_NCOMP + 2];
	for (int c = 0; c < TTS_NCOMP; c++)
		keys[c] = tts_comps[c].flag_key;
	keys[TTS_NCOMP] = "application";
	keys[TTS_NCOMP + 1] = "api_key_id";
	for (int i = 0; i < 2; i++) {
		const json_t *a = json_object_get(was, sides[i]);
		const json_t *b = json_object_get(now, sides[i]);
		for (int k = 0; k < TTS_NCOMP + 2; k++) {
			const char *x = json_string_value(json_object_get(a, keys[k]));
			const char *y = json_string_value(json_object_get(b, keys[k]));
			if (!x || !*x || !y || !*y || strcmp(x, y) == 0)
				continue;
			snprintf(out, outlen, "the %s's %s is %s in the journal, %s now", sides[i],
				 what_of(keys[k]), x, y);
			return 1;
		}
	}
	const char *x = json_string_value(json_object_get(was, "dev_id_prefix"));
	const char *y = json_string_value(json_object_get(now, "dev_id_prefix"));
	if (x && y && strcmp(x, y) != 0) {
		snprintf(out, outlen, "--dev-id-prefix is \"%s\" in the journal, \"%s\" now", x, y);
		return 1;
	}
	return 0;
}

/* What a journal of an older version (or a new one) says of its run, as
 * an identity: only what it recorded. */
static json_t *identity_old(struct journal *j, const char *src_name)
{
	char *app = journal_meta_get(j, "destination_application");
	char *prefix = journal_meta_get(j, "prefix");
	json_t *o = json_pack("{s:{s:s},s:{}}", "source", "kind", src_name, "destination");
	if (app)
		json_object_set_new(json_object_get(o, "destination"), "application",
				    json_string(app));
	if (prefix)
		json_object_set_new(o, "dev_id_prefix", json_string(prefix));
	free(app);
	free(prefix);
	return o;
}

static int has_devices_cb(void *ud, const struct jdevice *d)
{
	(void)d;
	*(bool *)ud = true;
	return -1; /* one is enough */
}

int migration_identity(struct journal *j, const struct config *cfg, const char *src_name,
		       struct dest *dest, const char *prefix, bool force, char *err, size_t errlen)
{
	json_t *now = identity_now(cfg, src_name, dest, prefix, err, errlen);
	if (!now) {
		journal_provisional_end(j, false);
		return -1;
	}
	char *rec = journal_meta_get(j, "identity");
	json_t *was = rec ? json_loads(rec, 0, NULL) : NULL;
	bool old = !was;
	if (old)
		was = identity_old(j, src_name);
	char why[600];
	int rc = 0;
	if (differs(was, now, why, sizeof why)) {
		if (!force) {
			snprintf(err, errlen,
				 "journal: it belongs to another migration: %s; nothing was sent "
				 "(--force-identity acts on it anyway)",
				 why);
			rc = -1;
		} else {
			log_warn("journal: %s; going on (--force-identity)", why);
		}
	}
	if (rc == 0 && (old || force)) {
		bool any = false;
		journal_each(j, false, false, has_devices_cb, &any);
		char *s = json_dumps(now, JSON_COMPACT | JSON_SORT_KEYS);
		if (!s || journal_meta_set(j, "identity", s) < 0) {
			snprintf(err, errlen, "journal: cannot record the run's identity: %s",
				 journal_errmsg(j));
			rc = -1;
		} else if (old && any) {
			log_info(
			    "journal: recorded the source and destination this run acts on (the "
			    "journal, of an older version, did not have them): later runs act "
			    "on these only");
		}
		free(s);
	}
	free(rec);
	json_decref(was);
	json_decref(now);
	/* What the run wrote before (its devices, its applications) is kept
	 * only when it is the journal's own run. */
	if (journal_provisional_end(j, rc == 0) < 0 && rc == 0) {
		snprintf(err, errlen, "journal: cannot commit: %s", journal_errmsg(j));
		rc = -1;
	}
	return rc;
}
