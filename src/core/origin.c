#include "core/origin.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct origin {
	char scheme[16];
	char host[256];
	long port;
};

/* Splits url into its origin; -1 when it has none that can be compared. */
static int parse(const char *url, struct origin *o)
{
	const char *p = strstr(url, "://");
	const char *h = url;
	memset(o, 0, sizeof *o);
	if (p) {
		size_t n = (size_t)(p - url);
		if (n == 0 || n >= sizeof o->scheme)
			return -1;
		for (size_t i = 0; i < n; i++)
			o->scheme[i] = (char)tolower((unsigned char)url[i]);
		h = p + 3;
	} else {
		snprintf(o->scheme, sizeof o->scheme, "https");
	}
	size_t end = strcspn(h, "/?#");
	/* user info ends at the last '@' before the path */
	const char *at = NULL;
	for (const char *q = h; q < h + end; q++)
		if (*q == '@')
			at = q;
	if (at) {
		end -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	const char *host = h, *port = NULL;
	size_t hlen;
	if (*h == '[') { /* IPv6 literal */
		const char *close = memchr(h, ']', end);
		if (!close)
			return -1;
		hlen = (size_t)(close + 1 - h);
		if (close + 1 < h + end) {
			if (close[1] != ':')
				return -1;
			port = close + 2;
		}
	} else {
		const char *colon = memchr(h, ':', end);
		hlen = colon ? (size_t)(colon - h) : end;
		port = colon ? colon + 1 : NULL;
	}
	if (hlen && host[hlen - 1] == '.')
		hlen--;
	if (hlen == 0 || hlen >= sizeof o->host)
		return -1;
	for (size_t i = 0; i < hlen; i++)
		o->host[i] = (char)tolower((unsigned char)host[i]);
	size_t plen = port ? (size_t)(h + end - port) : 0;
	if (plen) {
		char buf[8];
		if (plen >= sizeof buf)
			return -1;
		memcpy(buf, port, plen);
		buf[plen] = '\0';
		char *e;
		o->port = strtol(buf, &e, 10);
		if (*e || o->port <= 0 || o->port > 65535)
			return -1;
	} else if (strcmp(o->scheme, "https") == 0) {
		o->port = 443;
	} else if (strcmp(o->scheme, "http") == 0) {
		o->port = 80;
	} else {
		return -1;
	}
	return 0;
}

bool origin_same(const char *a, const char *b)
{
	struct origin x, y;
	if (!a || !b || parse(a, &x) < 0 || parse(b, &y) < 0)
		return false;
	return strcmp(x.scheme, y.scheme) == 0 && strcmp(x.host, y.host) == 0 && x.port == y.port;
}
