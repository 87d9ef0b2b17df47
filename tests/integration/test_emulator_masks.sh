#!/usr/bin/env bash
# The tool against an emulator that checks field masks by TTS's own rules (exact paths per
# RPC, oneof names in masks but not in JSON): devices with oneofs (ADR modes, relay modes,
# empty members such as "disabled":{}), a JS Struct (provisioning_data), EUIs taken in
# another application, and a refusal the tool cannot foresee (--fail-route).
. "$(dirname "$0")/lib.sh"

APP=dst-app
export DEST_TTS_APP_ID=$APP DEST_TTS_APP_API_KEY=$KEY

# dev ID DEVEUI EXTRA: an OTAA device (no session) with EXTRA merged in.
dev() {
	jq -c -n --arg id "$1" --arg eui "$2" --argjson extra "$3" '{
		ids: {device_id: $id, application_ids: {application_id: "'$APP'"}, dev_eui: $eui,
		      join_eui: "0000000000000001"},
		lorawan_version: "MAC_V1_0_3", lorawan_phy_version: "PHY_V1_0_3_REV_A",
		frequency_plan_id: "EU_863_870_TTN", supports_join: true,
		root_keys: {app_key: {key: ("A0A0A0A0A0A0A0A0A0A0A0A0" + ($eui | .[12:16]) + "0000")}}
	} * $extra'
}

{
	dev adr-dynamic 70B3D57ED0000001 '{"mac_settings":{"rx1_delay":1,"adr":{"dynamic":{"margin":12,"min_data_rate_index":"DATA_RATE_1","channel_steering":{"disabled":{}}}}}}'
	dev adr-static 70B3D57ED0000002 '{"mac_settings":{"adr":{"static":{"data_rate_index":"DATA_RATE_3","nb_trans":2,"tx_power_index":1}}}}'
	dev adr-disabled 70B3D57ED0000003 '{"mac_settings":{"adr":{"disabled":{}}}}'
	dev relay-served 70B3D57ED0000004 '{"mac_settings":{"relay":{"served":{"always":{},"serving_device_id":"relay-one"}}}}'
	dev provisioned 70B3D57ED0000005 '{"provisioning_data":{"lot":"A7","serial":12}}'
} >"$TMP/oneofs.jsonl"

# Which requests the emulator refused, with the paths TTS would have refused.
refused() { emu_requests "$1" | jq -c '[.[] | select(.status >= 400 and .status != 404)
	| {method, path, error, forbidden_paths}]'; }

# --- import: every device created, every setting kept ------------------------------------------
start_emu DST
DEST_TTS_API_URL=$DST run_tool import --concurrency 1 "$TMP/oneofs.jsonl"
assert_rc "import of devices with oneofs exits 0" 0
assert_contains "import: all created" "$ERR" "created 5 of 5 devices, failed 0"
assert_eq "import: no request refused (forbidden mask paths, non-zero paths)" "[]" "$(refused "$DST")"
emu_devices "$DST" >"$TMP/dst.json"
for id in adr-dynamic adr-static adr-disabled relay-served; do
	assert_eq "import: $id keeps its mac_settings (oneof members, empty ones too)" \
		"$(jq -cS --arg id "$id" 'select(.ids.device_id == $id) | .mac_settings' "$TMP/oneofs.jsonl")" \
		"$(jq -cS --arg id "$id" '.ns[] | select(.ids.device_id == $id) | .mac_settings' "$TMP/dst.json")"
done
assert_eq "import: the JS keeps provisioning_data" '{"lot":"A7","serial":12}' \
	"$(jq -cS '.js[] | select(.ids.device_id == "provisioned") | .provisioning_data' "$TMP/dst.json")"

# --- migrate: the same devices read from a source and created at a destination ---------------------
start_emu SRC --seed "$TMP/oneofs.jsonl"
start_emu DST2
TTS_APP_ID=$APP TTS_APP_API_KEY=$KEY TTS_API_URL=$SRC DEST_TTS_API_URL=$DST2 DEST_TTS_APP_ID=cloud-app \
	run_tool tts application $APP --to-dest --journal "$TMP/j.db"
assert_rc "migrate of devices with oneofs exits 0" 0
assert_eq "migrate: the source answered every read" "[]" "$(refused "$SRC")"
assert_eq "migrate: no request refused at the destination" "[]" "$(refused "$DST2")"
assert_eq "migrate: ADR disabled:{} kept" '{"disabled":{}}' \
	"$(emu_devices "$DST2" | jq -c '.ns[] | select(.ids.device_id == "adr-disabled") | .mac_settings.adr')"
assert_eq "migrate: dynamic ADR margin kept" 12 \
	"$(emu_devices "$DST2" | jq -c '.ns[] | select(.ids.device_id == "adr-dynamic") | .mac_settings.adr.dynamic.margin')"

# --- EUIs registered in another application of the destination ------------------------------------
start_emu DST3
dev squatter 70B3D57ED0000009 '{}' | jq -c '.ids.application_ids.application_id = "other-app"' |
	DEST_TTS_API_URL=$DST3 DEST_TTS_APP_ID=other-app "$BIN" import 2>/dev/null
dev newcomer 70B3D57ED0000009 '{}' >"$TMP/newcomer.jsonl"
DEST_TTS_API_URL=$DST3 run_tool import --force "$TMP/newcomer.jsonl"
assert_rc "EUIs taken in another application: exit 1" 1
assert_eq "EUIs taken: the IS answered 409 end_device_euis_taken" \
	'[{"status":409,"error":"pkg/identityserver:end_device_euis_taken"}]' \
	"$(emu_requests "$DST3" | jq -c '[.[] | select(.method == "POST" and .status >= 400) | {status, error}]')"
assert_eq "EUIs taken: one error line naming the device" 1 "$(grep -c 'newcomer' "$ERR")"
assert_eq "EUIs taken: nothing created for the newcomer" 0 \
	"$(emu_devices "$DST3" | jq '[.[][] | select(.ids.device_id == "newcomer")] | length')"

# --- a refusal the tool cannot foresee: the NS Set of one application ------------------------------
start_emu DST4 --fail-route "PUT:/ns/applications/$APP/devices:400"
dev refused-one 70B3D57ED000000A '{}' >"$TMP/refused.jsonl"
DEST_TTS_API_URL=$DST4 run_tool import "$TMP/refused.jsonl"
assert_rc "refused NS Set: exit 1" 1
assert_contains "refused NS Set: names the device" "$ERR" '"refused-one"'
assert_contains "refused NS Set: names the component" "$ERR" "Network Server"
assert_contains "refused NS Set: carries the server's error" "$ERR" "injected_refusal"
assert_eq "refused NS Set: what was created is rolled back" 0 \
	"$(emu_devices "$DST4" | jq '[.[][]] | length')"
