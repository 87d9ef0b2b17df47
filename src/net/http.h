/*
 * The HTTP engine: libcurl with TLS verification on, HTTP/2 where the server
 * offers it, one connection reused for every request of a client, bounded
 * response bodies, no redirects followed (a redirect must never carry the
 * API key to another host), and bounded retries with jittered backoff for
 * the failures that are worth retrying: 429 (honouring The Things Stack's
 * X-Rate-Limit-Retry and a standard Retry-After, else Firefly's
 * X-RateLimit-Reset in milliseconds), 502/503/504, answers the
 * answer_is_fault hook calls faults, and dropped or timed-out connections.
 *
 * Retries know the method: GET, PUT and DELETE are idempotent and retried;
 * a POST is retried only after a 429 (refused before it was processed). A
 * POST whose answer was lost is returned with maybe_applied set, and it is
 * always sent on a fresh connection, so that libcurl's own silent resend on
 * a reused connection that died cannot repeat it either.
 *
 * Every wait (backoff, pacing) ends within 50 ms of Ctrl-C, SIGTERM or the
 * circuit breaker (ui/stop.h); after that a request is sent at most once
 * more, without waiting, and not retried.
 *
 * Pacing follows the X-Rate-Limit-* answers per rate-limit bucket: a route
 * family (component, method, batch or path depth) is paced on its own until a
 * 429 names the bucket it counts against, so a full bucket for batch deletes
 * does not slow down the per-device gets.
 *
 * Requests are logged (method, URL, status, time) at debug level; headers
 * and bodies never are, so no key material reaches the log.
 */
#ifndef TTNM_NET_HTTP_H
#define TTNM_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_BODY (32u << 20) /* TTS caps messages at 16 MiB; twice that is hostile */

struct http_opts {
	const char *bearer;  /* API key sent as "Authorization: Bearer ..." */
	const char *ca_file; /* extra CA bundle (PEM), or NULL */
	bool insecure;	     /* skip TLS verification (only with --insecure) */
	long timeout_s;	     /* whole-request timeout */
	int retries;	     /* extra attempts after the first */
	/* Optional: true when an answer is a fault of the server or of what
	 * stands in front of it (a 404 from an ingress, not from the API), to be
	 * retried like a 503. */
	bool (*answer_is_fault)(long status, const char *body, size_t len);
	/* Optional AWS Signature Version 4 (libcurl's CURLOPT_AWS_SIGV4), e.g.
	 * "aws:amz:eu-west-1:iotwireless", with user = the access key ID and
	 * password = the secret key; libcurl sets x-amz-date and signs every
	 * header of the request. 7.88 signs the URL as given: callers pass an
	 * already canonical path and query (sorted, percent-encoded). */
	const char *aws_sigv4;
	const char *user, *password;
	/* Optional extra request header "Name: value" (e.g. x-amz-security-token),
	 * held like the bearer header and wiped on free. */
	const char *extra_header;
	/* Optional, for APIs that are not JSON (gRPC): sent instead of the
	 * application/json Content-Type and Accept (NULL: those defaults). */
	const char *content_type, *accept;
	const char *more_headers[4]; /* further "Name: value" lines, NULL-ended */
	bool h2_prior_knowledge;     /* http:// speaks HTTP/2 from the first byte (h2c) */
	bool no_accept_encoding;     /* do not offer gzip/deflate */
	/* Response header and trailer lines whose name starts with this prefix
	 * (case-insensitive, e.g. "grpc-") are kept in resp->captured. */
	const char *capture_prefix;
};

struct http_client;

struct http_response {
	long status; /* 0 when no HTTP answer arrived */
	char *body;  /* NUL-terminated, owned */
	size_t len;
	long long total_count; /* X-Total-Count, -1 when absent */
	long rl_retry;	       /* X-Rate-Limit-Retry or Retry-After seconds, -1 when absent */
	int attempts;	       /* how many times the request was sent */
	/* A POST whose answer was lost (a dropped connection after sending, a
	 * timeout, a 502/503/504 or another fault answer): it may or may not
	 * have taken effect. It is not retried here; the caller decides by
	 * reading what it tried to create. */
	bool maybe_applied;
	char transport_error[256]; /* set when status is 0 */
	char error_type[128];	   /* AWS's x-amzn-ErrorType up to its ':', or "" */
	char content_type[128];	   /* the answer's Content-Type, or "" */
	long http_version;	   /* CURLINFO_HTTP_VERSION: 2 for HTTP/1.1, 3 for HTTP/2 */
	char *captured;		   /* see capture_prefix: the lines, each ending in "\n"; or NULL */
};

struct http_client *http_client_new(const struct http_opts *opts);
void http_client_free(struct http_client *c);

/* Sends one request (body may be NULL) and fills *resp, retrying as above.
 * Returns 0 when an HTTP answer arrived (any status), -1 otherwise, with the
 * reason in resp->transport_error. Call http_response_free() either way. */
int http_request(struct http_client *c, const char *method, const char *url, const char *body,
		 struct http_response *resp);
void http_response_free(struct http_response *resp);

/* As http_request(), with a body of len bytes that may hold NUL bytes. */
int http_request_len(struct http_client *c, const char *method, const char *url, const char *body,
		     size_t len, struct http_response *resp);

/* Waits as before retry n+1 of a request (jittered exponential backoff),
 * for callers that repeat a whole operation. Returns false when the wait
 * was cut short by Ctrl-C, SIGTERM or the circuit breaker. */
bool http_backoff(const struct http_client *c, int n);

/* Requests sent so far by this process (every attempt counts). */
long http_requests_sent(void);

/* Stops the engine's thread and frees libcurl; call once before exit. */
void http_shutdown(void);

/* Test hook: when the environment variable TTNM_TEST_NO_SLEEP is set,
 * backoff sleeps are 1-10 ms (jittered) so tests of retry paths stay fast. */

#endif
