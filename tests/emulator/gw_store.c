/*
 * The gateway store, accounts' keys and rights, gateway API keys, connection
 * stats, the gateway options, the gateway seed and the /_emulator/gateways
 * admin routes (see gw.h and README "Gateways").
 */
#include "gw.h"

#include "core/jsonpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- rights (api/ttn/lorawan/v3/rights.proto) ------------------------------- */

/* The concrete gateway rights, in the enum's order. */
static const char *const gateway_rights[EMU_GATEWAY_NRIGHTS + 1] = {
    "RIGHT_GATEWAY_INFO",
    "RIGHT_GATEWAY_SETTINGS_BASIC",
    "RIGHT_GATEWAY_SETTINGS_API_KEYS",
    "RIGHT_GATEWAY_SETTINGS_COLLABORATORS",
    "RIGHT_GATEWAY_DELETE",
    "RIGHT_GATEWAY_TRAFFIC_READ",
    "RIGHT_GATEWAY_TRAFFIC_DOWN_WRITE",
    "RIGHT_GATEWAY_LINK",
    "RIGHT_GATEWAY_STATUS_READ",
    "RIGHT_GATEWAY_LOCATION_READ",
    "RIGHT_GATEWAY_WRITE_SECRETS",
    "RIGHT_GATEWAY_READ_SECRETS",
    NULL,
};

static const char *const other_rights[] = {
    "RIGHT_USER_INFO",
    "RIGHT_USER_SETTINGS_BASIC",
    "RIGHT_USER_LIST",
    "RIGHT_USER_CREATE",
    "RIGHT_USER_SETTINGS_API_KEYS",
    "RIGHT_USER_DELETE",
    "RIGHT_USER_AUTHORIZED_CLIENTS",
    "RIGHT_USER_APPLICATIONS_LIST",
    "RIGHT_USER_APPLICATIONS_CREATE",
    "RIGHT_USER_GATEWAYS_LIST",
    "RIGHT_USER_GATEWAYS_CREATE",
    "RIGHT_USER_CLIENTS_LIST",
    "RIGHT_USER_CLIENTS_CREATE",
    "RIGHT_USER_ORGANIZATIONS_LIST",
    "RIGHT_USER_ORGANIZATIONS_CREATE",
    "RIGHT_USER_NOTIFICATIONS_READ",
    "RIGHT_USER_ALL",
    "RIGHT_APPLICATION_INFO",
    "RIGHT_APPLICATION_SETTINGS_BASIC",
    "RIGHT_APPLICATION_SETTINGS_API_KEYS",
    "RIGHT_APPLICATION_SETTINGS_COLLABORATORS",
    "RIGHT_APPLICATION_SETTINGS_PACKAGES",
    "RIGHT_APPLICATION_DELETE",
    "RIGHT_APPLICATION_DEVICES_READ",
    "RIGHT_APPLICATION_DEVICES_WRITE",
    "RIGHT_APPLICATION_DEVICES_READ_KEYS",
    "RIGHT_APPLICATION_DEVICES_WRITE_KEYS",
    "RIGHT_APPLICATION_TRAFFIC_READ",
    "RIGHT_APPLICATION_TRAFFIC_UP_WRITE",
    "RIGHT_APPLICATION_TRAFFIC_DOWN_WRITE",
    "RIGHT_APPLICATION_LINK",
    "RIGHT_APPLICATION_ALL",
    "RIGHT_CLIENT_ALL",
    "RIGHT_GATEWAY_ALL",
    "RIGHT_ORGANIZATION_INFO",
    "RIGHT_ORGANIZATION_SETTINGS_BASIC",
    "RIGHT_ORGANIZATION_SETTINGS_API_KEYS",
    "RIGHT_ORGANIZATION_SETTINGS_MEMBERS",
    "RIGHT_ORGANIZATION_DELETE",
    "RIGHT_ORGANIZATION_APPLICATIONS_LIST",
    "RIGHT_ORGANIZATION_APPLICATIONS_CREATE",
    "RIGHT_ORGANIZATION_GATEWAYS_LIST",
    "RIGHT_ORGANIZATION_GATEWAYS_CREATE",
    "RIGHT_ORGANIZATION_CLIENTS_LIST",
    "RIGHT_ORGANIZATION_CLIENTS_CREATE",
    "RIGHT_ORGANIZATION_ADD_AS_COLLABORATOR",
    "RIGHT_ORGANIZATION_ALL",
    "RIGHT_SEND_INVITES",
    "RIGHT_ALL",
    NULL,
};

