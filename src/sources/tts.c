/*
 * Source "tts": The Things Stack (Sandbox / Community Edition, Cloud,
 * Enterprise), over its HTTP API.
 *
 * A device is read from the Identity Server, then from the Join, Application
 * and Network Servers, each with the field mask of what that component owns;
 * the answers are merged, the identifiers checked against each other, and
 * what ties the device to the source deployment is stripped.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/jsonpath.h"
#include "core/lorawan.h"
#include "core/strlist.h"
#include "net/tts_api.h"
#include "net/tts_check.h"
#include "net/tts_registry.h"
#include "net/tts_schema.h"
#include "net/tts_config.h"
#include "sources/source.h"
#include "sources/tts_restore.h"
#include "ui/log.h"
#include "ui/stop.h"

static const struct opt_desc tts_options[] = {
    TTS_CONNECTION_OPTIONS("TTS_", "at the source"),
    {"no-session", OPT_BOOL, "TTS_NO_SESSION", "false", NULL,
     "Export without session and MAC state (devices must re-join)", 0},
    {"delete-source-device", OPT_BOOL, "TTS_DELETE_SOURCE_DEVICE", "false", NULL,
     "After each export is on disk, delete the device from AS, NS, JS and IS", 0},
    {"external-join-server", OPT_BOOL, "TTS_EXTERNAL_JOIN_SERVER", "false", NULL,
     "OTAA devices' root keys live on another Join Server: export OTAA devices the Join "
     "Server does not have (without root keys) instead of refusing them",
     0},
    {"default-grpc-address", OPT_STRING, "TTS_DEFAULT_GRPC_ADDRESS", NULL, "HOST:PORT",
     "Go tool compatibility: used as https://HOST when no URL is set", 0},
    {"identity-server-grpc-address", OPT_STRING, "TTS_IDENTITY_SERVER_GRPC_ADDRESS", NULL,
     "HOST:PORT", "Go tool compatibility (Identity Server)", OPT_HIDDEN},
    {"join-server-grpc-address", OPT_STRING, "TTS_JOIN_SERVER_GRPC_ADDRESS", NULL, "HOST:PORT",
     "Go tool compatibility (Join Server)", OPT_HIDDEN},
    {"network-server-grpc-address", OPT_STRING, "TTS_NETWORK_SERVER_GRPC_ADDRESS", NULL,
     "HOST:PORT", "Go tool compatibility (Network Server)", OPT_HIDDEN},
    {"application-server-grpc-address", OPT_STRING, "TTS_APPLICATION_SERVER_GRPC_ADDRESS", NULL,
     "HOST:PORT", "Go tool compatibility (Application Server)", OPT_HIDDEN},
    {"batch-size", OPT_INT, "TTS_BATCH_SIZE", "20", "N",
     "Delete source devices N at a time with the batch routes (1-20; 1: one by one)", 0},
    {"page-size", OPT_INT, NULL, "1000", "N", "Devices per Identity Server list page (1-1000)",
     OPT_HIDDEN},
    {NULL, 0, NULL, NULL, NULL, NULL, 0},
};

struct source {
	struct tts_api api;
	char *app_id;
	bool no_session;
	bool delete_device;
	bool dry_run;
	bool external_js; /* --external-join-server: OTAA without root keys is fine */
	int page_size;
	/* Deletes waiting for a batch: their exports are already on disk. */
	int batch_size;
	pthread_mutex_t batch_mu;
	char batch_app[64];
	struct strlist batch;
	size_t batch_failed;	   /* devices whose delete failed at a flush */
	struct retire_hooks hooks; /* all NULL: nothing recorded */
	/* Read masks, narrowed when a server of another version refuses paths;
	 * shared by the worker threads, so read and narrowed under mask_mu. */
	pthread_mutex_t mask_mu;
	json_t *mask[TTS_NCOMP];
	/* Identity Server records read ahead of their export, each taken once
	 * ("app/dev" → device): from the list pages (application exports) and
	 * from batch gets of the ids announced in groups (device exports). */
	pthread_mutex_t ahead_mu;
	pthread_cond_t ahead_cv;
	json_t *ahead;
	json_t *group_of; /* "app/dev" → index in groups, until its group is read */
	struct ahead_group *groups;
	size_t ngroups, capgroups;
	/* Network Server records read by freeze_read, for the export that
	 * follows the freeze ("app/dev" → device, each taken once, under
	 * ahead_mu): a create-first migration reads the NS once per device.
	 * A resume in a new process finds none here and reads the NS again,
	 * after the freeze, which is as safe. */
	json_t *ns_ahead;
	/* The journaled migration's deletes: the devices retiring at the same
	 * time go in one batch; each worker waits for its batch's outcome. */
	pthread_mutex_t jb_mu;
	pthread_cond_t jb_cv;
	struct jbatch *jb_open;
	size_t jb_max;	/* min(--tts.batch-size, --concurrency) */
	bool journaled; /* set_retire_delete: each retire returns when done */
};

struct ahead_group {
	char *app;
	char **ids;
	size_t n;
	int state; /* 0 announced, 1 being read, 2 read */
	/* The batch get failed in a way a Get per device would repeat (no
	 * answer, a server fault): that is each device's error. */
	bool failed;
	struct tts_error err;
};

/* ---- configuration ------------------------------------------------------ */

static void tts_close(struct source *s)
{
	if (!s)
		return;
	tts_api_release(&s->api);
	for (int c = 0; c < TTS_NCOMP; c++)
		json_decref(s->mask[c]);
	pthread_mutex_destroy(&s->mask_mu);
	json_decref(s->ahead);
	json_decref(s->ns_ahead);
	json_decref(s->group_of);
	for (size_t i = 0; i < s->ngroups; i++) {
		for (size_t k = 0; s->groups[i].ids && k < s->groups[i].n; k++)
			free(s->groups[i].ids[k]);
		free(s->groups[i].ids);
		free(s->groups[i].app);
	}
	free(s->groups);
	pthread_mutex_destroy(&s->ahead_mu);
	pthread_cond_destroy(&s->ahead_cv);
	pthread_mutex_destroy(&s->jb_mu);
	pthread_cond_destroy(&s->jb_cv);
	free(s->app_id);
	strlist_free(&s->batch);
	pthread_mutex_destroy(&s->batch_mu);
	free(s);
}

