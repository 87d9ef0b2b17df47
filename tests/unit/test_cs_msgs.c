/*
 * Unit tests for src/sources/cs_msgs.c: ChirpStack v4 messages decoded from
 * bytes laid out by the field numbers of sources-transport.md §1.5 (built
 * with the separately tested pb encoder, plus one request checked byte by
 * byte), absent messages, KEK envelopes, refusals and the f_cnt_up mapping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/cs_msgs.h"
#include "sources/pb.h"

static void wrap(struct strbuf *outer, uint32_t num, const struct strbuf *inner)
{
	pb_put_bytes(outer, num, inner->buf, inner->len);
}

static void test_requests(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	cs_encode_id_request(&sb, "0102030405060708");
	/* field 1, wire type 2 = 0x0a; length 16 = 0x10 */
	assert_int_equal(sb.len, 18);
	assert_memory_equal(sb.buf,
			    "\x0a\x10"
			    "0102030405060708",
			    18);
	strbuf_reset(&sb);
	cs_encode_list_request(&sb, "u", 100, 200);
	/* 08 64 (limit 100), 10 c8 01 (offset 200), 22 01 'u' (field 4) */
	assert_int_equal(sb.len, 8);
	assert_memory_equal(sb.buf, "\x08\x64\x10\xc8\x01\x22\x01u", 8);
	strbuf_reset(&sb);
	cs_encode_list_request(&sb, "u", 100, 0); /* offset 0 is not on the wire */
	assert_int_equal(sb.len, 5);
	strbuf_release(&sb);
}

static void test_device(void **state)
{
	(void)state;
	struct strbuf d = STRBUF_INIT, resp = STRBUF_INIT;
	pb_put_string(&d, 1, "0004a30b001c0530");
	pb_put_string(&d, 2, "sensor 1");
	pb_put_string(&d, 4, "7c3e4d1a-0000-4000-8000-000000000001");
	pb_put_string(&d, 5, "11111111-0000-4000-8000-000000000002");
	pb_put_bool(&d, 6, true);
	pb_put_uint(&d, 99, 5); /* unknown */
	pb_put_string(&d, 10, "70b3d57ed0000001");
	wrap(&resp, 1, &d);
	pb_put_fixed64(&resp, 2, 0); /* a field we skip (timestamps are messages, anyway) */
	struct cs_device dev;
	assert_int_equal(cs_decode_device(resp.buf, resp.len, &dev), 0);
	assert_string_equal(dev.dev_eui, "0004a30b001c0530");
	assert_string_equal(dev.name, "sensor 1");
	assert_string_equal(dev.application_id, "7c3e4d1a-0000-4000-8000-000000000001");
	assert_string_equal(dev.device_profile_id, "11111111-0000-4000-8000-000000000002");
	assert_true(dev.skip_fcnt_check);
	assert_false(dev.is_disabled);
	assert_string_equal(dev.join_eui, "70b3d57ed0000001");
	/* a DevEUI longer than its array is refused, not cut */
	strbuf_reset(&d);
	strbuf_reset(&resp);
	pb_put_string(&d, 1, "0004a30b001c0530aaaaaaaaaaaaaaaaaaaaaa");
	wrap(&resp, 1, &d);
	assert_int_equal(cs_decode_device(resp.buf, resp.len, &dev), -1);
	/* a string field with a varint wire type is refused */
	strbuf_reset(&resp);
	pb_put_uint(&resp, 1, 3);
	assert_int_equal(cs_decode_device(resp.buf, resp.len, &dev), -1);
	strbuf_release(&d);
	strbuf_release(&resp);
}

static void test_keys(void **state)
{
	(void)state;
	struct strbuf k = STRBUF_INIT, resp = STRBUF_INIT;
	pb_put_string(&k, 1, "0004a30b001c0530");
	pb_put_string(&k, 2, "000102030405060708090a0b0c0d0e0f");
	wrap(&resp, 1, &k);
	struct cs_keys keys;
	assert_int_equal(cs_decode_keys(resp.buf, resp.len, &keys), 0);
	assert_string_equal(keys.nwk_key, "000102030405060708090a0b0c0d0e0f");
	assert_string_equal(keys.app_key, "");
	strbuf_release(&k);
	strbuf_release(&resp);
}

