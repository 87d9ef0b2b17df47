#!/usr/bin/env bash
# Command-line surface: help everywhere, usage errors, the man page in sync.
. "$(dirname "$0")/lib.sh"

for cmd in "--help" "help" "tts device --help" "tts application --help" "device --source tts --help" \
	"application --source tts -h" "sources --help" "tts --help"; do
	# shellcheck disable=SC2086
	run_tool $cmd
	assert_rc "'$cmd' exits 0" 0
	assert_contains "'$cmd' prints usage" "$OUT" "Usage:"
done
run_tool tts device --help
assert_contains "tts help lists TTS_APP_API_KEY" "$OUT" '$TTS_APP_API_KEY'
assert_contains "tts help lists --delete-source-device" "$OUT" "--delete-source-device"
run_tool device --source tts --help
assert_contains "legacy help spells --tts.app-id" "$OUT" "--tts.app-id"

run_tool --version
assert_rc "--version exits 0" 0

run_tool
assert_rc "no command: exit 2" 2
run_tool frobnicate
assert_rc "unknown command: exit 2" 2
assert_contains "unknown command named" "$ERR" '"frobnicate"'
run_tool tts device x --no-such-flag
assert_rc "unknown flag: exit 2" 2
assert_contains "unknown flag named" "$ERR" "--no-such-flag"
run_tool device x
assert_rc "legacy form without --source: exit 2" 2
run_tool device --source nope x
assert_rc "unknown source: exit 2" 2
run_tool tts device x --app-id
assert_rc "flag without value: exit 2" 2
TTS_NO_SESSION=maybe TTS_APP_API_KEY=$KEY TTS_API_URL=http://127.0.0.1:1 TTS_APP_ID=a run_tool tts device x
assert_rc "bad boolean env: exit 2" 2
assert_contains "bad boolean env named" "$ERR" "TTS_NO_SESSION"
run_tool tts device x --timeout=abc
assert_rc "bad integer flag: exit 2" 2
run_tool tts device x
assert_rc "no API key: exit 2" 2
assert_contains "no API key: says which variable" "$ERR" "TTS_APP_API_KEY"
TTS_APP_API_KEY=$KEY run_tool tts device x
assert_rc "no URL: exit 2" 2
assert_contains "no URL: says which variable" "$ERR" "TTS_API_URL"
TTS_APP_API_KEY=$KEY TTS_API_URL=https://127.0.0.1:1 run_tool tts device x --ca-file "$TMP/no-such-ca.pem"
assert_rc "unreadable --ca-file: exit 2" 2
assert_contains "unreadable --ca-file named" "$ERR" "no-such-ca.pem"
printf '%s\n' "$KEY" >"$TMP/key"
TTS_API_URL=http://example.com run_tool tts device x --app-api-key-file "$TMP/key"
assert_contains "--app-api-key-file is read (then the URL is refused)" "$ERR" "plain http://"

"$BIN" man >"$TMP/man.1"
if cmp -s "$TMP/man.1" "$ROOT/docs/ttn-lw-migrate.1"; then ok "docs/ttn-lw-migrate.1 matches the option tables"; else
	not_ok "docs/ttn-lw-migrate.1 matches the option tables" "regenerate: build/ttn-lw-migrate man > docs/ttn-lw-migrate.1"
fi

# Commands without options of their own still refuse an unknown flag.
run_tool sources --bogus-flag
assert_rc "sources --bogus-flag: exit 2" 2
assert_contains "sources --bogus-flag: named" "$ERR" "unknown flag --bogus-flag"
# status, resume and restore act on an existing journal: a mistyped path is
# an error, and leaves no empty journal behind.
for c in status resume "restore dev-1"; do
	run_tool $c --journal "$TMP/no-such.db"
	assert_rc "$c of a missing journal: exit 1" 1
	assert_contains "$c of a missing journal: said" "$ERR" "no-such.db: no such file"
	assert_eq "$c of a missing journal: no file made" "absent" "$([ -e "$TMP/no-such.db" ] && echo present || echo absent)"
done
