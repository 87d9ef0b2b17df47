#!/usr/bin/env bash
# Secrets: no API key (its secret part), root key or session key from the
# seed reaches stderr of any command, even with --verbose, against working and
# failing servers (nor stdout of the commands that do not export); every file
# the tool creates that holds keys is mode 0600 whatever the umask;
# --app-api-key-file keeps the key out of argv and the environment; --redact.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/badserver/lib.sh"

SKEY="NNSXS.SECRETSTEST.S3cr3tV4lu3Xyz9Q"
SSECRET="S3cr3tV4lu3Xyz9Q"
start_emu SRC --seed "$FIX/seed-export.jsonl" --api-key "$SKEY"
start_emu DST --api-key "$SKEY"
export TTS_APP_ID=my-app TTS_APP_API_KEY=$SKEY TTS_API_URL=$SRC
export DEST_TTS_APP_ID=dst-app DEST_TTS_APP_API_KEY=$SKEY DEST_TTS_API_URL=$DST
umask 000 # a file created with 0644 or 0666 would show

# Every key value of the seed: AppKey, NwkKey, session and pending keys.
mapfile -t SEED_KEYS < <(jq -r '[paths(scalars) as $p | select($p[-1] == "key") | getpath($p)] | .[]' \
	"$FIX/seed-export.jsonl" | sort -u)
if [ "${#SEED_KEYS[@]}" -ge 5 ]; then ok "seed has ${#SEED_KEYS[@]} key values to look for"; else
	not_ok "seed has key values to look for" "found ${#SEED_KEYS[@]}"
fi

# no_secrets DESC FILE...: neither the API key's secret nor any seed key, nor
# either half of one (a cut-off key is still a leak), in any case.
no_secrets() {
	local desc=$1 f k bad=""
	shift
	for f in "$@"; do
		grep -qF -- "$SSECRET" "$f" && bad="$bad API-key-secret-in-$(basename "$f")"
		for k in "${SEED_KEYS[@]}"; do
			if grep -qiF -e "${k:0:16}" -e "${k:16:16}" -- "$f"; then
				bad="$bad key-${k:0:4}...-in-$(basename "$f")"
			fi
		done
	done
	if [ -z "$bad" ]; then ok "$desc"; else not_ok "$desc" "$bad"; fi
}
assert_mode() { # DESC FILE MODE
	assert_eq "$1" "$3" "$(stat -c %a "$2" 2>/dev/null || echo missing)"
}

# --- export: succeeding server ----------------------------------------------------
run_tool tts device otaa-dev abp-dev otaa-nosess --verbose --dry-run
assert_rc "tts device --verbose: exit 0" 0
assert_jq "tts device: the export holds the keys (sanity)" "$OUT" \
	"any(.[]; .root_keys.app_key.key == \"EFE35B55F8B394A68567F8A36F5AC44A\")"
assert_contains "tts device --verbose logs requests" "$ERR" "debug: GET "
no_secrets "tts device --verbose: stderr clean" "$ERR"

run_tool tts application my-app --verbose --dry-run
assert_rc "tts application --verbose: exit 0" 0
no_secrets "tts application --verbose: stderr clean" "$ERR"

# The key given as a flag (both spellings) instead of the environment.
env -u TTS_APP_API_KEY "$BIN" tts device otaa-dev --verbose --dry-run --app-api-key "$SKEY" \
	>"$TMP/flag.out" 2>"$TMP/flag.err"
assert_eq "--app-api-key flag: exit 0" 0 $?
no_secrets "--app-api-key flag: stderr clean" "$TMP/flag.err"
env -u TTS_APP_API_KEY "$BIN" device --source tts otaa-dev --verbose --dry-run --tts.app-api-key="$SKEY" \
	>"$TMP/flag2.out" 2>"$TMP/flag2.err"
assert_eq "--tts.app-api-key=KEY: exit 0" 0 $?
no_secrets "--tts.app-api-key=KEY: stderr clean" "$TMP/flag2.err"

