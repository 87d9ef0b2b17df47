/*
 * The Identity Server's end-device registry (Create, Get, List, Update,
 * Delete, batch Get/Delete) and the Get/Delete/batch Delete every other
 * component shares.
 */
#include "emu.h"

#include "core/jsonpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_CAP (2 * EMU_ID_MAX + 2)

static bool is_create_owned(const char *mask_path)
{
	return emu_mask_in(EMU_MASK_IS_CREATE, mask_path);
}

void emu_is_create(struct emu_call *call)
{
	char key[KEY_CAP], ek[64], now[32];
	if (emu_id_blocked(call->dev)) {
		emu_resp_err(call->rs, 3, "pkg/identityserver/blocklist", "forbidden_id",
			     "the ID `{id}` can not be registered",
			     json_pack("{s:s}", "id", call->dev));
		return;
	}
	json_t *d = json_object();
	/* Create takes no mask: the IS store keeps its own fields of the device as sent. */
	emu_fm_copy_owned(d, call->device, is_create_owned);
	emu_order_ids(d);
	emu_now(now);
	json_object_set_new(d, "created_at", json_string(now));
	json_object_set_new(d, "updated_at", json_string(now));
	emu_prune_plain_zero(d);
	emu_dev_key(key, sizeof key, call->app, call->dev);

	struct emu_store *s = &call->e->store;
	pthread_rwlock_wrlock(&s->lock);
	const char *owner = NULL;
	if (json_object_get(s->devs[EMU_IS], key)) {
		emu_resp_err(call->rs, 6, "pkg/util/store", "id_taken",
			     "ID already taken, choose a different one and try again", NULL);
	} else if (emu_eui_key(d, ek, sizeof ek) &&
		   (owner = json_string_value(json_object_get(s->euis[EMU_IS], ek)))) {
		/* (JoinEUI, DevEUI) is unique across all applications. */
		emu_euis_taken(call->rs, "pkg/identityserver", d, owner);
	} else {
		emu_resp_json(call->rs, 200, json_deep_copy(d));
		emu_store_put(s, EMU_IS, key, json_incref(d));
	}
	pthread_rwlock_unlock(&s->lock);
	json_decref(d);
}

void emu_is_get(struct emu_call *call)
{
	emu_comp_get(call);
}

void emu_comp_get(struct emu_call *call)
{
	char key[KEY_CAP];
	struct emu_store *s = &call->e->store;
	emu_dev_key(key, sizeof key, call->app, call->dev);
	pthread_rwlock_rdlock(&s->lock);
	json_t *d = json_object_get(s->devs[call->comp], key);
	char err[256];
	json_t *out = d ? emu_filter(d, call->mask, call->comp, err, sizeof err) : NULL;
	if (out)
		emu_resp_json(call->rs, 200, out);
	else if (d)
		emu_resp_untyped(call->rs, err);
	else
		emu_not_found(call, false);
	pthread_rwlock_unlock(&s->lock);
}

void emu_is_update(struct emu_call *call)
{
	char key[KEY_CAP], now[32];
	struct emu_store *s = &call->e->store;
	/* An empty mask means every updatable path (the top-level ones suffice). */
	const struct emu_pathset *upd = &emu_masks[EMU_MASK_IS_UPDATE];
	if (json_array_size(call->mask) == 0)
		for (size_t i = 0; i < upd->n; i++)
			if (!strchr(upd->paths[i], '.'))
				json_array_append_new(call->mask, json_string(upd->paths[i]));
	emu_dev_key(key, sizeof key, call->app, call->dev);
	emu_now(now);
	pthread_rwlock_wrlock(&s->lock);
	json_t *d = json_object_get(s->devs[EMU_IS], key);
	if (!d) {
		emu_not_found(call, false);
	} else {
		/* The IS lists hold no oneof, so applying cannot fail half-way. */
		char err[256];
		json_t *upd_dev = json_deep_copy(d);
		json_t *out = NULL;
		if (emu_fm_apply_mask(upd_dev, call->device, call->mask, err, sizeof err) == 0) {
			json_object_set_new(upd_dev, "updated_at", json_string(now));
			emu_prune_plain_zero(upd_dev);
			out = emu_filter(upd_dev, call->mask, EMU_IS, err, sizeof err);
		}
		if (out) {
			emu_store_put(s, EMU_IS, key, json_incref(upd_dev));
			emu_resp_json(call->rs, 200, out);
		} else {
			emu_resp_untyped(call->rs, err);
		}
		json_decref(upd_dev);
	}
	pthread_rwlock_unlock(&s->lock);
}

