#!/usr/bin/env bash
# Source wanesy: the Kerlink WMC CSV export, read as Go's encoding/csv reads
# it, mapped as sources.md §3 says (with the Go tool's bugs fixed), checked,
# imported and migrated into the TTS emulator. Fixtures: tests/fixtures/wanesy
# (upstream.csv is the Go tool's test row; mixed.csv has CRLF, quoted fields,
# ABP, class C, LoRaWAN 1.1, a duplicate DevEUI and bad rows).
. "$(dirname "$0")/lib.sh"

W="$FIX/wanesy"
unset APP_ID FREQUENCY_PLAN_ID CSV_PATH 2>/dev/null || true

# ---- the Go tool's own test case ------------------------------------------------------
run_tool wanesy application --app-id test-app --frequency-plan-id EU_863_870 \
	--csv-path "$W/upstream.csv" --all </dev/null
assert_rc "upstream row: exit 0" 0
cp "$OUT" "$TMP/up.jsonl"
assert_eq "upstream row: one device" 1 "$(wc -l <"$TMP/up.jsonl")"
assert_eq "upstream row: ids" \
	'{"device_id":"1111111111111111","application_ids":{"application_id":"test-app"},"dev_eui":"1111111111111111","join_eui":"1111111111111111"}' \
	"$(jq -c .ids "$TMP/up.jsonl")"
assert_eq "upstream row: name, versions, plan, OTAA" \
	'["Test","MAC_V1_0_2","PHY_V1_0_2_REV_A","EU_863_870",true]' \
	"$(jq -c '[.name, .lorawan_version, .lorawan_phy_version, .frequency_plan_id, .supports_join]' "$TMP/up.jsonl")"
assert_eq "upstream row: root key" '"22222222222222222222222222222222"' "$(jq -c .root_keys.app_key.key "$TMP/up.jsonl")"
assert_eq "upstream row: session (odd-length DevAddr gets a leading 0; counters decimal)" \
	'["01234567","33333333333333333333333333333333","44444444444444444444444444444444",20,10,10]' \
	"$(jq -c '.session | [.dev_addr, .keys.f_nwk_s_int_key.key, .keys.app_s_key.key, .last_f_cnt_up, .last_n_f_cnt_down, .last_a_f_cnt_down]' "$TMP/up.jsonl")"
assert_jq "upstream row: OTAA session has a 16-byte session_key_id and started_at" "$TMP/up.jsonl" \
	'.[0] | (.session.keys.session_key_id | test("^[A-Za-z0-9+/]{22}==$")) and (.session.started_at | test("^20[0-9][0-9]-"))'
assert_eq "upstream row: MAC state channels = EU_863_870's 8, all enabled, DR0-5" \
	'[["867100000",5,true],["867300000",5,true],["867500000",5,true],["867700000",5,true],["867900000",5,true],["868100000",5,true],["868300000",5,true],["868500000",5,true]]' \
	"$(jq -c '[.mac_state.desired_parameters.channels[] | [.uplink_frequency, .max_data_rate_index, .enable_uplink]] | sort' "$TMP/up.jsonl")"
assert_jq "upstream row: current = desired, RX2 869.525 MHz DR0, RX1 1 s" "$TMP/up.jsonl" \
	'.[0] | .mac_state.current_parameters == .mac_state.desired_parameters and .mac_state.current_parameters.rx2_frequency == "869525000" and (.mac_state.current_parameters.rx2_data_rate_index // 0) == 0 and .mac_state.current_parameters.rx1_delay == 1 and .mac_state.lorawan_version == "MAC_V1_0_2"'

# Both spellings, and the environment.
run_tool device --source wanesy 1111111111111111 --wanesy.csv-path "$W/upstream.csv" \
	--wanesy.app-id test-app --wanesy.frequency-plan-id EU_863_870
