#!/usr/bin/env bash
# The one-command migration: export → retire → create → verify, journaled.
. "$(dirname "$0")/lib.sh"

start_emu SRC --seed "$FIX/seed-export.jsonl"
start_emu DST
export TTS_APP_ID=my-app TTS_APP_API_KEY=$KEY TTS_API_URL=$SRC
export DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$DST
J="$TMP/migration.db"
"$BIN" tts application my-app --dry-run >"$TMP/before.json" 2>/dev/null

emu_clear_requests "$SRC"
run_tool tts application my-app --to-dest --journal "$J" --report "$TMP/report.json"
assert_rc "migrate application exits 0" 0
# One NS read per device, before the freeze: the export takes the NS fields
# from it (the freeze is the only other NS request at the source, besides
# the batch deletes).
assert_eq "the source NS is read once per device" '{"GET":4,"PUT":4}' \
	"$(emu_requests "$SRC" | jq -c '[.[] | select((.path | test("^/api/v3/ns/")) and .method != "DELETE")] | group_by(.method) | map({(.[0].method): length}) | add')"
# Downlinks the source sent between that read and the freeze are skipped:
# the destination counts downlinks from 32 past the exported counters.
want_cnt=$(jq -c -s '[.[] | select(.session) | {id: .ids.device_id, up: .session.last_f_cnt_up, n: ((.session.last_n_f_cnt_down // 0) + 32), a: (if .session.last_a_f_cnt_down then .session.last_a_f_cnt_down + 32 else null end), c: .session.last_conf_f_cnt_down}] | sort_by(.id)' "$TMP/before.json")
assert_eq "destination NS: downlink counters +32, uplink and confirmed counters as exported" \
	"$(jq -c 'map(del(.a))' <<<"$want_cnt")" \
	"$(emu_devices "$DST" | jq -c '[.ns[] | select(.session) | {id: .ids.device_id, up: .session.last_f_cnt_up, n: .session.last_n_f_cnt_down, c: .session.last_conf_f_cnt_down}] | sort_by(.id)')"
assert_eq "destination AS: application downlink counters +32" \
	"$(jq -c 'map({id, a})' <<<"$want_cnt")" \
	"$(emu_devices "$DST" | jq -c '[.as[] | select(.session) | {id: .ids.device_id, a: .session.last_a_f_cnt_down}] | sort_by(.id)')"
assert_contains "summary line" "$ERR" "migrated (verified) 4, already done 0, failed 0"
assert_eq "source is empty" 0 "$(emu_devices "$SRC" | jq '[.[][]] | length')"
assert_eq "destination has the four devices" '["abp-dev","classb-dev","otaa-dev","otaa-nosess"]' \
	"$(emu_devices "$DST" | jq -c '[.is[].ids.device_id] | sort')"
assert_eq "journal is mode 0600" 600 "$(stat -c %a "$J")"
assert_jq "report: all verified" "$TMP/report.json" '[.[0][] | .state] | unique == ["verified"]'
run_tool status --journal "$J"
assert_rc "status exits 0" 0
assert_contains "status counts" "$OUT" "verified  4"

# Nothing twice: a second run and a resume do nothing.
emu_clear_requests "$DST"
run_tool tts device otaa-dev abp-dev --to-dest --journal "$J"
assert_rc "second run exits 0" 0
assert_contains "second run: already done" "$ERR" "already done 2"
run_tool resume --journal "$J"
assert_rc "resume with nothing to do exits 0" 0
assert_eq "nothing written to the destination again" 0 \
	"$(emu_requests "$DST" | jq '[.[] | select(.method != "GET")] | length')"

# --keep-source: the source keeps the device with downlinks disabled.
start_emu SRC2 --seed "$FIX/seed-export.jsonl"
start_emu DST2
TTS_API_URL=$SRC2 DEST_TTS_API_URL=$DST2 run_tool tts device otaa-dev --to-dest --keep-source --journal "$TMP/keep.db"
assert_rc "--keep-source exits 0" 0
assert_eq "kept at the source with schedule_downlinks=false" "false" \
	"$(emu_devices "$SRC2" | jq '.ns[] | select(.ids.device_id == "otaa-dev") | .mac_settings.schedule_downlinks')"
assert_eq "created at the destination" 1 "$(emu_devices "$DST2" | jq '[.is[] | select(.ids.device_id == "otaa-dev")] | length')"

# An id already taken at the destination: the source is not touched.
start_emu SRC3 --seed "$FIX/seed-export.jsonl"
start_emu DST3
jq -c 'select(.ids.device_id == "otaa-nosess") | .ids.device_id = "otaa-dev" | .ids.application_ids.application_id = "cloud-app" | .ids.dev_eui = "1111111111111111"' \
	"$TMP/before.json" | DEST_TTS_API_URL=$DST3 "$BIN" import 2>/dev/null
