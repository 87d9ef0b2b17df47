/*
 * The HTTP engine. One libcurl multi handle, driven by one event-loop
 * thread, carries the requests of every caller: connections are reused
 * across requests and threads, and HTTP/2 streams are multiplexed on one
 * connection where the server offers it. Callers (worker threads) use a
 * plain blocking call, http_request(): it hands an easy handle to the loop
 * and sleeps until the transfer is done. Retries and pacing happen in the
 * caller's thread, so a sleeping retry never holds up other transfers.
 */
#include "net/http.h"

#include <curl/curl.h>
#include <jansson.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ui/log.h"
#include "ui/stop.h"

/* ---- the engine (one per process) ----------------------------------------- */

struct xfer {
	CURL *easy;
	struct xfer *next;
	CURLcode result;
	bool done;
	pthread_cond_t cond;
};

static struct {
	pthread_once_t once;
	bool ok;
	CURLM *multi;
	pthread_t thread;
	pthread_mutex_t mu; /* guards queue, stop and every xfer's done/result */
	struct xfer *queue; /* submitted, not yet added to the multi handle */
	bool stop;
} eng = {.once = PTHREAD_ONCE_INIT, .mu = PTHREAD_MUTEX_INITIALIZER};

static void *loop(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&eng.mu);
		bool stop = eng.stop;
		struct xfer *q = eng.queue;
		eng.queue = NULL;
		pthread_mutex_unlock(&eng.mu);
		/* The multi handle is only ever touched by this thread. */
		for (struct xfer *x = q, *next; x; x = next) {
			next = x->next;
			curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
			if (curl_multi_add_handle(eng.multi, x->easy) != CURLM_OK) {
				pthread_mutex_lock(&eng.mu);
				x->result = CURLE_FAILED_INIT;
				x->done = true;
				pthread_cond_signal(&x->cond);
				pthread_mutex_unlock(&eng.mu);
			}
		}
		int running = 0;
		curl_multi_perform(eng.multi, &running);
		CURLMsg *m;
		int left;
		while ((m = curl_multi_info_read(eng.multi, &left))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			struct xfer *x = NULL;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			CURLcode rc = m->data.result;
			curl_multi_remove_handle(eng.multi, m->easy_handle);
			pthread_mutex_lock(&eng.mu);
			x->result = rc;
			x->done = true;
			pthread_cond_signal(&x->cond);
			pthread_mutex_unlock(&eng.mu);
		}
		if (stop && running == 0)
			return NULL;
		curl_multi_poll(eng.multi, NULL, 0, 1000, NULL);
	}
}

