/*
 * The migration engine: the run's ends and settings, the journal steps
 * shared by both orders, one device taken through its steps (migrate_device)
 * and resume's re-listing. The orders are create_first.c and delete_first.c;
 * restore.c puts devices back; identity.c ties a journal to its run.
 */
#include "migrate/migrate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonpath.h"
#include "core/origin.h"
#include "io/output.h"
#include "ui/log.h"
#include "ui/stop.h"

/* The journal's path: the given one, or the default under the state dir. */
char *migration_journal_path(const char *path, char *err, size_t errlen)
{
	if (path)
		return strdup(path);
	char *dir = out_state_dir(err, errlen);
	if (!dir)
		return NULL;
	size_t n = strlen(dir) + 16;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/journal.db", dir);
	free(dir);
	return p;
}

int migration_journal(const char *path, struct journal **out, char **path_out, char *err,
		      size_t errlen)
{
	char *p = migration_journal_path(path, err, errlen);
	if (!p || journal_open(p, true, out, err, errlen) < 0) {
		free(p);
		return -1;
	}
	if (journal_provisional_begin(*out) < 0) {
		snprintf(err, errlen, "journal %s: %s", p, journal_errmsg(*out));
		journal_close(*out);
		free(p);
		return -1;
	}
	*path_out = p;
	return 0;
}

void migration_stop(struct migration *m, const char *why)
{
	pthread_mutex_lock(&m->mu);
	bool first = !m->stopped;
	m->stopped = true;
	pthread_mutex_unlock(&m->mu);
	if (first)
		log_error("the run stops before the next device: %s", why);
}

bool migration_stopped(struct migration *m)
{
	pthread_mutex_lock(&m->mu);
	bool s = m->stopped;
	pthread_mutex_unlock(&m->mu);
	if (!s && journal_broken(m->journal)) {
		migration_stop(m, "the journal cannot be written (it would fall behind what "
				  "happens at the servers)");
		s = true;
	}
	return s || g_interrupted;
}

void migration_bump(struct migration *m, size_t *counter)
{
	pthread_mutex_lock(&m->mu);
	(*counter)++;
	pthread_mutex_unlock(&m->mu);
}

int migration_fail(struct migration *m, const char *app, const char *dev, const char *msg)
{
	log_error("device \"%s\": %s", dev, msg);
	if (journal_fail(m->journal, app, dev, msg) < 0)
		log_error("device \"%s\": journal: cannot record that failure (%s)", dev,
			  journal_errmsg(m->journal));
	migration_bump(m, &m->failed);
	return -1;
}

int migration_move(struct migration *m, const char *app, const char *dev, enum jstate from,
		   enum jstate to, const struct jwrite *w, const char *what)
{
	int rc = journal_move(m->journal, app, dev, from, to, w);
	if (rc == 0)
		return 0;
	if (rc == JOURNAL_CONFLICT)
		log_error("device \"%s\": journal: cannot record %s: the device is no longer %s "
			  "in the journal (changed by another process?); stopped before its next "
			  "request",
			  dev, what, jstate_name(from));
	else
		log_error("device \"%s\": journal: cannot record %s (%s); stopped before its next "
			  "request, %s still in the journal",
			  dev, what, journal_errmsg(m->journal), jstate_name(from));
	migration_bump(m, &m->failed);
	if (rc != JOURNAL_CONFLICT)
		migration_stop(m, "the journal cannot be written (it would fall behind what "
				  "happens at the servers)");
	return -1;
}

const char *migration_order_name(enum migration_order o)
{
	return o == ORDER_CREATE_FIRST ? "create-first" : "delete-first";
}

/* The export as the destination will get it (a copy: the journal keeps the
 * device as the source gave it). */
json_t *migration_prepared(struct migration *m, const json_t *export, char *err, size_t errlen)
{
	json_t *d = json_deep_copy(export);
	if (dest_prepare(m->dest, d, m->prefix, m->force, err, errlen) < 0) {
		json_decref(d);
		return NULL;
	}
	return d;
}

