#!/usr/bin/env bash
# The emulator's gateway side (tests/emulator/README.md "Gateways"), driven with curl: accounts'
# keys and rights, the IS gateway registry (list paging, masks, public cut-down, secrets, create
# errors, update, soft delete, restore, rights), gateway API keys and the GS connection stats.
# Every expectation comes from shared/spec/gateways.md §1 and §4 (TTS v3.32.1).
. "$(dirname "$0")/lib.sh"

ALICE=NNSXS.ALICE.ASECRET
BOB=NNSXS.BOB.BSECRET
ACME=NNSXS.ACME.CSECRET
LIMITED=NNSXS.LIMITED.LSECRET # alice's key with only list and INFO
NOSEC=NNSXS.NOSEC.NSECRET     # alice's key without the secret rights

cat >"$TMP/gws.jsonl" <<'EOF'
{"gateway":{"ids":{"gateway_id":"seed-a","eui":"00800000A0000001"},"name":"Seed A","frequency_plan_ids":["EU_863_870"],"status_public":true,"gateway_server_address":"eu1.cloud.thethings.network","antennas":[{"gain":2,"location":{"latitude":52.1,"longitude":5.1}}],"lbs_lns_secret":{"value":"TlNTWFMuTE5TLktFWQ=="}},"owner":{"user_id":"alice"}}
{"gateway":{"ids":{"gateway_id":"seed-b","eui":"00800000A0000002"},"name":"Seed B","location_public":true,"antennas":[{"gain":1,"location":{"latitude":51,"longitude":4}}]},"owner":{"user_id":"alice"},"connection":{"protocol":"udp","connected":true,"uplink_count":7}}
{"gateway":{"ids":{"gateway_id":"seed-c"},"name":"Seed C"},"owner":{"user_id":"alice"}}
{"gateway":{"ids":{"gateway_id":"acme-gw"},"name":"Acme"},"owner":{"organization_id":"acme"}}
EOF

start_emu E --seed-gateways "$TMP/gws.jsonl" --gateway-limit 7 \
	--user-key "$ALICE=alice" --user-key "$BOB=bob" --org-key "$ACME=acme" \
	--user-key "$LIMITED=alice" --key-rights LIMITED=RIGHT_USER_GATEWAYS_LIST,RIGHT_USER_GATEWAYS_CREATE \
	--user-key "$NOSEC=alice" \
	--key-rights NOSEC=RIGHT_USER_GATEWAYS_LIST,RIGHT_GATEWAY_INFO,RIGHT_GATEWAY_SETTINGS_BASIC,RIGHT_GATEWAY_SETTINGS_API_KEYS
API="$E/api/v3"

# call METHOD PATH KEY [BODY]: the answer in $TMP/b, headers in $TMP/h, status in $ST.
call() {
	local auth=()
	[ -n "$3" ] && auth=(-H "Authorization: Bearer $3")
	ST=$(curl -s -o "$TMP/b" -D "$TMP/h" -w '%{http_code}' -X "$1" "${auth[@]}" \
		${4:+--data-binary "$4"} "$API$2")
}
# expect DESC STATUS [NAME]: the status and details[0].name of the last answer.
expect() {
	local name
	name=$(jq -r '.details[0].name // empty' "$TMP/b" 2>/dev/null)
	if [ "$ST" == "$2" ] && [ "${3:-}" == "$name" ]; then ok "$1"; else
		not_ok "$1" "expected $2 ${3:-}, got $ST $name" "$(head -c 400 "$TMP/b")"
	fi
}
body() { jq -c "$@" "$TMP/b"; }
total() { tr -d '\r' <"$TMP/h" | awk -F': ' 'tolower($1) == "x-total-count" {print $2}'; }

