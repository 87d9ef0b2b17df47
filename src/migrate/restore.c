/*
 * restore: puts a journal device back at the source, as a journaled
 * transaction of its own (either order):
 *
 *   check     the source will take it back: a read there (the key works; the
 *             device is absent, or present with the same EUIs: intact)
 *   restoring what goes back is in the journal (the export, or with
 *             --from-destination its current session read at the
 *             destination), with the plan; the destination copy is deleted,
 *             by the id the journal recorded for its create (prefix included)
 *   reinstating  gone from the destination; put back at the source (created,
 *             or the session set, frozen for create-first), then unfrozen
 *   restored
 *
 * A device live at the destination (created, copied, retiring, verified; or
 * one whose create may have been sent, when the destination's Network Server
 * has it) is refused without --from-destination: its frame counters have
 * moved on there, and the export's would make a second copy with old ones.
 * Devices that never reached the destination (frozen, refused) are only
 * unfrozen. At every step at most one copy can send downlinks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/cmd.h"
#include "migrate/migrate.h"
#include "core/jsonpath.h"
#include "net/tts_api.h"
#include "net/tts_components.h"
#include "ui/log.h"

/* The fields that move while a device is in use: what --from-destination
 * takes from the destination (NS session and MAC state, AS session, JS
 * nonces). */
static const char *const live_roots[] = {
    "session",	       "pending_session", "mac_state",	     "pending_mac_state", "last_dev_nonce",
    "last_join_nonce", "last_rj_count_0", "last_rj_count_1", "used_dev_nonces",	  NULL};

struct restore {
	struct restore_ctx *c;
	const struct jdevice *d;
	const char *app, *dev;
	struct source *src;
	struct src_writer *w; /* the source, written back to */
	enum jstate state;
	char dest_id[80]; /* the destination's id of it, or "" (never created there) */
};

