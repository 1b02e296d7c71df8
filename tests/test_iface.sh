# SPDX-License-Identifier: GPL-2.0
# The interface table against the kernel: interfaces and namespaces deleted
# while attached, the slots they held, detach --all, and status across
# namespaces.

# pair_up A B: namespaces A and B of the test's own, joined by a veth pair
# va (A, 192.0.2.1) -- vb (B, 192.0.2.2). IPv6 is off on both ends, so
# neither sends router or neighbour solicitations of its own: the tests count
# exactly the packets they send.
pair_up() {
	ip netns add "$1"
	defer ip netns del "$1"
	ip netns add "$2"
	defer ip netns del "$2"
	ip -n "$1" link add va type veth peer name vb netns "$2"
	ip -n "$1" addr add 192.0.2.1/24 dev va
	ip -n "$2" addr add 192.0.2.2/24 dev vb
	nsenter --net="/run/netns/$1" sysctl -qw net.ipv6.conf.va.disable_ipv6=1
	nsenter --net="/run/netns/$2" sysctl -qw net.ipv6.conf.vb.disable_ipv6=1
	ip -n "$1" link set va up
	ip -n "$2" link set vb up
}

# state_of IFACE [WANT]: its state(s) in stats --json, once that is WANT
# (namespaces are torn down asynchronously; 5 s at most).
state_of() {
	local s
	for _ in $(seq 50); do
		s=$(pg -j stats | jq -r --arg i "$1" '[.interfaces[] | select(.ifname == $i) | .state] | join(",")')
		[ "$s" = "${2:-$s}" ] && break
		sleep 0.1
	done
	echo "$s"
}

xdp_default() {	# xdp_default IFACE: its XDP default count in stats --json
	pg -j stats | jq --arg i "$1" '[.interfaces[] | select(.ifname == $i) | .hooks[] |
		select(.hook == "xdp") | .reasons.default.packets] | add'
}

test_iface_namespace_deleted_while_attached() {
	local a="pgi$$r$RANDOM" b="pgj$$r$RANDOM"
	pair_up "$a" "$b"
	expect 0 pg -n "$a" attach va --tc egress
	nsenter --net="/run/netns/$b" ping -n -c 3 -i 0.05 -W 1 192.0.2.1 >/dev/null
	counted=$(xdp_default va)
	[ "$counted" -ge 3 ] || fail "only $counted packets counted before"
	pg deny add 198.51.100.9 >/dev/null
	expect 0 pg save --all "$TMP/before.rules"
	assert_contains "$(cat "$TMP/before.rules")" "-n $a attach va"

	ip netns del "$a"
	assert_eq vanished "$(state_of va vanished)" "state after the namespace went"
	# Its counters stay readable, and say what happened.
	assert_eq "$counted" "$(xdp_default va)" "counters of the vanished interface"
	expect 0 pg stats
	assert_contains "$OUT" "va (gone, netns gone) vanished"
	expect 0 pg -j stats
	assert_eq '[null,false]' "$(echo "$OUT" | jq -c '[.interfaces[0].ifindex,
		(.interfaces[0].hooks[] | select(.hook == "xdp") | .attached)]')" "JSON of vanished"
	expect 0 pg -j stats --once 0.1
	assert_eq vanished "$(echo "$OUT" | jq -r '.interfaces[0].state')" "stats --once"
	expect 0 pg -j status
	assert_eq 0 "$(echo "$OUT" | jq '.attached | length')" "status attachments"
	expect 0 pg exporter --once
	assert_not_contains "$OUT" '="va"'

	# Saving writes no line for it, so the rule set restores cleanly.
	expect 0 pg save --all "$TMP/after.rules"
	assert_not_contains "$(cat "$TMP/after.rules")" "attach va"
	expect 0 pg restore "$TMP/after.rules"
	expect 0 pg save --all "$TMP/again.rules"
	assert_eq "$(grep -v '^#' "$TMP/after.rules")" "$(grep -v '^#' "$TMP/again.rules")" \
		"round trip"

	# detach of the vanished name clears the record; then it is unknown.
	expect 0 pg detach va
	assert_contains "$OUT" "va: cleared the record of a vanished interface"
	expect 0 pg -j stats
	assert_eq 0 "$(echo "$OUT" | jq '.interfaces | length')" "interfaces after detach"
	expect 1 pg detach va
	assert_contains "$ERR" "no interface 'va'"
}

