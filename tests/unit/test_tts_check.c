/* tts_check_device_types: what a server's answer must look like to pass for
 * an end device (regression for the "session": 5 export, see test_faults.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/tts_check.h"

static int check(const char *json, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *d = json_loads(json, 0, &jerr);
	assert_non_null(d);
	int rc = tts_check_device_types(d, err, errlen);
	json_decref(d);
	return rc;
}

static void test_valid_devices_pass(void **state)
{
	(void)state;
	char err[256] = "";
	assert_int_equal(check("{}", err, sizeof err), 0);
	assert_int_equal(
	    check("{\"ids\":{\"device_id\":\"d-1\",\"application_ids\":{\"application_id\":\"a\"},"
		  "\"dev_eui\":\"0011223344556677\"},\"lorawan_version\":\"MAC_V1_0_2\","
		  "\"lorawan_phy_version\":3,\"supports_join\":true,\"frequency_plan_id\":\"EU\","
		  "\"session\":{\"dev_addr\":\"260B2F9D\",\"keys\":{\"app_s_key\":{\"key\":"
		  "\"00\"}},\"last_f_cnt_up\":64},\"mac_state\":{\"current_parameters\":"
		  "{\"channels\":[]},\"device_class\":\"CLASS_A\"},\"root_keys\":{\"app_key\":"
		  "{\"key\":\"00\"}},\"pending_mac_state\":{\"queued_join_accept\":{\"keys\":"
		  "{\"app_s_key\":{\"key\":\"00\"}}}}}",
		  err, sizeof err),
	    0);
	/* JSON null is "unset" to TTS. */
	assert_int_equal(
	    check("{\"session\":null,\"root_keys\":{\"app_key\":null}}", err, sizeof err), 0);
}

static void test_wrong_types_fail(void **state)
{
	(void)state;
	static const struct {
		const char *json, *msg;
	} cases[] = {
	    {"{\"session\":5}", "session: a number where The Things Stack sends an object"},
	    {"{\"root_keys\":\"EFE35B55F8B394A68567F8A36F5AC44A\"}", "root_keys: a string"},
	    {"{\"root_keys\":{\"app_key\":{\"key\":17}}}", "root_keys.app_key.key: a number"},
	    {"{\"ids\":[]}", "ids: an array"},
	    {"{\"ids\":{\"device_id\":5}}", "ids.device_id: a number"},
	    {"{\"supports_join\":\"yes\"}", "supports_join: a string where The Things Stack "
					    "sends true or false"},
	    {"{\"session\":{\"last_f_cnt_up\":-1}}", "session.last_f_cnt_up: a number"},
	    {"{\"session\":{\"last_f_cnt_up\":1.5}}", "session.last_f_cnt_up: a number"},
	    {"{\"mac_state\":{\"current_parameters\":{\"channels\":{}}}}",
	     "mac_state.current_parameters.channels: an object"},
	    {"{\"lorawan_version\":{\"v\":1}}", "lorawan_version: an object"},
	    {"{\"pending_mac_state\":{\"queued_join_accept\":{\"keys\":{\"app_s_key\":\"00\"}}}}",
	     "pending_mac_state.queued_join_accept.keys.app_s_key: a string"},
	    /* the outermost bad field is named */
	    {"{\"session\":{\"keys\":5}}", "session.keys: a number"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[256] = "";
		assert_int_equal(check(cases[i].json, err, sizeof err), -1);
		if (!strstr(err, cases[i].msg))
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].json, err, cases[i].msg);
	}
}

static void test_not_an_object(void **state)
{
	(void)state;
	char err[128];
	json_t *a = json_array();
	assert_int_equal(tts_check_device_types(a, err, sizeof err), -1);
	assert_non_null(strstr(err, "an array, not an object"));
	assert_int_equal(tts_check_device_types(NULL, err, sizeof err), -1);
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_devices_pass),
	    cmocka_unit_test(test_wrong_types_fail),
	    cmocka_unit_test(test_not_an_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
