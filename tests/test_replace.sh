# SPDX-License-Identifier: GPL-2.0
# Named lists under real traffic in the namespace lab: `load --replace` is
# one atomic switch (an address in the old and the new set is never let
# through, one only in the new set is dropped once the command returns),
# port-scoped rules, and per-list counters. Counts are exact.
#
#   client 192.0.2.2 -- gw-c [gw] gw-s -- server 203.0.113.2 / 2001:db8:3::2
#   attacker 198.51.100.2,.3 / 2001:db8:2::2,::3 -- gw-a [gw]

RPL_X4=198.51.100.2	# the attacker: in the old and the new set
RPL_X6=2001:db8:2::2
RPL_Y4=198.51.100.3	# the attacker's second address: only in the new set
RPL_Y6=2001:db8:2::3
RPL_SERVER4=203.0.113.2
RPL_SERVER6=2001:db8:3::2

# rpl_pings FROM ADDR N [ping args]: exactly N echo requests, 5 ms apart
# (no -w: with a deadline ping keeps sending until it has N replies);
# prints "SENT RECEIVED".
rpl_pings() {
	local from=$1 addr=$2 n=$3 out
	shift 3
	out=$(on "$from" timeout $((n / 100 + 10)) ping -n -q -c "$n" -i 0.005 -W 1 "$@" "$addr" 2>&1 || true)
	echo "$out" | sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p'
}

# rpl_udp FROM ADDR PORT N: exactly N datagrams, one socket each.
rpl_udp() {
	on "$1" bash -c 'for ((i = 0; i < $3; i++)); do echo x >"/dev/udp/$1/$2"; done' \
		_ "$2" "$3" "$4" 2>/dev/null
}

# rpl_udp_echoes FROM PORT N [-6] [-s SRC]: datagrams the server's echo
# server sent back (the lab helper).
rpl_udp_echoes() {
	local from=$1 port=$2 n=$3
	shift 3
	"$LAB" udp "$from" server "$port" "$n" "$@" 2>/dev/null | tail -n1
}

# rpl_tcp FROM PORT [-6] [-s SRC]: 0 if a TCP echo through the server came back.
rpl_tcp() {
	local from=$1 port=$2
	shift 2
	"$LAB" tcp "$from" server "$port" "$@" >/dev/null 2>&1
}

# rpl_echo_requests NODE 4|6: echo requests the node's stack has received.
rpl_echo_requests() {
	if [ "$2" = 6 ]; then
		on "$1" awk '$1 == "Icmp6InEchos" { print $2 }' /proc/net/snmp6
	else
		on "$1" awk '/^Icmp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "InEchos") c = i; h = 1 } else print $c }' \
			/proc/net/snmp
	fi
}

# rpl_list FIELD NAME [KIND]: a field of a named list in `lists -j`.
rpl_list() {
	pg -j lists | jq -e --arg n "$2" --arg k "${3:-deny}" \
		".lists[] | select(.kind == \$k and .name == \$n) | .$1"
}

# rpl_hits KIND PREFIX PROTO PORT: packets counted for a port-scoped rule.
rpl_hits() {
	pg -j "$1" list | jq -e --arg p "$2" --arg pr "$3" --argjson lo "$4" \
		'.entries[] | select(.prefix == $p and .proto == $pr and .port_lo == $lo) | .packets'
}

# rpl_random_set SEED COUNT: COUNT distinct-ish random prefixes outside the
# lab's networks (IPv4 with a first octet of 1-100, IPv6 in 2a00::/8), a
# fifth of them IPv6.
rpl_random_set() {
	awk -v seed="$1" -v count="$2" 'BEGIN {
		srand(seed)
		for (i = 0; i < count; i++) {
			if (rand() < 0.2) {
				printf "2a%02x:%x:%x::/48\n", int(rand() * 256), 1 + int(rand() * 65535),
					1 + int(rand() * 65535)
			} else {
				len = 16 + int(rand() * 17)
				printf "%d.%d.%d.%d/%d\n", 1 + int(rand() * 100), int(rand() * 256),
					int(rand() * 256), int(rand() * 256), len
			}
		}
	}'
}

