/*
 * Source "chirpstack": a ChirpStack v4 network server, over its gRPC API
 * (sources-transport.md §1): gRPC-web on the API port by default, plain gRPC
 * over HTTP/2 with --transport grpc. The framing is sources/grpcweb.h, the
 * messages sources/cs_msgs.h, the session and MAC state sources/session_build.h.
 *
 * Per device: DeviceService/Get, DeviceProfileService/Get (once per profile,
 * cached), DeviceService/GetKeys, and DeviceService/GetActivation for ABP
 * devices and with --export-session. An application is listed with
 * DeviceService/List, 100 devices a page; by name it is first looked up with
 * ApplicationService/List in --tenant-id.
 *
 * Devices are named by their DevEUI (the source's id is the lower-case
 * DevEUI); the exported device ID is "eui-" and the lower-case DevEUI, the
 * application ID "chirpstack-" and the last group of the application's UUID,
 * as the Go tool makes them.
 *
 * Read-only, as upstream, unless --disable-source-device: then, after each
 * export is durably on disk (retire_device), the device is disabled at
 * ChirpStack (DeviceService/Update of the device as read, is_disabled set),
 * never with --dry-run; restore re-enables it. Mapping and every difference
 * from the Go tool: docs/sources/chirpstack.md.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "core/text.h"
#include "core/jsonpath.h"
#include "core/lorawan.h"
#include "core/strbuf.h"
#include "sources/cs_msgs.h"
#include "sources/grpcweb.h"
#include "sources/session_build.h"
#include "sources/source.h"
#include "ui/log.h"

static const struct opt_desc chirpstack_options[] = {
    {"api-url", OPT_STRING, "CHIRPSTACK_API_URL", NULL, "HOST:PORT",
     "ChirpStack API server (gRPC host:port, no scheme), e.g. chirpstack.example.com:8080", 0},
    {"api-key", OPT_STRING, "CHIRPSTACK_API_KEY", NULL, "KEY",
     "ChirpStack API key (sent as a bearer token)", OPT_SECRET},
    {"ca-cert-path", OPT_STRING, "CHIRPSTACK_CA_CERT_PATH", NULL, "FILE",
     "Extra CA certificates (PEM) to trust for the ChirpStack server", 0},
    {"insecure", OPT_BOOL, "CHIRPSTACK_INSECURE", "false", NULL,
     "Plain http:// without TLS (the API key then travels unencrypted)", 0},
    {"transport", OPT_STRING, "CHIRPSTACK_TRANSPORT", "grpc-web", "grpc-web|grpc",
     "gRPC-web (HTTP/1.1 or HTTP/2) or plain gRPC (HTTP/2)", 0},
    {"export-vars", OPT_BOOL, "EXPORT_VARS", "false", NULL,
     "Export the device variables as attributes var-NAME", 0},
    {"export-session", OPT_BOOL, "EXPORT_SESSION", "false", NULL,
     "Export the session of OTAA devices too (ABP devices always have theirs)", 0},
    {"join-eui", OPT_STRING, "JOIN_EUI", NULL, "EUI",
     "JoinEUI of the exported devices (default: each device's join_eui at ChirpStack)", 0},
    {"frequency-plan-id", OPT_STRING, "FREQUENCY_PLAN_ID", NULL, "ID",
     "Frequency plan ID of the exported devices (e.g. EU_863_870_TTN)", 0},
    {"tenant-id", OPT_STRING, "CHIRPSTACK_TENANT_ID", NULL, "UUID",
     "application: find applications given by name in this tenant", 0},
    {"disable-source-device", OPT_BOOL, "DISABLE_SOURCE_DEVICE", "false", NULL,
     "After each export is on disk, disable the device at ChirpStack (not with --dry-run; "
     "restore enables it again)",
     0},
    {"kek", OPT_STRING, "CHIRPSTACK_KEK", NULL, "HEX",
     "Key-encryption key (32, 48 or 64 hex digits) that unwraps AppSKeys a Join Server "
     "handed out wrapped (kek_label set)",
     OPT_SECRET},
    {"ping-slot-field", OPT_STRING, "CHIRPSTACK_PING_SLOT_FIELD", "periodicity", "periodicity|nb-k",
     "What the profile's class B field 17 holds: the periodicity (ChirpStack >= 4.13) or k "
     "(2^k ping slots per beacon, before 4.13)",
     0},
    {NULL, 0, NULL, NULL, NULL, NULL, 0},
};

/* A device profile read once (profiles are few, devices many). */
struct profile_entry {
	struct profile_entry *next;
	struct cs_profile p;
};

struct source {
	char *url, *key, *join_eui, *fp_id, *tenant;
	uint8_t kek[32];
	size_t kek_len;
	bool export_vars, export_session, disable, dry_run, migration_delete, ping_nb_k;
	int retries;
	struct grpc_conn *conn;
	pthread_mutex_t mu, fetch_mu; /* mu: the list; fetch_mu: one profile read at a time */
	struct profile_entry *profiles;
};

struct src_writer {
	struct source *s;
};

/* ---- configuration ------------------------------------------------------------------ */

static void chirpstack_close(struct source *s)
{
	if (!s)
		return;
	grpc_conn_free(s->conn);
	if (s->key)
		memset(s->key, 0, strlen(s->key));
	memset(s->kek, 0, sizeof s->kek);
	free(s->key);
	free(s->url);
	free(s->join_eui);
	free(s->fp_id);
	free(s->tenant);
	while (s->profiles) {
		struct profile_entry *e = s->profiles;
		s->profiles = e->next;
		cs_profile_free(&e->p);
		free(e);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->fetch_mu);
	free(s);
}

