# SPDX-License-Identifier: GPL-2.0
# The benchmark harness (bench/run.sh) in smoke mode: a few packets and
# small tables, to prove that `make bench` still works. Asserts only that
# the results are well-formed, never a speed.

# bench_json FILTER: jq -e on the smoke run's results.json.
bench_json() {
	jq -e "$1" "$TMP/bench/results.json" >/dev/null || fail "results.json: $1 does not hold"
}

test_bench_smoke() {
	local out="$TMP/bench" p
	"$TOP/bench/run.sh" --smoke --out "$out" >"$TMP/bench.log" 2>&1 ||
		{ cat "$TMP/bench.log"; fail "bench/run.sh --smoke failed"; }
	jq . "$out/results.json" >/dev/null || fail "results.json does not parse"
	# Every part produced rows, and every row has numbers where it should.
	bench_json '.machine.nproc > 0 and (.machine.kernel | length) > 0'
	bench_json '(.datapath.rows | length) == 8'
	bench_json 'all(.datapath.rows[]; all(.bare, .drop, .pass, .drop_notop, .pass_notop;
		.n == 2 and (.median | type) == "number"))'
	bench_json '(.pps | length) > 0 and all(.pps[]; (.mpps.median | type) == "number"
		and .offered > 0 and .received > 0)'
	bench_json '[.pps[].mode] | index("pktgate-xdp") and index("pktgate-tc") and index("no-filter")'
	bench_json '(.load | length) > 0 and all(.load[]; (.seconds.median | type) == "number")'
	bench_json '[.load[].tool] | index("batch") and index("deny-add")
		and index("pktgate-load") and index("pktgate-replace")'
	# pktgate load rows at every size (smoke: 2), whole-command timings with
	# the background freeing apart, the flush, and nft's ratio where it ran.
	bench_json '([.load[] | select(.tool == "pktgate-load")] | length) == 2'
	bench_json 'all(.load[] | select(.tool | startswith("pktgate-"));
		(.command_s.median | type) == "number" and (.background_s.median | type) == "number")'
	bench_json 'all(.load[] | select(.tool == "pktgate-load"); (.delete_s.median | type) == "number")'
	bench_json '(any(.load[]; .tool == "nft") | not)
		or all(.load[] | select(.tool == "pktgate-load"); (.nft_x | type) == "number")'
	bench_json '(.reads | length) > 0 and (.targets | length) > 0'
	bench_json 'all(.targets[]; .met == null or (.met | type) == "boolean")'
	# A skipped filter must say why.
	bench_json 'all(.skipped[]; (.reason | length) > 0)'
	# The Markdown has its tables, with rows.
	grep -q '^| IPv4 | seq | 1 |' "$out/results.md" || fail "no datapath row in results.md"
	grep -q '^| 1 | pktgate-xdp |' "$out/results.md" || fail "no pps row in results.md"
	grep -q '^| 100 | ' "$out/results.md" || fail "no load row in results.md"
	# Plots, where gnuplot is installed (make bench installs it).
	if command -v gnuplot >/dev/null; then
		for p in datapath pps load; do
			[ "$(head -c 4 "$out/$p.png" | tail -c 3)" = PNG ] || fail "$p.png is not a PNG"
		done
	fi
}
