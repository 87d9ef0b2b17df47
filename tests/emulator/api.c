/*
 * Routing of /api/v3 and the checks every end-device call shares, in the
 * order The Things Stack applies them (tts-api.md §1, §7):
 *   route (404/405) → decode query/body (gateway 400) → field mask paths
 *   (field_mask_paths, non_zero_path) → message validation (ids) → rate
 *   limit → authentication and rights → the registry.
 */
#include "emu.h"
#include "gw.h"

#include "core/jsonpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op {
	OP_404,
	OP_405,
	OP_NETID,
	OP_PREFIXES,
	OP_DEVADDR,
	OP_DEFAULT_MAC,
	OP_CREATE,
	OP_LIST,
	OP_LIST2,
	OP_GET,
	OP_SET, /* IS: Update */
	OP_SET2,
	OP_DELETE,
	OP_BATCH_GET,
	OP_BATCH_DELETE,
	OP_RESET,
};

struct route {
	enum op op;
	enum emu_comp comp;
	const char *app;
	const char *dev;
};

static bool is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static enum op device_route(const char *m, enum emu_comp comp, const char *dev)
{
	if (comp == EMU_IS) {
		if (is(dev, "filter") && is(m, "POST"))
			return OP_LIST2;
		if (is(dev, "batch") && is(m, "GET"))
			return OP_BATCH_GET;
	}
	if (is(dev, "batch") && is(m, "DELETE"))
		return OP_BATCH_DELETE;
	if (is(m, "GET"))
		return OP_GET;
	if (is(m, "PUT"))
		return OP_SET;
	if (is(m, "DELETE"))
		return OP_DELETE;
	if (comp == EMU_NS && is(m, "PATCH"))
		return OP_RESET;
	return OP_405;
}

/* seg holds the path segments after /api/v3. */
static struct route route(const char *m, char **seg, size_t n)
{
	struct route r = {OP_404, EMU_IS, NULL, NULL};
	if (n == 2 && is(seg[0], "ns")) {
		if (is(seg[1], "net_id"))
			r.op = is(m, "GET") ? OP_NETID : OP_405;
		else if (is(seg[1], "dev_addr_prefixes"))
			r.op = is(m, "GET") ? OP_PREFIXES : OP_405;
		else if (is(seg[1], "dev_addr"))
			r.op = is(m, "GET") ? OP_DEVADDR : OP_405;
		return r;
	}
	if (n == 4 && is(seg[0], "ns") && is(seg[1], "default_mac_settings")) {
		r.op = is(m, "GET") ? OP_DEFAULT_MAC : OP_405;
		return r;
	}
	size_t off = 0;
	if (n > 0 && !is(seg[0], "applications")) {
		static const char *const prefix[EMU_NCOMP] = {"", "js", "ns", "as"};
		for (int c = EMU_JS; c < EMU_NCOMP; c++)
			if (is(seg[0], prefix[c]))
				r.comp = (enum emu_comp)c;
		if (r.comp == EMU_IS)
			return r;
		off = 1;
	}
	if (n - off < 3 || n - off > 4 || !is(seg[off], "applications") ||
	    !is(seg[off + 2], "devices"))
		return r;
	r.app = seg[off + 1];
	if (n - off == 3) {
		if (r.comp == EMU_IS)
			r.op = is(m, "GET") ? OP_LIST : is(m, "POST") ? OP_CREATE : OP_405;
		else
			r.op = is(m, "POST") ? OP_SET2 : OP_405;
		return r;
	}
	r.dev = seg[off + 3];
	r.op = device_route(m, r.comp, r.dev);
	return r;
}

/* ---- shared helpers --------------------------------------------------------- */

bool emu_mask_has(const json_t *mask, const char *path)
{
	size_t i;
	json_t *p;
	json_array_foreach(mask, i, p)
	{
		if (jp_covers(json_string_value(p), path))
			return true;
	}
	return false;
}

json_t *emu_filter(const json_t *dev, const json_t *mask, enum emu_comp c, char *err, size_t errcap)
{
	json_t *out = json_object();
	static const char *const always[] = {"ids", "created_at", "updated_at"};
	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_object_get(dev, always[i]);
		if (v)
			json_object_set_new(out, always[i], json_deep_copy(v));
	}
	if (emu_fm_apply_mask(out, dev, mask, err, errcap)) {
		json_decref(out);
		return NULL;
	}
	size_t i;
	json_t *p;
	json_array_foreach(mask, i, p)
	{
		const char *path = json_string_value(p);
		/* The IS always returns these two as {} when asked for them. */
		if (c == EMU_IS &&
		    (is(path, "version_ids") || is(path, "lora_alliance_profile_ids")) &&
		    !json_object_get(out, path))
			json_object_set_new(out, path, json_object());
	}
	return out;
}

