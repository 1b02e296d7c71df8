// SPDX-License-Identifier: GPL-2.0
/*
 * events: the stream of drop events from the pinned ring buffer, decoded
 * with the names the rest of the CLI uses. The datapath throttles them (see
 * pg_drop_event); what it held back is counted as suppressed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "cidr.h"
#include "ctx.h"
#include "lists.h"
#include "names.h"
#include "opts.h"
#include "out.h"
#include "pins.h"

struct events_opts {
	unsigned long count;	/* stop after this many events; 0 = never */
	uint64_t timeout;	/* stop after this many seconds; 0 = never */
	bool backlog;		/* also the events queued before the command started */
};

struct ev_state {
	struct pg_ctx *ctx;
	unsigned long seen, limit;
	uint64_t start_ns;		/* CLOCK_MONOTONIC when the command started */
	bool backlog;			/* show events queued before the start too */
	int64_t mono_to_real_ns;	/* add to a CLOCK_MONOTONIC time for wall time */
	struct pg_iface ifaces[PG_MAX_IFACES];
	bool iface_known[PG_MAX_IFACES];
};

static volatile sig_atomic_t stop;

/* What on_event returns to make libbpf stop consuming at once. */
#define EV_ENOUGH (-ECANCELED)

/* The ring buffer has one read position, shared by everyone who maps it:
 * two readers would each get some of the events, and neither would know.
 * So one reader at a time holds a lock on a directory beside the ring's pin
 * (bpffs holds only pins and directories, and no dot in names), which the
 * kernel drops when the reader exits, however it exits. */
#define EV_READER_DIR PG_MAP_EVENTS "_reader"

/* The process holding the flock on fd, from /proc/locks; 0 if not found
 * (e.g. in another pid namespace). */
static long lock_holder(int fd)
{
	unsigned long long ino;
	unsigned int maj, min;
	char line[256];
	struct stat st;
	long pid = 0, p;
	FILE *f;

	if (fstat(fd, &st) || !(f = fopen("/proc/locks", "re")))
		return 0;
	while (!pid && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*d: FLOCK %*s WRITE %ld %x:%x:%llu", &p, &maj, &min, &ino) == 4 &&
		    maj == major(st.st_dev) && min == minor(st.st_dev) && ino == st.st_ino)
			pid = p;
	fclose(f);
	return pid;
}

/* The reader lock, held (descriptor open) until the command exits; -1
 * after reporting why not. */
static int reader_lock(struct pg_ctx *ctx)
{
	char path[PATH_MAX];
	long pid;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", ctx->pin_path, EV_READER_DIR) >=
	    (int)sizeof(path))
		return -p_err("pin path too long: %s", ctx->pin_path);
	if (mkdir(path, 0700) && errno != EEXIST)
		return -p_err("cannot create %s: %s", path, strerror(errno));
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -p_err("cannot open %s: %s", path, strerror(errno));
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return fd;
	if (errno != EWOULDBLOCK) {
		p_err("cannot lock %s: %s", path, strerror(errno));
	} else if ((pid = lock_holder(fd)) > 0) {
		p_err("another events reader is running (pid %ld); the ring buffer has one "
		      "read position, so each would miss what the other reads", pid);
	} else {
		p_err("another events reader is running; the ring buffer has one read "
		      "position, so each would miss what the other reads");
	}
	close(fd);
	return -1;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *proto_name(int family, int proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return family ? "icmp" : "-";
	case IPPROTO_ICMPV6: return "icmpv6";
	default:
		snprintf(buf, len, "%d", proto);
		return buf;
	}
}

/* Interface names by slot, read once and again for slots seen first. */
static const char *slot_name(struct ev_state *st, unsigned int slot)
{
	__u32 key = slot;

	if (slot >= PG_MAX_IFACES)
		return "?";
	if (!st->iface_known[slot] &&
	    !bpf_map_lookup_elem(st->ctx->maps.ifaces, &key, &st->ifaces[slot]))
		st->iface_known[slot] = true;
	return st->iface_known[slot] ? st->ifaces[slot].ifname : "?";
}

static void fmt_time(int64_t real_ns, char *buf, size_t len)
{
	time_t sec = real_ns / (int64_t)PG_NSEC_PER_SEC;
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03lldZ", (long long)(real_ns / 1000000 % 1000));
}

