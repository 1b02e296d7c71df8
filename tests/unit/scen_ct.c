// SPDX-License-Identifier: GPL-2.0
/*
 * Datapath unit scenario: policy drop's conntrack lookup finds a real
 * conntrack entry. BPF_PROG_TEST_RUN runs the programs against the
 * loopback device of the caller's network namespace, so in a namespace
 * of its own the test makes conntrack track (one nft ct rule, as the
 * README says an operator must) and opens a TCP connection and sends a
 * UDP datagram over loopback: frames of those flows, in either direction,
 * are "established" under policy drop, "policy" under --stateless, and a
 * frame of another port finds no entry. It runs last: the process stays
 * in that namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

#define CT_NFT "table inet h14_unit_ct {\n" \
	"\tchain out { type filter hook output priority 0; ct state established accept; }\n}\n"

/* A namespace of our own with loopback up and conntrack tracking it. */
static int ct_netns(struct log *l)
{
	struct ifreq ifr = {};
	FILE *nft;
	int fd;

	if (unshare(CLONE_NEWNET)) {
		fail(l, "unshare(CLONE_NEWNET): %s", strerror(errno));
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr))) {
		fail(l, "bringing lo up: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	nft = popen("nft -f - 2>&1", "w");
	if (!nft || fputs(CT_NFT, nft) < 0 || pclose(nft)) {
		fail(l, "nft: cannot add the conntrack rule (is nftables installed?)");
		return -1;
	}
	return 0;
}

/* A flow over loopback that conntrack now has: a TCP connection (accepted)
 * or a UDP datagram sent. Its ports in *cport, *lport; fds to close in fds. */
static int ct_flow(int family, int type, uint16_t *cport, uint16_t *lport, int fds[3],
		   struct log *l)
{
	struct sockaddr_storage a = {};
	socklen_t len = family == 4 ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int af = family == 4 ? AF_INET : AF_INET6;

	if (family == 4) {
		((struct sockaddr_in *)&a)->sin_family = AF_INET;
		((struct sockaddr_in *)&a)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		((struct sockaddr_in6 *)&a)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&a)->sin6_addr = in6addr_loopback;
	}
	fds[0] = socket(af, type, 0);
	fds[1] = socket(af, type, 0);
	fds[2] = -1;
	if (fds[0] < 0 || fds[1] < 0 || bind(fds[0], (struct sockaddr *)&a, len) ||
	    (type == SOCK_STREAM && listen(fds[0], 1)) ||
	    getsockname(fds[0], (struct sockaddr *)&a, &len) ||
	    connect(fds[1], (struct sockaddr *)&a, len) ||
	    (type == SOCK_STREAM && (fds[2] = accept(fds[0], NULL, NULL)) < 0) ||
	    (type == SOCK_DGRAM && send(fds[1], "x", 1, 0) != 1)) {
		fail(l, "a %s flow over loopback: %s", type == SOCK_STREAM ? "TCP" : "UDP",
		     strerror(errno));
		return -1;
	}
	*lport = ntohs(family == 4 ? ((struct sockaddr_in *)&a)->sin_port :
			((struct sockaddr_in6 *)&a)->sin6_port);
	if (getsockname(fds[1], (struct sockaddr *)&a, &len)) {
		fail(l, "getsockname: %s", strerror(errno));
		return -1;
	}
	*cport = ntohs(family == 4 ? ((struct sockaddr_in *)&a)->sin_port :
			((struct sockaddr_in6 *)&a)->sin6_port);
	return 0;
}

/* A frame of the flow between loopback addresses, as pid sees it. */
static int ct_frame(struct pkt *p, int family, uint8_t proto, uint16_t sport, uint16_t dport,
		    enum prog_id pid)
{
	struct pkt_spec s = { .family = family, .proto = proto, .sport = sport, .dport = dport,
			      .src = family == 4 ? "127.0.0.1" : "::1" };
	size_t off = ETH_HLEN + (family == 4 ? 12 : 8), alen = family == 4 ? 4 : 16;

	if (build_for(p, &s, pid))
		return -1;
	/* The local end is loopback too. */
	memcpy(p->buf + off + (progs[pid].mirror ? 0 : alen), p->buf + off +
	       (progs[pid].mirror ? alen : 0), alen);
	return 0;
}

static void run_ct(int family, int type)
{
	uint8_t proto = type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	struct log l = {};
	uint16_t cport = 0, lport = 0;
	int fds[3] = { -1, -1, -1 };
	char name[256], what[96];

	snprintf(name, sizeof(name),
		 "[xdp+tc-ingress+tc-egress] v%d %s frames of a flow conntrack has: established under policy drop, policy when stateless or of another port [policy-drop, policy-drop-stateless]",
		 family, proto == IPPROTO_TCP ? "TCP" : "UDP");
	if (!ct_flow(family, type, &cport, &lport, fds, &l) && !set_rules(NULL, 0, &l)) {
		const struct {
			uint16_t sport, dport;
			enum inst_id inst;
			int reason;
			const char *dir;
		} steps[] = {
			{ cport, lport, POLDROP, PG_R_ESTABLISHED, "original direction" },
			{ lport, cport, POLDROP, PG_R_ESTABLISHED, "reply direction" },
			{ cport, lport, POLSTATELESS, PG_R_POLICY, "stateless" },
			{ cport, (uint16_t)(lport + 1), POLDROP, PG_R_POLICY, "another port" },
		};

		for (enum prog_id pid = 0; pid < PROG_MAX; pid++)
			for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
				struct pkt p;

				snprintf(what, sizeof(what), "%s, %s %u->%u: ", progs[pid].name,
					 steps[i].dir, steps[i].sport, steps[i].dport);
				if (ct_frame(&p, family, proto, steps[i].sport, steps[i].dport, pid)) {
					fail(&l, "%ssetup: packet spec cannot be built", what);
					continue;
				}
				run_frame(&insts[steps[i].inst], pid, &p, steps[i].reason, 0, 0,
					  what, &l);
			}
	}
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	report(name, &l);
}

void scen_ct(void)
{
	struct log l = {};

	if (ct_netns(&l)) {
		report("[setup] a network namespace of its own, lo up, conntrack tracking it", &l);
		return;
	}
	run_ct(4, SOCK_STREAM);
	run_ct(6, SOCK_DGRAM);
	run_ct(6, SOCK_STREAM);
	run_ct(4, SOCK_DGRAM);
}
