#!/usr/bin/env bash
# fuzz/run.sh BUILD_DIR SECONDS: runs every fuzz target of BUILD_DIR for
# SECONDS each (two at a time), starting from fuzz/corpus/TARGET and keeping
# what it finds in BUILD_DIR/corpus/TARGET (never in the checked-in seeds).
# Prints one line per target (executions, corpus, result) and exits non-zero
# when any target crashed; crash inputs are left in BUILD_DIR/artifacts/.
set -u
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
secs=${2:-60}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$jobs" -gt 2 ] && jobs=2
mkdir -p "$build/artifacts" "$build/logs"
targets=()
for f in fuzz/fuzz_*.c; do
	t=$(basename "$f" .c)
	[ -x "$build/$t" ] || { echo "fuzz: $build/$t is not built (make fuzz-build)" >&2; exit 1; }
	targets+=("$t")
done

run_one() {
	local t=$1 dict=""
	mkdir -p "$build/corpus/$t"
	case $t in
	fuzz_config | fuzz_idlist) dict=fuzz/dict/config.dict ;;
	*) dict=fuzz/dict/tts.dict ;;
	esac
	# -rss_limit_mb: the parsers bound their memory; -timeout: one input
	# must not take seconds.
	"$build/$t" -max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -dict="$dict" -artifact_prefix="$build/artifacts/$t-" \
		"$build/corpus/$t" "fuzz/corpus/$t" >"$build/logs/$t.log" 2>&1
	echo $? >"$build/logs/$t.rc"
}
export -f run_one
export build secs
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'

failed=0
printf '%-18s %12s %10s %8s  %s\n' target executions exec/s corpus result
for t in "${targets[@]}"; do
	log="$build/logs/$t.log"
	rc=$(cat "$build/logs/$t.rc" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
	corpus=$(ls "$build/corpus/$t" | wc -l)
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		result="CRASH (rc=$rc): $(grep -m1 -E 'ERROR|invariant failed|runtime error' "$log" | cut -c1-100)"
		failed=$((failed + 1))
	fi
	printf '%-18s %12s %10s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$result"
done
if [ "$failed" -gt 0 ]; then
	echo "fuzz: $failed target(s) crashed; inputs in $build/artifacts/, logs in $build/logs/" >&2
	exit 1
fi
