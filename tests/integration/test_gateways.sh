#!/usr/bin/env bash
# Gateways (issue 14): `tts gateways` (export, read only) and `gateways import`, against the
# emulator's gateway side. Expectations come from shared/spec/gateways.md §1.3-§1.10 and §4.1:
# the export has every registry field, secrets only with --with-secrets (READ_SECRETS, a 0600
# file); the import follows the copy table §1.5, creates the Console's keys (§1.10) and reports
# id_taken / gateway_eui_taken / tenant_entity_limit in one line each.
. "$(dirname "$0")/lib.sh"

ALICE=NNSXS.ALICE.ASECRET
NOSEC=NNSXS.NOSEC.NSECRET # alice's key without READ_SECRETS
CAROL=NNSXS.CAROL.CSECRET # the destination account
CLIM=NNSXS.CLIM.LSECRET   # carol's key that may list but not create
ACME=NNSXS.ACME.ACMESECRET # organization acme's, at the source
ORGD=NNSXS.ORGD.OSECRET    # organization dorg's, at the destination

cat >"$TMP/src.jsonl" <<'EOF2'
{"gateway":{"ids":{"gateway_id":"gw-full","eui":"00800000A0000001"},"name":"Full","description":"on the roof","attributes":{"site":"north","cups-last-seen":"2026-01-01T00:00:00Z","cups-station":"2.0.6","cups-model":"m","cups-package":"p"},"version_ids":{"brand_id":"rakwireless","model_id":"rak7258","hardware_version":"1.1","firmware_version":"2.0"},"gateway_server_address":"eu1.cloud.thethings.network","auto_update":true,"update_channel":"stable","frequency_plan_ids":["EU_863_870","EU_863_870_TTN"],"antennas":[{"gain":3,"location":{"latitude":52.37,"longitude":4.89,"altitude":12,"accuracy":5,"source":"SOURCE_REGISTRY"},"placement":"OUTDOOR"}],"status_public":true,"location_public":true,"schedule_downlink_late":true,"enforce_duty_cycle":true,"downlink_path_constraint":"DOWNLINK_PATH_CONSTRAINT_PREFER_OTHER","schedule_anytime_delay":"0.530s","update_location_from_status":true,"require_authenticated_connection":true,"lrfhss":{"supported":true},"disable_packet_broker_forwarding":true,"target_cups_uri":"https://eu1.cloud.thethings.network:443","lbs_lns_secret":{"value":"TlNTWFMuU1JDTE5TLlNSQ0xOU1NFQ1JFVA=="},"target_cups_key":{"value":"Q1VQU0tFWVNFQ1JFVA=="},"claim_authentication_code":{"secret":{"value":"Q0xBSU1TRUNSRVQ="}}},"owner":{"user_id":"alice"},"connection":{"protocol":"semtechws/lbslns","connected":true}}
{"gateway":{"ids":{"gateway_id":"gw-udp","eui":"00800000A0000002"},"name":"UDP","frequency_plan_ids":["EU_863_870"],"enforce_duty_cycle":false},"owner":{"user_id":"alice"},"connection":{"protocol":"udp","connected":true,"uplink_count":7}}
{"gateway":{"ids":{"gateway_id":"gw-gone","eui":"00800000A0000003"},"name":"Disconnected","enforce_duty_cycle":true},"owner":{"user_id":"alice"},"connection":{"protocol":"udp","connected":false}}
{"gateway":{"ids":{"gateway_id":"gw-noeui"},"name":"No EUI"},"owner":{"user_id":"alice"}}
{"gateway":{"ids":{"gateway_id":"gw-taken-del","eui":"00800000A0000005"},"name":"Id held by a deleted one"},"owner":{"user_id":"alice"}}
{"gateway":{"ids":{"gateway_id":"gw-taken-bob","eui":"00800000A0000006"},"name":"Id held by bob"},"owner":{"user_id":"alice"}}
{"gateway":{"ids":{"gateway_id":"gw-eui","eui":"00800000A0000007"},"name":"EUI held"},"owner":{"user_id":"alice"}}
{"gateway":{"ids":{"gateway_id":"acme-gw"},"name":"Acme's"},"owner":{"organization_id":"acme"}}
EOF2
cat >"$TMP/dst.jsonl" <<'EOF2'
{"gateway":{"ids":{"gateway_id":"gw-taken-del"},"name":"deleted"},"owner":{"user_id":"carol"},"deleted":true}
{"gateway":{"ids":{"gateway_id":"gw-taken-bob"},"name":"bob's"},"owner":{"user_id":"bob"}}
{"gateway":{"ids":{"gateway_id":"holder-gw","eui":"00800000A0000007"},"name":"holder"},"owner":{"user_id":"bob"}}
EOF2

