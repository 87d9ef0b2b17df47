#!/usr/bin/env bash
# check --coverage (issue 14): each device with a session in class A/B/C/D from its recent
# uplinks and the source's gateway rights (GET /gateways/{id}/rights, each gateway asked once,
# never packetbroker), the plan, the stay-behind warning, --allow, offline mode, a refused key,
# exit statuses, the key never printed. Expectations from shared/spec/gateways.md §5.4, §5.5, §6;
# the gateways' owners are the emulator's (--user-key, --seed-gateways).
. "$(dirname "$0")/lib.sh"
unset TTS_IDENTITY_SERVER_URL 2>/dev/null || true

ALICE=NNSXS.ALICE.ALICESECRETPART
BOB=NNSXS.BOB.BOBSECRETPART
VIEWER=NNSXS.VIEWER.VIEWERSECRETPART # alice's key that may only see her gateways

cat >"$TMP/gws.jsonl" <<'EOF'
{"gateway":{"ids":{"gateway_id":"alice-gw-1","eui":"00800000A0000001"},"name":"Alice 1"},"owner":{"user_id":"alice"}}
{"gateway":{"ids":{"gateway_id":"alice-gw-2","eui":"00800000A0000002"},"name":"Alice 2"},"owner":{"user_id":"alice"}}
{"gateway":{"ids":{"gateway_id":"alice-idle"},"name":"Alice idle"},"owner":{"user_id":"alice"}}
{"gateway":{"ids":{"gateway_id":"bob-gw","eui":"00800000B0000001"},"name":"Bob's"},"owner":{"user_id":"bob"}}
EOF
start_emu E --seed "$FIX/seed-basic.jsonl" --seed-gateways "$TMP/gws.jsonl" --user-key "$ALICE=alice" --user-key "$BOB=bob" \
	--user-key "$VIEWER=alice" --key-rights VIEWER=RIGHT_USER_GATEWAYS_LIST,RIGHT_GATEWAY_INFO

# dev ID EUI UPLINKS: a good device (test_check's dev-addr-mismatch.good) with these recent
# uplinks, each a list of gateway ids ("pb" = an entry with the packet_broker marker only).
GOOD="$FIX/check/dev-addr-mismatch.good.jsonl"
dev() {
	jq -c --arg id "$1" --arg eui "$2" --argjson ups "$3" '.ids.device_id = $id | .ids.dev_eui = $eui
		| .mac_state.recent_uplinks = ($ups | map({received_at: "2026-01-01T00:00:00Z",
			rx_metadata: map(if . == "pb" then {packet_broker: {}, rssi: -100}
				else {gateway_ids: {gateway_id: .}, rssi: -90} end)}))' "$GOOD"
}
{
	dev dev-a 70B3D57ED43D9C01 '[["alice-gw-1"],["alice-gw-1","bob-gw"],["alice-gw-2"]]'
	dev dev-b 70B3D57ED43D9C02 '[["alice-gw-1"],["packetbroker"],["bob-gw"],["alice-gw-1"]]'
	dev dev-c 70B3D57ED43D9C03 '[["bob-gw"],["packetbroker"],["pb"],["ghost-gw"],["Not/An-ID"]]'
	dev dev-d 70B3D57ED43D9C04 '[]'
	dev dev-n 70B3D57ED43D9C05 '[["bob-gw"]]' | jq -c 'del(.session, .mac_state)'
	# refused by another rule (eui-duplicate: dev-a's DevEUI), heard by alice-gw-1: it stays behind.
	dev dev-r 70B3D57ED43D9C01 '[["alice-gw-1"],["bob-gw"]]'
} >"$TMP/devs.jsonl"

# class_of FILE DEV: the coverage-* rule of DEV in a JSON findings file ("" if none).
class_of() {
	jq -r --arg d "$2" '[.[] | select(.device_id == $d and (.rule | test("^coverage-[abcd]$")))
		| .rule] | join(",")' "$1"
}
rights_asked() {
	emu_requests "$E" | jq -c '[.[] | select(.path | test("^/api/v3/gateways/[^/]+/rights$"))
		| .path | capture("gateways/(?<g>[^/]+)/rights").g] | sort'
}
assert_jq1() { assert_jq "$1" "$2" ".[0] | $3"; } # on a file holding one JSON value
no_key_in() { # DESC: the secret parts appear in neither stdout nor stderr
	if grep -q -e ALICESECRETPART -e BOBSECRETPART -e VIEWERSECRETPART "$OUT" "$ERR"; then
		not_ok "$1: the key is never printed" "$(grep -h -e SECRETPART "$OUT" "$ERR" | head -3)"
	else ok "$1: the key is never printed"; fi
}

