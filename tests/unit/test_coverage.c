/*
 * Unit tests for src/check/coverage.c (check --coverage): ownership from
 * rights (shared/spec/gateways.md §5.4), the classes A-D (§5.5) and the
 * share of class B, the plan, the stay-behind warning (§6), devices without
 * a session, offline mode, failing lookups, each gateway asked once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "check/coverage.h"
#include "unit.h"

/* The fake source: rights per gateway id (absent: a stranger, []), which
 * gateways fail (-1) or refuse the key (-2), and every id asked. */
struct fake {
	json_t *rights;
	const char *fail, *refuse;
	json_t *asked;
};

static int fake_rights(void *ctx, const char *gw, json_t **rights, char *err, size_t errlen)
{
	struct fake *f = ctx;
	json_array_append_new(f->asked, json_string(gw));
	if (f->fail && strcmp(gw, f->fail) == 0) {
		snprintf(err, errlen, "HTTP 500: boom");
		return -1;
	}
	if (f->refuse && strcmp(gw, f->refuse) == 0) {
		snprintf(err, errlen, "HTTP 401: key refused");
		return -2;
	}
	json_t *r = json_object_get(f->rights, gw);
	*rights = r ? json_incref(r) : json_array();
	return 0;
}

#define MOVABLE "[\"RIGHT_GATEWAY_INFO\",\"RIGHT_GATEWAY_SETTINGS_BASIC\",\"RIGHT_GATEWAY_DELETE\"]"

static struct fake fake_new(void)
{
	struct fake f = {0};
	f.rights = parse("{\"own-1\":" MOVABLE ",\"own-2\":[\"RIGHT_GATEWAY_ALL\"],"
			 "\"seen-1\":[\"RIGHT_GATEWAY_INFO\",\"RIGHT_GATEWAY_LINK\"]}");
	f.asked = json_array();
	return f;
}

static void fake_free(struct fake *f)
{
	json_decref(f->rights);
	json_decref(f->asked);
}

/* A device with a session whose recent uplinks were heard by the gateways
 * in ups, e.g. "[[\"own-1\"],[\"packetbroker\"]]"; NULL: no mac_state. */
static json_t *device(const char *id, const char *ups, bool session)
{
	json_t *d = json_pack("{s:{s:s}}", "ids", "device_id", id);
	if (session)
		json_object_set_new(d, "session", parse("{\"dev_addr\":\"260B2F9D\"}"));
	if (ups) {
		json_t *list = parse(ups), *recent = json_array();
		size_t i, j;
		json_t *up, *g;
		json_array_foreach(list, i, up)
		{
			json_t *md = json_array();
			json_array_foreach(up, j, g)
			{
				json_t *e = json_object();
				if (strcmp(json_string_value(g), "pb-marker") == 0)
					json_object_set_new(e, "packet_broker", json_object());
				else
					json_object_set_new(e, "gateway_ids",
							    json_pack("{s:O}", "gateway_id", g));
				json_array_append_new(md, e);
			}
			json_array_append_new(recent, json_pack("{s:o}", "rx_metadata", md));
		}
		json_decref(list);
		json_object_set_new(d, "mac_state", json_pack("{s:o}", "recent_uplinks", recent));
	}
	return d;
}

static void add(struct coverage *cv, const char *id, const char *ups, bool session, bool moved)
{
	json_t *d = device(id, ups, session);
	char where[64];
	snprintf(where, sizeof where, "devices.json:%s", id);
	assert_int_equal(coverage_add(cv, d, where, moved), 0);
	json_decref(d);
}

/* The findings of rule (optionally only of device id). */
static size_t count(const json_t *findings, const char *rule, const char *id)
{
	size_t n = 0, i;
	json_t *f;
	json_array_foreach(findings, i, f)
	{
		const char *d = json_string_value(json_object_get(f, "device_id"));
		if (strcmp(json_string_value(json_object_get(f, "rule")), rule) == 0 &&
		    (!id || (d && strcmp(d, id) == 0)))
			n++;
	}
	return n;
}

static const json_t *find(const json_t *findings, const char *rule, const char *id)
{
	size_t i;
	json_t *f;
	json_array_foreach(findings, i, f)
	{
		const char *d = json_string_value(json_object_get(f, "device_id"));
		if (strcmp(json_string_value(json_object_get(f, "rule")), rule) == 0 &&
		    (!id || (d && strcmp(d, id) == 0)))
			return f;
	}
	return NULL;
}

