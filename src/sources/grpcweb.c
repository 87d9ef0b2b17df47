/* The gRPC / gRPC-web framing of grpcweb.h. */
#include "sources/grpcweb.h"

#include <stdio.h>
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

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void grpc_percent_decode(char *dst, size_t cap, const char *src, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (src[i] == '%' && i + 2 < n && (hi = hexval(src[i + 1])) >= 0 &&
		    (lo = hexval(src[i + 2])) >= 0) {
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
