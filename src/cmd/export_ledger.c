#include "cmd/export_ledger.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "io/output.h"
#include "ui/log.h"

/* ---- this run's ledger -------------------------------------------------------- */

/* One JSON line, written whole and fsync'ed. */
static int append_line(int fd, json_t *rec)
{
	char *s = json_dumps(rec, JSON_COMPACT);
	if (!s)
		return -1;
	size_t n = strlen(s);
	char *buf = realloc(s, n + 2);
	if (!buf) {
		free(s);
		return -1;
	}
	buf[n] = '\n';
	int rc = 0;
	for (size_t off = 0; off < n + 1 && rc == 0;) {
		ssize_t w = write(fd, buf + off, n + 1 - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			rc = -1;
		else
			off += (size_t)w;
	}
	free(buf);
	return rc == 0 && fsync(fd) == 0 ? 0 : -1;
}

static json_t *devices_record(const char *key, const char *app, const char *const *devs, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_string(devs[i]));
	return json_pack("{s:s,s:o}", key, app, "devices", list);
}

int ledger_open(struct ledger *l, const char *backup_path, const char *source,
		const char *deployment, char *err, size_t errlen)
{
	memset(l, 0, sizeof *l);
	pthread_mutex_init(&l->mu, NULL);
	l->fd = -1;
	size_t n = strlen(backup_path);
	const char *ext = ".jsonl";
	if (n < strlen(ext) || strcmp(backup_path + n - strlen(ext), ext) != 0)
		return -1;
	l->path = malloc(n + 8);
	if (!l->path)
		return -1;
	snprintf(l->path, n + 8, "%.*s.state", (int)(n - strlen(ext)), backup_path);
	l->fd = out_open_private(l->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, "ledger", err,
				 errlen);
	if (l->fd < 0)
		return -1;
	const char *base = strrchr(backup_path, '/');
	json_t *head = json_pack("{s:i,s:s,s:s?,s:s}", "ledger", 1, "source", source, "deployment",
				 deployment, "backup", base ? base + 1 : backup_path);
	int rc = head ? append_line(l->fd, head) : -1;
	json_decref(head);
	if (rc < 0 || out_fsync_dir_of(l->path) < 0) {
		snprintf(err, errlen, "ledger %s: %s", l->path, strerror(errno));
		return -1;
	}
	return 0;
}

void ledger_close(struct ledger *l)
{
	if (!l->path && l->fd < 0)
		return; /* never opened */
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	pthread_mutex_destroy(&l->mu);
	memset(l, 0, sizeof *l);
	l->fd = -1;
}

static int record(struct ledger *l, const char *key, const char *app, const char *const *devs,
		  size_t n)
{
	json_t *rec = devices_record(key, app, devs, n);
	pthread_mutex_lock(&l->mu);
	int rc = l->failed || !rec ? -1 : append_line(l->fd, rec);
	if (rc < 0 && !l->failed) {
		l->failed = true;
		log_error("ledger %s: cannot be written (%s): no more devices are deleted", l->path,
			  strerror(errno));
	}
	pthread_mutex_unlock(&l->mu);
	json_decref(rec);
	return rc;
}

static int hook_deleting(void *ud, const char *app, const char *const *devs, size_t n)
{
	return record(ud, "deleting", app, devs, n);
}

/* A lost "deleted" record costs only a repeated (idempotent) delete later. */
static void hook_deleted(void *ud, const char *app, const char *const *devs, size_t n)
{
	(void)record(ud, "deleted", app, devs, n);
}

struct retire_hooks ledger_hooks(struct ledger *l)
{
	return (struct retire_hooks){.deleting = hook_deleting, .deleted = hook_deleted, .ud = l};
}

/* ---- earlier runs --------------------------------------------------------------- */

bool ledger_has(const struct strlist *list, const char *app, const char *dev)
{
	size_t a = strlen(app);
	for (size_t i = 0; i < list->n; i++) {
		const char *e = strlist_get(list, i);
		if (strncmp(e, app, a) == 0 && e[a] == '/' && strcmp(e + a + 1, dev) == 0)
			return true;
	}
	return false;
}

static void add_pair(struct strlist *l, const char *app, const char *dev)
{
	char buf[160];
	snprintf(buf, sizeof buf, "%s/%s", app, dev);
	strlist_add(l, buf);
}

/* Every JSON line of fd, in order (a line that does not parse, e.g. one
 * cut short by a kill, is skipped: it was never acted on). */
static json_t *read_lines(int fd)
{
	json_t *all = json_array();
	int d = dup(fd);
	FILE *fp = d >= 0 ? fdopen(d, "r") : NULL;
	if (!fp) {
		if (d >= 0)
			close(d);
		return all;
	}
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, fp) >= 0) {
		json_t *v = json_loads(line, 0, NULL);
		if (v)
			json_array_append_new(all, v);
	}
	if (line)
		memset(line, 0, cap); /* backups hold keys */
	free(line);
	fclose(fp);
	return all;
}

/* {app: {dev: export}} from a backup file, by the source's device id (an
 * export renamed by --dev-id-prefix keeps it in attributes.old-id). */
static json_t *index_backup(const char *path)
{
	char err[512];
	json_t *idx = json_object();
	int fd = out_open_private(path, O_RDONLY, "backup", err, sizeof err);
	if (fd < 0) {
		log_warn("%s", err);
		return idx;
	}
	json_t *lines = read_lines(fd);
	close(fd);
	size_t i;
	json_t *d;
	json_array_foreach(lines, i, d)
	{
		json_t *ids = json_object_get(d, "ids");
		const char *app = json_string_value(
		    json_object_get(json_object_get(ids, "application_ids"), "application_id"));
		const char *dev =
		    json_string_value(json_object_get(json_object_get(d, "attributes"), "old-id"));
		if (!dev)
			dev = json_string_value(json_object_get(ids, "device_id"));
		if (!app || !dev)
			continue;
		if (!json_object_get(idx, app))
			json_object_set_new(idx, app, json_object());
		json_object_set(json_object_get(idx, app), dev, d); /* the latest wins */
	}
	json_decref(lines);
	return idx;
}

