#!/usr/bin/env bash
# The plain export with --tts.delete-source-device never loses a device:
# every export is in a 0600 backup in the state directory whatever stdout is,
# a run killed during the batched deletes is completed by the next run, and a
# write failure of the export stops the run before the device is touched.
# Files that hold keys refuse symlinks and are mode 0600.
. "$(dirname "$0")/lib.sh"

N=40
"$FIX/gen-devices.sh" "$N" safe-app >"$TMP/seed.jsonl"
export TTS_APP_ID=safe-app TTS_APP_API_KEY=$KEY
STATE="$XDG_STATE_HOME/ttn-lw-migrate"

# lost EMU FILES...: the devices of the seed that are neither at the source
# in every component nor, whole (session and root keys), in one of FILES.
lost() {
	local emu=$1
	shift
	local kept
	kept=$(cat "$@" /dev/null 2>/dev/null | jq -c -R 'fromjson? // empty' | jq -c -s '[.[] | select(.session.keys.app_s_key.key != null and .root_keys.app_key.key != null) | "\(.ids.device_id) \(.session.keys.app_s_key.key) \(.root_keys.app_key.key)"]')
	emu_devices "$emu" | jq -r --slurpfile seed "$TMP/seed.jsonl" --argjson kept "$kept" '
		[.[][] | .ids.device_id] as $at
		| [$seed[] | .ids.device_id as $d
			| select(([$at[] | select(. == $d)] | length) != 4)
			| select(("\($d) \(.session.keys.app_s_key.key) \(.root_keys.app_key.key)") as $k | $kept | index($k) | not)
			| $d] | join(",")' || echo "(lost: jq failed)"
}
# half EMU: devices at the source in some components but not all.
half() {
	emu_devices "$1" | jq -r '[.[][] | .ids.device_id] | group_by(.) | map(select(length != 4) | .[0]) | join(",")'
}
backups() { ls "$STATE"/export-*.jsonl 2>/dev/null; }

# --- a kill during the batched deletes, then the same command again ------------
# --concurrency 1: request 1 lists (the IS fields of every device), 2-61 read
# devices 1-20 from JS, AS, NS, 62-65 delete them in a batch on AS, NS, JS,
# IS. A kill after 63: AS and NS deleted.
start_emu SRC --seed "$TMP/seed.jsonl"
export TTS_API_URL=$SRC
(TTNM_TEST_KILL_AFTER_REQUESTS=63 "$BIN" tts application safe-app --tts.delete-source-device --concurrency 1 >"$TMP/out.json" 2>"$TMP/kill1.err"; exit $?) 2>/dev/null
RC=$?
assert_eq "the run was killed during the deletes" 137 "$RC"
assert_eq "after the kill: 20 devices half deleted" 20 "$(half "$SRC" | tr ',' '\n' | grep -c .)"
b1=$(backups | head -n1)
if [ -n "$b1" ]; then ok "a backup is kept although stdout is a file"; else not_ok "a backup is kept although stdout is a file"; fi
assert_contains "stderr names the backup before any device" "$TMP/kill1.err" "${b1:-no backup}"
assert_eq "backup is mode 0600" 600 "$(stat -c %a "$b1" 2>/dev/null)"
assert_eq "after the kill: nothing lost" "" "$(lost "$SRC" $(backups) "$TMP/out.json")"
"$BIN" tts application safe-app --tts.delete-source-device --concurrency 1 >"$TMP/out.json" 2>"$TMP/rerun.err"
RC=$?
ERR="$TMP/rerun.err"; [ -n "${SHOW:-}" ] && cat "$ERR" >&2
assert_rc "the re-run exits 0" 0
assert_eq "the re-run: no device half deleted" "" "$(half "$SRC")"
assert_eq "the re-run: every device gone from the source" 0 "$(emu_devices "$SRC" | jq '[.[][]] | length')"
assert_eq "the re-run: nothing lost" "" "$(lost "$SRC" $(backups) "$TMP/out.json")"
assert_contains "the re-run says it completed the earlier deletes" "$ERR" "completed"

# --- the same command with > out.json, killed three times, then to the end -----
# 60 devices, --concurrency 1. Each killed run first completes what the one
# before left (20 IS reads, 4 batch deletes), lists (1), reads the next 20
# devices (60: JS, AS, NS; the IS fields came with the list), then is killed
# among their batch deletes (run 1: request 63; runs 2 and 3: 87 after AS and
# NS, 88 after the JS too).
rm -rf "$STATE"
"$FIX/gen-devices.sh" 60 safe-app >"$TMP/seed60.jsonl"
cp "$TMP/seed.jsonl" "$TMP/seed40.jsonl" && cp "$TMP/seed60.jsonl" "$TMP/seed.jsonl"
start_emu SRC2 --seed "$TMP/seed.jsonl"
export TTS_API_URL=$SRC2
cycle_lost="" cycle_half=""
for k in 63 87 88; do
	(TTNM_TEST_KILL_AFTER_REQUESTS=$k "$BIN" tts application safe-app --tts.delete-source-device --concurrency 1 --quiet >"$TMP/out2.json" 2>>"$TMP/cycles.err"; exit $?) 2>/dev/null
	rc=$?
	l=$(lost "$SRC2" $(backups) "$TMP/out2.json")
	[ -n "$l" ] && cycle_lost="$cycle_lost after kill at $k: $l;"
	[ "$rc" -eq 137 ] && [ -n "$(half "$SRC2")" ] || cycle_half="$cycle_half $k(rc $rc)"
