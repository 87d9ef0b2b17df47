/* Unit tests for src/core/lorawan.c: hex/base64 values, versions, NetID/DevAddr, time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/lorawan.h"

/* ---- Hex normalisation ------------------------------------------------------- */

static void expect_eui(const char *in, const char *want)
{
	char out[2 * LW_EUI_LEN + 1];
	int rc = lw_eui_normalize(in, out);
	if (!want) {
		assert_int_equal(rc, -1);
		assert_string_equal(out, "");
		return;
	}
	assert_int_equal(rc, 0);
	assert_string_equal(out, want);
}

static void test_eui_hex(void **state)
{
	(void)state;
	expect_eui("70B3D57ED0042F52", "70B3D57ED0042F52");
	expect_eui("70b3d57ed0042f52", "70B3D57ED0042F52");
	expect_eui("70b3D57eD0042f52", "70B3D57ED0042F52");
	expect_eui("0000000000000000", "0000000000000000");
	/* Wrong length, bad digits, separators, whitespace. */
	expect_eui("70B3D57ED0042F5", NULL);
	expect_eui("70B3D57ED0042F521", NULL);
	expect_eui("70B3D57ED0042F5G", NULL);
	expect_eui("70-B3-D5-7E-D0-04-2F-52", NULL);
	expect_eui(" 70B3D57ED0042F52", NULL);
	expect_eui("70B3D57ED0042F52 ", NULL);
	expect_eui("0x70B3D57ED0042F", NULL);
	/* "" is TTS's "unset", not a value. */
	expect_eui("", NULL);
	expect_eui(NULL, NULL);
}

static void test_eui_base64(void **state)
{
	(void)state;
	/* 70B3D57ED0042F52 in base64, padded and not. */
	expect_eui("cLPVftAEL1I=", "70B3D57ED0042F52");
	expect_eui("cLPVftAEL1I", "70B3D57ED0042F52");
	/* FBFFBFFBFFBFFBFF uses '+' and '/' (std) or '-' and '_' (URL). */
	expect_eui("+/+/+/+/+/8=", "FBFFBFFBFFBFFBFF");
	expect_eui("-_-_-_-_-_8=", "FBFFBFFBFFBFFBFF");
	expect_eui("-_-_-_-_-_8", "FBFFBFFBFFBFFBFF");
	expect_eui("+_-/+/+/+/8", "FBFFBFFBFFBFFBFF");
	/* Base64 of the wrong size: 7 and 9 bytes. */
	expect_eui("cLPVftAEL1", NULL);	  /* 7 bytes, unpadded */
	expect_eui("cLPVftAELw==", NULL); /* 7 bytes, padded */
	expect_eui("cLPVftAEL1IA", NULL); /* 9 bytes */
	/* Bad padding and bad characters. */
	expect_eui("cLPVftAEL1I==", NULL);
	expect_eui("cLPVftAEL1I===", NULL);
	expect_eui("cLPV=ftAEL1I", NULL);
	expect_eui("cLPVftAEL1*=", NULL);
}

static void test_devaddr_and_key(void **state)
{
	(void)state;
	char addr[2 * LW_DEVADDR_LEN + 1];
	char key[2 * LW_KEY_LEN + 1];
	assert_int_equal(lw_devaddr_normalize("26012f9d", addr), 0);
	assert_string_equal(addr, "26012F9D");
	assert_int_equal(lw_devaddr_normalize("JgEvnQ==", addr), 0);
	assert_string_equal(addr, "26012F9D");
	assert_int_equal(lw_devaddr_normalize("JgEvnQ", addr), 0);
	assert_string_equal(addr, "26012F9D");
	assert_int_equal(lw_devaddr_normalize("26012F9", addr), -1);
	assert_int_equal(lw_devaddr_normalize("26012F9D00", addr), -1);
	assert_int_equal(lw_devaddr_normalize("cLPVftAEL1I=", addr), -1); /* an EUI */

	assert_int_equal(lw_key_normalize("efe35b55f8b394a68567f8a36f5ac44a", key), 0);
	assert_string_equal(key, "EFE35B55F8B394A68567F8A36F5AC44A");
	assert_int_equal(lw_key_normalize("7+NbVfizlKaFZ/ijb1rESg==", key), 0);
	assert_string_equal(key, "EFE35B55F8B394A68567F8A36F5AC44A");
	assert_int_equal(lw_key_normalize("7-NbVfizlKaFZ_ijb1rESg", key), 0);
	assert_string_equal(key, "EFE35B55F8B394A68567F8A36F5AC44A");
	assert_int_equal(lw_key_normalize("EFE35B55F8B394A68567F8A36F5AC44", key), -1);
	assert_int_equal(lw_key_normalize("70B3D57ED0042F52", key), -1);
	assert_int_equal(lw_key_normalize("cLPVftAEL1I=", key), -1);

	char net[2 * LW_NETID_LEN + 1];
	assert_int_equal(lw_hex_normalize("00001a", LW_NETID_LEN, net), 0);
	assert_string_equal(net, "00001A");
	assert_int_equal(lw_hex_normalize("AAAT", LW_NETID_LEN, net), 0);
	assert_string_equal(net, "000013");
	assert_int_equal(lw_hex_normalize("AA", 0, net), -1);
	assert_int_equal(lw_hex_normalize("AA", 64, net), -1);
}