static void engine_start(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return;
	eng.multi = curl_multi_init();
	if (!eng.multi)
		return;
	curl_multi_setopt(eng.multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(eng.multi, CURLMOPT_MAX_HOST_CONNECTIONS, 256L);
	curl_multi_setopt(eng.multi, CURLMOPT_MAXCONNECTS, 512L);
	/* The loop thread must not take the process's signals (Ctrl-C is
	 * handled by the main thread between devices). */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	eng.ok = pthread_create(&eng.thread, NULL, loop, NULL) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void http_shutdown(void)
{
	if (!eng.ok)
		return;
	pthread_mutex_lock(&eng.mu);
	eng.stop = true;
	pthread_mutex_unlock(&eng.mu);
	curl_multi_wakeup(eng.multi);
	pthread_join(eng.thread, NULL);
	curl_multi_cleanup(eng.multi);
	curl_global_cleanup();
	eng.ok = false;
}

/* Runs one transfer on the loop and waits for it. */
static CURLcode engine_perform(CURL *easy)
{
	struct xfer x = {.easy = easy};
	pthread_cond_init(&x.cond, NULL);
	pthread_mutex_lock(&eng.mu);
	x.next = eng.queue;
	eng.queue = &x;
	pthread_mutex_unlock(&eng.mu);
	curl_multi_wakeup(eng.multi);
	pthread_mutex_lock(&eng.mu);
	while (!x.done)
		pthread_cond_wait(&x.cond, &eng.mu);
	pthread_mutex_unlock(&eng.mu);
	pthread_cond_destroy(&x.cond);
	return x.result;
}

/* ---- clients ---------------------------------------------------------------- */

#define PACE_MAX 48 /* route families and buckets per client; more share the last */

struct http_client {
	struct curl_slist *headers;
	struct http_opts opts;
	char *ca_file;
	char *aws_sigv4, *user, *password;
	char *capture_prefix;
	bool no_sleep;
	/* Pacing from the server's X-Rate-Limit-* headers, per bucket: a
	 * request of a route family (pace_family()) starts no earlier than its
	 * bucket's next_at, spaced by spacing_ns while that budget is low. A
	 * family starts with a bucket of its own; a 429 that names its bucket
	 * (TTS: details[0].attributes.key) moves it to the bucket of that name,
	 * so families the server counts together are paced together and the
	 * others not at all. Guarded by pace_mu. */
	pthread_mutex_t pace_mu;
	struct pace_bucket {
		char key[200];
		struct timespec next_at;
		long long spacing_ns;
	} buckets[PACE_MAX];
	int nbuckets;
	struct pace_family {
		char name[64];
		int bucket;
	} families[PACE_MAX];
	int nfamilies;
	long inflight; /* requests of this client on the wire */
};

/*
 * Crash-test hook: with TTNM_TEST_KILL_AFTER_REQUESTS=N in the environment,
 * the process kills itself (SIGKILL, no cleanup) right after the N-th request
 * got its answer — the worst moment: the server acted, the journal does not
 * know yet. Used by the crash-safety tests only.
 */
static long kill_after = -1;
static atomic_long requests_done;
static atomic_long requests_sent;

long http_requests_sent(void)
{
	return atomic_load(&requests_sent);
}

static void maybe_die(void)
{
	if (kill_after >= 0 && atomic_fetch_add(&requests_done, 1) + 1 >= kill_after)
		raise(SIGKILL);
}

struct http_client *http_client_new(const struct http_opts *opts)
{
	pthread_once(&eng.once, engine_start);
	if (!eng.ok)
		return NULL;
	struct http_client *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->opts = *opts;
	if (opts->ca_file)
		c->ca_file = strdup(opts->ca_file);
	c->no_sleep = getenv("TTNM_TEST_NO_SLEEP") != NULL;
	const char *k = getenv("TTNM_TEST_KILL_AFTER_REQUESTS");
	if (k && *k)
		kill_after = strtol(k, NULL, 10);
	pthread_mutex_init(&c->pace_mu, NULL);
	{
		char h[160];
		snprintf(h, sizeof h, "Accept: %s",
			 opts->accept ? opts->accept : "application/json");
		c->headers = curl_slist_append(NULL, h);
		snprintf(h, sizeof h, "Content-Type: %s",
			 opts->content_type ? opts->content_type : "application/json");
		c->headers = curl_slist_append(c->headers, h);
		for (int i = 0; i < 4 && opts->more_headers[i]; i++)
			c->headers = curl_slist_append(c->headers, opts->more_headers[i]);
		if (opts->capture_prefix)
			c->capture_prefix = strdup(opts->capture_prefix);
	}
	c->headers = curl_slist_append(c->headers, "User-Agent: ttn-lw-migrate/" TTNM_VERSION);
	if (opts->bearer) {
		size_t n = strlen(opts->bearer) + 32;
		char *h = malloc(n);
		if (h) {
			snprintf(h, n, "Authorization: Bearer %s", opts->bearer);
			c->headers = curl_slist_append(c->headers, h);
			/* The header copy lives in the slist; wipe ours. */
			memset(h, 0, n);
			free(h);
		}
	}
	if (opts->extra_header && *opts->extra_header)
		c->headers = curl_slist_append(c->headers, opts->extra_header);
	if (opts->aws_sigv4) {
		c->aws_sigv4 = strdup(opts->aws_sigv4);
		c->user = strdup(opts->user ? opts->user : "");
		c->password = strdup(opts->password ? opts->password : "");
	}
	c->opts.bearer = NULL;
	c->opts.extra_header = NULL;
	c->opts.content_type = c->opts.accept = NULL;
	memset(c->opts.more_headers, 0, sizeof c->opts.more_headers);
	c->opts.capture_prefix = NULL;
	c->opts.user = c->opts.password = c->opts.aws_sigv4 = NULL;
	return c;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	for (struct curl_slist *h = c->headers; h; h = h->next)
		memset(h->data, 0, strlen(h->data));
	curl_slist_free_all(c->headers);
	pthread_mutex_destroy(&c->pace_mu);
	free(c->ca_file);
	if (c->password)
		memset(c->password, 0, strlen(c->password));
	free(c->password);
	free(c->user);
	free(c->aws_sigv4);
	free(c->capture_prefix);
	free(c);
}

void http_response_free(struct http_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
	free(resp->captured);
	resp->captured = NULL;
}

struct sink {
	struct http_response *resp;
	const char *capture_prefix;
	size_t cap;
	bool too_big;
	long rl_limit, rl_available, rl_reset; /* -1 when absent */
	long rl_reset_ms; /* Firefly's X-RateLimit-Reset (ms), -1 when absent */
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;
	if (s->resp->len + n > HTTP_MAX_BODY) {
		s->too_big = true;
		return 0; /* aborts the transfer */
	}
	if (s->resp->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->resp->len + n + 1)
			cap *= 2;
		char *p = realloc(s->resp->body, cap);
		if (!p)
			return 0;
		s->resp->body = p;
		s->cap = cap;
	}
	memcpy(s->resp->body + s->resp->len, data, n);
	s->resp->len += n;
	s->resp->body[s->resp->len] = '\0';
	return n;
}

/* Parses the "Name: 123" headers we act on; everything else is ignored. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	struct http_response *r = s->resp;
	size_t n = size * nmemb;
	if (s->capture_prefix) {
		size_t pl = strlen(s->capture_prefix);
		if (n > pl && n < 8192 && strncasecmp(data, s->capture_prefix, pl) == 0) {
			size_t old = r->captured ? strlen(r->captured) : 0;
			char *p = realloc(r->captured, old + n + 2);
			if (p) {
				memcpy(p + old, data, n);
				size_t k = old + n;
				while (k > old && (p[k - 1] == '\r' || p[k - 1] == '\n'))
					k--;
				p[k++] = '\n';
				p[k] = '\0';
				r->captured = p;
			}
		}
	}
	char line[256];
	if (n >= sizeof line)
		return n;
	memcpy(line, data, n);
	line[n] = '\0';
	char *colon = strchr(line, ':');
	if (!colon)
		return n;
	*colon = '\0';
	const char *val = colon + 1;
	while (*val == ' ' || *val == '\t')
		val++;
	if (strcasecmp(line, "Content-Type") == 0) {
		size_t k = strcspn(val, "\r\n");
		if (k >= sizeof r->content_type)
			k = sizeof r->content_type - 1;
		memcpy(r->content_type, val, k);
		r->content_type[k] = '\0';
		return n;
	}
	if (strcasecmp(line, "x-amzn-ErrorType") == 0) {
		/* AWS's error code: up to the first ':' */
		size_t k = strcspn(val, ":\r\n");
		if (k >= sizeof r->error_type)
			k = sizeof r->error_type - 1;
		memcpy(r->error_type, val, k);
		r->error_type[k] = '\0';
		return n;
	}
	char *end;
	long long v = strtoll(val, &end, 10);
	if (end == val || v < 0)
		return n;
	if (v > 1000000000LL)
		v = 1000000000LL;
	if (strcasecmp(line, "X-Total-Count") == 0)
		r->total_count = v;
	else if ((strcasecmp(line, "X-Rate-Limit-Retry") == 0 ||
		  strcasecmp(line, "Retry-After") == 0) &&
		 v > r->rl_retry)
		r->rl_retry = v > 3600 ? 3600 : (long)v;
	else if (strcasecmp(line, "X-Rate-Limit-Limit") == 0)
		s->rl_limit = (long)v;
	else if (strcasecmp(line, "X-Rate-Limit-Available") == 0)
		s->rl_available = (long)v;
	else if (strcasecmp(line, "X-Rate-Limit-Reset") == 0)
		s->rl_reset = (long)v;
	else if (strcasecmp(line, "X-RateLimit-Reset") == 0)
		s->rl_reset_ms = (long)v;
	return n;
}