start_emu S --seed-gateways "$TMP/src.jsonl" --user-key "$ALICE=alice" --user-key "$NOSEC=alice" --org-key "$ACME=acme" \
	--key-rights NOSEC=RIGHT_USER_GATEWAYS_LIST,RIGHT_GATEWAY_INFO,RIGHT_GATEWAY_STATUS_READ
start_emu D --seed-gateways "$TMP/dst.jsonl" --user-key "$CAROL=carol" --user-key "$CLIM=carol" --org-key "$ORGD=dorg" \
	--key-rights CLIM=RIGHT_USER_GATEWAYS_LIST,RIGHT_GATEWAY_ALL
export TTS_API_URL=$S TTS_API_KEY=$ALICE TTS_USER_ID=alice
export DEST_TTS_API_URL=$D DEST_TTS_API_KEY=$CAROL DEST_TTS_USER_ID=carol
KEYS="$TMP/keys.txt"
SRC_SECRETS=(TlNTWFMuU1JDTE5TLlNSQ0xOU1NFQ1JFVA== NNSXS.SRCLNS.SRCLNSSECRET Q1VQU0tFWVNFQ1JFVA== CUPSKEYSECRET Q0xBSU1TRUNSRVQ= CLAIMSECRET)
no_source_secret() { # DESC FILE...
	local f s bad=""
	for f in "${@:2}"; do for s in "${SRC_SECRETS[@]}"; do grep -qF -- "$s" "$f" && bad+=" $s in $(basename "$f")"; done; done
	assert_eq "$1" "" "$bad"
}
dst_gw() { curl -sf "$D/_emulator/gateways" | jq -c --arg id "$1" '.gateways[] | select(.ids.gateway_id == $id)'; }
dst_keys() { curl -sf "$D/_emulator/gateways" | jq -c --arg id "$1" '[.api_keys[] | select(.gateway_id == $id)]'; }

# --- export -----------------------------------------------------------------------------------
emu_clear_requests "$S"
run_tool tts gateways --page-size 3
assert_rc "export all: exit 0" 0
assert_eq "export all: alice's gateways, one line each, in id order" \
	'["gw-eui","gw-full","gw-gone","gw-noeui","gw-taken-bob","gw-taken-del","gw-udp"]' \
	"$(jq -sc '[.[].ids.gateway_id]' "$OUT")"
assert_eq "export all: one JSON object per line" 7 "$(wc -l <"$OUT")"
assert_eq "export all: paged (--page-size 3: pages 1-3 of the user's list)" '["1","2","3"]' \
	"$(emu_requests "$S" | jq -c '[.[] | select(.path == "/api/v3/users/alice/gateways") | .query | capture("page=(?<p>[0-9]+)").p]')"
assert_eq "export all: list limit is the page size" 3 \
	"$(emu_requests "$S" | jq '[.[] | select(.path == "/api/v3/users/alice/gateways") | select(.query | test("limit=3"))] | length')"
assert_eq "export is read only (no write request)" '[]' "$(emu_writes "$S")"
cp "$OUT" "$TMP/all.json"
no_source_secret "export without --with-secrets: no secret on stdout or stderr" "$OUT" "$ERR"
assert_jq "export without --with-secrets: no secret field" "$OUT" \
	'all(.[]; has("lbs_lns_secret") or has("target_cups_key") or has("claim_authentication_code") | not)'
