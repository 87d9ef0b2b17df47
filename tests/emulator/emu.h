/*
 * tts-emulator: a stand-in for The Things Stack's end-device HTTP API, for
 * the integration tests, the demo and the benchmarks (see README.md).
 *
 * Layout: main.c (options, start, stop), http.c (libmicrohttpd glue, admin
 * routes, request log, fault knobs), api.c (routing and the checks every
 * call shares), reg_is.c / reg_ns.c / reg_jsas.c (the four registries),
 * store.c (devices and seed), auth.c (API keys, rate limit), errors.c (TTS
 * error bodies), normalize.c (input JSON), freqplan.c (frequency plans,
 * default MAC state), fieldmask.c (masks and oneofs, on the generated tables
 * of fieldmask_table.c), util.c; gateways, accounts' keys and connection
 * stats: gw.h, gw_store.c, reg_gw.c.
 */
#ifndef TTS_EMULATOR_EMU_H
#define TTS_EMULATOR_EMU_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fieldmask.h"

/* The Things Stack caps messages at 16 MiB. */
#define EMU_MAX_BODY (16u * 1024u * 1024u)
#define EMU_ID_MAX   36

/* The four end-device registries of a TTS deployment, in TTS's creation order. */
enum emu_comp { EMU_IS = 0, EMU_JS, EMU_NS, EMU_AS, EMU_NCOMP };

/* ---- configuration -------------------------------------------------- */

/* --fail-route METHOD:PATH_SUBSTRING:STATUS */
struct emu_fail_route {
	char *method;
	char *substring;
	unsigned status;
};

struct emu_key {
	char *id;
	char *secret;
	char **apps;	/* NULL-terminated; NULL = every application */
	int owner_kind; /* enum emu_owner (gw.h): 0 = a plain --api-key key */
	char *owner;	/* the user or organization id, or NULL */
	char **rights;	/* NULL-terminated; NULL = every right (--key-rights) */
};

struct emu_config {
	const char *host;
	unsigned port;
	const char *seed_path;
	struct emu_key *keys;
	size_t nkeys;
	unsigned latency_ms;
	unsigned rate_limit; /* requests per minute per key; 0 = off */
	/* --rate-limit-class CLASS=N[/BURST]: TTS's per-class limits (§4). */
	struct emu_rl_class {
		char *name; /* "grpc:method:/ttn.lorawan.v3.X/Y" */
		unsigned limit, burst;
	} * rl_classes;
	size_t nrl_classes;
	unsigned fail_every;
	unsigned fail_status;
	unsigned throttle_every;
	unsigned drop_every;
	unsigned apply_drop_every;		  /* every K-th write: applied, then no answer */
	unsigned ingress404_every;		  /* every K-th API request: plain-text 404 */
	struct emu_fail_route *ingress404_routes; /* status unused */
	size_t ningress404_routes;
	bool echo_body_errors;		    /* requests with a body: 400 quoting the body */
	struct emu_fail_route *echo_routes; /* limits echo_body_errors; none = all */
	size_t necho_routes;
	struct emu_fail_route *missing_rights; /* substring route, "status" unused */
	char **missing_right_names;	       /* parallel to missing_rights */
	size_t nmissing_rights;
	unsigned retry_after; /* Retry-After of --throttle-every (default 1) */
	char **reject_paths;  /* NULL-terminated */
	size_t nreject;
	struct emu_fail_route *fail_routes;
	size_t nfail_routes;
	struct emu_fail_route *omit_routes; /* --answer-omit: route, "status" unused */
	char **omit_paths;		    /* parallel: the path left out of 2xx answers */
	size_t nomit;
	const char *tls_cert;
	const char *tls_key;
	bool quiet;
	char net_id[7];
	char **prefixes; /* NULL-terminated dev addr prefixes, "260B0000/16" */
	size_t nprefixes;
	size_t log_max;
	unsigned gateway_limit;	   /* --gateway-limit: 0 = none */
	const char *seed_gateways; /* --seed-gateways FILE */
	bool cups_uri_update;	   /* --cups-uri-update: gcs.basic-station.allow-cups-uri-update */
	/* Packet Broker (ns_uplink.c): --pb-route P/N=URL, this deployment as a
	 * Forwarder with a routing policy towards the Home Network at URL,
	 * whose DevAddr block is P/N; --pb-tenant, --pb-cluster: its identity. */
	struct emu_pb_route {
		char prefix[24];
		char *home;
	} * pb_routes;
	size_t npb_routes;
	const char *pb_tenant, *pb_cluster;
};

/* ---- store -------------------------------------------------------------- */

/*
 * One table per component. Devices live in jansson objects used as hash
 * tables keyed "app/dev" ('/' cannot occur in an id); jansson keeps insertion
 * order, which gives the admin dump and ties in List a deterministic order.
 * euis[c] maps "JOINEUI/DEVEUI" to the owning "app/dev" key.
 *
 * Invariant: everything in the store is only touched with `lock` held
 * (read for lookups, write for changes), and nothing stored is ever handed
 * out: readers deep-copy what they return before releasing the lock.
 */
