/*
 * The Network Server's Set (tts-api.md §5 "NS Set", §7 "NS").
 *
 * Rules are checked on the merged device (stored values overlaid with the
 * masked request paths), as the NS does with its per-path device map, then
 * the NS's derivations are applied: generated MAC state, 1.0.x key copies,
 * session start time and ids.dev_addr.
 */
#include "emu.h"

#include "core/jsonpath.h"

#include <string.h>

static const char *const NS = "pkg/networkserver";

static const char *str(const json_t *dev, const char *path)
{
	return json_string_value(jp_get(dev, path));
}

static bool refuse(struct emu_call *call, const char *field)
{
	emu_resp_field_value(call->rs, NS, field);
	return false;
}

/* The frequency plan must exist and its band must define the PHY version. */
static bool check_band(struct emu_call *call, const json_t *d, const struct emu_fp **fp_out)
{
	const char *fp_id = str(d, "frequency_plan_id");
	const struct emu_fp *fp = emu_fp_find(fp_id);
	*fp_out = fp;
	if (!fp) {
		emu_resp_err(call->rs, 5, "pkg/frequencyplans", "not_found",
			     "frequency plan `{id}` not found", json_pack("{s:s}", "id", fp_id));
		return false;
	}
	const char *phy = str(d, "lorawan_phy_version");
	if (!emu_band_has_phy(emu_fp_band(fp), emu_phy_number(phy))) {
		emu_resp_err(call->rs, 3, "pkg/networkserver/internal", "no_band_version",
			     "specified version `{ver}` of band `{id}` does not exist",
			     json_pack("{s:s, s:s}", "ver", phy ? phy : "PHY_UNKNOWN", "id",
				       emu_fp_band(fp)));
		return false;
	}
	return true;
}

static bool check_abp(struct emu_call *call, const json_t *d, bool create)
{
	const json_t *m = call->mask;
	if (create || emu_mask_has(m, "supports_join") || emu_mask_has(m, "session.dev_addr") ||
	    emu_mask_has(m, "session.keys.f_nwk_s_int_key.key")) {
		if (emu_bytes_zero(jp_get(d, "session.dev_addr")))
			return refuse(call, "session.dev_addr");
		if (emu_bytes_zero(jp_get(d, "session.keys.f_nwk_s_int_key.key")))
			return refuse(call, "session.keys.f_nwk_s_int_key.key");
	}
	/* ABP has no join, so nothing that only a join produces. */
	static const char *const none[] = {"session.keys.session_key_id", "pending_session",
					   "pending_mac_state"};
	for (size_t i = 0; i < 3; i++)
		if (!jp_is_zero(jp_get(d, none[i])))
			return refuse(call, none[i]);
	if (!jp_get(d, "ids.dev_eui")) {
		int rank = emu_mac_rank(str(d, "lorawan_version"));
		if (rank == 0)
			return refuse(call, "lorawan_version");
		if (rank >= emu_mac_rank("MAC_V1_0_4") && !json_is_true(jp_get(d, "multicast")))
			return refuse(call, "ids.dev_eui");
	}
	if (json_is_true(jp_get(d, "supports_class_b")) &&
	    !jp_get(d, "mac_settings.ping_slot_periodicity"))
		return refuse(call, "mac_settings.ping_slot_periodicity.value");
	return true;
}

static bool check_session(struct emu_call *call, const json_t *d, bool join, const char *mac)
{
	static const char *const keys[] = {"session.keys.s_nwk_s_int_key.key",
					   "session.keys.nwk_s_enc_key.key"};
	if (jp_is_zero(jp_get(d, "session")))
		return refuse(call, "session");
	if (jp_is_zero(jp_get(d, "mac_state")) && emu_mask_has(call->mask, "mac_state"))
		return refuse(call, "mac_state");
	if (emu_bytes_zero(jp_get(d, "session.dev_addr")))
		return refuse(call, "session.dev_addr");
	json_t *fkey = jp_get(d, "session.keys.f_nwk_s_int_key.key");
	if (emu_bytes_zero(fkey))
		return refuse(call, "session.keys.f_nwk_s_int_key.key");
	for (size_t i = 0; i < 2; i++) {
		json_t *k = jp_get(d, keys[i]);
		if (emu_mac_rank(mac) >= emu_mac_rank("MAC_V1_1")) {
			if (emu_bytes_zero(k))
				return refuse(call, keys[i]); /* 1.1 needs all three keys */
		} else if (emu_mask_has(call->mask, keys[i]) && k && emu_str_differs(k, fkey)) {
			return refuse(call, keys[i]); /* 1.0.x: one key, sent three times */
		}
	}
	if (join && jp_is_zero(jp_get(d, "session.keys.session_key_id")))
		return refuse(call, "session.keys.session_key_id");
	return true;
}

