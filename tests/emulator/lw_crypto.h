/*
 * LoRaWAN frame crypto for the emulated Network Server and the device
 * simulator (tests/simdev), written from the LoRaWAN 1.0.x and 1.1
 * specifications (§4.3.3 FRMPayload encryption, §4.4 MIC): AES-128 and
 * AES-CMAC from OpenSSL. Deliberately not the tool's code: the uplink tests
 * check the tool's exported sessions with an independent implementation.
 */
#ifndef TTS_EMULATOR_LW_CRYPTO_H
#define TTS_EMULATOR_LW_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LW_KEY_LEN 16

/* AES-CMAC (RFC 4493) of msg under key; 0 on success. */
int lw_cmac(const uint8_t key[LW_KEY_LEN], const uint8_t *msg, size_t len, uint8_t out[16]);

/*
 * The MIC of a data frame (msg = MHDR | FHDR | FPort | FRMPayload, without
 * the MIC), written into mic[4] in the order it goes on air.
 * LoRaWAN 1.0.x: the first 4 bytes of CMAC(NwkSKey, B0 | msg); pass the
 * NwkSKey as fnwk and snwk = NULL. LoRaWAN 1.1 uplink: cmacS[0..1] |
 * cmacF[0..1] with cmacF = CMAC(FNwkSIntKey, B0 | msg) and cmacS =
 * CMAC(SNwkSIntKey, B1 | msg), B1 carrying conf_fcnt, tx_dr and tx_ch.
 * Downlinks (uplink = false) use B0 with the key given as fnwk (1.0: NwkSKey,
 * 1.1: SNwkSIntKey, conf_fcnt in B0).
 */
int lw_data_mic(const uint8_t fnwk[LW_KEY_LEN], const uint8_t *snwk, bool uplink, uint32_t dev_addr,
		uint32_t fcnt, uint16_t conf_fcnt, uint8_t tx_dr, uint8_t tx_ch, const uint8_t *msg,
		size_t len, uint8_t mic[4]);

/* FRMPayload encryption (and decryption: the same XOR) in place. */
int lw_frm_crypt(const uint8_t key[LW_KEY_LEN], bool uplink, uint32_t dev_addr, uint32_t fcnt,
		 uint8_t *data, size_t len);

/* 32 hex digits → 16 bytes; false when malformed. */
bool lw_hex_key(const char *hex, uint8_t out[LW_KEY_LEN]);

#endif
