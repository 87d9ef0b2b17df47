/* Unit tests for src/core/ids.c: id rule, blocklist, export fix-ups, validation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "core/jsonpath.h"
#include "unit.h"

static const char *str_at(const json_t *dev, const char *path)
{
	return json_string_value(jp_get(dev, path));
}

/* n copies of unit, in a static buffer reused by the next call. */
static const char *repeat(const char *unit, size_t n)
{
	static char buf[8192];
	size_t u = strlen(unit);
	assert_true(n * u < sizeof buf);
	for (size_t i = 0; i < n; i++)
		memcpy(buf + i * u, unit, u);
	buf[n * u] = '\0';
	return buf;
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

/* ---- ids_valid --------------------------------------------------------------- */

static void test_valid_ids(void **state)
{
	(void)state;
	static const char *const good[] = {"abc",
					   "a1b",
					   "000",
					   "a-bc",
					   "ab-c",
					   "a-b-c",
					   "my-device-01",
					   "eui-70b3d57ed0042f52",
					   "70b3d57ed0042f52",
					   "chirpstack-e1ca219397f2"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		if (!ids_valid(good[i]))
			fail_msg("\"%s\" should be valid", good[i]);
	/* Exactly 36 characters, with and without dashes. */
	assert_true(ids_valid(repeat("a", 36)));
	char dashed[37];
	memcpy(dashed, repeat("a-", 18), 36); /* "a-a-…a-" */
	dashed[35] = 'b';		      /* ends "…-ab", 36 characters */
	dashed[36] = '\0';
	assert_int_equal(strlen(dashed), 36);
	assert_true(ids_valid(dashed));
}

static void test_invalid_ids(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",	     "a",     "ab",   "a-b", /* fewer than 3 letters/digits */
	    "-abc",  "abc-",  "-",    "---", /* leading/trailing dash */
	    "ab--c", "a--bc",		     /* double dash */
	    "Abc",   "abC",   "ABC",	     /* upper case is not lowered */
	    "ab_c",  "ab.c",  "ab c", "abc ", " abc", "ab/c", "abé", "ab\tc", "ab\nc",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (ids_valid(bad[i]))
			fail_msg("\"%s\" should be invalid", bad[i]);
	assert_false(ids_valid(NULL));
	/* 37 characters. */
	assert_false(ids_valid(repeat("a", 37)));
	assert_false(ids_valid(repeat("a", 300)));
}

/* ---- ids_blocklisted ----------------------------------------------------------- */

static void test_blocklist(void **state)
{
	(void)state;
	static const char *const blocked[] = {"admin",	"batch",       "test", "devices", "new",
					      "device", "end-devices", "null", "ttn"};
	for (size_t i = 0; i < sizeof blocked / sizeof *blocked; i++)
		if (!ids_blocklisted(blocked[i]))
			fail_msg("\"%s\" should be blocklisted", blocked[i]);
	assert_false(ids_blocklisted("my-device"));
	assert_false(ids_blocklisted("test-device"));
	assert_false(ids_blocklisted("admins-sensor"));
	assert_false(ids_blocklisted(""));
	assert_false(ids_blocklisted(NULL));
	/* The comparison is exact, as the Identity Server's. */
	assert_false(ids_blocklisted("Admin"));
}

/* ---- ids_export_fixup ---------------------------------------------------------- */

static void test_fixup_unchanged(void **state)
{
	(void)state;
	char err[256] = "";
	json_t *d = parse("{\"ids\":{\"device_id\":\"dev-1\",\"dev_eui\":\"70B3D57ED0042F52\","
			  "\"application_ids\":{\"application_id\":\"my-app\"}}}");
	assert_int_equal(ids_export_fixup(d, NULL, err, sizeof err), 0);
	assert_string_equal(str_at(d, "ids.device_id"), "dev-1");
	assert_string_equal(str_at(d, "ids.application_ids.application_id"), "my-app");
	/* Nothing changed, so no old-id (and no attributes object at all). */
	assert_null(jp_get(d, "attributes"));
	/* An empty prefix is no prefix. */
	assert_int_equal(ids_export_fixup(d, "", err, sizeof err), 0);
	assert_string_equal(str_at(d, "ids.device_id"), "dev-1");
	assert_null(jp_get(d, "attributes"));
	json_decref(d);
}

static void test_fixup_id_from_eui(void **state)
{
	(void)state;
	char err[256] = "";
	json_t *d = parse("{\"ids\":{\"device_id\":\"\",\"dev_eui\":\"70B3D57ED0042F52\"}}");
	assert_int_equal(ids_export_fixup(d, NULL, err, sizeof err), 0);
	assert_string_equal(str_at(d, "ids.device_id"), "70b3d57ed0042f52");
	/* The source gave no id, so there is no old-id. */
	assert_null(jp_get(d, "attributes"));
	json_decref(d);

	/* Missing device_id, base64 EUI, and a prefix. */
	d = parse("{\"ids\":{\"dev_eui\":\"+/+/+/+/+/8=\"}}");
	assert_int_equal(ids_export_fixup(d, "cs", err, sizeof err), 0);
	assert_string_equal(str_at(d, "ids.device_id"), "cs-fbffbffbffbffbff");
	assert_null(jp_get(d, "attributes"));
	json_decref(d);
}

static void test_fixup_no_eui(void **state)
{
	(void)state;
	char err[256] = "";
	json_t *d = parse("{\"ids\":{\"device_id\":\"\"}}");
	assert_int_equal(ids_export_fixup(d, NULL, err, sizeof err), -1);
	assert_contains(err, "ids.device_id");
	assert_contains(err, "ids.dev_eui");
	json_decref(d);

	d = parse("{\"name\":\"no ids at all\"}");
	assert_int_equal(ids_export_fixup(d, NULL, err, sizeof err), -1);
	assert_contains(err, "ids.device_id");
	json_decref(d);

	d = parse("{\"ids\":{\"dev_eui\":\"70B3D57ED0042F\"}}");
	err[0] = '\0';
	assert_int_equal(ids_export_fixup(d, NULL, err, sizeof err), -1);
	assert_contains(err, "\"70B3D57ED0042F\"");
	json_decref(d);

	d = parse("{\"ids\":{\"device_id\":7}}");
	assert_int_equal(ids_export_fixup(d, NULL, err, sizeof err), -1);
	assert_contains(err, "ids.device_id");
	json_decref(d);
}

static void test_fixup_prefix_and_underscores(void **state)
{
	(void)state;
	char err[256] = "";
	json_t *d = parse("{\"ids\":{\"device_id\":\"my_dev\","
			  "\"application_ids\":{\"application_id\":\"my_app_1\"}},"
			  "\"attributes\":{\"k1\":\"v\"}}");
	assert_int_equal(ids_export_fixup(d, "tts_eu", err, sizeof err), 0);
	/* The prefix is sanitised with the id. */
	assert_string_equal(str_at(d, "ids.device_id"), "tts-eu-my-dev");
	/* old-id keeps the source's spelling; other attributes stay. */
	assert_string_equal(str_at(d, "attributes.old-id"), "my_dev");
	assert_string_equal(str_at(d, "attributes.k1"), "v");
	assert_string_equal(str_at(d, "ids.application_ids.application_id"), "my-app-1");
	json_decref(d);

	/* Underscores alone also count as a change. */
	d = parse("{\"ids\":{\"device_id\":\"a_b_c\"}}");
	assert_int_equal(ids_export_fixup(d, NULL, err, sizeof err), 0);
	assert_string_equal(str_at(d, "ids.device_id"), "a-b-c");
	assert_string_equal(str_at(d, "attributes.old-id"), "a_b_c");
	json_decref(d);
}

static void test_fixup_lengths(void **state)
{
	(void)state;
	char err[256] = "";
	char text[8400]; /* room for any repeat() result, to please -Wformat-truncation */
	/* "pre-" + 32 = 36 characters: fine. */
	snprintf(text, sizeof text, "{\"ids\":{\"device_id\":\"%s\"}}", repeat("a", 32));
	json_t *d = parse(text);
	assert_int_equal(ids_export_fixup(d, "pre", err, sizeof err), 0);
	assert_int_equal(strlen(str_at(d, "ids.device_id")), 36);
	json_decref(d);

	/* "pre-" + 33 = 37 characters: refused, naming the id. */
	snprintf(text, sizeof text, "{\"ids\":{\"device_id\":\"%s\"}}", repeat("a", 33));
	d = parse(text);
	assert_int_equal(ids_export_fixup(d, "pre", err, sizeof err), -1);
	assert_contains(err, "ids.device_id");
	assert_contains(err, "pre-aaaa");
	assert_contains(err, "37");
	json_decref(d);

	/* An EUI id (16) with a 20-character prefix is 37. */
	d = parse("{\"ids\":{\"dev_eui\":\"70B3D57ED0042F52\"}}");
	assert_int_equal(ids_export_fixup(d, repeat("p", 20), err, sizeof err), -1);
	assert_contains(err, "ids.device_id");
	json_decref(d);

	/* Application ids: 36 fine, 37 refused. */
	snprintf(
	    text, sizeof text,
	    "{\"ids\":{\"device_id\":\"dev\",\"application_ids\":{\"application_id\":\"%s\"}}}",
	    repeat("b_", 18));
	d = parse(text);
	assert_int_equal(ids_export_fixup(d, NULL, err, sizeof err), 0);
	assert_string_equal(str_at(d, "ids.application_ids.application_id"), repeat("b-", 18));
	json_decref(d);
	snprintf(
	    text, sizeof text,
	    "{\"ids\":{\"device_id\":\"dev\",\"application_ids\":{\"application_id\":\"%sc\"}}}",
	    repeat("b_", 18));
	d = parse(text);
	assert_int_equal(ids_export_fixup(d, NULL, err, sizeof err), -1);
	assert_contains(err, "ids.application_ids.application_id");
	assert_contains(err, "b-b-");
	json_decref(d);
}

static void test_fixup_errors(void **state)
{
	(void)state;
	char err[256] = "";
	json_t *d = parse("{\"ids\":{\"device_id\":\"a_b_c\"},\"attributes\":[1]}");
	assert_int_equal(ids_export_fixup(d, NULL, err, sizeof err), -1);
	assert_contains(err, "attributes");
	json_decref(d);

	d = parse("[1]");
	assert_int_equal(ids_export_fixup(d, NULL, err, sizeof err), -1);
	json_decref(d);

	/* No room for a message is fine too. */
	d = parse("{\"ids\":{}}");
	assert_int_equal(ids_export_fixup(d, NULL, NULL, 0), -1);
	json_decref(d);

	/* A non-string application id. */
	d = parse("{\"ids\":{\"device_id\":\"dev\",\"application_ids\":{\"application_id\":1}}}");
	assert_int_equal(ids_export_fixup(d, NULL, err, sizeof err), -1);
	assert_contains(err, "ids.application_ids.application_id");
	json_decref(d);
}

/* ---- ids_validate_device -------------------------------------------------------- */

static json_t *valid_device(void)
{
	return parse(
	    "{\"ids\":{\"device_id\":\"dev-1\",\"dev_eui\":\"70B3D57ED0042F52\","
	    "\"join_eui\":\"cLPVftAEL1I\",\"application_ids\":{\"application_id\":\"app-1\"}},"
	    "\"name\":\"Test Device\",\"description\":\"d\",\"attributes\":{\"key-1\":\"v\"}}");
}

static void expect_invalid(json_t *d, const char *path, json_t *value, const char *needle)
{
	char err[512] = "";
	if (value)
		assert_int_equal(jp_set(d, path, value), 0);
	else
		jp_del(d, path);
	assert_int_equal(ids_validate_device(d, err, sizeof err), -1);
	assert_contains(err, needle);
	assert_null(strchr(err, '\n'));
	json_decref(d);
}

static void expect_valid(json_t *d, const char *path, json_t *value)
{
	char err[512] = "";
	if (value)
		assert_int_equal(jp_set(d, path, value), 0);
	else
		jp_del(d, path);
	if (ids_validate_device(d, err, sizeof err) != 0)
		fail_msg("unexpected: %s", err);
	json_decref(d);
}

static void test_validate_ok(void **state)
{
	(void)state;
	expect_valid(valid_device(), "name", NULL);
	expect_valid(valid_device(), "description", NULL);
	expect_valid(valid_device(), "attributes", NULL);
	expect_valid(valid_device(), "ids.dev_eui", NULL);
	expect_valid(valid_device(), "ids.join_eui", json_string(""));
	expect_valid(valid_device(), "name", json_null());
	expect_valid(valid_device(), "attributes", json_object());
}

static void test_validate_ids(void **state)
{
	(void)state;
	char err[512] = "";
	json_t *d = valid_device();
	jp_set(d, "ids.device_id", json_string("Bad_Id"));
	assert_int_equal(ids_validate_device(d, err, sizeof err), -1);
	assert_string_equal(err, "ids.device_id \"Bad_Id\": must match "
				 "^[a-z0-9](?:[-]?[a-z0-9]){2,}$ and be at most 36 characters");
	json_decref(d);

	expect_invalid(valid_device(), "ids.device_id", NULL, "ids.device_id \"\"");
	expect_invalid(valid_device(), "ids.device_id", json_string(repeat("a", 37)),
		       "ids.device_id");
	expect_valid(valid_device(), "ids.device_id", json_string(repeat("a", 36)));
	expect_invalid(valid_device(), "ids.device_id", json_integer(1), "not a string");
	expect_invalid(valid_device(), "ids.application_ids", NULL,
		       "ids.application_ids.application_id \"\"");
	expect_invalid(valid_device(), "ids.application_ids.application_id", json_string("app--1"),
		       "ids.application_ids.application_id \"app--1\"");
	expect_invalid(valid_device(), "ids.dev_eui", json_string("70B3D57ED0042F5"),
		       "ids.dev_eui \"70B3D57ED0042F5\"");
	expect_invalid(valid_device(), "ids.join_eui", json_string("zz"), "ids.join_eui");
}

static void test_validate_quoting(void **state)
{
	(void)state;
	char err[512] = "";
	/* Long and odd values are cut and made one-line. */
	json_t *d = valid_device();
	jp_set(d, "ids.device_id", json_string(repeat("x", 300)));
	assert_int_equal(ids_validate_device(d, err, sizeof err), -1);
	assert_contains(err, "xxx...\"");
	assert_true(strlen(err) < 200);
	json_decref(d);

	expect_invalid(valid_device(), "ids.device_id", json_string("a\nb\"c"),
		       "ids.device_id \"a?b?c\"");
	/* A short err buffer is truncated, not overrun (ASan checks). */
	d = valid_device();
	jp_set(d, "ids.device_id", json_string("Bad_Id"));
	char tiny[8];
	assert_int_equal(ids_validate_device(d, tiny, sizeof tiny), -1);
	assert_string_equal(tiny, "ids.dev");
	json_decref(d);
}

static void test_validate_name_description(void **state)
{
	(void)state;
	expect_valid(valid_device(), "name", json_string(repeat("n", 50)));
	expect_invalid(valid_device(), "name", json_string(repeat("n", 51)),
		       "name: 51 characters, at most 50 allowed");
	/* Limits count characters, not bytes: 50 × "é" is 100 bytes. */
	expect_valid(valid_device(), "name", json_string(repeat("\xc3\xa9", 50)));
	expect_invalid(valid_device(), "name", json_string(repeat("\xc3\xa9", 51)), "name: 51");
	expect_invalid(valid_device(), "name", json_true(), "name: not a string");
	expect_valid(valid_device(), "description", json_string(repeat("d", 2000)));
	expect_invalid(valid_device(), "description", json_string(repeat("d", 2001)),
		       "description: 2001 characters, at most 2000 allowed");
}

static void test_validate_attributes(void **state)
{
	(void)state;
	json_t *ten = json_object();
	json_t *eleven = json_object();
	for (int i = 0; i < 11; i++) {
		char key[16];
		snprintf(key, sizeof key, "key-%02d", i);
		if (i < 10)
			json_object_set_new(ten, key, json_string("v"));
		json_object_set_new(eleven, key, json_string("v"));
	}
	expect_valid(valid_device(), "attributes", ten);
	expect_invalid(valid_device(), "attributes", eleven,
		       "attributes: 11 pairs, at most 10 allowed");
	expect_invalid(valid_device(), "attributes.Bad_Key", json_string("v"),
		       "attributes key \"Bad_Key\"");
	/* "k-1" has only two letters or digits: not a valid key. */
	expect_invalid(valid_device(), "attributes.k-1", json_string("v"),
		       "attributes key \"k-1\"");
	expect_valid(valid_device(), "attributes.key-2", json_string(repeat("v", 200)));
	expect_invalid(valid_device(), "attributes.key-2", json_string(repeat("v", 201)),
		       "attributes[\"key-2\"]: value of 201 characters, at most 200 allowed");
	expect_invalid(valid_device(), "attributes.key-2", json_integer(3),
		       "attributes[\"key-2\"]: not a string");
	expect_invalid(valid_device(), "attributes", json_string("x"), "attributes: not an object");
}

/* What the exporter does: fix-ups, then validation of the result. */
static void test_fixup_then_validate(void **state)
{
	(void)state;
	char err[256] = "";
	json_t *d = parse("{\"ids\":{\"device_id\":\"Sensor_1\","
			  "\"application_ids\":{\"application_id\":\"app_1\"}}}");
	assert_int_equal(ids_export_fixup(d, NULL, err, sizeof err), 0);
	/* Nothing is lower-cased, so the upper-case S still fails validation. */
	assert_string_equal(str_at(d, "ids.device_id"), "Sensor-1");
	assert_int_equal(ids_validate_device(d, err, sizeof err), -1);
	assert_contains(err, "ids.device_id \"Sensor-1\"");
	json_decref(d);

	/* old-id can push attributes past 10 pairs, as upstream. */
	d = parse("{\"ids\":{\"device_id\":\"dev_1\","
		  "\"application_ids\":{\"application_id\":\"app-1\"}},\"attributes\":{"
		  "\"a01\":\"v\",\"a02\":\"v\",\"a03\":\"v\",\"a04\":\"v\",\"a05\":\"v\","
		  "\"a06\":\"v\",\"a07\":\"v\",\"a08\":\"v\",\"a09\":\"v\",\"a10\":\"v\"}}");
	assert_int_equal(ids_validate_device(d, err, sizeof err), -1); /* dev_1 */
	assert_int_equal(ids_export_fixup(d, NULL, err, sizeof err), 0);
	assert_int_equal(ids_validate_device(d, err, sizeof err), -1);
	assert_contains(err, "attributes: 11 pairs");
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_ids),
	    cmocka_unit_test(test_invalid_ids),
	    cmocka_unit_test(test_blocklist),
	    cmocka_unit_test(test_fixup_unchanged),
	    cmocka_unit_test(test_fixup_id_from_eui),
	    cmocka_unit_test(test_fixup_no_eui),
	    cmocka_unit_test(test_fixup_prefix_and_underscores),
	    cmocka_unit_test(test_fixup_lengths),
	    cmocka_unit_test(test_fixup_errors),
	    cmocka_unit_test(test_validate_ok),
	    cmocka_unit_test(test_validate_ids),
	    cmocka_unit_test(test_validate_quoting),
	    cmocka_unit_test(test_validate_name_description),
	    cmocka_unit_test(test_validate_attributes),
	    cmocka_unit_test(test_fixup_then_validate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
