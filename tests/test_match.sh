#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Match keys (issue 14): --match src|dst|any, sport/anyport, port entries
# with no address, tcp,udp, ICMP type: parsing, listing, save/restore, and
# the main ones with real traffic through the lab gateway.

CLIENT4=192.0.2.2
SERVER4=203.0.113.2

m_pings() {	# m_pings FROM ADDR N: replies received of N echo requests
	local out
	out=$(on "$1" timeout $(($3 + 5)) ping -n -c "$3" -i 0.05 -W 1 "$2" 2>&1 || true)
	echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

m_tcp() {	# m_tcp FROM ADDR PORT: one echo round trip
	on "$1" timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" && echo ping >&3 &&
		read -r -t 2 line <&3 && [ "$line" = ping ]' _ "$2" "$3"
}

test_match_add_list_forms() {
	expect 0 pg deny add proto tcp port 23
	assert_contains "$OUT" "added 0.0.0.0/0 tcp/23"
	assert_contains "$OUT" "added ::/0 tcp/23"
	expect 0 pg deny add 198.51.100.7 --match src
	assert_contains "$OUT" "198.51.100.7/32 src"
	expect 0 pg deny add 203.0.113.0/24 proto tcp,udp anyport 53 --match any
	expect 0 pg deny add 192.0.2.0/24 proto udp sport 1000-1010
	expect 0 pg deny add proto icmp type 8
	expect 0 pg deny add 2001:db8::/32 proto icmpv6 type 128 --match dst
	expect 0 pg deny list
	assert_contains "$OUT" "any tcp,udp/anyport 53"
	assert_contains "$OUT" "udp/sport 1000-1010"
	assert_contains "$OUT" "icmp/type 8"
	assert_contains "$OUT" "dst icmpv6/type 128"
	expect 0 pg -j deny list
	assert_eq '["tcp","udp"]' "$(echo "$OUT" | jq -c '.entries[] | select(.prefix == "203.0.113.0/24") | .protos')" "protos"
	assert_eq any "$(echo "$OUT" | jq -r '.entries[] | select(.prefix == "203.0.113.0/24") | .match')" "match"
	assert_eq any "$(echo "$OUT" | jq -r '.entries[] | select(.prefix == "203.0.113.0/24") | .ports')" "ports"
	assert_eq 8 "$(echo "$OUT" | jq -r '.entries[] | select(.prefix == "0.0.0.0/0" and .proto == "icmp") | .icmp_type')" "icmp type"
	assert_eq src "$(echo "$OUT" | jq -r '.entries[] | select(.prefix == "192.0.2.0/24") | .ports')" "sport"
	# del knows the keys: the whole rule goes, and only with its own scope.
	expect 1 pg deny del 203.0.113.0/24 proto tcp anyport 53 --match any
	expect 0 pg deny del 203.0.113.0/24 proto tcp,udp anyport 53 --match any
	expect 0 pg deny del proto tcp port 23
	expect 0 pg -j deny list
	assert_eq 4 "$(echo "$OUT" | jq '.entries | length')" "entries left"
}

test_match_bad_combinations_change_nothing() {
	pg deny add 192.0.2.1 --match src >/dev/null
	pg save --all "$TMP/before" >/dev/null
	for args in "192.0.2.1 proto tcp type 3" "192.0.2.1 proto icmp port 1" \
		"192.0.2.1 proto tcp,icmp port 1" "192.0.2.1 proto tcp,tcp" "::1 proto icmp" \
		"192.0.2.1 proto icmpv6" "192.0.2.1 type 8" "192.0.2.1 sport 1" \
		"192.0.2.1 proto icmp type 256" "192.0.2.1 proto tcp sport" \
		"192.0.2.1 --match foo" "--match src" "proto sctp"; do
		# shellcheck disable=SC2086
		expect 2 pg deny add $args
		assert_eq 1 "$(echo "$ERR" | grep -c '^pktgate: ')" "one error line for '$args'"
	done
	pg save --all "$TMP/after" >/dev/null
	diff <(grep -v '^#' "$TMP/before") <(grep -v '^#' "$TMP/after") || fail "state changed"
}

test_match_save_restore_round_trip() {
	pg deny add proto tcp port 23 >/dev/null
	pg deny add 198.51.100.7 --match src --ttl 2h >/dev/null
	pg deny add 203.0.113.0/24 proto tcp,udp anyport 53 --match any --comment dns >/dev/null
	pg allow add 192.0.2.0/24 proto udp sport 1000-1010 --list office >/dev/null
	pg deny add proto icmp type 8 --list pings >/dev/null
	pg deny add 2001:db8::/32 proto icmpv6 type 128 --match dst >/dev/null
	pg deny add 198.51.100.9 proto tcp --match dst --no-counter >/dev/null
	expect 0 pg save --all "$TMP/s1"
	assert_contains "$(cat "$TMP/s1")" "deny add 203.0.113.0/24 proto tcp,udp anyport 53 --match any --comment"
	assert_contains "$(cat "$TMP/s1")" "deny add 0.0.0.0/0 proto icmp type 8 --list pings"
	pg flush deny >/dev/null
	pg flush allow >/dev/null
	expect 0 pg restore "$TMP/s1"
	expect 0 pg save --all "$TMP/s2"
	# TTLs count down between the two saves.
	diff <(grep -v '^#' "$TMP/s1" | sed 's/--ttl [0-9]*s/--ttl T/') \
		<(grep -v '^#' "$TMP/s2" | sed 's/--ttl [0-9]*s/--ttl T/') || fail "round trip differs"
	# A load file holds addresses only: match-key entries are not written.
	expect 0 pg save --list pings "$TMP/l"
	assert_contains "$ERR" "not written"
}

test_match_traffic_icmp_type_and_port_only() {
	lab_up
	gwpg attach gw-c >/dev/null
	on server socat TCP-LISTEN:7100,reuseaddr,fork EXEC:cat &
	defer kill $!
	for _ in $(seq 50); do on server ss -ltn | grep -q ":7100 " && break; sleep 0.1; done
	m_tcp client $SERVER4 7100 || fail "tcp before any entry"
	pg deny add proto icmp type 8 >/dev/null
	assert_eq 0 "$(m_pings client $SERVER4 4)" "echo requests denied by type"
	assert_eq 4 "$(count gw-c deny)" "deny count for the ICMP type entry"
	pg deny del proto icmp type 8 >/dev/null
	pg deny add proto icmp type 0 >/dev/null	# echo replies: none arrive on gw-c from client
	assert_eq 3 "$(m_pings client $SERVER4 3)" "another type passes"
	pg deny add proto tcp port 7100 >/dev/null
	m_tcp client $SERVER4 7100 && fail "port entry with no address let tcp/7100 through"
	pg deny del proto tcp port 7100 >/dev/null
	m_tcp client $SERVER4 7100 || fail "tcp after del"
}

test_match_traffic_src_vs_dst_on_egress_and_sport() {
	lab_up
	gwpg attach gw-s --tc egress --no-xdp >/dev/null
	# On egress the remote peer is the destination: an entry for the
	# client's address does not match its packets leaving towards the server...
	pg deny add $CLIENT4 >/dev/null
	assert_eq 3 "$(m_pings client $SERVER4 3)" "remote-peer entry on egress"
	pg deny del $CLIENT4 >/dev/null
	# ...one that names the source does.
	pg deny add $CLIENT4 --match src >/dev/null
	assert_eq 0 "$(m_pings client $SERVER4 3)" "source entry on egress"
	[ "$(count gw-s deny tc-egress)" -ge 3 ] || fail "egress deny count"
	pg deny del $CLIENT4 --match src >/dev/null
	assert_eq 3 "$(m_pings client $SERVER4 3)" "after del"
	# sport: the server's replies arrive on gw-s with source port 7200.
	gwpg attach gw-s >/dev/null
	on server socat TCP-LISTEN:7200,reuseaddr,fork EXEC:cat &
	defer kill $!
	for _ in $(seq 50); do on server ss -ltn | grep -q ":7200 " && break; sleep 0.1; done
	m_tcp client $SERVER4 7200 || fail "tcp before the sport entry"
	pg deny add $SERVER4 proto tcp sport 7200 >/dev/null
	m_tcp client $SERVER4 7200 && fail "sport entry let the replies through"
	[ "$(rule_hits deny $SERVER4/32)" -ge 1 ] || fail "sport rule counted nothing"
}
