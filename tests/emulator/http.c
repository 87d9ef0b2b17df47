/*
 * libmicrohttpd glue: one thread per connection (so that --latency-ms sleeps
 * overlap instead of queueing), request bodies bounded at 16 MiB, the fault
 * knobs, the request log and the /_emulator admin routes.
 */
#include "emu.h"
#include "gw.h"

#include "core/jsonpath.h"

#include <microhttpd.h>

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

/* Per-request state; MHD hands it back on each call for the same request. */
struct conn_req {
	char *uri; /* as sent, with the query; from the URI log callback */
	char *body;
	size_t len, cap;
	bool too_large;
	bool started;
	bool api;
	bool logged;
	unsigned long seq;
};

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct conn_req *cr = calloc(1, sizeof *cr);
	if (cr)
		cr->uri = strdup(uri ? uri : "");
	return cr;
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn_req *cr = *con_cls;
	if (!cr)
		return;
	free(cr->uri);
	free(cr->body);
	free(cr);
	*con_cls = NULL;
}

/* ---- request log ----------------------------------------------------------- */

/* What the log keeps of a TTS error body: its name and any forbidden paths. */
static json_t *error_summary(const json_t *body)
{
	json_t *d = json_array_get(json_object_get(body, "details"), 0);
	const char *ns = json_string_value(json_object_get(d, "namespace"));
	const char *name = json_string_value(json_object_get(d, "name"));
	if (!ns || !name)
		return NULL;
	json_t *out = json_pack("{s:s++}", "error", ns, ":", name);
	json_t *fp = json_object_get(json_object_get(d, "attributes"), "forbidden_paths");
	if (out && fp)
		json_object_set_new(out, "forbidden_paths", json_deep_copy(fp));
	return out;
}

/*
 * The route of an API path with its ids replaced: "/api/v3/ns/applications/
 * {app}/devices/{dev}"; "batch" and "filter" are routes of their own, as in
 * TTS. Paths of another shape are kept as sent (up to cap).
 */
static void route_key(const char *method, const char *path, char *out, size_t cap)
{
	char buf[512];
	size_t n = strcspn(path, "?");
	snprintf(buf, sizeof buf, "%.*s", (int)(n < sizeof buf ? n : sizeof buf - 1), path);
	int len = snprintf(out, cap, "%s ", method);
	char *seg[12];
	size_t nseg = 0;
	char *save = NULL;
	for (char *s = strtok_r(buf, "/", &save); s && nseg < 12; s = strtok_r(NULL, "/", &save))
		seg[nseg++] = s;
	for (size_t i = 0; i < nseg && len >= 0 && (size_t)len < cap; i++) {
		const char *v = seg[i];
		if (i > 0 && strcmp(seg[i - 1], "applications") == 0)
			v = "{app}";
		else if (i > 0 && strcmp(seg[i - 1], "devices") == 0 && strcmp(v, "batch") &&
			 strcmp(v, "filter"))
			v = "{dev}";
		len += snprintf(out + len, cap - (size_t)len, "/%s", v);
	}
}

static void count_request(struct emu *e, const char *method, const char *uri, unsigned status)
{
	char key[600], st[8];
	route_key(method, uri, key, sizeof key);
	snprintf(st, sizeof st, "%u", status);
	pthread_mutex_lock(&e->log_lock);
	if (!e->stats)
		e->stats = json_object();
	json_t *row = json_object_get(e->stats, key);
	if (!row) {
		row = json_pack("{s:I,s:{}}", "count", (json_int_t)0, "status");
		json_object_set_new(e->stats, key, row);
	}
	json_t *by = json_object_get(row, "status");
	json_t *c = json_object_get(row, "count"), *sc = json_object_get(by, st);
	if (c)
		json_integer_set(c, json_integer_value(c) + 1);
	if (sc)
		json_integer_set(sc, json_integer_value(sc) + 1);
	else if (by)
		json_object_set_new(by, st, json_integer(1));
	pthread_mutex_unlock(&e->log_lock);
}

/* {"total", "retryable" (no answer, 429, 5xx: what a client sends again),
 * "routes": {...}}. */
