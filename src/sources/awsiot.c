/*
 * Source "awsiot": AWS IoT Core for LoRaWAN (the iotwireless API, version
 * 2020-11-22), read-only. Requests are REST-JSON signed with AWS Signature
 * Version 4 by libcurl (net/http.h), for service "iotwireless" and the
 * configured region.
 *
 * `application` exports every LoRaWAN wireless device of the account and
 * region (ListWirelessDevices, paged by NextToken); `device` items are
 * wireless device IDs. Each device is GetWirelessDevice plus the
 * GetDeviceProfile of its profile. AWS exposes no frame counters: an ABP
 * device gets its session only with --frame-counters FILE or
 * --assume-zero-frame-counters; OTAA devices are exported without a session
 * (they join again). Mapping and differences from the Go tool:
 * docs/sources/awsiot.md.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/lorawan.h"
#include "core/strbuf.h"
#include "net/http.h"
#include "sources/aws_target.h"
#include "sources/session_build.h"
#include "sources/source.h"
#include "ui/log.h"

static const struct opt_desc awsiot_options[] = {
    {"app-id", OPT_STRING, "APP_ID", NULL, "ID", "Application ID of the exported devices", 0},
    {"frequency-plan-id", OPT_STRING, "FREQUENCY_PLAN_ID", NULL, "ID",
     "Frequency plan ID of the exported devices (e.g. EU_863_870_TTN)", 0},
    {"region", OPT_STRING, "AWS_REGION", NULL, "REGION",
     "AWS region (else AWS_DEFAULT_REGION, else the profile's region)", 0},
    {"profile", OPT_STRING, "AWS_PROFILE", NULL, "NAME",
     "Profile of ~/.aws/credentials and ~/.aws/config (default: default)", 0},
    {"endpoint-url", OPT_STRING, "AWS_ENDPOINT_URL_IOT_WIRELESS", NULL, "URL",
     "iotwireless endpoint (else AWS_ENDPOINT_URL, else "
     "https://api.iotwireless.REGION.amazonaws.com)",
     0},
    {"frame-counters", OPT_STRING, "AWSIOT_FRAME_COUNTERS", NULL, "FILE",
     "CSV dev_eui,last_f_cnt_up,last_n_f_cnt_down[,last_a_f_cnt_down]: the frame "
     "counters of ABP devices (AWS exposes none)",
     0},
    {"assume-zero-frame-counters", OPT_BOOL, NULL, "false", NULL,
     "Export ABP devices missing from --frame-counters with counters 0 (they only work "
     "after the device resets its counters)",
     0},
    {"page-size", OPT_INT, NULL, "100", "N", "ListWirelessDevices page size (1-250)", OPT_HIDDEN},
    {NULL, 0, NULL, NULL, NULL, NULL, 0},
};

struct fcnt {
	char eui[17];
	uint32_t up, ndown, adown;
};

struct source {
	char *app_id, *fp_id, *endpoint, *region, *fcnt_path;
	bool assume_zero;
	long page_size;
	struct http_client *http;
	struct fcnt *fc;
	size_t nfc;
};

/* ---- configuration ------------------------------------------------------------------ */

static void awsiot_close(struct source *s)
{
	if (!s)
		return;
	http_client_free(s->http);
	free(s->app_id);
	free(s->fp_id);
	free(s->endpoint);
	free(s->region);
	free(s->fcnt_path);
	free(s->fc);
	free(s);
}

static char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? strdup(v) : NULL;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Reads key from section sect of an AWS INI file into *out (if unset). */
static void ini_get(const char *path, const char *sect, const char *key, char **out)
{
	if (*out || !path)
		return;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char line[1024];
	bool in = false;
	while (fgets(line, sizeof line, f)) {
		char *l = trim(line);
		if (*l == '#' || *l == ';' || !*l)
			continue;
		if (*l == '[') {
			char *e = strchr(l, ']');
			if (e)
				*e = '\0';
			in = strcmp(trim(l + 1), sect) == 0;
			continue;
		}
		char *eq = strchr(l, '=');
		if (!in || !eq)
			continue;
		*eq = '\0';
		if (strcmp(trim(l), key) == 0) {
			*out = strdup(trim(eq + 1));
			break;
		}
	}
	memset(line, 0, sizeof line);
	fclose(f);
}

