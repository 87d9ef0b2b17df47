#!/usr/bin/env bash
# Options per command: every command refuses a flag it does not take (exit 2,
# one line naming the flag and the command), its --help lists every option it
# takes, the man page holds every command, option and environment variable,
# and a flag wins over its environment variable, which wins over the default.
# The lists come from the tool's hidden `_options` listing (the tables), so a
# new command or option is covered without editing this file.
. "$(dirname "$0")/lib.sh"

run_tool _options
assert_rc "_options exits 0" 0
LIST="$TMP/options.tsv"
cp "$OUT" "$LIST"
if [ "$(wc -l <"$LIST")" -ge 50 ]; then ok "_options lists the options"; else
	not_ok "_options lists the options" "$(head -c 300 "$LIST")"
fi
mapfile -t CMDS < <(cut -f1 "$LIST" | awk '!seen[$0]++')
# The tool's own options, over all commands (the candidates for "inapplicable").
mapfile -t TOOL_OPTS < <(awk -F'\t' '$5 == "tool" {print $2}' "$LIST" | sort -u)
# A source option that no tool or destination table has (e.g. --delete-source-device).
SRC_ONLY=$(comm -23 <(awk -F'\t' '$5 == "source" && $2 !~ /\./ {print $2}' "$LIST" | sort -u) \
	<(awk -F'\t' '$5 != "source" {print $2}' "$LIST" | sed 's/^--dest\./--/' | sort -u) | head -n1)
SRC_NAME=$(awk -F'\t' '$5 == "source" && $2 ~ /\./ {split($2, p, "."); print substr(p[1], 3); exit}' "$LIST")
DEST_OPT=$(awk -F'\t' '$5 == "dest" && $2 ~ /^--dest\./ {print $2; exit}' "$LIST")
[ -n "$SRC_ONLY" ] && [ -n "$SRC_NAME" ] && [ -n "$DEST_OPT" ] && ok "found a source and a destination option" ||
	not_ok "found a source and a destination option" "src-only=$SRC_ONLY source=$SRC_NAME dest=$DEST_OPT"

# The command as error messages name it: "tts device", "device", "status".
cmd_name() { sed 's/ --source .*//' <<<"$1"; }
takes() { awk -F'\t' -v c="$1" -v o="$2" '$1 == c && $2 == o {f = 1} END {exit !f}' "$LIST"; }
# refuse DESC WORDS FLAG...: the flag is refused with exit 2, in one line
# naming the flag (as typed) and the command.
refuse() {
	local desc=$1 words=$2 flag=$3
	shift 2
	# shellcheck disable=SC2086
	run_tool $words "$@" </dev/null
	local name
	name=$(cmd_name "$words")
	if [ "$RC" -eq 2 ] && grep -qF -- "${flag%%=*}" "$ERR" && grep -qF -- "$name: " "$ERR" &&
		[ "$(wc -l <"$ERR")" -eq 1 ]; then
		ok "$desc"
	else
		not_ok "$desc" "exit $RC; stderr: $(head -c 300 "$ERR")"
	fi
}

for words in "${CMDS[@]}"; do
	refuse "'$words --bogus-flag': refused" "$words" --bogus-flag
	refuse "'$words -Z': refused" "$words" -Z
	n=0
	for opt in "${TOOL_OPTS[@]}"; do
		takes "$words" "$opt" && continue
		refuse "'$words $opt': does not apply" "$words" "$opt=1"
		n=$((n + 1))
	done
	if ! awk -F'\t' -v c="$words" '$1 == c && $5 == "source" {f = 1} END {exit !f}' "$LIST"; then
		refuse "'$words $SRC_ONLY': a source's option does not apply" "$words" "$SRC_ONLY=1"
		refuse "'$words --$SRC_NAME.app-id': does not apply" "$words" "--$SRC_NAME.app-id=x"
	fi
	if ! awk -F'\t' -v c="$words" '$1 == c && $5 == "dest" {f = 1} END {exit !f}' "$LIST"; then
		refuse "'$words $DEST_OPT': a destination option does not apply" "$words" "$DEST_OPT=x"
		refuse "'$words --dest-${DEST_OPT#--dest.}': does not apply" "$words" "--dest-${DEST_OPT#--dest.}=x"
	fi
