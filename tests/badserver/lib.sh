# Helpers for tests that use the misbehaving server (source after
# tests/integration/lib.sh, which sets BUILD, TMP and T_PIDS).

BADSERVER="$BUILD/badserver"

# start_bad VAR MODE [badserver args...]: starts a badserver on a free
# loopback port; sets VAR to its URL (http://127.0.0.1:PORT) and VAR_LOG to
# the file where it logs "METHOD PATH auth=0|1" per request.
start_bad() {
	local var=$1 mode=$2
	shift 2
	local out="$TMP/bad-$var.port" log="$TMP/bad-$var.log"
	: >"$log"
	: >"$out" # truncated here, before the server starts: never read an old port
	"$BADSERVER" --mode "$mode" --port 0 --quiet --log "$log" "$@" >>"$out" 2>"$TMP/bad-$var.err" &
	local pid=$!
	T_PIDS+=("$pid")
	local i port
	for i in $(seq 1 200); do
		port=$(sed -n '1{/^[0-9][0-9]*$/p}' "$out")
		if [ -n "$port" ] && [ "$(wc -l <"$out")" -ge 1 ]; then
			printf -v "$var" 'http://127.0.0.1:%s' "$port"
			printf -v "${var}_LOG" '%s' "$log"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "badserver did not start: $(cat "$TMP/bad-$var.err")" >&2
	exit 1
}

# bad_methods LOGFILE: the distinct methods the server saw, space-separated.
bad_methods() { awk '{print $1}' "$1" | sort -u | tr '\n' ' ' | sed 's/ $//'; }

# bad_writes LOGFILE: how many requests were not GET.
bad_writes() { awk '$1 != "GET"' "$1" | wc -l; }

# assert_no_sanitizer DESC FILE: no ASan/UBSan/LeakSanitizer report in FILE.
assert_no_sanitizer() {
	if grep -qE 'Sanitizer|runtime error:|AddressSanitizer|LeakSanitizer' "$2"; then
		not_ok "$1" "$(grep -m3 -E 'Sanitizer|runtime error:' "$2")"
	else
		ok "$1"
	fi
}