static bool in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (strcmp(*l, s) == 0)
			return true;
	return false;
}

bool emu_right_known(const char *right)
{
	return in_list(gateway_rights, right) || in_list(other_rights, right);
}

bool emu_rights_have(const json_t *rights, const char *right)
{
	size_t i;
	json_t *v;
	json_array_foreach(rights, i, v)
	{
		const char *r = json_string_value(v);
		if (r && strcmp(r, right) == 0)
			return true;
	}
	return false;
}

bool emu_caller_has(const struct emu_caller *c, const char *right)
{
	if (!c->rights)
		return true;
	if (emu_rights_have(c->rights, right) || emu_rights_have(c->rights, "RIGHT_ALL"))
		return true;
	static const char *const families[][2] = {{"RIGHT_GATEWAY_", "RIGHT_GATEWAY_ALL"},
						  {"RIGHT_USER_", "RIGHT_USER_ALL"},
						  {"RIGHT_ORGANIZATION_", "RIGHT_ORGANIZATION_ALL"},
						  {"RIGHT_APPLICATION_", "RIGHT_APPLICATION_ALL"}};
	for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
		if (strncmp(right, families[i][0], strlen(families[i][0])) == 0 &&
		    emu_rights_have(c->rights, families[i][1]))
			return true;
	/* Implied rights: LINK implies INFO (rights.proto). */
	return strcmp(right, "RIGHT_GATEWAY_INFO") == 0 &&
	       emu_rights_have(c->rights, "RIGHT_GATEWAY_LINK");
}

json_t *emu_gw_rights(const struct emu_gw *g, const struct emu_caller *c, const char *gtw_id,
		      bool include_deleted)
{
	json_t *out = json_array();
	const json_t *gw = json_object_get(g->gws, gtw_id);
	if (!gw || (!include_deleted && json_object_get(gw, "deleted_at")))
		return out;
	const char *owner = json_string_value(json_object_get(g->owner, gtw_id));
	char want[2 * EMU_ID_MAX];
	if (c->kind == EMU_OWNER_USER || c->kind == EMU_OWNER_ORG)
		snprintf(want, sizeof want, "%s:%s", c->kind == EMU_OWNER_USER ? "user" : "org",
			 c->owner);
	bool member = (c->kind == EMU_OWNER_GATEWAY && strcmp(c->owner, gtw_id) == 0) ||
		      ((c->kind == EMU_OWNER_USER || c->kind == EMU_OWNER_ORG) && owner &&
		       strcmp(owner, want) == 0);
	if (!member)
		return out;
	for (const char *const *r = gateway_rights; *r; r++)
		if (emu_caller_has(c, *r))
			json_array_append_new(out, json_string(*r));
	return out;
}

/* ---- the store ---------------------------------------------------------------- */

struct emu_gw *emu_gw_new(void)
{
	struct emu_gw *g = calloc(1, sizeof *g);
	if (!g || pthread_rwlock_init(&g->lock, NULL) != 0) {
		free(g);
		return NULL;
	}
	g->gws = json_object();
	g->owner = json_object();
	g->euis = json_object();
	g->keys = json_object();
	g->stats = json_object();
	g->lns = json_object();
	return g;
}

static void gw_clear(struct emu_gw *g)
{
	json_object_clear(g->gws);
	json_object_clear(g->owner);
	json_object_clear(g->euis);
	json_object_clear(g->keys);
	json_object_clear(g->stats);
	json_object_clear(g->lns);
}

void emu_gw_free(struct emu_gw *g)
{
	if (!g)
		return;
	gw_clear(g);
	json_decref(g->gws);
	json_decref(g->owner);
	json_decref(g->euis);
	json_decref(g->keys);
	json_decref(g->stats);
	json_decref(g->lns);
	pthread_rwlock_destroy(&g->lock);
	free(g);
}

static bool expired(const json_t *key)
{
	const char *exp = json_string_value(jp_get(key, "api_key.expires_at"));
	int64_t sec;
	int32_t nsec;
	if (!exp || !emu_parse_time(exp, &sec, &nsec))
		return false;
	return (int64_t)time(NULL) >= sec;
}

