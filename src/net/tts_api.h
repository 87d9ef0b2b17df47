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

struct tts_breaker;

struct tts_api {
	struct http_client *http;
	char *base[TTS_NCOMP];	     /* ".../api/v3", no trailing slash */
	const char *who;	     /* "source" or "destination", for messages */
	struct tts_breaker *breaker; /* NULL: no circuit breaker */
};

/* What went wrong with a call, decoded from TTS's google.rpc.Status body. */
struct tts_error {
	long status;		 /* HTTP status; 0 = no answer (transport error) */
	int grpc_code;		 /* "code" of the body, -1 when absent */
	char name[128];		 /* "pkg/networkserver:device_not_found", or "" */
	char message[384];	 /* one line for people */
	json_t *forbidden_paths; /* field_mask_paths errors: the paths refused */
	char missing[128];	 /* insufficient_*_rights: the rights TTS says are missing */
	int attempts;
	bool maybe_applied; /* a POST whose answer was lost (see http.h) */
};

void tts_error_clear(struct tts_error *e);

/*
 * "Not there", as The Things Stack says it: a 404 whose body is TTS's error
 * with the not-found name of a device registry: IS
 * pkg/identityserver/store:end_device_not_found, JS
 * pkg/joinserver:device_not_found, NS pkg/networkserver:device_not_found, AS
 * pkg/applicationserver:device_not_found, or pkg/redis:not_found (what the
 * NS and AS registries answer on Get). Any other 404 (an ingress's plain
 * text, grpc-gateway's {"code":5,"message":"Not Found"} for an unknown route,
 * another TTS error such as pkg/frequencyplans:not_found) is not: the device
 * may well be there.
 */
bool tts_error_not_found(const struct tts_error *e);
/* The same, only with the names component c answers. */
bool tts_error_not_found_at(const struct tts_error *e, enum tts_comp c);
bool tts_error_is(const struct tts_error *e, const char *name_suffix);

/* The circuit breaker of one deployment (see tts_api.c); tts_api_configure
 * makes one. */
struct tts_breaker *tts_breaker_new(void);
void tts_breaker_free(struct tts_breaker *b);

/* For http_opts.answer_is_fault: a 404 that is not a TTS error with a name
 * (an ingress or gateway, not the API, answered) is a server fault. */
bool tts_answer_is_fault(long status, const char *body, size_t len);

/* Decodes a non-2xx answer (TTS's google.rpc.Status, or whatever a gateway
 * sent) into err: status, grpc_code, name, message, forbidden_paths. body
 * may be NULL; it is read up to len bytes or its first NUL. */
void tts_decode_error(const char *body, size_t len, long status, struct tts_error *err);

/* Decodes a 2xx answer: 0 with *out (new reference) when body is a JSON
 * object; -1 with err ("HTTP 200 with a malformed body ...") otherwise. */
int tts_decode_body(const char *body, size_t len, long status, json_t **out, struct tts_error *err);

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

/*
 * POST IS Create. A create is not retried blindly: when its answer is lost
 * (a dropped connection after sending, a timeout, 502/503/504 or another
 * fault answer), the IS device is read back (field mask "ids"): there with
 * the ids and EUIs that were sent → it took effect (0, *out = what was
 * read); absent (TTS's not-found) → the create is sent again; anything else
 * → -1 with err saying the outcome is unknown. A 409 id_taken after a retried
 * create whose read-back shows the EUIs that were sent is success too.
 */
int tts_create_device(struct tts_api *api, const char *app_id, const json_t *dev, json_t **out,
		      struct tts_error *err);

/* Reads the IS device under dev's id (mask "ids"): 1 when it has the ids and
 * EUIs of dev (*out, may be NULL, = what was read), 0 when TTS says it is not
 * there, -1 otherwise (err; status 409 when it is another device). */
int tts_created_as_sent(struct tts_api *api, const char *app_id, const json_t *dev, json_t **out,
			struct tts_error *err);

int tts_delete_device(struct tts_api *api, enum tts_comp c, const char *app_id, const char *dev_id,
		      struct tts_error *err);

/* Batch delete (1 to TTS_BATCH_MAX devices) on one component:
 * DELETE .../devices/batch?device_ids=a&device_ids=b. Atomic; devices that
 * are not there are skipped. */
#define TTS_BATCH_MAX 20
int tts_batch_delete(struct tts_api *api, enum tts_comp c, const char *app_id,
		     const char *const *dev_ids, size_t n, struct tts_error *err);

/* IS batch Get (1 to TTS_BATCH_MAX devices) with the given mask:
 * GET .../devices/batch?device_ids=a&device_ids=b&field_mask=...; *out is
 * {"end_devices":[...]} (devices that are not there are left out, {} when
 * none is). */
int tts_batch_get_devices(struct tts_api *api, const char *app_id, const char *const *dev_ids,
			  size_t n, const json_t *paths, json_t **out, struct tts_error *err);

/* One page of the IS list: {"end_devices":[...]} and X-Total-Count. */
int tts_list_devices(struct tts_api *api, const char *app_id, const json_t *paths, int limit,
		     int page, json_t **out, long long *total, struct tts_error *err);

/* Joins a JSON array of strings with commas (for field_mask=). */
char *tts_join_paths(const json_t *paths);

#endif