assert_rc "--source wanesy with --wanesy.* flags: exit 0" 0
NOISE='del(.session.keys.session_key_id, .session.started_at)'
assert_eq "--wanesy.* spelling exports the same device" "$(jq -cS "$NOISE" "$TMP/up.jsonl")" "$(jq -cS "$NOISE" "$OUT")"
APP_ID=test-app FREQUENCY_PLAN_ID=EU_863_870 CSV_PATH="$W/upstream.csv" run_tool wanesy device 1111111111111111
assert_rc "APP_ID, FREQUENCY_PLAN_ID, CSV_PATH from the environment: exit 0" 0
assert_eq "environment: the same device" "$(jq -cS "$NOISE" "$TMP/up.jsonl")" "$(jq -cS "$NOISE" "$OUT")"

# ---- CRLF, quotes, ABP, class C, 1.1, duplicates, bad rows ---------------------------
export APP_ID=my-app FREQUENCY_PLAN_ID=EU_863_870_TTN CSV_PATH="$W/mixed.csv"
run_tool wanesy application --all --concurrency 1 </dev/null
assert_rc "mixed file: exit 1 (bad rows)" 1
cp "$OUT" "$TMP/mixed.jsonl"
cp "$ERR" "$TMP/mixed.err"
assert_eq "mixed file: the four good devices" \
	'["70b3d57ed0000001","70b3d57ed0000002","70b3d57ed0000003","70b3d57ed0000004"]' \
	"$(jq -s -c '[.[].ids.device_id] | sort' "$TMP/mixed.jsonl")"
assert_contains "summary counts every row" "$ERR" "exported 4 of 8 devices, failed 4"
sel() { jq -c --arg id "$1" "select(.ids.device_id == \$id) | $2" "$TMP/mixed.jsonl"; }
assert_eq "quoted name with doubled quotes" '"Sensor \"north\""' "$(sel 70b3d57ed0000001 .name)"
assert_eq "quoted name with a CRLF inside (read as LF)" '"Meter\nbasement"' "$(sel 70b3d57ed0000002 .name)"
assert_eq "OTAA 1.0.3: ids, versions" \
	'["70B3D57ED0000001","70B3D57ED00000AA","MAC_V1_0_3","PHY_V1_0_3_REV_A"]' \
	"$(sel 70b3d57ed0000001 '[.ids.dev_eui, .ids.join_eui, .lorawan_version, .lorawan_phy_version]')"
assert_eq "rx1Delay, rx1DrOffset, rx2Dr, rx2Freq into mac_settings" \
	'{"rx1_delay":5,"desired_rx2_data_rate_index":3,"desired_rx1_data_rate_offset":1,"desired_rx2_frequency":"869525000"}' \
	"$(sel 70b3d57ed0000001 .mac_settings)"
assert_eq "... and into both MAC parameter sets" '[5,3,1,5,3,1]' \
	"$(sel 70b3d57ed0000001 '[.mac_state.current_parameters, .mac_state.desired_parameters | .rx1_delay, .rx2_data_rate_index, .rx1_data_rate_offset]')"
assert_eq "location from latitude/longitude/altitude (not rx2Dr)" \
	'{"user":{"latitude":48.85,"longitude":2.35,"source":"SOURCE_REGISTRY","altitude":35}}' \
	"$(sel 70b3d57ed0000001 .locations)"
assert_eq "session counters" '[1234,5,5]' \
	"$(sel 70b3d57ed0000001 '.session | [.last_f_cnt_up, .last_n_f_cnt_down, .last_a_f_cnt_down]')"
assert_eq "ABP class C 1.0.2 rev B: no join, no session key id, class C MAC state" \
	'[null,true,"PHY_V1_0_2_REV_B",null,null,"CLASS_C","26011234",99999,70000]' \
	"$(sel 70b3d57ed0000002 '[.supports_join, .supports_class_c, .lorawan_phy_version, .ids.join_eui, .session.keys.session_key_id, .mac_state.device_class, .session.dev_addr, .session.last_f_cnt_up, .session.last_n_f_cnt_down]')"
assert_eq "1.1: FNwkSIntKey, SNwkSIntKey, NwkSEncKey = NwkSKey; short DevAddr padded" \
	'["404142434445464748494A4B4C4D4E4F","505152535455565758595A5B5C5D5E5F","606162636465666768696A6B6C6D6E6F","707172737475767778797A7B7C7D7E7F","00ABCDEF","MAC_V1_1"]' \
	"$(sel 70b3d57ed0000003 '[.session.keys.f_nwk_s_int_key.key, .session.keys.s_nwk_s_int_key.key, .session.keys.nwk_s_enc_key.key, .session.keys.app_s_key.key, .session.dev_addr, .mac_state.lorawan_version]')"
