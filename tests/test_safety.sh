# SPDX-License-Identifier: GPL-2.0
# No lock-out (issue 15): protected prefixes pass before any list, a change
# that would cut off the SSH session pktgate runs from is refused unless
# --force, and a change made with --confirm is undone unless confirmed,
# even when the CLI is killed.
#
#   client 192.0.2.2 / 2001:db8:1::2 -- gw-c [gw] gw-s -- server 203.0.113.2

SAFETY_CLIENT4=192.0.2.2
SAFETY_CLIENT6=2001:db8:1::2
SAFETY_SERVER4=203.0.113.2
SAFETY_SERVER6=2001:db8:3::2

# safety_pings FROM ADDR N: exactly N echo requests; prints the replies.
safety_pings() {
	local out
	out=$(on "$1" timeout $(($3 + 5)) ping -n -c "$3" -i 0.05 -W 1 "$2" 2>&1 || true)
	echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

# The configuration as save --all writes it, less its header comments
# (they name the time of the save).
safety_state() {
	pg save --all | grep -v '^#'
}

# safety_wait_none SECONDS: poll until no rollback is pending.
safety_wait_none() {
	local deadline=$((SECONDS + $1))
	while [ $SECONDS -lt "$deadline" ]; do
		[ "$(timeout 5 "$PG" -j status | jq -c .confirm)" = null ] && return 0
		sleep 0.2
	done
	fail "the rollback was still pending after $1 s"
}

test_safety_protect_beats_deny_in_the_lab() {
	lab_up
	gwpg attach gw-c --tc egress >/dev/null
	expect 0 pg protect add $SAFETY_CLIENT4 $SAFETY_CLIENT6
	assert_contains "$OUT" "protected $SAFETY_CLIENT4/32"
	pg deny add 0.0.0.0/0 ::/0 >/dev/null
	# Both hooks: requests in on XDP (source), replies out on TC egress
	# (destination) would each be denied by ::/0 and 0.0.0.0/0.
	assert_eq 5 "$(safety_pings client $SAFETY_SERVER4 5)" "v4 replies through deny 0.0.0.0/0"
	assert_eq 4 "$(safety_pings client $SAFETY_SERVER6 4)" "v6 replies through deny ::/0"
	assert_eq 9 "$(count gw-c protect)" "protect count on XDP"
	assert_eq 9 "$(count gw-c protect tc-egress)" "protect count on TC egress"
	assert_eq 0 "$(count gw-c deny)" "nothing denied"
	expect 0 pg -j status
	assert_eq "[\"$SAFETY_CLIENT4/32\",\"$SAFETY_CLIENT6/128\"]" "$(echo "$OUT" | jq -c .protect)" \
		"status lists the protected prefixes"
	# Unprotected, the same client is dropped: protect was what let it through.
	pg protect del $SAFETY_CLIENT4 >/dev/null
	assert_eq 0 "$(safety_pings client $SAFETY_SERVER4 3)" "v4 replies once unprotected"
	assert_eq 3 "$(count gw-c deny)" "deny count once unprotected"
}

test_safety_protect_commands_and_rule_set() {
	expect 0 pg protect add 192.0.2.9/24 2001:db8::/32
	assert_contains "$OUT" "protected 192.0.2.0/24 (normalised from 192.0.2.9/24)"
	expect 0 pg protect add 192.0.2.0/24
	assert_contains "$OUT" "(already protected)"
	expect 0 pg -j protect list
	assert_eq '["192.0.2.0/24","2001:db8::/32"]' "$(echo "$OUT" | jq -c .protect)" "list"
	expect 2 pg protect add 192.0.2.0/33
	expect 1 pg protect del 198.51.100.0/24
	assert_contains "$ERR" "198.51.100.0/24 is not in the protect list; nothing was deleted"
	# save --all keeps them; restore makes the set exactly the file's.
	pg save --all "$TMP/set.rules"
	grep -qx 'protect add 192.0.2.0/24' "$TMP/set.rules" || fail "protect line not saved"
	pg protect del 192.0.2.0/24 >/dev/null
	pg protect add 203.0.113.0/24 >/dev/null
	expect 0 pg restore "$TMP/set.rules"
	expect 0 pg -j protect list
	assert_eq '["192.0.2.0/24","2001:db8::/32"]' "$(echo "$OUT" | jq -c .protect)" "restored"
	expect 2 pg restore <(echo "protect del 192.0.2.0/24")
	assert_contains "$ERR" "only 'protect add'"
}

test_safety_ssh_peer_refused_unless_force() {
	export SSH_CONNECTION="198.51.100.9 40022 192.0.2.1 22"
	before=$(safety_state)
	expect 1 pg deny add 203.0.113.0/24 198.51.100.0/24
	assert_contains "$ERR" "deny entry 198.51.100.0/24 would cut off this SSH session (peer 198.51.100.9"
	assert_eq 1 "$(echo "$ERR" | wc -l)" "one error line"
	# A port the session does not use is fine; its port (either end) is not.
	expect 0 pg deny add 198.51.100.0/24 proto tcp port 80
	expect 1 pg deny add 198.51.100.0/24 proto tcp port 22
	expect 1 pg deny add 198.51.100.0/24 proto tcp port 40022
	expect 0 pg deny add 198.51.100.0/24 proto udp
	pg deny del 198.51.100.0/24 proto tcp port 80 >/dev/null
	pg deny del 198.51.100.0/24 proto udp >/dev/null
	# load and restore too, and a mapped IPv6 peer is the IPv4 address.
	printf '203.0.113.0/24\n198.51.100.0/25\n' >"$TMP/drop.txt"
	expect 1 pg load "$TMP/drop.txt" --list feed
	assert_contains "$ERR" "load: deny entry 198.51.100.0/25 would cut off"
	echo "deny add 0.0.0.0/0" >"$TMP/all.rules"
	expect 1 pg restore "$TMP/all.rules"
	assert_contains "$ERR" "restore: deny entry 0.0.0.0/0 would cut off"
	SSH_CONNECTION="::ffff:198.51.100.9 40022 ::ffff:192.0.2.1 22" expect 1 pg deny add 198.51.100.9
	assert_eq "$before" "$(safety_state)" "nothing changed by the refusals"
	# An allow or protect entry keeps the session; --force overrides.
	pg allow add 198.51.100.9 proto tcp port 22 >/dev/null
	pg allow add 198.51.100.9 proto tcp port 40022 >/dev/null
	expect 0 pg deny add 198.51.100.0/24
	# Deny first: the allow entries are what keeps the session meanwhile.
	pg flush deny >/dev/null
	pg flush allow >/dev/null
	pg protect add 198.51.100.9 >/dev/null
	# The rule set has no protect line: restoring it removes the
	# protection, so its deny 0.0.0.0/0 would cut the session off.
	expect 1 pg restore "$TMP/all.rules"
	assert_contains "$ERR" "restore: deny entry 0.0.0.0/0 would cut off"
	echo "protect add 198.51.100.0/28" >>"$TMP/all.rules"
	expect 0 pg restore "$TMP/all.rules"
	expect 0 pg -j protect list
	assert_eq '["198.51.100.0/28"]' "$(echo "$OUT" | jq -c .protect)" "restore set the protect list"
	pg protect add 198.51.100.9 >/dev/null
	pg protect del 198.51.100.0/28 >/dev/null
	expect 1 pg protect del 198.51.100.9
	assert_contains "$ERR" "protect del: deny entry 0.0.0.0/0 would cut off"
	expect 0 pg protect del 198.51.100.9 --force
	expect 0 pg --force deny add 198.51.100.0/24
	expect 0 pg -j deny list
	assert_eq '["0.0.0.0/0","198.51.100.0/24"]' "$(echo "$OUT" | jq -c '[.entries[].prefix]')" \
		"forced entries"
	# A peer cut off already does not come through here: no refusal.
	expect 0 pg deny add 198.51.100.9
}

# The check knows the session's packets whole (ingress 198.51.100.9:40022
# -> 192.0.2.1:22, egress back) and matches them as the datapath does:
# which address an entry names (--match), which port (port, sport,
# anyport), every protocol of the entry; ICMP entries never.
test_safety_ssh_match_keys_exact() {
	export SSH_CONNECTION="198.51.100.9 40022 192.0.2.1 22"
	before=$(safety_state)
	# Entries that drop the session's packets though they do not name
	# the peer's address as the remote peer.
	expect 1 pg deny add 192.0.2.1 --match dst
	assert_contains "$ERR" "deny entry 192.0.2.1/32 dst would cut off this SSH session"
	expect 1 pg deny add 192.0.2.0/24 --match src
	assert_contains "$ERR" "deny entry 192.0.2.0/24 src would cut off"
	expect 1 pg deny add 192.0.2.0/24 --match any proto tcp port 22
	expect 1 pg deny add 198.51.100.0/24 proto udp,tcp port 22
	expect 1 pg deny add 198.51.100.0/24 proto tcp sport 40022
	expect 1 pg deny add 198.51.100.0/24 proto tcp anyport 22
	# The peer as the destination: its inbound packets pass, the replies
	# to it (TC egress) would not.
	expect 1 pg deny add 198.51.100.9 --match dst
	assert_contains "$ERR" "deny entry 198.51.100.9/32 dst would cut off"
	assert_eq 1 "$(echo "$ERR" | wc -l)" "one error line"
	printf 'deny add 192.0.2.1 --match dst\n' >"$TMP/dst.rules"
	expect 1 pg restore "$TMP/dst.rules"
	assert_contains "$ERR" "restore: deny entry 192.0.2.1/32 dst would cut off"
	assert_eq "$before" "$(safety_state)" "nothing changed by the refusals"
	# Entries none of the session's packets match.
	expect 0 pg deny add 198.51.100.0/24 --match src proto tcp port 40022
	expect 0 pg deny add 198.51.100.0/24 --match dst proto tcp port 22
	expect 0 pg deny add 198.51.100.0/24 proto tcp sport 80
	expect 0 pg deny add 198.51.100.0/24 proto udp anyport 22
	expect 0 pg deny add 198.51.100.0/24 proto icmp
	expect 0 pg deny add 203.0.113.0/24 --match any
	printf 'deny add 198.51.100.0/24 --match src proto tcp port 40022\n' >"$TMP/src.rules"
	expect 0 pg restore "$TMP/src.rules"
	pg flush deny >/dev/null
	# Allow entries count the same way: the server's end named by src
	# and dst lets both directions through a deny of everything.
	pg allow add 192.0.2.1 --match dst proto tcp port 22 >/dev/null
	expect 1 pg deny add 0.0.0.0/0
	pg allow add 192.0.2.1 --match src proto tcp sport 22 >/dev/null
	expect 0 pg deny add 0.0.0.0/0
	# Deny first: the allow entries are what keeps the session meanwhile.
	pg flush deny >/dev/null
	pg flush allow >/dev/null
	# A server address that cannot be read: any src/dst prefix of the
	# family may cover it (refused, not waved through).
	export SSH_CONNECTION="198.51.100.9 40022 not-an-address 22"
	expect 1 pg deny add 10.0.0.0/8 --match dst
	expect 0 pg deny add 10.0.0.0/8
}

test_safety_confirm_not_confirmed_rolls_back() {
	defer "$PG" confirm
	pg deny add 198.51.100.0/24 --comment kept >/dev/null
	pg protect add 192.0.2.0/24 >/dev/null
	before=$(safety_state)
	expect 0 pg deny add 203.0.113.0/24 --confirm 3
	assert_contains "$OUT" "rolled back at"
	expect 0 pg -j status
	assert_eq 3 "$(echo "$OUT" | jq '.confirm.seconds_left' | sed 's/^[12]$/3/')" "seconds left"
	[ "$(echo "$OUT" | jq '.confirm.timer_pid')" -gt 1 ] || fail "no timer pid in status"
	assert_contains "$(pg deny list)" "203.0.113.0/24"
	# One pending change at a time: the next one is refused, unchanged.
	expect 1 pg deny add 203.0.113.7
	assert_contains "$ERR" "a change made with --confirm is waiting"
	expect 1 pg --confirm 5 protect del 192.0.2.0/24
	safety_wait_none 10
	assert_eq "$before" "$(safety_state)" "state after the rollback"
	# restore --confirm: the whole rule set is undone the same way.
	echo "deny add 0.0.0.0/0" >"$TMP/all.rules"
	expect 0 pg restore "$TMP/all.rules" --confirm 2
	assert_contains "$(pg deny list)" "0.0.0.0/0"
	safety_wait_none 10
	assert_eq "$before" "$(safety_state)" "state after the rollback of restore"
	expect 2 pg status --confirm 3
}

test_safety_confirm_survives_kill_9() {
	defer "$PG" confirm
	pg deny add 198.51.100.0/24 >/dev/null
	before=$(safety_state)
	# The CLI stays after the change (a test hook) until killed with -9.
	PKTGATE_TEST_STALL_AFTER_CHANGE=1 "$PG" deny add 0.0.0.0/0 --confirm 3 >/dev/null 2>&1 &
	cli=$!
	defer kill -9 $cli
	deadline=$((SECONDS + 10))
	until timeout 5 "$PG" deny list | grep -q '^0\.0\.0\.0/0 '; do
		[ $SECONDS -lt $deadline ] || fail "the change did not appear"
		sleep 0.1
	done
	kill -0 $cli || fail "the CLI is not running any more"
	kill -9 $cli
	wait $cli 2>/dev/null || true
	safety_wait_none 10
	assert_eq "$before" "$(safety_state)" "state after the rollback"
}

test_safety_confirmed_change_stays() {
	before=$(safety_state)
	expect 0 pg deny add 203.0.113.0/24 --confirm 2
	expect 0 pg confirm
	assert_contains "$OUT" "confirmed: the change stays"
	expect 0 pg -j status
	assert_eq null "$(echo "$OUT" | jq -c .confirm)" "nothing pending"
	expect 1 pg confirm
	assert_contains "$ERR" "no change is waiting for confirmation"
	sleep 3	# past the deadline the timer would have had
	assert_contains "$(pg deny list)" "203.0.113.0/24"
	[ "$before" != "$(safety_state)" ] || fail "the confirmed change was undone"
	# Without a pending change, changes go on as usual.
	expect 0 pg deny add 203.0.113.9
}

# The rollback puts back the interfaces too: one that the unconfirmed
# change attached is detached again, one it detached is attached again.
test_safety_confirm_rolls_back_attach_and_detach() {
	lab_up
	defer "$PG" -n "$GW" confirm
	gwpg attach gw-a >/dev/null
	gwpg limit add 198.51.100.0/24 --pps 100 >/dev/null
	local before
	before=$(gwpg save --all | grep -v '^#')
	expect 0 gwpg attach gw-c --tc egress --confirm 2
	assert_eq "xdp tc-egress" "$(gwpg -j status | jq -r '[.attached[] | select(.ifname == "gw-c") | .hook] | join(" ")')" \
		"gw-c attached by the unconfirmed change"
	local deadline=$((SECONDS + 15))
	while [ $SECONDS -lt $deadline ] && [ "$(gwpg -j status | jq -c .confirm)" != null ]; do
		sleep 0.2
	done
	assert_eq "$before" "$(gwpg save --all | grep -v '^#')" "the configuration after the rollback"
	assert_eq "" "$(gwpg -j status | jq -r '[.attached[] | select(.ifname == "gw-c") | .hook] | join(" ")')" \
		"gw-c detached again"
	expect 0 gwpg detach gw-a --confirm 2
	deadline=$((SECONDS + 15))
	while [ $SECONDS -lt $deadline ] && [ "$(gwpg -j status | jq -c .confirm)" != null ]; do
		sleep 0.2
	done
	assert_eq "$before" "$(gwpg save --all | grep -v '^#')" "gw-a attached again after the rollback"
}

# Taking away what lets the session in is refused as adding a deny entry
# is: allow del, flush allow; and so is a limit that would charge it.
test_safety_allow_del_flush_and_limit_keep_the_session() {
	pg allow add 198.51.100.9 proto tcp port 22 --list office >/dev/null
	pg allow add 198.51.100.9 proto tcp port 40022 --list office >/dev/null
	export SSH_CONNECTION="198.51.100.9 40022 192.0.2.1 22"
	expect 0 pg deny add 198.51.100.0/24
	local before
	before=$(safety_state)
	expect 1 pg allow del 198.51.100.9 proto tcp port 22 --list office
	assert_contains "$ERR" "allow del: deny entry 198.51.100.0/24 would cut off this SSH session"
	assert_eq 1 "$(echo "$ERR" | wc -l)" "one error line"
	expect 1 pg flush allow --list office
	assert_contains "$ERR" "flush allow: deny entry 198.51.100.0/24 would cut off"
	expect 1 pg flush allow
	# Limits: one that charges the session's packets is refused...
	expect 1 pg limit add 198.51.100.0/24 --pps 5
	assert_contains "$ERR" "limit add: a limit on 198.51.100.0/24 would rate-limit this SSH session (peer 198.51.100.9"
	expect 1 pg limit add 0.0.0.0/0 proto tcp port 22 --pps 5
	assert_eq "$before" "$(safety_state)" "nothing changed by the refusals"
	# ...one that does not, or a SYN limit, is not.
	expect 0 pg limit add 198.51.100.0/24 proto udp --pps 5
	expect 0 pg limit add 198.51.100.0/24 proto tcp port 80 --pps 5
	expect 0 pg limit add 0.0.0.0/0 --syn --pps 50 --aggregate
	expect 0 pg limit add 203.0.113.0/24 --pps 5
	# The session's port elsewhere, an entry the session does not need, goes.
	pg allow add 198.51.100.9 proto tcp port 80 --list office >/dev/null
	expect 0 pg allow del 198.51.100.9 proto tcp port 80 --list office
	# Protected, or --force: allowed.
	expect 0 pg --force limit add 198.51.100.0/24 --pps 5
	pg protect add 198.51.100.9 >/dev/null
	expect 0 pg flush allow --list office
}

# attach --policy drop on the interface the session comes in through
# (its server address is there) needs the peer allowed or protected.
test_safety_policy_drop_on_the_session_interface() {
	lab_up
	export SSH_CONNECTION="192.0.2.2 40022 192.0.2.1 22"
	expect 1 gwpg attach gw-c --policy drop --stateless
	assert_contains "$ERR" "attach --policy drop: the default policy drop would cut off this SSH session (peer 192.0.2.2"
	assert_eq "" "$(gwpg -j status | jq -r '[.attached[].ifname] | join(" ")')" "nothing attached"
	# Another interface is not the session's way in.
	expect 0 gwpg attach gw-a --policy drop --stateless
	# Allowed to the SSH port, the peer keeps its session.
	pg allow add 192.0.2.2 proto tcp port 22 >/dev/null
	pg allow add 192.0.2.2 proto tcp port 40022 >/dev/null
	expect 0 gwpg attach gw-c --policy drop --stateless
}
