# SPDX-License-Identifier: GPL-2.0
# Helpers for pktgate's shell tests. Each test function runs in its own
# subshell (run_one) with `set -e`, a pin directory of its own on the
# private bpffs, and cleanups that run on every exit path.

# The build directory the tests take their binaries from (make's O=):
# PKTGATE_BUILD, relative to the top directory or absolute; build by default.
BUILD=${PKTGATE_BUILD:-build}
[[ "$BUILD" == /* ]] || BUILD="$TOP/$BUILD"
PG="$BUILD/pktgate"
LAB="$TOP/netns-lab/lab"

run_one() {
	set -eE -o pipefail
	export PKTGATE_PIN_PATH="/sys/fs/bpf/$1"
	# The lock-out check follows the SSH session the suite may run from;
	# tests that want it set their own.
	unset SSH_CONNECTION
	TMP=$(mktemp -d)
	CLEANUPS=()
	trap run_cleanups EXIT
	trap '[[ $- == *e* ]] && echo "ASSERT: line $LINENO: \"$BASH_COMMAND\" failed" >&2' ERR
	"$1"
}

# defer CMD...: run CMD when the test ends, last deferred first.
defer() {
	CLEANUPS+=("$*")
}

run_cleanups() {
	local i
	for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUPS[$i]}" >/dev/null 2>&1 || true
	done
	rm -rf "$PKTGATE_PIN_PATH" "$TMP"
}

fail() {
	echo "ASSERT: $*" >&2
	exit 1
}

assert_eq() {	# assert_eq EXPECTED ACTUAL WHAT
	[ "$1" = "$2" ] || fail "${3:-value}: expected '$1', got '$2'"
}

assert_contains() {	# assert_contains HAYSTACK NEEDLE
	[[ "$1" == *"$2"* ]] || fail "expected '$2' in: $1"
}

assert_not_contains() {
	[[ "$1" != *"$2"* ]] || fail "did not expect '$2' in: $1"
}

# expect RC CMD...: run CMD, check its exit code; leaves OUT and ERR.
expect() {
	local want=$1
	shift
	set +e
	OUT=$("$@" 2>"$TMP/stderr")
	RC=$?
	set -e
	ERR=$(cat "$TMP/stderr")
	[ "$RC" -eq "$want" ] || fail "'$*' exited $RC, expected $want
stdout: $OUT
stderr: $ERR"
}

pg() {
	"$PG" "$@"
}

# The schema version of the maps contract this tree builds.
schema_version() {
	awk '$2 == "PKTGATE_SCHEMA_VERSION" { print $3 }' "$TOP/maps/pktgate.h"
}

# ---- namespace lab -------------------------------------------------------

# lab_up: a lab of our own (unique prefix), torn down when the test ends.
lab_up() {
	export LAB_PREFIX="pgt$$r$RANDOM"
	defer "$LAB" down
	"$LAB" up >/dev/null
	GW="$LAB_PREFIX-gw"
}

# on NODE CMD...: run CMD in a lab node's network namespace only.
on() {
	local node=$1
	shift
	nsenter --net="/run/netns/$LAB_PREFIX-$node" "$@"
}

# gwpg ARGS...: pktgate in the gateway namespace.
gwpg() {
	"$PG" -n "$GW" "$@"
}

# count IFACE REASON [HOOK]: packets counted for a verdict reason.
count() {
	gwpg -j stats --iface "$1" |
		jq -e --arg r "$2" --arg h "${3:-xdp}" \
			'.interfaces[0].hooks[] | select(.hook == $h) | .reasons[$r].packets'
}

# rule_hits LIST PREFIX: packets counted for one rule.
rule_hits() {
	pg -j "$1" list | jq -e --arg p "$2" '.entries[] | select(.prefix == $p) | .packets'
}

# The verdict reasons of maps/pktgate.h's PG_REASONS list, a line each:
# "name pass|drop".
reasons_of_contract() {
	sed -n -E 's/^[[:space:]]*X\([A-Z_]+,[[:space:]]*"([a-z-]+)",[[:space:]]*([01])\).*/\1 \2/p' \
		"$TOP/maps/pktgate.h" | sed -e 's/ 0$/ pass/' -e 's/ 1$/ drop/'
}
