#include "journal/journal.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One connection, shared by the worker threads: every call holds mu, so
 * that statements (and the add_all transaction) never interleave. */
struct journal {
	sqlite3 *db;
	pthread_mutex_t mu;
};

static const char *const state_names[J_NSTATES] = {
    "pending", "exported", "retired", "created",  "verified", "restored", "freezing",
    "frozen",  "creating", "copied",  "retiring", "refusing", "refused"};

const char *jstate_name(enum jstate s)
{
	return s < J_NSTATES ? state_names[s] : "?";
}

bool jstate_create_first(enum jstate s)
{
	return s >= J_FREEZING && s < J_NSTATES;
}

static enum jstate state_of(const char *name)
{
	for (int i = 0; i < J_NSTATES; i++)
		if (name && strcmp(name, state_names[i]) == 0)
			return (enum jstate)i;
	return J_PENDING;
}

static const char schema[] = "PRAGMA journal_mode=WAL;"
			     "PRAGMA synchronous=FULL;"
			     "PRAGMA busy_timeout=5000;"
			     "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
			     "CREATE TABLE IF NOT EXISTS devices ("
			     " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
			     " src_app TEXT NOT NULL, src_dev TEXT NOT NULL,"
			     " state TEXT NOT NULL DEFAULT 'pending',"
			     " error TEXT, export TEXT, attempts INTEGER NOT NULL DEFAULT 0,"
			     " updated_at TEXT, frozen_from TEXT,"
			     " UNIQUE (src_app, src_dev));";

