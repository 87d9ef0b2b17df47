/*
 * The Identity Server's gateway registry and gateway API keys, and the
 * Gateway Server's connection stats (README "Gateways"). The order of checks
 * is the device routes' one: route → decode → field mask paths → message
 * validation → rate limit → authentication and rights → the registry.
 * Rules: shared/spec/gateways.md §1, §4; TTS v3.32.1
 * pkg/identityserver/gateway_registry.go (createGateway, getGateway,
 * listGateways, updateGateway, deleteGateway, restoreGateway),
 * gateway_access.go (listGatewayRights, *GatewayAPIKey), pkg/ttnpb/public.go
 * (PublicGatewayFields, PublicSafe), pkg/gatewayserver/grpc.go.
 */
#include "gw.h"

#include "core/jsonpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* GatewayFieldPathsNested (gateways.md §1.3): what Get, List and Update accept. */
static const char *const gw_paths[] = {
    "administrative_contact",
    "antennas",
    "attributes",
    "auto_update",
    "claim_authentication_code",
    "claim_authentication_code.secret",
    "claim_authentication_code.secret.key_id",
    "claim_authentication_code.secret.value",
    "claim_authentication_code.valid_from",
    "claim_authentication_code.valid_to",
    "contact_info",
    "created_at",
    "deleted_at",
    "description",
    "disable_packet_broker_forwarding",
    "downlink_path_constraint",
    "enforce_duty_cycle",
    "frequency_plan_id",
    "frequency_plan_ids",
    "gateway_server_address",
    "ids",
    "ids.eui",
    "ids.gateway_id",
    "lbs_lns_secret",
    "lbs_lns_secret.key_id",
    "lbs_lns_secret.value",
    "location_public",
    "lrfhss",
    "lrfhss.supported",
    "name",
    "require_authenticated_connection",
    "schedule_anytime_delay",
    "schedule_downlink_late",
    "status_public",
    "target_cups_key",
    "target_cups_key.key_id",
    "target_cups_key.value",
    "target_cups_uri",
    "technical_contact",
    "update_channel",
    "update_location_from_status",
    "updated_at",
    "version_ids",
    "version_ids.brand_id",
    "version_ids.firmware_version",
    "version_ids.hardware_version",
    "version_ids.model_id",
    "version_ids.runtime_version",
    NULL,
};

/* Update cannot write these (ids.gateway_id is immutable, timestamps are the server's). */
static const char *const gw_not_writable[] = {"ids",	    "ids.gateway_id", "created_at",
					      "updated_at", "deleted_at",     NULL};

/* PublicGatewayFields (pkg/ttnpb/public.go) with PublicEntityFields. */
static const char *const gw_public[] = {"ids",
					"created_at",
					"updated_at",
					"deleted_at",
					"contact_info",
					"administrative_contact",
					"technical_contact",
					"name",
					"description",
					"frequency_plan_id",
					"frequency_plan_ids",
					"status_public",
					"gateway_server_address",
					"location_public",
					"antennas",
					"lrfhss.supported",
					NULL};

static const char *const gw_secrets[] = {"lbs_lns_secret", "claim_authentication_code",
					 "target_cups_key", NULL};

/* GatewayConnectionStats (gateway.proto), top level. */
static const char *const stats_paths[] = {"connected_at",
					  "disconnected_at",
					  "protocol",
					  "last_status_received_at",
					  "last_status",
					  "last_uplink_received_at",
					  "uplink_count",
					  "last_downlink_received_at",
					  "downlink_count",
					  "last_tx_acknowledgment_received_at",
					  "tx_acknowledgment_count",
					  "round_trip_times",
					  "sub_bands",
					  "gateway_remote_address",
					  NULL};

static const char *const orders[] = {"gateway_id",   "-gateway_id", "gateway_eui",
				     "-gateway_eui", "name",	    "-name",
				     "created_at",   "-created_at", NULL};

struct gcall {
	struct emu *e;
	const struct emu_req *rq;
	struct emu_resp *rs;
	struct emu_caller who;
	json_t *body;
	json_t *mask;
};

static bool is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static bool listed(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (is(*l, s))
			return true;
	return false;
}

/* The mask names one of these fields or a path below one. */
static bool mask_touches(const json_t *mask, const char *const *fields)
{
	size_t i;
	json_t *p;
	json_array_foreach(mask, i, p)
	{
		for (const char *const *f = fields; *f; f++)
			if (jp_covers(*f, json_string_value(p)))
				return true;
	}
	return false;
}

/* ---- errors ----------------------------------------------------------------------- */

/* pkg/auth/rights/require.go: no rights at all, or the missing ones. */
static void rights_error(struct emu_resp *rs, const char *kind, const char *uid, const json_t *have,
			 json_t *missing)
{
	char name[64], fmt[96];
	if (json_array_size(have) == 0) {
		snprintf(name, sizeof name, "no_%s_rights", kind);
		snprintf(fmt, sizeof fmt, "no rights for %s `{uid}`", kind);
		emu_resp_err(rs, 7, "pkg/auth/rights", name, fmt, json_pack("{s:s}", "uid", uid));
		json_decref(missing);
		return;
	}
	snprintf(name, sizeof name, "insufficient_%s_rights", kind);
	snprintf(fmt, sizeof fmt, "insufficient rights for %s `{uid}`", kind);
	emu_resp_err(rs, 7, "pkg/auth/rights", name, fmt,
		     json_pack("{s:s, s:o}", "uid", uid, "missing", missing));
}

/* Every right in need must be in have; else the rights error (false). */
static bool require(struct emu_resp *rs, const char *uid, const json_t *have,
		    const char *const *need)
{
	json_t *missing = json_array();
	for (; *need; need++)
		if (!emu_rights_have(have, *need))
			json_array_append_new(missing, json_string(*need));
	if (json_array_size(missing) == 0 && json_array_size(have) > 0) {
		json_decref(missing);
		return true;
	}
	rights_error(rs, "gateway", uid, have, missing);
	return false;
}

static bool require_one(struct emu_resp *rs, const char *uid, const json_t *have, const char *right)
{
	const char *need[] = {right, NULL};
	return require(rs, uid, have, need);
}

static void not_found(struct emu_resp *rs, const char *id)
{
	emu_resp_err(rs, 5, "pkg/identityserver/store", "gateway_not_found",
		     "gateway `{gateway_id}` not found", json_pack("{s:s}", "gateway_id", id));
}

static void unauthenticated(struct emu_resp *rs)
{
	emu_resp_err(rs, 16, "pkg/identityserver", "unauthenticated", "unauthenticated", NULL);
}

static bool check_id(struct emu_resp *rs, const char *id, const char *field, const char *type)
{
	const char *reason = NULL;
	if (id && emu_id_ok(id, &reason))
		return true;
	emu_resp_validation(rs, field, reason ? reason : "value is required", type);
	return false;
}

/* Rate limit, then the caller (false: rs filled). */
static bool authenticate(struct gcall *c)
{
	char key_id[128];
	emu_auth_key_id(c->rq->authorization, key_id, sizeof key_id);
	if (!emu_ratelimit(c->e, key_id, c->rs))
		return false;
	return emu_caller_resolve(c->e, c->rq->authorization, &c->who, c->rs);
}