void emu_resp_untyped(struct emu_resp *rs, const char *text)
{
	/* A plain Go error through gRPC: Unknown, no details. */
	emu_resp_gw(rs, 500, 2, text);
}

void emu_not_found(struct emu_call *call, bool del)
{
	char uid[2 * EMU_ID_MAX + 2];
	switch (call->comp) {
	case EMU_IS:
		emu_resp_err(
		    call->rs, 5, "pkg/identityserver/store", "end_device_not_found",
		    "end device with id `{device_id}` not found in application with id "
		    "`{application_id}`",
		    json_pack("{s:s, s:s}", "device_id", call->dev, "application_id", call->app));
		break;
	case EMU_JS:
		emu_resp_err(call->rs, 5, "pkg/joinserver", "device_not_found", "device not found",
			     NULL);
		break;
	case EMU_NS:
		if (del)
			emu_resp_err(call->rs, 5, "pkg/networkserver", "device_not_found",
				     "device not found", NULL);
		else
			emu_resp_err(call->rs, 5, "pkg/redis", "not_found", "entity not found",
				     NULL);
		break;
	default:
		snprintf(uid, sizeof uid, "%s.%s", call->app, call->dev);
		emu_resp_err(call->rs, 5, "pkg/applicationserver", "device_not_found",
			     "device `{device_uid}` not found",
			     json_pack("{s:s}", "device_uid", uid));
	}
}

void emu_euis_taken(struct emu_resp *rs, const char *ns, const json_t *dev, const char *owner)
{
	const char *slash = strchr(owner, '/');
	char app[EMU_ID_MAX + 1];
	snprintf(app, sizeof app, "%.*s", slash ? (int)(slash - owner) : 0, owner);
	emu_resp_err(rs, 6, ns, "end_device_euis_taken",
		     "an end device with JoinEUI `{join_eui}` and DevEUI `{dev_eui}` is already "
		     "registered as `{device_id}` in application `{application_id}`",
		     json_pack("{s:O, s:O, s:s, s:s}", "join_eui", jp_get(dev, "ids.join_eui"),
			       "dev_eui", jp_get(dev, "ids.dev_eui"), "device_id",
			       slash ? slash + 1 : owner, "application_id", app));
}

/* ---- decoding ------------------------------------------------------------------ */

static void push_path(json_t *mask, const char *raw, size_t len)
{
	char *s = strndup(raw, len);
	char *p = s ? emu_snake_path(s) : NULL;
	if (p && *p)
		json_array_append_new(mask, json_string(p));
	free(p);
	free(s);
}

static void push_paths_csv(json_t *mask, const char *csv)
{
	while (*csv) {
		const char *comma = strchr(csv, ',');
		size_t len = comma ? (size_t)(comma - csv) : strlen(csv);
		if (len)
			push_path(mask, csv, len);
		if (!comma)
			break;
		csv = comma + 1;
	}
}

/* ?field_mask=a,b (one parameter, split on commas) and ?field_mask.paths=a&… */
static int query_mask(struct emu_call *call)
{
	json_t *fm = json_object_get(call->rq->query, "field_mask");
	json_t *fp = json_object_get(call->rq->query, "field_mask.paths");
	if (json_array_size(fm) > 1) {
		char msg[1024] = "too many values for field \"field_mask\": ";
		size_t i;
		json_t *v;
		json_array_foreach(fm, i, v)
		{
			size_t n = strlen(msg);
			snprintf(msg + n, sizeof msg - n, "%s%s", i ? ", " : "",
				 json_string_value(v));
		}
		emu_resp_gw(call->rs, 400, 3, msg);
		return -1;
	}
	call->has_mask = fm || fp;
	if (json_array_size(fm) == 1)
		push_paths_csv(call->mask, json_string_value(json_array_get(fm, 0)));
	size_t i;
	json_t *v;
	json_array_foreach(fp, i, v)
	{
		push_path(call->mask, json_string_value(v), strlen(json_string_value(v)));
	}
	return 0;
}

