# SPDX-License-Identifier: GPL-2.0
# Named lists at scale, from the CLI only (no traffic): add/del/list/flush per
# list, `lists`, `load` of blocklist formats and its line errors, capacity,
# save/load and save --all/restore round trips, port-scoped rule input.

# The kind and the list name in JSON results: {"kind": "deny", "list": NAME}
# or {"list": "deny", "list_name": NAME}; either spelling is accepted.
LST_JKIND='(.kind // .list)'
LST_JNAME='(.list_name // .list)'

# Everything a failed command must leave as it was: both kinds' entries and
# the lists (with their counters and load times). Remaining TTLs tick, so
# they are left out.
lst_state() {
	{ pg -j deny list; pg -j allow list; } |
		jq -c '.entries | map(del(.expires_in, .last_hit_ago))'
	pg -j lists | jq -c .lists
}

# The rule set as restore must give it back: entries (lists sorted, whether
# they have a TTL) and the lists' names and sizes, without ids, counters and
# load times.
lst_ruleset() {
	local k
	for k in deny allow; do
		pg -j "$k" list | jq -c '[.entries[] | {prefix, family, proto, port_lo, port_hi,
			lists: (.lists | sort), comment, ttl: (.expires_in != null)}] | sort_by(.prefix, .proto, .port_lo)'
	done
	pg -j lists | jq -c '[.lists[] | {kind, name, entries, entries_v4, entries_v6}] | sort_by(.kind, .name)'
}