static char *aws_file(const char *envname, const char *base)
{
	const char *v = getenv(envname);
	if (v && *v)
		return strdup(v);
	const char *home = getenv("HOME");
	if (!home)
		return NULL;
	size_t n = strlen(home) + strlen(base) + 8;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/.aws/%s", home, base);
	return p;
}

static void wipe_free(char *s)
{
	if (s)
		memset(s, 0, strlen(s));
	free(s);
}

static int load_fcnts(struct source *s, char *msg, size_t len)
{
	FILE *f = fopen(s->fcnt_path, "r");
	if (!f) {
		snprintf(msg, len, "--frame-counters %s: %s", s->fcnt_path, strerror(errno));
		return -1;
	}
	char line[512];
	size_t ln = 0, cap = 0;
	int rc = 0;
	while (fgets(line, sizeof line, f)) {
		ln++;
		char *l = trim(line);
		if (!*l || *l == '#')
			continue;
		char *fld[5] = {0};
		int nf = 0;
		for (char *p = l; nf < 5;) {
			fld[nf++] = p;
			char *c = strchr(p, ',');
			if (!c)
				break;
			*c = '\0';
			p = c + 1;
		}
		for (int i = 0; i < nf; i++)
			fld[i] = trim(fld[i]);
		bool hex = strlen(fld[0]) == 16 && strspn(fld[0], "0123456789abcdefABCDEF") == 16;
		if (!hex && ln == 1 && strcasecmp(fld[0], "dev_eui") == 0)
			continue; /* header */
		if (!hex || nf < 3 || nf > 4) {
			snprintf(msg, len,
				 "--frame-counters %s line %zu: want dev_eui,last_f_cnt_up,"
				 "last_n_f_cnt_down[,last_a_f_cnt_down]",
				 s->fcnt_path, ln);
			rc = -1;
			break;
		}
		unsigned long long v[3];
		for (int i = 1; i < nf; i++) {
			char *e;
			errno = 0;
			v[i - 1] = strtoull(fld[i], &e, 10);
			if (errno || *e || !*fld[i] || *fld[i] == '-' || v[i - 1] > UINT32_MAX) {
				snprintf(
				    msg, len,
				    "--frame-counters %s line %zu: field %d: not a frame counter "
				    "(0-4294967295)",
				    s->fcnt_path, ln, i + 1);
				rc = -1;
				break;
			}
		}
		if (rc)
			break;
		if (s->nfc == cap) {
			cap = cap ? cap * 2 : 64;
			struct fcnt *n = realloc(s->fc, cap * sizeof *n);
			if (!n) {
				snprintf(msg, len, "out of memory");
				rc = -1;
				break;
			}
			s->fc = n;
		}
		struct fcnt *c = &s->fc[s->nfc++];
		for (int i = 0; i < 16; i++)
			c->eui[i] = (char)toupper((unsigned char)fld[0][i]);
		c->eui[16] = '\0';
		c->up = (uint32_t)v[0];
		c->ndown = (uint32_t)v[1];
		c->adown = nf == 4 ? (uint32_t)v[2] : (uint32_t)v[1];
	}
	fclose(f);
	return rc;
}

