#!/usr/bin/env bash
# Source chirpstack: ChirpStack v4's gRPC API (tests/csemu, written from
# sources-transport.md §1 with python3-protobuf, not from the tool's codec),
# mapped as sources.md §1 says with the Go tool's bugs fixed; gRPC-web over
# HTTP/1.1 and HTTP/2 (TLS, ALPN), plain gRPC (h2c and TLS); pagination,
# NotFound vs no activation, KEK-wrapped AppSKeys, auth errors, faults;
# --disable-source-device after the export is on disk, never with --dry-run,
# undone by restore; check, import and --to-dest into the TTS emulator.
. "$(dirname "$0")/lib.sh"

CSEMU="$ROOT/tests/csemu/csemu.py"
CSKEY="cs-admin-T0KEN-secret"
T2KEY="cs-tenant2-T0KEN-secret"
A1=5f6c2d8e-1c2b-4a7d-9e3f-e1ca219397f2
A2=6a7b8c9d-0000-4000-8000-0000000000a2
T1=11111111-1111-1111-1111-111111111111
KEK=000102030405060708090A0B0C0D0E0F
if ! /usr/bin/python3 -c 'import h2.connection, google.protobuf' 2>/dev/null; then
	not_ok "python3-h2 and python3-protobuf are installed (scripts/install-deps.sh)"
	exit 1
fi
/usr/bin/python3 "$ROOT/tests/fixtures/chirpstack/seed.py" 120 >"$TMP/seed.json"
# start_cs VAR [emulator args...]: a ChirpStack emulator; VAR=host:port.
start_cs() {
	local var=$1
	shift
	/usr/bin/python3 "$CSEMU" --port 0 --quiet --seed "$TMP/seed.json" "$@" \
		>"$TMP/cs-$var.port" 2>"$TMP/cs-$var.log" &
	wait_port "${var}_URL" "$TMP/cs-$var.port" $! "$TMP/cs-$var.log" csemu
	local u="${var}_URL"
	printf -v "$var" '%s' "${!u#http://}"
}
cs_log() { curl -sf "http://$1/_emulator/requests"; }
cs_clear() { curl -sf -X DELETE "http://$1/_emulator/requests" >/dev/null; }
cs_devices() { curl -sf "http://$1/_emulator/devices"; }
cs_fault() { curl -sf -X POST "http://$1/_emulator/faults" -d "$2" >/dev/null; }
ALL="$TMP/all-output"
: >"$ALL"
run_cs() {
	run_tool "$@"
	cat "$OUT" "$ERR" >>"$ALL"
}

unset CHIRPSTACK_API_URL CHIRPSTACK_API_KEY CHIRPSTACK_CA_CERT_PATH CHIRPSTACK_INSECURE \
	CHIRPSTACK_TRANSPORT CHIRPSTACK_TENANT_ID CHIRPSTACK_KEK CHIRPSTACK_PING_SLOT_FIELD \
	EXPORT_VARS EXPORT_SESSION JOIN_EUI FREQUENCY_PLAN_ID DISABLE_SOURCE_DEVICE 2>/dev/null || true
start_cs CS
FLAGS=(--api-url "$CS" --insecure --api-key "$CSKEY" --frequency-plan-id EU_863_870_TTN)

# ---- an application across pages, with sessions --------------------------------------------
run_cs chirpstack application "$A1" "${FLAGS[@]}" --export-session --export-vars </dev/null
assert_rc "application UUID --export-session: exit 0" 0
cp "$OUT" "$TMP/all.jsonl"
assert_eq "124 devices (2 pages of DeviceService/List), each once" '[124,124]' \
	"$(jq -s -c '[length, ([.[].ids.device_id] | unique | length)]' "$TMP/all.jsonl")"
assert_eq "the list is read in pages of 100: offsets 0 and 100" 2 \
	"$(cs_log "$CS" | jq '[.[] | select(.method == "/api.DeviceService/List")] | length')"
assert_eq "requests: 2 list pages + 3 profiles (read once each) + Get/GetKeys/GetActivation (ABP: no GetKeys)" \
	376 "$(cs_log "$CS" | jq length)"
