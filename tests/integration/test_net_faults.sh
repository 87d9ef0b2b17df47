#!/usr/bin/env bash
# The network layer under faults (issues 10 and 11):
#  - "apply, then drop the answer" on every write route: every device created
#    exactly once, no false failure, no rollback of our own device;
#  - only The Things Stack's own not-found errors mean "not there": an
#    ingress's plain-text 404 is a fault (retried, then reported);
#  - key material quoted by a server error stays out of stderr, the journal,
#    status and the report;
#  - Ctrl-C ends backoff and pacing waits within a second (exit 130);
#  - the circuit breaker stops a run whose key lacks a right.
. "$(dirname "$0")/lib.sh"

N=12
"$FIX/gen-devices.sh" $N nf-app >"$TMP/seed.jsonl"
export TTS_APP_ID=nf-app TTS_APP_API_KEY=$KEY DEST_TTS_APP_ID=nf-app DEST_TTS_APP_API_KEY=$KEY

# ms since the epoch
now_ms() { date +%s%3N; }

# interrupt_after SECS ERRFILE ARGS...: runs the tool with real sleeps, sends
# SIGINT after SECS; sets RC and TOOK (ms from the signal to the exit). A tool
# that does not stop is killed after 10 s (RC 137).
interrupt_after() {
	local secs=$1 errf=$2
	shift 2
	(
		unset TTNM_TEST_NO_SLEEP
		exec "$BIN" "$@"
	) >/dev/null 2>"$errf" &
	local pid=$! t0 i
	sleep "$secs"
	t0=$(now_ms)
	kill -INT "$pid"
	for i in $(seq 1 200); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	wait "$pid"
	RC=$?
	TOOK=$(($(now_ms) - t0))
	ERR=$errf
}

# Devices held by each component of an emulator, as "IS JS NS AS" counts of
# unique ids.
counts() {
	emu_devices "$1" | jq -r '[.is, .js, .ns, .as] | map([.[].ids.device_id] | unique | length) | map(tostring) | join(" ")'
}

# --- 1. apply, then drop ------------------------------------------------------

# import: IS create (POST), JS/NS/AS Set (PUT). Every 3rd write is applied and
# its answer lost.
start_emu DROP1 --apply-drop-every 3
jq -c 'del(.created_at, .updated_at)' "$TMP/seed.jsonl" >"$TMP/devices.jsonl"
DEST_TTS_API_URL=$DROP1 run_tool import --concurrency 2 "$TMP/devices.jsonl"
assert_rc "apply-drop import: exit 0 (no false failure)" 0
assert_eq "apply-drop import: every device on every component" "$N $N $N $N" "$(counts "$DROP1")"
emu_requests "$DROP1" >"$TMP/drop1.json"
assert_eq "apply-drop import: answers were dropped (the fault happened)" true \
	"$(jq '[.[] | select(.answer_dropped)] | length > 3' "$TMP/drop1.json")"
assert_eq "apply-drop import: each device created exactly once (one POST each)" "$N" \
	"$(jq '[.[] | select(.method == "POST" and (.path | test("^/api/v3/applications/[^/]+/devices$")))] | length' "$TMP/drop1.json")"
assert_eq "apply-drop import: no 409 (no create repeated)" 0 \
	"$(jq '[.[] | select(.status == 409)] | length' "$TMP/drop1.json")"
assert_eq "apply-drop import: nothing rolled back (no DELETE)" 0 \
	"$(jq '[.[] | select(.method == "DELETE")] | length' "$TMP/drop1.json")"
assert_not_contains "apply-drop import: no device reported as already registered" "$ERR" "already registered"

# export with --tts.delete-source-device: single and batch deletes.
start_emu DROP2 --seed "$TMP/seed.jsonl" --apply-drop-every 2
TTS_API_URL=$DROP2 run_tool tts application nf-app --tts.delete-source-device --concurrency 2
assert_rc "apply-drop delete-source: exit 0" 0
assert_eq "apply-drop delete-source: every device exported once" "$N $N" \
	"$(jq -r '.ids.device_id' "$OUT" | wc -l) $(jq -r '.ids.device_id' "$OUT" | sort -u | wc -l)"