static bool retryable_status(long status)
{
	return status == 429 || status == 502 || status == 503 || status == 504;
}

static bool retryable_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static long long ts_ns(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

/* Backoff before attempt n+1: 250 ms doubling, capped at 8 s, with full
 * jitter; a server-given wait (seconds) takes precedence. */
static long backoff_ms(const struct http_client *c, int n, long server_wait_s)
{
	long ms;
	if (server_wait_s >= 0) {
		ms = (server_wait_s < 1 ? 1 : server_wait_s) * 1000L + (long)(stop_jitter() % 250);
	} else {
		long cap = 250L << (n < 5 ? n : 5);
		if (cap > 8000)
			cap = 8000;
		ms = cap / 2 + (long)(stop_jitter() % (unsigned long long)(cap / 2 + 1));
	}
	/* Tests: short waits, still jittered (1-10 ms), so that the requests a
	 * 429 held back do not all come again in the same order. */
	if (c->no_sleep && ms > 10)
		ms = 1 + (long)(stop_jitter() % 10);
	return ms;
}

bool http_backoff(const struct http_client *c, int n)
{
	return stop_sleep_ms(backoff_ms(c, n, -1));
}

/* A bucket by name, created when new (the last one when the table is full). */
static int pace_bucket_of(struct http_client *c, const char *key)
{
	for (int i = 0; i < c->nbuckets; i++)
		if (strcmp(c->buckets[i].key, key) == 0)
			return i;
	if (c->nbuckets == PACE_MAX)
		return PACE_MAX - 1;
	struct pace_bucket *b = &c->buckets[c->nbuckets];
	memset(b, 0, sizeof *b);
	snprintf(b->key, sizeof b->key, "%s", key);
	return c->nbuckets++;
}

/*
 * The route family of a request, as TTS's limiter classes go (per gRPC
 * method, LS pkg/ratelimit/resource.go): the component ("is" unless the path
 * starts with ns/, as/, js/), the method, and "batch" or the path depth
 * (list, one device, a device's sub-resource). /api/v3/ns/applications/a/
 * devices/d is "ns GET 5"; DELETE .../devices/batch is "ns DELETE batch".
 * Other servers: the method and the path depth.
 */
static int pace_family(struct http_client *c, const char *method, const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? strchr(p + 3, '/') : NULL;
	const char *api = p ? strstr(p, "/api/v3/") : NULL;
	const char *comp = "is";
	if (api) {
		p = api + strlen("/api/v3");
		if (strncmp(p, "/ns/", 4) == 0 || strncmp(p, "/as/", 4) == 0 ||
		    strncmp(p, "/js/", 4) == 0) {
			comp = p[1] == 'n' ? "ns" : p[1] == 'a' ? "as" : "js";
			p += 3;
		}
	} else if (!p) {
		p = "/";
	}
	int depth = 0;
	bool batch = false;
	for (const char *q = p; *q && *q != '?' && *q != '#'; q++)
		if (*q == '/' && q[1] && q[1] != '?') {
			depth++;
			batch = batch || (strncmp(q + 1, "batch", 5) == 0 &&
					  (q[6] == '\0' || q[6] == '/' || q[6] == '?'));
		}
	char name[64];
	if (batch)
		snprintf(name, sizeof name, "%s %.10s batch", api ? comp : "-", method);
	else
		snprintf(name, sizeof name, "%s %.10s %d", api ? comp : "-", method, depth);
	pthread_mutex_lock(&c->pace_mu);
	int f = 0;
	while (f < c->nfamilies && strcmp(c->families[f].name, name) != 0)
		f++;
	if (f == c->nfamilies) {
		if (f == PACE_MAX) {
			f = PACE_MAX - 1;
		} else {
			snprintf(c->families[f].name, sizeof c->families[f].name, "%s", name);
			c->families[f].bucket = pace_bucket_of(c, name);
			c->nfamilies++;
		}
	}
	pthread_mutex_unlock(&c->pace_mu);
	return f;
}

/* Waits for this request's slot when the server said its bucket is low. */
static void pace(struct http_client *c, int fam)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&c->pace_mu);
	struct pace_bucket *b = &c->buckets[c->families[fam].bucket];
	long long start = ts_ns(&b->next_at) > ts_ns(&now) ? ts_ns(&b->next_at) : ts_ns(&now);
	long long next = start + b->spacing_ns;
	b->next_at.tv_sec = (time_t)(next / 1000000000LL);
	b->next_at.tv_nsec = (long)(next % 1000000000LL);
	c->inflight++;
	pthread_mutex_unlock(&c->pace_mu);
	long long wait_ns = c->no_sleep ? 0 : start - ts_ns(&now);
	/* Ctrl-C ends the wait; the request then goes out once, unpaced. */
	if (wait_ns > 0)
		stop_sleep_ms((wait_ns + 999999) / 1000000);
}