static int on_event(void *data, void *buf, size_t size)
{
	struct ev_state *st = data;
	const struct pg_event *e = buf;
	char t[40], src[INET6_ADDRSTRLEN] = "-", dst[INET6_ADDRSTRLEN] = "-";
	char rule[PG_PREFIX_STRLEN] = "-", pbuf[8];
	int af = e->family == 6 ? AF_INET6 : AF_INET;

	if (size < sizeof(*e))
		return 0;
	/* Queued while nobody read: old news, unless asked for. */
	if (!st->backlog && e->ts_ns < st->start_ns)
		return 0;
	fmt_time((int64_t)e->ts_ns + st->mono_to_real_ns, t, sizeof(t));
	if (e->family) {
		inet_ntop(af, e->saddr, src, sizeof(src));
		inet_ntop(af, e->daddr, dst, sizeof(dst));
	}
	if (e->match_plen != PG_NO_MATCH && e->family) {
		/* The entry is the peer's address cut to the entry's length. */
		struct pg_prefix p = { .family = e->family, .plen = e->match_plen };
		const char *why;
		bool norm;
		char a[INET6_ADDRSTRLEN + 8];

		inet_ntop(af, e->hook == PG_HOOK_TC_EGRESS ? e->daddr : e->saddr, a, sizeof(a));
		snprintf(a + strlen(a), sizeof(a) - strlen(a), "/%u", e->match_plen);
		if (!pg_prefix_parse(a, &p, &norm, &why))
			pg_prefix_fmt(&p, rule, sizeof(rule));
	}

	out_obj_open(NULL);
	out_str("time", "%s", t);
	out_u64("ts_ns", NULL, e->ts_ns);
	out_str("interface", " %s", slot_name(st, e->slot));
	out_str("hook", " %s", e->hook < PG_HOOK_MAX ? pg_hook_names[e->hook] : "?");
	out_str("reason", " %s", e->reason < PG_R_MAX ? pg_reason_names[e->reason] : "?");
	if (e->match_plen != PG_NO_MATCH) {
		out_str("rule", " rule %s", rule);
		out_str("list", " (%s", e->match_kind < PG_LIST_KIND_MAX ?
			pg_list_names[e->match_kind] : "?");
		out_str("list_name", " list %s)", lists_name(st->ctx, e->match_list));
	} else {
		out_null("rule", NULL, NULL);
		out_null("list_name", NULL, NULL);
	}
	out_u64("rule_id", NULL, e->rule_id);
	out_str("protocol", " %s", proto_name(e->family, e->l4proto, pbuf, sizeof(pbuf)));
	out_u64("family", NULL, e->family);
	out_str("src", " %s", src);
	if (e->sport || e->dport)
		out_u64("sport", ":%llu", ntohs(e->sport));
	out_str("dst", " -> %s", dst);
	if (e->sport || e->dport)
		out_u64("dport", ":%llu", ntohs(e->dport));
	out_u64("len", " len %llu\n", e->pkt_len);
	out_obj_close();
	out_flush_record();

	if (st->limit && ++st->seen >= st->limit) {
		/* Stop in the middle of a batch: what follows stays in the ring. */
		stop = 1;
		return EV_ENOUGH;
	}
	return 0;
}

static int do_events(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct events_opts *o = optp;
	struct ev_state st = { .ctx = ctx, .limit = o->count, .backlog = o->backlog,
			       .start_ns = mono_now_ns() };
	struct sigaction sa = { .sa_handler = on_signal };
	struct ring_buffer *rb;
	struct timespec mono, real;
	uint64_t deadline = 0;
	int err, lock;

	(void)argc;
	(void)argv;
	err = pins_open(ctx, false);
	if (err)
		return err;
	/* A stream runs for long: never hold the pin directory lock. */
	flock(ctx->lock_fd, LOCK_UN);
	lock = reader_lock(ctx);
	if (lock < 0)
		return PG_EXIT_ERR;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	st.mono_to_real_ns = ((int64_t)real.tv_sec - mono.tv_sec) * (int64_t)PG_NSEC_PER_SEC +
			     (real.tv_nsec - mono.tv_nsec);
	if (o->timeout)
		deadline = mono_now_ns() + o->timeout * PG_NSEC_PER_SEC;

	rb = ring_buffer__new(ctx->maps.events, on_event, &st, NULL);
	if (!rb) {
		err = p_err("cannot read the event ring buffer: %s", strerror(errno));
		close(lock);
		return err;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!out_json)
		fprintf(stderr, "pktgate: waiting for drop events (Ctrl-C to stop)\n");
	while (!stop) {
		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR && !(err == EV_ENOUGH && stop)) {
			ring_buffer__free(rb);
			close(lock);
			return p_err("reading events failed: %s", strerror(-err));
		}
		if (deadline && mono_now_ns() >= deadline)
			break;
	}
	ring_buffer__free(rb);
	close(lock);
	return 0;
}

static const struct pg_opt events_opts[] = {
	OPT("count", 'c', OPT_UINT, struct events_opts, count, "N", "stop after N events"),
	OPT("timeout", 't', OPT_DURATION, struct events_opts, timeout, "DURATION",
	    "stop after DURATION"),
	OPT("backlog", 0, OPT_FLAG, struct events_opts, backlog, NULL,
	    "also show the events queued in the ring before the command started (skipped by "
	    "default)"),
	{},
};

const struct pg_cmd pg_cmd_events = {
	.name = "events", .help = "stream drop events (throttled in the kernel; see config)",
	.run = do_events, PG_CMD_OPTS(events_opts, struct events_opts),
};
