#!/usr/bin/env bash
# Live uplinks (issue 14, "Emulation"): tests/simdev sends uplinks with the devices' real sessions
# through a gateway to the emulated Network Server, which accepts them only from a connected
# gateway of its own, with a valid MIC and a fresh FCnt (tests/emulator/README.md "Uplinks").
# Then a device exported by the tool from one emulator and imported into a second one is
# accepted at the second, and with both given each uplink is accepted by exactly one.
. "$(dirname "$0")/lib.sh"
SIM="$BUILD/simdev"

# An OTAA 1.0.2 device with a session, an ABP 1.0.3 one, an ABP 1.1 one (three network keys)
# and one without a session.
cat "$FIX/seed-basic.jsonl" >"$TMP/seed.jsonl"
cat >>"$TMP/seed.jsonl" <<'EOF2'
{"ids":{"device_id":"abp-v11","application_ids":{"application_id":"src-app"},"dev_eui":"0004A30B001C0530"},"lorawan_version":"MAC_V1_1","lorawan_phy_version":"PHY_V1_1_REV_B","frequency_plan_id":"EU_863_870","supports_join":false,"session":{"dev_addr":"260B3C4D","last_f_cnt_up":70000,"keys":{"f_nwk_s_int_key":{"key":"11111111111111111111111111111111"},"s_nwk_s_int_key":{"key":"22222222222222222222222222222222"},"nwk_s_enc_key":{"key":"33333333333333333333333333333333"},"app_s_key":{"key":"44444444444444444444444444444444"}}}}
EOF2
cat >"$TMP/gws.jsonl" <<'EOF2'
{"gateway":{"ids":{"gateway_id":"gw-one","eui":"00800000A0000001"},"name":"One"},"owner":{"user_id":"alice"},"connection":{"protocol":"udp","connected":true}}
{"gateway":{"ids":{"gateway_id":"gw-off","eui":"00800000A0000002"},"name":"Off"},"owner":{"user_id":"alice"}}
EOF2
start_emu SRC --seed "$TMP/seed.jsonl" --seed-gateways "$TMP/gws.jsonl"
start_emu DST --seed-gateways "$TMP/gws.jsonl"
export TTS_APP_ID=src-app TTS_APP_API_KEY=$KEY TTS_API_URL=$SRC
export DEST_TTS_APP_ID=src-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$DST

ns_get() { # URL DEV: the NS device's session counter and recent uplinks
	curl -s -H "Authorization: Bearer $KEY" \
		"$1/api/v3/ns/applications/src-app/devices/$2?field_mask=session.last_f_cnt_up,mac_state.recent_uplinks"
}
sim() { # ARGS...: simdev, its lines in $TMP/sim.out, status in $RC
	"$SIM" "$@" >"$TMP/sim.out" 2>"$TMP/sim.err"
	RC=$?
}
# simdev's lines in device id order (the tool exports in no fixed order): abp-session, abp-v11, otaa-session.
lines() { jq -sc "sort_by(.device_id) | [.[] | $1]" "$TMP/sim.out"; }
reasons() { lines '.refused[]'; }

"$BIN" tts application src-app --dry-run >"$TMP/export0.jsonl" 2>"$TMP/export.err"
assert_eq "the tool exports the 4 devices" 4 "$(wc -l <"$TMP/export0.jsonl")"

# --- accepted: FCnt last_f_cnt_up+1…, 1.0.x and 1.1 -----------------------------------------
sim --emu "$SRC" --gateway gw-one --count 3 "$TMP/export0.jsonl"
assert_rc "simdev: every uplink accepted (exit 0)" 0
assert_eq "3 uplinks for each of the 3 sessions, each accepted by the one network" \
	'[[1,0],[1,0],[1,0],[1,0],[1,0],[1,0],[1,0],[1,0],[1,0]]' \
	"$(lines '[(.accepted_by|length), (.refused|length)]')"