static int tts_open(const struct config *cfg, struct source **out, struct src_err *err)
{
	struct source *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	pthread_mutex_init(&s->mask_mu, NULL);
	pthread_mutex_init(&s->ahead_mu, NULL);
	pthread_cond_init(&s->ahead_cv, NULL);
	pthread_mutex_init(&s->jb_mu, NULL);
	pthread_cond_init(&s->jb_cv, NULL);
	s->ahead = json_object();
	s->ns_ahead = json_object();
	s->group_of = json_object();
	s->dry_run = cfg->o.dry_run;
	s->no_session = cfg_bool(cfg, "tts", "no-session");
	s->delete_device = cfg_bool(cfg, "tts", "delete-source-device");
	s->external_js = cfg_bool(cfg, "tts", "external-join-server");
	if (s->dry_run && s->delete_device) {
		log_warn("--dry-run: source devices will not be deleted");
		s->delete_device = false;
	}
	s->batch_size = (int)cfg_int(cfg, "tts", "batch-size", 0);
	if (s->batch_size < 1 || s->batch_size > TTS_BATCH_MAX)
		s->batch_size = s->batch_size < 1 ? 1 : TTS_BATCH_MAX;
	pthread_mutex_init(&s->batch_mu, NULL);
	s->jb_max = (size_t)s->batch_size;
	if ((size_t)cfg_concurrency(cfg) < s->jb_max)
		s->jb_max = (size_t)cfg_concurrency(cfg);
	s->page_size = (int)cfg_int(cfg, "tts", "page-size", 0);
	if (s->page_size < 1 || s->page_size > 1000)
		s->page_size = 1000;
	const char *app = cfg_str(cfg, "tts", "app-id");
	s->app_id = app ? strdup(app) : NULL;

	if (tts_api_configure(&s->api, cfg, "tts", err->msg, sizeof err->msg) < 0) {
		err->config = true;
		goto fail;
	}
	for (int c = 0; c < TTS_NCOMP; c++) {
		s->mask[c] = json_array();
		for (const char *const *p = tts_comps[c].get_paths; *p; p++)
			json_array_append_new(s->mask[c], json_string(*p));
	}
	*out = s;
	return 0;
fail:
	tts_close(s);
	return -1;
}

/* ---- export ------------------------------------------------------------- */

/* Removes the refused paths from the mask; returns how many were removed. */
static size_t drop_paths(json_t *mask, const json_t *refused)
{
	size_t removed = 0, i, j;
	json_t *r;
	json_array_foreach(refused, j, r)
	{
		for (i = 0; i < json_array_size(mask); i++)
			if (json_equal(json_array_get(mask, i), r)) {
				json_array_remove(mask, i);
				removed++;
				break;
			}
	}
	return removed;
}

/* GET from one component. A server of another version may refuse paths it
 * does not know (400 field_mask_paths naming them): drop exactly those,
 * say which fields will be missing, and retry once. The narrowed mask is
 * kept for the following devices. */
static json_t *mask_copy(struct source *s, enum tts_comp c)
{
	pthread_mutex_lock(&s->mask_mu);
	json_t *m = json_deep_copy(s->mask[c]);
	pthread_mutex_unlock(&s->mask_mu);
	return m;
}

/*
 * After a 400 field_mask_paths answer to a read with mask (this request's
 * copy of component c's mask): drops the refused paths from the copy and
 * from the shared mask, so that the following devices do not ask again, and
 * warns once. Another thread may have narrowed the shared mask already: then
 * only the copy changes and nothing is said. Returns true when the copy
 * changed (the read is worth retrying with it).
 */
static bool narrow_mask(struct source *s, enum tts_comp c, json_t *mask, const struct tts_error *e)
{
	if (e->status != 400 || !e->forbidden_paths || drop_paths(mask, e->forbidden_paths) == 0)
		return false;
	pthread_mutex_lock(&s->mask_mu);
	size_t dropped = drop_paths(s->mask[c], e->forbidden_paths);
	pthread_mutex_unlock(&s->mask_mu);
	if (dropped) {
		char *list = tts_join_paths(e->forbidden_paths);
		log_warn("%s refused field paths %s (a server of another version?): these "
			 "fields are not exported",
			 tts_comps[c].name, list ? list : "?");
		free(list);
	}
	return true;
}

static int get_component(struct source *s, enum tts_comp c, const char *app, const char *dev,
			 json_t **out, struct tts_error *e)
{
	json_t *mask = mask_copy(s, c);
	int rc = tts_get_device(&s->api, c, app, dev, mask, out, e);
	if (rc < 0 && narrow_mask(s, c, mask, e))
		rc = tts_get_device(&s->api, c, app, dev, mask, out, e);
	json_decref(mask);
	return rc;
}

/* ---- Identity Server records read ahead ------------------------------- */

static void ahead_key(char *key, size_t cap, const char *app, const char *dev)
{
	snprintf(key, cap, "%s/%s", app, dev);
}

/* Keeps dev (an IS answer listed or batch-read for app) for its export, if it
 * names a device of app and is a well-formed end device; else its export
 * reads it on its own (and reports what is wrong with it). */
static void ahead_put_locked(struct source *s, const char *app, json_t *dev)
{
	char key[160], why[256];
	const char *id = json_string_value(jp_get(dev, "ids.device_id"));
	const char *a = json_string_value(jp_get(dev, "ids.application_ids.application_id"));
	if (!id || !a || strcmp(a, app) != 0 || tts_check_device_types(dev, why, sizeof why) < 0)
		return;
	ahead_key(key, sizeof key, app, id);
	json_object_set(s->ahead, key, dev);
}

/* The record read ahead for app/dev in held (s->ahead: IS, s->ns_ahead:
 * NS), a new reference, or NULL. */
static json_t *held_take(struct source *s, json_t *held, const char *app, const char *dev)
{
	char key[160];
	ahead_key(key, sizeof key, app, dev);
	pthread_mutex_lock(&s->ahead_mu);
	json_t *d = json_incref(json_object_get(held, key));
	json_object_del(held, key);
	pthread_mutex_unlock(&s->ahead_mu);
	return d;
}