assert_eq "gRPC-web over HTTP/1.1 on http://" '[["grpc-web","1.1"]]' \
	"$(cs_log "$CS" | jq -c '[.[] | [.transport, .http]] | unique')"
sel() { jq -c --arg id "$1" "select(.ids.device_id == \$id) | $2" "$TMP/all.jsonl"; }
assert_eq "OTAA 1.0.3: ids (eui-DevEUI, chirpstack-<last UUID group>, the device's JoinEUI), name, versions" \
	'[{"device_id":"eui-70b3d57ed0000001","application_ids":{"application_id":"chirpstack-e1ca219397f2"},"dev_eui":"70B3D57ED0000001","join_eui":"70B3D57ED00000AA"},"meter-1","basement meter","MAC_V1_0_3","PHY_V1_0_3_REV_A","EU_863_870_TTN",true]' \
	"$(sel eui-70b3d57ed0000001 '[.ids, .name, .description, .lorawan_version, .lorawan_phy_version, .frequency_plan_id, .supports_join]')"
assert_eq "attributes: profile and application UUIDs, profile tags, device tags win, var-<k> with --export-vars" \
	'{"chirpstack-application-id":"5f6c2d8e-1c2b-4a7d-9e3f-e1ca219397f2","chirpstack-device-profile":"aaaaaaaa-0000-4000-8000-000000000001","floor":"2","kind":"meter","site":"munich","var-token":"abc"}' \
	"$(sel eui-70b3d57ed0000001 '.attributes' | jq -cS .)"
assert_eq "1.0.x AppKey from keys.nwk_key; skip_fcnt_check -> resets_f_cnt; 24 status requests a day -> every 3600 s; no ABP RX settings on OTAA" \
	'["000102030405060708090A0B0C0D0E0F",null,{"resets_f_cnt":true,"status_time_periodicity":"3600s"}]' \
	"$(sel eui-70b3d57ed0000001 '[.root_keys.app_key.key, .root_keys.nwk_key, .mac_settings]' | jq -cS .)"
assert_eq "JS codec: the script unchanged, up and down" \
	'["FORMATTER_JAVASCRIPT","FORMATTER_JAVASCRIPT",true]' \
	"$(sel eui-70b3d57ed0000001 '.formatters | [.up_formatter, .down_formatter, (.up_formatter_parameter == .down_formatter_parameter and (.up_formatter_parameter | startswith("function decodeUplink")))]')"
assert_eq "OTAA session: keys, f_cnt_up 101 (next expected) -> last 100, downlink counters, session_key_id" \
	'["26011B3C","101112131415161718191A1B1C1D1E1F","202122232425262728292A2B2C2D2E2F",100,7,3,true]' \
	"$(sel eui-70b3d57ed0000001 '.session | [.dev_addr, .keys.f_nwk_s_int_key.key, .keys.app_s_key.key, .last_f_cnt_up, .last_n_f_cnt_down, .last_a_f_cnt_down, (.keys.session_key_id | test("^[A-Za-z0-9+/]{22}==$"))]')"
assert_eq "MAC state from the plan: 8 channels, current = desired, RX1 delay = the profile's 3 s" \
	'[8,true,3,"CLASS_A"]' \
	"$(sel eui-70b3d57ed0000001 '.mac_state | [(.desired_parameters.channels | length), (.current_parameters == .desired_parameters), .current_parameters.rx1_delay, .device_class]')"
assert_eq "ABP 1.0.2 rev B class C: no join, no root keys, ABP RX settings, class C timeout, f_cnt_up 0 -> 0" \
	'["MAC_V1_0_2","PHY_V1_0_2_REV_B",null,null,true,{"class_c_timeout":"5s","rx1_data_rate_offset":1,"rx1_delay":2,"rx2_data_rate_index":3,"rx2_frequency":"869525000"},"00001B3D",0,null,"CLASS_C",2,3]' \
	"$(sel eui-70b3d57ed0000002 '[.lorawan_version, .lorawan_phy_version, .supports_join, .root_keys, .supports_class_c, .mac_settings, .session.dev_addr, (.session.last_f_cnt_up // 0), .session.keys.session_key_id, .mac_state.device_class, .mac_state.current_parameters.rx1_delay, .mac_state.current_parameters.rx2_data_rate_index]' | jq -cS .)"
