/* Unit tests for src/sources/session_build.c: the generated MAC state against
 * the frequency plans' channels (TheThingsNetwork/lorawan-frequency-plans
 * EU_863_870.yml, US_902_928_FSB_2.yml, AS_923.yml, as written there), the
 * session's keys and counters, and refused inputs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/session_build.h"

#define K1 "11111111111111111111111111111111"
#define K2 "2222222222222222222222222222222a"
#define K3 "33333333333333333333333333333333"
#define K4 "44444444444444444444444444444444"

static struct sb_input base(const char *fp)
{
	struct sb_input in = {
	    .frequency_plan_id = fp,
	    .lorawan_version = "MAC_V1_0_2",
	    .phy_version = "PHY_V1_0_2_REV_B",
	    .dev_addr = "260b1234",
	    .app_s_key = K1,
	    .f_nwk_s_int_key = K2,
	    .last_f_cnt_up = 70000,
	    .last_n_f_cnt_down = 12,
	    .last_a_f_cnt_down = 3,
	    .otaa = true,
	    .rx1_delay = -1,
	    .rx1_data_rate_offset = -1,
	    .rx2_data_rate_index = -1,
	};
	return in;
}

static uint64_t u64(const json_t *v)
{
	assert_true(json_is_string(v));
	return strtoull(json_string_value(v), NULL, 10);
}

static json_int_t ival(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return v ? json_integer_value(v) : 0; /* absent = zero, as TTS prints */
}

struct want_ch {
	uint64_t up, down;
	int min_dr, max_dr;
};

/* The enabled channels of params are exactly want (in any order), and there
 * are total channels in all. */
static void expect_channels(const json_t *params, const struct want_ch *want, size_t n,
			    size_t total)
{
	const json_t *chs = json_object_get(params, "channels");
	assert_int_equal(json_array_size(chs), total);
	size_t enabled = 0, i;
	const json_t *c;
	json_array_foreach(chs, i, c)
	{
		if (!json_is_true(json_object_get(c, "enable_uplink")))
			continue;
		enabled++;
		uint64_t up = u64(json_object_get(c, "uplink_frequency"));
		size_t k = 0;
		while (k < n && want[k].up != up)
			k++;
		if (k == n)
			fail_msg("channel %" PRIu64 " enabled but not in the plan", up);
		assert_int_equal(u64(json_object_get(c, "downlink_frequency")), want[k].down);
		assert_int_equal(ival(c, "min_data_rate_index"), want[k].min_dr);
		assert_int_equal(ival(c, "max_data_rate_index"), want[k].max_dr);
	}
	assert_int_equal(enabled, n);
}

static void build_ok(const struct sb_input *in, json_t **s, json_t **ms)
{
	char err[256] = "";
	int rc = sb_build(in, s, ms, err, sizeof err);
	if (rc != 0)
		fail_msg("sb_build: %s", err);
	assert_non_null(*s);
	assert_non_null(*ms);
	/* current = desired */
	assert_true(json_equal(json_object_get(*ms, "current_parameters"),
			       json_object_get(*ms, "desired_parameters")));
}

static void test_eu868(void **state)
{
	(void)state;
	static const struct want_ch eu[] = {
	    {868100000, 868100000, 0, 5}, {868300000, 868300000, 0, 5},
	    {868500000, 868500000, 0, 5}, {867100000, 867100000, 0, 5},
	    {867300000, 867300000, 0, 5}, {867500000, 867500000, 0, 5},
	    {867700000, 867700000, 0, 5}, {867900000, 867900000, 0, 5},
	};
	struct sb_input in = base("EU_863_870_TTN");
	json_t *s, *ms;
	build_ok(&in, &s, &ms);
	const json_t *p = json_object_get(ms, "desired_parameters");
	expect_channels(p, eu, 8, 8);
	/* EU_863_870_TTN: SF9 (DR3) for RX2 on 869.525 MHz; RX1 delay 1 s. */
	assert_int_equal(ival(p, "rx2_data_rate_index"), 3);
	assert_int_equal(u64(json_object_get(p, "rx2_frequency")), 869525000);
	assert_int_equal(ival(p, "rx1_delay"), 1);
	assert_int_equal(ival(p, "max_eirp"), 16);
	assert_int_equal(ival(p, "adr_nb_trans"), 1);
	assert_string_equal(json_string_value(json_object_get(p, "adr_ack_limit_exponent")),
			    "ADR_ACK_LIMIT_64");
	assert_string_equal(json_string_value(json_object_get(ms, "lorawan_version")),
			    "MAC_V1_0_2");
	assert_string_equal(json_string_value(json_object_get(ms, "device_class")), "CLASS_A");
	/* Plain EU_863_870 keeps SF12 (DR0, not printed) for RX2. */
	json_decref(s);
	json_decref(ms);
	in = base("EU_863_870");
	build_ok(&in, &s, &ms);
	assert_int_equal(ival(json_object_get(ms, "current_parameters"), "rx2_data_rate_index"), 0);
	expect_channels(json_object_get(ms, "current_parameters"), eu, 8, 8);
	json_decref(s);
	json_decref(ms);
}

