#include "net/tts_registry.h"

#include <stdio.h>
#include <string.h>

#include "core/jsonpath.h"
#include "core/strbuf.h"
#include "net/http.h"
#include "net/tts_schema.h"
#include "ui/log.h"

/* ---- devices ------------------------------------------------------------ */

int tts_devreg_find(struct tts_api *api, enum tts_comp c, const char *app, const char *dev,
		    const char *const *paths, json_t **out, struct tts_error *e)
{
	json_t *mask = json_array();
	for (const char *const *p = paths; *p; p++)
		json_array_append_new(mask, json_string(*p));
	*out = NULL;
	int rc = tts_get_device(api, c, app, dev, mask, out, e);
	json_decref(mask);
	if (rc == 0)
		return 1;
	return tts_error_not_found(e) ? 0 : -1;
}

/* {"ids": {"device_id", "application_ids": {"application_id"}}}, with the
 * EUIs of ids_of when it has them. */
static json_t *ids_body(const char *app, const char *dev, const json_t *ids_of)
{
	json_t *body = json_pack("{s:{s:s,s:{s:s}}}", "ids", "device_id", dev, "application_ids",
				 "application_id", app);
	if (ids_of)
		jp_copy_paths(body, ids_of,
			      (const char *const[]){"ids.dev_eui", "ids.join_eui", NULL});
	return body;
}

int tts_devreg_set_paths(struct tts_api *api, enum tts_comp c, const char *app, const char *dev,
			 const json_t *ids_of, const json_t *vals, const json_t *paths,
			 struct tts_error *e)
{
	json_t *body = ids_body(app, dev, ids_of);
	size_t i;
	json_t *p;
	json_array_foreach(paths, i, p)
	{
		json_t *v = jp_get(vals, json_string_value(p));
		if (v && !json_is_null(v))
			jp_set(body, json_string_value(p), json_copy(v));
	}
	int rc = tts_set_device(api, c, app, dev, body, paths, NULL, e);
	json_decref(body);
	return rc;
}

int tts_devreg_set_downlinks(struct tts_api *api, const char *app, const char *dev,
			     const json_t *ids_of, bool on, struct tts_error *e)
{
	json_t *vals = json_pack("{s:{s:b}}", "mac_settings", "schedule_downlinks", on);
	json_t *paths = json_pack("[s]", "mac_settings.schedule_downlinks");
	int rc = tts_devreg_set_paths(api, TTS_NS, app, dev, ids_of, vals, paths, e);
	json_decref(paths);
	json_decref(vals);
	return rc;
}

int tts_devreg_delete(struct tts_api *api, const char *app, const char *dev, char *done,
		      size_t donelen, enum tts_comp *at, struct tts_error *e)
{
	done[0] = '\0';
	for (int k = 0; k < TTS_NCOMP; k++) {
		enum tts_comp c = tts_delete_order[k];
		if (tts_delete_device(api, c, app, dev, e) == 0 || tts_error_not_found(e)) {
			struct strbuf d = STRBUF_INIT;
			strbuf_addf(&d, "%s%s%s", done, *done ? ", " : "", tts_comps[c].abbr);
			str_copy_cut(done, donelen, d.buf);
			strbuf_release(&d);
			continue;
		}
		if (at)
			*at = c;
		return -1;
	}
	return 0;
}

/* Deleting devices while paging by page number would shift later pages and
 * skip devices: callers collect what fn sees before acting on it. */
int tts_devreg_list(struct tts_api *api, const char *app, const json_t *mask, int page_size,
		    tts_devreg_fn fn, void *ud, int *page, struct tts_error *e)
{
	for (int pg = 1;; pg++) {
		json_t *res = NULL;
		long long total = -1;
		*page = pg;
		if (tts_list_devices(api, app, mask, page_size, pg, &res, &total, e) < 0)
			return TTS_LIST_FAILED;
		json_t *devs = json_object_get(res, "end_devices");
		if (devs && !json_is_array(devs)) {
			/* {} is an empty page; anything else is not a device list. */
			json_decref(res);
			return TTS_LIST_MALFORMED;
		}
		size_t n = json_array_size(devs), i;
		json_t *d;
		json_array_foreach(devs, i, d)
		{
			if (fn(ud, d) < 0) {
				json_decref(res);
				return TTS_LIST_STOPPED;
			}
		}
		json_decref(res);
		log_debug("application \"%s\": page %d: %zu devices (total %lld)", app, pg, n,
			  total);
		if (n == 0 || (total >= 0 && (long long)pg * page_size >= total) ||
		    (total < 0 && n < (size_t)page_size))
			return 0;
	}
}

json_t *tts_devreg_body(const json_t *dev, const char *const *owned, json_t **paths, char *err,
			size_t errlen)
{
	json_t *leaves = json_array(), *body = json_object();
	*paths = json_array();
	tts_value_paths(dev, NULL, leaves);
	size_t i;
	json_t *p;
	json_array_foreach(leaves, i, p)
	{
		const char *path = json_string_value(p);
		if (jp_covers("ids", path) || !jp_list_covers(owned, path))
			continue;
		struct strbuf mask = STRBUF_INIT;
		tts_mask_path_add(&mask, path);
		json_t *mp = json_string(mask.buf);
		strbuf_release(&mask);
		if (!mp) {
			str_printf_cut(err, errlen, "%s: not a valid field mask path", path);
			json_decref(leaves);
			json_decref(body);
			json_decref(*paths);
			*paths = NULL;
			return NULL;
		}
		jp_set(body, path, json_deep_copy(jp_get(dev, path)));
		json_array_append_new(*paths, mp);
	}
	json_decref(leaves);
	json_t *ids = json_deep_copy(json_object_get(dev, "ids"));
	json_object_del(ids, "dev_addr");
	json_object_set_new(body, "ids", ids);
	return body;
}

void tts_devreg_strip(json_t *dev, bool times)
{
	static const char *const time_paths[] = {"created_at", "updated_at", NULL};
	for (const char *const *p = tts_export_strip_paths; *p; p++)
		jp_del(dev, *p);
	for (const char *const *p = time_paths; times && *p; p++)
		jp_del(dev, *p);
}

/* ---- the Network Server's own routes ------------------------------------ */

int tts_ns_get(struct tts_api *api, const char *route, json_t **out, struct tts_error *e)
{
	struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "%s/ns/%s", api->base[TTS_NS], route);
	struct http_response r;
	*out = NULL;
	int sent = http_request(api->http, "GET", url.buf, NULL, &r);
	strbuf_release(&url);
	if (sent < 0)
		snprintf(e->message, sizeof e->message, "%s", r.transport_error);
	else if (r.status < 200 || r.status > 299)
		tts_decode_error(r.body, r.len, r.status, e);
	else
		tts_decode_body(r.body, r.len, r.status, out, e);
	http_response_free(&r);
	return *out ? 0 : -1;
}
