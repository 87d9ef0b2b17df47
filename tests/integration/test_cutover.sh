#!/usr/bin/env bash
# The whole cut-over (issue 14): `tts application APP --to-dest --with-gateways` moves the
# devices with their sessions and the gateways that hear them, in one journal, while simulated
# devices keep sending uplinks through simulated gateways:
#   - gw-cups: a Basic Station that follows the Sandbox's CUPS (tests/simgw), moved by
#     Procedure A without touching it;
#   - gw-udp: a Semtech UDP gateway the tool cannot reach: the operator is told what to change
#     (here the test plays the operator when the line appears);
#   - bob-gw: a foreign gateway (another user's): a device heard only by it is class C and stays;
#   - comm-gw: a gateway of a third network, whose uplinks reach the Sandbox through Packet
#     Broker (heard by "packetbroker"): a device heard only so is class C too and stays.
# The Sandbox forwards the Cloud's DevAddr block to the Cloud through Packet Broker (on by
# default); the Cloud does not forward the Sandbox's (off by default): so a moved device, which
# keeps its Sandbox DevAddr, is heard at the Cloud only through the gateways moved with it.
# Checked: the plan (--dry-run) changes nothing; every uplink sent while a gateway is connected
# somewhere is accepted by the network it reached (no uplink lost to the order of the steps);
# after the cut-over the moved devices are accepted by the destination only, the source copies
# are gone, the class C device is untouched; gateways registered at the destination with their
# settings and connected; `watch` reports devices and gateways; a kill -9 at any point followed by
# `resume` ends the same way; no key is printed.
. "$(dirname "$0")/lib.sh"

SIM="$BUILD/simdev"
SIMGW="$BUILD/simgw"
ALICE=NNSXS.ALICE.ASECRETCUT
CAROL=NNSXS.CAROL.CSECRETCUT
BOB=NNSXS.BOB.BSECRETCUT

cat >"$TMP/gws.jsonl" <<'EOF2'
{"gateway":{"ids":{"gateway_id":"gw-cups","eui":"00800000A0000020"},"name":"Roof","attributes":{"site":"roof","cups-last-seen":"2026-01-01T00:00:00Z"},"gateway_server_address":"sandbox.example","frequency_plan_ids":["EU_863_870_TTN"],"enforce_duty_cycle":true,"antennas":[{"gain":3,"location":{"latitude":52.1,"longitude":4.3,"altitude":10,"source":"SOURCE_REGISTRY"}}],"location_public":true},"owner":{"user_id":"alice"}}
{"gateway":{"ids":{"gateway_id":"gw-udp","eui":"00800000A0000021"},"name":"Barn","gateway_server_address":"sandbox.example","frequency_plan_ids":["EU_863_870_TTN"]},"owner":{"user_id":"alice"},"connection":{"protocol":"udp","connected":true}}
{"gateway":{"ids":{"gateway_id":"bob-gw","eui":"00800000B0000021"},"name":"Bob's","gateway_server_address":"sandbox.example"},"owner":{"user_id":"bob"},"connection":{"protocol":"udp","connected":true}}
EOF2
# cut-000001..2 heard by gw-cups, cut-000003 by gw-udp, cut-000004 by bob-gw only, cut-000005
# through Packet Broker only (both class C).
"$FIX/gen-devices.sh" 5 roof cut >"$TMP/seed.jsonl"
echo '{"gateway":{"ids":{"gateway_id":"comm-gw","eui":"00800000D0000001"}},"owner":{"user_id":"dave"},"connection":{"protocol":"udp","connected":true}}' >"$TMP/comm-gws.jsonl"
gateway_of() {
	case $1 in
	cut-000001 | cut-000002) echo gw-cups ;;
	cut-000003) echo gw-udp ;;
	cut-000004) echo bob-gw ;;
	*) echo comm-gw ;;
	esac
}