static void test_us915_fsb2(void **state)
{
	(void)state;
	/* Sub-band 2: 903.9-905.3 MHz DR0-3 and the 500 kHz 904.6 MHz DR4; the
	 * downlink of 125 kHz channel i is 923.3 + 0.6 * (i % 8) MHz. */
	struct want_ch us[9];
	for (int i = 0; i < 8; i++) {
		int idx = 8 + i;
		us[i] = (struct want_ch){903900000u + 200000u * (unsigned)i,
					 923300000u + 600000u * (unsigned)(idx % 8), 0, 3};
	}
	us[8] = (struct want_ch){904600000, 923300000u + 600000u * (65 % 8), 4, 4};
	struct sb_input in = base("US_902_928_FSB_2");
	json_t *s, *ms;
	build_ok(&in, &s, &ms);
	const json_t *p = json_object_get(ms, "desired_parameters");
	expect_channels(p, us, 9, 72);
	assert_int_equal(ival(p, "rx2_data_rate_index"), 8);
	assert_int_equal(u64(json_object_get(p, "rx2_frequency")), 923300000);
	assert_int_equal(ival(p, "max_eirp"), 30);
	assert_true(json_is_true(json_object_get(p, "uplink_dwell_time")));
	assert_true(json_is_false(json_object_get(p, "downlink_dwell_time")));
	assert_null(json_object_get(p, "ping_slot_frequency")); /* hopping */
	json_decref(s);
	json_decref(ms);
}

static void test_as923(void **state)
{
	(void)state;
	static const struct want_ch as[] = {
	    {923200000, 923200000, 0, 5},
	    {923400000, 923400000, 0, 5},
	};
	struct sb_input in = base("AS_923");
	json_t *s, *ms;
	build_ok(&in, &s, &ms);
	const json_t *p = json_object_get(ms, "current_parameters");
	expect_channels(p, as, 2, 2);
	assert_int_equal(ival(p, "rx2_data_rate_index"), 2);
	assert_int_equal(u64(json_object_get(p, "rx2_frequency")), 923200000);
	assert_int_equal(u64(json_object_get(p, "ping_slot_frequency")), 923400000);
	json_decref(s);
	json_decref(ms);
	/* AS_920_923_TTN_AU: 2 band channels + 6 of the plan, max EIRP 16 (the
	 * plan's 30 is above the band's, so the band's stays). */
	in = base("AS_920_923_TTN_AU");
	build_ok(&in, &s, &ms);
	p = json_object_get(ms, "desired_parameters");
	assert_int_equal(json_array_size(json_object_get(p, "channels")), 8);
	assert_int_equal(ival(p, "max_eirp"), 16);
	json_decref(s);
	json_decref(ms);
}

static void test_session_fields(void **state)
{
	(void)state;
	struct sb_input in = base("EU_863_870");
	in.rx1_delay = 5;
	in.rx2_data_rate_index = 2;
	in.rx2_frequency = 869100000;
	in.rx1_data_rate_offset = 1;
	json_t *s, *ms;
	build_ok(&in, &s, &ms);
	assert_string_equal(json_string_value(json_object_get(s, "dev_addr")), "260B1234");
	assert_int_equal(ival(s, "last_f_cnt_up"), 70000);
	assert_int_equal(ival(s, "last_n_f_cnt_down"), 12);
	assert_int_equal(ival(s, "last_a_f_cnt_down"), 3);
	const json_t *keys = json_object_get(s, "keys");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(keys, "app_s_key"), "key")), K1);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(keys, "f_nwk_s_int_key"), "key")),
	    "2222222222222222222222222222222A");
	assert_null(json_object_get(keys, "s_nwk_s_int_key"));
	assert_int_equal(strlen(json_string_value(json_object_get(keys, "session_key_id"))), 24);
	assert_non_null(json_object_get(s, "started_at"));
	const json_t *p = json_object_get(ms, "current_parameters");
	assert_int_equal(ival(p, "rx1_delay"), 5);
	assert_int_equal(ival(p, "rx2_data_rate_index"), 2);
	assert_int_equal(ival(p, "rx1_data_rate_offset"), 1);
	assert_int_equal(u64(json_object_get(p, "rx2_frequency")), 869100000);
	json_decref(s);
	json_decref(ms);

	/* ABP: no session key id, no started_at; zero counters are not printed;
	 * 1.1 carries all four keys; a 1.0.x class C device runs in class C. */
	in = base("EU_863_870");
	in.otaa = false;
	in.last_f_cnt_up = in.last_n_f_cnt_down = in.last_a_f_cnt_down = 0;
	in.lorawan_version = "1.1.0";
	in.phy_version = "RP001_V1_1_REV_B";
	in.s_nwk_s_int_key = K3;
	in.nwk_s_enc_key = K4;
	in.supports_class_c = true;
	build_ok(&in, &s, &ms);
	keys = json_object_get(s, "keys");
	assert_null(json_object_get(keys, "session_key_id"));
	assert_null(json_object_get(s, "started_at"));
	assert_null(json_object_get(s, "last_f_cnt_up"));
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(keys, "nwk_s_enc_key"), "key")), K4);
	assert_string_equal(json_string_value(json_object_get(ms, "lorawan_version")), "MAC_V1_1");
	assert_string_equal(json_string_value(json_object_get(ms, "device_class")), "CLASS_A");
	json_decref(s);
	json_decref(ms);
	in.lorawan_version = "MAC_V1_0_3";
	in.phy_version = "RP001_V1_0_3_REV_A";
	build_ok(&in, &s, &ms);
	assert_string_equal(json_string_value(json_object_get(ms, "device_class")), "CLASS_C");
	json_decref(s);
	json_decref(ms);
}

