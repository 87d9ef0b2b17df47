#!/usr/bin/env bash
# Smoke test of tts-emulator: starts it on free ports (with tests/fixtures/seed-basic.jsonl)
# and checks every route, the auth outcomes, the error bodies, paging, the admin routes and
# the fault knobs, then a clean stop on SIGTERM (exit 0; under ASan that includes no leaks).
#
# usage: tests/emulator/smoke.sh [path/to/tts-emulator]   (default build/tts-emulator)
# needs: curl, jq. Exits non-zero when a check fails.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EMU=${1:-$ROOT/build/tts-emulator}
SEED=$ROOT/tests/fixtures/seed-basic.jsonl
KEY="Bearer NNSXS.EMULATOR.SECRET"
TMP=$(mktemp -d)
PIDS=()
checks=0
fails=0

for tool in curl jq; do
	command -v "$tool" >/dev/null || { echo "smoke: $tool is needed" >&2; exit 2; }
done
[ -x "$EMU" ] || { echo "smoke: no emulator at $EMU (make build)" >&2; exit 2; }

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

# start ARGS...: runs the emulator on a free port; sets PORT, PID and BASE.
start() {
	local out=$TMP/port.$RANDOM
	"$EMU" --port 0 --quiet "$@" >"$out" 2>>"$TMP/stderr" &
	PID=$!
	PIDS+=("$PID")
	for _ in $(seq 100); do
		PORT=$(head -n1 "$out" 2>/dev/null)
		[ -n "$PORT" ] && break
		sleep 0.05
	done
	[ -n "$PORT" ] || { echo "smoke: emulator did not start: $(cat "$TMP/stderr")" >&2; exit 1; }
	BASE=http://127.0.0.1:$PORT
}

# stop: SIGTERM, and the exit status must be 0.
stop() {
	kill -TERM "$PID"
	wait "$PID"
	local rc=$?
	checks=$((checks + 1))
	if [ "$rc" != 0 ]; then
		fails=$((fails + 1))
		echo "FAIL clean stop: exit status $rc" >&2
		cat "$TMP/stderr" >&2
	fi
}

