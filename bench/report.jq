# SPDX-License-Identifier: GPL-2.0
# pktgate benchmark report: raw samples in, statistics, targets, Markdown
# and gnuplot data out. Used by bench/run.sh as a jq module:
#   results      raw bundle -> results.json
#   markdown     results.json -> results.md
#   dat_*        results.json -> whitespace-separated data for bench/*.gp
# Spread is reported as min-max over the rounds, beside the median.

def med: sort | if length == 0 then null
	elif length % 2 == 1 then .[length / 2 | floor]
	else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def stat: if length == 0 then null else {median: med, min: min, max: max, n: length} end;
def rnd(d): if . == null then null else (. * pow(10; d) | round) / pow(10; d) end;
def num(d): if . == null then "–" else rnd(d) | tostring end;
# Three significant digits, for seconds that span 1 ms to 10 s.
def sig: if . == null then "–" elif . == 0 then "0"
	else num([2 - (fabs | log10 | floor), 0] | max) end;
def secs: if . == null then "–" elif . < 1 then "\(. * 1000 | sig) ms" else "\(sig) s" end;
def sspread: if . == null then "–" else "\(.median | secs) (\(.min | secs)–\(.max | secs))" end;
def spread(d): if . == null then "–"
	else "\(.median | num(d)) (\(.min | num(d))–\(.max | num(d)))" end;
def ratio(a; b): if a == null or b == null or b == 0 then null else a / b end;

# ---- results ----------------------------------------------------------------

def dp_row: {
	family, layout, entries, plen_histogram,
	bare_direct: (.bare_direct | stat), bare: (.bare | stat),
	drop: (.drop | stat), pass: (.pass | stat),
	drop_notop: (.drop_notop | stat), pass_notop: (.pass_notop | stat),
	pass_limit: (.pass_limit | stat), drop_sample: (.drop_sample | stat),
	chase: (if .chase1 == null then null else [.chase1, .chase2, .chase3] | map(stat) end),
	memlock_bytes: .memlock,
	bytes_per_entry: ratio(.memlock - .memlock_empty; .entries)
} | .wrapper_ns = (.bare.median - .bare_direct.median)
  | .drop_x_bare = ratio(.drop.median; .bare.median)
  | .pass_x_bare = ratio(.pass.median; .bare.median)
  | .drop_notop_x_bare = ratio(.drop_notop.median; .bare.median)
  | .pass_notop_x_bare = ratio(.pass_notop.median; .bare.median)
  | .drop_sample_x_bare = ratio(.drop_sample.median; .bare.median);

def datapath_results: if . == null then null
	else {repeat, rounds, addresses, frame_len, rows: [.cells[] | dp_row]} end;

def pps_results: group_by([.entries, .mode]) | map({
	entries: .[0].entries, mode: .[0].mode, runs: length,
	mpps: (map(.mpps) | stat),
	generated: (map(.generated) | med), offered: (map(.offered) | med),
	received: (map(.received) | med), dropped: (map(.dropped) | med),
	dropped_share: (map(ratio(.dropped; .received)) | med),
	rx_cpu_busy: (map(.rx_cpu_busy) | med)
}) | . as $rows | map(
	. as $r
	| ([$rows[] | select(.entries == $r.entries and .mode == "nftables")][0].mpps.median) as $nft
	| .x_nftables = ratio($r.mpps.median; $nft));

