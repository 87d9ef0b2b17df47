#include "core/lorawan.h"

#include <string.h>

/* ---- Hex and base64 -------------------------------------------------------- */

int lw_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void hex_encode_upper(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xF];
	}
	out[2 * n] = '\0';
}

/* Value of a base64 character in either alphabet ('+' or '-' = 62, '/' or '_' = 63). */
static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/*
 * Length of the base64 data before its padding, or -1 when the padding is
 * wrong: padding is optional, but when present it must round the data up to
 * a multiple of 4 (at most "==").
 */
static long b64_data_len(const char *in)
{
	size_t len = strlen(in);
	size_t data = len;
	while (data > 0 && in[data - 1] == '=')
		data--;
	size_t pad = len - data;
	if (pad > 2 || (pad > 0 && len % 4 != 0))
		return -1;
	/* One leftover character carries only 6 bits: never a whole byte. */
	if (data % 4 == 1)
		return -1;
	return (long)data;
}

int lw_base64_decode(const char *in, unsigned char *out, size_t cap, size_t *outlen)
{
	if (!in)
		return -1;
	long data = b64_data_len(in);
	if (data < 0)
		return -1;
	size_t need = (size_t)data * 3 / 4;
	if (need > cap)
		return -1;
	uint32_t acc = 0;
	int nbits = 0;
	size_t o = 0;
	for (long i = 0; i < data; i++) {
		int v = b64_value(in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[o++] = (unsigned char)(acc >> nbits);
			acc &= (1u << nbits) - 1;
		}
	}
	*outlen = o;
	return 0;
}

int lw_base64_encode(const unsigned char *in, size_t len, char *out, size_t cap)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t need = (len + 2) / 3 * 4 + 1;
	if (!out || cap < need)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		size_t left = len - i;
		uint32_t group = (uint32_t)in[i] << 16;
		if (left > 1)
			group |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			group |= in[i + 2];
		out[o++] = alphabet[(group >> 18) & 63];
		out[o++] = alphabet[(group >> 12) & 63];
		out[o++] = left > 1 ? alphabet[(group >> 6) & 63] : '=';
		out[o++] = left > 2 ? alphabet[group & 63] : '=';
	}
	out[o] = '\0';
	return 0;
}

