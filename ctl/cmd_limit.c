// SPDX-License-Identifier: GPL-2.0
/* limit add|del|list|syn|unban (the model: ratelimit.c). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "clock.h"
#include "ctx.h"
#include "iface.h"
#include "ratelimit.h"
#include "lists.h"
#include "opts.h"
#include "out.h"
#include "pins.h"
#include "rules.h"
#include "safety.h"
#include "scope.h"

struct limit_opts {
	unsigned long pps, burst;
	const char *bps;
	bool per_source, aggregate, syn;
	uint64_t ban, ban_window;
	const char *ban_factor;
	unsigned long ban_after;
	const char *ban_list, *iface;
};

#define LIMIT_RATE_OPTS(st)							\
	OPT("pps", 0, OPT_UINT, st, pps, "N", "packets per second"),		\
	OPT("burst", 0, OPT_UINT, st, burst, "M",				\
	    "packets let through at once (default: the rate's tenth, at least 1)"), \
	OPT("bps", 0, OPT_STR, st, bps, "N[k|M|G]",				\
	    "bits per second; the byte bucket holds 100 ms of the rate")

static const struct pg_opt limit_add_opts[] = {
	LIMIT_RATE_OPTS(struct limit_opts),
	OPT("per-source", 0, OPT_FLAG, struct limit_opts, per_source, NULL,
	    "a bucket for each source (the default)"),
	OPT("aggregate", 0, OPT_FLAG, struct limit_opts, aggregate, NULL,
	    "one bucket for all the limit's sources"),
	OPT("syn", 0, OPT_FLAG, struct limit_opts, syn, NULL, "only TCP SYNs without ACK"),
	OPT("iface", 0, OPT_STR, struct limit_opts, iface, "IFACE",
	    "only on this interface (attached)"),
	OPT("ban", 0, OPT_DURATION, struct limit_opts, ban, "D",
	    "ban a source that sends --ban-factor times the rate for a --ban-window, for D"),
	OPT("ban-factor", 0, OPT_STR, struct limit_opts, ban_factor, "F",
	    "how far over the rate a source is banned (default 2)"),
	OPT("ban-window", 0, OPT_DURATION, struct limit_opts, ban_window, "D",
	    "the window drops are counted over (default 1s)"),
	OPT("ban-after", 0, OPT_UINT, struct limit_opts, ban_after, "N",
	    "ban after N drops in a window (instead of --ban-factor)"),
	OPT("ban-list", 0, OPT_STR, struct limit_opts, ban_list, "NAME",
	    "the deny list bans show in (default auto)"),
	{}
};

static const struct pg_opt limit_syn_opts[] = {
	LIMIT_RATE_OPTS(struct limit_opts),
	{}
};

#define BAN_LIST_DEFAULT	"auto"
#define BAN_WINDOW_DEFAULT	1

/* "10M", "1500k", "64000": bits per second. */
static int parse_bps(const char *s, uint64_t *bps)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -1;
	if (*end == 'k' || *end == 'K')
		mul = 1000ULL, end++;
	else if (*end == 'M')
		mul = 1000000ULL, end++;
	else if (*end == 'G')
		mul = 1000000000ULL, end++;
	if (*end || !v || v > 1000000000000ULL / mul)
		return -1;
	*bps = v * mul;
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Prefixes, then an optional "proto P [port N[-M]]" (destination port):
 * the match part of add and del. */
