#!/usr/bin/env bash
# Source awsiot: AWS IoT Core for LoRaWAN (iotwireless) through the AWS
# emulator (tests/awsemu), which verifies every request's SigV4 signature.
# Seed: tests/fixtures/awsiot/seed.json (OTAA 1.0.3, ABP 1.0.2 rev B class C,
# OTAA 1.1, ABP 1.1, a Sidewalk device, five more OTAA devices).
. "$(dirname "$0")/lib.sh"

A="$FIX/awsiot"
AWSEMU="$BUILD/aws-emulator"
unset APP_ID FREQUENCY_PLAN_ID AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE AWS_ACCESS_KEY_ID \
	AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_IOT_WIRELESS \
	AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE AWSIOT_FRAME_COUNTERS 2>/dev/null || true

start_aws() { # VAR [args]
	local var=$1
	shift
	"$AWSEMU" --port 0 --quiet --seed "$A/seed.json" "$@" >"$TMP/aws-$var.port" 2>"$TMP/aws-$var.log" &
	wait_port "$var" "$TMP/aws-$var.port" $! "$TMP/aws-$var.log" aws-emulator
}
start_aws AWS --page-size 3
SECRET_ENV='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
envcreds() { env AWS_REGION=eu-west-1 AWS_ACCESS_KEY_ID=AKIDEXAMPLEENV AWS_SECRET_ACCESS_KEY="$SECRET_ENV" \
	AWS_ENDPOINT_URL="$AWS" "$@"; }
aws_requests() { curl -sf "$AWS/_emulator/requests"; }
aws_clear() { curl -sf -X DELETE "$AWS/_emulator/requests" >/dev/null; }
D1=8f1c2a3b-0000-4000-8000-000000000001 # OTAA 1.0.3
D2=8f1c2a3b-0000-4000-8000-000000000002 # ABP 1.0.2 rev B, class C
D4=8f1c2a3b-0000-4000-8000-000000000004 # OTAA 1.1
D5=8f1c2a3b-0000-4000-8000-000000000005 # ABP 1.1

# ---- application: every LoRaWAN device, paged ---------------------------------------------
aws_clear
envcreds "$BIN" awsiot application --app-id my-app --frequency-plan-id EU_863_870_TTN \
	--assume-zero-frame-counters </dev/null >"$TMP/all.jsonl" 2>"$TMP/all.err"
assert_eq "application: exit 0" 0 $?
assert_eq "application: the nine LoRaWAN devices (not the Sidewalk one)" \
	'["8f1c2a3b-0000-4000-8000-000000000001","8f1c2a3b-0000-4000-8000-000000000002","8f1c2a3b-0000-4000-8000-000000000004","8f1c2a3b-0000-4000-8000-000000000005","8f1c2a3b-0000-4000-8000-000000000006","8f1c2a3b-0000-4000-8000-000000000007","8f1c2a3b-0000-4000-8000-000000000008","8f1c2a3b-0000-4000-8000-000000000009","8f1c2a3b-0000-4000-8000-000000000010"]' \
	"$(jq -s -c '[.[].ids.device_id] | sort' "$TMP/all.jsonl")"
assert_eq "pagination: three pages of three, each with the type filter and an encoded token" \
	'["/wireless-devices?maxResults=100&wirelessDeviceType=LoRaWAN","/wireless-devices?maxResults=100&nextToken=AAEC%2B3%2Fpg%3D%3D&wirelessDeviceType=LoRaWAN","/wireless-devices?maxResults=100&nextToken=AAEC%2B6%2Fpg%3D%3D&wirelessDeviceType=LoRaWAN"]' \
	"$(aws_requests | jq -c '[.[] | select(.uri | startswith("/wireless-devices?")) | .uri]')"
assert_eq "every request was signed and accepted" 0 "$(aws_requests | jq '[.[] | select(.status != 200)] | length')"
sel() { jq -c --arg id "$1" "select(.ids.device_id == \$id) | $2" "$TMP/all.jsonl"; }
assert_eq "OTAA 1.0.3: ids, name, description, versions, plan" \
	'[{"device_id":"8f1c2a3b-0000-4000-8000-000000000001","application_ids":{"application_id":"my-app"},"dev_eui":"70B3D57ED0000001","join_eui":"70B3D57ED00000AA"},"otaa-103","an OTAA 1.0.3 sensor","MAC_V1_0_3","PHY_V1_0_3_REV_A","EU_863_870_TTN",true]' \
	"$(sel $D1 '[.ids, .name, .description, .lorawan_version, .lorawan_phy_version, .frequency_plan_id, .supports_join]')"