done
# The examples of the issue, as typed (the value as the next word).
refuse "'status --page-size 5': does not apply" status --page-size 5
refuse "'sources --dest-api-url x': does not apply" sources --dest-api-url x
refuse "'clean --journal j': does not apply" clean --journal j
refuse "'tts device --verify': does not apply" "tts device" --verify
refuse "'import --to-dest': does not apply" import --to-dest
# check takes the tts source's connection options (for --coverage), not its others.
refuse "'check --tts.delete-source-device': does not apply" check --tts.delete-source-device
refuse "'check --no-session': does not apply" check --no-session

# --help of each command lists each option it takes, with its short form and
# its environment variable.
for words in "${CMDS[@]}"; do
	# shellcheck disable=SC2086
	run_tool $words --help
	assert_rc "'$words --help' exits 0" 0
	missing=""
	while IFS=$'\t' read -r w opt short env _; do
		[ "$w" == "$words" ] || continue
		grep -qF -- "$opt" "$OUT" || missing+=" $opt"
		[ "$short" == "-" ] || grep -qF -- "$short, $opt" "$OUT" || missing+=" $short"
		[ "$env" == "-" ] || grep -qF -- "[\$$env]" "$OUT" || missing+=" \$$env"
	done <"$LIST"
	assert_eq "'$words --help' lists every option it takes" "" "$missing"
done
run_tool clean --help
assert_contains "clean --help: -o" "$OUT" "-o, --output FILE"
run_tool import --help
assert_contains "import --help: -v" "$OUT" "-v, --verbose"
assert_contains "import --help: -q" "$OUT" "-q, --quiet"
assert_contains "import --help: DEST_TTS_APP_API_KEY" "$OUT" '[$DEST_TTS_APP_API_KEY]'
run_tool status --help
assert_not_contains "status --help: no --output" "$OUT" "--output"

# The short forms are the long options.
printf '%s\n' '{"ids":{"device_id":"d1","application_ids":{"application_id":"a"},"dev_addr":"01020304"},"network_server_address":"x"}' >"$TMP/in.json"
run_tool clean -q -o "$TMP/clean.json" "$TMP/in.json"
assert_rc "clean -q -o FILE: exit 0" 0
assert_eq "clean -o FILE: written there" '{"ids":{"device_id":"d1","application_ids":{"application_id":"a"}}}' \
	"$(jq -c . "$TMP/clean.json")"
assert_eq "clean -q: nothing on stderr" "" "$(cat "$ERR")"
run_tool clean "$TMP/in.json" -v
assert_contains "clean -v: the summary" "$ERR" "1 devices written"

# Repeatable options collect every occurrence.
run_tool import --allow key-all-zero --allow no-such-rule </dev/null
assert_rc "--allow twice: the second is checked too (exit 2)" 2
assert_contains "--allow twice: the second named" "$ERR" "no-such-rule"

