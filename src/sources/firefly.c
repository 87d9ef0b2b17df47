/*
 * Source "firefly": Digimondo's Firefly network server, over its HTTP API
 * (https://HOST/api/v1/...). The API key is the query parameter "auth" of
 * every request, so it is in every URL: it is registered with the log's
 * redactor (every log line, --verbose included, is scrubbed of it), and no
 * error message of this file ever carries a URL.
 *
 * Firefly allows 50 requests per 10 s per key: requests are paced to that
 * (a sliding window shared by every worker thread), and a 429 is retried by
 * the HTTP layer after its Retry-After.
 *
 * Devices are named by their DevEUI; the exported device ID is the
 * lower-case DevEUI. --invalidate-keys makes Firefly stop serving an
 * exported device (each of its keys gets its last byte incremented), only
 * after the export is on disk (retire_device), never with --dry-run; put_back
 * writes the exported keys back. Mapping and every difference from the Go
 * tool: docs/sources/firefly.md.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "core/text.h"
#include "core/jsonpath.h"
#include "core/redact.h"
#include "io/jsondump.h"
#include "net/http.h"
#include "sources/session_build.h"
#include "sources/source.h"
#include "ui/log.h"
#include "ui/stop.h"

static const struct opt_desc firefly_options[] = {
    {"host", OPT_STRING, "FIREFLY_HOST", NULL, "HOST[:PORT]",
     "Firefly server (no scheme), e.g. api.fireflyiot.com", 0},
    {"api-key", OPT_STRING, "FIREFLY_API_KEY", NULL, "KEY", "Firefly API key", OPT_SECRET},
    {"ca-cert-path", OPT_STRING, "FIREFLY_CA_CERT_PATH", NULL, "FILE",
     "Extra CA certificates (PEM) to trust for the Firefly server", 0},
    {"use-http", OPT_BOOL, "FIREFLY_USE_HTTP", "false", NULL,
     "Plain http:// (testing only; refused unless the host is loopback)", 0},
    {"app-id", OPT_STRING, "APP_ID", NULL, "ID", "Application ID of the exported devices", 0},
    {"join-eui", OPT_STRING, "JOIN_EUI", NULL, "EUI", "JoinEUI of the exported devices", 0},
    {"frequency-plan-id", OPT_STRING, "FREQUENCY_PLAN_ID", NULL, "ID",
     "Frequency plan ID of the exported devices (e.g. EU_863_870_TTN)", 0},
    {"mac-version", OPT_STRING, "MAC_VERSION", NULL, "VERSION",
     "LoRaWAN version of the exported devices: 1.0.0, 1.0.1, 1.0.2a, 1.0.2b, 1.0.3, 1.1.0a, "
     "1.1.0b",
     0},
    {"invalidate-keys", OPT_BOOL, "INVALIDATE_KEYS", "false", NULL,
     "After each export is on disk, change the device's keys at Firefly so that it stops "
     "serving it (not with --dry-run)",
     0},
    {"all", OPT_BOOL, "EXPORT_ALL", "false", NULL,
     "application: export every device the API key can see (without it, none)", 0},
    {"rate-limit", OPT_INT, "FIREFLY_RATE_LIMIT", "50", "N",
     "Send at most N requests per 10 s (Firefly's default limit per key; 0: no pacing)", 0},
    {"rate-window-ms", OPT_INT, NULL, "10000", "MS", "The pacing window (tests)", OPT_HIDDEN},
    {NULL, 0, NULL, NULL, NULL, NULL, 0},
};

struct source {
	char *host, *key, *app_id, *join_eui, *fp_id, *mac, *phy;
	char *base; /* "https://HOST/api/v1/" */
	char *qkey; /* the key, URL-escaped */
	bool all, invalidate, dry_run, migration_delete;
	struct http_client *http;
	/* Pacing: the start times of the last `rate` requests (a ring). */
	pthread_mutex_t mu;
	long rate;
	long long window_ns;
	long long *starts;
	long next;
};