static int awsiot_open(const struct config *cfg, struct source **out, struct src_err *err)
{
	*out = NULL;
	struct source *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	err->config = true;
	s->app_id = cfg_strdup(cfg, "awsiot", "app-id");
	s->fp_id = cfg_strdup(cfg, "awsiot", "frequency-plan-id");
	s->fcnt_path = cfg_strdup(cfg, "awsiot", "frame-counters");
	s->assume_zero = cfg_bool(cfg, "awsiot", "assume-zero-frame-counters");
	s->page_size = cfg_int(cfg, "awsiot", "page-size", 100);
	char *profile = cfg_strdup(cfg, "awsiot", "profile");
	char *cred_file = aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
	char *conf_file = aws_file("AWS_CONFIG_FILE", "config");
	char *ak = NULL, *sk = NULL, *tok = NULL;
	char e[600];
	const char *missing = !s->app_id  ? "an application ID: set APP_ID or --app-id"
			      : !s->fp_id ? "a frequency plan ID: set FREQUENCY_PLAN_ID or "
					    "--frequency-plan-id"
					  : NULL;
	if (missing) {
		snprintf(err->msg, sizeof err->msg, "awsiot: needs %s", missing);
		goto fail;
	}
	if (s->page_size < 1 || s->page_size > 250) {
		snprintf(err->msg, sizeof err->msg, "awsiot: --page-size: %ld is not in 1-250",
			 s->page_size);
		goto fail;
	}
	if (!sb_plan_band(s->fp_id, e, sizeof e)) {
		snprintf(err->msg, sizeof err->msg, "awsiot: %s", e);
		goto fail;
	}
	if (s->fcnt_path && load_fcnts(s, e, sizeof e) < 0) {
		snprintf(err->msg, sizeof err->msg, "awsiot: %s", e);
		goto fail;
	}

	/* Credentials: the environment, else the profile's. */
	const char *pname = profile ? profile : "default";
	char csect[160];
	snprintf(csect, sizeof csect, strcmp(pname, "default") ? "profile %s" : "%s", pname);
	ak = env("AWS_ACCESS_KEY_ID");
	sk = env("AWS_SECRET_ACCESS_KEY");
	if (ak && sk)
		tok = env("AWS_SESSION_TOKEN");
	else {
		wipe_free(ak);
		wipe_free(sk);
		ak = sk = NULL;
		ini_get(cred_file, pname, "aws_access_key_id", &ak);
		ini_get(cred_file, pname, "aws_secret_access_key", &sk);
		ini_get(cred_file, pname, "aws_session_token", &tok);
		ini_get(conf_file, csect, "aws_access_key_id", &ak);
		ini_get(conf_file, csect, "aws_secret_access_key", &sk);
		ini_get(conf_file, csect, "aws_session_token", &tok);
	}
	if (sk)
		log_add_secret(sk);
	if (tok)
		log_add_secret(tok);
	if (!ak || !sk) {
		snprintf(err->msg, sizeof err->msg,
			 "awsiot: no AWS credentials: set AWS_ACCESS_KEY_ID and "
			 "AWS_SECRET_ACCESS_KEY, or give profile \"%s\" aws_access_key_id and "
			 "aws_secret_access_key in %s",
			 pname, cred_file ? cred_file : "~/.aws/credentials");
		goto fail;
	}
	s->region = cfg_strdup(cfg, "awsiot", "region");
	if (!s->region)
		s->region = env("AWS_DEFAULT_REGION");
	ini_get(conf_file, csect, "region", &s->region);
	if (!s->region) {
		snprintf(err->msg, sizeof err->msg,
			 "awsiot: no AWS region: set AWS_REGION or --region, or region in "
			 "profile \"%s\" of %s",
			 pname, conf_file ? conf_file : "~/.aws/config");
		goto fail;
	}
	if (strspn(s->region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(s->region)) {
		snprintf(err->msg, sizeof err->msg, "awsiot: region \"%s\" is not an AWS region",
			 s->region);
		goto fail;
	}
	s->endpoint = cfg_strdup(cfg, "awsiot", "endpoint-url");
	if (!s->endpoint)
		s->endpoint = env("AWS_ENDPOINT_URL");
	if (!s->endpoint) {
		size_t n = strlen(s->region) + 64;
		s->endpoint = malloc(n);
		if (s->endpoint)
			snprintf(s->endpoint, n, "https://api.iotwireless.%s.amazonaws.com",
				 s->region);
	}
	if (!s->endpoint) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		goto fail;
	}
	size_t el = strlen(s->endpoint);
	while (el && s->endpoint[el - 1] == '/')
		s->endpoint[--el] = '\0';

	char sig[128], tokh[4096] = "";
	snprintf(sig, sizeof sig, "aws:amz:%s:iotwireless", s->region);
	if (tok)
		snprintf(tokh, sizeof tokh, "x-amz-security-token: %s", tok);
	struct http_opts ho = {
	    .timeout_s = 30,
	    .retries = 3,
	    .aws_sigv4 = sig,
	    .user = ak,
	    .password = sk,
	    .extra_header = tok ? tokh : NULL,
	};
	s->http = http_client_new(&ho);
	memset(tokh, 0, sizeof tokh);
	if (!s->http) {
		snprintf(err->msg, sizeof err->msg, "awsiot: cannot start the HTTP client");
		goto fail;
	}
	wipe_free(ak);
	wipe_free(sk);
	wipe_free(tok);
	free(profile);
	free(cred_file);
	free(conf_file);
	err->config = false;
	log_debug("awsiot: endpoint %s, region %s", s->endpoint, s->region);
	*out = s;
	return 0;
fail:
	wipe_free(ak);
	wipe_free(sk);
	wipe_free(tok);
	free(profile);
	free(cred_file);
	free(conf_file);
	awsiot_close(s);
	return -1;
}

