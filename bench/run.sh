#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# pktgate benchmarks: `make bench` runs this. Three parts, each repeated in
# interleaved rounds; writes results.md, results.json and PNG plots into a
# results directory and prints the Markdown at the end.
#
#   bench/run.sh [--smoke] [--out DIR] [--parts 1,2,3]
#
#   1 datapath cost per packet under BPF_PROG_TEST_RUN (pgbench datapath)
#   2 packets per second through a veth: pktgate XDP and TC, nftables,
#     iptables+ipset, no filter; pgbench's live-frames generator on CPU 0,
#     the receiver's NAPI thread on CPU 1
#   3 control plane: loading prefixes (`pktgate load`, fresh and --replace;
#     `nft -f` of the same set; the kernel's batch-update floor), reading
#     full tables, memory
#
# --smoke runs everything tiny (seconds) to prove the harness works; its
# numbers mean nothing. Like tests/run.sh, the script re-executes itself in
# a private mount namespace with a fresh bpffs, so it never sees or touches
# the host's pins, and it creates (and removes) its own network namespaces.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$TOP/bench"
PG="$TOP/build/pktgate"
PGB="$TOP/build/bench/pgbench"

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "must run as root (BPF, namespaces)"
if [ -z "${PGBENCH_PRIVATE:-}" ]; then
	export PGBENCH_PRIVATE=1
	exec unshare --mount --propagation private "$0" "$@"
fi
mount -t bpf bpf /sys/fs/bpf || die "cannot mount a private bpffs"
export PKTGATE_PIN_PATH=/sys/fs/bpf/pgbench

SMOKE=0
OUT=""
PARTS="1,2,3"
while [ $# -gt 0 ]; do
	case "$1" in
	--smoke) SMOKE=1 ;;
	--out) OUT=$2; shift ;;
	--parts) PARTS=$2; shift ;;
	*) die "usage: bench/run.sh [--smoke] [--out DIR] [--parts 1,2,3]" ;;
	esac
	shift
done
[ -x "$PG" ] && [ -x "$PGB" ] || die "build first: make all build/bench/pgbench"
command -v jq >/dev/null || die "jq is needed (scripts/install-deps.sh --bench)"

# Sizes. Full: what the issue asks for. Smoke: enough to run every path.
if [ $SMOKE = 1 ]; then
	DP_SIZES=1,100 DP_ROUNDS=2 DP_REPEAT=2000 DP_TABLE=256
	PPS_SIZES="1 100" PPS_ROUNDS=1 PPS_MS=100 PPS_MAX=200k
	CP_SIZES="100 1000" CP_ROUNDS=2 ADD_SIZES="100" READ_SIZES="1000"
	BESIDE_BIG=1000 BESIDE_SMALL=100
	MODE=smoke
else
	DP_SIZES=1,1k,100k,1M DP_ROUNDS=5 DP_REPEAT=300k DP_TABLE=65536
	PPS_SIZES="1 100000 1000000" PPS_ROUNDS=5 PPS_MS=1000 PPS_MAX=50M
	CP_SIZES="1000 10000 100000 1000000" CP_ROUNDS=5 ADD_SIZES="1000 10000"
	READ_SIZES="1000 100000 1000000"
	BESIDE_BIG=1000000 BESIDE_SMALL=1000
	MODE=full
fi
# Any of them can be overridden from the environment as BENCH_<NAME>,
# e.g. BENCH_PPS_SIZES="1000000" bench/run.sh --parts 2.
PPS_MODES=""
for v in DP_SIZES DP_ROUNDS DP_REPEAT DP_TABLE PPS_SIZES PPS_ROUNDS PPS_MS PPS_MAX PPS_MODES \
	CP_SIZES CP_ROUNDS ADD_SIZES READ_SIZES BESIDE_BIG BESIDE_SMALL; do
	o="BENCH_$v"
	[ -z "${!o:-}" ] || printf -v "$v" '%s' "${!o}"
done
SEED=1
TOP_SAMPLE=16	# part 2's pktgate-xdp-sample: attach --top-sample, as part 1's drop_sample
GEN_CPU=0
RX_CPU=$(($(nproc) > 1 ? 1 : 0))

OUT=${OUT:-$TOP/build/bench-results/$(date +%Y%m%d-%H%M%S)}
RAW="$OUT/raw"
mkdir -p "$RAW"
: >"$RAW/skipped.jsonl"
START=$(date +%s)

