/*
 * badserver: a deliberately misbehaving HTTP/1.1 server for the fault and
 * secrets tests. It answers every request the same bad way (--mode), on
 * loopback only, and prints its port on stdout (--port 0 picks a free one).
 *
 *   badserver --mode MODE [--port N] [--log FILE] [--location URL]
 *             [--interval-ms N] [--quiet]
 *
 * With --log, one line per request is appended to FILE:
 *   METHOD PATH auth=0|1
 * (auth=1 when an Authorization header came with it; its value is never
 * written anywhere), so a test can tell which methods reached the server and
 * whether a credential did.
 *
 * Each connection gets its own thread; every answer ends the connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQUEST (64u << 10)
#define HUGE_BODY   (40u << 20) /* more than the client's 32 MiB bound */

struct mode_desc {
	const char *name;
	const char *help;
};

static const struct mode_desc modes[] = {
    {"truncated", "200 JSON whose body ends long before its Content-Length"},
    {"html", "200 text/html (a login page or proxy error instead of the API)"},
    {"huge", "200 JSON with a 40 MiB body (Content-Length given)"},
    {"huge-chunked", "200 JSON with a 40 MiB chunked body (no Content-Length)"},
    {"gzip-bomb", "200 JSON, Content-Encoding gzip: ~200 KiB that inflate to 40 MiB"},
    {"slowloris", "headers, then one body byte every --interval-ms (default 1000)"},
    {"hang", "accepts and reads the request, then never answers"},
    {"close", "closes the connection without answering"},
    {"bad-utf8", "200 JSON object with invalid UTF-8 inside strings"},
    {"wrong-types", "200 JSON device whose fields have the wrong types (\"session\": 5)"},
    {"ns-session-number", "a valid device, but the Network Server's has \"session\": 5"},
    {"error-200", "200 whose body is a TTS error (google.rpc.Status)"},
    {"forbidden-mixed", "400 field_mask_paths refusing [\"created_at\", 1] (not all strings)"},
    {"redirect", "302 to --location URL (plus the request path)"},
    {"big-header", "200 with a 256 KiB response header line"},
    {"echo-auth", "401 whose message repeats the Authorization header it got"},
    {"ok", "200 {} (for recording requests, e.g. as a redirect target)"},
    {NULL, NULL},
};

static const char *mode;
static const char *location = "";
static long interval_ms = 1000;
static FILE *log_fp;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *gzip_body;
static size_t gzip_len;

/* ---- small helpers ---------------------------------------------------------- */

