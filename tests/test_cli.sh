# SPDX-License-Identifier: GPL-2.0
# CLI tests: input validation, messages and exit codes, list round trips,
# pin handling. No traffic: see test_traffic.sh for that.

# Both lists, as JSON, to compare state before and after a failed command.
snapshot() {
	{ pg -j deny list; pg -j allow list; } | jq -c '.entries | map(del(.expires_in))'
}

test_cli_help_and_usage_errors() {
	expect 0 pg help
	assert_contains "$OUT" "pktgate deny add CIDR..."
	assert_contains "$OUT" "--drop-malformed"
	expect 0 pg attach --help
	assert_contains "$OUT" "--mode MODE"
	expect 2 pg frobnicate
	assert_contains "$ERR" "unknown command 'frobnicate'"
	expect 2 pg deny
	assert_contains "$ERR" "missing command"
	expect 2 pg deny add
	assert_contains "$ERR" "missing CIDR..."
	expect 2 pg deny add 192.0.2.1 --bogus
	assert_contains "$ERR" "unknown option '--bogus'"
	expect 2 pg attach
	expect 2 pg attach a b
	assert_contains "$ERR" "unexpected argument 'b'"
	expect 2 pg attach lo --mode turbo
	assert_contains "$ERR" "invalid value 'turbo' for --mode"
	expect 2 pg flush everything
	assert_contains "$ERR" "unknown list 'everything'"
	expect 2 pg -j nope
	assert_eq "pktgate: unknown command 'nope'" "$(echo "$OUT" | jq -r .error)" "JSON error"
}

test_cli_bad_cidrs_change_nothing() {
	pg deny add 198.51.100.0/24 >/dev/null
	before=$(snapshot)
	for bad in 10.0.0.0/33 1.2.3 ::g "" 1.2.3.4/ 1.2.3.4/-1 1.2.3.4/+8 300.1.1.1 \
		2001:db8::/129 1.2.3.4/8/8 "1.2.3.4 " /24 1.2.3.4/0x8 1.2.3.4/0008; do
		expect 2 pg deny add 192.0.2.1 "$bad"
		assert_contains "$ERR" "invalid prefix '$bad'"
		expect 2 pg allow add "$bad"
		expect 2 pg deny del "$bad"
	done
	expect 2 pg -j deny add 10.0.0.0/33
	assert_eq "invalid prefix '10.0.0.0/33': prefix length must be 0-32" \
		"$(echo "$OUT" | jq -r .error)" "JSON error"
	assert_eq "$before" "$(snapshot)" "lists after rejected input"
}

test_cli_bad_options_change_nothing() {
	before=$(snapshot)
	for ttl in 0 5x "" -1 1h5 10q 99999999999d; do
		expect 2 pg deny add 192.0.2.1 --ttl "$ttl"
		assert_contains "$ERR" "invalid duration '$ttl' for --ttl"
	done
	expect 2 pg deny add 192.0.2.1 --comment "$(printf 'x%.0s' $(seq 64))"
	assert_contains "$ERR" "comment is 64 bytes long"
	expect 2 pg deny add 192.0.2.1 --ttl
	assert_contains "$ERR" "needs DURATION"
	assert_eq "$before" "$(snapshot)" "lists after rejected options"
}

test_cli_normalises_host_bits() {
	expect 0 pg deny add 10.1.2.3/8 2001:db8::1/32 192.0.2.7
	assert_contains "$OUT" "added 10.0.0.0/8 to deny (normalised from 10.1.2.3/8)"
	assert_contains "$OUT" "added 2001:db8::/32 to deny (normalised from 2001:db8::1/32)"
	assert_contains "$OUT" "added 192.0.2.7/32 to deny"
	assert_not_contains "$OUT" "192.0.2.7/32 to deny (normalised"
	expect 0 pg -j deny list
	assert_eq '["10.0.0.0/8","192.0.2.7/32","2001:db8::/32"]' \
		"$(echo "$OUT" | jq -c '[.entries[].prefix]')" "normalised prefixes"
	# The unnormalised spelling names the same entry.
	expect 0 pg deny del 10.9.9.9/8
	assert_contains "$OUT" "deleted 10.0.0.0/8 from deny"
}