static void test_is_zero_hex(void **state)
{
	(void)state;
	assert_true(lw_is_zero_hex(NULL));
	assert_true(lw_is_zero_hex(""));
	assert_true(lw_is_zero_hex("0000000000000000"));
	assert_false(lw_is_zero_hex("0000000000000001"));
	assert_false(lw_is_zero_hex("1000000000000000"));
	assert_false(lw_is_zero_hex("AAAAAAAAAAA="));
}

/* ---- Base64 ------------------------------------------------------------------ */

static void expect_roundtrip(const char *raw, const char *b64)
{
	char enc[64];
	unsigned char dec[64];
	size_t n = 99;
	assert_int_equal(lw_base64_encode((const unsigned char *)raw, strlen(raw), enc, sizeof enc),
			 0);
	assert_string_equal(enc, b64);
	assert_int_equal(lw_base64_decode(b64, dec, sizeof dec, &n), 0);
	assert_int_equal(n, strlen(raw));
	assert_memory_equal(dec, raw, n);
}

static void test_base64_rfc4648_vectors(void **state)
{
	(void)state;
	expect_roundtrip("", "");
	expect_roundtrip("f", "Zg==");
	expect_roundtrip("fo", "Zm8=");
	expect_roundtrip("foo", "Zm9v");
	expect_roundtrip("foob", "Zm9vYg==");
	expect_roundtrip("fooba", "Zm9vYmE=");
	expect_roundtrip("foobar", "Zm9vYmFy");
}

static void test_base64_session_key_id(void **state)
{
	(void)state;
	/* The session_key_id of the tts-api.md §3 example. */
	static const unsigned char want[16] = {0x79, 0x53, 0x4E, 0x0F, 0xB8, 0x57, 0x16, 0xBC,
					       0x15, 0x02, 0x7A, 0xB2, 0xA5, 0xEB, 0x7D, 0x3A};
	unsigned char dec[16];
	char enc[25];
	size_t n = 0;
	assert_int_equal(lw_base64_decode("eVNOD7hXFrwVAnqypet9Og==", dec, sizeof dec, &n), 0);
	assert_int_equal(n, 16);
	assert_memory_equal(dec, want, 16);
	assert_int_equal(lw_base64_decode("eVNOD7hXFrwVAnqypet9Og", dec, sizeof dec, &n), 0);
	assert_int_equal(n, 16);
	assert_int_equal(lw_base64_encode(dec, n, enc, sizeof enc), 0);
	assert_string_equal(enc, "eVNOD7hXFrwVAnqypet9Og==");
	/* 16 bytes need 24 characters plus the NUL. */
	assert_int_equal(lw_base64_encode(dec, n, enc, 24), -1);
	/* The decoder refuses to write more than cap. */
	assert_int_equal(lw_base64_decode("eVNOD7hXFrwVAnqypet9Og==", dec, 15, &n), -1);
}

