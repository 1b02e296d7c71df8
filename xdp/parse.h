/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one packet parser of pktgate, shared by the XDP and TC programs:
 * Ethernet, up to two VLAN tags, IPv4 / IPv6 (with a bounded walk over
 * extension headers), then TCP / UDP / ICMP / ICMPv6.
 *
 * Address rules apply whenever the addresses can be read (README), so the
 * addresses are read first, at their fixed offsets, before any other field
 * of the L3 header is trusted: a bad IHL, version or total length, a frame
 * cut after the source address, or a third VLAN tag make the packet
 * malformed, but do not hide a denied sender.
 *
 * It works on [data, data_end) only, so both hooks can use it with direct
 * packet access. Every pointer is checked against data_end before use.
 */
#ifndef __PKTGATE_PARSE_H
#define __PKTGATE_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "policy_cfg.h"

#define PG_MAX_VLAN	2	/* 802.1ad outer + 802.1Q inner */
/* Tags walked in all to find the addresses of a frame with more than
 * PG_MAX_VLAN: such a frame is malformed, only address rules apply. Each
 * depth is a separate verifier path, kept short (addresses only). */
#define PG_MAX_VLAN_WALK 4
#define PG_MAX_EXTHDR	8	/* IPv6 extension headers walked before giving up */

/* Whether the addresses are known is apart from the result: see
 * pg_pkt.addrs. */
enum pg_parse_result {
	PG_PARSE_OK = 0,	/* addresses known, L4 parsed or not needed */
	PG_PARSE_NON_IP,	/* well-formed Ethernet, not IPv4/IPv6 */
	PG_PARSE_BAD_L3,	/* L2/L3 headers truncated or invalid */
	PG_PARSE_BAD_L4,	/* L3 fine, what follows could not be parsed */
};

/* pg_pkt.addrs: which addresses the frame holds in full. The destination
 * follows the source in both families, so DST implies SRC. */
#define PG_ADDR_SRC	1
#define PG_ADDR_DST	2

enum pg_frag {
	PG_FRAG_NONE = 0,
	PG_FRAG_FIRST,		/* offset 0, more fragments follow: has L4 */
	PG_FRAG_LATER,		/* offset > 0: no L4 header */
};

struct pg_pkt {
	__u8 family;		/* 4 or 6 once an address is read */
	__u8 l4proto;		/* IPPROTO_*, after any IPv6 extension headers */
	__u8 frag;		/* enum pg_frag */
	__u8 addrs;		/* PG_ADDR_* */
	__be16 sport;		/* TCP/UDP ports, 0 otherwise */
	__be16 dport;
	__u8 saddr[16];		/* IPv4 uses the first 4 bytes */
	__u8 daddr[16];
	__u8 icmp_type;		/* ICMP/ICMPv6 with its header read, else 0 (match keys, policy) */
	__u8 tcp_flags;		/* TCP: the flags byte (FIN..CWR), else 0 (limit syn) */
	__be16 ethertype;	/* of a non-IP frame, for the policy's safety rules */
};

struct vlan_hdr_pg {
	__be16 tci;
	__be16 encap_proto;
};