FULL=$(jq -c 'select(.ids.gateway_id == "gw-full")' "$OUT")
assert_eq "export: every registry field of gw-full (explicit mask)" \
	'["name","description","attributes","version_ids","gateway_server_address","auto_update","update_channel","frequency_plan_ids","antennas","status_public","location_public","schedule_downlink_late","enforce_duty_cycle","downlink_path_constraint","schedule_anytime_delay","update_location_from_status","require_authenticated_connection","lrfhss","disable_packet_broker_forwarding","target_cups_uri","administrative_contact","technical_contact"]' \
	"$(jq -c '[("name","description","attributes","version_ids","gateway_server_address","auto_update","update_channel","frequency_plan_ids","antennas","status_public","location_public","schedule_downlink_late","enforce_duty_cycle","downlink_path_constraint","schedule_anytime_delay","update_location_from_status","require_authenticated_connection","lrfhss","disable_packet_broker_forwarding","target_cups_uri","administrative_contact","technical_contact") as $k | select(has($k)) | $k]' <<<"$FULL")"
assert_eq "export: the antenna with its location" '{"latitude":52.37,"longitude":4.89,"altitude":12,"accuracy":5,"source":"SOURCE_REGISTRY"}' \
	"$(jq -c '.antennas[0].location' <<<"$FULL")"
assert_eq "export: connection state of a Basic Station gateway" '{"connected":true,"protocol":"semtechws/lbslns"}' \
	"$(jq -c '._source_connection | {connected, protocol}' <<<"$FULL")"
assert_eq "export: connection state of a UDP gateway" '{"connected":true,"protocol":"udp"}' \
	"$(jq -c 'select(.ids.gateway_id == "gw-udp") | ._source_connection | {connected, protocol}' "$OUT")"
assert_eq "export: a disconnected gateway (200 with disconnected_at)" 'false' \
	"$(jq -c 'select(.ids.gateway_id == "gw-gone") | ._source_connection.connected' "$OUT")"
assert_eq "export: no stats (not_connected) is not connected" '{"connected":false}' \
	"$(jq -c 'select(.ids.gateway_id == "gw-noeui") | ._source_connection' "$OUT")"
assert_eq "export: no gateway_remote_address copied" 'false' "$(jq -s 'any(.[]._source_connection; has("gateway_remote_address"))' "$OUT")"

run_tool tts gateways gw-udp gw-full
assert_rc "export by ids: exit 0" 0
assert_eq "export by ids: those, in that order" '["gw-udp","gw-full"]' "$(jq -sc '[.[].ids.gateway_id]' "$OUT")"
printf 'gw-gone\n\ngw-noeui\n' >"$TMP/ids.txt"
run_tool tts gateways - <"$TMP/ids.txt"
assert_eq "export ids from stdin (-)" '["gw-gone","gw-noeui"]' "$(jq -sc '[.[].ids.gateway_id]' "$OUT")"
run_tool tts gateways gw-udp no-such-gw gw-gone
assert_rc "export: a missing gateway fails the run (exit 1)" 1
assert_eq "export: the others are still exported" '["gw-udp","gw-gone"]' "$(jq -sc '[.[].ids.gateway_id]' "$OUT")"
assert_contains "export: the missing one named" "$ERR" "gateway no-such-gw"

run_tool tts gateways --with-secrets
assert_rc "--with-secrets without --output: refused (exit 2)" 2
assert_eq "--with-secrets without --output: nothing on stdout" 0 "$(wc -c <"$OUT")"
run_tool tts gateways --with-secrets -o "$TMP/gw.json"
assert_rc "--with-secrets -o: exit 0" 0
assert_eq "--with-secrets: the file is mode 0600" 600 "$(stat -c %a "$TMP/gw.json")"
assert_eq "--with-secrets: the secrets are in the file" \
	'{"lbs_lns_secret":"TlNTWFMuU1JDTE5TLlNSQ0xOU1NFQ1JFVA==","target_cups_key":"Q1VQU0tFWVNFQ1JFVA=="}' \
	"$(jq -c 'select(.ids.gateway_id == "gw-full") | {lbs_lns_secret: .lbs_lns_secret.value, target_cups_key: .target_cups_key.value}' "$TMP/gw.json")"
