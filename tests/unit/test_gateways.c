/* Unit tests for the gateway helpers: the ID rule (gateways.md §1.8) and how the
 * import tells a CUPS or a UDP gateway from its export (§2, §3.1). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dest/gw_dest.h"
#include "net/tts_gateways.h"
#include "unit.h"

static void test_valid_id(void **state)
{
	(void)state;
	static const char *const good[] = {"abc", "gw-1", "a1b", "eui-b827ebfffe8db887",
					   "a23456789012345678901234567890123456"};
	static const char *const bad[] = {
	    "ab",   "-abc", "abc-", "a--b", "ABC",
	    "gw_1", "gw.1", "",	    "a b",  "a234567890123456789012345678901234567"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		assert_true(tgw_valid_id(good[i]));
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_false(tgw_valid_id(bad[i]));
	assert_false(tgw_valid_id(NULL));
}

static void test_protocols(void **state)
{
	(void)state;
	json_t *cups = parse("{\"attributes\":{\"cups-last-seen\":\"2026-01-01T00:00:00Z\"},"
			     "\"_source_connection\":{\"connected\":true,\"protocol\":\"semtechws/"
			     "lbslns\"}}");
	json_t *udp = parse("{\"_source_connection\":{\"connected\":true,\"protocol\":\"udp\"}}");
	json_t *unknown = parse("{\"_source_connection\":{\"connected\":false}}");
	json_t *lns = parse("{\"_source_connection\":{\"protocol\":\"semtechws/lbslns\"}}");
	assert_true(gwdest_uses_cups(cups));
	assert_false(gwdest_uses_udp(cups));
	assert_false(gwdest_uses_cups(udp));
	assert_true(gwdest_uses_udp(udp));
	assert_false(gwdest_uses_cups(unknown));
	assert_true(gwdest_uses_udp(unknown)); /* may be UDP: the snippet is written */
	assert_false(gwdest_uses_cups(lns));
	assert_false(gwdest_uses_udp(lns));
	json_decref(cups);
	json_decref(udp);
	json_decref(unknown);
	json_decref(lns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_id),
	    cmocka_unit_test(test_protocols),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
