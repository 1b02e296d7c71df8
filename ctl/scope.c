// SPDX-License-Identifier: GPL-2.0
/*
 * Match keys of a rule (scope.h): the words after the prefixes of add and
 * del, and the keys they become. Every bad combination is one usage error.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "scope.h"

static const char *const port_words[] = { "port", "dport", "sport", "anyport" };

bool scope_word(const char *w)
{
	if (!strcmp(w, "proto") || !strcmp(w, "type"))
		return true;
	for (size_t i = 0; i < sizeof(port_words) / sizeof(port_words[0]); i++)
		if (!strcmp(w, port_words[i]))
			return true;
	return false;
}

const char *scope_proto_name(int proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	default: return "?";
	}
}

const char *scope_amatch_name(int amatch)
{
	static const char *const n[] = { "remote", "src", "dst", "any" };

	return n[amatch & 3];
}

static bool is_icmp(int proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

static int parse_proto(const char *w, uint8_t *out)
{
	static const struct { const char *name; uint8_t p; } t[] = {
		{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "icmp", IPPROTO_ICMP },
		{ "icmpv6", IPPROTO_ICMPV6 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(w, t[i].name)) {
			*out = t[i].p;
			return 0;
		}
	return -1;
}

static int parse_num(const char *s, unsigned long lo, unsigned long hi, uint16_t *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_range(const char *w, struct pg_scope *s)
{
	char buf[32], *dash;

	snprintf(buf, sizeof(buf), "%s", w);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (strlen(w) >= sizeof(buf) || parse_num(buf, 1, 65535, &s->lo) ||
	    (dash && parse_num(dash + 1, 1, 65535, &s->hi)))
		return p_usage("port '%s': give a port 1-65535 or a range N-M", w);
	if (!dash)
		s->hi = s->lo;
	if (s->hi < s->lo)
		return p_usage("port range '%s' ends before it starts", w);
	if (s->hi - s->lo + 1 > PG_PORT_RANGE_MAX)
		return p_usage("port range '%s' spans %u ports; a rule takes at most %d "
			       "(split it, or leave the port out for the whole protocol)",
			       w, s->hi - s->lo + 1, PG_PORT_RANGE_MAX);
	return 0;
}

int scope_parse(int argc, char **argv, struct pg_scope *s)
{
	int i = 0;
	char buf[32], *comma;

	if (!strcmp(argv[0], "type"))
		return p_usage("'type' needs a protocol first: proto icmp|icmpv6 type N");
	if (strcmp(argv[0], "proto"))
		return p_usage("'%s' needs a protocol first: proto tcp|udp %s N[-M]", argv[0],
			       argv[0]);
	if (++i == argc)
		return p_usage("'proto' needs tcp, udp, tcp,udp, icmp or icmpv6");
	snprintf(buf, sizeof(buf), "%s", argv[i]);
	comma = strchr(buf, ',');
	if (comma)
		*comma = '\0';
	if (strlen(argv[i]) >= sizeof(buf) || parse_proto(buf, &s->proto) ||
	    (comma && parse_proto(comma + 1, &s->proto2)))
		return p_usage("proto '%s': give tcp, udp, tcp,udp, icmp or icmpv6", argv[i]);
	if (s->proto2 && (s->proto2 == s->proto || is_icmp(s->proto) || is_icmp(s->proto2)))
		return p_usage("proto '%s': two protocols are tcp,udp (ICMP is one protocol "
			       "a rule)", argv[i]);
	if (++i == argc)
		return 0;
	if (!strcmp(argv[i], "type")) {
		if (!is_icmp(s->proto))
			return p_usage("'type' is for proto icmp or icmpv6, not %s", argv[i - 1]);
		if (++i == argc)
			return p_usage("'type' needs an ICMP type 0-255");
		if (parse_num(argv[i], 0, 255, &s->lo))
			return p_usage("type '%s': give an ICMP type 0-255", argv[i]);
		s->lo = s->hi = PG_ICMP_TYPE_PORT(s->lo);
	} else {
		size_t w;

		for (w = 0; w < sizeof(port_words) / sizeof(port_words[0]); w++)
			if (!strcmp(argv[i], port_words[w]))
				break;
		if (w == sizeof(port_words) / sizeof(port_words[0]))
			return p_usage("unexpected '%s' after the protocol (expected port, sport, "
				       "anyport N[-M] or type N)", argv[i]);
		if (is_icmp(s->proto))
			return p_usage("'%s' is for tcp or udp: ICMP takes type N", argv[i]);
		s->pfield = w == 2 ? PG_PF_SRC : w == 3 ? PG_PF_ANY : PG_PF_DST;
		if (++i == argc)
			return p_usage("'%s' needs a port or a range N-M", argv[i - 1]);
		int err = parse_range(argv[i], s);

		if (err)
			return err;
	}
	if (++i < argc)
		return p_usage("unexpected '%s' after the %s", argv[i],
			       is_icmp(s->proto) ? "type" : "port");
	return 0;
}

int scope_match_parse(const char *w, uint8_t *amatch)
{
	for (int i = PG_AM_SRC; i <= PG_AM_ANY; i++)
		if (!strcmp(w, scope_amatch_name(i))) {
			*amatch = i;
			return 0;
		}
	if (!strcmp(w, "remote")) {
		*amatch = PG_AM_REMOTE;
		return 0;
	}
	return p_usage("--match '%s': give src, dst, any or remote", w);
}

int scope_check_family(const struct pg_scope *s, int family, const char *what)
{
	if (s->proto == IPPROTO_ICMP && family == 6)
		return p_usage("%s is IPv6: proto icmp is IPv4's ICMP, give icmpv6", what);
	if (s->proto == IPPROTO_ICMPV6 && family == 4)
		return p_usage("%s is IPv4: proto icmpv6 is IPv6's ICMP, give icmp", what);
	return 0;
}

/* Key i: port fastest, then the port field, the address, the protocol. */
static int n_asel(const struct pg_scope *s)
{
	return s->amatch == PG_AM_ANY ? 2 : 1;
}

