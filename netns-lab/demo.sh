#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The pktgate demo (make demo): bring the namespace lab up, put pktgate on
# its gateway, and show it protecting the server from an attacker while the
# client carries on: a deny entry with a TTL, drop events and top talkers,
# egress, a public blocklist loaded into a named list and replaced under
# attack in one atomic switch, and a port-scoped rule. Every step checks
# itself: exit 0 only if all behaved as narrated. Needs root; no input;
# under a minute.
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

# Bold only on a terminal, and never with NO_COLOR set (no-color.org): a
# demo written to a file or a pipe must read as plain text.
bold='' plain=''
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	bold=$(tput bold 2>/dev/null || true)
	plain=$(tput sgr0 2>/dev/null || true)
fi
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
runsh() {	# runsh 'CMD': show a command line (pipes, files in $TMPD) and run it there
	local shown=${1//\"\$PG\"/pktgate}
	printf '%s$ %s%s\n' "$bold" "$shown" "$plain"
	(cd "$TMPD" && eval "$1")
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
list_stat() {	# list_stat NAME FIELD: packets, entries, ... of deny list NAME (0 if none)
	"$PG" -j lists | jq --arg n "$1" --arg f "$2" \
		'[.lists[] | select(.kind == "deny" and .name == $n) | .[$f]][0] // 0'
}
# feed FIRST COUNT: COUNT distinct public-looking prefixes (/19 to /24, host
# bits clear) with Spamhaus SBL ids, as "PREFIX SBLID"; none in the lab.
feed() {
	awk -v first="$1" -v n="$2" 'BEGIN {
		for (i = first; i < first + n; i++) {
			a = 24 + (i * 37) % 160; if (a == 127) a = 185
			p = 19 + i % 6; c = (i * 11) % 256; c -= c % 2 ^ (24 - p)
			printf "%d.%d.%d.0/%d SBL%d\n", a, (i * 53) % 256, c, p, 400000 + i
		} }'
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
node server socat TCP-LISTEN:22,reuseaddr,fork SYSTEM:'echo SSH-2.0-demo' &
srv2=$!
trap 'kill $srv $srv2 2>/dev/null || true; "$LAB" down >/dev/null 2>&1 || true; rm -rf "$TMPD"' EXIT
for _ in $(seq 50); do
	[ "$(node server ss -Hltn '( sport = :8080 or sport = :22 )' | wc -l)" = 2 ] && break
	sleep 0.1
done
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
jq -r '"   \(.time) \(.interface) \(.hook) \(.reason) rule \(.rule) (\(.list) list \(.list_name)) \(.protocol) \(.src) -> \(.dst)"' \
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

say "A public blocklist: a Spamhaus DROP file with a FireHOL header, loaded into a list of its own"
# What a download looks like: FireHOL's header, Spamhaus' lines with their
# SBL ids, and IPv6 in the same file. The attacker's networks are in it.
{
	cat <<'HDR'
#
# spamhaus_drop
#
# ipv4 hash:net ipset
#
# [Spamhaus.org] DROP (Don't Route Or Peer), netblocks hijacked or leased by
# professional spam or cyber-crime operations (demo copy)
#
# Source URL: https://www.spamhaus.org/drop/drop.txt
#
; Spamhaus DROP List 2025/06/01 - (c) 2025 The Spamhaus Project SLU
; https://www.spamhaus.org/drop/drop.txt
; Last-Modified: Sun, 01 Jun 2025 11:00:00 GMT
HDR
	feed 0 150 | awk '{ print $1 " ; " $2 }'
	echo "198.51.100.0/24 ; SBL666000"
	feed 150 150 | awk '{ print $1 " ; " $2 }'
	echo "2001:db8:2::/48 ; SBL666001"
} >"$TMPD/drop.txt"
runsh 'head -n 16 drop.txt'
ok "drop.txt: $(grep -c SBL "$TMPD/drop.txt") networks, IPv4 and IPv6, the attacker's among them"
# shellcheck disable=SC2016 # "$PG" is expanded by runsh
runsh '"$PG" load drop.txt --list blocklist'
[ "$(list_stat blocklist entries)" = 302 ] || bad "the blocklist holds $(list_stat blocklist entries) entries, not 302"
# Events still queued from earlier steps come first: keep the blocklist's.
"$PG" -j events --timeout 2s >"$TMPD/events2" 2>/dev/null &
evpid=$!
sleep 0.3
hits0=$(list_stat blocklist packets)
got=$(replies attacker 203.0.113.2 10)
[ "$got" = 0 ] || bad "the blocklist does not stop the attacker ($got/10)"
ok "attacker: 0/10 echo replies under the blocklist"
[ "$(replies client 203.0.113.2 5)" = 5 ] || bad "the client was hurt by the blocklist"
ok "client: 5/5 echo replies"
run "$PG" lists
hits=$(($(list_stat blocklist packets) - hits0))
[ "$hits" = 10 ] || bad "the blocklist counted $hits packets, not 10"
ok "list blocklist counted exactly the 10 dropped packets (its 302 entries have no counters of their own)"
wait $evpid || true
jq -c 'select(.list_name == "blocklist")' "$TMPD/events2" >"$TMPD/events3"
[ "$(wc -l <"$TMPD/events3")" -ge 1 ] || bad "no drop event names the blocklist"
ok "$(wc -l <"$TMPD/events3") drop events name it: $(jq -r '"rule \(.rule) (\(.list) list \(.list_name))"' "$TMPD/events3" | head -1)"

say "The feed changes: load --replace swaps the whole list in one switch, under attack"
# The next hour's feed, as Spamhaus' NDJSON: 100 networks gone, 100 new,
# the attacker still listed. IPv6 comes in a file of its own.
{
	feed 100 200 | awk '{ printf "{\"cidr\":\"%s\",\"sblid\":\"%s\",\"rir\":\"ripencc\"}\n", $1, $2 }'
	echo '{"cidr":"198.51.100.0/24","sblid":"SBL666000","rir":"arin"}'
	feed 300 100 | awk '{ printf "{\"cidr\":\"%s\",\"sblid\":\"%s\",\"rir\":\"apnic\"}\n", $1, $2 }'
	echo '{"type":"metadata","timestamp":1748779200,"size":20480,"records":301,"copyright":"(c) 2025 The Spamhaus Project SLU"}'
} >"$TMPD/drop_v4.json"
printf '%s\n' '{"cidr":"2001:db8:2::/48","sblid":"SBL666001","rir":"arin"}' \
	'{"type":"metadata","timestamp":1748779200,"size":128,"records":1}' >"$TMPD/drop_v6.json"
hits0=$(list_stat blocklist packets)
dropped0=$(count gw-a xdp deny)
# 300 echo requests 10 ms apart; the replace lands in the middle of them.
node attacker ping -n -q -c 300 -i 0.01 -W 1 203.0.113.2 >"$TMPD/flood" 2>&1 &
flood=$!
sleep 1
# shellcheck disable=SC2016 # "$PG" is expanded by runsh
runsh 'cat drop_v4.json drop_v6.json | "$PG" load - --list blocklist --replace'
kill -0 $flood 2>/dev/null || bad "the attack was over before the replace: nothing shown"
wait $flood || true
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TMPD/flood")
[ "$got" = 0 ] || bad "$got of the attacker's packets got through during the replace"
hits=$(($(list_stat blocklist packets) - hits0))
dropped=$(($(count gw-a xdp deny) - dropped0))
if [ "$hits" != 300 ] || [ "$dropped" != 300 ]; then
	bad "during the replace: $dropped drops at XDP, $hits counted by the list; expected 300"
fi
ok "attacker: 0/300 echo replies; all 300 dropped and counted by the list while it was replaced"
[ "$(list_stat blocklist entries)" = 302 ] || bad "the new blocklist holds $(list_stat blocklist entries) entries"
"$PG" deny list --list blocklist >"$TMPD/listed"
grep -q "^$(feed 0 1 | cut -d' ' -f1) " "$TMPD/listed" && bad "a network the new feed dropped is still listed"
grep -q "^$(feed 399 1 | cut -d' ' -f1) " "$TMPD/listed" || bad "a network the new feed added is missing"
ok "the list is exactly the new feed: 302 entries, the 100 dropped networks gone"
: >"$TMPD/failed-download.txt"
# shellcheck disable=SC2016 # "$PG" is expanded by runsh
if runsh '"$PG" load failed-download.txt --list blocklist --replace'; then
	bad "an empty file emptied the blocklist"
fi
[ "$(list_stat blocklist entries)" = 302 ] || bad "the refused load changed the blocklist"
ok "an empty file (a failed download) is refused: the blocklist stays as it was"
run "$PG" lists

say "Port-scoped rules: the blocklist goes; the attacker loses SSH only"
run "$PG" flush deny --list blocklist
run "$PG" deny add 198.51.100.0/24 proto tcp port 22 --comment "demo: no ssh"
msg=$(node attacker timeout 3 socat -T2 - TCP:203.0.113.2:8080 </dev/null) ||
	bad "the attacker cannot reach the web port"
ok "attacker TCP 8080: \"$msg\""
node attacker timeout 3 socat -T2 - TCP:203.0.113.2:22,connect-timeout=2 </dev/null >/dev/null 2>&1 &&
	bad "the attacker reached port 22"
ok "attacker TCP 22: connection fails"
msg=$(node client timeout 3 socat -T2 - TCP:203.0.113.2:22 </dev/null) || bad "client SSH failed"
ok "client TCP 22: \"$msg\""
[ "$(replies attacker 203.0.113.2 3)" = 3 ] || bad "the port rule stopped the attacker's pings"
ok "attacker: 3/3 echo replies: ICMP is not TCP port 22"
run "$PG" deny list
syn=$("$PG" -j deny list | jq '[.entries[] | select(.proto == "tcp" and .port_lo == 22) | .packets][0]')
[ "$syn" -ge 1 ] || bad "the port rule counted no packets"
ok "the tcp/22 rule counted $syn SYN packets"
run "$PG" save --all

say "Summary"
run gw stats
total=$(gw -j stats | jq '[.interfaces[].hooks[].dropped.packets] | add')
[ "$total" -ge 333 ] || bad "only $total drops in total"
ok "$total packets dropped in all; client never lost one"

say "Tear down"
kill $srv $srv2 2>/dev/null || true
run "$LAB" down
printf '\n%sdemo: every step behaved as described%s\n' "$bold" "$plain"
