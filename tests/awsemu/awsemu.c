/*
 * aws-emulator: a loopback stand-in for AWS IoT Core for LoRaWAN (the
 * iotwireless REST-JSON API, 2020-11-22) for the tests of the awsiot source.
 * Written from AWS's API reference and the signing documentation
 * (shared/spec/sources-transport.md §4, §7), not from the tool.
 *
 * Every request must carry a valid AWS Signature Version 4: the emulator
 * recomputes it (canonical request, string to sign, HMAC-SHA256 key chain)
 * from what it received, and answers like AWS (403 with x-amzn-ErrorType and
 * {"message":...}) for a missing or malformed Authorization header, an
 * unknown access key, a wrong session token, a scope of another region or
 * service, a missing or repeated x-amz-date, a date more than 5 minutes off,
 * and a signature that does not match.
 *
 * Routes: GET /wireless-devices (maxResults 0-250, nextToken, filter
 * wirelessDeviceType), GET /wireless-devices/{id}?identifierType=
 * WirelessDeviceId|DevEui, GET /device-profiles/{id}. Admin (unsigned):
 * GET /_emulator/requests (the log), DELETE /_emulator/requests, GET
 * /_emulator/count.
 *
 * Seed (--seed FILE): {"region":"eu-west-1","credentials":[{"access_key_id":
 * ..,"secret_access_key":..,"session_token":..?}],"devices":[GetWirelessDevice
 * answers],"profiles":[GetDeviceProfile answers]}. --page-size N caps a page
 * (AWS may return fewer than maxResults).
 */
#define _XOPEN_SOURCE 700
#include <ctype.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static json_t *seed;
static const char *region = "eu-west-1";
static long page_cap = 250;
static json_t *reqlog;
static long reqcount;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

struct req {
	char *uri; /* the raw request target */
	char *body;
	size_t len;
	bool started;
};

/* ---- helpers ------------------------------------------------------------------------ */

static void hex(const unsigned char *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	out[2 * n] = '\0';
}

static void sha256_hex(const void *d, size_t n, char out[65])
{
	unsigned char h[32];
	SHA256(d, n, h);
	hex(h, 32, out);
}

static void hmac(const unsigned char *k, size_t kl, const char *m, unsigned char out[32])
{
	unsigned int ol = 32;
	HMAC(EVP_sha256(), k, (int)kl, (const unsigned char *)m, strlen(m), out, &ol);
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* Percent-decodes s[0..n) into a new string. */
static char *pdecode(const char *s, size_t n)
{
	char *o = malloc(n + 1);
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			o[j++] = (char)(hexval((unsigned char)s[i + 1]) * 16 +
					hexval((unsigned char)s[i + 2]));
			i += 2;
		} else
			o[j++] = s[i];
	}
	o[j] = '\0';
	return o;
}

/* SigV4's URI encoding; slash kept when keep_slash. */
static void penc(char *d, size_t cap, const char *v, bool keep_slash)
{
	size_t n = strlen(d);
	for (const unsigned char *p = (const unsigned char *)v; *p && n + 4 < cap; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~' ||
		    (keep_slash && *p == '/'))
			d[n++] = (char)*p;
		else
			n += (size_t)snprintf(d + n, cap - n, "%%%02X", *p);
	}
	d[n] = '\0';
}

struct qp {
	char *k, *v;		/* decoded */
	char ek[512], ev[1024]; /* canonical-encoded */
};

static int qp_cmp(const void *a, const void *b)
{
	const struct qp *x = a, *y = b;
	int c = strcmp(x->ek, y->ek);
	return c ? c : strcmp(x->ev, y->ev);
}

static size_t parse_query(const char *q, struct qp *out, size_t max)
{
	size_t n = 0;
	while (q && *q && n < max) {
		size_t l = strcspn(q, "&");
		if (l) {
			const char *eq = memchr(q, '=', l);
			size_t kl = eq ? (size_t)(eq - q) : l;
			out[n].k = pdecode(q, kl);
			out[n].v = eq ? pdecode(eq + 1, l - kl - 1) : strdup("");
			out[n].ek[0] = out[n].ev[0] = '\0';
			penc(out[n].ek, sizeof out[n].ek, out[n].k, false);
			penc(out[n].ev, sizeof out[n].ev, out[n].v, false);
			n++;
		}
		q += l;
		if (*q == '&')
			q++;
	}
	return n;
}

