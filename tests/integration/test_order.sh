#!/usr/bin/env bash
# The order of a migration. Two deployments (two emulators): create-first,
# the device frozen at the source until the destination has verified it, a
# refusal unfreezes it. One deployment (one emulator, two applications):
# delete-first, never before the create's bodies were checked.
. "$(dirname "$0")/lib.sh"

# otaa-dev had schedule_downlinks=true, abp-dev had it unset.
jq -c 'select(.ids.device_id == "otaa-dev" or .ids.device_id == "abp-dev")
	| if .ids.device_id == "otaa-dev" then .mac_settings.schedule_downlinks = true else . end' \
	"$FIX/seed-export.jsonl" >"$TMP/seed.jsonl"
export TTS_APP_ID=my-app TTS_APP_API_KEY=$KEY DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY=$KEY

# sd URL DEV: the NS's schedule_downlinks of DEV (null when unset).
sd() { emu_devices "$1" | jq -c --arg d "$2" '[.ns[] | select(.ids.device_id == $d)] | .[0].mac_settings.schedule_downlinks'; }
# parts URL DEV: in which registries DEV is, e.g. "is js ns as".
parts() { emu_devices "$1" | jq -r --arg d "$2" '[to_entries[] | select(any(.value[]; .ids.device_id == $d)) | .key] | join(" ")'; }
# records URL: every stored record, without the update times (a refused device comes back identical).
records() { emu_devices "$1" | jq -cS 'map_values(map(del(.updated_at)))'; }
# reseed URL: forget every device, import the seed (as my-app).
reseed() {
	curl -sf -X DELETE "$1/_emulator/devices" >/dev/null
	DEST_TTS_API_URL=$1 DEST_TTS_APP_ID=my-app "$BIN" import --force --quiet "$TMP/seed.jsonl" 2>/dev/null
	emu_clear_requests "$1"
}

start_emu SRC --seed "$TMP/seed.jsonl"
start_emu DST
export TTS_API_URL=$SRC DEST_TTS_API_URL=$DST

# ---- (a) create-first: the source deletes only after the destination verified
# (--verify-mode read-back: the verify reads are in the log; by default the
# device is verified from the answers of its creates)
run_tool tts device otaa-dev abp-dev --to-dest --journal "$TMP/a.db" --concurrency 1 --verbose --verify-mode read-back
assert_rc "create-first: exit 0" 0
assert_contains "create-first: said" "$ERR" "two deployments"
assert_eq "create-first: the source is empty" 0 "$(emu_devices "$SRC" | jq '[.[][]] | length')"
assert_eq "create-first: otaa-dev at the destination, all four" "is js ns as" "$(parts "$DST" otaa-dev)"
assert_eq "create-first: abp-dev at the destination" "is ns as" "$(parts "$DST" abp-dev)"
assert_eq "create-first: the destination has the setting the device had (true), not the freeze" true "$(sd "$DST" otaa-dev)"
assert_eq "create-first: ... and unset where it was unset" null "$(sd "$DST" abp-dev)"
# The source's log: the setting read, the freeze, then the session reads.
log=$(emu_requests "$SRC" | jq -c '[.[] | select(.path | endswith("/otaa-dev")) | "\(.method) \(.path | sub("/api/v3"; "") | sub("/applications/my-app/devices/otaa-dev"; "")) \((.query | split(",")[0]) // "")"]')
# (the IS fields come with one batch get of both devices, after the freeze)
# (the NS is read once, before the freeze: the setting with the NS fields)
assert_eq "create-first: source requests in order (read NS, freeze, export JS AS, delete AS NS JS IS)" \
	'["GET /ns field_mask=battery_percentage","PUT /ns ","GET /js field_mask=application_server_address","GET /as field_mask=formatters","DELETE /as ","DELETE /ns ","DELETE /js ","DELETE /"]' \
	"$(jq -c 'map(sub("^DELETE  $"; "DELETE /"))' <<<"$log")"
