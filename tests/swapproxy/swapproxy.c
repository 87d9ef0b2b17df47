/*
 * swapproxy: an HTTP/1.1 proxy in front of one upstream (the emulator) that
 * misroutes device reads, as a wrong ingress rule or a confused cache would.
 * For the tests that check that every answer is about the device asked for.
 *
 *   swapproxy --upstream http://127.0.0.1:PORT [--port N] [--quiet]
 *             [--get-rewrite FROM=TO]...
 *
 * A GET of one device (a path with "/devices/" that is not a batch route)
 * has each FROM in its path replaced by TO (the first occurrence) before it
 * is forwarded, e.g. "/devices/otaa-dev=/devices/classb-dev" (another
 * device) or "/applications/my-app/=/applications/other-app/" (the same id
 * in another application). Every other request is forwarded unchanged, so
 * writes reach the device that was asked for. The answer is relayed as the
 * upstream sent it. It prints its port on stdout (--port 0 picks a free one),
 * listens on loopback only, and ends every connection after one answer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_REQUEST (1u << 20)
#define MAX_RULES   8

struct rule {
	const char *from, *to;
};

static struct rule rules[MAX_RULES];
static int nrules;
static struct sockaddr_in upstream;
static char upstream_host[96];

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static bool is_device_get(const char *method, const char *path)
{
	size_t n = strcspn(path, "?");
	char *p = strndup(path, n);
	bool yes =
	    p && !strcmp(method, "GET") && strstr(p, "/devices/") && !strstr(p, "/devices/batch");
	free(p);
	return yes;
}

/* The path with every rule applied once (a new string). */
static char *rewrite(const char *path)
{
	char *cur = strdup(path);
	for (int i = 0; cur && i < nrules; i++) {
		char *at = strstr(cur, rules[i].from);
		if (!at)
			continue;
		size_t pre = (size_t)(at - cur), fl = strlen(rules[i].from);
		size_t tl = strlen(rules[i].to), rest = strlen(at + fl);
		char *next = malloc(pre + tl + rest + 1);
		if (next) {
			memcpy(next, cur, pre);
			memcpy(next + pre, rules[i].to, tl);
			memcpy(next + pre + tl, at + fl, rest + 1);
		}
		free(cur);
		cur = next;
	}
	return cur;
}

/* Reads a whole request (head and Content-Length body) into *buf. Returns
 * its length, the head's length in *head_len; -1 when there is none. */
