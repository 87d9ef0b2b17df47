#!/usr/bin/env bash
# Runs the whole suite against one or more build directories (normal, ASan):
# every cmocka unit test binary and every integration test script.
# Ends with the line "N passed, N failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || set -- build
passed=0
failed=0
failures=()

for build in "$@"; do
	echo "=== $build: unit tests"
	for t in "$build"/unit/test_*; do
		[ -x "$t" ] || continue
		t0=$SECONDS
		out=$("$t" 2>&1)
		rc=$?
		n_ok=$(printf '%s\n' "$out" | grep -c '^\[       OK \]')
		n_bad=$(printf '%s\n' "$out" | grep -c '^\[  FAILED  \]   \|^\[  ERROR   \]')
		passed=$((passed + n_ok))
		if [ $rc -ne 0 ]; then
			[ "$n_bad" -gt 0 ] || n_bad=1
			failed=$((failed + n_bad))
			failures+=("$build: $(basename "$t")")
			printf '%s\n' "$out" | grep -E 'FAILED|ERROR|error|Sanitizer' | head -20
		fi
		echo "  $(basename "$t"): $n_ok ok, rc=$rc, $((SECONDS - t0)) s"
	done
	echo "=== $build: integration tests"
	for t in tests/integration/test_*.sh; do
		# ONLY="test_a test_b": just those integration scripts (make tsan).
		if [ -n "${ONLY:-}" ] && ! [[ " $ONLY " == *" $(basename "$t" .sh) "* ]]; then
			continue
		fi
		res=$(mktemp)
		t0=$SECONDS
		BUILD="$build" RESULTS="$res" bash "$t"
		rc=$?
		read -r p f <"$res" || { p=0; f=1; }
		rm -f "$res"
		passed=$((passed + p))
		failed=$((failed + f))
		if [ $rc -ne 0 ] || [ "$f" -gt 0 ]; then
			[ "$f" -gt 0 ] || failed=$((failed + 1))
			failures+=("$build: $(basename "$t")")
		fi
		echo "  $(basename "$t"): $p ok, $f failed, $((SECONDS - t0)) s"
	done
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "failing: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
