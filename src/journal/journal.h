/*
 * The migration journal: one SQLite row per device, holding its export (keys
 * included: the file is created mode 0600), the last step it completed and,
 * in the create-first order, the source setting its freeze changed.
 *
 * Two orders (migrate/migrate.h says which a run uses; a row's state says which
 * order it is in, since each order has its own state names):
 *
 *   delete-first (one deployment):
 *     pending → exported → retired → created → verified
 *   create-first (two deployments):
 *     pending → freezing → frozen → creating → copied → [held →] [retiring →] verified
 *                            └──────────┴→ refusing → refused (→ pending, next run)
 *     held (--with-gateways): verified at the destination, frozen and intact at
 *     the source, until the gateways it depends on (the devices column
 *     "gateways") are connected at the destination and it has been heard there
 *   either, by restore (a journaled transaction of its own):
 *     → restoring (what goes back is in the journal; the destination copy
 *                  may be being deleted, by the id recorded in dest_dev)
 *     → reinstating (gone from the destination; being put back at the source)
 *     → restored
 *
 * The invariant: a step's row update is committed (WAL, synchronous=FULL)
 * before the next remote action starts. So after a crash at any instant, the
 * row says which remote actions may have happened, and each step is written
 * so that repeating it is harmless (deletes treat 404 as done, creates take a
 * device that already exists under the id as their own only when the row
 * says a create may have been sent, sets are upserts).
 */
#ifndef TTNM_JOURNAL_JOURNAL_H
#define TTNM_JOURNAL_JOURNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/strlist.h"

enum jstate {
	J_PENDING = 0,
	/* delete-first */
	J_EXPORTED, /* export on disk; the source unchanged */
	J_RETIRED,  /* the source may have deleted (or disabled) it */
	J_CREATED,  /* at the destination */
	J_VERIFIED, /* read back equal at the destination: done (both orders) */
	J_RESTORED, /* put back at the source (both orders) */
	/* create-first */
	J_FREEZING, /* the source setting is saved; the freeze may have been sent */
	J_FROZEN,   /* the source sends the device nothing */
	J_CREATING, /* exported after the freeze and checked; a create may have been sent */
	J_COPIED,   /* at the destination; the source frozen and intact */
	J_RETIRING, /* verified at the destination; the source delete may have been sent */
	J_REFUSING, /* refused (error says why); the source is to be unfrozen */
	J_REFUSED,  /* refused; the source unfrozen, the device works where it was */
	/* restore (either order) */
	J_RESTORING,   /* checked that the source takes it back; what goes back is
			* recorded; the destination delete may have been sent */
	J_REINSTATING, /* deleted at the destination; the put-back at the source
			* may have been sent */
	/* create-first, --with-gateways (cut-over) */
	J_HELD, /* verified at the destination; frozen and intact at the source
		 * until its gateways connect at the destination and it is heard */
	J_NSTATES
};

const char *jstate_name(enum jstate s);
/* The state of a name; -1 for a name no state has. */
int jstate_parse(const char *name);
/* Whether the state belongs to the create-first order only. */
bool jstate_create_first(enum jstate s);

struct journal;

struct jdevice {
	char *src_app, *src_dev;
	enum jstate state;
	char *error;	     /* why the step after state failed, or NULL */
	json_t *export;	     /* the exported device, NULL before J_EXPORTED / J_CREATING */
	json_t *frozen_from; /* create-first: what unfreezing puts back, or NULL */
	json_t *restore;     /* restore: what goes back to the source, or NULL */
	char *dest_dev;	     /* the id a create at the destination used, or NULL */
	json_t *gateways;    /* --with-gateways: the gateway ids it waits for, or NULL */
	long attempts;
};

void jdevice_free(struct jdevice *d);

/*
 * Opens (creating, mode 0600) the journal. With lock, first takes the run
 * lock: an flock on the sidecar PATH.lock, held until journal_close, so that
 * one process at a time acts on a journal (the lock file holds its pid; a
 * second one fails at once, naming it). Every open checks the file (SQLite's
 * quick_check): a damaged journal is refused with one line.
 */
int journal_open(const char *path, bool lock, struct journal **out, char *err, size_t errlen);
void journal_close(struct journal *j);

/*
 * A provisional transaction: what is written between begin and end is kept
 * only with keep (a run refused for acting against another deployment leaves
 * the journal as it was). Nothing may be sent to a server in between.
 */
int journal_provisional_begin(struct journal *j);
int journal_provisional_end(struct journal *j, bool keep);

/* Whether a write failed (SQLite error): the journal can no longer be
 * trusted to be ahead of the servers, so the run stops. */
bool journal_broken(struct journal *j);

/* Run settings kept with the journal so that resume does as the run did. */
int journal_meta_set(struct journal *j, const char *key, const char *value);
char *journal_meta_get(struct journal *j, const char *key); /* malloc'd or NULL */

/*
 * The schema version (PRAGMA user_version) this version writes. 0: journals
 * before it (untyped items; the applications a comma-joined meta value with
 * a "listed:APP" key each); 1: items typed (devices.kind, 'device') and the
 * applications a table; 2: the cut-over's gateways (journal_gw.c: a table
 * of their own, with their own states) and devices.gateways. journal_open
 * migrates an older journal in place and refuses a newer one.
 */
#define JOURNAL_SCHEMA 2 /* 2: the gateways table and devices.gateways (the cut-over) */

