#include "net/tts_api.h"

#include "io/jsondump.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/jsonpath.h"
#include "core/redact.h"
#include "core/strbuf.h"
#include "net/tts_check.h"
#include "ui/log.h"
#include "ui/stop.h"

void tts_error_clear(struct tts_error *e)
{
	json_decref(e->forbidden_paths);
	memset(e, 0, sizeof *e);
	e->grpc_code = -1;
}

/* The not-found errors of the four registries (TTS v3.32.1: IS
 * pkg/identityserver/store/errors.go; JS pkg/joinserver/errors.go, Get and
 * Delete; NS pkg/networkserver/errors.go on Delete, pkg/redis/errors.go on
 * Get; AS pkg/applicationserver/applicationserver.go on Delete, the redis
 * registry's on Get). */
static const struct {
	enum tts_comp comp;
	const char *name;
} not_found_names[] = {
    {TTS_IS, "pkg/identityserver/store:end_device_not_found"},
    {TTS_JS, "pkg/joinserver:device_not_found"},
    {TTS_NS, "pkg/networkserver:device_not_found"},
    {TTS_NS, "pkg/redis:not_found"},
    {TTS_AS, "pkg/applicationserver:device_not_found"},
    {TTS_AS, "pkg/redis:not_found"},
};

static bool not_found_named(const struct tts_error *e, int comp)
{
	if (e->status != 404)
		return false;
	for (size_t i = 0; i < sizeof not_found_names / sizeof *not_found_names; i++)
		if ((comp < 0 || (int)not_found_names[i].comp == comp) &&
		    strcmp(e->name, not_found_names[i].name) == 0)
			return true;
	return false;
}

bool tts_error_not_found(const struct tts_error *e)
{
	return not_found_named(e, -1);
}

bool tts_error_not_found_at(const struct tts_error *e, enum tts_comp c)
{
	return not_found_named(e, (int)c);
}

bool tts_answer_is_fault(long status, const char *body, size_t len)
{
	if (status != 404)
		return false;
	struct tts_error e = {0};
	tts_error_clear(&e);
	tts_decode_error(body, len, status, &e);
	/* TTS's own 404s always carry ErrorDetails with a namespace and name. */
	bool fault = e.name[0] == '\0';
	tts_error_clear(&e);
	return fault;
}

bool tts_error_is(const struct tts_error *e, const char *suffix)
{
	size_t n = strlen(e->name), m = strlen(suffix);
	return n >= m && strcmp(e->name + n - m, suffix) == 0;
}

static bool is_loopback_host(const char *host, size_t n)
{
	if (n == 9 && strncasecmp(host, "localhost", 9) == 0)
		return true;
	if (n >= 4 && strncmp(host, "127.", 4) == 0) {
		/* An IPv4 literal in 127/8, not a name such as 127.example.com. */
		char ip[16];
		struct in_addr a;
		if (n >= sizeof ip)
			return false;
		memcpy(ip, host, n);
		ip[n] = '\0';
		return inet_pton(AF_INET, ip, &a) == 1;
	}
	return n == 5 && strncmp(host, "[::1]", 5) == 0;
}

char *tts_base_url(const char *url, bool insecure, char *err, size_t errlen)
{
	const char *scheme = "https://";
	const char *rest = url;
	if (strncasecmp(url, "https://", 8) == 0) {
		rest = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		scheme = "http://";
		rest = url + 7;
	} else if (strstr(url, "://")) {
		snprintf(err, errlen, "URL \"%s\": only http:// and https:// are supported", url);
		return NULL;
	}
	size_t hostlen = strcspn(rest, "/?#");
	const char *host = rest;
	size_t namelen = hostlen;
	if (host[0] != '[') {
		const char *colon = memchr(host, ':', hostlen);
		if (colon)
			namelen = (size_t)(colon - host);
	} else {
		const char *br = memchr(host, ']', hostlen);
		namelen = br ? (size_t)(br - host) + 1 : hostlen;
	}
	if (hostlen == 0 || strchr(rest, '@') || strpbrk(rest, " \t\r\n")) {
		snprintf(err, errlen, "URL \"%s\": not a valid server address", url);
		return NULL;
	}
	if (scheme[4] == ':' && !insecure && !is_loopback_host(host, namelen)) {
		snprintf(err, errlen,
			 "URL \"%s\": plain http:// would send the API key unencrypted; use "
			 "https:// (or --insecure)",
			 url);
		return NULL;
	}
	/* Keep any path the user gave (a reverse proxy prefix), minus trailing
	 * slashes, then make sure it ends in /api/v3. */
	size_t len = strlen(rest);
	while (len > hostlen && rest[len - 1] == '/')
		len--;
	struct strbuf out = STRBUF_INIT;
	strbuf_addstr(&out, scheme);
	strbuf_add(&out, rest, len);
	if (out.len < 7 || strcmp(out.buf + out.len - 7, "/api/v3") != 0)
		strbuf_addstr(&out, "/api/v3");
	return strbuf_detach(&out, NULL);
}

