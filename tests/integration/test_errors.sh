#!/usr/bin/env bash
# Bad input and bad servers: one clear line naming the device and the
# component, a non-zero exit, no crash, and nothing written at the source.
. "$(dirname "$0")/lib.sh"

start_emu SRC --seed "$FIX/seed-export.jsonl"
export TTS_APP_ID=my-app TTS_APP_API_KEY=$KEY TTS_API_URL=$SRC

expect_clean_failure() { # DESC EXPECTED_RC NEEDLE
	assert_rc "$1: exit $2" "$2"
	assert_contains "$1: message" "$ERR" "$3"
	assert_not_contains "$1: API key not shown" "$ERR" "$SECRET_PART"
	assert_eq "$1: nothing on stdout" 0 "$(wc -c <"$OUT")"
}

# --- not found, bad ids ----------------------------------------------------------
emu_clear_requests "$SRC"
run_tool tts device no-such-device
expect_clean_failure "unknown device" 1 'device "no-such-device": reading from the Identity Server: not found'
assert_eq "unknown device: nothing written" "[]" "$(emu_writes "$SRC")"
run_tool tts device 'Bad_ID'
expect_clean_failure "invalid device id" 1 'device "Bad_ID": not a valid device ID'
env -u TTS_APP_ID "$BIN" tts device otaa-dev >"$TMP/noapp.out" 2>"$TMP/noapp.err"
RC=$? ERR="$TMP/noapp.err" OUT="$TMP/noapp.out"
expect_clean_failure "no application id" 2 "no application ID"

# --- auth ------------------------------------------------------------------------
TTS_APP_API_KEY=NNSXS.EMULATOR.WRONGSECRET run_tool tts device otaa-dev
expect_clean_failure "wrong API key secret" 1 "HTTP 401"
assert_not_contains "wrong key not shown" "$ERR" "WRONGSECRET"
TTS_APP_API_KEY=NNSXS.UNKNOWN.OTHERSECRET run_tool tts device otaa-dev
expect_clean_failure "unknown API key" 1 "api_key_not_found"
start_emu OTHER --seed "$FIX/seed-export.jsonl" --api-key NNSXS.K1.S3CRETVALUE=other-app
TTS_API_URL=$OTHER TTS_APP_API_KEY=NNSXS.K1.S3CRETVALUE run_tool tts device otaa-dev
expect_clean_failure "key of another application" 1 "HTTP 403"
unset -v OTHER

# --- missing in one component, identifiers that disagree --------------------------
curl -sf -X DELETE -H "Authorization: Bearer $KEY" "$SRC/api/v3/ns/applications/my-app/devices/otaa-nosess" >/dev/null
emu_clear_requests "$SRC"
run_tool tts device otaa-nosess
expect_clean_failure "missing on the NS" 1 'device "otaa-nosess": reading from the Network Server: not found'
assert_eq "missing on the NS: nothing written" "[]" "$(emu_writes "$SRC")"

sleep 0.01
curl -sf -X PUT -H "Authorization: Bearer $KEY" "$SRC/api/v3/ns/applications/my-app/devices/otaa-nosess" \
	-d '{"end_device":{"ids":{"device_id":"otaa-nosess","application_ids":{"application_id":"my-app"},"dev_eui":"70B3D57ED005BBBB","join_eui":"0000000000000000"},"frequency_plan_id":"EU_863_870_TTN","lorawan_version":"MAC_V1_0_4","lorawan_phy_version":"RP002_V1_0_3","supports_join":true},"field_mask":{"paths":["frequency_plan_id","lorawan_version","lorawan_phy_version","supports_join"]}}' >/dev/null
emu_clear_requests "$SRC"
run_tool tts device otaa-nosess
expect_clean_failure "dev_eui differs between components" 1 'ids.dev_eui differs between'
assert_contains "mismatch names both values" "$ERR" '"70B3D57ED005AAAA"'
assert_contains "mismatch names the other value" "$ERR" '"70B3D57ED005BBBB"'
assert_eq "mismatch: nothing written" "[]" "$(emu_writes "$SRC")"

# created_at is the earliest, updated_at the latest of the components.
curl -sf -X PUT -H "Authorization: Bearer $KEY" "$SRC/api/v3/ns/applications/my-app/devices/abp-dev" \
	-d '{"end_device":{"ids":{"device_id":"abp-dev","application_ids":{"application_id":"my-app"}},"battery_percentage":0.5},"field_mask":{"paths":["battery_percentage"]}}' >/dev/null
