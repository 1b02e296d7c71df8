# SPDX-License-Identifier: GPL-2.0
# Watching live traffic: stats --watch/--once (rates between two readings of
# the per-CPU counters) and top (top talkers from pg_top). Traffic is driven
# at a known pace, so rates are checked within timing tolerance and totals
# exactly.
#
#   client 192.0.2.2 -- gw-c [gw] gw-s -- server 203.0.113.2
#   attacker 198.51.100.2,.3 -- gw-a [gw]

OBS_SERVER=203.0.113.2
# An echo request as XDP sees it: 14 (Ethernet) + 20 (IPv4) + 8 (ICMP) + 56.
OBS_PING_BYTES=98

# obs_pings FROM N [ping args]: N echo requests, 20 per second.
obs_pings() {
	local from=$1 n=$2
	shift 2
	on "$from" timeout $((n / 10 + 5)) ping -n -q -c "$n" -i 0.05 -W 1 "$@" $OBS_SERVER \
		>/dev/null 2>&1 || true
}

# reason_of FILTER: jq path to one reason of gw-c's XDP hook in a stats object.
OBS_XDP='.interfaces[] | select(.ifname == "gw-c") | .hooks[] | select(.hook == "xdp")'

test_observe_stats_rates_match_the_pace() {
	lab_up
	gwpg attach gw-c >/dev/null
	gwpg -j stats --iface gw-c --watch 1 --count 3 >"$TMP/w" 2>"$TMP/w.err" &
	w=$!
	defer kill $w
	sleep 0.3	# the first reading is taken before the first ping
	obs_pings client 40	# 2 s at 20 packets per second
	wait $w || fail "stats --watch exited non-zero: $(cat "$TMP/w.err")"

	# One JSON document per line, one line per sample.
	assert_eq 3 "$(wc -l <"$TMP/w")" "samples"
	jq -e . "$TMP/w" >/dev/null || fail "not JSON lines: $(cat "$TMP/w")"
	assert_eq "1 2 3" "$(jq -r .sample "$TMP/w" | xargs)" "sample numbers"
	jq -e '.interval > 0.9 and .interval < 1.5' "$TMP/w" >/dev/null ||
		fail "intervals: $(jq -c .interval "$TMP/w" | xargs)"

	# The rates, times the measured intervals, add up to the packets sent...
	sent=$(jq -s "[.[] | ($OBS_XDP | .reasons.default.pps) * .interval] | add | round" "$TMP/w")
	assert_eq 40 "$sent" "packets by the rates"
	# ...at the pace they were sent: the middle second is all traffic.
	pps=$(jq -s "[.[] | $OBS_XDP | .reasons.default.pps] | max" "$TMP/w")
	jq -en "$pps >= 10 and $pps <= 30" >/dev/null || fail "peak rate $pps, expected about 20"
	# bits/s is bytes/s times 8 for the same packets.
	jq -s -e "map($OBS_XDP | .reasons.default | .pps == 0 or
		((.bps / .pps / 8 - $OBS_PING_BYTES) | fabs) < 0.5) | all" "$TMP/w" >/dev/null ||
		fail "bits/s do not match the packet size"

	# Totals are exact, and the last sample has the numbers of stats --json.
	last=$(tail -n1 "$TMP/w")
	assert_eq 40 "$(echo "$last" | jq "$OBS_XDP | .reasons.default.packets")" "total"
	assert_eq $((40 * OBS_PING_BYTES)) "$(echo "$last" | jq "$OBS_XDP | .reasons.default.bytes")" \
		"total bytes"
	expect 0 gwpg -j stats --iface gw-c
	assert_eq "$(echo "$OUT" | jq -S -c .interfaces)" \
		"$(echo "$last" | jq -S -c '.interfaces | walk(if type == "object" then
			del(.pps, .bps) else . end)')" "watch sample vs stats --json"
}

