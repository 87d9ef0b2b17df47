/*
 * Unit tests for src/check: every rule trips on a bad device and stays quiet
 * on a good one; the NetID/DevAddr arithmetic the DevAddr rules rely on, on
 * worked examples; the data files; the finding format and the count line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "core/jsonpath.h"
#include "core/lorawan.h"
#include "unit.h"

/* An OTAA device with a session that every rule accepts; offline it only
 * gets the devaddr-destination-unknown info. Same as BASE in
 * tests/fixtures/check/gen.py. */
static const char *const BASE =
    "{\"ids\":{\"device_id\":\"good-device\",\"application_ids\":{\"application_id\":"
    "\"source-app\"},\"dev_eui\":\"70B3D57ED0000001\",\"join_eui\":\"0000000000000000\"},"
    "\"lorawan_version\":\"MAC_V1_0_2\",\"lorawan_phy_version\":\"PHY_V1_0_2_REV_B\","
    "\"frequency_plan_id\":\"EU_863_870_TTN\",\"supports_join\":true,"
    "\"root_keys\":{\"app_key\":{\"key\":\"EFE35B55F8B394A68567F8A36F5AC44A\"}},"
    "\"mac_settings\":{\"rx1_delay\":1,\"supports_32_bit_f_cnt\":true},"
    "\"mac_state\":{\"current_parameters\":{\"rx2_frequency\":\"869525000\",\"channels\":["
    "{\"uplink_frequency\":\"868100000\",\"downlink_frequency\":\"868100000\"},"
    "{\"uplink_frequency\":\"868300000\",\"downlink_frequency\":\"868300000\"},"
    "{\"uplink_frequency\":\"868500000\",\"downlink_frequency\":\"868500000\"}]},"
    "\"desired_parameters\":{\"rx2_frequency\":\"869525000\",\"channels\":["
    "{\"uplink_frequency\":\"868100000\",\"downlink_frequency\":\"868100000\"}]},"
    "\"device_class\":\"CLASS_A\",\"lorawan_version\":\"MAC_V1_0_2\"},"
    "\"session\":{\"dev_addr\":\"260B2F9D\",\"keys\":{\"session_key_id\":"
    "\"eVNOD7hXFrwVAnqypet9Og==\",\"f_nwk_s_int_key\":{\"key\":"
    "\"E276C2B1A158B29C85996EEEDDDEC551\"},\"app_s_key\":{\"key\":"
    "\"E82B8166DFB4DA501E169D6380792512\"}},\"last_f_cnt_up\":64,\"last_n_f_cnt_down\":1,"
    "\"last_a_f_cnt_down\":3}}";

#define F_KEY "E276C2B1A158B29C85996EEEDDDEC551"
#define KEY3  "0123456789ABCDEF0123456789ABCDEF"

static json_t *base(const char *id)
{
	json_t *d = parse(BASE);
	jp_set(d, "ids.device_id", json_string(id));
	return d;
}

static void set(json_t *d, const char *path, const char *json)
{
	json_error_t e;
	json_t *v = json_loads(json, JSON_DECODE_ANY, &e);
	if (!v)
		fail_msg("bad value %s", json);
	assert_int_equal(jp_set(d, path, v), 0);
}

/* Runs the devices (NULL-terminated, references stolen) through one checker. */
static json_t *run_opts(const struct check_opts *o, json_t *first, ...)
{
	struct checker *c = checker_new(o);
	assert_non_null(c);
	json_t *findings = json_array();
	va_list ap;
	va_start(ap, first);
	int n = 1;
	for (json_t *d = first; d; d = va_arg(ap, json_t *)) {
		char where[32];
		snprintf(where, sizeof where, "test.jsonl:%d", n++);
		checker_device(c, d, where, findings);
		json_decref(d);
	}
	va_end(ap);
	checker_free(c);
	return findings;
}

#define run(...) run_opts(NULL, __VA_ARGS__, NULL)

static const json_t *find_rule(const json_t *findings, const char *rule)
{
	size_t i;
	json_t *f;
	json_array_foreach(findings, i, f)
	{
		if (strcmp(json_string_value(json_object_get(f, "rule")), rule) == 0)
			return f;
	}
	return NULL;
}

static void dump_on_fail(const json_t *findings, const char *rule, bool want)
{
	if ((find_rule(findings, rule) != NULL) == want)
		return;
	char *s = json_dumps(findings, JSON_INDENT(1));
	fail_msg("rule %s %s in:\n%s", rule, want ? "missing" : "unexpected", s);
}

/* The bad device trips rule with the given severity; the good one does not. */
static void bad_good(json_t *bad_findings, json_t *good_findings, const char *rule,
		     const char *severity)
{
	dump_on_fail(bad_findings, rule, true);
	const json_t *f = find_rule(bad_findings, rule);
	assert_string_equal(json_string_value(json_object_get(f, "severity")), severity);
	dump_on_fail(good_findings, rule, false);
	json_decref(bad_findings);
	json_decref(good_findings);
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (!haystack || !strstr(haystack, needle))
		fail_msg("\"%s\" does not contain \"%s\"", haystack ? haystack : "(null)", needle);
}

static const char *message_of(const json_t *findings, const char *rule)
{
	const json_t *f = find_rule(findings, rule);
	assert_non_null(f);
	return json_string_value(json_object_get(f, "message"));
}