static int parse_match(int argc, char **argv, struct limit_rule *r)
{
	struct pg_scope sc = {};
	int i;

	for (i = 0; i < argc && !scope_word(argv[i]); i++) {
		bool norm;
		const char *why;

		if (r->npfx == LIMIT_PREFIXES_MAX)
			return p_usage("a limit names at most %d prefixes", LIMIT_PREFIXES_MAX);
		if (pg_prefix_parse(argv[i], &r->pfx[r->npfx], &norm, &why))
			return p_usage("invalid prefix '%s': %s", argv[i], why);
		for (size_t j = 0; j < r->npfx; j++) {
			const struct pg_prefix *a = &r->pfx[j], *b = &r->pfx[r->npfx];
			const struct pg_prefix *outer = a->plen <= b->plen ? a : b;
			const struct pg_prefix *inner = outer == a ? b : a;

			if (a->family == b->family && pg_prefix_covers(outer, inner->family, inner->addr))
				return p_usage("'%s' overlaps another prefix of the same limit: give "
					       "each address space once", argv[i]);
		}
		r->npfx++;
	}
	if (!r->npfx)
		return p_usage("give at least one prefix (0.0.0.0/0 and ::/0 for every source)");
	if (i < argc) {
		int err = scope_parse(argc - i, argv + i, &sc);

		if (err)
			return err;
		if (sc.amatch || sc.pfield || (sc.lo & PG_ICMP_TYPE_FLAG))
			return p_usage("a limit matches the remote peer and the destination port: "
				       "no --match, sport, anyport or ICMP type");
		r->l.proto[0] = sc.proto;
		r->l.proto[1] = sc.proto2;
		r->l.port_lo = sc.lo;
		r->l.port_hi = sc.hi;
	}
	return 0;
}

static int rate_from_opts(const struct limit_opts *o, struct limit_rule *r)
{
	struct pg_limit *l = &r->l;
	uint64_t bps = 0;

	if (!o->pps && !o->bps)
		return p_usage("give a rate: --pps N and/or --bps N");
	if (o->pps > PG_NSEC_PER_SEC)
		return p_usage("--pps %lu: at most %llu", o->pps, PG_NSEC_PER_SEC);
	if (o->burst && !o->pps)
		return p_usage("--burst is the packet rate's: give --pps");
	if (o->bps && parse_bps(o->bps, &bps))
		return p_usage("--bps '%s': give bits per second, a whole number with an optional "
			       "k, M or G (at most 1T)", o->bps);
	if (o->pps) {
		unsigned long burst = o->burst ? o->burst : (o->pps + 9) / 10;

		if (burst > 1000000)
			return p_usage("--burst %lu: at most 1000000", burst);
		l->pps = o->pps;
		l->burst = burst;
		/* Rounded up: a source never gets more than its rate. */
		l->pkt_ns = (PG_NSEC_PER_SEC + o->pps - 1) / o->pps;
		l->pkt_tol_ns = (burst - 1) * l->pkt_ns;
	}
	if (bps) {
		uint64_t frame;

		l->bps = bps;
		l->byte_q10 = (8ULL * PG_NSEC_PER_SEC * 1024 + bps - 1) / bps;
		l->byte_tol_ns = PG_NSEC_PER_SEC / 10;
		frame = (1514 * l->byte_q10) >> PG_Q10;
		if (l->byte_tol_ns < frame)
			l->byte_tol_ns = frame;
	}
	{
		/* The coarse clock moves a tick at a time and lags by less than
		 * one: a bucket several ticks deep loses little of its burst to
		 * it, a shallower one needs the precise clock. */
		struct timespec res = { .tv_nsec = 4000000 };
		uint64_t tick;

		clock_getres(CLOCK_MONOTONIC_COARSE, &res);
		tick = (uint64_t)res.tv_sec * PG_NSEC_PER_SEC + res.tv_nsec;
		if ((l->pkt_ns && l->pkt_tol_ns < 4 * tick) || (l->byte_q10 && l->byte_tol_ns < 4 * tick))
			l->flags |= PG_LIM_FINE;
	}
	return 0;
}

