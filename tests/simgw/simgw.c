/*
 * simgw: a simulated LoRa Basics Station gateway that follows CUPS, for the
 * cut-over tests (tests/emulator/README.md "CUPS and LNS"). Its loop is
 * Basic Station's (shared/spec/gateways.md §3.2 step 4; BS src/tc.c,
 * src/cups.c), in compressed time:
 *
 *   - no LNS yet, or the LNS refused it: ask CUPS (POST CUPS/update-info with
 *     the router EUI, the URIs it holds and the CRC-32 of its credentials),
 *     take the tcUri and tc credentials (trust, 4 zero bytes,
 *     "Authorization: KEY" CRLF) it answers, and open the LNS connection
 *     (POST /_emulator/lns/EUI of the deployment that serves that host, with
 *     the key);
 *   - connected: every tick, check the connection still stands (GET
 *     /_emulator/lns/EUI); when the Gateway Server dropped it, reconnect to the
 *     same LNS first, as Station retries its muxs, and ask CUPS only when that
 *     is refused.
 *
 *   simgw --eui EUI --cups URL --cups-key KEY --lns HOST[:PORT]=URL [--lns ...]
 *         [--seconds S] [--tick-ms MS]
 *
 * --lns maps the host of a tcUri (wss://HOST:PORT) to the emulator that plays
 * that Gateway Server. One JSON line per event on stdout ({"event":"cups",
 * "tc_uri"}, {"event":"connected","lns":URL}, {"event":"dropped"},
 * {"event":"refused","lns","status"}, {"event":"cups_failed","status"});
 * keys are never printed. Exit 0 after --seconds (or SIGTERM), 2 on bad input.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct buf {
	unsigned char *p;
	size_t n;
};

static size_t sink(char *d, size_t s, size_t n, void *ud)
{
	struct buf *b = ud;
	unsigned char *q = realloc(b->p, b->n + s * n + 1);
	if (!q)
		return 0;
	b->p = q;
	memcpy(b->p + b->n, d, s * n);
	b->n += s * n;
	b->p[b->n] = 0;
	return s * n;
}

/* One request; returns the HTTP status (0: no answer) with the body in *b. */
static long request(const char *method, const char *url, const char *auth, const char *body,
		    struct buf *b)
{
	CURL *c = curl_easy_init();
	if (!c)
		return 0;
	struct curl_slist *h = NULL;
	char line[700];
	if (auth) {
		snprintf(line, sizeof line, "Authorization: %s", auth);
		h = curl_slist_append(h, line);
	}
	if (body)
		h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	long st = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	memset(line, 0, sizeof line);
	return st;
}