static bool ns_check(struct emu_call *call, const json_t *stored, json_t *d)
{
	const json_t *m = call->mask, *req = call->device;
	bool create = stored == NULL;
	const struct emu_fp *fp = NULL;

	if (emu_mask_has(m, "frequency_plan_id") && !str(req, "frequency_plan_id"))
		return refuse(call, "frequency_plan_id");
	if (create && !str(d, "frequency_plan_id"))
		return refuse(call, "frequency_plan_id");
	if ((create || emu_mask_has(m, "frequency_plan_id") ||
	     emu_mask_has(m, "lorawan_phy_version")) &&
	    !check_band(call, d, &fp))
		return false;

	bool join = json_is_true(jp_get(d, "supports_join"));
	static const char *const immutable[] = {"supports_join", "multicast"};
	for (size_t i = 0; stored && i < 2; i++)
		if (emu_mask_has(m, immutable[i]) && json_is_true(jp_get(d, immutable[i])) !=
							 json_is_true(jp_get(stored, immutable[i])))
			return refuse(call, immutable[i]);
	if (join && (create || emu_mask_has(m, "supports_join"))) {
		if (!jp_get(d, "ids.join_eui"))
			return refuse(call, "ids.join_eui");
		if (!jp_get(d, "ids.dev_eui"))
			return refuse(call, "ids.dev_eui");
	}
	if (!join && !check_abp(call, d, create))
		return false;

	bool has_session = !jp_is_zero(jp_get(d, "session"));
	bool has_mac = !jp_is_zero(jp_get(d, "mac_state"));
	const char *mac = has_mac ? str(d, "mac_state.lorawan_version") : NULL;
	mac = mac ? mac : str(d, "lorawan_version");
	if ((has_session || has_mac) && !check_session(call, d, join, mac))
		return false;

	/* A DevAddr in the ids must be the session's; otherwise it is derived. */
	json_t *ids_addr = jp_get(req, "ids.dev_addr");
	if (!emu_bytes_zero(ids_addr) &&
	    (!has_session || emu_str_differs(ids_addr, jp_get(d, "session.dev_addr"))))
		return refuse(call, "session.dev_addr");

	if (has_session) {
		json_t *session = jp_get(d, "session");
		if (!has_mac) {
			fp = fp ? fp : emu_fp_find(str(d, "frequency_plan_id"));
			if (fp)
				json_object_set_new(
				    d, "mac_state",
				    emu_fp_mac_state(fp, mac, jp_get(d, "mac_settings")));
		}
		json_t *fkey = jp_get(session, "keys.f_nwk_s_int_key.key");
		if (emu_mask_has(m, "session.keys.f_nwk_s_int_key.key") &&
		    emu_mac_rank(mac) < emu_mac_rank("MAC_V1_1")) {
			jp_set(session, "keys.s_nwk_s_int_key.key", json_copy(fkey));
			jp_set(session, "keys.nwk_s_enc_key.key", json_copy(fkey));
		}
		/*
		 * The NS (re)starts the session clock for a new device, for a
		 * stored session without one, for a masked but empty started_at
		 * and when the session key id changes.
		 */
		bool restart =
		    create || !jp_get(stored, "session.started_at") ||
		    (emu_mask_has(m, "session.started_at") && !jp_get(session, "started_at")) ||
		    (emu_mask_has(m, "session.keys.session_key_id") &&
		     emu_str_differs(jp_get(stored, "session.keys.session_key_id"),
				     jp_get(session, "keys.session_key_id")));
		if (restart) {
			char now[32];
			emu_now(now);
			json_object_set_new(session, "started_at", json_string(now));
		}
	}
	emu_sync_dev_addr(d);
	return true;
}

void emu_ns_set(struct emu_call *call)
{
	emu_comp_set(call, "pkg/networkserver/redis", ns_check);
}