static int ban_from_opts(struct pg_ctx *ctx, const struct limit_opts *o, struct limit_rule *r)
{
	struct pg_limit *l = &r->l;
	uint64_t window = o->ban_window ? o->ban_window : BAN_WINDOW_DEFAULT;
	unsigned int lid = 0;

	if (!o->ban) {
		if (o->ban_factor || o->ban_window || o->ban_after || o->ban_list)
			return p_usage("--ban-factor, --ban-window, --ban-after and --ban-list need "
				       "--ban D");
		return 0;
	}
	if (!(l->flags & PG_LIM_PER_SOURCE))
		return p_usage("--ban needs a per-source limit: an aggregate one does not know "
			       "which source went over");
	if (!l->pps)
		return p_usage("--ban needs --pps: the threshold counts packets");
	if (o->ban_factor && o->ban_after)
		return p_usage("give --ban-factor or --ban-after, not both");
	if (o->ban_after) {
		if (o->ban_after > UINT32_MAX)
			return p_usage("--ban-after %lu: too large", o->ban_after);
		l->ban_drops = o->ban_after;
	} else {
		double f = 2.0, drops;
		char *end = NULL;

		if (o->ban_factor) {
			f = strtod(o->ban_factor, &end);
			if (end == o->ban_factor || *end || !(f > 1.0) || f > 1000.0)
				return p_usage("--ban-factor '%s': give a number above 1 (2: twice the "
					       "rate)", o->ban_factor);
		}
		/* It sent f times its rate over the window: (f - 1) x rate x
		 * window of it dropped. */
		drops = ceil((f - 1.0) * (double)l->pps * (double)window - 1e-9);
		if (drops > UINT32_MAX)
			return p_usage("--ban-factor %s: the threshold is too large", o->ban_factor);
		l->ban_drops = drops < 1 ? 1 : (uint32_t)drops;
	}
	l->ban_ns = o->ban * PG_NSEC_PER_SEC;
	l->ban_window_ns = window * PG_NSEC_PER_SEC;
	if (ctx->check_only || ctx->collect) {
		const char *name = o->ban_list ? o->ban_list : BAN_LIST_DEFAULT;

		return lists_check_name(name);
	}
	if (lists_open(ctx, PG_LIST_DENY, o->ban_list ? o->ban_list : BAN_LIST_DEFAULT, true, &lid))
		return 1;
	l->ban_list = lid;
	return 0;
}

static int iface_from_opts(struct pg_ctx *ctx, const struct limit_opts *o, struct limit_rule *r)
{
	int ifindex, slot;

	if (!o->iface)
		return 0;
	if (!o->iface[0] || strlen(o->iface) >= IF_NAMESIZE)
		return p_usage("--iface '%s': not an interface name", o->iface);
	if (ctx->check_only || ctx->collect)
		return 0;	/* restore: attach lines run first */
	ifindex = iface_index(ctx, o->iface);
	if (ifindex <= 0)
		return p_err("--iface %s: no such interface", o->iface);
	slot = iface_slot(ctx, ifindex, o->iface, false, NULL);
	if (slot < 0)
		return p_err("--iface %s: pktgate is not attached to it; attach it first",
			     o->iface);
	r->l.ifslot = slot + 1;
	return 0;
}

