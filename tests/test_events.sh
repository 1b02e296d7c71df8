# SPDX-License-Identifier: GPL-2.0
# Drop events: fields, kernel-side throttling, and the event-rate setting.

# events_bg FILE ARGS...: stream events as JSON lines into FILE until the
# test ends (or the given --count/--timeout).
events_bg() {
	local file=$1
	shift
	pg -j events "$@" >"$file" 2>"$file.err" &
	EVPID=$!
	defer kill $EVPID
	sleep 0.3	# let it attach to the ring buffer
}

ev_counts() {	# prints "emitted suppressed"
	pg -j config | jq -r '"\(.events_emitted) \(.events_suppressed)"'
}

test_events_carry_the_drop() {
	lab_up
	gwpg attach gw-a >/dev/null
	gwpg attach gw-s --tc egress --no-xdp >/dev/null
	pg deny add 198.51.100.0/24 203.0.113.77 >/dev/null
	# A destination that answers ARP, so gw's packets reach the egress hook.
	on server ip addr add 203.0.113.77/24 dev s0
	# The plain form first, while the ring is empty.
	pg events --count 1 --timeout 10s >"$TMP/plain" 2>/dev/null &
	p=$!
	sleep 0.3
	on attacker ping -n -c 1 -W 1 203.0.113.2 >/dev/null 2>&1 || true
	wait $p
	assert_contains "$(cat "$TMP/plain")" "gw-a xdp deny rule 198.51.100.0/24 (deny list manual) icmp 198.51.100.2 -> 203.0.113.2 len 98"
	events_bg "$TMP/ev" --count 5 --timeout 20s
	on attacker ping -n -c 2 -i 0.2 -W 1 203.0.113.2 >/dev/null 2>&1 || true
	on attacker bash -c 'echo x >/dev/udp/203.0.113.2/5353'
	on gw ping -n -c 2 -W 1 203.0.113.77 >/dev/null 2>&1 || true
	wait $EVPID || fail "events exited non-zero: $(cat "$TMP/ev.err")"
	assert_eq 5 "$(wc -l <"$TMP/ev")" "events"
	jq -e . "$TMP/ev" >/dev/null || fail "events are not JSON lines"
	icmp=$(head -n1 "$TMP/ev")
	assert_eq '"gw-a xdp deny 198.51.100.0/24 deny manual icmp 198.51.100.2 203.0.113.2 98"' \
		"$(echo "$icmp" | jq '"\(.interface) \(.hook) \(.reason) \(.rule) \(.list) \(.list_name) \(.protocol) \(.src) \(.dst) \(.len)"')" \
		"ICMP event"
	udp=$(sed -n 3p "$TMP/ev")
	assert_eq "udp 5353" "$(echo "$udp" | jq -r '"\(.protocol) \(.dport)"')" "UDP event"
	[ "$(echo "$udp" | jq .sport)" -gt 1023 ] || fail "UDP source port missing"
	egress=$(sed -n 4p "$TMP/ev")
	assert_eq "gw-s tc-egress 203.0.113.77/32 203.0.113.77" \
		"$(echo "$egress" | jq -r '"\(.interface) \(.hook) \(.rule) \(.dst)"')" "egress event"
	# Times are wall-clock, within the last minute.
	t=$(date -d "$(echo "$icmp" | jq -r .time)" +%s)
	[ $(( $(date +%s) - t )) -lt 60 ] || fail "event time $(echo "$icmp" | jq -r .time)"
}

