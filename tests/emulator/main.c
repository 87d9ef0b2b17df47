/* tts-emulator: options, start and clean stop. See README.md. */
#include "emu.h"
#include "gw.h"

#include <ctype.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct option_doc {
	const char *name;
	const char *arg;
	const char *help;
} options[] = {
    {"host", "ADDR", "address to listen on (default 127.0.0.1)"},
    {"port", "N", "port; 0 picks a free one (default 0). The port is printed on stdout"},
    {"seed", "FILE", "JSON lines, one merged end device each, split into IS/JS/NS/AS"},
    {"api-key", "KEY[=APP,..]",
     "accepted key NNSXS.<ID>.<SECRET>, optionally only for these applications;\n"
     "repeatable (default NNSXS.EMULATOR.SECRET for every application)"},
    {"user-key", "KEY=USER", "an API key of user USER (gateways; every application); repeatable"},
    {"org-key", "KEY=ORG", "an API key of organization ORG; repeatable"},
    {"key-rights", "ID=R1,R2", "limits the key ID given before to these rights (default: all)"},
    {"seed-gateways", "FILE",
     "JSON lines {\"gateway\":{...},\"owner\":{\"user_id\":...}[,\"connection\":{...}]}"},
    {"gateway-limit", "N", "tenant_entity_limit: at most N gateways (default: no limit)"},
    {"cups-uri-update", NULL,
     "CUPS redirects to target_cups_uri (gcs.basic-station.allow-cups-uri-update; default off)"},
    {"latency-ms", "N", "sleep N ms in every API request"},
    {"rate-limit", "N", "requests per minute per key (token bucket); 0 = off"},
    {"rate-limit-class", "CLASS=N[/B]",
     "N per minute (burst B, default N) per method, entity and key for the routes\n"
     "of class CLASS, e.g. grpc:method:/ttn.lorawan.v3.EndDeviceBatchRegistry/Delete;\n"
     "the 429 names the bucket; repeatable"},
    {"fail-every", "K", "every K-th API request fails with --fail-status"},
    {"fail-status", "S", "HTTP status of those failures (default 503)"},
    {"throttle-every", "K", "every K-th API request answers 429 rate_limit_exceeded"},
    {"drop-every", "K", "every K-th API request: close the connection, no answer"},
    {"apply-drop-every", "K",
     "every K-th write request (PUT, POST, DELETE): applied, then the connection\n"
     "is closed without an answer"},
    {"ingress-404-every", "K",
     "every K-th API request answers a plain-text 404 page not found (an ingress)"},
    {"ingress-404-route", "M:SUB",
     "every API request with method M whose path contains SUB answers the ingress\n"
     "404; repeatable"},
    {"echo-body-errors", NULL,
     "requests with a body answer 400 with a message quoting the body (as some\n"
     "proxies do); limited to the --echo-body-route routes when any is given"},
    {"echo-body-route", "M:SUB", "limits --echo-body-errors to these routes; repeatable"},
    {"missing-right", "M:SUB:RIGHT",
     "requests of the route answer 403 insufficient_application_rights, missing\n"
     "RIGHT (e.g. PUT:/js/:RIGHT_APPLICATION_DEVICES_WRITE_KEYS); repeatable"},
    {"answer-omit", "M:SUB:PATH",
     "2xx answers of the route leave PATH out (after the request took effect), as\n"
     "a server that does not echo it (e.g. PUT:/ns/:session.last_n_f_cnt_down); repeatable"},
    {"retry-after", "S", "Retry-After seconds of --throttle-every answers (default 1)"},
    {"reject-paths", "A,B", "field paths this server does not know (400 field_mask_paths)"},
    {"fail-route", "M:SUB:S",
     "every API request with method M whose path contains SUB answers status S\n"
     "(pkg/emulator:injected_refusal); repeatable"},
    {"net-id", "HEX", "NetID served by GET /api/v3/ns/net_id (default 000013)"},
    {"pb-route", "P/N=URL",
     "Packet Broker: uplinks of this deployment's gateways with a DevAddr in P/N go\n"
     "to the Home Network (another emulator) at URL; repeatable"},
    {"pb-tenant", "ID", "Packet Broker tenant of this deployment (default ttn)"},
    {"pb-cluster", "ID", "Packet Broker cluster of this deployment (default emulator)"},
    {"dev-addr-prefix", "P/N",
     "DevAddr prefix, repeatable (default: the NetID's block, e.g. 26000000/7)"},
    {"tls-cert", "FILE", "serve HTTPS with this PEM certificate (needs --tls-key)"},
    {"tls-key", "FILE", "PEM private key for --tls-cert"},
    {"log-max", "N", "keep the last N API requests for /_emulator/requests (default 100000)"},
    {"quiet", NULL, "no messages on stderr"},
    {"help", NULL, "this text"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tts-emulator [options]\n\n"
		   "A The Things Stack end-device API emulator for tests (see "
		   "tests/emulator/README.md).\n\noptions:\n");
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
		char left[40];
		snprintf(left, sizeof left, "--%s%s%s", options[i].name, options[i].arg ? " " : "",
			 options[i].arg ? options[i].arg : "");
		fprintf(f, "  %-28s ", left);
		for (const char *p = options[i].help; *p; p++) {
			fputc(*p, f);
			if (*p == '\n')
				fprintf(f, "  %-28s ", "");
		}
		fputc('\n', f);
	}
	fprintf(
	    f,
	    "\nadmin routes (no auth): GET /_emulator/health, GET|DELETE /_emulator/devices,\n"
	    "GET|DELETE /_emulator/requests, GET|DELETE /_emulator/stats,\n"
	    "GET|DELETE /_emulator/gateways, POST|GET|DELETE /_emulator/gateways/ID/connection\n");
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	if (!s || !*s || !isdigit((unsigned char)*s))
		return false;
	*out = strtoul(s, &end, 10);
	return !*end && *out <= max;
}