static void test_activation(void **state)
{
	(void)state;
	struct strbuf a = STRBUF_INIT, resp = STRBUF_INIT, jsc = STRBUF_INIT, env = STRBUF_INIT;
	struct cs_activation act;
	/* no session: field 1 absent */
	assert_int_equal(cs_decode_activation("", 0, &act), 0);
	assert_false(act.present);

	pb_put_string(&a, 1, "0004a30b001c0530");
	pb_put_string(&a, 2, "260b1234");
	pb_put_string(&a, 3, "aa0102030405060708090a0b0c0d0e0f");
	pb_put_string(&a, 4, "bb0102030405060708090a0b0c0d0e0f");
	pb_put_uint(&a, 5, 43);
	pb_put_uint(&a, 6, 7);
	pb_put_string(&a, 8, "cc0102030405060708090a0b0c0d0e0f");
	pb_put_string(&a, 9, "dd0102030405060708090a0b0c0d0e0f");
	pb_put_uint(&a, 10, 9);
	wrap(&resp, 1, &a);
	assert_int_equal(cs_decode_activation(resp.buf, resp.len, &act), 0);
	assert_true(act.present);
	assert_string_equal(act.dev_addr, "260b1234");
	assert_string_equal(act.app_s_key, "aa0102030405060708090a0b0c0d0e0f");
	assert_string_equal(act.nwk_s_enc_key, "bb0102030405060708090a0b0c0d0e0f");
	assert_string_equal(act.s_nwk_s_int_key, "cc0102030405060708090a0b0c0d0e0f");
	assert_string_equal(act.f_nwk_s_int_key, "dd0102030405060708090a0b0c0d0e0f");
	assert_int_equal(act.f_cnt_up, 43);
	assert_int_equal(act.n_f_cnt_down, 7);
	assert_int_equal(act.a_f_cnt_down, 9);
	assert_string_equal(act.kek_label, "");
	assert_int_equal(act.wrapped_len, 0);

	/* join_server_context.app_s_key with a KEK label */
	pb_put_string(&env, 1, "kek-1");
	pb_put_bytes(&env, 2,
		     "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13"
		     "\x14\x15\x16\x17\x18",
		     24);
	pb_put_string(&jsc, 1, "c2Vzc2lvbg");
	wrap(&jsc, 2, &env);
	wrap(&resp, 2, &jsc);
	assert_int_equal(cs_decode_activation(resp.buf, resp.len, &act), 0);
	assert_string_equal(act.kek_label, "kek-1");
	assert_int_equal(act.wrapped_len, 24);
	assert_memory_equal(act.wrapped_key, "\x01\x02\x03", 3);
	assert_int_equal(act.f_cnt_up, 43); /* the session stays */

	/* a truncated answer is refused */
	assert_int_equal(cs_decode_activation(resp.buf, resp.len - 1, &act), -1);
	/* a counter sent as a string is refused */
	strbuf_reset(&a);
	strbuf_reset(&resp);
	pb_put_string(&a, 5, "43");
	wrap(&resp, 1, &a);
	assert_int_equal(cs_decode_activation(resp.buf, resp.len, &act), -1);
	strbuf_release(&a);
	strbuf_release(&resp);
	strbuf_release(&jsc);
	strbuf_release(&env);
}

