# SPDX-License-Identifier: GPL-2.0
# Rate limits and bans (issue 15), in the lab: a flood of spoofed sources
# against a per-source limit, a source banned by the datapath and released
# at the deadline, and the limit commands' round trip.
#
#   client 192.0.2.2 -- gw-c [gw] gw-a -- attacker 198.51.100.2
#                             gw-s -- server 203.0.113.2

LIMIT_SERVER4=203.0.113.2
LIMIT_GW_A_MAC=02:00:00:00:02:01

limit_pings() {	# limit_pings FROM ADDR N INTERVAL: replies to N echo requests
	local out
	out=$(on "$1" timeout $(($3 + 5)) ping -n -c "$3" -i "$4" -W 1 "$2" 2>&1 || true)
	echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

limit_json() {	# limit_json ID FIELD
	gwpg -j limit list | jq -e --argjson id "$1" ".limits[] | select(.id == \$id) | .$2"
}

test_limit_spoofed_flood_gets_each_source_its_rate() {
	lab_up
	gwpg attach gw-a >/dev/null
	gwpg attach gw-c >/dev/null
	expect 0 gwpg limit add 0.0.0.0/0 --pps 10 --burst 10
	assert_contains "$OUT" "added limit 1"
	local mem_before mem_after t0 t1 secs passed dropped bound
	mem_before=$(bpftool -j map show pinned "$PKTGATE_PIN_PATH/pg_src_buckets" | jq .bytes_memlock)
	# 400,000 frames from 4096 spoofed sources, while the client pings
	# the server at 5 a second through its own interface.
	t0=$(date +%s%N)
	on attacker timeout 30 "$BUILD/bench/pgbench" gen --ifname a0 --dst-mac $LIMIT_GW_A_MAC \
		--dst-ip $LIMIT_SERVER4 --table 4096 --max-packets 400000 >/dev/null &
	local gen=$!
	assert_eq 5 "$(limit_pings client $LIMIT_SERVER4 5 0.2)" "client replies during the flood"
	wait $gen || fail "the generator failed"
	t1=$(date +%s%N)
	secs=$(((t1 - t0) / 1000000000 + 1))
	passed=$(limit_json 1 passed)
	dropped=$(limit_json 1 dropped)
	[ "$dropped" -gt 300000 ] || fail "only $dropped of 400000 flood frames were dropped"
	# Every source gets at most its burst and what the clock refilled.
	bound=$((4096 * (10 + 10 * secs + 1) + 100))
	[ "$passed" -le "$bound" ] || fail "$passed frames passed; 4096 sources may pass $bound"
	assert_eq "$((passed + dropped))" \
		"$(($(count gw-a default) + $(count gw-c default) + $(count gw-a limit)))" \
		"every frame charged is counted under default or limit"
	# Per source, as the top-talker sketch saw it: at most burst + refill.
	local worst
	worst=$(gwpg -j top --limit 20 | jq '[.talkers[] | select(.address | startswith("192.0.2.") | not) | .packets - .drops] | max')
	[ "$worst" -le $((10 + 10 * secs + 1)) ] || fail "a spoofed source passed $worst frames"
	mem_after=$(bpftool -j map show pinned "$PKTGATE_PIN_PATH/pg_src_buckets" | jq .bytes_memlock)
	assert_eq "$mem_before" "$mem_after" "per-source table memory after the flood"
}

test_limit_ban_from_the_datapath_and_release() {
	lab_up
	gwpg attach gw-a >/dev/null
	expect 0 gwpg limit add 198.51.100.0/24 --pps 5 --burst 5 --ban 8s --ban-after 10
	# 40 pings at 50 a second: 5 pass, 10 are dropped by the limit, the
	# 15th drop... is the 10th: banned, the rest are ban drops.
	limit_pings attacker $LIMIT_SERVER4 40 0.02 >/dev/null
	assert_eq 1 "$(limit_json 1 bans)" "bans made by the limit"
	# Drop events name both reasons, and the ban's list.
	expect 0 gwpg -j events --backlog --count 35 --timeout 2s
	assert_eq "ban limit" "$(echo "$OUT" | jq -r .reason | sort -u | tr '\n' ' ' | sed 's/ $//')" \
		"drop event reasons"
	expect 0 gwpg -j deny list --list auto
	assert_eq '["198.51.100.2/32"]' "$(echo "$OUT" | jq -c '[.entries[].prefix]')" "auto list"
	assert_eq 1 "$(echo "$OUT" | jq '.entries[0].ban_limit')" "the ban names its limit"
	local bans lim
	bans=$(count gw-a ban)
	lim=$(count gw-a limit)
	[ "$lim" -ge 10 ] || fail "limit drops: $lim"
	[ "$bans" -ge 1 ] || fail "no ban drops"
	assert_eq "$bans" "$(echo "$OUT" | jq '.entries[0].packets')" "the ban's packet count"
	expect 0 gwpg -j lists
	assert_eq "$bans" "$(echo "$OUT" | jq '.lists[] | select(.name == "auto") | .packets')" \
		"the auto list's counter"
	expect 0 gwpg exporter --once
	assert_contains "$OUT" 'pktgate_limit_bans_total{limit="1",mode="per-source"} 1'
	assert_contains "$OUT" 'pktgate_bans 1'
	assert_contains "$OUT" "pktgate_packets_total{"
	echo "$OUT" | promtool check metrics || fail "promtool rejected the exposition"
	assert_contains "$(echo "$OUT" | grep 'reason="ban"' | grep 'interface="gw-a"' | grep xdp | grep packets)" " $bans"
	# Banned: nothing passes while the ban holds.
	assert_eq 0 "$(limit_pings attacker $LIMIT_SERVER4 2 0.3)" "replies while banned"
	assert_eq true "$(gwpg -j top | jq '.talkers[] | select(.address == "198.51.100.2") | .banned')" \
		"top marks the banned source"
	assert_contains "$(gwpg top)" " banned"
	# Released at the deadline, by nobody.
	local deadline=$((SECONDS + 15))
	while [ $SECONDS -lt $deadline ] &&
		[ "$(gwpg -j deny list --list auto | jq '.entries | length')" != 0 ]; do
		sleep 0.5
	done
	expect 0 gwpg -j deny list --list auto
	assert_eq 0 "$(echo "$OUT" | jq '.entries | length')" "auto list after the deadline"
	assert_eq 3 "$(limit_pings attacker $LIMIT_SERVER4 3 0.3)" "replies after the deadline"
	expect 0 gwpg -j status
	assert_eq 0 "$(echo "$OUT" | jq .limits.bans)" "status: live bans"
}

test_limit_unban_lifts_at_once() {
	lab_up
	gwpg attach gw-a >/dev/null
	gwpg limit add 198.51.100.0/24 --pps 5 --burst 5 --ban 1h --ban-after 3 >/dev/null
	limit_pings attacker $LIMIT_SERVER4 20 0.02 >/dev/null
	assert_eq 1 "$(gwpg -j deny list --list auto | jq '.entries | length')" "banned"
	expect 1 gwpg limit unban 198.51.100.2 198.51.100.9
	assert_contains "$ERR" "198.51.100.9 is not banned; no ban was lifted"
	assert_eq 1 "$(gwpg -j deny list --list auto | jq '.entries | length')" "still banned"
	expect 0 gwpg limit unban 198.51.100.2
	assert_contains "$OUT" "lifted 1 ban"
	assert_eq 0 "$(gwpg -j deny list --list auto | jq '.entries | length')" "unbanned"
	assert_eq 2 "$(limit_pings attacker $LIMIT_SERVER4 2 0.3)" "replies after unban"
}

test_limit_commands_round_trip_and_refusals() {
	expect 0 pg limit add 0.0.0.0/0 ::/0 --pps 100 --burst 20 --ban 10m
	expect 0 pg limit add 10.0.0.0/8 proto tcp port 22 --pps 3 --aggregate
	expect 0 pg limit add 10.1.0.0/16 --bps 10M
	expect 0 pg limit add 10.0.0.0/8 proto tcp port 22 --pps 4 --aggregate
	assert_contains "$OUT" "updated limit 2"
	expect 0 pg -j limit list
	assert_eq "1 2 3" "$(echo "$OUT" | jq -r '[.limits[].id] | join(" ")')" "ids"
	assert_eq 4 "$(echo "$OUT" | jq '.limits[1].pps')" "updated in place"
	local before after
	before=$(pg save --all | grep -v '^#')
	assert_contains "$before" "limit add 0.0.0.0/0 ::/0 --pps 100 --burst 20 --per-source --ban 10m"
	assert_contains "$before" "limit add 10.0.0.0/8 proto tcp port 22 --pps 4 --burst 1 --aggregate"
	pg save --all "$TMP/rs" >/dev/null
	expect 0 pg limit del 2
	expect 0 pg limit del 10.1.0.0/16
	expect 0 pg -j limit list
	assert_eq 1 "$(echo "$OUT" | jq '.limits | length')" "after del"
	expect 0 pg restore "$TMP/rs"
	after=$(pg save --all | grep -v '^#')
	assert_eq "$before" "$after" "restore brings the limits back exactly"
	# Refusals: one line, nothing changed.
	local state
	state=$(pg save --all | grep -v '^#')
	expect 2 pg limit add 10.0.0.0/8
	assert_contains "$ERR" "give a rate"
	expect 2 pg limit add 10.0.0.0/8 --pps 5 --aggregate --ban 1m
	assert_contains "$ERR" "--ban needs a per-source limit"
	expect 2 pg limit add 10.0.0.0/8 10.2.0.0/16 --pps 5
	assert_contains "$ERR" "overlaps another prefix"
	expect 2 pg limit add 10.0.0.0/8 --bps 10X
	assert_contains "$ERR" "--bps '10X'"
	expect 1 pg limit add 10.0.0.0/8 --pps 5 --iface nosuch0
	assert_contains "$ERR" "no such interface"
	expect 1 pg limit del 77
	assert_contains "$ERR" "there is no limit 77"
	expect 1 pg limit del 192.0.2.0/24
	assert_contains "$ERR" "no limit has exactly these prefixes"
	# 0.0.0.0/0 (limit 1) and three more nested ones cover 172.16.1.7.
	local p
	for p in 172.16.0.0/12 172.16.0.0/16 172.16.1.0/24; do pg limit add $p --pps 9 >/dev/null; done
	expect 1 pg limit add 172.16.1.7 --pps 9
	assert_contains "$ERR" "more than 4 limits would cover 172.16.1.7/32"
	for p in 172.16.0.0/12 172.16.0.0/16 172.16.1.0/24; do pg limit del $p >/dev/null; done
	assert_eq "$state" "$(pg save --all | grep -v '^#')" "refusals changed nothing"
}

test_limit_confirm_rolls_back_a_limit() {
	pg limit add 10.0.0.0/8 --pps 50 >/dev/null
	local before
	before=$(pg save --all | grep -v '^#')
	expect 0 pg --confirm 2 limit add 0.0.0.0/0 --pps 1 --burst 1
	expect 1 pg limit del 1
	assert_contains "$ERR" "confirm"
	local deadline=$((SECONDS + 15))
	while [ $SECONDS -lt $deadline ] && [ "$(pg -j status | jq -c .confirm)" != null ]; do
		sleep 0.2
	done
	assert_eq "$before" "$(pg save --all | grep -v '^#')" "rolled back to the limits before"
}