/* Journals written before the create-first order lack frozen_from. */
static int add_missing_columns(sqlite3 *db)
{
	sqlite3_stmt *st;
	bool has = false;
	if (sqlite3_prepare_v2(db, "PRAGMA table_info(devices)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		has |= strcmp((const char *)sqlite3_column_text(st, 1), "frozen_from") == 0;
	sqlite3_finalize(st);
	if (has)
		return 0;
	return sqlite3_exec(db, "ALTER TABLE devices ADD COLUMN frozen_from TEXT", NULL, NULL,
			    NULL) == SQLITE_OK
		   ? 0
		   : -1;
}

int journal_open(const char *path, struct journal **out, char *err, size_t errlen)
{
	/* Create the file ourselves so that it is 0600 from the first byte;
	 * SQLite gives its -wal and -shm files the database file's mode. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "journal %s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	struct journal *j = calloc(1, sizeof *j);
	if (!j)
		return -1;
	pthread_mutex_init(&j->mu, NULL);
	if (sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(j->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    add_missing_columns(j->db) < 0) {
		snprintf(err, errlen, "journal %s: %s", path,
			 j->db ? sqlite3_errmsg(j->db) : "cannot open");
		journal_close(j);
		return -1;
	}
	*out = j;
	return 0;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	sqlite3_close(j->db);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

const char *journal_errmsg(struct journal *j)
{
	return sqlite3_errmsg(j->db);
}

static void now(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Runs one statement with text parameters (NULL → SQL NULL). */
static int exec_text(struct journal *j, const char *sql, int n, const char *const *params)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (int i = 0; i < n; i++)
		sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int journal_meta_set_locked(struct journal *j, const char *key, const char *value)
{
	const char *p[] = {key, value};
	return exec_text(j,
			 "INSERT INTO meta(key, value) VALUES(?1, ?2) "
			 "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			 2, p);
}

static char *journal_meta_get_locked(struct journal *j, const char *key)
{
	sqlite3_stmt *st;
	char *v = NULL;
	if (sqlite3_prepare_v2(j->db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static int journal_add_locked(struct journal *j, const char *app, const char *dev)
{
	char ts[32];
	now(ts, sizeof ts);
	const char *p[] = {app, dev, ts};
	return exec_text(j,
			 "INSERT OR IGNORE INTO devices(src_app, src_dev, updated_at) "
			 "VALUES(?1, ?2, ?3)",
			 3, p);
}

static int journal_add_all_locked(struct journal *j, const char *app, const struct strlist *ids)
{
	if (sqlite3_exec(j->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	for (size_t i = 0; i < ids->n; i++) {
		if (journal_add_locked(j, app, strlist_get(ids, i)) < 0) {
			sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	return sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static void fill(sqlite3_stmt *st, struct jdevice *d, bool with_export)
{
	memset(d, 0, sizeof *d);
	d->src_app = strdup((const char *)sqlite3_column_text(st, 0));
	d->src_dev = strdup((const char *)sqlite3_column_text(st, 1));
	d->state = state_of((const char *)sqlite3_column_text(st, 2));
	if (sqlite3_column_text(st, 3))
		d->error = strdup((const char *)sqlite3_column_text(st, 3));
	if (with_export && sqlite3_column_text(st, 4))
		d->export = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
	d->attempts = (long)sqlite3_column_int64(st, 5);
	if (sqlite3_column_text(st, 6))
		d->frozen_from = json_loads((const char *)sqlite3_column_text(st, 6), 0, NULL);
}

void jdevice_free(struct jdevice *d)
{
	free(d->src_app);
	free(d->src_dev);
	free(d->error);
	json_decref(d->export);
	json_decref(d->frozen_from);
	memset(d, 0, sizeof *d);
}

#define DEVICE_COLUMNS "src_app, src_dev, state, error, export, attempts, frozen_from"

static int journal_get_locked(struct journal *j, const char *app, const char *dev,
			      struct jdevice *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(
		j->db, "SELECT " DEVICE_COLUMNS " FROM devices WHERE src_app = ?1 AND src_dev = ?2",
		-1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, app, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, dev, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fill(st, out, true);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int journal_advance_locked(struct journal *j, const char *app, const char *dev,
				  enum jstate state, const json_t *export)
{
	char ts[32];
	now(ts, sizeof ts);
	char *ex = export ? json_dumps(export, JSON_COMPACT) : NULL;
	const char *p[] = {app, dev, jstate_name(state), ex, ts};
	int rc = exec_text(j,
			   "UPDATE devices SET state = ?3, error = NULL, "
			   "export = COALESCE(?4, export), updated_at = ?5 "
			   "WHERE src_app = ?1 AND src_dev = ?2",
			   5, p);
	if (ex) {
		memset(ex, 0, strlen(ex));
		free(ex);
	}
	return rc;
}

static int journal_fail_locked(struct journal *j, const char *app, const char *dev,
			       const char *error)
{
	char ts[32];
	now(ts, sizeof ts);
	const char *p[] = {app, dev, error, ts};
	return exec_text(j,
			 "UPDATE devices SET error = ?3, attempts = attempts + 1, updated_at = ?4 "
			 "WHERE src_app = ?1 AND src_dev = ?2",
			 4, p);
}

static int journal_advance_frozen_locked(struct journal *j, const char *app, const char *dev,
					 enum jstate state, const json_t *frozen_from)
{
	char ts[32];
	now(ts, sizeof ts);
	char *saved = frozen_from ? json_dumps(frozen_from, JSON_COMPACT) : NULL;
	if (!saved)
		return -1;
	const char *p[] = {app, dev, jstate_name(state), saved, ts};
	int rc = exec_text(j,
			   "UPDATE devices SET state = ?3, error = NULL, frozen_from = ?4, "
			   "updated_at = ?5 WHERE src_app = ?1 AND src_dev = ?2",
			   5, p);
	free(saved);
	return rc;
}

static int journal_stop_locked(struct journal *j, const char *app, const char *dev,
			       enum jstate state, const char *error)
{
	char ts[32];
	now(ts, sizeof ts);
	const char *p[] = {app, dev, jstate_name(state), error, ts};
	return exec_text(j,
			 "UPDATE devices SET state = ?3, error = ?4, attempts = attempts + 1, "
			 "updated_at = ?5 WHERE src_app = ?1 AND src_dev = ?2",
			 5, p);
}

int journal_each(struct journal *j, bool unfinished_only, bool with_export, journal_cb cb, void *ud)
{
	sqlite3_stmt *st;
	const char *sql = unfinished_only ? "SELECT " DEVICE_COLUMNS " FROM devices WHERE state "
					    "NOT IN ('verified', 'restored') ORDER BY seq"
					  : "SELECT " DEVICE_COLUMNS " FROM devices ORDER BY seq";
	pthread_mutex_lock(&j->mu);
	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK) {
		pthread_mutex_unlock(&j->mu);
		return -1;
	}
	/* Rows are handed out one at a time, under the lock: memory does not
	 * grow with the journal, and cb must not call the journal. */
	int rc, out = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct jdevice d;
		fill(st, &d, with_export);
		if (cb(ud, &d) < 0)
			out = -1;
		jdevice_free(&d);
		if (out < 0)
			break;
	}
	if (out == 0 && rc != SQLITE_DONE)
		out = -1;
	sqlite3_finalize(st);
	pthread_mutex_unlock(&j->mu);
	return out;
}

static int journal_counts_locked(struct journal *j, long counts[J_NSTATES], long *failed)
{
	sqlite3_stmt *st;
	memset(counts, 0, sizeof(long) * J_NSTATES);
	*failed = 0;
	if (sqlite3_prepare_v2(j->db,
			       "SELECT state, COUNT(*), SUM(error IS NOT NULL) FROM devices "
			       "GROUP BY state",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		counts[state_of((const char *)sqlite3_column_text(st, 0))] =
		    (long)sqlite3_column_int64(st, 1);
		*failed += (long)sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return 0;
}

int journal_meta_set(struct journal *j, const char *key, const char *value)
{
	pthread_mutex_lock(&j->mu);
	int rc = journal_meta_set_locked(j, key, value);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

char *journal_meta_get(struct journal *j, const char *key)
{
	pthread_mutex_lock(&j->mu);
	char *rc = journal_meta_get_locked(j, key);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int journal_add_all(struct journal *j, const char *app, const struct strlist *ids)
{
	pthread_mutex_lock(&j->mu);
	int rc = journal_add_all_locked(j, app, ids);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int journal_add(struct journal *j, const char *app, const char *dev)
{
	pthread_mutex_lock(&j->mu);
	int rc = journal_add_locked(j, app, dev);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int journal_get(struct journal *j, const char *app, const char *dev, struct jdevice *out)
{
	pthread_mutex_lock(&j->mu);
	int rc = journal_get_locked(j, app, dev, out);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int journal_advance(struct journal *j, const char *app, const char *dev, enum jstate state,
		    const json_t *export)
{
	pthread_mutex_lock(&j->mu);
	int rc = journal_advance_locked(j, app, dev, state, export);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int journal_fail(struct journal *j, const char *app, const char *dev, const char *error)
{
	pthread_mutex_lock(&j->mu);
	int rc = journal_fail_locked(j, app, dev, error);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int journal_counts(struct journal *j, long counts[J_NSTATES], long *failed)
{
	pthread_mutex_lock(&j->mu);
	int rc = journal_counts_locked(j, counts, failed);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int journal_advance_frozen(struct journal *j, const char *app, const char *dev, enum jstate state,
			   const json_t *frozen_from)
{
	pthread_mutex_lock(&j->mu);
	int rc = journal_advance_frozen_locked(j, app, dev, state, frozen_from);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int journal_stop(struct journal *j, const char *app, const char *dev, enum jstate state,
		 const char *error)
{
	pthread_mutex_lock(&j->mu);
	int rc = journal_stop_locked(j, app, dev, state, error);
	pthread_mutex_unlock(&j->mu);
	return rc;
}
