/*
 * The create-first order (two deployments), and its restore.
 *
 *   pending   read the source's setting that a freeze changes (read-only)
 *   freezing  that setting is in the journal; freeze (idempotent)
 *   frozen    the source sends the device nothing; export (the downlink
 *             counters are final), checks, destination lookup
 *   creating  the export is in the journal; dest_create (on resume: a device
 *             under the id is ours, a create may have been sent)
 *   copied    at the destination; dest_verify
 *   retiring  verified; delete at the source (--keep-source: stays frozen,
 *             straight to verified)
 *   verified  done
 *   refusing  the destination or the checks refused (error says why);
 *             unfreeze the source
 *   refused   unfrozen: the device works where it was (the next run starts
 *             it over)
 *
 * While a device is frozen, only the destination can send it anything, so
 * two network servers never command it; before `copied` no destination copy
 * can have answered it, and the source copy is not deleted before `retiring`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/migrate.h"
#include "core/jsonpath.h"
#include "ui/log.h"

void migration_thaw(json_t *dev, const json_t *saved, bool frozen)
{
	const json_t *vals = json_object_get(saved, frozen ? "frozen" : "device");
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(saved, "paths"), i, p)
	{
		const char *path = json_string_value(p);
		json_t *v = path ? jp_get(vals, path) : NULL;
		if (!path)
			continue;
		if (v && !json_is_null(v))
			jp_set(dev, path, json_deep_copy(v));
		else
			jp_del(dev, path);
	}
}

static int journal_failed(struct migration *m, const char *app, const char *dev, const char *what)
{
	char msg[512];
	snprintf(msg, sizeof msg,
		 "journal: cannot record %s (%s); stopped before the next step (the device may "
		 "be frozen at the source: 'ttn-lw-migrate resume' goes on, 'restore' unfreezes "
		 "it)",
		 what, journal_errmsg(m->journal));
	return migration_fail(m, app, dev, msg);
}

/* A failure that leaves the device frozen at the source, for resume. */
static int fail_frozen(struct migration *m, const char *app, const char *dev, const char *what)
{
	char msg[1400];
	snprintf(msg, sizeof msg,
		 "%.1100s; the device stays frozen at the source (it sends it no downlinks): "
		 "'ttn-lw-migrate resume' retries, 'restore' unfreezes it",
		 what);
	return migration_fail(m, app, dev, msg);
}