# --- online, alice's key: JSON --------------------------------------------------------------
emu_clear_requests "$E"
TTS_API_URL="$E" TTS_API_KEY="$ALICE" run_tool check --coverage --format json -v "$TMP/devs.jsonl"
assert_rc "online: exit 1 (class C and a refused device are errors)" 1
assert_jq1 "online: a JSON array" "$OUT" 'type == "array"'
assert_eq "dev-a: class A (every uplink by alice's gateways)" coverage-a "$(class_of "$OUT" dev-a)"
assert_eq "dev-b: class B (packetbroker and bob-gw alone on 2 of 4)" coverage-b "$(class_of "$OUT" dev-b)"
assert_eq "dev-c: class C (bob-gw, packetbroker, an unknown gateway, a bad ID)" coverage-c "$(class_of "$OUT" dev-c)"
assert_eq "dev-d: class D (no recent uplinks)" coverage-d "$(class_of "$OUT" dev-d)"
assert_eq "dev-n: no session, not classified" "" "$(class_of "$OUT" dev-n)"
assert_eq "dev-r: refused by another rule, not classified" "" "$(class_of "$OUT" dev-r)"
assert_jq1 "dev-b: the share (2 of 4, 50%)" "$OUT" \
	'any(.[]; .rule == "coverage-b" and (.message | test("2 of 4 recent uplinks \\(50%\\)")))'
assert_jq1 "dev-b: names the gateways that do not move" "$OUT" \
	'any(.[]; .rule == "coverage-b" and (.message | test("packetbroker")) and (.message | test("bob-gw")))'
assert_jq1 "dev-c: error, suggests --no-session" "$OUT" \
	'any(.[]; .rule == "coverage-c" and .severity == "error" and (.message | test("--no-session")))'
assert_jq1 "dev-d: a warning" "$OUT" 'any(.[]; .rule == "coverage-d" and .severity == "warning")'
assert_jq1 "findings name their input line" "$OUT" \
	'any(.[]; .rule == "coverage-c" and (.input | test("devs.jsonl:3$")))'
assert_jq1 "the plan: alice-gw-1 and alice-gw-2, not bob-gw nor alice-idle" "$OUT" \
	'any(.[]; .rule == "coverage-plan" and (.message | test("plan: 2 gateways \\(alice-gw-1, alice-gw-2\\)")))'
assert_jq1 "the summary counts the classes" "$OUT" \
	'any(.[]; .rule == "coverage-plan" and (.message | test("A 1, B 1, C 1, D 1; 1 without session")))'
assert_jq1 "stay-behind: alice-gw-1 also hears dev-r" "$OUT" \
	'any(.[]; .rule == "coverage-stay-behind" and (.message | test("alice-gw-1 .*dev-r")))'
assert_jq1 "stay-behind: not for alice-gw-2" "$OUT" \
	'all(.[]; .rule != "coverage-stay-behind" or (.message | test("alice-gw-2") | not))'
assert_jq1 "no rights finding: every lookup answered" "$OUT" 'all(.[]; .rule != "coverage-rights-unavailable")'
assert_eq "each gateway asked once, never packetbroker" '["alice-gw-1","alice-gw-2","bob-gw","ghost-gw"]' \
	"$(rights_asked)"
assert_contains "the summary line on stderr with --format json" "$ERR" "coverage: A 1, B 1, C 1, D 1"
no_key_in "online -v"

# --- the table, the key as a flag -------------------------------------------------------------
emu_clear_requests "$E"
run_tool check --coverage --api-url "$E" --api-key "$ALICE" "$TMP/devs.jsonl"
assert_rc "table: exit 1" 1
assert_contains "table: the class C row" "$OUT" "dev-c  coverage-c"
assert_eq "table: ends with the coverage summary and the plan" \
	"coverage: A 1, B 1, C 1, D 1; 1 without session (rejoins); 1 refused by other rules; plan: 2 gateways (alice-gw-1, alice-gw-2)" \
	"$(tail -n1 "$OUT")"