# --- list: paging, X-Total-Count, masks, order --------------------------------------------------
call GET "/users/alice/gateways?limit=2&page=1&field_mask=name" "$ALICE"
expect "list page 1" 200
assert_eq "list page 1: 2 gateways in id order" '["seed-a","seed-b"]' "$(body '[.gateways[].ids.gateway_id]')"
assert_eq "list: X-Total-Count counts all of alice's" 3 "$(total)"
assert_eq "list: mask name plus ids and timestamps only" '["created_at","ids","name","updated_at"]' \
	"$(body '.gateways[0] | keys')"
call GET "/users/alice/gateways?limit=2&page=2" "$ALICE"
assert_eq "list page 2: the rest" '["seed-c"]' "$(body '[.gateways[].ids.gateway_id]')"
assert_eq "list: an empty mask gives ids and timestamps" '["created_at","ids","updated_at"]' \
	"$(body '.gateways[0] | keys')"
call GET "/users/alice/gateways?limit=2&page=3" "$ALICE"
assert_eq "list: an empty page is {}" '{}' "$(body .)"
assert_eq "list: X-Total-Count on the empty page" 3 "$(total)"
call GET "/users/alice/gateways?order=-name&field_mask=name" "$ALICE"
assert_eq "list: order -name" '["Seed C","Seed B","Seed A"]' "$(body '[.gateways[].name]')"
call GET "/users/alice/gateways?limit=1001" "$ALICE"
expect "list: limit above 1000 refused" 400 validation
call GET "/users/alice/gateways?order=eui" "$ALICE"
expect "list: unknown order refused" 400 validation
call GET "/users/alice/gateways?field_mask=attributes.foo" "$ALICE"
expect "list: a path outside GatewayFieldPathsNested" 400 field_mask_paths
call GET "/gateways?field_mask=name" "$ALICE"
assert_eq "list /gateways: the caller's own" '["seed-a","seed-b","seed-c"]' "$(body '[.gateways[].ids.gateway_id]')"
call GET "/organizations/acme/gateways" "$ACME"
assert_eq "list an organization's gateways" '["acme-gw"]' "$(body '[.gateways[].ids.gateway_id]')"
call GET "/users/alice/gateways" "$BOB"
expect "list another user's gateways" 403 no_user_rights
call GET "/users/alice/gateways" ""
expect "list without a key" 403 no_user_rights
call GET "/users/alice/gateways?field_mask=name,lbs_lns_secret" "$NOSEC"
assert_eq "list without READ_SECRETS: secrets silently dropped" 'null' "$(body '.gateways[0].lbs_lns_secret')"
assert_eq "list without READ_SECRETS: other fields kept" '"Seed A"' "$(body '.gateways[0].name')"
call GET "/users/alice/gateways?field_mask=name,attributes,gateway_server_address,antennas,status_public" "$LIMITED"
expect "list without INFO answers" 200
assert_eq "list without INFO: cut to public fields (no attributes)" \
	'[["antennas","created_at","gateway_server_address","ids","name","status_public","updated_at"],["antennas","created_at","ids","name","status_public","updated_at"]]' \
	"$(body '[.gateways[0:2][] | keys]')"
assert_eq "list without INFO: antenna location dropped (status_public but not location_public)" 'null' \
	"$(body '.gateways[0].antennas[0].location')"

# --- get: masks, public fields, secrets ------------------------------------------------------------
call GET "/gateways/seed-a?field_mask=name,frequency_plan_id,lbs_lns_secret" "$ALICE"
expect "get with secrets by the owner" 200
assert_eq "get: secret read back in plaintext, no key_id" '{"value":"TlNTWFMuTE5TLktFWQ=="}' "$(body .lbs_lns_secret)"
assert_eq "get: frequency_plan_id from frequency_plan_ids[0]" '"EU_863_870"' "$(body .frequency_plan_id)"
call GET "/gateways/seed-a?field_mask=lbs_lns_secret" "$NOSEC"
expect "get: a secret without READ_SECRETS" 403 insufficient_gateway_rights
assert_eq "get: the missing right named" '["RIGHT_GATEWAY_READ_SECRETS"]' "$(body '.details[0].attributes.missing')"
call GET "/gateways/seed-a?field_mask=name,gateway_server_address,antennas" "$BOB"
expect "get public fields as a stranger" 200
# PublicSafe looks at the status_public it loaded: without it in the mask, no address.
assert_eq "get public: no server address unless status_public is masked too" 'null' "$(body .gateway_server_address)"
call GET "/gateways/seed-a?field_mask=name,gateway_server_address,antennas,status_public,location_public" "$BOB"
assert_eq "get public: server address shown (status_public)" '"eu1.cloud.thethings.network"' \
	"$(body .gateway_server_address)"