static void test_profile(void **state)
{
	(void)state;
	struct strbuf p = STRBUF_INIT, resp = STRBUF_INIT;
	pb_put_string(&p, 1, "11111111-0000-4000-8000-000000000002");
	pb_put_string(&p, 3, "class C US");
	pb_put_uint(&p, 4, 2); /* US915 */
	pb_put_uint(&p, 5, 3); /* 1.0.3 */
	pb_put_uint(&p, 6, 1); /* B */
	pb_put_bool(&p, 13, true);
	pb_put_bool(&p, 15, true);
	pb_put_uint(&p, 20, 5);
	pb_put_uint(&p, 24, 923300000);
	pb_put_fixed32(&p, 99, 1); /* unknown, fixed32 */
	pb_put_uint(&p, 53, 2);	   /* rx1_delay */
	wrap(&resp, 1, &p);
	struct cs_profile prof;
	assert_int_equal(cs_decode_profile(resp.buf, resp.len, &prof), 0);
	assert_string_equal(prof.name, "class C US");
	assert_int_equal(prof.region, 2);
	assert_string_equal(cs_region_name(prof.region), "US915");
	assert_string_equal(cs_mac_version(prof.mac_version), "1.0.3");
	assert_int_equal(prof.reg_params_revision, 1);
	assert_true(prof.supports_otaa);
	assert_false(prof.supports_class_b);
	assert_true(prof.supports_class_c);
	assert_int_equal(prof.class_c_timeout, 5);
	assert_int_equal(prof.abp_rx2_freq, 923300000);
	assert_int_equal(prof.rx1_delay, 2);
	assert_null(prof.payload_codec_script);
	cs_profile_free(&prof);
	/* absent = the zero values: EU868, 1.0.0 */
	assert_int_equal(cs_decode_profile("", 0, &prof), 0);
	assert_string_equal(cs_region_name(prof.region), "EU868");
	assert_string_equal(cs_mac_version(prof.mac_version), "1.0.0");
	assert_string_equal(cs_mac_version(5), "1.1.0");
	assert_null(cs_mac_version(6));
	assert_null(cs_region_name(1));
	assert_null(cs_region_name(15));
	strbuf_release(&p);
	strbuf_release(&resp);
}

static void test_list(void **state)
{
	(void)state;
	struct strbuf resp = STRBUF_INIT, item = STRBUF_INIT;
	pb_put_uint(&resp, 1, 250);
	for (int i = 0; i < 40; i++) {
		char eui[17];
		snprintf(eui, sizeof eui, "00000000000000%02x", i);
		strbuf_reset(&item);
		pb_put_string(&item, 1, eui);
		pb_put_string(&item, 5, "name");
		wrap(&resp, 2, &item);
	}
	struct cs_list_page pg;
	assert_int_equal(cs_decode_list(resp.buf, resp.len, &pg), 0);
	assert_int_equal(pg.total_count, 250);
	assert_int_equal(pg.n, 40);
	assert_string_equal(pg.dev_euis[0], "0000000000000000");
	assert_string_equal(pg.dev_euis[39], "0000000000000027");
	free(pg.dev_euis);
	assert_int_equal(cs_decode_list(resp.buf, resp.len - 2, &pg), -1);
	assert_null(pg.dev_euis);
	assert_int_equal(cs_decode_list("", 0, &pg), 0);
	assert_int_equal(pg.n, 0);
	strbuf_release(&resp);
	strbuf_release(&item);
}

static void put_entry(struct strbuf *msg, uint32_t num, const char *k, const char *v)
{
	struct strbuf e = STRBUF_INIT;
	pb_put_string(&e, 1, k);
	pb_put_string(&e, 2, v);
	wrap(msg, num, &e);
	strbuf_release(&e);
}

static void test_maps(void **state)
{
	(void)state;
	struct strbuf d = STRBUF_INIT, resp = STRBUF_INIT;
	pb_put_string(&d, 1, "0004a30b001c0530");
	put_entry(&d, 9, "site", "berlin");
	put_entry(&d, 9, "floor", "2");
	put_entry(&d, 9, "site", "munich"); /* a key seen twice: the last value */
	put_entry(&d, 8, "token", "abc");
	struct strbuf e = STRBUF_INIT; /* an entry with no value: "" */
	pb_put_string(&e, 1, "empty");
	wrap(&d, 9, &e);
	wrap(&resp, 1, &d);
	struct cs_device *dev = calloc(1, sizeof *dev);
	assert_non_null(dev);
	assert_int_equal(cs_decode_device(resp.buf, resp.len, dev), 0);
	assert_int_equal(dev->tags.n, 3);
	assert_false(dev->tags.overflow);
	assert_string_equal(dev->tags.kv[0].key, "site");
	assert_string_equal(dev->tags.kv[0].value, "munich");
	assert_string_equal(dev->tags.kv[1].key, "floor");
	assert_string_equal(dev->tags.kv[2].key, "empty");
	assert_string_equal(dev->tags.kv[2].value, "");
	assert_int_equal(dev->variables.n, 1);
	assert_string_equal(dev->variables.kv[0].value, "abc");
	/* more entries than CS_KV_MAX, or a value too long: kept out, flagged */
	for (int i = 0; i < CS_KV_MAX; i++) {
		char k[16];
		snprintf(k, sizeof k, "k%d", i);
		put_entry(&d, 8, k, "v");
	}
	strbuf_reset(&resp);
	wrap(&resp, 1, &d);
	assert_int_equal(cs_decode_device(resp.buf, resp.len, dev), 0);
	assert_int_equal(dev->variables.n, CS_KV_MAX);
	assert_true(dev->variables.overflow);
	assert_false(dev->tags.overflow);
	char big[600];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	strbuf_reset(&d);
	put_entry(&d, 9, "long", big);
	strbuf_reset(&resp);
	wrap(&resp, 1, &d);
	assert_int_equal(cs_decode_device(resp.buf, resp.len, dev), 0);
	assert_int_equal(dev->tags.n, 0);
	assert_true(dev->tags.overflow);
	/* an entry that is not a message, or a key that is not a string: refused */
	strbuf_reset(&d);
	pb_put_uint(&d, 9, 1);
	strbuf_reset(&resp);
	wrap(&resp, 1, &d);
	assert_int_equal(cs_decode_device(resp.buf, resp.len, dev), -1);
	strbuf_reset(&d);
	strbuf_reset(&e);
	pb_put_uint(&e, 1, 7);
	wrap(&d, 9, &e);
	strbuf_reset(&resp);
	wrap(&resp, 1, &d);
	assert_int_equal(cs_decode_device(resp.buf, resp.len, dev), -1);
	free(dev);
	strbuf_release(&d);
	strbuf_release(&e);
	strbuf_release(&resp);
}