int migration_admit(struct migration *m, const char *app, const char *dev, const json_t *export,
		    json_t **ready, bool *refused, char *err, size_t errlen)
{
	*refused = true;
	if (!(*ready = migration_prepared(m, export, err, errlen)))
		return -1;
	char where[160];
	snprintf(where, sizeof where, "%s/%s", app, dev);
	if (precheck_device(&m->pre, export, where, err, errlen) < 0)
		return -1;
	/* The bodies and masks of the create, checked before they are sent:
	 * a device the destination's components would refuse stays put. */
	if (dest_check_create(m->dest, *ready, err, errlen) < 0)
		return -1;
	/* Create-first needs no existence check: a create answering id_taken
	 * or end_device_euis_taken is the refusal, before anything changes at
	 * the source (the source is only frozen). Delete-first deletes at the
	 * source before it creates: it must know first. */
	if (m->order == ORDER_CREATE_FIRST)
		return 0;
	bool exists = false;
	const char *id = json_string_value(jp_get(*ready, "ids.device_id"));
	if (dest_exists(m->dest, id, &exists, err, errlen) < 0) {
		*refused = false;
		return -1;
	}
	if (exists) {
		snprintf(err, errlen,
			 "a device \"%s\" already exists in the destination application %s", id,
			 dest_app_id(m->dest));
		return -1;
	}
	return 0;
}

int migration_verify(struct migration *m, const json_t *ready, const json_t *answers, char *err,
		     size_t errlen)
{
	if (answers && !m->read_back)
		return dest_verify_answers(m->dest, ready, answers, err, errlen);
	return dest_verify(m->dest, ready, err, errlen);
}

/* --verify-mode: response (the default) or read-back. (`--verify` is taken:
 * it is status's check of the journal, and option names are one namespace.) */
static int verify_mode(const struct config *cfg, bool *read_back, char *err, size_t errlen)
{
	const char *v = cfg->o.verify_mode;
	if (!v || strcmp(v, "response") == 0) {
		*read_back = false;
		return 0;
	}
	if (strcmp(v, "read-back") == 0) {
		*read_back = true;
		return 0;
	}
	snprintf(err, errlen, "--verify-mode %.100s: must be response or read-back", v);
	return -1;
}

int migrate_device(struct migration *m, const char *app, const char *dev)
{
	/* Nothing starts after a stop: the device stays as the journal has it. */
	if (migration_stopped(m)) {
		migration_bump(m, &m->failed);
		return -1;
	}
	struct jdevice jd;
	if (journal_add(m->journal, app, dev) < 0 || journal_get(m->journal, app, dev, &jd) != 1) {
		log_error("device \"%s\": journal: %s; not started", dev,
			  journal_errmsg(m->journal));
		migration_bump(m, &m->failed);
		migration_stop(m, "the journal cannot be written or read");
		return -1;
	}
	json_t *export = json_incref(jd.export), *saved = json_incref(jd.frozen_from);
	enum jstate state = jd.state;
	jdevice_free(&jd);
	if (state == J_VERIFIED || state == J_RESTORED) {
		log_debug("device \"%s\": already %s", dev, jstate_name(state));
		migration_bump(m, &m->skipped);
		json_decref(export);
		json_decref(saved);
		return 0;
	}
	if (state == J_HELD) {
		/* Taken on by the cut-over, once its gateways are connected. */
		log_debug("device \"%s\": held for its gateways", dev);
		migration_bump(m, &m->held);
		json_decref(export);
		json_decref(saved);
		return 0;
	}
	if (state == J_NSTATES || state == J_RESTORING || state == J_REINSTATING) {
		json_decref(export);
		json_decref(saved);
		return migration_fail(
		    m, app, dev,
		    state == J_NSTATES
			? "journal: the device is in a state this version does not know; not "
			  "touched ('ttn-lw-migrate status --verify' lists such devices)"
			: "a restore of this device is under way; 'ttn-lw-migrate restore' "
			  "finishes it");
	}
	/* A device refused by an earlier run was unfrozen there and is intact
	 * at the source: it starts over, in this run's order (the row moves
	 * back to pending first, so that every later step compares with it). */
	if (state == J_REFUSED) {
		if (migration_move(m, app, dev, J_REFUSED, J_PENDING, NULL, "the new attempt") <
		    0) {
			json_decref(export);
			json_decref(saved);
			return -1;
		}
		state = J_PENDING;
	}
	/* A started device goes on in the order its state belongs to; one not
	 * started yet takes the run's order. */
	bool cf =
	    jstate_create_first(state) || (state == J_PENDING && m->order == ORDER_CREATE_FIRST);
	if (cf)
		return migrate_create_first(m, app, dev, state, export, saved);
	json_decref(saved);
	return migrate_delete_first(m, app, dev, state, export);
}

int migration_note_app(struct migration *m, const char *app)
{
	return journal_app_add(m->journal, app);
}