export TTS_USER_ID=alice TTS_APP_ID=roof TTS_APP_API_KEY=$KEY TTS_API_KEY=$ALICE
export DEST_TTS_USER_ID=carol DEST_TTS_APP_ID=roof DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_KEY=$CAROL
ALL="$TMP/all-output"
: >"$ALL"
run_cut() {
	run_tool "$@"
	cat "$OUT" "$ERR" >>"$ALL"
}

# setup: fresh Sandbox and Cloud, the gateways' keys as the Console makes them, simgw on the
# Sandbox's CUPS, and a few uplinks at the source so that the devices' recent uplinks name
# their gateways (the coverage).
setup() {
	stop_emus
	start_emu DST --api-key "$KEY" --user-key "$CAROL=carol" --dev-addr-prefix 260E0000/16 \
		--pb-tenant acme --pb-cluster tti-eu1
	DST_PID=${T_PIDS[-1]}
	start_emu SRC --api-key "$KEY" --seed "$TMP/seed.jsonl" --seed-gateways "$TMP/gws.jsonl" \
		--pb-route "260E0000/16=$DST" --pb-cluster ttn-eu1 \
		--user-key "$ALICE=alice" --user-key "$BOB=bob"
	SRC_PID=${T_PIDS[-1]}
	start_emu OTHER --seed-gateways "$TMP/comm-gws.jsonl" --pb-route "26000000/7=$SRC" \
		--pb-tenant other --pb-cluster other-eu1
	OTHER_PID=${T_PIDS[-1]}
	export TTS_API_URL=$SRC DEST_TTS_API_URL=$DST
	local A="Authorization: Bearer $ALICE" g=$SRC/api/v3/gateways/gw-cups
	CUPS_KEY=$(curl -s -X POST -H "$A" "$g/api-keys" \
		-d '{"name":"cups","rights":["RIGHT_GATEWAY_INFO","RIGHT_GATEWAY_SETTINGS_BASIC","RIGHT_GATEWAY_READ_SECRETS"]}' | jq -r .key)
	LNS_KEY=$(curl -s -X POST -H "$A" "$g/api-keys" -d '{"name":"lns","rights":["RIGHT_GATEWAY_INFO","RIGHT_GATEWAY_LINK"]}' | jq -r .key)
	curl -s -X PUT -H "$A" "$g" -d "{\"gateway\":{\"lbs_lns_secret\":{\"value\":\"$(printf %s "$LNS_KEY" | base64 -w0)\"}},\"field_mask\":{\"paths\":[\"lbs_lns_secret\"]}}" >/dev/null
	[ -n "${GW_PID:-}" ] && kill "$GW_PID" 2>/dev/null
	"$SIMGW" --eui 00800000A0000020 --cups "$SRC" --cups-key "$CUPS_KEY" --lns "sandbox.example=$SRC" \
		--lns "cloud.example=$DST" --seconds 300 --tick-ms 50 >"$TMP/simgw.out" 2>"$TMP/simgw.err" &
	GW_PID=$!
	T_PIDS+=("$GW_PID")
	for _ in $(seq 1 100); do
		[ "$(curl -s "$SRC/_emulator/gateways" | jq '.connection_stats["gw-cups"].connected_at != null')" == true ] && break
		sleep 0.05
	done
	"$BIN" tts application roof --dry-run >"$TMP/devs.jsonl" 2>/dev/null
	echo 100 >"$TMP/fcnt"
	send_all >/dev/null
}
stop_emus() {
	[ -n "${SRC_PID:-}" ] && kill "$SRC_PID" "$DST_PID" "$OTHER_PID" 2>/dev/null
	return 0
}