want_part() { [[ ",$PARTS," == *",$1,"* ]]; }

skip() {	# skip PART WHAT REASON: a row the report shows as not measured
	log "skipped: $2: $3"
	jq -nc --arg p "$1" --arg w "$2" --arg r "$3" '{part: $p, what: $w, reason: $r}' \
		>>"$RAW/skipped.jsonl"
}

now_ns() { date +%s%N; }
secs_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.6f", (b - a) / 1e9 }'; }
slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }

# ---- namespaces --------------------------------------------------------

NS_PREFIX="pgb$$"
GNS="$NS_PREFIX-g"	# generator
RNS="$NS_PREFIX-r"	# receiver
CNS="$NS_PREFIX-c"	# control-plane measurements (nft sets)
GIF="g$$"		# short and unique: NAPI threads are named after it
RIF="r$$"

cleanup() {
	local ns
	for ns in "$GNS" "$RNS" "$CNS"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

inr() { nsenter --net="/run/netns/$RNS" "$@"; }

# ---- the machine ---------------------------------------------------------

machine_json() {
	local commit dirty=false
	commit=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
	git -C "$TOP" diff --quiet HEAD 2>/dev/null || dirty=true
	jq -n --arg cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
		--arg kernel "$(uname -r)" --argjson nproc "$(nproc)" \
		--arg mem "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)" \
		--arg commit "$commit" --argjson dirty $dirty --arg mode "$MODE" \
		--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		--arg nft "$(nft --version 2>/dev/null || echo none)" \
		--arg ipt "$(iptables --version 2>/dev/null || echo none)" \
		--arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
		'{cpu: $cpu, nproc: $nproc, kernel: $kernel, memory: $mem, commit: $commit,
		  dirty: $dirty, mode: $mode, date: $date, nft: $nft, iptables: $ipt,
		  loadavg_at_start: $load}' >"$RAW/machine.json"
}

# ---- part 1: datapath ----------------------------------------------------

part_datapath() {
	log "part 1: datapath cost per packet (sizes $DP_SIZES, $DP_ROUNDS rounds)"
	"$PGB" datapath --sizes "$DP_SIZES" --rounds "$DP_ROUNDS" --repeat "$DP_REPEAT" \
		--table "$DP_TABLE" --out "$RAW/datapath.json"
}

# ---- part 2: packets per second through a veth ---------------------------

topology_up() {
	ip netns add "$GNS"
	ip netns add "$RNS"
	ip -n "$GNS" link add "$GIF" type veth peer name "$RIF" netns "$RNS"
	ip -n "$GNS" addr add 192.0.2.1/24 dev "$GIF"
	ip -n "$RNS" addr add 192.0.2.2/24 dev "$RIF"
	ip -n "$GNS" link set "$GIF" up
	ip -n "$RNS" link set lo up
	ip -n "$RNS" link set "$RIF" up
	# The sources are not routable from the receiver: no reverse-path
	# check may discard them before the stack's own discard (no listener).
	ip netns exec "$RNS" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		"net.ipv4.conf.$RIF.rp_filter=0"
	RX_MAC=$(ip -n "$RNS" -j link show "$RIF" | jq -r '.[0].address')
}

# Threaded NAPI: the receiver's work runs in a kernel thread that can be
# pinned to its own CPU, instead of in the generator's softirq. A veth has
# NAPI only while XDP is attached, and the setting can only be made then;
# it sticks, but each attach re-creates the thread, so pin it every time.
threaded=unknown
napi_pids() { pgrep "^napi/$RIF-" || true; }

pin_napi() {
	local pid
	if [ "$threaded" = unknown ]; then
		if ip netns exec "$RNS" sh -c "echo 1 > /sys/class/net/$RIF/threaded" 2>/dev/null; then
			threaded=1
		else
			threaded=0
			log "threaded NAPI unavailable: the receiver shares the generator's CPU"
		fi
	fi
	for pid in $(napi_pids); do
		taskset -pc "$RX_CPU" "$pid" >/dev/null
	done
}

napi_cpus() {	# where the NAPI threads may run, e.g. "1" (none: "")
	local pid
	for pid in $(napi_pids); do
		awk '/^Cpus_allowed_list/ { print $2 }' "/proc/$pid/status"
	done | paste -sd,
}