/* ---- requests ------------------------------------------------------------------------- */

/* GET path (already encoded, with its canonical query) and parse the JSON
 * answer. what names the call in messages. */
static json_t *aws_get(struct source *s, const char *target, const char *what, struct src_err *err)
{
	struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "%s%s", s->endpoint, target);
	struct http_response r;
	int sent = http_request(s->http, "GET", url.buf, NULL, &r);
	strbuf_release(&url);
	if (sent < 0) {
		snprintf(err->msg, sizeof err->msg, "%s: %s: %s", what, s->endpoint,
			 r.transport_error);
		http_response_free(&r);
		return NULL;
	}
	json_error_t je;
	json_t *j = r.body ? json_loadb(r.body, r.len, 0, &je) : NULL;
	if (r.status == 200 && json_is_object(j)) {
		http_response_free(&r);
		return j;
	}
	const char *m = json_string_value(json_object_get(j, "message"));
	if (!m)
		m = json_string_value(json_object_get(j, "Message"));
	const char *code = r.error_type;
	if (!*code)
		code = json_string_value(json_object_get(j, "code"));
	if (!code || !*code)
		code = json_string_value(json_object_get(j, "__type"));
	if (r.status == 200)
		snprintf(err->msg, sizeof err->msg, "%s: the answer is not a JSON object", what);
	else
		snprintf(err->msg, sizeof err->msg, "%s: HTTP %ld%s%s%s%.300s", what, r.status,
			 code && *code ? " " : "", code ? code : "", m ? ": " : "", m ? m : "");
	err->not_found = r.status == 404;
	/* Credentials, signature, region or permissions: every request fails alike. */
	err->config = r.status == 401 || r.status == 403;
	if (err->config && m && strstr(m, "signature we calculated"))
		snprintf(err->msg + strlen(err->msg), sizeof err->msg - strlen(err->msg),
			 " (check the secret access key)");
	json_decref(j);
	http_response_free(&r);
	return NULL;
}

/* ---- listing -------------------------------------------------------------------------- */

static int awsiot_list(struct source *s, const char *app_id, src_device_cb cb, void *ud,
		       struct src_err *err)
{
	(void)app_id; /* AWS has no applications here: every LoRaWAN device is listed */
	char *token = NULL;
	size_t pages = 0, total = 0;
	int rc = 0;
	do {
		/* The same filters on every page (the Go tool drops the type
		 * filter after the first, so Sidewalk devices show up). */
		char max[32];
		snprintf(max, sizeof max, "%ld", s->page_size);
		struct aws_param q[] = {
		    {"maxResults", max}, {"wirelessDeviceType", "LoRaWAN"}, {"nextToken", token}};
		const char *segs[] = {"wireless-devices"};
		struct strbuf target = STRBUF_INIT;
		aws_target(&target, segs, 1, q, token ? 3 : 2);
		char what[64];
		snprintf(what, sizeof what, "ListWirelessDevices (page %zu)", pages + 1);
		json_t *j = aws_get(s, target.buf, what, err);
		strbuf_release(&target);
		free(token);
		token = NULL;
		if (!j)
			return -1;
		pages++;
		json_t *list = json_object_get(j, "WirelessDeviceList"), *d;
		size_t i;
		json_array_foreach(list, i, d)
		{
			const char *id = json_string_value(json_object_get(d, "Id"));
			const char *type = json_string_value(json_object_get(d, "Type"));
			if (!id || (type && strcmp(type, "LoRaWAN") != 0))
				continue;
			total++;
			if (cb(ud, id) < 0) {
				rc = -1;
				break;
			}
		}
		const char *nt = json_string_value(json_object_get(j, "NextToken"));
		if (rc == 0 && nt && *nt)
			token = strdup(nt);
		json_decref(j);
		if (pages > 100000) {
			snprintf(err->msg, sizeof err->msg,
				 "ListWirelessDevices: more than 100000 pages; stopping");
			free(token);
			return -1;
		}
	} while (token);
	log_debug("awsiot: %zu devices in %zu pages", total, pages);
	return rc;
}

