#!/usr/bin/env bash
# Exactly once, under faults of the journal itself and of the operator: one
# process per journal (the run lock), transitions that a failed journal write
# stops, a damaged journal refused before any request, the run's identity
# (another source deployment, another application), restore that never makes
# a second live copy, and a destination key without Join Server rights.
. "$(dirname "$0")/lib.sh"

export TTS_APP_ID=my-app TTS_APP_API_KEY=$KEY DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY=$KEY

# parts URL DEV [APP]: in which registries DEV is (of APP, default any), e.g. "is js ns as".
parts() { emu_devices "$1" | jq -r --arg d "$2" --arg a "${3:-}" '[to_entries[] | select(any(.value[]; .ids.device_id == $d and ($a == "" or .ids.application_ids.application_id == $a))) | .key] | join(" ")'; }
# ns URL DEV FIELD: a field of DEV's NS record.
ns() { emu_devices "$1" | jq -c --arg d "$2" "[.ns[] | select(.ids.device_id == \$d)] | .[0].$3"; }
# api_reqs URL: requests to /api/v3 so far.
api_reqs() { emu_requests "$1" | jq 'length'; }
# reseed URL FILE: forget every device, import FILE (as my-app).
reseed() {
	curl -sf -X DELETE "$1/_emulator/devices" >/dev/null
	DEST_TTS_API_URL=$1 DEST_TTS_APP_ID=my-app "$BIN" import --force --quiet "$2" 2>/dev/null
	emu_clear_requests "$1"
}
state() { sqlite3 "$1" "select state from devices where src_dev = '$2'"; }

"$FIX/gen-devices.sh" 3 my-app tri >"$TMP/tri.jsonl"
jq -c 'select(.ids.device_id == "otaa-dev")' "$FIX/seed-export.jsonl" >"$TMP/one.jsonl"

# ---- 1. the run lock: a second run on the journal is refused at once --------
"$FIX/gen-devices.sh" 12 my-app lk >"$TMP/lk.jsonl"
start_emu LS --seed "$TMP/lk.jsonl" --latency-ms 40
start_emu LD --latency-ms 40
J="$TMP/lock.db"
TTS_API_URL=$LS DEST_TTS_API_URL=$LD "$BIN" tts application my-app --to-dest --journal "$J" --concurrency 2 --quiet >/dev/null 2>"$TMP/lock1.err" &
p1=$!
for _ in $(seq 1 100); do
	[ "$(sqlite3 "$J" "select count(*) from devices where state != 'pending'" 2>/dev/null)" -gt 0 ] 2>/dev/null && break
	sleep 0.1
done
t0=$(date +%s%N)
TTS_API_URL=$LS DEST_TTS_API_URL=$LD run_tool resume --journal "$J" --concurrency 2 --verbose
t1=$(date +%s%N)
assert_rc "lock: a second run (resume) is refused" 1
assert_contains "lock: ... naming the running process" "$ERR" "is in use by another ttn-lw-migrate run (process $p1)"
assert_eq "lock: ... in one line" 1 "$(wc -l <"$ERR")"
assert_not_contains "lock: ... before any request" "$ERR" "/api/v3/"
if [ $(((t1 - t0) / 1000000)) -lt 2000 ]; then ok "lock: ... at once"; else not_ok "lock: ... at once" "$(((t1 - t0) / 1000000)) ms"; fi
TTS_API_URL=$LS DEST_TTS_API_URL=$LD run_tool restore --journal "$J" lk-000001 --verbose
assert_rc "lock: restore meanwhile is refused too" 1
assert_not_contains "lock: ... before any request" "$ERR" "/api/v3/"
TTS_API_URL=$LS DEST_TTS_API_URL=$LD run_tool tts application my-app --to-dest --journal "$J" --verbose
assert_rc "lock: --to-dest meanwhile is refused too" 1
assert_contains "lock: ... naming the running process" "$ERR" "(process $p1)"
wait $p1
assert_eq "lock: the first run finishes, exit 0" 0 $?
assert_eq "lock: every device exactly once at the destination (one create each)" "12 12" \
	"$(emu_devices "$LD" | jq '.is | length') $(emu_requests "$LD" | jq '[.[] | select(.method == "POST" and (.path | endswith("/devices")))] | length')"
assert_eq "lock: none left at the source, none frozen twice" "0 12" \
	"$(emu_devices "$LS" | jq '[.[][]] | length') $(emu_requests "$LS" | jq '[.[] | select(.method == "PUT")] | length')"