/* ---- the base device ------------------------------------------------------------ */

static void test_base_is_clean(void **state)
{
	(void)state;
	json_t *f = run(base("good-device"));
	/* Offline, the only finding is the once-per-block note about the DevAddr. */
	assert_int_equal(json_array_size(f), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(f, 0), "rule")),
			    "devaddr-destination-unknown");
	json_decref(f);
}

static void test_finding_shape(void **state)
{
	(void)state;
	json_t *d = base("abp-dev");
	set(d, "supports_join", "false");
	jp_del(d, "session");
	jp_del(d, "mac_state");
	struct checker *c = checker_new(NULL);
	json_t *f = json_array();
	assert_int_equal(checker_device(c, d, "devices.json:7", f), 1);
	const json_t *x = find_rule(f, "abp-without-session");
	assert_non_null(x);
	assert_string_equal(json_string_value(json_object_get(x, "severity")), "error");
	assert_string_equal(json_string_value(json_object_get(x, "device_id")), "abp-dev");
	assert_string_equal(json_string_value(json_object_get(x, "field")), "session");
	assert_string_equal(json_string_value(json_object_get(x, "input")), "devices.json:7");
	assert_non_null(json_string_value(json_object_get(x, "message")));
	assert_int_equal(json_object_size(x), 6);
	checker_free(c);
	json_decref(d);
	json_decref(f);
}

static void test_device_not_object(void **state)
{
	(void)state;
	bad_good(run(json_integer(5)), run(base("an-object")), "device-not-object", "error");
}

/* ---- identity ------------------------------------------------------------------- */

static void test_device_id_invalid(void **state)
{
	(void)state;
	/* Upper case survives the fix-ups; underscores do not. */
	bad_good(run(base("Bad_Device")), run(base("bad_device")), "device-id-invalid", "error");
	json_t *f = run(base("Bad_Device"));
	assert_contains(message_of(f, "device-id-invalid"), "\"Bad-Device\"");
	json_decref(f);
	/* No id and no DevEUI. */
	json_t *d = base("x");
	jp_del(d, "ids.device_id");
	jp_del(d, "ids.dev_eui");
	set(d, "supports_join", "false");
	f = run(d);
	dump_on_fail(f, "device-id-invalid", true);
	json_decref(f);
	/* No id but a DevEUI: the id comes from it. */
	d = base("x");
	jp_del(d, "ids.device_id");
	f = run(d);
	dump_on_fail(f, "device-id-invalid", false);
	json_decref(f);
}

static void test_message_utf8(void **state)
{
	(void)state;
	/* Messages quote ids cut at 40 bytes; "a" + 2-byte characters is cut
	 * inside one. The message must still be valid UTF-8 (a JSON string). */
	char id[128] = "a";
	for (int i = 0; i < 30; i++)
		strcat(id, "\xc3\xa9");
	json_t *f = run(base(id));
	const json_t *x = find_rule(f, "device-id-invalid");
	assert_non_null(x);
	assert_true(json_is_string(json_object_get(x, "message")));
	assert_contains(message_of(f, "device-id-invalid"), "\"a\xc3\xa9");
	json_decref(f);
	f = json_array();
	check_add(f, CHECK_INFO, "r", NULL, NULL, NULL, "cut \xc3 here \xed\xa0\x80 and \xf5");
	assert_string_equal(json_string_value(json_object_get(json_array_get(f, 0), "message")),
			    "cut ? here ??? and ?");
	json_decref(f);
}

static void test_device_id_too_long_with_prefix(void **state)
{
	(void)state;
	struct check_opts o = {.prefix = "a-rather-long-prefix"};
	json_t *bad = run_opts(&o, base("twenty-characters-id"), NULL);
	json_t *good = run(base("twenty-characters-id"));
	bad_good(bad, good, "device-id-invalid", "error");
}

static void test_device_id_blocklisted(void **state)
{
	(void)state;
	bad_good(run(base("admin")), run(base("admin-sensor")), "device-id-blocklisted", "error");
	/* A prefix makes it acceptable. */
	struct check_opts o = {.prefix = "site"};
	json_t *f = run_opts(&o, base("admin"), NULL);
	dump_on_fail(f, "device-id-blocklisted", false);
	json_decref(f);
}

static json_t *with_eui(json_t *d, const char *eui)
{
	jp_set(d, "ids.dev_eui", json_string(eui));
	return d;
}

static void test_device_id_collision(void **state)
{
	(void)state;
	bad_good(run(base("sensor_1"), with_eui(base("sensor-1"), "70B3D57ED0000002")),
		 run(base("sensor-1"), with_eui(base("sensor-2"), "70B3D57ED0000002")),
		 "device-id-collision", "error");
	/* With a prefix, as the import will apply it. */
	struct check_opts o = {.prefix = "x"};
	json_t *f = run_opts(&o, base("x_a-1"), with_eui(base("a-1"), "70B3D57ED0000002"), NULL);
	dump_on_fail(f, "device-id-collision", false); /* x-x-a-1 vs x-a-1 */
	json_decref(f);
	f = run_opts(&o, base("a_1"), with_eui(base("a-1"), "70B3D57ED0000002"), NULL);
	dump_on_fail(f, "device-id-collision", true); /* both x-a-1 */
	assert_contains(message_of(f, "device-id-collision"), "test.jsonl:1");
	json_decref(f);
	/* A migration from one source turns the cross-device rules off. */
	struct check_opts off = {.no_cross_device = true};
	f = run_opts(&off, base("a_1"), base("a-1"), NULL);
	dump_on_fail(f, "device-id-collision", false);
	dump_on_fail(f, "eui-duplicate", false);
	json_decref(f);
}

