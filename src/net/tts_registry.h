/*
 * The Things Stack's end-device registry, as one client: what the source
 * (reading, freezing, retiring devices) and the destination (creating,
 * verifying, rolling back) both do with devices, driven by the component
 * table (tts_components.h) over the transport of tts_api.h. A gateway
 * registry sits beside it under its own prefix (tts_gtwreg_).
 *
 * Every call names the device by application and device id; messages are
 * the caller's, which knows what it was doing. Masks built from a device's
 * values go through tts_schema.h (tts_value_paths + tts_mask_path).
 */
#ifndef TTNM_NET_TTS_REGISTRY_H
#define TTNM_NET_TTS_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "net/tts_api.h"

/*
 * Reads the paths (NULL-terminated) of the device from component c.
 * Returns 1 with *out (new reference), 0 when The Things Stack says it is
 * not there (tts_error_not_found; e holds the answer), -1 with e otherwise.
 */
int tts_devreg_find(struct tts_api *api, enum tts_comp c, const char *app, const char *dev,
		    const char *const *paths, json_t **out, struct tts_error *e);

/*
 * A Set on component c of the mask paths (a JSON array), with the values
 * vals holds at them; a path vals lacks or holds as null goes in the mask
 * without a value, which unsets it. The body's ids are the device and
 * application ids given, plus the EUIs of ids_of (may be NULL): the JS and
 * NS want both EUIs in every Set.
 */
int tts_devreg_set_paths(struct tts_api *api, enum tts_comp c, const char *app, const char *dev,
			 const json_t *ids_of, const json_t *vals, const json_t *paths,
			 struct tts_error *e);

/* Sets mac_settings.schedule_downlinks on the Network Server to on. */
int tts_devreg_set_downlinks(struct tts_api *api, const char *app, const char *dev,
			     const json_t *ids_of, bool on, struct tts_error *e);

/*
 * Deletes the device from every component in tts_delete_order (AS, NS, JS,
 * IS). TTS's not-found counts as deleted: ABP devices are not on the JS, a
 * retried request may have taken the first time, a resumed run repeats
 * deletes that went through. done (at least 16 bytes) receives the
 * components deleted from ("AS, NS"). Returns 0, or -1 with *at (may be
 * NULL) the component that failed and e its answer.
 */
int tts_devreg_delete(struct tts_api *api, const char *app, const char *dev, char *done,
		      size_t donelen, enum tts_comp *at, struct tts_error *e);

/* Called with each device of a list page; a negative return stops. */
typedef int (*tts_devreg_fn)(void *ud, const json_t *dev);

enum { TTS_LIST_FAILED = -1, TTS_LIST_MALFORMED = -2, TTS_LIST_STOPPED = -3 };

/*
 * Pages through the Identity Server's list of the application's devices
 * (mask: a JSON array of paths; page_size 1 to 1000) and calls fn with each.
 * Returns 0; TTS_LIST_FAILED with e, or TTS_LIST_MALFORMED (end_devices is
 * not a list), with *page the page; TTS_LIST_STOPPED when fn stopped.
 */
int tts_devreg_list(struct tts_api *api, const char *app, const json_t *mask, int page_size,
		    tts_devreg_fn fn, void *ud, int *page, struct tts_error *e);

/*
 * The part of dev a component stores: the identifiers (without
 * ids.dev_addr, which no Set takes) plus the values the write list owned
 * covers. *paths receives their field mask paths (oneof names in). Returns
 * NULL (err set, naming the path) when a path does not fit a mask.
 */
json_t *tts_devreg_body(const json_t *dev, const char *const *owned, json_t **paths, char *err,
			size_t errlen);

/*
 * Removes what ties a device to a deployment (tts_export_strip_paths) and,
 * with times, the server's created_at and updated_at, which a registry sets
 * itself: the one list of what export (without times) and import (with
 * them) strip.
 */
void tts_devreg_strip(json_t *dev, bool times);

/* GET {NS base}/ns/<route> ("net_id", "dev_addr_prefixes"): 0 with *out (a
 * JSON object), -1 with e. */
int tts_ns_get(struct tts_api *api, const char *route, json_t **out, struct tts_error *e);

#endif
