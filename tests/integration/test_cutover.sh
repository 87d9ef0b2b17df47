#!/usr/bin/env bash
# The whole cut-over (issue 14): `tts application APP --to-dest --with-gateways` moves the
# devices with their sessions and the gateways that hear them, in one journal, while simulated
# devices keep sending uplinks through simulated gateways:
#   - gw-cups: a Basic Station that follows the Sandbox's CUPS (tests/simgw), moved by
#     Procedure A without touching it;
#   - gw-udp: a Semtech UDP gateway the tool cannot reach: the operator is told what to change
#     (here the test plays the operator when the line appears);
#   - bob-gw: a foreign gateway (another user's): a device heard only by it is class C and stays.
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
# cut-000001..2 heard by gw-cups, cut-000003 by gw-udp, cut-000004 by bob-gw only (class C).
"$FIX/gen-devices.sh" 4 roof cut >"$TMP/seed.jsonl"
gateway_of() { case $1 in cut-000001 | cut-000002) echo gw-cups ;; cut-000003) echo gw-udp ;; *) echo bob-gw ;; esac; }

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
	start_emu SRC --api-key "$KEY" --seed "$TMP/seed.jsonl" --seed-gateways "$TMP/gws.jsonl" \
		--user-key "$ALICE=alice" --user-key "$BOB=bob"
	SRC_PID=${T_PIDS[-1]}
	start_emu DST --api-key "$KEY" --user-key "$CAROL=carol"
	DST_PID=${T_PIDS[-1]}
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
	FCNT=100
	send_all >/dev/null
}
stop_emus() {
	[ -n "${SRC_PID:-}" ] && kill "$SRC_PID" "$DST_PID" 2>/dev/null
	return 0
}

# send_all: one uplink per device (FCnt $FCNT, then FCNT+1), each through its gateway, tried at
# both networks; one JSON line per uplink, with the gateway and where it was connected then.
send_all() {
	local d gw
	for d in cut-000001 cut-000002 cut-000003 cut-000004; do
		gw=$(gateway_of "$d")
		jq -c --arg d "$d" 'select(.ids.device_id == $d)' "$TMP/devs.jsonl" >"$TMP/one.jsonl"
		"$SIM" --emu "$SRC" --emu "$DST" --gateway "$gw" --count 1 --f-cnt "$FCNT" "$TMP/one.jsonl" |
			jq -c --arg gw "$gw" '. + {gateway: $gw}'
	done
	FCNT=$((FCNT + 1))
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
operator() {
	(for _ in $(seq 1 600); do
		if grep -q "gateway gw-udp (Semtech UDP): on the gateway, set server_address to cloud.example" "$1" 2>/dev/null; then
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
assert_contains "--dry-run: the devices' classes" "$OUT" "plan: 4 devices read, 1 refused by a check (they stay where they are); coverage A 3, B 0, C 1, D 0"
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
assert_contains "cut-over: both gateways connected, nothing held" "$TMP/cut.err" \
	"cut-over: gateways connected at the destination 2 of 2 (failed 0); devices still held 0"
assert_contains "cut-over: 3 devices verified" "$TMP/cut.err" "migrated (verified) 3"
