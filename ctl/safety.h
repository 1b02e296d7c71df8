/* SPDX-License-Identifier: GPL-2.0 */
/*
 * No lock-out: a change that would drop the SSH session pktgate runs from
 * ($SSH_CONNECTION) is refused unless --force. The check evaluates the
 * state the change would make against the session's peer, with the rule
 * model of rules.h (struct pg_entry), both directions: ingress packets
 * from the peer to the server's port, egress packets to the peer's port.
 */
#ifndef __PKTGATE_SAFETY_H
#define __PKTGATE_SAFETY_H

#include <stdbool.h>
#include <stddef.h>

#include "cidr.h"
#include "rules.h"

struct pg_ctx;

/* The state a change would make. A part not given (its _set false, or
 * for deny_add n == 0) is as it is now in the maps. */
struct lockout_change {
	const char *what;		/* the command, for the message: "deny add" */
	const struct pg_entry *deny_add;	/* deny entries added to those there now */
	size_t ndeny_add;
	const struct pg_prefix *deny_add_pfx;	/* address entries added (load) */
	size_t ndeny_add_pfx;
	const struct pg_entry *deny;	/* or the whole new deny set */
	size_t ndeny;
	bool deny_set;
	const struct pg_entry *allow;	/* the whole new allow set */
	size_t nallow;
	bool allow_set;
	const struct pg_prefix *protect;	/* the whole new protect set */
	size_t nprotect;
	bool protect_set;
	bool policy_drop;		/* a default policy that drops what matches nothing */
	bool policy_drop_now;		/* the policy in force before the change */
};

/* 0 if the change keeps the session's peer (or there is no session, or
 * --force, or the peer is cut off already now); else one error line naming
 * the entry that would cut it off, and PG_EXIT_ERR. The maps must be
 * open. */
int lockout_check(struct pg_ctx *ctx, const struct lockout_change *c);

/* Whether the SSH session comes in through interface ifname of the
 * current network namespace: its server address is one of ifname's (an
 * address that cannot be read is taken to be). false without a session. */
bool lockout_session_on(const char *ifname);

/* A rate limit over v[0..n) (protocols proto[2], both 0: any; destination
 * ports lo-hi, hi 0: any) that would charge the session's packets, and the
 * peer is not protected: refused like lockout_check (a limit can drop an
 * interactive session's bursts), unless --force. */
int lockout_check_limit(struct pg_ctx *ctx, const char *what, const struct pg_prefix *v,
			size_t n, const uint8_t proto[2], uint16_t lo, uint16_t hi);

#endif
