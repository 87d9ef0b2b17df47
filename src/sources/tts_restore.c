/*
 * The Things Stack as a source written back to (restore) and its part of a
 * journal's run identity: the source's own options ("tts" scope) opened as a
 * deployment through the destination's client (dest/dest.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "dest/dest.h"
#include "net/tts_api.h"
#include "net/tts_components.h"
#include "sources/tts_restore.h"

struct src_writer {
	struct dest *d;
};

int tts_writer_open(const struct config *cfg, const char *app, struct src_writer **out,
		    struct src_err *err)
{
	*out = calloc(1, sizeof **out);
	if (!*out) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	if (dest_open(cfg, "tts", app, &(*out)->d, err->msg, sizeof err->msg) < 0) {
		err->config = true;
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int tts_put_back(struct src_writer *w, const json_t *device, enum src_put how, struct src_err *err)
{
	if (how == SRC_PUT_REENABLE) {
		/* Downlinks as the export had them (the retirement turned
		 * them off); unset means the server's default, on. */
		const json_t *sd =
		    json_object_get(json_object_get(device, "mac_settings"), "schedule_downlinks");
		return dest_set_downlinks(w->d, device, sd ? json_is_true(sd) : true, err->msg,
					  sizeof err->msg);
	}
	json_t *copy = json_deep_copy(device);
	enum dest_fail df = DEST_REJECTED;
	if (copy && dest_prepare(w->d, copy, NULL, true, err->msg, sizeof err->msg) == 0)
		df = dest_create(w->d, copy, true, err->msg, sizeof err->msg);
	json_decref(copy);
	return df == DEST_OK ? 0 : -1;
}

void tts_writer_close(struct src_writer *w)
{
	if (!w)
		return;
	dest_close(w->d);
	free(w);
}

int tts_identity(const struct config *cfg, json_t *into, struct src_err *err)
{
	/* The URLs as the tool derives them, through the same configuration
	 * code as every request to the source (no request is sent). */
	struct dest *d = NULL;
	if (dest_open(cfg, "tts", "identity", &d, err->msg, sizeof err->msg) < 0)
		return -1;
	struct tts_api *api = dest_api(d);
	for (int c = 0; c < TTS_NCOMP; c++)
		json_object_set_new(into, tts_comps[c].flag_key, json_string(api->base[c]));
	dest_close(d);
	return 0;
}
