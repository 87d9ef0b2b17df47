/*
 * The cut-over's second half (--with-gateways; cutover.c says the order and
 * why): the journal's gateways registered, switched and waited for at the
 * destination, then each held device released once heard there.
 */
#ifndef TTNM_MIGRATE_CUTOVER_H
#define TTNM_MIGRATE_CUTOVER_H

#include <stddef.h>

#include "migrate/migrate.h"

struct cutover_summary {
	size_t gateways, connected, gw_failed;
	size_t held; /* devices still held (a gateway not connected, not heard) */
	double gw_seconds, release_seconds; /* the two phases' wall time */
};

/* The summary line (log_info) of a cut-over. */
void cutover_report(const struct cutover_summary *sum);

/* 0 when every gateway is connected and no device is left held, else -1
 * (each reason logged and recorded in the journal). */
int cutover_run(struct migration *m, const struct config *cfg, struct cutover_summary *sum);

#endif
