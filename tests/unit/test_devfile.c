/* Unit tests for src/io/devfile.c and what it stands on (textin, jsonstream,
 * csvdev, jsondump): each item of an input, its position and its message. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/devfile.h"
#include "io/jsondump.h"
#include "ui/log.h"
#include "unit.h"

/*
 * Reads all of text (n bytes) as the file name; returns one line per item:
 * "D where id" for a device (its ids.device_id), "E where: message" for an
 * error, joined by '\n'. Static buffer.
 */
static const char *items_n(const char *name, const char *text, size_t n)
{
	static char out[8192];
	out[0] = '\0';
	FILE *fp = fmemopen((void *)text, n, "r");
	assert_non_null(fp);
	struct devfile df;
	devfile_open(&df, fp, name);
	for (int guard = 0; guard < 100; guard++) {
		json_t *dev;
		char where[300], err[512];
		int rc = devfile_next(&df, &dev, where, sizeof where, err, sizeof err);
		size_t len = strlen(out);
		if (rc == 0)
			break;
		if (rc == 1) {
			const char *id = json_string_value(
			    json_object_get(json_object_get(dev, "ids"), "device_id"));
			snprintf(out + len, sizeof out - len, "%sD %s %s", len ? "\n" : "", where,
				 id ? id : "-");
			json_decref(dev);
		} else {
			snprintf(out + len, sizeof out - len, "%sE %s: %s", len ? "\n" : "", where,
				 err);
			if (rc == -2)
				break;
		}
	}
	devfile_close(&df);
	fclose(fp);
	return out;
}

static const char *items(const char *name, const char *text)
{
	return items_n(name, text, strlen(text));
}

/* The one device of a text, for field checks. */
static json_t *only_device(const char *name, const char *text)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	struct devfile df;
	devfile_open(&df, fp, name);
	json_t *dev = NULL;
	char where[300], err[512];
	int rc = devfile_next(&df, &dev, where, sizeof where, err, sizeof err);
	if (rc != 1)
		fail_msg("no device: %s: %s", where, err);
	devfile_close(&df);
	fclose(fp);
	return dev;
}

#define A "{\"ids\":{\"device_id\":\"a\"}}"
#define B "{\"ids\":{\"device_id\":\"b\"}}"
#define C "{\"ids\":{\"device_id\":\"c\"}}"

static void test_array_with_number(void **state)
{
	/* A second item on a line gets its column. */
	assert_string_equal(items("f", "[" A ",5," B "," C "]\n"),
			    "D f:1 a\n"
			    "E f:1:28: element 2 of the array is a number, not a device object\n"
			    "D f:1:30 b\n"
			    "D f:1:56 c");
	assert_string_equal(items("f", "[" A ", \"x\", [1, {\"y\": 2}], null]"),
			    "D f:1 a\n"
			    "E f:1:29: element 2 of the array is a string, not a device object\n"
			    "E f:1:34: element 3 of the array is an array, not a device object\n"
			    "E f:1:49: element 4 of the array is null, not a device object");
}

static void test_stream_shapes(void **state)
{
	/* Stream, commas between objects, arrays after objects, pretty. */
	assert_string_equal(
	    items("s", A "\n" B ",\n[" C "]\n{\n  \"ids\": {\"device_id\": \"d\"}\n}\n"),
	    "D s:1 a\nD s:2 b\nD s:3 c\nD s:4 d");
	assert_string_equal(items("s", "  \n\n"), "");
	assert_string_equal(items("s", "[]"), "");
}

static void test_end_devices(void **state)
{
	/* Streamed when it comes first; twice (two pages); elements checked. */
	assert_string_equal(
	    items("l", "{\"end_devices\": [" A ",\n" B "]}\n{\"end_devices\":[" C ",7]}"),
	    "D l:1 a\nD l:2 b\nD l:3 c\n"
	    "E l:3:43: element 2 of the array is a number, not a device object");
	/* Not first: parsed whole, its devices taken. */
	assert_string_equal(items("l", "{\"x\": 1, \"end_devices\": [" A ", 3]}"),
			    "D l:1 a\n"
			    "E l:1:1: element 2 of end_devices is a number, not a device object");
	/* Other members after the list are read past. */
	assert_string_equal(items("l", "{\"end_devices\": [" A "], \"next\": {\"a\": [1]}}\n" B),
			    "D l:1 a\nD l:2 b");
	assert_string_equal(
	    items("l", "{\"end_devices\": [" A "\n"),
	    "D l:1 a\n"
	    "E l:1:1: the end_devices list starting here is not closed (missing ])");
}

static void test_end_devices_first_pos(void **state)
{
	/* The devices of a parsed-whole list are named by the list's line. */
	const char *got = items("l", "\n{\"x\": 1, \"end_devices\": [" A "]}");
	assert_string_equal(got, "D l:2 a");
}

