#!/usr/bin/env bash
# A misbehaving server (tests/badserver): every fault must end in one clear
# error line naming the device, a non-zero exit, no crash (the ASan build runs
# this too), no write request at the server (so nothing changes at the
# source), and no API key in the output.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/badserver/lib.sh"

FKEY="NNSXS.FAULTKEY.TOPSECRETFAULTVALUE42"
FSECRET="TOPSECRETFAULTVALUE42"
export TTS_APP_ID=fault-app TTS_APP_API_KEY=$FKEY

# fault MODE NEEDLE [tool args...]: `tts device fault-dev` against a badserver
# in MODE; the error line must contain NEEDLE.
fault() {
	local mode=$1 needle=$2
	shift 2
	start_bad BAD "$mode"
	local t0=$SECONDS
	TTS_API_URL=$BAD run_tool tts device fault-dev "$@"
	local took=$((SECONDS - t0))
	assert_eq "$mode: exit 1" 1 "$RC"
	assert_eq "$mode: exactly one error line" 1 "$(grep -c '^ttn-lw-migrate: error: ' "$ERR")"
	assert_contains "$mode: error names the device and the reason" "$ERR" "error: device \"fault-dev\": "
	assert_contains "$mode: error says what went wrong" "$ERR" "$needle"
	assert_eq "$mode: every stderr line is a tool message" 0 "$(grep -vc '^ttn-lw-migrate: ' "$ERR")"
	assert_no_sanitizer "$mode: no sanitizer report" "$ERR"
	assert_eq "$mode: nothing on stdout" 0 "$(wc -c <"$OUT")"
	assert_eq "$mode: only GET reached the server" "GET" "$(bad_methods "$BAD_LOG")"
	assert_not_contains "$mode: API key not in stderr" "$ERR" "$FSECRET"
	if [ "$took" -le 20 ]; then ok "$mode: bounded time (${took}s)"; else not_ok "$mode: bounded time" "took ${took}s"; fi
	kill "${T_PIDS[-1]}" 2>/dev/null
}

fault truncated "reading from the Identity Server: transfer closed"
fault html "HTTP 200 with a malformed body"
fault huge "response body larger than 32 MiB"
fault huge-chunked "response body larger than 32 MiB"
fault gzip-bomb "response body larger than 32 MiB"
fault slowloris "timed out" --timeout 2 --retries 1
assert_eq "slowloris: the timeout was retried once, then given up" 2 "$(wc -l <"$BAD_LOG")"
fault hang "timed out" --timeout 2 --retries 0
fault close "reading from the Identity Server: Empty reply"
fault bad-utf8 "HTTP 200 with a malformed body (unable to decode byte"
fault wrong-types "reading from the Identity Server: the answer is not a valid end device (frequency_plan_id: a number"
fault ns-session-number "reading from the Network Server: the answer is not a valid end device (session: a number where"
fault error-200 "reading from the Identity Server: HTTP 200 with an error body: error:pkg/registry:device_not_found"
fault big-header "reading from the Identity Server"
# A 400 refusing paths, listed with non-strings among them (used to crash).
fault forbidden-mixed "reading from the Identity Server: HTTP 400"
assert_contains "forbidden-mixed: the refused string path is named" "$ERR" "refused field paths created_at "

# The huge body is refused as soon as the bound is passed, not after 40 MiB.
start_bad HUGE huge
TTS_API_URL=$HUGE run_tool tts device fault-dev --tts.delete-source-device
assert_eq "huge with --delete-source-device: exit 1, no delete" "1 GET" "$RC $(bad_methods "$HUGE_LOG")"
assert_eq "huge: not retried" 1 "$(wc -l <"$HUGE_LOG")"

# --- a redirect must not be followed: the key never reaches the other server -----
start_bad REC ok
start_bad REDIR redirect --location "$REC"
TTS_API_URL=$REDIR run_tool tts device fault-dev
assert_eq "redirect: exit 1" 1 "$RC"
assert_contains "redirect: error shows the status" "$ERR" "HTTP 302"
assert_eq "redirect: only GET at the redirecting server" "GET" "$(bad_methods "$REDIR_LOG")"
assert_eq "redirect: the other server got no request at all" 0 "$(wc -l <"$REC_LOG")"
assert_eq "redirect: no Authorization header reached the other server" 0 "$(grep -c 'auth=1' "$REC_LOG")"
assert_not_contains "redirect: API key not in stderr" "$ERR" "$FSECRET"
# Same with a whole application and with the destination side (import).
TTS_API_URL=$REDIR run_tool tts application fault-app
assert_eq "redirect (application): exit 1, other server untouched" "1 0" "$RC $(wc -l <"$REC_LOG")"
printf '%s\n' '{"ids":{"device_id":"imp-dev","dev_eui":"70B3D57ED0000002","join_eui":"70B3D57ED0000003"},"frequency_plan_id":"EU_863_870_TTN","lorawan_version":"MAC_V1_0_3","lorawan_phy_version":"PHY_V1_0_3_REV_A","supports_join":true,"root_keys":{"app_key":{"key":"00112233445566778899AABBCCDDEEFF"}}}' >"$TMP/imp.json"
DEST_TTS_APP_ID=fault-app DEST_TTS_APP_API_KEY=$FKEY DEST_TTS_API_URL=$REDIR run_tool import "$TMP/imp.json"
assert_eq "redirect (import): exit 1" 1 "$RC"
assert_contains "redirect (import): the create failed on the 302" "$ERR" "HTTP 302"
assert_eq "redirect (import): the other server got no request" 0 "$(wc -l <"$REC_LOG")"
assert_not_contains "redirect (import): API key not in stderr" "$ERR" "$FSECRET"
assert_no_sanitizer "redirect: no sanitizer report" "$ERR"
# A destination that answers the create with 200 and an error body: not created.
start_bad E200 error-200
DEST_TTS_APP_ID=fault-app DEST_TTS_APP_API_KEY=$FKEY DEST_TTS_API_URL=$E200 run_tool import "$TMP/imp.json"
assert_eq "import, 200 with an error body: exit 1" 1 "$RC"
assert_contains "import, 200 with an error body: not counted as created" "$ERR" \
	"creating on the Identity Server: HTTP 200 with an error body"
assert_contains "import, 200 with an error body: summary" "$ERR" "created 0 of 1"

# --- application listing against bad answers ---------------------------------------
for mode in html truncated huge bad-utf8; do
	start_bad LIST "$mode"
	TTS_API_URL=$LIST run_tool tts application fault-app --tts.delete-source-device
	assert_eq "application listing, $mode: exit 1" 1 "$RC"
	assert_contains "application listing, $mode: error names the application" "$ERR" \
		'application "fault-app": listing devices on the Identity Server'
	assert_eq "application listing, $mode: only GET" "GET" "$(bad_methods "$LIST_LOG")"
	assert_no_sanitizer "application listing, $mode: no sanitizer report" "$ERR"
	kill "${T_PIDS[-1]}" 2>/dev/null
done