static void test_profile_script(void **state)
{
	(void)state;
	struct strbuf p = STRBUF_INIT, resp = STRBUF_INIT;
	size_t n = 50000; /* longer than any fixed buffer: kept whole */
	char *script = malloc(n + 1);
	assert_non_null(script);
	memset(script, ';', n);
	script[n] = '\0';
	pb_put_string(&p, 1, "11111111-0000-4000-8000-000000000002");
	pb_put_uint(&p, 8, 2); /* JS */
	pb_put_string(&p, 9, "old");
	pb_put_string(&p, 9, script); /* the last one wins */
	pb_put_uint(&p, 17, 5);
	put_entry(&p, 25, "kind", "meter");
	wrap(&resp, 1, &p);
	struct cs_profile *prof = calloc(1, sizeof *prof);
	assert_non_null(prof);
	assert_int_equal(cs_decode_profile(resp.buf, resp.len, prof), 0);
	assert_int_equal(prof->payload_codec_runtime, 2);
	assert_non_null(prof->payload_codec_script);
	assert_int_equal(strlen(prof->payload_codec_script), n);
	assert_int_equal(prof->class_b_ping_slot_nb_k, 5);
	assert_int_equal(prof->tags.n, 1);
	assert_string_equal(prof->tags.kv[0].value, "meter");
	cs_profile_free(prof);
	assert_null(prof->payload_codec_script);
	/* malformed after the script: refused, and the script is not leaked
	 * (the ASan build checks) */
	pb_put_uint(&p, 3, 1);
	strbuf_reset(&resp);
	wrap(&resp, 1, &p);
	assert_int_equal(cs_decode_profile(resp.buf, resp.len, prof), -1);
	assert_null(prof->payload_codec_script);
	free(prof);
	free(script);
	strbuf_release(&p);
	strbuf_release(&resp);
}

/* True when needle (n bytes) occurs in hay. */
static bool has_bytes(const struct strbuf *hay, const void *needle, size_t n)
{
	for (size_t i = 0; i + n <= hay->len; i++)
		if (memcmp(hay->buf + i, needle, n) == 0)
			return true;
	return false;
}

