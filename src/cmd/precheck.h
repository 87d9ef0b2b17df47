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

struct precheck {
	struct checker *checker;
	bool force;
	pthread_mutex_t mu; /* the checker remembers devices: one at a time */
	bool keep_all;	    /* --check: keep every finding for the report */
	json_t *all;	    /* every finding (when keep_all), else none */
	json_t *by_rule;    /* rule → {"count": n, "example": finding} (warnings) */
	size_t devices;
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

struct config;

/* The Console's import fallbacks (--fallback-frequency-plan-id,
 * --fallback-lorawan-version, --fallback-lorawan-phy-version): fills what
 * dev lacks (absent, null or ""), before the checks see it. */
void precheck_fallbacks(json_t *dev, const struct config *cfg);

/* Logs one line per warning rule with its count and first example. */
void precheck_summary(struct precheck *p);
void precheck_free(struct precheck *p);

#endif
