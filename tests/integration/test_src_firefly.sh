#!/usr/bin/env bash
# Source firefly: Digimondo's Firefly HTTP API (tests/fireflyemu), mapped as
# sources.md §2 says; the API key (a query parameter) never in any output;
# pacing to the rate limit and 429s; --invalidate-keys only after the export
# is on disk and never with --dry-run; check, import, --to-dest and restore.
. "$(dirname "$0")/lib.sh"

FFEMU="$BUILD/firefly-emulator"
FFKEY="ff-K3Y-7f3a9c2e-secret"
SEED="$FIX/firefly/seed.json"
# start_ff VAR [emulator args...]: a Firefly emulator; VAR=host:port.
start_ff() {
	local var=$1
	shift
	"$FFEMU" --port 0 --quiet --key "$FFKEY" "$@" >"$TMP/ff-$var.port" 2>"$TMP/ff-$var.log" &
	wait_port "${var}_URL" "$TMP/ff-$var.port" $! "$TMP/ff-$var.log" firefly-emulator
	local u="${var}_URL"
	printf -v "$var" '%s' "${!u#http://}"
}
ff_stats() { curl -sf "http://$1/_emulator/stats"; }
ff_log() { curl -sf "http://$1/_emulator/requests"; }
ff_devices() { curl -sf "http://$1/_emulator/devices"; }
ff_clear() { curl -sf -X DELETE "http://$1/_emulator/requests" >/dev/null; }
# Every output of every run is kept, to grep them all for the key at the end.
ALL="$TMP/all-output"
: >"$ALL"
run_ff() {
	run_tool "$@"
	cat "$OUT" "$ERR" >>"$ALL"
}

unset FIREFLY_HOST FIREFLY_API_KEY FIREFLY_CA_CERT_PATH FIREFLY_USE_HTTP JOIN_EUI \
	FREQUENCY_PLAN_ID MAC_VERSION APP_ID INVALIDATE_KEYS EXPORT_ALL 2>/dev/null || true
start_ff FF --seed "$SEED"
FLAGS=(--host "$FF" --api-key "$FFKEY" --use-http --app-id my-app --join-eui 70b3d57ed0000000
	--frequency-plan-id EU_863_870_TTN --mac-version 1.0.2b)

# ---- export ---------------------------------------------------------------------------
run_ff firefly application --all "${FLAGS[@]}" --verbose </dev/null
assert_rc "application --all: exit 0" 0
cp "$OUT" "$TMP/all.jsonl"
assert_eq "three devices, ids = lower-case DevEUI" \
	'["0004a30b001c0530","0004a30b001c0531","0004a30b001c0532"]' \
	"$(jq -s -c '[.[].ids.device_id] | sort' "$TMP/all.jsonl")"
sel() { jq -c --arg id "$1" "select(.ids.device_id == \$id) | $2" "$TMP/all.jsonl"; }
assert_eq "OTAA: ids, versions, plan, name, description, join" \
	'[{"device_id":"0004a30b001c0530","application_ids":{"application_id":"my-app"},"dev_eui":"0004A30B001C0530","join_eui":"70B3D57ED0000000"},"MAC_V1_0_2","PHY_V1_0_2_REV_B","EU_863_870_TTN","meter-1","basement meter",true,null]' \
	"$(sel 0004a30b001c0530 '[.ids, .lorawan_version, .lorawan_phy_version, .frequency_plan_id, .name, .description, .supports_join, .supports_class_c]')"
assert_eq "OTAA: root key, rx2 DR, location" \
	'["000102030405060708090A0B0C0D0E0F",{"desired_rx2_data_rate_index":3},{"user":{"latitude":52.5,"longitude":13.4,"source":"SOURCE_REGISTRY"}}]' \
	"$(sel 0004a30b001c0530 '[.root_keys.app_key.key, .mac_settings, .locations]')"
assert_eq "OTAA session: address, keys, fcnt up = last packet, down = frame_counter" \
	'["26011B3C","101112131415161718191A1B1C1D1E1F","202122232425262728292A2B2C2D2EFF",345,12,12]' \
	"$(sel 0004a30b001c0530 '.session | [.dev_addr, .keys.f_nwk_s_int_key.key, .keys.app_s_key.key, .last_f_cnt_up, .last_n_f_cnt_down, .last_a_f_cnt_down]')"