/* RequireUser / RequireOrganization on the account of a list or a create. */
static bool require_account(struct gcall *c, int kind, const char *acct, const char *right)
{
	const char *k = kind == EMU_OWNER_USER ? "user" : "organization";
	bool mine = c->who.kind == kind && is(c->who.owner, acct);
	json_t *have = json_array();
	if (mine)
		json_array_append_new(have, json_string("RIGHT_SELF")); /* some right */
	if (mine && emu_caller_has(&c->who, right)) {
		json_decref(have);
		return true;
	}
	rights_error(c->rs, k, acct, have, json_pack("[s]", right));
	json_decref(have);
	return false;
}

/* ---- decoding ------------------------------------------------------------------------ */

static void push_csv(json_t *mask, const char *csv)
{
	while (csv && *csv) {
		size_t len = strcspn(csv, ",");
		if (len) {
			char *s = strndup(csv, len);
			char *p = s ? emu_snake_path(s) : NULL;
			if (p && *p)
				json_array_append_new(mask, json_string(p));
			free(p);
			free(s);
		}
		csv += len;
		if (*csv)
			csv++;
	}
}

static const char *query1(const struct gcall *c, const char *name)
{
	return json_string_value(json_array_get(json_object_get(c->rq->query, name), 0));
}

static bool query_mask(struct gcall *c)
{
	json_t *fm = json_object_get(c->rq->query, "field_mask");
	if (json_array_size(fm) > 1) {
		emu_resp_gw(c->rs, 400, 3, "too many values for field \"field_mask\"");
		return false;
	}
	push_csv(c->mask, query1(c, "field_mask"));
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(c->rq->query, "field_mask.paths"), i, v)
	{
		push_csv(c->mask, json_string_value(v));
	}
	return true;
}

static bool decode_body(struct gcall *c)
{
	json_error_t je;
	char msg[600];
	c->body =
	    c->rq->body_len ? json_loadb(c->rq->body, c->rq->body_len, 0, &je) : json_object();
	if (!json_is_object(c->body)) {
		snprintf(msg, sizeof msg, "invalid JSON body: %s",
			 c->body ? "not an object" : je.text);
		emu_resp_gw(c->rs, 400, 3, msg);
		return false;
	}
	json_t *fm = json_object_get(c->body, "field_mask");
	if (json_is_string(fm)) {
		push_csv(c->mask, json_string_value(fm));
	} else if (json_is_object(fm)) {
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(fm, "paths"), i, v)
		{
			if (!json_is_string(v)) {
				emu_resp_gw(c->rs, 400, 3,
					    "invalid field mask: paths must be strings");
				return false;
			}
			push_csv(c->mask, json_string_value(v));
		}
	} else if (fm && !json_is_null(fm)) {
		emu_resp_gw(c->rs, 400, 3,
			    "invalid field mask: want {\"paths\": [...]} or \"a,b\"");
		return false;
	}
	return true;
}

/* TTS's validator: every path exactly one of the RPC's; refused ones listed. */
static bool check_mask(struct gcall *c, const char *const *allowed, const char *const *refused)
{
	json_t *bad = json_array();
	size_t i;
	json_t *p;
	json_array_foreach(c->mask, i, p)
	{
		const char *s = json_string_value(p);
		if (!listed(allowed, s) || (refused && listed(refused, s)))
			json_array_append(bad, p);
	}
	if (json_array_size(bad) == 0) {
		json_decref(bad);
		return true;
	}
	emu_resp_err(c->rs, 3, "pkg/rpcmiddleware/validator", "field_mask_paths",
		     "forbidden path(s) in field mask", json_pack("{s:o}", "forbidden_paths", bad));
	return false;
}

/* frequency_plan_id is answered from frequency_plan_ids[0]. */
static void clean_mask(json_t *mask)
{
	bool id = false, ids = false;
	size_t i;
	json_t *p;
	json_array_foreach(mask, i, p)
	{
		id |= is(json_string_value(p), "frequency_plan_id");
		ids |= is(json_string_value(p), "frequency_plan_ids");
	}
	if (id && !ids)
		json_array_append_new(mask, json_string("frequency_plan_ids"));
}

static size_t runes(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static bool b64_ok(const char *s, size_t *decoded)
{
	size_t n = 0, pad = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '=') {
			pad++;
			continue;
		}
		if (pad || !(('A' <= *p && *p <= 'Z') || ('a' <= *p && *p <= 'z') ||
			     ('0' <= *p && *p <= '9') || strchr("+/-_", *p)))
			return false;
		n++;
	}
	if (pad > 2 || n % 4 == 1)
		return false;
	*decoded = n * 3 / 4;
	return true;
}

/* A Secret {"key_id","value":base64}: the server keeps its own key_id (none here). */
static bool secret_ok(json_t *sec, struct emu_resp *rs, const char *field)
{
	size_t len = 0;
	json_t *v = json_object_get(sec, "value");
	char msg[160];
	if (!json_is_object(sec) || (v && !json_is_string(v)) ||
	    (v && !b64_ok(json_string_value(v), &len))) {
		snprintf(msg, sizeof msg, "invalid %s: value must be base64 bytes", field);
		emu_resp_gw(rs, 400, 3, msg);
		return false;
	}
	if (len > 2048) {
		emu_resp_validation(rs, "value", "value length must be at most 2048 bytes",
				    "SecretValidationError");
		return false;
	}
	json_object_del(sec, "key_id");
	return true;
}

static bool length_ok(struct emu_resp *rs, const json_t *gw, const char *field, size_t max)
{
	json_t *v = json_object_get(gw, field);
	char why[80];
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v)) {
		snprintf(why, sizeof why, "invalid %s: want a string", field);
		emu_resp_gw(rs, 400, 3, why);
		return false;
	}
	if (runes(json_string_value(v)) <= max)
		return true;
	snprintf(why, sizeof why, "value length must be at most %zu runes", max);
	emu_resp_validation(rs, field, why, "GatewayValidationError");
	return false;
}

