# SPDX-License-Identifier: GPL-2.0
# Install tests: `make install`/`uninstall` with DESTDIR and PREFIX, the
# installed binary running on its own (source tree hidden), the man page,
# and the bash completion.

# install_root: `make install` into $TMP/root with PREFIX=/usr; sets ROOT.
# Like the other tests it takes $BUILD/pktgate as built (-o: not remade, so a
# source file being edited does not matter); see the dry run below for
# install building it first.
install_root() {
	ROOT=$TMP/root
	make -s --no-print-directory -C "$TOP" -o "$BUILD/pktgate" O="$BUILD" install DESTDIR="$ROOT" \
		PREFIX=/usr >"$TMP/make.log" 2>&1 ||
		fail "make install failed: $(cat "$TMP/make.log")"
}

# hidden CMD...: run CMD from /, with the source tree under an empty tmpfs
# (in a mount namespace of its own) and only the installed sbin and the
# system directories in PATH, so nothing of the tree can be found.
hidden() {
	unshare --mount --propagation private -- /bin/sh -c '
		root=$1 top=$2
		shift 2
		mount -t tmpfs pktgate-tree-hidden "$top" || exit 99
		cd / || exit 99
		exec env -i PATH="$root/usr/sbin:/usr/sbin:/usr/bin:/sbin:/bin" \
			PKTGATE_PIN_PATH="$PKTGATE_PIN_PATH" "$@"' sh "$ROOT" "$TOP" "$@"
}

# ipg ARGS...: the installed pktgate, found through PATH, tree hidden.
ipg() {
	hidden pktgate "$@"
}

# xdp_count REASON: XDP packets of REASON in the `-j stats --iface` in $OUT.
xdp_count() {
	echo "$OUT" | jq -e --arg r "$1" \
		'.interfaces[0].hooks[] | select(.hook == "xdp") | .reasons[$r].packets'
}

test_install_relocated() {
	local a=pgi$$a b=pgi$$b files
	# install builds the binary first when it is missing (dry run, empty O).
	expect 0 make -n --no-print-directory -C "$TOP" install O="$TMP/o" DESTDIR="$TMP/dry" PREFIX=/usr
	assert_contains "$OUT" "-o $TMP/o/pktgate"
	assert_contains "$OUT" "install -D -m 0755 $TMP/o/pktgate $TMP/dry/usr/sbin/pktgate"
	[[ "${OUT%%install -D*}" == *"-o $TMP/o/pktgate"* ]] || fail "install before link: $OUT"

	install_root
	files=$(cd "$ROOT" && find . -type f | sort | xargs)
	assert_eq "./usr/lib/systemd/system/pktgate.service ./usr/sbin/pktgate ./usr/share/bash-completion/completions/pktgate ./usr/share/man/man8/pktgate.8" \
		"$files" "installed files"
	[ -x "$ROOT/usr/sbin/pktgate" ] || fail "installed pktgate is not executable"
	cmp -s "$BUILD/pktgate" "$ROOT/usr/sbin/pktgate" || fail "installed binary differs from $BUILD/pktgate"

	# The installed binary runs with the tree out of reach.
	expect 0 hidden sh -c 'command -v pktgate; pwd; ls -A "$0"' "$TOP"
	assert_eq "$ROOT/usr/sbin/pktgate
/" "$OUT" "pktgate in PATH, cwd, and what is left of the tree"
	expect 0 ipg --version
	assert_contains "$OUT" "pktgate "

	# Two namespaces joined by a veth pair: A (192.0.2.1) pings B (.2).
	ip netns add "$a"
	defer ip netns del "$a"
	ip netns add "$b"
	defer ip netns del "$b"
	ip -n "$a" link add x0 type veth peer name y0 netns "$b"
	ip -n "$a" addr add 192.0.2.1/24 dev x0
	ip -n "$b" addr add 192.0.2.2/24 dev y0
	ip -n "$a" link set x0 up
	ip -n "$b" link set y0 up

	expect 0 ipg -n "$b" attach y0
	expect 0 ipg -n "$b" -j status
	assert_eq "y0 xdp" "$(echo "$OUT" | jq -r '.attached[] | "\(.ifname) \(.hook)"')" \
		"where pktgate is attached"
	# Attached and no rule: traffic passes.
	expect 0 nsenter --net="/run/netns/$a" ping -c 1 -W 2 192.0.2.2
	expect 0 ipg deny add 192.0.2.1 --comment relocated
	expect 1 nsenter --net="/run/netns/$a" ping -c 3 -W 1 -i 0.2 192.0.2.2
	assert_contains "$OUT" "3 packets transmitted, 0 received"
	expect 0 ipg -n "$b" -j stats --iface y0
	assert_eq 3 "$(xdp_count deny)" "deny count"
	[ "$(xdp_count default)" -ge 1 ] || fail "the ping before the rule was not counted"
	expect 0 ipg -j deny list
	assert_eq 3 "$(echo "$OUT" | jq '.entries[] | select(.prefix == "192.0.2.1/32") | .packets')" \
		"rule hits"
	expect 0 ipg -n "$b" detach y0

	expect 0 make -s --no-print-directory -C "$TOP" uninstall DESTDIR="$ROOT" PREFIX=/usr
	assert_eq "" "$(find "$ROOT" -type f)" "files left after uninstall"
	assert_eq "" "$(find "$ROOT" -type l)" "links left after uninstall"
}