static bool upper_hex(char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
		s[i] = (char)toupper((unsigned char)s[i]);
	}
	return true;
}

static int add_prefix(struct emu_config *c, const char *spec)
{
	char addr[16];
	unsigned long len;
	const char *slash = strchr(spec, '/');
	if (!slash || slash - spec != 8 || !parse_uint(slash + 1, 32, &len))
		return -1;
	snprintf(addr, sizeof addr, "%.8s", spec);
	if (!upper_hex(addr, 8))
		return -1;
	char **p = realloc(c->prefixes, (c->nprefixes + 2) * sizeof *p);
	if (!p)
		return -1;
	c->prefixes = p;
	char *s = malloc(24);
	if (!s)
		return -1;
	snprintf(s, 24, "%.8s/%u", addr, (unsigned)len);
	p[c->nprefixes++] = s;
	p[c->nprefixes] = NULL;
	return 0;
}

/* --pb-route P/N=URL. */
static int add_pb_route(struct emu_config *c, const char *spec)
{
	const char *eq = strchr(spec, '=');
	unsigned long len;
	char lenbuf[3] = "";
	if (!eq || eq - spec < 10 || eq - spec > 11 || spec[8] != '/' ||
	    strncmp(eq + 1, "http", 4) != 0)
		return -1;
	memcpy(lenbuf, spec + 9, (size_t)(eq - spec - 9));
	if (!parse_uint(lenbuf, 32, &len))
		return -1;
	char addr[9];
	snprintf(addr, sizeof addr, "%.8s", spec);
	if (!upper_hex(addr, 8))
		return -1;
	struct emu_pb_route *r = realloc(c->pb_routes, (c->npb_routes + 1) * sizeof *r);
	if (!r)
		return -1;
	c->pb_routes = r;
	r += c->npb_routes;
	snprintf(r->prefix, sizeof r->prefix, "%s/%lu", addr, len);
	r->home = strdup(eq + 1);
	if (!r->home)
		return -1;
	c->npb_routes++;
	return 0;
}

/* The NetID's own DevAddr block: type prefix, then the NwkID (LoRaWAN Backend Interfaces). */
static void default_prefix(struct emu_config *c)
{
	static const unsigned nwkid_bits[8] = {6, 6, 9, 11, 12, 13, 15, 17};
	unsigned long netid = strtoul(c->net_id, NULL, 16);
	unsigned type = (unsigned)(netid >> 21) & 7, bits = nwkid_bits[type];
	unsigned plen = type + 1 + bits;
	uint32_t type_prefix = ((1u << type) - 1u) << 1; /* type ones, then a zero */
	uint32_t nwkid = (uint32_t)netid & ((1u << bits) - 1u);
	uint32_t addr = (type_prefix << (32 - (type + 1))) | (nwkid << (32 - plen));
	char spec[24];
	snprintf(spec, sizeof spec, "%08X/%u", (unsigned)addr, plen);
	add_prefix(c, spec);
}