static json_t *ahead_take(struct source *s, const char *app, const char *dev)
{
	return held_take(s, s->ahead, app, dev);
}

/* Device exports: the ids the command is about to hand out, in groups of up
 * to TTS_BATCH_MAX; the first export of a group reads the whole group with
 * one batch get, the others of the group wait for it. */
static void tts_announce(struct source *s, const char *app, const char *const *devs, size_t n)
{
	if (!app)
		app = s->app_id;
	if (!app || n < 2 || n > TTS_BATCH_MAX)
		return; /* one device: its Get costs the same */
	pthread_mutex_lock(&s->ahead_mu);
	if (s->ngroups == s->capgroups) {
		size_t cap = s->capgroups ? 2 * s->capgroups : 64;
		struct ahead_group *g = realloc(s->groups, cap * sizeof *g);
		if (!g)
			goto out;
		s->groups = g;
		s->capgroups = cap;
	}
	struct ahead_group *g = &s->groups[s->ngroups];
	*g = (struct ahead_group){.app = strdup(app), .ids = calloc(n, sizeof *g->ids), .n = n};
	if (!g->app || !g->ids) {
		free(g->app);
		free(g->ids);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		char key[160];
		g->ids[i] = strdup(devs[i]);
		ahead_key(key, sizeof key, app, devs[i]);
		if (g->ids[i])
			json_object_set_new(s->group_of, key, json_integer((json_int_t)s->ngroups));
	}
	s->ngroups++;
out:
	pthread_mutex_unlock(&s->ahead_mu);
}

/* One IS batch get of the group's ids; a server of another version may
 * refuse mask paths (dropped, said, retried once, as get_component does). */
static void read_group(struct source *s, const char *app, char **ids, size_t n,
		       struct tts_error *failed)
{
	struct tts_error e = {0};
	json_t *mask = mask_copy(s, TTS_IS), *res = NULL;
	int rc = tts_batch_get_devices(&s->api, app, (const char *const *)ids, n, mask, &res, &e);
	if (rc < 0 && narrow_mask(s, TTS_IS, mask, &e)) {
		tts_error_clear(&e);
		rc = tts_batch_get_devices(&s->api, app, (const char *const *)ids, n, mask, &res,
					   &e);
	}
	/* A route this server lacks or refuses (an older version, a proxy):
	 * each device is read on its own. Anything else would only repeat. */
	bool route = e.status == 400 || e.status == 404 || e.status == 405 || e.status == 501;
	if (rc < 0 && route)
		log_debug("batch get of %zu devices from the Identity Server failed (%s): each is "
			  "read on its own",
			  n, e.message);
	else if (rc < 0) {
		*failed = e;
		failed->forbidden_paths = NULL;
	}
	json_t *devs = json_object_get(res, "end_devices");
	size_t i;
	json_t *d;
	pthread_mutex_lock(&s->ahead_mu);
	json_array_foreach(devs, i, d)
	{
		/* Only the devices asked for (an answer about others is ignored). */
		const char *id = json_string_value(jp_get(d, "ids.device_id"));
		for (size_t k = 0; id && k < n; k++)
			if (strcmp(ids[k], id) == 0) {
				ahead_put_locked(s, app, d);
				break;
			}
	}
	/* Released under the lock: its devices are shared with the cache. */
	json_decref(res);
	pthread_mutex_unlock(&s->ahead_mu);
	json_decref(mask);
	tts_error_clear(&e);
}

/* Reads (or waits for) the group announced with app/dev, if any: 0 when
 * read (or none), -1 with e when the batch get failed for good. */
static int ahead_fetch(struct source *s, const char *app, const char *dev, struct tts_error *e)
{
	char key[160];
	ahead_key(key, sizeof key, app, dev);
	pthread_mutex_lock(&s->ahead_mu);
	json_t *gi = json_object_get(s->group_of, key);
	if (!gi) {
		pthread_mutex_unlock(&s->ahead_mu);
		return 0;
	}
	size_t idx = (size_t)json_integer_value(gi);
	while (s->groups[idx].state == 1)
		pthread_cond_wait(&s->ahead_cv, &s->ahead_mu);
	if (s->groups[idx].state == 2) {
		int rc = s->groups[idx].failed ? -1 : 0;
		if (rc < 0) {
			tts_error_clear(e);
			*e = s->groups[idx].err;
		}
		pthread_mutex_unlock(&s->ahead_mu);
		return rc;
	}
	s->groups[idx].state = 1;
	char *gapp = s->groups[idx].app, **ids = s->groups[idx].ids;
	size_t n = s->groups[idx].n;
	pthread_mutex_unlock(&s->ahead_mu);

	struct tts_error failed = {0};
	read_group(s, gapp, ids, n, &failed);

	pthread_mutex_lock(&s->ahead_mu);
	if (failed.status || failed.message[0]) {
		s->groups[idx].failed = true;
		s->groups[idx].err = failed;
		tts_error_clear(e);
		*e = failed;
	}
	for (size_t k = 0; k < n; k++) {
		char gk[160];
		ahead_key(gk, sizeof gk, gapp, ids[k] ? ids[k] : "");
		json_t *v = json_object_get(s->group_of, gk);
		if (v && (size_t)json_integer_value(v) == idx)
			json_object_del(s->group_of, gk);
		free(ids[k]);
	}
	free(ids);
	free(gapp);
	s->groups[idx].ids = NULL;
	s->groups[idx].app = NULL;
	s->groups[idx].state = 2;
	int rc = s->groups[idx].failed ? -1 : 0;
	pthread_cond_broadcast(&s->ahead_cv);
	pthread_mutex_unlock(&s->ahead_mu);
	return rc;
}

/* The device's IS record: read ahead, or read now. */
static int get_is(struct source *s, const char *app, const char *dev, json_t **out,
		  struct tts_error *e)
{
	if ((*out = ahead_take(s, app, dev)))
		return 0;
	if (ahead_fetch(s, app, dev, e) < 0)
		return -1;
	if ((*out = ahead_take(s, app, dev)))
		return 0;
	return get_component(s, TTS_IS, app, dev, out, e);
}

