/*
 * Unit tests for src/sources/grpcweb.c: the 5-byte frame prefix, splitting
 * gRPC-web bodies (data frame + 0x80 trailer frame), plain gRPC bodies,
 * status lines, percent-decoding and the HTTP→gRPC code mapping.
 *
 * Frame bytes were written by hand from grpc's PROTOCOL-HTTP2.md
 * ("Length-Prefixed-Message": 1 byte compressed flag, 4 bytes big-endian
 * length) and PROTOCOL-WEB.md (trailer frame: MSB of the flag byte set,
 * payload "name:value\r\n" lines).
 */
#define _GNU_SOURCE /* strcasestr */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "net/http.h"

#include "sources/grpcweb.h"

static void test_frame_put(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	grpc_frame_put(&sb, "\x0a\x02hi", 4);
	static const uint8_t want[] = {0, 0, 0, 0, 4, 0x0a, 0x02, 'h', 'i'};
	assert_int_equal(sb.len, sizeof want);
	assert_memory_equal(sb.buf, want, sizeof want);
	strbuf_reset(&sb);
	grpc_frame_put(&sb, NULL, 0); /* an empty message still has its prefix */
	assert_int_equal(sb.len, 5);
	assert_memory_equal(sb.buf, "\0\0\0\0\0", 5);
	strbuf_reset(&sb);
	/* a length over 255 uses the higher bytes, big-endian: 0x0102 = 258 */
	char big[258];
	memset(big, 'x', sizeof big);
	grpc_frame_put(&sb, big, sizeof big);
	assert_int_equal(sb.len, 263);
	assert_memory_equal(sb.buf, "\0\0\0\x01\x02", 5);
	strbuf_release(&sb);
}

static const uint8_t ok_body[] = {
    0x00, 0,   0,   0,	 3,   0x08, 0x96, 0x01, /* data frame: field 1 = 150 */
    0x80, 0,   0,   0,	 30,			/* trailer frame, 30 bytes */
    'g',  'r', 'p', 'c', '-', 's',  't',  'a',	't', 'u', 's', ':', '0', '\r', '\n',
    'g',  'r', 'p', 'c', '-', 'm',  'e',  's',	's', 'a', 'g', 'e', ':', '\r', '\n',
};