static bool is_uuid(const char *v)
{
	static const char pat[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	if (!v || strlen(v) != sizeof pat - 1)
		return false;
	for (size_t i = 0; pat[i]; i++)
		if (pat[i] == '-' ? v[i] != '-' : !isxdigit((unsigned char)v[i]))
			return false;
	return true;
}

static int chirpstack_open(const struct config *cfg, struct source **out, struct src_err *err)
{
	*out = NULL;
	struct source *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->fetch_mu, NULL);
	err->config = true;
	s->url = cfg_strdup(cfg, "chirpstack", "api-url");
	s->key = cfg_strdup(cfg, "chirpstack", "api-key");
	if (s->key)
		log_add_secret(s->key);
	s->fp_id = cfg_strdup(cfg, "chirpstack", "frequency-plan-id");
	s->tenant = cfg_strdup(cfg, "chirpstack", "tenant-id");
	char *je = cfg_strdup(cfg, "chirpstack", "join-eui"),
	     *kek = cfg_strdup(cfg, "chirpstack", "kek");
	if (kek)
		log_add_secret(kek);
	const char *tr = cfg_str(cfg, "chirpstack", "transport"),
		   *ps = cfg_str(cfg, "chirpstack", "ping-slot-field");
	s->export_vars = cfg_bool(cfg, "chirpstack", "export-vars");
	s->export_session = cfg_bool(cfg, "chirpstack", "export-session");
	s->disable = cfg_bool(cfg, "chirpstack", "disable-source-device");
	bool insecure = cfg_bool(cfg, "chirpstack", "insecure");
	s->dry_run = cfg->o.dry_run;
	s->retries = cfg->o.retries >= 0 && cfg->o.retries <= 100 ? (int)cfg->o.retries : 5;
	const char *missing = !s->url	  ? "the server: set CHIRPSTACK_API_URL or --api-url"
			      : !s->key	  ? "an API key: set CHIRPSTACK_API_KEY or --api-key"
			      : !s->fp_id ? "a frequency plan ID: set FREQUENCY_PLAN_ID or "
					    "--frequency-plan-id"
					  : NULL;
	char e[600];
	enum grpc_transport t = GRPC_WEB;
	if (missing) {
		snprintf(err->msg, sizeof err->msg, "chirpstack: needs %s", missing);
		goto fail;
	}
	if (strstr(s->url, "://") || strpbrk(s->url, "/?#@ \t\r\n")) {
		snprintf(err->msg, sizeof err->msg,
			 "chirpstack: --api-url \"%.200s\": a host and port, no scheme or path "
			 "(e.g. chirpstack.example.com:8080; --insecure for plain http)",
			 s->url);
		goto fail;
	}
	if (tr && strcmp(tr, "grpc") == 0)
		t = GRPC_PLAIN;
	else if (tr && *tr && strcmp(tr, "grpc-web") != 0) {
		snprintf(err->msg, sizeof err->msg,
			 "chirpstack: --transport \"%.40s\": grpc-web or grpc", tr);
		goto fail;
	}
	if (ps && strcmp(ps, "nb-k") == 0)
		s->ping_nb_k = true;
	else if (ps && *ps && strcmp(ps, "periodicity") != 0) {
		snprintf(err->msg, sizeof err->msg,
			 "chirpstack: --ping-slot-field \"%.40s\": periodicity or nb-k", ps);
		goto fail;
	}
	if (je) {
		if (!text_is_hex(je, 16)) {
			snprintf(err->msg, sizeof err->msg,
				 "chirpstack: --join-eui \"%.40s\": not an EUI (16 hex digits)",
				 je);
			goto fail;
		}
		s->join_eui = malloc(17);
		if (!s->join_eui) {
			snprintf(err->msg, sizeof err->msg, "out of memory");
			goto fail;
		}
		text_upper(s->join_eui, je, 17);
	}
	if (s->tenant && !is_uuid(s->tenant)) {
		snprintf(err->msg, sizeof err->msg,
			 "chirpstack: --tenant-id \"%.60s\": not a tenant UUID", s->tenant);
		goto fail;
	}
	if (kek) {
		size_t n = strlen(kek);
		if ((n != 32 && n != 48 && n != 64) || !text_is_hex(kek, n)) {
			snprintf(err->msg, sizeof err->msg,
				 "chirpstack: --kek: not an AES key (32, 48 or 64 hex digits)");
			goto fail;
		}
		for (size_t i = 0; i < n / 2; i++) {
			char b[3] = {kek[2 * i], kek[2 * i + 1], 0};
			s->kek[i] = (uint8_t)strtoul(b, NULL, 16);
		}
		s->kek_len = n / 2;
	}
	if (!sb_plan_band(s->fp_id, e, sizeof e)) {
		snprintf(err->msg, sizeof err->msg, "chirpstack: %s", e);
		goto fail;
	}
	struct strbuf base = STRBUF_INIT;
	strbuf_addf(&base, "%s://%s", insecure ? "http" : "https", s->url);
	const char *ca = cfg_str(cfg, "chirpstack", "ca-cert-path");
	/* Retries are made here, per call (a gRPC status 14 comes in a 200). */
	s->conn = grpc_conn_new(base.buf, s->key, t, ca && *ca ? ca : NULL, false,
				cfg->o.timeout > 0 ? cfg->o.timeout : 30, 0);
	strbuf_release(&base);
	if (!s->conn) {
		snprintf(err->msg, sizeof err->msg, "chirpstack: cannot start the HTTP client");
		goto fail;
	}
	if (insecure && !text_loopback_host(s->url))
		log_warn("chirpstack: --insecure: the API key goes unencrypted to %s", s->url);
	if (cfg->o.to_dest && !s->export_session)
		log_warn("chirpstack: without --export-session, OTAA devices are moved without "
			 "their session: each must join again at the destination");
	if (cfg->o.to_dest && !s->dry_run)
		log_info(s->disable ? "chirpstack: devices are never deleted at ChirpStack: each "
				      "is disabled there before it is created at the destination "
				      "(needs --keep-source; restore enables it again)"
				    : "chirpstack: devices are never deleted at ChirpStack, and "
				      "without --disable-source-device ChirpStack keeps serving "
				      "the migrated devices");
	if (s->disable && s->dry_run)
		log_warn("--dry-run: the exported devices are not disabled at ChirpStack");
	free(je);
	if (kek) {
		memset(kek, 0, strlen(kek));
		free(kek);
	}
	err->config = false;
	*out = s;
	return 0;
fail:
	free(je);
	if (kek) {
		memset(kek, 0, strlen(kek));
		free(kek);
	}
	chirpstack_close(s);
	return -1;
}

/* ---- calls -------------------------------------------------------------------------- */

/* Worth another attempt: no answer, UNAVAILABLE, RESOURCE_EXHAUSTED,
 * DEADLINE_EXCEEDED, ABORTED. Never INVALID_ARGUMENT, NOT_FOUND or
 * UNAUTHENTICATED: they would answer the same. */
static bool transient(int code)
{
	return code < 0 || code == 14 || code == 8 || code == 4 || code == 10;
}

/*
 * One call of method ("DeviceService/Get") about what (a DevEUI, a UUID),
 * retried as the HTTP layer retries TTS requests. Returns 0 with the answer
 * in *out, else -1 with one line in err naming the call and what; a
 * NOT_FOUND sets err->not_found, an UNAUTHENTICATED / PERMISSION_DENIED
 * err->config.
 */
