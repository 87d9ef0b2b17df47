/*
 * gRPC and gRPC-web framing for one unary call (spec: sources-transport.md
 * §1.3; grpc PROTOCOL-HTTP2.md and PROTOCOL-WEB.md).
 *
 * A message on the wire is a 5-byte prefix (flags, then the length as an
 * unsigned 32-bit big-endian number) followed by the protobuf bytes. A
 * gRPC-web response body is one data frame (flags 0) and then a trailer
 * frame (flags 0x80) whose payload is "name:value\r\n" lines carrying
 * grpc-status and grpc-message. A frame with the compression bit (0x01)
 * set is refused: we never offer compression.
 *
 * This part is pure byte handling, with no I/O, so that it is unit-tested
 * on buffers (tests/unit/test_grpcweb.c).
 */
#ifndef TTNM_SOURCES_GRPCWEB_H
#define TTNM_SOURCES_GRPCWEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"

#define GRPC_FRAME_MAX (16u << 20) /* a larger message than this is refused */

struct grpc_status {
	int code;	   /* -1 while no grpc-status was seen */
	char message[256]; /* percent-decoded grpc-message, cut visibly */
};

void grpc_status_init(struct grpc_status *st);

/* Appends one uncompressed data frame holding msg. */
void grpc_frame_put(struct strbuf *sb, const void *msg, size_t n);

/*
 * Reads one "name:value" header or trailer line (without or with its
 * CR/LF): names compare case-insensitively, spaces after the colon are
 * trimmed. Sets st->code for grpc-status (a decimal number 0..16 and
 * beyond; anything else is code 2, "unknown") and st->message for
 * grpc-message. Returns true when the line was one of the two.
 */
bool grpc_status_line(struct grpc_status *st, const char *line, size_t n);

/*
 * Splits a gRPC-web response body: at most one data frame (*msg and *msglen
 * point into body; NULL/0 when there is none) and the trailer frame, whose
 * lines go to grpc_status_line(). Returns 0, or -1 with a reason in err
 * (truncated frame, compressed frame, a second data frame, data after the
 * trailers, a frame larger than GRPC_FRAME_MAX).
 */
int grpcweb_split(const uint8_t *body, size_t len, const uint8_t **msg, size_t *msglen,
		  struct grpc_status *st, char *err, size_t errlen);

/*
 * Plain gRPC: the body holds only data frames (the status comes in HTTP/2
 * trailers); exactly one is expected for a unary answer. Same errors.
 */
int grpc_split(const uint8_t *body, size_t len, const uint8_t **msg, size_t *msglen, char *err,
	       size_t errlen);

/* The gRPC code for an HTTP status that came without grpc-status
 * (grpc http-grpc-status-mapping.md): 400→13, 401→16, 403→7, 404→12,
 * 429/502/503/504→14, anything else 2. */
int grpc_code_from_http(long http_status);

/* The canonical name of a gRPC code ("NOT_FOUND"), or "UNKNOWN". */
const char *grpc_code_name(int code);

/* Percent-decodes src into dst (cap > 0), cut visibly when too long; an
 * invalid escape is copied as it stands. */
void grpc_percent_decode(char *dst, size_t cap, const char *src, size_t n);

/* One unary call over the HTTP engine (net/http.h). */
enum grpc_transport {
	GRPC_WEB,   /* gRPC-web binary over HTTP/1.1 or HTTP/2 (the default) */
	GRPC_PLAIN, /* gRPC over HTTP/2: prior knowledge on http://, ALPN on https:// */
};

/*
 * Interprets one answer (grpc-transport §1.3 "Response handling"):
 * http_status and content_type as received, captured = the "grpc-" header
 * (and, for plain gRPC, trailer) lines, body = the raw body. Returns the
 * gRPC code (0: the message is in *out) with st->message set; a non-gRPC
 * answer is code 2 (or the HTTP mapping) with a message saying what came.
 */
int grpc_interpret(enum grpc_transport t, long http_status, const char *content_type,
		   const char *captured, const uint8_t *body, size_t len, struct strbuf *out,
		   struct grpc_status *st);

struct grpc_conn;

/* base_url: "http://host:port" or "https://host:port", no trailing slash.
 * The key is kept only in the HTTP engine's header list (wiped on free). */
struct grpc_conn *grpc_conn_new(const char *base_url, const char *api_key, enum grpc_transport t,
				const char *ca_file, bool insecure, long timeout_s, int retries);
void grpc_conn_free(struct grpc_conn *g);

/*
 * Calls method ("/api.DeviceService/Get") with the serialized request.
 * Returns the gRPC code (0 with the answer in *out), or -1 when no HTTP
 * answer arrived (st->message then holds the transport error).
 */
int grpc_call(struct grpc_conn *g, const char *method, const struct strbuf *req, struct strbuf *out,
	      struct grpc_status *st);

/* Waits as before attempt n+1 of a call (the HTTP engine's jittered
 * backoff); false when cut short by Ctrl-C or SIGTERM. */
bool grpc_backoff(const struct grpc_conn *g, int n);

#endif