struct src_writer {
	struct source *s;
};

/* ---- configuration ------------------------------------------------------------------ */

static void firefly_close(struct source *s)
{
	if (!s)
		return;
	http_client_free(s->http);
	if (s->key)
		memset(s->key, 0, strlen(s->key));
	if (s->qkey)
		memset(s->qkey, 0, strlen(s->qkey));
	free(s->key);
	free(s->qkey);
	free(s->host);
	free(s->app_id);
	free(s->join_eui);
	free(s->fp_id);
	free(s->mac);
	free(s->phy);
	free(s->base);
	free(s->starts);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* The Go tool's --mac-version values. */
static int versions(const char *v, const char **mac, const char **phy)
{
	static const char *const tab[][3] = {
	    {"1.0.0", "MAC_V1_0", "PHY_V1_0"},
	    {"1.0.1", "MAC_V1_0_1", "PHY_V1_0_1"},
	    {"1.0.2a", "MAC_V1_0_2", "PHY_V1_0_2_REV_A"},
	    {"1.0.2b", "MAC_V1_0_2", "PHY_V1_0_2_REV_B"},
	    {"1.0.3", "MAC_V1_0_3", "PHY_V1_0_3_REV_A"},
	    {"1.1.0a", "MAC_V1_1", "PHY_V1_1_REV_A"},
	    {"1.1.0b", "MAC_V1_1", "PHY_V1_1_REV_B"},
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strcasecmp(v, tab[i][0]) == 0) {
			*mac = tab[i][1];
			*phy = tab[i][2];
			return 0;
		}
	return -1;
}

static int firefly_open(const struct config *cfg, struct source **out, struct src_err *err)
{
	*out = NULL;
	struct source *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	pthread_mutex_init(&s->mu, NULL);
	err->config = true;
	s->host = cfg_strdup(cfg, "firefly", "host");
	s->key = cfg_strdup(cfg, "firefly", "api-key");
	if (s->key)
		log_add_secret(s->key);
	s->app_id = cfg_strdup(cfg, "firefly", "app-id");
	s->fp_id = cfg_strdup(cfg, "firefly", "frequency-plan-id");
	char *je = cfg_strdup(cfg, "firefly", "join-eui"),
	     *mv = cfg_strdup(cfg, "firefly", "mac-version");
	s->all = cfg_bool(cfg, "firefly", "all");
	s->invalidate = cfg_bool(cfg, "firefly", "invalidate-keys");
	s->dry_run = cfg->o.dry_run;
	const char *missing = !s->host	   ? "the server: set FIREFLY_HOST or --host"
			      : !s->key	   ? "an API key: set FIREFLY_API_KEY or --api-key"
			      : !s->app_id ? "an application ID: set APP_ID or --app-id"
			      : !s->fp_id  ? "a frequency plan ID: set FREQUENCY_PLAN_ID or "
					     "--frequency-plan-id"
			      : !je	   ? "a JoinEUI: set JOIN_EUI or --join-eui"
			      : !mv	   ? "a LoRaWAN version: set MAC_VERSION or --mac-version"
					   : NULL;
	const char *mac = NULL, *phy = NULL;
	char e[600];
	if (missing) {
		snprintf(err->msg, sizeof err->msg, "firefly: needs %s", missing);
		goto fail;
	}
	if (strstr(s->host, "://") || strpbrk(s->host, "/?#@ \t\r\n")) {
		snprintf(err->msg, sizeof err->msg,
			 "firefly: --host \"%.200s\": a host name with an optional port, no scheme "
			 "or path (e.g. api.fireflyiot.com)",
			 s->host);
		goto fail;
	}
	bool use_http = cfg_bool(cfg, "firefly", "use-http");
	if (use_http && !text_loopback_host(s->host)) {
		snprintf(err->msg, sizeof err->msg,
			 "firefly: --use-http would send the API key unencrypted to %.200s; it is "
			 "only allowed for a loopback host (testing)",
			 s->host);
		goto fail;
	}
	if (!text_is_hex(je, 16)) {
		snprintf(err->msg, sizeof err->msg,
			 "firefly: --join-eui \"%.40s\": not an EUI (16 hex digits)", je);
		goto fail;
	}
	s->join_eui = malloc(17);
	if (s->join_eui)
		text_upper(s->join_eui, je, 17);
	if (versions(mv, &mac, &phy) < 0) {
		snprintf(err->msg, sizeof err->msg,
			 "firefly: --mac-version \"%.40s\": not one of 1.0.0, 1.0.1, 1.0.2a, "
			 "1.0.2b, 1.0.3, 1.1.0a, 1.1.0b",
			 mv);
		goto fail;
	}
	s->mac = strdup(mac);
	s->phy = strdup(phy);
	if (!sb_plan_band(s->fp_id, e, sizeof e)) {
		snprintf(err->msg, sizeof err->msg, "firefly: %s", e);
		goto fail;
	}
	s->rate = cfg_int(cfg, "firefly", "rate-limit", 50);
	long win = cfg_int(cfg, "firefly", "rate-window-ms", 10000);
	if (s->rate < 0 || s->rate > 100000 || win < 1 || win > 3600000) {
		snprintf(err->msg, sizeof err->msg,
			 "firefly: --rate-limit must be 0-100000 (and --rate-window-ms 1-3600000)");
		goto fail;
	}
	/* 5% more than the server's window: its clock starts when a request
	 * arrives, ours when it leaves, and the network's delay varies. */
	s->window_ns = win * 1050000LL;
	if (s->rate > 0 && !(s->starts = calloc((size_t)s->rate, sizeof *s->starts))) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		goto fail;
	}
	char *q = curl_easy_escape(NULL, s->key, 0);
	s->qkey = q ? strdup(q) : NULL;
	curl_free(q);
	size_t n = strlen(s->host) + 32;
	s->base = malloc(n);
	if (!s->qkey || !s->base || !s->join_eui || !s->mac || !s->phy) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		goto fail;
	}
	log_add_secret(s->qkey);
	snprintf(s->base, n, "%s://%s/api/v1/", use_http ? "http" : "https", s->host);
	struct http_opts ho = {
	    .ca_file = cfg_str(cfg, "firefly", "ca-cert-path"),
	    .timeout_s = 30,
	    .retries = 5,
	};
	if (ho.ca_file && !*ho.ca_file)
		ho.ca_file = NULL;
	s->http = http_client_new(&ho);
	if (!s->http) {
		snprintf(err->msg, sizeof err->msg, "firefly: cannot start the HTTP client");
		goto fail;
	}
	if (cfg->o.to_dest && !s->dry_run)
		log_info(s->invalidate
			     ? "firefly: devices are never deleted at Firefly: each device's keys "
			       "are invalidated there before it is created at the destination "
			       "(needs --keep-source; restore undoes it)"
			     : "firefly: devices are never deleted at Firefly, and without "
			       "--invalidate-keys Firefly keeps serving the migrated devices");
	if (s->invalidate && s->dry_run)
		log_warn("--dry-run: the keys of the exported devices are not invalidated at "
			 "Firefly");
	free(je);
	free(mv);
	err->config = false;
	*out = s;
	return 0;
