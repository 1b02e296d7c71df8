# SPDX-License-Identifier: GPL-2.0
# Generation switches: each list table is an ARRAY_OF_MAPS of two slots a kind;
# load --replace and flush publish fresh maps and free the old ones.

# The inner map id of generation GEN of one kind's table, pg_deny_e4 say
# (0 if empty). The kinds share a pinned map per table (pg_tbl_e4): slot
# kind * 2 + GEN.
slot_id() {	# slot_id pg_KIND_TABLE GEN
	local v kind=0
	[[ "$1" == pg_deny_* ]] && kind=1
	# bpftool prints bytes as "0x2f"; an empty slot is an error.
	v=$(bpftool -j map lookup pinned "$PKTGATE_PIN_PATH/pg_tbl_${1##*_}" \
		key "$((kind * 2 + $2))" 0 0 0 2>/dev/null) ||
		{ echo 0; return; }
	jq 'def hex: ltrimstr("0x") | explode |
		reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end));
	    .value | map(hex) | .[0] + 256 * .[1] + 65536 * .[2] + 16777216 * .[3]' <<<"$v"
}

gens() {
	bpftool -j map dump pinned "$PKTGATE_PIN_PATH/pg_config" |
		jq '.[0].formatted.value.gens // empty'
}

map_exists() {
	bpftool map show id "$1" >/dev/null 2>&1
}

test_generations_replace_frees_the_old_maps() {
	local i before after old_ents old_idx
	for i in $(seq 1 300); do echo "10.$((i / 250)).$((i % 250)).0/24"; echo "172.16.$((i % 250)).$((i / 250 + 1))"; done \
		>"$TMP/a.txt"
	expect 0 pg load "$TMP/a.txt" --list feed
	before=$(gens)
	# A load compiles the kind's address entries: records and index.
	old_ents=$(slot_id pg_deny_e4 "$((before >> 1 & 1))")
	old_idx=$(slot_id pg_deny_c4 "$((before >> 1 & 1))")
	[ "$old_ents" -gt 0 ] && [ "$old_idx" -gt 0 ] || fail "no live deny tables ($old_ents, $old_idx)"
	expect 0 pg load "$TMP/a.txt" --list feed --replace
	after=$(gens)
	assert_eq $((before ^ 2)) "$after" "the deny generation bit flipped, allow's did not"
	assert_eq 0 "$(slot_id pg_deny_e4 "$((before >> 1 & 1))")" "old entries slot emptied"
	assert_eq 0 "$(slot_id pg_deny_c4 "$((before >> 1 & 1))")" "old index slot emptied"
	[ "$(slot_id pg_deny_e4 "$((after >> 1 & 1))")" -gt 0 ] || fail "no new entries"
	[ "$(slot_id pg_deny_c4 "$((after >> 1 & 1))")" -gt 0 ] || fail "no new index"
	# The old maps are freed in the background, without the CLI.
	for i in $(seq 1 50); do
		map_exists "$old_ents" || map_exists "$old_idx" || break
		sleep 0.1
	done
	map_exists "$old_ents" && fail "old entries $old_ents still exist 5 s after the replace"
	map_exists "$old_idx" && fail "old index $old_idx still exists 5 s after the replace"
	assert_eq 600 "$(pg -j lists | jq '.lists[] | select(.name == "feed") | .entries')" "feed size"
	# Tables empty before and after keep one map in both slots: no churn.
	assert_eq "$(slot_id pg_deny_v4 0)" "$(slot_id pg_deny_v4 1)" "empty IPv4 trie shared by both slots"
	assert_eq "$(slot_id pg_deny_v6 0)" "$(slot_id pg_deny_v6 1)" "empty IPv6 trie shared by both slots"
	assert_eq "$(slot_id pg_deny_e6 0)" "$(slot_id pg_deny_e6 1)" "empty IPv6 entries shared by both slots"
	assert_eq "$(slot_id pg_allow_v4 0)" "$(slot_id pg_allow_v4 1)" "untouched allow trie shared"
	assert_eq "$(slot_id pg_allow_e4 0)" "$(slot_id pg_allow_e4 1)" "untouched allow entries shared"
}