struct emu_store {
	pthread_rwlock_t lock;
	json_t *devs[EMU_NCOMP];
	json_t *euis[EMU_NCOMP];
};

struct emu_bucket {
	char *key_id;
	double tokens;
	double last; /* monotonic seconds */
};

struct emu_log_entry {
	char method[12];
	char *path;
	char *query;
	json_t *error; /* {"error":"ns:name"[, "forbidden_paths":[…]]} of a TTS error, or NULL */
	unsigned status;
};

struct emu {
	struct emu_config cfg;
	struct emu_store store;
	atomic_ulong nrequests; /* API requests seen, for the every-K-th knobs */
	atomic_ulong nwrites;	/* API write requests (PUT, POST, DELETE) seen */

	pthread_mutex_t rl_lock; /* guards buckets */
	struct emu_bucket *buckets;
	size_t nbuckets;

	pthread_mutex_t log_lock; /* guards the ring below and stats */
	struct emu_log_entry *log;
	size_t log_start, log_len;

	struct emu_gw *gw; /* gateways, accounts' keys, connection stats (gw.h) */
	/* /_emulator/stats: {"METHOD route": {"count","ok","failed"}}, every API
	 * request (also beyond --log-max), ids in the route replaced by {app},
	 * {dev}. */
	json_t *stats;
};

/* ---- requests and responses ----------------------------------------- */

struct emu_req {
	const char *method;
	const char *path;	   /* decoded, without query, e.g. "/api/v3/ns/net_id" */
	json_t *query;		   /* {"name": ["v1", "v2"]} in request order */
	const char *authorization; /* NULL when absent */
	const char *body;
	size_t body_len;
};

#define EMU_MAX_HEADERS 12
struct emu_resp {
	unsigned status;
	json_t *body;	    /* owned */
	const char *text;   /* when set: a plain-text body instead of JSON (static) */
	unsigned char *bin; /* when set: an application/octet-stream body (owned), e.g. CUPS */
	size_t bin_len;
	size_t nheaders;
	struct {
		char name[32];
		char value[256];
	} headers[EMU_MAX_HEADERS];
};

/* errors.c */
unsigned emu_grpc_to_http(int code);
int emu_http_to_grpc(unsigned status);
void emu_resp_header(struct emu_resp *rs, const char *name, const char *value);
void emu_resp_json(struct emu_resp *rs, unsigned status, json_t *body);
/* A TTS error: message_format gets `{name}` replaced from attrs (stolen, may be NULL). */
void emu_resp_err(struct emu_resp *rs, int grpc, const char *ns, const char *name,
		  const char *message_format, json_t *attrs);
/* A gateway-level error (bad JSON, bad query, routing): no details. */
void emu_resp_gw(struct emu_resp *rs, unsigned status, int grpc, const char *message);
void emu_resp_validation(struct emu_resp *rs, const char *field, const char *reason,
			 const char *type_name);
void emu_resp_field_value(struct emu_resp *rs, const char *ns, const char *field);

/* util.c */
void emu_rand_init(void);
uint64_t emu_rand64(void);
void emu_rand_hex(char *out, size_t nbytes); /* out holds 2*nbytes+1 */
void emu_request_id(char out[37]);
void emu_now(char out[32]); /* 2024-01-02T03:04:05.123456Z */
double emu_monotonic(void);
bool emu_id_ok(const char *id, const char **reason);
bool emu_id_blocked(const char *id);
/* Parses an RFC 3339 UTC time ending in Z; returns false when malformed. */
bool emu_parse_time(const char *s, int64_t *sec, int32_t *nsec);
char **emu_split_list(const char *s, char sep, size_t *n); /* NULL-terminated */
/* A byte field (EUI, DevAddr, key as hex) that is absent, empty or all zero. */
bool emu_bytes_zero(const json_t *v);
/* Two optional strings differ (absent vs present counts). */
bool emu_str_differs(const json_t *a, const json_t *b);
void emu_free_list(char **l);

/* normalize.c */
/*
 * Rewrites an input device (or any request object) in place into the form
 * the store keeps: snake_case keys, upper-case hex for EUIs, DevAddr, NetID
 * and keys, padded base64 for session key ids, canonical version enum names,
 * frequencies as strings. Returns the new value (reference stolen from v),
 * or NULL with err filled when a value cannot be parsed.
 */
json_t *emu_normalize(json_t *v, char *err, size_t errcap);
char *emu_snake_path(const char *path); /* camelCase segments → snake_case; malloc'd */
int emu_mac_rank(const char *mac);	/* 10 for 1.0 ... 20 for 1.1; 0 unknown */
int emu_phy_number(const char *phy);	/* enum number; 0 unknown */

/* freqplan.c */
struct emu_fp;
const struct emu_fp *emu_fp_find(const char *id);
const char *emu_fp_band(const struct emu_fp *fp);
bool emu_band_has_phy(const char *band, int phy_number);
json_t *emu_fp_mac_state(const struct emu_fp *fp, const char *mac_version, const json_t *settings);