static void test_split_ok(void **state)
{
	(void)state;
	const uint8_t *msg;
	size_t n;
	struct grpc_status st;
	char err[128];
	grpc_status_init(&st);
	assert_int_equal(grpcweb_split(ok_body, sizeof ok_body, &msg, &n, &st, err, sizeof err), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(msg, "\x08\x96\x01", 3);
	assert_int_equal(st.code, 0);
	assert_string_equal(st.message, "");
}

static void test_split_error_trailers(void **state)
{
	(void)state;
	/* No data frame, status 5 with a percent-encoded message, mixed-case
	 * names and a space after the colon. */
	struct strbuf sb = STRBUF_INIT;
	const char *t =
	    "Grpc-Status: 5\r\ngrpc-message: Object does not exist (id: 0102%20x%E2%82%AC)\r\n";
	uint8_t h[5] = {0x80, 0, 0, 0, (uint8_t)strlen(t)};
	strbuf_add(&sb, h, 5);
	strbuf_addstr(&sb, t);
	const uint8_t *msg;
	size_t n;
	struct grpc_status st;
	char err[128];
	grpc_status_init(&st);
	assert_int_equal(
	    grpcweb_split((const uint8_t *)sb.buf, sb.len, &msg, &n, &st, err, sizeof err), 0);
	assert_null(msg);
	assert_int_equal(n, 0);
	assert_int_equal(st.code, 5);
	assert_string_equal(st.message, "Object does not exist (id: 0102 x\xe2\x82\xac)");
	strbuf_release(&sb);
}

static void test_split_refused(void **state)
{
	(void)state;
	const uint8_t *msg;
	size_t n;
	struct grpc_status st;
	char err[128];
	/* every proper prefix that cuts a frame is refused */
	for (size_t len = 1; len < sizeof ok_body; len++) {
		grpc_status_init(&st);
		int rc = grpcweb_split(ok_body, len, &msg, &n, &st, err, sizeof err);
		assert_int_equal(rc, len == 8 ? 0 : -1);
	}
	/* compressed */
	static const uint8_t comp[] = {0x01, 0, 0, 0, 1, 0x00};
	assert_int_equal(grpcweb_split(comp, sizeof comp, &msg, &n, &st, err, sizeof err), -1);
	assert_non_null(strstr(err, "compressed"));
	/* two data frames */
	static const uint8_t two[] = {0, 0, 0, 0, 1, 0x08, 0, 0, 0, 0, 1, 0x08};
	assert_int_equal(grpcweb_split(two, sizeof two, &msg, &n, &st, err, sizeof err), -1);
	assert_int_equal(grpc_split(two, sizeof two, &msg, &n, err, sizeof err), -1);
	/* data after the trailers */
	static const uint8_t after[] = {0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	assert_int_equal(grpcweb_split(after, sizeof after, &msg, &n, &st, err, sizeof err), -1);
	/* a hostile length */
	static const uint8_t huge[] = {0, 0xff, 0xff, 0xff, 0xff, 1, 2};
	assert_int_equal(grpcweb_split(huge, sizeof huge, &msg, &n, &st, err, sizeof err), -1);
	assert_int_equal(grpc_split(huge, sizeof huge, &msg, &n, err, sizeof err), -1);
	/* a trailer frame in a plain gRPC body */
	assert_int_equal(grpc_split(ok_body, sizeof ok_body, &msg, &n, err, sizeof err), -1);
}

static void test_grpc_split(void **state)
{
	(void)state;
	const uint8_t *msg;
	size_t n;
	char err[128];
	assert_int_equal(grpc_split(ok_body, 8, &msg, &n, err, sizeof err), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(msg, "\x08\x96\x01", 3);
	assert_int_equal(grpc_split(ok_body, 0, &msg, &n, err, sizeof err), 0);
	assert_null(msg);
	assert_int_equal(grpc_split(ok_body, 7, &msg, &n, err, sizeof err), -1);
}

static void test_status_lines(void **state)
{
	(void)state;
	struct grpc_status st;
	grpc_status_init(&st);
	assert_int_equal(st.code, -1);
	assert_false(grpc_status_line(&st, "content-type: application/grpc", 30));
	assert_false(grpc_status_line(&st, "no colon here", 13));
	assert_int_equal(st.code, -1);
	assert_true(grpc_status_line(&st, "grpc-status: 16\r\n", 17));
	assert_int_equal(st.code, 16);
	assert_true(grpc_status_line(&st, "GRPC-STATUS:13", 14));
	assert_int_equal(st.code, 13);
	assert_true(grpc_status_line(&st, "grpc-status: x1", 15)); /* garbage: UNKNOWN */
	assert_int_equal(st.code, 2);
	assert_true(grpc_status_line(&st, "grpc-status:", 12));
	assert_int_equal(st.code, 2);
	/* a longer name that starts like one of ours is not ours */
	grpc_status_init(&st);
	assert_false(grpc_status_line(&st, "grpc-status-details-bin: AAAA", 29));
	assert_int_equal(st.code, -1);
	/* bad escapes are kept as they stand */
	assert_true(grpc_status_line(&st, "grpc-message: 100%%zz%4", 23));
	assert_string_equal(st.message, "100%%zz%4");
}

static void test_mapping(void **state)
{
	(void)state;
	assert_int_equal(grpc_code_from_http(400), 13);
	assert_int_equal(grpc_code_from_http(401), 16);
	assert_int_equal(grpc_code_from_http(403), 7);
	assert_int_equal(grpc_code_from_http(404), 12);
	assert_int_equal(grpc_code_from_http(429), 14);
	assert_int_equal(grpc_code_from_http(502), 14);
	assert_int_equal(grpc_code_from_http(503), 14);
	assert_int_equal(grpc_code_from_http(504), 14);
	assert_int_equal(grpc_code_from_http(500), 2);
	assert_int_equal(grpc_code_from_http(200), 2);
	assert_string_equal(grpc_code_name(0), "OK");
	assert_string_equal(grpc_code_name(5), "NOT_FOUND");
	assert_string_equal(grpc_code_name(13), "INTERNAL");
	assert_string_equal(grpc_code_name(16), "UNAUTHENTICATED");
	assert_string_equal(grpc_code_name(17), "UNKNOWN");
	assert_string_equal(grpc_code_name(-1), "UNKNOWN");
}

static void test_percent_cut(void **state)
{
	(void)state;
	char small[8];
	grpc_percent_decode(small, sizeof small, "abcdefghijkl", 12);
	assert_int_equal(strlen(small), 7);
	assert_non_null(strstr(small, "...")); /* cut visibly */
	grpc_percent_decode(small, sizeof small, "%41%62", 6);
	assert_string_equal(small, "Ab");
}

static void test_interpret(void **state)
{
	(void)state;
	struct strbuf out = STRBUF_INIT;
	struct grpc_status st;
	const char *web = "application/grpc-web+proto";
	/* gRPC-web success: message from the data frame, status from the 0x80 frame */
	assert_int_equal(
	    grpc_interpret(GRPC_WEB, 200, web, NULL, ok_body, sizeof ok_body, &out, &st), 0);
	assert_int_equal(out.len, 3);
	assert_memory_equal(out.buf, "\x08\x96\x01", 3);
	/* trailers-only (status in the headers, empty body) */
	assert_int_equal(grpc_interpret(GRPC_WEB, 200, web,
					"grpc-status: 5\ngrpc-message: Object does not exist\n",
					NULL, 0, &out, &st),
			 5);
	assert_string_equal(st.message, "Object does not exist");
	assert_int_equal(out.len, 0);
	/* HTTP error without grpc-status: the mapping */
	assert_int_equal(grpc_interpret(GRPC_WEB, 401, "text/plain", NULL, NULL, 0, &out, &st), 16);
	assert_int_equal(grpc_interpret(GRPC_WEB, 503, "", NULL, NULL, 0, &out, &st), 14);
	/* the web UI or a proxy page answering 200 with HTML */
	assert_int_equal(grpc_interpret(GRPC_WEB, 200, "text/html", NULL, (const uint8_t *)"<html>",
					6, &out, &st),
			 2);
	assert_non_null(strstr(st.message, "not a ChirpStack gRPC endpoint"));
	/* a data frame but no trailer frame: missing status */
	assert_int_equal(grpc_interpret(GRPC_WEB, 200, web, NULL, ok_body, 8, &out, &st), 2);
	assert_string_equal(st.message, "missing grpc-status");
	assert_int_equal(out.len, 0);
	/* a truncated body */
	assert_int_equal(grpc_interpret(GRPC_WEB, 200, web, NULL, ok_body, 6, &out, &st), 2);
	/* plain gRPC: data frame in the body, status from the trailers */
	assert_int_equal(grpc_interpret(GRPC_PLAIN, 200, "application/grpc", "grpc-status: 0\n",
					ok_body, 8, &out, &st),
			 0);
	assert_int_equal(out.len, 3);
	assert_int_equal(
	    grpc_interpret(GRPC_PLAIN, 200, "application/grpc", NULL, ok_body, 8, &out, &st), 2);
	assert_int_equal(grpc_interpret(GRPC_PLAIN, 200, "application/grpc",
					"grpc-status: 16\ngrpc-message: bad%20token\n", NULL, 0,
					&out, &st),
			 16);
	assert_string_equal(st.message, "bad token");
	/* success without any message is not a unary answer */
	assert_int_equal(grpc_interpret(GRPC_PLAIN, 200, "application/grpc", "grpc-status: 0\n",
					NULL, 0, &out, &st),
			 2);
	strbuf_release(&out);
}

/* A one-shot loopback HTTP/1.1 server: records the request, sends a canned
 * gRPC-web answer, closes. */
struct oneshot {
	int lfd;
	char req[4096];
	size_t reqlen;
};

static void *serve_once(void *arg)
{
	struct oneshot *o = arg;
	int fd = accept(o->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	size_t need = 0;
	for (;;) {
		ssize_t n = read(fd, o->req + o->reqlen, sizeof o->req - 1 - o->reqlen);
		if (n <= 0)
			break;
		o->reqlen += (size_t)n;
		o->req[o->reqlen] = '\0';
		char *end = strstr(o->req, "\r\n\r\n");
		if (end && !need) {
			char *cl = strcasestr(o->req, "content-length:");
			need = (size_t)(end + 4 - o->req) + (cl ? strtoul(cl + 15, NULL, 10) : 0);
		}
		if (need && o->reqlen >= need)
			break;
	}
	char head[256];
	int hl = snprintf(head, sizeof head,
			  "HTTP/1.1 200 OK\r\ncontent-type: application/grpc-web+proto\r\n"
			  "content-length: %zu\r\nconnection: close\r\n\r\n",
			  sizeof ok_body);
	(void)!write(fd, head, (size_t)hl);
	(void)!write(fd, ok_body, sizeof ok_body);
	close(fd);
	return NULL;
}

static void test_call_loopback(void **state)
{
	(void)state;
	static struct oneshot o;
	o.lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(o.lfd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(o.lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(o.lfd, 1), 0);
	socklen_t al = sizeof a;
	getsockname(o.lfd, (struct sockaddr *)&a, &al);
	pthread_t th;
	pthread_create(&th, NULL, serve_once, &o);
	char base[64];
	snprintf(base, sizeof base, "http://127.0.0.1:%u", ntohs(a.sin_port));
	struct grpc_conn *g = grpc_conn_new(base, "s3cr3t-k3y", GRPC_WEB, NULL, false, 10, 0);
	assert_non_null(g);
	struct strbuf req = STRBUF_INIT, out = STRBUF_INIT;
	strbuf_add(&req,
		   "\x0a\x10"
		   "0102030405060708",
		   18); /* field 1, 16 bytes */
	struct grpc_status st;
	int rc = grpc_call(g, "/api.DeviceService/Get", &req, &out, &st);
	pthread_join(th, NULL);
	close(o.lfd);
	assert_int_equal(rc, 0);
	assert_int_equal(out.len, 3);
	assert_memory_equal(out.buf, "\x08\x96\x01", 3);
	assert_true(strncmp(o.req, "POST /api.DeviceService/Get HTTP/1.1\r\n", 38) == 0);
	assert_non_null(strcasestr(o.req, "\r\ncontent-type: application/grpc-web+proto\r\n"));
	assert_non_null(strcasestr(o.req, "\r\naccept: application/grpc-web+proto\r\n"));
	assert_non_null(strstr(o.req, "\r\nAuthorization: Bearer s3cr3t-k3y\r\n"));
	assert_null(strcasestr(o.req, "expect:"));
	assert_null(strcasestr(o.req, "accept-encoding"));
	/* the body is the 5-byte prefix (length 18) and the request bytes */
	char *body = strstr(o.req, "\r\n\r\n") + 4;
	assert_int_equal((size_t)(o.req + o.reqlen - body), 23);
	assert_memory_equal(body,
			    "\0\0\0\0\x12\x0a\x10"
			    "0102030405060708",
			    23);
	grpc_conn_free(g);
	strbuf_release(&req);
	strbuf_release(&out);
	http_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frame_put),
	    cmocka_unit_test(test_split_ok),
	    cmocka_unit_test(test_split_error_trailers),
	    cmocka_unit_test(test_split_refused),
	    cmocka_unit_test(test_grpc_split),
	    cmocka_unit_test(test_status_lines),
	    cmocka_unit_test(test_mapping),
	    cmocka_unit_test(test_interpret),
	    cmocka_unit_test(test_call_loopback),
	    cmocka_unit_test(test_percent_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