test_generations_manual_adds_go_to_the_live_generation() {
	expect 0 pg load - --list feed <<<"192.0.2.0/24"
	expect 0 pg load - --list feed --replace <<<"198.51.100.0/24"
	# In place, after a switch: the entry must be in the maps the datapath
	# uses: a new prefix in the live trie, the loaded one compiled.
	expect 0 pg deny add 203.0.113.0/24
	g=$(( $(gens) >> 1 & 1 ))
	live=$(slot_id pg_deny_v4 "$g")
	# Key: prefixlen 24 (little endian), then 203.0.113.0.
	assert_eq '[["0x18","0x00","0x00","0x00","0xcb","0x00","0x71","0x00"]]' \
		"$(bpftool -j map dump id "$live" | jq -c '[.[].key]')" \
		"the live trie holds the added entry"
	ents=$(slot_id pg_deny_e4 "$g")
	assert_eq 2 "$(bpftool -j map dump id "$ents" | jq length)" "live compiled records: none, and the loaded entry"
	assert_eq '["198.51.100.0/24","203.0.113.0/24"]' \
		"$(pg -j deny list | jq -c '[.entries[].prefix]')" "deny list"
	# An add of a compiled prefix changes it in place: it does not go to the trie.
	expect 0 pg deny add 198.51.100.0/24 --comment again
	assert_eq 1 "$(bpftool -j map dump id "$live" | jq length)" "trie size after re-adding a compiled entry"
	expect 0 pg deny del 198.51.100.0/24
	assert_eq '["198.51.100.0/24","203.0.113.0/24"]' "$(pg -j deny list | jq -c '[.entries[].prefix]')" \
		"still in the list feed"
	expect 0 pg deny del 198.51.100.0/24 --list feed
	assert_eq '["203.0.113.0/24"]' "$(pg -j deny list | jq -c '[.entries[].prefix]')" "after del"
	expect 1 pg deny del 198.51.100.0/24 --list feed
	assert_contains "$ERR" "is not in the deny list feed"
	expect 0 pg -j deny add 198.51.100.0/24
	assert_eq 1 "$(bpftool -j map dump id "$live" | jq length)" "a deleted compiled entry comes back in place"
}

test_generations_failed_replace_changes_nothing() {
	expect 0 pg --capacity 50 load - --list feed <<<"192.0.2.0/24"
	before=$(gens)
	id=$(slot_id pg_deny_v4 "$((before >> 1 & 1))")
	[ "$id" -gt 0 ] || fail "no live deny trie"
	for i in $(seq 1 60); do echo "10.0.$i.0/24"; done >"$TMP/big.txt"
	expect 1 pg load "$TMP/big.txt" --list feed --replace
	assert_contains "$ERR" "over its capacity of 50; nothing was changed"
	assert_eq "$before" "$(gens)" "generation"
	assert_eq "$id" "$(slot_id pg_deny_v4 "$((before >> 1 & 1))")" "live trie"
	assert_eq '["192.0.2.0/24"]' "$(pg -j deny list | jq -c '[.entries[].prefix]')" "deny list"
}

test_generations_capacity_raised_by_a_load() {
	# Inner maps need not be the template's size: a load with --capacity
	# builds the kind's tables larger, without recreating the pins.
	for i in $(seq 1 60); do echo "10.0.$i.0/24"; done >"$TMP/big.txt"
	expect 0 pg --capacity 50 load - --list feed <<<"192.0.2.0/24"
	expect 1 pg load "$TMP/big.txt" --list feed
	assert_contains "$ERR" "over its capacity of 50; nothing was changed. Give a larger capacity to this command: pktgate --capacity N load"
	expect 0 pg --capacity 100 load "$TMP/big.txt" --list feed
	assert_eq 61 "$(pg -j lists | jq '.lists[] | select(.name == "feed") | .entries')" "feed size"
	expect 0 pg -j status
	assert_eq '[100,100]' "$(echo "$OUT" | jq -c '[.lists[] | select(.list == "deny") | .capacity]')" \
		"deny capacity, both families"
	assert_eq '[50,50]' "$(echo "$OUT" | jq -c '[.lists[] | select(.list == "allow") | .capacity]')" \
		"allow capacity: not rebuilt"
	# In place, the live tables' size counts (hosts go to the hash).
	expect 0 pg deny add $(seq -f '172.16.0.%g' 1 100)
	expect 1 pg deny add 172.16.1.1
	assert_contains "$ERR" "full (capacity 100 entries)"
	expect 0 pg --capacity 200 flush allow
	expect 0 pg -j status
	assert_eq '[200,200]' "$(echo "$OUT" | jq -c '[.lists[] | select(.list == "allow") | .capacity]')" \
		"allow capacity after a flush with --capacity"
}

test_generations_interrupted_load_is_all_or_nothing() {
	# Killed while a load builds its tables (SIGTERM: background jobs of
	# a script ignore SIGINT): the load completes or never happened; no
	# empty list is left behind.
	awk 'BEGIN { for (i = 0; i < 300000; i++)
		printf "%d.%d.%d.0/24\n", 1 + int(i / 65536), int(i / 256) % 256, i % 256 }' \
		>"$TMP/big.txt"
	expect 0 pg deny add 192.0.2.1
	local i rc n
	for i in 1 2 3; do
		"$PG" load "$TMP/big.txt" --list "feed$i" >/dev/null 2>&1 &
		sleep 0.$((i * 2))
		kill -TERM $! 2>/dev/null || true
		rc=0
		wait $! || rc=$?
		n=$(pg -j lists | jq --arg l "feed$i" '[.lists[] | select(.name == $l) | .entries] | .[0] // "none"')
		case "$rc:$n" in
		0:300000 | 143:300000 | 143:none) ;;
		*) fail "interrupted load $i: exit $rc, list holds $n" ;;
		esac
	done
	assert_eq '["192.0.2.1/32"]' "$(pg -j deny list --list manual | jq -c '[.entries[].prefix]')" "manual list"
}