int emu_gw_key_check(struct emu_gw *g, const char *id, const char *secret)
{
	int rc = 0;
	if (!g)
		return 0;
	pthread_rwlock_rdlock(&g->lock);
	json_t *k = json_object_get(g->keys, id);
	if (k)
		rc = strcmp(json_string_value(json_object_get(k, "secret")), secret) != 0 ? -1
		     : expired(k)							  ? -2
											  : 1;
	pthread_rwlock_unlock(&g->lock);
	return rc;
}

bool emu_caller_resolve(const struct emu *e, const char *authorization, struct emu_caller *c,
			struct emu_resp *rs)
{
	char buf[512];
	const char *id = NULL, *secret = NULL;
	memset(c, 0, sizeof *c);
	if (!authorization)
		return true;
	switch (emu_parse_auth(authorization, buf, sizeof buf, &id, &secret)) {
	case 1:
		emu_resp_err(rs, 16, "pkg/identityserver", "unsupported_authorization",
			     "unsupported authorization method", NULL);
		return false;
	case 2:
		emu_resp_err(rs, 3, "pkg/auth", "token", "invalid token", NULL);
		return false;
	default:
		break;
	}
	snprintf(c->key_id, sizeof c->key_id, "%s", id);
	for (size_t i = 0; i < e->cfg.nkeys; i++) {
		const struct emu_key *k = &e->cfg.keys[i];
		if (strcmp(k->id, id) != 0)
			continue;
		if (strcmp(k->secret, secret) != 0)
			break;
		c->authenticated = true;
		c->kind = k->owner_kind;
		snprintf(c->owner, sizeof c->owner, "%s", k->owner ? k->owner : "");
		if (k->rights) {
			c->rights = json_array();
			for (char **r = k->rights; *r; r++)
				json_array_append_new(c->rights, json_string(*r));
		}
		return true;
	}
	bool wrong = false;
	for (size_t i = 0; i < e->cfg.nkeys; i++)
		wrong |= strcmp(e->cfg.keys[i].id, id) == 0;
	if (!wrong && e->gw) {
		struct emu_gw *g = e->gw;
		pthread_rwlock_rdlock(&g->lock);
		json_t *k = json_object_get(g->keys, id);
		bool ok = k && strcmp(json_string_value(json_object_get(k, "secret")), secret) == 0;
		if (ok && expired(k)) {
			pthread_rwlock_unlock(&g->lock);
			emu_resp_err(rs, 16, "pkg/identityserver", "api_key_expired",
				     "API key expired", NULL);
			return false;
		}
		if (ok) {
			c->authenticated = true;
			c->kind = EMU_OWNER_GATEWAY;
			snprintf(c->owner, sizeof c->owner, "%s",
				 json_string_value(json_object_get(k, "gateway_id")));
			c->rights = json_deep_copy(jp_get(k, "api_key.rights"));
		}
		wrong = k && !ok;
		pthread_rwlock_unlock(&g->lock);
		if (c->authenticated)
			return true;
	}
	if (wrong)
		emu_resp_err(rs, 16, "pkg/identityserver", "invalid_authorization",
			     "invalid authorization", NULL);
	else
		emu_resp_err(rs, 16, "pkg/identityserver", "api_key_not_found", "API key not found",
			     NULL);
	return false;
}

void emu_caller_free(struct emu_caller *c)
{
	json_decref(c->rights);
	c->rights = NULL;
}

/* ---- options ------------------------------------------------------------------ */

void emu_gw_free_key(struct emu_key *k)
{
	free(k->owner);
	emu_free_list(k->rights);
}

/* NNSXS.ID.SECRET=ACCOUNT */
static int add_owned_key(struct emu_config *c, const char *spec, int kind, char *err, size_t errcap)
{
	const char *eq = strrchr(spec, '=');
	const char *reason = NULL;
	if (!eq || !emu_id_ok(eq + 1, &reason)) {
		snprintf(err, errcap, "%s: want NNSXS.<ID>.<SECRET>=<%s id>", spec,
			 kind == EMU_OWNER_USER ? "user" : "organization");
		return -1;
	}
	char *token = strndup(spec, (size_t)(eq - spec));
	if (!token)
		return -1;
	int rc = emu_keys_add(c, token, err, errcap);
	free(token);
	if (rc != 0)
		return -1;
	struct emu_key *k = &c->keys[c->nkeys - 1];
	k->owner_kind = kind;
	k->owner = strdup(eq + 1);
	return k->owner ? 0 : -1;
}

