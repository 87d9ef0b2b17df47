#!/usr/bin/env bash
# Pacing per rate-limit bucket (issue 13): a tight limit on one route class
# (the NS batch deletes, as TTS's grpc:method:... classes) throttles that
# class only. The export with --tts.delete-source-device still sends its gets
# unthrottled: no GET is answered 429, and the gets do not wait behind the
# deletes (in request order: they are all done before the throttled deletes
# are). Every device is exported once and deleted once. Counts and order, no
# times.
. "$(dirname "$0")/lib.sh"

N=100
CLASS='grpc:method:/ttn.lorawan.v3.NsEndDeviceBatchRegistry/Delete'
export TTS_APP_API_KEY=$KEY TTS_APP_ID=pace XDG_STATE_HOME="$TMP/state"
"$FIX/gen-devices.sh" "$N" pace >"$TMP/seed.jsonl"

# real: 60 a minute, a burst of 2, real waits: the tool learns the bucket's pace
# from its X-Rate-Limit-* answers and spaces the NS batch deletes (1 s) while
# the gets go on. 429s: 1200 a minute, a burst of 1, no pacing and 10 ms
# waits (TTNM_TEST_NO_SLEEP): many 429s on that class, each retried.
scenario() { # NAME LIMIT
start_emu SRC --seed "$TMP/seed.jsonl" --log-max 100000 --rate-limit-class "$CLASS=$2"
# Real waits here (lib.sh caps them for the other tests): the pacing is the
# thing under test.
[ "$1" = real ] && unset TTNM_TEST_NO_SLEEP
TTS_API_URL=$SRC run_tool tts application pace --tts.delete-source-device --output "$TMP/out.json" --retries 100
export TTNM_TEST_NO_SLEEP=1
assert_rc "$1: export with deletes under a tight NS batch-delete limit" 0
[ "$RC" = 0 ] || cat "$ERR" >&2

emu_requests "$SRC" >"$TMP/log.json"
jq '[.[] | select(.status == 429)] | group_by(.method + " " + (.path | sub("/devices/(?!batch$)[^/]+$"; "/devices/D"))) | map({(.[0].method + " " + (.[0].path | sub("/devices/(?!batch$)[^/]+$"; "/devices/D"))): length}) | add // {}' \
	"$TMP/log.json" >"$TMP/429s.json"
echo "# 429s by route: $(jq -c . "$TMP/429s.json")"

[ "$1" = real ] || assert_jq "$1: the NS batch deletes got 429s" "$TMP/log.json" \
	'.[0] | [.[] | select(.status == 429 and .method == "DELETE" and (.path | test("^/api/v3/ns/.*/devices/batch$")))] | length > 0'
assert_jq "$1: only the NS batch deletes got 429s" "$TMP/log.json" \
	'.[0] | [.[] | select(.status == 429) | select((.method == "DELETE" and (.path | test("^/api/v3/ns/.*/devices/batch$"))) | not)] | length == 0'
assert_jq "$1: no GET got a 429" "$TMP/log.json" '.[0] | [.[] | select(.method == "GET" and .status == 429)] | length == 0'
GETS=$(jq '[.[] | select(.method == "GET" and .status == 200)] | length' "$TMP/log.json")
assert_eq "$1: one NS, AS and JS get per device (no GET repeated)" $((3 * N)) \
	"$(jq '[.[] | select(.method == "GET" and .status == 200 and (.path | test("^/api/v3/(ns|as|js)/")))] | length' "$TMP/log.json")"
echo "# GETs answered: $GETS"

# Request order: every GET was answered before the last throttled delete
# went through, and at least two successful NS batch deletes came after the
# last GET (the deletes lag; the gets did not wait for them).
assert_jq "$1: the gets did not wait behind the throttled deletes" "$TMP/log.json" '
	.[0] | to_entries as $e
	| ([$e[] | select(.value.method == "GET") | .key] | max) as $lastget
	| [$e[] | select(.value.method == "DELETE" and .value.status == 200 and (.value.path | test("^/api/v3/ns/.*/devices/batch$")) and .key > $lastget)] | length >= 2'

# Every device: exported once, deleted once per component, gone.
assert_eq "$1: every device exported once" "$N" "$(jq -s '[.[].ids.device_id] | unique | length' "$TMP/out.json")"
assert_eq "$1: no device exported twice" "$N" "$(jq -s length "$TMP/out.json")"
for c in is ns as js; do
	p='^/api/v3/applications/pace/devices/batch$'
	[ "$c" = is ] || p="^/api/v3/$c/applications/pace/devices/batch\$"
	assert_eq "$1: $c: every device in exactly one answered batch delete" "$N" \
		"$(jq --arg p "$p" '[.[] | select(.method == "DELETE" and .status == 200 and (.path | test($p))) | .query | capture("device_ids=(?<d>[^&]+)"; "g") | .d] | length' "$TMP/log.json")"
	assert_eq "$1: $c: no device deleted twice" "$N" \
		"$(jq --arg p "$p" '[.[] | select(.method == "DELETE" and .status == 200 and (.path | test($p))) | .query | [scan("device_ids=([^&]+)")[0]] | .[]] | unique | length' "$TMP/log.json")"
done
assert_eq "$1: the source is empty" 0 "$(emu_devices "$SRC" | jq '[.is, .ns, .as, .js] | map(length) | add')"

	kill "${T_PIDS[-1]}" 2>/dev/null
}
scenario real 60/2
scenario 429s 1200/1