/* {"paths": [...]} or "a,b" (PGJ ReadFieldMask). */
static int body_mask(struct emu_call *call, const json_t *fm)
{
	if (!fm || json_is_null(fm))
		return 0;
	call->has_mask = true;
	if (json_is_string(fm)) {
		push_paths_csv(call->mask, json_string_value(fm));
		return 0;
	}
	json_t *paths = json_object_get(fm, "paths");
	if (!json_is_object(fm) || (paths && !json_is_array(paths) && !json_is_null(paths))) {
		emu_resp_gw(call->rs, 400, 3,
			    "invalid field mask: want {\"paths\": [...]} or \"a,b\"");
		return -1;
	}
	size_t i;
	json_t *v;
	json_array_foreach(paths, i, v)
	{
		if (!json_is_string(v)) {
			emu_resp_gw(call->rs, 400, 3, "invalid field mask: paths must be strings");
			return -1;
		}
		push_path(call->mask, json_string_value(v), json_string_length(v));
	}
	return 0;
}

static int decode_body(struct emu_call *call)
{
	const struct emu_req *rq = call->rq;
	if (rq->body_len == 0) {
		call->body = json_object();
	} else {
		json_error_t je;
		json_t *b = json_loadb(rq->body, rq->body_len, 0, &je);
		char msg[600], err[512];
		if (!json_is_object(b)) {
			snprintf(msg, sizeof msg, "invalid JSON body: %s",
				 b ? "not an object" : je.text);
			json_decref(b);
			emu_resp_gw(call->rs, 400, 3, msg);
			return -1;
		}
		call->body = emu_normalize(b, err, sizeof err);
		if (!call->body) {
			emu_resp_gw(call->rs, 400, 3, err);
			return -1;
		}
	}
	json_t *d = json_object_get(call->body, "end_device");
	if (json_is_object(d)) {
		json_decref(call->device);
		call->device = json_incref(d);
	}
	return body_mask(call, json_object_get(call->body, "field_mask"));
}

/* ---- mask validation ------------------------------------------------------- */

/* The path sets TTS registers for each RPC (fieldmask_table.c). */
static const enum emu_mask get_masks[EMU_NCOMP] = {EMU_MASK_IS_GET, EMU_MASK_JS_GET,
						   EMU_MASK_NS_GET, EMU_MASK_AS_GET};
static const enum emu_mask set_masks[EMU_NCOMP] = {EMU_MASK_IS_UPDATE, EMU_MASK_JS_SET,
						   EMU_MASK_NS_SET, EMU_MASK_AS_SET};

static bool path_allowed(const struct emu_call *call, const char *p, enum emu_mask allowed)
{
	for (char **r = call->e->cfg.reject_paths; r && *r; r++)
		if (jp_covers(*r, p))
			return false; /* --reject-paths: an older server without this field */
	/* TTS's validator: each requested path must be exactly one of the RPC's paths. */
	return emu_mask_in(allowed, p);
}

static int check_mask(struct emu_call *call, enum emu_mask allowed, bool set)
{
	json_t *bad = json_array();
	size_t i;
	json_t *p;
	json_array_foreach(call->mask, i, p)
	{
		if (!path_allowed(call, json_string_value(p), allowed))
			json_array_append(bad, p);
	}
	if (json_array_size(bad) > 0) {
		emu_resp_err(call->rs, 3, "pkg/rpcmiddleware/validator", "field_mask_paths",
			     "forbidden path(s) in field mask",
			     json_pack("{s:o}", "forbidden_paths", bad));
		return -1;
	}
	json_decref(bad);
	char path[512];
	/* A Set: below a masked path, every field the RPC does not take must be zero. */
	if (set && emu_fm_nonzero(call->device, call->mask, allowed, path, sizeof path)) {
		emu_resp_err(call->rs, 3, "pkg/rpcmiddleware/validator", "non_zero_path",
			     "path `{path}` is not zero", json_pack("{s:s}", "path", path));
		return -1;
	}
	return 0;
}

static int check_ids(struct emu_call *call, const char *app, const char *dev)
{
	const char *reason = NULL;
	if (!emu_id_ok(app, &reason)) {
		emu_resp_validation(call->rs, "application_id", reason,
				    "ApplicationIdentifiersValidationError");
		return -1;
	}
	snprintf(call->app, sizeof call->app, "%s", app);
	if (!dev)
		return 0;
	if (!emu_id_ok(dev, &reason)) {
		emu_resp_validation(call->rs, "device_id", reason,
				    "EndDeviceIdentifiersValidationError");
		return -1;
	}
	snprintf(call->dev, sizeof call->dev, "%s", dev);
	return 0;
}

/* Path beats body: the URL's ids overwrite the body's. */
static void set_ids(struct emu_call *call)
{
	json_t *ids = json_object_get(call->device, "ids");
	if (!json_is_object(ids)) {
		ids = json_object();
		json_object_set_new(call->device, "ids", ids);
	}
	json_object_set_new(ids, "application_ids",
			    json_pack("{s:s}", "application_id", call->app));
	json_object_set_new(ids, "device_id", json_string(call->dev));
}

