// SPDX-License-Identifier: GPL-2.0
/* Packet builder for the datapath unit tests: frames described by a spec. */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <string.h>

#include "pktbuild.h"

/* Lengths are written from the RFCs here rather than taken from the
 * parser, so that a wrong length formula in the datapath shows up. */
#define ETH_LEN		14
#define VLAN_LEN	4
#define IPV4_MIN_LEN	20
#define IPV6_LEN	40
#define TCP_MIN_LEN	20
#define UDP_LEN		8
#define ICMP_LEN	8
#define ARP_LEN		28
#define FRAG_LEN	8

static const uint8_t dst4[4] = { 192, 0, 2, 1 };
static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [15] = 1 };

/* Appends a zeroed header and remembers where it is, so truncation sweeps
 * can tell which header a cut falls into. */
static uint8_t *push(struct pkt *p, const char *name, size_t size)
{
	struct pkt_hdr *h;
	uint8_t *pos;

	if (p->len + size > PKT_MAX || p->nhdr == PKT_MAX_HDRS)
		return NULL;
	h = &p->hdr[p->nhdr++];
	h->name = name;
	h->start = p->len;
	h->end = p->len + size;
	pos = p->buf + p->len;
	p->len += size;
	return pos;
}

/* Names of the parts split_addrs cuts an IP header into. */
static const char *const ipv4_parts[4] = {
	"IPv4 header up to saddr", "IPv4 saddr", "IPv4 daddr", "IPv4 options",
};
static const char *const ipv6_parts[4] = {
	"IPv6 header up to saddr", "IPv6 saddr", "IPv6 daddr", "IPv6 options",
};

/* Splits the IP header just pushed at its address fields (the source at
 * saddr, alen bytes, the destination right after it), and notes where the
 * peer's address ends. */
static int split_addrs(struct pkt *p, const char *const names[4], size_t saddr,
		       size_t alen, int mirror)
{
	struct pkt_hdr *h = &p->hdr[p->nhdr - 1];
	size_t cut[5];
	int i;

	if (p->nhdr + 3 > PKT_MAX_HDRS)
		return -1;
	cut[0] = h->start;
	cut[1] = h->start + saddr;
	cut[2] = cut[1] + alen;
	cut[3] = cut[2] + alen;
	cut[4] = h->end;
	p->nhdr--;
	for (i = 0; i < 4; i++) {
		if (cut[i + 1] <= cut[i])
			continue;	/* no options */
		h = &p->hdr[p->nhdr++];
		h->name = names[i];
		h->start = cut[i];
		h->end = cut[i + 1];
	}
	p->peer_end = mirror ? cut[3] : cut[2];
	return 0;
}

static void put16(uint8_t *pos, uint16_t v)
{
	pos[0] = v >> 8;
	pos[1] = v & 0xff;
}