static void limit_print(struct pg_ctx *ctx, const struct limit_rule *r, bool text_line)
{
	char pfx[1024] = "", rate[96], what[64] = "";
	size_t o = 0;

	for (size_t i = 0; i < r->npfx; i++) {
		char p[PG_PREFIX_STRLEN];

		pg_prefix_fmt(&r->pfx[i], p, sizeof(p));
		o += snprintf(pfx + o, o < sizeof(pfx) ? sizeof(pfx) - o : 0, "%s%s", i ? "," : "", p);
	}
	limits_rate_fmt(&r->l, rate, sizeof(rate));
	if (r->l.proto[0]) {
		snprintf(what, sizeof(what), "%s%s%s", scope_proto_name(r->l.proto[0]),
			 r->l.proto[1] ? "," : "", r->l.proto[1] ? scope_proto_name(r->l.proto[1]) : "");
		if (r->l.port_hi) {
			size_t w = strlen(what);

			if (r->l.port_lo == r->l.port_hi)
				snprintf(what + w, sizeof(what) - w, "/%u", r->l.port_lo);
			else
				snprintf(what + w, sizeof(what) - w, "/%u-%u", r->l.port_lo,
					 r->l.port_hi);
		}
	}
	if (r->l.flags & PG_LIM_SYN) {
		size_t w = strlen(what);

		snprintf(what + w, sizeof(what) - w, "%ssyn", w ? " " : "tcp ");
	}
	out_obj_open(NULL);
	out_u64("id", "%-4llu ", r->id);
	out_str("prefixes_text", "%-34s ", pfx);
	out_arr_open("prefixes");
	for (size_t i = 0; i < r->npfx; i++) {
		char p[PG_PREFIX_STRLEN];

		pg_prefix_fmt(&r->pfx[i], p, sizeof(p));
		out_str(NULL, NULL, p);
	}
	out_arr_close();
	out_str("match", "%-14s ", what[0] ? what : "-");
	out_str("mode", "%-10s ", r->l.flags & PG_LIM_PER_SOURCE ? "per-source" : "aggregate");
	out_str("rate", "%-26s ", rate);
	out_u64("pps", NULL, r->l.pps);
	out_u64("burst", NULL, r->l.burst);
	out_u64("bps", NULL, r->l.bps);
	out_bool("syn", NULL, r->l.flags & PG_LIM_SYN);
	if (r->l.ifslot) {
		struct pg_iface rec = {};
		uint32_t slot = r->l.ifslot - 1;

		bpf_map_lookup_elem(ctx->maps.ifaces, &slot, &rec);
		out_str("iface", "%-10s ", rec.ifname);
	} else {
		out_null("iface", "%-10s ", "all");
	}
	if (r->l.ban_ns) {
		char d[32];

		pg_duration_fmt(r->l.ban_ns / PG_NSEC_PER_SEC, d, sizeof(d));
		out_u64("ban_seconds", NULL, r->l.ban_ns / PG_NSEC_PER_SEC);
		out_str(NULL, "%-8s ", d);
		out_u64("ban_after", NULL, r->l.ban_drops);
		out_u64("ban_window_seconds", NULL, r->l.ban_window_ns / PG_NSEC_PER_SEC);
		out_str("ban_list", NULL, lists_name(ctx, r->l.ban_list));
	} else {
		out_null("ban_seconds", "%-8s ", "-");
	}
	out_u64("passed", "%12llu ", r->ctr.passed);
	out_u64("dropped", "%12llu ", r->ctr.dropped);
	out_u64("dropped_bytes", NULL, r->ctr.dropped_bytes);
	out_u64("bans", "%6llu", r->ctr.bans);
	out_u64("bans_refused", NULL, r->ctr.ban_full);
	if (text_line)
		out_text("\n");
	out_obj_close();
}

/* Build r from the command line; in check or collect mode, only what can
 * be checked without the maps. */
static int limit_build(struct pg_ctx *ctx, const struct limit_opts *o, int argc, char **argv,
		       struct limit_rule *r)
{
	int err;

	memset(r, 0, sizeof(*r));
	err = parse_match(argc, argv, r);
	if (err)
		return err;
	if (o->per_source && o->aggregate)
		return p_usage("give --per-source or --aggregate, not both");
	if (!o->aggregate)
		r->l.flags |= PG_LIM_PER_SOURCE;
	if (o->syn) {
		if ((r->l.proto[0] && r->l.proto[0] != IPPROTO_TCP) || r->l.proto[1])
			return p_usage("--syn is for proto tcp");
		r->l.proto[0] = IPPROTO_TCP;
		r->l.flags |= PG_LIM_SYN;
	}
	err = rate_from_opts(o, r);
	if (!err)
		err = iface_from_opts(ctx, o, r);
	if (!err)
		err = ban_from_opts(ctx, o, r);
	r->l.created_ns = (uint64_t)time(NULL) * PG_NSEC_PER_SEC;
	return err;
}

/* Add or update r in the set now in the maps. */
static int limit_apply(struct pg_ctx *ctx, struct limit_rule *r, bool *updated)
{
	struct limit_rule *v = NULL;
	size_t n = 0;
	/* A SYN limit leaves an open session alone. */
	int err = r->l.flags & PG_LIM_SYN ? 0 :
		  lockout_check_limit(ctx, "limit add", r->pfx, r->npfx, r->l.proto,
				      r->l.port_lo, r->l.port_hi);

	if (err)
		return err;
	err = limits_read(ctx, &v, &n);

	if (err)
		return p_err("cannot read the limits: %s", strerror(-err));
	*updated = false;
	for (size_t i = 0; i < n; i++)
		if (limits_same(&v[i], r)) {
			r->id = v[i].id;
			r->l.created_ns = v[i].l.created_ns;
			*updated = true;
			break;
		}
	err = limits_write(ctx, r, v, n);
	free(v);
	return err;
}

