/* tts_schema: the JSON paths of a device's values and their field mask
 * spelling (oneofs), as The Things Stack's validator takes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/tts_schema.h"
#include "unit.h"

static void mask_is(const char *json_path, const char *want)
{
	char out[256];
	assert_int_equal(tts_mask_path(json_path, out, sizeof out), 0);
	assert_string_equal(out, want);
}

static void test_mask_paths(void **state)
{
	(void)state;
	mask_is("mac_settings.adr.dynamic.margin", "mac_settings.adr.mode.dynamic.margin");
	mask_is("mac_settings.adr.disabled", "mac_settings.adr.mode.disabled");
	mask_is("mac_settings.adr.static.nb_trans", "mac_settings.adr.mode.static.nb_trans");
	mask_is("mac_settings.adr.dynamic.channel_steering.lora_narrow",
		"mac_settings.adr.mode.dynamic.channel_steering.mode.lora_narrow");
	mask_is("mac_settings.relay.served.always", "mac_settings.relay.mode.served.mode.always");
	mask_is("mac_settings.relay.served.backoff", "mac_settings.relay.mode.served.backoff");
	mask_is("mac_settings.desired_relay.serving.cad_periodicity",
		"mac_settings.desired_relay.mode.serving.cad_periodicity");
	mask_is("mac_state.current_parameters.relay.served.dynamic.smart_enable_level",
		"mac_state.current_parameters.relay.mode.served.mode.dynamic.smart_enable_level");
	mask_is("pending_mac_state.desired_parameters.relay.serving.default_channel_index",
		"pending_mac_state.desired_parameters.relay.mode.serving.default_channel_index");
	/* Not oneofs: unchanged. */
	mask_is("mac_settings.adr_margin", "mac_settings.adr_margin");
	mask_is("mac_settings.rx1_delay", "mac_settings.rx1_delay");
	mask_is("session.keys.app_s_key.key", "session.keys.app_s_key.key");
	mask_is("mac_settings.adrx.dynamic", "mac_settings.adrx.dynamic");
	char small[8];
	assert_int_equal(tts_mask_path("mac_settings.adr.disabled", small, sizeof small), -1);
}

static char *paths_of(const char *json)
{
	json_t *d = parse(json), *out = json_array();
	tts_value_paths(d, NULL, out);
	static char buf[1024];
	buf[0] = '\0';
	size_t i;
	json_t *p;
	json_array_foreach(out, i, p)
	{
		strcat(buf, i ? " " : "");
		strcat(buf, json_string_value(p));
	}
	json_decref(out);
	json_decref(d);
	return buf;
}

static void test_value_paths(void **state)
{
	(void)state;
	/* An empty oneof member is a value; so is a chosen member with only
	 * defaults; other empty objects are zero. */
	assert_string_equal(paths_of("{\"mac_settings\":{\"adr\":{\"disabled\":{}}}}"),
			    "mac_settings.adr.disabled");
	assert_string_equal(paths_of("{\"mac_settings\":{\"adr\":{\"dynamic\":{}}}}"),
			    "mac_settings.adr.dynamic");
	assert_string_equal(
	    paths_of("{\"mac_settings\":{\"adr\":{\"dynamic\":{\"margin\":15}},\"use_adr\":true}}"),
	    "mac_settings.adr.dynamic.margin mac_settings.use_adr");
	assert_string_equal(paths_of("{\"mac_settings\":{},\"session\":{\"keys\":{}}}"), "");
	assert_string_equal(
	    paths_of("{\"mac_settings\":{\"relay\":{\"served\":{\"always\":{},\"backoff\":4}}}}"),
	    "mac_settings.relay.served.always mac_settings.relay.served.backoff");
	/* Maps and Structs whole: TTS refuses attributes.k in a mask. */
	assert_string_equal(
	    paths_of("{\"attributes\":{\"k\":\"v\"},\"locations\":{\"user\":"
		     "{\"latitude\":1.5}},\"provisioning_data\":{\"a\":{\"b\":1}}}"),
	    "attributes locations provisioning_data");
	/* Arrays whole, zero leaves out, unknown fields as leaves. */
	assert_string_equal(
	    paths_of("{\"mac_state\":{\"recent_uplinks\":[{\"a\":1}],\"lorawan_version\":\"\"},"
		     "\"frobnicate\":{\"x\":1}}"),
	    "mac_state.recent_uplinks frobnicate");
	assert_string_equal(paths_of("{\"supports_join\":false,\"name\":null}"), "supports_join");
}

struct seen {
	char buf[512];
};

static void problem_cb(void *ud, enum tts_problem p, const char *path, const char *detail)
{
	(void)detail;
	struct seen *s = ud;
	static const char *const names[] = {"unknown", "wrapped", "oneof", "not-object",
					    "type",    "range",	  "enum"};
	size_t n = strlen(s->buf);
	snprintf(s->buf + n, sizeof s->buf - n, "%s%s:%s", n ? " " : "", names[p], path);
}

static char *problems_of(const char *json)
{
	static struct seen s;
	s.buf[0] = '\0';
	json_t *d = parse(json);
	tts_schema_problems(d, problem_cb, &s);
	json_decref(d);
	return s.buf;
}