assert_eq "apply-drop delete-source: every exported device has its AppKey" "$N" \
	"$(jq -r 'select(.root_keys.app_key.key) | .ids.device_id' "$OUT" | wc -l)"
assert_eq "apply-drop delete-source: the source is empty" "0 0 0 0" "$(counts "$DROP2")"
assert_eq "apply-drop delete-source: answers of deletes were dropped" true \
	"$(emu_requests "$DROP2" | jq '[.[] | select(.answer_dropped and .method == "DELETE")] | length > 0')"

# --to-dest between two emulators, both dropping answers.
start_emu DROP3S --seed "$TMP/seed.jsonl" --apply-drop-every 3
start_emu DROP3D --apply-drop-every 3
TTS_API_URL=$DROP3S DEST_TTS_API_URL=$DROP3D run_tool tts application nf-app --to-dest \
	--journal "$TMP/drop3.db" --concurrency 2
assert_rc "apply-drop --to-dest: exit 0" 0
assert_eq "apply-drop --to-dest: every device at the destination" "$N $N $N $N" "$(counts "$DROP3D")"
assert_eq "apply-drop --to-dest: the source is empty (nothing live twice)" "0 0 0 0" "$(counts "$DROP3S")"
emu_requests "$DROP3D" >"$TMP/drop3.json"
assert_eq "apply-drop --to-dest: one create per device at the destination, no 409, no DELETE" "$N 0 0" \
	"$(jq -r '[([.[] | select(.method == "POST" and (.path | test("^/api/v3/applications/[^/]+/devices$")))] | length), ([.[] | select(.status == 409)] | length), ([.[] | select(.method == "DELETE")] | length)] | map(tostring) | join(" ")' "$TMP/drop3.json")"
assert_eq "apply-drop --to-dest: every AppKey arrived" "$N" \
	"$(emu_devices "$DROP3D" | jq '[.js[] | select(.root_keys.app_key.key)] | length')"

# --- 2. a 404 must be The Things Stack's ---------------------------------------

# The JS read answered by an ingress: an error for that device, its AppKey is
# not dropped, nothing deleted.
start_emu I404A --seed "$TMP/seed.jsonl" --ingress-404-route GET:/js/
TTS_API_URL=$I404A run_tool tts device dev-000001 --tts.delete-source-device
assert_rc "ingress 404 on the JS read: exit 1" 1
assert_contains "ingress 404 on the JS read: the error names the device and the JS" "$ERR" \
	'device "dev-000001": reading from the Join Server: HTTP 404'
assert_not_contains "ingress 404 on the JS read: not taken as 'not on the Join Server'" "$ERR" "not on the Join Server"
assert_eq "ingress 404 on the JS read: no device exported without its AppKey" 0 \
	"$(jq -r 'select(.root_keys.app_key.key | not) | .ids.device_id' "$OUT" | wc -l)"
assert_eq "ingress 404 on the JS read: nothing deleted" 0 "$(emu_writes "$I404A" | jq length)"
assert_eq "ingress 404 on the JS read: retried like a 503" true \
	"$(emu_requests "$I404A" | jq '[.[] | select(.method == "GET" and (.path | startswith("/api/v3/js/")))] | length > 1')"

# grpc-gateway's body for an unknown route is not a device's not-found either.
start_emu I404G --seed "$TMP/seed.jsonl" --fail-route GET:/js/:404
TTS_API_URL=$I404G run_tool tts device dev-000001 --tts.delete-source-device
assert_rc "a TTS 404 that is not a not-found name: exit 1" 1
assert_eq "a TTS 404 that is not a not-found name: nothing deleted" 0 "$(emu_writes "$I404G" | jq length)"

# The NS delete answered by an ingress: not counted as deleted.
start_emu I404S --seed "$TMP/seed.jsonl" --ingress-404-route DELETE:/ns/
start_emu I404D
TTS_API_URL=$I404S DEST_TTS_API_URL=$I404D run_tool tts device dev-000001 dev-000002 --to-dest \
	--journal "$TMP/i404.db"
