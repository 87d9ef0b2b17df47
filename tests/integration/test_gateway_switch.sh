#!/usr/bin/env bash
# `tts gateways switch` (issue 14): a Basic Station gateway that uses the source's CUPS is
# moved without touching it, by Procedure A (shared/spec/gateways.md §3.2), and the move is
# proven by traffic: tests/simgw (a station that follows CUPS as Basic Station does) leaves
# the source's Gateway Server and connects to the destination's, and tests/simdev's uplinks
# through it are then accepted by the destination only. Preconditions refuse with one line
# and change nothing; the source's settings are recorded (0600) before they change; a kill
# between the requests is completed by a rerun; --undo sends the gateway back; no key is
# ever printed.
. "$(dirname "$0")/lib.sh"

SIM="$BUILD/simdev"
SIMGW="$BUILD/simgw"
ALICE=NNSXS.ALICE.ASECRET
CAROL=NNSXS.CAROL.CSECRET
cat >"$TMP/gws.jsonl" <<'EOF2'
{"gateway":{"ids":{"gateway_id":"gw-cups","eui":"00800000A0000010"},"name":"CUPS","attributes":{"site":"roof","cups-last-seen":"2026-01-01T00:00:00Z"},"gateway_server_address":"sandbox.example","frequency_plan_ids":["EU_863_870_TTN"],"enforce_duty_cycle":true},"owner":{"user_id":"alice"}}
{"gateway":{"ids":{"gateway_id":"gw-udp","eui":"00800000A0000011"},"name":"UDP","gateway_server_address":"sandbox.example"},"owner":{"user_id":"alice"},"connection":{"protocol":"udp","connected":true}}
{"gateway":{"ids":{"gateway_id":"gw-target","eui":"00800000A0000012"},"attributes":{"cups-last-seen":"2026-01-01T00:00:00Z"},"target_cups_uri":"https://elsewhere.example:443"},"owner":{"user_id":"alice"}}
{"gateway":{"ids":{"gateway_id":"gw-attrs","eui":"00800000A0000013"},"attributes":{"a1":"1","a2":"2","a3":"3","a4":"4","a5":"5","a6":"6","a7":"7","cups-last-seen":"2026-01-01T00:00:00Z"}},"owner":{"user_id":"alice"}}
{"gateway":{"ids":{"gateway_id":"gw-notthere","eui":"00800000A0000014"},"attributes":{"cups-last-seen":"2026-01-01T00:00:00Z"}},"owner":{"user_id":"alice"}}
EOF2
start_emu SRC --api-key "$KEY" --seed "$FIX/seed-basic.jsonl" --seed-gateways "$TMP/gws.jsonl" --user-key "$ALICE=alice"
start_emu DST --api-key "$KEY" --user-key "$CAROL=carol"
export TTS_API_URL=$SRC TTS_API_KEY=$ALICE TTS_USER_ID=alice TTS_APP_ID=src-app TTS_APP_API_KEY=$KEY
export DEST_TTS_API_URL=$DST DEST_TTS_API_KEY=$CAROL DEST_TTS_USER_ID=carol DEST_TTS_APP_ID=src-app \
	DEST_TTS_APP_API_KEY=$KEY
REC="$TMP/switch.jsonl"
ALL="$TMP/all-output"
: >"$ALL"
run_sw() {
	run_tool "$@"
	cat "$OUT" "$ERR" >>"$ALL"
}
A="Authorization: Bearer $ALICE"
api() { # METHOD URL [BODY]
	curl -s -X "$1" -H "$A" "$2" ${3:+-d "$3"}
}
gw_src() { curl -s "$SRC/_emulator/gateways"; }
gw_dst() { curl -s "$DST/_emulator/gateways"; }

# The gateway's keys at the source, as the Console makes them (gateways.md §1.10).
CUPS_KEY=$(api POST "$SRC/api/v3/gateways/gw-cups/api-keys" \
	'{"name":"cups","rights":["RIGHT_GATEWAY_INFO","RIGHT_GATEWAY_SETTINGS_BASIC","RIGHT_GATEWAY_READ_SECRETS"]}' | jq -r .key)
LNS_JSON=$(api POST "$SRC/api/v3/gateways/gw-cups/api-keys" '{"name":"lns","rights":["RIGHT_GATEWAY_INFO","RIGHT_GATEWAY_LINK"]}')
LNS_KEY=$(jq -r .key <<<"$LNS_JSON")
LNS_ID=$(jq -r .id <<<"$LNS_JSON")
api PUT "$SRC/api/v3/gateways/gw-cups" \
	"{\"gateway\":{\"lbs_lns_secret\":{\"value\":\"$(printf %s "$LNS_KEY" | base64 -w0)\"}},\"field_mask\":{\"paths\":[\"lbs_lns_secret\"]}}" >/dev/null
