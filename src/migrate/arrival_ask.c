#include "migrate/arrival.h"

#include <stdio.h>

#include "dest/dest.h"
#include "net/tts_api.h"
#include "net/tts_components.h"

int arrival_ask(struct dest *dest, const char *dest_id, long long src_fcnt, long long *dst_fcnt,
		double *when, char *err, size_t errlen)
{
	struct tts_api *api = dest_api(dest);
	const char *app = dest_app_id(dest);
	struct tts_error e = {0};
	json_t *mask = json_pack("[s,s]", "session.last_f_cnt_up", "mac_state.recent_uplinks");
	json_t *ns = NULL;
	err[0] = 0;
	int rc = tts_get_device(api, TTS_NS, app, dest_id, mask, &ns, &e);
	json_decref(mask);
	if (rc < 0) {
		int out = 0;
		if (tts_error_not_found(&e)) {
			snprintf(err, errlen,
				 "not at the destination (its Network Server has no device %s)",
				 dest_id);
			out = -1;
		} else {
			snprintf(err, errlen, "the destination: %.380s", e.message);
		}
		tts_error_clear(&e);
		return out;
	}
	long long f = arrival_fcnt(ns);
	if (f >= 0)
		*dst_fcnt = f;
	if (arrival_seen(src_fcnt, ns, NULL, NULL, when)) {
		json_decref(ns);
		return 1;
	}
	json_t *is = NULL;
	mask = json_pack("[s]", "last_seen_at");
	rc = tts_get_device(api, TTS_IS, app, dest_id, mask, &is, &e);
	json_decref(mask);
	int out = 0;
	if (rc == 0) {
		const char *seen = json_string_value(json_object_get(is, "last_seen_at"));
		const char *created = json_string_value(json_object_get(is, "created_at"));
		if (arrival_seen(src_fcnt, ns, seen, created, when))
			out = 1;
	} else {
		/* The NS answered: its word stands; say why the IS did not. */
		snprintf(err, errlen, "the destination's Identity Server: %.380s", e.message);
		tts_error_clear(&e);
	}
	json_decref(is);
	json_decref(ns);
	return out;
}