assert_eq "table: --api-key asks the same gateways" '["alice-gw-1","alice-gw-2","bob-gw","ghost-gw"]' "$(rights_asked)"
no_key_in "table"

# --- --allow: class C and the refused device go on ---------------------------------------------
TTS_API_URL="$E" TTS_API_KEY="$ALICE" run_tool check --coverage --format json \
	--allow coverage-c --allow eui-duplicate "$TMP/devs.jsonl"
assert_rc "--allow coverage-c,eui-duplicate: exit 0" 0
assert_jq1 "--allow: coverage-c is a warning" "$OUT" \
	'any(.[]; .rule == "coverage-c" and .severity == "warning" and (.message | test("allowed by --allow coverage-c")))'
assert_eq "--allow: dev-r now moves, class B" coverage-b "$(class_of "$OUT" dev-r)"
assert_jq1 "--allow: nothing stays behind" "$OUT" 'all(.[]; .rule != "coverage-stay-behind")'

# --- a key that sees alice's gateways but may not move them ------------------------------------
TTS_API_URL="$E" TTS_API_KEY="$VIEWER" run_tool check --coverage --format json "$TMP/devs.jsonl"
assert_eq "INFO-only key: dev-a is class C" coverage-c "$(class_of "$OUT" dev-a)"
assert_jq1 "INFO-only key: empty plan" "$OUT" \
	'any(.[]; .rule == "coverage-plan" and (.message | test("plan: 0 gateways")))'
no_key_in "INFO-only key"

# --- a key the source refuses ------------------------------------------------------------------
emu_clear_requests "$E"
TTS_API_URL="$E" TTS_API_KEY=NNSXS.NOBODY.NOBODYSECRETPART run_tool check --coverage --format json "$TMP/devs.jsonl"
assert_jq1 "refused key: one coverage-rights-unavailable" "$OUT" \
	'[.[] | select(.rule == "coverage-rights-unavailable")] | length == 1'
assert_eq "refused key: asked once, then stopped" 1 "$(rights_asked | jq length)"
assert_not_contains "refused key: not printed" "$OUT" NOBODYSECRETPART
assert_not_contains "refused key: not printed on stderr" "$ERR" NOBODYSECRETPART

# --- offline -------------------------------------------------------------------------------------
emu_clear_requests "$E"
run_tool check --coverage --format json "$TMP/devs.jsonl"
assert_rc "offline: exit 1 (the refused dev-r)" 1
assert_eq "offline: says so in one line" 1 "$(grep -c "coverage offline" "$ERR")"
assert_contains "offline: names what is missing" "$ERR" "TTS_API_KEY"
assert_eq "offline: nothing asked" 0 "$(rights_asked | jq length)"
assert_eq "offline: dev-a class A" coverage-a "$(class_of "$OUT" dev-a)"
assert_eq "offline: dev-b class B (packetbroker alone on 1 of 4)" coverage-b "$(class_of "$OUT" dev-b)"
assert_jq1 "offline: dev-b's share is 1 of 4" "$OUT" \
	'any(.[]; .rule == "coverage-b" and (.message | test("1 of 4 recent uplinks \\(25%\\)")))'
assert_eq "offline: dev-c class B (bob-gw and ghost-gw might be yours)" coverage-b "$(class_of "$OUT" dev-c)"
assert_jq1 "offline: the plan holds every gateway but packetbroker" "$OUT" \
	'any(.[]; .rule == "coverage-plan" and (.message | test("plan: 4 gateways \\(alice-gw-1, bob-gw, alice-gw-2, ghost-gw\\) \\[offline")))'
TTS_API_URL="$E" run_tool check --coverage --format json "$TMP/devs.jsonl"
assert_contains "offline with a URL but no key: says the key is missing" "$ERR" "no TTS_API_KEY (--api-key)"
printf '%s\n' "$(dev only-pb 70B3D57ED43D9C07 '[["packetbroker"],["pb"]]')" >"$TMP/pb.jsonl"
run_tool check --coverage --format json "$TMP/pb.jsonl"
assert_eq "offline: a device heard only via Packet Broker is class C" coverage-c "$(class_of "$OUT" only-pb)"
assert_rc "offline: class C → exit 1" 1