static const char *qget(struct qp *q, size_t n, const char *k)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(q[i].k, k) == 0)
			return q[i].v;
	return NULL;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *j,
				 const char *error_type)
{
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "x-amzn-RequestId", "00000000-0000-4000-8000-000000000000");
	if (error_type) {
		char h[256];
		snprintf(h, sizeof h,
			 "%s:http://internal.amazon.com/coral/com.amazon.coral.service/",
			 error_type);
		MHD_add_response_header(r, "x-amzn-ErrorType", h);
	}
	enum MHD_Result rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static void log_req(const char *method, const char *uri, unsigned status, const char *code)
{
	pthread_mutex_lock(&mu);
	json_array_append_new(reqlog, json_pack("{s:s,s:s,s:i,s:s?}", "method", method, "uri", uri,
						"status", (int)status, "error", code));
	reqcount++;
	pthread_mutex_unlock(&mu);
}

static enum MHD_Result aws_error(struct MHD_Connection *c, const char *method, const char *uri,
				 unsigned status, const char *code, const char *msg)
{
	log_req(method, uri, status, code);
	return send_json(c, status, json_pack("{s:s}", "message", msg), code);
}

/* ---- SigV4 -------------------------------------------------------------------------- */

struct hcount {
	const char *name;
	int n;
	const char *val;
};

static enum MHD_Result count_hdr(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	(void)kind;
	struct hcount *h = cls;
	if (strcasecmp(key, h->name) == 0) {
		h->n++;
		h->val = value;
	}
	return MHD_YES;
}

static int header(struct MHD_Connection *c, const char *name, const char **val)
{
	struct hcount h = {name, 0, NULL};
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_hdr, &h);
	*val = h.val;
	return h.n;
}

/* Trimmed, inner runs of spaces collapsed. */
static void canon_value(char *d, size_t cap, const char *v)
{
	size_t n = 0;
	while (*v == ' ' || *v == '\t')
		v++;
	bool sp = false;
	for (; *v && n + 2 < cap; v++) {
		if (*v == ' ' || *v == '\t') {
			sp = true;
			continue;
		}
		if (sp)
			d[n++] = ' ';
		sp = false;
		d[n++] = *v;
	}
	d[n] = '\0';
}