# --output: created 0600 even with umask 000; an existing 0644 file is narrowed.
start_emu SRC2 --seed "$FIX/seed-export.jsonl" --api-key "$SKEY"
TTS_API_URL=$SRC2 run_tool tts device otaa-dev --verbose --output "$TMP/out.json"
assert_rc "--output (downlinks disabled at the source): exit 0" 0
assert_mode "--output file is 0600 (umask 000)" "$TMP/out.json" 600
no_secrets "--output run: stderr clean" "$ERR"
touch "$TMP/old.json" && chmod 644 "$TMP/old.json"
TTS_API_URL=$SRC2 run_tool tts device otaa-dev --dry-run --output "$TMP/old.json"
assert_mode "existing --output file narrowed to 0600" "$TMP/old.json" 600

# Backup file when stdout is a pipe and the source is changed.
"$BIN" tts device abp-dev --tts.delete-source-device --verbose --tts.api-url "$SRC2" \
	2>"$TMP/del.err" | cat >"$TMP/del.out"
RC=${PIPESTATUS[0]}
ERR="$TMP/del.err"
assert_rc "delete with stdout a pipe: exit 0" 0
backup=$(ls "$XDG_STATE_HOME"/ttn-lw-migrate/export-*.jsonl 2>/dev/null | head -n1)
assert_mode "backup file is 0600 (umask 000)" "${backup:-/nonexistent}" 600
assert_mode "state directory is 0700" "$XDG_STATE_HOME/ttn-lw-migrate" 700
assert_contains "the backup holds the export" "${backup:-/dev/null}" '"abp-dev"'
no_secrets "delete run: stderr clean" "$ERR"

# --- export: failing servers ---------------------------------------------------------
TTS_APP_API_KEY=NNSXS.SECRETSTEST.WRONGS3cr3tV4lu3 run_tool tts device otaa-dev --verbose
assert_rc "wrong API key: exit 1" 1
no_secrets "wrong API key: stderr clean" "$ERR"
assert_not_contains "wrong API key: the wrong secret is not shown either" "$ERR" "WRONGS3cr3tV4lu3"
run_tool tts device no-such-dev --verbose
no_secrets "unknown device: stderr clean" "$ERR"
for mode in html huge wrong-types error-200 truncated echo-auth; do
	start_bad BAD "$mode"
	TTS_API_URL=$BAD run_tool tts device otaa-dev --verbose --retries 1
	assert_rc "badserver $mode: exit 1" 1
	no_secrets "badserver $mode: tts device stderr clean" "$ERR"
	TTS_API_URL=$BAD run_tool tts application my-app --verbose --retries 1
	no_secrets "badserver $mode: tts application stderr clean" "$ERR"
	kill "${T_PIDS[-1]}" 2>/dev/null
done
# A key that does not look like a TTS key is blanked too (it is registered).
start_bad ECHO echo-auth
TTS_API_URL=$ECHO TTS_APP_API_KEY=plain-api-key-0123456789 run_tool tts device otaa-dev --verbose
assert_contains "echoed credentials reach the message" "$ERR" "invalid credentials"
assert_not_contains "an echoed non-NNSXS key is blanked" "$ERR" "plain-api-key-0123456789"

# --- --app-api-key-file ------------------------------------------------------------------
printf '%s\r\n' "$SKEY" >"$TMP/key.txt"
env -u TTS_APP_API_KEY "$BIN" tts device otaa-dev --dry-run --verbose --app-api-key-file "$TMP/key.txt" \
	>"$TMP/kf.out" 2>"$TMP/kf.err"
assert_eq "--app-api-key-file (CRLF): exit 0" 0 $?
assert_jq "--app-api-key-file: the device is exported" "$TMP/kf.out" '.[0].ids.device_id == "otaa-dev"'
no_secrets "--app-api-key-file: stderr clean" "$TMP/kf.err"
env -u TTS_APP_API_KEY TTS_APP_API_KEY_FILE="$TMP/key.txt" "$BIN" tts device otaa-dev --dry-run \
	>"$TMP/kf2.out" 2>"$TMP/kf2.err"
assert_eq "TTS_APP_API_KEY_FILE: exit 0" 0 $?
env -u TTS_APP_API_KEY "$BIN" tts device otaa-dev --app-api-key-file "$TMP/nokey.txt" >"$TMP/kf3.out" 2>"$TMP/kf3.err"
assert_eq "missing key file: exit 2" 2 $?
assert_contains "missing key file: named" "$TMP/kf3.err" "nokey.txt"
# While a request is in flight, the key is neither in argv nor in the environment.
start_bad HANG hang
env -u TTS_APP_API_KEY -u DEST_TTS_APP_API_KEY TTS_API_URL="$HANG" "$BIN" tts device otaa-dev --timeout 5 --retries 0 \
	--app-api-key-file "$TMP/key.txt" >/dev/null 2>"$TMP/hang.err" &