assert_eq "OTAA session: a session_key_id and started_at" '[true,true]' \
	"$(sel 0004a30b001c0530 '[(.session.keys.session_key_id | test("^[A-Za-z0-9+/]{22}==$")), (.session.started_at | test("^20"))]')"
assert_eq "MAC state from the builder: EU_863_870_TTN's 8 channels, RX2 DR3, RX1 1 s, current = desired" \
	'[8,3,1,true,"MAC_V1_0_2"]' \
	"$(sel 0004a30b001c0530 '.mac_state | [(.desired_parameters.channels | length), .current_parameters.rx2_data_rate_index, .current_parameters.rx1_delay, (.current_parameters == .desired_parameters), .lorawan_version]')"
assert_eq "unmapped Firefly fields are not exported" '[]' \
	"$(sel 0004a30b001c0530 '[paths | map(tostring) | join(".") | select(test("tags|region|adr_limit|deduplicate|organization|inserted|skip_fcnt"))]')"
assert_eq "ABP class C: short DevAddr padded, no join, no session_key_id, RX2 DR 0 kept, class C" \
	'["00001B3C",null,true,null,{"desired_rx2_data_rate_index":0},99,7,"CLASS_C",null]' \
	"$(sel 0004a30b001c0531 '[.session.dev_addr, .supports_join, .supports_class_c, .session.keys.session_key_id, .mac_settings, .session.last_f_cnt_up, .session.last_n_f_cnt_down, .mac_state.device_class, .root_keys]')"
assert_eq "OTAA without a session at Firefly: no session, no MAC state, no packets request" \
	'[null,null,"505152535455565758595A5B5C5D5E5F",0]' \
	"$(sel 0004a30b001c0532 '[.session, .mac_state, .root_keys.app_key.key]'| jq -c --argjson n "$(ff_log "$FF" | jq '[.[] | select(.path | test("0532/packets"))] | length')" '.[0:3] + [$n]')"
assert_eq "requests: 1 list + 3 devices + 2 packets (only for sessions)" 6 "$(ff_log "$FF" | jq length)"
assert_contains "--verbose logs the requests" "$ERR" "GET http://$FF/api/v1/devices?auth=***"
assert_not_contains "--verbose: the key is not in the log" "$ERR" "$FFKEY"

# Both spellings, and the environment.
NOISE='del(.session.keys.session_key_id, .session.started_at)'
want=$(jq -cS "select(.ids.device_id == \"0004a30b001c0530\") | $NOISE" "$TMP/all.jsonl")
run_ff device --source firefly --firefly.host "$FF" --firefly.api-key "$FFKEY" --firefly.use-http \
	--firefly.app-id my-app --firefly.join-eui 70B3D57ED0000000 --firefly.frequency-plan-id EU_863_870_TTN \
	--firefly.mac-version 1.0.2b 0004A30B001C0530
assert_rc "--source firefly --firefly.*: exit 0" 0
assert_eq "--firefly.* spelling: the same device" "$want" "$(jq -cS "$NOISE" "$OUT")"
FIREFLY_HOST=$FF FIREFLY_API_KEY=$FFKEY FIREFLY_USE_HTTP=true APP_ID=my-app JOIN_EUI=70b3d57ed0000000 \
	FREQUENCY_PLAN_ID=EU_863_870_TTN MAC_VERSION=1.0.2b run_ff firefly device 0004a30b001c0530
assert_rc "environment: exit 0" 0
assert_eq "environment: the same device" "$want" "$(jq -cS "$NOISE" "$OUT")"
FIREFLY_HOST=$FF FIREFLY_API_KEY=$FFKEY FIREFLY_USE_HTTP=true APP_ID=my-app \
	JOIN_EUI=70b3d57ed0000000 FREQUENCY_PLAN_ID=EU_863_870_TTN MAC_VERSION=1.1.0a EXPORT_ALL=false \
	run_ff firefly device <<<"0004a30b001c0531"
assert_eq "device EUIs from stdin; 1.1: NwkSKey in all three network keys" \
	'["MAC_V1_1","PHY_V1_1_REV_A","303132333435363738393A3B3C3D3E3F","303132333435363738393A3B3C3D3E3F","303132333435363738393A3B3C3D3E3F","404142434445464748494A4B4C4D4E4F"]' \
	"$(jq -c '[.lorawan_version, .lorawan_phy_version, .session.keys.f_nwk_s_int_key.key, .session.keys.s_nwk_s_int_key.key, .session.keys.nwk_s_enc_key.key, .session.keys.app_s_key.key]' "$OUT")"

