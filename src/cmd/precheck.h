/*
 * The checks of `check`, run by import, the migration and `--check` before
 * anything is written: a device with an error finding is refused (unless
 * --force), warnings are counted per rule and summed up at the end, so that
 * 10,000 devices with a Sandbox DevAddr give one gateway warning, not 10,000.
 */
#ifndef TTNM_CMD_PRECHECK_H
#define TTNM_CMD_PRECHECK_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "check/check.h"

struct tts_api;
struct coverage_source;

struct precheck {
	struct checker *checker;
	bool force;
	pthread_mutex_t mu; /* the checker remembers devices: one at a time */
	bool keep_all;	    /* --check: keep every finding for the report */
	json_t *all;	    /* every finding (when keep_all), else none */
	json_t *by_rule;    /* rule → {"count": n, "example": finding} (warnings) */
	size_t devices;
	/* Coverage inside a migration (precheck_coverage): each device's class
	 * from its recent uplinks and the source key's rights on their gateways,
	 * each gateway asked once (cov_rights caches the answers); cov_src NULL:
	 * offline (every gateway counts as movable). */
	bool coverage;
	bool gateways_move; /* --with-gateways: the summary says they move along */
	struct coverage_source *cov_src;
	json_t *cov_rights;
	json_t *cov_plan; /* the gateways that hear moved devices, first heard first */
	size_t cov_n[4];  /* devices of classes A, B, C, D */
};

/* dest may be NULL (offline). cross_device: also the rules across devices
 * (ID collisions, duplicate EUIs), which remember every device seen. Fetching what the destination
 * has is best effort: when it fails, the run goes on with the offline checks. */
int precheck_init(struct precheck *p, const char *prefix, bool force, struct tts_api *dest,
		  const char *dest_app, bool cross_device);

/* Returns 0 when the device may go on, -1 (err: the first error, with its
 * rule) when it must not. */
int precheck_device(struct precheck *p, const json_t *dev, const char *where, char *err,
		    size_t errlen);

/* The gateways of the plan that heard dev (classes A and B; none for the
 * others, or without coverage), as a new array of ids. */
json_t *precheck_device_gateways(struct precheck *p, const json_t *dev);

struct config;

/*
 * Runs `check --coverage` on every device the migration moves with its
 * session (check/coverage.h): a class C device (never heard by a gateway the
 * source key may move) is refused with rule coverage-c (--allow coverage-c
 * moves it anyway), B and D are warned about. The rights are asked with the
 * source's TTS_API_KEY (--api-key) at its Identity Server; without them it
 * is offline and says so once.
 */
void precheck_coverage(struct precheck *p, const struct config *cfg);

/* The Console's import fallbacks (--fallback-frequency-plan-id,
 * --fallback-lorawan-version, --fallback-lorawan-phy-version): fills what
 * dev lacks (absent, null or ""), before the checks see it. */
void precheck_fallbacks(json_t *dev, const struct config *cfg);

/* Logs one line per warning rule with its count and first example. */
void precheck_summary(struct precheck *p);
void precheck_free(struct precheck *p);

#endif