/* Validates and normalizes a Gateway from a request (only the fields present). */
static bool gw_input(json_t *gw, struct emu_resp *rs)
{
	char why[200];
	json_t *ids = json_object_get(gw, "ids"), *v;
	if (ids && !json_is_object(ids)) {
		emu_resp_gw(rs, 400, 3, "invalid ids: want an object");
		return false;
	}
	json_t *eui = json_object_get(ids, "eui");
	if (json_is_string(eui) && json_string_length(eui) == 0) {
		json_object_del(ids, "eui");
	} else if (eui) {
		const char *s = json_string_value(eui);
		char up[17];
		bool ok = s && strlen(s) == 16;
		for (size_t i = 0; ok && i < 16; i++) {
			ok = strchr("0123456789abcdefABCDEF", s[i]) != NULL;
			up[i] = (char)(s[i] >= 'a' ? s[i] - 32 : s[i]);
		}
		if (!ok) {
			emu_resp_gw(rs, 400, 3, "invalid ids.eui: want 8 bytes as hex");
			return false;
		}
		up[16] = '\0';
		json_object_set_new(ids, "eui", json_string(up));
	}
	if (!length_ok(rs, gw, "name", 50) || !length_ok(rs, gw, "description", 2000) ||
	    !length_ok(rs, gw, "update_channel", 128) ||
	    !length_ok(rs, gw, "gateway_server_address", 2048))
		return false;
	for (const char *const *b =
		 (const char *const[]){
		     "auto_update", "status_public", "location_public", "schedule_downlink_late",
		     "enforce_duty_cycle", "update_location_from_status",
		     "require_authenticated_connection", "disable_packet_broker_forwarding", NULL};
	     *b; b++)
		if ((v = json_object_get(gw, *b)) && !json_is_boolean(v) && !json_is_null(v)) {
			snprintf(why, sizeof why, "invalid %s: want a boolean", *b);
			emu_resp_gw(rs, 400, 3, why);
			return false;
		}
	json_t *fps = json_object_get(gw, "frequency_plan_ids");
	if (fps && !json_is_array(fps)) {
		emu_resp_gw(rs, 400, 3, "invalid frequency_plan_ids: want an array");
		return false;
	}
	if (json_array_size(fps) > 8) {
		emu_resp_validation(rs, "frequency_plan_ids",
				    "value must contain no more than 8 item(s)",
				    "GatewayValidationError");
		return false;
	}
	json_t *fp = json_object_get(gw, "frequency_plan_id");
	if (json_is_string(fp) && json_string_length(fp) && json_array_size(fps) == 0)
		json_object_set_new(gw, "frequency_plan_ids", json_pack("[O]", fp));
	json_t *attrs = json_object_get(gw, "attributes");
	if (attrs && json_object_size(attrs) > 10) {
		emu_resp_validation(rs, "attributes", "value must contain no more than 10 pair(s)",
				    "GatewayValidationError");
		return false;
	}
	json_t *ants = json_object_get(gw, "antennas");
	if (json_array_size(ants) > 8) {
		emu_resp_validation(rs, "antennas", "value must contain no more than 8 item(s)",
				    "GatewayValidationError");
		return false;
	}
	size_t i;
	json_array_foreach(ants, i, v)
	{
		json_t *loc = json_object_get(v, "location");
		double lat = json_number_value(json_object_get(loc, "latitude"));
		double lon = json_number_value(json_object_get(loc, "longitude"));
		if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
			emu_resp_validation(rs, lat < -90 || lat > 90 ? "latitude" : "longitude",
					    "value out of range", "LocationValidationError");
			return false;
		}
	}
	const char *dpc = json_string_value(json_object_get(gw, "downlink_path_constraint"));
	if (dpc && !listed((const char *const[]){"DOWNLINK_PATH_CONSTRAINT_NONE",
						 "DOWNLINK_PATH_CONSTRAINT_PREFER_OTHER",
						 "DOWNLINK_PATH_CONSTRAINT_NEVER", NULL},
			   dpc)) {
		snprintf(why, sizeof why, "invalid value for enum type: \"%s\"", dpc);
		emu_resp_gw(rs, 400, 3, why);
		return false;
	}
	for (const char *const *s = gw_secrets; *s; s++) {
		json_t *sec = json_object_get(gw, *s);
		if (!sec || json_is_null(sec))
			continue;
		if (is(*s, "claim_authentication_code")) {
			json_t *inner = json_object_get(sec, "secret");
			const char *from = json_string_value(json_object_get(sec, "valid_from"));
			const char *to = json_string_value(json_object_get(sec, "valid_to"));
			if (!json_is_object(sec) || !inner ||
			    (from && to && strcmp(to, from) < 0)) {
				emu_resp_err(rs, 3, "pkg/identityserver",
					     "claim_authentication_code",
					     "invalid claim authentication code", NULL);
				return false;
			}
			if (!secret_ok(inner, rs, *s))
				return false;
		} else if (!secret_ok(sec, rs, *s)) {
			return false;
		}
	}
	return true;
}

/* ---- views ----------------------------------------------------------------------------- */

/* What a Get with this mask returns: the paths plus ids and the timestamps. */
static json_t *gw_view(const json_t *gw, const json_t *mask)
{
	json_t *out = json_object();
	for (const char *const *a = (const char *const[]){"ids", "created_at", "updated_at", NULL};
	     *a; a++) {
		json_t *v = json_object_get(gw, *a);
		if (v)
			json_object_set_new(out, *a, json_deep_copy(v));
	}
	size_t i;
	json_t *p;
	json_array_foreach(mask, i, p)
	{
		const char *path = json_string_value(p);
		json_t *v = is(path, "frequency_plan_id") ? NULL : jp_get(gw, path);
		if (v)
			jp_set(out, path, json_deep_copy(v));
	}
	json_t *fps = json_object_get(out, "frequency_plan_ids");
	if (json_array_size(fps) > 0)
		json_object_set(out, "frequency_plan_id", json_array_get(fps, 0));
	return out;
}

/* Gateway.PublicSafe: public fields only; the server address only when status is
 * public, the antennas' locations only when the location is. */
static void public_safe(json_t *view)
{
	json_t *lrfhss = json_deep_copy(jp_get(view, "lrfhss.supported"));
	const char *k;
	void *tmp;
	json_t *v;
	json_object_foreach_safe(view, tmp, k, v)
	{
		if (!listed(gw_public, k))
			json_object_del(view, k);
	}
	if (lrfhss)
		json_object_set_new(view, "lrfhss", json_pack("{s:o}", "supported", lrfhss));
	if (!json_is_true(json_object_get(view, "status_public")))
		json_object_del(view, "gateway_server_address");
	if (!json_is_true(json_object_get(view, "location_public"))) {
		size_t i;
		json_array_foreach(json_object_get(view, "antennas"), i, v)
		{
			json_object_del(v, "location");
		}
	}
}

static bool only_public(const json_t *mask)
{
	size_t i;
	json_t *p;
	json_array_foreach(mask, i, p)
	{
		bool ok = false;
		for (const char *const *f = gw_public; *f && !ok; f++)
			ok = jp_covers(*f, json_string_value(p));
		if (!ok)
			return false;
	}
	return true;
}

static json_t *contact_of(int kind, const char *acct)
{
	return kind == EMU_OWNER_USER
		   ? json_pack("{s:{s:s}}", "user_ids", "user_id", acct)
		   : json_pack("{s:{s:s}}", "organization_ids", "organization_id", acct);
}

/* validateCollaboratorEqualsContact: a contact must be the collaborator. */
static bool contact_ok(struct emu_resp *rs, const json_t *contact, const char *owner)
{
	if (!contact || json_is_null(contact))
		return true;
	const char *u = json_string_value(jp_get(contact, "user_ids.user_id"));
	const char *o = json_string_value(jp_get(contact, "organization_ids.organization_id"));
	char want[2 * EMU_ID_MAX + 8];
	snprintf(want, sizeof want, "%s:%s", u ? "user" : "org", u ? u : o ? o : "");
	if (is(want, owner))
		return true;
	emu_resp_err(rs, 3, "pkg/identityserver", "contact_no_collaborator",
		     "contact `{contact}` is not a collaborator",
		     json_pack("{s:s}", "contact",
			       u   ? u
			       : o ? o
				   : ""));
	return false;
}

static void eui_taken(struct emu_resp *rs, const char *eui, const char *holder)
{
	emu_resp_err(rs, 6, "pkg/identityserver", "gateway_eui_taken",
		     "a gateway with EUI `{gateway_eui}` is already registered as `{gateway_id}`",
		     json_pack("{s:s, s:s}", "gateway_eui", eui, "gateway_id", holder));
}

/*
 * Stores a new gateway for an account (lock held): the contacts default to the
 * collaborator, booleans to false; tenant limit, ID (soft-deleted ones
 * included) and EUI (live gateways only) uniqueness. Takes a reference to gw.
 */
