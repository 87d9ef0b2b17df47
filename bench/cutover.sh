#!/usr/bin/env bash
# Benchmark of the whole cut-over (--to-dest --with-gateways; not part of the test suite's
# pass/fail): N devices heard by G Semtech UDP gateways of the user, two emulators with injected
# latency, the operator played by this script (each gateway is "reconfigured" the moment the
# tool prints its line), and the devices sending an uplink every second through their gateways
# (tests/simdev) so that each is heard at the destination. Prints per run: wall time, the
# devices' phase (frozen, copied, verified: held), the gateways' phase (registered, switched,
# connected) and the release phase (heard, then deleted at the source) as the tool reports
# them, requests (per device), and the uplinks sent and lost (must be 0).
#
#   bench/cutover.sh [N...]                 default: 200 1000 (G = N / 20, at least 2)
#   LATENCY=20 bench/cutover.sh 500
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
BIN="$BUILD/ttn-lw-migrate"
EMU="$BUILD/tts-emulator"
SIM="$BUILD/simdev"
LATENCY=${LATENCY:-20}
[ $# -gt 0 ] || set -- 200 1000
for t in curl jq; do command -v "$t" >/dev/null || { echo "bench needs $t" >&2; exit 2; }; done
WORK=$(mktemp -d /tmp/ttnm-bench-cut.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
start() { # NAME ARGS...: an emulator; its URL in $URL
	local name=$1
	shift
	"$EMU" --port 0 --quiet --latency-ms "$LATENCY" "$@" >"$WORK/$name.port" 2>"$WORK/$name.log" &
	PIDS+=($!)
	for _ in $(seq 1 200); do
		[ -s "$WORK/$name.port" ] && break
		sleep 0.05
	done
	URL="http://127.0.0.1:$(head -n1 "$WORK/$name.port")"
}
ms() { date +%s%3N; }

KEY=NNSXS.EMULATOR.SECRET ALICE=NNSXS.ALICE.BENCHSECRET CAROL=NNSXS.CAROL.BENCHSECRET
printf '%-6s %-4s %-9s %-9s %-9s %-9s %-9s %-8s %s\n' devices gws "wall s" "devices s" "gws s" \
	"release s" requests "req/dev" "uplinks sent/lost"
for n in "$@"; do
	g=$((n / 20))
	[ "$g" -ge 2 ] || g=2
	"$ROOT/tests/fixtures/gen-devices.sh" "$n" app bd >"$WORK/seed.jsonl"
	: >"$WORK/gws.jsonl"
	for i in $(seq 1 "$g"); do
		printf '{"gateway":{"ids":{"gateway_id":"gw-%d","eui":"00800000E%07X"},"gateway_server_address":"sandbox.example","frequency_plan_ids":["EU_863_870_TTN"]},"owner":{"user_id":"alice"},"connection":{"protocol":"udp","connected":true}}\n' "$i" "$i" >>"$WORK/gws.jsonl"
	done
	start dst --api-key "$KEY" --user-key "$CAROL=carol"
	DST=$URL
	start src --api-key "$KEY" --seed "$WORK/seed.jsonl" --seed-gateways "$WORK/gws.jsonl" --user-key "$ALICE=alice"
	SRC=$URL
	export TTS_API_URL=$SRC TTS_APP_ID=app TTS_APP_API_KEY=$KEY TTS_API_KEY=$ALICE TTS_USER_ID=alice
	export DEST_TTS_API_URL=$DST DEST_TTS_APP_ID=app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_KEY=$CAROL DEST_TTS_USER_ID=carol
	export XDG_STATE_HOME="$WORK/state-$n"
	"$BIN" tts application app --dry-run >"$WORK/devs.jsonl" 2>/dev/null
	# device k is heard by gateway (k mod g) + 1: one file of devices per gateway
	for i in $(seq 1 "$g"); do
		jq -c --argjson g "$g" --argjson i "$i" 'select(((.ids.device_id | ltrimstr("bd-") | tonumber) % $g) + 1 == $i)' \
			"$WORK/devs.jsonl" >"$WORK/devs-$i.jsonl"
	done
	send_round() { # F: one uplink per device at FCnt F, through its gateway, tried at both
		for i in $(seq 1 "$g"); do
			"$SIM" --emu "$SRC" --emu "$DST" --gateway "gw-$i" --count 1 --f-cnt "$1" "$WORK/devs-$i.jsonl" || true
		done
	}
	# FCnts above every device's (gen-devices gives device k last_f_cnt_up k)
	send_round $((n + 100)) >/dev/null # the coverage: recent uplinks name the gateways
	rm -f "$WORK/stop" "$WORK/cut.out" # the operator must not act on the last run's lines
	(f=$((n + 101)); while [ ! -e "$WORK/stop" ]; do send_round $f; f=$((f + 1)); sleep 1; done) >"$WORK/traffic-$n.jsonl" &
	TRAFFIC=$!
	(while [ ! -e "$WORK/stop" ]; do # the operator
		grep -o '^gateway gw-[0-9]* (Semtech UDP)' "$WORK/cut.out" 2>/dev/null | awk '{print $2}' | while read -r id; do
			[ -e "$WORK/op-$id" ] && continue
			# done once both changes went through (tried again on the next pass)
			curl -sf -X POST "$SRC/_emulator/gateways/$id/connection" -d '{"connected":false}' >/dev/null &&
				curl -sf -X POST "$DST/_emulator/gateways/$id/connection" \
					-d '{"connected":true,"protocol":"udp"}' >/dev/null &&
				touch "$WORK/op-$id" || true
		done || true # no line yet (set -e, pipefail)
		sleep 0.2
	done) &
	OPERATOR=$!
	t0=$(ms)
	"$BIN" tts application app --to-dest --with-gateways --journal "$WORK/cut-$n.db" --gateway-timeout 120 \
		--wait 120 --interval 1 ${CUT_FLAGS:-} >"$WORK/cut.out" 2>"$WORK/cut.err" || true
	t1=$(ms)
	touch "$WORK/stop"
	wait "$TRAFFIC" "$OPERATOR" 2>/dev/null || true
	rm -f "$WORK"/op-*
	req=$(sed -n 's/.* in [0-9.]* s, \([0-9]*\) requests.*/\1/p' "$WORK/cut.err" | tail -n1)
	gws=$(sed -n 's/.*(gateways \([0-9.]*\) s, release \([0-9.]*\) s).*/\1 \2/p' "$WORK/cut.err" | tail -n1)
	sent=$(jq -s 'length' "$WORK/traffic-$n.jsonl")
	lost=$(jq -s '[.[] | select((.accepted_by | length) == 0 and ([.refused[] | select(startswith("gateway_") | not)] | length) > 0)] | length' "$WORK/traffic-$n.jsonl")
	verified=$(sed -n 's/.*migrated (verified) \([0-9]*\).*/\1/p' "$WORK/cut.err" | tail -n1)
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
	read -r gw_s rel_s <<<"${gws:-- -}"
	printf '%-6s %-4s %-9s %-9s %-9s %-9s %-9s %-8s %s\n' "$n" "$g" "$wall" \
		"$(awk -v w="$wall" -v a="$gw_s" -v b="$rel_s" 'BEGIN { printf "%.1f", w - a - b }')" \
		"$gw_s" "$rel_s" "${req:-?}" "$(awk -v r="${req:-0}" -v n="$n" 'BEGIN { printf "%.1f", r / n }')" \
		"$sent/$lost (verified ${verified:-0} of $n)"
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	PIDS=()
done
