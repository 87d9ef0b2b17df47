#!/usr/bin/env bash
# check: every rule fails on its .bad fixture and passes on its .good one,
# offline and with --dest against the emulator; output formats, exit statuses.
. "$(dirname "$0")/lib.sh"

CF="$FIX/check"
unset DEST_TTS_APP_ID DEST_TTS_APP_API_KEY DEST_TTS_API_URL TTNM_DATA_DIR 2>/dev/null || true

# rules_of FILE: the sorted, unique rule ids of a JSON findings file.
rules_of() { jq -r '[.[].rule] | unique | join(" ")' "$1"; }
has_rule() { jq -e --arg r "$2" 'any(.[]; .rule == $r)' "$1" >/dev/null; }

# expect_rule DESC RULE WANT(yes|no) ARGS...: runs check --format json ARGS.
expect_rule() {
	local desc=$1 rule=$2 want=$3
	shift 3
	run_tool check --format json "$@"
	if ! jq -e 'type == "array"' "$OUT" >/dev/null 2>&1; then
		not_ok "$desc" "not a JSON array; stderr: $(head -c 400 "$ERR")"
		return
	fi
	local errors
	errors=$(jq '[.[] | select(.severity == "error")] | length' "$OUT")
	if has_rule "$OUT" "$rule"; then
		[ "$want" == yes ] && ok "$desc" || not_ok "$desc" "rule $rule reported: $(rules_of "$OUT")"
	else
		[ "$want" == no ] && ok "$desc" || not_ok "$desc" "rule $rule missing: $(rules_of "$OUT")"
	fi
	assert_rc "$desc: exit status follows the error count ($errors)" $([ "$errors" -gt 0 ] && echo 1 || echo 0)
}

# --- offline: one bad and one good fixture per rule ---------------------------------------
OFFLINE="device-id-invalid device-id-blocklisted device-id-collision eui-invalid eui-duplicate
	mac-version-invalid phy-version-invalid frequency-plan-missing frequency-plan-unknown
	band-phy-unsupported mac-phy-pair-invalid abp-without-session session-without-mac-state
	mac-state-incomplete session-dev-addr-invalid dev-addr-mismatch session-keys-missing
	session-keys-inconsistent session-key-id pending-session f-cnt-near-wrap
	channel-count-exceeds-band channel-outside-band json-malformed"
for rule in $OFFLINE; do
	expect_rule "$rule: bad fixture fails" "$rule" yes "$CF/$rule.bad.jsonl"
	expect_rule "$rule: good fixture passes" "$rule" no "$CF/$rule.good.jsonl"
done

# Severities and exit statuses of a few, spelt out.
run_tool check "$CF/abp-without-session.bad.jsonl"
assert_rc "an error finding: exit 1" 1
run_tool check "$CF/f-cnt-near-wrap.bad.jsonl"
assert_rc "a warning only: exit 0" 0
assert_contains "warning counted" "$OUT" "0 errors, 1 warning, 1 info in 1 device"
run_tool check "$CF/abp-without-session.good.jsonl"
assert_rc "a good file: exit 0" 0

# A malformed object is a finding with its line; the others are still checked.
run_tool check --format json "$CF/json-malformed.bad.jsonl"
assert_eq "malformed object: one position, line and column" "$CF/json-malformed.bad.jsonl:2:55" \
	"$(jq -r '.[] | select(.rule == "json-malformed") | .input' "$OUT")"
run_tool check "$CF/json-malformed.bad.jsonl" --dev-id-prefix x
assert_contains "malformed object: the others counted" "$OUT" "1 error, 0 warnings, 1 info in 3 devices"
assert_rc "malformed object: exit 1" 1

# --- the finding format -------------------------------------------------------------------
run_tool check --format json "$CF/dev-addr-mismatch.bad.jsonl"
assert_eq "finding keys" '["device_id","field","input","message","rule","severity"]' \
	"$(jq -c '[.[] | select(.rule == "dev-addr-mismatch")][0] | keys' "$OUT")"
assert_eq "finding values" '["error","addr-mismatch","ids.dev_addr","'"$CF"'/dev-addr-mismatch.bad.jsonl:1"]' \
	"$(jq -c '.[] | select(.rule == "dev-addr-mismatch") | [.severity, .device_id, .field, .input]' "$OUT")"
assert_contains "json: count line on stderr" "$ERR" "1 error, 0 warnings, 1 info in 1 device"

# --- the human table on the mixed file ---------------------------------------------------------
run_tool check "$CF/mixed.jsonl"
assert_rc "mixed: exit 1" 1
assert_eq "mixed: count line" "4 errors, 1 warning, 2 info in 8 devices" "$(tail -n1 "$OUT")"
assert_eq "mixed: groups in order" "Errors Warnings Info" "$(grep -E '^(Errors|Warnings|Info)$' "$OUT" | xargs)"
for r in abp-without-session device-id-collision json-malformed channel-outside-band f-cnt-near-wrap \
	devaddr-destination-unknown; do
	assert_contains "mixed: $r listed" "$OUT" "$r"