have_ipset=0
probe_ipset() {
	local err
	if ! command -v ipset >/dev/null || ! command -v iptables >/dev/null; then
		skip 2 iptables-ipset "ipset or iptables not installed (scripts/install-deps.sh --bench)"
		return
	fi
	if ! err=$(inr ipset create pgbprobe hash:net 2>&1); then
		skip 2 iptables-ipset "ipset does not work on this kernel: $err"
		return
	fi
	if ! err=$(inr iptables -t raw -I PREROUTING -m set --match-set pgbprobe src -j DROP 2>&1); then
		inr ipset destroy pgbprobe 2>/dev/null || true
		skip 2 iptables-ipset "iptables set match does not work here: $err"
		return
	fi
	inr iptables -t raw -D PREROUTING -m set --match-set pgbprobe src -j DROP
	inr ipset destroy pgbprobe
	have_ipset=1
}

have_nft=0
probe_nft() {
	local err
	if ! command -v nft >/dev/null; then
		skip 2 nftables "nft not installed (scripts/install-deps.sh --bench)"
		return
	fi
	if ! err=$(inr nft -f - 2>&1 <<-EOF
		table netdev pgbprobe {
			set s { type ipv4_addr; flags interval; elements = { 192.0.2.0/24 } }
			chain c { type filter hook ingress device "$RIF" priority -500; ip saddr @s counter drop; }
		}
		EOF
	); then
		skip 2 nftables "nft netdev ingress with an interval set does not work here: $err"
		return
	fi
	inr nft delete table netdev pgbprobe
	have_nft=1
}

# The same prefixes as pktgate's list, in each tool's own format.
lists_load() {	# lists_load N
	local n=$1
	"$PGB" load --entries "$n" --layout mix --seed $SEED --keep >"$RAW/pps-fill-$n.json"
	if [ $have_nft = 1 ]; then
		{
			echo "table netdev pgbench {"
			echo "  set deny4 { type ipv4_addr; flags interval; elements = {"
			"$PGB" prefixes --entries "$n" --layout mix --seed $SEED --format nft
			echo "  } }"
			echo "}"
		} >"$RAW/pps-$n.nft"
		inr nft -f "$RAW/pps-$n.nft"
	fi
	if [ $have_ipset = 1 ]; then
		{
			echo "create pgbench hash:net family inet hashsize 65536 maxelem $((n + 1024))"
			"$PGB" prefixes --entries "$n" --layout mix --seed $SEED --format ipset --set pgbench
		} | inr ipset restore
	fi
}

lists_unload() {
	local n=$1
	"$PGB" clear --entries "$n" --layout mix --seed $SEED >/dev/null
	[ $have_nft = 0 ] || inr nft delete table netdev pgbench
	[ $have_ipset = 0 ] || inr ipset destroy pgbench
	rm -f "$RAW/pps-$n.nft"
}

NFT_CHAIN="chain netdev pgbench ingress"
IPT_RULE=(-t raw -I PREROUTING -m set --match-set pgbench src -j DROP)

# Receivers. pktgate's XDP program keeps the veth's NAPI running itself;
# every other receiver gets an XDP_PASS program for that.
rx_setup() {
	case "$1" in
	pktgate-xdp) "$PG" -n "$RNS" attach "$RIF" --mode native >/dev/null ;;
	pktgate-xdp-notop) "$PG" -n "$RNS" attach "$RIF" --mode native --no-top >/dev/null ;;
	pktgate-xdp-sample) "$PG" -n "$RNS" attach "$RIF" --mode native --top-sample "$TOP_SAMPLE" \
		>/dev/null ;;
	pktgate-tc) "$PG" -n "$RNS" attach "$RIF" --tc ingress --no-xdp >/dev/null
		inr "$PGB" xdp-pass --ifname "$RIF" ;;
	nftables) inr "$PGB" xdp-pass --ifname "$RIF"
		inr nft "add $NFT_CHAIN { type filter hook ingress device \"$RIF\" priority -500; }"
		inr nft "add rule netdev pgbench ingress ip saddr @deny4 counter drop" ;;
	iptables-ipset) inr "$PGB" xdp-pass --ifname "$RIF"
		inr iptables "${IPT_RULE[@]}" ;;
	no-filter) inr "$PGB" xdp-pass --ifname "$RIF" ;;
	xdp-drop-all) inr "$PGB" xdp-drop --ifname "$RIF" ;;
	esac
	pin_napi
}