assert_eq "get public: antenna without location (not location_public)" '[{"gain":2}]' "$(body .antennas)"
call GET "/gateways/seed-b?field_mask=antennas,location_public" "$BOB"
assert_eq "get public: location shown when location_public" '51' "$(body '.antennas[0].location.latitude')"
call GET "/gateways/seed-a?field_mask=attributes" "$BOB"
expect "get a non-public field as a stranger" 403 no_gateway_rights
call GET "/gateways/seed-a?field_mask=name" ""
expect "get without a key" 401 unauthenticated
call GET "/gateways/nope-gw?field_mask=name" "$BOB"
expect "get a missing gateway (public mask)" 404 gateway_not_found
call GET "/gateways/seed-a?field_mask=name&field_mask=ids" "$ALICE"
assert_eq "get: two field_mask parameters refused (400)" 400 "$ST"
call GET "/gateways/seed-a/rights" "$ALICE"
assert_eq "rights: the owner has all 12 gateway rights" 12 "$(body '.rights | length')"
call GET "/gateways/seed-a/rights" "$BOB"
assert_eq "rights: a stranger has none ({})" '{}' "$(body .)"

# --- create -----------------------------------------------------------------------------------
NEW='{"gateway":{"ids":{"gateway_id":"roof-gw-1","eui":"b827ebfffe8db887"},"name":"Roof","frequency_plan_id":"EU_863_870","target_cups_key":{"key_id":"mine","value":"Q1VQUw=="}}}'
call POST /users/alice/gateways "$ALICE" "$NEW"
expect "create under a user" 200
assert_eq "create: EUI stored upper-case" '"B827EBFFFE8DB887"' "$(body .ids.eui)"
assert_eq "create: frequency_plan_id → frequency_plan_ids" '["EU_863_870"]' "$(body .frequency_plan_ids)"
assert_eq "create: enforce_duty_cycle false when absent" 'false' "$(body .enforce_duty_cycle)"
assert_eq "create: contacts default to the collaborator" '{"user_ids":{"user_id":"alice"}}' \
	"$(body .administrative_contact)"
assert_eq "create: the client's secret key_id is not kept" '{"value":"Q1VQUw=="}' "$(body .target_cups_key)"
call POST /users/alice/gateways "$ALICE" '{"gateway":{"ids":{"gateway_id":"roof-gw-1"}}}'
expect "create: id taken" 409 id_taken
call POST /users/alice/gateways "$ALICE" '{"gateway":{"ids":{"gateway_id":"roof-gw-2","eui":"B827EBFFFE8DB887"}}}'
expect "create: EUI taken" 409 gateway_eui_taken
assert_eq "create: EUI taken names the EUI and the holder" '{"gateway_eui":"B827EBFFFE8DB887","gateway_id":"roof-gw-1"}' \
	"$(body '.details[0].attributes')"