done
assert_contains "mixed: the Sandbox cluster named" "$OUT" "260B0000/16 (The Things Stack Sandbox cluster ttn-eu1)"

# Standard input, and '-'.
run_tool check --format json <"$CF/mixed.jsonl"
assert_eq "stdin: inputs named stdin:N" "stdin:2" \
	"$(jq -r '.[] | select(.rule == "abp-without-session") | .input' "$OUT")"
run_tool check - <"$CF/device-id-invalid.bad.jsonl"
assert_rc "'-' reads stdin" 1

# --- data files --------------------------------------------------------------------------------
TTNM_DATA_DIR=/nonexistent/ttnm expect_rule "band-data-unavailable: no data dir" band-data-unavailable yes \
	"$CF/frequency-plan-unknown.bad.jsonl"
assert_eq "no data: band rules skipped" false "$(jq 'any(.[]; .rule == "frequency-plan-unknown")' "$OUT")"
expect_rule "band-data-unavailable: data found" band-data-unavailable no "$CF/frequency-plan-unknown.bad.jsonl"
TTNM_DATA_DIR="$ROOT/data" expect_rule "TTNM_DATA_DIR=data works" frequency-plan-unknown yes \
	"$CF/frequency-plan-unknown.bad.jsonl"

# --- DevAddr against prefixes given by hand --------------------------------------------------------
expect_rule "devaddr-destination-unknown: offline" devaddr-destination-unknown yes \
	"$CF/devaddr-outside-destination.good.jsonl"
expect_rule "devaddr-destination-unknown: prefix given" devaddr-destination-unknown no \
	"$CF/devaddr-outside-destination.good.jsonl" --dest-dev-addr-prefix 260B0000/16
expect_rule "devaddr-outside-destination: bad (prefix by hand)" devaddr-outside-destination yes \
	"$CF/devaddr-outside-destination.bad.jsonl" --dest-dev-addr-prefix 260B0000/16
expect_rule "devaddr-outside-destination: good (prefix by hand)" devaddr-outside-destination no \
	"$CF/devaddr-outside-destination.good.jsonl" --dest-dev-addr-prefix 260B0000/16
expect_rule "comma-separated prefixes" devaddr-outside-destination no \
	"$CF/devaddr-outside-destination.bad.jsonl" --dest-dev-addr-prefix 260B0000/16,27ABCD00/24
expect_rule "repeated prefixes" devaddr-outside-destination no \
	"$CF/devaddr-outside-destination.bad.jsonl" --dest-dev-addr-prefix 260B0000/16 \
	--dest-dev-addr-prefix=27ABCD00/24
expect_rule "NetID only: its block" devaddr-outside-destination no \
	"$CF/devaddr-outside-destination.bad.jsonl" --dest-net-id 000013
run_tool check "$CF/devaddr-outside-destination.good.jsonl" --dest-dev-addr-prefix 27ABCD00/24
assert_contains "warning names the block and the gateways" "$OUT" "migrate the gateways too"
assert_contains "warning names the home block" "$OUT" "part of 26000000/7 (NetID 000013"

# --- usage errors: exit 2 ------------------------------------------------------------------------
run_tool check --format xml "$CF/mixed.jsonl"
assert_rc "--format xml: exit 2" 2
run_tool check --dest-dev-addr-prefix 26XY0000/16 "$CF/mixed.jsonl"
assert_rc "bad prefix: exit 2" 2
run_tool check --dest-net-id 13 "$CF/mixed.jsonl"
assert_rc "bad NetID: exit 2" 2
run_tool check "$TMP/no-such-file.json"
assert_rc "missing file: exit 2" 2
run_tool check --no-such-flag "$CF/mixed.jsonl"
assert_rc "unknown flag: exit 2" 2
run_tool check --dest "$CF/mixed.jsonl"
assert_rc "--dest without a destination: exit 2" 2
assert_contains "--dest without a destination: says what to set" "$ERR" "DEST_TTS_APP_ID"
run_tool check --help
assert_rc "check --help: exit 0" 0
assert_contains "help lists the rules" "$OUT" "devaddr-outside-destination"

# --- with --dest, against the emulator ------------------------------------------------------------
start_emu DEST --seed "$CF/dest-seed.jsonl" --net-id 000013 --dev-addr-prefix 260B0000/16
export DEST_TTS_APP_ID=dest-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$DEST

for rule in device-exists-at-destination eui-registered-at-destination devaddr-outside-destination; do
	expect_rule "$rule: bad fixture fails (--dest)" "$rule" yes "$CF/$rule.bad.jsonl" --dest
	expect_rule "$rule: good fixture passes (--dest)" "$rule" no "$CF/$rule.good.jsonl" --dest
