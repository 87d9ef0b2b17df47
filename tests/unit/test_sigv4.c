/*
 * SigV4 request signing as the awsiot source does it: the canonical request
 * target from src/sources/aws_target.c, signed by libcurl's built-in
 * CURLOPT_AWS_SIGV4 ("aws:amz:REGION:SERVICE", key id as user, secret as
 * password, the session token as an x-amz-security-token header), which on
 * Debian 12's libcurl 7.88 signs the target exactly as sent.
 *
 * The cases are the GET cases of the public AWS SigV4 test suite
 * (aws-signing-test-suite/v4, as in awslabs/aws-c-auth tests/, commit
 * 495329c2): credentials AKIDEXAMPLE, region us-east-1, service "service",
 * time 20150830T123600Z, host example.amazonaws.com, and the expected
 * signature of each case's header-signature.txt. The target is given here
 * raw (unencoded, in the case's own order); aws_target() must produce the
 * canonical one, or the signature differs. The header-only cases
 * (duplicate/multiline header values) and the path-normalisation cases are
 * left out: the tool sends neither custom headers nor dot segments.
 *
 * A loopback thread plays the server and keeps each Authorization header.
 */
#define _GNU_SOURCE /* strcasestr */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "sources/aws_target.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN  "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"

struct vector {
	const char *name;
	const char *segs[3];
	size_t nseg;
	struct aws_param q[3];
	size_t nq;
	const char *token;
	const char *signature;
	const char *signed_headers;
};

#define UNRES "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#define U1234 "\xe1\x88\xb4" /* U+1234 in UTF-8 */

static const struct vector vectors[] = {
    {"get-vanilla",
     {0},
     0,
     {{0}},
     0,
     NULL,
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
     "host;x-amz-date"},
    {"get-vanilla-empty-query-key",
     {0},
     0,
     {{"Param1", "value1"}},
     1,
     NULL,
     "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
     "host;x-amz-date"},
    {"get-vanilla-query-order-key-case",
     {0},
     0,
     {{"Param2", "value2"}, {"Param1", "value1"}},
     2,
     NULL,
     "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
     "host;x-amz-date"},
    {"get-vanilla-query-order-encoded",
     {0},
     0,
     {{"Param-3", "Value3"}, {"Param", "Value2"}, {U1234, "Value1"}},
     3,
     NULL,
     "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac",
     "host;x-amz-date"},
    {"get-vanilla-query-unreserved",
     {0},
     0,
     {{UNRES, UNRES}},
     1,
     NULL,
     "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
     "host;x-amz-date"},
    {"get-vanilla-utf8-query",
     {0},
     0,
     {{U1234, "bar"}},
     1,
     NULL,
     "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
     "host;x-amz-date"},
    {"get-unreserved",
     {UNRES},
     1,
     {{0}},
     0,
     NULL,
     "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
     "host;x-amz-date"},
    {"get-utf8",
     {U1234},
     1,
     {{0}},
     0,
     NULL,
     "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
     "host;x-amz-date"},
    {"get-space-normalized",
     {"example space", ""},
     2,
     {{0}},
     0,
     NULL,
     "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
     "host;x-amz-date"},
    {"get-vanilla-with-session-token",
     {0},
     0,
     {{0}},
     0,
     TOKEN,
     "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
     "host;x-amz-date;x-amz-security-token"},
};
#define NV (sizeof vectors / sizeof vectors[0])

struct server {
	int lfd;
	size_t n;
	char auth[NV][512];   /* the Authorization header of each request */
	char target[NV][512]; /* its request target */
};

