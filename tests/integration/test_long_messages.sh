#!/usr/bin/env bash
# Long messages and requests: what used to be composed in fixed buffers by
# pieces (and silently cut) comes out whole, or cut visibly with "...".
. "$(dirname "$0")/lib.sh"

CF="$FIX/check"
unset DEST_TTS_APP_ID DEST_TTS_APP_API_KEY DEST_TTS_API_URL TTNM_DATA_DIR 2>/dev/null || true

# jq_true DESC FILE FILTER [JQ-ARGS...]: the jq filter (on FILE, not slurped) prints true.
jq_true() {
	local desc=$1 file=$2 filter=$3 v
	shift 3
	v=$(jq -e "$@" "$filter" "$file" 2>&1)
	if [ "$v" == "true" ]; then ok "$desc"; else not_ok "$desc" "jq '$filter' gave: $(printf '%s' "$v" | head -c 300)"; fi
}
# words N: N words of text (no long runs of hex digits, which the logs redact as keys).
words() { local i; for i in $(seq 1 "$1"); do printf 'word-%s-' "$i"; done; }

# A directory path of about 700 bytes (three names of some 230 bytes).
LONG="$TMP"
for c in one two three; do
	LONG="$LONG/$c-$(words 30 | cut -c1-225)"
done
mkdir -p "$LONG"

# --- 1. a long file path in the check's findings ----------------------------------------
cp "$CF/device-id-collision.bad.jsonl" "$LONG/devices.jsonl"
run_tool check --format json "$LONG/devices.jsonl"
jq_true "collision: the finding names the first device's whole position" "$OUT" \
	'any(.[]; .rule == "device-id-collision" and (.message | contains("the device at " + $w + " (")))' \
	--arg w "$LONG/devices.jsonl:1"
cp "$CF/eui-duplicate.bad.jsonl" "$LONG/euis.jsonl"
run_tool check --format json "$LONG/euis.jsonl"
jq_true "EUI duplicate: the finding names the first device's whole position" "$OUT" \
	'any(.[]; .rule == "eui-duplicate" and (.message | contains("used by the device at " + $w + " (")))' \
	--arg w "$LONG/euis.jsonl:1"

# A path longer than any one log line used to hold: its error comes after it.
NOFILE="$LONG"
for c in four five six seven eight nine; do NOFILE="$NOFILE/$c-$(words 30 | cut -c1-225)"; done
NOFILE="$NOFILE/x.jsonl"
run_tool check "$NOFILE"
assert_rc "missing long path: exit 2" 2
assert_contains "missing long path: path and reason on one line" "$ERR" "$NOFILE: No such file or directory"

# --- 2. a check listing many DevAddr blocks ----------------------------------------------
PREFIXES=""
for i in $(seq 64 111); do PREFIXES="$PREFIXES${PREFIXES:+,}$(printf '%02X' "$i")000000/8"; done
run_tool check --format json --dest-dev-addr-prefix "$PREFIXES" "$CF/devaddr-outside-destination.bad.jsonl"
want=$(printf '%s' "$PREFIXES" | sed 's/,/, /g')
jq_true "devaddr outside: every destination block listed" "$OUT" \
	'any(.[]; .rule == "devaddr-outside-destination" and (.message | contains($w)))' --arg w "($want)"
jq_true "devaddr outside: the finding goes on after the list" "$OUT" \
	'any(.[]; .rule == "devaddr-outside-destination" and (.message | contains("it belongs to")))'