static void test_base64_invalid(void **state)
{
	(void)state;
	unsigned char dec[16];
	size_t n;
	assert_int_equal(lw_base64_decode(NULL, dec, sizeof dec, &n), -1);
	assert_int_equal(lw_base64_decode("Z", dec, sizeof dec, &n), -1);     /* 6 bits */
	assert_int_equal(lw_base64_decode("Zg=", dec, sizeof dec, &n), -1);   /* short pad */
	assert_int_equal(lw_base64_decode("Zg===", dec, sizeof dec, &n), -1); /* long pad */
	assert_int_equal(lw_base64_decode("Zm9v=", dec, sizeof dec, &n), -1);
	assert_int_equal(lw_base64_decode("Zm 9v", dec, sizeof dec, &n), -1);
	assert_int_equal(lw_base64_decode("Zm9v\n", dec, sizeof dec, &n), -1);
	assert_int_equal(lw_base64_decode("Z=g=", dec, sizeof dec, &n), -1);
	/* Unused trailing bits are tolerated, as by Go's non-strict decoder. */
	assert_int_equal(lw_base64_decode("Zh==", dec, sizeof dec, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(dec[0], 'f');
}

/* ---- MAC and PHY versions ---------------------------------------------------- */

struct alias {
	const char *in;
	const char *want;
	int number;
};

static void test_mac_versions(void **state)
{
	(void)state;
	static const struct alias cases[] = {
	    {"MAC_UNKNOWN", "MAC_UNKNOWN", 0},
	    {"UNKNOWN", "MAC_UNKNOWN", 0},
	    {"unknown", "MAC_UNKNOWN", 0},
	    {"0", "MAC_UNKNOWN", 0},
	    {"MAC_V1_0", "MAC_V1_0", 1},
	    {"V1_0", "MAC_V1_0", 1},
	    {"1.0", "MAC_V1_0", 1},
	    {"1.0.0", "MAC_V1_0", 1},
	    {"1", "MAC_V1_0", 1},
	    {"MAC_V1_0_1", "MAC_V1_0_1", 2},
	    {"V1_0_1", "MAC_V1_0_1", 2},
	    {"1.0.1", "MAC_V1_0_1", 2},
	    {"2", "MAC_V1_0_1", 2},
	    {"MAC_V1_0_2", "MAC_V1_0_2", 3},
	    {"V1_0_2", "MAC_V1_0_2", 3},
	    {"1.0.2", "MAC_V1_0_2", 3},
	    {"3", "MAC_V1_0_2", 3},
	    {"03", "MAC_V1_0_2", 3},
	    {"MAC_V1_1", "MAC_V1_1", 4},
	    {"V1_1", "MAC_V1_1", 4},
	    {"1.1", "MAC_V1_1", 4},
	    {"1.1.0", "MAC_V1_1", 4},
	    {"4", "MAC_V1_1", 4},
	    {"MAC_V1_0_3", "MAC_V1_0_3", 5},
	    {"V1_0_3", "MAC_V1_0_3", 5},
	    {"1.0.3", "MAC_V1_0_3", 5},
	    {"5", "MAC_V1_0_3", 5},
	    {"MAC_V1_0_4", "MAC_V1_0_4", 6},
	    {"V1_0_4", "MAC_V1_0_4", 6},
	    {"1.0.4", "MAC_V1_0_4", 6},
	    {"6", "MAC_V1_0_4", 6},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *got = lw_mac_version_canonical(cases[i].in);
		assert_non_null(got);
		assert_string_equal(got, cases[i].want);
		assert_int_equal(lw_mac_version_number(cases[i].in), cases[i].number);
	}
	static const char *const bad[] = {
	    NULL,	  "",	    "7",      "-1",	     "1.0.2-b",
	    "mac_v1_0_2", "v1_0_2", "1.0.2 ", "MAC_V1_0_5",  "PHY_V1_0_2_REV_A",
	    "1.2",	  "1000",   "3x",     "RP002_V1_0_4"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_null(lw_mac_version_canonical(bad[i]));
		assert_int_equal(lw_mac_version_number(bad[i]), -1);
	}
}

static void test_phy_versions(void **state)
{
	(void)state;
	static const struct alias cases[] = {
	    {"PHY_UNKNOWN", "PHY_UNKNOWN", 0},
	    {"unknown", "PHY_UNKNOWN", 0},
	    {"0", "PHY_UNKNOWN", 0},
	    {"PHY_V1_0", "PHY_V1_0", 1},
	    {"TS001_V1_0", "PHY_V1_0", 1},
	    {"V1_0", "PHY_V1_0", 1},
	    {"1.0", "PHY_V1_0", 1},
	    {"1.0.0", "PHY_V1_0", 1},
	    {"1", "PHY_V1_0", 1},
	    {"PHY_V1_0_1", "PHY_V1_0_1", 2},
	    {"TS001_V1_0_1", "PHY_V1_0_1", 2},
	    {"V1_0_1", "PHY_V1_0_1", 2},
	    {"1.0.1", "PHY_V1_0_1", 2},
	    {"2", "PHY_V1_0_1", 2},
	    {"PHY_V1_0_2_REV_A", "PHY_V1_0_2_REV_A", 3},
	    {"RP001_V1_0_2", "PHY_V1_0_2_REV_A", 3},
	    {"V1_0_2", "PHY_V1_0_2_REV_A", 3},
	    {"V1_0_2_REV_A", "PHY_V1_0_2_REV_A", 3},
	    {"1.0.2", "PHY_V1_0_2_REV_A", 3},
	    {"1.0.2-a", "PHY_V1_0_2_REV_A", 3},
	    {"3", "PHY_V1_0_2_REV_A", 3},
	    {"PHY_V1_0_2_REV_B", "PHY_V1_0_2_REV_B", 4},
	    {"RP001_V1_0_2_REV_B", "PHY_V1_0_2_REV_B", 4},
	    {"V1_0_2_REV_B", "PHY_V1_0_2_REV_B", 4},
	    {"1.0.2-b", "PHY_V1_0_2_REV_B", 4},
	    {"4", "PHY_V1_0_2_REV_B", 4},
	    {"PHY_V1_1_REV_A", "PHY_V1_1_REV_A", 5},
	    {"RP001_V1_1_REV_A", "PHY_V1_1_REV_A", 5},
	    {"V1_1_REV_A", "PHY_V1_1_REV_A", 5},
	    {"1.1-a", "PHY_V1_1_REV_A", 5},
	    {"1.1.0-a", "PHY_V1_1_REV_A", 5},
	    {"5", "PHY_V1_1_REV_A", 5},
	    {"PHY_V1_1_REV_B", "PHY_V1_1_REV_B", 6},
	    {"RP001_V1_1_REV_B", "PHY_V1_1_REV_B", 6},
	    {"V1_1_REV_B", "PHY_V1_1_REV_B", 6},
	    {"1.1-b", "PHY_V1_1_REV_B", 6},
	    {"1.1.0-b", "PHY_V1_1_REV_B", 6},
	    {"6", "PHY_V1_1_REV_B", 6},
	    {"PHY_V1_0_3_REV_A", "PHY_V1_0_3_REV_A", 7},
	    {"RP001_V1_0_3_REV_A", "PHY_V1_0_3_REV_A", 7},
	    {"V1_0_3_REV_A", "PHY_V1_0_3_REV_A", 7},
	    {"1.0.3-a", "PHY_V1_0_3_REV_A", 7},
	    {"7", "PHY_V1_0_3_REV_A", 7},
	    {"RP002_V1_0_0", "RP002_V1_0_0", 8},
	    {"8", "RP002_V1_0_0", 8},
	    {"RP002_V1_0_1", "RP002_V1_0_1", 9},
	    {"9", "RP002_V1_0_1", 9},
	    {"RP002_V1_0_2", "RP002_V1_0_2", 10},
	    {"10", "RP002_V1_0_2", 10},
	    {"RP002_V1_0_3", "RP002_V1_0_3", 11},
	    {"11", "RP002_V1_0_3", 11},
	    {"RP002_V1_0_4", "RP002_V1_0_4", 12},
	    {"012", "RP002_V1_0_4", 12},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *got = lw_phy_version_canonical(cases[i].in);
		assert_non_null(got);
		assert_string_equal(got, cases[i].want);
		assert_int_equal(lw_phy_version_number(cases[i].in), cases[i].number);
	}
	/* "1.0.3" and "1.1" are MAC spellings; PHY needs the revision. */
	static const char *const bad[] = {
	    NULL,      "",	     "13",	     "1.0.3",	    "1.1",
	    "1.0.2-c", "MAC_V1_0_2", "rp002_v1_0_4", "RP002_1_0_4", "PHY_RP002_V1_0_4",
	    "1.0.2-B", " 1.0.2"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_null(lw_phy_version_canonical(bad[i]));
		assert_int_equal(lw_phy_version_number(bad[i]), -1);
	}
}

static void test_mac_phy_pairs(void **state)
{
	(void)state;
	assert_true(lw_mac_phy_pair_valid("MAC_V1_0", "PHY_V1_0"));
	assert_true(lw_mac_phy_pair_valid("1.0.1", "TS001_V1_0_1"));
	assert_true(lw_mac_phy_pair_valid("1.0.2", "1.0.2-a"));
	assert_true(lw_mac_phy_pair_valid("MAC_V1_0_2", "PHY_V1_0_2_REV_B"));
	assert_true(lw_mac_phy_pair_valid("1.0.3", "RP001_V1_0_3_REV_A"));
	assert_true(lw_mac_phy_pair_valid("1.0.4", "RP002_V1_0_0"));
	assert_true(lw_mac_phy_pair_valid("1.0.4", "RP002_V1_0_4"));
	assert_true(lw_mac_phy_pair_valid("1.1", "PHY_V1_1_REV_A"));
	assert_true(lw_mac_phy_pair_valid("MAC_V1_1", "1.1.0-b"));
	assert_true(lw_mac_phy_pair_valid("4", "RP002_V1_0_3"));

	assert_false(lw_mac_phy_pair_valid("MAC_V1_0", "PHY_V1_0_1"));
	assert_false(lw_mac_phy_pair_valid("MAC_V1_0_2", "PHY_V1_0_3_REV_A"));
	assert_false(lw_mac_phy_pair_valid("MAC_V1_0_3", "RP002_V1_0_0"));
	assert_false(lw_mac_phy_pair_valid("MAC_V1_0_4", "PHY_V1_0_3_REV_A"));
	assert_false(lw_mac_phy_pair_valid("MAC_V1_0_4", "PHY_V1_1_REV_B"));
	assert_false(lw_mac_phy_pair_valid("MAC_V1_1", "PHY_V1_0_2_REV_B"));
	assert_false(lw_mac_phy_pair_valid("MAC_UNKNOWN", "PHY_V1_0"));
	assert_false(lw_mac_phy_pair_valid("MAC_V1_0", "PHY_UNKNOWN"));
	assert_false(lw_mac_phy_pair_valid(NULL, "PHY_V1_0"));
	assert_false(lw_mac_phy_pair_valid("MAC_V1_0", "bogus"));
}

/* ---- NetID and DevAddr ------------------------------------------------------- */

/* One row of users-and-network.md §B, worked by hand: NetID → DevAddr block. */
struct netid_case {
	const char *netid;
	int type;
	uint32_t nwkid;
	uint32_t prefix;
	int bits;
};

/*
 * Each prefix is (type 1-bits, a 0-bit, the NwkID) left-aligned, e.g. for
 * type 3, NetID 60002D: 1110 | 00000101101 (11 bits) = 0x702D over 15 bits,
 * << 17 = E05A0000. Type 6, NetID C00123: 1111110 | 000000100100011
 * (15 bits) = 0x3F0123 over 22 bits, << 10 = FC048C00.
 */
static const struct netid_case netid_cases[] = {
    {"000013", 0, 0x13, 0x26000000, 7}, /* The Things Network */
    {"000000", 0, 0x00, 0x00000000, 7},	   {"000001", 0, 0x01, 0x02000000, 7},
    {"00003F", 0, 0x3F, 0x7E000000, 7},	   {"200005", 1, 0x05, 0x85000000, 8},
    {"400123", 2, 0x123, 0xD2300000, 12},  {"60002D", 3, 0x2D, 0xE05A0000, 15},
    {"7FFFFF", 3, 0x7FF, 0xEFFE0000, 15},  {"800ABC", 4, 0xABC, 0xF55E0000, 17},
    {"A01234", 5, 0x1234, 0xFA468000, 19}, {"C00123", 6, 0x123, 0xFC048C00, 22},
    {"E0ABCD", 7, 0xABCD, 0xFE55E680, 25}, {"FFFFFF", 7, 0x1FFFF, 0xFEFFFF80, 25},
};

static void test_netid_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof netid_cases / sizeof *netid_cases; i++) {
		const struct netid_case *c = &netid_cases[i];
		uint32_t netid = 0, prefix = 0;
		int bits = 0;
		assert_int_equal(lw_netid_parse(c->netid, &netid), 0);
		assert_int_equal(lw_netid_type(netid), c->type);
		assert_int_equal(lw_netid_nwkid(netid), c->nwkid);
		assert_int_equal(lw_devaddr_prefix_of_netid(netid, &prefix, &bits), 0);
		assert_int_equal(prefix, c->prefix);
		assert_int_equal(bits, c->bits);
		/* The way back: every address of the block names the type and NwkID. */
		uint32_t first = prefix;
		uint32_t last = prefix | (UINT32_MAX >> bits);
		assert_int_equal(lw_devaddr_netid_type(first), c->type);
		assert_int_equal(lw_devaddr_netid_type(last), c->type);
		assert_int_equal(lw_devaddr_nwkid(first), c->nwkid);
		assert_int_equal(lw_devaddr_nwkid(last), c->nwkid);
		assert_true(lw_devaddr_in_prefix(first, prefix, bits));
		assert_true(lw_devaddr_in_prefix(last, prefix, bits));
		/* Just outside the block on either side. */
		if (first > 0)
			assert_false(lw_devaddr_in_prefix(first - 1, prefix, bits));
		if (last < UINT32_MAX)
			assert_false(lw_devaddr_in_prefix(last + 1, prefix, bits));
	}
}

