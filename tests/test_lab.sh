# SPDX-License-Identifier: GPL-2.0
# The namespace lab itself: idempotent up/down, status, interruption.

lab_nodes_present() {	# number of the lab's namespaces that exist
	ip netns list 2>/dev/null | grep -c "^$LAB_PREFIX-" || true
}

test_lab_up_down_twice_and_status() {
	export LAB_PREFIX="pgt$$l$RANDOM"
	defer "$LAB" down
	expect 3 "$LAB" status
	expect 0 "$LAB" up
	expect 0 "$LAB" up
	assert_contains "$OUT" "already up"
	expect 0 "$LAB" status
	for n in client attacker gw server; do
		assert_contains "$OUT" "$n"
	done
	assert_contains "$OUT" "203.0.113.2"
	assert_eq 4 "$(lab_nodes_present)" "namespaces"
	# No lab interface in the root namespace.
	assert_eq "" "$(ip -o link show | grep -E ' (gw-[cas]|c0|a0|s0)[@:]' || true)" "root netns links"
	expect 0 "$LAB" ping client server 2
	expect 0 "$LAB" ping attacker server 2 -6
	expect 0 "$LAB" down
	expect 0 "$LAB" down
	assert_eq 0 "$(lab_nodes_present)" "namespaces after down"
	expect 3 "$LAB" status
}

test_lab_interrupted_up_leaves_nothing() {
	export LAB_PREFIX="pgt$$i$RANDOM"
	defer "$LAB" down
	for sig in INT TERM; do
		set +e
		LAB_UP_PAUSE=0.2 timeout -s "$sig" 0.3 "$LAB" up >/dev/null 2>&1
		rc=$?
		set -e
		[ "$rc" -ne 0 ] || fail "up was not interrupted by $sig"
		assert_eq 0 "$(lab_nodes_present)" "namespaces after $sig"
		[ ! -e "/run/pktgate-lab/$LAB_PREFIX" ] || fail "run dir left after $sig"
	done
}

test_lab_usage_errors() {
	expect 2 "$LAB"
	expect 2 "$LAB" frobnicate
	expect 2 "$LAB" exec nosuchnode true
	assert_contains "$ERR" "unknown node 'nosuchnode'"
}

test_lab_traffic_helpers() {
	lab_up
	"$LAB" serve server tcp 7100 >/dev/null
	"$LAB" serve server udp 7101 >/dev/null
	expect 0 "$LAB" tcp client server 7100
	expect 0 "$LAB" tcp attacker server 7100 -6
	expect 0 "$LAB" udp client server 7101 20
	assert_eq 20 "$(echo "$OUT" | tail -n1 | grep -o '[0-9]*' | head -n1)" "UDP echoes"
	expect 0 "$LAB" flood attacker server 200
}
