#!/usr/bin/env bash
# TLS: certificates are always verified (peer and host name) unless
# --insecure; --ca-file / TTS_CA_FILE / DEST_TTS_CA_FILE add a CA; a failed
# handshake sends nothing (no request, no key) and changes nothing; plain
# http:// goes to loopback only. The emulator serves HTTPS with a server
# certificate (SAN IP:127.0.0.1) from a CA made here with openssl.
. "$(dirname "$0")/lib.sh"

if mkca ca && mkca other-ca && mkcert server IP:127.0.0.1 ca && mkcert wrong-host IP:127.0.0.2 ca; then
	ok "test PKI made with openssl"
else
	not_ok "test PKI made with openssl"
	exit 1
fi

start_emu_tls() { # VAR CERT-NAME [emulator args]: an HTTPS emulator; VAR is its https:// URL
	local var=$1 cert=$2
	shift 2
	start_emu "$var" --tls-cert "$PKI/$cert.pem" --tls-key "$PKI/$cert.key" "$@"
	printf -v "$var" '%s' "${!var/http:/https:}"
}
NSEED=$(wc -l <"$FIX/seed-export.jsonl")
start_emu_tls SRC server --seed "$FIX/seed-export.jsonl"
export TTS_APP_ID=my-app TTS_APP_API_KEY=$KEY TTS_API_URL=$SRC
# The admin routes are served over the same TLS port.
emu_get() { curl -sf --cacert "$PKI/ca.pem" "$SRC/_emulator/$1"; }
if emu_get health | grep -q ok; then ok "emulator serves HTTPS (curl with the CA)"; else
	not_ok "emulator serves HTTPS (curl with the CA)"
fi
emu_reset() { curl -sf --cacert "$PKI/ca.pem" -X DELETE "$SRC/_emulator/requests" >/dev/null; }
emu_nreq() { emu_get requests | jq length; }

# tls_refused DESC: the run failed at the handshake, touching nothing.
tls_refused() {
	assert_rc "$1: exit 1" 1
	assert_contains "$1: says it is a certificate problem" "$ERR" "certificate"
	assert_contains "$1: names the device and the component" "$ERR" 'device "otaa-dev": reading from the Identity Server'
	assert_eq "$1: nothing on stdout" 0 "$(wc -c <"$OUT")"
	assert_eq "$1: no request reached the server (the key was not sent)" 0 "$(emu_nreq)"
	assert_not_contains "$1: API key not shown" "$ERR" "$SECRET_PART"
}

# --- verification is on by default -----------------------------------------------------
emu_reset
run_tool tts device otaa-dev --retries 0
tls_refused "https, CA not trusted"
emu_reset
run_tool tts device otaa-dev --tts.delete-source-device
tls_refused "https, CA not trusted, with --delete-source-device"
emu_reset
TTS_INSECURE=false run_tool tts device otaa-dev --retries 0
tls_refused "TTS_INSECURE=false"

# --- --ca-file and TTS_CA_FILE ----------------------------------------------------------
run_tool tts device otaa-dev --dry-run --ca-file "$PKI/ca.pem"
assert_rc "--ca-file: exit 0" 0
assert_jq "--ca-file: the device is exported" "$OUT" '.[0].session.dev_addr == "260B2F9D"'
assert_not_contains "--ca-file: no insecure warning" "$ERR" "insecure"
TTS_CA_FILE="$PKI/ca.pem" run_tool tts device otaa-dev --dry-run
assert_rc "TTS_CA_FILE: exit 0" 0
assert_jq "TTS_CA_FILE: the device is exported" "$OUT" '.[0].ids.device_id == "otaa-dev"'
run_tool device --source tts otaa-dev --dry-run --tts.ca-file="$PKI/ca.pem"
assert_rc "--tts.ca-file=: exit 0" 0
# The retirement goes over the same verified connection.
emu_reset
TTS_CA_FILE="$PKI/ca.pem" run_tool tts device otaa-dev --output "$TMP/one.json"
assert_rc "TTS_CA_FILE, export and disable downlinks: exit 0" 0
assert_eq "TTS_CA_FILE: the NS Set went through" 1 \
	"$(emu_get requests | jq '[.[] | select(.method == "PUT")] | length')"

