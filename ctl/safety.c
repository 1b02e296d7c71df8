// SPDX-License-Identifier: GPL-2.0
/*
 * No lock-out (safety.h): the SSH session's peer against the state a
 * change would make. Precedence as in the datapath: a protected peer
 * passes, then any live allow entry that matches passes, then any live
 * deny entry (or a dropping default policy) drops. The session's packets
 * are known whole: ingress from the peer's address and port to the
 * server's, egress the other way. An entry matches one of them as the
 * datapath would: its prefix covers the address its match key names (the
 * remote peer: the peer; src, dst: that field; any: either) and, if it has
 * a protocol, one of its protocols is TCP and its port (destination,
 * source or either) is the packet's. ICMP type entries never match.
 * Per-interface list selections are not looked at: the session's
 * interface is not known, so every list counts (erring on refusing).
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ctx.h"
#include "out.h"
#include "protect.h"
#include "rules.h"
#include "safety.h"

struct peer {
	int family;
	uint8_t addr[16];	/* the client's (the remote peer) */
	uint8_t server[16];	/* this host's end */
	bool server_known;	/* else every prefix is taken to cover it */
	uint16_t cport, sport;
	char text[INET6_ADDRSTRLEN];
};

/* One packet of the session, as a hook sees it. */
struct sess_pkt {
	const uint8_t *src, *dst, *remote;
	uint16_t sport, dport;
};

/* $SSH_CONNECTION: "client-address client-port server-address server-port". */
static bool peer_get(struct peer *p)
{
	const char *s = getenv("SSH_CONNECTION");
	char caddr[INET6_ADDRSTRLEN + 1], saddr[INET6_ADDRSTRLEN + 1];
	unsigned int cport, sport;
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(p, 0, sizeof(*p));
	if (!s || sscanf(s, "%46s %u %46s %u", caddr, &cport, saddr, &sport) != 4 ||
	    cport > 65535 || sport > 65535)
		return false;
	if (inet_pton(AF_INET, caddr, p->addr) == 1) {
		p->family = 4;
		p->server_known = inet_pton(AF_INET, saddr, p->server) == 1;
	} else if (inet_pton(AF_INET6, caddr, p->addr) == 1) {
		p->family = 6;
		p->server_known = inet_pton(AF_INET6, saddr, p->server) == 1;
		/* A dual-stack sshd names an IPv4 client ::ffff:a.b.c.d; the
		 * datapath sees its packets as IPv4. */
		if (!memcmp(p->addr, mapped, sizeof(mapped))) {
			memmove(p->addr, p->addr + 12, 4);
			memset(p->addr + 4, 0, 12);
			p->family = 4;
			p->server_known = p->server_known &&
					  !memcmp(p->server, mapped, sizeof(mapped));
			memmove(p->server, p->server + 12, 4);
			memset(p->server + 4, 0, 12);
		}
	} else {
		return false;
	}
	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, p->text, sizeof(p->text));
	p->cport = cport;
	p->sport = sport;
	return true;
}

static bool entry_live(const struct pg_entry *e, uint64_t now)
{
	return e->rule.lists && (!e->rule.expires_ns || e->rule.expires_ns > now);
}

static bool port_in(const struct pg_entry *e, uint16_t port)
{
	return port >= e->port_lo && port <= e->port_hi;
}

/* NULL: an address not known, which any prefix of the family may cover. */
static bool covers(const struct pg_prefix *x, int family, const uint8_t *addr)
{
	return addr ? pg_prefix_covers(x, family, addr) : x->family == family;
}