# rpl_replaces_under_traffic N LIST FILE1 FILE2: bounded senders, N echo
# requests each: the attacker over IPv4 and IPv6 (in both files) and the
# client (in neither, must not lose a packet), while LIST is replaced by
# FILE1, FILE2, FILE1, ... Checks that at least 5 replaces started while
# both attacker senders were still sending, that none of the attacker's
# packets and all of the client's got through, and that the gateway
# dropped exactly the attacker's. Sets replaces.
rpl_replaces_under_traffic() {
	local n=$1 list=$2 files=("$3" "$4") d0 p0 s4 s6 sc
	d0=$(count gw-a deny)
	p0=$(count gw-a default)
	rpl_pings attacker $RPL_SERVER4 "$n" >"$TMP/ping4" &
	s4=$!
	rpl_pings attacker $RPL_SERVER6 "$n" >"$TMP/ping6" &
	s6=$!
	rpl_pings client $RPL_SERVER4 "$n" >"$TMP/pingc" &
	sc=$!
	defer kill $s4 $s6 $sc
	sleep 0.2
	replaces=0
	while kill -0 $s4 2>/dev/null && kill -0 $s6 2>/dev/null && [ $replaces -lt 100 ]; do
		"$PG" -j load "${files[$((replaces % 2))]}" --list "$list" --replace >"$TMP/load.out" ||
			fail "load --replace failed: $(cat "$TMP/load.out")"
		replaces=$((replaces + 1))
	done
	[ $replaces -ge 5 ] || fail "only $replaces replaces while the traffic ran"
	wait $s4 $s6 $sc
	echo "$replaces replaces of $list during the traffic"
	assert_eq "$n 0" "$(cat "$TMP/ping4")" "attacker IPv4: sent, replies"
	assert_eq "$n 0" "$(cat "$TMP/ping6")" "attacker IPv6: sent, replies"
	assert_eq "$n $n" "$(cat "$TMP/pingc")" "client: sent, replies"
	assert_eq $((d0 + 2 * n)) "$(count gw-a deny)" "gateway drops = attacker packets sent"
	assert_eq "$p0" "$(count gw-a default)" "attacker packets passed"
}

rpl_lab() {	# lab with pktgate (XDP) on the gateway's attacker and client sides
	lab_up
	gwpg attach gw-a >/dev/null
	gwpg attach gw-c >/dev/null
}

test_replace_is_atomic_under_traffic() {
	rpl_lab
	# Two sets of 20k other prefixes each; the attacker is in both, its
	# second address only in the new one.
	{
		echo "# old feed"
		echo "$RPL_X4 ; the attacker"
		rpl_random_set 101 10000
		echo "$RPL_X6"
		rpl_random_set 102 10000
	} >"$TMP/old"
	{
		echo "# new feed"
		rpl_random_set 201 10000
		echo "$RPL_X6"
		echo "$RPL_Y4"
		echo "$RPL_Y6"
		rpl_random_set 202 10000
		echo "$RPL_X4 ; the attacker"
	} >"$TMP/new"
	expect 0 pg -j load "$TMP/old" --list feed
	old_n=$(echo "$OUT" | jq .entries)
	[ "$old_n" -gt 19000 ] || fail "old set holds only $old_n entries"
	expect 0 pg -j load "$TMP/new" --list feed --replace
	new_n=$(echo "$OUT" | jq .entries)
	[ "$(echo "$OUT" | jq .removed)" -gt 19000 ] || fail "the sets hardly differ: $OUT"
	expect 0 pg load "$TMP/old" --list feed --replace
	assert_eq "$old_n" "$(rpl_list entries feed)" "feed holds the old set"

	e4=$(rpl_echo_requests server 4)
	e6=$(rpl_echo_requests server 6)
	n=600
	rpl_replaces_under_traffic $n feed "$TMP/new" "$TMP/old"
	assert_eq 0 "$(count gw-c deny)" "client packets dropped"
	# The server saw the client's requests and none of the attacker's.
	assert_eq $((e4 + n)) "$(rpl_echo_requests server 4)" "IPv4 echo requests at the server"
	assert_eq "$e6" "$(rpl_echo_requests server 6)" "IPv6 echo requests at the server"
	# The list counts every drop of its entries, across the switches.
	assert_eq $((2 * n)) "$(rpl_list packets feed)" "feed list packets"

	# Y only in the new set: passes with the old, dropped as soon as the
	# replace has returned.
	if [ $((replaces % 2)) = 1 ]; then
		pg load "$TMP/old" --list feed --replace >/dev/null
	fi
	assert_eq "$old_n" "$(rpl_list entries feed)" "feed holds the old set"
	d1=$(count gw-a deny)
	assert_eq "20 20" "$(rpl_pings attacker $RPL_SERVER4 20 -I $RPL_Y4)" "Y (IPv4) with the old set"
	assert_eq "20 20" "$(rpl_pings attacker $RPL_SERVER6 20 -I $RPL_Y6)" "Y (IPv6) with the old set"
	assert_eq "$d1" "$(count gw-a deny)" "drops of Y with the old set"
	expect 0 pg load "$TMP/new" --list feed --replace
	assert_contains "$OUT" "(replaced)"
	assert_eq "20 0" "$(rpl_pings attacker $RPL_SERVER4 20 -I $RPL_Y4)" "Y (IPv4) with the new set"
	assert_eq "20 0" "$(rpl_pings attacker $RPL_SERVER6 20 -I $RPL_Y6)" "Y (IPv6) with the new set"
	assert_eq $((d1 + 40)) "$(count gw-a deny)" "drops of Y with the new set"
	assert_eq $((2 * n + 40)) "$(rpl_list packets feed)" "feed list packets"
	assert_eq "$new_n" "$(rpl_list entries feed)" "feed holds the new set"
}

