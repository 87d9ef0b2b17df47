/*
 * The rights lookup of `check --coverage`: GET /api/v3/gateways/{id}/rights
 * at the source's Identity Server (shared/spec/gateways.md §1.1, §5.4), with
 * the user's or organization's key TTS_API_KEY (--api-key). Kept small and
 * apart from the gateway client of the gateway commands.
 */
#ifndef TTNM_CHECK_COVERAGE_FETCH_H
#define TTNM_CHECK_COVERAGE_FETCH_H

#include <jansson.h>
#include <stddef.h>

#include "cli/options.h"

struct coverage_source;

/*
 * From the options of scope "tts": --api-key and --identity-server-url (or
 * --api-url), --ca-file, --insecure, --timeout, --retries. Returns 1 with
 * *out when both key and URL are given; 0 when either is missing (offline;
 * why says which); -1 with err for a bad URL or CA file.
 */
int coverage_source_open(const struct config *cfg, struct coverage_source **out, char *why,
			 size_t len);
void coverage_source_close(struct coverage_source *s);

/* A coverage_rights_fn (check/coverage.h); ctx is the coverage_source. A 404
 * (no such gateway) is no rights, as is an ID that is not one (not asked);
 * 401 or 403 is -2 (the key is refused), as is no answer at all. */
int coverage_source_rights(void *ctx, const char *gateway_id, json_t **rights, char *err,
			   size_t errlen);

#endif
