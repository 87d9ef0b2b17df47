/* `check --coverage`: the classes of shared/spec/gateways.md §5.5 (see coverage.h). */
#include "check/coverage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "core/ids.h"
#include "core/jsonpath.h"
#include "core/strbuf.h"

#define SHOW_MAX 5 /* names listed in a message before "and N more" */

struct coverage {
	json_t *devs; /* [{id, where, moved, session, ups:[[gateway id...]...]}] */
};

struct coverage *coverage_new(void)
{
	struct coverage *cv = calloc(1, sizeof *cv);
	if (cv && !(cv->devs = json_array())) {
		free(cv);
		return NULL;
	}
	return cv;
}

void coverage_free(struct coverage *cv)
{
	if (!cv)
		return;
	json_decref(cv->devs);
	free(cv);
}

enum cov_owner coverage_owner_of(const json_t *rights)
{
	if (!json_is_array(rights) || json_array_size(rights) == 0)
		return COV_FOREIGN;
	if (jp_array_has(rights, "RIGHT_GATEWAY_ALL") || jp_array_has(rights, "RIGHT_ALL") ||
	    (jp_array_has(rights, "RIGHT_GATEWAY_SETTINGS_BASIC") &&
	     jp_array_has(rights, "RIGHT_GATEWAY_DELETE")))
		return COV_MOVABLE;
	return COV_VISIBLE;
}

/* The gateways of one recent uplink: each rx_metadata entry's gateway id,
 * "packetbroker" for one that came through Packet Broker; no duplicates. */
static json_t *uplink_gateways(const json_t *up)
{
	json_t *gws = json_array();
	size_t i;
	json_t *md;
	json_array_foreach(json_object_get(up, "rx_metadata"), i, md)
	{
		const char *id = json_string_value(jp_get(md, "gateway_ids.gateway_id"));
		if ((!id || !*id) && json_object_get(md, "packet_broker"))
			id = COVERAGE_PB_ID;
		if (!id || !*id)
			continue;
		bool seen = false;
		size_t j;
		json_t *g;
		json_array_foreach(gws, j, g)
		{
			seen = seen || strcmp(json_string_value(g), id) == 0;
		}
		if (!seen)
			json_array_append_new(gws, json_string(id));
	}
	return gws;
}

int coverage_add(struct coverage *cv, const json_t *dev, const char *where, bool moved)
{
	json_t *d = json_object();
	if (!d)
		return -1;
	const char *id = json_string_value(jp_get(dev, "ids.device_id"));
	json_object_set_new(d, "id", id ? json_string(id) : json_null());
	json_object_set_new(d, "where", where ? json_string(where) : json_null());
	json_object_set_new(d, "moved", json_boolean(moved));
	json_object_set_new(d, "session",
			    json_boolean(json_is_object(json_object_get(dev, "session"))));
	json_t *ups = json_array();
	size_t i;
	json_t *up;
	json_array_foreach(jp_get(dev, "mac_state.recent_uplinks"), i, up)
	{
		/* An uplink that names no gateway (no rx_metadata) says nothing
		 * about who heard it: it is not counted either way. */
		json_t *gws = uplink_gateways(up);
		if (json_array_size(gws))
			json_array_append_new(ups, gws);
		else
			json_decref(gws);
	}
	json_object_set_new(d, "ups", ups);
	return json_array_append_new(cv->devs, d);
}

/* Appends the names of list (an array of strings), at most SHOW_MAX. */
static void add_names(struct strbuf *sb, const json_t *list)
{
	size_t i, n = json_array_size(list);
	for (i = 0; i < n && i < SHOW_MAX; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", json_string_value(json_array_get(list, i)));
	if (n > SHOW_MAX)
		strbuf_addf(sb, " and %zu more", n - SHOW_MAX);
}

static void add_unique(json_t *list, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		if (strcmp(json_string_value(v), s) == 0)
			return;
	}
	json_array_append_new(list, json_string(s));
}

struct run {
	coverage_rights_fn rights;
	void *ctx;
	json_t *owner; /* gateway id → cov_owner */
	json_t *findings;
	struct coverage_summary *sum;
	bool gave_up;
};