/* IPv6 extension header common part (hop-by-hop, routing, dest options). */
struct ipv6_ext_pg {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct ipv6_frag_pg {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

#define PG_IPV6_FRAG_OFFSET	0xfff8	/* host order mask of the offset bits */
#define PG_IP_FRAG_OFFSET	0x1fff
#define PG_IP_MF		0x2000
#define PG_ICMP_HLEN		8	/* ICMP and ICMPv6: type, code, csum, 4 more */

/* Copy each address the frame holds in full, the source at src and the
 * destination right after it; family is set once one is known. */
static __always_inline void pg_read_addrs(void *src, void *end, __u32 alen, __u8 family,
					  struct pg_pkt *p)
{
	if (src + alen > end)
		return;
	__builtin_memcpy(p->saddr, src, alen);
	p->family = family;
	p->addrs = PG_ADDR_SRC;
	if (src + 2 * alen > end)
		return;
	__builtin_memcpy(p->daddr, src + alen, alen);
	p->addrs |= PG_ADDR_DST;
}

static __always_inline int pg_parse_l4(void *pos, void *end, struct pg_pkt *p)
{
	switch (p->l4proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = pos;

		if ((void *)(th + 1) > end || th->doff < 5)
			return PG_PARSE_BAD_L4;
		if (pos + th->doff * 4 > end)
			return PG_PARSE_BAD_L4;
		p->sport = th->source;
		p->dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		return PG_PARSE_OK;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = pos;

		if ((void *)(uh + 1) > end)
			return PG_PARSE_BAD_L4;
		p->sport = uh->source;
		p->dport = uh->dest;
		return PG_PARSE_OK;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* Both headers are 8 bytes: type, code, checksum, 4 more. */
		if (pos + PG_ICMP_HLEN > end)
			return PG_PARSE_BAD_L4;
		p->icmp_type = *(__u8 *)pos;
		return PG_PARSE_OK;
	default:
		return PG_PARSE_OK;	/* other protocols: address rules only */
	}
}

static __always_inline int pg_parse_ipv4(void *pos, void *end, struct pg_pkt *p)
{
	struct iphdr *iph = pos;
	__u32 hlen;

	pg_read_addrs(&iph->saddr, end, 4, 4, p);
	if ((void *)(iph + 1) > end)
		return PG_PARSE_BAD_L3;
	hlen = iph->ihl * 4;
	if (iph->version != 4 || hlen < sizeof(*iph) || pos + hlen > end ||
	    bpf_ntohs(iph->tot_len) < hlen)
		return PG_PARSE_BAD_L3;

	p->l4proto = iph->protocol;

	if (iph->frag_off & bpf_htons(PG_IP_FRAG_OFFSET)) {
		p->frag = PG_FRAG_LATER;
		return PG_PARSE_OK;
	}
	if (iph->frag_off & bpf_htons(PG_IP_MF))
		p->frag = PG_FRAG_FIRST;
	return pg_parse_l4(pos + hlen, end, p);
}

static __always_inline int pg_parse_ipv6(void *pos, void *end, struct pg_pkt *p)
{
	struct ipv6hdr *ip6h = pos;
	__u8 nexthdr;
	int i;

	pg_read_addrs(&ip6h->saddr, end, 16, 6, p);
	if ((void *)(ip6h + 1) > end || ip6h->version != 6)
		return PG_PARSE_BAD_L3;

	nexthdr = ip6h->nexthdr;
	pos = ip6h + 1;

	for (i = 0; i < PG_MAX_EXTHDR; i++) {
		switch (nexthdr) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS: {
			struct ipv6_ext_pg *eh = pos;

			if ((void *)(eh + 1) > end)
				goto bad_l4;
			nexthdr = eh->nexthdr;
			pos += (eh->hdrlen + 1) * 8;
			if (pos > end)
				goto bad_l4;
			break;
		}
		case IPPROTO_AH: {
			struct ipv6_ext_pg *eh = pos;

			if ((void *)(eh + 1) > end)
				goto bad_l4;
			nexthdr = eh->nexthdr;
			pos += (eh->hdrlen + 2) * 4;
			if (pos > end)
				goto bad_l4;
			break;
		}
		case IPPROTO_FRAGMENT: {
			struct ipv6_frag_pg *fh = pos;

			if ((void *)(fh + 1) > end)
				goto bad_l4;
			nexthdr = fh->nexthdr;
			pos = fh + 1;
			if (fh->frag_off & bpf_htons(PG_IPV6_FRAG_OFFSET)) {
				p->l4proto = nexthdr;
				p->frag = PG_FRAG_LATER;
				return PG_PARSE_OK;
			}
			p->frag = PG_FRAG_FIRST;
			break;
		}
		default:
			p->l4proto = nexthdr;
			return pg_parse_l4(pos, end, p);
		}
	}
	/* PG_MAX_EXTHDR headers walked: fine if what follows is not another. */
	switch (nexthdr) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_FRAGMENT:
		break;	/* too long a chain: the L4 header is out of reach */
	default:
		p->l4proto = nexthdr;
		return pg_parse_l4(pos, end, p);
	}
bad_l4:
	p->l4proto = nexthdr;
	return PG_PARSE_BAD_L4;
}

/* Step over up to n VLAN tags (802.1Q, 802.1ad) at *pos, leaving *proto
 * the type behind them; -1 if a tag is cut short. n is a constant, so the
 * loop unrolls. */
static __always_inline int pg_skip_vlans(void **pos, void *end, __be16 *proto, int n)
{
	int i;

#pragma unroll
	for (i = 0; i < n; i++) {
		struct vlan_hdr_pg *vh = *pos;

		if (*proto != bpf_htons(ETH_P_8021Q) && *proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > end)
			return -1;
		*proto = vh->encap_proto;
		*pos = vh + 1;
	}
	return 0;
}

/* More VLAN tags than a well-formed frame has: malformed, but the
 * addresses behind up to PG_MAX_VLAN_WALK tags in all are read, so that
 * address rules still apply. Nothing else is parsed: no L3 field is
 * checked, no L4 header read, so port rules do not apply. */
static __always_inline int pg_parse_deep_vlan(void *pos, void *end, __be16 proto,
					      struct pg_pkt *p)
{
	if (pg_skip_vlans(&pos, end, &proto, PG_MAX_VLAN_WALK - PG_MAX_VLAN))
		return PG_PARSE_BAD_L3;
	if (proto == bpf_htons(ETH_P_IP))
		pg_read_addrs(pos + offsetof(struct iphdr, saddr), end, 4, 4, p);
	else if (proto == bpf_htons(ETH_P_IPV6))
		pg_read_addrs(pos + offsetof(struct ipv6hdr, saddr), end, 16, 6, p);
	return PG_PARSE_BAD_L3;
}

/* Parse one frame. The result says how far the packet could be trusted;
 * p->addrs which addresses are known, and p->family is set with them. */
static __always_inline int pg_parse(void *data, void *end, struct pg_pkt *p)
{
	struct ethhdr *eth = data;
	void *pos = eth + 1;
	__be16 proto;

	if (pos > end)
		return PG_PARSE_BAD_L3;
	proto = eth->h_proto;
	if (pg_skip_vlans(&pos, end, &proto, PG_MAX_VLAN))
		return PG_PARSE_BAD_L3;

	if (proto == bpf_htons(ETH_P_IP))
		return pg_parse_ipv4(pos, end, p);
	if (proto == bpf_htons(ETH_P_IPV6))
		return pg_parse_ipv6(pos, end, p);
	/* A third VLAN tag is beyond a well-formed frame: malformed rather
	 * than silently non-IP, whatever it carries. */
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD))
		return pg_parse_deep_vlan(pos, end, proto, p);
	if (cfg_policy_drop)
		p->ethertype = proto;
	return PG_PARSE_NON_IP;
}

#endif /* __PKTGATE_PARSE_H */