assert_eq "ABP without a JoinEUI at ChirpStack: none exported" null "$(sel eui-70b3d57ed0000002 '.ids.join_eui')"
assert_eq "OTAA 1.1 class B: both root keys, four session keys, counters, Cayenne" \
	'["MAC_V1_1","PHY_V1_1_REV_A","505152535455565758595A5B5C5D5E5F","606162636465666768696A6B6C6D6E6F","707172737475767778797A7B7C7D7E7F","808182838485868788898A8B8C8D8E8F","909192939495969798999A9B9C9D9E9F","A0A1A2A3A4A5A6A7A8A9AAABACADAEAF",69999,5,9,"FORMATTER_CAYENNELPP"]' \
	"$(sel eui-70b3d57ed0000003 '[.lorawan_version, .lorawan_phy_version, .root_keys.nwk_key.key, .root_keys.app_key.key, .session.keys.app_s_key.key, .session.keys.nwk_s_enc_key.key, .session.keys.s_nwk_s_int_key.key, .session.keys.f_nwk_s_int_key.key, .session.last_f_cnt_up, .session.last_n_f_cnt_down, .session.last_a_f_cnt_down, .formatters.up_formatter]')"
assert_eq "class B: timeout, field 17 as the periodicity (5 -> every 32 s), ping slot DR and frequency" \
	'{"class_b_timeout":"8s","desired_ping_slot_data_rate_index":3,"desired_ping_slot_frequency":"869525000","ping_slot_periodicity":"PING_EVERY_32S"}' \
	"$(sel eui-70b3d57ed0000003 '.mac_settings' | jq -cS .)"
assert_eq "OTAA never joined: exported without a session, with its root key" '[null,null,32]' \
	"$(sel eui-70b3d57ed0000004 '[.session, .mac_state, (.root_keys.app_key.key | length)]')"
assert_contains "not joined: one info line naming it" "$ERR" "device 70B3D57ED0000004: not joined at ChirpStack: exported without a session"
assert_eq "no variables without --export-vars, no session without --export-session (ABP keeps its own)" \
	'[null,null,"00001B3D"]' \
	"$(jq -s -c '[(.[] | select(.ids.device_id == "eui-70b3d57ed0000001") | .attributes["var-token"], .session), (.[] | select(.ids.device_id == "eui-70b3d57ed0000002") | .session.dev_addr)]' \
		<("$BIN" chirpstack device 70b3d57ed0000001 70b3d57ed0000002 "${FLAGS[@]}" 2>/dev/null))"
run_cs chirpstack device 70b3d57ed0000003 "${FLAGS[@]}" --ping-slot-field nb-k
assert_eq "--ping-slot-field nb-k (ChirpStack < 4.13): k 5 = 32 slots a beacon, every 4 s" \
	'"PING_EVERY_4S"' "$(jq -c .mac_settings.ping_slot_periodicity "$OUT")"

# ---- items, spellings, environment -----------------------------------------------------
NOISE='del(.session.keys.session_key_id, .session.started_at)'
want=$(sel eui-70b3d57ed0000001 "$NOISE" | jq -cS .)
run_cs chirpstack device 70B3D57ED0000001 "${FLAGS[@]}" --export-session --export-vars
assert_eq "device by DevEUI (upper case): the same device" "$want" "$(jq -cS "$NOISE" "$OUT")"
echo eui-70b3d57ed0000001 | run_cs chirpstack device "${FLAGS[@]}" --export-session --export-vars
assert_eq "device id eui-... on stdin: the same device" "$want" "$(jq -cS "$NOISE" "$OUT")"
run_cs device --source chirpstack --chirpstack.api-url "$CS" --chirpstack.insecure --chirpstack.api-key "$CSKEY" \
	--chirpstack.frequency-plan-id EU_863_870_TTN --chirpstack.export-session --chirpstack.export-vars 70b3d57ed0000001