done
expect_rule "eui-other-applications-unchecked: with --dest" eui-other-applications-unchecked yes \
	"$CF/eui-duplicate.good.jsonl" --dest
expect_rule "eui-other-applications-unchecked: offline" eui-other-applications-unchecked no \
	"$CF/eui-duplicate.good.jsonl"
run_tool check --format json --dest "$CF/eui-duplicate.good.jsonl"
assert_eq "eui-other-applications-unchecked: once per run" 1 \
	"$(jq '[.[] | select(.rule == "eui-other-applications-unchecked")] | length' "$OUT")"
expect_rule "--dest: no devaddr-destination-unknown" devaddr-destination-unknown no \
	"$CF/mixed.jsonl" --dest
assert_contains "--dest: the destination is described" "$ERR" "NetID 000013, DevAddr prefixes 260B0000/16; 2 devices"

# What was asked: the NS helpers and the IS list, nothing written.
emu_clear_requests "$DEST"
run_tool check "$CF/mixed.jsonl" --dest
assert_eq "--dest: requests" \
	'["GET /api/v3/ns/net_id","GET /api/v3/ns/dev_addr_prefixes","GET /api/v3/applications/dest-app/devices"]' \
	"$(emu_requests "$DEST" | jq -c '[.[] | "\(.method) \(.path)"]')"
assert_contains "--dest: EUIs listed with a field mask" <(emu_requests "$DEST" | jq -r '.[2].query') \
	"field_mask=ids.dev_eui,ids.join_eui"
assert_eq "--dest: nothing written" "[]" "$(emu_writes "$DEST")"

# The --dest.NAME spelling, and prefixes by hand replacing the Network Server's.
env -u DEST_TTS_API_URL -u DEST_TTS_APP_ID "$BIN" check --format json --dest --dest.api-url "$DEST" \
	--dest.app-id dest-app "$CF/device-exists-at-destination.bad.jsonl" >"$TMP/flags.json" 2>/dev/null
assert_eq "--dest.api-url / --dest.app-id work" true "$(jq 'any(.[]; .rule == "device-exists-at-destination")' "$TMP/flags.json")"
expect_rule "--dest-dev-addr-prefix replaces the NS prefixes" devaddr-outside-destination no \
	"$CF/devaddr-outside-destination.bad.jsonl" --dest --dest-dev-addr-prefix 27ABCD00/24

# A destination that refuses: exit 1 with the reason, no table.
DEST_TTS_APP_API_KEY=NNSXS.EMULATOR.WRONGSECRET run_tool check "$CF/mixed.jsonl" --dest
assert_rc "--dest with a wrong key: exit 1" 1
assert_contains "--dest with a wrong key: reason" "$ERR" "HTTP 401"
assert_not_contains "--dest with a wrong key: key not shown" "$ERR" "WRONGSECRET"
assert_eq "--dest with a wrong key: nothing on stdout" 0 "$(wc -c <"$OUT")"

# Paging: 1005 devices at the destination, the last on the second page of 1000.
awk 'BEGIN { for (i = 0; i < 1005; i++)
	printf "{\"ids\":{\"device_id\":\"d-%04d\",\"application_ids\":{\"application_id\":\"big-app\"},\"dev_eui\":\"70B3D57E%08X\",\"join_eui\":\"0000000000000000\"},\"lorawan_version\":\"MAC_V1_0_2\",\"lorawan_phy_version\":\"PHY_V1_0_2_REV_B\",\"frequency_plan_id\":\"EU_863_870\",\"supports_join\":true,\"root_keys\":{\"app_key\":{\"key\":\"EFE35B55F8B394A68567F8A36F5AC44A\"}}}\n", i, i }' \
	>"$TMP/big-seed.jsonl"
start_emu BIG --seed "$TMP/big-seed.jsonl"
jq -c '.ids.device_id = "d-1004" | .ids.dev_eui = "70B3D57E000003EC"' "$CF/device-exists-at-destination.good.jsonl" \
	>"$TMP/late.jsonl"
DEST_TTS_API_URL=$BIG DEST_TTS_APP_ID=big-app run_tool check --format json --dest "$TMP/late.jsonl"
assert_eq "paging: a device on page 2 is found" true "$(jq 'any(.[]; .rule == "device-exists-at-destination")' "$OUT")"
assert_eq "paging: its EUIs are the owner's, no second finding" false \
	"$(jq 'any(.[]; .rule == "eui-registered-at-destination")' "$OUT")"
assert_contains "paging: all devices counted" "$ERR" "1005 devices in application big-app"
assert_eq "paging: two list pages" 2 \
	"$(emu_requests "$BIG" | jq '[.[] | select(.path == "/api/v3/applications/big-app/devices")] | length')"