# The whole run in one order (--verbose logs every request): the source's
# deletes come after the destination's creates and read-backs.
line() { grep -n -- "$1" "$ERR" | head -n1 | cut -d: -f1; }
c=$(line "PUT $DST/api/v3/as/applications/cloud-app/devices/otaa-dev ")
v=$(grep -n -- "GET $DST/api/v3/as/applications/cloud-app/devices/otaa-dev?" "$ERR" | tail -n1 | cut -d: -f1)
d=$(line "DELETE $SRC/api/v3/as/applications/my-app/devices/otaa-dev ")
f=$(line "PUT $SRC/api/v3/ns/applications/my-app/devices/otaa-dev ")
s=$(line "GET $SRC/api/v3/as/applications/my-app/devices/otaa-dev?")
if [ -n "$c" ] && [ -n "$v" ] && [ -n "$d" ] && [ -n "$f" ] && [ -n "$s" ] &&
	[ "$f" -lt "$s" ] && [ "$s" -lt "$c" ] && [ "$c" -lt "$v" ] && [ "$v" -lt "$d" ]; then
	ok "create-first: freeze < session read < destination create < verify < source delete"
else
	not_ok "create-first: freeze < session read < destination create < verify < source delete" "freeze $f read $s create $c verify $v delete $d"
fi
run_tool status --journal "$TMP/a.db"
assert_contains "create-first: status names the order" "$OUT" "order     create-first"
assert_contains "create-first: status verified 2" "$OUT" "verified  2"

# ---- (b) the destination refuses the Network Server Set (400): both stay at the source
start_emu SRCB --seed "$TMP/seed.jsonl"
start_emu DSTB --reject-paths mac_settings.rx1_delay,mac_settings.rx2_frequency
before=$(records "$SRCB")
TTS_API_URL=$SRCB DEST_TTS_API_URL=$DSTB run_tool tts device otaa-dev abp-dev --to-dest --journal "$TMP/b.db"
assert_rc "refused: exit 1" 1
assert_contains "refused: says why" "$ERR" 'device "otaa-dev": refused by the destination: setting on the Network Server'
assert_contains "refused: says where it is" "$ERR" "unfrozen at the source, where it keeps working"
assert_eq "refused: otaa-dev intact at the source, all four" "is js ns as" "$(parts "$SRCB" otaa-dev)"
assert_eq "refused: abp-dev intact at the source" "is ns as" "$(parts "$SRCB" abp-dev)"
assert_eq "refused: schedule_downlinks back to true" true "$(sd "$SRCB" otaa-dev)"
assert_eq "refused: schedule_downlinks back to unset" null "$(sd "$SRCB" abp-dev)"
assert_eq "refused: the source records are as before" "$before" "$(records "$SRCB")"
assert_eq "refused: nothing deleted at the source" 0 "$(emu_requests "$SRCB" | jq '[.[] | select(.method == "DELETE")] | length')"
assert_eq "refused: nothing left at the destination (rolled back)" 0 "$(emu_devices "$DSTB" | jq '[.[][]] | length')"
run_tool status --journal "$TMP/b.db"
assert_contains "refused: status counts" "$OUT" "refused   2"
assert_contains "refused: status says why" "$OUT" "my-app/otaa-dev (refused): refused by the destination: setting on the Network Server"
# restore of a refused device: nothing to undo but the (repeated) unfreeze.
TTS_API_URL=$SRCB DEST_TTS_API_URL=$DSTB run_tool restore --journal "$TMP/b.db" otaa-dev
assert_rc "refused: restore exits 0" 0
assert_eq "refused: restore leaves it as it was" true "$(sd "$SRCB" otaa-dev)"
# An id taken at the destination (EXISTS, no create of ours before): refused too.
start_emu DSTB2
jq -c 'select(.ids.device_id == "abp-dev") | .ids.application_ids.application_id = "cloud-app"
	| .ids.device_id = "otaa-dev" | .session.dev_addr = "260B0001"' "$TMP/seed.jsonl" |
	DEST_TTS_API_URL=$DSTB2 "$BIN" import --force --quiet 2>/dev/null