test_events_count_backlog_and_one_reader() {
	lab_up
	gwpg attach gw-a >/dev/null
	pg deny add 198.51.100.0/24 >/dev/null
	# 20 drops while nobody reads: they wait in the ring.
	on attacker ping -n -c 20 -i 0.01 -W 1 203.0.113.2 >/dev/null 2>&1 || true
	assert_eq 20 "$(pg -j config | jq .events_emitted)" "events emitted"
	# --count N prints N, even from a full batch of queued events.
	expect 0 pg -j events --backlog --count 3 --timeout 5s
	assert_eq 3 "$(echo "$OUT" | wc -l)" "events printed with --count 3"
	# The other 17 are older than this reader: skipped without --backlog.
	expect 0 pg -j events --count 1 --timeout 1s
	assert_eq "" "$OUT" "old events without --backlog"
	# New ones are shown, at most N.
	"$PG" -j events --count 2 --timeout 10s >"$TMP/ev" 2>"$TMP/ev.err" &
	p=$!
	defer kill $p
	sleep 0.3
	on attacker ping -n -c 5 -i 0.01 -W 1 203.0.113.2 >/dev/null 2>&1 || true
	wait $p || fail "events: $(cat "$TMP/ev.err")"
	assert_eq 2 "$(wc -l <"$TMP/ev")" "new events with --count 2"

	# One reader at a time: a second would split the events with the first.
	"$PG" -j events --timeout 20s >"$TMP/ev1" 2>"$TMP/ev1.err" &
	p=$!
	defer kill $p
	sleep 0.3
	expect 1 pg events --timeout 1s
	assert_eq "pktgate: another events reader is running (pid $p); the ring buffer has one read position, so each would miss what the other reads" \
		"$ERR" "second reader"
	expect 1 pg -j events --timeout 1s
	assert_contains "$(echo "$OUT" | jq -r .error)" "another events reader is running (pid $p)"
	on attacker ping -n -c 4 -i 0.01 -W 1 203.0.113.2 >/dev/null 2>&1 || true
	sleep 0.3
	assert_eq 4 "$(wc -l <"$TMP/ev1")" "the first reader got every event"
	# The lock goes with the reader, however it ends.
	kill -9 $p
	wait $p 2>/dev/null || true
	expect 0 pg events --count 1 --timeout 1s
}

test_events_flood_is_throttled_and_accounted() {
	lab_up
	gwpg attach gw-a >/dev/null
	pg config event-rate 200 >/dev/null
	pg deny add 198.51.100.2 >/dev/null
	read -r e0 s0 <<<"$(ev_counts)"
	d0=$(count gw-a deny)
	events_bg "$TMP/ev" --timeout 30s
	start=$(date +%s%N)
	"$LAB" flood attacker server 20000 >/dev/null 2>&1 || true
	secs_ms=$((($(date +%s%N) - start) / 1000000))
	sleep 0.5
	kill $EVPID
	wait $EVPID 2>/dev/null || true
	read -r e1 s1 <<<"$(ev_counts)"
	drops=$(($(count gw-a deny) - d0))
	emitted=$((e1 - e0))
	suppressed=$((s1 - s0))
	received=$(wc -l <"$TMP/ev")
	[ "$drops" -ge 20000 ] || fail "only $drops drops counted"
	assert_eq "$drops" "$((emitted + suppressed))" "events + suppressed = drops"
	assert_eq "$emitted" "$received" "events received"
	# At most a full bucket (1 s of rate) plus the rate over the flood's time.
	max=$((200 + 200 * (secs_ms + 1000) / 1000))
	[ "$emitted" -le "$max" ] || fail "$emitted events in ${secs_ms} ms exceeds the rate (max $max)"
	[ "$emitted" -gt 0 ] || fail "no event at all"
	[ "$suppressed" -gt 0 ] || fail "nothing suppressed in a flood"
}

test_events_rate_setting() {
	expect 0 pg -j config
	assert_eq 1000 "$(echo "$OUT" | jq .event_rate)" "default rate"
	expect 0 pg config event-rate 0
	assert_contains "$OUT" "drop events off"
	expect 0 pg -j status
	assert_eq 0 "$(echo "$OUT" | jq .events.rate)" "status rate"
	expect 2 pg config event-rate -1
	assert_contains "$ERR" "unknown option '-1'"
	for bad in x 1.5 "" 99999999999; do
		expect 2 pg config event-rate "$bad"
		assert_contains "$ERR" "invalid event-rate"
	done
	expect 2 pg config colour blue
	assert_contains "$ERR" "unknown setting 'colour'"
	expect 2 pg config event-rate
	assert_contains "$ERR" "needs a value"
	assert_eq 0 "$(pg -j config | jq .event_rate)" "rate after bad input"
}