assert_rc "ingress 404 on the NS delete: exit 1" 1
assert_contains "ingress 404 on the NS delete: the error names the NS" "$ERR" "Network Server"
assert_eq "ingress 404 on the NS delete: the sessions are still at the source NS (not deleted)" 2 \
	"$(emu_devices "$I404S" | jq '[.ns[] | select(.ids.device_id == "dev-000001" or .ids.device_id == "dev-000002")] | length')"
run_tool status --journal "$TMP/i404.db"
assert_not_contains "ingress 404 on the NS delete: status does not say done" "$OUT" "errors    0"

# Flapping: every 4th request answers the ingress 404, at both ends.
start_emu FLAPS --seed "$TMP/seed.jsonl" --ingress-404-every 4
start_emu FLAPD --ingress-404-every 4
TTS_API_URL=$FLAPS DEST_TTS_API_URL=$FLAPD run_tool tts application nf-app --to-dest \
	--journal "$TMP/flap.db" --concurrency 2
assert_rc "flapping 404: exit 0" 0
assert_eq "flapping 404: every device at the destination" "$N $N $N $N" "$(counts "$FLAPD")"
assert_eq "flapping 404: nothing left at the source (nothing live twice)" "0 0 0 0" "$(counts "$FLAPS")"
assert_eq "flapping 404: every AppKey arrived (nothing lost)" "$N" \
	"$(emu_devices "$FLAPD" | jq '[.js[] | select(.root_keys.app_key.key)] | length')"
assert_eq "flapping 404: the fault happened" true \
	"$(emu_requests "$FLAPS" | jq '[.[] | select(.status == 404)] | length > 2')"

# --- 3. secrets in echoed errors -------------------------------------------------

start_emu ECHOS --seed "$TMP/seed.jsonl"
start_emu ECHOD --echo-body-errors --echo-body-route PUT:/js/
head -n 3 "$TMP/seed.jsonl" | jq -r '.ids.device_id' >"$TMP/echo.ids"
TTS_API_URL=$ECHOS DEST_TTS_API_URL=$ECHOD run_tool tts device $(cat "$TMP/echo.ids") --to-dest \
	--journal "$TMP/echo.db" --report "$TMP/echo-report.json"
assert_rc "echoed body: exit 1" 1
assert_contains "echoed body: the error is reported" "$ERR" "invalid request body"
cp "$ERR" "$TMP/echo.err"
# The journal keeps each export (keys included: restore needs them) in its
# export column; everything else of it, the errors first, must be key-free.
sqlite3 "$TMP/echo.db" "SELECT src_app, src_dev, state, error, attempts, frozen_from FROM devices;
	SELECT * FROM meta;" >"$TMP/echo.dump"
run_tool status --journal "$TMP/echo.db"
cp "$OUT" "$TMP/echo.status"
cat "$ERR" >>"$TMP/echo.status"
DEST_TTS_API_URL=$ECHOD run_tool import --report "$TMP/echo-import.json" "$TMP/devices.jsonl"
cp "$ERR" "$TMP/echo-import.err"
for f in echo.err echo.dump echo.status echo-report.json echo-import.err echo-import.json; do
	# Root keys A0A0..., session keys B0B0... and C0C0... (gen-devices.sh).
	if grep -qiE 'A0A0A0A0A0A0A0A0|B0B0B0B0B0B0B0B0|C0C0C0C0C0C0C0C0' "$TMP/$f"; then
		not_ok "echoed body: no key in $f" "$(grep -oiE '.{40}(A0A0A0A0A0A0A0A0|B0B0B0B0B0B0B0B0|C0C0C0C0C0C0C0C0).{8}' "$TMP/$f" | head -2)"
	else ok "echoed body: no key in $f"; fi
done
assert_contains "echoed body: the journal holds the (scrubbed) error" "$TMP/echo.dump" "invalid request body"

# --- 4. Ctrl-C ends waits --------------------------------------------------------

# A long server-given backoff (Retry-After: 3000 s), real sleeps.
start_emu SLOW --seed "$TMP/seed.jsonl" --throttle-every 1 --retry-after 3000
TTS_API_URL=$SLOW interrupt_after 1.5 "$TMP/slow.err" tts device dev-000001
assert_rc "Ctrl-C during a 3000 s backoff: exit 130" 130
if [ "$TOOK" -le 1000 ]; then ok "Ctrl-C during a backoff: ended in ${TOOK} ms"; else
	not_ok "Ctrl-C during a backoff: ended within 1 s" "took ${TOOK} ms"; fi

