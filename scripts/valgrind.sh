#!/usr/bin/env bash
# scripts/valgrind.sh BUILD [TEST...]: runs integration scenarios with the tool
# under valgrind memcheck (--leak-check=full --error-exitcode=1). A wrapper
# build directory holds a `ttn-lw-migrate` that execs BUILD's binary under
# valgrind, and links to BUILD's emulator and badserver, so the tests run
# unchanged. Fails when any run reported a memory error or a leak; the logs
# are kept in BUILD-valgrind/logs/.
set -u
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
shift
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(test_export.sh test_import.sh test_faults.sh test_secrets.sh)
wrap="$build-valgrind"
logs="$wrap/logs"
rm -rf "$wrap"
mkdir -p "$logs"
ln -s "$build/tts-emulator" "$wrap/tts-emulator"
ln -s "$build/badserver" "$wrap/badserver"
cat >"$wrap/ttn-lw-migrate" <<EOW
#!/bin/sh
exec valgrind --quiet --error-exitcode=1 --leak-check=full \\
	--show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \\
	--suppressions="$PWD/scripts/valgrind.supp" --log-file="$logs/vg.%p.log" \\
	"$build/ttn-lw-migrate" "\$@"
EOW
chmod +x "$wrap/ttn-lw-migrate"

passed=0 failed=0
for t in "${tests[@]}"; do
	res=$(mktemp)
	BUILD="$wrap" RESULTS="$res" bash "tests/integration/$t"
	read -r p f <"$res" || { p=0; f=1; }
	rm -f "$res"
	passed=$((passed + p))
	failed=$((failed + f))
	echo "  $t under valgrind: $p ok, $f failed"
done
runs=$(ls "$logs" | wc -l)
bad=$(find "$logs" -name 'vg.*.log' -size +0 | sort)
if [ -n "$bad" ]; then
	echo "valgrind: errors in $(echo "$bad" | wc -l) of $runs runs:" >&2
	for f in $bad; do
		echo "--- $f" >&2
		head -n 30 "$f" >&2
	done
	exit 1
fi
echo "valgrind: $runs runs of ttn-lw-migrate, no memory errors, no leaks ($passed assertions passed, $failed failed)"
[ "$failed" -eq 0 ]