assert_jq "--with-secrets: claim_authentication_code too" "$TMP/gw.json" \
	'map(select(.ids.gateway_id == "gw-full"))[0].claim_authentication_code.secret.value == "Q0xBSU1TRUNSRVQ="'
no_source_secret "--with-secrets: no secret on stdout or stderr" "$OUT" "$ERR"
TTS_API_KEY=$NOSEC run_tool tts gateways gw-full gw-udp --with-secrets -o "$TMP/gw2.json"
assert_rc "--with-secrets without READ_SECRETS: exit 1" 1
assert_contains "--with-secrets without READ_SECRETS: names the gateway" "$ERR" "gateway gw-full: --with-secrets"
assert_contains "--with-secrets without READ_SECRETS: names the right" "$ERR" "RIGHT_GATEWAY_READ_SECRETS"
assert_eq "--with-secrets without READ_SECRETS: one line per gateway" 2 "$(grep -c 'error:' "$ERR")"
TTS_API_KEY= TTS_APP_API_KEY=$ALICE run_tool tts gateways gw-udp
assert_rc "TTS_APP_API_KEY alone works for gateways" 0
TTS_USER_ID= TTS_ORGANIZATION_ID=alice run_tool tts gateways --user-id alice
assert_rc "--user-id and TTS_ORGANIZATION_ID together: refused (exit 2)" 2

TTS_USER_ID= TTS_API_KEY=$ACME run_tool tts gateways --organization-id acme
assert_rc "export an organization's gateways: exit 0" 0
assert_eq "export an organization's gateways" '["acme-gw"]' "$(jq -sc '[.[].ids.gateway_id]' "$OUT")"
cp "$OUT" "$TMP/acme.json"

# --- import -----------------------------------------------------------------------------------
jq -c 'select(.ids.gateway_id | IN("gw-full","gw-udp","gw-gone","gw-noeui"))' "$TMP/gw.json" >"$TMP/good.json"
run_tool gateways import "$TMP/good.json" --keys-file "$KEYS"
assert_rc "import: exit 0" 0
for g in gw-full gw-udp gw-gone gw-noeui; do
	assert_eq "import: $g created under carol" '"user:carol"' "$(dst_gw "$g" | jq -c .owner)"