test_observe_stats_once_takes_two_readings() {
	lab_up
	gwpg attach gw-c >/dev/null
	obs_pings client 60 &
	p=$!
	defer kill $p
	sleep 0.5
	expect 0 gwpg -j stats --once 1
	wait $p
	assert_eq 1 "$(echo "$OUT" | wc -l)" "one JSON line"
	interval=$(echo "$OUT" | jq .interval)
	jq -en "$interval >= 1 and $interval < 1.5" >/dev/null || fail "interval $interval"
	pps=$(echo "$OUT" | jq "$OBS_XDP | .reasons.default.pps")
	jq -en "$pps >= 10 and $pps <= 30" >/dev/null || fail "rate $pps, expected about 20"
	assert_eq 60 "$(count gw-c default)" "total after the pings"
	# Plain text: the table, once, with the rates in it.
	expect 0 gwpg stats --once 0.2 --iface gw-c
	assert_contains "$OUT" "PKT/S"
	assert_contains "$(echo "$OUT" | grep -E '^  xdp +default')" " 60 "
	assert_eq 1 "$(echo "$OUT" | grep -c '^pktgate stats')" "frames"
	assert_not_contains "$OUT" $'\033'
}

# watch_row CAPTURE: the packets column of the default row.
obs_default_packets() {
	echo "$1" | awk '$1 == "xdp" && $2 == "default" { print $3 }'
}

test_observe_stats_watch_in_tmux() {
	lab_up
	gwpg attach gw-c >/dev/null
	local sock="pgt$$"
	tmux -L "$sock" -f /dev/null new-session -d -s obs -x 100 -y 30 \
		"env -i PATH=$PATH TERM=screen PS1='obs-prompt\$ ' bash --norc --noprofile"
	defer tmux -L "$sock" kill-server
	tm() { tmux -L "$sock" "$@"; }
	tm send-keys -t obs "PKTGATE_PIN_PATH=$PKTGATE_PIN_PATH $PG -n $GW stats --watch 0.5" Enter
	obs_pings client 80 &
	p=$!
	defer kill $p
	sleep 1.5
	one=$(tm capture-pane -p -t obs)
	sleep 1
	two=$(tm capture-pane -p -t obs)
	# The table is drawn in place: one frame on the screen, at the top.
	assert_eq 1 "$(echo "$two" | grep -c 'pktgate stats')" "frames on the screen"
	assert_contains "$(echo "$two" | head -n1)" "pktgate stats"
	assert_contains "$two" "gw-c (ifindex"
	assert_contains "$two" "PKT/S"
	assert_contains "$two" "(Ctrl-C quits)"
	a=$(obs_default_packets "$one")
	b=$(obs_default_packets "$two")
	[ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ] ||
		fail "the default counter did not move between captures ($a, $b):
$two"
	assert_eq 0 "$(tm display -p -t obs '#{cursor_flag}')" "cursor hidden while watching"
	# Ctrl-C: exit 0, the cursor back, and the prompt.
	tm send-keys -t obs C-c
	sleep 0.5
	tm send-keys -t obs 'echo "rc=$?"' Enter
	sleep 0.5
	three=$(tm capture-pane -p -t obs)
	assert_contains "$three" "rc=0"
	assert_eq "obs-prompt\$" "$(echo "$three" | grep . | tail -n1 | xargs)" "prompt"
	assert_eq 1 "$(tm display -p -t obs '#{cursor_flag}')" "cursor restored"
	assert_eq 1 "$(tm display -p -t obs '#{wrap_flag}')" "line wrapping restored"
	wait $p
}

