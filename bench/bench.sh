#!/usr/bin/env bash
# Benchmarks (not part of the test suite's pass/fail): migrate generated
# devices with sessions between two emulators with injected latency, and print
# wall time, devices/s, requests per device (answered, as the emulators count
# them), retries per device (429s, 5xx, dropped: counted apart), the minimal
# count for the operation (bench/requests.sh --minimal), CPU seconds, peak RSS,
# and the ratio to the sequential floor N × requests-per-device × latency.
# Then time cleaning a 100,000-device export against jq.
# "export" is an export with --tts.delete-source-device (requests.sh's
# export-del).
#
#   bench/bench.sh [N...]            default: 1000 10000
#   BENCH_QUICK=1 bench/bench.sh     1,000 devices at 0 ms only, no clean timing
#   LATENCIES="0 50" CONCURRENCY=144 RATE=0 SCENARIOS="migrate export" bench/bench.sh 100000
#   RATE=3000 LATENCIES=0 SCENARIOS=export bench/bench.sh 500     (share of a rate limit used)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
BIN="$BUILD/ttn-lw-migrate"
EMU="$BUILD/tts-emulator"
LATENCIES=${LATENCIES:-"0 50"}
CONCURRENCY=${CONCURRENCY:-144}
RATE=${RATE:-0}
SCENARIOS=${SCENARIOS:-"migrate export"}
BENCH_QUICK=${BENCH_QUICK:-0}
if [ "$BENCH_QUICK" = 1 ]; then
	LATENCIES=0
	[ $# -gt 0 ] || set -- 1000
fi
[ $# -gt 0 ] || set -- 1000 10000
for t in curl jq; do command -v "$t" >/dev/null || { echo "bench needs $t" >&2; exit 2; }; done
command -v /usr/bin/time >/dev/null || { echo "bench needs GNU time: apt-get install time" >&2; exit 2; }
WORK=$(mktemp -d /tmp/ttnm-bench.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
export TTS_APP_API_KEY=NNSXS.EMULATOR.SECRET DEST_TTS_APP_API_KEY=NNSXS.EMULATOR.SECRET
export TTS_APP_ID=bench DEST_TTS_APP_ID=bench XDG_STATE_HOME="$WORK/state"

start() { # NAME ARGS... → sets EMU_URL and EMU_PID
	local name=$1
	shift
	# The previous run's port file must not be read as this one's: the
	# redirection below happens later, in the child.
	rm -f "$WORK/$name.port"
	"$EMU" --port 0 --quiet --log-max 1000 "$@" >"$WORK/$name.port" 2>"$WORK/$name.log" &
	EMU_PID=$!
	PIDS+=("$EMU_PID")
	for _ in $(seq 1 2400); do
		[ -n "$(head -n1 "$WORK/$name.port" 2>/dev/null)" ] && break
		sleep 0.05
	done
	[ -n "$(head -n1 "$WORK/$name.port" 2>/dev/null)" ] || { echo "emulator $name did not start" >&2; exit 1; }
	EMU_URL="http://127.0.0.1:$(head -n1 "$WORK/$name.port")"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

stats() { curl -sf "$1/_emulator/stats"; }
printf '%-8s %8s %7s %9s %9s %8s %9s %8s %8s %9s %10s %9s %8s\n' scenario devices lat_ms wall_s dev/s \
	req/dev retry/dev minimal cpu_s rss_MiB floor_s vs_floor emu_cpu
for n in "$@"; do
	"$ROOT/tests/fixtures/gen-devices.sh" "$n" bench >"$WORK/seed.jsonl"
	for lat in $LATENCIES; do
		for sc in $SCENARIOS; do
			start src --seed "$WORK/seed.jsonl" --latency-ms "$lat" --rate-limit "$RATE"
			SRC=$EMU_URL SRC_PID=$EMU_PID
			start dst --latency-ms "$lat" --rate-limit "$RATE"
			DST=$EMU_URL DST_PID=$EMU_PID
			c0=$(( $(cpu_ticks "$SRC_PID") + $(cpu_ticks "$DST_PID") ))
			rm -f "$WORK/j.db"*
			if [ "$sc" = migrate ]; then
				args=(tts application bench --to-dest --journal "$WORK/j.db")
			else
				args=(tts application bench --tts.delete-source-device --output "$WORK/out.json")
			fi
			TTS_API_URL=$SRC DEST_TTS_API_URL=$DST /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" \
				"$BIN" "${args[@]}" --concurrency "$CONCURRENCY" 2>"$WORK/err" >/dev/null || {
				echo "run failed:" >&2
				tail -5 "$WORK/err" >&2
			}
			c1=$(( $(cpu_ticks "$SRC_PID") + $(cpu_ticks "$DST_PID") ))
			read -r wall usr sys rss <"$WORK/time"
			# Counted by the servers: answered requests, and the retried ones apart.
			read -r reqs retries < <(jq -rn --argjson a "$(stats "$SRC")" --argjson b "$(stats "$DST")" \
				'"\($a.total + $b.total - $a.retryable - $b.retryable) \($a.retryable + $b.retryable)"')
			op=$sc
			[ "$sc" = export ] && op=export-del
			min=$("$ROOT/bench/requests.sh" --minimal "$op" "$n")
			awk -v sc="$sc" -v n="$n" -v lat="$lat" -v wall="$wall" -v usr="$usr" -v sys="$sys" \
				-v rss="$rss" -v reqs="${reqs:-0}" -v rt="${retries:-0}" -v min="$min" \
				-v emu=$((c1 - c0)) -v hz="$hz" 'BEGIN {
				rpd = reqs / n; floor = n * rpd * lat / 1000;
				printf "%-8s %8d %7d %9.2f %9.0f %8.3f %9.3f %8s %8.2f %9.1f %10.0f %9s %8.2f\n", sc, n, lat,
					wall, n / (wall > 0 ? wall : 0.001), rpd, rt / n, min, usr + sys, rss / 1024, floor,
					(floor > 0 ? sprintf("%.1fx", floor / wall) : "-"), emu / hz }'
			if [ "$RATE" -gt 0 ] && [ "$sc" = export ]; then
				# One server serves every request of an export: past its first
				# bucket (RATE requests), the rate it allows is RATE per minute.
				awk -v reqs="${reqs:-0}" -v rate="$RATE" -v wall="$wall" 'BEGIN {
					ideal = (reqs - rate) / (rate / 60);
					if (ideal > 0) printf "         rate limit %d/min: ideal %.1f s, %.0f%% of the allowed rate\n", rate, ideal, 100 * ideal / wall }'
			fi
			kill "$SRC_PID" "$DST_PID" 2>/dev/null || true
			wait "$SRC_PID" "$DST_PID" 2>/dev/null || true
		done
	done
done

[ "$BENCH_QUICK" = 1 ] && exit 0
echo
echo "Cleaning a 100,000-device export (server addresses and ids.dev_addr removed):"
"$ROOT/tests/fixtures/gen-devices.sh" 100000 bench |
	jq -c '.network_server_address = "eu1.cloud.thethings.network" | .application_server_address = "eu1.cloud.thethings.network" | .join_server_address = "eu1.cloud.thethings.network"' \
		>"$WORK/big.json"
printf '  file: %s MiB\n' "$(($(stat -c %s "$WORK/big.json") / 1048576))"
/usr/bin/time -f '  ttn-lw-migrate clean: %e s wall, %U s user, %M KiB peak RSS' "$BIN" clean "$WORK/big.json" --quiet >"$WORK/a.json"
/usr/bin/time -f '  jq -c del(...):       %e s wall, %U s user, %M KiB peak RSS' \
	jq -c 'del(.application_server_address, .network_server_address, .join_server_address)' "$WORK/big.json" >"$WORK/b.json"
printf '  same devices out: %s\n' "$(cmp -s <(jq -cS . "$WORK/a.json") <(jq -cS . "$WORK/b.json") && echo yes || echo no)"
