#include "cmd/precheck.h"

#include "cli/options.h"

#include <stdio.h>
#include <string.h>

#include "check/coverage.h"
#include "check/coverage_fetch.h"
#include "core/strbuf.h"
#include "ui/log.h"

int precheck_init(struct precheck *p, const char *prefix, bool force, struct tts_api *dest,
		  const char *dest_app, bool cross_device)
{
	memset(p, 0, sizeof *p);
	pthread_mutex_init(&p->mu, NULL);
	p->force = force;
	p->all = json_array();
	p->by_rule = json_object();
	struct check_opts opts = {.prefix = prefix, .no_cross_device = !cross_device};
	if (dest) {
		char err[512];
		if (check_fetch_dest(dest, dest_app, &opts, err, sizeof err) < 0)
			log_warn(
			    "checks: could not read the destination (%s); checking the devices "
			    "alone",
			    err);
	}
	p->checker = checker_new(&opts);
	check_opts_release(&opts);
	return p->checker ? 0 : -1;
}

void precheck_coverage(struct precheck *p, const struct config *cfg)
{
	char why[300];
	int rc = coverage_source_open(cfg, &p->cov_src, why, sizeof why);
	p->coverage = true;
	p->cov_rights = json_object();
	p->cov_plan = json_array();
	if (rc < 0) {
		log_warn("coverage: %s; every gateway counts as movable", why);
		p->cov_src = NULL;
	} else if (rc == 0) {
		log_info("coverage: offline (%s): every gateway that heard a device counts as one "
			 "you move with it",
			 why);
	}
}

/* The rights lookup, once per gateway (p->mu held). */
static int cached_rights(void *ctx, const char *gateway_id, json_t **rights, char *err,
			 size_t errlen)
{
	struct precheck *p = ctx;
	json_t *c = json_object_get(p->cov_rights, gateway_id);
	if (c) {
		*rights = json_incref(c);
		return 0;
	}
	int rc = coverage_source_rights(p->cov_src, gateway_id, rights, err, errlen);
	if (rc == 0)
		json_object_set(p->cov_rights, gateway_id, *rights);
	if (rc == -2) {
		log_warn("coverage: %s; offline from here: every gateway counts as movable", err);
		coverage_source_close(p->cov_src);
		p->cov_src = NULL;
	}
	return rc;
}

/* The device's coverage findings, appended to found; the number of errors. */
static int coverage_device(struct precheck *p, const json_t *dev, const char *where, json_t *found)
{
	struct coverage *cv = coverage_new();
	if (!cv || coverage_add(cv, dev, where, true) < 0) {
		coverage_free(cv);
		return 0;
	}
	struct coverage_summary sum = {0};
	int errors = coverage_run(cv, p->cov_src ? cached_rights : NULL, p, found, &sum);
	p->cov_n[0] += sum.a;
	p->cov_n[1] += sum.b;
	p->cov_n[2] += sum.c;
	p->cov_n[3] += sum.d;
	if (sum.a + sum.b) { /* classes A and B: their gateways move with them */
		size_t i, j;
		json_t *g, *h;
		json_array_foreach(sum.plan, i, g)
		{
			bool have = false;
			json_array_foreach(p->cov_plan, j, h) have |= json_equal(g, h);
			if (!have)
				json_array_append(p->cov_plan, g);
		}
	}
	coverage_summary_release(&sum);
	coverage_free(cv);
	return errors;
}

json_t *precheck_device_gateways(struct precheck *p, const json_t *dev)
{
	json_t *out = json_array();
	if (!p->coverage)
		return out;
	struct coverage *cv = coverage_new();
	if (!cv || coverage_add(cv, dev, NULL, true) < 0) {
		coverage_free(cv);
		return out;
	}
	json_t *found = json_array();
	struct coverage_summary sum = {0};
	pthread_mutex_lock(&p->mu);
	coverage_run(cv, p->cov_src ? cached_rights : NULL, p, found, &sum);
	pthread_mutex_unlock(&p->mu);
	if (sum.a + sum.b)
		json_array_extend(out, sum.plan);
	coverage_summary_release(&sum);
	coverage_free(cv);
	json_decref(found);
	return out;
}

