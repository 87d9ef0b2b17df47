/*
 * The ledger of a plain export that deletes at the source
 * (--SOURCE.delete-source-device): next to the run's backup file
 * (export-STAMP-PID.jsonl, the exports, importable as they are) it keeps
 * export-STAMP-PID.state, JSON lines, each fsync'ed:
 *
 *   {"ledger":1,"source":SOURCE,"deployment":URL,"backup":"export-....jsonl"}
 *   {"deleting":APP,"devices":[ID,...]}   before the first delete request
 *   {"deleted":APP,"devices":[ID,...]}    once gone from every component
 *
 * A device recorded as deleting and never as deleted may be half deleted (a
 * kill between the component deletes, a failed one). Its export is in the
 * backup (written and fsync'ed before it was recorded), so the next run
 * with deletes against the same deployment completes its delete, which is
 * what the user asked for, takes only idempotent requests and needs nothing
 * but ids; undoing it would mean re-creating the session on the source's
 * Network Server from an export that may be older than the device's last
 * frame counters. A device the source now holds under another identity
 * (other EUIs) is not touched, and reported.
 */
#ifndef TTNM_CMD_EXPORT_LEDGER_H
#define TTNM_CMD_EXPORT_LEDGER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/strlist.h"
#include "sources/source.h"

struct ledger {
	pthread_mutex_t mu;
	int fd;
	char *path;
	bool failed; /* a record could not be written: stop deleting */
};

/* Creates the ledger for the backup at backup_path (0600, new). */
int ledger_open(struct ledger *l, const char *backup_path, const char *source,
		const char *deployment, char *err, size_t errlen);
void ledger_close(struct ledger *l);

/* The hooks that record this run's deletes in l. */
struct retire_hooks ledger_hooks(struct ledger *l);

/* What the earlier runs left: every "APP/DEV" whose delete was completed
 * now (done), and those still unfinished (left, each reported). */
struct ledger_recovery {
	struct strlist done, left;
};

/* Completes, against src, the deletes earlier ledgers of the same source and
 * deployment (in the state directory; not current) left unfinished.
 * Returns -1 when the state directory cannot be read (reported). */
int ledger_recover(const struct source_ops *ops, struct source *src, const char *current,
		   struct ledger_recovery *rec);
void ledger_recovery_free(struct ledger_recovery *rec);

/* "APP/DEV" in list? */
bool ledger_has(const struct strlist *list, const char *app, const char *dev);

#endif