# Precedence: flag > environment > default.
start_emu SRC --seed "$FIX/seed-export.jsonl"
start_emu DST
export TTS_APP_ID=my-app TTS_APP_API_KEY=$KEY
DEAD=http://127.0.0.1:1
TTS_API_URL=$DEAD run_tool tts device otaa-dev --dry-run --api-url "$SRC"
assert_rc "--api-url over \$TTS_API_URL: exported" 0
assert_jq "--api-url over \$TTS_API_URL: the device" "$OUT" '.[0].ids.device_id == "otaa-dev"'
TTS_API_URL=$SRC run_tool tts device otaa-dev --dry-run
assert_rc "\$TTS_API_URL used without the flag" 0
run_tool tts device otaa-dev --dry-run
assert_rc "neither: no default URL (exit 2)" 2
assert_contains "neither: says TTS_API_URL" "$ERR" "TTS_API_URL"
TTS_API_URL=$SRC TTS_APP_ID=nope run_tool tts device otaa-dev --dry-run --tts.app-id my-app
assert_rc "--tts.app-id over \$TTS_APP_ID" 0
"$BIN" tts device otaa-dev --dry-run --api-url "$SRC" >"$TMP/dev.json" 2>/dev/null
export DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY=$KEY
DEST_TTS_API_URL=$DEAD run_tool import --dest-api-url "$DST" --retries 0 "$TMP/dev.json"
assert_rc "--dest-api-url over \$DEST_TTS_API_URL: imported" 0
assert_eq "--dest-api-url over \$DEST_TTS_API_URL: at the flag's server" "1" \
	"$(emu_devices "$DST" | jq '[.is[] | select(.ids.device_id == "otaa-dev")] | length')"
DEST_TTS_API_URL=$DEAD run_tool import --retries 0 "$TMP/dev.json"
assert_rc "\$DEST_TTS_API_URL used without the flag (a dead server: exit 1)" 1
TTS_BATCH_SIZE=abc run_tool tts device otaa-dev --dry-run --api-url "$SRC"
assert_rc "bad \$TTS_BATCH_SIZE: exit 2" 2
assert_contains "bad \$TTS_BATCH_SIZE: named" "$ERR" "TTS_BATCH_SIZE"
TTS_BATCH_SIZE=abc run_tool tts device otaa-dev --dry-run --api-url "$SRC" --batch-size 3
assert_rc "--batch-size over a bad \$TTS_BATCH_SIZE" 0
run_tool check --format json "$TMP/dev.json"
assert_jq "--format json over the default (table)" "$OUT" '.[0] | type == "array"'
run_tool check "$TMP/dev.json"
assert_not_contains "the default format is the table" "$OUT" '"severity"'

# The man page: every command of the main help, every option and every
# environment variable of every table.
MAN="$TMP/man.txt"
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' "$ROOT/docs/ttn-lw-migrate.1" >"$MAN"
run_tool --help
HELP="$OUT"
missing=""
for words in "${CMDS[@]}"; do
	c=$(cmd_name "$words")
	c=${c##* }
	grep -qE "^  ttn-lw-migrate ([A-Z]+ )?$c( |$)" "$HELP" || continue
	grep -qx ".SS $c" "$MAN" || missing+=" $c"
done
assert_eq "the man page has a section per command of --help" "" "$missing"
[ "$(grep -c '^\.SS ' "$MAN")" -ge 9 ] && ok "the man page has the commands" || not_ok "the man page has the commands"
missing=""
while IFS=$'\t' read -r _ opt short env kind; do
	o=${opt##*.}
	o=--${o#--}
	[ "$kind" == "dest" ] && o="--dest.${o#--}"
	grep -qF -- "$o" "$MAN" || missing+=" $o"
	[ "$short" == "-" ] || grep -qF -- "$short, $opt" "$MAN" || missing+=" $short"
	[ "$env" == "-" ] || awk '/^\.SH ENVIRONMENT/ {e = 1} /^\.SH EXIT/ {e = 0} e' "$MAN" | grep -qx ".B $env" ||
		missing+=" \$$env"
done < <(sort -u -t$'\t' -k2,5 "$LIST")
assert_eq "the man page has every option and environment variable" "" "$missing"
if command -v man >/dev/null; then
	MANWIDTH=80 man -l "$ROOT/docs/ttn-lw-migrate.1" >"$TMP/man.out" 2>"$TMP/man.err"
	assert_contains "man -l renders the page" "$TMP/man.out" "DEST_TTS_APP_API_KEY"
	assert_eq "man -l: no warnings" "" "$(cat "$TMP/man.err")"
fi