static void free_config(struct emu_config *c)
{
	for (size_t i = 0; i < c->nkeys; i++) {
		free(c->keys[i].id);
		free(c->keys[i].secret);
		emu_free_list(c->keys[i].apps);
		emu_gw_free_key(&c->keys[i]);
	}
	free(c->keys);
	for (size_t i = 0; i < c->nrl_classes; i++)
		free(c->rl_classes[i].name);
	free(c->rl_classes);
	emu_free_list(c->reject_paths);
	emu_free_list(c->prefixes);
	for (size_t i = 0; i < c->npb_routes; i++)
		free(c->pb_routes[i].home);
	free(c->pb_routes);
	for (size_t i = 0; i < c->nfail_routes; i++) {
		free(c->fail_routes[i].method);
		free(c->fail_routes[i].substring);
	}
	free(c->fail_routes);
	for (size_t i = 0; i < c->ningress404_routes; i++) {
		free(c->ingress404_routes[i].method);
		free(c->ingress404_routes[i].substring);
	}
	free(c->ingress404_routes);
	for (size_t i = 0; i < c->necho_routes; i++) {
		free(c->echo_routes[i].method);
		free(c->echo_routes[i].substring);
	}
	free(c->echo_routes);
	for (size_t i = 0; i < c->nmissing_rights; i++) {
		free(c->missing_rights[i].method);
		free(c->missing_rights[i].substring);
		free(c->missing_right_names[i]);
	}
	free(c->missing_rights);
	free(c->missing_right_names);
	for (size_t i = 0; i < c->nomit; i++) {
		free(c->omit_routes[i].method);
		free(c->omit_routes[i].substring);
		free(c->omit_paths[i]);
	}
	free(c->omit_routes);
	free(c->omit_paths);
}

/* METHOD:PATH_SUBSTRING:STATUS; the substring may itself hold colons. */
static int add_fail_route(struct emu_config *c, const char *spec)
{
	const char *first = strchr(spec, ':'), *last = strrchr(spec, ':');
	unsigned long status;
	if (!first || first == spec || last == first || !parse_uint(last + 1, 599, &status) ||
	    status < 400)
		return -1;
	struct emu_fail_route *r = realloc(c->fail_routes, (c->nfail_routes + 1) * sizeof *r);
	if (!r)
		return -1;
	c->fail_routes = r;
	r += c->nfail_routes;
	r->method = strndup(spec, (size_t)(first - spec));
	r->substring = strndup(first + 1, (size_t)(last - first - 1));
	r->status = (unsigned)status;
	if (!r->method || !r->substring) {
		free(r->method);
		free(r->substring);
		return -1;
	}
	for (char *m = r->method; *m; m++)
		*m = (char)toupper((unsigned char)*m);
	c->nfail_routes++;
	return 0;
}

/* "M:SUB" → a route (status 0) appended to *list. */
static int add_route(struct emu_fail_route **list, size_t *n, const char *spec)
{
	const char *colon = strchr(spec, ':');
	if (!colon || colon == spec || !colon[1])
		return -1;
	struct emu_fail_route *r = realloc(*list, (*n + 1) * sizeof *r);
	if (!r)
		return -1;
	*list = r;
	r += *n;
	r->method = strndup(spec, (size_t)(colon - spec));
	r->substring = strdup(colon + 1);
	r->status = 0;
	for (char *m = r->method; *m; m++)
		*m = (char)toupper((unsigned char)*m);
	(*n)++;
	return 0;
}

/* "M:SUB:RIGHT": the last ':' starts the right's name. */
static int add_missing_right(struct emu_config *c, const char *spec)
{
	const char *last = strrchr(spec, ':');
	if (!last || !last[1] || last == spec)
		return -1;
	char *route = strndup(spec, (size_t)(last - spec));
	char **names = realloc(c->missing_right_names, (c->nmissing_rights + 1) * sizeof *names);
	if (!route || !names) {
		free(route);
		return -1;
	}
	c->missing_right_names = names;
	size_t before = c->nmissing_rights;
	int rc = add_route(&c->missing_rights, &c->nmissing_rights, route);
	free(route);
	if (rc == 0 && c->nmissing_rights == before + 1)
		names[before] = strdup(last + 1);
	return rc;
}

