// SPDX-License-Identifier: GPL-2.0
/* Packet builder for the datapath unit tests: frames described by a spec. */
#ifndef __PKTGATE_PKTBUILD_H
#define __PKTGATE_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>

#define PKT_MAX		1536	/* a full-size Ethernet frame fits */
#define PKT_MAX_HDRS	24
#define PKT_MAX_VLAN	5	/* one more than the parser walks, to test that */
#define PKT_MAX_EXT	10	/* one more than the parser walks, to test that */

/* A header, or a part of one: the IP headers are split at their address
 * fields, so truncation sweeps can tell whether a cut leaves the peer's
 * address whole. */
struct pkt_hdr {
	const char *name;
	size_t start, end;
};

struct pkt {
	uint8_t buf[PKT_MAX];
	size_t len;		/* what is handed to the program */
	size_t full;		/* length before truncation */
	size_t peer_end;	/* end of the peer's address (the source, the
				 * destination if mirror); 0: no IP header */
	int nhdr;
	struct pkt_hdr hdr[PKT_MAX_HDRS];
};

struct pkt_ext {
	uint8_t type;		/* IPPROTO_HOPOPTS, _ROUTING, _DSTOPTS, _AH, _FRAGMENT */
	uint8_t hdrlen;		/* the header's own length field */
	uint16_t frag_off;	/* fragment header: offset << 3 | M, host order */
};

/* Zero means "the natural value" for every field, so a table entry only
 * names what makes the case special. */
struct pkt_spec {
	uint16_t vlan[PKT_MAX_VLAN];	/* TPIDs, outermost first; 0 ends */
	uint16_t ethertype;		/* innermost; 0: from family */
	int family;			/* 4 or 6 */
	const char *src;		/* the peer: source address (destination
					 * if mirror); NULL: a default */
	int mirror;			/* swap source and destination: the frame
					 * goes to src instead of coming from it,
					 * as seen on egress */
	uint8_t proto;			/* L4 protocol; no header for unknown ones */
	uint8_t version;		/* IP version field */
	uint8_t ihl;			/* IPv4 words; options are zero-filled */
	int ihl_set;			/* use ihl even if it is 0 */
	uint16_t frag_off;		/* IPv4 flags | offset, host order */
	uint16_t tot_len;		/* IPv4 tot_len override; 0: computed */
	uint8_t tcp_doff;		/* TCP words; 0: 5 */
	uint8_t tcp_flags;		/* TCP flags byte; 0: SYN */
	uint16_t sport;			/* TCP/UDP source port; 0: 40000 */
	uint8_t icmp_type;		/* ICMP/ICMPv6 type, with icmp_type_set;
					 * else an echo request */
	int icmp_type_set;
	uint16_t dport;			/* TCP/UDP destination port; 0: 443
					 * (TCP) or 53 (UDP). Not swapped
					 * by mirror */
	int n_ext;
	struct pkt_ext ext[PKT_MAX_EXT];
	size_t payload;			/* zero bytes after the last header */
	size_t len;			/* truncate to this length; 0: full */
};

#define PKT_SRC4	"198.51.100.7"
#define PKT_SRC6	"2001:db8:100::7"

/* Build the frame described by s into p. Returns 0, or -1 if the spec
 * cannot be built (a bug in the test table, not in the datapath). */
int pkt_build(struct pkt *p, const struct pkt_spec *s);

#endif /* __PKTGATE_PKTBUILD_H */