test_cli_add_del_list_round_trip() {
	expect 0 pg deny add 192.0.2.0/24 203.0.113.9 2001:db8:1::/48 --comment "from abuse desk"
	expect 0 pg allow add 192.0.2.10 --ttl 1h
	expect 0 pg deny list
	assert_contains "$OUT" "192.0.2.0/24"
	assert_contains "$OUT" "from abuse desk"
	assert_contains "$OUT" "never"
	expect 0 pg -j deny list
	assert_eq 3 "$(echo "$OUT" | jq '.entries | length')" "deny entries"
	assert_eq '"from abuse desk"' "$(echo "$OUT" | jq -c '[.entries[].comment] | unique | .[0]')" "comment"
	assert_eq 'null' "$(echo "$OUT" | jq -c '.entries[0].expires_in')" "no TTL"
	assert_eq '[0]' "$(echo "$OUT" | jq -c '[.entries[].packets] | unique')" "fresh counters"
	ids=$(echo "$OUT" | jq -c '[.entries[].rule_id] | unique | length')
	assert_eq 3 "$ids" "distinct rule ids"
	expect 0 pg -j allow list
	ttl=$(echo "$OUT" | jq '.entries[0].expires_in')
	[ "$ttl" -gt 3590 ] && [ "$ttl" -le 3600 ] || fail "allow TTL $ttl not ~3600"
	expect 0 pg allow list
	assert_contains "$OUT" "192.0.2.10/32"
	assert_contains "$OUT" "1h"
	# Deleting one absent prefix among present ones deletes nothing.
	before=$(snapshot)
	expect 1 pg deny del 192.0.2.0/24 198.51.100.1
	assert_contains "$ERR" "198.51.100.1/32 is not in the deny list manual; nothing was deleted"
	assert_eq "$before" "$(snapshot)" "lists after failed del"
	expect 0 pg -j deny del 192.0.2.0/24 2001:db8:1::/48
	assert_eq '["192.0.2.0/24","2001:db8:1::/48"]' "$(echo "$OUT" | jq -c .deleted)" "deleted"
	expect 0 pg -j deny list
	assert_eq '["203.0.113.9/32"]' "$(echo "$OUT" | jq -c '[.entries[].prefix]')" "left"
	expect 0 pg -j flush allow
	assert_eq 1 "$(echo "$OUT" | jq .flushed)" "flushed"
	expect 0 pg -j allow list
	assert_eq 0 "$(echo "$OUT" | jq '.entries | length')" "allow after flush"
}

test_cli_readd_updates_in_place() {
	pg deny add 192.0.2.1 --comment first >/dev/null
	id=$(pg -j deny list | jq '.entries[0].rule_id')
	expect 0 pg deny add 192.0.2.1 --ttl 10m
	assert_contains "$OUT" "(updated existing entry)"
	expect 0 pg -j deny list
	assert_eq "$id" "$(echo "$OUT" | jq '.entries[0].rule_id')" "rule id kept"
	assert_eq first "$(echo "$OUT" | jq -r '.entries[0].comment')" "comment kept"
	[ "$(echo "$OUT" | jq '.entries[0].expires_in')" -gt 590 ] || fail "TTL not set"
}

test_cli_prefix_commands() {
	expect 0 pg d a 192.0.2.5
	assert_contains "$OUT" "added 192.0.2.5/32 to deny"
	expect 0 pg de l
	assert_contains "$OUT" "192.0.2.5/32"
	expect 0 pg al a 192.0.2.6
	expect 0 pg -j a l
	assert_eq allow "$(echo "$OUT" | jq -r .list)" "prefix 'a' is allow"
	expect 0 pg st
	assert_contains "$OUT" "LIST"
}

test_cli_ttl_expiry_hides_entry() {
	pg deny add 192.0.2.1 --ttl 1s >/dev/null
	pg deny add 192.0.2.2 >/dev/null
	sleep 1.3
	expect 0 pg -j deny list
	assert_eq '["192.0.2.2/32"]' "$(echo "$OUT" | jq -c '[.entries[].prefix]')" "live entries"
	expect 0 pg -j status
	assert_eq 1 "$(echo "$OUT" | jq '.lists[] | select(.list=="deny" and .family==4) | .expired')" "expired count"
}

test_cli_unknown_interface() {
	before=$(snapshot)
	expect 1 pg attach pgnosuchif0
	assert_contains "$ERR" "no interface 'pgnosuchif0'"
	expect 1 pg detach pgnosuchif0
	expect 1 pg -n pgnosuchns status
	assert_contains "$ERR" "no network namespace 'pgnosuchns'"
	expect 1 pg -j -n pgnosuchns status
	assert_contains "$(echo "$OUT" | jq -r .error)" "no network namespace"
	expect 2 pg -n ../etc status
	assert_eq "$before" "$(snapshot)" "lists"
}

test_cli_needs_privileges() {
	pg deny add 192.0.2.1 >/dev/null
	before=$(snapshot)
	expect 1 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all "$PG" deny add 192.0.2.9
	assert_contains "$ERR" "permission denied: pktgate needs root, or CAP_BPF and CAP_NET_ADMIN"
	expect 1 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all "$PG" -j deny list
	assert_contains "$(echo "$OUT" | jq -r .error)" "permission denied"
	assert_eq "$before" "$(snapshot)" "lists"
}