TTS_API_URL=$SRCB DEST_TTS_API_URL=$DSTB2 run_tool tts device otaa-dev --to-dest --force --journal "$TMP/b2.db"
assert_rc "id taken: exit 1" 1
assert_contains "id taken: refused" "$ERR" "refused by the destination"
assert_eq "id taken: otaa-dev intact at the source" "is js ns as" "$(parts "$SRCB" otaa-dev)"
assert_eq "id taken: schedule_downlinks back to true" true "$(sd "$SRCB" otaa-dev)"
assert_eq "id taken: the other device at the destination untouched" '"260B0001"' \
	"$(emu_devices "$DSTB2" | jq -c '.ns[0].session.dev_addr')"

# ---- (c) --keep-source: frozen at the source, verified at the destination; restore unfreezes
start_emu SRCC --seed "$TMP/seed.jsonl"
start_emu DSTC
TTS_API_URL=$SRCC DEST_TTS_API_URL=$DSTC run_tool tts device otaa-dev abp-dev --to-dest --keep-source --journal "$TMP/c.db"
assert_rc "--keep-source: exit 0" 0
assert_eq "--keep-source: kept at the source, all four" "is js ns as" "$(parts "$SRCC" otaa-dev)"
assert_eq "--keep-source: frozen at the source" "false false" "$(sd "$SRCC" otaa-dev) $(sd "$SRCC" abp-dev)"
assert_eq "--keep-source: the destination has the device's own setting" "true null" "$(sd "$DSTC" otaa-dev) $(sd "$DSTC" abp-dev)"
assert_eq "--keep-source: no delete at the source" 0 "$(emu_requests "$SRCC" | jq '[.[] | select(.method == "DELETE")] | length')"
# Verified: live at the destination. A plain restore refuses (a second live
# copy with the export's counters); --from-destination takes it back.
emu_clear_requests "$SRCC"
emu_clear_requests "$DSTC"
TTS_API_URL=$SRCC DEST_TTS_API_URL=$DSTC run_tool restore --journal "$TMP/c.db" otaa-dev abp-dev
assert_rc "--keep-source: plain restore of verified devices refuses" 1
assert_contains "--keep-source: ... saying where it lives" "$ERR" "it is live at the destination as otaa-dev in application cloud-app (state verified)"
assert_eq "--keep-source: ... and writes nothing" "[] []" "$(emu_writes "$SRCC") $(emu_writes "$DSTC")"
TTS_API_URL=$SRCC DEST_TTS_API_URL=$DSTC run_tool restore --from-destination --journal "$TMP/c.db" otaa-dev abp-dev
assert_rc "--keep-source: restore exits 0" 0
assert_eq "--keep-source: restore puts back true and unset" "true null" "$(sd "$SRCC" otaa-dev) $(sd "$SRCC" abp-dev)"
assert_eq "--keep-source: restore removed the destination copies" 0 "$(emu_devices "$DSTC" | jq '[.[][]] | length')"
run_tool status --journal "$TMP/c.db"
assert_contains "--keep-source: status restored 2" "$OUT" "restored  2"