call POST /users/alice/gateways "$ALICE" '{"gateway":{"ids":{"gateway_id":"admin"}}}'
expect "create: blocklisted id" 400 forbidden_id
call POST /users/alice/gateways "$ALICE" '{"gateway":{"ids":{"gateway_id":"Bad_Id"}}}'
expect "create: id rules" 400 validation
call POST /users/alice/gateways "$ALICE" '{"gateway":{"ids":{"gateway_id":"gw-x"},"technical_contact":{"user_ids":{"user_id":"bob"}}}}'
expect "create: a contact that is not the collaborator" 400 contact_no_collaborator
call POST /users/alice/gateways "$ALICE" '{"gateway":{"ids":{"gateway_id":"gw-x","eui":"12345"}}}'
assert_eq "create: a malformed EUI (400)" 400 "$ST"
call POST /users/alice/gateways "$ALICE" "{\"gateway\":{\"ids\":{\"gateway_id\":\"gw-x\"},\"name\":\"$(printf 'n%.0s' {1..51})\"}}"
expect "create: a name over 50 characters" 400 validation
call POST /users/alice/gateways "$BOB" '{"gateway":{"ids":{"gateway_id":"gw-x"}}}'
expect "create under another user" 403 no_user_rights
call POST /users/alice/gateways "$NOSEC" '{"gateway":{"ids":{"gateway_id":"gw-x"}}}'
expect "create without USER_GATEWAYS_CREATE" 403 insufficient_user_rights
call POST /organizations/acme/gateways "$ACME" '{"gateway":{"ids":{"gateway_id":"acme-gw-2"}}}'
expect "create under an organization" 200
assert_eq "create under an org: contact is the org" '{"organization_ids":{"organization_id":"acme"}}' \
	"$(body .technical_contact)"
call POST /users/bob/gateways "$BOB" '{"gateway":{"ids":{"gateway_id":"bob-gw"}}}'
expect "create: the 7th gateway fits the limit" 200
call POST /users/bob/gateways "$BOB" '{"gateway":{"ids":{"gateway_id":"bob-gw-2"}}}'
expect "create beyond --gateway-limit" 400 tenant_entity_limit
assert_eq "tenant_entity_limit: attributes" '["gateway",7]' "$(body '[.details[0].attributes.entity_type, .details[0].attributes.limit]')"
assert_eq "tenant_entity_limit: gRPC code 9" 9 "$(body .code)"
call DELETE /gateways/bob-gw "$BOB"

# --- update ----------------------------------------------------------------------------------
call PUT /gateways/seed-c "$ALICE" '{"gateway":{"name":"Renamed","enforce_duty_cycle":true},"field_mask":{"paths":["name"]}}'
expect "update name" 200
assert_eq "update: masked name changed" '"Renamed"' "$(body .name)"
call GET "/gateways/seed-c?field_mask=enforce_duty_cycle" "$ALICE"
assert_eq "update: an unmasked field is untouched" 'false' "$(body .enforce_duty_cycle)"
call PUT /gateways/seed-c "$ALICE" '{"gateway":{"name":"Ignored"}}'
expect "update with an empty mask" 200
call GET "/gateways/seed-c?field_mask=name" "$ALICE"
assert_eq "update: an empty mask changes nothing" '"Renamed"' "$(body .name)"
call PUT /gateways/seed-c "$ALICE" '{"gateway":{"ids":{"gateway_id":"other"}},"field_mask":{"paths":["ids.gateway_id"]}}'
expect "update: ids.gateway_id is immutable" 400 field_mask_paths
call PUT /gateways/seed-c "$NOSEC" '{"gateway":{"lbs_lns_secret":{"value":"eA=="}},"field_mask":{"paths":["lbs_lns_secret"]}}'
expect "update a secret without WRITE_SECRETS" 403 insufficient_gateway_rights
call PUT /gateways/seed-c "$ALICE" '{"gateway":{"lbs_lns_secret":{"value":"TkVX"},"gateway_server_address":"acme.eu1.cloud.thethings.industries"},"field_mask":{"paths":["lbs_lns_secret","gateway_server_address"]}}'
expect "update a secret with WRITE_SECRETS" 200
call GET "/gateways/seed-c?field_mask=lbs_lns_secret,gateway_server_address" "$ALICE"
assert_eq "update: the secret and address stored" '[{"value":"TkVX"},"acme.eu1.cloud.thethings.industries"]' \
	"$(body '[.lbs_lns_secret, .gateway_server_address]')"