static int n_psel(const struct pg_scope *s)
{
	return s->lo && s->pfield == PG_PF_ANY ? 2 : 1;
}

int scope_nkeys(const struct pg_scope *s)
{
	int ports = s->lo ? s->hi - s->lo + 1 : 1;

	return (s->proto2 ? 2 : 1) * n_asel(s) * n_psel(s) * ports;
}

void scope_key_at(const struct pg_scope *s, int i, uint8_t *sel, uint8_t *proto, uint16_t *port)
{
	int ports = s->lo ? s->hi - s->lo + 1 : 1, ps, as;

	*port = s->lo ? s->lo + i % ports : 0;
	i /= ports;
	ps = i % n_psel(s);
	i /= n_psel(s);
	as = i % n_asel(s);
	i /= n_asel(s);
	*proto = i ? s->proto2 : s->proto;
	*sel = s->amatch == PG_AM_ANY ? (as ? PG_SEL_DST : PG_SEL_SRC) :
	       s->amatch == PG_AM_SRC ? PG_SEL_SRC :
	       s->amatch == PG_AM_DST ? PG_SEL_DST : PG_SEL_REMOTE;
	if (s->lo && (s->pfield == PG_PF_SRC || (s->pfield == PG_PF_ANY && ps)))
		*sel |= PG_SEL_SPORT;
}

uint32_t scope_sel_bits(int kind, int family, const struct pg_scope *s)
{
	uint32_t bits = 0;

	for (int i = 0; scope_scoped(s) && i < scope_nkeys(s); i++) {
		uint8_t sel, proto;
		uint16_t port;

		scope_key_at(s, i, &sel, &proto, &port);
		if (sel)
			bits |= PG_SEL_BIT(kind, family, sel);
	}
	return bits;
}

void scope_of_key(uint8_t sel, uint8_t proto, uint16_t port, struct pg_scope *s)
{
	memset(s, 0, sizeof(*s));
	s->proto = proto;
	s->lo = s->hi = port;
	s->amatch = (sel & PG_SEL_ADDR) == PG_SEL_SRC ? PG_AM_SRC :
		    (sel & PG_SEL_ADDR) == PG_SEL_DST ? PG_AM_DST : PG_AM_REMOTE;
	s->pfield = sel & PG_SEL_SPORT ? PG_PF_SRC : PG_PF_DST;
}