static void test_eui_invalid(void **state)
{
	(void)state;
	json_t *bad = base("otaa");
	jp_del(bad, "ids.join_eui");
	bad_good(run(bad), run(base("otaa")), "eui-invalid", "error");

	bad = base("otaa");
	set(bad, "ids.dev_eui", "\"70B3\"");
	bad_good(run(bad), run(with_eui(base("otaa"), "cLPVftAAAAE=")), "eui-invalid", "error");

	/* ABP: a DevEUI is required from MAC 1.0.4 on, not before. */
	json_t *abp104 = base("abp"), *abp102 = base("abp");
	set(abp104, "supports_join", "false");
	set(abp104, "lorawan_version", "\"MAC_V1_0_4\"");
	set(abp104, "lorawan_phy_version", "\"RP002_V1_0_3\"");
	jp_del(abp104, "ids.dev_eui");
	jp_del(abp104, "session.keys.session_key_id");
	set(abp102, "supports_join", "false");
	jp_del(abp102, "ids.dev_eui");
	jp_del(abp102, "session.keys.session_key_id");
	bad_good(run(abp104), run(abp102), "eui-invalid", "error");
}

static void test_eui_duplicate(void **state)
{
	(void)state;
	bad_good(run(base("dup-a"), base("dup-b")),
		 run(base("dup-a"), with_eui(base("dup-b"), "70B3D57ED00000BB")), "eui-duplicate",
		 "error");
	/* The same pair spelt in hex and base64 is the same pair. */
	json_t *f = run(base("dup-a"), with_eui(base("dup-b"), "cLPVftAAAAE="));
	dump_on_fail(f, "eui-duplicate", true);
	json_decref(f);
	/* Without a JoinEUI (ABP) the Identity Server does not compare. */
	json_t *a = base("abp-a"), *b = base("abp-b");
	for (json_t *d = a; d; d = d == a ? b : NULL) {
		set(d, "supports_join", "false");
		jp_del(d, "ids.join_eui");
		jp_del(d, "session.keys.session_key_id");
	}
	f = run(a, b);
	dump_on_fail(f, "eui-duplicate", false);
	json_decref(f);
}

static void dest_opts(struct check_opts *o)
{
	memset(o, 0, sizeof *o);
	o->dest_device_ids = json_pack("{s:b}", "taken-device", 1);
	o->dest_euis = json_pack("{s:s}", "0000000000000000/70B3D57ED00000DD", "owner-device");
}

static void test_device_exists_at_destination(void **state)
{
	(void)state;
	struct check_opts o;
	dest_opts(&o);
	json_t *bad = run_opts(&o, base("taken-device"), NULL);
	json_t *good = run_opts(&o, base("free-device"), NULL);
	bad_good(bad, good, "device-exists-at-destination", "error");
	/* The id the import will use is what counts. */
	o.prefix = "site";
	json_t *f = run_opts(&o, base("taken-device"), NULL);
	dump_on_fail(f, "device-exists-at-destination", false);
	json_decref(f);
	check_opts_release(&o);
}

static void test_eui_registered_at_destination(void **state)
{
	(void)state;
	struct check_opts o;
	dest_opts(&o);
	json_t *bad = run_opts(&o, with_eui(base("new-device"), "70B3D57ED00000DD"), NULL);
	json_t *good = run_opts(&o, with_eui(base("new-device"), "70B3D57ED00000EE"), NULL);
	bad_good(bad, good, "eui-registered-at-destination", "error");
	/* The owner itself is "exists", not a second finding. */
	json_t *f = run_opts(&o, with_eui(base("owner-device"), "70B3D57ED00000DD"), NULL);
	dump_on_fail(f, "eui-registered-at-destination", false);
	json_decref(f);
	check_opts_release(&o);
}

static void test_eui_other_applications_unchecked(void **state)
{
	(void)state;
	struct check_opts o;
	dest_opts(&o);
	json_t *bad =
	    run_opts(&o, base("dev-1"), with_eui(base("dev-2"), "70B3D57ED0000002"), NULL);
	/* Once per run, about the run (no device). */
	size_t n = 0, i;
	json_t *f;
	json_array_foreach(bad, i, f) n += strcmp(json_string_value(json_object_get(f, "rule")),
						  "eui-other-applications-unchecked") == 0;
	assert_int_equal(n, 1);
	assert_true(json_is_null(
	    json_object_get(find_rule(bad, "eui-other-applications-unchecked"), "device_id")));
	bad_good(bad, run(base("dev-1")), "eui-other-applications-unchecked", "info");
	check_opts_release(&o);
}

/* ---- versions and band ------------------------------------------------------------ */

static json_t *with(const char *id, const char *path, const char *json)
{
	json_t *d = base(id);
	if (json)
		set(d, path, json);
	else
		jp_del(d, path);
	return d;
}

