#include "net/tts_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "net/tts_gateways.h"
#include "ui/log.h"

const struct opt_desc source_conn_options[] = {
    TTS_CONNECTION_OPTIONS("TTS_", "at the source"),
    {NULL, 0, NULL, NULL, NULL, NULL, 0},
};

static char *read_key_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "--app-api-key-file %s: cannot open", path);
		return NULL;
	}
	char buf[1024];
	char *line = fgets(buf, sizeof buf, f);
	fclose(f);
	if (!line) {
		snprintf(err, errlen, "--app-api-key-file %s: empty", path);
		return NULL;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	char *k = strdup(buf);
	memset(buf, 0, sizeof buf);
	return k;
}

/* "host:port" (the Go tool's gRPC address) → "https://host". */
static char *grpc_to_url(const char *addr)
{
	const char *h = strstr(addr, "://") ? strstr(addr, "://") + 3 : addr;
	size_t n = strcspn(h, ":/");
	char *u = malloc(n + 9);
	if (u)
		snprintf(u, n + 9, "https://%.*s", (int)n, h);
	return u;
}

/* The URL the user gave for component c: its own, else the common one, else
 * (source only) one derived from the Go tool's gRPC addresses. */
static char *component_url(const struct config *cfg, const char *scope,
			   const struct tts_comp_desc *d)
{
	char name[64];
	snprintf(name, sizeof name, "%s-url", d->flag_key);
	const char *url = cfg_str(cfg, scope, name);
	if (!url)
		url = cfg_str(cfg, scope, "api-url");
	if (url)
		return strdup(url);
	snprintf(name, sizeof name, "%s-grpc-address", d->flag_key);
	const char *g = cfg_str(cfg, scope, name);
	if (!g)
		g = cfg_str(cfg, scope, "default-grpc-address");
	if (!g)
		return NULL;
	char *u = grpc_to_url(g);
	if (u)
		log_debug("%s: using %s, derived from the gRPC address %s", d->name, u, g);
	return u;
}

/* The scope's key for devices (app-api-key, -file) or for gateways
 * (api-key); each falls back to the other. */
static char *scope_key(const struct config *cfg, const char *scope, bool gateways, char *err,
		       size_t errlen)
{
	const char *gw = cfg_str(cfg, scope, "api-key");
	if (gateways && gw)
		return strdup(gw);
	const char *k = cfg_str(cfg, scope, "app-api-key");
	const char *key_file = cfg_str(cfg, scope, "app-api-key-file");
	if (k)
		return strdup(k);
	if (key_file)
		return read_key_file(key_file, err, errlen);
	return gw ? strdup(gw) : NULL;
}

static int configure(struct tts_api *api, const struct config *cfg, const char *scope,
		     bool gateways, char *err, size_t errlen)
{
	memset(api, 0, sizeof *api);
	api->who = strcmp(scope, "dest") == 0 ? "destination" : "source";
	const char *env = strcmp(scope, "dest") == 0 ? "DEST_TTS_" : "TTS_";
	const char *flag = strcmp(scope, "dest") == 0 ? "--dest." : "--";
	bool insecure = cfg_bool(cfg, scope, "insecure");
	err[0] = '\0';
	char *key = scope_key(cfg, scope, gateways, err, errlen);
	if (!key && err[0])
		return -1;
	if (!key || !*key) {
		if (gateways)
			snprintf(err, errlen, "no API key: set %sAPI_KEY or %sapi-key", env, flag);
		else
			snprintf(err, errlen,
				 "no API key: set %sAPP_API_KEY (or %sAPI_KEY) or %sapp-api-key",
				 env, env, flag);
		free(key);
		return -1;
	}
	log_add_secret(key);
	for (int c = 0; c < TTS_NCOMP; c++) {
		const struct tts_comp_desc *d = &tts_comps[c];
		char *url = component_url(cfg, scope, d);
		if (!url) {
			snprintf(err, errlen,
				 "no address for the %s: set %sAPI_URL or %sapi-url (e.g. "
				 "https://eu1.cloud.thethings.network)",
				 d->name, env, flag);
			goto fail;
		}
		char e[512];
		api->base[c] = tts_base_url(url, insecure, e, sizeof e);
		free(url);
		if (!api->base[c]) {
			snprintf(err, errlen, "%s: %s", d->name, e);
			goto fail;
		}
	}
	if (insecure)
		log_warn("%sinsecure: TLS certificates are not checked", flag);
	const char *ca = cfg_str(cfg, scope, "ca-file");
	if (ca && access(ca, R_OK) != 0) {
		snprintf(err, errlen, "%sca-file %s: %s", flag, ca, strerror(errno));
		goto fail;
	}
	struct http_opts ho = {
	    .bearer = key,
	    .ca_file = ca,
	    .insecure = insecure,
	    /* The defaults live in the option table (cli/options.c) only. */
	    .timeout_s = cfg->o.timeout,
	    .retries = (int)cfg->o.retries,
	    .answer_is_fault = tts_answer_is_fault,
	};
	api->http = http_client_new(&ho);
	api->breaker = tts_breaker_new();
	memset(key, 0, strlen(key));
	free(key);
	key = NULL;
	if (!api->http) {
		snprintf(err, errlen, "cannot start the HTTP client");
		goto fail;
	}
	return 0;
fail:
	if (key) {
		memset(key, 0, strlen(key));
		free(key);
	}
	tts_api_release(api);
	return -1;
}

int tts_api_configure(struct tts_api *api, const struct config *cfg, const char *scope, char *err,
		      size_t errlen)
{
	return configure(api, cfg, scope, false, err, errlen);
}

int tgw_api_configure(struct tts_api *api, const struct config *cfg, const char *scope, char *err,
		      size_t errlen)
{
	return configure(api, cfg, scope, true, err, errlen);
}

void tts_api_release(struct tts_api *api)
{
	http_client_free(api->http);
	tts_breaker_free(api->breaker);
	for (int c = 0; c < TTS_NCOMP; c++)
		free(api->base[c]);
	memset(api, 0, sizeof *api);
}
