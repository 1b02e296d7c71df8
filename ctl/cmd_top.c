// SPDX-License-Identifier: GPL-2.0
/*
 * top: the remote addresses pktgate saw most (sources on ingress,
 * destinations on egress), from the heavy-hitter sketch pg_top (see
 * toptable.c): totals, drops, when each was last seen, and rates between
 * two readings.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "ctx.h"
#include "opts.h"
#include "ratelimit.h"
#include "rules.h"
#include "out.h"
#include "stats.h"
#include "toptable.h"

enum { TOP_BY_PACKETS, TOP_BY_BYTES, TOP_BY_DROPS };	/* --by, table order */

struct top_opts {
	unsigned long limit;	/* -n: talkers shown; 0 = default */
	int by;			/* TOP_BY_*, -1 = packets */
	bool watch;
	unsigned long count;
	const char *interval;
};


#define TOP_DEFAULT_N 20
#define TOP_WORDS 3	/* packets, bytes, drops: the counters that only grow */

struct top_view {
	struct pg_ctx *ctx;
	int by;				/* TOP_BY_* */
	unsigned long limit;
	struct top_table cur, prev;	/* each sorted by key */
	struct top_reader reader;
};

static int top_read(void *arg)
{
	struct top_view *v = arg;
	struct top_table t = v->prev;
	int err;

	v->prev = v->cur;
	v->cur = t;
	err = top_table_read(&v->reader, &v->cur);
	if (err)
		return p_err("cannot read %s: %s", PG_MAP_TOP, strerror(-err));
	return 0;
}

static const char *const by_names[] = { "packets", "bytes", "drops" };

