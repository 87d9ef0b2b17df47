/*
 * Connecting to a The Things Stack deployment: the options that say where
 * and with which key, shared by the source ("tts", env TTS_*) and the
 * destination ("dest", env DEST_TTS_*). The table is written once, as a
 * macro over the environment prefix.
 */
#ifndef TTNM_NET_TTS_CONFIG_H
#define TTNM_NET_TTS_CONFIG_H

#include "cli/options.h"
#include "net/tts_api.h"

#define TTS_CONNECTION_OPTIONS(ENV, WHERE)                                                         \
	{"app-id", OPT_STRING, ENV "APP_ID", NULL, "ID", "Application ID " WHERE, 0},              \
	    {"app-api-key", OPT_STRING, ENV "APP_API_KEY",                                         \
	     NULL,	    "KEY",	"API key " WHERE " with rights on devices and their keys", \
	     OPT_SECRET},                                                                          \
	    {"app-api-key-file",                                                                   \
	     OPT_STRING,                                                                           \
	     ENV "APP_API_KEY_FILE",                                                               \
	     NULL,                                                                                 \
	     "FILE",                                                                               \
	     "Read the API key " WHERE " from FILE (keeps it out of shell history and ps)",        \
	     0},                                                                                   \
	    {"api-key",                                                                            \
	     OPT_STRING,                                                                           \
	     ENV "API_KEY",                                                                        \
	     NULL,                                                                                 \
	     "KEY",                                                                                \
	     "API key " WHERE " for gateways (and for devices when no app-api-key is given)",      \
	     OPT_SECRET},                                                                          \
	    {"user-id", OPT_STRING, ENV "USER_ID",                                                 \
	     NULL,	"ID",	    "User " WHERE " whose gateways are listed or created",         \
	     0},                                                                                   \
	    {"organization-id",                                                                    \
	     OPT_STRING,                                                                           \
	     ENV "ORGANIZATION_ID",                                                                \
	     NULL,                                                                                 \
	     "ID",                                                                                 \
	     "Organization " WHERE " whose gateways are listed or created",                        \
	     0},                                                                                   \
	    {"api-url",                                                                            \
	     OPT_STRING,                                                                           \
	     ENV "API_URL",                                                                        \
	     NULL,                                                                                 \
	     "URL",                                                                                \
	     "Base URL " WHERE ", e.g. https://eu1.cloud.thethings.network (/api/v3 is added)",    \
	     0},                                                                                   \
	    {"identity-server-url",                                                                \
	     OPT_STRING,                                                                           \
	     ENV "IDENTITY_SERVER_URL",                                                            \
	     NULL,                                                                                 \
	     "URL",                                                                                \
	     "Identity Server base URL " WHERE " (default: --api-url)",                            \
	     0},                                                                                   \
	    {"join-server-url",                                                                    \
	     OPT_STRING,                                                                           \
	     ENV "JOIN_SERVER_URL",                                                                \
	     NULL,                                                                                 \
	     "URL",                                                                                \
	     "Join Server base URL " WHERE " (default: --api-url)",                                \
	     0},                                                                                   \
	    {"network-server-url",                                                                 \
	     OPT_STRING,                                                                           \
	     ENV "NETWORK_SERVER_URL",                                                             \
	     NULL,                                                                                 \
	     "URL",                                                                                \
	     "Network Server base URL " WHERE " (default: --api-url)",                             \
	     0},                                                                                   \
	    {"application-server-url",                                                             \
	     OPT_STRING,                                                                           \
	     ENV "APPLICATION_SERVER_URL",                                                         \
	     NULL,                                                                                 \
	     "URL",                                                                                \
	     "Application Server base URL " WHERE " (default: --api-url)",                         \
	     0},                                                                                   \
	    {"ca-file", OPT_STRING, ENV "CA_FILE",                                                 \
	     NULL,	"FILE",	    "Also trust the CA certificates in FILE (PEM) " WHERE,         \
	     0},                                                                                   \
	{                                                                                          \
		"insecure", OPT_BOOL, ENV "INSECURE", "false", NULL,                               \
		    "Allow plain http:// to non-loopback hosts and skip TLS certificate "          \
		    "checks " WHERE,                                                               \
		    0                                                                              \
	}

/* The source's connection options alone (scope "tts", env TTS_*), for the
 * commands that read the source without exporting (check --coverage). */
extern const struct opt_desc source_conn_options[];

/* Fills api (base URLs, HTTP client) from the options of scope; the API key
 * is registered with the redactor. On failure returns -1 with err. */
int tts_api_configure(struct tts_api *api, const struct config *cfg, const char *scope, char *err,
		      size_t errlen);
void tts_api_release(struct tts_api *api);

#endif