done
assert_eq "each of the three runs was killed with devices half deleted" "" "$cycle_half"
assert_eq "three killed runs of the same > out.json command: nothing lost" "" "$cycle_lost"
"$BIN" tts application safe-app --tts.delete-source-device --concurrency 1 >"$TMP/out2.json" 2>"$TMP/final.err"
RC=$?
ERR="$TMP/final.err"
assert_rc "the fourth run finishes, exit 0" 0
assert_eq "after the fourth run: the source is empty" 0 "$(emu_devices "$SRC2" | jq '[.[][]] | length')"
assert_eq "after the fourth run: nothing lost" "" "$(lost "$SRC2" $(backups) "$TMP/out2.json")"
# The same command at the default concurrency, killed at random points.
rm -rf "$STATE"
start_emu SRC3 --seed "$TMP/seed.jsonl"
export TTS_API_URL=$SRC3
cycle_lost=""
for k in 90 50 120 70; do
	(TTNM_TEST_KILL_AFTER_REQUESTS=$k "$BIN" tts application safe-app --tts.delete-source-device --quiet >"$TMP/out3.json" 2>>"$TMP/cycles.err"; exit $?) 2>/dev/null
	l=$(lost "$SRC3" $(backups) "$TMP/out3.json")
	[ -n "$l" ] && cycle_lost="$cycle_lost after kill at $k: $l;"
done
"$BIN" tts application safe-app --tts.delete-source-device --quiet >"$TMP/out3.json" 2>>"$TMP/cycles.err"
RC=$?
ERR="$TMP/cycles.err"
assert_rc "concurrent runs killed four times, then a fifth: exit 0" 0
assert_eq "concurrent runs killed four times: nothing lost" "" "$cycle_lost"
assert_eq "concurrent runs killed four times: the source is empty" 0 "$(emu_devices "$SRC3" | jq '[.[][]] | length')"
assert_eq "concurrent runs killed four times: nothing lost at the end" "" "$(lost "$SRC3" $(backups) "$TMP/out3.json")"
cp "$TMP/seed40.jsonl" "$TMP/seed.jsonl"

# --- write failures of the export stop the run before the source is touched ---
rm -rf "$STATE"
start_emu W --seed "$TMP/seed.jsonl"
export TTS_API_URL=$W
emu_clear_requests "$W"
"$BIN" tts application safe-app --tts.delete-source-device >/dev/full 2>"$TMP/full.err"
RC=$?
ERR="$TMP/full.err"
assert_rc "/dev/full as stdout: exit 1" 1
assert_eq "/dev/full as stdout: nothing written at the source" "[]" "$(emu_writes "$W")"
assert_contains "/dev/full as stdout: says the source was not changed" "$ERR" "source was not changed"

(exec 1>&-; "$BIN" tts application safe-app --tts.delete-source-device 2>"$TMP/closed.err")
RC=$?
ERR="$TMP/closed.err"
assert_rc "closed stdout: exit 1" 1
assert_eq "closed stdout: nothing written at the source" "[]" "$(emu_writes "$W")"

# A read-only state directory (root writes anywhere: only as another user).
if [ "$(id -u)" -ne 0 ]; then
	mkdir -p "$STATE" && chmod 500 "$STATE"
	"$BIN" tts application safe-app --tts.delete-source-device >"$TMP/ro.json" 2>"$TMP/ro.err"
	RC=$?
	ERR="$TMP/ro.err"
	chmod 700 "$STATE"
	assert_rc "read-only backup directory, stdout a file: exit 1" 1
	assert_eq "read-only backup directory: nothing written at the source" "[]" "$(emu_writes "$W")"
	assert_contains "read-only backup directory: names the backup" "$ERR" "backup"
fi

: >"$TMP/a-file"
XDG_STATE_HOME="$TMP/a-file" "$BIN" tts application safe-app --tts.delete-source-device >"$TMP/nostate.json" 2>"$TMP/nostate.err"
RC=$?
ERR="$TMP/nostate.err"
assert_rc "XDG_STATE_HOME is a file, stdout a file: exit 1" 1
assert_eq "no backup directory: nothing written at the source" "[]" "$(emu_writes "$W")"
assert_contains "no backup directory: names the backup" "$ERR" "backup"
assert_eq "no backup directory: nothing exported" 0 "$(wc -c <"$TMP/nostate.json")"