for g in gw-target gw-attrs gw-notthere; do
	api POST "$SRC/api/v3/gateways/$g/api-keys" '{"name":"lns","rights":["RIGHT_GATEWAY_INFO","RIGHT_GATEWAY_LINK"]}' >/dev/null
done

"$SIMGW" --eui 00800000A0000010 --cups "$SRC" --cups-key "$CUPS_KEY" --lns "sandbox.example=$SRC" \
	--lns "cloud.example=$DST" --seconds 120 --tick-ms 50 >"$TMP/simgw.out" 2>"$TMP/simgw.err" &
T_PIDS+=($!)
connected_at() { # EMULATOR: whether gw-cups is connected there (waits up to 5 s for a change)
	local want=$2 i
	for i in $(seq 1 100); do
		[ "$(curl -s "$1/_emulator/gateways" | jq '.connection_stats["gw-cups"].connected_at != null')" == "$want" ] &&
			return 0
		sleep 0.05
	done
	return 1
}
if connected_at "$SRC" true; then ok "simgw: CUPS at the source, connected to the source's LNS"; else
	not_ok "simgw: CUPS at the source, connected to the source's LNS" "$(cat "$TMP/simgw.out" "$TMP/simgw.err")"
fi
assert_jq "simgw: the source's CUPS recorded the station (cups-* attributes)" <(gw_src) \
	'.[0].gateways[] | select(.ids.gateway_id == "gw-cups") | .attributes | .["cups-station"] == "simgw 1.0" and .["cups-model"] == "simgw" and .site == "roof"'

# The devices: at the source, and (imported) at the destination too.
"$BIN" tts application src-app --dry-run >"$TMP/devs.jsonl" 2>"$TMP/devs.err"
run_sw import "$TMP/devs.jsonl"
assert_rc "devices imported at the destination" 0
sim() { "$SIM" "$@" >"$TMP/sim.out" 2>"$TMP/sim.err"; }
sim --emu "$SRC" --emu "$DST" --gateway gw-cups --count 1 "$TMP/devs.jsonl"
assert_eq "before the switch: uplinks through gw-cups reach the source only" \
	"[\"$SRC\",\"$SRC\"]" "$(jq -sc '[.[].accepted_by[]]' "$TMP/sim.out")"
assert_eq "before the switch: the destination has no connection of gw-cups" \
	'["gateway_not_found","gateway_not_found"]' "$(jq -sc '[.[].refused[]]' "$TMP/sim.out")"

# The gateways at the destination (their LNS key in lbs_lns_secret).
run_sw tts gateways gw-cups gw-target gw-attrs -o "$TMP/gws-export.jsonl"
assert_rc "gateways exported" 0
run_sw gateways import "$TMP/gws-export.jsonl" --dest.gateway-server-address cloud.example --keys-file "$TMP/keys.txt"
assert_rc "gateways imported at the destination" 0

# ---- preconditions, --plan: nothing changes ---------------------------------------------
before=$(gw_src | jq -cS '[.gateways[] | {id: .ids.gateway_id, a: .gateway_server_address, s: .lbs_lns_secret, at: .attributes}], [.api_keys[] | {id, rights}]')
emu_clear_requests "$SRC"
run_sw tts gateways switch gw-udp gw-target gw-attrs gw-notthere --switch-record "$REC" --gateway-timeout 1
assert_rc "preconditions unmet: exit 1" 1
assert_contains "a gateway without CUPS: one line" "$ERR" \
	"gateway gw-udp: not switched: it does not use the source's CUPS (no cups-last-seen attribute)"
assert_contains "target_cups_uri set: one line" "$ERR" \
	"gateway gw-target: not switched: target_cups_uri or target_cups_key is set at the source"
assert_contains "too many attributes: one line" "$ERR" \
	"gateway gw-attrs: not switched: attributes: 7 besides cups-*; CUPS adds 4 and fails above 10 (remove 1)"
assert_contains "not at the destination: one line" "$ERR" \
	"gateway gw-notthere: not at the destination (or not the destination account's): import it first"
