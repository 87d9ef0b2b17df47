/*
 * The cut-over's gateways in the journal (journal.h: the gateways table and
 * its states). Rows are added by journal_move (a held device's gateways);
 * here they are read and moved, each move a compare-and-set committed before
 * it returns, as the devices' are.
 */
#include "journal/journal.h"
#include "journal/journal_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const gstate_names[G_NSTATES] = {
    "planned", "created", "switching", "switched", "connected", "restored", "source-deleted"};

const char *gstate_name(enum gstate s)
{
	return s < G_NSTATES ? gstate_names[s] : "?";
}

static enum gstate gstate_of(const char *name)
{
	for (int i = 0; i < G_NSTATES; i++)
		if (name && strcmp(name, gstate_names[i]) == 0)
			return (enum gstate)i;
	return G_NSTATES; /* no step acts on it */
}

void jgateway_free(struct jgateway *g)
{
	free(g->id);
	free(g->protocol);
	free(g->since);
	free(g->error);
	if (g->record) {
		/* it holds the source's LNS key: wiped before it goes */
		json_t *sec =
		    json_object_get(json_object_get(g->record, "lbs_lns_secret"), "value");
		if (json_is_string(sec) &&
		    json_object_get(g->record, "lbs_lns_secret")->refcount == 1)
			memset((char *)json_string_value(sec), 0, json_string_length(sec));
		json_decref(g->record);
	}
	memset(g, 0, sizeof *g);
}

#define GW_COLUMNS "gateway_id, state, protocol, record, since, error, attempts, created"

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? strdup((const char *)t) : NULL;
}

static void gw_fill(sqlite3_stmt *st, struct jgateway *g)
{
	memset(g, 0, sizeof *g);
	g->id = dup_col(st, 0);
	g->state = gstate_of((const char *)sqlite3_column_text(st, 1));
	g->protocol = dup_col(st, 2);
	const unsigned char *rec = sqlite3_column_text(st, 3);
	g->record = rec ? json_loads((const char *)rec, 0, NULL) : NULL;
	g->since = dup_col(st, 4);
	g->error = dup_col(st, 5);
	g->attempts = (long)sqlite3_column_int64(st, 6);
	g->created = sqlite3_column_int(st, 7) != 0;
}

int journal_gw_move(struct journal *j, const char *id, enum gstate from, enum gstate to,
		    const struct gwrite *w)
{
	static const struct gwrite none = {0};
	if (!w)
		w = &none;
	char ts[32];
	jnl_now(ts, sizeof ts);
	char *rec = w->record ? json_dumps(w->record, JSON_COMPACT) : NULL;
	const char *p[] = {id,
			   gstate_name(from),
			   gstate_name(to),
			   w->protocol,
			   rec,
			   w->since,
			   w->error,
			   w->attempt ? "1" : "0",
			   ts,
			   w->created ? "1" : "0"};
	int changed = 0;
	pthread_mutex_lock(&j->mu);
	int rc = jnl_exec(j,
			  "UPDATE gateways SET state = ?3, protocol = COALESCE(?4, protocol), "
			  "record = COALESCE(?5, record), since = COALESCE(?6, since), error = ?7, "
			  "attempts = attempts + CAST(?8 AS INTEGER), updated_at = ?9, "
			  "created = MAX(created, CAST(?10 AS INTEGER)) "
			  "WHERE gateway_id = ?1 AND state = ?2",
			  10, p, &changed);
	if (rc < 0)
		jnl_broke(j);
	pthread_mutex_unlock(&j->mu);
	if (rec) {
		memset(rec, 0, strlen(rec));
		free(rec);
	}
	if (rc < 0)
		return -1;
	return changed == 1 ? 0 : JOURNAL_CONFLICT;
}

int journal_gw_fail(struct journal *j, const char *id, const char *error)
{
	char ts[32];
	jnl_now(ts, sizeof ts);
	const char *p[] = {id, error, ts};
	pthread_mutex_lock(&j->mu);
	int rc =
	    jnl_exec(j,
		     "UPDATE gateways SET error = ?2, attempts = attempts + 1, updated_at = ?3 "
		     "WHERE gateway_id = ?1",
		     3, p, NULL);
	if (rc < 0)
		jnl_broke(j);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

int journal_gw_get(struct journal *j, const char *id, struct jgateway *out)
{
	sqlite3_stmt *st;
	pthread_mutex_lock(&j->mu);
	if (sqlite3_prepare_v2(j->db, "SELECT " GW_COLUMNS " FROM gateways WHERE gateway_id = ?1",
			       -1, &st, NULL) != SQLITE_OK) {
		pthread_mutex_unlock(&j->mu);
		return -1;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		gw_fill(st, out);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&j->mu);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

struct gw_each {
	journal_gw_cb cb;
	void *ud;
};

static int gw_row(sqlite3_stmt *st, void *ud)
{
	struct gw_each *e = ud;
	struct jgateway g;
	gw_fill(st, &g);
	int rc = e->cb(e->ud, &g);
	jgateway_free(&g);
	return rc < 0 ? -1 : 0;
}

int journal_gw_each(struct journal *j, journal_gw_cb cb, void *ud)
{
	struct gw_each e = {cb, ud};
	return jnl_rows(j, "SELECT " GW_COLUMNS " FROM gateways ORDER BY gateway_id", gw_row, &e);
}