static bool gw_put(struct emu_gw *g, json_t *gw, int kind, const char *acct, unsigned limit,
		   struct emu_resp *rs)
{
	char owner[2 * EMU_ID_MAX + 8], now[32];
	const char *id = json_string_value(jp_get(gw, "ids.gateway_id"));
	const char *eui = json_string_value(jp_get(gw, "ids.eui"));
	snprintf(owner, sizeof owner, "%s:%s", kind == EMU_OWNER_USER ? "user" : "org", acct);
	bool ok = false;
	size_t live = 0;
	const char *k;
	json_t *v;
	json_object_foreach(g->gws, k, v)
	{
		live += !json_object_get(v, "deleted_at");
	}
	for (const char *const *c =
		 (const char *const[]){"administrative_contact", "technical_contact", NULL};
	     *c; c++) {
		json_t *ct = json_object_get(gw, *c);
		if (!ct || json_is_null(ct))
			json_object_set_new(gw, *c, contact_of(kind, acct));
		else if (!contact_ok(rs, ct, owner))
			goto out;
	}
	if (limit && live >= limit) {
		emu_resp_err(rs, 9, "pkg/identityserver", "tenant_entity_limit",
			     "limit for {entity_type} entities in tenant reached, upgrade at "
			     "{subscription_upgrade_url}",
			     json_pack("{s:s, s:I, s:s}", "entity_type", "gateway", "limit",
				       (json_int_t)limit, "subscription_upgrade_url", ""));
		goto out;
	}
	if (json_object_get(g->gws, id)) {
		emu_resp_err(rs, 6, "pkg/util/store", "id_taken",
			     "ID already taken, choose a different one and try again", NULL);
		goto out;
	}
	if (eui && json_object_get(g->euis, eui)) {
		eui_taken(rs, eui, json_string_value(json_object_get(g->euis, eui)));
		goto out;
	}
	json_object_del(gw, "frequency_plan_id");
	json_object_del(gw, "deleted_at");
	emu_gw_default_bools(gw);
	emu_now(now);
	if (!json_is_string(json_object_get(gw, "created_at")))
		json_object_set_new(gw, "created_at", json_string(now));
	if (!json_is_string(json_object_get(gw, "updated_at")))
		json_object_set_new(gw, "updated_at", json_string(now));
	json_object_set(g->gws, id, gw);
	json_object_set_new(g->owner, id, json_string(owner));
	if (eui)
		json_object_set_new(g->euis, eui, json_string(id));
	ok = true;
out:
	json_decref(gw);
	return ok;
}

int emu_gw_seed_one(struct emu_gw *g, json_t *line, char *err, size_t errcap)
{
	struct emu_resp rs = {0};
	json_t *gw = json_deep_copy(json_object_get(line, "gateway"));
	const char *u = json_string_value(jp_get(line, "owner.user_id"));
	const char *o = json_string_value(jp_get(line, "owner.organization_id"));
	const char *id = json_string_value(jp_get(gw, "ids.gateway_id"));
	const char *reason = "";
	int rc = -1;
	if (!json_is_object(gw) || (!u && !o)) {
		snprintf(err, errcap,
			 "want {\"gateway\":{…},\"owner\":{\"user_id\"|"
			 "\"organization_id\":…}}");
	} else if (!id || !emu_id_ok(id, &reason) || !emu_id_ok(u ? u : o, &reason)) {
		snprintf(err, errcap, "bad id: %s", reason);
	} else if (gw_input(gw, &rs) &&
		   gw_put(g, json_incref(gw), u ? EMU_OWNER_USER : EMU_OWNER_ORG, u ? u : o, 0,
			  &rs)) {
		json_t *conn = json_object_get(line, "connection");
		rc = conn ? emu_gw_conn_seed(g, id, conn, err, errcap) : 0;
		if (json_is_true(json_object_get(line, "deleted"))) {
			char now[32];
			emu_now(now);
			json_object_set_new(json_object_get(g->gws, id), "deleted_at",
					    json_string(now));
			const char *eui = json_string_value(jp_get(gw, "ids.eui"));
			if (eui)
				json_object_del(g->euis, eui);
		}
	}
	if (rc != 0 && rs.body)
		snprintf(err, errcap, "%s", json_string_value(json_object_get(rs.body, "message")));
	json_decref(rs.body);
	json_decref(gw);
	return rc;
}

/* ---- registry handlers ----------------------------------------------------------------- */

static void gw_create(struct gcall *c, int kind, const char *acct)
{
	json_t *gw = json_object_get(c->body, "gateway");
	if (!json_is_object(gw)) {
		emu_resp_validation(c->rs, "gateway", "value is required",
				    "CreateGatewayRequestValidationError");
		return;
	}
	if (!gw_input(gw, c->rs) ||
	    !check_id(c->rs, json_string_value(jp_get(gw, "ids.gateway_id")), "gateway_id",
		      "GatewayIdentifiersValidationError") ||
	    !check_id(c->rs, acct, kind == EMU_OWNER_USER ? "user_id" : "organization_id",
		      kind == EMU_OWNER_USER ? "UserIdentifiersValidationError"
					     : "OrganizationIdentifiersValidationError") ||
	    !authenticate(c))
		return;
	const char *id = json_string_value(jp_get(gw, "ids.gateway_id"));
	if (emu_id_blocked(id)) {
		emu_resp_err(c->rs, 3, "pkg/identityserver/blocklist", "forbidden_id",
			     "the ID `{id}` can not be registered", json_pack("{s:s}", "id", id));
		return;
	}
	if (!require_account(c, kind, acct,
			     kind == EMU_OWNER_USER ? "RIGHT_USER_GATEWAYS_CREATE"
						    : "RIGHT_ORGANIZATION_GATEWAYS_CREATE"))
		return;
	struct emu_gw *g = c->e->gw;
	pthread_rwlock_wrlock(&g->lock);
	if (gw_put(g, json_deep_copy(gw), kind, acct, c->e->cfg.gateway_limit, c->rs)) {
		const json_t *stored = json_object_get(g->gws, id);
		json_t *all = json_array();
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)stored, k, v)
		{
			json_array_append_new(all, json_string(k));
		}
		emu_resp_json(c->rs, 200, gw_view(stored, all));
		json_decref(all);
	}
	pthread_rwlock_unlock(&g->lock);
}

static void gw_get(struct gcall *c, const char *id)
{
	if (!query_mask(c) || !check_mask(c, gw_paths, NULL) ||
	    !check_id(c->rs, id, "gateway_id", "GatewayIdentifiersValidationError") ||
	    !authenticate(c))
		return;
	if (!c->who.authenticated) {
		unauthenticated(c->rs);
		return;
	}
	clean_mask(c->mask);
	struct emu_gw *g = c->e->gw;
	pthread_rwlock_rdlock(&g->lock);
	json_t *rights = emu_gw_rights(g, &c->who, id, false);
	bool pub = false;
	json_t *gw = json_object_get(g->gws, id);
	if (!emu_rights_have(rights, "RIGHT_GATEWAY_INFO")) {
		if (!only_public(c->mask)) {
			require_one(c->rs, id, rights, "RIGHT_GATEWAY_INFO");
			goto out;
		}
		pub = true;
	}
	if (mask_touches(c->mask, gw_secrets) &&
	    !require_one(c->rs, id, rights, "RIGHT_GATEWAY_READ_SECRETS"))
		goto out;
	if (!gw || json_object_get(gw, "deleted_at")) {
		not_found(c->rs, id);
		goto out;
	}
	json_t *view = gw_view(gw, c->mask);
	if (pub)
		public_safe(view);
	emu_resp_json(c->rs, 200, view);
out:
	pthread_rwlock_unlock(&g->lock);
	json_decref(rights);
}