static json_t *stats_dump(struct emu *e, bool reset)
{
	json_int_t total = 0, retryable = 0;
	pthread_mutex_lock(&e->log_lock);
	json_t *routes = e->stats ? json_deep_copy(e->stats) : json_object();
	if (reset) {
		json_decref(e->stats);
		e->stats = NULL;
	}
	pthread_mutex_unlock(&e->log_lock);
	const char *k, *st;
	json_t *row, *v;
	json_object_foreach(routes, k, row)
	{
		total += json_integer_value(json_object_get(row, "count"));
		json_object_foreach(json_object_get(row, "status"), st, v)
		{
			long s = strtol(st, NULL, 10);
			if (s == 0 || s == 429 || s >= 500)
				retryable += json_integer_value(v);
		}
	}
	return json_pack("{s:I,s:I,s:o}", "total", total, "retryable", retryable, "routes", routes);
}

/* Logs a request with what to merge into its row (owned; may be NULL). */
static void log_request_extra(struct emu *e, const char *method, const char *uri, unsigned status,
			      json_t *extra)
{
	count_request(e, method, uri, status);
	if (e->cfg.log_max == 0) {
		json_decref(extra);
		return;
	}
	const char *q = strchr(uri, '?');
	struct emu_log_entry ent = {.status = status, .error = extra};
	snprintf(ent.method, sizeof ent.method, "%s", method);
	ent.path = q ? strndup(uri, (size_t)(q - uri)) : strdup(uri);
	ent.query = strdup(q ? q + 1 : "");
	pthread_mutex_lock(&e->log_lock);
	/* A ring: when full, the oldest entry makes room. */
	size_t slot = (e->log_start + e->log_len) % e->cfg.log_max;
	if (e->log_len == e->cfg.log_max) {
		free(e->log[slot].path);
		free(e->log[slot].query);
		json_decref(e->log[slot].error);
		e->log_start = (e->log_start + 1) % e->cfg.log_max;
	} else {
		e->log_len++;
	}
	e->log[slot] = ent;
	pthread_mutex_unlock(&e->log_lock);
}

static void log_request(struct emu *e, const char *method, const char *uri, unsigned status,
			const json_t *body)
{
	log_request_extra(e, method, uri, status, body ? error_summary(body) : NULL);
}

static void log_clear(struct emu *e)
{
	pthread_mutex_lock(&e->log_lock);
	for (size_t i = 0; i < e->log_len; i++) {
		struct emu_log_entry *ent = &e->log[(e->log_start + i) % e->cfg.log_max];
		free(ent->path);
		free(ent->query);
		json_decref(ent->error);
	}
	e->log_start = e->log_len = 0;
	pthread_mutex_unlock(&e->log_lock);
}

static json_t *log_dump(struct emu *e)
{
	json_t *a = json_array();
	pthread_mutex_lock(&e->log_lock);
	for (size_t i = 0; i < e->log_len; i++) {
		struct emu_log_entry *ent = &e->log[(e->log_start + i) % e->cfg.log_max];
		json_t *row = json_pack("{s:s, s:s, s:s, s:i}", "method", ent->method, "path",
					ent->path, "query", ent->query, "status", (int)ent->status);
		if (row && ent->error)
			json_object_update(row, ent->error);
		json_array_append_new(a, row);
	}
	pthread_mutex_unlock(&e->log_lock);
	return a;
}

/* ---- admin routes ---------------------------------------------------------- */

static void admin(struct emu *e, const char *method, const char *url, struct emu_resp *rs)
{
	bool get = strcmp(method, "GET") == 0, del = strcmp(method, "DELETE") == 0;
	if (strcmp(url, "/_emulator/health") == 0 && get) {
		emu_resp_json(rs, 200,
			      json_pack("{s:s, s:I}", "status", "ok", "api_requests",
					(json_int_t)atomic_load(&e->nrequests)));
	} else if (strcmp(url, "/_emulator/devices") == 0 && (get || del)) {
		if (del)
			emu_store_clear(&e->store);
		emu_resp_json(rs, 200, del ? json_object() : emu_store_dump(&e->store));
	} else if (strcmp(url, "/_emulator/requests") == 0 && (get || del)) {
		if (del)
			log_clear(e);
		emu_resp_json(rs, 200, del ? json_object() : log_dump(e));
	} else if (strcmp(url, "/_emulator/stats") == 0 && (get || del)) {
		/* DELETE answers the counts so far and starts again from zero. */
		emu_resp_json(rs, 200, stats_dump(e, del));
	} else {
		emu_resp_gw(rs, 404, 5, "Not Found");
	}
}

