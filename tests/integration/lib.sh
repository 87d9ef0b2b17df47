# Shared helpers for integration tests: start emulators on loopback, run the
# real binary, and count assertions. Each test script sources this file.
#   BUILD    build directory holding ttn-lw-migrate and tts-emulator
#   RESULTS  file to receive "PASSED FAILED" when the script ends
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
BIN="$BUILD/ttn-lw-migrate"
EMU="$BUILD/tts-emulator"
FIX="$ROOT/tests/fixtures"
T_PASSED=0
T_FAILED=0
T_PIDS=()
TMP=$(mktemp -d)
# Keep the tool's state (backup files) inside the test's scratch directory.
export XDG_STATE_HOME="$TMP/state"
export HOME="$TMP/home"
mkdir -p "$HOME"
# Retry backoff is real in production; tests cap it at 10 ms.
export TTNM_TEST_NO_SLEEP=1
unset TTS_APP_ID TTS_APP_API_KEY TTS_API_KEY TTS_API_URL TTS_NO_SESSION TTS_DELETE_SOURCE_DEVICE \
	TTS_DEFAULT_GRPC_ADDRESS TTS_INSECURE TTS_CA_FILE 2>/dev/null || true

KEY="NNSXS.EMULATOR.SECRET"
SECRET_PART="SECRET"

t_finish() {
	local pid
	for pid in "${T_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rm -rf "$TMP"
	[ -n "${RESULTS:-}" ] && echo "$T_PASSED $T_FAILED" >"$RESULTS"
	echo "  $T_PASSED passed, $T_FAILED failed ($(basename "$0"))" >&2
}
trap t_finish EXIT

ok() {
	T_PASSED=$((T_PASSED + 1))
	[ -n "${VERBOSE_TESTS:-}" ] && echo "ok - $1" >&2
	return 0
}
not_ok() {
	T_FAILED=$((T_FAILED + 1))
	echo "not ok - $1" >&2
	[ $# -gt 1 ] && printf '    %s\n' "${@:2}" >&2
	return 0
}

# start_emu VAR [emulator args...]: starts an emulator on a free loopback
# port; sets VAR to its base URL (http://127.0.0.1:PORT).
start_emu() {
	local var=$1
	shift
	local out="$TMP/emu-$var.port"
	"$EMU" --port 0 --quiet "$@" >"$out" 2>"$TMP/emu-$var.log" &
	wait_port "$var" "$out" $! "$TMP/emu-$var.log" emulator
}

# wait_port VAR PORTFILE PID LOG NAME: waits until the server started as PID
# prints its port in PORTFILE; sets VAR to http://127.0.0.1:PORT.
wait_port() {
	local var=$1 out=$2 pid=$3 log=$4 name=$5
	T_PIDS+=("$pid")
	local i
	for i in $(seq 1 200); do
		if [ -s "$out" ]; then
			printf -v "$var" 'http://127.0.0.1:%s' "$(head -n1 "$out")"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "$name did not start: $(cat "$log")" >&2
	exit 1
}

# run_tool ARGS...: runs the tool; stdout → $OUT, stderr → $ERR, status → $RC.
run_tool() {
	OUT="$TMP/out.$RANDOM"
	ERR="$TMP/err.$RANDOM"
	"$BIN" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# Emulator admin helpers.
emu_devices() { curl -sf "$1/_emulator/devices"; }
emu_requests() { curl -sf "$1/_emulator/requests"; }
emu_clear_requests() { curl -sf -X DELETE "$1/_emulator/requests" >/dev/null; }
# Write requests (anything but GET) the emulator has seen on /api/v3.
emu_writes() { emu_requests "$1" | jq -c '[.[] | select(.method != "GET")]'; }

assert_eq() { # DESC EXPECTED ACTUAL
	if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; fi
}
assert_rc() { # DESC EXPECTED
	if [ "$RC" -eq "$2" ]; then ok "$1"; else
		not_ok "$1" "exit status $RC, expected $2" "stderr: $(head -c 600 "$ERR")"
	fi
}
assert_contains() { # DESC FILE NEEDLE
	if grep -qF -- "$3" "$2"; then ok "$1"; else
		not_ok "$1" "\"$3\" not in $(basename "$2"):" "$(head -c 600 "$2")"
	fi
}
assert_not_contains() { # DESC FILE NEEDLE
	if grep -qF -- "$3" "$2"; then not_ok "$1" "\"$3\" found in $(basename "$2")"; else ok "$1"; fi
}
assert_jq() { # DESC FILE FILTER: the jq filter must print true
	local v
	v=$(jq -e -s "$3" "$2" 2>&1)
	if [ "$v" == "true" ]; then ok "$1"; else not_ok "$1" "jq -s '$3' gave: $v"; fi
}

# A test PKI made with openssl, in $PKI ($TMP/pki): P-256 keys, 2 days.
PKI="$TMP/pki"
mkca() { # NAME: a CA, $PKI/NAME.pem and .key
	mkdir -p "$PKI"
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$1" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		-keyout "$PKI/$1.key" -out "$PKI/$1.pem" 2>/dev/null
}
mkcert() { # NAME SAN CA-NAME: a key and a server certificate for SAN, signed by CA-NAME
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
		-keyout "$PKI/$1.key" -out "$PKI/$1.csr" 2>/dev/null &&
		printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$2" >"$PKI/$1.ext" &&
		openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$3.pem" -CAkey "$PKI/$3.key" -CAcreateserial \
			-days 2 -extfile "$PKI/$1.ext" -out "$PKI/$1.pem" 2>/dev/null
}
