// SPDX-License-Identifier: GPL-2.0
/* Datapath unit cases: port-scoped entries and port ranges. */
#include "cases.h"

/* Port-scoped entries, per family: NET holds the peer (SRC), OUT does not;
 * WIDE covers NET; LOCAL is the local end. Frames go to the destination
 * port on every hook (mirroring for egress swaps only the addresses). */
#define PORT_CASES(f, NET, SRC, OUT, WIDE, ALL, LOCAL, ICMP, L3LEN, FRAGL, FRAGF) \
	{ "port v" #f " deny tcp/22 drops TCP to port 22 from inside the prefix", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(NET, 40, TCP(22)) }, PG_R_DENY, 40 },			\
	{ "port v" #f " deny tcp/22 passes TCP to port 80 from inside the prefix", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 80 },		\
	  { DENYX(NET, 40, TCP(22)) }, PG_R_DEFAULT, 0 },		\
	{ "port v" #f " deny tcp/22 passes UDP to port 22 from inside the prefix", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP, .dport = 22 },		\
	  { DENYX(NET, 40, TCP(22)) }, PG_R_DEFAULT, 0 },		\
	{ "port v" #f " deny tcp/22 passes TCP to port 22 from outside the prefix", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22, .src = OUT }, \
	  { DENYX(NET, 40, TCP(22)) }, PG_R_DEFAULT, 0 },		\
	{ "port v" #f " deny tcp/443 on the destination address does not match", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP },			\
	  { DENYX(LOCAL, 40, TCP(443)) }, PG_R_DEFAULT, 0 },		\
	{ "port v" #f " deny udp any port drops UDP to port 53", PLAIN,	\
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { DENYX(NET, 41, UDP(0)) }, PG_R_DENY, 41 },			\
	{ "port v" #f " deny udp any port drops UDP to port 1", PLAIN,	\
	  { .family = f, .proto = IPPROTO_UDP, .dport = 1 },		\
	  { DENYX(NET, 41, UDP(0)) }, PG_R_DENY, 41 },			\
	{ "port v" #f " deny udp any port drops UDP to port 65535", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP, .dport = 65535 },	\
	  { DENYX(NET, 41, UDP(0)) }, PG_R_DENY, 41 },			\
	{ "port v" #f " deny udp any port passes TCP to port 53", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 53 },		\
	  { DENYX(NET, 41, UDP(0)) }, PG_R_DEFAULT, 0 },		\
	{ "port v" #f " deny udp any port passes UDP from outside the prefix", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP, .src = OUT },		\
	  { DENYX(NET, 41, UDP(0)) }, PG_R_DEFAULT, 0 },		\
	{ "port v" #f " tcp/22 entry used before a longer any-port entry", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(SRC, 41, TCP(0)), DENYX(NET, 40, TCP(22)) }, PG_R_DENY, 40 }, \
	{ "port v" #f " any-port entry for a port without its own entry", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 80 },		\
	  { DENYX(SRC, 41, TCP(0)), DENYX(NET, 40, TCP(22)) }, PG_R_DENY, 41 }, \
	{ "port v" #f " longest prefix among tcp/22 entries", PLAIN,	\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(WIDE, 42, TCP(22)), DENYX(NET, 40, TCP(22)) }, PG_R_DENY, 40 }, \
	{ "port v" #f " address deny used before a port-scoped deny", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENY(NET, 43), DENYX(SRC, 40, TCP(22)) }, PG_R_DENY, 43 },	\
	{ "port v" #f " allow address entry beats a port-scoped deny", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { ALLOW(SRC, 44), DENYX(NET, 40, TCP(22)) }, PG_R_ALLOW, 44 }, \
	{ "port v" #f " allow prefix beats a port-scoped deny of a host", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { ALLOW(WIDE, 44), DENYX(SRC, 40, TCP(22)) }, PG_R_ALLOW, 44 }, \
	{ "port v" #f " allow tcp/22 beats an address deny", PLAIN,	\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { ALLOWX(NET, 45, TCP(22)), DENY(SRC, 43) }, PG_R_ALLOW, 45 },	\
	{ "port v" #f " allow tcp/22 beats deny all", PLAIN,		\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { ALLOWX(NET, 45, TCP(22)), DENY(ALL, 9) }, PG_R_ALLOW, 45 },	\
	{ "port v" #f " allow tcp/22 does not shield TCP to port 80", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 80 },		\
	  { ALLOWX(NET, 45, TCP(22)), DENY(SRC, 43) }, PG_R_DENY, 43 },	\
	{ "port v" #f " allow udp any port beats a longer deny udp/53", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP },			\
	  { ALLOWX(WIDE, 45, UDP(0)), DENYX(SRC, 40, UDP(53)) }, PG_R_ALLOW, 45 }, \
	{ "port v" #f " ICMP from inside the prefix ignores TCP/UDP port entries", PLAIN, \
	  { .family = f, .proto = ICMP },				\
	  { DENYX(NET, 40, TCP(0)), DENYX(NET, 41, UDP(0)) }, PG_R_DEFAULT, 0 }, \
	{ "port v" #f " ICMP from inside the prefix matches an ICMP entry (issue 14)", PLAIN, \
	  { .family = f, .proto = ICMP },				\
	  { DENYX(NET, 40, TCP(0)), DENYX(NET, 41, UDP(0)),		\
	    DENYX(NET, 42, .proto = ICMP) }, PG_R_DENY, 42 },	\
	{ "port v" #f " truncated TCP header does not match port entries", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22, .len = L3LEN + 10 }, \
	  { DENYX(NET, 40, TCP(22)), DENYX(NET, 41, TCP(0)) }, PG_R_MALFORMED, 0 }, \
	{ "port v" #f " truncated TCP header to an allowed port dropped as malformed", DROPMAL, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22, .len = L3LEN + 10 }, \
	  { ALLOWX(NET, 45, TCP(22)) }, PG_R_MALFORMED_DROP, 0 },	\
	{ "port v" #f " truncated TCP header: allow tcp/22 does not shield from an address deny", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22, .len = L3LEN + 10 }, \
	  { ALLOWX(NET, 45, TCP(22)), DENY(SRC, 43) }, PG_R_DENY, 43 },	\
	{ "port v" #f " TCP options beyond the frame do not match port entries", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22, .tcp_doff = 15, \
	    .len = L3LEN + 20 },					\
	  { DENYX(NET, 40, TCP(22)) }, PG_R_MALFORMED, 0 },		\
	{ "port v" #f " later fragment does not match port entries", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22, FRAGL },	\
	  { DENYX(NET, 40, TCP(22)), DENYX(NET, 41, TCP(0)) }, PG_R_FRAGMENT, 0 }, \
	{ "port v" #f " later fragment: allow tcp/22 does not shield from an address deny", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22, FRAGL },	\
	  { ALLOWX(NET, 45, TCP(22)), DENY(SRC, 43) }, PG_R_DENY, 43 },	\
	{ "port v" #f " first fragment matches port entries", PLAIN,	\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22, FRAGF },	\
	  { DENYX(NET, 40, TCP(22)) }, PG_R_DENY, 40 },			\
	{ "port v" #f " live port entry with a TTL", PLAIN,		\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(SRC, 46, TCP(22), .ttl = TTL_LIVE) }, PG_R_DENY, 46 }, \
	{ "port v" #f " expired port entry: live covering shorter one matches", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(SRC, 46, TCP(22), .ttl = TTL_EXPIRED),		\
	    DENYX(NET, 40, TCP(22), .ttl = TTL_LIVE) }, PG_R_DENY, 40 },	\
	{ "port v" #f " expired port entry of a short prefix: live covering one matches", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(NET, 46, TCP(22), .ttl = TTL_EXPIRED), DENYX(WIDE, 42, TCP(22)) }, \
	  PG_R_DENY, 42 },						\
	{ "port v" #f " expired port entry alone", PLAIN,		\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(SRC, 46, TCP(22), .ttl = TTL_EXPIRED) }, PG_R_DEFAULT, 0 }, \
	{ "port v" #f " expired port entry: shorter one of another port does not match", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(SRC, 46, TCP(22), .ttl = TTL_EXPIRED), DENYX(NET, 40, TCP(23)), \
	    DENYX(NET, 41, UDP(22)) }, PG_R_DEFAULT, 0 },		\
	{ "port v" #f " expired port entry: covering any-port entry matches", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(SRC, 46, TCP(22), .ttl = TTL_EXPIRED), DENYX(NET, 41, TCP(0)) }, \
	  PG_R_DENY, 41 },						\
	{ "port v" #f " expired port entries down to /0 of the same port", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(SRC, 46, TCP(22), .ttl = TTL_EXPIRED),		\
	    DENYX(NET, 40, TCP(22), .ttl = TTL_EXPIRED), DENYX(ALL, 47, TCP(22)) }, \
	  PG_R_DENY, 47 },						\
	{ "port v" #f " expired port entry of /0 alone", PLAIN,		\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(ALL, 46, TCP(22), .ttl = TTL_EXPIRED) }, PG_R_DEFAULT, 0 }, \
	{ "port v" #f " expired allow tcp/22 no longer shields from an address deny", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { ALLOWX(NET, 45, TCP(22), .ttl = TTL_EXPIRED), DENY(SRC, 43) }, \
	  PG_R_DENY, 43 },						\
	{ "port v" #f " port table without its pg_config.tables bit is not consulted", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { DENYX(NET, 40, TCP(22), .unannounced = 1) }, PG_R_DEFAULT, 0 }, \
	{ "port v" #f " allow port table without its bit does not shield", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 22 },		\
	  { ALLOWX(NET, 45, TCP(22), .unannounced = 1), DENYX(NET, 40, TCP(22)) }, \
	  PG_R_DENY, 40 },						\
	{ "port v" #f " range tcp/8080-8090: port 8080 counted in the rule's slot", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 8080 },	\
	  { DENYX(NET, 48, TCP(8080), .port_hi = 8090) }, PG_R_DENY, 48 }, \
	{ "port v" #f " range tcp/8080-8090: port 8085 counted in the rule's slot", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 8085 },	\
	  { DENYX(NET, 48, TCP(8080), .port_hi = 8090) }, PG_R_DENY, 48 }, \
	{ "port v" #f " range tcp/8080-8090: port 8090 counted in the rule's slot", PLAIN, \
	  { .family = f, .proto = IPPROTO_TCP, .dport = 8090 },	\
	  { DENYX(NET, 48, TCP(8080), .port_hi = 8090) }, PG_R_DENY, 48 }, \
	{ "port v" #f " range tcp/8080-8090: port 8091 passes", PLAIN,	\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 8091 },	\
	  { DENYX(NET, 48, TCP(8080), .port_hi = 8090) }, PG_R_DEFAULT, 0 }, \
	{ "port v" #f " range tcp/8080-8090: port 8079 passes", PLAIN,	\
	  { .family = f, .proto = IPPROTO_TCP, .dport = 8079 },	\
	  { DENYX(NET, 48, TCP(8080), .port_hi = 8090) }, PG_R_DEFAULT, 0 }, \
	{ "port v" #f " allow range udp/5000-5009 beats deny all at port 5004", PLAIN, \
	  { .family = f, .proto = IPPROTO_UDP, .dport = 5004 },	\
	  { ALLOWX(NET, 49, UDP(5000), .port_hi = 5009), DENY(ALL, 9) }, PG_R_ALLOW, 49 }

#define FRAGL4	.frag_off = 185
#define FRAGF4	.frag_off = 0x2000
#define FRAGL6	.n_ext = 1, .ext = { EXT_FRAG(V6_OFF(100)) }
#define FRAGF6	.n_ext = 1, .ext = { EXT_FRAG(V6_MF) }

static const struct tcase cases[] = {
	PORT_CASES(4, "198.51.100.0/24", PKT_SRC4 "/32", "203.0.113.9", "198.0.0.0/8",
		   "0.0.0.0/0", "192.0.2.1/32", IPPROTO_ICMP, ETH_IP4_LEN, FRAGL4, FRAGF4),
	PORT_CASES(6, "2001:db8:100::/48", PKT_SRC6 "/128", "2001:db8:200::9",
		   "2001:db8::/32", "::/0", "2001:db8:ffff::1/128", IPPROTO_ICMPV6,
		   ETH_IP6_LEN, FRAGL6, FRAGF6),
};

CASE_TABLE(ports, cases);