# ---- refusals and errors ----------------------------------------------------------------
run_ff firefly application my-app "${FLAGS[@]}" </dev/null
assert_rc "application without --all: exit 1" 1
assert_contains "application without --all: says so" "$ERR" "give --all"
run_ff firefly device 0004a30b001c0599 nope "${FLAGS[@]}"
assert_rc "unknown and bad DevEUIs: exit 1" 1
assert_contains "unknown DevEUI: not found" "$ERR" "device 0004a30b001c0599: not found at Firefly"
assert_contains "bad item: not a DevEUI" "$ERR" 'device "nope": not a DevEUI'
run_ff firefly device 0004a30b001c0530 "${FLAGS[@]/1.0.2b/1.2}"
assert_rc "bad --mac-version: exit 2" 2
assert_contains "bad --mac-version: the accepted values" "$ERR" '--mac-version "1.2": not one of 1.0.0'
run_ff firefly device 0004a30b001c0530 --host "example.com" --api-key "$FFKEY" --use-http --app-id a-b-c \
	--join-eui 70b3d57ed0000000 --frequency-plan-id EU_863_870 --mac-version 1.0.3
assert_contains "--use-http to a non-loopback host: refused" "$ERR" "would send the API key unencrypted"
env -u JOIN_EUI "$BIN" firefly device 0004a30b001c0530 --host "$FF" --api-key "$FFKEY" --use-http --app-id a \
	--frequency-plan-id EU_863_870 --mac-version 1.0.3 >/dev/null 2>"$TMP/nojoin.err"
assert_contains "no JoinEUI: says which variable" "$TMP/nojoin.err" "set JOIN_EUI or --join-eui"

# A wrong key, against a server that echoes it (and the URL) in its error.
start_ff ECHO --seed "$SEED" --echo-key
run_ff firefly device 0004a30b001c0530 "${FLAGS[@]/$FF/$ECHO}" --api-key "wrong-$FFKEY" --verbose
assert_rc "wrong key: exit 2 (configuration)" 2
assert_eq "wrong key: one error line" 1 "$(grep -c 'error:' "$ERR")"
assert_contains "wrong key: says the key was refused, with Firefly's status" "$ERR" \
	"firefly: GET devices/eui/0004a30b001c0530: HTTP 401: unauthorized (the API key was refused"
assert_not_contains "wrong key: the key is not printed" "$ERR" "$FFKEY"
assert_eq "wrong key: the server did echo the key (the redaction is tested)" true \
	"$(curl -s "http://$ECHO/api/v1/devices?auth=x" | jq '.message | test("auth=x")')"
curl -sf -X DELETE "http://$ECHO/_emulator/requests" >/dev/null
run_ff firefly application --all "${FLAGS[@]/$FF/$ECHO}" --api-key "wrong-$FFKEY" </dev/null
assert_rc "wrong key, application --all: exit 1 (the list failed)" 1
assert_eq "wrong key, application --all: one error line, one request" '[1,1]' \
	"$(jq -n -c --argjson n "$(ff_log "$ECHO" | jq length)" "[$(grep -c 'error:' "$ERR"), \$n]")"
FIREFLY_API_KEY=$FFKEY run_ff firefly device 0004a30b001c0530 --host "$ECHO" --use-http --app-id my-app \
	--join-eui 70b3d57ed0000000 --frequency-plan-id EU_863_870_TTN --mac-version 1.0.2b --verbose
assert_rc "key from FIREFLY_API_KEY: exit 0" 0

start_ff BAD --seed "$FIX/firefly/bad.json"
run_ff firefly application --all "${FLAGS[@]/$FF/$BAD}" --concurrency 1 </dev/null
assert_rc "bad devices: exit 1" 1
assert_contains "ABP without AppSKey: one line naming device and field" "$ERR" \
	"device 0004A30B001C0540: application_session_key: missing on an ABP device"
assert_contains "OTAA without AppKey: one line" "$ERR" "device 0004A30B001C0541: application_key: missing on an OTAA device"
assert_not_contains "no key material in the errors" "$ERR" "606162636465666768696A6B6C6D6E6F"
assert_eq "the good one is exported" '"0004a30b001c0542"' "$(jq -c .ids.device_id "$OUT")"