static const char *awsiot_all_application(const struct source *s)
{
	return s->app_id;
}

/* ---- the mapping ---------------------------------------------------------------------- */

static const char *sget(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v && *v ? v : NULL;
}

static bool hexn(const char *v, size_t n)
{
	return v && strlen(v) == n && strspn(v, "0123456789abcdefABCDEF") == n;
}

static json_t *hexstr(const char *v)
{
	char u[40];
	size_t i = 0;
	for (; v[i] && i + 1 < sizeof u; i++)
		u[i] = (char)toupper((unsigned char)v[i]);
	u[i] = '\0';
	return json_string(u);
}

static json_t *key(const char *v)
{
	return json_pack("{s:o}", "key", hexstr(v));
}

/* A number field of the profile: -1 when absent. */
static long long num(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
}

struct conv {
	const char *id;
	struct src_err *err;
};

static int fail(struct conv *x, const char *field, const char *why)
{
	snprintf(x->err->msg, sizeof x->err->msg, "device %s: %s: %s", x->id, field, why);
	return -1;
}

static int versions(struct conv *x, const json_t *p, const char **mac, const char **phy)
{
	const char *v = sget(p, "MacVersion"), *rev = sget(p, "RegParamsRevision");
	bool a = rev && (strcasecmp(rev, "A") == 0 || strcasecmp(rev, "RP002-1.0.0") == 0),
	     b = rev && strcasecmp(rev, "B") == 0;
	if (!v)
		return fail(x, "device profile: LoRaWAN.MacVersion", "missing");
	int rc = sb_lorawan_versions(v, a, b, mac, phy);
	if (rc == -1)
		return fail(x, "device profile: LoRaWAN.MacVersion",
			    "not a LoRaWAN version (1.0.0 to 1.0.4, 1.1.0)");
	if (rc == -2)
		return fail(x, "device profile: LoRaWAN.RegParamsRevision",
			    "must be A or B for LoRaWAN 1.0.2 and 1.1.0");
	return 0;
}

/* The profile's settings in The Things Stack's units (the Go tool casts
 * the raw numbers). */
static void mac_settings(const json_t *p, json_t *ms, int *rx1, int *off, int *rx2dr,
			 uint64_t *rx2f)
{
	long long v;
	char b[32];
	if ((v = num(p, "ClassBTimeout")) > 0) {
		snprintf(b, sizeof b, "%llds", v);
		json_object_set_new(ms, "class_b_timeout", json_string(b));
	}
	if ((v = num(p, "ClassCTimeout")) > 0) {
		snprintf(b, sizeof b, "%llds", v);
		json_object_set_new(ms, "class_c_timeout", json_string(b));
	}
	if ((v = num(p, "PingSlotPeriod")) >= 32 && v <= 4096 && !(v & (v - 1))) {
		int k = 0;
		while ((32LL << k) < v)
			k++;
		snprintf(b, sizeof b, "PING_EVERY_%dS", 1 << k);
		json_object_set_new(ms, "ping_slot_periodicity", json_string(b));
	}
	if ((v = num(p, "PingSlotDr")) >= 0 && v <= 15)
		json_object_set_new(ms, "desired_ping_slot_data_rate_index", json_integer(v));
	if ((v = num(p, "PingSlotFreq")) > 0)
		json_object_set_new(ms, "desired_ping_slot_frequency",
				    json_sprintf("%lld", v * 100));
	if ((v = num(p, "RxDelay1")) >= 0 && v <= 15) {
		*rx1 = v == 0 ? 1 : (int)v;
		json_object_set_new(ms, "rx1_delay", json_integer(*rx1));
	}
	if ((v = num(p, "RxDrOffset1")) >= 0 && v <= 7) {
		*off = (int)v;
		json_object_set_new(ms, "desired_rx1_data_rate_offset", json_integer(v));
	}
	if ((v = num(p, "RxDataRate2")) >= 0 && v <= 15) {
		*rx2dr = (int)v;
		json_object_set_new(ms, "desired_rx2_data_rate_index", json_integer(v));
	}
	if ((v = num(p, "RxFreq2")) > 0) {
		*rx2f = (uint64_t)v * 100;
		json_object_set_new(ms, "desired_rx2_frequency", json_sprintf("%lld", v * 100));
	}
	if ((v = num(p, "MaxDutyCycle")) > 0 && v <= 100) {
		/* The largest duty cycle 1/2^k not above the profile's percentage. */
		int k = 0;
		while (k < 15 && 100.0 / (double)(1 << k) > (double)v)
			k++;
		snprintf(b, sizeof b, "DUTY_CYCLE_%d", 1 << k);
		json_object_set_new(ms, "desired_max_duty_cycle", json_string(b));
	}
	if ((v = num(p, "MaxEirp")) >= 8) {
		static const int eirp[] = {8,  10, 12, 13, 14, 16, 18, 20,
					   21, 24, 26, 27, 29, 30, 33, 36};
		int best = 8;
		for (size_t i = 0; i < sizeof eirp / sizeof eirp[0]; i++)
			if (eirp[i] <= v)
				best = eirp[i];
		snprintf(b, sizeof b, "DEVICE_EIRP_%d", best);
		json_object_set_new(ms, "desired_max_eirp", json_string(b));
	}
	json_t *f32 = json_object_get(p, "Supports32BitFCnt");
	if (json_is_boolean(f32))
		json_object_set_new(ms, "supports_32_bit_f_cnt", json_boolean(json_is_true(f32)));
}

