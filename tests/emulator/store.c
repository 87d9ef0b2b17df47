/* The device tables of the four components, and loading them from a seed file. */
#include "emu.h"

#include "core/jsonpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int emu_store_init(struct emu_store *s)
{
	if (pthread_rwlock_init(&s->lock, NULL) != 0)
		return -1;
	for (int c = 0; c < EMU_NCOMP; c++) {
		s->devs[c] = json_object();
		s->euis[c] = json_object();
	}
	return 0;
}

void emu_store_free(struct emu_store *s)
{
	for (int c = 0; c < EMU_NCOMP; c++) {
		json_decref(s->devs[c]);
		json_decref(s->euis[c]);
	}
	pthread_rwlock_destroy(&s->lock);
}

void emu_store_clear(struct emu_store *s)
{
	pthread_rwlock_wrlock(&s->lock);
	for (int c = 0; c < EMU_NCOMP; c++) {
		json_object_clear(s->devs[c]);
		json_object_clear(s->euis[c]);
	}
	pthread_rwlock_unlock(&s->lock);
}

void emu_dev_key(char *out, size_t cap, const char *app, const char *dev)
{
	snprintf(out, cap, "%s/%s", app, dev);
}

bool emu_eui_key(const json_t *dev, char *out, size_t cap)
{
	const char *j = json_string_value(jp_get(dev, "ids.join_eui"));
	const char *d = json_string_value(jp_get(dev, "ids.dev_eui"));
	if (!j || !d || !*j || !*d)
		return false;
	snprintf(out, cap, "%s/%s", j, d);
	return true;
}

/* Drops the EUI mapping of the device stored under key, if it points there. */
static void unindex(struct emu_store *s, enum emu_comp c, const char *key)
{
	char ek[64];
	json_t *old = json_object_get(s->devs[c], key);
	if (old && emu_eui_key(old, ek, sizeof ek)) {
		const char *owner = json_string_value(json_object_get(s->euis[c], ek));
		if (owner && strcmp(owner, key) == 0)
			json_object_del(s->euis[c], ek);
	}
}

void emu_store_put(struct emu_store *s, enum emu_comp c, const char *key, json_t *dev)
{
	char ek[64];
	unindex(s, c, key);
	json_object_set_new(s->devs[c], key, dev);
	if (emu_eui_key(dev, ek, sizeof ek))
		json_object_set_new(s->euis[c], ek, json_string(key));
}

void emu_store_del(struct emu_store *s, enum emu_comp c, const char *key)
{
	unindex(s, c, key);
	json_object_del(s->devs[c], key);
}

json_t *emu_store_dump(struct emu_store *s)
{
	static const char *const names[EMU_NCOMP] = {"is", "js", "ns", "as"};
	json_t *out = json_object();
	pthread_rwlock_rdlock(&s->lock);
	for (int c = 0; c < EMU_NCOMP; c++) {
		json_t *a = json_array();
		const char *k;
		json_t *v;
		json_object_foreach(s->devs[c], k, v)
		{
			json_array_append_new(a, json_deep_copy(v));
		}
		json_object_set_new(out, names[c], a);
	}
	pthread_rwlock_unlock(&s->lock);
	return out;
}

/*
 * Plain (non-wrapper) scalars that The Things Stack omits when false or 0.
 * Wrapper fields (schedule_downlinks, rx1_delay in mac_settings, ...) are
 * printed even when false/0, so they are kept as sent.
 */
void emu_prune_plain_zero(json_t *dev)
{
	static const char *const plain[] = {"supports_join",
					    "supports_class_b",
					    "supports_class_c",
					    "multicast",
					    "resets_join_nonces",
					    "skip_payload_crypto",
					    "last_dev_nonce",
					    "last_join_nonce",
					    "last_rj_count_0",
					    "last_rj_count_1",
					    "downlink_margin",
					    "session.last_f_cnt_up",
					    "session.last_n_f_cnt_down",
					    "session.last_a_f_cnt_down",
					    "session.last_conf_f_cnt_down",
					    "pending_session.last_a_f_cnt_down",
					    NULL};
	for (const char *const *p = plain; *p; p++) {
		json_t *v = jp_get(dev, *p);
		if (json_is_false(v) || (json_is_integer(v) && json_integer_value(v) == 0) ||
		    (json_is_real(v) && json_real_value(v) == 0.0))
			jp_del(dev, *p);
	}
}

void emu_order_ids(json_t *dev)
{
	static const char *const order[] = {"application_ids", "device_id", "dev_eui", "join_eui",
					    "dev_addr"};
	json_t *ids = json_object_get(dev, "ids");
	if (!json_is_object(ids))
		return;
	json_t *out = json_object();
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		json_t *v = json_object_get(ids, order[i]);
		if (v)
			json_object_set(out, order[i], v);
	}
	json_object_update_missing(out, ids);
	json_object_set_new(dev, "ids", out);
}

void emu_sync_dev_addr(json_t *dev)
{
	json_t *addr = jp_get(dev, "session.dev_addr");
	if (json_is_string(addr) && json_string_length(addr) > 0)
		jp_set(dev, "ids.dev_addr", json_copy(addr));
	else
		jp_del(dev, "ids.dev_addr");
}