# send_all: one uplink per device (the FCnt in $TMP/fcnt, then one more: the traffic loop runs
# in a subshell), each through its gateway, tried at both networks; one JSON line per uplink.
send_all() {
	local d gw FCNT
	FCNT=$(cat "$TMP/fcnt")
	for d in cut-000001 cut-000002 cut-000003 cut-000004 cut-000005; do
		gw=$(gateway_of "$d")
		jq -c --arg d "$d" 'select(.ids.device_id == $d)' "$TMP/devs.jsonl" >"$TMP/one.jsonl"
		"$SIM" --emu "$SRC" --emu "$DST" --emu "$OTHER" --gateway "$gw" --count 1 --f-cnt "$FCNT" "$TMP/one.jsonl" |
			jq -c --arg gw "$gw" '. + {gateway: $gw}'
	done
	echo $((FCNT + 1)) >"$TMP/fcnt"
}
# traffic: uplinks every 0.3 s into $TMP/traffic.jsonl until $TMP/stop-traffic exists.
traffic() {
	rm -f "$TMP/stop-traffic"
	: >"$TMP/traffic.jsonl"
	(while [ ! -e "$TMP/stop-traffic" ]; do
		send_all >>"$TMP/traffic.jsonl"
		sleep 0.3
	done) &
	TRAFFIC_PID=$!
}
# operator: when the tool says what to change on gw-udp, do it (the gateway now talks to the
# Cloud's Gateway Server instead of the Sandbox's).
operator() { # FILE...: the tool's stdout files to watch
	(for _ in $(seq 1 600); do
		if grep -qs "gateway gw-udp (Semtech UDP): on the gateway, set server_address to cloud.example" "$@"; then
			curl -s -X POST "$SRC/_emulator/gateways/gw-udp/connection" -d '{"connected":false}' >/dev/null
			curl -s -X POST "$DST/_emulator/gateways/gw-udp/connection" -d '{"connected":true,"protocol":"udp"}' >/dev/null
			exit 0
		fi
		sleep 0.1
	done) &
	OP_PID=$!
}

CUT=(tts application roof --to-dest --with-gateways --dest.gateway-server-address cloud.example
	--gateway-timeout 30 --wait 20 --interval 1)

# ---- the plan: --dry-run changes nothing ----------------------------------------------------
setup
emu_clear_requests "$SRC"
emu_clear_requests "$DST"
run_cut "${CUT[@]}" --dry-run --journal "$TMP/plan.db"
assert_rc "--dry-run: exit 0" 0
assert_contains "--dry-run: the devices' classes" "$OUT" "plan: 5 devices read, 2 refused by a check (they stay where they are); coverage A 3, B 0, C 2, D 0"
assert_contains "--dry-run: gw-cups by Procedure A" "$OUT" \
	"gateway gw-cups: register at the destination (cloud.example), then switch: by the source's CUPS (Procedure A), without touching it"
assert_contains "--dry-run: gw-udp by the operator" "$OUT" \
	"gateway gw-udp: register at the destination (cloud.example), then switch: Semtech UDP: you will be told to set server_address on the gateway"
assert_not_contains "--dry-run: bob-gw is not in the plan" "$OUT" "gateway bob-gw"
assert_eq "--dry-run: no write anywhere" 0 \
	"$(jq -n --argjson s "$(emu_writes "$SRC")" --argjson d "$(emu_writes "$DST")" '($s + $d) | length')"

# ---- the cut-over, under traffic ----------------------------------------------------------------
traffic
operator "$TMP/cut.out"
sleep 1
"$BIN" "${CUT[@]}" --journal "$TMP/cut.db" >"$TMP/cut.out" 2>"$TMP/cut.err"
rc=$?
sleep 1.5
touch "$TMP/stop-traffic"
wait "$TRAFFIC_PID" "$OP_PID" 2>/dev/null
cat "$TMP/cut.out" "$TMP/cut.err" >>"$ALL"
assert_eq "cut-over: exit 1 (the class C device is refused and stays)" 1 "$rc"
assert_contains "cut-over: the class C device refused with its rule" "$TMP/cut.err" 'device "cut-000004"'
assert_contains "cut-over: the device heard only through Packet Broker refused" "$TMP/cut.err" \
	'device "cut-000005": refused by the destination: class C: none of its'
assert_contains "cut-over: both gateways connected, nothing held" "$TMP/cut.err" \
	"cut-over: gateways connected at the destination 2 of 2 (failed 0); devices still held 0"