static void test_request_body(void **state)
{
	assert_string_equal(
	    items("r", "{\"end_device\": " A ", \"field_mask\": {\"paths\": [\"name\"]}}\n" B),
	    "E r:1:1: an API request body (SetEndDeviceRequest), not a device: the device is "
	    "under end_device, with only the fields of that one request; export the whole "
	    "device (ttn-lw-cli end-devices get --all) or take it out with jq .end_device\n"
	    "D r:2 b");
}

static void test_junk(void **state)
{
	assert_string_equal(items("j", A "\nnot json here\nmore\n\n" B "%"),
			    "D j:1 a\n"
			    "E j:2:1: not JSON; nor is the line after it\n"
			    "D j:5 b\n"
			    "E j:5:26: '%' is not JSON (the mark zsh prints after output without a "
			    "final newline, copied with it?)");
	/* Lines of junk in a row are one error; an object after junk on its
	 * line is still read. */
	assert_string_equal(items("j", "42\n\"s\"\ngarbage " A),
			    "E j:1:1: a number, not a device object; nor are the 2 lines after it\n"
			    "D j:3 a");
	assert_string_equal(items("j", "\"s\"\n" A "\ntrue\n\n" B "\nnull"),
			    "E j:1:1: a string, not a device object\n"
			    "D j:2 a\n"
			    "E j:3:1: a boolean, not a device object\n"
			    "D j:5 b\n"
			    "E j:6:1: null, not a device object");
}

static void test_malformed_one_position(void **state)
{
	assert_string_equal(
	    items("m", A "\n{\n  \"ids\": {\"device_id\": \"x\"},\n  \"n\": 1,\n}\n" B),
	    "D m:1 a\n"
	    "E m:5:1: malformed JSON: string or '}' expected near '}'\n"
	    "D m:6 b");
	assert_string_equal(items("m", "{\"ids\": 1, \"ids\": 2}"),
			    "E m:1:16: malformed JSON: duplicate object key near '\"ids\"'");
	assert_string_equal(
	    items("m", "[" A ",\n {\"ids\": "),
	    "D m:1 a\n"
	    "E m:2:2: the object starting here is truncated (the input ends inside it)");
	assert_string_equal(items("m", "[" A "\n"),
			    "D m:1 a\nE m:1:1: the array starting here is not closed (missing ])");
}

static void test_big_object(void **state)
{
	size_t n = JSTREAM_MAX_OBJECT + 100;
	char *text = malloc(n + 200);
	size_t len = (size_t)sprintf(text, "%s\n{\"ids\":{\"device_id\":\"big\"},\"x\":\"", A);
	memset(text + len, 'a', n);
	len += n;
	len += (size_t)sprintf(text + len, "\"}\n%s %s\n", B, C);
	assert_string_equal(items_n("big", text, len),
			    "D big:1 a\n"
			    "E big:2:1: the object starting here is larger than 16 MiB; skipped\n"
			    "D big:3 b\n"
			    "D big:3:27 c");
	free(text);
}

static void test_encodings(void **state)
{
	/* UTF-8 BOM; UTF-16 LE and BE with and without BOM. */
	assert_string_equal(items("u", "\xEF\xBB\xBF" A), "D u:1 a");
	static const char le_bom[] = "\xFF\xFE{\0}\0\n\0{\0}\0";
	assert_string_equal(items_n("u", le_bom, sizeof le_bom - 1), "D u:1 -\nD u:2 -");
	static const char be[] = "\0{\0}\0\n\0[\0{\0}\0]";
	assert_string_equal(items_n("u", be, sizeof be - 1), "D u:1 -\nD u:2 -");
	static const char le[] = "{\0\"\0n\0\"\0:\0\"\0\xE9\0\"\0}\0";
	json_t *d = NULL;
	FILE *fp = fmemopen((void *)le, sizeof le - 1, "r");
	struct devfile df;
	devfile_open(&df, fp, "u");
	char where[64], err[256];
	assert_int_equal(devfile_next(&df, &d, where, sizeof where, err, sizeof err), 1);
	assert_string_equal(json_string_value(json_object_get(d, "n")), "\xC3\xA9");
	json_decref(d);
	devfile_close(&df);
	fclose(fp);
	/* Windows-1252 bytes, valid UTF-8 around them kept; one warning. */
	d = only_device("w", "{\"n\": \"\xC3\xA9 \xE9 \x80 \x9D\"}");
	assert_string_equal(json_string_value(json_object_get(d, "n")),
			    "\xC3\xA9 \xC3\xA9 \xE2\x82\xAC \xC2\x9D");
	json_decref(d);
}