# ---- TLS: verified; --ca-cert-path adds a CA ---------------------------------------------
if mkca ca && mkcert server IP:127.0.0.1 ca; then
	start_ff TLS --seed "$SEED" --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key"
	TLSFLAGS=()
	for f in "${FLAGS[@]/$FF/$TLS}"; do [ "$f" == --use-http ] || TLSFLAGS+=("$f"); done
	run_ff firefly device 0004a30b001c0530 "${TLSFLAGS[@]}"
	assert_rc "https without the CA: refused" 1
	assert_contains "https without the CA: a certificate problem, one line" "$ERR" "certificate"
	assert_eq "https without the CA: nothing reached the server" 0 "$(curl -sf --cacert "$PKI/ca.pem" "https://$TLS/_emulator/requests" | jq length)"
	run_ff firefly device 0004a30b001c0530 "${TLSFLAGS[@]}" --ca-cert-path "$PKI/ca.pem"
	assert_rc "https with --ca-cert-path: exit 0 (the Go tool panics here)" 0
	assert_eq "https with --ca-cert-path: the device" '"0004a30b001c0530"' "$(jq -c .ids.device_id "$OUT")"
	FIREFLY_CA_CERT_PATH="$PKI/ca.pem" run_ff firefly device 0004a30b001c0530 "${TLSFLAGS[@]}"
	assert_rc "FIREFLY_CA_CERT_PATH: exit 0" 0
else
	not_ok "test PKI made with openssl"
fi

# ---- rate limit: pacing and 429 ---------------------------------------------------------
start_ff RL --seed "$SEED" --rate 4 --window-ms 1000
t0=$(date +%s%N)
run_ff firefly application --all "${FLAGS[@]/$FF/$RL}" --rate-limit 4 --rate-window-ms 1000 </dev/null
t1=$(date +%s%N)
assert_rc "paced to 4 per second: exit 0" 0
assert_eq "paced: 3 devices, 6 requests, no 429, at most 4 in any window" '[3,6,0,4]' \
	"$(jq -s length "$OUT" | jq -c --argjson s "$(ff_stats "$RL")" '[., $s.requests, $s.throttled, $s.max_in_window]')"
assert_eq "paced: the 5th request starts a window (1 s) after the 1st" true \
	"$(ff_log "$RL" | jq '.[4].t_ms - .[0].t_ms >= 990')"
assert_eq "paced: it took at least 1 s" true "$([ $(((t1 - t0) / 1000000)) -ge 990 ] && echo true || echo false)"
ff_clear "$RL"
sleep 1
run_ff firefly application --all "${FLAGS[@]/$FF/$RL}" --rate-limit 0 --concurrency 4 </dev/null
assert_eq "without pacing the same run meets 429s (the emulator's limit works)" true \
	"$(ff_stats "$RL" | jq '.throttled > 0')"
# 429 with Retry-After: honoured (real sleeps here), the export completes.
start_ff TH --seed "$SEED" --rate 0 --window-ms 1000
curl -sf -X POST "http://$TH/_emulator/throttle?n=2" >/dev/null
t0=$(date +%s%N)
unset TTNM_TEST_NO_SLEEP
run_ff firefly device 0004a30b001c0531 "${FLAGS[@]/$FF/$TH}" --verbose
t1=$(date +%s%N)
export TTNM_TEST_NO_SLEEP=1
assert_rc "two 429s, then 200: exit 0" 0
assert_eq "two 429s answered, the device exported" '[2,"0004a30b001c0531"]' \
	"$(jq -c --argjson s "$(ff_stats "$TH")" '[$s.throttled, .ids.device_id]' "$OUT")"
assert_contains "the retries are logged (key redacted)" "$ERR" "retrying GET http://$TH/api/v1/devices/eui/0004a30b001c0531?auth=***"
assert_eq "Retry-After honoured: two waits of about 1 s" true "$([ $(((t1 - t0) / 1000000)) -ge 1900 ] && echo true || echo false)"
# A 429 with only Firefly's x-ratelimit-reset (ms): waited for too.
start_ff TR --seed "$SEED" --rate 0 --window-ms 1000 --no-retry-after
curl -sf -X POST "http://$TR/_emulator/throttle?n=1" >/dev/null
unset TTNM_TEST_NO_SLEEP
t0=$(date +%s%N)
run_ff firefly device 0004a30b001c0532 "${FLAGS[@]/$FF/$TR}"
t1=$(date +%s%N)
export TTNM_TEST_NO_SLEEP=1
assert_rc "429 without Retry-After: exit 0" 0
assert_eq "429 without Retry-After: x-ratelimit-reset honoured (waited about 1 s)" true \
	"$([ $(((t1 - t0) / 1000000)) -ge 900 ] && echo true || echo false)"
