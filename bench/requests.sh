#!/usr/bin/env bash
# Requests per device, per operation, counted by the servers (the emulators'
# /_emulator/stats), not by the tool. Each operation runs on N generated OTAA
# devices with sessions, against fresh emulators:
#
#   export        tts application APP --dry-run            (source, reads only)
#   export-ids    tts device --dry-run, the ids on stdin   (source, reads only)
#   export-off    tts application APP: downlinks disabled at the source after each export
#   export-del    tts application APP --tts.delete-source-device
#   import        import of the export                     (destination)
#   migrate       tts application APP --to-dest            (both ends)
#   migrate-rb    ... --to-dest --verify-mode read-back     (both ends)
#
#   bench/requests.sh [N]                 default N=200
#   OPS="export migrate" EMU_ARGS="--throttle-every 7" bench/requests.sh 500
#   FORMAT=tsv bench/requests.sh          op, done, req/dev, retries/dev, target, minimal
#   bench/requests.sh --minimal OP N      just the minimal count (for bench/bench.sh)
#
# done: devices that ended where the operation puts them (exported, gone from
# the source, or complete at the destination).
#
# req/dev counts the requests the servers answered (not 429, 5xx or a
# dropped connection); retries/dev those others, which the tool sent again.
# "minimal" is the fewest requests The Things Stack's API allows for the
# operation (what decides it: README, "What a migration costs in requests").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
BIN="$BUILD/ttn-lw-migrate"
EMU="$BUILD/tts-emulator"
N=${1:-200}
[ "$N" = --minimal ] && N=0
OPS=${OPS:-"export export-ids export-off export-del import migrate migrate-rb"}
FORMAT=${FORMAT:-table}
EMU_ARGS=${EMU_ARGS:-}
TOOL_ARGS=${TOOL_ARGS:-}
for t in curl jq; do command -v "$t" >/dev/null || { echo "requests.sh needs $t" >&2; exit 2; }; done
[ -x "$BIN" ] && [ -x "$EMU" ] || { echo "requests.sh: build first (make build), or BUILD=dir" >&2; exit 2; }
WORK=$(mktemp -d /tmp/ttnm-reqs.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
export TTS_APP_API_KEY=NNSXS.EMULATOR.SECRET DEST_TTS_APP_API_KEY=NNSXS.EMULATOR.SECRET
export TTS_APP_ID=bench DEST_TTS_APP_ID=bench XDG_STATE_HOME="$WORK/state"
export TTNM_TEST_NO_SLEEP=1

start() { # NAME ARGS... → sets URL
	local name=$1
	shift
	# Not a stale file: the redirection below happens in the child, later.
	rm -f "$WORK/$name.port"
	# shellcheck disable=SC2086
	"$EMU" --port 0 --quiet --log-max 0 $EMU_ARGS "$@" >"$WORK/$name.port" 2>"$WORK/$name.log" &
	PIDS+=("$!")
	for _ in $(seq 1 400); do
		[ -n "$(head -n1 "$WORK/$name.port" 2>/dev/null)" ] && break
		sleep 0.05
	done
	[ -n "$(head -n1 "$WORK/$name.port" 2>/dev/null)" ] || { echo "emulator $name did not start" >&2; exit 1; }
	URL="http://127.0.0.1:$(head -n1 "$WORK/$name.port")"
}
stop_all() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	PIDS=()
}
stats() { curl -sf "$1/_emulator/stats"; }
reset_stats() { curl -sf -X DELETE "$1/_emulator/stats" >/dev/null; }

# target and minimal per OTAA device (N devices; list pages of 1000, batches of 20)
target() {
	case $1 in
	export) echo 3.05 ;; export-ids) echo 3.1 ;; export-del) echo 3.3 ;; import) echo 4 ;;
	export-off) echo 4.05 ;;
	migrate) echo 8.5 ;; migrate-rb) echo 11.5 ;;
	esac
}
minimal() { # OP N
	awk -v op="$1" -v n="$2" 'function ceil(x) { return x == int(x) ? x : int(x) + 1 }
	BEGIN {
		list = ceil(n / 1000) / n; batch = ceil(n / 20) / n
		# export: 1 list page per 1000 (IS fields in it), NS, AS, JS gets
		if (op == "export") m = 3 + list
		# ids: 1 IS batch get per 20, NS, AS, JS gets
		else if (op == "export-ids") m = 3 + batch
		# + the NS Set that stops its downlinks (no batch Set in TTS)
		else if (op == "export-off") m = 4 + list
		# + 4 batch deletes (AS, NS, JS, IS) per 20
		else if (op == "export-del") m = 3 + list + 4 * batch
		# IS create, JS, NS, AS sets (verified from their answers)
		else if (op == "import") m = 4
		# list, NS get (with the setting the freeze changes), freeze, AS, JS
		# gets, 4 creates, 4 batch deletes
		else if (op == "migrate") m = list + 1 + 1 + 2 + 4 + 4 * batch
		# + NS, AS, JS read back at the destination
		else if (op == "migrate-rb") m = list + 1 + 1 + 2 + 4 + 3 + 4 * batch
		printf "%.3f", m }'
}
# bench/bench.sh asks for the minimum only: bench/requests.sh --minimal OP N
if [ "${1:-}" = --minimal ]; then
	minimal "$2" "$3"
	echo
	exit 0