/* One earlier ledger: completes what it left. */
static void recover_one(const struct source_ops *ops, struct source *src, const char *dir,
			const char *name, struct ledger_recovery *rec)
{
	char path[4096], err[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = out_open_private(path, O_RDWR | O_APPEND, "ledger", err, sizeof err);
	if (fd < 0) {
		log_warn("%s; skipped", err);
		return;
	}
	json_t *lines = read_lines(fd);
	json_t *head = json_array_get(lines, 0);
	const char *source = json_string_value(json_object_get(head, "source"));
	const char *deployment = json_string_value(json_object_get(head, "deployment"));
	const char *backup = json_string_value(json_object_get(head, "backup"));
	const char *here = ops->deployment ? ops->deployment(src) : NULL;
	char bpath[4096];
	if (!backup || strchr(backup, '/') || !json_integer_value(json_object_get(head, "ledger")))
		goto done;
	snprintf(bpath, sizeof bpath, "%s/%s", dir, backup);
	/* Ours either way: keys inside, so private (narrowed when opened). */
	int bfd = out_open_private(bpath, O_RDONLY, "backup", err, sizeof err);
	if (bfd >= 0)
		close(bfd);
	if (!source || strcmp(source, ops->name) || !deployment || !here ||
	    strcmp(deployment, here))
		goto done;
	/* pending[app][dev]: recorded as deleting, not (yet) as deleted. */
	json_t *pending = json_object();
	size_t i;
	json_t *r;
	json_array_foreach(lines, i, r)
	{
		const char *app = json_string_value(json_object_get(r, "deleting"));
		bool del = !app;
		if (del)
			app = json_string_value(json_object_get(r, "deleted"));
		json_t *devs = json_object_get(r, "devices");
		if (!app || !json_is_array(devs))
			continue;
		if (!json_object_get(pending, app))
			json_object_set_new(pending, app, json_object());
		json_t *set = json_object_get(pending, app);
		size_t k;
		json_t *dv;
		json_array_foreach(devs, k, dv)
		{
			if (!json_is_string(dv))
				continue;
			if (del)
				json_object_del(set, json_string_value(dv));
			else
				json_object_set_new(set, json_string_value(dv), json_true());
		}
	}
	const char *app;
	json_t *set, *idx = NULL;
	size_t completed = 0;
	json_object_foreach(pending, app, set)
	{
		size_t n = json_object_size(set), m = 0;
		if (!n)
			continue;
		if (!idx)
			idx = index_backup(bpath);
		const char **devs = calloc(n, sizeof(const char *));
		const json_t **exp = calloc(n, sizeof(const json_t *));
		bool *ok = calloc(n, sizeof(bool));
		if (!devs || !exp || !ok) {
			free(devs);
			free(exp);
			free(ok);
			log_error("out of memory completing earlier deletes");
			continue;
		}
		const char *dev;
		json_t *v;
		json_object_foreach(set, dev, v)
		{
			const json_t *e = json_object_get(json_object_get(idx, app), dev);
			if (!e) {
				/* Never delete what is not saved. */
				log_error(
				    "device \"%s\": an earlier run began deleting it, but its "
				    "export is not in %s; it is not touched",
				    dev, bpath);
				add_pair(&rec->left, app, dev);
				continue;
			}
			devs[m] = dev;
			exp[m++] = e;
		}
		if (m)
			ops->complete_deletes(src, app, devs, (const json_t *const *)exp, m, ok);
		for (size_t k = 0; k < m; k++) {
			if (!ok[k]) {
				add_pair(&rec->left, app, devs[k]);
				continue;
			}
			add_pair(&rec->done, app, devs[k]);
			completed++;
			json_t *d = devices_record("deleted", app, &devs[k], 1);
			if (!d || append_line(fd, d) < 0)
				log_warn("ledger %s: cannot record a completed delete (%s)", path,
					 strerror(errno));
			json_decref(d);
		}
		free(devs);
		free(exp);
		free(ok);
	}
	if (completed)
		log_info("completed the delete at the source of %zu devices that an earlier run "
			 "had begun; their exports are in %s",
			 completed, bpath);
	json_decref(idx);
	json_decref(pending);
done:
	json_decref(lines);
	close(fd);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ledger_recover(const struct source_ops *ops, struct source *src, const char *current,
		   struct ledger_recovery *rec)
{
	char err[512];
	memset(rec, 0, sizeof *rec);
	if (!ops->complete_deletes)
		return 0;
	char *dir = out_state_dir(err, sizeof err);
	if (!dir) {
		log_error("%s", err);
		return -1;
	}
	DIR *d = opendir(dir);
	if (!d) {
		log_error("%s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	const char *cur = current ? strrchr(current, '/') : NULL;
	cur = cur ? cur + 1 : current;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (strncmp(de->d_name, "export-", 7) || len < 6 ||
		    strcmp(de->d_name + len - 6, ".state") || (cur && !strcmp(de->d_name, cur)))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **grown = realloc(names, cap * sizeof *names);
			if (!grown)
				break;
			names = grown;
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		if (names[i])
			recover_one(ops, src, dir, names[i], rec);
		free(names[i]);
	}
	free(names);
	free(dir);
	return 0;
}

void ledger_recovery_free(struct ledger_recovery *rec)
{
	strlist_free(&rec->done);
	strlist_free(&rec->left);
	memset(rec, 0, sizeof *rec);
}