struct row {
	const char *key;
	const char *id;
	const json_t *gw;
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int d = strcmp(x->key ? x->key : "", y->key ? y->key : "");
	return d ? d : strcmp(x->id, y->id);
}

static bool parse_count(struct gcall *c, const char *name, unsigned long *out)
{
	const char *s = query1(c, name);
	char *end;
	*out = 0;
	if (!s || !*s)
		return true;
	*out = strtoul(s, &end, 10);
	if (*end || *s == '-') {
		char msg[128];
		snprintf(msg, sizeof msg, "invalid value for field \"%s\": %s", name, s);
		emu_resp_gw(c->rs, 400, 3, msg);
		return false;
	}
	return true;
}

static void total_header(struct emu_resp *rs, size_t total)
{
	char buf[24];
	snprintf(buf, sizeof buf, "%zu", total);
	emu_resp_header(rs, "X-Total-Count", buf);
}

/* kind/acct: the collaborator of the route, or EMU_OWNER_NONE for the caller's own. */
static void gw_list(struct gcall *c, int kind, const char *acct)
{
	unsigned long limit, page;
	const char *order = query1(c, "order");
	bool deleted = is(query1(c, "deleted"), "true");
	if (!query_mask(c) || !check_mask(c, gw_paths, NULL) || !parse_count(c, "limit", &limit) ||
	    !parse_count(c, "page", &page))
		return;
	if (limit > 1000) {
		emu_resp_validation(c->rs, "limit", "value must be less than or equal to 1000",
				    "ListGatewaysRequestValidationError");
		return;
	}
	if (order && *order && !listed(orders, order)) {
		emu_resp_validation(c->rs, "order",
				    "value must be in list [ gateway_id -gateway_id gateway_eui "
				    "-gateway_eui name -name created_at -created_at]",
				    "ListGatewaysRequestValidationError");
		return;
	}
	if (kind != EMU_OWNER_NONE &&
	    !check_id(c->rs, acct, kind == EMU_OWNER_USER ? "user_id" : "organization_id",
		      kind == EMU_OWNER_USER ? "UserIdentifiersValidationError"
					     : "OrganizationIdentifiersValidationError"))
		return;
	if (!authenticate(c))
		return;
	if (kind == EMU_OWNER_NONE) {
		if (!c->who.authenticated) {
			unauthenticated(c->rs);
			return;
		}
		if (c->who.kind != EMU_OWNER_USER && c->who.kind != EMU_OWNER_ORG) {
			emu_resp_json(c->rs, 200, json_object()); /* no account: nothing */
			return;
		}
		kind = c->who.kind;
		acct = c->who.owner;
	}
	if (!require_account(c, kind, acct,
			     kind == EMU_OWNER_USER ? "RIGHT_USER_GATEWAYS_LIST"
						    : "RIGHT_ORGANIZATION_GATEWAYS_LIST"))
		return;
	clean_mask(c->mask);
	if (!limit)
		limit = 100;
	if (!page)
		page = 1;
	char owner[2 * EMU_ID_MAX + 8];
	snprintf(owner, sizeof owner, "%s:%s", kind == EMU_OWNER_USER ? "user" : "org", acct);
	const char *field = !order || !*order ? "gateway_id" : order + (*order == '-');
	const char *path = is(field, "gateway_id")    ? "ids.gateway_id"
			   : is(field, "gateway_eui") ? "ids.eui"
						      : field;

	struct emu_gw *g = c->e->gw;
	pthread_rwlock_rdlock(&g->lock);
	size_t n = 0, cap = json_object_size(g->gws) + 1;
	struct row *rows = calloc(cap, sizeof *rows);
	const char *id;
	json_t *gw;
	json_object_foreach(g->gws, id, gw)
	{
		if (!rows || !is(json_string_value(json_object_get(g->owner, id)), owner) ||
		    deleted != (json_object_get(gw, "deleted_at") != NULL))
			continue;
		rows[n++] = (struct row){json_string_value(jp_get(gw, path)), id, gw};
	}
	if (rows)
		qsort(rows, n, sizeof *rows, row_cmp);
	json_t *out = json_array();
	for (size_t i = (page - 1) * limit; i < n && i < page * limit; i++) {
		size_t at = order && *order == '-' ? n - 1 - i : i;
		json_t *view = gw_view(rows[at].gw, c->mask);
		json_t *rights = emu_gw_rights(g, &c->who, rows[at].id, deleted);
		if (!emu_rights_have(rights, "RIGHT_GATEWAY_INFO"))
			public_safe(view);
		if (!emu_rights_have(rights, "RIGHT_GATEWAY_READ_SECRETS"))
			for (const char *const *s = gw_secrets; *s; s++)
				json_object_del(view, *s);
		json_decref(rights);
		json_array_append_new(out, view);
	}
	pthread_rwlock_unlock(&g->lock);
	free(rows);
	if (json_array_size(out)) {
		emu_resp_json(c->rs, 200, json_pack("{s:o}", "gateways", out));
	} else {
		json_decref(out);
		emu_resp_json(c->rs, 200, json_object());
	}
	total_header(c->rs, n);
}

/* Applies one masked path of an Update (lock held). */
static void apply_path(json_t *stored, const json_t *req, const char *path)
{
	json_t *v = jp_get(req, path);
	if (v && !json_is_null(v))
		jp_set(stored, path, json_deep_copy(v));
	else
		jp_del(stored, path);
}

