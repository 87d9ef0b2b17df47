/*
 * A Firefly (Digimondo) API emulator for the tests of the firefly source,
 * written from /work/shared/spec/sources-transport.md §2 and §7 and the Go
 * tool's client (its routes and structs), loopback only:
 *
 *   GET  /api/v1/devices?auth=KEY                     {"devices":[...]}
 *   GET  /api/v1/devices/eui/EUI?auth=KEY             {"device":{...}} | 404
 *   GET  /api/v1/devices/eui/EUI/packets?auth=KEY&limit_to_last=N  {"packets":[...]}
 *   PUT  /api/v1/devices/eui/EUI?auth=KEY  {"device":{...}}: stores the given keys only
 *
 * The key is the query parameter "auth" (missing or wrong: 401
 * {"error":"unauthorized"}, the wrong one echoed back with --echo-key, as a
 * careless server would). Every answer carries x-ratelimit-limit ("N/Wms"),
 * x-ratelimit-remaining and x-ratelimit-reset (ms); past N requests in the
 * window (a fixed window from the first request in it, per key) the answer
 * is 429 with Retry-After. Firefly's device list is not paged (the Go tool
 * reads one answer); neither is this one.
 *
 * Admin routes (no key): GET /_emulator/requests (the log: method, path
 * without the query, status, t_ms since start, auth_ok), DELETE it to clear,
 * GET /_emulator/devices (the state), GET /_emulator/stats ({"requests",
 * "throttled", "max_in_window"}: max_in_window is the most requests
 * accepted in any window), POST /_emulator/throttle?n=N (the next N API
 * requests get 429).
 *
 * Options: --port P (0: any; the port is printed on stdout), --key KEY,
 * --seed FILE ({"devices":[{...device..., "packets":[{"fcnt":N}]}]}),
 * --rate N (per window, default 50; 0: unlimited), --window-ms MS (10000),
 * --tls-cert PEM --tls-key PEM (HTTPS), --echo-key, --no-retry-after (a 429 with only
 * x-ratelimit-reset), --quiet.
 */
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#if MHD_VERSION < 0x00097002
typedef int mhd_result;
#else
typedef enum MHD_Result mhd_result;
#endif

static struct {
	const char *key;
	long rate, window_ms;
	bool echo_key, quiet, no_retry_after;
	json_t *devices; /* array of device objects (with "packets") */
	json_t *log;
	long long t0_ms;
	/* the rate window */
	long long win_start;
	long win_count, max_in_window, throttled, requests, force_429;
	pthread_mutex_t mu;
} g = {.key = "FIREFLY-TEST-KEY", .rate = 50, .window_ms = 10000, .mu = PTHREAD_MUTEX_INITIALIZER};

static long long mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

struct body {
	char *buf;
	size_t len;
};

static mhd_result reply(struct MHD_Connection *c, unsigned status, json_t *j, long remaining,
			long reset_ms)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : strdup("");
	json_decref(j);
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json");
	if (remaining >= 0) {
		char v[64];
		snprintf(v, sizeof v, "%ld/%ldms", g.rate, g.window_ms);
		MHD_add_response_header(r, "x-ratelimit-limit", v);
		snprintf(v, sizeof v, "%ld", remaining);
		MHD_add_response_header(r, "x-ratelimit-remaining", v);
		snprintf(v, sizeof v, "%ld", reset_ms);
		MHD_add_response_header(r, "x-ratelimit-reset", v);
		if (status == 429 && !g.no_retry_after) {
			snprintf(v, sizeof v, "%ld", (reset_ms + 999) / 1000);
			MHD_add_response_header(r, "Retry-After", v);
		}
	}
	mhd_result rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static json_t *find(const char *eui)
{
	size_t i;
	json_t *d;
	json_array_foreach(g.devices, i, d)
	{
		const char *e = json_string_value(json_object_get(d, "eui"));
		if (e && strcasecmp(e, eui) == 0)
			return d;
	}
	return NULL;
}

static json_t *public_device(const json_t *d)
{
	json_t *c = json_deep_copy(d);
	json_object_del(c, "packets");
	return c;
}

static void log_req(const char *method, const char *url, unsigned status, bool auth_ok)
{
	json_array_append_new(g.log,
			      json_pack("{s:s,s:s,s:i,s:I,s:b}", "method", method, "path", url,
					"status", (int)status, "t_ms",
					(json_int_t)(mono_ms() - g.t0_ms), "auth_ok", auth_ok));
}