# Another CA, and a certificate for another address: refused even with a CA.
emu_reset
run_tool tts device otaa-dev --retries 0 --ca-file "$PKI/other-ca.pem"
tls_refused "--ca-file of another CA"
start_emu_tls WRONG wrong-host --seed "$FIX/seed-export.jsonl"
emu_nreq_wrong() { curl -sf --cacert "$PKI/ca.pem" --resolve "x:${WRONG##*:}:127.0.0.1" "$WRONG/_emulator/requests" -k | jq length; }
TTS_API_URL=$WRONG run_tool tts device otaa-dev --retries 0 --ca-file "$PKI/ca.pem"
assert_rc "certificate for 127.0.0.2 at 127.0.0.1: exit 1" 1
assert_contains "wrong host: the name check failed" "$ERR" "127.0.0.1"
assert_eq "wrong host: no request reached the server" 0 "$(emu_nreq_wrong)"
# A CA file that cannot be read is an error, not a fallback to no CA.
run_tool tts device otaa-dev --retries 0 --ca-file "$TMP/no-such-ca.pem"
assert_eq "unreadable --ca-file: exit non-zero" 1 "$([ "$RC" -ne 0 ] && echo 1 || echo 0)"
assert_eq "unreadable --ca-file: nothing on stdout" 0 "$(wc -c <"$OUT")"

# --- --insecure ---------------------------------------------------------------------------
run_tool tts device otaa-dev --dry-run --insecure
assert_rc "--insecure: exit 0" 0
assert_jq "--insecure: the device is exported" "$OUT" '.[0].ids.device_id == "otaa-dev"'
assert_contains "--insecure: warns" "$ERR" "warning: --insecure: TLS certificates are not checked"
TTS_INSECURE=true run_tool tts device otaa-dev --dry-run
assert_rc "TTS_INSECURE=true: exit 0" 0
assert_contains "TTS_INSECURE=true: warns" "$ERR" "TLS certificates are not checked"
TTS_API_URL=$WRONG run_tool tts device otaa-dev --dry-run --insecure
assert_rc "--insecure also skips the host name check: exit 0" 0

# --- the destination (import) ------------------------------------------------------------------
start_emu_tls DST server
export DEST_TTS_APP_ID=dst-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$DST
run_tool import "$FIX/seed-export.jsonl" --retries 0
assert_rc "import over https, CA not trusted: exit 1" 1
assert_contains "import, CA not trusted: certificate error" "$ERR" "certificate"
assert_contains "import, CA not trusted: created 0" "$ERR" "created 0 of $NSEED"
DEST_TTS_CA_FILE="$PKI/ca.pem" run_tool import "$FIX/seed-export.jsonl"
assert_rc "DEST_TTS_CA_FILE: import exit 0" 0
assert_contains "DEST_TTS_CA_FILE: all created" "$ERR" "created $NSEED of $NSEED"
# The source's CA does not apply to the destination (and the other way).
start_emu_tls DST2 server
DEST_TTS_API_URL=$DST2 TTS_CA_FILE="$PKI/ca.pem" run_tool import "$FIX/seed-export.jsonl" --retries 0
assert_rc "TTS_CA_FILE does not apply to import's destination: exit 1" 1

# --- plain http:// ------------------------------------------------------------------------------
for url in http://example.com http://10.1.2.3:1885 http://127.example.com http://127.0.0.1.nip.io \
	http://localhost.example.com; do
	TTS_API_URL=$url run_tool tts device otaa-dev
	assert_rc "plain $url refused: exit 2" 2
	assert_contains "plain $url refused: says why" "$ERR" "plain http:// would send the API key unencrypted"
	DEST_TTS_API_URL=$url run_tool import "$FIX/seed-export.jsonl"
	assert_rc "plain $url refused for the destination: exit 2" 2
done
TTS_API_URL=http://example.com TTS_APP_API_KEY_FILE=/dev/null run_tool tts device otaa-dev
assert_rc "plain http refused before the key is even needed" 2
# Loopback over plain http is fine (the other tests do it all the time).
start_emu PLAIN --seed "$FIX/seed-export.jsonl"
TTS_API_URL=${PLAIN/127.0.0.1/localhost} run_tool tts device otaa-dev --dry-run
assert_rc "plain http://localhost: exit 0" 0