static uint32_t crc32_ieee(const unsigned char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static uint32_t le(const unsigned char *p, int n)
{
	uint32_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

struct station {
	char eui[17], id6[24];
	char cups[512], cups_key[600];
	char tc_uri[300], tc_key[600];
	unsigned char tc_cred[4096];
	size_t tc_cred_len;
	const char *lns[16][2];
	size_t nlns;
	char lns_url[512]; /* the emulator of tc_uri's host */
	bool connected;
};

static void event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void event(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* The key in tc credentials: after the trust (one DER element), the 4 zero
 * bytes of "no client certificate", an "Authorization: KEY" CRLF line. */
static bool cred_key(const unsigned char *c, size_t n, char *key, size_t cap)
{
	if (n < 2 || c[0] != 0x30)
		return false;
	size_t len = c[1], hdr = 2;
	if (c[1] & 0x80) {
		int k = c[1] & 0x7f;
		if (k < 1 || k > 2 || n < (size_t)(2 + k))
			return false;
		len = k == 1 ? c[2] : (size_t)c[2] << 8 | c[3]; /* DER: big-endian */
		hdr = 2 + (size_t)k;
	}
	size_t at = hdr + len;
	if (at + 4 > n || memcmp(c + at, "\0\0\0\0", 4) != 0)
		return false;
	at += 4;
	static const char pre[] = "Authorization: ";
	if (n - at < sizeof pre - 1 || memcmp(c + at, pre, sizeof pre - 1) != 0)
		return false;
	at += sizeof pre - 1;
	size_t end = at;
	while (end < n && c[end] != '\r' && c[end] != '\n')
		end++;
	if (end - at >= cap)
		return false;
	memcpy(key, c + at, end - at);
	key[end - at] = '\0';
	return true;
}

static bool map_lns(struct station *s)
{
	const char *hp = strstr(s->tc_uri, "://");
	hp = hp ? hp + 3 : s->tc_uri;
	char host[256];
	snprintf(host, sizeof host, "%.*s", (int)strcspn(hp, "/"), hp);
	for (size_t i = 0; i < s->nlns; i++) {
		size_t n = strlen(s->lns[i][0]);
		if (!strcmp(host, s->lns[i][0]) || (!strncmp(host, s->lns[i][0], n) &&
						    host[n] == ':' && !strchr(s->lns[i][0], ':'))) {
			snprintf(s->lns_url, sizeof s->lns_url, "%s", s->lns[i][1]);
			return true;
		}
	}
	s->lns_url[0] = '\0';
	return false;
}

/* POST update-info; true when it answered (200) and was read. */
static bool cups_call(struct station *s)
{
	json_t *req =
	    json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:s,s:[]}", "router", s->id6, "cupsUri",
		      s->cups, "tcUri", s->tc_uri, "cupsCredCrc", (json_int_t)0, "tcCredCrc",
		      (json_int_t)(s->tc_cred_len ? crc32_ieee(s->tc_cred, s->tc_cred_len) : 0),
		      "station", "simgw 1.0", "model", "simgw", "package", "1.0.0", "keys");
	char *body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	char url[600];
	snprintf(url, sizeof url, "%s/update-info", s->cups);
	struct buf b = {0};
	long st = request("POST", url, s->cups_key, body, &b);
	free(body);
	bool ok = false;
	if (st != 200) {
		event("{\"event\":\"cups_failed\",\"status\":%ld}", st);
		goto out;
	}
	/* cupsUriLen cupsUri tcUriLen tcUri cupsCredLen(2) cupsCred tcCredLen(2) tcCred
	 * sigLen(4) sigCRC(4) sig updLen(4) upd, little-endian (messages.go). */
	const unsigned char *p = b.p, *end = b.p + b.n;
	if (p + 1 > end || p + 1 + p[0] > end)
		goto bad;
	char cups_uri[256];
	snprintf(cups_uri, sizeof cups_uri, "%.*s", p[0], (const char *)p + 1);
	p += 1 + p[0];
	if (p + 1 > end || p + 1 + p[0] > end)
		goto bad;
	char tc_uri[256];
	snprintf(tc_uri, sizeof tc_uri, "%.*s", p[0], (const char *)p + 1);
	p += 1 + p[0];
	if (p + 2 > end || p + 2 + le(p, 2) > end)
		goto bad;
	p += 2 + le(p, 2); /* CUPS credentials: kept as they are by this station */
	if (p + 2 > end || p + 2 + le(p, 2) > end)
		goto bad;
	size_t tcn = le(p, 2);
	const unsigned char *tc = p + 2;
	p += 2 + tcn;
	if (p + 8 > end)
		goto bad;
	if (*cups_uri)
		snprintf(s->cups, sizeof s->cups, "%s", cups_uri);
	if (*tc_uri)
		snprintf(s->tc_uri, sizeof s->tc_uri, "%s", tc_uri);
	if (tcn) {
		if (tcn > sizeof s->tc_cred || !cred_key(tc, tcn, s->tc_key, sizeof s->tc_key))
			goto bad;
		memcpy(s->tc_cred, tc, tcn);
		s->tc_cred_len = tcn;
	}
	event("{\"event\":\"cups\",\"tc_uri\":\"%s\",\"new_uri\":%s,\"new_credentials\":%s}",
	      s->tc_uri, *tc_uri ? "true" : "false", tcn ? "true" : "false");
	ok = true;
	goto out;
bad:
	event("{\"event\":\"cups_failed\",\"status\":200,\"reason\":\"malformed answer\"}");
out:
	free(b.p);
	return ok;
}

static bool lns_connect(struct station *s)
{
	if (!map_lns(s)) {
		event("{\"event\":\"refused\",\"tc_uri\":\"%s\",\"status\":0,\"reason\":\"no --lns "
		      "for this host\"}",
		      s->tc_uri);
		return false;
	}
	char url[700];
	snprintf(url, sizeof url, "%s/_emulator/lns/%s", s->lns_url, s->eui);
	struct buf b = {0};
	long st = request("POST", url, s->tc_key, "{}", &b);
	free(b.p);
	if (st == 200) {
		s->connected = true;
		event("{\"event\":\"connected\",\"lns\":\"%s\",\"tc_uri\":\"%s\"}", s->lns_url,
		      s->tc_uri);
		return true;
	}
	event("{\"event\":\"refused\",\"lns\":\"%s\",\"status\":%ld}", s->lns_url, st);
	return false;
}

static bool lns_alive(struct station *s)
{
	char url[700];
	snprintf(url, sizeof url, "%s/_emulator/lns/%s", s->lns_url, s->eui);
	struct buf b = {0};
	long st = request("GET", url, s->tc_key, NULL, &b);
	free(b.p);
	return st == 200;
}

static volatile sig_atomic_t stop;
static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fputs("usage: simgw --eui EUI --cups URL --cups-key KEY --lns HOST[:PORT]=URL [--lns ...]\n"
	      "             [--seconds S] [--tick-ms MS]\n",
	      stderr);
}

