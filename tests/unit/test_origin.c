/* origin_same: when source and destination are one deployment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/origin.h"

static void same(void **state)
{
	(void)state;
	assert_true(origin_same("https://eu1.cloud.thethings.network/api/v3",
				"https://EU1.Cloud.TheThings.Network."));
	assert_true(
	    origin_same("https://eu1.cloud.thethings.network:443", "eu1.cloud.thethings.network"));
	assert_true(origin_same("http://127.0.0.1/api/v3", "HTTP://127.0.0.1:80"));
	assert_true(origin_same("http://127.0.0.1:1885/api/v3", "http://127.0.0.1:1885"));
	assert_true(origin_same("https://user@host.example/x", "https://host.example:443/y"));
	assert_true(origin_same("http://[::1]:8080/api/v3", "http://[::1]:8080"));
}

static void different(void **state)
{
	(void)state;
	assert_false(origin_same("http://127.0.0.1:1885", "http://127.0.0.1:1886"));
	assert_false(origin_same("http://host.example", "https://host.example"));
	assert_false(origin_same("https://eu1.cloud.thethings.network",
				 "https://eu2.cloud.thethings.network"));
	assert_false(origin_same("http://[::1]:8080", "http://[::2]:8080"));
	/* unreadable: the caller's safe side */
	assert_false(origin_same("http://host:99999", "http://host:99999"));
	assert_false(origin_same("ftp://host", "ftp://host"));
	assert_false(origin_same(NULL, "https://host"));
	assert_false(origin_same("https://", "https://"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(same), cmocka_unit_test(different)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