/* "M:SUB:PATH" for --answer-omit: the last ':' starts the path. */
static int add_rl_class(struct emu_config *c, const char *spec)
{
	const char *eq = strrchr(spec, '=');
	char *end;
	if (!eq || eq == spec)
		return -1;
	unsigned long n = strtoul(eq + 1, &end, 10), b = n;
	if (*end == '/')
		b = strtoul(end + 1, &end, 10);
	if (*end || n == 0 || b == 0 || n > 1000000 || b > 1000000)
		return -1;
	struct emu_rl_class *nc = realloc(c->rl_classes, (c->nrl_classes + 1) * sizeof *nc);
	if (!nc)
		return -1;
	c->rl_classes = nc;
	char *name = strndup(spec, (size_t)(eq - spec));
	if (!name)
		return -1;
	nc[c->nrl_classes++] = (struct emu_rl_class){name, (unsigned)n, (unsigned)b};
	return 0;
}

static int add_omit(struct emu_config *c, const char *spec)
{
	const char *last = strrchr(spec, ':');
	if (!last || !last[1] || last == spec)
		return -1;
	char *route = strndup(spec, (size_t)(last - spec));
	char **paths = realloc(c->omit_paths, (c->nomit + 1) * sizeof *paths);
	if (!route || !paths) {
		free(route);
		return -1;
	}
	c->omit_paths = paths;
	size_t before = c->nomit;
	int rc = add_route(&c->omit_routes, &c->nomit, route);
	free(route);
	if (rc == 0 && c->nomit == before + 1)
		paths[before] = strdup(last + 1);
	return rc;
}

static int add_reject(struct emu_config *c, const char *list)
{
	size_t n = 0;
	char **add = emu_split_list(list, ',', &n);
	char **all = realloc(c->reject_paths, (c->nreject + n + 1) * sizeof *all);
	if (!add || !all) {
		emu_free_list(add);
		return -1;
	}
	c->reject_paths = all;
	for (size_t i = 0; i < n; i++) {
		all[c->nreject++] = emu_snake_path(add[i]);
		free(add[i]);
	}
	all[c->nreject] = NULL;
	free(add);
	return 0;
}

