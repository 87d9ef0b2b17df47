#!/usr/bin/env bash
# What the export does to the source: delete everywhere, or disable downlinks;
# and that the export is durably written (and backed up) before either.
. "$(dirname "$0")/lib.sh"

start_emu SRC --seed "$FIX/seed-export.jsonl"
export TTS_APP_ID=my-app TTS_APP_API_KEY=$KEY TTS_API_URL=$SRC

# --- default: schedule_downlinks=false on the source NS -----------------------
emu_clear_requests "$SRC"
run_tool tts device otaa-dev --output "$TMP/one.json"
assert_rc "export with downlink disable exits 0" 0
assert_eq "one NS Set, nothing else written" \
	'[{"method":"PUT","path":"/api/v3/ns/applications/my-app/devices/otaa-dev"}]' \
	"$(emu_writes "$SRC" | jq -c '[.[] | {method, path}]')"
assert_eq "source NS now has schedule_downlinks=false" "false" \
	"$(emu_devices "$SRC" | jq -c '.ns[] | select(.ids.device_id == "otaa-dev") | .mac_settings.schedule_downlinks')"
assert_jq "the export keeps the old MAC settings" "$TMP/one.json" \
	'.[0].mac_settings | has("schedule_downlinks") | not'
assert_eq "--output file is mode 0600" "600" "$(stat -c %a "$TMP/one.json")"

# A file made by the shell's > is narrowed to 0600 too (it holds keys).
(umask 022 && "$BIN" tts device otaa-dev --dry-run >"$TMP/shell.json" 2>/dev/null)
assert_eq "shell-redirected export narrowed to 0600" "600" "$(stat -c %a "$TMP/shell.json")"

# --- --tts.delete-source-device (the seed's second command, stdout a pipe) -----
emu_clear_requests "$SRC"
"$BIN" device --source tts 'abp-dev' --tts.delete-source-device 2>"$TMP/del.err" | cat >"$TMP/del.out"
RC=${PIPESTATUS[0]}
ERR="$TMP/del.err"
assert_rc "delete run exits 0" 0
assert_eq "batch deletes in order AS, NS, JS, IS" \
	'["/api/v3/as/applications/my-app/devices/batch?device_ids=abp-dev","/api/v3/ns/applications/my-app/devices/batch?device_ids=abp-dev","/api/v3/js/applications/my-app/devices/batch?device_ids=abp-dev","/api/v3/applications/my-app/devices/batch?device_ids=abp-dev"]' \
	"$(emu_writes "$SRC" | jq -c '[.[] | select(.method == "DELETE") | "\(.path)?\(.query)"]')"
assert_eq "device gone from every component" "0" \
	"$(emu_devices "$SRC" | jq '[.[][] | select(.ids.device_id == "abp-dev")] | length')"
assert_jq "the export reached stdout" "$TMP/del.out" '.[0].session.dev_addr == "260B1234"'
backup=$(ls "$XDG_STATE_HOME"/ttn-lw-migrate/export-*.jsonl 2>/dev/null | head -n1)
if [ -n "$backup" ]; then ok "a backup file exists when stdout is a pipe"; else not_ok "a backup file exists when stdout is a pipe"; fi
assert_contains "stderr names the backup file" "$ERR" "$backup"
assert_eq "backup file is mode 0600" "600" "$(stat -c %a "$backup" 2>/dev/null)"
if cmp -s "$backup" "$TMP/del.out"; then ok "backup holds the same export"; else not_ok "backup holds the same export"; fi

# One by one (--tts.batch-size 1): the same order, per device.
start_emu ONE --seed "$FIX/seed-export.jsonl"
TTS_API_URL=$ONE run_tool tts device otaa-dev --tts.delete-source-device --tts.batch-size 1 --output "$TMP/one-by-one.json"
assert_rc "one-by-one delete exits 0" 0
assert_eq "per-device deletes in order AS, NS, JS, IS" \
	'["/api/v3/as/applications/my-app/devices/otaa-dev","/api/v3/ns/applications/my-app/devices/otaa-dev","/api/v3/js/applications/my-app/devices/otaa-dev","/api/v3/applications/my-app/devices/otaa-dev"]' \
	"$(emu_writes "$ONE" | jq -c '[.[] | select(.method == "DELETE") | .path]')"

# A batch call that fails: the batch is deleted device by device instead.
start_emu BATCHFAIL --seed "$FIX/seed-export.jsonl" --fail-every 5 --fail-status 500
TTS_API_URL=$BATCHFAIL run_tool tts device otaa-dev --tts.delete-source-device --output "$TMP/fallback.json"
assert_rc "failed batch falls back, exit 0" 0
assert_eq "fallback: the device is gone everywhere" 0 \
	"$(emu_devices "$BATCHFAIL" | jq '[.[][] | select(.ids.device_id == "otaa-dev")] | length')"
assert_eq "fallback: the batch call failed, then per-device deletes" '["/api/v3/as/applications/my-app/devices/batch 500","/api/v3/as/applications/my-app/devices/otaa-dev 200"]' \
	"$(emu_requests "$BATCHFAIL" | jq -c '[.[] | select(.method == "DELETE") | "\(.path) \(.status)"][0:2]')"

# TTS_DELETE_SOURCE_DEVICE=true does the same; --dry-run overrides it.
emu_clear_requests "$SRC"
TTS_DELETE_SOURCE_DEVICE=true run_tool tts device otaa-nosess --dry-run
assert_rc "dry run with delete requested exits 0" 0
assert_eq "--dry-run wins over delete: nothing written" "[]" "$(emu_writes "$SRC")"
assert_contains "--dry-run says it will not delete" "$ERR" "will not be deleted"

# --- the export must be durable before the source is touched -------------------
emu_clear_requests "$SRC"
"$BIN" tts device otaa-dev otaa-nosess --tts.delete-source-device >&- 2>"$TMP/closed.err"
RC=$?
ERR="$TMP/closed.err"
assert_rc "closed stdout fails the run" 1
assert_eq "closed stdout: nothing deleted or changed at the source" "[]" "$(emu_writes "$SRC")"
assert_contains "closed stdout: says the source was not changed" "$ERR" "the source was not changed"

# No place for the backup file: the run must stop before touching the source.
: >"$TMP/notadir"
emu_clear_requests "$SRC"
XDG_STATE_HOME="$TMP/notadir/state" "$BIN" tts device otaa-dev --tts.delete-source-device \
	2>"$TMP/nobackup.err" | cat >/dev/null
RC=${PIPESTATUS[0]}
ERR="$TMP/nobackup.err"
assert_rc "no place for the backup: the run stops" 1
assert_eq "no backup possible: nothing deleted" "[]" "$(emu_writes "$SRC")"
assert_contains "no backup possible: names the backup" "$ERR" "backup"
