/*
 * What `check --dest` asks the destination: the Network Server's NetID and
 * DevAddr prefixes, and the ids and EUIs of the application's devices.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "core/jsonpath.h"
#include "core/lorawan.h"
#include "net/tts_registry.h"

#define LIST_LIMIT 1000 /* the Identity Server's maximum page size */

/* GET {NS base}/ns/<route> → JSON object, or NULL with err. */
static json_t *ns_get(struct tts_api *api, const char *route, char *err, size_t errlen)
{
	struct tts_error te = {0};
	json_t *j = NULL;
	if (tts_ns_get(api, route, &j, &te) < 0)
		snprintf(err, errlen, "Network Server, GET /api/v3/ns/%s: %s", route,
			 te.message[0] ? te.message : "failed");
	tts_error_clear(&te);
	return j;
}

static int fetch_net(struct tts_api *api, struct check_opts *opts, char *err, size_t errlen)
{
	json_t *j = ns_get(api, "net_id", err, errlen);
	if (!j)
		return -1;
	const char *id = json_string_value(json_object_get(j, "net_id"));
	char hex[2 * LW_NETID_LEN + 1];
	if (!id || lw_hex_normalize(id, LW_NETID_LEN, hex) < 0) {
		snprintf(err, errlen, "Network Server, GET /api/v3/ns/net_id: no valid net_id");
		json_decref(j);
		return -1;
	}
	json_decref(j);
	snprintf(opts->net_id_buf, sizeof opts->net_id_buf, "%s", hex);
	opts->dest_net_id = opts->net_id_buf;

	if (!(j = ns_get(api, "dev_addr_prefixes", err, errlen)))
		return -1;
	json_t *list = json_array();
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(j, "dev_addr_prefixes"), i, p)
	{
		uint32_t prefix;
		int bits;
		if (lw_prefix_parse(json_string_value(p), &prefix, &bits) < 0) {
			snprintf(
			    err, errlen,
			    "Network Server, GET /api/v3/ns/dev_addr_prefixes: \"%.40s\" is not "
			    "a DevAddr prefix",
			    json_string_value(p) ? json_string_value(p) : "?");
			json_decref(list);
			json_decref(j);
			return -1;
		}
		char text[24];
		snprintf(text, sizeof text, "%08X/%d", (unsigned)prefix, bits);
		json_array_append_new(list, json_string(text));
	}
	json_decref(j);
	json_decref(opts->dest_prefixes);
	opts->dest_prefixes = list;
	return 0;
}

/* What the destination's list says: device ids, and JoinEUI/DevEUI → id. */
struct dest_devices {
	json_t *ids, *euis;
};

static int note_device(void *ud, const json_t *d)
{
	struct dest_devices *dd = ud;
	const char *id = json_string_value(jp_get(d, "ids.device_id"));
	if (!id)
		return 0;
	json_object_set_new(dd->ids, id, json_true());
	const char *de = json_string_value(jp_get(d, "ids.dev_eui"));
	const char *je = json_string_value(jp_get(d, "ids.join_eui"));
	char dh[2 * LW_EUI_LEN + 1], jh[2 * LW_EUI_LEN + 1];
	if (de && je && lw_eui_normalize(de, dh) == 0 && lw_eui_normalize(je, jh) == 0 &&
	    !lw_is_zero_hex(dh)) {
		char key[2 * 2 * LW_EUI_LEN + 2];
		snprintf(key, sizeof key, "%s/%s", jh, dh);
		json_object_set_new(dd->euis, key, json_string(id));
	}
	return 0;
}

static int fetch_devices(struct tts_api *api, const char *app_id, struct check_opts *opts,
			 char *err, size_t errlen)
{
	json_t *paths = json_pack("[ss]", "ids.dev_eui", "ids.join_eui");
	struct dest_devices dd = {json_object(), json_object()};
	struct tts_error te = {0};
	int page = 0, rc = 0;
	int r = tts_devreg_list(api, app_id, paths, LIST_LIMIT, note_device, &dd, &page, &te);
	if (r < 0) {
		snprintf(err, errlen,
			 "Identity Server, listing the devices of application \"%s\": %s", app_id,
			 r == TTS_LIST_MALFORMED ? "the device list is not a list"
			 : te.message[0]	 ? te.message
						 : "failed");
		rc = -1;
	}
	tts_error_clear(&te);
	json_decref(paths);
	json_decref(opts->dest_device_ids);
	json_decref(opts->dest_euis);
	opts->dest_device_ids = dd.ids;
	opts->dest_euis = dd.euis;
	return rc;
}

int check_fetch_dest(struct tts_api *api, const char *app_id, struct check_opts *opts, char *err,
		     size_t errlen)
{
	if (fetch_net(api, opts, err, errlen) < 0)
		return -1;
	return fetch_devices(api, app_id, opts, err, errlen);
}