static enum cov_owner owner(struct run *r, const char *gw)
{
	/* packetbroker, and what cannot be a gateway ID at all, never move. */
	if (strcmp(gw, COVERAGE_PB_ID) == 0 || !ids_valid(gw))
		return COV_FOREIGN;
	json_t *known = json_object_get(r->owner, gw);
	if (known)
		return (enum cov_owner)json_integer_value(known);
	enum cov_owner o = COV_UNKNOWN;
	if (r->rights && !r->gave_up) {
		json_t *rights = NULL;
		char err[256] = "";
		r->sum->asked++;
		int rc = r->rights(r->ctx, gw, &rights, err, sizeof err);
		if (rc == 0) {
			o = coverage_owner_of(rights);
		} else if (rc == -2) {
			r->gave_up = true;
			check_add(
			    r->findings, CHECK_WARNING, "coverage-rights-unavailable", NULL, NULL,
			    NULL,
			    "gateway rights cannot be read at the source (%s): the ownership of "
			    "%s and of every further gateway is unknown, counted as movable",
			    err, gw);
		} else {
			check_add(
			    r->findings, CHECK_WARNING, "coverage-rights-unavailable", NULL, NULL,
			    NULL,
			    "gateway %s: its rights cannot be read at the source (%s): ownership "
			    "unknown, counted as movable",
			    gw, err);
		}
		json_decref(rights);
	}
	json_object_set_new(r->owner, gw, json_integer(o));
	return o;
}

static bool moves(enum cov_owner o)
{
	return o == COV_MOVABLE || o == COV_UNKNOWN;
}

static const char *dev_id(const json_t *d)
{
	return json_string_value(json_object_get(d, "id"));
}
static const char *dev_where(const json_t *d)
{
	return json_string_value(json_object_get(d, "where"));
}

/* Classifies one device: returns 'A'..'D'; fills its movable gateways and
 * the gateways of the uplinks no movable gateway heard. */
static char classify(struct run *r, const json_t *d, json_t *movable, json_t *lost_by, size_t *nup,
		     size_t *nlost)
{
	const json_t *ups = json_object_get(d, "ups");
	*nup = json_array_size(ups);
	*nlost = 0;
	size_t i;
	json_t *up;
	json_array_foreach(ups, i, up)
	{
		bool heard = false;
		size_t j;
		json_t *g;
		json_array_foreach(up, j, g)
		{
			const char *gw = json_string_value(g);
			if (moves(owner(r, gw))) {
				heard = true;
				add_unique(movable, gw);
			}
		}
		if (!heard) {
			(*nlost)++;
			json_array_foreach(up, j, g)
			{
				add_unique(lost_by, json_string_value(g));
			}
		}
	}
	if (*nup == 0)
		return 'D';
	if (*nlost == 0)
		return 'A';
	return *nlost == *nup ? 'C' : 'B';
}

static void finding(struct run *r, const json_t *d, char cls, const json_t *movable,
		    const json_t *lost_by, size_t nup, size_t nlost)
{
	struct strbuf m = STRBUF_INIT;
	const char *id = dev_id(d), *where = dev_where(d);
	const char *who = r->sum->offline ? " (offline: if they are yours)" : "";
	switch (cls) {
	case 'A':
		strbuf_addf(&m, "class A: all %zu recent uplinks heard by a gateway of the plan (",
			    nup);
		add_names(&m, movable);
		strbuf_addf(&m, ")%s", who);
		check_add(r->findings, CHECK_INFO, "coverage-a", id, "mac_state.recent_uplinks",
			  where, "%s", m.buf);
		break;
	case 'B':
		strbuf_addf(
		    &m,
		    "class B: %zu of %zu recent uplinks (%zu%%) heard only by gateways that "
		    "do not move (",
		    nlost, nup, (nlost * 100 + nup / 2) / nup);
		add_names(&m, lost_by);
		strbuf_addstr(&m, "); expect to lose about that share of its uplinks after the move"
				  " (the rest through ");
		add_names(&m, movable);
		strbuf_addstr(&m, ")");
		check_add(r->findings, CHECK_WARNING, "coverage-b", id, "mac_state.recent_uplinks",
			  where, "%s", m.buf);
		break;
	case 'C': {
		strbuf_addf(
		    &m,
		    "class C: none of its %zu recent uplinks heard by a gateway you can move "
		    "(only ",
		    nup);
		add_names(&m, lost_by);
		strbuf_addstr(
		    &m, "): its session would be cut off; do not move the session: export "
			"it with --no-session (an OTAA device rejoins with a destination "
			"DevAddr that Packet Broker routes), or move a gateway that hears it");
		const char *sev = CHECK_ERROR;
		if (check_allowed("coverage-c")) {
			sev = CHECK_WARNING;
			strbuf_addstr(&m, " (allowed by --allow coverage-c)");
		}
		check_add(r->findings, sev, "coverage-c", id, "mac_state.recent_uplinks", where,
			  "%s", m.buf);
		break;
	}
	default:
		check_add(r->findings, CHECK_WARNING, "coverage-d", id, "mac_state.recent_uplinks",
			  where,
			  "class D: no recent uplinks: which gateways hear it is unknown (a silent "
			  "device, or a session without uplinks yet)");
	}
	strbuf_release(&m);
}

