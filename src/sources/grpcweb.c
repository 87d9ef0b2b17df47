/* The gRPC / gRPC-web framing of grpcweb.h. */
#include "sources/grpcweb.h"

#include "core/lorawan.h"

#include "net/http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void grpc_status_init(struct grpc_status *st)
{
	st->code = -1;
	st->message[0] = '\0';
}

void grpc_frame_put(struct strbuf *sb, const void *msg, size_t n)
{
	uint8_t h[5] = {0, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
	strbuf_add(sb, h, 5);
	if (n)
		strbuf_add(sb, msg, n);
}

void grpc_percent_decode(char *dst, size_t cap, const char *src, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (src[i] == '%' && i + 2 < n && (hi = lw_hex_digit(src[i + 1])) >= 0 &&
		    (lo = lw_hex_digit(src[i + 2])) >= 0) {
			strbuf_addch(&sb, hi * 16 + lo);
			i += 2;
		} else {
			strbuf_addch(&sb, src[i]);
		}
	}
	str_copy_cut(dst, cap, sb.buf);
	strbuf_release(&sb);
}

bool grpc_status_line(struct grpc_status *st, const char *line, size_t n)
{
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	const char *colon = memchr(line, ':', n);
	if (!colon)
		return false;
	size_t nl = (size_t)(colon - line);
	const char *v = colon + 1;
	size_t vl = n - nl - 1;
	while (vl && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	if (nl == 11 && !strncasecmp(line, "grpc-status", 11)) {
		int code = 0;
		bool ok = vl > 0 && vl <= 4;
		for (size_t i = 0; ok && i < vl; i++) {
			if (v[i] < '0' || v[i] > '9')
				ok = false;
			else
				code = code * 10 + (v[i] - '0');
		}
		st->code = ok ? code : 2;
		return true;
	}
	if (nl == 12 && !strncasecmp(line, "grpc-message", 12)) {
		grpc_percent_decode(st->message, sizeof st->message, v, vl);
		return true;
	}
	return false;
}

/* Reads the frame at body[*off]; -1 with err when malformed. */
static int next_frame(const uint8_t *body, size_t len, size_t *off, uint8_t *flags,
		      const uint8_t **data, size_t *n, char *err, size_t errlen)
{
	if (len - *off < 5) {
		snprintf(err, errlen, "truncated gRPC frame header (%zu of 5 bytes)", len - *off);
		return -1;
	}
	const uint8_t *h = body + *off;
	uint32_t fl = (uint32_t)h[1] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4];
	if (fl > GRPC_FRAME_MAX) {
		snprintf(err, errlen, "gRPC frame of %u bytes is larger than %u", fl,
			 GRPC_FRAME_MAX);
		return -1;
	}
	if (len - *off - 5 < fl) {
		snprintf(err, errlen, "truncated gRPC frame (%zu of %u bytes)", len - *off - 5, fl);
		return -1;
	}
	if (h[0] & 0x01) {
		snprintf(err, errlen, "compressed gRPC frame (none was offered)");
		return -1;
	}
	*flags = h[0];
	*data = h + 5;
	*n = fl;
	*off += 5 + fl;
	return 0;
}

int grpcweb_split(const uint8_t *body, size_t len, const uint8_t **msg, size_t *msglen,
		  struct grpc_status *st, char *err, size_t errlen)
{
	size_t off = 0;
	bool have_data = false, have_trailers = false;
	*msg = NULL;
	*msglen = 0;
	while (off < len) {
		uint8_t flags;
		const uint8_t *d;
		size_t n;
		if (have_trailers) {
			snprintf(err, errlen, "data after the gRPC-web trailer frame");
			return -1;
		}
		if (next_frame(body, len, &off, &flags, &d, &n, err, errlen) < 0)
			return -1;
		if (flags & 0x80) {
			have_trailers = true;
			size_t i = 0;
			while (i < n) {
				const uint8_t *e = memchr(d + i, '\n', n - i);
				size_t ll = e ? (size_t)(e - (d + i)) + 1 : n - i;
				grpc_status_line(st, (const char *)d + i, ll);
				i += ll;
			}
		} else {
			if (have_data) {
				snprintf(err, errlen, "more than one message in a unary answer");
				return -1;
			}
			have_data = true;
			*msg = d;
			*msglen = n;
		}
	}
	return 0;
}

int grpc_split(const uint8_t *body, size_t len, const uint8_t **msg, size_t *msglen, char *err,
	       size_t errlen)
{
	size_t off = 0;
	*msg = NULL;
	*msglen = 0;
	while (off < len) {
		uint8_t flags;
		const uint8_t *d;
		size_t n;
		if (next_frame(body, len, &off, &flags, &d, &n, err, errlen) < 0)
			return -1;
		if (flags & 0x80) {
			snprintf(err, errlen, "a gRPC-web trailer frame in a plain gRPC answer");
			return -1;
		}
		if (*msg) {
			snprintf(err, errlen, "more than one message in a unary answer");
			return -1;
		}
		*msg = d;
		*msglen = n;
	}
	return 0;
}

int grpc_code_from_http(long s)
{
	switch (s) {
	case 400:
		return 13;
	case 401:
		return 16;
	case 403:
		return 7;
	case 404:
		return 12;
	case 429:
	case 502:
	case 503:
	case 504:
		return 14;
	default:
		return 2;
	}
}