curl -sf -X POST "http://$TH/_emulator/throttle?n=20" >/dev/null
run_ff firefly device 0004a30b001c0531 "${FLAGS[@]/$FF/$TH}"
assert_rc "429 for ever: exit 1" 1
assert_contains "429 for ever: one line" "$ERR" "HTTP 429: rate_limit_exceeded (Firefly's rate limit, still after 6 attempts"

# ---- --invalidate-keys -----------------------------------------------------------------
start_ff INV --seed "$SEED"
run_ff firefly application --all "${FLAGS[@]/$FF/$INV}" --invalidate-keys --dry-run </dev/null
assert_rc "--invalidate-keys --dry-run: exit 0" 0
assert_eq "--dry-run: no PUT" 0 "$(ff_log "$INV" | jq '[.[] | select(.method != "GET")] | length')"
assert_contains "--dry-run: says the keys stay" "$ERR" "not invalidated"
assert_eq "--dry-run: keys unchanged at Firefly" "$(jq -cS '.devices' "$SEED" | jq -cS '[.[] | .application_key]')" \
	"$(ff_devices "$INV" | jq -cS '[.[] | .application_key]')"
run_ff firefly application --all "${FLAGS[@]/$FF/$INV}" </dev/null
assert_eq "without --invalidate-keys: no PUT" 0 "$(ff_log "$INV" | jq '[.[] | select(.method != "GET")] | length')"
ff_clear "$INV"
run_ff firefly application --all "${FLAGS[@]/$FF/$INV}" --invalidate-keys -o "$TMP/inv.jsonl" --concurrency 1 </dev/null
assert_rc "--invalidate-keys: exit 0" 0
assert_eq "--invalidate-keys: one PUT per device" 3 "$(ff_log "$INV" | jq '[.[] | select(.method == "PUT")] | length')"
assert_eq "each PUT comes after that device's reads" true \
	"$(ff_log "$INV" | jq '. as $l | [range(length) as $i | select($l[$i].method == "PUT") | $l[$i].path as $p | [range($i) as $j | select($l[$j].method == "GET" and $l[$j].path == $p)] | length] | length == 3 and all(. == 1)')"
assert_eq "keys: last byte + 1 (0xff wraps to 00), lower-case hex; nothing else changed" \
	'[["000102030405060708090a0b0c0d0e10","101112131415161718191a1b1c1d1e20","202122232425262728292a2b2c2d2e00",12,"meter-1"],[null,"303132333435363738393a3b3c3d3e40","404142434445464748494a4b4c4d4e50",7,"abp-c"],["505152535455565758595a5b5c5d5e60",null,null,null,"fresh"]]' \
	"$(ff_devices "$INV" | jq -c '[.[] | [.application_key, .network_session_key, .application_session_key, .frame_counter, .name]]')"
assert_eq "the export holds the original keys" '"000102030405060708090A0B0C0D0E0F"' \
	"$(jq -c 'select(.ids.device_id == "0004a30b001c0530") | .root_keys.app_key.key' "$TMP/inv.jsonl")"
assert_contains "summary counts the invalidated devices" "$ERR" "exported 3 of 3 devices"
# Killed right after the PUT was answered: the export was already on disk.
start_ff KILL --seed "$SEED"
(TTNM_TEST_KILL_AFTER_REQUESTS=3 exec "$BIN" firefly device 0004a30b001c0530 "${FLAGS[@]/$FF/$KILL}" \
	--invalidate-keys -o "$TMP/kill.jsonl" >/dev/null 2>"$TMP/kill.err")
assert_eq "kill -9 after the PUT: killed (exit 137)" 137 "$?"
assert_eq "kill -9 after the PUT: the PUT was the 3rd request" '["GET","GET","PUT"]' \
	"$(ff_log "$KILL" | jq -c '[.[].method]')"
assert_eq "kill -9 after the PUT: the export was already on disk" '"0004a30b001c0530"' \
	"$(jq -c .ids.device_id "$TMP/kill.jsonl" 2>/dev/null)"
cat "$TMP/kill.err" >>"$ALL"