call PUT /gateways/seed-c "$ALICE" '{"gateway":{"ids":{"eui":"00800000A0000001"}},"field_mask":{"paths":["ids.eui"]}}'
expect "update to a taken EUI" 409 gateway_eui_taken
call PUT /gateways/seed-c "$BOB" '{"gateway":{"name":"x"},"field_mask":{"paths":["name"]}}'
expect "update by a stranger" 403 no_gateway_rights

# --- gateway API keys ---------------------------------------------------------------------------
call POST /gateways/seed-c/api-keys "$ALICE" '{"name":"lns-key","rights":["RIGHT_GATEWAY_INFO","RIGHT_GATEWAY_LINK"]}'
expect "api key: create" 200
LNS=$(body -r .key)
LNS_ID=$(body -r .id)
assert_eq "api key: the value is NNSXS.<id>.<secret>" "NNSXS.$LNS_ID." "${LNS%.*}."
call GET /gateways/seed-c/api-keys "$ALICE"
assert_eq "api key: list shows metadata, never the key" '[["created_at","id","name","rights","updated_at"]]' \
	"$(body '[.api_keys[] | keys]')"
assert_eq "api key list: X-Total-Count" 1 "$(total)"
call GET "/gateways/seed-c/api-keys/$LNS_ID" "$ALICE"
assert_eq "api key: get has no key value" 'null' "$(body .key)"
call POST /gateways/seed-c/api-keys "$NOSEC" '{"rights":["RIGHT_GATEWAY_READ_SECRETS"]}'
expect "api key: rights beyond the caller's" 403 insufficient_gateway_rights
assert_eq "api key: the missing right named" '["RIGHT_GATEWAY_READ_SECRETS"]' "$(body '.details[0].attributes.missing')"
call POST /gateways/seed-c/api-keys "$ALICE" '{"rights":["RIGHT_GATEWAY_ALL"]}'
expect "api key: RIGHT_GATEWAY_ALL by the owner of every gateway right" 200
call DELETE "/gateways/seed-c/api-keys/$(body -r .id)" "$ALICE"
call POST /gateways/seed-c/api-keys "$NOSEC" '{"rights":["RIGHT_GATEWAY_ALL"]}'
expect "api key: RIGHT_GATEWAY_ALL by a caller with some rights only" 403 insufficient_gateway_rights
call POST /gateways/seed-c/api-keys "$ALICE" '{"rights":[]}'
expect "api key: no rights" 400 validation
call POST /gateways/seed-c/api-keys "$ALICE" '{"rights":["RIGHT_GATEWAY_LINK","RIGHT_GATEWAY_LINK"]}'
expect "api key: duplicate rights" 400 validation
call POST /gateways/seed-c/api-keys "$ALICE" '{"rights":["RIGHT_GATEWAY_FLY"]}'
assert_eq "api key: an unknown right (400)" 400 "$ST"
call POST /gateways/seed-c/api-keys "$BOB" '{"rights":["RIGHT_GATEWAY_LINK"]}'
expect "api key: a stranger" 403 no_gateway_rights
call GET "/gateways/seed-c?field_mask=name" "$LNS"
expect "the gateway's LINK key reads its gateway" 200
call GET "/gateways/seed-c/rights" "$LNS"
assert_eq "the LINK key's rights" '["RIGHT_GATEWAY_INFO","RIGHT_GATEWAY_LINK"]' "$(body -c .rights)"
call PUT /gateways/seed-c "$LNS" '{"gateway":{"attributes":{"k":"v"}},"field_mask":{"paths":["attributes"]}}'
expect "the LINK key may update attributes" 200
call PUT /gateways/seed-c "$LNS" '{"gateway":{"name":"n"},"field_mask":{"paths":["name"]}}'
expect "the LINK key may not update the name" 403 insufficient_gateway_rights
call GET "/gateways/seed-a?field_mask=attributes" "$LNS"
expect "the key of one gateway on another" 403 no_gateway_rights
call GET "/applications/any-app/devices" "$LNS"
expect "a gateway key has no application rights" 403 no_application_rights
call GET "/gateways/seed-c/rights" "NNSXS.$LNS_ID.WRONG"
expect "a gateway key with a wrong secret" 401 invalid_authorization
call PUT "/gateways/seed-c/api-keys/$LNS_ID" "$ALICE" '{"api_key":{"rights":["RIGHT_GATEWAY_LINK"]},"field_mask":{"paths":["rights"]}}'
expect "api key: update rights" 200
assert_eq "api key: rights updated" '["RIGHT_GATEWAY_LINK"]' "$(body -c .rights)"
call PUT "/gateways/seed-c/api-keys/$LNS_ID" "$NOSEC" '{"api_key":{"rights":["RIGHT_GATEWAY_LINK","RIGHT_GATEWAY_WRITE_SECRETS"]},"field_mask":{"paths":["rights"]}}'
expect "api key: adding a right the caller lacks" 403 insufficient_gateway_rights
call PUT "/gateways/seed-c/api-keys/$LNS_ID" "$ALICE" '{"api_key":{"rights":[]},"field_mask":{"paths":["rights"]}}'
expect "api key: empty rights" 200
call GET "/gateways/seed-c/api-keys/$LNS_ID" "$ALICE"
expect "api key: empty rights deleted the key" 404 api_key_not_found
call GET "/gateways/seed-c/rights" "$LNS"
expect "a deleted key is refused" 401 api_key_not_found
call POST /gateways/seed-c/api-keys "$ALICE" '{"rights":["RIGHT_GATEWAY_INFO"]}'
K2=$(body -r .id)
call DELETE "/gateways/seed-c/api-keys/$K2" "$ALICE"
expect "api key: delete" 200
call DELETE "/gateways/seed-c/api-keys/$K2" "$ALICE"
expect "api key: delete again" 404 api_key_not_found