const char *grpc_code_name(int code)
{
	static const char *const names[] = {
	    "OK",
	    "CANCELLED",
	    "UNKNOWN",
	    "INVALID_ARGUMENT",
	    "DEADLINE_EXCEEDED",
	    "NOT_FOUND",
	    "ALREADY_EXISTS",
	    "PERMISSION_DENIED",
	    "RESOURCE_EXHAUSTED",
	    "FAILED_PRECONDITION",
	    "ABORTED",
	    "OUT_OF_RANGE",
	    "UNIMPLEMENTED",
	    "INTERNAL",
	    "UNAVAILABLE",
	    "DATA_LOSS",
	    "UNAUTHENTICATED",
	};
	if (code < 0 || code >= (int)(sizeof names / sizeof names[0]))
		return "UNKNOWN";
	return names[code];
}

/* Feeds "line\n" lines to grpc_status_line(). */
static void status_from_lines(struct grpc_status *st, const char *lines)
{
	while (lines && *lines) {
		size_t n = strcspn(lines, "\n");
		grpc_status_line(st, lines, n);
		lines += n;
		if (*lines)
			lines++;
	}
}

int grpc_interpret(enum grpc_transport t, long http_status, const char *content_type,
		   const char *captured, const uint8_t *body, size_t len, struct strbuf *out,
		   struct grpc_status *st)
{
	grpc_status_init(st);
	strbuf_reset(out);
	/* Headers first: a trailers-only answer carries the status there (and
	 * in plain gRPC the trailers arrive through the same callback). */
	status_from_lines(st, captured);
	if (http_status != 200 && st->code < 0) {
		st->code = grpc_code_from_http(http_status);
		snprintf(st->message, sizeof st->message, "HTTP status %ld without grpc-status",
			 http_status);
		return st->code;
	}
	if (strncasecmp(content_type ? content_type : "", "application/grpc", 16) != 0) {
		st->code = 2;
		snprintf(st->message, sizeof st->message,
			 "not a ChirpStack gRPC endpoint (HTTP %ld, content-type \"%.60s\")",
			 http_status, content_type ? content_type : "");
		return st->code;
	}
	const uint8_t *msg = NULL;
	size_t n = 0;
	char err[160];
	if (t == GRPC_WEB && st->code >= 0) {
		/* trailers-only: the body must be empty; the status stands */
	} else {
		int rc = t == GRPC_WEB ? grpcweb_split(body, len, &msg, &n, st, err, sizeof err)
				       : grpc_split(body, len, &msg, &n, err, sizeof err);
		if (rc < 0) {
			st->code = 2;
			str_copy_cut(st->message, sizeof st->message, err);
			return st->code;
		}
	}
	if (st->code < 0) {
		st->code = 2;
		snprintf(st->message, sizeof st->message, "missing grpc-status");
		return st->code;
	}
	if (st->code == 0) {
		if (!msg) {
			st->code = 2;
			snprintf(st->message, sizeof st->message,
				 "no message in a successful unary answer");
			return st->code;
		}
		strbuf_add(out, msg, n);
	}
	return st->code;
}

struct grpc_conn {
	struct http_client *http;
	char *base;
	enum grpc_transport t;
};

struct grpc_conn *grpc_conn_new(const char *base_url, const char *api_key, enum grpc_transport t,
				const char *ca_file, bool insecure, long timeout_s, int retries)
{
	struct grpc_conn *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	struct http_opts o = {0};
	o.bearer = api_key && *api_key ? api_key : NULL;
	o.ca_file = ca_file;
	o.insecure = insecure;
	o.timeout_s = timeout_s;
	o.retries = retries;
	o.no_accept_encoding = true;
	o.capture_prefix = "grpc-";
	if (t == GRPC_WEB) {
		o.content_type = "application/grpc-web+proto";
		o.accept = "application/grpc-web+proto";
		o.more_headers[0] = "Expect:";
	} else {
		o.content_type = "application/grpc";
		o.accept = "application/grpc";
		o.more_headers[0] = "te: trailers"; /* lowercase: grpc C-core resets without it */
		o.h2_prior_knowledge = true;
	}
	g->http = http_client_new(&o);
	g->base = strdup(base_url);
	g->t = t;
	if (!g->http || !g->base) {
		grpc_conn_free(g);
		return NULL;
	}
	return g;
}

void grpc_conn_free(struct grpc_conn *g)
{
	if (!g)
		return;
	http_client_free(g->http);
	free(g->base);
	free(g);
}

int grpc_call(struct grpc_conn *g, const char *method, const struct strbuf *req, struct strbuf *out,
	      struct grpc_status *st)
{
	struct strbuf url = STRBUF_INIT, frame = STRBUF_INIT;
	strbuf_addstr(&url, g->base);
	strbuf_addstr(&url, method);
	grpc_frame_put(&frame, req->buf, req->len);
	struct http_response r;
	/* POST: the HTTP engine sends each on a fresh connection, which also
	 * keeps libcurl < 8.0.0 from reusing an HTTP/2 stream state after a
	 * reset (curl #10634). */
	int rc = http_request_len(g->http, "POST", url.buf, frame.buf, frame.len, &r);
	grpc_status_init(st);
	strbuf_reset(out);
	if (rc < 0) {
		str_copy_cut(st->message, sizeof st->message, r.transport_error);
		http_response_free(&r);
		strbuf_release(&url);
		strbuf_release(&frame);
		return -1;
	}
	if (g->t == GRPC_PLAIN && r.http_version != CURL_HTTP_VERSION_2_0) {
		st->code = 14;
		snprintf(st->message, sizeof st->message,
			 "the server answered %s over HTTP/1.x: plain gRPC needs HTTP/2 end to end "
			 "(use --transport grpc-web)",
			 method);
		rc = st->code;
	} else {
		rc = grpc_interpret(g->t, r.status, r.content_type, r.captured,
				    (const uint8_t *)r.body, r.len, out, st);
	}
	http_response_free(&r);
	strbuf_release(&url);
	strbuf_release(&frame);
	return rc;
}

bool grpc_backoff(const struct grpc_conn *g, int n)
{
	return http_backoff(g->http, n);
}
