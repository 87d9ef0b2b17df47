#!/usr/bin/env bash
# Packet Broker between two emulated deployments (issue 14, "Emulation"; tests/emulator/README.md
# "Packet Broker"), as shared/spec/gateways.md §6 and TTS's gatewayserver / packetbrokeragent
# describe it: a gateway connected to one deployment hands every uplink to its own Network Server
# and, unless disable_packet_broker_forwarding, to Packet Broker, which routes it by DevAddr to
# the Home Network the Forwarder has a policy for (Sandbox → Cloud on, Cloud → Sandbox off by
# default). The Home Network takes only its own DevAddr blocks, drops copies of its own traffic,
# and records the uplink as heard by the pseudo gateway "packetbroker".
. "$(dirname "$0")/lib.sh"
SIM="$BUILD/simdev"

# sb-000001: a Sandbox device (DevAddr 27…, NetID 000013's block); cl-000001: a Cloud device of
# the tenant's block 260E0000/16.
"$FIX/gen-devices.sh" 1 app sb >"$TMP/sb.jsonl"
"$FIX/gen-devices.sh" 1 app cl | jq -c '.session.dev_addr = "260E0001"' >"$TMP/cl.jsonl"
gw() { # ID EUI [BOOL]: a connected UDP gateway of alice, disable_packet_broker_forwarding BOOL
	printf '{"gateway":{"ids":{"gateway_id":"%s","eui":"%s"},"disable_packet_broker_forwarding":%s},"owner":{"user_id":"alice"},"connection":{"protocol":"udp","connected":true}}\n' \
		"$1" "$2" "${3:-false}"
}
{ gw gw-cl 00800000C0000001; } >"$TMP/cl-gws.jsonl"
{
	gw gw-sb 00800000C0000002
	gw gw-nopb 00800000C0000003 true
} >"$TMP/sb-gws.jsonl"

start_emu CLOUD --seed "$TMP/cl.jsonl" --seed-gateways "$TMP/cl-gws.jsonl" \
	--dev-addr-prefix 260E0000/16 --pb-tenant acme --pb-cluster tti-eu1
start_emu SANDBOX --seed "$TMP/sb.jsonl" --seed-gateways "$TMP/sb-gws.jsonl" \
	--pb-route "260E0000/16=$CLOUD" --pb-cluster ttn-eu1
ns_get() { # URL DEV: the NS device's session counter and recent uplinks
	curl -s -H "Authorization: Bearer $KEY" \
		"$1/api/v3/ns/applications/app/devices/$2?field_mask=session.last_f_cnt_up,mac_state.recent_uplinks"
}
sim() { # ARGS...: simdev, its lines in $TMP/sim.out, status in $RC
	"$SIM" "$@" >"$TMP/sim.out" 2>"$TMP/sim.err"
	RC=$?
}

# --- Sandbox → Cloud: a Cloud device heard by a Sandbox gateway arrives at the Cloud -------------
sim --emu "$SANDBOX" --gateway gw-sb --count 2 "$TMP/cl.jsonl"
assert_rc "Sandbox gateway, Cloud DevAddr: every uplink accepted somewhere (exit 0)" 0
assert_eq "accepted by the Cloud only, through Packet Broker; the Sandbox has no such session" \
	"$(jq -nc --arg c "$CLOUD" --arg s "$SANDBOX" '[[$c],{($s):"no_session_for_dev_addr"},{($c):"accepted"}]')" \
	"$(jq -sc '[.[0].accepted_by, .[0].refused, .[0].packet_broker]' "$TMP/sim.out")"
ns_get "$CLOUD" cl-000001 >"$TMP/ns.json"
assert_eq "the Cloud NS: last_f_cnt_up advanced by 2" 3 "$(jq .session.last_f_cnt_up "$TMP/ns.json")"
assert_eq "recent_uplinks: heard by the pseudo gateway packetbroker (no EUI), an empty packet_broker marker" \
	'[{"gateway_ids":{"gateway_id":"packetbroker"},"packet_broker":{}}]' \
	"$(jq -c '[.mac_state.recent_uplinks[-1].rx_metadata[] | {gateway_ids, packet_broker}]' "$TMP/ns.json")"