rx_teardown() {
	case "$1" in
	pktgate-*) "$PG" -n "$RNS" detach "$RIF" >/dev/null ;;
	nftables) inr nft "delete $NFT_CHAIN" ;;
	iptables-ipset) inr iptables "${IPT_RULE[@]/-I/-D}" ;;
	esac
	ip -n "$RNS" link set dev "$RIF" xdp off
}

# What the receiver's own counters say it dropped, per receiver.
rx_dropped() {
	case "$1" in
	pktgate-xdp*) "$PG" -n "$RNS" -j stats --iface "$RIF" |
		jq '[.interfaces[].hooks[] | select(.hook == "xdp") | .reasons.deny.packets] | add // 0' ;;
	pktgate-tc) "$PG" -n "$RNS" -j stats --iface "$RIF" |
		jq '[.interfaces[].hooks[] | select(.hook == "tc-ingress") | .reasons.deny.packets] | add // 0' ;;
	# nft's own rule counter cannot be read in time: every nft listing
	# dumps the whole interval set (minutes at 1M elements). Every frame
	# nft does not drop reaches IPv4, so count those instead (pps_run).
	nftables) echo 0 ;;
	iptables-ipset) inr iptables -t raw -L PREROUTING -v -x -n |
		awk '/match-set pgbench/ { print $1; exit }' ;;
	# The stack discards them: no socket on the port (Udp NoPorts).
	no-filter) inr awk '/^Udp:/ { if (h) { print $3; exit } h = 1 }' /proc/net/snmp ;;
	xdp-drop-all) rx_link | jq '.rx' ;;
	esac
}

ip_in() {	# IPv4 packets the receiver's stack took in (Ip InReceives)
	inr awk '/^Ip:/ { if (h) { print $4; exit } h = 1 }' /proc/net/snmp
}

rx_link() {	# the receiving veth's counters: received, and refused (ring full)
	ip -n "$RNS" -j -s link show "$RIF" |
		jq -c '.[0].stats64.rx | {rx: .packets, refused: .dropped}'
}

pps_run() {	# pps_run MODE N ROUND: one bounded run, one JSON line
	local mode=$1 n=$2 round=$3 l0 l1 d0 d1 i0 i1 gen napi
	rx_setup "$mode"
	l0=$(rx_link) d0=$(rx_dropped "$mode") i0=$(ip_in)
	gen=$(taskset -c "$GEN_CPU" nsenter --net="/run/netns/$GNS" "$PGB" gen --ifname "$GIF" \
		--dst-mac "$RX_MAC" --dst-ip 192.0.2.2 --entries "$n" --layout mix --seed $SEED \
		--duration-ms "$PPS_MS" --max-packets "$PPS_MAX" --rx-cpu "$RX_CPU")
	sleep 0.05	# let NAPI drain the ring (at most 256 frames)
	l1=$(rx_link) d1=$(rx_dropped "$mode") i1=$(ip_in)
	napi=$(napi_cpus)
	rx_teardown "$mode"
	jq -nc --arg mode "$mode" --argjson n "$n" --argjson round "$round" \
		--argjson l0 "$l0" --argjson l1 "$l1" --argjson d0 "$d0" --argjson d1 "$d1" \
		--argjson gen "$gen" --argjson ip_in $((i1 - i0)) \
		--arg napi "$napi" \
		'($l1.rx - $l0.rx) as $rx
		 | (if $mode == "nftables" then $rx - $ip_in else $d1 - $d0 end) as $dropped
		 | {mode: $mode, entries: $n, round: $round, generated: $gen.generated,
		  seconds: $gen.seconds,
		  offered: (($l1.rx + $l1.refused) - ($l0.rx + $l0.refused)),
		  received: $rx, dropped: $dropped, reached_ipv4: $ip_in, napi_cpus: $napi,
		  mpps: ($dropped / $gen.seconds / 1e6),
		  rx_cpu_busy: $gen.rx_cpu_busy}' >>"$RAW/pps.jsonl"
}