# ---- check, import ------------------------------------------------------------------------
run_ff check --format json "$TMP/all.jsonl"
assert_rc "check accepts the export" 0
assert_eq "check: no errors" 0 "$(jq '[.[] | select(.severity == "error")] | length' "$OUT")"
start_emu DST
export DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$DST
run_ff import "$TMP/all.jsonl"
assert_rc "import into the TTS emulator: exit 0" 0
assert_contains "import: all three created" "$ERR" "created 3 of 3 devices, failed 0"
assert_eq "NS has the MAC state and counters" '[8,1,345]' \
	"$(emu_devices "$DST" | jq -c '.ns[] | select(.ids.device_id == "0004a30b001c0530") | [(.mac_state.current_parameters.channels | length), .mac_state.current_parameters.rx1_delay, .session.last_f_cnt_up]')"
assert_eq "JS has the root keys of the OTAA devices" '["0004a30b001c0530","0004a30b001c0532"]' \
	"$(emu_devices "$DST" | jq -c '[.js[].ids.device_id] | sort')"

# ---- --to-dest --journal, restore --------------------------------------------------------
start_emu MIG
start_ff MF --seed "$SEED"
DEST_TTS_API_URL=$MIG run_ff firefly application --all "${FLAGS[@]/$FF/$MF}" --to-dest --journal "$TMP/m.db" </dev/null
assert_rc "--to-dest: exit 0" 0
assert_contains "--to-dest: three migrated" "$ERR" "migrated (verified) 3, already done 0, failed 0"
assert_contains "--to-dest without --invalidate-keys: says Firefly keeps serving them" "$ERR" \
	"without --invalidate-keys Firefly keeps serving the migrated devices"
assert_eq "--to-dest without --invalidate-keys: nothing written at Firefly" 0 \
	"$(ff_log "$MF" | jq '[.[] | select(.method != "GET")] | length')"
assert_eq "--to-dest: the three at the destination" '["0004a30b001c0530","0004a30b001c0531","0004a30b001c0532"]' \
	"$(emu_devices "$MIG" | jq -c '[.is[] | select(.ids.application_ids.application_id == "cloud-app") | .ids.device_id] | sort')"
start_emu MIG2
start_ff MF2 --seed "$SEED"
DEST_TTS_API_URL=$MIG2 run_ff firefly device 0004a30b001c0530 "${FLAGS[@]/$FF/$MF2}" --invalidate-keys --to-dest --journal "$TMP/m2.db"
assert_rc "--to-dest --invalidate-keys without --keep-source: refused" 1
assert_contains "... says to give --keep-source" "$ERR" "give --keep-source with --invalidate-keys"
assert_eq "... nothing written at Firefly" 0 "$(ff_log "$MF2" | jq '[.[] | select(.method != "GET")] | length')"
DEST_TTS_API_URL=$MIG2 run_ff firefly device 0004a30b001c0531 "${FLAGS[@]/$FF/$MF2}" --invalidate-keys \
	--keep-source --to-dest --journal "$TMP/m3.db"
assert_rc "--to-dest --invalidate-keys --keep-source: exit 0" 0
assert_eq "keys invalidated at Firefly" '"303132333435363738393a3b3c3d3e40"' \
	"$(ff_devices "$MF2" | jq -c '.[] | select(.name == "abp-c") | .network_session_key')"
DEST_TTS_API_URL=$MIG2 run_ff restore --journal "$TMP/m3.db" --from-destination 0004a30b001c0531 \
	"${FLAGS[@]/$FF/$MF2}"
assert_rc "restore --from-destination: exit 0" 0
assert_eq "restore: the keys are back at Firefly, with the destination's DevAddr and counter" \
	'["303132333435363738393a3b3c3d3e3f","404142434445464748494a4b4c4d4e4f","00001b3c",7]' \
	"$(ff_devices "$MF2" | jq -c '.[] | select(.name == "abp-c") | [.network_session_key, .application_session_key, .address, .frame_counter]')"

# ---- the key, anywhere -------------------------------------------------------------------
assert_eq "the API key appears in no output of any run" 0 "$(grep -c -- "$FFKEY" "$ALL")"
assert_eq "... nor its tell-tale fragment" 0 "$(grep -c -- "7f3a9c2e" "$ALL")"
assert_eq "... nor in any file the runs left (exports, backups, journals)" "" \
	"$(grep -rl -- "$FFKEY" "$TMP" --exclude=all-output 2>/dev/null)"