static int key_rights(struct emu_config *c, const char *spec, char *err, size_t errcap)
{
	const char *eq = strchr(spec, '=');
	struct emu_key *k = NULL;
	for (size_t i = 0; eq && i < c->nkeys; i++)
		if (strlen(c->keys[i].id) == (size_t)(eq - spec) &&
		    strncmp(c->keys[i].id, spec, (size_t)(eq - spec)) == 0)
			k = &c->keys[i];
	if (!k) {
		snprintf(err, errcap,
			 "--key-rights %s: want ID=RIGHT_A,RIGHT_B for a key given before", spec);
		return -1;
	}
	char **rights = emu_split_list(eq + 1, ',', NULL);
	for (char **r = rights; r && *r; r++)
		if (!emu_right_known(*r)) {
			snprintf(err, errcap, "--key-rights: unknown right %s", *r);
			emu_free_list(rights);
			return -1;
		}
	emu_free_list(k->rights);
	k->rights = rights;
	return rights ? 0 : -1;
}

int emu_gw_option(struct emu_config *c, const char *name, const char *val, char *err, size_t errcap)
{
	if (!strcmp(name, "user-key"))
		return add_owned_key(c, val, EMU_OWNER_USER, err, errcap) ? -1 : 1;
	if (!strcmp(name, "org-key"))
		return add_owned_key(c, val, EMU_OWNER_ORG, err, errcap) ? -1 : 1;
	if (!strcmp(name, "key-rights"))
		return key_rights(c, val, err, errcap) ? -1 : 1;
	if (!strcmp(name, "seed-gateways")) {
		c->seed_gateways = val;
		return 1;
	}
	if (!strcmp(name, "gateway-limit")) {
		char *end;
		unsigned long n = strtoul(val, &end, 10);
		if (!*val || *end || n > 1000000) {
			snprintf(err, errcap, "bad value for --gateway-limit: %s", val);
			return -1;
		}
		c->gateway_limit = (unsigned)n;
		return 1;
	}
	return 0;
}

/* ---- connection stats ------------------------------------------------------------ */

/* {"protocol":"udp","connected":true, …GatewayConnectionStats fields}: see README. */
static int conn_update(struct emu_gw *g, const char *id, const json_t *body, char *err,
		       size_t errcap)
{
	json_t *connected = json_object_get(body, "connected");
	if (!json_is_boolean(connected)) {
		snprintf(err, errcap, "want {\"connected\": true|false, ...}");
		return -1;
	}
	json_t *st = json_object_get(g->stats, id);
	bool fresh = !st;
	if (fresh)
		st = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)body, k, v)
	{
		if (!strcmp(k, "connected"))
			continue;
		if (json_is_integer(v) && strstr(k, "_count")) {
			/* uint64 counts are JSON strings in TTS. */
			char n[32];
			snprintf(n, sizeof n, "%lld", (long long)json_integer_value(v));
			json_object_set_new(st, k, json_string(n));
		} else {
			json_object_set(st, k, v);
		}
	}
	char now[32];
	emu_now(now);
	if (json_is_true(connected)) {
		if (!json_is_string(json_object_get(st, "protocol"))) {
			snprintf(err, errcap, "a connected gateway needs a \"protocol\"");
			if (fresh)
				json_decref(st);
			return -1;
		}
		if (!json_object_get(body, "connected_at"))
			json_object_set_new(st, "connected_at", json_string(now));
		json_object_del(st, "disconnected_at");
	} else {
		json_object_del(st, "connected_at");
		if (!json_object_get(body, "disconnected_at"))
			json_object_set_new(st, "disconnected_at", json_string(now));
	}
	if (fresh)
		json_object_set_new(g->stats, id, st);
	return 0;
}

/* ---- gateway input --------------------------------------------------------------- */

static const char *const bools[] = {"auto_update",
				    "status_public",
				    "location_public",
				    "schedule_downlink_late",
				    "enforce_duty_cycle",
				    "update_location_from_status",
				    "require_authenticated_connection",
				    "disable_packet_broker_forwarding",
				    NULL};

void emu_gw_default_bools(json_t *gw)
{
	/* proto3 booleans: absent means false (a JSON create without
	 * enforce_duty_cycle creates a gateway that does not enforce it). */
	for (const char *const *b = bools; *b; b++)
		if (!json_is_boolean(json_object_get(gw, *b)))
			json_object_set_new(gw, *b, json_false());
}

