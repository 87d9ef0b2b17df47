/*
 * The gateway keys file (gateways import, the cut-over): each new API key
 * of a destination gateway is appended, once, right after it is created and
 * before it is stored anywhere, with the lines a gateway reads (tc.key,
 * cups.key: "Authorization: Bearer KEY" + CRLF) and, for Semtech UDP, the
 * global_conf.json server settings. Mode 0600, fsync'ed per key.
 */
#ifndef TTNM_DEST_GW_KEYS_H
#define TTNM_DEST_GW_KEYS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/options.h"
#include "dest/gw_dest.h"

struct gw_keys {
	int fd;
	char *path;
	struct gw_dest *dest;
	const json_t *cur; /* the source gateway being imported */
	bool header_done;
	size_t written;
};

/* Opens --keys-file (default: the state dir's gateway-keys.txt) for
 * appending. 0, or -1 with err. */
int gw_keys_open(struct gw_keys *k, const struct config *cfg, struct gw_dest *dest, char *err,
		 size_t errlen);
/* Fsyncs the directory when keys were written; frees. */
void gw_keys_close(struct gw_keys *k);
/* The next gateway's keys come from src (its section header names it). */
void gw_keys_start(struct gw_keys *k, const json_t *src);
/* A gwdest_key_cb; ud is the struct gw_keys. */
int gw_keys_save(void *ud, const char *gateway_id, enum gwdest_kind kind, const char *key_id,
		 const char *key);

#endif
