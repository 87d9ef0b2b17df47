/* `restore`: named journal devices put back at the source (migrate/restore.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/run.h"
#include "ui/log.h"
#include "ui/stop.h"

struct find_ctx {
	const char *app, *dev;
	struct jdevice found;
	int n;
};

static int find_cb(void *ud, const struct jdevice *d)
{
	struct find_ctx *f = ud;
	if (strcmp(d->src_dev, f->dev) != 0 || (f->app && strcmp(d->src_app, f->app) != 0))
		return 0;
	if (f->n++ == 0) {
		f->found = *d;
		f->found.src_app = strdup(d->src_app);
		f->found.src_dev = strdup(d->src_dev);
		f->found.error = d->error ? strdup(d->error) : NULL;
		f->found.dest_dev = d->dest_dev ? strdup(d->dest_dev) : NULL;
		f->found.export = json_incref(d->export);
		f->found.frozen_from = json_incref(d->frozen_from);
		f->found.restore = json_incref(d->restore);
		f->found.gateways = json_incref(d->gateways);
	}
	return 0;
}

static int restore_one(struct restore_ctx *rc, const char *item)
{
	char app_buf[64] = "";
	const char *slash = strchr(item, '/');
	struct find_ctx f = {.dev = slash ? slash + 1 : item};
	if (slash && (size_t)(slash - item) < sizeof app_buf) {
		memcpy(app_buf, item, (size_t)(slash - item));
		f.app = app_buf;
	}
	if (journal_each(rc->j, false, true, find_cb, &f) < 0) {
		log_error("device \"%s\": journal: cannot be read: %s", item,
			  journal_errmsg(rc->j));
		jdevice_free(&f.found);
		return -1;
	}
	int out = -1;
	if (f.n == 0)
		log_error("device \"%s\": not in the journal", item);
	else if (f.n > 1)
		log_error("device \"%s\": in several applications; write APP/DEVICE", item);
	else
		out = restore_device(rc, &f.found);
	jdevice_free(&f.found);
	return out;
}

int cmd_restore(const struct invocation *inv)
{
	char e[512];
	struct dest *dest = NULL;
	struct journal_run jr;
	int rc = journal_run_open(inv, &jr);
	if (rc != EXIT_OK)
		goto done;
	if (inv->nitems == 0 && jr.cfg.o.restore_gateways.n == 0) {
		log_error("restore: name the devices (or --gateway) to put back (see --help)");
		rc = EXIT_USAGE;
		goto done;
	}
	if (dest_open(&jr.cfg, "dest", NULL, &dest, e, sizeof e) < 0) {
		log_error("%s", e);
		rc = EXIT_USAGE;
		goto done;
	}
	/* Only against the run's own ends, before any request. */
	char *prefix = journal_meta_get(jr.j, "prefix");
	const char *given = jr.cfg.o.dev_id_prefix;
	int idrc = migration_identity(jr.j, &jr.cfg, jr.src_name, dest,
				      given		  ? given
				      : prefix && *prefix ? prefix
							  : NULL,
				      jr.cfg.o.force_identity, e, sizeof e);
	free(prefix);
	if (idrc < 0) {
		log_error("%s", e);
		rc = EXIT_FAILED;
		goto done;
	}
	struct restore_ctx ctx = {.j = jr.j,
				  .cfg = &jr.cfg,
				  .src_name = jr.src_name,
				  .ops = jr.ops,
				  .dest = dest,
				  .from_destination = jr.cfg.o.from_destination};
	for (size_t i = 0; i < inv->nitems && !g_interrupted; i++)
		if (restore_one(&ctx, inv->items[i]) < 0)
			rc = EXIT_FAILED;
	/* The gateways after the devices: a device put back at the source is
	 * heard there as soon as its gateway is. */
	if (jr.cfg.o.restore_gateways.n && !g_interrupted &&
	    restore_gateways(&jr.cfg, jr.j, jr.ops, &jr.cfg.o.restore_gateways) < 0)
		rc = EXIT_FAILED;
	if (journal_broken(jr.j))
		rc = EXIT_FAILED;
	if (g_interrupted)
		rc = EXIT_INTERRUPTED;
done:
	dest_close(dest);
	journal_run_close(&jr);
	return rc;
}