pid=$!
for _ in $(seq 1 100); do [ -s "$HANG_LOG" ] && break; sleep 0.05; done
if tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qF "$SSECRET" ||
	tr '\0' '\n' <"/proc/$pid/environ" | grep -qF "$SSECRET"; then
	not_ok "--app-api-key-file: key not in /proc/PID/cmdline or environ"
else
	ok "--app-api-key-file: key not in /proc/PID/cmdline or environ"
fi
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

# --- import ----------------------------------------------------------------------------------
run_tool import "$FIX/seed-export.jsonl" --verbose --report "$TMP/report.json"
assert_rc "import --verbose: exit 0" 0
no_secrets "import --verbose: stdout and stderr clean" "$OUT" "$ERR"
assert_mode "import --report is 0600" "$TMP/report.json" 600
no_secrets "import report clean" "$TMP/report.json"
# A mistyped key (one byte too many) is still mostly the key: never quoted.
jq -c '.root_keys.app_key.key += "FF" | .ids.device_id = "typo-dev"' <(head -n1 "$FIX/seed-export.jsonl") >"$TMP/typo.json"
run_tool import "$TMP/typo.json" --verbose --report "$TMP/typo-report.json"
assert_rc "import of a malformed key: exit 1" 1
assert_contains "malformed key: the field is named" "$ERR" "root_keys.app_key.key: a string of 34 characters"
no_secrets "malformed key: stderr clean" "$ERR"
no_secrets "malformed key: report clean" "$TMP/typo-report.json"
jq -c '.root_keys.app_key = {"key": {"hex": .root_keys.app_key.key}} | .ids.device_id = "obj-dev"' \
	<(head -n1 "$FIX/seed-export.jsonl") >"$TMP/objkey.json"
run_tool import "$TMP/objkey.json"
assert_contains "key given as an object: the field is named" "$ERR" "root_keys.app_key.key: a JSON object"
no_secrets "key given as an object: stderr clean" "$ERR"
DEST_TTS_APP_API_KEY=NNSXS.SECRETSTEST.WRONGS3cr3tV4lu3 run_tool import "$FIX/seed-export.jsonl" --verbose
assert_rc "import with a wrong key: exit 1" 1
no_secrets "import with a wrong key: stdout and stderr clean" "$OUT" "$ERR"
assert_not_contains "import with a wrong key: its secret not shown" "$ERR" "WRONGS3cr3tV4lu3"
for mode in html huge echo-auth error-200; do
	start_bad BADDST "$mode"
	DEST_TTS_API_URL=$BADDST run_tool import "$FIX/seed-export.jsonl" --verbose --retries 1
	assert_rc "import to badserver $mode: exit 1" 1
	no_secrets "import to badserver $mode: stdout and stderr clean" "$OUT" "$ERR"
	kill "${T_PIDS[-1]}" 2>/dev/null
done

# --- the journal (--to-dest), status ------------------------------------------------------
start_emu SRC3 --seed "$FIX/seed-export.jsonl" --api-key "$SKEY"
start_emu DST3 --api-key "$SKEY"
mkdir -p "$TMP/j"
TTS_API_URL=$SRC3 DEST_TTS_API_URL=$DST3 run_tool tts device otaa-dev abp-dev --to-dest \
	--journal "$TMP/j/journal.db" --verbose --report "$TMP/j/report.json"
assert_rc "--to-dest: exit 0" 0
no_secrets "--to-dest --verbose: stdout and stderr clean" "$OUT" "$ERR"
assert_mode "--journal file is 0600 (umask 000)" "$TMP/j/journal.db" 600
for f in "$TMP"/j/journal.db-*; do
	[ -e "$f" ] && assert_mode "journal side file $(basename "$f") is 0600" "$f" 600
done
assert_mode "--to-dest --report is 0600" "$TMP/j/report.json" 600
if grep -qF "EFE35B55F8B394A68567F8A36F5AC44A" "$TMP/j/journal.db"* 2>/dev/null; then
	ok "the journal holds the export (why it must be 0600)"
else
	ok "the journal holds the export compressed or paged (0600 checked anyway)"