TTS_API_URL=$LS DEST_TTS_API_URL=$LD run_tool resume --journal "$J"
assert_rc "lock: released at the end (a later resume runs)" 0

# ---- 2. transitions: a failed journal write stops the device and the run ----
start_emu WS --seed "$TMP/tri.jsonl"
start_emu WD
export TTS_API_URL=$WS DEST_TTS_API_URL=$WD
J="$TMP/write.db"
# A journal holding the three devices (killed at its first request).
(TTNM_TEST_KILL_AFTER_REQUESTS=1 "$BIN" tts device tri-000001 tri-000002 tri-000003 --to-dest --journal "$J" --quiet --concurrency 1 >/dev/null 2>&1; exit $?) 2>/dev/null
assert_eq "write: the journal holds three pending devices" "pending pending pending" "$(sqlite3 "$J" "select state from devices order by seq" | xargs)"
# Recording the create at the destination fails (as a full disk would).
sqlite3 "$J" "CREATE TRIGGER no_copied BEFORE UPDATE OF state ON devices WHEN NEW.state = 'copied' BEGIN SELECT RAISE(ABORT, 'injected: disk full'); END;"
emu_clear_requests "$WS"
run_tool resume --journal "$J" --concurrency 1
assert_rc "write: exit 1" 1
assert_contains "write: says which record failed" "$ERR" 'device "tri-000001": journal: cannot record the create at the destination (injected: disk full)'
assert_contains "write: the run stops" "$ERR" "the run stops before the next device: the journal cannot be written"
assert_eq "write: the device stopped after its create (no verify, no delete at the source)" "is js ns as" "$(parts "$WS" tri-000001)"
assert_eq "write: no other device was touched at the source" "[]" \
	"$(emu_requests "$WS" | jq -c '[.[] | select(.path | test("tri-00000[23]"))]')"
assert_eq "write: one device at the destination" 1 "$(emu_devices "$WD" | jq '.is | length')"
assert_eq "write: the journal says what may have happened" "creating pending pending" "$(sqlite3 "$J" "select state from devices order by seq" | xargs)"
sqlite3 "$J" "DROP TRIGGER no_copied"
run_tool resume --journal "$J" --concurrency 1
assert_rc "write: once writable, resume finishes (exit 0)" 0
assert_eq "write: every device exactly once at the destination, none at the source" "3 0" \
	"$(emu_devices "$WD" | jq '.is | length') $(emu_devices "$WS" | jq '[.[][]] | length')"

# Every write refused (a read-only journal): not one request past the first read.
reseed "$WS" "$TMP/tri.jsonl"
curl -sf -X DELETE "$WD/_emulator/devices" >/dev/null
J="$TMP/ro.db"
(TTNM_TEST_KILL_AFTER_REQUESTS=1 "$BIN" tts device tri-000001 tri-000002 tri-000003 --to-dest --journal "$J" --quiet --concurrency 1 >/dev/null 2>&1; exit $?) 2>/dev/null
sqlite3 "$J" "CREATE TRIGGER ro BEFORE UPDATE ON devices BEGIN SELECT RAISE(ABORT, 'injected: read-only'); END;"
emu_clear_requests "$WS"
run_tool resume --journal "$J" --concurrency 1
assert_rc "read-only: exit 1" 1
assert_eq "read-only: nothing written at the source" "[]" "$(emu_writes "$WS")"
assert_eq "read-only: only the first device was read" "[]" \
	"$(emu_requests "$WS" | jq -c '[.[] | select(.path | test("tri-00000[23]"))]')"

# A damaged journal: one line, nothing sent.
J="$TMP/dmg.db"
(TTNM_TEST_KILL_AFTER_REQUESTS=1 "$BIN" tts device tri-000001 tri-000002 tri-000003 --to-dest --journal "$J" --quiet --concurrency 1 >/dev/null 2>&1; exit $?) 2>/dev/null
sqlite3 "$J" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$J" "$TMP/dmg-copy.db"
truncate -s 6000 "$J"
reseed "$WS" "$TMP/tri.jsonl"
emu_clear_requests "$WD"
run_tool resume --journal "$J"
assert_rc "truncated journal: exit 1" 1
assert_contains "truncated journal: says so" "$ERR" "dmg.db: damaged or not a journal"
assert_eq "truncated journal: in one line" 1 "$(wc -l <"$ERR")"
assert_eq "truncated journal: nothing sent to either end" "0 0" "$(api_reqs "$WS") $(api_reqs "$WD")"
cp "$TMP/dmg-copy.db" "$J"
rm -f "$J-wal" "$J-shm"
# The devices table's page overwritten.
root=$(sqlite3 "$J" "select rootpage from sqlite_schema where name = 'devices'")
head -c 4096 /dev/urandom | dd of="$J" bs=4096 seek=$((root - 1)) conv=notrunc status=none
run_tool resume --journal "$J"
assert_rc "corrupted journal: exit 1" 1
assert_contains "corrupted journal: says so" "$ERR" "dmg.db: damaged or not a journal"
assert_eq "corrupted journal: nothing sent to either end" "0 0" "$(api_reqs "$WS") $(api_reqs "$WD")"
run_tool status --journal "$J"
assert_rc "corrupted journal: status fails too" 1