assert_rc "--source chirpstack --chirpstack.*: exit 0" 0
assert_eq "--chirpstack.* spelling: the same device" "$want" "$(jq -cS "$NOISE" "$OUT")"
CHIRPSTACK_API_URL=$CS CHIRPSTACK_INSECURE=true CHIRPSTACK_API_KEY=$CSKEY FREQUENCY_PLAN_ID=EU_863_870_TTN \
	EXPORT_SESSION=true EXPORT_VARS=true run_cs chirpstack device 70b3d57ed0000001
assert_eq "the Go tool's environment variables: the same device" "$want" "$(jq -cS "$NOISE" "$OUT")"
run_cs chirpstack device 70b3d57ed0000001 "${FLAGS[@]}" --join-eui 70b3d57ed00000bb
assert_eq "--join-eui wins over the device's" '"70B3D57ED00000BB"' "$(jq -c .ids.join_eui "$OUT")"
assert_contains "--join-eui differing from ChirpStack's: a warning" "$ERR" "differs from its JoinEUI at ChirpStack (70b3d57ed00000aa)"
run_cs chirpstack device 70b3d57ed000000 "${FLAGS[@]}"
assert_rc "a malformed DevEUI: exit 1" 1
assert_contains "a malformed DevEUI: one line, no request" "$ERR" 'device "70b3d57ed000000": not a DevEUI (16 hex digits)'
run_cs chirpstack device 70b3d57ed0000099 "${FLAGS[@]}"
assert_rc "an unknown DevEUI: exit 1" 1
assert_contains "an unknown DevEUI: NOT_FOUND, one line" "$ERR" "device 70b3d57ed0000099: not found at ChirpStack"
run_cs chirpstack device 70b3d57ed0000001 --api-url "$CS" --insecure --api-key "$CSKEY"
assert_rc "no frequency plan: exit 2" 2
assert_contains "no frequency plan: says which variable" "$ERR" "set FREQUENCY_PLAN_ID or --frequency-plan-id"
run_cs chirpstack device 70b3d57ed0000001 "${FLAGS[@]}" --transport http3
assert_rc "--transport http3: exit 2" 2
run_cs chirpstack device 70b3d57ed0000001 "${FLAGS[@]}" --api-url "http://$CS"
assert_contains "--api-url with a scheme: one line saying the form" "$ERR" "a host and port, no scheme"

# ---- applications by name -----------------------------------------------------------------
run_cs chirpstack application meters "${FLAGS[@]}" --tenant-id "$T1" </dev/null
assert_rc "application by name with --tenant-id: exit 0" 0
assert_eq "by name: the same 124 devices (the other tenant's \"meters\" is not it)" \
	"$(jq -c -s '[.[].ids.device_id] | sort' "$TMP/all.jsonl")" "$(jq -c -s '[.[].ids.device_id] | sort' "$OUT")"
run_cs chirpstack application meters "${FLAGS[@]}" </dev/null
assert_rc "by name without --tenant-id: exit 1" 1
assert_contains "by name without --tenant-id: says to give it" "$ERR" "give --tenant-id to find an application by its name"
run_cs chirpstack application nosuch "${FLAGS[@]}" --tenant-id "$T1" </dev/null
assert_contains "an unknown name: one line" "$ERR" 'application "nosuch": no application of that name in tenant'
run_cs chirpstack application 5f6c2d8e-1c2b-4a7d-9e3f-000000000000 "${FLAGS[@]}" </dev/null
assert_contains "an unknown application UUID: one line" "$ERR" "application 5f6c2d8e-1c2b-4a7d-9e3f-000000000000: not found at ChirpStack"

# ---- devices that cannot be exported as they are -------------------------------------------
run_cs chirpstack application "$A2" "${FLAGS[@]}" --export-session </dev/null
assert_rc "the bad application: exit 1" 1
assert_contains "ABP without an activation: named, one line (the Go tool panics)" "$ERR" \
	"device 70B3D57ED0000005: session: ChirpStack has no activation for this ABP device"
assert_contains "a US915 profile with an EU plan: named, one line" "$ERR" \
	"device 70B3D57ED0000007: frequency_plan_id: the profile's region US915 does not match --frequency-plan-id EU_863_870_TTN"
assert_contains "a KEK-wrapped AppSKey without --kek: names the device and the KEK label" "$ERR" \
	'device 70B3D57ED0000006: session.keys.app_s_key: the AppSKey is wrapped with the key-encryption key "kek1"; give that KEK with --kek'