/* Logs why the restore of the device stops (one line); returns -1. */
__attribute__((format(printf, 2, 3))) static int refuse(struct restore *r, const char *fmt, ...)
{
	char msg[1400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_error("device \"%s\": %s", r->dev, msg);
	return -1;
}

/* A transition of the restore; a journal that cannot record it stops it. */
static int step(struct restore *r, enum jstate to, const struct jwrite *w)
{
	int rc = journal_move(r->c->j, r->app, r->dev, r->state, to, w);
	if (rc == 0) {
		r->state = to;
		return 0;
	}
	log_error("device \"%s\": journal: cannot record %s (%s); stopped before the next "
		  "request, %s in the journal",
		  r->dev, jstate_name(to),
		  rc == JOURNAL_CONFLICT ? "changed by another process" : journal_errmsg(r->c->j),
		  jstate_name(r->state));
	return -1;
}

/* The id the destination knows the device by: recorded with its create, or
 * (journals of older versions) the export prepared with the run's prefix. */
static void find_dest_id(struct restore *r)
{
	if (r->d->dest_dev) {
		snprintf(r->dest_id, sizeof r->dest_id, "%s", r->d->dest_dev);
		return;
	}
	if (!r->d->export)
		return;
	char err[256], *prefix = journal_meta_get(r->c->j, "prefix");
	json_t *there = json_deep_copy(r->d->export);
	if (dest_prepare(r->c->dest, there, prefix && *prefix ? prefix : NULL, true, err,
			 sizeof err) == 0)
		snprintf(r->dest_id, sizeof r->dest_id, "%s",
			 json_string_value(jp_get(there, "ids.device_id")));
	json_decref(there);
	free(prefix);
}

/* Whether the source will take it back. 0: *intact tells whether the source
 * still has the device whole (the same EUIs); -1: refused (logged). */
static int check_source(struct restore *r, bool *intact)
{
	struct src_err se = {0};
	json_t *now = NULL;
	*intact = false;
	if (r->c->ops->export_device(r->src, r->app, r->dev, &now, &se) < 0) {
		if (se.not_found)
			return 0; /* the key works; the device is not (all) there */
		return refuse(r,
			      "the source will not take it back (%.700s); nothing was changed, it "
			      "stays where it is",
			      se.msg);
	}
	static const char *const euis[] = {"ids.dev_eui", "ids.join_eui"};
	for (int i = 0; i < 2 && r->d->export; i++) {
		const char *a = json_string_value(jp_get(now, euis[i]));
		const char *b = json_string_value(jp_get(r->d->export, euis[i]));
		if (a && b && strcasecmp(a, b) != 0) {
			json_decref(now);
			return refuse(r,
				      "the source has another device under this id (%s %s differs "
				      "from the export's); nothing was changed",
				      euis[i], a);
		}
	}
	json_decref(now);
	*intact = true;
	return 0;
}

/* Whether the destination's Network Server has the device: 1, 0, -1 (logged). */
static int dest_has_ns(struct restore *r)
{
	struct tts_error e = {0};
	json_t *mask = json_pack("[s]", "ids"), *out = NULL;
	int rc = tts_get_device(dest_api(r->c->dest), TTS_NS, dest_app_id(r->c->dest), r->dest_id,
				mask, &out, &e);
	int has = rc == 0 ? 1 : tts_error_not_found(&e) ? 0 : -1;
	if (has < 0)
		refuse(r,
		       "cannot tell whether the destination has it (%.700s); nothing was changed",
		       e.message);
	json_decref(mask);
	json_decref(out);
	tts_error_clear(&e);
	return has;
}

/* Lays the destination's current session, MAC state and nonces over dev
 * (in place). Returns 1 when taken, 0 when the destination's Network Server
 * does not have the device (nothing moved on there: dev stays the export),
 * -1 (logged) when the destination cannot be read. */
static int take_from_destination(struct restore *r, json_t *dev)
{
	static const enum tts_comp comps[] = {TTS_NS, TTS_AS, TTS_JS};
	json_t *parts[3] = {NULL, NULL, NULL}, *masks[3];
	int rc = 0;
	bool on_ns = true;
	for (int i = 0; i < 3; i++) {
		masks[i] = json_array();
		for (const char *const *p = tts_comps[comps[i]].get_paths; *p; p++)
			if (jp_list_covers(live_roots, *p))
				json_array_append_new(masks[i], json_string(*p));
	}
	for (int i = 0; i < 3 && rc == 0; i++) {
		struct tts_error e = {0};
		if (tts_get_device(dest_api(r->c->dest), comps[i], dest_app_id(r->c->dest),
				   r->dest_id, masks[i], &parts[i], &e) < 0 &&
		    tts_error_not_found(&e) && comps[i] == TTS_NS) {
			on_ns = false;
			log_warn("device \"%s\": not on the destination's Network Server: the "
				 "export's session goes back",
				 r->dev);
			tts_error_clear(&e);
			break;
		}
		if (!parts[i] && !tts_error_not_found(&e)) {
			rc = refuse(r,
				    "reading its current session at the destination (%.700s); "
				    "nothing was changed",
				    e.message);
		}
		tts_error_clear(&e);
	}
	if (rc == 0 && on_ns) {
		/* The destination's view wins whole: what it lacks (a pending
		 * session gone since) is dropped too. */
		for (const char *const *p = live_roots; *p; p++)
			jp_del(dev, *p);
		for (int i = 0; i < 3; i++) {
			size_t k;
			json_t *p;
			json_array_foreach(masks[i], k, p)
			{
				const char *path = json_string_value(p);
				if (parts[i])
					jp_copy_paths(dev, parts[i],
						      (const char *const[]){path, NULL});
			}
		}
	}
	for (int i = 0; i < 3; i++) {
		json_decref(parts[i]);
		json_decref(masks[i]);
	}
	return rc < 0 ? -1 : on_ns ? 1 : 0;
}

/* Devices that never reached the destination: the freeze is undone. */
static int unfreeze_only(struct restore *r)
{
	struct src_err se = {0};
	if (!r->d->frozen_from) {
		log_error("device \"%s\": the journal has no saved source setting; nothing to "
			  "restore",
			  r->dev);
		return -1;
	}
	if (r->c->ops->unfreeze(r->src, r->app, r->dev, r->d->frozen_from, &se) < 0) {
		log_error("device \"%s\": %s", r->dev, se.msg);
		return -1;
	}
	if (step(r, J_RESTORED, NULL) < 0)
		return -1;
	log_info("device \"%s\": restored: unfrozen at the source application %s", r->dev, r->app);
	return 0;
}

/* check, then the plan (what goes back) recorded: → restoring. */
static int plan(struct restore *r)
{
	bool intact;
	if (check_source(r, &intact) < 0)
		return -1;
	enum jstate s = r->state;
	bool live =
	    s == J_CREATED || s == J_VERIFIED || s == J_COPIED || s == J_RETIRING || s == J_HELD;
	bool maybe = s == J_RETIRED || s == J_CREATING;
	if (s != J_EXPORTED)
		find_dest_id(r);
	if (maybe && r->dest_id[0]) {
		int has = dest_has_ns(r);
		if (has < 0)
			return -1;
		live = has == 1;
	}
	if (!r->d->export)
		return refuse(r, "no export in the journal; nothing to put back (%s)",
			      jstate_name(s));
	if (live && !r->c->from_destination) {
		char where[200];
		snprintf(where, sizeof where, "at the destination as %.80s in application %.80s",
			 r->dest_id, dest_app_id(r->c->dest));
		return refuse(r,
			      "it is live %s (state %s): putting the export back would make a "
			      "second live copy with old frame counters; --from-destination takes "
			      "its current session from there, deletes it there, then puts it back",
			      where, jstate_name(s));
	}
	json_t *dev = json_deep_copy(r->d->export);
	int taken = live ? take_from_destination(r, dev) : 0;
	if (taken < 0) {
		json_decref(dev);
		return -1;
	}
	json_t *p = json_pack("{s:o,s:b,s:b}", "device", dev, "source_intact", intact,
			      "from_destination", taken == 1);
	int rc =
	    step(r, J_RESTORING,
		 &(struct jwrite){.restore = p, .dest_dev = r->dest_id[0] ? r->dest_id : NULL});
	json_decref(p);
	return rc;
}

/* restoring: the destination copy deleted → reinstating. */
static int undeploy(struct restore *r)
{
	char err[768];
	if (!r->dest_id[0] && r->d->dest_dev)
		snprintf(r->dest_id, sizeof r->dest_id, "%s", r->d->dest_dev);
	if (r->dest_id[0]) {
		json_t *there = json_pack("{s:{s:s}}", "ids", "device_id", r->dest_id);
		int rc = dest_delete(r->c->dest, there, err, sizeof err);
		json_decref(there);
		if (rc < 0) {
			log_error("device \"%s\": removing it from the destination: %s (the source "
				  "copy is unchanged; restore again goes on)",
				  r->dev, err);
			return -1;
		}
		log_info("device \"%s\": deleted at the destination (%s)", r->dev, r->dest_id);
	}
	return step(r, J_REINSTATING, NULL);
}

/* reinstating: back at the source (frozen, then unfrozen) → restored. */
static int reinstate(struct restore *r, const json_t *p)
{
	struct src_err se = {0};
	const json_t *dev = json_object_get(p, "device");
	bool intact = json_is_true(json_object_get(p, "source_intact"));
	bool fresh = json_is_true(json_object_get(p, "from_destination"));
	const json_t *ff = r->d->frozen_from;
	char *retire = journal_meta_get(r->c->j, "retire");
	bool kept = retire && strcmp(retire, "disable") == 0;
	free(retire);
	if (!dev)
		return refuse(r, "journal: the restore holds no device");
	/* An intact source copy keeps what it has, unless the destination's
	 * session is newer; otherwise it is (re-)created, resuming a create
	 * that may have been cut short. */
	if (!intact || fresh) {
		json_t *copy = json_deep_copy(dev);
		if (ff)
			migration_thaw(copy, ff, true);
		int put = r->c->ops->put_back(r->w, copy, SRC_PUT_CREATE, &se);
		json_decref(copy);
		if (put < 0) {
			log_error("device \"%s\": putting it back at the source: %s (it is on no "
				  "network server now: restore again goes on)",
				  r->dev, se.msg);
			return -1;
		}
	}
	if (ff) {
		if (r->c->ops->unfreeze(r->src, r->app, r->dev, ff, &se) < 0) {
			log_error("device \"%s\": %s (back at the source, frozen: restore again "
				  "unfreezes it)",
				  r->dev, se.msg);
			return -1;
		}
	} else if (kept && intact && !fresh) {
		if (r->c->ops->put_back(r->w, dev, SRC_PUT_REENABLE, &se) < 0) {
			log_error("device \"%s\": re-enabling downlinks at the source: %s", r->dev,
				  se.msg);
			return -1;
		}
	}
	if (step(r, J_RESTORED, NULL) < 0)
		return -1;
	log_info("device \"%s\": restored to the source application %s%s", r->dev, r->app,
		 fresh ? ", with its current session from the destination" : "");
	return 0;
}

int restore_device(struct restore_ctx *c, const struct jdevice *d)
{
	struct restore r = {
	    .c = c, .d = d, .app = d->src_app, .dev = d->src_dev, .state = d->state};
	struct src_err se = {0};
	int rc = -1;
	switch (d->state) {
	case J_RESTORED:
		log_info("device \"%s\": already restored", r.dev);
		return 0;
	case J_PENDING:
		log_error("device \"%s\": never exported; nothing to restore", r.dev);
		return -1;
	case J_NSTATES:
		log_error("device \"%s\": in a state this version does not know; not touched",
			  r.dev);
		return -1;
	default:
		break;
	}
	if (c->ops->open(c->cfg, &r.src, &se) < 0) {
		log_error("device \"%s\": opening the source: %s", r.dev, se.msg);
		return -1;
	}
	if (!c->ops->writer_open || !c->ops->put_back) {
		log_error("device \"%s\": the source %s cannot take devices back", r.dev,
			  c->ops->name);
		goto out;
	}
	se = (struct src_err){0};
	if (c->ops->writer_open(c->cfg, r.app, &r.w, &se) < 0) {
		log_error("device \"%s\": %s", r.dev, se.msg);
		goto out;
	}
	if (d->state == J_FREEZING || d->state == J_FROZEN || d->state == J_REFUSING ||
	    d->state == J_REFUSED) {
		rc = unfreeze_only(&r);
		goto out;
	}
	if (r.state != J_RESTORING && r.state != J_REINSTATING && plan(&r) < 0)
		goto out;
	/* Resumed in restoring: the source is checked again before the
	 * destination copy goes. */
	bool intact;
	if (d->state == J_RESTORING && check_source(&r, &intact) < 0)
		goto out;
	if (r.state == J_RESTORING && undeploy(&r) < 0)
		goto out;
	struct jdevice now;
	if (journal_get(c->j, r.app, r.dev, &now) != 1) {
		log_error("device \"%s\": journal: cannot read it back: %s", r.dev,
			  journal_errmsg(c->j));
		goto out;
	}
	rc = reinstate(&r, now.restore);
	jdevice_free(&now);
out:
	if (r.w)
		c->ops->writer_close(r.w);
	c->ops->close(r.src);
	return rc;
}