/* Returns NULL when the signature is good, else the error (code, message, status). */
static const char *verify(struct MHD_Connection *c, const char *method, struct req *r,
			  const char **msg, unsigned *status)
{
	*status = 403;
	const char *auth;
	int na = header(c, "Authorization", &auth);
	if (na == 0) {
		*msg = "Missing Authentication Token";
		return "MissingAuthenticationTokenException";
	}
	const char *pre = "AWS4-HMAC-SHA256 ";
	char cred[1200] = "", sh[1200] = "", sig[1200] = "";
	if (na > 1 || strncmp(auth, pre, strlen(pre)) != 0) {
		*msg = "Authorization header requires 'Credential', 'Signature' and "
		       "'SignedHeaders' parameters with AWS4-HMAC-SHA256";
		return "IncompleteSignatureException";
	}
	for (const char *p = auth + strlen(pre); *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t l = strcspn(p, ",");
		char part[1200];
		snprintf(part, sizeof part, "%.*s", (int)l, p);
		if (!strncmp(part, "Credential=", 11))
			snprintf(cred, sizeof cred, "%s", part + 11);
		else if (!strncmp(part, "SignedHeaders=", 14))
			snprintf(sh, sizeof sh, "%s", part + 14);
		else if (!strncmp(part, "Signature=", 10))
			snprintf(sig, sizeof sig, "%s", part + 10);
		p += l;
	}
	if (!*cred || !*sh || !*sig) {
		*msg = "Authorization header requires 'Credential', 'Signature' and "
		       "'SignedHeaders' parameters";
		return "IncompleteSignatureException";
	}
	/* Credential = AKID/DATE/REGION/SERVICE/aws4_request */
	char *f[5] = {0};
	int nf = 0;
	char credc[1200];
	snprintf(credc, sizeof credc, "%s", cred);
	/* strtok_r: a thread per connection, and strtok's state is shared. */
	char *save = NULL;
	for (char *t = strtok_r(credc, "/", &save); t && nf < 5; t = strtok_r(NULL, "/", &save))
		f[nf++] = t;
	if (nf != 5 || strcmp(f[4], "aws4_request") != 0 || strlen(f[1]) != 8) {
		*msg = "Credential should be scoped to a valid region.";
		return "IncompleteSignatureException";
	}
	const char *amzdate;
	int nd = header(c, "x-amz-date", &amzdate);
	if (nd == 0) {
		*msg = "Authorization header requires existence of either a 'X-Amz-Date' or a "
		       "'Date' header.";
		return "IncompleteSignatureException";
	}
	if (nd > 1) {
		*msg = "The request signature we calculated does not match the signature you "
		       "provided: x-amz-date appears more than once.";
		return "InvalidSignatureException";
	}
	struct tm tm = {0};
	if (strlen(amzdate) != 16 || !strptime(amzdate, "%Y%m%dT%H%M%SZ", &tm)) {
		*msg = "X-Amz-Date must be in ISO 8601 basic format (yyyyMMddTHHmmssZ)";
		return "IncompleteSignatureException";
	}
	time_t t = timegm(&tm), now = time(NULL);
	static _Thread_local char emsg[256]; /* *msg outlives this call */
	if (t < now - 300 || t > now + 300) {
		char nb[20];
		struct tm g;
		gmtime_r(&now, &g);
		strftime(nb, sizeof nb, "%Y%m%dT%H%M%SZ", &g);
		snprintf(emsg, sizeof emsg,
			 "Signature expired: %s is now earlier than %s (%s - 5 min.)", amzdate, nb,
			 nb);
		*msg = emsg;
		return "InvalidSignatureException";
	}
	if (strncmp(amzdate, f[1], 8) != 0) {
		*msg = "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
		       "date from HTTP";
		return "InvalidSignatureException";
	}
	if (strcmp(f[2], region) != 0) {
		snprintf(emsg, sizeof emsg,
			 "Credential should be scoped to a valid region, not '%s'. ", f[2]);
		*msg = emsg;
		return "InvalidSignatureException";
	}
	if (strcmp(f[3], "iotwireless") != 0) {
		snprintf(emsg, sizeof emsg,
			 "Credential should be scoped to correct service: 'iotwireless'. ");
		*msg = emsg;
		return "InvalidSignatureException";
	}
	json_t *cr = NULL, *x;
	size_t i;
	json_array_foreach(json_object_get(seed, "credentials"), i, x)
	{
		const char *ak = json_string_value(json_object_get(x, "access_key_id"));
		if (ak && strcmp(ak, f[0]) == 0)
			cr = x;
	}
	if (!cr) {
		*msg = "The security token included in the request is invalid.";
		return "UnrecognizedClientException";
	}
	const char *want_tok = json_string_value(json_object_get(cr, "session_token"));
	const char *tok;
	int nt = header(c, "x-amz-security-token", &tok);
	if ((want_tok && (nt != 1 || strcmp(tok, want_tok))) || (!want_tok && nt)) {
		*msg = "The security token included in the request is invalid.";
		return "UnrecognizedClientException";
	}
	/* Signed headers must include host and x-amz-date (and the token when sent). */
	char shl[1210];
	snprintf(shl, sizeof shl, ";%s;", sh);
	if (!strstr(shl, ";host;") || !strstr(shl, ";x-amz-date;") ||
	    (nt && !strstr(shl, ";x-amz-security-token;"))) {
		*msg = "'Host' and 'X-Amz-Date' (and 'X-Amz-Security-Token') must be signed "
		       "headers.";
		return "InvalidSignatureException";
	}

	/* The canonical request, from what arrived. */
	size_t cap = 65536;
	char *creq = calloc(1, cap);
	char *q = strchr(r->uri, '?');
	size_t pl = q ? (size_t)(q - r->uri) : strlen(r->uri);
	char *path = strndup(r->uri, pl);
	struct qp qs[64];
	size_t nq = parse_query(q ? q + 1 : NULL, qs, 64);
	qsort(qs, nq, sizeof qs[0], qp_cmp);
	snprintf(creq, cap, "%s\n", method);
	penc(creq, cap, path, true); /* non-S3: the path as sent, encoded again */
	strcat(creq, "\n");
	for (size_t k = 0; k < nq; k++) {
		size_t n = strlen(creq);
		snprintf(creq + n, cap - n, "%s%s=%s", k ? "&" : "", qs[k].ek, qs[k].ev);
	}
	strcat(creq, "\n");
	char shc[1200];
	snprintf(shc, sizeof shc, "%s", sh);
	bool bad_names = false;
	char *hsave = NULL;
	for (char *h = strtok_r(shc, ";", &hsave); h; h = strtok_r(NULL, ";", &hsave)) {
		for (char *p = h; *p; p++)
			if (isupper((unsigned char)*p))
				bad_names = true;
		const char *v;
		int n = header(c, h, &v);
		if (n == 0) {
			bad_names = true;
			break;
		}
		char cv[4096];
		canon_value(cv, sizeof cv, v);
		size_t l = strlen(creq);
		snprintf(creq + l, cap - l, "%s:%s\n", h, cv);
	}
	char ph[65];
	sha256_hex(r->body ? r->body : "", r->len, ph);
	size_t l = strlen(creq);
	snprintf(creq + l, cap - l, "\n%s\n%s", sh, ph);
	char ch[65];
	sha256_hex(creq, strlen(creq), ch);
	char sts[512];
	snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amzdate, f[1],
		 f[2], f[3], ch);
	const char *secret = json_string_value(json_object_get(cr, "secret_access_key"));
	char k0[256];
	snprintf(k0, sizeof k0, "AWS4%s", secret ? secret : "");
	unsigned char k1[32], k2[32], k3[32], k4[32], s5[32];
	hmac((unsigned char *)k0, strlen(k0), f[1], k1);
	hmac(k1, 32, f[2], k2);
	hmac(k2, 32, f[3], k3);
	hmac(k3, 32, "aws4_request", k4);
	hmac(k4, 32, sts, s5);
	char want[65];
	hex(s5, 32, want);
	for (size_t k = 0; k < nq; k++) {
		free(qs[k].k);
		free(qs[k].v);
	}
	free(path);
	if (getenv("AWSEMU_DEBUG"))
		fprintf(stderr, "canonical request:\n%s\n--\n", creq);
	free(creq);
	if (bad_names || strcmp(want, sig) != 0) {
		*msg = "The request signature we calculated does not match the signature you "
		       "provided. Check your AWS Secret Access Key and signing method. Consult "
		       "the service documentation for details.";
		return "InvalidSignatureException";
	}
	return NULL;
}