# ---- (d) kill -9 after every request of a create-first run, then resume
bad=""
lost=""
k=0
while :; do
	k=$((k + 1))
	reseed "$SRC"
	curl -sf -X DELETE "$DST/_emulator/devices" >/dev/null
	J="$TMP/d$k.db"
	(TTNM_TEST_KILL_AFTER_REQUESTS=$k "$BIN" tts device otaa-dev abp-dev --to-dest --journal "$J" --quiet --concurrency 1 >/dev/null 2>>"$TMP/d.err"; exit $?) 2>/dev/null
	rc=$?
	[ $rc -eq 137 ] || break
	# At the kill: each device whole at the source or at the destination.
	for dev in otaa-dev abp-dev; do
		want="is ns as"
		[ $dev == otaa-dev ] && want="is js ns as"
		[ "$(parts "$SRC" $dev)" == "$want" ] || [ "$(parts "$DST" $dev)" == "$want" ] || lost="$lost k=$k:$dev"
	done
	(TTNM_TEST_KILL_AFTER_REQUESTS= "$BIN" resume --journal "$J" --quiet >/dev/null 2>>"$TMP/d.err"; exit $?) 2>/dev/null
	rrc=$?
	got="$rrc $(emu_devices "$DST" | jq -c '[.is, .ns, .as | map(.ids.device_id) | sort]') $(emu_devices "$SRC" | jq '[.[][]] | length') $(sd "$DST" otaa-dev) $(sd "$DST" abp-dev)"
	want='0 [["abp-dev","otaa-dev"],["abp-dev","otaa-dev"],["abp-dev","otaa-dev"]] 0 true null'
	[ "$got" == "$want" ] || bad="$bad k=$k:($got)"
	[ $k -lt 80 ] || break
done
if [ $k -gt 20 ] && [ $k -lt 80 ]; then ok "kill -9: $((k - 1)) kill points covered, then a run finished"; else not_ok "kill -9: kill points" "k=$k rc=$rc"; fi
assert_eq "kill -9: at every kill point each device was whole at one end at least" "" "$lost"
assert_eq "kill -9: after resume, every device exactly once at the destination, none at the source" "" "$bad"

# ---- (e) one deployment: delete-first, behind the checks and dest_check_create
# A device the destination would refuse (two members of the oneof
# mac_settings.adr.mode, as a source could hold after a bad write): seeded
# into the same deployment.
jq -c 'select(.ids.device_id == "abp-dev") | .ids.device_id = "adr-both" | .ids.dev_eui = "70B3D57ED00E0002" | .session.dev_addr = "260B0002"
	| .mac_settings.adr = {"static": {"data_rate_index": 5, "tx_power_index": 1, "nb_trans": 1}, "dynamic": {"margin": 15}}' \
	"$TMP/seed.jsonl" >"$TMP/seed-e.jsonl"
cat "$TMP/seed.jsonl" >>"$TMP/seed-e.jsonl"
start_emu ONE --seed "$TMP/seed-e.jsonl"
export TTS_API_URL=$ONE DEST_TTS_API_URL=$ONE
run_tool tts device otaa-dev --to-dest --journal "$TMP/e.db"
assert_rc "one deployment: exit 0" 0
assert_contains "one deployment: said" "$ERR" "one deployment"
# (the source's IS delete: by id, or in a batch with device_ids=otaa-dev)
order=$(emu_requests "$ONE" | jq -c '[.[] | select(.method != "GET") | "\(.method) \(.path)"] | map(select(test("otaa-dev$|cloud-app/devices$|my-app/devices/batch$"))) | [(map(test("^DELETE /api/v3/applications/my-app/devices/(otaa-dev|batch)$")) | index(true)), (index("POST /api/v3/applications/cloud-app/devices"))]')
if jq -e '.[0] != null and .[1] != null and .[0] < .[1]' <<<"$order" >/dev/null; then
	ok "one deployment: deleted at the source before created at the destination"
else
	not_ok "one deployment: deleted at the source before created at the destination" "$order"
fi
assert_eq "one deployment: at the destination application" "is js ns as" "$(emu_devices "$ONE" | jq -r '[to_entries[] | select(any(.value[]; .ids.device_id == "otaa-dev" and .ids.application_ids.application_id == "cloud-app")) | .key] | join(" ")')"
run_tool status --journal "$TMP/e.db"
assert_contains "one deployment: status names the order" "$OUT" "order     delete-first"
emu_clear_requests "$ONE"
run_tool tts device adr-both --to-dest --journal "$TMP/e2.db"
assert_rc "dest_check_create refuses: exit 1" 1
assert_contains "refused by its rule, before anything changed" "$ERR" "(check oneof-conflict"
assert_eq "dest_check_create refuses: not deleted at the source" "is ns as" \
	"$(emu_devices "$ONE" | jq -r '[to_entries[] | select(any(.value[]; .ids.device_id == "adr-both" and .ids.application_ids.application_id == "my-app")) | .key] | join(" ")')"