static void test_mac_version_invalid(void **state)
{
	(void)state;
	bad_good(run(with("m", "lorawan_version", "\"MAC_V9\"")),
		 run(with("m", "lorawan_version", "\"1.0.2\"")), "mac-version-invalid", "error");
	bad_good(run(with("m", "lorawan_version", NULL)), run(with("m", "lorawan_version", "3")),
		 "mac-version-invalid", "error");
	bad_good(run(with("m", "lorawan_version", "\"MAC_UNKNOWN\"")),
		 run(with("m", "lorawan_version", "\"V1_0_2\"")), "mac-version-invalid", "error");
}

static void test_phy_version_invalid(void **state)
{
	(void)state;
	bad_good(run(with("p", "lorawan_phy_version", "\"PHY_V7\"")),
		 run(with("p", "lorawan_phy_version", "\"1.0.2-b\"")), "phy-version-invalid",
		 "error");
	bad_good(run(with("p", "lorawan_phy_version", NULL)),
		 run(with("p", "lorawan_phy_version", "\"RP001_V1_0_2_REV_B\"")),
		 "phy-version-invalid", "error");
}

static void test_frequency_plan_missing(void **state)
{
	(void)state;
	bad_good(run(with("f", "frequency_plan_id", NULL)), run(base("f")),
		 "frequency-plan-missing", "error");
}

static void test_frequency_plan_unknown(void **state)
{
	(void)state;
	bad_good(run(with("f", "frequency_plan_id", "\"EU_863_870_XYZ\"")),
		 run(with("f", "frequency_plan_id", "\"EU_868_1\"")), "frequency-plan-unknown",
		 "error");
}

static void test_band_phy_unsupported(void **state)
{
	(void)state;
	/* RU_864_870 is defined from RP001 1.0.3 rev A on. */
	json_t *bad = with("ru", "frequency_plan_id", "\"RU_864_870_TTN\"");
	json_t *good = with("ru", "frequency_plan_id", "\"RU_864_870_TTN\"");
	set(good, "lorawan_version", "\"MAC_V1_0_3\"");
	set(good, "lorawan_phy_version", "\"PHY_V1_0_3_REV_A\"");
	bad_good(run(bad), run(good), "band-phy-unsupported", "error");
	/* AU_915_928 has everything but PHY_V1_0; AS_923_4 only RP002 1.0.3 and 1.0.4. */
	bad = with("au", "frequency_plan_id", "\"AU_915_928_FSB_2\"");
	set(bad, "lorawan_version", "\"MAC_V1_0\"");
	set(bad, "lorawan_phy_version", "\"PHY_V1_0\"");
	good = with("as", "frequency_plan_id", "\"AS_923_4\"");
	set(good, "lorawan_version", "\"MAC_V1_0_4\"");
	set(good, "lorawan_phy_version", "\"RP002_V1_0_4\"");
	json_t *bf = run(bad), *gf = run(good);
	assert_contains(message_of(bf, "band-phy-unsupported"), "AU_915_928");
	bad_good(bf, gf, "band-phy-unsupported", "error");
}

static void test_mac_phy_pair_invalid(void **state)
{
	(void)state;
	bad_good(run(with("p", "lorawan_phy_version", "\"PHY_V1_1_REV_B\"")),
		 run(with("p", "lorawan_phy_version", "\"PHY_V1_0_2_REV_A\"")),
		 "mac-phy-pair-invalid", "warning");
}

static void test_band_data_unavailable(void **state)
{
	(void)state;
	setenv("TTNM_DATA_DIR", "/nonexistent/ttnm-data", 1);
	json_t *bad = run(base("a"), with_eui(base("b"), "70B3D57ED0000002"));
	unsetenv("TTNM_DATA_DIR");
	/* Once, and the band rules are skipped (no frequency-plan-unknown). */
	size_t n = 0, i;
	json_t *f;
	json_array_foreach(bad, i, f) n +=
	    strcmp(json_string_value(json_object_get(f, "rule")), "band-data-unavailable") == 0;
	assert_int_equal(n, 1);
	bad_good(bad, run(base("a")), "band-data-unavailable", "warning");
	setenv("TTNM_DATA_DIR", "/nonexistent/ttnm-data", 1);
	json_t *g = run(with("x", "frequency_plan_id", "\"NOT_A_PLAN\""));
	unsetenv("TTNM_DATA_DIR");
	dump_on_fail(g, "frequency-plan-unknown", false);
	json_decref(g);
}

/* ---- session ----------------------------------------------------------------------- */

static json_t *abp(const char *id)
{
	json_t *d = base(id);
	set(d, "supports_join", "false");
	jp_del(d, "ids.join_eui");
	jp_del(d, "root_keys");
	jp_del(d, "session.keys.session_key_id");
	return d;
}

static void test_abp_without_session(void **state)
{
	(void)state;
	json_t *bad = abp("abp");
	jp_del(bad, "session");
	jp_del(bad, "mac_state");
	bad_good(run(bad), run(abp("abp")), "abp-without-session", "error");
	/* OTAA without a session just joins again. */
	json_t *otaa = base("otaa");
	jp_del(otaa, "session");
	jp_del(otaa, "mac_state");
	json_t *f = run(otaa);
	dump_on_fail(f, "abp-without-session", false);
	json_decref(f);
}

static void test_session_without_mac_state(void **state)
{
	(void)state;
	bad_good(run(with("s", "mac_state", NULL)), run(base("s")), "session-without-mac-state",
		 "error");
}

