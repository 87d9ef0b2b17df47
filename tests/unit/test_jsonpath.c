/* Unit tests for src/core/jsonpath.c: dotted field paths on jansson objects. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/jsonpath.h"
#include "unit.h"

/* Asserts that v serialises (keys sorted, compact) to the JSON text want. */
static void assert_json(const json_t *v, const char *want)
{
	json_t *w = parse(want);
	char *got = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
	char *exp = json_dumps(w, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
	assert_string_equal(got, exp);
	free(got);
	free(exp);
	json_decref(w);
}

/* ---- jp_get ------------------------------------------------------------------ */

static void test_get(void **state)
{
	(void)state;
	json_t *d = parse("{\"session\":{\"keys\":{\"app_s_key\":{\"key\":\"AA\"}},\"n\":5},"
			  "\"arr\":[1,2],\"s\":\"x\",\"nul\":null}");
	assert_string_equal(json_string_value(jp_get(d, "session.keys.app_s_key.key")), "AA");
	assert_int_equal(json_integer_value(jp_get(d, "session.n")), 5);
	assert_true(json_is_object(jp_get(d, "session.keys")));
	assert_true(json_is_array(jp_get(d, "arr")));
	assert_true(json_is_null(jp_get(d, "nul")));
	/* Missing segments, and descending into non-objects, give NULL. */
	assert_null(jp_get(d, "session.keys.nwk_s_enc_key.key"));
	assert_null(jp_get(d, "missing"));
	assert_null(jp_get(d, "s.x"));
	assert_null(jp_get(d, "arr.0"));
	assert_null(jp_get(d, "nul.x"));
	/* Empty segments are invalid. */
	assert_null(jp_get(d, "session..keys"));
	assert_null(jp_get(d, ".session"));
	/* The empty path is the root itself. */
	assert_ptr_equal(jp_get(d, ""), d);
	assert_null(jp_get(NULL, "a"));
	json_decref(d);
}

static void test_get_long_segment(void **state)
{
	(void)state;
	char key[200];
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	json_t *d = json_object();
	json_object_set_new(d, key, json_true());
	/* Segments of 128 characters or more are beyond the path helpers. */
	assert_null(jp_get(d, key));
	json_decref(d);
}

/* ---- jp_set ------------------------------------------------------------------ */

static void test_set_creates_parents(void **state)
{
	(void)state;
	json_t *d = json_object();
	assert_int_equal(jp_set(d, "session.keys.app_s_key.key", json_string("AB")), 0);
	assert_int_equal(jp_set(d, "session.last_f_cnt_up", json_integer(7)), 0);
	assert_int_equal(jp_set(d, "name", json_string("n")), 0);
	assert_json(d, "{\"name\":\"n\",\"session\":{\"keys\":{\"app_s_key\":{\"key\":\"AB\"}},"
		       "\"last_f_cnt_up\":7}}");
	json_decref(d);
}

static void test_set_replaces(void **state)
{
	(void)state;
	json_t *d = parse("{\"a\":{\"b\":1,\"c\":2},\"n\":null}");
	assert_int_equal(jp_set(d, "a.b", json_string("x")), 0);
	/* Replacing an object with a scalar drops the subtree. */
	assert_int_equal(jp_set(d, "a", json_false()), 0);
	/* A null intermediate becomes an object. */
	assert_int_equal(jp_set(d, "n.m", json_integer(3)), 0);
	assert_json(d, "{\"a\":false,\"n\":{\"m\":3}}");
	json_decref(d);
}

static void test_set_through_non_object_fails(void **state)
{
	(void)state;
	json_t *d = parse("{\"a\":{\"b\":5},\"arr\":[]}");
	/* The stolen value is released on failure (ASan would report a leak). */
	assert_int_equal(jp_set(d, "a.b.c", json_string("leak?")), -1);
	assert_int_equal(jp_set(d, "arr.x", json_string("leak?")), -1);
	assert_int_equal(jp_set(d, "", json_string("leak?")), -1);
	assert_int_equal(jp_set(d, "a..b", json_string("leak?")), -1);
	assert_int_equal(jp_set(NULL, "a", json_string("leak?")), -1);
	assert_json(d, "{\"a\":{\"b\":5},\"arr\":[]}");
	json_decref(d);
}

/* ---- jp_del ------------------------------------------------------------------ */

static void test_del_prunes_parents(void **state)
{
	(void)state;
	json_t *d =
	    parse("{\"session\":{\"keys\":{\"app_s_key\":{\"key\":\"AA\"}}},\"name\":\"n\"}");
	jp_del(d, "session.keys.app_s_key.key");
	/* Every parent emptied by the removal goes too. */
	assert_json(d, "{\"name\":\"n\"}");
	json_decref(d);
}

static void test_del_keeps_non_empty_parents(void **state)
{
	(void)state;
	json_t *d = parse("{\"session\":{\"keys\":{\"app_s_key\":{\"key\":\"AA\"},"
			  "\"session_key_id\":\"AQ==\"},\"dev_addr\":\"26012F9D\"}}");
	jp_del(d, "session.keys.app_s_key");
	assert_json(d, "{\"session\":{\"keys\":{\"session_key_id\":\"AQ==\"},"
		       "\"dev_addr\":\"26012F9D\"}}");
	jp_del(d, "session.keys.session_key_id");
	assert_json(d, "{\"session\":{\"dev_addr\":\"26012F9D\"}}");
	json_decref(d);
}

static void test_del_missing_is_noop(void **state)
{
	(void)state;
	json_t *d = parse("{\"a\":{\"b\":1},\"s\":\"x\",\"e\":{}}");
	jp_del(d, "a.c");
	jp_del(d, "x.y.z");
	jp_del(d, "s.t");
	jp_del(d, "a..b");
	/* A parent that was already empty is not "left empty" by a removal
	 * that removed nothing (this was a bug: "e" used to disappear). */
	jp_del(d, "e.f");
	assert_json(d, "{\"a\":{\"b\":1},\"s\":\"x\",\"e\":{}}");
	jp_del(NULL, "a");
	json_decref(d);
}

static void test_del_top_level(void **state)
{
	(void)state;
	json_t *d = parse("{\"a\":{\"b\":1},\"c\":2}");
	jp_del(d, "a");
	assert_json(d, "{\"c\":2}");
	json_decref(d);
}

/* ---- jp_is_zero -------------------------------------------------------------- */

static void test_is_zero(void **state)
{
	(void)state;
	const char *zero[] = {"null", "\"\"", "{}", "[]"};
	const char *set[] = {"0", "0.0", "false", "true", "\" \"", "{\"a\":null}", "[null]", "1"};
	assert_true(jp_is_zero(NULL));
	for (size_t i = 0; i < sizeof zero / sizeof *zero; i++) {
		json_t *v = json_loads(zero[i], JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		assert_true(jp_is_zero(v));
		json_decref(v);
	}
	/* Numbers and booleans count as set: TTS prints wrappers such as
	 * schedule_downlinks:false. Non-empty containers are set too. */
	for (size_t i = 0; i < sizeof set / sizeof *set; i++) {
		json_t *v = json_loads(set[i], JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		assert_false(jp_is_zero(v));
		json_decref(v);
	}
}

/* ---- jp_covers --------------------------------------------------------------- */

static void test_covers(void **state)
{
	(void)state;
	assert_true(jp_covers("session", "session"));
	assert_true(jp_covers("session", "session.keys.app_s_key.key"));
	assert_true(jp_covers("session.keys", "session.keys.app_s_key"));
	/* A prefix of the name is not a parent path. */
	assert_false(jp_covers("session", "sessions"));
	assert_false(jp_covers("mac_state", "mac_state_x.y"));
	assert_false(jp_covers("session.keys", "session"));
	assert_false(jp_covers("pending_session", "session.keys"));
}

static void test_list_covers(void **state)
{
	(void)state;
	const char *const list[] = {"ids", "session.keys.app_s_key", "formatters", NULL};
	const char *const empty[] = {NULL};
	assert_true(jp_list_covers(list, "ids.device_id"));
	assert_true(jp_list_covers(list, "session.keys.app_s_key.key"));
	assert_true(jp_list_covers(list, "formatters"));
	assert_false(jp_list_covers(list, "session.keys"));
	assert_false(jp_list_covers(list, "session.keys.f_nwk_s_int_key.key"));
	assert_false(jp_list_covers(empty, "ids"));
}

/* ---- jp_copy_paths ----------------------------------------------------------- */

static void test_copy_paths(void **state)
{
	(void)state;
	json_t *src = parse("{\"name\":\"dev\",\"description\":\"\",\"attributes\":{},"
			    "\"session\":{\"dev_addr\":\"26012F9D\",\"keys\":{\"app_s_key\":"
			    "{\"key\":\"AA\"}}},\"mac_settings\":{\"schedule_downlinks\":false},"
			    "\"locations\":null,\"supports_join\":false}");
	json_t *dst = parse("{\"name\":\"old\",\"description\":\"keep\",\"x\":1}");
	const char *const paths[] = {"name",
				     "description",
				     "attributes",
				     "session.keys.app_s_key.key",
				     "mac_settings.schedule_downlinks",
				     "locations",
				     "supports_join",
				     "not.there",
				     NULL};
	/* Zero values (""/{}/null/missing) are skipped and leave dst alone;
	 * false counts as a value. */
	assert_int_equal(jp_copy_paths(dst, src, paths), 4);
	assert_json(dst,
		    "{\"name\":\"dev\",\"description\":\"keep\",\"x\":1,"
		    "\"session\":{\"keys\":{\"app_s_key\":{\"key\":\"AA\"}}},"
		    "\"mac_settings\":{\"schedule_downlinks\":false},\"supports_join\":false}");
	/* The copy is deep: changing src leaves dst alone. */
	jp_set(src, "session.keys.app_s_key.key", json_string("BB"));
	assert_string_equal(json_string_value(jp_get(dst, "session.keys.app_s_key.key")), "AA");
	json_decref(src);
	json_decref(dst);
}

static void test_copy_paths_subtree_and_conflict(void **state)
{
	(void)state;
	json_t *src = parse("{\"session\":{\"dev_addr\":\"26012F9D\",\"last_f_cnt_up\":3}}");
	json_t *dst = parse("{\"session\":5}");
	const char *const whole[] = {"session", NULL};
	const char *const below[] = {"session.dev_addr", NULL};
	/* A path through a non-object in dst cannot be set and is not counted. */
	assert_int_equal(jp_copy_paths(dst, src, below), 0);
	assert_json(dst, "{\"session\":5}");
	/* A whole subtree replaces what was there. */
	assert_int_equal(jp_copy_paths(dst, src, whole), 1);
	assert_json(dst, "{\"session\":{\"dev_addr\":\"26012F9D\",\"last_f_cnt_up\":3}}");
	json_decref(src);
	json_decref(dst);
}

/* ---- jp_leaf_paths ----------------------------------------------------------- */

static void assert_paths(const json_t *arr, const char *const *want)
{
	size_t n = 0;
	for (; want[n]; n++) {
		assert_true(n < json_array_size(arr));
		assert_string_equal(json_string_value(json_array_get(arr, n)), want[n]);
	}
	assert_int_equal(json_array_size(arr), n);
}

static void test_leaf_paths(void **state)
{
	(void)state;
	json_t *d =
	    parse("{\"ids\":{\"device_id\":\"d1\",\"dev_eui\":\"\"},\"supports_join\":false,"
		  "\"mac_state\":{\"current_parameters\":{\"channels\":[{\"a\":1}],"
		  "\"rx1_delay\":1},\"recent_uplinks\":[]},\"attributes\":{},"
		  "\"session\":{\"keys\":{\"app_s_key\":{\"key\":\"AA\"},\"x\":{}}},"
		  "\"name\":null,\"battery_percentage\":0.5}");
	json_t *out = json_array();
	jp_leaf_paths(d, NULL, out);
	/* Objects are descended; arrays are leaves; zero values are skipped. */
	const char *const want[] = {"ids.device_id",
				    "supports_join",
				    "mac_state.current_parameters.channels",
				    "mac_state.current_parameters.rx1_delay",
				    "session.keys.app_s_key.key",
				    "battery_percentage",
				    NULL};
	assert_paths(out, want);
	json_decref(out);

	/* With a prefix, and appending to what the array already holds. */
	out = json_array();
	json_array_append_new(out, json_string("first"));
	jp_leaf_paths(jp_get(d, "session"), "session", out);
	const char *const want2[] = {"first", "session.keys.app_s_key.key", NULL};
	assert_paths(out, want2);
	json_decref(out);
	json_decref(d);
}

/* ---- jp_prune_zero ----------------------------------------------------------- */

static void test_prune_zero(void **state)
{
	(void)state;
	json_t *d = parse("{\"a\":\"\",\"b\":null,\"c\":{},\"d\":[],\"e\":0,\"f\":false,"
			  "\"g\":{\"h\":{\"i\":\"\",\"j\":{}}},\"k\":{\"l\":\"x\",\"m\":null},"
			  "\"n\":[{\"o\":\"\"}]}");
	jp_prune_zero(d);
	/* Objects emptied by pruning go too; arrays are kept as they are. */
	assert_json(d, "{\"e\":0,\"f\":false,\"k\":{\"l\":\"x\"},\"n\":[{\"o\":\"\"}]}");
	json_decref(d);

	json_t *arr = parse("[\"\",null]");
	jp_prune_zero(arr); /* not an object: left alone */
	assert_int_equal(json_array_size(arr), 2);
	json_decref(arr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get),
	    cmocka_unit_test(test_get_long_segment),
	    cmocka_unit_test(test_set_creates_parents),
	    cmocka_unit_test(test_set_replaces),
	    cmocka_unit_test(test_set_through_non_object_fails),
	    cmocka_unit_test(test_del_prunes_parents),
	    cmocka_unit_test(test_del_keeps_non_empty_parents),
	    cmocka_unit_test(test_del_missing_is_noop),
	    cmocka_unit_test(test_del_top_level),
	    cmocka_unit_test(test_is_zero),
	    cmocka_unit_test(test_covers),
	    cmocka_unit_test(test_list_covers),
	    cmocka_unit_test(test_copy_paths),
	    cmocka_unit_test(test_copy_paths_subtree_and_conflict),
	    cmocka_unit_test(test_leaf_paths),
	    cmocka_unit_test(test_prune_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