assert_eq "OTAA without session: exported without session and MAC state; later row wins" \
	'["nosession (later row)",null,null]' "$(sel 70b3d57ed0000004 '[.name, .session, .mac_state]')"
assert_contains "duplicate DevEUI warned" "$ERR" "line 11: DevEUI 70B3D57ED0000004 again (first on line 6)"
assert_contains "bad key: one line naming DevEUI, line and column" "$ERR" \
	"device 70B3D57ED0000005 ($W/mixed.csv line 7): NwkSKey: not a key (32 hex digits)"
assert_not_contains "bad key's value is not printed" "$ERR" "XYZ"
assert_contains "bad version: names DevEUI and field" "$ERR" \
	'device 70B3D57ED0000006 ('"$W"'/mixed.csv line 8): macVersion: "1.2.0": not a LoRaWAN version'
assert_contains "bad DevEUI: names the line and field" "$ERR" \
	'mixed.csv line 9: devEui: "NOT-AN-EUI" is not a DevEUI'
assert_contains "short row: names the line and the counts" "$ERR" "mixed.csv line 10: 3 fields, the header has 40"
assert_eq "four error lines, one per bad row" 4 "$(grep -c 'error:' "$ERR")"
assert_not_contains "no session key in the log" "$ERR" "202122232425262728292A2B2C2D2E2F"

# ---- check, import ----------------------------------------------------------------------
run_tool check --format json "$TMP/mixed.jsonl"
assert_rc "check accepts the export" 0
assert_eq "check: no errors or warnings" 0 "$(jq '[.[] | select(.severity != "info")] | length' "$OUT")"
start_emu DST
export DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$DST
run_tool import "$TMP/mixed.jsonl"
assert_rc "import into the emulator: exit 0" 0
assert_contains "import: all four created" "$ERR" "created 4 of 4 devices, failed 0"
assert_eq "NS has the MAC state and the counters" '[8,5,1234]' \
	"$(emu_devices "$DST" | jq -c '.ns[] | select(.ids.device_id == "70b3d57ed0000001") | [(.mac_state.current_parameters.channels | length), .mac_state.current_parameters.rx1_delay, .session.last_f_cnt_up]')"
assert_eq "AS has the AppSKey" '"101112131415161718191A1B1C1D1E1F"' \
	"$(emu_devices "$DST" | jq -c '.as[] | select(.ids.device_id == "70b3d57ed0000001") | .session.keys.app_s_key.key')"
assert_eq "JS has the root key of the OTAA device only" '["70b3d57ed0000001","70b3d57ed0000004"]' \
	"$(emu_devices "$DST" | jq -c '[.js[].ids.device_id] | sort')"

# US915 sub-band 2: 72 channels, the 8 of FSB 2 and the 500 kHz one enabled.
FREQUENCY_PLAN_ID=US_902_928_FSB_2 run_tool wanesy device 70B3D57ED0000001
assert_rc "US plan, row with an EU rx2Freq: exit 1" 1
assert_contains "US plan, EU rx2Freq: refused, naming the field" "$ERR" \
	"device 70B3D57ED0000001 ($W/mixed.csv line 2): mac_settings.rx2_frequency: 869525000 Hz is outside band US_902_928"
FREQUENCY_PLAN_ID=US_902_928_FSB_2 run_tool wanesy device 70B3D57ED0000002
assert_rc "US_902_928_FSB_2: exit 0" 0
assert_eq "US915 FSB2: 72 channels, 9 enabled (903.9-905.3 MHz DR0-3, 904.6 MHz DR4)" \
	'[72,[["903900000",0,3],["904100000",0,3],["904300000",0,3],["904500000",0,3],["904600000",4,4],["904700000",0,3],["904900000",0,3],["905100000",0,3],["905300000",0,3]]]' \
	"$(jq -c '.mac_state.desired_parameters.channels | [length, ([.[] | select(.enable_uplink) | [.uplink_frequency, (.min_data_rate_index // 0), .max_data_rate_index]] | sort)]' "$OUT")"
