/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Match keys of a rule (maps/pktgate.h, "Match keys"): which address it
 * names (the remote peer, the source, the destination or either), its
 * protocols (one, or tcp,udp), and its port (destination, source or
 * either) or ICMP type. Parsing, formatting and the keys a rule puts in
 * the port-scoped table; no maps.
 */
#ifndef __PKTGATE_SCOPE_H
#define __PKTGATE_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktgate.h"

struct pg_scope {
	uint8_t proto, proto2;	/* IPPROTO_*; 0: none */
	uint8_t amatch;		/* enum pg_amatch */
	uint8_t pfield;		/* enum pg_pfield, with a port */
	uint16_t lo, hi;	/* 0-0: any port; ICMP type: PG_ICMP_TYPE_PORT */
};

/* A word that starts the scope part of add/del arguments. */
bool scope_word(const char *w);
/* argv[0..argc) from a scope word on; 0, or a usage error printed. */
int scope_parse(int argc, char **argv, struct pg_scope *s);
/* --match src|dst|any. */
int scope_match_parse(const char *w, uint8_t *amatch);
/* A prefix of this family can carry the scope; else a usage error. */
int scope_check_family(const struct pg_scope *s, int family, const char *what);
/* Whether the rule goes to the port-scoped table (else the address tables). */
static inline bool scope_scoped(const struct pg_scope *s)
{
	return s->proto || s->amatch;
}
/* Keys of one prefix under the scope, and key i's selector, protocol and
 * port (host order). */
int scope_nkeys(const struct pg_scope *s);
void scope_key_at(const struct pg_scope *s, int i, uint8_t *sel, uint8_t *proto, uint16_t *port);
/* PG_SEL_BIT()s of its selectors other than 0. */
uint32_t scope_sel_bits(int kind, int family, const struct pg_scope *s);
/* The scope one key stands for, alone (no metadata). */
void scope_of_key(uint8_t sel, uint8_t proto, uint16_t port, struct pg_scope *s);
void scope_to_meta(const struct pg_scope *s, struct pg_rule_meta *rm);
void scope_from_meta(const struct pg_rule_meta *rm, struct pg_scope *s);
bool scope_eq(const struct pg_scope *a, const struct pg_scope *b);
/* Text: "tcp/22", "src tcp,udp/sport 53", "icmp/type 8", "dst"; args:
 * "proto tcp port 22", "proto tcp,udp sport 53 --match src"; "" for an
 * address entry of the remote peer. */
void scope_fmt(const struct pg_scope *s, bool args, char *buf, size_t len);
const char *scope_proto_name(int proto);
const char *scope_amatch_name(int amatch);
/* JSON fields of the scope: proto, protos, port_lo, port_hi, ports,
 * icmp_type, match. */
void scope_json(const struct pg_scope *s);

#endif