# --- 3. a CSV header with many columns The Things Stack does not know ---------------------
hdr="id,dev_eui,join_eui,app_key,frequency_plan_id,lorawan_version,lorawan_phy_version"
for i in $(seq 1 60); do hdr="$hdr,vendor_specific_column_$i"; done
hdr="$hdr,$(printf 'z%.0s' $(seq 1 60))"
row="csv-dev-1,70B3D57ED0000001,0000000000000001,A0A0A0A0A0A0A0A0A0A0A0A0A0A0A0A1,EU_863_870_TTN,MAC_V1_0_3,PHY_V1_0_3_REV_A"
for i in $(seq 1 61); do row="$row,x"; done
printf '%s\n%s\n' "$hdr" "$row" >"$TMP/many.csv"
run_tool check "$TMP/many.csv"
assert_contains "CSV: the first unknown column named" "$ERR" '"vendor_specific_column_1", "vendor_specific_column_2"'
assert_contains "CSV: the 60th unknown column named" "$ERR" '"vendor_specific_column_59", "vendor_specific_column_60"'
assert_contains "CSV: a long column name is cut visibly" "$ERR" "\"$(printf 'z%.0s' $(seq 1 40))...\""

# --- 4. long error details from the server, ids of the maximum length ---------------------
APP36="application-$(words 9 | cut -c1-24)"
DEV36="device-$(words 9 | cut -c1-29)"
"$FIX/gen-devices.sh" 1 "$APP36" | jq -c --arg d "$DEV36" --arg t "$(words 60)" \
	'.ids.device_id = $d | .description = $t' >"$TMP/long.jsonl"
assert_eq "fixture: 36-character ids" "36 36" "${#APP36} $(jq -r '.ids.device_id | length' "$TMP/long.jsonl")"
start_emu ECHO --echo-body-errors
DEST_TTS_APP_ID=$APP36 DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$ECHO \
	run_tool import --report "$TMP/long-report.json" "$TMP/long.jsonl"
assert_rc "echoed long error: exit 1" 1
assert_contains "echoed long error: the device id in full" "$ERR" "$DEV36"
# The server's message is longer than the error field: it ends in a visible "...".
jq_true "echoed long error: the report's error is cut visibly" "$TMP/long-report.json" \
	'[.. | objects | .error? | strings | select(contains("invalid request body"))] |
	 length > 0 and all(.[]; test("\\.\\.\\.($|[^.])"))'
grep 'invalid request body' "$ERR" >"$TMP/long-err-lines"
assert_contains "echoed long error: stderr shows the cut" "$TMP/long-err-lines" '...'

# A check refusal at import, for a device of a file at a long path: the
# finding names the whole position, so the refusal's tail is cut, visibly.
DEST_TTS_APP_ID=$APP36 DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$ECHO \
	run_tool import --report "$TMP/dup-report.json" "$LONG/devices.jsonl"
assert_rc "import refusal at a long path: exit 1" 1
jq_true "import refusal at a long path: the report's error is cut visibly or whole" \
	"$TMP/dup-report.json" \
	'[.. | objects | .error? | strings | select(contains("device-id-collision") or contains("the device at"))] |
	 length > 0 and all(.[]; endswith("...") or (contains($w) and endswith("imports it anyway)")))' \
	--arg w "$LONG/devices.jsonl:1 ("

# --- 5. many ids and a long field mask in one request --------------------------------------
"$FIX/gen-devices.sh" 20 "$APP36" "device-$(words 9 | cut -c1-22)" >"$TMP/seed20.jsonl"
start_emu MANY --seed "$TMP/seed20.jsonl"
TTS_APP_ID=$APP36 TTS_APP_API_KEY=$KEY TTS_API_URL=$MANY \
	run_tool tts application "$APP36" --dry-run --output "$TMP/many.out"
assert_rc "export of 20 devices with 36-character ids: exit 0" 0
assert_eq "export: all 20 devices" 20 "$(grep -c . "$TMP/many.out")"
emu_requests "$MANY" >"$TMP/many.req"
jq_true "export: long field masks (the emulator refuses a cut one), all answered 200" "$TMP/many.req" \
	'([.[] | .query // "" | length] | max) > 1000 and all(.[]; .status == 200)'
jq_true "export: every device URL (NS, AS, JS: the IS fields come from the list) holds the whole ids" "$TMP/many.req" \
	'[.[] | select(.path | test("/devices/device-"))] | length >= 60 and
	 all(.[]; .path | test("/applications/" + $a + "/devices/" + $d + "-0000[0-9][0-9]$"))' \
	--arg a "$APP36" --arg d "device-$(words 9 | cut -c1-22)"