test_replace_small_list_beside_a_big_one_under_traffic() {
	rpl_lab
	# 20k prefixes compiled in list big; the attacker in a small list
	# beside them (changed without compiling big again), replaced under
	# traffic by another small set that holds it too. Its second address
	# is in big and in the first small set: a compiled record that each
	# replace changes.
	{ rpl_random_set 301 20000; echo "$RPL_Y4"; } >"$TMP/big"
	{ rpl_random_set 302 100; echo "$RPL_X4"; echo "$RPL_X6"; echo "$RPL_Y4"; } >"$TMP/s1"
	{ echo "$RPL_X6"; rpl_random_set 303 100; echo "$RPL_X4"; } >"$TMP/s2"
	expect 0 pg load "$TMP/big" --list big
	expect 0 pg -v load "$TMP/s1" --list small
	assert_contains "$ERR" "a small change beside the compiled tier"
	expect 0 pg -v load "$TMP/s2" --list small --replace
	assert_contains "$ERR" "a small change beside the compiled tier"

	n=400
	rpl_replaces_under_traffic $n small "$TMP/s1" "$TMP/s2"
	assert_eq $((2 * n)) "$(rpl_list packets small)" "small list packets"

	# Y: in big (and in s1); dropped whichever small set is loaded, let
	# through once neither list holds it.
	[ $((replaces % 2)) = 0 ] || pg load "$TMP/s2" --list small --replace >/dev/null
	assert_eq "20 0" "$(rpl_pings attacker $RPL_SERVER4 20 -I $RPL_Y4)" "Y with big and s2"
	expect 0 pg flush deny --list big
	assert_eq "20 20" "$(rpl_pings attacker $RPL_SERVER4 20 -I $RPL_Y4)" "Y after big is flushed"
	assert_eq "20 0" "$(rpl_pings attacker $RPL_SERVER4 20)" "X after big is flushed"
	expect 0 pg load "$TMP/s1" --list small --replace
	assert_eq "20 0" "$(rpl_pings attacker $RPL_SERVER4 20 -I $RPL_Y4)" "Y in s1 again"
}