static uint16_t csum(const uint8_t *data, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += data[i] << 8 | data[i + 1];
	if (len & 1)
		sum += data[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static size_t tcp_len(const struct pkt_spec *s)
{
	size_t doff = s->tcp_doff ? s->tcp_doff : 5;

	return doff * 4 > TCP_MIN_LEN ? doff * 4 : TCP_MIN_LEN;
}

/* Bytes of the L4 header the spec asks for. */
static size_t l4_len(const struct pkt_spec *s)
{
	switch (s->proto) {
	case IPPROTO_TCP:
		return tcp_len(s);
	case IPPROTO_UDP:
		return UDP_LEN;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return ICMP_LEN;
	default:
		return 0;
	}
}

static size_t ext_len(const struct pkt_ext *e)
{
	switch (e->type) {
	case IPPROTO_AH:
		return (e->hdrlen + 2) * 4;	/* RFC 4302: 32-bit words - 2 */
	case IPPROTO_FRAGMENT:
		return FRAG_LEN;
	default:
		return (e->hdrlen + 1) * 8;	/* RFC 8200: 8-octet units - 1 */
	}
}

static const char *ext_name(uint8_t type)
{
	switch (type) {
	case IPPROTO_HOPOPTS:
		return "hop-by-hop header";
	case IPPROTO_ROUTING:
		return "routing header";
	case IPPROTO_DSTOPTS:
		return "destination options header";
	case IPPROTO_AH:
		return "AH header";
	case IPPROTO_FRAGMENT:
		return "fragment header";
	default:
		return "extension header";
	}
}

static int build_l4(struct pkt *p, const struct pkt_spec *s)
{
	size_t len = l4_len(s);
	uint8_t *h;

	if (!len)
		return 0;
	switch (s->proto) {
	case IPPROTO_TCP:
		h = push(p, "TCP header", len);
		if (!h)
			return -1;
		put16(h, s->sport ? s->sport : 40000);
		put16(h + 2, s->dport ? s->dport : 443);
		h[12] = (s->tcp_doff ? s->tcp_doff : 5) << 4;
		h[13] = s->tcp_flags ? s->tcp_flags : 0x02;	/* default: SYN */
		put16(h + 14, 65535);
		return 0;
	case IPPROTO_UDP:
		h = push(p, "UDP header", len);
		if (!h)
			return -1;
		put16(h, s->sport ? s->sport : 40000);
		put16(h + 2, s->dport ? s->dport : 53);
		put16(h + 4, UDP_LEN + s->payload);
		return 0;
	default:
		h = push(p, s->proto == IPPROTO_ICMP ? "ICMP header" : "ICMPv6 header",
			 len);
		if (!h)
			return -1;
		h[0] = s->icmp_type_set ? s->icmp_type :
		       s->proto == IPPROTO_ICMP ? 8 : 128;	/* echo request */
		return 0;
	}
}

static int build_ipv4(struct pkt *p, const struct pkt_spec *s)
{
	uint8_t ihl = s->ihl || s->ihl_set ? s->ihl : 5;
	size_t hlen = ihl * 4 > IPV4_MIN_LEN ? ihl * 4 : IPV4_MIN_LEN;
	uint8_t *h = push(p, "IPv4 header", hlen);
	size_t peer = s->mirror ? 16 : 12, local = s->mirror ? 12 : 16;

	if (!h || inet_pton(AF_INET, s->src ? s->src : PKT_SRC4, h + peer) != 1 ||
	    split_addrs(p, ipv4_parts, 12, 4, s->mirror))
		return -1;
	h[0] = (s->version ? s->version : 4) << 4 | (ihl & 0xf);
	put16(h + 2, s->tot_len ? s->tot_len : hlen + l4_len(s) + s->payload);
	put16(h + 4, 0x1234);
	put16(h + 6, s->frag_off);
	h[8] = 64;
	h[9] = s->proto;
	memcpy(h + local, dst4, 4);
	/* The parser ignores it, but a valid checksum keeps the frame an
	 * ordinary one apart from what the case is about. */
	put16(h + 10, csum(h, hlen));
	return build_l4(p, s);
}

static int build_ipv6(struct pkt *p, const struct pkt_spec *s)
{
	size_t payload = l4_len(s) + s->payload;
	uint8_t *h = push(p, "IPv6 header", IPV6_LEN);
	size_t peer = s->mirror ? 24 : 8, local = s->mirror ? 8 : 24;
	int i;

	if (!h || inet_pton(AF_INET6, s->src ? s->src : PKT_SRC6, h + peer) != 1 ||
	    split_addrs(p, ipv6_parts, 8, 16, s->mirror))
		return -1;
	for (i = 0; i < s->n_ext; i++)
		payload += ext_len(&s->ext[i]);
	h[0] = (s->version ? s->version : 6) << 4;
	put16(h + 4, payload);
	h[6] = s->n_ext ? s->ext[0].type : s->proto;
	h[7] = 64;
	memcpy(h + local, dst6, 16);

	for (i = 0; i < s->n_ext; i++) {
		const struct pkt_ext *e = &s->ext[i];
		size_t len = ext_len(e);
		uint8_t *x = push(p, ext_name(e->type), len);

		if (!x)
			return -1;
		x[0] = i + 1 < s->n_ext ? s->ext[i + 1].type : s->proto;
		switch (e->type) {
		case IPPROTO_FRAGMENT:
			put16(x + 2, e->frag_off);
			memcpy(x + 4, "\x00\x00\x12\x34", 4);
			break;
		case IPPROTO_AH:
			x[1] = e->hdrlen;
			x[7] = 1;			/* SPI */
			break;
		case IPPROTO_ROUTING:
			x[1] = e->hdrlen;
			x[2] = 4;			/* segment routing */
			break;
		default:
			/* Hop-by-hop and destination options: one PadN
			 * filling the header, as a sender would. */
			x[1] = e->hdrlen;
			x[2] = 1;
			x[3] = len - 4;
			break;
		}
	}
	return build_l4(p, s);
}

static int build_arp(struct pkt *p)
{
	static const uint8_t arp[ARP_LEN] = {
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,	/* request */
		0x02, 0, 0, 0, 0, 0x02, 198, 51, 100, 7,
		0, 0, 0, 0, 0, 0, 192, 0, 2, 1,
	};
	uint8_t *h = push(p, "ARP", ARP_LEN);

	if (!h)
		return -1;
	memcpy(h, arp, ARP_LEN);
	return 0;
}

int pkt_build(struct pkt *p, const struct pkt_spec *s)
{
	uint16_t inner = s->ethertype ? s->ethertype :
			 s->family == 6 ? ETH_P_IPV6 : ETH_P_IP;
	uint8_t *h;
	int i, n = 0, err;

	memset(p, 0, sizeof(*p));
	while (n < PKT_MAX_VLAN && s->vlan[n])
		n++;

	h = push(p, "Ethernet header", ETH_LEN);
	if (!h)
		return -1;
	memcpy(h, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	put16(h + 12, n ? s->vlan[0] : inner);
	for (i = 0; i < n; i++) {
		h = push(p, i ? "inner VLAN tag" : "outer VLAN tag",
			 VLAN_LEN);
		if (!h)
			return -1;
		put16(h, 100 + i);		/* VID */
		put16(h + 2, i + 1 < n ? s->vlan[i + 1] : inner);
	}

	switch (inner) {
	case ETH_P_IP:
		err = build_ipv4(p, s);
		break;
	case ETH_P_IPV6:
		err = build_ipv6(p, s);
		break;
	case ETH_P_ARP:
		err = build_arp(p);
		break;
	default:
		/* Some other protocol: a minimum-size frame of zeros. */
		err = push(p, "payload", ETH_ZLEN - ETH_LEN) ? 0 : -1;
		break;
	}
	if (err || (s->payload && !push(p, "payload", s->payload)))
		return -1;

	p->full = p->len;
	if (s->len) {
		if (s->len > p->full)
			return -1;
		p->len = s->len;
	}
	return 0;
}