static void test_netid_errata_lengths(void **state)
{
	(void)state;
	uint32_t prefix;
	int bits;
	/* Type 3 and 4 use the errata NwkID lengths 11 and 12, not 10 and 11:
	 * pre-errata 60002D would be E0B40000/14 and 800ABC F2BC0000/16. */
	assert_int_equal(lw_devaddr_prefix_of_netid(0x60002D, &prefix, &bits), 0);
	assert_int_not_equal(prefix, 0xE0B40000);
	assert_int_equal(bits, 15);
	assert_int_equal(lw_devaddr_prefix_of_netid(0x800ABC, &prefix, &bits), 0);
	assert_int_not_equal(prefix, 0xF2BC0000);
	assert_int_equal(bits, 17);
	/* NwkAddr bits left per type: 25 24 20 17 15 13 10 7. */
	static const int nwkaddr[8] = {25, 24, 20, 17, 15, 13, 10, 7};
	for (uint32_t type = 0; type < 8; type++) {
		assert_int_equal(lw_devaddr_prefix_of_netid(type << 21, &prefix, &bits), 0);
		assert_int_equal(32 - bits, nwkaddr[type]);
	}
}

static void test_netid_parse_and_range(void **state)
{
	(void)state;
	uint32_t netid = 0, prefix;
	int bits;
	assert_int_equal(lw_netid_parse("00001a", &netid), 0);
	assert_int_equal(netid, 0x1A);
	/* Hex only: "0013" would be base64 of D34D77, not NetID 000013. */
	assert_int_equal(lw_netid_parse("AAAT", &netid), -1);
	assert_int_equal(lw_netid_parse("0013", &netid), -1);
	assert_int_equal(lw_netid_parse("13", &netid), -1);
	assert_int_equal(lw_netid_parse("013", &netid), -1);
	assert_int_equal(lw_netid_parse("00013", &netid), -1);
	assert_int_equal(lw_netid_parse("0000013", &netid), -1);
	assert_int_equal(lw_netid_parse("00001G", &netid), -1);
	assert_int_equal(lw_netid_parse(" 00013", &netid), -1);
	assert_int_equal(lw_netid_parse("", &netid), -1);
	assert_int_equal(lw_netid_parse(NULL, &netid), -1);
	assert_int_equal(lw_netid_type(0x1000000), -1);
	assert_int_equal(lw_netid_nwkid(0x1000000), 0);
	assert_int_equal(lw_devaddr_prefix_of_netid(0x1000000, &prefix, &bits), -1);
	/* RFU bits of types 0–2 do not leak into the DevAddr block. */
	assert_int_equal(lw_devaddr_prefix_of_netid(0x000113, &prefix, &bits), 0);
	assert_int_equal(prefix, 0x26000000);
	assert_int_equal(bits, 7);
}

