#!/usr/bin/env bash
# Applications across several list pages, and ids from stdin for application.
. "$(dirname "$0")/lib.sh"

"$FIX/gen-devices.sh" 250 big-app >"$TMP/seed.jsonl"
start_emu SRC --seed "$TMP/seed.jsonl"
export TTS_APP_API_KEY=$KEY TTS_API_URL=$SRC

emu_clear_requests "$SRC"
run_tool tts application big-app --dry-run --tts.page-size 100
assert_rc "250 devices over 3 pages exit 0" 0
assert_eq "all 250 devices exported once" "250 250" \
	"$(jq -s 'length' "$OUT") $(jq -r '.ids.device_id' "$OUT" | sort -u | wc -l)"
assert_eq "three list pages requested" "3" \
	"$(emu_requests "$SRC" | jq '[.[] | select(.path == "/api/v3/applications/big-app/devices")] | length')"
assert_eq "pages 1, 2, 3 with limit 100" '["1 100","2 100","3 100"]' \
	"$(emu_requests "$SRC" | jq -c '[.[] | select(.path == "/api/v3/applications/big-app/devices") | .query | capture("limit=(?<l>[0-9]+)&page=(?<p>[0-9]+)") | "\(.p) \(.l)"]')"

# Deleting while listing must not skip devices (ids are collected first).
emu_clear_requests "$SRC"
echo big-app | "$BIN" application --source tts --tts.delete-source-device --tts.page-size 100 \
	--output "$TMP/all.json" 2>"$TMP/all.err"
RC=$?
ERR="$TMP/all.err"
assert_rc "delete whole application from stdin exits 0" 0
assert_eq "all 250 exported while deleting" 250 "$(wc -l <"$TMP/all.json")"
assert_eq "source application empty afterwards" 0 "$(emu_devices "$SRC" | jq '[.[][]] | length')"
assert_contains "summary line" "$ERR" "exported 250 of 250 devices, deleted at the source: 250, failed 0"