cp "$OUT" "$TMP/us.jsonl"
run_tool check --format json "$TMP/us.jsonl"
assert_eq "check: the US915 export has no errors" 0 "$(jq '[.[] | select(.severity == "error")] | length' "$OUT")"

# ---- refusals -----------------------------------------------------------------------------
run_tool wanesy device 70B3D57ED0000001 not-an-eui 70B3D57ED0000099
assert_rc "device items: bad and unknown ones fail, exit 1" 1
assert_eq "device items: the good one exported" '"70b3d57ed0000001"' "$(jq -c .ids.device_id "$OUT")"
assert_contains "device items: not a DevEUI" "$ERR" 'device "not-an-eui": not a DevEUI'
assert_contains "device items: unknown DevEUI" "$ERR" 'device "70b3d57ed0000099": no row with this DevEUI'
run_tool wanesy application my-app </dev/null
assert_rc "application without --all: exit 1" 1
assert_contains "application without --all: says so" "$ERR" "give --all"
CSV_PATH="$W/semicolon.csv" run_tool wanesy application --all </dev/null
assert_rc "semicolon file: exit 2" 2
assert_contains "semicolon file: says what is wrong" "$ERR" "no \"devEui\" column (the file is separated by ';'"
CSV_PATH="$W/no-version.csv" run_tool wanesy application --all </dev/null
assert_contains "header without macVersion: refused (case-insensitive devEui found)" "$ERR" 'no "macVersion" column'
CSV_PATH="$W/badquote.csv" run_tool wanesy application --all </dev/null
assert_rc "stray quote: exit 2" 2
assert_contains "stray quote: line and column" "$ERR" 'badquote.csv: line 1, column 18: extraneous or missing " in quoted-field'
head -1 "$W/upstream.csv" >"$TMP/header-only.csv"
CSV_PATH="$TMP/header-only.csv" run_tool wanesy application --all </dev/null
assert_contains "header only: no devices" "$ERR" "no devices (a header and at least one row are needed)"
FREQUENCY_PLAN_ID=EU_999 run_tool wanesy application --all </dev/null
assert_rc "unknown frequency plan: exit 2" 2
assert_contains "unknown frequency plan: named" "$ERR" 'unknown frequency plan "EU_999"'
env -u APP_ID "$BIN" wanesy application --all </dev/null >/dev/null 2>"$TMP/noapp.err"
assert_contains "no application ID: says which variable" "$TMP/noapp.err" "set APP_ID or --app-id"

# ---- one-command migration (read-only source) --------------------------------------------
start_emu MIG
sum=$(sha256sum "$W/mixed.csv")
DEST_TTS_API_URL=$MIG run_tool wanesy application --all --to-dest --journal "$TMP/m.db" </dev/null
assert_rc "--to-dest: exit 1 (the bad rows)" 1
assert_contains "--to-dest: read-only source said" "$ERR" "the source is read-only"
assert_contains "--to-dest: 4 migrated, 4 failed" "$ERR" "migrated (verified) 4, already done 0, failed 4"
assert_eq "--to-dest: the four devices at the destination" \
	'["70b3d57ed0000001","70b3d57ed0000002","70b3d57ed0000003","70b3d57ed0000004"]' \
	"$(emu_devices "$MIG" | jq -c '[.is[] | select(.ids.application_ids.application_id == "cloud-app") | .ids.device_id] | sort')"
run_tool status --journal "$TMP/m.db"
assert_contains "status: nothing retired" "$OUT" "retired   0"
assert_contains "status: the bad row listed" "$OUT" "my-app/70b3d57ed0000005 (pending)"
assert_eq "the CSV file is untouched" "$sum" "$(sha256sum "$W/mixed.csv")"
DEST_TTS_API_URL=$MIG run_tool wanesy application --all --to-dest --journal "$TMP/m.db" </dev/null
assert_contains "--to-dest again: the four are done" "$ERR" "already done 4"