void emu_is_delete(struct emu_call *call)
{
	emu_comp_delete(call);
}

void emu_comp_delete(struct emu_call *call)
{
	char key[KEY_CAP];
	struct emu_store *s = &call->e->store;
	emu_dev_key(key, sizeof key, call->app, call->dev);
	pthread_rwlock_wrlock(&s->lock);
	if (json_object_get(s->devs[call->comp], key)) {
		emu_store_del(s, call->comp, key);
		emu_resp_json(call->rs, 200, json_object());
	} else {
		emu_not_found(call, true);
	}
	pthread_rwlock_unlock(&s->lock);
}

/* Atomic under the write lock; devices that do not exist are skipped. */
void emu_batch_delete(struct emu_call *call, const json_t *ids)
{
	char key[KEY_CAP];
	struct emu_store *s = &call->e->store;
	size_t i;
	json_t *id;
	pthread_rwlock_wrlock(&s->lock);
	json_array_foreach(ids, i, id)
	{
		emu_dev_key(key, sizeof key, call->app, json_string_value(id));
		emu_store_del(s, call->comp, key);
	}
	pthread_rwlock_unlock(&s->lock);
	emu_resp_json(call->rs, 200, json_object());
}

static json_t *wrap_devices(json_t *devs)
{
	if (json_array_size(devs) == 0) {
		json_decref(devs);
		return json_object(); /* an empty list is {} */
	}
	return json_pack("{s:o}", "end_devices", devs);
}

void emu_is_batch_get(struct emu_call *call, const json_t *ids)
{
	char key[KEY_CAP];
	struct emu_store *s = &call->e->store;
	json_t *out = json_array();
	size_t i;
	json_t *id;
	char err[256];
	pthread_rwlock_rdlock(&s->lock);
	json_array_foreach(ids, i, id)
	{
		emu_dev_key(key, sizeof key, call->app, json_string_value(id));
		json_t *d = json_object_get(s->devs[EMU_IS], key);
		if (d)
			json_array_append_new(out,
					      emu_filter(d, call->mask, EMU_IS, err, sizeof err));
	}
	pthread_rwlock_unlock(&s->lock);
	emu_resp_json(call->rs, 200, wrap_devices(out));
}

/* ---- List ------------------------------------------------------------------- */

struct row {
	json_t *dev;
	const char *sort;
	const char *id;
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->sort, y->sort);
	return c ? c : strcmp(x->id, y->id);
}

/* A parameter from the query ({"k": ["v"]}) or from a JSON body ({"k": v}). */
static const char *param(const json_t *params, const char *name, char *buf, size_t cap)
{
	json_t *v = json_object_get(params, name);
	if (json_is_array(v))
		v = json_array_get(v, 0);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return NULL;
}

static int param_uint(struct emu_call *call, const json_t *params, const char *name,
		      unsigned long *out)
{
	char buf[32], msg[128];
	const char *s = param(params, name, buf, sizeof buf);
	char *end;
	*out = 0;
	if (!s || !*s)
		return 0;
	*out = strtoul(s, &end, 10);
	if (*end || *s == '-') {
		snprintf(msg, sizeof msg, "strconv.ParseUint: parsing \"%.40s\": invalid syntax",
			 s);
		emu_resp_gw(call->rs, 400, 3, msg);
		return -1;
	}
	return 0;
}