/* Fills in what the NS would have derived for a stored device with a session. */
void emu_ns_derive(json_t *dev, bool started_now)
{
	emu_sync_dev_addr(dev);
	json_t *session = json_object_get(dev, "session");
	if (jp_is_zero(session))
		return;
	const char *mac = json_string_value(jp_get(dev, "mac_state.lorawan_version"));
	if (!mac)
		mac = json_string_value(json_object_get(dev, "lorawan_version"));
	json_t *fkey = jp_get(session, "keys.f_nwk_s_int_key.key");
	/* For LoRaWAN 1.0.x the three network session keys are one key. */
	if (fkey && emu_mac_rank(mac) < emu_mac_rank("MAC_V1_1")) {
		if (!jp_get(session, "keys.s_nwk_s_int_key.key"))
			jp_set(session, "keys.s_nwk_s_int_key.key", json_copy(fkey));
		if (!jp_get(session, "keys.nwk_s_enc_key.key"))
			jp_set(session, "keys.nwk_s_enc_key.key", json_copy(fkey));
	}
	if (jp_is_zero(json_object_get(dev, "mac_state"))) {
		const struct emu_fp *fp =
		    emu_fp_find(json_string_value(json_object_get(dev, "frequency_plan_id")));
		if (fp)
			json_object_set_new(
			    dev, "mac_state",
			    emu_fp_mac_state(fp, mac, json_object_get(dev, "mac_settings")));
	}
	if (started_now || !json_object_get(session, "started_at")) {
		char now[32];
		emu_now(now);
		json_object_set_new(session, "started_at", json_string(now));
	}
}

/*
 * What each component keeps of a merged device: what its Set (IS: Create) takes, by
 * the emulator's own lists of TTS's rules; the AS also keeps the pending session it
 * can be read for, which only a join (not a Set) writes.
 */
static bool is_owned(const char *p)
{
	return emu_mask_in(EMU_MASK_IS_CREATE, p);
}

static bool js_owned(const char *p)
{
	return emu_mask_in(EMU_MASK_JS_SET, p);
}

static bool ns_owned(const char *p)
{
	return emu_mask_in(EMU_MASK_NS_SET, p);
}

static bool as_owned(const char *p)
{
	return emu_mask_in(EMU_MASK_AS_SET, p) ||
	       (jp_covers("pending_session", p) && emu_mask_in(EMU_MASK_AS_GET, p));
}

static json_t *seed_part(const json_t *d, bool (*owned)(const char *), const char *created,
			 const char *updated)
{
	json_t *out = json_object();
	emu_fm_copy_owned(out, d, owned);
	emu_order_ids(out);
	json_object_set_new(out, "created_at", json_string(created));
	json_object_set_new(out, "updated_at", json_string(updated));
	return out;
}

static int seed_one(struct emu *e, json_t *d, char *err, size_t errcap)
{
	const char *app = json_string_value(jp_get(d, "ids.application_ids.application_id"));
	const char *dev = json_string_value(jp_get(d, "ids.device_id"));
	const char *reason = NULL;
	if (!app || !dev) {
		snprintf(err, errcap,
			 "ids.application_ids.application_id and ids.device_id needed");
		return -1;
	}
	if (!emu_id_ok(app, &reason) || !emu_id_ok(dev, &reason)) {
		snprintf(err, errcap, "bad id %s/%s: %s", app, dev, reason);
		return -1;
	}
	char key[2 * EMU_ID_MAX + 2], ek[64], now[32];
	emu_dev_key(key, sizeof key, app, dev);
	emu_now(now);
	const char *created = json_string_value(json_object_get(d, "created_at"));
	const char *updated = json_string_value(json_object_get(d, "updated_at"));
	created = created ? created : now;
	updated = updated ? updated : created;
	if (json_object_get(e->store.devs[EMU_IS], key)) {
		snprintf(err, errcap, "device %s appears twice", key);
		return -1;
	}
	bool has_euis = emu_eui_key(d, ek, sizeof ek);
	for (int c = 0; has_euis && c < EMU_NCOMP; c++) {
		if (json_object_get(e->store.euis[c], ek)) {
			snprintf(err, errcap, "EUIs %s of %s are taken", ek, key);
			return -1;
		}
	}

	emu_store_put(&e->store, EMU_IS, key, seed_part(d, is_owned, created, updated));
	if (json_is_true(json_object_get(d, "supports_join")))
		emu_store_put(&e->store, EMU_JS, key, seed_part(d, js_owned, created, updated));

	json_t *ns = seed_part(d, ns_owned, created, updated);
	emu_ns_derive(ns, false);
	emu_prune_plain_zero(ns);
	emu_order_ids(ns);
	emu_store_put(&e->store, EMU_NS, key, ns);

	json_t *as = seed_part(d, as_owned, created, updated);
	emu_sync_dev_addr(as);
	emu_prune_plain_zero(as);
	emu_order_ids(as);
	emu_store_put(&e->store, EMU_AS, key, as);

	json_t *is = json_object_get(e->store.devs[EMU_IS], key);
	emu_prune_plain_zero(is);
	return 0;
}

int emu_seed_load(struct emu *e, const char *path, char *err, size_t errcap)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errcap, "cannot open %s", path);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	int rc = 0;
	pthread_rwlock_wrlock(&e->store.lock);
	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		lineno++;
		const char *p = line;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p)
			continue;
		json_error_t je;
		json_t *d = json_loads(p, 0, &je);
		char why[512] = "";
		if (!json_is_object(d)) {
			snprintf(why, sizeof why, "not a JSON object: %s", je.text);
			json_decref(d);
			rc = -1;
		} else if (!(d = emu_normalize(d, why, sizeof why))) {
			rc = -1;
		} else {
			rc = seed_one(e, d, why, sizeof why);
			json_decref(d);
		}
		if (rc != 0)
			snprintf(err, errcap, "%s:%ld: %s", path, lineno, why);
	}
	pthread_rwlock_unlock(&e->store.lock);
	free(line);
	fclose(f);
	return rc;
}
