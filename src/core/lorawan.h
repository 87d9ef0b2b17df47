/*
 * LoRaWAN value types as The Things Stack encodes them in JSON
 * (../shared/spec/tts-api.md §3, users-and-network.md §B and §C).
 *
 * Byte values (EUIs, DevAddr, NetID, AES keys) print as upper-case hex; TTS
 * also accepts base64 of the right size on input, and so does every
 * *_normalize function here. Enums (MAC and PHY versions) print as their TTS
 * name and are accepted under every alias TTS accepts.
 */
#ifndef TTNM_CORE_LORAWAN_H
#define TTNM_CORE_LORAWAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Hex byte values ------------------------------------------------------ */

#define LW_EUI_LEN     8
#define LW_DEVADDR_LEN 4
#define LW_NETID_LEN   3
#define LW_KEY_LEN     16

/* The value of one hex digit of either case, or -1. */
int lw_hex_digit(char c);

/*
 * Normalises an encoded value of exactly nbytes bytes to upper-case hex.
 * Accepts hex of exactly 2*nbytes characters in either case, or base64 (std or
 * URL alphabet, mixed too, with or without padding) that decodes to exactly
 * nbytes. out must hold 2*nbytes+1 bytes. Returns 0, or -1 (out is then "")
 * for NULL, "" (TTS's "unset") and anything else.
 */
int lw_hex_normalize(const char *in, size_t nbytes, char *out);

int lw_eui_normalize(const char *in, char out[2 * LW_EUI_LEN + 1]);
int lw_devaddr_normalize(const char *in, char out[2 * LW_DEVADDR_LEN + 1]);
int lw_key_normalize(const char *in, char out[2 * LW_KEY_LEN + 1]);

/* True for NULL, "" and a string of only '0' characters. */
bool lw_is_zero_hex(const char *hex);

/*
 * Decodes base64, std or URL alphabet (may be mixed), padded or not; padding,
 * when present, must be complete. Unused low bits of the last character are
 * ignored, as Go's non-strict decoder does. Returns 0 with *outlen set, or -1
 * for invalid input or when the result would exceed cap.
 */
int lw_base64_decode(const char *in, unsigned char *out, size_t cap, size_t *outlen);

/*
 * Encodes len bytes as standard, padded base64 (the form TTS prints) plus NUL.
 * Returns 0, or -1 when cap is below 4*ceil(len/3)+1.
 */
int lw_base64_encode(const unsigned char *in, size_t len, char *out, size_t cap);

/* ---- MAC and PHY versions -------------------------------------------------- */

/*
 * The TTS output name ("MAC_V1_0_2") for any accepted spelling: the name,
 * the name without "MAC_", the dotted alias ("1.0.2", "1.0", "1.1.0",
 * "unknown") or the enum number as a decimal string ("3"). Case-sensitive,
 * as TTS is. NULL when unknown. MAC_UNKNOWN (0) is a valid answer.
 */
const char *lw_mac_version_canonical(const char *in);

/*
 * Same for PHY versions. Every name of the aliased enum is accepted
 * ("PHY_V1_0_2_REV_B", "RP001_V1_0_2_REV_B", "TS001_V1_0"), as are the
 * prefix-less ("V1_0_2_REV_B") and dotted ("1.0.2-b", "1.1.0-a") aliases and
 * the number. The output is the first declared name (PHY_V1_0_2_REV_B).
 */
const char *lw_phy_version_canonical(const char *in);

/* The enum number of any accepted spelling, or -1. */
int lw_mac_version_number(const char *in);
int lw_phy_version_number(const char *in);

/*
 * True when the Console offers this MAC/PHY pair (LORAWAN_VERSION_PAIRS):
 * 1.0→PHY_V1_0, 1.0.1→PHY_V1_0_1, 1.0.2→REV_A/REV_B, 1.0.3→PHY_V1_0_3_REV_A,
 * 1.0.4→RP002 1.0.0–1.0.4, 1.1→RP001 1.1 REV_A/REV_B and RP002 1.0.0–1.0.4.
 * Either argument may be any accepted spelling; unknown ones give false.
 * The Network Server itself does not enforce this (lorawan-stack#5399).
 */
bool lw_mac_phy_pair_valid(const char *mac, const char *phy);

/* ---- NetID and DevAddr (LoRaWAN Backend Interfaces, with the errata) ------- */

/*
 * Parses a NetID of exactly 6 hex digits, either case. Base64 is refused on
 * purpose: "0013" is valid base64 of 3 bytes (D34D77), so a NetID typed
 * without its leading zeros would silently mean another network. Normalise a
 * JSON net_id with lw_hex_normalize(s, LW_NETID_LEN, …) first. Returns 0 or -1.
 */
int lw_netid_parse(const char *hex6, uint32_t *netid);

/* The NetID type, 0–7 (its 3 most significant bits), or -1 above 0xFFFFFF. */
int lw_netid_type(uint32_t netid);

/*
 * The NwkID: the low NwkID-length bits of the NetID's ID field (6, 6, 9, 11,
 * 12, 13, 15, 17 bits for types 0–7). Types 0–2 have RFU bits above the ID;
 * they are ignored here. 0 above 0xFFFFFF.
 */
uint32_t lw_netid_nwkid(uint32_t netid);

/*
 * The DevAddr block of a NetID: the type prefix (type 1-bits, then a 0) and
 * the NwkID, left-aligned. 000013 → 0x26000000/7. Returns 0 or -1.
 */
int lw_devaddr_prefix_of_netid(uint32_t netid, uint32_t *prefix, int *bits);

/* True when the top bits bits of addr equal those of prefix (bits 0–32). */
bool lw_devaddr_in_prefix(uint32_t addr, uint32_t prefix, int bits);

/*
 * Parses "26000000/7": 8 hex digits, '/', a decimal length 0–32. Address bits
 * below the length are cleared. Returns 0 or -1.
 */
int lw_prefix_parse(const char *s, uint32_t *prefix, int *bits);

/* The NetID type a DevAddr belongs to (its leading 1-bits), or -1 for 0xFF……. */
int lw_devaddr_netid_type(uint32_t addr);

/* The NwkID field of a DevAddr, or UINT32_MAX when its type is invalid. */
uint32_t lw_devaddr_nwkid(uint32_t addr);

/* ---- Timestamps ------------------------------------------------------------ */

/*
 * Parses an RFC 3339 UTC timestamp as TTS prints and accepts it:
 * "YYYY-MM-DDThh:mm:ss[.f]Z" with 1–9 fraction digits, upper-case T and Z,
 * no offset. Gives seconds since the Unix epoch and nanoseconds. Returns 0
 * or -1 (fields out of range, e.g. 02-30 or 24:00:00, are invalid).
 */
int lw_time_parse(const char *s, int64_t *sec, uint32_t *nsec);

/*
 * Compares two such timestamps: <0 when a is earlier, 0 when equal (however
 * many fraction digits each has), >0 when a is later. NULL or invalid means
 * "unknown", which sorts before every valid time and equal to another
 * unknown, so that picking the later one picks the known one.
 */
int lw_time_cmp(const char *a, const char *b);

#endif