/* ---- requests ------------------------------------------------------------------ */

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	json_t *q = cls, *a = json_object_get(q, key);
	if (!a) {
		a = json_array();
		json_object_set_new(q, key, a);
	}
	json_array_append_new(a, json_string(value ? value : ""));
	return MHD_YES;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The first route of list matching this request, or -1. */
static long route_index(const struct emu_fail_route *list, size_t n, const char *method,
			const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].method, method) == 0 && strstr(path, list[i].substring))
			return (long)i;
	return -1;
}

/* The first --fail-route matching this request, or NULL. */
static const struct emu_fail_route *fail_route(const struct emu_config *c, const char *method,
					       const char *path)
{
	long i = route_index(c->fail_routes, c->nfail_routes, method, path);
	return i < 0 ? NULL : &c->fail_routes[i];
}

/* What an ingress (a reverse proxy, a Kubernetes ingress) answers while no
 * backend serves the route: Go's plain-text 404, not TTS's error body. */
static void ingress_404(struct emu_resp *rs)
{
	json_decref(rs->body);
	rs->body = NULL;
	rs->status = 404;
	rs->text = "404 page not found\n";
}

static bool is_write(const char *method)
{
	return !strcmp(method, "PUT") || !strcmp(method, "POST") || !strcmp(method, "DELETE");
}

/*
 * The fault knobs act before anything else: the K-th API request (--fail-every,
 * --throttle-every) or every request of a route (--fail-route).
 */
static bool inject_fault(struct emu *e, unsigned long seq, const char *method, const char *path,
			 const char *body, size_t body_len, struct emu_resp *rs)
{
	const struct emu_config *c = &e->cfg;
	const struct emu_fail_route *r = NULL;
	long mi;
	if ((c->ingress404_every && seq % c->ingress404_every == 0) ||
	    route_index(c->ingress404_routes, c->ningress404_routes, method, path) >= 0) {
		ingress_404(rs);
		return true;
	}
	if ((mi = route_index(c->missing_rights, c->nmissing_rights, method, path)) >= 0) {
		/* TTS's rights check (pkg/auth/rights/require.go): the missing
		 * rights are a public attribute. */
		const char *a = strstr(path, "/applications/");
		char app[EMU_ID_MAX + 1] = "";
		if (a)
			snprintf(app, sizeof app, "%.*s", (int)strcspn(a + 14, "/"), a + 14);
		emu_resp_err(
		    rs, 7, "pkg/auth/rights", "insufficient_application_rights",
		    "insufficient rights for application `{uid}`",
		    json_pack("{s:s, s:[s]}", "uid", app, "missing", c->missing_right_names[mi]));
		return true;
	}
	if (c->echo_body_errors && body_len > 0 &&
	    (c->necho_routes == 0 ||
	     route_index(c->echo_routes, c->necho_routes, method, path) >= 0)) {
		/* A proxy that quotes what it could not process, keys and all. */
		size_t n = body_len < 65536 ? body_len : 65536;
		char *msg = malloc(n + 64);
		if (msg) {
			snprintf(msg, n + 64, "invalid request body: %.*s", (int)n, body);
			emu_resp_gw(rs, 400, 3, msg);
			free(msg);
			return true;
		}
	}
	if (c->fail_every && seq % c->fail_every == 0) {
		int grpc = emu_http_to_grpc(c->fail_status);
		char text[64];
		snprintf(text, sizeof text, "%lu", seq);
		emu_resp_err(rs, grpc, "pkg/emulator", "injected_fault",
			     "fault injected by --fail-every on request {request}",
			     json_pack("{s:s}", "request", text));
		rs->status = c->fail_status;
		return true;
	}
	if ((r = fail_route(c, method, path))) {
		/* A refusal the client cannot foresee, with a gRPC code that fits the status. */
		char route[300];
		snprintf(route, sizeof route, "%s:%s", r->method, r->substring);
		emu_resp_err(rs, emu_http_to_grpc(r->status), "pkg/emulator", "injected_refusal",
			     "request refused by --fail-route {route}",
			     json_pack("{s:s}", "route", route));
		rs->status = r->status;
		return true;
	}
	if (c->throttle_every && seq % c->throttle_every == 0) {
		unsigned limit = c->rate_limit ? c->rate_limit : 60;
		char ra[16];
		snprintf(ra, sizeof ra, "%u", c->retry_after);
		emu_resp_rate_limited(rs, limit, 0, 1, c->retry_after, "http:api:throttle");
		emu_resp_header(rs, "Retry-After", ra);
		return true;
	}
	return false;
}

