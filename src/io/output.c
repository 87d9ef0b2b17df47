#include "io/output.h"

#include <errno.h>
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

static int write_all(int fd, const char *buf, size_t n)
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
	return strdup(buf);
}

static int fsync_dir_of(const char *path)
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

static int open_backup(struct out_sink *o, char *err, size_t errlen)
{
	char why[512];
	char *dir = out_state_dir(why, sizeof why);
	if (!dir) {
		snprintf(err, errlen,
			 "standard output is not a file and no backup file can be made (%s); "
			 "use --output FILE or > FILE",
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
	o->backup_fd =
	    open(o->backup_path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (o->backup_fd < 0 || fsync_dir_of(o->backup_path) < 0) {
		snprintf(err, errlen, "cannot create backup file %s: %s", o->backup_path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int out_open(struct out_sink *o, const char *path, bool need_backup, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	pthread_mutex_init(&o->mu, NULL);
	o->backup_fd = -1;
	if (path) {
		o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (o->fd < 0) {
			snprintf(err, errlen, "--output %s: %s", path, strerror(errno));
			return -1;
		}
		o->own_fd = true;
		/* An existing file keeps its mode through O_TRUNC: narrow it. */
		if (fchmod(o->fd, 0600) < 0 || fsync_dir_of(path) < 0) {
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
	/* `> devices.json` made the file with the shell's umask; it is about to
	 * hold keys. Narrow it when it is ours and still empty. */
	if (!path && o->durable && st.st_size == 0 && st.st_uid == geteuid())
		(void)fchmod(o->fd, 0600);
	if (!o->durable && need_backup)
		return open_backup(o, err, errlen);
	return 0;
}

static int write_locked(struct out_sink *o, const char *line, char *err, size_t errlen);

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
		if (write_all(o->backup_fd, line, n) < 0 || write_all(o->backup_fd, "\n", 1) < 0 ||
		    fsync(o->backup_fd) < 0) {
			snprintf(err, errlen, "writing backup %s: %s", o->backup_path,
				 strerror(errno));
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
	int rc = write_all(o->fd, buf, n + 1);
	memset(buf, 0, n + 1);
	free(buf);
	if (rc < 0 || (o->durable && !o->batch && fsync(o->fd) < 0)) {
		snprintf(err, errlen, "writing %s: %s", o->path, strerror(errno));
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
