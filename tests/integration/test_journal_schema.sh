#!/usr/bin/env bash
# Journals of the schema before the version number (PRAGMA user_version 0:
# untyped items, the applications a comma-joined meta value with a
# "listed:APP" key each) are migrated on open and resume as they were; a
# journal of a newer schema is refused.
. "$(dirname "$0")/lib.sh"

jq -c 'select(.ids.device_id == "otaa-dev" or .ids.device_id == "abp-dev")' \
	"$FIX/seed-export.jsonl" >"$TMP/seed.jsonl"
export TTS_APP_ID=my-app TTS_APP_API_KEY=$KEY DEST_TTS_APP_ID=cloud-app DEST_TTS_APP_API_KEY=$KEY

# old_journal FILE: an empty journal in the previous schema, exactly as the
# previous version created it.
old_journal() {
	rm -f "$1"*
	sqlite3 "$1" "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
		CREATE TABLE devices (seq INTEGER PRIMARY KEY AUTOINCREMENT,
		 src_app TEXT NOT NULL, src_dev TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
		 error TEXT, export TEXT, attempts INTEGER NOT NULL DEFAULT 0,
		 updated_at TEXT, frozen_from TEXT, restore TEXT, dest_dev TEXT,
		 UNIQUE (src_app, src_dev));
		INSERT INTO meta VALUES ('source', 'tts'), ('retire', 'delete'), ('prefix', '');"
	chmod 600 "$1"
}
parts() { emu_devices "$1" | jq -r --arg d "$2" '[to_entries[] | select(any(.value[]; .ids.device_id == $d)) | .key] | join(" ")'; }

start_emu SRC --seed "$TMP/seed.jsonl"
start_emu DST
export TTS_API_URL=$SRC DEST_TTS_API_URL=$DST

# (a) my-app's listing was complete and holds otaa-dev only: resume takes
# otaa-dev, and does not list the application again (abp-dev stays).
J="$TMP/a.db"
old_journal "$J"
sqlite3 "$J" "INSERT INTO meta VALUES ('applications', 'my-app'), ('listed:my-app', '1');
	INSERT INTO devices(src_app, src_dev) VALUES ('my-app', 'otaa-dev');"
assert_eq "old schema: user_version 0 before" 0 "$(sqlite3 "$J" "PRAGMA user_version")"
run_tool resume --journal "$J"
assert_rc "old schema: resume exits 0" 0
assert_eq "old schema: migrated to schema 2" 2 "$(sqlite3 "$J" "PRAGMA user_version")"
assert_eq "old schema: the application list is a table, its listing complete" "my-app|1" \
	"$(sqlite3 "$J" "select app_id, listed from applications order by seq")"
assert_eq "old schema: the list is gone from meta" 0 \
	"$(sqlite3 "$J" "select count(*) from meta where key = 'applications' or key like 'listed:%'")"
assert_eq "old schema: items typed" "device|otaa-dev|verified" \
	"$(sqlite3 "$J" "select kind, src_dev, state from devices")"
assert_eq "old schema: otaa-dev at the destination" "is js ns as" "$(parts "$DST" otaa-dev)"
assert_eq "old schema: abp-dev not listed again, left at the source" "is ns as" "$(parts "$SRC" abp-dev)"
run_tool status --journal "$J"
assert_rc "old schema: status exits 0" 0
assert_contains "old schema: status verified 1" "$OUT" "verified  1"
# Opening again changes nothing more.
run_tool resume --journal "$J"
assert_rc "old schema: a second resume exits 0" 0
assert_eq "old schema: still one application" "my-app|1" \
	"$(sqlite3 "$J" "select app_id, listed from applications order by seq")"

# (b) a listing cut off (no listed: key): resume lists my-app again and
# takes abp-dev, the one device left there.
J="$TMP/b.db"
old_journal "$J"
sqlite3 "$J" "INSERT INTO meta VALUES ('applications', 'my-app');"
run_tool resume --journal "$J"
assert_rc "old schema, listing cut off: resume exits 0" 0
assert_eq "old schema, listing cut off: listed again, now complete" "my-app|1" \
	"$(sqlite3 "$J" "select app_id, listed from applications order by seq")"
assert_eq "old schema, listing cut off: abp-dev verified" "device|abp-dev|verified" \
	"$(sqlite3 "$J" "select kind, src_dev, state from devices")"
assert_eq "old schema, listing cut off: abp-dev at the destination" "is ns as" "$(parts "$DST" abp-dev)"

# (c) a journal of a newer schema: refused, untouched.
J="$TMP/c.db"
old_journal "$J"
sqlite3 "$J" "PRAGMA user_version = 99"
run_tool status --journal "$J"
assert_rc "newer schema: status exits 1" 1
assert_contains "newer schema: said" "$ERR" "written by a newer version of the tool (schema 99"
run_tool resume --journal "$J"
assert_rc "newer schema: resume exits 1" 1
assert_eq "newer schema: left as it was" "99|0" \
	"$(sqlite3 "$J" "PRAGMA user_version; select count(*) from sqlite_schema where name = 'applications'" | paste -sd'|')"

t_finish