static void test_mac_state_incomplete(void **state)
{
	(void)state;
	bad_good(run(with("s", "mac_state.desired_parameters", NULL)), run(base("s")),
		 "mac-state-incomplete", "error");
	bad_good(run(with("s", "mac_state.current_parameters.channels", "[]")), run(base("s")),
		 "mac-state-incomplete", "error");
}

static void test_session_dev_addr_invalid(void **state)
{
	(void)state;
	bad_good(run(with("a", "session.dev_addr", "\"26XYZ\"")),
		 run(with("a", "session.dev_addr", "\"JgsvnQ==\"")), "session-dev-addr-invalid",
		 "error");
	bad_good(run(with("a", "session.dev_addr", NULL)), run(base("a")),
		 "session-dev-addr-invalid", "error");
}

static void test_dev_addr_mismatch(void **state)
{
	(void)state;
	/* Compared after normalisation: base64 of 260B2F9D is the same address. */
	bad_good(run(with("a", "ids.dev_addr", "\"26011111\"")),
		 run(with("a", "ids.dev_addr", "\"JgsvnQ==\"")), "dev-addr-mismatch", "error");
	json_t *f = run(with("a", "ids.dev_addr", "\"260b2f9d\""));
	dump_on_fail(f, "dev-addr-mismatch", false);
	json_decref(f);
}

static json_t *v11(const char *id)
{
	json_t *d = base(id);
	set(d, "lorawan_version", "\"MAC_V1_1\"");
	set(d, "lorawan_phy_version", "\"PHY_V1_1_REV_B\"");
	return d;
}

static void test_session_keys_missing(void **state)
{
	(void)state;
	json_t *good = v11("k");
	set(good, "session.keys.s_nwk_s_int_key", "{\"key\":\"" KEY3 "\"}");
	set(good, "session.keys.nwk_s_enc_key", "{\"key\":\"" KEY3 "\"}");
	json_t *bf = run(v11("k"));
	assert_contains(message_of(bf, "session-keys-missing"), "s_nwk_s_int_key, nwk_s_enc_key");
	bad_good(bf, run(good), "session-keys-missing", "error");
	/* 1.0.x: AppSKey missing, or only an encrypted FNwkSIntKey. */
	bad_good(run(with("k", "session.keys.app_s_key", NULL)), run(base("k")),
		 "session-keys-missing", "error");
	json_t *enc = with("k", "session.keys.f_nwk_s_int_key",
			   "{\"encrypted_key\":\"AAEC\",\"kek_label\":\"ns\"}");
	json_t *ef = run(enc);
	assert_contains(message_of(ef, "session-keys-missing"), "encrypted");
	bad_good(ef, run(base("k")), "session-keys-missing", "error");
	/* A zero key is no key (TTS treats it as unset). */
	bad_good(
	    run(with("k", "session.keys.app_s_key.key", "\"00000000000000000000000000000000\"")),
	    run(base("k")), "session-keys-missing", "error");
}

static void test_session_keys_inconsistent(void **state)
{
	(void)state;
	bad_good(run(with("k", "session.keys.s_nwk_s_int_key", "{\"key\":\"" KEY3 "\"}")),
		 run(with("k", "session.keys.nwk_s_enc_key",
			  "{\"key\":\"e276c2b1a158b29c85996eeedddec551\"}")),
		 "session-keys-inconsistent", "error");
	/* MAC 1.1 has three different network keys on purpose. */
	json_t *d = v11("k");
	set(d, "session.keys.s_nwk_s_int_key", "{\"key\":\"" KEY3 "\"}");
	set(d, "session.keys.nwk_s_enc_key", "{\"key\":\"" F_KEY "\"}");
	json_t *f = run(d);
	dump_on_fail(f, "session-keys-inconsistent", false);
	json_decref(f);
}

static void test_session_key_id(void **state)
{
	(void)state;
	bad_good(run(with("k", "session.keys.session_key_id", NULL)), run(base("k")),
		 "session-key-id", "error");
	json_t *abp_with_id = abp("a");
	set(abp_with_id, "session.keys.session_key_id", "\"AQID\"");
	bad_good(run(abp_with_id), run(abp("a")), "session-key-id", "error");
}

static void test_pending_session(void **state)
{
	(void)state;
	const char *pending = "{\"dev_addr\":\"260B1111\",\"keys\":{\"session_key_id\":\"AQID\"}}";
	bad_good(run(with("p", "pending_session", pending)), run(base("p")), "pending-session",
		 "warning");
	json_t *a = abp("a");
	set(a, "pending_mac_state", "{\"lorawan_version\":\"MAC_V1_0_2\"}");
	bad_good(run(a), run(abp("a")), "pending-session", "error");
}

static void test_f_cnt_near_wrap(void **state)
{
	(void)state;
	json_t *bad = with("f", "mac_settings.supports_32_bit_f_cnt", "false");
	set(bad, "session.last_a_f_cnt_down", "\"65280\""); /* a numeric string counts too */
	json_t *below = with("f", "mac_settings.supports_32_bit_f_cnt", "false");
	set(below, "session.last_f_cnt_up", "65279");
	json_t *bf = run(bad);
	assert_contains(message_of(bf, "f-cnt-near-wrap"), "session.last_a_f_cnt_down = 65280");
	bad_good(bf, run(below), "f-cnt-near-wrap", "warning");
	/* 32-bit counters, or not said: no warning. */
	json_t *wide = with("f", "session.last_f_cnt_up", "70000");
	json_t *unsaid = with("f", "mac_settings.supports_32_bit_f_cnt", NULL);
	set(unsaid, "session.last_f_cnt_up", "65300");
	json_t *f = run(wide, unsaid);
	dump_on_fail(f, "f-cnt-near-wrap", false);
	json_decref(f);
}

