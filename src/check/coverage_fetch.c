/* GET /gateways/{id}/rights at the source, for check --coverage. */
#include "check/coverage_fetch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ids.h"
#include "net/http.h"
#include "net/tts_api.h"
#include "ui/log.h"

struct coverage_source {
	struct http_client *http;
	char *base; /* ".../api/v3" */
};

int coverage_source_open(const struct config *cfg, struct coverage_source **out, char *why,
			 size_t len)
{
	*out = NULL;
	const char *key = cfg_str(cfg, "tts", "api-key");
	const char *url = cfg_str(cfg, "tts", "identity-server-url");
	if (!url)
		url = cfg_str(cfg, "tts", "api-url");
	if (!key || !url) {
		snprintf(why, len, "no %s%s%s", key ? "" : "TTS_API_KEY (--api-key)",
			 !key && !url ? " and no " : "", url ? "" : "TTS_API_URL (--api-url)");
		return 0;
	}
	log_add_secret(key);
	bool insecure = cfg_bool(cfg, "tts", "insecure");
	const char *ca = cfg_str(cfg, "tts", "ca-file");
	if (ca && access(ca, R_OK) != 0) {
		snprintf(why, len, "--ca-file %s: %s", ca, strerror(errno));
		return -1;
	}
	struct coverage_source *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	char e[512];
	s->base = tts_base_url(url, insecure, e, sizeof e);
	if (!s->base) {
		snprintf(why, len, "source: %s", e);
		free(s);
		return -1;
	}
	struct http_opts ho = {
	    .bearer = key,
	    .ca_file = ca,
	    .insecure = insecure,
	    .timeout_s = cfg->o.timeout,
	    .retries = (int)cfg->o.retries,
	    .answer_is_fault = tts_answer_is_fault,
	};
	s->http = http_client_new(&ho);
	if (!s->http) {
		snprintf(why, len, "cannot start the HTTP client");
		coverage_source_close(s);
		return -1;
	}
	if (insecure)
		log_warn("--insecure: TLS certificates are not checked");
	*out = s;
	return 1;
}

void coverage_source_close(struct coverage_source *s)
{
	if (!s)
		return;
	http_client_free(s->http);
	free(s->base);
	free(s);
}

int coverage_source_rights(void *ctx, const char *gateway_id, json_t **rights, char *err,
			   size_t errlen)
{
	struct coverage_source *s = ctx;
	*rights = NULL;
	/* A gateway ID has the form of any TTS ID (lower-case letters, digits,
	 * dashes): anything else names no gateway of the user's, and is not sent. */
	if (!ids_valid(gateway_id)) {
		*rights = json_array();
		return 0;
	}
	char url[1024];
	snprintf(url, sizeof url, "%s/gateways/%s/rights", s->base, gateway_id);
	struct http_response resp;
	int rc = -1;
	if (http_request(s->http, "GET", url, NULL, &resp) < 0) {
		snprintf(err, errlen, "%s", resp.transport_error);
		/* A source that does not answer will not answer the next one either. */
		rc = -2;
	} else if (resp.status == 200) {
		struct tts_error te = {0};
		json_t *body = NULL;
		if (tts_decode_body(resp.body, resp.len, resp.status, &body, &te) < 0) {
			snprintf(err, errlen, "%s", te.message);
			tts_error_clear(&te);
		} else {
			json_t *r = json_object_get(body, "rights");
			*rights = json_is_array(r) ? json_incref(r) : json_array();
			json_decref(body);
			rc = 0;
		}
	} else if (resp.status == 404) {
		*rights = json_array(); /* no such gateway: nothing of the user's */
		rc = 0;
	} else {
		struct tts_error te = {0};
		tts_decode_error(resp.body, resp.len, resp.status, &te);
		snprintf(err, errlen, "HTTP %ld%s%s", resp.status, te.message[0] ? ": " : "",
			 te.message);
		tts_error_clear(&te);
		rc = resp.status == 401 || resp.status == 403 ? -2 : -1;
	}
	http_response_free(&resp);
	return rc;
}