int coverage_run(struct coverage *cv, coverage_rights_fn rights, void *ctx, json_t *findings,
		 struct coverage_summary *sum)
{
	memset(sum, 0, sizeof *sum);
	sum->plan = json_array();
	sum->offline = rights == NULL;
	struct run r = {rights, ctx, json_object(), findings, sum, false};
	size_t before = json_array_size(findings);
	json_t *staying = json_array(); /* the devices that stay behind */
	size_t i;
	json_t *d;
	json_array_foreach(cv->devs, i, d)
	{
		if (!json_is_true(json_object_get(d, "session"))) {
			sum->no_session++;
			continue;
		}
		if (!json_is_true(json_object_get(d, "moved"))) {
			sum->staying++;
			json_array_append(staying, d);
			continue;
		}
		json_t *movable = json_array(), *lost_by = json_array();
		size_t nup, nlost;
		char cls = classify(&r, d, movable, lost_by, &nup, &nlost);
		finding(&r, d, cls, movable, lost_by, nup, nlost);
		switch (cls) {
		case 'A':
			sum->a++;
			break;
		case 'B':
			sum->b++;
			break;
		case 'C':
			sum->c++;
			json_array_append(staying, d);
			break;
		default:
			sum->d++;
		}
		if (cls == 'A' || cls == 'B') {
			size_t j;
			json_t *g;
			json_array_foreach(movable, j, g)
			{
				add_unique(sum->plan, json_string_value(g));
			}
		}
		json_decref(movable);
		json_decref(lost_by);
	}
	/* The plan's gateways that also hear devices staying behind. */
	json_array_foreach(sum->plan, i, d)
	{
		const char *gw = json_string_value(d);
		json_t *who = json_array();
		size_t j;
		json_t *s;
		json_array_foreach(staying, j, s)
		{
			bool hears = false;
			size_t k;
			json_t *up;
			json_array_foreach(json_object_get(s, "ups"), k, up)
			{
				size_t l;
				json_t *g;
				json_array_foreach(up, l, g)
				{
					hears = hears || strcmp(json_string_value(g), gw) == 0;
				}
			}
			if (hears)
				add_unique(who, dev_id(s) ? dev_id(s) : "(no id)");
		}
		if (json_array_size(who)) {
			struct strbuf m = STRBUF_INIT;
			strbuf_addf(
			    &m,
			    "gateway %s is in the plan and also hears %zu device%s that stay%s "
			    "behind (",
			    gw, json_array_size(who), json_array_size(who) == 1 ? "" : "s",
			    json_array_size(who) == 1 ? "s" : "");
			add_names(&m, who);
			strbuf_addstr(&m,
				      "): once it moves they lose it, as Packet Broker does not "
				      "forward Cloud to Sandbox by default");
			check_add(findings, CHECK_WARNING, "coverage-stay-behind", NULL, NULL, NULL,
				  "%s", m.buf);
			strbuf_release(&m);
		}
		json_decref(who);
	}
	json_decref(staying);
	json_decref(r.owner);
	int errors = 0;
	for (i = before; i < json_array_size(findings); i++) {
		const char *s =
		    json_string_value(json_object_get(json_array_get(findings, i), "severity"));
		errors += s && strcmp(s, CHECK_ERROR) == 0;
	}
	return errors;
}

void coverage_summary_line(const struct coverage_summary *sum, char *buf, size_t len)
{
	struct strbuf m = STRBUF_INIT;
	strbuf_addf(&m, "coverage: A %zu, B %zu, C %zu, D %zu", sum->a, sum->b, sum->c, sum->d);
	if (sum->no_session)
		strbuf_addf(&m, "; %zu without session (rejoin%s)", sum->no_session,
			    sum->no_session == 1 ? "s" : "");
	if (sum->staying)
		strbuf_addf(&m, "; %zu refused by other rules", sum->staying);
	strbuf_addf(&m, "; plan: %zu gateway%s", json_array_size(sum->plan),
		    json_array_size(sum->plan) == 1 ? "" : "s");
	size_t i;
	json_t *g;
	json_array_foreach(sum->plan, i, g)
	{
		strbuf_addf(&m, "%s%s", i ? ", " : " (", json_string_value(g));
	}
	if (json_array_size(sum->plan))
		strbuf_addstr(&m, ")");
	if (sum->offline)
		strbuf_addstr(&m, " [offline: gateway ownership unknown]");
	snprintf(buf, len, "%s", m.buf);
	strbuf_release(&m);
}

void coverage_summary_release(struct coverage_summary *sum)
{
	json_decref(sum->plan);
	sum->plan = NULL;
}
