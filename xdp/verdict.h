/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Verdict logic shared by the XDP and TC programs: list lookups with TTL,
 * precedence (allow > deny > default), and the single exit that records
 * every verdict in the per-CPU counters.
 *
 * Each program instance is loaded for one interface and hook; its slot in
 * the counter table and its options are read-only globals set at load time,
 * so no per-packet lookup is spent finding them.
 */
#ifndef __PKTGATE_VERDICT_H
#define __PKTGATE_VERDICT_H

#include "pktgate_maps.bpf.h"
#include "parse.h"
#include "lookup.h"
#include "protect.h"

const volatile __u32 cfg_slot = 0;		/* interface slot, < PG_MAX_IFACES */
const volatile __u8 cfg_drop_malformed = 0;
const volatile __u8 cfg_top = 1;		/* per-address counters (top talkers) */
const volatile __u64 cfg_top_seed = 0;	/* keys pg_top_hash(): random per load */
/* attach --top-sample N: a packet feeds the sketch when this CPU's draw is
 * below cfg_top_below (2^32 / N, worked out at load) and counts
 * cfg_top_every times. 1: every packet, and no draw is compiled in. */
const volatile __u32 cfg_top_every = 1;
const volatile __u32 cfg_top_below = 0;
const volatile __u8 cfg_syncookie = 0;	/* XDP answers SYNs with cookies (synproxy.h) */

/* Which address an entry names: the remote peer. That is the source on
 * ingress and the destination on egress. */
enum pg_match { PG_MATCH_SRC, PG_MATCH_DST };

struct pg_hit;
static __always_inline __u64 pg_now(struct pg_hit *h);

struct pg_hit {
	__u32 reason;
	__u32 rule_id;
	__u64 now;		/* clock read once per packet, only if needed */
	__u8 match;		/* enum pg_match */
	__u8 match_plen;	/* prefix length of the matching entry, or PG_NO_MATCH */
	__u8 match_kind;	/* enum pg_list_kind of the matching entry */
	__u8 list_id;		/* list of the matching entry */
	const struct pg_config *cfg;	/* read once per packet */
	struct pg_pkt pkt;
};

static __always_inline __u64 pg_now(struct pg_hit *h)
{
	if (!h->now)
		h->now = bpf_ktime_get_coarse_ns();
	return h->now;
}

static __always_inline void pg_hit_rule(struct pg_hit *h, const struct pg_lk *k)
{
	h->reason = k->kind == PG_LIST_DENY ? PG_R_DENY : PG_R_ALLOW;
	h->rule_id = k->rule_id;
	h->list_id = k->list_id;
	h->match_plen = k->prefixlen;
	h->match_kind = k->kind;
}

static __always_inline void
pg_classify(void *data, void *end, enum pg_match m, struct pg_hit *h)
{
	struct pg_pkt *p = &h->pkt;
	const struct pg_config *cfg;
	struct pg_lk k = {};
	__u32 zero = 0, gens = 0;
	int res;

	/* Lists, top talkers and events all read it: once per packet. */
	h->cfg = cfg = bpf_map_lookup_elem(&pg_config, &zero);
	h->match = m;
	h->match_plen = PG_NO_MATCH;
	res = pg_parse(data, end, p);
	if (res == PG_PARSE_NON_IP) {
		h->reason = PG_R_NON_IP;
		return;
	}
	/* Entries name the peer: without its address nothing can match,
	 * nor be counted per address. */
	if (!(p->addrs & (m == PG_MATCH_SRC ? PG_ADDR_SRC : PG_ADDR_DST))) {
		p->family = 0;
		goto malformed;
	}

	if (cfg) {
		k.tables = cfg->tables;
		gens = cfg->gens;
	}
	if (k.tables) {
		__builtin_memcpy(k.addr, m == PG_MATCH_SRC ? p->saddr : p->daddr, 16);
		k.family = p->family;
		k.l4proto = p->l4proto;
		pg_match_prep(&k, p, res == PG_PARSE_OK, m == PG_MATCH_DST, cfg ? cfg->sels : 0);
		/* Protected peers pass before any list, policy or limit. */
		if ((k.tables & PG_PROTECT_ANY) && pg_protected(&k)) {
			h->reason = PG_R_PROTECT;
			return;
		}
		/* allow > deny; a kind with no table of the family holding
		 * entries (a blocklist alone has no allow entries) costs no call. */
		k.kind = PG_LIST_ALLOW;
		k.slot = PG_GEN_SLOT(PG_LIST_ALLOW, gens & 1);
		if (!pg_kind_find(&k) && !pg_match_kind(&k)) {
			k.kind = PG_LIST_DENY;
			k.slot = PG_GEN_SLOT(PG_LIST_DENY, (gens >> 1) & 1);
			if (!pg_kind_find(&k))
				pg_match_kind(&k);
		}
		h->now = k.now;
		if (k.found) {
			pg_hit_rule(h, &k);
			return;
		}
	}
	if (res != PG_PARSE_OK)
		goto malformed;
	h->reason = p->frag == PG_FRAG_LATER ? PG_R_FRAGMENT : PG_R_DEFAULT;
	return;
malformed:
	h->reason = cfg_drop_malformed ? PG_R_MALFORMED_DROP : PG_R_MALFORMED;
}