static int do_limit_add_common(struct pg_ctx *ctx, struct limit_opts *o, int argc, char **argv)
{
	struct limit_rule r;
	bool updated = false;
	int err = 0;

	if (!ctx->check_only && !ctx->collect)
		err = pins_open(ctx, true);
	if (!err)
		err = limit_build(ctx, o, argc, argv, &r);
	if (err || ctx->check_only)
		return err;
	if (ctx->collect) {
		/* Names resolved when the queue is applied, after the
		 * attach lines. */
		return limits_queue_add(&r, o->iface, o->ban ? (o->ban_list ? o->ban_list :
								 BAN_LIST_DEFAULT) : NULL);
	}
	err = limit_apply(ctx, &r, &updated);
	if (err)
		return err;
	out_obj_open(NULL);
	out_u64("id", updated ? "updated limit %llu" : "added limit %llu", r.id);
	out_bool("existed", NULL, updated);
	out_text(": ");
	out_obj_open("limit");
	limit_print(ctx, &r, true);
	out_obj_close();
	out_obj_close();
	return 0;
}

static int do_limit_add(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	return do_limit_add_common(ctx, optp, argc, argv);
}

/* limit syn IFACE --pps N: an aggregate limit of TCP SYNs on IFACE. */
static int do_limit_syn(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct limit_opts *o = optp;
	char *args[] = { "0.0.0.0/0", "::/0", NULL };

	(void)argc;
	o->iface = argv[0];
	o->aggregate = true;
	o->syn = true;
	return do_limit_add_common(ctx, o, 2, args);
}

static int do_limit_del(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct limit_rule *v = NULL, want = {};
	size_t n = 0;
	uint32_t id = 0;
	int err = 0;

	(void)optp;
	if (all_digits(argv[0])) {
		if (argc > 1)
			return p_usage("give one limit id, or the prefixes and match of the limit");
		id = strtoul(argv[0], NULL, 10);
		if (!id || id >= PG_MAX_LIMITS)
			return p_usage("limit id %s: ids are 1-%d", argv[0], PG_MAX_LIMITS - 1);
	} else if ((err = parse_match(argc, argv, &want))) {
		return err;
	}
	if (ctx->check_only)
		return 0;
	err = pins_open(ctx, true);
	if (!err && (err = limits_read(ctx, &v, &n)))
		err = p_err("cannot read the limits: %s", strerror(-err));
	if (err)
		goto out;
	if (!id) {
		/* By match: rates, mode, SYN and interface aside. */
		for (size_t i = 0; i < n; i++) {
			want.l.flags = v[i].l.flags;
			want.l.ifslot = v[i].l.ifslot;
			if (!limits_same(&v[i], &want))
				continue;
			if (id) {
				err = p_err("limits %u and %u both match; give the id to delete "
					    "(pktgate limit list)", id, v[i].id);
				goto out;
			}
			id = v[i].id;
		}
		if (!id) {
			err = p_err("no limit has exactly these prefixes and match; nothing was "
				    "deleted (pktgate limit list)");
			goto out;
		}
	}
	{
		size_t k = 0;
		bool found = false;

		for (size_t i = 0; i < n; i++) {
			if (v[i].id == id)
				found = true;
			else
				v[k++] = v[i];
		}
		if (!found) {
			err = p_err("there is no limit %u; nothing was deleted", id);
			goto out;
		}
		err = limits_delete(ctx, id, v, k);
	}
	if (!err) {
		out_obj_open(NULL);
		out_u64("deleted", "deleted limit %llu\n", id);
		out_obj_close();
	}
out:
	free(v);
	return err;
}

static int do_limit_list(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct limit_rule *v = NULL;
	size_t n = 0;
	int err = pins_open(ctx, false);

	(void)optp;
	(void)argc;
	(void)argv;
	if (!err && (err = limits_read(ctx, &v, &n)))
		err = p_err("cannot read the limits: %s", strerror(-err));
	if (err)
		return err;
	out_obj_open(NULL);
	out_text("%-4s %-34s %-14s %-10s %-26s %-10s %-8s %12s %12s %6s\n", "ID", "PREFIXES", "MATCH",
		 "MODE", "RATE", "IFACE", "BAN", "PASSED", "DROPPED", "BANS");
	out_arr_open("limits");
	for (size_t i = 0; i < n; i++)
		limit_print(ctx, &v[i], true);
	out_arr_close();
	out_obj_close();
	if (!n)
		out_text("(no limits)\n");
	free(v);
	return 0;
}