/*
 * Every answer must be about the device that was asked for: a proxy, an
 * ingress or a cache that misroutes a read would otherwise have the tool
 * export another device under its identity and then delete the requested
 * one. The device and application ids must be present and equal; the EUIs,
 * once the Identity Server gave them (known: its answer, else NULL), must
 * be equal wherever the answer has them.
 */
static int check_answer(const json_t *got, enum tts_comp c, const char *app, const char *dev,
			const json_t *known, struct src_err *err)
{
	static const char *const asked_paths[] = {"ids.device_id",
						  "ids.application_ids.application_id"};
	const char *asked[] = {dev, app};
	for (int i = 0; i < 2; i++) {
		const char *v = json_string_value(jp_get(got, asked_paths[i]));
		if (v && strcmp(v, asked[i]) == 0)
			continue;
		snprintf(err->msg, sizeof err->msg,
			 "device \"%s\": the %s answered for another device (%s %s%s%s, asked "
			 "for \"%s\"); not exported, not deleted",
			 dev, tts_comps[c].name, asked_paths[i], v ? "\"" : "", v ? v : "missing",
			 v ? "\"" : "", asked[i]);
		return -1;
	}
	static const char *const eui_paths[] = {"ids.dev_eui", "ids.join_eui"};
	for (int i = 0; known && i < 2; i++) {
		const char *want = json_string_value(jp_get(known, eui_paths[i]));
		const char *v = json_string_value(jp_get(got, eui_paths[i]));
		if (!want || !v || !*want || !*v || strcasecmp(want, v) == 0)
			continue; /* EUIs may differ in case only */
		snprintf(err->msg, sizeof err->msg,
			 "device \"%s\": %s differs between the Identity Server (\"%s\") and the "
			 "%s (\"%s\"): an answer about another device; not exported, not deleted",
			 dev, eui_paths[i], want, tts_comps[c].name, v);
		return -1;
	}
	return 0;
}

static const char *const id_fields[] = {"device_id", "dev_eui", "join_eui",
					"application_ids.application_id"};

/* The upstream check: each identifier must agree wherever both sides have it. */
static int check_ids(const json_t *a, const char *a_name, const json_t *b, const char *b_name,
		     const char *dev, struct src_err *err)
{
	for (size_t i = 0; i < sizeof id_fields / sizeof *id_fields; i++) {
		char path[64];
		snprintf(path, sizeof path, "ids.%s", id_fields[i]);
		const char *va = json_string_value(jp_get(a, path));
		const char *vb = json_string_value(jp_get(b, path));
		if (!va || !vb || !*va || !*vb)
			continue;
		/* EUIs may differ in case only. */
		if (strcasecmp(va, vb) != 0) {
			snprintf(err->msg, sizeof err->msg,
				 "device \"%s\": %s differs between the %s (\"%s\") and the %s "
				 "(\"%s\")",
				 dev, path, a_name, va, b_name, vb);
			return -1;
		}
	}
	return 0;
}

/* Keeps the earliest created_at and the latest updated_at. */
static void merge_times(json_t *dst, const json_t *src)
{
	static const char *const keys[] = {"created_at", "updated_at"};
	for (int i = 0; i < 2; i++) {
		const char *s = json_string_value(json_object_get(src, keys[i]));
		const char *d = json_string_value(json_object_get(dst, keys[i]));
		int64_t sec;
		uint32_t nsec;
		if (!s || lw_time_parse(s, &sec, &nsec) < 0)
			continue;
		if (d && lw_time_parse(d, &sec, &nsec) < 0)
			d = NULL;
		int cmp = d ? lw_time_cmp(s, d) : (i == 0 ? -1 : 1);
		if ((i == 0 && cmp < 0) || (i == 1 && cmp > 0))
			json_object_set_new(dst, keys[i], json_string(s));
	}
}

static void describe(struct src_err *err, const char *dev, enum tts_comp c,
		     const struct tts_error *e, const char *doing)
{
	err->not_found = tts_error_not_found(e);
	if (err->not_found)
		snprintf(err->msg, sizeof err->msg, "device \"%s\": %s %s: not found (%s)", dev,
			 doing, tts_comps[c].name, e->name[0] ? e->name : e->message);
	else
		snprintf(err->msg, sizeof err->msg, "device \"%s\": %s %s: %s", dev, doing,
			 tts_comps[c].name, e->message);
}

static int tts_export_device(struct source *s, const char *app, const char *dev, json_t **out,
			     struct src_err *err)
{
	struct tts_error e = {0};
	json_t *is = NULL, *merged = json_object(), *part = NULL;
	const char *merged_from = NULL;
	int rc = -1;
	*out = NULL;
	if (!app) {
		snprintf(err->msg, sizeof err->msg,
			 "no application ID: set TTS_APP_ID or --app-id (--tts.app-id)");
		err->config = true;
		goto done;
	}
	if (get_is(s, app, dev, &is, &e) < 0) {
		describe(err, dev, TTS_IS, &e, "reading from the");
		goto done;
	}
	if (check_answer(is, TTS_IS, app, dev, NULL, err) < 0)
		goto done;
	bool no_js = false;
	for (int k = 1; k < TTS_NCOMP; k++) {
		enum tts_comp c = tts_export_order[k];
		if (c == TTS_NS)
			part = held_take(s, s->ns_ahead, app, dev);
		if (!part && get_component(s, c, app, dev, &part, &e) < 0) {
			if (c == TTS_JS && tts_error_not_found(&e)) {
				no_js = true; /* decided below, once the NS said supports_join */
				continue;
			}
			describe(err, dev, c, &e, "reading from the");
			goto done;
		}
		if (check_answer(part, c, app, dev, is, err) < 0)
			goto done;
		if (merged_from &&
		    check_ids(merged, merged_from, part, tts_comps[c].name, dev, err) < 0)
			goto done;
		if (!merged_from)
			jp_copy_paths(merged, part, (const char *const[]){"ids", NULL});
		merged_from = tts_comps[c].name;
		/* Only what this component owns, and only non-zero values. */
		for (const char *const *p = tts_comps[c].get_paths; *p; p++)
			if (strcmp(*p, "created_at") && strcmp(*p, "updated_at"))
				jp_copy_paths(merged, part, (const char *const[]){*p, NULL});
		merge_times(merged, part);
		json_decref(part);
		part = NULL;
	}
	if (merged_from && check_ids(is, tts_comps[TTS_IS].name, merged, merged_from, dev, err) < 0)
		goto done;
	if (no_js) {
		/* OTAA (a JoinEUI at the IS, supports_join at the NS) needs its root
		 * keys: without them the device can never join again. */
		const char *join_eui = json_string_value(jp_get(is, "ids.join_eui"));
		bool otaa =
		    join_eui && *join_eui && json_is_true(json_object_get(merged, "supports_join"));
		if (otaa && !s->external_js) {
			snprintf(
			    err->msg, sizeof err->msg,
			    "device \"%s\": root_keys: an OTAA device (ids.join_eui %s, "
			    "supports_join) that the Join Server does not have; refused, nothing "
			    "is changed at the source (--external-join-server if its root keys "
			    "live on another Join Server)",
			    dev, join_eui);
			goto done;
		}
		log_warn("device \"%s\": not on the Join Server (%s): no root keys exported", dev,
			 otaa ? "--external-join-server" : "ABP, or an external Join Server");
	}