test_replace_port_scoped_rules_in_the_lab() {
	rpl_lab
	gwpg attach gw-s --tc egress --no-xdp >/dev/null
	"$LAB" serve server tcp 22 >/dev/null
	"$LAB" serve server tcp 80 >/dev/null
	"$LAB" serve server udp 22 >/dev/null
	pg deny add 198.51.100.0/24 2001:db8:2::/64 proto tcp port 22 --list ssh >/dev/null
	pg deny add 198.51.100.0/24 2001:db8:2::/64 proto udp port 5000-5009 --list udp >/dev/null

	# UDP first, counted exactly: only the range is dropped.
	d0=$(count gw-a deny)
	p0=$(count gw-a default)
	rpl_udp attacker $RPL_SERVER4 5000 7
	rpl_udp attacker $RPL_SERVER4 5009 6
	rpl_udp attacker $RPL_SERVER4 5010 5
	rpl_udp attacker $RPL_SERVER4 4999 4
	rpl_udp attacker $RPL_SERVER6 5005 3
	rpl_udp attacker $RPL_SERVER6 5011 2
	assert_eq $((d0 + 16)) "$(count gw-a deny)" "drops of UDP 5000-5009"
	assert_eq $((p0 + 11)) "$(count gw-a default)" "UDP outside the range passed"
	assert_eq 13 "$(rpl_hits deny 198.51.100.0/24 udp 5000)" "IPv4 range rule hits"
	assert_eq 3 "$(rpl_hits deny 2001:db8:2::/64 udp 5000)" "IPv6 range rule hits"
	assert_eq 16 "$(rpl_list packets udp)" "udp list packets"
	# ICMP ignores port-scoped entries.
	assert_eq "5 5" "$(rpl_pings attacker $RPL_SERVER4 5)" "IPv4 pings"
	assert_eq "5 5" "$(rpl_pings attacker $RPL_SERVER6 5)" "IPv6 pings"
	assert_eq $((d0 + 16)) "$(count gw-a deny)" "drops after pings"

	# TCP to port 22 fails, to 80 works; UDP to 22 works; both families.
	! rpl_tcp attacker 22 || fail "TCP to port 22 got through"
	rpl_tcp attacker 80 || fail "TCP to port 80"
	assert_eq 5 "$(rpl_udp_echoes attacker 22 5)" "UDP echoes from port 22"
	! rpl_tcp attacker 22 -6 || fail "TCP over IPv6 to port 22 got through"
	rpl_tcp attacker 80 -6 || fail "TCP over IPv6 to port 80"
	assert_eq 5 "$(rpl_udp_echoes attacker 22 5 -6)" "UDP over IPv6 echoes from port 22"
	rpl_tcp client 22 || fail "TCP to port 22 from the client"
	h4=$(rpl_hits deny 198.51.100.0/24 tcp 22)
	h6=$(rpl_hits deny 2001:db8:2::/64 tcp 22)
	[ "$h4" -ge 1 ] && [ "$h6" -ge 1 ] || fail "port 22 rule hits: $h4 $h6"
	assert_eq $((h4 + h6)) "$(rpl_list packets ssh)" "ssh list packets"
	assert_eq $((d0 + 16 + h4 + h6)) "$(count gw-a deny)" "drops: UDP range and TCP 22 only"
	assert_eq 0 "$(count gw-c deny)" "client drops"

	# An allow entry beats a port-scoped deny; its neighbour stays denied.
	pg allow add $RPL_X4 $RPL_X6 >/dev/null
	rpl_tcp attacker 22 || fail "TCP to port 22 from the allowed address"
	rpl_tcp attacker 22 -6 || fail "TCP over IPv6 to port 22 from the allowed address"
	a0=$(count gw-a allow)
	d1=$(count gw-a deny)
	rpl_udp attacker $RPL_SERVER4 5005 4
	assert_eq $((a0 + 4)) "$(count gw-a allow)" "UDP in the range from the allowed address"
	assert_eq "$d1" "$(count gw-a deny)" "drops of the allowed address"
	! rpl_tcp attacker 22 -s $RPL_Y4 || fail "TCP to port 22 from $RPL_Y4"
	! rpl_tcp attacker 22 -s $RPL_Y6 || fail "TCP over IPv6 to port 22 from $RPL_Y6"
	# A port-scoped allow beats an address deny, for its port only.
	pg deny add $RPL_Y4 >/dev/null
	pg allow add $RPL_Y4 proto tcp port 80 >/dev/null
	rpl_tcp attacker 80 -s $RPL_Y4 || fail "TCP to port 80 from $RPL_Y4 (port-scoped allow)"
	d1=$(count gw-a deny)
	assert_eq "4 0" "$(rpl_pings attacker $RPL_SERVER4 4 -I $RPL_Y4)" "pings from the denied $RPL_Y4"
	assert_eq 0 "$(rpl_udp_echoes attacker 22 3 -s $RPL_Y4)" "UDP from the denied $RPL_Y4"
	assert_eq $((d1 + 7)) "$(count gw-a deny)" "drops of $RPL_Y4"

	# TC egress matches the destination; the port is the destination port.
	pg deny add $RPL_SERVER4 proto udp port 6000 --list egress >/dev/null
	e0=$(count gw-s deny tc-egress)
	q0=$(count gw-s default tc-egress)
	rpl_udp client $RPL_SERVER4 6000 5
	rpl_udp client $RPL_SERVER4 6001 3
	assert_eq $((e0 + 5)) "$(count gw-s deny tc-egress)" "egress drops to port 6000"
	assert_eq $((q0 + 3)) "$(count gw-s default tc-egress)" "egress passes to port 6001"
	assert_eq 0 "$(count gw-c deny)" "the client's source matched nothing on ingress"
	assert_eq 5 "$(rpl_list packets egress)" "egress list packets"
}