static void test_problems(void **state)
{
	(void)state;
	assert_string_equal(problems_of("{\"mac_settings\":{\"adr\":{\"disabled\":{}}}}"), "");
	assert_string_equal(
	    problems_of("{\"mac_settings\":{\"adr\":{\"disabled\":{},\"static\":{}}}}"),
	    "oneof:mac_settings.adr");
	assert_string_equal(problems_of("{\"mac_settings\":{\"rx1_delay\":{\"value\":"
					"\"RX_DELAY_1\"},\"rx1_delayy\":1}}"),
			    "wrapped:mac_settings.rx1_delay unknown:mac_settings.rx1_delayy");
	assert_string_equal(problems_of("{\"session\":5,\"attributes\":{\"any\":\"thing\"}}"),
			    "not-object:session");
	/* Every field of the schema is known: a sample from each component. */
	assert_string_equal(
	    problems_of("{\"ids\":{\"device_id\":\"d\",\"application_ids\":{\"application_id\":"
			"\"a\"},\"dev_eui\":\"00\",\"join_eui\":\"00\"},\"root_keys\":{\"app_key\":"
			"{\"key\":\"00\"}},\"session\":{\"last_a_f_cnt_down\":1,\"keys\":{"
			"\"app_s_key\":{\"key\":\"00\"}}},\"formatters\":{\"up_formatter\":"
			"\"FORMATTER_JAVASCRIPT\"},"
			"\"mac_state\":{\"current_parameters\":{\"rx1_delay\":1}}}"),
	    "");
}

static void test_ranges(void **state)
{
	(void)state;
	/* uint32 counters: 2^32, -1, 12.5 and "x" are refused; 2^32-1 and
	 * "7" (quoted numbers are read by TTS's JSON) are fine. */
	assert_string_equal(problems_of("{\"session\":{\"last_f_cnt_up\":4294967296}}"),
			    "range:session.last_f_cnt_up");
	assert_string_equal(problems_of("{\"session\":{\"last_n_f_cnt_down\":-1}}"),
			    "range:session.last_n_f_cnt_down");
	assert_string_equal(problems_of("{\"session\":{\"last_a_f_cnt_down\":12.5}}"),
			    "range:session.last_a_f_cnt_down");
	assert_string_equal(problems_of("{\"session\":{\"last_f_cnt_up\":true}}"),
			    "type:session.last_f_cnt_up");
	assert_string_equal(problems_of("{\"session\":{\"last_f_cnt_up\":4294967295,"
					"\"last_n_f_cnt_down\":\"7\"}}"),
			    "");
	/* uint64 frequencies as strings; a float is a number; enums by name or
	 * number; versions are left to the version rules. */
	assert_string_equal(
	    problems_of("{\"mac_state\":{\"current_parameters\":{"
			"\"rx2_frequency\":\"869525000.5\",\"max_eirp\":\"x\","
			"\"rx1_delay\":\"RX_DELAY_99\",\"rx2_data_rate_index\":3}}}"),
	    "range:mac_state.current_parameters.rx2_frequency type:mac_state.current_"
	    "parameters.max_eirp enum:mac_state.current_parameters.rx1_delay");
	assert_string_equal(problems_of("{\"lorawan_version\":\"1.0.2\",\"mac_settings\":{"
					"\"rx1_delay\":16,\"use_adr\":\"yes\"}}"),
			    "enum:mac_settings.rx1_delay type:mac_settings.use_adr");
}

static void test_unwrap(void **state)
{
	(void)state;
	json_t *d = parse("{\"mac_settings\":{\"rx1_delay\":{\"value\":\"RX_DELAY_5\"},"
			  "\"use_adr\":{\"value\":false},\"adr\":{\"dynamic\":{"
			  "\"min_data_rate_index\":{\"value\":\"DATA_RATE_2\"}}},"
			  "\"class_b_timeout\":\"60s\"},\"attributes\":{\"value\":\"kept\"}}");
	assert_int_equal(tts_unwrap_values(d), 3);
	json_t *want = parse("{\"mac_settings\":{\"rx1_delay\":\"RX_DELAY_5\",\"use_adr\":false,"
			     "\"adr\":{\"dynamic\":{\"min_data_rate_index\":\"DATA_RATE_2\"}},"
			     "\"class_b_timeout\":\"60s\"},\"attributes\":{\"value\":\"kept\"}}");
	assert_true(json_equal(d, want));
	assert_int_equal(tts_unwrap_values(d), 0);
	json_decref(d);
	json_decref(want);
}

static void test_fields_sorted(void **state)
{
	(void)state;
	for (size_t i = 1; i < tts_nfields; i++)
		assert_true(strcmp(tts_fields[i - 1].path, tts_fields[i].path) < 0);
	assert_non_null(tts_field_find("mac_settings.adr.disabled"));
	assert_true(tts_field_find("mac_settings.adr.disabled")->flags & TTS_F_EMPTY);
	assert_true(tts_field_find("attributes")->flags & TTS_F_OPAQUE);
	assert_null(tts_field_find("mac_settings.adr.mode"));
	/* Each oneof member the table names is a field of the schema. */
	for (const struct tts_oneof *o = tts_oneofs; o->parent; o++)
		for (const char *const *m = o->members; *m; m++) {
			char p[256];
			snprintf(p, sizeof p, "%s.%s", o->parent, *m);
			if (!tts_field_find(p))
				fail_msg("oneof member %s is not in the schema", p);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mask_paths), cmocka_unit_test(test_value_paths),
	    cmocka_unit_test(test_problems),   cmocka_unit_test(test_ranges),
	    cmocka_unit_test(test_unwrap),     cmocka_unit_test(test_fields_sorted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