/* ---- MAC state against the band ------------------------------------------------------ */

static void test_channel_count_exceeds_band(void **state)
{
	(void)state;
	json_t *chans = json_array();
	for (int i = 0; i < 17; i++)
		json_array_append_new(chans, json_pack("{s:s}", "uplink_frequency", "868100000"));
	json_t *bad = base("c");
	jp_set(bad, "mac_state.current_parameters.channels", chans);
	/* US_902_928 allows 72. */
	json_t *good = base("c");
	set(good, "frequency_plan_id", "\"US_902_928_FSB_2\"");
	json_t *us = json_array();
	for (int i = 0; i < 72; i++)
		json_array_append_new(us, json_pack("{s:s}", "uplink_frequency", "902300000"));
	jp_set(good, "mac_state.current_parameters.channels", us);
	set(good, "mac_state.current_parameters.rx2_frequency", "\"923300000\"");
	set(good, "mac_state.desired_parameters.rx2_frequency", "\"923300000\"");
	set(good, "mac_state.desired_parameters.channels",
	    "[{\"uplink_frequency\":\"903900000\"}]");
	bad_good(run(bad), run(good), "channel-count-exceeds-band", "error");
}

static void test_channel_outside_band(void **state)
{
	(void)state;
	bad_good(
	    run(with("c", "mac_state.current_parameters.channels",
		     "[{\"uplink_frequency\":\"903900000\"}]")),
	    run(with("c", "mac_state.current_parameters.channels",
		     "[{\"uplink_frequency\":863000000,\"downlink_frequency\":\"870000000\"}]")),
	    "channel-outside-band", "error");
	json_t *f = run(with("c", "mac_state.desired_parameters.rx2_frequency", "\"923300000\""));
	assert_contains(message_of(f, "channel-outside-band"),
			"mac_state.desired_parameters.rx2_frequency: 923.3 MHz is outside band "
			"EU_863_870 (863-870 MHz)");
	json_decref(f);
	/* KR_920_923_TTN uses 923.3 MHz, inside KR's 920-923.3 MHz. */
	json_t *kr = with("k", "frequency_plan_id", "\"KR_920_923_TTN\"");
	set(kr, "mac_state.current_parameters.channels", "[{\"uplink_frequency\":\"922100000\"}]");
	set(kr, "mac_state.desired_parameters.channels", "[{\"uplink_frequency\":\"923300000\"}]");
	set(kr, "mac_state.current_parameters.rx2_frequency", "\"921900000\"");
	set(kr, "mac_state.desired_parameters.rx2_frequency", "\"921900000\"");
	f = run(kr);
	dump_on_fail(f, "channel-outside-band", false);
	json_decref(f);
}

/* ---- DevAddr against the destination ------------------------------------------------- */

static void test_devaddr_outside_destination(void **state)
{
	(void)state;
	struct check_opts o = {0};
	o.dest_prefixes = json_pack("[s]", "260B0000/16");
	json_t *bad = run_opts(&o, with("a", "session.dev_addr", "\"27ABCD01\""), NULL);
	json_t *good = run_opts(&o, base("a"), NULL);
	assert_contains(message_of(bad, "devaddr-outside-destination"), "26000000/7");
	assert_contains(message_of(bad, "devaddr-outside-destination"), "migrate the gateways");
	bad_good(bad, good, "devaddr-outside-destination", "warning");
	check_opts_release(&o);

	/* A Sandbox address against a Cloud tenant block names the cluster. */
	o.dest_prefixes = json_pack("[s]", "27ABCD00/24");
	o.dest_net_id = "000013";
	json_t *f = run_opts(&o, base("a"), NULL);
	const char *m = message_of(f, "devaddr-outside-destination");
	assert_contains(m, "260B0000/16 (The Things Stack Sandbox cluster ttn-eu1)");
	assert_contains(m, "NetID 000013");
	json_decref(f);
	check_opts_release(&o);

	/* Only a NetID: its block is the destination's. */
	o.dest_net_id = "000013";
	bad = run_opts(&o, with("a", "session.dev_addr", "\"00ABCD01\""), NULL);
	good = run_opts(&o, with("a", "session.dev_addr", "\"27ABCD01\""), NULL);
	bad_good(bad, good, "devaddr-outside-destination", "warning");

	/* The pending session's address is checked too. */
	o.dest_net_id = NULL;
	o.dest_prefixes = json_pack("[s]", "260B0000/16");
	f = run_opts(&o,
		     with("p", "pending_session",
			  "{\"dev_addr\":\"260C0001\",\"keys\":{\"session_key_id\":\"AQID\"}}"),
		     NULL);
	m = message_of(f, "devaddr-outside-destination");
	assert_contains(m, "pending_session.dev_addr 260C0001");
	assert_contains(m, "ttn-nam1");
	json_decref(f);
	check_opts_release(&o);
}