	/* The IS device, with every other component's fields laid over it. */
	const char *key;
	json_t *v;
	json_object_foreach(merged, key, v)
	{
		if (strcmp(key, "created_at") && strcmp(key, "updated_at") && strcmp(key, "ids"))
			json_object_set(is, key, v);
	}
	json_t *ids = json_object_get(merged, "ids");
	if (ids)
		jp_copy_paths(is, merged,
			      (const char *const[]){"ids.dev_eui", "ids.join_eui", NULL});
	merge_times(is, merged);
	tts_devreg_strip(is, false);
	if (s->no_session)
		for (const char *const *p = tts_session_paths; *p; p++)
			jp_del(is, *p);
	/* The IS answers {} for version_ids and lora_alliance_profile_ids
	 * it does not have; TTS omits empty values everywhere else. */
	tts_prune_zero(is);
	*out = is;
	is = NULL;
	rc = 0;
done:
	tts_error_clear(&e);
	json_decref(part);
	json_decref(is);
	json_decref(merged);
	return rc;
}

/* ---- listing ------------------------------------------------------------ */

struct collect {
	struct source *s;
	const char *app;
	json_t *ids;
};

/* Each listed device: its id, and its IS record for its export. */
static int collect_id(void *ud, const json_t *d)
{
	struct collect *c = ud;
	const char *id = json_string_value(jp_get(d, "ids.device_id"));
	if (!id)
		return 0;
	json_array_append_new(c->ids, json_string(id));
	pthread_mutex_lock(&c->s->ahead_mu);
	ahead_put_locked(c->s, c->app, (json_t *)d);
	pthread_mutex_unlock(&c->s->ahead_mu);
	return 0;
}

/*
 * The list pages carry every IS field (the IS Get mask): the exports that
 * follow need no IS Get. All ids are collected before the first callback:
 * deleting devices while paging by page number would shift later pages and
 * skip devices. A server of another version that refuses mask paths gets
 * them dropped (said) and the listing starts over.
 */
static int tts_list(struct source *s, const char *app, src_device_cb cb, void *ud,
		    struct src_err *err)
{
	struct collect c = {s, app, json_array()};
	json_t *mask = mask_copy(s, TTS_IS);
	struct tts_error e = {0};
	int page = 0, rc = -1, r;
	for (int round = 0;; round++) {
		r = tts_devreg_list(&s->api, app, mask, s->page_size, collect_id, &c, &page, &e);
		if (r != TTS_LIST_FAILED || round == 2 || !narrow_mask(s, TTS_IS, mask, &e))
			break;
		json_array_clear(c.ids);
		tts_error_clear(&e);
	}
	if (r == TTS_LIST_FAILED) {
		snprintf(err->msg, sizeof err->msg,
			 "application \"%s\": listing devices on the Identity Server (page %d): %s",
			 app, page, e.message);
		err->not_found = tts_error_not_found(&e);
		goto done;
	}
	if (r < 0) {
		snprintf(err->msg, sizeof err->msg,
			 "application \"%s\": the Identity Server's device list (page %d) is not a "
			 "list",
			 app, page);
		goto done;
	}
	size_t i;
	json_t *id;
	json_array_foreach(c.ids, i, id)
	{
		if (cb(ud, json_string_value(id)) < 0) {
			snprintf(err->msg, sizeof err->msg, "stopped");
			goto done;
		}
	}
	rc = 0;
done:
	tts_error_clear(&e);
	json_decref(mask);
	json_decref(c.ids);
	return rc;
}

/* ---- retiring at the source --------------------------------------------- */

static bool tts_retires(const struct source *s)
{
	return !s->dry_run;
}

static int delete_everywhere(struct source *s, const char *app, const char *dev,
			     struct src_err *err)
{
	struct tts_error e = {0};
	char done[32];
	enum tts_comp at = TTS_IS;
	int rc = tts_devreg_delete(&s->api, app, dev, done, sizeof done, &at, &e);
	if (rc < 0)
		snprintf(err->msg, sizeof err->msg,
			 "device \"%s\": deleting from the %s: %s (already deleted from: %s; "
			 "its export is saved)",
			 dev, tts_comps[at].name, e.message, done[0] ? done : "none");
	else
		log_debug("device \"%s\": deleted from %s", dev, done);
	tts_error_clear(&e);
	return rc;
}

/* What upstream does when not deleting: the source NS stops scheduling
 * downlinks (and join-accepts), so it cannot disturb the device. */
static int disable_downlinks(struct source *s, const char *app, const char *dev,
			     const json_t *exported, struct src_err *err)
{
	struct tts_error e = {0};
	int rc = tts_devreg_set_downlinks(&s->api, app, dev, exported, false, &e);
	if (rc < 0)
		describe(err, dev, TTS_NS, &e, "disabling downlinks on the");
	tts_error_clear(&e);
	return rc;
}