assert_eq "the bad ones are not exported" 0 "$(jq -s length "$OUT")"
run_cs chirpstack device 70b3d57ed0000006 "${FLAGS[@]}" --export-session --kek "$KEK"
assert_rc "--kek: exit 0" 0
assert_eq "--kek unwraps the AppSKey (RFC 3394 test vector)" '"00112233445566778899AABBCCDDEEFF"' \
	"$(jq -c .session.keys.app_s_key.key "$OUT")"
run_cs chirpstack device 70b3d57ed0000006 "${FLAGS[@]}" --export-session --kek 0F0E0D0C0B0A09080706050403020100
assert_rc "a wrong --kek: exit 1" 1
assert_contains "a wrong --kek: one line" "$ERR" "session.keys.app_s_key: --kek does not unwrap it"
run_cs chirpstack device 70b3d57ed0000006 "${FLAGS[@]}" --kek 0102
assert_rc "a malformed --kek: exit 2" 2

# ---- auth --------------------------------------------------------------------------------
run_cs chirpstack device 70b3d57ed0000001 "${FLAGS[@]}" --api-key not-a-key
assert_rc "a wrong API key: exit 2 (a configuration error stops the run)" 2
assert_contains "a wrong API key: one line" "$ERR" "UNAUTHENTICATED (the API key was refused or may not read this: check CHIRPSTACK_API_KEY / --api-key)"
run_cs chirpstack device 70b3d57ed0000001 "${FLAGS[@]}" --api-key "$T2KEY"
assert_rc "a key of another tenant: exit 2" 2
assert_contains "a key of another tenant: UNAUTHENTICATED, as ChirpStack answers" "$ERR" "DeviceService/Get 70b3d57ed0000001: UNAUTHENTICATED"
CHIRPSTACK_API_KEY= run_cs chirpstack device 70b3d57ed0000001 --api-url "$CS" --insecure --frequency-plan-id EU_863_870_TTN
assert_rc "no API key: exit 2" 2
assert_contains "no API key: says which variable" "$ERR" "set CHIRPSTACK_API_KEY or --api-key"

# ---- faults: retried (UNAVAILABLE, 503, a dropped connection), not retried (others) ---------
start_cs FT
FT_FLAGS=("${FLAGS[@]/$CS/$FT}")
cs_fault "$FT" '{"method":"/api.DeviceService/Get","grpc_status":14,"count":2}'
cs_fault "$FT" '{"method":"/api.DeviceService/GetKeys","http_status":503,"count":1}'
cs_fault "$FT" '{"method":"/api.DeviceProfileService/Get","drop":true,"count":1}'
run_cs chirpstack device 70b3d57ed0000001 "${FT_FLAGS[@]}"
assert_rc "UNAVAILABLE twice, a 503, a dropped connection: exit 0" 0
assert_eq "retried: 3 Gets, 2 profile reads, 2 GetKeys" '[3,2,2]' \
	"$(cs_log "$FT" | jq -c '[([.[] | select(.method == "/api.DeviceService/Get")] | length), ([.[] | select(.method == "/api.DeviceProfileService/Get")] | length), ([.[] | select(.method == "/api.DeviceService/GetKeys")] | length)]')"
assert_eq "the export is whole" '"000102030405060708090A0B0C0D0E0F"' "$(jq -c .root_keys.app_key.key "$OUT")"
cs_clear "$FT"
cs_fault "$FT" '{"method":"/api.DeviceService/Get","grpc_status":3,"message":"bad thing","count":1}'
run_cs chirpstack device 70b3d57ed0000001 "${FT_FLAGS[@]}"
assert_rc "INVALID_ARGUMENT: exit 1" 1
assert_eq "INVALID_ARGUMENT: not retried" 1 "$(cs_log "$FT" | jq length)"
assert_contains "INVALID_ARGUMENT: one line with ChirpStack's message" "$ERR" "DeviceService/Get 70b3d57ed0000001: INVALID_ARGUMENT: bad thing"
cs_clear "$FT"
cs_fault "$FT" '{"method":"/api.DeviceService/Get","grpc_status":14,"count":50}'
run_cs chirpstack device 70b3d57ed0000001 "${FT_FLAGS[@]}" --retries 2
assert_rc "UNAVAILABLE for ever: exit 1" 1
assert_eq "UNAVAILABLE for ever: 1 + --retries 2 attempts" 3 "$(cs_log "$FT" | jq length)"
assert_contains "UNAVAILABLE for ever: one line" "$ERR" "DeviceService/Get 70b3d57ed0000001: UNAVAILABLE: fault injected (still after every attempt)"
run_cs chirpstack device 70b3d57ed0000001 "${FLAGS[@]/$CS/127.0.0.1:1}" --retries 1
assert_rc "nothing listening: exit 1" 1
assert_contains "nothing listening: one line" "$ERR" "DeviceService/Get 70b3d57ed0000001: Failed to connect"