assert_eq "OTAA 1.0.3: root key, no session, no MAC state (it joins again)" \
	'["000102030405060708090A0B0C0D0E0F",null,null]' "$(sel $D1 '[.root_keys.app_key.key, .session, .mac_state]')"
assert_eq "profile settings converted to TTS units (s, Hz, enums)" \
	'{"class_b_timeout":"8s","ping_slot_periodicity":"PING_EVERY_4S","desired_ping_slot_data_rate_index":3,"desired_ping_slot_frequency":"869525000","rx1_delay":1,"desired_rx1_data_rate_offset":0,"desired_rx2_data_rate_index":0,"desired_rx2_frequency":"869525000","desired_max_duty_cycle":"DUTY_CYCLE_16","desired_max_eirp":"DEVICE_EIRP_14","supports_32_bit_f_cnt":true}' \
	"$(sel $D1 .mac_settings)"
assert_eq "class B from the profile" true "$(sel $D1 .supports_class_b)"
assert_eq "OTAA 1.1: AppKey, NwkKey, JoinEui" \
	'["303132333435363738393A3B3C3D3E3F","404142434445464748494A4B4C4D4E4F","70B3D57ED00000BB","MAC_V1_1","PHY_V1_1_REV_A"]' \
	"$(sel $D4 '[.root_keys.app_key.key, .root_keys.nwk_key.key, .ids.join_eui, .lorawan_version, .lorawan_phy_version]')"
assert_eq "ABP 1.0.2 rev B class C: session (counters 0), MAC state from the builder" \
	'[null,true,"PHY_V1_0_2_REV_B","26011234","101112131415161718191A1B1C1D1E1F","202122232425262728292A2B2C2D2E2F",0,0,"CLASS_C",null]' \
	"$(sel $D2 '[.supports_join, .supports_class_c, .lorawan_phy_version, .session.dev_addr, .session.keys.f_nwk_s_int_key.key, .session.keys.app_s_key.key, (.session.last_f_cnt_up // 0), (.session.last_n_f_cnt_down // 0), .mac_state.device_class, .session.keys.session_key_id]')"
assert_eq "ABP: MAC state has EU_863_870_TTN's channels and the profile's RX settings" '[8,5,3,1,"869525000"]' \
	"$(sel $D2 '.mac_state.current_parameters | [(.channels | length), .rx1_delay, .rx2_data_rate_index, .rx1_data_rate_offset, .rx2_frequency]')"
assert_eq "ABP 1.1: the four session keys" \
	'["505152535455565758595A5B5C5D5E5F","606162636465666768696A6B6C6D6E6F","707172737475767778797A7B7C7D7E7F","808182838485868788898A8B8C8D8E8F","26015555"]' \
	"$(sel $D5 '.session | [.keys.f_nwk_s_int_key.key, .keys.s_nwk_s_int_key.key, .keys.nwk_s_enc_key.key, .keys.app_s_key.key, .dev_addr]')"
assert_contains "assume-zero: a warning per ABP device" "$TMP/all.err" "device $D2 (DevEUI 70B3D57ED0000002): ABP, frame counters assumed 0"
assert_eq "assume-zero: two warnings" 2 "$(grep -c 'frame counters assumed 0' "$TMP/all.err")"
assert_not_contains "no secret in the log" "$TMP/all.err" "$SECRET_ENV"

# ---- check, import ----------------------------------------------------------------------------
run_tool check --format json "$TMP/all.jsonl"
assert_rc "check accepts the export" 0
assert_eq "check: no errors" 0 "$(jq '[.[] | select(.severity == "error")] | length' "$OUT")"
start_emu DST
DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$DST run_tool import "$TMP/all.jsonl"
assert_rc "import into the TTS emulator: exit 0" 0
assert_contains "import: all nine created" "$ERR" "created 9 of 9 devices, failed 0"
assert_eq "NS has the ABP session and MAC state" '["26011234",8]' \
	"$(emu_devices "$DST" | jq -c --arg id $D2 '.ns[] | select(.ids.device_id == $id) | [.session.dev_addr, (.mac_state.current_parameters.channels | length)]')"