static const char *msg(const json_t *f)
{
	assert_non_null(f);
	return json_string_value(json_object_get(f, "message"));
}

static const char *sev(const json_t *f)
{
	assert_non_null(f);
	return json_string_value(json_object_get(f, "severity"));
}

static void assert_plan(const struct coverage_summary *s, const char *want)
{
	char *got = json_dumps(s->plan, JSON_COMPACT);
	assert_string_equal(got, want);
	free(got);
}

static void test_owner_of(void **state)
{
	(void)state;
	json_t *r;
	assert_int_equal(coverage_owner_of(NULL), COV_FOREIGN);
	assert_int_equal(coverage_owner_of(r = parse("[]")), COV_FOREIGN);
	json_decref(r);
	assert_int_equal(coverage_owner_of(r = parse("[\"RIGHT_GATEWAY_INFO\","
						     "\"RIGHT_GATEWAY_LINK\"]")),
			 COV_VISIBLE);
	json_decref(r);
	assert_int_equal(coverage_owner_of(r = parse("[\"RIGHT_GATEWAY_SETTINGS_BASIC\"]")),
			 COV_VISIBLE);
	json_decref(r);
	assert_int_equal(coverage_owner_of(r = parse("[\"RIGHT_GATEWAY_DELETE\"]")), COV_VISIBLE);
	json_decref(r);
	assert_int_equal(coverage_owner_of(r = parse(MOVABLE)), COV_MOVABLE);
	json_decref(r);
	assert_int_equal(coverage_owner_of(r = parse("[\"RIGHT_GATEWAY_ALL\"]")), COV_MOVABLE);
	json_decref(r);
}

static void test_classes(void **state)
{
	(void)state;
	struct fake f = fake_new();
	struct coverage *cv = coverage_new();
	add(cv, "dev-a", "[[\"own-1\"],[\"own-1\",\"foreign-1\"],[\"own-2\"]]", true, true);
	add(cv, "dev-b", "[[\"own-1\"],[\"packetbroker\"],[\"foreign-1\"],[\"own-1\"]]", true,
	    true);
	add(cv, "dev-c", "[[\"foreign-1\"],[\"seen-1\"],[\"pb-marker\"]]", true, true);
	add(cv, "dev-d", "[]", true, true);
	add(cv, "dev-e", NULL, true, true);
	add(cv, "dev-n", NULL, false, true);
	add(cv, "dev-n2", "[[\"own-9\"]]", false, true);
	json_t *findings = json_array();
	struct coverage_summary s;
	int errors = coverage_run(cv, fake_rights, &f, findings, &s);

	assert_int_equal(count(findings, "coverage-a", "dev-a"), 1);
	assert_string_equal(sev(find(findings, "coverage-a", "dev-a")), CHECK_INFO);
	assert_non_null(strstr(msg(find(findings, "coverage-a", "dev-a")), "own-1, own-2"));
	assert_int_equal(count(findings, "coverage-b", "dev-b"), 1);
	assert_string_equal(sev(find(findings, "coverage-b", "dev-b")), CHECK_WARNING);
	const char *mb = msg(find(findings, "coverage-b", "dev-b"));
	assert_non_null(strstr(mb, "2 of 4 recent uplinks (50%)"));
	assert_non_null(strstr(mb, "packetbroker"));
	assert_non_null(strstr(mb, "foreign-1"));
	assert_int_equal(count(findings, "coverage-c", "dev-c"), 1);
	assert_string_equal(sev(find(findings, "coverage-c", "dev-c")), CHECK_ERROR);
	assert_non_null(strstr(msg(find(findings, "coverage-c", "dev-c")), "--no-session"));
	assert_int_equal(count(findings, "coverage-d", "dev-d"), 1);
	assert_int_equal(count(findings, "coverage-d", "dev-e"), 1);
	assert_string_equal(
	    json_string_value(json_object_get(find(findings, "coverage-d", "dev-d"), "input")),
	    "devices.json:dev-d");
	/* Without a session: not classified at all. */
	assert_null(find(findings, "coverage-a", "dev-n2"));
	assert_null(find(findings, "coverage-d", "dev-n"));
	assert_int_equal(errors, 1);
	assert_int_equal(s.a, 1);
	assert_int_equal(s.b, 1);
	assert_int_equal(s.c, 1);
	assert_int_equal(s.d, 2);
	assert_int_equal(s.no_session, 2);
	assert_false(s.offline);
	/* Movable gateways only, in the order first heard; own-9 heard only a
	 * device without session. */
	assert_plan(&s, "[\"own-1\",\"own-2\"]");
	/* Each gateway asked once; packetbroker never; own-9 not needed. */
	char *asked = json_dumps(f.asked, JSON_COMPACT);
	assert_string_equal(asked, "[\"own-1\",\"foreign-1\",\"own-2\",\"seen-1\"]");
	free(asked);
	assert_int_equal(s.asked, 4);
	assert_int_equal(count(findings, "coverage-stay-behind", NULL), 0);

	char line[512];
	coverage_summary_line(&s, line, sizeof line);
	assert_string_equal(line, "coverage: A 1, B 1, C 1, D 2; 2 without session (rejoin); plan: "
				  "2 gateways (own-1, own-2)");
	coverage_summary_release(&s);
	json_decref(findings);
	coverage_free(cv);
	fake_free(&f);
}

