#!/usr/bin/env bash
# Ctrl-C: the run stops between steps, exits 130, loses nothing, and resume
# finishes the job.
. "$(dirname "$0")/lib.sh"

"$FIX/gen-devices.sh" 120 int-app >"$TMP/seed.jsonl"
start_emu SRC --seed "$TMP/seed.jsonl" --latency-ms 20
start_emu DST --latency-ms 20
export TTS_APP_ID=int-app TTS_APP_API_KEY=$KEY TTS_API_URL=$SRC
export DEST_TTS_APP_ID=int-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$DST
J="$TMP/int.db"

"$BIN" tts application int-app --to-dest --journal "$J" --concurrency 4 >/dev/null 2>"$TMP/int.err" &
pid=$!
sleep 1.5
kill -INT "$pid"
wait "$pid"
RC=$?
ERR="$TMP/int.err"
assert_rc "Ctrl-C: exit 130" 130
done_before=$(emu_devices "$DST" | jq '.is | length')
if [ "$done_before" -lt 120 ]; then ok "Ctrl-C stopped the run part way ($done_before of 120)"; else
	not_ok "Ctrl-C stopped the run part way" "$done_before of 120 at the destination"
fi
run_tool status --journal "$J"
assert_contains "status after Ctrl-C: no device failed" "$OUT" "errors    0"
run_tool resume --journal "$J" --quiet
assert_rc "resume after Ctrl-C exits 0" 0
assert_eq "every device once at the destination, none left at the source" "120 120 0" \
	"$(emu_devices "$DST" | jq -r '"\(.is | length) \([.is[].ids.device_id] | unique | length)"') $(emu_devices "$SRC" | jq '[.[][]] | length')"

# Export with Ctrl-C: lines already written are whole, and every device that
# left the source is in the file.
start_emu SRC2 --seed "$TMP/seed.jsonl" --latency-ms 20
TTS_API_URL=$SRC2 "$BIN" tts application int-app --tts.delete-source-device --concurrency 4 \
	--output "$TMP/part.json" 2>/dev/null &
pid=$!
sleep 1.5
kill -INT "$pid"
wait "$pid"
RC=$?
assert_rc "export Ctrl-C: exit 130" 130
assert_eq "every line of the partial export is whole JSON" "$(wc -l <"$TMP/part.json")" \
	"$(jq -c . "$TMP/part.json" 2>/dev/null | wc -l)"
gone=$(comm -23 <(jq -r '.ids.device_id' "$TMP/seed.jsonl" | sort) \
	<(emu_devices "$SRC2" | jq -r '.is[].ids.device_id' | sort))
missing=$(comm -23 <(printf '%s\n' $gone | sort) <(jq -r '.ids.device_id' "$TMP/part.json" | sort) | grep -c . || true)
assert_eq "every device deleted at the source is in the export" 0 "$missing"