static int do_limit_unban(struct pg_ctx *ctx, void *optp, int argc, char **argv)
{
	struct pg_prefix *p = calloc(argc ? argc : 1, sizeof(*p));
	bool all = argc == 1 && !strcmp(argv[0], "all");
	size_t total = 0;
	int err = p ? 0 : p_err("out of memory");

	(void)optp;
	for (int i = 0; !err && !all && i < argc; i++) {
		bool norm;
		const char *why;

		if (pg_prefix_parse(argv[i], &p[i], &norm, &why))
			err = p_usage("invalid address '%s': %s", argv[i], why);
		else if (p[i].plen != (p[i].family == 4 ? 32 : 128))
			err = p_usage("'%s': bans are of single addresses", argv[i]);
	}
	if (!err && !ctx->check_only)
		err = pins_open(ctx, true);
	/* All must be banned before any is lifted. */
	if (!err && !ctx->check_only && !all) {
		struct pg_entry *v = NULL;
		size_t n = 0;

		if (bans_collect(ctx, &v, &n))
			err = p_err("cannot read the bans: %s", strerror(errno));
		for (int i = 0; !err && i < argc; i++) {
			size_t j;

			for (j = 0; j < n; j++)
				if (!pg_prefix_cmp(&v[j].prefix, &p[i]))
					break;
			if (j == n)
				err = p_err("%s is not banned; no ban was lifted", argv[i]);
		}
		free(v);
	}
	for (int i = 0; !err && !ctx->check_only && i < (all ? 1 : argc); i++) {
		size_t lifted = 0;

		if (bans_lift(ctx, all ? 0 : p[i].family, all ? NULL : p[i].addr, &lifted))
			err = p_err("cannot lift bans: %s", strerror(errno));
		total += lifted;
	}
	if (!err && !ctx->check_only) {
		out_obj_open(NULL);
		out_u64("lifted", "lifted %llu ban", total);
		out_text("%s\n", total == 1 ? "" : "s");
		out_obj_close();
	}
	free(p);
	return err;
}

static const struct pg_cmd limit_add = {
	.name = "add", .args = "CIDR... [proto P[,P] [port N[-M]]]",
	.help = "rate-limit what the prefixes' sources send that would pass",
	.min_args = 1, .max_args = -1, PG_CMD_OPTS(limit_add_opts, struct limit_opts),
	.run = do_limit_add, .restorable = true, .check = true, .changes = PG_CHANGES_ALWAYS,
};
static const struct pg_cmd limit_syn = {
	.name = "syn", .args = "IFACE",
	.help = "limit the TCP SYNs IFACE lets in, all sources together",
	.min_args = 1, .max_args = 1, PG_CMD_OPTS(limit_syn_opts, struct limit_opts),
	.run = do_limit_syn, .check = true, .changes = PG_CHANGES_ALWAYS,
};
static const struct pg_cmd limit_del = {
	.name = "del", .args = "ID | CIDR... [proto P [port N[-M]]]",
	.help = "delete a limit (its bans stay until they expire: limit unban)",
	.min_args = 1, .max_args = -1, .run = do_limit_del, .check = true,
	.changes = PG_CHANGES_ALWAYS,
};
static const struct pg_cmd limit_list = {
	.name = "list", .help = "list the limits with their counters", .run = do_limit_list,
};
static const struct pg_cmd limit_unban = {
	.name = "unban", .args = "ADDR...|all",
	.help = "lift bans before they expire", .min_args = 1, .max_args = -1,
	.run = do_limit_unban, .check = true, .changes = PG_CHANGES_ALWAYS,
};
static const struct pg_cmd *const limit_cmds[] = { &limit_add, &limit_syn, &limit_del,
						   &limit_list, &limit_unban, NULL };
const struct pg_cmd pg_cmd_limit = { .name = "limit", .sub = limit_cmds };