# A full disk mid-run (a file size limit): the run stops at the device whose
# export could not be written; it and every later one stay at the source.
rm -rf "$STATE"
(ulimit -f 12; "$BIN" tts application safe-app --tts.delete-source-device --concurrency 1 >"$TMP/fsize.json" 2>"$TMP/fsize.err")
RC=$?
ERR="$TMP/fsize.err"; [ -n "${SHOW:-}" ] && cat "$ERR" >&2
assert_rc "a full disk mid-run: exit 1" 1
assert_contains "a full disk mid-run: one line says the source was not changed" "$ERR" "source was not changed"
failed_dev=$(sed -n 's/.*error: device "\([^"]*\)".*source was not changed.*/\1/p' "$ERR" | head -n1)
assert_eq "a full disk mid-run: the device that failed is whole at the source" 4 \
	"$(emu_devices "$W" | jq --arg d "${failed_dev:-none}" '[.[][] | select(.ids.device_id == $d)] | length')"
assert_eq "a full disk mid-run: nothing lost" "" "$(lost "$W" $(backups) "$TMP/fsize.json")"
assert_eq "a full disk mid-run: no device half deleted" "" "$(half "$W")"
exported=$(jq -s length "$TMP/fsize.json")
assert_eq "a full disk mid-run: only the written devices were deleted" "$((N - exported))" \
	"$(emu_devices "$W" | jq '[.is[]] | length')"

# --- files that hold keys --------------------------------------------------------
start_emu F --seed "$FIX/seed-export.jsonl"
export TTS_APP_ID=my-app TTS_API_URL=$F
echo "precious" >"$TMP/target"
ln -s "$TMP/target" "$TMP/link.json"
emu_clear_requests "$F"
run_tool tts device otaa-dev --tts.delete-source-device --output "$TMP/link.json"
assert_rc "--output is a symlink: exit 1" 1
assert_contains "--output is a symlink: one line says so" "$ERR" "symbolic link"
assert_eq "--output is a symlink: its target is untouched" "precious" "$(cat "$TMP/target")"
assert_eq "--output is a symlink: nothing written at the source" "[]" "$(emu_writes "$F")"

echo '{}' >"$TMP/old.json" && chmod 644 "$TMP/old.json"
run_tool tts device otaa-dev --dry-run --output "$TMP/old.json"
assert_eq "a pre-existing 0644 --output file becomes 0600" 600 "$(stat -c %a "$TMP/old.json")"
echo '{}' >"$TMP/append.json" && chmod 644 "$TMP/append.json"
"$BIN" tts device otaa-dev --dry-run >>"$TMP/append.json" 2>/dev/null
assert_eq "a pre-existing 0644 file appended to with >> becomes 0600" 600 "$(stat -c %a "$TMP/append.json")"

# An old backup and ledger (a killed run) that are 0644 are narrowed when read.
rm -rf "$STATE"
start_emu K --seed "$TMP/seed.jsonl"
export TTS_APP_ID=safe-app TTS_API_URL=$K
(TTNM_TEST_KILL_AFTER_REQUESTS=83 "$BIN" tts application safe-app --tts.delete-source-device --concurrency 1 >/dev/null 2>&1; exit $?) 2>/dev/null
chmod 644 "$STATE"/*
run_tool tts device dev-000040 --tts.delete-source-device --output "$TMP/k.json"
assert_rc "re-run after a kill with 0644 state files: exit 0" 0
assert_eq "the old state files are narrowed to 0600" "600" "$(stat -c %a "$STATE"/* | sort -u | tr '\n' ' ' | sed 's/ $//')"
assert_eq "the old run's half-deleted devices are completed" "" "$(half "$K")"

# A state directory that is a symlink is refused.
rm -rf "$STATE" && mkdir -p "$TMP/elsewhere" && ln -s "$TMP/elsewhere" "$STATE"
emu_clear_requests "$K"
run_tool tts device dev-000039 --tts.delete-source-device --output "$TMP/k2.json"
assert_rc "a symlinked state directory: exit 1" 1
assert_contains "a symlinked state directory: one line says so" "$ERR" "symbolic link"
assert_eq "a symlinked state directory: nothing in its target" "" "$(ls "$TMP/elsewhere")"
assert_eq "a symlinked state directory: nothing written at the source" "[]" "$(emu_writes "$K")"
rm -f "$STATE"

# --report (import) refuses a symlink and narrows an existing file.
start_emu DST
"$FIX/gen-devices.sh" 1 safe-app >"$TMP/imp.jsonl"
echo "precious" >"$TMP/rtarget"
ln -s "$TMP/rtarget" "$TMP/rlink.json"
DEST_TTS_APP_ID=safe-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$DST run_tool import "$TMP/imp.jsonl" --report "$TMP/rlink.json"
assert_contains "--report is a symlink: one line says so" "$ERR" "symbolic link"
assert_eq "--report is a symlink: its target is untouched" "precious" "$(cat "$TMP/rtarget")"
echo '[]' >"$TMP/r.json" && chmod 644 "$TMP/r.json"
start_emu DST2
DEST_TTS_APP_ID=safe-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$DST2 run_tool import "$TMP/imp.jsonl" --report "$TMP/r.json"
assert_eq "a pre-existing 0644 --report file becomes 0600" 600 "$(stat -c %a "$TMP/r.json")"