static void test_share(void **state)
{
	(void)state;
	struct fake f = fake_new();
	struct coverage *cv = coverage_new();
	add(cv, "b1", "[[\"own-1\"],[\"foreign-1\"],[\"foreign-2\"]]", true, true);
	add(cv, "b2",
	    "[[\"own-1\"],[\"own-1\"],[\"own-1\"],[\"own-1\"],[\"own-1\"],[\"own-1\"],"
	    "[\"own-1\"],[\"seen-1\"]]",
	    true, true);
	json_t *findings = json_array();
	struct coverage_summary s;
	coverage_run(cv, fake_rights, &f, findings, &s);
	assert_non_null(
	    strstr(msg(find(findings, "coverage-b", "b1")), "2 of 3 recent uplinks (67%)"));
	/* seen-1: visible (INFO, LINK) but not movable counts as not moving. */
	assert_non_null(
	    strstr(msg(find(findings, "coverage-b", "b2")), "1 of 8 recent uplinks (13%)"));
	assert_plan(&s, "[\"own-1\"]");
	coverage_summary_release(&s);
	json_decref(findings);
	coverage_free(cv);
	fake_free(&f);
}

static void test_stay_behind(void **state)
{
	(void)state;
	struct fake f = fake_new();
	struct coverage *cv = coverage_new();
	add(cv, "moved", "[[\"own-1\"],[\"own-2\"]]", true, true);
	add(cv, "refused", "[[\"own-1\"],[\"foreign-1\"]]", true, false);
	add(cv, "refused2", "[[\"own-1\"]]", true, false);
	add(cv, "refused-elsewhere", "[[\"own-3\"]]", true, false);
	json_t *findings = json_array();
	struct coverage_summary s;
	coverage_run(cv, fake_rights, &f, findings, &s);
	/* Refused devices are not classified, and add nothing to the plan. */
	assert_null(find(findings, "coverage-a", "refused"));
	assert_null(find(findings, "coverage-b", "refused"));
	assert_int_equal(s.staying, 3);
	assert_int_equal(s.a, 1);
	assert_plan(&s, "[\"own-1\",\"own-2\"]");
	/* own-1 serves two devices that stay; own-2 none; own-3 is not in the plan. */
	assert_int_equal(count(findings, "coverage-stay-behind", NULL), 1);
	const json_t *w = find(findings, "coverage-stay-behind", NULL);
	assert_string_equal(sev(w), CHECK_WARNING);
	const char *m = msg(w);
	assert_non_null(strstr(m, "gateway own-1 "));
	assert_non_null(strstr(m, "2 devices"));
	assert_non_null(strstr(m, "refused, refused2"));
	assert_null(strstr(m, "refused-elsewhere"));
	assert_null(strstr(m, "own-2"));
	char line[512];
	coverage_summary_line(&s, line, sizeof line);
	assert_non_null(strstr(line, "3 refused by other rules"));
	coverage_summary_release(&s);
	json_decref(findings);
	coverage_free(cv);
	fake_free(&f);
}