def load_results: group_by([.tool, .entries]) | map({
	tool: .[0].tool, entries: .[0].entries, beside: .[0].beside,
	seconds: (map(.seconds) | stat),
	delete_s: (map(.delete_s // empty) | stat),
	# pktgate: time the command's own clock saw (after process start), the
	# file parse within it, and the background freeing of replaced tables.
	command_s: (map(.command_s // empty) | stat),
	parse_s: (map(.parse_s // empty) | stat),
	background_s: (map(.background_s // empty) | stat),
	delete_background_s: (map(.delete_background_s // empty) | stat),
	bytes_per_entry: (
		if .[0].tool == "batch" then map(ratio(.memlock_bytes - .memlock_empty_bytes; .entries)) | med
		elif .[0].tool == "nft" then
			map(select(.slab_delta_bytes >= 1048576) | ratio(.slab_delta_bytes; .entries)) | med
		else null end),
	slab_bytes_per_entry: (map(ratio(.slab_delta_bytes // null; .entries) // empty) | med)
}) | . as $rows | map(
	. as $r
	| ([$rows[] | select(.entries == $r.entries and .tool == "nft")][0].seconds.median) as $nft
	# How many times longer nft -f takes than this tool.
	| .nft_x = ratio($nft; $r.seconds.median));

def reads_results: group_by([.command, .entries])
	| map({command: .[0].command, entries: .[0].entries, seconds: (map(.seconds) | stat)});

def dp_find(f; l; n): [.datapath.rows[]? | select(.family == f and .layout == l and .entries == n)][0];
def net_drop: if . == null then null else .drop.median - .wrapper_ns end;

def target_dp(l):
	(dp_find(4; l; 1) | net_drop) as $one | (dp_find(4; l; 1000000) | net_drop) as $big
	| ratio($big; $one) as $x
	| {id: "datapath-1M", layout: l,
	   target: "IPv4 drop path with 1M prefixes (\(l)) costs at most 2x the 1-entry drop path",
	   value: $x, limit: 2, met: (if $x == null then null else $x <= 2 end),
	   detail: (if $x == null then "not measured in this run (needs 1 and 1M entries)"
		else "\($big | num(0)) ns vs \($one | num(0)) ns per packet (net of the address-rotation wrapper): \($x | num(2))x"
		end)};

def target_pps(n):
	([.pps[] | select(.entries == n and .mode == "pktgate-xdp")][0]) as $x
	| ([.pps[] | select(.entries == n and .mode == "nftables")][0]) as $nft
	| ratio($x.mpps.median; $nft.mpps.median) as $q
	| {id: "pps-vs-nft", entries: n,
	   target: "pktgate XDP drops >= 3x the pps of nftables netdev ingress (\(n) entries)",
	   value: $q, limit: 3, met: (if $q == null then null else $q >= 3 end),
	   detail: (if $q == null then "not measured in this run"
		else "\($x.mpps.median | num(2)) vs \($nft.mpps.median | num(2)) Mpps: \($q | num(2))x" end)};

def load_find(t; n): [.load[] | select(.tool == t and .entries == n)][0];

def target_load:
	(load_find("pktgate-load"; 1000000).seconds.median) as $p
	| (load_find("pktgate-replace"; 1000000).seconds.median) as $rp
	| (load_find("nft"; 1000000).seconds.median) as $n
	| (load_find("batch"; 1000000).seconds.median) as $b
	| {id: "load-1M",
	   target: "`pktgate load` of 1M IPv4 prefixes: loaded and live in < 2 s, and faster than `nft -f` of the same set",
	   value: $p, limit: 2,
	   met: (if $p == null or $n == null then null else $p < 2 and $p < $n end),
	   detail: (if $p == null then "not measured in this run (needs 1M entries)"
		else "`pktgate load` (the whole command, into a new list): \($p | num(2)) s; `--replace` of a 1M list: \($rp | num(2)) s; `nft -f`: \($n | num(2)) s\(if ratio($n; $p) then " (\(ratio($n; $p) | num(1))x pktgate load)" else "" end); kernel floor (batch update, pgbench): \($b | num(2)) s"
		end)};

def results:
	{runtime_s, machine, pps_setup, skipped,
	 datapath: (.datapath | datapath_results),
	 pps: (.pps | pps_results), load: (.load | load_results), reads: (.reads | reads_results)}
	| .targets = ([target_dp("seq"), target_dp("mix")]
		+ [(.pps | map(.entries) | unique)[] as $n | target_pps($n)] + [target_load]);

# ---- markdown ----------------------------------------------------------------

def entries_h: if . >= 1000000 then "\(. / 1000000 | num(1) | sub("\\.0$"; ""))M"
	elif . >= 1000 then "\(. / 1000 | num(1) | sub("\\.0$"; ""))k" else tostring end;
def verdict: if .met == true then "met" elif .met == false then "**missed**" else "n/a" end;
def row(cells): "| " + (cells | join(" | ")) + " |";

def md_machine: .machine as $m |
	"Machine: \($m.cpu), \($m.nproc) CPUs, \($m.memory), kernel \($m.kernel); pktgate \($m.commit)\(if $m.dirty then " + uncommitted changes" else "" end); \($m.nft); \($m.iptables). Mode: \($m.mode); load average at start \($m.loadavg_at_start); total runtime \(.runtime_s) s; \($m.date).";

def md_datapath: .datapath as $d | if ($d.rows // []) == [] then "Not run." else
	"BPF_PROG_TEST_RUN, \($d.repeat) repetitions per measurement, \($d.rounds) rounds, each source address new (\($d.addresses) addresses, random order; hits fall inside random entries, misses are uncovered addresses). ns per packet: median (min–max). Ratios are to the bare XDP_DROP program behind the same address-rotating wrapper; \"bare direct\" is that program without the wrapper. pktgate as attached by default (per-address top-talker counters on), with `--top-sample 16` and with `--no-top`. Memory: growth of the maps' memlock per entry. \"1/2/3 lines\": the bare program behind the same wrapper plus a chain of 1, 2 or 3 dependent random reads in a 16 MiB array (medians), the price of the cache lines a lookup reads.\n",
	row(["family", "layout", "entries", "bare direct", "bare", "drop", "drop ×bare", "pass", "pass ×bare", "drop --top-sample 16", "×bare", "drop --no-top", "pass --no-top", "bytes/entry", "1/2/3 lines"]),
	row(["---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
	($d.rows[] | row(["IPv\(.family)", .layout, (.entries | entries_h), (.bare_direct | spread(0)),
		(.bare | spread(0)), (.drop | spread(0)), (.drop_x_bare | num(1)), (.pass | spread(0)),
		(.pass_x_bare | num(1)), (.drop_sample | spread(0)), (.drop_sample_x_bare | num(1)),
		(.drop_notop | spread(0)), (.pass_notop | spread(0)),
		(.bytes_per_entry | num(0)),
		(if .chase == null then "–" else .chase | map(.median | num(0)) | join(" / ") end)]))
	end;

def md_pps: if (.pps // []) == [] then "Not run." else
	"64-byte UDP frames from sources in the deny list (random hits in a mixed-length list), generated by pgbench (BPF_PROG_TEST_RUN live frames, XDP redirect into a veth) on CPU \(.pps_setup.generator_cpu); the receiving veth's NAPI \(if .pps_setup.threaded_napi then "runs threaded, pinned to CPU \(.pps_setup.rx_cpu)" else "runs in the generator's softirq (threaded NAPI unavailable)" end). Counts are the receiver's: offered = frames the veth received or refused (ring full), received = frames its NAPI took in, dropped = the filter's own drop counter (pktgate: deny; iptables: the rule's counter; no-filter: UDP NoPorts; xdp-drop-all: received), except for nftables, where it is received minus the frames that reached IPv4 (Ip InReceives): every nft listing dumps the whole interval set, which takes minutes at 1M elements. Mpps = dropped / generator run time, median (min–max) over rounds. rx CPU = how busy the receive CPU was while the generator sent (/proc/stat).\n",
	row(["entries", "receiver", "Mpps", "× nftables", "offered", "received", "dropped", "dropped/received", "rx CPU"]),
	row(["---:", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
	(.pps[] | row([(.entries | entries_h), .mode, (.mpps | spread(2)), (.x_nftables | num(2)),
		(.offered | tostring), (.received | tostring), (.dropped | tostring),
		(.dropped_share | num(3)), (.rx_cpu_busy | num(2))]))
	end;

def load_cell(t; n): (load_find(t; n).seconds) | sspread;
def load_del(t; n): (load_find(t; n).delete_s) | sspread;
def load_bg(t; n): (load_find(t; n).background_s.median) | secs;
def load_mem(t; n): (load_find(t; n).bytes_per_entry) | num(0);

def md_load: if (.load // []) == [] then "Not run." else
	"Median (min–max) over the rounds. The same mixed-length IPv4 prefixes everywhere. Commands are timed from fork to exit (what a user waits for). `pktgate load FILE --list bench` loads a file with one CIDR a line into a new list: read and check the file, read the tables, build new ones with batch updates, switch generations; the entries are live when it returns. `--replace` then swaps that list for the same file's content (a list of the same size replaced atomically), and `pktgate flush deny --list bench` removes it. pktgate frees replaced tables in a background process after it exits: \"freed after\" is how long that took (the next measurement waits for it). nft: `nft -f` of one interval set into its own table, then `nft delete table`; \"nft ÷ pktgate load\" is how many times longer `nft -f` takes. \"kernel floor\" is pgbench's own batch update of the same prefixes into the live deny tables (sorted keys, as pktgate writes them; timed around the syscalls only): the kernel's part of a bulk load, without reading a file or the tables or switching generations. `pktgate deny add` is one invocation with every CIDR on the command line (per-rule counters, at most 65,535 rules by design), measured at small sizes only. Memory per entry: memlock growth (pktgate, exact); slab growth (nft, approximate: anything else the machine does shows up too, so growth under 1 MiB is shown as –).\n",
	row(["entries", "pktgate load", "pktgate load --replace", "freed after", "pktgate flush --list", "nft -f", "nft delete", "nft ÷ pktgate load", "kernel floor (batch update)", "its delete", "pktgate deny add", "pktgate flush deny", "bytes/entry pktgate", "bytes/entry nft"]),
	row(["---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
	([.load[].entries] | unique[]) as $n
	| row([($n | entries_h), load_cell("pktgate-load"; $n), load_cell("pktgate-replace"; $n),
		load_bg("pktgate-replace"; $n), load_del("pktgate-load"; $n), load_cell("nft"; $n),
		load_del("nft"; $n), (load_find("pktgate-load"; $n).nft_x | num(1)),
		load_cell("batch"; $n), load_del("batch"; $n), load_cell("deny-add"; $n),
		load_del("deny-add"; $n), load_mem("batch"; $n), load_mem("nft"; $n)])
	end;

def md_beside: [.load[] | select(.tool == "beside-load")][0] as $b | if $b == null then "" else
	"### A small list beside a big one\n\n`pktgate load` of \($b.entries | entries_h) prefixes into list small while list big holds \($b.beside | entries_h) (another seed), then `load --replace` of small with the same file, then `flush deny --list small`. Beside, from the table above: a load of \($b.beside | entries_h) into a new list, and `nft -f` of \($b.entries | entries_h).\n",
	row(["small", "beside", "load", "load --replace", "flush --list", "load of \($b.beside | entries_h) alone", "`nft -f` of \($b.entries | entries_h)"]),
	row(["---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
	row([($b.entries | entries_h), ($b.beside | entries_h), load_cell("beside-load"; $b.entries),
		load_cell("beside-replace"; $b.entries), load_del("beside-load"; $b.entries),
		load_cell("pktgate-load"; $b.beside), load_cell("nft"; $b.entries)])
	end;

def md_reads: if (.reads // []) == [] then "Not run." else
	"Wall time of one command (process start to exit, output discarded), with the deny list holding N entries and the top-talker table full (65,536 addresses). Median (min–max).\n",
	row(["command", "entries", "time"]), row(["---", "---:", "---:"]),
	(.reads[] | row([.command, (.entries | entries_h), (.seconds | sspread)]))
	end;

def md_targets:
	row(["target", "result", "detail"]), row(["---", "---", "---"]),
	(.targets[] | row([.target, verdict, .detail]));

def md_skipped: if (.skipped // []) == [] then "Nothing was skipped." else
	(.skipped[] | "- \(.what) (part \(.part)): \(.reason)") end;

def markdown:
	"# pktgate benchmark results\n", md_machine, "",
	"## Targets\n", md_targets, "",
	"## 1. Datapath cost per packet\n", md_datapath, "",
	"## 2. Packets per second through a veth\n", md_pps, "",
	"## 3. Control plane\n", "### Loading prefixes\n", md_load, "", md_beside, "",
	"### Reading full tables\n", md_reads, "",
	"## Skipped\n", md_skipped;

# ---- gnuplot data ------------------------------------------------------------

# Blocks separated by two blank lines (gnuplot "index"), one per series.
def dat_datapath: (.datapath.rows // []) as $rows
	| ([[4, "seq"], [4, "mix"], [6, "seq"], [6, "mix"]][] as [$f, $l]
	   | [$rows[] | select(.family == $f and .layout == $l)]
	   | select(length > 0)
	   | "# IPv\($f) \($l)", (.[] | "\(.entries) \(.drop.median) \(.pass.median) \(.drop_notop.median) \(.pass_notop.median) \(.bare.median)"),
	   "", "");

def dat_pps: (.pps // []) as $rows | ($rows | map(.mode) | unique) as $modes
	| ($rows | map(.entries) | unique)[] as $n
	| "# \($n)", ($modes[] as $m | [$rows[] | select(.entries == $n and .mode == $m)][0]
		| select(. != null) | "\"\($m)\" \(.mpps.median) \(.mpps.min) \(.mpps.max)"), "", "";

# One line per size: median, min and max of each tool, in the column
# order bench/load.gp expects (NaN where a tool did not run).
def dat_load: (.load // []) as $rows | ($rows | map(.entries) | unique)[] as $n
	| [$n] + ([["pktgate-load", "pktgate-replace", "nft", "batch", "deny-add"][] as $t
		| [$rows[] | select(.entries == $n and .tool == $t)][0].seconds
		| (.median // "NaN"), (.min // "NaN"), (.max // "NaN")])
	| map(tostring) | join(" ");