/* Decodes exactly 2*nbytes hex digits into buf. */
static int hex_decode_exact(const char *in, size_t nbytes, unsigned char *buf)
{
	for (size_t i = 0; i < nbytes; i++) {
		int hi = lw_hex_digit(in[2 * i]);
		int lo = lw_hex_digit(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		buf[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int lw_hex_normalize(const char *in, size_t nbytes, char *out)
{
	/* The largest value handled is an AES key; larger callers get -1. */
	unsigned char buf[32];
	if (out)
		out[0] = '\0';
	if (!in || !out || nbytes == 0 || nbytes > sizeof buf || !*in)
		return -1;
	/*
	 * No string of 2n characters is both valid hex and base64 of n bytes
	 * for n >= 2: unpadded base64 is shorter, and padded base64 of the
	 * same length ends in '='. Only n == 1 is ambiguous ("AA"); hex wins,
	 * as in TTS, which reads base64 only for n > 1.
	 */
	if (strlen(in) == 2 * nbytes && hex_decode_exact(in, nbytes, buf) == 0) {
		hex_encode_upper(buf, nbytes, out);
		return 0;
	}
	size_t got = 0;
	if (lw_base64_decode(in, buf, sizeof buf, &got) != 0 || got != nbytes)
		return -1;
	hex_encode_upper(buf, nbytes, out);
	return 0;
}

int lw_eui_normalize(const char *in, char out[2 * LW_EUI_LEN + 1])
{
	return lw_hex_normalize(in, LW_EUI_LEN, out);
}

int lw_devaddr_normalize(const char *in, char out[2 * LW_DEVADDR_LEN + 1])
{
	return lw_hex_normalize(in, LW_DEVADDR_LEN, out);
}

int lw_key_normalize(const char *in, char out[2 * LW_KEY_LEN + 1])
{
	return lw_hex_normalize(in, LW_KEY_LEN, out);
}

bool lw_is_zero_hex(const char *hex)
{
	if (!hex)
		return true;
	for (; *hex; hex++)
		if (*hex != '0')
			return false;
	return true;
}

/* ---- MAC and PHY versions -------------------------------------------------- */

/* One enum value: its number and its spellings; names[0] is what TTS prints. */
struct lw_enum_value {
	int number;
	const char *names[7];
};

/* LS api/ttn/lorawan/v3/lorawan.proto MACVersion (prefix "MAC", so the
 * prefix-less names are accepted too) and its json aliases. */
static const struct lw_enum_value mac_versions[] = {
    {0, {"MAC_UNKNOWN", "UNKNOWN", "unknown", NULL}},
    {1, {"MAC_V1_0", "V1_0", "1.0", "1.0.0", NULL}},
    {2, {"MAC_V1_0_1", "V1_0_1", "1.0.1", NULL}},
    {3, {"MAC_V1_0_2", "V1_0_2", "1.0.2", NULL}},
    {4, {"MAC_V1_1", "V1_1", "1.1", "1.1.0", NULL}},
    {5, {"MAC_V1_0_3", "V1_0_3", "1.0.3", NULL}},
    {6, {"MAC_V1_0_4", "V1_0_4", "1.0.4", NULL}},
};

/* PHYVersion: an aliased enum (PHY_* and TS001_/RP001_ names share numbers;
 * the PHY_* one is declared first, so TTS prints it) plus json aliases. */
static const struct lw_enum_value phy_versions[] = {
    {0, {"PHY_UNKNOWN", "UNKNOWN", "unknown", NULL}},
    {1, {"PHY_V1_0", "TS001_V1_0", "V1_0", "1.0", "1.0.0", NULL}},
    {2, {"PHY_V1_0_1", "TS001_V1_0_1", "V1_0_1", "1.0.1", NULL}},
    {3, {"PHY_V1_0_2_REV_A", "RP001_V1_0_2", "V1_0_2", "V1_0_2_REV_A", "1.0.2", "1.0.2-a", NULL}},
    {4, {"PHY_V1_0_2_REV_B", "RP001_V1_0_2_REV_B", "V1_0_2_REV_B", "1.0.2-b", NULL}},
    {5, {"PHY_V1_1_REV_A", "RP001_V1_1_REV_A", "V1_1_REV_A", "1.1-a", "1.1.0-a", NULL}},
    {6, {"PHY_V1_1_REV_B", "RP001_V1_1_REV_B", "V1_1_REV_B", "1.1-b", "1.1.0-b", NULL}},
    {7, {"PHY_V1_0_3_REV_A", "RP001_V1_0_3_REV_A", "V1_0_3_REV_A", "1.0.3-a", NULL}},
    {8, {"RP002_V1_0_0", NULL}},
    {9, {"RP002_V1_0_1", NULL}},
    {10, {"RP002_V1_0_2", NULL}},
    {11, {"RP002_V1_0_3", NULL}},
    {12, {"RP002_V1_0_4", NULL}},
};

#define MAC_COUNT (sizeof mac_versions / sizeof mac_versions[0])
#define PHY_COUNT (sizeof phy_versions / sizeof phy_versions[0])

/* A non-negative decimal number of at most 3 digits (leading zeros allowed,
 * as Go's ParseInt allows them), or -1. */
static int small_decimal(const char *s)
{
	size_t n = strlen(s);
	while (n > 1 && *s == '0') {
		s++;
		n--;
	}
	if (n == 0 || n > 3)
		return -1;
	int v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static const struct lw_enum_value *enum_lookup(const struct lw_enum_value *table, size_t count,
					       const char *in)
{
	if (!in)
		return NULL;
	int num = small_decimal(in);
	for (size_t i = 0; i < count; i++) {
		if (table[i].number == num)
			return &table[i];
		for (const char *const *name = table[i].names; *name; name++)
			if (strcmp(*name, in) == 0)
				return &table[i];
	}
	return NULL;
}

const char *lw_mac_version_canonical(const char *in)
{
	const struct lw_enum_value *v = enum_lookup(mac_versions, MAC_COUNT, in);
	return v ? v->names[0] : NULL;
}

const char *lw_phy_version_canonical(const char *in)
{
	const struct lw_enum_value *v = enum_lookup(phy_versions, PHY_COUNT, in);
	return v ? v->names[0] : NULL;
}

int lw_mac_version_number(const char *in)
{
	const struct lw_enum_value *v = enum_lookup(mac_versions, MAC_COUNT, in);
	return v ? v->number : -1;
}

int lw_phy_version_number(const char *in)
{
	const struct lw_enum_value *v = enum_lookup(phy_versions, PHY_COUNT, in);
	return v ? v->number : -1;
}

/* Bit n set = PHY version number n allowed, indexed by MAC version number
 * (the MAC table lists the numbers 0..MAC_COUNT-1, so every index fits). */
#define PHY_BIT(n)   (1u << (n))
#define PHY_RP002ALL (PHY_BIT(8) | PHY_BIT(9) | PHY_BIT(10) | PHY_BIT(11) | PHY_BIT(12))
static const unsigned mac_phy_pairs[MAC_COUNT] = {
    [0] = 0,					  /* MAC_UNKNOWN: nothing */
    [1] = PHY_BIT(1),				  /* 1.0.0 */
    [2] = PHY_BIT(2),				  /* 1.0.1 */
    [3] = PHY_BIT(3) | PHY_BIT(4),		  /* 1.0.2: REV_A, REV_B */
    [4] = PHY_BIT(5) | PHY_BIT(6) | PHY_RP002ALL, /* 1.1 */
    [5] = PHY_BIT(7),				  /* 1.0.3 */
    [6] = PHY_RP002ALL,				  /* 1.0.4 */
};

bool lw_mac_phy_pair_valid(const char *mac, const char *phy)
{
	int m = lw_mac_version_number(mac);
	int p = lw_phy_version_number(phy);
	if (m < 0 || p < 0)
		return false;
	return (mac_phy_pairs[m] & PHY_BIT(p)) != 0;
}

/* ---- NetID and DevAddr ----------------------------------------------------- */

/* NwkID length per NetID type, with the errata lengths for types 3 and 4. */
static const int nwkid_bits[8] = {6, 6, 9, 11, 12, 13, 15, 17};

static uint32_t low_bits(uint32_t v, int n)
{
	return n >= 32 ? v : v & ((UINT32_C(1) << n) - 1);
}

/* The mask of the top bits bits (0–32) of a 32-bit value. */
static uint32_t prefix_mask(int bits)
{
	return bits == 0 ? 0 : UINT32_MAX << (32 - bits);
}

int lw_netid_parse(const char *hex6, uint32_t *netid)
{
	if (!hex6 || strlen(hex6) != 2 * LW_NETID_LEN)
		return -1;
	uint32_t v = 0;
	for (const char *c = hex6; *c; c++) {
		int d = lw_hex_digit(*c);
		if (d < 0)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	*netid = v;
	return 0;
}

int lw_netid_type(uint32_t netid)
{
	if (netid > 0xFFFFFF)
		return -1;
	return (int)(netid >> 21);
}

uint32_t lw_netid_nwkid(uint32_t netid)
{
	int type = lw_netid_type(netid);
	if (type < 0)
		return 0;
	return low_bits(netid, nwkid_bits[type]);
}

/* Length of the DevAddr prefix of a type: (type+1) type bits plus the NwkID. */
static int prefix_len_of_type(int type)
{
	return type + 1 + nwkid_bits[type];
}

int lw_devaddr_prefix_of_netid(uint32_t netid, uint32_t *prefix, int *bits)
{
	int type = lw_netid_type(netid);
	if (type < 0)
		return -1;
	/* type 1-bits followed by a 0-bit: 0, 10, 110, ... 11111110. */
	uint32_t type_prefix = ((UINT32_C(1) << type) - 1) << 1;
	int len = prefix_len_of_type(type);
	uint32_t value = type_prefix << nwkid_bits[type] | lw_netid_nwkid(netid);
	*prefix = value << (32 - len);
	*bits = len;
	return 0;
}

bool lw_devaddr_in_prefix(uint32_t addr, uint32_t prefix, int bits)
{
	if (bits < 0 || bits > 32)
		return false;
	return (addr & prefix_mask(bits)) == (prefix & prefix_mask(bits));
}

int lw_prefix_parse(const char *s, uint32_t *prefix, int *bits)
{
	if (!s || strlen(s) < 10 || s[8] != '/')
		return -1;
	uint32_t v = 0;
	for (int i = 0; i < 8; i++) {
		int d = lw_hex_digit(s[i]);
		if (d < 0)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	int len = small_decimal(s + 9);
	if (len < 0 || len > 32)
		return -1;
	*prefix = v & prefix_mask(len);
	*bits = len;
	return 0;
}

int lw_devaddr_netid_type(uint32_t addr)
{
	int ones = 0;
	while (ones < 8 && (addr & (UINT32_C(0x80000000) >> ones)))
		ones++;
	return ones < 8 ? ones : -1;
}

uint32_t lw_devaddr_nwkid(uint32_t addr)
{
	int type = lw_devaddr_netid_type(addr);
	if (type < 0)
		return UINT32_MAX;
	return low_bits(addr >> (32 - prefix_len_of_type(type)), nwkid_bits[type]);
}

/* ---- Timestamps ------------------------------------------------------------ */

/* Reads exactly n decimal digits at *p, advancing it. */
static bool read_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool expect_char(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int y, int m, int d)
{
	/* Shift the year to start in March so that Feb 29 is the last day. */
	int64_t yy = m <= 2 ? y - 1 : y;
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Reads ".f" with 1–9 digits, scaled to nanoseconds; absent means 0. */
static bool read_fraction(const char **p, uint32_t *nsec)
{
	uint32_t v = 0;
	int n = 0;
	*nsec = 0;
	if (**p != '.')
		return true;
	(*p)++;
	while (**p >= '0' && **p <= '9') {
		if (++n > 9)
			return false;
		v = v * 10 + (uint32_t)(**p - '0');
		(*p)++;
	}
	if (n == 0)
		return false;
	for (; n < 9; n++)
		v *= 10;
	*nsec = v;
	return true;
}

int lw_time_parse(const char *s, int64_t *sec, uint32_t *nsec)
{
	int y, mo, d, h, mi, se;
	uint32_t ns;
	const char *p = s;
	if (!s)
		return -1;
	if (!read_digits(&p, 4, &y) || !expect_char(&p, '-') || !read_digits(&p, 2, &mo) ||
	    !expect_char(&p, '-') || !read_digits(&p, 2, &d) || !expect_char(&p, 'T') ||
	    !read_digits(&p, 2, &h) || !expect_char(&p, ':') || !read_digits(&p, 2, &mi) ||
	    !expect_char(&p, ':') || !read_digits(&p, 2, &se) || !read_fraction(&p, &ns) ||
	    !expect_char(&p, 'Z') || *p)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
		return -1;
	*sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	*nsec = ns;
	return 0;
}

int lw_time_cmp(const char *a, const char *b)
{
	int64_t sa, sb;
	uint32_t na, nb;
	bool va = lw_time_parse(a, &sa, &na) == 0;
	bool vb = lw_time_parse(b, &sb, &nb) == 0;
	if (!va || !vb)
		return (int)va - (int)vb; /* unknown < known; two unknowns are equal */
	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (na != nb)
		return na < nb ? -1 : 1;
	return 0;
}
