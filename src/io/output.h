/*
 * Where exported devices go, durably.
 *
 * The invariant the whole tool rests on: out_write() returns only after the
 * line is on stable storage (fsync) when it goes to a regular file, so a
 * caller may change the source after it returns. When the export goes to a
 * terminal or a pipe (which cannot be made durable) and the run will change
 * the source, each line is also appended to a backup file under
 * $XDG_STATE_HOME/ttn-lw-migrate/ (default ~/.local/state/ttn-lw-migrate/),
 * fsync'ed before out_write() returns.
 *
 * Files that the tool creates are mode 0600: they hold keys.
 */
#ifndef TTNM_IO_OUTPUT_H
#define TTNM_IO_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include <pthread.h>

struct out_sink {
	pthread_mutex_t mu; /* one line at a time, from any thread */
	int fd;		    /* main output */
	bool own_fd;	    /* opened by us (--output) */
	bool durable;	    /* fd is a regular file: fsync after each line */
	bool batch;	    /* no fsync per line, one at close (nothing depends on it) */
	int backup_fd;	    /* -1 when there is no backup file */
	char *backup_path;
	char *path; /* for messages: "stdout" or the --output path */
	size_t lines;
};

/* Call first thing in main: a closed standard descriptor would be taken by
 * the next open() or socket() (the export would then go into a socket).
 * Closed ones are pointed at /dev/null and remembered, so that out_open()
 * refuses a closed stdout instead of writing into the void. */
void out_guard_std_fds(void);

/* path NULL means stdout. need_backup: the run will change the source, so
 * a non-durable output gets a backup file. */
int out_open(struct out_sink *o, const char *path, bool need_backup, char *err, size_t errlen);

/* Writes line and a newline, whole or not at all as far as the caller is
 * concerned: returns 0 once durable, -1 with err on any failure (EPIPE
 * included) — then the caller must not touch the source for this device. */
int out_write(struct out_sink *o, const char *line, char *err, size_t errlen);

/* Closes; with batch set, fsyncs once first. Returns -1 if that fails. */
int out_close(struct out_sink *o);

/* The directory for state files (backups, journals); created 0700. */
char *out_state_dir(char *err, size_t errlen);

#endif