static void test_devaddr_types(void **state)
{
	(void)state;
	/* TTN addresses start with 0x26 or 0x27. */
	assert_int_equal(lw_devaddr_netid_type(0x26012F9D), 0);
	assert_int_equal(lw_devaddr_nwkid(0x26012F9D), 0x13);
	assert_int_equal(lw_devaddr_nwkid(0x27FFFFFF), 0x13);
	assert_int_equal(lw_devaddr_nwkid(0x28000000), 0x14);
	assert_int_equal(lw_devaddr_netid_type(0x00000000), 0);
	assert_int_equal(lw_devaddr_netid_type(0x80000000), 1);
	assert_int_equal(lw_devaddr_netid_type(0xC0000000), 2);
	assert_int_equal(lw_devaddr_netid_type(0xE0000000), 3);
	assert_int_equal(lw_devaddr_netid_type(0xF0000000), 4);
	assert_int_equal(lw_devaddr_netid_type(0xF8000000), 5);
	assert_int_equal(lw_devaddr_netid_type(0xFC000000), 6);
	assert_int_equal(lw_devaddr_netid_type(0xFEFFFFFF), 7);
	/* Eight leading 1-bits belong to no NetID type. */
	assert_int_equal(lw_devaddr_netid_type(0xFF000000), -1);
	assert_int_equal(lw_devaddr_netid_type(0xFFFFFFFF), -1);
	assert_int_equal(lw_devaddr_nwkid(0xFF123456), UINT32_MAX);
}