static uint64_t coarse_now_ns(void)
{
	struct timespec ts;

	/* The datapath stamps last_seen with the coarse clock. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * PG_NSEC_PER_SEC + ts.tv_nsec;
}

/* ---- showing -------------------------------------------------------------- */

/* What moved since the previous reading. An address missing there was
 * added in between, and one whose counters went down lost a way of the
 * sketch and took one again: either way, all it counts now is new. */
static void talker_delta(struct talker *t, const struct top_table *prev)
{
	const struct talker *p = bsearch(&t->key, prev->t, prev->n, sizeof(*prev->t), top_key_cmp);

	if (!p || live_restarted((const uint64_t *)&t->tot,
				   (const uint64_t *)&p->tot, TOP_WORDS)) {
		t->d_packets = t->tot.packets;
		t->d_bytes = t->tot.bytes;
	} else {
		t->d_packets = t->tot.packets - p->tot.packets;
		t->d_bytes = t->tot.bytes - p->tot.bytes;
	}
}

static uint64_t rank_value(const struct talker *t, int by)
{
	return by == TOP_BY_BYTES ? t->tot.bytes : by == TOP_BY_DROPS ? t->tot.drops :
	       t->tot.packets;
}

/* Largest total first; then the busier one now, then the address, so the
 * order holds still between frames. */
static int rank_cmp(const void *a, const void *b, void *arg)
{
	const struct talker *x = *(const struct talker *const *)a;
	const struct talker *y = *(const struct talker *const *)b;
	int by = *(const int *)arg;
	uint64_t vx = rank_value(x, by), vy = rank_value(y, by);

	if (vx != vy)
		return vx < vy ? 1 : -1;
	if (x->d_packets != y->d_packets)
		return x->d_packets < y->d_packets ? 1 : -1;
	return top_key_cmp(&x->key, &y->key);
}

static const char *fmt_addr(const struct pg_top_key *k, char *buf, size_t len)
{
	if (!inet_ntop(k->family == 6 ? AF_INET6 : AF_INET, k->addr, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

static const char *fmt_ago(double s, char *buf, size_t len)
{
	if (s < 60)
		snprintf(buf, len, "%.1fs", s);
	else if (s < 3600)
		snprintf(buf, len, "%um%02us", (unsigned)s / 60, (unsigned)s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%uh%02um", (unsigned)s / 3600, (unsigned)s / 60 % 60);
	else
		snprintf(buf, len, "%ud%02uh", (unsigned)s / 86400, (unsigned)s / 3600 % 24);
	return buf;
}

/* Whether a talker's address has a live ban (bans[0..nb) from bans_collect). */
static bool talker_banned(const struct talker *t, const struct pg_entry *bans, size_t nb)
{
	for (size_t i = 0; i < nb; i++)
		if (bans[i].prefix.family == t->key.family && t->key.dir == PG_TOP_IN &&
		    !memcmp(bans[i].prefix.addr, t->key.addr, t->key.family == 4 ? 4 : 16))
			return true;
	return false;
}

static void talker_row(const struct talker *t, int width, uint64_t now, double secs, bool banned)
{
	char addr[INET6_ADDRSTRLEN], ago[16], fmt[16];
	double seen = now > t->tot.last_seen_ns ? (now - t->tot.last_seen_ns) / 1e9 : 0;

	snprintf(fmt, sizeof(fmt), "%%-%ds", width);
	out_obj_open(NULL);
	out_str("address", fmt, fmt_addr(&t->key, addr, sizeof(addr)));
	out_u64("family", NULL, t->key.family);
	out_str("direction", NULL, t->key.dir == PG_TOP_OUT ? "egress" : "ingress");
	out_u64("packets", " %10llu", t->tot.packets);
	out_u64("bytes", " %12llu", t->tot.bytes);
	out_u64("drops", " %9llu", t->tot.drops);
	live_rates(t->d_packets, t->d_bytes, secs);
	out_double("last_seen_ago", NULL, seen);
	out_text(" %9s %s", fmt_ago(seen, ago, sizeof(ago)), t->key.dir == PG_TOP_OUT ? "out" : "in");
	out_bool("banned", banned ? " banned" : NULL, banned);
	out_obj_close();
	live_eol();
}

/* The address column is as wide as the widest address shown. */
static int addr_width(struct talker **order, size_t n)
{
	char addr[INET6_ADDRSTRLEN];
	int w = 15;	/* "255.255.255.255" */

	for (size_t i = 0; i < n; i++) {
		int l = strlen(fmt_addr(&order[i]->key, addr, sizeof(addr)));

		w = l > w ? l : w;
	}
	return w;
}

static int top_show(void *arg, const struct live *lv)
{
	struct top_view *v = arg;
	size_t n = v->cur.n < v->limit ? v->cur.n : v->limit, hidden = 0;
	struct talker **order = calloc(v->cur.n ? v->cur.n : 1, sizeof(*order));
	uint64_t now = coarse_now_ns();
	struct pg_entry *bans = NULL;
	size_t nbans = 0;
	int width;

	if (!order)
		return p_err("out of memory");
	if (v->reader.ctx && bans_collect(v->reader.ctx, &bans, &nbans))
		nbans = 0;	/* shown without the mark rather than not at all */
	for (size_t i = 0; i < v->cur.n; i++) {
		talker_delta(&v->cur.t[i], &v->prev);
		order[i] = &v->cur.t[i];
	}
	qsort_r(order, v->cur.n, sizeof(*order), rank_cmp, &v->by);
	width = addr_width(order, n);

	live_frame_begin(lv, "top");
	out_str("by", "talkers by %s", by_names[v->by]);
	out_u64("tracked", ", %llu addresses tracked", v->cur.n);
	live_eol();
	out_text("%-*s %10s %12s %9s %9s %9s %9s %s", width, "ADDRESS", "PACKETS", "BYTES", "DROPS",
		 "PKT/S", "BIT/S", "LAST SEEN", "DIR");
	live_eol();
	out_arr_open("talkers");
	for (size_t i = 0; i < n; i++) {
		if (!live_room()) {
			hidden = n - i;
			break;
		}
		talker_row(order[i], width, now, lv->secs, talker_banned(order[i], bans, nbans));
	}
	out_arr_close();
	if (hidden) {
		out_text("... %zu more: enlarge the window", hidden);
		live_eol();
	}
	live_frame_end();
	free(order);
	free(bans);
	return 0;
}

static int do_top(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct top_opts *o = optp;
	struct top_view v = {
		.reader.ctx = ctx,
		.by = o->by < 0 ? TOP_BY_PACKETS : o->by,
		.limit = o->limit ? o->limit : TOP_DEFAULT_N,
	};
	/* One-shot: a single sample, its readings an interval apart. */
	struct live lv = { .count = o->watch ? o->count : 1 };
	struct live_view view = { top_read, top_show, &v };
	int err;

	if (o->count && !o->watch)
		return p_usage("pktgate top: --count needs --watch");
	err = live_open(ctx, &lv, "pktgate top", argc, argv, o->interval, o->watch);
	if (err)
		return err;
	err = live_run(&lv, &view);
	top_reader_free(&v.reader);
	free(v.cur.t);
	free(v.prev.t);
	return err;
}

static const char *const top_by[] = { "packets", "bytes", "drops", NULL };
static const struct pg_opt top_opts[] = {
	OPT("limit", 'n', OPT_UINT, struct top_opts, limit, "N", "show the N busiest (default 20)"),
	OPT("by", 'b', OPT_ENUM, struct top_opts, by, "KEY",
	    "order by this total, largest first", .choices = top_by),
	OPT("watch", 'w', OPT_FLAG, struct top_opts, watch, NULL, "refresh every INTERVAL seconds"),
	OPT("interval", 0, OPT_STR, struct top_opts, interval, "S",
	    "seconds between the readings that give the rates (default 1)"),
	OPT("count", 'c', OPT_UINT, struct top_opts, count, "N",
	    "with --watch: stop after N samples"),
	{},
};

const struct pg_cmd pg_cmd_top = {
	.name = "top", .args = "[INTERVAL]",
	.help = "top talkers: remote addresses by packets, bytes or drops, with rates over "
		"INTERVAL seconds",
	.min_args = 0, .max_args = 1, .run = do_top,
	PG_CMD_OPTS(top_opts, struct top_opts),
};
