#!/usr/bin/env bash
# Real inputs: every device The Things Stack accepts moves, oneofs included
# (mac_settings.adr.{static,dynamic,disabled}, relay modes, empty members),
# and `check` refuses exactly what `import` refuses. Fixtures:
# tests/fixtures/real/ (our own files, built to the shapes users have).
. "$(dirname "$0")/lib.sh"
R="$FIX/real"

start_emu SRC --seed "$R/oneofs.jsonl"
start_emu DST
export TTS_APP_ID=my-app TTS_APP_API_KEY=$KEY TTS_API_URL=$SRC
export DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$DST

# Fields the destination sets itself, or that name the application.
NORM='del(.created_at, .updated_at, .session.started_at, .ids.application_ids)
      | if .session then .session.keys |= (.s_nwk_s_int_key //= .f_nwk_s_int_key | .nwk_s_enc_key //= .f_nwk_s_int_key) else . end'
IDS="adr-dynamic adr-dynamic-defaults adr-static adr-disabled abp-adr-disabled relay-served relay-serving relay-state"

# ---- oneofs: export → import → export, field by field -----------------------
"$BIN" tts application my-app --dry-run >"$TMP/export.json" 2>"$TMP/export.err"
assert_eq "export of the oneof devices: all 8" 8 "$(jq -s length "$TMP/export.json")"
assert_eq "an empty oneof member is exported" '{"disabled":{}}' \
	"$(jq -c 'select(.ids.device_id == "adr-disabled") | .mac_settings.adr' "$TMP/export.json")"
run_tool import "$TMP/export.json"
assert_rc "import of its own export of oneof devices exits 0" 0
assert_contains "import: all 8 created" "$ERR" "created 8 of 8 devices, failed 0"
assert_eq "the NS Set masks name the oneofs (mode)" "true" \
	"$(emu_requests "$DST" | jq '[.[] | select(.method == "PUT" and (.path | contains("/ns/")))] | length == 8')"
TTS_API_URL=$DST TTS_APP_ID=cloud-app "$BIN" tts application cloud-app --dry-run >"$TMP/back.json" 2>/dev/null
for id in $IDS; do
	a=$(jq -cS --arg id "$id" "select(.ids.device_id == \$id) | $NORM" "$TMP/export.json")
	b=$(jq -cS --arg id "$id" "select(.ids.device_id == \$id) | $NORM" "$TMP/back.json")
	if [ -n "$a" ] && [ "$a" == "$b" ]; then ok "oneof round trip $id: equal field by field"; else
		not_ok "oneof round trip $id: equal field by field" "$(diff <(jq -S . <<<"$a") <(jq -S . <<<"$b") | head -20)"
	fi
done
assert_eq "ADR stays off at the destination" '{"disabled":{}}' \
	"$(emu_devices "$DST" | jq -c '.ns[] | select(.ids.device_id == "abp-adr-disabled") | .mac_settings.adr')"

# ---- oneofs through --to-dest ------------------------------------------------
start_emu DST2
run_tool tts application my-app --to-dest --journal "$TMP/m.db" \
	--dest.api-url "$DST2" --dest.app-id moved-app
assert_rc "--to-dest of the oneof devices exits 0" 0
assert_contains "--to-dest: all verified" "$ERR" "migrated (verified) 8, already done 0, failed 0"
for id in $IDS; do
	a=$(jq -cS --arg id "$id" "select(.ids.device_id == \$id) | .mac_settings" "$TMP/export.json")
	b=$(emu_devices "$DST2" | jq -cS --arg id "$id" '.ns[] | select(.ids.device_id == $id) | .mac_settings')
	if [ -n "$a" ] && [ "$a" == "$b" ]; then ok "--to-dest $id: mac_settings equal"; else
		not_ok "--to-dest $id: mac_settings equal" "source: $a" "dest:   $b"
	fi
done

# ---- check and import agree --------------------------------------------------
run_tool check "$R/mixed.jsonl" --format json
assert_rc "check of the mixed file: exit 1 (errors)" 1
jq -r '.[] | select(.severity == "error") | .device_id' "$OUT" | sort -u >"$TMP/check-refused"
start_emu DST3
run_tool import "$R/mixed.jsonl" --dest.api-url "$DST3" --report "$TMP/mixed-report.json"
assert_rc "import of the mixed file: exit 1" 1
jq -r '.[] | select(.status == "failed") | .device_id' "$TMP/mixed-report.json" | sort -u >"$TMP/import-refused"
assert_eq "check refuses exactly what import refuses" "$(cat "$TMP/check-refused" | tr '\n' ' ')" \
	"$(cat "$TMP/import-refused" | tr '\n' ' ')"
assert_eq "the refused ones" "abp-zero-nwk no-plan not-object oneof-conflict zero-key " \
	"$(cat "$TMP/import-refused" | tr '\n' ' ')"
assert_contains "oneof conflict refused by its rule" "$ERR" \
	'device "oneof-conflict": mac_settings.adr: more than one member of the oneof is set; The Things Stack takes one (check oneof-conflict;'
assert_contains "a wrapper is a warning, summed up" "$ERR" "value-wrapper"
assert_eq "a {value: X} wrapper is written as X" '"RX_DELAY_1" true "DATA_RATE_0"' \
	"$(emu_devices "$DST3" | jq -r '.ns[] | select(.ids.device_id == "wrapped") | .mac_settings | "\(.rx1_delay|tojson) \(.use_adr) \(.adr.dynamic.min_data_rate_index|tojson)"')"
assert_eq "maps are sent whole" '{"floor":"3","site":"roof"}' \
	"$(emu_devices "$DST3" | jq -cS '.is[] | select(.ids.device_id == "maps") | .attributes')"
assert_eq "an unknown field is dropped, the device created" "null" \
	"$(emu_devices "$DST3" | jq -c '.ns[] | select(.ids.device_id == "unknown-field") | .mac_settings.future_setting')"

# ---- --allow, --force, fallbacks ---------------------------------------------
run_tool import "$R/mixed.jsonl" --dest.api-url "$DST3" --allow no-such-rule
assert_rc "--allow of an unknown rule: usage error" 2
assert_contains "--allow: the rule named" "$ERR" "--allow no-such-rule: no such check rule"
run_tool import "$R/mixed.jsonl" --dest.api-url "$DST3" --allow eui-invalid
assert_rc "--allow of a rule that cannot be allowed: usage error" 2
start_emu DST4
jq -c 'select(.ids.device_id == "zero-key" or .ids.device_id == "no-plan")' "$R/mixed.jsonl" >"$TMP/two.json"
run_tool import "$TMP/two.json" --dest.api-url "$DST4" --allow key-all-zero
assert_rc "--allow key-all-zero: no-plan still refused" 1
assert_contains "--allow: going on with a warning" "$ERR" "key-all-zero: root_keys.app_key.key: the key is all zeros (a --redact'ed export?); the device would not work (allowed by --allow key-all-zero)"
assert_eq "--allow key-all-zero: only that device created" '["zero-key"]' \
	"$(emu_devices "$DST4" | jq -c '[.is[].ids.device_id]')"
run_tool check "$TMP/two.json" --fallback-frequency-plan-id EU_863_870_TTN --fallback-lorawan-phy-version PHY_V1_0_2_REV_B --allow key-all-zero
assert_rc "check with the fallbacks and --allow: exit 0" 0
start_emu DST5
run_tool import "$TMP/two.json" --dest.api-url "$DST5" --dev-id-prefix fb \
	--fallback-frequency-plan-id EU_863_870_TTN --fallback-lorawan-phy-version PHY_V1_0_2_REV_B --force
assert_rc "import with the Console's fallbacks (and --force): exit 0" 0
assert_eq "the fallbacks reach the Network Server" "EU_863_870_TTN PHY_V1_0_2_REV_B" \
	"$(emu_devices "$DST5" | jq -r '.ns[] | select(.ids.device_id == "fb-no-plan") | "\(.frequency_plan_id) \(.lorawan_phy_version)"')"

# ---- spellings ---------------------------------------------------------------
run_tool check "$R/mixed.jsonl" --dest.dev-addr-prefix 260B0000/16
a=$RC
run_tool check "$R/mixed.jsonl" --dest-dev-addr-prefix 260B0000/16
assert_eq "--dest.dev-addr-prefix is --dest-dev-addr-prefix" "1 1" "$a $RC"
assert_not_contains "--dest.dev-addr-prefix: no unknown flag" "$ERR" "unknown flag"
start_emu DST6
run_tool import "$TMP/two.json" --dest-api-url "$DST6" --dest-app-id spelled-app --force \
	--fallback-frequency-plan-id EU_863_870_TTN --fallback-lorawan-phy-version PHY_V1_0_2_REV_B --dev-id-prefix sp
assert_rc "--dest-api-url / --dest-app-id are --dest.api-url / --dest.app-id" 0
assert_eq "...into the application named that way" 2 \
	"$(emu_devices "$DST6" | jq '[.is[] | select(.ids.application_ids.application_id == "spelled-app")] | length')"

# ---- impossible counters: refused by check and import alike ------------------
run_tool check "$R/counters.jsonl"
assert_rc "check of impossible counters: exit 1" 1
for want in "session.last_f_cnt_up: 4294967296 is not a whole number from 0 to 4294967295" \
	"session.last_n_f_cnt_down: -1 is not a whole number" "session.last_f_cnt_up: 12.5 is not a whole number"; do
	assert_contains "check names it: $want" "$OUT" "$want"
done
start_emu DST7
run_tool import "$R/counters.jsonl" --dest.api-url "$DST7" --force
assert_rc "import refuses them, even with --force" 1
assert_contains "import: the rule named" "$ERR" "(check value-invalid)"
assert_eq "import: nothing created" 0 "$(emu_devices "$DST7" | jq '[.[][]] | length')"