run_tool tts device abp-dev --dry-run
devs=$(emu_devices "$SRC")
is_created=$(jq -r '.is[] | select(.ids.device_id == "abp-dev") | .created_at' <<<"$devs")
ns_updated=$(jq -r '.ns[] | select(.ids.device_id == "abp-dev") | .updated_at' <<<"$devs")
assert_eq "created_at is the earliest, updated_at the latest" "$is_created $ns_updated" \
	"$(jq -r '"\(.created_at) \(.updated_at)"' "$OUT")"

# --- server faults -----------------------------------------------------------------
start_emu FLAKY --seed "$FIX/seed-export.jsonl" --throttle-every 2
TTS_API_URL=$FLAKY run_tool tts device otaa-dev abp-dev --dry-run
assert_rc "429 on every 2nd request: retried, exit 0" 0
assert_eq "429: both devices exported" 2 "$(wc -l <"$OUT")"
assert_eq "429s were answered" "true" "$(emu_requests "$FLAKY" | jq '[.[] | select(.status == 429)] | length > 2')"

start_emu FIVE --seed "$FIX/seed-export.jsonl" --fail-every 3 --fail-status 503
TTS_API_URL=$FIVE run_tool tts device otaa-dev abp-dev otaa-nosess
assert_rc "503 on every 3rd request: retried, exit 0" 0
assert_eq "503: all three exported" 3 "$(wc -l <"$OUT")"

start_emu DROP --seed "$FIX/seed-export.jsonl" --drop-every 4
TTS_API_URL=$DROP run_tool tts device otaa-dev abp-dev otaa-nosess --dry-run
assert_rc "dropped connections: retried, exit 0" 0
assert_eq "dropped connections: all three exported" 3 "$(wc -l <"$OUT")"

start_emu DOWN --seed "$FIX/seed-export.jsonl" --fail-every 1 --fail-status 503
TTS_API_URL=$DOWN run_tool tts device otaa-dev --retries 2
expect_clean_failure "persistent 503" 1 'device "otaa-dev": reading from the Identity Server: HTTP 503'
assert_eq "persistent 503: 3 attempts, no write" '3 0' \
	"$(emu_requests "$DOWN" | jq -r '"\(length) \([.[] | select(.method != "GET")] | length)"')"

start_emu HALF --seed "$FIX/seed-export.jsonl" --fail-every 1 --fail-status 500
TTS_API_URL=$HALF run_tool tts device otaa-dev
expect_clean_failure "500 is not retried" 1 "HTTP 500"
assert_eq "500: one attempt" 1 "$(emu_requests "$HALF" | jq length)"

# --- transport failures --------------------------------------------------------------
TTS_API_URL=http://127.0.0.1:1 run_tool tts device otaa-dev
expect_clean_failure "connection refused" 1 'device "otaa-dev": reading from the Identity Server:'
TTS_API_URL=${SRC/http:/https:} run_tool tts device otaa-dev --retries 0
expect_clean_failure "TLS failure (https to a plain server)" 1 'device "otaa-dev": reading from the Identity Server:'
TTS_API_URL=http://example.com run_tool tts device otaa-dev
expect_clean_failure "plain http to a remote host refused" 2 "plain http:// would send the API key unencrypted"
env -u TTS_API_URL TTS_DEFAULT_GRPC_ADDRESS=127.0.0.1:${SRC##*:} "$BIN" tts device otaa-dev --verbose --retries 0 \
	>"$TMP/grpc.out" 2>"$TMP/grpc.err"
RC=$? ERR="$TMP/grpc.err" OUT="$TMP/grpc.out"
assert_contains "gRPC address taken as https://HOST (said with --verbose)" "$ERR" \
	"using https://127.0.0.1, derived from the gRPC address 127.0.0.1:"

# --- a server of another version refuses field paths -----------------------------------
start_emu OLD --seed "$FIX/seed-export.jsonl" --reject-paths mac_state.recent_uplinks,session.started_at
TTS_API_URL=$OLD run_tool tts device otaa-dev abp-dev --dry-run --concurrency 1
assert_rc "refused paths: exit 0" 0
assert_contains "refused paths: warning names them" "$ERR" "mac_state.recent_uplinks,session.started_at"
assert_jq "refused paths: the rest is exported" "$OUT" \
	'length == 2 and .[0].session.dev_addr == "260B2F9D" and (.[0].session | has("started_at") | not)'
assert_eq "refused paths: one retry, then the narrowed mask is kept" 3 \
	"$(emu_requests "$OLD" | jq '[.[] | select(.path | startswith("/api/v3/ns/"))] | length')"
