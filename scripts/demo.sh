#!/usr/bin/env bash
# make demo: two local emulated The Things Stack deployments ("Sandbox" with
# an application of devices that have active sessions, "Cloud" empty), then
# the seed's workflow with ttn-lw-migrate, showing each step.
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
echo
echo "Done. Work files are in $WORK"