test_observe_watch_survives_resets_and_attach() {
	lab_up
	gwpg attach gw-c >/dev/null
	gwpg -j stats --watch 0.25 --count 16 >"$TMP/w" 2>"$TMP/w.err" &
	w=$!
	defer kill $w
	obs_pings client 80 &
	p=$!
	defer kill $p
	sleep 1
	# Counters reset under the watch (gw-c has slot 0; key slot * 3 + hook).
	local vsz
	vsz=$(bpftool -j map show pinned "$PKTGATE_PIN_PATH/pg_stats" | jq .bytes_value)
	bpftool map update pinned "$PKTGATE_PIN_PATH/pg_stats" key 0 0 0 0 \
		value $(printf '0 %.0s' $(seq "$vsz"))
	sleep 0.6
	# Hooks and interfaces come and go.
	gwpg attach gw-a >/dev/null
	gwpg attach gw-c --tc egress >/dev/null
	sleep 0.6
	gwpg detach gw-a >/dev/null
	wait $w || fail "stats --watch exited non-zero: $(cat "$TMP/w.err")"
	wait $p
	assert_eq 16 "$(wc -l <"$TMP/w")" "samples"
	# No negative, missing or absurd rate anywhere: at most the pace of the
	# pings (20/s) with timing tolerance.
	bad=$(jq -c '[.. | objects | select(has("pps")) | select(.pps == null or .pps < 0 or
		.pps > 40 or .bps == null or .bps < 0)] | select(length > 0)' "$TMP/w")
	[ -z "$bad" ] || fail "bad rates: $bad"
	# The reset shows: a total went down, and the rates still counted traffic.
	jq -s -e "[.[] | $OBS_XDP | .reasons.default.packets] | . as \$t |
		any(range(1; length); \$t[.] < \$t[. - 1])" "$TMP/w" >/dev/null ||
		fail "no reset seen: $(jq -c "$OBS_XDP | .reasons.default.packets" "$TMP/w" | xargs)"
	last=$(tail -n1 "$TMP/w")
	assert_eq '["tc-egress","xdp"]' "$(echo "$last" | jq -c \
		'[.interfaces[] | select(.ifname == "gw-c") | .hooks[].hook] | sort')" "gw-c hooks"
	# gw-a appeared, attached; detached (and having counted nothing) it shows no hook.
	first=$(head -n1 "$TMP/w")
	assert_eq '["gw-c"]' "$(echo "$first" | jq -c '[.interfaces[].ifname]')" "at first"
	jq -s -e '[.[].interfaces[] | select(.ifname == "gw-a") | .hooks[] |
		select(.hook == "xdp") | .attached] | any' "$TMP/w" >/dev/null ||
		fail "gw-a never showed as attached"
	assert_eq '[]' "$(echo "$last" | jq -c \
		'.interfaces[] | select(.ifname == "gw-a") | .hooks')" "gw-a hooks after detach"
	# The replies leaving gw-c were counted at the new egress hook, at their pace.
	jq -s -e '[.[] | .interfaces[] | select(.ifname == "gw-c") | .hooks[] |
		select(.hook == "tc-egress") | .reasons.default.pps] | max >= 10' "$TMP/w" \
		>/dev/null || fail "no egress rate"
}

test_observe_top_talkers_in_order() {
	lab_up
	gwpg attach gw-c >/dev/null
	gwpg attach gw-a >/dev/null
	obs_pings client 30
	obs_pings attacker 20
	obs_pings attacker 10 -I 198.51.100.3
	expect 0 pg -j top --interval 0.2
	assert_eq packets "$(echo "$OUT" | jq -r .by)" "by"
	assert_eq '[["192.0.2.2",4,30,2940,0],["198.51.100.2",4,20,1960,0],["198.51.100.3",4,10,980,0]]' \
		"$(echo "$OUT" | jq -c '[.talkers[] | [.address, .family, .packets, .bytes, .drops]]')" \
		"talkers"
	# Nothing was sent while top measured; all were seen in the last seconds.
	assert_eq '[0,0,0]' "$(echo "$OUT" | jq -c '[.talkers[].pps]')" "rates"
	echo "$OUT" | jq -e '.talkers | map(.last_seen_ago >= 0 and .last_seen_ago < 10) | all' \
		>/dev/null || fail "last seen: $(echo "$OUT" | jq -c '[.talkers[].last_seen_ago]')"
	echo "$OUT" | jq -e '.talkers[0].last_seen_ago > .talkers[2].last_seen_ago' >/dev/null ||
		fail "the client was seen before the attacker's second address"

	expect 0 pg -j top -n 2 --by bytes --interval 0.1
	assert_eq '["192.0.2.2","198.51.100.2"]' "$(echo "$OUT" | jq -c '[.talkers[].address]')" \
		"-n 2 by bytes"
	expect 0 pg top -n 1 --interval 0.1
	assert_contains "$OUT" "ADDRESS"
	assert_contains "$(echo "$OUT" | grep '^192.0.2.2 ')" " 30 "
	assert_not_contains "$OUT" "198.51.100"

	# The smallest sender, denied, leads by drops.
	pg deny add 198.51.100.3 >/dev/null
	obs_pings attacker 10 -I 198.51.100.3
	expect 0 pg -j top --by drops --interval 0.1
	assert_eq '[["198.51.100.3",20,10],["192.0.2.2",30,0],["198.51.100.2",20,0]]' \
		"$(echo "$OUT" | jq -c '[.talkers[] | [.address, .packets, .drops]]')" "by drops"
}