static void test_prefix_parse_and_match(void **state)
{
	(void)state;
	uint32_t prefix = 1;
	int bits = -1;
	assert_int_equal(lw_prefix_parse("26000000/7", &prefix, &bits), 0);
	assert_int_equal(prefix, 0x26000000);
	assert_int_equal(bits, 7);
	assert_true(lw_devaddr_in_prefix(0x26012F9D, prefix, bits));
	assert_true(lw_devaddr_in_prefix(0x27FFFFFF, prefix, bits));
	assert_false(lw_devaddr_in_prefix(0x25FFFFFF, prefix, bits));
	assert_false(lw_devaddr_in_prefix(0x28000000, prefix, bits));

	/* Sandbox per-cluster blocks inside 26000000/7. */
	assert_int_equal(lw_prefix_parse("260b0000/16", &prefix, &bits), 0);
	assert_int_equal(prefix, 0x260B0000);
	assert_int_equal(bits, 16);
	assert_true(lw_devaddr_in_prefix(0x260B1234, prefix, bits));
	assert_false(lw_devaddr_in_prefix(0x260C1234, prefix, bits));

	/* Bits below the length are cleared. */
	assert_int_equal(lw_prefix_parse("27ABCDFF/24", &prefix, &bits), 0);
	assert_int_equal(prefix, 0x27ABCD00);
	assert_int_equal(lw_prefix_parse("12345678/0", &prefix, &bits), 0);
	assert_int_equal(prefix, 0);
	assert_int_equal(bits, 0);
	assert_true(lw_devaddr_in_prefix(0xDEADBEEF, prefix, bits));
	assert_int_equal(lw_prefix_parse("12345678/32", &prefix, &bits), 0);
	assert_int_equal(prefix, 0x12345678);
	assert_true(lw_devaddr_in_prefix(0x12345678, prefix, bits));
	assert_false(lw_devaddr_in_prefix(0x12345679, prefix, bits));

	static const char *const bad[] = {NULL,		 "",
					  "26000000",	 "26000000/",
					  "2600000/7",	 "260000000/7",
					  "26000000/33", "26000000/-1",
					  "26000000/7x", "2600000G/7",
					  "26000000 /7", "26000000/7 "};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(lw_prefix_parse(bad[i], &prefix, &bits), -1);

	assert_false(lw_devaddr_in_prefix(0x26000000, 0x26000000, 33));
	assert_false(lw_devaddr_in_prefix(0x26000000, 0x26000000, -1));
}