static void gw_update(struct gcall *c, const char *id)
{
	if (!decode_body(c) || !check_mask(c, gw_paths, gw_not_writable))
		return;
	json_t *req = json_object_get(c->body, "gateway");
	if (!json_is_object(req)) {
		emu_resp_validation(c->rs, "gateway", "value is required",
				    "UpdateGatewayRequestValidationError");
		return;
	}
	if (!gw_input(req, c->rs) ||
	    !check_id(c->rs, id, "gateway_id", "GatewayIdentifiersValidationError") ||
	    !authenticate(c))
		return;
	clean_mask(c->mask);
	struct emu_gw *g = c->e->gw;
	pthread_rwlock_wrlock(&g->lock);
	json_t *rights = emu_gw_rights(g, &c->who, id, false);
	json_t *stored = json_object_get(g->gws, id);
	const char *owner = json_string_value(json_object_get(g->owner, id));
	size_t i;
	json_t *p;
	if (!emu_rights_have(rights, "RIGHT_GATEWAY_SETTINGS_BASIC")) {
		/* A LINK key may update antennas and attributes (status messages). */
		bool link_only = emu_rights_have(rights, "RIGHT_GATEWAY_LINK");
		json_array_foreach(c->mask, i, p)
		{
			link_only &= listed((const char *const[]){"antennas", "attributes", NULL},
					    json_string_value(p));
		}
		if (!link_only) {
			require_one(c->rs, id, rights, "RIGHT_GATEWAY_SETTINGS_BASIC");
			goto out;
		}
	}
	if (mask_touches(c->mask, gw_secrets) &&
	    !require_one(c->rs, id, rights, "RIGHT_GATEWAY_WRITE_SECRETS"))
		goto out;
	if (!stored || json_object_get(stored, "deleted_at")) {
		not_found(c->rs, id);
		goto out;
	}
	if ((emu_mask_has(c->mask, "administrative_contact") &&
	     !contact_ok(c->rs, json_object_get(req, "administrative_contact"), owner)) ||
	    (emu_mask_has(c->mask, "technical_contact") &&
	     !contact_ok(c->rs, json_object_get(req, "technical_contact"), owner)))
		goto out;
	const char *old_eui = json_string_value(jp_get(stored, "ids.eui"));
	const char *new_eui = json_string_value(jp_get(req, "ids.eui"));
	bool eui_masked = emu_mask_has(c->mask, "ids.eui");
	if (eui_masked && new_eui && json_object_get(g->euis, new_eui) &&
	    !is(json_string_value(json_object_get(g->euis, new_eui)), id)) {
		eui_taken(c->rs, new_eui, json_string_value(json_object_get(g->euis, new_eui)));
		goto out;
	}
	if (eui_masked && old_eui)
		json_object_del(g->euis, old_eui);
	/* The GS drops a gateway whose address changed (TTS >= 3.28.2). */
	const char *old_addr = json_string_value(json_object_get(stored, "gateway_server_address"));
	const char *new_addr = json_string_value(json_object_get(req, "gateway_server_address"));
	if (emu_mask_has(c->mask, "gateway_server_address") &&
	    !is(old_addr ? old_addr : "", new_addr ? new_addr : ""))
		emu_lns_drop(g, id, NULL);
	json_array_foreach(c->mask, i, p)
	{
		if (!is(json_string_value(p), "frequency_plan_id"))
			apply_path(stored, req, json_string_value(p));
	}
	if (eui_masked && new_eui)
		json_object_set_new(g->euis, new_eui, json_string(id));
	emu_gw_default_bools(stored);
	char now[32];
	emu_now(now);
	json_object_set_new(stored, "updated_at", json_string(now));
	emu_resp_json(c->rs, 200, gw_view(stored, c->mask));
out:
	pthread_rwlock_unlock(&g->lock);
	json_decref(rights);
}

static void gw_delete(struct gcall *c, const char *id, bool restore)
{
	if (!check_id(c->rs, id, "gateway_id", "GatewayIdentifiersValidationError") ||
	    !authenticate(c))
		return;
	struct emu_gw *g = c->e->gw;
	pthread_rwlock_wrlock(&g->lock);
	json_t *rights = emu_gw_rights(g, &c->who, id, restore);
	json_t *gw = json_object_get(g->gws, id);
	if (!require_one(c->rs, id, rights, "RIGHT_GATEWAY_DELETE"))
		goto out;
	bool deleted = gw && json_object_get(gw, "deleted_at");
	if (!gw || deleted != restore) {
		not_found(c->rs, id);
		goto out;
	}
	const char *eui = json_string_value(jp_get(gw, "ids.eui"));
	if (!restore) {
		/* Soft delete: the ID stays reserved, the EUI is free again. */
		char now[32];
		emu_now(now);
		json_object_set_new(gw, "deleted_at", json_string(now));
		emu_lns_drop(g, id, NULL);
		if (eui)
			json_object_del(g->euis, eui);
	} else {
		json_object_del(gw, "deleted_at");
		/* The EUI comes back only when nobody took it meanwhile. */
		if (eui && json_object_get(g->euis, eui))
			jp_del(gw, "ids.eui");
		else if (eui)
			json_object_set_new(g->euis, eui, json_string(id));
	}
	emu_resp_json(c->rs, 200, json_object());
out:
	pthread_rwlock_unlock(&g->lock);
	json_decref(rights);
}

static void gw_list_rights(struct gcall *c, const char *id)
{
	if (!check_id(c->rs, id, "gateway_id", "GatewayIdentifiersValidationError") ||
	    !authenticate(c))
		return;
	if (!c->who.authenticated) {
		unauthenticated(c->rs);
		return;
	}
	pthread_rwlock_rdlock(&c->e->gw->lock);
	json_t *rights = emu_gw_rights(c->e->gw, &c->who, id, false);
	pthread_rwlock_unlock(&c->e->gw->lock);
	if (json_array_size(rights))
		emu_resp_json(c->rs, 200, json_pack("{s:o}", "rights", rights));
	else {
		json_decref(rights);
		emu_resp_json(c->rs, 200, json_object());
	}
}

/* ---- gateway API keys ---------------------------------------------------------------- */

static bool rights_input(struct emu_resp *rs, const json_t *rights, bool allow_empty,
			 const char *type)
{
	if (rights && !json_is_array(rights)) {
		emu_resp_gw(rs, 400, 3, "invalid rights: want an array");
		return false;
	}
	size_t i, j;
	json_t *v;
	json_array_foreach(rights, i, v)
	{
		char msg[128];
		if (!json_is_string(v) || !emu_right_known(json_string_value(v))) {
			snprintf(msg, sizeof msg, "invalid value for enum type: %s",
				 json_is_string(v) ? json_string_value(v) : "?");
			emu_resp_gw(rs, 400, 3, msg);
			return false;
		}
		for (j = 0; j < i; j++)
			if (is(json_string_value(json_array_get(rights, j)),
			       json_string_value(v))) {
				emu_resp_validation(
				    rs, "rights", "repeated value must contain unique items", type);
				return false;
			}
	}
	if (!allow_empty && json_array_size(rights) == 0) {
		emu_resp_validation(rs, "rights", "value must contain at least 1 item(s)", type);
		return false;
	}
	return true;
}

/* The caller must hold every right listed (a pseudo-right: all gateway rights). */
static bool require_rights(struct emu_resp *rs, const char *id, const json_t *have,
			   const json_t *want)
{
	json_t *missing = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(want, i, v)
	{
		const char *r = json_string_value(v);
		bool ok = emu_rights_have(have, r) ||
			  ((is(r, "RIGHT_GATEWAY_ALL") || is(r, "RIGHT_ALL")) &&
			   json_array_size(have) == EMU_GATEWAY_NRIGHTS);
		if (!ok)
			json_array_append_new(missing, json_string(r));
	}
	if (json_array_size(missing) == 0) {
		json_decref(missing);
		return true;
	}
	rights_error(rs, "gateway", id, have, missing);
	return false;
}

static void rand_b32(char *out, size_t n)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	for (size_t i = 0; i < n; i++)
		out[i] = abc[emu_rand64() % 32];
	out[n] = '\0';
}

static bool expiry_ok(struct emu_resp *rs, const json_t *exp, const char *type)
{
	int64_t sec;
	int32_t nsec;
	if (!exp || json_is_null(exp))
		return true;
	if (!json_is_string(exp) || !emu_parse_time(json_string_value(exp), &sec, &nsec)) {
		emu_resp_gw(rs, 400, 3, "invalid expires_at: want an RFC 3339 time");
		return false;
	}
	if (sec <= (int64_t)time(NULL)) {
		emu_resp_validation(rs, "expires_at", "value must be in the future", type);
		return false;
	}
	return true;
}