static int batch_ids(struct emu_call *call, json_t **out, const char *type_name)
{
	json_t *ids = json_object_get(call->rq->query, "device_ids");
	size_t n = json_array_size(ids), i;
	json_t *v;
	if (n < 1 || n > 20) {
		emu_resp_validation(call->rs, "device_ids",
				    "value must contain between 1 and 20 items, inclusive",
				    type_name);
		return -1;
	}
	json_array_foreach(ids, i, v)
	{
		const char *reason = NULL;
		if (!emu_id_ok(json_string_value(v), &reason)) {
			emu_resp_validation(call->rs, "device_ids", reason, type_name);
			return -1;
		}
	}
	*out = ids;
	return 0;
}

/* ---- the NS helpers -------------------------------------------------------- */

static void ns_helper(struct emu *e, enum op op, struct emu_resp *rs)
{
	json_t *body = json_object();
	if (op == OP_NETID) {
		json_object_set_new(body, "net_id", json_string(e->cfg.net_id));
	} else if (op == OP_PREFIXES) {
		json_t *a = json_array();
		for (char **p = e->cfg.prefixes; p && *p; p++)
			json_array_append_new(a, json_string(*p));
		json_object_set_new(body, "dev_addr_prefixes", a);
	} else if (op == OP_DEVADDR) {
		/* A random address inside the first prefix. */
		unsigned long base = 0, len = 32;
		char addr[9];
		if (e->cfg.prefixes && e->cfg.prefixes[0])
			sscanf(e->cfg.prefixes[0], "%8lx/%lu", &base, &len);
		uint32_t host_mask = len >= 32 ? 0 : (uint32_t)(0xFFFFFFFFu >> len);
		uint32_t a = ((uint32_t)base & ~host_mask) | ((uint32_t)emu_rand64() & host_mask);
		snprintf(addr, sizeof addr, "%08X", (unsigned)a);
		json_object_set_new(body, "dev_addr", json_string(addr));
	}
	emu_resp_json(rs, 200, body);
}

/* ---- dispatch ------------------------------------------------------------------ */

static bool reads(enum op op)
{
	return op == OP_GET || op == OP_LIST || op == OP_BATCH_GET;
}

static void dispatch(struct emu_call *call, enum op op, json_t *ids)
{
	switch (op) {
	case OP_CREATE:
		emu_is_create(call);
		break;
	case OP_LIST:
		emu_is_list(call, call->rq->query);
		break;
	case OP_LIST2:
		emu_is_list(call, call->body);
		break;
	case OP_BATCH_GET:
		emu_is_batch_get(call, ids);
		break;
	case OP_BATCH_DELETE:
		emu_batch_delete(call, ids);
		break;
	case OP_GET:
		if (call->comp == EMU_IS)
			emu_is_get(call);
		else
			emu_comp_get(call);
		break;
	case OP_DELETE:
		if (call->comp == EMU_IS)
			emu_is_delete(call);
		else
			emu_comp_delete(call);
		break;
	case OP_SET:
	case OP_SET2:
		if (call->comp == EMU_IS)
			emu_is_update(call);
		else if (call->comp == EMU_JS)
			emu_js_set(call);
		else if (call->comp == EMU_NS)
			emu_ns_set(call);
		else
			emu_as_set(call);
		break;
	default:
		emu_resp_gw(call->rs, 501, 12, "not implemented by tts-emulator");
	}
}

/* The gRPC method behind a route (LS api/ttn/lorawan/v3/end_device.proto
 * services), for --rate-limit-class. */
static void grpc_method(enum op op, enum emu_comp comp, char *out, size_t cap)
{
	const char *pre = comp == EMU_NS   ? "Ns"
			  : comp == EMU_AS ? "As"
			  : comp == EMU_JS ? "Js"
					   : "";
	const char *svc = "EndDeviceRegistry", *m = "Get";
	switch (op) {
	case OP_CREATE:
		m = "Create";
		break;
	case OP_LIST:
	case OP_LIST2:
		m = "List";
		break;
	case OP_BATCH_GET:
		svc = "EndDeviceBatchRegistry";
		break;
	case OP_BATCH_DELETE:
		svc = "EndDeviceBatchRegistry", m = "Delete";
		break;
	case OP_DELETE:
		m = "Delete";
		break;
	case OP_SET:
	case OP_SET2:
		m = comp == EMU_IS ? "Update" : "Set";
		break;
	case OP_RESET:
		m = "ResetFactoryDefaults";
		break;
	default:
		break;
	}
	snprintf(out, cap, "/ttn.lorawan.v3.%s%s/%s", pre, svc, m);
}

