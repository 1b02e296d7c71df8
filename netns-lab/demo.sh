#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The pktgate demo (make demo): bring the namespace lab up, put pktgate on
# its gateway, and show it protecting the server from an attacker while the
# client carries on. Every step checks itself: exit 0 only if all behaved
# as narrated. Needs root; no input; under a minute.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
PG="$TOP/build/pktgate"
LAB="$TOP/netns-lab/lab"

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (BPF and namespaces)" >&2; exit 1; }
# A mount namespace and bpffs of its own: the demo never touches the pins
# of a pktgate installed on this machine.
if [ -z "${PKTGATE_DEMO_PRIVATE:-}" ]; then
	export PKTGATE_DEMO_PRIVATE=1
	exec unshare --mount --propagation private "$0" "$@"
fi
mount -t bpf bpf /sys/fs/bpf
export PKTGATE_PIN_PATH=/sys/fs/bpf/pktgate
export LAB_PREFIX="pgdemo$$"
TMPD=$(mktemp -d)
trap '"$LAB" down >/dev/null 2>&1 || true; rm -rf "$TMPD"' EXIT
trap 'exit 130' INT TERM

bold=$(tput bold 2>/dev/null || true)
plain=$(tput sgr0 2>/dev/null || true)
step=0
say() { step=$((step + 1)); printf '\n%s== %d. %s%s\n' "$bold" "$step" "$*" "$plain"; }
run() {	# show a command as a user would type it, then run it
	local shown="$*"
	shown=${shown//$PG/pktgate}
	shown=${shown/#gw /pktgate -n $LAB_PREFIX-gw }
	shown=${shown//$LAB/netns-lab\/lab}
	printf '%s$ %s%s\n' "$bold" "$shown" "$plain"
	"$@"
}
ok() { printf '   ok: %s\n' "$*"; }
bad() { printf '   FAILED: %s\n' "$*" >&2; exit 1; }
gw() { "$PG" -n "$LAB_PREFIX-gw" "$@"; }
node() { local n=$1; shift; nsenter --net="/run/netns/$LAB_PREFIX-$n" "$@"; }
replies() {	# replies FROM ADDR N: echo replies out of N requests
	node "$1" timeout $(($3 + 5)) ping -n -q -c "$3" -i 0.1 -W 1 "$2" 2>/dev/null |
		sed -n 's/.* \([0-9]*\) received.*/\1/p' || true
}
count() {	# count IFACE HOOK REASON
	gw -j stats --iface "$1" |
		jq --arg h "$2" --arg r "$3" '.interfaces[0].hooks[] | select(.hook == $h) | .reasons[$r].packets'
}

say "A lab of four namespaces: client and attacker reach the server only through gw"
run "$LAB" up
cat <<'TXT'
   client   192.0.2.2    2001:db8:1::2  --+
   attacker 198.51.100.2 2001:db8:2::2  --+-- gw --- server 203.0.113.2 2001:db8:3::2
TXT

say "pktgate on the gateway: XDP on the client and attacker sides, TC egress towards the server"
run gw attach gw-c
run gw attach gw-a
run gw attach gw-s --tc egress --no-xdp
run gw status

say "Both client and attacker reach the server"
[ "$(replies client 203.0.113.2 5)" = 5 ] || bad "client cannot reach the server"
ok "client: 5/5 echo replies"
[ "$(replies attacker 203.0.113.2 5)" = 5 ] || bad "attacker cannot reach the server"
ok "attacker: 5/5 echo replies"
node server socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo hello from the server' &
srv=$!
trap 'kill $srv 2>/dev/null || true; "$LAB" down >/dev/null 2>&1 || true; rm -rf "$TMPD"' EXIT
for _ in $(seq 50); do node server ss -ltn | grep -q ':8080 ' && break; sleep 0.1; done
msg=$(node client timeout 3 socat -T2 - TCP:203.0.113.2:8080 </dev/null) || bad "client TCP failed"
ok "client TCP: \"$msg\""

say "The attacker turns hostile: deny its whole prefix for 15 seconds"
run "$PG" deny add 198.51.100.0/24 2001:db8:2::/64 --ttl 15s --comment "demo: attacker"
dropped0=$(count gw-a xdp deny)
"$PG" -j events --count 3 --timeout 20s >"$TMPD/events" 2>/dev/null &
evpid=$!
sleep 0.3
got=$(replies attacker 203.0.113.2 20)
[ "$got" = 0 ] || bad "attacker still got $got replies"
dropped=$(($(count gw-a xdp deny) - dropped0))
[ "$dropped" = 20 ] || bad "expected 20 drops on gw-a, counted $dropped"
ok "attacker: 0/20 replies; gw-a counted exactly 20 drops at XDP"
node attacker timeout 3 socat -T2 - TCP:203.0.113.2:8080 </dev/null >/dev/null 2>&1 &&
	bad "attacker TCP got through"
ok "attacker TCP: connection fails"
[ "$(replies client 203.0.113.2 5)" = 5 ] || bad "the client was hurt"
ok "client: 5/5 echo replies, unaffected"
run "$PG" deny list

say "Who is it? Drop events and top talkers name the attacker"
wait $evpid || bad "no drop events arrived"
jq -r '"   \(.time) \(.interface) \(.hook) \(.reason) rule \(.rule) \(.protocol) \(.src) -> \(.dst)"' \
	"$TMPD/events"
[ "$(jq -r .src "$TMPD/events" | sort -u)" = 198.51.100.2 ] || bad "events do not name the attacker"
ok "3 drop events, all from the attacker, matching 198.51.100.0/24"
run gw top -n 3 --by drops --interval 0.2
[ "$(gw -j top --by drops --interval 0.2 | jq -r '.talkers[0].address')" = 198.51.100.2 ] ||
	bad "the attacker is not the top dropped talker"
ok "top talker by drops: 198.51.100.2"

say "Egress: keep the gateway itself from talking to a destination"
run "$PG" deny add 203.0.113.99 --comment "demo: egress"
node server ip addr add 203.0.113.99/24 dev s0
out=$(node gw ping -n -c 2 -W 1 203.0.113.99 2>&1 || true)
echo "$out" | grep -q "0 received" || bad "gw reached a denied destination"
ok "gw -> 203.0.113.99: $(echo "$out" | grep -m1 -o 'No buffer space available' || echo dropped)"
[ "$(count gw-s tc-egress deny)" -ge 2 ] || bad "no egress drops counted"
ok "tc-egress on gw-s counted $(count gw-s tc-egress deny) drops"
[ "$(replies gw 203.0.113.2 3)" = 3 ] || bad "gw cannot reach the server"
ok "gw -> server 203.0.113.2: 3/3, unaffected"

say "Live counters: per interface, hook and verdict reason"
run gw stats --iface gw-a

say "The TTL runs out: no daemon, the datapath treats the entry as gone"
left=$("$PG" -j deny list | jq '[.entries[] | select(.prefix == "198.51.100.0/24") | .expires_in][0] // 0')
sleep $((left + 1))
got=$(replies attacker 203.0.113.2 5)
[ "$got" = 5 ] || bad "attacker still blocked after the TTL ($got/5)"
ok "attacker: 5/5 echo replies again"
run "$PG" deny list

say "A blocklist file, applied as a rule set (what pktgate.service restores at boot)"
cat >"$TMPD/blocklist.rules" <<'RULES'
# demo blocklist: the attacker's lower half, and the egress ban
deny add 198.51.100.0/25 2001:db8:2::/64 --comment "demo: blocklist"
deny add 203.0.113.99 --comment "demo: egress"
RULES
run "$PG" restore "$TMPD/blocklist.rules"
[ "$(replies attacker 203.0.113.2 5)" = 0 ] || bad "the blocklist does not stop the attacker"
ok "attacker: 0/5 echo replies under the blocklist"
[ "$(replies client 203.0.113.2 5)" = 5 ] || bad "the client was hurt by the blocklist"
ok "client: 5/5 echo replies"
run "$PG" save --all

say "Summary"
run gw stats
total=$(gw -j stats | jq '[.interfaces[].hooks[].dropped.packets] | add')
[ "$total" -ge 27 ] || bad "only $total drops in total"
ok "$total packets dropped in all; client never lost one"

say "Tear down"
kill $srv 2>/dev/null || true
run "$LAB" down
printf '\n%sdemo: every step behaved as described%s\n' "$bold" "$plain"
