/*
 * Where exported devices go, durably.
 *
 * The invariant the whole tool rests on: out_write() returns only after the
 * line is on stable storage (fsync) when it goes to a regular file, so a
 * caller may change the source after it returns. When the export goes to a
 * terminal or a pipe (which cannot be made durable) and the run will change
 * the source — and always when it deletes at the source, since the next run
 * of the same `> devices.json` command truncates the output — each line is
 * also appended to a backup file under $XDG_STATE_HOME/ttn-lw-migrate/
 * (default ~/.local/state/ttn-lw-migrate/), fsync'ed before out_write()
 * returns, and before the output itself is written.
 *
 * Files that hold keys are mode 0600 (narrowed when they already exist) and
 * never opened through a symbolic link.
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

/* When out_open() makes a backup file. */
enum out_backup {
	OUT_BACKUP_NONE = 0,	    /* nothing at any server depends on the output */
	OUT_BACKUP_IF_VOLATILE = 1, /* the source changes: when the output is not a file */
	OUT_BACKUP_ALWAYS = 2,	    /* the source deletes: whatever the output is */
};

/* path NULL means stdout. */
int out_open(struct out_sink *o, const char *path, enum out_backup backup, char *err,
	     size_t errlen);

/* Opens a file that will hold keys: flags | O_NOFOLLOW | O_CLOEXEC, mode
 * 0600 when created; refuses a symbolic link (one line in err naming what,
 * e.g. "--output"); a regular file of ours with group or other bits is
 * narrowed to 0600 before anything is written. Returns the fd or -1. */
int out_open_private(const char *path, int flags, const char *what, char *err, size_t errlen);

/* Writes all n bytes (retrying short writes and EINTR); 0 or -1 (errno). */
int out_write_all(int fd, const char *buf, size_t n);

/* fsyncs the directory holding path (a new file's name is durable then). */
int out_fsync_dir_of(const char *path);

/* Writes line and a newline, whole or not at all as far as the caller is
 * concerned: returns 0 once durable, -1 with err on any failure (EPIPE
 * included) — then the caller must not touch the source for this device. */
int out_write(struct out_sink *o, const char *line, char *err, size_t errlen);

/* Closes; with batch set, fsyncs once first. Returns -1 if that fails. */
int out_close(struct out_sink *o);

/* The directory for state files (backups, journals); created 0700, refused
 * when it is a symbolic link or not a directory, narrowed to 0700 if wider. */
char *out_state_dir(char *err, size_t errlen);

#endif