# --- without --coverage nothing changes ------------------------------------------------------------
emu_clear_requests "$E"
TTS_API_URL="$E" TTS_API_KEY="$ALICE" run_tool check --format json "$TMP/devs.jsonl"
assert_jq1 "without --coverage: no coverage findings" "$OUT" 'all(.[]; .rule | startswith("coverage") | not)'
assert_eq "without --coverage: nothing asked" 0 "$(rights_asked | jq length)"

# --- TTS_API_KEY for devices when no application key is given (issue 14) -----------------------
TTS_APP_ID=src-app TTS_API_URL="$E" TTS_API_KEY="$ALICE" run_tool tts device otaa-session
assert_rc "export with TTS_API_KEY only: exit 0" 0
assert_jq1 "export with TTS_API_KEY only: the device" "$OUT" '.ids.device_id == "otaa-session"'
no_key_in "export with TTS_API_KEY"
TTS_APP_ID=src-app TTS_API_URL="$E" run_tool tts device otaa-session
assert_rc "export without any key: exit 2" 2
assert_contains "export without any key: names TTS_API_KEY too" "$ERR" "TTS_API_KEY"

# --- inside --to-dest: class C is not moved with its session (issue 14) -------------------------
grep -E '"device_id":"dev-(a|c|d)"' "$TMP/devs.jsonl" >"$TMP/mig-seed.jsonl"
start_emu MS --api-key "$KEY" --seed "$TMP/mig-seed.jsonl" --seed-gateways "$TMP/gws.jsonl" --user-key "$ALICE=alice"
start_emu MD --api-key "$KEY"
mig() {
	TTS_API_URL="$MS" TTS_API_KEY="$ALICE" TTS_APP_ID=source-app TTS_APP_API_KEY="$KEY" \
		DEST_TTS_API_URL="$MD" DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY="$KEY" \
		run_tool tts application source-app --to-dest --journal "$TMP/cov.db" "$@" </dev/null
}
emu_clear_requests "$MS"
mig
assert_rc "--to-dest with a class C device: exit 1" 1
assert_contains "class C: refused, one line naming the rule and how to force it" "$ERR" \
	"(check coverage-c; --allow coverage-c imports it anyway)"
assert_contains "class C: the device is named" "$ERR" "dev-c"
assert_eq "class A and D moved, C not" '["dev-a","dev-d"]' \
	"$(curl -s -H "Authorization: Bearer $KEY" "$MD/api/v3/applications/cloud-app/devices" | jq -c '[.end_devices[].ids.device_id] | sort')"
assert_eq "class C: still at the source" 1 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" "$MS/api/v3/applications/source-app/devices/dev-c" | grep -c 200)"
assert_contains "the summary: classes and the gateways to move" "$ERR" \
	"coverage: A 1, B 0, C 1, D 1; the gateways that hear the moved devices (move them too: tts gateways switch, gateways import): alice-gw-1, alice-gw-2"
assert_contains "class D: one warning line for them all" "$ERR" "1 device: coverage-d"
assert_eq "each gateway's rights asked once, at the source" '["alice-gw-1","alice-gw-2","bob-gw","ghost-gw"]' \
	"$(emu_requests "$MS" | jq -c '[.[] | select(.path | test("^/api/v3/gateways/[^/]+/rights$")) | .path | capture("gateways/(?<g>[^/]+)/rights").g] | sort')"
no_key_in "--to-dest with coverage"
mig --allow coverage-c
assert_rc "--allow coverage-c: exit 0" 0
assert_eq "--allow coverage-c: the class C device moved too" '["dev-a","dev-c","dev-d"]' \
	"$(curl -s -H "Authorization: Bearer $KEY" "$MD/api/v3/applications/cloud-app/devices" | jq -c '[.end_devices[].ids.device_id] | sort')"

# --- usage ---------------------------------------------------------------------------------------
run_tool check --coverage --api-url "ftp://x" --api-key "$ALICE" "$TMP/devs.jsonl"
assert_rc "a bad source URL: exit 2" 2
no_key_in "bad URL"
run_tool check --help
assert_contains "check --help: --coverage" "$OUT" "--coverage"
assert_contains "check --help: --api-key [\$TTS_API_KEY]" "$OUT" "[\$TTS_API_KEY]"
assert_contains "check --help lists the coverage rules" "$OUT" "coverage-stay-behind"

t_finish