/* Percent-encodes an id for a URL path segment. Valid TTS ids never need it;
 * this keeps a bad one from changing the route. */
static void put_segment(struct strbuf *dst, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.')
			strbuf_addch(dst, ch);
		else
			strbuf_addf(dst, "%%%02X", ch);
	}
}

static char *device_url(const struct tts_api *api, enum tts_comp c, const char *app_id,
			const char *dev_id, const char *query)
{
	struct strbuf u = STRBUF_INIT;
	strbuf_addf(&u, "%s%s/applications/", api->base[c], tts_comps[c].route);
	put_segment(&u, app_id);
	strbuf_addstr(&u, "/devices");
	if (dev_id) {
		strbuf_addch(&u, '/');
		put_segment(&u, dev_id);
	}
	if (query && *query) {
		strbuf_addch(&u, '?');
		strbuf_addstr(&u, query);
	}
	return strbuf_detach(&u, NULL);
}

/* Appends paths joined by commas; a server's forbidden_paths may hold
 * anything: non-strings are skipped. */
static void add_paths(struct strbuf *sb, const json_t *paths)
{
	size_t i;
	json_t *p;
	bool first = true;
	json_array_foreach(paths, i, p)
	{
		const char *v = json_string_value(p);
		if (!v)
			continue;
		if (!first)
			strbuf_addch(sb, ',');
		strbuf_addstr(sb, v);
		first = false;
	}
}

char *tts_join_paths(const json_t *paths)
{
	struct strbuf s = STRBUF_INIT;
	add_paths(&s, paths);
	return strbuf_detach(&s, NULL);
}

/* Fills err from a non-2xx answer. TTS bodies are google.rpc.Status with an
 * ErrorDetails in details[0]; gateway errors may have a message only. */
void tts_decode_error(const char *text, size_t len, long status, struct tts_error *err)
{
	err->status = status;
	/* Up to the first NUL, as json_loads() reads the NUL-terminated body. */
	json_t *body = text ? json_loadb(text, strnlen(text, len), 0, NULL) : NULL;
	const char *msg = NULL;
	if (json_is_object(body)) {
		json_t *code = json_object_get(body, "code");
		if (json_is_integer(code))
			err->grpc_code = (int)json_integer_value(code);
		msg = json_string_value(json_object_get(body, "message"));
		json_t *d0 = json_array_get(json_object_get(body, "details"), 0);
		const char *ns = json_string_value(json_object_get(d0, "namespace"));
		const char *nm = json_string_value(json_object_get(d0, "name"));
		if (ns && nm)
			snprintf(err->name, sizeof err->name, "%s:%s", ns, nm);
		json_t *attrs = json_object_get(d0, "attributes");
		json_t *miss = json_object_get(attrs, "missing");
		struct strbuf ms = STRBUF_INIT;
		if (json_is_string(miss))
			strbuf_addstr(&ms, json_string_value(miss));
		size_t mi;
		json_t *mv;
		json_array_foreach(miss, mi, mv)
		{
			if (json_is_string(mv)) {
				strbuf_addsep(&ms, ", ");
				strbuf_addstr(&ms, json_string_value(mv));
			}
		}
		str_copy_cut(err->missing, sizeof err->missing, ms.buf);
		strbuf_release(&ms);
		json_t *fp = json_object_get(attrs, "forbidden_paths");
		if (json_is_array(fp)) {
			err->forbidden_paths = json_incref(fp);
		} else if (json_is_string(fp)) {
			/* Some versions flatten the list into one string. */
			err->forbidden_paths = json_array();
			char *dup = strdup(json_string_value(fp));
			for (char *save = NULL, *t = dup ? strtok_r(dup, ", []\"", &save) : NULL; t;
			     t = strtok_r(NULL, ", []\"", &save))
				json_array_append_new(err->forbidden_paths, json_string(t));
			free(dup);
		}
	}
	if (msg && *msg)
		str_printf_cut(err->message, sizeof err->message, "HTTP %ld: %s", status, msg);
	else if (status == 429)
		snprintf(err->message, sizeof err->message, "HTTP 429: rate limited");
	else
		snprintf(err->message, sizeof err->message, "HTTP %ld%s", status,
			 body ? "" : " (response is not TTS JSON)");
	json_decref(body);
}