static int call(struct source *s, const char *method, const char *what, const struct strbuf *req,
		struct strbuf *out, struct src_err *err)
{
	char path[96];
	snprintf(path, sizeof path, "/api.%s", method);
	struct grpc_status st;
	int code = -1, n = 0;
	for (;;) {
		code = grpc_call(s->conn, path, req, out, &st);
		n++;
		if (code == 0)
			return 0;
		if (!transient(code) || n > s->retries || !grpc_backoff(s->conn, n))
			break;
		log_debug("chirpstack: %s %s: %s; trying again (attempt %d of %d)", method, what,
			  code < 0 ? st.message : grpc_code_name(code), n + 1, s->retries + 1);
	}
	char m[300];
	snprintf(m, sizeof m, "%s", st.message);
	log_redact(m);
	for (char *c = m; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	if (code < 0) {
		snprintf(err->msg, sizeof err->msg, "chirpstack: %s %s: %s (after %d attempts)",
			 method, what, m, n);
		return -1;
	}
	err->not_found = code == 5;
	if (code == 16 || code == 7) {
		err->config = true;
		snprintf(err->msg, sizeof err->msg,
			 "chirpstack: %s %s: %s%s%s (the API key was refused or may not read "
			 "this: check CHIRPSTACK_API_KEY / --api-key)",
			 method, what, grpc_code_name(code), *m ? ": " : "", m);
		return -1;
	}
	snprintf(err->msg, sizeof err->msg, "chirpstack: %s %s: %s%s%s%s", method, what,
		 grpc_code_name(code), *m ? ": " : "", m,
		 transient(code) && n > 1 ? " (still after every attempt)" : "");
	return -1;
}

/* ---- listing -------------------------------------------------------------------------- */

/* The UUID of the application named name in --tenant-id. */
static int app_by_name(struct source *s, const char *name, char *uuid, struct src_err *err)
{
	if (!s->tenant) {
		snprintf(err->msg, sizeof err->msg,
			 "application \"%.100s\": not an application UUID; give --tenant-id to "
			 "find an application by its name",
			 name);
		return -1;
	}
	uuid[0] = '\0';
	int found = 0;
	for (uint32_t offset = 0;;) {
		struct strbuf req = STRBUF_INIT, ans = STRBUF_INIT;
		cs_encode_app_list_request(&req, s->tenant, name, 100, offset);
		int rc = call(s, "ApplicationService/List", s->tenant, &req, &ans, err);
		strbuf_release(&req);
		struct cs_app_page pg = {0};
		if (rc == 0 && cs_decode_app_list(ans.buf, ans.len, &pg) < 0) {
			snprintf(err->msg, sizeof err->msg,
				 "chirpstack: ApplicationService/List %s: a malformed answer",
				 s->tenant);
			rc = -1;
		}
		strbuf_release(&ans);
		if (rc < 0)
			return -1;
		for (size_t i = 0; i < pg.n; i++)
			if (strcmp(pg.items[i].name, name) == 0) {
				if (found++ == 0)
					snprintf(uuid, 40, "%s", pg.items[i].id);
			}
		free(pg.items);
		offset += 100;
		if (pg.n == 0 || offset >= pg.total_count)
			break;
	}
	if (found == 0) {
		err->not_found = true;
		snprintf(err->msg, sizeof err->msg,
			 "application \"%.100s\": no application of that name in tenant %s", name,
			 s->tenant);
		return -1;
	}
	if (found > 1) {
		snprintf(err->msg, sizeof err->msg,
			 "application \"%.100s\": %d applications of that name in tenant %s; give "
			 "its UUID",
			 name, found, s->tenant);
		return -1;
	}
	return 0;
}

static int chirpstack_list(struct source *s, const char *app_id, src_device_cb cb, void *ud,
			   struct src_err *err)
{
	char uuid[40];
	if (is_uuid(app_id))
		text_lower(uuid, app_id, sizeof uuid);
	else if (app_by_name(s, app_id, uuid, err) < 0)
		return -1;
	/* Offset paging as the Go tool does; a device added during the walk may
	 * shift a page, so an id already handed out is not handed out again. */
	char(*seen)[24] = NULL;
	size_t nseen = 0, cap = 0;
	int rc = 0;
	for (uint32_t offset = 0;;) {
		struct strbuf req = STRBUF_INIT, ans = STRBUF_INIT;
		cs_encode_list_request(&req, uuid, 100, offset);
		rc = call(s, "DeviceService/List", uuid, &req, &ans, err);
		strbuf_release(&req);
		struct cs_list_page pg = {0};
		if (rc == 0 && cs_decode_list(ans.buf, ans.len, &pg) < 0) {
			snprintf(err->msg, sizeof err->msg,
				 "chirpstack: DeviceService/List %s: a malformed answer", uuid);
			rc = -1;
		}
		strbuf_release(&ans);
		if (rc < 0) {
			if (err->not_found)
				snprintf(err->msg, sizeof err->msg,
					 "application %s: not found at ChirpStack", uuid);
			break;
		}
		for (size_t i = 0; i < pg.n && rc == 0; i++) {
			char id[24];
			if (!text_is_hex(pg.dev_euis[i], 16)) {
				snprintf(
				    err->msg, sizeof err->msg,
				    "chirpstack: DeviceService/List %s: device %zu has no usable "
				    "dev_eui",
				    uuid, (size_t)offset + i + 1);
				rc = -1;
				break;
			}
			text_lower(id, pg.dev_euis[i], sizeof id);
			bool dup = false;
			for (size_t j = 0; j < nseen && !dup; j++)
				dup = strcmp(seen[j], id) == 0;
			if (dup)
				continue;
			if (nseen == cap) {
				cap = cap ? cap * 2 : 256;
				void *p = realloc(seen, cap * sizeof *seen);
				if (!p) {
					snprintf(err->msg, sizeof err->msg, "out of memory");
					rc = -1;
					break;
				}
				seen = p;
			}
			memcpy(seen[nseen++], id, sizeof id);
			if (cb(ud, id) < 0)
				rc = -1;
		}
		size_t got = pg.n;
		free(pg.dev_euis);
		offset += 100;
		if (rc < 0 || got == 0 || offset >= pg.total_count)
			break;
	}
	free(seen);
	return rc;
}

static int chirpstack_item_device_id(const char *item, char *out, size_t cap, struct src_err *err)
{
	const char *eui = strncasecmp(item, "eui-", 4) == 0 ? item + 4 : item;
	if (!text_is_hex(eui, 16) || cap < 17) {
		snprintf(err->msg, sizeof err->msg,
			 "device \"%.100s\": not a DevEUI (16 hex digits)", item);
		return -1;
	}
	text_lower(out, eui, cap);
	return 0;
}

/* ---- reading a device ----------------------------------------------------------------- */

static int bad(struct src_err *err, const char *eui, const char *field, const char *why)
{
	snprintf(err->msg, sizeof err->msg, "device %s: %s: %s", eui, field, why);
	return -1;
}

/* Reads the device (raw, the GetDeviceResponse as received, when raw is
 * not NULL) and decodes it into d. */
static int get_device(struct source *s, const char *id, struct cs_device *d, struct strbuf *raw,
		      struct src_err *err)
{
	struct strbuf req = STRBUF_INIT, ans = STRBUF_INIT;
	cs_encode_id_request(&req, id);
	int rc = call(s, "DeviceService/Get", id, &req, &ans, err);
	strbuf_release(&req);
	if (rc < 0 && err->not_found)
		snprintf(err->msg, sizeof err->msg, "device %s: not found at ChirpStack", id);
	if (rc == 0 && (cs_decode_device(ans.buf, ans.len, d) < 0 || !d->dev_eui[0])) {
		snprintf(err->msg, sizeof err->msg,
			 "chirpstack: DeviceService/Get %s: a malformed answer (no device)", id);
		rc = -1;
	}
	if (rc == 0 && strcasecmp(d->dev_eui, id) != 0) {
		snprintf(err->msg, sizeof err->msg,
			 "chirpstack: DeviceService/Get %s: the answer is about device %.24s", id,
			 d->dev_eui);
		rc = -1;
	}
	if (rc == 0 && raw)
		strbuf_add(raw, ans.buf, ans.len);
	strbuf_release(&ans);
	return rc;
}

static const struct cs_profile *cached_profile(struct source *s, const char *id)
{
	const struct cs_profile *p = NULL;
	pthread_mutex_lock(&s->mu);
	for (struct profile_entry *e = s->profiles; e && !p; e = e->next)
		if (strcmp(e->p.id, id) == 0)
			p = &e->p;
	pthread_mutex_unlock(&s->mu);
	return p;
}

/*
 * The device profile id, read once; the cache owns it. Reads are made one at
 * a time (fetch_mu), so that the workers that start together on devices of
 * one profile wait for one read instead of each making it; a worker whose
 * profile is cached does not wait.
 */
static const struct cs_profile *get_profile(struct source *s, const char *id, struct src_err *err)
{
	const struct cs_profile *p = cached_profile(s, id);
	if (p)
		return p;
	pthread_mutex_lock(&s->fetch_mu);
	if ((p = cached_profile(s, id))) {
		pthread_mutex_unlock(&s->fetch_mu);
		return p;
	}
	struct strbuf req = STRBUF_INIT, ans = STRBUF_INIT;
	cs_encode_id_request(&req, id);
	int rc = call(s, "DeviceProfileService/Get", id, &req, &ans, err);
	strbuf_release(&req);
	struct profile_entry *n = calloc(1, sizeof *n);
	if (rc == 0 &&
	    (!n || cs_decode_profile(ans.buf, ans.len, &n->p) < 0 || strcmp(n->p.id, id) != 0)) {
		snprintf(err->msg, sizeof err->msg,
			 "chirpstack: DeviceProfileService/Get %s: a malformed answer", id);
		rc = -1;
	}
	strbuf_release(&ans);
	if (rc < 0) {
		pthread_mutex_unlock(&s->fetch_mu);
		if (n)
			cs_profile_free(&n->p);
		free(n);
		return NULL;
	}
	pthread_mutex_lock(&s->mu);
	n->next = s->profiles;
	s->profiles = n;
	pthread_mutex_unlock(&s->mu);
	pthread_mutex_unlock(&s->fetch_mu);
	return &n->p;
}

/* Unwraps a KEK-wrapped AppSKey (RFC 3394 AES key wrap, as LoRaWAN Backend
 * Interfaces use it) into 32 hex digits. */
static int unwrap(const struct source *s, const uint8_t *in, size_t n, char *hex)
{
	const EVP_CIPHER *c = s->kek_len == 16	 ? EVP_aes_128_wrap()
			      : s->kek_len == 24 ? EVP_aes_192_wrap()
						 : EVP_aes_256_wrap();
	uint8_t outb[64];
	int l1 = 0, l2 = 0, ok = 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (ctx && n == 24) {
		EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
		ok = EVP_DecryptInit_ex(ctx, c, NULL, s->kek, NULL) == 1 &&
		     EVP_DecryptUpdate(ctx, outb, &l1, in, (int)n) == 1 &&
		     EVP_DecryptFinal_ex(ctx, outb + l1, &l2) == 1 && l1 + l2 == 16;
	}
	EVP_CIPHER_CTX_free(ctx);
	if (ok)
		for (int i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02X", outb[i]);
	memset(outb, 0, sizeof outb);
	return ok ? 0 : -1;
}

/* The Things Stack's band of a ChirpStack region (for the plan check). */
static const char *region_band(uint32_t region)
{
	static const char *const bands[] = {"EU_863_870", NULL,		"US_902_928", "CN_779_787",
					    "EU_433",	  "AU_915_928", "CN_470_510", "AS_923",
					    "KR_920_923", "IN_865_867", "RU_864_870", "ISM_2400",
					    "AS_923_2",	  "AS_923_3",	"AS_923_4"};
	return region < sizeof bands / sizeof bands[0] ? bands[region] : NULL;
}

/* ---- the mapping ---------------------------------------------------------------------- */

struct conv {
	struct source *s;
	const char *id; /* lower-case DevEUI */
	char eui[17];	/* upper-case */
	const struct cs_device *d;
	const struct cs_profile *p;
	struct src_err *err;
	json_t *dev, *ms; /* the device and its mac_settings */
};

/* Drops the device being built; -1 (err already says why). */
static int drop(struct conv *x)
{
	json_decref(x->dev);
	json_decref(x->ms);
	x->dev = x->ms = NULL;
	return -1;
}

static int fail(struct conv *x, const char *field, const char *why)
{
	drop(x);
	return bad(x->err, x->eui, field, why);
}

static void set_secs(json_t *ms, const char *name, uint32_t v)
{
	char b[24];
	snprintf(b, sizeof b, "%us", v);
	json_object_set_new(ms, name, json_string(b));
}

static int versions(struct conv *x, const char **mac, const char **phy)
{
	const struct cs_profile *p = x->p;
	const char *v = cs_mac_version(p->mac_version);
	if (!v)
		return fail(x, "device profile: mac_version",
			    "not a LoRaWAN version ChirpStack has");
	int rc = sb_lorawan_versions(v, p->reg_params_revision == 0, p->reg_params_revision == 1,
				     mac, phy);
	if (p->reg_params_revision >= 2 && p->reg_params_revision <= 7) {
		/* RP002-1.0.0 .. 1.0.5; The Things Stack knows up to 1.0.4. */
		static const char *const rp2[] = {"RP002_V1_0_0", "RP002_V1_0_1", "RP002_V1_0_2",
						  "RP002_V1_0_3", "RP002_V1_0_4", "RP002_V1_0_4"};
		if (p->reg_params_revision == 7)
			log_warn("device %s: regional parameters RP002-1.0.5 exported as "
				 "RP002-1.0.4, the newest The Things Stack knows",
				 x->eui);
		*phy = rp2[p->reg_params_revision - 2];
		rc = *mac ? 0 : rc;
	}
	if (rc == -2)
		return fail(x, "device profile: reg_params_revision",
			    "must be A or B (or RP002) for LoRaWAN 1.0.2 and 1.1.0");
	if (rc < 0 || !*mac || !*phy)
		return fail(x, "device profile: reg_params_revision",
			    "not a regional parameters revision ChirpStack has");
	*phy = lw_phy_version_canonical(*phy) ? lw_phy_version_canonical(*phy) : *phy;
	return 0;
}

/* The attributes: the profile and application UUIDs, the profile's tags,
 * the device's (a device tag wins), and with --export-vars its variables. */
static int attributes(struct conv *x)
{
	const struct cs_map *maps[3] = {&x->p->tags, &x->d->tags,
					x->s->export_vars ? &x->d->variables : NULL};
	static const char *const names[3] = {"device profile: tags", "tags", "variables"};
	json_t *a = json_object();
	json_object_set_new(a, "chirpstack-device-profile", json_string(x->d->device_profile_id));
	json_object_set_new(a, "chirpstack-application-id", json_string(x->d->application_id));
	for (int m = 0; m < 3; m++) {
		if (!maps[m])
			continue;
		if (maps[m]->overflow) {
			json_decref(a);
			return fail(x, names[m],
				    "more than 32 entries, or one longer than The Things Stack's "
				    "attributes take (keys 36, values 200 characters)");
		}
		for (size_t i = 0; i < maps[m]->n; i++) {
			char k[160];
			snprintf(k, sizeof k, "%s%s", m == 2 ? "var-" : "", maps[m]->kv[i].key);
			json_object_set_new(a, k, json_string(maps[m]->kv[i].value));
		}
	}
	json_object_set_new(x->dev, "attributes", a);
	return 0;
}

static int formatters(struct conv *x)
{
	const struct cs_profile *p = x->p;
	if (p->payload_codec_runtime == 1) { /* CAYENNE_LPP */
		json_object_set_new(x->dev, "formatters",
				    json_pack("{s:s,s:s}", "up_formatter", "FORMATTER_CAYENNELPP",
					      "down_formatter", "FORMATTER_CAYENNELPP"));
	} else if (p->payload_codec_runtime == 2 && p->payload_codec_script &&
		   *p->payload_codec_script) { /* JS */
		size_t n = strlen(p->payload_codec_script);
		if (n > 40960) {
			char why[160];
			snprintf(why, sizeof why,
				 "%zu bytes; The Things Stack takes a formatter of at most 40960",
				 n);
			return fail(x, "device profile: payload_codec_script", why);
		}
		/* The same script for both directions: ChirpStack v4 scripts define
		 * decodeUplink and encodeDownlink, The Things Stack's JavaScript
		 * formatter calls exactly those. */
		json_object_set_new(x->dev, "formatters",
				    json_pack("{s:s,s:s,s:s,s:s}", "up_formatter",
					      "FORMATTER_JAVASCRIPT", "up_formatter_parameter",
					      p->payload_codec_script, "down_formatter",
					      "FORMATTER_JAVASCRIPT", "down_formatter_parameter",
					      p->payload_codec_script));
	}
	return 0;
}

/* Class B and C settings of the profile. */
static int classes(struct conv *x)
{
	const struct cs_profile *p = x->p;
	if (p->supports_class_b) {
		json_object_set_new(x->dev, "supports_class_b", json_true());
		if (p->class_b_timeout)
			set_secs(x->ms, "class_b_timeout", p->class_b_timeout);
		uint32_t v = p->class_b_ping_slot_nb_k;
		if (v > 7)
			return fail(x, "device profile: class_b_ping_slot_periodicity", "not 0-7");
		/* nb-k: 2^k slots per 128 s beacon period, one every 2^(7-k) s */
		uint32_t per = x->s->ping_nb_k ? 7 - v : v;
		char b[32];
		snprintf(b, sizeof b, "PING_EVERY_%uS", 1u << per);
		json_object_set_new(x->ms, "ping_slot_periodicity", json_string(b));
		json_object_set_new(x->ms, "desired_ping_slot_data_rate_index",
				    json_integer(p->class_b_ping_slot_dr));
		if (p->class_b_ping_slot_dr > 15)
			return fail(x, "device profile: class_b_ping_slot_dr", "not 0-15");
		if (p->class_b_ping_slot_freq)
			json_object_set_new(x->ms, "desired_ping_slot_frequency",
					    json_sprintf("%u", p->class_b_ping_slot_freq));
	}
	if (p->supports_class_c) {
		json_object_set_new(x->dev, "supports_class_c", json_true());
		if (p->class_c_timeout)
			set_secs(x->ms, "class_c_timeout", p->class_c_timeout);
	}
	return 0;
}

/* GetKeys; *has false when ChirpStack has none (NOT_FOUND). */
static int root_keys(struct conv *x, bool v11, bool *has)
{
	struct strbuf req = STRBUF_INIT, ans = STRBUF_INIT;
	struct cs_keys k;
	cs_encode_id_request(&req, x->id);
	int rc = call(x->s, "DeviceService/GetKeys", x->id, &req, &ans, x->err);
	strbuf_release(&req);
	*has = false;
	if (rc < 0) {
		strbuf_release(&ans);
		if (!x->err->not_found)
			return drop(x);
		x->err->not_found = false;
		return 0;
	}
	rc = cs_decode_keys(ans.buf, ans.len, &k);
	strbuf_release(&ans);
	if (rc < 0)
		return fail(x, "root keys", "a malformed DeviceService/GetKeys answer");
	/* ChirpStack keeps a LoRaWAN 1.0.x AppKey in nwk_key. */
	const char *app = v11 ? k.app_key : k.nwk_key, *nwk = v11 ? k.nwk_key : NULL;
	if (!text_is_hex(app, 32) || (v11 && !text_is_hex(nwk, 32))) {
		memset(&k, 0, sizeof k);
		return fail(x, v11 ? "root keys (app_key, nwk_key)" : "root keys (nwk_key)",
			    "not a key of 32 hex digits");
	}
	char ak[33], nk[33];
	text_upper(ak, app, sizeof ak);
	json_t *rk = json_pack("{s:{s:s}}", "app_key", "key", ak);
	if (v11) {
		text_upper(nk, nwk, sizeof nk);
		json_object_set_new(rk, "nwk_key", json_pack("{s:s}", "key", nk));
	}
	json_object_set_new(x->dev, "root_keys", rk);
	memset(ak, 0, sizeof ak);
	memset(nk, 0, sizeof nk);
	memset(&k, 0, sizeof k);
	*has = true;
	return 0;
}

/* GetActivation and the session; *has false when there is none. */
static int session(struct conv *x, const char *mac, const char *phy, bool otaa, int rx1,
		   int rx1_off, int rx2_dr, uint64_t rx2_f, bool *has)
{
	struct strbuf req = STRBUF_INIT, ans = STRBUF_INIT;
	struct cs_activation a;
	cs_encode_id_request(&req, x->id);
	int rc = call(x->s, "DeviceService/GetActivation", x->id, &req, &ans, x->err);
	strbuf_release(&req);
	*has = false;
	if (rc < 0) {
		strbuf_release(&ans);
		return drop(x);
	}
	rc = cs_decode_activation(ans.buf, ans.len, &a);
	strbuf_release(&ans);
	if (rc < 0)
		return fail(x, "session", "a malformed DeviceService/GetActivation answer");
	if (!a.present || !a.dev_addr[0])
		return 0;
	char aps[33];
	if (a.kek_label[0]) {
		if (!x->s->kek_len) {
			char why[200];
			snprintf(
			    why, sizeof why,
			    "the AppSKey is wrapped with the key-encryption key \"%.60s\"; give "
			    "that KEK with --kek to unwrap it",
			    a.kek_label);
			memset(&a, 0, sizeof a);
			return fail(x, "session.keys.app_s_key", why);
		}
		if (unwrap(x->s, a.wrapped_key, a.wrapped_len, aps) < 0) {
			char why[200];
			snprintf(why, sizeof why,
				 "--kek does not unwrap it (the AppSKey is wrapped with the KEK "
				 "\"%.60s\")",
				 a.kek_label);
			memset(&a, 0, sizeof a);
			return fail(x, "session.keys.app_s_key", why);
		}
	} else {
		snprintf(aps, sizeof aps, "%.32s", a.app_s_key);
		if (!text_is_hex(a.app_s_key, 32)) {
			memset(&a, 0, sizeof a);
			return fail(x, "session.keys.app_s_key", "not a key of 32 hex digits");
		}
	}
	bool v11 = strcmp(mac, "MAC_V1_1") == 0;
	char addr[9];
	size_t al = strlen(a.dev_addr);
	if (al > 8 || strspn(a.dev_addr, "0123456789abcdefABCDEF") != al) {
		memset(&a, 0, sizeof a);
		return fail(x, "session.dev_addr", "not a DevAddr (8 hex digits)");
	}
	memset(addr, '0', 8 - al);
	memcpy(addr + 8 - al, a.dev_addr, al + 1);
	struct sb_input in = {
	    .frequency_plan_id = x->s->fp_id,
	    .lorawan_version = mac,
	    .phy_version = phy,
	    .dev_addr = addr,
	    .app_s_key = aps,
	    .f_nwk_s_int_key = a.f_nwk_s_int_key,
	    .s_nwk_s_int_key = v11 ? a.s_nwk_s_int_key : NULL,
	    .nwk_s_enc_key = v11 ? a.nwk_s_enc_key : NULL,
	    .last_f_cnt_up = cs_last_f_cnt_up(a.f_cnt_up),
	    .last_n_f_cnt_down = a.n_f_cnt_down,
	    .last_a_f_cnt_down = a.a_f_cnt_down,
	    .otaa = otaa,
	    .supports_class_c = x->p->supports_class_c,
	    .rx1_delay = rx1,
	    .rx1_data_rate_offset = rx1_off,
	    .rx2_data_rate_index = rx2_dr,
	    .rx2_frequency = rx2_f,
	};
	json_t *sess, *mst;
	char e[512];
	rc = sb_build(&in, &sess, &mst, e, sizeof e);
	memset(&a, 0, sizeof a);
	memset(aps, 0, sizeof aps);
	if (rc < 0) {
		snprintf(x->err->msg, sizeof x->err->msg, "device %s: %s", x->eui, e);
		return drop(x);
	}
	json_object_set_new(x->dev, "session", sess);
	json_object_set_new(x->dev, "mac_state", mst);
	*has = true;
	return 0;
}

static int convert(struct source *s, const char *id, const struct cs_device *d,
		   const struct cs_profile *p, json_t **out, struct src_err *err)
{
	struct conv x = {.s = s, .id = id, .d = d, .p = p, .err = err};
	text_upper(x.eui, id, sizeof x.eui);
	x.dev = json_object();
	x.ms = json_object();
	const char *mac = NULL, *phy = NULL;
	if (versions(&x, &mac, &phy) < 0)
		return -1;
	char pe[200];
	const char *band = region_band(p->region), *plan = sb_plan_band(s->fp_id, pe, sizeof pe);
	if (band && plan && strcmp(band, plan) != 0) {
		char why[200];
		snprintf(why, sizeof why,
			 "the profile's region %s does not match --frequency-plan-id %s (band %s)",
			 cs_region_name(p->region) ? cs_region_name(p->region) : "?", s->fp_id,
			 plan);
		return fail(&x, "frequency_plan_id", why);
	}
	/* application_id: "chirpstack-" and the UUID's last group, as upstream */
	const char *last = strrchr(d->application_id, '-');
	if (!last || !last[1])
		return fail(&x, "application_id", "not an application UUID");
	char app[64], devid[32], jeui[17] = "";
	snprintf(app, sizeof app, "chirpstack-%s", last + 1);
	text_lower(app, app, sizeof app);
	snprintf(devid, sizeof devid, "eui-%s", id);
	if (s->join_eui) {
		snprintf(jeui, sizeof jeui, "%s", s->join_eui);
		if (text_is_hex(d->join_eui, 16) && strcasecmp(d->join_eui, jeui) != 0 &&
		    strcmp(d->join_eui, "0000000000000000") != 0)
			log_warn("device %s: --join-eui %s differs from its JoinEUI at ChirpStack "
				 "(%s); exported with %s",
				 x.eui, jeui, d->join_eui, jeui);
	} else if (text_is_hex(d->join_eui, 16)) {
		text_upper(jeui, d->join_eui, sizeof jeui);
	}
	bool otaa = p->supports_otaa;
	if (otaa && !jeui[0])
		return fail(&x, "join_eui",
			    "ChirpStack has none for this OTAA device (it gets one on its first "
			    "join); give --join-eui");
	json_t *ids = json_pack("{s:s,s:{s:s},s:s}", "device_id", devid, "application_ids",
				"application_id", app, "dev_eui", x.eui);
	if (jeui[0])
		json_object_set_new(ids, "join_eui", json_string(jeui));
	json_object_set_new(x.dev, "ids", ids);
	if (d->name[0])
		json_object_set_new(x.dev, "name", json_string(d->name));
	if (d->description[0])
		json_object_set_new(x.dev, "description", json_string(d->description));
	if (attributes(&x) < 0)
		return -1;
	json_object_set_new(x.dev, "lorawan_version", json_string(mac));
	json_object_set_new(x.dev, "lorawan_phy_version", json_string(phy));
	json_object_set_new(x.dev, "frequency_plan_id", json_string(s->fp_id));
	if (otaa)
		json_object_set_new(x.dev, "supports_join", json_true());
	if (p->device_status_req_interval)
		/* times per day, as a period */
		set_secs(x.ms, "status_time_periodicity",
			 p->device_status_req_interval >= 86400
			     ? 1
			     : 86400 / p->device_status_req_interval);
	if (d->skip_fcnt_check)
		json_object_set_new(x.ms, "resets_f_cnt", json_true());
	if (classes(&x) < 0 || formatters(&x) < 0)
		return -1;
	/* RX settings: an ABP device has the profile's since it was made; an
	 * OTAA device got ChirpStack's own in its join-accept (RX1 delay: the
	 * profile's when it raises the server's default of 1 s). */
	int rx1 = otaa ? (p->rx1_delay > 0 && p->rx1_delay <= 15 ? (int)p->rx1_delay : 1) : 1;
	int rx1_off = -1, rx2_dr = -1;
	uint64_t rx2_f = 0;
	if (!otaa) {
		if (p->abp_rx1_delay > 15 || p->abp_rx1_dr_offset > 7 || p->abp_rx2_dr > 15)
			return fail(&x,
				    "device profile: abp_rx1_delay / abp_rx1_dr_offset / "
				    "abp_rx2_dr",
				    "out of range (1-15 s, 0-7, 0-15)");
		rx1 = p->abp_rx1_delay ? (int)p->abp_rx1_delay : 1;
		rx1_off = (int)p->abp_rx1_dr_offset;
		rx2_dr = (int)p->abp_rx2_dr;
		json_object_set_new(x.ms, "rx1_delay", json_integer(rx1));
		json_object_set_new(x.ms, "rx1_data_rate_offset", json_integer(rx1_off));
		json_object_set_new(x.ms, "rx2_data_rate_index", json_integer(rx2_dr));
		if (p->abp_rx2_freq) {
			rx2_f = p->abp_rx2_freq;
			json_object_set_new(x.ms, "rx2_frequency",
					    json_sprintf("%u", p->abp_rx2_freq));
		}
	}
	bool has_keys = false, has_session = false;
	if (otaa) {
		if (root_keys(&x, strcmp(mac, "MAC_V1_1") == 0, &has_keys) < 0)
			return -1;
		if (!has_keys)
			return fail(&x, "root keys",
				    "ChirpStack has none for this OTAA device (GetKeys: not "
				    "found): it could never join at the destination");
	}
	if (!otaa || s->export_session) {
		if (session(&x, mac, phy, otaa, rx1, rx1_off, rx2_dr, rx2_f, &has_session) < 0)
			return -1;
		if (!has_session && !otaa)
			return fail(&x, "session",
				    "ChirpStack has no activation for this ABP device; it cannot "
				    "join, so it cannot be moved without one");
		if (!has_session)
			log_info("device %s: not joined at ChirpStack: exported without a session "
				 "(it joins at the destination)",
				 x.eui);
	}
	if (json_object_size(x.ms))
		json_object_set_new(x.dev, "mac_settings", x.ms);
	else
		json_decref(x.ms);
	*out = x.dev;
	return 0;
}

static int chirpstack_export(struct source *s, const char *app_id, const char *dev_id, json_t **out,
			     struct src_err *err)
{
	(void)app_id;
	*out = NULL;
	char id[24];
	if (chirpstack_item_device_id(dev_id, id, sizeof id, err) < 0)
		return -1;
	struct cs_device *d = calloc(1, sizeof *d);
	if (!d) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	int rc = get_device(s, id, d, NULL, err);
	const struct cs_profile *p = NULL;
	if (rc == 0 && !is_uuid(d->device_profile_id)) {
		char up[17];
		text_upper(up, id, sizeof up);
		rc = bad(err, up, "device_profile_id", "not a device profile UUID");
	}
	if (rc == 0 && !(p = get_profile(s, d->device_profile_id, err)))
		rc = -1;
	if (rc == 0)
		rc = convert(s, id, d, p, out, err);
	free(d);
	return rc;
}

/* ---- disabling, and enabling again ------------------------------------------------------ */

/* Reads the device and writes it back with is_disabled = disabled. */
static int set_disabled(struct source *s, const char *id, bool disabled, struct src_err *err)
{
	struct cs_device *d = calloc(1, sizeof *d);
	struct strbuf raw = STRBUF_INIT, req = STRBUF_INIT, ans = STRBUF_INIT;
	int rc = d ? get_device(s, id, d, &raw, err) : -1;
	if (!d)
		snprintf(err->msg, sizeof err->msg, "out of memory");
	if (rc == 0 && d->is_disabled != disabled) {
		if (cs_encode_update_disabled(&req, raw.buf, raw.len, disabled) < 0) {
			snprintf(err->msg, sizeof err->msg,
				 "chirpstack: DeviceService/Get %s: a malformed answer", id);
			rc = -1;
		} else {
			rc = call(s, "DeviceService/Update", id, &req, &ans, err);
		}
	}
	if (rc == 0)
		log_debug("device %s: %s at ChirpStack", id, disabled ? "disabled" : "enabled");
	free(d);
	strbuf_release(&raw);
	strbuf_release(&req);
	strbuf_release(&ans);
	return rc;
}

static bool chirpstack_retires(const struct source *s)
{
	return s->disable && !s->dry_run;
}

static int chirpstack_retire(struct source *s, const char *app_id, const char *dev_id,
			     const json_t *exported, struct src_err *err)
{
	(void)app_id;
	(void)exported;
	if (!s->disable)
		return 0; /* without --disable-source-device ChirpStack keeps serving it */
	if (s->dry_run) {
		log_info("device %s: --dry-run: it would be disabled at ChirpStack", dev_id);
		return 0;
	}
	if (s->migration_delete) {
		err->config = true;
		snprintf(err->msg, sizeof err->msg,
			 "device %s: chirpstack devices are disabled, never deleted: give "
			 "--keep-source with --disable-source-device (restore can undo it)",
			 dev_id);
		return -1;
	}
	char id[24];
	if (chirpstack_item_device_id(dev_id, id, sizeof id, err) < 0)
		return -1;
	return set_disabled(s, id, true, err);
}

static void chirpstack_set_retire_delete(struct source *s, bool delete_device)
{
	s->migration_delete = delete_device;
}

static int chirpstack_writer_open(const struct config *cfg, const char *app,
				  struct src_writer **out, struct src_err *err)
{
	(void)app;
	*out = calloc(1, sizeof **out);
	if (!*out) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	if (chirpstack_open(cfg, &(*out)->s, err) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* The session of an exported device (The Things Stack's JSON) in
 * ChirpStack's form; false when it has none. */
static bool activation_of(const json_t *device, struct cs_activation *a, struct src_err *err)
{
	memset(a, 0, sizeof *a);
	const json_t *se = json_object_get(device, "session");
	const char *addr = json_string_value(json_object_get(se, "dev_addr"));
	if (!addr)
		return false;
	const char *k[4] = {
	    json_string_value(jp_get(se, "keys.app_s_key.key")),
	    json_string_value(jp_get(se, "keys.f_nwk_s_int_key.key")),
	    json_string_value(jp_get(se, "keys.s_nwk_s_int_key.key")),
	    json_string_value(jp_get(se, "keys.nwk_s_enc_key.key")),
	};
	/* LoRaWAN 1.0.x: one NwkSKey, which ChirpStack keeps in all three. */
	if (!k[2])
		k[2] = k[1];
	if (!k[3])
		k[3] = k[1];
	if (!text_is_hex(addr, 8) || !text_is_hex(k[0], 32) || !text_is_hex(k[1], 32) ||
	    !text_is_hex(k[2], 32) || !text_is_hex(k[3], 32)) {
		snprintf(err->msg, sizeof err->msg,
			 "chirpstack: the session to put back has no DevAddr or session keys "
			 "(session.dev_addr, session.keys.*.key)");
		return false;
	}
	text_lower(a->dev_addr, addr, sizeof a->dev_addr);
	text_lower(a->app_s_key, k[0], sizeof a->app_s_key);
	text_lower(a->f_nwk_s_int_key, k[1], sizeof a->f_nwk_s_int_key);
	text_lower(a->s_nwk_s_int_key, k[2], sizeof a->s_nwk_s_int_key);
	text_lower(a->nwk_s_enc_key, k[3], sizeof a->nwk_s_enc_key);
	/* The Things Stack counts the last frames seen and sent, ChirpStack the
	 * next ones (see cs_last_f_cnt_up); 0 uplinks seen: the next is 0. */
	json_int_t up = json_integer_value(json_object_get(se, "last_f_cnt_up")),
		   nd = json_integer_value(json_object_get(se, "last_n_f_cnt_down")),
		   ad = json_integer_value(json_object_get(se, "last_a_f_cnt_down"));
	a->f_cnt_up = up > 0 && up < UINT32_MAX ? (uint32_t)up + 1 : 0;
	a->n_f_cnt_down = nd >= 0 && nd < UINT32_MAX ? (uint32_t)nd + 1 : 0;
	a->a_f_cnt_down = ad >= 0 && ad < UINT32_MAX ? (uint32_t)ad + 1 : 0;
	a->present = true;
	return true;
}

/*
 * restore: REENABLE enables the device again (ChirpStack kept its session
 * while it was disabled: a disabled device's uplinks are not processed).
 * CREATE comes with the destination's session (--from-destination) or a
 * device that was meant to be re-created: a device still at ChirpStack gets
 * that session (DeviceService/Activate, the counters where the destination
 * left them) and is enabled; this tool cannot create one that is gone.
 */
static int chirpstack_put_back(struct src_writer *w, const json_t *device, enum src_put how,
			       struct src_err *err)
{
	const char *eui = json_string_value(jp_get(device, "ids.dev_eui"));
	char id[24];
	if (!text_is_hex(eui, 16)) {
		snprintf(err->msg, sizeof err->msg, "chirpstack: the export has no DevEUI");
		return -1;
	}
	text_lower(id, eui, sizeof id);
	if (how == SRC_PUT_CREATE) {
		struct cs_activation a;
		err->msg[0] = '\0';
		bool has = activation_of(device, &a, err);
		if (!has && err->msg[0])
			return -1;
		if (has) {
			struct strbuf req = STRBUF_INIT, ans = STRBUF_INIT;
			cs_encode_activate(&req, id, &a);
			memset(&a, 0, sizeof a);
			int rc = call(w->s, "DeviceService/Activate", id, &req, &ans, err);
			memset(req.buf ? req.buf : (char *)"", 0, req.len);
			strbuf_release(&req);
			strbuf_release(&ans);
			if (rc < 0) {
				if (err->not_found)
					snprintf(err->msg, sizeof err->msg,
						 "device %s: not at ChirpStack any more, and this "
						 "tool cannot create devices there",
						 id);
				return -1;
			}
		}
	}
	int rc = set_disabled(w->s, id, false, err);
	if (rc < 0 && err->not_found && how == SRC_PUT_CREATE)
		snprintf(err->msg, sizeof err->msg,
			 "device %s: not at ChirpStack any more, and this tool cannot create "
			 "devices there",
			 id);
	return rc;
}

static void chirpstack_writer_close(struct src_writer *w)
{
	if (!w)
		return;
	chirpstack_close(w->s);
	free(w);
}

static int chirpstack_identity(const struct config *cfg, json_t *into, struct src_err *err)
{
	(void)err;
	const char *u = cfg_str(cfg, "chirpstack", "api-url");
	json_object_set_new(into, "api_url", json_string(u ? u : ""));
	return 0;
}

const struct source_ops chirpstack_source = {
    .name = "chirpstack",
    .description = "Export devices from ChirpStack v4 (gRPC-web or gRPC API)",
    .options = chirpstack_options,
    .open = chirpstack_open,
    .list_devices = chirpstack_list,
    .export_device = chirpstack_export,
    .retires = chirpstack_retires,
    .retire_device = chirpstack_retire,
    .set_retire_delete = chirpstack_set_retire_delete,
    .writer_open = chirpstack_writer_open,
    .put_back = chirpstack_put_back,
    .writer_close = chirpstack_writer_close,
    .identity = chirpstack_identity,
    .item_device_id = chirpstack_item_device_id,
    .close = chirpstack_close,
};
