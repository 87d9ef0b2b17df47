/*
 * The journaled migration, one device at a time, each step committed to the
 * journal before the next remote action (see journal/journal.h for the
 * states of both orders).
 *
 * Two deployments (the Identity Servers differ): create-first. The source's
 * downlink setting is saved, the device frozen there (it sends nothing), its
 * session read (final downlink counters), created and verified at the
 * destination, and only then deleted at the source (--keep-source: left
 * frozen). A refusal by the destination unfreezes it: it works where it was.
 *
 * One deployment (the same EUIs cannot be registered twice): delete-first,
 * export → checks (dest_check_create included) → delete or disable at the
 * source → create → verify.
 */
#ifndef TTNM_CMD_MIGRATE_H
#define TTNM_CMD_MIGRATE_H

#include <pthread.h>
#include <stdbool.h>

#include "cmd/precheck.h"
#include "dest/dest.h"
#include "journal/journal.h"
#include "sources/source.h"

enum migration_order { ORDER_DELETE_FIRST = 0, ORDER_CREATE_FIRST };

struct migration {
	const struct source_ops *ops;
	enum migration_order order; /* for devices not started yet */
	struct source *src;
	struct dest *dest;
	struct journal *journal;
	const char *prefix;
	char *owned_prefix; /* read back from the journal */
	bool force;
	bool keep_source;
	struct precheck pre; /* the checks, before anything changes at the source */
	pthread_mutex_t mu;  /* guards the counters: devices run on worker threads */
	size_t done, failed, skipped;
};

/* Takes the device through every step it has not completed. Returns 0 when
 * it ends verified (or was already), -1 when a step failed (recorded). */
int migrate_device(struct migration *m, const char *app, const char *dev);

/* Opens (creating) the journal at path, or the default one when NULL, and
 * records/reads the run settings. *path_out is malloc'd. */
int migration_journal(const char *path, struct journal **out, char **path_out, char *err,
		      size_t errlen);

/* Records that app is being migrated; enroll adds its listed device ids as
 * pending and marks the listing complete, so that resume does not need the
 * listing again (and re-lists an application whose listing was cut off). */
int migration_note_app(struct migration *m, const char *app);
int migration_enroll(struct migration *m, const char *app, const struct strlist *ids);

int migration_open_ends(struct migration *m, const struct config *cfg, const char *src_name,
			char *err, size_t errlen);
void migration_close_ends(struct migration *m);
int migration_report(struct journal *j, const char *path);

const char *migration_order_name(enum migration_order o);

/* ---- shared by migrate*.c ---- */

/* Logs and records the failure of the step after the device's state. */
int migration_fail(struct migration *m, const char *app, const char *dev, const char *msg);
void migration_bump(struct migration *m, size_t *counter);

/* The checks before anything irreversible: prepares the export for the
 * destination (*ready, new reference) and runs the pre-checks, the
 * destination's id lookup and dest_check_create. Returns 0 when the device
 * may go; -1 with err, *refused telling a refusal (the destination would not
 * take it) from a failure to check (try again later). */
int migration_admit(struct migration *m, const char *app, const char *dev, const json_t *export,
		    json_t **ready, bool *refused, char *err, size_t errlen);
json_t *migration_prepared(struct migration *m, const json_t *export, char *err, size_t errlen);

/* The create-first steps from state (migrate_cf.c); export and frozen_from as
 * the journal has them (may be NULL). */
int migrate_create_first(struct migration *m, const char *app, const char *dev, enum jstate state,
			 json_t *export, json_t *frozen_from);

/* restore of a device that went through create-first (migrate_cf.c). */
int restore_create_first(struct journal *j, const struct config *cfg, const char *src_name,
			 const struct source_ops *ops, struct dest *dest, const struct jdevice *d);

/* Lays saved's values (or, with frozen, the frozen ones) over dev: what the
 * export would hold had the source not been frozen. */
void migration_thaw(json_t *dev, const json_t *saved, bool frozen);

#endif
