/*
 * `restore --gateway ID`: a gateway of the cut-over (cutover.c) put back,
 * from what the journal recorded of it:
 *
 *   - moved by the source's CUPS (Procedure A): the source's LNS settings
 *     put back as recorded before the switch (lns_restore), so the source's
 *     CUPS hands it the source's LNS again;
 *   - switched by the operator (UDP, other): the operator is told what to
 *     change back on the gateway;
 *   - at the destination: deleted when this journal's run registered it (its
 *     keys go with it, and the Gateway Server drops its connection, so a
 *     Basic Station asks CUPS again); one found there is left, only its LNS
 *     key loses LINK after Procedure A (as `gateways switch --undo`).
 *
 * Each step can be repeated (lns_restore writes recorded values, a delete of
 * a gone gateway is done, taking LINK twice changes nothing), so the journal
 * only records the end: → restored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dest/gw_dest.h"
#include "migrate/migrate.h"
#include "ui/log.h"

struct gwr {
	const struct config *cfg;
	struct journal *j;
	const struct src_gateway_ops *ops;
	struct src_gateways *src;
	struct gw_dest *dest;
};

/* Where the source's gateway points (its gateway_server_address), or NULL. */
static char *source_address(struct gwr *r, const char *id)
{
	json_t *gw = NULL;
	struct src_err se = {0};
	if (r->ops->export_gateway(r->src, id, &gw, &se) < 0)
		return NULL;
	/* export_gateway's is the gateway itself, in TTS JSON */
	const char *a = json_string_value(json_object_get(gw, "gateway_server_address"));
	char *out = a ? strdup(a) : NULL;
	json_decref(gw);
	return out;
}

static int restore_one(struct gwr *r, const char *id)
{
	struct jgateway g;
	char e[768];
	struct src_err se = {0};
	int found = journal_gw_get(r->j, id, &g);
	if (found != 1) {
		log_error("gateway %s: %s", id,
			  found == 0 ? "not in the journal" : journal_errmsg(r->j));
		return -1;
	}
	int rc = -1;
	if (g.state == G_RESTORED) {
		log_info("gateway %s: already restored", id);
		rc = 0;
		goto out;
	}
	if (g.state == G_SOURCE_DELETED) {
		log_error(
		    "gateway %s: deleted at the source (--delete-source-gateways): restore it "
		    "there first (within 24 h of the delete: POST "
		    "/api/v3/gateways/%s/restore with RIGHT_GATEWAY_DELETE), then point it back",
		    id, id);
		goto out;
	}
	bool cups = g.protocol && strcmp(g.protocol, "cups") == 0;
	if (g.state >= G_SWITCHING && cups && g.record) {
		if (r->ops->lns_restore(r->src, id, g.record, &se) < 0) {
			log_error("gateway %s: %s", id, se.msg);
			goto out;
		}
		log_info("gateway %s: the source's CUPS hands it its source LNS again", id);
	} else if (g.state >= G_SWITCHING) {
		char *addr = source_address(r, id);
		printf("gateway %s (%s): on the gateway, set its server back to %s (the source's "
		       "Gateway Server), then restart it\n",
		       id,
		       g.protocol && strcmp(g.protocol, "udp") == 0 ? "Semtech UDP" : g.protocol,
		       addr ? addr : "the address it had");
		fflush(stdout);
		free(addr);
	}
	if (g.state >= G_CREATED && g.created) {
		if (gwdest_delete(r->dest, id, e, sizeof e) < 0) {
			log_error("%s", e);
			goto out;
		}
		log_info("gateway %s: deleted at the destination (this run had registered it; "
			 "its ID stays taken there)",
			 id);
	} else if (g.state >= G_SWITCHING && cups) {
		if (gwdest_lns_revoke(r->dest, id, e, sizeof e) < 0) {
			log_error("%s", e);
			goto out;
		}
		log_info("gateway %s: left at the destination (not registered by this run); its "
			 "LNS key lost LINK",
			 id);
	} else if (g.state >= G_CREATED) {
		log_info("gateway %s: left at the destination (not registered by this run)", id);
	}
	int mv = journal_gw_move(r->j, id, g.state, G_RESTORED, NULL);
	if (mv != 0) {
		log_error("gateway %s: journal: cannot record restored (%s)", id,
			  mv == JOURNAL_CONFLICT ? "changed by another process" : "write failed");
		goto out;
	}
	rc = 0;
out:
	jgateway_free(&g);
	return rc;
}

static int collect(void *ud, const struct jgateway *g)
{
	return strlist_add(ud, g->id);
}

struct left {
	const struct strlist *restored;
	size_t n;
};

/* A device still at the destination whose gateway went back: it is heard
 * by neither network until it is restored too (or the gateway moves again). */
static int warn_left(void *ud, const struct jdevice *d)
{
	struct left *l = ud;
	size_t i;
	json_t *g;
	if ((d->state != J_HELD && d->state != J_VERIFIED) || !d->gateways)
		return 0;
	json_array_foreach(d->gateways, i, g)
	{
		for (size_t k = 0; k < l->restored->n; k++)
			if (json_string_value(g) &&
			    strcmp(json_string_value(g), strlist_get(l->restored, k)) == 0) {
				log_warn("device \"%s\": still at the destination (%s), but its "
					 "gateway %s goes back to the source: restore it too "
					 "(restore --from-destination %s/%s)",
					 d->src_dev, jstate_name(d->state), json_string_value(g),
					 d->src_app, d->src_dev);
				l->n++;
				return 0;
			}
	}
	return 0;
}

int restore_gateways(const struct config *cfg, struct journal *j, const struct source_ops *ops,
		     const struct opt_list *ids)
{
	struct gwr r = {.cfg = cfg, .j = j, .ops = ops->gateways};
	struct strlist all = {0};
	bool every = false;
	struct src_err se = {0};
	char e[768];
	int rc = -1;
	if (!r.ops) {
		log_error("restore --gateway: the source %s has no gateways", ops->name);
		return -1;
	}
	for (size_t i = 0; i < ids->n; i++)
		if (strcmp(ids->v[i], "all") == 0) {
			every = true;
			if (journal_gw_each(j, collect, &all) < 0) {
				log_error("journal: cannot read the gateways: %s",
					  journal_errmsg(j));
				return -1;
			}
			break;
		}
	if (r.ops->open(cfg, &r.src, &se) < 0) {
		log_error("restore: the source's gateways: %s", se.msg);
		goto done;
	}
	if (gwdest_open(cfg, &r.dest, e, sizeof e) < 0) {
		log_error("restore: the destination's gateways: %s", e);
		goto done;
	}
	rc = 0;
	if (every && !all.n)
		log_info("restore: no gateways in this journal");
	struct strlist done_ids = {0};
	size_t n = every ? all.n : ids->n;
	for (size_t i = 0; i < n; i++) {
		const char *id = every ? strlist_get(&all, i) : ids->v[i];
		if (restore_one(&r, id) < 0)
			rc = -1;
		else
			strlist_add(&done_ids, id);
	}
	struct left l = {.restored = &done_ids};
	if (done_ids.n && journal_each(j, false, true, warn_left, &l) < 0)
		log_error("journal: cannot read the devices: %s", journal_errmsg(j));
	strlist_free(&done_ids);
done:
	strlist_free(&all);
	gwdest_close(r.dest);
	if (r.src)
		r.ops->close(r.src);
	return rc ? -1 : 0;
}