int migration_enroll(struct migration *m, const char *app, const struct strlist *ids)
{
	if (journal_add_all(m->journal, app, ids) < 0)
		return -1;
	return journal_app_listed(m->journal, app);
}

static int enroll_cb(void *ud, const char *dev)
{
	return strlist_add(ud, dev) < 0 || g_interrupted ? -1 : 0;
}

/* Resume: applications whose listing was cut off are listed again. */
int migration_relist(struct migration *m)
{
	struct strlist apps = {0};
	int rc = 0;
	if (journal_apps(m->journal, true, &apps) < 0) {
		log_error("journal: cannot read the applications: %s", journal_errmsg(m->journal));
		rc = -1;
	}
	for (size_t i = 0; i < apps.n; i++) {
		const char *app = strlist_get(&apps, i);
		struct strlist ids = {0};
		struct src_err se = {0};
		if (m->ops->list_devices(m->src, app, enroll_cb, &ids, &se) < 0 ||
		    migration_enroll(m, app, &ids) < 0) {
			log_error("%s", se.msg[0] ? se.msg : "journal: cannot record the listing");
			rc = -1;
		}
		strlist_free(&ids);
	}
	strlist_free(&apps);
	return rc;
}

static int report_cb(void *ud, const struct jdevice *d)
{
	json_t *report = ud;
	json_t *e = json_pack("{s:s,s:s,s:s}", "application_id", d->src_app, "device_id",
			      d->src_dev, "state", jstate_name(d->state));
	if (d->error)
		json_object_set_new(e, "error", json_string(d->error));
	json_object_set_new(e, "attempts", json_integer(d->attempts));
	json_array_append_new(report, e);
	return 0;
}

json_t *migration_report_json(struct journal *j, int *rc)
{
	json_t *report = json_array();
	*rc = journal_each(j, false, false, report_cb, report);
	return report;
}

/*
 * Create-first unless both ends are certainly one deployment (their Identity
 * Servers have one origin). Unsure counts as two: create-first within one
 * deployment is refused (the EUIs are taken) and unfreezes, losing nothing;
 * delete-first across two could leave a refused device on neither.
 * A source that cannot freeze has only delete-first.
 */
static enum migration_order choose_order(struct migration *m)
{
	if (!m->ops->freeze_read || !m->ops->freeze || !m->ops->unfreeze)
		return ORDER_DELETE_FIRST;
	const char *src = m->ops->deployment ? m->ops->deployment(m->src) : NULL;
	return origin_same(src, dest_deployment(m->dest)) ? ORDER_DELETE_FIRST : ORDER_CREATE_FIRST;
}

/* Opens the source and the destination for a migration and records (or, on
 * resume, reads back) the run's settings in the journal. */