emu_clear_requests "$SRC3"
TTS_API_URL=$SRC3 DEST_TTS_API_URL=$DST3 run_tool tts device otaa-dev --to-dest --journal "$TMP/taken.db"
assert_rc "id taken at destination: exit 1" 1
assert_contains "id taken: says so" "$ERR" 'the destination application already has a device with this ID'
# Two deployments: create-first froze it, the checks refused it, it was unfrozen.
assert_contains "id taken: unfrozen at the source" "$ERR" 'unfrozen at the source, where it keeps working'
assert_eq "id taken: the only writes at the source are the freeze and the unfreeze (NS)" \
	'["PUT /api/v3/ns/applications/my-app/devices/otaa-dev","PUT /api/v3/ns/applications/my-app/devices/otaa-dev"]' \
	"$(emu_writes "$SRC3" | jq -c '[.[] | "\(.method) \(.path)"]')"
assert_eq "id taken: schedule_downlinks unset again at the source" "null" \
	"$(emu_devices "$SRC3" | jq '.ns[] | select(.ids.device_id == "otaa-dev") | .mac_settings.schedule_downlinks')"

# The destination rejects the device after the source let it go (EUIs taken
# by another device there): reported, kept in the journal; restore puts it back.
start_emu SRC4 --seed "$FIX/seed-export.jsonl"
start_emu DST4
jq -c 'select(.ids.device_id == "abp-dev") | .ids.device_id = "squatter" | .ids.application_ids.application_id = "cloud-app" | .ids.dev_eui = "008BFC3FD4445B19" | .ids.join_eui = "70B3D57ED0042F52" | .supports_join = true | .root_keys = {"app_key": {"key": "0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F"}} | .session.keys.session_key_id = "AAAA"' \
	"$TMP/before.json" | DEST_TTS_API_URL=$DST4 "$BIN" import --force 2>"$TMP/squat.err"
emu_clear_requests "$SRC4"
TTS_API_URL=$SRC4 DEST_TTS_API_URL=$DST4 run_tool tts device otaa-dev --to-dest --journal "$TMP/chk.db"
assert_rc "EUIs taken at the destination: the checks stop it, exit 1" 1
assert_contains "EUIs taken: names the other device" "$ERR" 'already registered at the destination as device "squatter"'
assert_eq "EUIs taken: the source was only frozen and unfrozen" 2 "$(emu_writes "$SRC4" | jq 'length')"
# Past the checks (--force), the destination refuses the create: the source
# still has it (create-first), unfrozen.
TTS_API_URL=$SRC4 DEST_TTS_API_URL=$DST4 run_tool tts device otaa-dev --to-dest --force --journal "$TMP/rej.db"
assert_rc "rejected at destination: exit 1" 1
assert_contains "rejection: unfrozen at the source" "$ERR" "unfrozen at the source, where it keeps working"
run_tool status --journal "$TMP/rej.db"
assert_contains "status lists the refusal and why" "$OUT" "my-app/otaa-dev (refused): refused by the destination: creating on the Identity Server"
TTS_API_URL=$SRC4 DEST_TTS_API_URL=$DST4 run_tool restore --journal "$TMP/rej.db" otaa-dev
assert_rc "restore exits 0" 0
"$BIN" tts device otaa-dev --dry-run >"$TMP/restored.json" 2>/dev/null </dev/null
NORM='del(.created_at, .updated_at, .session.started_at) | if .session then .session.keys |= (.s_nwk_s_int_key //= .f_nwk_s_int_key | .nwk_s_enc_key //= .f_nwk_s_int_key) else . end'
export TTS_API_URL=$SRC4
"$BIN" tts device otaa-dev --dry-run >"$TMP/restored.json" 2>/dev/null
a=$(jq -cS "select(.ids.device_id == \"otaa-dev\") | $NORM" "$TMP/before.json")
b=$(jq -cS "$NORM" "$TMP/restored.json")
if [ -n "$a" ] && [ "$a" == "$b" ]; then ok "restored device equals the original"; else
	not_ok "restored device equals the original" "$(diff <(jq -S . <<<"$a") <(jq -S . <<<"$b") | head -20)"
fi
run_tool status --journal "$TMP/rej.db"
assert_contains "status: restored" "$OUT" "restored  1"
export TTS_API_URL=$SRC

# Faults on both sides: 10% of requests fail (429, 503, dropped); nothing lost.
N=${MIGRATE_FAULT_DEVICES:-500}
case "$BUILD" in *asan*) N=${MIGRATE_FAULT_DEVICES:-150} ;; esac
"$FIX/gen-devices.sh" "$N" fleet >"$TMP/fleet.jsonl"
start_emu FS --seed "$TMP/fleet.jsonl" --throttle-every 29 --fail-every 31 --drop-every 37
start_emu FD --throttle-every 23 --fail-every 41 --drop-every 43
TTS_API_URL=$FS DEST_TTS_API_URL=$FD DEST_TTS_APP_ID=fleet run_tool tts application fleet --to-dest --journal "$TMP/fleet.db" --quiet
assert_rc "faulty servers: $N devices migrate, exit 0" 0
assert_eq "faulty servers: all $N at the destination, none left at the source" "$N 0" \
	"$(emu_devices "$FD" | jq '.is | length') $(emu_devices "$FS" | jq '[.[][]] | length')"
assert_eq "faulty servers: faults really happened" "true" \
	"$(emu_requests "$FD" | jq '[.[] | select(.status == 429 or .status == 503)] | length > 10')"