static void expect_refused(struct sb_input in, const char *field)
{
	char err[256] = "";
	json_t *s = (json_t *)1, *ms = (json_t *)1;
	assert_int_equal(sb_build(&in, &s, &ms, err, sizeof err), -1);
	assert_null(s);
	assert_null(ms);
	if (strncmp(err, field, strlen(field)) != 0)
		fail_msg("want an error about %s, got \"%s\"", field, err);
	assert_null(strchr(err, '\n'));
}

static void test_refused(void **state)
{
	(void)state;
	struct sb_input in = base("EU_863_870");
	in.frequency_plan_id = "EU_999";
	expect_refused(in, "frequency_plan_id");
	in = base("EU_863_870");
	in.frequency_plan_id = NULL;
	expect_refused(in, "frequency_plan_id");
	in = base("CN_470_510_FSB_11"); /* no MAC defaults for this band */
	expect_refused(in, "frequency_plan_id");
	in = base("EU_863_870");
	in.dev_addr = "1234567";
	expect_refused(in, "session.dev_addr");
	in.dev_addr = "1234567G";
	expect_refused(in, "session.dev_addr");
	in = base("EU_863_870");
	in.app_s_key = "";
	expect_refused(in, "session.keys.app_s_key");
	in = base("EU_863_870");
	in.f_nwk_s_int_key = K1 "0";
	expect_refused(in, "session.keys.f_nwk_s_int_key");
	in = base("EU_863_870");
	in.lorawan_version = "MAC_V1_1";
	in.phy_version = "RP001_V1_1_REV_B";
	expect_refused(in, "session.keys.s_nwk_s_int_key"); /* 1.1 needs all four */
	in = base("EU_863_870");
	in.lorawan_version = "1.2";
	expect_refused(in, "lorawan_version");
	in = base("EU_863_870");
	in.phy_version = "nope";
	expect_refused(in, "lorawan_phy_version");
	in = base("AS_923_4"); /* AS_923_4 exists only from RP002 1.0.3 on */
	expect_refused(in, "lorawan_phy_version");
	in = base("EU_863_870");
	in.rx1_delay = 16;
	expect_refused(in, "mac_settings.rx1_delay");
	in = base("US_902_928_FSB_2");
	in.rx2_frequency = 869525000; /* an EU frequency on a US plan */
	expect_refused(in, "mac_settings.rx2_frequency");
	in = base("EU_863_870");
	in.rx2_data_rate_index = 16;
	expect_refused(in, "mac_settings.rx2_data_rate_index");
}

static void test_plan_band(void **state)
{
	(void)state;
	char err[256];
	assert_string_equal(sb_plan_band("US_902_928_FSB_2", err, sizeof err), "US_902_928");
	assert_string_equal(sb_plan_band("AS_920_923_TTN_JP_1", err, sizeof err), "AS_923");
	assert_null(sb_plan_band("XX", err, sizeof err));
	assert_non_null(strstr(err, "unknown frequency plan"));
}

/* The version names of other network servers, mapped to TTS's enums. */
static void test_lorawan_versions(void **state)
{
	(void)state;
	const char *mac, *phy;
	assert_int_equal(sb_lorawan_versions("1.0.3", false, false, &mac, &phy), 0);
	assert_string_equal(mac, "MAC_V1_0_3");
	assert_string_equal(phy, "RP001_V1_0_3_REV_A");
	assert_int_equal(sb_lorawan_versions("1.0.2", false, true, &mac, &phy), 0);
	assert_string_equal(phy, "RP001_V1_0_2_REV_B");
	assert_int_equal(sb_lorawan_versions("1.1", true, false, &mac, &phy), 0);
	assert_string_equal(mac, "MAC_V1_1");
	assert_string_equal(phy, "RP001_V1_1_REV_A");
	/* 1.0.2 and 1.1 need the revision; 1.2 and NULL are no versions. */
	assert_int_equal(sb_lorawan_versions("1.0.2", false, false, &mac, &phy), -2);
	assert_int_equal(sb_lorawan_versions("1.2", true, false, &mac, &phy), -1);
	assert_int_equal(sb_lorawan_versions(NULL, true, false, &mac, &phy), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_eu868),
	    cmocka_unit_test(test_us915_fsb2),
	    cmocka_unit_test(test_as923),
	    cmocka_unit_test(test_session_fields),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_plan_band),
	    cmocka_unit_test(test_lorawan_versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