void scope_to_meta(const struct pg_scope *s, struct pg_rule_meta *rm)
{
	rm->proto = s->proto;
	rm->proto2 = s->proto2;
	rm->match = PG_RM_MATCH(s->amatch, s->pfield);
	rm->port_lo = s->lo;
	rm->port_hi = s->hi;
}

void scope_from_meta(const struct pg_rule_meta *rm, struct pg_scope *s)
{
	memset(s, 0, sizeof(*s));
	s->proto = rm->proto;
	s->proto2 = rm->proto2;
	s->amatch = PG_RM_AMATCH(rm->match);
	s->pfield = PG_RM_PFIELD(rm->match);
	s->lo = rm->port_lo;
	s->hi = rm->port_hi;
}

bool scope_eq(const struct pg_scope *a, const struct pg_scope *b)
{
	return a->proto == b->proto && a->proto2 == b->proto2 && a->amatch == b->amatch &&
	       (!a->lo || a->pfield == b->pfield) && a->lo == b->lo && a->hi == b->hi;
}

void scope_fmt(const struct pg_scope *s, bool args, char *buf, size_t len)
{
	static const char *const pw[] = { "port", "sport", "anyport" };
	char protos[16] = "", ports[32] = "";

	if (s->proto)
		snprintf(protos, sizeof(protos), "%s%s%s", scope_proto_name(s->proto),
			 s->proto2 ? "," : "", s->proto2 ? scope_proto_name(s->proto2) : "");
	if (s->lo & PG_ICMP_TYPE_FLAG && is_icmp(s->proto))
		snprintf(ports, sizeof(ports), "type %u", s->lo & 0xff);
	else if (s->lo && s->lo == s->hi)
		snprintf(ports, sizeof(ports), "%s %u", pw[s->pfield % 3], s->lo);
	else if (s->lo)
		snprintf(ports, sizeof(ports), "%s %u-%u", pw[s->pfield % 3], s->lo, s->hi);
	if (args) {
		snprintf(buf, len, "%s%s%s%s%s%s", s->proto ? "proto " : "", protos,
			 ports[0] ? " " : "", ports, s->amatch && s->proto ? " " : "",
			 s->amatch ? (s->amatch == PG_AM_SRC ? "--match src" :
				      s->amatch == PG_AM_DST ? "--match dst" : "--match any") : "");
		return;
	}
	/* Today's destination port reads "tcp/22". */
	if (!strncmp(ports, "port ", 5))
		memmove(ports, ports + 5, strlen(ports + 5) + 1);
	snprintf(buf, len, "%s%s%s%s%s", s->amatch ? scope_amatch_name(s->amatch) : "",
		 s->amatch && s->proto ? " " : "", protos, ports[0] ? "/" : "", ports);
}

void scope_json(const struct pg_scope *s)
{
	static const char *const pf[] = { "dst", "src", "any" };

	if (s->proto)
		out_str("proto", NULL, scope_proto_name(s->proto));
	else
		out_null("proto", NULL, NULL);
	out_arr_open("protos");
	if (s->proto)
		out_str(NULL, NULL, scope_proto_name(s->proto));
	if (s->proto2)
		out_str(NULL, NULL, scope_proto_name(s->proto2));
	out_arr_close();
	out_str("match", NULL, scope_amatch_name(s->amatch));
	if (s->lo & PG_ICMP_TYPE_FLAG && is_icmp(s->proto)) {
		out_u64("icmp_type", NULL, s->lo & 0xff);
		out_u64("port_lo", NULL, 0);
		out_u64("port_hi", NULL, 0);
		out_null("ports", NULL, NULL);
		return;
	}
	out_null("icmp_type", NULL, NULL);
	if (s->proto) {
		out_u64("port_lo", NULL, s->lo);
		out_u64("port_hi", NULL, s->hi);
	}
	if (s->lo)
		out_str("ports", NULL, pf[s->pfield % 3]);
	else
		out_null("ports", NULL, NULL);
}