static void decode_error(const struct http_response *r, struct tts_error *err)
{
	tts_decode_error(r->body, r->len, r->status, err);
	err->attempts = r->attempts;
}

/* A google.rpc.Status ({"code", "message", "details"} and nothing else,
 * with a non-zero code): what TTS sends for an error, never for a success. */
static bool is_status_body(const json_t *j)
{
	const char *k;
	json_t *v;
	json_t *code = json_object_get(j, "code");
	if (!json_is_integer(code) || json_integer_value(code) == 0 ||
	    !json_is_string(json_object_get(j, "message")))
		return false;
	json_object_foreach((json_t *)j, k, v)
	{
		if (strcmp(k, "code") && strcmp(k, "message") && strcmp(k, "details"))
			return false;
	}
	return true;
}

int tts_decode_body(const char *text, size_t len, long status, json_t **out, struct tts_error *err)
{
	json_error_t jerr;
	json_t *j = json_loadb(text ? text : "", text ? len : 0, 0, &jerr);
	*out = NULL;
	if (!json_is_object(j)) {
		err->status = status;
		snprintf(err->message, sizeof err->message,
			 "HTTP %ld with a malformed body (%s at byte %d)", status,
			 j ? "not a JSON object" : jerr.text, j ? 0 : jerr.position);
		json_decref(j);
		return -1;
	}
	if (is_status_body(j)) {
		/* A proxy or a broken gateway said 200 but sent an error: the
		 * request did not take effect (import must not count it). */
		tts_decode_error(text, len, status, err);
		snprintf(err->message, sizeof err->message, "HTTP %ld with an error body: %.300s",
			 status, json_string_value(json_object_get(j, "message")));
		json_decref(j);
		return -1;
	}
	*out = j;
	return 0;
}

/* ---- the circuit breaker -------------------------------------------------- */

/*
 * After BREAKER_TRIP consecutive identical configuration-type refusals (401,
 * 403: a key that is not accepted, or lacks a right) of one route (component
 * and method) at one deployment, the run is stopped before its next device:
 * more devices would only fail the same way, and each may already have been
 * changed at the source. A success of that route ends the streak; answers of
 * other routes (a rollback's deletes) do not.
 */
#define BREAKER_TRIP 3

struct tts_breaker {
	pthread_mutex_t mu; /* guards everything below */
	int comp;
	char method[8];
	long status;
	char name[128];
	int count;
};

struct tts_breaker *tts_breaker_new(void)
{
	struct tts_breaker *b = calloc(1, sizeof *b);
	if (b) {
		pthread_mutex_init(&b->mu, NULL);
		b->comp = -1;
	}
	return b;
}

void tts_breaker_free(struct tts_breaker *b)
{
	if (!b)
		return;
	pthread_mutex_destroy(&b->mu);
	free(b);
}

/* The rights an API key needs for a method on a component. */
static const char *rights_for(enum tts_comp c, const char *method)
{
	bool read = strcmp(method, "GET") == 0;
	if (c == TTS_IS)
		return read ? "RIGHT_APPLICATION_DEVICES_READ" : "RIGHT_APPLICATION_DEVICES_WRITE";
	return read ? "RIGHT_APPLICATION_DEVICES_READ and RIGHT_APPLICATION_DEVICES_READ_KEYS"
		    : "RIGHT_APPLICATION_DEVICES_WRITE and RIGHT_APPLICATION_DEVICES_WRITE_KEYS";
}