test_observe_top_rates_and_watch() {
	lab_up
	gwpg attach gw-c >/dev/null
	obs_pings client 80 &
	p=$!
	defer kill $p
	sleep 0.5
	expect 0 pg -j top --interval 1
	pps=$(echo "$OUT" | jq '.talkers[] | select(.address == "192.0.2.2") | .pps')
	jq -en "$pps >= 10 and $pps <= 30" >/dev/null || fail "rate $pps, expected about 20"
	echo "$OUT" | jq -e ".talkers[0] | ((.bps / .pps / 8 - $OBS_PING_BYTES) | fabs) < 0.5" \
		>/dev/null || fail "bits/s do not match the packet size: $OUT"
	expect 0 pg -j top --watch 0.3 --count 3
	assert_eq 3 "$(echo "$OUT" | wc -l)" "JSON lines"
	assert_eq "1 2 3" "$(echo "$OUT" | jq -r .sample | xargs)" "samples"
	# The totals grow from sample to sample while the pings run.
	echo "$OUT" | jq -s -e '[.[].talkers[0].packets] | .[0] < .[2]' >/dev/null ||
		fail "totals did not grow: $OUT"
	wait $p
	assert_eq 80 "$(pg -j top | jq '.talkers[0].packets')" "total"
}

test_observe_usage_errors() {
	expect 2 pg top --by nonsense
	assert_contains "$ERR" "invalid value 'nonsense' for --by (one of packets|bytes|drops)"
	for bad in 0 -0.5 abc 1e9 nan; do
		expect 2 pg stats --watch -- "$bad"
		assert_contains "$ERR" "invalid interval '$bad'"
	done
	expect 2 pg stats --watch --interval -1
	assert_contains "$ERR" "invalid interval '-1'"
	expect 2 pg top --interval 0
	assert_contains "$ERR" "invalid interval '0'"
	expect 2 pg -j stats --watch 0
	assert_contains "$(echo "$OUT" | jq -r .error)" "invalid interval '0'"
	# A bare negative number reads as an option, as everywhere in pktgate.
	expect 2 pg stats --watch -1
	assert_contains "$ERR" "unknown option '-1'"
	expect 2 pg stats --watch 1 --interval 2
	assert_contains "$ERR" "give the interval once"
	expect 2 pg stats 2
	assert_contains "$ERR" "INTERVAL needs --watch or --once"
	expect 2 pg stats --watch --once
	expect 2 pg top --count 3
	assert_contains "$ERR" "--count needs --watch"
	expect 2 pg top -n 0
	# top comes after stats in the table: existing prefixes keep their meaning.
	expect 0 pg st
	assert_contains "$OUT" "LIST"
	expect 0 pg -j t --interval 0.05
	assert_eq '[]' "$(echo "$OUT" | jq -c .talkers)" "talkers through a prefix"
	expect 0 pg help
	assert_contains "$OUT" "pktgate top [INTERVAL] [--limit N] [--by KEY] [--watch]"
	assert_contains "$OUT" "pktgate stats [INTERVAL]"
}