/* The bucket a TTS 429 names (details[0].attributes.key), or "". */
static void bucket_named(const struct http_response *r, char *out, size_t cap)
{
	out[0] = '\0';
	if (!r->body || r->len == 0)
		return;
	json_t *root = json_loadb(r->body, r->len, 0, NULL);
	json_t *d = json_array_get(json_object_get(root, "details"), 0);
	const char *k = json_string_value(json_object_get(json_object_get(d, "attributes"), "key"));
	if (k && *k)
		snprintf(out, cap, "%s", k);
	json_decref(root);
}

/* After an answer: while few of the window's requests are left, send no faster than the bucket
 * refills (X-Rate-Limit-Limit per minute), so the budget hovers above empty instead of running into
 * 429s; with more left, no spacing (the burst is the server's to give). A 429 also holds the
 * bucket's next request back for the server's wait, and moves the family to the bucket it names. */
static void learn_pace(struct http_client *c, int fam, const struct sink *s,
		       const struct http_response *r, long wait_ms)
{
	char named[200] = "";
	if (r->status == 429)
		bucket_named(r, named, sizeof named);
	pthread_mutex_lock(&c->pace_mu);
	if (named[0])
		c->families[fam].bucket = pace_bucket_of(c, named);
	struct pace_bucket *b = &c->buckets[c->families[fam].bucket];
	if (r->status == 429 && wait_ms > 0) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long long until = ts_ns(&now) + wait_ms * 1000000LL;
		if (until > ts_ns(&b->next_at)) {
			b->next_at.tv_sec = (time_t)(until / 1000000000LL);
			b->next_at.tv_nsec = (long)(until % 1000000000LL);
		}
	}
	if (s->rl_limit > 0 && s->rl_available >= 0) {
		/* "Low": what the requests on the wire could still take, or a
		 * fiftieth of the window, whichever is more. */
		long low =
		    s->rl_limit / 50 > c->inflight + 16 ? s->rl_limit / 50 : c->inflight + 16;
		b->spacing_ns = s->rl_available < low ? 60LL * 1000000000LL / s->rl_limit : 0;
	}
	pthread_mutex_unlock(&c->pace_mu);
}