/* Returns 0 to run, 1 to exit successfully (--help), 2 on a usage error. */
static int parse_args(struct emu_config *c, int argc, char **argv)
{
	char err[256];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		char name[32];
		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "tts-emulator: unexpected argument %s\n", a);
			return 2;
		}
		const char *eq = strchr(a, '=');
		snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - a - 2) : (int)strlen(a + 2),
			 a + 2);
		const struct option_doc *o = NULL;
		for (size_t k = 0; k < sizeof options / sizeof options[0]; k++)
			if (strcmp(options[k].name, name) == 0)
				o = &options[k];
		if (!o) {
			fprintf(stderr, "tts-emulator: unknown option --%s (see --help)\n", name);
			return 2;
		}
		if (o->arg) {
			val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (!val) {
				fprintf(stderr, "tts-emulator: --%s needs %s\n", name, o->arg);
				return 2;
			}
		}
		unsigned long u = 0;
		bool ok = true;
		int grc = emu_gw_option(c, name, val, err, sizeof err);
		if (grc < 0) {
			fprintf(stderr, "tts-emulator: %s\n", err);
			return 2;
		} else if (grc > 0) {
			/* a gateway option (gw_store.c) */
		} else if (!strcmp(name, "help")) {
			usage(stdout);
			return 1;
		} else if (!strcmp(name, "quiet")) {
			c->quiet = true;
		} else if (!strcmp(name, "cups-uri-update")) {
			c->cups_uri_update = true;
		} else if (!strcmp(name, "host")) {
			c->host = val;
		} else if (!strcmp(name, "seed")) {
			c->seed_path = val;
		} else if (!strcmp(name, "tls-cert")) {
			c->tls_cert = val;
		} else if (!strcmp(name, "tls-key")) {
			c->tls_key = val;
		} else if (!strcmp(name, "api-key")) {
			if (emu_keys_add(c, val, err, sizeof err) != 0) {
				fprintf(stderr, "tts-emulator: %s\n", err);
				return 2;
			}
		} else if (!strcmp(name, "reject-paths")) {
			ok = add_reject(c, val) == 0;
		} else if (!strcmp(name, "echo-body-errors")) {
			c->echo_body_errors = true;
		} else if (!strcmp(name, "ingress-404-route")) {
			ok = add_route(&c->ingress404_routes, &c->ningress404_routes, val) == 0;
		} else if (!strcmp(name, "echo-body-route")) {
			ok = add_route(&c->echo_routes, &c->necho_routes, val) == 0;
		} else if (!strcmp(name, "missing-right")) {
			ok = add_missing_right(c, val) == 0;
		} else if (!strcmp(name, "fail-route")) {
			ok = add_fail_route(c, val) == 0;
		} else if (!strcmp(name, "rate-limit-class")) {
			ok = add_rl_class(c, val) == 0;
		} else if (!strcmp(name, "answer-omit")) {
			ok = add_omit(c, val) == 0;
		} else if (!strcmp(name, "net-id")) {
			snprintf(c->net_id, sizeof c->net_id, "%.6s", val);
			ok = strlen(val) == 6 && upper_hex(c->net_id, 6);
		} else if (!strcmp(name, "dev-addr-prefix")) {
			ok = add_prefix(c, val) == 0;
		} else if (!strcmp(name, "pb-route")) {
			ok = add_pb_route(c, val) == 0;
		} else if (!strcmp(name, "pb-tenant")) {
			c->pb_tenant = val;
		} else if (!strcmp(name, "pb-cluster")) {
			c->pb_cluster = val;
		} else if ((ok = parse_uint(val, 1000000000ul, &u))) {
			if (!strcmp(name, "port"))
				ok = u <= 65535, c->port = (unsigned)u;
			else if (!strcmp(name, "latency-ms"))
				c->latency_ms = (unsigned)u;
			else if (!strcmp(name, "rate-limit"))
				c->rate_limit = (unsigned)u;
			else if (!strcmp(name, "fail-every"))
				c->fail_every = (unsigned)u;
			else if (!strcmp(name, "fail-status"))
				ok = u >= 400 && u <= 599, c->fail_status = (unsigned)u;
			else if (!strcmp(name, "throttle-every"))
				c->throttle_every = (unsigned)u;
			else if (!strcmp(name, "drop-every"))
				c->drop_every = (unsigned)u;
			else if (!strcmp(name, "apply-drop-every"))
				c->apply_drop_every = (unsigned)u;
			else if (!strcmp(name, "ingress-404-every"))
				c->ingress404_every = (unsigned)u;
			else if (!strcmp(name, "retry-after"))
				c->retry_after = (unsigned)u;
			else if (!strcmp(name, "log-max"))
				c->log_max = u;
		}
		if (!ok) {
			fprintf(stderr, "tts-emulator: bad value for --%s: %s\n", name, val);
			return 2;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct emu e;
	struct emu_config *c = &e.cfg;
	char err[512];
	c->host = "127.0.0.1";
	c->fail_status = 503;
	c->retry_after = 1;
	c->log_max = 100000;
	snprintf(c->net_id, sizeof c->net_id, "000013");
	c->pb_tenant = "ttn";
	c->pb_cluster = "emulator";

	int rc = parse_args(c, argc, argv);
	if (rc == 0 && c->nkeys == 0)
		emu_keys_add(c, "NNSXS.EMULATOR.SECRET", err, sizeof err);
	if (rc == 0 && c->nprefixes == 0)
		default_prefix(c);
	if (rc != 0) {
		free_config(c);
		return rc == 1 ? 0 : 2;
	}

	/* Before any thread exists: signals go to sigwait() in emu_http_run only. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	emu_rand_init();
	json_object_seed(0);
	curl_global_init(CURL_GLOBAL_DEFAULT); /* Packet Broker forwarding (ns_uplink.c) */

	pthread_mutex_init(&e.rl_lock, NULL);
	pthread_mutex_init(&e.log_lock, NULL);
	e.log = c->log_max ? calloc(c->log_max, sizeof *e.log) : NULL;
	e.gw = emu_gw_new();
	if ((c->log_max && !e.log) || !e.gw || emu_store_init(&e.store) != 0) {
		fprintf(stderr, "tts-emulator: out of memory\n");
		return 1;
	}
	rc = 0;
	if (c->seed_path && emu_seed_load(&e, c->seed_path, err, sizeof err) != 0) {
		fprintf(stderr, "tts-emulator: seed: %s\n", err);
		rc = 1;
	}
	if (rc == 0 && c->seed_gateways &&
	    emu_gw_seed(&e, c->seed_gateways, err, sizeof err) != 0) {
		fprintf(stderr, "tts-emulator: seed-gateways: %s\n", err);
		rc = 1;
	}
	if (rc == 0)
		rc = emu_http_run(&e);

	emu_log_free(&e);
	free(e.log);
	emu_ratelimit_free(&e);
	emu_store_free(&e.store);
	emu_gw_free(e.gw);
	pthread_mutex_destroy(&e.rl_lock);
	pthread_mutex_destroy(&e.log_lock);
	free_config(c);
	return rc;
}