static const char *sort_path(const char *order)
{
	static const char *const orders[][2] = {
	    {"device_id", "ids.device_id"},   {"join_eui", "ids.join_eui"},
	    {"dev_eui", "ids.dev_eui"},	      {"name", "name"},
	    {"description", "description"},   {"created_at", "created_at"},
	    {"last_seen_at", "last_seen_at"},
	};
	for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++)
		if (strcmp(orders[i][0], order) == 0)
			return orders[i][1];
	return NULL;
}

/* filters: [{"updated_since": ts}] (the POST …/devices/filter form). */
static bool updated_since(const json_t *dev, const json_t *filters)
{
	size_t i;
	json_t *f;
	json_array_foreach(filters, i, f)
	{
		const char *since = json_string_value(json_object_get(f, "updated_since"));
		const char *upd = json_string_value(json_object_get(dev, "updated_at"));
		int64_t s1, s2;
		int32_t n1, n2;
		if (!since || !emu_parse_time(since, &s1, &n1))
			continue;
		if (!upd || !emu_parse_time(upd, &s2, &n2) || s2 < s1 || (s2 == s1 && n2 < n1))
			return false;
	}
	return true;
}

void emu_is_list(struct emu_call *call, const json_t *params)
{
	char buf[32], prefix[EMU_ID_MAX + 2], total_s[24], err[256];
	unsigned long limit, page;
	const char *order = param(params, "order", buf, sizeof buf);
	if (param_uint(call, params, "limit", &limit) || param_uint(call, params, "page", &page))
		return;
	bool desc = order && order[0] == '-';
	const char *path = sort_path(order && *order ? order + desc : "device_id");
	if (!path) {
		emu_resp_validation(
		    call->rs, "order",
		    "value must be in list [device_id -device_id join_eui -join_eui "
		    "dev_eui -dev_eui name -name description -description created_at "
		    "-created_at last_seen_at -last_seen_at]",
		    "ListEndDevicesRequestValidationError");
		return;
	}
	if (limit > 1000) {
		emu_resp_validation(call->rs, "limit", "value must be less than or equal to 1000",
				    "ListEndDevicesRequestValidationError");
		return;
	}
	limit = limit ? limit : 100;
	page = page ? page : 1;
	snprintf(prefix, sizeof prefix, "%s/", call->app);
	size_t plen = strlen(prefix);
	const json_t *filters = json_object_get(params, "filters");

	struct emu_store *s = &call->e->store;
	pthread_rwlock_rdlock(&s->lock);
	size_t n = 0, cap = 64;
	struct row *rows = malloc(cap * sizeof *rows);
	const char *k;
	json_t *d;
	json_object_foreach(s->devs[EMU_IS], k, d)
	{
		if (!rows || strncmp(k, prefix, plen) != 0)
			continue;
		if (json_is_array(filters) && !updated_since(d, filters))
			continue;
		if (n == cap) {
			struct row *r = realloc(rows, 2 * cap * sizeof *rows);
			if (!r)
				break;
			rows = r;
			cap *= 2;
		}
		const char *sv = json_string_value(jp_get(d, path));
		rows[n++] = (struct row){d, sv ? sv : "", k + plen};
	}
	if (rows)
		qsort(rows, n, sizeof *rows, row_cmp);
	json_t *out = json_array();
	size_t first = page - 1 >= n ? n : (page - 1) * limit; /* no overflow: n is small */
	for (size_t i = first; rows && i < n && i < first + limit; i++)
		json_array_append_new(out, emu_filter(rows[desc ? n - 1 - i : i].dev, call->mask,
						      EMU_IS, err, sizeof err));
	pthread_rwlock_unlock(&s->lock);
	free(rows);
	snprintf(total_s, sizeof total_s, "%zu", n);
	emu_resp_header(call->rs, "X-Total-Count", total_s);
	emu_resp_json(call->rs, 200, wrap_devices(out));
}