int precheck_device(struct precheck *p, const json_t *dev, const char *where, char *err,
		    size_t errlen)
{
	json_t *found = json_array();
	pthread_mutex_lock(&p->mu);
	int errors = checker_device(p->checker, dev, where, found);
	/* A device refused by another rule stays behind: not classified. */
	if (p->coverage && errors == 0)
		errors += coverage_device(p, dev, where, found);
	p->devices++;
	size_t i;
	json_t *f;
	json_array_foreach(found, i, f)
	{
		if (p->keep_all)
			json_array_append(p->all, f);
		const char *sev = json_string_value(json_object_get(f, "severity"));
		const char *rule = json_string_value(json_object_get(f, "rule"));
		if (!sev || !rule || strcmp(sev, CHECK_WARNING) != 0)
			continue;
		json_t *r = json_object_get(p->by_rule, rule);
		if (!r)
			json_object_set_new(p->by_rule, rule,
					    json_pack("{s:i,s:O}", "count", 0, "example", f));
		r = json_object_get(p->by_rule, rule);
		json_object_set_new(
		    r, "count", json_integer(json_integer_value(json_object_get(r, "count")) + 1));
	}
	pthread_mutex_unlock(&p->mu);
	int rc = 0;
	/* The error that is reported: the first one that cannot be allowed
	 * (a value import cannot even write), else the first one. */
	size_t first = (size_t)-1;
	json_array_foreach(found, i, f)
	{
		const char *sev = json_string_value(json_object_get(f, "severity"));
		const char *rule = json_string_value(json_object_get(f, "rule"));
		if (sev && strcmp(sev, CHECK_ERROR) == 0 && rule && check_rule_fatal(rule)) {
			first = i;
			break;
		}
	}
	if (first != (size_t)-1) {
		json_t *f0 = json_array_get(found, first);
		json_incref(f0);
		json_array_remove(found, first);
		json_array_insert_new(found, 0, f0);
	}
	json_array_foreach(found, i, f)
	{
		const char *sev = json_string_value(json_object_get(f, "severity"));
		const char *rule = json_string_value(json_object_get(f, "rule"));
		const char *msg = json_string_value(json_object_get(f, "message"));
		if (!sev || strcmp(sev, CHECK_ERROR) != 0 || rc != 0 || errors == 0)
			continue;
		bool allowed =
		    (p->force && !check_rule_fatal(rule ? rule : "")) || check_allowed(rule);
		if (allowed) {
			log_warn("%s: %s (check %s; allowed: going on)", where, msg ? msg : "?",
				 rule ? rule : "?");
			continue;
		}
		if (rule && !check_rule_fatal(rule))
			str_printf_cut(err, errlen, "%s (check %s; --allow %s imports it anyway)",
				       msg ? msg : "?", rule, rule);
		else
			str_printf_cut(err, errlen, "%s (check %s)", msg ? msg : "?",
				       rule ? rule : "?");
		rc = -1;
	}
	json_decref(found);
	return rc;
}

void precheck_fallbacks(json_t *dev, const struct config *cfg)
{
	const char *const fields[][2] = {
	    {"frequency_plan_id", cfg->o.fallback_frequency_plan_id},
	    {"lorawan_version", cfg->o.fallback_lorawan_version},
	    {"lorawan_phy_version", cfg->o.fallback_lorawan_phy_version},
	};
	if (!json_is_object(dev))
		return;
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
		const char *fb = fields[i][1];
		json_t *v = json_object_get(dev, fields[i][0]);
		if (fb && *fb &&
		    (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v))))
			json_object_set_new(dev, fields[i][0], json_string(fb));
	}
}

void precheck_summary(struct precheck *p)
{
	const char *rule;
	json_t *r;
	if (p->coverage && p->cov_n[0] + p->cov_n[1] + p->cov_n[2] + p->cov_n[3]) {
		struct strbuf sb = STRBUF_INIT;
		size_t i;
		json_t *g;
		json_array_foreach(p->cov_plan, i, g)
		{
			strbuf_addsep(&sb, ", ");
			strbuf_addstr(&sb, json_string_value(g));
		}
		log_info("coverage: A %zu, B %zu, C %zu, D %zu; the gateways that hear the moved "
			 "devices (%s): %s",
			 p->cov_n[0], p->cov_n[1], p->cov_n[2], p->cov_n[3],
			 p->gateways_move ? "moved with them: --with-gateways"
					  : "move them too: tts gateways switch, gateways import",
			 sb.len ? sb.buf : "none");
		strbuf_release(&sb);
	}
	json_object_foreach(p->by_rule, rule, r)
	{
		json_t *ex = json_object_get(r, "example");
		log_warn("%lld device%s: %s: %s (e.g. %s)",
			 (long long)json_integer_value(json_object_get(r, "count")),
			 json_integer_value(json_object_get(r, "count")) == 1 ? "" : "s", rule,
			 json_string_value(json_object_get(ex, "message")),
			 json_string_value(json_object_get(ex, "device_id"))
			     ? json_string_value(json_object_get(ex, "device_id"))
			     : "-");
	}
}

void precheck_free(struct precheck *p)
{
	if (!p->all)
		return; /* never initialised */
	checker_free(p->checker);
	coverage_source_close(p->cov_src);
	json_decref(p->cov_rights);
	json_decref(p->cov_plan);
	json_decref(p->all);
	json_decref(p->by_rule);
	pthread_mutex_destroy(&p->mu);
	memset(p, 0, sizeof *p);
}
