#!/usr/bin/env bash
# import: what the Console bulk import and ttn-lw-cli end-devices create do,
# device by device, going on past a bad one.
. "$(dirname "$0")/lib.sh"

start_emu SRC --seed "$FIX/seed-export.jsonl"
start_emu DST
export TTS_APP_ID=my-app TTS_APP_API_KEY=$KEY TTS_API_URL=$SRC
export DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$DST

# Fields the destination sets itself, and the ones that name the application.
NORM='del(.created_at, .updated_at, .session.started_at, .ids.application_ids, .attributes["old-id"])
      | if .session then .session.keys |= (.s_nwk_s_int_key //= .f_nwk_s_int_key | .nwk_s_enc_key //= .f_nwk_s_int_key) else . end'

"$BIN" tts application my-app --dry-run >"$TMP/devices.json" 2>/dev/null
run_tool import --concurrency 1 <"$TMP/devices.json"
assert_rc "import of the export exits 0" 0
assert_contains "import summary" "$ERR" "created 4 of 4 devices, failed 0"
TTS_API_URL=$DST TTS_APP_ID=cloud-app "$BIN" tts application cloud-app --dry-run >"$TMP/back.json" 2>/dev/null
for id in otaa-dev abp-dev otaa-nosess classb-dev; do
	a=$(jq -cS --arg id "$id" "select(.ids.device_id == \$id) | $NORM" "$TMP/devices.json")
	b=$(jq -cS --arg id "$id" "select(.ids.device_id == \$id) | $NORM" "$TMP/back.json")
	if [ -n "$a" ] && [ "$a" == "$b" ]; then ok "round trip $id: equal field by field"; else
		not_ok "round trip $id: equal field by field" "$(diff <(jq -S . <<<"$a") <(jq -S . <<<"$b") | head -20)"
	fi
done
assert_eq "destination application replaces the file's" '["cloud-app"]' \
	"$(jq -s -c '[.[].ids.application_ids.application_id] | unique' "$TMP/back.json")"
assert_eq "NS and AS got the same session_key_id" "eVNOD7hXFrwVAnqypet9Og== eVNOD7hXFrwVAnqypet9Og==" \
	"$(emu_devices "$DST" | jq -r '[(.ns[], .as[]) | select(.ids.device_id == "otaa-dev") | .session.keys.session_key_id] | join(" ")')"
assert_eq "ABP device not sent to the JS" "[]" \
	"$(emu_devices "$DST" | jq -c '[.js[] | select(.ids.device_id == "abp-dev")]')"
assert_eq "import order IS create, JS, NS, AS" \
	'["POST /api/v3/applications/cloud-app/devices","PUT /api/v3/js/applications/cloud-app/devices/otaa-dev","PUT /api/v3/ns/applications/cloud-app/devices/otaa-dev","PUT /api/v3/as/applications/cloud-app/devices/otaa-dev"]' \
	"$(emu_requests "$DST" | jq -c '[.[] | select(.method != "GET") | "\(.method) \(.path)"] | index("PUT /api/v3/js/applications/cloud-app/devices/otaa-dev") as $i | .[$i-1:$i+3]')"

# Again: every device exists; nothing is overwritten or rolled back.
emu_clear_requests "$DST"
run_tool import "$TMP/devices.json"
assert_rc "re-import fails" 1
assert_contains "re-import: the checks see the existing ids" "$ERR" "the destination application already has a device with this ID"
run_tool import --force "$TMP/devices.json"
assert_rc "re-import with --force fails at the server" 1
assert_contains "re-import --force: already registered" "$ERR" "already registered at the destination"
assert_eq "re-import: no delete (existing devices untouched)" 0 \
	"$(emu_requests "$DST" | jq '[.[] | select(.method == "DELETE")] | length')"

# Another application, from a file, as one JSON array, pretty-printed.
start_emu DST2
jq -s . "$TMP/devices.json" >"$TMP/array.json"
DEST_TTS_API_URL=$DST2 run_tool import --app-id other-app "$TMP/array.json"
assert_rc "import --app-id of a JSON array exits 0" 0
assert_eq "all four in other-app" 4 "$(emu_devices "$DST2" | jq '[.is[] | select(.ids.application_ids.application_id == "other-app")] | length')"
start_emu DST3
jq . "$TMP/devices.json" >"$TMP/pretty.json"
DEST_TTS_API_URL=$DST3 run_tool import --dest.app-id pretty-app "$TMP/pretty.json" --dev-id-prefix cl
assert_rc "pretty-printed input with a prefix exits 0" 0
assert_eq "prefixed ids" '["cl-abp-dev","cl-classb-dev","cl-otaa-dev","cl-otaa-nosess"]' \
	"$(emu_devices "$DST3" | jq -c '[.is[].ids.device_id] | sort')"

# ttn-lw-cli end-devices get output: addresses and ids.dev_addr, alias versions.
start_emu DST4
jq -c 'select(.ids.device_id == "otaa-dev") | .ids.dev_addr = .session.dev_addr | .network_server_address = "eu1.cloud.thethings.network"
	| .application_server_address = "eu1.cloud.thethings.network" | .lorawan_version = "1.0.2" | .lorawan_phy_version = "1.0.2-b"' \
	"$TMP/devices.json" >"$TMP/cli.json"
jq -c 'select(.ids.device_id == "abp-dev") | .lorawan_version = "MAC_V1_0_3" | .lorawan_phy_version = "RP001_V1_0_3_REV_A"' \
	"$TMP/devices.json" >>"$TMP/cli.json"
DEST_TTS_API_URL=$DST4 run_tool import "$TMP/cli.json"
assert_rc "ttn-lw-cli output with version aliases imports" 0
assert_eq "versions stored by their names" "MAC_V1_0_2 PHY_V1_0_2_REV_B" \
	"$(emu_devices "$DST4" | jq -r '.ns[] | select(.ids.device_id == "otaa-dev") | "\(.lorawan_version) \(.lorawan_phy_version)"')"
# The file's addresses are dropped; the destination's hosts are set, as
# ttn-lw-cli and the Console do (join_server_address only for OTAA).
assert_eq "destination server addresses at the IS (not the file's)" \
	"otaa-dev 127.0.0.1 127.0.0.1 127.0.0.1|abp-dev 127.0.0.1 127.0.0.1 -" \
	"$(emu_devices "$DST4" | jq -r '[.is[] | "\(.ids.device_id) \(.network_server_address) \(.application_server_address) \(.join_server_address // "-")"] | sort | reverse | join("|")')"

# Bad input: each bad device named, the good ones still imported.
start_emu DST5
good=$(jq -c 'select(.ids.device_id == "otaa-nosess")' "$TMP/devices.json")
{
	echo "$good" | jq -c '.ids.device_id = "good-one"'
	echo "$good" | jq -c '.ids.device_id = "bad-eui" | .ids.dev_eui = "XYZ"'
	echo "$good" | jq -c '.ids.device_id = "bad-key" | .ids.dev_eui = "70B3D57ED005AAA1" | .root_keys.app_key.key = "1234"'
	echo "$good" | jq -c '.ids.device_id = "bad-type" | .ids.dev_eui = "70B3D57ED005AAA2" | .supports_join = "yes"'
	echo "$good" | jq -c '.ids.device_id = "good-two" | .ids.dev_eui = "70B3D57ED005AAA3" | .unknown_field = {"x": 1}'
	echo "$good" | jq -c '.ids.device_id = "good-one" | .ids.dev_eui = "70B3D57ED005AAA4"'
	echo "$good" | jq -c '.ids.device_id = "bad-fp" | .ids.dev_eui = "70B3D57ED005AAA5" | .frequency_plan_id = "NO_SUCH_PLAN"'
	echo "$good" | jq -c '.ids.device_id = "bad-version" | .ids.dev_eui = "70B3D57ED005AAA6" | .lorawan_version = "9.9"'
	jq -c 'select(.ids.device_id == "abp-dev") | .ids.device_id = "abp-nosess" | del(.session)' "$TMP/devices.json"
	jq -c 'select(.ids.device_id == "otaa-dev") | .ids.device_id = "no-mac-state" | .ids.dev_eui = "70B3D57ED005AAA7" | del(.mac_state)' "$TMP/devices.json"
	jq -c 'select(.ids.device_id == "otaa-dev") | .ids.device_id = "addr-mismatch" | .ids.dev_eui = "70B3D57ED005AAA8" | .ids.dev_addr = "26011111"' "$TMP/devices.json"
	echo "$good" | jq -c '.ids.device_id = "zero-key" | .ids.dev_eui = "70B3D57ED005AAA9" | .root_keys.app_key.key = "00000000000000000000000000000000"'
	printf '{"ids": {"device_id": "truncated", '
} >"$TMP/bad.json"
DEST_TTS_API_URL=$DST5 run_tool import "$TMP/bad.json" --report "$TMP/report.json"
assert_rc "bad input: exit 1" 1
assert_eq "bad input: the good ones were created" '["good-one","good-two"]' \
	"$(emu_devices "$DST5" | jq -c '[.is[].ids.device_id] | sort')"
assert_contains "invalid EUI named" "$ERR" 'device "bad-eui": ids.dev_eui "XYZ": not an EUI (8 bytes of hex or base64) (check eui-invalid)'
assert_contains "invalid key named" "$ERR" 'device "bad-key": root_keys.app_key.key'
assert_contains "wrong type named" "$ERR" 'device "bad-type": supports_join: must be true or false'
assert_contains "duplicate id named" "$ERR" 'bad.json:6: device "good-one": ids.device_id "good-one": the device at '
assert_contains "unknown frequency plan refused by the checks" "$ERR" 'device "bad-fp": frequency_plan_id "NO_SUCH_PLAN": not a frequency plan'
assert_contains "unknown version named" "$ERR" 'device "bad-version": lorawan_version "9.9": not a LoRaWAN MAC version'
assert_contains "ABP without session refused" "$ERR" 'device "abp-nosess": session: missing on an ABP device'
assert_contains "a refusal names its rule and how to allow it" "$ERR" '(check abp-without-session; --allow abp-without-session imports it anyway)'
assert_contains "an all-zero key is refused by its rule" "$ERR" 'device "zero-key": root_keys.app_key.key: the key is all zeros (a --redact'"'"'ed export?); the device would not work (check key-all-zero;'
assert_contains "an unknown field is one summed-up warning" "$ERR" 'warning: 1 device: field-unknown: unknown_field: not a field'
assert_contains "session without MAC state refused" "$ERR" 'device "no-mac-state": mac_state:'
assert_contains "DevAddr mismatch refused" "$ERR" 'device "addr-mismatch": ids.dev_addr 26011111 differs from session.dev_addr'
assert_contains "all-zero (redacted) key refused" "$ERR" 'device "zero-key": root_keys.app_key.key: the key is all zeros'
assert_contains "truncated object named with one position" "$ERR" "bad.json:13:1: the object starting here is truncated"
# Past the checks (--force), the Network Server refuses it: rolled back.
start_emu DST7
grep '"bad-fp"' "$TMP/bad.json" >"$TMP/badfp.json"
DEST_TTS_API_URL=$DST7 run_tool import --force "$TMP/badfp.json"
assert_rc "NS refusal: exit 1" 1
assert_contains "NS refusal named" "$ERR" 'device "bad-fp": setting on the Network Server'
assert_eq "NS refusal: rolled back, nothing left" 0 "$(emu_devices "$DST7" | jq '[.[][]] | length')"
assert_eq "rolled-back device left nothing behind" 0 \
	"$(emu_devices "$DST5" | jq '[.[][] | select(.ids.device_id == "bad-fp")] | length')"
assert_jq "report lists every device with its status" "$TMP/report.json" \
	'.[0] | length == 13 and ([.[] | select(.status == "created")] | length) == 2'
assert_eq "report is mode 0600" 600 "$(stat -c %a "$TMP/report.json")"

# --force imports what the checks refuse (the NS builds a MAC state itself).
start_emu DST6
jq -c 'select(.ids.device_id == "otaa-dev") | del(.mac_state)' "$TMP/devices.json" >"$TMP/nomac.json"
DEST_TTS_API_URL=$DST6 run_tool import --force "$TMP/nomac.json"
assert_rc "--force imports a session without MAC state" 0