/* The run's applications, in the order they were first recorded: app_add
 * records one (once), app_listed marks its listing complete (resume then
 * need not list it again), apps appends their ids to out (with
 * unlisted_only, those whose listing was cut off). 0 or -1. */
int journal_app_add(struct journal *j, const char *app);
int journal_app_listed(struct journal *j, const char *app);
int journal_apps(struct journal *j, bool unlisted_only, struct strlist *out);

/* Adds every id of the array (strings) as pending, in one transaction. */
int journal_add_all(struct journal *j, const char *app, const struct strlist *ids);

/* Adds the device as pending unless the journal has it already. */
int journal_add(struct journal *j, const char *app, const char *dev);
/* Reads a device; returns 1 found, 0 not found, -1 error. */
int journal_get(struct journal *j, const char *app, const char *dev, struct jdevice *out);

/* What a transition writes besides the state: a NULL member leaves that
 * column as it was (error is cleared unless given). */
struct jwrite {
	const json_t *export;
	const json_t *frozen_from;
	const json_t *restore;
	const char *dest_dev;
	const char *error;
	bool attempt; /* counts as a failed attempt */
	/* the gateway ids the device waits for (an array): written to the
	 * device and each added to the gateways table, in one transaction */
	const json_t *gateways;
};

/* journal_move: the state changed (by someone else) since it was read. */
#define JOURNAL_CONFLICT (-2)

/*
 * The one way a device's state changes: a compare-and-set, UPDATE ... WHERE
 * state = from, committed before it returns. Returns 0 when the row moved,
 * JOURNAL_CONFLICT when it was not in from, -1 on a SQLite error (the
 * journal is then broken).
 */
int journal_move(struct journal *j, const char *app, const char *dev, enum jstate from,
		 enum jstate to, const struct jwrite *w);
/* Records why the step after the device's state failed (an attempt). */
int journal_fail(struct journal *j, const char *app, const char *dev, const char *error);

/* Calls cb for every device (in the order they were added), optionally only
 * those not yet done (verified or restored). The export is loaded only with
 * with_export (it is large; status and reports do not need it). Rows are
 * streamed under the journal's lock: cb must not call the journal. */
typedef int (*journal_cb)(void *ud, const struct jdevice *d);
int journal_each(struct journal *j, bool unfinished_only, bool with_export, journal_cb cb,
		 void *ud);

/* Per-state counts and the number with an error. */
int journal_counts(struct journal *j, long counts[J_NSTATES], long *failed);

const char *journal_errmsg(struct journal *j);

/*
 * journal check: calls cb with each device whose record cannot be right
 * (an unknown state, a state without what reaching it wrote: an export, the
 * saved source setting, the destination's id, a restore without what goes
 * back, a create-first state in a one-deployment journal), with one line
 * saying why. Returns the number of such devices, or -1.
 */
typedef void (*journal_check_cb)(void *ud, const char *app, const char *dev, const char *state,
				 const char *why);
long journal_check(struct journal *j, journal_check_cb cb, void *ud);

/*
 * The cut-over's gateways (--with-gateways; journal_gw.c), one row each,
 * added when the first device that depends on it is held:
 *
 *   planned → created → switching → switched → connected
 *
 *   planned    some moved device was heard by it; nothing done yet
 *   created    registered at the destination with its API keys (their
 *              values written to the keys file, once)
 *   switching  CUPS (Procedure A): the source's LNS settings are in record
 *              (they hold a secret); the source may have been changed.
 *              Other protocols: the operator has been told what to change
 *   switched   the source hands it the destination (or the operator was
 *              told); since: its destination connection before, or NULL
 *              (kept for the record)
 *   connected  connected at the destination: its devices may leave the
 *              source once each has been heard there
 *   restored   put back (restore): the source's settings as recorded
 *   source-deleted  connected, and deleted at the source
 *              (--delete-source-gateways, once no device depending on it
 *              was left there); restore cannot put it back
 */
enum gstate {
	G_PLANNED,
	G_CREATED,
	G_SWITCHING,
	G_SWITCHED,
	G_CONNECTED,
	G_RESTORED,
	G_SOURCE_DELETED,
	G_NSTATES
};
const char *gstate_name(enum gstate s);

struct jgateway {
	char *id;
	enum gstate state;
	char *protocol; /* "cups", "udp" or "other" once created, else NULL */
	json_t *record; /* the source's LNS settings before the switch, or NULL */
	char *since;
	char *error;
	long attempts;
	bool created; /* registered at the destination by this journal's run */
};
void jgateway_free(struct jgateway *g);

struct gwrite {
	const char *protocol;
	const json_t *record;
	const char *since;
	const char *error;
	bool attempt;
	bool created; /* sets created (never clears it) */
};
/* As journal_move, for gateway id: 0, JOURNAL_CONFLICT or -1. */
int journal_gw_move(struct journal *j, const char *id, enum gstate from, enum gstate to,
		    const struct gwrite *w);
int journal_gw_fail(struct journal *j, const char *id, const char *error);
/* 1 found, 0 not, -1 error. */
int journal_gw_get(struct journal *j, const char *id, struct jgateway *out);
/* Every gateway, by id (devices add them concurrently: no order of theirs
 * is stable); cb must not call the journal. */
typedef int (*journal_gw_cb)(void *ud, const struct jgateway *g);
int journal_gw_each(struct journal *j, journal_gw_cb cb, void *ud);

#endif
