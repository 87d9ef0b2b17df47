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

/* Plain http:// was allowed to any host whose name starts with "127."
 * (127.example.com can resolve anywhere): the API key in clear text. */
static void test_plain_http_only_to_loopback(void **state)
{
	(void)state;
	static const char *const refused[] = {"http://127.example.com",
					      "http://127.0.0.1.nip.io/",
					      "http://127.evil:80",
					      "http://127.0.0.1.5",
					      "http://127.",
					      "http://example.com",
					      "http://10.0.0.1",
					      "http://localhost.example.com",
					      "http://[::2]:1885"};
	static const char *const allowed[] = {"http://127.0.0.1:1885", "http://127.1.2.3/x",
					      "http://localhost:1885", "http://LOCALHOST",
					      "http://[::1]:1885",     "https://127.example.com"};
	char err[256];
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		char *u = tts_base_url(refused[i], false, err, sizeof err);
		if (u)
			fail_msg("%s: allowed as %s", refused[i], u);
		/* --insecure allows it. */
		u = tts_base_url(refused[i], true, err, sizeof err);
		assert_non_null(u);
		free(u);
	}
	for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++) {
		char *u = tts_base_url(allowed[i], false, err, sizeof err);
		if (!u)
			fail_msg("%s: refused: %s", allowed[i], err);
		free(u);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_jp_set_refused_segment),
	    cmocka_unit_test(test_join_paths_non_strings),
	    cmocka_unit_test(test_plain_http_only_to_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