static int send_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_str(int fd, const char *s)
{
	return send_all(fd, s, strlen(s));
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Sends a whole answer with a Content-Length. */
static int respond(int fd, const char *status, const char *ctype, const char *body)
{
	char head[512];
	snprintf(head, sizeof head,
		 "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: "
		 "close\r\n\r\n",
		 status, ctype, strlen(body));
	if (send_str(fd, head) < 0)
		return -1;
	return send_str(fd, body);
}

/* ---- the gzip bomb: a hand-made deflate stream (RFC 1951 fixed Huffman) ----- */

struct bits {
	unsigned char *buf;
	size_t len, cap;
	uint32_t acc;
	int n;
};

static void put_bits(struct bits *b, uint32_t v, int n) /* LSB first */
{
	for (int i = 0; i < n; i++) {
		b->acc |= ((v >> i) & 1u) << b->n;
		if (++b->n == 8) {
			b->buf[b->len++] = (unsigned char)b->acc;
			b->acc = 0;
			b->n = 0;
		}
	}
}

static void put_code(struct bits *b, uint32_t code, int n) /* Huffman: MSB first */
{
	for (int i = n - 1; i >= 0; i--)
		put_bits(b, (code >> i) & 1u, 1);
}

static void put_literal(struct bits *b, unsigned char c)
{
	if (c < 144)
		put_code(b, 0x30u + c, 8);
	else
		put_code(b, 0x190u + (c - 144u), 9);
}

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc_update(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}

static uint32_t crc_repeat(uint32_t crc, unsigned char c, size_t n)
{
	unsigned char block[4096];
	memset(block, c, sizeof block);
	while (n > 0) {
		size_t k = n < sizeof block ? n : sizeof block;
		crc = crc_update(crc, block, k);
		n -= k;
	}
	return crc;
}

/* `{"pad":"` then 'A' repeated up to HUGE_BODY bytes in total, gzip'ed. */
static int make_gzip_bomb(void)
{
	static const char prefix[] = "{\"pad\":\"";
	size_t plen = sizeof prefix - 1;
	size_t runs = (HUGE_BODY - plen - 1) / 258;
	size_t total = plen + 1 + runs * 258;
	struct bits b = {0};
	b.cap = 64 + runs * 2 + runs / 8;
	b.buf = calloc(1, b.cap);
	if (!b.buf)
		return -1;
	static const unsigned char head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
	memcpy(b.buf, head, sizeof head);
	b.len = sizeof head;
	put_bits(&b, 1, 1); /* BFINAL */
	put_bits(&b, 1, 2); /* BTYPE 01: fixed Huffman */
	for (size_t i = 0; i < plen; i++)
		put_literal(&b, (unsigned char)prefix[i]);
	put_literal(&b, 'A');
	for (size_t i = 0; i < runs; i++) {
		put_code(&b, 0xC5, 8); /* length code 285: 258 bytes */
		put_code(&b, 0, 5);    /* distance code 0: distance 1 */
	}
	put_code(&b, 0, 7); /* end of block */
	if (b.n)
		put_bits(&b, 0, 8 - b.n);
	crc_init();
	uint32_t crc = crc_update(0, (const unsigned char *)prefix, plen);
	crc = crc_repeat(crc, 'A', total - plen);
	uint32_t size = (uint32_t)total;
	for (int i = 0; i < 4; i++)
		b.buf[b.len++] = (unsigned char)(crc >> (8 * i));
	for (int i = 0; i < 4; i++)
		b.buf[b.len++] = (unsigned char)(size >> (8 * i));
	gzip_body = b.buf;
	gzip_len = b.len;
	return 0;
}

/* ---- requests --------------------------------------------------------------- */

struct request {
	char method[16];
	char path[1024];
	bool auth;
	char auth_value[512]; /* only for echo-auth; never logged */
};

/* Reads the request head (and discards any body). -1 when there is none. */
static int read_request(int fd, struct request *rq)
{
	char *buf = malloc(MAX_REQUEST + 1);
	size_t len = 0;
	char *end = NULL;
	if (!buf)
		return -1;
	while (!end && len < MAX_REQUEST) {
		ssize_t r = recv(fd, buf + len, MAX_REQUEST - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	if (!end) {
		free(buf);
		return -1;
	}
	*end = '\0';
	memset(rq, 0, sizeof *rq);
	sscanf(buf, "%15s %1023s", rq->method, rq->path);
	size_t body = 0;
	for (char *line = strstr(buf, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
		const char *h = line + 2;
		if (strncasecmp(h, "Authorization:", 14) == 0) {
			rq->auth = true;
			size_t n = strcspn(h + 14, "\r\n");
			snprintf(rq->auth_value, sizeof rq->auth_value, "%.*s", (int)n, h + 14);
		} else if (strncasecmp(h, "Content-Length:", 15) == 0)
			body = strtoul(h + 15, NULL, 10);
	}
	/* Drain the body so that the client does not see a reset mid-upload. */
	size_t have = len - (size_t)(end + 4 - buf);
	while (have < body && body < MAX_REQUEST) {
		ssize_t r = recv(fd, buf, MAX_REQUEST, 0);
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	free(buf);
	return rq->method[0] ? 0 : -1;
}

static void log_request(const struct request *rq)
{
	if (!log_fp)
		return;
	pthread_mutex_lock(&log_lock);
	fprintf(log_fp, "%s %s auth=%d\n", rq->method, rq->path, rq->auth ? 1 : 0);
	fflush(log_fp);
	pthread_mutex_unlock(&log_lock);
}

/* A 40 MiB JSON string, sent in pieces; chunked or with a length. */
static void send_huge(int fd, bool chunked)
{
	char head[256];
	static const char prefix[] = "{\"pad\":\"";
	snprintf(head, sizeof head,
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n%s\r\nConnection: "
		 "close\r\n\r\n",
		 chunked ? "Transfer-Encoding: chunked" : "Content-Length: 41943040");
	if (send_str(fd, head) < 0)
		return;
	char *piece = malloc(65536 + 32);
	if (!piece)
		return;
	size_t sent = 0;
	while (sent < HUGE_BODY) {
		size_t n = 65536, off = 0;
		if (HUGE_BODY - sent < n)
			n = HUGE_BODY - sent;
		char *data = piece + 16;
		memset(data, 'A', n);
		if (sent == 0)
			memcpy(data, prefix, sizeof prefix - 1);
		if (chunked) {
			char len[16];
			int k = snprintf(len, sizeof len, "%zx\r\n", n);
			off = 16 - (size_t)k;
			memcpy(piece + off, len, (size_t)k);
			memcpy(data + n, "\r\n", 2);
		}
		if (send_all(fd, piece + (chunked ? off : 16), (chunked ? 16 - off + n + 2 : n)) <
		    0)
			break; /* the client gave up: that is the point */
		sent += n;
	}
	if (chunked && sent == HUGE_BODY)
		send_str(fd, "0\r\n\r\n");
	free(piece);
}

static void answer(int fd, const struct request *rq)
{
	static const char json[] = "application/json";
	if (!strcmp(mode, "truncated")) {
		send_str(fd,
			 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			 "Content-Length: 4096\r\nConnection: close\r\n\r\n"
			 "{\"ids\":{\"device_id\":\"fault-dev\",\"application_ids\":{\"applicati");
	} else if (!strcmp(mode, "html")) {
		respond(fd, "200 OK", "text/html; charset=utf-8",
			"<!DOCTYPE html><html><head><title>Sign in</title></head>"
			"<body><form action=\"/login\"></form></body></html>\n");
	} else if (!strcmp(mode, "huge")) {
		send_huge(fd, false);
	} else if (!strcmp(mode, "huge-chunked")) {
		send_huge(fd, true);
	} else if (!strcmp(mode, "gzip-bomb")) {
		char head[256];
		snprintf(head, sizeof head,
			 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: "
			 "gzip\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			 gzip_len);
		if (send_str(fd, head) == 0)
			send_all(fd, gzip_body, gzip_len);
	} else if (!strcmp(mode, "slowloris")) {
		if (send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				 "Content-Length: 100000\r\nConnection: close\r\n\r\n{") < 0)
			return;
		/* At most ten minutes, then give up on a client that waits. */
		for (long waited = 0; waited < 600000; waited += interval_ms) {
			sleep_ms(interval_ms);
			if (send_str(fd, " ") < 0)
				return;
		}
	} else if (!strcmp(mode, "hang")) {
		char c;
		while (recv(fd, &c, 1, 0) > 0)
			;
	} else if (!strcmp(mode, "close")) {
		/* nothing: the caller closes */
	} else if (!strcmp(mode, "bad-utf8")) {
		respond(fd, "200 OK", json,
			"{\"ids\":{\"device_id\":\"fault-dev\",\"application_ids\":"
			"{\"application_id\":\"fault-app\"}},\"name\":\"caf\xc3\x28 \xff\xfe\","
			"\"description\":\"\xed\xa0\x80\"}");
	} else if (!strcmp(mode, "wrong-types")) {
		respond(fd, "200 OK", json,
			"{\"ids\":{\"device_id\":\"fault-dev\",\"application_ids\":"
			"{\"application_id\":\"fault-app\"},\"dev_eui\":\"70B3D57ED0000001\"},"
			"\"session\":5,\"root_keys\":\"EFE35B55F8B394A68567F8A36F5AC44A\","
			"\"mac_state\":[1,2],\"lorawan_version\":{\"v\":1},"
			"\"frequency_plan_id\":17,\"supports_join\":\"yes\"}");
	} else if (!strcmp(mode, "ns-session-number")) {
		bool ns = strncmp(rq->path, "/api/v3/ns/", 11) == 0;
		respond(fd, "200 OK", json,
			ns ? "{\"ids\":{\"device_id\":\"fault-dev\",\"application_ids\":"
			     "{\"application_id\":\"fault-app\"}},\"session\":5}"
			   : "{\"ids\":{\"device_id\":\"fault-dev\",\"application_ids\":"
			     "{\"application_id\":\"fault-app\"}},\"name\":\"ok\"}");
	} else if (!strcmp(mode, "error-200")) {
		respond(fd, "200 OK", json,
			"{\"code\":5,\"message\":\"error:pkg/registry:device_not_found (device "
			"not found)\",\"details\":[{\"@type\":\"type.googleapis.com/"
			"ttn.lorawan.v3.ErrorDetails\",\"namespace\":\"pkg/registry\",\"name\":"
			"\"device_not_found\",\"message_format\":\"device not found\","
			"\"code\":5}]}");
	} else if (!strcmp(mode, "forbidden-mixed")) {
		respond(fd, "400 Bad Request", json,
			"{\"code\":3,\"message\":\"error:pkg/ttnpb:field_mask_paths (forbidden "
			"path(s) in field mask)\",\"details\":[{\"namespace\":\"pkg/ttnpb\","
			"\"name\":\"field_mask_paths\",\"attributes\":{\"forbidden_paths\":"
			"[\"created_at\",1,null,{\"p\":\"x\"}]}}]}");
	} else if (!strcmp(mode, "echo-auth")) {
		char body[1024];
		snprintf(body, sizeof body,
			 "{\"code\":16,\"message\":\"invalid credentials:%s\",\"details\":[]}",
			 rq->auth_value);
		respond(fd, "401 Unauthorized", json, body);
	} else if (!strcmp(mode, "redirect")) {
		char head[2048];
		snprintf(head, sizeof head,
			 "HTTP/1.1 302 Found\r\nLocation: %s%s\r\nContent-Type: text/html\r\n"
			 "Content-Length: 0\r\nConnection: close\r\n\r\n",
			 location, rq->path);
		send_str(fd, head);
	} else if (!strcmp(mode, "big-header")) {
		size_t n = 256u << 10;
		char *h = malloc(n + 64);
		if (!h)
			return;
		memcpy(h, "X-Padding: ", 11);
		memset(h + 11, 'p', n);
		memcpy(h + 11 + n, "\r\n", 3);
		if (send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n") == 0 &&
		    send_str(fd, h) == 0)
			send_str(fd, "Content-Length: 2\r\nConnection: close\r\n\r\n{}");
		free(h);
	} else {
		respond(fd, "200 OK", json, "{}");
	}
}

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct request rq;
	if (read_request(fd, &rq) == 0) {
		log_request(&rq);
		answer(fd, &rq);
	}
	shutdown(fd, SHUT_WR);
	close(fd);
	return NULL;
}

/* ---- main ---------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "usage: badserver --mode MODE [--port N] [--log FILE] [--location URL]\n"
		   "                 [--interval-ms N] [--quiet]\n\nmodes:\n");
	for (const struct mode_desc *m = modes; m->name; m++)
		fprintf(f, "  %-13s %s\n", m->name, m->help);
}

int main(int argc, char **argv)
{
	unsigned long port = 0;
	const char *log_path = NULL;
	bool quiet = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--quiet")) {
			quiet = true;
			continue;
		}
		if (!strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!v) {
			usage(stderr);
			return 2;
		}
		i++;
		if (!strcmp(a, "--mode"))
			mode = v;
		else if (!strcmp(a, "--port"))
			port = strtoul(v, NULL, 10);
		else if (!strcmp(a, "--log"))
			log_path = v;
		else if (!strcmp(a, "--location"))
			location = v;
		else if (!strcmp(a, "--interval-ms"))
			interval_ms = strtol(v, NULL, 10);
		else {
			usage(stderr);
			return 2;
		}
	}
	bool known = false;
	for (const struct mode_desc *m = modes; mode && m->name; m++)
		known = known || !strcmp(mode, m->name);
	if (!known || port > 65535 || interval_ms < 1) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(mode, "gzip-bomb") && make_gzip_bomb() < 0)
		return 1;
	if (log_path && !(log_fp = fopen(log_path, "a"))) {
		perror(log_path);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only, always */
	socklen_t sl = sizeof sa;
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 64) < 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &sl) < 0) {
		perror("badserver: listen");
		return 1;
	}
	printf("%u\n", (unsigned)ntohs(sa.sin_port));
	fflush(stdout);
	if (!quiet)
		fprintf(stderr, "badserver: %s on http://127.0.0.1:%u\n", mode,
			(unsigned)ntohs(sa.sin_port));
	for (;;) {
		int fd = accept(ls, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			perror("badserver: accept");
			return 1;
		}
		pthread_t t;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &at, serve, (void *)(intptr_t)fd) != 0)
			close(fd);
		pthread_attr_destroy(&at);
	}
}
