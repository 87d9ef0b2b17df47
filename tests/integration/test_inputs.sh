#!/usr/bin/env bash
# Input shapes (src/io/devfile.h): every device file users have is read by
# import, check and clean; every object is a device or one error with one
# position; files that are not devices say what they are.
. "$(dirname "$0")/lib.sh"

IN="$FIX/inputs"
start_emu DST
export DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$DST
is_dev() { emu_devices "$DST" | jq -c --arg id "$1" ".is[] | select(.ids.device_id == \$id) | $2"; }
errors() { grep -c ': error: ' "$ERR"; }

# --- ttn-lw-cli end-devices list: "[" items ", " "]", pretty-printed -----------------------
run_tool clean "$IN/cli-list.json"
assert_rc "cli list: clean exits 0" 0
assert_eq "cli list: three devices, one per line" 3 "$(wc -l <"$OUT")"
assert_eq "cli list: 43.84 comes out as 43.84 (not 43.840000000000003)" 1 \
	"$(grep -c '"latitude":43.84,"longitude":-1.43,"altitude":12,' "$OUT")"
run_tool import "$IN/cli-list.json"
assert_rc "cli list: import exits 0" 0
assert_contains "cli list: 3 of 3" "$ERR" "created 3 of 3 devices, failed 0"

# --- the API's List response {"end_devices": [...]} -----------------------------------------
run_tool clean "$IN/api-list.json"
assert_rc "api list: clean exits 0" 0
assert_eq "api list: its two devices, cleaned" '["in-dev-4",null,null,"in-dev-5",null,null]' \
	"$(jq -s -c '[.[] | .ids.device_id, .ids.dev_addr, .network_server_address]' "$OUT")"
run_tool import "$IN/api-list.json"
assert_rc "api list: import exits 0" 0
assert_contains "api list: 2 of 2" "$ERR" "created 2 of 2 devices, failed 0"
run_tool check --format json "$IN/api-list.json"
assert_contains "api list: check counts 2 devices" "$ERR" "in 2 devices"
assert_eq "api list: no malformed finding" 0 "$(jq '[.[] | select(.rule == "json-malformed")] | length' "$OUT")"

# --- a SetEndDeviceRequest body: one error saying what it is ---------------------------------
run_tool import "$IN/request-body.json"
assert_rc "request body: import exits 1" 1
assert_contains "request body: named" "$ERR" \
	"request-body.json:1:1: an API request body (SetEndDeviceRequest), not a device: the device is under end_device"
assert_eq "request body: one error line" 1 "$(errors)"
assert_eq "request body: nothing created" null "$(is_dev in-dev-6 .name | head -1 | grep . || echo null)"

# --- The Things Stack CSV, comma-separated, with an id column ---------------------------------
run_tool import "$IN/comma.csv"
assert_rc "comma csv: import exits 0" 0
assert_contains "comma csv: 3 of 3 (the header is no device)" "$ERR" "created 3 of 3 devices, failed 0"
assert_eq "comma csv: quoted name with a comma" '"Second, with a comma"' "$(is_dev csv-two .name)"
assert_eq "comma csv: versions by their names" '"MAC_V1_0_3 PHY_V1_0_3_REV_A"' \
	"$(emu_devices "$DST" | jq -c '.ns[] | select(.ids.device_id == "csv-one") | "\(.lorawan_version) \(.lorawan_phy_version)"')"
assert_eq "comma csv: DevEUI upper-case" '"70B3D57ED0020002"' "$(is_dev csv-two .ids.dev_eui)"
run_tool check --format json "$IN/comma.csv"
assert_contains "comma csv: check counts 3 devices" "$ERR" "in 3 devices"

# --- CSV with ';', a BOM, CRLF, app_eui, no id column, an unknown column, a bad row -----------
run_tool clean "$IN/semicolon.csv"
assert_rc "semicolon csv: clean exits 1 (one bad row)" 1
assert_eq "semicolon csv: two devices, ids from the DevEUI" '["eui-70b3d57ed0030001","eui-70b3d57ed0030002"]' \
	"$(jq -s -c '[.[].ids.device_id]' "$OUT")"
assert_eq "semicolon csv: fields as the converter maps them" \
	'["70B3D57ED0001234","semi; colon",true,5,10,true]' \
	"$(head -n1 "$OUT" | jq -c '[.ids.join_eui, .name, .supports_class_c, .mac_settings.rx1_delay, .lora_alliance_profile_ids.vendor_id, .supports_join]')"
assert_contains "semicolon csv: the bad row named with its line and field" "$ERR" \
	'semicolon.csv:5:1: dev_eui: "70B3D57ED003000Z" is not an EUI'
assert_contains "semicolon csv: unknown column said once" "$ERR" 'ignored: "Comment"'
assert_eq "semicolon csv: one error" 1 "$(errors)"
run_tool import "$IN/semicolon.csv"
assert_contains "semicolon csv: import 2 of 3" "$ERR" "created 2 of 3 devices, failed 1"