static int hook_deleting(struct source *s, const char *app, const char *const *devs, size_t n)
{
	return s->hooks.deleting ? s->hooks.deleting(s->hooks.ud, app, devs, n) : 0;
}

static void hook_deleted(struct source *s, const char *app, const char *const *devs, size_t n)
{
	if (s->hooks.deleted)
		s->hooks.deleted(s->hooks.ud, app, devs, n);
}

/* One device, through the hooks: recorded as being deleted first. */
static int delete_recorded(struct source *s, const char *app, const char *dev, struct src_err *err)
{
	if (hook_deleting(s, app, &dev, 1) < 0) {
		snprintf(err->msg, sizeof err->msg,
			 "device \"%s\": not deleted: the record of its delete cannot be written "
			 "(its export is saved)",
			 dev);
		return -1;
	}
	if (delete_everywhere(s, app, dev, err) < 0)
		return -1;
	hook_deleted(s, app, &dev, 1);
	return 0;
}

/* Deletes list[0..n) on AS, NS, JS, then IS (each batch is atomic and skips
 * devices that are not there). If a batch call fails, the devices are
 * deleted one by one, so that the error names the device. ok[i] (when
 * given) tells which are gone everywhere; with record, the hooks see it.
 * Returns how many devices could not be deleted. */
static size_t delete_list_errs(struct source *s, const char *app, const char *const *list, size_t n,
			       bool record, bool *ok, struct src_err *errs);

static size_t delete_list(struct source *s, const char *app, const char *const *list, size_t n,
			  bool record, bool *ok)
{
	return delete_list_errs(s, app, list, n, record, ok, NULL);
}

/* errs (n of them, may be NULL): each failed device's message, instead of
 * logging it. */
static size_t delete_list_errs(struct source *s, const char *app, const char *const *list, size_t n,
			       bool record, bool *ok, struct src_err *errs)
{
	struct tts_error e = {0};
	size_t failed = 0;
	for (size_t i = 0; ok && i < n; i++)
		ok[i] = false;
	if (n && record && hook_deleting(s, app, list, n) < 0) {
		for (size_t i = 0; i < n; i++)
			log_error("device \"%s\": not deleted: the record of its delete cannot be "
				  "written (its export is saved)",
				  list[i]);
		return n;
	}
	bool all = n > 0;
	for (int k = 0; k < TTS_NCOMP && n; k++) {
		enum tts_comp c = tts_delete_order[k];
		if (tts_batch_delete(&s->api, c, app, list, n, &e) == 0)
			continue;
		all = false;
		log_debug("batch delete on the %s failed (%s): deleting one by one",
			  tts_comps[c].name, e.message);
		for (size_t i = 0; i < n; i++) {
			struct src_err se = {0};
			if (delete_everywhere(s, app, list[i], &se) < 0) {
				if (errs)
					errs[i] = se;
				else
					log_error("%s", se.msg);
				failed++;
				continue;
			}
			if (ok)
				ok[i] = true;
			if (record)
				hook_deleted(s, app, &list[i], 1);
		}
		break;
	}
	if (all) {
		for (size_t i = 0; ok && i < n; i++)
			ok[i] = true;
		if (record)
			hook_deleted(s, app, list, n);
	}
	if (n)
		log_debug("deleted %zu devices of application \"%s\" in a batch", n - failed, app);
	tts_error_clear(&e);
	return failed;
}

/* The pending batch may hold more than a batch: between the add that filled
 * it and this flush taking it, other workers may have added theirs. So it
 * goes out in chunks of at most batch_size (<= TTS_BATCH_MAX). */
static size_t flush_batch(struct source *s, const char *app, struct strlist *ids)
{
	const char *list[TTS_BATCH_MAX];
	size_t chunk = (size_t)s->batch_size, failed = 0;
	for (size_t at = 0; at < ids->n; at += chunk) {
		size_t n = ids->n - at < chunk ? ids->n - at : chunk;
		for (size_t i = 0; i < n; i++)
			list[i] = strlist_get(ids, at + i);
		failed += delete_list(s, app, list, n, true, NULL);
	}
	return failed;
}

/* Takes the pending batch out under the lock and deletes it outside. */
static void flush_pending(struct source *s)
{
	pthread_mutex_lock(&s->batch_mu);
	struct strlist ids = s->batch;
	char app[64];
	snprintf(app, sizeof app, "%s", s->batch_app);
	memset(&s->batch, 0, sizeof s->batch);
	pthread_mutex_unlock(&s->batch_mu);
	size_t failed = ids.n ? flush_batch(s, app, &ids) : 0;
	strlist_free(&ids);
	pthread_mutex_lock(&s->batch_mu);
	s->batch_failed += failed;
	pthread_mutex_unlock(&s->batch_mu);
}

/*
 * The journaled migration's deletes, batched: the journal holds each device
 * as retiring before this call and records it deleted after it returns, so
 * the call must not return before the device's delete is done. The first
 * device of a batch waits for others to join, up to jb_max, while they
 * keep coming (RETIRE_IDLE_MS apart, RETIRE_MAX_MS at most); then one batch
 * delete per component (AS, NS, JS, IS; all or nothing each; a failed batch
 * is done device by device, so each gets its own outcome) and every device
 * of the batch returns its own result. A kill in between leaves the devices
 * retiring in the journal: resume deletes them again (not there = deleted).
 */
#define RETIRE_IDLE_MS 500  /* no device joined for this long: delete */
#define RETIRE_MAX_MS  3000 /* the first device waits at most this long */

struct jbatch {
	char app[64];
	const char *devs[TTS_BATCH_MAX];
	struct src_err errs[TTS_BATCH_MAX];
	bool ok[TTS_BATCH_MAX];
	size_t n;
	int refs;
	bool closed, done;
	struct timespec last_join;
};

static struct timespec after_ms(struct timespec t, long ms)
{
	t.tv_nsec += (ms % 1000) * 1000000L;
	t.tv_sec += ms / 1000 + t.tv_nsec / 1000000000L;
	t.tv_nsec %= 1000000000L;
	return t;
}