test_observe_top_reads_a_big_table_fast() {
	pg status >/dev/null	# creates the maps
	# The sketch full: every way of every row (PG_TOP_ENTRIES addresses, 4
	# per row). bpftool writes a value to every CPU: a total is the value
	# times the number of CPUs.
	awk -v map="$PKTGATE_PIN_PATH/pg_top" -v rows=4096 'function u64(v) {
			return sprintf("%d %d 0 0 0 0 0 0 ", v % 256, int(v / 256))
		}
		BEGIN {
		for (r = 0; r < rows; r++) {
			# struct pg_top_row: 4 ways.
			v = ""
			for (w = 0; w < 4; w++) {
				i = r * 4 + w
				p = i < 2 ? 5000 - 2000 * i : 1
				# key: family 4, 10.a.b.c; tick; packets, bytes,
				# drops, last seen as little-endian u64s.
				v = v sprintf("4 0 0 0 10 %d %d %d 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 ",
					      int(i / 65536), int(i / 256) % 256, i % 256)
				v = v u64(p) u64(100) u64(i == 1) u64(1)
			}
			printf "map update pinned %s key %d %d 0 0 value %s\n", map, r % 256,
				int(r / 256), v
		} }' >"$TMP/batch"
	taskset -c 0 bpftool batch file "$TMP/batch" >/dev/null
	start=$(date +%s%N)
	expect 0 pg -v -j top -n 3 --interval 0.1
	ms=$((($(date +%s%N) - start) / 1000000))
	assert_eq 16384 "$(echo "$OUT" | jq .tracked)" "addresses read"
	assert_eq '["10.0.0.0","10.0.0.1"]' "$(echo "$OUT" | jq -c '[.talkers[:2][].address]')" \
		"the busiest"
	echo "$OUT" | jq -e '.talkers[0].packets == 5000 * .talkers[2].packets and
		.talkers[1].packets == 3000 * .talkers[2].packets' >/dev/null ||
		fail "per-CPU values not summed: $OUT"
	assert_eq '["10.0.0.1"]' "$(pg -j top --by drops -n 1 --interval 0.01 |
		jq -c '[.talkers[].address]')" "by drops"
	assert_not_contains "$ERR" "key by key"
	[ "$ms" -lt 2000 ] || fail "reading 16,384 addresses took $ms ms"
}

# A heavy source, then a flood of spoofed sources (pgbench's live-frames
# generator in the attacker's namespace: 65,536 random addresses, bounded
# in packets and time): top and the exporter still name the heavy source
# first, with its counts intact. With no top-rate cap every new address is
# offered a place: an LRU table of as many addresses as the flood evicted
# the heavy source; the sketch keeps it.
test_observe_top_names_the_heavy_source_under_a_spoofed_flood() {
	local heavy=198.51.100.3 gen=$BUILD/bench/pgbench before after
	[ -x "$gen" ] || fail "no $gen: make $BUILD/bench/pgbench"
	lab_up
	gwpg attach gw-a >/dev/null
	pg config top-rate 0 >/dev/null
	# A fixed array: no packet inserts into it or evicts from it.
	assert_eq percpu_array "$(bpftool -j map show pinned "$PKTGATE_PIN_PATH/pg_top" |
		jq -r .type)" "pg_top's type"
	"$LAB" flood attacker server 3000 -s $heavy >/dev/null 2>&1 || true
	before=$(pg -j top -n 1 | jq -c '.talkers[0] | [.address, .packets, .bytes]')
	[[ "$before" == "[\"$heavy\","* ]] || fail "before the flood: $before"

	on attacker "$gen" gen --ifname a0 --dst-mac 02:00:00:00:02:01 --dst-ip $OBS_SERVER \
		--entries 100000 --layout mix --table 65536 --max-packets 400000 \
		--duration-ms 5000 >"$TMP/gen" 2>"$TMP/gen.err" || fail "generator failed: $(cat "$TMP/gen.err")"
	sent=$(jq .generated "$TMP/gen")
	[ "$sent" -ge 100000 ] || fail "only $sent spoofed frames sent"

	expect 0 pg -j top -n 3 --interval 0.1
	after=$(echo "$OUT" | jq -c '.talkers[0] | [.address, .packets, .bytes]')
	assert_eq "$before" "$after" "the heavy source before and after the flood"
	# Far ahead (ping's preload loses some on the veths) of a few packets
	# each for the spoofed sources; and the flood was seen.
	echo "$OUT" | jq -e '.talkers[0].packets >= 1000 and
		.talkers[1].packets * 10 < .talkers[0].packets and .tracked > 1000' >/dev/null ||
		fail "top: $OUT"
	expect 0 pg exporter --once --top 3
	assert_eq "pktgate_top_talker_packets{address=\"$heavy\",direction=\"ingress\"} $(echo "$after" | jq '.[1]')" \
		"$(echo "$OUT" | grep -m1 '^pktgate_top_talker_packets{')" "exporter's top talker"
}
