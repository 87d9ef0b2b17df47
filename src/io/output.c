#include "io/output.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static bool stdout_was_closed;

void out_guard_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
		if (fd == 1)
			stdout_was_closed = true;
	}
}

int out_write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static int mkdir_p(char *path, mode_t mode)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int rc = mkdir(path, mode);
		*p = '/';
		if (rc < 0 && errno != EEXIST)
			return -1;
	}
	return mkdir(path, mode) < 0 && errno != EEXIST ? -1 : 0;
}

char *out_state_dir(char *err, size_t errlen)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char buf[4096];
	if (xdg && *xdg == '/')
		snprintf(buf, sizeof buf, "%s/ttn-lw-migrate", xdg);
	else if (home && *home)
		snprintf(buf, sizeof buf, "%s/.local/state/ttn-lw-migrate", home);
	else {
		snprintf(err, errlen, "neither XDG_STATE_HOME nor HOME is set");
		return NULL;
	}
	if (mkdir_p(buf, 0700) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", buf, strerror(errno));
		return NULL;
	}
	/* It will hold keys: a link could send them anywhere. */
	struct stat st;
	if (lstat(buf, &st) < 0) {
		snprintf(err, errlen, "%s: %s", buf, strerror(errno));
		return NULL;
	}
	if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is %s; refusing to keep keys there", buf,
			 S_ISLNK(st.st_mode) ? "a symbolic link" : "not a directory");
		return NULL;
	}
	if (st.st_uid == geteuid() && (st.st_mode & 077) && chmod(buf, 0700) < 0) {
		snprintf(err, errlen, "%s: cannot narrow its mode to 0700: %s", buf,
			 strerror(errno));
		return NULL;
	}
	return strdup(buf);
}