/* ---- the API ------------------------------------------------------------------------ */

static json_t *find(const char *arr, const char *k1, const char *k2, const char *v)
{
	json_t *x;
	size_t i;
	json_array_foreach(json_object_get(seed, arr), i, x)
	{
		json_t *o = k2 ? json_object_get(x, k1) : x;
		const char *s = json_string_value(json_object_get(o, k2 ? k2 : k1));
		if (s && v && strcasecmp(s, v) == 0)
			return x;
	}
	return NULL;
}

/* Page tokens: opaque, with + / = in them as AWS's are. */
static long parse_token(const char *t)
{
	long n;
	char tail[8];
	if (sscanf(t, "AAEC+%ld/pg%7s", &n, tail) == 2 && strcmp(tail, "==") == 0 && n > 0)
		return n;
	return -1;
}

static enum MHD_Result api(struct MHD_Connection *c, const char *method, struct req *r)
{
	char *q = strchr(r->uri, '?');
	size_t pl = q ? (size_t)(q - r->uri) : strlen(r->uri);
	char *path = pdecode(r->uri, pl);
	struct qp qs[64];
	size_t nq = parse_query(q ? q + 1 : NULL, qs, 64);
	enum MHD_Result rc;
	const char *dp = "/wireless-devices/", *pp = "/device-profiles/";
	if (strcmp(method, "GET") != 0) {
		rc = aws_error(c, method, r->uri, 405, "ValidationException", "Method not allowed");
	} else if (strcmp(path, "/wireless-devices") == 0) {
		const char *mr = qget(qs, nq, "maxResults"), *nt = qget(qs, nq, "nextToken"),
			   *ty = qget(qs, nq, "wirelessDeviceType");
		long max = mr ? strtol(mr, NULL, 10) : 250, start = 0;
		if (mr && (strspn(mr, "0123456789") != strlen(mr) || max > 250))
			rc = aws_error(
			    c, method, r->uri, 400, "ValidationException",
			    "1 validation error detected: Value at 'maxResults' failed to "
			    "satisfy constraint: Member must have value less than or equal "
			    "to 250");
		else if (nt && (start = parse_token(nt)) < 0)
			rc = aws_error(c, method, r->uri, 400, "ValidationException",
				       "The nextToken is invalid.");
		else if (ty && strcmp(ty, "LoRaWAN") && strcmp(ty, "Sidewalk"))
			rc =
			    aws_error(c, method, r->uri, 400, "ValidationException",
				      "Value at 'wirelessDeviceType' failed to satisfy constraint");
		else {
			if (max == 0 || max > page_cap)
				max = page_cap;
			json_t *list = json_array(), *all = json_object_get(seed, "devices"), *d;
			long seen = 0, next = 0;
			size_t i;
			json_array_foreach(all, i, d)
			{
				const char *dt = json_string_value(json_object_get(d, "Type"));
				if (ty && (!dt || strcmp(dt, ty)))
					continue;
				if (seen++ < start)
					continue;
				if ((long)json_array_size(list) == max) {
					next = start + max;
					break;
				}
				json_t *e = json_pack(
				    "{s:O?,s:O?,s:O?,s:O?,s:O?}", "Arn", json_object_get(d, "Arn"),
				    "Id", json_object_get(d, "Id"), "Type",
				    json_object_get(d, "Type"), "Name", json_object_get(d, "Name"),
				    "DestinationName", json_object_get(d, "DestinationName"));
				const char *eui = json_string_value(
				    json_object_get(json_object_get(d, "LoRaWAN"), "DevEui"));
				if (eui)
					json_object_set_new(e, "LoRaWAN",
							    json_pack("{s:s}", "DevEui", eui));
				json_array_append_new(list, e);
			}
			json_t *o = json_pack("{s:o}", "WirelessDeviceList", list);
			if (next) {
				char tb[64];
				snprintf(tb, sizeof tb, "AAEC+%ld/pg==", next);
				json_object_set_new(o, "NextToken", json_string(tb));
			}
			log_req(method, r->uri, 200, NULL);
			rc = send_json(c, 200, o, NULL);
		}
	} else if (strncmp(path, dp, strlen(dp)) == 0 && !strchr(path + strlen(dp), '/')) {
		const char *it = qget(qs, nq, "identifierType"), *id = path + strlen(dp);
		json_t *d = NULL;
		if (!it)
			rc =
			    aws_error(c, method, r->uri, 400, "ValidationException",
				      "1 validation error detected: Value null at 'identifierType' "
				      "failed to satisfy constraint: Member must not be null");
		else {
			if (strcmp(it, "WirelessDeviceId") == 0)
				d = find("devices", "Id", NULL, id);
			else if (strcmp(it, "DevEui") == 0)
				d = find("devices", "LoRaWAN", "DevEui", id);
			if (!d) {
				log_req(method, r->uri, 404, "ResourceNotFoundException");
				rc = send_json(c, 404,
					       json_pack("{s:s,s:s,s:s}", "Message",
							 "Resource not found", "ResourceId", id,
							 "ResourceType", "WirelessDevice"),
					       "ResourceNotFoundException");
			} else {
				log_req(method, r->uri, 200, NULL);
				rc = send_json(c, 200, json_incref(d), NULL);
			}
		}
	} else if (strncmp(path, pp, strlen(pp)) == 0 && !strchr(path + strlen(pp), '/')) {
		json_t *p = find("profiles", "Id", NULL, path + strlen(pp));
		if (!p) {
			log_req(method, r->uri, 404, "ResourceNotFoundException");
			rc = send_json(c, 404,
				       json_pack("{s:s,s:s,s:s}", "Message", "Resource not found",
						 "ResourceId", path + strlen(pp), "ResourceType",
						 "DeviceProfile"),
				       "ResourceNotFoundException");
		} else {
			log_req(method, r->uri, 200, NULL);
			rc = send_json(c, 200, json_incref(p), NULL);
		}
	} else
		rc = aws_error(c, method, r->uri, 404, "UnknownOperationException", "Not Found");
	for (size_t k = 0; k < nq; k++) {
		free(qs[k].k);
		free(qs[k].v);
	}
	free(path);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	(void)cls;
	(void)version;
	struct req *r = *req_cls;
	if (!r) /* no URI log call: cannot happen */
		return MHD_NO;
	if (!r->started) {
		r->started = true;
		return MHD_YES;
	}
	if (*upload_size) {
		r->body = realloc(r->body, r->len + *upload_size + 1);
		memcpy(r->body + r->len, upload, *upload_size);
		r->len += *upload_size;
		r->body[r->len] = '\0';
		*upload_size = 0;
		return MHD_YES;
	}
	if (strncmp(url, "/_emulator/", 11) == 0) {
		if (strcmp(url, "/_emulator/requests") == 0 && !strcmp(method, "DELETE")) {
			pthread_mutex_lock(&mu);
			json_array_clear(reqlog);
			pthread_mutex_unlock(&mu);
			return send_json(c, 200, json_object(), NULL);
		}
		pthread_mutex_lock(&mu);
		json_t *o = strcmp(url, "/_emulator/count") == 0
				? json_pack("{s:i}", "requests", (json_int_t)reqcount)
				: json_deep_copy(reqlog);
		pthread_mutex_unlock(&mu);
		return send_json(c, 200, o, NULL);
	}
	const char *msg;
	unsigned status;
	const char *code = verify(c, method, r, &msg, &status);
	if (code)
		return aws_error(c, method, r->uri, status, code, msg);
	return api(c, method, r);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	(void)c;
	struct req *r = calloc(1, sizeof *r);
	r->uri = strdup(uri);
	return r;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct req *r = *req_cls;
	if (r) {
		free(r->uri);
		free(r->body);
		free(r);
	}
	*req_cls = NULL;
}