static void test_offline(void **state)
{
	(void)state;
	struct coverage *cv = coverage_new();
	add(cv, "a", "[[\"foreign-1\"],[\"own-1\"]]", true, true);
	add(cv, "b", "[[\"foreign-1\"],[\"packetbroker\"]]", true, true);
	add(cv, "c", "[[\"packetbroker\"],[\"pb-marker\"],[\"Not An ID\"]]", true, true);
	json_t *findings = json_array();
	struct coverage_summary s;
	int errors = coverage_run(cv, NULL, NULL, findings, &s);
	assert_true(s.offline);
	assert_int_equal(s.asked, 0);
	assert_int_equal(count(findings, "coverage-a", "a"), 1);
	assert_non_null(strstr(msg(find(findings, "coverage-a", "a")), "offline"));
	assert_int_equal(count(findings, "coverage-b", "b"), 1);
	assert_int_equal(count(findings, "coverage-c", "c"), 1);
	assert_int_equal(errors, 1);
	assert_plan(&s, "[\"foreign-1\",\"own-1\"]");
	char line[512];
	coverage_summary_line(&s, line, sizeof line);
	assert_non_null(strstr(line, "[offline: gateway ownership unknown]"));
	coverage_summary_release(&s);
	json_decref(findings);
	coverage_free(cv);
}

static void test_lookup_failures(void **state)
{
	(void)state;
	struct fake f = fake_new();
	f.fail = "flaky";
	struct coverage *cv = coverage_new();
	add(cv, "x", "[[\"flaky\"],[\"foreign-1\"]]", true, true);
	json_t *findings = json_array();
	struct coverage_summary s;
	coverage_run(cv, fake_rights, &f, findings, &s);
	/* A failed lookup: said, and the gateway counted as movable. */
	assert_int_equal(count(findings, "coverage-rights-unavailable", NULL), 1);
	assert_non_null(strstr(msg(find(findings, "coverage-rights-unavailable", NULL)), "flaky"));
	assert_int_equal(count(findings, "coverage-b", "x"), 1);
	assert_plan(&s, "[\"flaky\"]");
	coverage_summary_release(&s);
	json_decref(findings);
	coverage_free(cv);
	fake_free(&f);

	/* A refused key: one finding, no further lookups. */
	f = fake_new();
	f.refuse = "own-1";
	cv = coverage_new();
	add(cv, "y", "[[\"own-1\"],[\"own-2\"],[\"foreign-1\"]]", true, true);
	add(cv, "z", "[[\"own-1\"],[\"own-2\"]]", true, true);
	findings = json_array();
	coverage_run(cv, fake_rights, &f, findings, &s);
	assert_int_equal(json_array_size(f.asked), 1);
	assert_int_equal(count(findings, "coverage-rights-unavailable", NULL), 1);
	assert_int_equal(count(findings, "coverage-a", "y"), 1);
	coverage_summary_release(&s);
	json_decref(findings);
	coverage_free(cv);
	fake_free(&f);
}

static void test_allow_c(void **state)
{
	(void)state;
	static const char *const rules[] = {"coverage-c", NULL};
	check_allow_set(false, rules);
	struct coverage *cv = coverage_new();
	add(cv, "c", "[[\"packetbroker\"]]", true, true);
	json_t *findings = json_array();
	struct coverage_summary s;
	int errors = coverage_run(cv, NULL, NULL, findings, &s);
	check_allow_set(false, NULL);
	assert_int_equal(errors, 0);
	assert_string_equal(sev(find(findings, "coverage-c", "c")), CHECK_WARNING);
	assert_non_null(strstr(msg(find(findings, "coverage-c", "c")), "allowed by --allow"));
	coverage_summary_release(&s);
	json_decref(findings);
	coverage_free(cv);
}

static void test_rules_listed(void **state)
{
	(void)state;
	const char *ids[] = {"coverage-a",   "coverage-b",	     "coverage-c",
			     "coverage-d",   "coverage-stay-behind", "coverage-rights-unavailable",
			     "coverage-plan"};
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
		assert_non_null(check_rule_find(ids[i]));
		assert_false(check_rule_fatal(ids[i]));
	}
	assert_string_equal(check_rule_find("coverage-c")->severity, CHECK_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_owner_of), cmocka_unit_test(test_classes),
	    cmocka_unit_test(test_share),    cmocka_unit_test(test_stay_behind),
	    cmocka_unit_test(test_offline),  cmocka_unit_test(test_lookup_failures),
	    cmocka_unit_test(test_allow_c),  cmocka_unit_test(test_rules_listed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