static void handle(struct emu_call *call, struct route r)
{
	json_t *ids = NULL;
	char key_id[128];
	enum op op = r.op;

	bool has_body = op == OP_CREATE || op == OP_SET || op == OP_SET2 || op == OP_LIST2;
	if (has_body ? decode_body(call) : reads(op) ? query_mask(call) : 0)
		return;
	if (op == OP_SET2)
		r.dev = json_string_value(jp_get(call->device, "ids.device_id"));
	if (op == OP_CREATE) {
		/* IS Create takes no mask and stores the IS fields present. */
		json_array_clear(call->mask);
		r.dev = json_string_value(jp_get(call->device, "ids.device_id"));
	}

	if (reads(op) || op == OP_LIST2) {
		if (check_mask(call, get_masks[call->comp], false))
			return;
	} else if (op == OP_SET || op == OP_SET2) {
		if (check_mask(call, set_masks[call->comp], true))
			return;
	}

	bool needs_dev = op == OP_GET || op == OP_SET || op == OP_SET2 || op == OP_DELETE ||
			 op == OP_CREATE || op == OP_RESET;
	if (check_ids(call, r.app, needs_dev ? (r.dev ? r.dev : "") : NULL))
		return;
	if (op == OP_BATCH_GET || op == OP_BATCH_DELETE) {
		if (batch_ids(call, &ids,
			      op == OP_BATCH_GET ? "BatchGetEndDevicesRequestValidationError"
						 : "BatchDeleteEndDevicesRequestValidationError"))
			return;
	}
	if (needs_dev)
		set_ids(call);

	emu_auth_key_id(call->rq->authorization, key_id, sizeof key_id);
	if (!emu_ratelimit(call->e, key_id, call->rs))
		return;
	if (call->e->cfg.nrl_classes) {
		char method[96], entity[160];
		grpc_method(op, call->comp, method, sizeof method);
		if (needs_dev)
			snprintf(entity, sizeof entity, "%s.%s", r.app, r.dev ? r.dev : "");
		else
			snprintf(entity, sizeof entity, "%s", r.app ? r.app : "");
		if (!emu_ratelimit_class(call->e, method, entity, key_id, call->rs))
			return;
	}
	if (emu_auth(call->e, call->rq->authorization, call->app, call->rs))
		return;
	dispatch(call, op, ids);
}

void emu_api(struct emu *e, const struct emu_req *rq, struct emu_resp *rs)
{
	char buf[1024], *seg[8];
	size_t n = 0;
	const char *p = rq->path + strlen("/api/v3");
	size_t plen = strlen(p);
	bool ok = plen < sizeof buf && *p == '/';
	if (ok)
		memcpy(buf, p, plen + 1);
	for (char *s = buf + 1; ok;) {
		char *slash = strchr(s, '/');
		if (n == 8 || slash == s || !*s) {
			ok = false; /* too deep, empty segment or trailing slash */
			break;
		}
		seg[n++] = s;
		if (!slash)
			break;
		*slash = '\0';
		s = slash + 1;
	}
	if (ok && emu_gw_api(e, rq, seg, n, rs))
		return; /* a gateway route (reg_gw.c) */
	struct route r =
	    ok ? route(rq->method, seg, n) : (struct route){OP_404, EMU_IS, NULL, NULL};
	if (r.op == OP_404) {
		emu_resp_gw(rs, 404, 5, "Not Found");
		return;
	}
	if (r.op == OP_405) {
		emu_resp_gw(rs, 405, 12, "Method Not Allowed");
		return;
	}
	if (r.op == OP_NETID || r.op == OP_PREFIXES || r.op == OP_DEVADDR ||
	    r.op == OP_DEFAULT_MAC) {
		char key_id[128];
		emu_auth_key_id(rq->authorization, key_id, sizeof key_id);
		if (!emu_ratelimit(e, key_id, rs))
			return;
		if (r.op == OP_DEFAULT_MAC)
			emu_resp_gw(rs, 501, 12, "not implemented by tts-emulator");
		else
			ns_helper(e, r.op, rs);
		return;
	}
	struct emu_call call = {.e = e,
				.rq = rq,
				.rs = rs,
				.comp = r.comp,
				.mask = json_array(),
				.device = json_object()};
	handle(&call, r);
	json_decref(call.mask);
	json_decref(call.device);
	json_decref(call.body);
}
