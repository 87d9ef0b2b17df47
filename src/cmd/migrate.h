/*
 * The journaled migration: export → retire at the source → create at the
 * destination → verify, one device at a time, each step committed to the
 * journal before the next remote action (see journal/journal.h).
 */
#ifndef TTNM_CMD_MIGRATE_H
#define TTNM_CMD_MIGRATE_H

#include <pthread.h>
#include <stdbool.h>

#include "cmd/precheck.h"
#include "dest/dest.h"
#include "journal/journal.h"
#include "sources/source.h"

struct migration {
	const struct source_ops *ops;
	struct source *src;
	struct dest *dest;
	struct journal *journal;
	const char *prefix;
	char *owned_prefix; /* read back from the journal */
	bool force;
	bool keep_source;
	struct precheck pre; /* the checks, before anything changes at the source */
	pthread_mutex_t mu; /* guards the counters: devices run on worker threads */
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

#endif