static void test_cp1252_line(void **state)
{
	const char text[] = A "\n{\"n\": \"M\xFCller\"}\n{\"n\": \"\xE9\"}\n";
	FILE *fp = fmemopen((void *)text, sizeof text - 1, "r");
	struct devfile df;
	devfile_open(&df, fp, "w");
	json_t *d;
	char where[64], err[256];
	int n = 0;
	while (devfile_next(&df, &d, where, sizeof where, err, sizeof err) == 1) {
		json_decref(d);
		n++;
	}
	assert_int_equal(n, 3);
	assert_int_equal(df.in.cp1252_line, 2);
	assert_int_equal(df.in.cp1252_bytes, 2);
	devfile_close(&df);
	fclose(fp);
}

static void test_csv(void **state)
{
	/* Detected by its header; ';' wins over ','; quotes with separators,
	 * "" and a newline; a blank row; the header is no device. */
	assert_string_equal(items("x", "id;dev_eui;name\nd1;70B3D57ED0000001;\"a; \"\"b\"\"\nc\"\n"
				       "\n;70B3D57ED0000002;x,y\n"),
			    "D x:2 d1\nD x:5 eui-70b3d57ed0000002");
	json_t *d = only_device("x", "id;dev_eui;name\nd1;70B3D57ED0000001;\"a; \"\"b\"\"\nc\"\n");
	assert_string_equal(json_string_value(json_object_get(d, "name")), "a; \"b\"\nc");
	json_decref(d);
	/* By name when the header has no known column: one error. */
	assert_string_equal(
	    items("y.CSV", "DevEUI,AppKey\n1,2\n"),
	    "E y.CSV:1:1: not The Things Stack CSV: the header (line 1) names none "
	    "of its columns (id, dev_eui, join_eui, app_key, frequency_plan_id, ...)");
	/* Without a known header and without the name, it is not CSV. */
	assert_string_equal(items("y.txt", "DevEUI,AppKey\n"), "E y.txt:1:1: not JSON");
	/* Rows: wrong field count, bad values; the others still read. */
	assert_string_equal(items("z.csv", "id,dev_eui,last_f_cnt_up\na,70B3D57ED0000001,1\nb,2\n"
					   "c,70B3D57ED0000003,-1\nd,,4294967295\n"),
			    "D z.csv:2 a\n"
			    "E z.csv:3:1: 2 fields, the header has 3 (separator ',')\n"
			    "E z.csv:4:20: last_f_cnt_up: \"-1\" is not a 32-bit number\n"
			    "D z.csv:5 d");
	/* A key's value is never in a message. */
	const char *k = items("k.csv", "id,app_key\na,00112233445566778899AABBCCDDEEF\n");
	assert_null(strstr(k, "0011223344"));
	assert_non_null(strstr(k, "app_key: not an AES key"));
}