static ssize_t read_request(int fd, char **buf, size_t *head_len)
{
	char *b = malloc(MAX_REQUEST + 1);
	size_t len = 0, body = 0;
	char *end = NULL;
	if (!b)
		return -1;
	while (!end && len < MAX_REQUEST) {
		ssize_t r = recv(fd, b + len, MAX_REQUEST - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		b[len] = '\0';
		end = strstr(b, "\r\n\r\n");
	}
	if (!end) {
		free(b);
		return -1;
	}
	*head_len = (size_t)(end - b) + 4;
	for (char *l = strstr(b, "\r\n"); l && l < end; l = strstr(l + 2, "\r\n"))
		if (strncasecmp(l + 2, "Content-Length:", 15) == 0)
			body = strtoul(l + 17, NULL, 10);
	while (len < *head_len + body && len < MAX_REQUEST) {
		ssize_t r = recv(fd, b + len, MAX_REQUEST - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	*buf = b;
	return (ssize_t)len;
}

/* The request for the upstream: the (rewritten) request line, the headers
 * without Host and Connection, then ours, then the body. */
static char *build_upstream(const char *req, size_t head_len, size_t len, size_t *out_len)
{
	/* METHOD SP PATH SP VERSION: the path may be long (field masks). */
	char method[16] = "";
	const char *sp1 = strchr(req, ' '), *eol = strstr(req, "\r\n");
	const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || sp1 - req >= (ptrdiff_t)sizeof method)
		return NULL;
	memcpy(method, req, (size_t)(sp1 - req));
	char *path = strndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	char *p = path && is_device_get(method, path) ? rewrite(path) : path ? strdup(path) : NULL;
	free(path);
	if (!p)
		return NULL;
	char *out = malloc(len + strlen(p) + 256);
	if (!out) {
		free(p);
		return NULL;
	}
	size_t n = (size_t)sprintf(out, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n",
				   method, p, upstream_host);
	free(p);
	const char *l = strstr(req, "\r\n") + 2, *head_end = req + head_len - 2;
	while (l < head_end) {
		const char *e = strstr(l, "\r\n");
		size_t ll = (size_t)(e - l) + 2;
		if (strncasecmp(l, "Host:", 5) && strncasecmp(l, "Connection:", 11) &&
		    strncasecmp(l, "Keep-Alive:", 11)) {
			memcpy(out + n, l, ll);
			n += ll;
		}
		l = e + 2;
	}
	memcpy(out + n, "\r\n", 2);
	n += 2;
	memcpy(out + n, req + head_len, len - head_len);
	*out_len = n + len - head_len;
	return out;
}

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *req = NULL, *up = NULL;
	size_t head_len = 0, up_len = 0;
	ssize_t len = read_request(fd, &req, &head_len);
	if (len > 0)
		up = build_upstream(req, head_len, (size_t)len, &up_len);
	int u = up ? socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
	if (u >= 0 && connect(u, (struct sockaddr *)&upstream, sizeof upstream) == 0 &&
	    send_all(u, up, up_len) == 0) {
		char buf[65536];
		ssize_t r;
		while ((r = recv(u, buf, sizeof buf, 0)) > 0 || (r < 0 && errno == EINTR))
			if (r > 0 && send_all(fd, buf, (size_t)r) < 0)
				break;
	}
	if (u >= 0)
		close(u);
	free(req);
	free(up);
	shutdown(fd, SHUT_WR);
	close(fd);
	return NULL;
}

static int usage(void)
{
	fprintf(stderr, "usage: swapproxy --upstream http://127.0.0.1:PORT [--port N] [--quiet] "
			"[--get-rewrite FROM=TO]...\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long port = 0, up_port = 0;
	bool quiet = false, have_up = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--quiet")) {
			quiet = true;
			continue;
		}
		if (!v)
			return usage();
		i++;
		if (!strcmp(a, "--port")) {
			port = strtoul(v, NULL, 10);
		} else if (!strcmp(a, "--upstream")) {
			char host[64];
			if (sscanf(v, "http://%63[^:]:%lu", host, &up_port) != 2 || up_port > 65535)
				return usage();
			upstream.sin_family = AF_INET;
			upstream.sin_port = htons((uint16_t)up_port);
			if (inet_pton(AF_INET, host, &upstream.sin_addr) != 1)
				return usage();
			snprintf(upstream_host, sizeof upstream_host, "%s:%lu", host, up_port);
			have_up = true;
		} else if (!strcmp(a, "--get-rewrite") && nrules < MAX_RULES && strchr(v, '=')) {
			char *d = strdup(v);
			char *eq = strchr(d, '=');
			*eq = '\0';
			rules[nrules++] = (struct rule){d, eq + 1};
		} else {
			return usage();
		}
	}
	if (!have_up || port > 65535)
		return usage();
	signal(SIGPIPE, SIG_IGN);
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only, always */
	socklen_t sl = sizeof sa;
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 64) < 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &sl) < 0) {
		perror("swapproxy: listen");
		return 1;
	}
	printf("%u\n", (unsigned)ntohs(sa.sin_port));
	fflush(stdout);
	if (!quiet)
		fprintf(stderr, "swapproxy: http://127.0.0.1:%u -> %s\n",
			(unsigned)ntohs(sa.sin_port), upstream_host);
	for (;;) {
		int fd = accept(ls, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			perror("swapproxy: accept");
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