int main(int argc, char **argv)
{
	struct station s = {0};
	double seconds = 30;
	long tick = 100;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v) {
			usage();
			return 2;
		}
		i++;
		if (!strcmp(a, "--eui")) {
			size_t n = strlen(v);
			if (n != 16 || strspn(v, "0123456789abcdefABCDEF") != 16) {
				usage();
				return 2;
			}
			for (size_t k = 0; k < 16; k++)
				s.eui[k] = (char)toupper((unsigned char)v[k]);
		} else if (!strcmp(a, "--cups")) {
			snprintf(s.cups, sizeof s.cups, "%s", v);
		} else if (!strcmp(a, "--cups-key")) {
			/* as cups.key holds it: "Bearer KEY" */
			snprintf(s.cups_key, sizeof s.cups_key, "%s%s",
				 strncmp(v, "Bearer ", 7) ? "Bearer " : "", v);
		} else if (!strcmp(a, "--lns") && strchr(v, '=') && s.nlns < 16) {
			char *d = strdup(v);
			char *eq = strchr(d, '=');
			*eq = '\0';
			s.lns[s.nlns][0] = d;
			s.lns[s.nlns++][1] = eq + 1;
		} else if (!strcmp(a, "--seconds")) {
			seconds = atof(v);
		} else if (!strcmp(a, "--tick-ms")) {
			tick = atol(v);
		} else {
			usage();
			return 2;
		}
	}
	if (!s.eui[0] || !s.cups[0] || !s.cups_key[0] || !s.nlns || tick < 1) {
		usage();
		return 2;
	}
	/* The router's ID6: four groups of the EUI. */
	unsigned g[4];
	for (int k = 0; k < 4; k++) {
		char t[5] = {s.eui[4 * k], s.eui[4 * k + 1], s.eui[4 * k + 2], s.eui[4 * k + 3], 0};
		g[k] = (unsigned)strtoul(t, NULL, 16);
	}
	snprintf(s.id6, sizeof s.id6, "%x:%x:%x:%x", g[0], g[1], g[2], g[3]);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bool need_cups = true;
	while (!stop) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9 >=
		    seconds)
			break;
		if (!s.connected) {
			if (need_cups) {
				if (cups_call(&s) && s.tc_uri[0] && s.tc_key[0])
					need_cups = !lns_connect(&s);
			} else {
				need_cups = !lns_connect(&s);
			}
		} else if (!lns_alive(&s)) {
			s.connected = false;
			event("{\"event\":\"dropped\",\"lns\":\"%s\"}", s.lns_url);
			need_cups = !lns_connect(&s); /* the same LNS first */
		}
		usleep((useconds_t)tick * 1000);
	}
	memset(s.cups_key, 0, sizeof s.cups_key);
	memset(s.tc_key, 0, sizeof s.tc_key);
	curl_global_cleanup();
	return 0;
}
