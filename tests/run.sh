#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# pktgate test suite: unit tests (datapath under BPF_PROG_TEST_RUN, blocklist
# file parser), CLI tests and namespace integration tests. Prints "N passed,
# N failed"; exits non-zero on any failure.
#
#   tests/run.sh [-v] [PATTERN...]   run tests whose name matches a pattern
#
# The binaries are taken from build/, or from the build directory named by
# PKTGATE_BUILD (make O=DIR; make check-sanitize sets it).
#
# It re-executes itself in a private mount namespace with a fresh bpffs on
# /sys/fs/bpf, so no pin of the host (or of another run) is ever seen or
# changed.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/run.sh: must run as root (BPF, namespaces)" >&2
	exit 1
fi
if [ -z "${PKTGATE_TEST_PRIVATE:-}" ]; then
	export PKTGATE_TEST_PRIVATE=1
	exec unshare --mount --propagation private "$0" "$@"
fi
mount -t bpf bpf /sys/fs/bpf || { echo "cannot mount a private bpffs" >&2; exit 1; }

VERBOSE=0
if [ "${1:-}" = "-v" ]; then
	VERBOSE=1
	shift
fi
export VERBOSE
PATTERNS=("$@")

. "$TOP/tests/lib.sh"

pass=0
fail=0
failed=()

record() {	# record PASS|FAIL NAME
	if [ "$1" = PASS ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed+=("$2")
	fi
}

selected() {
	[ ${#PATTERNS[@]} -eq 0 ] && return 0
	for p in "${PATTERNS[@]}"; do
		[[ "$1" == *$p* ]] && return 0
	done
	return 1
}

# 1. Unit test programs: one PASS/FAIL line per case.
run_unit() {	# run_unit PROGRAM LABEL
	local unit_out unit_rc line
	unit_out=$(mktemp)
	"$BUILD/tests/$1" >"$unit_out" 2>&1
	unit_rc=$?
	while IFS= read -r line; do
		case "$line" in
		PASS:*) record PASS "unit ${line#PASS: }"; [ "$VERBOSE" = 1 ] && echo "$line" ;;
		FAIL:*) record FAIL "unit ${line#FAIL: }"; echo "$line" ;;
		esac
	done <"$unit_out"
	if [ "$unit_rc" -ne 0 ] && ! grep -q '^FAIL:' "$unit_out"; then
		record FAIL "unit test program $1 (exit $unit_rc)"
		cat "$unit_out"
	fi
	echo "$2: $(grep -c '^PASS:' "$unit_out") passed, $(grep -c '^FAIL:' "$unit_out") failed"
	rm -f "$unit_out"
}
# The datapath under BPF_PROG_TEST_RUN; the blocklist file parser.
selected unit && run_unit test_datapath unit
selected "unit listfile" && run_unit test_listfile "unit listfile"
selected "unit compile" && run_unit test_compile "unit compile"
selected "unit cidr" && run_unit test_cidr "unit cidr"
selected "unit opts" && run_unit test_opts "unit opts"
selected "unit bulk" && run_unit test_bulk "unit bulk"

# 2. Shell tests: every test_* function of tests/test_*.sh, each in its own
# subshell with its own pin directory and cleanup.
for file in "$TOP"/tests/test_*.sh; do
	. "$file"
	# In the order they appear in the file.
	for t in $(grep -o '^test_[a-z0-9_]*()' "$file" | tr -d '()'); do
		selected "$t" || continue
		log=$(mktemp)
		start=$(date +%s%N)
		( run_one "$t" ) >"$log" 2>&1
		rc=$?
		ms=$((($(date +%s%N) - start) / 1000000))
		if [ $rc -eq 0 ]; then
			record PASS "$t"
			printf 'PASS: %s (%d.%03ds)\n' "$t" $((ms / 1000)) $((ms % 1000))
			[ "$VERBOSE" = 1 ] && sed 's/^/    /' "$log"
		else
			record FAIL "$t"
			printf 'FAIL: %s (%d.%03ds)\n' "$t" $((ms / 1000)) $((ms % 1000))
			sed 's/^/    /' "$log"
		fi
		rm -f "$log"
	done
done

if [ $fail -gt 0 ]; then
	echo
	echo "Failed:"
	printf '  %s\n' "${failed[@]}"
fi
echo
echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