assert_contains "cut-over: 3 devices verified" "$TMP/cut.err" "migrated (verified) 3"

# ---- the traffic: no uplink of a moved device lost to the order of the steps ---------------------
# An uplink is lost when no network accepted it although its gateway was connected to one (that
# network refused it for another reason: an unknown device, a bad MIC, an old FCnt). While the
# operator moves gw-udp it is connected nowhere for an instant: such uplinks are counted apart.
CLASS_A='["cut-000001","cut-000002","cut-000003"]'
traffic_report() { # FILE → {sent, lost, nowhere, twice} for the class A devices
	jq -s --argjson a "$CLASS_A" '[.[] | select(.device_id as $d | $a | index($d))] |
		{sent: length,
		 lost: [.[] | select((.accepted_by | length) == 0 and
			([.refused[] | select(startswith("gateway_") | not)] | length) > 0)] | length,
		 nowhere: [.[] | select((.accepted_by | length) == 0 and
			([.refused[] | select(startswith("gateway_") | not)] | length) == 0)] | length,
		 twice: [.[] | select((.accepted_by | length) > 1)] | length}' "$1"
}
rep=$(traffic_report "$TMP/traffic.jsonl")
assert_eq "traffic: uplinks were sent through the cut-over" true "$(jq '.sent >= 9' <<<"$rep")"
assert_eq "traffic: no uplink of a class A device lost ($rep)" 0 "$(jq .lost <<<"$rep")"
assert_eq "traffic: no uplink accepted by both networks" 0 "$(jq .twice <<<"$rep")"
echo "    traffic through the cut-over: $rep" >&2

# after: the moved devices are heard by the destination only, the class C one by the source only.
send_all >"$TMP/after.jsonl"
send_all >>"$TMP/after.jsonl"
assert_eq "after: class A uplinks accepted by the destination only" 6 \
	"$(jq -s --arg d "$DST" --argjson a "$CLASS_A" '[.[] | select((.device_id as $x | $a | index($x)) and .accepted_by == [$d])] | length' "$TMP/after.jsonl")"
assert_eq "after: the class C devices' uplinks accepted by the source only" 4 \
	"$(jq -s --arg s "$SRC" '[.[] | select((.device_id == "cut-000004" or .device_id == "cut-000005") and .accepted_by == [$s])] | length' "$TMP/after.jsonl")"
assert_eq "after: cut-000005's reach the source through Packet Broker" 2 \
	"$(jq -s --arg s "$SRC" '[.[] | select(.device_id == "cut-000005" and .packet_broker[$s] == "accepted")] | length' "$TMP/after.jsonl")"

# the end state: the source copies gone, the class C device untouched and unfrozen; the gateways
# registered at the destination with their settings, gateway_server_address the destination's.
end_state() { # → one line to compare across runs
	local src dst
	src=$(emu_devices "$SRC")
	dst=$(emu_devices "$DST")
	jq -nc --argjson s "$src" --argjson d "$dst" '{
		src: [$s.is[].ids.device_id] | sort,
		src_frozen: [$s.ns[] | select(.mac_settings.schedule_downlinks == false) | .ids.device_id],
		dst: [$d.ns[] | select(.session.dev_addr != null) | .ids.device_id] | sort}'
}
assert_eq "end: devices at each side, nothing frozen" \
	'{"src":["cut-000004","cut-000005"],"src_frozen":[],"dst":["cut-000001","cut-000002","cut-000003"]}' "$(end_state)"
