/* Unit tests for src/migrate/arrival.c: times, the uplink interval, heard or not. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "migrate/arrival.h"
#include "unit.h"

static void test_time(void **state)
{
	(void)state;
	assert_true(arrival_time("1970-01-01T00:00:00Z") == 0);
	assert_true(arrival_time("1970-01-01T00:01:00.25Z") == 60.25);
	assert_true(arrival_time("2026-12-02T20:00:00Z") == 1796241600);
	/* An offset: the same instant. */
	assert_true(arrival_time("2026-12-02T21:30:00+01:30") == 1796241600);
	assert_true(arrival_time("2026-12-02T18:00:00-02:00") == 1796241600);
	assert_true(arrival_time(NULL) < 0);
	assert_true(arrival_time("") < 0);
	assert_true(arrival_time("2026-12-02 20:00:00Z") < 0);
	assert_true(arrival_time("2026-12-02T20:00:00") < 0);
	assert_true(arrival_time("2026-13-02T20:00:00Z") < 0);
	assert_true(arrival_time("2026-12-02T20:00:00.Z") < 0);
	assert_true(arrival_time("2026-12-02T20:00:00Zjunk") < 0);
}

static void test_interval(void **state)
{
	(void)state;
	json_t *d = parse("{\"mac_state\":{\"recent_uplinks\":["
			  "{\"received_at\":\"2026-01-01T10:10:00Z\"},"
			  "{\"received_at\":\"2026-01-01T10:00:00Z\"},"
			  "{\"received_at\":\"2026-01-01T10:05:00Z\"},"
			  "{\"received_at\":\"2026-01-01T10:06:00Z\"},"
			  "{\"received_at\":\"bad\"}]}}");
	/* Gaps (sorted) 300, 60, 240: the median is 240. */
	assert_true(arrival_interval(d) == 240);
	json_decref(d);
	d = parse(
	    "{\"mac_state\":{\"recent_uplinks\":[{\"received_at\":\"2026-01-01T10:00:00Z\"}]}}");
	assert_true(arrival_interval(d) == 0);
	json_decref(d);
	d = parse("{}");
	assert_true(arrival_interval(d) == 0);
	json_decref(d);
}

static void test_fcnt(void **state)
{
	(void)state;
	json_t *d = parse("{\"session\":{\"last_f_cnt_up\":42}}");
	assert_int_equal(arrival_fcnt(d), 42);
	json_decref(d);
	d = parse("{\"session\":{\"dev_addr\":\"26000001\"}}");
	assert_int_equal(arrival_fcnt(d), 0); /* proto3: a zero is left out */
	json_decref(d);
	d = parse("{}");
	assert_int_equal(arrival_fcnt(d), -1);
	json_decref(d);
}

static void test_seen(void **state)
{
	(void)state;
	double when;
	/* The FCnt moved on. */
	json_t *ns =
	    parse("{\"created_at\":\"2026-12-02T20:00:00Z\",\"session\":{\"last_f_cnt_up\":65}}");
	assert_true(arrival_seen(64, ns, NULL, NULL, &when));
	assert_true(when < 0);
	assert_false(arrival_seen(65, ns, NULL, NULL, &when));
	assert_false(arrival_seen(70, ns, NULL, NULL, NULL));
	json_decref(ns);
	/* A recent uplink after the import counts; one from before (carried over
	 * with the MAC state) does not. */
	ns = parse(
	    "{\"created_at\":\"2026-12-02T20:00:00Z\",\"session\":{\"last_f_cnt_up\":64},"
	    "\"mac_state\":{\"recent_uplinks\":[{\"received_at\":\"2026-12-02T19:59:00Z\"}]}}");
	assert_false(arrival_seen(64, ns, NULL, NULL, &when));
	json_decref(ns);
	ns = parse("{\"created_at\":\"2026-12-02T20:00:00Z\",\"session\":{\"last_f_cnt_up\":64},"
		   "\"mac_state\":{\"recent_uplinks\":[{\"received_at\":\"2026-12-02T19:59:00Z\"},"
		   "{\"received_at\":\"2026-12-02T20:03:00Z\"}]}}");
	assert_true(arrival_seen(64, ns, NULL, NULL, &when));
	assert_true(when == arrival_time("2026-12-02T20:03:00Z"));
	json_decref(ns);
	/* The IS's last_seen_at, after the IS's created_at. */
	ns = parse("{\"created_at\":\"2026-12-02T20:00:00Z\",\"session\":{\"last_f_cnt_up\":64}}");
	assert_false(arrival_seen(64, ns, "2026-12-02T19:00:00Z", "2026-12-02T20:00:00Z", &when));
	assert_true(arrival_seen(64, ns, "2026-12-02T20:05:00Z", "2026-12-02T20:00:00Z", &when));
	assert_true(when == arrival_time("2026-12-02T20:05:00Z"));
	/* Without the IS's created_at, the NS's. */
	assert_true(arrival_seen(64, ns, "2026-12-02T20:05:00Z", NULL, NULL));
	assert_false(arrival_seen(64, ns, "2026-12-02T19:05:00Z", NULL, NULL));
	assert_false(arrival_seen(64, ns, "not a time", NULL, NULL));
	json_decref(ns);
	/* Nothing known: not heard. */
	ns = parse("{}");
	assert_false(arrival_seen(-1, ns, NULL, NULL, &when));
	json_decref(ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_time),
	    cmocka_unit_test(test_interval),
	    cmocka_unit_test(test_fcnt),
	    cmocka_unit_test(test_seen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