static bool entry_hits(const struct pg_entry *e, int family, const struct sess_pkt *k,
		       uint64_t now)
{
	const struct pg_prefix *x = &e->prefix;
	bool addr;

	if (!entry_live(e, now))
		return false;
	switch (e->amatch) {
	case PG_AM_SRC:
		addr = covers(x, family, k->src);
		break;
	case PG_AM_DST:
		addr = covers(x, family, k->dst);
		break;
	case PG_AM_ANY:
		addr = covers(x, family, k->src) || covers(x, family, k->dst);
		break;
	default:
		addr = covers(x, family, k->remote);
	}
	if (!addr || !e->proto)
		return addr;
	if (e->proto != IPPROTO_TCP && e->proto2 != IPPROTO_TCP)
		return false;
	if (!e->port_lo)
		return true;	/* any port */
	switch (e->pfield) {
	case PG_PF_SRC:
		return port_in(e, k->sport);
	case PG_PF_ANY:
		return port_in(e, k->sport) || port_in(e, k->dport);
	default:
		return port_in(e, k->dport);
	}
}

struct state {
	const struct pg_entry *deny[2];	/* two parts: there now, added */
	size_t ndeny[2];
	const struct pg_prefix *deny_pfx;	/* added address entries */
	size_t ndeny_pfx;
	const struct pg_entry *allow;
	size_t nallow;
	const struct pg_prefix *protect;
	size_t nprotect;
	bool policy_drop;
};

enum { PASSES, BY_ENTRY, BY_POLICY };

/* What the state does with packets of the session: PASSES, or dropped
 * BY_ENTRY (*by: the first deny entry that matches, added ones first) or
 * BY_POLICY. */
static int verdict(const struct state *st, const struct peer *p, struct pg_entry *by)
{
	const uint8_t *server = p->server_known ? p->server : NULL;
	/* Ingress from the peer, egress to it. */
	const struct sess_pkt dirs[2] = {
		{ p->addr, server, p->addr, p->cport, p->sport },
		{ server, p->addr, p->addr, p->sport, p->cport },
	};
	uint64_t now = mono_now_ns();

	for (size_t i = 0; i < st->nprotect; i++)
		if (pg_prefix_covers(&st->protect[i], p->family, p->addr))
			return PASSES;
	for (int d = 0; d < 2; d++) {
		bool allowed = false;

		for (size_t i = 0; i < st->nallow && !allowed; i++)
			allowed = entry_hits(&st->allow[i], p->family, &dirs[d], now);
		if (allowed)
			continue;
		for (size_t i = 0; i < st->ndeny_pfx; i++)
			if (pg_prefix_covers(&st->deny_pfx[i], p->family, p->addr)) {
				memset(by, 0, sizeof(*by));
				by->prefix = st->deny_pfx[i];
				return BY_ENTRY;
			}
		/* The added part first: that is the entry to name. */
		for (int part = 1; part >= 0; part--)
			for (size_t i = 0; i < st->ndeny[part]; i++)
				if (entry_hits(&st->deny[part][i], p->family, &dirs[d], now)) {
					*by = st->deny[part][i];
					return BY_ENTRY;
				}
		if (st->policy_drop)
			return BY_POLICY;
	}
	return PASSES;
}