done
# The expected destination gateway, from the export by the rules of §1.5.
EXP=$(jq -c 'select(.ids.gateway_id == "gw-full")
	| del(.created_at, .updated_at, .administrative_contact, .technical_contact, .lbs_lns_secret,
	      .target_cups_key, .claim_authentication_code, .target_cups_uri, ._source_connection, .frequency_plan_id)
	| .attributes |= with_entries(select(.key | startswith("cups-") | not))
	| .gateway_server_address = "127.0.0.1"' "$TMP/gw.json")
GOT=$(dst_gw gw-full | jq -c --argjson e "$EXP" '. as $g | $e | with_entries(.value = $g[.key])')
assert_eq "import: gw-full's fields copied per §1.5" "$(jq -cS . <<<"$EXP")" "$(jq -cS . <<<"$GOT")"
assert_eq "import: the cups-* attributes not copied" '{"site":"north"}' "$(dst_gw gw-full | jq -c .attributes)"
assert_eq "import: no target_cups_uri, target_cups_key or claim code copied" '[]' \
	"$(dst_gw gw-full | jq -c '[keys[] | select(. == "target_cups_uri" or . == "target_cups_key" or . == "claim_authentication_code")]')"
assert_eq "import: contacts are the destination account (not sent)" '{"user_ids":{"user_id":"carol"}}' \
	"$(dst_gw gw-full | jq -c .administrative_contact)"
assert_eq "import: enforce_duty_cycle false copied as false" 'false' "$(dst_gw gw-udp | jq .enforce_duty_cycle)"
assert_eq "import: enforce_duty_cycle true copied as true" 'true' "$(dst_gw gw-gone | jq .enforce_duty_cycle)"
assert_eq "import: the same EUI" '"00800000A0000002"' "$(dst_gw gw-udp | jq .ids.eui)"
assert_eq "import: gateway_server_address is the destination host" '"127.0.0.1"' "$(dst_gw gw-udp | jq .gateway_server_address)"
for g in gw-full gw-udp gw-gone gw-noeui; do
	assert_eq "keys: $g has one LNS key with INFO and LINK, named as the Console does" '[true,["RIGHT_GATEWAY_INFO","RIGHT_GATEWAY_LINK"]]' \
		"$(dst_keys "$g" | jq -c '[.[] | select(.name | startswith("lns-"))] | [(.[0].name | test("^lns-api-key-[0-9]+$")), (.[0].rights | sort)] ')"
done
assert_eq "keys: a CUPS key (INFO, SETTINGS_BASIC, READ_SECRETS) for the CUPS gateway" \
	'[["RIGHT_GATEWAY_INFO","RIGHT_GATEWAY_READ_SECRETS","RIGHT_GATEWAY_SETTINGS_BASIC"]]' \
	"$(dst_keys gw-full | jq -c '[.[] | select(.name | test("^cups-api-key-[0-9]+$")) | .rights | sort]')"
assert_eq "keys: no CUPS key for a gateway without CUPS" 0 "$(dst_keys gw-udp | jq '[.[] | select(.name | startswith("cups-"))] | length')"
assert_eq "keys file: mode 0600" 600 "$(stat -c %a "$KEYS")"
assert_contains "import: says the keys file's path" "$ERR" "$KEYS"
LNS_UDP=$(dst_gw gw-udp | jq -r .lbs_lns_secret.value | base64 -d)
case "$LNS_UDP" in NNSXS.*) ok "lbs_lns_secret holds the base64 of an API key" ;; *) not_ok "lbs_lns_secret holds the base64 of an API key" "$LNS_UDP" ;; esac
assert_eq "keys file: a tc.key line for it (Bearer, CRLF)" 1 "$(grep -c -F "Authorization: Bearer $LNS_UDP"$'\r' "$KEYS")"
ST=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $LNS_UDP" "$D/api/v3/gateways/gw-udp?field_mask=name")
assert_eq "the LNS key works for its gateway" 200 "$ST"
assert_eq "keys file: two keys for gw-full (tc.key and cups.key lines)" 2 \
	"$(awk '/^### gateway gw-full /{f=1; next} /^### /{f=0} f && /^Authorization: Bearer NNSXS\..*\r$/' "$KEYS" | wc -l)"
assert_contains "keys file: the UDP gateway's global_conf.json snippet" "$KEYS" \
	'"gateway_conf": {"gateway_ID": "00800000A0000002", "server_address": "127.0.0.1", "serv_port_up": 1700, "serv_port_down": 1700}'
mapfile -t NEWKEYS < <(sed -n 's/^Authorization: Bearer \(NNSXS[^\r]*\)\r$/\1/p' "$KEYS")
assert_eq "keys file: 5 keys" 5 "${#NEWKEYS[@]}"
leak=""
for k in "${NEWKEYS[@]}"; do grep -qF -- "${k##*.}" "$OUT" "$ERR" && leak+=" $k"; done
assert_eq "import: no key on stdout or stderr" "" "$leak"

