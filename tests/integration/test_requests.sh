#!/usr/bin/env bash
# Requests per device, counted by the emulators (bench/requests.sh): every
# operation at or below its limit, with every device done. Counts, not times.
# Then the same migration with 429s from both ends: the answered requests stay
# at the limit (retries are counted apart) and every device is still done.
. "$(dirname "$0")/lib.sh"

N=${REQ_DEVICES:-200}

# The limits per OTAA device at N=200 (issue 13's targets; see the README,
# "What a migration costs in requests", for what decides each count).
limit() {
	case $1 in
	export) echo 3.05 ;;     # IS fields from the list pages, NS, AS, JS gets
	export-ids) echo 3.1 ;;  # IS batch get per 20, NS, AS, JS gets
	export-off) echo 4.05 ;; # + the NS Set that stops the device's downlinks
	export-del) echo 3.3 ;;  # + AS, NS, JS, IS batch deletes per 20
	import) echo 4.02 ;;     # IS create, JS, NS, AS sets; NetID and prefixes once
	# the NS downlink setting read before the freeze, the freeze, NS, AS,
	# JS gets, 4 creates verified from their answers, batch deletes
	migrate) echo 9.25 ;;
	migrate-rb) echo 12.25 ;; # + NS, AS, JS read back at the destination
	esac
}

check_table() { # FILE LABEL
	local op done rpd retries
	while IFS=$'\t' read -r op done rpd retries _ _; do
		assert_eq "$2$op: every device done" "$N" "$done"
		if awk -v a="$rpd" -v b="$(limit "$op")" 'BEGIN { exit !(a <= b) }'; then
			ok "$2$op: $rpd requests per device <= $(limit "$op")"
		else
			not_ok "$2$op: $rpd requests per device, limit $(limit "$op")"
		fi
	done <"$1"
}

BUILD="$BUILD" FORMAT=tsv "$ROOT/bench/requests.sh" "$N" >"$TMP/table" 2>"$TMP/bench.err"
assert_eq "bench ran every operation" 7 "$(wc -l <"$TMP/table")"
[ -s "$TMP/bench.err" ] && not_ok "bench: no errors" "$(head -c 600 "$TMP/bench.err")"
check_table "$TMP/table" ""

# 429s: every 9th request at both ends is throttled (Retry-After: 1 and
# X-Rate-Limit-Retry; TTNM_TEST_NO_SLEEP keeps the waits short).
EMU_ARGS="--throttle-every 9 --retry-after 1" OPS="export-del migrate" BUILD="$BUILD" FORMAT=tsv \
	"$ROOT/bench/requests.sh" "$N" >"$TMP/table429" 2>"$TMP/bench429.err"
check_table "$TMP/table429" "with 429s: "
if awk -F'\t' '{ if ($4 <= 0) bad = 1 } END { exit bad }' "$TMP/table429"; then
	ok "with 429s: the retries are counted apart"
else
	not_ok "with 429s: no retries counted" "$(cat "$TMP/table429")"
fi
