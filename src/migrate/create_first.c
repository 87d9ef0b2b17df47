/*
 * The create-first order (two deployments).
 *
 *   pending   read the source's setting that a freeze changes, with the
 *             source's whole NS record (read-only)
 *   freezing  that setting is in the journal; freeze (idempotent)
 *   frozen    the source sends the device nothing; export (the NS record
 *             read in pending, the other components now; the downlink
 *             counters skip FCNT_DOWN_MARGIN), checks
 *   creating  the export is in the journal; dest_create (on resume: a device
 *             under the id is ours, a create may have been sent)
 *   copied    at the destination; dest_verify
 *   retiring  verified; delete at the source (--keep-source: stays frozen,
 *             straight to verified)
 *   held      --with-gateways: verified, with the gateways it waits for;
 *             cutover.c takes it on (retiring, or verified with
 *             --keep-source) once they are connected at the destination and
 *             it has been heard there
 *   verified  done
 *   refusing  the destination or the checks refused (error says why);
 *             unfreeze the source
 *   refused   unfrozen: the device works where it was (the next run starts
 *             it over)
 *
 * While a device is frozen, only the destination can send it anything, so
 * two network servers never command it; before `copied` no destination copy
 * can have answered it, and the source copy is not deleted before `retiring`. *
 * Every step records its state with a compare-and-set from the state it was
 * read in (migration_move); restore is in restore.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "migrate/migrate.h"
#include "core/jsonpath.h"
#include "core/strbuf.h"
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

/*
 * Downlink frame counters skipped at the destination. The NS record is read
 * once, just before the freeze (freeze_read), and a downlink the source NS
 * sends between that read and the freeze, or one already on its way when
 * the freeze lands (it is read after the freeze only on a resume), uses
 * counters the export does not show. The device rejects a downlink whose
 * counter it has seen, and accepts any higher one: LoRaWAN 1.0.4 and 1.1
 * set no limit on the gap, 1.0.0–1.0.3 allow up to MAX_FCNT_GAP (16384).
 * The window is one round trip, in which a class A device gets at most one
 * downlink per uplink (RX1 or RX2) and a class C device is duty-cycle and
 * airtime bound (tens of milliseconds per frame at the fastest rates), so
 * 32 leaves room for far more downlinks than fit, and costs nothing.
 * Uplink counters stay as read: the destination accepts any higher one.
 */
#define FCNT_DOWN_MARGIN 32

