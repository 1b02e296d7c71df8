# SPDX-License-Identifier: GPL-2.0
# Rule sets: save --all writes the whole configuration, restore applies it,
# checking every line first.

# Both lists as JSON, without the seconds that tick away.
lists() {
	{ pg -j allow list; pg -j deny list; } |
		jq -c '{list, entries: [.entries[] | {prefix, comment, ttl: (.expires_in != null)}]}'
}

test_ruleset_save_restore_round_trip() {
	lab_up
	pg deny add 198.51.100.0/24 2001:db8:bad::/48 --ttl 2h --comment 'scanner "A" \ x' >/dev/null
	pg deny add 203.0.113.9 >/dev/null
	pg allow add 198.51.100.7 2001:db8:bad::7 >/dev/null
	pg config event-rate 300 >/dev/null
	gwpg attach gw-c --tc egress --drop-malformed >/dev/null
	gwpg attach gw-s --tc ingress --no-xdp --no-top >/dev/null
	expect 0 pg save --all "$TMP/rules"
	rules=$(cat "$TMP/rules")
	assert_contains "$rules" "config event-rate 300"
	# The TTL is what remained: 2h less the seconds the attaches took.
	echo "$rules" | grep -qxE 'deny add 198\.51\.100\.0/24 --ttl 71[89][0-9]s --comment "scanner \\"A\\" \\\\ x"|deny add 198\.51\.100\.0/24 --ttl 7200s --comment "scanner \\"A\\" \\\\ x"' ||
		fail "deny line with TTL and quoted comment missing: $rules"
	assert_contains "$rules" "allow add 2001:db8:bad::7/128"
	assert_contains "$rules" "-n $GW attach gw-c --mode native --tc egress --drop-malformed"
	assert_contains "$rules" "-n $GW attach gw-s --no-xdp --tc ingress --no-top"
	expect 0 pg save --all -
	assert_contains "$OUT" "deny add 203.0.113.9/32"
	before=$(lists)

	# Lose everything, then restore.
	pg flush deny >/dev/null
	pg flush allow >/dev/null
	pg deny add 192.0.2.99 >/dev/null
	pg config event-rate 5 >/dev/null
	gwpg detach gw-c >/dev/null
	gwpg detach gw-s >/dev/null
	expect 0 pg -j restore "$TMP/rules"
	assert_eq '{"allow":2,"deny":3,"removed":1,"attached":2,"failed":0}' \
		"$(echo "$OUT" | jq -c '{allow, deny, removed, attached, failed}')" "summary"
	assert_eq "$before" "$(lists)" "lists after restore"
	assert_eq 300 "$(pg -j config | jq .event_rate)" "event rate"
	expect 0 gwpg -j status
	assert_eq '["gw-c tc-egress","gw-c xdp","gw-s tc-ingress"]' \
		"$(echo "$OUT" | jq -c '[.attached[] | "\(.ifname) \(.hook)"] | sort')" "attachments"
	assert_eq true "$(echo "$OUT" | jq '[.attached[] | select(.ifname == "gw-c")][0].drop_malformed')" \
		"drop-malformed"
	# And it works: the denied attacker is dropped.
	assert_eq 0 "$(on attacker ping -n -c 2 -i 0.1 -W 1 203.0.113.9 2>/dev/null | grep -c 'bytes from' || true)" \
		"replies to a denied address"
	# Restoring twice changes nothing.
	expect 0 pg -j restore "$TMP/rules"
	assert_eq 0 "$(echo "$OUT" | jq .removed)" "removed on the second restore"
	assert_eq "$before" "$(lists)" "lists after a second restore"
}