run_sw tts gateways switch gw-cups --plan --switch-record "$REC"
assert_rc "--plan: exit 0" 0
assert_contains "--plan: says what would change" "$OUT" \
	"gateway gw-cups: CUPS at the source points it at cloud.example (now sandbox.example); LINK is taken from its source LNS key"
assert_eq "preconditions and --plan: no write at the source" 0 \
	"$(emu_requests "$SRC" | jq '[.[] | select(.method != "GET")] | length')"
assert_eq "... nothing changed there" "$before" \
	"$(gw_src | jq -cS '[.gateways[] | {id: .ids.gateway_id, a: .gateway_server_address, s: .lbs_lns_secret, at: .attributes}], [.api_keys[] | {id, rights}]')"
assert_eq "... and no switch record" false "$([ -e "$REC" ] && echo true || echo false)"

# ---- the switch ------------------------------------------------------------------------------
run_sw tts gateways switch gw-cups --switch-record "$REC" --gateway-timeout 20
assert_rc "switch: exit 0" 0
assert_contains "switch: connected at the destination" "$ERR" \
	"gateways: switched 1 (already 0), connected at the destination 1, not yet 0, failed 0 of 1"
assert_eq "the source gateway: the destination's address, the destination LNS key" \
	"[\"cloud.example\",\"$(gw_dst | jq -r '.gateways[] | select(.ids.gateway_id == "gw-cups") | .lbs_lns_secret.value')\"]" \
	"$(gw_src | jq -c '[.gateways[] | select(.ids.gateway_id == "gw-cups") | .gateway_server_address, .lbs_lns_secret.value]')"
assert_eq "the source LNS key lost LINK; the CUPS key kept INFO, SETTINGS_BASIC, READ_SECRETS" \
	'[["RIGHT_GATEWAY_INFO","RIGHT_GATEWAY_SETTINGS_BASIC","RIGHT_GATEWAY_READ_SECRETS"],["RIGHT_GATEWAY_INFO"]]' \
	"$(gw_src | jq -c '[.api_keys[] | select(.gateway_id == "gw-cups") | .rights]')"
assert_eq "the station: dropped by the source, its LNS refused it, it asked CUPS, connected to the destination" \
	'[true,["refused","cups","connected"]]' \
	"$(jq -sc '[([.[].event] | index("dropped") != null), [.[].event][-3:]]' "$TMP/simgw.out")"
assert_eq "the station now holds the destination's tcUri" '"wss://cloud.example:8887"' \
	"$(jq -sc '[.[] | select(.event == "connected")][-1].tc_uri' "$TMP/simgw.out")"
assert_eq "the source's Gateway Server: disconnected; the destination's: connected (ws)" '[false,"ws"]' \
	"$(jq -nc --argjson s "$(gw_src)" --argjson d "$(gw_dst)" '[($s.connection_stats["gw-cups"].connected_at != null), $d.connection_stats["gw-cups"].protocol]')"
assert_eq "the switch record: one line, mode 0600, the source's settings" \
	'600 1 sandbox.example 1' \
	"$(stat -c %a "$REC") $(wc -l <"$REC") $(jq -r '.state.gateway_server_address' "$REC") $(jq '.state.link_keys | length' "$REC")"
sim --emu "$SRC" --emu "$DST" --gateway gw-cups --count 1 "$TMP/devs.jsonl"
assert_eq "after the switch: uplinks through gw-cups reach the destination only" \
	"[\"$DST\",\"$DST\"]" "$(jq -sc '[.[].accepted_by[]]' "$TMP/sim.out")"
assert_eq "... the source's NS no longer hears them (not connected there)" \
	'["gateway_not_connected","gateway_not_connected"]' "$(jq -sc '[.[].refused[]]' "$TMP/sim.out")"

run_sw tts gateways switch gw-cups --switch-record "$REC" --gateway-timeout 5
assert_rc "switch again: exit 0" 0
assert_contains "switch again: already switched, connected" "$ERR" \
	"switched 0 (already 1), connected at the destination 1"
assert_eq "switch again: the record keeps the first state only" 1 "$(wc -l <"$REC")"

# ---- --undo -------------------------------------------------------------------------------------
run_sw tts gateways switch gw-cups --undo --switch-record "$REC"
assert_rc "--undo: exit 0" 0
if connected_at "$SRC" true; then ok "--undo: the station is back at the source's LNS"; else
	not_ok "--undo: the station is back at the source's LNS" "$(tail -5 "$TMP/simgw.out")"