static void skip_downlink_counters(json_t *dev)
{
	json_t *session = json_object_get(dev, "session");
	if (!json_is_object(session))
		return;
	/* last_n_f_cnt_down: the NS's (absent is 0, and counted from too);
	 * last_a_f_cnt_down: the AS's, where it keeps one. Not
	 * last_conf_f_cnt_down: it names a downlink, it counts nothing. */
	static const char *const counters[] = {"last_n_f_cnt_down", "last_a_f_cnt_down"};
	for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++) {
		json_t *v = json_object_get(session, counters[i]);
		if (!v && i > 0)
			continue;
		json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
		if (n < 0 || n > (json_int_t)UINT32_MAX - FCNT_DOWN_MARGIN)
			continue; /* the import's checks refuse what is out of range */
		json_object_set_new(session, counters[i], json_integer(n + FCNT_DOWN_MARGIN));
	}
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
	/* What a refusal is called: the destination's, or the source's read. */
	char label[48] = "refused by the destination";
	json_t *ready = NULL, *answers = NULL;
	int rc = -1;
	/* Only a create sent by an earlier attempt makes a device under the id
	 * at the destination ours (it was looked up absent before). */
	bool create_sent = state == J_CREATING;
	struct src_err se = {0};
	enum jstate from = state; /* the state a refusal was found in */
	while (state != J_VERIFIED && state != J_REFUSED && state != J_HELD) {
		/* A refusal is still undone after a stop: the unfreeze is what
		 * keeps the device working where it was. */
		if (migration_stopped(m) && state != J_REFUSING)
			goto out;
		memset(&se, 0, sizeof se);
		switch (state) {
		case J_PENDING:
			json_decref(saved);
			saved = NULL;
			if (m->ops->freeze_read(m->src, app, dev, &saved, &se) < 0) {
				struct strbuf msg = STRBUF_INIT;
				strbuf_addf(&msg, "%s; the source was not changed", se.msg);
				migration_fail(m, app, dev, msg.buf);
				if (se.config)
					migration_stop(m, msg.buf);
				strbuf_release(&msg);
				goto out;
			}
			/* Saved before the freeze can happen: a freeze is never sent
			 * without the value that undoes it on disk. */
			if (migration_move(m, app, dev, J_PENDING, J_FREEZING,
					   &(struct jwrite){.frozen_from = saved},
					   "the source's downlink setting") < 0)
				goto out;
			state = J_FREEZING;
			break;
		case J_FREEZING:
			if (m->ops->freeze(m->src, app, dev, saved, &se) < 0) {
				fail_frozen(m, app, dev, se.msg);
				if (se.config)
					migration_stop(m, se.msg);
				goto out;
			}
			if (migration_move(m, app, dev, J_FREEZING, J_FROZEN, NULL, "the freeze") <
			    0)
				goto out;
			state = J_FROZEN;
			break;
		case J_FROZEN: {
			/* The NS record was read just before the freeze (or, on a
			 * resume, is read now); skip_downlink_counters covers the
			 * downlinks sent since that read. */
			json_decref(export);
			export = NULL;
			if (m->ops->export_device(m->src, app, dev, &export, &se) < 0) {
				/* Nothing exists at the destination yet: unfreezing is
				 * always safe here, and the device keeps working where
				 * it was (a misrouted or failed read is no reason to
				 * keep it silent). The next run starts it over. */
				snprintf(label, sizeof label, "not read at the source");
				snprintf(why, sizeof why, "%s", se.msg);
				from = state;
				state = J_REFUSING;
				break;
			}
			/* The destination gets the setting the device had (an
			 * export read after the freeze holds the frozen one). */
			migration_thaw(export, saved, false);
			skip_downlink_counters(export);
			bool refused;
			json_decref(ready);
			if (migration_admit(m, app, dev, export, &ready, &refused, err,
					    sizeof err) < 0) {
				if (!refused) {
					fail_frozen(m, app, dev, err);
					goto out;
				}
				snprintf(why, sizeof why, "%s", err);
				from = state;
				state = J_REFUSING;
				break;
			}
			/* With the id the create uses: restore deletes by it. */
			if (migration_move(m, app, dev, J_FROZEN, J_CREATING,
					   &(struct jwrite){.export = export,
							    .dest_dev = json_string_value(
								jp_get(ready, "ids.device_id"))},
					   "the export") < 0)
				goto out;
			state = J_CREATING;
			break;
		}
		case J_CREATING: {
			if (!ready && !(ready = migration_prepared(m, export, err, sizeof err))) {
				snprintf(why, sizeof why, "%s", err);
				from = state;
				state = J_REFUSING;
				break;
			}
			json_decref(answers);
			answers = NULL;
			enum dest_fail df = dest_create_answered(m->dest, ready, create_sent,
								 &answers, err, sizeof err);
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
				 * device has the id or the EUIs there. DENIED: the
				 * key lacks a right, which every device would meet:
				 * this one is unfrozen, and the run stops. */
				if (df == DEST_DENIED)
					migration_stop(m, err);
				snprintf(why, sizeof why, "%s", err);
				from = state;
				state = J_REFUSING;
				break;
			}
			if (migration_move(m, app, dev, J_CREATING, J_COPIED, NULL,
					   "the create at the destination") < 0)
				goto out;
			state = J_COPIED;
			break;
		}
		case J_COPIED: {
			if (!ready && !(ready = migration_prepared(m, export, err, sizeof err))) {
				fail_frozen(m, app, dev, err);
				goto out;
			}
			/* From the Sets' answers; a resumed run (none) or
			 * --verify read-back reads the device back. */
			int v = migration_verify(m, ready, answers, err, sizeof err);
			if (v != 0) {
				char msg[1100];
				snprintf(msg, sizeof msg, "verify: %s", err);
				fail_frozen(m, app, dev, msg);
				goto out;
			}
			/* --with-gateways: held until its gateways are connected
			 * at the destination and it is heard there (cutover.c);
			 * the gateways it waits for go into the journal with it. */
			if (m->with_gateways) {
				json_t *gws = precheck_device_gateways(&m->pre, export);
				int mv = migration_move(m, app, dev, J_COPIED, J_HELD,
							&(struct jwrite){.gateways = gws},
							"the verification");
				json_decref(gws);
				if (mv < 0)
					goto out;
				state = J_HELD;
				break;
			}
			enum jstate next = m->keep_source ? J_VERIFIED : J_RETIRING;
			if (migration_move(m, app, dev, J_COPIED, next, NULL, "the verification") <
			    0)
				goto out;
			state = next;
			break;
		}
		case J_RETIRING:
			if (m->ops->retire_device &&
			    m->ops->retire_device(m->src, app, dev, export, &se) < 0) {
				struct strbuf msg = STRBUF_INIT;
				strbuf_addf(
				    &msg,
				    "%s; verified at the destination, frozen at the source: "
				    "'ttn-lw-migrate resume' retries the delete",
				    se.msg);
				migration_fail(m, app, dev, msg.buf);
				strbuf_release(&msg);
				goto out;
			}
			if (migration_move(m, app, dev, J_RETIRING, J_VERIFIED, NULL,
					   "the delete at the source") < 0)
				goto out;
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
			} else if (migration_move(m, app, dev, from, J_REFUSING,
						  &(struct jwrite){.error = why, .attempt = true},
						  "the refusal") < 0) {
				goto out;
			}
			if (m->ops->unfreeze(m->src, app, dev, saved, &se) < 0) {
				char msg[1900];
				snprintf(msg, sizeof msg,
					 "%s (%.800s), and unfreezing at the source failed: %s; "
					 "'ttn-lw-migrate resume' or 'restore' unfreezes it",
					 label, why, se.msg);
				log_error("device \"%s\": %s", dev, msg);
				migration_bump(m, &m->failed);
				goto out;
			}
			char msg[1300];
			snprintf(msg, sizeof msg, "%s: %.1100s", label, why);
			if (migration_move(m, app, dev, J_REFUSING, J_REFUSED,
					   &(struct jwrite){.error = msg}, "the unfreeze") < 0)
				goto out;
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
	} else if (state == J_HELD) {
		migration_bump(m, &m->held);
		rc = 0;
	}
out:
	json_decref(export);
	json_decref(saved);
	json_decref(ready);
	json_decref(answers);
	return rc;
}