static void breaker_trip(const struct tts_api *api, enum tts_comp c, const char *method,
			 const struct tts_error *e)
{
	struct strbuf line = STRBUF_INIT, what = STRBUF_INIT;
	const char *who = api->who ? api->who : "server";
	strbuf_addf(&what, "%s on the %s: HTTP %ld%s%s", method, tts_comps[c].name, e->status,
		    e->name[0] ? " " : "", e->name);
	if (e->status == 401)
		strbuf_addf(&line,
			    "stopping the run: the %s refused its API key %d times in a row (%s): "
			    "check the key (unknown, revoked or expired)",
			    who, BREAKER_TRIP, what.buf);
	else if (e->missing[0])
		strbuf_addf(&line,
			    "stopping the run: the %s API key lacks the right %s (%d refusals in a "
			    "row: %s): grant it, then run again",
			    who, e->missing, BREAKER_TRIP, what.buf);
	else
		strbuf_addf(
		    &line,
		    "stopping the run: the %s API key is not allowed to do this (%d refusals "
		    "in a row: %s); %s on the %s needs %s: grant them, then run again",
		    who, BREAKER_TRIP, what.buf, method, tts_comps[c].name, rights_for(c, method));
	if (!run_stop_reason()) {
		stop_request(line.buf);
		log_error("%s", line.buf);
	}
	strbuf_release(&line);
	strbuf_release(&what);
}

/* Notes one answer (e = NULL for a success) of route (c, method). */
static void breaker_note(struct tts_api *api, enum tts_comp c, const char *method,
			 const struct tts_error *e)
{
	struct tts_breaker *b = api->breaker;
	if (!b)
		return;
	bool config = e && (e->status == 401 || e->status == 403);
	bool trip = false;
	pthread_mutex_lock(&b->mu);
	bool same_route = b->comp == (int)c && strcmp(b->method, method) == 0;
	if (!config) {
		if (same_route && (!e || e->status != 0))
			b->count = 0; /* a real answer of that route that is not a refusal */
	} else if (same_route && b->status == e->status && strcmp(b->name, e->name) == 0) {
		trip = ++b->count == BREAKER_TRIP;
	} else {
		b->comp = (int)c;
		snprintf(b->method, sizeof b->method, "%s", method);
		b->status = e->status;
		snprintf(b->name, sizeof b->name, "%s", e->name);
		b->count = 1;
	}
	pthread_mutex_unlock(&b->mu);
	if (trip)
		breaker_trip(api, c, method, e);
}

/* Server text may quote the request (some proxies echo the body): no key
 * material of it is kept. */
static void scrub(struct tts_error *err, const json_t *body)
{
	redact_sent_keys(err->message, body);
	redact_text(err->message);
	redact_sent_keys(err->name, body);
	redact_text(err->name);
	redact_text(err->missing);
}

/* Sends one request and decodes the answer. 2xx with a JSON object body
 * yields *out (when out is not NULL); anything else fills err. */
static int call_once(struct tts_api *api, const char *method, const char *url, const json_t *body,
		     json_t **out, long long *total, struct tts_error *err)
{
	tts_error_clear(err);
	if (out)
		*out = NULL;
	char *payload = body ? jd_dumps(body) : NULL;
	struct http_response r;
	int rc = http_request(api->http, method, url, payload, &r);
	if (payload) {
		/* The body may hold keys: do not leave them in freed memory. */
		memset(payload, 0, strlen(payload));
		free(payload);
	}
	err->maybe_applied = r.maybe_applied;
	if (rc < 0) {
		err->attempts = r.attempts;
		snprintf(err->message, sizeof err->message, "%s", r.transport_error);
		http_response_free(&r);
		return -1;
	}
	if (r.status < 200 || r.status > 299) {
		decode_error(&r, err);
		if (r.body)
			memset(r.body, 0, r.len);
		http_response_free(&r);
		return -1;
	}
	if (total)
		*total = r.total_count;
	json_t *j = NULL;
	int drc = tts_decode_body(r.body, r.len, r.status, &j, err);
	if (r.body)
		memset(r.body, 0, r.len);
	http_response_free(&r);
	if (drc < 0)
		return -1;
	if (out)
		*out = j;
	else
		json_decref(j);
	return 0;
}