int migrate_create_first(struct migration *m, const char *app, const char *dev, enum jstate state,
			 json_t *export, json_t *saved)
{
	char err[1024], why[1100] = "";
	json_t *ready = NULL;
	int rc = -1;
	/* Only a create sent by an earlier attempt makes a device under the id
	 * at the destination ours (it was looked up absent before). */
	bool create_sent = state == J_CREATING;
	struct src_err se = {0};
	while (state != J_VERIFIED && state != J_REFUSED) {
		if (g_interrupted)
			goto out;
		memset(&se, 0, sizeof se);
		switch (state) {
		case J_PENDING:
			json_decref(saved);
			saved = NULL;
			if (m->ops->freeze_read(m->src, app, dev, &saved, &se) < 0) {
				size_t n = strlen(se.msg);
				snprintf(se.msg + n, sizeof se.msg - n,
					 "; the source was not changed");
				migration_fail(m, app, dev, se.msg);
				goto out;
			}
			/* Saved before the freeze can happen: a freeze is never sent
			 * without the value that undoes it on disk. */
			if (journal_advance_frozen(m->journal, app, dev, J_FREEZING, saved) < 0) {
				journal_failed(m, app, dev, "the source's downlink setting");
				goto out;
			}
			state = J_FREEZING;
			break;
		case J_FREEZING:
			if (m->ops->freeze(m->src, app, dev, saved, &se) < 0) {
				fail_frozen(m, app, dev, se.msg);
				goto out;
			}
			if (journal_advance(m->journal, app, dev, J_FROZEN, NULL) < 0) {
				journal_failed(m, app, dev, "the freeze");
				goto out;
			}
			state = J_FROZEN;
			break;
		case J_FROZEN: {
			/* Read after the freeze: no downlink can follow it, so the
			 * downlink counters exported are the last ones used. */
			json_decref(export);
			export = NULL;
			if (m->ops->export_device(m->src, app, dev, &export, &se) < 0) {
				fail_frozen(m, app, dev, se.msg);
				goto out;
			}
			/* The export holds the frozen setting: give the destination
			 * the one the device had. */
			migration_thaw(export, saved, false);
			bool refused;
			json_decref(ready);
			if (migration_admit(m, app, dev, export, &ready, &refused, err,
					    sizeof err) < 0) {
				if (!refused) {
					fail_frozen(m, app, dev, err);
					goto out;
				}
				snprintf(why, sizeof why, "%s", err);
				state = J_REFUSING;
				break;
			}
			if (journal_advance(m->journal, app, dev, J_CREATING, export) < 0) {
				journal_failed(m, app, dev, "the export");
				goto out;
			}
			state = J_CREATING;
			break;
		}
		case J_CREATING: {
			if (!ready && !(ready = migration_prepared(m, export, err, sizeof err))) {
				snprintf(why, sizeof why, "%s", err);
				state = J_REFUSING;
				break;
			}
			enum dest_fail df =
			    dest_create(m->dest, ready, create_sent, err, sizeof err);
			create_sent = true;
			if (df == DEST_UNAVAILABLE) {
				/* Unknown whether the create took: a copy at the
				 * destination may be live, so the source stays
				 * frozen (one network server only) and resume
				 * takes the copy as its own. */
				fail_frozen(m, app, dev, err);
				goto out;
			}
			if (df != DEST_OK) {
				/* EXISTS without a create of ours before it: another
				 * device has the id or the EUIs there. */
				snprintf(why, sizeof why, "%s", err);
				state = J_REFUSING;
				break;
			}
			if (journal_advance(m->journal, app, dev, J_COPIED, NULL) < 0) {
				journal_failed(m, app, dev, "the create at the destination");
				goto out;
			}
			state = J_COPIED;
			break;
		}
		case J_COPIED: {
			if (!ready && !(ready = migration_prepared(m, export, err, sizeof err))) {
				fail_frozen(m, app, dev, err);
				goto out;
			}
			int v = dest_verify(m->dest, ready, err, sizeof err);
			if (v != 0) {
				char msg[1100];
				snprintf(msg, sizeof msg, "verify: %s", err);
				fail_frozen(m, app, dev, msg);
				goto out;
			}
			enum jstate next = m->keep_source ? J_VERIFIED : J_RETIRING;
			if (journal_advance(m->journal, app, dev, next, NULL) < 0) {
				journal_failed(m, app, dev, "the verification");
				goto out;
			}
			state = next;
			break;
		}
		case J_RETIRING:
			if (m->ops->retire_device &&
			    m->ops->retire_device(m->src, app, dev, export, &se) < 0) {
				size_t n = strlen(se.msg);
				snprintf(se.msg + n, sizeof se.msg - n,
					 "; verified at the destination, frozen at the source: "
					 "'ttn-lw-migrate resume' retries the delete");
				migration_fail(m, app, dev, se.msg);
				goto out;
			}
			if (journal_advance(m->journal, app, dev, J_VERIFIED, NULL) < 0) {
				journal_failed(m, app, dev, "the delete at the source");
				goto out;
			}
			state = J_VERIFIED;
			break;
		case J_REFUSING: {
			/* Why, on disk before the unfreeze: a resume then unfreezes
			 * instead of taking another's device as its own. */
			if (!why[0]) {
				/* resumed in this state: the reason is in the journal */
				struct jdevice jd;
				snprintf(why, sizeof why, "refused by the destination");
				if (journal_get(m->journal, app, dev, &jd) == 1) {
					if (jd.error)
						snprintf(why, sizeof why, "%s", jd.error);
					jdevice_free(&jd);
				}
			} else if (journal_stop(m->journal, app, dev, J_REFUSING, why) < 0) {
				journal_failed(m, app, dev, "the refusal");
				goto out;
			}
			if (m->ops->unfreeze(m->src, app, dev, saved, &se) < 0) {
				char msg[1900];
				snprintf(
				    msg, sizeof msg,
				    "refused by the destination (%.800s), and unfreezing at the "
				    "source failed: %s; 'ttn-lw-migrate resume' or 'restore' "
				    "unfreezes it",
				    why, se.msg);
				log_error("device \"%s\": %s", dev, msg);
				migration_bump(m, &m->failed);
				goto out;
			}
			char msg[1300];
			snprintf(msg, sizeof msg, "refused by the destination: %.1100s", why);
			if (journal_stop(m->journal, app, dev, J_REFUSED, msg) < 0) {
				journal_failed(m, app, dev, "the unfreeze");
				goto out;
			}
			log_error(
			    "device \"%s\": %s; unfrozen at the source, where it keeps working",
			    dev, msg);
			migration_bump(m, &m->failed);
			state = J_REFUSED;
			break;
		}
		default:
			migration_fail(
			    m, app, dev,
			    "journal: a state of the delete-first order in a create-first "
			    "step");
			goto out;
		}
	}
	if (state == J_VERIFIED) {
		migration_bump(m, &m->done);
		rc = 0;
	}
out:
	json_decref(export);
	json_decref(saved);
	json_decref(ready);
	return rc;
}