# status --verify: records that cannot be right.
cp "$TMP/dmg-copy.db" "$TMP/v.db"
rm -f "$TMP/v.db-wal" "$TMP/v.db-shm"
run_tool status --verify --journal "$TMP/v.db"
assert_rc "verify: a sound journal passes" 0
assert_contains "verify: says so" "$OUT" "check     0 devices whose record cannot be right"
sqlite3 "$TMP/v.db" "UPDATE devices SET state = 'verified' WHERE src_dev = 'tri-000001';
	UPDATE devices SET state = 'teleported' WHERE src_dev = 'tri-000002';
	UPDATE devices SET state = 'copied', export = '{}' WHERE src_dev = 'tri-000003';"
run_tool status --verify --journal "$TMP/v.db"
assert_rc "verify: exit 1" 1
assert_contains "verify: verified without an export" "$OUT" "my-app/tri-000001 (verified): cannot be right: no export in the journal"
assert_contains "verify: unknown state" "$OUT" "my-app/tri-000002 (teleported): cannot be right: unknown state"
assert_contains "verify: create-first without the saved setting" "$OUT" "my-app/tri-000003 (copied): cannot be right: a create-first state without the saved source setting"
assert_contains "verify: counted" "$OUT" "check     3 devices"
TTS_API_URL=$WS DEST_TTS_API_URL=$WD run_tool resume --journal "$TMP/v.db"
assert_rc "verify: resume of that journal fails" 1
assert_contains "verify: ... leaving the unknown state alone" "$ERR" 'device "tri-000002": journal: the device is in a state this version does not know'

# ---- 3. the journal knows its run --------------------------------------------
start_emu IA --seed "$TMP/tri.jsonl"
start_emu IB --seed "$TMP/tri.jsonl"
start_emu ID
J="$TMP/id.db"
(TTNM_TEST_KILL_AFTER_REQUESTS=8 TTS_API_URL=$IA DEST_TTS_API_URL=$ID "$BIN" tts device tri-000001 tri-000002 tri-000003 --to-dest --journal "$J" --quiet --concurrency 1 >/dev/null 2>&1; exit $?) 2>/dev/null
assert_eq "identity: recorded, with the key's id and never its secret" 'EMULATOR false' \
	"$(sqlite3 "$J" "select value from meta where key = 'identity'" | jq -c '.source.api_key_id, (tostring | contains("'$SECRET_PART'"))' | xargs)"
emu_clear_requests "$IB"
emu_clear_requests "$ID"
TTS_API_URL=$IB DEST_TTS_API_URL=$ID run_tool resume --journal "$J"
assert_rc "identity: resume against another source deployment is refused (exit 2)" 2
assert_contains "identity: ... saying what differs" "$ERR" "the source's Identity Server is $IA/api/v3 in the journal, $IB/api/v3 now"
assert_eq "identity: ... in one line" 1 "$(wc -l <"$ERR")"
assert_eq "identity: ... nothing touched at either" "0 0" "$(api_reqs "$IB") $(api_reqs "$ID")"
assert_eq "identity: the other deployment's devices are whole" "is js ns as" "$(parts "$IB" tri-000002)"
TTS_API_URL=$IA DEST_TTS_API_URL=$ID DEST_TTS_APP_ID=other-app run_tool resume --journal "$J"
assert_rc "identity: resume into another application is refused" 2
assert_contains "identity: ... saying so" "$ERR" "the destination's application is cloud-app in the journal, other-app now"
rows=$(sqlite3 "$J" "select count(*) from devices")
TTS_API_URL=$IA DEST_TTS_API_URL=$ID DEST_TTS_APP_ID=other-app TTS_APP_ID=my-app run_tool tts application my-app --to-dest --journal "$J"
assert_rc "identity: a journal reused for another application is refused" 2
assert_eq "identity: ... and left as it was" "$rows" "$(sqlite3 "$J" "select count(*) from devices")"
assert_eq "identity: ... nothing touched" "0 0" "$(api_reqs "$IB") $(api_reqs "$ID")"
TTS_API_URL=$IA DEST_TTS_API_URL=$ID run_tool resume --journal "$J" --dev-id-prefix x
assert_rc "identity: another --dev-id-prefix is refused" 2
assert_contains "identity: ... saying so" "$ERR" '--dev-id-prefix is "" in the journal, "x" now'
TTS_API_URL=$IA DEST_TTS_API_URL=$ID run_tool resume --journal "$J"
assert_rc "identity: its own ends: resume finishes" 0
assert_eq "identity: every device at the destination" 3 "$(emu_devices "$ID" | jq '.is | length')"
assert_eq "identity: the other deployment untouched" "[]" "$(emu_writes "$IB")"
TTS_API_URL=$IB DEST_TTS_API_URL=$ID run_tool resume --journal "$J" --force-identity
assert_rc "identity: --force-identity goes on (nothing left to do)" 0
assert_contains "identity: ... with a warning" "$ERR" "going on (--force-identity)"