int main(int argc, char **argv)
{
	unsigned port = 0;
	const char *seedf = NULL;
	bool quiet = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seedf = argv[++i];
		else if (!strcmp(argv[i], "--page-size") && i + 1 < argc)
			page_cap = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--quiet"))
			quiet = true;
		else {
			fprintf(stderr,
				"usage: aws-emulator [--port N] --seed FILE [--page-size N] "
				"[--quiet]\n");
			return 2;
		}
	}
	json_error_t je;
	seed = seedf ? json_load_file(seedf, 0, &je) : NULL;
	if (!json_is_object(seed)) {
		fprintf(stderr, "aws-emulator: --seed: %s\n", seedf ? je.text : "required");
		return 2;
	}
	if (json_string_value(json_object_get(seed, "region")))
		region = json_string_value(json_object_get(seed, "region"));
	if (page_cap < 1)
		page_cap = 1;
	reqlog = json_array();
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	struct sockaddr_in sa = {0};
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, (uint16_t)port, NULL,
	    NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_URI_LOG_CALLBACK, on_uri,
	    NULL, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "aws-emulator: cannot listen on port %u\n", port);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("%u\n", info ? (unsigned)info->port : port);
	fflush(stdout);
	if (!quiet)
		fprintf(stderr, "aws-emulator: listening on 127.0.0.1:%u, region %s\n",
			info ? (unsigned)info->port : port, region);
	int sig;
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	json_decref(reqlog);
	json_decref(seed);
	return 0;
}