test_replace_list_counters_and_events() {
	rpl_lab
	pg deny add $RPL_X4 --list first >/dev/null
	printf '%s\n198.51.100.0/24\n' $RPL_X4 >"$TMP/second"
	pg load "$TMP/second" --list second >/dev/null
	assert_eq '["first","second"]' "$(pg -j deny list | jq -c --arg p $RPL_X4/32 \
		'.entries[] | select(.prefix == $p) | .lists | sort')" "lists of the attacker"
	pg -j events --count 1 --timeout 10s >"$TMP/ev" 2>"$TMP/ev.err" &
	ev=$!
	defer kill $ev
	sleep 0.3
	# A hit counts for the entry's lowest list: first.
	assert_eq "10 0" "$(rpl_pings attacker $RPL_SERVER4 10)" "pings while denied"
	wait $ev || fail "events: $(cat "$TMP/ev.err")"
	assert_eq "gw-a xdp deny $RPL_X4/32 $RPL_X4" \
		"$(jq -r '"\(.interface) \(.hook) \(.reason) \(.rule) \(.src)"' "$TMP/ev")" "drop event"
	assert_eq 10 "$(count gw-a deny)" "drops"
	assert_eq 10 "$(rpl_list packets first)" "first list packets"
	assert_eq 980 "$(rpl_list bytes first)" "first list bytes (98-byte frames)"
	assert_eq 0 "$(rpl_list packets second)" "second list packets"
	assert_eq 10 "$(rule_hits deny $RPL_X4/32)" "rule hits"
	# Once first lets go, the same address counts for second; so does the /24.
	pg flush deny --list first >/dev/null
	assert_eq "6 0" "$(rpl_pings attacker $RPL_SERVER4 6)" "pings after flush of first"
	assert_eq "4 0" "$(rpl_pings attacker $RPL_SERVER4 4 -I $RPL_Y4)" "pings from the /24"
	assert_eq 20 "$(count gw-a deny)" "drops"
	assert_eq 10 "$(rpl_list packets second)" "second list packets"
	assert_eq 980 "$(rpl_list bytes second)" "second list bytes"
	# A replace keeps the list's counter.
	printf '%s\n' $RPL_Y4 >"$TMP/second2"
	pg load "$TMP/second2" --list second --replace >/dev/null
	assert_eq "3 3" "$(rpl_pings attacker $RPL_SERVER4 3)" "pings after the replace"
	assert_eq "2 0" "$(rpl_pings attacker $RPL_SERVER4 2 -I $RPL_Y4)" "pings from Y"
	assert_eq 12 "$(rpl_list packets second)" "second list packets after the replace"
	expect 0 pg lists
	assert_contains "$(echo "$OUT" | grep ' second ' | xargs)" "deny second 1 0 12 1176"
}