# ---- plain gRPC, unknown fields --------------------------------------------------------------
start_cs GR --unknown-fields
run_cs chirpstack application "$A1" "${FLAGS[@]/$CS/$GR}" --export-session --export-vars --transport grpc </dev/null
assert_rc "--transport grpc (h2c), answers with unknown fields out of order: exit 0" 0
assert_eq "plain gRPC over HTTP/2 only" '[["grpc","2"]]' "$(cs_log "$GR" | jq -c '[.[] | [.transport, .http]] | unique')"
NOISE_ALL='del(.session.keys.session_key_id, .session.started_at)'
assert_eq "the same 124 devices as gRPC-web without unknown fields" \
	"$(jq -cS "$NOISE_ALL" "$TMP/all.jsonl" | sort | sha256sum)" "$(jq -cS "$NOISE_ALL" "$OUT" | sort | sha256sum)"

# ---- TLS: verified; --ca-cert-path adds a CA; HTTP/2 by ALPN ---------------------------------
if mkca ca && mkcert server IP:127.0.0.1 ca; then
	start_cs TLS --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key"
	TFLAGS=(--api-url "$TLS" --api-key "$CSKEY" --frequency-plan-id EU_863_870_TTN)
	tls_log() { curl -sf --http1.1 --cacert "$PKI/ca.pem" "https://$TLS/_emulator/requests"; }
	run_cs chirpstack device 70b3d57ed0000001 "${TFLAGS[@]}"
	assert_rc "https without the CA: exit 1" 1
	assert_contains "https without the CA: a certificate problem, one line" "$ERR" "certificate"
	assert_eq "https without the CA: nothing reached the server" 0 "$(tls_log | jq length)"
	run_cs chirpstack device 70b3d57ed0000001 "${TFLAGS[@]}" --ca-cert-path "$PKI/ca.pem"
	assert_rc "https with --ca-cert-path: exit 0" 0
	assert_eq "gRPC-web over TLS: HTTP/2 by ALPN" '[["grpc-web","2"]]' "$(tls_log | jq -c '[.[] | [.transport, .http]] | unique')"
	assert_eq "gRPC-web over TLS: the same device" "$(sel eui-70b3d57ed0000001 "del(.session, .mac_state, .attributes[\"var-token\"])" | jq -cS .)" \
		"$(jq -cS . "$OUT")"
	curl -sf --http1.1 --cacert "$PKI/ca.pem" -X DELETE "https://$TLS/_emulator/requests" >/dev/null
	CHIRPSTACK_CA_CERT_PATH="$PKI/ca.pem" run_cs chirpstack device 70b3d57ed0000001 "${TFLAGS[@]}" --transport grpc
	assert_rc "plain gRPC over TLS, CHIRPSTACK_CA_CERT_PATH: exit 0" 0
	assert_eq "plain gRPC over TLS: HTTP/2" '[["grpc","2"]]' "$(tls_log | jq -c '[.[] | [.transport, .http]] | unique')"
else
	not_ok "test PKI made with openssl"
fi

# ---- check, import, --to-dest ------------------------------------------------------------------
run_cs check --format json "$TMP/all.jsonl"
assert_rc "check accepts the export" 0
assert_eq "check: no errors in 124 devices" 0 "$(jq '[.[] | select(.severity == "error")] | length' "$OUT")"
start_emu DST
export DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$DST
run_cs import "$TMP/all.jsonl"
assert_rc "import into the TTS emulator: exit 0" 0
assert_contains "import: all created" "$ERR" "created 124 of 124 devices, failed 0"
start_emu MIG
start_cs MS
DEST_TTS_API_URL=$MIG run_cs chirpstack application "$A1" "${FLAGS[@]/$CS/$MS}" --export-session --to-dest --journal "$TMP/m.db" </dev/null
assert_rc "--to-dest --journal: exit 0" 0
assert_contains "--to-dest: all migrated" "$ERR" "migrated (verified) 124, already done 0, failed 0"
assert_contains "--to-dest without --disable-source-device: says ChirpStack keeps serving them" "$ERR" \
	"without --disable-source-device ChirpStack keeps serving the migrated devices"
assert_eq "--to-dest: nothing written at ChirpStack" 0 \
	"$(cs_log "$MS" | jq '[.[] | select(.method == "/api.DeviceService/Update")] | length')"
assert_eq "--to-dest: the sessions at the destination's NS, counters mapped" '[100,69999]' \
	"$(curl -sf "$MIG/api/v3/ns/applications/cloud-app/devices/eui-70b3d57ed0000001?field_mask=session" -H "Authorization: Bearer $KEY" | jq -c --argjson b "$(curl -sf "$MIG/api/v3/ns/applications/cloud-app/devices/eui-70b3d57ed0000003?field_mask=session" -H "Authorization: Bearer $KEY")" '[.session.last_f_cnt_up, $b.session.last_f_cnt_up]')"
DEST_TTS_API_URL=$MIG run_cs chirpstack application "$A1" "${FLAGS[@]/$CS/$MS}" --export-session --to-dest --journal "$TMP/m.db" </dev/null
assert_contains "--to-dest again: all already done" "$ERR" "migrated (verified) 0, already done 124, failed 0"

# ---- --disable-source-device, restore ----------------------------------------------------------
start_cs DIS
DFLAGS=("${FLAGS[@]/$CS/$DIS}")
updates() { cs_log "$DIS" | jq '[.[] | select(.method == "/api.DeviceService/Update")] | length'; }
run_cs chirpstack device 70b3d57ed0000001 70b3d57ed0000003 "${DFLAGS[@]}" --disable-source-device --dry-run
assert_rc "--disable-source-device --dry-run: exit 0" 0
assert_eq "--dry-run: no Update" 0 "$(updates)"
assert_contains "--dry-run: says they stay enabled" "$ERR" "not disabled at ChirpStack"
cs_clear "$DIS"
run_cs chirpstack device 70b3d57ed0000001 70b3d57ed0000003 "${DFLAGS[@]}" --disable-source-device -o "$TMP/dis.jsonl" --concurrency 1
assert_rc "--disable-source-device: exit 0" 0
assert_eq "--disable-source-device: each device read, then read again and updated (one at a time)" \
	'["Get","DeviceProfileService/Get","GetKeys","Get","Update","Get","DeviceProfileService/Get","GetKeys","Get","Update"]' \
	"$(cs_log "$DIS" | jq -c '[.[].method | sub("^/api.DeviceService/"; "") | sub("^/api."; "")]')"
assert_eq "disabled at ChirpStack, with everything else as it was (tags, variables, JoinEUI, name)" \
	"$(jq -c '[.devices[] | select(.dev_eui == "70b3d57ed0000001" or .dev_eui == "70b3d57ed0000003") | [.dev_eui, true, (.tags // {}), (.variables // {}), .join_eui, .name, .device_profile_id]]' "$TMP/seed.json" | jq -cS .)" \
	"$(cs_devices "$DIS" | jq -c '[.[] | select(.dev_eui == "70b3d57ed0000001" or .dev_eui == "70b3d57ed0000003") | [.dev_eui, .is_disabled, .tags, .variables, .join_eui, .name, .device_profile_id]]' | jq -cS .)"
assert_eq "the export was on disk: both devices" 2 "$(jq -s length "$TMP/dis.jsonl")"
assert_eq "the others stay enabled" 0 \
	"$(cs_devices "$DIS" | jq '[.[] | select(.is_disabled and .dev_eui != "70b3d57ed0000001" and .dev_eui != "70b3d57ed0000003")] | length')"
start_emu MIG2
DEST_TTS_API_URL=$MIG2 run_cs chirpstack device 70b3d57ed0000002 "${DFLAGS[@]}" --disable-source-device --to-dest --journal "$TMP/m2.db"
assert_rc "--to-dest --disable-source-device without --keep-source: exit 1" 1
assert_contains "without --keep-source: says to give it" "$ERR" "give --keep-source with --disable-source-device"
assert_eq "without --keep-source: the device is neither disabled nor created" '[false,0]' \
	"$(cs_devices "$DIS" | jq -c --argjson n "$(curl -sf "$MIG2/api/v3/applications/cloud-app/devices" -H "Authorization: Bearer $KEY" | jq '.end_devices | length')" '[(.[] | select(.dev_eui == "70b3d57ed0000002") | .is_disabled // false), $n]')"
DEST_TTS_API_URL=$MIG2 run_cs chirpstack device 70b3d57ed0000002 "${DFLAGS[@]}" --disable-source-device --keep-source --to-dest --journal "$TMP/m3.db"
assert_rc "--to-dest --disable-source-device --keep-source: exit 0" 0
assert_eq "--keep-source: disabled at ChirpStack, created at the destination" '[true,["eui-70b3d57ed0000002"]]' \
	"$(cs_devices "$DIS" | jq -c --argjson n "$(curl -sf "$MIG2/api/v3/applications/cloud-app/devices" -H "Authorization: Bearer $KEY" | jq -c '[.end_devices[].ids.device_id]')" '[(.[] | select(.dev_eui == "70b3d57ed0000002") | .is_disabled), $n]')"
# The device is heard at the destination meanwhile: its counters move on.
curl -sf -X PUT "$MIG2/api/v3/ns/applications/cloud-app/devices/eui-70b3d57ed0000002" -H "Authorization: Bearer $KEY" \
	-d '{"end_device":{"ids":{"device_id":"eui-70b3d57ed0000002","application_ids":{"application_id":"cloud-app"}},"session":{"last_f_cnt_up":500,"last_n_f_cnt_down":40}},"field_mask":{"paths":["session.last_f_cnt_up","session.last_n_f_cnt_down"]}}' >/dev/null ||
	not_ok "the destination's counters moved on"
DEST_TTS_API_URL=$MIG2 run_cs restore --journal "$TMP/m3.db" --from-destination 70b3d57ed0000002 "${DFLAGS[@]}"
assert_rc "restore --from-destination: exit 0" 0
assert_eq "restore: enabled again at ChirpStack with the destination's session (next counters), gone from the destination" \
	'[false,{"a_f_cnt_down":1,"app_s_key":"404142434445464748494a4b4c4d4e4f","dev_addr":"00001b3d","f_cnt_up":501,"f_nwk_s_int_key":"303132333435363738393a3b3c3d3e3f","n_f_cnt_down":41,"nwk_s_enc_key":"303132333435363738393a3b3c3d3e3f","s_nwk_s_int_key":"303132333435363738393a3b3c3d3e3f"},[]]' \
	"$(cs_devices "$DIS" | jq -cS --argjson n "$(curl -sf "$MIG2/api/v3/applications/cloud-app/devices" -H "Authorization: Bearer $KEY" | jq -c '[.end_devices[]?.ids.device_id]')" '[(.[] | select(.dev_eui == "70b3d57ed0000002") | .is_disabled, .activation), $n]')"

# ---- secrets ---------------------------------------------------------------------------------------
for s in "$CSKEY" "$T2KEY" "$KEK" "000102030405060708090a0b0c0d0e0f" "0F0E0D0C0B0A09080706050403020100"; do
	assert_not_contains "no secret in any log or error line (${s:0:6}...)" <(grep -hv '^{' "$ALL") "$s"
done
assert_not_contains "the API key is in no output at all" "$ALL" "$CSKEY"
run_cs chirpstack device 70b3d57ed0000001 "${FLAGS[@]}" --export-session --verbose
assert_not_contains "--verbose: no API key" "$ERR" "$CSKEY"
assert_not_contains "--verbose: no session key" "$ERR" "202122232425262728292a2b2c2d2e2f"