static void test_update(void **state)
{
	(void)state;
	struct strbuf d = STRBUF_INIT, resp = STRBUF_INIT, up = STRBUF_INIT;
	pb_put_string(&d, 1, "0004a30b001c0530");
	pb_put_string(&d, 2, "sensor 1");
	pb_put_string(&d, 4, "7c3e4d1a-0000-4000-8000-000000000001");
	pb_put_bool(&d, 7, true);
	put_entry(&d, 9, "site", "berlin");
	put_entry(&d, 8, "token", "abc");
	pb_put_string(&d, 10, "70b3d57ed0000001");
	pb_put_string(&d, 77, "a field of a newer server"); /* unknown: kept */
	wrap(&resp, 1, &d);
	pb_put_uint(&resp, 6, 2); /* class_enabled: not part of the device */
	/* enable: every field but 7 as it was */
	assert_int_equal(cs_encode_update_disabled(&up, resp.buf, resp.len, false), 0);
	struct cs_device *dev = calloc(1, sizeof *dev);
	assert_non_null(dev);
	/* UpdateDeviceRequest {1 device} has the envelope of GetDeviceResponse */
	assert_int_equal(cs_decode_device(up.buf, up.len, dev), 0);
	assert_false(dev->is_disabled);
	assert_string_equal(dev->dev_eui, "0004a30b001c0530");
	assert_string_equal(dev->name, "sensor 1");
	assert_string_equal(dev->join_eui, "70b3d57ed0000001");
	assert_int_equal(dev->tags.n, 1);
	assert_int_equal(dev->variables.n, 1);
	assert_true(has_bytes(&up, "a field of a newer server", 25));
	assert_false(has_bytes(&up, "\x30\x02", 2)); /* field 6 of the response is not copied */
	/* disable: 7 = true, once */
	strbuf_reset(&up);
	assert_int_equal(cs_encode_update_disabled(&up, resp.buf, resp.len, true), 0);
	assert_int_equal(cs_decode_device(up.buf, up.len, dev), 0);
	assert_true(dev->is_disabled);
	assert_string_equal(dev->name, "sensor 1");
	assert_int_equal(up.len, resp.len - 2 /* field 6 */);
	/* no device, or a malformed one: refused */
	strbuf_reset(&up);
	assert_int_equal(cs_encode_update_disabled(&up, "", 0, true), -1);
	assert_int_equal(cs_encode_update_disabled(&up, resp.buf, 5, true), -1);
	free(dev);
	strbuf_release(&d);
	strbuf_release(&resp);
	strbuf_release(&up);
}

static void test_app_list(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT, it = STRBUF_INIT;
	cs_encode_app_list_request(&sb, "t", "meters", 100, 0);
	/* 08 64 (limit), 1a 06 "meters" (3 search), 22 01 't' (4 tenant_id) */
	assert_int_equal(sb.len, 13);
	assert_memory_equal(sb.buf, "\x08\x64\x1a\x06meters\x22\x01t", 13);
	strbuf_reset(&sb);
	pb_put_uint(&sb, 1, 2);
	pb_put_string(&it, 1, "5f6c2d8e-1c2b-4a7d-9e3f-e1ca219397f2");
	pb_put_string(&it, 4, "meters");
	pb_put_string(&it, 5, "a description");
	wrap(&sb, 2, &it);
	struct cs_app_page pg;
	assert_int_equal(cs_decode_app_list(sb.buf, sb.len, &pg), 0);
	assert_int_equal(pg.total_count, 2);
	assert_int_equal(pg.n, 1);
	assert_string_equal(pg.items[0].id, "5f6c2d8e-1c2b-4a7d-9e3f-e1ca219397f2");
	assert_string_equal(pg.items[0].name, "meters");
	free(pg.items);
	assert_int_equal(cs_decode_app_list(sb.buf, sb.len - 1, &pg), -1);
	assert_null(pg.items);
	strbuf_release(&sb);
	strbuf_release(&it);
}

static void test_f_cnt_up(void **state)
{
	(void)state;
	/* ChirpStack's f_cnt_up is the next expected counter: the last one seen is one less */
	assert_int_equal(cs_last_f_cnt_up(43), 42);
	assert_int_equal(cs_last_f_cnt_up(1), 0);
	assert_int_equal(cs_last_f_cnt_up(0), 0);
	assert_int_equal(cs_last_f_cnt_up(UINT32_MAX), UINT32_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_requests),	   cmocka_unit_test(test_device),
	    cmocka_unit_test(test_keys),	   cmocka_unit_test(test_activation),
	    cmocka_unit_test(test_profile),	   cmocka_unit_test(test_list),
	    cmocka_unit_test(test_f_cnt_up),	   cmocka_unit_test(test_maps),
	    cmocka_unit_test(test_profile_script), cmocka_unit_test(test_update),
	    cmocka_unit_test(test_app_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