assert_contains "the device without a session is skipped" "$TMP/sim.err" "otaa-idle: no session"
assert_eq "FCnts follow last_f_cnt_up" '[11,12,13,70001,70002,70003,65,66,67]' "$(lines .f_cnt)"
ns_get "$SRC" otaa-session >"$TMP/ns.json"
assert_eq "OTAA 1.0.2: last_f_cnt_up advanced (NS API)" 67 "$(jq .session.last_f_cnt_up "$TMP/ns.json")"
assert_jq "recent_uplinks' newest entry: FCnt 67 via gw-one with its EUI, received_at" "$TMP/ns.json" \
	'.[0].mac_state.recent_uplinks[-1] | .payload.mac_payload.full_f_cnt == 67 and
	 .rx_metadata[0].gateway_ids == {"gateway_id":"gw-one","eui":"00800000A0000001"} and
	 (.received_at | test("Z$")) and .rx_metadata[0].snr == 7.5'
ns_get "$SRC" abp-session >"$TMP/ns.json"
assert_eq "ABP 1.0.3: last_f_cnt_up 13, 3 recent uplinks" "13 3" \
	"$(jq -r '"\(.session.last_f_cnt_up) \(.mac_state.recent_uplinks | length)"' "$TMP/ns.json")"
ns_get "$SRC" abp-v11 >"$TMP/ns.json"
assert_eq "ABP 1.1 (cmacS|cmacF MIC): last_f_cnt_up 70003 (32-bit, 16 bits on air)" 70003 \
	"$(jq .session.last_f_cnt_up "$TMP/ns.json")"
curl -s "$SRC/_emulator/uplinks" >"$TMP/ul.json"
assert_jq "admin counts: 3 accepted per device, none refused" "$TMP/ul.json" \
	'.[0].devices | to_entries | map(.value.accepted == 3 and .value.refused == 0) | length == 3 and all'

# --- refused, with the reason ---------------------------------------------------------------
sim --emu "$SRC" --gateway gw-one --bad-mic --f-cnt 100 "$TMP/export0.jsonl"
assert_rc "bad MIC: simdev exits 1" 1
assert_eq "a wrong MIC: mic_mismatch" '["mic_mismatch","mic_mismatch","mic_mismatch"]' "$(reasons)"
sim --emu "$SRC" --gateway gw-one --f-cnt 66 --count 1 "$TMP/export0.jsonl"
assert_eq "FCnt 66: abp (last 13) accepts, 1.1 (last 70003: 66 on air is 65602) and otaa (last 67) refuse" \
	'[["'"$SRC"'"],[],[]]' "$(lines .accepted_by)"
assert_eq "… 1.1: the MIC of 65602 fails (mic_mismatch); otaa: fcnt_replay" \
	'["mic_mismatch","fcnt_replay"]' "$(reasons)"
sim --emu "$SRC" --gateway gw-one --replay "$TMP/export0.jsonl"
assert_eq "a replayed FCnt (the exported last_f_cnt_up): fcnt_replay" \
	'["fcnt_replay","fcnt_replay","fcnt_replay"]' "$(reasons)"
ns_get "$SRC" otaa-session >"$TMP/ns.json"
assert_eq "refused uplinks change nothing" "67 3" \
	"$(jq -r '"\(.session.last_f_cnt_up) \(.mac_state.recent_uplinks | length)"' "$TMP/ns.json")"
jq -c 'select(.ids.device_id == "abp-session") | .session.dev_addr = "260BFFFF"' \
	"$TMP/export0.jsonl" >"$TMP/unknown.jsonl"
sim --emu "$SRC" --gateway gw-one "$TMP/unknown.jsonl"
assert_eq "an unknown DevAddr: no_session_for_dev_addr" '["no_session_for_dev_addr"]' "$(reasons)"
sim --emu "$SRC" --gateway gw-off --f-cnt 200 "$TMP/export0.jsonl"
assert_eq "a gateway that never connected: gateway_not_connected" \
	'["gateway_not_connected","gateway_not_connected","gateway_not_connected"]' "$(reasons)"
sim --emu "$SRC" --gateway gw-none --f-cnt 200 "$TMP/export0.jsonl"
assert_eq "a gateway of no one's (not in this deployment): gateway_not_found" \
	'["gateway_not_found","gateway_not_found","gateway_not_found"]' "$(reasons)"