static enum MHD_Result respond(struct MHD_Connection *con, struct emu_resp *rs)
{
	char *text = NULL;
	size_t n = 0;
	bool bin = rs->bin != NULL;
	if (bin) {
		text = (char *)rs->bin; /* handed over to the response */
		n = rs->bin_len;
		rs->bin = NULL;
	} else {
		text = rs->text ? strdup(rs->text)
				: json_dumps(rs->body, JSON_COMPACT | JSON_REAL_PRECISION(9));
		n = text ? strlen(text) : 0;
	}
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(n, text ? text : (char *)"", MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	char rid[37];
	emu_request_id(rid);
	MHD_add_response_header(r, "Content-Type",
				bin	   ? "application/octet-stream"
				: rs->text ? "text/plain; charset=utf-8"
					   : "application/json");
	MHD_add_response_header(r, "X-Request-Id", rid);
	for (size_t i = 0; i < rs->nheaders; i++)
		MHD_add_response_header(r, rs->headers[i].name, rs->headers[i].value);
	enum MHD_Result ret = MHD_queue_response(con, rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct emu *e = cls;
	struct conn_req *cr = *con_cls;
	if (!cr)
		return MHD_NO; /* out of memory in on_uri */
	if (!cr->started) {
		cr->started = true;
		cr->api = strncmp(url, "/api/v3", 7) == 0 && (url[7] == '\0' || url[7] == '/');
		if (cr->api) {
			cr->seq = atomic_fetch_add(&e->nrequests, 1) + 1;
			if (e->cfg.drop_every && cr->seq % e->cfg.drop_every == 0) {
				/* Close the connection without any answer. */
				log_request(e, method, cr->uri, 0, NULL);
				return MHD_NO;
			}
		}
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (cr->too_large || cr->len + n > EMU_MAX_BODY) {
			cr->too_large = true; /* keep reading, answer once it is all in */
			return MHD_YES;
		}
		if (cr->len + n + 1 > cr->cap) {
			size_t cap = cr->cap ? cr->cap : 4096;
			while (cap < cr->len + n + 1)
				cap *= 2;
			char *b = realloc(cr->body, cap);
			if (!b)
				return MHD_NO;
			cr->body = b;
			cr->cap = cap;
		}
		memcpy(cr->body + cr->len, upload, n);
		cr->len += n;
		cr->body[cr->len] = '\0';
		return MHD_YES;
	}

	struct emu_resp rs = {0};
	if (!cr->api) {
		const char *authz = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
								MHD_HTTP_HEADER_AUTHORIZATION);
		if (!emu_cups(e, method, url, authz, cr->body, cr->len, &rs) &&
		    !emu_uplink_admin(e, method, url, cr->body, cr->len, &rs) &&
		    !emu_gw_admin(e, method, url, cr->body, cr->len, &rs))
			admin(e, method, url, &rs);
	} else {
		if (e->cfg.latency_ms)
			sleep_ms(e->cfg.latency_ms);
		if (cr->too_large) {
			emu_resp_gw(&rs, 413, 8, "request body larger than 16 MiB");
		} else if (!inject_fault(e, cr->seq, method, url, cr->body, cr->len, &rs)) {
			json_t *query = json_object();
			MHD_get_connection_values(con, MHD_GET_ARGUMENT_KIND, collect_arg, query);
			struct emu_req rq = {
			    .method = method,
			    .path = url,
			    .query = query,
			    .authorization = MHD_lookup_connection_value(
				con, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
			    .body = cr->body ? cr->body : "",
			    .body_len = cr->len,
			};
			emu_api(e, &rq, &rs);
			json_decref(query);
			/* --answer-omit: the change is made; the answer lacks the path. */
			for (size_t i = 0; i < e->cfg.nomit && rs.status >= 200 && rs.status < 300;
			     i++)
				if (strcmp(e->cfg.omit_routes[i].method, method) == 0 &&
				    strstr(url, e->cfg.omit_routes[i].substring) && rs.body)
					jp_del(rs.body, e->cfg.omit_paths[i]);
			if (e->cfg.apply_drop_every && is_write(method) &&
			    (atomic_fetch_add(&e->nwrites, 1) + 1) % e->cfg.apply_drop_every == 0) {
				/* Done at the server, the answer lost on the way. */
				log_request_extra(e, method, cr->uri, rs.status,
						  json_pack("{s:b}", "answer_dropped", 1));
				json_decref(rs.body);
				return MHD_NO;
			}
		}
		/*
		 * TTS checks masks before its rate limiter, so such answers never
		 * took a token; they still carry the bucket's state.
		 */
		bool has_rate = false;
		for (size_t i = 0; i < rs.nheaders; i++)
			has_rate |= strcmp(rs.headers[i].name, "X-Rate-Limit-Limit") == 0;
		if (!has_rate) {
			char key_id[128];
			emu_auth_key_id(MHD_lookup_connection_value(con, MHD_HEADER_KIND,
								    MHD_HTTP_HEADER_AUTHORIZATION),
					key_id, sizeof key_id);
			emu_ratelimit_peek(e, key_id, &rs);
		}
		log_request(e, method, cr->uri, rs.status, rs.status >= 400 ? rs.body : NULL);
	}
	enum MHD_Result ret = respond(con, &rs);
	json_decref(rs.body);
	return ret;
}

/* ---- the daemon ------------------------------------------------------------- */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? 2 * cap : 8192;
			char *b = realloc(buf, cap);
			if (!b)
				break;
			buf = b;
		}
		size_t got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int emu_http_run(struct emu *e)
{
	const struct emu_config *c = &e->cfg;
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE},
			*ai = NULL;
	char port_s[8];
	snprintf(port_s, sizeof port_s, "%u", c->port);
	if (getaddrinfo(c->host, port_s, &hints, &ai) != 0 || !ai) {
		fprintf(stderr, "tts-emulator: cannot resolve --host %s\n", c->host);
		return 1;
	}
	raise_fd_limit();