test_iface_deleted_in_a_live_namespace() {
	local a="pgi$$r$RANDOM" b="pgj$$r$RANDOM"
	pair_up "$a" "$b"
	expect 0 pg -n "$a" attach va --tc both
	ip -n "$a" link add vc type veth peer name vd
	expect 0 pg -n "$a" attach vc
	ip -n "$a" link del va
	assert_eq vanished "$(state_of va vanished)" "state after the interface went"
	assert_eq attached "$(state_of vc)" "the other interface"
	expect 0 pg -n "$a" -j stats --iface va
	assert_eq "vanished $a" "$(echo "$OUT" | jq -r '.interfaces[0] | "\(.state) \(.netns)"')" \
		"stats --iface of the vanished one"
	expect 0 pg save --all
	assert_not_contains "$OUT" "attach va"
	assert_contains "$OUT" "-n $a attach vc"
	# Another interface takes the name: the old record is still the old one.
	ip -n "$a" link add va type veth peer name ve
	expect 0 pg -n "$a" -j stats --iface va
	assert_eq vanished "$(echo "$OUT" | jq -r '[.interfaces[].state] | join(",")')" \
		"the new va is not the vanished one"
	# detach --all in that namespace: detaches vc, forgets the vanished va.
	expect 0 pg -n "$a" -j detach --all
	assert_eq '["va",[],1]' "$(echo "$OUT" | jq -c '.interfaces[] | select(.ifname == "va") |
		[.ifname, .detached, .cleared]')" "va cleared"
	assert_eq '["vc",["xdp"],0]' "$(echo "$OUT" | jq -c '.interfaces[] | select(.ifname == "vc") |
		[.ifname, .detached, .cleared]')" "vc detached"
	assert_eq "" "$(ip -n "$a" link show dev vc | grep -o 'prog/xdp' || true)" "xdp left on vc"
	expect 0 pg -j stats
	assert_eq '["vc detached"]' "$(echo "$OUT" | jq -c '[.interfaces[] | "\(.ifname) \(.state)"]')" \
		"left after detach --all"
	expect 0 pg -n "$a" detach --all
	assert_contains "$OUT" "pktgate is not attached to any interface in network namespace $a"
	expect 2 pg detach --all va
	assert_contains "$ERR" "give IFACE or --all, not both"
	expect 2 pg detach
	assert_contains "$ERR" "missing IFACE"
}

test_iface_exporter_has_one_series_per_interface() {
	local a="pgi$$r$RANDOM" b="pgj$$r$RANDOM"
	pair_up "$a" "$b"
	pg -n "$a" attach va >/dev/null
	# The same name again, in the same namespace: a new interface.
	ip -n "$a" link del va
	ip -n "$a" link add va type veth peer name vz
	pg -n "$a" attach va >/dev/null
	expect 0 pg exporter --once
	assert_eq 3 "$(echo "$OUT" | grep -c '^pktgate_attached{.*="va"')" "attached series of va"
	assert_eq "" "$(echo "$OUT" | grep -v '^#' | sed 's/ [^ ]*$//' | sort | uniq -d)" \
		"duplicate series"
}

test_iface_detach_all_reaches_every_namespace() {
	local a="pgi$$r$RANDOM" b="pgj$$r$RANDOM"
	pair_up "$a" "$b"
	pg -n "$a" attach va --tc egress >/dev/null
	pg -n "$b" attach vb --no-xdp --tc ingress >/dev/null
	expect 0 pg detach --all
	assert_contains "$OUT" "va: (netns $a) detached xdp tc"
	assert_contains "$OUT" "vb: (netns $b) detached tc"
	assert_eq "" "$(ip -n "$a" link show dev va | grep -o 'prog/xdp' || true)" "xdp left on va"
	assert_eq "" "$(tc -n "$a" filter show dev va egress)" "filters left on va"
	assert_eq "" "$(tc -n "$b" filter show dev vb ingress)" "filters left on vb"
	expect 0 pg -j status
	assert_eq 0 "$(echo "$OUT" | jq '.attached | length')" "attachments left"
	expect 0 pg detach --all
	assert_contains "$OUT" "pktgate is not attached to any interface"
}