curl -s -X POST -d '{"connected":false}' "$SRC/_emulator/gateways/gw-one/connection" >/dev/null
sim --emu "$SRC" --gateway gw-one --f-cnt 200 "$TMP/export0.jsonl"
assert_eq "a disconnected gateway: gateway_not_connected" \
	'["gateway_not_connected","gateway_not_connected","gateway_not_connected"]' "$(reasons)"
curl -s -X POST -d '{"connected":true,"protocol":"udp"}' "$SRC/_emulator/gateways/gw-one/connection" >/dev/null
ST=$(curl -s -o "$TMP/b" -w '%{http_code}' -X POST -d '{"phy_payload":"AAAA"}' "$SRC/_emulator/gateways/gw-one/uplink")
assert_eq "not a data uplink: 400 bad_phy_payload" "400 bad_phy_payload" "$ST $(jq -r .reason "$TMP/b")"
curl -s "$SRC/_emulator/uplinks" >"$TMP/ul.json"
assert_jq "admin: refusals counted per reason and logged" "$TMP/ul.json" \
	'.[0] | .refused.mic_mismatch == 4 and .refused.fcnt_replay == 4 and
	 .refused.no_session_for_dev_addr == 1 and .refused.gateway_not_connected == 6 and
	 .refused.gateway_not_found == 3 and
	 .refused.bad_phy_payload == 1 and ([.log[] | select(.accepted == false)] | length) == 19'
assert_not_contains "simdev never prints a key" "$TMP/sim.out" "44444444444444444444444444444444"

# --- the cut-over: export from SRC, import into DST ---------------------------------------
"$BIN" tts application src-app --dry-run >"$TMP/exportA.jsonl" 2>/dev/null
sim --emu "$SRC" --emu "$DST" --gateway gw-one --count 2 "$TMP/exportA.jsonl"
assert_eq "before the import: FCnts from the fresh export" '[67,68,70004,70005,68,69]' "$(lines .f_cnt)"
assert_eq "… each uplink accepted by the source only" \
	"$(printf '"%s",' "$SRC" "$SRC" "$SRC" "$SRC" "$SRC" "$SRC" | sed 's/^/[/; s/,$/]/')" \
	"$(lines '.accepted_by[]')"
assert_eq "… and refused by the destination: no session there" \
	'["no_session_for_dev_addr","no_session_for_dev_addr","no_session_for_dev_addr","no_session_for_dev_addr","no_session_for_dev_addr","no_session_for_dev_addr"]' \
	"$(reasons)"
"$BIN" tts application src-app --dry-run >"$TMP/export1.jsonl" 2>/dev/null
run_tool import --concurrency 1 <"$TMP/export1.jsonl"
assert_rc "the tool imports the export into the destination" 0
# The cut-over removes the source's devices (as the migration's delete does).
for d in otaa-session abp-session abp-v11; do
	curl -s -X DELETE -H "Authorization: Bearer $KEY" "$SRC/api/v3/ns/applications/src-app/devices/$d" >/dev/null
done
sim --emu "$SRC" --emu "$DST" --gateway gw-one --count 2 "$TMP/export1.jsonl"
assert_rc "after the cut-over: every uplink accepted" 0
assert_eq "… FCnt continues from the imported last_f_cnt_up" '[69,70,70006,70007,70,71]' "$(lines .f_cnt)"
assert_eq "… each by exactly one network, the destination" \
	"$(printf '"%s",' "$DST" "$DST" "$DST" "$DST" "$DST" "$DST" | sed 's/^/[/; s/,$/]/')" \
	"$(lines 'select((.accepted_by|length) == 1) | .accepted_by[0]')"
sim --emu "$DST" --gateway gw-one --count 1 "$TMP/exportA.jsonl"
assert_eq "the destination refuses FCnts the source already had (the imported counter)" \
	'["fcnt_replay","fcnt_replay","fcnt_replay"]' "$(reasons)"
ns_get "$DST" abp-v11 >"$TMP/ns.json"
assert_eq "destination NS: last_f_cnt_up 70007" 70007 "$(jq .session.last_f_cnt_up "$TMP/ns.json")"
assert_jq "destination NS: the newest recent uplink came via gw-one" "$TMP/ns.json" \
	'.[0].mac_state.recent_uplinks[-1].rx_metadata[0].gateway_ids.gateway_id == "gw-one"'
