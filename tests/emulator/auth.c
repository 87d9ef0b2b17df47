/* API keys (tts-api.md §0, §7 "Auth outcomes") and the per-key rate limit (§4). */
#include "emu.h"
#include "gw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int emu_keys_add(struct emu_config *cfg, const char *spec, char *err, size_t errcap)
{
	const char *eq = strchr(spec, '=');
	size_t tlen = eq ? (size_t)(eq - spec) : strlen(spec);
	char *token = strndup(spec, tlen);
	char *dot1 = token ? strchr(token, '.') : NULL;
	char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot2 || strchr(dot2 + 1, '.') || strncmp(token, "NNSXS.", 6) != 0 ||
	    dot2 == dot1 + 1 || !dot2[1]) {
		snprintf(err, errcap, "API key %s: want NNSXS.<ID>.<SECRET>[=app1,app2]", spec);
		free(token);
		return -1;
	}
	struct emu_key *keys = realloc(cfg->keys, (cfg->nkeys + 1) * sizeof *keys);
	if (!keys) {
		free(token);
		return -1;
	}
	cfg->keys = keys;
	struct emu_key *k = &keys[cfg->nkeys++];
	*k = (struct emu_key){0};
	k->id = strndup(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	k->secret = strdup(dot2 + 1);
	k->apps = eq ? emu_split_list(eq + 1, ',', NULL) : NULL;
	free(token);
	return 0;
}

/*
 * Splits "Bearer NNSXS.ID.SECRET". Returns 0 with id/secret (pointers into
 * buf), 1 for a scheme other than Bearer, 2 for a malformed token.
 */
int emu_parse_auth(const char *authorization, char *buf, size_t cap, const char **id,
		   const char **secret)
{
	const char *sp = strchr(authorization, ' ');
	if (!sp || (size_t)(sp - authorization) != 6 || strncasecmp(authorization, "bearer", 6))
		return 1;
	while (*sp == ' ')
		sp++;
	snprintf(buf, cap, "%s", sp);
	char *d1 = strchr(buf, '.');
	char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!d2 || strchr(d2 + 1, '.'))
		return 2;
	*d1 = *d2 = '\0';
	/* Other token types (access tokens, ...) exist in TTS; the emulator knows only keys. */
	if (strcmp(buf, "NNSXS") != 0)
		return 2;
	*id = d1 + 1;
	*secret = d2 + 1;
	return 0;
}

void emu_auth_key_id(const char *authorization, char *out, size_t cap)
{
	char buf[512];
	const char *id = NULL, *secret = NULL;
	out[0] = '\0';
	if (authorization && emu_parse_auth(authorization, buf, sizeof buf, &id, &secret) == 0)
		snprintf(out, cap, "%s", id);
}

static void no_rights(struct emu_resp *rs, const char *app)
{
	emu_resp_err(rs, 7, "pkg/auth/rights", "no_application_rights",
		     "no rights for application `{uid}`", json_pack("{s:s}", "uid", app));
}

int emu_auth(const struct emu *e, const char *authorization, const char *app, struct emu_resp *rs)
{
	char buf[512];
	const char *id = NULL, *secret = NULL;
	if (!authorization) {
		/* Without credentials the caller simply has no rights. */
		no_rights(rs, app);
		return -1;
	}
	switch (emu_parse_auth(authorization, buf, sizeof buf, &id, &secret)) {
	case 1:
		emu_resp_err(rs, 16, "pkg/identityserver", "unsupported_authorization",
			     "unsupported authorization method", NULL);
		return -1;
	case 2:
		emu_resp_err(rs, 3, "pkg/auth", "token", "invalid token", NULL);
		return -1;
	default:
		break;
	}
	for (size_t i = 0; i < e->cfg.nkeys; i++) {
		const struct emu_key *k = &e->cfg.keys[i];
		if (strcmp(k->id, id) != 0)
			continue;
		if (strcmp(k->secret, secret) != 0) {
			emu_resp_err(rs, 16, "pkg/identityserver", "invalid_authorization",
				     "invalid authorization", NULL);
			return -1;
		}
		if (!k->apps)
			return 0;
		for (char **a = k->apps; *a; a++)
			if (strcmp(*a, app) == 0)
				return 0;
		no_rights(rs, app);
		return -1;
	}
	/* A gateway API key (gw_store.c) has no application rights. */
	switch (emu_gw_key_check(e->gw, id, secret)) {
	case 1:
		no_rights(rs, app);
		return -1;
	case -1:
		emu_resp_err(rs, 16, "pkg/identityserver", "invalid_authorization",
			     "invalid authorization", NULL);
		return -1;
	case -2:
		emu_resp_err(rs, 16, "pkg/identityserver", "api_key_expired", "API key expired",
			     NULL);
		return -1;
	default:
		break;
	}
	emu_resp_err(rs, 16, "pkg/identityserver", "api_key_not_found", "API key not found", NULL);
	return -1;
}

static void set_uint_header(struct emu_resp *rs, const char *name, unsigned v)
{
	char buf[16];
	snprintf(buf, sizeof buf, "%u", v);
	emu_resp_header(rs, name, buf);
}

void emu_resp_rate_limited(struct emu_resp *rs, unsigned limit, unsigned available, unsigned reset,
			   unsigned retry, const char *key)
{
	emu_resp_err(rs, 8, "pkg/ratelimit", "rate_limit_exceeded",
		     "rate limit of `{rate}` accesses per minute exceeded for resource `{key}`",
		     json_pack("{s:I, s:s}", "rate", (json_int_t)limit, "key", key));
	set_uint_header(rs, "X-Rate-Limit-Limit", limit);
	set_uint_header(rs, "X-Rate-Limit-Available", available);
	set_uint_header(rs, "X-Rate-Limit-Reset", reset);
	set_uint_header(rs, "X-Rate-Limit-Retry", retry);
}