# Every command path (deny add, flush, ...) and option `pktgate help` lists.
help_commands() {
	pg help | sed -n 's/^  pktgate \(\([a-z][a-z0-9-]*\)\( [a-z][a-z0-9-]*\)*\)\( .*\)\{0,1\}$/\1/p'
}

test_install_man_page_renders() {
	local cmds opts c o section
	cmds=$(help_commands)
	[ "$(echo "$cmds" | wc -l)" -ge 10 ] || fail "too few commands read from help: $cmds"
	opts=$(pg help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)

	# groff -ww: every warning enabled, none emitted.
	expect 0 groff -man -Tutf8 -ww "$TOP/doc/pktgate.8"
	assert_eq "" "$ERR" "groff warnings"
	expect 0 env MANWIDTH=200 MANPAGER=cat man --warnings -l "$TOP/doc/pktgate.8"
	assert_eq "" "$ERR" "man -l warnings"
	for section in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS MATCHING "VERDICT REASONS" \
		HOOKS FILES ENVIRONMENT "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -qx "$section" <<<"$OUT" || fail "no $section section"
	done
	assert_contains "$OUT" "pktgate - XDP/TC firewall"
	assert_contains "$OUT" "PKTGATE_PIN_PATH"
	assert_contains "$OUT" "xdp-filter(8)"
	# Every command has an entry of its own in COMMANDS, and every option of
	# the help is described.
	local commands
	commands=$(echo "$OUT" | sed -n '/^COMMANDS$/,/^[A-Z]/p')
	for c in $(echo "$cmds" | tr ' ' '~'); do
		c=${c//\~/ }
		echo "$commands" | grep -Eq "^       $c( |$)" || fail "command '$c' not in COMMANDS"
	done
	for o in $opts; do
		grep -q -- "$o\b" <<<"$OUT" || fail "option '$o' not in the man page"
	done
	# Every reason of the contract's list, with its action.
	local reasons
	reasons=$(reasons_of_contract)
	[ "$(echo "$reasons" | wc -l)" -ge 7 ] || fail "reasons not read from maps/pktgate.h"
	while read -r r act; do
		grep -Eq "^       $r +$act:" <<<"$OUT" || fail "reason '$r' ($act) not in the table"
	done <<<"$reasons"

	# Installed, man finds it in section 8.
	install_root
	expect 0 env MANWIDTH=200 MANPAGER=cat man --warnings -M "$ROOT/usr/share/man" 8 pktgate
	assert_eq "" "$ERR" "man warnings (installed page)"
	assert_contains "$OUT" "PKTGATE(8)"
}

# comp [--with-bash-completion] LINE: complete the end of LINE as bash
# does on TAB, with the installed completion file and the installed pktgate
# in PATH; prints the candidates sorted on one line. LINE is split into
# COMP_WORDS as bash splits it: at blanks, and around runs of '=' and ':'
# (COMP_WORDBREAKS), so "--tc=e" is "--tc" "=" "e".
comp() {
	local lib=""
	if [ "$1" = --with-bash-completion ]; then
		lib=/usr/share/bash-completion/bash_completion
		shift
	fi
	env PATH="${COMP_PATH:-$ROOT/usr/sbin}:$PATH" XDG_DATA_DIRS="$ROOT/usr/share" \
		bash --norc --noprofile -c '
		lib=$1 file=$2 line=$3
		if [ -n "$lib" ]; then
			. "$lib" || exit 1
			# As bash-completion loads it on first TAB, from XDG_DATA_DIRS.
			__load_completion pktgate || exit 1
		else
			. "$file" || exit 1
		fi
		complete -p pktgate | grep -q -- "-F _pktgate pktgate$" || exit 1
		COMP_WORDS=()
		for tok in $line; do
			while [[ $tok =~ ^([^=:]*)([=:]+)(.*)$ ]]; do
				[ -n "${BASH_REMATCH[1]}" ] && COMP_WORDS+=("${BASH_REMATCH[1]}")
				COMP_WORDS+=("${BASH_REMATCH[2]}")
				tok=${BASH_REMATCH[3]}
			done
			[ -n "$tok" ] && COMP_WORDS+=("$tok")
		done
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$line
		COMP_POINT=${#line}
		COMPREPLY=()
		_pktgate pktgate "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" ||
			exit 1
		printf "%s\n" "${COMPREPLY[@]}"' \
		bash "$lib" "$ROOT/usr/share/bash-completion/completions/pktgate" "$1" |
		sort | xargs
}

test_install_bash_completion() {
	local lib top
	install_root
	pg deny add 198.51.100.0/24 2001:db8::/32 >/dev/null
	for lib in "" --with-bash-completion; do
		assert_eq "deny detach" "$(comp $lib "pktgate de")" "pktgate de"
		assert_eq "add del list" "$(comp $lib "pktgate deny ")" "pktgate deny"
		assert_eq "--mode" "$(comp $lib "pktgate attach --m")" "pktgate attach --m"
		assert_eq "auto generic native" "$(comp $lib "pktgate attach lo --mode ")" \
			"pktgate attach lo --mode"
		# --opt=value: bash splits it at '=' and replaces what follows.
		assert_eq "auto generic native" "$(comp $lib "pktgate attach lo --mode=")" "--mode="
		assert_eq "egress" "$(comp $lib "pktgate attach lo --tc=e")" "--tc=e"
		assert_eq "allow deny" "$(comp $lib "pktgate flush ")" "pktgate flush"
		assert_eq "add del list" "$(comp $lib "pktgate -j d ")" "abbreviated command"
		assert_eq "--comment --help --list --match --no-counter --ttl" "$(comp $lib "pktgate d a 192.0.2.1 --")" \
			"options of deny add"
		assert_eq "--help --list --sort --zero" "$(comp $lib "pktgate deny list 2001:db8::/32 --")" \
			"options after a word split at ':'"
		assert_contains "$(comp $lib "pktgate attach ")" "lo"
		assert_contains "$(comp $lib "pktgate -")" "--pin-path"
		# del offers the list's entries, split at ':' as bash replaces them.
		assert_eq "198.51.100.0/24 2001:db8::/32" "$(comp $lib "pktgate deny del ")" \
			"entries to delete"
		assert_eq "/32" "$(comp $lib "pktgate deny del 2001:db8::")" "v6 entry"
	done

	# Top-level commands are exactly those of `pktgate help`.
	top=$(help_commands | cut -d' ' -f1 | sort -u | xargs)
	assert_eq "$top" "$(comp "pktgate ")" "commands offered"

	# Names come from `pktgate help` when TAB is pressed: a pktgate with a
	# command this file has never heard of gets it completed.
	mkdir "$TMP/fake"
	cat >"$TMP/fake/pktgate" <<-EOF
	#!/bin/sh
	"$ROOT/usr/sbin/pktgate" help
	printf '  pktgate frobnicate IFACE [--speed LEVEL]\n      frobnicate\n'
	printf '        --speed LEVEL          how fast (slow|fast)\n'
	printf '    -a, --at ADDR:PORT         where\n'
	EOF
	chmod +x "$TMP/fake/pktgate"
	assert_eq "frobnicate" "$(COMP_PATH=$TMP/fake comp "pktgate fr")" "new command"
	assert_eq "fast slow" "$(COMP_PATH=$TMP/fake comp "pktgate frob lo --speed ")" \
		"new option values"
	# -a takes a value: the word after it is not the IFACE.
	assert_eq "" "$(COMP_PATH=$TMP/fake comp "pktgate frob -a ")" "value of -a"
	assert_contains "$(COMP_PATH=$TMP/fake comp "pktgate frob -a [::1]:2 ")" "lo"
	assert_eq "--at --help --speed" "$(COMP_PATH=$TMP/fake comp "pktgate frob --at=1:2 lo --")" \
		"options of the new command"
}

test_install_systemd_unit() {
	expect 0 make -s -C "$TOP" -o "$BUILD/pktgate" O="$BUILD" install DESTDIR="$TMP/root" PREFIX=/usr
	unit="$TMP/root/usr/lib/systemd/system/pktgate.service"
	[ -f "$unit" ] || fail "no unit installed"
	assert_contains "$(cat "$unit")" "ExecStart=/usr/sbin/pktgate restore /etc/pktgate/pktgate.rules"
	assert_contains "$(cat "$unit")" "ConditionPathExists=/etc/pktgate/pktgate.rules"
	assert_not_contains "$(cat "$unit")" "@"
	# systemd checks that the command exists and the documentation is
	# there: point both at the installed tree.
	sed "s|ExecStart=/usr/sbin/|ExecStart=$TMP/root/usr/sbin/|" "$unit" >"$TMP/pktgate.service"
	if command -v systemd-analyze >/dev/null; then
		expect 0 env MANPATH="$TMP/root/usr/share/man" systemd-analyze verify "$TMP/pktgate.service"
		assert_eq "" "$ERR" "systemd-analyze warnings"
	fi
	# What it runs at boot restores a saved rule set.
	pg deny add 192.0.2.1 --ttl 1h >/dev/null
	pg save --all "$TMP/pktgate.rules" >/dev/null
	pg flush deny >/dev/null
	expect 0 "$TMP/root/usr/sbin/pktgate" restore "$TMP/pktgate.rules"
	assert_eq '["192.0.2.1/32"]' "$(pg -j deny list | jq -c '[.entries[].prefix]')" "restored"
	expect 0 make -s -C "$TOP" uninstall DESTDIR="$TMP/root" PREFIX=/usr
	assert_eq "" "$(find "$TMP/root" -type f)" "files left after uninstall"
}

# ctl/ has one layer per file and no include cycles (issue 12): between
# headers, nor between modules (a.c including b.h depends on b.c).
test_install_no_include_cycles() {
	expect 0 /usr/bin/python3 "$TOP/scripts/check-includes.py"
	assert_contains "$OUT" "no include cycles"
}
