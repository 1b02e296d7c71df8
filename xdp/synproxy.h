/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SYN cookies at XDP (attach --syncookie PORT,...), the technique of the
 * kernel's xdp_synproxy selftest, in front of the netfilter SYNPROXY
 * target on the same host:
 *  - a SYN (no ACK, RST or FIN) to a protected port of a flow conntrack
 *    does not know is rewritten in place into the SYN-ACK with the kernel's
 *    own SYN cookie as its sequence number and sent back out (XDP_TX,
 *    reason "syncookie"): no state anywhere, however many sources a flood
 *    spoofs;
 *  - the client's ACK (no SYN, RST or FIN) of such a flow is checked with
 *    the kernel's cookie check: valid, it passes (reason "syncookie-ok")
 *    and SYNPROXY, which checks it again with the same secret, opens the
 *    connection to the listener; invalid, it is dropped ("syncookie-bad").
 * Only packets the lists, the policy and the limits would pass are
 * answered (reasons default and allow); protected peers pass untouched.
 * What cannot be answered here (IPv6 extension headers, a cookie helper
 * error, no room) passes: SYNPROXY answers it in the stack, statelessly
 * too.
 *
 * The SYN-ACK carries the MSS option only: no timestamps, hence no window
 * scaling or SACK (SYNPROXY reads those from a timestamp cookie). Its
 * window is 0, as SYNPROXY's own: SYNPROXY opens it once the listener has
 * accepted.
 */
#ifndef __PKTGATE_SYNPROXY_H
#define __PKTGATE_SYNPROXY_H

#include <linux/errno.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include "verdict.h"
#include "policy.h"

/* Destination ports answered, network order; 0 ends. cfg_syncookie
 * (verdict.h) is 0 unless a port is given: the verifier leaves all of
 * this out then. */
const volatile __be16 cfg_syn_ports[PG_SYN_PORTS] = {};

#define PG_TCP_FIN	0x01
#define PG_TCP_SYN	0x02
#define PG_TCP_RST	0x04
#define PG_TCP_ACK	0x10
#define PG_TCP_HS	(PG_TCP_FIN | PG_TCP_SYN | PG_TCP_RST | PG_TCP_ACK)
#define PG_TCP_MAXLEN	60
/* The MSS the SYN-ACK offers at most: an Ethernet MTU's. The cookie
 * encodes the client's own (from the kernel's table), which may be less. */
#define PG_SYN_MSS4	1460
#define PG_SYN_MSS6	1440
#define PG_SYN_TTL	64
#define PG_IP_DF	0x4000

/* The reply's headers, built on the stack and stored over the SYN's. */
struct pg_synack_tcp {
	struct tcphdr th;
	__u8 mss_kind, mss_len;
	__be16 mss;
};

struct pg_synack4 {
	struct iphdr ip;
	struct pg_synack_tcp t;
};

struct pg_synack6 {
	struct ipv6hdr ip;
	struct pg_synack_tcp t;
};

/* A packet for the SYN proxy, before anything else is read: TCP, a SYN or
 * an ACK, to a protected port, passing so far. */
static __always_inline int pg_syn_wanted(const struct pg_hit *h)
{
	const struct pg_pkt *p = &h->pkt;
	__u8 f = p->tcp_flags & PG_TCP_HS;
	int i;

	if (p->l4proto != IPPROTO_TCP || p->frag != PG_FRAG_NONE || !p->dport ||
	    (f != PG_TCP_SYN && f != PG_TCP_ACK) ||
	    (h->reason != PG_R_DEFAULT && h->reason != PG_R_ALLOW))
		return 0;
#pragma unroll
	for (i = 0; i < PG_SYN_PORTS; i++)
		if (cfg_syn_ports[i] == p->dport)
			return 1;
	return 0;
}

