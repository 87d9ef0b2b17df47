#!/usr/bin/env bash
# Answers must match requests: a device read answered with another device
# (another id, or the same id in another application) is an error for that
# device, and nothing is deleted or changed at the source. And an OTAA device
# whose root keys the Join Server does not have is refused, unless
# --external-join-server says they live elsewhere.
. "$(dirname "$0")/lib.sh"

SWAPPROXY="$BUILD/swapproxy"

# start_proxy VAR UPSTREAM [--get-rewrite FROM=TO]...: a swapproxy in front
# of UPSTREAM; sets VAR to its URL.
start_proxy() {
	local var=$1 up=$2
	shift 2
	local out="$TMP/proxy-$var.port"
	: >"$out"
	"$SWAPPROXY" --upstream "$up" --port 0 --quiet "$@" >"$out" 2>"$TMP/proxy-$var.err" &
	wait_port "$var" "$out" $! "$TMP/proxy-$var.err" swapproxy
}

# The seed's devices, and the same ids (other EUIs) in another application.
cp "$FIX/seed-export.jsonl" "$TMP/seed.jsonl"
jq -c 'select(.ids.device_id == "otaa-dev" or .ids.device_id == "abp-dev")
	| .ids.application_ids.application_id = "other-app"
	| .ids.dev_eui = (.ids.dev_eui[0:14] + "99")' "$FIX/seed-export.jsonl" >>"$TMP/seed.jsonl"

# present APP DEV EMU: how many components hold the device.
present() {
	emu_devices "$3" | jq --arg a "$1" --arg d "$2" \
		'[.[][] | select(.ids.device_id == $d and .ids.application_ids.application_id == $a)] | length'
}

export TTS_APP_ID=my-app TTS_APP_API_KEY=$KEY

# --- another device id in every answer --------------------------------------
start_emu SRC --seed "$TMP/seed.jsonl"
start_proxy SWAPDEV "$SRC" --get-rewrite /devices/otaa-dev=/devices/classb-dev
before=$(present my-app otaa-dev "$SRC")
TTS_API_URL=$SWAPDEV run_tool tts device otaa-dev --tts.delete-source-device --output "$TMP/swapdev.json"
assert_rc "another device in the answers: exit 1" 1
assert_contains "another device: the error names the device and the field" "$ERR" 'device "otaa-dev"'
assert_contains "another device: the error names ids.device_id" "$ERR" "ids.device_id"
assert_eq "another device: nothing written at the source" "[]" "$(emu_writes "$SRC")"
assert_eq "another device: the requested device is still everywhere" "$before" "$(present my-app otaa-dev "$SRC")"
assert_eq "another device: nothing exported under the wrong identity" 0 "$(wc -l <"$TMP/swapdev.json")"

# --- the same id in another application --------------------------------------
start_emu SRC2 --seed "$TMP/seed.jsonl"
start_proxy SWAPAPP "$SRC2" --get-rewrite /applications/my-app/=/applications/other-app/
TTS_API_URL=$SWAPAPP run_tool tts device otaa-dev abp-dev --tts.delete-source-device --output "$TMP/swapapp.json"
assert_rc "the same id of another application: exit 1" 1
assert_contains "another application: the error names the application id field" "$ERR" "ids.application_ids.application_id"
assert_eq "another application: nothing written at the source" "[]" "$(emu_writes "$SRC2")"
assert_eq "another application: otaa-dev still everywhere" "$before" "$(present my-app otaa-dev "$SRC2")"
assert_eq "another application: abp-dev still at the source" 3 "$(present my-app abp-dev "$SRC2")"
assert_eq "another application: nothing exported" 0 "$(wc -l <"$TMP/swapapp.json")"

# --- only the Network Server answers for another application ------------------
start_emu SRC3 --seed "$TMP/seed.jsonl"
start_proxy SWAPNS "$SRC3" --get-rewrite /ns/applications/my-app/=/ns/applications/other-app/
TTS_API_URL=$SWAPNS run_tool tts device otaa-dev --tts.delete-source-device --output "$TMP/swapns.json"
assert_rc "one component answers for another application: exit 1" 1
assert_contains "NS of another application: the error names the Network Server" "$ERR" "Network Server"
assert_eq "NS of another application: nothing written" "[]" "$(emu_writes "$SRC3")"