static void *serve(void *arg)
{
	struct server *sv = arg;
	for (size_t i = 0; i < sv->n; i++) {
		int fd = accept(sv->lfd, NULL, NULL);
		if (fd < 0)
			return NULL;
		char req[8192];
		size_t len = 0;
		while (len < sizeof req - 1) {
			ssize_t r = read(fd, req + len, sizeof req - 1 - len);
			if (r <= 0)
				break;
			len += (size_t)r;
			req[len] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[len] = '\0';
		char *sp = strchr(req, ' '), *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
		if (sp && sp2)
			snprintf(sv->target[i], sizeof sv->target[i], "%.*s", (int)(sp2 - sp - 1),
				 sp + 1);
		char *a = strcasestr(req, "\r\nauthorization: ");
		if (a) {
			a += 17;
			size_t l = strcspn(a, "\r\n");
			snprintf(sv->auth[i], sizeof sv->auth[i], "%.*s", (int)l, a);
		}
		static const char ok[] =
		    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		(void)!write(fd, ok, sizeof ok - 1);
		close(fd);
	}
	return NULL;
}

static size_t discard(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

static void test_signing_suite(void **state)
{
	(void)state;
	static struct server sv;
	sv.n = NV;
	sv.lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(sv.lfd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(sv.lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(sv.lfd, 16), 0);
	socklen_t al = sizeof a;
	getsockname(sv.lfd, (struct sockaddr *)&a, &al);
	pthread_t th;
	pthread_create(&th, NULL, serve, &sv);

	char targets[NV][512];
	for (size_t i = 0; i < NV; i++) {
		const struct vector *v = &vectors[i];
		struct strbuf t = STRBUF_INIT;
		aws_target(&t, v->segs, v->nseg, v->q, v->nq);
		snprintf(targets[i], sizeof targets[i], "%s", t.buf);
		char url[1024];
		snprintf(url, sizeof url, "http://127.0.0.1:%u%s", ntohs(a.sin_port), t.buf);
		strbuf_release(&t);
		CURL *e = curl_easy_init();
		assert_non_null(e);
		/* The host of the suite, while the request goes to the loopback
		 * server: libcurl signs the Host header given here. */
		struct curl_slist *h = curl_slist_append(NULL, "Host: example.amazonaws.com");
		h = curl_slist_append(h, "x-amz-date: 20150830T123600Z");
		if (v->token)
			h = curl_slist_append(h, "x-amz-security-token: " TOKEN);
		curl_easy_setopt(e, CURLOPT_URL, url);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(e, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:service");
		curl_easy_setopt(e, CURLOPT_USERNAME, "AKIDEXAMPLE");
		curl_easy_setopt(e, CURLOPT_PASSWORD, SECRET);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
		CURLcode rc = curl_easy_perform(e);
		curl_slist_free_all(h);
		curl_easy_cleanup(e);
		assert_int_equal(rc, CURLE_OK);
	}
	pthread_join(th, NULL);
	close(sv.lfd);

	int bad = 0;
	for (size_t i = 0; i < NV; i++) {
		const struct vector *v = &vectors[i];
		char want[512];
		snprintf(want, sizeof want,
			 "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
			 "aws4_request, SignedHeaders=%s, Signature=%s",
			 v->signed_headers, v->signature);
		if (strcmp(sv.auth[i], want) != 0 || strcmp(sv.target[i], targets[i]) != 0) {
			print_error("%s: target %s (sent %s)\n  got  %s\n  want %s\n", v->name,
				    targets[i], sv.target[i], sv.auth[i], want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* The canonical forms themselves, for the failures a signature hides. */
static void test_target_forms(void **state)
{
	(void)state;
	struct strbuf t = STRBUF_INIT;
	const struct aws_param q[] = {
	    {"nextToken", "a+b/c=d"}, {"maxResults", "250"}, {"wirelessDeviceType", "LoRaWAN"}};
	const char *segs[] = {"wireless-devices"};
	aws_target(&t, segs, 1, q, 3);
	assert_string_equal(t.buf, "/wireless-devices?maxResults=250&nextToken=a%2Bb%2Fc%3Dd&"
				   "wirelessDeviceType=LoRaWAN");
	strbuf_reset(&t);
	const char *dev[] = {"dev 1/ü"};
	aws_target(&t, dev, 1, NULL, 0);
	assert_string_equal(t.buf, "/dev%201%2F%C3%BC");
	strbuf_reset(&t);
	/* equal keys: sorted by value */
	const struct aws_param dup[] = {{"k", "b"}, {"k", "a"}, {"j", ""}};
	aws_target(&t, NULL, 0, dup, 3);
	assert_string_equal(t.buf, "/?j=&k=a&k=b");
	strbuf_release(&t);
	/* a long token is never cut (the old fixed buffer cut it silently) */
	char *tok = malloc(20001);
	assert_non_null(tok);
	memset(tok, '+', 20000);
	tok[20000] = '\0';
	const struct aws_param lq[] = {{"nextToken", tok}};
	aws_target(&t, segs, 1, lq, 1);
	assert_int_equal(t.len, strlen("/wireless-devices?nextToken=") + 3 * 20000);
	strbuf_release(&t);
	free(tok);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signing_suite),
	    cmocka_unit_test(test_target_forms),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
