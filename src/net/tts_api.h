/*
 * The Things Stack's end-device registries over HTTP/JSON (/api/v3), one base
 * URL per component. Every call is driven by the component table
 * (tts_components.h): route prefix, and the paths each component owns.
 */
#ifndef TTNM_NET_TTS_API_H
#define TTNM_NET_TTS_API_H

#include <jansson.h>
#include <stdbool.h>

#include "net/http.h"
#include "net/tts_components.h"

struct tts_api {
	struct http_client *http;
	char *base[TTS_NCOMP]; /* ".../api/v3", no trailing slash */
};

/* What went wrong with a call, decoded from TTS's google.rpc.Status body. */
struct tts_error {
	long status;        /* HTTP status; 0 = no answer (transport error) */
	int grpc_code;      /* "code" of the body, -1 when absent */
	char name[128];     /* "pkg/networkserver:device_not_found", or "" */
	char message[384];  /* one line for people */
	json_t *forbidden_paths; /* field_mask_paths errors: the paths refused */
	int attempts;
};

void tts_error_clear(struct tts_error *e);
bool tts_error_not_found(const struct tts_error *e);
bool tts_error_is(const struct tts_error *e, const char *name_suffix);

/* Decodes a non-2xx answer (TTS's google.rpc.Status, or whatever a gateway
 * sent) into err: status, grpc_code, name, message, forbidden_paths. body
 * may be NULL; it is read up to len bytes or its first NUL. */
void tts_decode_error(const char *body, size_t len, long status, struct tts_error *err);

/* Decodes a 2xx answer: 0 with *out (new reference) when body is a JSON
 * object; -1 with err ("HTTP 200 with a malformed body ...") otherwise. */
int tts_decode_body(const char *body, size_t len, long status, json_t **out,
		    struct tts_error *err);

/* Builds the base URL of a component from a user-given URL: adds https:// to
 * a bare host, appends /api/v3 unless present. Plain http:// is refused
 * unless the host is loopback or insecure is set. Returns NULL with err. */
char *tts_base_url(const char *url, bool insecure, char *err, size_t errlen);

/* GET the device with the given mask (JSON array of path strings). */
int tts_get_device(struct tts_api *api, enum tts_comp c, const char *app_id, const char *dev_id,
		   const json_t *paths, json_t **out, struct tts_error *err);

/* PUT Set (IS: Update) of the given paths; body holds the values. */
int tts_set_device(struct tts_api *api, enum tts_comp c, const char *app_id, const char *dev_id,
		   const json_t *dev, const json_t *paths, json_t **out, struct tts_error *err);

/* POST IS Create. */
int tts_create_device(struct tts_api *api, const char *app_id, const json_t *dev, json_t **out,
		      struct tts_error *err);

int tts_delete_device(struct tts_api *api, enum tts_comp c, const char *app_id,
		      const char *dev_id, struct tts_error *err);

/* Batch delete (1 to TTS_BATCH_MAX devices) on one component:
 * DELETE .../devices/batch?device_ids=a&device_ids=b. Atomic; devices that
 * are not there are skipped. */
#define TTS_BATCH_MAX 20
int tts_batch_delete(struct tts_api *api, enum tts_comp c, const char *app_id,
		     const char *const *dev_ids, size_t n, struct tts_error *err);

/* One page of the IS list: {"end_devices":[...]} and X-Total-Count. */
int tts_list_devices(struct tts_api *api, const char *app_id, const json_t *paths, int limit,
		     int page, json_t **out, long long *total, struct tts_error *err);

/* Joins a JSON array of strings with commas (for field_mask=). */
char *tts_join_paths(const json_t *paths);

#endif
