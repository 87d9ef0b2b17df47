/* Regressions for bugs found by fuzzing (fuzz/) and the fault tests. Each
 * is memory-safety: the ASan build of this binary is the real check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/jsonpath.h"
#include "net/tts_api.h"

/* fuzz_fieldmask: jp_set() walked into the intermediate object jansson had
 * just freed when it refused the segment (not UTF-8, or no memory). */
static void test_jp_set_refused_segment(void **state)
{
	(void)state;
	json_t *root = json_object();
	assert_int_equal(jp_set(root, "\x0e\x8a.\xf3", json_integer(1)), -1);
	assert_int_equal(jp_set(root, "ok.\xff\xfe.leaf", json_integer(2)), -1);
	assert_int_equal(jp_set(root, "ok.leaf", json_integer(3)), 0);
	assert_int_equal(json_integer_value(jp_get(root, "ok.leaf")), 3);
	json_decref(root);
}

/* fuzz_tts_answer and test_faults.sh (forbidden-mixed): a 400
 * field_mask_paths whose forbidden_paths held a non-string made
 * tts_join_paths() strcat a NULL (SIGSEGV in the export). */
static void test_join_paths_non_strings(void **state)
{
	(void)state;
	json_t *paths = json_loads("[\"created_at\",1,null,{\"p\":\"x\"},\"a.b\"]", 0, NULL);
	char *s = tts_join_paths(paths);
	assert_string_equal(s, "created_at,a.b");
	free(s);
	json_decref(paths);

	struct tts_error e;
	memset(&e, 0, sizeof e);
	tts_error_clear(&e);
	static const char body[] = "{\"code\":3,\"details\":[{\"namespace\":\"pkg/ttnpb\",\"name\":"
				   "\"field_mask_paths\",\"attributes\":{\"forbidden_paths\":"
				   "[\"created_at\",1]}}]}";
	tts_decode_error(body, sizeof body - 1, 400, &e);
	assert_true(tts_error_is(&e, "field_mask_paths"));
	s = tts_join_paths(e.forbidden_paths);
	assert_string_equal(s, "created_at");
	free(s);
	tts_error_clear(&e);

	/* Unchanged for the lists TTS sends. */
	paths = json_loads("[\"\",\"a\"]", 0, NULL);
	s = tts_join_paths(paths);
	assert_string_equal(s, ",a");
	free(s);
	json_decref(paths);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_jp_set_refused_segment),
	    cmocka_unit_test(test_join_paths_non_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