int migration_open_ends(struct migration *m, const struct config *cfg, const char *src_name,
			char *err, size_t errlen)
{
	struct src_err se = {0};
	char *v;
	m->prefix = cfg->o.dev_id_prefix;
	m->force = cfg->o.force;
	m->keep_source = cfg->o.keep_source;
	if (verify_mode(cfg, &m->read_back, err, errlen) < 0)
		return -1;
	/* A resumed run does what the interrupted one did: same retirement,
	 * same device ids at the destination. */
	if ((v = journal_meta_get(m->journal, "retire"))) {
		m->keep_source = strcmp(v, "disable") == 0;
		free(v);
	}
	/* A prefix given now must be the journal's (migration_identity
	 * compares); without one the journal's applies. */
	if ((v = journal_meta_get(m->journal, "prefix")) && !m->prefix) {
		m->owned_prefix = v;
		m->prefix = *v ? v : NULL;
	} else {
		free(v);
	}
	m->force_identity = cfg->o.force_identity;
	if (m->ops->open(cfg, &m->src, &se) < 0) {
		snprintf(err, errlen, "%s", se.msg);
		return -1;
	}
	if (m->ops->set_retire_delete)
		m->ops->set_retire_delete(m->src, !m->keep_source);
	if (dest_open(cfg, "dest", NULL, &m->dest, err, errlen) < 0) {
		m->ops->close(m->src);
		m->src = NULL;
		return -1;
	}
	/* The journal's own run only (nothing has been sent yet); this ends
	 * the provisional transaction, keeping what the run wrote before. */
	if (migration_identity(m->journal, cfg, src_name, m->dest, m->prefix, m->force_identity,
			       err, errlen) < 0)
		return -1;
	m->order = choose_order(m);
	/* --with-gateways: given now, or recorded by the run being resumed. */
	if ((v = journal_meta_get(m->journal, "with_gateways"))) {
		m->with_gateways |= strcmp(v, "1") == 0;
		free(v);
	}
	m->with_gateways |= cfg->o.with_gateways;
	if ((v = journal_meta_get(m->journal, "delete_source_gateways"))) {
		m->delete_source_gateways |= strcmp(v, "1") == 0;
		free(v);
	}
	m->delete_source_gateways |= cfg->o.delete_source_gateways;
	if (m->delete_source_gateways && !m->with_gateways) {
		snprintf(err, errlen,
			 "--delete-source-gateways: only with --with-gateways; "
			 "nothing was changed");
		return -1;
	}
	if (m->with_gateways && (!m->ops->gateways || m->order != ORDER_CREATE_FIRST)) {
		snprintf(err, errlen, "--with-gateways: %s; nothing was changed",
			 !m->ops->gateways ? "the source has no gateways (only tts has)"
					   : "source and destination are one deployment: its "
					     "gateways need not move");
		return -1;
	}
	/* The gateways' address at the destination is the run's: a resumed
	 * run registers and switches them to the same host. */
	const char *gsa = cfg_str(cfg, "dest", "gateway-server-address");
	if (m->with_gateways && (v = journal_meta_get(m->journal, "gateway_server_address"))) {
		if (gsa && strcmp(gsa, v) != 0) {
			snprintf(err, errlen,
				 "--dest.gateway-server-address %.100s: the journal's run uses "
				 "%.100s; nothing was changed",
				 gsa, v);
			free(v);
			return -1;
		}
		m->gw_server_address = v;
	} else if (m->with_gateways && gsa && !(m->gw_server_address = strdup(gsa))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!m->ops->retire_device)
		log_info("the source is read-only: each device is exported, then created and "
			 "verified at the destination; nothing changes at the source");
	else if (!m->ops->freeze_read || !m->ops->freeze || !m->ops->unfreeze)
		log_info("the source cannot hold a device back while it is copied: each device is "
			 "exported, retired at the source as its flags say, then created and "
			 "verified at the destination");
	else
		log_info("source and destination are %s: %s",
			 m->order == ORDER_CREATE_FIRST ? "two deployments" : "one deployment",
			 m->order == ORDER_CREATE_FIRST
			     ? "each device is frozen at the source, created and verified at the "
			       "destination, then deleted at the source"
			     : "each device is deleted at the source before it is created at the "
			       "destination (its EUIs cannot be registered twice)");
	/* Recorded before the first request: a run killed at any point can be
	 * resumed. */
	if (journal_meta_set(m->journal, "source", src_name) < 0 ||
	    journal_meta_set(m->journal, "retire", m->keep_source ? "disable" : "delete") < 0 ||
	    journal_meta_set(m->journal, "prefix", m->prefix ? m->prefix : "") < 0 ||
	    journal_meta_set(m->journal, "order", migration_order_name(m->order)) < 0 ||
	    (m->with_gateways && journal_meta_set(m->journal, "with_gateways", "1") < 0) ||
	    (m->delete_source_gateways &&
	     journal_meta_set(m->journal, "delete_source_gateways", "1") < 0) ||
	    (m->gw_server_address &&
	     journal_meta_set(m->journal, "gateway_server_address", m->gw_server_address) < 0) ||
	    journal_meta_set(m->journal, "destination_application", dest_app_id(m->dest)) < 0) {
		snprintf(err, errlen, "journal: cannot record the run's settings: %s",
			 journal_errmsg(m->journal));
		return -1;
	}
	if (precheck_init(&m->pre, m->prefix, m->force, dest_api(m->dest), dest_app_id(m->dest),
			  /* a source's ids and EUIs are unique there, and the
			   * journal keys devices: no cross-device rules */
			  false) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* A source with gateways records which gateways heard each device:
	 * a device no movable gateway hears must not be moved with its session
	 * (Packet Broker routes its DevAddr back to the source). */
	if (m->ops->gateways)
		precheck_coverage(&m->pre, cfg);
	m->pre.gateways_move = m->with_gateways;
	return 0;
}

void migration_close_ends(struct migration *m)
{
	if (m->pre.checker)
		precheck_summary(&m->pre);
	precheck_free(&m->pre);
	dest_close(m->dest);
	if (m->src)
		m->ops->close(m->src);
	free(m->owned_prefix);
	free(m->gw_server_address);
	m->gw_server_address = NULL;
	m->dest = NULL;
	m->src = NULL;
	m->owned_prefix = NULL;
}
