/* tts_registry: the request bodies and masks built from a device, and the
 * one list of what export and import strip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/jsonpath.h"
#include "net/tts_registry.h"
#include "unit.h"

static const char *const dev_text =
    "{\"ids\":{\"device_id\":\"d1\",\"dev_eui\":\"0102030405060708\",\"dev_addr\":"
    "\"01020304\",\"application_ids\":{\"application_id\":\"app\"}},"
    "\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-02T00:00:00Z\","
    "\"network_server_address\":\"ns.example.com\",\"join_server_address\":\"js\","
    "\"application_server_address\":\"as\",\"name\":\"n\","
    "\"mac_settings\":{\"adr\":{\"dynamic\":{\"margin\":15}},\"rx1_delay\":1},"
    "\"formatters\":{\"up_formatter\":\"FORMATTER_JAVASCRIPT\"}}";

static void test_body_ns(void **state)
{
	(void)state;
	json_t *dev = parse(dev_text), *paths = NULL;
	char err[256] = "";
	json_t *body = tts_devreg_body(dev, tts_comps[TTS_NS].set_paths, &paths, err, sizeof err);
	assert_non_null(body);
	/* The NS owns mac_settings, not name or formatters; the mask names the
	 * oneof (adr.mode) that the JSON leaves out. */
	json_t *want =
	    parse("[\"mac_settings.adr.mode.dynamic.margin\",\"mac_settings.rx1_delay\"]");
	assert_true(json_equal(paths, want));
	assert_int_equal(json_integer_value(jp_get(body, "mac_settings.adr.dynamic.margin")), 15);
	assert_null(json_object_get(body, "name"));
	assert_null(json_object_get(body, "formatters"));
	/* The ids go along, without the DevAddr no Set takes. */
	assert_string_equal(json_string_value(jp_get(body, "ids.device_id")), "d1");
	assert_null(jp_get(body, "ids.dev_addr"));
	assert_non_null(jp_get(dev, "ids.dev_addr")); /* dev is not changed */
	json_decref(want);
	json_decref(body);
	json_decref(paths);
	json_decref(dev);
}

static void test_body_as(void **state)
{
	(void)state;
	json_t *dev = parse(dev_text), *paths = NULL;
	char err[256] = "";
	json_t *body = tts_devreg_body(dev, tts_comps[TTS_AS].set_paths, &paths, err, sizeof err);
	assert_non_null(body);
	json_t *want = parse("[\"formatters.up_formatter\"]");
	assert_true(json_equal(paths, want));
	assert_null(json_object_get(body, "mac_settings"));
	json_decref(want);
	json_decref(body);
	json_decref(paths);
	json_decref(dev);
}

static void test_strip(void **state)
{
	(void)state;
	json_t *exp = parse(dev_text), *imp = parse(dev_text);
	tts_devreg_strip(exp, false);
	tts_devreg_strip(imp, true);
	for (const char *const *p = tts_export_strip_paths; *p; p++) {
		assert_null(jp_get(exp, *p));
		assert_null(jp_get(imp, *p));
	}
	/* Export keeps the timestamps (merged across components); import
	 * drops them: the destination's registries set their own. */
	assert_non_null(json_object_get(exp, "created_at"));
	assert_non_null(json_object_get(exp, "updated_at"));
	assert_null(json_object_get(imp, "created_at"));
	assert_null(json_object_get(imp, "updated_at"));
	assert_string_equal(json_string_value(json_object_get(imp, "name")), "n");
	assert_string_equal(json_string_value(jp_get(imp, "ids.dev_eui")), "0102030405060708");
	json_decref(exp);
	json_decref(imp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_body_ns),
	    cmocka_unit_test(test_body_as),
	    cmocka_unit_test(test_strip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