/* ---- Timestamps -------------------------------------------------------------- */

static void test_time_parse(void **state)
{
	(void)state;
	int64_t sec = -1;
	uint32_t nsec = 1;
	assert_int_equal(lw_time_parse("1970-01-01T00:00:00Z", &sec, &nsec), 0);
	assert_int_equal(sec, 0);
	assert_int_equal(nsec, 0);
	assert_int_equal(lw_time_parse("2021-05-21T11:38:08.078114300Z", &sec, &nsec), 0);
	assert_int_equal(sec, 1621597088);
	assert_int_equal(nsec, 78114300);
	assert_int_equal(lw_time_parse("2021-05-21T11:38:08.5Z", &sec, &nsec), 0);
	assert_int_equal(nsec, 500000000);
	assert_int_equal(lw_time_parse("2021-05-21T11:38:08.000000001Z", &sec, &nsec), 0);
	assert_int_equal(nsec, 1);
	/* Calendar corners: leap days, centuries, far ends. */
	assert_int_equal(lw_time_parse("2000-02-29T00:00:00Z", &sec, &nsec), 0);
	assert_int_equal(sec, 951782400);
	assert_int_equal(lw_time_parse("1900-03-01T00:00:00Z", &sec, &nsec), 0);
	assert_int_equal(sec, -2203891200LL);
	assert_int_equal(lw_time_parse("2100-12-31T00:00:00Z", &sec, &nsec), 0);
	assert_int_equal(sec, 4133894400LL);
	assert_int_equal(lw_time_parse("0001-01-01T00:00:00Z", &sec, &nsec), 0);
	assert_int_equal(sec, -62135596800LL);
	assert_int_equal(lw_time_parse("9999-12-31T23:59:59.999999999Z", &sec, &nsec), 0);
	assert_int_equal(sec, 253402214400LL + 86399);
	assert_int_equal(nsec, 999999999);
}