static void test_csv_fields(void **state)
{
	json_t *d = only_device(
	    "f.csv",
	    "dev_eui,join_eui,lorawan_version,lorawan_phy_version,app_key,nwk_key,rx1_delay,"
	    "supports_32_bit_f_cnt,dev_addr,app_s_key,f_nwk_s_int_key,last_f_cnt_up,"
	    "last_n_f_cnt_down,last_a_f_cnt_down,supports_class_c,vendor_id,vendor_profile_id,"
	    "brand_id,model_id,hardware_version,firmware_version,band_id,description,"
	    "frequency_plan_id\n"
	    "70b3d57ed0000001, 70B3D57ED0000009 ,1.0.4,RP002_V1_0_3,"
	    "000102030405060708090a0b0c0d0e0f,101112131415161718191A1B1C1D1E1F,RX_DELAY_5,false,"
	    "260b1234,202122232425262728292A2B2C2D2E2F,303132333435363738393A3B3C3D3E3F,12,3,4,"
	    "T,ff,1a,acme,sensor,1.0,1.2,EU_863_870,desc,EU_863_870_TTN\n");
	char *s = json_dumps(d, JSON_SORT_KEYS | JSON_COMPACT);
	const char *id = json_string_value(json_object_get(
	    json_object_get(json_object_get(d, "session"), "keys"), "session_key_id"));
	assert_non_null(id);
	assert_int_equal(strlen(id), 24); /* 16 bytes, base64 */
	json_object_del(json_object_get(json_object_get(d, "session"), "keys"), "session_key_id");
	free(s);
	s = json_dumps(d, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(
	    s,
	    "{\"description\":\"desc\",\"frequency_plan_id\":\"EU_863_870_TTN\",\"ids\":{"
	    "\"dev_eui\":\"70B3D57ED0000001\",\"device_id\":\"eui-70b3d57ed0000001\","
	    "\"join_eui\":\"70B3D57ED0000009\"},\"lora_alliance_profile_ids\":{\"vendor_id\":255,"
	    "\"vendor_profile_id\":26},\"lorawan_phy_version\":\"RP002_V1_0_3\","
	    "\"lorawan_version\":\"MAC_V1_0_4\",\"mac_settings\":{\"rx1_delay\":5,"
	    "\"supports_32_bit_f_cnt\":false},\"root_keys\":{\"app_key\":{\"key\":"
	    "\"000102030405060708090A0B0C0D0E0F\"},\"nwk_key\":{\"key\":"
	    "\"101112131415161718191A1B1C1D1E1F\"}},\"session\":{\"dev_addr\":\"260B1234\","
	    "\"keys\":{\"app_s_key\":{\"key\":\"202122232425262728292A2B2C2D2E2F\"},"
	    "\"f_nwk_s_int_key\":{\"key\":\"303132333435363738393A3B3C3D3E3F\"}},"
	    "\"last_a_f_cnt_down\":4,\"last_f_cnt_up\":12,\"last_n_f_cnt_down\":3},"
	    "\"supports_class_c\":true,\"supports_join\":true,\"version_ids\":{\"band_id\":"
	    "\"EU_863_870\",\"brand_id\":\"acme\",\"firmware_version\":\"1.2\","
	    "\"hardware_version\":\"1.0\",\"model_id\":\"sensor\"}}");
	free(s);
	json_decref(d);
}

static void test_not_devices(void **state)
{
	static const char zip[] = "PK\x03\x04\x14\0\x06\0";
	assert_string_equal(items_n("d.xlsx", zip, sizeof zip - 1),
			    "E d.xlsx:1:1: a ZIP archive (an Excel .xlsx workbook?), not a device "
			    "file: save it as CSV, or export the devices as JSON");
	static const char bin[] = "\x01\x02\0\x03";
	assert_string_equal(items_n("d.bin", bin, sizeof bin - 1),
			    "E d.bin:1:1: a binary file, not JSON or CSV text");
}

static void test_compat_next(void **state)
{
	const char text[] = A "\n%";
	FILE *fp = fmemopen((void *)text, sizeof text - 1, "r");
	struct jstream js;
	jstream_init(&js, fp);
	json_t *d;
	long line;
	char err[512];
	assert_int_equal(jstream_next(&js, &d, &line, err, sizeof err), 1);
	json_decref(d);
	assert_int_equal(jstream_next(&js, &d, &line, err, sizeof err), -1);
	assert_int_equal(line, 2);
	assert_true(strncmp(err, "line 2, column 1: '%' is not JSON", 33) == 0);
	assert_int_equal(jstream_next(&js, &d, &line, err, sizeof err), 0);
	jstream_free(&js);
	fclose(fp);
}

static void test_shortest_numbers(void **state)
{
	json_t *v = parse("{\"a\":43.84,\"b\":-1.43,\"c\":1.0,\"d\":0.1,\"e\":1e300,\"f\":12,"
			  "\"g\":[5e-324,2.5,100.0],\"s\":\"q\\\"\\\\\\n\\u0001/é\",\"t\":true,"
			  "\"n\":null,\"x\":{}}");
	char *s = jd_dumps(v);
	assert_string_equal(s, "{\"a\":43.84,\"b\":-1.43,\"c\":1.0,\"d\":0.1,\"e\":1e+300,\"f\":12,"
			       "\"g\":[5e-324,2.5,100.0],\"s\":\"q\\\"\\\\\\n\\u0001/é\","
			       "\"t\":true,\"n\":null,\"x\":{}}");
	/* What jansson reads back is the same value. */
	json_t *back = parse(s);
	assert_true(json_equal(v, back));
	free(s);
	json_decref(back);
	json_decref(v);
	char out[32];
	jd_real(0.30000000000000004, out, sizeof out);
	assert_string_equal(out, "0.30000000000000004");
}

int main(void)
{
	log_set_level(LOG_ERROR); /* the warnings are tested through fields */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_array_with_number),
	    cmocka_unit_test(test_stream_shapes),
	    cmocka_unit_test(test_end_devices),
	    cmocka_unit_test(test_end_devices_first_pos),
	    cmocka_unit_test(test_request_body),
	    cmocka_unit_test(test_junk),
	    cmocka_unit_test(test_malformed_one_position),
	    cmocka_unit_test(test_big_object),
	    cmocka_unit_test(test_encodings),
	    cmocka_unit_test(test_cp1252_line),
	    cmocka_unit_test(test_csv),
	    cmocka_unit_test(test_csv_fields),
	    cmocka_unit_test(test_not_devices),
	    cmocka_unit_test(test_compat_next),
	    cmocka_unit_test(test_shortest_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