gw_at_dst() {
	curl -s -H "Authorization: Bearer $CAROL" \
		"$DST/api/v3/gateways/$1?field_mask=ids,name,attributes,gateway_server_address,frequency_plan_ids,enforce_duty_cycle,antennas,location_public" |
		jq -c '{eui: .ids.eui, name, gsa: .gateway_server_address, fp: .frequency_plan_ids,
			dc: .enforce_duty_cycle, lat: .antennas[0].location.latitude, site: .attributes.site,
			lp: .location_public}'
}
assert_eq "end: gw-cups at the destination with its settings" \
	'{"eui":"00800000A0000020","name":"Roof","gsa":"cloud.example","fp":["EU_863_870_TTN"],"dc":true,"lat":52.1,"site":"roof","lp":true}' \
	"$(gw_at_dst gw-cups)"
assert_eq "end: gw-udp at the destination" '"cloud.example"' "$(gw_at_dst gw-udp | jq .gsa)"
assert_eq "end: bob-gw not at the destination" 404 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $CAROL" "$DST/api/v3/gateways/bob-gw")"
assert_eq "end: the journal's gateways connected" "gw-cups|connected gw-udp|connected" \
	"$(sqlite3 "$TMP/cut.db" 'SELECT gateway_id, state FROM gateways ORDER BY gateway_id' | tr '\n' ' ' | sed 's/ $//')"
KEYS="$TMP/state/ttn-lw-migrate/gateway-keys.txt"
assert_eq "end: the keys file is 0600" 600 "$(stat -c %a "$KEYS")"

# status: the journal's devices and gateways.
run_cut status --journal "$TMP/cut.db"
assert_contains "status: the held devices released" "$OUT" "held      0"
assert_contains "status: gw-cups connected by CUPS" "$OUT" "gateway   gw-cups: connected (cups)"
assert_contains "status: gw-udp connected by UDP" "$OUT" "gateway   gw-udp: connected (udp)"

# watch: every moved device heard at the destination, every gateway connected with its uplinks.
run_cut watch --journal "$TMP/cut.db" --wait 5 --interval 1
assert_rc "watch: exit 0 (all arrived, all connected)" 0
assert_contains "watch: 3 of 3 arrived" "$OUT" "arrived   3 of 3 devices"
assert_contains "watch: 2 of 2 gateways" "$OUT" "connected 2 of 2 gateways at the destination"
assert_eq "watch: gw-cups connected, journal connected, its uplinks counted" "connected connected yes" \
	"$(awk '$1 == "gw-cups" { print $2, $3, ($4 > 0 ? "yes" : "no") }' "$OUT")"
run_cut watch --journal "$TMP/cut.db" --wait 5 --interval 1 --format json
assert_eq "watch --format json: the gateways" '[["gw-cups","connected"],["gw-udp","connected"]]' \
	"$(jq -c '[.gateways[] | [.gateway_id, .state]]' "$OUT")"
cp "$OUT" "$TMP/watch.json"

# ---- kill -9 at any point, then resume: the same end, still nothing lost ------------------------
# Each run is killed after K requests (the tool's test hook), then `resume` finishes it.
for k in 5 20 35 45 50 55 65 70; do
	setup
	traffic
	operator "$TMP/k$k.out" "$TMP/k$k-r.out"
	extra=()
	[ "$k" = 45 ] && extra=(--keys-file "$TMP/k45-keys.txt") # resume must keep using it
	(TTNM_TEST_KILL_AFTER_REQUESTS=$k "$BIN" "${CUT[@]}" "${extra[@]}" --journal "$TMP/k$k.db" \
		>"$TMP/k$k.out" 2>"$TMP/k$k.err"; exit $?) 2>/dev/null
	krc=$?
	"$BIN" resume --journal "$TMP/k$k.db" --gateway-timeout 30 --wait 20 --interval 1 \
		>"$TMP/k$k-r.out" 2>"$TMP/k$k-r.err"
	rrc=$?
	sleep 1
	touch "$TMP/stop-traffic"
	wait "$TRAFFIC_PID" "$OP_PID" 2>/dev/null
	cat "$TMP/k$k.out" "$TMP/k$k.err" "$TMP/k$k-r.out" "$TMP/k$k-r.err" >>"$ALL"
	rep=$(traffic_report "$TMP/traffic.jsonl")
	[ "$krc $rrc" == "137 1" ] || tail -3 "$TMP/k$k.err" "$TMP/k$k-r.err" >&2
	assert_eq "kill after $k: killed (137) then resumed (1: the class C device)" "137 1" "$krc $rrc"
	assert_eq "kill after $k: the same end" \
		'{"src":["cut-000004","cut-000005"],"src_frozen":[],"dst":["cut-000001","cut-000002","cut-000003"]}' "$(end_state)"
	assert_eq "kill after $k: gateways connected" "gw-cups|connected gw-udp|connected" \
		"$(sqlite3 "$TMP/k$k.db" 'SELECT gateway_id, state FROM gateways ORDER BY gateway_id' | tr '\n' ' ' | sed 's/ $//')"
	assert_eq "kill after $k: no uplink lost ($rep)" 0 "$(jq .lost <<<"$rep")"
	# recorded before the create, so a kill between the two cannot hide it from restore
	assert_eq "kill after $k: both gateways marked as registered by this run" "1 1" \
		"$(sqlite3 "$TMP/k$k.db" 'SELECT created FROM gateways ORDER BY gateway_id' | tr '\n' ' ' | sed 's/ $//')"
