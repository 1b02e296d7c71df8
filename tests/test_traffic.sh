# SPDX-License-Identifier: GPL-2.0
# End-to-end tests in the namespace lab: client, attacker and server talk
# through gw, where pktgate runs. Packet counts are exact: every packet a
# node sends is accounted for in the gateway's counters.
#
#   client 192.0.2.2 / 2001:db8:1::2 -- gw-c [gw] gw-s -- server 203.0.113.2
#   attacker 198.51.100.2,.3 / 2001:db8:2::2,::3 -- gw-a [gw]

CLIENT4=192.0.2.2
CLIENT6=2001:db8:1::2
ATTACKER4=198.51.100.2
ATTACKER4B=198.51.100.3
SERVER4=203.0.113.2
SERVER6=2001:db8:3::2

# pings FROM ADDR N [ping args]: exactly N echo requests (no -w: with a
# deadline ping keeps sending until it has N replies); prints replies received.
pings() {
	local from=$1 addr=$2 n=$3 out
	shift 3
	out=$(on "$from" timeout $((n + 5)) ping -n -c "$n" -i 0.05 -W 1 "$@" "$addr" 2>&1 || true)
	echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

# udp_send FROM ADDR PORT N: exactly N datagrams, one socket each (bash).
udp_send() {
	on "$1" bash -c 'for ((i = 0; i < $3; i++)); do echo x >"/dev/udp/$1/$2"; done' \
		_ "$2" "$3" "$4"
}

# tcp_echo FROM ADDR PORT: 0 if a line sent to the echo server comes back.
tcp_echo() {
	on "$1" timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" && echo ping >&3 &&
		read -r -t 2 line <&3 && [ "$line" = ping ]' _ "$2" "$3"
}

echo_server() {	# echo_server PORT: TCP echo on the server, stopped at test end
	on server socat TCP6-LISTEN:"$1",ipv6only=0,reuseaddr,fork EXEC:cat &
	defer kill $!
	for _ in $(seq 50); do
		on server ss -ltn | grep -q ":$1 " && return 0
		sleep 0.1
	done
	fail "echo server did not start"
}

# lab with pktgate on the gateway's client and attacker sides
lab_attached() {
	lab_up
	gwpg attach gw-c "$@" >/dev/null
	gwpg attach gw-a "$@" >/dev/null
}

test_traffic_passes_and_is_counted() {
	lab_attached
	echo_server 7000
	assert_eq 5 "$(pings client $SERVER4 5)" "v4 replies"
	assert_eq 5 "$(pings client $SERVER6 5)" "v6 replies"
	assert_eq 3 "$(pings attacker $SERVER4 3)" "attacker replies"
	tcp_echo client $SERVER4 7000 || fail "TCP echo through gw"
	tcp_echo client "[$SERVER6]" 7000 2>/dev/null || tcp_echo client $SERVER6 7000 ||
		fail "TCP echo over IPv6"
	before=$(count gw-c default)
	udp_send client $SERVER4 9 20
	assert_eq $((before + 20)) "$(count gw-c default)" "default count after 20 datagrams"
	assert_eq 0 "$(count gw-c deny)" "deny count"
	expect 0 gwpg -j status
	assert_eq '["gw-a","gw-c"]' "$(echo "$OUT" | jq -c '[.attached[].ifname] | sort')" "attached"
}

test_traffic_deny_drops_exactly_what_was_sent() {
	lab_attached
	echo_server 7000
	pg deny add $CLIENT4 --comment "test" >/dev/null
	assert_eq 0 "$(pings client $SERVER4 7)" "replies while denied"
	assert_eq 7 "$(count gw-c deny)" "deny count after 7 pings"
	assert_eq 7 "$(rule_hits deny $CLIENT4/32)" "rule hits"
	udp_send client $SERVER4 9 25
	assert_eq 32 "$(count gw-c deny)" "deny count after 25 datagrams"
	! tcp_echo client $SERVER4 7000 || fail "TCP got through a deny"
	# Others are unaffected, and nothing else was dropped.
	assert_eq 4 "$(pings attacker $SERVER4 4)" "attacker replies"
	assert_eq 0 "$(count gw-a deny)" "attacker-side deny count"
	pg deny del $CLIENT4 >/dev/null
	assert_eq 5 "$(pings client $SERVER4 5)" "replies after del"
	tcp_echo client $SERVER4 7000 || fail "TCP after del"
}

test_traffic_allow_inside_denied_prefix() {
	lab_attached
	pg deny add 198.51.100.0/24 >/dev/null
	pg allow add $ATTACKER4B >/dev/null
	assert_eq 0 "$(pings attacker $SERVER4 4)" "from .2 (denied by the /24)"
	assert_eq 4 "$(pings attacker $SERVER4 4 -I $ATTACKER4B)" "from .3 (allowed)"
	assert_eq 4 "$(count gw-a deny)" "deny count"
	assert_eq 4 "$(count gw-a allow)" "allow count"
	assert_eq 4 "$(rule_hits deny 198.51.100.0/24)" "deny rule hits"
	assert_eq 4 "$(rule_hits allow $ATTACKER4B/32)" "allow rule hits"
}

test_traffic_ttl_expires_without_a_daemon() {
	lab_attached
	pg deny add $CLIENT4 --ttl 2s >/dev/null
	assert_eq 0 "$(pings client $SERVER4 3)" "replies while the entry lives"
	assert_eq 3 "$(count gw-c deny)" "deny count"
	sleep 2.2
	assert_eq 3 "$(pings client $SERVER4 3)" "replies after expiry"
	assert_eq 3 "$(count gw-c deny)" "deny count after expiry"
	expect 0 pg -j deny list
	assert_eq 0 "$(echo "$OUT" | jq '.entries | length')" "live entries"
}

# Loaded entries are compiled, and one no other entry covers answers from
# the index alone (a fast leaf): every change to it in place, by a command
# or by a small load beside the big list, must reach the datapath.
test_traffic_loaded_entries_change_in_place() {
	local i
	lab_attached
	for i in $(seq 0 1999); do echo "10.$((i / 200)).$((i % 200)).0/24"; done >"$TMP/big.txt"
	printf '192.0.2.0/24\n%s\n2001:db8:1::/48\n' "$ATTACKER4" >>"$TMP/big.txt"
	# 192.0.0.0/16 with a few more /24s: a run (maps/pktgate.h), which an
	# edit moves to its shadow tree.
	for i in $(seq 10 29); do echo "192.0.$i.0/24"; done >>"$TMP/big.txt"
	expect 0 pg load "$TMP/big.txt" --list big
	assert_eq 0 "$(pings client $SERVER4 3)" "client v4 while loaded"
	assert_eq 0 "$(pings client $SERVER6 3)" "client v6 while loaded"
	assert_eq 0 "$(pings attacker $SERVER4 3)" "attacker while loaded"
	# del, then add back with a TTL, of a compiled prefix: in place
	expect 0 pg deny del 192.0.2.0/24 --list big
	assert_eq 3 "$(pings client $SERVER4 3)" "client v4 after del"
	expect 0 pg deny add 192.0.2.0/24 --list big --ttl 2s
	assert_eq 0 "$(pings client $SERVER4 3)" "client v4 after add --ttl"
	sleep 2.2
	assert_eq 3 "$(pings client $SERVER4 3)" "client v4 after the TTL"
	expect 0 pg deny del 2001:db8:1::/48 --list big
	assert_eq 3 "$(pings client $SERVER6 3)" "client v6 after del"
	# A loaded allow entry deleted stops allowing.
	expect 0 pg load - --allow --list ok <<<"$ATTACKER4"
	assert_eq 3 "$(pings attacker $SERVER4 3)" "attacker while allowed"
	expect 0 pg allow del "$ATTACKER4" --list ok
	assert_eq 0 "$(pings attacker $SERVER4 3)" "attacker after allow del"
	# A small list beside big shares the attacker's record (two lists: no
	# fast leaf any more); big lets go of it in place, then a replace of
	# the small list beside it drops it from the record.
	for i in $(seq 1 40); do echo "172.16.$i.0/24"; done >"$TMP/small.txt"
	{ cat "$TMP/small.txt"; echo "$ATTACKER4"; } >"$TMP/small1.txt"
	expect 0 pg -j load "$TMP/small1.txt" --list small
	expect 0 pg deny del "$ATTACKER4" --list big
	assert_eq 0 "$(pings attacker $SERVER4 3)" "attacker, still in small"
	expect 0 pg load "$TMP/small.txt" --list small --replace
	assert_eq 3 "$(pings attacker $SERVER4 3)" "attacker out of both lists"
	assert_eq 2020 "$(pg -j deny list --list big | jq '.entries | length')" "big entries"
}

test_traffic_ipv6_deny_allow_ttl() {
	lab_attached
	pg deny add 2001:db8:2::/64 >/dev/null
	pg allow add 2001:db8:2::3 >/dev/null
	assert_eq 0 "$(pings attacker $SERVER6 4)" "v6 from ::2"
	assert_eq 4 "$(pings attacker $SERVER6 4 -I 2001:db8:2::3)" "v6 from ::3 (allowed)"
	assert_eq 4 "$(count gw-a deny)" "v6 deny count"
	assert_eq 4 "$(count gw-a allow)" "v6 allow count"
	pg deny add $CLIENT6 --ttl 2s >/dev/null
	assert_eq 0 "$(pings client $SERVER6 3)" "client v6 while denied"
	assert_eq 3 "$(count gw-c deny)" "client v6 deny count"
	assert_eq 3 "$(pings client $SERVER4 3)" "client v4 unaffected"
	sleep 2.2
	assert_eq 3 "$(pings client $SERVER6 3)" "client v6 after expiry"
	pg deny del 2001:db8:2::/64 >/dev/null
	assert_eq 3 "$(pings attacker $SERVER6 3)" "v6 after del"
}

test_traffic_detach_restores_and_counters_survive() {
	lab_attached
	pg deny add $CLIENT4 >/dev/null
	assert_eq 0 "$(pings client $SERVER4 3)" "replies while attached"
	expect 0 gwpg detach gw-c
	assert_contains "$OUT" "gw-c: detached xdp"
	assert_eq 3 "$(pings client $SERVER4 3)" "replies after detach (rule still listed)"
	assert_eq 3 "$(count gw-c deny)" "deny count kept after detach"
	expect 0 gwpg -j status
	assert_eq '["gw-a"]' "$(echo "$OUT" | jq -c '[.attached[].ifname]')" "attached after detach"
	expect 1 gwpg detach gw-c
	assert_contains "$ERR" "pktgate is not attached to gw-c"
	gwpg attach gw-c >/dev/null
	assert_eq 0 "$(pings client $SERVER4 2)" "replies after re-attach"
	assert_eq 5 "$(count gw-c deny)" "deny count continues after re-attach"
}

test_traffic_attach_is_idempotent_and_options_replace() {
	lab_up
	expect 0 gwpg -j attach gw-c
	id=$(echo "$OUT" | jq '.hooks[0].prog_id')
	expect 0 gwpg -j attach gw-c
	assert_eq false "$(echo "$OUT" | jq '.hooks[0].changed')" "second attach changed something"
	assert_eq "$id" "$(echo "$OUT" | jq '.hooks[0].prog_id')" "prog id"
	expect 0 gwpg attach gw-c
	assert_contains "$OUT" "(already attached)"
	expect 0 gwpg -j attach gw-c --drop-malformed
	assert_eq true "$(echo "$OUT" | jq '.drop_malformed')" "drop_malformed"
	[ "$(echo "$OUT" | jq '.hooks[0].prog_id')" != "$id" ] || fail "program not replaced"
	expect 0 gwpg -j status
	assert_eq true "$(echo "$OUT" | jq '.attached[0].drop_malformed')" "status drop_malformed"
	assert_eq 1 "$(echo "$OUT" | jq '.attached | length')" "one program attached"
	expect 0 gwpg -j attach gw-c --mode generic
	assert_eq generic "$(echo "$OUT" | jq -r '.hooks[0].mode')" "generic mode"
	expect 0 gwpg -j status
	assert_eq generic "$(echo "$OUT" | jq -r '.attached[0].mode')" "status mode"
	pg deny add $CLIENT4 >/dev/null
	assert_eq 0 "$(pings client $SERVER4 2)" "generic mode drops"
}

test_traffic_foreign_xdp_program_is_left_alone() {
	lab_up
	on gw ip link set dev gw-c xdpgeneric obj "$BUILD/tests/bpf/foreign.bpf.o" sec xdp
	expect 1 gwpg attach gw-c
	assert_contains "$ERR" "gw-c already has XDP program 'foreign_xdp'"
	assert_contains "$ERR" "pktgate will not replace it"
	assert_contains "$(on gw ip link show dev gw-c)" "foreign_xdp"
	expect 1 gwpg detach gw-c
	assert_contains "$(on gw ip link show dev gw-c)" "foreign_xdp"
}

test_traffic_state_outlives_the_cli() {
	lab_attached
	pg deny add $CLIENT4 >/dev/null
	assert_eq 0 "$(pings client $SERVER4 2)" "dropped"
	# Every pktgate command has returned: the kernel holds program and pins.
	for m in pg_meta pg_tbl_v4 pg_tbl_v6 pg_tbl_x4 pg_tbl_e4 pg_stats pg_rule_stats \
		pg_rule_meta pg_ifaces; do
		[ -e "$PKTGATE_PIN_PATH/$m" ] || fail "$m is not pinned"
	done
	assert_eq 2 "$(count gw-c deny)" "deny count read by a new CLI"
}

# --- TC (clsact) hooks -------------------------------------------------------

# ipout NODE: IPv4 packets the node itself has sent (Ip OutRequests).
ipout() {
	on "$1" awk '/^Ip: [0-9]/ { print $12 }' /proc/net/snmp
}

test_tc_egress_blocks_local_sender_and_counts() {
	lab_up
	gwpg attach gw-s --tc egress --no-xdp >/dev/null
	pg deny add $SERVER4 >/dev/null
	before=$(ipout gw)
	out=$(on gw ping -n -c 3 -i 0.2 -W 1 $SERVER4 2>&1 || true)
	assert_contains "$out" "0 received"
	# The local sender is told, not left waiting.
	assert_contains "$out" "No buffer space available"
	sent=$(($(ipout gw) - before))
	[ "$sent" -ge 3 ] || fail "gw sent only $sent packets"
	assert_eq "$sent" "$(count gw-s deny tc-egress)" "tc-egress deny count = packets gw sent"
	# Forwarded traffic to the server is filtered at egress too...
	assert_eq 0 "$(pings client $SERVER4 3)" "client to denied server"
	assert_eq $((sent + 3)) "$(count gw-s deny tc-egress)" "tc-egress deny count with forwarded"
	# ...while traffic to others flows.
	assert_eq 3 "$(pings gw $CLIENT4 3)" "gw to client"
	pg deny del $SERVER4 >/dev/null
	assert_eq 3 "$(pings client $SERVER4 3)" "client to server after del"
	expect 0 gwpg -j stats --iface gw-s
	assert_eq '["tc-egress"]' "$(echo "$OUT" | jq -c '[.interfaces[0].hooks[].hook]')" "hooks in stats"
}

test_tc_ingress_matches_source_like_xdp() {
	lab_up
	gwpg attach gw-c --tc ingress --no-xdp >/dev/null
	pg deny add $CLIENT4 >/dev/null
	assert_eq 0 "$(pings client $SERVER4 4)" "replies"
	assert_eq 4 "$(count gw-c deny tc-ingress)" "tc-ingress deny count"
}

test_tc_xdp_and_tc_egress_together() {
	lab_up
	expect 0 gwpg attach gw-c --tc egress
	assert_contains "$OUT" "xdp (native)"
	assert_contains "$OUT" "tc-egress"
	assert_eq 6 "$(pings client $SERVER4 6)" "replies"
	# Requests enter gw-c (XDP); replies leave through it (TC egress).
	assert_eq 6 "$(count gw-c default xdp)" "xdp default count"
	assert_eq 6 "$(count gw-c default tc-egress)" "tc-egress default count"
	pg deny add $CLIENT4 >/dev/null
	assert_eq 0 "$(pings client $SERVER4 2)" "replies while denied"
	assert_eq 2 "$(count gw-c deny xdp)" "xdp drops the requests"
	assert_eq 0 "$(count gw-c deny tc-egress)" "no replies to drop"
	expect 0 gwpg -j status
	assert_eq '["tc-egress","xdp"]' "$(echo "$OUT" | jq -c '[.attached[].hook] | sort')" "hooks"
}

# tc_ids IFACE: "hook:prog_id changed" of each hook, from attach --json in OUT
tc_ids() {
	echo "$OUT" | jq -r '[.hooks[] | "\(.hook):\(.prog_id):\(.changed)"] | join(" ")'
}

test_tc_attach_again_changes_nothing() {
	lab_up
	expect 0 gwpg -j attach gw-c --tc egress
	first=$(echo "$OUT" | jq -r '[.hooks[] | "\(.hook):\(.prog_id)"] | join(" ")')
	expect 0 gwpg -j attach gw-c --tc egress
	assert_eq "$(echo "$first" | sed 's/\( \|$\)/:false\1/g')" "$(tc_ids)" "second attach"
	expect 0 gwpg attach gw-c --tc egress
	assert_contains "$OUT" "tc-egress prog"
	assert_contains "$OUT" "(already attached)"
	assert_eq 1 "$(on gw tc filter show dev gw-c egress | grep -c pktgate_tc_eg)" "egress filters"
	# Adding ingress leaves egress as it was.
	expect 0 gwpg -j attach gw-c --tc both
	eg=$(echo "$first" | grep -o 'tc-egress:[0-9]*')
	assert_contains "$(tc_ids)" "$eg:false"
	assert_contains "$(tc_ids)" "tc-ingress:"
	assert_contains "$(tc_ids)" ":true"
	both=$(tc_ids | sed 's/:true/:false/g')
	expect 0 gwpg -j attach gw-c --tc both
	assert_eq "$both" "$(tc_ids)" "attach --tc both again"
	# Other options still replace the programs.
	expect 0 gwpg -j attach gw-c --tc both --drop-malformed
	assert_eq "true true true" "$(echo "$OUT" | jq -r '[.hooks[].changed] | join(" ")')" \
		"changed with --drop-malformed"
	assert_not_contains "$(tc_ids)" "$eg:"
}

test_tc_detach_removes_only_what_pktgate_added() {
	lab_up
	gwpg attach gw-c --tc both >/dev/null
	assert_contains "$(on gw tc qdisc show dev gw-c)" "clsact"
	gwpg detach gw-c >/dev/null
	assert_not_contains "$(on gw tc qdisc show dev gw-c)" "clsact"
	assert_eq "" "$(on gw ip link show dev gw-c | grep -o 'prog/xdp' || true)" "xdp left"

	# Another tool's qdisc and filter exist first: both stay.
	on gw tc qdisc add dev gw-c clsact
	on gw tc filter add dev gw-c ingress pref 7 bpf da \
		obj "$BUILD/tests/bpf/foreign.bpf.o" sec tc
	gwpg attach gw-c --tc both --no-xdp >/dev/null
	assert_contains "$(on gw tc filter show dev gw-c ingress)" "pktgate_tc_in"
	gwpg detach gw-c >/dev/null
	assert_contains "$(on gw tc qdisc show dev gw-c)" "clsact"
	filters=$(on gw tc filter show dev gw-c ingress)
	assert_contains "$filters" "foreign_tc"
	assert_not_contains "$filters" "pktgate"
	assert_eq "" "$(on gw tc filter show dev gw-c egress)" "egress filters"

	# pktgate made the qdisc, another tool added a filter since: qdisc stays.
	on gw tc qdisc del dev gw-c clsact
	gwpg attach gw-c --tc ingress --no-xdp >/dev/null
	on gw tc filter add dev gw-c egress pref 9 bpf da \
		obj "$BUILD/tests/bpf/foreign.bpf.o" sec tc
	gwpg detach gw-c >/dev/null
	assert_contains "$(on gw tc filter show dev gw-c egress)" "foreign_tc"
}

test_traffic_rule_list_sorted_by_hits() {
	lab_attached
	pg deny add $ATTACKER4 $ATTACKER4B 198.51.100.200 >/dev/null
	pings attacker $SERVER4 2 >/dev/null
	pings attacker $SERVER4 5 -I $ATTACKER4B >/dev/null
	expect 0 pg -j deny list
	assert_eq '["198.51.100.2/32","198.51.100.3/32","198.51.100.200/32"]' \
		"$(echo "$OUT" | jq -c '[.entries[].prefix]')" "by prefix"
	expect 0 pg -j deny list --sort hits
	assert_eq '[["198.51.100.3/32",5],["198.51.100.2/32",2],["198.51.100.200/32",0]]' \
		"$(echo "$OUT" | jq -c '[.entries[] | [.prefix, .packets]]')" "by hits"
	expect 0 pg -j deny list --sort bytes
	assert_eq '"198.51.100.3/32"' "$(echo "$OUT" | jq -c '.entries[0].prefix')" "by bytes"
	expect 0 pg deny list -s last-hit
	assert_contains "$(echo "$OUT" | sed -n 2p)" "198.51.100.3/32"
	expect 2 pg deny list --sort colour
}
