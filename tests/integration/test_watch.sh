#!/usr/bin/env bash
# watch: has every device a --to-dest migration moved been heard at the
# destination? A real create-first migration between two emulators, then
# uplinks simulated by legitimate NS Sets at the destination (a higher
# session.last_f_cnt_up, or a mac_state.recent_uplinks entry).
. "$(dirname "$0")/lib.sh"

# otaa-dev's export carries recent uplinks 60 s apart: its interval is known.
jq -c 'select(.ids.device_id == "otaa-dev" or .ids.device_id == "abp-dev" or .ids.device_id == "classb-dev")
	| if .ids.device_id == "otaa-dev" then .mac_state.recent_uplinks = [
		{"received_at": "2026-01-01T10:00:00Z"}, {"received_at": "2026-01-01T10:01:00.5Z"},
		{"received_at": "2026-01-01T10:02:00Z"}] else . end' \
	"$FIX/seed-export.jsonl" >"$TMP/seed.jsonl"
export TTS_APP_ID=my-app TTS_APP_API_KEY=$KEY DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY=$KEY
start_emu SRC --seed "$TMP/seed.jsonl"
start_emu DST
export TTS_API_URL=$SRC DEST_TTS_API_URL=$DST
J="$TMP/m.db"

run_tool tts device otaa-dev abp-dev classb-dev --to-dest --journal "$J" --concurrency 1
assert_rc "the migration: exit 0" 0
# (the export the journal holds: what watch compares with)
src_fcnt() { jq -r --arg d "$1" 'select(.ids.device_id == $d) | .session.last_f_cnt_up // 0' "$TMP/seed.jsonl"; }

# ns_set DEV BODY-OF-END-DEVICE PATHS: a Network Server Set at the destination.
ns_set() {
	curl -sf -X PUT -H "Authorization: Bearer $KEY" \
		"$DST/api/v3/ns/applications/cloud-app/devices/$1" \
		-d "{\"end_device\":$(jq -c --arg d "$1" '.ids = {"device_id":$d,"application_ids":{"application_id":"cloud-app"}}' <<<"$2"),\"field_mask\":{\"paths\":$3}}" >/dev/null
}
# ns_gets DEV: how many NS reads of DEV the destination saw.
ns_gets() { emu_requests "$DST" | jq --arg d "$1" '[.[] | select(.method == "GET" and (.path | endswith("/ns/applications/cloud-app/devices/" + $d)))] | length'; }
# state_of DEV: its row's STATE column in the table ($OUT).
state_of() { grep -E "^my-app/$1 " "$OUT" | sed -E 's/^[^ ]+ +//; s/ {2,}.*//; s/ +[0-9-]+ ->.*//'; }
ALL_OUT="$TMP/all-out"
: >"$ALL_OUT"
keep() { cat "$OUT" "$ERR" >>"$ALL_OUT"; }
readonly_check() { # DESC: the destination saw only GETs since the last clear
	assert_eq "$1: only GET requests at the destination" "[]" "$(emu_writes "$DST")"
	assert_eq "$1: nothing sent to the source" 0 "$(emu_requests "$SRC" | jq length)"
}
jsum() { sqlite3 "$J" .dump | sha256sum; }
before=$(jsum)

# ---- (a) nothing heard yet: exit 1 within the short --wait, every device "not yet"
emu_clear_requests "$DST"
emu_clear_requests "$SRC"
t0=$(date +%s)
run_tool watch --journal "$J" --wait 2 --interval 1
t1=$(date +%s)
keep
assert_rc "none heard: exit 1" 1
for d in otaa-dev abp-dev classb-dev; do
	assert_eq "none heard: $d not yet" "not yet" "$(state_of $d)"
done
assert_contains "none heard: FCnt source -> destination" "$OUT" "$(src_fcnt otaa-dev) -> $(src_fcnt otaa-dev)"
assert_contains "none heard: the count" "$OUT" "arrived   0 of 3 devices"
assert_contains "none heard: gateways" "$OUT" "no gateways in this journal"
if [ $((t1 - t0)) -le 6 ]; then ok "none heard: stopped at --wait"; else not_ok "none heard: stopped at --wait" "took $((t1 - t0)) s"; fi
n=$(ns_gets abp-dev)
if [ "$n" -ge 2 ] && [ "$n" -le 3 ]; then ok "none heard: asked again, at most once per --interval"; else
	not_ok "none heard: asked again, at most once per --interval" "$n NS reads of abp-dev in 2 s at --interval 1"; fi
readonly_check "none heard"

# ---- (b) two heard (one by its FCnt, one by a recent uplink): the third not yet
sleep 1 # the recent uplink is after the device was created at the destination
ns_set otaa-dev '{"session":{"last_f_cnt_up":70}}' '["session.last_f_cnt_up"]'
ns_set abp-dev "{\"mac_state\":{\"recent_uplinks\":[{\"received_at\":\"$(date -u +%FT%T.5Z)\"}]}}" '["mac_state.recent_uplinks"]'
emu_clear_requests "$DST"
emu_clear_requests "$SRC"
run_tool watch --journal "$J" --wait 2 --interval 1
keep
assert_rc "two heard: exit 1" 1
assert_eq "two heard: otaa-dev arrived" arrived "$(state_of otaa-dev)"
assert_eq "two heard: abp-dev arrived" arrived "$(state_of abp-dev)"
assert_eq "two heard: classb-dev not yet" "not yet" "$(state_of classb-dev)"
assert_contains "two heard: otaa-dev's FCnt 64 -> 70" "$OUT" "$(src_fcnt otaa-dev) -> 70"
assert_contains "two heard: when abp-dev was heard" "$OUT" "$(date -u +%F)T"
assert_eq "two heard: a device heard is asked about once" 1 "$(ns_gets otaa-dev)"
readonly_check "two heard"