test_cli_pin_path_not_on_bpffs() {
	mkdir -p "$TMP/plain"
	expect 1 pg --pin-path "$TMP/plain/pktgate" deny add 192.0.2.1
	assert_contains "$ERR" "$TMP/plain/pktgate is not on a BPF filesystem; mount one first"
	[ ! -e "$TMP/plain/pktgate" ] || fail "created a pin dir on a non-bpffs"
	expect 1 env PKTGATE_PIN_PATH="$TMP/plain/x" "$PG" deny list
	assert_contains "$ERR" "not on a BPF filesystem"
	expect 1 pg --pin-path relative/dir deny list
	assert_contains "$ERR" "pin path must be absolute"
}

test_cli_mounts_bpffs_when_missing() {
	# In a mount namespace of its own, unmount bpffs from /sys/fs/bpf and let
	# pktgate mount it back for the default pin path.
	expect 0 unshare --mount --propagation private sh -c '
		# Peel every bpffs stacked there (the host may have one too).
		while [ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ]; do
			umount /sys/fs/bpf || exit 10
		done
		env -u PKTGATE_PIN_PATH "$0" deny add 192.0.2.1 >/dev/null || exit 12
		[ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ] || exit 13
		ls /sys/fs/bpf/pktgate/pg_deny_v4 >/dev/null || exit 14
		env -u PKTGATE_PIN_PATH "$0" -j deny list' "$PG"
	assert_eq '["192.0.2.1/32"]' "$(echo "$OUT" | jq -c '[.entries[].prefix]')" "entry"
}

test_cli_full_list_refused_and_rolled_back() {
	expect 0 pg --capacity 4 deny add 192.0.2.1 192.0.2.2 192.0.2.3
	before=$(snapshot)
	# The first of these fits, the second does not: neither stays.
	expect 1 pg deny add 192.0.2.4 192.0.2.5
	assert_contains "$ERR" "the deny list for IPv4 is full (capacity 4 entries); nothing was added"
	assert_contains "$ERR" "with --capacity N builds larger tables"
	assert_eq "$before" "$(snapshot)" "lists after refused add"
	expect 0 pg deny add 192.0.2.4
	expect 1 pg -j deny add 192.0.2.5
	assert_contains "$(echo "$OUT" | jq -r .error)" "is full"
	# A reader cannot change the size of the tables.
	expect 1 pg --capacity 8 deny list
	assert_contains "$ERR" "hold 4 entries each; --capacity 8 takes effect with a command that rebuilds them"
	expect 0 pg -j status
	assert_eq 4 "$(echo "$OUT" | jq '.lists[] | select(.list=="deny" and .family==4) | .capacity')" "capacity"
}

test_cli_schema_mismatch_is_an_error() {
	pg deny add 192.0.2.1 >/dev/null
	# magic "pgte", schema 99, capacity, next id: a pin set from the future.
	bpftool map update pinned "$PKTGATE_PIN_PATH/pg_meta" key 0 0 0 0 \
		value hex 65 74 67 70 63 00 00 00 00 00 10 00 01 00 00 00
	expect 1 pg deny list
	assert_contains "$ERR" "holds pktgate schema v99 but this pktgate uses schema v$(schema_version)"
	expect 1 pg deny add 192.0.2.2
	expect 1 pg -j status
	assert_contains "$(echo "$OUT" | jq -r .error)" "schema v99"
	bpftool map update pinned "$PKTGATE_PIN_PATH/pg_meta" key 0 0 0 0 \
		value hex 01 02 03 04 01 00 00 00 00 00 10 00 01 00 00 00
	expect 1 pg deny list
	assert_contains "$ERR" "not a pktgate pin directory"
}

test_cli_not_a_pktgate_pin_dir() {
	mkdir "$PKTGATE_PIN_PATH"
	bpftool map create "$PKTGATE_PIN_PATH/pg_meta" type array key 4 value 8 entries 1 name pg_meta
	expect 1 pg deny list
	assert_contains "$ERR" "is not a pktgate schema v$(schema_version) metadata map"
}

test_cli_concurrent_adds_are_serialised() {
	pg deny list >/dev/null	# create the maps first
	pids=()
	for i in $(seq 1 20); do
		"$PG" deny add "198.51.100.$i" >/dev/null 2>"$TMP/err.$i" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || fail "a concurrent add failed: $(cat "$TMP"/err.*)"
	done
	expect 0 pg -j deny list
	assert_eq 20 "$(echo "$OUT" | jq '.entries | length')" "entries"
	assert_eq 20 "$(echo "$OUT" | jq '[.entries[].rule_id] | unique | length')" "distinct rule ids"
}

test_cli_version_and_status_json() {
	expect 0 pg -j --version
	assert_eq "$(schema_version)" "$(echo "$OUT" | jq .schema)" "schema"
	expect 0 pg -j status
	assert_eq "$PKTGATE_PIN_PATH" "$(echo "$OUT" | jq -r .pin_path)" "pin path"
	assert_eq 4 "$(echo "$OUT" | jq '.lists | length')" "lists"
	assert_eq '[]' "$(echo "$OUT" | jq -c .attached)" "attached"
}