fi
# A pre-existing 0644 journal is made 0600 before keys go in; a symlinked
# journal is refused before any request.
start_emu SRC5 --seed "$FIX/seed-export.jsonl" --api-key "$SKEY"
start_emu DST5 --api-key "$SKEY"
: >"$TMP/j/wide.db"
chmod 644 "$TMP/j/wide.db"
TTS_API_URL=$SRC5 DEST_TTS_API_URL=$DST5 run_tool tts device otaa-dev --to-dest --journal "$TMP/j/wide.db"
assert_rc "a pre-existing 0644 journal: the run goes on" 0
assert_mode "a pre-existing 0644 journal is made 0600" "$TMP/j/wide.db" 600
assert_contains "...and it is said" "$ERR" "was mode 644; made 0600"
ln -s "$TMP/j/wide.db" "$TMP/j/link.db"
emu_clear_requests "$SRC5"
TTS_API_URL=$SRC5 DEST_TTS_API_URL=$DST5 run_tool tts device abp-dev --to-dest --journal "$TMP/j/link.db"
assert_rc "a symlinked journal: refused" 1
assert_contains "a symlinked journal: said in one line" "$ERR" "is a symbolic link; refused"
assert_eq "a symlinked journal: no request" "[]" "$(emu_requests "$SRC5" | jq -c .)"
# A migration that fails at the destination records errors; status shows them.
start_emu SRC4 --seed "$FIX/seed-export.jsonl" --api-key "$SKEY"
TTS_API_URL=$SRC4 DEST_TTS_API_URL=$DST3 DEST_TTS_APP_API_KEY=NNSXS.SECRETSTEST.WRONGS3cr3tV4lu3 \
	run_tool tts device otaa-dev --to-dest --journal "$TMP/j/fail.db" --verbose
assert_rc "--to-dest with a wrong destination key: exit 1" 1
no_secrets "failing --to-dest: stdout and stderr clean" "$OUT" "$ERR"
assert_mode "failing --to-dest: journal 0600" "$TMP/j/fail.db" 600
run_tool status --journal "$TMP/j/fail.db" --verbose --report "$TMP/j/status.json"
assert_rc "status: exit 0" 0
assert_contains "status lists the failure" "$OUT" "otaa-dev"
no_secrets "status --verbose: stdout and stderr clean" "$OUT" "$ERR"
assert_mode "status --report is 0600" "$TMP/j/status.json" 600
no_secrets "status report clean" "$TMP/j/status.json"
run_tool status --journal "$TMP/j/journal.db" --verbose
no_secrets "status of the done journal: stdout and stderr clean" "$OUT" "$ERR"

# --- commands without a server ------------------------------------------------------------------
for cmd in "sources" "--help" "help" "tts device --help" "import --help" "status --help" "--version"; do
	# shellcheck disable=SC2086
	run_tool $cmd --verbose
	no_secrets "'$cmd' (key in the environment): stdout and stderr clean" "$OUT" "$ERR"
done

# --- --redact ---------------------------------------------------------------------------------
run_tool tts device otaa-dev abp-dev otaa-nosess --redact --dry-run --verbose
assert_rc "--redact --dry-run: exit 0" 0
no_secrets "--redact: no key in the export" "$OUT"
no_secrets "--redact: stderr clean" "$ERR"
assert_jq "--redact: keys are zeros of the same length" "$OUT" \
	'[.[] | .. | objects | select(has("key")) | .key] | length >= 5 and all(. == "00000000000000000000000000000000")'
assert_jq "--redact: session_key_id and the rest are kept" "$OUT" \
	'any(.[]; .session.keys.session_key_id == "eVNOD7hXFrwVAnqypet9Og==" and .session.dev_addr == "260B2F9D" and .session.last_f_cnt_up == 64)'
emu_clear_requests "$SRC"
run_tool tts device otaa-dev --redact
assert_rc "--redact without --dry-run: refused (exit 2)" 2
assert_contains "--redact without --dry-run: says why" "$ERR" "--redact needs --dry-run"
assert_eq "--redact without --dry-run: nothing read or written at the source" "[]" "$(emu_requests "$SRC")"
run_tool tts device otaa-dev --redact --to-dest --journal "$TMP/j/redact.db"
assert_rc "--redact --to-dest: refused (exit 2)" 2