static void key_create(struct gcall *c, const char *id)
{
	static const char type[] = "CreateGatewayAPIKeyRequestValidationError";
	if (!decode_body(c))
		return;
	json_t *rights = json_object_get(c->body, "rights");
	json_t *name = json_object_get(c->body, "name");
	json_t *exp = json_object_get(c->body, "expires_at");
	if (!check_id(c->rs, id, "gateway_id", "GatewayIdentifiersValidationError") ||
	    !rights_input(c->rs, rights, false, type) || !expiry_ok(c->rs, exp, type))
		return;
	if (name && (!json_is_string(name) || runes(json_string_value(name)) > 50)) {
		emu_resp_validation(c->rs, "name", "value length must be at most 50 runes", type);
		return;
	}
	if (!authenticate(c))
		return;
	struct emu_gw *g = c->e->gw;
	pthread_rwlock_wrlock(&g->lock);
	json_t *have = emu_gw_rights(g, &c->who, id, false);
	if (require_one(c->rs, id, have, "RIGHT_GATEWAY_SETTINGS_API_KEYS") &&
	    require_rights(c->rs, id, have, rights)) {
		char kid[40], secret[53], now[32], token[128];
		do
			rand_b32(kid, 39);
		while (json_object_get(g->keys, kid));
		rand_b32(secret, 52);
		emu_now(now);
		snprintf(token, sizeof token, "NNSXS.%s.%s", kid, secret);
		json_t *meta = json_pack("{s:s, s:s, s:O, s:s, s:s}", "id", kid, "name",
					 json_is_string(name) ? json_string_value(name) : "",
					 "rights", rights, "created_at", now, "updated_at", now);
		if (!json_string_length(json_object_get(meta, "name")))
			json_object_del(meta, "name");
		if (json_is_string(exp))
			json_object_set(meta, "expires_at", exp);
		json_object_set_new(g->keys, kid,
				    json_pack("{s:s, s:s, s:O}", "gateway_id", id, "secret", secret,
					      "api_key", meta));
		json_t *out = json_deep_copy(meta);
		json_object_set_new(out, "key", json_string(token)); /* the only time */
		emu_resp_json(c->rs, 200, out);
		json_decref(meta);
	}
	pthread_rwlock_unlock(&g->lock);
	json_decref(have);
}

static void key_not_found(struct emu_resp *rs)
{
	emu_resp_err(rs, 5, "pkg/identityserver/store", "api_key_not_found", "API key not found",
		     NULL);
}

static void key_list(struct gcall *c, const char *id)
{
	unsigned long limit, page;
	if (!check_id(c->rs, id, "gateway_id", "GatewayIdentifiersValidationError") ||
	    !parse_count(c, "limit", &limit) || !parse_count(c, "page", &page))
		return;
	if (limit > 1000) {
		emu_resp_validation(c->rs, "limit", "value must be less than or equal to 1000",
				    "ListGatewayAPIKeysRequestValidationError");
		return;
	}
	if (!authenticate(c))
		return;
	limit = limit ? limit : 100;
	page = page ? page : 1;
	struct emu_gw *g = c->e->gw;
	pthread_rwlock_rdlock(&g->lock);
	json_t *have = emu_gw_rights(g, &c->who, id, false);
	if (require_one(c->rs, id, have, "RIGHT_GATEWAY_SETTINGS_API_KEYS")) {
		json_t *out = json_array();
		size_t n = 0;
		const char *k;
		json_t *v;
		json_object_foreach(g->keys, k, v)
		{
			if (!is(json_string_value(json_object_get(v, "gateway_id")), id))
				continue;
			if (n >= (page - 1) * limit && n < page * limit)
				json_array_append_new(
				    out, json_deep_copy(json_object_get(v, "api_key")));
			n++;
		}
		if (json_array_size(out))
			emu_resp_json(c->rs, 200, json_pack("{s:o}", "api_keys", out));
		else {
			json_decref(out);
			emu_resp_json(c->rs, 200, json_object());
		}
		total_header(c->rs, n);
	}
	pthread_rwlock_unlock(&g->lock);
	json_decref(have);
}

static void key_one(struct gcall *c, const char *id, const char *kid, const char *method)
{
	static const char type[] = "UpdateGatewayAPIKeyRequestValidationError";
	bool put = is(method, "PUT"), del = is(method, "DELETE");
	json_t *req = NULL;
	if (put) {
		if (!decode_body(c) ||
		    !check_mask(c, (const char *const[]){"rights", "name", "expires_at", NULL},
				NULL))
			return;
		req = json_object_get(c->body, "api_key");
		if (!json_is_object(req)) {
			emu_resp_validation(c->rs, "api_key", "value is required", type);
			return;
		}
		if (json_array_size(c->mask) == 0) {
			json_array_append_new(c->mask, json_string("rights"));
			json_array_append_new(c->mask, json_string("name"));
		}
		if (!rights_input(c->rs, json_object_get(req, "rights"), true, type) ||
		    (emu_mask_has(c->mask, "expires_at") &&
		     !expiry_ok(c->rs, json_object_get(req, "expires_at"), type)))
			return;
	}
	if (!check_id(c->rs, id, "gateway_id", "GatewayIdentifiersValidationError") ||
	    !authenticate(c))
		return;
	struct emu_gw *g = c->e->gw;
	if (put || del)
		pthread_rwlock_wrlock(&g->lock);
	else
		pthread_rwlock_rdlock(&g->lock);
	json_t *have = emu_gw_rights(g, &c->who, id, false);
	json_t *k = json_object_get(g->keys, kid);
	json_t *meta = json_object_get(k, "api_key");
	if (!require_one(c->rs, id, have, "RIGHT_GATEWAY_SETTINGS_API_KEYS"))
		goto out;
	if (!k || !is(json_string_value(json_object_get(k, "gateway_id")), id)) {
		key_not_found(c->rs);
		goto out;
	}
	if (del) {
		json_object_del(g->keys, kid);
		emu_lns_drop(g, NULL, kid);
		emu_resp_json(c->rs, 200, json_object());
		goto out;
	}
	if (put && emu_mask_has(c->mask, "rights")) {
		json_t *want = json_object_get(req, "rights"),
		       *old = json_object_get(meta, "rights");
		json_t *changed = json_array();
		size_t i;
		json_t *v;
		/* The caller needs every right it adds and every right it removes. */
		json_array_foreach(want, i, v)
		{
			if (!emu_rights_have(old, json_string_value(v)))
				json_array_append(changed, v);
		}
		json_array_foreach(old, i, v)
		{
			if (!emu_rights_have(want, json_string_value(v)))
				json_array_append(changed, v);
		}
		bool ok = json_array_size(want) == 0 || require_rights(c->rs, id, have, changed);
		json_decref(changed);
		if (!ok)
			goto out;
		if (json_array_size(want) == 0) {
			json_object_del(g->keys, kid); /* empty rights delete the key */
			emu_lns_drop(g, NULL, kid);
			emu_resp_json(c->rs, 200, json_object());
			goto out;
		}
		json_object_set(meta, "rights", want);
		/* Without LINK the key no longer holds its LNS connection. */
		if (!emu_rights_have(want, "RIGHT_GATEWAY_LINK") &&
		    !emu_rights_have(want, "RIGHT_GATEWAY_ALL") &&
		    !emu_rights_have(want, "RIGHT_ALL"))
			emu_lns_drop(g, NULL, kid);
	}
	if (put) {
		char now[32];
		for (const char *const *f = (const char *const[]){"name", "expires_at", NULL}; *f;
		     f++)
			if (emu_mask_has(c->mask, *f))
				apply_path(meta, req, *f);
		emu_now(now);
		json_object_set_new(meta, "updated_at", json_string(now));
	}
	emu_resp_json(c->rs, 200, json_deep_copy(meta));
out:
	pthread_rwlock_unlock(&g->lock);
	json_decref(have);
}