int out_open_private(const char *path, int flags, const char *what, char *err, size_t errlen)
{
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == ELOOP)
			snprintf(err, errlen,
				 "%s %s is a symbolic link; refusing to write keys through it",
				 what, path);
		else
			snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || (S_ISREG(st.st_mode) && (st.st_mode & 077) &&
				   st.st_uid == geteuid() && fchmod(fd, 0600) < 0)) {
		snprintf(err, errlen, "%s %s: cannot make it private (mode 0600): %s", what, path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int out_fsync_dir_of(const char *path)
{
	char *dup = strdup(path);
	if (!dup)
		return -1;
	char *slash = strrchr(dup, '/');
	if (slash)
		*(slash == dup ? slash + 1 : slash) = '\0';
	int fd = open(slash ? dup : ".", O_RDONLY | O_DIRECTORY);
	free(dup);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

static int open_backup(struct out_sink *o, bool always, char *err, size_t errlen)
{
	char why[512];
	char *dir = out_state_dir(why, sizeof why);
	if (!dir) {
		if (always)
			snprintf(err, errlen,
				 "no backup file can be made (%s); it is needed before any device "
				 "is deleted at the source",
				 why);
		else
			snprintf(err, errlen,
				 "standard output is not a file and no backup file can be made "
				 "(%s); use --output FILE or > FILE",
				 why);
		return -1;
	}
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	size_t n = strlen(dir) + 64;
	o->backup_path = malloc(n);
	if (!o->backup_path) {
		free(dir);
		return -1;
	}
	snprintf(o->backup_path, n, "%s/export-%s-%ld.jsonl", dir, stamp, (long)getpid());
	free(dir);
	o->backup_fd = out_open_private(o->backup_path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND,
					"backup file", why, sizeof why);
	if (o->backup_fd < 0) {
		snprintf(err, errlen, "cannot create the backup: %s", why);
		return -1;
	}
	if (out_fsync_dir_of(o->backup_path) < 0) {
		snprintf(err, errlen, "cannot create backup file %s: %s", o->backup_path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int out_open(struct out_sink *o, const char *path, enum out_backup backup, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	pthread_mutex_init(&o->mu, NULL);
	o->backup_fd = -1;
	/* A file size limit (or quota) is a failed write like a full disk, to
	 * be reported, not a signal that kills the run between two steps. */
	signal(SIGXFSZ, SIG_IGN);
	if (path) {
		/* An existing file keeps its mode through O_TRUNC: it is narrowed
		 * (still empty) before anything is written. */
		o->fd =
		    out_open_private(path, O_WRONLY | O_CREAT | O_TRUNC, "--output", err, errlen);
		if (o->fd < 0)
			return -1;
		o->own_fd = true;
		if (out_fsync_dir_of(path) < 0) {
			snprintf(err, errlen, "--output %s: %s", path, strerror(errno));
			return -1;
		}
		o->path = strdup(path);
	} else {
		o->fd = STDOUT_FILENO;
		o->path = strdup("stdout");
		if (stdout_was_closed) {
			snprintf(err, errlen, "stdout is closed");
			return -1;
		}
	}
	struct stat st;
	if (fstat(o->fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
		return -1;
	}
	o->durable = S_ISREG(st.st_mode);
	/* `> devices.json` made the file with the shell's umask (`>>` may add to
	 * an older one); it is about to hold keys. Narrow it when it is ours. */
	if (!path && o->durable && (st.st_mode & 077) && st.st_uid == geteuid() &&
	    fchmod(o->fd, 0600) < 0) {
		snprintf(err, errlen, "stdout: cannot make it private (mode 0600): %s",
			 strerror(errno));
		return -1;
	}
	if (backup == OUT_BACKUP_ALWAYS || (!o->durable && backup == OUT_BACKUP_IF_VOLATILE))
		return open_backup(o, backup == OUT_BACKUP_ALWAYS, err, errlen);
	return 0;
}

static int write_locked(struct out_sink *o, const char *line, char *err, size_t errlen);

static off_t file_size(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : -1;
}

/* A line that could not be written whole is taken back (a full disk leaves
 * a part of it otherwise): the file stays a list of whole lines. */
static void cut_back(int fd, off_t size)
{
	int saved = errno;
	if (size >= 0 && ftruncate(fd, size) == 0)
		(void)fsync(fd);
	errno = saved;
}

int out_write(struct out_sink *o, const char *line, char *err, size_t errlen)
{
	pthread_mutex_lock(&o->mu);
	int rc = write_locked(o, line, err, errlen);
	pthread_mutex_unlock(&o->mu);
	return rc;
}

static int write_locked(struct out_sink *o, const char *line, char *err, size_t errlen)
{
	size_t n = strlen(line);
	/* Backup first: if the main write fails, the line is still kept. */
	if (o->backup_fd >= 0) {
		off_t size = file_size(o->backup_fd);
		if (out_write_all(o->backup_fd, line, n) < 0 ||
		    out_write_all(o->backup_fd, "\n", 1) < 0 || fsync(o->backup_fd) < 0) {
			snprintf(err, errlen, "writing backup %s: %s", o->backup_path,
				 strerror(errno));
			cut_back(o->backup_fd, size);
			return -1;
		}
	}
	/* One write per line keeps lines whole on pipes (atomic up to PIPE_BUF)
	 * and in files. */
	char *buf = malloc(n + 1);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(buf, line, n);
	buf[n] = '\n';
	off_t size = o->durable ? file_size(o->fd) : -1;
	int rc = out_write_all(o->fd, buf, n + 1);
	memset(buf, 0, n + 1);
	free(buf);
	if (rc < 0 || (o->durable && !o->batch && fsync(o->fd) < 0)) {
		snprintf(err, errlen, "writing %s: %s", o->path, strerror(errno));
		cut_back(o->fd, size);
		return -1;
	}
	o->lines++;
	return 0;
}

int out_close(struct out_sink *o)
{
	int rc = 0;
	if (o->batch && o->durable && o->lines && fsync(o->fd) < 0)
		rc = -1;
	if (o->own_fd && o->fd >= 0)
		close(o->fd);
	if (o->backup_fd >= 0)
		close(o->backup_fd);
	free(o->backup_path);
	free(o->path);
	pthread_mutex_destroy(&o->mu);
	memset(o, 0, sizeof *o);
	o->fd = -1;
	o->backup_fd = -1;
	return rc;
}