# --- encodings ----------------------------------------------------------------------------
run_tool import "$IN/utf16le-bom.json"
assert_rc "UTF-16 LE: import exits 0" 0
assert_contains "UTF-16 LE: 2 of 2" "$ERR" "created 2 of 2 devices, failed 0"
assert_eq "UTF-16 LE: accents kept" '"utf16 été"' "$(is_dev in-dev-19 .name)"
run_tool import "$IN/cp1252.json"
assert_rc "Windows-1252: import exits 0" 0
assert_contains "Windows-1252: 2 of 2" "$ERR" "created 2 of 2 devices, failed 0"
assert_eq "Windows-1252: converted" '"Café Müller €"' "$(is_dev in-dev-17 .name)"
assert_eq "Windows-1252: one warning naming file and line" 1 \
	"$(grep -c 'warning: .*cp1252.json:1: not UTF-8; read as Windows-1252' "$ERR")"

# --- junk is one error with its position, never a device -----------------------------------
run_tool import "$IN/trailing-percent.json"
assert_rc "trailing %: import exits 1" 1
assert_contains "trailing %: counted as one error" "$ERR" "created 2 of 3 devices, failed 1"
assert_contains "trailing %: one position" "$ERR" "trailing-percent.json:2:377: '%' is not JSON"
run_tool import "$IN/garbage-line.json"
assert_contains "garbage line: 2 devices and 1 error" "$ERR" "created 2 of 3 devices, failed 1"
assert_contains "garbage line: named by line and column" "$ERR" "garbage-line.json:2:1: not JSON"
assert_eq "garbage line: the device after it" '"g two"' "$(is_dev in-dev-13 .name)"

# --- [{a},5,{b},{c}]: the element after a number is still read ------------------------------
run_tool import "$IN/array-number.json"
assert_rc "array with a number: import exits 1" 1
assert_contains "array with a number: 3 devices, 1 error" "$ERR" "created 3 of 4 devices, failed 1"
assert_contains "array with a number: element 2 named" "$ERR" \
	"array-number.json:1:353: element 2 of the array is a number, not a device object"
assert_eq "array with a number: b and c created" '"arr 8" "arr 9"' \
	"$(echo $(is_dev in-dev-8 .name) $(is_dev in-dev-9 .name))"
run_tool check --format json "$IN/array-number.json"
assert_rc "array with a number: check exits 1" 1
assert_eq "array with a number: check's finding at the element" "$IN/array-number.json:1:353" \
	"$(jq -r '.[] | select(.rule == "json-malformed") | .input' "$OUT")"

# --- pretty-printed objects, one malformed: one position -----------------------------------
run_tool import "$IN/pretty-multi.json"
assert_contains "pretty: 2 of 3" "$ERR" "created 2 of 3 devices, failed 1"
assert_contains "pretty: the error at its line and column" "$ERR" \
	"pretty-multi.json:34:25: malformed JSON: string or '}' expected near ','"
assert_not_contains "pretty: no second line number" "$ERR" "line 34"

# --- an object over 16 MiB: an error, and the objects after it are read ----------------------
{
	jq -c '.[0] | .ids.device_id = "big-before" | .ids.dev_eui = "70B3D57ED0040001"' "$IN/cli-list.json"
	printf '{"ids":{"device_id":"big"},"description":"'
	head -c $((17 << 20)) /dev/zero | tr '\0' a
	printf '"}\n'
	jq -c '.[1] | .ids.device_id = "big-after-1" | .ids.dev_eui = "70B3D57ED0040002"' "$IN/cli-list.json"
	jq -c '.[2] | .ids.device_id = "big-after-2" | .ids.dev_eui = "70B3D57ED0040003"' "$IN/cli-list.json"
} >"$TMP/big.json"
run_tool import "$TMP/big.json"
assert_rc "big object: import exits 1" 1
assert_contains "big object: named" "$ERR" "big.json:2:1: the object starting here is larger than 16 MiB; skipped"
assert_contains "big object: the ones after it imported" "$ERR" "created 3 of 4 devices, failed 1"
assert_eq "big object: big-after-2 exists" '"big-after-2"' "$(is_dev big-after-2 .ids.device_id)"

# --- files that are not devices ----------------------------------------------------------------
printf 'PK\003\004\024\000\006\000' >"$TMP/devices.xlsx"
run_tool check "$TMP/devices.xlsx"
assert_rc "xlsx: check exits 1" 1
run_tool clean "$TMP/devices.xlsx"
assert_contains "xlsx: said what it is" "$ERR" "devices.xlsx:1:1: a ZIP archive (an Excel .xlsx workbook?)"
assert_eq "xlsx: one error" 1 "$(errors)"
printf 'DevEUI,AppKey\n0011223344556677,00112233445566778899AABBCCDDEEFF\n' >"$TMP/other.csv"
run_tool clean "$TMP/other.csv"
assert_contains "csv without known columns: one error" "$ERR" "other.csv:1:1: not The Things Stack CSV"
assert_eq "csv without known columns: one error only" 1 "$(errors)"