static mhd_result admin(struct MHD_Connection *c, const char *method, const char *url)
{
	if (strcmp(url, "/_emulator/requests") == 0 && strcmp(method, "GET") == 0)
		return reply(c, 200, json_deep_copy(g.log), -1, 0);
	if (strcmp(url, "/_emulator/requests") == 0 && strcmp(method, "DELETE") == 0) {
		json_array_clear(g.log);
		g.requests = g.throttled = g.max_in_window = 0;
		return reply(c, 200, json_object(), -1, 0);
	}
	if (strcmp(url, "/_emulator/devices") == 0)
		return reply(c, 200, json_deep_copy(g.devices), -1, 0);
	if (strcmp(url, "/_emulator/stats") == 0)
		return reply(c, 200,
			     json_pack("{s:I,s:I,s:I}", "requests", (json_int_t)g.requests,
				       "throttled", (json_int_t)g.throttled, "max_in_window",
				       (json_int_t)g.max_in_window),
			     -1, 0);
	if (strcmp(url, "/_emulator/throttle") == 0 && strcmp(method, "POST") == 0) {
		const char *n = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "n");
		g.force_429 = n ? atol(n) : 1;
		return reply(c, 200, json_object(), -1, 0);
	}
	return reply(c, 404, json_pack("{s:s}", "error", "no such admin route"), -1, 0);
}

/* The API proper, with the window counted and the key checked. */
static mhd_result api(struct MHD_Connection *c, const char *method, const char *url,
		      const struct body *b)
{
	g.requests++;
	const char *auth = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "auth");
	bool auth_ok = auth && strcmp(auth, g.key) == 0;
	long long now = mono_ms();
	if (now - g.win_start >= g.window_ms) {
		g.win_start = now;
		g.win_count = 0;
	}
	long reset = (long)(g.win_start + g.window_ms - now);
	if ((g.rate > 0 && g.win_count >= g.rate) || g.force_429 > 0) {
		if (g.force_429 > 0)
			g.force_429--;
		g.throttled++;
		log_req(method, url, 429, auth_ok);
		return reply(c, 429, json_pack("{s:s}", "error", "rate_limit_exceeded"), 0, reset);
	}
	g.win_count++;
	if (g.win_count > g.max_in_window)
		g.max_in_window = g.win_count;
	long rem = g.rate > 0 ? g.rate - g.win_count : 1000000;
	if (!auth_ok) {
		log_req(method, url, 401, false);
		json_t *e = json_pack("{s:s}", "error", "unauthorized");
		if (g.echo_key) {
			char m[512];
			snprintf(m, sizeof m, "invalid api key %s for %s?auth=%s", auth ? auth : "",
				 url, auth ? auth : "");
			json_object_set_new(e, "message", json_string(m));
		}
		return reply(c, 401, e, rem, reset);
	}
	const char *p = url + strlen("/api/v1/");
	unsigned status = 200;
	json_t *ans = NULL;
	if (strcmp(p, "devices") == 0 && strcmp(method, "GET") == 0) {
		json_t *list = json_array();
		size_t i;
		json_t *d;
		json_array_foreach(g.devices, i, d) json_array_append_new(list, public_device(d));
		ans = json_pack("{s:o}", "devices", list);
	} else if (strncmp(p, "devices/eui/", 12) == 0) {
		char eui[64];
		const char *rest = p + 12;
		size_t n = strcspn(rest, "/");
		snprintf(eui, sizeof eui, "%.*s", (int)(n < 63 ? n : 63), rest);
		const char *sub = rest + n;
		json_t *d = find(eui);
		if (!d) {
			status = 404;
			ans = json_pack("{s:s}", "error", "not_found");
		} else if (strcmp(sub, "/packets") == 0 && strcmp(method, "GET") == 0) {
			const char *l =
			    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit_to_last");
			long lim = l ? atol(l) : 100;
			json_t *pk = json_object_get(d, "packets"), *out = json_array();
			size_t total = json_array_size(pk);
			for (size_t i = lim > 0 && (size_t)lim < total ? total - (size_t)lim : 0;
			     i < total; i++)
				json_array_append(out, json_array_get(pk, i));
			ans = json_pack("{s:o}", "packets", out);
		} else if (!*sub && strcmp(method, "GET") == 0) {
			ans = json_pack("{s:o}", "device", public_device(d));
		} else if (!*sub && strcmp(method, "PUT") == 0) {
			const char *ct =
			    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
			json_t *in = b->buf ? json_loadb(b->buf, b->len, 0, NULL) : NULL;
			json_t *nd = json_object_get(in, "device");
			if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
				status = 415;
				ans = json_pack("{s:s}", "error", "unsupported_media_type");
			} else if (!json_is_object(nd)) {
				status = 400;
				ans = json_pack("{s:s}", "error", "bad_request");
			} else {
				json_object_update(d, nd);
				ans = json_pack("{s:o}", "device", public_device(d));
			}
			json_decref(in);
		} else {
			status = 404;
			ans = json_pack("{s:s}", "error", "not_found");
		}
	} else {
		status = 404;
		ans = json_pack("{s:s}", "error", "not_found");
	}
	log_req(method, url, status, true);
	return reply(c, status, ans, rem, reset);
}

