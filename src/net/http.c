#include "net/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ui/log.h"

struct http_client {
	CURL *easy;
	struct curl_slist *headers;
	struct http_opts opts;
	char *ca_file;
	bool no_sleep;
};

static bool curl_ready;

/*
 * Crash-test hook: with TTNM_TEST_KILL_AFTER_REQUESTS=N in the environment,
 * the process kills itself (SIGKILL, no cleanup) right after the N-th request
 * got its answer — the worst moment: the server acted, the journal does not
 * know yet. Used by the crash-safety tests only.
 */
static long kill_after = -1;
static long requests_sent;

static void maybe_die(void)
{
	if (kill_after < 0)
		return;
	if (++requests_sent >= kill_after)
		raise(SIGKILL);
}

struct http_client *http_client_new(const struct http_opts *opts)
{
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return NULL;
		curl_ready = true;
	}
	struct http_client *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->opts = *opts;
	c->easy = curl_easy_init();
	if (!c->easy) {
		free(c);
		return NULL;
	}
	if (opts->ca_file)
		c->ca_file = strdup(opts->ca_file);
	c->no_sleep = getenv("TTNM_TEST_NO_SLEEP") != NULL;
	const char *k = getenv("TTNM_TEST_KILL_AFTER_REQUESTS");
	if (k && *k)
		kill_after = strtol(k, NULL, 10);
	c->headers = curl_slist_append(NULL, "Accept: application/json");
	c->headers = curl_slist_append(c->headers, "Content-Type: application/json");
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
	return c;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	curl_slist_free_all(c->headers);
	curl_easy_cleanup(c->easy);
	free(c->ca_file);
	free(c);
}

void http_response_free(struct http_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

struct sink {
	struct http_response *resp;
	size_t cap;
	bool too_big;
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

/* Parses "Name: 123" headers we act on; everything else is ignored. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	struct http_response *r = ud;
	size_t n = size * nmemb;
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
	char *end;
	long long v = strtoll(val, &end, 10);
	if (end == val)
		return n;
	if (strcasecmp(line, "X-Total-Count") == 0 && v >= 0)
		r->total_count = v;
	else if ((strcasecmp(line, "X-Rate-Limit-Retry") == 0 ||
		  strcasecmp(line, "Retry-After") == 0) &&
		 v >= 0 && v > r->rl_retry)
		r->rl_retry = v > 3600 ? 3600 : (long)v;
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

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Backoff before attempt n (1-based): 250 ms doubling, capped at 8 s, with
 * full jitter; a server-given wait (seconds) takes precedence. */
static long backoff_ms(const struct http_client *c, int n, long server_wait_s)
{
	long ms;
	if (server_wait_s >= 0) {
		ms = (server_wait_s < 1 ? 1 : server_wait_s) * 1000L;
		ms += rand() % 250;
	} else {
		long cap = 250L << (n < 5 ? n : 5);
		if (cap > 8000)
			cap = 8000;
		ms = cap / 2 + rand() % (cap / 2 + 1);
	}
	if (c->no_sleep && ms > 10)
		ms = 10;
	return ms;
}

static CURLcode perform_once(struct http_client *c, const char *method, const char *url,
			     const char *body, struct http_response *resp, struct sink *sink)
{
	CURL *e = c->easy;
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	if (body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, c->opts.timeout_s > 0 ? c->opts.timeout_s : 60L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	if (c->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
	if (c->opts.insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode rc = curl_easy_perform(e);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
	} else if (sink->too_big) {
		snprintf(resp->transport_error, sizeof resp->transport_error,
			 "response body larger than %u MiB", HTTP_MAX_BODY >> 20);
	} else {
		snprintf(resp->transport_error, sizeof resp->transport_error, "%s",
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
	}
	return rc;
}

int http_request(struct http_client *c, const char *method, const char *url, const char *body,
		 struct http_response *resp)
{
	memset(resp, 0, sizeof *resp);
	int max = 1 + (c->opts.retries > 0 ? c->opts.retries : 0);
	for (int n = 1; n <= max; n++) {
		struct sink sink = {resp, 0, false};
		http_response_free(resp);
		resp->status = 0;
		resp->total_count = -1;
		resp->rl_retry = -1;
		resp->transport_error[0] = '\0';
		resp->attempts = n;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		CURLcode rc = perform_once(c, method, url, body, resp, &sink);
		maybe_die();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (rc == CURLE_OK)
			log_debug("%s %s -> %ld (%ld ms)", method, url, resp->status, ms);
		else
			log_debug("%s %s -> %s (%ld ms)", method, url, resp->transport_error, ms);
		bool again = rc == CURLE_OK ? retryable_status(resp->status)
					    : (!sink.too_big && retryable_curl(rc));
		if (!again || n == max)
			return rc == CURLE_OK ? 0 : -1;
		long wait = backoff_ms(c, n, rc == CURLE_OK && resp->status == 429 ? resp->rl_retry
										  : -1);
		log_debug("retrying %s %s in %ld ms (attempt %d of %d)", method, url, wait, n + 1,
			  max);
		sleep_ms(wait);
	}
	return -1;
}