static int call(struct tts_api *api, enum tts_comp c, const char *method, const char *url,
		const json_t *body, json_t **out, long long *total, struct tts_error *err)
{
	int rc = call_once(api, method, url, body, out, total, err);
	if (rc < 0)
		scrub(err, body);
	breaker_note(api, c, method, rc == 0 ? NULL : err);
	return rc;
}

int tts_get_device(struct tts_api *api, enum tts_comp c, const char *app_id, const char *dev_id,
		   const json_t *paths, json_t **out, struct tts_error *err)
{
	struct strbuf q = STRBUF_INIT;
	strbuf_addstr(&q, "field_mask=");
	add_paths(&q, paths);
	char *url = device_url(api, c, app_id, dev_id, q.buf);
	int rc = call(api, c, "GET", url, NULL, out, NULL, err);
	/* A 200 that is not an end device must not pass for one. */
	char why[256];
	if (rc == 0 && out && tts_check_device_types(*out, why, sizeof why) < 0) {
		err->status = 200; /* a 2xx: not "no answer", not retryable */
		snprintf(err->message, sizeof err->message,
			 "the answer is not a valid end device (%s)", why);
		redact_text(err->message);
		json_decref(*out);
		*out = NULL;
		rc = -1;
	}
	free(url);
	strbuf_release(&q);
	return rc;
}

int tts_set_device(struct tts_api *api, enum tts_comp c, const char *app_id, const char *dev_id,
		   const json_t *dev, const json_t *paths, json_t **out, struct tts_error *err)
{
	json_t *body = json_pack("{s:O,s:{s:O}}", "end_device", dev, "field_mask", "paths", paths);
	char *url = device_url(api, c, app_id, dev_id, NULL);
	int rc = body && url ? call(api, c, "PUT", url, body, out, NULL, err) : -1;
	free(url);
	json_decref(body);
	return rc;
}

/* Two optional strings are equal (absent equals absent), hex case ignored. */
static bool same_opt(const json_t *a, const json_t *b)
{
	const char *x = json_string_value(a), *y = json_string_value(b);
	if (!x || !*x || !y || !*y)
		return (!x || !*x) && (!y || !*y);
	return strcasecmp(x, y) == 0;
}

/* Reads the IS device back after a create whose answer was lost: 1 when it
 * is there with the ids and EUIs that were sent (*out = what was read), 0
 * when TTS says it is not there, -1 otherwise (err says why). */
int tts_created_as_sent(struct tts_api *api, const char *app_id, const json_t *dev, json_t **out,
			struct tts_error *err)
{
	const json_t *ids = json_object_get(dev, "ids");
	const char *dev_id = json_string_value(json_object_get(ids, "device_id"));
	json_t *mask = json_pack("[s]", "ids"), *got = NULL;
	if (!dev_id || !mask) {
		json_decref(mask);
		return -1;
	}
	int rc = tts_get_device(api, TTS_IS, app_id, dev_id, mask, &got, err);
	json_decref(mask);
	if (rc < 0)
		return tts_error_not_found_at(err, TTS_IS) ? 0 : -1;
	const json_t *gids = json_object_get(got, "ids");
	const char *gapp = json_string_value(
	    json_object_get(json_object_get(gids, "application_ids"), "application_id"));
	bool ours =
	    gapp && strcmp(gapp, app_id) == 0 &&
	    same_opt(json_object_get(gids, "device_id"), json_object_get(ids, "device_id")) &&
	    same_opt(json_object_get(gids, "join_eui"), json_object_get(ids, "join_eui")) &&
	    same_opt(json_object_get(gids, "dev_eui"), json_object_get(ids, "dev_eui"));
	if (!ours) {
		tts_error_clear(err);
		err->status = 409;
		snprintf(err->message, sizeof err->message,
			 "the Identity Server holds a device \"%s\" with other identifiers than "
			 "the ones sent",
			 dev_id);
		json_decref(got);
		return -1;
	}
	if (out)
		*out = got;
	else
		json_decref(got);
	return 1;
}