# ---- 4. restore never makes a second live copy -------------------------------
# One deployment (delete-first), with --dev-id-prefix.
start_emu ONE --seed "$TMP/one.jsonl"
export TTS_API_URL=$ONE DEST_TTS_API_URL=$ONE
J="$TMP/pfx.db"
run_tool tts device otaa-dev --to-dest --dev-id-prefix p --journal "$J"
assert_rc "prefix: migrated" 0
assert_eq "prefix: at the destination as p-otaa-dev" "is js ns as" "$(parts "$ONE" p-otaa-dev cloud-app)"
emu_clear_requests "$ONE"
run_tool restore --journal "$J" otaa-dev
assert_rc "prefix: a plain restore of a verified device refuses" 1
assert_contains "prefix: ... saying where it lives" "$ERR" "it is live at the destination as p-otaa-dev in application cloud-app (state verified)"
assert_eq "prefix: ... nothing written" "[]" "$(emu_writes "$ONE")"
run_tool restore --from-destination --journal "$J" otaa-dev
assert_rc "prefix: restore --from-destination exits 0" 0
assert_eq "prefix: gone from the destination (deleted by the recorded id)" "" "$(parts "$ONE" p-otaa-dev)"
assert_eq "prefix: whole at the source" "is js ns as" "$(parts "$ONE" otaa-dev my-app)"
assert_eq "prefix: status says restored" "restored" "$(state "$J" otaa-dev)"

# A revoked source key: refused before the destination copy is touched.
J="$TMP/rev.db"
reseed "$ONE" "$TMP/one.jsonl"
run_tool tts device otaa-dev --to-dest --journal "$J"
emu_clear_requests "$ONE"
TTS_APP_API_KEY=NNSXS.EMULATOR.REVOKED run_tool restore --journal "$J" otaa-dev
TTS_APP_API_KEY=NNSXS.EMULATOR.REVOKED run_tool restore --from-destination --journal "$J" otaa-dev
assert_rc "revoked: restore fails" 1
assert_contains "revoked: ... saying the source will not take it back" "$ERR" 'device "otaa-dev": the source will not take it back'
assert_eq "revoked: nothing written anywhere" "[]" "$(emu_writes "$ONE")"
assert_eq "revoked: still whole at the destination" "is js ns as" "$(parts "$ONE" otaa-dev cloud-app)"
assert_eq "revoked: status still true (verified)" "verified" "$(state "$J" otaa-dev)"
run_tool restore --from-destination --journal "$J" otaa-dev
assert_rc "revoked: with the key back, restore exits 0" 0
assert_eq "revoked: then at the source only" "is js ns as|" "$(parts "$ONE" otaa-dev my-app)|$(parts "$ONE" otaa-dev cloud-app)"

# A crash inside the create at the destination (delete-first: the source
# deleted), at every request of the create: restore (plain, or, when the
# destination's Network Server has it, --from-destination) leaves one copy.
bad=""
n=0
for k in $(seq 6 20); do
	J="$TMP/kc$k.db"
	reseed "$ONE" "$TMP/one.jsonl"
	(TTNM_TEST_KILL_AFTER_REQUESTS=$k "$BIN" tts device otaa-dev --to-dest --journal "$J" --quiet --concurrency 1 >/dev/null 2>&1; exit $?) 2>/dev/null
	[ "$(state "$J" otaa-dev)" == "retired" ] || continue
	n=$((n + 1))
	run_tool restore --journal "$J" otaa-dev
	if [ "$RC" -ne 0 ] && grep -qF "it is live at the destination" "$ERR"; then
		run_tool restore --from-destination --journal "$J" otaa-dev
	fi
	got="$RC|$(parts "$ONE" otaa-dev my-app)|$(parts "$ONE" otaa-dev cloud-app)|$(state "$J" otaa-dev)"
	[ "$got" == "0|is js ns as||restored" ] || bad="$bad k=$k:($got $(head -c 300 "$ERR"))"