assert_eq "dest_check_create refuses: no write at all" "[]" "$(emu_writes "$ONE")"

# Old journals (no order, no frozen_from column) stay delete-first: a device
# killed after its source delete, before the journal knew, is created by
# resume, even between two deployments.
start_emu OLDS --seed "$TMP/seed.jsonl"
start_emu OLDD
J="$TMP/old.db"
for k in $(seq 4 30); do
	rm -f "$J"*
	reseed "$OLDS"
	(TTNM_TEST_KILL_AFTER_REQUESTS=$k TTS_API_URL=$OLDS DEST_TTS_API_URL=$OLDS "$BIN" tts device otaa-dev --to-dest --journal "$J" --quiet --concurrency 1 >/dev/null 2>&1; exit $?) 2>/dev/null
	[ "$(sqlite3 "$J" "select state from devices")" == "exported" ] && [ -z "$(parts "$OLDS" otaa-dev)" ] && break
done
sqlite3 "$J" "ALTER TABLE devices DROP COLUMN frozen_from; ALTER TABLE devices DROP COLUMN restore; ALTER TABLE devices DROP COLUMN dest_dev; DELETE FROM meta WHERE key IN ('order', 'identity');"
emu_clear_requests "$OLDS"
TTS_API_URL=$OLDS DEST_TTS_API_URL=$OLDD run_tool resume --journal "$J"
assert_rc "old journal: resume exits 0" 0
assert_contains "old journal: the run's ends are recorded, and said" "$ERR" "recorded the source and destination this run acts on"
assert_eq "old journal: identity recorded (key id only)" '"EMULATOR"' "$(sqlite3 "$J" "select value from meta where key = 'identity'" | jq -c .destination.api_key_id)"
assert_eq "old journal: the device deleted at the source is created at the destination" "is js ns as" "$(parts "$OLDD" otaa-dev)"
assert_eq "old journal: no freeze at the source (delete-first goes on)" 0 "$(emu_requests "$OLDS" | jq '[.[] | select(.method == "PUT")] | length')"
run_tool status --journal "$J"
assert_contains "old journal: status verified 1" "$OUT" "verified  1"

# restore of a create-first device killed in the middle of its source delete:
# the source copy is made whole (re-created frozen), the destination copy
# deleted, then the source unfrozen: one copy at every step.
J="$TMP/r.db"
for k in $(seq 10 40); do
	rm -f "$J"*
	reseed "$OLDS"
	curl -sf -X DELETE "$OLDD/_emulator/devices" >/dev/null
	(TTNM_TEST_KILL_AFTER_REQUESTS=$k TTS_API_URL=$OLDS DEST_TTS_API_URL=$OLDD "$BIN" tts device otaa-dev --to-dest --journal "$J" --quiet --concurrency 1 >/dev/null 2>&1; exit $?) 2>/dev/null
	[ "$(sqlite3 "$J" "select state from devices")" == "retiring" ] && [ "$(parts "$OLDS" otaa-dev)" == "is js ns" ] && break
done
assert_eq "restore mid-delete: killed with the AS copy deleted at the source" "is js ns" "$(parts "$OLDS" otaa-dev)"
TTS_API_URL=$OLDS DEST_TTS_API_URL=$OLDD run_tool restore --from-destination --journal "$J" otaa-dev
assert_rc "restore mid-delete: exit 0" 0
assert_eq "restore mid-delete: whole at the source again" "is js ns as" "$(parts "$OLDS" otaa-dev)"
assert_eq "restore mid-delete: unfrozen to its own setting (true)" true "$(sd "$OLDS" otaa-dev)"
assert_eq "restore mid-delete: gone from the destination" "" "$(parts "$OLDD" otaa-dev)"