static const struct fcnt *find_fcnt(const struct source *s, const char *eui)
{
	for (size_t i = s->nfc; i-- > 0;) /* a later line wins */
		if (strcasecmp(s->fc[i].eui, eui) == 0)
			return &s->fc[i];
	return NULL;
}

static int convert(struct source *s, const char *app, const json_t *d, const json_t *p,
		   json_t **out, struct src_err *err)
{
	const char *id = sget(d, "Id");
	struct conv x = {.id = id, .err = err};
	const json_t *lw = json_object_get(d, "LoRaWAN");
	const json_t *pl = json_object_get(p, "LoRaWAN");
	const char *type = sget(d, "Type");
	if (type && strcmp(type, "LoRaWAN") != 0)
		return fail(&x, "Type", "not a LoRaWAN device");
	const char *eui = sget(lw, "DevEui");
	if (!hexn(eui, 16))
		return fail(&x, "LoRaWAN.DevEui", eui ? "not a DevEUI (16 hex digits)" : "missing");
	const char *mac, *phy;
	if (versions(&x, pl, &mac, &phy) < 0)
		return -1;
	bool v11 = strcmp(mac, "MAC_V1_1") == 0;
	const json_t *o10 = json_object_get(lw, "OtaaV1_0_x"),
		     *o11 = json_object_get(lw, "OtaaV1_1"),
		     *a10 = json_object_get(lw, "AbpV1_0_x"), *a11 = json_object_get(lw, "AbpV1_1");
	bool otaa = o10 || o11;
	json_t *sj = json_object_get(pl, "SupportsJoin");
	if (json_is_boolean(sj) && json_is_true(sj) != otaa)
		return fail(&x, "LoRaWAN",
			    otaa ? "OTAA keys, but the device profile says SupportsJoin false"
				 : "no OTAA keys, but the device profile says SupportsJoin true");
	if (!otaa && !a10 && !a11)
		return fail(&x, "LoRaWAN", "neither OTAA nor ABP settings");

	json_t *dev = json_object();
	json_t *ids = json_pack("{s:s,s:{s:s},s:o}", "device_id", id, "application_ids",
				"application_id", app, "dev_eui", hexstr(eui));
	json_object_set_new(dev, "ids", ids);
	const char *name = sget(d, "Name"), *desc = sget(d, "Description");
	if (name)
		json_object_set_new(dev, "name", json_string(name));
	if (desc)
		json_object_set_new(dev, "description", json_string(desc));
	json_object_set_new(dev, "lorawan_version", json_string(mac));
	json_object_set_new(dev, "lorawan_phy_version", json_string(lw_phy_version_canonical(phy)));
	json_object_set_new(dev, "frequency_plan_id", json_string(s->fp_id));
	bool cls_b = json_is_true(json_object_get(pl, "SupportsClassB")),
	     cls_c = json_is_true(json_object_get(pl, "SupportsClassC"));
	if (cls_b)
		json_object_set_new(dev, "supports_class_b", json_true());
	if (cls_c)
		json_object_set_new(dev, "supports_class_c", json_true());
	json_t *ms = json_object();
	int rx1 = -1, off = -1, rx2dr = -1;
	uint64_t rx2f = 0;
	mac_settings(pl, ms, &rx1, &off, &rx2dr, &rx2f);
	if (json_object_size(ms))
		json_object_set(dev, "mac_settings", ms);
	json_decref(ms);

	if (otaa) {
		json_object_set_new(dev, "supports_join", json_true());
		const json_t *o = v11 && o11 ? o11 : o10 ? o10 : o11;
		const char *ak = sget(o, "AppKey"), *nk = sget(o, "NwkKey");
		const char *je = o == o10 ? sget(o, "AppEui") : NULL;
		if (!je)
			je = sget(o, "JoinEui");
		const char *bad = !hexn(ak, 32)			     ? "AppKey"
				  : v11 && o == o11 && !hexn(nk, 32) ? "NwkKey"
				  : !hexn(je, 16) ? (o == o10 ? "AppEui" : "JoinEui")
						  : NULL;
		if (bad) {
			char f[64];
			snprintf(f, sizeof f, "LoRaWAN.%s.%s", o == o10 ? "OtaaV1_0_x" : "OtaaV1_1",
				 bad);
			json_decref(dev);
			return fail(&x, f, "missing or not hex of the right length");
		}
		json_object_set_new(ids, "join_eui", hexstr(je));
		json_t *rk = json_pack("{s:o}", "app_key", key(ak));
		if (v11 && o == o11)
			json_object_set_new(rk, "nwk_key", key(nk));
		json_object_set_new(dev, "root_keys", rk);
		*out = dev;
		return 0; /* no session: AWS does not give it; the device joins again */
	}

	/* ABP: the session keys from AWS, the counters from --frame-counters. */
	const json_t *a = v11 && a11 ? a11 : a10 ? a10 : a11;
	bool is11 = a == a11;
	const json_t *sk = json_object_get(a, "SessionKeys");
	const char *addr = sget(a, "DevAddr"), *aps = sget(sk, "AppSKey"),
		   *fn = sget(sk, is11 ? "FNwkSIntKey" : "NwkSKey"),
		   *sn = is11 ? sget(sk, "SNwkSIntKey") : NULL,
		   *ne = is11 ? sget(sk, "NwkSEncKey") : NULL;
	const char *badf = !hexn(addr, 8)   ? "DevAddr"
			   : !hexn(aps, 32) ? "SessionKeys.AppSKey"
			   : !hexn(fn, 32)
			       ? (is11 ? "SessionKeys.FNwkSIntKey" : "SessionKeys.NwkSKey")
			   : is11 && !hexn(sn, 32) ? "SessionKeys.SNwkSIntKey"
			   : is11 && !hexn(ne, 32) ? "SessionKeys.NwkSEncKey"
						   : NULL;
	if (badf) {
		char f[64];
		snprintf(f, sizeof f, "LoRaWAN.%s.%s", is11 ? "AbpV1_1" : "AbpV1_0_x", badf);
		json_decref(dev);
		return fail(
		    &x, f,
		    "missing or not hex of the right length (an ABP device needs its session)");
	}
	if (!v11 && is11) {
		json_decref(dev);
		return fail(&x, "LoRaWAN.AbpV1_1", "LoRaWAN 1.1 keys on a 1.0.x device profile");
	}
	char ueui[17];
	for (int i = 0; i < 17; i++)
		ueui[i] = (char)toupper((unsigned char)eui[i]);
	const struct fcnt *fc = find_fcnt(s, ueui);
	if (!fc && !s->assume_zero) {
		json_decref(dev);
		snprintf(err->msg, sizeof err->msg,
			 "device %s (DevEUI %s): ABP, and AWS does not expose frame counters: "
			 "give its counters with --frame-counters FILE, or "
			 "--assume-zero-frame-counters",
			 id, ueui);
		return -1;
	}
	if (!fc)
		log_warn("device %s (DevEUI %s): ABP, frame counters assumed 0 "
			 "(--assume-zero-frame-counters): its uplinks are dropped until the device "
			 "resets its counters",
			 id, ueui);
	struct sb_input in = {
	    .frequency_plan_id = s->fp_id,
	    .lorawan_version = mac,
	    .phy_version = phy,
	    .dev_addr = addr,
	    .app_s_key = aps,
	    .f_nwk_s_int_key = fn,
	    .s_nwk_s_int_key = sn,
	    .nwk_s_enc_key = ne,
	    .last_f_cnt_up = fc ? fc->up : 0,
	    .last_n_f_cnt_down = fc ? fc->ndown : 0,
	    .last_a_f_cnt_down = fc ? fc->adown : 0,
	    .otaa = false,
	    .supports_class_c = cls_c,
	    .rx1_delay = rx1,
	    .rx1_data_rate_offset = off,
	    .rx2_data_rate_index = rx2dr,
	    .rx2_frequency = rx2f,
	};
	json_t *session, *mac_state;
	char e[512];
	if (sb_build(&in, &session, &mac_state, e, sizeof e) < 0) {
		snprintf(err->msg, sizeof err->msg, "device %s: %s", id, e);
		json_decref(dev);
		return -1;
	}
	json_object_set_new(dev, "mac_state", mac_state);
	json_object_set_new(dev, "session", session);
	*out = dev;
	return 0;
}