/* One's complement sum of n 16-bit words (n a constant). */
static __always_inline __u32 pg_csum_words(__u32 sum, const void *p, int n)
{
	const __u16 *w = p;
	int i;

#pragma unroll
	for (i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

static __always_inline __u16 pg_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* The SYN-ACK's TCP header (addresses and ports swapped, seq = cookie,
 * ack = the SYN's seq + 1, the MSS option) and its checksum over the
 * pseudo-header sum psum. */
static __always_inline void pg_synack_tcp(struct pg_synack_tcp *t, const struct tcphdr *syn,
					  __u32 cookie, __u16 mss, __u32 psum)
{
	t->th.source = syn->dest;
	t->th.dest = syn->source;
	t->th.seq = bpf_htonl(cookie);
	t->th.ack_seq = bpf_htonl(bpf_ntohl(syn->seq) + 1);
	t->th.doff = sizeof(*t) / 4;
	t->th.syn = 1;
	t->th.ack = 1;
	t->mss_kind = 2;	/* TCPOPT_MSS */
	t->mss_len = 4;
	t->mss = bpf_htons(mss);
	psum += bpf_htons(IPPROTO_TCP) + bpf_htons(sizeof(*t));
	t->th.check = pg_csum_fold(pg_csum_words(psum, t, sizeof(*t) / 2));
}

/* Put the reply (len bytes at l3off, behind the frame's own L2 header with
 * its MACs swapped) in place of the SYN. 0, or -1 with the frame as it
 * was (nothing is written before the tail moves). */
static __always_inline int pg_synack_store(struct xdp_md *ctx, __u32 l3off, const void *reply,
					   __u32 len)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 mac[2 * ETH_ALEN];

	if (data + sizeof(mac) > end)
		return -1;
	__builtin_memcpy(mac, data + ETH_ALEN, ETH_ALEN);
	__builtin_memcpy(mac + ETH_ALEN, data, ETH_ALEN);
	/* The frame's length from the helper: a difference of packet
	 * pointers would be 32-bit pointer arithmetic to the verifier. */
	if (bpf_xdp_adjust_tail(ctx, (int)(l3off + len) - (int)bpf_xdp_get_buff_len(ctx)))
		return -1;
	/* Both stores are inside the frame now: they cannot fail. */
	bpf_xdp_store_bytes(ctx, 0, mac, sizeof(mac));
	bpf_xdp_store_bytes(ctx, l3off, (void *)reply, len);
	return 0;
}

static __always_inline __u16 pg_syn_mss(__s64 v, __u16 most)
{
	__u16 mss = v >> 32;

	return mss && mss < most ? mss : most;
}

/* Answer an IPv4 SYN: syn is its TCP header copied to the stack. */
static __always_inline int pg_synack_v4(struct xdp_md *ctx, struct iphdr *iph, __u32 l3off,
					const struct tcphdr *syn, __u32 tcp_len, __u32 reason)
{
	struct pg_synack4 r = {};
	__s64 v = bpf_tcp_raw_gen_syncookie_ipv4(iph, (struct tcphdr *)syn, tcp_len);

	if (v < 0)
		return reason;
	r.ip.version = 4;
	r.ip.ihl = sizeof(r.ip) / 4;
	r.ip.tot_len = bpf_htons(sizeof(r));
	r.ip.frag_off = bpf_htons(PG_IP_DF);
	r.ip.ttl = PG_SYN_TTL;
	r.ip.protocol = IPPROTO_TCP;
	r.ip.saddr = iph->daddr;
	r.ip.daddr = iph->saddr;
	r.ip.check = pg_csum_fold(pg_csum_words(0, &r.ip, sizeof(r.ip) / 2));
	pg_synack_tcp(&r.t, syn, v, pg_syn_mss(v, PG_SYN_MSS4),
		      pg_csum_words(0, &r.ip.saddr, 4));
	return pg_synack_store(ctx, l3off, &r, sizeof(r)) ? reason : PG_R_SYNCOOKIE;
}

static __always_inline int pg_synack_v6(struct xdp_md *ctx, struct ipv6hdr *ip6h, __u32 l3off,
					const struct tcphdr *syn, __u32 tcp_len, __u32 reason)
{
	struct pg_synack6 r = {};
	__s64 v = bpf_tcp_raw_gen_syncookie_ipv6(ip6h, (struct tcphdr *)syn, tcp_len);

	if (v < 0)
		return reason;
	r.ip.version = 6;
	r.ip.payload_len = bpf_htons(sizeof(r.t));
	r.ip.nexthdr = IPPROTO_TCP;
	r.ip.hop_limit = PG_SYN_TTL;
	r.ip.saddr = ip6h->daddr;
	r.ip.daddr = ip6h->saddr;
	pg_synack_tcp(&r.t, syn, v, pg_syn_mss(v, PG_SYN_MSS6),
		      pg_csum_words(0, &r.ip.saddr, 16));
	return pg_synack_store(ctx, l3off, &r, sizeof(r)) ? reason : PG_R_SYNCOOKIE;
}

/* Is the flow in conntrack (confirmed)? An error other than "no entry"
 * counts as yes: the packet then takes the normal path. The tuple is read
 * from the headers, not from the caller's pg_pkt: see pg_synproxy(). */
static __always_inline int pg_syn_flow_known(struct xdp_md *ctx, void *l3,
					     const struct tcphdr *th, const int v6)
{
	struct bpf_sock_tuple t = {};
	struct bpf_ct_opts___pg o = { .netns_id = PG_CT_NETNS_HERE, .l4proto = IPPROTO_TCP };
	struct nf_conn *ct;
	unsigned long status;

	if (v6) {
		struct ipv6hdr *ip6h = l3;

		__builtin_memcpy(t.ipv6.saddr, &ip6h->saddr, 16);
		__builtin_memcpy(t.ipv6.daddr, &ip6h->daddr, 16);
		t.ipv6.sport = th->source;
		t.ipv6.dport = th->dest;
		ct = bpf_xdp_ct_lookup(ctx, &t, sizeof(t.ipv6), &o, PG_CT_OPTS_SZ);
	} else {
		struct iphdr *iph = l3;

		t.ipv4.saddr = iph->saddr;
		t.ipv4.daddr = iph->daddr;
		t.ipv4.sport = th->source;
		t.ipv4.dport = th->dest;
		ct = bpf_xdp_ct_lookup(ctx, &t, sizeof(t.ipv4), &o, PG_CT_OPTS_SZ);
	}
	if (!ct)
		return o.error != -ENOENT;
	status = ct->status;
	bpf_ct_release(ct);
	return !!(status & IPS_CONFIRMED);
}

/* The SYN proxy of one family (v6 a constant): th is the TCP header, its
 * first 20 bytes inside the frame, at thoff. */
static __always_inline int pg_syn_tcp(struct xdp_md *ctx, __u32 reason, void *l3, __u32 l3off,
				      struct tcphdr *th, __u32 thoff, const int v6)
{
	__u8 buf[PG_TCP_MAXLEN] = {};
	__u32 tcp_len;

	if (pg_syn_flow_known(ctx, l3, th, v6))
		return reason;
	if (!th->syn) {
		long bad = v6 ? bpf_tcp_raw_check_syncookie_ipv6(l3, th) :
				bpf_tcp_raw_check_syncookie_ipv4(l3, th);

		return bad ? PG_R_SYNCOOKIE_BAD : PG_R_SYNCOOKIE_OK;
	}
	/* The cookie helper reads the options: the whole header, copied to
	 * the stack so that its length need not be proven against the
	 * frame's end. */
	tcp_len = th->doff * 4;
	if (tcp_len < sizeof(*th) || bpf_xdp_load_bytes(ctx, thoff, buf, tcp_len))
		return reason;
	if (v6)
		return pg_synack_v6(ctx, l3, l3off, (void *)buf, tcp_len, reason);
	return pg_synack_v4(ctx, l3, l3off, (void *)buf, tcp_len, reason);
}

/* The SYN proxy for a packet pg_syn_wanted() took, whose reason so far
 * is reason: the reason it ends with (PG_R_SYNCOOKIE with the frame
 * rewritten, SYNCOOKIE_OK, SYNCOOKIE_BAD, or its own). A global function:
 * the verifier checks it once, on its own. It takes no pointer to the
 * caller's stack: the verifier would then keep every slot of that stack
 * live up to the call, even where the call is dead code, and prune far
 * fewer paths of the whole program. */
__attribute__((noinline)) int pg_synproxy(struct xdp_md *ctx, __u32 reason)
{
	void *data, *end, *l3;
	struct tcphdr *th;
	__be16 proto;

	if (!ctx)
		return reason;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	l3 = data + ETH_HLEN;
	if (l3 > end)
		return reason;
	proto = ((struct ethhdr *)data)->h_proto;
	if (pg_skip_vlans(&l3, end, &proto, PG_MAX_VLAN))
		return reason;
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = l3;

		if ((void *)(iph + 1) > end || iph->ihl < 5)
			return reason;
		th = l3 + iph->ihl * 4;
		if ((void *)(th + 1) > end)
			return reason;
		return pg_syn_tcp(ctx, reason, l3, l3 - data, th, (void *)th - data, 0);
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = l3;

		/* Behind extension headers: SYNPROXY answers in the stack. */
		if ((void *)(ip6h + 1) > end || ip6h->nexthdr != IPPROTO_TCP)
			return reason;
		th = (void *)(ip6h + 1);
		if ((void *)(th + 1) > end)
			return reason;
		return pg_syn_tcp(ctx, reason, l3, l3 - data, th, (void *)th - data, 1);
	}
	return reason;
}

/* After the limits: the SYN proxy, where configured and wanted. The
 * reason comes back bounded, as a counter index. */
#define PG_SYNPROXY(h, ctx)						\
	do {								\
		if (cfg_syncookie && pg_syn_wanted(h))			\
			(h)->reason = pg_synproxy(ctx, (h)->reason) & (PG_R_SLOTS - 1); \
	} while (0)

#endif /* __PKTGATE_SYNPROXY_H */
