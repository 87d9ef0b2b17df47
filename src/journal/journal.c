#include "journal/journal.h"
#include "journal/journal_int.h"

#include "ui/log.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const state_names[J_NSTATES] = {
    "pending",	"exported",  "retired",	    "created", "verified", "restored",
    "freezing", "frozen",    "creating",    "copied",  "retiring", "refusing",
    "refused",	"restoring", "reinstating", "held"};

const char *jstate_name(enum jstate s)
{
	return s < J_NSTATES ? state_names[s] : "?";
}

bool jstate_create_first(enum jstate s)
{
	return (s >= J_FREEZING && s <= J_REFUSED) || s == J_HELD;
}

int jstate_parse(const char *name)
{
	for (int i = 0; i < J_NSTATES; i++)
		if (name && strcmp(name, state_names[i]) == 0)
			return i;
	return -1;
}

/* An unknown name reads as J_NSTATES: no step acts on it (journal check
 * names it). */
static enum jstate state_of(const char *name)
{
	int s = jstate_parse(name);
	return s < 0 ? J_NSTATES : (enum jstate)s;
}

/* The busy timeout comes first: setting the journal mode may have to wait
 * for another connection (status, a sqlite3 shell) to let go. */
static const char schema[] = "PRAGMA busy_timeout=5000;"
			     "PRAGMA journal_mode=WAL;"
			     "PRAGMA synchronous=FULL;"
			     "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
			     "CREATE TABLE IF NOT EXISTS devices ("
			     " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
			     " src_app TEXT NOT NULL, src_dev TEXT NOT NULL,"
			     " state TEXT NOT NULL DEFAULT 'pending',"
			     " error TEXT, export TEXT, attempts INTEGER NOT NULL DEFAULT 0,"
			     " updated_at TEXT, frozen_from TEXT, restore TEXT, dest_dev TEXT,"
			     " kind TEXT NOT NULL DEFAULT 'device',"
			     " UNIQUE (src_app, src_dev));"
			     "CREATE TABLE IF NOT EXISTS applications ("
			     " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
			     " app_id TEXT NOT NULL UNIQUE,"
			     " listed INTEGER NOT NULL DEFAULT 0);"
			     "CREATE TABLE IF NOT EXISTS gateways ("
			     " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
			     " gateway_id TEXT NOT NULL UNIQUE,"
			     " state TEXT NOT NULL DEFAULT 'planned',"
			     " protocol TEXT, record TEXT, since TEXT, error TEXT,"
			     " attempts INTEGER NOT NULL DEFAULT 0, updated_at TEXT,"
			     " created INTEGER NOT NULL DEFAULT 0);";

/* Journals written before the create-first order lack frozen_from, those
 * before the journaled restore restore and dest_dev, those before schema 1
 * kind, those before schema 2 gateways. Checked on every open, whatever the schema version says: a
 * column is only ever added. */
static int add_missing_columns(sqlite3 *db)
{
	static const char *const cols[] = {"frozen_from", "restore", "dest_dev", "kind",
					   "gateways"};
	static const char *const types[] = {"TEXT", "TEXT", "TEXT",
					    "TEXT NOT NULL DEFAULT 'device'", "TEXT"};
	enum { NCOLS = sizeof cols / sizeof *cols };
	bool has[NCOLS] = {false};
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA table_info(devices)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		for (int i = 0; i < NCOLS; i++)
			has[i] |= strcmp((const char *)sqlite3_column_text(st, 1), cols[i]) == 0;
	sqlite3_finalize(st);
	for (int i = 0; i < NCOLS; i++) {
		char sql[128];
		snprintf(sql, sizeof sql, "ALTER TABLE devices ADD COLUMN %s %s", cols[i],
			 types[i]);
		if (!has[i] && sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return -1;
	}
	return 0;
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Schema 0 kept the applications as one comma-joined meta value
 * ("applications"; application ids have no commas) and a "listed:APP" key
 * per complete listing; schema 1 has them as rows, in the same order. */
static int move_app_list(sqlite3 *db)
{
	sqlite3_stmt *get, *put;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'applications'", -1, &get,
			       NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db,
			       "INSERT OR IGNORE INTO applications(app_id, listed) VALUES(?1, "
			       "EXISTS(SELECT 1 FROM meta WHERE key = 'listed:' || ?1))",
			       -1, &put, NULL) != SQLITE_OK) {
		sqlite3_finalize(get);
		return -1;
	}
	int rc = 0;
	if (sqlite3_step(get) == SQLITE_ROW && sqlite3_column_text(get, 0)) {
		char *apps = strdup((const char *)sqlite3_column_text(get, 0));
		if (!apps)
			rc = -1;
		for (char *save = NULL, *t = apps ? strtok_r(apps, ",", &save) : NULL; t && rc == 0;
		     t = strtok_r(NULL, ",", &save)) {
			sqlite3_bind_text(put, 1, t, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(put) != SQLITE_DONE)
				rc = -1;
			sqlite3_reset(put);
		}
		free(apps);
	}
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	if (rc == 0 && sqlite3_exec(db,
				    "DELETE FROM meta WHERE key = 'applications' OR "
				    "substr(key, 1, 7) = 'listed:'",
				    NULL, NULL, NULL) != SQLITE_OK)
		rc = -1;
	return rc;
}