# ---- device items, both spellings, frame counter file --------------------------------------------
printf 'dev_eui,last_f_cnt_up,last_n_f_cnt_down,last_a_f_cnt_down\n70b3d57ed0000002,1234,56\n70B3D57ED0000005,77,8,9\n' >"$TMP/fc.csv"
envcreds "$BIN" awsiot device $D2 $D5 --app-id my-app --frequency-plan-id EU_863_870_TTN \
	--frame-counters "$TMP/fc.csv" >"$TMP/fc.jsonl" 2>"$TMP/fc.err"
assert_eq "device + --frame-counters: exit 0" 0 $?
assert_eq "counters from the file (1.0.x: A = N when the column is absent)" '[[1234,56,56],[77,8,9]]' \
	"$(jq -s -c 'sort_by(.ids.device_id) | [.[].session | [.last_f_cnt_up, .last_n_f_cnt_down, .last_a_f_cnt_down]]' "$TMP/fc.jsonl")"
assert_not_contains "file counters: no assume-zero warning" "$TMP/fc.err" "assumed 0"
envcreds "$BIN" device --source awsiot $D2 --awsiot.app-id my-app --awsiot.frequency-plan-id EU_863_870_TTN \
	--awsiot.frame-counters "$TMP/fc.csv" >"$TMP/fc2.jsonl" 2>/dev/null
assert_eq "--source awsiot with --awsiot.* flags: exit 0" 0 $?
NOISE='del(.mac_state)'
assert_eq "--awsiot.* spelling exports the same device" \
	"$(jq -cS --arg id $D2 "select(.ids.device_id == \$id) | $NOISE" "$TMP/fc.jsonl")" "$(jq -cS "$NOISE" "$TMP/fc2.jsonl")"
APP_ID=my-app FREQUENCY_PLAN_ID=EU_863_870_TTN AWSIOT_FRAME_COUNTERS="$TMP/fc.csv" envcreds "$BIN" awsiot device $D2 >"$TMP/fc3.jsonl" 2>/dev/null
assert_eq "APP_ID, FREQUENCY_PLAN_ID, AWSIOT_FRAME_COUNTERS from the environment" \
	"$(jq -cS "$NOISE" "$TMP/fc2.jsonl")" "$(jq -cS "$NOISE" "$TMP/fc3.jsonl")"

# ABP without counters: refused, one line; the OTAA device still exported.
envcreds "$BIN" awsiot device $D2 $D1 --app-id my-app --frequency-plan-id EU_863_870_TTN \
	>"$TMP/ref.jsonl" 2>"$TMP/ref.err"
assert_eq "ABP without counters: exit 1" 1 $?
assert_eq "... the OTAA device is exported" "\"$D1\"" "$(jq -c .ids.device_id "$TMP/ref.jsonl")"
assert_contains "... the ABP device refused, saying why" "$TMP/ref.err" \
	"device $D2 (DevEUI 70B3D57ED0000002): ABP, and AWS does not expose frame counters: give its counters with --frame-counters FILE, or --assume-zero-frame-counters"
printf '70b3d57ed0000002,12x,1\n' >"$TMP/badfc.csv"
envcreds "$BIN" awsiot device $D2 --app-id my-app --frequency-plan-id EU_863_870_TTN --frame-counters "$TMP/badfc.csv" \
	>/dev/null 2>"$TMP/badfc.err"
assert_eq "bad counter file: exit 2" 2 $?
assert_contains "bad counter file: line and field" "$TMP/badfc.err" "badfc.csv line 1: field 2: not a frame counter"
envcreds "$BIN" awsiot device 8f1c2a3b-0000-4000-8000-000000000099 --app-id my-app --frequency-plan-id EU_863_870_TTN \
	>/dev/null 2>"$TMP/nf.err"
assert_contains "unknown device: AWS's 404" "$TMP/nf.err" \
	"device 8f1c2a3b-0000-4000-8000-000000000099: GetWirelessDevice: HTTP 404 ResourceNotFoundException"