static CURL *make_easy(struct http_client *c, const char *method, const char *url, const char *body,
		       size_t body_len, struct sink *sink, char *errbuf)
{
	CURL *e = curl_easy_init();
	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	if (c->aws_sigv4 && c->user && c->password) {
		curl_easy_setopt(e, CURLOPT_AWS_SIGV4, c->aws_sigv4);
		curl_easy_setopt(e, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, c->password);
	}
	if (strcmp(method, "POST") == 0) {
		/* libcurl resends a request by itself when a reused connection
		 * turns out dead before any answer; for a create that resend could
		 * repeat a request that already took effect. */
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	}
	if (body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)body_len);
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, sink);
	/* Never follow a redirect: it would carry the API key elsewhere. */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
			 (long)(c->opts.h2_prior_knowledge && strncmp(url, "http://", 7) == 0
				    ? CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE
				    : CURL_HTTP_VERSION_2TLS));
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, c->opts.timeout_s > 0 ? c->opts.timeout_s : 60L);
	if (!c->opts.no_accept_encoding)
		curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	/* The smallest upload buffer (default 64 KiB per transfer): bodies are
	 * a few KiB, and a hundred transfers in flight would hold megabytes. */
	curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
	/* Answers are small too; a larger one just takes more reads. */
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 8192L);
	if (c->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, c->opts.insecure ? 0L : 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, c->opts.insecure ? 0L : 2L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	return e;
}