static mhd_result on_request(void *cls, struct MHD_Connection *c, const char *url,
			     const char *method, const char *version, const char *data,
			     size_t *size, void **con_cls)
{
	(void)cls;
	(void)version;
	struct body *b = *con_cls;
	if (!b) {
		b = calloc(1, sizeof *b);
		*con_cls = b;
		return MHD_YES;
	}
	if (*size) {
		char *n = realloc(b->buf, b->len + *size + 1);
		if (!n)
			return MHD_NO;
		b->buf = n;
		memcpy(b->buf + b->len, data, *size);
		b->len += *size;
		b->buf[b->len] = '\0';
		*size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&g.mu);
	mhd_result rc;
	if (strncmp(url, "/_emulator/", 11) == 0)
		rc = admin(c, method, url);
	else if (strncmp(url, "/api/v1/", 8) == 0)
		rc = api(c, method, url, b);
	else
		rc = reply(c, 404, json_pack("{s:s}", "error", "not_found"), -1, 0);
	pthread_mutex_unlock(&g.mu);
	return rc;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct body *b = *con_cls;
	if (b) {
		free(b->buf);
		free(b);
	}
	*con_cls = NULL;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = calloc(1, 65536);
	size_t n = buf ? fread(buf, 1, 65535, f) : 0;
	fclose(f);
	if (!n) {
		free(buf);
		return NULL;
	}
	return buf;
}

static volatile sig_atomic_t done;
static void on_signal(int sig)
{
	(void)sig;
	done = 1;
}

int main(int argc, char **argv)
{
	unsigned port = 0;
	const char *seed = NULL, *tls_cert = NULL, *tls_key = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--port") == 0 && v)
			port = (unsigned)atoi(v), i++;
		else if (strcmp(a, "--key") == 0 && v)
			g.key = v, i++;
		else if (strcmp(a, "--seed") == 0 && v)
			seed = v, i++;
		else if (strcmp(a, "--rate") == 0 && v)
			g.rate = atol(v), i++;
		else if (strcmp(a, "--window-ms") == 0 && v)
			g.window_ms = atol(v) > 0 ? atol(v) : 1, i++;
		else if (strcmp(a, "--echo-key") == 0)
			g.echo_key = true;
		else if (strcmp(a, "--tls-cert") == 0 && v)
			tls_cert = v, i++;
		else if (strcmp(a, "--tls-key") == 0 && v)
			tls_key = v, i++;
		else if (strcmp(a, "--no-retry-after") == 0)
			g.no_retry_after = true;
		else if (strcmp(a, "--quiet") == 0)
			g.quiet = true;
		else {
			fprintf(stderr, "fireflyemu: unknown option %s\n", a);
			return 2;
		}
	}
	g.devices = json_array();
	g.log = json_array();
	if (seed) {
		json_error_t e;
		json_t *s = json_load_file(seed, 0, &e);
		json_t *d = json_object_get(s, "devices");
		if (!json_is_array(d)) {
			fprintf(stderr, "fireflyemu: %s: %s\n", seed,
				s ? "no \"devices\" array" : e.text);
			return 2;
		}
		json_array_extend(g.devices, d);
		json_decref(s);
	}
	g.t0_ms = mono_ms();
	g.win_start = -g.window_ms;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	char *cert = NULL, *key = NULL;
	struct MHD_OptionItem opts[3] = {{MHD_OPTION_END, 0, NULL}};
	if (tls_cert || tls_key) {
		cert = tls_cert ? read_file(tls_cert) : NULL;
		key = tls_key ? read_file(tls_key) : NULL;
		if (!cert || !key || MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			fprintf(stderr, "fireflyemu: TLS needs readable --tls-cert and --tls-key "
					"and a libmicrohttpd with TLS\n");
			return 1;
		}
		flags |= MHD_USE_TLS;
		opts[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cert};
		opts[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key};
	}
	struct MHD_Daemon *d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, NULL,
						MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
						MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
						MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "fireflyemu: cannot listen on port %u\n", port);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("%u\n", info ? (unsigned)info->port : port);
	fflush(stdout);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!done)
		pause();
	MHD_stop_daemon(d);
	free(cert);
	free(key);
	json_decref(g.devices);
	json_decref(g.log);
	return 0;
}