# --- connection stats -------------------------------------------------------------------------
call GET /gs/gateways/seed-a/connection/stats "$ALICE"
expect "stats of a gateway that never connected" 404 not_connected
call GET /gs/gateways/seed-b/connection/stats "$ALICE"
expect "stats of a seeded connection" 200
assert_eq "stats: protocol, count as a string, connected_at set" '["udp","7",true]' \
	"$(body '[.protocol, .uplink_count, (.connected_at | test("Z$"))]')"
call GET /gs/gateways/seed-b/connection/stats "$BOB"
expect "stats by a stranger" 403 no_gateway_rights
call GET /gs/gateways/seed-b/connection/stats "$NOSEC"
expect "stats without STATUS_READ" 403 insufficient_gateway_rights
curl -sf -X POST "$E/_emulator/gateways/seed-a/connection" -d '{"protocol":"semtechws/lbslns","connected":true}' >/dev/null
call GET /gs/gateways/seed-a/connection/stats "$ALICE"
expect "stats after the admin route connected it" 200
assert_eq "stats: the protocol given" '"semtechws/lbslns"' "$(body .protocol)"
call POST /gs/gateways/connection/stats "$ALICE" '{"gateway_ids":[{"gateway_id":"seed-a"},{"gateway_id":"seed-b"},{"gateway_id":"seed-c"}],"field_mask":{"paths":["protocol"]}}'
expect "batch stats" 200
assert_eq "batch stats: entries of connected ones, masked" '{"seed-a":{"protocol":"semtechws/lbslns"},"seed-b":{"protocol":"udp"}}' \
	"$(body -S .entries)"
