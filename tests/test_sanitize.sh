# SPDX-License-Identifier: GPL-2.0
# Sanitizers and fuzzing as habits of the suite: the ASan+UBSan build over
# the unit, CLI, list and rule set tests (make check-sanitize), and each
# libFuzzer harness (make fuzz) for a bounded time from its seed corpus.
# Any sanitizer report or fuzzer finding fails the test.

# Seconds each fuzzer runs; the two together with the sanitizer run stay
# within about three minutes of the suite.
FUZZ_SECONDS=${PKTGATE_FUZZ_SECONDS:-30}

test_sanitize_asan_ubsan_cli_and_c_tests() {
	# check-sanitize runs the suite itself: not again from inside it.
	[ -z "${PKTGATE_SANITIZE_INNER:-}" ] || return 0
	# Unset: the inner run gets a private mount namespace and bpffs of
	# its own, as a run from the command line does.
	expect 0 env -u PKTGATE_TEST_PRIVATE make -s --no-print-directory -C "$TOP" check-sanitize
	assert_contains "$OUT" "check-sanitize: no sanitizer report"
	assert_contains "$OUT" " 0 failed"
}

# fuzz_for NAME: run fuzz_NAME from tests/fuzz/corpus/NAME; new inputs go
# to a scratch corpus, what it finds to $BUILD/fuzz/artifacts/.
fuzz_for() {
	local bin="$BUILD/fuzz/fuzz_$1" art="$BUILD/fuzz/artifacts" rc a

	expect 0 make -s -j2 --no-print-directory -C "$TOP" O="$BUILD" fuzz
	mkdir -p "$TMP/corpus" "$art"
	set +e
	# close_fd_mask: the parsers' own messages (sanitizer reports still
	# come through).
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=1024 \
		-close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$art/$1-" \
		"$TMP/corpus" "$TOP/tests/fuzz/corpus/$1" >"$TMP/log" 2>&1
	rc=$?
	set -e
	if [ "$rc" -ne 0 ]; then
		tail -n 60 "$TMP/log" >&2
		for a in "$art/$1"-*; do
			[ -e "$a" ] || continue
			echo "input $a:" >&2
			od -An -c "$a" | head -n 20 >&2
		done
		fail "fuzz_$1 found a problem (exit $rc); reproduce with: $bin FILE"
	fi
	grep -q '^Done [0-9]* runs' "$TMP/log" || fail "fuzz_$1 did not run: $(tail -n 5 "$TMP/log")"
	grep '^Done' "$TMP/log"
}

test_sanitize_fuzz_listfile() {
	fuzz_for listfile
}

test_sanitize_fuzz_ruleset() {
	fuzz_for ruleset
}
