/*
 * The Things Stack's gateway registry (Identity Server), gateway API keys
 * and the Gateway Server's connection stats, over HTTP/JSON (/api/v3), as
 * ../shared/spec/gateways.md §1 and §4.1 describe them. Requests go to the
 * Identity Server's base URL of the connection (api->base[TTS_IS]).
 */
#ifndef TTNM_NET_TTS_GATEWAYS_H
#define TTNM_NET_TTS_GATEWAYS_H

#include <jansson.h>
#include <stdbool.h>

#include "cli/options.h"
#include "net/tts_api.h"

/* A failed call: TTS's error, and details[0].attributes (NULL when none),
 * e.g. gateway_eui_taken's gateway_id of the holder. */
struct tgw_error {
	struct tts_error e;
	json_t *attrs;
};
void tgw_error_clear(struct tgw_error *err);

/* The account gateways are listed or created under: exactly one of user and
 * organization, or neither (list: the caller's gateways). */
struct tgw_account {
	const char *user, *organization;
};

/* The paths of every registry field that is not a secret (§1.3, §1.5). */
extern const char *const tgw_registry_paths[];
/* The secret ones (READ_SECRETS): lbs_lns_secret, target_cups_key,
 * claim_authentication_code. */
extern const char *const tgw_secret_paths[];

/* Whether s is a valid gateway (or user/organization) ID (§1.8). */
bool tgw_valid_id(const char *s);

/* One page of the account's gateways, ordered by gateway_id, with the mask
 * (comma-joined paths; "" for none): {"gateways":[...]} and X-Total-Count. */
int tgw_list(struct tts_api *api, const struct tgw_account *acct, const char *mask, int limit,
	     int page, json_t **out, long long *total, struct tgw_error *err);
int tgw_get(struct tts_api *api, const char *id, const char *mask, json_t **out,
	    struct tgw_error *err);
/* POST {"gateway": gw} under the account; *out the created gateway. */
int tgw_create(struct tts_api *api, const struct tgw_account *acct, const json_t *gw, json_t **out,
	       struct tgw_error *err);
/* A key's rights without RIGHT_GATEWAY_LINK (a new array), never empty: TTS
 * deletes a key given no rights, so INFO (harmless) is left then. */
json_t *tgw_rights_without_link(const json_t *rights);

/* DELETE /gateways/{id} (a soft delete: the ID stays taken; the EUI is
 * released). 0 also when it is already gone (404). */
int tgw_delete(struct tts_api *api, const char *id, struct tgw_error *err);
/* PUT with {"gateway": gw, "field_mask": {"paths": paths}}. */
int tgw_update(struct tts_api *api, const char *id, const json_t *gw, const json_t *paths,
	       struct tgw_error *err);
/* POST /gateways/{id}/api-keys: *out {id,key,name,rights,...} (the only place
 * the key appears; the caller registers it with the redactor). */
int tgw_key_create(struct tts_api *api, const char *id, const char *name, const char *const *rights,
		   json_t **out, struct tgw_error *err);
/* GET /gateways/{id}/api-keys (metadata only), every page: *out an array. */
int tgw_key_list(struct tts_api *api, const char *id, json_t **out, struct tgw_error *err);
/* PUT /gateways/{id}/api-keys/{key_id} {"api_key":{"rights":rights},
 * "field_mask":{"paths":["rights"]}}: the key's rights become these (TTS
 * deletes a key given none; callers never do). */
int tgw_key_set_rights(struct tts_api *api, const char *id, const char *key_id,
		       const json_t *rights, struct tgw_error *err);
/* GET /gateways/{id}/rights: *out the caller's rights (an array, maybe empty). */
int tgw_rights(struct tts_api *api, const char *id, json_t **out, struct tgw_error *err);
/* GET /gs/gateways/{id}/connection/stats: 1 with *out, 0 when not connected
 * (404 pkg/gatewayserver:not_connected), -1 with err. */
int tgw_conn_stats(struct tts_api *api, const char *id, json_t **out, struct tgw_error *err);

/* Configures a connection for gateways: the key is the scope's api-key,
 * else its app-api-key (or -file). */
int tgw_api_configure(struct tts_api *api, const struct config *cfg, const char *scope, char *err,
		      size_t errlen);

#endif
