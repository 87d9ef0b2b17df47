/*
 * The Things Stack identifiers: the id rule, the Identity Server's blocklist,
 * the exporter's id fix-ups and the end-device field validation that
 * lorawan-stack-migrate runs before it prints a device
 * (../shared/spec/sources.md §0 ExportDev, tts-api.md §5).
 */
#ifndef TTNM_CORE_IDS_H
#define TTNM_CORE_IDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define IDS_MAX_LEN 36
#define IDS_PATTERN "^[a-z0-9](?:[-]?[a-z0-9]){2,}$"

/* Upstream limits of EndDevice.ValidateFields, in characters (code points). */
#define IDS_NAME_MAX	    50
#define IDS_DESCRIPTION_MAX 2000
#define IDS_ATTR_MAX_PAIRS  10
#define IDS_ATTR_VALUE_MAX  200

/*
 * True when id matches IDS_PATTERN and has at most IDS_MAX_LEN characters:
 * lower-case letters, digits and single dashes, starting and ending with a
 * letter or digit, at least 3 letters or digits. Nothing is lower-cased.
 */
bool ids_valid(const char *id);

/*
 * True for an id the Identity Server refuses on Create with 400 forbidden_id.
 * This is a subset of lorawan-stack pkg/identityserver/blocklist (about 730
 * words) holding those an end device plausibly gets; the IS stays the
 * authority, and operators may add their own words there.
 */
bool ids_blocklisted(const char *id);

/*
 * The upstream exporter's id fix-ups on a TTS JSON end device, in order:
 *   1. empty/missing ids.device_id → lower-case hex of ids.dev_eui (which
 *      may be hex or base64); no usable EUI is an error;
 *   2. a non-empty prefix makes it "<prefix>-<id>";
 *   3. every '_' becomes '-';
 *   4. more than IDS_MAX_LEN characters is an error;
 *   5. when the id changed and the source gave a non-empty one,
 *      attributes["old-id"] is set to that original;
 *   6. ids.application_ids.application_id gets '_'→'-' and the length check.
 * The result is not otherwise validated (see ids_validate_device).
 * Returns 0, or -1 with a one-line message naming the id in err; dev may
 * then be partly changed.
 */
int ids_export_fixup(json_t *dev, const char *prefix, char *err, size_t errlen);

/*
 * The subset of upstream EndDevice.ValidateFields the exporter relies on:
 * ids.device_id and ids.application_ids.application_id valid; ids.dev_eui and
 * ids.join_eui, when non-empty, 8 bytes of hex or base64; name at most 50
 * and description at most 2000 characters; attributes at most 10 pairs with
 * keys that are valid ids and string values of at most 200 characters.
 * Returns 0, or -1 with a one-line message naming the first bad field, e.g.
 * `ids.device_id "Bad_Id": must match ^[a-z0-9](?:[-]?[a-z0-9]){2,}$ and be
 * at most 36 characters`.
 */
int ids_validate_device(const json_t *dev, char *err, size_t errlen);

#endif
