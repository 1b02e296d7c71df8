# SPDX-License-Identifier: GPL-2.0
# Default policy drop (issue 14) and per-interface lists, in the lab.
#
#   client 192.0.2.2 -- gw-c [gw] gw-a -- attacker 198.51.100.2

P_CLIENT4=192.0.2.2
P_ATTACKER4=198.51.100.2

p_pings() {	# p_pings FROM ADDR N: replies received of exactly N echo requests
	on "$1" timeout $(($3 + 5)) ping -n -c "$3" -i 0.05 -W 1 "$2" 2>&1 |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

# Conntrack tracks a namespace's flows only while a rule there needs it:
# one ct expression in an inet table is enough (pktgate(8), POLICY).
p_conntrack_on() {
	on gw nft -f - <<'NFT'
table inet h14p_ct {
	chain in { type filter hook input priority 0; policy accept; ct state established accept; }
}
NFT
}

test_policy_drop_allow_entry_and_neighbours() {
	lab_up
	expect 0 gwpg attach gw-c --policy drop
	assert_contains "$OUT" "policy drop"
	gwpg attach gw-a --policy drop >/dev/null
	pg allow add $P_CLIENT4 >/dev/null
	# Fresh neighbour entries: ARP must get through policy drop.
	# (the lab's entries are static: delete them)
	on gw ip neigh del 192.0.2.2 dev gw-c
	on client ip neigh del 192.0.2.1 dev c0
	on gw ip neigh del 198.51.100.2 dev gw-a
	on attacker ip neigh del 198.51.100.1 dev a0
	assert_eq 3 "$(p_pings client 192.0.2.1 3)" "allowed client pings the gateway"
	assert_eq 0 "$(p_pings attacker 198.51.100.1 3)" "attacker dropped by policy"
	assert_eq 3 "$(count gw-a policy)" "policy drops counted"
	[ "$(count gw-c neighbor)" -ge 1 ] || fail "no ARP counted as neighbor on gw-c"
	[ "$(count gw-a neighbor)" -ge 1 ] || fail "no ARP counted as neighbor on gw-a"
	assert_eq 3 "$(count gw-c allow)" "client's echo requests: allow"
	# IPv6 ND: the attacker, without allow entries, still resolves the gateway.
	on attacker ip -6 neigh del 2001:db8:2::1 dev a0
	on gw ip -6 neigh del 2001:db8:2::2 dev gw-a
	p_pings attacker 2001:db8:2::1 1 >/dev/null || true
	on attacker ip -6 neigh show 2001:db8:2::1 | grep -qE "REACHABLE|STALE|DELAY" ||
		fail "IPv6 neighbour discovery cut by policy drop"
	# Back to pass: everything passes.
	gwpg attach gw-a >/dev/null
	assert_eq 3 "$(p_pings attacker 198.51.100.1 3)" "policy pass passes all"
}

test_policy_drop_established_conntrack() {
	lab_up
	p_conntrack_on
	gwpg attach gw-a --policy drop >/dev/null
	on attacker socat TCP-LISTEN:7007,reuseaddr,fork EXEC:cat &
	defer kill $!
	for _ in $(seq 50); do on attacker ss -ltn | grep -q ":7007 " && break; sleep 0.1; done
	# The gateway's own TCP connection to a host with no allow entry.
	out=$(echo hello | on gw timeout 5 socat -T2 - TCP:$P_ATTACKER4:7007 || true)
	assert_eq hello "$out" "reply to the host's own TCP connection"
	[ "$(count gw-a established)" -ge 2 ] || fail "replies not counted as established"
	# ICMP echo replies are "related" (the kfuncs look up TCP and UDP only).
	assert_eq 2 "$(p_pings gw $P_ATTACKER4 2)" "ping replies pass"
	assert_eq 2 "$(count gw-a related)" "echo replies counted as related"
	# A connection the attacker starts is not let in.
	! on attacker timeout 3 socat -T1 - TCP:198.51.100.1:22 </dev/null || fail "attacker got in"
	[ "$(count gw-a policy)" -ge 1 ] || fail "attacker's SYN not dropped by policy"
}

# Why the documented ct rule is needed: with no conntrack user in the
# namespace conntrack tracks nothing, so the replies to the gateway's own
# TCP connection find no entry and policy drop cuts them; with the rule,
# the same connection gets its replies (established).
test_policy_drop_replies_need_the_conntrack_rule() {
	lab_up
	gwpg attach gw-a --policy drop >/dev/null
	on attacker socat TCP-LISTEN:7008,reuseaddr,fork EXEC:cat &
	defer kill $!
	for _ in $(seq 50); do on attacker ss -ltn | grep -q ":7008 " && break; sleep 0.1; done
	out=$(echo hello | on gw timeout 5 socat -T2 - TCP:$P_ATTACKER4:7008,connect-timeout=2 2>/dev/null || true)
	assert_eq "" "$out" "no reply without the conntrack rule"
	assert_eq 0 "$(count gw-a established)" "nothing established without the rule"
	[ "$(count gw-a policy)" -ge 1 ] || fail "the SYN-ACK was not dropped by policy"
	p_conntrack_on
	out=$(echo hello | on gw timeout 5 socat -T2 - TCP:$P_ATTACKER4:7008,connect-timeout=2 || true)
	assert_eq hello "$out" "reply with the conntrack rule"
	[ "$(count gw-a established)" -ge 2 ] || fail "replies not counted as established"
}

test_policy_stateless_and_missing_kfuncs() {
	lab_up
	expect 1 env PKTGATE_TEST_NO_CONNTRACK=1 "$PG" -n "$GW" attach gw-a --policy drop
	assert_contains "$ERR" "no conntrack lookup kfuncs"
	expect 0 gwpg -j status
	assert_eq 0 "$(echo "$OUT" | jq '.attached | length')" "refused attach changed nothing"
	expect 0 env PKTGATE_TEST_NO_CONNTRACK=1 "$PG" -n "$GW" attach gw-a --policy drop --stateless
	expect 2 gwpg attach gw-a --stateless
	expect 0 gwpg save --all
	assert_contains "$OUT" "attach gw-a --mode"
	assert_contains "$OUT" "--policy drop --stateless"
}

test_policy_lists_per_interface() {
	lab_up
	printf '%s\n' 198.51.100.0/24 192.0.2.0/24 >"$TMP/block.txt"
	pg load "$TMP/block.txt" --list block >/dev/null
	expect 1 gwpg attach gw-a --lists nosuch
	assert_contains "$ERR" "no list named 'nosuch'"
	gwpg attach gw-a --lists block >/dev/null
	gwpg attach gw-c --lists manual >/dev/null
	assert_eq 0 "$(p_pings attacker 198.51.100.1 3)" "block list drops on gw-a"
	assert_eq 3 "$(p_pings client 192.0.2.1 3)" "and not on gw-c"
	assert_eq 3 "$(count gw-a deny)" "deny counted on gw-a"
	assert_eq 0 "$(count gw-c deny)" "nothing denied on gw-c"
	assert_eq 3 "$(count gw-c default)" "gw-c: default"
	expect 0 gwpg status
	assert_contains "$OUT" "block"
	expect 0 gwpg save --all
	assert_contains "$OUT" "--lists block"
	echo "$OUT" >"$TMP/rs"
	gwpg detach --all >/dev/null
	expect 0 gwpg restore "$TMP/rs"
	expect 0 gwpg save --all
	assert_contains "$OUT" "attach gw-a --mode native --lists block"
}

# Re-attaching with another selection under traffic: every flood packet is
# counted deny, on the old program or the new (no gap, no mix).
test_policy_lists_change_leaks_nothing() {
	lab_up
	echo 198.51.100.0/24 >"$TMP/a.txt"
	echo 198.51.100.0/24 >"$TMP/b.txt"
	pg load "$TMP/a.txt" --list la >/dev/null
	pg load "$TMP/b.txt" --list lb >/dev/null
	gwpg attach gw-a --lists la >/dev/null
	on attacker timeout 20 ping -n -f -c 20000 -W 0.01 198.51.100.1 >/dev/null 2>&1 &
	local fl=$!
	for i in 1 2 3 4 5 6; do
		gwpg attach gw-a --lists $([ $((i % 2)) = 1 ] && echo lb || echo la) >/dev/null
	done
	wait $fl || true
	assert_eq 0 "$(count gw-a default)" "no flood packet passed during the switches"
	[ "$(count gw-a deny)" -ge 1000 ] || fail "flood not seen"
}

# The policy of each hook, stateless and the list selection, in status -j
# and stats -j alike.
test_policy_in_status_and_stats_json() {
	lab_up
	echo 198.51.100.0/24 >"$TMP/block.txt"
	pg load "$TMP/block.txt" --list block >/dev/null
	gwpg attach gw-a --tc egress --policy drop --egress-policy drop --stateless \
		--lists block >/dev/null
	gwpg attach gw-c --tc egress >/dev/null
	expect 0 gwpg -j status
	assert_eq "gw-a tc-egress drop true block|gw-a xdp drop true block|gw-c tc-egress pass false all|gw-c xdp pass false all" \
		"$(echo "$OUT" | jq -r '[.attached[] | "\(.ifname) \(.hook) \(.policy) \(.stateless) \(.lists)"] | sort | join("|")')" \
		"status -j"
	expect 0 gwpg -j stats
	assert_eq "gw-a block tc-egress drop true|gw-a block xdp drop true|gw-c all tc-egress pass false|gw-c all xdp pass false" \
		"$(echo "$OUT" | jq -r '[.interfaces[] | .ifname as $i | .lists as $l | .hooks[] | "\($i) \($l) \(.hook) \(.policy) \(.stateless)"] | sort | join("|")')" \
		"stats -j"
	expect 0 gwpg -j stats --once 0.2 --iface gw-a
	assert_eq "tc-egress drop true|xdp drop true" \
		"$(echo "$OUT" | jq -r '[.interfaces[0].hooks[] | "\(.hook) \(.policy) \(.stateless)"] | sort | join("|")')" \
		"stats --once -j (the watch view)"
	assert_eq block "$(echo "$OUT" | jq -r '.interfaces[0].lists')" "lists in the watch view"
	# Egress alone: ingress stays pass.
	gwpg attach gw-c --tc egress --egress-policy drop >/dev/null
	expect 0 gwpg -j stats --iface gw-c
	assert_eq "tc-egress drop false|xdp pass false" \
		"$(echo "$OUT" | jq -r '[.interfaces[0].hooks[] | "\(.hook) \(.policy) \(.stateless)"] | sort | join("|")')" \
		"egress policy alone"
}

# A selection names lists by name: a list flushed away keeps its place in
# it (made again, it applies there at once), and a new list of another
# name never takes over its id and so its place on the interface.
test_policy_lists_flushed_id_not_taken_over() {
	lab_up
	echo 198.51.100.0/24 >"$TMP/a.txt"
	pg load "$TMP/a.txt" --list la >/dev/null
	gwpg attach gw-a --lists la >/dev/null
	assert_eq 0 "$(p_pings attacker 198.51.100.1 2)" "la drops on gw-a"
	pg flush deny --list la >/dev/null
	pg load "$TMP/a.txt" --list lb >/dev/null
	assert_eq 3 "$(p_pings attacker 198.51.100.1 3)" "lb is not selected on gw-a"
	assert_eq 2 "$(count gw-a deny)" "only la's drops"
	expect 0 gwpg -j status
	assert_eq "la" "$(echo "$OUT" | jq -r '.attached[] | select(.ifname == "gw-a") | .lists')" \
		"the selection still names la"
	# Saved while la is gone: the selection as it is (restore would name
	# the missing list rather than apply every list).
	expect 0 gwpg save --all
	assert_contains "$OUT" "attach gw-a --mode native --lists la"
	# la made again: selected by name, it drops at once.
	pg load "$TMP/a.txt" --list la >/dev/null
	assert_eq 0 "$(p_pings attacker 198.51.100.1 2)" "la again drops on gw-a"
	assert_eq 4 "$(count gw-a deny)" "la's drops"
	expect 0 pg -j lists
	[ "$(echo "$OUT" | jq '[.lists[] | select(.name == "la" or .name == "lb") | .id] | unique | length')" = 2 ] ||
		fail "la and lb share an id: $OUT"
	# Check mode plans the same ids: a new list is not la's either.
	pg flush deny --list la >/dev/null
	expect 0 pg load --check "$TMP/a.txt" --list lc
	pg load "$TMP/a.txt" --list lc >/dev/null
	assert_eq 3 "$(p_pings attacker 198.51.100.1 3)" "lc is not selected on gw-a"
}