test_ruleset_restore_keeps_common_entries_and_counters() {
	pg deny add 192.0.2.1 192.0.2.2 --comment old >/dev/null
	id=$(pg -j deny list | jq '.entries[] | select(.prefix == "192.0.2.2/32") | .rule_id')
	printf 'deny add 192.0.2.2 192.0.2.3\n' >"$TMP/rules"
	expect 0 pg restore "$TMP/rules"
	expect 0 pg -j deny list
	assert_eq '["192.0.2.2/32","192.0.2.3/32"]' "$(echo "$OUT" | jq -c '[.entries[].prefix]')" "entries"
	assert_eq "$id" "$(echo "$OUT" | jq '.entries[0].rule_id')" "rule id of the common entry"
	assert_eq old "$(echo "$OUT" | jq -r '.entries[0].comment')" "comment of the common entry"
	# From standard input too, comments and blank lines included.
	printf '# nothing but\n\n  allow add 192.0.2.10   # a trailing comment\r\n' |
		expect 0 pg restore -
	assert_eq '["192.0.2.10/32"]' "$(pg -j allow list | jq -c '[.entries[].prefix]')" "allow from stdin"
	assert_eq 0 "$(pg -j deny list | jq '.entries | length')" "deny after a file without deny"
}

test_ruleset_bad_lines_change_nothing() {
	pg deny add 192.0.2.1 >/dev/null
	pg config event-rate 77 >/dev/null
	before=$(lists)
	check() {	# check LINE2 MESSAGE
		printf 'config event-rate 5\ndeny add 198.51.100.1\n%s\nallow add 192.0.2.10\n' "$1" \
			>"$TMP/bad"
		expect 2 pg restore "$TMP/bad"
		assert_contains "$ERR" "pktgate: $TMP/bad:3: "
		assert_eq 1 "$(wc -l <<<"$ERR")" "lines of the error for '$1'"
		assert_contains "$ERR" "$2"
		assert_eq "$before" "$(lists)" "lists after '$1'"
		assert_eq 77 "$(pg -j config | jq .event_rate)" "event rate after '$1'"
	}
	check "deny add 10.0.0.0/33" "invalid prefix '10.0.0.0/33'"
	check "deny add 192.0.2.5 --ttl soon" "invalid duration 'soon' for --ttl"
	check "deny del 192.0.2.1" "only 'allow add' and 'deny add' may appear"
	check "status" "a rule set holds only config, allow add, deny add and attach lines"
	check 'deny add 192.0.2.5 --comment "open' "unterminated quote"
	check "attach gw0 --mode turbo" "invalid value 'turbo' for --mode"
	check "config event-rate lots" "invalid event-rate 'lots'"
	check "deny add" "missing CIDR..."
	check "-n" "-n needs a namespace name and a command"
	expect 1 pg restore "$TMP/no-such-file"
	assert_contains "$ERR" "cannot read $TMP/no-such-file"
	expect 2 pg save --all --list x
	assert_contains "$ERR" "--all writes every list"
}

test_ruleset_missing_interface_applies_the_rest() {
	printf 'deny add 192.0.2.1\nattach pgnosuchif0\n' >"$TMP/rules"
	expect 1 pg restore "$TMP/rules"
	assert_contains "$ERR" "$TMP/rules:2: no interface 'pgnosuchif0'"
	assert_contains "$ERR" "1 line of $TMP/rules failed"
	assert_eq '["192.0.2.1/32"]' "$(pg -j deny list | jq -c '[.entries[].prefix]')" "deny applied"
}

test_ruleset_bulk_entries_saved_many_to_a_line() {
	# Entries without their own counter (from load) are written many to a
	# line, so a big list restores in few commands, and come back the same.
	local i
	for i in $(seq 0 999); do echo "10.$((i / 250)).$((i % 250)).0/24"; done >"$TMP/feed.txt"
	expect 0 pg load "$TMP/feed.txt" --list feed --ttl 1h
	expect 0 pg deny add 192.0.2.1 --list feed --comment own
	expect 0 pg save --all "$TMP/rules"
	bulk=$(grep -c -- '--list feed --ttl [0-9]*s --no-counter$' "$TMP/rules")
	assert_eq 32 "$bulk" "lines of 32 bulk entries (1000 entries)"
	assert_contains "$(cat "$TMP/rules")" 'deny add 192.0.2.1/32 --list feed --comment "own"'
	before=$(pg -j deny list | jq -c '[.entries[] | [.prefix, .lists, .comment, (.expires_in > 3500)]]')
	expect 0 pg flush deny --list feed
	expect 0 pg restore "$TMP/rules"
	assert_eq "$before" \
		"$(pg -j deny list | jq -c '[.entries[] | [.prefix, .lists, .comment, (.expires_in > 3500)]]')" \
		"entries after restore"
	assert_eq 1001 "$(pg -j lists | jq '.lists[] | select(.name == "feed") | .entries')" "feed size"
}