# ---- credentials: profile files, wrong secret, no credentials, wrong region -----------------------
mkdir -p "$HOME/.aws"
printf '[default]\naws_access_key_id = nobody\naws_secret_access_key = nothing\n\n[ops]\naws_access_key_id = ASIAEXAMPLEPROFILE\naws_secret_access_key = pr0f1le/Secret+Key=EXAMPLE\naws_session_token = FwoGZXIvYXdzEXAMPLE+TOKEN/==\n' >"$HOME/.aws/credentials"
printf '[default]
region = eu-west-1
[profile ops]\nregion = eu-west-1\n' >"$HOME/.aws/config"
aws_clear
AWS_PROFILE=ops AWS_ENDPOINT_URL_IOT_WIRELESS="$AWS" run_tool awsiot device $D1 --app-id my-app --frequency-plan-id EU_863_870_TTN
assert_rc "AWS_PROFILE=ops from ~/.aws (session token, region from config): exit 0" 0
assert_eq "profile: the device exported" "\"$D1\"" "$(jq -c .ids.device_id "$OUT")"
assert_eq "profile: both requests accepted (token checked by the emulator)" '[200,200]' "$(aws_requests | jq -c '[.[].status]')"
assert_not_contains "profile: no secret or token in the output" "$ERR" "pr0f1le"
AWS_ENDPOINT_URL="$AWS" run_tool awsiot device $D1 --profile ops --app-id my-app --frequency-plan-id EU_863_870_TTN
assert_rc "--profile ops: exit 0" 0
AWS_ENDPOINT_URL="$AWS" run_tool awsiot device $D1 --app-id my-app --frequency-plan-id EU_863_870_TTN
assert_rc "default profile: unknown key id: exit 2 (a configuration error)" 2
assert_contains "unknown key id: AWS's code" "$ERR" "HTTP 403 UnrecognizedClientException"
AWS_ENDPOINT_URL="$AWS" AWS_REGION=eu-west-1 AWS_ACCESS_KEY_ID=AKIDEXAMPLEENV AWS_SECRET_ACCESS_KEY='not-the-secret-XYZZY' \
	run_tool awsiot application --app-id my-app --frequency-plan-id EU_863_870_TTN </dev/null
assert_rc "wrong secret: non-zero exit" 1
assert_eq "wrong secret: one error line" 1 "$(grep -c 'error:' "$ERR")"
assert_contains "wrong secret: names the problem" "$ERR" \
	"ListWirelessDevices (page 1): HTTP 403 InvalidSignatureException: The request signature we calculated does not match"
assert_not_contains "wrong secret: the secret is not printed" "$ERR" "XYZZY"
assert_not_contains "wrong secret: nothing on stdout" "$OUT" "device_id"
AWS_ENDPOINT_URL="$AWS" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIDEXAMPLEENV AWS_SECRET_ACCESS_KEY="$SECRET_ENV" \
	run_tool awsiot device $D1 --app-id my-app --frequency-plan-id EU_863_870_TTN
assert_contains "wrong region: refused by the signature check" "$ERR" "Credential should be scoped to a valid region"
AWS_PROFILE=ops AWS_SESSION_TOKEN=ignored AWS_ENDPOINT_URL="$AWS" run_tool awsiot device $D1 --app-id my-app --frequency-plan-id EU_863_870_TTN
assert_rc "AWS_SESSION_TOKEN alone does not replace the profile's (env keys absent): exit 0" 0
AWS_ACCESS_KEY_ID=ASIAEXAMPLEPROFILE AWS_SECRET_ACCESS_KEY='pr0f1le/Secret+Key=EXAMPLE' AWS_SESSION_TOKEN=wrong-token \
	AWS_REGION=eu-west-1 AWS_ENDPOINT_URL="$AWS" run_tool awsiot device $D1 --app-id my-app --frequency-plan-id EU_863_870_TTN
assert_contains "wrong session token: refused" "$ERR" "HTTP 403 UnrecognizedClientException: The security token included in the request is invalid."
assert_not_contains "wrong session token: not printed" "$ERR" "wrong-token"
rm -f "$HOME/.aws/credentials"
AWS_ENDPOINT_URL="$AWS" AWS_REGION=eu-west-1 run_tool awsiot device $D1 --app-id my-app --frequency-plan-id EU_863_870_TTN
assert_rc "no credentials: exit 2" 2
assert_contains "no credentials: says what to set" "$ERR" "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
rm -f "$HOME/.aws/config"
AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y run_tool awsiot device $D1 --app-id my-app --frequency-plan-id EU_863_870_TTN
assert_contains "no region: says what to set" "$ERR" "no AWS region: set AWS_REGION or --region"