/* store.c */
int emu_store_init(struct emu_store *s);
void emu_store_free(struct emu_store *s);
void emu_store_clear(struct emu_store *s);
void emu_dev_key(char *out, size_t cap, const char *app, const char *dev);
/* "JOINEUI/DEVEUI" of a device, or false when either EUI is absent. */
bool emu_eui_key(const json_t *dev, char *out, size_t cap);
/* Inserts or replaces (reference stolen), keeping the EUI index in step. */
void emu_store_put(struct emu_store *s, enum emu_comp c, const char *key, json_t *dev);
void emu_store_del(struct emu_store *s, enum emu_comp c, const char *key);
json_t *emu_store_dump(struct emu_store *s); /* takes the read lock */
int emu_seed_load(struct emu *e, const char *path, char *err, size_t errcap);
/* The NS-side derivations shared by seeding and Set (see reg_ns.c). */
void emu_ns_derive(json_t *dev, bool started_now);
void emu_prune_plain_zero(json_t *dev);
/* Puts the identifiers in the order TTS prints them (cosmetic). */
void emu_order_ids(json_t *dev);
/* Sets ids.dev_addr from session.dev_addr, or removes it. */
void emu_sync_dev_addr(json_t *dev);

/* auth.c */
int emu_keys_add(struct emu_config *cfg, const char *spec, char *err, size_t errcap);
/* 0 when the Authorization header grants access to app; else fills rs. */
int emu_auth(const struct emu *e, const char *authorization, const char *app, struct emu_resp *rs);
/* The key id named by an Authorization header, or "" (for rate limiting). */
void emu_auth_key_id(const char *authorization, char *out, size_t cap);
/* Takes a token; adds X-Rate-Limit-* headers; false (rs = 429) when empty. */
bool emu_ratelimit(struct emu *e, const char *key_id, struct emu_resp *rs);
/* The same headers without taking a token (responses that never reached the limiter). */
void emu_ratelimit_peek(struct emu *e, const char *key_id, struct emu_resp *rs);
void emu_ratelimit_free(struct emu *e);
/* The per-class limit of the gRPC method full_method (if one is configured),
 * bucket per method, entity and key as TTS's grpcMethodResource; false (rs =
 * 429 naming the bucket) when empty. */
bool emu_ratelimit_class(struct emu *e, const char *full_method, const char *entity,
			 const char *key_id, struct emu_resp *rs);
void emu_resp_rate_limited(struct emu_resp *rs, unsigned limit, unsigned available, unsigned reset,
			   unsigned retry, const char *key);

/* api.c */
void emu_api(struct emu *e, const struct emu_req *rq, struct emu_resp *rs);

/* ns_uplink.c: POST /_emulator/gateways/{id}/uplink, GET|DELETE /_emulator/uplinks. */
bool emu_uplink_admin(struct emu *e, const char *method, const char *url, const char *body,
		      size_t body_len, struct emu_resp *rs);

/* http.c */
/* Serves until SIGINT/SIGTERM (which the caller has blocked); 0 on a clean stop. */
int emu_http_run(struct emu *e);
void emu_log_free(struct emu *e);

/* ---- registries (api.c sets up a call; reg_*.c do the work) ----------- */

struct emu_call {
	struct emu *e;
	const struct emu_req *rq;
	struct emu_resp *rs;
	enum emu_comp comp;
	char app[EMU_ID_MAX + 1];
	char dev[EMU_ID_MAX + 1];
	json_t *mask;	/* array of path strings; never NULL */
	bool has_mask;	/* the request carried a (possibly empty) field mask */
	json_t *device; /* the request's end_device, normalized; never NULL */
	json_t *body;	/* the whole parsed body, or NULL */
};

/* Shared helpers (api.c). */
/* The device as a Get with mask returns it; NULL with err on a oneof conflict. */
json_t *emu_filter(const json_t *dev, const json_t *mask, enum emu_comp c, char *err,
		   size_t errcap);
/* 500 with a plain error text (what TTS answers for SetFields' untyped errors). */
void emu_resp_untyped(struct emu_resp *rs, const char *text);
bool emu_mask_has(const json_t *mask, const char *path);
void emu_not_found(struct emu_call *call, bool del);
void emu_euis_taken(struct emu_resp *rs, const char *ns, const json_t *dev, const char *owner);

void emu_is_create(struct emu_call *call);
void emu_is_get(struct emu_call *call);
void emu_is_update(struct emu_call *call);
void emu_is_delete(struct emu_call *call);
void emu_is_list(struct emu_call *call, const json_t *params);
void emu_is_batch_get(struct emu_call *call, const json_t *ids);
void emu_batch_delete(struct emu_call *call, const json_t *ids);
void emu_comp_get(struct emu_call *call);
void emu_comp_delete(struct emu_call *call);
void emu_comp_set(struct emu_call *call, const char *redis_ns,
		  bool (*check)(struct emu_call *, const json_t *stored, json_t *merged));
void emu_js_set(struct emu_call *call);
void emu_as_set(struct emu_call *call);
void emu_ns_set(struct emu_call *call);

#endif