int tts_create_device(struct tts_api *api, const char *app_id, const json_t *dev, json_t **out,
		      struct tts_error *err)
{
	json_t *body = json_pack("{s:O}", "end_device", dev);
	char *url = device_url(api, TTS_IS, app_id, NULL, NULL);
	int rc = -1;
	if (out)
		*out = NULL;
	/* Each round: one create; a lost answer costs a read-back first. */
	for (int round = 1; body && url && round <= 4; round++) {
		rc = call(api, TTS_IS, "POST", url, body, out, NULL, err);
		if (rc == 0)
			break;
		bool retried = round > 1;
		if (!(err->maybe_applied || (retried && tts_error_is(err, ":id_taken"))))
			break; /* a plain answer: the caller decides */
		struct tts_error lost = *err;
		lost.forbidden_paths = NULL;
		struct tts_error rb = {0};
		tts_error_clear(&rb);
		int there = tts_created_as_sent(api, app_id, dev, out, &rb);
		if (there == 1) {
			log_debug("create of device \"%s\": the answer was lost (%s), but it took "
				  "effect",
				  json_string_value(jp_get(dev, "ids.device_id")), lost.message);
			tts_error_clear(err);
			tts_error_clear(&rb);
			rc = 0;
			break;
		}
		if (there < 0 || round == 4 || !http_backoff(api->http, round)) {
			struct strbuf m = STRBUF_INIT;
			if (there < 0 && rb.status == 409)
				strbuf_addf(&m, "%.150s (the answer was lost); %.200s",
					    lost.message, rb.message);
			else if (there < 0)
				strbuf_addf(
				    &m,
				    "%.150s: the answer was lost and reading the device back "
				    "failed (%.150s): whether it was created is unknown",
				    lost.message, rb.message);
			else
				strbuf_addf(&m,
					    "%.250s (the device is still not there after "
					    "%d attempts)",
					    lost.message, round);
			bool unknown = there < 0 && rb.status != 409;
			if (there < 0 && rb.status == 409) {
				/* The id is taken, not by the device we sent. */
				tts_error_clear(err);
				*err = rb;
				rb.forbidden_paths = NULL;
			}
			str_copy_cut(err->message, sizeof err->message, m.buf);
			strbuf_release(&m);
			err->maybe_applied = unknown;
			tts_error_clear(&rb);
			rc = -1;
			break;
		}
		tts_error_clear(&rb);
		/* Not there: the create did not take effect; send it again. */
	}
	free(url);
	json_decref(body);
	return rc;
}

int tts_delete_device(struct tts_api *api, enum tts_comp c, const char *app_id, const char *dev_id,
		      struct tts_error *err)
{
	char *url = device_url(api, c, app_id, dev_id, NULL);
	int rc = url ? call(api, c, "DELETE", url, NULL, NULL, NULL, err) : -1;
	free(url);
	return rc;
}

int tts_batch_delete(struct tts_api *api, enum tts_comp c, const char *app_id,
		     const char *const *dev_ids, size_t n, struct tts_error *err)
{
	struct strbuf q = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		strbuf_addstr(&q, i ? "&device_ids=" : "device_ids=");
		put_segment(&q, dev_ids[i]);
	}
	char *url = device_url(api, c, app_id, "batch", q.buf);
	int rc = call(api, c, "DELETE", url, NULL, NULL, NULL, err);
	free(url);
	strbuf_release(&q);
	return rc;
}

int tts_batch_get_devices(struct tts_api *api, const char *app_id, const char *const *dev_ids,
			  size_t n, const json_t *paths, json_t **out, struct tts_error *err)
{
	struct strbuf q = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		strbuf_addstr(&q, i ? "&device_ids=" : "device_ids=");
		put_segment(&q, dev_ids[i]);
	}
	strbuf_addstr(&q, "&field_mask=");
	add_paths(&q, paths);
	char *url = device_url(api, TTS_IS, app_id, "batch", q.buf);
	int rc = url ? call(api, TTS_IS, "GET", url, NULL, out, NULL, err) : -1;
	free(url);
	strbuf_release(&q);
	return rc;
}

int tts_list_devices(struct tts_api *api, const char *app_id, const json_t *paths, int limit,
		     int page, json_t **out, long long *total, struct tts_error *err)
{
	struct strbuf q = STRBUF_INIT;
	strbuf_addstr(&q, "field_mask=");
	add_paths(&q, paths);
	strbuf_addf(&q, "&order=device_id&limit=%d&page=%d", limit, page);
	char *url = device_url(api, TTS_IS, app_id, NULL, q.buf);
	int rc = call(api, TTS_IS, "GET", url, NULL, out, total, err);
	free(url);
	strbuf_release(&q);
	return rc;
}