test_ruleset_restore_does_not_leak_rule_ids() {
	# One prefix in two lists is two lines and one entry: restoring it
	# again and again keeps one rule id, not one more each time.
	printf 'deny add 10.0.0.0/8\ndeny add 10.0.0.0/8 --list drop\n' >"$TMP/rules"
	for i in 1 2 3; do expect 0 pg restore "$TMP/rules"; done
	assert_eq '[["10.0.0.0/8",["manual","drop"]]]' \
		"$(pg -j deny list | jq -c '[.entries[] | [.prefix, .lists]]')" "entries"
	assert_eq 1 "$(bpftool -j map dump pinned "$PKTGATE_PIN_PATH/pg_rule_meta" |
		jq '[.[] | select(.formatted.value.in_use == 1)] | length')" "rule ids in use"
}

test_ruleset_restore_that_does_not_fit_changes_nothing() {
	# Built in full before the switch: a deny list over capacity leaves
	# the allow list, the settings and the deny list as they were.
	expect 0 pg --capacity 20 allow add 192.0.2.1
	expect 0 pg deny add 198.51.100.1
	expect 0 pg config event-rate 77
	{
		echo "config event-rate 5"
		echo "allow add 192.0.2.2"
		for i in $(seq 1 30); do echo "deny add 10.0.$i.0/24"; done
	} >"$TMP/rules"
	before=$(lists)
	expect 1 pg restore "$TMP/rules"
	assert_contains "$ERR" "over its capacity of 20; nothing was changed"
	assert_eq "$before" "$(lists)" "lists"
	assert_eq 77 "$(pg -j config | jq .event_rate)" "event rate"
	assert_eq 2 "$(bpftool -j map dump pinned "$PKTGATE_PIN_PATH/pg_rule_meta" |
		jq '[.[] | select(.formatted.value.in_use == 1)] | length')" \
		"rule ids in use: the two entries' only"
}

test_ruleset_empty_rule_set_refused() {
	# A truncated or blanked rules file must not open the firewall: at
	# boot the unit restores it, and it would remove every entry.
	expect 0 pg deny add 198.51.100.0/24
	expect 0 pg allow add 192.0.2.10
	expect 0 pg config event-rate 77
	before=$(lists)
	: >"$TMP/empty"
	printf '# pktgate rule set, saved ...\n\n   \t\n# nothing else\n' >"$TMP/comments"
	for f in "$TMP/empty" "$TMP/comments" /dev/null; do
		expect 1 pg restore "$f"
		assert_eq "pktgate: $f holds no entries and no settings: restoring it would remove every allow and deny entry; nothing was changed (give --allow-empty if that is meant)" \
			"$ERR" "message for $f"
		assert_eq "$before" "$(lists)" "lists after restoring $f"
		assert_eq 77 "$(pg -j config | jq .event_rate)" "event rate after restoring $f"
	done
	expect 1 pg -j restore - </dev/null
	assert_contains "$(echo "$OUT" | jq -r .error)" "- holds no entries and no settings"
	assert_eq "$before" "$(lists)" "lists after restoring an empty stdin"
	# Settings alone are a configuration (save --all always writes them).
	printf 'config event-rate 5\n' >"$TMP/settings"
	expect 0 pg restore "$TMP/settings"
	assert_eq '{"list":"allow","entries":[]}{"list":"deny","entries":[]}' "$(lists | tr -d '\n')" \
		"lists after a settings-only rule set"
	expect 0 pg deny add 198.51.100.0/24
	expect 0 pg restore "$TMP/empty" --allow-empty
	assert_eq '{"list":"allow","entries":[]}{"list":"deny","entries":[]}' "$(lists | tr -d '\n')" \
		"lists after --allow-empty"
}

