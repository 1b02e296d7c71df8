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
	assert_eq "unknown command 'nope'" "$(echo "$OUT" | jq -r .error)" "JSON error"
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
	assert_contains "$ERR" "$TMP/plain/pktgate is not on a BPF filesystem: neither it nor $TMP/plain is a bpffs; mount one first"
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
		ls /sys/fs/bpf/pktgate/pg_tbl_v4 >/dev/null || exit 14
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

test_cli_errors_name_pktgate_once() {
	# The printer adds "pktgate: "; the parser's messages must not again.
	expect 2 pg bogus
	assert_eq "pktgate: unknown command 'bogus'" "$(head -1 <<<"$ERR")" "unknown command"
	expect 2 pg -q status
	assert_eq "pktgate: unknown option '-q'" "$(head -1 <<<"$ERR")" "unknown global option"
	expect 2 pg
	assert_contains "$ERR" "pktgate: missing command"
	expect 2 pg deny bogus
	assert_eq "pktgate: deny: unknown command 'bogus'" "$(head -1 <<<"$ERR")" "unknown subcommand"
	expect 2 pg deny add 192.0.2.1 --bogus
	assert_eq "pktgate: deny add: unknown option '--bogus'" "$(head -1 <<<"$ERR")" "unknown option"
	expect 2 pg --capacity 0 status
	assert_eq "pktgate: invalid number '0' for --capacity" "$(head -1 <<<"$ERR")" "bad number"
	expect 2 pg attach
	assert_eq "pktgate: attach: missing IFACE" "$(head -1 <<<"$ERR")" "missing argument"
	for args in "bogus" "-q status" "deny bogus" "attach lo --mode turbo" "status --pin-path"; do
		# shellcheck disable=SC2086
		expect 2 pg $args
		assert_not_contains "$ERR" "pktgate: pktgate"
	done
}

test_cli_global_options_after_the_command() {
	# As ip and bpftool: global options also after the command (and
	# between a command and its subcommand).
	expect 0 pg deny add 192.0.2.1 -j
	assert_eq '192.0.2.1/32' "$(echo "$OUT" | jq -r '.added[0].prefix')" "add -j"
	expect 0 pg status -j
	assert_eq "$PKTGATE_PIN_PATH" "$(echo "$OUT" | jq -r .pin_path)" "status -j"
	expect 0 pg deny -j list
	assert_eq '["192.0.2.1/32"]' "$(echo "$OUT" | jq -c '[.entries[].prefix]')" "deny -j list"
	expect 0 pg deny list --json --sort prefix
	assert_eq '["192.0.2.1/32"]' "$(echo "$OUT" | jq -c '[.entries[].prefix]')" "list --json"
	expect 0 pg status -V
	assert_contains "$OUT" "pktgate 0.1.0"
	# --pin-path after the command is the pin path of that command.
	expect 0 pg deny list -j --pin-path "$PKTGATE_PIN_PATH-2"
	assert_eq '[]' "$(echo "$OUT" | jq -c '.entries')" "another pin path"
	defer rm -rf "$PKTGATE_PIN_PATH-2"
	# A command's own option of the same letter wins: top -n is --limit.
	expect 0 pg top -n 1 --interval 0.01 -j
	assert_eq packets "$(echo "$OUT" | jq -r .by)" "top -n 1 -j"
	# A value that looks like an option is a value, and changes nothing else.
	expect 0 pg deny add 192.0.2.2 --comment -j
	assert_contains "$OUT" "added 192.0.2.2/32 to deny"
	assert_eq -j "$(pg -j deny list | jq -r '.entries[] | select(.prefix == "192.0.2.2/32") | .comment')" \
		"comment"
	# Errors of options after the command are JSON when -j came first.
	expect 2 pg deny -j list --bogus
	assert_eq "deny list: unknown option '--bogus'" "$(echo "$OUT" | jq -r .error)" "JSON error"
	# Rule set lines are not command lines: no global options there.
	before=$(snapshot)
	printf 'deny add 198.51.100.1 --pin-path /tmp\n' >"$TMP/rules"
	expect 2 pg restore "$TMP/rules"
	assert_eq "pktgate: $TMP/rules:1: deny add: unknown option '--pin-path'" "$ERR" "rule set line"
	assert_eq "$before" "$(snapshot)" "lists after the refused rule set"
}

test_cli_pretty_json() {
	# -p/--pretty: the same document as -j, indented; errors stay one line.
	expect 0 pg deny add 192.0.2.1 --comment 'a "quoted" {text}, [x]: y'
	expect 0 pg -j deny list
	compact=$OUT
	for args in "-p deny list" "deny list -p" "--pretty deny list" "deny list --pretty -j"; do
		# shellcheck disable=SC2086
		expect 0 pg $args
		assert_eq "$(jq -cS . <<<"$compact")" "$(jq -cS . <<<"$OUT")" "content of $args"
		[ "$(wc -l <<<"$OUT")" -gt 5 ] || fail "'$args' is not indented: $OUT"
	done
	assert_contains "$OUT" '  "entries": ['
	assert_contains "$OUT" '"comment": "a \"quoted\" {text}, [x]: y"'
	expect 0 pg -p lists
	assert_eq '{' "$(head -1 <<<"$OUT")" "first line"
	expect 2 pg -p deny add 10.0.0.0/33
	assert_eq '{"error":"invalid prefix '"'"'10.0.0.0/33'"'"': prefix length must be 0-32"}' "$OUT" "pretty error"
}