# Re-run: already there, no new keys.
NK=$(curl -sf "$D/_emulator/gateways" | jq '.api_keys | length')
SZ=$(wc -c <"$KEYS")
run_tool gateways import "$TMP/good.json" --keys-file "$KEYS" -v
assert_rc "re-run: exit 0" 0
assert_eq "re-run: each reported as already there" 4 "$(grep -c 'already at the destination' "$ERR")"
assert_eq "re-run: no new API key" "$NK" "$(curl -sf "$D/_emulator/gateways" | jq '.api_keys | length')"
assert_eq "re-run: keys file unchanged" "$SZ" "$(wc -c <"$KEYS")"
leak=""
for k in "${NEWKEYS[@]}"; do grep -qF -- "${k##*.}" "$OUT" "$ERR" && leak+=" $k"; done
assert_eq "re-run -v: no key on stdout or stderr" "" "$leak"

# Conflicts: one line each, naming the gateway and the holder; the others go on.
jq -c 'select(.ids.gateway_id | IN("gw-taken-del","gw-taken-bob","gw-eui"))' "$TMP/all.json" >"$TMP/bad.json"
jq -c 'select(.ids.gateway_id == "gw-udp") | .ids = {"gateway_id":"gw-late"}' "$TMP/all.json" >>"$TMP/bad.json"
run_tool gateways import "$TMP/bad.json" --keys-file "$KEYS"
assert_rc "conflicts: exit 1" 1
assert_eq "conflicts: one error line each" 3 "$(grep -c 'error:' "$ERR")"
assert_contains "id taken by a deleted gateway" "$ERR" "gateway gw-taken-del: the ID is taken at the destination by a deleted gateway"
assert_contains "id taken by another account" "$ERR" "gateway gw-taken-bob: the ID is taken at the destination by a gateway of another account"
assert_contains "EUI taken: names the EUI and the holder" "$ERR" "gateway gw-eui: EUI 00800000A0000007 is already registered at the destination, by gateway holder-gw"
assert_eq "conflicts: a good gateway after them is created" '"user:carol"' "$(dst_gw gw-late | jq -c .owner)"
assert_eq "conflicts: no gateway created for the refused ones" '[]' \
	"$(curl -sf "$D/_emulator/gateways" | jq -c '[.gateways[] | select(.owner == "user:carol" and (.ids.gateway_id | IN("gw-eui","gw-taken-bob")))]')"

# The same ID with another EUI at the destination is not "already there".
jq -c 'select(.ids.gateway_id == "gw-udp") | .ids.eui = "00800000A00000FF"' "$TMP/all.json" >"$TMP/other.json"
run_tool gateways import "$TMP/other.json" --keys-file "$KEYS"
assert_rc "same ID, another EUI: exit 1" 1
assert_contains "same ID, another EUI: says which EUI holds it" "$ERR" "gateway gw-udp: the ID is taken at the destination by a gateway with EUI 00800000A0000002"

# Rights and the plan's limit.
DEST_TTS_API_KEY=$CLIM run_tool gateways import "$TMP/other.json" --keys-file "$KEYS" --dest.gateway-server-address x
jq -c 'select(.ids.gateway_id == "gw-udp") | .ids = {"gateway_id":"gw-rights"}' "$TMP/all.json" >"$TMP/r.json"
DEST_TTS_API_KEY=$CLIM run_tool gateways import "$TMP/r.json" --keys-file "$KEYS"
assert_rc "a key without USER_GATEWAYS_CREATE: exit 1" 1
assert_contains "rights: one line naming the gateway and the missing right" "$ERR" \
	"gateway gw-rights: the destination API key may not create gateways for user carol (lacks RIGHT_USER_GATEWAYS_CREATE)"
start_emu L --user-key "$CAROL=carol" --gateway-limit 1
jq -c 'select(.ids.gateway_id | IN("gw-udp","gw-gone"))' "$TMP/all.json" >"$TMP/two.json"
DEST_TTS_API_URL=$L run_tool gateways import "$TMP/two.json" --keys-file "$KEYS" --dest.gateway-server-address eu1.cloud.thethings.industries
assert_rc "limit: exit 1" 1
assert_contains "limit: one line naming the gateway and the limit" "$ERR" "gateway gw-udp: the destination's plan allows no more gateways (at most 1)"
assert_eq "limit: the first one created, with --dest.gateway-server-address" '"eu1.cloud.thethings.industries"' \
	"$(curl -sf "$L/_emulator/gateways" | jq -c '.gateways[] | select(.ids.gateway_id == "gw-gone") | .gateway_server_address')"

