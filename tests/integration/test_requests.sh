#!/usr/bin/env bash
# Requests per device, counted by the emulators (bench/requests.sh): every
# operation at or below its limit, with every device done. Counts, not times.
# Then the same migration with 429s from both ends: the answered requests stay
# at the limit (retries are counted apart) and every device is still done.
. "$(dirname "$0")/lib.sh"

N=${REQ_DEVICES:-200}

# The limits per OTAA device at N=200 (issue 13's targets; see the README,
# "What a migration costs in requests", for what decides each count).
limit() {
	case $1 in
	export) echo 3.05 ;;     # IS fields from the list pages, NS, AS, JS gets
	export-ids) echo 3.1 ;;  # IS batch get per 20, NS, AS, JS gets
	export-off) echo 4.05 ;; # + the NS Set that stops the device's downlinks
	export-del) echo 3.3 ;;  # + AS, NS, JS, IS batch deletes per 20
	import) echo 4.02 ;;     # IS create, JS, NS, AS sets; NetID and prefixes once
	# one NS get before the freeze (the downlink setting and the export's
	# NS fields), the freeze, AS and JS gets, 4 creates verified from their
	# answers, batch deletes (devices join a batch while they come, so a
	# slow machine makes smaller ones; the least is 8.205)
	migrate) echo 8.5 ;;
	migrate-rb) echo 11.5 ;; # + NS, AS, JS read back at the destination
	esac
}

check_table() { # FILE LABEL [BENCH-STDERR]
	local op done rpd retries
	while IFS=$'\t' read -r op done rpd retries _ _; do
		if [ "$done" == "$N" ]; then ok "$2$op: every device done"; else
			not_ok "$2$op: every device done" "done: $done of $N" "bench: $(head -c 1500 "${3:-/dev/null}")"
		fi
		if awk -v a="$rpd" -v b="$(limit "$op")" 'BEGIN { exit !(a <= b) }'; then
			ok "$2$op: $rpd requests per device <= $(limit "$op")"
		else
			not_ok "$2$op: $rpd requests per device, limit $(limit "$op")"
		fi
	done <"$1"
}

BUILD="$BUILD" FORMAT=tsv "$ROOT/bench/requests.sh" "$N" >"$TMP/table" 2>"$TMP/bench.err"
assert_eq "bench ran every operation" 7 "$(wc -l <"$TMP/table")"
[ -s "$TMP/bench.err" ] && not_ok "bench: no errors" "$(head -c 600 "$TMP/bench.err")"
check_table "$TMP/table" "" "$TMP/bench.err"

# 429s: every 9th request at both ends is throttled (Retry-After: 1 and
# X-Rate-Limit-Retry; TTNM_TEST_NO_SLEEP keeps the waits short).
EMU_ARGS="--throttle-every 9 --retry-after 1" OPS="export-del migrate" BUILD="$BUILD" FORMAT=tsv \
	"$ROOT/bench/requests.sh" "$N" >"$TMP/table429" 2>"$TMP/bench429.err"
check_table "$TMP/table429" "with 429s: " "$TMP/bench429.err"
if awk -F'\t' '{ if ($4 <= 0) bad = 1 } END { exit bad }' "$TMP/table429"; then
	ok "with 429s: the retries are counted apart"
else
	not_ok "with 429s: no retries counted" "$(cat "$TMP/table429")"
fi

# ---- what the dropped existence check leaves to the create ---------------------
export TTS_APP_API_KEY=$KEY DEST_TTS_APP_API_KEY=$KEY TTS_APP_ID=bench DEST_TTS_APP_ID=bench
"$FIX/gen-devices.sh" 3 bench >"$TMP/seed3.jsonl"
sd() { emu_devices "$1" | jq -c --arg d "$2" '[.ns[] | select(.ids.device_id == $d) | .mac_settings.schedule_downlinks]'; }