static void test_devaddr_destination_unknown(void **state)
{
	(void)state;
	struct check_opts o = {0};
	o.dest_prefixes = json_pack("[s]", "260B0000/16");
	/* Once per block: two devices in 260B0000/16 and one in 260D0000/16 give 2. */
	json_t *bad =
	    run(base("a"), with_eui(base("b"), "70B3D57ED0000002"),
		with_eui(with("c", "session.dev_addr", "\"260D0001\""), "70B3D57ED0000003"));
	size_t n = 0, i;
	json_t *f;
	json_array_foreach(bad, i, f) n += strcmp(json_string_value(json_object_get(f, "rule")),
						  "devaddr-destination-unknown") == 0;
	assert_int_equal(n, 2);
	bad_good(bad, run_opts(&o, base("a"), NULL), "devaddr-destination-unknown", "info");
	check_opts_release(&o);
}

/* ---- NetID and DevAddr arithmetic, worked examples ------------------------------------ */

static void test_netid_blocks(void **state)
{
	(void)state;
	/* NetID → DevAddr block: type prefix (type 1-bits, a 0) then the NwkID
	 * (6, 6, 9, 11, 12, 13, 15, 17 bits for types 0-7, with the errata). */
	static const struct {
		const char *netid, *block;
		int type;
	} ex[] = {
	    {"000013", "26000000/7", 0}, /* The Things Network: 0|010011 = 0x26 >> 1 */
	    {"000000", "00000000/7", 0}, /* experimental */
	    {"000001", "02000000/7", 0}, /* experimental */
	    {"00003F", "7E000000/7", 0},  {"200005", "85000000/8", 1},
	    {"400123", "D2300000/12", 2}, {"60002D", "E05A0000/15", 3},
	    {"800AB1", "F5588000/17", 4}, {"A00123", "F8246000/19", 5},
	    {"C00053", "FC014C00/22", 6}, {"E01234", "FE091A00/25", 7},
	};
	for (size_t i = 0; i < sizeof ex / sizeof *ex; i++) {
		uint32_t netid, prefix, want;
		int bits, want_bits;
		assert_int_equal(lw_netid_parse(ex[i].netid, &netid), 0);
		assert_int_equal(lw_netid_type(netid), ex[i].type);
		assert_int_equal(lw_devaddr_prefix_of_netid(netid, &prefix, &bits), 0);
		assert_int_equal(lw_prefix_parse(ex[i].block, &want, &want_bits), 0);
		if (prefix != want || bits != want_bits)
			fail_msg("%s: got %08X/%d, want %s", ex[i].netid, (unsigned)prefix, bits,
				 ex[i].block);
		/* And back: an address in the block decodes to the type and NwkID. */
		uint32_t addr =
		    prefix | (want_bits < 32 ? 0x1234u & (0xFFFFFFFFu >> want_bits) : 0);
		assert_int_equal(lw_devaddr_netid_type(addr), ex[i].type);
		assert_int_equal(lw_devaddr_nwkid(addr), lw_netid_nwkid(netid));
		assert_true(lw_devaddr_in_prefix(addr, prefix, bits));
	}
	/* Sandbox: 260B2F9D is in ttn-eu1's block and NetID 000013's, 27ABCD01 only in the latter.
	 */
	uint32_t p;
	int b;
	assert_int_equal(lw_prefix_parse("260B0000/16", &p, &b), 0);
	assert_true(lw_devaddr_in_prefix(0x260B2F9D, p, b));
	assert_false(lw_devaddr_in_prefix(0x27ABCD01, p, b));
	assert_true(lw_devaddr_in_prefix(0x27ABCD01, 0x26000000, 7));
	assert_int_equal(lw_devaddr_nwkid(0x27ABCD01), 0x13);
	assert_int_equal(lw_devaddr_netid_type(0xFF000000), -1);
}

/* ---- data files ----------------------------------------------------------------------- */

static void test_data_files(void **state)
{
	(void)state;
	char err[512];
	json_t *bands = check_data_load("bands.json", err, sizeof err);
	if (!bands)
		fail_msg("%s", err);
	json_t *plans = json_object_get(bands, "frequency_plans");
	json_t *defs = json_object_get(bands, "bands");
	assert_int_equal(json_object_size(plans), 71);
	assert_non_null(json_object_get(bands, "sources"));
	const char *plan;
	json_t *band;
	json_object_foreach(plans, plan, band)
	{
		if (!json_object_get(defs, json_string_value(band)))
			fail_msg("plan %s: band %s not defined", plan, json_string_value(band));
	}
	const char *id;
	json_t *def;
	json_object_foreach(defs, id, def)
	{
		json_int_t lo = json_integer_value(json_object_get(def, "min_hz"));
		json_int_t hi = json_integer_value(json_object_get(def, "max_hz"));
		assert_true(lo > 0 && lo < hi);
		assert_true(json_integer_value(json_object_get(def, "max_uplink_channels")) >= 16);
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(def, "phy_versions"), i, v)
		{
			const char *c = lw_phy_version_canonical(json_string_value(v));
			if (!c || strcmp(c, json_string_value(v)) != 0)
				fail_msg("band %s: %s is not a canonical PHY version", id,
					 json_string_value(v));
		}
	}
	json_decref(bands);
	json_t *blocks = check_data_load("devaddr-blocks.json", err, sizeof err);
	if (!blocks)
		fail_msg("%s", err);
	size_t i;
	json_t *b;
	json_array_foreach(json_object_get(blocks, "blocks"), i, b)
	{
		uint32_t p;
		int n;
		assert_int_equal(
		    lw_prefix_parse(json_string_value(json_object_get(b, "prefix")), &p, &n), 0);
		assert_true(lw_devaddr_in_prefix(p, 0x26000000, 7)); /* all inside 000013 */
	}
	json_decref(blocks);
}