test_ruleset_restore_reads_in_bounded_memory() {
	# restore streams its input with load's cap on a line: no input is
	# held whole. Under a 256 MiB address-space limit, a 2 GiB sparse
	# file, /dev/zero and an endless line each fail at once.
	expect 0 pg deny add 198.51.100.0/24
	before=$(lists)
	truncate -s 2G "$TMP/sparse"
	bounded() {	# bounded CMD...: run CMD in 256 MiB of address space, 20 s
		# An ASan build (make check-sanitize) reserves terabytes of
		# shadow address space: there, only the time is bounded (the
		# memory bound is checked by the plain build's run).
		if [ -n "${PKTGATE_SANITIZE_INNER:-}" ]; then
			timeout 20 "$@"
		else
			( ulimit -v 262144; timeout 20 "$@" )
		fi
	}
	expect 2 bounded "$PG" restore "$TMP/sparse"
	assert_eq "pktgate: $TMP/sparse:1: not a text file (a NUL byte)" "$ERR" "sparse file"
	expect 2 bounded "$PG" restore /dev/zero
	assert_eq "pktgate: /dev/zero:1: not a text file (a NUL byte)" "$ERR" "/dev/zero"
	rc=0
	yes a | tr -d '\n' | bounded "$PG" restore - 2>"$TMP/err" || rc=$?
	assert_eq 2 "$rc" "exit status of an endless line"
	assert_eq "pktgate: -:1: line too long (more than 4096 bytes)" "$(cat "$TMP/err")" "endless line"
	# A long line after good ones names its own line.
	{ echo "deny add 192.0.2.1"; echo "# ok"; printf 'deny add %05000d\n' 1; } >"$TMP/long"
	expect 2 pg restore "$TMP/long"
	assert_eq "pktgate: $TMP/long:3: line too long (more than 4096 bytes)" "$ERR" "long line"
	assert_eq "$before" "$(lists)" "lists after the refused inputs"
	# A saved million-entry list is ~30k lines of up to 32 prefixes: those
	# stay under the cap.
	for i in $(seq 1 32); do printf ' 2001:db8:ffff:ffff:ffff:ffff:ffff:%x/128' "$i"; done |
		sed 's/^/deny add/; s/$/ --list feed --ttl 86399s --no-counter/' >"$TMP/wide"
	expect 0 bounded "$PG" restore "$TMP/wide"
	assert_eq 32 "$(pg -j deny list | jq '.entries | length')" "entries of the widest saved line"
}

# save --all writes a comment as one quoted word with escapes (\n, \t, \xNN
# for control characters and bytes that are not UTF-8), and restore reads it
# back byte for byte: save, restore, save gives the same file.
test_ruleset_comment_round_trip_is_exact() {
	c1=$'two\nlines\tand "quotes" \\ \e[1m bell\a cr\r'
	c2=$'stray\xff caf\xc3\xa9 \\n literal'
	expect 0 pg deny add 192.0.2.1 --comment "$c1"
	expect 0 pg allow add 2001:db8::1 --comment "$c2"
	expect 0 pg save --all
	grep -v '^#' <<<"$OUT" >"$TMP/s1"
	assert_eq 2 "$(grep -c ' add ' "$TMP/s1")" "one line per entry"
	assert_contains "$(cat "$TMP/s1")" \
		'deny add 192.0.2.1/32 --comment "two\nlines\tand \"quotes\" \\ \x1b[1m bell\x07 cr\r"'
	assert_contains "$(cat "$TMP/s1")" 'allow add 2001:db8::1/128 --comment "stray\xff café \\n literal"'
	expect 0 pg flush deny
	expect 0 pg flush allow
	expect 0 pg restore "$TMP/s1"
	assert_eq "$c1" "$(pg -j deny list | jq -r '.entries[0].comment')" "comment after restore"
	expect 0 pg save --all
	grep -v '^#' <<<"$OUT" >"$TMP/s2"
	cmp "$TMP/s1" "$TMP/s2" || fail "save, restore, save changed the file: $(diff "$TMP/s1" "$TMP/s2")"
	# The escapes written by hand; an unknown one keeps its backslash.
	printf 'deny add 192.0.2.7 --comment "\\x41\\x3d\\t\\q\\x0z"\n' >"$TMP/hand"
	expect 0 pg restore "$TMP/hand"
	assert_eq $'A=\t\\q\\x0z' "$(pg -j deny list | jq -r '.entries[0].comment')" "hand-written escapes"
}
