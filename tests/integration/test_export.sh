#!/usr/bin/env bash
# The seed's export commands, end to end, against the TTS emulator.
. "$(dirname "$0")/lib.sh"

start_emu SRC --seed "$FIX/seed-export.jsonl"
export TTS_APP_ID=my-app TTS_APP_API_KEY=$KEY TTS_API_URL=$SRC

# --- seed form, one device ------------------------------------------------
emu_clear_requests "$SRC"
run_tool device --source tts 'otaa-dev' --dry-run
assert_rc "seed form exits 0" 0
assert_eq "seed form prints one line" 1 "$(wc -l <"$OUT")"
assert_jq "session kept (DevAddr, keys, counters)" "$OUT" \
	'.[0].session.dev_addr == "260B2F9D" and .[0].session.keys.app_s_key.key == "E82B8166DFB4DA501E169D6380792512" and .[0].session.keys.f_nwk_s_int_key.key == "E276C2B1A158B29C85996EEEDDDEC551" and .[0].session.last_f_cnt_up == 64 and .[0].session.last_a_f_cnt_down == 3 and .[0].session.keys.session_key_id == "eVNOD7hXFrwVAnqypet9Og=="'
assert_jq "MAC state and root keys kept" "$OUT" \
	'(.[0].mac_state.current_parameters.channels | length) == 3 and .[0].root_keys.app_key.key == "EFE35B55F8B394A68567F8A36F5AC44A" and .[0].mac_state.device_class == "CLASS_A"'
assert_jq "IS, AS fields merged (name, attributes, formatters)" "$OUT" \
	'.[0].name == "Test Device" and .[0].attributes.site == "roof" and .[0].formatters.up_formatter == "FORMATTER_JAVASCRIPT"'
assert_jq "no *_server_address, no ids.dev_addr" "$OUT" \
	'(.[0] | has("network_server_address") or has("application_server_address") or has("join_server_address") or (.ids | has("dev_addr"))) | not'
assert_jq "TTS JSON encoding: enum names, uint64 as string" "$OUT" \
	'.[0].lorawan_version == "MAC_V1_0_2" and .[0].lorawan_phy_version == "PHY_V1_0_2_REV_B" and .[0].mac_state.current_parameters.rx2_frequency == "869525000"'
assert_eq "dry run: no write request" "[]" "$(emu_writes "$SRC")"
assert_eq "components read in order IS, JS, AS, NS" \
	'["/api/v3/applications/my-app/devices/otaa-dev","/api/v3/js/applications/my-app/devices/otaa-dev","/api/v3/as/applications/my-app/devices/otaa-dev","/api/v3/ns/applications/my-app/devices/otaa-dev"]' \
	"$(emu_requests "$SRC" | jq -c '[.[].path]')"
assert_jq "each component asked only for its own fields" <(emu_requests "$SRC") \
	'.[0] | map(.query) | (.[0] | contains("session") | not) and (.[1] | contains("root_keys.app_key.key")) and (.[2] | contains("session.keys.app_s_key.key")) and (.[3] | contains("mac_state.current_parameters.channels")) and (.[3] | contains("session.keys.app_s_key") | not)'
seed_out=$OUT

# --- current upstream form gives the same bytes ---------------------------
run_tool tts device 'otaa-dev' --dry-run
assert_rc "tts device exits 0" 0
if cmp -s "$seed_out" "$OUT"; then ok "both forms give identical output"; else not_ok "both forms give identical output"; fi
run_tool tts device 'otaa-dev' --dry-run --app-id my-app --tts.app-api-key "$KEY"
assert_rc "flags in both spellings under tts" 0

# --- stdin, CRLF, blank lines, --verbose ----------------------------------
emu_clear_requests "$SRC"
printf 'otaa-dev\r\n\r\n  abp-dev  \r\n\notaa-nosess' >"$TMP/ids.txt"
"$BIN" tts device --dry-run --verbose --concurrency 1 <"$TMP/ids.txt" >"$TMP/stdin.out" 2>"$TMP/stdin.err"
RC=$?
ERR="$TMP/stdin.err"
assert_rc "stdin ids exit 0" 0
assert_eq "stdin ids with --concurrency 1: three devices, in input order" '["otaa-dev","abp-dev","otaa-nosess"]' \
	"$(jq -c -s '[.[].ids.device_id]' "$TMP/stdin.out")"
assert_eq "dry run with stdin: no write request" "[]" "$(emu_writes "$SRC")"
assert_contains "--verbose logs requests" "$TMP/stdin.err" "GET $SRC/api/v3/ns/applications/my-app/devices/abp-dev"
assert_not_contains "--verbose never shows the API key" "$TMP/stdin.err" "$SECRET_PART"
assert_not_contains "--verbose never shows session keys" "$TMP/stdin.err" "E82B8166DFB4DA501E169D6380792512"
assert_contains "ABP device not on the JS is a warning" "$TMP/stdin.err" 'device "abp-dev": not on the Join Server'
assert_jq "ABP device exported with its session" "$TMP/stdin.out" \
	'(.[1].supports_join // false) == false and .[1].session.dev_addr == "260B1234" and .[1].session.keys.app_s_key.key == "22222222222222222222222222222222" and (.[1] | has("root_keys") | not)'