# (a) The EUIs are taken at the destination by a device of another
# application (which the run's list of its own application does not show):
# the create's 409 end_device_euis_taken is the refusal, nothing was read
# first, the device is unfrozen at the source, the other one untouched.
start_emu SA --seed "$TMP/seed3.jsonl"
start_emu DA
squatter='{"end_device":{"ids":{"device_id":"squatter","dev_eui":"70B3D57E00000001","join_eui":"0000000000000001"},"name":"not ours"}}'
curl -sf -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -X POST \
	--data-binary "$squatter" "$DA/api/v3/applications/other-app/devices" >/dev/null
emu_clear_requests "$DA"
TTS_API_URL=$SA DEST_TTS_API_URL=$DA run_tool tts device dev-000001 --to-dest --journal "$TMP/a.db"
assert_rc "EUIs taken: exit 1" 1
assert_contains "EUIs taken: refused, says why" "$ERR" "already registered at the destination"
assert_eq "EUIs taken: no existence check, the create refused" '["POST /api/v3/applications/bench/devices 409"]' \
	"$(emu_requests "$DA" | jq -c '[.[] | select((.path | endswith("/dev-000001")) or .method == "POST") | "\(.method) \(.path) \(.status)"]')"
assert_eq "EUIs taken: unfrozen at the source (unset again)" '[null]' "$(sd "$SA" dev-000001)"
assert_eq "EUIs taken: the other device untouched" '"not ours" squatter 1 0' \
	"$(emu_devices "$DA" | jq -r '"\(.is[0].name | tojson) \(.is[0].ids.device_id) \(.is | length) \([.js, .ns, .as] | map(length) | add)"')"

# (b) Killed right after the create (request 10 with one device: NetID,
# prefixes, the destination's list, setting, freeze, IS, JS, AS, NS reads,
# the create); before the resume another device takes the id at the
# destination: the resumed create is not taken as ours (other EUIs).
foreign='{"end_device":{"ids":{"device_id":"dev-000001","dev_eui":"70B3D57EFFFFFFFF","join_eui":"0000000000000001"},"name":"not ours"}}'
start_emu SB --seed "$TMP/seed3.jsonl"
start_emu DB
(TTNM_TEST_KILL_AFTER_REQUESTS=10 TTS_API_URL=$SB DEST_TTS_API_URL=$DB "$BIN" tts device dev-000001 \
	--to-dest --journal "$TMP/b.db" --concurrency 1 --quiet >/dev/null 2>&1; exit $?) 2>/dev/null
RC=$?
assert_eq "kill after the create: killed" 137 "$RC"
assert_eq "kill after the create: the IS device is there" 1 "$(emu_devices "$DB" | jq '.is | length')"
curl -sf -X DELETE "$DB/_emulator/devices" >/dev/null
curl -sf -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -X POST \
	--data-binary "$foreign" "$DB/api/v3/applications/bench/devices" >/dev/null
TTS_API_URL=$SB DEST_TTS_API_URL=$DB run_tool resume --journal "$TMP/b.db"
assert_rc "resume, id now another device's: exit 1" 1
assert_contains "resume: not adopted (other identifiers)" "$ERR" "other identifiers"
assert_eq "resume: the other device untouched, nothing set on it" '"not ours" 70B3D57EFFFFFFFF 0' \
	"$(emu_devices "$DB" | jq -r '"\(.is[0].name | tojson) \(.is[0].ids.dev_eui) \([.js, .ns, .as] | map(length) | add)"')"
assert_eq "resume: unfrozen at the source" '[null]' "$(sd "$SB" dev-000001)"
assert_eq "resume: the source keeps the device, all four" 4 \
	"$(emu_devices "$SB" | jq '[.[][] | select(.ids.device_id == "dev-000001")] | length')"