test_events_off_counts_all_as_suppressed() {
	lab_up
	gwpg attach gw-a >/dev/null
	pg config event-rate 0 >/dev/null
	pg deny add 198.51.100.2 >/dev/null
	read -r e0 s0 <<<"$(ev_counts)"
	on attacker ping -n -c 4 -i 0.05 -W 1 203.0.113.2 >/dev/null 2>&1 || true
	read -r e1 s1 <<<"$(ev_counts)"
	assert_eq "0 4" "$((e1 - e0)) $((s1 - s0))" "emitted, suppressed"
}

test_top_talkers_can_be_turned_off() {
	lab_up
	expect 0 gwpg -j attach gw-c --no-top
	assert_eq false "$(echo "$OUT" | jq .top)" "top flag"
	on client ping -n -c 3 -i 0.05 -W 1 203.0.113.2 >/dev/null
	assert_eq 0 "$(pg -j top --interval 0.01 | jq .tracked)" "top entries"
	expect 0 gwpg -j attach gw-c
	assert_eq true "$(echo "$OUT" | jq .top)" "top flag after re-attach"
	on client ping -n -c 3 -i 0.05 -W 1 203.0.113.2 >/dev/null
	[ "$(pg -j top --interval 0.01 | jq .tracked)" -ge 1 ] ||
		fail "no top entry with top talkers on"
}

# attach --top-sample N: one packet in N feeds the sketch and counts N times.
test_top_sample_attach() {
	lab_up
	expect 2 gwpg attach gw-c --top-sample 0
	assert_contains "$ERR" "invalid number '0' for --top-sample"
	expect 2 gwpg attach gw-c --top-sample 65536
	assert_contains "$ERR" "--top-sample 65536 is out of range (1 to 65535)"
	expect 2 gwpg attach gw-c --top-sample 8 --no-top
	assert_contains "$ERR" "--top-sample and --no-top contradict each other"
	expect 0 gwpg -j status
	assert_eq 0 "$(echo "$OUT" | jq '[.attached[] | select(.ifname == "gw-c")] | length')" \
		"attached by a refused command"
	expect 0 gwpg attach gw-c --top-sample 8
	assert_contains "$OUT" "top talkers sampled 1 in 8"
	expect 0 gwpg -j status
	assert_eq 8 "$(echo "$OUT" | jq '[.attached[] | select(.ifname == "gw-c")][0].top_sample')" \
		"status top_sample"
	# 200 requests: none sampled has odds of (7/8)^200, about 3e-12.
	on client ping -n -c 200 -i 0.002 -W 1 203.0.113.2 >/dev/null
	n=$(pg -j top --interval 0.01 | jq '[.talkers[] | select(.address == "192.0.2.2" and .direction == "ingress")][0].packets')
	[ "$n" -gt 0 ] && [ $((n % 8)) -eq 0 ] && [ "$n" -le 800 ] ||
		fail "client counted $n packets for 200 sampled 1 in 8, expected a multiple of 8 in 8..800"
	expect 0 pg save --all -
	assert_contains "$OUT" "attach gw-c --mode native --top-sample 8"
	# The same option again changes nothing; without it, every packet counts.
	expect 0 gwpg -j attach gw-c --top-sample 8
	assert_eq false "$(echo "$OUT" | jq '.hooks[0].changed')" "re-attach with the same sampling"
	expect 0 gwpg -j attach gw-c
	assert_eq "true 1" "$(echo "$OUT" | jq -r '"\(.hooks[0].changed) \(.top_sample)"')" \
		"re-attach without sampling"
}

test_top_rate_setting() {
	expect 0 pg -j config
	assert_eq 20000 "$(echo "$OUT" | jq .top_rate)" "default top-rate"
	expect 0 pg -j config top-rate 50 event-rate 7
	assert_eq "50 7" "$(echo "$OUT" | jq -r '"\(.top_rate) \(.event_rate)"')" "rates"
	expect 0 pg -j status
	assert_eq 50 "$(echo "$OUT" | jq .top.rate)" "status top rate"
	expect 0 pg save --all -
	assert_contains "$OUT" "config event-rate 7 top-rate 50"
	expect 0 pg config top-rate 0
	assert_contains "$OUT" "(no cap)"
	expect 2 pg config top-rate many
	assert_contains "$ERR" "invalid top-rate 'many'"
	assert_eq 0 "$(pg -j config | jq .top_rate)" "top-rate after bad input"
}
