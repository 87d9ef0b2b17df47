#include "net/tts_gateways.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "io/jsondump.h"

const char *const tgw_registry_paths[] = {
    "name",
    "description",
    "attributes",
    "contact_info",
    "administrative_contact",
    "technical_contact",
    "version_ids",
    "gateway_server_address",
    "auto_update",
    "update_channel",
    "frequency_plan_ids",
    "antennas",
    "status_public",
    "location_public",
    "schedule_downlink_late",
    "enforce_duty_cycle",
    "downlink_path_constraint",
    "schedule_anytime_delay",
    "update_location_from_status",
    "require_authenticated_connection",
    "lrfhss",
    "disable_packet_broker_forwarding",
    "target_cups_uri",
    NULL,
};

const char *const tgw_secret_paths[] = {"lbs_lns_secret", "target_cups_key",
					"claim_authentication_code", NULL};

void tgw_error_clear(struct tgw_error *err)
{
	tts_error_clear(&err->e);
	json_decref(err->attrs);
	err->attrs = NULL;
}

bool tgw_valid_id(const char *s)
{
	/* ^[a-z0-9](?:[-]?[a-z0-9]){2,}$, at most 36 */
	size_t n = s ? strlen(s) : 0;
	if (n < 3 || n > 36 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && !(c == '-' && s[i + 1] != '-'))
			return false;
	}
	return true;
}

/* One request to path (under the IS base); 2xx with a JSON object → 0 and
 * *out; otherwise -1 with err (and the error's attributes). */
static int call(struct tts_api *api, const char *method, const char *path, const json_t *body,
		json_t **out, long long *total, struct tgw_error *err)
{
	tgw_error_clear(err);
	if (out)
		*out = NULL;
	struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "%s%s", api->base[TTS_IS], path);
	char *payload = body ? jd_dumps(body) : NULL;
	struct http_response r;
	int rc = http_request(api->http, method, url.buf, payload, &r);
	strbuf_release(&url);
	if (payload) {
		memset(payload, 0, strlen(payload)); /* it may hold a key */
		free(payload);
	}
	err->e.maybe_applied = r.maybe_applied;
	err->e.attempts = r.attempts;
	if (rc < 0) {
		snprintf(err->e.message, sizeof err->e.message, "%s", r.transport_error);
		http_response_free(&r);
		return -1;
	}
	if (r.status < 200 || r.status > 299) {
		tts_decode_error(r.body, r.len, r.status, &err->e);
		json_t *b = r.body ? json_loadb(r.body, strnlen(r.body, r.len), 0, NULL) : NULL;
		json_t *a =
		    json_object_get(json_array_get(json_object_get(b, "details"), 0), "attributes");
		if (json_is_object(a))
			err->attrs = json_incref(a);
		json_decref(b);
		if (r.body)
			memset(r.body, 0, r.len);
		http_response_free(&r);
		return -1;
	}
	if (total)
		*total = r.total_count;
	json_t *j = NULL;
	int drc = tts_decode_body(r.body, r.len, r.status, &j, &err->e);
	if (r.body)
		memset(r.body, 0, r.len); /* a created key, secrets */
	http_response_free(&r);
	if (drc < 0)
		return -1;
	if (out)
		*out = j;
	else
		json_decref(j);
	return 0;
}

static void account_path(struct strbuf *sb, const struct tgw_account *a)
{
	if (a && a->user)
		strbuf_addf(sb, "/users/%s/gateways", a->user);
	else if (a && a->organization)
		strbuf_addf(sb, "/organizations/%s/gateways", a->organization);
	else
		strbuf_addstr(sb, "/gateways");
}

int tgw_list(struct tts_api *api, const struct tgw_account *acct, const char *mask, int limit,
	     int page, json_t **out, long long *total, struct tgw_error *err)
{
	struct strbuf p = STRBUF_INIT;
	account_path(&p, acct);
	strbuf_addf(&p, "?order=gateway_id&limit=%d&page=%d", limit, page);
	if (mask && *mask)
		strbuf_addf(&p, "&field_mask=%s", mask);
	int rc = call(api, "GET", p.buf, NULL, out, total, err);
	strbuf_release(&p);
	return rc;
}

int tgw_get(struct tts_api *api, const char *id, const char *mask, json_t **out,
	    struct tgw_error *err)
{
	struct strbuf p = STRBUF_INIT;
	strbuf_addf(&p, "/gateways/%s?field_mask=%s", id, mask ? mask : "");
	int rc = call(api, "GET", p.buf, NULL, out, NULL, err);
	strbuf_release(&p);
	return rc;
}