fail:
	free(je);
	free(mv);
	firefly_close(s);
	return -1;
}

/* ---- requests ----------------------------------------------------------------------- */

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Waits for a slot: no more than `rate` request starts in any window. */
static void pace(struct source *s)
{
	if (s->rate <= 0)
		return;
	pthread_mutex_lock(&s->mu);
	long long now = now_ns(), oldest = s->starts[s->next];
	long long at = oldest && oldest + s->window_ns > now ? oldest + s->window_ns : now;
	s->starts[s->next] = at;
	s->next = (s->next + 1) % s->rate;
	pthread_mutex_unlock(&s->mu);
	if (at > now)
		stop_sleep_ms((at - now + 999999) / 1000000);
}

/* The answer's own message, scrubbed, for an error line. */
static void answer_text(const struct http_response *r, char *out, size_t cap)
{
	out[0] = '\0';
	if (!r->body || !r->len)
		return;
	json_t *j = json_loads(r->body, 0, NULL);
	const char *m = NULL;
	if (j && json_is_object(j)) {
		static const char *const names[] = {"error", "message", "reason", "detail"};
		for (size_t i = 0; i < 4 && !m; i++)
			m = json_string_value(json_object_get(j, names[i]));
	}
	snprintf(out, cap, ": %.200s", m ? m : r->body);
	json_decref(j);
	for (char *c = out; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	redact_text(out);
	log_redact(out); /* the key, if the server echoes the URL */
}

/*
 * One request to RESOURCE (the path after /api/v1/, with its own query
 * parameters or none). Returns 0 with the parsed answer (a JSON object) on
 * 200, else -1 with a one-line message in err that names the resource, never
 * the URL.
 */
static int call(struct source *s, const char *method, const char *resource, const json_t *body,
		json_t **out, struct src_err *err)
{
	*out = NULL;
	size_t n = strlen(s->base) + strlen(resource) + strlen(s->qkey) + 16;
	char *url = malloc(n);
	char *b = body ? jd_dumps(body) : NULL;
	if (!url || (body && !b)) {
		free(url);
		free(b);
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	snprintf(url, n, "%s%s%cauth=%s", s->base, resource, strchr(resource, '?') ? '&' : '?',
		 s->qkey);
	pace(s);
	struct http_response r;
	int rc = http_request(s->http, method, url, b, &r);
	memset(url, 0, n);
	free(url);
	if (b) {
		memset(b, 0, strlen(b));
		free(b);
	}
	char what[120];
	snprintf(what, sizeof what, "firefly: %s %.80s", method, resource);
	char *qm = strchr(what, '?');
	if (qm)
		*qm = '\0';
	if (rc < 0) {
		char t[300];
		snprintf(t, sizeof t, "%s", r.transport_error);
		log_redact(t);
		snprintf(err->msg, sizeof err->msg, "%s: %s", what, t);
		http_response_free(&r);
		return -1;
	}
	char text[260];
	answer_text(&r, text, sizeof text);
	if (r.status == 200) {
		json_error_t je;
		*out = r.body ? json_loads(r.body, 0, &je) : NULL;
		http_response_free(&r);
		if (!json_is_object(*out)) {
			json_decref(*out);
			*out = NULL;
			snprintf(err->msg, sizeof err->msg, "%s: the answer is not a JSON object",
				 what);
			return -1;
		}
		return 0;
	}
	if (r.status == 404)
		err->not_found = true;
	if (r.status == 401 || r.status == 403) {
		err->config = true;
		snprintf(err->msg, sizeof err->msg,
			 "%s: HTTP %ld%s (the API key was refused: check FIREFLY_API_KEY / "
			 "--api-key)",
			 what, r.status, text);
	} else if (r.status == 429) {
		snprintf(err->msg, sizeof err->msg,
			 "%s: HTTP 429%s (Firefly's rate limit, still after %d attempts; lower "
			 "--rate-limit)",
			 what, text, r.attempts);
	} else {
		snprintf(err->msg, sizeof err->msg, "%s: HTTP %ld%s", what, r.status, text);
	}
	http_response_free(&r);
	return -1;
}

/* ---- listing -------------------------------------------------------------------------- */

static int firefly_list(struct source *s, const char *app_id, src_device_cb cb, void *ud,
			struct src_err *err)
{
	if (!s->all) {
		snprintf(err->msg, sizeof err->msg,
			 "application \"%s\": give --all to export every device the API key can "
			 "see (Firefly has no applications; the exports' application is --app-id)",
			 app_id);
		return -1;
	}
	json_t *ans;
	if (call(s, "GET", "devices", NULL, &ans, err) < 0)
		return -1;
	json_t *devs = json_object_get(ans, "devices");
	if (!json_is_array(devs)) {
		snprintf(err->msg, sizeof err->msg, "firefly: GET devices: no \"devices\" list");
		json_decref(ans);
		return -1;
	}
	size_t i;
	json_t *d;
	int rc = 0;
	json_array_foreach(devs, i, d)
	{
		const char *eui = json_string_value(json_object_get(d, "eui"));
		char id[17];
		if (!text_is_hex(eui, 16)) {
			log_error("firefly: GET devices: device %zu has no usable \"eui\"; skipped",
				  i + 1);
			continue;
		}
		text_lower(id, eui, sizeof id);
		if (cb(ud, id) < 0) {
			rc = -1;
			break;
		}
	}
	json_decref(ans);
	return rc;
}

static const char *firefly_all_application(const struct source *s)
{
	return s->all ? s->app_id : NULL;
}

static int firefly_item_device_id(const char *item, char *out, size_t cap, struct src_err *err)
{
	if (!text_is_hex(item, 16) || cap < 17) {
		snprintf(err->msg, sizeof err->msg,
			 "device \"%.100s\": not a DevEUI (16 hex digits)", item);
		return -1;
	}
	text_lower(out, item, cap);
	return 0;
}

/* ---- the mapping ---------------------------------------------------------------------- */

static const char *jstr(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v && *v ? v : NULL;
}

static int bad(struct src_err *err, const char *eui, const char *field, const char *why)
{
	snprintf(err->msg, sizeof err->msg, "device %s: %s: %s", eui, field, why);
	return -1;
}

static int fcnt_up(struct source *s, const char *id, uint32_t *out, struct src_err *err)
{
	char res[96];
	snprintf(res, sizeof res, "devices/eui/%s/packets?limit_to_last=1", id);
	json_t *ans;
	*out = 0;
	if (call(s, "GET", res, NULL, &ans, err) < 0)
		return -1;
	json_t *p = json_object_get(ans, "packets");
	int rc = 0;
	if (!json_is_array(p)) {
		snprintf(err->msg, sizeof err->msg,
			 "firefly: GET devices/eui/%s/packets: no \"packets\" list", id);
		rc = -1;
	} else if (json_array_size(p) > 0) {
		json_int_t f = json_integer_value(json_object_get(json_array_get(p, 0), "fcnt"));
		if (!json_is_integer(json_object_get(json_array_get(p, 0), "fcnt")) || f < 0 ||
		    f > UINT32_MAX) {
			snprintf(err->msg, sizeof err->msg,
				 "firefly: GET devices/eui/%s/packets: the last packet has no "
				 "frame counter (fcnt)",
				 id);
			rc = -1;
		} else {
			*out = (uint32_t)f;
		}
	} else {
		log_debug("device %s: no packets at Firefly: uplink frame counter 0", id);
	}
	json_decref(ans);
	return rc;
}

static int convert(struct source *s, const char *app, const char *id, const json_t *d, json_t **out,
		   struct src_err *err)
{
	char eui[17];
	text_upper(eui, id, sizeof eui);
	const char *got = jstr(d, "eui");
	if (got && strcasecmp(got, id) != 0)
		return bad(err, eui, "eui", "the answer is about another device");
	bool otaa = json_is_true(json_object_get(d, "otaa"));
	bool v11 = strcmp(s->mac, "MAC_V1_1") == 0;
	const char *ak = jstr(d, "application_key"), *addr = jstr(d, "address"),
		   *aps = jstr(d, "application_session_key"), *nwk = jstr(d, "network_session_key");
	json_t *dev = json_object();
	json_t *ids = json_pack("{s:s,s:{s:s},s:s,s:s}", "device_id", id, "application_ids",
				"application_id", app, "dev_eui", eui, "join_eui", s->join_eui);
	json_object_set_new(dev, "ids", ids);
	const char *name = jstr(d, "name"), *desc = jstr(d, "description");
	if (name)
		json_object_set_new(dev, "name", json_string(name));
	if (desc)
		json_object_set_new(dev, "description", json_string(desc));
	json_object_set_new(dev, "lorawan_version", json_string(s->mac));
	json_object_set_new(dev, "lorawan_phy_version", json_string(s->phy));
	json_object_set_new(dev, "frequency_plan_id", json_string(s->fp_id));
	bool class_c = json_is_true(json_object_get(d, "class_c"));
	if (class_c)
		json_object_set_new(dev, "supports_class_c", json_true());
	if (otaa)
		json_object_set_new(dev, "supports_join", json_true());
	int rx2 = -1;
	json_t *r2 = json_object_get(d, "rx2_data_rate");
	if (json_is_integer(r2)) {
		if (json_integer_value(r2) < 0 || json_integer_value(r2) > 15) {
			json_decref(dev);
			return bad(err, eui, "rx2_data_rate", "not a data rate index (0-15)");
		}
		rx2 = (int)json_integer_value(r2);
		json_object_set_new(dev, "mac_settings",
				    json_pack("{s:i}", "desired_rx2_data_rate_index", rx2));
	}
	json_t *loc = json_object_get(d, "location");
	if (json_is_object(loc) && json_is_number(json_object_get(loc, "lat")) &&
	    json_is_number(json_object_get(loc, "lon"))) {
		double la = json_number_value(json_object_get(loc, "lat")),
		       lo = json_number_value(json_object_get(loc, "lon"));
		if (la < -90 || la > 90 || lo < -180 || lo > 180) {
			json_decref(dev);
			return bad(err, eui, "location", "not a latitude and longitude");
		}
		json_object_set_new(dev, "locations",
				    json_pack("{s:{s:f,s:f,s:s}}", "user", "latitude", la,
					      "longitude", lo, "source", "SOURCE_REGISTRY"));
	}
	char k[33];
	if (otaa) {
		if (!text_is_hex(ak, 32)) {
			json_decref(dev);
			return bad(err, eui, "application_key",
				   ak ? "not a key (32 hex digits)"
				      : "missing on an OTAA device (is the API key allowed to "
					"read keys?)");
		}
		text_upper(k, ak, sizeof k);
		json_object_set_new(dev, "root_keys", json_pack("{s:{s:s}}", "app_key", "key", k));
	}
	/* A session when Firefly has one (DevAddr and both session keys), and
	 * always for ABP (it cannot join). */
	if ((addr && aps && nwk) || !otaa) {
		const char *miss = !addr  ? "address"
				   : !aps ? "application_session_key"
				   : !nwk ? "network_session_key"
					  : NULL;
		if (miss) {
			json_decref(dev);
			return bad(err, eui, miss,
				   "missing on an ABP device (it cannot join, so it needs its "
				   "session)");
		}
		size_t al = strlen(addr);
		char a[9];
		if (al < 1 || al > 8 || strspn(addr, "0123456789abcdefABCDEF") != al) {
			json_decref(dev);
			return bad(err, eui, "address", "not a DevAddr (up to 8 hex digits)");
		}
		memset(a, '0', 8 - al);
		memcpy(a + 8 - al, addr, al + 1);
		if (!text_is_hex(aps, 32) || !text_is_hex(nwk, 32)) {
			json_decref(dev);
			return bad(err, eui,
				   text_is_hex(aps, 32) ? "network_session_key"
							: "application_session_key",
				   "not a key (32 hex digits)");
		}
		json_t *fc = json_object_get(d, "frame_counter");
		json_int_t down = json_is_integer(fc) ? json_integer_value(fc) : 0;
		if (down < 0 || down > UINT32_MAX) {
			json_decref(dev);
			return bad(err, eui, "frame_counter", "not a frame counter");
		}
		uint32_t up;
		if (fcnt_up(s, id, &up, err) < 0) {
			json_decref(dev);
			return -1;
		}
		struct sb_input in = {
		    .frequency_plan_id = s->fp_id,
		    .lorawan_version = s->mac,
		    .phy_version = s->phy,
		    .dev_addr = a,
		    .app_s_key = aps,
		    .f_nwk_s_int_key = nwk,
		    .s_nwk_s_int_key = v11 ? nwk : NULL,
		    .nwk_s_enc_key = v11 ? nwk : NULL,
		    .last_f_cnt_up = up,
		    .last_n_f_cnt_down = (uint32_t)down,
		    .last_a_f_cnt_down = (uint32_t)down,
		    .otaa = otaa,
		    .supports_class_c = class_c,
		    .rx1_delay = 1,
		    .rx1_data_rate_offset = -1,
		    .rx2_data_rate_index = rx2,
		    .rx2_frequency = 0,
		};
		json_t *session, *mac_state;
		char e[512];
		if (sb_build(&in, &session, &mac_state, e, sizeof e) < 0) {
			snprintf(err->msg, sizeof err->msg, "device %s: %s", eui, e);
			json_decref(dev);
			return -1;
		}
		json_object_set_new(dev, "mac_state", mac_state);
		json_object_set_new(dev, "session", session);
	}
	*out = dev;
	return 0;
}

static int read_device(struct source *s, const char *id, json_t **ans, struct src_err *err)
{
	char res[64];
	snprintf(res, sizeof res, "devices/eui/%s", id);
	if (call(s, "GET", res, NULL, ans, err) < 0) {
		if (err->not_found)
			snprintf(err->msg, sizeof err->msg, "device %s: not found at Firefly", id);
		return -1;
	}
	if (!json_is_object(json_object_get(*ans, "device"))) {
		json_decref(*ans);
		*ans = NULL;
		snprintf(err->msg, sizeof err->msg, "firefly: GET devices/eui/%s: no \"device\"",
			 id);
		return -1;
	}
	return 0;
}

static int firefly_export(struct source *s, const char *app_id, const char *dev_id, json_t **out,
			  struct src_err *err)
{
	*out = NULL;
	if (!text_is_hex(dev_id, 16))
		return firefly_item_device_id(dev_id, (char[17]){0}, 17, err);
	json_t *ans;
	if (read_device(s, dev_id, &ans, err) < 0)
		return -1;
	int rc = convert(s, app_id ? app_id : s->app_id, dev_id, json_object_get(ans, "device"),
			 out, err);
	json_decref(ans);
	return rc;
}

/* ---- invalidating keys, and putting them back ------------------------------------------ */

/* The Firefly fields and where the export keeps their values. */
static const char *const key_fields[][2] = {
    {"application_key", "root_keys.app_key.key"},
    {"application_session_key", "session.keys.app_s_key.key"},
    {"network_session_key", "session.keys.f_nwk_s_int_key.key"},
};

/* PUT devices/eui/ID with the keys of exported, each changed by delta to
 * its last byte (0: as exported). */
static int put_keys(struct source *s, const char *id, const json_t *exported, int delta,
		    bool counters, struct src_err *err)
{
	json_t *d = json_object();
	/* Put back with a session that ran at the destination: Firefly's
	 * downlink counter must not go back below what the device has seen. */
	json_t *fc = jp_get(exported, "session.last_n_f_cnt_down");
	if (counters && json_is_integer(fc))
		json_object_set_new(d, "frame_counter", json_integer(json_integer_value(fc)));
	const char *addr = json_string_value(jp_get(exported, "session.dev_addr"));
	if (counters && text_is_hex(addr, 8)) {
		char a[9];
		text_lower(a, addr, sizeof a);
		json_object_set_new(d, "address", json_string(a));
	}
	for (size_t i = 0; i < 3; i++) {
		const char *v = json_string_value(jp_get(exported, key_fields[i][1]));
		if (!text_is_hex(v, 32))
			continue;
		char k[33];
		text_lower(k, v, sizeof k);
		unsigned last = (unsigned)strtoul(k + 30, NULL, 16);
		snprintf(k + 30, 3, "%02x", (last + (unsigned)delta) & 0xffu);
		json_object_set_new(d, key_fields[i][0], json_string(k));
		memset(k, 0, sizeof k);
	}
	if (json_object_size(d) == (counters && json_is_integer(fc) ? 1u : 0u) +
				       (counters && text_is_hex(addr, 8) ? 1u : 0u)) {
		json_decref(d);
		return 0; /* no keys: nothing Firefly could serve it with */
	}
	json_t *body = json_pack("{s:o}", "device", d), *ans = NULL;
	char res[64];
	snprintf(res, sizeof res, "devices/eui/%s", id);
	int rc = call(s, "PUT", res, body, &ans, err);
	json_decref(body);
	json_decref(ans);
	return rc;
}

static bool firefly_retires(const struct source *s)
{
	return s->invalidate && !s->dry_run;
}

static int firefly_retire(struct source *s, const char *app_id, const char *dev_id,
			  const json_t *exported, struct src_err *err)
{
	(void)app_id;
	if (!s->invalidate)
		return 0; /* without --invalidate-keys Firefly keeps serving it */
	if (s->dry_run) {
		log_info("device %s: --dry-run: its keys would be invalidated at Firefly", dev_id);
		return 0;
	}
	if (s->migration_delete) {
		err->config = true;
		snprintf(err->msg, sizeof err->msg,
			 "device %s: firefly cannot delete devices: give --keep-source with "
			 "--invalidate-keys (the keys are invalidated, which restore can undo)",
			 dev_id);
		return -1;
	}
	if (put_keys(s, dev_id, exported, +1, false, err) < 0)
		return -1;
	log_debug("device %s: keys invalidated at Firefly", dev_id);
	return 0;
}

static void firefly_set_retire_delete(struct source *s, bool delete_device)
{
	s->migration_delete = delete_device;
}

static int firefly_writer_open(const struct config *cfg, const char *app, struct src_writer **out,
			       struct src_err *err)
{
	(void)app;
	*out = calloc(1, sizeof **out);
	if (!*out) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	if (firefly_open(cfg, &(*out)->s, err) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static int firefly_put_back(struct src_writer *w, const json_t *device, enum src_put how,
			    struct src_err *err)
{
	const char *id = json_string_value(jp_get(device, "ids.dev_eui"));
	char lid[17];
	if (!text_is_hex(id, 16)) {
		snprintf(err->msg, sizeof err->msg, "firefly: the export has no DevEUI");
		return -1;
	}
	text_lower(lid, id, sizeof lid);
	if (how == SRC_PUT_CREATE) {
		/* Firefly's API as this tool uses it cannot create a device: one
		 * that is still there (its keys invalidated) gets them back. */
		json_t *ans;
		if (read_device(w->s, lid, &ans, err) < 0) {
			if (err->not_found)
				snprintf(err->msg, sizeof err->msg,
					 "device %s: not at Firefly any more, and this tool cannot "
					 "create devices there",
					 lid);
			return -1;
		}
		json_decref(ans);
	}
	return put_keys(w->s, lid, device, 0, how == SRC_PUT_CREATE, err);
}

static void firefly_writer_close(struct src_writer *w)
{
	if (!w)
		return;
	firefly_close(w->s);
	free(w);
}

static int firefly_identity(const struct config *cfg, json_t *into, struct src_err *err)
{
	(void)err;
	const char *h = cfg_str(cfg, "firefly", "host");
	json_object_set_new(into, "host", json_string(h ? h : ""));
	return 0;
}

const struct source_ops firefly_source = {
    .name = "firefly",
    .description = "Export devices from Digimondo's Firefly network server (HTTP API)",
    .options = firefly_options,
    .open = firefly_open,
    .list_devices = firefly_list,
    .export_device = firefly_export,
    .retires = firefly_retires,
    .retire_device = firefly_retire,
    .set_retire_delete = firefly_set_retire_delete,
    .writer_open = firefly_writer_open,
    .put_back = firefly_put_back,
    .writer_close = firefly_writer_close,
    .identity = firefly_identity,
    .item_device_id = firefly_item_device_id,
    .all_application = firefly_all_application,
    .close = firefly_close,
};