/*
 * A token bucket per key id: capacity N, refilled continuously at N per
 * minute. With take, one token is consumed if there is one; *ok tells.
 */
static double bucket_of(struct emu *e, const char *key_id, double n, double burst, bool take,
			bool *ok)
{
	double now = emu_monotonic(), tokens = burst;
	*ok = true;
	pthread_mutex_lock(&e->rl_lock);
	struct emu_bucket *b = NULL;
	for (size_t i = 0; i < e->nbuckets && !b; i++)
		if (strcmp(e->buckets[i].key_id, key_id) == 0)
			b = &e->buckets[i];
	if (!b) {
		struct emu_bucket *nb = realloc(e->buckets, (e->nbuckets + 1) * sizeof *nb);
		char *id = strdup(key_id);
		if (nb)
			e->buckets = nb;
		if (nb && id) {
			b = &nb[e->nbuckets++];
			*b = (struct emu_bucket){id, burst, now};
		} else {
			free(id);
		}
	}
	if (b) {
		b->tokens = fmin(burst, b->tokens + (now - b->last) * n / 60.0);
		b->last = now;
		*ok = b->tokens >= 1.0;
		if (take && *ok)
			b->tokens -= 1.0;
		tokens = b->tokens;
	}
	pthread_mutex_unlock(&e->rl_lock);
	return tokens;
}

static double bucket(struct emu *e, const char *key_id, bool take, bool *ok)
{
	return bucket_of(e, key_id, e->cfg.rate_limit, e->cfg.rate_limit, take, ok);
}

static void rate_headers(struct emu_resp *rs, double n, double tokens, bool ok)
{
	set_uint_header(rs, "X-Rate-Limit-Limit", (unsigned)n);
	set_uint_header(rs, "X-Rate-Limit-Available", (unsigned)floor(tokens));
	set_uint_header(rs, "X-Rate-Limit-Reset", (unsigned)ceil((n - tokens) * 60.0 / n));
	set_uint_header(rs, "X-Rate-Limit-Retry",
			ok ? 0 : (unsigned)ceil((1.0 - tokens) * 60.0 / n));
}

bool emu_ratelimit(struct emu *e, const char *key_id, struct emu_resp *rs)
{
	double n = e->cfg.rate_limit;
	bool ok;
	if (n <= 0)
		return true;
	double tokens = bucket(e, key_id, true, &ok);
	if (!ok) {
		char key[128];
		snprintf(key, sizeof key, "http:api:key:%s", *key_id ? key_id : "anonymous");
		emu_resp_err(
		    rs, 8, "pkg/ratelimit", "rate_limit_exceeded",
		    "rate limit of `{rate}` accesses per minute exceeded for resource `{key}`",
		    json_pack("{s:I, s:s}", "rate", (json_int_t)n, "key", key));
	}
	rate_headers(rs, n, tokens, ok);
	return ok;
}

void emu_ratelimit_peek(struct emu *e, const char *key_id, struct emu_resp *rs)
{
	double n = e->cfg.rate_limit;
	bool ok;
	if (n <= 0)
		return;
	double tokens = bucket(e, key_id, false, &ok);
	rate_headers(rs, n, tokens, ok);
}

bool emu_ratelimit_class(struct emu *e, const char *full_method, const char *entity,
			 const char *key_id, struct emu_resp *rs)
{
	char cls[160], key[512];
	snprintf(cls, sizeof cls, "grpc:method:%s", full_method);
	const struct emu_rl_class *rc = NULL;
	for (size_t i = 0; i < e->cfg.nrl_classes && !rc; i++)
		if (strcmp(e->cfg.rl_classes[i].name, cls) == 0)
			rc = &e->cfg.rl_classes[i];
	if (!rc)
		return true;
	/* TTS: "grpc:method:{method}:{entity}[:token:{key id}]" */
	snprintf(key, sizeof key, "%s:%s%s%s", cls, entity, *key_id ? ":token:" : "", key_id);
	bool ok;
	double n = rc->limit, tokens = bucket_of(e, key, n, rc->burst, true, &ok);
	if (!ok)
		emu_resp_err(
		    rs, 8, "pkg/ratelimit", "rate_limit_exceeded",
		    "rate limit of `{rate}` accesses per minute exceeded for resource `{key}`",
		    json_pack("{s:I, s:s}", "rate", (json_int_t)n, "key", key));
	/* The headers of the bucket that decided, as TTS's interceptor sets them. */
	set_uint_header(rs, "X-Rate-Limit-Limit", (unsigned)n);
	set_uint_header(rs, "X-Rate-Limit-Available", (unsigned)floor(tokens));
	set_uint_header(rs, "X-Rate-Limit-Reset", (unsigned)ceil((rc->burst - tokens) * 60.0 / n));
	set_uint_header(rs, "X-Rate-Limit-Retry",
			ok ? 0 : (unsigned)ceil((1.0 - tokens) * 60.0 / n));
	return ok;
}

void emu_ratelimit_free(struct emu *e)
{
	for (size_t i = 0; i < e->nbuckets; i++)
		free(e->buckets[i].key_id);
	free(e->buckets);
	e->buckets = NULL;
	e->nbuckets = 0;
}