done
assert_eq "resume keeps the run's --keys-file: both gateways' keys in it, 0600" "2 600" \
	"$(grep -c '^### gateway' "$TMP/k45-keys.txt") $(stat -c %a "$TMP/k45-keys.txt")"
run_cut resume --journal "$TMP/k70.db" --dest.gateway-server-address other.example
assert_rc "resume with another --dest.gateway-server-address: refused" 2
assert_contains "resume: names both addresses" "$ERR" \
	"--dest.gateway-server-address other.example: the journal's run uses cloud.example"

# ---- a gateway that does not connect, then restore: devices and gateways back at the source ------
# The operator never changes gw-udp: its device stays held (frozen at the source, live at the
# destination); restore puts the devices back, then the gateways: gw-cups by the source's CUPS
# (Procedure A undone), gw-udp by telling the operator; both deleted at the destination.
setup
gw_src() { curl -s -H "Authorization: Bearer $ALICE" "$SRC/api/v3/gateways/$1?field_mask=gateway_server_address" | jq -r .gateway_server_address; }
traffic
run_cut "${CUT[@]}" --journal "$TMP/rb.db" --gateway-timeout 3
touch "$TMP/stop-traffic"
wait "$TRAFFIC_PID" 2>/dev/null
assert_contains "timeout: gw-udp not connected" "$ERR" "gateway gw-udp: not connected to the destination after 3 s"
assert_contains "timeout: its device held" "$ERR" 'device "cut-000003": held: its gateway gw-udp is not connected at the destination'
assert_eq "timeout: gw-cups points at the destination" cloud.example "$(gw_src gw-cups)"
run_cut status --journal "$TMP/rb.db"
assert_contains "status: one device held" "$OUT" "held      1"
assert_contains "status: gw-udp switched, not connected" "$OUT" "gateway   gw-udp: switched (udp)"
run_cut restore --journal "$TMP/rb.db" --from-destination cut-000001 cut-000003 --gateway all
assert_rc "restore: exit 0" 0
assert_contains "restore: the operator told to point gw-udp back" "$OUT" \
	"gateway gw-udp (Semtech UDP): on the gateway, set its server back to sandbox.example"
assert_contains "restore: the device left at the destination is named" "$ERR" \
	'device "cut-000002": still at the destination (verified), but its gateway gw-cups goes back to the source'
assert_eq "restore: gw-cups points at the source again" sandbox.example "$(gw_src gw-cups)"
assert_eq "restore: both deleted at the destination" "404 404" \
	"$(for g in gw-cups gw-udp; do curl -s -o /dev/null -w '%{http_code} ' -H "Authorization: Bearer $CAROL" "$DST/api/v3/gateways/$g"; done | sed 's/ $//')"
