#!/usr/bin/env bash
# make demo: two local emulated The Things Stack deployments ("Sandbox" with
# an application of devices that have active sessions, "Cloud" empty), then
# the seed's workflow with ttn-lw-migrate, showing each step; at the end the
# whole cut-over (--with-gateways) under live traffic: a Basic Station gateway
# moved through its CUPS, a UDP one by the operator, the devices' uplinks
# heard by the Cloud, and a device no movable gateway hears left in place.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
BIN="$BUILD/ttn-lw-migrate"
EMU="$BUILD/tts-emulator"
WORK=$(mktemp -d /tmp/ttn-lw-migrate-demo.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }

# start NAME SEEDFILE [ARGS...]: starts an emulator and sets URL. Not in a
# $(...) subshell, so that its PID reaches the cleanup.
start() {
	local name=$1 seed=$2
	shift 2
	"$EMU" --port 0 --quiet ${seed:+--seed "$seed"} "$@" >"$WORK/$name.port" 2>"$WORK/$name.log" &
	PIDS+=($!)
	for _ in $(seq 1 100); do
		[ -s "$WORK/$name.port" ] && break
		sleep 0.05
	done
	URL="http://127.0.0.1:$(head -n1 "$WORK/$name.port")"
}

say "Two emulated stacks on loopback"
cp "$ROOT/tests/fixtures/seed-export.jsonl" "$WORK/sandbox.jsonl"
"$ROOT/tests/fixtures/gen-devices.sh" 20 my-app field >>"$WORK/sandbox.jsonl"
start sandbox "$WORK/sandbox.jsonl"
SANDBOX=$URL
start cloud "" --dev-addr-prefix 27ABCD00/24
CLOUD=$URL
echo "Sandbox (source):    $SANDBOX   $(wc -l <"$WORK/sandbox.jsonl") devices in application my-app"
echo "Cloud (destination): $CLOUD   (a tenant owning DevAddr block 27ABCD00/24)"

export TTS_APP_ID=my-app TTS_APP_API_KEY=NNSXS.EMULATOR.SECRET TTS_API_URL=$SANDBOX
export XDG_STATE_HOME="$WORK/state"
cd "$WORK"

say "1. Export one device with its session (the seed's command)"
run "$BIN" device --source tts 'otaa-dev' --dry-run >devices.json
jq '{ids, lorawan_version, frequency_plan_id, session: {dev_addr: .session.dev_addr, last_f_cnt_up: .session.last_f_cnt_up, keys: (.session.keys | keys)}, mac_state_channels: (.mac_state.current_parameters.channels | length)}' devices.json

say "1b. Before anything changes: will the devices keep working in the Cloud?"
export DEST_TTS_APP_ID=my-app DEST_TTS_APP_API_KEY=NNSXS.EMULATOR.SECRET DEST_TTS_API_URL=$CLOUD
run "$BIN" tts application my-app --check 2>/dev/null | cut -c1-160 | tail -n 6 || true
echo "(the Sandbox DevAddrs are outside the Cloud's block: the gateways must move too)"

say "2. Export the whole application and delete it from the source (AS, NS, JS, IS)"
run "$BIN" tts application my-app --tts.delete-source-device >devices.json
echo "devices.json: $(wc -l <devices.json) devices, mode $(stat -c %a devices.json)"
echo "left in the Sandbox: $(curl -s "$SANDBOX/_emulator/devices" | jq '[.[][]] | length') component records"
echo "fields that tie a device to the Sandbox: $(jq -s '[.[] | (has("network_server_address") or has("application_server_address") or has("join_server_address") or (.ids | has("dev_addr")))] | any' devices.json)"

say "3. Import devices.json into the Cloud application (as the Console / ttn-lw-cli would)"
run "$BIN" import devices.json
echo "in the Cloud now: $(curl -s "$CLOUD/_emulator/devices" | jq '.is | length') devices"

say "4. Or all in one command, journaled and verified: a second application"
"$ROOT/tests/fixtures/gen-devices.sh" 50 fleet fleet >"$WORK/fleet.jsonl"
start sandbox2 "$WORK/fleet.jsonl"
SANDBOX2=$URL
start cloud2 ""
CLOUD2=$URL
export TTS_API_URL=$SANDBOX2 DEST_TTS_API_URL=$CLOUD2 DEST_TTS_APP_ID=fleet
run "$BIN" tts application fleet --to-dest --journal migration.db
run "$BIN" status --journal migration.db
echo
echo "A migrated session, read back from the Cloud (keys shortened):"
curl -s "$CLOUD2/_emulator/devices" | jq -c '.ns[0] | {device: .ids.device_id, dev_addr: .session.dev_addr, f_cnt_up: .session.last_f_cnt_up, f_nwk_s_int_key: (.session.keys.f_nwk_s_int_key.key[0:6] + "..."), channels: (.mac_state.current_parameters.channels | length)}'