fi
assert_eq "--undo: the source's address and LNS key, LINK back on the source key" \
	"[\"sandbox.example\",\"$(printf %s "$LNS_KEY" | base64 -w0)\",[\"RIGHT_GATEWAY_INFO\",\"RIGHT_GATEWAY_LINK\"]]" \
	"$(gw_src | jq -c "[(.gateways[] | select(.ids.gateway_id == \"gw-cups\") | .gateway_server_address, .lbs_lns_secret.value), (.api_keys[] | select(.id == \"$LNS_ID\") | .rights)]")"
assert_eq "--undo: the destination LNS key lost LINK" '[["RIGHT_GATEWAY_INFO"]]' \
	"$(gw_dst | jq -c '[.api_keys[] | select(.gateway_id == "gw-cups" and (.rights | index("RIGHT_GATEWAY_READ_SECRETS") | not)) | .rights]')"
sim --emu "$SRC" --emu "$DST" --gateway gw-cups --count 1 --f-cnt 1000 "$TMP/devs.jsonl"
assert_eq "after --undo: uplinks reach the source only" "[\"$SRC\",\"$SRC\"]" \
	"$(jq -sc '[.[].accepted_by[]]' "$TMP/sim.out")"

# ---- kill -9 between the gateway's update and the key's: a rerun completes ----------------------
# --undo left the destination key without LINK: give it back, as a fresh import would.
DKEY=$(gw_dst | jq -r '.api_keys[] | select(.gateway_id == "gw-cups" and (.rights | index("RIGHT_GATEWAY_READ_SECRETS") | not)) | .id')
curl -s -X PUT -H "Authorization: Bearer $CAROL" "$DST/api/v3/gateways/gw-cups/api-keys/$DKEY" \
	-d '{"api_key":{"rights":["RIGHT_GATEWAY_INFO","RIGHT_GATEWAY_LINK"]},"field_mask":{"paths":["rights"]}}' >/dev/null
REC2="$TMP/switch2.jsonl"
(TTNM_TEST_KILL_AFTER_REQUESTS=5 exec "$BIN" tts gateways switch gw-cups --switch-record "$REC2" \
	--gateway-timeout 5 >/dev/null 2>"$TMP/kill.err") 2>/dev/null
assert_eq "kill -9 after the 5th request (the gateway's update): killed" 137 "$?"
assert_eq "... the address changed, the source key still has LINK" \
	'["cloud.example",["RIGHT_GATEWAY_INFO","RIGHT_GATEWAY_LINK"]]' \
	"$(gw_src | jq -c "[(.gateways[] | select(.ids.gateway_id == \"gw-cups\") | .gateway_server_address), (.api_keys[] | select(.id == \"$LNS_ID\") | .rights)]")"
run_sw tts gateways switch gw-cups --switch-record "$REC2" --gateway-timeout 20
assert_rc "the rerun: exit 0" 0
assert_eq "the rerun: LINK taken, connected at the destination" '[["RIGHT_GATEWAY_INFO"],"ws"]' \
	"$(jq -nc --argjson s "$(gw_src)" --argjson d "$(gw_dst)" "[(\$s.api_keys[] | select(.id == \"$LNS_ID\") | .rights), \$d.connection_stats[\"gw-cups\"].protocol]")"
run_sw tts gateways switch gw-cups --undo --switch-record "$REC2"
assert_eq "--undo after the kill: the state before the first attempt (sandbox.example, LINK)" \
	'["sandbox.example",["RIGHT_GATEWAY_INFO","RIGHT_GATEWAY_LINK"]]' \
	"$(gw_src | jq -c "[(.gateways[] | select(.ids.gateway_id == \"gw-cups\") | .gateway_server_address), (.api_keys[] | select(.id == \"$LNS_ID\") | .rights)]")"
cat "$TMP/kill.err" >>"$ALL"

# ---- secrets ----------------------------------------------------------------------------------------
DST_LNS=$(gw_dst | jq -r '.gateways[] | select(.ids.gateway_id == "gw-cups") | .lbs_lns_secret.value' | base64 -d)
for s in "$LNS_KEY" "$CUPS_KEY" "$DST_LNS" "$ALICE" "$CAROL"; do
	assert_not_contains "no key in any output of the tool (${s:0:12}...)" "$ALL" "$s"
	assert_not_contains "no key in simgw's output (${s:0:12}...)" "$TMP/simgw.out" "$s"
done
run_sw tts gateways switch gw-cups --help
assert_contains "--help names the command" "$OUT" "gateways switch GATEWAY-ID"
run_sw tts gateways switch
assert_rc "no gateway named: exit 2" 2
