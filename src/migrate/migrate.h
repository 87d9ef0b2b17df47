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
#ifndef TTNM_MIGRATE_MIGRATE_H
#define TTNM_MIGRATE_MIGRATE_H

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
	bool read_back;		     /* --verify read-back: read NS, AS, JS back after the create */
	struct precheck pre;	     /* the checks, before anything changes at the source */
	bool force_identity;	     /* --force-identity: act even on another run's journal */
	bool with_gateways;	     /* --with-gateways: verified devices are held (cutover.c) */
	bool delete_source_gateways; /* --delete-source-gateways (the journal's on resume) */
	/* --dest.gateway-server-address of the run (the journal's on resume),
	 * or NULL: the destination API URL's host. */
	char *gw_server_address;
	pthread_mutex_t mu; /* guards the counters and stop: devices run on worker threads */
	size_t done, failed, skipped, held;
	/* Set when going on would repeat the same failure on every device (a
	 * key without a right) or the journal cannot be written: no device
	 * starts a step after it. */
	bool stopped;
};

/* Takes the device through every step it has not completed. Returns 0 when
 * it ends verified (or was already), -1 when a step failed (recorded). */
int migrate_device(struct migration *m, const char *app, const char *dev);

/* Opens (creating) the journal at path, or the default one when NULL, with
 * the run lock held, in a provisional transaction that migration_open_ends
 * (or migration_identity) commits once the run is known to be the journal's
 * own. *path_out is malloc'd. */
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
/* Every journal device, its state, error and attempts, as a JSON array (a
 * new reference; *rc -1 when the journal could not be read whole). */
json_t *migration_report_json(struct journal *j, int *rc);

/* resume: lists again the applications whose listing was cut off. */
int migration_relist(struct migration *m);

/* The journal's path: the given one, or the default under the state dir
 * (malloc'd; NULL with err). */
char *migration_journal_path(const char *path, char *err, size_t errlen);

const char *migration_order_name(enum migration_order o);

/* ---- shared by the files of src/migrate ---- */

/* Logs and records the failure of the step after the device's state. */
int migration_fail(struct migration *m, const char *app, const char *dev, const char *msg);
void migration_bump(struct migration *m, size_t *counter);

/* Records the transition from → to (compare-and-set). On failure the device
 * stops there, logged and counted (what: the step being recorded), and a
 * journal that cannot be written stops the run. Returns 0 or -1. */
int migration_move(struct migration *m, const char *app, const char *dev, enum jstate from,
		   enum jstate to, const struct jwrite *w, const char *what);

/* Stops the run before the next device (one line saying why, logged once). */
void migration_stop(struct migration *m, const char *why);
/* Whether no further step may start: stopped, journal broken, interrupted. */
bool migration_stopped(struct migration *m);

/*
 * The run's identity (identity.c): the source (kind, base URL of each
 * component, API key id) and the destination (base URLs, application, key
 * id), and --dev-id-prefix, as a JSON object. The first run records it in the
 * journal; later ones (resume, restore, another --to-dest) are refused, with
 * one line saying what differs, unless force. Old journals get it recorded
 * (said so). Ends the journal's provisional transaction (kept on success).
 * Returns 0, or -1 with err; never sends a request.
 */
int migration_identity(struct journal *j, const struct config *cfg, const char *src_name,
		       struct dest *dest, const char *prefix, bool force, char *err, size_t errlen);

/* The checks before anything irreversible: prepares the export for the
 * destination (*ready, new reference) and runs the pre-checks, the
 * destination's id lookup and dest_check_create. Returns 0 when the device
 * may go; -1 with err, *refused telling a refusal (the destination would not
 * take it) from a failure to check (try again later). */
int migration_admit(struct migration *m, const char *app, const char *dev, const json_t *export,
		    json_t **ready, bool *refused, char *err, size_t errlen);
json_t *migration_prepared(struct migration *m, const json_t *export, char *err, size_t errlen);

/* The create-first steps from state (create_first.c); export and frozen_from as
 * the journal has them (may be NULL). */
int migrate_create_first(struct migration *m, const char *app, const char *dev, enum jstate state,
			 json_t *export, json_t *frozen_from);

/* The delete-first steps from state (delete_first.c). */
int migrate_delete_first(struct migration *m, const char *app, const char *dev, enum jstate state,
			 json_t *export);

/* Verifies the created device: from the create's answers (may be NULL: a
 * resumed run has none) unless read-back is asked for, else by reading it
 * back. As dest_verify returns. */
int migration_verify(struct migration *m, const json_t *ready, const json_t *answers, char *err,
		     size_t errlen);

/* restore (restore.c): puts one journal device back at the source. */
struct restore_ctx {
	struct journal *j;
	const struct config *cfg;
	const char *src_name;
	const struct source_ops *ops;
	struct dest *dest;
	bool from_destination; /* --from-destination */
};
int restore_device(struct restore_ctx *rc, const struct jdevice *d);

/* restore --gateway ID... ("all": every one of the journal): the cut-over's
 * gateways put back (restore_gw.c). 0 when every one is restored. */
int restore_gateways(const struct config *cfg, struct journal *j, const struct source_ops *ops,
		     const struct opt_list *ids);

/* Lays saved's values (or, with frozen, the frozen ones) over dev: what the
 * export would hold had the source not been frozen. */
void migration_thaw(json_t *dev, const json_t *saved, bool frozen);

#endif