/* Take one unit of credit from a per-CPU token bucket that refills at one
 * unit per cost_ns, up to burst_ns; 1 if granted. Refusals are counted. */
static __always_inline int pg_bucket_take(struct pg_ev_bucket *b, __u64 cost_ns,
					  __u64 burst_ns, __u64 now)
{
	__u64 credit = b->credit_ns + (now - b->last_ns);

	if (credit > burst_ns)
		credit = burst_ns;
	b->last_ns = now;
	if (credit < cost_ns) {
		b->credit_ns = credit;
		b->suppressed++;
		return 0;
	}
	b->credit_ns = credit - cost_ns;
	b->emitted++;
	return 1;
}

/* Both keys are 20 bytes, pad always 0: five word compares. */
static __always_inline int pg_top_same(const struct pg_top_key *a, const struct pg_top_key *b)
{
	const __u32 *x = (const void *)a, *y = (const void *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] && x[4] == y[4];
}

/* Refusals of admission between two looks at the clock, while the top-rate
 * bucket is short of credit: reading the clock is most of what a refusal
 * would cost. The bucket learns of its refill at most this many refusals
 * late. A power of two. */
#define PG_TOP_REFUSALS_PER_CLOCK	16

/* Per remote address: packets, bytes, drops, last seen, in this CPU's row
 * of the heavy-hitter sketch (struct pg_top_row says how and why). One
 * array lookup per packet, inlined by the JIT, and stores into the row:
 * no insert and no eviction, however many sources a flood spoofs.
 *
 * last seen is the coarse clock, which moves once a tick: a way keeps the
 * jiffies of its stamp (bpf_jiffies64() is inlined), and a packet in the
 * same tick leaves the stamp as it is instead of calling the clock. */
/* Whether this packet feeds the sketch: always, or one in cfg_top_every
 * at random. The draw is a xorshift step in this CPU's pg_top_bucket line,
 * seeded once from the kernel's generator, so that a flood cannot time
 * its packets around the samples and no helper is called per packet. */
static __always_inline int pg_top_sampled(void)
{
	struct pg_ev_bucket *b;
	__u32 zero = 0, x;

	if (cfg_top_every <= 1)
		return 1;
	b = bpf_map_lookup_elem(&pg_top_bucket, &zero);
	if (!b)
		return 0;
	x = b->rng;
	if (!x)
		x = bpf_get_prandom_u32() | 1;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	b->rng = x;
	return x < cfg_top_below;
}

static __always_inline void pg_top_count(struct pg_hit *h, __u64 bytes, int drop)
{
	struct pg_top_key k = { .family = h->pkt.family,
				.dir = h->match == PG_MATCH_SRC ? PG_TOP_IN : PG_TOP_OUT };
	const struct pg_config *cfg = h->cfg;
	struct pg_top_head *head;
	struct pg_top_row *row = 0;
	struct pg_top_way *w;
	struct pg_ev_bucket *b;
	__u32 idx, zero = 0, pk = 1;
	int i, free = -1;
	__u64 hash;
	__u16 tag;

	/* A sample stands for cfg_top_every packets. */
	if (cfg_top_every > 1) {
		bytes *= cfg_top_every;
		drop *= cfg_top_every;
		pk = cfg_top_every;
	}
	__builtin_memcpy(k.addr, h->match == PG_MATCH_SRC ? h->pkt.saddr : h->pkt.daddr, 16);
	hash = pg_top_hash(&k, cfg_top_seed);
	idx = hash & (PG_TOP_ROWS - 1);
	tag = hash >> 48;
	head = bpf_map_lookup_elem(&pg_top_head, &idx);
	if (!head)
		return;
#pragma unroll
	for (i = 0; i < PG_TOP_WAYS; i++) {
		if (head->tag[i] == tag) {
			if (!row)
				row = bpf_map_lookup_elem(&pg_top, &idx);
			if (!row)
				return;
			w = &row->way[i];
			if (pg_top_same(&w->key, &k)) {
				__u32 tick = bpf_jiffies64();

				w->val.packets += pk;
				w->val.bytes += bytes;
				w->val.drops += drop;
				if (w->tick != tick || h->now) {
					w->val.last_seen_ns = pg_now(h);
					w->tick = tick;
				}
				if (head->score[i] != ~0u)
					head->score[i]++;
				return;
			}
		}
		if (free < 0 && !head->score[i])
			free = i;
	}
	b = bpf_map_lookup_elem(&pg_top_bucket, &zero);
	if (free < 0) {
		/* Every score is at least 1: the decay round. */
#pragma unroll
		for (i = 0; i < PG_TOP_WAYS; i++)
			head->score[i]--;
		if (head->decays != ~0u)
			head->decays++;
		if (b)
			b->suppressed++;
		return;
	}
	if (b) {
		if (cfg && cfg->top_cost_ns) {
			if (b->credit_ns < cfg->top_cost_ns && !h->now &&
			    (b->suppressed & (PG_TOP_REFUSALS_PER_CLOCK - 1))) {
				b->suppressed++;
				return;
			}
			if (!pg_bucket_take(b, cfg->top_cost_ns, cfg->top_burst_ns, pg_now(h)))
				return;
		} else {
			b->emitted++;
		}
	}
	if (!row)
		row = bpf_map_lookup_elem(&pg_top, &idx);
	if (!row)
		return;
	free &= PG_TOP_WAYS - 1;
	w = &row->way[free];
	w->key = k;
	w->tick = bpf_jiffies64();
	w->val.packets = pk;
	w->val.bytes = bytes;
	w->val.drops = drop;
	w->val.last_seen_ns = pg_now(h);
	head->tag[free] = tag;
	head->score[free] = 1;
}

