#!/usr/bin/env bash
# Crash safety: a 200-device migration is killed (SIGKILL, right after a
# request got its answer) over and over at chosen points, resumed each time,
# until done. Then: every device exists exactly once at the destination,
# identical to its source; none is lost; the source holds none of them.
. "$(dirname "$0")/lib.sh"

N=${CRASH_DEVICES:-200}
"$FIX/gen-devices.sh" "$N" crash-app >"$TMP/seed.jsonl"
start_emu SRC --seed "$TMP/seed.jsonl"
start_emu DST
export TTS_APP_ID=crash-app TTS_APP_API_KEY=$KEY TTS_API_URL=$SRC
export DEST_TTS_APP_ID=crash-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$DST
J="$TMP/crash.db"
"$BIN" tts application crash-app --dry-run >"$TMP/before.json" 2>/dev/null

# Kill points: every request of the first device (each step of the state
# machine), then pseudo-random gaps through the rest of the run.
points=()
for k in $(seq 1 18); do points+=("$k"); done
RANDOM=42
for k in $(seq 1 ${CRASH_RANDOM_POINTS:-400}); do points+=($((RANDOM % 60 + 1))); done

# A few workers, so that each run gets devices through whole steps; the
# last points use the default concurrency (many devices in flight).
kills=0
first=1
n=0
for k in "${points[@]}"; do
	n=$((n + 1))
	C=2
	[ $((n % 10)) -eq 0 ] && C=32
	if [ $first -eq 1 ]; then
		# The subshell keeps bash's "Killed" notice out of the log.
		(TTNM_TEST_KILL_AFTER_REQUESTS=$k "$BIN" tts application crash-app --to-dest --journal "$J" --quiet --concurrency "$C" >/dev/null 2>>"$TMP/crash.err"; exit $?) 2>/dev/null
		rc=$?
		first=0
	else
		(TTNM_TEST_KILL_AFTER_REQUESTS=$k "$BIN" resume --journal "$J" --quiet --concurrency "$C" >/dev/null 2>>"$TMP/crash.err"; exit $?) 2>/dev/null
		rc=$?
	fi
	if [ $rc -eq 137 ]; then kills=$((kills + 1)); else break; fi
done
run_tool resume --journal "$J" --quiet
assert_rc "final resume exits 0" 0
echo "    crash test: $kills kills at ${#points[@]} planned points, $N devices" >&2
if [ "$kills" -ge 50 ]; then ok "the run was killed at least 50 times ($kills)"; else not_ok "the run was killed at least 50 times ($kills)"; fi
assert_eq "the last planned kill point was not needed (the run finished)" 1 "$([ "$kills" -lt "${#points[@]}" ] && echo 1)"
grep -v "^$" "$TMP/crash.err" | grep -v "info:" | head -5 >&2 || true

devs=$(emu_devices "$DST")
assert_eq "every device exactly once at the destination (IS, JS, NS, AS)" "$N $N $N $N $N" \
	"$(jq -r '"\(.is | length) \([.is[].ids.device_id] | unique | length) \(.js | length) \(.ns | length) \(.as | length)"' <<<"$devs")"
assert_eq "the source holds none of them" 0 "$(emu_devices "$SRC" | jq '[.[][]] | length')"
TTS_API_URL=$DST "$BIN" tts application crash-app --dry-run >"$TMP/after.json" 2>/dev/null
NORM='del(.created_at, .updated_at, .session.started_at) | .session.keys |= (.s_nwk_s_int_key //= .f_nwk_s_int_key | .nwk_s_enc_key //= .f_nwk_s_int_key)'
# The destination counts downlinks from 32 past the source's (the margin of
# create_first.c), exactly once however often the run was killed.
SKIP='if .session then .session.last_n_f_cnt_down = ((.session.last_n_f_cnt_down // 0) + 32) | if .session.last_a_f_cnt_down then .session.last_a_f_cnt_down += 32 else . end else . end'
if cmp -s <(jq -cS "$NORM | $SKIP" "$TMP/before.json" | sort) <(jq -cS "$NORM" "$TMP/after.json" | sort); then
	ok "all $N devices identical to their source (keys, counters + the downlink margin, MAC state)"
else
	not_ok "all $N devices identical to their source" \
		"$(diff <(jq -cS "$NORM | $SKIP" "$TMP/before.json" | sort) <(jq -cS "$NORM" "$TMP/after.json" | sort) | head -5)"
fi
run_tool status --journal "$J"
assert_contains "journal: all verified" "$OUT" "verified  $N"
assert_contains "journal: no errors left" "$OUT" "errors    0"