int tgw_create(struct tts_api *api, const struct tgw_account *acct, const json_t *gw, json_t **out,
	       struct tgw_error *err)
{
	struct strbuf p = STRBUF_INIT;
	account_path(&p, acct);
	json_t *body = json_pack("{s:O}", "gateway", gw);
	int rc = call(api, "POST", p.buf, body, out, NULL, err);
	json_decref(body);
	strbuf_release(&p);
	return rc;
}

int tgw_update(struct tts_api *api, const char *id, const json_t *gw, const json_t *paths,
	       struct tgw_error *err)
{
	struct strbuf p = STRBUF_INIT;
	strbuf_addf(&p, "/gateways/%s", id);
	json_t *body = json_pack("{s:O,s:{s:O}}", "gateway", gw, "field_mask", "paths", paths);
	int rc = call(api, "PUT", p.buf, body, NULL, NULL, err);
	json_decref(body);
	strbuf_release(&p);
	return rc;
}

json_t *tgw_rights_without_link(const json_t *rights)
{
	json_t *want = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(rights, i, v)
	{
		const char *r = json_string_value(v);
		if (r && strcmp(r, "RIGHT_GATEWAY_LINK") != 0)
			json_array_append(want, v);
	}
	if (!json_array_size(want))
		json_array_append_new(want, json_string("RIGHT_GATEWAY_INFO"));
	return want;
}

int tgw_delete(struct tts_api *api, const char *id, struct tgw_error *err)
{
	struct strbuf p = STRBUF_INIT;
	strbuf_addf(&p, "/gateways/%s", id);
	int rc = call(api, "DELETE", p.buf, NULL, NULL, NULL, err);
	strbuf_release(&p);
	if (rc < 0 && err->e.status == 404) {
		tgw_error_clear(err);
		return 0;
	}
	return rc < 0 ? -1 : 0;
}

int tgw_key_create(struct tts_api *api, const char *id, const char *name, const char *const *rights,
		   json_t **out, struct tgw_error *err)
{
	struct strbuf p = STRBUF_INIT;
	strbuf_addf(&p, "/gateways/%s/api-keys", id);
	json_t *r = json_array();
	for (const char *const *x = rights; *x; x++)
		json_array_append_new(r, json_string(*x));
	json_t *body = json_pack("{s:s,s:o}", "name", name, "rights", r);
	int rc = call(api, "POST", p.buf, body, out, NULL, err);
	json_decref(body);
	strbuf_release(&p);
	return rc;
}

int tgw_key_list(struct tts_api *api, const char *id, json_t **out, struct tgw_error *err)
{
	*out = json_array();
	for (int page = 1;; page++) {
		struct strbuf p = STRBUF_INIT;
		strbuf_addf(&p, "/gateways/%s/api-keys?limit=100&page=%d", id, page);
		json_t *j = NULL;
		long long total = -1;
		int rc = call(api, "GET", p.buf, NULL, &j, &total, err);
		strbuf_release(&p);
		if (rc < 0) {
			json_decref(*out);
			*out = NULL;
			return -1;
		}
		json_t *keys = json_object_get(j, "api_keys");
		size_t n = json_array_size(keys);
		json_array_extend(*out, keys);
		json_decref(j);
		if (n < 100 || (total >= 0 && (long long)json_array_size(*out) >= total))
			return 0;
	}
}

int tgw_key_set_rights(struct tts_api *api, const char *id, const char *key_id,
		       const json_t *rights, struct tgw_error *err)
{
	struct strbuf p = STRBUF_INIT;
	strbuf_addf(&p, "/gateways/%s/api-keys/%s", id, key_id);
	json_t *body = json_pack("{s:{s:O},s:{s:[s]}}", "api_key", "rights", rights, "field_mask",
				 "paths", "rights");
	int rc = call(api, "PUT", p.buf, body, NULL, NULL, err);
	json_decref(body);
	strbuf_release(&p);
	return rc;
}

int tgw_rights(struct tts_api *api, const char *id, json_t **out, struct tgw_error *err)
{
	struct strbuf p = STRBUF_INIT;
	strbuf_addf(&p, "/gateways/%s/rights", id);
	json_t *j = NULL;
	int rc = call(api, "GET", p.buf, NULL, &j, NULL, err);
	strbuf_release(&p);
	*out = NULL;
	if (rc < 0)
		return -1;
	json_t *r = json_object_get(j, "rights");
	*out = json_is_array(r) ? json_incref(r) : json_array();
	json_decref(j);
	return 0;
}

int tgw_conn_stats(struct tts_api *api, const char *id, json_t **out, struct tgw_error *err)
{
	struct strbuf p = STRBUF_INIT;
	strbuf_addf(&p, "/gs/gateways/%s/connection/stats", id);
	int rc = call(api, "GET", p.buf, NULL, out, NULL, err);
	strbuf_release(&p);
	if (rc < 0 && err->e.status == 404 && tts_error_is(&err->e, "not_connected"))
		return 0;
	return rc < 0 ? -1 : 1;
}
