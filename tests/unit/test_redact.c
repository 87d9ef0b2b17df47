/* --redact: every key at tts_key_paths becomes zeros of the same length;
 * session_key_id and everything else stays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/jsonpath.h"
#include "core/redact.h"

static void test_keys_become_zeros(void **state)
{
	(void)state;
	json_t *d = json_loads(
	    "{\"ids\":{\"device_id\":\"d-1\"},"
	    "\"root_keys\":{\"root_key_id\":\"rk\",\"app_key\":{\"key\":"
	    "\"EFE35B55F8B394A68567F8A36F5AC44A\"},\"nwk_key\":{\"key\":"
	    "\"0102030405060708090A0B0C0D0E0F10\",\"kek_label\":\"k\",\"encrypted_key\":"
	    "\"AbCdEfGhIjKlMnOpQrStUvWxYz0123==\"}},"
	    "\"session\":{\"dev_addr\":\"260B2F9D\",\"keys\":{\"session_key_id\":\"eVNOD7hX\","
	    "\"app_s_key\":{\"key\":\"E82B8166DFB4DA501E169D6380792512\"},"
	    "\"f_nwk_s_int_key\":{\"key\":\"E276C2B1A158B29C85996EEEDDDEC551\"}},"
	    "\"last_f_cnt_up\":64},"
	    "\"pending_session\":{\"keys\":{\"nwk_s_enc_key\":{\"key\":\"11\"}}},"
	    "\"pending_mac_state\":{\"queued_join_accept\":{\"keys\":{\"app_s_key\":{\"key\":"
	    "\"22222222222222222222222222222222\",\"encrypted_key\":\"QUJD\"},"
	    "\"s_nwk_s_int_key\":{\"key\":\"33333333333333333333333333333333\"}}}}}",
	    0, NULL);
	assert_non_null(d);
	assert_int_equal(redact_keys(d), 9); /* 7 keys, 2 encrypted keys */
	static const struct {
		const char *path, *want;
	} want[] = {
	    {"root_keys.app_key.key", "00000000000000000000000000000000"},
	    {"root_keys.nwk_key.key", "00000000000000000000000000000000"},
	    {"root_keys.nwk_key.encrypted_key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="},
	    {"root_keys.nwk_key.kek_label", "k"},
	    {"root_keys.root_key_id", "rk"},
	    {"session.keys.app_s_key.key", "00000000000000000000000000000000"},
	    {"session.keys.f_nwk_s_int_key.key", "00000000000000000000000000000000"},
	    {"session.keys.session_key_id", "eVNOD7hX"},
	    {"session.dev_addr", "260B2F9D"},
	    {"pending_session.keys.nwk_s_enc_key.key", "00"},
	    {"pending_mac_state.queued_join_accept.keys.app_s_key.key",
	     "00000000000000000000000000000000"},
	    {"pending_mac_state.queued_join_accept.keys.app_s_key.encrypted_key", "AAAA"},
	    {"pending_mac_state.queued_join_accept.keys.s_nwk_s_int_key.key",
	     "00000000000000000000000000000000"},
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		const char *got = json_string_value(jp_get(d, want[i].path));
		if (!got || strcmp(got, want[i].want) != 0)
			fail_msg("%s: got %s, want %s", want[i].path, got ? got : "(none)",
				 want[i].want);
	}
	assert_int_equal(json_integer_value(jp_get(d, "session.last_f_cnt_up")), 64);
	/* Idempotent on the values, and nothing else added. */
	char *once = json_dumps(d, JSON_SORT_KEYS);
	redact_keys(d);
	char *twice = json_dumps(d, JSON_SORT_KEYS);
	assert_string_equal(once, twice);
	free(once);
	free(twice);
	json_decref(d);
}

static void test_nothing_to_redact(void **state)
{
	(void)state;
	json_t *d = json_loads("{\"ids\":{\"device_id\":\"d-1\"},\"session\":5,"
			       "\"root_keys\":{\"app_key\":{\"key\":\"\"}}}",
			       0, NULL);
	assert_int_equal(redact_keys(d), 0);
	/* Not enabled: redact_export() leaves the device alone. */
	json_t *k = json_loads("{\"root_keys\":{\"app_key\":{\"key\":\"AB\"}}}", 0, NULL);
	assert_false(redact_enabled());
	assert_int_equal(redact_export(k), 0);
	assert_string_equal(json_string_value(jp_get(k, "root_keys.app_key.key")), "AB");
	json_decref(k);
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keys_become_zeros),
	    cmocka_unit_test(test_nothing_to_redact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