assert_eq "the Sandbox's Gateway Server counted both uplinks of gw-sb" '"2"' \
	"$(curl -s "$SANDBOX/_emulator/gateways" | jq '.connection_stats["gw-sb"].uplink_count')"

# --- the gateway's disable_packet_broker_forwarding: nothing goes to Packet Broker ---------------
sim --emu "$SANDBOX" --gateway gw-nopb --count 1 "$TMP/cl.jsonl"
assert_rc "disable_packet_broker_forwarding: the uplink is lost (exit 1)" 1
assert_eq "nothing forwarded" '[[],null]' "$(jq -sc '[.[0].accepted_by, .[0].packet_broker]' "$TMP/sim.out")"

# --- the Sandbox's own DevAddr: its NS takes it, no route: not forwarded ---------------------------
sim --emu "$SANDBOX" --gateway gw-sb --count 1 "$TMP/sb.jsonl"
assert_eq "a Sandbox device through a Sandbox gateway: the Sandbox only, nothing to Packet Broker" \
	"$(jq -nc --arg s "$SANDBOX" '[[$s],null]')" "$(jq -sc '[.[0].accepted_by, .[0].packet_broker]' "$TMP/sim.out")"

# --- Cloud → Sandbox is off by default: a Sandbox DevAddr heard by a Cloud gateway is lost ---------
# (the reason a migrated session must have its gateway moved to the same Cloud tenant)
sim --emu "$CLOUD" --gateway gw-cl --count 1 "$TMP/sb.jsonl"
assert_rc "Cloud gateway, Sandbox DevAddr: lost (exit 1)" 1
assert_eq "the Cloud has no session, and no route to the Sandbox" \
	"$(jq -nc --arg c "$CLOUD" '[[],{($c):"no_session_for_dev_addr"},null]')" \
	"$(jq -sc '[.[0].accepted_by, .[0].refused, .[0].packet_broker]' "$TMP/sim.out")"

# --- the Home Network's filters: only its blocks; not its own traffic -------------------------------
start_emu WRONG --seed-gateways "$TMP/sb-gws.jsonl" --pb-route "26000000/7=$CLOUD"
sim --emu "$WRONG" --gateway gw-sb --count 1 "$TMP/sb.jsonl"
assert_eq "a DevAddr outside the Home Network's blocks: not subscribed" \
	"$(jq -nc --arg c "$CLOUD" '{($c):"not_subscribed"}')" "$(jq -sc '.[0].packet_broker' "$TMP/sim.out")"
start_emu OWN --seed-gateways "$TMP/sb-gws.jsonl" --pb-route "260E0000/16=$CLOUD" \
	--pb-cluster tti-eu1 --pb-tenant acme
sim --emu "$OWN" --gateway gw-sb --count 1 "$TMP/cl.jsonl"
assert_eq "forwarded by the Home Network's own NetID and cluster: dropped (filterMetadata)" \
	"$(jq -nc --arg c "$CLOUD" '{($c):"own_traffic"}')" "$(jq -sc '.[0].packet_broker' "$TMP/sim.out")"
assert_eq "the Cloud's uplink log: 2 through packetbroker accepted, 2 refused" "2 2" \
	"$(curl -s "$CLOUD/_emulator/uplinks" | jq -r '[.log[] | select(.gateway_id == "packetbroker")] |
		"\([.[] | select(.accepted)] | length) \([.[] | select(.accepted | not)] | length)"')"

# --- bad options -------------------------------------------------------------------------------
for bad in "260E0000=http://x" "260E0000/40=http://x" "zz0E0000/16=http://x" "260E0000/16=ftp://x"; do
	"$EMU" --port 0 --pb-route "$bad" >/dev/null 2>"$TMP/bad.err"
	assert_eq "--pb-route $bad: refused (exit 2)" "2 1" "$? $(grep -c 'bad value for --pb-route' "$TMP/bad.err")"
done