# The same inside a migration: the journal stays true, nothing is lost.
start_emu SLOWS --seed "$TMP/seed.jsonl"
start_emu SLOWD --throttle-every 1 --retry-after 3000
TTS_API_URL=$SLOWS DEST_TTS_API_URL=$SLOWD interrupt_after 1.5 "$TMP/slow2.err" \
	tts device dev-000001 --to-dest --journal "$TMP/slow.db"
assert_rc "Ctrl-C during a backoff of --to-dest: exit 130" 130
if [ "$TOOK" -le 1000 ]; then ok "Ctrl-C during a backoff of --to-dest: ended in ${TOOK} ms"; else
	not_ok "Ctrl-C during a backoff of --to-dest: ended within 1 s" "took ${TOOK} ms"; fi
assert_eq "Ctrl-C during a backoff of --to-dest: the device is still whole at the source" "1 1 1 1" \
	"$(emu_devices "$SLOWS" | jq -r '[.is, .js, .ns, .as] | map([.[] | select(.ids.device_id == "dev-000001")] | length | tostring) | join(" ")')"
assert_eq "Ctrl-C during a backoff of --to-dest: nothing at the destination" "0 0 0 0" "$(counts "$SLOWD")"
run_tool status --journal "$TMP/slow.db"
assert_rc "Ctrl-C during a backoff of --to-dest: status reads the journal" 0
assert_not_contains "Ctrl-C during a backoff of --to-dest: status does not say verified" "$OUT" "verified  1"

# A pacing wait: 2 requests a minute, so the tool spaces requests 30 s apart.
start_emu PACE --seed "$TMP/seed.jsonl" --rate-limit 2
TTS_API_URL=$PACE interrupt_after 1.5 "$TMP/pace.err" tts application nf-app
assert_rc "Ctrl-C during a rate-limit wait: exit 130" 130
if [ "$TOOK" -le 1000 ]; then ok "Ctrl-C during a rate-limit wait: ended in ${TOOK} ms"; else
	not_ok "Ctrl-C during a rate-limit wait: ended within 1 s" "took ${TOOK} ms"; fi

# --- 5. the circuit breaker -------------------------------------------------------

head -n 10 "$TMP/devices.jsonl" >"$TMP/ten.jsonl"
start_emu NOJS --missing-right PUT:/js/:RIGHT_APPLICATION_DEVICES_WRITE_KEYS
DEST_TTS_API_URL=$NOJS run_tool import --concurrency 1 "$TMP/ten.jsonl"
assert_rc "key without JS rights: exit 1" 1
assert_eq "key without JS rights: one line names the missing right" 1 \
	"$(grep -c 'error: stopping the run: the destination API key lacks the right RIGHT_APPLICATION_DEVICES_WRITE_KEYS' "$ERR")"
assert_eq "key without JS rights: the run stopped after 3 devices (3 creates, 3 JS Sets)" "3 3" \
	"$(emu_requests "$NOJS" | jq -r '"\([.[] | select(.method == "POST")] | length) \([.[] | select(.method == "PUT" and (.path | startswith("/api/v3/js/")))] | length)"')"
assert_eq "key without JS rights: nothing left half-created" "0 0 0 0" "$(counts "$NOJS")"

# The same with a plain 403 that does not name the right (--fail-route).
start_emu NOJS2 --fail-route PUT:/js/:403
DEST_TTS_API_URL=$NOJS2 run_tool import --concurrency 1 "$TMP/ten.jsonl"
assert_rc "plain 403 on the JS: exit 1" 1
assert_contains "plain 403 on the JS: the line says which rights the JS write needs" "$ERR" \
	"stopping the run: the destination API key is not allowed to do this"
assert_contains "plain 403 on the JS: names the rights" "$ERR" "RIGHT_APPLICATION_DEVICES_WRITE_KEYS"
assert_eq "plain 403 on the JS: 3 devices tried, not 10" 3 \
	"$(emu_requests "$NOJS2" | jq '[.[] | select(.method == "POST")] | length')"