int lockout_check(struct pg_ctx *ctx, const struct lockout_change *c)
{
	struct pg_entry *deny = NULL, *allow = NULL;
	struct pg_prefix *prot = NULL;
	size_t nd = 0, na = 0, np = 0;
	struct pg_entry by, unused;
	struct state now = {}, next;
	struct peer p;
	int err = 0, v;

	if (ctx->force || !peer_get(&p))
		return 0;
	if (rules_collect(ctx, PG_LIST_DENY, &deny, &nd) ||
	    rules_collect(ctx, PG_LIST_ALLOW, &allow, &na) || protect_read(ctx, &prot, &np)) {
		err = p_err("cannot read the lists to check this SSH session's peer %s; nothing "
			    "was changed (--force skips the check)", p.text);
		goto out;
	}
	now.deny[0] = deny;
	now.ndeny[0] = nd;
	now.allow = allow;
	now.nallow = na;
	now.protect = prot;
	now.nprotect = np;
	now.policy_drop = c->policy_drop_now;
	next = now;
	if (c->deny_set) {
		next.deny[0] = c->deny;
		next.ndeny[0] = c->ndeny;
	}
	next.deny[1] = c->deny_add;
	next.ndeny[1] = c->ndeny_add;
	next.deny_pfx = c->deny_add_pfx;
	next.ndeny_pfx = c->ndeny_add_pfx;
	if (c->allow_set) {
		next.allow = c->allow;
		next.nallow = c->nallow;
	}
	if (c->protect_set) {
		next.protect = c->protect;
		next.nprotect = c->nprotect;
	}
	next.policy_drop = c->policy_drop;
	/* A peer cut off already is not this session's way in (it reaches
	 * the host where pktgate does not filter): nothing to protect. */
	if (verdict(&now, &p, &unused) != PASSES)
		goto out;
	v = verdict(&next, &p, &by);
	if (v == BY_ENTRY) {
		char pfx[PG_PREFIX_STRLEN], ports[32];

		pg_prefix_fmt(&by.prefix, pfx, sizeof(pfx));
		rules_ports_fmt(&by, ports, sizeof(ports));
		err = p_err("%s: deny entry %s%s%s would cut off this SSH session (peer %s, from "
			    "$SSH_CONNECTION); nothing was changed (protect add the peer first, or "
			    "give --force)", c->what, pfx, ports[0] ? " " : "", ports, p.text);
	} else if (v == BY_POLICY) {
		err = p_err("%s: the default policy drop would cut off this SSH session (peer %s, "
			    "from $SSH_CONNECTION); nothing was changed (allow or protect add the "
			    "peer first, or give --force)", c->what, p.text);
	}
out:
	free(deny);
	free(allow);
	free(prot);
	return err;
}

bool lockout_session_on(const char *ifname)
{
	struct ifaddrs *ifs, *a;
	struct peer p;
	bool on = false;

	if (!peer_get(&p))
		return false;
	if (!p.server_known || getifaddrs(&ifs))
		return true;
	for (a = ifs; a && !on; a = a->ifa_next) {
		if (!a->ifa_addr || strcmp(a->ifa_name, ifname))
			continue;
		if (a->ifa_addr->sa_family == AF_INET && p.family == 4)
			on = !memcmp(&((struct sockaddr_in *)a->ifa_addr)->sin_addr, p.server, 4);
		else if (a->ifa_addr->sa_family == AF_INET6 && p.family == 6)
			on = !memcmp(&((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr, p.server, 16);
	}
	freeifaddrs(ifs);
	return on;
}

int lockout_check_limit(struct pg_ctx *ctx, const char *what, const struct pg_prefix *v,
			size_t n, const uint8_t proto[2], uint16_t lo, uint16_t hi)
{
	struct pg_prefix *prot = NULL;
	size_t np = 0;
	struct peer p;
	int err = 0;

	if (ctx->force || !peer_get(&p))
		return 0;
	/* The session is TCP; a limit's port is the packet's destination:
	 * the server's on ingress, the peer's on egress. */
	if ((proto[0] || proto[1]) && proto[0] != IPPROTO_TCP && proto[1] != IPPROTO_TCP)
		return 0;
	if (hi && !(p.sport >= lo && p.sport <= hi) && !(p.cport >= lo && p.cport <= hi))
		return 0;
	if (protect_read(ctx, &prot, &np))
		return p_err("cannot read the protect list to check this SSH session's peer %s; "
			     "nothing was changed (--force skips the check)", p.text);
	for (size_t i = 0; i < np; i++)
		if (pg_prefix_covers(&prot[i], p.family, p.addr))
			goto out;
	for (size_t i = 0; i < n; i++)
		if (pg_prefix_covers(&v[i], p.family, p.addr)) {
			char pfx[PG_PREFIX_STRLEN];

			pg_prefix_fmt(&v[i], pfx, sizeof(pfx));
			err = p_err("%s: a limit on %s would rate-limit this SSH session (peer %s, from "
				    "$SSH_CONNECTION) and can drop it; nothing was changed (protect add "
				    "the peer first, or give --force)", what, pfx, p.text);
			break;
		}
out:
	free(prot);
	return err;
}
