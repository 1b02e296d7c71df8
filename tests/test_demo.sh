# SPDX-License-Identifier: GPL-2.0
# The main job, make demo, as a test: it checks each of its own steps.

test_demo_runs_and_cleans_up() {
	# Into a file (here a pipe): plain text, even where the terminal type
	# has bold.
	expect 0 env TERM=xterm "$TOP/netns-lab/demo.sh"
	assert_contains "$OUT" "demo: every step behaved as described"
	assert_not_contains "$OUT" $'\e'
	assert_contains "$OUT" "== 1. "
	assert_eq "" "$(ip netns list | grep pgdemo || true)" "demo namespaces left"
}

# On a terminal, NO_COLOR (no-color.org) turns the bold off.
test_demo_honours_no_color() {
	# The pseudo-terminal is one: the same check shows bold there.
	TERM=xterm script -qec '[ -t 1 ] && tput bold' /dev/null >"$TMP/tty" 2>&1 ||
		fail "script(1) gave no terminal: $(cat "$TMP/tty")"
	grep -q $'\e' "$TMP/tty" || fail "tput shows no bold on the pseudo-terminal"
	expect 0 env TERM=xterm NO_COLOR=1 script -qec "$TOP/netns-lab/demo.sh" /dev/null
	assert_contains "$OUT" "demo: every step behaved as described"
	assert_not_contains "$OUT" $'\e'
}