static int awsiot_export(struct source *s, const char *app_id, const char *dev_id, json_t **out,
			 struct src_err *err)
{
	*out = NULL;
	char what[128];
	struct strbuf target = STRBUF_INIT;
	const char *dsegs[] = {"wireless-devices", dev_id};
	const struct aws_param dq[] = {{"identifierType", "WirelessDeviceId"}};
	aws_target(&target, dsegs, 2, dq, 1);
	snprintf(what, sizeof what, "device %s: GetWirelessDevice", dev_id);
	json_t *d = aws_get(s, target.buf, what, err);
	strbuf_release(&target);
	if (!d)
		return -1;
	const char *id = sget(d, "Id");
	const char *prof = sget(json_object_get(d, "LoRaWAN"), "DeviceProfileId");
	if (!id || strcmp(id, dev_id) != 0 || !prof) {
		snprintf(err->msg, sizeof err->msg, "device %s: GetWirelessDevice: %s", dev_id,
			 !id || strcmp(id, dev_id) ? "the answer is of another device"
						   : "no LoRaWAN.DeviceProfileId");
		json_decref(d);
		return -1;
	}
	const char *psegs[] = {"device-profiles", prof};
	aws_target(&target, psegs, 2, NULL, 0);
	snprintf(what, sizeof what, "device %s: GetDeviceProfile %s", dev_id, prof);
	json_t *p = aws_get(s, target.buf, what, err);
	strbuf_release(&target);
	if (!p) {
		err->not_found = false; /* the device exists; its profile does not */
		json_decref(d);
		return -1;
	}
	int rc = convert(s, app_id ? app_id : s->app_id, d, p, out, err);
	json_decref(d);
	json_decref(p);
	return rc;
}

static bool awsiot_retires(const struct source *s)
{
	(void)s;
	return false;
}

static int awsiot_identity(const struct config *cfg, json_t *into, struct src_err *err)
{
	(void)err;
	const char *r = cfg_str(cfg, "awsiot", "region");
	const char *e = cfg_str(cfg, "awsiot", "endpoint-url");
	if (!e || !*e)
		e = getenv("AWS_ENDPOINT_URL");
	json_object_set_new(into, "region", json_string(r ? r : ""));
	json_object_set_new(into, "endpoint", json_string(e ? e : ""));
	return 0;
}

const struct source_ops awsiot_source = {
    .name = "awsiot",
    .description = "Export devices from AWS IoT Core for LoRaWAN (iotwireless API, read-only)",
    .options = awsiot_options,
    .open = awsiot_open,
    .list_devices = awsiot_list,
    .export_device = awsiot_export,
    .retires = awsiot_retires,
    .identity = awsiot_identity,
    .all_application = awsiot_all_application,
    .close = awsiot_close,
};