done
if [ $n -ge 3 ]; then ok "crash in the create: $n kill points inside it"; else not_ok "crash in the create: kill points" "$n"; fi
assert_eq "crash in the create: restore leaves exactly one copy, at the source" "" "$bad"

# Traffic at the destination (two deployments, create-first): the counters
# moved on there; --from-destination puts the destination's back.
start_emu TS --seed "$TMP/one.jsonl"
start_emu TD
export TTS_API_URL=$TS DEST_TTS_API_URL=$TD
J="$TMP/traffic.db"
run_tool tts device otaa-dev --to-dest --journal "$J"
assert_rc "traffic: migrated" 0
curl -sf -X PUT -H "Authorization: Bearer $KEY" "$TD/api/v3/ns/applications/cloud-app/devices/otaa-dev" \
	-d '{"end_device":{"ids":{"device_id":"otaa-dev","application_ids":{"application_id":"cloud-app"}},"session":{"last_n_f_cnt_down":219}},"field_mask":{"paths":["session.last_n_f_cnt_down"]}}' >/dev/null
assert_eq "traffic: the destination's downlink counter moved on" 219 "$(ns "$TD" otaa-dev session.last_n_f_cnt_down)"
run_tool restore --journal "$J" otaa-dev
assert_rc "traffic: a plain restore refuses" 1
run_tool restore --from-destination --journal "$J" otaa-dev --verbose
assert_rc "traffic: restore --from-destination exits 0" 0
assert_eq "traffic: the source has the destination's counter (219), not the export's" 219 "$(ns "$TS" otaa-dev session.last_n_f_cnt_down)"
assert_eq "traffic: unfrozen at the source (its own setting: unset)" null "$(ns "$TS" otaa-dev mac_settings.schedule_downlinks)"
assert_eq "traffic: gone from the destination" "" "$(parts "$TD" otaa-dev)"
del=$(grep -n -- "DELETE $TD/api/v3/applications/cloud-app/devices/otaa-dev" "$ERR" | head -n1 | cut -d: -f1)
put=$(grep -n -- "POST $TS/api/v3/applications/my-app/devices" "$ERR" | head -n1 | cut -d: -f1)
if [ -n "$del" ] && [ -n "$put" ] && [ "$del" -lt "$put" ]; then ok "traffic: deleted at the destination before put back at the source"; else
	not_ok "traffic: deleted at the destination before put back at the source" "delete $del create $put"
fi
run_tool status --verify --journal "$J"
assert_rc "traffic: the journal checks sound" 0

# ---- 5. a destination key without Join Server rights -------------------------
start_emu RS --seed "$TMP/tri.jsonl"
start_emu RD --fail-route PUT:/js/:403
export TTS_API_URL=$RS DEST_TTS_API_URL=$RD
before=$(emu_devices "$RS" | jq -cS 'map_values(map(del(.updated_at)))')
emu_clear_requests "$RS"
run_tool tts device tri-000001 tri-000002 tri-000003 --to-dest --journal "$TMP/js.db" --concurrency 1
assert_rc "no JS rights: exit 1" 1
assert_contains "no JS rights: the run stops, saying why" "$ERR" "the run stops before the next device: setting on the Join Server"
assert_eq "no JS rights: only the first device was touched at the source (frozen, unfrozen)" \
	'["PUT /api/v3/ns/applications/my-app/devices/tri-000001","PUT /api/v3/ns/applications/my-app/devices/tri-000001"]' \
	"$(emu_writes "$RS" | jq -c '[.[] | "\(.method) \(.path)"]')"
assert_eq "no JS rights: nothing off the air (every source record as before)" "$before" "$(emu_devices "$RS" | jq -cS 'map_values(map(del(.updated_at)))')"
assert_eq "no JS rights: nothing left at the destination" 0 "$(emu_devices "$RD" | jq '[.[][]] | length')"
assert_eq "no JS rights: the journal: refused, and two not started" "refused pending pending" "$(sqlite3 "$TMP/js.db" "select state from devices order by seq" | xargs)"