fi

"$ROOT/tests/fixtures/gen-devices.sh" "$N" bench >"$WORK/seed.jsonl"
jq -r .ids.device_id "$WORK/seed.jsonl" >"$WORK/ids.txt"

run_op() { # OP → prints "op reqs failed"
	local op=$1 src dst=""
	start src --seed "$WORK/seed.jsonl"
	src=$URL
	start dst
	dst=$URL
	rm -rf "$WORK/j.db"* "$WORK/state"
	local args=()
	case $op in
	export) args=(tts application bench --dry-run --output "$WORK/out.json") ;;
	export-ids) args=(tts device --dry-run --output "$WORK/out.json") ;;
	export-off) args=(tts application bench --output "$WORK/out.json") ;;
	export-del) args=(tts application bench --tts.delete-source-device --output "$WORK/out.json") ;;
	import)
		TTS_API_URL=$src "$BIN" tts application bench --dry-run --output "$WORK/in.json" --quiet \
			2>"$WORK/err.pre" || { echo "$op: the export before it failed" >&2; tail -3 "$WORK/err.pre" >&2; }
		args=(import "$WORK/in.json")
		;;
	migrate) args=(tts application bench --to-dest --journal "$WORK/j.db") ;;
	migrate-rb) args=(tts application bench --to-dest --verify-mode read-back --journal "$WORK/j.db") ;;
	esac
	reset_stats "$src"
	reset_stats "$dst"
	# shellcheck disable=SC2086
	local rc=0
	TTS_API_URL=$src DEST_TTS_API_URL=$dst "$BIN" "${args[@]}" --quiet $TOOL_ARGS \
		<"$WORK/ids.txt" >/dev/null 2>"$WORK/err.$op" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "$op: the run failed (exit $rc):" >&2
		tail -5 "$WORK/err.$op" >&2
	fi
	# How many devices ended where the operation puts them.
	local done
	case $op in
	export | export-ids | export-off) done=$(jq -s length "$WORK/out.json" 2>/dev/null || echo 0) ;;
	export-del) done=$((N - $(curl -sf "$src/_emulator/devices" | jq '.is | length'))) ;;
	*) done=$(curl -sf "$dst/_emulator/devices" | jq '[.is, .ns, .as, .js] | map(length) | min') ;;
	esac
	if [ "$done" != "$N" ] && [ "$rc" -eq 0 ]; then
		echo "$op: $done of $N devices done, yet the run exited 0:" >&2
		tail -5 "$WORK/err.$op" >&2
	fi
	jq -n --argjson a "$(stats "$src")" --argjson b "$(stats "$dst")" \
		'"\($a.total + $b.total - $a.retryable - $b.retryable) \($a.retryable + $b.retryable)"' -r >"$WORK/count"
	stop_all
	echo "$op $(cat "$WORK/count") $done"
}

[ "$FORMAT" = tsv ] || printf '%-11s %8s %6s %9s %11s %8s %8s\n' operation devices done req/dev retries/dev target minimal
for op in $OPS; do
	read -r _ reqs failed done < <(run_op "$op")
	awk -v op="$op" -v n="$N" -v r="$reqs" -v f="$failed" -v t="$(target "$op")" -v m="$(minimal "$op" "$N")" \
		-v fmt="$FORMAT" -v done="$done" 'BEGIN {
		if (fmt == "tsv") printf "%s\t%d\t%.3f\t%.3f\t%s\t%s\n", op, done, r / n, f / n, t, m
		else printf "%-11s %8d %6d %9.3f %11.3f %8s %8s\n", op, n, done, r / n, f / n, t, m }'
done