say "5. The whole cut-over: the devices and the gateways that hear them, proven by traffic"
# gw-roof: a Basic Station on the Sandbox's CUPS (tests/simgw), moved by Procedure A without
# touching it; gw-barn: a Semtech UDP gateway (the operator is told what to change; here the
# demo plays the operator); bob-gw: another user's gateway. Devices keep sending uplinks with
# their real sessions (tests/simdev) through the whole cut-over: the definition of done.
"$ROOT/tests/fixtures/gen-devices.sh" 4 roof roof >"$WORK/roof.jsonl"
cat >"$WORK/roof-gw.jsonl" <<'GWS'
{"gateway":{"ids":{"gateway_id":"gw-roof","eui":"00800000A00000F1"},"name":"Roof","attributes":{"cups-last-seen":"2026-01-01T00:00:00Z"},"gateway_server_address":"sandbox.example","frequency_plan_ids":["EU_863_870_TTN"],"enforce_duty_cycle":true,"antennas":[{"gain":3,"location":{"latitude":52.1,"longitude":4.3,"altitude":10,"source":"SOURCE_REGISTRY"}}]},"owner":{"user_id":"alice"}}
{"gateway":{"ids":{"gateway_id":"gw-barn","eui":"00800000A00000F2"},"name":"Barn","gateway_server_address":"sandbox.example","frequency_plan_ids":["EU_863_870_TTN"]},"owner":{"user_id":"alice"},"connection":{"protocol":"udp","connected":true}}
{"gateway":{"ids":{"gateway_id":"bob-gw","eui":"00800000B00000F3"},"name":"Bob's"},"owner":{"user_id":"bob"},"connection":{"protocol":"udp","connected":true}}
GWS
gw_of() { case $1 in roof-000001 | roof-000002) echo gw-roof ;; roof-000003) echo gw-barn ;; *) echo bob-gw ;; esac; }
ALICE=NNSXS.ALICE.DEMOSECRET CAROL=NNSXS.CAROL.DEMOSECRET
start sandbox3 "$WORK/roof.jsonl" --api-key NNSXS.EMULATOR.SECRET --seed-gateways "$WORK/roof-gw.jsonl" --user-key "$ALICE=alice"
SANDBOX3=$URL
start cloud3 "" --api-key NNSXS.EMULATOR.SECRET --user-key "$CAROL=carol"
CLOUD3=$URL
api() { curl -s -X "$1" -H "Authorization: Bearer $ALICE" "$SANDBOX3/api/v3/gateways/gw-roof$2" -d "$3"; }
CUPS_KEY=$(api POST /api-keys '{"name":"cups","rights":["RIGHT_GATEWAY_INFO","RIGHT_GATEWAY_SETTINGS_BASIC","RIGHT_GATEWAY_READ_SECRETS"]}' | jq -r .key)
LNS_KEY=$(api POST /api-keys '{"name":"lns","rights":["RIGHT_GATEWAY_INFO","RIGHT_GATEWAY_LINK"]}' | jq -r .key)
api PUT "" "{\"gateway\":{\"lbs_lns_secret\":{\"value\":\"$(printf %s "$LNS_KEY" | base64 -w0)\"}},\"field_mask\":{\"paths\":[\"lbs_lns_secret\"]}}" >/dev/null
"$BUILD/simgw" --eui 00800000A00000F1 --cups "$SANDBOX3" --cups-key "$CUPS_KEY" --lns "sandbox.example=$SANDBOX3" \
	--lns "cloud.example=$CLOUD3" --seconds 300 --tick-ms 100 >"$WORK/simgw.log" 2>&1 &
