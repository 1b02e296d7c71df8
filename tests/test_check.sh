# SPDX-License-Identifier: GPL-2.0
# Check mode (load --check, restore --check) and counter resets (stats
# --zero, deny|allow list --zero), with the watch view and the exporter
# across a reset.

# chk_state FILE: what check mode must leave byte for byte as it was: the
# rule set, the entries with their rule ids and counters, the lists, and
# the pins themselves.
chk_state() {
	{
		pg save --all | grep -v '^# pktgate rule set, saved'
		pg -j deny list | jq -c '.entries[] | [.prefix, .rule_id, .packets, .lists]'
		pg -j allow list | jq -c '.entries[] | [.prefix, .rule_id, .packets, .lists]'
		pg -j lists | jq -c '.lists[] | [.id, .kind, .name, .entries, .packets, .loaded, .source]'
		ls "$PKTGATE_PIN_PATH"
	} >"$1"
}

chk_setup() {
	printf '198.51.100.0/24\n192.0.2.1\n2001:db8::/48\n' >"$TMP/feed.txt"
	pg load "$TMP/feed.txt" --list feed >/dev/null
	pg deny add 203.0.113.9 --comment "by hand" >/dev/null
	pg deny add 10.1.0.0/16 proto tcp port 20-25 >/dev/null
	pg allow add 198.51.100.7 >/dev/null
}

test_check_changes_nothing() {
	chk_setup
	chk_state "$TMP/before"
	printf '198.51.100.0/24\n203.0.113.5\n' >"$TMP/new.txt"
	printf '198.51.100.0/24\nnot-a-prefix\n' >"$TMP/bad.txt"
	: >"$TMP/empty.txt"
	expect 0 pg load --check "$TMP/new.txt" --list feed --replace
	expect 0 pg load --check "$TMP/new.txt" --list feed
	expect 0 pg load --check "$TMP/new.txt" --list fresh
	expect 0 pg load -c "$TMP/new.txt" --allow
	expect 0 pg -j load --check "$TMP/new.txt" --list feed --replace
	expect 2 pg load --check "$TMP/bad.txt" --list feed
	expect 1 pg load --check "$TMP/empty.txt" --list feed --replace
	expect 0 pg load --check "$TMP/empty.txt" --list feed --replace --allow-empty
	expect 1 pg --capacity 2 load --check "$TMP/new.txt" --list feed
	pg save --all >"$TMP/rules"
	expect 0 pg restore --check "$TMP/rules"
	printf 'deny add 192.0.2.77 --list other\nconfig event-rate 5\n' >"$TMP/other"
	expect 0 pg restore --check "$TMP/other"
	expect 1 pg restore --check /dev/null
	chk_state "$TMP/after"
	diff "$TMP/before" "$TMP/after" || fail "check mode changed the state"
}

test_check_load_output() {
	chk_setup
	printf '198.51.100.0/24\n203.0.113.5\n2001:db8:1::/64 ; new\n' >"$TMP/new.txt"
	# --replace: removed = the list's entries the file lacks.
	expect 0 pg load --check "$TMP/new.txt" --list feed --replace
	assert_contains "$OUT" "the list would hold 3 (IPv4 2, IPv6 1)"
	assert_contains "$OUT" "+ deny feed 203.0.113.5/32"
	assert_contains "$OUT" "+ deny feed 2001:db8:1::/64"
	assert_contains "$OUT" "- deny feed 192.0.2.1/32"
	assert_contains "$OUT" "- deny feed 2001:db8::/48"
	assert_contains "$OUT" "= deny feed 198.51.100.0/24"
	assert_contains "$OUT" "check only: nothing was changed"
	[[ "$OUT" =~ deny\ +feed\ +2\ +2\ +1\ +0 ]] || fail "per-list row: $OUT"
	expect 0 pg -j load --check "$TMP/new.txt" --list feed --replace
	assert_eq "true false 2 2 1 0 3" "$(echo "$OUT" | jq -r '"\(.check) \(.changed) \(.added) \(.removed) \(.kept) \(.untouched) \(.entries)"')" "JSON counts"
	assert_eq "add:203.0.113.5/32 add:2001:db8:1::/64 remove:192.0.2.1/32 remove:2001:db8::/48 keep:198.51.100.0/24" \
		"$(echo "$OUT" | jq -r '[.changes[] | "\(.action):\(.prefix)"] | join(" ")')" "JSON entries"
	assert_eq "feed false 2 2 1" "$(echo "$OUT" | jq -r '.lists[] | "\(.list_name) \(.new) \(.added) \(.removed) \(.kept)"')" "JSON list row"
	# Without --replace the list's other entries stay: untouched.
	expect 0 pg -j load --check "$TMP/new.txt" --list feed
	assert_eq "2 0 1 2 5" "$(echo "$OUT" | jq -r '"\(.added) \(.removed) \(.kept) \(.untouched) \(.entries)"')" "add counts"
	# A list that does not exist yet.
	expect 0 pg -j load --check "$TMP/new.txt" --list brandnew
	assert_eq "true 3 0" "$(echo "$OUT" | jq -r '"\(.new_list) \(.added) \(.kept)"')" "new list"
	expect 0 pg load --check "$TMP/new.txt" --list brandnew
	assert_contains "$OUT" "brandnew (new)"
	# Big diffs give counts; -v lists the entries anyway.
	for i in $(seq 1 40); do echo "192.0.2.$i"; done >"$TMP/big.txt"
	expect 0 pg -j load --check "$TMP/big.txt" --list big
	assert_eq "40 false 0" "$(echo "$OUT" | jq -r '"\(.added) \(.entries_listed) \(.changes | length)"')" "big diff"
	expect 0 pg load --check "$TMP/big.txt" --list big
	assert_contains "$OUT" "(40 entries not listed: give -v to list them)"
	expect 0 pg -v -j load --check "$TMP/big.txt" --list big
	assert_eq "true 40" "$(echo "$OUT" | jq -r '"\(.entries_listed) \(.changes | length)"')" "big diff, -v"
	# The same numbers as the real run.
	expect 0 pg -j load "$TMP/new.txt" --list feed --replace
	assert_eq "2 2 3" "$(echo "$OUT" | jq -r '"\(.added) \(.removed) \(.entries)"')" "real run"
}