# ---- the emulator's SigV4 checks, by hand (curl signs too) ----------------------------------------
code() { curl -s -o /dev/null -w '%{http_code} ' "$@"; curl -s -D - -o /dev/null "$@" | tr -d '\r' | sed -n 's/^x-amzn-ErrorType: \([^:]*\):.*/\1/p'; }
SIG=(--aws-sigv4 "aws:amz:eu-west-1:iotwireless" --user "AKIDEXAMPLEENV:$SECRET_ENV")
assert_eq "emulator: curl --aws-sigv4 accepted" "200 " "$(code "${SIG[@]}" "$AWS/device-profiles/prof-11" | head -1)"
assert_eq "emulator: no Authorization" "403 MissingAuthenticationTokenException" "$(code "$AWS/device-profiles/prof-11" | paste -sd' ')"
assert_eq "emulator: wrong service in the scope" "403 InvalidSignatureException" \
	"$(code --aws-sigv4 "aws:amz:eu-west-1:iot" --user "AKIDEXAMPLEENV:$SECRET_ENV" "$AWS/device-profiles/prof-11" | paste -sd' ')"
assert_eq "emulator: an expired x-amz-date" "403 InvalidSignatureException" \
	"$(code "${SIG[@]}" -H 'x-amz-date: 20200101T000000Z' "$AWS/device-profiles/prof-11" | paste -sd' ')"
assert_eq "emulator: a tampered query" "403 InvalidSignatureException" \
	"$(code "${SIG[@]}" -H 'x-amz-date: '"$(date -u +%Y%m%dT%H%M%SZ)" "$AWS/wireless-devices?maxResults=1" | paste -sd' ')"
assert_eq "emulator: no x-amz-date" "403 IncompleteSignatureException" \
	"$(code -H "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLEENV/$(date -u +%Y%m%d)/eu-west-1/iotwireless/aws4_request, SignedHeaders=host, Signature=00" "$AWS/device-profiles/prof-11" | paste -sd' ')"
NOW=$(date -u +%Y%m%dT%H%M%SZ)
assert_eq "emulator: x-amz-date twice" "403 InvalidSignatureException" \
	"$(code "${SIG[@]}" -H "x-amz-date: $NOW" -H "X-Amz-Date: $NOW" "$AWS/device-profiles/prof-11" | paste -sd' ')"
assert_eq "emulator: a session token where the key has none" "403 UnrecognizedClientException" \
	"$(code "${SIG[@]}" -H "x-amz-security-token: forged" "$AWS/device-profiles/prof-11" | paste -sd' ')"
assert_eq "emulator: maxResults over 250" "400 ValidationException" \
	"$(code "${SIG[@]}" "$AWS/wireless-devices?maxResults=251" | paste -sd' ')"

# ---- one-command migration (read-only source) ---------------------------------------------------
start_emu MIG
aws_clear
envcreds env DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY=$KEY DEST_TTS_API_URL=$MIG "$BIN" awsiot application \
	--app-id my-app --frequency-plan-id EU_863_870_TTN --frame-counters "$TMP/fc.csv" \
	--to-dest --journal "$TMP/m.db" </dev/null >"$TMP/mig.out" 2>"$TMP/mig.err"
assert_eq "--to-dest: exit 0" 0 $?
assert_contains "--to-dest: read-only source said" "$TMP/mig.err" "the source is read-only"
assert_contains "--to-dest: nine migrated" "$TMP/mig.err" "migrated (verified) 9, already done 0, failed 0"
assert_eq "--to-dest: nine devices at the destination" 9 \
	"$(emu_devices "$MIG" | jq '[.is[] | select(.ids.application_ids.application_id == "cloud-app")] | length')"
assert_eq "--to-dest: only GETs at AWS" 0 "$(aws_requests | jq '[.[] | select(.method != "GET")] | length')"
run_tool status --journal "$TMP/m.db"
assert_contains "status: nothing retired" "$OUT" "retired   0"