# Through the proxy without rewrites, the same export works (the proxy is sound).
start_proxy PLAIN "$SRC3"
TTS_API_URL=$PLAIN run_tool tts device otaa-dev --dry-run
assert_rc "the proxy without rewrites: exit 0" 0
assert_jq "the proxy without rewrites: the right device" "$OUT" '.[0].ids.device_id == "otaa-dev" and .[0].root_keys.app_key.key != null'

# --- an OTAA device the Join Server does not have -------------------------------
start_emu OTAA --seed "$FIX/seed-export.jsonl"
curl -sf -X DELETE -H "Authorization: Bearer $KEY" "$OTAA/api/v3/js/applications/my-app/devices/otaa-dev" >/dev/null
emu_clear_requests "$OTAA"
TTS_API_URL=$OTAA run_tool tts device otaa-dev --tts.delete-source-device --output "$TMP/nokeys.json"
assert_rc "OTAA without root keys: exit 1" 1
assert_contains "OTAA without root keys: names the device" "$ERR" 'device "otaa-dev"'
assert_contains "OTAA without root keys: names root_keys" "$ERR" "root_keys"
assert_contains "OTAA without root keys: says how to go on" "$ERR" "--external-join-server"
assert_eq "OTAA without root keys: nothing written at the source" "[]" "$(emu_writes "$OTAA")"
assert_eq "OTAA without root keys: nothing exported" 0 "$(wc -l <"$TMP/nokeys.json")"

# An ABP device (supports_join false) is not on the Join Server: that is fine.
TTS_API_URL=$OTAA run_tool tts device abp-dev --dry-run
assert_rc "ABP device without the JS: exit 0" 0

# --external-join-server: the root keys live elsewhere; warned, and on.
TTS_API_URL=$OTAA run_tool tts device otaa-dev --tts.delete-source-device --external-join-server --output "$TMP/extjs.json"
assert_rc "--external-join-server: exit 0" 0
assert_contains "--external-join-server: the warning stays" "$ERR" "not on the Join Server"
assert_jq "--external-join-server: exported without root keys" "$TMP/extjs.json" '.[0].ids.device_id == "otaa-dev" and (.[0] | has("root_keys") | not)'
assert_eq "--external-join-server: deleted at the source" 0 "$(present my-app otaa-dev "$OTAA")"
TTS_EXTERNAL_JOIN_SERVER=true TTS_API_URL=$OTAA run_tool tts device otaa-dev --dry-run --tts.external-join-server
assert_rc "--tts.external-join-server spelling is accepted" 1 # deleted above: not found
assert_not_contains "--tts.external-join-server is a known flag" "$ERR" "unknown"

# --- --to-dest: a misrouted read after the freeze unfreezes ------------------
# Create-first freezes before it reads the session; an answer for another
# device then is no reason to leave the device silent at the source.
start_emu SRC5 --seed "$TMP/seed.jsonl"
start_emu DST5
start_proxy SWAPAS "$SRC5" --get-rewrite /as/applications/my-app/devices/otaa-dev=/as/applications/my-app/devices/classb-dev
sd_before=$(emu_devices "$SRC5" | jq -c '.ns[] | select(.ids.device_id == "otaa-dev" and .ids.application_ids.application_id == "my-app") | .mac_settings.schedule_downlinks')
TTS_API_URL=$SWAPAS DEST_TTS_API_URL=$DST5 DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY=$KEY \
	run_tool tts device otaa-dev --to-dest --journal "$TMP/trust.db"
assert_rc "--to-dest, AS read answered for another device: exit 1" 1
assert_contains "--to-dest: said as a read at the source" "$ERR" 'device "otaa-dev": not read at the source'
assert_contains "--to-dest: unfrozen" "$ERR" "unfrozen at the source, where it keeps working"
assert_eq "--to-dest: nothing at the destination" 0 "$(emu_devices "$DST5" | jq '[.[][]] | length')"
assert_eq "--to-dest: schedule_downlinks as before" "$sd_before" \
	"$(emu_devices "$SRC5" | jq -c '.ns[] | select(.ids.device_id == "otaa-dev" and .ids.application_ids.application_id == "my-app") | .mac_settings.schedule_downlinks')"
assert_eq "--to-dest: the device is whole at the source" "$before" "$(present my-app otaa-dev "$SRC5")"