test_check_bad_input() {
	chk_setup
	chk_state "$TMP/before"
	printf '198.51.100.0/24\n\n# fine\n300.1.2.3\n' >"$TMP/bad.txt"
	expect 2 pg load --check "$TMP/bad.txt" --list feed
	assert_contains "$ERR" "$TMP/bad.txt:4:"
	expect 2 pg -j load --check "$TMP/bad.txt" --list feed
	assert_contains "$(echo "$OUT" | jq -r .error)" "$TMP/bad.txt:4:"
	# The same refusals as the real run: an empty file, a capacity.
	: >"$TMP/empty.txt"
	expect 1 pg load --check "$TMP/empty.txt" --list feed --replace
	assert_contains "$ERR" "holds no entries"
	expect 1 pg -j --capacity 2 load --check "$TMP/feed.txt" --list other
	assert_contains "$(echo "$OUT" | jq -r .error)" "over its capacity of 2"
	printf 'deny add 192.0.2.5\ndeny add 192.0.2.300\n' >"$TMP/bad.rules"
	expect 2 pg restore --check "$TMP/bad.rules"
	assert_contains "$ERR" "$TMP/bad.rules:2:"
	expect 2 pg -j restore --check "$TMP/bad.rules"
	assert_contains "$(echo "$OUT" | jq -r .error)" "$TMP/bad.rules:2:"
	expect 1 pg restore --check /dev/null
	assert_contains "$ERR" "holds no entries and no settings"
	chk_state "$TMP/after"
	diff "$TMP/before" "$TMP/after" || fail "a refused check changed the state"
}

test_check_restore_output() {
	chk_setup
	pg save --all >"$TMP/rules"
	# The same file: everything kept.
	expect 0 pg -j restore --check "$TMP/rules"
	assert_eq "0 0 6" "$(echo "$OUT" | jq -r '"\(.added) \(.removed) \(.kept)"')" "same file"
	# Edited: feed renamed to feed2, a port rule changed, an allow entry added.
	sed -e 's/--list feed/--list feed2/' -e 's/port 20-25/port 20-26/' "$TMP/rules" >"$TMP/edit"
	echo "allow add 2001:db8:7::/48" >>"$TMP/edit"
	expect 0 pg restore --check "$TMP/edit"
	assert_contains "$OUT" "feed (removed)"
	assert_contains "$OUT" "feed2 (new)"
	assert_contains "$OUT" "+ allow manual 2001:db8:7::/48"
	assert_contains "$OUT" "+ deny manual 10.1.0.0/16 tcp/20-26"
	assert_contains "$OUT" "- deny manual 10.1.0.0/16 tcp/20-25"
	assert_contains "$OUT" "= deny manual 203.0.113.9/32"
	expect 0 pg -j restore --check "$TMP/edit"
	assert_eq "feed:0:3:true feed2:3:0:false" \
		"$(echo "$OUT" | jq -r '[.lists[] | select(.list_name | startswith("feed")) | "\(.list_name):\(.added):\(.removed):\(.removed_list)"] | join(" ")')" "list rows"
	assert_eq "2 1 5" "$(echo "$OUT" | jq -r '"\(.allow) \(.settings) \(.deny)"')" "entries after"
	assert_eq "tcp 20 26" "$(echo "$OUT" | jq -r '.changes[] | select(.action == "add" and .proto != null) | "\(.proto) \(.port_lo) \(.port_hi)"')" "port rule"
}