# The default keys file is in the state directory.
jq -c 'select(.ids.gateway_id == "gw-udp") | .ids = {"gateway_id":"gw-default-keys"}' "$TMP/all.json" >"$TMP/d.json"
run_tool gateways import "$TMP/d.json"
assert_rc "default keys file: exit 0" 0
assert_eq "default keys file: in the state directory, mode 0600" 600 "$(stat -c %a "$XDG_STATE_HOME/ttn-lw-migrate/gateway-keys.txt" 2>&1)"
assert_contains "default keys file: its path said" "$ERR" "$XDG_STATE_HOME/ttn-lw-migrate/gateway-keys.txt"
DEST_TTS_USER_ID= run_tool gateways import "$TMP/d.json"
assert_rc "no destination account: exit 2" 2
assert_contains "no destination account: says which variable" "$ERR" "DEST_TTS_USER_ID"

# A create whose answer is lost (it took effect): read back, taken as created, keys made once.
start_emu A --user-key "$CAROL=carol" --apply-drop-every 4
jq -c 'select(.ids.gateway_id | IN("gw-udp","gw-gone"))' "$TMP/all.json" >"$TMP/two.json"
DEST_TTS_API_URL=$A run_tool gateways import "$TMP/two.json" --keys-file "$TMP/keys-a.txt"
assert_rc "lost create answer: exit 0" 0
assert_eq "lost create answer: the 4th write (gw-udp's create) was dropped after it took effect" 'true' \
	"$(emu_requests "$A" | jq '[.[] | select(.method != "GET")][3] | (.answer_dropped == true and .path == "/api/v3/users/carol/gateways")')"
assert_eq "lost create answer: both created, one LNS key each" '{"gw-gone":1,"gw-udp":1}' \
	"$(curl -sf "$A/_emulator/gateways" | jq -c '[.api_keys[] | .gateway_id] | group_by(.) | map({(.[0]): length}) | add')"
assert_eq "lost create answer: both reported created" 2 "$(grep -c 'created under user carol' "$ERR")"

# Keys and rights at the source.
TTS_API_KEY= TTS_APP_API_KEY= TTS_APP_ID=app1 run_tool tts device nope --dry-run --api-key "$ALICE"
assert_not_contains "--api-key serves devices too when no application key is given" "$ERR" "no API key"
TTS_API_KEY= run_tool tts gateways gw-udp
assert_rc "no key at all: exit 2" 2
assert_contains "no key at all: names TTS_API_KEY" "$ERR" "TTS_API_KEY"
start_emu N --seed-gateways "$TMP/src.jsonl" --user-key "$ALICE=alice" \
	--key-rights ALICE=RIGHT_USER_GATEWAYS_LIST,RIGHT_GATEWAY_INFO
TTS_API_URL=$N run_tool tts gateways gw-udp gw-full
assert_rc "without STATUS_READ: still exported (exit 0)" 0
assert_eq "without STATUS_READ: the connection state is unknown, with the reason" '[null,null]' \
	"$(jq -sc '[.[]._source_connection.connected]' "$OUT")"
assert_eq "without STATUS_READ: one warning naming the right" 1 "$(grep -c 'RIGHT_GATEWAY_STATUS_READ' "$ERR")"

# Under an organization.
DEST_TTS_USER_ID= DEST_TTS_ORGANIZATION_ID=dorg DEST_TTS_API_KEY=$ORGD run_tool gateways import "$TMP/acme.json" --keys-file "$TMP/keys-o.txt"
assert_rc "import under an organization: exit 0" 0
assert_eq "import under an organization: owned and contacted by it" '["org:dorg",{"organization_ids":{"organization_id":"dorg"}}]' \
	"$(dst_gw acme-gw | jq -c '[.owner, .technical_contact]')"