call POST /gs/gateways/connection/stats "$ALICE" '{"gateway_ids":[{"gateway_id":"seed-a"},{"gateway_id":"acme-gw"}]}'
expect "batch stats needs STATUS_READ on every gateway" 403 no_gateway_rights
call POST /gs/gateways/connection/stats "$ALICE" '{"gateway_ids":[]}'
expect "batch stats: at least one gateway" 400 validation
curl -sf -X POST "$E/_emulator/gateways/seed-a/connection" -d '{"connected":false}' >/dev/null
call GET /gs/gateways/seed-a/connection/stats "$ALICE"
assert_eq "stats after disconnect: disconnected_at, no connected_at" '[true,null]' \
	"$(body '[(.disconnected_at | test("Z$")), .connected_at]')"

# --- soft delete, restore ------------------------------------------------------------------------
call DELETE /gateways/roof-gw-1 "$NOSEC"
expect "delete without DELETE" 403 insufficient_gateway_rights
call DELETE /gateways/roof-gw-1 "$ALICE"
expect "delete" 200
assert_eq "delete answers {}" '{}' "$(body .)"
call GET "/gateways/roof-gw-1?field_mask=name" "$ALICE"
expect "get a deleted gateway" 404 gateway_not_found
call GET "/users/alice/gateways?deleted=true" "$ALICE"
assert_eq "list deleted=true: only the deleted one" '["roof-gw-1"]' "$(body '[.gateways[].ids.gateway_id]')"
call POST /users/alice/gateways "$ALICE" '{"gateway":{"ids":{"gateway_id":"roof-gw-1"}}}'
expect "a deleted gateway's id stays reserved" 409 id_taken
call POST /users/alice/gateways "$ALICE" '{"gateway":{"ids":{"gateway_id":"roof-gw-1b","eui":"B827EBFFFE8DB887"}}}'
expect "a deleted gateway's EUI is free again" 200
call POST /gateways/roof-gw-1/restore "$ALICE"
expect "restore" 200
call GET "/gateways/roof-gw-1?field_mask=name" "$ALICE"
assert_eq "restored: readable again, without the EUI someone took meanwhile" '[200,null]' "[$ST,$(body .ids.eui)]"
call POST /gateways/roof-gw-1/restore "$ALICE"
expect "restore a gateway that is not deleted" 404 gateway_not_found

# --- routes, admin dump -----------------------------------------------------------------------
call PATCH /gateways/seed-a "$ALICE"
assert_eq "an unknown method on a gateway route: 405" 405 "$ST"
curl -sf "$E/_emulator/gateways" >"$TMP/dump.json"
assert_jq "admin dump: gateways with owners" "$TMP/dump.json" \
	'.[0].gateways | map(select(.ids.gateway_id == "acme-gw-2")) | .[0].owner == "org:acme"'
assert_jq "admin dump: API keys without their values" "$TMP/dump.json" \
	'[.[0].api_keys[] | has("key") or has("secret")] | any | not'
assert_not_contains "admin dump never holds a key secret" "$TMP/dump.json" "${LNS##*.}"
printf '%s\n' '{"gateway":{"ids":{"gateway_id":"xx-1","eui":"0000000000000001"}},"owner":{"user_id":"alice"}}' \
	'{"gateway":{"ids":{"gateway_id":"xx-2","eui":"0000000000000001"}},"owner":{"user_id":"alice"}}' >"$TMP/dup.jsonl"
"$EMU" --port 0 --quiet --seed-gateways "$TMP/dup.jsonl" >/dev/null 2>"$TMP/dup.err"
RC=$?
assert_eq "a seed with a duplicate EUI stops the emulator" 1 "$RC"
assert_contains "the bad seed line is named" "$TMP/dup.err" "dup.jsonl:2:"

# --- a clean stop: exit 0 and, on an ASan build, no sanitizer report (leaks included) -------------
kill -TERM "${T_PIDS[0]}"
wait "${T_PIDS[0]}"
RC=$?
assert_eq "the emulator stops cleanly on SIGTERM" 0 "$RC"
assert_not_contains "no sanitizer report in the emulator's stderr" "$TMP/emu-E.log" "Sanitizer"