# deny list entries of one prefix: its lists, sorted ("null" if none).
gen_lists_of() {
	pg -j deny list | jq -c --arg p "$1" '[.entries[] | select(.prefix == $p) | .lists | sort][0]'
}

test_generations_small_load_beside_a_big_list() {
	local i g idx
	# 2000 compiled entries in list big, then a list of 40 beside them: 30
	# hosts, 8 /24s, one prefix of big itself and one inside a big entry.
	for i in $(seq 0 1999); do echo "10.$((i / 200)).$((i % 200)).0/24"; done >"$TMP/big.txt"
	{
		for i in $(seq 1 30); do echo "198.51.100.$i"; done
		for i in $(seq 1 8); do echo "172.16.$i.0/24"; done
		echo "10.0.5.0/24"
		echo "10.0.6.128/25"
	} >"$TMP/small.txt"
	expect 0 pg load "$TMP/big.txt" --list big
	idx=$(slot_id pg_deny_c4 "$(( $(gens) >> 1 & 1 ))")
	[ "$idx" -gt 0 ] || fail "no live index"
	expect 0 pg -j load "$TMP/small.txt" --list small
	assert_eq '{"added":40,"removed":0,"entries":40}' "$(jq -c '{added, removed, entries}' <<<"$OUT")" \
		"load summary"
	# Not compiled again: the index is kept (in both slots now), the new
	# prefixes are in the dynamic tier, the shared one in its record.
	g=$(( $(gens) >> 1 & 1 ))
	assert_eq "$idx" "$(slot_id pg_deny_c4 "$g")" "live index after the small load"
	assert_eq "$idx" "$(slot_id pg_deny_c4 $((g ^ 1)))" "the other slot's index"
	assert_eq 30 "$(bpftool -j map dump id "$(slot_id pg_deny_x4 "$g")" | jq length)" "hosts in the hash"
	assert_eq 9 "$(bpftool -j map dump id "$(slot_id pg_deny_v4 "$g")" | jq length)" "prefixes in the trie"
	assert_eq '["big","small"]' "$(gen_lists_of 10.0.5.0/24)" "the shared prefix"
	assert_eq '["small"]' "$(gen_lists_of 10.0.6.128/25)" "the nested prefix"
	assert_eq 2039 "$(pg -j deny list | jq '.entries | length')" "deny entries"
	assert_eq '[2000,40]' "$(pg -j lists | jq -c '[.lists[] | select(.name == "big" or .name == "small") | .entries]')" \
		"list sizes"

	# A replace beside: the shared record loses nothing, the rest goes.
	printf '10.0.5.0/24\n198.51.100.200\n' >"$TMP/small2.txt"
	expect 0 pg -j load "$TMP/small2.txt" --list small --replace
	assert_eq '{"added":1,"removed":39,"entries":2}' "$(jq -c '{added, removed, entries}' <<<"$OUT")" \
		"replace summary"
	assert_eq "$idx" "$(slot_id pg_deny_c4 "$(( $(gens) >> 1 & 1 ))")" "index after the replace"
	assert_eq '["big","small"]' "$(gen_lists_of 10.0.5.0/24)" "the shared prefix after the replace"
	assert_eq null "$(gen_lists_of 10.0.6.128/25)" "the nested prefix after the replace"
	assert_eq '["small"]' "$(gen_lists_of 198.51.100.200/32)" "the new host"
	assert_eq null "$(gen_lists_of 198.51.100.1/32)" "an old host"

	# Flushing the small list leaves big as it was loaded.
	expect 0 pg flush deny --list small
	assert_eq "$idx" "$(slot_id pg_deny_c4 "$(( $(gens) >> 1 & 1 ))")" "index after the flush"
	assert_eq '["big"]' "$(gen_lists_of 10.0.5.0/24)" "the shared prefix after the flush"
	assert_eq 2000 "$(pg -j deny list | jq '.entries | length')" "deny entries after the flush"
	assert_eq "$(sort "$TMP/big.txt")" "$(pg -j deny list | jq -r '.entries[].prefix' | sort)" "big as loaded"

	# A change that is not small beside the compiled tier compiles it all.
	expect 0 pg load "$TMP/small.txt" --list small
	for i in $(seq 0 999); do echo "11.$((i / 200)).$((i % 200)).0/24"; done >"$TMP/big2.txt"
	expect 0 pg load "$TMP/big2.txt" --list big2
	g=$(( $(gens) >> 1 & 1 ))
	[ "$(slot_id pg_deny_c4 "$g")" != "$idx" ] || fail "a load of 1000 beside 2000 kept the index"
	assert_eq 0 "$(bpftool -j map dump id "$(slot_id pg_deny_x4 "$g")" | jq length)" "hash after a full compile"
	assert_eq 3039 "$(pg -j deny list | jq '.entries | length')" "deny entries after a full compile"
}
