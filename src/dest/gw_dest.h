/*
 * Gateways at the destination (../shared/spec/gateways.md §1.5, §1.6, §1.8,
 * §1.10): created under the destination user or organization as the Console
 * would, with the copy rules of §1.5, then given the API keys the gateway
 * needs (an LNS key, stored in lbs_lns_secret, and a CUPS key where the
 * source gateway used CUPS).
 */
#ifndef TTNM_DEST_GW_DEST_H
#define TTNM_DEST_GW_DEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/options.h"

struct gw_dest;

int gwdest_open(const struct config *cfg, struct gw_dest **out, char *err, size_t errlen);
/* The same for reading only (watch: connection stats); no account needed. */
int gwdest_open_reader(const struct config *cfg, struct gw_dest **out, char *err, size_t errlen);
void gwdest_close(struct gw_dest *d);
/* The Gateway Server host gateways are pointed at. */
const char *gwdest_server_address(const struct gw_dest *d);
/* Replaces the Gateway Server host (a resumed run's, from its journal). */
int gwdest_set_server_address(struct gw_dest *d, const char *host);
/* "user alice" or "organization acme". */
const char *gwdest_account(const struct gw_dest *d);

/* The create body for source gateway src (its JSON as exported), or NULL
 * with a one-line reason. */
json_t *gwdest_prepare(const struct gw_dest *d, const json_t *src, char *err, size_t errlen);

/* Whether the source gateway used CUPS (attributes.cups-last-seen, or
 * _source_connection.cups), and whether it speaks Semtech UDP (the source's
 * protocol is udp, or unknown and no CUPS). */
bool gwdest_uses_cups(const json_t *src);
bool gwdest_uses_udp(const json_t *src);

enum gwdest_kind { GWKEY_LNS, GWKEY_CUPS };
/* Called with each key right after it is created (its only appearance),
 * before it is stored anywhere: it must record it durably; -1 stops. */
typedef int (*gwdest_key_cb)(void *ud, const char *gateway_id, enum gwdest_kind kind,
			     const char *key_id, const char *key);

enum gwdest_outcome { GWD_CREATED, GWD_THERE, GWD_FAILED };

/* Creates the prepared gateway (or finds it there from an earlier run: the
 * same ID and EUI, readable with the key) and the keys it still lacks.
 * keys counts the keys created. On failure err is one line naming the
 * gateway (and the holder of a taken ID or EUI). */
enum gwdest_outcome gwdest_import(struct gw_dest *d, const json_t *body, bool cups,
				  gwdest_key_cb cb, void *ud, int *keys, char *err, size_t errlen);

/*
 * For a gateway moved by its source's CUPS (Procedure A): the destination
 * gateway's Gateway Server address and its LNS key (lbs_lns_secret, made by
 * gwdest_import; the key needs READ_SECRETS). *address and *key are malloc'd
 * (wipe and free the key). -1 with a one-line reason naming the gateway.
 */
int gwdest_lns_of(struct gw_dest *d, const char *id, char **address, char **key, char *err,
		  size_t errlen);

/* Whether the destination's Gateway Server has the gateway connected: 1
 * with *since its connected_at (malloc'd), 0 not connected, -1 err. */
int gwdest_connected(struct gw_dest *d, const char *id, char **since, char *err, size_t errlen);

/* The same, with the whole GatewayConnectionStats (*stats, a new reference,
 * when connected: uplink_count, last_uplink_received_at, protocol...). */
int gwdest_conn_stats(struct gw_dest *d, const char *id, json_t **stats, char *err, size_t errlen);

/* Undoing Procedure A: takes LINK from the destination gateway's keys that
 * have it, so that the gateway drops the destination and asks CUPS again. */
int gwdest_lns_revoke(struct gw_dest *d, const char *id, char *err, size_t errlen);

/* Whether gateway id is registered at the destination: 1, 0 (not found,
 * or deleted), -1 (err). */
int gwdest_exists(struct gw_dest *d, const char *id, char *err, size_t errlen);

/* Deletes gateway id at the destination (its keys go with it, so its
 * Gateway Server connection drops); done when already gone. */
int gwdest_delete(struct gw_dest *d, const char *id, char *err, size_t errlen);

#endif