	char *cert = NULL, *key = NULL;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL | (c->quiet ? 0 : MHD_USE_ERROR_LOG);
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	struct MHD_OptionItem opts[16];
	size_t n = 0;
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, ai->ai_addr};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, e};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, e};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, 8192, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, 120, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL};
	if (c->tls_cert || c->tls_key) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			fprintf(stderr, "tts-emulator: this libmicrohttpd has no TLS support\n");
			freeaddrinfo(ai);
			return 1;
		}
		cert = c->tls_cert ? read_file(c->tls_cert) : NULL;
		key = c->tls_key ? read_file(c->tls_key) : NULL;
		if (!cert || !key) {
			fprintf(stderr,
				"tts-emulator: --tls-cert and --tls-key must both be readable\n");
			free(cert);
			free(key);
			freeaddrinfo(ai);
			return 1;
		}
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cert};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key};
	}
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

	struct MHD_Daemon *d = MHD_start_daemon(flags, (uint16_t)c->port, NULL, NULL, on_request, e,
						MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!d) {
		fprintf(stderr, "tts-emulator: cannot listen on %s port %u\n", c->host, c->port);
		free(cert);
		free(key);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("%u\n", info ? (unsigned)info->port : c->port);
	fflush(stdout);
	if (!c->quiet)
		fprintf(stderr, "tts-emulator: listening on %s%s:%u\n",
			c->tls_cert ? "https://" : "http://", c->host,
			info ? (unsigned)info->port : c->port);

	/* SIGINT and SIGTERM are blocked in every thread; wait for one here. */
	sigset_t set;
	int sig = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigwait(&set, &sig);
	if (!c->quiet)
		fprintf(stderr, "tts-emulator: stopping on signal %d\n", sig);
	MHD_stop_daemon(d);
	free(cert);
	free(key);
	return 0;
}

void emu_log_free(struct emu *e)
{
	log_clear(e);
	json_decref(e->stats);
	e->stats = NULL;
}