# lst_prefixes KIND [LIST]: the sorted prefixes (address entries only).
lst_prefixes() {
	if [ $# -gt 1 ]; then
		pg -j "$1" list --list "$2"
	else
		pg -j "$1" list
	fi | jq -r '.entries[] | select(.proto == null) | .prefix' | sort
}

# lst_list KIND NAME: that list's object from `lists -j` ("null" if none).
lst_list() {
	pg -j lists | jq -c --arg k "$1" --arg n "$2" \
		'[.lists[] | select(.kind == $k and .name == $n)] | .[0]'
}

# lst_entry KIND PREFIX: the entry's JSON object (address entries).
lst_entry() {
	pg -j "$1" list | jq -c --arg p "$2" '.entries[] | select(.prefix == $p and .proto == null)'
}

# lst_gen_prefixes SEED COUNT: COUNT random draws of mixed IPv4/IPv6 prefixes,
# printed as "INPUT<TAB>NORMALISED". Inputs have host bits set (often), bare
# host addresses, upper-case IPv6, the same prefix again with other host
# bits, and longer prefixes inside earlier ones. IPv6 groups are never zero
# and every IPv6 prefix length ends on a group or byte whose kept part is
# non-zero, so the canonical (RFC 5952) text of each normalised prefix is
# known without an address library.
lst_gen_prefixes() {
	awk -v seed="$1" -v count="$2" '
	function ip4(x) {
		return sprintf("%d.%d.%d.%d", int(x / 16777216) % 256, int(x / 65536) % 256,
			int(x / 256) % 256, x % 256)
	}
	function h16() { return sprintf("%x", 1 + int(rand() * 65535)) }
	function v4(   len, a, blk, net, norm, l2, b2, inner) {
		len = 8 + int(rand() * 25)
		a = (1 + int(rand() * 223)) * 16777216 + int(rand() * 16777216)
		blk = 2 ^ (32 - len)
		net = int(a / blk) * blk
		norm = ip4(net) "/" len
		if (len == 32 && rand() < 0.5)
			print ip4(a) "\t" norm
		else if (rand() < 0.6)
			print ip4(a) "/" len "\t" norm
		else
			print norm "\t" norm
		if (len <= 24 && rand() < 0.25) {	# a longer prefix inside this one
			l2 = len + 4 + int(rand() * 4)
			b2 = 2 ^ (32 - l2)
			inner = net + int(rand() * 2 ^ (l2 - len)) * b2
			print ip4(inner + int(rand() * b2)) "/" l2 "\t" ip4(inner) "/" l2
		}
		if (rand() < 0.1)	# the same prefix again, other host bits
			print ip4(net + int(rand() * blk)) "/" len "\t" norm
	}
	function v6(   c, g, i, full, norm, hb, len) {
		for (i = 1; i <= 8; i++)
			g[i] = h16()
		c = int(rand() * 5)
		if (c == 0) {
			norm = g[1] ":" g[2] "::/32"; len = 32
		} else if (c == 1) {
			norm = g[1] ":" g[2] ":" g[3] "::/48"; len = 48
		} else if (c == 2) {
			hb = 1 + int(rand() * 255)
			g[4] = sprintf("%x", hb * 256 + int(rand() * 256))
			norm = g[1] ":" g[2] ":" g[3] ":" sprintf("%x", hb * 256) "::/56"; len = 56
		} else if (c == 3) {
			norm = g[1] ":" g[2] ":" g[3] ":" g[4] "::/64"; len = 64
		} else {
			norm = g[1] ":" g[2] ":" g[3] ":" g[4] ":" g[5] ":" g[6] ":" g[7] ":" g[8] "/128"
			len = 128
		}
		full = g[1]
		for (i = 2; i <= 8; i++)
			full = full ":" g[i]
		if (len == 128 && rand() < 0.5)
			full = full
		else if (rand() < 0.6)
			full = full "/" len
		else
			full = norm
		if (rand() < 0.2)
			full = toupper(full)
		print full "\t" norm
		if (rand() < 0.1)
			print norm "\t" norm
	}
	BEGIN {
		srand(seed)
		for (n = 0; n < count; n++)
			if (rand() < 0.65) v4(); else v6()
	}'
}

# --- named lists ---------------------------------------------------------------

test_lists_named_add_del_list_flush() {
	expect 0 pg deny add 192.0.2.0/24 10.1.2.3/8 2001:db8:f::/48 --list feed --comment "from feed"
	assert_contains "$OUT" "added 10.0.0.0/8 to deny list feed (normalised from 10.1.2.3/8)"
	expect 0 pg deny add 192.0.2.0/24 203.0.113.9
	expect 0 pg allow add 192.0.2.7 --list feed
	# One entry, two lists: listed once, with both names.
	expect 0 pg -j deny list
	assert_eq deny "$(echo "$OUT" | jq -r "$LST_JKIND")" "kind"
	assert_eq '[["10.0.0.0/8",["feed"]],["192.0.2.0/24",["feed","manual"]],["203.0.113.9/32",["manual"]],["2001:db8:f::/48",["feed"]]]' \
		"$(echo "$OUT" | jq -c '[.entries[] | [.prefix, (.lists | sort)]]')" "entries and their lists"
	assert_eq '[null]' "$(echo "$OUT" | jq -c '[.entries[].proto] | unique')" "address entries"
	assert_eq "from feed" "$(lst_entry deny 192.0.2.0/24 | jq -r .comment)" "comment of the shared entry"
	id=$(lst_entry deny 192.0.2.0/24 | jq .rule_id)
	assert_eq '10.0.0.0/8 192.0.2.0/24 2001:db8:f::/48' "$(lst_prefixes deny feed | xargs)" "deny list --list feed"
	assert_eq '192.0.2.0/24 203.0.113.9/32' "$(lst_prefixes deny manual | xargs)" "deny list --list manual"
	assert_eq '192.0.2.7/32' "$(lst_prefixes allow feed | xargs)" "allow list --list feed"
	expect 0 pg deny list
	assert_eq "PREFIX PORTS LISTS EXPIRES PACKETS BYTES LAST-HIT COMMENT" \
		"$(echo "$OUT" | head -n1 | xargs)" "deny list header"
	assert_contains "$(echo "$OUT" | grep '^192.0.2.0/24 ' | xargs)" "192.0.2.0/24 - manual,feed never 0 0 never from feed"

	# lists: a manual list per kind, made lists with their sizes.
	expect 0 pg lists
	assert_eq "KIND NAME IPV4 IPV6 PACKETS BYTES LOADED SOURCE" "$(echo "$OUT" | head -n1 | xargs)" "lists header"
	assert_contains "$(echo "$OUT" | xargs -L1 echo)" "deny feed 2 1 0 0 - -"
	expect 0 pg -j lists
	assert_eq '[["allow","feed",1,1,0],["allow","manual",0,0,0],["deny","feed",3,2,1],["deny","manual",2,2,0]]' \
		"$(echo "$OUT" | jq -c '[.lists[] | [.kind, .name, .entries, .entries_v4, .entries_v6]] | sort')" "lists"
	assert_eq 4 "$(echo "$OUT" | jq '[.lists[].id] | unique | length')" "distinct list ids"
	assert_eq '[0]' "$(echo "$OUT" | jq -c '[.lists[].packets, .lists[].bytes] | unique')" "fresh list counters"

	# del takes the entry out of the one list named; it stays for the other.
	before=$(lst_state)
	expect 1 pg deny del 10.0.0.0/8
	assert_contains "$ERR" "10.0.0.0/8 is not in the deny list manual (it is in: feed); nothing was deleted"
	expect 1 pg deny del 203.0.113.9 192.0.2.0/24 10.0.0.0/8 --list feed
	assert_contains "$ERR" "203.0.113.9/32 is not in the deny list feed (it is in: manual); nothing was deleted"
	expect 1 pg deny del 198.51.100.1 --list feed
	assert_contains "$ERR" "198.51.100.1/32 is not in the deny list feed; nothing was deleted"
	expect 1 pg allow del 192.0.2.0/24 --list feed
	assert_eq "$before" "$(lst_state)" "state after refused deletions"
	expect 0 pg deny del 192.0.2.0/24 --list feed
	assert_contains "$OUT" "deleted 192.0.2.0/24 from deny list feed"
	assert_eq '["manual"]' "$(lst_entry deny 192.0.2.0/24 | jq -c .lists)" "lists of the entry left in manual"
	assert_eq "$id" "$(lst_entry deny 192.0.2.0/24 | jq .rule_id)" "rule id kept"
	assert_eq "from feed" "$(lst_entry deny 192.0.2.0/24 | jq -r .comment)" "comment kept"
	assert_eq 2 "$(lst_list deny feed | jq .entries)" "feed size after del"
	expect 0 pg deny del 192.0.2.0/24
	assert_eq "" "$(lst_entry deny 192.0.2.0/24)" "entry after its last list let go"

	# Names are checked.
	expect 2 pg deny add 192.0.2.1 --list "bad name"
	expect 2 pg deny add 192.0.2.1 --list ""
	expect 2 pg deny add 192.0.2.1 --list "$(printf 'x%.0s' $(seq 40))"
	expect 1 pg deny list --list nosuch
	assert_contains "$ERR" "there is no deny list named 'nosuch'"
	expect 1 pg flush deny --list nosuch
	assert_contains "$ERR" "there is no deny list named 'nosuch'"

	# flush --list empties that list only and removes it.
	pg deny add 203.0.113.9 --list feed >/dev/null
	expect 0 pg flush deny --list feed
	assert_eq null "$(lst_list deny feed)" "deny list feed after flush"
	assert_eq '203.0.113.9/32' "$(lst_prefixes deny | xargs)" "deny entries after flush --list feed"
	assert_eq '["manual"]' "$(lst_entry deny 203.0.113.9/32 | jq -c .lists)" "shared entry after flush"
	assert_eq '192.0.2.7/32' "$(lst_prefixes allow feed | xargs)" "allow list feed untouched"
	# flush of a kind empties all of its lists, and only that kind.
	pg deny add 198.51.100.0/24 --list other >/dev/null
	expect 0 pg flush deny
	assert_eq "" "$(lst_prefixes deny)" "deny after flush deny"
	assert_eq '192.0.2.7/32' "$(lst_prefixes allow | xargs)" "allow after flush deny"
}

test_lists_nested_prefixes_are_distinct_entries() {
	# A longer prefix inside an existing shorter one is an entry of its
	# own: not "the existing entry", which an LPM lookup would return.
	pg deny add 10.0.0.0/8 --comment wide --ttl 1h --list feed >/dev/null
	pg deny add 2001:db8::/32 --comment wide6 --list feed >/dev/null
	id=$(lst_entry deny 10.0.0.0/8 | jq .rule_id)
	expect 0 pg deny add 10.1.0.0/16 2001:db8:1::/48 --comment narrow
	assert_not_contains "$OUT" "updated existing entry"
	expect 0 pg -j deny list
	assert_eq '[["10.0.0.0/8",["feed"],"wide",true],["10.1.0.0/16",["manual"],"narrow",false],["2001:db8::/32",["feed"],"wide6",false],["2001:db8:1::/48",["manual"],"narrow",false]]' \
		"$(echo "$OUT" | jq -c '[.entries[] | [.prefix, .lists, .comment, (.expires_in != null)]]')" \
		"nested entries with their own lists, comments and TTLs"
	assert_eq 4 "$(echo "$OUT" | jq '[.entries[].rule_id] | unique | length')" "distinct rule ids"
	assert_eq 2 "$(lst_list deny feed | jq .entries)" "feed size"
	# Deleting a prefix that is not there, inside one that is, deletes nothing.
	before=$(lst_state)
	expect 1 pg deny del 10.2.0.0/16 --list feed
	assert_contains "$ERR" "10.2.0.0/16 is not in the deny list feed; nothing was deleted"
	expect 1 pg deny del 10.0.0.0/16
	assert_contains "$ERR" "10.0.0.0/16 is not in the deny list manual"
	assert_eq "$before" "$(lst_state)" "state after deleting absent nested prefixes"
	assert_eq "$id" "$(lst_entry deny 10.0.0.0/8 | jq .rule_id)" "rule id of the /8"
}

test_lists_refused_add_leaves_no_new_list() {
	# An add that is refused changes nothing: not even the list it
	# would have made.
	pg --capacity 4 deny add 10.0.0.0/8 proto tcp port 22 >/dev/null
	before=$(lst_state)
	expect 1 pg deny add 10.0.0.0/8 proto tcp port 20-30 --list overlap
	assert_contains "$ERR" "overlaps rule"
	assert_eq "$before" "$(lst_state)" "state after an overlapping add into a new list"
	expect 1 pg deny add 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5 --list full
	assert_contains "$ERR" "is full (capacity 4 entries); nothing was added"
	assert_eq "$before" "$(lst_state)" "state after an add over capacity into a new list"
}

# --- load -----------------------------------------------------------------------

test_lists_load_formats() {
	# Comments (# and ;, whole-line and trailing), blank lines, CRLF,
	# tabs, host bits, duplicates, IPv4 and IPv6 mixed.
	printf '# my list\r\n; also a comment\r\n\r\n1.2.3.0/24 ; SBL123\r\n5.6.7.8\r\n' >"$TMP/plain.txt"
	printf '\t9.9.9.9/24  # host bits, trailing comment\n2001:DB8:1::1/48\n1.2.3.0/24\n   \n' >>"$TMP/plain.txt"
	expect 0 pg -j load "$TMP/plain.txt" --list plain
	assert_eq '{"file":"'"$TMP"'/plain.txt","read":5,"normalised":2,"kind":"deny","list":"plain","replace":false,"added":4,"removed":0,"entries":4,"entries_v4":3,"entries_v6":1}' \
		"$(echo "$OUT" | jq -c "{file, read, normalised, kind: $LST_JKIND, list: $LST_JNAME, replace, added, removed, entries, entries_v4, entries_v6}")" \
		"load summary"
	echo "$OUT" | jq -e '.seconds >= 0' >/dev/null || fail "no seconds in $OUT"
	assert_eq '1.2.3.0/24 2001:db8:1::/48 5.6.7.8/32 9.9.9.0/24' "$(lst_prefixes deny plain | xargs)" "plain list"
	# Loaded entries have no per-rule counter; the list counts for them.
	assert_eq '[0]' "$(pg -j deny list --list plain | jq -c '[.entries[].rule_id] | unique')" "rule ids"
	# Again: nothing new.
	expect 0 pg load "$TMP/plain.txt" --list plain
	assert_contains "$OUT" "loaded $TMP/plain.txt: 5 entries read"
	assert_contains "$OUT" "into deny list plain"
	assert_contains "$OUT" "0 added, 0 removed; the list holds 4 (IPv4 3, IPv6 1) in "

	# FireHOL netset, with its header.
	cat >"$TMP/firehol_level1.netset" <<-'EOF'
	#
	# firehol_level1
	#
	# ipv4 hash:net ipset
	#
	# A firewall blacklist composed from IP lists
	#
	# Maintainer      : FireHOL
	# Maintainer URL  : http://iplists.firehol.org/
	#
	# Source File Date: Thu Nov 21 09:13:05 UTC 2024
	#
	# This File has 3 entries
	#
	0.0.0.0/8
	1.10.16.0/20
	223.254.0.0/16
	EOF
	expect 0 pg load "$TMP/firehol_level1.netset" --list firehol
	assert_eq '0.0.0.0/8 1.10.16.0/20 223.254.0.0/16' "$(lst_prefixes deny firehol | xargs)" "FireHOL list"

	# Spamhaus DROP text and DROPv6 (";" comments, SBL ids after the prefix).
	cat >"$TMP/drop.txt" <<-'EOF'
	; Spamhaus DROP List 2024/11/21 - (c) 2024 The Spamhaus Project SLU
	; https://www.spamhaus.org/drop/drop.txt
	; Last-Modified: Thu, 21 Nov 2024 09:09:10 GMT
	; Expires: Thu, 21 Nov 2024 10:09:48 GMT
	1.10.16.0/20 ; SBL256894
	1.19.0.0/16 ; SBL434604
	2001:db8:77::/48 ; SBL500000
	EOF
	expect 0 pg load "$TMP/drop.txt" --list drop
	assert_eq '1.10.16.0/20 1.19.0.0/16 2001:db8:77::/48' "$(lst_prefixes deny drop | xargs)" "DROP list"

	# Spamhaus DROP NDJSON, metadata line included.
	cat >"$TMP/drop_v4.json" <<-'EOF'
	{"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}
	{"cidr":"2001:db8:78::/48","sblid":"SBL434604","rir":"ripencc"}
	{"cidr":"5.134.128.0/19","sblid":"SBL270738","rir":"ripencc"}
	{"type":"metadata","timestamp":1732180150,"size":3,"records":3,"copyright":"(c) 2024 The Spamhaus Project SLU","terms":"https://www.spamhaus.org/drop/terms/"}
	EOF
	expect 0 pg -j load "$TMP/drop_v4.json" --list dropjson
	assert_eq 3 "$(echo "$OUT" | jq .read)" "NDJSON entries read"
	assert_eq '1.10.16.0/20 2001:db8:78::/48 5.134.128.0/19' "$(lst_prefixes deny dropjson | xargs)" "NDJSON list"

	# Standard input.
	printf '203.0.113.0/24\n2001:db8:9::/64\n' >"$TMP/stdin"
	expect 0 pg load - --list stdin <"$TMP/stdin"
	assert_eq '2001:db8:9::/64 203.0.113.0/24' "$(lst_prefixes deny stdin | xargs)" "list from stdin"

	# The allow kind, and a TTL for every entry of a load.
	expect 0 pg load "$TMP/drop.txt" --allow --list good --ttl 1h
	assert_eq '1.10.16.0/20 1.19.0.0/16 2001:db8:77::/48' "$(lst_prefixes allow good | xargs)" "allow list"
	ttls=$(pg -j allow list --list good | jq -c '[.entries[].expires_in | . > 3590 and . <= 3600] | unique')
	assert_eq '[true]' "$ttls" "TTLs of a load --ttl"
	assert_eq "" "$(lst_prefixes deny good)" "no deny list good"

	# 1.10.16.0/20 is in three deny lists now.
	assert_eq '["drop","dropjson","firehol"]' "$(lst_entry deny 1.10.16.0/20 | jq -c '.lists | sort')" "shared entry"
	expect 0 pg -j lists
	assert_eq '[["deny","drop",3,2,1],["deny","dropjson",3,2,1],["deny","firehol",3,3,0],["deny","plain",4,3,1],["deny","stdin",2,1,1],["allow","good",3,2,1]]' \
		"$(echo "$OUT" | jq -c '[.lists[] | select(.name != "manual") | [.kind, .name, .entries, .entries_v4, .entries_v6]] | sort_by(.[0] != "deny", .[1])')" \
		"list sizes"
	assert_eq "$TMP/drop.txt" "$(echo "$OUT" | jq -r '.lists[] | select(.name == "drop") | .source')" "source of a file"
	assert_eq "<stdin>" "$(echo "$OUT" | jq -r '.lists[] | select(.name == "stdin") | .source')" "source of stdin"
	echo "$OUT" | jq -e '.lists[] | select(.name == "drop") | .loaded | test("^[0-9]{4}-")' >/dev/null ||
		fail "no load time: $OUT"
	assert_eq null "$(echo "$OUT" | jq '.lists[] | select(.kind == "deny" and .name == "manual") | .loaded')" \
		"manual list was never loaded"
}

test_lists_load_replace_semantics() {
	printf '192.0.2.0/24\n198.51.100.0/24\n2001:db8:1::/48\n' >"$TMP/old"
	printf '198.51.100.0/24\n203.0.113.0/24\n' >"$TMP/new"
	pg load "$TMP/old" --list feed >/dev/null
	pg deny add 192.0.2.0/24 --comment "manual too" >/dev/null
	pg deny add 203.0.113.77 >/dev/null
	expect 0 pg -j load "$TMP/new" --list feed --replace
	assert_eq '{"replace":true,"added":1,"removed":2,"entries":2,"entries_v4":2,"entries_v6":0}' \
		"$(echo "$OUT" | jq -c '{replace, added, removed, entries, entries_v4, entries_v6}')" "replace summary"
	assert_eq '198.51.100.0/24 203.0.113.0/24' "$(lst_prefixes deny feed | xargs)" "feed is the new file"
	# The entry manual also holds stays, for manual only, with its comment.
	assert_eq '["manual"]' "$(lst_entry deny 192.0.2.0/24 | jq -c .lists)" "shared entry after replace"
	assert_eq "manual too" "$(lst_entry deny 192.0.2.0/24 | jq -r .comment)" "its comment"
	assert_eq '192.0.2.0/24 203.0.113.77/32' "$(lst_prefixes deny manual | xargs)" "manual untouched"
	expect 0 pg load "$TMP/new" --list feed --replace
	assert_contains "$OUT" "(replaced): 0 added, 0 removed; the list holds 2 (IPv4 2, IPv6 0)"

	# An empty file would empty the list: refused unless asked for.
	printf '# nothing here\n\n' >"$TMP/empty"
	before=$(lst_state)
	expect 1 pg load "$TMP/empty" --list feed --replace
	assert_contains "$ERR" "--allow-empty"
	assert_eq "$before" "$(lst_state)" "state after an empty --replace"
	expect 0 pg load "$TMP/empty" --list feed --replace --allow-empty
	assert_eq "" "$(lst_prefixes deny feed)" "feed after --allow-empty"
	assert_eq '192.0.2.0/24 203.0.113.77/32' "$(lst_prefixes deny | xargs)" "other entries"
}

test_lists_load_bad_lines_change_nothing() {
	pg deny add 192.0.2.1 --comment keep >/dev/null
	printf '10.0.0.0/8\n' | pg load - --list feed >/dev/null
	before=$(lst_state)
	check() {	# check LINE MESSAGE: LINE is line 5 of the file
		printf '# a list\r\n\r\n203.0.113.0/24 ; ok\r\n2001:db8::/32\r\n%s\r\n198.51.100.0/24\r\n' "$1" >"$TMP/bad.txt"
		for opts in "--list feed" "--list feed --replace" "--list brandnew" "--allow --list feed"; do
			# shellcheck disable=SC2086
			expect 2 pg load "$TMP/bad.txt" $opts
			assert_contains "$ERR" "$TMP/bad.txt:5: $2"
			assert_eq 1 "$(wc -l <<<"$ERR")" "lines of the error for '$1'"
			assert_contains "$ERR" "nothing was loaded"
			assert_eq "$before" "$(lst_state)" "state after '$1' ($opts)"
		done
	}
	check '1.2.3.999/24' "'1.2.3.999/24' is not an IPv4 or IPv6 prefix: "
	check '1.2.3.0/24 foo' "unexpected text after the prefix: 'foo'"
	check '1.2.3.4 5.6.7.8' "unexpected text after the prefix: '5.6.7.8'"
	check '1.2.3.0-1.2.3.255' "'1.2.3.0-1.2.3.255' is an address range"
	check '10.0.0.0 - 10.0.0.255' "'10.0.0.0 - 10.0.0.255' is an address range"
	check '1.2.3.4/33' "'1.2.3.4/33' is not an IPv4 or IPv6 prefix: prefix length must be 0-32"
	check '2001:db8::/129' "'2001:db8::/129' is not an IPv4 or IPv6 prefix: prefix length must be 0-128"
	check 'hello' "'hello' is not an IPv4 or IPv6 prefix"
	check '::g' "'::g' is not an IPv4 or IPv6 prefix"
	check '{"cidr":"1.2.3"}' "'1.2.3' is not an IPv4 or IPv6 prefix"
	check '{"cidr":1,"sblid":"SBL1"}' '"cidr" is not a string'
	check '{"cidr":"1.2.3.0/24"' "malformed JSON object"
	# The JSON form of the error.
	expect 2 pg -j load "$TMP/bad.txt" --list feed
	assert_contains "$(echo "$OUT" | jq -r .error)" "$TMP/bad.txt:5: malformed JSON object"
	expect 1 pg load "$TMP/no-such-file" --list feed
	assert_contains "$ERR" "cannot read $TMP/no-such-file"
	printf '1.2.3.999\n' >"$TMP/stdin"
	expect 2 pg load - --list feed <"$TMP/stdin"
	assert_contains "$ERR" ":1: '1.2.3.999' is not an IPv4 or IPv6 prefix"
	assert_contains "$ERR" "nothing was loaded"
	assert_eq "$before" "$(lst_state)" "state after all bad loads"
	expect 2 pg load "$TMP/bad.txt" --list "no spaces"
	expect 2 pg load
}

test_lists_capacity_overflow_refused() {
	expect 0 pg --capacity 100 -j status
	assert_eq '[100]' "$(echo "$OUT" | jq -c '[.lists[].capacity] | unique')" "capacity"
	for i in $(seq 0 59); do echo "10.0.$i.0/24"; done >"$TMP/a60"
	for i in $(seq 0 49); do echo "11.0.$i.0/24"; done >"$TMP/b50"
	for i in $(seq 0 89); do echo "12.0.$i.0/24"; done >"$TMP/c90"
	for i in $(seq 0 100); do echo "10.9.0.$i"; done >"$TMP/hosts101"
	expect 0 pg load "$TMP/a60" --list a
	pg deny add 192.0.2.0/24 --comment manual >/dev/null
	before=$(lst_state)
	# 61 + 50 prefixes > 100: refused, and list b is not left behind.
	expect 1 pg load "$TMP/b50" --list b
	assert_contains "$ERR" "capacity of 100"
	assert_contains "$ERR" "--capacity"
	assert_eq "$before" "$(lst_state)" "state after an overflowing load"
	assert_eq null "$(lst_list deny b)" "list b"
	expect 1 pg -j load "$TMP/b50" --list a
	assert_contains "$(echo "$OUT" | jq -r .error)" "capacity of 100"
	# Host entries have a table of their own, with the same capacity.
	expect 1 pg load "$TMP/hosts101" --list h
	assert_contains "$ERR" "capacity of 100"
	assert_eq "$before" "$(lst_state)" "state after an overflowing host load"
	# Replacing counts what the list will hold, not old + new.
	expect 0 pg load "$TMP/c90" --list a --replace
	assert_contains "$OUT" "the list holds 90"
	expect 1 pg load "$TMP/a60" --list a
	assert_contains "$ERR" "capacity of 100"
	# The allow kind and IPv6 have tables of their own.
	expect 0 pg load "$TMP/a60" --allow --list a
	for i in $(seq 0 99); do echo "2001:db8:$i::/48"; done >"$TMP/v6"
	expect 0 pg load "$TMP/v6" --list v6
	assert_eq 100 "$(lst_list deny v6 | jq .entries_v6)" "a full IPv6 table"
}

test_lists_save_load_round_trip_10k() {
	lst_gen_prefixes 7 10000 >"$TMP/pairs"
	cut -f1 "$TMP/pairs" >"$TMP/feed.txt"
	cut -f2 "$TMP/pairs" | sort -u >"$TMP/expected"
	lines=$(wc -l <"$TMP/feed.txt")
	[ "$lines" -ge 10000 ] || fail "generated only $lines lines"
	want=$(wc -l <"$TMP/expected")
	want6=$(grep -c : "$TMP/expected")
	expect 0 pg -j load "$TMP/feed.txt" --list big
	assert_eq "$lines $want $((want - want6)) $want6" \
		"$(echo "$OUT" | jq -r '"\(.read) \(.entries) \(.entries_v4) \(.entries_v6)"')" "read, entries, v4, v6"
	lst_prefixes deny big >"$TMP/got"
	diff -u "$TMP/expected" "$TMP/got" >"$TMP/diff" || fail "loaded set differs: $(head -20 "$TMP/diff")"

	expect 0 pg save --list big "$TMP/saved"
	assert_contains "$(head -n3 "$TMP/saved")" "pktgate deny list big"
	assert_eq "$want" "$(grep -cv '^#' "$TMP/saved")" "prefix lines saved"
	grep -v '^#' "$TMP/saved" | sort >"$TMP/saved.sorted"
	diff -u "$TMP/expected" "$TMP/saved.sorted" >"$TMP/diff" || fail "saved set differs: $(head -20 "$TMP/diff")"
	expect 0 pg save --list big --deny -
	assert_eq "$(grep -v '^#' "$TMP/saved")" "$(echo "$OUT" | grep -v '^#')" "save to stdout"

	# What save wrote loads into a second list as the identical set.
	expect 0 pg -j load "$TMP/saved" --list copy
	assert_eq "$want 0 $want" "$(echo "$OUT" | jq -r '"\(.read) \(.normalised) \(.entries)"')" "read, normalised, entries"
	lst_prefixes deny copy >"$TMP/copy"
	diff -u "$TMP/got" "$TMP/copy" >"$TMP/diff" || fail "copy differs: $(head -20 "$TMP/diff")"
	assert_eq '[["big","copy"]]' "$(pg -j deny list | jq -c '[.entries[].lists | sort] | unique')" \
		"every entry in both lists"
	assert_eq "$(lst_list deny big | jq -c '[.entries, .entries_v4, .entries_v6]')" \
		"$(lst_list deny copy | jq -c '[.entries, .entries_v4, .entries_v6]')" "sizes of big and copy"
	# Replacing a list with its own save changes nothing.
	expect 0 pg -j load "$TMP/saved" --list big --replace
	assert_eq "0 0 $want" "$(echo "$OUT" | jq -r '"\(.added) \(.removed) \(.entries)"')" "replace with own save"
	# Dropping one list leaves the other whole.
	expect 0 pg flush deny --list big
	lst_prefixes deny copy >"$TMP/copy2"
	diff -q "$TMP/got" "$TMP/copy2" >/dev/null || fail "copy changed when big went"
	assert_eq '[["copy"]]' "$(pg -j deny list | jq -c '[.entries[].lists] | unique')" "lists after flush of big"
}

# --- rule sets -------------------------------------------------------------------

test_lists_save_all_flush_restore() {
	lst_gen_prefixes 11 600 | cut -f1 >"$TMP/feed.txt"
	pg load "$TMP/feed.txt" --list feed >/dev/null
	printf '192.0.2.0/24\n198.51.100.0/24 ; SBL1\n2001:db8:bad::/48\n' | pg load - --list drop >/dev/null
	pg deny add 192.0.2.0/24 203.0.113.9 --comment 'both "lists" \ x' >/dev/null
	pg deny add 203.0.113.10 --ttl 2h >/dev/null
	pg deny add 10.0.0.0/8 2001:db8:2::/64 proto tcp port 22 --comment ssh >/dev/null
	pg deny add 10.0.0.0/8 proto udp port 1000-1010 --list drop >/dev/null
	pg deny add 172.16.0.0/12 proto udp >/dev/null
	pg allow add 192.0.2.7 --list good >/dev/null
	pg allow add 198.51.100.0/24 proto tcp port 443 --comment web >/dev/null
	pg config event-rate 321 >/dev/null
	want=$(lst_ruleset)
	expect 0 pg save --all "$TMP/rules"
	rules=$(cat "$TMP/rules")
	assert_contains "$rules" "config event-rate 321"
	assert_contains "$rules" "deny add 10.0.0.0/8 proto tcp port 22 --comment \"ssh\""
	assert_contains "$rules" "deny add 10.0.0.0/8 proto udp port 1000-1010 --list drop"
	assert_contains "$rules" "allow add 198.51.100.0/24 proto tcp port 443"
	assert_contains "$rules" "--list feed"
	echo "$rules" | grep -q '^deny add 203.0.113.10/32 --ttl 7[12][0-9][0-9]s$' ||
		fail "TTL line missing: $rules"

	# Lose everything (and gain a list and entries the file does not name).
	pg flush deny >/dev/null
	pg flush allow >/dev/null
	for l in feed drop; do pg flush deny --list "$l" >/dev/null; done
	pg flush allow --list good >/dev/null
	pg deny add 192.0.2.99 --list junk >/dev/null
	pg deny add 192.0.2.98 >/dev/null
	pg allow add 192.0.2.97 --list junk2 >/dev/null
	pg config event-rate 5 >/dev/null
	assert_eq null "$(lst_list deny feed)" "feed gone"
	expect 0 pg -j restore "$TMP/rules"
	assert_eq 0 "$(echo "$OUT" | jq .failed)" "failed lines"
	assert_eq "$want" "$(lst_ruleset)" "rule set after restore"
	assert_eq null "$(lst_list deny junk)" "list not in the file"
	assert_eq null "$(lst_list allow junk2)" "allow list not in the file"
	assert_eq 321 "$(pg -j config | jq .event_rate)" "event rate"
	ttl=$(lst_entry deny 203.0.113.10/32 | jq .expires_in)
	[ "$ttl" -gt 7100 ] && [ "$ttl" -le 7200 ] || fail "restored TTL $ttl"
	# Restoring again changes nothing; so does restoring from stdin.
	expect 0 pg -j restore "$TMP/rules"
	assert_eq 0 "$(echo "$OUT" | jq .removed)" "removed by a second restore"
	expect 0 pg restore - <"$TMP/rules"
	assert_eq "$want" "$(lst_ruleset)" "rule set after restoring twice"
	# And save --all of the restored set says the same (TTLs aside).
	pg save --all - | grep -v -e '^#' -e ' --ttl ' >"$TMP/rules2"
	grep -v -e '^#' -e ' --ttl ' "$TMP/rules" | diff -u - "$TMP/rules2" >"$TMP/diff" ||
		fail "save --all after restore differs: $(cat "$TMP/diff")"
}

test_lists_restore_bad_lines_change_nothing() {
	pg deny add 192.0.2.1 --list feed >/dev/null
	pg deny add 10.0.0.0/8 proto tcp port 22 >/dev/null
	before=$(lst_state)
	check() {	# check LINE3 MESSAGE
		printf 'deny add 198.51.100.1 --list other\ndeny add 192.0.2.0/24 --list feed\n%s\nallow add 192.0.2.10\n' \
			"$1" >"$TMP/bad"
		expect 2 pg restore "$TMP/bad"
		assert_contains "$ERR" "$TMP/bad:3: "
		assert_contains "$ERR" "$2"
		assert_eq "$before" "$(lst_state)" "state after '$1'"
	}
	check "deny add 10.0.0.0/8 proto sctp" "proto 'sctp'"
	check "deny add 10.0.0.0/8 proto tcp port 0" "port '0'"
	check "deny add 10.0.0.0/8 proto tcp port 70000" "port '70000'"
	check "deny add 10.0.0.0/8 proto tcp port 30-20" "'30-20'"
	check "deny add 10.0.0.0/8 proto tcp port 1-2000" "at most 1024"
	check "deny add 10.0.0.0/8 port 22" "'port' needs a protocol"
	check "allow add 10.0.0.0/8 --list \"a b\"" "list name 'a b'"
}

test_lists_restore_overlapping_port_rules_refused() {
	# deny add refuses a port range overlapping another on the same
	# prefix; restore must not quietly let the later line win.
	pg deny add 192.0.2.1 >/dev/null
	before=$(lst_state)
	printf 'deny add 10.0.0.0/8 proto tcp port 22 --comment a\ndeny add 10.0.0.0/8 proto tcp port 20-30 --comment b\n' \
		>"$TMP/overlap"
	expect 1 pg restore "$TMP/overlap"
	assert_contains "$ERR" "$TMP/overlap:2: "
	assert_contains "$ERR" "overlaps"
	assert_eq "$before" "$(lst_state)" "state after an overlapping rule set"
}

# --- port-scoped rules ---------------------------------------------------------

test_lists_port_rules_cli() {
	expect 0 pg deny add 10.1.2.3/8 2001:db8:2::/64 proto tcp port 22 --comment ssh
	assert_contains "$OUT" "added 10.0.0.0/8 tcp/22 to deny"
	assert_contains "$OUT" "added 2001:db8:2::/64 tcp/22 to deny"
	expect 0 pg deny add 10.0.0.0/8 proto udp port 1000-1010 --list feed
	expect 0 pg deny add 10.0.0.0/8 proto tcp port 1024-2047
	expect 0 pg deny add 172.16.0.0/12 proto udp
	expect 0 pg deny add 10.0.0.0/8
	expect 0 pg -j deny list
	assert_eq '[["10.0.0.0/8",null,null,null,["manual"]],["10.0.0.0/8","tcp",22,22,["manual"]],["10.0.0.0/8","tcp",1024,2047,["manual"]],["10.0.0.0/8","udp",1000,1010,["feed"]],["172.16.0.0/12","udp",0,0,["manual"]],["2001:db8:2::/64","tcp",22,22,["manual"]]]' \
		"$(echo "$OUT" | jq -c '[.entries[] | [.prefix, .proto, .port_lo, .port_hi, .lists]] | sort_by(.[0], .[1] // "", .[2])')" \
		"port-scoped entries"
	expect 0 pg deny list
	assert_contains "$(echo "$OUT" | grep 'tcp/22 ' | head -n1 | xargs)" "10.0.0.0/8 tcp/22 manual never 0 0 never ssh"
	assert_contains "$OUT" "udp/1000-1010"
	assert_contains "$(echo "$OUT" | grep '^172.16.0.0/12' | xargs)" "172.16.0.0/12 udp manual"

	before=$(lst_state)
	bad() {	# bad MESSAGE ARGS...: a usage error that changes nothing
		local msg=$1
		shift
		expect 2 pg deny add 10.0.0.0/8 "$@"
		assert_contains "$ERR" "$msg"
		expect 2 pg allow add 192.0.2.0/24 "$@"
		expect 2 pg deny del 10.0.0.0/8 "$@"
		assert_eq "$before" "$(lst_state)" "state after '$*'"
	}
	bad "proto 'sctp'" proto sctp
	bad "'port' is for tcp or udp" proto icmp port 22
	bad "'proto' needs tcp" proto
	bad "'port' needs a protocol first" port 22
	bad "port '0'" proto tcp port 0
	bad "port '70000'" proto tcp port 70000
	bad "port '65536'" proto udp port 65536
	bad "port range '30-20' ends before it starts" proto tcp port 30-20
	bad "spans 2000 ports; a rule takes at most 1024" proto tcp port 1-2000
	bad "at most 1024" proto udp port 5000-6024
	bad "port 'ssh'" proto tcp port ssh
	bad "'port' needs a port or a range" proto tcp port
	expect 2 pg -j deny add 10.0.0.0/8 proto tcp port 0
	assert_contains "$(echo "$OUT" | jq -r .error)" "port '0'"

	# Overlapping ranges on one prefix: refused, naming the other rule.
	id22=$(pg -j deny list | jq '.entries[] | select(.prefix == "10.0.0.0/8" and .port_lo == 22) | .rule_id')
	expect 1 pg deny add 10.0.0.0/8 proto tcp port 20-25
	assert_contains "$ERR" "10.0.0.0/8 tcp/20-25 overlaps rule $id22 (tcp/22)"
	expect 1 pg deny add 10.0.0.0/8 proto tcp port 2000-2100
	assert_contains "$ERR" "overlaps rule"
	assert_contains "$ERR" "(tcp/1024-2047)"
	expect 1 pg deny add 10.0.0.0/8 proto udp port 1010 --list feed
	assert_contains "$ERR" "(udp/1000-1010)"
	assert_eq "$before" "$(lst_state)" "state after overlapping adds"
	# The same range again updates the rule; the bounds are fine.
	expect 0 pg deny add 10.0.0.0/8 proto tcp port 22 --comment "ssh again"
	assert_contains "$OUT" "updated existing entry"
	expect 0 pg deny add 10.0.0.0/8 proto tcp port 65535
	expect 0 pg deny add 10.0.0.0/8 proto udp port 2000-3023
	assert_eq '["ssh again"]' "$(pg -j deny list | jq -c '[.entries[] | select(.prefix == "10.0.0.0/8" and .port_lo == 22) | .comment]')" \
		"updated comment"

	# del names the protocol and range; an address del leaves port rules.
	expect 1 pg deny del 10.0.0.0/8 proto tcp port 23
	assert_contains "$ERR" "10.0.0.0/8 tcp/23 is not in the deny list manual; nothing was deleted"
	expect 1 pg deny del 10.0.0.0/8 proto udp port 1000-1010
	assert_contains "$ERR" "(it is in: feed)"
	expect 0 pg deny del 10.0.0.0/8 proto udp port 1000-1010 --list feed
	expect 0 pg deny del 10.0.0.0/8
	expect 0 pg -j deny list
	assert_eq '[["10.0.0.0/8","tcp",22],["10.0.0.0/8","tcp",1024],["10.0.0.0/8","tcp",65535],["10.0.0.0/8","udp",2000],["172.16.0.0/12","udp",0],["2001:db8:2::/64","tcp",22]]' \
		"$(echo "$OUT" | jq -c '[.entries[] | [.prefix, .proto, .port_lo]] | sort_by(.[0], .[1], .[2])')" "after deletions"
	# A list file holds addresses only: save --list says what it leaves out.
	expect 0 pg save
	assert_contains "$ERR" "port-scoped"
	assert_eq "" "$(echo "$OUT" | grep -v '^#' || true)" "address lines saved"
}

test_lists_no_counter_entries() {
	# --no-counter: counted per list only, as load does; a comment needs
	# the rule's own counter, so asking for both is refused.
	expect 0 pg deny add 192.0.2.1 --no-counter --list feed
	assert_eq 0 "$(pg -j deny list | jq '.entries[0].rule_id')" "rule id"
	before=$(pg -j deny list)
	expect 2 pg deny add 192.0.2.2 --no-counter --comment x
	assert_contains "$ERR" "leave out --no-counter or --comment"
	assert_eq "$before" "$(pg -j deny list)" "entries after a refused add"
}

test_lists_port_range_deleted_as_a_whole() {
	# A range is one rule: deleting part of it is refused, so the rule
	# never shows ports it no longer has.
	expect 0 pg deny add 10.0.0.0/8 proto tcp port 20-30
	before=$(pg -j deny list)
	expect 1 pg deny del 10.0.0.0/8 proto tcp port 22
	assert_contains "$ERR" "10.0.0.0/8 tcp/22 is part of rule"
	assert_contains "$ERR" "(ports 20-30)"
	assert_eq "$before" "$(pg -j deny list)" "entries after a refused partial delete"
	expect 0 pg deny del 10.0.0.0/8 proto tcp port 20-30
	assert_eq 0 "$(pg -j deny list | jq '.entries | length')" "entries after deleting the range"
}

test_lists_load_of_nothing_refused() {
	# A feed that yields no entries (objects without "cidr", only
	# comments, an empty download) is refused as --replace already was:
	# it must not pass for a fresh load, nor make a list.
	pg load - --list feed <<<"192.0.2.0/24" >/dev/null
	before=$(lst_state)
	printf '{"type":"metadata","timestamp":1700000000}\n{"sblid":"SBL1","rir":"arin"}\n' >"$TMP/nocidr.json"
	printf '# list\n; nothing\n\n' >"$TMP/comments"
	: >"$TMP/empty"
	for f in "$TMP/nocidr.json" "$TMP/comments" "$TMP/empty"; do
		for opts in "--list feed" "--list brandnew" "--allow --list feed"; do
			# shellcheck disable=SC2086
			expect 1 pg load "$f" $opts
			assert_eq "pktgate: $f holds no entries: nothing was loaded (give --allow-empty if that is meant)" \
				"$ERR" "message for $f ($opts)"
			assert_eq "$before" "$(lst_state)" "state after loading $f ($opts)"
		done
	done
	expect 1 pg -j load - --list feed </dev/null
	assert_eq "<stdin> holds no entries: nothing was loaded (give --allow-empty if that is meant)" \
		"$(echo "$OUT" | jq -r .error)" "JSON error for an empty stdin"
	assert_eq "$before" "$(lst_state)" "state after an empty stdin"
	# Asked for, an empty load is a load: the list is made and stamped.
	expect 0 pg load "$TMP/nocidr.json" --list brandnew --allow-empty
	assert_contains "$OUT" "0 entries read"
	assert_eq 0 "$(pg -j lists | jq '.lists[] | select(.name == "brandnew") | .entries')" "new empty list"
	assert_eq '192.0.2.0/24' "$(lst_prefixes deny feed | xargs)" "feed untouched"
}