# fill_slots N: records for N interfaces that vanished without pktgate
# noticing (what attaching and deleting N interfaces leaves): half of them
# in a namespace that is gone, half here with an ifindex nobody has. Their
# programs (ids near 2^31) do not exist.
fill_slots() {
	awk -v n="$1" -v pin="$PKTGATE_PIN_PATH" -v here="$(stat -L -c %i /proc/self/ns/net)" '
	function le(bytes, v,   i, out) {	# v as little-endian hex bytes
		for (i = 0; i < bytes; i++) {
			out = out sprintf(" %02x", v % 256)
			v = int(v / 256)
		}
		return out
	}
	function name(s,   i, out) {		# s NUL-padded to 16 bytes
		for (i = 1; i <= 16; i++)
			out = out sprintf(" %02x", i <= length(s) ? ord[substr(s, i, 1)] : 0)
		return out
	}
	BEGIN {
		for (i = 32; i < 127; i++)
			ord[sprintf("%c", i)] = i
		for (s = 0; s < n; s++) {
			# struct pg_iface: in_use, xdp_mode, hooks = xdp, ..., ifindex,
			# netns_ino, prog_id[3], ifname, padding, lists (0: all),
			# syn_ports (none).
			printf "map update pinned %s/pg_ifaces key hex%s value hex", pin, le(4, s)
			printf " 01 01 01 00 00 00 00 00%s 00 00 00 00%s%s%s%s%s 00 00 00 00%s\n",
				le(4, 100000 + s), le(8, s % 2 ? here : 1), le(4, 2147480000 + s),
				le(4, 0), le(4, 0), name("old" s) " 00 00 00 00 00 00 00 00", le(8, 0) le(8, 0)
		}
	}' >"$TMP/batch"
	bpftool batch file "$TMP/batch" >/dev/null
}

test_iface_slots_of_vanished_interfaces_are_reused() {
	local a="pgi$$r$RANDOM" b="pgj$$r$RANDOM" n
	pg status >/dev/null	# creates the maps
	fill_slots 256
	pair_up "$a" "$b"
	# Every slot is taken, by vanished interfaces: one is reused.
	expect 0 pg -n "$a" attach va
	expect 0 pg -j stats
	assert_eq "255 va" "$(echo "$OUT" | jq -r '"\([.interfaces[] | select(.state == "vanished")] |
		length) \([.interfaces[] | select(.state == "attached") | .ifname] | join(","))"')" \
		"after attach"
	# Attach and delete for real, more times than there are free slots.
	for n in 1 2 3; do
		ip -n "$a" link add "vx$n" type veth peer name "vy$n"
		expect 0 pg -n "$a" attach "vx$n"
		ip -n "$a" link del "vx$n"
	done
	expect 0 pg -j stats
	assert_eq "256 255 vx3" "$(echo "$OUT" | jq -r '"\(.interfaces | length) \([.interfaces[] |
		select(.state == "vanished")] | length) \([.interfaces[] | select(.ifname == "vx3") |
		.state] | length | if . == 1 then "vx3" else . end)"')" "records"
	# detach --all forgets every vanished one and frees their slots.
	expect 0 pg detach --all
	expect 0 pg -j stats
	assert_eq '["va detached"]' "$(echo "$OUT" | jq -c '[.interfaces[] | "\(.ifname) \(.state)"]')" \
		"records after detach --all"
}

test_iface_status_shows_every_namespace() {
	local a="pgi$$r$RANDOM" b="pgj$$r$RANDOM"
	pair_up "$a" "$b"
	pg -n "$a" attach va --tc egress >/dev/null
	expect 0 pg -j status
	assert_eq "[\"va xdp $a false\",\"va tc-egress $a false\"]" \
		"$(echo "$OUT" | jq -c '[.attached[] | "\(.ifname) \(.hook) \(.netns) \(.this_netns)"]')" \
		"status from another namespace"
	expect 0 pg status
	assert_contains "$OUT" "$a"
	assert_not_contains "$OUT" "not attached"
	expect 0 pg -n "$a" -j status
	assert_eq "true true" "$(echo "$OUT" | jq -r '[.attached[].this_netns] | join(" ")')" \
		"status in the namespace"
	# A program removed behind pktgate's back is not reported attached.
	tc -n "$a" filter del dev va egress
	expect 0 pg -j status
	assert_eq '["xdp"]' "$(echo "$OUT" | jq -c '[.attached[].hook]')" "after tc filter del"
	expect 0 pg save --all
	assert_contains "$OUT" "-n $a attach va --mode native"
	assert_not_contains "$OUT" "--tc"
}