# req METHOD PATH [BODY]: with AUTH (default: the emulator's key; "" = no header).
AUTH=$KEY
req() {
	local args=(-s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' -X "$1")
	[ -n "$AUTH" ] && args+=(-H "Authorization: $AUTH")
	[ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	STATUS=$(curl "${args[@]}" "$BASE$2")
	CURL_RC=$?
}

fail() {
	fails=$((fails + 1))
	echo "FAIL $1: $2" >&2
	head -c 600 "$TMP/body" >&2
	echo >&2
}

# check NAME STATUS [JQ]: the last response had STATUS and JQ is true of its body.
check() {
	checks=$((checks + 1))
	if [ "$STATUS" != "$2" ]; then
		fail "$1" "status $STATUS, want $2"
	elif [ $# -ge 3 ] && ! jq -e "$3" "$TMP/body" >/dev/null 2>&1; then
		fail "$1" "body does not satisfy $3"
	fi
}

# err NAME STATUS NAMESPACE:NAME: a TTS error body with those details.
err() {
	local ns=${3%:*} name=${3##*:}
	check "$1" "$2" "(.details[0].namespace == \"$ns\") and (.details[0].name == \"$name\")
		and (.message | startswith(\"error:$3 (\"))
		and (.details[0][\"@type\"] == \"type.googleapis.com/ttn.lorawan.v3.ErrorDetails\")
		and (.details[0].correlation_id | length > 0)"
}

header() { grep -i "^$1:" "$TMP/headers" | head -n1 | cut -d' ' -f2- | tr -d '\r'; }

expect_header() {
	checks=$((checks + 1))
	local v
	v=$(header "$2")
	case "$v" in
	$3) ;;
	*) fail "$1" "header $2 is '$v', want $3" ;;
	esac
}

# ---------------------------------------------------------------------------------------
start --seed "$SEED" --api-key "NNSXS.EMULATOR.SECRET" --api-key "NNSXS.OTHER.SECRET2=other-app"
D=/api/v3/applications/src-app/devices

req GET /_emulator/health
check "health" 200
req GET /_emulator/devices
check "admin devices" 200 '(.is|length)==3 and (.js|length)==2 and (.ns|length)==3 and (.as|length)==3'

# --- IS Get, masks ----------------------------------------------------------------
req GET "$D/otaa-session?field_mask=name,ids.dev_eui,version_ids"
check "IS get comma mask" 200 '.name=="OTAA with session" and .ids.dev_eui=="008BFC3FD4445B19"
	and .version_ids=={} and (.created_at|endswith("Z")) and (has("description")|not)'
expect_header "X-Request-Id" X-Request-Id "?*"
req GET "$D/otaa-session?field_mask.paths=description&field_mask.paths=attributes"
check "IS get field_mask.paths" 200 '.description=="joined, active session" and .attributes.site=="north"'
req GET "$D/otaa-session?field_mask=name&field_mask=description"
check "two field_mask params" 400 '.code==3 and (.message|startswith("too many values"))'
AUTH="" req GET "$D/otaa-session?field_mask=mac_settings"
err "forbidden IS path (before auth)" 400 "pkg/rpcmiddleware/validator:field_mask_paths"
check "forbidden_paths attribute" 400 '.details[0].attributes.forbidden_paths==["mac_settings"]'
req GET "$D/nope"
err "IS get missing" 404 "pkg/identityserver/store:end_device_not_found"
req GET "/api/v3/applications/Bad_App/devices/x1"
err "bad application id" 400 "pkg/errors:validation"

# --- auth ---------------------------------------------------------------------------
AUTH="" req GET "$D/otaa-session"
err "no auth header" 403 "pkg/auth/rights:no_application_rights"
AUTH="Bearer wrong" req GET "$D/otaa-session"
err "malformed token" 400 "pkg/auth:token"
AUTH="Bearer NNSXS.NOPE.SECRET" req GET "$D/otaa-session"
err "unknown key" 401 "pkg/identityserver:api_key_not_found"
expect_header "401 WWW-Authenticate" WWW-Authenticate "error:*"
AUTH="Bearer NNSXS.EMULATOR.WRONG" req GET "$D/otaa-session"
err "wrong secret" 401 "pkg/identityserver:invalid_authorization"
AUTH="Basic dXNlcjpwYXNz" req GET "$D/otaa-session"
err "not bearer" 401 "pkg/identityserver:unsupported_authorization"
AUTH="bearer NNSXS.OTHER.SECRET2" req GET "$D/otaa-session"
err "key of another app" 403 "pkg/auth/rights:no_application_rights"

# --- routing ---------------------------------------------------------------------------
req POST "$D/otaa-session"
check "405" 405 '.code==12 and .details==[]'
req GET /api/v3/nothing/here
check "404 route" 404 '.code==5 and .message=="Not Found" and .details==[]'
req GET /api/v3/ns/net_id
check "net_id" 200 '.net_id=="000013"'
req GET /api/v3/ns/dev_addr_prefixes
check "dev_addr_prefixes" 200 '.dev_addr_prefixes==["26000000/7"]'

# --- JS / NS / AS Get, Delete of missing -----------------------------------------------
req GET "/api/v3/ns/applications/src-app/devices/otaa-session?field_mask=session,mac_state.lorawan_version"
check "NS get" 200 '.ids.dev_addr=="260B2F9D" and .session.keys.session_key_id=="eVNOD7hXFrwVAnqypet9Og=="
	and .mac_state.lorawan_version=="MAC_V1_0_2" and (.session.keys|has("app_s_key")|not)'
req GET "/api/v3/ns/applications/src-app/devices/abp-session?field_mask=mac_state.current_parameters.channels,session.keys"
check "NS seed: generated mac_state, 1.0 keys" 200 '(.mac_state.current_parameters.channels|length)==8
	and .session.keys.nwk_s_enc_key.key==.session.keys.f_nwk_s_int_key.key'
req GET "/api/v3/as/applications/src-app/devices/otaa-session?field_mask=session.keys.app_s_key.key,pending_session"
check "AS get" 200 '.session.keys.app_s_key.key=="E82B8166DFB4DA501E169D6380792512"'
req GET "/api/v3/js/applications/src-app/devices/otaa-session?field_mask=root_keys.app_key.key"
check "JS get" 200 '.root_keys.app_key.key=="EFE35B55F8B394A68567F8A36F5AC44A"'
req GET "/api/v3/js/applications/src-app/devices/abp-session"
err "JS has no ABP device" 404 "pkg/joinserver:device_not_found"
req GET "/api/v3/ns/applications/src-app/devices/nope"
err "NS get missing" 404 "pkg/redis:not_found"
req DELETE "/api/v3/ns/applications/src-app/devices/nope"
err "NS delete missing" 404 "pkg/networkserver:device_not_found"
req DELETE "/api/v3/as/applications/src-app/devices/nope"
err "AS delete missing" 404 "pkg/applicationserver:device_not_found"
req GET "/api/v3/ns/applications/src-app/devices/otaa-session?field_mask=session.keys.app_s_key"
err "NS get forbidden path" 400 "pkg/rpcmiddleware/validator:field_mask_paths"

# --- List --------------------------------------------------------------------------------
req GET "$D?field_mask=ids.device_id&limit=2&page=1"
check "list page 1" 200 '[.end_devices[].ids.device_id]==["abp-session","otaa-idle"]'
expect_header "X-Total-Count" X-Total-Count 3
req GET "$D?field_mask=ids.device_id&limit=2&page=2&order=-device_id"
check "list page 2 desc" 200 '[.end_devices[].ids.device_id]==["abp-session"]'
req GET "$D?limit=2&page=3"
check "list past the end" 200 '.=={}'
req GET "$D?order=-created_at&field_mask=name"
check "list by -created_at" 200 '.end_devices[0].ids.device_id=="otaa-idle" and .end_devices[0].name=="OTAA never joined"'
req GET "$D?limit=1001"
err "list limit > 1000" 400 "pkg/errors:validation"
req GET "$D?field_mask=session"
err "list forbidden mask" 400 "pkg/rpcmiddleware/validator:field_mask_paths"
req POST "$D/filter" '{"field_mask":{"paths":["name"]},"filters":[{"updated_since":"2024-03-02T00:00:00Z"}]}'
check "list filter" 200 '[.end_devices[].ids.device_id]==["otaa-session"]'
req GET /api/v3/applications/empty-app/devices
check "empty list" 200 '.=={}'
expect_header "X-Total-Count 0" X-Total-Count 0
req GET "$D/batch?device_ids=otaa-idle&device_ids=nope&device_ids=abp-session&field_mask=name"
check "batch get" 200 '[.end_devices[].name]==["OTAA never joined","ABP with session"]'
req GET "$D/batch"
err "batch get without ids" 400 "pkg/errors:validation"

# --- IS Create / Update / Delete ------------------------------------------------------------
N=/api/v3/applications/dst-app/devices
req POST "$N" '{"endDevice":{"ids":{"deviceId":"dev-otaa","devEui":"70b3d57ed005e0a2","joinEui":"70B3D57ED0000000"},"name":"n","macSettings":{"rx1Delay":5}},"field_mask":{"paths":["name"]}}'
check "IS create (camelCase, lower-case hex)" 200 '.ids.dev_eui=="70B3D57ED005E0A2" and .name=="n"
	and (has("mac_settings")|not) and (.created_at|test("^[0-9-]{10}T[0-9:]{8}\\.[0-9]{6}Z$"))'
req POST "$N" '{"end_device":{"ids":{"device_id":"dev-otaa"}}}'
err "id taken" 409 "pkg/util/store:id_taken"
req POST "$N" '{"end_device":{"ids":{"device_id":"dup","dev_eui":"008BFC3FD4445B19","join_eui":"70B3D57ED0042F52"}}}'
err "EUIs taken across applications" 409 "pkg/identityserver:end_device_euis_taken"
check "EUIs taken names the owner" 409 '.details[0].attributes.device_id=="otaa-session" and .details[0].attributes.application_id=="src-app"
	and .details[0].code==6'
req POST "$N" '{"end_device":{"ids":{"device_id":"admin"}}}'
err "blocklisted id" 400 "pkg/identityserver/blocklist:forbidden_id"
req POST "$N" '{"end_device":{"ids":{"device_id":"this-id-is-far-too-long-to-be-accepted-by-tts"}}}'
err "id over 36 characters" 400 "pkg/errors:validation"
req POST "$N" '{"end_device":{"ids":{"device_id":"x-1","dev_eui":"123"}}}'
check "bad EUI" 400 '.code==3'
req POST "$N" '{"end_device":'
check "bad JSON" 400 '.code==3 and .details==[]'
req PUT "$N/dev-otaa" '{"end_device":{"name":"renamed","description":"ignored"},"field_mask":{"paths":["name"]}}'
check "IS update" 200 '.name=="renamed" and (has("description")|not)'
req PUT "$N/dev-otaa" '{"end_device":{"ids":{"dev_eui":"70B3D57ED005E0A9"}},"field_mask":{"paths":["ids.dev_eui"]}}'
err "IS update ids" 400 "pkg/rpcmiddleware/validator:field_mask_paths"
req PUT "$N/dev-otaa" '{"end_device":{"description":"d","mac_settings":{"rx1_delay":5}},"field_mask":"description,mac_settings"}'
err "IS update NS path" 400 "pkg/rpcmiddleware/validator:field_mask_paths"

# --- JS Set -------------------------------------------------------------------------------------
J=/api/v3/js/applications/dst-app/devices
req PUT "$J/dev-otaa" '{"end_device":{"ids":{"dev_eui":"70B3D57ED005E0A2"},"root_keys":{"app_key":{"key":"00112233445566778899AABBCCDDEEFF"}}},"field_mask":{"paths":["root_keys.app_key.key"]}}'
err "JS no join_eui" 400 "pkg/joinserver:no_join_eui"
req PUT "$J/dev-otaa" '{"end_device":{"ids":{"join_eui":"70B3D57ED0000000"}},"field_mask":{"paths":[]}}'
err "JS no dev_eui" 400 "pkg/joinserver:no_dev_eui"
req PUT "$J/dev-otaa" '{"end_device":{"ids":{"dev_eui":"70B3D57ED005E0A2","join_eui":"70B3D57ED0000000"},"root_keys":{"app_key":{"key":"00000000000000000000000000000000"}}},"field_mask":{"paths":["root_keys.app_key.key"]}}'
err "JS zero app key" 400 "pkg/joinserver:field_value"
req PUT "$J/dev-otaa" '{"end_device":{"ids":{"dev_eui":"70B3D57ED005E0A2","join_eui":"70B3D57ED0000000"},"root_keys":{"app_key":{"key":"00112233445566778899AABBCCDDEEFF"}},"mac_settings":{"rx1_delay":5}},"field_mask":"root_keys.app_key.key"}'
check "JS set" 200 '.root_keys.app_key.key=="00112233445566778899AABBCCDDEEFF" and (has("mac_settings")|not)'
req PUT "$J/dev-otaa" '{"end_device":{"ids":{"dev_eui":"70B3D57ED005E0A2","join_eui":"70B3D57ED0000000"},"root_keys":{"app_key":{"key":"00112233445566778899AABBCCDDEEFF","kek_label":"kek"}}},"field_mask":{"paths":["root_keys"]}}'
check "JS non_zero_path" 400 '.details[0].name=="non_zero_path" and .details[0].attributes.path=="root_keys.app_key.kek_label"'
req PUT "$J/dev-other" '{"end_device":{"ids":{"dev_eui":"008BFC3FD4445B19","join_eui":"70B3D57ED0042F52"}},"field_mask":{"paths":[]}}'
err "JS EUIs taken" 409 "pkg/internal/registry:end_device_euis_taken"

# --- NS Set -------------------------------------------------------------------------------------
S=/api/v3/ns/applications/dst-app/devices
BASEPATHS='"frequency_plan_id","lorawan_version","lorawan_phy_version","supports_join"'
req PUT "$S/dev-abp" '{"end_device":{"ids":{"dev_eui":"0004A30B001C0531"},"frequency_plan_id":"EU_863_870","lorawan_version":"MAC_V1_0_3","lorawan_phy_version":"PHY_V1_0_3_REV_A"},"field_mask":{"paths":['"$BASEPATHS"']}}'
err "NS ABP without session" 400 "pkg/networkserver:field_value"
req PUT "$S/dev-abp" '{"end_device":{"frequency_plan_id":"XX_999","lorawan_version":"MAC_V1_0_3","lorawan_phy_version":"PHY_V1_0_3_REV_A"},"field_mask":{"paths":['"$BASEPATHS"']}}'
err "NS unknown frequency plan" 404 "pkg/frequencyplans:not_found"
req PUT "$S/dev-abp" '{"end_device":{"lorawan_version":"MAC_V1_0_3"},"field_mask":{"paths":["lorawan_version"]}}'
check "NS create needs frequency_plan_id" 400 '.details[0].attributes.field=="frequency_plan_id"'
# nsbody DEVICE_JSON PATHS: an NS Set body with the version paths added to the mask.
nsbody() { echo '{"end_device":'"$1"',"field_mask":{"paths":['"$BASEPATHS"','"$2"']}}'; }
ABP_IDS='"ids":{"dev_eui":"0004A30B001C0531"},"frequency_plan_id":"EU_863_870","lorawan_version":"1.0.3","lorawan_phy_version":"1.0.3-a"'
FKEY='"f_nwk_s_int_key":{"key":"11223344556677881122334455667788"}'
req PUT "$S/dev-abp" "$(nsbody "{$ABP_IDS,\"session\":{\"dev_addr\":\"260b0001\",\"keys\":{\"session_key_id\":\"AQID\",$FKEY}}}" \
	'"session.dev_addr","session.keys.f_nwk_s_int_key.key","session.keys.session_key_id"')"
check "NS ABP with session_key_id" 400 '.details[0].attributes.field=="session.keys.session_key_id"'
req PUT "$S/dev-abp" "$(nsbody "{$ABP_IDS,\"session\":{\"dev_addr\":\"260b0001\",\"keys\":{$FKEY}}}" \
	'"session.dev_addr","session.keys.f_nwk_s_int_key.key"')"
check "NS ABP" 200 '.ids.dev_addr=="260B0001" and .lorawan_version=="MAC_V1_0_3" and .lorawan_phy_version=="PHY_V1_0_3_REV_A"
	and (.session|has("keys")) and (.session|has("started_at")|not)'
req GET "$S/dev-abp?field_mask=mac_state,session.keys,session.started_at,supports_join"
check "NS ABP derived state" 200 '(.session.started_at|endswith("Z")) and (.mac_state.current_parameters.channels|length)>0 and .mac_state.desired_parameters!=null
	and .session.keys.s_nwk_s_int_key.key=="11223344556677881122334455667788" and (has("supports_join")|not)'
OTAA_IDS='"ids":{"dev_eui":"70B3D57ED005E0A2","join_eui":"70B3D57ED0000000"},"frequency_plan_id":"EU_863_870_TTN","lorawan_phy_version":"PHY_V1_0_2_REV_B","supports_join":true'
req PUT "$S/dev-otaa" "$(nsbody "{$OTAA_IDS,\"lorawan_version\":\"MAC_V1_0_2\",\"session\":{\"dev_addr\":\"260B0002\",\"keys\":{$FKEY}}}" \
	'"session.dev_addr","session.keys.f_nwk_s_int_key.key"')"
check "NS OTAA session needs session_key_id" 400 '.details[0].attributes.field=="session.keys.session_key_id"'
req PUT "$S/dev-otaa" "$(nsbody "{$OTAA_IDS,\"lorawan_version\":\"MAC_V1_1\",\"session\":{\"dev_addr\":\"260B0002\",\"keys\":{\"session_key_id\":\"AQID\",$FKEY}}}" \
	'"session.dev_addr","session.keys.f_nwk_s_int_key.key","session.keys.session_key_id"')"
check "NS MAC 1.1 needs all network keys" 400 '.details[0].attributes.field|test("s_nwk_s_int_key|nwk_s_enc_key")'
OTAA_SESSION="\"lorawan_version\":\"MAC_V1_0_2\",\"session\":{\"dev_addr\":\"260B0002\",\"keys\":{\"session_key_id\":\"AQID\",$FKEY},\"started_at\":\"2020-01-01T00:00:00Z\"}"
OTAA_PATHS='"session.dev_addr","session.keys.f_nwk_s_int_key.key","session.keys.session_key_id","session.started_at"'
req PUT "$S/dev-otaa" "$(nsbody "{${OTAA_IDS/\"ids\":\{/\"ids\":\{\"dev_addr\":\"260B0009\",},$OTAA_SESSION}" "$OTAA_PATHS")"
check "NS ids.dev_addr must match the session" 400 '.details[0].attributes.field=="session.dev_addr"'
req POST "$S" "$(nsbody "{${OTAA_IDS/\"ids\":\{/\"ids\":\{\"device_id\":\"dev-otaa\",},$OTAA_SESSION}" "$OTAA_PATHS")"
check "NS OTAA create (POST form)" 200 '.ids.dev_addr=="260B0002" and .supports_join==true
	and (.session.started_at|startswith("2020")|not)'
req PUT "$S/dev-otaa" '{"end_device":{"ids":{"dev_eui":"70B3D57ED005E0A2","join_eui":"70B3D57ED0000000"},"supports_join":false},"field_mask":{"paths":["supports_join"]}}'
check "NS supports_join immutable" 400 '.details[0].attributes.field=="supports_join"'
req PUT "$S/dev-otaa" '{"end_device":{"ids":{"dev_eui":"70B3D57ED005E0A2","join_eui":"70B3D57ED0000000"},"mac_settings":{"schedule_downlinks":false}},"field_mask":{"paths":["mac_settings.schedule_downlinks.value"]}}'
check "NS wrapper .value path" 200 '.mac_settings.schedule_downlinks==false'
req PUT "$S/dev-otaa" '{"end_device":{"session":{"dev_addr":"260B0002","keys":{"app_s_key":{"key":"11223344556677881122334455667788"}}}},"field_mask":{"paths":["session"]}}'
err "NS non_zero_path" 400 "pkg/rpcmiddleware/validator:non_zero_path"
req PUT "$S/dev-otaa" '{"end_device":{"ids":{"dev_eui":"70B3D57ED005E0A3","join_eui":"70B3D57ED0000000"}},"field_mask":{"paths":[]}}'
err "NS EUIs read-only" 400 "pkg/networkserver/redis:read_only_field"
req GET "$S/dev-otaa?field_mask=mac_settings,session.keys,session.started_at,mac_state.lorawan_version"
check "NS OTAA stored" 200 '.mac_settings.schedule_downlinks==false and .session.keys.session_key_id=="AQID"
	and .session.keys.nwk_s_enc_key.key=="11223344556677881122334455667788" and .mac_state.lorawan_version=="MAC_V1_0_2"'

# --- exact mask paths and oneofs (TTS's rules, not the tool's) -----------------------------------
# Masks name a oneof (adr.mode.dynamic), JSON leaves it out (adr.dynamic).
OIDS='"ids":{"dev_eui":"70B3D57ED005E0A2","join_eui":"70B3D57ED0000000"}'
req PUT "$S/dev-otaa" '{"end_device":{'"$OIDS"',"mac_settings":{"adr":{"dynamic":{"margin":12,"min_data_rate_index":"DATA_RATE_1"}}}},"field_mask":{"paths":["mac_settings.adr.mode.dynamic.margin","mac_settings.adr.mode.dynamic.min_data_rate_index.value"]}}'
check "oneof paths accepted" 200 '.mac_settings.adr.dynamic.margin==12 and .mac_settings.adr.dynamic.min_data_rate_index=="DATA_RATE_1"
	and (.mac_settings.adr|has("mode")|not)'
req GET "$S/dev-otaa?field_mask=mac_settings.adr"
check "oneof read back without its name" 200 '.mac_settings.adr=={"dynamic":{"margin":12,"min_data_rate_index":"DATA_RATE_1"}}'
req PUT "$S/dev-otaa" '{"end_device":{"mac_settings":{"adr":{"dynamic":{"margin":12}}}},"field_mask":{"paths":["mac_settings.adr.dynamic.margin","mac_settings.adr.dynamic"]}}'
check "JSON spelling of a oneof path refused" 400 '.details[0].name=="field_mask_paths"
	and .details[0].attributes.forbidden_paths==["mac_settings.adr.dynamic.margin","mac_settings.adr.dynamic"]'
req PUT "$S/dev-otaa" '{"end_device":{"mac_settings":{"adr":{"disabled":{}}}},"field_mask":{"paths":["mac_settings.adr.mode.disabled"]}}'
check "disabled:{} stored, the other member cleared" 200 '.mac_settings.adr=={"disabled":{}}'
req GET "$S/dev-otaa?field_mask=mac_settings"
check "disabled:{} round trip" 200 '.mac_settings.adr=={"disabled":{}} and .mac_settings.schedule_downlinks==false'
req GET "$S/dev-otaa?field_mask=mac_settings.adr.mode.dynamic.margin"
check "a path below another member than the stored one" 500 '.code==2 and (.message|contains("different oneof"))'
req PUT "$S/dev-otaa" '{"end_device":{"mac_settings":{"adr":{"static":{"nb_trans":2}}}},"field_mask":{"paths":["mac_settings.adr.mode"]}}'
check "the whole oneof replaced" 200 '.mac_settings.adr=={"static":{"nb_trans":2}}'
req PUT "$S/dev-otaa" '{"end_device":{"mac_settings":{"adr":{"static":{"nb_trans":1},"dynamic":{}}}},"field_mask":{"paths":["mac_settings.adr.mode.static","mac_settings.adr.mode.dynamic"]}}'
check "two members of one oneof in a mask" 500 '.code==2 and (.message|contains("more than one field"))'
req PUT "$S/dev-otaa" '{"end_device":{"mac_settings":{"adr":{"static":{"nb_trans":3}}}},"field_mask":{"paths":["mac_settings.adr.mode.dynamic.margin","mac_settings.adr"]}}'
check "a masked parent wins over paths below it" 200 '.mac_settings.adr=={"static":{"nb_trans":3}}'
req PUT "$S/dev-otaa" '{"end_device":{},"field_mask":{"paths":["mac_settings.adr.mode.static"]}}'
check "an absent member clears the oneof" 200 '(.mac_settings.adr // null)==null'
req PUT "$S/dev-otaa" '{"end_device":{"mac_settings":{"rx1_delay":3}},"field_mask":{"paths":["mac_settings.rx1_delay","mac_settings.rx1_delay.value"]}}'
check "a field and its .value both allowed" 200 '.mac_settings.rx1_delay==3'
req PUT "$S/dev-otaa" '{"end_device":{"mac_settings":{"relay":{"served":{"always":{},"backoff":4}}}},"field_mask":{"paths":["mac_settings.relay.mode.served.mode.always","mac_settings.relay.mode.served.backoff"]}}'
check "nested oneofs (relay.mode.served.mode.always)" 200 '.mac_settings.relay=={"served":{"always":{},"backoff":4}}'
req PUT "$N/dev-otaa" '{"end_device":{"attributes":{"x":"y"}},"field_mask":{"paths":["attributes.x"]}}'
check "attributes.x refused" 400 '.details[0].name=="field_mask_paths" and .details[0].attributes.forbidden_paths==["attributes.x"]'
req PUT "$N/dev-otaa" '{"end_device":{"attributes":{"x":"y"}},"field_mask":{"paths":["attributes"]}}'
check "attributes allowed" 200 '.attributes=={"x":"y"}'
req GET "$N/dev-otaa?field_mask=version_ids.brand_id,ids.dev_eui"
check "IS read list: subfields allowed" 200 '.ids.dev_eui=="70B3D57ED005E0A2"'
req GET "$N/dev-otaa?field_mask=ids.dev_addr"
check "IS read list has no ids.dev_addr" 400 '.details[0].attributes.forbidden_paths==["ids.dev_addr"]'
req GET "/api/v3/as/applications/src-app/devices/otaa-session?field_mask=session,session.keys"
check "AS Get takes session itself" 200 '.session.keys.app_s_key.key=="E82B8166DFB4DA501E169D6380792512"'

# --- AS Set -------------------------------------------------------------------------------------
AP=/api/v3/as/applications/dst-app/devices
req PUT "$AP/dev-otaa" '{"end_device":{"session":{"dev_addr":"260B0002","keys":{"app_s_key":{"key":"11223344556677881122334455667788"}}}},"field_mask":{"paths":["session"]}}'
err "AS mask session" 400 "pkg/rpcmiddleware/validator:field_mask_paths"
req PUT "$AP/dev-otaa" '{"end_device":{"pending_session":{"dev_addr":"260B0002"}},"field_mask":{"paths":["pending_session.dev_addr"]}}'
err "AS pending_session" 400 "pkg/rpcmiddleware/validator:field_mask_paths"
req PUT "$AP/dev-otaa" '{"end_device":{"session":{"dev_addr":"00000000"}},"field_mask":{"paths":["session.dev_addr"]}}'
err "AS zero dev_addr" 400 "pkg/applicationserver:field_value"
req PUT "$AP/dev-otaa" '{"end_device":{"ids":{"dev_eui":"70B3D57ED005E0A2","join_eui":"70B3D57ED0000000"},"session":{"dev_addr":"260B0002","keys":{"session_key_id":"AQID","app_s_key":{"key":"11223344556677881122334455667788"}},"last_a_f_cnt_down":7}},"field_mask":{"paths":["session.dev_addr","session.keys.app_s_key.key","session.keys.session_key_id","session.last_a_f_cnt_down"]}}'
check "AS set" 200 '.session.last_a_f_cnt_down==7 and .ids.dev_addr=="260B0002"'

# --- deletes ------------------------------------------------------------------------------------
req DELETE "$AP/dev-otaa"
check "AS delete" 200 '.=={}'
req DELETE "/api/v3/ns/applications/dst-app/devices/batch?device_ids=dev-otaa&device_ids=dev-abp&device_ids=nope"
check "NS batch delete" 200 '.=={}'
req DELETE "$J/dev-otaa"
check "JS delete" 200 '.=={}'
req DELETE "$N/dev-otaa"
check "IS delete" 200 '.=={}'
req GET "$N/dev-otaa"
err "IS gone" 404 "pkg/identityserver/store:end_device_not_found"
req POST "$N" '{"end_device":{"ids":{"device_id":"dev-again","dev_eui":"70B3D57ED005E0A2","join_eui":"70B3D57ED0000000"}}}'
check "EUIs free after delete" 200

# --- body bound, request log ---------------------------------------------------------------
head -c 17000000 /dev/zero | tr '\0' 'a' >"$TMP/big"
STATUS=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: $KEY" -X POST --data-binary @"$TMP/big" "$BASE$N")
check "body over 16 MiB" 413
req GET /_emulator/requests
check "request log" 200 'length > 50 and (.[0] | has("method") and has("path") and has("query") and has("status"))
	and any(.[]; .query=="field_mask=name,ids.dev_eui,version_ids" and .status==200)
	and all(.[]; (.path|startswith("/api/v3/")))'
checks=$((checks + 1))
grep -q -e NNSXS -e SECRET -e dXNlcjpwYXNz -e Bearer -e Basic "$TMP/body" && fail "request log" "it contains credentials"
req DELETE /_emulator/requests
req GET /_emulator/requests
check "request log cleared" 200 '.==[]'
req GET /_emulator/stats
check "stats" 200 '.total > 50
	and .retryable == ([.routes[].status | to_entries[] | select((.key|tonumber) as $s
		| $s == 0 or $s == 429 or $s >= 500) | .value] | add // 0)
	and .routes["GET /api/v3/applications/{app}/devices/{dev}"].status["404"] > 0
	and .routes["GET /api/v3/applications/{app}/devices/batch"].count > 0
	and .routes["DELETE /api/v3/ns/applications/{app}/devices/batch"].status["200"] > 0
	and ([.routes[].count] | add) == .total
	and all(.routes[]; .count == ([.status[]] | add))'
req DELETE /_emulator/stats
check "stats reset answers the counts" 200 '.total > 50'
req GET /devices-not-api
req GET /_emulator/stats
check "stats reset" 200 '.total == 0 and .routes == {}'
stop

# --- fault knobs -------------------------------------------------------------------------------
start --fail-every 3 --fail-status 502 --throttle-every 4 --drop-every 5
got=""
for _ in 1 2 3 4 5 6; do
	req GET /api/v3/ns/net_id
	[ "$CURL_RC" = 52 ] && STATUS=drop
	got="$got $STATUS"
	[ "$STATUS" = 429 ] && { expect_header "throttle Retry-After" Retry-After 1
		expect_header "throttle X-Rate-Limit-Retry" X-Rate-Limit-Retry "?*"; }
done
checks=$((checks + 1))
[ "$got" = " 200 200 502 429 drop 502" ] || fail "fault knobs" "got$got"
stop

start --rate-limit 2
req GET /api/v3/ns/net_id
expect_header "rate limit headers" X-Rate-Limit-Limit 2
req GET /api/v3/ns/net_id
req GET "/api/v3/applications/src-app/devices?field_mask=mac_settings"
check "mask check before rate limit" 400
req GET /api/v3/ns/net_id
err "rate limited" 429 "pkg/ratelimit:rate_limit_exceeded"
expect_header "429 X-Rate-Limit-Retry" X-Rate-Limit-Retry "[1-9]*"
stop

start --reject-paths mac_settings.relay
req GET "/api/v3/ns/applications/a-app/devices/d-dev?field_mask=mac_settings.relay.mode.serving,session"
check "reject-paths" 400 '.details[0].attributes.forbidden_paths==["mac_settings.relay.mode.serving"]'
stop

start --fail-route "PUT:/ns/applications/dst-app/devices:400" --fail-route "post:/applications/dst-app/devices:503"
req PUT "/api/v3/ns/applications/dst-app/devices/d-dev" '{}'
err "fail-route" 400 "pkg/emulator:injected_refusal"
check "fail-route names the route" 400 '.details[0].attributes.route=="PUT:/ns/applications/dst-app/devices" and .code==3'
req POST "/api/v3/applications/dst-app/devices" '{}'
err "fail-route repeatable, any case" 503 "pkg/emulator:injected_refusal"
req PUT "/api/v3/ns/applications/other-app/devices/d-dev" '{"end_device":{},"field_mask":{"paths":["nope"]}}'
check "fail-route: other paths pass" 400 '.details[0].name=="field_mask_paths"'
req GET "/api/v3/ns/applications/dst-app/devices/d-dev"
err "fail-route: other methods pass" 404 "pkg/redis:not_found"
stop

# --latency-ms must not serialise requests: 20 in parallel at 300 ms each.
start --latency-ms 300
t0=$(date +%s%N)
for i in $(seq 20); do
	curl -s -o /dev/null -H "Authorization: $KEY" "$BASE/api/v3/ns/net_id" &
done
wait $(jobs -p | grep -v -x "$PID")
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
checks=$((checks + 1))
[ "$ms" -lt 2500 ] || fail "parallel latency" "20 requests took $ms ms"
stop

# --- --answer-omit: stored, but not in the answer --------------------------------------------
start --seed "$SEED" --answer-omit PUT:/as/:session.keys.app_s_key
A=/api/v3/as/applications/src-app/devices/otaa-session
req PUT "$A" '{"end_device":{"ids":{"device_id":"otaa-session"},"session":{"dev_addr":"260B0001","keys":{"app_s_key":{"key":"00112233445566778899AABBCCDDEEFF"}}}},"field_mask":{"paths":["session.dev_addr","session.keys.app_s_key.key"]}}'
check "answer-omit: the Set answer lacks the path" 200 '.session.dev_addr=="260B0001" and (.session.keys | has("app_s_key") | not)'
req GET "$A?field_mask=session.keys.app_s_key.key"
check "answer-omit: stored all the same" 200 '.session.keys.app_s_key.key=="00112233445566778899AABBCCDDEEFF"'
stop

echo "smoke: $checks checks, $fails failed ($EMU)"
[ "$fails" = 0 ]
