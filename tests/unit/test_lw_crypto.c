/*
 * Unit tests for the emulator's own LoRaWAN crypto (tests/emulator/lw_crypto.c),
 * used by the emulated Network Server and the device simulator (tests/simdev).
 * Vectors from published sources (values read, not code):
 * - RFC 4493 §4 (AES-CMAC examples 1 and 2, key 2b7e1516…);
 * - the lora-packet project (github.com/anthonykirby/lora-packet, its README and
 *   MIC test): the 1.0.x uplink 40F17DBE4900020001954378762B11FF0D with
 *   NwkSKey 44024241…3fd3 (MIC 2B11FF0D) and AppSKey ec925802…c588 ("test").
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../emulator/lw_crypto.h"

static void unhex(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void test_cmac_rfc4493(void **state)
{
	uint8_t key[16], msg[16], want[16], got[16];
	unhex("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
	unhex("bb1d6929e95937287fa37d129b756746", want, 16);
	assert_int_equal(lw_cmac(key, msg, 0, got), 0);
	assert_memory_equal(got, want, 16);
	unhex("6bc1bee22e409f96e93d7e117393172a", msg, 16);
	unhex("070a16b46b4d4144f79bdd9dd04a287c", want, 16);
	assert_int_equal(lw_cmac(key, msg, 16, got), 0);
	assert_memory_equal(got, want, 16);
}

static const char frame_hex[] = "40F17DBE4900020001954378762B11FF0D";

static void test_mic_10(void **state)
{
	uint8_t frame[17], key[16], mic[4];
	unhex(frame_hex, frame, sizeof frame);
	assert_true(lw_hex_key("44024241ed4ce9a68c6a8bc055233fd3", key));
	uint32_t addr = (uint32_t)frame[1] | (uint32_t)frame[2] << 8 | (uint32_t)frame[3] << 16 |
			(uint32_t)frame[4] << 24;
	assert_int_equal(addr, 0x49BE7DF1);
	assert_int_equal(lw_data_mic(key, NULL, true, addr, 2, 0, 0, 0, frame, 13, mic), 0);
	assert_memory_equal(mic, frame + 13, 4);
	/* Another FCnt (a 32-bit counter whose upper half differs) changes the MIC. */
	assert_int_equal(lw_data_mic(key, NULL, true, addr, 0x10002, 0, 0, 0, frame, 13, mic), 0);
	assert_memory_not_equal(mic, frame + 13, 4);
	/* So does a flipped bit of the frame or the key. */
	frame[9] ^= 1;
	assert_int_equal(lw_data_mic(key, NULL, true, addr, 2, 0, 0, 0, frame, 13, mic), 0);
	assert_memory_not_equal(mic, frame + 13, 4);
}

static void test_frm_decrypt(void **state)
{
	uint8_t frame[17], key[16];
	unhex(frame_hex, frame, sizeof frame);
	assert_true(lw_hex_key("EC925802AE430CA77FD3DD73CB2CC588", key));
	assert_int_equal(lw_frm_crypt(key, true, 0x49BE7DF1, 2, frame + 9, 4), 0);
	assert_memory_equal(frame + 9, "test", 4);
	/* Encrypting again gives the bytes on air back. */
	assert_int_equal(lw_frm_crypt(key, true, 0x49BE7DF1, 2, frame + 9, 4), 0);
	uint8_t orig[17];
	unhex(frame_hex, orig, sizeof orig);
	assert_memory_equal(frame, orig, sizeof frame);
}

static void test_mic_11_form(void **state)
{
	/* 1.1 with all three keys equal to the 1.0 NwkSKey, ConfFCnt, TxDr and TxCh zero:
	 * cmacF is the 1.0 CMAC and B1 equals B0, so the MIC is its first two bytes twice. */
	uint8_t frame[17], key[16], mic[4];
	unhex(frame_hex, frame, sizeof frame);
	assert_true(lw_hex_key("44024241ed4ce9a68c6a8bc055233fd3", key));
	assert_int_equal(lw_data_mic(key, key, true, 0x49BE7DF1, 2, 0, 0, 0, frame, 13, mic), 0);
	uint8_t want[4] = {frame[13], frame[14], frame[13], frame[14]};
	assert_memory_equal(mic, want, 4);
	/* TxDr in B1 changes only the cmacS half. */
	assert_int_equal(lw_data_mic(key, key, true, 0x49BE7DF1, 2, 0, 5, 0, frame, 13, mic), 0);
	assert_memory_equal(mic + 2, want + 2, 2);
	assert_memory_not_equal(mic, want, 2);
}

static void test_hex_key(void **state)
{
	uint8_t k[16];
	assert_false(lw_hex_key("0011", k));
	assert_false(lw_hex_key(NULL, k));
	assert_false(lw_hex_key("zz024241ed4ce9a68c6a8bc055233fd3", k));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cmac_rfc4493), cmocka_unit_test(test_mic_10),
	    cmocka_unit_test(test_frm_decrypt),	 cmocka_unit_test(test_mic_11_form),
	    cmocka_unit_test(test_hex_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
