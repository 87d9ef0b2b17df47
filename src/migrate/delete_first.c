/*
 * The delete-first order (one deployment: the same EUIs cannot be
 * registered twice): export → checks → retire at the source → create →
 * verify, each step committed to the journal before the next remote action.
 */
#include <stdio.h>
#include <string.h>

#include "core/jsonpath.h"
#include "core/strbuf.h"
#include "migrate/migrate.h"

/* delete-first: export → checks → retire at the source → create → verify. */
int migrate_delete_first(struct migration *m, const char *app, const char *dev, enum jstate state,
			 json_t *export)
{
	char err[1024];
	json_t *ready = NULL, *answers = NULL;
	int rc = -1;
	while (state != J_VERIFIED) {
		if (migration_stopped(m))
			goto out;
		switch (state) {
		case J_PENDING: {
			struct src_err se = {0};
			json_decref(export);
			export = NULL;
			if (m->ops->export_device(m->src, app, dev, &export, &se) < 0) {
				migration_fail(m, app, dev, se.msg);
				goto out;
			}
			/* Durable before anything else happens to the device. */
			if (migration_move(m, app, dev, J_PENDING, J_EXPORTED,
					   &(struct jwrite){.export = export}, "the export") < 0)
				goto out;
			state = J_EXPORTED;
			break;
		}
		case J_EXPORTED: {
			/* Nothing is changed at the source for a device the
			 * destination would refuse, or whose id is taken there. */
			bool refused;
			json_decref(ready);
			if (migration_admit(m, app, dev, export, &ready, &refused, err,
					    sizeof err) < 0) {
				struct strbuf msg = STRBUF_INIT;
				strbuf_addf(&msg, "%s; the source was not changed", err);
				migration_fail(m, app, dev, msg.buf);
				strbuf_release(&msg);
				goto out;
			}
			struct src_err se = {0};
			if (m->ops->retire_device &&
			    m->ops->retire_device(m->src, app, dev, export, &se) < 0) {
				migration_fail(m, app, dev, se.msg);
				if (se.config)
					migration_stop(m, se.msg);
				goto out;
			}
			/* With the id the create will use: restore deletes by it. */
			if (migration_move(m, app, dev, J_EXPORTED, J_RETIRED,
					   &(struct jwrite){.dest_dev = json_string_value(
								jp_get(ready, "ids.device_id"))},
					   "the retirement at the source") < 0)
				goto out;
			state = J_RETIRED;
			break;
		}
		case J_RETIRED: {
			if (!ready && !(ready = migration_prepared(m, export, err, sizeof err))) {
				migration_fail(m, app, dev, err);
				goto out;
			}
			/* resume: the device may exist there from an interrupted
			 * attempt; it was checked absent before the source was
			 * changed, so it is ours. */
			json_decref(answers);
			answers = NULL;
			enum dest_fail df =
			    dest_create_answered(m->dest, ready, true, &answers, err, sizeof err);
			if (df != DEST_OK) {
				if (df == DEST_DENIED)
					migration_stop(m, err);
				struct strbuf msg = STRBUF_INIT;
				strbuf_addf(
				    &msg,
				    "%s; the device is kept in the journal ('ttn-lw-migrate "
				    "restore' puts it back at the source)",
				    err);
				migration_fail(m, app, dev, msg.buf);
				strbuf_release(&msg);
				goto out;
			}
			if (migration_move(m, app, dev, J_RETIRED, J_CREATED, NULL,
					   "the create at the destination") < 0)
				goto out;
			state = J_CREATED;
			break;
		}
		case J_CREATED: {
			if (!ready && !(ready = migration_prepared(m, export, err, sizeof err))) {
				migration_fail(m, app, dev, err);
				goto out;
			}
			int v = migration_verify(m, ready, answers, err, sizeof err);
			if (v != 0) {
				char msg[1100];
				snprintf(msg, sizeof msg, "verify: %s", err);
				migration_fail(m, app, dev, msg);
				goto out;
			}
			if (migration_move(m, app, dev, J_CREATED, J_VERIFIED, NULL,
					   "the verification") < 0)
				goto out;
			state = J_VERIFIED;
			migration_bump(m, &m->done);
			rc = 0;
			break;
		}
		default:
			migration_fail(m, app, dev,
				       "journal: a state of the create-first order in "
				       "a delete-first step");
			goto out;
		}
	}
out:
	json_decref(export);
	json_decref(ready);
	json_decref(answers);
	return rc;
}