static void test_time_parse_invalid(void **state)
{
	(void)state;
	int64_t sec;
	uint32_t nsec;
	static const char *const bad[] = {
	    NULL,
	    "",
	    "2021-05-21T11:38:08",	       /* no Z */
	    "2021-05-21T11:38:08+00:00",       /* offsets are refused by TTS */
	    "2021-05-21T11:38:08.078+01:00",   /* ditto */
	    "2021-05-21 11:38:08Z",	       /* space */
	    "2021-05-21t11:38:08z",	       /* lower case */
	    "2021-05-21T11:38:08.Z",	       /* dot without digits */
	    "2021-05-21T11:38:08.0781143001Z", /* 10 digits */
	    "2021-05-21T11:38:08ZZ",
	    "2021-5-21T11:38:08Z",
	    "2021-13-01T00:00:00Z",
	    "2021-00-01T00:00:00Z",
	    "2021-04-31T00:00:00Z",
	    "2021-02-29T00:00:00Z", /* not a leap year */
	    "1900-02-29T00:00:00Z", /* nor is 1900 */
	    "2021-05-00T00:00:00Z",
	    "2021-05-21T24:00:00Z",
	    "2021-05-21T23:60:00Z",
	    "2021-05-21T23:59:60Z",
	    "+2021-05-21T11:38:08Z",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(lw_time_parse(bad[i], &sec, &nsec), -1);
}

static void test_time_cmp(void **state)
{
	(void)state;
	const char *t = "2021-05-21T11:38:08.078114300Z";
	/* Precision differences: trailing zeros do not matter. */
	assert_int_equal(lw_time_cmp(t, "2021-05-21T11:38:08.0781143Z"), 0);
	assert_int_equal(lw_time_cmp(t, "2021-05-21T11:38:08.078114Z"), 1);
	assert_int_equal(lw_time_cmp("2021-05-21T11:38:08Z", "2021-05-21T11:38:08.000Z"), 0);
	assert_true(lw_time_cmp("2021-05-21T11:38:08Z", "2021-05-21T11:38:08.000000001Z") < 0);
	/* ".1" is later than ".09", although it sorts first as text. */
	assert_true(lw_time_cmp("2021-05-21T11:38:08.1Z", "2021-05-21T11:38:08.09Z") > 0);
	assert_true(lw_time_cmp("2021-05-21T11:38:08.09Z", "2021-05-21T11:38:08.1Z") < 0);
	/* Whole seconds dominate fractions. */
	assert_true(lw_time_cmp("2021-05-21T11:38:07.999999999Z", "2021-05-21T11:38:08Z") < 0);
	assert_true(lw_time_cmp("2020-12-31T23:59:59.999Z", "2021-01-01T00:00:00Z") < 0);
	assert_true(lw_time_cmp("2022-01-01T00:00:00Z", "2021-12-31T23:59:59Z") > 0);
	assert_int_equal(lw_time_cmp(t, t), 0);
	/* Unknown (NULL or invalid) sorts before every valid time. */
	assert_true(lw_time_cmp(NULL, t) < 0);
	assert_true(lw_time_cmp(t, NULL) > 0);
	assert_true(lw_time_cmp("garbage", "0001-01-01T00:00:00Z") < 0);
	assert_true(lw_time_cmp(t, "2021-05-21T11:38:08+00:00") > 0);
	assert_int_equal(lw_time_cmp(NULL, NULL), 0);
	assert_int_equal(lw_time_cmp("x", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_eui_hex),
	    cmocka_unit_test(test_eui_base64),
	    cmocka_unit_test(test_devaddr_and_key),
	    cmocka_unit_test(test_is_zero_hex),
	    cmocka_unit_test(test_base64_rfc4648_vectors),
	    cmocka_unit_test(test_base64_session_key_id),
	    cmocka_unit_test(test_base64_invalid),
	    cmocka_unit_test(test_mac_versions),
	    cmocka_unit_test(test_phy_versions),
	    cmocka_unit_test(test_mac_phy_pairs),
	    cmocka_unit_test(test_netid_table),
	    cmocka_unit_test(test_netid_errata_lengths),
	    cmocka_unit_test(test_netid_parse_and_range),
	    cmocka_unit_test(test_devaddr_types),
	    cmocka_unit_test(test_prefix_parse_and_match),
	    cmocka_unit_test(test_time_parse),
	    cmocka_unit_test(test_time_parse_invalid),
	    cmocka_unit_test(test_time_cmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