# ---- device ids: one IS batch get per 20, a missing one said as before -------
start_emu SC --seed "$TMP/seed3.jsonl"
printf 'dev-000001\nnot-there\ndev-000003\n' >"$TMP/ids3"
TTS_API_URL=$SC run_tool tts device --dry-run <"$TMP/ids3"
assert_rc "ids with a missing one: exit 1" 1
assert_contains "the missing one: not found" "$ERR" 'device "not-there": reading from the Identity Server: not found'
assert_eq "the two others exported" '["dev-000001","dev-000003"]' "$(jq -s -c '[.[].ids.device_id] | sort' "$OUT")"
assert_eq "one batch get for the three, a Get for the missing one" \
	'["GET /api/v3/applications/bench/devices/batch","GET /api/v3/applications/bench/devices/not-there"]' \
	"$(emu_requests "$SC" | jq -c '[.[] | select(.path | test("^/api/v3/applications/")) | "\(.method) \(.path)"]')"

# ---- the IS fields from a list page or a batch get are those of a Get ----------
# (seed-basic: names, descriptions, attributes, locations, versions, OTAA and ABP)
start_emu SD --seed "$FIX/seed-basic.jsonl"
app=$(jq -r '.ids.application_ids.application_id' "$FIX/seed-basic.jsonl" | head -n1)
ids=$(jq -r --arg a "$app" 'select(.ids.application_ids.application_id == $a) | .ids.device_id' "$FIX/seed-basic.jsonl")
norm() { jq -S -c 'del(.created_at, .updated_at)' "$@" | sort; }
TTS_API_URL=$SD TTS_APP_ID=$app "$BIN" tts application "$app" --dry-run --quiet >"$TMP/by-list.json" 2>/dev/null
TTS_API_URL=$SD TTS_APP_ID=$app "$BIN" tts device --dry-run --quiet <<<"$ids" >"$TMP/by-batch.json" 2>/dev/null
: >"$TMP/by-get.json"
for d in $ids; do
	TTS_API_URL=$SD TTS_APP_ID=$app "$BIN" tts device "$d" --dry-run --quiet >>"$TMP/by-get.json" 2>/dev/null
done
assert_eq "the seed's application has several devices" true "$([ "$(wc -l <<<"$ids")" -ge 2 ] && echo true)"
assert_eq "exports from the list page equal those of Gets" "$(norm "$TMP/by-get.json")" "$(norm "$TMP/by-list.json")"
assert_eq "exports from a batch get equal those of Gets" "$(norm "$TMP/by-get.json")" "$(norm "$TMP/by-batch.json")"
assert_jq "the exports hold IS fields" "$TMP/by-list.json" 'map(select(.name != null)) | length >= 2'

# ---- verify from the answers: an answer without the AppSKey fails the verify ---
# The destination's AS stores the key but leaves it out of its Set answers:
# the device stays frozen at the source (not deleted); resume has no answers
# and reads the device back, where the key is: verified, then deleted.
start_emu SE --seed "$TMP/seed3.jsonl"
start_emu DE --answer-omit PUT:/as/:session.keys.app_s_key
TTS_API_URL=$SE DEST_TTS_API_URL=$DE run_tool tts device dev-000001 --to-dest --journal "$TMP/e.db"
assert_rc "answer without the key: exit 1" 1
assert_contains "answer without the key: the verify says which" "$ERR" "verify: AS session.keys.app_s_key.key: expected (a key), destination has none"
assert_eq "answer without the key: frozen, not deleted at the source" '[false] 4' \
	"$(sd "$SE" dev-000001) $(emu_devices "$SE" | jq '[.[][] | select(.ids.device_id == "dev-000001")] | length')"
assert_eq "answer without the key: no read at the destination" 0 \
	"$(emu_requests "$DE" | jq '[.[] | select(.method == "GET" and (.path | endswith("/dev-000001")))] | length')"
TTS_API_URL=$SE DEST_TTS_API_URL=$DE run_tool resume --journal "$TMP/e.db"
assert_rc "resume: exit 0" 0
assert_eq "resume: read back from NS, AS, JS" 3 \
	"$(emu_requests "$DE" | jq '[.[] | select(.method == "GET" and (.path | endswith("/dev-000001")))] | length')"
assert_eq "resume: deleted at the source" 0 "$(emu_devices "$SE" | jq '[.[][] | select(.ids.device_id == "dev-000001")] | length')"