part_pps() {
	local modes=(pktgate-xdp pktgate-xdp-sample pktgate-xdp-notop pktgate-tc) m n r i
	log "part 2: packets per second through a veth (entries $PPS_SIZES, $PPS_ROUNDS rounds)"
	: >"$RAW/pps.jsonl"
	topology_up
	probe_nft
	probe_ipset
	[ $have_nft = 1 ] && modes+=(nftables)
	[ $have_ipset = 1 ] && modes+=(iptables-ipset)
	modes+=(no-filter xdp-drop-all)
	# BENCH_PPS_MODES="pktgate-xdp nftables": those receivers only (to
	# profile one, say); the lists are loaded for every tool all the same.
	[ -z "$PPS_MODES" ] || read -ra modes <<<"$PPS_MODES"
	"$PG" status >/dev/null	# creates the pinned maps
	for n in $PPS_SIZES; do
		log "  $n entries: loading the lists"
		lists_load "$n"
		for ((r = 0; r < PPS_ROUNDS; r++)); do
			for ((i = 0; i < ${#modes[@]}; i++)); do
				m=${modes[$(((i + r) % ${#modes[@]}))]}
				pps_run "$m" "$n" "$r"
			done
			log "  $n entries: round $((r + 1)) of $PPS_ROUNDS done"
		done
		lists_unload "$n"
	done
	jq -nc --argjson gen $GEN_CPU --argjson rx $RX_CPU --arg threaded "$threaded" \
		'{generator_cpu: $gen, rx_cpu: $rx, threaded_napi: ($threaded == "1")}' \
		>"$RAW/pps-setup.json"
	ip netns del "$GNS"
	ip netns del "$RNS"
}

# ---- part 3: control plane -----------------------------------------------

nft_set_file() {	# nft_set_file N FILE: the list as one interval set
	{
		echo "table ip pgbench_cp {"
		echo "  set deny4 { type ipv4_addr; flags interval; elements = {"
		"$PGB" prefixes --entries "$1" --layout mix --seed $SEED --format nft
		echo "  } }"
		echo "}"
	} >"$2"
}

cp_emit() {	# cp_emit TOOL N ROUND SECONDS [EXTRA-JSON]
	jq -nc --arg tool "$1" --argjson n "$2" --argjson round "$3" --argjson s "$4" \
		--argjson extra "${5:-{\}}" \
		'{tool: $tool, entries: $n, round: $round, seconds: $s} + $extra' >>"$RAW/load.jsonl"
}

# Commands are timed by `pgbench time`: fork to exit, what a user waits
# for; it then waits for what the command left running (pktgate frees a
# replaced generation's tables in the background), so that no measurement
# overlaps the previous one's cleanup. It prints {seconds, background_s}.
timed() { "$PGB" time "$@"; }

cp_batch() {	# the kernel-side floor of `pktgate load`
	local n=$1 r=$2 j
	j=$("$PGB" load --entries "$n" --layout mix --seed $SEED)
	cp_emit batch "$n" "$r" "$(jq .insert_s <<<"$j")" "$j"
}

cp_nft() {
	local n=$1 r=$2 ins del s0 s1
	s0=$(slab_kb)
	ins=$(timed -- nsenter --net="/run/netns/$CNS" nft -f "$RAW/cp-$n.nft")
	s1=$(slab_kb)
	del=$(timed -- nsenter --net="/run/netns/$CNS" nft delete table ip pgbench_cp)
	cp_emit nft "$n" "$r" "$(jq .seconds <<<"$ins")" \
		"{\"delete_s\": $(jq .seconds <<<"$del"), \"slab_delta_bytes\": $(((s1 - s0) * 1024))}"
}

# `pktgate load` of the same prefixes (a file, one CIDR a line) into a new
# list, then again with --replace (a list of the same size swapped for a
# new one in one generation switch), then `flush deny --list` (which
# removes the list). Each is a whole command: reading the file, reading
# the current tables, building new ones, switching.
cp_pktgate_load() {
	local n=$1 r=$2 out="$RAW/cp-load.json" f ld ldo rp rpo fl
	f="$RAW/cp-$n.txt"
	ld=$(timed --out "$out" -- "$PG" -j load "$f" --list bench)
	ldo=$(<"$out")
	rp=$(timed --out "$out" -- "$PG" -j load "$f" --list bench --replace)
	rpo=$(<"$out")
	fl=$(timed -- "$PG" flush deny --list bench)
	if [ "$(jq .entries <<<"$ldo")" != "$n" ] || [ "$(jq .entries <<<"$rpo")" != "$n" ]; then
		die "pktgate load of $n prefixes: the list held $(jq .entries <<<"$ldo"), then $(jq .entries <<<"$rpo")"
	fi
	cp_emit pktgate-load "$n" "$r" "$(jq .seconds <<<"$ld")" "$(jq -nc --argjson t "$ld" \
		--argjson o "$ldo" --argjson fl "$fl" '{background_s: $t.background_s,
		command_s: $o.seconds, parse_s: $o.read_seconds, delete_s: $fl.seconds,
		delete_background_s: $fl.background_s}')"
	cp_emit pktgate-replace "$n" "$r" "$(jq .seconds <<<"$rp")" "$(jq -nc --argjson t "$rp" \
		--argjson o "$rpo" '{background_s: $t.background_s, command_s: $o.seconds,
		parse_s: $o.read_seconds}')"
}

# A small list loaded beside a big one (issue 13: a load of a 1k-entry
# list while a million other entries are present must not pay for
# rebuilding the others' tables): BESIDE_BIG prefixes in list big, then
# BESIDE_SMALL other prefixes (another seed) into list small: load, load
# --replace, flush --list. The big list is loaded untimed, once a round.
cp_beside() {
	local r=$1 out="$RAW/cp-load.json" f="$RAW/cp-beside.txt" ld ldo rp rpo fl
	"$PG" load "$RAW/cp-beside-big.txt" --list big >/dev/null
	ld=$(timed --out "$out" -- "$PG" -j load "$f" --list small)
	ldo=$(<"$out")
	rp=$(timed --out "$out" -- "$PG" -j load "$f" --list small --replace)
	rpo=$(<"$out")
	fl=$(timed -- "$PG" flush deny --list small)
	timed -- "$PG" flush deny --list big >/dev/null
	[ "$(jq .entries <<<"$ldo")" = "$BESIDE_SMALL" ] && [ "$(jq .entries <<<"$rpo")" = "$BESIDE_SMALL" ] ||
		die "load of $BESIDE_SMALL beside $BESIDE_BIG: the list held $(jq .entries <<<"$ldo"), then $(jq .entries <<<"$rpo")"
	cp_emit beside-load "$BESIDE_SMALL" "$r" "$(jq .seconds <<<"$ld")" "$(jq -nc --argjson o "$ldo" \
		--argjson fl "$fl" --argjson big "$BESIDE_BIG" '{beside: $big, command_s: $o.seconds,
		delete_s: $fl.seconds}')"
	cp_emit beside-replace "$BESIDE_SMALL" "$r" "$(jq .seconds <<<"$rp")" "$(jq -nc --argjson o "$rpo" \
		--argjson big "$BESIDE_BIG" '{beside: $big, command_s: $o.seconds}')"
}

cp_deny_add() {	# one `pktgate deny add` with every CIDR, then one flush
	local n=$1 r=$2 ins del cidrs
	mapfile -t cidrs < <("$PGB" prefixes --entries "$n" --layout mix --seed $SEED)
	ins=$(timed -- "$PG" deny add "${cidrs[@]}")
	del=$(timed -- "$PG" flush deny)
	cp_emit deny-add "$n" "$r" "$(jq .seconds <<<"$ins")" "{\"delete_s\": $(jq .seconds <<<"$del")}"
}

# Readers on full tables: the list itself, the per-interface counters and,
# where the CLI has one, the top-talker view.
cp_reads() {
	local n=$1 r c t cmds=("stats" "status" "deny list")
	# top reads the table twice, INTERVAL apart, for rates: the shortest.
	# (No pipe into grep -q: with pipefail, help dying of SIGPIPE would hide it.)
	[[ "$("$PG" help 2>&1)" == *$'\n  pktgate top'* ]] && cmds+=("top --interval 0.01")
	"$PGB" load --entries "$n" --layout mix --seed $SEED --keep >/dev/null
	"$PGB" fill-top --entries 65536 >/dev/null
	for ((r = 0; r < CP_ROUNDS; r++)); do
		for c in "${cmds[@]}"; do
			t=$(now_ns)
			# shellcheck disable=SC2086 # word splitting intended
			timeout 120 "$PG" $c >/dev/null
			jq -nc --arg cmd "pktgate $c" --argjson n "$n" --argjson round "$r" \
				--argjson s "$(secs_since "$t")" \
				'{command: $cmd, entries: $n, round: $round, seconds: $s}' >>"$RAW/reads.jsonl"
		done
	done
	"$PGB" clear --entries "$n" --layout mix --seed $SEED >/dev/null
}

part_control() {
	local n r i tools
	log "part 3: control plane (entries $CP_SIZES, $CP_ROUNDS rounds)"
	: >"$RAW/load.jsonl"
	: >"$RAW/reads.jsonl"
	"$PG" status >/dev/null
	ip netns add "$CNS"
	tools=(batch pktgate_load)
	for n in $CP_SIZES; do
		"$PGB" prefixes --entries "$n" --layout mix --seed $SEED >"$RAW/cp-$n.txt"
	done
	"$PGB" prefixes --entries "$BESIDE_BIG" --layout mix --seed $SEED >"$RAW/cp-beside-big.txt"
	"$PGB" prefixes --entries "$BESIDE_SMALL" --layout mix --seed $((SEED + 1)) >"$RAW/cp-beside.txt"
	if command -v nft >/dev/null; then
		tools+=(nft)
		for n in $CP_SIZES; do nft_set_file "$n" "$RAW/cp-$n.nft"; done
	else
		skip 3 "nft -f" "nft not installed"
	fi
	# Rounds outermost, the tools' order rotated each round: all of them
	# see the same drift of the machine.
	for ((r = 0; r < CP_ROUNDS; r++)); do
		for n in $CP_SIZES; do
			for ((i = 0; i < ${#tools[@]}; i++)); do
				"cp_${tools[$(((i + r) % ${#tools[@]}))]}" "$n" "$r"
			done
		done
		for n in $ADD_SIZES; do cp_deny_add "$n" "$r"; done
		cp_beside "$r"
		log "  round $((r + 1)) of $CP_ROUNDS done"
	done
	rm -f "$RAW"/cp-*.nft "$RAW"/cp-*.txt "$RAW/cp-load.json"
	for n in $READ_SIZES; do
		log "  reading full tables, $n entries"
		cp_reads "$n"
	done
	ip netns del "$CNS"
}

# ---- report -----------------------------------------------------------------

report() {
	local f
	[ -s "$RAW/datapath.json" ] || echo '{"cells": []}' >"$RAW/datapath.json"
	[ -s "$RAW/pps-setup.json" ] || echo '{}' >"$RAW/pps-setup.json"
	for f in pps load reads; do [ -e "$RAW/$f.jsonl" ] || : >"$RAW/$f.jsonl"; done
	command -v gnuplot >/dev/null ||
		skip report plots "gnuplot not installed (scripts/install-deps.sh --bench)"
	jq -n --argjson runtime $(($(date +%s) - START)) \
		--slurpfile machine "$RAW/machine.json" --slurpfile dp "$RAW/datapath.json" \
		--slurpfile setup "$RAW/pps-setup.json" --slurpfile pps "$RAW/pps.jsonl" \
		--slurpfile load "$RAW/load.jsonl" --slurpfile reads "$RAW/reads.jsonl" \
		--slurpfile skipped "$RAW/skipped.jsonl" \
		'{runtime_s: $runtime, machine: $machine[0], datapath: $dp[0], pps_setup: $setup[0],
		  pps: $pps, load: $load, reads: $reads, skipped: $skipped}' |
		jq -L "$BENCH" 'include "report"; results' >"$OUT/results.json"
	jq -r -L "$BENCH" 'include "report"; markdown' "$OUT/results.json" >"$OUT/results.md"
	command -v gnuplot >/dev/null && plots
	return 0
}

plots() {
	local p labels
	labels=$(jq -r '[.pps[].entries] | unique | map(tostring) | join(" ")' "$OUT/results.json")
	for p in datapath pps load; do
		jq -r -L "$BENCH" "include \"report\"; dat_$p" "$OUT/results.json" >"$RAW/$p.dat"
		[ -s "$RAW/$p.dat" ] || continue
		gnuplot -e "datafile='$RAW/$p.dat'; outfile='$OUT/$p.png'; labels='$labels'" \
			"$BENCH/$p.gp" 2>"$RAW/$p.gnuplot.log" ||
			log "gnuplot failed for $p.png"
	done
}

machine_json
want_part 1 && part_datapath
want_part 2 && part_pps
want_part 3 && part_control
report
log "results in $OUT ($(($(date +%s) - START)) s)"
cat "$OUT/results.md"
