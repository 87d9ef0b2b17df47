/*
 * The gateway side of the emulated deployment (README "Gateways"): users and
 * organizations owning gateways, their API keys with rights, the gateway
 * registry of the Identity Server (reg_gw.c), gateway API keys and the
 * Gateway Server's connection stats (gw_store.c). Written from
 * shared/spec/gateways.md §1, §4 and TTS v3.32.1's
 * pkg/identityserver/gateway_registry.go, gateway_access.go,
 * pkg/ttnpb/public.go and pkg/gatewayserver/grpc.go.
 */
#ifndef TTS_EMULATOR_GW_H
#define TTS_EMULATOR_GW_H

#include "emu.h"

/* The concrete gateway rights (rights.proto, without RIGHT_GATEWAY_ALL). */
#define EMU_GATEWAY_NRIGHTS 12

enum emu_owner { EMU_OWNER_NONE = 0, EMU_OWNER_USER, EMU_OWNER_ORG, EMU_OWNER_GATEWAY };

/*
 * Everything below is guarded by lock. gws: gateway id → the gateway as
 * stored (with deleted_at once soft-deleted; ids stay reserved); owner:
 * gateway id → "user:ID" or "org:ID" (the one collaborator, with all rights);
 * euis: EUI → gateway id, only for gateways that are not deleted; keys: key id
 * → {"gateway_id","secret","api_key":{id,name,rights,created_at,…}}; stats:
 * gateway id → GatewayConnectionStats.
 */
struct emu_gw {
	pthread_rwlock_t lock;
	json_t *gws;
	json_t *owner;
	json_t *euis;
	json_t *keys;
	json_t *stats;
	json_t *lns; /* gateway id → the key id its LNS connection used (cups.c) */
};

/* Who calls: the key's account (or gateway) and the key's rights. */
struct emu_caller {
	bool authenticated;
	int kind;		    /* enum emu_owner */
	char owner[EMU_ID_MAX + 1]; /* user, organization or gateway id */
	json_t *rights;		    /* the key's rights (owned); NULL = every right */
	char key_id[128];
};

/* gw_store.c */
struct emu_gw *emu_gw_new(void);
void emu_gw_free(struct emu_gw *g);
/* --user-key, --org-key, --key-rights, --gateway-limit, --seed-gateways:
 * 1 when taken, 0 when not a gateway option, -1 with err on a bad value. */
int emu_gw_option(struct emu_config *c, const char *name, const char *val, char *err,
		  size_t errcap);
void emu_gw_free_key(struct emu_key *k);
int emu_gw_seed(struct emu *e, const char *path, char *err, size_t errcap);
/* /_emulator/gateways…: true when the route is a gateway admin route. */
bool emu_gw_admin(struct emu *e, const char *method, const char *url, const char *body,
		  size_t body_len, struct emu_resp *rs);
/* A gateway API key: 1 valid, 0 unknown id, -1 wrong secret, -2 expired. */
int emu_gw_key_check(struct emu_gw *g, const char *id, const char *secret);
/* Resolves the Authorization header; false with rs filled on a bad credential. */
bool emu_caller_resolve(const struct emu *e, const char *authorization, struct emu_caller *c,
			struct emu_resp *rs);
void emu_caller_free(struct emu_caller *c);
/* The caller's rights on a gateway (concrete gateway rights, sorted as TTS's enum);
 * deleted gateways count only with include_deleted. Lock held by the caller. */
json_t *emu_gw_rights(const struct emu_gw *g, const struct emu_caller *c, const char *gtw_id,
		      bool include_deleted);
/* The key grants a right named exactly, or through RIGHT_ALL / RIGHT_*_ALL. */
bool emu_caller_has(const struct emu_caller *c, const char *right);
bool emu_right_known(const char *right);
/* proto3 booleans of a Gateway: absent → false. */
void emu_gw_default_bools(json_t *gw);
/* Whether the rights array holds right. */
bool emu_rights_have(const json_t *rights, const char *right);
/* The admin route's connection update (lock held). */
int emu_gw_conn_seed(struct emu_gw *g, const char *id, const json_t *conn, char *err,
		     size_t errcap);

/* cups.c: POST /update-info and /_emulator/lns/EUI; false when the route is
 * neither. */
bool emu_cups(struct emu *e, const char *method, const char *url, const char *authorization,
	      const char *body, size_t len, struct emu_resp *rs);
/* Ends LNS connections as the Gateway Server does: the one of gateway_id
 * (its gateway_server_address changed, or it was deleted), and every one
 * made with key_id (the key lost LINK, or was deleted). Either may be NULL.
 * Lock held. */
void emu_lns_drop(struct emu_gw *g, const char *gateway_id, const char *key_id);

/* auth.c */
int emu_parse_auth(const char *authorization, char *buf, size_t cap, const char **id,
		   const char **secret);

/* reg_gw.c: serves a gateway route (seg: the path after /api/v3); false when it is none. */
/* One --seed-gateways line {"gateway":{…},"owner":{"user_id"|"organization_id":…}[,
 * "connection":{…}]} (lock held). */
int emu_gw_seed_one(struct emu_gw *g, json_t *line, char *err, size_t errcap);
bool emu_gw_api(struct emu *e, const struct emu_req *rq, char **seg, size_t n, struct emu_resp *rs);

#endif
