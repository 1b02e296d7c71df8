# SPDX-License-Identifier: GPL-2.0
# pktgate exporter: Prometheus metrics over HTTP. The exporter listens on
# 127.0.0.1 only, on a port the kernel picks (--listen 127.0.0.1:0), and every
# request is bounded with curl --max-time.

EXP_CLIENT4=192.0.2.2
EXP_SERVER4=203.0.113.2

# exp_start [ARGS...]: start an exporter in the background, stopped when the
# test ends; sets EXP_PID, EXP_URL (http://127.0.0.1:PORT/metrics), EXP_PORT.
exp_start() {
	local log="$TMP/exporter.$RANDOM"

	"$PG" exporter --listen 127.0.0.1:0 "$@" >"$log" 2>"$log.err" &
	EXP_PID=$!
	defer kill "$EXP_PID"
	for _ in $(seq 50); do
		EXP_URL=$(sed -n 's/^serving metrics on //p' "$log")
		[ -n "$EXP_URL" ] && break
		kill -0 "$EXP_PID" 2>/dev/null || fail "exporter exited: $(cat "$log.err")"
		sleep 0.1
	done
	[ -n "$EXP_URL" ] || fail "exporter did not start: $(cat "$log" "$log.err")"
	[[ "$EXP_URL" == http://127.0.0.1:*/metrics ]] || fail "exporter URL $EXP_URL"
	EXP_PORT=${EXP_URL#http://127.0.0.1:}
	EXP_PORT=${EXP_PORT%/metrics}
}

scrape() {	# scrape [PATH]: the body of a successful GET
	curl -sS --fail --max-time 5 "http://127.0.0.1:$EXP_PORT${1:-/metrics}"
}

http_code() {	# http_code CURL-ARGS...: the status code of one request
	curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "$@"
}

# raw_request BYTES: send BYTES (printf format) on a new connection and print
# the status line of the answer, if any; the server must close within 5 s.
raw_request() {
	timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "$2" >&3 &&
		head -n1 <&3 | tr -d "\r"' _ "$EXP_PORT" "$1"
}

exp_pings() {	# exp_pings N: exactly N echo requests from the client
	on client timeout $(($1 + 5)) ping -n -c "$1" -i 0.05 -W 1 "$EXP_SERVER4" \
		>/dev/null 2>&1 || true
}

# The lines `stats` and `status` imply, in the exposition format: every one
# must be in a scrape taken while the counters do not move.
stats_lines() {
	gwpg -j stats --iface "$1" | jq -r '
		.interfaces[] as $i | $i.hooks[] as $h | $h.reasons | to_entries[] |
		"{interface=\"\($i.ifname)\",netns_ino=\"\($i.netns_ino)\",hook=\"\($h.hook)\",reason=\"\(.key)\",action=\"\(.value.action)\"}" as $l |
		"pktgate_packets_total\($l) \(.value.packets)", "pktgate_bytes_total\($l) \(.value.bytes)"'
}

status_lines() {
	pg -j status | jq -r '.lists[] |
		"{kind=\"\(.list)\",family=\"ipv\(.family)\"}" as $l |
		"pktgate_list_entries\($l) \(.entries)", "pktgate_list_expired_entries\($l) \(.expired)",
		"pktgate_list_capacity\($l) \(.capacity)"'
}

test_exporter_output_passes_promtool() {
	command -v promtool >/dev/null || fail "promtool missing (scripts/install-deps.sh --test)"
	lab_up
	# A name that needs escaping: a quote and a backslash are legal in names.
	odd='q"b\s'
	on gw ip link add "$odd" type veth peer name qpeer
	on gw ip link set "$odd" up
	on gw ip link set qpeer up
	gwpg attach gw-c >/dev/null
	gwpg attach "$odd" --mode generic --tc egress >/dev/null
	pg deny add 2001:db8:bad::/48 198.51.100.0/24 >/dev/null
	exp_pings 3
	exp_start
	scrape >"$TMP/m"
	promtool check metrics <"$TMP/m" || fail "promtool rejected: $(cat "$TMP/m")"
	grep -qF 'pktgate_attached{interface="q\"b\\s",' "$TMP/m" ||
		fail "escaped interface name missing: $(grep attached "$TMP/m")"
	for fam in pktgate_packets_total pktgate_bytes_total pktgate_events_emitted_total \
		   pktgate_events_suppressed_total; do
		grep -qx "# TYPE $fam counter" "$TMP/m" || fail "no counter TYPE line for $fam"
		grep -q "^# HELP $fam " "$TMP/m" || fail "no HELP line for $fam"
	done
	for fam in pktgate_list_entries pktgate_list_capacity pktgate_attached \
		   pktgate_top_talker_packets pktgate_top_talker_bytes pktgate_top_talker_dropped_packets; do
		grep -qx "# TYPE $fam gauge" "$TMP/m" || fail "no gauge TYPE line for $fam"
	done
	# The content type that declares the text format's version.
	ctype=$(curl -sS -o /dev/null -w '%{content_type}' --max-time 5 "$EXP_URL")
	assert_eq "text/plain; version=0.0.4; charset=utf-8" "$ctype" "Content-Type"
	# --once prints the same format, for scripts.
	expect 0 pg exporter --once
	echo "$OUT" | promtool check metrics || fail "promtool rejected --once output"
	assert_contains "$OUT" 'pktgate_list_entries{kind="deny",family="ipv6"} 1'
}

test_exporter_values_equal_stats_and_status() {
	lab_up
	gwpg attach gw-c >/dev/null
	exp_start --top 3
	exp_pings 5
	pg deny add $EXP_CLIENT4 2001:db8:bad::/48 >/dev/null
	pg allow add 198.51.100.7 >/dev/null
	exp_pings 4
	# A running exporter holds no lock: a mutating command is not held up.
	timeout 5 "$PG" deny add 198.51.100.0/24 >/dev/null || fail "deny add blocked by the exporter"

	# Compare once the counters stand still (stats, scrape, stats agree).
	for _ in $(seq 10); do
		stats_lines gw-c >"$TMP/want1"
		scrape >"$TMP/m"
		stats_lines gw-c >"$TMP/want2"
		cmp -s "$TMP/want1" "$TMP/want2" && break
		sleep 0.3
	done
	cmp -s "$TMP/want1" "$TMP/want2" || fail "counters kept moving"
	[ "$(wc -l <"$TMP/want1")" -ge 14 ] || fail "stats gave too little: $(cat "$TMP/want1")"
	while IFS= read -r line; do
		grep -qxF "$line" "$TMP/m" || fail "exporter lacks '$line'; it has:
$(grep 'interface="gw-c"' "$TMP/m" | grep _total)"
	done <"$TMP/want1"
	# And nothing else for gw-c: same number of samples.
	assert_eq "$(wc -l <"$TMP/want1")" \
		"$(grep -c '^pktgate_[a-z]*_total{interface="gw-c",' "$TMP/m")" "gw-c samples"
	ino=$(gwpg -j stats --iface gw-c | jq -r '.interfaces[0].netns_ino')
	grep -qxF "pktgate_packets_total{interface=\"gw-c\",netns_ino=\"$ino\",hook=\"xdp\",reason=\"deny\",action=\"drop\"} 4" \
		"$TMP/m" || fail "deny count is not 4: $(grep 'reason="deny"' "$TMP/m")"
	grep -qxF "pktgate_attached{interface=\"gw-c\",netns_ino=\"$ino\",hook=\"xdp\"} 1" "$TMP/m" ||
		fail "xdp not attached: $(grep pktgate_attached "$TMP/m")"
	grep -qxF "pktgate_attached{interface=\"gw-c\",netns_ino=\"$ino\",hook=\"tc-egress\"} 0" \
		"$TMP/m" || fail "tc-egress attached: $(grep pktgate_attached "$TMP/m")"

	# List gauges as status counts them.
	status_lines >"$TMP/lists"
	assert_eq 12 "$(wc -l <"$TMP/lists")" "status list lines"
	while IFS= read -r line; do
		grep -qxF "$line" "$TMP/m" || fail "exporter lacks '$line': $(grep _list_ "$TMP/m")"
	done <"$TMP/lists"
	grep -qxF 'pktgate_list_entries{kind="deny",family="ipv4"} 2' "$TMP/m" ||
		fail "deny v4 entries: $(grep _list_entries "$TMP/m")"

	# Drop events: as config reports them; every drop is one or the other.
	read -r emitted suppressed <<<"$(pg -j config | jq -r '"\(.events_emitted) \(.events_suppressed)"')"
	grep -qxF "pktgate_events_emitted_total $emitted" "$TMP/m" || fail "events emitted"
	grep -qxF "pktgate_events_suppressed_total $suppressed" "$TMP/m" || fail "events suppressed"
	assert_eq 4 $((emitted + suppressed)) "events + suppressed"

	# The client is the top talker: 9 echo requests of 98 bytes, 4 dropped.
	assert_eq "pktgate_top_talker_packets{address=\"$EXP_CLIENT4\",direction=\"ingress\"} 9" \
		"$(grep -m1 '^pktgate_top_talker_packets{' "$TMP/m")" "top talker"
	grep -qxF "pktgate_top_talker_bytes{address=\"$EXP_CLIENT4\",direction=\"ingress\"} 882" "$TMP/m" ||
		fail "top talker bytes: $(grep _top_talker_bytes "$TMP/m")"
	grep -qxF "pktgate_top_talker_dropped_packets{address=\"$EXP_CLIENT4\",direction=\"ingress\"} 4" "$TMP/m" ||
		fail "top talker drops: $(grep _top_talker_dropped_packets "$TMP/m")"
	n=$(grep -c '^pktgate_top_talker_packets{' "$TMP/m")
	[ "$n" -ge 1 ] && [ "$n" -le 3 ] || fail "$n top talkers with --top 3"

	# Read afresh on every scrape.
	exp_pings 2
	scrape | grep -qxF "pktgate_top_talker_dropped_packets{address=\"$EXP_CLIENT4\",direction=\"ingress\"} 6" ||
		fail "second scrape did not see the new drops"
}

test_exporter_survives_bad_and_slow_clients() {
	exp_start
	# A client that connects and sends nothing, and one that stops mid-header.
	exec 7<>"/dev/tcp/127.0.0.1/$EXP_PORT"
	exec 8<>"/dev/tcp/127.0.0.1/$EXP_PORT"
	printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n' >&8
	slow_start=$(date +%s)

	start=$(date +%s%N)
	scrape >"$TMP/m"
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$ms" -lt 2000 ] || fail "a scrape beside two stalled clients took $ms ms"
	assert_contains "$(cat "$TMP/m")" "# TYPE pktgate_packets_total counter"

	# Malformed requests: 400, and the exporter goes on serving.
	assert_eq "HTTP/1.1 400 Bad Request" "$(raw_request '\001\002\003 \377\r\n\r\n')" "binary garbage"
	assert_eq "HTTP/1.1 400 Bad Request" "$(raw_request 'GET /metrics\r\n\r\n')" "no HTTP version"
	head -c 65536 /dev/urandom >"$TMP/junk"
	timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && cat "$2" >&3 && cat <&3' _ \
		"$EXP_PORT" "$TMP/junk" >/dev/null 2>&1 || true
	raw_request 'garbage\r\n\r\n' >/dev/null || true	# closed, answered or not
	assert_eq 200 "$(http_code "$EXP_URL")" "scrape after malformed requests"

	# Other paths and methods.
	assert_eq 404 "$(http_code "http://127.0.0.1:$EXP_PORT/")" "/"
	assert_eq 404 "$(http_code "http://127.0.0.1:$EXP_PORT/metricsx")" "/metricsx"
	assert_contains "$(curl -sS --max-time 5 "http://127.0.0.1:$EXP_PORT/nope")" "not found"
	assert_eq 405 "$(http_code -X POST -d x=1 "$EXP_URL")" "POST"
	assert_eq 405 "$(http_code -X PUT -d x=1 "$EXP_URL")" "PUT"
	assert_eq 405 "$(http_code -X DELETE "$EXP_URL")" "DELETE"
	assert_contains "$(curl -sS -i --max-time 5 -X POST "$EXP_URL" | tr -d '\r')" "Allow: GET, HEAD"
	assert_eq 200 "$(http_code -I "$EXP_URL")" "HEAD"
	assert_eq "" "$(curl -sS --max-time 5 -I "$EXP_URL" | sed '1,/^\r*$/d')" "HEAD body"
	assert_eq 200 "$(http_code "$EXP_URL?x=1")" "query string"

	# The stalled clients are dropped after the connection timeout (10 s).
	timeout 15 cat <&7 >/dev/null || fail "silent client not disconnected within 15 s"
	timeout 15 cat <&8 >/dev/null || fail "half-sent request not disconnected within 15 s"
	waited=$(($(date +%s) - slow_start))
	[ "$waited" -ge 8 ] || fail "stalled client dropped after ${waited}s, before the timeout"
	kill -0 "$EXP_PID" || fail "exporter died"
	assert_eq 200 "$(http_code "$EXP_URL")" "scrape at the end"

	# SIGTERM (and SIGINT) end it cleanly.
	kill -TERM "$EXP_PID"
	rc=0
	timeout 5 tail --pid="$EXP_PID" -f /dev/null || fail "exporter ignored SIGTERM"
	wait "$EXP_PID" || rc=$?
	assert_eq 0 "$rc" "exit status after SIGTERM"
	exp_start
	kill -INT "$EXP_PID"
	rc=0
	timeout 5 tail --pid="$EXP_PID" -f /dev/null || fail "exporter ignored SIGINT"
	wait "$EXP_PID" || rc=$?
	assert_eq 0 "$rc" "exit status after SIGINT"
}

test_exporter_listen_errors_and_default() {
	for bad in localhost:9435 127.0.0.1 127.0.0.1: :9435 127.0.0.1:65536 127.0.0.1:x \
		   127.1:9435 ::1:9435 '[::1]' '[::1]9435' '[nope]:80' 0.0.0.0:-1 ''; do
		expect 2 pg exporter --listen "$bad"
		assert_contains "$ERR" "invalid --listen '$bad'"
	done
	expect 2 pg exporter --top 70000
	expect 2 pg exporter --top 0
	expect 2 pg exporter --bogus
	assert_contains "$ERR" "unknown option '--bogus'"

	# A port in use is a runtime error, with a message that says so.
	exp_start
	expect 1 timeout 5 "$PG" exporter --listen "127.0.0.1:$EXP_PORT"
	assert_contains "$ERR" "cannot listen on 127.0.0.1:$EXP_PORT: address already in use"
	assert_eq 200 "$(http_code "$EXP_URL")" "the first exporter still serves"

	# The default is 127.0.0.1:9435, never all addresses. Checked in a
	# network namespace of its own, so no port of the host is taken.
	unshare --net bash -c '
		ip link set lo up
		"$1" exporter >"$2/default.out" 2>&1 & p=$!
		for _ in $(seq 50); do
			grep -q "^serving" "$2/default.out" && break
			sleep 0.1
		done
		ss -Hltn >"$2/default.ss"
		curl -sS -o /dev/null -w "%{http_code}" --max-time 5 http://127.0.0.1:9435/metrics \
			>"$2/default.code"
		kill $p
		wait $p' _ "$PG" "$TMP" || true
	assert_eq "serving metrics on http://127.0.0.1:9435/metrics" "$(cat "$TMP/default.out")" \
		"default listen line"
	assert_eq "127.0.0.1:9435" "$(awk '{print $4}' "$TMP/default.ss")" "listening sockets"
	assert_eq 200 "$(cat "$TMP/default.code")" "scrape of the default address"

	# IPv6 loopback works too.
	"$PG" exporter --listen '[::1]:0' >"$TMP/v6.out" 2>&1 &
	p=$!
	defer kill $p
	for _ in $(seq 50); do
		url=$(sed -n 's/^serving metrics on //p' "$TMP/v6.out")
		[ -n "$url" ] && break
		sleep 0.1
	done
	[[ "$url" == "http://[::1]:"*/metrics ]] || fail "IPv6 URL: $(cat "$TMP/v6.out")"
	assert_eq 200 "$(http_code -g "$url")" "scrape over IPv6"
}

# slowloris PORT SECONDS SRC:COUNT...: COUNT connections from each loopback
# source address, each sending a request line and then one header line every
# 2 s, never finishing. Prints, for each source, how many connections the
# server closed within 5 s (at once, but noticed only once all are open),
# and for the others the seconds after which it
# closed them (or "open" if it had not when SECONDS were up).
slowloris() {
	/usr/bin/python3 - "$@" <<'PY'
import selectors, socket, sys, time
port, limit = int(sys.argv[1]), float(sys.argv[2])
sel, conns, t0 = selectors.DefaultSelector(), [], time.monotonic()
for spec in sys.argv[3:]:
    src, n = spec.split(":")
    for _ in range(int(n)):
        s = socket.socket()
        s.bind((src, 0))
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        except OSError:
            conns.append([src, s, time.monotonic()]); continue
        s.setblocking(False)
        c = [src, s, None, time.monotonic()]
        conns.append(c)
        sel.register(s, selectors.EVENT_READ, c)
last = time.monotonic()
while time.monotonic() - t0 < limit and any(c[2] is None for c in conns):
    for key, _ in sel.select(0.2):
        c = key.data
        try:
            data = c[1].recv(4096)
        except OSError:
            data = b""
        if not data:
            c[2] = time.monotonic(); sel.unregister(c[1])
    if time.monotonic() - last >= 2:
        last = time.monotonic()
        for c in conns:
            if c[2] is None:
                try: c[1].send(b"X-Trickle: 1\r\n")
                except OSError: pass
for src in dict.fromkeys(c[0] for c in conns):
    mine = [c for c in conns if c[0] == src]
    quick = sum(1 for c in mine if c[2] is not None and c[2] - c[3] < 5)
    rest = sorted("open" if c[2] is None else "%.0f" % (c[2] - c[3]) for c in mine
                  if c[2] is None or c[2] - c[3] >= 5)
    print(src, quick, " ".join(rest))
PY
}

# 100 connections trickling a header line every 2 s (the idle timeout never
# fires) neither lock scrapers out nor live for ever: one address gets 8
# connections, the others are closed at once, and a request must be done
# 10 s after its connection opened.
test_exporter_slowloris_cannot_lock_out_scrapers() {
	exp_start
	slowloris "$EXP_PORT" 16 127.0.0.2:60 127.0.0.3:8 127.0.0.4:8 127.0.0.5:8 127.0.0.6:8 \
		127.0.0.7:8 >"$TMP/loris" &
	loris=$!
	defer kill "$loris"
	# A scraper that keeps its connection: 4 requests 4 s apart, 12 s in
	# all, each answered (the deadline counts from the previous answer).
	/usr/bin/python3 - "$EXP_PORT" >"$TMP/keepalive" 2>&1 <<'PY' &
import http.client, sys, time
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
for i in range(4):
    if i:
        time.sleep(4)
    c.request("GET", "/metrics")
    port = c.sock.getsockname()[1]	# the same connection each time
    r = c.getresponse()
    r.read()
    print(r.status, port, flush=True)
PY
	keepalive=$!
	defer kill "$keepalive"
	sleep 3
	for i in 1 2 3; do
		start=$(date +%s%N)
		scrape >"$TMP/m" || fail "scrape $i beside 100 trickling connections failed"
		ms=$((($(date +%s%N) - start) / 1000000))
		[ "$ms" -lt 2000 ] || fail "scrape $i beside 100 trickling connections took $ms ms"
		assert_contains "$(cat "$TMP/m")" "# TYPE pktgate_packets_total counter"
		sleep 1
	done
	timeout 20 tail --pid="$loris" -f /dev/null || fail "slowloris script did not end"
	wait "$loris" || fail "slowloris script failed"
	# One address holds 8 connections; the 52 others were closed at once.
	read -r src quick rest <<<"$(grep '^127.0.0.2 ' "$TMP/loris")"
	assert_eq 52 "$quick" "connections from 127.0.0.2 closed at once ($(cat "$TMP/loris"))"
	# Every connection kept was cut at its 10 s deadline, not left open.
	while read -r src quick rest; do
		for t in $rest; do
			[ "$t" != open ] || fail "$src: a trickling connection outlived the deadline: $(cat "$TMP/loris")"
			[ "$t" -ge 9 ] && [ "$t" -le 13 ] ||
				fail "$src: a trickling connection was cut after ${t}s, not about 10 s: $(cat "$TMP/loris")"
		done
	done <"$TMP/loris"
	assert_eq 48 "$(awk '{n += NF - 2} END {print n}' "$TMP/loris")" "connections kept until the deadline"
	assert_eq 200 "$(http_code "$EXP_URL")" "scrape after the slowloris"
	wait "$keepalive" || fail "kept-alive scraper failed: $(cat "$TMP/keepalive")"
	read -r _ port <"$TMP/keepalive"
	assert_eq "$(printf "200 $port\n%.0s" 1 2 3 4)" "$(cat "$TMP/keepalive")" \
		"4 answers on one kept-alive connection over 12 s"
}

# Names as node_exporter has them (a unit in the name, _total for counters,
# _seconds for times), `kind` for allow/deny and `list` for a named list in
# every family, build info, and per-named-list entries and last load time.
test_exporter_names_labels_and_named_lists() {
	command -v promtool >/dev/null || fail "promtool missing (scripts/install-deps.sh --test)"
	printf '198.51.100.0/24\n203.0.113.7\n2001:db8:f::/48\n' >"$TMP/feed.txt"
	expect 0 pg load "$TMP/feed.txt" --list feed
	expect 0 pg deny add 203.0.113.7 192.0.2.1
	expect 0 pg allow add 2001:db8::1 --list friends
	expect 0 pg exporter --once
	m=$OUT
	echo "$m" | promtool check metrics || fail "promtool rejected: $m"

	assert_contains "$m" "pktgate_build_info{version=\"$(pg --version | awk '{print $2}')\",schema=\"$(schema_version)\"} 1"
	# Kinds: label kind, never list.
	assert_contains "$m" 'pktgate_list_entries{kind="deny",family="ipv4"} 3'
	assert_contains "$m" 'pktgate_list_capacity{kind="allow",family="ipv6"} '
	assert_eq "" "$(echo "$m" | grep '^pktgate_list_[a-z_]*{list=' || true)" "list= labels on kind families"
	# Named lists: entries per family as `lists` counts them.
	pg -j lists | jq -r '.lists[] | "{kind=\"\(.kind)\",list=\"\(.name)\",family=\"ipv4\"} \(.entries_v4)",
		"{kind=\"\(.kind)\",list=\"\(.name)\",family=\"ipv6\"} \(.entries_v6)"' >"$TMP/want"
	assert_eq 8 "$(wc -l <"$TMP/want")" "named list lines (4 lists x 2 families)"
	while IFS= read -r line; do
		assert_contains "$m" "pktgate_named_list_entries$line"
	done <"$TMP/want"
	assert_contains "$m" 'pktgate_named_list_entries{kind="deny",list="feed",family="ipv4"} 2'
	assert_contains "$m" 'pktgate_named_list_entries{kind="deny",list="manual",family="ipv4"} 2'
	# The last load, in Unix seconds, for the list that was loaded only.
	loaded=$(pg -j lists | jq -r '.lists[] | select(.name == "feed") | .loaded')
	ts=$(echo "$m" | sed -n 's/^pktgate_named_list_last_load_timestamp_seconds{kind="deny",list="feed"} //p')
	[ -n "$ts" ] || fail "no last-load timestamp for feed: $(echo "$m" | grep last_load)"
	assert_eq "$(date -u -d "$loaded" +%s)" "${ts%.*}" "last load of feed"
	now=$(date +%s)
	[ "${ts%.*}" -le "$now" ] && [ "${ts%.*}" -ge $((now - 60)) ] || fail "last load $ts, now $now"
	assert_eq 1 "$(echo "$m" | grep -c '^pktgate_named_list_last_load_timestamp_seconds{')" \
		"timestamps (lists never loaded have none)"

	# Conventions: counters end in _total and only they do; the units.
	echo "$m" | awk '/^# TYPE/ {print $3, $4}' >"$TMP/types"
	while read -r name type; do
		[[ "$name" =~ ^pktgate_[a-z0-9_]+$ ]] || fail "metric name $name"
		if [ "$type" = counter ]; then
			[[ "$name" == *_total ]] || fail "counter $name does not end in _total"
		else
			[[ "$name" != *_total ]] || fail "$type $name ends in _total"
		fi
		[[ "$name" != *_drops && "$name" != *_admitted_total ]] || fail "$name has no unit"
	done <"$TMP/types"
	grep -qx 'pktgate_top_talker_dropped_packets gauge' "$TMP/types" || fail "top talker drops: $(cat "$TMP/types")"
	grep -qx 'pktgate_top_admitted_addresses_total counter' "$TMP/types" || fail "admitted: $(cat "$TMP/types")"
	# Top talkers are labelled by address: the set a scrape holds is bounded.
	expect 2 pg exporter --once --top 101
	assert_contains "$ERR" "--top 101 is too large (at most 100)"
	expect 0 pg exporter --once --top 100
}

# Ingress hooks count remote sources, TC egress remote destinations: one
# address seen both ways is two talkers, labelled by direction, never one
# series adding up the two.
test_exporter_top_talkers_by_direction() {
	lab_up
	gwpg attach gw-c --tc egress >/dev/null
	# The gateway pings the client: requests leave by gw-c (egress, to
	# the client), replies arrive at gw-c (XDP ingress, from it).
	on gw ping -c 5 -i 0.2 -W 1 "$EXP_CLIENT4" >/dev/null
	exp_start
	scrape >"$TMP/m"
	grep -qx "pktgate_top_talker_packets{address=\"$EXP_CLIENT4\",direction=\"ingress\"} 5" "$TMP/m" ||
		fail "ingress talker: $(grep _top_talker_packets "$TMP/m")"
	grep -q "^pktgate_top_talker_packets{address=\"$EXP_CLIENT4\",direction=\"egress\"} [5-9]" "$TMP/m" ||
		fail "egress talker: $(grep _top_talker_packets "$TMP/m")"
	promtool check metrics <"$TMP/m" >/dev/null 2>"$TMP/lint" || fail "promtool: $(cat "$TMP/lint")"
	expect 0 gwpg -j top
	assert_eq '["egress","ingress"]' "$(echo "$OUT" | jq -c --arg a "$EXP_CLIENT4" \
		'[.talkers[] | select(.address == $a) | .direction] | sort')" "top: the client both ways"
}