test_cli_no_leaks_in_output_setup() {
	# out_init ran twice with -j and leaked the first JSON buffer. Paths
	# that do not touch BPF, so that valgrind has nothing else to say.
	command -v valgrind >/dev/null || fail "valgrind is needed (make test-deps installs it)"
	local args rc
	for args in "-j --version:0" "--version -j:0" "-p --version:0" "-j nope:2" \
		"-j deny add 10.0.0.0/33:2" "deny add 10.0.0.0/33 --comment -j:2"; do
		set +e
		if [ -n "${PKTGATE_SANITIZE_INNER:-}" ]; then
			# An ASan build cannot run under valgrind; its
			# LeakSanitizer reports the same leak (exit 99).
			# shellcheck disable=SC2086
			"$PG" ${args%:*} >/dev/null 2>"$TMP/vg"
		else
			# shellcheck disable=SC2086
			valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
				--error-exitcode=99 "$PG" ${args%:*} >/dev/null 2>"$TMP/vg"
		fi
		rc=$?
		set -e
		assert_eq "${args##*:}" "$rc" "exit status of pktgate ${args%:*} under valgrind: $(cat "$TMP/vg")"
		assert_not_contains "$(cat "$TMP/vg")" "definitely lost"
	done
}

test_cli_capacity_help_is_true() {
	# --capacity sizes every table built from now on (load, flush and
	# restore rebuild them), not only the first maps: help says so.
	expect 0 pg help
	line=$(grep -e '--capacity N' <<<"$OUT")
	assert_contains "$line" "by load, flush and restore"
	expect 0 pg deny add 192.0.2.1
	printf '192.0.2.0/24\n198.51.100.0/24\n203.0.113.0/24\n' >"$TMP/feed"
	expect 1 pg --capacity 2 load "$TMP/feed" --list feed
	assert_contains "$ERR" "capacity of 2"
	expect 0 pg load "$TMP/feed" --list feed --capacity 3
	expect 0 pg -j status
	assert_eq '[3]' "$(echo "$OUT" | jq -c '[.lists[] | select(.list == "deny" and .family == 4) | .capacity] | unique')" \
		"capacity after a load with --capacity 3 after the command"
}

test_cli_pin_path_at_a_bpffs_root() {
	# A pin directory that is itself a bpffs mount point is on a bpffs.
	mkdir "$TMP/bpf"
	mount -t bpf bpf "$TMP/bpf"
	defer umount "$TMP/bpf"
	expect 0 pg --pin-path "$TMP/bpf" deny add 192.0.2.1
	expect 0 pg --pin-path "$TMP/bpf/" -j deny list
	assert_eq '["192.0.2.1/32"]' "$(echo "$OUT" | jq -c '[.entries[].prefix]')" "entries"
	[ -e "$TMP/bpf/pg_meta" ] || fail "no pins at the root of the bpffs"
	# A directory below it still works, and a plain directory is refused.
	expect 0 pg --pin-path "$TMP/bpf/sub" deny list
	mkdir "$TMP/plain"
	expect 1 pg --pin-path "$TMP/plain" deny list
	assert_contains "$ERR" "is not on a BPF filesystem"
}

test_cli_lenient_input_refused() {
	# Spellings that were taken silently and meant something else, or
	# nothing: refused, with what to give instead.
	pg deny add 198.51.100.0/24 >/dev/null
	before=$(snapshot)
	expect 2 pg deny add 1.2.3.4/08
	assert_eq "pktgate: invalid prefix '1.2.3.4/08': the prefix length has a leading zero" "$(head -1 <<<"$ERR")" "/08"
	expect 2 pg deny add 2001:db8::/032
	assert_contains "$ERR" "leading zero"
	expect 2 pg deny add ::ffff:1.2.3.4
	assert_eq "pktgate: invalid prefix '::ffff:1.2.3.4': an IPv4-mapped IPv6 address never matches IPv4 packets: give 1.2.3.4" \
		"$(head -1 <<<"$ERR")" "IPv4-mapped address"
	expect 2 pg allow add ::ffff:192.0.2.0/120
	assert_contains "$ERR" "an IPv4-mapped IPv6 prefix never matches IPv4 packets: give 192.0.2.0/24"
	printf '192.0.2.0/24\n::ffff:198.51.100.7\n' >"$TMP/feed"
	expect 2 pg load "$TMP/feed" --list feed
	assert_contains "$ERR" "$TMP/feed:2: '::ffff:198.51.100.7' is not an IPv4 or IPv6 prefix: an IPv4-mapped"
	for ttl in 1 90 1h1h 5m1h 1s1s; do
		expect 2 pg deny add 192.0.2.1 --ttl "$ttl"
		assert_eq "pktgate: deny add: invalid duration '$ttl' for --ttl (a unit for each number, d h m s in order: 90s, 10m, 2h, 1d, 1h30m)" \
			"$(head -1 <<<"$ERR")" "--ttl $ttl"
	done
	expect 2 pg events --timeout 5
	assert_contains "$ERR" "invalid duration '5' for --timeout"
	assert_eq "$before" "$(snapshot)" "lists after refused input"
	# What stays valid.
	expect 0 pg deny add 1.2.3.0/0 ::ffff:0:0/95 10.0.0.0/8 --ttl 1d2h3m4s
	expect 0 pg deny add 192.0.2.1 --ttl 90m
}