/* A drop event, if this CPU's token bucket has credit: a flood costs one
 * counter increment per packet beyond the configured rate. */
static __always_inline void pg_drop_event(enum pg_hook hook, struct pg_hit *h, __u64 bytes)
{
	__u32 zero = 0;
	const struct pg_config *cfg = h->cfg;
	struct pg_ev_bucket *b = bpf_map_lookup_elem(&pg_ev_bucket, &zero);
	struct pg_event ev = {};

	if (!cfg || !b)
		return;
	if (!cfg->ev_cost_ns) {
		b->suppressed++;	/* events are off */
		return;
	}
	/* Short of credit, in the tick of the last refusal: the coarse clock
	 * moves only with jiffies, so it would read the same and refuse
	 * again. A flood of drops then costs no clock read (bpf_jiffies64()
	 * is inlined). */
	if (b->credit_ns < cfg->ev_cost_ns && !h->now) {
		__u32 tick = bpf_jiffies64();

		if (tick == b->tick) {
			b->suppressed++;
			return;
		}
		b->tick = tick;
	}
	if (!pg_bucket_take(b, cfg->ev_cost_ns, cfg->ev_burst_ns, pg_now(h)))
		return;

	ev.ts_ns = pg_now(h);
	ev.rule_id = h->rule_id;
	ev.pkt_len = bytes;
	ev.slot = cfg_slot;
	ev.hook = hook;
	ev.reason = h->reason;
	ev.family = h->pkt.family;
	ev.l4proto = h->pkt.l4proto;
	ev.match_plen = h->match_plen;
	ev.match_kind = h->match_kind;
	ev.match_list = h->list_id;
	ev.sport = h->pkt.sport;
	ev.dport = h->pkt.dport;
	__builtin_memcpy(ev.saddr, h->pkt.saddr, 16);
	__builtin_memcpy(ev.daddr, h->pkt.daddr, 16);
	if (bpf_ringbuf_output(&pg_events, &ev, sizeof(ev), 0)) {
		b->emitted--;
		b->suppressed++;
	}
}

/* The single exit: count the verdict, return its action (PG_ACT_*). */
static __always_inline int pg_record(enum pg_hook hook, struct pg_hit *h, __u64 bytes)
{
	__u32 key = PG_STATS_KEY(cfg_slot, hook);
	struct pg_stats *s;
	__u32 reason = h->reason;
	int drop = PG_REASON_DROPS(reason);

	s = bpf_map_lookup_elem(&pg_stats, &key);
	if (s && reason < PG_R_MAX) {
		s->reason[reason].packets++;
		s->reason[reason].bytes += bytes;
	}
	if (h->rule_id) {
		__u32 id = h->rule_id;
		struct pg_rule_ctr *rc = bpf_map_lookup_elem(&pg_rule_stats, &id);

		if (rc) {
			rc->packets++;
			rc->bytes += bytes;
			rc->last_hit_ns = pg_now(h);
		}
	}
	if (reason == PG_R_ALLOW || reason == PG_R_DENY || reason == PG_R_BAN) {
		__u32 id = h->list_id;
		struct pg_ctr *lc = bpf_map_lookup_elem(&pg_list_stats, &id);

		if (lc) {
			lc->packets++;
			lc->bytes += bytes;
		}
	}
	if (cfg_top && h->pkt.family && pg_top_sampled())
		pg_top_count(h, bytes, drop);
	if (drop)
		pg_drop_event(hook, h, bytes);
	/* Only the SYN proxy makes tx reasons: without it the verifier sees
	 * the action is drop's, and that the program's tx branch is dead. */
	return drop | (cfg_syncookie ? PG_REASON_TX(reason) << 1 : 0);
}

#endif /* __PKTGATE_VERDICT_H */