int http_request(struct http_client *c, const char *method, const char *url, const char *body,
		 struct http_response *resp)
{
	return http_request_len(c, method, url, body, body ? strlen(body) : 0, resp);
}

int http_request_len(struct http_client *c, const char *method, const char *url, const char *body,
		     size_t body_len, struct http_response *resp)
{
	memset(resp, 0, sizeof *resp);
	int max = 1 + (c->opts.retries > 0 ? c->opts.retries : 0);
	/* Only POST creates here; GET, PUT (Set/Update) and DELETE may repeat. */
	bool idempotent = strcmp(method, "POST") != 0;
	int fam = pace_family(c, method, url);
	for (int n = 1; n <= max; n++) {
		struct sink sink = {resp, c->capture_prefix, 0, false, -1, -1, -1, -1};
		char errbuf[CURL_ERROR_SIZE] = "";
		http_response_free(resp);
		resp->status = 0;
		resp->total_count = -1;
		resp->rl_retry = -1;
		resp->transport_error[0] = '\0';
		resp->error_type[0] = '\0';
		resp->content_type[0] = '\0';
		resp->http_version = 0;
		resp->maybe_applied = false;
		resp->attempts = n;
		pace(c, fam);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		CURL *e = make_easy(c, method, url, body, body_len, &sink, errbuf);
		atomic_fetch_add(&requests_sent, 1);
		CURLcode rc = e ? engine_perform(e) : CURLE_OUT_OF_MEMORY;
		if (rc == CURLE_OK) {
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
			curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &resp->http_version);
			/* A 429 without Retry-After: Firefly's window reset (ms). */
			if (resp->status == 429 && resp->rl_retry < 0 && sink.rl_reset_ms >= 0)
				resp->rl_retry = sink.rl_reset_ms > 3600000
						     ? 3600
						     : (sink.rl_reset_ms + 999) / 1000;
		} else if (sink.too_big)
			snprintf(resp->transport_error, sizeof resp->transport_error,
				 "response body larger than %u MiB", HTTP_MAX_BODY >> 20);
		else
			snprintf(resp->transport_error, sizeof resp->transport_error, "%s",
				 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		curl_easy_cleanup(e);
		maybe_die();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		long ms = (long)((ts_ns(&t1) - ts_ns(&t0)) / 1000000);
		if (rc == CURLE_OK)
			log_debug("%s %s -> %ld (%ld ms)", method, url, resp->status, ms);
		else
			log_debug("%s %s -> %s (%ld ms)", method, url, resp->transport_error, ms);
		pthread_mutex_lock(&c->pace_mu);
		c->inflight--;
		pthread_mutex_unlock(&c->pace_mu);
		bool fault = rc == CURLE_OK && c->opts.answer_is_fault &&
			     c->opts.answer_is_fault(resp->status, resp->body, resp->len);
		bool again = rc == CURLE_OK ? retryable_status(resp->status) || fault
					    : (!sink.too_big && retryable_curl(rc));
		/* The wait a 429 asks for holds back the rest of its bucket too. */
		long wait429 =
		    rc == CURLE_OK && resp->status == 429 ? backoff_ms(c, n, resp->rl_retry) : 0;
		learn_pace(c, fam, &sink, resp, wait429);
		if (again && !idempotent && !(rc == CURLE_OK && resp->status == 429)) {
			/* The request reached something that may have acted on it. */
			resp->maybe_applied = true;
			return rc == CURLE_OK ? 0 : -1;
		}
		if (!again || n == max || run_should_stop())
			return rc == CURLE_OK ? 0 : -1;
		long wait = wait429 > 0 ? wait429 : backoff_ms(c, n, -1);
		log_debug("retrying %s %s in %ld ms (attempt %d of %d)", method, url, wait, n + 1,
			  max);
		if (!stop_sleep_ms(wait))
			return rc == CURLE_OK ? 0 : -1; /* Ctrl-C: the last answer stands */
	}
	return -1;
}
