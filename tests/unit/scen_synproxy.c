// SPDX-License-Identifier: GPL-2.0
/*
 * Datapath unit scenario: SYN cookies at XDP (xdp/synproxy.h), on the
 * instance loaded with a protected port. A SYN to the port comes back as
 * the SYN-ACK (XDP_TX), checked field by field with both checksums; the
 * ACK a client would send to it passes with its cookie found valid by the
 * kernel's check, a wrong one is dropped; other ports, denied sources and
 * TC take the normal path.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "pktbuild.h"

#define SYN_SPORT	40001
#define SYN_SEQ		0x11223344u
#define CLIENT_MSS	1460
#define COOKIE_OFF	(1u << 23)

static __u32 get32(const __u8 *p)
{
	return (__u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void put32(__u8 *p, __u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static __u32 sum16(__u32 sum, const __u8 *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += p[n - 1] << 8;
	return sum;
}

/* 0 when the data, with its checksum, sums to all ones. */
static __u16 folded(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* A SYN from the test's client to port, with an MSS option, or the same
 * frame as another segment (flags, seq, ack). l4 is its TCP header. */
static int segment(struct pkt *p, int family, __u16 port, __u8 flags, __u32 seq, __u32 ack,
		   size_t *l4)
{
	struct pkt_spec s = { .family = family, .proto = IPPROTO_TCP, .sport = SYN_SPORT,
			      .dport = port, .tcp_doff = 6, .tcp_flags = flags };
	__u8 *th;

	if (build_for(p, &s, P_XDP))
		return -1;
	*l4 = ETH_HLEN + (family == 4 ? 20 : 40);
	th = p->buf + *l4;
	put32(th + 4, seq);
	put32(th + 8, ack);
	th[20] = 2;	/* MSS */
	th[21] = 4;
	th[22] = CLIENT_MSS >> 8;
	th[23] = CLIENT_MSS & 0xff;
	return 0;
}

/* Check the SYN-ACK the program made of syn (out, len bytes); its cookie
 * (sequence number) in *cookie. */
static void check_synack(const struct pkt *syn, const __u8 *out, __u32 len, int family,
			 __u32 *cookie, struct log *l)
{
	size_t l3 = ETH_HLEN, iplen = family == 4 ? 20 : 40, alen = family == 4 ? 4 : 16;
	size_t saddr = l3 + (family == 4 ? 12 : 8), l4 = l3 + iplen;
	const __u8 *in = syn->buf, *th = out + l4;
	__u32 psum;
	__u16 mss;

	if (len != l4 + 24) {
		fail(l, "SYN-ACK of %u bytes, expected %zu; ", len, l4 + 24);
		return;
	}
	if (memcmp(out, in + 6, 6) || memcmp(out + 6, in, 6))
		fail(l, "MAC addresses not swapped; ");
	if (memcmp(out + saddr, in + saddr + alen, alen) ||
	    memcmp(out + saddr + alen, in + saddr, alen))
		fail(l, "IP addresses not swapped; ");
	if (family == 4) {
		if (out[l3] != 0x45 || (out[l3 + 2] << 8 | out[l3 + 3]) != 44 ||
		    out[l3 + 9] != IPPROTO_TCP)
			fail(l, "IPv4 header: version/ihl %#x, length %u, protocol %u; ", out[l3],
			     out[l3 + 2] << 8 | out[l3 + 3], out[l3 + 9]);
		if (folded(sum16(0, out + l3, 20)))
			fail(l, "bad IPv4 header checksum; ");
	} else if ((out[l3] >> 4) != 6 || (out[l3 + 4] << 8 | out[l3 + 5]) != 24 ||
		   out[l3 + 6] != IPPROTO_TCP) {
		fail(l, "IPv6 header: version %u, payload %u, next header %u; ", out[l3] >> 4,
		     out[l3 + 4] << 8 | out[l3 + 5], out[l3 + 6]);
	}
	if ((th[0] << 8 | th[1]) != 8080 || (th[2] << 8 | th[3]) != SYN_SPORT)
		fail(l, "ports %u -> %u, expected 8080 -> %u; ", th[0] << 8 | th[1],
		     th[2] << 8 | th[3], SYN_SPORT);
	if (get32(th + 8) != SYN_SEQ + 1)
		fail(l, "ack %#x, expected the SYN's seq + 1 (%#x); ", get32(th + 8), SYN_SEQ + 1);
	if ((th[12] >> 4) != 6 || th[13] != 0x12)
		fail(l, "data offset %u, flags %#x: expected 6 words, SYN|ACK; ", th[12] >> 4,
		     th[13]);
	mss = th[22] << 8 | th[23];
	if (th[20] != 2 || th[21] != 4 || !mss || mss > CLIENT_MSS)
		fail(l, "MSS option %u %u %u; ", th[20], th[21], mss);
	psum = sum16(0, out + saddr, 2 * alen) + IPPROTO_TCP + 24;
	if (folded(sum16(psum, th, 24)))
		fail(l, "bad TCP checksum; ");
	*cookie = get32(th + 4);
}

/* The SYN's raw run: XDP_TX and the reply, checked. */
static int run_syn(const struct instance *in, const struct pkt *syn, int family, __u32 *cookie,
		   struct log *l)
{
	__u8 out[PKT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = syn->buf, .data_size_in = syn->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	int err = bpf_prog_test_run_opts(in->prog_fd[P_XDP], &o);

	snap_valid = 0;
	if (err || o.retval != XDP_TX) {
		fail(l, "SYN to the port: test_run %d, verdict %u, expected XDP_TX; ", err,
		     o.retval);
		return -1;
	}
	check_synack(syn, out, o.data_size_out, family, cookie, l);
	return l->failed ? -1 : 0;
}

static void run_family(const struct instance *in, int family)
{
	struct pkt syn, ack, other;
	struct log l = {};
	__u32 cookie = 0;
	size_t l4;
	char name[96];

	snprintf(name, sizeof(name), "synproxy/%s/ipv%d: SYN-ACK with a cookie, its ACK", in->name,
		 family);
	if (segment(&syn, family, 8080, 0x02, SYN_SEQ, 0, &l4) ||
	    segment(&other, family, 443, 0x02, SYN_SEQ, 0, &l4)) {
		fail(&l, "setup failed");
		report(name, &l);
		return;
	}
	if (!run_syn(in, &syn, family, &cookie, &l)) {
		run_frame(in, P_XDP, &syn, PG_R_SYNCOOKIE, 0, -1, "SYN counted: ", &l);
		/* The client's answer: seq + 1, the cookie + 1. */
		segment(&ack, family, 8080, 0x10, SYN_SEQ + 1, cookie + 1, &l4);
		run_frame(in, P_XDP, &ack, PG_R_SYNCOOKIE_OK, 0, -1, "valid ACK: ", &l);
		/* The check takes any cookie whose low 24 bits, less the hash,
		 * are an index into the kernel's MSS table: off by a few, a
		 * cookie may still pass (as another MSS). Off by 2^23 it
		 * cannot. */
		segment(&ack, family, 8080, 0x10, SYN_SEQ + 1, cookie + 1 + COOKIE_OFF, &l4);
		run_frame(in, P_XDP, &ack, PG_R_SYNCOOKIE_BAD, 0, -1, "ACK of another cookie: ", &l);
		segment(&ack, family, 8080, 0x10, SYN_SEQ + 1 + COOKIE_OFF, cookie + 1, &l4);
		run_frame(in, P_XDP, &ack, PG_R_SYNCOOKIE_BAD, 0, -1, "ACK of another SYN: ", &l);
	}
	run_frame(in, P_XDP, &other, PG_R_DEFAULT, 0, -1, "SYN to another port: ", &l);
	run_frame(in, P_TC_IN, &syn, PG_R_DEFAULT, 0, -1, "TC ingress: ", &l);
	report(name, &l);
}

/* The lists decide first: a denied source gets no cookie. */
static void run_denied(const struct instance *in)
{
	const struct rule_spec deny = { .kind = PG_LIST_DENY, .cidr = PKT_SRC4 "/32", .id = 5 };
	struct log l = {};
	struct pkt syn;
	size_t l4;

	if (segment(&syn, 4, 8080, 0x02, SYN_SEQ, 0, &l4) || set_rules(&deny, 1, &l)) {
		fail(&l, "setup failed");
	} else {
		run_frame(in, P_XDP, &syn, PG_R_DENY, 5, 0, "denied SYN: ", &l);
		segment(&syn, 4, 8080, 0x10, SYN_SEQ + 1, 1, &l4);
		run_frame(in, P_XDP, &syn, PG_R_DENY, 5, 0, "denied ACK: ", &l);
	}
	set_rules(NULL, 0, &l);
	report("synproxy/syncookie: a denied source gets no cookie", &l);
}

void scen_synproxy(void)
{
	run_family(&insts[SYNCOOKIE], 4);
	run_family(&insts[SYNCOOKIE], 6);
	run_denied(&insts[SYNCOOKIE]);
}