int emu_gw_seed(struct emu *e, const char *path, char *err, size_t errcap)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errcap, "cannot open %s", path);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	int rc = 0;
	pthread_rwlock_wrlock(&e->gw->lock);
	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		lineno++;
		const char *p = line;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p)
			continue;
		json_error_t je;
		json_t *d = json_loads(p, 0, &je);
		char why[512] = "";
		if (!json_is_object(d)) {
			snprintf(why, sizeof why, "not a JSON object: %s", je.text);
			rc = -1;
		} else {
			rc = emu_gw_seed_one(e->gw, d, why, sizeof why);
		}
		json_decref(d);
		if (rc != 0)
			snprintf(err, errcap, "%s:%ld: %s", path, lineno, why);
	}
	pthread_rwlock_unlock(&e->gw->lock);
	free(line);
	fclose(f);
	return rc;
}

/* ---- admin routes ------------------------------------------------------------------ */

static json_t *dump(struct emu_gw *g)
{
	json_t *gws = json_array(), *keys = json_array();
	pthread_rwlock_rdlock(&g->lock);
	const char *id;
	json_t *v;
	json_object_foreach(g->gws, id, v)
	{
		json_t *row = json_deep_copy(v);
		json_object_set(row, "owner", json_object_get(g->owner, id));
		json_array_append_new(gws, row);
	}
	json_object_foreach(g->keys, id, v)
	{
		/* Metadata only: the key values are never shown again. */
		json_t *row = json_deep_copy(json_object_get(v, "api_key"));
		json_object_set(row, "gateway_id", json_object_get(v, "gateway_id"));
		json_array_append_new(keys, row);
	}
	json_t *out = json_pack("{s:o, s:o, s:O}", "gateways", gws, "api_keys", keys,
				"connection_stats", g->stats);
	pthread_rwlock_unlock(&g->lock);
	return out;
}

bool emu_gw_admin(struct emu *e, const char *method, const char *url, const char *body,
		  size_t body_len, struct emu_resp *rs)
{
	static const char base[] = "/_emulator/gateways";
	struct emu_gw *g = e->gw;
	if (strncmp(url, base, sizeof base - 1) != 0)
		return false;
	const char *rest = url + sizeof base - 1;
	bool get = !strcmp(method, "GET"), del = !strcmp(method, "DELETE"),
	     post = !strcmp(method, "POST");
	if (!*rest && (get || del)) {
		if (del) {
			pthread_rwlock_wrlock(&g->lock);
			gw_clear(g);
			pthread_rwlock_unlock(&g->lock);
		}
		emu_resp_json(rs, 200, del ? json_object() : dump(g));
		return true;
	}
	char id[EMU_ID_MAX + 2];
	const char *suffix = "/connection";
	size_t idlen = *rest == '/' ? strcspn(rest + 1, "/") : 0;
	if (!idlen || idlen > EMU_ID_MAX || strcmp(rest + 1 + idlen, suffix) != 0 ||
	    !(post || del || get)) {
		emu_resp_gw(rs, 404, 5, "Not Found");
		return true;
	}
	snprintf(id, sizeof id, "%.*s", (int)idlen, rest + 1);
	pthread_rwlock_wrlock(&g->lock);
	if (del) {
		json_object_del(g->stats, id);
		emu_resp_json(rs, 200, json_object());
	} else if (get) {
		json_t *st = json_object_get(g->stats, id);
		if (st)
			emu_resp_json(rs, 200, json_deep_copy(st));
		else
			emu_resp_gw(rs, 404, 5, "no connection stats");
	} else {
		json_error_t je;
		char err[256];
		json_t *b = json_loadb(body ? body : "", body_len, 0, &je);
		if (!json_is_object(b)) {
			emu_resp_gw(rs, 400, 3, "want a JSON object");
		} else if (conn_update(g, id, b, err, sizeof err) != 0) {
			emu_resp_gw(rs, 400, 3, err);
		} else {
			emu_resp_json(rs, 200, json_deep_copy(json_object_get(g->stats, id)));
		}
		json_decref(b);
	}
	pthread_rwlock_unlock(&g->lock);
	return true;
}

/* For seeds: the same update as the admin route (lock held). */
int emu_gw_conn_seed(struct emu_gw *g, const char *id, const json_t *conn, char *err, size_t errcap)
{
	return conn_update(g, id, conn, err, errcap);
}
