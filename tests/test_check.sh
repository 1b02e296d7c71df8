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

# restore --check fails where restore would: an interface an attach line
# names must exist (in its namespace); one error line naming it, nothing
# changed. An interface that is there passes the check.
test_check_restore_missing_interface() {
	lab_up
	chk_setup
	chk_state "$TMP/before"
	printf 'deny add 192.0.2.5\n-n %s attach gw-a --policy drop\n' "$GW" >"$TMP/ok.rules"
	expect 0 pg restore --check "$TMP/ok.rules"
	assert_contains "$OUT" "1 attach lines"
	printf 'deny add 192.0.2.5\n-n %s attach h14nosuch0\n' "$GW" >"$TMP/gone.rules"
	expect 1 pg restore --check "$TMP/gone.rules"
	assert_eq 1 "$(echo "$ERR" | wc -l)" "one error line: $ERR"
	assert_contains "$ERR" "$TMP/gone.rules:2:"
	assert_contains "$ERR" "no interface 'h14nosuch0' in network namespace '$GW'"
	expect 1 pg -j restore --check "$TMP/gone.rules"
	assert_contains "$(echo "$OUT" | jq -r .error)" "no interface 'h14nosuch0'"
	chk_state "$TMP/after"
	diff "$TMP/before" "$TMP/after" || fail "a refused check changed the state"
	# restore itself fails on that line (the rest is applied).
	expect 1 pg restore "$TMP/gone.rules"
	assert_contains "$ERR" "no interface 'h14nosuch0'"
}

# ---- counter reset -------------------------------------------------------

ZR_SERVER4=203.0.113.2
ZR_SERVER6=2001:db8:3::2

zr_pings() {	# zr_pings 4|6 N: exactly N echo requests from the client
	local to=$ZR_SERVER4
	[ "$1" = 6 ] && to=$ZR_SERVER6
	on client timeout $(($2 + 5)) ping -"$1" -n -c "$2" -i 0.05 -W 1 "$to" \
		>/dev/null 2>&1 || true
}

zr_feed() {	# zr_feed: the feed list's packets, as lists shows them
	pg -j lists | jq -e '.lists[] | select(.name == "feed") | .packets'
}

# zr_metric REGEX: the value of the one exporter sample matching REGEX.
zr_metric() {
	scrape | grep -E "$1" | awk '{ print $2 }'
}

# The client's IPv4 address is a counted entry of its own (rule counters),
# its IPv6 address a loaded entry of list feed (list counters): every
# echo request is dropped at gw-c's XDP hook and counted exactly.
zr_lab() {
	lab_up
	gwpg attach gw-c >/dev/null
	pg deny add 192.0.2.2 >/dev/null
	echo 2001:db8:1::2 >"$TMP/feed.txt"
	pg load "$TMP/feed.txt" --list feed >/dev/null
}

test_zero_counters_count_again() {
	zr_lab
	zr_pings 4 5
	zr_pings 6 4
	assert_eq 9 "$(count gw-c deny)" "deny before the reset"
	assert_eq 5 "$(rule_hits deny 192.0.2.2/32)" "rule before"
	assert_eq 4 "$(zr_feed)" "list before"
	# The reset prints what it read, as nft reset does.
	expect 0 pg -j stats --zero
	assert_eq "true 9 4" "$(echo "$OUT" | jq -r '"\(.zeroed) \(.interfaces[] | select(.ifname == "gw-c") | .hooks[] | select(.hook == "xdp") | .reasons.deny.packets) \(.lists[] | select(.list_name == "feed") | .packets)"')" "values read"
	assert_eq 0 "$(count gw-c deny)" "deny after the reset"
	assert_eq 0 "$(zr_feed)" "list after"
	assert_eq 5 "$(rule_hits deny 192.0.2.2/32)" "stats --zero leaves rule counters"
	expect 0 pg deny list --zero
	assert_contains "$OUT" "counters of 1 entries zeroed"
	[[ "$OUT" =~ 192\.0\.2\.2/32.*\ 5\  ]] || fail "list --zero prints the values read: $OUT"
	assert_eq 0 "$(rule_hits deny 192.0.2.2/32)" "rule after"
	expect 0 pg deny -j list
	assert_eq null "$(echo "$OUT" | jq -r '.entries[] | select(.prefix == "192.0.2.2/32") | .last_hit_ago')" "no hit since the reset"
	# And they count again from zero.
	zr_pings 4 2
	zr_pings 6 1
	assert_eq 3 "$(count gw-c deny)" "deny counts again"
	assert_eq 2 "$(rule_hits deny 192.0.2.2/32)" "rule counts again"
	assert_eq 1 "$(zr_feed)" "list counts again"
	# A list filter: only that list's entries (feed has no counted ones).
	expect 0 pg -j deny list --zero --list feed
	assert_eq "true 0" "$(echo "$OUT" | jq -r '"\(.zeroed) \(.zeroed_entries)"')" "filtered"
	assert_eq 2 "$(rule_hits deny 192.0.2.2/32)" "other lists' entries keep theirs"
	# --iface: that interface only, and no list counters.
	expect 0 gwpg stats --zero --iface gw-c
	assert_eq 0 "$(count gw-c deny)" "iface reset"
	assert_eq 1 "$(zr_feed)" "--iface leaves list counters"
	expect 2 pg stats --zero --watch
	expect 2 pg stats --zero 1
}