# JSON is UTF-8 whatever bytes a comment, a file name or an argument holds:
# a byte that is not UTF-8 becomes U+FFFD, a control character a \u escape.
test_cli_json_output_is_valid_utf8() {
	utf8_json() {	# utf8_json WHAT: stdin must be strict UTF-8 and one JSON document
		/usr/bin/python3 -c 'import sys, json; json.loads(sys.stdin.buffer.read().decode("utf-8"))' ||
			fail "$1: not valid UTF-8 JSON"
	}
	expect 0 pg deny add 192.0.2.1 --comment "$(printf 'bad\xff\xc0\xafbyte \xed\xa0\x80 caf\xc3\xa9 \x01')"
	expect 0 pg -j deny list
	echo "$OUT" | utf8_json "deny list"
	assert_eq "$(printf 'bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdbyte \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd caf\xc3\xa9 \x01')" \
		"$(echo "$OUT" | jq -r '.entries[0].comment')" "comment: U+FFFD for each stray byte"
	assert_contains "$OUT" '\u0001'
	f="$TMP/$(printf 'feed\xfe\nname')"
	echo 198.51.100.0/24 >"$f"
	expect 0 pg -j load "$f" --list feed
	echo "$OUT" | utf8_json "load"
	expect 0 pg -j lists
	echo "$OUT" | utf8_json "lists"
	assert_eq "$TMP/feed"$'\xef\xbf\xbd\nname' \
		"$(echo "$OUT" | jq -r '.lists[] | select(.name == "feed") | .source')" "source"
	expect 2 pg -j deny add "$(printf '\xff\n1.2.3.4')"
	echo "$OUT" | utf8_json "error"
	assert_contains "$(echo "$OUT" | jq -r .error)" $'invalid prefix \'\xef\xbf\xbd\n1.2.3.4\''
}

# Plain text shows a user's bytes escaped: a newline or an escape sequence in
# a comment, file name or argument can neither forge a row nor reach the
# terminal raw.
test_cli_text_output_escapes_control_characters() {
	forged=$'x\n198.51.100.66/32   -  manual  never  0  0 never fake\e[2J\a'
	expect 0 pg deny add 192.0.2.1 --comment "$forged"
	expect 0 pg deny add 192.0.2.2 --comment 'back\slash'
	expect 0 pg deny list
	assert_eq 3 "$(printf '%s\n' "$OUT" | wc -l)" "rows of deny list (header and two entries)"
	assert_not_contains "$OUT" $'\e'
	assert_not_contains "$OUT" $'\a'
	assert_contains "$OUT" 'x\n198.51.100.66/32   -  manual'
	assert_contains "$OUT" 'fake\x1b[2J\x07'
	assert_contains "$OUT" 'back\\slash'
	# C1 controls (U+009B is CSI on some terminals) and stray bytes too.
	expect 0 pg deny add 192.0.2.3 --comment $'c1\xc2\x9b2J stray\xff'
	expect 0 pg deny list
	assert_contains "$OUT" 'c1\xc2\x9b2J stray\xff'
	# A file name in `lists`.
	f="$TMP/"$'feed\nfake\e[1m'
	echo 198.51.100.0/24 >"$f"
	expect 0 pg load "$f" --list feed
	assert_not_contains "$OUT" $'\e'
	assert_eq 1 "$(printf '%s\n' "$OUT" | wc -l)" "lines of load's answer"
	expect 0 pg lists
	assert_not_contains "$OUT" $'\e'
	assert_contains "$OUT" 'feed\nfake\x1b[1m'
	assert_eq 4 "$(printf '%s\n' "$OUT" | wc -l)" "rows of lists (header, manual, feed, allow manual)"
	# Errors quote the argument on one line.
	expect 2 pg deny add $'1.2.3.4\npktgate: all good'
	assert_eq 2 "$(printf '%s\n' "$ERR" | wc -l)" "lines of the error (message, hint)"
	assert_contains "$ERR" "pktgate: invalid prefix '1.2.3.4\\npktgate: all good'"
	expect 2 pg deny add 192.0.2.9 --list $'a\e[31mb'
	assert_not_contains "$ERR" $'\e'
}