/* A journal of a newer schema is refused before anything is written to it:
 * this version would not know what its rows mean. */
static int check_version(sqlite3 *db, char *why, size_t whylen)
{
	int v = user_version(db);
	if (v > JOURNAL_SCHEMA) {
		snprintf(why, whylen,
			 "written by a newer version of the tool (schema %d; this one knows up "
			 "to %d)",
			 v, JOURNAL_SCHEMA);
		return -1;
	}
	return v < 0 ? -1 : 0;
}

/*
 * Brings a journal to this version's schema (PRAGMA user_version): 0 is
 * every journal before the version number (items untyped, the applications
 * in meta), JOURNAL_SCHEMA this one. One transaction: a kill leaves the
 * journal as it was.
 */
static int migrate_schema(sqlite3 *db)
{
	int v = user_version(db);
	if (v < 0)
		return -1;
	if (v >= JOURNAL_SCHEMA)
		return 0;
	char set[64];
	snprintf(set, sizeof set, "PRAGMA user_version = %d", JOURNAL_SCHEMA);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (move_app_list(db) < 0 || sqlite3_exec(db, set, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* The run lock. flock (not SQLite's fcntl locks, which it manages itself)
 * on a sidecar file, so that it covers the whole run, the moments without a
 * transaction included; the kernel drops it when the process ends, kill -9
 * included. The file keeps the holder's pid for the refusal's message. */
static int take_lock(const char *path, int *fd_out, char *err, size_t errlen)
{
	size_t n = strlen(path) + 6;
	char *lp = malloc(n);
	if (!lp)
		return -1;
	snprintf(lp, n, "%s.lock", path);
	int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "journal %s: cannot create its lock file %s: %s", path, lp,
			 strerror(errno));
		free(lp);
		return -1;
	}
	free(lp);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		char pid[32] = "";
		ssize_t r = e == EWOULDBLOCK ? pread(fd, pid, sizeof pid - 1, 0) : -1;
		if (r > 0)
			pid[strcspn(pid, "\r\n")] = '\0';
		if (e == EWOULDBLOCK)
			snprintf(err, errlen,
				 "journal %s is in use by another ttn-lw-migrate run (process %s); "
				 "nothing was done: wait for it to end",
				 path, pid[0] ? pid : "unknown");
		else
			snprintf(err, errlen, "journal %s: cannot lock it: %s", path, strerror(e));
		close(fd);
		return -1;
	}
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len) {
		snprintf(err, errlen, "journal %s: cannot write its lock file: %s", path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	*fd_out = fd;
	return 0;
}

/* SQLite's quick_check: a damaged file (truncated, overwritten) is refused
 * before anything is read from it, let alone sent anywhere. */
static int check_intact(sqlite3 *db, char *why, size_t whylen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK) {
		snprintf(why, whylen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	int rc = sqlite3_step(st);
	const char *first = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	int out = 0;
	if (rc != SQLITE_ROW) {
		snprintf(why, whylen, "%s", sqlite3_errmsg(db));
		out = -1;
	} else if (!first || strcmp(first, "ok") != 0) {
		snprintf(why, whylen, "%.200s", first ? first : "?");
		out = -1;
	}
	sqlite3_finalize(st);
	return out;
}

/* A journal holds keys: a regular file, mode 0600. A wider file an earlier
 * run (or the user) made is narrowed before anything is written to it. */
static int narrow_to_private(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "journal %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "journal %s: not a regular file; refused", path);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		if (fchmod(fd, 0600) < 0) {
			snprintf(err, errlen, "journal %s: mode %03o and cannot be made 0600: %s",
				 path, (unsigned)(st.st_mode & 0777), strerror(errno));
			return -1;
		}
		log_warn("journal %s: was mode %03o; made 0600 (it holds keys)", path,
			 (unsigned)(st.st_mode & 0777));
	}
	return 0;
}

int journal_open(const char *path, bool lock, struct journal **out, char *err, size_t errlen)
{
	int lock_fd = -1;
	if (lock && take_lock(path, &lock_fd, err, errlen) < 0)
		return -1;
	/* Create the file ourselves so that it is 0600 from the first byte;
	 * SQLite gives its -wal and -shm files the database file's mode. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || narrow_to_private(fd, path, err, errlen) < 0) {
		if (fd < 0)
			snprintf(err, errlen, "journal %s: %s", path,
				 errno == ELOOP
				     ? "is a symbolic link; refused (a journal holds keys: "
				       "give the real path)"
				     : strerror(errno));
		else
			close(fd);
		if (lock_fd >= 0)
			close(lock_fd);
		return -1;
	}
	close(fd);
	/* SQLite's own side files, when an earlier run left them. */
	static const char *const sides[] = {"-wal", "-shm"};
	for (size_t k = 0; k < sizeof sides / sizeof *sides; k++) {
		const char *suffix = sides[k];
		char side[4096];
		snprintf(side, sizeof side, "%s%s", path, suffix);
		int sfd = open(side, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (sfd < 0 && errno == ELOOP) {
			snprintf(err, errlen, "journal %s: %s is a symbolic link; refused", path,
				 side);
			if (lock_fd >= 0)
				close(lock_fd);
			return -1;
		}
		if (sfd >= 0) {
			int rc = narrow_to_private(sfd, side, err, errlen);
			close(sfd);
			if (rc < 0) {
				if (lock_fd >= 0)
					close(lock_fd);
				return -1;
			}
		}
	}
	struct journal *j = calloc(1, sizeof *j);
	if (!j) {
		if (lock_fd >= 0)
			close(lock_fd);
		return -1;
	}
	j->lock_fd = lock_fd;
	pthread_mutex_init(&j->mu, NULL);
	char why[256] = "";
	if (sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) !=
	    SQLITE_OK) {
		snprintf(why, sizeof why, "%s", j->db ? sqlite3_errmsg(j->db) : "cannot open");
	} else if (sqlite3_exec(j->db, "PRAGMA busy_timeout=5000", NULL, NULL, NULL) != SQLITE_OK ||
		   check_intact(j->db, why, sizeof why) < 0) {
		char w[256];
		snprintf(w, sizeof w, "%s", why[0] ? why : sqlite3_errmsg(j->db));
		snprintf(why, sizeof why, "damaged or not a journal (%.200s)", w);
	} else if (check_version(j->db, why, sizeof why) < 0 ||
		   sqlite3_exec(j->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
		   add_missing_columns(j->db) < 0 || migrate_schema(j->db) < 0) {
		if (!why[0])
			snprintf(why, sizeof why, "%s", sqlite3_errmsg(j->db));
	}
	if (why[0]) {
		snprintf(err, errlen, "journal %s: %s; nothing was done", path, why);
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
	if (j->in_txn)
		sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(j->db);
	pthread_mutex_destroy(&j->mu);
	if (j->lock_fd >= 0)
		close(j->lock_fd); /* releases the run lock */
	free(j);
}

/* Marks the journal broken after a failed write (under mu). */
static int broke(struct journal *j)
{
	j->broken = true;
	return -1;
}

int jnl_broke(struct journal *j)
{
	return broke(j);
}

bool journal_broken(struct journal *j)
{
	pthread_mutex_lock(&j->mu);
	bool b = j->broken;
	pthread_mutex_unlock(&j->mu);
	return b;
}

int journal_provisional_begin(struct journal *j)
{
	pthread_mutex_lock(&j->mu);
	int rc = -1;
	if (!j->in_txn && sqlite3_exec(j->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) {
		j->in_txn = true;
		rc = 0;
	}
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int journal_provisional_end(struct journal *j, bool keep)
{
	pthread_mutex_lock(&j->mu);
	int rc = 0;
	if (j->in_txn) {
		rc =
		    sqlite3_exec(j->db, keep ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK
			? 0
			: -1;
		if (rc < 0 && keep) {
			sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
			broke(j);
		}
		j->in_txn = false;
	}
	pthread_mutex_unlock(&j->mu);
	return rc;
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

/* Runs one statement with text parameters (NULL → SQL NULL); *changed gets
 * the number of rows it changed. */
static int exec_text_n(struct journal *j, const char *sql, int n, const char *const *params,
		       int *changed)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (int i = 0; i < n; i++)
		sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (changed)
		*changed = sqlite3_changes(j->db);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int exec_text(struct journal *j, const char *sql, int n, const char *const *params)
{
	return exec_text_n(j, sql, n, params, NULL);
}

int jnl_exec(struct journal *j, const char *sql, int n, const char *const *params, int *changed)
{
	return exec_text_n(j, sql, n, params, changed);
}

void jnl_now(char *buf, size_t n)
{
	now(buf, n);
}

static int journal_meta_set_locked(struct journal *j, const char *key, const char *value)
{
	const char *p[] = {key, value};
	if (exec_text(j,
		      "INSERT INTO meta(key, value) VALUES(?1, ?2) "
		      "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		      2, p) < 0)
		return broke(j);
	return 0;
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

/* A savepoint, not BEGIN: it nests inside a provisional transaction. */
static int journal_add_all_locked(struct journal *j, const char *app, const struct strlist *ids)
{
	if (sqlite3_exec(j->db, "SAVEPOINT add_all", NULL, NULL, NULL) != SQLITE_OK)
		return broke(j);
	for (size_t i = 0; i < ids->n; i++) {
		if (journal_add_locked(j, app, strlist_get(ids, i)) < 0) {
			sqlite3_exec(j->db, "ROLLBACK TO add_all; RELEASE add_all", NULL, NULL,
				     NULL);
			return broke(j);
		}
	}
	return sqlite3_exec(j->db, "RELEASE add_all", NULL, NULL, NULL) == SQLITE_OK ? 0 : broke(j);
}

static char *column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? strdup((const char *)t) : NULL;
}

static json_t *column_json(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? json_loads((const char *)t, 0, NULL) : NULL;
}

static void fill(sqlite3_stmt *st, struct jdevice *d, bool with_export)
{
	memset(d, 0, sizeof *d);
	d->src_app = column_dup(st, 0);
	d->src_dev = column_dup(st, 1);
	d->state = state_of((const char *)sqlite3_column_text(st, 2));
	d->error = column_dup(st, 3);
	if (with_export) {
		d->export = column_json(st, 4);
		d->restore = column_json(st, 7);
	}
	d->attempts = (long)sqlite3_column_int64(st, 5);
	d->frozen_from = column_json(st, 6);
	d->dest_dev = column_dup(st, 8);
	d->gateways = column_json(st, 9);
}

void jdevice_free(struct jdevice *d)
{
	free(d->src_app);
	free(d->src_dev);
	free(d->error);
	free(d->dest_dev);
	json_decref(d->export);
	json_decref(d->frozen_from);
	json_decref(d->restore);
	json_decref(d->gateways);
	memset(d, 0, sizeof *d);
}

#define DEVICE_COLUMNS                                                                             \
	"src_app, src_dev, state, error, export, attempts, frozen_from, restore, dest_dev, "       \
	"gateways"

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

/* Compact JSON of v, or NULL (then the column is kept). */
static char *dump(const json_t *v)
{
	return v ? json_dumps(v, JSON_COMPACT) : NULL;
}

/* Wipes and frees a dump: exports hold keys. */
static void wipe(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

static int journal_move_locked(struct journal *j, const char *app, const char *dev,
			       enum jstate from, enum jstate to, const struct jwrite *w)
{
	static const struct jwrite none = {0};
	if (!w)
		w = &none;
	char ts[32];
	now(ts, sizeof ts);
	char *ex = dump(w->export), *ff = dump(w->frozen_from), *rs = dump(w->restore);
	char *gw = dump(w->gateways);
	const char *p[] = {app,
			   dev,
			   jstate_name(from),
			   jstate_name(to),
			   ex,
			   ff,
			   rs,
			   w->dest_dev,
			   w->error,
			   gw,
			   w->attempt ? "1" : "0",
			   ts};
	int changed = 0;
	/* The device and the gateways it waits for: one transaction (a
	 * savepoint: it nests inside a provisional one). */
	bool txn = w->gateways != NULL;
	int rc =
	    !txn || sqlite3_exec(j->db, "SAVEPOINT move", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
	if (rc == 0)
		rc = exec_text_n(
		    j,
		    "UPDATE devices SET state = ?4, export = COALESCE(?5, export), "
		    "frozen_from = COALESCE(?6, frozen_from), "
		    "restore = COALESCE(?7, restore), dest_dev = COALESCE(?8, dest_dev), "
		    "error = ?9, gateways = COALESCE(?10, gateways), "
		    "attempts = attempts + CAST(?11 AS INTEGER), updated_at = ?12 "
		    "WHERE src_app = ?1 AND src_dev = ?2 AND state = ?3",
		    12, p, &changed);
	size_t i;
	json_t *g;
	json_array_foreach(w->gateways, i, g)
	{
		const char *q[] = {json_string_value(g), ts};
		if (rc == 0 && changed == 1 && q[0])
			rc = exec_text(j,
				       "INSERT OR IGNORE INTO gateways(gateway_id, updated_at) "
				       "VALUES(?1, ?2)",
				       2, q);
	}
	wipe(ex);
	wipe(ff);
	wipe(rs);
	free(gw);
	if (!txn) {
		if (rc < 0)
			return broke(j);
	} else if (rc < 0 || sqlite3_exec(j->db, "RELEASE move", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(j->db, "ROLLBACK TO move; RELEASE move", NULL, NULL, NULL);
		return broke(j);
	}
	return changed == 1 ? 0 : JOURNAL_CONFLICT;
}

static int journal_fail_locked(struct journal *j, const char *app, const char *dev,
			       const char *error)
{
	char ts[32];
	now(ts, sizeof ts);
	const char *p[] = {app, dev, error, ts};
	int changed = 0;
	if (exec_text_n(j,
			"UPDATE devices SET error = ?3, attempts = attempts + 1, updated_at = ?4 "
			"WHERE src_app = ?1 AND src_dev = ?2",
			4, p, &changed) < 0)
		return broke(j);
	return changed == 1 ? 0 : JOURNAL_CONFLICT;
}

int jnl_rows(struct journal *j, const char *sql, int (*row)(sqlite3_stmt *st, void *ud), void *ud)
{
	sqlite3_stmt *st;
	pthread_mutex_lock(&j->mu);
	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK) {
		pthread_mutex_unlock(&j->mu);
		return -1;
	}
	int rc, out = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (row(st, ud) < 0) {
			out = -1;
			break;
		}
	if (out == 0 && rc != SQLITE_DONE)
		out = -1;
	sqlite3_finalize(st);
	pthread_mutex_unlock(&j->mu);
	return out;
}

struct each {
	bool with_export;
	journal_cb cb;
	void *ud;
};

static int each_row(sqlite3_stmt *st, void *ud)
{
	struct each *e = ud;
	struct jdevice d;
	fill(st, &d, e->with_export);
	int rc = e->cb(e->ud, &d);
	jdevice_free(&d);
	return rc < 0 ? -1 : 0;
}

int journal_each(struct journal *j, bool unfinished_only, bool with_export, journal_cb cb, void *ud)
{
	const char *sql = unfinished_only ? "SELECT " DEVICE_COLUMNS " FROM devices WHERE state "
					    "NOT IN ('verified', 'restored') ORDER BY seq"
					  : "SELECT " DEVICE_COLUMNS " FROM devices ORDER BY seq";
	struct each e = {with_export, cb, ud};
	return jnl_rows(j, sql, each_row, &e);
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
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		enum jstate s = state_of((const char *)sqlite3_column_text(st, 0));
		/* an unknown state counts as an error (journal check names it) */
		if (s < J_NSTATES)
			counts[s] = (long)sqlite3_column_int64(st, 1);
		else
			*failed += (long)sqlite3_column_int64(st, 1);
		*failed += (long)sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* What a row in each state must hold (see journal.h's state machine). */
static const char *row_problem(enum jstate s, bool known, bool has_export, bool has_frozen,
			       bool has_restore, bool has_dest, bool has_error, bool one_deployment)
{
	if (!known)
		return "unknown state: no step of this version acts on it";
	switch (s) {
	case J_EXPORTED:
	case J_RETIRED:
	case J_CREATED:
	case J_CREATING:
	case J_COPIED:
	case J_RETIRING:
	case J_HELD:
	case J_VERIFIED:
		if (!has_export)
			return "no export in the journal: the step that reached this state writes "
			       "it first";
		break;
	case J_RESTORING:
	case J_REINSTATING:
		if (!has_restore)
			return "a restore without what goes back to the source";
		break;
	case J_REFUSING:
	case J_REFUSED:
		if (!has_error)
			return "refused without the reason";
		break;
	default:
		break;
	}
	if (jstate_create_first(s) && !has_frozen)
		return "a create-first state without the saved source setting (the value that "
		       "unfreezes it)";
	if (jstate_create_first(s) && one_deployment)
		return "a create-first state in a one-deployment (delete-first) journal";
	(void)has_dest;
	return NULL;
}

long journal_check(struct journal *j, journal_check_cb cb, void *ud)
{
	char *order = journal_meta_get(j, "order");
	bool one = order && strcmp(order, "delete-first") == 0;
	free(order);
	sqlite3_stmt *st;
	pthread_mutex_lock(&j->mu);
	if (sqlite3_prepare_v2(
		j->db,
		"SELECT src_app, src_dev, state, export IS NOT NULL, "
		"frozen_from IS NOT NULL, restore IS NOT NULL, dest_dev IS NOT NULL, "
		"error IS NOT NULL, json_valid(COALESCE(export, '{}')), "
		"json_valid(COALESCE(frozen_from, '{}')) FROM devices ORDER BY seq",
		-1, &st, NULL) != SQLITE_OK) {
		pthread_mutex_unlock(&j->mu);
		return -1;
	}
	long bad = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *app = (const char *)sqlite3_column_text(st, 0);
		const char *dev = (const char *)sqlite3_column_text(st, 1);
		const char *name = (const char *)sqlite3_column_text(st, 2);
		int s = jstate_parse(name);
		const char *why = row_problem(s < 0 ? J_PENDING : (enum jstate)s, s >= 0,
					      sqlite3_column_int(st, 3), sqlite3_column_int(st, 4),
					      sqlite3_column_int(st, 5), sqlite3_column_int(st, 6),
					      sqlite3_column_int(st, 7), one);
		if (!why && (!sqlite3_column_int(st, 8) || !sqlite3_column_int(st, 9)))
			why = "the export or the saved source setting is not valid JSON";
		if (why) {
			bad++;
			cb(ud, app ? app : "?", dev ? dev : "?", name ? name : "(none)", why);
		}
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&j->mu);
	return rc == SQLITE_DONE ? bad : -1;
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

int journal_app_add(struct journal *j, const char *app)
{
	pthread_mutex_lock(&j->mu);
	const char *p[] = {app};
	int rc = exec_text(j, "INSERT OR IGNORE INTO applications(app_id) VALUES(?1)", 1, p);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int journal_app_listed(struct journal *j, const char *app)
{
	pthread_mutex_lock(&j->mu);
	const char *p[] = {app};
	int rc = exec_text(j,
			   "INSERT INTO applications(app_id, listed) VALUES(?1, 1) "
			   "ON CONFLICT(app_id) DO UPDATE SET listed = 1",
			   1, p);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int journal_apps(struct journal *j, bool unlisted_only, struct strlist *out)
{
	sqlite3_stmt *st;
	int rc = 0;
	pthread_mutex_lock(&j->mu);
	if (sqlite3_prepare_v2(j->db,
			       unlisted_only
				   ? "SELECT app_id FROM applications WHERE listed = 0 ORDER BY seq"
				   : "SELECT app_id FROM applications ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK) {
		pthread_mutex_unlock(&j->mu);
		return -1;
	}
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if (strlist_add(out, (const char *)sqlite3_column_text(st, 0)) < 0)
			rc = -1;
	if (step != SQLITE_DONE)
		rc = -1;
	sqlite3_finalize(st);
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
	int rc = journal_add_locked(j, app, dev) < 0 ? broke(j) : 0;
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

int journal_move(struct journal *j, const char *app, const char *dev, enum jstate from,
		 enum jstate to, const struct jwrite *w)
{
	pthread_mutex_lock(&j->mu);
	int rc = journal_move_locked(j, app, dev, from, to, w);
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
