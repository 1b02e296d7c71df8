// SPDX-License-Identifier: GPL-2.0
/* The frames pgbench sends: the smallest UDP frame of each family, or an
 * IPv4 TCP SYN (a SYN flood). */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define UDP_PORT	9	/* discard: nothing listens on it in the receiver */

static __u16 ip_csum(const void *hdr, size_t len)
{
	const __u16 *w = hdr;
	__u32 sum = 0;

	for (size_t i = 0; i < len / 2; i++)
		sum += w[i];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static size_t build_v4(__u8 *l3, const __u8 *saddr, const __u8 *daddr)
{
	struct iphdr *ip = (struct iphdr *)l3;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	size_t len = FRAME_LEN_V4 - ETH_HLEN;

	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(len);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	memcpy(&ip->saddr, saddr, 4);
	memcpy(&ip->daddr, daddr, 4);
	ip->check = ip_csum(ip, sizeof(*ip));
	udp->source = udp->dest = htons(UDP_PORT);
	udp->len = htons(len - sizeof(*ip));	/* checksum 0: none, legal in IPv4 */
	return FRAME_LEN_V4;
}

/* IPv6 forbids a zero UDP checksum; the programs under test do not check
 * it, and the stack never sees IPv6 frames from pgbench, so it stays 0. */
static size_t build_v6(__u8 *l3, const __u8 *saddr, const __u8 *daddr)
{
	struct ipv6hdr *ip6 = (struct ipv6hdr *)l3;
	struct udphdr *udp = (struct udphdr *)(ip6 + 1);

	ip6->version = 6;
	ip6->payload_len = htons(sizeof(*udp));
	ip6->nexthdr = IPPROTO_UDP;
	ip6->hop_limit = 64;
	memcpy(&ip6->saddr, saddr, 16);
	memcpy(&ip6->daddr, daddr, 16);
	udp->source = udp->dest = htons(UDP_PORT);
	udp->len = htons(sizeof(*udp));
	return FRAME_LEN_V6;
}

size_t frame_build(__u8 *buf, int family, const __u8 src_mac[6], const __u8 dst_mac[6],
		   const __u8 *saddr, const __u8 *daddr)
{
	struct ethhdr *eth = (struct ethhdr *)buf;

	memset(buf, 0, FRAME_LEN_V6 > FRAME_LEN_V4 ? FRAME_LEN_V6 : FRAME_LEN_V4);
	memcpy(eth->h_dest, dst_mac, ETH_ALEN);
	memcpy(eth->h_source, src_mac, ETH_ALEN);
	eth->h_proto = htons(family == 4 ? ETH_P_IP : ETH_P_IPV6);
	return family == 4 ? build_v4(buf + ETH_HLEN, saddr, daddr)
			   : build_v6(buf + ETH_HLEN, saddr, daddr);
}

/* The checksum of the initial source; bench_gen keeps it right for each
 * source it writes (the pseudo-header holds the address). */
size_t frame_build_syn(__u8 *buf, const __u8 src_mac[6], const __u8 dst_mac[6],
		       const __u8 *saddr, const __u8 *daddr, unsigned port)
{
	struct ethhdr *eth = (struct ethhdr *)buf;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct tcphdr *th = (struct tcphdr *)(ip + 1);
	struct {
		__u8 saddr[4], daddr[4], zero, proto;
		__be16 len;
		struct tcphdr th;
	} ph = {};

	memset(buf, 0, FRAME_LEN_V4);
	memcpy(eth->h_dest, dst_mac, ETH_ALEN);
	memcpy(eth->h_source, src_mac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*th));
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	memcpy(&ip->saddr, saddr, 4);
	memcpy(&ip->daddr, daddr, 4);
	ip->check = ip_csum(ip, sizeof(*ip));
	th->source = htons(1024);
	th->dest = htons(port);
	th->seq = htonl(1);
	th->doff = 5;
	th->syn = 1;
	th->window = htons(64240);
	memcpy(ph.saddr, saddr, 4);
	memcpy(ph.daddr, daddr, 4);
	ph.proto = IPPROTO_TCP;
	ph.len = htons(sizeof(*th));
	ph.th = *th;
	th->check = ip_csum(&ph, sizeof(ph));
	return FRAME_LEN_V4;	/* with the Ethernet padding */
}

int mac_parse(const char *s, __u8 mac[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = v[i];
	return 0;
}