assert_jq "device without session exported without one" "$TMP/stdin.out" \
	'((.[2] | has("session") or has("mac_state")) | not) and .[2].root_keys.app_key.key == "0102030405060708090A0B0C0D0E0F10"'

# --- no session --------------------------------------------------------------
run_tool tts device otaa-dev --dry-run --no-session
assert_jq "--no-session clears the session paths" "$OUT" \
	'((.[0] | has("session") or has("mac_state") or has("pending_session") or has("pending_mac_state")) | not) and .[0].root_keys.app_key.key != null'
TTS_NO_SESSION=true run_tool tts device otaa-dev --dry-run
assert_jq "TTS_NO_SESSION=true does the same" "$OUT" '(.[0] | has("session")) | not'

# --- prefix and ids ------------------------------------------------------------
run_tool tts device otaa-dev --dry-run --dev-id-prefix eu
assert_jq "--dev-id-prefix renames and keeps old-id" "$OUT" \
	'.[0].ids.device_id == "eu-otaa-dev" and .[0].attributes["old-id"] == "otaa-dev" and .[0].attributes.site == "roof"'
run_tool tts device otaa-dev --dry-run --dev-id-prefix abcdefghijklmnopqrstuvwxyz0123
assert_rc "id longer than 36 after prefixing fails" 1
assert_contains "36-char error names the id" "$ERR" "otaa-dev"

# --- whole application ---------------------------------------------------------
run_tool tts application my-app --dry-run
assert_rc "tts application exits 0" 0
assert_eq "application exports all devices" '["abp-dev","classb-dev","otaa-dev","otaa-nosess"]' \
	"$(jq -c -s '[.[].ids.device_id] | sort' "$OUT")"
run_tool application --source tts my-app --dry-run
assert_eq "legacy application form" 4 "$(wc -l <"$OUT")"

# --- sources -------------------------------------------------------------------
run_tool sources
assert_contains "sources lists tts" "$OUT" "tts"

# Concurrent workers: same devices, lines in the order they finish.
printf 'otaa-dev\nabp-dev\notaa-nosess\nclassb-dev\n' | "$BIN" tts device --dry-run --concurrency 8 >"$TMP/conc.out" 2>/dev/null
assert_eq "--concurrency 8: every device once" '["abp-dev","classb-dev","otaa-dev","otaa-nosess"]' \
	"$(jq -c -s '[.[].ids.device_id] | sort' "$TMP/conc.out")"

# --check: what would be exported, checked; nothing written at the source.
emu_clear_requests "$SRC"
run_tool tts application my-app --check
assert_rc "--check on healthy devices exits 0" 0
assert_contains "--check prints the summary line" "$OUT" "0 errors, 0 warnings, 1 info in 4 devices"
assert_eq "--check: no write request" "[]" "$(emu_writes "$SRC")"
start_emu CLOUD --dev-addr-prefix 27ABCD00/24
DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$CLOUD run_tool tts application my-app --check --format json
assert_jq "--check with a destination: the gateway warning for Sandbox DevAddrs" "$OUT" \
	'[.[0][] | select(.rule == "devaddr-outside-destination")] | length == 3'
# A source holding a device that cannot work elsewhere (ABP, no session).
jq -c 'select(.ids.device_id == "abp-dev") | .ids.device_id = "abp-broken" | .ids.dev_eui = "0004A30B001C0531" | del(.session, .mac_state)' \
	"$FIX/seed-export.jsonl" >"$TMP/broken.jsonl"
cat "$FIX/seed-export.jsonl" >>"$TMP/broken.jsonl"
start_emu BROKEN --seed "$TMP/broken.jsonl"
export TTS_API_URL=$BROKEN
emu_clear_requests "$BROKEN"
run_tool tts application my-app --check
assert_rc "--check with an error exits 1" 1
assert_contains "--check names the bad device and rule" "$OUT" "abp-without-session"
assert_eq "--check with errors: still no write request" "[]" "$(emu_writes "$BROKEN")"
export TTS_API_URL=$SRC

# Progress: a line on a terminal, nothing when stderr is a file or a pipe.
export TTS_API_URL=$SRC
"$BIN" tts application my-app --dry-run >/dev/null 2>"$TMP/noprogress.err"
if grep -q $'\r' "$TMP/noprogress.err"; then not_ok "no progress line when stderr is a file"; else ok "no progress line when stderr is a file"; fi
assert_contains "a summary line even when stderr is a file" "$TMP/noprogress.err" "exported 4 of 4 devices"
if command -v script >/dev/null; then
	# script(1) gives the tool a terminal; its output is what the terminal got.
	script -qec "'$BIN' tts application my-app --dry-run --output '$TMP/tty.json'" "$TMP/tty.typescript" >/dev/null 2>&1 </dev/null
	if grep -q "exporting \[" "$TMP/tty.typescript"; then ok "progress bar on a terminal"; else
		not_ok "progress bar on a terminal" "$(head -c 300 "$TMP/tty.typescript")"
	fi
	script -qec "'$BIN' tts application my-app --dry-run --quiet --output '$TMP/tty2.json'" "$TMP/tty2.typescript" >/dev/null 2>&1 </dev/null
	if grep -q "exporting" "$TMP/tty2.typescript"; then not_ok "--quiet: no progress on a terminal"; else ok "--quiet: no progress on a terminal"; fi
fi