/* ---- Gateway Server: connection stats --------------------------------------------------- */

static void gs_stats(struct gcall *c, const char *id)
{
	if (!check_id(c->rs, id, "gateway_id", "GatewayIdentifiersValidationError") ||
	    !authenticate(c))
		return;
	struct emu_gw *g = c->e->gw;
	pthread_rwlock_rdlock(&g->lock);
	json_t *have = emu_gw_rights(g, &c->who, id, false);
	json_t *st = json_object_get(g->stats, id);
	if (require_one(c->rs, id, have, "RIGHT_GATEWAY_STATUS_READ")) {
		if (st)
			emu_resp_json(c->rs, 200, json_deep_copy(st));
		else
			emu_resp_err(c->rs, 5, "pkg/gatewayserver", "not_connected",
				     "gateway `{gateway_uid}` not connected",
				     json_pack("{s:s}", "gateway_uid", id));
	}
	pthread_rwlock_unlock(&g->lock);
	json_decref(have);
}

static void gs_batch_stats(struct gcall *c)
{
	static const char type[] = "BatchGetGatewayConnectionStatsRequestValidationError";
	if (!decode_body(c) || !check_mask(c, stats_paths, NULL))
		return;
	json_t *ids = json_object_get(c->body, "gateway_ids");
	size_t n = json_array_size(ids), i;
	json_t *v;
	if (n < 1 || n > 100) {
		emu_resp_validation(c->rs, "gateway_ids",
				    "value must contain between 1 and 100 items, inclusive", type);
		return;
	}
	json_array_foreach(ids, i, v)
	{
		if (!check_id(c->rs, json_string_value(json_object_get(v, "gateway_id")),
			      "gateway_id", "GatewayIdentifiersValidationError"))
			return;
	}
	if (!authenticate(c))
		return;
	struct emu_gw *g = c->e->gw;
	json_t *entries = json_object();
	bool ok = true;
	pthread_rwlock_rdlock(&g->lock);
	json_array_foreach(ids, i, v)
	{
		const char *id = json_string_value(json_object_get(v, "gateway_id"));
		json_t *have = emu_gw_rights(g, &c->who, id, false);
		ok = require_one(c->rs, id, have, "RIGHT_GATEWAY_STATUS_READ");
		json_decref(have);
		if (!ok)
			break;
		json_t *st = json_object_get(g->stats, id);
		if (!st)
			continue; /* not in this cluster: left out */
		json_t *e = json_object();
		const char *k;
		json_t *f;
		json_object_foreach(st, k, f)
		{
			if (json_array_size(c->mask) == 0 || emu_mask_has(c->mask, k))
				json_object_set(e, k, f);
		}
		json_object_set_new(entries, id, e);
	}
	pthread_rwlock_unlock(&g->lock);
	if (!ok)
		json_decref(entries);
	else if (json_object_size(entries))
		emu_resp_json(c->rs, 200, json_pack("{s:o}", "entries", entries));
	else {
		json_decref(entries);
		emu_resp_json(c->rs, 200, json_object());
	}
}

/* ---- routing ------------------------------------------------------------------------- */

enum gop {
	G_NONE,
	G_405,
	G_LIST,
	G_LIST_ACCT,
	G_CREATE,
	G_GET,
	G_UPDATE,
	G_DELETE,
	G_RESTORE,
	G_RIGHTS,
	G_KEYS,
	G_KEY_CREATE,
	G_KEY,
	G_STATS,
	G_BATCH_STATS
};

static enum gop gw_route(const char *m, char **seg, size_t n, int *kind)
{
	bool get = is(m, "GET"), post = is(m, "POST"), put = is(m, "PUT"), del = is(m, "DELETE");
	if (n >= 1 && is(seg[0], "gs")) {
		if (n == 4 && is(seg[1], "gateways") && is(seg[2], "connection") &&
		    is(seg[3], "stats"))
			return post ? G_BATCH_STATS : G_405;
		if (n == 5 && is(seg[1], "gateways") && is(seg[3], "connection") &&
		    is(seg[4], "stats"))
			return get ? G_STATS : G_405;
		return G_NONE;
	}
	if (n == 3 && (is(seg[0], "users") || is(seg[0], "organizations")) &&
	    is(seg[2], "gateways")) {
		*kind = is(seg[0], "users") ? EMU_OWNER_USER : EMU_OWNER_ORG;
		return get ? G_LIST_ACCT : post ? G_CREATE : G_405;
	}
	if (n < 1 || !is(seg[0], "gateways"))
		return G_NONE;
	if (n == 1)
		return get ? G_LIST : G_405;
	if (n == 2)
		return get ? G_GET : put ? G_UPDATE : del ? G_DELETE : G_405;
	if (n == 3 && is(seg[2], "restore"))
		return post ? G_RESTORE : G_405;
	if (n == 3 && is(seg[2], "rights"))
		return get ? G_RIGHTS : G_405;
	if (n == 3 && is(seg[2], "api-keys"))
		return get ? G_KEYS : post ? G_KEY_CREATE : G_405;
	if (n == 4 && is(seg[2], "api-keys"))
		return get || put || del ? G_KEY : G_405;
	return G_NONE;
}

bool emu_gw_api(struct emu *e, const struct emu_req *rq, char **seg, size_t n, struct emu_resp *rs)
{
	int kind = EMU_OWNER_NONE;
	enum gop op = gw_route(rq->method, seg, n, &kind);
	if (op == G_NONE || !e->gw)
		return false;
	if (op == G_405) {
		emu_resp_gw(rs, 405, 12, "Method Not Allowed");
		return true;
	}
	struct gcall c = {.e = e, .rq = rq, .rs = rs, .mask = json_array()};
	switch (op) {
	case G_LIST:
		gw_list(&c, EMU_OWNER_NONE, NULL);
		break;
	case G_LIST_ACCT:
		gw_list(&c, kind, seg[1]);
		break;
	case G_CREATE:
		if (decode_body(&c))
			gw_create(&c, kind, seg[1]);
		break;
	case G_GET:
		gw_get(&c, seg[1]);
		break;
	case G_UPDATE:
		gw_update(&c, seg[1]);
		break;
	case G_DELETE:
		gw_delete(&c, seg[1], false);
		break;
	case G_RESTORE:
		gw_delete(&c, seg[1], true);
		break;
	case G_RIGHTS:
		gw_list_rights(&c, seg[1]);
		break;
	case G_KEYS:
		key_list(&c, seg[1]);
		break;
	case G_KEY_CREATE:
		key_create(&c, seg[1]);
		break;
	case G_KEY:
		key_one(&c, seg[1], seg[3], rq->method);
		break;
	case G_STATS:
		gs_stats(&c, seg[2]);
		break;
	case G_BATCH_STATS:
		gs_batch_stats(&c);
		break;
	default:
		break;
	}
	emu_caller_free(&c.who);
	json_decref(c.mask);
	json_decref(c.body);
	return true;
}