static void test_data_dir_override(void **state)
{
	(void)state;
	setenv("TTNM_DATA_DIR", "/nonexistent/ttnm-data", 1);
	assert_string_equal(check_data_dir(), "/nonexistent/ttnm-data");
	char err[512];
	assert_null(check_data_load("bands.json", err, sizeof err));
	assert_contains(err, "/nonexistent/ttnm-data/bands.json");
	unsetenv("TTNM_DATA_DIR");
	assert_non_null(check_data_dir());
}

/* ---- output --------------------------------------------------------------------------- */

static void test_counts_and_summary(void **state)
{
	(void)state;
	json_t *f = json_array();
	check_add(f, CHECK_ERROR, "r1", "d1", NULL, "x:1", "one");
	check_add(f, CHECK_ERROR, "r2", "d1", "session", "x:1", "two %d", 2);
	check_add(f, CHECK_ERROR, "r3", NULL, NULL, NULL, "three");
	check_add(f, CHECK_WARNING, "r4", "d2", NULL, "x:2", "four");
	check_add(f, CHECK_WARNING, "r5", "d2", NULL, "x:2", "five");
	check_add(f, CHECK_INFO, "r6", "d3", NULL, "x:3", "six");
	struct check_counts n;
	check_count(f, &n);
	assert_int_equal(n.errors, 3);
	assert_int_equal(n.warnings, 2);
	assert_int_equal(n.infos, 1);
	char line[160];
	check_summary_line(&n, 5, line, sizeof line);
	assert_string_equal(line, "3 errors, 2 warnings, 1 info in 5 devices");
	struct check_counts one = {1, 1, 0};
	check_summary_line(&one, 1, line, sizeof line);
	assert_string_equal(line, "1 error, 1 warning, 0 info in 1 device");

	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	check_print_table(mem, f, 5);
	fclose(mem);
	/* Grouped: errors, then warnings, then info. */
	char *e = strstr(buf, "Errors"), *w = strstr(buf, "Warnings"), *i = strstr(buf, "Info");
	assert_true(e && w && i && e < w && w < i);
	assert_true(strstr(buf, "two 2") < w && strstr(buf, "six") > i);
	assert_contains(buf, "3 errors, 2 warnings, 1 info in 5 devices\n");
	free(buf);
	json_decref(f);
}

static void test_rule_table(void **state)
{
	(void)state;
	size_t n = 0;
	for (const struct check_rule *r = check_rules; r->id; r++, n++) {
		assert_non_null(r->summary);
		assert_true(strcmp(r->severity, "error") == 0 ||
			    strcmp(r->severity, "warning") == 0 ||
			    strcmp(r->severity, "info") == 0);
		for (const struct check_rule *s = check_rules; s < r; s++)
			assert_string_not_equal(s->id, r->id);
	}
	assert_true(n >= 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base_is_clean),
	    cmocka_unit_test(test_finding_shape),
	    cmocka_unit_test(test_device_not_object),
	    cmocka_unit_test(test_device_id_invalid),
	    cmocka_unit_test(test_message_utf8),
	    cmocka_unit_test(test_device_id_too_long_with_prefix),
	    cmocka_unit_test(test_device_id_blocklisted),
	    cmocka_unit_test(test_device_id_collision),
	    cmocka_unit_test(test_eui_invalid),
	    cmocka_unit_test(test_eui_duplicate),
	    cmocka_unit_test(test_device_exists_at_destination),
	    cmocka_unit_test(test_eui_registered_at_destination),
	    cmocka_unit_test(test_eui_other_applications_unchecked),
	    cmocka_unit_test(test_mac_version_invalid),
	    cmocka_unit_test(test_phy_version_invalid),
	    cmocka_unit_test(test_frequency_plan_missing),
	    cmocka_unit_test(test_frequency_plan_unknown),
	    cmocka_unit_test(test_band_phy_unsupported),
	    cmocka_unit_test(test_mac_phy_pair_invalid),
	    cmocka_unit_test(test_band_data_unavailable),
	    cmocka_unit_test(test_abp_without_session),
	    cmocka_unit_test(test_session_without_mac_state),
	    cmocka_unit_test(test_mac_state_incomplete),
	    cmocka_unit_test(test_session_dev_addr_invalid),
	    cmocka_unit_test(test_dev_addr_mismatch),
	    cmocka_unit_test(test_session_keys_missing),
	    cmocka_unit_test(test_session_keys_inconsistent),
	    cmocka_unit_test(test_session_key_id),
	    cmocka_unit_test(test_pending_session),
	    cmocka_unit_test(test_f_cnt_near_wrap),
	    cmocka_unit_test(test_channel_count_exceeds_band),
	    cmocka_unit_test(test_channel_outside_band),
	    cmocka_unit_test(test_devaddr_outside_destination),
	    cmocka_unit_test(test_devaddr_destination_unknown),
	    cmocka_unit_test(test_netid_blocks),
	    cmocka_unit_test(test_data_files),
	    cmocka_unit_test(test_data_dir_override),
	    cmocka_unit_test(test_counts_and_summary),
	    cmocka_unit_test(test_rule_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
