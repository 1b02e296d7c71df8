# SPDX-License-Identifier: GPL-2.0
# SYN cookies at XDP (attach --syncookie, issue 15), in the lab: pktgate on
# the server's own interface answers SYNs to port 80 with cookies, netfilter
# SYNPROXY in the server's namespace opens the connection to the listener
# once the ACK's cookie checks out. A client connects during a flood of
# spoofed SYNs, and the server's SYN backlog stays empty.
#
#   client 192.0.2.2 -- gw-c [gw] gw-a -- attacker 198.51.100.2
#                             gw-s -- s0 [server 203.0.113.2, pktgate, SYNPROXY]

SYN_SERVER4=203.0.113.2
SYN_GW_A_MAC=02:00:00:00:02:01

synproxy_rules() {	# the rules the man page gives, for port 80 on s0
	on server sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0
	on server iptables -t raw -I PREROUTING -i s0 -p tcp --syn --dport 80 -j CT --notrack
	on server iptables -A INPUT -i s0 -p tcp --dport 80 -m state --state INVALID,UNTRACKED \
		-j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460
	on server iptables -A INPUT -i s0 -p tcp --dport 80 -m state --state INVALID -j DROP
}

spg() {	# pktgate in the server's namespace
	"$PG" -n "$LAB_PREFIX-server" "$@"
}

syn_count() {	# syn_count REASON
	spg -j stats --iface s0 |
		jq -e --arg r "$1" '.interfaces[0].hooks[] | select(.hook == "xdp") | .reasons[$r].packets'
}

# SYNs SYNPROXY itself answered (syn_received) and ACKs it found valid,
# summed over CPUs.
synproxy_stat() {	# synproxy_stat COLUMN
	local k sum=0 v
	k=$(on server head -1 /proc/net/stat/synproxy | tr -s '\t ' '\n' | grep -nx "$1" | cut -d: -f1)
	for v in $(on server tail -n +2 /proc/net/stat/synproxy | cut -f"$k"); do
		sum=$((sum + 16#$v))
	done
	echo "$sum"
}

test_synproxy_connect_during_spoofed_syn_flood() {
	lab_up
	synproxy_rules
	"$LAB" serve server tcp 80
	# Generic mode: native XDP_TX on a veth needs NAPI on the peer (an XDP
	# program on gw-s); generic mode sends the SYN-ACK like any frame.
	expect 0 spg attach s0 --mode generic --syncookie 80
	assert_contains "$OUT" "syn cookies on 80"
	# The attacker's gateway interface needs an XDP program for the
	# generator's frames (veth NAPI).
	gwpg attach gw-a >/dev/null
	# The spoofed sources are routed nowhere: no reverse-path drop at gw.
	on gw sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.gw-a.rp_filter=0
	# 100 bursts of 300 spoofed SYNs (30,000 from 4096 sources): one burst
	# of 200,000 overflowed on the way, and a few dozen reached the server.
	(
		for i in $(seq 100); do
			on attacker timeout 10 "$BUILD/bench/pgbench" gen --ifname a0 \
				--dst-mac $SYN_GW_A_MAC --dst-ip $SYN_SERVER4 --table 4096 \
				--max-packets 300 --syn-port 80 >/dev/null || exit 1
			sleep 0.01
		done
	) &
	local gen=$! i ok=0 backlog max=0
	for i in 1 2 3; do
		"$LAB" tcp client server 80 >/dev/null && ok=$((ok + 1))
		backlog=$(on server ss -Htn state syn-recv | wc -l)
		[ "$backlog" -le "$max" ] || max=$backlog
	done
	wait $gen || fail "the generator failed"
	assert_eq 3 "$ok" "connections completed during the flood"
	assert_eq 0 "$max" "SYN-RECV sockets on the server during the flood"
	assert_eq 0 "$(on server ss -Htn state syn-recv | wc -l)" "SYN-RECV sockets after the flood"
	local answered
	answered=$(syn_count syncookie)
	# The gateway forwards only part of the flood to the server (a fifth
	# of it here, all of it passed gw-a); every SYN that got there was
	# answered at XDP, thousands of the flood's and the client's three.
	[ "$answered" -ge 1000 ] || fail "only $answered SYNs were answered at XDP"
	[ "$(syn_count syncookie-ok)" -ge 3 ] || fail "valid ACKs: $(syn_count syncookie-ok)"
	# XDP answered every SYN: SYNPROXY answered none, and opened the three.
	assert_eq 0 "$(synproxy_stat syn_received)" "SYNs SYNPROXY had to answer itself"
	[ "$(synproxy_stat cookie_valid)" -ge 3 ] || fail "SYNPROXY's valid cookies"
	# Saved and shown.
	expect 0 spg -j status
	assert_eq "[80]" "$(echo "$OUT" | jq -c '.attached[] | select(.hook == "xdp" and .ifname == "s0") | .syncookie')" \
		"status -j syncookie"
	expect 0 spg save --all
	assert_contains "$OUT" "attach s0 --mode generic --syncookie 80"
}

test_synproxy_refusals() {
	lab_up
	local state
	state=$(spg save --all | grep -v '^#' || true)
	expect 2 spg attach s0 --no-xdp --tc ingress --syncookie 80
	assert_contains "$ERR" "--syncookie needs XDP"
	expect 2 spg attach s0 --syncookie 0
	assert_contains "$ERR" "a port is 1 to 65535"
	expect 2 spg attach s0 --syncookie 80,80
	assert_contains "$ERR" "port 80 is given twice"
	expect 2 spg attach s0 --syncookie 1,2,3,4,5,6,7,8,9
	assert_contains "$ERR" "at most 8 ports"
	expect 1 env PKTGATE_TEST_NO_SYNCOOKIE=1 "$PG" -n "$LAB_PREFIX-server" attach s0 --syncookie 80
	assert_contains "$ERR" "lacks the SYN cookie helpers"
	assert_eq "$state" "$(spg save --all | grep -v '^#' || true)" "refusals changed nothing"
	# Restore brings the ports back; a re-attach without them drops them.
	expect 0 spg attach s0 --syncookie 443,80
	spg save --all >"$TMP/rs"
	assert_contains "$(cat "$TMP/rs")" "--syncookie 80,443"
	expect 0 spg detach s0
	expect 0 spg restore "$TMP/rs"
	assert_contains "$(spg save --all)" "--syncookie 80,443"
	expect 0 spg attach s0
	assert_not_contains "$(spg save --all)" "--syncookie"
}