PIDS+=($!)
sleep 1
echo "gw-roof (Basic Station, CUPS at the Sandbox): $(jq -r 'select(.event == "connected") | "connected to " + .tc_uri' "$WORK/simgw.log" | tail -n1)"
export TTS_API_URL=$SANDBOX3 TTS_APP_ID=roof TTS_API_KEY=$ALICE TTS_USER_ID=alice
export DEST_TTS_API_URL=$CLOUD3 DEST_TTS_APP_ID=roof DEST_TTS_API_KEY=$CAROL DEST_TTS_USER_ID=carol
echo 100 >"$WORK/fcnt"
uplinks() { # PHASE: one uplink per device through its gateway, tried at both stacks
	local f d
	f=$(cat "$WORK/fcnt")
	"$BIN" tts application roof --dry-run 2>/dev/null >"$WORK/roof-now.jsonl" || true
	for d in roof-000001 roof-000002 roof-000003 roof-000004; do
		jq -c --arg d "$d" 'select(.ids.device_id == $d)' "$WORK/roof-now.jsonl" >"$WORK/one.jsonl"
		[ -s "$WORK/one.jsonl" ] || jq -c --arg d "$d" 'select(.ids.device_id == $d)' "$WORK/roof.jsonl" >"$WORK/one.jsonl"
		"$BUILD/simdev" --emu "$SANDBOX3" --emu "$CLOUD3" --gateway "$(gw_of "$d")" --count 1 \
			--f-cnt "$f" "$WORK/one.jsonl" | jq -c --arg p "$1" '. + {phase: $p}' || true
	done
	echo $((f + 1)) >"$WORK/fcnt"
}
verdict() { jq -r --arg s "$SANDBOX3" --arg c "$CLOUD3" '"  " + .device_id + " FCnt " + (.f_cnt | tostring) + ": " +
	(if (.accepted_by | index($c)) then "heard by the Cloud" elif (.accepted_by | index($s)) then "heard by the Sandbox" else "lost" end)'; }
echo "uplinks before (each device's recent uplinks name its gateway: the coverage):"
uplinks before | tee "$WORK/traffic.jsonl" | verdict
CUT=(tts application roof --to-dest --with-gateways --dest.gateway-server-address cloud.example --journal roof.db --wait 30 --interval 1)
show() { printf '$ %s\n' "$*"; }
run "$BIN" "${CUT[@]}" --dry-run 2>/dev/null | cut -c1-170
# traffic every 0.5 s during the cut-over; the operator acts on gw-barn when told to
(while [ ! -e "$WORK/stop" ]; do uplinks during >>"$WORK/traffic.jsonl"; sleep 0.5; done) &
TRAFFIC=$!
(for _ in $(seq 1 600); do
	if grep -qs "gateway gw-barn (Semtech UDP): on the gateway" "$WORK/cut.out"; then
		sleep 1
		curl -s -X POST "$SANDBOX3/_emulator/gateways/gw-barn/connection" -d '{"connected":false}' >/dev/null
		curl -s -X POST "$CLOUD3/_emulator/gateways/gw-barn/connection" -d '{"connected":true,"protocol":"udp"}' >/dev/null
		echo "(the operator has set gw-barn's server_address to cloud.example)"
		exit 0
	fi
	sleep 0.1
done) &
OPERATOR=$!
show "$BIN" "${CUT[@]}"
"$BIN" "${CUT[@]}" >"$WORK/cut.out" 2>"$WORK/cut.err" || true
touch "$WORK/stop"
wait "$TRAFFIC" "$OPERATOR" 2>/dev/null || true
cut -c1-170 "$WORK/cut.out"
grep -E 'refused by the destination|gateway gw-|cut-over:|migrated' "$WORK/cut.err" | sed 's/^ttn-lw-migrate: //' | cut -c1-170
echo "uplinks after:"
uplinks after | tee -a "$WORK/traffic.jsonl" | verdict
echo "every uplink sent, by phase (lost: refused where its gateway was connected; a gateway"
echo "that reconnects is for a moment connected to neither stack, counted apart):"
jq -rs --arg s "$SANDBOX3" --arg c "$CLOUD3" '. as $all | ["before", "during", "after"][] as $p |
	[$all[] | select(.phase == $p)] | "  \($p): \(length) uplinks, heard by the Sandbox \([.[] | select(.accepted_by | index($s))] | length), by the Cloud \([.[] | select(.accepted_by | index($c))] | length), lost \([.[] | select(.accepted_by == [] and ([.refused[] | select(startswith("gateway_") | not)] | length) > 0)] | length), gateway reconnecting \([.[] | select(.accepted_by == [] and ([.refused[] | select(startswith("gateway_") | not)] | length) == 0)] | length)"' "$WORK/traffic.jsonl"
run "$BIN" watch --journal roof.db --wait 5 --interval 1 2>/dev/null || true
echo "(roof-000004 is heard only by bob-gw, which alice cannot move: class C, its session stays at the Sandbox)"
echo
echo "Done. Work files are in $WORK"