test_zero_exporter_stays_monotonic() {
	zr_lab
	. "$TOP/tests/test_exporter.sh"
	exp_start
	zr_pings 4 5
	zr_pings 6 4
	local deny='^pktgate_packets_total\{interface="gw-c",[^}]*hook="xdp",reason="deny"'
	local feed='^pktgate_named_list_packets_total\{kind="deny",list="feed"\}'
	assert_eq 9 "$(zr_metric "$deny")" "exported before"
	assert_eq 4 "$(zr_metric "$feed")" "list exported before"
	pg stats --zero >/dev/null
	pg deny list --zero >/dev/null
	# A reset takes nothing off the exported counters: rate() and
	# increase() see no drop to explain, and the packets since count on.
	assert_eq 9 "$(zr_metric "$deny")" "exported after the reset"
	zr_pings 4 3
	zr_pings 6 2
	assert_eq 14 "$(zr_metric "$deny")" "exported counts on"
	assert_eq 6 "$(zr_metric "$feed")" "list exported counts on"
	assert_eq 5 "$(count gw-c deny)" "stats counts from the reset"
	pg exporter --once >"$TMP/once"
	grep -qE "$deny"'.* 14$' "$TMP/once" || fail "exporter --once: $(grep -E "$deny" "$TMP/once")"
}

test_zero_watch_across_reset() {
	zr_lab
	zr_pings 4 20
	# Samples every 0.4 s while a bounded ping runs; a reset in between.
	gwpg -j stats --watch 0.4 --count 8 --iface gw-c >"$TMP/watch" 2>"$TMP/watch.err" &
	local wpid=$!
	defer kill "$wpid"
	on client timeout 10 ping -4 -n -c 50 -i 0.05 -W 1 $ZR_SERVER4 >/dev/null 2>&1 &
	local ppid=$!
	sleep 1.3
	pg stats --zero >/dev/null
	wait "$ppid" || true
	wait "$wpid" || fail "watch failed: $(cat "$TMP/watch.err")"
	jq -e . "$TMP/watch" >/dev/null || fail "watch output is not JSON lines"
	local rows
	rows=$(jq -r '.interfaces[].hooks[] | select(.hook == "xdp") | .reasons.deny | "\(.packets) \(.pps)"' "$TMP/watch")
	assert_eq 8 "$(echo "$rows" | wc -l)" "samples"
	# Totals fall at the reset (to what counted since); rates never go
	# negative and keep counting the packets of the sample with the reset.
	echo "$rows" | awk '$2 < 0 { exit 1 }' || fail "a negative rate: $rows"
	echo "$rows" | awk 'NR > 1 && $1 < prev { drop = 1 } { prev = $1 } END { exit !drop }' ||
		fail "the totals never fell: $rows"
	# Every packet between the first and last sample is in the rates:
	# the sum of pps x interval is the raw counter's increase (to rounding).
	local sum want
	sum=$(jq -r '[.interval, (.interfaces[].hooks[] | select(.hook == "xdp") | .reasons.deny.pps)] | .[0] * .[1]' "$TMP/watch" |
		awk '{ s += $1 } END { printf "%d", s + 0.5 }')
	want=$(pg exporter --once | grep -E '^pktgate_packets_total\{interface="gw-c",[^}]*hook="xdp",reason="deny"' | awk '{ print $2 }')
	[ $((want - 20 - sum)) -ge -1 ] && [ $((want - 20 - sum)) -le 50 ] ||
		fail "rates sum to $sum of $((want - 20)) new packets: $rows"
}

test_check_without_pins() {
	# A first check on a fresh machine makes nothing, not even the pins.
	export PKTGATE_PIN_PATH="$PKTGATE_PIN_PATH/fresh"
	printf '198.51.100.0/24\n2001:db8::/48\n' >"$TMP/feed.txt"
	expect 0 pg -j load --check "$TMP/feed.txt" --list feed --replace
	assert_eq "2 0 true" "$(echo "$OUT" | jq -r '"\(.added) \(.removed) \(.new_list)"')" "fresh load"
	printf 'deny add 192.0.2.1 --list x\nallow add 192.0.2.9\n' >"$TMP/rules"
	expect 0 pg -j restore --check "$TMP/rules"
	assert_eq "2 1 1" "$(echo "$OUT" | jq -r '"\(.added) \(.allow) \(.deny)"')" "fresh restore"
	[ ! -e "$PKTGATE_PIN_PATH" ] || fail "check mode made $(ls "$PKTGATE_PIN_PATH")"
}