static bool before(struct timespec a, struct timespec b)
{
	return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

static void jb_close_locked(struct source *s, struct jbatch *b)
{
	b->closed = true;
	if (s->jb_open == b)
		s->jb_open = NULL;
	pthread_cond_broadcast(&s->jb_cv);
}

static int retire_batched(struct source *s, const char *app, const char *dev, struct src_err *err)
{
	pthread_mutex_lock(&s->jb_mu);
	struct jbatch *b = s->jb_open;
	if (b && strcmp(b->app, app) != 0) {
		jb_close_locked(s, b); /* another application: its own batch */
		b = NULL;
	}
	bool leader = !b;
	if (leader) {
		b = calloc(1, sizeof *b);
		if (!b) {
			pthread_mutex_unlock(&s->jb_mu);
			return delete_everywhere(s, app, dev, err);
		}
		snprintf(b->app, sizeof b->app, "%s", app);
		s->jb_open = b;
	}
	size_t i = b->n++;
	b->devs[i] = dev;
	b->refs++;
	clock_gettime(CLOCK_REALTIME, &b->last_join);
	if (b->n >= s->jb_max)
		jb_close_locked(s, b);
	else if (!leader)
		pthread_cond_broadcast(&s->jb_cv); /* the leader's idle wait starts over */
	if (leader) {
		struct timespec cap = after_ms(b->last_join, RETIRE_MAX_MS);
		while (!b->closed && !g_interrupted) {
			struct timespec until = after_ms(b->last_join, RETIRE_IDLE_MS);
			if (before(cap, until))
				until = cap;
			if (pthread_cond_timedwait(&s->jb_cv, &s->jb_mu, &until) != 0) {
				struct timespec now;
				clock_gettime(CLOCK_REALTIME, &now);
				if (!before(now, cap) ||
				    !before(now, after_ms(b->last_join, RETIRE_IDLE_MS)))
					break;
			}
		}
		jb_close_locked(s, b);
		size_t n = b->n;
		pthread_mutex_unlock(&s->jb_mu);
		delete_list_errs(s, app, b->devs, n, false, b->ok, b->errs);
		if (n > 1)
			log_debug(
			    "application \"%s\": %zu devices deleted at the source in one batch",
			    app, n);
		pthread_mutex_lock(&s->jb_mu);
		b->done = true;
		pthread_cond_broadcast(&s->jb_cv);
	} else {
		while (!b->done)
			pthread_cond_wait(&s->jb_cv, &s->jb_mu);
	}
	int rc = b->ok[i] ? 0 : -1;
	if (rc < 0) {
		*err = b->errs[i];
		if (!err->msg[0])
			snprintf(err->msg, sizeof err->msg,
				 "device \"%s\": not deleted at the source", dev);
	}
	bool last = --b->refs == 0;
	pthread_mutex_unlock(&s->jb_mu);
	if (last)
		free(b);
	return rc;
}

static int tts_retire_device(struct source *s, const char *app, const char *dev,
			     const json_t *exported, struct src_err *err)
{
	if (s->dry_run)
		return 0;
	if (!app)
		app = s->app_id;
	if (!s->delete_device)
		return disable_downlinks(s, app, dev, exported, err);
	if (s->journaled)
		return s->jb_max > 1 ? retire_batched(s, app, dev, err)
				     : delete_everywhere(s, app, dev, err);
	if (s->batch_size <= 1)
		return delete_recorded(s, app, dev, err);
	/* Queued: deleted with the next full batch, or at finish(). */
	for (;;) {
		pthread_mutex_lock(&s->batch_mu);
		bool other_app = s->batch.n && strcmp(s->batch_app, app) != 0;
		if (!other_app) {
			snprintf(s->batch_app, sizeof s->batch_app, "%s", app);
			int rc = strlist_add(&s->batch, dev);
			bool full = s->batch.n >= (size_t)s->batch_size;
			pthread_mutex_unlock(&s->batch_mu);
			if (rc < 0)
				return delete_recorded(s, app, dev, err);
			if (full)
				flush_pending(s);
			return 0;
		}
		pthread_mutex_unlock(&s->batch_mu);
		flush_pending(s);
	}
}

/* ---- freezing (create-first migration) ---------------------------------- */

/* What a freeze changes on the source NS. Its absence ("unset") is a value
 * of its own: the NS then follows its defaults, which true would not. */
static const char *const freeze_paths[] = {"mac_settings.schedule_downlinks", NULL};

static int tts_freeze_read(struct source *s, const char *app, const char *dev, json_t **saved,
			   struct src_err *err)
{
	if (!app)
		app = s->app_id;
	json_t *got = NULL;
	struct tts_error e = {0};
	/* The whole NS record (its export mask holds mac_settings): the export
	 * after the freeze takes it instead of reading the NS again. */
	int rc = get_component(s, TTS_NS, app, dev, &got, &e);
	if (rc < 0) {
		describe(err, dev, TTS_NS, &e, "reading the downlink setting from the");
	} else if ((rc = check_answer(got, TTS_NS, app, dev, NULL, err)) < 0) {
		/* another device's setting would be put back on this one */
	} else {
		char key[160];
		ahead_key(key, sizeof key, app, dev);
		pthread_mutex_lock(&s->ahead_mu);
		json_object_set(s->ns_ahead, key, got);
		pthread_mutex_unlock(&s->ahead_mu);
		json_t *d = json_object(), *mask = json_array();
		jp_copy_paths(d, got, (const char *const[]){"ids", NULL});
		for (const char *const *p = freeze_paths; *p; p++) {
			json_array_append_new(mask, json_string(*p));
			json_t *v = jp_get(got, *p);
			if (json_is_boolean(v)) /* null or absent: unset */
				jp_set(d, *p, json_copy(v));
		}
		*saved = json_pack("{s:o,s:o,s:{s:{s:b}}}", "paths", mask, "device", d, "frozen",
				   "mac_settings", "schedule_downlinks", 0);
	}
	tts_error_clear(&e);
	json_decref(got);
	return rc;
}

/* A Set on the NS of saved's paths with the values of vals (a path vals
 * lacks is sent in the mask without a value: unset). */
static int set_freeze_paths(struct source *s, const char *app, const char *dev, const json_t *saved,
			    const json_t *vals, const char *doing, struct src_err *err)
{
	if (!app)
		app = s->app_id;
	json_t *paths = json_object_get(saved, "paths");
	struct tts_error e = {0};
	int rc = json_is_array(paths) && json_array_size(paths)
		     ? tts_devreg_set_paths(&s->api, TTS_NS, app, dev,
					    json_object_get(saved, "device"), vals, paths, &e)
		     : -1;
	if (rc < 0 && !json_is_array(paths))
		snprintf(err->msg, sizeof err->msg, "device \"%s\": %s: no saved setting", dev,
			 doing);
	else if (rc < 0)
		describe(err, dev, TTS_NS, &e, doing);
	tts_error_clear(&e);
	return rc;
}

static int tts_freeze(struct source *s, const char *app, const char *dev, const json_t *saved,
		      struct src_err *err)
{
	int rc = set_freeze_paths(s, app, dev, saved, json_object_get(saved, "frozen"),
				  "freezing (schedule_downlinks=false) on the", err);
	if (rc < 0) /* not frozen now: a later export reads the NS afresh */
		json_decref(held_take(s, s->ns_ahead, app ? app : s->app_id, dev));
	return rc;
}

static int tts_unfreeze(struct source *s, const char *app, const char *dev, const json_t *saved,
			struct src_err *err)
{
	return set_freeze_paths(s, app, dev, saved, json_object_get(saved, "device"),
				"unfreezing (putting schedule_downlinks back) on the", err);
}

static const char *tts_deployment(const struct source *s)
{
	return s->api.base[TTS_IS];
}

static size_t tts_finish(struct source *s)
{
	flush_pending(s);
	pthread_mutex_lock(&s->batch_mu);
	size_t failed = s->batch_failed;
	s->batch_failed = 0;
	pthread_mutex_unlock(&s->batch_mu);
	return failed;
}

static int tts_export_shim(struct source *s, const char *app, const char *dev, json_t **out,
			   struct src_err *err)
{
	return tts_export_device(s, app ? app : s->app_id, dev, out, err);
}

static bool tts_deletes(const struct source *s)
{
	return !s->dry_run && s->delete_device;
}

static void tts_set_retire_hooks(struct source *s, const struct retire_hooks *h)
{
	s->hooks = h ? *h : (struct retire_hooks){0};
}

/* Is the device the IS holds under this id still the one exported? A 404
 * (already deleted there, the last step) is fine: the rest is idempotent. */
static bool still_ours(struct source *s, const char *app, const char *dev, const json_t *exported)
{
	static const char *const euis[] = {"ids.dev_eui", "ids.join_eui", NULL};
	json_t *got = NULL;
	struct tts_error e = {0};
	struct src_err err = {0};
	bool ours = false;
	int found = tts_devreg_find(&s->api, TTS_IS, app, dev, euis, &got, &e);
	if (found <= 0) {
		ours = found == 0;
		if (!ours)
			describe(&err, dev, TTS_IS, &e,
				 "completing an earlier delete: reading from the");
	} else if (check_answer(got, TTS_IS, app, dev, NULL, &err) == 0) {
		/* The export's EUIs against the IS's (its ids may carry a
		 * --dev-id-prefix: the EUIs are what identify the device). */
		ours = true;
		for (int k = 0; euis[k]; k++) {
			const char *a = json_string_value(jp_get(exported, euis[k]));
			const char *b = json_string_value(jp_get(got, euis[k]));
			if ((a && *a) != (b && *b) || (a && *a && strcasecmp(a, b) != 0))
				ours = false;
		}
		if (!ours)
			snprintf(
			    err.msg, sizeof err.msg,
			    "device \"%s\": the Identity Server now holds another device under "
			    "this id (other EUIs than the exported one); the earlier delete is not "
			    "completed",
			    dev);
	}
	if (!ours)
		log_error("%s", err.msg);
	tts_error_clear(&e);
	json_decref(got);
	return ours;
}

static void tts_complete_deletes(struct source *s, const char *app, const char *const *devs,
				 const json_t *const *exported, size_t n, bool *ok)
{
	for (size_t at = 0; at < n; at += TTS_BATCH_MAX) {
		const char *list[TTS_BATCH_MAX];
		size_t idx[TTS_BATCH_MAX], m = 0;
		bool done[TTS_BATCH_MAX];
		for (size_t i = at; i < n && i < at + TTS_BATCH_MAX; i++) {
			ok[i] = false;
			if (still_ours(s, app, devs[i], exported[i])) {
				idx[m] = i;
				list[m++] = devs[i];
			}
		}
		delete_list(s, app, list, m, false, done);
		for (size_t j = 0; j < m; j++)
			ok[idx[j]] = done[j];
	}
}

static void tts_set_retire_delete(struct source *s, bool delete_device)
{
	s->delete_device = delete_device;
	/* The journal records each device's retirement: each call returns only
	 * once its device is deleted (retire_batched). */
	s->journaled = true;
}

extern const struct src_gateway_ops tts_gateway_ops; /* tts_gateways.c */

const struct source_ops tts_source = {
    .name = "tts",
    .description = "Export devices from The Things Stack (Sandbox, Cloud, Enterprise)",
    .options = tts_options,
    .open = tts_open,
    .list_devices = tts_list,
    .export_device = tts_export_shim,
    .announce = tts_announce,
    .retires = tts_retires,
    .retire_device = tts_retire_device,
    .set_retire_delete = tts_set_retire_delete,
    .deletes = tts_deletes,
    .set_retire_hooks = tts_set_retire_hooks,
    .complete_deletes = tts_complete_deletes,
    .finish = tts_finish,
    .freeze_read = tts_freeze_read,
    .freeze = tts_freeze,
    .unfreeze = tts_unfreeze,
    .deployment = tts_deployment,
    .writer_open = tts_writer_open,
    .put_back = tts_put_back,
    .writer_close = tts_writer_close,
    .identity = tts_identity,
    .close = tts_close,
    .gateways = &tts_gateway_ops,
};
