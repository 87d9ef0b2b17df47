/* The Join Server's and the Application Server's Set (tts-api.md §5, §7). */
#include "emu.h"

#include "core/jsonpath.h"

#include <stdio.h>
#include <string.h>

#define KEY_CAP (2 * EMU_ID_MAX + 2)

/*
 * The common part of a JS/NS/AS Set: an upsert under the write lock. The
 * EUIs cannot change once stored and are unique among the component's
 * devices; redis_ns names the registry for read_only_field. check() applies
 * the component's rules to the merged device d (stored + masked request
 * paths), may adjust d, and returns false after filling call->rs to refuse.
 */
void emu_comp_set(struct emu_call *call, const char *redis_ns,
		  bool (*check)(struct emu_call *, const json_t *stored, json_t *merged))
{
	char key[KEY_CAP], ek[64], now[32];
	struct emu_store *s = &call->e->store;
	json_t *req = call->device;
	emu_dev_key(key, sizeof key, call->app, call->dev);
	emu_now(now);

	pthread_rwlock_wrlock(&s->lock);
	json_t *stored = json_object_get(s->devs[call->comp], key);
	json_t *d = stored ? json_deep_copy(stored) : json_object();
	static const char *const euis[] = {"ids.join_eui", "ids.dev_eui"};
	for (size_t i = 0; i < 2; i++) {
		json_t *v = jp_get(req, euis[i]);
		if (v)
			jp_set(d, euis[i], json_copy(v));
	}
	jp_set(d, "ids.application_ids", json_deep_copy(jp_get(req, "ids.application_ids")));
	jp_set(d, "ids.device_id", json_string(call->dev));
	char err[256];
	json_t *out = NULL;
	if (emu_fm_apply_mask(d, req, call->mask, err, sizeof err)) {
		emu_resp_untyped(call->rs, err);
		goto out;
	}
	if (check && !check(call, stored, d))
		goto out;
	/* The registry's own check comes last, as in TTS (after the Set rules). */
	for (size_t i = 0; stored && i < 2; i++) {
		if (emu_str_differs(jp_get(d, euis[i]), jp_get(stored, euis[i]))) {
			emu_resp_err(call->rs, 3, redis_ns, "read_only_field",
				     "read-only field `{field}`",
				     json_pack("{s:s}", "field", euis[i]));
			goto out;
		}
	}
	const char *owner = NULL;
	if (!stored && emu_eui_key(d, ek, sizeof ek) &&
	    (owner = json_string_value(json_object_get(s->euis[call->comp], ek)))) {
		emu_euis_taken(call->rs, "pkg/internal/registry", d, owner);
		goto out;
	}
	if (!stored)
		json_object_set_new(d, "created_at", json_string(now));
	json_object_set_new(d, "updated_at", json_string(now));
	emu_prune_plain_zero(d);
	emu_order_ids(d);
	out = emu_filter(d, call->mask, call->comp, err, sizeof err);
	if (!out) {
		emu_resp_untyped(call->rs, err);
		goto out;
	}
	emu_resp_json(call->rs, 200, out);
	emu_store_put(s, call->comp, key, json_incref(d));
out:
	pthread_rwlock_unlock(&s->lock);
	json_decref(d);
}

static bool js_check(struct emu_call *call, const json_t *stored, json_t *d)
{
	const char *ns = "pkg/joinserver";
	/* A JS device never holds a DevAddr; on update the mask cannot name it. */
	if (!stored && !emu_bytes_zero(jp_get(call->device, "ids.dev_addr"))) {
		emu_resp_field_value(call->rs, ns, "ids.dev_addr");
		return false;
	}
	json_t *prov = jp_get(call->device, "provisioner_id");
	if (stored && emu_mask_has(call->mask, "provisioner_id") &&
	    emu_str_differs(prov, json_object_get(stored, "provisioner_id"))) {
		emu_resp_err(call->rs, 3, "pkg/joinserver/redis", "read_only_field",
			     "read-only field `{field}`",
			     json_pack("{s:s}", "field", "provisioner_id"));
		return false;
	}
	jp_del(d, "ids.dev_addr");
	return true;
}

void emu_js_set(struct emu_call *call)
{
	const char *ns = "pkg/joinserver";
	/* The JS needs both EUIs in every Set; an all-zero JoinEUI is fine. */
	if (!jp_get(call->device, "ids.join_eui")) {
		emu_resp_err(call->rs, 3, ns, "no_join_eui", "no JoinEUI specified", NULL);
		return;
	}
	if (emu_bytes_zero(jp_get(call->device, "ids.dev_eui"))) {
		emu_resp_err(call->rs, 3, ns, "no_dev_eui", "no DevEUI specified", NULL);
		return;
	}
	if (emu_mask_has(call->mask, "root_keys.app_key.key") &&
	    emu_bytes_zero(jp_get(call->device, "root_keys.app_key.key"))) {
		emu_resp_field_value(call->rs, ns, "root_keys.app_key.key");
		return;
	}
	emu_comp_set(call, "pkg/joinserver/redis", js_check);
}

static bool as_check(struct emu_call *call, const json_t *stored, json_t *d)
{
	const char *addr = json_string_value(jp_get(call->device, "ids.dev_addr"));
	/* On create a DevAddr in the ids must be the session's. */
	if (!stored && addr && *addr &&
	    (!emu_mask_has(call->mask, "session.dev_addr") ||
	     emu_str_differs(jp_get(call->device, "ids.dev_addr"),
			     jp_get(call->device, "session.dev_addr")))) {
		emu_resp_field_value(call->rs, "pkg/applicationserver", "ids.dev_addr");
		return false;
	}
	emu_sync_dev_addr(d);
	return true;
}

void emu_as_set(struct emu_call *call)
{
	static const char *const nonzero[] = {"session.dev_addr", "session.keys.app_s_key.key"};
	for (size_t i = 0; i < 2; i++) {
		if (emu_mask_has(call->mask, nonzero[i]) &&
		    emu_bytes_zero(jp_get(call->device, nonzero[i]))) {
			emu_resp_field_value(call->rs, "pkg/applicationserver", nonzero[i]);
			return;
		}
	}
	emu_comp_set(call, "pkg/applicationserver/redis", as_check);
}
