/*
 * What the files of src/journal share (journal.c, journal_gw.c); nothing
 * outside src/journal includes it.
 */
#ifndef TTNM_JOURNAL_JOURNAL_INT_H
#define TTNM_JOURNAL_JOURNAL_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

/* One connection, shared by the worker threads: every call holds mu, so
 * that statements (and the add_all transaction) never interleave. */
struct journal {
	sqlite3 *db;
	pthread_mutex_t mu;
	int lock_fd; /* the run lock (flock on PATH.lock), or -1 */
	bool broken; /* a write failed: see journal_broken */
	bool in_txn; /* a provisional transaction is open */
};

/* Runs one statement with text parameters (NULL → SQL NULL), mu held;
 * *changed (may be NULL) gets the rows it changed. 0 or -1. */
int jnl_exec(struct journal *j, const char *sql, int n, const char *const *params, int *changed);
/* Marks the journal broken (a write failed); returns -1. */
int jnl_broke(struct journal *j);
/* The current UTC time, RFC 3339 to the second. */
void jnl_now(char *buf, size_t n);
/* Prepares sql and calls row for each result row, under mu: rows are handed
 * out one at a time (memory does not grow with the journal; row's callback
 * must not call the journal). Stops at the first row returning -1. 0 or -1. */
int jnl_rows(struct journal *j, const char *sql, int (*row)(sqlite3_stmt *st, void *ud), void *ud);

#endif