/* ---- restore ---------------------------------------------------------------- */

/*
 * Puts a create-first device back: whatever its state, the source copy is
 * made whole (re-created frozen from the journal's export only when the
 * source no longer has it), then the destination copy deleted, then the
 * source unfrozen. Each step is idempotent and every prefix of them leaves
 * exactly one copy that can send downlinks or none that can, never two, and
 * always one copy: a failed restore can be run again.
 */
int restore_create_first(struct journal *j, const struct config *cfg, const char *src_name,
			 const struct source_ops *ops, struct dest *dest, const struct jdevice *d)
{
	char err[768];
	const char *app = d->src_app, *dev = d->src_dev;
	struct source *src = NULL;
	struct dest *src_dest = NULL;
	struct src_err se = {0};
	json_t *now = NULL, *copy = NULL;
	int rc = -1;
	if (!d->frozen_from) {
		log_error("device \"%s\": the journal has no saved source setting; nothing to "
			  "restore",
			  dev);
		return -1;
	}
	if (!ops->unfreeze || ops->open(cfg, &src, &se) < 0) {
		log_error("device \"%s\": opening the source: %s", dev,
			  se.msg[0] ? se.msg : "the source cannot unfreeze");
		return -1;
	}
	bool dest_touched = d->state == J_CREATING || d->state == J_COPIED ||
			    d->state == J_RETIRING || d->state == J_VERIFIED;
	if (dest_touched) {
		/* Intact when its components answer: the delete goes AS, NS,
		 * JS, IS, so answering AS and NS mean nothing was deleted. */
		if (ops->export_device(src, app, dev, &now, &se) < 0) {
			if (!se.not_found) {
				log_error("device \"%s\": checking the source copy: %s", dev,
					  se.msg);
				goto out;
			}
			if (!d->export) {
				log_error("device \"%s\": not at the source and no export in the "
					  "journal",
					  dev);
				goto out;
			}
			/* Re-created frozen: the destination copy is still live. */
			copy = json_deep_copy(d->export);
			migration_thaw(copy, d->frozen_from, true);
			/* resume: the source's IS may still hold it (the delete
			 * was cut short): it is this device. */
			if (dest_open(cfg, src_name, app, &src_dest, err, sizeof err) < 0 ||
			    dest_prepare(src_dest, copy, NULL, true, err, sizeof err) < 0 ||
			    dest_create(src_dest, copy, true, err, sizeof err) != DEST_OK) {
				log_error("device \"%s\": re-creating it at the source: %s", dev,
					  err);
				goto out;
			}
			log_info("device \"%s\": re-created at the source (frozen)", dev);
		}
		/* The destination's id: the export prepared as the run did. */
		json_t *there = d->export ? json_deep_copy(d->export) : NULL;
		char *prefix = journal_meta_get(j, "prefix");
		if (there && dest_prepare(dest, there, prefix && *prefix ? prefix : NULL, true, err,
					  sizeof err) < 0) {
			json_decref(there);
			there = NULL;
		}
		free(prefix);
		if (there && dest_delete(dest, there, err, sizeof err) < 0) {
			log_error("device \"%s\": removing it from the destination: %s (the source "
				  "copy stays frozen)",
				  dev, err);
			json_decref(there);
			goto out;
		}
		json_decref(there);
	}
	if (ops->unfreeze(src, app, dev, d->frozen_from, &se) < 0) {
		log_error("device \"%s\": %s", dev, se.msg);
		goto out;
	}
	if (journal_advance(j, app, dev, J_RESTORED, NULL) < 0) {
		log_error(
		    "device \"%s\": restored at the source, but the journal cannot record it: "
		    "%s",
		    dev, journal_errmsg(j));
		goto out;
	}
	log_info("device \"%s\": restored: unfrozen at the source application %s%s", dev, app,
		 dest_touched ? ", removed from the destination" : "");
	rc = 0;
out:
	json_decref(now);
	json_decref(copy);
	dest_close(src_dest);
	ops->close(src);
	return rc;
}