# ---- (c) all heard: exit 0 at once; --format json names every device
ns_set classb-dev "{\"session\":{\"last_f_cnt_up\":$(($(src_fcnt classb-dev) + 1))}}" '["session.last_f_cnt_up"]'
emu_clear_requests "$DST"
t0=$(date +%s)
run_tool watch --journal "$J" --wait 30 --interval 1
t1=$(date +%s)
keep
assert_rc "all heard: exit 0" 0
assert_contains "all heard: the count" "$OUT" "arrived   3 of 3 devices"
if [ $((t1 - t0)) -le 3 ]; then ok "all heard: did not wait for --wait"; else not_ok "all heard: did not wait for --wait" "took $((t1 - t0)) s"; fi
run_tool watch --journal "$J" --wait 30 --format json
keep
assert_rc "json: exit 0" 0
assert_jq "json: one document" "$OUT" 'length == 1'
assert_jq "json: every device, arrived" "$OUT" '.[0].devices | map(.device_id) | sort == ["abp-dev","classb-dev","otaa-dev"]'
assert_jq "json: states" "$OUT" '[.[0].devices[].state] | unique == ["arrived"]'
assert_jq "json: FCnts" "$OUT" '.[0].devices[] | select(.device_id == "otaa-dev") | .last_f_cnt_up_source == 64 and .last_f_cnt_up_destination == 70'
assert_jq "json: complete, no gateways" "$OUT" '.[0].complete == true and .[0].gateways == [] and .[0].arrived == 3'
readonly_check "all heard"

# ---- (d) the default --wait: 3 x the uplink interval from the export (60 s),
# 15 min for a device whose interval is unknown; Ctrl-C ends it with 130
# (otaa-dev's FCnt back at the exported one: not heard again)
ns_set otaa-dev '{"session":{"last_f_cnt_up":64}}' '["session.last_f_cnt_up"]'
emu_clear_requests "$DST"
"$BIN" watch --journal "$J" --format json --interval 1 >"$TMP/w.json" 2>"$TMP/w.err" &
pid=$!
sleep 1.5
kill -0 $pid 2>/dev/null && ok "default --wait: still watching" || not_ok "default --wait: still watching"
kill -INT $pid
wait $pid
RC=$?
ERR="$TMP/w.err"
cat "$TMP/w.json" "$TMP/w.err" >>"$ALL_OUT"
assert_rc "Ctrl-C: exit 130" 130
assert_jq "Ctrl-C: the document still written" "$TMP/w.json" '.[0].devices | length == 3'
assert_jq "default --wait: 3 x 60 s for otaa-dev (its interval)" "$TMP/w.json" '.[0].devices[] | select(.device_id == "otaa-dev") | .wait_seconds == 180'
assert_jq "default --wait: 3 x 15 min for a device whose interval is unknown" "$TMP/w.json" '.[0].wait_seconds == 2700 and (.[0].devices[] | select(.device_id == "abp-dev") | .wait_seconds == 2700)'
assert_jq "the interval estimated from the export" "$TMP/w.json" '.[0].devices[] | select(.device_id == "otaa-dev") | .uplink_interval_seconds == 60'
assert_jq "otaa-dev not yet again" "$TMP/w.json" '.[0].devices[] | select(.device_id == "otaa-dev") | .state == "not yet"'
readonly_check "Ctrl-C"

# ---- (e) a device whose destination copy is gone: one line, not a crash
for c in as ns js; do
	curl -sf -X DELETE -H "Authorization: Bearer $KEY" "$DST/api/v3/$c/applications/cloud-app/devices/classb-dev" >/dev/null
done
curl -sf -X DELETE -H "Authorization: Bearer $KEY" "$DST/api/v3/applications/cloud-app/devices/classb-dev" >/dev/null
emu_clear_requests "$DST"
emu_clear_requests "$SRC"
run_tool watch --journal "$J" --wait 2 --interval 1 --verbose
keep
assert_rc "gone: exit 1" 1
assert_eq "gone: classb-dev gone" gone "$(state_of classb-dev)"
assert_eq "gone: one line says why" 1 "$(grep -c 'classb-dev: not at the destination' "$OUT")"
assert_eq "gone: asked about once" 1 "$(ns_gets classb-dev)"
assert_eq "gone: abp-dev still arrived" arrived "$(state_of abp-dev)"
readonly_check "gone"

# ---- (f) beside a running migration: the run lock held, watch still reads
flock "$J.lock" sleep 3 &
lockpid=$!
sleep 0.3
run_tool watch --journal "$J" --wait 1 --interval 1
keep
assert_contains "under the run lock: watch still reports" "$OUT" "arrived   1 of 3 devices"
kill $lockpid 2>/dev/null
wait $lockpid 2>/dev/null

# ---- usage
run_tool watch --journal "$J" --format yaml
assert_rc "--format yaml: usage error" 2
run_tool watch --journal "$TMP/none.db"
assert_rc "no journal: exit 1" 1
assert_eq "no journal: not created" no "$([ -e "$TMP/none.db" ] && echo yes || echo no)"
keep

# ---- read-only and secrets
assert_eq "the journal unchanged by every watch" "$before" "$(jsum)"
assert_not_contains "the API key never printed" "$ALL_OUT" "$SECRET_PART"
