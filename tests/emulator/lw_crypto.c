/*
 * LoRaWAN frame crypto (see lw_crypto.h), from the LoRaWAN 1.0.4 and 1.1
 * specifications: B0/B1 blocks of §4.4, the A_i blocks of §4.3.3.
 */
#include "lw_crypto.h"

#include <ctype.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <string.h>

int lw_cmac(const uint8_t key[LW_KEY_LEN], const uint8_t *msg, size_t len, uint8_t out[16])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	char cipher[] = "AES-128-CBC";
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
	    OSSL_PARAM_construct_end(),
	};
	size_t outl = 0;
	int rc = -1;
	if (ctx && EVP_MAC_init(ctx, key, LW_KEY_LEN, params) == 1 &&
	    EVP_MAC_update(ctx, msg, len) == 1 && EVP_MAC_final(ctx, out, &outl, 16) == 1 &&
	    outl == 16)
		rc = 0;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

static int aes_ecb(const uint8_t key[LW_KEY_LEN], const uint8_t in[16], uint8_t out[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, rc = -1;
	if (ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	    EVP_EncryptUpdate(ctx, out, &n, in, 16) == 1 && n == 16)
		rc = 0;
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The common tail of B0, B1 and A_i: Dir | DevAddr | FCnt | 0x00 | last. */
static void block(uint8_t b[16], uint8_t first, bool uplink, uint32_t dev_addr, uint32_t fcnt,
		  uint8_t last)
{
	memset(b, 0, 16);
	b[0] = first;
	b[5] = uplink ? 0 : 1;
	put_le32(b + 6, dev_addr);
	put_le32(b + 10, fcnt);
	b[15] = last;
}

static int cmac_with_block(const uint8_t key[LW_KEY_LEN], const uint8_t blk[16], const uint8_t *msg,
			   size_t len, uint8_t out[16])
{
	uint8_t buf[16 + 256];
	if (len > sizeof buf - 16)
		return -1;
	memcpy(buf, blk, 16);
	memcpy(buf + 16, msg, len);
	return lw_cmac(key, buf, 16 + len, out);
}

int lw_data_mic(const uint8_t fnwk[LW_KEY_LEN], const uint8_t *snwk, bool uplink, uint32_t dev_addr,
		uint32_t fcnt, uint16_t conf_fcnt, uint8_t tx_dr, uint8_t tx_ch, const uint8_t *msg,
		size_t len, uint8_t mic[4])
{
	if (len > 255)
		return -1;
	uint8_t b0[16], f[16];
	block(b0, 0x49, uplink, dev_addr, fcnt, (uint8_t)len);
	if (!uplink || !snwk) {
		/* 1.0.x, and 1.1 downlinks: ConfFCnt in bytes 1-2 of B0 (zero in 1.0.x). */
		b0[1] = (uint8_t)conf_fcnt;
		b0[2] = (uint8_t)(conf_fcnt >> 8);
		if (cmac_with_block(fnwk, b0, msg, len, f) != 0)
			return -1;
		memcpy(mic, f, 4);
		return 0;
	}
	uint8_t b1[16], s[16];
	block(b1, 0x49, true, dev_addr, fcnt, (uint8_t)len);
	b1[1] = (uint8_t)conf_fcnt;
	b1[2] = (uint8_t)(conf_fcnt >> 8);
	b1[3] = tx_dr;
	b1[4] = tx_ch;
	if (cmac_with_block(fnwk, b0, msg, len, f) != 0 ||
	    cmac_with_block(snwk, b1, msg, len, s) != 0)
		return -1;
	mic[0] = s[0];
	mic[1] = s[1];
	mic[2] = f[0];
	mic[3] = f[1];
	return 0;
}

int lw_frm_crypt(const uint8_t key[LW_KEY_LEN], bool uplink, uint32_t dev_addr, uint32_t fcnt,
		 uint8_t *data, size_t len)
{
	for (size_t off = 0, i = 1; off < len; off += 16, i++) {
		uint8_t a[16], s[16];
		block(a, 0x01, uplink, dev_addr, fcnt, (uint8_t)i);
		if (aes_ecb(key, a, s) != 0)
			return -1;
		for (size_t j = 0; j < 16 && off + j < len; j++)
			data[off + j] ^= s[j];
	}
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool lw_hex_key(const char *hex, uint8_t out[LW_KEY_LEN])
{
	if (!hex || strlen(hex) != 2 * LW_KEY_LEN)
		return false;
	for (size_t i = 0; i < LW_KEY_LEN; i++) {
		int h = hexval((unsigned char)hex[2 * i]),
		    l = hexval((unsigned char)hex[2 * i + 1]);
		if (h < 0 || l < 0)
			return false;
		out[i] = (uint8_t)(h << 4 | l);
	}
	return true;
}