assert_eq "restore: the journal's gateways restored" "gw-cups|restored gw-udp|restored" \
	"$(sqlite3 "$TMP/rb.db" 'SELECT gateway_id, state FROM gateways ORDER BY gateway_id' | tr '\n' ' ' | sed 's/ $//')"
for _ in $(seq 1 100); do # simgw follows the source's CUPS back
	[ "$(curl -s "$SRC/_emulator/gateways" | jq '.connection_stats["gw-cups"].disconnected_at == null and .connection_stats["gw-cups"].connected_at != null')" == true ] && break
	sleep 0.05
done
curl -s -X POST "$SRC/_emulator/gateways/gw-udp/connection" -d '{"connected":true,"protocol":"udp"}' >/dev/null
"$BIN" tts application roof --dry-run >"$TMP/devs.jsonl" 2>/dev/null # the sessions now at the source
send_all >"$TMP/back.jsonl"
assert_eq "after restore: cut-000001 and cut-000003 heard by the source again" \
	"$(jq -nc --arg s "$SRC" '[[$s],[$s]]')" \
	"$(jq -sc '[.[] | select(.device_id == "cut-000001" or .device_id == "cut-000003") | .accepted_by]' "$TMP/back.jsonl")"
restore_rc=$?
run_cut restore --journal "$TMP/rb.db" --gateway gw-cups
assert_rc "restore again: done already, exit 0" 0
assert_contains "restore again: says so" "$ERR" "gateway gw-cups: already restored"

# ---- --delete-source-gateways: the UDP gateway goes from the source, the CUPS one may not -------
setup
traffic
operator "$TMP/del.out"
"$BIN" "${CUT[@]}" --journal "$TMP/del.db" --delete-source-gateways >"$TMP/del.out" 2>"$TMP/del.err"
rc=$?
touch "$TMP/stop-traffic"
wait "$TRAFFIC_PID" "$OP_PID" 2>/dev/null
cat "$TMP/del.out" "$TMP/del.err" >>"$ALL"
assert_eq "--delete-source-gateways: exit 1 (the CUPS gateway refused, the class C devices)" 1 "$rc"
assert_contains "--delete-source-gateways: gw-udp deleted at the source" "$TMP/del.err" \
	"gateway gw-udp: deleted at the source (--delete-source-gateways)"
assert_contains "--delete-source-gateways: gw-cups refused, with the reason" "$TMP/del.err" \
	"gateway gw-cups: not deleted at the source (--delete-source-gateways): it was moved by the source's CUPS"
assert_eq "--delete-source-gateways: at the source gw-udp is gone, gw-cups is there" "404 200" \
	"$(for g in gw-udp gw-cups; do curl -s -o /dev/null -w '%{http_code} ' -H "Authorization: Bearer $ALICE" "$SRC/api/v3/gateways/$g"; done | sed 's/ $//')"
assert_eq "--delete-source-gateways: the journal" "gw-cups|connected gw-udp|source-deleted" \
	"$(sqlite3 "$TMP/del.db" 'SELECT gateway_id, state FROM gateways ORDER BY gateway_id' | tr '\n' ' ' | sed 's/ $//')"
run_cut restore --journal "$TMP/del.db" --gateway gw-udp
assert_rc "restore of a gateway deleted at the source: refused (exit 1)" 1
assert_contains "restore: says how to get it back" "$ERR" \
	"gateway gw-udp: deleted at the source (--delete-source-gateways): restore it there first"
run_cut tts application roof --delete-source-gateways --journal "$TMP/x.db" --to-dest
assert_rc "--delete-source-gateways without --with-gateways: usage" 2

# ---- no secret printed --------------------------------------------------------------------------
for s in "$ALICE" "$CAROL" "$BOB" "$CUPS_KEY" "$LNS_KEY" $(grep -ho 'NNSXS\.[A-Z0-9]*\.[A-Z0-9]*' "$KEYS" "$TMP/k45-keys.txt"); do
	assert_not_contains "no secret in the output (${s:0:12}...)" "$ALL" "$s"
done