# What tells a pace per bucket from one pace for everything. In the
# journaled migration the source's deletes go out while other devices are
# still being read. With the NS batch deletes limited to 120 a minute (one
# every 0.5 s once the burst of 2 is spent), a pace per bucket spaces only
# them: between two of them the reads of the next devices go on, dozens of
# GETs. One shared pace spaces every request alike, so almost every gap holds
# no GET at all (measured: 7 of 13 gaps with 10 or more GETs per bucket, 8 of
# 99 with one pace; the one pace also took 9 minutes instead of 8 s).
# Counted in the log's order, not timed.
M=300
"$FIX/gen-devices.sh" "$M" pace >"$TMP/seed-m.jsonl"
start_emu SRC --seed "$TMP/seed-m.jsonl" --log-max 100000 --rate-limit-class "$CLASS=120/2"
start_emu DST
unset TTNM_TEST_NO_SLEEP
TTS_API_URL=$SRC DEST_TTS_API_URL=$DST DEST_TTS_APP_ID=pace DEST_TTS_APP_API_KEY=$KEY \
	run_tool tts application pace --to-dest --journal "$TMP/m.db" --retries 100
export TTNM_TEST_NO_SLEEP=1
assert_rc "migrate: journaled migration under a tight NS batch-delete limit" 0
assert_contains "migrate: every device migrated" "$ERR" "migrated (verified) $M, already done 0, failed 0"
emu_requests "$SRC" >"$TMP/log-m.json"
GAPS='to_entries as $e
	| [$e[] | select(.value.method == "DELETE" and .value.status == 200 and (.value.path | test("^/api/v3/ns/.*/devices/batch$"))) | .key] as $d
	| [$e[] | select(.value.method == "GET") | .key] as $g
	| [range(1; $d | length) as $i | [$g[] | select(. > $d[$i - 1] and . < $d[$i])] | length]'
echo "# GETs between consecutive answered NS batch deletes: $(jq -c "$GAPS" "$TMP/log-m.json")"
assert_jq "migrate: the reads went on between the paced deletes (a third of the gaps hold 10+ GETs)" \
	"$TMP/log-m.json" ".[0] | $GAPS | length > 2 and ([.[] | select(. >= 10)] | length) * 3 >= length"
assert_jq "migrate: no 429 on any route (the tool paced the bucket)" "$TMP/log-m.json" \
	'.[0] | [.[] | select(.status == 429)] | length == 0'
t_finish
