/*
 * What `gateways switch` and the cut-over (migrate/cutover.c) share of
 * moving a gateway (shared/spec/gateways.md §3.2, §4.4): Procedure A's
 * preconditions on what the source's lns_read returned, and the wait for a
 * connection at the destination's Gateway Server.
 */
#ifndef TTNM_DEST_GW_SWITCH_H
#define TTNM_DEST_GW_SWITCH_H

#include <jansson.h>
#include <stddef.h>

#include "dest/gw_dest.h"

/* NULL when Procedure A may move the gateway whose source state st is
 * (lns_read's), else why not (a constant, or written into why). */
const char *gw_switch_refusal(const json_t *st, char *why, size_t cap);

/* Waits up to timeout seconds for the destination to have gateway id
 * connected with a connection newer than before (NULL: any). 1 connected,
 * 0 timed out or interrupted, -1 error (err). */
int gw_switch_wait(struct gw_dest *d, const char *id, const char *before, long timeout, char *err,
		   size_t errlen);

/* Whether the destination has it connected newer than before: 1, 0, -1. */
int gw_switch_connected(struct gw_dest *d, const char *id, const char *before, char *err,
			size_t errlen);

#endif
